-- thidua SQL source: spreadsheet files (CSV) as every import reads them.
-- Holds _csv_rows() (a file's rows by column name, checked; C), and the cell
-- readers _csv_number_text(), _csv_decimal() and _csv_date(). Every import (criteria, scores, units, people,
-- bloc members, pacts) reads its file through these, so that one set of rules holds:
-- separator sniffed from the header, decimal comma in ";" and tab files, BOM, CRLF,
-- empty padding rows and columns ignored, errors naming file:line and column.

-- The rows of a CSV file, cells in the order of columns (trimmed; empty is NULL).
-- The header names the columns (case-insensitive, in any order); a column not in
-- columns, a column named twice, a required column missing, an empty file, a
-- header with no rows, an empty cell in a required column, a value beyond the
-- header or under an empty header are errors naming source:line and the column.
-- Rows whose cells are all empty, and columns with an empty header and no value,
-- are a spreadsheet's padding and ignored. A cell starting with apostrophes
-- before = + - @ loses one apostrophe (thidua's CSV output adds it so that a
-- spreadsheet does not run the cell as a formula). One pass in C: a score file
-- has hundreds of thousands of rows. With thidua.progress on, it reports
-- "progress: reading N%" as NOTICEs.
CREATE FUNCTION thidua._csv_rows(content text, source text, columns text[], required text[],
								 OUT line integer, OUT cells text[], OUT separator text)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'thidua_csv_rows'
	LANGUAGE C STABLE PARALLEL SAFE;
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

-- A number as a spreadsheet cell writes it, in the form numeric reads, or NULL
-- when it is not one. In ";" and tab files a decimal comma is the point ("83,4"
-- is 83.4); in "," files a comma is no decimal mark. An exponent (1e2) is a
-- number, as in JSON. The one rule of every import (scores, criteria, ...); in C,
-- as a score file runs it on every line.
CREATE FUNCTION thidua._csv_number_text(value text, separator text) RETURNS text
	AS 'MODULE_PATHNAME', 'thidua_csv_number_text'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION thidua._csv_number_text(text, text) IS
	'a CSV cell as numeric text (decimal comma read in ";" and tab files, exponent accepted), or NULL when it is not a number';

-- A cell as an exact decimal (see _csv_number_text), or an error naming
-- source:line and the field. NULL and empty are NULL.
CREATE FUNCTION thidua._csv_decimal(value text, separator text, source text, line integer, field text)
	RETURNS numeric
	LANGUAGE plpgsql IMMUTABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	written text := thidua._csv_number_text(value, separator);
BEGIN
	IF value IS NULL OR btrim(value) OPERATOR(pg_catalog.=) '' THEN
		RETURN NULL;
	END IF;
	IF written IS NULL THEN
		RAISE EXCEPTION '%:%: field "%": "%" is not a number%', source, line, field, value,
			CASE WHEN separator OPERATOR(pg_catalog.=) ',' AND strpos(value, ',') OPERATOR(pg_catalog.>) 0
				 THEN ' (use "." for decimals)' ELSE '' END
			USING ERRCODE = 'invalid_text_representation',
				  HINT = CASE WHEN separator OPERATOR(pg_catalog.=) ',' AND strpos(value, ',') OPERATOR(pg_catalog.>) 0
							THEN 'A comma-separated file writes decimals with "."; a decimal comma is read in ";" and tab-separated files.'
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
