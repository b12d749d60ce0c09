/*
 * thidua_cli.h
 *		Shared declarations of the thidua command-line client.
 */
#ifndef THIDUA_CLI_H
#define THIDUA_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "libpq-fe.h"

/* Exit codes, documented in --help and the README. */
#define EXIT_OK			0
#define EXIT_ERROR		1		/* bad input, refused operation, server error */
#define EXIT_CONNECTION 2		/* could not connect, or the connection was lost */

typedef enum PasswordPrompt
{
	PROMPT_IF_NEEDED,
	PROMPT_NEVER,				/* -w */
	PROMPT_ALWAYS				/* -W */
} PasswordPrompt;

typedef struct ConnectionOptions
{
	const char *host;
	const char *port;
	const char *username;
	const char *dbname;			/* a name, URI, conninfo string or service= */
	PasswordPrompt prompt;
} ConnectionOptions;

extern const char *progname;

/* Errors and notes on stderr, in the PostgreSQL tools' format. */
#define CLI_PRINTF(f, a) __attribute__((format(printf, f, a)))
extern void cli_error(const char *fmt,...) CLI_PRINTF(1, 2);
extern void cli_detail(const char *fmt,...) CLI_PRINTF(1, 2);
extern void cli_hint(const char *fmt,...) CLI_PRINTF(1, 2);

/* strdup that exits on out of memory. */
extern char *cli_strdup(const char *text);

/* Reads a password from the terminal without echo; the caller frees it. */
extern char *cli_prompt_password(const char *prompt);

/* Reports a failed result (message, detail, hint) from the server. */
extern void cli_report_result(const PGresult *res);

/*
 * The running command and the thidua roles that may run it (NULL: anyone), for
 * the hint printed when the server refuses a privilege.
 */
extern const char *cli_command_name;
extern const char *cli_roles_needed;

/*
 * Connects, sets a safe search_path and checks that the database's thidua
 * extension is the client's version; exits with a clear message otherwise.
 */
extern PGconn *cli_connect(const ConnectionOptions *options);

/* Exit code for a failure on conn: connection lost or plain error. */
extern int	cli_failure_code(PGconn *conn);

/* Runs a query with text parameters; reports a failure and returns NULL. */
extern PGresult *cli_query(PGconn *conn, const char *sql, int nparams, const char *const *values);

/* Columns the UTF-8 text takes on a terminal. */
extern int	cli_display_width(const char *text);

/*
 * A result as an aligned table (psql style, table.c): in the expanded form
 * (a "column | value" line per field) with -x, or when it is wider than the
 * terminal it is written to; control characters are shown escaped.
 */
extern void cli_print_table(FILE *out, const PGresult *res);
/* As cli_print_table, narrowing the widest columns (wrapping their text) to
 * fit the terminal, or 80 columns when not writing to one. */
extern void cli_print_table_wrapped(FILE *out, const PGresult *res);
/* "label:  value", the value escaped and wrapped under itself to fit. */
extern void cli_print_field(FILE *out, const char *label, int label_width, const char *value);
/* -x: every table in the expanded form. */
extern void cli_set_expanded(bool expanded);
/* Columns of the terminal out writes to (COLUMNS first, like psql); 0 if none. */
extern int	cli_terminal_width(FILE *out);

/* A result as CSV for spreadsheets. */
extern void cli_print_csv(FILE *out, const PGresult *res);
/* As cli_print_csv, without the byte-order mark: a further block of one output. */
extern void cli_print_csv_block(FILE *out, const PGresult *res);

/* How many times --evidence or --achievement may be given. */
#define CLI_MAX_REPEATED 64

/* Options shared by the commands; each command uses those it documents. */
typedef struct CommandOptions
{
	const char *format;			/* --format */
	const char *note;			/* --note */
	const char *output;			/* -o, --output */
	bool		expanded;		/* -x, --expanded */
	bool		replace;		/* --replace */
	const char *bloc;			/* --bloc */
	const char *period;			/* --period */
	const char *reason;			/* --reason */
	bool		published;		/* --published */
	/* setting up a zone (zone.c) */
	const char *year;			/* --year */
	const char *kind;			/* --kind */
	const char *criteria;		/* --criteria */
	const char *method;			/* --method */
	const char *trim;			/* --trim */
	const char *quorum;			/* --quorum */
	const char *rounding;		/* --rounding */
	const char *judge;			/* --judge */
	const char *date;			/* --date */
	const char *into;			/* --into */
	/* eligibility (eligibility.c) */
	const char *award;			/* --award */
	const char *unit;			/* --unit */
	bool		why;			/* --why */
	const char *subject;		/* --subject */
	const char *draft;			/* --draft */
	const char *rulebook;		/* --rulebook */
	/* nominations and the council (nominations.c, council.c) */
	const char *title;			/* --title */
	const char *authority;		/* --authority */
	const char *council_unit;	/* --council-unit */
	const char *deadline;		/* --deadline (ISO) */
	const char *meets_on;		/* --meets-on (ISO) */
	const char *round;			/* --round */
	const char *state;			/* --state */
	const char *summary;		/* --summary */
	const char *evidence[CLI_MAX_REPEATED];	/* --evidence, repeated */
	int			n_evidence;
	const char *achievements[CLI_MAX_REPEATED];	/* --achievement, repeated */
	int			n_achievements;
	const char *number;			/* --number */
	const char *signer;			/* --signer */
	const char *commenter;		/* --commenter */
	const char *from;			/* --from */
	const char *to;				/* --to */
	const char *by;				/* --by */
	const char *file;			/* --file */
	const char *scope;			/* --scope */
	const char *chosen;			/* --chosen */
	const char *reference;		/* --reference */
	bool		missing;		/* --missing */
} CommandOptions;

typedef int (*CommandFunction) (PGconn *conn, const CommandOptions *options,
								int argc, char **argv);

/* The progress bar of an import (progress.c); drawn only on a terminal. */
typedef struct CliProgress
{
	bool		on;
	bool		drawn;
	const char *label;
	const char *phase;
	char		phase_name[16];
	int			percent;		/* of the whole import */
} CliProgress;

extern void cli_progress_begin(CliProgress *progress, PGconn *conn, const char *path);
extern void cli_progress_update(CliProgress *progress, const char *phase, int phase_percent);
extern void cli_progress_end(CliProgress *progress, PGconn *conn, bool done);

/*
 * Files (files.c): stream a file to the server (every import does, so no
 * input file is ever read whole here), open and close --output.
 */

/*
 * Streams a file to the server in chunks (never whole in memory) into the
 * temporary table pg_temp.thidua_upload, inside the caller's transaction; with
 * the progress bar on, also sets thidua.progress so that the server reports
 * its phases. Reports a failure and returns false.
 */
extern bool cli_upload_file(PGconn *conn, const char *path, CliProgress *progress);

/* The uploaded file's bytes, as an SQL expression. */
#define CLI_UPLOADED_FILE \
	"(SELECT pg_catalog.string_agg(u.chunk, ''::pg_catalog.bytea ORDER BY u.n) FROM pg_temp.thidua_upload AS u)"

/*
 * Runs an import statement on the uploaded file (which must return one row)
 * and commits; ends the progress bar, reports a failure. NULL on failure.
 */
extern PGresult *cli_run_import(PGconn *conn, const char *sql, int nparams, const char *const *values,
								CliProgress *progress);
extern FILE *cli_open_output(const CommandOptions *options);
extern int	cli_close_output(FILE *out, const CommandOptions *options);

/* --format handling and result printing (criteria.c). */
extern bool cli_format_is(const CommandOptions *options, const char *format);
extern bool cli_check_format(const CommandOptions *options, const char *allowed_a, const char *allowed_b);
extern int	cli_print_result(PGconn *conn, PGresult *res, const CommandOptions *options);

/* Reports a failed result with its context (where COPY says the line). */
extern void cli_report_result_with_context(const PGresult *res);

/* The criteria commands (criteria.c). */
extern int	cmd_criteria_import(PGconn *conn, const CommandOptions *options, int argc, char **argv);
extern int	cmd_criteria_list(PGconn *conn, const CommandOptions *options, int argc, char **argv);
extern int	cmd_criteria_show(PGconn *conn, const CommandOptions *options, int argc, char **argv);
extern int	cmd_criteria_export(PGconn *conn, const CommandOptions *options, int argc, char **argv);
extern int	cmd_criteria_diff(PGconn *conn, const CommandOptions *options, int argc, char **argv);
extern int	cmd_criteria_publish(PGconn *conn, const CommandOptions *options, int argc, char **argv);
extern int	cmd_criteria_clone(PGconn *conn, const CommandOptions *options, int argc, char **argv);
extern int	cmd_criteria_retire(PGconn *conn, const CommandOptions *options, int argc, char **argv);

/* The rulebook commands (rulebook.c). */
extern int	cmd_rulebook_import(PGconn *conn, const CommandOptions *options, int argc, char **argv);
extern int	cmd_rulebook_list(PGconn *conn, const CommandOptions *options, int argc, char **argv);
extern int	cmd_rulebook_show(PGconn *conn, const CommandOptions *options, int argc, char **argv);
extern int	cmd_rulebook_export(PGconn *conn, const CommandOptions *options, int argc, char **argv);
extern int	cmd_rulebook_diff(PGconn *conn, const CommandOptions *options, int argc, char **argv);
extern int	cmd_rulebook_publish(PGconn *conn, const CommandOptions *options, int argc, char **argv);
extern int	cmd_rulebook_clone(PGconn *conn, const CommandOptions *options, int argc, char **argv);
extern int	cmd_rulebook_retire(PGconn *conn, const CommandOptions *options, int argc, char **argv);

/* Scores and standings (standings.c). */
extern int	cmd_scores_import(PGconn *conn, const CommandOptions *options, int argc, char **argv);
extern int	cmd_standings(PGconn *conn, const CommandOptions *options, int argc, char **argv);
extern int	cmd_standings_publish(PGconn *conn, const CommandOptions *options, int argc, char **argv);
extern int	cmd_explain(PGconn *conn, const CommandOptions *options, int argc, char **argv);
extern int	cmd_judges(PGconn *conn, const CommandOptions *options, int argc, char **argv);

/* Eligibility, forecasts, quotas and what-if (eligibility.c). */
extern int	cmd_eligible(PGconn *conn, const CommandOptions *options, int argc, char **argv);
extern int	cmd_eligibility(PGconn *conn, const CommandOptions *options, int argc, char **argv);
extern int	cmd_forecast(PGconn *conn, const CommandOptions *options, int argc, char **argv);
extern int	cmd_quota(PGconn *conn, const CommandOptions *options, int argc, char **argv);
extern int	cmd_whatif(PGconn *conn, const CommandOptions *options, int argc, char **argv);

/* Setting up a zone (zone.c). */
extern int	cmd_units_import(PGconn *conn, const CommandOptions *options, int argc, char **argv);
extern int	cmd_people_import(PGconn *conn, const CommandOptions *options, int argc, char **argv);
extern int	cmd_period_open(PGconn *conn, const CommandOptions *options, int argc, char **argv);
extern int	cmd_period_close(PGconn *conn, const CommandOptions *options, int argc, char **argv);
extern int	cmd_period_reopen(PGconn *conn, const CommandOptions *options, int argc, char **argv);
extern int	cmd_bloc_create(PGconn *conn, const CommandOptions *options, int argc, char **argv);
extern int	cmd_bloc_show(PGconn *conn, const CommandOptions *options, int argc, char **argv);
extern int	cmd_bloc_settings(PGconn *conn, const CommandOptions *options, int argc, char **argv);
extern int	cmd_bloc_members(PGconn *conn, const CommandOptions *options, int argc, char **argv);
extern int	cmd_bloc_withdraw(PGconn *conn, const CommandOptions *options, int argc, char **argv);
extern int	cmd_bloc_remove(PGconn *conn, const CommandOptions *options, int argc, char **argv);
extern int	cmd_veto_add(PGconn *conn, const CommandOptions *options, int argc, char **argv);
extern int	cmd_veto_remove(PGconn *conn, const CommandOptions *options, int argc, char **argv);
extern int	cmd_recusal_add(PGconn *conn, const CommandOptions *options, int argc, char **argv);
extern int	cmd_pact_import(PGconn *conn, const CommandOptions *options, int argc, char **argv);

/* People's and units' records, the award catalog (records.c). */
extern int	cmd_records_import(PGconn *conn, const CommandOptions *options, int argc, char **argv);
extern int	cmd_awards(PGconn *conn, const CommandOptions *options, int argc, char **argv);

/* Rounds and nominations (nominations.c). */
extern bool cli_nomination_id(const char *text);
extern int	cmd_round_create(PGconn *conn, const CommandOptions *options, int argc, char **argv);
extern int	cmd_round_show(PGconn *conn, const CommandOptions *options, int argc, char **argv);
extern int	cmd_nominate(PGconn *conn, const CommandOptions *options, int argc, char **argv);
extern int	cmd_nominations_list(PGconn *conn, const CommandOptions *options, int argc, char **argv);
extern int	cmd_nominations_show(PGconn *conn, const CommandOptions *options, int argc, char **argv);
extern int	cmd_nominations_edit(PGconn *conn, const CommandOptions *options, int argc, char **argv);
extern int	cmd_nominations_dossier(PGconn *conn, const CommandOptions *options, int argc, char **argv);
extern int	cmd_nominations_step(PGconn *conn, const CommandOptions *options, int argc, char **argv);
extern int	cmd_nominations_approve(PGconn *conn, const CommandOptions *options, int argc, char **argv);
extern int	cmd_nominations_reject(PGconn *conn, const CommandOptions *options, int argc, char **argv);
extern int	cmd_nominations_disclose(PGconn *conn, const CommandOptions *options, int argc, char **argv);
extern int	cmd_nominations_comment(PGconn *conn, const CommandOptions *options, int argc, char **argv);
extern int	cmd_nominations_decide(PGconn *conn, const CommandOptions *options, int argc, char **argv);
extern int	cmd_nominations_award(PGconn *conn, const CommandOptions *options, int argc, char **argv);
extern int	cmd_nominations_revoke(PGconn *conn, const CommandOptions *options, int argc, char **argv);
extern int	cmd_awards_stats(PGconn *conn, const CommandOptions *options, int argc, char **argv);

/* The council, the vote, approval and quotas (council.c). */
extern int	cmd_council_members(PGconn *conn, const CommandOptions *options, int argc, char **argv);
extern int	cmd_council_set(PGconn *conn, const CommandOptions *options, int argc, char **argv);
extern int	cmd_council_vote(PGconn *conn, const CommandOptions *options, int argc, char **argv);
extern int	cmd_council_vote_written(PGconn *conn, const CommandOptions *options, int argc, char **argv);
extern int	cmd_council_tally(PGconn *conn, const CommandOptions *options, int argc, char **argv);
extern int	cmd_open_vote(PGconn *conn, const CommandOptions *options, int argc, char **argv);
extern int	cmd_close_vote(PGconn *conn, const CommandOptions *options, int argc, char **argv);
extern int	cmd_resolve_tie(PGconn *conn, const CommandOptions *options, int argc, char **argv);

/*
 * Listings as a table, CSV or JSON (eligibility.c): JSON is one array of row
 * objects the server builds, so that values keep their JSON types.
 */
extern int	cli_print_listing(PGconn *conn, const CommandOptions *options, const char *sql, int nparams,
							  const char *const *values);

#endif							/* THIDUA_CLI_H */
