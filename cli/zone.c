/*
 * zone.c
 *		Setting up a zone: thidua units import | people import | period
 *		open|close|reopen | bloc create|show|settings|members|withdraw|remove |
 *		veto add|remove | recusal add | pact import
 *
 * Each verb calls one SQL function of the extension (sql/34_zone_setup.sql),
 * which checks everything and writes all or nothing; files are streamed to the
 * server (never read whole here) with their name, so that errors name
 * file:line and the column.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "thidua_cli.h"

/*
 * Streams a file to the server and runs the import statement on it (the
 * uploaded bytes are CLI_UPLOADED_FILE in the statement): the server checks
 * UTF-8 and reads the CSV, as for a score file. NULL on failure, reported.
 */
static PGresult *
ImportFile(PGconn *conn, const char *path, const char *sql, int nparams, const char *const *values)
{
	CliProgress progress;

	cli_progress_begin(&progress, conn, path);
	if (!cli_upload_file(conn, path, &progress))
	{
		cli_progress_end(&progress, conn, false);
		return NULL;
	}
	return cli_run_import(conn, sql, nparams, values, &progress);
}

/* Exits unless --bloc and --period are given. */
static bool
NeedBlocAndPeriod(const CommandOptions *options)
{
	if (options->bloc != NULL && options->period != NULL)
		return true;
	cli_error("%s needs --bloc and --period", cli_command_name);
	return false;
}

static bool
NeedOption(const char *value, const char *option)
{
	if (value != NULL)
		return true;
	cli_error("%s needs %s", cli_command_name, option);
	return false;
}

/* Runs a query with parameters and prints its first value after a prefix. */
static int
RunAndSay(PGconn *conn, const char *sql, int nparams, const char *const *values, const char *format,
		  const char *subject)
{
	PGresult   *res = cli_query(conn, sql, nparams, values);

	if (res == NULL)
		return cli_failure_code(conn);
	printf(format, subject, PQgetvalue(res, 0, 0));
	putchar('\n');
	PQclear(res);
	return EXIT_OK;
}

/* thidua units import FILE */
int
cmd_units_import(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	const char *values[1] = {argv[0]};
	PGresult   *res;

	(void) options;
	(void) argc;
	res = ImportFile(conn, argv[0], "SELECT added, changed, unchanged FROM thidua.import_units("
					 CLI_UPLOADED_FILE ", $1)", 1, values);
	if (res == NULL)
		return cli_failure_code(conn);
	printf("imported units from %s: %s added, %s changed, %s unchanged\n", argv[0],
		   PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2));
	PQclear(res);
	return EXIT_OK;
}

/* thidua people import FILE */
int
cmd_people_import(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	const char *values[1] = {argv[0]};
	PGresult   *res;

	(void) options;
	(void) argc;
	res = ImportFile(conn, argv[0], "SELECT added, changed, unchanged, memberships, posts FROM thidua.import_people("
					 CLI_UPLOADED_FILE ", $1)", 1, values);
	if (res == NULL)
		return cli_failure_code(conn);
	printf("imported people from %s: %s added, %s changed, %s unchanged; %s memberships and %s posts written\n",
		   argv[0], PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2),
		   PQgetvalue(res, 0, 3), PQgetvalue(res, 0, 4));
	PQclear(res);
	return EXIT_OK;
}

/* thidua period open PERIOD [--year YEAR] */
int
cmd_period_open(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	const char *values[2] = {argv[0], options->year};

	(void) argc;
	return RunAndSay(conn, "SELECT thidua.open_period($1, $2::pg_catalog.int4)", 2, values, "period %s: %s", argv[0]);
}

/* thidua period close PERIOD [--reason TEXT] */
int
cmd_period_close(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	const char *values[2] = {argv[0], options->reason};
	PGresult   *res;

	(void) argc;
	res = cli_query(conn, "SELECT thidua.close_period($1, $2)", 2, values);
	if (res == NULL)
		return cli_failure_code(conn);
	PQclear(res);
	printf("period %s: closed\n", argv[0]);
	return EXIT_OK;
}

/* thidua period reopen PERIOD --reason TEXT */
int
cmd_period_reopen(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	const char *values[2] = {argv[0], options->reason};
	PGresult   *res;

	(void) argc;
	if (!NeedOption(options->reason, "--reason"))
		return EXIT_ERROR;
	res = cli_query(conn, "SELECT thidua.reopen_period($1, $2)", 2, values);
	if (res == NULL)
		return cli_failure_code(conn);
	PQclear(res);
	printf("period %s: reopened\n", argv[0]);
	return EXIT_OK;
}

/* thidua bloc create BLOC NAME [--kind bloc|zone] */
int
cmd_bloc_create(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	const char *values[3] = {argv[0], argv[1], options->kind ? options->kind : "bloc"};

	(void) argc;
	return RunAndSay(conn, "SELECT thidua.create_bloc($1, $2, $3)", 3, values, "bloc %s: %s", argv[0]);
}

/*
 * thidua bloc settings BLOC --period P [--criteria V] [--method M] [--trim N]
 * [--quorum N] [--rounding exact|N|default]
 */
int
cmd_bloc_settings(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	const char *values[7] = {argv[0], options->period, options->criteria, options->method, options->trim,
	options->quorum, options->rounding};
	PGresult   *res;
	char		done[32];

	(void) argc;
	if (!NeedOption(options->period, "--period"))
		return EXIT_ERROR;
	res = cli_query(conn,
					"SELECT thidua.set_bloc_settings($1, $2, $3, $4, $5::pg_catalog.int4, $6::pg_catalog.int4, $7)",
					7, values);
	if (res == NULL)
		return cli_failure_code(conn);
	snprintf(done, sizeof(done), "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	res = cli_query(conn,
					"SELECT bp.criteria_version, bp.peer_method, bp.peer_trim, bp.quorum, "
					"COALESCE(bp.result_rounding, 'as the version says') FROM thidua.bloc_period bp "
					"WHERE bp.bloc_code OPERATOR(pg_catalog.=) $1 AND bp.period_code OPERATOR(pg_catalog.=) $2",
					2, values);
	if (res == NULL)
		return cli_failure_code(conn);
	printf("bloc %s, period %s: %s; criteria %s, peer method %s (trim %s), quorum %s, result rounding %s\n",
		   argv[0], options->period, done, PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2),
		   PQgetvalue(res, 0, 3), PQgetvalue(res, 0, 4));
	PQclear(res);
	return EXIT_OK;
}

/* thidua bloc show BLOC [--period P] [--format table|csv] */
int
cmd_bloc_show(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	const char *values[2] = {argv[0], options->period};
	PGresult   *res;
	int			status;
	char		sql[1024];

	(void) argc;
	if (!cli_check_format(options, "table", "csv"))
		return EXIT_ERROR;
	res = cli_query(conn, "SELECT b.name, b.kind FROM thidua.bloc b WHERE b.bloc_code OPERATOR(pg_catalog.=) $1",
					1, values);
	if (res == NULL)
		return cli_failure_code(conn);
	if (PQntuples(res) == 0)
	{
		cli_error("bloc \"%s\" does not exist", argv[0]);
		PQclear(res);
		return EXIT_ERROR;
	}
	if (!cli_format_is(options, "csv"))
		printf("bloc %s: %s (%s)\n\nSettings:\n", argv[0], PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
	PQclear(res);
	status = cli_print_result(conn, cli_query(conn,
											  "SELECT bp.period_code AS period, p.status, bp.criteria_version AS criteria, "
											  "bp.peer_method AS method, bp.peer_trim AS trim, bp.quorum, "
											  "COALESCE(bp.result_rounding, 'version') AS rounding, "
											  "(SELECT pg_catalog.count(*) FROM thidua.bloc_member m "
											  " WHERE m.bloc_code OPERATOR(pg_catalog.=) bp.bloc_code "
											  " AND m.period_code OPERATOR(pg_catalog.=) bp.period_code) AS members "
											  "FROM thidua.bloc_period bp JOIN thidua.period p USING (period_code) "
											  "WHERE bp.bloc_code OPERATOR(pg_catalog.=) $1 "
											  "AND ($2::pg_catalog.text IS NULL OR bp.period_code OPERATOR(pg_catalog.=) $2) "
											  "ORDER BY p.year", 2, values), options);
	if (status != EXIT_OK)
		return status;
	if (!cli_format_is(options, "csv"))
		printf("\nMembers:\n");
	/* vetoes are the administrators' to read: shown to those who may */
	res = cli_query(conn, "SELECT pg_catalog.has_table_privilege('thidua.veto', 'SELECT')", 0, NULL);
	if (res == NULL)
		return cli_failure_code(conn);
	snprintf(sql, sizeof(sql),
			 "SELECT m.period_code AS period, m.unit_code AS unit, u.name, m.role, m.status, "
			 "pg_catalog.to_char(m.status_date, 'YYYY-MM-DD') AS since, m.merged_into%s "
			 "FROM thidua.bloc_member m JOIN thidua.unit u USING (unit_code) "
			 "JOIN thidua.period p USING (period_code) %s "
			 "WHERE m.bloc_code OPERATOR(pg_catalog.=) $1 "
			 "AND ($2::pg_catalog.text IS NULL OR m.period_code OPERATOR(pg_catalog.=) $2) "
			 "ORDER BY p.year, CASE m.role WHEN 'head' THEN 0 WHEN 'deputy' THEN 1 ELSE 2 END, u.name",
			 strcmp(PQgetvalue(res, 0, 0), "t") == 0 ?
			 ", CASE WHEN v.unit_code IS NULL THEN '' WHEN v.lifted_at IS NULL THEN 'vetoed' "
			 "ELSE 'veto lifted' END AS veto" : "",
			 strcmp(PQgetvalue(res, 0, 0), "t") == 0 ?
			 "LEFT JOIN thidua.veto v USING (bloc_code, period_code, unit_code)" : "");
	PQclear(res);
	return cli_print_result(conn, cli_query(conn, sql, 2, values), options);
}

/* thidua bloc members FILE --bloc B --period P */
int
cmd_bloc_members(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	const char *values[3] = {options->bloc, options->period, argv[0]};
	PGresult   *res;

	(void) argc;
	if (!NeedBlocAndPeriod(options))
		return EXIT_ERROR;
	res = ImportFile(conn, argv[0], "SELECT added, changed, unchanged, kept FROM thidua.import_bloc_members($1, $2, "
					 CLI_UPLOADED_FILE ", $3)", 3, values);
	if (res == NULL)
		return cli_failure_code(conn);
	printf("imported members of bloc %s, period %s, from %s: %s added, %s changed, %s unchanged, %s others kept\n",
		   options->bloc, options->period, argv[0], PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1),
		   PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 3));
	PQclear(res);
	return EXIT_OK;
}

/* thidua bloc withdraw UNIT --bloc B --period P --date D --reason TEXT [--into UNIT] */
int
cmd_bloc_withdraw(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	const char *values[7] = {options->bloc, options->period, argv[0], options->into ? "merged" : "withdrawn",
	options->date, options->into, options->reason};
	PGresult   *res;

	(void) argc;
	if (!NeedBlocAndPeriod(options) || !NeedOption(options->date, "--date") ||
		!NeedOption(options->reason, "--reason"))
		return EXIT_ERROR;
	res = cli_query(conn, "SELECT thidua.set_member_status($1, $2, $3, $4, $5::pg_catalog.date, $6, $7), "
					"pg_catalog.to_char($5::pg_catalog.date, 'YYYY-MM-DD')", 7, values);
	if (res == NULL)
		return cli_failure_code(conn);
	printf("unit %s in bloc %s, period %s: %s%s%s from %s\n", argv[0], options->bloc, options->period,
		   PQgetvalue(res, 0, 0), options->into ? " into " : "", options->into ? options->into : "",
		   PQgetvalue(res, 0, 1));
	PQclear(res);
	return EXIT_OK;
}

/* thidua bloc remove UNIT --bloc B --period P */
int
cmd_bloc_remove(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	const char *values[3] = {options->bloc, options->period, argv[0]};
	char		subject[256];

	(void) argc;
	if (!NeedBlocAndPeriod(options))
		return EXIT_ERROR;
	snprintf(subject, sizeof(subject), "%s from bloc %s, period %s", argv[0], options->bloc, options->period);
	return RunAndSay(conn, "SELECT thidua.remove_member($1, $2, $3)", 3, values, "unit %s: %s", subject);
}

/* thidua veto add|remove UNIT --bloc B --period P --reason TEXT */
static int
Veto(PGconn *conn, const CommandOptions *options, char **argv, const char *sql)
{
	const char *values[4] = {options->bloc, options->period, argv[0], options->reason};
	char		subject[256];

	if (!NeedBlocAndPeriod(options) || !NeedOption(options->reason, "--reason"))
		return EXIT_ERROR;
	snprintf(subject, sizeof(subject), "%s in bloc %s, period %s", argv[0], options->bloc, options->period);
	return RunAndSay(conn, sql, 4, values, "unit %s: %s", subject);
}

int
cmd_veto_add(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	(void) argc;
	return Veto(conn, options, argv, "SELECT thidua.add_veto($1, $2, $3, $4)");
}

int
cmd_veto_remove(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	(void) argc;
	return Veto(conn, options, argv, "SELECT 'veto ' OPERATOR(pg_catalog.||) thidua.remove_veto($1, $2, $3, $4)");
}

/* thidua recusal add UNIT --judge J --bloc B --period P --reason TEXT */
int
cmd_recusal_add(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	const char *values[5] = {options->bloc, options->period, options->judge, argv[0], options->reason};
	char		subject[256];

	(void) argc;
	if (!NeedBlocAndPeriod(options) || !NeedOption(options->judge, "--judge") ||
		!NeedOption(options->reason, "--reason"))
		return EXIT_ERROR;
	snprintf(subject, sizeof(subject), "%s judging %s in bloc %s, period %s", options->judge, argv[0],
			 options->bloc, options->period);
	return RunAndSay(conn, "SELECT thidua.add_recusal($1, $2, $3, $4, $5)", 5, values, "judge %s: %s", subject);
}

/* thidua pact import FILE --bloc B --period P */
int
cmd_pact_import(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	const char *values[3] = {options->bloc, options->period, argv[0]};
	PGresult   *res;

	(void) argc;
	if (!NeedBlocAndPeriod(options))
		return EXIT_ERROR;
	res = ImportFile(conn, argv[0], "SELECT added, changed, unchanged, targets FROM thidua.import_pact($1, $2, "
					 CLI_UPLOADED_FILE ", $3)", 3, values);
	if (res == NULL)
		return cli_failure_code(conn);
	printf("imported the pact of bloc %s, period %s, from %s: %s targets; units %s added, %s changed, %s unchanged\n",
		   options->bloc, options->period, argv[0], PQgetvalue(res, 0, 3), PQgetvalue(res, 0, 0),
		   PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2));
	PQclear(res);
	return EXIT_OK;
}
