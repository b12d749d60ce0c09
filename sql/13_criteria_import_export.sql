-- thidua SQL source: criteria import and export (JSON and CSV).
-- Holds export_criteria(), _nfc(), import_criteria(); the file readers _decode_utf8()
-- and _csv_records() (C), the CSV-to-document conversion, import_criteria_file(),
-- export_criteria_csv().

-- The stored version as a criteria document (what import takes back).
CREATE FUNCTION thidua.export_criteria(version text) RETURNS jsonb
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
		-- rule shapes: present only when the version says it
		|| jsonb_strip_nulls(jsonb_build_object('not_applicable', v.not_applicable))
	FROM thidua.criteria_version v JOIN thidua.criteria_set s USING (set_code)
	WHERE v.version_code OPERATOR(pg_catalog.=) version
$$;
COMMENT ON FUNCTION thidua.export_criteria(text) IS 'a criteria version as a JSON criteria document';

-- Text in Unicode NFC, where the database encoding can say so.
CREATE FUNCTION thidua._nfc(value text) RETURNS text
	LANGUAGE sql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT CASE WHEN value IS NULL OR current_setting('server_encoding') <> 'UTF8' THEN value
				ELSE normalize(value, NFC) END
$$;

-- Stores a criteria document as a new draft version; returns its code. With
-- the owner's rights: on Citus no role holds a direct write on the criteria
-- tables (EXECUTE: administrators, 90_roles.sql). Every statement is one Citus
-- runs on its reference tables (INSERT ... SELECT, no subquery in VALUES).
CREATE FUNCTION thidua.import_criteria(document jsonb, replace_draft boolean DEFAULT false)
	RETURNS text
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	doc jsonb;
	version text;
	existing text;
	tie_keys text[];
BEGIN
	-- Unicode text is stored in NFC, so that equal-looking names compare equal;
	-- a field whose value is null counts as absent.
	doc := jsonb_strip_nulls(thidua._nfc(document::text)::jsonb);
	PERFORM thidua._validate_criteria(doc);
	version := (doc #>> '{set,code}') || '/' || (doc ->> 'edition');
	tie_keys := ARRAY(SELECT jsonb_array_elements_text(coalesce(doc -> 'tie_break', '[]')));

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
			allow_over_completion, veto_max_class, veto_reason, tie_break, result_rounding, not_applicable)
		SELECT version, doc #>> '{set,code}', doc ->> 'edition', doc ->> 'title',
			coalesce((doc ->> 'rounding_scale')::smallint, 2),
			coalesce((doc ->> 'allow_over_completion')::boolean, false),
			doc #>> '{veto,max_class}', nullif(doc #>> '{veto,reason}', ''),
			CASE WHEN jsonb_array_length(coalesce(doc -> 'tie_break', '[]')) = 0 THEN '{total}'
				 ELSE tie_keys END,
			coalesce(doc ->> 'result_rounding', 'exact'),
			doc ->> 'not_applicable';
	PERFORM thidua._record_version_event_on_citus(version, NULL, 'draft', current_setting('thidua.status_note', true));
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


------------------------------------------------------------------------------
-- Files: UTF-8 checked line by line, CSV read into records (both in C).
------------------------------------------------------------------------------

CREATE FUNCTION thidua._decode_utf8(data bytea, source text) RETURNS text
	AS 'MODULE_PATHNAME', 'thidua_decode_utf8'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION thidua._decode_utf8(bytea, text) IS
	'file bytes as text: a UTF-8 byte-order mark dropped, invalid UTF-8 refused with its line';

CREATE FUNCTION thidua._csv_records(content text, source text,
									OUT line integer, OUT fields text[])
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'thidua_csv_records'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION thidua._csv_records(text, text) IS
	'the records of a CSV text (RFC 4180; tab when the header has one, else semicolon when it has no comma, else comma) with the line each starts on';

-- Parses "key=value; key=value" parameters of a CSV record.
CREATE FUNCTION thidua._csv_params(params text, doc jsonb, line integer) RETURNS jsonb
	LANGUAGE plpgsql IMMUTABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	result jsonb := '{}';
	pair text;
	key text;
BEGIN
	FOREACH pair IN ARRAY coalesce(string_to_array(params, ';'), '{}') LOOP
		CONTINUE WHEN btrim(pair) = '';
		IF position('=' IN pair) = 0 THEN
			PERFORM thidua._criteria_error(doc, jsonb_build_object('_line', line), 'params',
				format('"%s" is not of the form key=value', btrim(pair)));
		END IF;
		key := btrim(split_part(pair, '=', 1));
		IF result ? key THEN
			PERFORM thidua._criteria_error(doc, jsonb_build_object('_line', line), 'params',
				format('"%s" is given twice', key));
		END IF;
		result := result || jsonb_build_object(key, btrim(substr(pair, position('=' IN pair) + 1)));
	END LOOP;
	RETURN result;
END
$$;

-- A CSV number as a JSON number, or an error naming the line and field. Read
-- as every import reads numbers (_csv_number_text): a decimal comma in ";" and
-- tab files, an exponent (1e2) anywhere.
CREATE FUNCTION thidua._csv_number(value text, doc jsonb, line integer, field text) RETURNS jsonb
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

-- Band list "[75,95):1 | (95,):1.5": brackets say which bounds are inclusive.
CREATE FUNCTION thidua._csv_bands(bands text, doc jsonb, line integer) RETURNS jsonb
	LANGUAGE plpgsql IMMUTABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	result jsonb := '[]';
	spec text;
	parts text[];
	band jsonb;
BEGIN
	FOREACH spec IN ARRAY string_to_array(bands, '|') LOOP
		parts := regexp_match(btrim(spec),
			'^([\[\(])\s*([^,\s]*)\s*,\s*([^\]\)\s]*)\s*([\]\)])\s*:\s*(\S+)$');
		IF parts IS NULL THEN
			PERFORM thidua._criteria_error(doc, jsonb_build_object('_line', line), 'bands',
				format('"%s" is not a band like [75,95):1 or (95,):1.5', btrim(spec)));
		END IF;
		band := jsonb_build_object('points', thidua._csv_number(parts[5], doc, line, 'bands'));
		IF parts[2] <> '' THEN
			band := band || jsonb_build_object('from', thidua._csv_number(parts[2], doc, line, 'bands'),
											   'from_inclusive', parts[1] = '[');
		END IF;
		IF parts[3] <> '' THEN
			band := band || jsonb_build_object('to', thidua._csv_number(parts[3], doc, line, 'bands'),
											   'to_inclusive', parts[4] = ']');
		END IF;
		result := result || jsonb_build_array(band);
	END LOOP;
	RETURN result;
END
$$;

-- A criteria CSV (see README) as a criteria document, each record's line kept.
CREATE FUNCTION thidua._criteria_csv_to_document(content text, source text) RETURNS jsonb
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
				WHEN 'result_rounding' THEN
					-- a number of decimals, or the word (validation names anything else)
					doc := doc || jsonb_build_object(key, CASE WHEN lower(params ->> key) = 'exact' THEN to_jsonb('exact'::text)
						WHEN params ->> key ~ '^[0-9]+$' THEN to_jsonb((params ->> key)::integer)
						ELSE to_jsonb(params ->> key) END);
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
CREATE FUNCTION thidua.import_criteria_file(data bytea, format text DEFAULT NULL,
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
-- a formula (starting with = + - @, tab or CR, after any apostrophes) gets an apostrophe
-- in front, which spreadsheets show as text and thidua's reader (_csv_rows)
-- removes, so every text reads back as it was; numbers (-2) are left alone.
CREATE FUNCTION thidua._csv_field(value text) RETURNS text
	LANGUAGE sql IMMUTABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT CASE WHEN v IS NULL THEN ''
				WHEN v ~ '[",;\r\n]|^\s|\s$' THEN '"' || replace(v, '"', '""') || '"'
				ELSE v END
	FROM (SELECT CASE WHEN value ~ '^''*[=+@\t\r-]' AND value !~ '^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$'
					  THEN '''' || value ELSE value END AS v) AS neutralised
$$;

-- A criterion's rule parameters as CSV "params" text: "target=100; ceiling=3.5".
CREATE FUNCTION thidua._params_text(item jsonb) RETURNS text
	LANGUAGE sql IMMUTABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT nullif(concat_ws('; ',
		'target=' || (item ->> 'target'), 'per=' || (item ->> 'per'), 'floor=' || (item ->> 'floor'),
		'ceiling=' || (item ->> 'ceiling'),
		'bands=' || (SELECT string_agg(
			CASE WHEN b ? 'from' THEN CASE WHEN (b ->> 'from_inclusive')::boolean THEN '[' ELSE '(' END
				 || (b ->> 'from') ELSE '(' END || ',' ||
			CASE WHEN b ? 'to' THEN (b ->> 'to') || CASE WHEN (b ->> 'to_inclusive')::boolean THEN ']' ELSE ')' END
				 ELSE ')' END || ':' || (b ->> 'points'), ' | ' ORDER BY n)
			FROM jsonb_array_elements(item -> 'bands') WITH ORDINALITY AS bands(b, n)),
		'otherwise=' || (item ->> 'otherwise')), '')
$$;

-- The stored version as a criteria CSV (what import takes back).
CREATE FUNCTION thidua.export_criteria_csv(version text) RETURNS text
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
				'; not_applicable=' || (d ->> 'not_applicable'))
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
	-- a byte-order mark, so that spreadsheets open the file as UTF-8
	SELECT U&'\FEFF' || 'kind,code,parent,title,max,rule,params' || E'\n' ||
		string_agg((SELECT string_agg(thidua._csv_field(x), ',' ORDER BY o) FROM unnest(r) WITH ORDINALITY AS f(x, o)),
				   E'\n' ORDER BY ord) || E'\n'
	FROM records
	HAVING count(*) > 0
$$;
COMMENT ON FUNCTION thidua.export_criteria_csv(text) IS
	'a criteria version as a criteria CSV: UTF-8 text starting with a byte-order mark; text cells starting with = + - @ get an apostrophe in front (the importer removes it)';
