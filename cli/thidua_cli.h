/*
 * thidua_cli.h
 *		Shared declarations of the thidua command-line client.
 */
#ifndef THIDUA_CLI_H
#define THIDUA_CLI_H

#include <stdbool.h>

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
 * Connects, sets a safe search_path and checks that the database's thidua
 * extension is the client's version; exits with a clear message otherwise.
 */
extern PGconn *cli_connect(const ConnectionOptions *options);

/* Exit code for a failure on conn: connection lost or plain error. */
extern int	cli_failure_code(PGconn *conn);

#endif							/* THIDUA_CLI_H */
