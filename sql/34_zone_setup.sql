-- thidua SQL source: a zone set up without writing SQL.
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
--
-- The set-up functions run with the owner's rights (SECURITY DEFINER; EXECUTE:
-- thidua_admin only, 90_roles.sql): on Citus no role writes thidua's tables
-- directly. Who acted is the login role (session_user, the columns' default),
-- never the owner.

-- The units of a file: code, name, parent (a unit of the file or of the
-- database), kind (default agency). Upserts by code.
CREATE FUNCTION thidua.import_units(content text, source text DEFAULT 'input',
									OUT added integer, OUT changed integer, OUT unchanged integer)
	LANGUAGE plpgsql SECURITY DEFINER
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

-- The same from the file's bytes (the client streams files as bytes):
-- invalid UTF-8, a NUL byte included, is refused naming its line.
CREATE FUNCTION thidua.import_units(data bytea, source text,
									OUT added integer, OUT changed integer, OUT unchanged integer)
	LANGUAGE sql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT * FROM thidua.import_units(thidua._decode_utf8(data, coalesce(source, 'input')), source)
$$;
COMMENT ON FUNCTION thidua.import_units(bytea, text) IS
	'imports units from a CSV file given as bytes (UTF-8, with or without a byte-order mark; invalid UTF-8 is refused naming its line), as import_units(text, text) does';

-- People from a CSV file: one row per person and unit membership, with an
-- optional post held in that unit (columns code, name, sex, date_of_birth,
-- unit, unit_from, unit_to, post, post_from, post_to). A person with several
-- posts or units takes several rows that agree on name, sex and date of birth.
CREATE FUNCTION thidua.import_people(content text, source text DEFAULT 'input',
									 OUT added integer, OUT changed integer, OUT unchanged integer,
									 OUT memberships integer, OUT posts integer)
	LANGUAGE plpgsql SECURITY DEFINER
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
	overlap record;
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
	-- the periods of one post of a person do not overlap, in the file or with
	-- those stored (a stored period the file gives again is the file's)
	WITH file AS (
		SELECT (h.value ->> 'line')::integer AS line, h.value ->> 'person' AS person, h.value ->> 'post' AS post,
			(h.value ->> 'from')::date AS valid_from, (h.value ->> 'until')::date AS valid_to
		FROM jsonb_each(held) h
	), every_period AS (
		SELECT f.* FROM file f
		UNION ALL
		SELECT NULL, p.person_code, p.post, p.valid_from, p.valid_to FROM thidua.post_held p
		WHERE p.person_code OPERATOR(pg_catalog.=) ANY (SELECT f.person FROM file f)
		  AND NOT held OPERATOR(pg_catalog.?) concat_ws('|', p.person_code, p.post, p.valid_from)
	)
	SELECT f.line, f.person, f.post, f.valid_from, o.valid_from AS other_from, o.line AS other_line INTO overlap
	FROM file f JOIN every_period o ON o.person OPERATOR(pg_catalog.=) f.person AND o.post OPERATOR(pg_catalog.=) f.post
		AND o.valid_from OPERATOR(pg_catalog.<>) f.valid_from
		AND (o.line IS NULL OR o.line OPERATOR(pg_catalog.<) f.line)
		AND daterange(o.valid_from, o.valid_to) OPERATOR(pg_catalog.&&) daterange(f.valid_from, f.valid_to)
	ORDER BY f.line, o.line NULLS FIRST LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION '%:%: column "post_from": the post "%" of "%" from % overlaps its period from % (%)', source,
			overlap.line, overlap.post, overlap.person, to_char(overlap.valid_from, 'YYYY-MM-DD'),
			to_char(overlap.other_from, 'YYYY-MM-DD'),
			CASE WHEN overlap.other_line IS NULL THEN 'stored' ELSE 'line ' || overlap.other_line END
			USING ERRCODE = 'exclusion_violation',
				  HINT = 'A post is held once at a time: end one period (post_to) on or before the next starts.';
	END IF;

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
	-- the rows written, counted before the writes (on Citus an upsert's row
	-- count includes the rows its WHERE left as they were)
	SELECT count(*) INTO memberships
	FROM jsonb_each(units) m LEFT JOIN thidua.membership s
		ON s.person_code OPERATOR(pg_catalog.=) (m.value ->> 'person') AND s.unit_code OPERATOR(pg_catalog.=) (m.value ->> 'unit')
		AND s.valid_from OPERATOR(pg_catalog.=) (m.value ->> 'from')::date
	WHERE s.person_code IS NULL OR s.valid_to IS DISTINCT FROM (m.value ->> 'until')::date;
	SELECT count(*) INTO posts
	FROM jsonb_each(held) h LEFT JOIN thidua.post_held s
		ON s.person_code OPERATOR(pg_catalog.=) (h.value ->> 'person') AND s.post OPERATOR(pg_catalog.=) (h.value ->> 'post')
		AND s.valid_from OPERATOR(pg_catalog.=) (h.value ->> 'from')::date
	WHERE s.person_code IS NULL
	   OR (s.unit_code, s.valid_to) IS DISTINCT FROM (h.value ->> 'unit', (h.value ->> 'until')::date);
	INSERT INTO thidua.membership (person_code, unit_code, valid_from, valid_to)
		SELECT m.value ->> 'person', m.value ->> 'unit', (m.value ->> 'from')::date, (m.value ->> 'until')::date
		FROM jsonb_each(units) m
		ON CONFLICT (person_code, unit_code, valid_from) DO UPDATE SET valid_to = excluded.valid_to
		WHERE membership.valid_to IS DISTINCT FROM excluded.valid_to;
	INSERT INTO thidua.post_held (person_code, unit_code, post, valid_from, valid_to)
		SELECT h.value ->> 'person', h.value ->> 'unit', h.value ->> 'post', (h.value ->> 'from')::date,
			(h.value ->> 'until')::date
		FROM jsonb_each(held) h
		ON CONFLICT (person_code, post, valid_from) DO UPDATE SET unit_code = excluded.unit_code, valid_to = excluded.valid_to
		WHERE (post_held.unit_code, post_held.valid_to) IS DISTINCT FROM (excluded.unit_code, excluded.valid_to);
END
$$;
COMMENT ON FUNCTION thidua.import_people(text, text) IS
	'imports people from CSV text (columns code, name, sex [male, female, nam, nữ], date_of_birth, unit, unit_from, unit_to, post, post_from, post_to; one row per membership, with an optional post; dates 2024-03-15 or 15/03/2024): upserts people by code, memberships by person, unit and start, posts by person, post and start; all or nothing; returns people added, changed, unchanged and the memberships and posts written. Errors name source:line and the column; periods of one post of a person that overlap (in the file or with those stored) are an error';

-- The same from the file's bytes.
CREATE FUNCTION thidua.import_people(data bytea, source text,
									 OUT added integer, OUT changed integer, OUT unchanged integer,
									 OUT memberships integer, OUT posts integer)
	LANGUAGE sql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT * FROM thidua.import_people(thidua._decode_utf8(data, coalesce(source, 'input')), source)
$$;
COMMENT ON FUNCTION thidua.import_people(bytea, text) IS
	'imports people from a CSV file given as bytes (UTF-8, with or without a byte-order mark; invalid UTF-8 is refused naming its line), as import_people(text, text) does';

-- Opens a period: creates it (open), or says it is open already.
CREATE FUNCTION thidua.open_period(period text, year integer DEFAULT NULL) RETURNS text
	LANGUAGE plpgsql SECURITY DEFINER
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
	LANGUAGE plpgsql SECURITY DEFINER
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

-- Standings are official: a bloc scores with a published (or retired)
-- version, never a draft (the check of _guard_bloc_period_version, made here
-- since Citus has no such trigger; on one server it fires first).
CREATE FUNCTION thidua._refuse_draft_version(bloc text, period text, criteria_version text) RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	IF (SELECT v.status FROM thidua.criteria_version v
		WHERE v.version_code OPERATOR(pg_catalog.=) criteria_version) OPERATOR(pg_catalog.=) 'draft' THEN
		RAISE EXCEPTION 'criteria version "%" is a draft: bloc "%" cannot score with it in period "%"',
			criteria_version, bloc, period
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Publish the version first (thidua.publish_version).';
	END IF;
END
$$;

-- A bloc's settings for a period: created with a criteria version, then
-- changed field by field (NULL: keep). result_rounding 'exact' or a digit;
-- 'default' goes back to the criteria version's own setting.
CREATE FUNCTION thidua.set_bloc_settings(bloc text, period text, criteria_version text DEFAULT NULL,
										 peer_method text DEFAULT NULL, peer_trim integer DEFAULT NULL,
										 quorum integer DEFAULT NULL, result_rounding text DEFAULT NULL)
	RETURNS text
	LANGUAGE plpgsql SECURITY DEFINER
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
		PERFORM thidua._refuse_closed_period(period, 'bloc periods');
		PERFORM thidua._refuse_draft_version(bloc, period, criteria_version);
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
	PERFORM thidua._refuse_closed_period(period, 'bloc periods');
	PERFORM thidua._refuse_draft_version(bloc, period, wanted.criteria_version);
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
	LANGUAGE plpgsql SECURITY DEFINER
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
	IF added OPERATOR(pg_catalog.+) changed OPERATOR(pg_catalog.>) 0 THEN
		PERFORM thidua._refuse_closed_period(period, 'bloc members');
	END IF;
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

-- The same from the file's bytes.
CREATE FUNCTION thidua.import_bloc_members(bloc text, period text, data bytea, source text,
										   OUT added integer, OUT changed integer, OUT unchanged integer, OUT kept integer)
	LANGUAGE sql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT * FROM thidua.import_bloc_members(bloc, period, thidua._decode_utf8(data, coalesce(source, 'input')), source)
$$;
COMMENT ON FUNCTION thidua.import_bloc_members(text, text, bytea, text) IS
	'imports the members of a bloc in a period from a CSV file given as bytes (UTF-8, with or without a byte-order mark; invalid UTF-8 is refused naming its line), as import_bloc_members(text, text, text, text) does';

-- The emulation pact from a CSV file: one row per unit and target registered
-- (columns unit, signed_on, target, value). A unit's rows replace its targets.
CREATE FUNCTION thidua.import_pact(bloc text, period text, content text, source text DEFAULT 'input',
								   OUT added integer, OUT changed integer, OUT unchanged integer, OUT targets integer)
	LANGUAGE plpgsql SECURITY DEFINER
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
	IF added OPERATOR(pg_catalog.+) changed OPERATOR(pg_catalog.>) 0 THEN
		PERFORM thidua._refuse_closed_period(period, 'pacts');
	END IF;
	INSERT INTO thidua.pact AS p (bloc_code, period_code, unit_code, signed_on, targets)
		SELECT bloc, period, f.key, (f.value ->> 'signed_on')::date, f.value -> 'targets' FROM jsonb_each(pacts) f
		ON CONFLICT (bloc_code, period_code, unit_code) DO UPDATE SET signed_on = excluded.signed_on, targets = excluded.targets
		WHERE (p.signed_on, p.targets) IS DISTINCT FROM (excluded.signed_on, excluded.targets);
END
$$;
COMMENT ON FUNCTION thidua.import_pact(text, text, text, text) IS
	'imports the emulation pact of a bloc in a period from CSV text (columns unit, signed_on, target, value: one row per target registered, values exact decimals): a unit''s rows replace its signing date and targets, all or nothing; returns units added, changed, unchanged and the targets read. Errors name source:line and the column';

-- The same from the file's bytes.
CREATE FUNCTION thidua.import_pact(bloc text, period text, data bytea, source text,
								   OUT added integer, OUT changed integer, OUT unchanged integer, OUT targets integer)
	LANGUAGE sql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT * FROM thidua.import_pact(bloc, period, thidua._decode_utf8(data, coalesce(source, 'input')), source)
$$;
COMMENT ON FUNCTION thidua.import_pact(text, text, bytea, text) IS
	'imports the emulation pact of a bloc in a period from a CSV file given as bytes (UTF-8, with or without a byte-order mark; invalid UTF-8 is refused naming its line), as import_pact(text, text, text, text) does';

-- A veto caps a member's class; a lifted veto stays on record.
CREATE FUNCTION thidua.add_veto(bloc text, period text, unit text, reason text) RETURNS text
	LANGUAGE plpgsql SECURITY DEFINER
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
		PERFORM thidua._refuse_closed_period(period, 'vetoes');
		INSERT INTO thidua.veto (bloc_code, period_code, unit_code, reason) VALUES (bloc, period, unit, reason);
		RETURN 'vetoed';
	ELSIF existing.lifted_at IS NULL THEN
		RETURN 'vetoed already';
	END IF;
	PERFORM thidua._refuse_closed_period(period, 'vetoes');
	UPDATE thidua.veto v SET reason = add_veto.reason, lifted_at = NULL, lifted_by = NULL, lifted_reason = NULL
		WHERE v.bloc_code OPERATOR(pg_catalog.=) bloc AND v.period_code OPERATOR(pg_catalog.=) period
		  AND v.unit_code OPERATOR(pg_catalog.=) unit;
	RETURN 'vetoed again';
END
$$;
COMMENT ON FUNCTION thidua.add_veto(text, text, text, text) IS
	'vetoes a member of a bloc in a period (its class is capped by the criteria version''s veto), with a reason; returns vetoed, vetoed already, or vetoed again (a lifted veto)';

CREATE FUNCTION thidua.remove_veto(bloc text, period text, unit text, reason text) RETURNS text
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	IF coalesce(btrim(reason), '') OPERATOR(pg_catalog.=) '' THEN
		RAISE EXCEPTION 'lifting the veto of "%" needs a reason', unit USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF EXISTS (SELECT 1 FROM thidua.veto v WHERE v.bloc_code OPERATOR(pg_catalog.=) bloc
			AND v.period_code OPERATOR(pg_catalog.=) period AND v.unit_code OPERATOR(pg_catalog.=) unit
			AND v.lifted_at IS NULL) THEN
		PERFORM thidua._refuse_closed_period(period, 'vetoes');
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
	LANGUAGE plpgsql SECURITY DEFINER
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
	PERFORM thidua._refuse_closed_period(period, 'recusals');
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
	LANGUAGE plpgsql SECURITY DEFINER
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
		IF EXISTS (SELECT 1 FROM thidua.bloc_member m WHERE m.bloc_code OPERATOR(pg_catalog.=) bloc
				AND m.period_code OPERATOR(pg_catalog.=) period AND m.unit_code OPERATOR(pg_catalog.=) unit
				AND m.status OPERATOR(pg_catalog.<>) 'active') THEN
			PERFORM thidua._refuse_closed_period(period, 'bloc members');
		END IF;
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
	-- from the date do not count (thidua._evaluation_scores: judge_left), and it is not ranked
	IF EXISTS (SELECT 1 FROM thidua.bloc_member m WHERE m.bloc_code OPERATOR(pg_catalog.=) bloc
			AND m.period_code OPERATOR(pg_catalog.=) period AND m.unit_code OPERATOR(pg_catalog.=) unit
			AND (m.status, m.status_date, m.merged_into, m.status_reason) IS DISTINCT FROM
				(set_member_status.status, effective, set_member_status.merged_into, reason)) THEN
		PERFORM thidua._refuse_closed_period(period, 'bloc members');
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
	'a member leaving during the year: status withdrawn or merged (merged_into: the unit it merged into) from a date of the period''s year, with a reason; active takes it back. From that date it neither judges nor is judged: evaluations naming it cannot be filed, peer scores it filed on or after the date do not count; the standings list it last, unranked, without class, flagged withdrawn:DATE or merged_into:UNIT:DATE';

-- Removes a member that nothing depends on (see _guard_member_dependents).
CREATE FUNCTION thidua.remove_member(bloc text, period text, unit text) RETURNS text
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	dependents text;
BEGIN
	PERFORM thidua._member_or_error(bloc, period, unit, 'unit');
	-- what _guard_member_dependents checks (Citus has no such trigger; on one
	-- server this fires first, with its messages)
	PERFORM thidua._refuse_closed_period(period, 'bloc members');
	dependents := thidua._member_dependents(bloc, period, unit);
	IF dependents IS NOT NULL THEN
		RAISE EXCEPTION 'unit "%" cannot be removed from bloc "%" in period "%": these name it: %',
			unit, bloc, period, dependents
			USING ERRCODE = 'dependent_objects_still_exist',
				  HINT = 'A member that leaves during the year keeps its history: thidua.set_member_status(bloc, period, unit, ''withdrawn'' or ''merged'', date, ...) (thidua bloc withdraw).';
	END IF;
	DELETE FROM thidua.bloc_member m WHERE m.bloc_code OPERATOR(pg_catalog.=) bloc
		AND m.period_code OPERATOR(pg_catalog.=) period AND m.unit_code OPERATOR(pg_catalog.=) unit;
	RETURN 'removed';
END
$$;
COMMENT ON FUNCTION thidua.remove_member(text, text, text) IS
	'removes a member from a bloc in a period; refused, naming what depends on it (evaluations, adjustments, pact, recusals, veto), when anything does: a member that leaves keeps its history through set_member_status';

-- What names a member of a bloc in a period ("evaluations: 3, pact: 1"), or
-- NULL. The bloc's evaluations are counted in a query of their own (on Citus,
-- one task on the worker holding them).
CREATE FUNCTION thidua._member_dependents(bloc text, period text, unit text) RETURNS text
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	evaluations bigint;
	dependents text;
BEGIN
	EXECUTE 'SELECT count(*) FROM thidua.evaluation e
		WHERE e.bloc_code OPERATOR(pg_catalog.=) $1 AND e.period_code OPERATOR(pg_catalog.=) $2
		  AND $3 OPERATOR(pg_catalog.=) ANY (ARRAY[e.unit_code, e.judge_code])'
		INTO evaluations USING bloc, period, unit;
	SELECT string_agg(d.what || ': ' || d.n, ', ' ORDER BY d.k) INTO dependents FROM (
		SELECT 1 AS k, evaluations AS n, 'evaluations' AS what
		UNION ALL
		SELECT 2, count(*), 'adjustments' FROM thidua.adjustment a
			WHERE a.bloc_code OPERATOR(pg_catalog.=) bloc AND a.period_code OPERATOR(pg_catalog.=) period
			  AND a.unit_code OPERATOR(pg_catalog.=) unit
		UNION ALL
		SELECT 3, count(*), 'pact' FROM thidua.pact p
			WHERE p.bloc_code OPERATOR(pg_catalog.=) bloc AND p.period_code OPERATOR(pg_catalog.=) period
			  AND p.unit_code OPERATOR(pg_catalog.=) unit
		UNION ALL
		SELECT 4, count(*), 'recusals' FROM thidua.recusal r
			WHERE r.bloc_code OPERATOR(pg_catalog.=) bloc AND r.period_code OPERATOR(pg_catalog.=) period
			  AND unit OPERATOR(pg_catalog.=) ANY (ARRAY[r.unit_code, r.judge_code])
		UNION ALL
		SELECT 5, count(*), 'veto' FROM thidua.veto v
			WHERE v.bloc_code OPERATOR(pg_catalog.=) bloc AND v.period_code OPERATOR(pg_catalog.=) period
			  AND v.unit_code OPERATOR(pg_catalog.=) unit) d
	WHERE d.n OPERATOR(pg_catalog.>) 0;
	RETURN dependents;
END
$$;

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
	dependents := thidua._member_dependents(OLD.bloc_code, OLD.period_code, OLD.unit_code);
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
