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
enum
{
	OPTION_HELP = 1000,
	OPTION_FORMAT,
	OPTION_NOTE,
	OPTION_REPLACE,
	OPTION_BLOC,
	OPTION_PERIOD,
	OPTION_REASON,
	OPTION_PUBLISHED,
	/* setting up a zone (zone.c) */
	OPTION_YEAR,
	OPTION_KIND,
	OPTION_CRITERIA,
	OPTION_METHOD,
	OPTION_TRIM,
	OPTION_QUORUM,
	OPTION_ROUNDING,
	OPTION_JUDGE,
	OPTION_DATE,
	OPTION_INTO
};

typedef struct Command
{
	const char *group;			/* "criteria", or NULL for a one-word command */
	const char *verb;
	int			min_args;		/* positional arguments after the command */
	int			max_args;
	CommandFunction run;
	const char *usage;
	const char *summary;
	const char *roles;			/* the thidua roles that may run it; NULL: anyone */
} Command;

static int	cmd_status(PGconn *conn, const CommandOptions *options, int argc, char **argv);

static const Command commands[] = {
	{NULL, "status", 0, 0, cmd_status, "status",
	"show the server, extension and client versions", NULL},
	{"criteria", "import", 1, 1, cmd_criteria_import, "criteria import FILE [--format json|csv] [--replace]",
	"import a criteria table as a new draft version", "thidua_admin"},
	{"criteria", "list", 0, 0, cmd_criteria_list, "criteria list [--format table|csv]",
	"list criteria versions with their status", NULL},
	{"criteria", "show", 1, 1, cmd_criteria_show, "criteria show VERSION [--format table|csv]",
	"show a version's settings, classes, history and items", NULL},
	{"criteria", "export", 1, 1, cmd_criteria_export, "criteria export VERSION [--format json|csv] [-o FILE]",
	"write a version as a file that import takes back", NULL},
	{"criteria", "diff", 2, 2, cmd_criteria_diff, "criteria diff VERSION_A VERSION_B [--format table|csv]",
	"items added, removed and changed between versions", NULL},
	{"criteria", "publish", 1, 1, cmd_criteria_publish, "criteria publish VERSION [--note TEXT]",
	"validate a draft and publish it (it never changes again)", "thidua_admin"},
	{"criteria", "clone", 1, 2, cmd_criteria_clone, "criteria clone VERSION [NEW_EDITION]",
	"copy a version into a new draft (default: the next year)", "thidua_admin"},
	{"criteria", "retire", 1, 1, cmd_criteria_retire, "criteria retire VERSION [--note TEXT]",
	"retire a published version (it stays readable)", "thidua_admin"},
	{"scores", "import", 1, 1, cmd_scores_import, "scores import FILE --bloc B --period P",
	"load a scores CSV (all or nothing)", "thidua_scorer (mapped to the judging units) or thidua_admin"},
	{"standings", "publish", 0, 0, cmd_standings_publish, "standings publish --bloc B --period P [--reason TEXT]",
	"freeze the standings (a correction needs a reason)", "thidua_admin"},
	{NULL, "standings", 0, 0, cmd_standings, "standings --bloc B --period P [--published] [--format table|csv|json]",
	"ranks, totals, classes and flags of a bloc or zone", "thidua_admin (live standings; thidua_reader reads them with --published)"},
	{NULL, "explain", 1, 1, cmd_explain, "explain UNIT --period P [--bloc B]",
	"why a unit stands where it does", "thidua_admin"},
	{NULL, "judges", 0, 0, cmd_judges, "judges --bloc B --period P",
	"how lenient each peer judge is (advisory)", "thidua_admin"},
	/* setting up a zone (zone.c) */
	{"units", "import", 1, 1, cmd_units_import, "units import FILE",
	"add or update units from a CSV (code,name,parent,kind)", "thidua_admin"},
	{"people", "import", 1, 1, cmd_people_import, "people import FILE",
	"add or update people, memberships and posts from a CSV", "thidua_admin"},
	{"period", "open", 1, 1, cmd_period_open, "period open PERIOD [--year YEAR]",
	"create an emulation period, open", "thidua_admin"},
	{"period", "close", 1, 1, cmd_period_close, "period close PERIOD [--reason TEXT]",
	"close a period: it becomes history", "thidua_admin"},
	{"period", "reopen", 1, 1, cmd_period_reopen, "period reopen PERIOD --reason TEXT",
	"reopen a closed period, on the record", "thidua_admin"},
	{"bloc", "create", 2, 2, cmd_bloc_create, "bloc create BLOC NAME [--kind bloc|zone]",
	"create a bloc or zone, or rename it", "thidua_admin"},
	{"bloc", "show", 1, 1, cmd_bloc_show, "bloc show BLOC [--period P] [--format table|csv]",
	"a bloc's settings and members, per period", "thidua_admin, thidua_scorer or thidua_reader"},
	{"bloc", "settings", 1, 1, cmd_bloc_settings,
		"bloc settings BLOC --period P [--criteria V] [--method M] [--trim N] [--quorum N] [--rounding R]",
	"set a bloc's criteria version, peer method, trim, quorum, result rounding", "thidua_admin"},
	{"bloc", "members", 1, 1, cmd_bloc_members, "bloc members FILE --bloc B --period P",
	"add members and their roles from a CSV (unit,role)", "thidua_admin"},
	{"bloc", "withdraw", 1, 1, cmd_bloc_withdraw,
		"bloc withdraw UNIT --bloc B --period P --date D --reason TEXT [--into UNIT]",
	"a member leaves during the year (withdrawn, or merged into a unit)", "thidua_admin"},
	{"bloc", "remove", 1, 1, cmd_bloc_remove, "bloc remove UNIT --bloc B --period P",
	"remove a member that nothing names yet", "thidua_admin"},
	{"veto", "add", 1, 1, cmd_veto_add, "veto add UNIT --bloc B --period P --reason TEXT",
	"cap a member's class by the version's veto", "thidua_admin"},
	{"veto", "remove", 1, 1, cmd_veto_remove, "veto remove UNIT --bloc B --period P --reason TEXT",
	"lift a veto (it stays on record)", "thidua_admin"},
	{"recusal", "add", 1, 1, cmd_recusal_add, "recusal add UNIT --judge J --bloc B --period P --reason TEXT",
	"a judge's scores of the unit do not count", "thidua_admin"},
	{"pact", "import", 1, 1, cmd_pact_import, "pact import FILE --bloc B --period P",
	"the pact's signing dates and targets from a CSV (unit,signed_on,target,value)", "thidua_admin"},
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
	for (const Command *command = commands; command->verb != NULL; command++)
		printf("  %s\n      %s\n", command->usage, command->summary);
	printf("\nCommand options:\n");
	printf("  --format=FORMAT          json, csv or table, as the command says\n");
	printf("  --note=TEXT              the reason recorded with a status change\n");
	printf("  -o, --output=FILE        write to FILE instead of standard output\n");
	printf("  --replace                let import replace a draft of the same version\n");
	printf("  --bloc=BLOC              the emulation bloc or zone\n");
	printf("  --period=PERIOD          the emulation period (year)\n");
	printf("  --reason=TEXT            why a published standing is corrected\n");
	printf("  --published              the latest published standings, not the live ones\n");
	printf("  --year=YEAR              the year of a period being opened\n");
	printf("  --kind=bloc|zone         a bloc (khối) or a zone (cụm, khu vực)\n");
	printf("  --criteria=VERSION       a bloc's criteria version (published)\n");
	printf("  --method=METHOD          peer method: mean, trimmed_mean or schulze\n");
	printf("  --trim=N                 judges dropped at each end under trimmed_mean\n");
	printf("  --quorum=N               peer judges a unit needs\n");
	printf("  --rounding=exact|N|default  how averaged results are rounded\n");
	printf("  --judge=UNIT             the judging member of a recusal\n");
	printf("  --date=DATE              the date a member left (YYYY-MM-DD)\n");
	printf("  --into=UNIT              the unit a leaving member merged into\n");
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

/* The command named by the first one or two words; *words says how many. */
static const Command *
FindCommand(int argc, char **argv, int *words)
{
	bool		group_known = false;

	/* "standings publish" before "standings" */
	for (const Command *command = commands; command->verb != NULL; command++)
	{
		if (command->group != NULL && strcmp(command->group, argv[0]) == 0)
		{
			group_known = true;
			if (argc > 1 && strcmp(command->verb, argv[1]) == 0)
			{
				*words = 2;
				return command;
			}
		}
	}
	for (const Command *command = commands; command->verb != NULL; command++)
	{
		if (command->group == NULL && strcmp(command->verb, argv[0]) == 0)
		{
			*words = 1;
			return command;
		}
	}
	if (group_known)
		cli_error(argc > 1 ? "unknown %s command \"%s\"" : "%s needs a command%s",
				  argv[0], argc > 1 ? argv[1] : "");
	else
		cli_error("unknown command \"%s\"", argv[0]);
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
		{"format", required_argument, NULL, OPTION_FORMAT},
		{"note", required_argument, NULL, OPTION_NOTE},
		{"output", required_argument, NULL, 'o'},
		{"replace", no_argument, NULL, OPTION_REPLACE},
		{"bloc", required_argument, NULL, OPTION_BLOC},
		{"period", required_argument, NULL, OPTION_PERIOD},
		{"reason", required_argument, NULL, OPTION_REASON},
		{"published", no_argument, NULL, OPTION_PUBLISHED},
		/* setting up a zone (zone.c) */
		{"year", required_argument, NULL, OPTION_YEAR},
		{"kind", required_argument, NULL, OPTION_KIND},
		{"criteria", required_argument, NULL, OPTION_CRITERIA},
		{"method", required_argument, NULL, OPTION_METHOD},
		{"trim", required_argument, NULL, OPTION_TRIM},
		{"quorum", required_argument, NULL, OPTION_QUORUM},
		{"rounding", required_argument, NULL, OPTION_ROUNDING},
		{"judge", required_argument, NULL, OPTION_JUDGE},
		{"date", required_argument, NULL, OPTION_DATE},
		{"into", required_argument, NULL, OPTION_INTO},
		{NULL, 0, NULL, 0}
	};
	ConnectionOptions connection = {0};
	CommandOptions options = {0};
	const Command *command;
	PGconn	   *conn;
	int			option;
	int			status;
	int			nargs;
	int			words = 0;

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
	while ((option = getopt_long(argc, argv, ":d:h:p:U:wWVo:", long_options, NULL)) != -1)
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
			case 'o':
				options.output = optarg;
				break;
			case OPTION_HELP:
				PrintHelp();
				return EXIT_OK;
			case OPTION_FORMAT:
				options.format = optarg;
				break;
			case OPTION_NOTE:
				options.note = optarg;
				break;
			case OPTION_REPLACE:
				options.replace = true;
				break;
			case OPTION_BLOC:
				options.bloc = optarg;
				break;
			case OPTION_PERIOD:
				options.period = optarg;
				break;
			case OPTION_REASON:
				options.reason = optarg;
				break;
			case OPTION_PUBLISHED:
				options.published = true;
				break;
				/* setting up a zone (zone.c) */
			case OPTION_YEAR:
				options.year = optarg;
				break;
			case OPTION_KIND:
				options.kind = optarg;
				break;
			case OPTION_CRITERIA:
				options.criteria = optarg;
				break;
			case OPTION_METHOD:
				options.method = optarg;
				break;
			case OPTION_TRIM:
				options.trim = optarg;
				break;
			case OPTION_QUORUM:
				options.quorum = optarg;
				break;
			case OPTION_ROUNDING:
				options.rounding = optarg;
				break;
			case OPTION_JUDGE:
				options.judge = optarg;
				break;
			case OPTION_DATE:
				options.date = optarg;
				break;
			case OPTION_INTO:
				options.into = optarg;
				break;
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
	command = FindCommand(argc - optind, argv + optind, &words);
	if (command == NULL)
		TryHelpAndExit();
	nargs = argc - optind - words;
	if (nargs < command->min_args || nargs > command->max_args)
	{
		cli_error("wrong number of arguments for \"%s%s%s\"", command->group ? command->group : "",
				  command->group ? " " : "", command->verb);
		fprintf(stderr, "Usage: %s [OPTION]... %s\n", progname, command->usage);
		TryHelpAndExit();
	}

	{
		static char name[64];

		snprintf(name, sizeof(name), "%s%s%s", command->group ? command->group : "",
				 command->group ? " " : "", command->verb);
		cli_command_name = name;
		cli_roles_needed = command->roles;
	}
	conn = cli_connect(&connection);
	status = command->run(conn, &options, nargs, argv + optind + words);
	PQfinish(conn);
	return status;
}

/* thidua status: where we are connected and which versions meet there. */
static int
cmd_status(PGconn *conn, const CommandOptions *options, int argc, char **argv)
{
	PGresult   *res;

	(void) options;
	(void) argc;
	(void) argv;
	res = cli_query(conn,
					"SELECT pg_catalog.current_database(), "
					"pg_catalog.current_setting('server_version'), "
					"thidua.version(), thidua.library_version(), current_user, "
					"(SELECT pg_catalog.string_agg(r.rolname, ', ' ORDER BY r.rolname) FROM pg_catalog.pg_roles r "
					" WHERE r.rolname OPERATOR(pg_catalog.=) ANY "
					"   ('{thidua_admin,thidua_scorer,thidua_reader,thidua_council}'::pg_catalog.text[]) "
					"   AND pg_catalog.pg_has_role(r.oid, 'USAGE'))",
					0, NULL);
	if (res == NULL)
		return cli_failure_code(conn);
	printf("database:   %s\n", PQgetvalue(res, 0, 0));
	printf("server:     PostgreSQL %s\n", PQgetvalue(res, 0, 1));
	printf("extension:  thidua %s (library %s)\n",
		   PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 3));
	printf("client:     thidua %s\n", THIDUA_VERSION);
	printf("user:       %s (%s)\n", PQgetvalue(res, 0, 4),
		   PQgetisnull(res, 0, 5) ? "no thidua role" : PQgetvalue(res, 0, 5));
	PQclear(res);
	return EXIT_OK;
}
