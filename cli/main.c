/*
 * main.c
 *		The thidua command-line client: option parsing and command dispatch.
 *
 * The client is thin on purpose: every rule lives in the extension, so this
 * program only moves files and parameters to SQL functions and prints results.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "thidua_cli.h"

const char *progname = "thidua";

/* Long-only options take codes outside the range of characters. */
#define OPTION_HELP 1000

typedef int (*CommandFunction) (PGconn *conn, int argc, char **argv);

typedef struct Command
{
	const char *name;
	int			min_args;		/* positional arguments after the name */
	int			max_args;
	CommandFunction run;
	const char *usage;
} Command;

static int	cmd_status(PGconn *conn, int argc, char **argv);

static const Command commands[] = {
	{"status", 0, 0, cmd_status, "status"},
	{NULL}
};

static void
PrintHelp(void)
{
	printf("%s is the command-line client of the thidua PostgreSQL extension:\n"
		   "emulation and commendation (thi đua, khen thưởng) for public agencies.\n\n",
		   progname);
	printf("Usage:\n  %s [OPTION]... COMMAND [ARG]...\n\n", progname);
	printf("Commands:\n");
	printf("  status                   show the server, extension and client versions\n");
	printf("\nGeneral options:\n");
	printf("  -V, --version            output version information, then exit\n");
	printf("  -?, --help               show this help, then exit\n");
	printf("\nConnection options:\n");
	printf("  -d, --dbname=DBNAME      database name, URI or connection string\n");
	printf("  -h, --host=HOSTNAME      database server host or socket directory\n");
	printf("  -p, --port=PORT          database server port\n");
	printf("  -U, --username=USERNAME  database user name\n");
	printf("  -w, --no-password        never prompt for password\n");
	printf("  -W, --password           force password prompt\n");
	printf("\nThe PG* environment variables (PGHOST, PGDATABASE, ...) apply as in psql.\n");
	printf("Exit status: 0 success, 1 error, 2 connection failure.\n");
}

static void
TryHelpAndExit(void)
{
	fprintf(stderr, "Try \"%s --help\" for more information.\n", progname);
	exit(EXIT_ERROR);
}

static const Command *
FindCommand(const char *name)
{
	for (const Command *command = commands; command->name != NULL; command++)
	{
		if (strcmp(command->name, name) == 0)
			return command;
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	static const struct option long_options[] = {
		{"dbname", required_argument, NULL, 'd'},
		{"host", required_argument, NULL, 'h'},
		{"port", required_argument, NULL, 'p'},
		{"username", required_argument, NULL, 'U'},
		{"no-password", no_argument, NULL, 'w'},
		{"password", no_argument, NULL, 'W'},
		{"version", no_argument, NULL, 'V'},
		{"help", no_argument, NULL, OPTION_HELP},
		{NULL, 0, NULL, 0}
	};
	ConnectionOptions connection = {0};
	const Command *command;
	PGconn	   *conn;
	int			option;
	int			status;
	int			nargs;

	connection.prompt = PROMPT_IF_NEEDED;

	/* --help and --version are honoured as the first argument, like psql. */
	if (argc > 1)
	{
		if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-?") == 0)
		{
			PrintHelp();
			return EXIT_OK;
		}
		if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0)
		{
			printf("%s (thidua) %s\n", progname, THIDUA_VERSION);
			return EXIT_OK;
		}
	}

	opterr = 0;					/* our own messages, naming thidua */
	while ((option = getopt_long(argc, argv, ":d:h:p:U:wWV", long_options, NULL)) != -1)
	{
		switch (option)
		{
			case 'd':
				connection.dbname = optarg;
				break;
			case 'h':
				connection.host = optarg;
				break;
			case 'p':
				connection.port = optarg;
				break;
			case 'U':
				connection.username = optarg;
				break;
			case 'w':
				connection.prompt = PROMPT_NEVER;
				break;
			case 'W':
				connection.prompt = PROMPT_ALWAYS;
				break;
			case 'V':
				printf("%s (thidua) %s\n", progname, THIDUA_VERSION);
				return EXIT_OK;
			case OPTION_HELP:
				PrintHelp();
				return EXIT_OK;
			case ':':
				cli_error("option \"%s\" requires an argument", argv[optind - 1]);
				TryHelpAndExit();
				break;
			default:
				if (optopt != 0 && optopt != ':' && optopt < OPTION_HELP)
					cli_error("invalid option \"-%c\"", optopt);
				else
					cli_error("invalid option \"%s\"", argv[optind - 1]);
				TryHelpAndExit();
		}
	}

	if (optind >= argc)
	{
		cli_error("no command given");
		TryHelpAndExit();
	}
	command = FindCommand(argv[optind]);
	if (command == NULL)
	{
		cli_error("unknown command \"%s\"", argv[optind]);
		TryHelpAndExit();
	}
	nargs = argc - optind - 1;
	if (nargs < command->min_args || nargs > command->max_args)
	{
		cli_error("wrong number of arguments for \"%s\"", command->name);
		fprintf(stderr, "Usage: %s [OPTION]... %s\n", progname, command->usage);
		TryHelpAndExit();
	}

	conn = cli_connect(&connection);
	status = command->run(conn, nargs, argv + optind + 1);
	PQfinish(conn);
	return status;
}

/* thidua status: where we are connected and which versions meet there. */
static int
cmd_status(PGconn *conn, int argc, char **argv)
{
	PGresult   *res;

	(void) argc;
	(void) argv;
	res = PQexecParams(conn,
					   "SELECT pg_catalog.current_database(), "
					   "pg_catalog.current_setting('server_version'), "
					   "thidua.version(), thidua.library_version()",
					   0, NULL, NULL, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		cli_report_result(res);
		PQclear(res);
		return cli_failure_code(conn);
	}
	printf("database:   %s\n", PQgetvalue(res, 0, 0));
	printf("server:     PostgreSQL %s\n", PQgetvalue(res, 0, 1));
	printf("extension:  thidua %s (library %s)\n",
		   PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 3));
	printf("client:     thidua %s\n", THIDUA_VERSION);
	PQclear(res);
	return EXIT_OK;
}
