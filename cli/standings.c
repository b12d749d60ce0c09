/*
 * standings.c
 *		thidua scores import | standings [publish] | explain | judges
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "thidua_cli.h"

/* A list of the explain document ($1), or [] when it is null (no peer score yet). */
#define ARRAY_OR_EMPTY(key) \
	"CASE WHEN pg_catalog.jsonb_typeof($1::jsonb->'" key "') OPERATOR(pg_catalog.=) 'array' " \
	"THEN $1::jsonb->'" key "' ELSE '[]'::jsonb END"

/* Exits unless --bloc and --period are given. */
static bool
NeedBlocAndPeriod(const CommandOptions *options, const char *command)
{
	if (options->bloc != NULL && options->period != NULL)
		return true;
	cli_error("%s needs --bloc and --period", command);
	return false;
}

/*
 * thidua scores import FILE --bloc B --period P
 *
 * The file (header unit,judge,criterion,observed,evidence; judge "self" for a
 * self-assessment) is streamed to the server, and thidua.import_scores reads,
 * checks and stores it as it would for any client: the whole file or nothing,
 * errors naming file:line and the field. On a terminal a progress bar follows
 * the sending, then the server's reading, checking and storing.
 */
int
cmd_scores_import(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	const char *path = argv[0];
	CliProgress progress;
	PGresult   *res;
	const char *values[3];

	(void) argc;
	if (!NeedBlocAndPeriod(options, "scores import"))
		return EXIT_ERROR;
	cli_progress_begin(&progress, conn, path);
	if (!cli_upload_file(conn, path, &progress))
	{
		cli_progress_end(&progress, conn, false);
		return cli_failure_code(conn);
	}
	values[0] = options->bloc;
	values[1] = options->period;
	values[2] = path;
	res = cli_run_import(conn, "SELECT thidua.import_scores($1, $2, " CLI_UPLOADED_FILE ", $3)",
						 3, values, &progress);
	if (res == NULL)
		return cli_failure_code(conn);
	printf("imported %s observations from %s into bloc %s, period %s\n",
		   PQgetvalue(res, 0, 0), path, options->bloc, options->period);
	PQclear(res);
	return EXIT_OK;
}

/* thidua standings --bloc B --period P [--published] [--format table|csv|json] */
int
cmd_standings(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	const char *values[2] = {options->bloc, options->period};
	const char *source = options->published ?
		"(SELECT * FROM thidua.published_standings WHERE bloc_code OPERATOR(pg_catalog.=) $1 "
		"AND period_code OPERATOR(pg_catalog.=) $2)" :
		"thidua.standings($1, $2)";
	char		sql[1024];

	(void) argc;
	(void) argv;
	if (!NeedBlocAndPeriod(options, "standings"))
		return EXIT_ERROR;
	if (options->published)
		cli_roles_needed = "thidua_reader, thidua_council or thidua_admin";
	if (options->format != NULL && !cli_format_is(options, "table") && !cli_format_is(options, "csv") &&
		!cli_format_is(options, "json"))
	{
		cli_error("unknown format \"%s\" (use table, csv or json)", options->format);
		return EXIT_ERROR;
	}
	if (cli_format_is(options, "json"))
	{
		PGresult   *res;
		FILE	   *out;

		snprintf(sql, sizeof(sql),
				 "SELECT pg_catalog.jsonb_pretty(COALESCE(pg_catalog.jsonb_agg(pg_catalog.to_jsonb(s) ORDER BY s.rank, s.unit_code), '[]')) "
				 "FROM %s AS s", source);
		res = cli_query(conn, sql, 2, values);
		if (res == NULL)
			return cli_failure_code(conn);
		out = cli_open_output(options);
		fprintf(out, "%s\n", PQgetvalue(res, 0, 0));
		PQclear(res);
		return cli_close_output(out, options);
	}
	/* exact values in CSV; two decimals on screen */
	snprintf(sql, sizeof(sql),
			 cli_format_is(options, "csv") ?
			 "SELECT s.rank, s.unit_code AS unit, s.unit_name AS name, s.role, s.self_total, s.peer_result, "
			 "s.peer_judges, s.adjustment, s.final_total, s.class, pg_catalog.array_to_string(s.flags, ' ') AS flags "
			 "FROM %s AS s ORDER BY s.rank, s.unit_name" :
			 "SELECT s.rank, s.unit_code AS unit, s.unit_name AS name, s.role, "
			 "pg_catalog.round(s.self_total, 2) AS self, pg_catalog.round(s.peer_result, 2) AS peers, "
			 "s.peer_judges AS judges, pg_catalog.round(s.adjustment, 2) AS adjusted, "
			 "pg_catalog.round(s.final_total, 2) AS final, s.class, pg_catalog.array_to_string(s.flags, ', ') AS flags "
			 "FROM %s AS s ORDER BY s.rank, s.unit_name", source);
	return cli_print_result(conn, cli_query(conn, sql, 2, values), options);
}

/* thidua standings publish --bloc B --period P [--reason TEXT] */
int
cmd_standings_publish(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	const char *values[3] = {options->bloc, options->period, options->reason};
	PGresult   *res;

	(void) argc;
	(void) argv;
	if (!NeedBlocAndPeriod(options, "standings publish"))
		return EXIT_ERROR;
	res = cli_query(conn, "SELECT thidua.publish_standings($1, $2, $3)", 3, values);
	if (res == NULL)
		return cli_failure_code(conn);
	printf("published the standings of bloc %s, period %s, as revision %s\n",
		   options->bloc, options->period, PQgetvalue(res, 0, 0));
	PQclear(res);
	return EXIT_OK;
}

/* thidua explain UNIT --period P [--bloc B] */
int
cmd_explain(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	const char *values[3] = {argv[0], options->period, options->bloc};
	const char *document[1];
	PGresult   *explained;
	PGresult   *res;
	int			status;

	(void) argc;
	if (options->period == NULL)
	{
		cli_error("explain needs --period");
		return EXIT_ERROR;
	}
	/* computed once; the parts below read the document */
	explained = cli_query(conn, "SELECT thidua.explain($1, $2, $3)", 3, values);
	if (explained == NULL)
		return cli_failure_code(conn);
	document[0] = PQgetvalue(explained, 0, 0);

	res = cli_query(conn,
					"SELECT x->>'unit', x->'standing'->>'unit_name', x->>'bloc', x->>'period', x->>'criteria_version', "
					"x->>'peer_method' || COALESCE(' (trim ' || (x->>'peer_trim') || ')', ''), "
					"COALESCE(x->'standing'->>'rank', '-'), "
					"COALESCE(pg_catalog.round((x->'standing'->>'final_total')::numeric, 2)::text, '-'), "
					"COALESCE(x->'standing'->>'class', '-'), "
					"(SELECT pg_catalog.string_agg(f, ', ') FROM pg_catalog.jsonb_array_elements_text(x->'standing'->'flags') f) "
					"FROM (SELECT $1::jsonb AS x) AS e", 1, document);
	if (res == NULL)
	{
		PQclear(explained);
		return cli_failure_code(conn);
	}
	printf("unit:        %s (%s)\n", PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
	printf("bloc:        %s, period %s, criteria %s\n", PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 3),
		   PQgetvalue(res, 0, 4));
	printf("peer method: %s\n", PQgetvalue(res, 0, 5));
	printf("standing:    rank %s, final %s, class %s%s%s\n\n", PQgetvalue(res, 0, 6), PQgetvalue(res, 0, 7),
		   PQgetvalue(res, 0, 8), PQgetisnull(res, 0, 9) ? "" : "; ", PQgetvalue(res, 0, 9));
	PQclear(res);

	printf("Peer totals:\n");
	status = cli_print_result(conn, cli_query(conn,
											  "SELECT p->>'judge' AS judge, pg_catalog.round((p->>'total')::numeric, 2) AS total, "
											  "CASE WHEN (p->>'counted')::boolean THEN 'counted' ELSE p->>'why_not' END AS used "
											  "FROM pg_catalog.jsonb_array_elements(" ARRAY_OR_EMPTY("peer_totals") ") AS p",
											  1, document), options);
	if (status == EXIT_OK)
	{
		printf("\nNeighbours:\n");
		status = cli_print_result(conn, cli_query(conn,
												  "SELECT n->>'unit' AS unit, (n->>'rank')::int AS rank, "
												  "pg_catalog.round((n->>'final_total')::numeric, 2) AS final, n->>'decided_by' AS decided_by "
												  "FROM pg_catalog.jsonb_array_elements(" ARRAY_OR_EMPTY("neighbours") ") AS n",
												  1, document), options);
	}
	if (status == EXIT_OK)
	{
		printf("\nItems (own points, peers' points by the bloc's method):\n");
		status = cli_print_result(conn, cli_query(conn,
												  "SELECT i->>'code' AS item, i->>'kind' AS kind, "
												  "pg_catalog.round((i->>'self_points')::numeric, 2) AS own, "
												  "pg_catalog.round((i->>'peer_points')::numeric, 2) AS peers "
												  "FROM pg_catalog.jsonb_array_elements(" ARRAY_OR_EMPTY("items") ") AS i",
												  1, document), options);
	}
	PQclear(explained);
	return status;
}

/* thidua judges --bloc B --period P: the leniency report (advisory) */
int
cmd_judges(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	const char *values[2] = {options->bloc, options->period};

	(void) argc;
	(void) argv;
	if (!NeedBlocAndPeriod(options, "judges"))
		return EXIT_ERROR;
	return cli_print_result(conn, cli_query(conn,
											"SELECT judge_code AS judge, scores, pg_catalog.round(mean, 2) AS mean, "
											"pg_catalog.round(mean_offset, 2) AS mean_offset "
											"FROM thidua.judge_report($1, $2)", 2, values), options);
}
