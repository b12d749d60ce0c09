-- thidua SQL source: people's and units' records from spreadsheet files.
-- Holds import_records() (ratings, initiatives, awards, discipline; the kind
-- given or told by the header) with one importer per kind (_import_ratings,
-- _import_initiatives, _import_awards, _import_discipline), the words a file
-- may use (_record_words: codes and their Vietnamese), _csv_header() and
-- _csv_header_line(), and revoke_award().
--
-- Every file is read by thidua._csv_rows (15_csv_files.sql) into a temporary
-- table, checked by one query per rule over the whole file (a ratings file has
-- up to a million rows), the first line at fault named as source:line: column
-- "x": ..., then written: the whole file or nothing. Imports upsert by a key per
-- kind, so the same file imported again changes nothing.

-- The words of a records file, lower case and NFC, with the value each stands for.
CREATE FUNCTION thidua._record_words(domain text) RETURNS TABLE (word text, value text)
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT w.word, w.value FROM (VALUES
		('rating', 'khtnv', 'KHTNV'), ('rating', 'htnv', 'HTNV'), ('rating', 'httnv', 'HTTNV'), ('rating', 'htxsnv', 'HTXSNV'),
		('rating', 'không hoàn thành nhiệm vụ', 'KHTNV'), ('rating', 'hoàn thành nhiệm vụ', 'HTNV'),
		('rating', 'hoàn thành tốt nhiệm vụ', 'HTTNV'), ('rating', 'hoàn thành xuất sắc nhiệm vụ', 'HTXSNV'),
		('scope', 'grassroots', 'grassroots'), ('scope', 'ministry_province', 'ministry_province'),
		('scope', 'national', 'national'), ('scope', 'cơ sở', 'grassroots'), ('scope', 'cấp bộ', 'ministry_province'),
		('scope', 'cấp tỉnh', 'ministry_province'), ('scope', 'toàn quốc', 'national'),
		('award_kind', 'yearly', 'yearly'), ('award_kind', 'thematic', 'thematic'), ('award_kind', 'ad_hoc', 'ad_hoc'),
		('award_kind', 'career', 'career'), ('award_kind', 'thường xuyên', 'yearly'),
		('award_kind', 'chuyên đề', 'thematic'), ('award_kind', 'đột xuất', 'ad_hoc'),
		('discipline_kind', 'measure', 'measure'), ('discipline_kind', 'consideration', 'consideration'),
		('discipline_kind', 'investigation', 'investigation'), ('discipline_kind', 'complaint', 'complaint'),
		('discipline_kind', 'kỷ luật', 'measure'), ('discipline_kind', 'hình thức kỷ luật', 'measure'),
		('discipline_kind', 'xem xét kỷ luật', 'consideration'), ('discipline_kind', 'đang xem xét kỷ luật', 'consideration'),
		('discipline_kind', 'điều tra', 'investigation'), ('discipline_kind', 'đang bị điều tra', 'investigation'),
		('discipline_kind', 'khiếu nại', 'complaint'), ('discipline_kind', 'xác minh khiếu nại', 'complaint'),
		('discipline_kind', 'đang xác minh khiếu nại', 'complaint'),
		('severity', 'reprimand', 'reprimand'), ('severity', 'warning', 'warning'), ('severity', 'demotion', 'demotion'),
		('severity', 'removal', 'removal'), ('severity', 'dismissal', 'dismissal'),
		('severity', 'khiển trách', 'reprimand'), ('severity', 'cảnh cáo', 'warning'),
		('severity', 'hạ bậc lương', 'demotion'), ('severity', 'giáng chức', 'demotion'),
		('severity', 'cách chức', 'removal'), ('severity', 'buộc thôi việc', 'dismissal')
	) AS w(domain, word, value)
	WHERE w.domain OPERATOR(pg_catalog.=) _record_words.domain
$$;
COMMENT ON FUNCTION thidua._record_words(text) IS
	'the words a records file may write for a rating, scope, award_kind, discipline_kind or severity (lower case, NFC) and the value each stands for';

-- The column names of a CSV text's header (lower case, trimmed), as _csv_rows
-- reads them; read from its first 64 kB only, for telling the kind of a file.
CREATE FUNCTION thidua._csv_header(content text) RETURNS text[]
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT array_agg(lower(btrim(c.name, E' \t\r"')) ORDER BY c.n)
	FROM (SELECT l.line FROM regexp_split_to_table(ltrim(left(coalesce(content, ''), 65536), E'\uFEFF'), E'\n')
			WITH ORDINALITY AS l(line, n)
		  WHERE btrim(l.line, E' \t\r,;"') OPERATOR(pg_catalog.<>) '' ORDER BY l.n LIMIT 1) h,
		regexp_split_to_table(h.line, thidua._csv_separator(h.line)) WITH ORDINALITY AS c(name, n)
$$;

-- The line of a CSV text's header (its first line that is not blank), as
-- _csv_rows counts lines; 1 for a file without one.
CREATE FUNCTION thidua._csv_header_line(content text) RETURNS bigint
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT coalesce((SELECT l.n FROM regexp_split_to_table(ltrim(left(coalesce(content, ''), 65536), E'\uFEFF'), E'\n')
			WITH ORDINALITY AS l(line, n)
		WHERE btrim(l.line, E' \t\r,;"') OPERATOR(pg_catalog.<>) '' ORDER BY l.n LIMIT 1), 1)
$$;

-- Whether a records file names people or units: its column person or unit,
-- exactly one of them.
CREATE FUNCTION thidua._record_subject(content text, source text) RETURNS text
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	header text[] := thidua._csv_header(content);
BEGIN
	IF 'person' OPERATOR(pg_catalog.=) ANY (header) AND 'unit' OPERATOR(pg_catalog.=) ANY (header) THEN
		RAISE EXCEPTION '%:%: columns "person" and "unit": a file holds the records of people or of units, not both',
			source, thidua._csv_header_line(content)
			USING ERRCODE = 'invalid_parameter_value', HINT = 'Put people''s and units'' records in two files.';
	ELSIF 'unit' OPERATOR(pg_catalog.=) ANY (header) THEN
		RETURN 'unit';
	ELSIF 'person' OPERATOR(pg_catalog.=) ANY (header) THEN
		RETURN 'person';
	END IF;
	RAISE EXCEPTION '%:%: column "person" (or "unit") is missing from the header', source, thidua._csv_header_line(content)
		USING ERRCODE = 'invalid_parameter_value',
			  HINT = 'The column person names people by code; unit names units.';
END
$$;

-- Raises the error of a line at fault (found by a query over the whole file).
CREATE FUNCTION thidua._record_fault(source text, line bigint, field text, message text, state text,
									 hint text DEFAULT NULL) RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	IF hint IS NULL THEN
		RAISE EXCEPTION USING ERRCODE = state, MESSAGE = format('%s:%s: column "%s": %s', source, line, field, message);
	END IF;
	RAISE EXCEPTION USING ERRCODE = state, MESSAGE = format('%s:%s: column "%s": %s', source, line, field, message),
		HINT = hint;
END
$$;

-- Checks of every kind over pg_temp._thidua_record_file: the year (1900-2199),
-- the subject (a person or unit that exists), texts within their lengths.
CREATE FUNCTION thidua._record_file_common(source text, subject_column text, lengths jsonb) RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	bad record;
BEGIN
	IF subject_column OPERATOR(pg_catalog.=) 'person' THEN
		-- an anti-join, not NOT EXISTS: Citus joins a local table with a
		-- distributed one, not a correlated subquery
		SELECT f.line, f.code INTO bad FROM pg_temp._thidua_record_file f
			LEFT JOIN thidua.individual i ON i.person_code OPERATOR(pg_catalog.=) f.code
			WHERE i.person_code IS NULL
			ORDER BY f.line LIMIT 1;
	ELSIF subject_column OPERATOR(pg_catalog.=) 'unit' THEN
		SELECT f.line, f.code INTO bad FROM pg_temp._thidua_record_file f
			WHERE NOT EXISTS (SELECT 1 FROM thidua.unit u WHERE u.unit_code OPERATOR(pg_catalog.=) f.code)
			ORDER BY f.line LIMIT 1;
	END IF;
	IF subject_column IS NOT NULL AND FOUND THEN
			PERFORM thidua._record_fault(source, bad.line, subject_column,
				format('%s "%s" does not exist', subject_column, bad.code),
				'foreign_key_violation', CASE subject_column WHEN 'person' THEN 'Import the people first (thidua people import).'
											  ELSE 'Import the units first (thidua units import).' END);
	END IF;
	IF lengths OPERATOR(pg_catalog.?) 'year' THEN
		SELECT f.line, f.year_text INTO bad FROM pg_temp._thidua_record_file f
			WHERE f.year IS NULL OR f.year NOT BETWEEN 1900 AND 2199 ORDER BY f.line LIMIT 1;
		IF FOUND THEN
			PERFORM thidua._record_fault(source, bad.line, 'year', format('"%s" is not a year from 1900 to 2199', bad.year_text),
				'invalid_parameter_value');
		END IF;
	END IF;
	IF NOT EXISTS (SELECT 1 FROM jsonb_object_keys(lengths) k WHERE k OPERATOR(pg_catalog.<>) 'year') THEN
		RETURN;
	END IF;
	-- texts within their lengths, in line order
	SELECT f.line, l.key AS field, char_length(to_jsonb(f) ->> l.key) AS length, l.value::integer AS most INTO bad
		FROM pg_temp._thidua_record_file f, jsonb_each_text(lengths) l
		WHERE l.key OPERATOR(pg_catalog.<>) 'year'
		  AND char_length(to_jsonb(f) ->> l.key) OPERATOR(pg_catalog.>) l.value::integer
		ORDER BY f.line LIMIT 1;
	IF FOUND THEN
		PERFORM thidua._record_fault(source, bad.line, bad.field, format('%s characters, at most %s', bad.length, bad.most),
			'string_data_right_truncation');
	END IF;
END
$$;

-- A word of the file's column (a rating, scope, ...) that is none of its words
-- (field: the staged column, named without its _text in the error).
CREATE FUNCTION thidua._record_file_words(source text, field text, domain text, hint text) RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	bad record;
BEGIN
	EXECUTE format($q$
		SELECT f.line, f.%1$I AS written FROM pg_temp._thidua_record_file f
		WHERE f.%1$I IS NOT NULL AND NOT EXISTS (SELECT 1 FROM thidua._record_words($1) w
			WHERE w.word OPERATOR(pg_catalog.=) lower(normalize(f.%1$I, NFC)))
		ORDER BY f.line LIMIT 1 $q$, field) INTO bad USING domain;
	IF bad.line IS NOT NULL THEN
		PERFORM thidua._record_fault(source, bad.line, regexp_replace(field, '_text$', ''),
			format('"%s" is not %s', bad.written, CASE domain WHEN 'rating' THEN 'a rating' WHEN 'scope' THEN 'a scope'
				WHEN 'award_kind' THEN 'a kind of award' WHEN 'discipline_kind' THEN 'a kind of discipline record'
				ELSE 'a severity' END), 'invalid_text_representation', hint);
	END IF;
END
$$;

-- Ratings: person | unit, year, rating. Key: the subject and year.
CREATE FUNCTION thidua._import_ratings(content text, source text,
									   OUT added integer, OUT changed integer, OUT unchanged integer)
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	SET default_statistics_target = 10
	AS $$
DECLARE
	subject_column text := thidua._record_subject(content, source);
	target text := CASE subject_column WHEN 'person' THEN 'individual_rating' ELSE 'unit_rating' END;
	code_column text := CASE subject_column WHEN 'person' THEN 'person_code' ELSE 'unit_code' END;
	bad record;
BEGIN
	PERFORM thidua._progress('reading', 0);
	CREATE TEMP TABLE _thidua_record_file ON COMMIT DROP AS
		SELECT r.line::bigint AS line, CASE subject_column WHEN 'person' THEN r.cells[1] ELSE r.cells[2] END AS code,
			r.cells[3] AS year_text, CASE WHEN r.cells[3] OPERATOR(pg_catalog.~) '^[0-9]{1,4}$' THEN r.cells[3]::integer END AS year,
			r.cells[4] AS rating_text, w.value::thidua.completion_rating AS rating
		FROM thidua._csv_rows(content, source, '{person,unit,year,rating}', ARRAY[subject_column, 'year', 'rating']) r
		LEFT JOIN thidua._record_words('rating') w ON w.word OPERATOR(pg_catalog.=) lower(normalize(r.cells[4], NFC));
	ANALYZE pg_temp._thidua_record_file;
	PERFORM thidua._progress('checking', 0);
	PERFORM thidua._record_file_common(source, subject_column, '{"year": 0}');
	SELECT f.line, f.rating_text INTO bad FROM pg_temp._thidua_record_file f WHERE f.rating IS NULL ORDER BY f.line LIMIT 1;
	IF FOUND THEN
		PERFORM thidua._record_fault(source, bad.line, 'rating', format('"%s" is not a rating', bad.rating_text),
			'invalid_text_representation',
			'A rating is HTXSNV, HTTNV, HTNV or KHTNV, or written in full: Hoàn thành xuất sắc nhiệm vụ, Hoàn thành tốt nhiệm vụ, Hoàn thành nhiệm vụ, Không hoàn thành nhiệm vụ.');
	END IF;
	SELECT d.line, d.code, d.year, d.first INTO bad FROM (
		SELECT f.line, f.code, f.year, min(f.line) OVER (PARTITION BY f.code, f.year) AS first
		FROM pg_temp._thidua_record_file f) d
		WHERE d.line OPERATOR(pg_catalog.<>) d.first ORDER BY d.line LIMIT 1;
	IF FOUND THEN
		PERFORM thidua._record_fault(source, bad.line, 'year',
			format('the rating of "%s" for %s is given twice (line %s too)', bad.code, bad.year, bad.first), 'unique_violation');
	END IF;
	PERFORM thidua._progress('checking', 100);
	EXECUTE format($q$
		SELECT count(*) FILTER (WHERE r.year IS NULL), count(*) FILTER (WHERE r.rating OPERATOR(pg_catalog.<>) f.rating),
			count(*) FILTER (WHERE r.rating OPERATOR(pg_catalog.=) f.rating)
		FROM pg_temp._thidua_record_file f
		LEFT JOIN thidua.%1$I r ON r.%2$I OPERATOR(pg_catalog.=) f.code AND r.year OPERATOR(pg_catalog.=) f.year $q$,
		target, code_column) INTO added, changed, unchanged;
	-- an update of the changed, then an insert of the new (no ON CONFLICT: a
	-- million speculative insertions cost more than an anti-join)
	-- (units' ratings are a Citus reference table, which Citus updates from
	-- values, not from a local table: the file's rows passed as JSON there)
	IF changed OPERATOR(pg_catalog.>) 0 THEN
		EXECUTE format($q$
			UPDATE thidua.%1$I r SET rating = f.rating FROM %3$s
			WHERE r.%2$I OPERATOR(pg_catalog.=) f.code AND r.year OPERATOR(pg_catalog.=) f.year
			  AND r.rating OPERATOR(pg_catalog.<>) f.rating $q$, target, code_column,
			CASE subject_column WHEN 'unit' THEN 'jsonb_to_recordset($1) f(code text, year integer, rating thidua.completion_rating)'
				ELSE 'pg_temp._thidua_record_file f' END)
			USING CASE subject_column WHEN 'unit' THEN (SELECT jsonb_agg(jsonb_build_object('code', f.code, 'year', f.year,
				'rating', f.rating)) FROM pg_temp._thidua_record_file f) END;
	END IF;
	IF added OPERATOR(pg_catalog.>) 0 THEN
		EXECUTE format($q$
			INSERT INTO thidua.%1$I (%2$I, year, rating) SELECT f.code, f.year, f.rating FROM pg_temp._thidua_record_file f
			LEFT JOIN thidua.%1$I r ON r.%2$I OPERATOR(pg_catalog.=) f.code AND r.year OPERATOR(pg_catalog.=) f.year
			WHERE r.year IS NULL $q$,
			target, code_column);
	END IF;
	PERFORM thidua._progress('storing', 100);
END
$$;

-- Initiatives: code, title, scope, authors, recognition_decision, recognised_on.
-- Key: the code; the authors of the file replace those stored.
CREATE FUNCTION thidua._import_initiatives(content text, source text,
										   OUT added integer, OUT changed integer, OUT unchanged integer)
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	bad record;
BEGIN
	PERFORM thidua._progress('reading', 0);
	CREATE TEMP TABLE _thidua_record_file ON COMMIT DROP AS
		SELECT r.line::bigint AS line, r.cells[1] AS code, normalize(r.cells[2], NFC) AS title, r.cells[3] AS scope_text,
			ARRAY(SELECT DISTINCT a FROM regexp_split_to_table(r.cells[4], '[[:space:],;]+') a
				  WHERE a OPERATOR(pg_catalog.<>) '' ORDER BY a) AS authors,
			r.cells[5] AS recognition_decision, thidua._csv_date(r.cells[6], source, r.line, 'recognised_on') AS recognised_on
		FROM thidua._csv_rows(content, source, '{code,title,scope,authors,recognition_decision,recognised_on}',
							  '{code,title,scope,authors,recognised_on}') r;
	PERFORM thidua._progress('checking', 0);
	SELECT f.line, f.code INTO bad FROM pg_temp._thidua_record_file f
		WHERE f.code OPERATOR(pg_catalog.!~) '^[[:alnum:]][[:alnum:]._/-]{0,63}$' ORDER BY f.line LIMIT 1;
	IF FOUND THEN
		PERFORM thidua._record_fault(source, bad.line, 'code', format('"%s" is not an initiative code', bad.code),
			'invalid_text_representation',
			'A code is a letter or digit, then up to 63 letters, digits, ".", "_", "/" or "-".');
	END IF;
	PERFORM thidua._record_file_common(source, NULL, '{"title": 1000, "recognition_decision": 100}');
	PERFORM thidua._record_file_words(source, 'scope_text', 'scope',
		'A scope is grassroots, ministry_province or national, or cơ sở, cấp bộ, cấp tỉnh, toàn quốc.');
	SELECT d.line, d.code, d.first INTO bad FROM (
		SELECT f.line, f.code, min(f.line) OVER (PARTITION BY f.code) AS first FROM pg_temp._thidua_record_file f) d
		WHERE d.line OPERATOR(pg_catalog.<>) d.first ORDER BY d.line LIMIT 1;
	IF FOUND THEN
		PERFORM thidua._record_fault(source, bad.line, 'code',
			format('initiative "%s" is given twice (line %s too)', bad.code, bad.first), 'unique_violation');
	END IF;
	SELECT a.line, a.person INTO bad
		FROM (SELECT f.line, c.person FROM pg_temp._thidua_record_file f, unnest(f.authors) c(person) OFFSET 0) a
		LEFT JOIN thidua.individual i ON i.person_code OPERATOR(pg_catalog.=) a.person
		WHERE i.person_code IS NULL
		ORDER BY a.line, a.person LIMIT 1;
	IF FOUND THEN
		PERFORM thidua._record_fault(source, bad.line, 'authors', format('person "%s" does not exist', bad.person),
			'foreign_key_violation', 'Authors are people''s codes, separated by spaces, commas or semicolons.');
	END IF;
	-- an initiative an award used keeps that award's holder among its authors
	SELECT f.line, f.code, i.used_by_award, a.person_code INTO bad FROM pg_temp._thidua_record_file f
		JOIN thidua.initiative i ON i.initiative_code OPERATOR(pg_catalog.=) f.code
		JOIN thidua.individual_award a ON a.record_id OPERATOR(pg_catalog.=) i.used_by_award
		WHERE NOT a.person_code OPERATOR(pg_catalog.=) ANY (f.authors) ORDER BY f.line LIMIT 1;
	IF FOUND THEN
		PERFORM thidua._record_fault(source, bad.line, 'authors',
			format('initiative "%s" is used by award record %s of "%s", who must stay one of its authors', bad.code,
				   bad.used_by_award, bad.person_code), 'check_violation');
	END IF;
	PERFORM thidua._progress('checking', 100);

	SELECT count(*) FILTER (WHERE i.initiative_code IS NULL),
		   count(*) FILTER (WHERE i.initiative_code IS NOT NULL AND s.same IS NOT TRUE),
		   count(*) FILTER (WHERE s.same)
		INTO added, changed, unchanged
	FROM pg_temp._thidua_record_file f
	LEFT JOIN thidua.initiative i ON i.initiative_code OPERATOR(pg_catalog.=) f.code
	LEFT JOIN LATERAL (SELECT (i.title, i.scope, i.recognition_decision, i.recognised_on)
			IS NOT DISTINCT FROM (f.title, w.value::thidua.initiative_scope, f.recognition_decision, f.recognised_on)
			AND f.authors OPERATOR(pg_catalog.=) ARRAY(SELECT ia.person_code FROM thidua.initiative_author ia
				WHERE ia.initiative_code OPERATOR(pg_catalog.=) f.code ORDER BY ia.person_code) AS same
		FROM thidua._record_words('scope') w WHERE w.word OPERATOR(pg_catalog.=) lower(normalize(f.scope_text, NFC))) s
		ON i.initiative_code IS NOT NULL;
	INSERT INTO thidua.initiative AS i (initiative_code, title, scope, recognition_decision, recognised_on)
		SELECT f.code, f.title, w.value::thidua.initiative_scope, f.recognition_decision, f.recognised_on
		FROM pg_temp._thidua_record_file f
		JOIN thidua._record_words('scope') w ON w.word OPERATOR(pg_catalog.=) lower(normalize(f.scope_text, NFC))
		ON CONFLICT (initiative_code) DO UPDATE SET title = excluded.title, scope = excluded.scope,
			recognition_decision = excluded.recognition_decision, recognised_on = excluded.recognised_on
		WHERE (i.title, i.scope, i.recognition_decision, i.recognised_on)
			IS DISTINCT FROM (excluded.title, excluded.scope, excluded.recognition_decision, excluded.recognised_on);
	-- (a subquery, not USING: Citus deletes from a reference table so)
	DELETE FROM thidua.initiative_author ia
		WHERE (ia.initiative_code, ia.person_code) IN (SELECT x.initiative_code, x.person_code
			FROM thidua.initiative_author x JOIN pg_temp._thidua_record_file f ON x.initiative_code OPERATOR(pg_catalog.=) f.code
			WHERE NOT x.person_code OPERATOR(pg_catalog.=) ANY (f.authors));
	INSERT INTO thidua.initiative_author (initiative_code, person_code)
		SELECT f.code, a.person FROM pg_temp._thidua_record_file f, unnest(f.authors) a(person)
		ON CONFLICT DO NOTHING;
	PERFORM thidua._progress('storing', 100);
END
$$;

-- Awards: person | unit, award, year, kind, decision_number, decision_date,
-- issuer, initiatives, revoked_on, revocation_reason, revocation_decision. Key:
-- the subject, award, year and decision number; the initiatives of the file are
-- those the award used.
CREATE FUNCTION thidua._import_awards(content text, source text,
									  OUT added integer, OUT changed integer, OUT unchanged integer)
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	subject_column text := thidua._record_subject(content, source);
	target text := CASE subject_column WHEN 'person' THEN 'individual_award' ELSE 'unit_award' END;
	code_column text := CASE subject_column WHEN 'person' THEN 'person_code' ELSE 'unit_code' END;
	bad record;
	credits jsonb;
BEGIN
	PERFORM thidua._progress('reading', 0);
	CREATE TEMP TABLE _thidua_record_file ON COMMIT DROP AS
		SELECT r.line::bigint AS line, CASE subject_column WHEN 'person' THEN r.cells[1] ELSE r.cells[2] END AS code,
			r.cells[3] AS award, r.cells[4] AS year_text,
			CASE WHEN r.cells[4] OPERATOR(pg_catalog.~) '^[0-9]{1,4}$' THEN r.cells[4]::integer END AS year,
			r.cells[5] AS kind_text, NULL::text AS kind, r.cells[6] AS decision_number,
			thidua._csv_date(r.cells[7], source, r.line, 'decision_date') AS decision_date,
			normalize(r.cells[8], NFC) AS issuer,
			ARRAY(SELECT DISTINCT a FROM regexp_split_to_table(r.cells[9], '[[:space:],;]+') a
				  WHERE a OPERATOR(pg_catalog.<>) '' ORDER BY a) AS initiatives,
			thidua._csv_date(r.cells[10], source, r.line, 'revoked_on') AS revoked_on,
			normalize(r.cells[11], NFC) AS revocation_reason, r.cells[12] AS revocation_decision,
			NULL::bigint AS record_id, false AS is_new
		FROM thidua._csv_rows(content, source, '{person,unit,award,year,kind,decision_number,decision_date,issuer,'
							  'initiatives,revoked_on,revocation_reason,revocation_decision}', ARRAY[subject_column, 'award', 'year']) r;
	PERFORM thidua._progress('checking', 0);
	PERFORM thidua._record_file_common(source, NULL,
		'{"year": 0, "decision_number": 100, "issuer": 300, "revocation_reason": 1000, "revocation_decision": 100}');
	SELECT f.line, f.award, a.subject INTO bad FROM pg_temp._thidua_record_file f
		LEFT JOIN thidua.award a ON a.award_code OPERATOR(pg_catalog.=) f.award
		WHERE a.subject IS DISTINCT FROM CASE subject_column WHEN 'person' THEN 'individual' ELSE 'collective' END
		ORDER BY f.line LIMIT 1;
	IF FOUND AND bad.subject IS NULL THEN
		PERFORM thidua._record_fault(source, bad.line, 'award', format('award "%s" is not in the catalog', bad.award),
			'foreign_key_violation', 'The catalog is listed by thidua awards (thidua.award).');
	ELSIF FOUND THEN
		PERFORM thidua._record_fault(source, bad.line, 'award',
			format('award "%s" is for %s, and this file''s column "%s" names %s', bad.award,
				   CASE bad.subject WHEN 'individual' THEN 'individuals (people)' ELSE 'collectives (units)' END,
				   subject_column, CASE subject_column WHEN 'person' THEN 'people' ELSE 'units' END), 'check_violation',
			'People''s awards and units'' awards go in separate files (column person or unit).');
	END IF;
	PERFORM thidua._record_file_words(source, 'kind_text', 'award_kind',
		'A kind is yearly, thematic, ad_hoc or career, or thường xuyên, chuyên đề, đột xuất; empty: the catalog''s.');
	PERFORM thidua._record_file_common(source, subject_column, '{}');
	SELECT f.line, f.revoked_on, f.revocation_reason INTO bad FROM pg_temp._thidua_record_file f
		WHERE (f.revoked_on IS NULL) OPERATOR(pg_catalog.<>) (f.revocation_reason IS NULL)
		   OR (f.revoked_on IS NULL AND f.revocation_decision IS NOT NULL)
		ORDER BY f.line LIMIT 1;
	IF FOUND AND bad.revoked_on IS NOT NULL THEN
		PERFORM thidua._record_fault(source, bad.line, 'revocation_reason',
			format('the revocation on %s needs a reason', to_char(bad.revoked_on, 'YYYY-MM-DD')), 'not_null_violation');
	ELSIF FOUND THEN
		PERFORM thidua._record_fault(source, bad.line, 'revoked_on', 'a revocation''s reason or decision is given, not its date',
			'not_null_violation');
	END IF;
	SELECT d.line, d.code, d.award, d.year, d.first INTO bad FROM (
		SELECT f.line, f.code, f.award, f.year,
			min(f.line) OVER (PARTITION BY f.code, f.award, f.year, f.decision_number) AS first
		FROM pg_temp._thidua_record_file f) d
		WHERE d.line OPERATOR(pg_catalog.<>) d.first ORDER BY d.line LIMIT 1;
	IF FOUND THEN
		PERFORM thidua._record_fault(source, bad.line, 'award',
			format('the award "%s" of "%s" for %s is given twice with the same decision number (line %s too)',
				   bad.award, bad.code, bad.year, bad.first), 'unique_violation');
	END IF;
	-- the stored awards of the file's subjects, copied once: the checks and
	-- counts below read this copy, so that on Citus (the people's awards
	-- distributed by person) no query joins the file with a distributed table
	-- but this one and the writes
	IF to_regclass('pg_temp._thidua_record_stored') IS NOT NULL THEN
		DROP TABLE pg_temp._thidua_record_stored;
	END IF;
	EXECUTE format($q$
		CREATE TEMP TABLE _thidua_record_stored ON COMMIT DROP AS
		SELECT a.%2$I AS code, a.record_id, a.award_code, a.year, a.kind, a.decision_number, a.decision_date, a.issuer,
			a.revoked_on, a.revocation_reason, a.revocation_decision
		FROM thidua.%1$I a JOIN (SELECT DISTINCT f.code FROM pg_temp._thidua_record_file f) k
			ON a.%2$I OPERATOR(pg_catalog.=) k.code $q$,
		target, code_column);
	-- the record each line names already, if any
	UPDATE pg_temp._thidua_record_file f SET record_id = m.record_id
		FROM (SELECT a.code, a.award_code, a.year, a.decision_number, min(a.record_id) AS record_id
			  FROM pg_temp._thidua_record_stored a GROUP BY 1, 2, 3, 4) m
		WHERE m.code OPERATOR(pg_catalog.=) f.code AND m.award_code OPERATOR(pg_catalog.=) f.award
		  AND m.year OPERATOR(pg_catalog.=) f.year AND m.decision_number IS NOT DISTINCT FROM f.decision_number;
	SELECT f.line, a.record_id, a.revoked_on INTO bad FROM pg_temp._thidua_record_file f
		JOIN pg_temp._thidua_record_stored a ON a.record_id OPERATOR(pg_catalog.=) f.record_id
		WHERE a.revoked_on IS NOT NULL AND (a.revoked_on, a.revocation_reason, a.revocation_decision)
			IS DISTINCT FROM (f.revoked_on, f.revocation_reason, f.revocation_decision)
		ORDER BY f.line LIMIT 1;
	IF bad.line IS NOT NULL THEN
		PERFORM thidua._record_fault(source, bad.line, 'revoked_on',
			format('award record %s was revoked on %s: a revocation is neither undone nor made again', bad.record_id,
				   to_char(bad.revoked_on, 'YYYY-MM-DD')), 'object_not_in_prerequisite_state',
			'Give the revocation as it is stored; a new decision awarding it again is a new line.');
	END IF;
	-- initiatives: people's awards only, each known, credited once, to an author
	SELECT f.line INTO bad FROM pg_temp._thidua_record_file f
		WHERE subject_column OPERATOR(pg_catalog.=) 'unit' AND cardinality(f.initiatives) OPERATOR(pg_catalog.>) 0
		ORDER BY f.line LIMIT 1;
	IF FOUND THEN
		PERFORM thidua._record_fault(source, bad.line, 'initiatives', 'a unit''s award uses no initiatives', 'check_violation',
			'Initiatives are people''s; a person''s award names those it used.');
	END IF;
	SELECT f.line, c.initiative INTO bad FROM pg_temp._thidua_record_file f, unnest(f.initiatives) c(initiative)
		WHERE NOT EXISTS (SELECT 1 FROM thidua.initiative i WHERE i.initiative_code OPERATOR(pg_catalog.=) c.initiative)
		ORDER BY f.line LIMIT 1;
	IF FOUND THEN
		PERFORM thidua._record_fault(source, bad.line, 'initiatives', format('initiative "%s" does not exist', bad.initiative),
			'foreign_key_violation', 'Import the initiatives first (thidua records import).');
	END IF;
	SELECT d.line, d.initiative, d.first INTO bad FROM (
		SELECT f.line, c.initiative, min(f.line) OVER (PARTITION BY c.initiative) AS first
		FROM pg_temp._thidua_record_file f, unnest(f.initiatives) c(initiative)) d
		WHERE d.line OPERATOR(pg_catalog.<>) d.first ORDER BY d.line LIMIT 1;
	IF FOUND THEN
		PERFORM thidua._record_fault(source, bad.line, 'initiatives',
			format('initiative "%s" is credited to two awards (line %s too)', bad.initiative, bad.first), 'unique_violation',
			'An initiative counts for one award only.');
	END IF;
	-- the initiatives credited, locked in code order before they are checked: a
	-- session crediting one of them at the same time waits for this one, then
	-- finds it used (the guard on thidua.initiative refuses it on other routes)
	PERFORM i.initiative_code FROM thidua.initiative i
		WHERE i.initiative_code OPERATOR(pg_catalog.=) ANY (ARRAY(SELECT c.initiative
			FROM pg_temp._thidua_record_file f, unnest(f.initiatives) c(initiative)))
		ORDER BY i.initiative_code FOR UPDATE;
	SELECT f.line, c.initiative, i.used_by_award INTO bad
		FROM pg_temp._thidua_record_file f, unnest(f.initiatives) c(initiative)
		JOIN thidua.initiative i ON i.initiative_code OPERATOR(pg_catalog.=) c.initiative
		WHERE i.used_by_award IS NOT NULL AND i.used_by_award IS DISTINCT FROM f.record_id
		ORDER BY f.line LIMIT 1;
	IF FOUND THEN
		PERFORM thidua._record_fault(source, bad.line, 'initiatives',
			format('initiative "%s" is used by award record %s already', bad.initiative, bad.used_by_award),
			'unique_violation', 'An initiative counts for one award only.');
	END IF;
	SELECT f.line, f.code, c.initiative INTO bad FROM pg_temp._thidua_record_file f, unnest(f.initiatives) c(initiative)
		WHERE NOT EXISTS (SELECT 1 FROM thidua.initiative_author ia
						  WHERE ia.initiative_code OPERATOR(pg_catalog.=) c.initiative
							AND ia.person_code OPERATOR(pg_catalog.=) f.code)
		ORDER BY f.line LIMIT 1;
	IF FOUND THEN
		PERFORM thidua._record_fault(source, bad.line, 'initiatives',
			format('"%s" is not an author of initiative "%s"', bad.code, bad.initiative), 'check_violation',
			'An initiative counts for an award of one of its authors only.');
	END IF;
	PERFORM thidua._progress('checking', 100);

	-- an empty kind is the catalog's
	UPDATE pg_temp._thidua_record_file f SET kind = coalesce((SELECT w.value FROM thidua._record_words('award_kind') w
			WHERE w.word OPERATOR(pg_catalog.=) lower(normalize(f.kind_text, NFC))), a.kind)
		FROM thidua.award a WHERE a.award_code OPERATOR(pg_catalog.=) f.award;
	-- an award a nomination entered is changed only by its revocation, through
	-- the nomination (the check of the trigger _guard_nominated_award, made
	-- here for Citus, where that trigger cannot run)
	SELECT c.* INTO bad FROM (
		SELECT a.record_id, n.nomination_id, n.state,
			concat_ws(', ', CASE WHEN a.decision_date IS DISTINCT FROM f.decision_date THEN 'decision_date' END,
				CASE WHEN a.issuer IS DISTINCT FROM f.issuer THEN 'issuer' END,
				CASE WHEN a.kind IS DISTINCT FROM f.kind THEN 'kind' END) AS changed_columns,
			a.revoked_on IS DISTINCT FROM f.revoked_on AS revoking
		FROM pg_temp._thidua_record_file f
		JOIN pg_temp._thidua_record_stored a ON a.record_id OPERATOR(pg_catalog.=) f.record_id
		JOIN thidua.nomination n ON n.award_record_id OPERATOR(pg_catalog.=) a.record_id
			AND (n.person_code IS NOT NULL) OPERATOR(pg_catalog.=) (subject_column OPERATOR(pg_catalog.=) 'person')) c
		WHERE c.changed_columns OPERATOR(pg_catalog.<>) '' OR (c.revoking AND c.state OPERATOR(pg_catalog.<>) 'revoked')
		ORDER BY c.record_id LIMIT 1;
	IF bad.record_id IS NOT NULL AND bad.changed_columns OPERATOR(pg_catalog.<>) '' THEN
		RAISE EXCEPTION 'award record % was entered by nomination %: it is not changed', bad.record_id, bad.nomination_id
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = format('Changed: %s.', bad.changed_columns),
				  HINT = format('The registry keeps the decision as awarded; a wrong award is revoked through its nomination: thidua.revoke(%s, revoked_on, reason, decision).', bad.nomination_id);
	ELSIF bad.record_id IS NOT NULL AND bad.revoking AND bad.state OPERATOR(pg_catalog.<>) 'revoked' THEN
		RAISE EXCEPTION 'award record % was entered by nomination %: it is revoked through the nomination', bad.record_id, bad.nomination_id
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = format('Nomination %s is %s.', bad.nomination_id, bad.state),
				  HINT = format('thidua.revoke(%s, revoked_on, reason, decision) revokes both, and the event log records it.', bad.nomination_id);
	END IF;
	-- an initiative credited to an award a nomination entered keeps its credit
	-- (the check of the trigger _guard_nominated_initiative)
	IF subject_column OPERATOR(pg_catalog.=) 'person' THEN
		SELECT i.initiative_code, i.used_by_award, n.nomination_id, n.state INTO bad
			FROM pg_temp._thidua_record_file f
			JOIN thidua.initiative i ON i.used_by_award OPERATOR(pg_catalog.=) f.record_id
			JOIN thidua.nomination n ON n.award_record_id OPERATOR(pg_catalog.=) i.used_by_award AND n.person_code IS NOT NULL
			WHERE NOT i.initiative_code OPERATOR(pg_catalog.=) ANY (f.initiatives)
			ORDER BY i.initiative_code LIMIT 1;
		IF bad.initiative_code IS NOT NULL THEN
			RAISE EXCEPTION 'initiative "%" is credited to award record %, entered by nomination %: its credit is kept',
					bad.initiative_code, bad.used_by_award, bad.nomination_id
				USING ERRCODE = 'object_not_in_prerequisite_state',
					  DETAIL = format('Nomination %s is %s.', bad.nomination_id, bad.state),
					  HINT = format('A wrong award is revoked through its nomination: thidua.revoke(%s, revoked_on, reason, decision).', bad.nomination_id);
		END IF;
	END IF;
	SELECT count(*) FILTER (WHERE f.record_id IS NULL),
		count(*) FILTER (WHERE f.record_id IS NOT NULL AND NOT s.same), count(*) FILTER (WHERE s.same)
		INTO added, changed, unchanged
	FROM pg_temp._thidua_record_file f
	LEFT JOIN pg_temp._thidua_record_stored a ON a.record_id OPERATOR(pg_catalog.=) f.record_id
	LEFT JOIN LATERAL (SELECT (a.kind, a.decision_date, a.issuer, a.revoked_on, a.revocation_reason, a.revocation_decision)
			IS NOT DISTINCT FROM (f.kind, f.decision_date, f.issuer, f.revoked_on, f.revocation_reason, f.revocation_decision)
		AND f.initiatives OPERATOR(pg_catalog.=) ARRAY(SELECT i.initiative_code FROM thidua.initiative i
			WHERE i.used_by_award OPERATOR(pg_catalog.=) a.record_id AND subject_column OPERATOR(pg_catalog.=) 'person'
			ORDER BY i.initiative_code) AS same) s ON a.record_id IS NOT NULL;
	-- (the subject in the join as well: on Citus it routes each row to its shard)
	-- (units' awards are a Citus reference table: the file's rows passed as JSON)
	EXECUTE format($q$
		UPDATE thidua.%1$I a SET kind = f.kind, decision_date = f.decision_date, issuer = f.issuer,
			revoked_on = f.revoked_on, revocation_reason = f.revocation_reason, revocation_decision = f.revocation_decision
		FROM %3$s
		WHERE a.%2$I OPERATOR(pg_catalog.=) f.code AND a.record_id OPERATOR(pg_catalog.=) f.record_id
		  AND (a.kind, a.decision_date, a.issuer, a.revoked_on, a.revocation_reason, a.revocation_decision)
			IS DISTINCT FROM (f.kind, f.decision_date, f.issuer, f.revoked_on, f.revocation_reason, f.revocation_decision) $q$,
		target, code_column,
		CASE subject_column WHEN 'unit' THEN 'jsonb_to_recordset($1) f(code text, record_id bigint, kind text, decision_date date,
			issuer text, revoked_on date, revocation_reason text, revocation_decision text)'
			ELSE 'pg_temp._thidua_record_file f' END)
		USING CASE subject_column WHEN 'unit' THEN (SELECT jsonb_agg(to_jsonb(f)) FROM pg_temp._thidua_record_file f
			WHERE f.record_id IS NOT NULL) END;
	-- the new records numbered first, in line order, then written: no INSERT
	-- ... RETURNING feeds the file's table (Citus does not mix the two)
	WITH numbered AS (
		SELECT n.line, nextval(pg_catalog.pg_get_serial_sequence('thidua.' OPERATOR(pg_catalog.||) target, 'record_id')) AS record_id
		FROM (SELECT f.line FROM pg_temp._thidua_record_file f WHERE f.record_id IS NULL ORDER BY f.line) n)
	UPDATE pg_temp._thidua_record_file f SET record_id = n.record_id, is_new = true
		FROM numbered n WHERE n.line OPERATOR(pg_catalog.=) f.line;
	EXECUTE format($q$
		INSERT INTO thidua.%1$I (%2$I, record_id, award_code, year, kind, decision_number, decision_date, issuer,
			revoked_on, revocation_reason, revocation_decision)
		OVERRIDING SYSTEM VALUE
		SELECT f.code, f.record_id, f.award, f.year, f.kind, f.decision_number, f.decision_date, f.issuer, f.revoked_on,
			f.revocation_reason, f.revocation_decision
		FROM pg_temp._thidua_record_file f WHERE f.is_new ORDER BY f.line $q$,
		target, code_column);
	IF subject_column OPERATOR(pg_catalog.=) 'person' THEN
		-- the initiatives each award used: those of its line, no others
		-- (initiatives are a Citus reference table: the credits passed as JSON)
		UPDATE thidua.initiative i SET used_by_award = NULL
			WHERE i.initiative_code IN (SELECT x.initiative_code FROM thidua.initiative x
				JOIN pg_temp._thidua_record_file f ON x.used_by_award OPERATOR(pg_catalog.=) f.record_id
				WHERE NOT x.initiative_code OPERATOR(pg_catalog.=) ANY (f.initiatives));
		credits := (SELECT jsonb_agg(jsonb_build_object('initiative', c.initiative, 'record_id', f.record_id))
			FROM pg_temp._thidua_record_file f, unnest(f.initiatives) c(initiative));
		UPDATE thidua.initiative i SET used_by_award = c.record_id
			FROM jsonb_to_recordset(credits) c(initiative text, record_id bigint)
			WHERE i.initiative_code OPERATOR(pg_catalog.=) c.initiative
			  AND i.used_by_award IS DISTINCT FROM c.record_id;
	END IF;
	DROP TABLE pg_temp._thidua_record_stored;
	PERFORM thidua._progress('storing', 100);
END
$$;

-- Discipline: person, kind, severity, from, to, decision, note. Key: the
-- person, kind and start.
CREATE FUNCTION thidua._import_discipline(content text, source text,
										  OUT added integer, OUT changed integer, OUT unchanged integer)
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	bad record;
BEGIN
	PERFORM thidua._progress('reading', 0);
	CREATE TEMP TABLE _thidua_record_file ON COMMIT DROP AS
		SELECT r.line::bigint AS line, r.cells[1] AS code, r.cells[2] AS kind_text, k.value AS kind,
			r.cells[3] AS severity_text, s.value::thidua.discipline_severity AS severity,
			r.valid_from, r.valid_to, r.cells[6] AS decision, normalize(r.cells[7], NFC) AS note,
			NULL::bigint AS record_id
		FROM (SELECT c.line, c.cells, thidua._csv_date(c.cells[4], source, c.line, 'from') AS valid_from,
				thidua._csv_date(c.cells[5], source, c.line, 'to') AS valid_to
			  FROM thidua._csv_rows(content, source, '{person,kind,severity,from,to,decision,note}', '{person,kind,from}') c
			  OFFSET 0) r
		LEFT JOIN thidua._record_words('discipline_kind') k ON k.word OPERATOR(pg_catalog.=) lower(normalize(r.cells[2], NFC))
		LEFT JOIN thidua._record_words('severity') s ON s.word OPERATOR(pg_catalog.=) lower(normalize(r.cells[3], NFC));
	PERFORM thidua._progress('checking', 0);
	PERFORM thidua._record_file_common(source, 'person', '{"decision": 100, "note": 1000}');
	PERFORM thidua._record_file_words(source, 'kind_text', 'discipline_kind',
		'A kind is measure (kỷ luật, hình thức kỷ luật), or a proceeding: consideration (xem xét kỷ luật, đang xem xét kỷ luật), investigation (điều tra, đang bị điều tra) or complaint (khiếu nại, xác minh khiếu nại, đang xác minh khiếu nại).');
	PERFORM thidua._record_file_words(source, 'severity_text', 'severity',
		'A severity is reprimand, warning, demotion, removal or dismissal, or khiển trách, cảnh cáo, hạ bậc lương, giáng chức, cách chức, buộc thôi việc.');
	SELECT f.line, f.kind INTO bad FROM pg_temp._thidua_record_file f
		WHERE (f.kind OPERATOR(pg_catalog.=) 'measure') OPERATOR(pg_catalog.<>) (f.severity IS NOT NULL)
		ORDER BY f.line LIMIT 1;
	IF FOUND AND bad.kind OPERATOR(pg_catalog.=) 'measure' THEN
		PERFORM thidua._record_fault(source, bad.line, 'severity', 'a disciplinary measure needs its severity',
			'not_null_violation', 'reprimand, warning, demotion, removal or dismissal.');
	ELSIF FOUND THEN
		PERFORM thidua._record_fault(source, bad.line, 'severity', format('%s %s has no severity', CASE bad.kind WHEN 'investigation' THEN 'an' ELSE 'a' END, bad.kind),
			'check_violation', 'Only a measure has a severity; a proceeding is a consideration, investigation or complaint.');
	END IF;
	SELECT f.line, f.valid_from, f.valid_to INTO bad FROM pg_temp._thidua_record_file f
		WHERE f.valid_to OPERATOR(pg_catalog.<) f.valid_from ORDER BY f.line LIMIT 1;
	IF FOUND THEN
		PERFORM thidua._record_fault(source, bad.line, 'to', format('%s is before from %s', to_char(bad.valid_to, 'YYYY-MM-DD'), to_char(bad.valid_from, 'YYYY-MM-DD')),
			'check_violation');
	END IF;
	SELECT d.line, d.code, d.kind, d.valid_from, d.first INTO bad FROM (
		SELECT f.line, f.code, f.kind, f.valid_from, min(f.line) OVER (PARTITION BY f.code, f.kind, f.valid_from) AS first
		FROM pg_temp._thidua_record_file f) d
		WHERE d.line OPERATOR(pg_catalog.<>) d.first ORDER BY d.line LIMIT 1;
	IF FOUND THEN
		PERFORM thidua._record_fault(source, bad.line, 'from',
			format('the %s of "%s" from %s is given twice (line %s too)', bad.kind, bad.code, to_char(bad.valid_from, 'YYYY-MM-DD'), bad.first),
			'unique_violation');
	END IF;
	PERFORM thidua._progress('checking', 100);
	-- the stored records of the file's people, copied once (see _import_awards)
	IF to_regclass('pg_temp._thidua_record_stored') IS NOT NULL THEN
		DROP TABLE pg_temp._thidua_record_stored;
	END IF;
	CREATE TEMP TABLE _thidua_record_stored ON COMMIT DROP AS
		SELECT d.person_code, d.record_id, d.kind, d.severity, d.valid_from, d.valid_to, d.decision, d.note
		FROM thidua.discipline d JOIN (SELECT DISTINCT f.code FROM pg_temp._thidua_record_file f) k
			ON d.person_code OPERATOR(pg_catalog.=) k.code;
	UPDATE pg_temp._thidua_record_file f SET record_id = m.record_id
		FROM (SELECT d.person_code, d.kind, d.valid_from, min(d.record_id) AS record_id FROM pg_temp._thidua_record_stored d
			  GROUP BY 1, 2, 3) m
		WHERE m.person_code OPERATOR(pg_catalog.=) f.code AND m.kind OPERATOR(pg_catalog.=) f.kind
		  AND m.valid_from OPERATOR(pg_catalog.=) f.valid_from;
	SELECT count(*) FILTER (WHERE f.record_id IS NULL),
		   count(*) FILTER (WHERE f.record_id IS NOT NULL AND (d.severity, d.valid_to, d.decision, d.note)
							IS DISTINCT FROM (f.severity, f.valid_to, f.decision, f.note)),
		   count(*) FILTER (WHERE f.record_id IS NOT NULL AND (d.severity, d.valid_to, d.decision, d.note)
							IS NOT DISTINCT FROM (f.severity, f.valid_to, f.decision, f.note))
		INTO added, changed, unchanged
	FROM pg_temp._thidua_record_file f LEFT JOIN pg_temp._thidua_record_stored d ON d.record_id OPERATOR(pg_catalog.=) f.record_id;
	DROP TABLE pg_temp._thidua_record_stored;
	UPDATE thidua.discipline d SET severity = f.severity, valid_to = f.valid_to, decision = f.decision, note = f.note
		FROM pg_temp._thidua_record_file f
		WHERE d.person_code OPERATOR(pg_catalog.=) f.code AND d.record_id OPERATOR(pg_catalog.=) f.record_id
		  AND (d.severity, d.valid_to, d.decision, d.note) IS DISTINCT FROM (f.severity, f.valid_to, f.decision, f.note);
	INSERT INTO thidua.discipline (person_code, kind, severity, valid_from, valid_to, decision, note)
		SELECT f.code, f.kind, f.severity, f.valid_from, f.valid_to, f.decision, f.note
		FROM pg_temp._thidua_record_file f WHERE f.record_id IS NULL ORDER BY f.line;
	PERFORM thidua._progress('storing', 100);
END
$$;

-- The importer of a kind (given, or told by the header).
CREATE FUNCTION thidua._import_records(wanted text, content text, source text,
									   OUT kind text, OUT added integer, OUT changed integer, OUT unchanged integer)
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	header text[];
	result record;
BEGIN
	source := coalesce(source, 'input');
	IF content IS NULL THEN
		RAISE EXCEPTION '%: no file content', source USING ERRCODE = 'null_value_not_allowed';
	END IF;
	kind := lower(btrim(wanted));
	IF kind IS NULL THEN
		header := thidua._csv_header(content);
		kind := CASE WHEN 'rating' OPERATOR(pg_catalog.=) ANY (header) THEN 'ratings'
					 WHEN 'award' OPERATOR(pg_catalog.=) ANY (header) THEN 'awards'
					 WHEN 'severity' OPERATOR(pg_catalog.=) ANY (header) OR 'from' OPERATOR(pg_catalog.=) ANY (header)
						THEN 'discipline'
					 WHEN 'authors' OPERATOR(pg_catalog.=) ANY (header) OR 'scope' OPERATOR(pg_catalog.=) ANY (header)
						THEN 'initiatives' END;
		IF kind IS NULL THEN
			RAISE EXCEPTION '%:%: the header does not tell which records the file holds', source,
				thidua._csv_header_line(content)
				USING ERRCODE = 'invalid_parameter_value',
					  HINT = 'Ratings have a column rating, awards a column award, initiatives authors and scope, discipline from and severity; or give the kind (--kind ratings|initiatives|awards|discipline).';
		END IF;
	ELSIF kind NOT IN ('ratings', 'initiatives', 'awards', 'discipline') THEN
		RAISE EXCEPTION 'records of kind "%" are not known', wanted
			USING ERRCODE = 'invalid_parameter_value', HINT = 'The kinds are ratings, initiatives, awards and discipline.';
	END IF;
	IF to_regclass('pg_temp._thidua_record_file') IS NOT NULL THEN
		DROP TABLE pg_temp._thidua_record_file;
	END IF;
	-- on Citus the importers read shards in parallel, then write reference
	-- tables (initiatives) that the distributed ones refer to: one connection
	-- per node
	PERFORM thidua._sequential_on_citus();
	CASE kind
		WHEN 'ratings' THEN SELECT * INTO result FROM thidua._import_ratings(content, source);
		WHEN 'initiatives' THEN SELECT * INTO result FROM thidua._import_initiatives(content, source);
		WHEN 'awards' THEN SELECT * INTO result FROM thidua._import_awards(content, source);
		ELSE SELECT * INTO result FROM thidua._import_discipline(content, source);
	END CASE;
	DROP TABLE pg_temp._thidua_record_file;
	added := result.added;
	changed := result.changed;
	unchanged := result.unchanged;
END
$$;

-- SECURITY DEFINER: on Citus no role writes the record tables directly, so
-- writes go through these functions, executable by administrators alone
-- (90_roles.sql), who see every record anyway.
CREATE FUNCTION thidua.import_records(kind text, content text, source text DEFAULT 'input',
									  OUT kind text, OUT added integer, OUT changed integer, OUT unchanged integer)
	LANGUAGE sql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT * FROM thidua._import_records($1, $2, $3)
$$;
COMMENT ON FUNCTION thidua.import_records(text, text, text) IS
	'imports people''s and units'' records from CSV text (source names the file in errors): kind ratings (person | unit, year, rating: HTXSNV.. or the phrase in full), initiatives (code, title, scope, authors, recognition_decision, recognised_on), awards (person | unit, award, year, kind, decision_number, decision_date, issuer, initiatives, revoked_on, revocation_reason, revocation_decision) or discipline (person, kind, severity, from, to, decision, note); NULL: told by the header. Upserts by key (ratings: subject and year; initiatives: code; awards: subject, award, year, decision number; discipline: person, kind, from), all or nothing; returns the kind and how many records were added, changed, unchanged. Errors name source:line and the column: an unknown person, unit, award or initiative, a word outside its scale, a year outside 1900-2199, an award for the other subject, an initiative credited twice or to a non-author, a revocation without reason or undone, a measure without severity, to before from, a key twice';

CREATE FUNCTION thidua.import_records(kind text, content bytea, source text,
									  OUT kind text, OUT added integer, OUT changed integer, OUT unchanged integer)
	LANGUAGE sql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT * FROM thidua._import_records($1, thidua._decode_utf8($2, coalesce($3, 'input')), $3)
$$;
COMMENT ON FUNCTION thidua.import_records(text, bytea, text) IS
	'imports records from a CSV file given as bytes (UTF-8, with or without a byte-order mark; invalid UTF-8 is refused naming its line), as import_records(text, text, text) does';

-- Revokes an award received (a person's or a unit's), with its date, reason and
-- decision; final: a revocation is neither undone nor made again.
CREATE FUNCTION thidua.revoke_award(record_id bigint, revoked_on date, reason text, decision text DEFAULT NULL)
	RETURNS text
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	found_in text[] := '{}';
	holder text;
	earlier date;
	nominated record;
BEGIN
	reason := normalize(btrim(reason), NFC);
	IF revoked_on IS NULL THEN
		RAISE EXCEPTION 'revoking award record % needs the date of the revocation', record_id
			USING ERRCODE = 'invalid_parameter_value';
	ELSIF coalesce(reason, '') OPERATOR(pg_catalog.=) '' THEN
		RAISE EXCEPTION 'revoking award record % needs a reason', record_id USING ERRCODE = 'invalid_parameter_value';
	END IF;
	-- the holder first, then the row locked by holder and record: on Citus a
	-- person's awards are distributed by person, and a row is locked on its
	-- shard alone
	SELECT a.person_code INTO holder FROM thidua.individual_award a
		WHERE a.record_id OPERATOR(pg_catalog.=) revoke_award.record_id;
	IF FOUND THEN
		found_in := found_in OPERATOR(pg_catalog.||) 'individual_award'::text;
		SELECT a.revoked_on INTO earlier FROM thidua.individual_award a
			WHERE a.person_code OPERATOR(pg_catalog.=) holder AND a.record_id OPERATOR(pg_catalog.=) revoke_award.record_id
			FOR UPDATE;
	END IF;
	IF EXISTS (SELECT 1 FROM thidua.unit_award a WHERE a.record_id OPERATOR(pg_catalog.=) revoke_award.record_id) THEN
		found_in := found_in OPERATOR(pg_catalog.||) 'unit_award'::text;
		SELECT a.unit_code, a.revoked_on INTO holder, earlier FROM thidua.unit_award a
			WHERE a.record_id OPERATOR(pg_catalog.=) revoke_award.record_id FOR UPDATE;
	END IF;
	IF cardinality(found_in) OPERATOR(pg_catalog.=) 0 THEN
		RAISE EXCEPTION 'award record % does not exist', record_id USING ERRCODE = 'no_data_found';
	ELSIF cardinality(found_in) OPERATOR(pg_catalog.>) 1 THEN
		RAISE EXCEPTION 'award record % is both a person''s award and a unit''s', record_id
			USING ERRCODE = 'ambiguous_parameter',
				  HINT = 'Set revoked_on, revocation_reason and revocation_decision of the one meant in thidua.individual_award or thidua.unit_award.';
	END IF;
	-- an award a nomination entered is revoked through the nomination (the
	-- check of the trigger _guard_nominated_award, made here for Citus)
	SELECT n.nomination_id, n.state INTO nominated FROM thidua.nomination n
		WHERE n.award_record_id OPERATOR(pg_catalog.=) revoke_award.record_id
		  AND (n.person_code IS NOT NULL) OPERATOR(pg_catalog.=) (found_in[1] OPERATOR(pg_catalog.=) 'individual_award');
	IF earlier IS NOT NULL THEN
		RAISE EXCEPTION 'award record % of "%" was revoked on % already', record_id, holder, to_char(earlier, 'YYYY-MM-DD')
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'A revocation is neither undone nor made again.';
	ELSIF nominated.nomination_id IS NOT NULL AND nominated.state OPERATOR(pg_catalog.<>) 'revoked' THEN
		RAISE EXCEPTION 'award record % was entered by nomination %: it is revoked through the nomination', record_id,
				nominated.nomination_id
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = format('Nomination %s is %s.', nominated.nomination_id, nominated.state),
				  HINT = format('thidua.revoke(%s, revoked_on, reason, decision) revokes both, and the event log records it.', nominated.nomination_id);
	END IF;
	EXECUTE format('UPDATE thidua.%I a SET revoked_on = $1, revocation_reason = $2, revocation_decision = $3
		WHERE a.%I OPERATOR(pg_catalog.=) $5 AND a.record_id OPERATOR(pg_catalog.=) $4', found_in[1],
		CASE found_in[1] WHEN 'individual_award' THEN 'person_code' ELSE 'unit_code' END)
		USING revoked_on, reason, decision, record_id, holder;
	RETURN 'revoked';
END
$$;
COMMENT ON FUNCTION thidua.revoke_award(bigint, date, text, text) IS
	'revokes the award record record_id (thidua.individual_award or thidua.unit_award) on a date, with a reason (required) and the revoking decision; returns revoked. A revoked award stays on record and counts nowhere; revoking it again is an error, and no route undoes a revocation';
