-- thidua 0.6.0: real spreadsheets, real criteria tables, a zone set up from the CLI.
\echo Use "ALTER EXTENSION thidua UPDATE TO '0.6.0'" to load this file. \quit

SELECT thidua._require_library('0.6.0');

------------------------------------------------------------------------------
-- One spreadsheet reader for every import: _csv_rows in C (one pass), the
-- number rule of every import (_csv_number_text), the criteria CSV through the
-- same reader, codes a spreadsheet would merge refused, CSV output with a
-- byte-order mark and formula-like text neutralised, score files as text or
-- bytes (import_scores(bloc, period, content, source)), checks over the whole
-- file in one query each, progress NOTICEs under thidua.progress
------------------------------------------------------------------------------

COMMENT ON FUNCTION thidua._csv_records(text, text) IS
	'the records of a CSV text (RFC 4180; tab when the header has one, else semicolon when it has no comma, else comma) with the line each starts on';

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

-- A CSV number as a JSON number, or an error naming the line and field. Read
-- as every import reads numbers (_csv_number_text): a decimal comma in ";" and
-- tab files, an exponent (1e2) anywhere.
CREATE OR REPLACE FUNCTION thidua._csv_number(value text, doc jsonb, line integer, field text) RETURNS jsonb
	LANGUAGE plpgsql IMMUTABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	written text := thidua._csv_number_text(value, coalesce(doc ->> '_separator', ','));
BEGIN
	IF value IS NULL OR btrim(value) = '' THEN
		RETURN NULL;
	END IF;
	IF written IS NULL THEN
		PERFORM thidua._criteria_error(doc, jsonb_build_object('_line', line), field,
			format('"%s" is not a number (use "." for decimals)', value));
	END IF;
	RETURN to_jsonb(written::numeric);
END
$$;

-- A criteria CSV (see README) as a criteria document, each record's line kept.
CREATE OR REPLACE FUNCTION thidua._criteria_csv_to_document(content text, source text) RETURNS jsonb
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	columns constant text[] := ARRAY['kind', 'code', 'parent', 'title', 'max', 'rule', 'params'];
	doc jsonb := jsonb_build_object('_source', source);
	record record;
	f jsonb;		-- the record's fields by column name
	params jsonb;
	item jsonb;
	key text;
	items jsonb := '[]';
	classes jsonb := '[]';
BEGIN
	-- the reader every import uses: separator, padding, required cells, errors
	FOR record IN SELECT * FROM thidua._csv_rows(content, source, columns, '{kind,code}') LOOP
		IF NOT doc ? '_separator' THEN
			doc := doc || jsonb_build_object('_separator', record.separator);
		END IF;
		f := '{}';
		FOR i IN 1 .. array_length(columns, 1) LOOP
			f := f || jsonb_build_object(columns[i], record.cells[i]);
		END LOOP;
		params := thidua._csv_params(f ->> 'params', doc, record.line);

		CASE lower(f ->> 'kind')
		WHEN 'set' THEN
			doc := doc || jsonb_build_object('set', jsonb_build_object('code', f -> 'code', 'name', f -> 'title'));
		WHEN 'version' THEN
			doc := doc || jsonb_build_object('edition', f -> 'code', 'title', f -> 'title', '_line', record.line);
			FOR key IN SELECT jsonb_object_keys(params) LOOP
				CONTINUE WHEN params ->> key = '';	-- an empty value: as if left out
				CASE key
				WHEN 'rounding_scale' THEN
					doc := doc || jsonb_build_object(key, thidua._csv_number(params ->> key, doc, record.line, key));
				WHEN 'allow_over_completion' THEN
					IF lower(params ->> key) NOT IN ('true', 'false') THEN
						PERFORM thidua._criteria_error(doc, NULL, key, 'must be true or false');
					END IF;
					doc := doc || jsonb_build_object(key, lower(params ->> key)::boolean);
				WHEN 'tie_break' THEN
					doc := doc || jsonb_build_object(key,
						to_jsonb(regexp_split_to_array(btrim(params ->> key), '\s+')));
				ELSE
					PERFORM thidua._criteria_error(doc, NULL, key, 'is not a parameter of the version record');
				END CASE;
			END LOOP;
		WHEN 'class' THEN
			FOR key IN SELECT jsonb_object_keys(params) LOOP
				IF key <> 'min' THEN
					PERFORM thidua._criteria_error(doc, jsonb_build_object('_line', record.line), key,
						'is not a parameter of a class record (only min)');
				END IF;
			END LOOP;
			classes := classes || jsonb_build_array(jsonb_strip_nulls(jsonb_build_object(
				'label', f -> 'code', 'title', f -> 'title',
				'min', thidua._csv_number(params ->> 'min', doc, record.line, 'min'), '_line', record.line)));
		WHEN 'veto' THEN
			doc := doc || jsonb_build_object('veto', jsonb_strip_nulls(jsonb_build_object(
				'max_class', f -> 'code', 'reason', f -> 'title')));
		WHEN 'section', 'criterion', 'bonus', 'penalty' THEN
			item := jsonb_strip_nulls(jsonb_build_object(
				'code', f -> 'code', 'parent', f -> 'parent', 'kind', lower(f ->> 'kind'),
				'title', f -> 'title', 'max', thidua._csv_number(f ->> 'max', doc, record.line, 'max'),
				'rule', f -> 'rule', '_line', record.line));
			FOR key IN SELECT jsonb_object_keys(params) LOOP
				item := item || jsonb_build_object(key, CASE key
					WHEN 'bands' THEN thidua._csv_bands(params ->> key, doc, record.line)
					ELSE thidua._csv_number(params ->> key, doc, record.line, key) END);
			END LOOP;
			items := items || jsonb_build_array(item);
		ELSE
			PERFORM thidua._criteria_error(doc, jsonb_build_object('_line', record.line), 'kind',
				format('"%s" is not a record kind (set, version, class, veto, section, criterion, bonus, penalty)',
					coalesce(f ->> 'kind', '')));
		END CASE;
	END LOOP;
	RETURN (doc - '_separator') || jsonb_build_object('format', 'thidua-criteria/1', 'items', items, 'classes', classes);
END
$$;

-- Imports a criteria file (JSON or CSV text) all or nothing; returns the version code.
CREATE FUNCTION thidua.import_criteria_file(content text, format text DEFAULT NULL,
											source text DEFAULT 'input', replace_draft boolean DEFAULT false)
	RETURNS text
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	kind text := lower(coalesce(format, substring(source FROM '\.([A-Za-z]+)$'), ''));
	doc jsonb;
	message text;
	detail text;
	context text;
BEGIN
	IF kind = 'json' THEN
		BEGIN
			doc := content::jsonb;
		EXCEPTION WHEN invalid_text_representation THEN
			GET STACKED DIAGNOSTICS message = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL,
				context = PG_EXCEPTION_CONTEXT;
			RAISE EXCEPTION '%:%: %', source,
				coalesce(substring(context FROM 'JSON data, line ([0-9]+)'), '?'), message
				USING ERRCODE = 'invalid_text_representation', DETAIL = detail;
		END;
		IF jsonb_typeof(doc) = 'object' THEN
			doc := doc || jsonb_build_object('_source', source);
		END IF;
	ELSIF kind = 'csv' THEN
		doc := thidua._criteria_csv_to_document(content, source);
	ELSE
		RAISE EXCEPTION '%: unknown criteria file format "%"', source, kind
			USING ERRCODE = 'invalid_parameter_value', HINT = 'Use a .json or .csv file, or name the format.';
	END IF;
	RETURN thidua.import_criteria(doc, replace_draft);
END
$$;
COMMENT ON FUNCTION thidua.import_criteria_file(text, text, text, boolean) IS
	'imports a criteria file given as text (format json or csv, else from the extension of source, e.g. stp-2019.csv) as a new draft version, all or nothing; returns its code. Errors name source:line, the version, item and field';

-- The same from the file's bytes: invalid UTF-8 is refused naming its line.
CREATE OR REPLACE FUNCTION thidua.import_criteria_file(data bytea, format text DEFAULT NULL,
											source text DEFAULT 'input', replace_draft boolean DEFAULT false)
	RETURNS text
	LANGUAGE sql
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT thidua.import_criteria_file(thidua._decode_utf8(data, source), format, source, replace_draft)
$$;
COMMENT ON FUNCTION thidua.import_criteria_file(bytea, text, text, boolean) IS
	'imports a criteria file (JSON or CSV bytes, UTF-8; invalid UTF-8 is refused naming its line) as a new draft version; returns its code';

-- One CSV field, quoted when it must be. Text that a spreadsheet would run as
-- a formula (starting with = + - @, after any apostrophes) gets an apostrophe
-- in front, which spreadsheets show as text and thidua's reader (_csv_rows)
-- removes, so every text reads back as it was; numbers (-2) are left alone.
CREATE OR REPLACE FUNCTION thidua._csv_field(value text) RETURNS text
	LANGUAGE sql IMMUTABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT CASE WHEN v IS NULL THEN ''
				WHEN v ~ '[",;\r\n]|^\s|\s$' THEN '"' || replace(v, '"', '""') || '"'
				ELSE v END
	FROM (SELECT CASE WHEN value ~ '^''*[=+@-]' AND value !~ '^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$'
					  THEN '''' || value ELSE value END AS v) AS neutralised
$$;

-- The stored version as a criteria CSV (what import takes back).
CREATE OR REPLACE FUNCTION thidua.export_criteria_csv(version text) RETURNS text
	LANGUAGE sql STABLE STRICT
	SET search_path = pg_catalog, pg_temp
	AS $$
	WITH doc AS (SELECT thidua.export_criteria(version) AS d),
	records AS (
		SELECT 0 AS ord, ARRAY['set', d #>> '{set,code}', NULL, d #>> '{set,name}', NULL, NULL, NULL] AS r FROM doc
		UNION ALL
		SELECT 1, ARRAY['version', d ->> 'edition', NULL, d ->> 'title', NULL, NULL,
			format('rounding_scale=%s; allow_over_completion=%s; tie_break=%s', d ->> 'rounding_scale',
				d ->> 'allow_over_completion',
				(SELECT string_agg(k, ' ') FROM jsonb_array_elements_text(d -> 'tie_break') k))] FROM doc
		UNION ALL
		SELECT 2 + n::integer, ARRAY['class', c ->> 'label', NULL, c ->> 'title', NULL, NULL,
			CASE WHEN c ? 'min' THEN 'min=' || (c ->> 'min') END]
		FROM doc, jsonb_array_elements(d -> 'classes') WITH ORDINALITY AS cs(c, n)
		UNION ALL
		SELECT 1000, ARRAY['veto', d #>> '{veto,max_class}', NULL, d #>> '{veto,reason}', NULL, NULL, NULL]
		FROM doc WHERE d ? 'veto' AND jsonb_typeof(d -> 'veto') = 'object'
		UNION ALL
		SELECT 1001 + n::integer, ARRAY[i ->> 'kind', i ->> 'code', i ->> 'parent', i ->> 'title', i ->> 'max',
			i ->> 'rule', thidua._params_text(i)]
		FROM doc, jsonb_array_elements(d -> 'items') WITH ORDINALITY AS items(i, n)
	)
	-- a byte-order mark, so that spreadsheets open the file as UTF-8
	SELECT U&'\FEFF' || 'kind,code,parent,title,max,rule,params' || E'\n' ||
		string_agg((SELECT string_agg(thidua._csv_field(x), ',' ORDER BY o) FROM unnest(r) WITH ORDINALITY AS f(x, o)),
				   E'\n' ORDER BY ord) || E'\n'
	FROM records
	HAVING count(*) > 0
$$;
COMMENT ON FUNCTION thidua.export_criteria_csv(text) IS
	'a criteria version as a criteria CSV: UTF-8 text starting with a byte-order mark; text cells starting with = + - @ get an apostrophe in front (the importer removes it)';

-- Checks a criteria document; raises the first error found. Run at import and
-- again at publish, on the document exported from the stored rows. A field
-- whose value is null counts as absent.
CREATE OR REPLACE FUNCTION thidua._validate_criteria(doc jsonb) RETURNS void
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	code_pattern constant text := '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$';
	item_fields constant text[] := ARRAY['code', 'parent', 'kind', 'title', 'max', 'rule', 'target',
		'ceiling', 'bands', 'otherwise', 'per', 'floor', '_line'];
	rule_fields jsonb := '{"pass_fail": [], "proportional": ["target", "ceiling"],
		"bands": ["bands", "otherwise"], "per_occurrence": ["per", "floor", "ceiling"], "manual": []}';
	scale integer;
	over_completion boolean;
	item jsonb;
	band jsonb;
	previous jsonb;
	field text;
	kinds jsonb := '{}';		-- code -> kind
	number_codes jsonb := '{}';	-- a numeric code's value -> code
	parents jsonb := '{}';		-- code -> parent
	child_count jsonb := '{}';	-- code -> number of children
	max_points numeric;
	from_value numeric;
	to_value numeric;
	previous_from numeric;
	previous_to numeric;
	direction integer;
	step integer;
	criteria integer := 0;
	band_number integer;
	class_labels text[] := '{}';
	previous_bound numeric;
	key text;
	ancestor text;
	depth integer;
BEGIN
	IF jsonb_typeof(doc) IS DISTINCT FROM 'object' THEN
		PERFORM thidua._criteria_error('{}', NULL, '(document)', 'must be a JSON object');
	END IF;
	doc := jsonb_strip_nulls(doc);
	IF doc ? 'format' AND doc ->> 'format' <> 'thidua-criteria/1' THEN
		PERFORM thidua._criteria_error(doc, NULL, 'format',
			format('unknown format %s; expected "thidua-criteria/1"', doc -> 'format'));
	END IF;
	FOR field IN SELECT jsonb_object_keys(doc) LOOP
		IF field <> ALL (ARRAY['format', 'set', 'edition', 'title', 'rounding_scale',
				'allow_over_completion', 'classes', 'veto', 'tie_break', 'items', '_source', '_line']) THEN
			PERFORM thidua._criteria_error(doc, NULL, field, 'is not a field of a criteria document');
		END IF;
	END LOOP;
	IF jsonb_typeof(doc #> '{set,code}') IS DISTINCT FROM 'string' OR doc #>> '{set,code}' !~ code_pattern THEN
		PERFORM thidua._criteria_error(doc, doc -> 'set', 'set.code',
			'must be 1 to 63 letters, digits, ".", "_" or "-", starting with a letter or digit');
	END IF;
	IF jsonb_typeof(doc #> '{set,name}') IS DISTINCT FROM 'string' OR doc #>> '{set,name}' = '' THEN
		PERFORM thidua._criteria_error(doc, doc -> 'set', 'set.name', 'is required');
	END IF;
	FOR field IN SELECT jsonb_object_keys(doc -> 'set') LOOP
		IF field NOT IN ('code', 'name') THEN
			PERFORM thidua._criteria_error(doc, NULL, 'set.' || field, 'is not a field of a criteria set');
		END IF;
	END LOOP;
	IF jsonb_typeof(doc -> 'edition') IS DISTINCT FROM 'string' OR doc ->> 'edition' !~ code_pattern THEN
		PERFORM thidua._criteria_error(doc, NULL, 'edition',
			'must be 1 to 63 letters, digits, ".", "_" or "-", starting with a letter or digit');
	END IF;
	IF jsonb_typeof(doc -> 'title') IS DISTINCT FROM 'string' OR doc ->> 'title' = '' THEN
		PERFORM thidua._criteria_error(doc, NULL, 'title', 'is required');
	END IF;
	scale := coalesce(thidua._criteria_number(doc, NULL, 'rounding_scale', false, 0), 2);
	IF scale NOT BETWEEN 0 AND 6 THEN
		PERFORM thidua._criteria_error(doc, NULL, 'rounding_scale', 'must be between 0 and 6');
	END IF;
	IF doc ? 'allow_over_completion' AND jsonb_typeof(doc -> 'allow_over_completion') <> 'boolean' THEN
		PERFORM thidua._criteria_error(doc, NULL, 'allow_over_completion', 'must be true or false');
	END IF;
	over_completion := coalesce((doc ->> 'allow_over_completion')::boolean, false);

	-- Items: first each on its own, then the tree.
	IF jsonb_typeof(doc -> 'items') IS DISTINCT FROM 'array' OR jsonb_array_length(doc -> 'items') = 0 THEN
		PERFORM thidua._criteria_error(doc, NULL, 'items', 'must be a non-empty array');
	END IF;
	FOR item IN SELECT value FROM jsonb_array_elements(doc -> 'items') LOOP
		IF jsonb_typeof(item) <> 'object' THEN
			PERFORM thidua._criteria_error(doc, NULL, 'items', 'every item must be an object');
		END IF;
		IF jsonb_typeof(item -> 'code') IS DISTINCT FROM 'string' OR item ->> 'code' !~ '^[[:alnum:]][[:alnum:]._-]{0,63}$' THEN
			PERFORM thidua._criteria_error(doc, item - 'code', 'code',
				format('%s must be 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit',
					coalesce(item -> 'code', 'null')));
		END IF;
		IF kinds ? (item ->> 'code') THEN
			PERFORM thidua._criteria_error(doc, item, 'code', 'is used by more than one item');
		END IF;
		-- 1.1 and 1.10 are one number to a spreadsheet, which would merge them
		IF item ->> 'code' ~ '^[0-9]+(\.[0-9]+)?$' THEN
			key := trim_scale((item ->> 'code')::numeric)::text;
			IF number_codes ? key THEN
				PERFORM thidua._criteria_error(doc, item, 'code',
					format('items "%s" and "%s" differ only in zeros: a spreadsheet reads both as the number %s and merges them',
						number_codes ->> key, item ->> 'code', key));
			END IF;
			number_codes := number_codes || jsonb_build_object(key, item ->> 'code');
		END IF;
		FOR field IN SELECT jsonb_object_keys(item) LOOP
			IF field <> ALL (item_fields) THEN
				PERFORM thidua._criteria_error(doc, item, field, 'is not a field of an item');
			END IF;
		END LOOP;
		IF item ->> 'kind' IS NULL OR item ->> 'kind' NOT IN ('section', 'criterion', 'bonus', 'penalty') THEN
			PERFORM thidua._criteria_error(doc, item, 'kind',
				format('must be section, criterion, bonus or penalty, not %s', coalesce(item -> 'kind', 'null')));
		END IF;
		IF jsonb_typeof(item -> 'title') IS DISTINCT FROM 'string' OR item ->> 'title' = '' THEN
			PERFORM thidua._criteria_error(doc, item, 'title', 'is required');
		END IF;
		IF item ? 'parent' AND jsonb_typeof(item -> 'parent') NOT IN ('string', 'null') THEN
			PERFORM thidua._criteria_error(doc, item, 'parent', 'must be the code of a section');
		END IF;
		kinds := kinds || jsonb_build_object(item ->> 'code', item ->> 'kind');
		parents := parents || jsonb_build_object(item ->> 'code', item -> 'parent');

		IF item ->> 'kind' <> 'criterion' THEN
			IF item ? 'rule' THEN
				PERFORM thidua._criteria_error(doc, item, 'rule', 'only criteria have a rule');
			END IF;
			FOR field IN SELECT jsonb_object_keys(item) LOOP
				IF field IN ('target', 'ceiling', 'bands', 'otherwise', 'per', 'floor') THEN
					PERFORM thidua._criteria_error(doc, item, field, 'only criteria have rule parameters');
				END IF;
			END LOOP;
			max_points := thidua._criteria_number(doc, item, 'max', true, scale);
			IF max_points < 0 THEN
				PERFORM thidua._criteria_error(doc, item, 'max', 'must not be negative');
			END IF;
			CONTINUE;
		END IF;

		criteria := criteria + 1;
		IF NOT rule_fields ? coalesce(item ->> 'rule', '') THEN
			PERFORM thidua._criteria_error(doc, item, 'rule',
				format('must be pass_fail, proportional, bands, per_occurrence or manual, not %s',
					coalesce(item -> 'rule', 'null')));
		END IF;
		FOR field IN SELECT jsonb_object_keys(item) LOOP
			IF field IN ('target', 'ceiling', 'bands', 'otherwise', 'per', 'floor')
			   AND NOT rule_fields -> (item ->> 'rule') ? field THEN
				PERFORM thidua._criteria_error(doc, item, field,
					format('is not a parameter of the %s rule', item ->> 'rule'));
			END IF;
		END LOOP;
		max_points := thidua._criteria_number(doc, item, 'max', item ->> 'rule' <> 'per_occurrence', scale);
		IF item ->> 'rule' = 'per_occurrence' AND max_points IS NOT NULL THEN
			PERFORM thidua._criteria_error(doc, item, 'max',
				'a per_occurrence criterion is bounded by floor and ceiling, not max');
		END IF;
		IF max_points < 0 THEN
			PERFORM thidua._criteria_error(doc, item, 'max', 'must not be negative');
		END IF;

		CASE item ->> 'rule'
		WHEN 'proportional' THEN
			IF thidua._criteria_number(doc, item, 'target', true, 6) <= 0 THEN
				PERFORM thidua._criteria_error(doc, item, 'target', 'must be greater than zero');
			END IF;
			IF item ? 'ceiling' THEN
				IF NOT over_completion THEN
					PERFORM thidua._criteria_error(doc, item, 'ceiling',
						'over-completion is not allowed by this version (allow_over_completion is false)');
				END IF;
				IF thidua._criteria_number(doc, item, 'ceiling', true, scale) < max_points THEN
					PERFORM thidua._criteria_error(doc, item, 'ceiling', 'must not be below max');
				END IF;
			END IF;
		WHEN 'per_occurrence' THEN
			IF thidua._criteria_number(doc, item, 'per', true, 6) = 0 THEN
				PERFORM thidua._criteria_error(doc, item, 'per', 'must not be zero');
			END IF;
			IF thidua._criteria_number(doc, item, 'floor', false, scale)
			   > thidua._criteria_number(doc, item, 'ceiling', false, scale) THEN
				PERFORM thidua._criteria_error(doc, item, 'floor', 'must not be above ceiling');
			END IF;
		WHEN 'bands' THEN
			PERFORM thidua._criteria_number(doc, item, 'otherwise', false, scale);
			IF jsonb_typeof(item -> 'bands') IS DISTINCT FROM 'array' OR jsonb_array_length(item -> 'bands') = 0 THEN
				PERFORM thidua._criteria_error(doc, item, 'bands', 'must be a non-empty array');
			END IF;
			previous := NULL;
			direction := 0;
			band_number := 0;
			FOR band IN SELECT value FROM jsonb_array_elements(item -> 'bands') LOOP
				band_number := band_number + 1;
				IF jsonb_typeof(band) <> 'object' THEN
					PERFORM thidua._criteria_error(doc, item, 'bands', format('band %s must be an object', band_number));
				END IF;
				FOR field IN SELECT jsonb_object_keys(band) LOOP
					IF field NOT IN ('from', 'from_inclusive', 'to', 'to_inclusive', 'points') THEN
						PERFORM thidua._criteria_error(doc, item, 'bands',
							format('band %s: "%s" is not a field of a band', band_number, field));
					END IF;
				END LOOP;
				from_value := thidua._criteria_number(doc, item || jsonb_build_object(
					format('bands[%s].from', band_number), band -> 'from'), format('bands[%s].from', band_number), false, 6);
				to_value := thidua._criteria_number(doc, item || jsonb_build_object(
					format('bands[%s].to', band_number), band -> 'to'), format('bands[%s].to', band_number), false, 6);
				IF from_value IS NULL AND to_value IS NULL THEN
					PERFORM thidua._criteria_error(doc, item, 'bands', format('band %s has neither from nor to', band_number));
				END IF;
				IF (from_value IS NOT NULL AND jsonb_typeof(band -> 'from_inclusive') IS DISTINCT FROM 'boolean')
				   OR (to_value IS NOT NULL AND jsonb_typeof(band -> 'to_inclusive') IS DISTINCT FROM 'boolean') THEN
					PERFORM thidua._criteria_error(doc, item, 'bands',
						format('band %s must say whether each bound is inclusive (from_inclusive, to_inclusive)', band_number));
				END IF;
				IF from_value > to_value OR (from_value = to_value AND NOT ((band ->> 'from_inclusive')::boolean
						AND (band ->> 'to_inclusive')::boolean)) THEN
					PERFORM thidua._criteria_error(doc, item, 'bands', format('band %s is empty', band_number));
				END IF;
				IF thidua._criteria_number(doc, item || jsonb_build_object(format('bands[%s].points', band_number),
						band -> 'points'), format('bands[%s].points', band_number), true, scale) > max_points THEN
					PERFORM thidua._criteria_error(doc, item, 'bands',
						format('band %s gives %s points, above max %s', band_number, band -> 'points', max_points));
				END IF;
				IF previous IS NOT NULL THEN
					-- +1: this band lies wholly above the previous one; -1: wholly below.
					step := CASE
						WHEN previous_to IS NOT NULL AND from_value IS NOT NULL AND (previous_to < from_value
							OR (previous_to = from_value AND NOT ((previous ->> 'to_inclusive')::boolean
								AND (band ->> 'from_inclusive')::boolean))) THEN 1
						WHEN previous_from IS NOT NULL AND to_value IS NOT NULL AND (to_value < previous_from
							OR (to_value = previous_from AND NOT ((band ->> 'to_inclusive')::boolean
								AND (previous ->> 'from_inclusive')::boolean))) THEN -1
						ELSE 0 END;
					IF step = 0 THEN
						PERFORM thidua._criteria_error(doc, item, 'bands',
							format('band %s overlaps band %s', band_number, band_number - 1));
					END IF;
					IF direction <> 0 AND step <> direction THEN
						PERFORM thidua._criteria_error(doc, item, 'bands',
							format('band %s is out of order: bands must run all ascending or all descending', band_number));
					END IF;
					direction := step;
				END IF;
				previous := band;
				previous_from := from_value;
				previous_to := to_value;
			END LOOP;
		ELSE
			NULL;
		END CASE;
	END LOOP;
	IF criteria = 0 THEN
		PERFORM thidua._criteria_error(doc, NULL, 'items', 'has no criterion');
	END IF;

	-- The tree: parents exist and are groups, no cycles, bonus and penalty at the top.
	FOR item IN SELECT value FROM jsonb_array_elements(doc -> 'items') LOOP
		IF jsonb_typeof(item -> 'parent') = 'string' THEN
			IF NOT kinds ? (item ->> 'parent') THEN
				PERFORM thidua._criteria_error(doc, item, 'parent',
					format('no item has the code "%s"', item ->> 'parent'));
			END IF;
			IF kinds ->> (item ->> 'parent') = 'criterion' THEN
				PERFORM thidua._criteria_error(doc, item, 'parent',
					format('"%s" is a criterion; items belong to sections', item ->> 'parent'));
			END IF;
			IF item ->> 'kind' IN ('bonus', 'penalty') THEN
				PERFORM thidua._criteria_error(doc, item, 'parent',
					format('a %s section stands at the top level', item ->> 'kind'));
			END IF;
			child_count := child_count || jsonb_build_object(item ->> 'parent',
				coalesce((child_count ->> (item ->> 'parent'))::integer, 0) + 1);
			ancestor := item ->> 'parent';
			depth := 0;
			WHILE ancestor IS NOT NULL LOOP
				depth := depth + 1;
				IF ancestor = item ->> 'code' OR depth > 64 THEN
					PERFORM thidua._criteria_error(doc, item, 'parent', 'the parents form a cycle');
				END IF;
				ancestor := parents ->> ancestor;
			END LOOP;
		END IF;
	END LOOP;
	FOR item IN SELECT value FROM jsonb_array_elements(doc -> 'items') LOOP
		IF item ->> 'kind' <> 'criterion' AND NOT child_count ? (item ->> 'code') THEN
			PERFORM thidua._criteria_error(doc, item, 'code', format('the %s has no items', item ->> 'kind'));
		END IF;
	END LOOP;
	IF (SELECT count(*) FROM jsonb_array_elements(doc -> 'items') i WHERE i ->> 'kind' = 'bonus') > 1 THEN
		PERFORM thidua._criteria_error(doc, NULL, 'items', 'has more than one bonus section');
	END IF;
	IF (SELECT count(*) FROM jsonb_array_elements(doc -> 'items') i WHERE i ->> 'kind' = 'penalty') > 1 THEN
		PERFORM thidua._criteria_error(doc, NULL, 'items', 'has more than one penalty section');
	END IF;

	-- Class bands: best first, bounds strictly decreasing, only the last open.
	IF jsonb_typeof(doc -> 'classes') IS DISTINCT FROM 'array' OR jsonb_array_length(doc -> 'classes') = 0 THEN
		PERFORM thidua._criteria_error(doc, NULL, 'classes', 'must be a non-empty array');
	END IF;
	previous_bound := NULL;
	FOR item, band_number IN SELECT value, ordinality FROM jsonb_array_elements(doc -> 'classes') WITH ORDINALITY LOOP
		IF jsonb_typeof(item -> 'label') IS DISTINCT FROM 'string' OR item ->> 'label' !~ '^\S{1,32}$' THEN
			PERFORM thidua._criteria_error(doc, NULL, 'classes', 'every class needs a label of 1 to 32 characters without spaces');
		END IF;
		FOR field IN SELECT jsonb_object_keys(item) LOOP
			IF field NOT IN ('label', 'title', 'min', '_line') THEN
				PERFORM thidua._criteria_error(doc, item, field, 'is not a field of a class');
			END IF;
		END LOOP;
		IF item ? 'title' AND jsonb_typeof(item -> 'title') <> 'string' THEN
			PERFORM thidua._criteria_error(doc, item, 'title', 'must be text');
		END IF;
		IF item ->> 'label' = ANY (class_labels) THEN
			PERFORM thidua._criteria_error(doc, item, 'label', 'is used by more than one class');
		END IF;
		from_value := thidua._criteria_number(doc, item, 'min', false, 6);
		IF from_value IS NULL AND band_number < jsonb_array_length(doc -> 'classes') THEN
			PERFORM thidua._criteria_error(doc, item, 'min', 'is required: only the last class may have no lower bound');
		ELSIF previous_bound IS NOT NULL AND from_value >= previous_bound THEN
			PERFORM thidua._criteria_error(doc, item, 'min',
				format('%s is not below the previous class''s %s: classes run from best to worst', from_value, previous_bound));
		END IF;
		previous_bound := from_value;
		class_labels := class_labels || (item ->> 'label');
	END LOOP;
	IF jsonb_typeof(doc -> 'veto') = 'object' THEN
		FOR field IN SELECT jsonb_object_keys(doc -> 'veto') LOOP
			IF field NOT IN ('max_class', 'reason') THEN
				PERFORM thidua._criteria_error(doc, NULL, 'veto.' || field, 'is not a field of the veto');
			END IF;
		END LOOP;
		IF NOT doc -> 'veto' ? 'max_class' THEN
			PERFORM thidua._criteria_error(doc, NULL, 'veto.max_class', 'is required');
		END IF;
		IF jsonb_typeof(doc #> '{veto,max_class}') <> 'string' OR NOT (doc #>> '{veto,max_class}') = ANY (class_labels) THEN
			PERFORM thidua._criteria_error(doc, NULL, 'veto.max_class',
				format('%s is not one of the classes', doc #> '{veto,max_class}'));
		END IF;
		IF doc -> 'veto' ? 'reason' AND jsonb_typeof(doc #> '{veto,reason}') <> 'string' THEN
			PERFORM thidua._criteria_error(doc, NULL, 'veto.reason', 'must be text');
		END IF;
	ELSIF doc ? 'veto' THEN
		PERFORM thidua._criteria_error(doc, NULL, 'veto', 'must be an object with max_class and reason');
	END IF;

	-- Tie-break keys must name something that exists; none means ["total"].
	IF doc ? 'tie_break' THEN
		IF jsonb_typeof(doc -> 'tie_break') <> 'array' THEN
			PERFORM thidua._criteria_error(doc, NULL, 'tie_break', 'must be an array of keys');
		END IF;
		IF EXISTS (SELECT 1 FROM jsonb_array_elements(doc -> 'tie_break') k WHERE jsonb_typeof(k) <> 'string') THEN
			PERFORM thidua._criteria_error(doc, NULL, 'tie_break', 'every key must be a string');
		END IF;
		FOR key IN SELECT value FROM jsonb_array_elements_text(doc -> 'tie_break') LOOP
			IF key IN ('total', 'bonus', 'penalty') THEN
				IF key <> 'total' AND NOT kinds @? format('$.* ? (@ == "%s")', key)::jsonpath THEN
					PERFORM thidua._criteria_error(doc, NULL, 'tie_break',
						format('"%s": the version has no %s section', key, key));
				END IF;
			ELSIF key LIKE 'section:%' THEN
				IF kinds ->> substr(key, 9) IS DISTINCT FROM 'section' THEN
					PERFORM thidua._criteria_error(doc, NULL, 'tie_break',
						format('"%s": no section has the code "%s"', key, substr(key, 9)));
				END IF;
			ELSE
				PERFORM thidua._criteria_error(doc, NULL, 'tie_break',
					format('"%s" is not a key: use total, bonus, penalty or section:<code>', key));
			END IF;
		END LOOP;
		IF (SELECT count(DISTINCT value) <> count(*) FROM jsonb_array_elements_text(doc -> 'tie_break')) THEN
			PERFORM thidua._criteria_error(doc, NULL, 'tie_break', 'names a key twice');
		END IF;
	END IF;
END
$$;

-- Whether the client asked for progress reports: the setting thidua.progress
-- (the CLI sets it for its progress bar).
CREATE FUNCTION thidua._progress_on() RETURNS boolean
	LANGUAGE sql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT coalesce(current_setting('thidua.progress', true), '') OPERATOR(pg_catalog.=) ANY ('{on,true,yes,1}')
$$;

-- Reports a phase of an import as a NOTICE "progress: PHASE N%" when asked for.
CREATE FUNCTION thidua._progress(phase text, percent integer) RETURNS void
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	IF thidua._progress_on() THEN
		RAISE NOTICE 'progress: % %', phase, percent || '%';
	END IF;
END
$$;

-- Names the first line of pg_temp._thidua_scores at fault, checking in this
-- order: members, the role's units, a unit scoring itself, then (when every
-- is true) criteria, a score given twice, a score stored already, and last,
-- line by line, the values by their rules. Raises source:line: field ...;
-- returns when every line is fine.
CREATE FUNCTION thidua._score_file_fault(bloc text, period text, source text, every boolean) RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	version text;
	bad record;
	message text;
	detail text;
	hint text;
	state text;
BEGIN
	SELECT bp.criteria_version INTO version FROM thidua.bloc_period bp
		WHERE bp.bloc_code OPERATOR(pg_catalog.=) bloc AND bp.period_code OPERATOR(pg_catalog.=) period;
	-- members: the unit, and the judge unless it is "self"
	SELECT i.line, 'unit' AS field, i.unit AS value INTO bad FROM pg_temp._thidua_scores i
		WHERE NOT EXISTS (SELECT 1 FROM thidua.bloc_member m WHERE m.bloc_code OPERATOR(pg_catalog.=) bloc
			AND m.period_code OPERATOR(pg_catalog.=) period AND m.unit_code OPERATOR(pg_catalog.=) i.unit)
		ORDER BY i.line LIMIT 1;
	IF NOT FOUND THEN
		SELECT i.line, 'judge' AS field, i.judge AS value INTO bad FROM pg_temp._thidua_scores i
			WHERE i.judge OPERATOR(pg_catalog.<>) 'self' AND NOT EXISTS (SELECT 1 FROM thidua.bloc_member m
				WHERE m.bloc_code OPERATOR(pg_catalog.=) bloc AND m.period_code OPERATOR(pg_catalog.=) period
				  AND m.unit_code OPERATOR(pg_catalog.=) i.judge)
			ORDER BY i.line LIMIT 1;
	END IF;
	IF FOUND THEN
		RAISE EXCEPTION '%:%: field "%": "%" is not a member of bloc "%" in period "%"',
			source, bad.line, bad.field, coalesce(bad.value, ''), bloc, period
			USING ERRCODE = 'foreign_key_violation';
	END IF;
	-- the caller files only what its own units give (row-level security enforces
	-- the same on every route; this names the line)
	IF NOT thidua._is_admin() THEN
		SELECT i.line, CASE WHEN i.judge OPERATOR(pg_catalog.=) 'self' THEN i.unit ELSE i.judge END AS judge_unit,
			thidua._caller_units() AS acts_for INTO bad
		FROM pg_temp._thidua_scores i
		WHERE NOT CASE WHEN i.judge OPERATOR(pg_catalog.=) 'self' THEN i.unit ELSE i.judge END
			OPERATOR(pg_catalog.=) ANY (thidua._caller_units())
		ORDER BY i.line LIMIT 1;
		IF FOUND THEN
			RAISE EXCEPTION '%:%: field "judge": role "%" may not file the scores given by "%"',
				source, bad.line, current_user, bad.judge_unit
				USING ERRCODE = 'insufficient_privilege',
					  DETAIL = format('A scorer files only the self-assessments and peer scores of the units its role is mapped to; role "%s" acts for %s.',
						current_user, coalesce('"' || nullif(array_to_string(bad.acts_for, '", "'), '') || '"', 'no unit')),
					  HINT = 'A thidua_admin maps roles to units in thidua.role_unit.';
		END IF;
	END IF;
	SELECT i.line INTO bad FROM pg_temp._thidua_scores i WHERE i.judge OPERATOR(pg_catalog.=) i.unit ORDER BY i.line LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION '%:%: field "judge": a member never scores itself as a peer; write "self" for a self-assessment',
			source, bad.line USING ERRCODE = 'check_violation';
	END IF;
	IF NOT every THEN
		RETURN;
	END IF;
	-- criteria: an item of the bloc's version, and a criterion (not a section)
	SELECT i.line, i.criterion, c.kind INTO bad FROM pg_temp._thidua_scores i
		LEFT JOIN thidua.criteria_item c ON c.version_code OPERATOR(pg_catalog.=) version
			AND c.code OPERATOR(pg_catalog.=) i.criterion
		WHERE c.kind IS DISTINCT FROM 'criterion'
		ORDER BY i.line LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION '%:%: field "criterion": "%" %', source, bad.line, bad.criterion,
			CASE WHEN bad.kind IS NULL THEN format('is not an item of criteria version "%s"', version)
				 ELSE format('is a %s of criteria version "%s", not a criterion', bad.kind, version) END
			USING ERRCODE = 'foreign_key_violation',
				  HINT = 'Scores are given to criteria; sections add up their criteria''s points.';
	END IF;
	SELECT d.line, d.criterion INTO bad FROM (
		SELECT i.line, i.criterion, row_number() OVER (PARTITION BY i.unit, i.judge, i.criterion ORDER BY i.line) AS n
		FROM pg_temp._thidua_scores i) AS d
		WHERE d.n OPERATOR(pg_catalog.>) 1
		ORDER BY d.line LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION '%:%: field "criterion": "%" is given twice for the same unit and judge',
			source, bad.line, bad.criterion USING ERRCODE = 'unique_violation';
	END IF;
	SELECT i.line, i.unit, i.judge, i.criterion INTO bad FROM pg_temp._thidua_scores i
		JOIN thidua.evaluation e ON e.bloc_code OPERATOR(pg_catalog.=) bloc AND e.period_code OPERATOR(pg_catalog.=) period
			AND e.unit_code OPERATOR(pg_catalog.=) i.unit
			AND e.judge_code OPERATOR(pg_catalog.=) CASE WHEN i.judge OPERATOR(pg_catalog.=) 'self' THEN i.unit ELSE i.judge END
		JOIN thidua.observation o ON o.evaluation_id OPERATOR(pg_catalog.=) e.evaluation_id
			AND o.criterion_code OPERATOR(pg_catalog.=) i.criterion
		ORDER BY i.line LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION '%:%: the score of "%" by "%" for criterion "%" is stored already', source, bad.line,
			bad.unit, bad.judge, bad.criterion
			USING ERRCODE = 'unique_violation', HINT = 'Scores are never overwritten; delete the stored one first.';
	END IF;
	-- each value by its criterion's rule, in line order: one subtransaction for
	-- the walk, not one per line
	BEGIN
		FOR bad IN SELECT i.line, i.criterion, i.observed FROM pg_temp._thidua_scores i ORDER BY i.line LOOP
			PERFORM thidua.points(version, bad.criterion, bad.observed);
		END LOOP;
	EXCEPTION WHEN OTHERS THEN
		GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
			detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
		message := format('%s:%s: field "observed": %s', source, bad.line, message);
		IF coalesce(detail, '') OPERATOR(pg_catalog.=) '' AND coalesce(hint, '') OPERATOR(pg_catalog.=) '' THEN
			RAISE EXCEPTION USING ERRCODE = state, MESSAGE = message;
		ELSIF coalesce(hint, '') OPERATOR(pg_catalog.=) '' THEN
			RAISE EXCEPTION USING ERRCODE = state, MESSAGE = message, DETAIL = detail;
		ELSIF coalesce(detail, '') OPERATOR(pg_catalog.=) '' THEN
			RAISE EXCEPTION USING ERRCODE = state, MESSAGE = message, HINT = hint;
		ELSE
			RAISE EXCEPTION USING ERRCODE = state, MESSAGE = message, DETAIL = detail, HINT = hint;
		END IF;
	END;
END
$$;
COMMENT ON FUNCTION thidua._score_file_fault(text, text, text, boolean) IS
	'raises the first fault of the scores in pg_temp._thidua_scores, naming source:line and the field; returns when there is none';

-- Checks and stores the scores in pg_temp._thidua_scores (line, unit, judge,
-- criterion, observed numeric, evidence) for a bloc and period. The tables'
-- constraints and the observations' rule check judge the whole file in two
-- statements; only when they refuse it is the file searched for the first line
-- at fault (_score_file_fault), so a good file costs no check per line.
CREATE FUNCTION thidua._store_scores(bloc text, period text, source text) RETURNS bigint
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	-- statistics of the staged lines: a small sample is enough for hash joins
	SET default_statistics_target = 10
	AS $$
DECLARE
	stored bigint := 0;
	inserted bigint;
	first_line bigint;
	end_line bigint;
	low bigint;
	high bigint;
	slices bigint;
	state text;
	message text;
	detail text;
	hint text;
BEGIN
	IF NOT EXISTS (SELECT 1 FROM thidua.bloc_period bp
			WHERE bp.bloc_code OPERATOR(pg_catalog.=) bloc AND bp.period_code OPERATOR(pg_catalog.=) period) THEN
		RAISE EXCEPTION 'bloc "%" has no settings for period "%"', bloc, period USING ERRCODE = 'no_data_found';
	END IF;
	PERFORM thidua._progress('checking', 0);
	ANALYZE pg_temp._thidua_scores;
	-- what row-level security would refuse without naming a line (and the
	-- cheap checks before it, in their order)
	IF NOT thidua._is_admin() THEN
		PERFORM thidua._score_file_fault(bloc, period, source, false);
	END IF;
	PERFORM thidua._progress('checking', 100);
	BEGIN
		INSERT INTO thidua.evaluation (bloc_code, period_code, unit_code, stage, judge_code)
			SELECT DISTINCT bloc, period, i.unit, CASE WHEN i.judge OPERATOR(pg_catalog.=) 'self' THEN 'self' ELSE 'peer' END,
				CASE WHEN i.judge OPERATOR(pg_catalog.=) 'self' THEN i.unit ELSE i.judge END
			FROM pg_temp._thidua_scores i
			ON CONFLICT (bloc_code, period_code, unit_code, stage, judge_code) DO NOTHING;
		PERFORM thidua._progress('storing', 15);
		-- the observations' trigger checks every value by its criterion's rule;
		-- a progress bar gets the file in ten slices of lines, so that it moves
		SELECT min(i.line), max(i.line) OPERATOR(pg_catalog.+) 1 INTO first_line, end_line
			FROM pg_temp._thidua_scores i;
		slices := CASE WHEN thidua._progress_on() THEN 10 ELSE 1 END;
		FOR part IN 0 .. slices OPERATOR(pg_catalog.-) 1 LOOP
			-- (OPERATOR() binds left to right, hence the parentheses)
			low := first_line OPERATOR(pg_catalog.+) (((end_line OPERATOR(pg_catalog.-) first_line)
				OPERATOR(pg_catalog.*) part) OPERATOR(pg_catalog./) slices);
			high := first_line OPERATOR(pg_catalog.+) (((end_line OPERATOR(pg_catalog.-) first_line)
				OPERATOR(pg_catalog.*) (part OPERATOR(pg_catalog.+) 1)) OPERATOR(pg_catalog./) slices);
			-- planned for these bounds (EXECUTE): a generic plan of the slice
			-- could loop over the evaluations for every line
			EXECUTE $sql$
				INSERT INTO thidua.observation (evaluation_id, criterion_code, observed, evidence)
				SELECT e.evaluation_id, i.criterion, i.observed, nullif(i.evidence, '')
				FROM pg_temp._thidua_scores i
				JOIN thidua.evaluation e ON e.bloc_code OPERATOR(pg_catalog.=) $1 AND e.period_code OPERATOR(pg_catalog.=) $2
					AND e.unit_code OPERATOR(pg_catalog.=) i.unit
					AND e.judge_code OPERATOR(pg_catalog.=) CASE WHEN i.judge OPERATOR(pg_catalog.=) 'self' THEN i.unit ELSE i.judge END
					AND e.stage OPERATOR(pg_catalog.=) CASE WHEN i.judge OPERATOR(pg_catalog.=) 'self' THEN 'self' ELSE 'peer' END
				WHERE i.line OPERATOR(pg_catalog.>=) $3 AND i.line OPERATOR(pg_catalog.<) $4 $sql$
				USING bloc, period, low, high;
			GET DIAGNOSTICS inserted = ROW_COUNT;
			stored := stored OPERATOR(pg_catalog.+) inserted;
			PERFORM thidua._progress('storing', (15 OPERATOR(pg_catalog.+)
				((85 OPERATOR(pg_catalog.*) (part OPERATOR(pg_catalog.+) 1)) OPERATOR(pg_catalog./) slices))::integer);
		END LOOP;
	EXCEPTION WHEN OTHERS THEN
		GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
			detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
		PERFORM thidua._score_file_fault(bloc, period, source, true);
		-- no line at fault (a closed period, say): the error as it came
		IF coalesce(detail, '') OPERATOR(pg_catalog.=) '' AND coalesce(hint, '') OPERATOR(pg_catalog.=) '' THEN
			RAISE EXCEPTION USING ERRCODE = state, MESSAGE = message;
		ELSIF coalesce(hint, '') OPERATOR(pg_catalog.=) '' THEN
			RAISE EXCEPTION USING ERRCODE = state, MESSAGE = message, DETAIL = detail;
		ELSIF coalesce(detail, '') OPERATOR(pg_catalog.=) '' THEN
			RAISE EXCEPTION USING ERRCODE = state, MESSAGE = message, HINT = hint;
		ELSE
			RAISE EXCEPTION USING ERRCODE = state, MESSAGE = message, DETAIL = detail, HINT = hint;
		END IF;
	END;
	RETURN stored;
END
$$;
COMMENT ON FUNCTION thidua._store_scores(text, text, text) IS
	'checks and stores the scores in pg_temp._thidua_scores for a bloc and period; errors name source:line and field';

-- A score file's text: the header names the columns unit, judge, criterion,
-- observed, evidence (any order; evidence optional; judge "self" for a
-- self-assessment), read by _csv_rows (so ";" and tab files, decimal commas
-- there, padding rows and columns all read as every import reads them).
-- Stores it for a bloc and period, all or nothing; returns the number of
-- observations stored. Runs with the caller's rights: row-level security
-- decides what the caller may store (see 50_roles.sql).
CREATE FUNCTION thidua.import_scores(bloc text, period text, content text, source text) RETURNS bigint
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	bad record;
	stored bigint;
BEGIN
	source := coalesce(source, 'input');
	IF content IS NULL THEN
		RAISE EXCEPTION '%: no file content', source USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF NOT EXISTS (SELECT 1 FROM thidua.bloc_period bp
			WHERE bp.bloc_code OPERATOR(pg_catalog.=) bloc AND bp.period_code OPERATOR(pg_catalog.=) period) THEN
		RAISE EXCEPTION 'bloc "%" has no settings for period "%"', bloc, period USING ERRCODE = 'no_data_found';
	END IF;
	IF to_regclass('pg_temp._thidua_scores') IS NOT NULL THEN
		DROP TABLE pg_temp._thidua_scores;
	END IF;
	PERFORM thidua._progress('reading', 0);
	CREATE TEMP TABLE _thidua_scores ON COMMIT DROP AS
		SELECT r.line::bigint AS line, r.cells[1] AS unit, r.cells[2] AS judge, r.cells[3] AS criterion,
			r.cells[4] AS observed_text, thidua._csv_number_text(r.cells[4], r.separator)::numeric AS observed,
			r.cells[5] AS evidence, r.separator
		FROM thidua._csv_rows(content, source, '{unit,judge,criterion,observed,evidence}',
							  '{unit,judge,criterion,observed}') AS r;
	SELECT s.line, s.observed_text, s.separator INTO bad FROM pg_temp._thidua_scores s
		WHERE s.observed IS NULL ORDER BY s.line LIMIT 1;
	IF FOUND THEN
		PERFORM thidua._csv_decimal(bad.observed_text, bad.separator, source, bad.line::integer, 'observed');
	END IF;
	stored := thidua._store_scores(bloc, period, source);
	DROP TABLE pg_temp._thidua_scores;
	RETURN stored;
END
$$;
COMMENT ON FUNCTION thidua.import_scores(text, text, text, text) IS
	'stores a score file (text with the columns unit, judge, criterion, observed, evidence; source names it in errors, e.g. scores.csv) for a bloc and period, all or nothing; returns the observations stored. Errors name source:line and the field; nothing is stored then';

-- The same from the file's bytes: invalid UTF-8 is refused naming its line.
CREATE FUNCTION thidua.import_scores(bloc text, period text, data bytea, source text) RETURNS bigint
	LANGUAGE sql
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT thidua.import_scores(bloc, period, thidua._decode_utf8(data, coalesce(source, 'input')), source)
$$;
COMMENT ON FUNCTION thidua.import_scores(text, text, bytea, text) IS
	'stores a score file given as bytes (UTF-8, with or without a byte-order mark; invalid UTF-8 is refused naming its line) for a bloc and period, all or nothing; returns the observations stored';

-- Until 0.5.0 the only entry point: the rows staged by the caller in
-- pg_temp.score_import (line, unit, judge, criterion, observed numeric, evidence).
CREATE OR REPLACE FUNCTION thidua.import_scores(bloc text, period text, source text DEFAULT 'input') RETURNS bigint
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	stored bigint;
BEGIN
	IF NOT EXISTS (SELECT 1 FROM thidua.bloc_period bp
			WHERE bp.bloc_code OPERATOR(pg_catalog.=) bloc AND bp.period_code OPERATOR(pg_catalog.=) period) THEN
		RAISE EXCEPTION 'bloc "%" has no settings for period "%"', bloc, period USING ERRCODE = 'no_data_found';
	END IF;
	IF to_regclass('pg_temp.score_import') IS NULL THEN
		RAISE EXCEPTION 'no scores are staged in pg_temp.score_import' USING ERRCODE = 'undefined_table',
			HINT = 'thidua.import_scores(bloc, period, content, source) takes the file''s text itself.';
	END IF;
	IF to_regclass('pg_temp._thidua_scores') IS NOT NULL THEN
		DROP TABLE pg_temp._thidua_scores;
	END IF;
	CREATE TEMP TABLE _thidua_scores ON COMMIT DROP AS
		SELECT i.line::bigint AS line, i.unit, i.judge, i.criterion, i.observed, i.evidence FROM pg_temp.score_import i;
	stored := thidua._store_scores(bloc, period, coalesce(source, 'input'));
	DROP TABLE pg_temp._thidua_scores;
	RETURN stored;
END
$$;
COMMENT ON FUNCTION thidua.import_scores(text, text, text) IS
	'stores the scores staged in pg_temp.score_import (line, unit, judge, criterion, observed, evidence) for a bloc and period, all or nothing; returns the observations stored (kept from 0.5.0; import_scores(bloc, period, content, source) takes the file itself)';

-- Imports of files: the criteria file's text, a score file's text or bytes.
REVOKE EXECUTE ON FUNCTION thidua.import_criteria_file(text, text, text, boolean),
	thidua.import_scores(text, text, text, text), thidua.import_scores(text, text, bytea, text) FROM PUBLIC;

-- Creates (when missing) the group roles and grants them their rights; safe to
-- call again, e.g. after ALTER EXTENSION thidua UPDATE: it first takes back
-- whatever the four roles held on thidua's objects.
CREATE OR REPLACE FUNCTION thidua.create_roles() RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	group_role text;
	all_roles text := 'thidua_admin, thidua_scorer, thidua_reader, thidua_council';
BEGIN
	IF NOT coalesce((SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) current_user), false) THEN
		RAISE EXCEPTION 'thidua.create_roles() must be called by a superuser'
			USING ERRCODE = 'insufficient_privilege',
				  DETAIL = format('Role "%s" is not a superuser; the roles are cluster-wide.', current_user),
				  HINT = 'Connect as a superuser (e.g. postgres) and call SELECT thidua.create_roles();';
	END IF;
	FOREACH group_role IN ARRAY ARRAY['thidua_admin', 'thidua_scorer', 'thidua_reader', 'thidua_council'] LOOP
		IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) group_role) THEN
			EXECUTE format('CREATE ROLE %I NOLOGIN', group_role);
		ELSIF EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) group_role
					  AND (r.rolcanlogin OR r.rolsuper OR r.rolcreaterole OR r.rolcreatedb
						   OR r.rolreplication OR r.rolbypassrls)) THEN
			-- someone made it first: never hand thidua's rights to a role that logs in
			RAISE EXCEPTION 'role "%" exists already and is not a plain group role', group_role
				USING ERRCODE = 'invalid_role_specification',
					  DETAIL = 'It can log in or holds special attributes; thidua grants its rights only to roles that are NOLOGIN, NOSUPERUSER, NOCREATEROLE, NOCREATEDB, NOREPLICATION, NOBYPASSRLS.',
					  HINT = 'Find out who created it and who its members are (\du), then fix it with ALTER ROLE ... NOLOGIN ... or drop it.';
		ELSE
			RAISE NOTICE 'role "%" exists already; its members: %', group_role,
				coalesce((SELECT string_agg(m.rolname, ', ' ORDER BY m.rolname)
						  FROM pg_catalog.pg_auth_members a
						  JOIN pg_catalog.pg_roles g ON g.oid OPERATOR(pg_catalog.=) a.roleid
						  JOIN pg_catalog.pg_roles m ON m.oid OPERATOR(pg_catalog.=) a.member
						  WHERE g.rolname OPERATOR(pg_catalog.=) group_role), 'none');
		END IF;
	END LOOP;
	EXECUTE 'REVOKE ALL ON ALL TABLES IN SCHEMA thidua FROM ' || all_roles;
	EXECUTE 'REVOKE ALL ON ALL FUNCTIONS IN SCHEMA thidua FROM ' || all_roles;

	-- thidua_admin: criteria, units, people, periods, blocs, scores, publication;
	-- the histories and published standings only through functions.
	GRANT SELECT, INSERT, UPDATE, DELETE ON thidua.criteria_set, thidua.criteria_version, thidua.criteria_item,
		thidua.class_band, thidua.unit, thidua.individual, thidua.membership, thidua.post_held, thidua.period,
		thidua.bloc, thidua.bloc_period, thidua.bloc_member, thidua.pact, thidua.recusal, thidua.veto,
		thidua.evaluation, thidua.observation, thidua.adjustment, thidua.role_unit TO thidua_admin;
	GRANT SELECT ON thidua.period_event, thidua.standing_revision, thidua.standing_row, thidua.current_standings,
		thidua.published_standings TO thidua_admin;
	GRANT EXECUTE ON FUNCTION thidua.import_criteria(jsonb, boolean), thidua.import_criteria_file(bytea, text, text, boolean),
		thidua.publish_version(text, text), thidua.retire_version(text, text), thidua.clone_version(text, text),
		thidua.delete_draft(text), thidua.close_period(text, text), thidua.reopen_period(text, text),
	thidua.evaluation_scores(text, text),
		thidua.standings(text, text), thidua.explain(text, text, text), thidua.judge_report(text, text),
		thidua.publish_standings(text, text, text), thidua.import_scores(text, text, text),
		thidua.import_criteria_file(text, text, text, boolean), thidua.import_scores(text, text, text, text),
		thidua.import_scores(text, text, bytea, text) TO thidua_admin;

	-- thidua_scorer: the scores of the units its role is mapped to (policies),
	-- the people of those units, and what scoring needs to read.
	GRANT SELECT ON thidua.unit, thidua.period, thidua.bloc, thidua.bloc_period, thidua.bloc_member,
		thidua.period_event, thidua.role_unit, thidua.individual, thidua.membership, thidua.post_held TO thidua_scorer;
	GRANT SELECT, INSERT, DELETE ON thidua.evaluation TO thidua_scorer;
	GRANT SELECT, INSERT, UPDATE, DELETE ON thidua.observation TO thidua_scorer;
	GRANT EXECUTE ON FUNCTION thidua.import_scores(text, text, text), thidua.import_scores(text, text, text, text),
		thidua.import_scores(text, text, bytea, text) TO thidua_scorer;

	-- thidua_reader, and for now thidua_council: published standings and the
	-- public structure they name; no personal data, no unpublished score.
	GRANT SELECT ON thidua.unit, thidua.period, thidua.bloc, thidua.bloc_period, thidua.bloc_member,
		thidua.period_event, thidua.standing_revision, thidua.standing_row, thidua.published_standings
		TO thidua_reader, thidua_council;
END
$$;
