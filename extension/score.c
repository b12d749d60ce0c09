/*
 * score.c
 *		Scoring: thidua.points, the thidua.score and thidua.score_detail
 *		aggregates, and thidua.classify.
 *
 * The transition stores each criterion's observation (validated by its rule
 * as it arrives, so errors point at the row); the final function computes the
 * points, section caps bottom-up, bonus and penalty. All arithmetic is on
 * exact scaled integers, so serial, parallel and distributed runs agree.
 */
#include "postgres.h"

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "criteria.h"
#include "fixed_point.h"
#include "score_state.h"
#include "state_format.h"

PG_FUNCTION_INFO_V1(thidua_points);
PG_FUNCTION_INFO_V1(thidua_points_in_bloc);
PG_FUNCTION_INFO_V1(thidua_score_in_bloc_transition);
PG_FUNCTION_INFO_V1(thidua_score_detail_in_bloc_transition);
PG_FUNCTION_INFO_V1(thidua_score_transition);
PG_FUNCTION_INFO_V1(thidua_score_detail_transition);
PG_FUNCTION_INFO_V1(thidua_score_combine);
PG_FUNCTION_INFO_V1(thidua_score_final);
PG_FUNCTION_INFO_V1(thidua_score_detail_final);
PG_FUNCTION_INFO_V1(thidua_tie_break_keys_final);
PG_FUNCTION_INFO_V1(thidua_classify);
PG_FUNCTION_INFO_V1(thidua_fixed);

/* An observation as an integer in millionths, with errors naming the criterion. */
static int64
ObservationToFixed(const CompiledVersion *version, const CompiledItem *item, Datum observed)
{
	int64		value = 0;

	switch (NumericDatumToFixed(observed, FIXED_SCALE, &value))
	{
		case FIXED_OK:
			return value;
		case FIXED_TOO_PRECISE:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("observation for criterion \"%s\" of criteria version \"%s\" has more than %d decimal places",
							item->code, version->code, FIXED_SCALE),
					 errhint("Round the observation to %d decimal places.", FIXED_SCALE)));
			break;
		case FIXED_OUT_OF_RANGE:
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("observation for criterion \"%s\" of criteria version \"%s\" is out of range",
							item->code, version->code)));
			break;
		case FIXED_NOT_FINITE:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("observation for criterion \"%s\" of criteria version \"%s\" must be a finite number",
							item->code, version->code)));
			break;
	}
	return 0;
}

/* SQL: thidua.points(version text, criterion_code text, observed numeric) -> numeric */
Datum
thidua_points(PG_FUNCTION_ARGS)
{
	CompiledVersion *version = GetCompiledVersionCached(fcinfo, PG_GETARG_TEXT_PP(0));
	text	   *code = PG_GETARG_TEXT_PP(1);
	const CompiledItem *item = FindCriterion(version, VARDATA_ANY(code), VARSIZE_ANY_EXHDR(code));
	RuleTrace	trace;
	int64		points;
	int64		observed = ObservationToFixed(version, item, PG_GETARG_DATUM(2));

	/* points that depend on the bloc are unknown here: the observation is checked */
	if (ScoredInBloc(item))
	{
		CheckInBlocObservation(version, item, observed);
		PG_RETURN_NULL();
	}
	points = EvaluateRule(version, item, observed, &trace);
	PG_RETURN_NUMERIC(FixedToNumeric(points, version->scale));
}

/* A number argument of points_in_bloc in millionths, or an error naming it. */
static int64
InBlocArgument(FunctionCallInfo fcinfo, int argument, const CompiledVersion *version,
			   const CompiledItem *item, const char *name)
{
	if (PG_ARGISNULL(argument))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null for criterion \"%s\" of criteria version \"%s\" (%s)",
						name, item->code, version->code, RuleName(item->rule))));
	return ObservationToFixed(version, item, PG_GETARG_DATUM(argument));
}

/*
 * SQL: thidua.points_in_bloc(version, criterion_code, observed, target,
 * leader_observed, leader_target) -> numeric: the points of a criterion scored
 * in the bloc (a target from the pact, or leader_relative). A NULL target is
 * the criterion's own; the leader's values are for leader_relative only.
 */
Datum
thidua_points_in_bloc(PG_FUNCTION_ARGS)
{
	CompiledVersion *version;
	const CompiledItem *item;
	text	   *code;
	RuleTrace	trace;
	int64		observed;
	int64		target;
	int64		leader_observed = 0;
	int64		leader_target = 0;

	if (PG_ARGISNULL(0))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("criteria version must not be null")));
	if (PG_ARGISNULL(1))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("criterion code must not be null")));
	version = GetCompiledVersionCached(fcinfo, PG_GETARG_TEXT_PP(0));
	code = PG_GETARG_TEXT_PP(1);
	item = FindCriterion(version, VARDATA_ANY(code), VARSIZE_ANY_EXHDR(code));
	if (!ScoredInBloc(item))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("criterion \"%s\" of criteria version \"%s\" (%s) is not scored in the bloc",
						item->code, version->code, RuleName(item->rule)),
				 errhint("thidua.points scores it.")));
	if (PG_ARGISNULL(2))
		PG_RETURN_NULL();		/* no observation */
	observed = ObservationToFixed(version, item, PG_GETARG_DATUM(2));
	if (!PG_ARGISNULL(3))
		target = InBlocArgument(fcinfo, 3, version, item, "target");
	else if (item->target_from_pact)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("criterion \"%s\" of criteria version \"%s\" takes the unit's target from the pact: target must not be null",
						item->code, version->code)));
	else
		target = item->target;
	if (item->rule == RULE_LEADER_RELATIVE)
	{
		leader_observed = InBlocArgument(fcinfo, 4, version, item, "leader_observed");
		leader_target = PG_ARGISNULL(5) && !item->target_from_pact ? item->target :
			InBlocArgument(fcinfo, 5, version, item, "leader_target");
	}
	PG_RETURN_NUMERIC(FixedToNumeric(EvaluateInBloc(version, item, observed, target, leader_observed,
													leader_target, &trace), version->scale));
}

static void
pg_attribute_noreturn()
ReportDuplicate(const CompiledVersion *version, int slot, bool marked_not_applicable)
{
	if (marked_not_applicable)
		ereport(ERROR,
				(errcode(ERRCODE_UNIQUE_VIOLATION),
				 errmsg("criterion \"%s\" is marked not applicable in an evaluation under criteria version \"%s\" that also observes it or marks it again",
						version->items[version->slot_item[slot]].code, version->code),
				 errhint("A criterion that does not apply to the unit is marked once and not observed.")));
	ereport(ERROR,
			(errcode(ERRCODE_UNIQUE_VIOLATION),
			 errmsg("criterion \"%s\" is observed twice in one evaluation under criteria version \"%s\"",
					version->items[version->slot_item[slot]].code, version->code),
			 errhint("Each evaluation (group) holds at most one observation per criterion.")));
}

/*
 * The transition of both aggregates: validates the row by its rule and keeps
 * the points (score) or the observation (score_detail) in the criterion's slot.
 */
static Datum
ScoreTransition(FunctionCallInfo fcinfo, ScoreContent content, int in_bloc_argument,
				int applicable_argument)
{
	MemoryContext aggregate_context;
	CompiledVersion *version;
	VersionCallCache *cache;
	const CompiledItem *item;
	text	   *code;
	bytea	   *state;
	ScoreStateLayout layout;
	RuleTrace	trace;
	int64		observed;
	int64		points;
	int64		value;
	bool		not_applicable = false;

	if (!AggCheckCallContext(fcinfo, &aggregate_context))
		elog(ERROR, "thidua_score_transition called in non-aggregate context");
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("criteria version must not be null")));
	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("criterion code must not be null")));

	version = GetCompiledVersionCached(fcinfo, PG_GETARG_TEXT_PP(1));
	cache = (VersionCallCache *) fcinfo->flinfo->fn_extra;
	if (cache->constant_version < 0)
		cache->constant_version = get_fn_expr_arg_stable(fcinfo->flinfo, 1) ? 1 : 0;
	layout = ScoreStateLayoutFor(version, content);
	if (PG_ARGISNULL(0))
	{
		/*
		 * The executor copies a new state into the aggregate context itself;
		 * building it there too would keep two per group.
		 */
		state = ScoreStateCreate(CurrentMemoryContext, version, content);
	}
	else
	{
		/*
		 * In our own aggregates, our own state, built in the aggregate
		 * context and never toasted: updated in place, without even a detoast
		 * check per row. With a constant version argument every state has
		 * that version; otherwise each row's version is checked against the
		 * state's. Any other state is validated whole on every row.
		 */
		bool		own = TransitionStateIsOwn(fcinfo, &cache->state_origin);
		ScoreStateLayout found = layout;

		if (own)
			state = (bytea *) PG_GETARG_POINTER(0);
		else
		{
			/* from an aggregate of the user's: checked as strictly as in combine */
			state = PG_GETARG_BYTEA_P(0);
			found = ScoreStateValidate(state);
			if (found.content != content)
				ReportCorruptState("thidua.score", content == SCORE_POINTS ?
								   "A score state must hold points." :
								   "A score_detail state must hold observations.");
		}
		if ((!own || !cache->constant_version) && ScoreStateFingerprint(state) != version->fingerprint)
		{
			const char *state_code;
			int			state_code_length;

			ScoreStateCode(state, &state_code, &state_code_length);
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("one evaluation mixes criteria versions \"%.*s\" and \"%s\"",
							state_code_length, state_code, version->code),
					 errhint("Group the rows so that each evaluation uses one criteria version.")));
		}
		if (!own && (found.nslots != layout.nslots || found.code_length != layout.code_length))
			ReportCorruptState("thidua.score", "The state's layout does not match its criteria version.");
	}
	if (applicable_argument >= 0)
	{
		if (PG_ARGISNULL(applicable_argument))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("applicable must not be null"),
					 errhint("Pass true for a criterion that applies to the unit, false for one marked not applicable.")));
		not_applicable = !PG_GETARG_BOOL(applicable_argument);
	}
	if (PG_ARGISNULL(3) && !not_applicable)
		PG_RETURN_BYTEA_P(state);	/* no observation: the criterion scores 0 */

	code = PG_GETARG_TEXT_PP(2);
	item = FindCriterionAfter(version, VARDATA_ANY(code), VARSIZE_ANY_EXHDR(code), cache);
	if (not_applicable)
	{
		if (version->not_applicable == NA_UNDECLARED)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("criterion \"%s\" is marked not applicable, but criteria version \"%s\" does not say what that counts for",
							item->code, version->code),
					 errhint("The version's setting not_applicable (exclude_and_rescale, full_points or zero) says it.")));
		if (!PG_ARGISNULL(3) || (in_bloc_argument >= 0 && !PG_ARGISNULL(in_bloc_argument)))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("criterion \"%s\" of criteria version \"%s\" is marked not applicable and has an observation",
							item->code, version->code),
					 errhint("A criterion that does not apply to the unit is not observed.")));
		value = SCORE_STATE_NOT_APPLICABLE;
	}
	else
	{
		observed = ObservationToFixed(version, item, PG_GETARG_DATUM(3));
		if (ScoredInBloc(item))
		{
			/*
			 * Its points, computed in the bloc (points_in_bloc), are kept in
			 * both contents: the observation alone cannot give them.
			 */
			CheckInBlocObservation(version, item, observed);
			if (in_bloc_argument < 0 || PG_ARGISNULL(in_bloc_argument))
				EvaluateRule(version, item, observed, &trace);	/* says it is scored in the bloc */
			points = NumericDatumToFixedOrError(PG_GETARG_DATUM(in_bloc_argument), version->scale,
												psprintf("points_in_bloc of criterion \"%s\" of criteria version \"%s\"",
														 item->code, version->code),
												"thidua.points_in_bloc gives them.");
			if (!PointsPossible(version, item, points))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("points_in_bloc of criterion \"%s\" of criteria version \"%s\" are out of its range",
								item->code, version->code),
						 errhint("thidua.points_in_bloc gives them.")));
			observed = points;
		}
		else
		{
			if (in_bloc_argument >= 0 && !PG_ARGISNULL(in_bloc_argument))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("criterion \"%s\" of criteria version \"%s\" (%s) takes its points from its rule",
								item->code, version->code, RuleName(item->rule)),
						 errhint("points_in_bloc is for criteria scored in the bloc; give it as null.")));
			points = EvaluateRule(version, item, observed, &trace);	/* refuses bad values now */
		}
		if (content == SCORE_POINTS && (points <= PG_INT32_MIN + 1 || points > PG_INT32_MAX))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("points of criterion \"%s\" are out of range", item->code)));
		value = content == SCORE_POINTS ? points : observed;
	}

	if (ScoreStateHas(state, &layout, item->slot))
		ReportDuplicate(version, item->slot, not_applicable ||
						ScoreStateGet(state, &layout, item->slot) == SCORE_STATE_NOT_APPLICABLE);
	ScoreStateSet(state, &layout, item->slot, value);
	PG_RETURN_BYTEA_P(state);
}

/* SQL: transition of thidua.score */
Datum
thidua_score_transition(PG_FUNCTION_ARGS)
{
	return ScoreTransition(fcinfo, SCORE_POINTS, -1, PG_NARGS() > 4 ? 4 : -1);
}

/* SQL: transition of thidua.score_detail */
Datum
thidua_score_detail_transition(PG_FUNCTION_ARGS)
{
	return ScoreTransition(fcinfo, SCORE_OBSERVATIONS, -1, PG_NARGS() > 4 ? 4 : -1);
}

/* SQL: transition of thidua.score and tie_break_keys with points_in_bloc */
Datum
thidua_score_in_bloc_transition(PG_FUNCTION_ARGS)
{
	return ScoreTransition(fcinfo, SCORE_POINTS, 4, PG_NARGS() > 5 ? 5 : -1);
}

/* SQL: transition of thidua.score_detail with points_in_bloc */
Datum
thidua_score_detail_in_bloc_transition(PG_FUNCTION_ARGS)
{
	return ScoreTransition(fcinfo, SCORE_OBSERVATIONS, 4, PG_NARGS() > 5 ? 5 : -1);
}

static CompiledVersion *VersionOfState(const bytea *state, const ScoreStateLayout *layout);

/* SQL: combine of thidua.score and thidua.score_detail. */
Datum
thidua_score_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggregate_context;
	bytea	   *left;
	bytea	   *right;
	ScoreStateLayout left_layout;
	ScoreStateLayout right_layout;

	if (!AggCheckCallContext(fcinfo, &aggregate_context))
		elog(ERROR, "thidua_score_combine called in non-aggregate context");
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	right = PG_GETARG_BYTEA_P(1);
	right_layout = ScoreStateValidate(right);
	if (PG_ARGISNULL(0))
		PG_RETURN_BYTEA_P(right);	/* the executor copies it into its context */
	left = PG_GETARG_BYTEA_P(0);
	left_layout = ScoreStateValidate(left);

	if (left_layout.content != right_layout.content)
		ReportCorruptState("thidua.score", "The partial states hold different contents (points and observations).");
	if (ScoreStateFingerprint(left) != ScoreStateFingerprint(right) ||
		left_layout.nslots != right_layout.nslots ||
		left_layout.code_length != right_layout.code_length ||
		memcmp((char *) left + VARHDRSZ + 18, (char *) right + VARHDRSZ + 18, left_layout.code_length) != 0)
	{
		const char *left_code;
		const char *right_code;
		int			left_length;
		int			right_length;

		ScoreStateCode(left, &left_code, &left_length);
		ScoreStateCode(right, &right_code, &right_length);
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot combine scores of criteria versions \"%.*s\" and \"%.*s\"",
						left_length, left_code, right_length, right_code),
				 errdetail("The partial states differ in version or in the version's content.")));
	}
	for (int slot = 0; slot < right_layout.nslots; slot++)
	{
		if (!ScoreStateHas(right, &right_layout, slot))
			continue;
		if (ScoreStateHas(left, &left_layout, slot))
			ReportDuplicate(VersionOfState(left, &left_layout), slot,	/* checked: slot is its */
							ScoreStateGet(left, &left_layout, slot) == SCORE_STATE_NOT_APPLICABLE ||
							ScoreStateGet(right, &right_layout, slot) == SCORE_STATE_NOT_APPLICABLE);
		ScoreStateSet(left, &left_layout, slot, ScoreStateGet(right, &right_layout, slot));
	}
	PG_RETURN_BYTEA_P(left);
}

/* The computed score of one evaluation. */
typedef struct Breakdown
{
	int64	   *points;			/* per item: criterion points, or a group's capped value */
	int64	   *raw;			/* per group: the sum of its children before the cap */
	bool	   *observed;		/* per criterion: had an observation */
	bool	   *not_applicable; /* per criterion: marked not applicable */
	bool	   *floored;		/* per group: its floor applied */
	int64	   *observation;	/* per criterion */
	RuleTrace  *trace;
	int64		main;			/* rescaled when criteria were excluded */
	int64		bonus;
	int64		penalty;
	int64		total;
	bool		rescaled;		/* exclude_and_rescale applied */
	int64		earned_main;	/* the main part before rescaling */
	int64		standard_max;	/* the main part's maximum with every criterion */
	int64		applicable_max; /* ... with the applicable criteria only */
} Breakdown;

/* The compiled version a state belongs to, checked against its fingerprint. */
static CompiledVersion *
VersionOfState(const bytea *state, const ScoreStateLayout *layout)
{
	const char *code;
	int			length;
	CompiledVersion *version;

	ScoreStateCode(state, &code, &length);
	version = GetCompiledVersion(code, length);
	if (version->fingerprint != ScoreStateFingerprint(state) || version->ncriteria != layout->nslots)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("score state does not match criteria version \"%s\"", version->code),
				 errdetail("The state was computed under other contents of that version.")));
	return version;
}

/* A section's value: its children's sum capped at its max, then raised to its floor. */
static inline int64
ClampGroup(const CompiledItem *item, int64 sum, bool *floored)
{
	int64		value = Min(sum, item->max);

	*floored = item->has_floor && value < item->floor;
	return *floored ? item->floor : value;
}

/*
 * exclude_and_rescale: the main part's maxima with every criterion and with
 * the applicable ones, by the same caps and floors as the points; the main
 * part becomes earned × standard / applicable, rounded half away from zero.
 */
static void
RescaleMain(const CompiledVersion *version, Breakdown *result)
{
	int			n = version->nitems;
	int64	   *standard_sum = palloc0(sizeof(int64) * Max(n, 1));
	int64	   *applicable_sum = palloc0(sizeof(int64) * Max(n, 1));
	int64		standard_main = 0;
	int64		applicable_main = 0;
	int128		rescaled;

	for (int k = 0; k < n; k++)
	{
		int			i = version->bottom_up[k];
		const CompiledItem *item = &version->items[i];
		int64		standard;
		int64		applicable;
		bool		floored;

		if (item->part != PART_MAIN)
			continue;
		if (item->kind == ITEM_CRITERION)
		{
			standard = StandardPoints(item);
			applicable = result->not_applicable[i] ? 0 : standard;
		}
		else
		{
			standard = ClampGroup(item, standard_sum[i], &floored);
			applicable = ClampGroup(item, applicable_sum[i], &floored);
		}
		if (item->parent >= 0)
		{
			standard_sum[item->parent] = FixedAdd(standard_sum[item->parent], standard);
			applicable_sum[item->parent] = FixedAdd(applicable_sum[item->parent], applicable);
		}
		else
		{
			standard_main = FixedAdd(standard_main, standard);
			applicable_main = FixedAdd(applicable_main, applicable);
		}
	}
	result->rescaled = true;
	result->earned_main = result->main;
	result->standard_max = standard_main;
	result->applicable_max = applicable_main;
	/* nothing applicable: nothing earned */
	if (applicable_main <= 0)
	{
		result->main = 0;
		return;
	}
	rescaled = DivideRounded((int128) result->main * standard_main, applicable_main);
	if (rescaled > PG_INT64_MAX / 2 || rescaled < PG_INT64_MIN / 2)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("the rescaled total under criteria version \"%s\" is out of range", version->code)));
	result->main = (int64) rescaled;
}

static void
ComputeBreakdown(const CompiledVersion *version, const bytea *state,
				 const ScoreStateLayout *layout, Breakdown *result)
{
	int			n = version->nitems;
	bool		any_not_applicable = false;

	result->points = palloc0(sizeof(int64) * Max(n, 1));
	result->raw = palloc0(sizeof(int64) * Max(n, 1));
	result->observed = palloc0(sizeof(bool) * Max(n, 1));
	result->not_applicable = palloc0(sizeof(bool) * Max(n, 1));
	result->floored = palloc0(sizeof(bool) * Max(n, 1));
	result->observation = palloc0(sizeof(int64) * Max(n, 1));
	result->trace = palloc0(sizeof(RuleTrace) * Max(n, 1));
	result->main = result->bonus = result->penalty = 0;
	result->rescaled = false;

	for (int k = 0; k < n; k++)
	{
		int			i = version->bottom_up[k];
		const CompiledItem *item = &version->items[i];
		int64		contribution;

		if (item->kind == ITEM_CRITERION)
		{
			int64		value = ScoreStateGet(state, layout, item->slot);

			if (value == SCORE_STATE_ABSENT)
				result->points[i] = 0;
			else if (value == SCORE_STATE_NOT_APPLICABLE)
			{
				if (version->not_applicable == NA_UNDECLARED)
					ReportCorruptState("thidua.score",
									   psprintf("Criterion \"%s\" is marked not applicable, which its version does not provide for.",
												item->code));
				result->not_applicable[i] = true;
				any_not_applicable = true;
				result->points[i] = version->not_applicable == NA_FULL_POINTS ? StandardPoints(item) : 0;
			}
			else if (layout->content == SCORE_POINTS || ScoredInBloc(item))
			{
				if (!PointsPossible(version, item, value))
					ReportCorruptState("thidua.score",
									   psprintf("Criterion \"%s\" holds points its rule cannot give.", item->code));
				result->points[i] = value;
				result->observed[i] = true;		/* for score_detail: scored in the bloc */
			}
			else
			{
				result->observed[i] = true;
				result->observation[i] = value;
				result->points[i] = EvaluateRule(version, item, value, &result->trace[i]);
			}
		}
		else
			result->points[i] = ClampGroup(item, result->raw[i], &result->floored[i]);

		/* inside the penalty section, points count by their magnitude */
		contribution = result->points[i];
		if (item->part == PART_PENALTY && item->kind == ITEM_CRITERION && contribution < 0)
			contribution = -contribution;

		if (item->parent >= 0)
			result->raw[item->parent] = FixedAdd(result->raw[item->parent], contribution);
		else if (item->kind == ITEM_BONUS)
			result->bonus = contribution;
		else if (item->kind == ITEM_PENALTY)
			result->penalty = contribution;
		else
			result->main = FixedAdd(result->main, contribution);
	}
	if (any_not_applicable && version->not_applicable == NA_EXCLUDE_AND_RESCALE)
		RescaleMain(version, result);
	result->total = FixedAdd(FixedAdd(result->main, result->bonus), -result->penalty);
}

/* SQL: final of thidua.score -> numeric */
Datum
thidua_score_final(PG_FUNCTION_ARGS)
{
	bytea	   *state;
	ScoreStateLayout layout;
	CompiledVersion *version;
	Breakdown	breakdown;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	state = PG_GETARG_BYTEA_P(0);
	layout = ScoreStateValidate(state);
	version = VersionOfState(state, &layout);
	ComputeBreakdown(version, state, &layout, &breakdown);
	PG_RETURN_NUMERIC(FixedToNumeric(breakdown.total, version->scale));
}

static void
AppendPoints(StringInfo out, const char *key, int64 value, int scale)
{
	char		text[32];

	FixedToText(value, scale, text);
	appendStringInfo(out, ", \"%s\": %s", key, text);
}

static void
AppendString(StringInfo out, const char *key, const char *value)
{
	appendStringInfo(out, ", \"%s\": ", key);
	escape_json(out, value);
}

/* Why a criterion got its points, in words a clerk can check. */
static void
AppendFired(StringInfo out, const CompiledVersion *version, const CompiledItem *item,
			const Breakdown *breakdown, int i)
{
	const RuleTrace *trace = &breakdown->trace[i];
	char		text[96];

	if (breakdown->not_applicable[i])
	{
		AppendString(out, "fired", version->not_applicable == NA_FULL_POINTS ?
					 "not applicable: full points" :
					 version->not_applicable == NA_ZERO ? "not applicable: 0 points" :
					 "not applicable: left out, the main part rescaled");
		return;
	}
	if (!breakdown->observed[i])
	{
		AppendString(out, "fired", "no observation: 0 points");
		return;
	}
	if (ScoredInBloc(item))
	{
		AppendString(out, "fired", item->rule == RULE_LEADER_RELATIVE ?
					 "scored in the bloc: against its target and the bloc's leader" :
					 "scored in the bloc: max × observed / the unit's target in the pact");
		return;
	}
	switch (item->rule)
	{
		case RULE_PASS_FAIL:
			AppendString(out, "fired", breakdown->observation[i] ? "done: full points" : "not done: 0 points");
			break;
		case RULE_PROPORTIONAL:
			AppendString(out, "fired", trace->clamped ?
						 (version->allow_over_completion && item->has_ceiling ? "capped at the ceiling" : "capped at max") :
						 "max × observed / target");
			break;
		case RULE_BANDS:
			if (trace->band > 0)
				snprintf(text, sizeof(text), "band %d", trace->band);
			else
				snprintf(text, sizeof(text), "otherwise");
			AppendString(out, "fired", text);
			break;
		case RULE_PER_OCCURRENCE:
			AppendString(out, "fired", trace->clamped ? "clamped to floor or ceiling" : "per occurrence × count");
			break;
		case RULE_MANUAL:
			AppendString(out, "fired", "points entered by the scorer");
			break;
		case RULE_LEADER_RELATIVE:
		case RULE_NONE:
			break;
	}
}

/* The value of one tie-break key in a computed score. */
static int64
TieKeyValue(const TieKey *key, const Breakdown *breakdown)
{
	switch (key->kind)
	{
		case TIE_TOTAL:
			return breakdown->total;
		case TIE_BONUS:
			return breakdown->bonus;
		case TIE_PENALTY:
			return breakdown->penalty;
		case TIE_SECTION:
			return breakdown->points[key->item];
	}
	return 0;
}

/* SQL: final of thidua.score_detail -> jsonb */
Datum
thidua_score_detail_final(PG_FUNCTION_ARGS)
{
	bytea	   *state;
	ScoreStateLayout layout;
	CompiledVersion *version;
	Breakdown	breakdown;
	StringInfoData out;
	int			scale;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	state = PG_GETARG_BYTEA_P(0);
	layout = ScoreStateValidate(state);
	if (layout.content != SCORE_OBSERVATIONS)
		ReportCorruptState("thidua.score", "A score_detail state must hold observations.");
	version = VersionOfState(state, &layout);
	scale = version->scale;
	ComputeBreakdown(version, state, &layout, &breakdown);

	initStringInfo(&out);
	appendStringInfoString(&out, "{\"version\": ");
	escape_json(&out, version->code);
	AppendPoints(&out, "total", breakdown.total, scale);
	AppendPoints(&out, "main", breakdown.main, scale);
	AppendPoints(&out, "bonus", breakdown.bonus, scale);
	AppendPoints(&out, "penalty", breakdown.penalty, scale);
	if (breakdown.rescaled)
	{
		/* main = earned × standard_max / applicable_max */
		appendStringInfoString(&out, ", \"rescaled\": {\"treatment\": \"exclude_and_rescale\"");
		AppendPoints(&out, "earned", breakdown.earned_main, scale);
		AppendPoints(&out, "applicable_max", breakdown.applicable_max, scale);
		AppendPoints(&out, "standard_max", breakdown.standard_max, scale);
		appendStringInfoChar(&out, '}');
	}

	appendStringInfoString(&out, ", \"tie_break\": [");
	for (int k = 0; k < version->ntiebreak; k++)
	{
		const TieKey *key = &version->tiebreak[k];
		int64		value = TieKeyValue(key, &breakdown);

		appendStringInfoString(&out, k > 0 ? ", {\"key\": " : "{\"key\": ");
		escape_json(&out, key->name);
		AppendPoints(&out, "points", value, scale);
		AppendString(&out, "better", key->kind == TIE_PENALTY ? "lower" : "higher");
		appendStringInfoChar(&out, '}');
	}

	appendStringInfoString(&out, "], \"items\": [");
	for (int i = 0; i < version->nitems; i++)
	{
		const CompiledItem *item = &version->items[i];

		appendStringInfoString(&out, i > 0 ? ", {\"code\": " : "{\"code\": ");
		escape_json(&out, item->code);
		AppendString(&out, "kind", item->kind == ITEM_CRITERION ? "criterion" :
					 item->kind == ITEM_SECTION ? "section" :
					 item->kind == ITEM_BONUS ? "bonus" : "penalty");
		if (item->parent >= 0)
			AppendString(&out, "parent", version->items[item->parent].code);
		if (item->kind == ITEM_CRITERION)
		{
			AppendString(&out, "rule", RuleName(item->rule));
			if (breakdown.observed[i] && !ScoredInBloc(item))
			{
				char		text[32];

				FixedToTrimmedText(breakdown.observation[i], FIXED_SCALE, text);
				appendStringInfo(&out, ", \"observed\": %s", text);
			}
			else
				appendStringInfoString(&out, ", \"observed\": null");
			AppendPoints(&out, "points", breakdown.points[i], scale);
			if (breakdown.not_applicable[i])
				appendStringInfoString(&out, ", \"not_applicable\": true");
			AppendFired(&out, version, item, &breakdown, i);
		}
		else
		{
			/*
			 * sum: the children's sum, raised to the floor ("trừ hết điểm"
			 * stops at zero) but not capped, so that capped means sum > max;
			 * a floored section shows the sum before the floor as well
			 */
			AppendPoints(&out, "sum", breakdown.floored[i] ? item->floor : breakdown.raw[i], scale);
			AppendPoints(&out, "max", item->max, scale);
			AppendPoints(&out, "points", breakdown.points[i], scale);
			appendStringInfo(&out, ", \"capped\": %s", breakdown.raw[i] > item->max ? "true" : "false");
			if (item->has_floor)
			{
				AppendPoints(&out, "floor", item->floor, scale);
				appendStringInfo(&out, ", \"floored\": %s", breakdown.floored[i] ? "true" : "false");
				if (breakdown.floored[i])
					AppendPoints(&out, "unfloored_sum", breakdown.raw[i], scale);
			}
		}
		appendStringInfoChar(&out, '}');
	}
	appendStringInfoString(&out, "]}");
	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(out.data)));
}

/*
 * SQL: final of thidua.tie_break_keys -> numeric[]: the version's tie-break
 * keys in order (capped points; the penalty as a magnitude, lower is better).
 * What standings need of an evaluation, without building its breakdown.
 */
Datum
thidua_tie_break_keys_final(PG_FUNCTION_ARGS)
{
	bytea	   *state;
	ScoreStateLayout layout;
	CompiledVersion *version;
	Breakdown	breakdown;
	Datum	   *values;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	state = PG_GETARG_BYTEA_P(0);
	layout = ScoreStateValidate(state);
	version = VersionOfState(state, &layout);
	ComputeBreakdown(version, state, &layout, &breakdown);
	values = palloc(sizeof(Datum) * Max(version->ntiebreak, 1));
	for (int k = 0; k < version->ntiebreak; k++)
		values[k] = NumericGetDatum(FixedToNumeric(TieKeyValue(&version->tiebreak[k], &breakdown), version->scale));
	PG_RETURN_ARRAYTYPE_P(construct_array(values, version->ntiebreak, NUMERICOID, -1, false, TYPALIGN_INT));
}

/* SQL: thidua.classify(version text, total numeric, vetoed boolean) -> text */
Datum
thidua_classify(PG_FUNCTION_ARGS)
{
	CompiledVersion *version = GetCompiledVersionCached(fcinfo, PG_GETARG_TEXT_PP(0));
	Datum		total = PG_GETARG_DATUM(1);
	bool		vetoed = PG_GETARG_BOOL(2);
	int			found = -1;

	/* NaN would sort above every bound, and infinities are no score */
	if (numeric_is_nan(DatumGetNumeric(total)) || numeric_is_inf(DatumGetNumeric(total)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("total %s is not a finite number",
						DatumGetCString(DirectFunctionCall1(numeric_out, total))),
				 errdetail("Criteria version \"%s\" classifies finite totals only.", version->code)));

	for (int i = 0; i < version->nclasses && found < 0; i++)
	{
		if (version->class_bounds[i] == NULL ||
			DatumGetInt32(DirectFunctionCall2(numeric_cmp, total,
											  NumericGetDatum(version->class_bounds[i]))) >= 0)
			found = i;
	}
	if (vetoed)
	{
		if (version->veto_class < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("criteria version \"%s\" defines no veto", version->code),
					 errhint("Classify with vetoed => false, or use a version with a veto.")));
		if (found >= 0 && found < version->veto_class)
			found = version->veto_class;
	}
	if (found < 0)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(version->class_labels[found]));
}

/* SQL: thidua._fixed(value numeric, scale integer) -> bigint, for tests */
Datum
thidua_fixed(PG_FUNCTION_ARGS)
{
	int32		scale = PG_GETARG_INT32(1);

	if (scale < 0 || scale > FIXED_MAX_SCALE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("scale must be between 0 and %d", FIXED_MAX_SCALE)));
	PG_RETURN_INT64(NumericDatumToFixedOrError(PG_GETARG_DATUM(0), scale, "value", NULL));
}
