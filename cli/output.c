/*
 * output.c
 *		Display widths, CSV output and running queries (tables: table.c).
 *
 * Column widths count what a terminal shows, not bytes: Vietnamese in NFC
 * is one column per letter however many bytes its diacritics take.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "thidua_cli.h"

/* Decodes one UTF-8 sequence; returns its length (1 on a bad byte). */
static int
DecodeUtf8(const unsigned char *s, unsigned int *code_point)
{
	if (s[0] < 0x80)
	{
		*code_point = s[0];
		return 1;
	}
	if ((s[0] & 0xE0) == 0xC0 && (s[1] & 0xC0) == 0x80)
	{
		*code_point = ((s[0] & 0x1F) << 6) | (s[1] & 0x3F);
		return 2;
	}
	if ((s[0] & 0xF0) == 0xE0 && (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80)
	{
		*code_point = ((s[0] & 0x0F) << 12) | ((s[1] & 0x3F) << 6) | (s[2] & 0x3F);
		return 3;
	}
	if ((s[0] & 0xF8) == 0xF0 && (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80 && (s[3] & 0xC0) == 0x80)
	{
		*code_point = ((s[0] & 0x07) << 18) | ((s[1] & 0x3F) << 12) | ((s[2] & 0x3F) << 6) | (s[3] & 0x3F);
		return 4;
	}
	*code_point = 0xFFFD;
	return 1;
}

/* Columns a code point takes: 0 for combining marks, 2 for wide scripts. */
static int
CodePointWidth(unsigned int c)
{
	if ((c >= 0x0300 && c <= 0x036F) || (c >= 0x1AB0 && c <= 0x1AFF) ||
		(c >= 0x1DC0 && c <= 0x1DFF) || (c >= 0x20D0 && c <= 0x20FF) ||
		(c >= 0xFE20 && c <= 0xFE2F) || c == 0x200B || c == 0x200D)
		return 0;
	if ((c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0xA4CF) ||
		(c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) ||
		(c >= 0xFF00 && c <= 0xFF60) || (c >= 0x1F300 && c <= 0x1FAFF) ||
		(c >= 0x20000 && c <= 0x3FFFD))
		return 2;
	return 1;
}

int
cli_display_width(const char *text)
{
	const unsigned char *s = (const unsigned char *) text;
	int			width = 0;

	while (*s)
	{
		unsigned int c;

		s += DecodeUtf8(s, &c);
		width += CodePointWidth(c);
	}
	return width;
}

/* Whether text is a plain number (-2, 1.5, 1e2): a spreadsheet reads it as one. */
static bool
IsCsvNumber(const char *value)
{
	const char *p = value;
	int			digits = 0;

	if (*p == '+' || *p == '-')
		p++;
	for (; *p >= '0' && *p <= '9'; p++)
		digits++;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			digits++;
	if (digits == 0)
		return false;
	if (*p == 'e' || *p == 'E')
	{
		int			exponent_digits = 0;

		p++;
		if (*p == '+' || *p == '-')
			p++;
		for (; *p >= '0' && *p <= '9'; p++)
			exponent_digits++;
		if (exponent_digits == 0)
			return false;
	}
	return *p == '\0';
}

/*
 * Whether a spreadsheet would run the text as a formula (= + - @, tab or CR first, after
 * any apostrophes): such text gets an apostrophe in front, which spreadsheets
 * show as text and thidua's importers remove. Numbers are left alone.
 */
static bool
LooksLikeFormula(const char *value)
{
	const char *p = value;

	while (*p == '\'')
		p++;
	return *p != '\0' && strchr("=+-@\t\r", *p) != NULL && !IsCsvNumber(value);
}


/* RFC 4180 field: quoted when it holds a separator, quote or line break. */
static void
PrintCsvField(FILE *out, const char *value)
{
	const char *neutraliser = LooksLikeFormula(value) ? "'" : "";

	if (strpbrk(value, ",\"\r\n") == NULL && value[0] != ' ' &&
		(value[0] == '\0' || value[strlen(value) - 1] != ' '))
	{
		fprintf(out, "%s%s", neutraliser, value);
		return;
	}
	fputc('"', out);
	fputs(neutraliser, out);
	for (const char *p = value; *p; p++)
	{
		if (*p == '"')
			fputc('"', out);
		fputc(*p, out);
	}
	fputc('"', out);
}

void
cli_print_csv(FILE *out, const PGresult *res)
{
	/* A byte-order mark, so that spreadsheets open the file as UTF-8. */
	fputs("\xEF\xBB\xBF", out);
	cli_print_csv_block(out, res);
}

void
cli_print_csv_block(FILE *out, const PGresult *res)
{
	int			ncolumns = PQnfields(res);

	for (int c = 0; c < ncolumns; c++)
	{
		if (c > 0)
			fputc(',', out);
		PrintCsvField(out, PQfname(res, c));
	}
	fputs("\r\n", out);
	for (int r = 0; r < PQntuples(res); r++)
	{
		for (int c = 0; c < ncolumns; c++)
		{
			if (c > 0)
				fputc(',', out);
			PrintCsvField(out, PQgetvalue(res, r, c));
		}
		fputs("\r\n", out);
	}
}

PGresult *
cli_query(PGconn *conn, const char *sql, int nparams, const char *const *values)
{
	PGresult   *res = PQexecParams(conn, sql, nparams, NULL, values, NULL, NULL, 0);
	ExecStatusType status = PQresultStatus(res);

	if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK)
	{
		cli_report_result(res);
		PQclear(res);
		return NULL;
	}
	return res;
}
