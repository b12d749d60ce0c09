/*
 * records.c
 *		People's and units' records: thidua records import FILE [--kind K], and
 *		the award catalog: thidua awards.
 *
 * The import calls thidua.import_records (sql/38_records_import.sql), which
 * checks the whole file and writes all or nothing; the file is streamed to
 * the server (never read whole here) with its name, so that errors name
 * file:line and the column.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "thidua_cli.h"

/* thidua records import FILE [--kind ratings|initiatives|awards|discipline] */
int
cmd_records_import(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	const char *values[2] = {options->kind, argv[0]};
	CliProgress progress;
	PGresult   *res;

	(void) argc;
	cli_progress_begin(&progress, conn, argv[0]);
	if (!cli_upload_file(conn, argv[0], &progress))
	{
		cli_progress_end(&progress, conn, false);
		return cli_failure_code(conn);
	}
	res = cli_run_import(conn, "SELECT kind, added, changed, unchanged FROM thidua.import_records($1, "
						 CLI_UPLOADED_FILE ", $2)", 2, values, &progress);
	if (res == NULL)
		return cli_failure_code(conn);
	printf("imported %s from %s: %s added, %s changed, %s unchanged\n", PQgetvalue(res, 0, 0), argv[0],
		   PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 3));
	PQclear(res);
	return EXIT_OK;
}

/* The catalog's columns, and its order: people's, then units'; titles before
 * forms; by level. */
#define AWARD_COLUMNS \
	"SELECT a.award_code AS award, a.name, a.subject, a.category, a.level, a.issuer, a.kind, " \
	"a.once_only, a.ladder_next AS next, a.builtin FROM thidua.award a"
#define AWARD_ORDER(t) \
	t ".subject DESC, " t ".category DESC, " \
	"pg_catalog.array_position('{grassroots,ministry_province,national}'::text[], " t ".level), " t ".award"

/* thidua awards [--format table|csv|json] */
int
cmd_awards(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	PGresult   *res;
	FILE	   *out;

	(void) argc;
	(void) argv;
	if (options->format != NULL && !cli_format_is(options, "table") && !cli_format_is(options, "csv") &&
		!cli_format_is(options, "json"))
	{
		cli_error("unknown format \"%s\" (use table, csv or json)", options->format);
		return EXIT_ERROR;
	}
	if (!cli_format_is(options, "json"))
		return cli_print_result(conn, cli_query(conn, "SELECT c.* FROM (" AWARD_COLUMNS ") c ORDER BY " AWARD_ORDER("c"),
												0, NULL), options);
	res = cli_query(conn, "SELECT pg_catalog.jsonb_pretty(COALESCE(pg_catalog.jsonb_agg(pg_catalog.to_jsonb(c) "
					"ORDER BY " AWARD_ORDER("c") "), '[]')) FROM (" AWARD_COLUMNS ") c", 0, NULL);
	if (res == NULL)
		return cli_failure_code(conn);
	out = cli_open_output(options);
	fprintf(out, "%s\n", PQgetvalue(res, 0, 0));
	PQclear(res);
	return cli_close_output(out, options);
}
