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
