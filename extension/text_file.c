/*
 * text_file.c
 *		Reading files that clerks export: UTF-8 checked line by line, CSV records.
 *
 * Files arrive as bytea so that an encoding error can name its line; text
 * parameters would be refused by the server with no line at all.
 */
#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/tuplestore.h"

PG_FUNCTION_INFO_V1(thidua_decode_utf8);
PG_FUNCTION_INFO_V1(thidua_csv_records);

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

/* Emits one record: its starting line and fields. */
static void
EmitRecord(ReturnSetInfo *rsinfo, int line, ArrayBuildState *fields)
{
	Datum		values[2];
	bool		nulls[2] = {false, false};

	values[0] = Int32GetDatum(line);
	values[1] = makeArrayResult(fields, CurrentMemoryContext);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/*
 * SQL: thidua._csv_records(content text, source text) -> (line, fields text[])
 *
 * RFC 4180: quoted fields may hold separators, doubled quotes and newlines;
 * CRLF or LF line ends. The separator is a tab when the first line has one,
 * else a semicolon when it has semicolons and no comma (spreadsheets in
 * locales that use the comma for decimals), else a comma.
 */
Datum
thidua_csv_records(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	text	   *content;
	char	   *source;
	const char *p;
	const char *end;
	const char *first_newline;
	const char *header_end;
	char		separator = ',';
	int			line = 1;
	StringInfoData field;

	InitMaterializedSRF(fcinfo, 0);
	if (PG_ARGISNULL(0))
		return (Datum) 0;		/* no text: no records */
	content = PG_GETARG_TEXT_PP(0);
	source = PG_ARGISNULL(1) ? "input" : text_to_cstring(PG_GETARG_TEXT_PP(1));
	p = VARDATA_ANY(content);
	end = p + VARSIZE_ANY_EXHDR(content);
	first_newline = memchr(p, '\n', end - p);
	header_end = first_newline ? first_newline : end;

	/* as thidua._csv_separator(): tab, else ';' when the header has no ',' */
	if (memchr(p, '\t', header_end - p) != NULL)
		separator = '\t';
	else if (memchr(p, ',', header_end - p) == NULL && memchr(p, ';', header_end - p) != NULL)
		separator = ';';

	initStringInfo(&field);
	while (p < end)
	{
		ArrayBuildState *fields = initArrayResult(TEXTOID, CurrentMemoryContext, false);
		int			record_line = line;
		bool		record_done = false;

		while (!record_done)
		{
			bool		quoted = false;

			resetStringInfo(&field);
			if (p < end && *p == '"')
			{
				int			quote_line = line;

				quoted = true;
				p++;
				for (;;)
				{
					if (p >= end)
						ereport(ERROR,
								(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
								 errmsg("%s:%d: a quoted field is not closed", source, quote_line)));
					if (*p == '"')
					{
						if (p + 1 < end && p[1] == '"')
						{
							appendStringInfoChar(&field, '"');
							p += 2;
							continue;
						}
						p++;
						break;
					}
					if (*p == '\n')
						line++;
					appendStringInfoChar(&field, *p++);
				}
			}
			/* unquoted text, or what follows a closing quote up to the separator */
			while (p < end && *p != separator && *p != '\n' && *p != '\r')
			{
				if (quoted && *p != ' ' && *p != '\t')
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
							 errmsg("%s:%d: unexpected text after a closing quote", source, line)));
				if (*p == '"' && !quoted)
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
							 errmsg("%s:%d: a quote inside an unquoted field", source, line),
							 errhint("Quote the whole field and double the quotes inside it.")));
				if (!quoted)
					appendStringInfoChar(&field, *p);
				p++;
			}
			accumArrayResult(fields, PointerGetDatum(cstring_to_text_with_len(field.data, field.len)),
							 false, TEXTOID, CurrentMemoryContext);
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
				line++;
			}
			record_done = true;
		}
		EmitRecord(rsinfo, record_line, fields);
	}
	return (Datum) 0;
}
