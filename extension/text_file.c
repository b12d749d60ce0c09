/*
 * text_file.c
 *		Reading files that clerks export: UTF-8 checked line by line, CSV records,
 *		and the rows of a CSV file by column name, checked (the one reader every
 *		import goes through).
 *
 * Files arrive as bytea so that an encoding error can name its line; text
 * parameters would be refused by the server with no line at all.
 */
#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/formatting.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/tuplestore.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"

PG_FUNCTION_INFO_V1(thidua_decode_utf8);
PG_FUNCTION_INFO_V1(thidua_csv_records);
PG_FUNCTION_INFO_V1(thidua_csv_rows);
PG_FUNCTION_INFO_V1(thidua_csv_number_text);

/* SQL: thidua._decode_utf8(data bytea, source text) -> text in the server encoding */
Datum
thidua_decode_utf8(PG_FUNCTION_ARGS)
{
	bytea	   *data;
	char	   *source;
	const char *bytes;
	int			length;
	int			line = 1;
	char	   *converted;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	data = PG_GETARG_BYTEA_PP(0);
	source = PG_ARGISNULL(1) ? "input" : text_to_cstring(PG_GETARG_TEXT_PP(1));
	bytes = VARDATA_ANY(data);
	length = VARSIZE_ANY_EXHDR(data);

	/* A byte-order mark is how spreadsheets say UTF-8; it is not content. */
	if (length >= 3 && (unsigned char) bytes[0] == 0xEF &&
		(unsigned char) bytes[1] == 0xBB && (unsigned char) bytes[2] == 0xBF)
	{
		bytes += 3;
		length -= 3;
	}

	for (int start = 0; start < length; line++)
	{
		const char *newline = memchr(bytes + start, '\n', length - start);
		int			end = newline ? (int) (newline - bytes) : length;

		if (!pg_verify_mbstr(PG_UTF8, bytes + start, end - start, true))
		{
			int			column = 1;

			/* name the first bad character's column (counted in characters) */
			for (int i = start; i < end;)
			{
				int			width = pg_utf_mblen((const unsigned char *) bytes + i);

				if (bytes[i] == '\0' || i + width > end ||
					!pg_utf8_islegal((const unsigned char *) bytes + i, width))
					break;
				i += width;
				column++;
			}
			ereport(ERROR,
					(errcode(ERRCODE_CHARACTER_NOT_IN_REPERTOIRE),
					 errmsg("%s:%d: invalid UTF-8 at character %d", source, line, column),
					 errhint("Save the file as UTF-8 (CSV UTF-8 in a spreadsheet).")));
		}
		start = end + 1;
	}

	converted = pg_any_to_server(bytes, length, PG_UTF8);
	if (converted == bytes)
		PG_RETURN_TEXT_P(cstring_to_text_with_len(bytes, length));
	PG_RETURN_TEXT_P(cstring_to_text(converted));
}

/*
 * A CSV text read record by record. RFC 4180: quoted fields may hold
 * separators, doubled quotes and newlines; CRLF or LF line ends. The separator
 * is a tab when the first line has one, else a semicolon when it has
 * semicolons and no comma (spreadsheets in locales that use the comma for
 * decimals), else a comma.
 */
typedef struct CsvReader
{
	const char *begin;
	const char *p;
	const char *end;
	const char *source;
	char		separator;
	int			line;			/* line of the next character */
	StringInfoData fields;		/* the current record's fields, each NUL-ended */
	int		   *starts;			/* offset of each field in fields.data */
	int		   *lengths;
	int			count;
	int			capacity;
} CsvReader;

static void
CsvBegin(CsvReader *reader, const char *data, int length, const char *source)
{
	const char *first_newline = memchr(data, '\n', length);
	int			header_length = first_newline ? (int) (first_newline - data) : length;

	reader->begin = reader->p = data;
	reader->end = data + length;
	reader->source = source;
	reader->line = 1;
	reader->separator = ',';
	/* as thidua._csv_separator(): tab, else ';' when the header has no ',' */
	if (memchr(data, '\t', header_length) != NULL)
		reader->separator = '\t';
	else if (memchr(data, ',', header_length) == NULL && memchr(data, ';', header_length) != NULL)
		reader->separator = ';';
	initStringInfo(&reader->fields);
	reader->capacity = 16;
	reader->starts = palloc(sizeof(int) * reader->capacity);
	reader->lengths = palloc(sizeof(int) * reader->capacity);
	reader->count = 0;
}

/* Reads the next record into reader->fields; false at the end of the text. */
static bool
CsvNext(CsvReader *reader, int *record_line)
{
	const char *p = reader->p;
	const char *end = reader->end;
	const char	separator = reader->separator;
	StringInfo	fields = &reader->fields;

	if (p >= end)
		return false;
	*record_line = reader->line;
	resetStringInfo(fields);
	reader->count = 0;
	for (;;)
	{
		bool		quoted = false;

		if (reader->count == reader->capacity)
		{
			reader->capacity *= 2;
			reader->starts = repalloc(reader->starts, sizeof(int) * reader->capacity);
			reader->lengths = repalloc(reader->lengths, sizeof(int) * reader->capacity);
		}
		reader->starts[reader->count] = fields->len;
		if (p < end && *p == '"')
		{
			int			quote_line = reader->line;

			quoted = true;
			p++;
			for (;;)
			{
				if (p >= end)
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
							 errmsg("%s:%d: a quoted field is not closed", reader->source, quote_line)));
				if (*p == '"')
				{
					if (p + 1 < end && p[1] == '"')
					{
						appendStringInfoChar(fields, '"');
						p += 2;
						continue;
					}
					p++;
					break;
				}
				if (*p == '\n')
					reader->line++;
				appendStringInfoChar(fields, *p++);
			}
		}
		/* unquoted text, or what follows a closing quote up to the separator */
		{
			const char *text_start = p;

			while (p < end && *p != separator && *p != '\n' && *p != '\r')
			{
				if (quoted && *p != ' ' && *p != '\t')
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
							 errmsg("%s:%d: unexpected text after a closing quote", reader->source, reader->line)));
				if (*p == '"' && !quoted)
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
							 errmsg("%s:%d: a quote inside an unquoted field", reader->source, reader->line),
							 errhint("Quote the whole field and double the quotes inside it.")));
				p++;
			}
			if (!quoted)
				appendBinaryStringInfo(fields, text_start, p - text_start);
		}
		reader->lengths[reader->count] = fields->len - reader->starts[reader->count];
		appendStringInfoChar(fields, '\0');
		reader->count++;
		if (p < end && *p == separator)
		{
			p++;
			continue;
		}
		if (p < end && *p == '\r')
			p++;
		if (p < end && *p == '\n')
		{
			p++;
			reader->line++;
		}
		break;
	}
	reader->p = p;
	return true;
}

/* The text of a CSV argument, a UTF-8 byte-order mark dropped. */
static void
CsvArgument(text *content, const char **data, int *length)
{
	*data = VARDATA_ANY(content);
	*length = VARSIZE_ANY_EXHDR(content);
	if (GetDatabaseEncoding() == PG_UTF8 && *length >= 3 && (unsigned char) (*data)[0] == 0xEF &&
		(unsigned char) (*data)[1] == 0xBB && (unsigned char) (*data)[2] == 0xBF)
	{
		*data += 3;
		*length -= 3;
	}
}

/*
 * SQL: thidua._csv_records(content text, source text) -> (line, fields text[])
 */
Datum
thidua_csv_records(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	text	   *content;
	char	   *source;
	CsvReader	reader;
	int			record_line;

	InitMaterializedSRF(fcinfo, 0);
	if (PG_ARGISNULL(0))
		return (Datum) 0;		/* no text: no records */
	content = PG_GETARG_TEXT_PP(0);
	source = PG_ARGISNULL(1) ? "input" : text_to_cstring(PG_GETARG_TEXT_PP(1));
	CsvBegin(&reader, VARDATA_ANY(content), VARSIZE_ANY_EXHDR(content), source);
	while (CsvNext(&reader, &record_line))
	{
		Datum		values[2];
		bool		nulls[2] = {false, false};
		Datum	   *fields = palloc(sizeof(Datum) * reader.count);

		for (int i = 0; i < reader.count; i++)
			fields[i] = PointerGetDatum(cstring_to_text_with_len(reader.fields.data + reader.starts[i],
																 reader.lengths[i]));
		values[0] = Int32GetDatum(record_line);
		values[1] = PointerGetDatum(construct_array(fields, reader.count, TEXTOID, -1, false, TYPALIGN_INT));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		pfree(fields);
	}
	return (Datum) 0;
}

/* A field trimmed of spaces (as btrim() does): its start and length. */
static void
Trimmed(const CsvReader *reader, int field, const char **start, int *length)
{
	const char *s = reader->fields.data + reader->starts[field];
	int			n = reader->lengths[field];

	while (n > 0 && *s == ' ')
	{
		s++;
		n--;
	}
	while (n > 0 && s[n - 1] == ' ')
		n--;
	*start = s;
	*length = n;
}

/* Whether every field of the current record is empty once trimmed. */
static bool
RecordIsEmpty(const CsvReader *reader)
{
	for (int i = 0; i < reader->count; i++)
	{
		const char *s;
		int			n;

		Trimmed(reader, i, &s, &n);
		if (n > 0)
			return false;
	}
	return true;
}

/* A text[] argument as C strings (NULL elements stay NULL). */
static char **
TextArrayArgument(ArrayType *array, int *count)
{
	Datum	   *elements;
	bool	   *nulls;
	char	  **strings;

	deconstruct_array(array, TEXTOID, -1, false, TYPALIGN_INT, &elements, &nulls, count);
	strings = palloc(sizeof(char *) * (*count + 1));
	for (int i = 0; i < *count; i++)
		strings[i] = nulls[i] ? NULL : TextDatumGetCString(elements[i]);
	return strings;
}

/* "a, b, c" for the hints */
static char *
JoinNames(char **names, int count)
{
	StringInfoData joined;

	initStringInfo(&joined);
	for (int i = 0; i < count; i++)
		appendStringInfo(&joined, "%s%s", i > 0 ? ", " : "", names[i] ? names[i] : "");
	return joined.data;
}

/*
 * SQL: thidua._csv_rows(content text, source text, columns text[], required text[])
 *		-> SETOF (line integer, cells text[], separator text)
 *
 * The rows of a CSV file, cells in the order of columns, trimmed, empty as
 * NULL. The header (its first non-empty record) names the columns,
 * case-insensitively and in any order. Records whose cells are all empty are
 * a spreadsheet's padding, and so are columns with an empty header as long as
 * they hold nothing. A cell that starts with apostrophes before = + - or @
 * loses one apostrophe: thidua's CSV output adds it so that spreadsheets do
 * not run the cell as a formula. Every error names source:line and the column.
 * With the setting thidua.progress on, NOTICEs "progress: reading N%" tell a
 * client how far the reading is.
 */
Datum
thidua_csv_rows(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	const char *data;
	int			length;
	char	   *source;
	char	  **columns;
	int			ncolumns;
	char	  **required = NULL;
	int			nrequired = 0;
	bool	   *is_required;
	CsvReader	reader;
	int			record_line;
	int			width = -1;		/* header's columns; -1 before the header */
	int		   *kept;			/* file column (0-based) of each of columns, -1: absent */
	bool	   *padding = NULL; /* header column is empty */
	char	  **header = NULL;
	int			header_line = 0;
	long		rows = 0;
	Datum	   *cells;
	bool	   *cell_nulls;
	Datum		separator_text;
	const char *progress_setting = GetConfigOption("thidua.progress", true, false);
	bool		progress = false;
	int			reported = 0;

	InitMaterializedSRF(fcinfo, 0);
	if (PG_ARGISNULL(0) || PG_ARGISNULL(2))
		return (Datum) 0;		/* no text or no columns: no rows */
	source = PG_ARGISNULL(1) ? "input" : text_to_cstring(PG_GETARG_TEXT_PP(1));
	columns = TextArrayArgument(PG_GETARG_ARRAYTYPE_P(2), &ncolumns);
	if (!PG_ARGISNULL(3))
		required = TextArrayArgument(PG_GETARG_ARRAYTYPE_P(3), &nrequired);
	if (progress_setting != NULL)
		(void) parse_bool(progress_setting, &progress);

	is_required = palloc0(sizeof(bool) * (ncolumns + 1));
	kept = palloc(sizeof(int) * (ncolumns + 1));
	for (int c = 0; c < ncolumns; c++)
	{
		kept[c] = -1;
		for (int r = 0; r < nrequired; r++)
			if (columns[c] != NULL && required[r] != NULL && strcmp(columns[c], required[r]) == 0)
				is_required[c] = true;
	}
	cells = palloc(sizeof(Datum) * (ncolumns + 1));
	cell_nulls = palloc(sizeof(bool) * (ncolumns + 1));

	CsvArgument(PG_GETARG_TEXT_PP(0), &data, &length);
	CsvBegin(&reader, data, length, source);
	{
		char		sep[2] = {reader.separator, '\0'};

		separator_text = CStringGetTextDatum(sep);
	}
	while (CsvNext(&reader, &record_line))
	{
		Datum		values[3];
		bool		nulls[3] = {false, false, false};

		CHECK_FOR_INTERRUPTS();
		if (progress && length > 0)
		{
			int			percent = (int) ((reader.p - reader.begin) * 100L / length);

			/* every tenth, not every line */
			if (percent / 10 > reported / 10)
			{
				reported = percent / 10 * 10;
				ereport(NOTICE, (errmsg("progress: reading %d%%", reported)));
			}
		}
		if (RecordIsEmpty(&reader))
			continue;
		if (width < 0)
		{
			width = reader.count;
			header_line = record_line;
			header = palloc(sizeof(char *) * width);
			padding = palloc0(sizeof(bool) * width);
			for (int i = 0; i < width; i++)
			{
				const char *s;
				int			n;

				Trimmed(&reader, i, &s, &n);
				header[i] = str_tolower(s, n, DEFAULT_COLLATION_OID);
				if (n == 0)
				{
					padding[i] = true;
					continue;
				}
				for (int c = 0; c < ncolumns; c++)
				{
					if (columns[c] == NULL || strcmp(columns[c], header[i]) != 0)
						continue;
					if (kept[c] >= 0)
						ereport(ERROR,
								(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
								 errmsg("%s:%d: column %d (\"%s\"): the column is named twice",
										source, record_line, i + 1, header[i])));
					kept[c] = i;
					break;
				}
				if (!padding[i])
				{
					bool		known = false;

					for (int c = 0; c < ncolumns && !known; c++)
						known = kept[c] == i;
					if (!known)
						ereport(ERROR,
								(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
								 errmsg("%s:%d: column %d (\"%s\"): is not a column of this file",
										source, record_line, i + 1, header[i]),
								 errhint("The columns are: %s.", JoinNames(columns, ncolumns))));
				}
			}
			for (int r = 0; r < nrequired; r++)
			{
				bool		present = false;

				for (int c = 0; c < ncolumns && !present; c++)
					present = columns[c] != NULL && required[r] != NULL &&
						strcmp(columns[c], required[r]) == 0 && kept[c] >= 0;
				if (!present && required[r] != NULL)
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
							 errmsg("%s:%d: column \"%s\" is missing from the header",
									source, record_line, required[r]),
							 errhint("The columns are: %s.", JoinNames(columns, ncolumns))));
			}
			continue;
		}
		for (int i = width; i < reader.count; i++)
		{
			const char *s;
			int			n;

			Trimmed(&reader, i, &s, &n);
			if (n > 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
						 errmsg("%s:%d: column %d: a value beyond the header's %d columns",
								source, record_line, i + 1, width)));
		}
		for (int i = 0; i < width && i < reader.count; i++)
		{
			const char *s;
			int			n;

			if (!padding[i])
				continue;
			Trimmed(&reader, i, &s, &n);
			if (n > 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
						 errmsg("%s:%d: column %d: a value under an empty header", source, record_line, i + 1),
						 errhint("Name the column in the header, or empty it.")));
		}
		for (int c = 0; c < ncolumns; c++)
		{
			const char *s = NULL;
			int			n = 0;

			if (kept[c] >= 0 && kept[c] < reader.count)
				Trimmed(&reader, kept[c], &s, &n);
			/* the apostrophe thidua's CSV output puts before a formula-like text */
			if (n >= 2 && s[0] == '\'')
			{
				int			k = 1;

				while (k < n && s[k] == '\'')
					k++;
				if (k < n && s[k] != '\0' && strchr("=+-@\t\r", s[k]) != NULL)
				{
					s++;
					n--;
				}
			}
			cell_nulls[c] = n == 0;
			cells[c] = n == 0 ? (Datum) 0 : PointerGetDatum(cstring_to_text_with_len(s, n));
			if (n == 0 && is_required[c])
				ereport(ERROR,
						(errcode(ERRCODE_NOT_NULL_VIOLATION),
						 errmsg("%s:%d: column %d (\"%s\"): a value is required",
								source, record_line, kept[c] + 1, columns[c])));
		}
		{
			int			dims[1] = {ncolumns};
			int			lbs[1] = {1};

			values[0] = Int32GetDatum(record_line);
			values[1] = PointerGetDatum(construct_md_array(cells, cell_nulls, 1, dims, lbs,
														   TEXTOID, -1, false, TYPALIGN_INT));
			values[2] = separator_text;
		}
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		for (int c = 0; c < ncolumns; c++)
			if (!cell_nulls[c])
				pfree(DatumGetPointer(cells[c]));
		rows++;
	}
	if (width < 0)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("%s: the file is empty", source),
				 errhint("The first line names the columns: %s.", JoinNames(columns, ncolumns))));
	if (rows == 0)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("%s:%d: the file has a header and no rows", source, header_line)));
	if (progress && reported < 100)
		ereport(NOTICE, (errmsg("progress: reading 100%%")));
	return (Datum) 0;
}

/*
 * SQL: thidua._csv_number_text(value text, separator text) -> text
 *
 * A number as a spreadsheet cell writes it, in the form numeric reads, or NULL
 * when it is not one: sign, digits with at most one decimal mark, and an
 * exponent of 1 to 3 digits (1e2, as JSON allows). The decimal mark is the
 * point, or in ";" and tab files (separator other than ",") also the comma,
 * given back as the point. Spaces around it are dropped. In C because a score
 * file runs it on every line.
 */
Datum
thidua_csv_number_text(PG_FUNCTION_ARGS)
{
	text	   *value;
	const char *s;
	int			n;
	bool		comma_is_decimal = false;
	int			i = 0;
	int			digits = 0;
	char	   *written;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	if (!PG_ARGISNULL(1))
	{
		text	   *separator = PG_GETARG_TEXT_PP(1);

		comma_is_decimal = !(VARSIZE_ANY_EXHDR(separator) == 1 && *VARDATA_ANY(separator) == ',');
	}
	value = PG_GETARG_TEXT_PP(0);
	s = VARDATA_ANY(value);
	n = VARSIZE_ANY_EXHDR(value);
	while (n > 0 && *s == ' ')
	{
		s++;
		n--;
	}
	while (n > 0 && s[n - 1] == ' ')
		n--;

	if (i < n && (s[i] == '+' || s[i] == '-'))
		i++;
	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++, digits++;
	if (i < n && (s[i] == '.' || (s[i] == ',' && comma_is_decimal)))
	{
		i++;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++, digits++;
	}
	if (digits == 0)
		PG_RETURN_NULL();
	if (i < n && (s[i] == 'e' || s[i] == 'E'))
	{
		int			exponent_digits = 0;

		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++, exponent_digits++;
		if (exponent_digits < 1 || exponent_digits > 3)
			PG_RETURN_NULL();
	}
	if (i != n)
		PG_RETURN_NULL();
	written = pnstrdup(s, n);
	for (char *c = written; *c; c++)
		if (*c == ',')
			*c = '.';
	PG_RETURN_TEXT_P(cstring_to_text_with_len(written, n));
}
