-- thidua SQL source: spreadsheet files (CSV) as every import reads them.
-- Holds _csv_rows() (a file's rows by column name, checked), and the cell readers
-- _csv_decimal() and _csv_date(). Every import (criteria, scores, units, people,
-- bloc members, pacts) reads its file through these, so that one set of rules holds:
-- separator sniffed from the header, decimal comma in ";" and tab files, BOM, CRLF,
-- empty padding rows and columns ignored, errors naming file:line and column.

-- The rows of a CSV file, cells in the order of columns (trimmed; empty is NULL).
-- The header names the columns (case-insensitive, in any order); a column not in
-- columns, a required column missing, a header with no rows, or an empty cell in
-- a required column are errors naming source:line and the column.
CREATE FUNCTION thidua._csv_rows(content text, source text, columns text[], required text[],
								 OUT line integer, OUT cells text[], OUT separator text)
	RETURNS SETOF record
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	header text[];
	kept integer[];			-- file column of each entry of columns (NULL: absent)
	padding integer[] := '{}';	-- file columns with an empty header
	record record;
	rows_seen bigint := 0;
	name text;
	width integer;
BEGIN
	source := coalesce(source, 'input');
	IF ascii(content) OPERATOR(pg_catalog.=) 65279 THEN
		content := substr(content, 2);		-- a byte-order mark is not content
	END IF;
	separator := thidua._csv_separator(content);
	FOR record IN SELECT * FROM thidua._csv_records(content, source) LOOP
		-- rows whose cells are all empty (a spreadsheet's padding) are not rows
		CONTINUE WHEN NOT EXISTS (SELECT 1 FROM unnest(record.fields) f WHERE btrim(f) OPERATOR(pg_catalog.<>) '');
		IF header IS NULL THEN
			header := ARRAY(SELECT lower(btrim(h)) FROM unnest(record.fields) h);
			width := array_length(header, 1);
			FOR i IN 1 .. width LOOP
				IF header[i] OPERATOR(pg_catalog.=) '' THEN
					padding := padding OPERATOR(pg_catalog.||) i;
				ELSIF NOT header[i] OPERATOR(pg_catalog.=) ANY (columns) THEN
					RAISE EXCEPTION '%:%: column % ("%"): is not a column of this file', source, record.line, i, header[i]
						USING ERRCODE = 'invalid_text_representation',
							  HINT = format('The columns are: %s.', array_to_string(columns, ', '));
				ELSIF array_position(header, header[i]) OPERATOR(pg_catalog.<>) i THEN
					RAISE EXCEPTION '%:%: column % ("%"): the column is named twice', source, record.line, i, header[i]
						USING ERRCODE = 'invalid_text_representation';
				END IF;
			END LOOP;
			kept := ARRAY(SELECT array_position(header, c) FROM unnest(columns) c);
			FOREACH name IN ARRAY coalesce(required, '{}') LOOP
				IF array_position(header, name) IS NULL THEN
					RAISE EXCEPTION '%:%: column "%" is missing from the header', source, record.line, name
						USING ERRCODE = 'invalid_text_representation',
							  HINT = format('The columns are: %s.', array_to_string(columns, ', '));
				END IF;
			END LOOP;
			CONTINUE;
		END IF;
		FOR i IN width + 1 .. coalesce(array_length(record.fields, 1), 0) LOOP
			IF btrim(record.fields[i]) OPERATOR(pg_catalog.<>) '' THEN
				RAISE EXCEPTION '%:%: column %: a value beyond the header''s % columns', source, record.line, i, width
					USING ERRCODE = 'invalid_text_representation';
			END IF;
		END LOOP;
		FOREACH width IN ARRAY padding LOOP
			IF btrim(coalesce(record.fields[width], '')) OPERATOR(pg_catalog.<>) '' THEN
				RAISE EXCEPTION '%:%: column %: a value under an empty header', source, record.line, width
					USING ERRCODE = 'invalid_text_representation',
						  HINT = 'Name the column in the header, or empty it.';
			END IF;
		END LOOP;
		width := array_length(header, 1);
		line := record.line;
		cells := ARRAY(SELECT nullif(btrim(record.fields[k]), '') FROM unnest(kept) WITH ORDINALITY AS c(k, o) ORDER BY o);
		FOR i IN 1 .. array_length(columns, 1) LOOP
			IF cells[i] IS NULL AND columns[i] OPERATOR(pg_catalog.=) ANY (coalesce(required, '{}')) THEN
				RAISE EXCEPTION '%:%: column % ("%"): a value is required', source, record.line, kept[i], columns[i]
					USING ERRCODE = 'not_null_violation';
			END IF;
		END LOOP;
		rows_seen := rows_seen OPERATOR(pg_catalog.+) 1;
		RETURN NEXT;
	END LOOP;
	IF header IS NULL THEN
		RAISE EXCEPTION '%: the file is empty', source USING ERRCODE = 'no_data_found',
			HINT = format('The first line names the columns: %s.', array_to_string(columns, ', '));
	ELSIF rows_seen OPERATOR(pg_catalog.=) 0 THEN
		RAISE EXCEPTION '%: the file has a header and no rows', source USING ERRCODE = 'no_data_found';
	END IF;
END
$$;
COMMENT ON FUNCTION thidua._csv_rows(text, text, text[], text[]) IS
	'the rows of a CSV file (separator sniffed from the header: comma, semicolon or tab) as cells in the order of columns, trimmed, empty as NULL; padding rows and empty unnamed columns ignored; errors name source:line and column';

-- The separator of a CSV text, from its header line: tab, else semicolon when
-- the header has no comma, else comma.
CREATE FUNCTION thidua._csv_separator(content text) RETURNS text
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT CASE WHEN strpos(h, E'\t') OPERATOR(pg_catalog.>) 0 THEN E'\t'
				WHEN strpos(h, ',') OPERATOR(pg_catalog.=) 0 AND strpos(h, ';') OPERATOR(pg_catalog.>) 0 THEN ';'
				ELSE ',' END
	FROM (SELECT split_part(coalesce(content, ''), E'\n', 1) AS h) s
$$;

-- A cell as an exact decimal. In ";" and tab files a decimal comma is read as
-- the point ("83,4" is 83.4); in "," files it is refused. An exponent (1e2) is
-- accepted, as in JSON. NULL stays NULL.
CREATE FUNCTION thidua._csv_decimal(value text, separator text, source text, line integer, field text)
	RETURNS numeric
	LANGUAGE plpgsql IMMUTABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	written text := btrim(value);
BEGIN
	IF written IS NULL OR written OPERATOR(pg_catalog.=) '' THEN
		RETURN NULL;
	END IF;
	IF separator OPERATOR(pg_catalog.<>) ',' AND written OPERATOR(pg_catalog.~) '^[+-]?([0-9]*,[0-9]+|[0-9]+,)([eE][+-]?[0-9]+)?$' THEN
		written := replace(written, ',', '.');
	END IF;
	IF written OPERATOR(pg_catalog.!~) '^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]{1,3})?$' THEN
		RAISE EXCEPTION '%:%: field "%": "%" is not a number', source, line, field, value
			USING ERRCODE = 'invalid_text_representation',
				  HINT = CASE WHEN separator OPERATOR(pg_catalog.=) ',' AND strpos(written, ',') OPERATOR(pg_catalog.>) 0
							THEN 'Use "." for decimals in a comma-separated file.'
							ELSE 'Write digits with one decimal mark and no thousands separator.' END;
	END IF;
	RETURN written::numeric;
END
$$;

-- A cell as a date: ISO 8601 (2024-03-15) or day/month/year (15/03/2024), as
-- Vietnamese spreadsheets write it. NULL stays NULL.
CREATE FUNCTION thidua._csv_date(value text, source text, line integer, field text)
	RETURNS date
	LANGUAGE plpgsql IMMUTABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	written text := btrim(value);
	parts text[];
BEGIN
	IF written IS NULL OR written OPERATOR(pg_catalog.=) '' THEN
		RETURN NULL;
	END IF;
	parts := regexp_match(written, '^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})$');
	IF parts IS NULL THEN
		parts := regexp_match(written, '^([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})$');
		parts := ARRAY[parts[3], parts[2], parts[1]];
	END IF;
	IF parts[1] IS NOT NULL THEN
		BEGIN
			RETURN make_date(parts[1]::integer, parts[2]::integer, parts[3]::integer);
		EXCEPTION WHEN datetime_field_overflow OR invalid_datetime_format THEN
			NULL;		-- 2024-02-30: reported below
		END;
	END IF;
	RAISE EXCEPTION '%:%: field "%": "%" is not a date', source, line, field, value
		USING ERRCODE = 'invalid_datetime_format',
			  HINT = 'Write dates as 2024-03-15 or 15/03/2024 (day/month/year).';
END
$$;
