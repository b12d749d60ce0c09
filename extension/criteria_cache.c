/*
 * criteria_cache.c
 *		Compiling criteria versions once per backend, and keeping them fresh.
 *
 * Statement triggers on the criteria tables send a relcache invalidation for
 * the changed table (see thidua_criteria_changed); every backend's callback
 * then marks its compiled versions stale. A stale version is recompiled on
 * its next use and its memory freed at transaction end, never while a query
 * of the current transaction may still hold a pointer to it.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "commands/trigger.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/pg_list.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "criteria.h"
#include "fixed_point.h"
#include "thidua.h"

PG_FUNCTION_INFO_V1(thidua_criteria_changed);

static List *compiled_versions = NIL;	/* in TopMemoryContext */
static List *retired_contexts = NIL;	/* freed at transaction end */
static uint64 cache_generation = 1;
static Oid	watched_relations[3] = {InvalidOid, InvalidOid, InvalidOid};

/* Relcache callback: any change to a criteria table makes every entry stale. */
static void
InvalidateCompiledVersions(Datum argument, Oid relid)
{
	ListCell   *cell;
	bool		ours = !OidIsValid(relid);

	for (int i = 0; i < lengthof(watched_relations); i++)
		ours |= OidIsValid(relid) && relid == watched_relations[i];
	if (!ours)
		return;
	cache_generation++;
	foreach(cell, compiled_versions)
		((CompiledVersion *) lfirst(cell))->valid = false;
}

/* Transaction end: free the stale versions no query can use any more. */
static void
FreeRetiredVersions(XactEvent event, void *argument)
{
	ListCell   *cell;

	if (event != XACT_EVENT_COMMIT && event != XACT_EVENT_ABORT &&
		event != XACT_EVENT_PARALLEL_COMMIT && event != XACT_EVENT_PARALLEL_ABORT)
		return;
	foreach(cell, retired_contexts)
		MemoryContextDelete((MemoryContext) lfirst(cell));
	list_free(retired_contexts);
	retired_contexts = NIL;
}

void
ThiduaRegisterCriteriaCallbacks(void)
{
	CacheRegisterRelcacheCallback(InvalidateCompiledVersions, (Datum) 0);
	RegisterXactCallback(FreeRetiredVersions, NULL);
}

/* Remembers the OIDs of the criteria tables, to recognise their invalidations. */
static void
WatchCriteriaTables(void)
{
	static const char *const names[3] = {"criteria_version", "criteria_item", "class_band"};
	Oid			namespace = get_namespace_oid("thidua", false);

	for (int i = 0; i < lengthof(names); i++)
		watched_relations[i] = get_relname_relid(names[i], namespace);
}

/* Trigger: tells every backend that criteria changed. */
Datum
thidua_criteria_changed(PG_FUNCTION_ARGS)
{
	TriggerData *trigger = (TriggerData *) fcinfo->context;

	const char *name;
	const char *suffix;

	if (!CALLED_AS_TRIGGER(fcinfo))
		elog(ERROR, "thidua_criteria_changed: not called by the trigger manager");
	CacheInvalidateRelcacheByRelid(RelationGetRelid(trigger->tg_relation));

	/*
	 * On Citus the trigger fires on a placement (criteria_item_102008): tell
	 * the node's backends that the table itself changed.
	 */
	name = RelationGetRelationName(trigger->tg_relation);
	suffix = strrchr(name, '_');
	if (suffix != NULL && suffix[1] != '\0' && strspn(suffix + 1, "0123456789") == strlen(suffix + 1))
	{
		char	   *table = pnstrdup(name, suffix - name);
		Oid			relation = get_relname_relid(table, RelationGetNamespace(trigger->tg_relation));

		if (OidIsValid(relation))
			CacheInvalidateRelcacheByRelid(relation);
	}
	return PointerGetDatum(NULL);
}

static void
FingerprintText(uint64 *fingerprint, const char *value)
{
	if (value == NULL)
		value = "\x01null";
	*fingerprint = hash_bytes_extended((const unsigned char *) value, strlen(value) + 1, *fingerprint);
}

static char *
GetText(int row, int column)
{
	return SPI_getvalue(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, column);
}

/* Points and maxima lie below this in magnitude (as validation checks). */
#define POINTS_LIMIT INT64CONST(1000000000000)

static void
pg_attribute_noreturn()
ReportUnusableDraft(const char *version, const char *item, const char *field, const char *problem)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("criteria version \"%s\", item \"%s\", field \"%s\": %s", version, item, field, problem),
			 errhint("A draft edited by hand may be inconsistent; publishing validates it.")));
}

/*
 * Whether a band's bound is inclusive: a bound without its flag (a draft
 * edited by hand) is an error naming the band, never a guess.
 */
static bool
GetInclusive(const char *version, const char *item, int row, int column, int band_number,
			 const char *key)
{
	char	   *value = GetText(row, column);

	if (value == NULL)
		ReportUnusableDraft(version, item, "bands",
							psprintf("band %d has a bound without \"%s\"", band_number, key));
	return strcmp(value, "t") == 0;
}

/*
 * A numeric column of the current SPI row as an integer at 'scale'. Drafts
 * are validated only at import and publish, so a draft edited by hand can
 * hold values the engine cannot use: say where.
 */
static bool
GetFixed(const char *version, const char *item, int row, int column, int scale,
		 const char *field, int64 *result)
{
	bool		isnull;
	Datum		value = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, column, &isnull);

	if (isnull)
		return false;
	*result = NumericDatumToFixedOrError(value, scale,
										 psprintf("criteria version \"%s\", item \"%s\", field \"%s\": %s",
												  version, item, field, GetText(row, column)),
										 "A draft edited by hand may be inconsistent; publishing validates it.");
	/* points beyond what validation allows would overflow the rules' arithmetic */
	if (scale < FIXED_SCALE &&
		(*result >= POINTS_LIMIT * fixed_pow10[scale] || *result <= -POINTS_LIMIT * fixed_pow10[scale]))
		ReportUnusableDraft(version, item, field, "is out of range");
	return true;
}

static void
RunQuery(const char *sql, Datum code)
{
	Oid			types[1] = {TEXTOID};
	Datum		values[1] = {code};

	if (SPI_execute_with_args(sql, 1, types, values, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "thidua: could not read criteria version");
}

/*
 * The relation to read for a criteria table. On Citus the compiled version may
 * be built inside a query pushed down to a node, where reading the reference
 * table itself would be a nested distributed query: thidua._local_relation()
 * names the node's own placement instead. SQL older than 0.9.0 has no such
 * function, and no Citus tables: the table itself.
 */
static char *
ReadableRelation(const char *table)
{
	static bool checked = false;
	static bool have_helper = false;
	char	   *sql;

	if (!checked || !have_helper)
	{
		if (SPI_execute("SELECT pg_catalog.to_regprocedure('thidua._local_relation(pg_catalog.regclass)') IS NOT NULL",
						true, 1) != SPI_OK_SELECT || SPI_processed != 1)
			elog(ERROR, "thidua: could not read the catalog");
		have_helper = strcmp(GetText(0, 1), "t") == 0;
		checked = true;
	}
	if (!have_helper)
		return psprintf("thidua.%s", table);
	/* regclass output: qualified unless the search path finds it as is */
	sql = psprintf("SELECT thidua._local_relation('thidua.%s'::pg_catalog.regclass)::pg_catalog.text", table);
	if (SPI_execute(sql, true, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "thidua: could not find table thidua.%s", table);
	return GetText(0, 1);
}

static uint32
HashCode(const char *code, int length)
{
	return hash_bytes((const unsigned char *) code, length);
}

int
FindItem(const CompiledVersion *version, const char *code, int length)
{
	uint32		mask = version->lookup_size - 1;

	for (uint32 probe = HashCode(code, length) & mask;; probe = (probe + 1) & mask)
	{
		int			index = version->lookup[probe];

		if (index < 0)
			return -1;
		if (strncmp(version->items[index].code, code, length) == 0 &&
			version->items[index].code[length] == '\0')
			return index;
	}
}

const CompiledItem *
FindCriterion(const CompiledVersion *version, const char *code, int length)
{
	int			index = FindItem(version, code, length);

	if (index < 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("criterion \"%.*s\" does not exist in criteria version \"%s\"",
						length, code, version->code)));
	if (version->items[index].kind != ITEM_CRITERION)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("item \"%.*s\" of criteria version \"%s\" is a %s, not a criterion",
						length, code, version->code, ItemKindName(version->items[index].kind)),
				 errhint("Observations are recorded for criteria; sections add up their criteria.")));
	return &version->items[index];
}

const CompiledItem *
FindCriterionAfter(const CompiledVersion *version, const char *code, int length,
				   VersionCallCache *cache)
{
	const CompiledItem *item;

	for (int guess = cache->last_item + 1; guess < version->nitems && guess <= cache->last_item + 2; guess++)
	{
		item = &version->items[guess];
		if (item->kind == ITEM_CRITERION && strncmp(item->code, code, length) == 0 &&
			item->code[length] == '\0')
		{
			cache->last_item = guess;
			return item;
		}
	}
	item = FindCriterion(version, code, length);
	cache->last_item = (int) (item - version->items);
	return item;
}

static ItemKind
ParseItemKind(const char *kind)
{
	if (strcmp(kind, "section") == 0)
		return ITEM_SECTION;
	if (strcmp(kind, "criterion") == 0)
		return ITEM_CRITERION;
	if (strcmp(kind, "bonus") == 0)
		return ITEM_BONUS;
	if (strcmp(kind, "penalty") == 0)
		return ITEM_PENALTY;
	elog(ERROR, "thidua: unknown item kind \"%s\"", kind);
	return ITEM_SECTION;
}

static RuleKind
ParseRule(const char *rule)
{
	if (rule == NULL)
		return RULE_NONE;
	if (strcmp(rule, "pass_fail") == 0)
		return RULE_PASS_FAIL;
	if (strcmp(rule, "proportional") == 0)
		return RULE_PROPORTIONAL;
	if (strcmp(rule, "bands") == 0)
		return RULE_BANDS;
	if (strcmp(rule, "per_occurrence") == 0)
		return RULE_PER_OCCURRENCE;
	if (strcmp(rule, "manual") == 0)
		return RULE_MANUAL;
	if (strcmp(rule, "leader_relative") == 0)
		return RULE_LEADER_RELATIVE;
	elog(ERROR, "thidua: unknown rule \"%s\"", rule);
	return RULE_NONE;
}

/* Reads the version's rows and builds its compiled form in 'context'. */
static CompiledVersion *
CompileVersion(const char *code, int code_length, MemoryContext context)
{
	MemoryContext caller = CurrentMemoryContext;
	CompiledVersion *version;
	Datum		code_datum = PointerGetDatum(cstring_to_text_with_len(code, code_length));
	uint64		fingerprint = 0x7468696475610001ULL;
	int			depth_max = 0;
	int		   *depth;
	int			n;
	char	   *version_table;
	char	   *item_table;
	char	   *band_table;

	version = MemoryContextAllocZero(context, sizeof(CompiledVersion));
	version->context = context;
	version->code = MemoryContextStrdup(context, text_to_cstring((text *) DatumGetPointer(code_datum)));
	version->code_length = code_length;
	version->valid = true;
	version->veto_class = -1;
	FingerprintText(&fingerprint, version->code);

	SPI_connect();
	version_table = ReadableRelation("criteria_version");
	item_table = ReadableRelation("criteria_item");
	band_table = ReadableRelation("class_band");

	/* not_applicable through to_jsonb: the SQL of releases before 0.6.0 has no such column */
	RunQuery(psprintf("SELECT v.status, v.rounding_scale, v.allow_over_completion, v.veto_max_class, v.tie_break, "
					  "pg_catalog.to_jsonb(v) OPERATOR(pg_catalog.->>) 'not_applicable'::pg_catalog.text "
					  "FROM %s v WHERE v.version_code OPERATOR(pg_catalog.=) $1", version_table), code_datum);
	if (SPI_processed != 1)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("criteria version \"%s\" does not exist", version->code),
				 errhint("thidua.criteria_versions lists the versions.")));
	{
		char	   *status = GetText(0, 1);
		char	   *veto = GetText(0, 4);
		char	   *tiebreak = GetText(0, 5);
		bool		isnull;
		Datum		tiebreak_array = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 5, &isnull);
		Datum	   *tie_keys = NULL;
		bool	   *tie_nulls = NULL;
		int			ntie_keys = 0;

		version->is_draft = strcmp(status, "draft") == 0;
		version->scale = pg_strtoint32(GetText(0, 2));
		version->allow_over_completion = strcmp(GetText(0, 3), "t") == 0;
		FingerprintText(&fingerprint, GetText(0, 2));
		FingerprintText(&fingerprint, GetText(0, 3));
		FingerprintText(&fingerprint, veto);
		FingerprintText(&fingerprint, tiebreak);
		{
			char	   *treatment = GetText(0, 6);

			/* unset, it leaves the fingerprints of earlier versions as they were */
			if (treatment != NULL)
				FingerprintText(&fingerprint, treatment);
			if (treatment == NULL)
				version->not_applicable = NA_UNDECLARED;
			else if (strcmp(treatment, "exclude_and_rescale") == 0)
				version->not_applicable = NA_EXCLUDE_AND_RESCALE;
			else if (strcmp(treatment, "full_points") == 0)
				version->not_applicable = NA_FULL_POINTS;
			else if (strcmp(treatment, "zero") == 0)
				version->not_applicable = NA_ZERO;
			else
				ReportUnusableDraft(version->code, "(version)", "not_applicable",
									psprintf("\"%s\" is not a treatment", treatment));
		}
		if (veto)
			veto = MemoryContextStrdup(context, veto);
		if (!isnull)
			deconstruct_array(DatumGetArrayTypeP(tiebreak_array), TEXTOID, -1, false, TYPALIGN_INT,
							  &tie_keys, &tie_nulls, &ntie_keys);

		/* items */
		RunQuery(psprintf("SELECT code, parent_code, kind, rule, max_points, "
				 "(CASE WHEN (params OPERATOR(pg_catalog.->>) 'target'::pg_catalog.text) OPERATOR(pg_catalog.=) 'pact' "
				 "THEN NULL ELSE params OPERATOR(pg_catalog.->>) 'target'::pg_catalog.text END)::numeric, "
				 "(params OPERATOR(pg_catalog.->>) 'ceiling'::pg_catalog.text)::numeric, "
				 "(params OPERATOR(pg_catalog.->>) 'per'::pg_catalog.text)::numeric, "
				 "(params OPERATOR(pg_catalog.->>) 'floor'::pg_catalog.text)::numeric, "
				 "(params OPERATOR(pg_catalog.->>) 'otherwise'::pg_catalog.text)::numeric, "
				 "COALESCE(pg_catalog.jsonb_array_length(params OPERATOR(pg_catalog.->) 'bands'::pg_catalog.text), 0), "
				 "(params OPERATOR(pg_catalog.->>) 'target'::pg_catalog.text) OPERATOR(pg_catalog.=) 'pact' "
				 "FROM %s WHERE version_code OPERATOR(pg_catalog.=) $1 "
				 "ORDER BY position", item_table), code_datum);
		n = (int) SPI_processed;
		version->nitems = n;
		version->items = MemoryContextAllocZero(context, sizeof(CompiledItem) * Max(n, 1));
		version->lookup_size = 4;
		while (version->lookup_size < 2 * n)
			version->lookup_size *= 2;
		version->lookup = MemoryContextAlloc(context, sizeof(int) * version->lookup_size);
		memset(version->lookup, -1, sizeof(int) * version->lookup_size);
		version->slot_item = MemoryContextAlloc(context, sizeof(int) * Max(n, 1));

		for (int i = 0; i < n; i++)
		{
			CompiledItem *item = &version->items[i];
			char	   *item_code = GetText(i, 1);
			uint32		mask = version->lookup_size - 1;
			uint32		probe;

			for (int column = 1; column <= 11; column++)
				FingerprintText(&fingerprint, GetText(i, column));
			item->code = MemoryContextStrdup(context, item_code);
			item->kind = ParseItemKind(GetText(i, 3));
			item->rule = ParseRule(GetText(i, 4));
			item->parent = -1;
			item->slot = -1;
			item->has_max = GetFixed(version->code, item->code, i, 5, version->scale, "max", &item->max);
			if (item->has_max)
				item->max_fixed = item->max * fixed_pow10[FIXED_SCALE - version->scale];
			GetFixed(version->code, item->code, i, 6, FIXED_SCALE, "target", &item->target);
			item->has_ceiling = GetFixed(version->code, item->code, i, 7, version->scale, "ceiling", &item->ceiling);
			GetFixed(version->code, item->code, i, 8, FIXED_SCALE, "per", &item->per);
			item->has_floor = GetFixed(version->code, item->code, i, 9, version->scale, "floor", &item->floor);
			GetFixed(version->code, item->code, i, 10, version->scale, "otherwise", &item->otherwise);
			item->nbands = pg_strtoint32(GetText(i, 11));
			/* the unit's target from the pact, known in the bloc's standings */
			item->target_from_pact = GetText(i, 12) != NULL && strcmp(GetText(i, 12), "t") == 0;
			if (item->target_from_pact)
				FingerprintText(&fingerprint, "target=pact");
			if (item->nbands > 0)
				item->bands = MemoryContextAllocZero(context, sizeof(Band) * item->nbands);
			if (item->kind == ITEM_CRITERION)
			{
				item->slot = version->ncriteria;
				version->slot_item[version->ncriteria++] = i;
			}

			probe = HashCode(item->code, strlen(item->code)) & mask;
			while (version->lookup[probe] >= 0)
				probe = (probe + 1) & mask;
			version->lookup[probe] = i;
		}
		/* parents, by code, once every item is known */
		for (int i = 0; i < n; i++)
		{
			char	   *parent = GetText(i, 2);

			if (parent != NULL)
				version->items[i].parent = FindItem(version, parent, strlen(parent));
		}

		/* bands, in each criterion's order */
		RunQuery(psprintf("SELECT i.code, (b.x OPERATOR(pg_catalog.->>) 'from'::pg_catalog.text)::numeric, "
				 "(b.x OPERATOR(pg_catalog.->>) 'from_inclusive'::pg_catalog.text)::boolean, "
				 "(b.x OPERATOR(pg_catalog.->>) 'to'::pg_catalog.text)::numeric, "
				 "(b.x OPERATOR(pg_catalog.->>) 'to_inclusive'::pg_catalog.text)::boolean, "
				 "(b.x OPERATOR(pg_catalog.->>) 'points'::pg_catalog.text)::numeric "
				 "FROM %s i, "
				 "pg_catalog.jsonb_array_elements(i.params OPERATOR(pg_catalog.->) 'bands'::pg_catalog.text) "
				 "WITH ORDINALITY AS b(x, n) "
				 "WHERE i.version_code OPERATOR(pg_catalog.=) $1 ORDER BY i.position, b.n", item_table), code_datum);
		{
			int			current = -1;
			int			band_number = 0;

			for (uint64 row = 0; row < SPI_processed; row++)
			{
				char	   *item_code = GetText(row, 1);
				int			index = FindItem(version, item_code, strlen(item_code));
				Band	   *band;

				if (index != current)
				{
					current = index;
					band_number = 0;
				}
				band = &version->items[index].bands[band_number++];
				for (int column = 1; column <= 6; column++)
					FingerprintText(&fingerprint, GetText(row, column));
				band->has_from = GetFixed(version->code, item_code, row, 2, FIXED_SCALE, "bands", &band->from);
				band->from_inclusive = band->has_from && GetInclusive(version->code, item_code, row, 3,
																	  band_number, "from_inclusive");
				band->has_to = GetFixed(version->code, item_code, row, 4, FIXED_SCALE, "bands", &band->to);
				band->to_inclusive = band->has_to && GetInclusive(version->code, item_code, row, 5,
																  band_number, "to_inclusive");
				GetFixed(version->code, item_code, row, 6, version->scale, "bands", &band->points);
			}
		}

		/* class bands, best first */
		RunQuery(psprintf("SELECT label, lower_bound FROM %s "
						  "WHERE version_code OPERATOR(pg_catalog.=) $1 ORDER BY position", band_table), code_datum);
		version->nclasses = (int) SPI_processed;
		version->class_labels = MemoryContextAllocZero(context, sizeof(char *) * Max(version->nclasses, 1));
		version->class_bounds = MemoryContextAllocZero(context, sizeof(Numeric) * Max(version->nclasses, 1));
		for (int i = 0; i < version->nclasses; i++)
		{
			bool		isnull;
			Datum		bound = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, &isnull);

			FingerprintText(&fingerprint, GetText(i, 1));
			FingerprintText(&fingerprint, GetText(i, 2));
			version->class_labels[i] = MemoryContextStrdup(context, GetText(i, 1));
			if (!isnull)
			{
				MemoryContext old = MemoryContextSwitchTo(context);

				version->class_bounds[i] = DatumGetNumeric(datumCopy(PointerGetDatum(PG_DETOAST_DATUM(bound)), false, -1));
				MemoryContextSwitchTo(old);
			}
			if (veto && strcmp(veto, version->class_labels[i]) == 0)
				version->veto_class = i;
		}

		/* tie-break keys; an empty order (stored before 0.5.0) means the total */
		version->ntiebreak = Max(ntie_keys, 1);
		version->tiebreak = MemoryContextAllocZero(context, sizeof(TieKey) * version->ntiebreak);
		for (int k = 0; k < version->ntiebreak; k++)
		{
			TieKey	   *tie = &version->tiebreak[k];
			char	   *key;

			if (ntie_keys == 0)
				key = "total";
			else if (tie_nulls[k])
				ReportUnusableDraft(version->code, "(version)", "tie_break", "holds a null key");
			else
				key = TextDatumGetCString(tie_keys[k]);
			tie->name = MemoryContextStrdup(context, key);
			tie->item = -1;
			if (strcmp(key, "total") == 0)
				tie->kind = TIE_TOTAL;
			else if (strcmp(key, "bonus") == 0)
				tie->kind = TIE_BONUS;
			else if (strcmp(key, "penalty") == 0)
				tie->kind = TIE_PENALTY;
			else if (strncmp(key, "section:", 8) == 0 &&
					 (tie->item = FindItem(version, key + 8, strlen(key + 8))) >= 0)
				tie->kind = TIE_SECTION;
			else
				ReportUnusableDraft(version->code, "(version)", "tie_break",
									psprintf("\"%s\" is not a key of this version", key));
		}

		/* a rule the engine could not evaluate */
		for (int i = 0; i < n; i++)
			if ((version->items[i].rule == RULE_PROPORTIONAL || version->items[i].rule == RULE_LEADER_RELATIVE) &&
				!version->items[i].target_from_pact && version->items[i].target <= 0)
				ReportUnusableDraft(version->code, version->items[i].code, "target", "must be greater than zero");
	}
	SPI_finish();
	MemoryContextSwitchTo(caller);

	/* which part of the total each item counts toward; bottom-up order */
	depth = palloc0(sizeof(int) * Max(version->nitems, 1));
	for (int i = 0; i < version->nitems; i++)
	{
		int			top = i;

		while (version->items[top].parent >= 0)
		{
			top = version->items[top].parent;
			depth[i]++;
			if (depth[i] > version->nitems)
				elog(ERROR, "thidua: the items of criteria version \"%s\" form a cycle", version->code);
		}
		version->items[i].part = version->items[top].kind == ITEM_BONUS ? PART_BONUS :
			version->items[top].kind == ITEM_PENALTY ? PART_PENALTY : PART_MAIN;
		depth_max = Max(depth_max, depth[i]);
	}
	version->bottom_up = MemoryContextAlloc(context, sizeof(int) * Max(version->nitems, 1));
	n = 0;
	for (int d = depth_max; d >= 0; d--)
		for (int i = 0; i < version->nitems; i++)
			if (depth[i] == d)
				version->bottom_up[n++] = i;
	pfree(depth);

	version->fingerprint = fingerprint;
	return version;
}

CompiledVersion *
GetCompiledVersion(const char *code, int code_length)
{
	ListCell   *cell;
	MemoryContext context;
	CompiledVersion *version;
	MemoryContext old;

	/* A query that touches no table takes no lock that would process these. */
	AcceptInvalidationMessages();
	foreach(cell, compiled_versions)
	{
		version = lfirst(cell);
		if (version->code_length == code_length && memcmp(version->code, code, code_length) == 0)
		{
			/* a draft is read again under another role: row security may hide it */
			if (version->valid && (!version->is_draft || version->compiled_by == GetUserId()))
				return version;
			old = MemoryContextSwitchTo(TopMemoryContext);
			retired_contexts = lappend(retired_contexts, version->context);
			compiled_versions = foreach_delete_current(compiled_versions, cell);
			MemoryContextSwitchTo(old);
			break;
		}
	}

	ThiduaCheckLibraryCompatible();
	if (!OidIsValid(watched_relations[0]))
		WatchCriteriaTables();

	/* Built under the caller's context so that an error frees it; kept after. */
	context = AllocSetContextCreate(CurrentMemoryContext, "thidua criteria version",
									ALLOCSET_SMALL_SIZES);
	version = CompileVersion(code, code_length, context);
	version->compiled_by = GetUserId();
	MemoryContextSetParent(context, CacheMemoryContext);
	MemoryContextSetIdentifier(context, version->code);

	old = MemoryContextSwitchTo(TopMemoryContext);
	compiled_versions = lappend(compiled_versions, version);
	MemoryContextSwitchTo(old);
	return version;
}

CompiledVersion *
GetCompiledVersionCached(FunctionCallInfo fcinfo, text *code)
{
	VersionCallCache *cache = (VersionCallCache *) fcinfo->flinfo->fn_extra;
	const char *data = VARDATA_ANY(code);
	int			length = VARSIZE_ANY_EXHDR(code);

	if (cache != NULL && cache->generation == cache_generation &&
		cache->version->code_length == length &&
		memcmp(cache->version->code, data, length) == 0 &&
		(!cache->version->is_draft || cache->version->compiled_by == GetUserId()))
		return cache->version;
	if (cache == NULL)
	{
		cache = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(VersionCallCache));
		cache->constant_version = -1;
		fcinfo->flinfo->fn_extra = cache;
	}
	cache->version = GetCompiledVersion(data, length);
	cache->generation = cache_generation;
	cache->last_item = -1;
	return cache->version;
}
