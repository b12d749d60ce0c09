/*
 * connection.c
 *		Connecting like PostgreSQL's own tools, and the extension version check.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "thidua_cli.h"

static void
VReport(const char *level, const char *fmt, va_list args)
{
	fprintf(stderr, "%s: %s: ", progname, level);
	vfprintf(stderr, fmt, args);
	fputc('\n', stderr);
}

char *
cli_strdup(const char *text)
{
	char	   *copy = strdup(text);

	if (copy == NULL)
	{
		fprintf(stderr, "%s: error: out of memory\n", progname);
		exit(EXIT_ERROR);
	}
	return copy;
}

void
cli_error(const char *fmt,...)
{
	va_list		args;

	va_start(args, fmt);
	VReport("error", fmt, args);
	va_end(args);
}

void
cli_detail(const char *fmt,...)
{
	va_list		args;

	va_start(args, fmt);
	VReport("detail", fmt, args);
	va_end(args);
}

void
cli_hint(const char *fmt,...)
{
	va_list		args;

	va_start(args, fmt);
	VReport("hint", fmt, args);
	va_end(args);
}

/* Prints one field of a server error, trimmed of its trailing newline. */
static void
ReportField(const char *level, const char *value)
{
	size_t		len;

	if (value == NULL || *value == '\0')
		return;
	len = strlen(value);
	while (len > 0 && value[len - 1] == '\n')
		len--;
	fprintf(stderr, "%s: %s: %.*s\n", progname, level, (int) len, value);
}

/* The first role named in a list such as "thidua_reader or thidua_admin". */
static const char *
FirstRole(const char *roles)
{
	static char first[64];
	size_t		len = strcspn(roles, " ,");

	if (len >= sizeof(first))
		len = sizeof(first) - 1;
	memcpy(first, roles, len);
	first[len] = '\0';
	return first;
}

/* The user name of the connection, for the GRANT in hints. */
static PGconn *report_conn = NULL;

static const char *
CurrentUserName(void)
{
	const char *user = report_conn != NULL ? PQuser(report_conn) : NULL;

	return user != NULL && *user != '\0' ? user : "your_login";
}

void
cli_report_result_with_context(const PGresult *res)
{
	cli_report_result(res);
	ReportField("context", PQresultErrorField(res, PG_DIAG_CONTEXT));
}

const char *cli_command_name = NULL;
const char *cli_roles_needed = NULL;

void
cli_report_result(const PGresult *res)
{
	const char *primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	const char *sqlstate = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	const char *hint = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT);

	ReportField("error", primary ? primary : PQresultErrorMessage(res));
	ReportField("detail", PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL));
	ReportField("hint", hint);
	/*
	 * PostgreSQL's own refusal of a privilege: say which role the command
	 * needs. thidua's workflow refusals (not a member of the council, not the
	 * secretary, recused, not acting for the unit) share the code but not the
	 * cure, and say theirs in their own detail.
	 */
	if (sqlstate != NULL && strcmp(sqlstate, "42501") == 0 && (hint == NULL || *hint == '\0') &&
		primary != NULL && strncmp(primary, "permission denied", strlen("permission denied")) == 0 &&
		cli_command_name != NULL)
	{
		if (cli_roles_needed != NULL)
			cli_hint("\"%s\" needs the role %s; a database administrator grants it with: GRANT %s TO %s;",
					 cli_command_name, cli_roles_needed, FirstRole(cli_roles_needed), CurrentUserName());
		else
			cli_hint("\"%s\" needs no thidua role; ask a database administrator about your privileges.",
					 cli_command_name);
	}
}

int
cli_failure_code(PGconn *conn)
{
	return PQstatus(conn) == CONNECTION_BAD ? EXIT_CONNECTION : EXIT_ERROR;
}

/* One connection attempt with the given password (NULL: libpq's own sources). */
static PGconn *
TryConnect(const ConnectionOptions *options, const char *password)
{
	const char *keywords[8];
	const char *values[8];
	int			n = 0;

	/* dbname first, so that explicit -h -p -U override what it expands to */
	keywords[n] = "dbname";
	values[n++] = options->dbname;
	keywords[n] = "host";
	values[n++] = options->host;
	keywords[n] = "port";
	values[n++] = options->port;
	keywords[n] = "user";
	values[n++] = options->username;
	keywords[n] = "password";
	values[n++] = password;
	keywords[n] = "fallback_application_name";
	values[n++] = progname;
	keywords[n] = NULL;
	values[n] = NULL;

	return PQconnectdbParams(keywords, values, true);
}

/* Runs a query that must return one row and one column; NULL when no row. */
static char *
QueryOneValue(PGconn *conn, const char *sql)
{
	PGresult   *res = PQexecParams(conn, sql, 0, NULL, NULL, NULL, NULL, 0);
	char	   *value = NULL;

	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		cli_report_result(res);
		PQclear(res);
		PQfinish(conn);
		exit(EXIT_ERROR);
	}
	if (PQntuples(res) > 0 && !PQgetisnull(res, 0, 0))
		value = cli_strdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return value;
}

/* Exits unless the database has thidua installed at exactly our version. */
static void
CheckExtensionVersion(PGconn *conn)
{
	char	   *installed;

	installed = QueryOneValue(conn,
							  "SELECT extversion FROM pg_catalog.pg_extension "
							  "WHERE extname OPERATOR(pg_catalog.=) 'thidua'");
	if (installed == NULL)
	{
		cli_error("the thidua extension is not installed in database \"%s\"",
				  PQdb(conn));
		cli_hint("A superuser can install it with: CREATE EXTENSION thidua;");
		PQfinish(conn);
		exit(EXIT_ERROR);
	}
	if (strcmp(installed, THIDUA_VERSION) != 0)
	{
		cli_error("the thidua extension in database \"%s\" is version %s, but this client is version %s",
				  PQdb(conn), installed, THIDUA_VERSION);
		cli_hint("Update the extension with ALTER EXTENSION thidua UPDATE, or use the thidua client of version %s.",
				 installed);
		PQfinish(conn);
		exit(EXIT_ERROR);
	}
	free(installed);
}

PGconn *
cli_connect(const ConnectionOptions *options)
{
	char	   *password = NULL;
	PGconn	   *conn;
	PGresult   *res;

	if (options->prompt == PROMPT_ALWAYS)
		password = cli_prompt_password("Password: ");

	for (;;)
	{
		conn = TryConnect(options, password);
		if (conn == NULL)
		{
			cli_error("out of memory");
			exit(EXIT_CONNECTION);
		}
		if (PQstatus(conn) == CONNECTION_BAD &&
			PQconnectionNeedsPassword(conn) &&
			password == NULL &&
			options->prompt != PROMPT_NEVER)
		{
			PQfinish(conn);
			password = cli_prompt_password("Password: ");
			continue;
		}
		break;
	}
	free(password);

	if (PQstatus(conn) == CONNECTION_BAD)
	{
		const char *message = PQerrorMessage(conn);
		size_t		len = strlen(message);

		while (len > 0 && message[len - 1] == '\n')
			len--;
		fprintf(stderr, "%s: error: %.*s\n", progname, (int) len, message);
		PQfinish(conn);
		exit(EXIT_CONNECTION);
	}

	/* Nothing below may resolve through a user-writable schema. */
	res = PQexec(conn, "SELECT pg_catalog.set_config('search_path', '', false)");
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		cli_report_result(res);
		PQclear(res);
		PQfinish(conn);
		exit(EXIT_ERROR);
	}
	PQclear(res);

	CheckExtensionVersion(conn);
	report_conn = conn;
	return conn;
}
