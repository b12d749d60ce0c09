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
BEGIN
	SELECT * INTO settings FROM thidua.bloc_period bp
		WHERE bp.bloc_code OPERATOR(pg_catalog.=) bloc AND bp.period_code OPERATOR(pg_catalog.=) period;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'bloc "%" has no settings for period "%"', bloc, period
			USING ERRCODE = 'no_data_found', HINT = 'Rows of thidua.bloc_period name the criteria version and peer method.';
	END IF;

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
		SELECT p.unit_code, count(*)::integer AS judges,
			CASE WHEN settings.peer_method OPERATOR(pg_catalog.=) 'trimmed_mean'
				 THEN thidua.trimmed_mean(p.total, settings.peer_trim) ELSE avg(p.total) END AS result
		FROM peer p GROUP BY p.unit_code
	), peer_key AS (
		-- each tie-break key aggregated across the judges by the same method as the total
		SELECT p.unit_code, k.n, min(k.key) AS key, min(k.better) AS better,
			CASE WHEN settings.peer_method OPERATOR(pg_catalog.=) 'trimmed_mean'
				 THEN thidua.trimmed_mean(p.tie_keys[k.n], settings.peer_trim)
				 ELSE avg(p.tie_keys[k.n]) END AS points
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
			pt.result + coalesce(ad.points, 0) AS final_total,
			EXISTS (SELECT 1 FROM vetoed v WHERE v.unit_code OPERATOR(pg_catalog.=) m.unit_code) AS is_vetoed,
			c.consensus_rank,
			-- the version's tie-break order as one vector, larger is better
			(SELECT array_agg(CASE WHEN k.key OPERATOR(pg_catalog.=) 'total' THEN pt.result + coalesce(ad.points, 0)
								   WHEN k.better OPERATOR(pg_catalog.=) 'lower' THEN -k.points
								   ELSE k.points END ORDER BY k.n)
			 FROM peer_key k WHERE k.unit_code OPERATOR(pg_catalog.=) m.unit_code) AS sort_key,
			(SELECT jsonb_agg(jsonb_build_object('key', k.key, 'better', k.better,
				'points', CASE WHEN k.key OPERATOR(pg_catalog.=) 'total' THEN pt.result + coalesce(ad.points, 0)
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
BEGIN
	SELECT * INTO settings FROM thidua.bloc_period bp
		WHERE bp.bloc_code OPERATOR(pg_catalog.=) bloc AND bp.period_code OPERATOR(pg_catalog.=) period;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'bloc "%" has no settings for period "%"', bloc, period
			USING ERRCODE = 'no_data_found', HINT = 'Rows of thidua.bloc_period name the criteria version and peer method.';
	END IF;

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
	), peer_total AS (
		SELECT p.unit_code, count(*)::integer AS judges,
			CASE WHEN settings.peer_method OPERATOR(pg_catalog.=) 'trimmed_mean'
				 THEN thidua.trimmed_mean(p.total, settings.peer_trim) ELSE avg(p.total) END AS result
		FROM peer p GROUP BY p.unit_code
	), peer_key AS (
		-- each tie-break key aggregated across the judges by the same method as the total
		SELECT p.unit_code, k.n, min(k.key) AS key, min(k.better) AS better,
			CASE WHEN settings.peer_method OPERATOR(pg_catalog.=) 'trimmed_mean'
				 THEN thidua.trimmed_mean(p.tie_keys[k.n], settings.peer_trim)
				 ELSE avg(p.tie_keys[k.n]) END AS points
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
			pt.result + coalesce(ad.points, 0) AS final_total,
			EXISTS (SELECT 1 FROM vetoed v WHERE v.unit_code OPERATOR(pg_catalog.=) m.unit_code) AS is_vetoed,
			c.consensus_rank,
			-- the version's tie-break order as one vector, larger is better
			(SELECT array_agg(CASE WHEN k.key OPERATOR(pg_catalog.=) 'total' THEN pt.result + coalesce(ad.points, 0)
								   WHEN k.better OPERATOR(pg_catalog.=) 'lower' THEN -k.points
								   ELSE k.points END ORDER BY k.n)
			 FROM peer_key k WHERE k.unit_code OPERATOR(pg_catalog.=) m.unit_code) AS sort_key,
			(SELECT jsonb_agg(jsonb_build_object('key', k.key, 'better', k.better,
				'points', CASE WHEN k.key OPERATOR(pg_catalog.=) 'total' THEN pt.result + coalesce(ad.points, 0)
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

-- Setting up a zone (34_zone_setup.sql): administrators only.
REVOKE EXECUTE ON FUNCTION thidua.import_units(text, text), thidua.import_people(text, text),
	thidua.open_period(text, integer), thidua.create_bloc(text, text, text),
	thidua.set_bloc_settings(text, text, text, text, integer, integer, text),
	thidua.import_bloc_members(text, text, text, text), thidua.import_pact(text, text, text, text),
	thidua.add_veto(text, text, text, text), thidua.remove_veto(text, text, text, text),
	thidua.add_recusal(text, text, text, text, text),
	thidua.set_member_status(text, text, text, text, date, text, text), thidua.remove_member(text, text, text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION thidua._guard_member_dependents(), thidua._guard_departed_member() FROM PUBLIC;

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
		thidua.publish_standings(text, text, text), thidua.import_scores(text, text, text) TO thidua_admin;
	-- setting up a zone (34_zone_setup.sql)
	GRANT EXECUTE ON FUNCTION thidua.import_units(text, text), thidua.import_people(text, text),
		thidua.open_period(text, integer), thidua.create_bloc(text, text, text),
		thidua.set_bloc_settings(text, text, text, text, integer, integer, text),
		thidua.import_bloc_members(text, text, text, text), thidua.import_pact(text, text, text, text),
		thidua.add_veto(text, text, text, text), thidua.remove_veto(text, text, text, text),
		thidua.add_recusal(text, text, text, text, text),
		thidua.set_member_status(text, text, text, text, date, text, text), thidua.remove_member(text, text, text)
		TO thidua_admin;

	-- thidua_scorer: the scores of the units its role is mapped to (policies),
	-- the people of those units, and what scoring needs to read.
	GRANT SELECT ON thidua.unit, thidua.period, thidua.bloc, thidua.bloc_period, thidua.bloc_member,
		thidua.period_event, thidua.role_unit, thidua.individual, thidua.membership, thidua.post_held TO thidua_scorer;
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
