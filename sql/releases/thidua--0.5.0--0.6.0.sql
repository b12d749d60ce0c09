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
-- Rule shapes: criteria not applicable to a unit, floored sections, standard
-- points of capped per-event criteria (score states: format 2)
------------------------------------------------------------------------------

ALTER TABLE thidua.criteria_version ADD COLUMN
	-- what a criterion marked not applicable to a unit counts for; NULL: markings refused
	not_applicable text CHECK (not_applicable IN ('exclude_and_rescale', 'full_points', 'zero'));

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
				'allow_over_completion', 'not_applicable', 'classes', 'veto', 'tie_break', 'items', '_source', '_line']) THEN
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
	-- rule shapes: what a criterion marked not applicable to a unit counts for
	IF doc ? 'not_applicable' AND (jsonb_typeof(doc -> 'not_applicable') <> 'string'
			OR doc ->> 'not_applicable' NOT IN ('exclude_and_rescale', 'full_points', 'zero')) THEN
		PERFORM thidua._criteria_error(doc, NULL, 'not_applicable',
			format('must be exclude_and_rescale, full_points or zero, not %s', doc -> 'not_applicable'));
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
				IF field IN ('target', 'ceiling', 'bands', 'otherwise', 'per')
				   OR (field = 'floor' AND item ->> 'kind' <> 'section') THEN
					PERFORM thidua._criteria_error(doc, item, field,
						CASE field WHEN 'floor' THEN 'only sections (and per_occurrence criteria) have a floor'
							 ELSE 'only criteria have rule parameters' END);
				END IF;
			END LOOP;
			max_points := thidua._criteria_number(doc, item, 'max', true, scale);
			IF max_points < 0 THEN
				PERFORM thidua._criteria_error(doc, item, 'max', 'must not be negative');
			END IF;
			-- rule shapes: a section's floor ("trừ hết điểm"): its points never go below it
			IF thidua._criteria_number(doc, item, 'floor', false, scale) > max_points THEN
				PERFORM thidua._criteria_error(doc, item, 'floor',
					format('%s is above the section''s max %s', item -> 'floor', max_points));
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
		-- rule shapes: a capped per-event criterion may state its standard points (max);
		-- its ceiling caps the points, and the standard points must be reachable
		IF item ->> 'rule' = 'per_occurrence' AND max_points IS NOT NULL THEN
			IF thidua._criteria_number(doc, item, 'per', true, 6) < 0 THEN
				PERFORM thidua._criteria_error(doc, item, 'max',
					'a deduction (per below zero) has no standard points: it is bounded by its floor');
			END IF;
			IF thidua._criteria_number(doc, item, 'ceiling', false, scale) IS NULL THEN
				PERFORM thidua._criteria_error(doc, item, 'max',
					'standard points need a ceiling (e.g. ceiling equal to max)');
			END IF;
			IF thidua._criteria_number(doc, item, 'ceiling', false, scale) < max_points THEN
				PERFORM thidua._criteria_error(doc, item, 'ceiling',
					format('%s is below max %s: the standard points could never be reached', item -> 'ceiling', max_points));
			END IF;
			IF thidua._criteria_number(doc, item, 'ceiling', false, scale) > max_points AND NOT over_completion THEN
				PERFORM thidua._criteria_error(doc, item, 'ceiling',
					format('%s is above max %s: over-completion is not allowed by this version (allow_over_completion is false)',
						item -> 'ceiling', max_points));
			END IF;
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
		'items', (SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
						'code', i.code, 'parent', i.parent_code, 'kind', i.kind, 'title', i.title,
						'max', i.max_points, 'rule', i.rule)) || i.params ORDER BY i.position)
				  FROM thidua.criteria_item i WHERE i.version_code OPERATOR(pg_catalog.=) v.version_code))
		-- rule shapes: present only when the version says it
		|| jsonb_strip_nulls(jsonb_build_object('not_applicable', v.not_applicable))
	FROM thidua.criteria_version v JOIN thidua.criteria_set s USING (set_code)
	WHERE v.version_code OPERATOR(pg_catalog.=) version
$$;

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
			allow_over_completion, veto_max_class, veto_reason, tie_break, not_applicable)
		VALUES (version, doc #>> '{set,code}', doc ->> 'edition', doc ->> 'title',
			coalesce((doc ->> 'rounding_scale')::smallint, 2),
			coalesce((doc ->> 'allow_over_completion')::boolean, false),
			doc #>> '{veto,max_class}', nullif(doc #>> '{veto,reason}', ''),
			CASE WHEN jsonb_array_length(coalesce(doc -> 'tie_break', '[]')) = 0 THEN '{total}'
				 ELSE ARRAY(SELECT jsonb_array_elements_text(doc -> 'tie_break')) END,
			doc ->> 'not_applicable');
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
				WHEN 'not_applicable' THEN
					doc := doc || jsonb_build_object(key, lower(params ->> key));
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
			format('rounding_scale=%s; allow_over_completion=%s; tie_break=%s%s', d ->> 'rounding_scale',
				d ->> 'allow_over_completion',
				(SELECT string_agg(k, ' ') FROM jsonb_array_elements_text(d -> 'tie_break') k),
				'; not_applicable=' || (d ->> 'not_applicable'))] FROM doc
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
			allow_over_completion, veto_max_class, veto_reason, tie_break, cloned_from, not_applicable)
		VALUES (target, source.set_code, new_edition, source.title, source.rounding_scale,
			source.allow_over_completion, source.veto_max_class, source.veto_reason, source.tie_break, version,
			source.not_applicable);
	INSERT INTO thidua.criteria_item (version_code, code, parent_code, position, kind, title, max_points, rule, params)
		SELECT target, code, parent_code, position, kind, title, max_points, rule, params
		FROM thidua.criteria_item WHERE version_code OPERATOR(pg_catalog.=) version;
	INSERT INTO thidua.class_band (version_code, position, label, title, lower_bound)
		SELECT target, position, label, title, lower_bound
		FROM thidua.class_band WHERE version_code OPERATOR(pg_catalog.=) version;
	RETURN target;
END
$$;

-- Rule shapes: the same aggregates with an applicable flag. applicable = false
-- marks the criterion not applicable to the unit (its observation must be NULL);
-- the version's setting not_applicable says what it counts for.
CREATE FUNCTION thidua._score_transition(state bytea, version text, criterion_code text, observed numeric,
										 applicable boolean)
	RETURNS bytea
	AS 'MODULE_PATHNAME', 'thidua_score_transition'
	LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION thidua._score_detail_transition(state bytea, version text, criterion_code text, observed numeric,
												applicable boolean)
	RETURNS bytea
	AS 'MODULE_PATHNAME', 'thidua_score_detail_transition'
	LANGUAGE C STABLE PARALLEL SAFE;

CREATE AGGREGATE thidua.score(version text, criterion_code text, observed numeric, applicable boolean) (
	SFUNC = thidua._score_transition,
	STYPE = bytea,
	SSPACE = 232,
	COMBINEFUNC = thidua._score_combine,
	FINALFUNC = thidua._score_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE thidua.score(text, text, numeric, boolean) IS
	'total points of one evaluation; a row with applicable = false (observed NULL) marks its criterion not applicable to the unit, counted as the version''s not_applicable says (exclude_and_rescale, full_points, zero; an error when the version says nothing); applicable NULL is an error';

CREATE AGGREGATE thidua.score_detail(version text, criterion_code text, observed numeric, applicable boolean) (
	SFUNC = thidua._score_detail_transition,
	STYPE = bytea,
	SSPACE = 432,
	COMBINEFUNC = thidua._score_combine,
	FINALFUNC = thidua._score_detail_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE thidua.score_detail(text, text, numeric, boolean) IS
	'score_detail with not-applicable markings (applicable = false, observed NULL): such criteria show "not_applicable": true, and a rescaled total shows "rescaled" {earned, applicable_max, standard_max}';

REVOKE EXECUTE ON FUNCTION thidua._score_transition(bytea, text, text, numeric, boolean),
	thidua._score_detail_transition(bytea, text, text, numeric, boolean) FROM PUBLIC;

CREATE AGGREGATE thidua.tie_break_keys(version text, criterion_code text, observed numeric, applicable boolean) (
	SFUNC = thidua._score_transition,
	STYPE = bytea,
	SSPACE = 232,
	COMBINEFUNC = thidua._score_combine,
	FINALFUNC = thidua._tie_break_keys_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE thidua.tie_break_keys(text, text, numeric, boolean) IS
	'tie_break_keys with not-applicable markings (applicable = false, observed NULL), as thidua.score(version, criterion, observed, applicable)';

-- Rule shapes: a criterion not applicable to a unit for a period (a unit
-- reorganised mid-year, a duty not assigned to it). Decided by the bloc's
-- administrators, never by the judged unit; the criteria version's setting
-- not_applicable says what it counts for. A marked criterion is not observed.
CREATE TABLE thidua.not_applicable_marking (
	bloc_code text NOT NULL,
	period_code text NOT NULL,
	unit_code text NOT NULL,
	criterion_code text NOT NULL,
	reason text NOT NULL CHECK (reason <> ''),
	decided_by text NOT NULL DEFAULT session_user,
	decided_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (bloc_code, period_code, unit_code, criterion_code),
	FOREIGN KEY (bloc_code, period_code, unit_code) REFERENCES thidua.bloc_member
);
COMMENT ON TABLE thidua.not_applicable_marking IS
	'criteria not applicable (không áp dụng) to a unit in a bloc and period, with the reason; the version''s not_applicable says what they count for';
SELECT pg_catalog.pg_extension_config_dump('thidua.not_applicable_marking', '');

-- A marking names a criterion of the bloc's version, which must say what not
-- applicable counts for, and the unit has no observation of it (checked per
-- statement, with the owner's rights: every judge's observations count).
CREATE FUNCTION thidua._check_not_applicable() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	bad record;
BEGIN
	IF TG_OP = 'INSERT' AND thidua._restoring(TG_TABLE_NAME) THEN
		RETURN NULL;
	END IF;
	SELECT n.bloc_code, n.period_code, n.unit_code, n.criterion_code, bp.criteria_version, v.not_applicable,
		i.kind INTO bad
	FROM new_markings n
	JOIN thidua.bloc_period bp ON bp.bloc_code OPERATOR(pg_catalog.=) n.bloc_code
		AND bp.period_code OPERATOR(pg_catalog.=) n.period_code
	JOIN thidua.criteria_version v ON v.version_code OPERATOR(pg_catalog.=) bp.criteria_version
	LEFT JOIN thidua.criteria_item i ON i.version_code OPERATOR(pg_catalog.=) bp.criteria_version
		AND i.code OPERATOR(pg_catalog.=) n.criterion_code
	WHERE v.not_applicable IS NULL OR i.kind IS DISTINCT FROM 'criterion'
	LIMIT 1;
	IF FOUND AND bad.kind IS DISTINCT FROM 'criterion' THEN
		RAISE EXCEPTION 'criterion "%" does not exist in criteria version "%" (bloc "%", period "%")',
			bad.criterion_code, bad.criteria_version, bad.bloc_code, bad.period_code
			USING ERRCODE = 'foreign_key_violation';
	ELSIF FOUND THEN
		RAISE EXCEPTION 'criteria version "%" does not say what a criterion not applicable to a unit counts for',
			bad.criteria_version
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'A version states it in its setting not_applicable (exclude_and_rescale, full_points or zero).';
	END IF;
	SELECT n.unit_code, n.criterion_code, e.judge_code INTO bad
	FROM new_markings n
	JOIN thidua.evaluation e ON e.bloc_code OPERATOR(pg_catalog.=) n.bloc_code
		AND e.period_code OPERATOR(pg_catalog.=) n.period_code AND e.unit_code OPERATOR(pg_catalog.=) n.unit_code
	JOIN thidua.observation o ON o.evaluation_id OPERATOR(pg_catalog.=) e.evaluation_id
		AND o.criterion_code OPERATOR(pg_catalog.=) n.criterion_code
	LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION 'criterion "%" of unit "%" is observed (by "%"): it cannot be marked not applicable',
			bad.criterion_code, bad.unit_code, bad.judge_code
			USING ERRCODE = 'unique_violation',
				  HINT = 'Delete the observations of the criterion first.';
	END IF;
	RETURN NULL;
END
$$;
CREATE TRIGGER not_applicable_marking_checked_on_insert AFTER INSERT ON thidua.not_applicable_marking
	REFERENCING NEW TABLE AS new_markings
	FOR EACH STATEMENT EXECUTE FUNCTION thidua._check_not_applicable();
CREATE TRIGGER not_applicable_marking_checked_on_update AFTER UPDATE ON thidua.not_applicable_marking
	REFERENCING NEW TABLE AS new_markings
	FOR EACH STATEMENT EXECUTE FUNCTION thidua._check_not_applicable();

CREATE OR REPLACE FUNCTION thidua._check_observations() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	statuses text[];
	closed text;
	marked record;
BEGIN
	-- aggregated above the lock, so that every touched period is locked, open ones too
	SELECT array_agg(touched.status), min(touched.period_code) FILTER (WHERE touched.status = 'closed')
		INTO statuses, closed FROM (
		SELECT p.period_code, p.status FROM thidua.period p
		WHERE p.period_code IN (
			SELECT e.period_code FROM new_observations n
			JOIN thidua.evaluation e ON e.evaluation_id OPERATOR(pg_catalog.=) n.evaluation_id)
		FOR SHARE) AS touched;
	IF NOT (TG_OP = 'INSERT' AND thidua._restoring(TG_TABLE_NAME)) AND 'closed' OPERATOR(pg_catalog.=) ANY (statuses) THEN
		RAISE EXCEPTION 'period "%" is closed: observations cannot change', closed
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'A closed period is history; thidua.reopen_period(period, reason) reopens it, on the record.';
	END IF;
	-- rule shapes: a criterion marked not applicable to the unit is not observed
	SELECT n.criterion_code, e.unit_code INTO marked FROM new_observations n
	JOIN thidua.evaluation e ON e.evaluation_id OPERATOR(pg_catalog.=) n.evaluation_id
	JOIN thidua.not_applicable_marking na ON na.bloc_code OPERATOR(pg_catalog.=) e.bloc_code
		AND na.period_code OPERATOR(pg_catalog.=) e.period_code AND na.unit_code OPERATOR(pg_catalog.=) e.unit_code
		AND na.criterion_code OPERATOR(pg_catalog.=) n.criterion_code
	LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION 'criterion "%" is marked not applicable to unit "%": it is not observed',
			marked.criterion_code, marked.unit_code
			USING ERRCODE = 'check_violation',
				  HINT = 'thidua.not_applicable_marking holds the marking and its reason.';
	END IF;
	-- thidua.points raises for an unknown criterion or a value its rule refuses
	PERFORM thidua.points(bp.criteria_version, n.criterion_code, n.observed)
	FROM new_observations n
	JOIN thidua.evaluation e ON e.evaluation_id OPERATOR(pg_catalog.=) n.evaluation_id
	JOIN thidua.bloc_period bp ON bp.bloc_code OPERATOR(pg_catalog.=) e.bloc_code
		AND bp.period_code OPERATOR(pg_catalog.=) e.period_code;
	RETURN NULL;
END
$$;

CREATE TRIGGER not_applicable_marking_open_period AFTER INSERT OR UPDATE OR DELETE ON thidua.not_applicable_marking
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_open_period();
CREATE TRIGGER not_applicable_marking_no_truncate BEFORE TRUNCATE ON thidua.not_applicable_marking
	FOR EACH STATEMENT EXECUTE FUNCTION thidua._guard_truncate('closed_period');

CREATE OR REPLACE FUNCTION thidua.evaluation_scores(bloc text, period text)
	RETURNS TABLE (evaluation_id bigint, unit_code text, stage text, judge_code text, total numeric, tie_keys numeric[])
	LANGUAGE sql STABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT e.evaluation_id, e.unit_code, e.stage, e.judge_code,
		coalesce(thidua.score(bp.criteria_version, o.criterion_code, o.observed, o.applicable)
					FILTER (WHERE o.criterion_code IS NOT NULL), 0),
		thidua.tie_break_keys(bp.criteria_version, o.criterion_code, o.observed, o.applicable)
			FILTER (WHERE o.criterion_code IS NOT NULL)
	FROM thidua.evaluation e
	JOIN thidua.bloc_period bp ON bp.bloc_code OPERATOR(pg_catalog.=) e.bloc_code
		AND bp.period_code OPERATOR(pg_catalog.=) e.period_code
	-- the observations, and the criteria marked not applicable to the unit
	LEFT JOIN (SELECT ob.evaluation_id, ob.criterion_code, ob.observed, true AS applicable
			   FROM thidua.observation ob
			   UNION ALL
			   SELECT x.evaluation_id, na.criterion_code, NULL::numeric, false
			   FROM thidua.not_applicable_marking na
			   JOIN thidua.evaluation x ON x.bloc_code OPERATOR(pg_catalog.=) na.bloc_code
				AND x.period_code OPERATOR(pg_catalog.=) na.period_code
				AND x.unit_code OPERATOR(pg_catalog.=) na.unit_code) o
		ON o.evaluation_id OPERATOR(pg_catalog.=) e.evaluation_id
	WHERE e.bloc_code OPERATOR(pg_catalog.=) bloc AND e.period_code OPERATOR(pg_catalog.=) period
	GROUP BY e.evaluation_id, e.unit_code, e.stage, e.judge_code, bp.criteria_version
$$;

CREATE OR REPLACE FUNCTION thidua.explain(unit text, period text, bloc text DEFAULT NULL) RETURNS jsonb
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	settings thidua.bloc_period;
	standing record;
	result jsonb;
BEGIN
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

	WITH scores AS (
		-- the unit's own evaluations, with their full breakdowns
		SELECT e.evaluation_id, e.unit_code, e.stage, e.judge_code,
			coalesce(thidua.score_detail(settings.criteria_version, o.criterion_code, o.observed, o.applicable)
						FILTER (WHERE o.criterion_code IS NOT NULL),
					 '{"total": 0, "items": []}'::jsonb) AS detail
		FROM thidua.evaluation e
		-- the observations, and the criteria marked not applicable to the unit
		LEFT JOIN (SELECT ob.evaluation_id, ob.criterion_code, ob.observed, true AS applicable
				   FROM thidua.observation ob
				   UNION ALL
				   SELECT x.evaluation_id, na.criterion_code, NULL::numeric, false
				   FROM thidua.not_applicable_marking na
				   JOIN thidua.evaluation x ON x.bloc_code OPERATOR(pg_catalog.=) na.bloc_code
					AND x.period_code OPERATOR(pg_catalog.=) na.period_code
					AND x.unit_code OPERATOR(pg_catalog.=) na.unit_code) o
			ON o.evaluation_id OPERATOR(pg_catalog.=) e.evaluation_id
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
		  AND abs(s.rank - me.rank) <= 1
	)
	SELECT jsonb_build_object(
		'unit', unit, 'bloc', settings.bloc_code, 'period', settings.period_code,
		'criteria_version', settings.criteria_version, 'peer_method', settings.peer_method,
		'peer_trim', CASE WHEN settings.peer_method OPERATOR(pg_catalog.=) 'trimmed_mean' THEN settings.peer_trim END,
		'standing', (SELECT to_jsonb(me) FROM me),
		'items', (SELECT jsonb_agg(jsonb_build_object('code', i.code, 'kind', i.kind,
					'self_points', i.self_points, 'peer_points', i.peer_points) ORDER BY i.n) FROM items i),
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
		-- rule shapes: the criteria marked not applicable to the unit, and what they count for
		|| CASE WHEN EXISTS (SELECT 1 FROM thidua.not_applicable_marking na
							 WHERE na.bloc_code OPERATOR(pg_catalog.=) settings.bloc_code
							   AND na.period_code OPERATOR(pg_catalog.=) settings.period_code
							   AND na.unit_code OPERATOR(pg_catalog.=) unit)
			THEN jsonb_build_object('not_applicable', jsonb_build_object(
				'treatment', (SELECT v.not_applicable FROM thidua.criteria_version v
							  WHERE v.version_code OPERATOR(pg_catalog.=) settings.criteria_version),
				'criteria', (SELECT jsonb_agg(jsonb_build_object('criterion', na.criterion_code, 'reason', na.reason,
								'decided_by', na.decided_by) ORDER BY na.criterion_code)
							 FROM thidua.not_applicable_marking na
							 WHERE na.bloc_code OPERATOR(pg_catalog.=) settings.bloc_code
							   AND na.period_code OPERATOR(pg_catalog.=) settings.period_code
							   AND na.unit_code OPERATOR(pg_catalog.=) unit)))
			ELSE '{}'::jsonb END
	INTO result;
	RETURN result;
END
$$;

-- Rule shapes: "not applicable" in a score file. The observed cell says it as
-- n/a or KAD (không áp dụng), in any case. Such a row stores nothing: it only
-- agrees with the marking the bloc's administrators made
-- (thidua.not_applicable_marking); without one it is an error naming the line.
CREATE FUNCTION thidua._observed_not_applicable(cell text) RETURNS boolean
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT lower(btrim(cell)) IN ('n/a', 'kad', 'không áp dụng')
$$;
COMMENT ON FUNCTION thidua._observed_not_applicable(text) IS
	'whether a score file''s observed cell says not applicable: n/a, KAD or "không áp dụng" (any case, spaces around ignored)';

CREATE FUNCTION thidua._check_not_applicable_row(bloc text, period text, unit text, criterion text,
												 source text, line integer) RETURNS void
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM thidua.not_applicable_marking na
				   WHERE na.bloc_code OPERATOR(pg_catalog.=) bloc AND na.period_code OPERATOR(pg_catalog.=) period
					 AND na.unit_code OPERATOR(pg_catalog.=) unit AND na.criterion_code OPERATOR(pg_catalog.=) criterion) THEN
		RAISE EXCEPTION '%:%: field "observed": criterion "%" is not marked not applicable to unit "%" in bloc "%", period "%"',
			coalesce(source, 'input'), line, criterion, unit, bloc, period
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'The bloc''s administrators mark it, with the reason, in thidua.not_applicable_marking.';
	END IF;
END
$$;
COMMENT ON FUNCTION thidua._check_not_applicable_row(text, text, text, text, text, integer) IS
	'raises an error naming source:line unless the criterion is marked not applicable to the unit in that bloc and period';

REVOKE ALL ON thidua.not_applicable_marking FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION thidua._check_not_applicable() FROM PUBLIC;

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
		thidua.evaluation, thidua.observation, thidua.adjustment, thidua.role_unit,
		thidua.not_applicable_marking TO thidua_admin;
	GRANT SELECT ON thidua.period_event, thidua.standing_revision, thidua.standing_row, thidua.current_standings,
		thidua.published_standings TO thidua_admin;
	GRANT EXECUTE ON FUNCTION thidua.import_criteria(jsonb, boolean), thidua.import_criteria_file(bytea, text, text, boolean),
		thidua.publish_version(text, text), thidua.retire_version(text, text), thidua.clone_version(text, text),
		thidua.delete_draft(text), thidua.close_period(text, text), thidua.reopen_period(text, text),
	thidua.evaluation_scores(text, text),
		thidua.standings(text, text), thidua.explain(text, text, text), thidua.judge_report(text, text),
		thidua.publish_standings(text, text, text), thidua.import_scores(text, text, text) TO thidua_admin;

	-- thidua_scorer: the scores of the units its role is mapped to (policies),
	-- the people of those units, and what scoring needs to read.
	GRANT SELECT ON thidua.unit, thidua.period, thidua.bloc, thidua.bloc_period, thidua.bloc_member,
		thidua.period_event, thidua.role_unit, thidua.individual, thidua.membership, thidua.post_held,
		thidua.not_applicable_marking TO thidua_scorer;
	GRANT SELECT, INSERT, DELETE ON thidua.evaluation TO thidua_scorer;
	GRANT SELECT, INSERT, UPDATE, DELETE ON thidua.observation TO thidua_scorer;
	GRANT EXECUTE ON FUNCTION thidua.import_scores(text, text, text) TO thidua_scorer;

	-- thidua_reader, and for now thidua_council: published standings and the
	-- public structure they name; no personal data, no unpublished score.
	GRANT SELECT ON thidua.unit, thidua.period, thidua.bloc, thidua.bloc_period, thidua.bloc_member,
		thidua.period_event, thidua.standing_revision, thidua.standing_row, thidua.published_standings
		TO thidua_reader, thidua_council;
END
$$;
