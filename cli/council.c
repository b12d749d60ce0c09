/*
 * council.c
 *		The council of a round and its vote: thidua council members|set|vote|
 *		vote-written|tally, nominations open-vote|close-vote|resolve-tie.
 *
 * The ballot's rules are the extension's (sql/62_council_ballot.sql,
 * 63_approval_quota.sql): who sits on the council, who may vote and once,
 * that no tally shows while the vote is open, the threshold and its base,
 * the quota's cut. A member votes as itself: the login role is the voter.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "thidua_cli.h"

/* A choice on a ballot: yes, no or abstain, said before anything is sent. */
static bool
Choice(const char *text)
{
	if (strcmp(text, "yes") == 0 || strcmp(text, "no") == 0 || strcmp(text, "abstain") == 0)
		return true;
	cli_error("\"%s\" is not a choice on a ballot", text);
	cli_hint("Vote yes, no or abstain.");
	return false;
}


#define COUNCIL_LIST \
	"SELECT m.role_name AS role, m.full_name AS name, m.council_role, m.person_code AS person, m.unit_code AS unit " \
	"FROM thidua.council_member m WHERE m.round_code OPERATOR(pg_catalog.=) $1 " \
	"ORDER BY pg_catalog.array_position('{chair,vice_chair,secretary,member}'::pg_catalog.text[], m.council_role), " \
	"m.full_name, m.role_name"

/*
 * The members in a CSV file (role,name,council_role,person,unit), read by
 * the server's CSV reader (errors name file:line and the column), as the
 * JSON array set_council takes.
 */
#define COUNCIL_FROM_FILE \
	"SELECT thidua.set_council($1, (SELECT COALESCE(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(" \
	"'role', r.cells[1], 'name', r.cells[2], 'council_role', COALESCE(r.cells[3], 'member'), " \
	"'person', r.cells[4], 'unit', r.cells[5]) ORDER BY r.line), '[]') " \
	"FROM thidua._csv_rows(thidua._decode_utf8(" CLI_UPLOADED_FILE ", $2), $2, " \
	"'{role,name,council_role,person,unit}', '{role,name}') AS r))"

/* Sets the council of round from file; prints what it holds now. */
static int
SetCouncil(PGconn *conn, const char *round, const char *path)
{
	const char *values[2] = {round, path};
	CliProgress progress;
	PGresult   *res;

	cli_progress_begin(&progress, conn, path);
	if (!cli_upload_file(conn, path, &progress))
	{
		cli_progress_end(&progress, conn, false);
		return cli_failure_code(conn);
	}
	res = cli_run_import(conn, COUNCIL_FROM_FILE, 2, values, &progress);
	if (res == NULL)
		return cli_failure_code(conn);
	PQclear(res);
	res = cli_query(conn,
					"SELECT pg_catalog.count(*), "
					"pg_catalog.count(*) FILTER (WHERE m.council_role OPERATOR(pg_catalog.=) 'chair'), "
					"pg_catalog.count(*) FILTER (WHERE m.council_role OPERATOR(pg_catalog.=) 'secretary') "
					"FROM thidua.council_member m WHERE m.round_code OPERATOR(pg_catalog.=) $1", 1, values);
	if (res == NULL)
		return cli_failure_code(conn);
	printf("council of round %s set from %s: %s members (%s chair, %s secretary)\n", round, path,
		   PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2));
	PQclear(res);
	return EXIT_OK;
}

/* thidua council members ROUND [--file FILE] [--format table|csv|json] */
int
cmd_council_members(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	const char *values[1] = {argv[0]};

	(void) argc;
	if (options->file != NULL)
	{
		if (options->format != NULL || options->output != NULL || options->expanded)
		{
			cli_error("council members --file sets the council: it prints no table");
			return EXIT_ERROR;
		}
		/* setting needs more than reading: the refusal's hint names it */
		cli_roles_needed = "thidua_admin";
		return SetCouncil(conn, argv[0], options->file);
	}
	return cli_print_listing(conn, options, COUNCIL_LIST, 1, values);
}

/* thidua council set ROUND FILE */
int
cmd_council_set(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	(void) options;
	(void) argc;
	return SetCouncil(conn, argv[0], argv[1]);
}

/* thidua council vote ID yes|no|abstain: the connected role votes. */
int
cmd_council_vote(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	const char *values[2] = {argv[0], argv[1]};
	PGresult   *res;

	(void) options;
	(void) argc;
	if (!cli_nomination_id(argv[0]) || !Choice(argv[1]))
		return EXIT_ERROR;
	res = cli_query(conn, "SELECT thidua.vote($1::pg_catalog.int8, $2)", 2, values);
	if (res == NULL)
		return cli_failure_code(conn);
	PQclear(res);
	/* the choice is not repeated: the screen may be seen by others */
	printf("nomination %s: vote recorded for %s\n", argv[0], PQuser(conn));
	return EXIT_OK;
}

/* thidua council vote-written ID MEMBER yes|no|abstain: the secretary enters an absent member's vote. */
int
cmd_council_vote_written(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	const char *values[3] = {argv[0], argv[1], argv[2]};
	PGresult   *res;

	(void) options;
	(void) argc;
	if (!cli_nomination_id(argv[0]) || !Choice(argv[2]))
		return EXIT_ERROR;
	res = cli_query(conn, "SELECT thidua.vote_written($1::pg_catalog.int8, $2, $3)", 3, values);
	if (res == NULL)
		return cli_failure_code(conn);
	PQclear(res);
	printf("nomination %s: written vote of %s recorded by %s\n", argv[0], argv[1], PQuser(conn));
	return EXIT_OK;
}

/* thidua council tally ROUND [--format table|csv|json] */
int
cmd_council_tally(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	const char *values[1] = {argv[0]};

	(void) argc;
	if (cli_format_is(options, "json"))
		return cli_print_listing(conn, options, "SELECT t.* FROM thidua.tally($1) t", 1, values);
	return cli_print_listing(conn, options,
							 "SELECT t.nomination_id AS id, t.award_code AS award, t.subject, t.members, "
							 "pg_catalog.array_to_string(t.recused, ', ') AS recused, "
							 "t.base || ' (' || t.base_size || ')' AS base, t.votes_yes AS yes, t.votes_no AS no, "
							 "t.votes_abstain AS abstain, t.not_voted, t.written, "
							 "CASE t.comparison WHEN 'more_than' THEN '> ' ELSE '≥ ' END "
							 "  || pg_catalog.trim_scale(t.threshold OPERATOR(pg_catalog.*) 100) || ' %' AS threshold, "
							 "pg_catalog.trim_scale(t.required) AS required, t.passed "
							 "FROM thidua.tally($1) t", 1, values);
}

/* "round R: 5 nominations in vote", counted after open-vote and close-vote. */
static int
PrintRoundStates(PGconn *conn, const char *round, const char *what)
{
	const char *values[1] = {round};
	PGresult   *res = cli_query(conn,
								"SELECT COALESCE(pg_catalog.string_agg(s.n || ' ' || s.state, ', ' ORDER BY s.state), 'no nominations') "
								"FROM (SELECT n.state, pg_catalog.count(*) AS n FROM thidua.nomination n "
								"      WHERE n.round_code OPERATOR(pg_catalog.=) $1 GROUP BY n.state) s",
								1, values);

	if (res == NULL)
		return cli_failure_code(conn);
	printf("round %s: %s; nominations: %s\n", round, what, PQgetvalue(res, 0, 0));
	PQclear(res);
	return EXIT_OK;
}

/* thidua nominations open-vote ROUND */
int
cmd_open_vote(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	const char *values[1] = {argv[0]};
	PGresult   *res;

	(void) options;
	(void) argc;
	res = cli_query(conn, "SELECT thidua.open_vote($1)", 1, values);
	if (res == NULL)
		return cli_failure_code(conn);
	PQclear(res);
	return PrintRoundStates(conn, argv[0], "vote open");
}

/* thidua nominations close-vote ROUND: ballots re-laid, tallies stored, approval run. */
int
cmd_close_vote(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	const char *values[1] = {argv[0]};
	PGresult   *res;

	(void) options;
	(void) argc;
	res = cli_query(conn, "SELECT thidua.close_vote($1)", 1, values);
	if (res == NULL)
		return cli_failure_code(conn);
	PQclear(res);
	return PrintRoundStates(conn, argv[0], "vote closed");
}

/* thidua nominations resolve-tie ROUND --award A --chosen IDS --reason TEXT [--scope S] */
int
cmd_resolve_tie(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	const char *values[5] = {argv[0], options->award, options->scope ? options->scope : "", options->chosen,
	options->reason};
	PGresult   *res;

	(void) argc;
	for (const char *p = options->chosen; *p; p++)
		if (strchr("0123456789, ", *p) == NULL)
		{
			cli_error("option \"--chosen\": \"%s\" is not a list of nomination numbers", options->chosen);
			cli_hint("Write the numbers comma-separated: --chosen 3,7.");
			return EXIT_ERROR;
		}
	res = cli_query(conn,
					"SELECT thidua.resolve_tie($1, $2, $3, "
					"pg_catalog.string_to_array(pg_catalog.replace($4, ' ', ''), ',')::pg_catalog.int8[], $5)",
					5, values);
	if (res == NULL)
		return cli_failure_code(conn);
	PQclear(res);
	return PrintRoundStates(conn, argv[0], "tie resolved");
}
