/*
 * table.c
 *		Aligned tables like psql's: normal, wrapped to a width, or expanded
 *		(one "column | value" line per field, -x), with control characters
 *		made visible.
 *
 * What a cell shows is escaped as psql does: a line break starts a new line in
 * the cell, marked "+" at its end; a tab becomes spaces to the next multiple of
 * 8; a carriage return shows as \r; any other control character as \xHH (C0
 * and DEL) or \uHHHH (C1). A name holding ESC[2J therefore prints as \x1B[2J
 * and cannot clear the terminal or break the table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "thidua_cli.h"

/* Columns are not narrowed below this when wrapping. */
#define MIN_WRAP_WIDTH 8
/* The width criteria show and the like fit when not writing to a terminal. */
#define DEFAULT_WIDTH 80

static bool expanded_forced = false;

void
cli_set_expanded(bool expanded)
{
	expanded_forced = expanded;
}

/* A line of a cell as shown: escaped, its display width, and whether the
 * value continues after a line break (marked "+"). */
typedef struct CellLine
{
	char	   *text;
	int			width;
	bool		newline;
} CellLine;

typedef struct Cell
{
	CellLine   *lines;
	int			count;
	int			capacity;
	int			width;			/* the widest line */
} Cell;

static void *
CheckedAlloc(void *pointer)
{
	if (pointer == NULL)
	{
		cli_error("out of memory");
		exit(EXIT_ERROR);
	}
	return pointer;
}

static void
AddLine(Cell *cell, char *text, bool newline)
{
	int			width = cli_display_width(text);

	if (cell->count == cell->capacity)
	{
		cell->capacity = cell->capacity == 0 ? 2 : cell->capacity * 2;
		cell->lines = CheckedAlloc(realloc(cell->lines, cell->capacity * sizeof(CellLine)));
	}
	cell->lines[cell->count].text = text;
	cell->lines[cell->count].width = width;
	cell->lines[cell->count].newline = newline;
	cell->count++;
	if (width > cell->width)
		cell->width = width;
}

static void
FreeCell(Cell *cell)
{
	for (int i = 0; i < cell->count; i++)
		free(cell->lines[i].text);
	free(cell->lines);
	memset(cell, 0, sizeof(*cell));
}

/* Length in bytes of the UTF-8 sequence at s, 0 when it is not valid. */
static int
Utf8Length(const unsigned char *s, unsigned int *code_point)
{
	int			length;

	if (s[0] < 0x80)
	{
		*code_point = s[0];
		return 1;
	}
	if ((s[0] & 0xE0) == 0xC0)
		length = 2, *code_point = s[0] & 0x1F;
	else if ((s[0] & 0xF0) == 0xE0)
		length = 3, *code_point = s[0] & 0x0F;
	else if ((s[0] & 0xF8) == 0xF0)
		length = 4, *code_point = s[0] & 0x07;
	else
		return 0;
	for (int i = 1; i < length; i++)
	{
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		*code_point = (*code_point << 6) | (s[i] & 0x3F);
	}
	return length;
}

/* Splits a value into escaped lines at its line breaks. */
static void
EscapeValue(const char *value, Cell *cell)
{
	const unsigned char *s = (const unsigned char *) value;
	size_t		capacity = strlen(value) * 8 + 16;	/* a tab may become eight spaces */
	char	   *line = CheckedAlloc(malloc(capacity));
	size_t		used = 0;
	int			column = 0;		/* for tab stops */

	memset(cell, 0, sizeof(*cell));
	while (*s)
	{
		unsigned int c;
		int			length = Utf8Length(s, &c);

		if (length == 0)
		{
			used += sprintf(line + used, "\\x%02X", *s);
			column += 4;
			s++;
			continue;
		}
		if (c == '\n')
		{
			line[used] = '\0';
			AddLine(cell, line, true);
			line = CheckedAlloc(malloc(capacity));
			used = 0;
			column = 0;
		}
		else if (c == '\r')
		{
			used += sprintf(line + used, "\\r");
			column += 2;
		}
		else if (c == '\t')
		{
			do
			{
				line[used++] = ' ';
				column++;
			} while (column % 8 != 0);
		}
		else if (c < 0x20 || c == 0x7F)
		{
			used += sprintf(line + used, "\\x%02X", c);
			column += 4;
		}
		else if (c >= 0x80 && c <= 0x9F)
		{
			used += sprintf(line + used, "\\u%04X", c);
			column += 6;
		}
		else
		{
			memcpy(line + used, s, length);
			used += length;
			column++;
		}
		s += length;
	}
	line[used] = '\0';
	AddLine(cell, line, false);
}

/* Breaks the cell's lines longer than width, at a space where there is one. */
static void
WrapCell(Cell *cell, int width)
{
	Cell		wrapped = {0};

	if (cell->width <= width)
		return;
	for (int i = 0; i < cell->count; i++)
	{
		const char *start = cell->lines[i].text;

		while (cli_display_width(start) > width)
		{
			const char *p = start;
			const char *last_space = NULL;
			const char *end;
			int			used = 0;
			char	   *piece;

			for (;;)
			{
				unsigned int c;
				int			length = Utf8Length((const unsigned char *) p, &c);
				char		one[5];

				if (length == 0)
					length = 1;
				memcpy(one, p, length);
				one[length] = '\0';
				if (used + cli_display_width(one) > width)
					break;
				if (*p == ' ')
					last_space = p;
				used += cli_display_width(one);
				p += length;
			}
			end = last_space != NULL && last_space > start ? last_space : p;
			if (end == start)	/* a character wider than the column: alone */
			{
				unsigned int c;
				int			length = Utf8Length((const unsigned char *) p, &c);

				end = p + (length > 0 ? length : 1);
			}
			piece = CheckedAlloc(malloc(end - start + 1));
			memcpy(piece, start, end - start);
			piece[end - start] = '\0';
			AddLine(&wrapped, piece, false);
			start = end;
			while (*start == ' ')
				start++;
		}
		AddLine(&wrapped, cli_strdup(start), cell->lines[i].newline);
	}
	FreeCell(cell);
	*cell = wrapped;
}

/* Numbers align right, like psql. */
static bool
IsNumericType(Oid type)
{
	/* int2, int4, int8, float4, float8, numeric */
	return type == 21 || type == 23 || type == 20 || type == 700 || type == 701 || type == 1700;
}

int
cli_terminal_width(FILE *out)
{
	const char *columns;
	struct winsize size;

	/* like psql: only a terminal has a width; COLUMNS before the ioctl */
	if (out != stdout || !isatty(fileno(stdout)))
		return 0;
	columns = getenv("COLUMNS");
	if (columns != NULL && atoi(columns) > 0)
		return atoi(columns);
	if (ioctl(fileno(stdout), TIOCGWINSZ, &size) == 0 && size.ws_col > 0)
		return size.ws_col;
	return 0;
}

static void
PrintLine(FILE *out, const CellLine *line, int width, bool right, bool last)
{
	int			pad = width - (line != NULL ? line->width : 0);
	bool		newline = line != NULL && line->newline;

	if (pad < 0)
		pad = 0;
	if (right)
		fprintf(out, "%*s", pad, "");
	if (line != NULL)
		fputs(line->text, out);
	if (last && !newline)
		return;
	if (!right)
		fprintf(out, "%*s", pad, "");
	fputc(newline ? '+' : ' ', out);
}

static void
PrintDashes(FILE *out, int count)
{
	for (int i = 0; i < count; i++)
		fputc('-', out);
}

static void
PrintExpanded(FILE *out, Cell *headers, Cell *cells, int ncolumns, int nrows, int fit)
{
	int			header_width = 0;
	int			value_width = 0;

	for (int c = 0; c < ncolumns; c++)
		if (headers[c].width > header_width)
			header_width = headers[c].width;
	for (int i = 0; i < nrows * ncolumns; i++)
	{
		if (fit > 0)
		{
			int			room = fit - header_width - 4;

			WrapCell(&cells[i], room > MIN_WRAP_WIDTH ? room : MIN_WRAP_WIDTH);
		}
		if (cells[i].width > value_width)
			value_width = cells[i].width;
	}
	for (int r = 0; r < nrows; r++)
	{
		char		label[64];
		int			length = snprintf(label, sizeof(label), "-[ RECORD %d ]", r + 1);

		fputs(label, out);
		if (length <= header_width + 1)
		{
			PrintDashes(out, header_width + 1 - length);
			fputc('+', out);
			PrintDashes(out, value_width + 1);
		}
		else
			PrintDashes(out, header_width + value_width + 3 - length);
		fputc('\n', out);
		for (int c = 0; c < ncolumns; c++)
		{
			Cell	   *header = &headers[c];
			Cell	   *value = &cells[r * ncolumns + c];
			int			height = header->count > value->count ? header->count : value->count;

			for (int l = 0; l < height; l++)
			{
				PrintLine(out, l < header->count ? &header->lines[l] : NULL, header_width, false, false);
				fputs("| ", out);
				PrintLine(out, l < value->count ? &value->lines[l] : NULL, value_width, false, true);
				fputc('\n', out);
			}
		}
	}
	if (nrows == 0)
		fputs("(0 rows)\n", out);
}

static void
PrintAligned(FILE *out, const PGresult *res, Cell *headers, Cell *cells, int *widths,
			 int ncolumns, int nrows)
{
	for (int r = -1; r < nrows; r++)
	{
		Cell	   *row = r < 0 ? headers : &cells[r * ncolumns];
		int			height = 1;

		for (int c = 0; c < ncolumns; c++)
			if (row[c].count > height)
				height = row[c].count;
		for (int l = 0; l < height; l++)
		{
			for (int c = 0; c < ncolumns; c++)
			{
				fputs(c > 0 ? "| " : " ", out);
				PrintLine(out, l < row[c].count ? &row[c].lines[l] : NULL, widths[c],
						  r >= 0 && IsNumericType(PQftype(res, c)), c == ncolumns - 1);
			}
			fputc('\n', out);
		}
		if (r < 0)
		{
			for (int c = 0; c < ncolumns; c++)
			{
				if (c > 0)
					fputc('+', out);
				PrintDashes(out, widths[c] + 2);
			}
			fputc('\n', out);
		}
	}
	fprintf(out, "(%d row%s)\n", nrows, nrows == 1 ? "" : "s");
}

/*
 * fit: the width to keep within (0: none); wrap: narrow the widest columns to
 * fit, rather than turn to the expanded form when the table is too wide.
 */
static void
PrintTable(FILE *out, const PGresult *res, int fit, bool wrap)
{
	int			ncolumns = PQnfields(res);
	int			nrows = PQntuples(res);
	Cell	   *headers = CheckedAlloc(calloc(ncolumns + 1, sizeof(Cell)));
	Cell	   *cells = CheckedAlloc(calloc((size_t) nrows * ncolumns + 1, sizeof(Cell)));
	int		   *widths = CheckedAlloc(calloc(ncolumns + 1, sizeof(int)));
	int			total = 1 + 3 * (ncolumns - 1) + 1;	/* borders and the last "+" */

	for (int c = 0; c < ncolumns; c++)
	{
		EscapeValue(PQfname(res, c), &headers[c]);
		widths[c] = headers[c].width;
		for (int r = 0; r < nrows; r++)
		{
			Cell	   *cell = &cells[r * ncolumns + c];

			EscapeValue(PQgetvalue(res, r, c), cell);
			if (cell->width > widths[c])
				widths[c] = cell->width;
		}
		total += widths[c];
	}

	if (wrap && fit > 0 && !expanded_forced)
	{
		/* narrow the widest column, one column of the screen at a time */
		while (total > fit)
		{
			int			widest = -1;

			for (int c = 0; c < ncolumns; c++)
				if (widths[c] > MIN_WRAP_WIDTH && (widest < 0 || widths[c] > widths[widest]))
					widest = c;
			if (widest < 0)
				break;
			widths[widest]--;
			total--;
		}
		for (int c = 0; c < ncolumns; c++)
		{
			WrapCell(&headers[c], widths[c]);
			for (int r = 0; r < nrows; r++)
				WrapCell(&cells[r * ncolumns + c], widths[c]);
		}
	}

	if (expanded_forced || (!wrap && fit > 0 && total > fit && ncolumns > 1))
		PrintExpanded(out, headers, cells, ncolumns, nrows, fit);
	else
		PrintAligned(out, res, headers, cells, widths, ncolumns, nrows);

	for (int c = 0; c < ncolumns; c++)
		FreeCell(&headers[c]);
	for (int i = 0; i < nrows * ncolumns; i++)
		FreeCell(&cells[i]);
	free(headers);
	free(cells);
	free(widths);
}

void
cli_print_table(FILE *out, const PGresult *res)
{
	PrintTable(out, res, cli_terminal_width(out), false);
}

void
cli_print_table_wrapped(FILE *out, const PGresult *res)
{
	int			width = cli_terminal_width(out);

	PrintTable(out, res, width > 0 ? width : DEFAULT_WIDTH, true);
}

void
cli_print_field(FILE *out, const char *label, int label_width, const char *value)
{
	int			width = cli_terminal_width(out);
	Cell		cell;

	if (width <= 0)
		width = DEFAULT_WIDTH;
	EscapeValue(value, &cell);
	WrapCell(&cell, width - label_width > MIN_WRAP_WIDTH * 2 ? width - label_width : MIN_WRAP_WIDTH * 2);
	for (int l = 0; l < cell.count; l++)
	{
		fprintf(out, "%-*s%s\n", label_width, l == 0 ? label : "", cell.lines[l].text);
	}
	FreeCell(&cell);
}
