/*
 * eligibility.c
 *		Eligibility, forecasts, quotas and what-if: thidua eligible,
 *		eligibility, forecast, quota and whatif.
 *
 * Every answer is the extension's (thidua.eligible and its siblings); these
 * commands pass the options on and print the rows as a table, CSV or JSON.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "thidua_cli.h"

/* --format: table (the default), csv or json. */
static bool
CheckListingFormat(const CommandOptions *options)
{
	if (options->format == NULL || strcmp(options->format, "table") == 0 ||
		strcmp(options->format, "csv") == 0 || strcmp(options->format, "json") == 0)
		return true;
	cli_error("option \"--format\": \"%s\" is not a format of this command", options->format);
	cli_hint("Use table, csv or json.");
	return false;
}

/*
 * Runs a listing query and prints it: as JSON, one array of row objects (the
 * server builds it, so types keep their JSON form); else a table or CSV.
 */
static int
PrintListing(PGconn *conn, const CommandOptions *options, const char *sql, int nparams, const char *const *values)
{
	if (options->format != NULL && strcmp(options->format, "json") == 0)
	{
		char	   *wrapped;
		size_t		size = strlen(sql) + 128;
		PGresult   *res;
		FILE	   *out;

		wrapped = malloc(size);
		if (wrapped == NULL)
			exit(EXIT_ERROR);
		snprintf(wrapped, size,
				 "SELECT COALESCE(pg_catalog.jsonb_agg(pg_catalog.to_jsonb(l)), '[]'::pg_catalog.jsonb) FROM (%s) AS l", sql);
		res = cli_query(conn, wrapped, nparams, values);
		free(wrapped);
		if (res == NULL)
			return cli_failure_code(conn);
		out = cli_open_output(options);
		fprintf(out, "%s\n", PQgetvalue(res, 0, 0));
		PQclear(res);
		return cli_close_output(out, options);
	}
	return cli_print_result(conn, cli_query(conn, sql, nparams, values), options);
}

/* thidua eligible --award A --year Y [--unit U] [--why] */
int
cmd_eligible(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	const char *values[4] = {options->award, options->year, options->unit, options->why ? "true" : "false"};
	bool		json = options->format != NULL && strcmp(options->format, "json") == 0;

	(void) argc;
	(void) argv;
	if (!CheckListingFormat(options))
		return EXIT_ERROR;
	/* the reasons: JSON as they are; in a table, the evidence of the rules that decided */
	return PrintListing(conn, options, json
						? "SELECT e.subject_code AS subject, e.subject_name AS name, e.unit_code AS unit, e.reasons "
						"FROM thidua.eligible($1, $2::pg_catalog.int4, $3, $4::pg_catalog.bool) e "
						"ORDER BY e.unit_code, e.subject_code"
						: "SELECT e.subject_code AS subject, e.subject_name AS name, e.unit_code AS unit, "
						"(SELECT pg_catalog.string_agg((r OPERATOR(pg_catalog.->>) 'node') || ': ' || (r OPERATOR(pg_catalog.->>) 'evidence'), '; ') "
						" FROM pg_catalog.jsonb_array_elements(e.reasons) r "
						" WHERE r OPERATOR(pg_catalog.?) 'kind' AND (r OPERATOR(pg_catalog.->>) 'kind') <> ALL ('{all_of,any_of}'::text[])) AS why "
						"FROM thidua.eligible($1, $2::pg_catalog.int4, $3, $4::pg_catalog.bool) e "
						"ORDER BY e.unit_code, e.subject_code",
						4, values);
}

/* thidua eligibility --subject S --award A --year Y */
int
cmd_eligibility(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	const char *values[3] = {options->subject, options->award, options->year};

	(void) argc;
	(void) argv;
	if (!CheckListingFormat(options))
		return EXIT_ERROR;
	return PrintListing(conn, options,
						"SELECT node AS rule, kind, passed, evidence, legal_source, verified "
						"FROM thidua.eligibility($1, $2, $3::pg_catalog.int4)", 3, values);
}

/* thidua forecast --award A --year Y [--unit U] */
int
cmd_forecast(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	const char *values[3] = {options->award, options->year, options->unit};
	bool		json = options->format != NULL && strcmp(options->format, "json") == 0;

	(void) argc;
	(void) argv;
	if (!CheckListingFormat(options))
		return EXIT_ERROR;
	return PrintListing(conn, options, json
						? "SELECT subject_code AS subject, subject_name AS name, unit_code AS unit, eligible_next_year, missing, lacks "
						"FROM thidua.forecast($1, $2::pg_catalog.int4, $3)"
						: "SELECT subject_code AS subject, subject_name AS name, unit_code AS unit, eligible_next_year, missing, "
						"pg_catalog.array_to_string(lacks, '; ') AS lacks FROM thidua.forecast($1, $2::pg_catalog.int4, $3)",
						3, values);
}

/* thidua quota --award A --unit U --year Y */
int
cmd_quota(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	const char *values[3] = {options->award, options->unit, options->year};

	(void) argc;
	(void) argv;
	if (!CheckListingFormat(options))
		return EXIT_ERROR;
	return PrintListing(conn, options,
						"SELECT base_award, base, share, rounding, minimum, allowed, arithmetic, legal_source "
						"FROM thidua.quota($1, $2, $3::pg_catalog.int4)", 3, values);
}

/* thidua whatif --draft V --award A --year Y [--unit U] */
int
cmd_whatif(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	const char *values[4] = {options->award, options->year, options->draft, options->unit};

	(void) argc;
	(void) argv;
	if (!CheckListingFormat(options))
		return EXIT_ERROR;
	return PrintListing(conn, options,
						"SELECT subject_code AS subject, subject_name AS name, change, in_force_version AS in_force, "
						"deciding_rule, evidence FROM thidua.eligibility_changes($1, $2::pg_catalog.int4, $3, $4)",
						4, values);
}
