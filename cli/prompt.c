/*
 * prompt.c
 *		Reading a password from the terminal without echo.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "thidua_cli.h"

char *
cli_prompt_password(const char *prompt)
{
	FILE	   *in = fopen("/dev/tty", "r+");
	FILE	   *out;
	struct termios saved;
	struct termios quiet;
	bool		restore = false;
	char		buffer[1024];
	size_t		len;

	/* Without a terminal, read standard input like psql does. */
	if (in == NULL)
	{
		in = stdin;
		out = stderr;
	}
	else
		out = in;

	if (tcgetattr(fileno(in), &saved) == 0)
	{
		quiet = saved;
		quiet.c_lflag &= ~ECHO;
		restore = tcsetattr(fileno(in), TCSAFLUSH, &quiet) == 0;
	}
	fputs(prompt, out);
	fflush(out);

	if (fgets(buffer, sizeof(buffer), in) == NULL)
		buffer[0] = '\0';
	len = strcspn(buffer, "\r\n");
	buffer[len] = '\0';

	if (restore)
	{
		tcsetattr(fileno(in), TCSAFLUSH, &saved);
		fputc('\n', out);
		fflush(out);
	}
	if (in != stdin)
		fclose(in);
	return cli_strdup(buffer);
}
