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
int
cli_print_listing(PGconn *conn, const CommandOptions *options, const char *sql, int nparams, const char *const *values)
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

/* thidua eligible --award A --year Y [--unit U] [--why] [--rulebook V] */
int
cmd_eligible(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	const char *values[5] = {options->award, options->year, options->unit, options->why ? "true" : "false",
	options->rulebook};
	bool		json = options->format != NULL && strcmp(options->format, "json") == 0;
	const char *sql;

	(void) argc;
	(void) argv;
	if (!CheckListingFormat(options))
		return EXIT_ERROR;
	/*
	 * The reasons: JSON as they are; in a table, the evidence of each rule,
	 * marked passed (✓) or failed (✗); no column of them without --why.
	 */
	if (json)
		sql = "SELECT e.subject_code AS subject, e.subject_name AS name, e.unit_code AS unit, e.reasons "
			"FROM thidua.eligible($1, $2::pg_catalog.int4, $3, $4::pg_catalog.bool, $5) e "
			"ORDER BY e.unit_code, e.subject_code";
	else if (options->why)
		sql = "SELECT e.subject_code AS subject, e.subject_name AS name, e.unit_code AS unit, "
			"(SELECT pg_catalog.string_agg(CASE WHEN (r OPERATOR(pg_catalog.->>) 'passed')::pg_catalog.bool "
			"   THEN '✓ ' ELSE '✗ ' END || (r OPERATOR(pg_catalog.->>) 'node') || ': ' "
			"   || (r OPERATOR(pg_catalog.->>) 'evidence'), '; ' ORDER BY x.n) "
			" FROM pg_catalog.jsonb_array_elements(e.reasons) WITH ORDINALITY AS x(r, n) "
			" WHERE r OPERATOR(pg_catalog.?) 'kind' AND (r OPERATOR(pg_catalog.->>) 'kind') <> ALL ('{all_of,any_of}'::text[])) AS why "
			"FROM thidua.eligible($1, $2::pg_catalog.int4, $3, $4::pg_catalog.bool, $5) e "
			"ORDER BY e.unit_code, e.subject_code";
	else
		sql = "SELECT e.subject_code AS subject, e.subject_name AS name, e.unit_code AS unit "
			"FROM thidua.eligible($1, $2::pg_catalog.int4, $3, $4::pg_catalog.bool, $5) e "
			"ORDER BY e.unit_code, e.subject_code";
	return cli_print_listing(conn, options, sql, 5, values);
}

/* thidua eligibility --subject S --award A --year Y [--rulebook V] [--date D] */
int
cmd_eligibility(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	const char *values[5] = {options->subject, options->award, options->year, options->rulebook, options->date};

	(void) argc;
	(void) argv;
	if (!CheckListingFormat(options))
		return EXIT_ERROR;
	return cli_print_listing(conn, options,
						"SELECT node, kind, passed, evidence, legal_source, verified "
						"FROM thidua.eligibility($1, $2, $3::pg_catalog.int4, $4, $5::pg_catalog.date)", 5, values);
}

/* thidua forecast --award A --year Y [--unit U] [--subject S] [--rulebook V] */
int
cmd_forecast(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	const char *values[4] = {options->award, options->year, options->unit, options->rulebook};
	bool		json = options->format != NULL && strcmp(options->format, "json") == 0;
	char		sql[1024];

	(void) argc;
	(void) argv;
	if (!CheckListingFormat(options))
		return EXIT_ERROR;
	/* --subject filters the answer; the subject is passed as a fifth parameter */
	snprintf(sql, sizeof(sql),
			 "SELECT subject_code AS subject, subject_name AS name, unit_code AS unit, eligible_next_year, missing, %s "
			 "FROM thidua.forecast($1, $2::pg_catalog.int4, $3, $4)%s",
			 json ? "lacks" : "pg_catalog.array_to_string(lacks, '; ') AS lacks",
			 options->subject ? " WHERE subject_code OPERATOR(pg_catalog.=) $5" : "");
	if (options->subject)
	{
		const char *with_subject[5] = {values[0], values[1], values[2], values[3], options->subject};

		return cli_print_listing(conn, options, sql, 5, with_subject);
	}
	return cli_print_listing(conn, options, sql, 4, values);
}

/* thidua quota --award A --unit U --year Y [--rulebook V] */
int
cmd_quota(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	const char *values[4] = {options->award, options->unit, options->year, options->rulebook};

	(void) argc;
	(void) argv;
	if (!CheckListingFormat(options))
		return EXIT_ERROR;
	return cli_print_listing(conn, options,
						"SELECT base_award, base, share, rounding, minimum, allowed, arithmetic, legal_source "
						"FROM thidua.quota($1, $2, $3::pg_catalog.int4, $4)", 4, values);
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
	return cli_print_listing(conn, options,
						"SELECT subject_code AS subject, subject_name AS name, change, in_force_version AS in_force, "
						"deciding_rule, evidence FROM thidua.eligibility_changes($1, $2::pg_catalog.int4, $3, $4)",
						4, values);
}
