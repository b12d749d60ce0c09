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


COMMENT ON FUNCTION thidua.export_criteria_csv(text) IS
	'a criteria version as a criteria CSV: UTF-8 text starting with a byte-order mark; text cells starting with = + - @ get an apostrophe in front (the importer removes it)';


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


------------------------------------------------------------------------------
-- Vietnamese text: names and titles in NFC, names that sort in Vietnamese,
-- length limits; criteria documents: every structural rule, every error placed
------------------------------------------------------------------------------
-- Whether text is in Unicode NFC. Outside a UTF-8 database, where normalization
-- is not defined, any text is. (IMMUTABLE for CHECK constraints: a database's
-- encoding never changes.)
CREATE FUNCTION thidua._is_nfc(value text) RETURNS boolean
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT CASE WHEN pg_catalog.current_setting('server_encoding') OPERATOR(pg_catalog.<>) 'UTF8' THEN true
				ELSE value IS NFC NORMALIZED END
$$;
COMMENT ON FUNCTION thidua._is_nfc(text) IS
	'whether text is in Unicode NFC (always true outside a UTF-8 database); NULL for NULL';

-- BEFORE INSERT OR UPDATE: stores the text columns named as the trigger's
-- arguments in NFC, so that a name typed decomposed (NFD, as macOS and some
-- word processors send it) equals the same name typed composed.
CREATE FUNCTION thidua._store_nfc() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	stored jsonb;
	normalized jsonb := '{}';
	column_name text;
BEGIN
	IF current_setting('server_encoding') <> 'UTF8' THEN
		RETURN NEW;
	END IF;
	stored := to_jsonb(NEW);
	FOREACH column_name IN ARRAY TG_ARGV LOOP
		IF NOT (stored ->> column_name) IS NFC NORMALIZED THEN
			normalized := normalized || jsonb_build_object(column_name, normalize(stored ->> column_name, NFC));
		END IF;
	END LOOP;
	IF normalized <> '{}' THEN
		NEW := jsonb_populate_record(NEW, normalized);
	END IF;
	RETURN NEW;
END
$$;

-- Names that functions and views return: text in the Vietnamese collation
-- where the server has ICU (A Ă Â B C D Đ … S), so that ORDER BY a name column
-- of their result sorts in Vietnamese as the tables' own name columns do.
-- (A function's result column takes the collation of its type, never that of
-- the expression it came from.) Clients see plain text.
DO $$
BEGIN
	IF EXISTS (SELECT 1 FROM pg_catalog.pg_collation WHERE collname OPERATOR(pg_catalog.=) 'vi-x-icu') THEN
		CREATE DOMAIN thidua.vietnamese_text AS text COLLATE pg_catalog."vi-x-icu";
	ELSE
		CREATE DOMAIN thidua.vietnamese_text AS text;
	END IF;
END
$$;
COMMENT ON DOMAIN thidua.vietnamese_text IS
	'text that sorts in Vietnamese (collation vi-x-icu) where the server has ICU: the names functions and views return';

-- Refuse to go on, naming what, when stored text breaks a new limit that
-- normalization cannot mend (a code not in NFC is a key other rows name).
DO $$
DECLARE
	found text;
BEGIN
	SELECT string_agg(problem, '; ') INTO found FROM (
		SELECT format('criteria set "%s": name of %s characters (at most 300)', set_code, char_length(name)) AS problem
			FROM thidua.criteria_set WHERE char_length(name) > 300
		UNION ALL SELECT format('criteria version "%s": title of %s characters (at most 1000)', version_code, char_length(title))
			FROM thidua.criteria_version WHERE char_length(title) > 1000
		UNION ALL SELECT format('criteria version "%s": veto reason of %s characters (at most 1000)', version_code, char_length(veto_reason))
			FROM thidua.criteria_version WHERE char_length(veto_reason) > 1000
		UNION ALL SELECT format('criteria version "%s", item "%s": title of %s characters (at most 1000)', version_code, code, char_length(title))
			FROM thidua.criteria_item WHERE char_length(title) > 1000
		UNION ALL SELECT format('criteria version "%s", class "%s": title of %s characters (at most 1000)', version_code, label, char_length(title))
			FROM thidua.class_band WHERE char_length(title) > 1000
		UNION ALL SELECT format('unit "%s": name of %s characters (at most 300)', unit_code, char_length(name))
			FROM thidua.unit WHERE char_length(name) > 300
		UNION ALL SELECT format('person "%s": full name of %s characters (at most 300)', person_code, char_length(full_name))
			FROM thidua.individual WHERE char_length(full_name) > 300
		UNION ALL SELECT format('person "%s": post of %s characters (at most 300)', person_code, char_length(post))
			FROM thidua.post_held WHERE char_length(post) > 300
		UNION ALL SELECT format('bloc "%s": name of %s characters (at most 300)', bloc_code, char_length(name))
			FROM thidua.bloc WHERE char_length(name) > 300
		UNION ALL SELECT format('unit code "%s" is not in Unicode NFC', unit_code) FROM thidua.unit WHERE NOT thidua._is_nfc(unit_code)
		UNION ALL SELECT format('person code "%s" is not in Unicode NFC', person_code) FROM thidua.individual WHERE NOT thidua._is_nfc(person_code)
		UNION ALL SELECT format('bloc code "%s" is not in Unicode NFC', bloc_code) FROM thidua.bloc WHERE NOT thidua._is_nfc(bloc_code)
		UNION ALL SELECT format('period code "%s" is not in Unicode NFC', period_code) FROM thidua.period WHERE NOT thidua._is_nfc(period_code)
		UNION ALL SELECT format('criteria version "%s": item code "%s" is not in Unicode NFC', version_code, code)
			FROM thidua.criteria_item WHERE NOT thidua._is_nfc(code)
		UNION ALL SELECT format('criteria version "%s": class label "%s" is not in Unicode NFC', version_code, label)
			FROM thidua.class_band WHERE NOT thidua._is_nfc(label)
		ORDER BY 1) p;
	IF found IS NOT NULL THEN
		RAISE EXCEPTION 'thidua 0.6.0 cannot take this database''s text as it is: %', found
			USING ERRCODE = 'check_violation',
				  DETAIL = 'From 0.6.0 names hold at most 300 characters, titles 1000, and codes are in Unicode NFC.',
				  HINT = 'Correct these rows with the release installed now, then update again.';
	END IF;
END
$$;

-- Names and titles stored before as they were typed go to NFC: the same text
-- to Unicode, now equal to the same name typed composed. Published criteria
-- are frozen by triggers, which this one rewrite passes (replica mode); the
-- published standings keep the names as published.
DO $$
DECLARE
	previous constant text := current_setting('session_replication_role');
BEGIN
	IF current_setting('server_encoding') = 'UTF8' THEN
		PERFORM set_config('session_replication_role', 'replica', true);
		UPDATE thidua.criteria_set SET name = normalize(name, NFC) WHERE NOT name IS NFC NORMALIZED;
		UPDATE thidua.criteria_version SET title = normalize(title, NFC) WHERE NOT title IS NFC NORMALIZED;
		UPDATE thidua.criteria_version SET veto_reason = normalize(veto_reason, NFC) WHERE NOT veto_reason IS NFC NORMALIZED;
		UPDATE thidua.criteria_item SET title = normalize(title, NFC) WHERE NOT title IS NFC NORMALIZED;
		UPDATE thidua.class_band SET title = normalize(title, NFC) WHERE NOT title IS NFC NORMALIZED;
		UPDATE thidua.unit SET name = normalize(name, NFC) WHERE NOT name IS NFC NORMALIZED;
		UPDATE thidua.individual SET full_name = normalize(full_name, NFC) WHERE NOT full_name IS NFC NORMALIZED;
		UPDATE thidua.post_held SET post = normalize(post, NFC) WHERE NOT post IS NFC NORMALIZED;
		UPDATE thidua.bloc SET name = normalize(name, NFC) WHERE NOT name IS NFC NORMALIZED;
		PERFORM set_config('session_replication_role', previous, true);
	END IF;
END
$$;

ALTER TABLE thidua.criteria_set
	ADD CONSTRAINT criteria_set_name_in_nfc CHECK (thidua._is_nfc(name)),
	ADD CONSTRAINT criteria_set_name_at_most_300_characters CHECK (char_length(name) <= 300);
ALTER TABLE thidua.criteria_version
	ADD CONSTRAINT criteria_version_title_in_nfc CHECK (thidua._is_nfc(title)),
	ADD CONSTRAINT criteria_version_title_at_most_1000_characters CHECK (char_length(title) <= 1000),
	ADD CONSTRAINT criteria_version_veto_reason_in_nfc CHECK (thidua._is_nfc(veto_reason)),
	ADD CONSTRAINT criteria_version_veto_reason_at_most_1000_characters CHECK (char_length(veto_reason) <= 1000);
ALTER TABLE thidua.criteria_item
	ADD CONSTRAINT criteria_item_code_in_nfc CHECK (thidua._is_nfc(code)),
	ADD CONSTRAINT criteria_item_title_in_nfc CHECK (thidua._is_nfc(title)),
	ADD CONSTRAINT criteria_item_title_at_most_1000_characters CHECK (char_length(title) <= 1000);
ALTER TABLE thidua.class_band
	ADD CONSTRAINT class_band_label_in_nfc CHECK (thidua._is_nfc(label)),
	ADD CONSTRAINT class_band_title_in_nfc CHECK (thidua._is_nfc(title)),
	ADD CONSTRAINT class_band_title_at_most_1000_characters CHECK (char_length(title) <= 1000);
ALTER TABLE thidua.unit
	ADD CONSTRAINT unit_code_in_nfc CHECK (thidua._is_nfc(unit_code)),
	ADD CONSTRAINT unit_name_in_nfc CHECK (thidua._is_nfc(name)),
	ADD CONSTRAINT unit_name_at_most_300_characters CHECK (char_length(name) <= 300);
ALTER TABLE thidua.individual
	ADD CONSTRAINT individual_person_code_in_nfc CHECK (thidua._is_nfc(person_code)),
	ADD CONSTRAINT individual_full_name_in_nfc CHECK (thidua._is_nfc(full_name)),
	ADD CONSTRAINT individual_full_name_at_most_300_characters CHECK (char_length(full_name) <= 300);
ALTER TABLE thidua.post_held
	ADD CONSTRAINT post_held_post_in_nfc CHECK (thidua._is_nfc(post)),
	ADD CONSTRAINT post_held_post_at_most_300_characters CHECK (char_length(post) <= 300);
ALTER TABLE thidua.period
	ADD CONSTRAINT period_code_in_nfc CHECK (thidua._is_nfc(period_code));
ALTER TABLE thidua.bloc
	ADD CONSTRAINT bloc_code_in_nfc CHECK (thidua._is_nfc(bloc_code)),
	ADD CONSTRAINT bloc_name_in_nfc CHECK (thidua._is_nfc(name)),
	ADD CONSTRAINT bloc_name_at_most_300_characters CHECK (char_length(name) <= 300);

-- Names and titles are stored in Unicode NFC, whatever the route (05_text.sql).
CREATE TRIGGER criteria_set_nfc BEFORE INSERT OR UPDATE ON thidua.criteria_set
	FOR EACH ROW EXECUTE FUNCTION thidua._store_nfc('name');
CREATE TRIGGER criteria_version_nfc BEFORE INSERT OR UPDATE ON thidua.criteria_version
	FOR EACH ROW EXECUTE FUNCTION thidua._store_nfc('title', 'veto_reason');
CREATE TRIGGER criteria_item_nfc BEFORE INSERT OR UPDATE ON thidua.criteria_item
	FOR EACH ROW EXECUTE FUNCTION thidua._store_nfc('title');
CREATE TRIGGER class_band_nfc BEFORE INSERT OR UPDATE ON thidua.class_band
	FOR EACH ROW EXECUTE FUNCTION thidua._store_nfc('title');
CREATE TRIGGER unit_nfc BEFORE INSERT OR UPDATE ON thidua.unit
	FOR EACH ROW EXECUTE FUNCTION thidua._store_nfc('name');
CREATE TRIGGER individual_nfc BEFORE INSERT OR UPDATE ON thidua.individual
	FOR EACH ROW EXECUTE FUNCTION thidua._store_nfc('full_name');
CREATE TRIGGER post_held_nfc BEFORE INSERT OR UPDATE ON thidua.post_held
	FOR EACH ROW EXECUTE FUNCTION thidua._store_nfc('post');
CREATE TRIGGER bloc_nfc BEFORE INSERT OR UPDATE ON thidua.bloc
	FOR EACH ROW EXECUTE FUNCTION thidua._store_nfc('name');

-- Names that sort in Vietnamese, in the tables and in what functions and views
-- return; the views and the function over the columns are made again.
DROP VIEW thidua.criteria_versions;
DROP VIEW thidua.published_standings;
DROP VIEW thidua.current_standings;
DROP FUNCTION thidua.standings(text, text);
DO $$
BEGIN
	IF EXISTS (SELECT 1 FROM pg_catalog.pg_collation WHERE collname OPERATOR(pg_catalog.=) 'vi-x-icu') THEN
		ALTER TABLE thidua.criteria_set ALTER COLUMN name TYPE text COLLATE pg_catalog."vi-x-icu";
		ALTER TABLE thidua.criteria_version ALTER COLUMN title TYPE text COLLATE pg_catalog."vi-x-icu";
		ALTER TABLE thidua.standing_row ALTER COLUMN unit_name TYPE text COLLATE pg_catalog."vi-x-icu";
	END IF;
END
$$;

-- The versions with their status and size, for listings.
CREATE VIEW thidua.criteria_versions AS
	SELECT v.version_code, v.set_code, v.edition, v.title, v.status,
		(SELECT count(*) FROM thidua.criteria_item i
		 WHERE i.version_code OPERATOR(pg_catalog.=) v.version_code AND i.kind OPERATOR(pg_catalog.=) 'criterion') AS criteria,
		(SELECT max(e.changed_at) FROM thidua.criteria_version_event e
		 WHERE e.version_code OPERATOR(pg_catalog.=) v.version_code) AS status_since,
		v.cloned_from
	FROM thidua.criteria_version v;

CREATE FUNCTION thidua.standings(bloc text, period text)
	RETURNS TABLE (unit_code text, unit_name thidua.vietnamese_text, role text, self_total numeric, peer_result numeric,
				   peer_judges integer, adjustment numeric, final_total numeric, class text, rank bigint,
				   tie_break jsonb, flags text[])
	LANGUAGE plpgsql STABLE PARALLEL SAFE
	-- It only reads, so the blocs of one query may be ranked in parallel
	-- workers; a call takes milliseconds, which the cost tells the planner.
	-- One bloc's queries are small: they start no workers of their own.
	COST 400000 ROWS 15
	SET search_path = pg_catalog, pg_temp
	SET max_parallel_workers_per_gather = 0
	-- unit_name is vietnamese_text so that ORDER BY unit_name over the result
	-- (and current_standings) sorts in Vietnamese, as the ties here do.
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
		SELECT m.unit_code, m.role,
			-- a member that left during the year is listed, not ranked (34_zone_setup.sql)
			CASE m.status WHEN 'withdrawn' THEN 'withdrawn:' || to_char(m.status_date, 'YYYY-MM-DD')
						  WHEN 'merged' THEN 'merged_into:' || m.merged_into || ':' || to_char(m.status_date, 'YYYY-MM-DD') END AS departed
		FROM thidua.bloc_member m
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
		  -- a member that left judges no more: its scores filed from that date do not
		  -- count (thidua._judge_had_left, written out so that it plans as one anti-join)
		  AND NOT EXISTS (SELECT 1 FROM thidua.bloc_member m
			JOIN thidua.evaluation e ON e.evaluation_id OPERATOR(pg_catalog.=) s.evaluation_id
			WHERE m.bloc_code OPERATOR(pg_catalog.=) bloc AND m.period_code OPERATOR(pg_catalog.=) period
			  AND m.unit_code OPERATOR(pg_catalog.=) s.judge_code AND m.status OPERATOR(pg_catalog.<>) 'active'
			  AND e.created_at OPERATOR(pg_catalog.>=) m.status_date)
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
		FROM (SELECT thidua.schulze_ranking(p.judge_code, p.unit_code, p.total) AS ranking FROM peer p
			  WHERE NOT EXISTS (SELECT 1 FROM members d WHERE d.unit_code OPERATOR(pg_catalog.=) p.unit_code
								AND d.departed IS NOT NULL)) s,
			jsonb_array_elements(s.ranking) AS r
		WHERE settings.peer_method OPERATOR(pg_catalog.=) 'schulze'
	), adjusted AS (
		SELECT a.unit_code, sum(a.points) AS points FROM thidua.adjustment a
		WHERE a.bloc_code OPERATOR(pg_catalog.=) bloc AND a.period_code OPERATOR(pg_catalog.=) period
		GROUP BY a.unit_code
	), vetoed AS (
		SELECT v.unit_code FROM thidua.veto v
		WHERE v.bloc_code OPERATOR(pg_catalog.=) bloc AND v.period_code OPERATOR(pg_catalog.=) period
		  AND v.lifted_at IS NULL
	), assembled AS (
		SELECT m.unit_code, u.name AS unit_name, m.role, m.departed,
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
	SELECT a.unit_code, a.unit_name::thidua.vietnamese_text, a.role, a.self_total, a.peer_result, a.peer_judges, a.adjustment,
		a.final_total,
		CASE WHEN a.final_total IS NOT NULL AND a.departed IS NULL
			 THEN thidua.classify(settings.criteria_version, a.final_total, a.is_vetoed) END,
		-- units without a peer score come last, together; members that left after them
		CASE WHEN a.departed IS NOT NULL
			 THEN (SELECT count(*) + 1 FROM assembled x WHERE x.departed IS NULL)
			 WHEN a.final_total IS NULL
			 THEN (SELECT count(*) + 1 FROM assembled x WHERE x.final_total IS NOT NULL AND x.departed IS NULL)
			 ELSE rank() OVER (ORDER BY a.departed IS NOT NULL, a.final_total IS NULL, a.consensus_rank ASC NULLS LAST, a.sort_key DESC) END,
		a.tie_break,
		ARRAY(SELECT f FROM unnest(ARRAY[
			CASE WHEN a.peer_judges OPERATOR(pg_catalog.=) 0 THEN 'no_peer_score' END,
			CASE WHEN a.peer_judges OPERATOR(pg_catalog.<) settings.quorum THEN 'incomplete_quorum' END,
			CASE WHEN a.self_total IS NULL THEN 'no_self_score' END,
			CASE WHEN a.is_vetoed THEN 'vetoed' END, a.departed] || a.recusals) AS f WHERE f IS NOT NULL)
	FROM assembled a
	ORDER BY 10, a.unit_name;
END
$$;
COMMENT ON FUNCTION thidua.standings(text, text) IS
	'standings of a bloc or zone in a period: self total, peer result by the bloc''s method, adjustments, final total, class, rank, flags';

-- Live standings of every bloc and period (drafts until published).
-- (The call stands in the select list, where the planner charges its cost per
-- bloc and so can rank blocs in parallel workers; as a LATERAL function scan it
-- would be charged once. OFFSET 0 keeps it to one call per bloc.)
CREATE VIEW thidua.current_standings AS
	SELECT x.bloc_code, x.period_code, (x.standing).*
	FROM (SELECT bp.bloc_code, bp.period_code, thidua.standings(bp.bloc_code, bp.period_code) AS standing
		  FROM thidua.bloc_period bp OFFSET 0) AS x;
COMMENT ON VIEW thidua.current_standings IS
	'live standings of every bloc and period: self total, peer result, adjustments, final total, class, rank, flags';

-- The latest published revision of every bloc and period.
CREATE VIEW thidua.published_standings AS
	SELECT r.* FROM thidua.standing_row r
	WHERE r.revision OPERATOR(pg_catalog.=) (SELECT max(x.revision) FROM thidua.standing_revision x
		WHERE x.bloc_code OPERATOR(pg_catalog.=) r.bloc_code AND x.period_code OPERATOR(pg_catalog.=) r.period_code);
COMMENT ON VIEW thidua.published_standings IS 'the latest published revision of each bloc''s standings';
ALTER VIEW thidua.criteria_versions SET (security_invoker = true);
ALTER VIEW thidua.current_standings SET (security_invoker = true);
ALTER VIEW thidua.published_standings SET (security_invoker = true);
REVOKE ALL ON thidua.criteria_versions FROM PUBLIC;
GRANT SELECT ON thidua.criteria_versions TO PUBLIC;
REVOKE ALL ON thidua.current_standings, thidua.published_standings FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION thidua.standings(text, text) FROM PUBLIC;
-- (thidua.create_roles() grants the thidua roles their rights on them again.)

-- A text field of the document, an item or a class: at most most characters
-- (a title 1000, a name 300; the tables hold the same limits).
CREATE FUNCTION thidua._criteria_text_limit(doc jsonb, item jsonb, field text, value text, most integer)
	RETURNS void
	LANGUAGE plpgsql IMMUTABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	IF char_length(value) > most THEN
		PERFORM thidua._criteria_error(doc, item, field,
			format('%s characters, at most %s', to_char(char_length(value), 'FM999,999,999,990'), most));
	END IF;
END
$$;


-- An item's params hold its rule parameters only. The export merges them into
-- the item, so a hand-edited "parent" or "kind" there would show validation at
-- publish another item than the one stored.
CREATE FUNCTION thidua._check_item_params(version text, set_code text, edition text) RETURNS void
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	doc constant jsonb := jsonb_build_object('set', jsonb_build_object('code', set_code), 'edition', edition);
	bad record;
BEGIN
	FOR bad IN SELECT i.code, i.params FROM thidua.criteria_item i
			   WHERE i.version_code OPERATOR(pg_catalog.=) version ORDER BY i.position LOOP
		IF jsonb_typeof(bad.params) IS DISTINCT FROM 'object' THEN
			PERFORM thidua._criteria_error(doc, jsonb_build_object('code', bad.code), 'params',
				format('must be an object of rule parameters, not %s', bad.params));
		END IF;
		PERFORM thidua._criteria_error(doc, jsonb_build_object('code', bad.code), 'params',
			format('"%s" is an item field, not a rule parameter', k))
		FROM jsonb_object_keys(bad.params) k
		WHERE k OPERATOR(pg_catalog.=) ANY (ARRAY['code', 'parent', 'kind', 'title', 'max', 'rule', '_line']);
	END LOOP;
END
$$;

-- A version's own row: drafts change freely; then only draft -> published
-- (validated) -> retired, nothing else; only drafts may be deleted.
CREATE OR REPLACE FUNCTION thidua._guard_version() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		IF OLD.status <> 'draft' THEN
			RAISE EXCEPTION 'criteria version "%" is % and cannot be deleted', OLD.version_code, OLD.status
				USING ERRCODE = 'object_not_in_prerequisite_state',
					  HINT = 'Published versions are kept forever; retire it instead.';
		END IF;
		RETURN OLD;
	END IF;
	IF TG_OP = 'INSERT' THEN
		IF NEW.status <> 'draft' AND NOT thidua._restoring(TG_TABLE_NAME) THEN
			RAISE EXCEPTION 'criteria version "%" must be created as a draft', NEW.version_code
				USING ERRCODE = 'object_not_in_prerequisite_state';
		END IF;
		RETURN NEW;
	END IF;
	IF NEW.version_code <> OLD.version_code THEN
		RAISE EXCEPTION 'the code of criteria version "%" cannot be changed', OLD.version_code
			USING ERRCODE = 'object_not_in_prerequisite_state';
	END IF;
	IF OLD.status = 'draft' AND NEW.status = 'draft' THEN
		RETURN NEW;
	END IF;
	IF (to_jsonb(NEW) - 'status') OPERATOR(pg_catalog.<>) (to_jsonb(OLD) - 'status') THEN
		RAISE EXCEPTION 'criteria version "%" is %: only its status can change', OLD.version_code, OLD.status
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Clone it into a new draft (thidua.clone_version) and change that.';
	END IF;
	IF NEW.status = OLD.status THEN
		RAISE EXCEPTION 'criteria version "%" is already %', OLD.version_code, OLD.status
			USING ERRCODE = 'object_not_in_prerequisite_state';
	END IF;
	IF NOT ((OLD.status = 'draft' AND NEW.status = 'published')
			OR (OLD.status = 'published' AND NEW.status = 'retired')) THEN
		RAISE EXCEPTION 'criteria version "%" cannot go from % to %', OLD.version_code, OLD.status, NEW.status
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'A version goes from draft to published to retired; published and retired versions never change.';
	END IF;
	IF NEW.status = 'published' THEN
		-- validation must see every edit committed before the lock was granted
		IF current_setting('transaction_isolation') <> 'read committed' THEN
			RAISE EXCEPTION 'criteria version "%" can be published only at the READ COMMITTED isolation level', NEW.version_code
				USING ERRCODE = 'object_not_in_prerequisite_state',
					  DETAIL = format('This transaction runs at %s: its snapshot may miss edits of the draft committed since it began.',
									  upper(current_setting('transaction_isolation'))),
					  HINT = 'Publish in a READ COMMITTED transaction (the default).';
		END IF;
		PERFORM thidua._check_item_params(NEW.version_code, NEW.set_code, NEW.edition);
		PERFORM thidua._validate_criteria(thidua.export_criteria(NEW.version_code));
	END IF;
	RETURN NEW;
END
$$;

------------------------------------------------------------------------------
-- A zone set up without writing SQL; members that leave during the year
------------------------------------------------------------------------------

-- how averaged results are rounded for a bloc; NULL: the criteria version's own setting
ALTER TABLE thidua.bloc_period ADD COLUMN result_rounding text
	CONSTRAINT bloc_period_result_rounding_check CHECK (result_rounding OPERATOR(pg_catalog.~) '^(exact|[0-9])$');

-- a member that leaves during the year (withdrawn, or merged into another unit)
ALTER TABLE thidua.bloc_member
	ADD COLUMN status text NOT NULL DEFAULT 'active' CONSTRAINT bloc_member_status_check
		CHECK (status OPERATOR(pg_catalog.=) ANY (ARRAY['active', 'withdrawn', 'merged'])),
	ADD COLUMN status_date date,
	ADD COLUMN merged_into text CONSTRAINT bloc_member_merged_into_fkey REFERENCES thidua.unit,
	ADD COLUMN status_reason text,
	ADD CONSTRAINT bloc_member_status_dated CHECK ((status OPERATOR(pg_catalog.=) 'active') OPERATOR(pg_catalog.=) (status_date IS NULL)
		AND (status OPERATOR(pg_catalog.=) 'active') OPERATOR(pg_catalog.=) (status_reason IS NULL)
		AND (status OPERATOR(pg_catalog.=) 'merged') OPERATOR(pg_catalog.=) (merged_into IS NOT NULL)
		AND merged_into IS DISTINCT FROM unit_code);

-- a lifted veto stays on record (thidua.remove_veto): when, by whom, why
ALTER TABLE thidua.veto
	ADD COLUMN lifted_at timestamptz,
	ADD COLUMN lifted_by text,
	ADD COLUMN lifted_reason text,
	ADD CONSTRAINT veto_lifted_with_reason CHECK ((lifted_at IS NULL) OPERATOR(pg_catalog.=) (lifted_reason IS NULL)
		AND (lifted_at IS NULL) OPERATOR(pg_catalog.=) (lifted_by IS NULL));

-- The set-up functions and the member guards (as in 34_zone_setup.sql).
-- Holds the functions behind the client's set-up verbs: import_units,
-- import_people, open_period, create_bloc, set_bloc_settings,
-- import_bloc_members, import_pact, add_veto, remove_veto, add_recusal; and the
-- members that leave during the year: set_member_status, remove_member, the
-- guard that names what depends on a member before it is deleted, and the guard
-- that keeps a departed member from judging or being judged.
--
-- Every import reads its file through thidua._csv_rows (15_csv_files.sql), checks
-- every row first (errors name source:line and the column), then writes: the
-- whole file or nothing. Imports upsert by code, so the same file imported again
-- changes nothing; rows of the database that a file does not name are kept.

-- The units of a file: code, name, parent (a unit of the file or of the
-- database), kind (default agency). Upserts by code.
CREATE FUNCTION thidua.import_units(content text, source text DEFAULT 'input',
									OUT added integer, OUT changed integer, OUT unchanged integer)
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	rec record;
	lines integer[] := '{}';
	codes text[] := '{}';
	names text[] := '{}';
	parents text[] := '{}';
	kinds text[] := '{}';
	code text;
	seen integer;
	looped record;
BEGIN
	source := coalesce(source, 'input');
	FOR rec IN SELECT * FROM thidua._csv_rows(content, source, '{code,name,parent,kind}', '{code,name}') LOOP
		code := rec.cells[1];
		IF code OPERATOR(pg_catalog.!~) '^[[:alnum:]][[:alnum:]._-]{0,63}$' THEN
			RAISE EXCEPTION '%:%: column "code": "%" is not a unit code', source, rec.line, code
				USING ERRCODE = 'invalid_text_representation',
					  HINT = 'A code is a letter or digit, then up to 63 letters, digits, ".", "_" or "-".';
		END IF;
		IF char_length(rec.cells[2]) OPERATOR(pg_catalog.>) 300 THEN
			RAISE EXCEPTION '%:%: column "name": % characters, at most 300', source, rec.line, char_length(rec.cells[2])
				USING ERRCODE = 'string_data_right_truncation';
		END IF;
		seen := array_position(codes, code);
		IF seen IS NOT NULL THEN
			RAISE EXCEPTION '%:%: column "code": unit "%" is given twice (line % too)', source, rec.line, code, lines[seen]
				USING ERRCODE = 'unique_violation';
		END IF;
		IF lower(coalesce(rec.cells[4], 'agency')) OPERATOR(pg_catalog.!~) '^[a-z_]{1,32}$' THEN
			RAISE EXCEPTION '%:%: column "kind": "%" is not a kind of unit', source, rec.line, rec.cells[4]
				USING ERRCODE = 'invalid_text_representation',
					  HINT = 'A kind is a word of up to 32 letters a-z or "_", e.g. agency, department, division.';
		END IF;
		IF rec.cells[3] OPERATOR(pg_catalog.=) code THEN
			RAISE EXCEPTION '%:%: column "parent": unit "%" cannot be its own parent', source, rec.line, code
				USING ERRCODE = 'check_violation';
		END IF;
		lines := lines OPERATOR(pg_catalog.||) rec.line;
		codes := codes OPERATOR(pg_catalog.||) code;
		names := names OPERATOR(pg_catalog.||) normalize(rec.cells[2], NFC);
		parents := parents OPERATOR(pg_catalog.||) rec.cells[3];
		kinds := kinds OPERATOR(pg_catalog.||) lower(coalesce(rec.cells[4], 'agency'));
	END LOOP;
	FOR i IN 1 .. coalesce(array_length(codes, 1), 0) LOOP
		IF parents[i] IS NOT NULL AND NOT parents[i] OPERATOR(pg_catalog.=) ANY (codes)
		   AND NOT EXISTS (SELECT 1 FROM thidua.unit u WHERE u.unit_code OPERATOR(pg_catalog.=) parents[i]) THEN
			RAISE EXCEPTION '%:%: column "parent": unit "%" does not exist', source, lines[i], parents[i]
				USING ERRCODE = 'foreign_key_violation',
					  HINT = 'A parent is a unit of this file or one imported before.';
		END IF;
	END LOOP;
	-- the tree as it will be (the file over the database) must have no cycle
	WITH RECURSIVE tree(code, parent) AS (
		SELECT f.code, f.parent FROM unnest(codes, parents) AS f(code, parent)
		UNION ALL
		SELECT u.unit_code, u.parent_code FROM thidua.unit u WHERE NOT u.unit_code OPERATOR(pg_catalog.=) ANY (codes)
	), walk(start, at, depth) AS (
		SELECT t.code, t.parent, 1 FROM tree t WHERE t.code OPERATOR(pg_catalog.=) ANY (codes) AND t.parent IS NOT NULL
		UNION ALL
		SELECT w.start, t.parent, w.depth + 1 FROM walk w JOIN tree t ON t.code OPERATOR(pg_catalog.=) w.at
		WHERE t.parent IS NOT NULL AND w.at OPERATOR(pg_catalog.<>) w.start AND w.depth OPERATOR(pg_catalog.<) 1000
	)
	SELECT w.start, lines[array_position(codes, w.start)] AS line INTO looped FROM walk w
		WHERE w.at OPERATOR(pg_catalog.=) w.start ORDER BY 2 LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION '%:%: column "parent": unit "%" would be its own ancestor', source, looped.line, looped.start
			USING ERRCODE = 'check_violation';
	END IF;

	SELECT count(*) FILTER (WHERE u.unit_code IS NULL),
		   count(*) FILTER (WHERE u.unit_code IS NOT NULL AND (u.name, u.parent_code, u.kind) IS DISTINCT FROM (f.name, f.parent, f.kind)),
		   count(*) FILTER (WHERE u.unit_code IS NOT NULL AND (u.name, u.parent_code, u.kind) IS NOT DISTINCT FROM (f.name, f.parent, f.kind))
		INTO added, changed, unchanged
	FROM unnest(codes, names, parents, kinds) AS f(code, name, parent, kind)
	LEFT JOIN thidua.unit u ON u.unit_code OPERATOR(pg_catalog.=) f.code;
	-- new units first without their parents, which may come later in the file
	INSERT INTO thidua.unit (unit_code, name, parent_code, kind)
		SELECT f.code, f.name, NULL, f.kind FROM unnest(codes, names, kinds) AS f(code, name, kind)
		WHERE NOT EXISTS (SELECT 1 FROM thidua.unit u WHERE u.unit_code OPERATOR(pg_catalog.=) f.code);
	UPDATE thidua.unit u SET name = f.name, parent_code = f.parent, kind = f.kind
		FROM unnest(codes, names, parents, kinds) AS f(code, name, parent, kind)
		WHERE u.unit_code OPERATOR(pg_catalog.=) f.code
		  AND (u.name, u.parent_code, u.kind) IS DISTINCT FROM (f.name, f.parent, f.kind);
END
$$;
COMMENT ON FUNCTION thidua.import_units(text, text) IS
	'imports units from CSV text (columns code, name, parent, kind; source names the file in errors): upserts by code, all or nothing; returns how many were added, changed, unchanged. Errors name source:line and the column: a bad code, a code twice, an unknown parent, a cycle, a bad kind';

-- People from a CSV file: one row per person and unit membership, with an
-- optional post held in that unit (columns code, name, sex, date_of_birth,
-- unit, unit_from, unit_to, post, post_from, post_to). A person with several
-- posts or units takes several rows that agree on name, sex and date of birth.
CREATE FUNCTION thidua.import_people(content text, source text DEFAULT 'input',
									 OUT added integer, OUT changed integer, OUT unchanged integer,
									 OUT memberships integer, OUT posts integer)
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	rec record;
	people jsonb := '{}';		-- code -> {line, name, sex, born}
	units jsonb := '{}';		-- code|unit|from -> {line, until}
	held jsonb := '{}';			-- code|post|from -> {line, unit, until}
	code text;
	sex text;
	born date;
	unit_from date;
	unit_to date;
	post_from date;
	post_to date;
	key text;
	earlier jsonb;
BEGIN
	source := coalesce(source, 'input');
	FOR rec IN SELECT * FROM thidua._csv_rows(content, source,
			'{code,name,sex,date_of_birth,unit,unit_from,unit_to,post,post_from,post_to}',
			'{code,name,sex,unit,unit_from}') LOOP
		code := rec.cells[1];
		IF code OPERATOR(pg_catalog.!~) '^[[:alnum:]][[:alnum:]._-]{0,63}$' THEN
			RAISE EXCEPTION '%:%: column "code": "%" is not a person code', source, rec.line, code
				USING ERRCODE = 'invalid_text_representation',
					  HINT = 'A code is a letter or digit, then up to 63 letters, digits, ".", "_" or "-".';
		END IF;
		IF char_length(rec.cells[2]) OPERATOR(pg_catalog.>) 300 THEN
			RAISE EXCEPTION '%:%: column "name": % characters, at most 300', source, rec.line, char_length(rec.cells[2])
				USING ERRCODE = 'string_data_right_truncation';
		END IF;
		IF char_length(rec.cells[8]) OPERATOR(pg_catalog.>) 300 THEN
			RAISE EXCEPTION '%:%: column "post": % characters, at most 300', source, rec.line, char_length(rec.cells[8])
				USING ERRCODE = 'string_data_right_truncation';
		END IF;
		sex := CASE lower(normalize(rec.cells[3], NFC)) WHEN 'male' THEN 'male' WHEN 'nam' THEN 'male'
					WHEN 'female' THEN 'female' WHEN 'nữ' THEN 'female' END;
		IF sex IS NULL THEN
			RAISE EXCEPTION '%:%: column "sex": "%" is not male, female, nam or nữ', source, rec.line, rec.cells[3]
				USING ERRCODE = 'invalid_text_representation';
		END IF;
		born := thidua._csv_date(rec.cells[4], source, rec.line, 'date_of_birth');
		IF NOT EXISTS (SELECT 1 FROM thidua.unit u WHERE u.unit_code OPERATOR(pg_catalog.=) rec.cells[5]) THEN
			RAISE EXCEPTION '%:%: column "unit": unit "%" does not exist', source, rec.line, rec.cells[5]
				USING ERRCODE = 'foreign_key_violation', HINT = 'Import the units first (thidua units import).';
		END IF;
		unit_from := thidua._csv_date(rec.cells[6], source, rec.line, 'unit_from');
		unit_to := thidua._csv_date(rec.cells[7], source, rec.line, 'unit_to');
		IF unit_to OPERATOR(pg_catalog.<=) unit_from THEN
			RAISE EXCEPTION '%:%: column "unit_to": % is not after unit_from %', source, rec.line, unit_to, unit_from
				USING ERRCODE = 'check_violation';
		END IF;
		post_from := thidua._csv_date(rec.cells[9], source, rec.line, 'post_from');
		post_to := thidua._csv_date(rec.cells[10], source, rec.line, 'post_to');
		IF rec.cells[8] IS NULL AND (post_from IS NOT NULL OR post_to IS NOT NULL) THEN
			RAISE EXCEPTION '%:%: column "post": dates of a post are given, not the post', source, rec.line
				USING ERRCODE = 'not_null_violation';
		ELSIF rec.cells[8] IS NOT NULL AND post_from IS NULL THEN
			RAISE EXCEPTION '%:%: column "post_from": the post "%" needs the date it was taken up', source, rec.line, rec.cells[8]
				USING ERRCODE = 'not_null_violation';
		ELSIF post_to OPERATOR(pg_catalog.<=) post_from THEN
			RAISE EXCEPTION '%:%: column "post_to": % is not after post_from %', source, rec.line, post_to, post_from
				USING ERRCODE = 'check_violation';
		END IF;

		-- the rows of one person agree on who it is
		earlier := people -> code;
		IF earlier IS NULL THEN
			people := people OPERATOR(pg_catalog.||) jsonb_build_object(code, jsonb_build_object(
				'line', rec.line, 'name', normalize(rec.cells[2], NFC), 'sex', sex, 'born', born));
		ELSIF (earlier ->> 'name', earlier ->> 'sex', (earlier ->> 'born')::date)
			  IS DISTINCT FROM (normalize(rec.cells[2], NFC), sex, born) THEN
			RAISE EXCEPTION '%:%: column "%": person "%" is given as someone else on line %', source, rec.line,
				CASE WHEN earlier ->> 'name' IS DISTINCT FROM normalize(rec.cells[2], NFC) THEN 'name'
					 WHEN earlier ->> 'sex' IS DISTINCT FROM sex THEN 'sex' ELSE 'date_of_birth' END,
				code, earlier ->> 'line'
				USING ERRCODE = 'unique_violation',
					  HINT = 'Rows of one person give the same name, sex and date of birth.';
		END IF;
		key := concat_ws('|', code, rec.cells[5], unit_from);
		earlier := units -> key;
		IF earlier IS NULL THEN
			units := units OPERATOR(pg_catalog.||) jsonb_build_object(key, jsonb_build_object(
				'line', rec.line, 'person', code, 'unit', rec.cells[5], 'from', unit_from, 'until', unit_to));
		ELSIF (earlier ->> 'until')::date IS DISTINCT FROM unit_to THEN
			RAISE EXCEPTION '%:%: column "unit_to": the membership of "%" in "%" from % ends otherwise on line %',
				source, rec.line, code, rec.cells[5], unit_from, earlier ->> 'line'
				USING ERRCODE = 'unique_violation';
		END IF;
		IF rec.cells[8] IS NOT NULL THEN
			key := concat_ws('|', code, normalize(rec.cells[8], NFC), post_from);
			earlier := held -> key;
			IF earlier IS NULL THEN
				held := held OPERATOR(pg_catalog.||) jsonb_build_object(key, jsonb_build_object(
					'line', rec.line, 'person', code, 'post', normalize(rec.cells[8], NFC), 'unit', rec.cells[5],
					'from', post_from, 'until', post_to));
			ELSIF (earlier ->> 'unit', (earlier ->> 'until')::date) IS DISTINCT FROM (rec.cells[5], post_to) THEN
				RAISE EXCEPTION '%:%: column "post": the post "%" of "%" from % is given otherwise on line %',
					source, rec.line, rec.cells[8], code, post_from, earlier ->> 'line'
					USING ERRCODE = 'unique_violation';
			END IF;
		END IF;
	END LOOP;

	SELECT count(*) FILTER (WHERE i.person_code IS NULL),
		   count(*) FILTER (WHERE i.person_code IS NOT NULL AND (i.full_name, i.sex, i.date_of_birth)
							IS DISTINCT FROM (p.value ->> 'name', p.value ->> 'sex', (p.value ->> 'born')::date)),
		   count(*) FILTER (WHERE i.person_code IS NOT NULL AND (i.full_name, i.sex, i.date_of_birth)
							IS NOT DISTINCT FROM (p.value ->> 'name', p.value ->> 'sex', (p.value ->> 'born')::date))
		INTO added, changed, unchanged
	FROM jsonb_each(people) p LEFT JOIN thidua.individual i ON i.person_code OPERATOR(pg_catalog.=) p.key;
	INSERT INTO thidua.individual (person_code, full_name, sex, date_of_birth)
		SELECT p.key, p.value ->> 'name', p.value ->> 'sex', (p.value ->> 'born')::date FROM jsonb_each(people) p
		ON CONFLICT (person_code) DO UPDATE SET full_name = excluded.full_name, sex = excluded.sex,
			date_of_birth = excluded.date_of_birth
		WHERE (individual.full_name, individual.sex, individual.date_of_birth)
			IS DISTINCT FROM (excluded.full_name, excluded.sex, excluded.date_of_birth);
	INSERT INTO thidua.membership (person_code, unit_code, valid_from, valid_to)
		SELECT m.value ->> 'person', m.value ->> 'unit', (m.value ->> 'from')::date, (m.value ->> 'until')::date
		FROM jsonb_each(units) m
		ON CONFLICT (person_code, unit_code, valid_from) DO UPDATE SET valid_to = excluded.valid_to
		WHERE membership.valid_to IS DISTINCT FROM excluded.valid_to;
	GET DIAGNOSTICS memberships = ROW_COUNT;
	INSERT INTO thidua.post_held (person_code, unit_code, post, valid_from, valid_to)
		SELECT h.value ->> 'person', h.value ->> 'unit', h.value ->> 'post', (h.value ->> 'from')::date,
			(h.value ->> 'until')::date
		FROM jsonb_each(held) h
		ON CONFLICT (person_code, post, valid_from) DO UPDATE SET unit_code = excluded.unit_code, valid_to = excluded.valid_to
		WHERE (post_held.unit_code, post_held.valid_to) IS DISTINCT FROM (excluded.unit_code, excluded.valid_to);
	GET DIAGNOSTICS posts = ROW_COUNT;
END
$$;
COMMENT ON FUNCTION thidua.import_people(text, text) IS
	'imports people from CSV text (columns code, name, sex [male, female, nam, nữ], date_of_birth, unit, unit_from, unit_to, post, post_from, post_to; one row per membership, with an optional post; dates 2024-03-15 or 15/03/2024): upserts people by code, memberships by person, unit and start, posts by person, post and start; all or nothing; returns people added, changed, unchanged and the memberships and posts written. Errors name source:line and the column';

-- Opens a period: creates it (open), or says it is open already.
CREATE FUNCTION thidua.open_period(period text, year integer DEFAULT NULL) RETURNS text
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	existing thidua.period;
	other text;
BEGIN
	IF period IS NULL OR period OPERATOR(pg_catalog.!~) '^[[:alnum:]][[:alnum:]._-]{0,31}$' THEN
		RAISE EXCEPTION '"%" is not a period code', coalesce(period, '')
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'A period code is a letter or digit, then up to 31 letters, digits, ".", "_" or "-", e.g. 2025.';
	END IF;
	IF year IS NULL AND period OPERATOR(pg_catalog.~) '^[0-9]{4}$' THEN
		year := period::integer;
	END IF;
	SELECT * INTO existing FROM thidua.period p WHERE p.period_code OPERATOR(pg_catalog.=) open_period.period;
	IF FOUND THEN
		IF existing.year IS DISTINCT FROM coalesce(open_period.year, existing.year) THEN
			RAISE EXCEPTION 'period "%" exists already for the year %, not %', period, existing.year, year
				USING ERRCODE = 'unique_violation';
		ELSIF existing.status OPERATOR(pg_catalog.=) 'closed' THEN
			RAISE EXCEPTION 'period "%" is closed', period
				USING ERRCODE = 'object_not_in_prerequisite_state',
					  HINT = 'A closed period is reopened with a reason: thidua.reopen_period(period, reason) (thidua period reopen).';
		END IF;
		RETURN 'open already';
	END IF;
	IF year IS NULL THEN
		RAISE EXCEPTION 'period "%" needs a year', period
			USING ERRCODE = 'invalid_parameter_value', HINT = 'Give the year (thidua period open CODE --year YYYY).';
	ELSIF year NOT BETWEEN 1900 AND 2199 THEN
		RAISE EXCEPTION 'the year % of period "%" is not between 1900 and 2199', year, period
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	SELECT p.period_code INTO other FROM thidua.period p WHERE p.year OPERATOR(pg_catalog.=) open_period.year;
	IF FOUND THEN
		RAISE EXCEPTION 'the year % is period "%" already', year, other USING ERRCODE = 'unique_violation';
	END IF;
	INSERT INTO thidua.period (period_code, year) VALUES (period, year);
	RETURN 'opened';
END
$$;
COMMENT ON FUNCTION thidua.open_period(text, integer) IS
	'creates an emulation period, open (year: 1900-2199, default the code when it is four digits); returns opened, or open already when it exists open; a closed period is an error (reopen_period reopens it)';

-- Creates a bloc or zone, or renames it. Returns created, changed or unchanged.
CREATE FUNCTION thidua.create_bloc(bloc text, name text, kind text DEFAULT 'bloc') RETURNS text
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	existing thidua.bloc;
BEGIN
	name := normalize(btrim(name), NFC);
	IF bloc IS NULL OR bloc OPERATOR(pg_catalog.!~) '^[[:alnum:]][[:alnum:]._-]{0,63}$' THEN
		RAISE EXCEPTION '"%" is not a bloc code', coalesce(bloc, '')
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'A code is a letter or digit, then up to 63 letters, digits, ".", "_" or "-".';
	ELSIF coalesce(name, '') OPERATOR(pg_catalog.=) '' THEN
		RAISE EXCEPTION 'bloc "%" needs a name', bloc USING ERRCODE = 'invalid_parameter_value';
	ELSIF kind IS NULL OR kind NOT IN ('bloc', 'zone') THEN
		RAISE EXCEPTION 'the kind of bloc "%" is bloc (khối) or zone (cụm, khu vực), not "%"', bloc, coalesce(kind, '')
			USING ERRCODE = 'invalid_parameter_value';
	ELSIF char_length(name) OPERATOR(pg_catalog.>) 300 THEN
		RAISE EXCEPTION 'the name of bloc "%" has % characters, at most 300', bloc, char_length(name)
			USING ERRCODE = 'string_data_right_truncation';
	END IF;
	SELECT * INTO existing FROM thidua.bloc b WHERE b.bloc_code OPERATOR(pg_catalog.=) create_bloc.bloc FOR UPDATE;
	IF NOT FOUND THEN
		INSERT INTO thidua.bloc (bloc_code, name, kind) VALUES (bloc, name, kind);
		RETURN 'created';
	ELSIF (existing.name, existing.kind) IS NOT DISTINCT FROM (name, kind) THEN
		RETURN 'unchanged';
	END IF;
	UPDATE thidua.bloc b SET name = create_bloc.name, kind = create_bloc.kind
		WHERE b.bloc_code OPERATOR(pg_catalog.=) create_bloc.bloc;
	RETURN 'changed';
END
$$;
COMMENT ON FUNCTION thidua.create_bloc(text, text, text) IS
	'creates an emulation bloc (kind bloc) or zone (kind zone) with its name, or changes the name and kind of an existing one; returns created, changed or unchanged';

-- A bloc's settings for a period: created with a criteria version, then
-- changed field by field (NULL: keep). result_rounding 'exact' or a digit;
-- 'default' goes back to the criteria version's own setting.
CREATE FUNCTION thidua.set_bloc_settings(bloc text, period text, criteria_version text DEFAULT NULL,
										 peer_method text DEFAULT NULL, peer_trim integer DEFAULT NULL,
										 quorum integer DEFAULT NULL, result_rounding text DEFAULT NULL)
	RETURNS text
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	existing thidua.bloc_period;
	wanted thidua.bloc_period;
	scored bigint;
BEGIN
	IF NOT EXISTS (SELECT 1 FROM thidua.bloc b WHERE b.bloc_code OPERATOR(pg_catalog.=) bloc) THEN
		RAISE EXCEPTION 'bloc "%" does not exist', bloc
			USING ERRCODE = 'no_data_found', HINT = 'Create it first: thidua.create_bloc (thidua bloc create).';
	ELSIF NOT EXISTS (SELECT 1 FROM thidua.period p WHERE p.period_code OPERATOR(pg_catalog.=) period) THEN
		RAISE EXCEPTION 'period "%" does not exist', period
			USING ERRCODE = 'no_data_found', HINT = 'Open it first: thidua.open_period (thidua period open).';
	ELSIF criteria_version IS NOT NULL AND NOT EXISTS (SELECT 1 FROM thidua.criteria_version v
													 WHERE v.version_code OPERATOR(pg_catalog.=) criteria_version) THEN
		RAISE EXCEPTION 'criteria version "%" does not exist', criteria_version
			USING ERRCODE = 'no_data_found', HINT = 'The versions are listed by thidua criteria list.';
	ELSIF peer_method NOT IN ('mean', 'trimmed_mean', 'schulze') THEN
		RAISE EXCEPTION 'peer method "%" is not mean, trimmed_mean or schulze', peer_method
			USING ERRCODE = 'invalid_parameter_value';
	ELSIF peer_trim OPERATOR(pg_catalog.<) 0 THEN
		RAISE EXCEPTION 'the trim of bloc "%" must be 0 or more, not %', bloc, peer_trim
			USING ERRCODE = 'invalid_parameter_value';
	ELSIF quorum OPERATOR(pg_catalog.<) 0 THEN
		RAISE EXCEPTION 'the quorum of bloc "%" must be 0 or more, not %', bloc, quorum
			USING ERRCODE = 'invalid_parameter_value';
	ELSIF result_rounding OPERATOR(pg_catalog.!~) '^(exact|[0-9]|default)$' THEN
		RAISE EXCEPTION 'result rounding "%" is not exact, a number of decimals 0-9, or default', result_rounding
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'default takes the criteria version''s own setting.';
	END IF;
	SELECT * INTO existing FROM thidua.bloc_period bp
		WHERE bp.bloc_code OPERATOR(pg_catalog.=) bloc AND bp.period_code OPERATOR(pg_catalog.=) period FOR UPDATE;
	IF NOT FOUND THEN
		IF criteria_version IS NULL THEN
			RAISE EXCEPTION 'bloc "%" has no settings for period "%" yet: they start with its criteria version', bloc, period
				USING ERRCODE = 'not_null_violation', HINT = 'Give the criteria version (thidua bloc settings --criteria VERSION).';
		END IF;
		INSERT INTO thidua.bloc_period (bloc_code, period_code, criteria_version, peer_method, peer_trim, quorum, result_rounding)
			VALUES (bloc, period, criteria_version, coalesce(peer_method, 'trimmed_mean'), coalesce(peer_trim, 1),
					coalesce(quorum, 1), nullif(result_rounding, 'default'));
		RETURN 'created';
	END IF;
	wanted := existing;
	wanted.criteria_version := coalesce(criteria_version, existing.criteria_version);
	wanted.peer_method := coalesce(peer_method, existing.peer_method);
	wanted.peer_trim := coalesce(peer_trim, existing.peer_trim);
	wanted.quorum := coalesce(quorum, existing.quorum);
	wanted.result_rounding := CASE WHEN result_rounding IS NULL THEN existing.result_rounding
								   ELSE nullif(result_rounding, 'default') END;
	IF wanted IS NOT DISTINCT FROM existing THEN
		RETURN 'unchanged';
	END IF;
	IF wanted.criteria_version OPERATOR(pg_catalog.<>) existing.criteria_version THEN
		-- observations were checked against the version they were scored under
		SELECT count(*) INTO scored FROM thidua.evaluation e
			WHERE e.bloc_code OPERATOR(pg_catalog.=) bloc AND e.period_code OPERATOR(pg_catalog.=) period;
		IF scored OPERATOR(pg_catalog.>) 0 THEN
			RAISE EXCEPTION 'bloc "%" has % evaluations in period "%" scored under criteria version "%"',
				bloc, scored, period, existing.criteria_version
				USING ERRCODE = 'object_not_in_prerequisite_state',
					  HINT = 'The criteria version of a bloc changes only before its first scores.';
		END IF;
	END IF;
	UPDATE thidua.bloc_period bp SET criteria_version = wanted.criteria_version, peer_method = wanted.peer_method,
		peer_trim = wanted.peer_trim, quorum = wanted.quorum, result_rounding = wanted.result_rounding
		WHERE bp.bloc_code OPERATOR(pg_catalog.=) bloc AND bp.period_code OPERATOR(pg_catalog.=) period;
	RETURN 'changed';
END
$$;
COMMENT ON FUNCTION thidua.set_bloc_settings(text, text, text, text, integer, integer, text) IS
	'creates or changes a bloc''s settings for a period: criteria version (published or retired; required at creation, fixed once scored), peer_method (mean, trimmed_mean, schulze), peer_trim and quorum (0 or more), result_rounding (exact, decimals 0-9, or default: the version''s setting); NULL keeps a setting; returns created, changed or unchanged';

-- Checks that a unit is a member of a bloc in a period; the error names the field.
CREATE FUNCTION thidua._member_or_error(bloc text, period text, unit text, field text, source text DEFAULT NULL,
										line integer DEFAULT NULL) RETURNS void
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM thidua.bloc_member m WHERE m.bloc_code OPERATOR(pg_catalog.=) bloc
				   AND m.period_code OPERATOR(pg_catalog.=) period AND m.unit_code OPERATOR(pg_catalog.=) unit) THEN
		RAISE EXCEPTION '%', format('%s"%s" is not a member of bloc "%s" in period "%s"',
			CASE WHEN source IS NOT NULL THEN format('%s:%s: column "%s": ', source, line, field) ELSE field || ' ' END,
			coalesce(unit, ''), bloc, period)
			USING ERRCODE = 'foreign_key_violation',
				  HINT = 'Members are named by thidua.import_bloc_members (thidua bloc members FILE).';
	END IF;
END
$$;

-- Members of a bloc in a period from a CSV file (columns unit, role: head,
-- deputy or member, default member). Upserts by unit; members the file does not
-- name are kept (thidua.remove_member removes one).
CREATE FUNCTION thidua.import_bloc_members(bloc text, period text, content text, source text DEFAULT 'input',
										   OUT added integer, OUT changed integer, OUT unchanged integer, OUT kept integer)
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	rec record;
	lines integer[] := '{}';
	units text[] := '{}';
	roles text[] := '{}';
	role text;
	seen integer;
	head_line integer;
	other_head text;
BEGIN
	source := coalesce(source, 'input');
	IF NOT EXISTS (SELECT 1 FROM thidua.bloc_period bp WHERE bp.bloc_code OPERATOR(pg_catalog.=) bloc
				   AND bp.period_code OPERATOR(pg_catalog.=) period) THEN
		RAISE EXCEPTION 'bloc "%" has no settings for period "%"', bloc, period
			USING ERRCODE = 'no_data_found',
				  HINT = 'Set them first: thidua.set_bloc_settings (thidua bloc settings --criteria VERSION).';
	END IF;
	FOR rec IN SELECT * FROM thidua._csv_rows(content, source, '{unit,role}', '{unit}') LOOP
		IF NOT EXISTS (SELECT 1 FROM thidua.unit u WHERE u.unit_code OPERATOR(pg_catalog.=) rec.cells[1]) THEN
			RAISE EXCEPTION '%:%: column "unit": unit "%" does not exist', source, rec.line, rec.cells[1]
				USING ERRCODE = 'foreign_key_violation', HINT = 'Import the units first (thidua units import).';
		END IF;
		seen := array_position(units, rec.cells[1]);
		IF seen IS NOT NULL THEN
			RAISE EXCEPTION '%:%: column "unit": unit "%" is given twice (line % too)', source, rec.line, rec.cells[1], lines[seen]
				USING ERRCODE = 'unique_violation';
		END IF;
		role := lower(coalesce(rec.cells[2], 'member'));
		IF role NOT IN ('head', 'deputy', 'member') THEN
			RAISE EXCEPTION '%:%: column "role": "%" is not head, deputy or member', source, rec.line, rec.cells[2]
				USING ERRCODE = 'invalid_text_representation';
		END IF;
		IF role OPERATOR(pg_catalog.=) 'head' THEN
			IF head_line IS NOT NULL THEN
				RAISE EXCEPTION '%:%: column "role": a bloc has one head, and line % names one', source, rec.line, head_line
					USING ERRCODE = 'unique_violation';
			END IF;
			head_line := rec.line;
		END IF;
		lines := lines OPERATOR(pg_catalog.||) rec.line;
		units := units OPERATOR(pg_catalog.||) rec.cells[1];
		roles := roles OPERATOR(pg_catalog.||) role;
	END LOOP;
	IF head_line IS NOT NULL THEN
		SELECT m.unit_code INTO other_head FROM thidua.bloc_member m
			WHERE m.bloc_code OPERATOR(pg_catalog.=) bloc AND m.period_code OPERATOR(pg_catalog.=) period
			  AND m.role OPERATOR(pg_catalog.=) 'head' AND NOT m.unit_code OPERATOR(pg_catalog.=) ANY (units);
		IF FOUND THEN
			RAISE EXCEPTION '%:%: column "role": bloc "%" has the head "%" in period "%" already', source, head_line,
				bloc, other_head, period
				USING ERRCODE = 'unique_violation',
					  HINT = format('Name "%s" in the file with its new role.', other_head);
		END IF;
	END IF;

	SELECT count(*) FILTER (WHERE m.unit_code IS NULL), count(*) FILTER (WHERE m.role OPERATOR(pg_catalog.<>) f.role),
		   count(*) FILTER (WHERE m.role OPERATOR(pg_catalog.=) f.role)
		INTO added, changed, unchanged
	FROM unnest(units, roles) AS f(unit, role)
	LEFT JOIN thidua.bloc_member m ON m.bloc_code OPERATOR(pg_catalog.=) bloc AND m.period_code OPERATOR(pg_catalog.=) period
		AND m.unit_code OPERATOR(pg_catalog.=) f.unit;
	SELECT count(*) INTO kept FROM thidua.bloc_member m
		WHERE m.bloc_code OPERATOR(pg_catalog.=) bloc AND m.period_code OPERATOR(pg_catalog.=) period
		  AND NOT m.unit_code OPERATOR(pg_catalog.=) ANY (units);
	-- the old head steps down before the new one steps up (one head at a time)
	UPDATE thidua.bloc_member m SET role = f.role FROM unnest(units, roles) AS f(unit, role)
		WHERE m.bloc_code OPERATOR(pg_catalog.=) bloc AND m.period_code OPERATOR(pg_catalog.=) period
		  AND m.unit_code OPERATOR(pg_catalog.=) f.unit AND m.role OPERATOR(pg_catalog.=) 'head'
		  AND f.role OPERATOR(pg_catalog.<>) 'head';
	INSERT INTO thidua.bloc_member AS m (bloc_code, period_code, unit_code, role)
		SELECT bloc, period, f.unit, f.role FROM unnest(units, roles) AS f(unit, role)
		ON CONFLICT (bloc_code, period_code, unit_code) DO UPDATE SET role = excluded.role
		WHERE m.role OPERATOR(pg_catalog.<>) excluded.role;
END
$$;
COMMENT ON FUNCTION thidua.import_bloc_members(text, text, text, text) IS
	'imports the members of a bloc in a period from CSV text (columns unit, role: head, deputy or member, default member): upserts by unit, all or nothing; members not in the file are kept; returns added, changed, unchanged and kept. Errors name source:line and the column: an unknown unit, a unit twice, a bad role, a second head';

-- The emulation pact from a CSV file: one row per unit and target registered
-- (columns unit, signed_on, target, value). A unit's rows replace its targets.
CREATE FUNCTION thidua.import_pact(bloc text, period text, content text, source text DEFAULT 'input',
								   OUT added integer, OUT changed integer, OUT unchanged integer, OUT targets integer)
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	rec record;
	pacts jsonb := '{}';		-- unit -> {line, signed_on, targets: {target: value}}
	signed date;
	target text;
	earlier jsonb;
BEGIN
	source := coalesce(source, 'input');
	targets := 0;
	FOR rec IN SELECT * FROM thidua._csv_rows(content, source, '{unit,signed_on,target,value}',
											  '{unit,signed_on,target,value}') LOOP
		PERFORM thidua._member_or_error(bloc, period, rec.cells[1], 'unit', source, rec.line);
		signed := thidua._csv_date(rec.cells[2], source, rec.line, 'signed_on');
		target := normalize(rec.cells[3], NFC);
		earlier := pacts -> rec.cells[1];
		IF earlier IS NULL THEN
			earlier := jsonb_build_object('line', rec.line, 'signed_on', signed, 'targets', '{}'::jsonb);
		ELSIF (earlier ->> 'signed_on')::date OPERATOR(pg_catalog.<>) signed THEN
			RAISE EXCEPTION '%:%: column "signed_on": unit "%" signed on % on line %', source, rec.line,
				rec.cells[1], earlier ->> 'signed_on', earlier ->> 'line'
				USING ERRCODE = 'unique_violation';
		ELSIF earlier -> 'targets' ? target THEN
			RAISE EXCEPTION '%:%: column "target": unit "%" registers "%" twice', source, rec.line, rec.cells[1], target
				USING ERRCODE = 'unique_violation';
		END IF;
		earlier := jsonb_set(earlier, ARRAY['targets', target],
			to_jsonb(thidua._csv_decimal(rec.cells[4], rec.separator, source, rec.line, 'value')));
		pacts := pacts OPERATOR(pg_catalog.||) jsonb_build_object(rec.cells[1], earlier);
		targets := targets OPERATOR(pg_catalog.+) 1;
	END LOOP;

	SELECT count(*) FILTER (WHERE p.unit_code IS NULL),
		   count(*) FILTER (WHERE (p.signed_on, p.targets) IS DISTINCT FROM ((f.value ->> 'signed_on')::date, f.value -> 'targets')),
		   count(*) FILTER (WHERE (p.signed_on, p.targets) IS NOT DISTINCT FROM ((f.value ->> 'signed_on')::date, f.value -> 'targets'))
		INTO added, changed, unchanged
	FROM jsonb_each(pacts) f
	LEFT JOIN thidua.pact p ON p.bloc_code OPERATOR(pg_catalog.=) bloc AND p.period_code OPERATOR(pg_catalog.=) period
		AND p.unit_code OPERATOR(pg_catalog.=) f.key;
	changed := changed OPERATOR(pg_catalog.-) added;
	INSERT INTO thidua.pact AS p (bloc_code, period_code, unit_code, signed_on, targets)
		SELECT bloc, period, f.key, (f.value ->> 'signed_on')::date, f.value -> 'targets' FROM jsonb_each(pacts) f
		ON CONFLICT (bloc_code, period_code, unit_code) DO UPDATE SET signed_on = excluded.signed_on, targets = excluded.targets
		WHERE (p.signed_on, p.targets) IS DISTINCT FROM (excluded.signed_on, excluded.targets);
END
$$;
COMMENT ON FUNCTION thidua.import_pact(text, text, text, text) IS
	'imports the emulation pact of a bloc in a period from CSV text (columns unit, signed_on, target, value: one row per target registered, values exact decimals): a unit''s rows replace its signing date and targets, all or nothing; returns units added, changed, unchanged and the targets read. Errors name source:line and the column';

-- A veto caps a member's class; a lifted veto stays on record.
CREATE FUNCTION thidua.add_veto(bloc text, period text, unit text, reason text) RETURNS text
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	existing thidua.veto;
BEGIN
	PERFORM thidua._member_or_error(bloc, period, unit, 'unit');
	IF coalesce(btrim(reason), '') OPERATOR(pg_catalog.=) '' THEN
		RAISE EXCEPTION 'a veto of "%" needs a reason', unit USING ERRCODE = 'invalid_parameter_value';
	END IF;
	SELECT * INTO existing FROM thidua.veto v WHERE v.bloc_code OPERATOR(pg_catalog.=) bloc
		AND v.period_code OPERATOR(pg_catalog.=) period AND v.unit_code OPERATOR(pg_catalog.=) unit FOR UPDATE;
	IF NOT FOUND THEN
		INSERT INTO thidua.veto (bloc_code, period_code, unit_code, reason) VALUES (bloc, period, unit, reason);
		RETURN 'vetoed';
	ELSIF existing.lifted_at IS NULL THEN
		RETURN 'vetoed already';
	END IF;
	UPDATE thidua.veto v SET reason = add_veto.reason, lifted_at = NULL, lifted_by = NULL, lifted_reason = NULL
		WHERE v.bloc_code OPERATOR(pg_catalog.=) bloc AND v.period_code OPERATOR(pg_catalog.=) period
		  AND v.unit_code OPERATOR(pg_catalog.=) unit;
	RETURN 'vetoed again';
END
$$;
COMMENT ON FUNCTION thidua.add_veto(text, text, text, text) IS
	'vetoes a member of a bloc in a period (its class is capped by the criteria version''s veto), with a reason; returns vetoed, vetoed already, or vetoed again (a lifted veto)';

CREATE FUNCTION thidua.remove_veto(bloc text, period text, unit text, reason text) RETURNS text
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	IF coalesce(btrim(reason), '') OPERATOR(pg_catalog.=) '' THEN
		RAISE EXCEPTION 'lifting the veto of "%" needs a reason', unit USING ERRCODE = 'invalid_parameter_value';
	END IF;
	UPDATE thidua.veto v SET lifted_at = now(), lifted_by = session_user, lifted_reason = remove_veto.reason
		WHERE v.bloc_code OPERATOR(pg_catalog.=) bloc AND v.period_code OPERATOR(pg_catalog.=) period
		  AND v.unit_code OPERATOR(pg_catalog.=) unit AND v.lifted_at IS NULL;
	IF NOT FOUND THEN
		-- lifted before: running the same step again is harmless
		IF EXISTS (SELECT 1 FROM thidua.veto v WHERE v.bloc_code OPERATOR(pg_catalog.=) bloc
				AND v.period_code OPERATOR(pg_catalog.=) period AND v.unit_code OPERATOR(pg_catalog.=) unit) THEN
			RETURN 'lifted already';
		END IF;
		RAISE EXCEPTION 'unit "%" is not vetoed in bloc "%", period "%"', unit, bloc, period
			USING ERRCODE = 'no_data_found';
	END IF;
	RETURN 'lifted';
END
$$;
COMMENT ON FUNCTION thidua.remove_veto(text, text, text, text) IS
	'lifts the veto of a member, with a reason; the veto stays on record with who lifted it, when and why; an error when the unit is not vetoed';

-- A declared conflict of interest: the judge's scores of the unit do not count.
CREATE FUNCTION thidua.add_recusal(bloc text, period text, judge text, unit text, reason text) RETURNS text
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	existing text;
BEGIN
	PERFORM thidua._member_or_error(bloc, period, judge, 'judge');
	PERFORM thidua._member_or_error(bloc, period, unit, 'unit');
	IF judge OPERATOR(pg_catalog.=) unit THEN
		RAISE EXCEPTION 'a member never judges itself: "%" needs no recusal', unit USING ERRCODE = 'invalid_parameter_value';
	ELSIF coalesce(btrim(reason), '') OPERATOR(pg_catalog.=) '' THEN
		RAISE EXCEPTION 'the recusal of "%" from judging "%" needs a reason', judge, unit USING ERRCODE = 'invalid_parameter_value';
	END IF;
	SELECT r.reason INTO existing FROM thidua.recusal r WHERE r.bloc_code OPERATOR(pg_catalog.=) bloc
		AND r.period_code OPERATOR(pg_catalog.=) period AND r.judge_code OPERATOR(pg_catalog.=) judge
		AND r.unit_code OPERATOR(pg_catalog.=) unit;
	IF FOUND THEN
		RETURN 'recused already';
	END IF;
	INSERT INTO thidua.recusal (bloc_code, period_code, judge_code, unit_code, reason) VALUES (bloc, period, judge, unit, reason);
	RETURN 'recused';
END
$$;
COMMENT ON FUNCTION thidua.add_recusal(text, text, text, text, text) IS
	'records that a judge (a member) recuses itself from judging a unit (another member) of a bloc in a period, with a reason: its scores of that unit do not count; returns recused or recused already';

-- A member that leaves during the year: withdrawn, or merged into another unit,
-- from a date in the period's year; 'active' takes the status back. From that
-- date on it neither judges nor is judged (no evaluation naming it may be filed,
-- see _guard_departed_member); what it filed before counts; the standings list
-- it after every ranked unit, with no class and its status as a flag.
CREATE FUNCTION thidua.set_member_status(bloc text, period text, unit text, status text, effective date DEFAULT NULL,
										 merged_into text DEFAULT NULL, reason text DEFAULT NULL) RETURNS text
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	period_year integer;
	later bigint;
BEGIN
	PERFORM thidua._member_or_error(bloc, period, unit, 'unit');
	IF status IS NULL OR status NOT IN ('active', 'withdrawn', 'merged') THEN
		RAISE EXCEPTION 'a member''s status is active, withdrawn or merged, not "%"', coalesce(status, '')
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF status OPERATOR(pg_catalog.=) 'active' THEN
		UPDATE thidua.bloc_member m SET status = 'active', status_date = NULL, merged_into = NULL, status_reason = NULL
			WHERE m.bloc_code OPERATOR(pg_catalog.=) bloc AND m.period_code OPERATOR(pg_catalog.=) period
			  AND m.unit_code OPERATOR(pg_catalog.=) unit AND m.status OPERATOR(pg_catalog.<>) 'active';
		RETURN CASE WHEN FOUND THEN 'active again' ELSE 'active already' END;
	END IF;
	SELECT p.year INTO period_year FROM thidua.period p WHERE p.period_code OPERATOR(pg_catalog.=) period;
	IF effective IS NULL OR extract(year FROM effective) OPERATOR(pg_catalog.<>) period_year THEN
		RAISE EXCEPTION 'unit "%" leaves bloc "%" on a date of the year % (period "%"), not %', unit, bloc, period_year,
			period, coalesce(effective::text, 'no date')
			USING ERRCODE = 'invalid_parameter_value';
	ELSIF coalesce(btrim(reason), '') OPERATOR(pg_catalog.=) '' THEN
		RAISE EXCEPTION 'unit "%" leaving bloc "%" needs a reason', unit, bloc
			USING ERRCODE = 'invalid_parameter_value', HINT = 'E.g. the decision that merged or dissolved it.';
	ELSIF status OPERATOR(pg_catalog.=) 'merged' AND merged_into IS NULL THEN
		RAISE EXCEPTION 'unit "%" merged into which unit?', unit
			USING ERRCODE = 'invalid_parameter_value', HINT = 'Name the unit it merged into (--into UNIT).';
	ELSIF status OPERATOR(pg_catalog.=) 'withdrawn' AND merged_into IS NOT NULL THEN
		RAISE EXCEPTION 'unit "%" is withdrawn, not merged: it merges into no unit', unit
			USING ERRCODE = 'invalid_parameter_value';
	ELSIF merged_into OPERATOR(pg_catalog.=) unit THEN
		RAISE EXCEPTION 'unit "%" cannot merge into itself', unit USING ERRCODE = 'invalid_parameter_value';
	ELSIF merged_into IS NOT NULL AND NOT EXISTS (SELECT 1 FROM thidua.unit u WHERE u.unit_code OPERATOR(pg_catalog.=) merged_into) THEN
		RAISE EXCEPTION 'unit "%" does not exist', merged_into USING ERRCODE = 'foreign_key_violation';
	END IF;
	SELECT count(*) INTO later FROM thidua.evaluation e
		WHERE e.bloc_code OPERATOR(pg_catalog.=) bloc AND e.period_code OPERATOR(pg_catalog.=) period
		  AND unit OPERATOR(pg_catalog.=) ANY (ARRAY[e.unit_code, e.judge_code])
		  AND e.created_at OPERATOR(pg_catalog.>=) effective;
	IF later OPERATOR(pg_catalog.>) 0 THEN
		RAISE EXCEPTION 'unit "%" cannot leave bloc "%" on %: % evaluations naming it were filed on or after that date',
			unit, bloc, effective, later
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'A member that has left neither judges nor is judged; delete those evaluations first, or give the date it really left.';
	END IF;
	UPDATE thidua.bloc_member m SET status = set_member_status.status, status_date = effective,
		merged_into = set_member_status.merged_into, status_reason = reason
		WHERE m.bloc_code OPERATOR(pg_catalog.=) bloc AND m.period_code OPERATOR(pg_catalog.=) period
		  AND m.unit_code OPERATOR(pg_catalog.=) unit
		  AND (m.status, m.status_date, m.merged_into, m.status_reason) IS DISTINCT FROM
			  (set_member_status.status, effective, set_member_status.merged_into, reason);
	RETURN CASE WHEN FOUND THEN set_member_status.status ELSE set_member_status.status || ' already' END;
END
$$;
COMMENT ON FUNCTION thidua.set_member_status(text, text, text, text, date, text, text) IS
	'a member leaving during the year: status withdrawn or merged (merged_into: the unit it merged into) from a date of the period''s year, with a reason; active takes it back. From that date it neither judges nor is judged; the standings list it last, unranked, without class, flagged withdrawn:DATE or merged_into:UNIT:DATE. Refused while evaluations naming it were filed on or after the date';

-- Removes a member that nothing depends on (see _guard_member_dependents).
CREATE FUNCTION thidua.remove_member(bloc text, period text, unit text) RETURNS text
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	PERFORM thidua._member_or_error(bloc, period, unit, 'unit');
	DELETE FROM thidua.bloc_member m WHERE m.bloc_code OPERATOR(pg_catalog.=) bloc
		AND m.period_code OPERATOR(pg_catalog.=) period AND m.unit_code OPERATOR(pg_catalog.=) unit;
	RETURN 'removed';
END
$$;
COMMENT ON FUNCTION thidua.remove_member(text, text, text) IS
	'removes a member from a bloc in a period; refused, naming what depends on it (evaluations, adjustments, pact, recusals, veto), when anything does: a member that leaves keeps its history through set_member_status';

-- A member is deleted only when nothing of the period names it: the error says
-- what does, instead of a foreign-key violation. Every route (DELETE included).
CREATE FUNCTION thidua._guard_member_dependents() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	dependents text;
BEGIN
	-- a closed period says so first (its guard runs after the foreign keys)
	IF (SELECT p.status FROM thidua.period p WHERE p.period_code OPERATOR(pg_catalog.=) OLD.period_code FOR SHARE)
	   OPERATOR(pg_catalog.=) 'closed' THEN
		RAISE EXCEPTION 'period "%" is closed: bloc members cannot change', OLD.period_code
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'A closed period is history; thidua.reopen_period(period, reason) reopens it, on the record.';
	END IF;
	SELECT string_agg(d.what || ': ' || d.n, ', ') INTO dependents FROM (
		SELECT count(*) AS n, 'evaluations' AS what FROM thidua.evaluation e
			WHERE e.bloc_code OPERATOR(pg_catalog.=) OLD.bloc_code AND e.period_code OPERATOR(pg_catalog.=) OLD.period_code
			  AND OLD.unit_code OPERATOR(pg_catalog.=) ANY (ARRAY[e.unit_code, e.judge_code])
		UNION ALL
		SELECT count(*), 'adjustments' FROM thidua.adjustment a
			WHERE a.bloc_code OPERATOR(pg_catalog.=) OLD.bloc_code AND a.period_code OPERATOR(pg_catalog.=) OLD.period_code
			  AND a.unit_code OPERATOR(pg_catalog.=) OLD.unit_code
		UNION ALL
		SELECT count(*), 'pact' FROM thidua.pact p
			WHERE p.bloc_code OPERATOR(pg_catalog.=) OLD.bloc_code AND p.period_code OPERATOR(pg_catalog.=) OLD.period_code
			  AND p.unit_code OPERATOR(pg_catalog.=) OLD.unit_code
		UNION ALL
		SELECT count(*), 'recusals' FROM thidua.recusal r
			WHERE r.bloc_code OPERATOR(pg_catalog.=) OLD.bloc_code AND r.period_code OPERATOR(pg_catalog.=) OLD.period_code
			  AND OLD.unit_code OPERATOR(pg_catalog.=) ANY (ARRAY[r.unit_code, r.judge_code])
		UNION ALL
		SELECT count(*), 'veto' FROM thidua.veto v
			WHERE v.bloc_code OPERATOR(pg_catalog.=) OLD.bloc_code AND v.period_code OPERATOR(pg_catalog.=) OLD.period_code
			  AND v.unit_code OPERATOR(pg_catalog.=) OLD.unit_code) d
	WHERE d.n OPERATOR(pg_catalog.>) 0;
	IF dependents IS NOT NULL THEN
		RAISE EXCEPTION 'unit "%" cannot be removed from bloc "%" in period "%": these name it: %',
			OLD.unit_code, OLD.bloc_code, OLD.period_code, dependents
			USING ERRCODE = 'dependent_objects_still_exist',
				  HINT = 'A member that leaves during the year keeps its history: thidua.set_member_status(bloc, period, unit, ''withdrawn'' or ''merged'', date, ...) (thidua bloc withdraw).';
	END IF;
	RETURN OLD;
END
$$;
CREATE TRIGGER bloc_member_dependents BEFORE DELETE ON thidua.bloc_member
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_member_dependents();

-- From the date a member left, no evaluation names it, as unit or as judge.
CREATE FUNCTION thidua._guard_departed_member() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	departed thidua.bloc_member;
BEGIN
	IF thidua._restoring(TG_TABLE_NAME) THEN
		RETURN NULL;
	END IF;
	SELECT m.* INTO departed FROM thidua.bloc_member m
		WHERE m.bloc_code OPERATOR(pg_catalog.=) NEW.bloc_code AND m.period_code OPERATOR(pg_catalog.=) NEW.period_code
		  AND m.unit_code OPERATOR(pg_catalog.=) ANY (ARRAY[NEW.unit_code, NEW.judge_code])
		  AND m.status OPERATOR(pg_catalog.<>) 'active' AND m.status_date OPERATOR(pg_catalog.<=) NEW.created_at
		ORDER BY m.unit_code OPERATOR(pg_catalog.<>) NEW.judge_code LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION 'unit "%" left bloc "%" on % (%): from that date it neither judges nor is judged',
			departed.unit_code, departed.bloc_code, departed.status_date,
			CASE WHEN departed.status OPERATOR(pg_catalog.=) 'merged' THEN 'merged into "' || departed.merged_into || '"'
				 ELSE 'withdrawn' END
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = format('The evaluation of "%s" by "%s" in period "%s" is refused.', NEW.unit_code,
								  NEW.judge_code, NEW.period_code);
	END IF;
	RETURN NULL;
END
$$;
CREATE TRIGGER evaluation_by_present_members AFTER INSERT OR UPDATE ON thidua.evaluation
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_departed_member();

COMMENT ON FUNCTION thidua.standings(text, text) IS
	'standings of a bloc or zone in a period: self total, peer result by the bloc''s method, adjustments, final total, class, rank, flags';

-- Setting up a zone (34_zone_setup.sql): administrators only.
REVOKE EXECUTE ON FUNCTION thidua.import_units(text, text), thidua.import_people(text, text),
	thidua.open_period(text, integer), thidua.create_bloc(text, text, text),
	thidua.set_bloc_settings(text, text, text, text, integer, integer, text),
	thidua.import_bloc_members(text, text, text, text), thidua.import_pact(text, text, text, text),
	thidua.add_veto(text, text, text, text), thidua.remove_veto(text, text, text, text),
	thidua.add_recusal(text, text, text, text, text),
	thidua.set_member_status(text, text, text, text, date, text, text), thidua.remove_member(text, text, text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION thidua._guard_member_dependents(), thidua._guard_departed_member() FROM PUBLIC;


------------------------------------------------------------------------------
-- Standings exact and explained: result rounding, neighbours, explain's bloc
------------------------------------------------------------------------------

-- How averaged results are rounded before class and rank: the version's setting
-- and a bloc's override for a period (NULL: the version's).
ALTER TABLE thidua.criteria_version ADD COLUMN result_rounding text NOT NULL DEFAULT 'exact'
	CONSTRAINT criteria_version_result_rounding_check CHECK (result_rounding OPERATOR(pg_catalog.~) '^(exact|[0-9])$');


COMMENT ON FUNCTION thidua.export_criteria(text) IS 'a criteria version as a JSON criteria document';

COMMENT ON FUNCTION thidua.import_criteria(jsonb, boolean) IS
	'stores a criteria document as a new draft version, all or nothing; returns the version code';


COMMENT ON FUNCTION thidua.export_criteria_csv(text) IS 'a criteria version as a criteria CSV';

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

COMMENT ON FUNCTION thidua.evaluation_scores(text, text) IS
	'each evaluation of a bloc and period with its total and tie-break keys (an evaluation without observations totals 0; criteria scored in the bloc against the unit''s pact target or the bloc''s leader)';

CREATE FUNCTION thidua._rounded_result(value numeric, digits integer) RETURNS numeric
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT CASE WHEN digits IS NULL THEN value ELSE round(value, digits) END
$$;

COMMENT ON FUNCTION thidua.standings(text, text) IS
	'standings of a bloc or zone in a period: self total, peer result by the bloc''s method, adjustments, final total, class, rank, flags';

COMMENT ON FUNCTION thidua.explain(text, text, text) IS
	'a unit''s standing explained: its items (own and peers'' points), its peers'' totals (counted, trimmed or recused), its neighbours and what separated them, the result_rounding setting that applied; without bloc, a unit in several blocs that period is an error listing them';

------------------------------------------------------------------------------
-- Rule shapes: criteria not applicable to a unit, floored sections, standard
-- points of capped per-event criteria (score states: format 2)
------------------------------------------------------------------------------

ALTER TABLE thidua.criteria_version ADD COLUMN
	-- what a criterion marked not applicable to a unit counts for; NULL: markings refused
	not_applicable text CHECK (not_applicable IN ('exclude_and_rescale', 'full_points', 'zero'));

-- Both at once, as standings need them: points scored in the bloc and
-- not-applicable markings (applicable = false, observed and points NULL).
CREATE FUNCTION thidua._score_in_bloc_transition(state bytea, version text, criterion_code text, observed numeric,
												 points_in_bloc numeric, applicable boolean)
	RETURNS bytea
	AS 'MODULE_PATHNAME', 'thidua_score_in_bloc_transition'
	LANGUAGE C PARALLEL SAFE;
CREATE FUNCTION thidua._score_detail_in_bloc_transition(state bytea, version text, criterion_code text,
														observed numeric, points_in_bloc numeric, applicable boolean)
	RETURNS bytea
	AS 'MODULE_PATHNAME', 'thidua_score_detail_in_bloc_transition'
	LANGUAGE C PARALLEL SAFE;
CREATE AGGREGATE thidua.score(version text, criterion_code text, observed numeric, points_in_bloc numeric,
							  applicable boolean) (
	SFUNC = thidua._score_in_bloc_transition,
	STYPE = bytea,
	SSPACE = 232,
	COMBINEFUNC = thidua._score_combine,
	FINALFUNC = thidua._score_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE thidua.score(text, text, numeric, numeric, boolean) IS
	'thidua.score with both the points of criteria scored in the bloc (points_in_bloc) and not-applicable markings (applicable = false, observed NULL)';
CREATE AGGREGATE thidua.score_detail(version text, criterion_code text, observed numeric, points_in_bloc numeric,
									 applicable boolean) (
	SFUNC = thidua._score_detail_in_bloc_transition,
	STYPE = bytea,
	SSPACE = 432,
	COMBINEFUNC = thidua._score_combine,
	FINALFUNC = thidua._score_detail_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE thidua.score_detail(text, text, numeric, numeric, boolean) IS
	'thidua.score_detail with both the points of criteria scored in the bloc (points_in_bloc) and not-applicable markings (applicable = false, observed NULL)';


CREATE AGGREGATE thidua.tie_break_keys(version text, criterion_code text, observed numeric, points_in_bloc numeric,
									   applicable boolean) (
	SFUNC = thidua._score_in_bloc_transition,
	STYPE = bytea,
	SSPACE = 232,
	COMBINEFUNC = thidua._score_combine,
	FINALFUNC = thidua._tie_break_keys_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE thidua.tie_break_keys(text, text, numeric, numeric, boolean) IS
	'tie_break_keys with both the points of criteria scored in the bloc and not-applicable markings, as thidua.score(version, criterion, observed, points_in_bloc, applicable)';
REVOKE EXECUTE ON FUNCTION thidua._score_in_bloc_transition(bytea, text, text, numeric, numeric, boolean),
	thidua._score_detail_in_bloc_transition(bytea, text, text, numeric, numeric, boolean) FROM PUBLIC;

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
	item_number bigint;
	single_sections jsonb := '{}';	-- bonus, penalty -> the code of the one
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
				'allow_over_completion', 'classes', 'veto', 'tie_break', 'items', 'result_rounding', 'not_applicable', '_source', '_line']) THEN
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
	PERFORM thidua._criteria_text_limit(doc, NULL, 'set.name', doc #>> '{set,name}', 300);
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
	PERFORM thidua._criteria_text_limit(doc, NULL, 'title', doc ->> 'title', 1000);
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
	FOR item, item_number IN SELECT value, ordinality FROM jsonb_array_elements(doc -> 'items') WITH ORDINALITY LOOP
		IF jsonb_typeof(item) <> 'object' THEN
			PERFORM thidua._criteria_error(doc, NULL, format('items[%s]', item_number),
				format('every item must be an object, not %s', item));
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
		PERFORM thidua._criteria_text_limit(doc, item, 'title', item ->> 'title', 1000);
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

	-- The tree: parents exist and are groups, no cycles, criteria under a section,
	-- one bonus and one penalty section, both at the top.
	FOR item IN SELECT value FROM jsonb_array_elements(doc -> 'items') LOOP
		IF item ->> 'kind' = 'criterion' AND NOT item ? 'parent' THEN
			PERFORM thidua._criteria_error(doc, item, 'parent',
				'is required: a criterion stands under a section (or the bonus or penalty section)');
		END IF;
		IF item ->> 'kind' IN ('bonus', 'penalty') THEN
			IF single_sections ? (item ->> 'kind') THEN
				PERFORM thidua._criteria_error(doc, item, 'kind', format('a version has one %s section, and "%s" is one already',
					item ->> 'kind', single_sections ->> (item ->> 'kind')));
			END IF;
			single_sections := single_sections || jsonb_build_object(item ->> 'kind', item ->> 'code');
		END IF;
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
		PERFORM thidua._criteria_text_limit(doc, item, 'title', item ->> 'title', 1000);
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
		PERFORM thidua._criteria_text_limit(doc, NULL, 'veto.reason', doc #>> '{veto,reason}', 1000);
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
			allow_over_completion, veto_max_class, veto_reason, tie_break, result_rounding, not_applicable)
		VALUES (version, doc #>> '{set,code}', doc ->> 'edition', doc ->> 'title',
			coalesce((doc ->> 'rounding_scale')::smallint, 2),
			coalesce((doc ->> 'allow_over_completion')::boolean, false),
			doc #>> '{veto,max_class}', nullif(doc #>> '{veto,reason}', ''),
			CASE WHEN jsonb_array_length(coalesce(doc -> 'tie_break', '[]')) = 0 THEN '{total}'
				 ELSE ARRAY(SELECT jsonb_array_elements_text(doc -> 'tie_break')) END,
			coalesce(doc ->> 'result_rounding', 'exact'),
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
			allow_over_completion, veto_max_class, veto_reason, tie_break, cloned_from, result_rounding, not_applicable)
		VALUES (target, source.set_code, new_edition, source.title, source.rounding_scale,
			source.allow_over_completion, source.veto_max_class, source.veto_reason, source.tie_break, version,
			source.result_rounding, source.not_applicable);
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


-- (the export's comment, as the spreadsheet reader's section states it)
COMMENT ON FUNCTION thidua.export_criteria_csv(text) IS
	'a criteria version as a criteria CSV: UTF-8 text starting with a byte-order mark; text cells starting with = + - @ get an apostrophe in front (the importer removes it)';

-- ---------------------------------------------------------------------------
-- Wiring the release's parts together: a score file's "not applicable" cells
-- (n/a, KAD) agree with the bloc's markings and store nothing; every zone
-- import takes the file's bytes, as the client streams every file.
-- ---------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION thidua.import_scores(bloc text, period text, content text, source text) RETURNS bigint
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
	-- an observed cell that is no number: "not applicable" (n/a, KAD) where the
	-- bloc's administrators marked the criterion for the unit, which stores
	-- nothing; else the first such line is an error
	SELECT s.line, s.unit, s.criterion, s.observed_text, s.separator,
		thidua._observed_not_applicable(s.observed_text) AS not_applicable INTO bad
	FROM pg_temp._thidua_scores s
	WHERE s.observed IS NULL
	  AND NOT (thidua._observed_not_applicable(s.observed_text)
			   AND EXISTS (SELECT 1 FROM thidua.not_applicable_marking na
						   WHERE na.bloc_code OPERATOR(pg_catalog.=) bloc AND na.period_code OPERATOR(pg_catalog.=) period
							 AND na.unit_code OPERATOR(pg_catalog.=) s.unit
							 AND na.criterion_code OPERATOR(pg_catalog.=) s.criterion))
	ORDER BY s.line LIMIT 1;
	IF FOUND THEN
		IF bad.not_applicable THEN
			PERFORM thidua._check_not_applicable_row(bloc, period, bad.unit, bad.criterion, source, bad.line::integer);
		END IF;
		PERFORM thidua._csv_decimal(bad.observed_text, bad.separator, source, bad.line::integer, 'observed');
	END IF;
	DELETE FROM pg_temp._thidua_scores s
		WHERE s.observed IS NULL AND thidua._observed_not_applicable(s.observed_text);
	stored := thidua._store_scores(bloc, period, source);
	DROP TABLE pg_temp._thidua_scores;
	RETURN stored;
END
$$;
COMMENT ON FUNCTION thidua.import_scores(text, text, text, text) IS
	'stores a score file (text with the columns unit, judge, criterion, observed, evidence; source names it in errors, e.g. scores.csv) for a bloc and period, all or nothing; returns the observations stored. observed is a number, or n/a, KAD or "không áp dụng" for a criterion marked not applicable to the unit in thidua.not_applicable_marking (stores nothing; unmarked, an error). Errors name source:line and the field; nothing is stored then';

-- The same from the file's bytes (the client streams files as bytes):
-- invalid UTF-8, a NUL byte included, is refused naming its line.
CREATE FUNCTION thidua.import_units(data bytea, source text,
									OUT added integer, OUT changed integer, OUT unchanged integer)
	LANGUAGE sql
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT * FROM thidua.import_units(thidua._decode_utf8(data, coalesce(source, 'input')), source)
$$;
COMMENT ON FUNCTION thidua.import_units(bytea, text) IS
	'imports units from a CSV file given as bytes (UTF-8, with or without a byte-order mark; invalid UTF-8 is refused naming its line), as import_units(text, text) does';

-- The same from the file's bytes.
CREATE FUNCTION thidua.import_people(data bytea, source text,
									 OUT added integer, OUT changed integer, OUT unchanged integer,
									 OUT memberships integer, OUT posts integer)
	LANGUAGE sql
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT * FROM thidua.import_people(thidua._decode_utf8(data, coalesce(source, 'input')), source)
$$;
COMMENT ON FUNCTION thidua.import_people(bytea, text) IS
	'imports people from a CSV file given as bytes (UTF-8, with or without a byte-order mark; invalid UTF-8 is refused naming its line), as import_people(text, text) does';

-- The same from the file's bytes.
CREATE FUNCTION thidua.import_bloc_members(bloc text, period text, data bytea, source text,
										   OUT added integer, OUT changed integer, OUT unchanged integer, OUT kept integer)
	LANGUAGE sql
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT * FROM thidua.import_bloc_members(bloc, period, thidua._decode_utf8(data, coalesce(source, 'input')), source)
$$;
COMMENT ON FUNCTION thidua.import_bloc_members(text, text, bytea, text) IS
	'imports the members of a bloc in a period from a CSV file given as bytes (UTF-8, with or without a byte-order mark; invalid UTF-8 is refused naming its line), as import_bloc_members(text, text, text, text) does';

-- The same from the file's bytes.
CREATE FUNCTION thidua.import_pact(bloc text, period text, data bytea, source text,
								   OUT added integer, OUT changed integer, OUT unchanged integer, OUT targets integer)
	LANGUAGE sql
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT * FROM thidua.import_pact(bloc, period, thidua._decode_utf8(data, coalesce(source, 'input')), source)
$$;
COMMENT ON FUNCTION thidua.import_pact(text, text, bytea, text) IS
	'imports the emulation pact of a bloc in a period from a CSV file given as bytes (UTF-8, with or without a byte-order mark; invalid UTF-8 is refused naming its line), as import_pact(text, text, text, text) does';

REVOKE EXECUTE ON FUNCTION thidua.import_units(bytea, text), thidua.import_people(bytea, text),
	thidua.import_bloc_members(text, text, bytea, text), thidua.import_pact(text, text, bytea, text) FROM PUBLIC;

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
		thidua.publish_standings(text, text, text), thidua.import_scores(text, text, text),
		thidua.import_criteria_file(text, text, text, boolean), thidua.import_scores(text, text, text, text),
		thidua.import_scores(text, text, bytea, text) TO thidua_admin;
	-- setting up a zone (34_zone_setup.sql)
	GRANT EXECUTE ON FUNCTION thidua.import_units(text, text), thidua.import_people(text, text),
		thidua.open_period(text, integer), thidua.create_bloc(text, text, text),
		thidua.set_bloc_settings(text, text, text, text, integer, integer, text),
		thidua.import_bloc_members(text, text, text, text), thidua.import_pact(text, text, text, text),
		thidua.add_veto(text, text, text, text), thidua.remove_veto(text, text, text, text),
		thidua.add_recusal(text, text, text, text, text),
		thidua.set_member_status(text, text, text, text, date, text, text), thidua.remove_member(text, text, text),
		thidua.import_units(bytea, text), thidua.import_people(bytea, text),
		thidua.import_bloc_members(text, text, bytea, text), thidua.import_pact(text, text, bytea, text)
		TO thidua_admin;

	-- thidua_scorer: the scores of the units its role is mapped to (policies),
	-- the people of those units, and what scoring needs to read.
	GRANT SELECT ON thidua.unit, thidua.period, thidua.bloc, thidua.bloc_period, thidua.bloc_member,
		thidua.period_event, thidua.role_unit, thidua.individual, thidua.membership, thidua.post_held,
		thidua.not_applicable_marking TO thidua_scorer;
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

------------------------------------------------------------------------------
-- A member that left judges no more: its status may be recorded after the
-- scores are in, and the peer scores it filed from that day do not count
------------------------------------------------------------------------------

CREATE FUNCTION thidua._judge_had_left(evaluation bigint) RETURNS boolean
	LANGUAGE sql STABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT EXISTS (SELECT 1 FROM thidua.evaluation e
		JOIN thidua.bloc_member m ON m.bloc_code OPERATOR(pg_catalog.=) e.bloc_code
			AND m.period_code OPERATOR(pg_catalog.=) e.period_code AND m.unit_code OPERATOR(pg_catalog.=) e.judge_code
		WHERE e.evaluation_id OPERATOR(pg_catalog.=) evaluation AND e.stage OPERATOR(pg_catalog.=) 'peer'
		  AND m.status OPERATOR(pg_catalog.<>) 'active'
		  AND e.created_at OPERATOR(pg_catalog.>=) m.status_date)
$$;
COMMENT ON FUNCTION thidua._judge_had_left(bigint) IS
	'whether a peer evaluation was filed on or after the day its judge left the bloc (withdrawn or merged): such scores do not count';

CREATE OR REPLACE FUNCTION thidua.set_member_status(bloc text, period text, unit text, status text, effective date DEFAULT NULL,
										 merged_into text DEFAULT NULL, reason text DEFAULT NULL) RETURNS text
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	period_year integer;
BEGIN
	PERFORM thidua._member_or_error(bloc, period, unit, 'unit');
	IF status IS NULL OR status NOT IN ('active', 'withdrawn', 'merged') THEN
		RAISE EXCEPTION 'a member''s status is active, withdrawn or merged, not "%"', coalesce(status, '')
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF status OPERATOR(pg_catalog.=) 'active' THEN
		UPDATE thidua.bloc_member m SET status = 'active', status_date = NULL, merged_into = NULL, status_reason = NULL
			WHERE m.bloc_code OPERATOR(pg_catalog.=) bloc AND m.period_code OPERATOR(pg_catalog.=) period
			  AND m.unit_code OPERATOR(pg_catalog.=) unit AND m.status OPERATOR(pg_catalog.<>) 'active';
		RETURN CASE WHEN FOUND THEN 'active again' ELSE 'active already' END;
	END IF;
	SELECT p.year INTO period_year FROM thidua.period p WHERE p.period_code OPERATOR(pg_catalog.=) period;
	IF effective IS NULL OR extract(year FROM effective) OPERATOR(pg_catalog.<>) period_year THEN
		RAISE EXCEPTION 'unit "%" leaves bloc "%" on a date of the year % (period "%"), not %', unit, bloc, period_year,
			period, coalesce(effective::text, 'no date')
			USING ERRCODE = 'invalid_parameter_value';
	ELSIF coalesce(btrim(reason), '') OPERATOR(pg_catalog.=) '' THEN
		RAISE EXCEPTION 'unit "%" leaving bloc "%" needs a reason', unit, bloc
			USING ERRCODE = 'invalid_parameter_value', HINT = 'E.g. the decision that merged or dissolved it.';
	ELSIF status OPERATOR(pg_catalog.=) 'merged' AND merged_into IS NULL THEN
		RAISE EXCEPTION 'unit "%" merged into which unit?', unit
			USING ERRCODE = 'invalid_parameter_value', HINT = 'Name the unit it merged into (--into UNIT).';
	ELSIF status OPERATOR(pg_catalog.=) 'withdrawn' AND merged_into IS NOT NULL THEN
		RAISE EXCEPTION 'unit "%" is withdrawn, not merged: it merges into no unit', unit
			USING ERRCODE = 'invalid_parameter_value';
	ELSIF merged_into OPERATOR(pg_catalog.=) unit THEN
		RAISE EXCEPTION 'unit "%" cannot merge into itself', unit USING ERRCODE = 'invalid_parameter_value';
	ELSIF merged_into IS NOT NULL AND NOT EXISTS (SELECT 1 FROM thidua.unit u WHERE u.unit_code OPERATOR(pg_catalog.=) merged_into) THEN
		RAISE EXCEPTION 'unit "%" does not exist', merged_into USING ERRCODE = 'foreign_key_violation';
	END IF;
	-- evaluations filed before the status may name it: the scores it gave
	-- from the date do not count (thidua._judge_had_left), and it is not ranked
	UPDATE thidua.bloc_member m SET status = set_member_status.status, status_date = effective,
		merged_into = set_member_status.merged_into, status_reason = reason
		WHERE m.bloc_code OPERATOR(pg_catalog.=) bloc AND m.period_code OPERATOR(pg_catalog.=) period
		  AND m.unit_code OPERATOR(pg_catalog.=) unit
		  AND (m.status, m.status_date, m.merged_into, m.status_reason) IS DISTINCT FROM
			  (set_member_status.status, effective, set_member_status.merged_into, reason);
	RETURN CASE WHEN FOUND THEN set_member_status.status ELSE set_member_status.status || ' already' END;
END
$$;
COMMENT ON FUNCTION thidua.set_member_status(text, text, text, text, date, text, text) IS
	'a member leaving during the year: status withdrawn or merged (merged_into: the unit it merged into) from a date of the period''s year, with a reason; active takes it back. From that date it neither judges nor is judged: evaluations naming it cannot be filed, peer scores it filed on or after the date do not count; the standings list it last, unranked, without class, flagged withdrawn:DATE or merged_into:UNIT:DATE';

CREATE OR REPLACE FUNCTION thidua.standings(bloc text, period text)
	RETURNS TABLE (unit_code text, unit_name thidua.vietnamese_text, role text, self_total numeric, peer_result numeric,
				   peer_judges integer, adjustment numeric, final_total numeric, class text, rank bigint,
				   tie_break jsonb, flags text[])
	LANGUAGE plpgsql STABLE PARALLEL SAFE
	-- It only reads, so the blocs of one query may be ranked in parallel
	-- workers; a call takes milliseconds, which the cost tells the planner.
	-- One bloc's queries are small: they start no workers of their own.
	COST 400000 ROWS 15
	SET search_path = pg_catalog, pg_temp
	SET max_parallel_workers_per_gather = 0
	-- unit_name is vietnamese_text so that ORDER BY unit_name over the result
	-- (and current_standings) sorts in Vietnamese, as the ties here do.
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
		SELECT m.unit_code, m.role,
			-- a member that left during the year is listed, not ranked (34_zone_setup.sql)
			CASE m.status WHEN 'withdrawn' THEN 'withdrawn:' || to_char(m.status_date, 'YYYY-MM-DD')
						  WHEN 'merged' THEN 'merged_into:' || m.merged_into || ':' || to_char(m.status_date, 'YYYY-MM-DD') END AS departed
		FROM thidua.bloc_member m
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
		  -- a member that left judges no more: its scores filed from that date do not
		  -- count (thidua._judge_had_left, written out so that it plans as one anti-join)
		  AND NOT EXISTS (SELECT 1 FROM thidua.bloc_member m
			JOIN thidua.evaluation e ON e.evaluation_id OPERATOR(pg_catalog.=) s.evaluation_id
			WHERE m.bloc_code OPERATOR(pg_catalog.=) bloc AND m.period_code OPERATOR(pg_catalog.=) period
			  AND m.unit_code OPERATOR(pg_catalog.=) s.judge_code AND m.status OPERATOR(pg_catalog.<>) 'active'
			  AND e.created_at OPERATOR(pg_catalog.>=) m.status_date)
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
		FROM (SELECT thidua.schulze_ranking(p.judge_code, p.unit_code, p.total) AS ranking FROM peer p
			  WHERE NOT EXISTS (SELECT 1 FROM members d WHERE d.unit_code OPERATOR(pg_catalog.=) p.unit_code
								AND d.departed IS NOT NULL)) s,
			jsonb_array_elements(s.ranking) AS r
		WHERE settings.peer_method OPERATOR(pg_catalog.=) 'schulze'
	), adjusted AS (
		SELECT a.unit_code, sum(a.points) AS points FROM thidua.adjustment a
		WHERE a.bloc_code OPERATOR(pg_catalog.=) bloc AND a.period_code OPERATOR(pg_catalog.=) period
		GROUP BY a.unit_code
	), vetoed AS (
		SELECT v.unit_code FROM thidua.veto v
		WHERE v.bloc_code OPERATOR(pg_catalog.=) bloc AND v.period_code OPERATOR(pg_catalog.=) period
		  AND v.lifted_at IS NULL
	), assembled AS (
		SELECT m.unit_code, u.name AS unit_name, m.role, m.departed,
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
	SELECT a.unit_code, a.unit_name::thidua.vietnamese_text, a.role, a.self_total, a.peer_result, a.peer_judges, a.adjustment,
		a.final_total,
		CASE WHEN a.final_total IS NOT NULL AND a.departed IS NULL
			 THEN thidua.classify(settings.criteria_version, a.final_total, a.is_vetoed) END,
		-- units without a peer score come last, together; members that left after them
		CASE WHEN a.departed IS NOT NULL
			 THEN (SELECT count(*) + 1 FROM assembled x WHERE x.departed IS NULL)
			 WHEN a.final_total IS NULL
			 THEN (SELECT count(*) + 1 FROM assembled x WHERE x.final_total IS NOT NULL AND x.departed IS NULL)
			 ELSE rank() OVER (ORDER BY a.departed IS NOT NULL, a.final_total IS NULL, a.consensus_rank ASC NULLS LAST, a.sort_key DESC) END,
		a.tie_break,
		ARRAY(SELECT f FROM unnest(ARRAY[
			CASE WHEN a.peer_judges OPERATOR(pg_catalog.=) 0 THEN 'no_peer_score' END,
			CASE WHEN a.peer_judges OPERATOR(pg_catalog.<) settings.quorum THEN 'incomplete_quorum' END,
			CASE WHEN a.self_total IS NULL THEN 'no_self_score' END,
			CASE WHEN a.is_vetoed THEN 'vetoed' END, a.departed] || a.recusals) AS f WHERE f IS NOT NULL)
	FROM assembled a
	ORDER BY 10, a.unit_name;
END
$$;

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
			coalesce(thidua.score_detail(settings.criteria_version, o.criterion_code, o.observed, b.points, o.applicable)
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
					AND r.judge_code OPERATOR(pg_catalog.=) s.judge_code AND r.unit_code OPERATOR(pg_catalog.=) unit)
				OR thidua._judge_had_left(s.evaluation_id) AS recused,
			thidua._judge_had_left(s.evaluation_id) AS judge_left,
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
					'why_not', CASE WHEN p.judge_left THEN 'judge left the bloc' WHEN p.recused THEN 'recused'
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

------------------------------------------------------------------------------
-- Review findings: evaluations stamped by the server; pact targets, vetoes
-- and bloc settings checked where they are given
------------------------------------------------------------------------------

-- When an evaluation was filed is the server's to say: the departure of a
-- member is checked against it, so a scorer cannot back-date it (row-level
-- security already keeps created_by its own). Administrators (and restores)
-- keep what they write, to record history.
CREATE FUNCTION thidua._stamp_evaluation() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	IF NOT thidua._is_admin() THEN
		NEW.created_at := now();
	END IF;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION thidua._stamp_evaluation() IS
	'stamps an evaluation filed by a non-administrator with now() as its filing time, whatever the insert says';
CREATE TRIGGER evaluation_stamped BEFORE INSERT ON thidua.evaluation
	FOR EACH ROW EXECUTE FUNCTION thidua._stamp_evaluation();
REVOKE EXECUTE ON FUNCTION thidua._stamp_evaluation() FROM PUBLIC;

CREATE OR REPLACE FUNCTION thidua.import_pact(bloc text, period text, content text, source text DEFAULT 'input',
								   OUT added integer, OUT changed integer, OUT unchanged integer, OUT targets integer)
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	target_value numeric;
	rec record;
	pacts jsonb := '{}';		-- unit -> {line, signed_on, targets: {target: value}}
	signed date;
	target text;
	earlier jsonb;
BEGIN
	source := coalesce(source, 'input');
	targets := 0;
	FOR rec IN SELECT * FROM thidua._csv_rows(content, source, '{unit,signed_on,target,value}',
											  '{unit,signed_on,target,value}') LOOP
		PERFORM thidua._member_or_error(bloc, period, rec.cells[1], 'unit', source, rec.line);
		signed := thidua._csv_date(rec.cells[2], source, rec.line, 'signed_on');
		target := normalize(rec.cells[3], NFC);
		earlier := pacts -> rec.cells[1];
		IF earlier IS NULL THEN
			earlier := jsonb_build_object('line', rec.line, 'signed_on', signed, 'targets', '{}'::jsonb);
		ELSIF (earlier ->> 'signed_on')::date OPERATOR(pg_catalog.<>) signed THEN
			RAISE EXCEPTION '%:%: column "signed_on": unit "%" signed on % on line %', source, rec.line,
				rec.cells[1], earlier ->> 'signed_on', earlier ->> 'line'
				USING ERRCODE = 'unique_violation';
		ELSIF earlier -> 'targets' ? target THEN
			RAISE EXCEPTION '%:%: column "target": unit "%" registers "%" twice', source, rec.line, rec.cells[1], target
				USING ERRCODE = 'unique_violation';
		END IF;
		target_value := thidua._csv_decimal(rec.cells[4], rec.separator, source, rec.line, 'value');
		-- a target is what a result is measured against: above zero, within the figures scoring takes
		IF target_value OPERATOR(pg_catalog.<=) 0 OR target_value OPERATOR(pg_catalog.>=) 1000000000000
				OR scale(target_value) OPERATOR(pg_catalog.>) 6 THEN
			RAISE EXCEPTION '%:%: column "value": % is not a target (above 0, below 10^12, at most 6 decimals)',
				source, rec.line, rec.cells[4] USING ERRCODE = 'numeric_value_out_of_range';
		END IF;
		earlier := jsonb_set(earlier, ARRAY['targets', target], to_jsonb(target_value));
		pacts := pacts OPERATOR(pg_catalog.||) jsonb_build_object(rec.cells[1], earlier);
		targets := targets OPERATOR(pg_catalog.+) 1;
	END LOOP;

	SELECT count(*) FILTER (WHERE p.unit_code IS NULL),
		   count(*) FILTER (WHERE (p.signed_on, p.targets) IS DISTINCT FROM ((f.value ->> 'signed_on')::date, f.value -> 'targets')),
		   count(*) FILTER (WHERE (p.signed_on, p.targets) IS NOT DISTINCT FROM ((f.value ->> 'signed_on')::date, f.value -> 'targets'))
		INTO added, changed, unchanged
	FROM jsonb_each(pacts) f
	LEFT JOIN thidua.pact p ON p.bloc_code OPERATOR(pg_catalog.=) bloc AND p.period_code OPERATOR(pg_catalog.=) period
		AND p.unit_code OPERATOR(pg_catalog.=) f.key;
	changed := changed OPERATOR(pg_catalog.-) added;
	INSERT INTO thidua.pact AS p (bloc_code, period_code, unit_code, signed_on, targets)
		SELECT bloc, period, f.key, (f.value ->> 'signed_on')::date, f.value -> 'targets' FROM jsonb_each(pacts) f
		ON CONFLICT (bloc_code, period_code, unit_code) DO UPDATE SET signed_on = excluded.signed_on, targets = excluded.targets
		WHERE (p.signed_on, p.targets) IS DISTINCT FROM (excluded.signed_on, excluded.targets);
END
$$;
CREATE OR REPLACE FUNCTION thidua.add_veto(bloc text, period text, unit text, reason text) RETURNS text
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	existing thidua.veto;
BEGIN
	PERFORM thidua._member_or_error(bloc, period, unit, 'unit');
	IF coalesce(btrim(reason), '') OPERATOR(pg_catalog.=) '' THEN
		RAISE EXCEPTION 'a veto of "%" needs a reason', unit USING ERRCODE = 'invalid_parameter_value';
	END IF;
	-- a veto caps the class at the version's veto class: a version without one takes none
	IF NOT EXISTS (SELECT 1 FROM thidua.bloc_period bp JOIN thidua.criteria_version v
			ON v.version_code OPERATOR(pg_catalog.=) bp.criteria_version
		WHERE bp.bloc_code OPERATOR(pg_catalog.=) bloc AND bp.period_code OPERATOR(pg_catalog.=) period
		  AND v.veto_max_class IS NOT NULL) THEN
		RAISE EXCEPTION 'bloc "%" in period "%" has no veto to apply: its criteria version defines none', bloc, period
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'A criteria version states the class a veto caps (veto: max_class).';
	END IF;
	SELECT * INTO existing FROM thidua.veto v WHERE v.bloc_code OPERATOR(pg_catalog.=) bloc
		AND v.period_code OPERATOR(pg_catalog.=) period AND v.unit_code OPERATOR(pg_catalog.=) unit FOR UPDATE;
	IF NOT FOUND THEN
		INSERT INTO thidua.veto (bloc_code, period_code, unit_code, reason) VALUES (bloc, period, unit, reason);
		RETURN 'vetoed';
	ELSIF existing.lifted_at IS NULL THEN
		RETURN 'vetoed already';
	END IF;
	UPDATE thidua.veto v SET reason = add_veto.reason, lifted_at = NULL, lifted_by = NULL, lifted_reason = NULL
		WHERE v.bloc_code OPERATOR(pg_catalog.=) bloc AND v.period_code OPERATOR(pg_catalog.=) period
		  AND v.unit_code OPERATOR(pg_catalog.=) unit;
	RETURN 'vetoed again';
END
$$;
CREATE OR REPLACE FUNCTION thidua.set_bloc_settings(bloc text, period text, criteria_version text DEFAULT NULL,
										 peer_method text DEFAULT NULL, peer_trim integer DEFAULT NULL,
										 quorum integer DEFAULT NULL, result_rounding text DEFAULT NULL)
	RETURNS text
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	existing thidua.bloc_period;
	wanted thidua.bloc_period;
	scored bigint;
BEGIN
	IF NOT EXISTS (SELECT 1 FROM thidua.bloc b WHERE b.bloc_code OPERATOR(pg_catalog.=) bloc) THEN
		RAISE EXCEPTION 'bloc "%" does not exist', bloc
			USING ERRCODE = 'no_data_found', HINT = 'Create it first: thidua.create_bloc (thidua bloc create).';
	ELSIF NOT EXISTS (SELECT 1 FROM thidua.period p WHERE p.period_code OPERATOR(pg_catalog.=) period) THEN
		RAISE EXCEPTION 'period "%" does not exist', period
			USING ERRCODE = 'no_data_found', HINT = 'Open it first: thidua.open_period (thidua period open).';
	ELSIF criteria_version IS NOT NULL AND NOT EXISTS (SELECT 1 FROM thidua.criteria_version v
													 WHERE v.version_code OPERATOR(pg_catalog.=) criteria_version) THEN
		RAISE EXCEPTION 'criteria version "%" does not exist', criteria_version
			USING ERRCODE = 'no_data_found', HINT = 'The versions are listed by thidua criteria list.';
	ELSIF peer_method NOT IN ('mean', 'trimmed_mean', 'schulze') THEN
		RAISE EXCEPTION 'peer method "%" is not mean, trimmed_mean or schulze', peer_method
			USING ERRCODE = 'invalid_parameter_value';
	ELSIF peer_trim OPERATOR(pg_catalog.<) 0 OR peer_trim OPERATOR(pg_catalog.>) 100000 THEN
		RAISE EXCEPTION 'the trim of bloc "%" must be from 0 to 100000, not %', bloc, peer_trim
			USING ERRCODE = 'invalid_parameter_value';
	ELSIF quorum OPERATOR(pg_catalog.<) 0 OR quorum OPERATOR(pg_catalog.>) 100000 THEN
		RAISE EXCEPTION 'the quorum of bloc "%" must be from 0 to 100000, not %', bloc, quorum
			USING ERRCODE = 'invalid_parameter_value';
	ELSIF result_rounding OPERATOR(pg_catalog.!~) '^(exact|[0-9]|default)$' THEN
		RAISE EXCEPTION 'result rounding "%" is not exact, a number of decimals 0-9, or default', result_rounding
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'default takes the criteria version''s own setting.';
	END IF;
	SELECT * INTO existing FROM thidua.bloc_period bp
		WHERE bp.bloc_code OPERATOR(pg_catalog.=) bloc AND bp.period_code OPERATOR(pg_catalog.=) period FOR UPDATE;
	IF NOT FOUND THEN
		IF criteria_version IS NULL THEN
			RAISE EXCEPTION 'bloc "%" has no settings for period "%" yet: they start with its criteria version', bloc, period
				USING ERRCODE = 'not_null_violation', HINT = 'Give the criteria version (thidua bloc settings --criteria VERSION).';
		END IF;
		INSERT INTO thidua.bloc_period (bloc_code, period_code, criteria_version, peer_method, peer_trim, quorum, result_rounding)
			VALUES (bloc, period, criteria_version, coalesce(peer_method, 'trimmed_mean'), coalesce(peer_trim, 1),
					coalesce(quorum, 1), nullif(result_rounding, 'default'));
		RETURN 'created';
	END IF;
	wanted := existing;
	wanted.criteria_version := coalesce(criteria_version, existing.criteria_version);
	wanted.peer_method := coalesce(peer_method, existing.peer_method);
	wanted.peer_trim := coalesce(peer_trim, existing.peer_trim);
	wanted.quorum := coalesce(quorum, existing.quorum);
	wanted.result_rounding := CASE WHEN result_rounding IS NULL THEN existing.result_rounding
								   ELSE nullif(result_rounding, 'default') END;
	IF wanted IS NOT DISTINCT FROM existing THEN
		RETURN 'unchanged';
	END IF;
	IF wanted.criteria_version OPERATOR(pg_catalog.<>) existing.criteria_version THEN
		-- observations were checked against the version they were scored under
		SELECT count(*) INTO scored FROM thidua.evaluation e
			WHERE e.bloc_code OPERATOR(pg_catalog.=) bloc AND e.period_code OPERATOR(pg_catalog.=) period;
		IF scored OPERATOR(pg_catalog.>) 0 THEN
			RAISE EXCEPTION 'bloc "%" has % evaluations in period "%" scored under criteria version "%"',
				bloc, scored, period, existing.criteria_version
				USING ERRCODE = 'object_not_in_prerequisite_state',
					  HINT = 'The criteria version of a bloc changes only before its first scores.';
		END IF;
	END IF;
	UPDATE thidua.bloc_period bp SET criteria_version = wanted.criteria_version, peer_method = wanted.peer_method,
		peer_trim = wanted.peer_trim, quorum = wanted.quorum, result_rounding = wanted.result_rounding
		WHERE bp.bloc_code OPERATOR(pg_catalog.=) bloc AND bp.period_code OPERATOR(pg_catalog.=) period;
	RETURN 'changed';
END
$$;

CREATE OR REPLACE FUNCTION thidua._csv_field(value text) RETURNS text
	LANGUAGE sql IMMUTABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT CASE WHEN v IS NULL THEN ''
				WHEN v ~ '[",;\r\n]|^\s|\s$' THEN '"' || replace(v, '"', '""') || '"'
				ELSE v END
	FROM (SELECT CASE WHEN value ~ '^''*[=+@\t\r-]' AND value !~ '^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$'
					  THEN '''' || value ELSE value END AS v) AS neutralised
$$;

-- Standings of blocs that need neither points scored in the bloc nor markings
-- read their observations alone.
CREATE OR REPLACE FUNCTION thidua.evaluation_scores(bloc text, period text)
	RETURNS TABLE (evaluation_id bigint, unit_code text, stage text, judge_code text, total numeric, tie_keys numeric[])
	LANGUAGE plpgsql STABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	-- most blocs have neither criteria scored in the bloc nor markings: their
	-- observations alone give the scores, without the joins those need
	IF NOT EXISTS (SELECT 1 FROM thidua.not_applicable_marking na
				   WHERE na.bloc_code OPERATOR(pg_catalog.=) bloc AND na.period_code OPERATOR(pg_catalog.=) period)
	   AND NOT EXISTS (SELECT 1 FROM thidua.bloc_period bp
				   JOIN thidua.criteria_item i ON i.version_code OPERATOR(pg_catalog.=) bp.criteria_version
				   WHERE bp.bloc_code OPERATOR(pg_catalog.=) bloc AND bp.period_code OPERATOR(pg_catalog.=) period
					 AND (i.rule OPERATOR(pg_catalog.=) 'leader_relative'
						  OR (i.params ->> 'target') OPERATOR(pg_catalog.=) 'pact')) THEN
		RETURN QUERY
		SELECT e.evaluation_id, e.unit_code, e.stage, e.judge_code,
			coalesce(thidua.score(bp.criteria_version, o.criterion_code, o.observed)
						FILTER (WHERE o.criterion_code IS NOT NULL), 0),
			thidua.tie_break_keys(bp.criteria_version, o.criterion_code, o.observed)
				FILTER (WHERE o.criterion_code IS NOT NULL)
		FROM thidua.evaluation e
		JOIN thidua.bloc_period bp ON bp.bloc_code OPERATOR(pg_catalog.=) e.bloc_code
			AND bp.period_code OPERATOR(pg_catalog.=) e.period_code
		LEFT JOIN thidua.observation o ON o.evaluation_id OPERATOR(pg_catalog.=) e.evaluation_id
		WHERE e.bloc_code OPERATOR(pg_catalog.=) bloc AND e.period_code OPERATOR(pg_catalog.=) period
		GROUP BY e.evaluation_id, e.unit_code, e.stage, e.judge_code, bp.criteria_version;
		RETURN;
	END IF;
	RETURN QUERY
		SELECT e.evaluation_id, e.unit_code, e.stage, e.judge_code,
			coalesce(thidua.score(bp.criteria_version, o.criterion_code, o.observed, b.points, o.applicable)
						FILTER (WHERE o.criterion_code IS NOT NULL), 0),
			thidua.tie_break_keys(bp.criteria_version, o.criterion_code, o.observed, b.points, o.applicable)
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
		-- criteria scored in the bloc: their points, computed against the bloc
		LEFT JOIN thidua._bloc_points(bloc, period) b ON b.evaluation_id OPERATOR(pg_catalog.=) o.evaluation_id
			AND b.criterion_code OPERATOR(pg_catalog.=) o.criterion_code
		WHERE e.bloc_code OPERATOR(pg_catalog.=) bloc AND e.period_code OPERATOR(pg_catalog.=) period
		GROUP BY e.evaluation_id, e.unit_code, e.stage, e.judge_code, bp.criteria_version;
END
$$;
