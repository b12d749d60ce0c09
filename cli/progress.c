/*
 * progress.c
 *		The progress bar of a file import: the client's sending, then the
 *		server's reading, checking and storing.
 *
 * The server reports its phases as NOTICEs "progress: PHASE N%" when the
 * setting thidua.progress is on; the CLI sets it only when it draws a bar
 * (standard error is a terminal). Each phase fills its own stretch of the bar,
 * weighted by how long it takes on a large score file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "thidua_cli.h"

#define BAR_WIDTH 30
#define LABEL_WIDTH 28

static const struct
{
	const char *phase;
	int			from;
	int			to;
}			phases[] = {
	{"sending", 0, 25},
	{"reading", 25, 45},
	{"checking", 45, 60},
	{"storing", 60, 100},
};

static CliProgress *active = NULL;
static PQnoticeReceiver previous_receiver = NULL;
static void *previous_argument = NULL;

static void
Draw(CliProgress *progress)
{
	char		bar[BAR_WIDTH + 1];
	int			filled = progress->percent * BAR_WIDTH / 100;

	memset(bar, '#', filled);
	memset(bar + filled, '.', BAR_WIDTH - filled);
	bar[BAR_WIDTH] = '\0';
	fprintf(stderr, "\r%-*.*s [%s] %3d%% %-8s", LABEL_WIDTH, LABEL_WIDTH, progress->label, bar,
			progress->percent, progress->phase);
	fflush(stderr);
	progress->drawn = true;
}

/* Ends the bar's line, so that what follows starts on a line of its own. */
static void
EndLine(CliProgress *progress)
{
	if (progress->drawn)
		fputc('\n', stderr);
	progress->drawn = false;
}

/* NOTICEs: "progress: ..." moves the bar; any other is shown as usual. */
static void
ReceiveNotice(void *argument, const PGresult *res)
{
	const char *message = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	char		phase[16];
	int			percent;

	(void) argument;
	if (active != NULL && message != NULL &&
		sscanf(message, "progress: %15s %d%%", phase, &percent) == 2)
	{
		cli_progress_update(active, phase, percent);
		return;
	}
	if (active != NULL)
		EndLine(active);
	if (previous_receiver != NULL)
		previous_receiver(previous_argument, res);
}

void
cli_progress_begin(CliProgress *progress, PGconn *conn, const char *path)
{
	const char *base = strrchr(path, '/');

	progress->on = isatty(fileno(stderr));
	progress->label = base != NULL ? base + 1 : path;
	progress->phase = "";
	progress->percent = 0;
	progress->drawn = false;
	if (!progress->on)
		return;
	active = progress;
	previous_receiver = PQsetNoticeReceiver(conn, ReceiveNotice, NULL);
	/* PQsetNoticeReceiver does not give back the old argument: libpq's own is NULL */
	previous_argument = NULL;
}

void
cli_progress_update(CliProgress *progress, const char *phase, int phase_percent)
{
	int			percent = progress->percent;

	if (!progress->on)
		return;
	if (phase_percent < 0)
		phase_percent = 0;
	if (phase_percent > 100)
		phase_percent = 100;
	for (size_t i = 0; i < sizeof(phases) / sizeof(phases[0]); i++)
	{
		if (strcmp(phases[i].phase, phase) != 0)
			continue;
		percent = phases[i].from + (phases[i].to - phases[i].from) * phase_percent / 100;
		snprintf(progress->phase_name, sizeof(progress->phase_name), "%s", phases[i].phase);
		progress->phase = progress->phase_name;
		break;
	}
	/* the bar never goes back */
	if (percent > progress->percent)
		progress->percent = percent;
	Draw(progress);
}

void
cli_progress_end(CliProgress *progress, PGconn *conn, bool done)
{
	if (!progress->on)
		return;
	if (done)
	{
		progress->percent = 100;
		progress->phase = "done";
		Draw(progress);
	}
	EndLine(progress);
	PQsetNoticeReceiver(conn, previous_receiver, previous_argument);
	active = NULL;
}
