/*
 * main.c
 *		The thidua command-line client: option parsing and command dispatch.
 *
 * The client is thin on purpose: every rule lives in the extension, so this
 * program only moves files and parameters to SQL functions and prints results.
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "thidua_cli.h"

const char *progname = "thidua";

/*
 * The options a command may take. Each command lists those it takes (and
 * those it cannot do without); any other is refused, so that nothing given
 * is silently ignored. A new option: a flag, a row below, a field of
 * CommandOptions and a case in SetOption. Flags are 64 bits: there are more
 * options than an int has bits.
 */
typedef uint64_t OptionFlag;

#define OPT_FORMAT ((OptionFlag) 1 << 0)
#define OPT_OUTPUT ((OptionFlag) 1 << 1)
#define OPT_EXPANDED ((OptionFlag) 1 << 2)
#define OPT_NOTE ((OptionFlag) 1 << 3)
#define OPT_REPLACE ((OptionFlag) 1 << 4)
#define OPT_BLOC ((OptionFlag) 1 << 5)
#define OPT_PERIOD ((OptionFlag) 1 << 6)
#define OPT_REASON ((OptionFlag) 1 << 7)
#define OPT_PUBLISHED ((OptionFlag) 1 << 8)
#define OPT_YEAR ((OptionFlag) 1 << 9)
#define OPT_KIND ((OptionFlag) 1 << 10)
#define OPT_CRITERIA ((OptionFlag) 1 << 11)
#define OPT_METHOD ((OptionFlag) 1 << 12)
#define OPT_TRIM ((OptionFlag) 1 << 13)
#define OPT_QUORUM ((OptionFlag) 1 << 14)
#define OPT_ROUNDING ((OptionFlag) 1 << 15)
#define OPT_JUDGE ((OptionFlag) 1 << 16)
#define OPT_DATE ((OptionFlag) 1 << 17)
#define OPT_INTO ((OptionFlag) 1 << 18)
#define OPT_AWARD ((OptionFlag) 1 << 19)
#define OPT_UNIT ((OptionFlag) 1 << 20)
#define OPT_WHY ((OptionFlag) 1 << 21)
#define OPT_SUBJECT ((OptionFlag) 1 << 22)
#define OPT_DRAFT ((OptionFlag) 1 << 23)
#define OPT_RULEBOOK ((OptionFlag) 1 << 24)
/* nominations and the council (nominations.c, council.c) */
#define OPT_TITLE ((OptionFlag) 1 << 25)
#define OPT_AUTHORITY ((OptionFlag) 1 << 26)
#define OPT_COUNCIL_UNIT ((OptionFlag) 1 << 27)
#define OPT_DEADLINE ((OptionFlag) 1 << 28)
#define OPT_MEETS_ON ((OptionFlag) 1 << 29)
#define OPT_ROUND ((OptionFlag) 1 << 30)
#define OPT_STATE ((OptionFlag) 1 << 31)
#define OPT_SUMMARY ((OptionFlag) 1 << 32)
#define OPT_EVIDENCE ((OptionFlag) 1 << 33)
#define OPT_ACHIEVEMENT ((OptionFlag) 1 << 34)
#define OPT_NUMBER ((OptionFlag) 1 << 35)
#define OPT_SIGNER ((OptionFlag) 1 << 36)
#define OPT_COMMENTER ((OptionFlag) 1 << 37)
#define OPT_FROM ((OptionFlag) 1 << 38)
#define OPT_TO ((OptionFlag) 1 << 39)
#define OPT_BY ((OptionFlag) 1 << 40)
#define OPT_FILE ((OptionFlag) 1 << 41)
#define OPT_SCOPE ((OptionFlag) 1 << 42)
#define OPT_CHOSEN ((OptionFlag) 1 << 43)
#define OPT_REFERENCE ((OptionFlag) 1 << 44)
#define OPT_MISSING ((OptionFlag) 1 << 45)

/* What a table-printing command takes besides its own options. */
#define OPT_TABLE (OPT_FORMAT | OPT_OUTPUT | OPT_EXPANDED)

typedef struct CommandOption
{
	OptionFlag	flag;
	const char *name;			/* --name */
	char		short_name;		/* -c, or 0 */
	const char *argument;		/* what it takes, or NULL */
	const char *help;
} CommandOption;

static const CommandOption command_options[] = {
	{OPT_BLOC, "bloc", 0, "BLOC", "the emulation bloc or zone"},
	{OPT_PERIOD, "period", 0, "PERIOD", "the emulation period (year)"},
	{OPT_PUBLISHED, "published", 0, NULL, "the latest published standings, not the live ones"},
	{OPT_REASON, "reason", 0, "TEXT", "the reason recorded: a correction, veto, reopening"},
	{OPT_NOTE, "note", 0, "TEXT", "the reason recorded with the status change"},
	{OPT_REPLACE, "replace", 0, NULL, "replace a draft of the same version"},
	{OPT_FORMAT, "format", 0, "FORMAT", NULL},	/* the help names the command's formats */
	{OPT_OUTPUT, "output", 'o', "FILE", "write to FILE instead of standard output"},
	{OPT_EXPANDED, "expanded", 'x', NULL, "one \"column | value\" line per field (psql's \\x)"},
	{OPT_YEAR, "year", 0, "YEAR", "a year: of a period, or the one judged"},
	{OPT_KIND, "kind", 0, "KIND", "bloc|zone; ratings|initiatives|awards|discipline"},
	{OPT_CRITERIA, "criteria", 0, "VERSION", "a bloc's criteria version (published)"},
	{OPT_METHOD, "method", 0, "METHOD", "peer method: mean, trimmed_mean or schulze"},
	{OPT_TRIM, "trim", 0, "N", "judges dropped at each end under trimmed_mean"},
	{OPT_QUORUM, "quorum", 0, "N", "peer judges a unit needs"},
	{OPT_ROUNDING, "rounding", 0, "R", "rounding of averages: exact, N decimals, default"},
	{OPT_JUDGE, "judge", 0, "UNIT", "the judging member of a recusal"},
	{OPT_DATE, "date", 0, "DATE", "a date, YYYY-MM-DD or DD/MM/YYYY"},
	{OPT_INTO, "into", 0, "UNIT", "the unit a leaving member merged into"},
	{OPT_AWARD, "award", 0, "AWARD", "an award of the catalog (LDTT, CSTDCS, ...)"},
	{OPT_UNIT, "unit", 0, "UNIT", "a unit, with its sub-units"},
	{OPT_WHY, "why", 0, NULL, "the evidence of each rule"},
	{OPT_SUBJECT, "subject", 0, "CODE", "a person (or unit, for a collective award)"},
	{OPT_DRAFT, "draft", 0, "VERSION", "a draft rulebook version, against the one in force"},
	{OPT_RULEBOOK, "rulebook", 0, "VERSION", "the rulebook version applied (default: in force)"},
	{OPT_TITLE, "title", 0, "TEXT", "the title of a nomination round"},
	{OPT_AUTHORITY, "authority", 0, "TEXT", "who decides the round's awards, in words"},
	{OPT_COUNCIL_UNIT, "council-unit", 0, "UNIT", "the unit whose council considers the round"},
	{OPT_DEADLINE, "deadline", 0, "DATE", "the last day to nominate, YYYY-MM-DD or DD/MM/YYYY"},
	{OPT_MEETS_ON, "meets-on", 0, "DATE", "the day the council meets, YYYY-MM-DD or DD/MM/YYYY"},
	{OPT_ROUND, "round", 0, "ROUND", "a nomination round"},
	{OPT_STATE, "state", 0, "STATE", "a nomination state (draft, checked, in_vote, ...)"},
	{OPT_SUMMARY, "summary", 0, "TEXT", "the summary of a nomination's achievements"},
	{OPT_EVIDENCE, "evidence", 0, "LINK", "a link to evidence (repeat for more)"},
	{OPT_ACHIEVEMENT, "achievement", 0, "KEY", "an achievement, or initiative:CODE (repeat for more)"},
	{OPT_NUMBER, "number", 0, "TEXT", "a decision's number"},
	{OPT_SIGNER, "signer", 0, "TEXT", "who signed the decision"},
	{OPT_COMMENTER, "commenter", 0, "NAME", "who sent a public comment"},
	{OPT_FROM, "from", 0, "YEAR", "the first year counted"},
	{OPT_TO, "to", 0, "YEAR", "the last year counted"},
	{OPT_BY, "by", 0, "KEY", "group by award, level, unit or year"},
	{OPT_FILE, "file", 0, "FILE", "a CSV file to read"},
	{OPT_SCOPE, "scope", 0, "SCOPE", "the tied quota's unit or bloc (default: the round)"},
	{OPT_CHOSEN, "chosen", 0, "IDS", "the nominations chosen, comma-separated (3,7)"},
	{OPT_REFERENCE, "reference", 0, "TEXT", "where a dossier document is: link, file or number"},
	{OPT_MISSING, "missing", 0, NULL, "mark the dossier item missing (default: present)"},
};
#define N_COMMAND_OPTIONS ((int) (sizeof(command_options) / sizeof(command_options[0])))

/* What an option means to one command, where the general help is too vague. */
typedef struct OptionHelp
{
	const char *command;
	OptionFlag	flag;
	const char *help;
} OptionHelp;

static const OptionHelp option_helps[] = {
	{"period open", OPT_YEAR, "the year of the period (default: from its name)"},
	{"bloc withdraw", OPT_DATE, "the date the member left, YYYY-MM-DD or DD/MM/YYYY"},
	{"eligible", OPT_YEAR, "the year judged"},
	{"eligibility", OPT_YEAR, "the year judged"},
	{"eligibility", OPT_DATE, "the judging date, YYYY-MM-DD or DD/MM/YYYY (default: 31 December of the year)"},
	{"forecast", OPT_YEAR, "the year whose rating is assumed to hold; the forecast is for the next"},
	{"forecast", OPT_SUBJECT, "show this person (or unit) only"},
	{"quota", OPT_YEAR, "the year judged"},
	{"whatif", OPT_YEAR, "the year judged"},
	{"eligible", OPT_UNIT, "a unit, with its sub-units (default: everyone)"},
	{"forecast", OPT_UNIT, "a unit, with its sub-units (default: everyone)"},
	{"whatif", OPT_UNIT, "a unit, with its sub-units (default: everyone)"},
	{"round create", OPT_AWARD, "the round's awards, comma-separated (BK-UBT,GK)"},
	{"round create", OPT_YEAR, "the year the awards are for"},
	{"round create", OPT_RULEBOOK, "the rulebook version applied (default: in force on 31 December of the year)"},
	{"nominate", OPT_UNIT, "the proposing unit"},
	{"nominate", OPT_SUBJECT, "the person (or unit, for a collective award) proposed"},
	{"nominate", OPT_REASON, "why a rule the rulebook lets be overridden is overridden (kept)"},
	{"nominations edit", OPT_REASON, "why a rule the rulebook lets be overridden is overridden (kept)"},
	{"nominations list", OPT_UNIT, "the proposing unit (or the unit proposed)"},
	{"nominations list", OPT_AWARD, "an award of the catalog"},
	{"nominations submit", OPT_REASON, "a note recorded in the event log"},
	{"nominations resubmit", OPT_REASON, "what changed, recorded in the event log"},
	{"nominations check", OPT_REASON, "a note recorded in the event log"},
	{"nominations return", OPT_REASON, "why it goes back (recorded)"},
	{"nominations withdraw", OPT_REASON, "why it is withdrawn (recorded)"},
	{"nominations approve", OPT_REASON, "a note recorded in the event log"},
	{"nominations reject", OPT_REASON, "why it is rejected (recorded)"},
	{"nominations resolve-tie", OPT_REASON, "the council's reason (recorded)"},
	{"nominations revoke", OPT_REASON, "why the award is revoked (recorded)"},
	{"nominations disclose", OPT_DATE, "the first day of the comment window (default: today)"},
	{"nominations comment", OPT_DATE, "the day the comment was received (default: today)"},
	{"nominations decide", OPT_DATE, "the decision's date, YYYY-MM-DD or DD/MM/YYYY"},
	{"nominations revoke", OPT_DATE, "the day the award is revoked, YYYY-MM-DD or DD/MM/YYYY"},
	{"nominations revoke", OPT_NUMBER, "the number of the revoking decision"},
	{"council members", OPT_FILE, "set the council from this CSV (role,name,council_role,person,unit)"},
};
#define N_OPTION_HELPS ((int) (sizeof(option_helps) / sizeof(option_helps[0])))

/* The help of an option for a command: its own, else the general one. */
static const char *
OptionHelpFor(const char *command, const CommandOption *option)
{
	for (int i = 0; i < N_OPTION_HELPS; i++)
		if (option_helps[i].flag == option->flag && strcmp(option_helps[i].command, command) == 0)
			return option_helps[i].help;
	return option->help;
}

/* Before running: --bloc and --period, where given, name a bloc and a period
 * that exist, and the bloc has settings for the period. */
#define CHECK_BLOC_PERIOD 1

/*
 * The commands. A new command is one row: its words, its arguments (words in
 * capitals, optional ones in brackets, which also give how many it takes), its
 * function, the options it takes and needs, its --format values (the default
 * first), the checks made before it runs, the roles that may run it (NULL:
 * anyone) and a line saying what it does.
 */
typedef struct Command
{
	const char *name;			/* "criteria import" */
	const char *arguments;		/* "VERSION [NEW_EDITION]" */
	CommandFunction run;
	OptionFlag	options;		/* OPT_... it takes */
	OptionFlag	required;		/* OPT_... it needs */
	const char *formats;		/* "table|csv", or NULL */
	unsigned	checks;			/* CHECK_... */
	const char *roles;
	const char *summary;
} Command;

static int	cmd_status(PGconn *conn, const CommandOptions *options, int argc, char **argv);

static const Command commands[] = {
	{"status", "", cmd_status, 0, 0, NULL, 0, NULL,
	"the server, extension and client versions; the user and its roles"},
	{"criteria import", "FILE", cmd_criteria_import, OPT_FORMAT | OPT_REPLACE, 0, "json|csv", 0, "thidua_admin",
	"import a criteria table as a new draft version"},
	{"criteria list", "", cmd_criteria_list, OPT_TABLE, 0, "table|csv", 0, NULL,
	"list criteria versions with their status"},
	{"criteria show", "VERSION", cmd_criteria_show, OPT_TABLE, 0, "table|csv", 0, NULL,
	"a version's settings, classes, history and items"},
	{"criteria export", "VERSION", cmd_criteria_export, OPT_FORMAT | OPT_OUTPUT, 0, "json|csv", 0, NULL,
	"write a version as a file that import takes back"},
	{"criteria diff", "VERSION_A VERSION_B", cmd_criteria_diff, OPT_TABLE, 0, "table|csv", 0, NULL,
	"items added, removed and changed between versions"},
	{"criteria publish", "VERSION", cmd_criteria_publish, OPT_NOTE, 0, NULL, 0, "thidua_admin",
	"validate a draft and publish it (it never changes)"},
	{"criteria clone", "VERSION [NEW_EDITION]", cmd_criteria_clone, 0, 0, NULL, 0, "thidua_admin",
	"copy a version into a new draft (default: next year)"},
	{"criteria retire", "VERSION", cmd_criteria_retire, OPT_NOTE, 0, NULL, 0, "thidua_admin",
	"retire a published version (it stays readable)"},
	{"rulebook import", "FILE", cmd_rulebook_import, OPT_REPLACE, 0, NULL, 0, "thidua_admin",
	"import a rulebook (JSON) as a new draft version"},
	{"rulebook list", "", cmd_rulebook_list, OPT_TABLE, 0, "table|csv|json", 0, NULL,
	"list rulebook versions with their dates and status"},
	{"rulebook show", "VERSION", cmd_rulebook_show, OPT_TABLE, 0, "table|csv|json", 0, NULL,
	"a version's dates, general rules, history, and each award's rules with their legal sources"},
	{"rulebook export", "VERSION", cmd_rulebook_export, OPT_OUTPUT, 0, NULL, 0, NULL,
	"write a version as a JSON file that import takes back"},
	{"rulebook diff", "VERSION_A VERSION_B", cmd_rulebook_diff, OPT_TABLE, 0, "table|csv|json", 0, NULL,
	"awards added, removed and changed between versions, each changed value by its path"},
	{"rulebook publish", "VERSION", cmd_rulebook_publish, OPT_NOTE, 0, NULL, 0, "thidua_admin",
	"validate a draft and publish it (refused when its dates overlap another published version)"},
	{"rulebook clone", "VERSION [EDITION]", cmd_rulebook_clone, 0, 0, NULL, 0, "thidua_admin",
	"copy a version into a new draft (default: next year)"},
	{"rulebook retire", "VERSION", cmd_rulebook_retire, OPT_NOTE, 0, NULL, 0, "thidua_admin",
	"retire a published version (it stays readable, never in force again)"},
	{"scores import", "FILE", cmd_scores_import, OPT_BLOC | OPT_PERIOD, OPT_BLOC | OPT_PERIOD, NULL,
		CHECK_BLOC_PERIOD, "thidua_scorer (mapped to the judging units) or thidua_admin",
	"load a scores CSV (all or nothing)"},
	{"standings", "", cmd_standings, OPT_TABLE | OPT_BLOC | OPT_PERIOD | OPT_PUBLISHED, OPT_BLOC | OPT_PERIOD,
		"table|csv|json", CHECK_BLOC_PERIOD,
		"thidua_admin (live standings; thidua_reader reads them with --published)",
	"ranks, totals, classes and flags of a bloc or zone"},
	{"standings publish", "", cmd_standings_publish, OPT_BLOC | OPT_PERIOD | OPT_REASON, OPT_BLOC | OPT_PERIOD,
		NULL, CHECK_BLOC_PERIOD, "thidua_admin",
	"freeze the standings (a correction needs a reason)"},
	{"explain", "UNIT", cmd_explain, OPT_EXPANDED | OPT_PERIOD | OPT_BLOC, OPT_PERIOD, NULL, CHECK_BLOC_PERIOD,
		"thidua_admin",
	"why a unit stands where it does"},
	{"judges", "", cmd_judges, OPT_TABLE | OPT_BLOC | OPT_PERIOD, OPT_BLOC | OPT_PERIOD, "table|csv",
		CHECK_BLOC_PERIOD, "thidua_admin",
	"how lenient each peer judge is (advisory)"},
	/* setting up a zone (zone.c) */
	{"units import", "FILE", cmd_units_import, 0, 0, NULL, 0, "thidua_admin",
	"add or update units from a CSV (code,name,parent,kind)"},
	{"people import", "FILE", cmd_people_import, 0, 0, NULL, 0, "thidua_admin",
	"add or update people, memberships and posts from a CSV"},
	{"period open", "PERIOD", cmd_period_open, OPT_YEAR, 0, NULL, 0, "thidua_admin",
	"create an emulation period, open"},
	{"period close", "PERIOD", cmd_period_close, OPT_REASON, 0, NULL, 0, "thidua_admin",
	"close a period: it becomes history"},
	{"period reopen", "PERIOD", cmd_period_reopen, OPT_REASON, OPT_REASON, NULL, 0, "thidua_admin",
	"reopen a closed period, on the record"},
	{"bloc create", "BLOC NAME", cmd_bloc_create, OPT_KIND, 0, NULL, 0, "thidua_admin",
	"create a bloc or zone, or rename it"},
	{"bloc show", "BLOC", cmd_bloc_show, OPT_TABLE | OPT_PERIOD, 0, "table|csv", 0,
		"thidua_admin, thidua_scorer or thidua_reader",
	"a bloc's settings and members, per period"},
	{"bloc settings", "BLOC", cmd_bloc_settings,
		OPT_PERIOD | OPT_CRITERIA | OPT_METHOD | OPT_TRIM | OPT_QUORUM | OPT_ROUNDING, OPT_PERIOD, NULL, 0,
		"thidua_admin",
	"set a bloc's criteria version, peer method, trim, quorum, rounding"},
	{"bloc members", "FILE", cmd_bloc_members, OPT_BLOC | OPT_PERIOD, OPT_BLOC | OPT_PERIOD, NULL, 0, "thidua_admin",
	"add members and their roles from a CSV (unit,role)"},
	{"bloc withdraw", "UNIT", cmd_bloc_withdraw, OPT_BLOC | OPT_PERIOD | OPT_DATE | OPT_REASON | OPT_INTO,
		OPT_BLOC | OPT_PERIOD | OPT_DATE | OPT_REASON, NULL, CHECK_BLOC_PERIOD, "thidua_admin",
	"a member leaves during the year (withdrawn, or merged)"},
	{"bloc remove", "UNIT", cmd_bloc_remove, OPT_BLOC | OPT_PERIOD, OPT_BLOC | OPT_PERIOD, NULL, CHECK_BLOC_PERIOD, "thidua_admin",
	"remove a member that nothing names yet"},
	{"veto add", "UNIT", cmd_veto_add, OPT_BLOC | OPT_PERIOD | OPT_REASON, OPT_BLOC | OPT_PERIOD | OPT_REASON, NULL, CHECK_BLOC_PERIOD, "thidua_admin",
	"cap a member's class by the version's veto"},
	{"veto remove", "UNIT", cmd_veto_remove, OPT_BLOC | OPT_PERIOD | OPT_REASON, OPT_BLOC | OPT_PERIOD | OPT_REASON, NULL, CHECK_BLOC_PERIOD,
		"thidua_admin",
	"lift a veto (it stays on record)"},
	{"recusal add", "UNIT", cmd_recusal_add, OPT_BLOC | OPT_PERIOD | OPT_JUDGE | OPT_REASON, OPT_BLOC | OPT_PERIOD | OPT_JUDGE | OPT_REASON, NULL,
		CHECK_BLOC_PERIOD, "thidua_admin",
	"a judge's scores of the unit do not count"},
	{"pact import", "FILE", cmd_pact_import, OPT_BLOC | OPT_PERIOD, OPT_BLOC | OPT_PERIOD, NULL, CHECK_BLOC_PERIOD, "thidua_admin",
	"the pact's signing dates and targets from a CSV"},
	/* people's and units' records, the award catalog (records.c) */
	{"records import", "FILE", cmd_records_import, OPT_KIND, 0, NULL, 0, "thidua_admin",
	"ratings, initiatives, awards or discipline from a CSV (all or nothing)"},
	{"awards", "", cmd_awards, OPT_TABLE, 0, "table|csv|json", 0, NULL,
	"the award catalog: titles and forms, subject, level, ladder"},
	{"eligible", "", cmd_eligible, OPT_TABLE | OPT_AWARD | OPT_YEAR | OPT_UNIT | OPT_WHY | OPT_RULEBOOK,
		OPT_AWARD | OPT_YEAR,
	"table|csv|json", 0, "thidua_admin, thidua_scorer (its own people)",
	"who is eligible for an award in a year, in a unit and its sub-units, with the evidence on demand"},
	{"eligibility", "", cmd_eligibility, OPT_TABLE | OPT_SUBJECT | OPT_AWARD | OPT_YEAR | OPT_RULEBOOK | OPT_DATE,
		OPT_SUBJECT | OPT_AWARD | OPT_YEAR,
	"table|csv|json", 0, "thidua_admin, thidua_scorer (its own people)",
	"one person's (or unit's) eligibility for an award: each rule, passed or not, its evidence and legal source"},
	{"forecast", "", cmd_forecast, OPT_TABLE | OPT_AWARD | OPT_YEAR | OPT_UNIT | OPT_SUBJECT | OPT_RULEBOOK,
		OPT_AWARD | OPT_YEAR,
	"table|csv|json", 0, "thidua_admin, thidua_scorer (its own people)",
	"who becomes eligible next year if this year's rating holds, and what the others still lack"},
	{"quota", "", cmd_quota, OPT_TABLE | OPT_AWARD | OPT_UNIT | OPT_YEAR | OPT_RULEBOOK, OPT_AWARD | OPT_UNIT | OPT_YEAR,
	"table|csv|json", 0, "thidua_admin, thidua_scorer",
	"how many of a unit may be proposed for an award, with the arithmetic and its legal source"},
	{"whatif", "", cmd_whatif, OPT_TABLE | OPT_DRAFT | OPT_AWARD | OPT_YEAR | OPT_UNIT, OPT_DRAFT | OPT_AWARD | OPT_YEAR,
	"table|csv|json", 0, "thidua_admin, thidua_scorer (its own people)",
	"who gains and who loses eligibility under a draft rulebook, and the rule that made the difference"},
	/* rounds, nominations, the council and the registry (nominations.c, council.c) */
	{"round create", "ROUND", cmd_round_create,
		OPT_TITLE | OPT_YEAR | OPT_AUTHORITY | OPT_COUNCIL_UNIT | OPT_DEADLINE | OPT_AWARD | OPT_RULEBOOK | OPT_MEETS_ON,
		OPT_TITLE | OPT_YEAR | OPT_AUTHORITY | OPT_COUNCIL_UNIT | OPT_DEADLINE | OPT_AWARD, NULL, 0, "thidua_admin",
	"open a nomination round: awards, year, deciding authority, deadline, council unit"},
	{"round show", "ROUND", cmd_round_show, OPT_TABLE, 0, "table|csv|json", 0,
		"thidua_reader, thidua_council, thidua_scorer or thidua_admin",
	"a round's settings, its vote, and its nominations counted by award and state"},
	{"nominate", "", cmd_nominate,
		OPT_ROUND | OPT_AWARD | OPT_SUBJECT | OPT_UNIT | OPT_SUMMARY | OPT_EVIDENCE | OPT_ACHIEVEMENT | OPT_REASON,
		OPT_ROUND | OPT_AWARD | OPT_SUBJECT | OPT_UNIT, NULL, 0,
		"thidua_scorer (acting for the proposing unit) or thidua_admin",
	"propose a person or unit for an award of a round (a draft, with the dossier items the rulebook requires)"},
	{"nominations list", "", cmd_nominations_list, OPT_TABLE | OPT_ROUND | OPT_STATE | OPT_UNIT | OPT_AWARD, 0,
		"table|csv|json", 0,
		"thidua_reader (decided ones), thidua_council (its rounds', from checked on), thidua_scorer (its units'), thidua_admin (all)",
	"nominations with their state and flags (duplicate achievement, over quota, overridden)"},
	{"nominations show", "ID", cmd_nominations_show, OPT_TABLE, 0, "table|csv|json", 0,
		"thidua_reader (decided ones), thidua_council (its rounds', from checked on), thidua_scorer (its units'), thidua_admin (all)",
	"a nomination, its dossier, its eligibility as checked, its tally, comments and event log"},
	{"nominations edit", "ID", cmd_nominations_edit, OPT_SUMMARY | OPT_EVIDENCE | OPT_ACHIEVEMENT | OPT_REASON, 0, NULL, 0,
		"thidua_scorer (acting for the proposing unit) or thidua_admin",
	"change a draft or returned nomination's summary, evidence, achievements or override reason"},
	{"nominations dossier", "ID ITEM", cmd_nominations_dossier, OPT_REFERENCE | OPT_MISSING, 0, NULL, 0,
		"thidua_scorer (acting for the proposing unit) or thidua_admin",
	"mark a dossier item of a draft or returned nomination present (with where it is) or missing"},
	{"nominations submit", "ID", cmd_nominations_step, OPT_REASON, 0, NULL, 0,
		"thidua_scorer (acting for the proposing unit) or thidua_admin",
	"submit a draft nomination"},
	{"nominations return", "ID", cmd_nominations_step, OPT_REASON, OPT_REASON, NULL, 0, "thidua_admin",
	"return a submitted nomination to its proposer, with the reason"},
	{"nominations resubmit", "ID", cmd_nominations_step, OPT_REASON, 0, NULL, 0,
		"thidua_scorer (acting for the proposing unit) or thidua_admin",
	"submit a returned nomination again (refused unless its dossier changed)"},
	{"nominations check", "ID", cmd_nominations_step, OPT_REASON, 0, NULL, 0, "thidua_admin",
	"check the dossier and eligibility; the result is stored as it stands today"},
	{"nominations disclose", "ID", cmd_nominations_disclose, OPT_DATE, 0, NULL, 0, "thidua_admin",
	"open the public comment window of a checked nomination (awards whose rulebook requires it)"},
	{"nominations comment", "ID TEXT", cmd_nominations_comment, OPT_DATE | OPT_COMMENTER, 0, NULL, 0, "thidua_admin",
	"record a public comment received on a disclosed nomination"},
	{"nominations open-vote", "ROUND", cmd_open_vote, 0, 0, NULL, 0, "thidua_admin",
	"open the council's vote of a round: its checked (and disclosed) ballot nominations go in vote"},
	{"nominations close-vote", "ROUND", cmd_close_vote, 0, 0, NULL, 0, "thidua_admin",
	"close the vote: tallies stored, passed nominations approved within the quota, the others rejected"},
	{"nominations approve", "ID", cmd_nominations_approve, OPT_REASON, 0, NULL, 0, "thidua_admin",
	"approve a nomination of an award without a ballot"},
	{"nominations reject", "ID", cmd_nominations_reject, OPT_REASON, OPT_REASON, NULL, 0, "thidua_admin",
	"reject a nomination of an award without a ballot, with the reason"},
	{"nominations resolve-tie", "ROUND", cmd_resolve_tie, OPT_AWARD | OPT_SCOPE | OPT_CHOSEN | OPT_REASON,
		OPT_AWARD | OPT_CHOSEN | OPT_REASON, NULL, 0, "thidua_admin",
	"decide a tie at a quota's cut: the chosen are approved, the others rejected over quota"},
	{"nominations decide", "ID", cmd_nominations_decide, OPT_NUMBER | OPT_DATE | OPT_SIGNER,
		OPT_NUMBER | OPT_DATE | OPT_SIGNER, NULL, 0, "thidua_admin",
	"record the decision of an approved nomination: number, date, signer"},
	{"nominations award", "ID", cmd_nominations_award, 0, 0, NULL, 0, "thidua_admin",
	"enter a decided nomination's award in the registry"},
	{"nominations withdraw", "ID", cmd_nominations_step, OPT_REASON, OPT_REASON, NULL, 0,
		"thidua_scorer (acting for the proposing unit) or thidua_admin",
	"withdraw a nomination before the vote, with the reason"},
	{"nominations revoke", "ID", cmd_nominations_revoke, OPT_DATE | OPT_REASON | OPT_NUMBER,
		OPT_DATE | OPT_REASON | OPT_NUMBER, NULL, 0, "thidua_admin",
	"revoke an award: the registry keeps it, marked, with the reason and the decision"},
	{"council members", "ROUND", cmd_council_members, OPT_TABLE | OPT_FILE, 0, "table|csv|json", 0,
		"thidua_council (reads its rounds'), thidua_admin (reads all, sets)",
	"a round's council; with --file, set it from a CSV (role,name,council_role,person,unit)"},
	{"council set", "ROUND FILE", cmd_council_set, 0, 0, NULL, 0, "thidua_admin",
	"set a round's council from a CSV (role,name,council_role,person,unit); refused once the vote opened"},
	{"council vote", "ID CHOICE", cmd_council_vote, 0, 0, NULL, 0, "thidua_council (a member of the round's council)",
	"vote yes, no or abstain on a nomination in vote, as the connected member (once)"},
	{"council vote-written", "ID MEMBER CHOICE", cmd_council_vote_written, 0, 0, NULL, 0,
		"thidua_council (the round's secretary)",
	"enter the written vote (yes, no or abstain) of an absent member"},
	{"council tally", "ROUND", cmd_council_tally, OPT_TABLE, 0, "table|csv|json", 0,
		"thidua_council (the round's members) or thidua_admin",
	"per nomination: members, recused, base, yes, no, abstain, not voted, written, threshold, required, passed (after the vote closes)"},
	{"awards list", "", cmd_awards, OPT_TABLE, 0, "table|csv|json", 0, NULL,
	"the award catalog (as \"thidua awards\")"},
	{"awards stats", "", cmd_awards_stats, OPT_TABLE | OPT_FROM | OPT_TO | OPT_BY, OPT_FROM | OPT_TO, "table|csv|json",
		0, "thidua_reader, thidua_council or thidua_admin",
	"awards given and revoked, with the shares to front-line workers and small collectives"},
	{NULL}
};

/* Where help text wraps. */
#define HELP_WIDTH 80

/* Prints text from column `column`, wrapping at spaces under column `indent`. */
static void
PrintWrapped(FILE *out, const char *text, int column, int indent)
{
	const char *word = text;

	while (*word)
	{
		size_t		length = strcspn(word, " ");
		int			width;
		char	   *piece = strndup(word, length);

		if (piece == NULL)
			exit(EXIT_ERROR);
		width = cli_display_width(piece);
		if (column > indent && column + 1 + width > HELP_WIDTH)
		{
			fprintf(out, "\n%*s", indent, "");
			column = indent;
		}
		else if (word != text)
		{
			fputc(' ', out);
			column++;
		}
		fputs(piece, out);
		column += width;
		free(piece);
		word += length;
		while (*word == ' ')
			word++;
	}
	fputc('\n', out);
}

/* "--bloc=BLOC", "-o FILE", "-x", "--format=table|csv" */
static void
OptionSynopsis(const Command *command, const CommandOption *option, char *buffer, size_t size)
{
	const char *argument = option->flag == OPT_FORMAT && command->formats ? command->formats : option->argument;

	if (option->short_name != 0)
		snprintf(buffer, size, "-%c%s%s", option->short_name, argument ? " " : "", argument ? argument : "");
	else
		snprintf(buffer, size, "--%s%s%s", option->name, argument ? "=" : "", argument ? argument : "");
}

/* The command's synopsis, after lead ("  " or "Usage: "). */
static void
PrintCommandUsage(FILE *out, const char *lead, const Command *command)
{
	char		usage[1024];
	size_t		used;

	used = snprintf(usage, sizeof(usage), "%s [OPTION]... %s%s%s", progname, command->name,
					*command->arguments ? " " : "", command->arguments);
	/* the options it needs, then those it may take */
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < N_COMMAND_OPTIONS; i++)
		{
			const CommandOption *option = &command_options[i];
			bool		needed = (command->required & option->flag) != 0;
			char		synopsis[128];

			if ((command->options & option->flag) == 0 || needed != (pass == 0))
				continue;
			OptionSynopsis(command, option, synopsis, sizeof(synopsis));
			used += snprintf(usage + used, sizeof(usage) - used, needed ? " %s" : " [%s]", synopsis);
			if (used >= sizeof(usage))
				used = sizeof(usage) - 1;
		}
	fputs(lead, out);
	PrintWrapped(out, usage, (int) strlen(lead), (int) strlen(lead) + (int) strlen(progname) + 1);
}

/*
 * "table|csv|json" as "table (the default), csv or json" (with_default), or
 * as "table, csv or json"; an import goes by the file's name.
 */
static void
FormatsText(const Command *command, bool with_default, char *buffer, size_t size)
{
	char		formats[128];
	const char *names[8] = {""};
	int			count = 0;
	size_t		used;
	bool		import = strstr(command->name, " import") != NULL;

	snprintf(formats, sizeof(formats), "%s", command->formats);
	for (char *format = strtok(formats, "|"); format != NULL && count < 8; format = strtok(NULL, "|"))
		names[count++] = format;
	used = snprintf(buffer, size, "%s", names[0]);
	if (with_default && !import && used < size)
		used += snprintf(buffer + used, size - used, " (the default)");
	for (int i = 1; i < count && used < size; i++)
		used += snprintf(buffer + used, size - used, "%s%s", i == count - 1 ? " or " : ", ", names[i]);
	if (with_default && import && used < size)
		snprintf(buffer + used, size - used, " (default: from the file name, .json or .csv)");
}

/* thidua COMMAND --help */
static void
PrintCommandHelp(const Command *command)
{
	printf("%s %s: ", progname, command->name);
	PrintWrapped(stdout, command->summary, (int) strlen(progname) + (int) strlen(command->name) + 3, 2);
	printf("\nUsage:\n");
	PrintCommandUsage(stdout, "  ", command);
	if (command->options != 0)
	{
		printf("\nOptions:\n");
		for (int i = 0; i < N_COMMAND_OPTIONS; i++)
		{
			const CommandOption *option = &command_options[i];
			char		synopsis[128];
			char		help[256];

			if ((command->options & option->flag) == 0)
				continue;
			if (option->short_name != 0)
				snprintf(synopsis, sizeof(synopsis), "-%c, --%s%s%s", option->short_name, option->name,
						 option->argument ? "=" : "", option->argument ? option->argument : "");
			else
				snprintf(synopsis, sizeof(synopsis), "--%s%s%s", option->name,
						 option->argument ? "=" : "", option->argument ? option->argument : "");
			printf("  %-24s", synopsis);
			if (strlen(synopsis) > 23)
				printf("\n%26s", "");
			if (option->flag == OPT_FORMAT)
				FormatsText(command, true, help, sizeof(help));
			else
				snprintf(help, sizeof(help), "%s%s", OptionHelpFor(command->name, option),
						 (command->required & option->flag) != 0 ? " (required)" : "");
			printf(" ");
			PrintWrapped(stdout, help, 27, 27);
		}
	}
	printf("\nRoles: ");
	PrintWrapped(stdout, command->roles ? command->roles : "any (no thidua role needed)", 7, 7);
	printf("\nConnection and general options: see \"%s --help\".\n", progname);
}

/* Commands whose first word is group (all when NULL), name and summary. */
static void
PrintCommandList(const char *group)
{
	size_t		group_length = group ? strlen(group) : 0;
	int			width = 20;		/* the longest name listed and two spaces, at least 20 */

	for (int pass = 0; pass < 2; pass++)
		for (const Command *command = commands; command->name != NULL; command++)
		{
			if (group != NULL && (strncmp(command->name, group, group_length) != 0 ||
								  command->name[group_length] != ' '))
				continue;
			if (pass == 0)
			{
				if ((int) strlen(command->name) + 2 > width)
					width = (int) strlen(command->name) + 2;
				continue;
			}
			printf("  %-*s", width, command->name);
			PrintWrapped(stdout, command->summary, width + 2, width + 2);
		}
}

static void
PrintHelp(void)
{
	printf("%s is the command-line client of the thidua PostgreSQL extension:\n"
		   "emulation and commendation (thi đua, khen thưởng) for public agencies.\n\n",
		   progname);
	printf("Usage:\n  %s [OPTION]... COMMAND [ARG]...\n\n", progname);
	printf("Commands:\n");
	PrintCommandList(NULL);
	printf("\n\"%s COMMAND --help\" shows a command's arguments, options and roles.\n", progname);
	printf("\nCommand options (each command takes those its --help lists):\n");
	for (int i = 0; i < N_COMMAND_OPTIONS; i++)
	{
		const CommandOption *option = &command_options[i];
		char		synopsis[128];

		if (option->short_name != 0)
			snprintf(synopsis, sizeof(synopsis), "-%c, --%s%s%s", option->short_name, option->name,
					 option->argument ? "=" : "", option->argument ? option->argument : "");
		else
			snprintf(synopsis, sizeof(synopsis), "--%s%s%s", option->name,
					 option->argument ? "=" : "", option->argument ? option->argument : "");
		printf("  %-24s %s\n", synopsis,
			   option->help ? option->help : "json, csv or table, as the command says");
	}
	printf("\nGeneral options:\n");
	printf("  -V, --version            output version information, then exit\n");
	printf("  -?, --help               show this help (after a command: its help), then exit\n");
	printf("\nConnection options:\n");
	printf("  -d, --dbname=DBNAME      database name, URI or connection string\n");
	printf("  -h, --host=HOSTNAME      database server host or socket directory\n");
	printf("  -p, --port=PORT          database server port\n");
	printf("  -U, --username=USERNAME  database user name\n");
	printf("  -w, --no-password        never prompt for password\n");
	printf("  -W, --password           force password prompt\n");
	printf("\nThe PG* environment variables (PGHOST, PGDATABASE, ...) apply as in psql.\n");
	printf("Tables print like psql's; they turn to the expanded form (-x) on a terminal\n"
		   "too narrow for them. Control characters in values print escaped (\\x1B).\n");
	printf("Exit status: 0 success, 1 error, 2 connection failure.\n");
}

static void
TryHelpAndExit(const Command *command)
{
	if (command != NULL)
		fprintf(stderr, "Try \"%s %s --help\" for more information.\n", progname, command->name);
	else
		fprintf(stderr, "Try \"%s --help\" for more information.\n", progname);
	exit(EXIT_ERROR);
}

/* Does word number `index` (0-based) of name equal word? */
static bool
NameWordIs(const char *name, int index, const char *word)
{
	size_t		length;

	for (; index > 0; index--)
	{
		name = strchr(name, ' ');
		if (name == NULL)
			return false;
		name++;
	}
	length = strcspn(name, " ");
	return strlen(word) == length && strncmp(name, word, length) == 0;
}

static int
NameWords(const char *name)
{
	int			words = 1;

	for (; *name; name++)
		words += *name == ' ';
	return words;
}

/*
 * The command named by the first words of argv (the longest match, so
 * "standings publish" before "standings"); *words says how many. NULL with
 * *group set when argv[0] is only the first word of commands ("criteria").
 */
static const Command *
FindCommand(int argc, char **argv, int *words, bool *group)
{
	const Command *found = NULL;

	*group = false;
	*words = 0;
	for (const Command *command = commands; command->name != NULL; command++)
	{
		int			n = NameWords(command->name);
		bool		match = n <= argc;

		for (int i = 0; match && i < n; i++)
			match = NameWordIs(command->name, i, argv[i]);
		if (match && n > *words)
		{
			found = command;
			*words = n;
		}
		if (n > 1 && NameWordIs(command->name, 0, argv[0]))
			*group = true;
	}
	return found;
}

/* How many positional arguments "VERSION [NEW_EDITION]" allows. */
static void
CountArguments(const char *arguments, int *min_args, int *max_args)
{
	*min_args = *max_args = 0;
	while (*arguments)
	{
		while (*arguments == ' ')
			arguments++;
		if (*arguments == '\0')
			break;
		if (*arguments != '[')
			(*min_args)++;
		(*max_args)++;
		arguments += strcspn(arguments, " ");
	}
}

/* "a", "a and b", "a, b and c" */
static void
JoinNames(char *buffer, size_t size, const char *const *names, int count)
{
	size_t		used = 0;

	buffer[0] = '\0';
	for (int i = 0; i < count && used < size; i++)
		used += snprintf(buffer + used, size - used, "%s%s", i == 0 ? "" : i == count - 1 ? " and " : ", ",
						 names[i]);
}

/*
 * --bloc and --period name a bloc and a period that exist, and the bloc has
 * settings for the period: otherwise an error naming which, exit 1. A role
 * that may not read blocs is left to the command, whose refusal names the
 * role it needs.
 */
static int
CheckBlocAndPeriod(PGconn *conn, const CommandOptions *options)
{
	const char *values[2] = {options->bloc, options->period};
	PGresult   *res;
	int			status = EXIT_OK;

	res = PQexecParams(conn,
					   "SELECT EXISTS (SELECT 1 FROM thidua.bloc WHERE bloc_code OPERATOR(pg_catalog.=) $1), "
					   "EXISTS (SELECT 1 FROM thidua.period WHERE period_code OPERATOR(pg_catalog.=) $2), "
					   "EXISTS (SELECT 1 FROM thidua.bloc_period WHERE bloc_code OPERATOR(pg_catalog.=) $1 "
					   "  AND period_code OPERATOR(pg_catalog.=) $2), "
					   "(SELECT pg_catalog.string_agg(b.bloc_code, ', ' ORDER BY b.bloc_code) || "
					   "   CASE WHEN (SELECT pg_catalog.count(*) FROM thidua.bloc) > 8 THEN ', ...' ELSE '' END "
					   " FROM (SELECT bloc_code FROM thidua.bloc ORDER BY bloc_code LIMIT 8) b), "
					   "(SELECT pg_catalog.string_agg(p.period_code, ', ' ORDER BY p.period_code) "
					   " FROM thidua.period p), "
					   "(SELECT pg_catalog.string_agg(bp.period_code, ', ' ORDER BY bp.period_code) "
					   " FROM thidua.bloc_period bp WHERE bp.bloc_code OPERATOR(pg_catalog.=) $1)",
					   2, NULL, values, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		const char *sqlstate = PQresultErrorField(res, PG_DIAG_SQLSTATE);

		if (sqlstate == NULL || strcmp(sqlstate, "42501") != 0)
		{
			cli_report_result(res);
			status = cli_failure_code(conn);
		}
	}
	else if (options->bloc != NULL && strcmp(PQgetvalue(res, 0, 0), "t") != 0)
	{
		cli_error("bloc \"%s\" does not exist", options->bloc);
		if (PQgetisnull(res, 0, 3))
			cli_hint("No bloc or zone exists yet.");
		else
			cli_hint("The blocs and zones are: %s.", PQgetvalue(res, 0, 3));
		status = EXIT_ERROR;
	}
	else if (options->period != NULL && strcmp(PQgetvalue(res, 0, 1), "t") != 0)
	{
		cli_error("period \"%s\" does not exist", options->period);
		if (PQgetisnull(res, 0, 4))
			cli_hint("No period exists yet.");
		else
			cli_hint("The periods are: %s.", PQgetvalue(res, 0, 4));
		status = EXIT_ERROR;
	}
	else if (options->bloc != NULL && options->period != NULL && strcmp(PQgetvalue(res, 0, 2), "t") != 0)
	{
		cli_error("bloc \"%s\" has no settings for period \"%s\"", options->bloc, options->period);
		if (PQgetisnull(res, 0, 5))
			cli_hint("It has settings for no period yet.");
		else
			cli_hint("It has settings for the periods: %s.", PQgetvalue(res, 0, 5));
		status = EXIT_ERROR;
	}
	PQclear(res);
	return status;
}

/*
 * A --date as ISO 8601 (2025-07-01) or day/month/year (01/07/2025), the forms
 * the imports take; anything else exits. The server reads the ISO form in any
 * DateStyle, so 01/07/2025 is never taken for January 7.
 */
static const char *
DateOption(const char *value, const char *name)
{
	static char dates[3][11];	/* --date, --deadline, --meets-on: each its own */
	static int	used = 0;
	char	   *iso = dates[used < 2 ? used++ : 2];
	int			day,
				month,
				year;
	char		rest;

	if (sscanf(value, "%4d-%2d-%2d%c", &year, &month, &day, &rest) == 3 && strlen(value) == 10 &&
		day >= 1 && day <= 31 && month >= 1 && month <= 12)
		return value;
	if (sscanf(value, "%2d/%2d/%4d%c", &day, &month, &year, &rest) == 3 &&
		day >= 1 && day <= 31 && month >= 1 && month <= 12 && year >= 1000 && year <= 9999)
	{
		snprintf(iso, 11, "%04d-%02d-%02d", year, month, day);
		return iso;
	}
	cli_error("option \"%s\": \"%s\" is not a date", name, value);
	cli_hint("Write dates as 2025-07-01 or 01/07/2025 (day/month/year).");
	exit(EXIT_ERROR);
}

/* An option that may be given again (--evidence, --achievement): one more value. */
static void
AddRepeated(const char **values, int *count, const char *name, const char *value)
{
	if (*count >= CLI_MAX_REPEATED)
	{
		cli_error("option \"%s\" given more than %d times", name, CLI_MAX_REPEATED);
		exit(EXIT_ERROR);
	}
	values[(*count)++] = value;
}

static void
SetOption(CommandOptions *options, OptionFlag flag, char *value)
{
	switch (flag)
	{
		case OPT_FORMAT:
			options->format = value;
			break;
		case OPT_OUTPUT:
			options->output = value;
			break;
		case OPT_EXPANDED:
			options->expanded = true;
			break;
		case OPT_NOTE:
			options->note = value;
			break;
		case OPT_REPLACE:
			options->replace = true;
			break;
		case OPT_BLOC:
			options->bloc = value;
			break;
		case OPT_PERIOD:
			options->period = value;
			break;
		case OPT_REASON:
			options->reason = value;
			break;
		case OPT_PUBLISHED:
			options->published = true;
			break;
		case OPT_YEAR:
			options->year = value;
			break;
		case OPT_KIND:
			options->kind = value;
			break;
		case OPT_CRITERIA:
			options->criteria = value;
			break;
		case OPT_METHOD:
			options->method = value;
			break;
		case OPT_TRIM:
			options->trim = value;
			break;
		case OPT_QUORUM:
			options->quorum = value;
			break;
		case OPT_ROUNDING:
			options->rounding = value;
			break;
		case OPT_JUDGE:
			options->judge = value;
			break;
		case OPT_DATE:
			options->date = value;	/* read by DateOption once the command takes it */
			break;
		case OPT_INTO:
			options->into = value;
			break;
		case OPT_AWARD:
			options->award = value;
			break;
		case OPT_UNIT:
			options->unit = value;
			break;
		case OPT_WHY:
			options->why = true;
			break;
		case OPT_SUBJECT:
			options->subject = value;
			break;
		case OPT_DRAFT:
			options->draft = value;
			break;
		case OPT_RULEBOOK:
			options->rulebook = value;
			break;
		case OPT_TITLE:
			options->title = value;
			break;
		case OPT_AUTHORITY:
			options->authority = value;
			break;
		case OPT_COUNCIL_UNIT:
			options->council_unit = value;
			break;
		case OPT_DEADLINE:
			options->deadline = value;
			break;
		case OPT_MEETS_ON:
			options->meets_on = value;
			break;
		case OPT_ROUND:
			options->round = value;
			break;
		case OPT_STATE:
			options->state = value;
			break;
		case OPT_SUMMARY:
			options->summary = value;
			break;
		case OPT_EVIDENCE:
			AddRepeated(options->evidence, &options->n_evidence, "--evidence", value);
			break;
		case OPT_ACHIEVEMENT:
			AddRepeated(options->achievements, &options->n_achievements, "--achievement", value);
			break;
		case OPT_NUMBER:
			options->number = value;
			break;
		case OPT_SIGNER:
			options->signer = value;
			break;
		case OPT_COMMENTER:
			options->commenter = value;
			break;
		case OPT_FROM:
			options->from = value;
			break;
		case OPT_TO:
			options->to = value;
			break;
		case OPT_BY:
			options->by = value;
			break;
		case OPT_FILE:
			options->file = value;
			break;
		case OPT_SCOPE:
			options->scope = value;
			break;
		case OPT_CHOSEN:
			options->chosen = value;
			break;
		case OPT_REFERENCE:
			options->reference = value;
			break;
		case OPT_MISSING:
			options->missing = true;
			break;
	}
}

/* Refuses what the command does not take and asks for what it needs. */
static void
CheckOptions(const Command *command, const CommandOptions *options, OptionFlag given,
			 const char *const *spelling)
{
	static char missing_names[N_COMMAND_OPTIONS][40];
	const char *missing[N_COMMAND_OPTIONS];
	int			nmissing = 0;

	for (int i = 0; i < N_COMMAND_OPTIONS; i++)
	{
		const CommandOption *option = &command_options[i];

		if ((given & option->flag) != 0 && (command->options & option->flag) == 0)
		{
			cli_error("option \"%s\" does not apply to \"%s\"", spelling[i], command->name);
			TryHelpAndExit(command);
		}
		if ((command->required & option->flag) != 0 && (given & option->flag) == 0)
		{
			snprintf(missing_names[nmissing], sizeof(missing_names[nmissing]), "--%s", option->name);
			missing[nmissing] = missing_names[nmissing];
			nmissing++;
		}
	}
	if (nmissing > 0)
	{
		char		names[256];

		JoinNames(names, sizeof(names), missing, nmissing);
		cli_error("%s needs %s", command->name, names);
		TryHelpAndExit(command);
	}
	if (options->format != NULL && command->formats != NULL)
	{
		char		formats[128];
		bool		known = false;

		snprintf(formats, sizeof(formats), "%s", command->formats);
		for (char *format = strtok(formats, "|"); format != NULL; format = strtok(NULL, "|"))
			known = known || strcmp(format, options->format) == 0;
		if (!known)
		{
			FormatsText(command, false, formats, sizeof(formats));
			cli_error("unknown format \"%s\" (use %s)", options->format, formats);
			TryHelpAndExit(command);
		}
	}
	if (options->expanded && options->format != NULL && strcmp(options->format, "table") != 0)
	{
		cli_error("option \"-x\" applies to tables, not to --format %s", options->format);
		TryHelpAndExit(command);
	}
}

int
main(int argc, char **argv)
{
	static const struct option connection_options[] = {
		{"dbname", required_argument, NULL, 'd'},
		{"host", required_argument, NULL, 'h'},
		{"port", required_argument, NULL, 'p'},
		{"username", required_argument, NULL, 'U'},
		{"no-password", no_argument, NULL, 'w'},
		{"password", no_argument, NULL, 'W'},
		{"version", no_argument, NULL, 'V'},
		{"help", no_argument, NULL, '?'},
	};
	enum
	{
		N_CONNECTION_OPTIONS = sizeof(connection_options) / sizeof(connection_options[0]),
		OPTION_BASE = 1000		/* long-only options: outside the range of characters */
	};
	struct option long_options[N_CONNECTION_OPTIONS + N_COMMAND_OPTIONS + 1];
	char		short_options[64] = ":d:h:p:U:wWV";
	const char *spelling[N_COMMAND_OPTIONS] = {0};
	ConnectionOptions connection = {0};
	CommandOptions options = {0};
	const Command *command;
	PGconn	   *conn;
	OptionFlag	given = 0;
	bool		help = false;
	bool		group;
	int			option;
	int			status;
	int			nargs;
	int			min_args;
	int			max_args;
	int			words = 0;

	connection.prompt = PROMPT_IF_NEEDED;

	memcpy(long_options, connection_options, sizeof(connection_options));
	for (int i = 0; i < N_COMMAND_OPTIONS; i++)
	{
		const CommandOption *command_option = &command_options[i];
		struct option *long_option = &long_options[N_CONNECTION_OPTIONS + i];

		long_option->name = command_option->name;
		long_option->has_arg = command_option->argument ? required_argument : no_argument;
		long_option->flag = NULL;
		long_option->val = command_option->short_name ? command_option->short_name : OPTION_BASE + i;
		if (command_option->short_name)
		{
			size_t		length = strlen(short_options);

			short_options[length] = command_option->short_name;
			short_options[length + 1] = command_option->argument ? ':' : '\0';
			short_options[length + 2] = '\0';
		}
	}
	memset(&long_options[N_CONNECTION_OPTIONS + N_COMMAND_OPTIONS], 0, sizeof(struct option));

	/* -? is --help, as in psql; getopt keeps '?' for its errors */
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "-?") == 0)
			argv[i] = "--help";

	opterr = 0;					/* our own messages, naming thidua */
	for (;;)
	{
		int			long_index = -1;
		int			index = -1;

		option = getopt_long(argc, argv, short_options, long_options, &long_index);
		if (option == -1)
			break;
		switch (option)
		{
			case 'd':
				connection.dbname = optarg;
				continue;
			case 'h':
				connection.host = optarg;
				continue;
			case 'p':
				connection.port = optarg;
				continue;
			case 'U':
				connection.username = optarg;
				continue;
			case 'w':
				connection.prompt = PROMPT_NEVER;
				continue;
			case 'W':
				connection.prompt = PROMPT_ALWAYS;
				continue;
			case 'V':
				printf("%s (thidua) %s\n", progname, THIDUA_VERSION);
				return EXIT_OK;
			case ':':
				cli_error("option \"%s\" requires an argument", argv[optind - 1]);
				TryHelpAndExit(NULL);
				break;
			case '?':
				if (long_index >= 0)
				{
					help = true;
					continue;
				}
				if (optopt != 0 && optopt < OPTION_BASE)
					cli_error("invalid option \"-%c\"", optopt);
				else
					cli_error("invalid option \"%s\"", argv[optind - 1]);
				TryHelpAndExit(NULL);
				break;
		}
		for (int i = 0; i < N_COMMAND_OPTIONS; i++)
			if (option == OPTION_BASE + i || (command_options[i].short_name != 0 && option == command_options[i].short_name))
				index = i;
		if (index < 0)
		{
			cli_error("invalid option \"%s\"", argv[optind - 1]);
			TryHelpAndExit(NULL);
		}
		given |= command_options[index].flag;
		SetOption(&options, command_options[index].flag, optarg);
		{
			static char spelled[N_COMMAND_OPTIONS][40];

			if (long_index >= 0)
				snprintf(spelled[index], sizeof(spelled[index]), "--%s", command_options[index].name);
			else
				snprintf(spelled[index], sizeof(spelled[index]), "-%c", command_options[index].short_name);
			spelling[index] = spelled[index];
		}
	}

	if (optind >= argc)
	{
		if (help)
		{
			PrintHelp();
			return EXIT_OK;
		}
		cli_error("no command given");
		TryHelpAndExit(NULL);
	}
	command = FindCommand(argc - optind, argv + optind, &words, &group);
	if (command == NULL)
	{
		if (group && help)
		{
			printf("%s %s commands:\n", progname, argv[optind]);
			PrintCommandList(argv[optind]);
			printf("\n\"%s %s COMMAND --help\" shows a command's arguments, options and roles.\n",
				   progname, argv[optind]);
			return EXIT_OK;
		}
		if (group)
			cli_error(argc - optind > 1 ? "unknown %s command \"%s\"" : "%s needs a command%s",
					  argv[optind], argc - optind > 1 ? argv[optind + 1] : "");
		else
			cli_error("unknown command \"%s\"", argv[optind]);
		TryHelpAndExit(NULL);
	}
	if (help)
	{
		PrintCommandHelp(command);
		return EXIT_OK;
	}
	CheckOptions(command, &options, given, spelling);
	CountArguments(command->arguments, &min_args, &max_args);
	nargs = argc - optind - words;
	if (nargs < min_args || nargs > max_args)
	{
		cli_error("wrong number of arguments for \"%s\"", command->name);
		PrintCommandUsage(stderr, "Usage: ", command);
		TryHelpAndExit(command);
	}

	cli_command_name = command->name;
	cli_roles_needed = command->roles;
	cli_set_expanded(options.expanded);
	if (options.date != NULL)
		options.date = DateOption(options.date, "--date");
	if (options.deadline != NULL)
		options.deadline = DateOption(options.deadline, "--deadline");
	if (options.meets_on != NULL)
		options.meets_on = DateOption(options.meets_on, "--meets-on");
	conn = cli_connect(&connection);
	status = EXIT_OK;
	if ((command->checks & CHECK_BLOC_PERIOD) != 0)
		status = CheckBlocAndPeriod(conn, &options);
	if (status == EXIT_OK)
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
	/* a database or user name may hold anything: printed escaped */
	cli_print_field(stdout, "database:", 12, PQgetvalue(res, 0, 0));
	printf("server:     PostgreSQL %s\n", PQgetvalue(res, 0, 1));
	printf("extension:  thidua %s (library %s)\n",
		   PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 3));
	printf("client:     thidua %s\n", THIDUA_VERSION);
	{
		char		user[1024];

		snprintf(user, sizeof(user), "%s (%s)", PQgetvalue(res, 0, 4),
				 PQgetisnull(res, 0, 5) ? "no thidua role" : PQgetvalue(res, 0, 5));
		cli_print_field(stdout, "user:", 12, user);
	}
	PQclear(res);
	return EXIT_OK;
}
