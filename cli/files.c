/*
 * files.c
 *		Streaming input files to the server, and opening the output of the
 *		client.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "thidua_cli.h"

/* Runs a statement that returns nothing; reports a failure. */
static bool
RunStatement(PGconn *conn, const char *sql)
{
	PGresult   *res = PQexec(conn, sql);
	bool		ok = PQresultStatus(res) == PGRES_COMMAND_OK;

	if (!ok)
		cli_report_result(res);
	PQclear(res);
	return ok;
}

static void
PutInt16(char *to, int value)
{
	to[0] = (char) ((value >> 8) & 0xFF);
	to[1] = (char) (value & 0xFF);
}

static void
PutInt32(char *to, uint32_t value)
{
	to[0] = (char) ((value >> 24) & 0xFF);
	to[1] = (char) ((value >> 16) & 0xFF);
	to[2] = (char) ((value >> 8) & 0xFF);
	to[3] = (char) (value & 0xFF);
}

#define UPLOAD_CHUNK (1024 * 1024)

/*
 * COPY in binary format, one chunk of the file per row: no escaping, and a
 * multi-byte character split between two chunks is whole again once the
 * server joins them.
 */
bool
cli_upload_file(PGconn *conn, const char *path, CliProgress *progress)
{
	static const char header[19] = "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0";
	FILE	   *file = fopen(path, "rb");
	struct stat status;
	char	   *row;
	size_t		sent = 0;
	size_t		n;
	bool		read_failed = false;
	PGresult   *res;
	char		trailer[2];

	if (file == NULL)
	{
		cli_error("could not open file \"%s\": %s", path, strerror(errno));
		return false;
	}
	if (fstat(fileno(file), &status) != 0)
		status.st_size = 0;
	row = malloc(6 + UPLOAD_CHUNK);
	if (row == NULL)
	{
		cli_error("out of memory reading \"%s\"", path);
		fclose(file);
		return false;
	}
	if (!RunStatement(conn, "BEGIN") ||
		(progress->on && !RunStatement(conn, "SET LOCAL thidua.progress = on")) ||
		!RunStatement(conn, "CREATE TEMP TABLE thidua_upload (n bigint GENERATED ALWAYS AS IDENTITY, "
					  "chunk bytea NOT NULL) ON COMMIT DROP"))
	{
		free(row);
		fclose(file);
		return false;
	}
	res = PQexec(conn, "COPY pg_temp.thidua_upload (chunk) FROM STDIN WITH (FORMAT binary)");
	if (PQresultStatus(res) != PGRES_COPY_IN)
	{
		cli_report_result(res);
		PQclear(res);
		free(row);
		fclose(file);
		return false;
	}
	PQclear(res);
	cli_progress_update(progress, "sending", 0);
	if (PQputCopyData(conn, header, sizeof(header)) != 1)
		read_failed = true;
	while (!read_failed && (n = fread(row + 6, 1, UPLOAD_CHUNK, file)) > 0)
	{
		PutInt16(row, 1);
		PutInt32(row + 2, (uint32_t) n);
		if (PQputCopyData(conn, row, (int) n + 6) != 1)
			break;
		sent += n;
		if (status.st_size > 0)
			cli_progress_update(progress, "sending", (int) (100.0 * sent / status.st_size));
	}
	if (ferror(file))
	{
		cli_progress_end(progress, conn, false);
		cli_error("could not read file \"%s\": %s", path, strerror(errno));
		read_failed = true;
	}
	free(row);
	fclose(file);
	PutInt16(trailer, -1);
	if (!read_failed)
		PQputCopyData(conn, trailer, 2);
	PQputCopyEnd(conn, read_failed ? "the client could not read the file" : NULL);
	res = PQgetResult(conn);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
	{
		if (!read_failed)
		{
			cli_progress_end(progress, conn, false);
			cli_report_result(res);
		}
		PQclear(res);
		while ((res = PQgetResult(conn)) != NULL)
			PQclear(res);
		return false;
	}
	PQclear(res);
	cli_progress_update(progress, "sending", 100);
	return true;
}

PGresult *
cli_run_import(PGconn *conn, const char *sql, int nparams, const char *const *values, CliProgress *progress)
{
	PGresult   *res = PQexecParams(conn, sql, nparams, NULL, values, NULL, NULL, 0);
	PGresult   *commit;

	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
	{
		cli_progress_end(progress, conn, false);
		cli_report_result(res);
		PQclear(res);
		return NULL;
	}
	commit = PQexec(conn, "COMMIT");
	if (PQresultStatus(commit) != PGRES_COMMAND_OK)
	{
		cli_progress_end(progress, conn, false);
		cli_report_result(commit);
		PQclear(commit);
		PQclear(res);
		return NULL;
	}
	PQclear(commit);
	cli_progress_end(progress, conn, true);
	return res;
}

/* Opens --output (or standard output); exits naming the file on failure. */
FILE *
cli_open_output(const CommandOptions *options)
{
	FILE	   *out;

	if (options->output == NULL || strcmp(options->output, "-") == 0)
		return stdout;
	out = fopen(options->output, "wb");
	if (out == NULL)
	{
		cli_error("could not open file \"%s\" for writing: %s", options->output, strerror(errno));
		exit(EXIT_ERROR);
	}
	return out;
}

int
cli_close_output(FILE *out, const CommandOptions *options)
{
	if (out != stdout)
	{
		if (fclose(out) != 0)
		{
			cli_error("could not write file \"%s\": %s", options->output, strerror(errno));
			return EXIT_ERROR;
		}
	}
	else if (fflush(stdout) != 0)
	{
		cli_error("could not write to standard output: %s", strerror(errno));
		return EXIT_ERROR;
	}
	return EXIT_OK;
}
