/*
 * nominations.c
 *		Rounds and nominations: thidua round create|show, nominate, nominations
 *		list|show|edit|dossier and the steps of the workflow (submit, return,
 *		resubmit, check, disclose, comment, decide, award, withdraw, revoke),
 *		and the award registry's statistics (awards list|stats).
 *
 * Every rule is the extension's: who may take a step, from which state, what
 * a step needs. These commands pass their arguments as typed parameters to
 * the workflow functions (sql/61_nomination_workflow.sql, 64_award_registry.sql)
 * and print what comes back; a refusal is the server's message, with the role
 * the command needs as a hint.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "thidua_cli.h"

/* Whether text is a nomination number (1, 27, ...); says so when it is not. */
bool
cli_nomination_id(const char *text)
{
	size_t		digits = strspn(text, "0123456789");

	if (digits > 0 && digits <= 18 && text[digits] == '\0')
		return true;
	cli_error("\"%s\" is not a nomination number", text);
	cli_hint("\"thidua nominations list\" shows the nominations and their numbers.");
	return false;
}

/* --format: table (the default), csv or json. */

/*
 * values as a PostgreSQL array literal ({"a","b\"c"}): the elements quoted and
 * escaped, so any text goes through as one element; the caller frees it.
 */
static char *
ArrayLiteral(const char *const *values, int count)
{
	size_t		size = 3;
	char	   *literal;
	char	   *p;

	for (int i = 0; i < count; i++)
		size += 2 * strlen(values[i]) + 3;
	literal = malloc(size);
	if (literal == NULL)
	{
		cli_error("out of memory");
		exit(EXIT_ERROR);
	}
	p = literal;
	*p++ = '{';
	for (int i = 0; i < count; i++)
	{
		if (i > 0)
			*p++ = ',';
		*p++ = '"';
		for (const char *c = values[i]; *c; c++)
		{
			if (*c == '"' || *c == '\\')
				*p++ = '\\';
			*p++ = *c;
		}
		*p++ = '"';
	}
	*p++ = '}';
	*p = '\0';
	return literal;
}

/* Runs a statement whose one value is printed by the caller; NULL on failure. */
static PGresult *
RunStep(PGconn *conn, const char *sql, int nparams, const char *const *values)
{
	return cli_query(conn, sql, nparams, values);
}

/* "nomination 7: checked", read back after a step. */
static int
PrintNominationState(PGconn *conn, const char *id, const char *what)
{
	const char *values[1] = {id};
	PGresult   *res = cli_query(conn,
								"SELECT n.state::pg_catalog.text FROM thidua.nomination n "
								"WHERE n.nomination_id OPERATOR(pg_catalog.=) $1::pg_catalog.int8", 1, values);

	if (res == NULL)
		return cli_failure_code(conn);
	if (PQntuples(res) == 1)
		printf("nomination %s: %s%s%s\n", id, PQgetvalue(res, 0, 0), what ? ", " : "", what ? what : "");
	else
		printf("nomination %s: %s\n", id, what ? what : "done");
	PQclear(res);
	return EXIT_OK;
}

/* thidua round create ROUND --title T --year Y --authority A --council-unit U --deadline D --award A,B [...] */
int
cmd_round_create(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	const char *values[9] = {argv[0], options->title, options->year, options->authority, options->council_unit,
	options->deadline, options->award, options->rulebook, options->meets_on};
	PGresult   *res;

	(void) argc;
	res = RunStep(conn,
				  "SELECT thidua.create_round($1, $2, $3::pg_catalog.int4, $4, $5, $6::pg_catalog.date, "
				  "pg_catalog.string_to_array(pg_catalog.replace($7, ' ', ''), ','), $8, $9::pg_catalog.date)",
				  9, values);
	if (res == NULL)
		return cli_failure_code(conn);
	printf("round %s created: %s, %s, awards %s, deadline %s\n", PQgetvalue(res, 0, 0), options->title,
		   options->year, options->award, options->deadline);
	PQclear(res);
	return EXIT_OK;
}

/* The round's fields, for round show. */
#define ROUND_FIELDS \
	"SELECT r.round_code AS round, r.title, r.year, r.authority, r.council_unit, " \
	"pg_catalog.to_char(r.deadline, 'YYYY-MM-DD') AS deadline, " \
	"COALESCE(r.rulebook_version, 'in force on 31 December') AS rulebook, " \
	"pg_catalog.to_char(r.meets_on, 'YYYY-MM-DD') AS meets_on, " \
	"(SELECT pg_catalog.string_agg(a.award_code, ', ' ORDER BY a.award_code) FROM thidua.round_award a " \
	" WHERE a.round_code OPERATOR(pg_catalog.=) r.round_code) AS awards, " \
	"CASE WHEN r.vote_closed_at IS NOT NULL THEN 'closed ' || pg_catalog.to_char(r.vote_closed_at, 'YYYY-MM-DD HH24:MI') " \
	"     WHEN r.vote_opened_at IS NOT NULL THEN 'open since ' || pg_catalog.to_char(r.vote_opened_at, 'YYYY-MM-DD HH24:MI') " \
	"     ELSE 'not opened' END AS vote " \
	"FROM thidua.nomination_round r WHERE r.round_code OPERATOR(pg_catalog.=) $1"

/* The nominations of a round, counted by award and state. */
#define ROUND_COUNTS \
	"SELECT n.award_code AS award, n.state::pg_catalog.text AS state, pg_catalog.count(*) AS nominations " \
	"FROM thidua.nomination n WHERE n.round_code OPERATOR(pg_catalog.=) $1 " \
	"GROUP BY n.award_code, n.state ORDER BY n.award_code, n.state"

/* thidua round show ROUND [--format table|csv|json] */
int
cmd_round_show(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	const char *values[1] = {argv[0]};
	PGresult   *res;
	FILE	   *out;

	(void) argc;
	if (cli_format_is(options, "json"))
	{
		res = cli_query(conn,
						"SELECT pg_catalog.jsonb_pretty(pg_catalog.to_jsonb(r) || pg_catalog.jsonb_build_object("
						"'nominations', (SELECT COALESCE(pg_catalog.jsonb_agg(pg_catalog.to_jsonb(c)), '[]') "
						"FROM (" ROUND_COUNTS ") c))) FROM (" ROUND_FIELDS ") r", 1, values);
		if (res == NULL)
			return cli_failure_code(conn);
		if (PQntuples(res) == 0)
		{
			cli_error("round \"%s\" does not exist", argv[0]);
			PQclear(res);
			return EXIT_ERROR;
		}
		out = cli_open_output(options);
		fprintf(out, "%s\n", PQgetvalue(res, 0, 0));
		PQclear(res);
		return cli_close_output(out, options);
	}
	res = cli_query(conn, ROUND_FIELDS, 1, values);
	if (res == NULL)
		return cli_failure_code(conn);
	if (PQntuples(res) == 0)
	{
		cli_error("round \"%s\" does not exist", argv[0]);
		cli_hint("A role sees the rounds it may read; thidua_admin sees them all.");
		PQclear(res);
		return EXIT_ERROR;
	}
	out = cli_open_output(options);
	if (cli_format_is(options, "csv"))
		cli_print_csv(out, res);
	else
		for (int c = 0; c < PQnfields(res); c++)
		{
			char		label[40];

			snprintf(label, sizeof(label), "%s:", PQfname(res, c));
			cli_print_field(out, label, 14, PQgetvalue(res, 0, c));
		}
	PQclear(res);
	res = cli_query(conn, ROUND_COUNTS, 1, values);
	if (res == NULL)
	{
		cli_close_output(out, options);
		return cli_failure_code(conn);
	}
	fputs(cli_format_is(options, "csv") ? "\r\n" : "\nNominations:\n", out);
	if (cli_format_is(options, "csv"))
		cli_print_csv_block(out, res);
	else
		cli_print_table(out, res);
	PQclear(res);
	return cli_close_output(out, options);
}

/*
 * thidua nominate --round R --award A --subject S --unit PROPOSING [--summary T]
 *   [--evidence LINK]... [--achievement KEY]... [--reason OVERRIDE]
 */
int
cmd_nominate(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	char	   *evidence = ArrayLiteral(options->evidence, options->n_evidence);
	char	   *achievements = ArrayLiteral(options->achievements, options->n_achievements);
	const char *values[8] = {options->round, options->award, options->subject, options->unit,
	options->summary, evidence, achievements, options->reason};
	PGresult   *res;
	int			status;

	(void) argc;
	(void) argv;
	res = RunStep(conn,
				  "SELECT thidua.nominate($1, $2, $3, $4, COALESCE($5, ''), "
				  "pg_catalog.to_jsonb($6::pg_catalog.text[]), $7::pg_catalog.text[], $8)",
				  8, values);
	free(evidence);
	free(achievements);
	if (res == NULL)
		return cli_failure_code(conn);
	{
		char	   *id = cli_strdup(PQgetvalue(res, 0, 0));

		PQclear(res);
		status = PrintNominationState(conn, id, NULL);
		free(id);
	}
	return status;
}

/* thidua nominations edit ID [--summary T] [--evidence LINK]... [--achievement KEY]... [--reason OVERRIDE] */
int
cmd_nominations_edit(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	char	   *evidence = options->n_evidence > 0 ? ArrayLiteral(options->evidence, options->n_evidence) : NULL;
	char	   *achievements = options->n_achievements > 0 ?
		ArrayLiteral(options->achievements, options->n_achievements) : NULL;
	const char *values[5] = {argv[0], options->summary, evidence, achievements, options->reason};
	PGresult   *res;

	(void) argc;
	if (!cli_nomination_id(argv[0]) ||
		(options->summary == NULL && evidence == NULL && achievements == NULL && options->reason == NULL))
	{
		if (options->summary == NULL && evidence == NULL && achievements == NULL && options->reason == NULL)
			cli_error("nominations edit needs --summary, --evidence, --achievement or --reason");
		free(evidence);
		free(achievements);
		return EXIT_ERROR;
	}
	/* what is not given stays as it is */
	res = RunStep(conn,
				  "SELECT thidua.update_nomination($1::pg_catalog.int8, $2, "
				  "pg_catalog.to_jsonb($3::pg_catalog.text[]), $4::pg_catalog.text[], $5)", 5, values);
	free(evidence);
	free(achievements);
	if (res == NULL)
		return cli_failure_code(conn);
	PQclear(res);
	return PrintNominationState(conn, argv[0], "dossier changed");
}

/* thidua nominations dossier ID ITEM [--reference REF] [--missing] */
int
cmd_nominations_dossier(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	const char *values[4] = {argv[0], argv[1], options->missing ? "false" : "true", options->reference};
	PGresult   *res;
	char		what[256];

	(void) argc;
	if (!cli_nomination_id(argv[0]))
		return EXIT_ERROR;
	res = RunStep(conn,
				  "SELECT thidua.set_dossier_item($1::pg_catalog.int8, $2, $3::pg_catalog.bool, $4)", 4, values);
	if (res == NULL)
		return cli_failure_code(conn);
	PQclear(res);
	snprintf(what, sizeof(what), "dossier item %s %s", argv[1], options->missing ? "missing" : "present");
	return PrintNominationState(conn, argv[0], what);
}

/*
 * The plain steps: one nomination, an optional or required --reason. Which
 * function each command calls.
 */
typedef struct Step
{
	const char *command;
	const char *sql;
} Step;

static const Step steps[] = {
	{"nominations submit", "SELECT thidua.submit($1::pg_catalog.int8, $2)"},
	{"nominations return", "SELECT thidua.return_nomination($1::pg_catalog.int8, $2)"},
	{"nominations resubmit", "SELECT thidua.resubmit($1::pg_catalog.int8, $2)"},
	{"nominations check", "SELECT thidua.check($1::pg_catalog.int8, $2)"},
	{"nominations withdraw", "SELECT thidua.withdraw($1::pg_catalog.int8, $2)"},
	{"nominations approve", "SELECT thidua.approve($1::pg_catalog.int8, $2)"},
	{"nominations reject", "SELECT thidua.reject($1::pg_catalog.int8, $2)"},
};

/* thidua nominations submit|return|resubmit|check|withdraw|approve|reject ID [--reason TEXT] */
int
cmd_nominations_step(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	const char *values[2] = {argv[0], options->reason};
	const char *sql = NULL;
	PGresult   *res;

	(void) argc;
	if (!cli_nomination_id(argv[0]))
		return EXIT_ERROR;
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		if (strcmp(steps[i].command, cli_command_name) == 0)
			sql = steps[i].sql;
	if (sql == NULL)
	{
		cli_error("\"%s\" is not a step of the workflow", cli_command_name);
		return EXIT_ERROR;
	}
	res = RunStep(conn, sql, 2, values);
	if (res == NULL)
		return cli_failure_code(conn);
	PQclear(res);
	return PrintNominationState(conn, argv[0], NULL);
}

int
cmd_nominations_approve(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	return cmd_nominations_step(conn, options, argc, argv);
}

int
cmd_nominations_reject(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	return cmd_nominations_step(conn, options, argc, argv);
}

/* thidua nominations disclose ID [--date D] */
int
cmd_nominations_disclose(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	const char *values[2] = {argv[0], options->date};
	PGresult   *res;

	(void) argc;
	if (!cli_nomination_id(argv[0]))
		return EXIT_ERROR;
	res = RunStep(conn, "SELECT thidua.disclose($1::pg_catalog.int8, "
				  "COALESCE($2::pg_catalog.date, CURRENT_DATE))", 2, values);
	if (res == NULL)
		return cli_failure_code(conn);
	PQclear(res);
	return PrintNominationState(conn, argv[0], NULL);
}

/* thidua nominations comment ID TEXT --date RECEIVED [--commenter NAME] */
int
cmd_nominations_comment(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	const char *values[4] = {argv[0], options->date, options->commenter, argv[1]};
	PGresult   *res;

	(void) argc;
	if (!cli_nomination_id(argv[0]))
		return EXIT_ERROR;
	res = RunStep(conn, "SELECT thidua.comment($1::pg_catalog.int8, COALESCE($2::pg_catalog.date, CURRENT_DATE), "
				  "$3, $4)", 4, values);
	if (res == NULL)
		return cli_failure_code(conn);
	PQclear(res);
	return PrintNominationState(conn, argv[0], "comment recorded");
}

/* thidua nominations decide ID --number N --date D --signer NAME */
int
cmd_nominations_decide(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	const char *values[4] = {argv[0], options->number, options->date, options->signer};
	PGresult   *res;
	char		what[512];

	(void) argc;
	if (!cli_nomination_id(argv[0]))
		return EXIT_ERROR;
	res = RunStep(conn, "SELECT thidua.decide($1::pg_catalog.int8, $2, $3::pg_catalog.date, $4)", 4, values);
	if (res == NULL)
		return cli_failure_code(conn);
	PQclear(res);
	snprintf(what, sizeof(what), "decision %s of %s signed by %s", options->number, options->date, options->signer);
	return PrintNominationState(conn, argv[0], what);
}

/* thidua nominations award ID: the award enters the registry. */
int
cmd_nominations_award(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	const char *values[1] = {argv[0]};
	PGresult   *res;
	char		what[128];

	(void) argc;
	(void) options;
	if (!cli_nomination_id(argv[0]))
		return EXIT_ERROR;
	res = RunStep(conn, "SELECT thidua.award($1::pg_catalog.int8)", 1, values);
	if (res == NULL)
		return cli_failure_code(conn);
	snprintf(what, sizeof(what), "registry record %s", PQgetisnull(res, 0, 0) ? "?" : PQgetvalue(res, 0, 0));
	PQclear(res);
	return PrintNominationState(conn, argv[0], what);
}

/* thidua nominations revoke ID --date D --reason TEXT --number DECISION */
int
cmd_nominations_revoke(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	const char *values[4] = {argv[0], options->date, options->reason, options->number};
	PGresult   *res;

	(void) argc;
	if (!cli_nomination_id(argv[0]))
		return EXIT_ERROR;
	res = RunStep(conn, "SELECT thidua.revoke($1::pg_catalog.int8, $2::pg_catalog.date, $3, $4)", 4, values);
	if (res == NULL)
		return cli_failure_code(conn);
	PQclear(res);
	return PrintNominationState(conn, argv[0], NULL);
}

/*
 * The flags of nomination n: the same achievement in another live nomination,
 * over the quota, a rule overridden.
 */
#define NOMINATION_FLAGS \
	"pg_catalog.array_remove(ARRAY[" \
	"CASE WHEN EXISTS (SELECT 1 FROM thidua.nomination_duplicates d " \
	"  WHERE n.nomination_id OPERATOR(pg_catalog.=) ANY (d.nomination_ids)) THEN 'duplicate achievement' END, " \
	"CASE WHEN n.over_quota IS NOT NULL THEN 'over quota' END, " \
	"CASE WHEN n.override_reason IS NOT NULL THEN 'overridden' END]::pg_catalog.text[], NULL)"

/*
 * The subject and its name: through nominee_name(), which gives the name to
 * every role that may see the nomination (a reader does not read people).
 */
#define NOMINATION_SUBJECT \
	"COALESCE(n.person_code, n.unit_code) AS subject, thidua.nominee_name(n.nomination_id) AS name"

/* Exits unless --state names a state of a nomination. */
static bool
KnownState(PGconn *conn, const char *state)
{
	const char *values[1] = {state};
	PGresult   *res = cli_query(conn,
								"SELECT $1 OPERATOR(pg_catalog.=) ANY (pg_catalog.enum_range(NULL::thidua.nomination_state)::pg_catalog.text[]), "
								"pg_catalog.array_to_string(pg_catalog.enum_range(NULL::thidua.nomination_state), ', ')",
								1, values);
	bool		known;

	if (res == NULL)
		return false;
	known = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	if (!known)
	{
		cli_error("option \"--state\": \"%s\" is not a state of a nomination", state);
		cli_hint("The states are: %s.", PQgetvalue(res, 0, 1));
	}
	PQclear(res);
	return known;
}

/* thidua nominations list [--round R] [--state S] [--unit U] [--award A] [--format table|csv|json] */
int
cmd_nominations_list(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	const char *values[4] = {options->round, options->state, options->unit, options->award};
	bool		json = cli_format_is(options, "json");
	char		sql[4096];

	(void) argc;
	(void) argv;
	if (options->state != NULL && !KnownState(conn, options->state))
		return cli_failure_code(conn);
	snprintf(sql, sizeof(sql),
			 "SELECT n.nomination_id AS id, n.round_code AS round, n.award_code AS award, " NOMINATION_SUBJECT ", "
			 "n.proposing_unit AS proposed_by, n.state::pg_catalog.text AS state, %s AS flags "
			 "FROM thidua.nomination n "
			 "WHERE ($1::pg_catalog.text IS NULL OR n.round_code OPERATOR(pg_catalog.=) $1) "
			 "AND ($2::pg_catalog.text IS NULL OR n.state::pg_catalog.text OPERATOR(pg_catalog.=) $2) "
			 "AND ($3::pg_catalog.text IS NULL OR n.proposing_unit OPERATOR(pg_catalog.=) $3 "
			 "     OR n.unit_code OPERATOR(pg_catalog.=) $3) "
			 "AND ($4::pg_catalog.text IS NULL OR n.award_code OPERATOR(pg_catalog.=) $4) "
			 "ORDER BY n.round_code, n.award_code, n.nomination_id",
			 json ? NOMINATION_FLAGS : "pg_catalog.array_to_string(" NOMINATION_FLAGS ", ', ')");
	return cli_print_listing(conn, options, sql, 4, values);
}

/* The parts of nominations show, each a query on $1 (the nomination). */
#define SHOW_NOMINATION \
	"SELECT n.nomination_id AS nomination, n.round_code AS round, n.award_code AS award, " NOMINATION_SUBJECT ", " \
	"n.proposing_unit AS proposed_by, n.state::pg_catalog.text AS state, n.summary, " \
	"(SELECT pg_catalog.string_agg(e, ' ' ORDER BY o) FROM pg_catalog.jsonb_array_elements_text(n.evidence) " \
	"  WITH ORDINALITY AS x(e, o)) AS evidence, " \
	"(SELECT pg_catalog.string_agg(a.achievement, ', ' ORDER BY a.achievement) FROM thidua.nomination_achievement a " \
	"  WHERE a.nomination_id OPERATOR(pg_catalog.=) n.nomination_id) AS achievements, " \
	"n.dossier_revision AS revision, pg_catalog.to_char(n.checked_on, 'YYYY-MM-DD') AS checked_on, " \
	"n.rulebook_version AS rulebook, n.override_reason AS overridden_because, " \
	"pg_catalog.to_char(n.disclosed_on, 'YYYY-MM-DD') AS disclosed_on, " \
	"n.decision_number AS decision, pg_catalog.to_char(n.decision_date, 'YYYY-MM-DD') AS decided_on, n.signer, " \
	"n.award_record_id AS registry_record, " \
	"pg_catalog.array_to_string(" NOMINATION_FLAGS ", ', ') AS flags, " \
	"(SELECT pg_catalog.string_agg(d.achievement || ' also in ' || " \
	"   pg_catalog.array_to_string(pg_catalog.array_remove(d.nomination_ids, n.nomination_id), ', '), '; ') " \
	" FROM thidua.nomination_duplicates d WHERE n.nomination_id OPERATOR(pg_catalog.=) ANY (d.nomination_ids)) AS duplicates, " \
	"COALESCE(n.over_quota OPERATOR(pg_catalog.->>) 'arithmetic', n.over_quota::pg_catalog.text) AS over_quota " \
	"FROM thidua.nomination n WHERE n.nomination_id OPERATOR(pg_catalog.=) $1::pg_catalog.int8"
#define SHOW_DOSSIER \
	"SELECT d.item, d.present, d.reference FROM thidua.dossier_item d " \
	"WHERE d.nomination_id OPERATOR(pg_catalog.=) $1::pg_catalog.int8 ORDER BY d.item"
#define SHOW_ELIGIBILITY \
	"SELECT x.r OPERATOR(pg_catalog.->>) 'node' AS node, (x.r OPERATOR(pg_catalog.->>) 'passed')::pg_catalog.bool AS passed, " \
	"x.r OPERATOR(pg_catalog.->>) 'evidence' AS evidence, " \
	"COALESCE(x.r OPERATOR(pg_catalog.->>) 'legal_source', x.r OPERATOR(pg_catalog.->>) 'source') AS source " \
	"FROM thidua.nomination n, pg_catalog.jsonb_array_elements(COALESCE(n.eligibility_snapshot, '[]')) " \
	"  WITH ORDINALITY AS x(r, o) " \
	"WHERE n.nomination_id OPERATOR(pg_catalog.=) $1::pg_catalog.int8 ORDER BY x.o"
#define SHOW_TALLY \
	"SELECT t.key AS tally, CASE pg_catalog.jsonb_typeof(t.value) WHEN 'string' THEN t.value OPERATOR(pg_catalog.#>>) '{}' " \
	"  WHEN 'array' THEN (SELECT pg_catalog.string_agg(e, ', ') FROM pg_catalog.jsonb_array_elements_text(t.value) e) " \
	"  ELSE t.value::pg_catalog.text END AS value " \
	"FROM thidua.nomination n, pg_catalog.jsonb_each(COALESCE(n.tally, '{}')) AS t " \
	"WHERE n.nomination_id OPERATOR(pg_catalog.=) $1::pg_catalog.int8 " \
	"AND t.key OPERATOR(pg_catalog.<>) 'source' " \
	"ORDER BY pg_catalog.array_position('{members,recused,base,base_size,yes,no,abstain,ballots,not_voted,written," \
	"threshold,comparison,required,passed,arithmetic}'::pg_catalog.text[], t.key), t.key"
#define SHOW_COMMENTS \
	"SELECT pg_catalog.to_char(c.received_on, 'YYYY-MM-DD') AS received_on, c.commenter, c.body " \
	"FROM thidua.disclosure_comment c WHERE c.nomination_id OPERATOR(pg_catalog.=) $1::pg_catalog.int8 " \
	"ORDER BY c.comment_id"
#define SHOW_EVENTS \
	"SELECT pg_catalog.to_char(e.at, 'YYYY-MM-DD HH24:MI') AS at, e.action, e.from_state::pg_catalog.text AS from_state, " \
	"e.to_state::pg_catalog.text AS to_state, e.by_role AS by, e.reason " \
	"FROM thidua.nomination_event e WHERE e.nomination_id OPERATOR(pg_catalog.=) $1::pg_catalog.int8 " \
	"ORDER BY e.event_id"

typedef struct ShowPart
{
	const char *title;			/* in a table */
	const char *key;			/* in JSON */
	const char *sql;
	bool		wrapped;		/* long text: fitted to the width */
} ShowPart;

static const ShowPart show_parts[] = {
	{"Dossier", "dossier", SHOW_DOSSIER, false},
	{"Eligibility as checked", "eligibility", SHOW_ELIGIBILITY, true},
	{"Tally", "tally", SHOW_TALLY, false},
	{"Public comments", "comments", SHOW_COMMENTS, true},
	{"Events", "events", SHOW_EVENTS, false},
};
#define N_SHOW_PARTS ((int) (sizeof(show_parts) / sizeof(show_parts[0])))

/* nominations show --format json: one object, built by the server. */
static int
ShowNominationJson(PGconn *conn, const CommandOptions *options, const char *id)
{
	const char *values[1] = {id};
	char		sql[16384];
	size_t		used;
	PGresult   *res;
	FILE	   *out;

	used = snprintf(sql, sizeof(sql),
					"SELECT pg_catalog.jsonb_pretty(pg_catalog.to_jsonb(m) || pg_catalog.jsonb_build_object("
					"'eligibility_snapshot', n.eligibility_snapshot, 'tally', n.tally, 'over_quota', n.over_quota");
	for (int i = 0; i < N_SHOW_PARTS && used < sizeof(sql); i++)
		if (strcmp(show_parts[i].key, "eligibility") != 0 && strcmp(show_parts[i].key, "tally") != 0)
			used += snprintf(sql + used, sizeof(sql) - used,
							 ", '%s', (SELECT COALESCE(pg_catalog.jsonb_agg(pg_catalog.to_jsonb(p)), '[]') FROM (%s) p)",
							 show_parts[i].key, show_parts[i].sql);
	if (used < sizeof(sql))
		snprintf(sql + used, sizeof(sql) - used,
				 ")) FROM (" SHOW_NOMINATION ") m JOIN thidua.nomination n "
				 "ON n.nomination_id OPERATOR(pg_catalog.=) m.nomination");
	res = cli_query(conn, sql, 1, values);
	if (res == NULL)
		return cli_failure_code(conn);
	if (PQntuples(res) == 0)
	{
		cli_error("nomination %s does not exist", id);
		PQclear(res);
		return EXIT_ERROR;
	}
	out = cli_open_output(options);
	fprintf(out, "%s\n", PQgetvalue(res, 0, 0));
	PQclear(res);
	return cli_close_output(out, options);
}

/*
 * thidua nominations show ID: the nomination, then its dossier, eligibility
 * as checked, tally, public comments and event log. CSV: the same blocks, one
 * after another, a blank line between.
 */
int
cmd_nominations_show(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	const char *values[1] = {argv[0]};
	bool		csv = cli_format_is(options, "csv");
	PGresult   *res;
	FILE	   *out;

	(void) argc;
	if (!cli_nomination_id(argv[0]))
		return EXIT_ERROR;
	if (cli_format_is(options, "json"))
		return ShowNominationJson(conn, options, argv[0]);
	res = cli_query(conn, SHOW_NOMINATION, 1, values);
	if (res == NULL)
		return cli_failure_code(conn);
	if (PQntuples(res) == 0)
	{
		cli_error("nomination %s does not exist", argv[0]);
		cli_hint("A role sees the nominations it may read: its units' (thidua_scorer), its rounds' from checked on (thidua_council), decided ones (thidua_reader), all (thidua_admin).");
		PQclear(res);
		return EXIT_ERROR;
	}
	out = cli_open_output(options);
	if (csv)
		cli_print_csv(out, res);
	else
		for (int c = 0; c < PQnfields(res); c++)
		{
			char		label[40];

			if (PQgetisnull(res, 0, c) || *PQgetvalue(res, 0, c) == '\0')
				continue;
			snprintf(label, sizeof(label), "%s:", PQfname(res, c));
			cli_print_field(out, label, 20, PQgetvalue(res, 0, c));
		}
	PQclear(res);
	for (int i = 0; i < N_SHOW_PARTS; i++)
	{
		res = cli_query(conn, show_parts[i].sql, 1, values);
		if (res == NULL)
		{
			cli_close_output(out, options);
			return cli_failure_code(conn);
		}
		if (csv)
		{
			fputs("\r\n", out);
			cli_print_csv_block(out, res);
		}
		else if (PQntuples(res) > 0)
		{
			fprintf(out, "\n%s:\n", show_parts[i].title);
			/* the evidence and comments may be long: wrapped; the rest as it is */
			if (show_parts[i].wrapped)
				cli_print_table_wrapped(out, res);
			else
				cli_print_table(out, res);
		}
		PQclear(res);
	}
	return cli_close_output(out, options);
}

/* thidua awards stats --from Y --to Y [--by award|level|unit|year] [--format table|csv|json] */
int
cmd_awards_stats(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	static const char *const groupings[][2] = {
		{"award", "s.award_code AS award, "}, {"level", "s.level, "}, {"unit", "s.unit_code AS unit, "},
		{"year", "s.year, "}
	};
	const char *values[3] = {options->from, options->to, options->by ? options->by : "award"};
	char		columns[256] = "";
	char		sql[1024];
	bool		grouped[4] = {false, false, false, false};
	bool		known = true;
	char	   *by = cli_strdup(values[2]);

	(void) argc;
	(void) argv;
	/*
	 * Only the columns grouped by (the others are NULL), in the catalog's
	 * order; an unknown key is left to the server, which names it.
	 */
	for (char *key = strtok(by, ", "); key != NULL; key = strtok(NULL, ", "))
	{
		bool		found = false;

		for (int i = 0; i < 4; i++)
			if (strcmp(key, groupings[i][0]) == 0)
				found = grouped[i] = true;
		known = known && found;
	}
	free(by);
	for (int i = 0; i < 4; i++)
		if (grouped[i] || !known)
			strncat(columns, groupings[i][1], sizeof(columns) - strlen(columns) - 1);
	snprintf(sql, sizeof(sql),
			 "SELECT %ss.awarded, s.revoked, s.front_line, s.front_line_share, s.small_collective, "
			 "s.small_collective_share FROM thidua.award_statistics($1::pg_catalog.int4, $2::pg_catalog.int4, $3) s",
			 columns);
	return cli_print_listing(conn, options, sql, 3, values);
}
