/*
 * rulebook.c
 *		thidua rulebook import|list|show|export|diff|publish|clone|retire
 *
 * Modelled on the criteria commands: each is one statement calling the
 * extension's functions, so it is atomic and applies the same rules as any
 * other client. Listings print as a table, CSV or JSON (main.c checks --format).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "thidua_cli.h"

/* A legal source in one line: "Law 06/2022/QH15 Art. 23(1)(a) [V]". */
#define SOURCE_TEXT(s) \
	"(" s "->>'document') || COALESCE(' Art. ' || (" s "->>'article'), '') " \
	"|| COALESCE('(' || (" s "->>'clause') || ')', '') || COALESCE('(' || (" s "->>'point') || ')', '') " \
	"|| ' [' || (" s "->>'status') || ']'"

/* The parameters of a rule, a quota or council settings: "share=0.15 rounding=down". */
#define PARAMETERS_TEXT(j) \
	"(SELECT pg_catalog.string_agg(p.key || '=' || COALESCE(p.value #>> '{}', 'null'), ' ' ORDER BY p.key) " \
	"FROM pg_catalog.jsonb_each(" j ") AS p WHERE p.key OPERATOR(pg_catalog.<>) ALL " \
	"(ARRAY['kind', 'source', 'label', 'all_of', 'any_of']))"

/*
 * Every node of every award's rule, depth first, then its quota, council and
 * disclosure: award, the node indented, its legal source.
 */
#define RULE_LINES \
	"WITH RECURSIVE node AS (" \
	"  SELECT e.award_code, e.position, e.rule AS n, 0 AS depth, ARRAY[0]::bigint[] AS ord " \
	"  FROM thidua.rulebook_entry e WHERE e.version_code OPERATOR(pg_catalog.=) $1 " \
	"  UNION ALL " \
	"  SELECT node.award_code, node.position, c.value, node.depth + 1, node.ord || c.ordinality " \
	"  FROM node, pg_catalog.jsonb_array_elements(COALESCE(node.n->'all_of', node.n->'any_of')) " \
	"    WITH ORDINALITY AS c(value, ordinality) " \
	"  WHERE node.n ? 'all_of' OR node.n ? 'any_of'), " \
	"lines AS (" \
	"  SELECT award_code, position, ord, pg_catalog.repeat('  ', depth) || " \
	"    CASE WHEN n ? 'all_of' THEN 'all of' WHEN n ? 'any_of' THEN 'any of' " \
	"         ELSE (n->>'kind') || COALESCE(' ' || " PARAMETERS_TEXT("n") ", '') END " \
	"    || COALESCE(' (' || (n->>'label') || ')', '') AS rule, " \
	"    CASE WHEN n ? 'source' THEN " SOURCE_TEXT("n->'source'") " END AS source " \
	"  FROM node " \
	"  UNION ALL " \
	"  SELECT e.award_code, e.position, ARRAY[1000 + x.o]::bigint[], x.name || ': ' || " \
	"    COALESCE(" PARAMETERS_TEXT("x.j") ", ''), " SOURCE_TEXT("x.j->'source'") " " \
	"  FROM thidua.rulebook_entry e, LATERAL (VALUES (1, 'quota', e.quota), (2, 'council', e.council), " \
	"    (3, 'disclosure', e.disclosure)) AS x(o, name, j) " \
	"  WHERE e.version_code OPERATOR(pg_catalog.=) $1 AND x.j IS NOT NULL) " \
	"SELECT award_code AS award, rule, source FROM lines ORDER BY position, ord"

/*
 * Prints a query's rows as a table (the default; with wrap, its widest
 * columns wrapped to fit the terminal), CSV or a JSON array.
 */
static int
PrintListing(PGconn *conn, const CommandOptions *options, const char *sql, int nparams, const char *const *values,
			 bool wrap)
{
	PGresult   *res;
	FILE	   *out;
	char	   *wrapped;
	size_t		size;

	if (wrap && !cli_format_is(options, "csv") && !cli_format_is(options, "json"))
	{
		res = cli_query(conn, sql, nparams, values);
		if (res == NULL)
			return cli_failure_code(conn);
		out = cli_open_output(options);
		cli_print_table_wrapped(out, res);
		PQclear(res);
		return cli_close_output(out, options);
	}
	if (!cli_format_is(options, "json"))
		return cli_print_result(conn, cli_query(conn, sql, nparams, values), options);
	size = strlen(sql) + 200;
	wrapped = malloc(size);
	if (wrapped == NULL)
		exit(EXIT_ERROR);
	/* WITH ORDINALITY keeps the query's order in the array */
	snprintf(wrapped, size,
			 "SELECT pg_catalog.jsonb_pretty(COALESCE(pg_catalog.jsonb_agg(pg_catalog.to_jsonb(r) - 'n' ORDER BY r.n), '[]')) "
			 "FROM (SELECT q.*, pg_catalog.row_number() OVER () AS n FROM (%s) AS q) AS r", sql);
	res = cli_query(conn, wrapped, nparams, values);
	free(wrapped);
	if (res == NULL)
		return cli_failure_code(conn);
	out = cli_open_output(options);
	fprintf(out, "%s\n", PQgetvalue(res, 0, 0));
	PQclear(res);
	return cli_close_output(out, options);
}

/* Exits unless the version exists (and may be seen), as the extension says it. */
static bool
RulebookVersionExists(PGconn *conn, const char *version)
{
	const char *values[1] = {version};
	PGresult   *res = cli_query(conn,
								"SELECT 1 FROM thidua.rulebook_version "
								"WHERE version_code OPERATOR(pg_catalog.=) $1", 1, values);
	bool		exists = res != NULL && PQntuples(res) == 1;

	if (res != NULL && !exists)
	{
		cli_error("rulebook version \"%s\" does not exist", version);
		cli_hint("thidua rulebook list shows the versions.");
	}
	PQclear(res);
	return exists;
}

/* thidua rulebook import FILE [--replace]: the file streamed to the server */
int
cmd_rulebook_import(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	const char *path = argv[0];
	const char *values[2];
	CliProgress progress;
	PGresult   *res;
	PGresult   *summary;

	(void) argc;
	cli_progress_begin(&progress, conn, path);
	if (!cli_upload_file(conn, path, &progress))
	{
		cli_progress_end(&progress, conn, false);
		return cli_failure_code(conn);
	}
	values[0] = path;
	values[1] = options->replace ? "true" : "false";
	/* invalid UTF-8 and JSON syntax named by line; the file's name leads validation errors */
	res = cli_run_import(conn,
						 "SELECT thidua.import_rulebook(thidua._rulebook_file(" CLI_UPLOADED_FILE ", $1), $2::boolean)",
						 2, values, &progress);
	if (res == NULL)
		return cli_failure_code(conn);
	values[0] = PQgetvalue(res, 0, 0);
	summary = cli_query(conn,
						"SELECT version_code, status, awards FROM thidua.rulebook_versions "
						"WHERE version_code OPERATOR(pg_catalog.=) $1", 1, values);
	if (summary == NULL)
	{
		PQclear(res);
		return cli_failure_code(conn);
	}
	printf("imported rulebook version %s (%s, %s awards)\n",
		   PQgetvalue(summary, 0, 0), PQgetvalue(summary, 0, 1), PQgetvalue(summary, 0, 2));
	PQclear(summary);
	PQclear(res);
	return EXIT_OK;
}

/* thidua rulebook list [--format table|csv|json] */
int
cmd_rulebook_list(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	(void) argc;
	(void) argv;
	return PrintListing(conn, options,
						"SELECT version_code AS version, status, "
						"pg_catalog.to_char(effective_from, 'YYYY-MM-DD') AS effective_from, "
						"pg_catalog.to_char(effective_to, 'YYYY-MM-DD') AS effective_to, awards, in_force, "
						"pg_catalog.to_char(status_since, 'YYYY-MM-DD') AS since, cloned_from, title "
						"FROM thidua.rulebook_versions ORDER BY rulebook_code, effective_from, edition",
						0, NULL, false);
}

/*
 * thidua rulebook show VERSION: dates, status, general rules and history,
 * then every award's rule as a tree with the legal source of each node. CSV
 * and JSON carry the tree's rows.
 */
int
cmd_rulebook_show(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	const char *values[1] = {argv[0]};
	PGresult   *res;
	FILE	   *out;

	(void) argc;
	if (!RulebookVersionExists(conn, argv[0]))
		return EXIT_ERROR;
	if (cli_format_is(options, "csv") || cli_format_is(options, "json"))
		return PrintListing(conn, options, RULE_LINES, 1, values, false);

	/* a published version's real range (an open-ended one gives way to the next); else its dates */
	res = cli_query(conn,
					"SELECT v.version_code, v.title, v.status, "
					"CASE WHEN v.status OPERATOR(pg_catalog.=) 'published' THEN v.in_force ELSE "
					"pg_catalog.to_char(v.effective_from, 'YYYY-MM-DD') || ' to ' "
					"|| COALESCE(pg_catalog.to_char(v.effective_to, 'YYYY-MM-DD'), 'open') END, "
					"COALESCE(v.cloned_from, '') "
					"FROM thidua.rulebook_versions v WHERE v.version_code OPERATOR(pg_catalog.=) $1",
					1, values);
	if (res == NULL)
		return cli_failure_code(conn);
	out = cli_open_output(options);
	cli_print_field(out, "rulebook version:", 18, PQgetvalue(res, 0, 0));
	cli_print_field(out, "title:", 18, PQgetvalue(res, 0, 1));
	cli_print_field(out, "status:", 18, PQgetvalue(res, 0, 2));
	cli_print_field(out, strcmp(PQgetvalue(res, 0, 2), "published") == 0 ? "in force:" : "effective:", 18,
					PQgetvalue(res, 0, 3));
	if (*PQgetvalue(res, 0, 4))
		cli_print_field(out, "cloned from:", 18, PQgetvalue(res, 0, 4));
	PQclear(res);

	/* the general rules, one a line, with their sources */
	res = cli_query(conn,
					"SELECT g.key || ': ' || (g.value->>'value') || ' — ' || " SOURCE_TEXT("g.value->'source'") " "
					"FROM thidua.rulebook_version v, pg_catalog.jsonb_each(v.general) AS g "
					"WHERE v.version_code OPERATOR(pg_catalog.=) $1 ORDER BY g.key", 1, values);
	if (res == NULL)
	{
		cli_close_output(out, options);
		return cli_failure_code(conn);
	}
	for (int i = 0; i < PQntuples(res); i++)
		cli_print_field(out, i == 0 ? "general:" : "", 18, PQgetvalue(res, i, 0));
	PQclear(res);

	res = cli_query(conn,
					"SELECT e.to_status || ' ' || pg_catalog.to_char(e.changed_at, 'YYYY-MM-DD HH24:MI') "
					"|| ' by ' || e.changed_by || COALESCE(' (' || e.note || ')', '') "
					"FROM thidua.rulebook_version_event e WHERE e.version_code OPERATOR(pg_catalog.=) $1 "
					"ORDER BY e.event_id", 1, values);
	if (res == NULL)
	{
		cli_close_output(out, options);
		return cli_failure_code(conn);
	}
	for (int i = 0; i < PQntuples(res); i++)
		cli_print_field(out, i == 0 ? "history:" : "", 18, PQgetvalue(res, i, 0));
	PQclear(res);
	fputc('\n', out);

	res = cli_query(conn, RULE_LINES, 1, values);
	if (res == NULL)
	{
		cli_close_output(out, options);
		return cli_failure_code(conn);
	}
	cli_print_table_wrapped(out, res);
	PQclear(res);
	return cli_close_output(out, options);
}

/* thidua rulebook export VERSION [-o FILE] */
int
cmd_rulebook_export(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	const char *values[1] = {argv[0]};
	PGresult   *res;
	FILE	   *out;

	(void) argc;
	if (!RulebookVersionExists(conn, argv[0]))
		return EXIT_ERROR;
	res = cli_query(conn, "SELECT pg_catalog.jsonb_pretty(thidua.export_rulebook($1)) || E'\\n'", 1, values);
	if (res == NULL)
		return cli_failure_code(conn);
	out = cli_open_output(options);
	fputs(PQgetvalue(res, 0, 0), out);
	PQclear(res);
	return cli_close_output(out, options);
}

/* thidua rulebook diff A B [--format table|csv|json]: changed values in document order */
int
cmd_rulebook_diff(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	const char *values[2] = {argv[0], argv[1]};
	PGresult   *res;
	FILE	   *out;

	(void) argc;
	if (!cli_format_is(options, "json"))
		return PrintListing(conn, options,
							"SELECT d.award, d.change, CASE WHEN d.change OPERATOR(pg_catalog.=) 'changed' THEN "
							"  (SELECT pg_catalog.string_agg(u.p || ': ' "
							"     || COALESCE(d.fields->u.p->'from' #>> '{}', '(none)') || ' → ' "
							"     || COALESCE(d.fields->u.p->'to' #>> '{}', '(none)'), E'\\n' ORDER BY u.n) "
							"   FROM pg_catalog.unnest(d.paths) WITH ORDINALITY AS u(p, n)) "
							"  ELSE d.fields->>'note' END AS details "
							"FROM thidua.rulebook_diff($1, $2) AS d",
							2, values, true);
	/* json, not jsonb, which would sort the paths by length */
	res = cli_query(conn,
					"SELECT COALESCE(pg_catalog.json_agg(pg_catalog.json_build_object('award', d.award, 'change', d.change, "
					"  'fields', CASE WHEN d.paths IS NULL THEN d.fields::pg_catalog.json ELSE "
					"    (SELECT pg_catalog.json_object_agg(u.p, d.fields->u.p ORDER BY u.n) "
					"     FROM pg_catalog.unnest(d.paths) WITH ORDINALITY AS u(p, n)) END) ORDER BY d.n), '[]') "
					"FROM (SELECT r.*, pg_catalog.row_number() OVER () AS n FROM thidua.rulebook_diff($1, $2) AS r) AS d",
					2, values);
	if (res == NULL)
		return cli_failure_code(conn);
	out = cli_open_output(options);
	fprintf(out, "%s\n", PQgetvalue(res, 0, 0));
	PQclear(res);
	return cli_close_output(out, options);
}

/* Runs a lifecycle function and prints what it did. */
static int
RunLifecycle(PGconn *conn, const char *sql, int nparams, const char *const *values, const char *done)
{
	PGresult   *res = cli_query(conn, sql, nparams, values);

	if (res == NULL)
		return cli_failure_code(conn);
	printf("%s %s\n", done, PQntuples(res) > 0 && !PQgetisnull(res, 0, 0) ? PQgetvalue(res, 0, 0) : values[0]);
	PQclear(res);
	return EXIT_OK;
}

/* thidua rulebook publish VERSION [--note TEXT] */
int
cmd_rulebook_publish(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	const char *values[2] = {argv[0], options->note};

	(void) argc;
	return RunLifecycle(conn, "SELECT $1 FROM thidua.publish_rulebook($1, $2)", 2, values, "published");
}

/* thidua rulebook retire VERSION [--note TEXT] */
int
cmd_rulebook_retire(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	const char *values[2] = {argv[0], options->note};

	(void) argc;
	return RunLifecycle(conn, "SELECT $1 FROM thidua.retire_rulebook($1, $2)", 2, values, "retired");
}

/* thidua rulebook clone VERSION [EDITION] */
int
cmd_rulebook_clone(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	const char *values[2] = {argv[0], argc > 1 ? argv[1] : NULL};

	(void) options;
	return RunLifecycle(conn, "SELECT thidua.clone_rulebook($1, $2)", 2, values, "created draft");
}
