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

/*
 * The decimals a table needs for the results in the CTE "shown" (column v)
 * of a bloc and period (SQL expressions): at least 2, and as many as it takes for no
 * two different results to look equal and for no result to look on the other
 * side of a class bound (89.995 is class B: shown as 89.995, never 90.00).
 * NULL when even 30 are not enough: the value is then shown whole.
 */
#define DIGITS_NEEDED(bloc, period) \
	"(SELECT pg_catalog.min(n) FROM pg_catalog.generate_series(2, 30) AS n " \
	" WHERE NOT EXISTS (SELECT 1 FROM shown a, shown b WHERE a.v OPERATOR(pg_catalog.<>) b.v " \
	"   AND pg_catalog.round(a.v, n) OPERATOR(pg_catalog.=) pg_catalog.round(b.v, n)) " \
	" AND NOT EXISTS (SELECT 1 FROM shown a, thidua.bloc_period bp " \
	"   JOIN thidua.class_band c ON c.version_code OPERATOR(pg_catalog.=) bp.criteria_version " \
	"   WHERE bp.bloc_code OPERATOR(pg_catalog.=) " bloc " AND bp.period_code OPERATOR(pg_catalog.=) " period " " \
	"   AND (a.v OPERATOR(pg_catalog.>=) c.lower_bound) OPERATOR(pg_catalog.<>) " \
	"       (pg_catalog.round(a.v, n) OPERATOR(pg_catalog.>=) c.lower_bound)))"

/* A value rounded to the digits d.digits (whole when NULL). */
#define SHOWN(value) \
	"CASE WHEN d.digits IS NULL THEN " value " ELSE pg_catalog.round(" value ", d.digits) END"

/*
 * For explain ($1 the document, in CTE e): the digits the unit's final total
 * and its neighbours' need (see DIGITS_NEEDED).
 */
#define EXPLAIN_SHOWN \
	"shown AS (SELECT (x->'standing'->>'final_total')::numeric AS v FROM e " \
	"          WHERE x->'standing'->>'final_total' IS NOT NULL " \
	"          UNION SELECT (n->>'final_total')::numeric FROM e, " \
	"          pg_catalog.jsonb_array_elements(" ARRAY_OR_EMPTY("neighbours") ") AS n " \
	"          WHERE n->>'final_total' IS NOT NULL), " \
	"d AS (SELECT " DIGITS_NEEDED("(SELECT x->>'bloc' FROM e)", "(SELECT x->>'period' FROM e)") " AS digits)"

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
	char		sql[4096];

	(void) argc;
	(void) argv;
	if (!NeedBlocAndPeriod(options, "standings"))
		return EXIT_ERROR;
	if (options->published)
	{
		PGresult   *revisions;
		bool		none;

		cli_roles_needed = "thidua_reader, thidua_council or thidua_admin";
		revisions = cli_query(conn, "SELECT 1 FROM thidua.standing_revision WHERE bloc_code OPERATOR(pg_catalog.=) $1 "
							  "AND period_code OPERATOR(pg_catalog.=) $2 LIMIT 1", 2, values);
		if (revisions == NULL)
			return cli_failure_code(conn);
		none = PQntuples(revisions) == 0;
		PQclear(revisions);
		if (none)
		{
			cli_error("the standings of bloc \"%s\" for period \"%s\" have not been published", options->bloc,
					  options->period);
			cli_hint("A thidua_admin publishes them with: %s standings publish --bloc %s --period %s",
					 progname, options->bloc, options->period);
			return EXIT_ERROR;
		}
	}
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
	/*
	 * Exact values in CSV; on screen two decimals, or the digits needed so
	 * that no figure contradicts its class or rank.
	 */
	if (cli_format_is(options, "csv"))
		snprintf(sql, sizeof(sql),
				 "SELECT s.rank, s.unit_code AS unit, s.unit_name AS name, s.role, s.self_total, s.peer_result, "
				 "s.peer_judges, s.adjustment, s.final_total, s.class, pg_catalog.array_to_string(s.flags, ' ') AS flags "
				 "FROM %s AS s ORDER BY s.rank, s.unit_name", source);
	else
		snprintf(sql, sizeof(sql),
				 "WITH s AS (SELECT * FROM %s AS s), "
				 "shown AS (SELECT s.final_total AS v FROM s WHERE s.final_total IS NOT NULL "
				 "          UNION SELECT s.peer_result FROM s WHERE s.peer_result IS NOT NULL), "
				 "d AS (SELECT " DIGITS_NEEDED("$1", "$2") " AS digits) "
				 "SELECT s.rank, s.unit_code AS unit, s.unit_name AS name, s.role, "
				 SHOWN("s.self_total") " AS self, " SHOWN("s.peer_result") " AS peers, "
				 "s.peer_judges AS judges, " SHOWN("s.adjustment") " AS adjusted, "
				 SHOWN("s.final_total") " AS final, s.class, pg_catalog.array_to_string(s.flags, ', ') AS flags "
				 "FROM s, d ORDER BY s.rank, s.unit_name", source);
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
					"WITH e AS (SELECT $1::jsonb AS x), " EXPLAIN_SHOWN " "
					"SELECT x->>'unit', x->'standing'->>'unit_name', x->>'bloc', x->>'period', x->>'criteria_version', "
					"x->>'peer_method' || COALESCE(' (trim ' || (x->>'peer_trim') || ')', ''), "
					"COALESCE(x->'standing'->>'rank', '-'), "
					"COALESCE((" SHOWN("(x->'standing'->>'final_total')::numeric") ")::text, '-'), "
					"COALESCE(x->'standing'->>'class', '-'), "
					"(SELECT pg_catalog.string_agg(f, ', ') FROM pg_catalog.jsonb_array_elements_text("
					"  CASE WHEN pg_catalog.jsonb_typeof(x->'standing'->'flags') OPERATOR(pg_catalog.=) 'array' "
					"  THEN x->'standing'->'flags' ELSE '[]' END) f), "
					"CASE x->'result_rounding'->>'setting' WHEN 'exact' THEN 'exact' "
					"  ELSE (x->'result_rounding'->>'setting') || ' decimals, half away from zero' END "
					"  || ' (set by the ' || (x->'result_rounding'->>'decided_by') || ')' "
					"FROM e, d", 1, document);
	if (res == NULL)
	{
		PQclear(explained);
		return cli_failure_code(conn);
	}
	/* names come from the data: printed escaped, like table cells */
	{
		char		line[4096];

		snprintf(line, sizeof(line), "%s (%s)", PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
		cli_print_field(stdout, "unit:", 13, line);
		snprintf(line, sizeof(line), "%s, period %s, criteria %s", PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 3),
				 PQgetvalue(res, 0, 4));
		cli_print_field(stdout, "bloc:", 13, line);
		cli_print_field(stdout, "peer method:", 13, PQgetvalue(res, 0, 5));
		cli_print_field(stdout, "rounding:", 13, PQgetvalue(res, 0, 10));
		snprintf(line, sizeof(line), "rank %s, final %s, class %s%s%s", PQgetvalue(res, 0, 6),
				 PQgetvalue(res, 0, 7), PQgetvalue(res, 0, 8), PQgetisnull(res, 0, 9) ? "" : "; ",
				 PQgetvalue(res, 0, 9));
		cli_print_field(stdout, "standing:", 13, line);
		putchar('\n');
	}
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
												  "WITH e AS (SELECT $1::jsonb AS x), " EXPLAIN_SHOWN " "
												  "SELECT n->>'unit' AS unit, (n->>'rank')::int AS rank, "
												  SHOWN("(n->>'final_total')::numeric") " AS final, n->>'decided_by' AS decided_by "
												  "FROM d, pg_catalog.jsonb_array_elements(" ARRAY_OR_EMPTY("neighbours") ") AS n",
												  1, document), options);
	}
	/* only where the version has criteria scored in the bloc */
	if (status == EXIT_OK)
	{
		res = cli_query(conn, "SELECT pg_catalog.jsonb_typeof($1::jsonb->'scored_in_bloc') OPERATOR(pg_catalog.=) 'array'",
						1, document);
		if (res == NULL)
			status = cli_failure_code(conn);
		else if (strcmp(PQgetvalue(res, 0, 0), "t") == 0)
		{
			printf("\nScored in the bloc (the unit's target; the leader's observation and target):\n");
			status = cli_print_result(conn, cli_query(conn,
													  "SELECT b->>'criterion' AS criterion, b->>'stage' AS stage, b->>'judge' AS judge, "
													  "b->>'observed' AS observed, b->>'target' AS target, "
													  "COALESCE((b->>'leader_observed') || ' of ' || (b->>'leader_target'), '') AS leader, "
													  "b->>'points' AS points "
													  "FROM pg_catalog.jsonb_array_elements($1::jsonb->'scored_in_bloc') AS b",
													  1, document), options);
		}
		PQclear(res);
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
