/*
 * files.c
 *		Reading input files and opening the output of the client.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "thidua_cli.h"

#define MAX_FILE_SIZE (64 * 1024 * 1024)

/* Reads a whole file; exits with a message naming it on failure. */
char *
cli_read_file(const char *path, size_t *length)
{
	FILE	   *file = fopen(path, "rb");
	char	   *data;
	size_t		capacity = 65536;
	size_t		used = 0;

	if (file == NULL)
	{
		cli_error("could not open file \"%s\": %s", path, strerror(errno));
		exit(EXIT_ERROR);
	}
	data = malloc(capacity);
	while (data != NULL)
	{
		size_t		n = fread(data + used, 1, capacity - used, file);

		used += n;
		if (n == 0)
			break;
		if (used == capacity)
		{
			if (capacity >= MAX_FILE_SIZE)
			{
				cli_error("file \"%s\" is larger than %d MB", path, MAX_FILE_SIZE / (1024 * 1024));
				exit(EXIT_ERROR);
			}
			capacity *= 2;
			data = realloc(data, capacity);
		}
	}
	if (data == NULL)
	{
		cli_error("out of memory reading \"%s\"", path);
		exit(EXIT_ERROR);
	}
	if (ferror(file))
	{
		cli_error("could not read file \"%s\": %s", path, strerror(errno));
		exit(EXIT_ERROR);
	}
	fclose(file);
	*length = used;
	return data;
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
