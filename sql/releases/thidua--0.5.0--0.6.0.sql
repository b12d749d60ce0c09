-- thidua 0.6.0: real spreadsheets, real criteria tables, a zone set up from the CLI.
\echo Use "ALTER EXTENSION thidua UPDATE TO '0.6.0'" to load this file. \quit

SELECT thidua._require_library('0.6.0');

------------------------------------------------------------------------------
-- One spreadsheet reader for every import
------------------------------------------------------------------------------

COMMENT ON FUNCTION thidua._csv_records(text, text) IS
	'the records of a CSV text (RFC 4180; tab when the header has one, else semicolon when it has no comma, else comma) with the line each starts on';

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

------------------------------------------------------------------------------
-- Standings exact and explained: result rounding, neighbours, explain's bloc
------------------------------------------------------------------------------

-- How averaged results are rounded before class and rank: the version's setting
-- and a bloc's override for a period (NULL: the version's).
ALTER TABLE thidua.criteria_version ADD COLUMN result_rounding text NOT NULL DEFAULT 'exact'
	CONSTRAINT criteria_version_result_rounding_check CHECK (result_rounding OPERATOR(pg_catalog.~) '^(exact|[0-9])$');
ALTER TABLE thidua.bloc_period ADD COLUMN result_rounding text
	CONSTRAINT bloc_period_result_rounding_check CHECK (result_rounding OPERATOR(pg_catalog.~) '^(exact|[0-9])$');

CREATE OR REPLACE FUNCTION thidua._validate_criteria(doc jsonb) RETURNS void
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	code_pattern constant text := '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$';
	item_fields constant text[] := ARRAY['code', 'parent', 'kind', 'title', 'max', 'rule', 'target',
		'ceiling', 'bands', 'otherwise', 'per', 'floor', '_line'];
	rule_fields jsonb := '{"pass_fail": [], "proportional": ["target", "ceiling"],
		"bands": ["bands", "otherwise"], "per_occurrence": ["per", "floor", "ceiling"], "manual": [],
		"leader_relative": ["target"]}';
	scale integer;
	over_completion boolean;
	item jsonb;
	band jsonb;
	previous jsonb;
	field text;
	kinds jsonb := '{}';		-- code -> kind
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
				'allow_over_completion', 'classes', 'veto', 'tie_break', 'items', 'result_rounding', '_source', '_line']) THEN
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
	-- averaged results: "exact", or rounded to 0-9 decimals before class and rank
	IF doc ? 'result_rounding' AND NOT (doc -> 'result_rounding' = '"exact"'
			OR (jsonb_typeof(doc -> 'result_rounding') = 'number' AND (doc ->> 'result_rounding') ~ '^[0-9]$')) THEN
		PERFORM thidua._criteria_error(doc, NULL, 'result_rounding',
			format('must be "exact" or a whole number of decimals from 0 to 9, not %s', doc -> 'result_rounding'));
	END IF;

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
				format('must be pass_fail, proportional, bands, per_occurrence, manual or leader_relative, not %s',
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

		-- a target from the pact ("pact") is each unit's own, known in the bloc's standings
		IF item ->> 'rule' IN ('proportional', 'leader_relative') AND item -> 'target' IS DISTINCT FROM '"pact"'
		   AND thidua._criteria_number(doc, item, 'target', true, 6) <= 0 THEN
			PERFORM thidua._criteria_error(doc, item, 'target', 'must be greater than zero (or "pact": the unit''s target in its pact)');
		END IF;
		CASE item ->> 'rule'
		WHEN 'proportional' THEN
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

CREATE OR REPLACE FUNCTION thidua.export_criteria(version text) RETURNS jsonb
	LANGUAGE sql STABLE STRICT
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT jsonb_build_object(
		'format', 'thidua-criteria/1',
		'set', jsonb_build_object('code', s.set_code, 'name', s.name),
		'edition', v.edition,
		'title', v.title,
		'rounding_scale', v.rounding_scale,
		'allow_over_completion', v.allow_over_completion,
		'classes', (SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
						'label', b.label, 'title', b.title, 'min', b.lower_bound)) ORDER BY b.position)
					FROM thidua.class_band b WHERE b.version_code OPERATOR(pg_catalog.=) v.version_code),
		'veto', CASE WHEN v.veto_max_class IS NOT NULL THEN jsonb_strip_nulls(jsonb_build_object(
					'max_class', v.veto_max_class, 'reason', v.veto_reason)) END,
		'tie_break', to_jsonb(CASE WHEN cardinality(v.tie_break) = 0 THEN '{total}' ELSE v.tie_break END),
		'result_rounding', CASE WHEN v.result_rounding = 'exact' THEN to_jsonb(v.result_rounding)
								ELSE to_jsonb(v.result_rounding::integer) END,
		'items', (SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
						'code', i.code, 'parent', i.parent_code, 'kind', i.kind, 'title', i.title,
						'max', i.max_points, 'rule', i.rule)) || i.params ORDER BY i.position)
				  FROM thidua.criteria_item i WHERE i.version_code OPERATOR(pg_catalog.=) v.version_code))
	FROM thidua.criteria_version v JOIN thidua.criteria_set s USING (set_code)
	WHERE v.version_code OPERATOR(pg_catalog.=) version
$$;
COMMENT ON FUNCTION thidua.export_criteria(text) IS 'a criteria version as a JSON criteria document';

CREATE OR REPLACE FUNCTION thidua.import_criteria(document jsonb, replace_draft boolean DEFAULT false)
	RETURNS text
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	doc jsonb;
	version text;
	existing text;
BEGIN
	-- Unicode text is stored in NFC, so that equal-looking names compare equal;
	-- a field whose value is null counts as absent.
	doc := jsonb_strip_nulls(thidua._nfc(document::text)::jsonb);
	PERFORM thidua._validate_criteria(doc);
	version := (doc #>> '{set,code}') || '/' || (doc ->> 'edition');

	SELECT status INTO existing FROM thidua.criteria_version
		WHERE version_code OPERATOR(pg_catalog.=) version FOR UPDATE;
	IF existing IS NOT NULL THEN
		IF existing = 'draft' AND replace_draft THEN
			DELETE FROM thidua.criteria_version WHERE version_code OPERATOR(pg_catalog.=) version;
		ELSE
			RAISE EXCEPTION '%criteria version "%" already exists (%)',
				coalesce((doc ->> '_source') || ': ', ''), version, existing
				USING ERRCODE = 'unique_violation',
					  HINT = CASE WHEN existing = 'draft'
						THEN 'Replace the draft (replace_draft => true, or thidua criteria import --replace).'
						ELSE 'Give the new edition another "edition".' END;
		END IF;
	END IF;

	INSERT INTO thidua.criteria_set (set_code, name)
		VALUES (doc #>> '{set,code}', doc #>> '{set,name}')
		ON CONFLICT (set_code) DO NOTHING;
	INSERT INTO thidua.criteria_version (version_code, set_code, edition, title, rounding_scale,
			allow_over_completion, veto_max_class, veto_reason, tie_break, result_rounding)
		VALUES (version, doc #>> '{set,code}', doc ->> 'edition', doc ->> 'title',
			coalesce((doc ->> 'rounding_scale')::smallint, 2),
			coalesce((doc ->> 'allow_over_completion')::boolean, false),
			doc #>> '{veto,max_class}', nullif(doc #>> '{veto,reason}', ''),
			CASE WHEN jsonb_array_length(coalesce(doc -> 'tie_break', '[]')) = 0 THEN '{total}'
				 ELSE ARRAY(SELECT jsonb_array_elements_text(doc -> 'tie_break')) END,
			coalesce(doc ->> 'result_rounding', 'exact'));
	INSERT INTO thidua.criteria_item (version_code, code, parent_code, position, kind, title,
			max_points, rule, params)
		SELECT version, i ->> 'code', i ->> 'parent', n, i ->> 'kind', i ->> 'title',
			(i ->> 'max')::numeric, i ->> 'rule',
			i - ARRAY['code', 'parent', 'kind', 'title', 'max', 'rule', '_line']
		FROM jsonb_array_elements(doc -> 'items') WITH ORDINALITY AS items(i, n);
	INSERT INTO thidua.class_band (version_code, position, label, title, lower_bound)
		SELECT version, n, c ->> 'label', nullif(c ->> 'title', ''), (c ->> 'min')::numeric
		FROM jsonb_array_elements(doc -> 'classes') WITH ORDINALITY AS classes(c, n);
	RETURN version;
END
$$;
COMMENT ON FUNCTION thidua.import_criteria(jsonb, boolean) IS
	'stores a criteria document as a new draft version, all or nothing; returns the version code';

CREATE OR REPLACE FUNCTION thidua._criteria_csv_to_document(content text, source text) RETURNS jsonb
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	columns constant text[] := ARRAY['kind', 'code', 'parent', 'title', 'max', 'rule', 'params'];
	doc jsonb := jsonb_build_object('_source', source);
	header text[];
	position_of jsonb := '{}';
	record record;
	f jsonb;		-- the record's fields by column name
	params jsonb;
	item jsonb;
	name text;
	key text;
	items jsonb := '[]';
	classes jsonb := '[]';
BEGIN
	FOR record IN SELECT * FROM thidua._csv_records(content, source) LOOP
		IF header IS NULL THEN
			header := ARRAY(SELECT lower(btrim(h)) FROM unnest(record.fields) h);
			FOR i IN 1 .. coalesce(array_length(header, 1), 0) LOOP
				IF header[i] <> ALL (columns) THEN
					PERFORM thidua._criteria_error(doc, jsonb_build_object('_line', record.line), header[i],
						format('is not a column of a criteria CSV (columns: %s)', array_to_string(columns, ', ')));
				END IF;
				position_of := position_of || jsonb_build_object(header[i], i);
			END LOOP;
			FOREACH name IN ARRAY ARRAY['kind', 'code'] LOOP
				IF NOT position_of ? name THEN
					PERFORM thidua._criteria_error(doc, jsonb_build_object('_line', record.line), name,
						'column is missing from the header');
				END IF;
			END LOOP;
			CONTINUE;
		END IF;
		IF array_length(record.fields, 1) > array_length(header, 1) THEN
			PERFORM thidua._criteria_error(doc, jsonb_build_object('_line', record.line), '(record)',
				format('has %s fields, the header %s', array_length(record.fields, 1), array_length(header, 1)));
		END IF;
		f := '{}';
		FOREACH name IN ARRAY header LOOP
			f := f || jsonb_build_object(name, nullif(btrim(record.fields[(position_of ->> name)::integer]), ''));
		END LOOP;
		CONTINUE WHEN f ->> 'kind' IS NULL AND f ->> 'code' IS NULL;	-- blank spreadsheet row
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
				WHEN 'result_rounding' THEN
					-- a number of decimals, or the word (validation names anything else)
					doc := doc || jsonb_build_object(key, CASE WHEN lower(params ->> key) = 'exact' THEN to_jsonb('exact'::text)
						WHEN params ->> key ~ '^[0-9]+$' THEN to_jsonb((params ->> key)::integer)
						ELSE to_jsonb(params ->> key) END);
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
				item := item || jsonb_build_object(key, CASE
					WHEN key = 'bands' THEN thidua._csv_bands(params ->> key, doc, record.line)
					WHEN key = 'target' AND lower(params ->> key) = 'pact' THEN to_jsonb('pact'::text)
					ELSE thidua._csv_number(params ->> key, doc, record.line, key) END);
			END LOOP;
			items := items || jsonb_build_array(item);
		ELSE
			PERFORM thidua._criteria_error(doc, jsonb_build_object('_line', record.line), 'kind',
				format('"%s" is not a record kind (set, version, class, veto, section, criterion, bonus, penalty)',
					coalesce(f ->> 'kind', '')));
		END CASE;
	END LOOP;
	IF header IS NULL THEN
		PERFORM thidua._criteria_error(doc, NULL, '(file)', 'is empty');
	END IF;
	RETURN doc || jsonb_build_object('format', 'thidua-criteria/1', 'items', items, 'classes', classes);
END
$$;

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
				(SELECT string_agg(k, ' ') FROM jsonb_array_elements_text(d -> 'tie_break') k))
			-- the default (exact) is left out, as spreadsheets written before it had it
			|| coalesce('; result_rounding=' || nullif(d ->> 'result_rounding', 'exact'), '')] FROM doc
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
	SELECT 'kind,code,parent,title,max,rule,params' || E'\n' ||
		string_agg((SELECT string_agg(thidua._csv_field(x), ',' ORDER BY o) FROM unnest(r) WITH ORDINALITY AS f(x, o)),
				   E'\n' ORDER BY ord) || E'\n'
	FROM records
	HAVING count(*) > 0
$$;
COMMENT ON FUNCTION thidua.export_criteria_csv(text) IS 'a criteria version as a criteria CSV';

CREATE OR REPLACE FUNCTION thidua.clone_version(version text, new_edition text DEFAULT NULL) RETURNS text
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	source thidua.criteria_version := thidua._lock_version(version);
	target text;
BEGIN
	IF new_edition IS NULL THEN
		IF source.edition !~ '^[0-9]{4}$' THEN
			RAISE EXCEPTION 'name the new edition of criteria version "%"', version
				USING ERRCODE = 'invalid_parameter_value',
					  HINT = 'Only a year edition has an obvious successor (2019 -> 2020).';
		END IF;
		new_edition := (source.edition::integer + 1)::text;
	END IF;
	target := source.set_code || '/' || new_edition;
	IF EXISTS (SELECT 1 FROM thidua.criteria_version WHERE version_code OPERATOR(pg_catalog.=) target) THEN
		RAISE EXCEPTION 'criteria version "%" already exists', target
			USING ERRCODE = 'unique_violation', HINT = 'Choose another edition.';
	END IF;
	INSERT INTO thidua.criteria_version (version_code, set_code, edition, title, rounding_scale,
			allow_over_completion, veto_max_class, veto_reason, tie_break, cloned_from, result_rounding)
		VALUES (target, source.set_code, new_edition, source.title, source.rounding_scale,
			source.allow_over_completion, source.veto_max_class, source.veto_reason, source.tie_break, version,
			source.result_rounding);
	INSERT INTO thidua.criteria_item (version_code, code, parent_code, position, kind, title, max_points, rule, params)
		SELECT target, code, parent_code, position, kind, title, max_points, rule, params
		FROM thidua.criteria_item WHERE version_code OPERATOR(pg_catalog.=) version;
	INSERT INTO thidua.class_band (version_code, position, label, title, lower_bound)
		SELECT target, position, label, title, lower_bound
		FROM thidua.class_band WHERE version_code OPERATOR(pg_catalog.=) version;
	RETURN target;
END
$$;
COMMENT ON FUNCTION thidua.clone_version(text, text) IS
	'copies a version into a new draft edition (by default the next year); returns its code';


------------------------------------------------------------------------------
-- Rule shapes scored in the bloc: a target from the unit's pact, leader_relative
------------------------------------------------------------------------------

ALTER TABLE thidua.criteria_item DROP CONSTRAINT criteria_item_rule_check;
ALTER TABLE thidua.criteria_item ADD CONSTRAINT criteria_item_rule_check
	CHECK (rule IN ('pass_fail', 'proportional', 'bands', 'per_occurrence', 'manual', 'leader_relative'));

-- Criteria scored in the bloc (a target from the unit's pact, leader_relative):
-- their points, and the aggregates that take them (the standings compute them).
CREATE FUNCTION thidua.points_in_bloc(version text, criterion_code text, observed numeric, target numeric,
									  leader_observed numeric DEFAULT NULL, leader_target numeric DEFAULT NULL)
	RETURNS numeric
	AS 'MODULE_PATHNAME', 'thidua_points_in_bloc'
	LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION thidua.points_in_bloc(text, text, numeric, numeric, numeric, numeric) IS
	'points of a criterion scored in the bloc, rounded to the version''s scale: proportional with target "pact" (max × observed / target, capped), or leader_relative (completion c = observed / target against the leader''s L = leader_observed / leader_target: c <= 1: max/2 × c; the leader: max; else max/2 + max/2 × (c − 1)/(L − 1)); target NULL: the criterion''s own; NULL observed: NULL; errors for another rule, a missing target or leader, a leader below the unit';

CREATE FUNCTION thidua._score_in_bloc_transition(state bytea, version text, criterion_code text, observed numeric,
												 points_in_bloc numeric)
	RETURNS bytea
	AS 'MODULE_PATHNAME', 'thidua_score_in_bloc_transition'
	LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION thidua._score_detail_in_bloc_transition(state bytea, version text, criterion_code text,
														observed numeric, points_in_bloc numeric)
	RETURNS bytea
	AS 'MODULE_PATHNAME', 'thidua_score_detail_in_bloc_transition'
	LANGUAGE C STABLE PARALLEL SAFE;
CREATE AGGREGATE thidua.score(version text, criterion_code text, observed numeric, points_in_bloc numeric) (
	SFUNC = thidua._score_in_bloc_transition,
	STYPE = bytea,
	SSPACE = 232,
	COMBINEFUNC = thidua._score_combine,
	FINALFUNC = thidua._score_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE thidua.score(text, text, numeric, numeric) IS
	'thidua.score with the points of the criteria scored in the bloc given (points_in_bloc; NULL for every other criterion)';
CREATE AGGREGATE thidua.score_detail(version text, criterion_code text, observed numeric, points_in_bloc numeric) (
	SFUNC = thidua._score_detail_in_bloc_transition,
	STYPE = bytea,
	SSPACE = 432,
	COMBINEFUNC = thidua._score_combine,
	FINALFUNC = thidua._score_detail_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE thidua.score_detail(text, text, numeric, numeric) IS
	'thidua.score_detail with the points of the criteria scored in the bloc given (points_in_bloc; NULL for every other criterion)';

REVOKE EXECUTE ON FUNCTION thidua._score_in_bloc_transition(bytea, text, text, numeric, numeric),
	thidua._score_detail_in_bloc_transition(bytea, text, text, numeric, numeric) FROM PUBLIC;

CREATE AGGREGATE thidua.tie_break_keys(version text, criterion_code text, observed numeric, points_in_bloc numeric) (
	SFUNC = thidua._score_in_bloc_transition,
	STYPE = bytea,
	SSPACE = 232,
	COMBINEFUNC = thidua._score_combine,
	FINALFUNC = thidua._tie_break_keys_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE thidua.tie_break_keys(text, text, numeric, numeric) IS
	'thidua.tie_break_keys with the points of the criteria scored in the bloc given (points_in_bloc; NULL for every other criterion)';

CREATE FUNCTION thidua._pact_target(bloc text, period text, unit text, criterion text) RETURNS numeric
	LANGUAGE plpgsql STABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	registered jsonb;
BEGIN
	SELECT coalesce(p.targets -> criterion, 'null') INTO registered FROM thidua.pact p
		WHERE p.bloc_code OPERATOR(pg_catalog.=) bloc AND p.period_code OPERATOR(pg_catalog.=) period
		  AND p.unit_code OPERATOR(pg_catalog.=) unit;
	IF registered IS NULL THEN
		RAISE EXCEPTION 'unit "%" has no pact in bloc "%" for period "%": criterion "%" takes its target from it',
			unit, bloc, period, criterion
			USING ERRCODE = 'no_data_found',
				  HINT = 'Register the unit''s pact (thidua.pact) with its targets by criterion code, e.g. {"I.1": 100}.';
	END IF;
	IF jsonb_typeof(registered) IS DISTINCT FROM 'number' OR registered::text::numeric <= 0 THEN
		RAISE EXCEPTION 'unit "%" has no target for criterion "%" in its pact in bloc "%" for period "%"%',
			unit, criterion, bloc, period,
			CASE WHEN jsonb_typeof(registered) = 'null' THEN '' ELSE format(' (%s is not a number above zero)', registered) END
			USING ERRCODE = 'no_data_found',
				  HINT = format('The pact''s targets hold it under the criterion''s code, e.g. {"%s": 100}.', criterion);
	END IF;
	RETURN registered::text::numeric;
END
$$;

CREATE FUNCTION thidua._bloc_points(bloc text, period text)
	RETURNS TABLE (evaluation_id bigint, criterion_code text, points numeric, target numeric,
				   leader_observed numeric, leader_target numeric)
	LANGUAGE sql STABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
	WITH settings AS (
		SELECT bp.criteria_version FROM thidua.bloc_period bp
		WHERE bp.bloc_code OPERATOR(pg_catalog.=) bloc AND bp.period_code OPERATOR(pg_catalog.=) period
	), rules AS (
		SELECT i.code, i.rule,
			CASE WHEN (i.params ->> 'target') OPERATOR(pg_catalog.<>) 'pact' THEN (i.params ->> 'target')::numeric END AS fixed_target
		FROM thidua.criteria_item i JOIN settings s ON i.version_code OPERATOR(pg_catalog.=) s.criteria_version
		WHERE i.rule OPERATOR(pg_catalog.=) 'leader_relative' OR (i.params ->> 'target') OPERATOR(pg_catalog.=) 'pact'
	), results AS (
		SELECT e.evaluation_id, e.stage, o.criterion_code, o.observed, r.rule,
			coalesce(r.fixed_target, thidua._pact_target(bloc, period, e.unit_code, o.criterion_code)) AS target,
			e.stage OPERATOR(pg_catalog.=) 'peer' AND EXISTS (SELECT 1 FROM thidua.recusal x
				WHERE x.bloc_code OPERATOR(pg_catalog.=) bloc AND x.period_code OPERATOR(pg_catalog.=) period
				  AND x.judge_code OPERATOR(pg_catalog.=) e.judge_code
				  AND x.unit_code OPERATOR(pg_catalog.=) e.unit_code) AS recused
		FROM thidua.evaluation e
		JOIN thidua.observation o ON o.evaluation_id OPERATOR(pg_catalog.=) e.evaluation_id
		JOIN rules r ON r.code OPERATOR(pg_catalog.=) o.criterion_code
		WHERE e.bloc_code OPERATOR(pg_catalog.=) bloc AND e.period_code OPERATOR(pg_catalog.=) period
	), leaders AS (
		-- 40 decimals order every two distinct completions of 6-decimal figures exactly
		SELECT DISTINCT ON (x.stage, x.criterion_code) x.stage, x.criterion_code, x.observed, x.target
		FROM results x
		WHERE x.rule OPERATOR(pg_catalog.=) 'leader_relative' AND NOT x.recused
		ORDER BY x.stage, x.criterion_code, round(x.observed, 40) OPERATOR(pg_catalog./) x.target DESC
	), placed AS (
		-- a recused score above the leader (it counts for nothing) is its own leader
		SELECT x.evaluation_id, x.criterion_code, x.observed, x.target,
			CASE WHEN l.observed IS NULL
					  OR (x.observed OPERATOR(pg_catalog.*) l.target) OPERATOR(pg_catalog.>) (l.observed OPERATOR(pg_catalog.*) x.target)
				 THEN x.observed ELSE l.observed END AS leader_observed,
			CASE WHEN l.observed IS NULL
					  OR (x.observed OPERATOR(pg_catalog.*) l.target) OPERATOR(pg_catalog.>) (l.observed OPERATOR(pg_catalog.*) x.target)
				 THEN x.target ELSE l.target END AS leader_target,
			x.rule
		FROM results x
		LEFT JOIN leaders l ON l.stage OPERATOR(pg_catalog.=) x.stage AND l.criterion_code OPERATOR(pg_catalog.=) x.criterion_code
	)
	SELECT p.evaluation_id, p.criterion_code,
		thidua.points_in_bloc(s.criteria_version, p.criterion_code, p.observed, p.target,
			p.leader_observed, p.leader_target),
		p.target,
		CASE WHEN p.rule OPERATOR(pg_catalog.=) 'leader_relative' THEN p.leader_observed END,
		CASE WHEN p.rule OPERATOR(pg_catalog.=) 'leader_relative' THEN p.leader_target END
	FROM placed p, settings s
$$;

CREATE OR REPLACE FUNCTION thidua.evaluation_scores(bloc text, period text)
	RETURNS TABLE (evaluation_id bigint, unit_code text, stage text, judge_code text, total numeric, tie_keys numeric[])
	LANGUAGE sql STABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT e.evaluation_id, e.unit_code, e.stage, e.judge_code,
		coalesce(thidua.score(bp.criteria_version, o.criterion_code, o.observed, b.points)
					FILTER (WHERE o.criterion_code IS NOT NULL), 0),
		thidua.tie_break_keys(bp.criteria_version, o.criterion_code, o.observed, b.points)
			FILTER (WHERE o.criterion_code IS NOT NULL)
	FROM thidua.evaluation e
	JOIN thidua.bloc_period bp ON bp.bloc_code OPERATOR(pg_catalog.=) e.bloc_code
		AND bp.period_code OPERATOR(pg_catalog.=) e.period_code
	LEFT JOIN thidua.observation o ON o.evaluation_id OPERATOR(pg_catalog.=) e.evaluation_id
	-- criteria scored in the bloc: their points, computed against the bloc
	LEFT JOIN thidua._bloc_points(bloc, period) b ON b.evaluation_id OPERATOR(pg_catalog.=) o.evaluation_id
		AND b.criterion_code OPERATOR(pg_catalog.=) o.criterion_code
	WHERE e.bloc_code OPERATOR(pg_catalog.=) bloc AND e.period_code OPERATOR(pg_catalog.=) period
	GROUP BY e.evaluation_id, e.unit_code, e.stage, e.judge_code, bp.criteria_version
$$;
COMMENT ON FUNCTION thidua.evaluation_scores(text, text) IS
	'each evaluation of a bloc and period with its total and tie-break keys (an evaluation without observations totals 0; criteria scored in the bloc against the unit''s pact target or the bloc''s leader)';

CREATE FUNCTION thidua._rounded_result(value numeric, digits integer) RETURNS numeric
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT CASE WHEN digits IS NULL THEN value ELSE round(value, digits) END
$$;

CREATE OR REPLACE FUNCTION thidua.standings(bloc text, period text)
	RETURNS TABLE (unit_code text, unit_name text, role text, self_total numeric, peer_result numeric,
				   peer_judges integer, adjustment numeric, final_total numeric, class text, rank bigint,
				   tie_break jsonb, flags text[])
	LANGUAGE plpgsql STABLE PARALLEL SAFE
	-- It only reads, so the blocs of one query may be ranked in parallel
	-- workers; a call takes milliseconds, which the cost tells the planner.
	-- One bloc's queries are small: they start no workers of their own.
	COST 400000 ROWS 15
	SET search_path = pg_catalog, pg_temp
	SET max_parallel_workers_per_gather = 0
	AS $$
DECLARE
	settings thidua.bloc_period;
	digits integer;		-- averaged results rounded to this many decimals; NULL: exact
BEGIN
	SELECT * INTO settings FROM thidua.bloc_period bp
		WHERE bp.bloc_code OPERATOR(pg_catalog.=) bloc AND bp.period_code OPERATOR(pg_catalog.=) period;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'bloc "%" has no settings for period "%"', bloc, period
			USING ERRCODE = 'no_data_found', HINT = 'Rows of thidua.bloc_period name the criteria version and peer method.';
	END IF;
	SELECT nullif(coalesce(settings.result_rounding, v.result_rounding), 'exact')::integer INTO digits
		FROM thidua.criteria_version v WHERE v.version_code OPERATOR(pg_catalog.=) settings.criteria_version;

	RETURN QUERY
	WITH members AS (
		SELECT m.unit_code, m.role FROM thidua.bloc_member m
		WHERE m.bloc_code OPERATOR(pg_catalog.=) bloc AND m.period_code OPERATOR(pg_catalog.=) period
	), scores AS (
		SELECT * FROM thidua.evaluation_scores(bloc, period)
	), recused AS (
		SELECT r.unit_code, r.judge_code FROM thidua.recusal r
		WHERE r.bloc_code OPERATOR(pg_catalog.=) bloc AND r.period_code OPERATOR(pg_catalog.=) period
	), keys AS (
		-- the version's tie-break keys: name, and whether lower is better
		SELECT k.n, k.key, CASE WHEN k.key OPERATOR(pg_catalog.=) 'penalty' THEN 'lower' ELSE 'higher' END AS better
		FROM thidua.criteria_version v,
			unnest(CASE WHEN cardinality(v.tie_break) OPERATOR(pg_catalog.=) 0 THEN '{total}' ELSE v.tie_break END)
				WITH ORDINALITY AS k(key, n)
		WHERE v.version_code OPERATOR(pg_catalog.=) settings.criteria_version
	), peer AS (
		SELECT s.unit_code, s.judge_code, s.total, s.tie_keys
		FROM scores s
		WHERE s.stage OPERATOR(pg_catalog.=) 'peer'
		  AND NOT EXISTS (SELECT 1 FROM recused r WHERE r.unit_code OPERATOR(pg_catalog.=) s.unit_code
						  AND r.judge_code OPERATOR(pg_catalog.=) s.judge_code)
	), peer_total AS (
		-- averaged results are rounded (half away from zero) before class and rank when the setting says so
		SELECT p.unit_code, count(*)::integer AS judges,
			thidua._rounded_result(CASE WHEN settings.peer_method OPERATOR(pg_catalog.=) 'trimmed_mean'
				 THEN thidua.trimmed_mean(p.total, settings.peer_trim) ELSE avg(p.total) END, digits) AS result
		FROM peer p GROUP BY p.unit_code
	), peer_key AS (
		-- each tie-break key aggregated across the judges by the same method as the total
		SELECT p.unit_code, k.n, min(k.key) AS key, min(k.better) AS better,
			thidua._rounded_result(CASE WHEN settings.peer_method OPERATOR(pg_catalog.=) 'trimmed_mean'
				 THEN thidua.trimmed_mean(p.tie_keys[k.n], settings.peer_trim)
				 ELSE avg(p.tie_keys[k.n]) END, digits) AS points
		FROM peer p CROSS JOIN keys k
		WHERE p.tie_keys IS NOT NULL
		GROUP BY p.unit_code, k.n
	), consensus AS (
		SELECT r ->> 'candidate' AS unit_code, (r ->> 'rank')::integer AS consensus_rank
		FROM (SELECT thidua.schulze_ranking(p.judge_code, p.unit_code, p.total) AS ranking FROM peer p) s,
			jsonb_array_elements(s.ranking) AS r
		WHERE settings.peer_method OPERATOR(pg_catalog.=) 'schulze'
	), adjusted AS (
		SELECT a.unit_code, sum(a.points) AS points FROM thidua.adjustment a
		WHERE a.bloc_code OPERATOR(pg_catalog.=) bloc AND a.period_code OPERATOR(pg_catalog.=) period
		GROUP BY a.unit_code
	), vetoed AS (
		SELECT v.unit_code FROM thidua.veto v
		WHERE v.bloc_code OPERATOR(pg_catalog.=) bloc AND v.period_code OPERATOR(pg_catalog.=) period
	), assembled AS (
		SELECT m.unit_code, u.name AS unit_name, m.role,
			(SELECT s.total FROM scores s
			 WHERE s.unit_code OPERATOR(pg_catalog.=) m.unit_code AND s.stage OPERATOR(pg_catalog.=) 'self') AS self_total,
			pt.result AS peer_result, coalesce(pt.judges, 0) AS peer_judges,
			coalesce(ad.points, 0) AS adjustment,
			thidua._rounded_result(pt.result + coalesce(ad.points, 0), digits) AS final_total,
			EXISTS (SELECT 1 FROM vetoed v WHERE v.unit_code OPERATOR(pg_catalog.=) m.unit_code) AS is_vetoed,
			c.consensus_rank,
			-- the version's tie-break order as one vector, larger is better
			(SELECT array_agg(CASE WHEN k.key OPERATOR(pg_catalog.=) 'total'
									   THEN thidua._rounded_result(pt.result + coalesce(ad.points, 0), digits)
								   WHEN k.better OPERATOR(pg_catalog.=) 'lower' THEN -k.points
								   ELSE k.points END ORDER BY k.n)
			 FROM peer_key k WHERE k.unit_code OPERATOR(pg_catalog.=) m.unit_code) AS sort_key,
			(SELECT jsonb_agg(jsonb_build_object('key', k.key, 'better', k.better,
				'points', CASE WHEN k.key OPERATOR(pg_catalog.=) 'total'
							   THEN thidua._rounded_result(pt.result + coalesce(ad.points, 0), digits)
							   ELSE k.points END) ORDER BY k.n)
			 FROM peer_key k WHERE k.unit_code OPERATOR(pg_catalog.=) m.unit_code) AS tie_break,
			ARRAY(SELECT 'recused:' || r.judge_code FROM recused r
				  WHERE r.unit_code OPERATOR(pg_catalog.=) m.unit_code ORDER BY r.judge_code) AS recusals
		FROM members m
		JOIN thidua.unit u ON u.unit_code OPERATOR(pg_catalog.=) m.unit_code
		LEFT JOIN peer_total pt ON pt.unit_code OPERATOR(pg_catalog.=) m.unit_code
		LEFT JOIN adjusted ad ON ad.unit_code OPERATOR(pg_catalog.=) m.unit_code
		LEFT JOIN consensus c ON c.unit_code OPERATOR(pg_catalog.=) m.unit_code
	)
	SELECT a.unit_code, a.unit_name, a.role, a.self_total, a.peer_result, a.peer_judges, a.adjustment,
		a.final_total,
		CASE WHEN a.final_total IS NOT NULL
			 THEN thidua.classify(settings.criteria_version, a.final_total, a.is_vetoed) END,
		-- units without a peer score come last, together
		CASE WHEN a.final_total IS NULL
			 THEN (SELECT count(*) + 1 FROM assembled x WHERE x.final_total IS NOT NULL)
			 ELSE rank() OVER (ORDER BY a.final_total IS NULL, a.consensus_rank ASC NULLS LAST, a.sort_key DESC) END,
		a.tie_break,
		ARRAY(SELECT f FROM unnest(ARRAY[
			CASE WHEN a.peer_judges OPERATOR(pg_catalog.=) 0 THEN 'no_peer_score' END,
			CASE WHEN a.peer_judges OPERATOR(pg_catalog.<) settings.quorum THEN 'incomplete_quorum' END,
			CASE WHEN a.self_total IS NULL THEN 'no_self_score' END,
			CASE WHEN a.is_vetoed THEN 'vetoed' END] || a.recusals) AS f WHERE f IS NOT NULL)
	FROM assembled a
	ORDER BY 10, a.unit_name;
END
$$;
COMMENT ON FUNCTION thidua.standings(text, text) IS
	'standings of a bloc or zone in a period: self total, peer result by the bloc''s method, adjustments, final total, class, rank, flags';

CREATE OR REPLACE FUNCTION thidua.explain(unit text, period text, bloc text DEFAULT NULL) RETURNS jsonb
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	settings thidua.bloc_period;
	standing record;
	result jsonb;
	blocs text[];
	rounding jsonb;
BEGIN
	IF explain.bloc IS NULL THEN
		-- a unit in two blocs that year: which one is for the caller to say
		blocs := ARRAY(SELECT m.bloc_code FROM thidua.bloc_member m
			WHERE m.unit_code OPERATOR(pg_catalog.=) unit AND m.period_code OPERATOR(pg_catalog.=) period
			ORDER BY m.bloc_code);
		IF cardinality(blocs) > 1 THEN
			RAISE EXCEPTION 'unit "%" is a member of % blocs in period "%": %', unit, cardinality(blocs), period,
				array_to_string(blocs, ', ')
				USING ERRCODE = 'ambiguous_parameter',
					  HINT = 'Name the bloc: thidua.explain(unit, period, bloc), or thidua explain UNIT --period P --bloc B.';
		END IF;
	END IF;
	SELECT bp.* INTO settings FROM thidua.bloc_period bp
	JOIN thidua.bloc_member m ON m.bloc_code OPERATOR(pg_catalog.=) bp.bloc_code
		AND m.period_code OPERATOR(pg_catalog.=) bp.period_code
	WHERE m.unit_code OPERATOR(pg_catalog.=) unit AND m.period_code OPERATOR(pg_catalog.=) period
	  AND (explain.bloc IS NULL OR m.bloc_code OPERATOR(pg_catalog.=) explain.bloc)
	ORDER BY bp.bloc_code LIMIT 1;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'unit "%" is not a member of % in period "%"', unit,
			coalesce('bloc "' || explain.bloc || '"', 'any bloc or zone'), period
			USING ERRCODE = 'no_data_found';
	END IF;
	-- which setting rounded the averaged results (standings apply the same)
	SELECT jsonb_build_object('setting', coalesce(settings.result_rounding, v.result_rounding),
		'decided_by', CASE WHEN settings.result_rounding IS NOT NULL
						   THEN format('bloc "%s" for period "%s"', settings.bloc_code, settings.period_code)
						   ELSE format('criteria version "%s"', v.version_code) END)
		INTO rounding
		FROM thidua.criteria_version v WHERE v.version_code OPERATOR(pg_catalog.=) settings.criteria_version;

	WITH in_bloc AS (
		SELECT * FROM thidua._bloc_points(settings.bloc_code, settings.period_code)
	), scores AS (
		-- the unit's own evaluations, with their full breakdowns
		SELECT e.evaluation_id, e.unit_code, e.stage, e.judge_code,
			coalesce(thidua.score_detail(settings.criteria_version, o.criterion_code, o.observed, b.points)
						FILTER (WHERE o.criterion_code IS NOT NULL),
					 '{"total": 0, "items": []}'::jsonb) AS detail
		FROM thidua.evaluation e
		LEFT JOIN thidua.observation o ON o.evaluation_id OPERATOR(pg_catalog.=) e.evaluation_id
		LEFT JOIN in_bloc b ON b.evaluation_id OPERATOR(pg_catalog.=) o.evaluation_id
			AND b.criterion_code OPERATOR(pg_catalog.=) o.criterion_code
		WHERE e.bloc_code OPERATOR(pg_catalog.=) settings.bloc_code
		  AND e.period_code OPERATOR(pg_catalog.=) settings.period_code
		  AND e.unit_code OPERATOR(pg_catalog.=) unit
		GROUP BY e.evaluation_id, e.unit_code, e.stage, e.judge_code
	), standings AS (
		SELECT * FROM thidua.standings(settings.bloc_code, settings.period_code)
	), me AS (
		SELECT * FROM standings s WHERE s.unit_code OPERATOR(pg_catalog.=) unit
	), peers AS (
		SELECT s.judge_code, (s.detail ->> 'total')::numeric AS total,
			EXISTS (SELECT 1 FROM thidua.recusal r WHERE r.bloc_code OPERATOR(pg_catalog.=) settings.bloc_code
					AND r.period_code OPERATOR(pg_catalog.=) settings.period_code
					AND r.judge_code OPERATOR(pg_catalog.=) s.judge_code AND r.unit_code OPERATOR(pg_catalog.=) unit) AS recused,
			s.detail
		FROM scores s WHERE s.unit_code OPERATOR(pg_catalog.=) unit AND s.stage OPERATOR(pg_catalog.=) 'peer'
	), ordered AS (
		SELECT p.*, row_number() OVER (ORDER BY p.total, p.judge_code) AS up,
			row_number() OVER (ORDER BY p.total DESC, p.judge_code DESC) AS down,
			count(*) OVER () AS n
		FROM peers p WHERE NOT p.recused
	), items AS (
		-- each item: the unit's own points, and its peers' points by the bloc's method
		SELECT i.n, i.item ->> 'code' AS code, i.item ->> 'kind' AS kind,
			(SELECT (x ->> 'points')::numeric FROM scores s, jsonb_array_elements(s.detail -> 'items') x
			 WHERE s.unit_code OPERATOR(pg_catalog.=) unit AND s.stage OPERATOR(pg_catalog.=) 'self'
			   AND (x ->> 'code') OPERATOR(pg_catalog.=) (i.item ->> 'code')) AS self_points,
			(SELECT CASE WHEN settings.peer_method OPERATOR(pg_catalog.=) 'trimmed_mean'
						 THEN thidua.trimmed_mean((x ->> 'points')::numeric, settings.peer_trim)
						 ELSE avg((x ->> 'points')::numeric) END
			 FROM peers p, jsonb_array_elements(p.detail -> 'items') x
			 WHERE NOT p.recused AND (x ->> 'code') OPERATOR(pg_catalog.=) (i.item ->> 'code')) AS peer_points
		FROM (SELECT x AS item, n FROM (SELECT s.detail FROM scores s LIMIT 1) d,
			  jsonb_array_elements(d.detail -> 'items') WITH ORDINALITY AS t(x, n)) i
	), neighbours AS (
		SELECT s.unit_code, s.rank, s.final_total, s.tie_break,
			(SELECT a.e ->> 'key'
			 FROM jsonb_array_elements(me.tie_break) WITH ORDINALITY AS a(e, n)
			 JOIN jsonb_array_elements(s.tie_break) WITH ORDINALITY AS b(e, n) USING (n)
			 WHERE (a.e ->> 'points')::numeric OPERATOR(pg_catalog.<>) (b.e ->> 'points')::numeric
			 ORDER BY n LIMIT 1) AS first_difference
		FROM standings s, me
		WHERE s.unit_code OPERATOR(pg_catalog.<>) me.unit_code AND s.final_total IS NOT NULL AND me.final_total IS NOT NULL
		  -- the units sharing its rank, and those of the nearest ranks above and below
		  -- (after a tie at rank 7 the unit at rank 9 has rank 7 above it)
		  AND (s.rank OPERATOR(pg_catalog.=) me.rank
			   OR s.rank OPERATOR(pg_catalog.=) (SELECT max(x.rank) FROM standings x
					WHERE x.final_total IS NOT NULL AND x.rank OPERATOR(pg_catalog.<) me.rank)
			   OR s.rank OPERATOR(pg_catalog.=) (SELECT min(x.rank) FROM standings x
					WHERE x.final_total IS NOT NULL AND x.rank OPERATOR(pg_catalog.>) me.rank))
	)
	SELECT jsonb_build_object(
		'unit', unit, 'bloc', settings.bloc_code, 'period', settings.period_code,
		'criteria_version', settings.criteria_version, 'peer_method', settings.peer_method,
		'peer_trim', CASE WHEN settings.peer_method OPERATOR(pg_catalog.=) 'trimmed_mean' THEN settings.peer_trim END,
		'result_rounding', rounding,
		'standing', (SELECT to_jsonb(me) FROM me),
		'items', (SELECT jsonb_agg(jsonb_build_object('code', i.code, 'kind', i.kind,
					'self_points', i.self_points, 'peer_points', i.peer_points) ORDER BY i.n) FROM items i),
		-- criteria scored in the bloc: per score of the unit, its target and the leader it was set against
		'scored_in_bloc', (SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object('criterion', b.criterion_code,
					'stage', s.stage, 'judge', s.judge_code, 'observed', o.observed, 'target', b.target,
					'leader_observed', b.leader_observed, 'leader_target', b.leader_target, 'points', b.points))
					ORDER BY b.criterion_code, s.stage DESC, s.judge_code)
				FROM in_bloc b JOIN scores s ON s.evaluation_id OPERATOR(pg_catalog.=) b.evaluation_id
				JOIN thidua.observation o ON o.evaluation_id OPERATOR(pg_catalog.=) b.evaluation_id
					AND o.criterion_code OPERATOR(pg_catalog.=) b.criterion_code),
		'peer_totals', (SELECT jsonb_agg(jsonb_build_object('judge', p.judge_code, 'total', p.total,
					'counted', NOT p.recused AND (settings.peer_method OPERATOR(pg_catalog.<>) 'trimmed_mean'
						OR o.n <= 2 * settings.peer_trim OR (o.up > settings.peer_trim AND o.down > settings.peer_trim)),
					'why_not', CASE WHEN p.recused THEN 'recused'
									WHEN settings.peer_method OPERATOR(pg_catalog.=) 'trimmed_mean'
										 AND o.n > 2 * settings.peer_trim AND o.up <= settings.peer_trim THEN 'trimmed (lowest)'
									WHEN settings.peer_method OPERATOR(pg_catalog.=) 'trimmed_mean'
										 AND o.n > 2 * settings.peer_trim AND o.down <= settings.peer_trim THEN 'trimmed (highest)' END)
					ORDER BY p.total DESC, p.judge_code)
				FROM peers p LEFT JOIN ordered o ON o.judge_code OPERATOR(pg_catalog.=) p.judge_code),
		'neighbours', (SELECT jsonb_agg(jsonb_build_object('unit', nb.unit_code, 'rank', nb.rank,
					'final_total', nb.final_total,
					'decided_by', CASE WHEN nb.rank OPERATOR(pg_catalog.=) (SELECT me.rank FROM me) THEN 'tie'
						WHEN settings.peer_method OPERATOR(pg_catalog.=) 'schulze' THEN 'consensus'
						ELSE nb.first_difference END)
					ORDER BY nb.rank, nb.unit_code) FROM neighbours nb))
	INTO result;
	RETURN result;
END
$$;
COMMENT ON FUNCTION thidua.explain(text, text, text) IS
	'a unit''s standing explained: its items (own and peers'' points), its peers'' totals (counted, trimmed or recused), its neighbours and what separated them, the result_rounding setting that applied; without bloc, a unit in several blocs that period is an error listing them';
