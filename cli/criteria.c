/*
 * criteria.c
 *		thidua criteria import|list|show|export|diff|publish|clone|retire
 *
 * Each command is one statement calling the extension's functions, so it is
 * atomic and applies the same rules as any other client.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "thidua_cli.h"

bool
cli_format_is(const CommandOptions *options, const char *format)
{
	return options->format != NULL && strcmp(options->format, format) == 0;
}

/* Refuses a --format the command does not know. */
bool
cli_check_format(const CommandOptions *options, const char *allowed_a, const char *allowed_b)
{
	if (options->format == NULL || cli_format_is(options, allowed_a) || cli_format_is(options, allowed_b))
		return true;
	cli_error("unknown format \"%s\" (use %s or %s)", options->format, allowed_a, allowed_b);
	return false;
}

/* thidua criteria import FILE [--format json|csv] [--replace]: the file streamed to the server */
int
cmd_criteria_import(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	const char *path = argv[0];
	const char *values[3];
	CliProgress progress;
	PGresult   *res;

	(void) argc;
	if (!cli_check_format(options, "json", "csv"))
		return EXIT_ERROR;
	cli_progress_begin(&progress, conn, path);
	if (!cli_upload_file(conn, path, &progress))
	{
		cli_progress_end(&progress, conn, false);
		return cli_failure_code(conn);
	}
	values[0] = options->format;
	values[1] = path;
	values[2] = options->replace ? "true" : "false";
	res = cli_run_import(conn, "SELECT thidua.import_criteria_file(" CLI_UPLOADED_FILE ", $1, $2, $3::boolean)",
						 3, values, &progress);
	if (res == NULL)
		return cli_failure_code(conn);
	values[0] = PQgetvalue(res, 0, 0);
	{
		PGresult   *summary = cli_query(conn,
										"SELECT version_code, status, criteria FROM thidua.criteria_versions "
										"WHERE version_code OPERATOR(pg_catalog.=) $1", 1, values);

		if (summary == NULL)
		{
			PQclear(res);
			return cli_failure_code(conn);
		}
		printf("imported criteria version %s (%s, %s criteria)\n",
			   PQgetvalue(summary, 0, 0), PQgetvalue(summary, 0, 1), PQgetvalue(summary, 0, 2));
		PQclear(summary);
	}
	PQclear(res);
	return EXIT_OK;
}

/* Prints a result as a table, or as CSV with --format csv. */
int
cli_print_result(PGconn *conn, PGresult *res, const CommandOptions *options)
{
	FILE	   *out;
	int			status;

	if (res == NULL)
		return cli_failure_code(conn);
	out = cli_open_output(options);
	if (cli_format_is(options, "csv"))
		cli_print_csv(out, res);
	else
		cli_print_table(out, res);
	PQclear(res);
	status = cli_close_output(out, options);
	return status;
}

/* thidua criteria list [--format table|csv] */
int
cmd_criteria_list(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	(void) argc;
	(void) argv;
	if (!cli_check_format(options, "table", "csv"))
		return EXIT_ERROR;
	return cli_print_result(conn, cli_query(conn,
									   "SELECT version_code AS version, status, criteria, "
									   "pg_catalog.to_char(status_since, 'YYYY-MM-DD') AS since, "
									   "cloned_from, title "
									   "FROM thidua.criteria_versions ORDER BY set_code, edition",
									   0, NULL), options);
}

/* Exits unless the version exists, with the same message as the extension. */
static bool
VersionExists(PGconn *conn, const char *version)
{
	const char *values[1] = {version};
	PGresult   *res = cli_query(conn,
								"SELECT 1 FROM thidua.criteria_version "
								"WHERE version_code OPERATOR(pg_catalog.=) $1", 1, values);
	bool		exists = res != NULL && PQntuples(res) == 1;

	if (res != NULL && !exists)
	{
		cli_error("criteria version \"%s\" does not exist", version);
		cli_hint("thidua criteria list shows the versions.");
	}
	PQclear(res);
	return exists;
}

/*
 * thidua criteria show VERSION: settings, classes, history, then the items as
 * a tree whose long titles wrap to fit the terminal (80 columns off one).
 */
int
cmd_criteria_show(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	const char *values[1] = {argv[0]};
	PGresult   *res;
	FILE	   *out;

	(void) argc;
	if (!cli_check_format(options, "table", "csv"))
		return EXIT_ERROR;
	if (!VersionExists(conn, argv[0]))
		return EXIT_ERROR;
	if (cli_format_is(options, "csv"))
		return cli_print_result(conn, cli_query(conn,
										   "WITH RECURSIVE tree AS ("
										   "  SELECT i.*, 0 AS depth FROM thidua.criteria_item i "
										   "  WHERE i.version_code OPERATOR(pg_catalog.=) $1 AND i.parent_code IS NULL "
										   "  UNION ALL "
										   "  SELECT c.*, t.depth + 1 FROM thidua.criteria_item c JOIN tree t "
										   "  ON c.version_code OPERATOR(pg_catalog.=) t.version_code "
										   "  AND c.parent_code OPERATOR(pg_catalog.=) t.code) "
										   "SELECT pg_catalog.repeat('  ', depth) || code AS code, kind, title, "
										   "max_points AS max, rule, "
										   "thidua._params_text(params) AS params "
										   "FROM tree ORDER BY position",
										   1, values), options);

	res = cli_query(conn,
					"SELECT v.version_code, v.title, v.status, v.rounding_scale, "
					"CASE WHEN v.allow_over_completion THEN 'allowed' ELSE 'not allowed' END, "
					"(SELECT pg_catalog.string_agg(b.label || COALESCE(' ≥ ' || b.lower_bound, ' otherwise') "
					"   || COALESCE(' (' || b.title || ')', ''), ', ' ORDER BY b.position) "
					"   FROM thidua.class_band b WHERE b.version_code OPERATOR(pg_catalog.=) v.version_code), "
					"COALESCE('not above ' || v.veto_max_class || COALESCE(': ' || v.veto_reason, ''), 'none'), "
					/* an empty order (stored before 0.5.0) means the total */
					"COALESCE(NULLIF(pg_catalog.array_to_string(v.tie_break, ', '), ''), 'total'), "
					"CASE WHEN v.result_rounding OPERATOR(pg_catalog.=) 'exact' THEN 'exact' "
					"     ELSE v.result_rounding || ' decimal places, half away from zero' END "
					"|| ' (peer result, final total, tie-break keys, before class and rank)', "
					"COALESCE(v.not_applicable, 'not provided for') "
					"FROM thidua.criteria_version v WHERE v.version_code OPERATOR(pg_catalog.=) $1",
					1, values);
	if (res == NULL)
		return cli_failure_code(conn);
	out = cli_open_output(options);
	cli_print_field(out, "criteria version:", 18, PQgetvalue(res, 0, 0));
	cli_print_field(out, "title:", 18, PQgetvalue(res, 0, 1));
	cli_print_field(out, "status:", 18, PQgetvalue(res, 0, 2));
	fprintf(out, "%-18s%s decimal places, half away from zero\n", "rounding:", PQgetvalue(res, 0, 3));
	cli_print_field(out, "averaged results:", 18, PQgetvalue(res, 0, 8));
	cli_print_field(out, "over-completion:", 18, PQgetvalue(res, 0, 4));
	cli_print_field(out, "not applicable:", 18, PQgetvalue(res, 0, 9));
	cli_print_field(out, "classes:", 18, PQgetvalue(res, 0, 5));
	cli_print_field(out, "veto:", 18, PQgetvalue(res, 0, 6));
	cli_print_field(out, "tie-break:", 18, PQgetvalue(res, 0, 7));
	PQclear(res);

	/* the history, one event a line */
	res = cli_query(conn,
					"SELECT e.to_status || ' ' || pg_catalog.to_char(e.changed_at, 'YYYY-MM-DD HH24:MI') "
					"|| ' by ' || e.changed_by || COALESCE(' (' || e.note || ')', '') "
					"FROM thidua.criteria_version_event e WHERE e.version_code OPERATOR(pg_catalog.=) $1 "
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

	/* sections, bonuses and penalties have no rule: their kind stands there */
	res = cli_query(conn,
					"WITH RECURSIVE tree AS ("
					"  SELECT i.*, 0 AS depth FROM thidua.criteria_item i "
					"  WHERE i.version_code OPERATOR(pg_catalog.=) $1 AND i.parent_code IS NULL "
					"  UNION ALL "
					"  SELECT c.*, t.depth + 1 FROM thidua.criteria_item c JOIN tree t "
					"  ON c.version_code OPERATOR(pg_catalog.=) t.version_code "
					"  AND c.parent_code OPERATOR(pg_catalog.=) t.code) "
					"SELECT pg_catalog.repeat('  ', depth) || code AS code, max_points AS max, "
					"COALESCE(rule, kind) AS rule, "
					"title || COALESCE(E'\\n' || NULLIF(thidua._params_text(params), ''), '') AS \"title, params\" "
					"FROM tree ORDER BY position",
					1, values);
	if (res == NULL)
	{
		cli_close_output(out, options);
		return cli_failure_code(conn);
	}
	cli_print_table_wrapped(out, res);
	PQclear(res);
	return cli_close_output(out, options);
}

/* thidua criteria export VERSION [--format json|csv] [-o FILE] */
int
cmd_criteria_export(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	const char *values[1] = {argv[0]};
	PGresult   *res;
	FILE	   *out;

	(void) argc;
	if (!cli_check_format(options, "json", "csv"))
		return EXIT_ERROR;
	if (!VersionExists(conn, argv[0]))
		return EXIT_ERROR;
	res = cli_query(conn, cli_format_is(options, "csv") ?
					"SELECT thidua.export_criteria_csv($1)" :
					"SELECT pg_catalog.jsonb_pretty(thidua.export_criteria($1)) || E'\\n'",
					1, values);
	if (res == NULL)
		return cli_failure_code(conn);
	out = cli_open_output(options);
	fputs(PQgetvalue(res, 0, 0), out);
	PQclear(res);
	return cli_close_output(out, options);
}

/* thidua criteria diff A B */
int
cmd_criteria_diff(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	const char *values[2] = {argv[0], argv[1]};

	(void) argc;
	if (!cli_check_format(options, "table", "csv"))
		return EXIT_ERROR;
	return cli_print_result(conn, cli_query(conn,
									   "SELECT d.item, d.change, CASE WHEN d.change OPERATOR(pg_catalog.=) 'changed' THEN "
									   "  (SELECT pg_catalog.string_agg(f.key || ': ' || COALESCE(f.value->>'from', '(none)') "
									   "     || ' → ' || COALESCE(f.value->>'to', '(none)'), '; ' ORDER BY f.key) "
									   "   FROM pg_catalog.jsonb_each(d.fields) AS f) "
									   "  ELSE d.fields->>'title' END AS details "
									   "FROM thidua.diff($1, $2) AS d",
									   2, values), options);
}

/* Runs a lifecycle function and prints what it did. */
static int
RunLifecycle(PGconn *conn, const char *sql, int nparams, const char *const *values,
			 const char *done)
{
	PGresult   *res = cli_query(conn, sql, nparams, values);

	if (res == NULL)
		return cli_failure_code(conn);
	printf("%s %s\n", done, PQntuples(res) > 0 && !PQgetisnull(res, 0, 0) ?
		   PQgetvalue(res, 0, 0) : values[0]);
	PQclear(res);
	return EXIT_OK;
}

/* thidua criteria publish VERSION [--note TEXT] */
int
cmd_criteria_publish(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	const char *values[2] = {argv[0], options->note};

	(void) argc;
	return RunLifecycle(conn, "SELECT $1 FROM thidua.publish_version($1, $2)", 2, values, "published");
}

/* thidua criteria retire VERSION [--note TEXT] */
int
cmd_criteria_retire(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	const char *values[2] = {argv[0], options->note};

	(void) argc;
	return RunLifecycle(conn, "SELECT $1 FROM thidua.retire_version($1, $2)", 2, values, "retired");
}

/* thidua criteria clone VERSION [NEW_EDITION] */
int
cmd_criteria_clone(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	const char *values[2] = {argv[0], argc > 1 ? argv[1] : NULL};

	(void) options;
	return RunLifecycle(conn, "SELECT thidua.clone_version($1, $2)", 2, values, "created draft");
}
