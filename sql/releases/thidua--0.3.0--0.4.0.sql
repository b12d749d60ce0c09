-- thidua 0.4.0: units and people, periods, emulation blocs and zones, staged
-- evaluations (self, peer, appraisal) and standings.
\echo Use "ALTER EXTENSION thidua UPDATE TO '0.4.0'" to load this file. \quit

SELECT thidua._require_library('0.4.0');

------------------------------------------------------------------------------
-- Units and people
------------------------------------------------------------------------------

-- Agencies and their sub-units, as a tree (a department, its divisions, the
-- district offices).
CREATE TABLE thidua.unit (
	unit_code text PRIMARY KEY CHECK (unit_code ~ '^[[:alnum:]][[:alnum:]._-]{0,63}$'),
	name text NOT NULL CHECK (name <> ''),
	parent_code text REFERENCES thidua.unit,
	kind text NOT NULL DEFAULT 'agency' CHECK (kind ~ '^[a-z_]{1,32}$'),
	CHECK (parent_code IS DISTINCT FROM unit_code)
);
COMMENT ON TABLE thidua.unit IS 'agencies and sub-units (đơn vị), as a tree';

-- A unit may not be its own ancestor.
CREATE FUNCTION thidua._guard_unit_tree() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	IF NEW.parent_code IS NOT NULL AND EXISTS (
		WITH RECURSIVE ancestors(code, depth) AS (
			SELECT NEW.parent_code, 1
			UNION ALL
			SELECT u.parent_code, a.depth + 1 FROM thidua.unit u JOIN ancestors a ON u.unit_code OPERATOR(pg_catalog.=) a.code
			WHERE u.parent_code IS NOT NULL AND a.depth < 1000)
		SELECT 1 FROM ancestors WHERE code OPERATOR(pg_catalog.=) NEW.unit_code) THEN
		RAISE EXCEPTION 'unit "%" cannot have "%" as parent: that would make a cycle', NEW.unit_code, NEW.parent_code
			USING ERRCODE = 'check_violation';
	END IF;
	RETURN NEW;
END
$$;
CREATE TRIGGER unit_tree_without_cycles BEFORE INSERT OR UPDATE OF parent_code ON thidua.unit
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_unit_tree();

CREATE TABLE thidua.individual (
	person_code text PRIMARY KEY CHECK (person_code ~ '^[[:alnum:]][[:alnum:]._-]{0,63}$'),
	full_name text NOT NULL CHECK (full_name <> ''),
	sex text NOT NULL CHECK (sex IN ('male', 'female')),
	date_of_birth date
);
COMMENT ON TABLE thidua.individual IS 'civil servants and employees (cá nhân); sex matters for some awards';

-- Membership of a unit and posts held, with dates: eligibility reads them.
CREATE TABLE thidua.membership (
	person_code text NOT NULL REFERENCES thidua.individual,
	unit_code text NOT NULL REFERENCES thidua.unit,
	valid_from date NOT NULL,
	valid_to date,
	PRIMARY KEY (person_code, unit_code, valid_from),
	CHECK (valid_to IS NULL OR valid_to > valid_from)
);
CREATE TABLE thidua.post_held (
	person_code text NOT NULL REFERENCES thidua.individual,
	unit_code text NOT NULL REFERENCES thidua.unit,
	post text NOT NULL CHECK (post <> ''),
	valid_from date NOT NULL,
	valid_to date,
	PRIMARY KEY (person_code, post, valid_from),
	CHECK (valid_to IS NULL OR valid_to > valid_from)
);
COMMENT ON TABLE thidua.post_held IS 'posts held (e.g. giám đốc, phó giám đốc) with dates';

------------------------------------------------------------------------------
-- Periods, blocs and zones
------------------------------------------------------------------------------

CREATE TABLE thidua.period (
	period_code text PRIMARY KEY CHECK (period_code ~ '^[[:alnum:]][[:alnum:]._-]{0,31}$'),
	year integer NOT NULL UNIQUE CHECK (year BETWEEN 1900 AND 2199),
	status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
	closed_at timestamptz,
	closed_by text
);
COMMENT ON TABLE thidua.period IS 'emulation years; a closed period accepts no more scores';

CREATE TABLE thidua.bloc (
	bloc_code text PRIMARY KEY CHECK (bloc_code ~ '^[[:alnum:]][[:alnum:]._-]{0,63}$'),
	name text NOT NULL CHECK (name <> ''),
	kind text NOT NULL CHECK (kind IN ('bloc', 'zone'))
);
COMMENT ON TABLE thidua.bloc IS 'emulation blocs (khối thi đua, in a province) and zones (cụm/khu vực, across provinces)';

-- A bloc in a period: its criteria version, how peers' scores combine, the quorum.
CREATE TABLE thidua.bloc_period (
	bloc_code text NOT NULL REFERENCES thidua.bloc,
	period_code text NOT NULL REFERENCES thidua.period,
	criteria_version text NOT NULL REFERENCES thidua.criteria_version,
	peer_method text NOT NULL DEFAULT 'trimmed_mean' CHECK (peer_method IN ('mean', 'trimmed_mean', 'schulze')),
	peer_trim integer NOT NULL DEFAULT 1 CHECK (peer_trim >= 0),
	quorum integer NOT NULL DEFAULT 1 CHECK (quorum >= 0),
	PRIMARY KEY (bloc_code, period_code)
);
COMMENT ON TABLE thidua.bloc_period IS
	'a bloc''s settings for a period: criteria version, peer method (mean, trimmed_mean with peer_trim, schulze), quorum of peer judges';

-- Members and their roles for the year; the history is one row per period.
CREATE TABLE thidua.bloc_member (
	bloc_code text NOT NULL,
	period_code text NOT NULL,
	unit_code text NOT NULL REFERENCES thidua.unit,
	role text NOT NULL DEFAULT 'member' CHECK (role IN ('head', 'deputy', 'member')),
	PRIMARY KEY (bloc_code, period_code, unit_code),
	FOREIGN KEY (bloc_code, period_code) REFERENCES thidua.bloc_period
);
CREATE UNIQUE INDEX bloc_member_one_head ON thidua.bloc_member (bloc_code, period_code) WHERE role = 'head';
COMMENT ON TABLE thidua.bloc_member IS 'members of a bloc or zone in a period, with their role (trưởng, phó, thành viên)';

-- The emulation pact (giao ước thi đua): who signed, and the targets registered.
CREATE TABLE thidua.pact (
	bloc_code text NOT NULL,
	period_code text NOT NULL,
	unit_code text NOT NULL,
	signed_on date NOT NULL,
	targets jsonb NOT NULL DEFAULT '{}',
	PRIMARY KEY (bloc_code, period_code, unit_code),
	FOREIGN KEY (bloc_code, period_code, unit_code) REFERENCES thidua.bloc_member
);

-- A declared conflict of interest: the judge's scores of that unit do not count.
CREATE TABLE thidua.recusal (
	bloc_code text NOT NULL,
	period_code text NOT NULL,
	judge_code text NOT NULL,
	unit_code text NOT NULL,
	reason text NOT NULL CHECK (reason <> ''),
	PRIMARY KEY (bloc_code, period_code, judge_code, unit_code),
	FOREIGN KEY (bloc_code, period_code, judge_code) REFERENCES thidua.bloc_member,
	FOREIGN KEY (bloc_code, period_code, unit_code) REFERENCES thidua.bloc_member
);

-- A veto caps the unit's class (e.g. a member under discipline).
CREATE TABLE thidua.veto (
	bloc_code text NOT NULL,
	period_code text NOT NULL,
	unit_code text NOT NULL,
	reason text NOT NULL CHECK (reason <> ''),
	PRIMARY KEY (bloc_code, period_code, unit_code),
	FOREIGN KEY (bloc_code, period_code, unit_code) REFERENCES thidua.bloc_member
);

------------------------------------------------------------------------------
-- Evaluations in stages; every stage keeps its own numbers
------------------------------------------------------------------------------

-- One scoring of a unit: by itself (self) or by another member (peer).
CREATE TABLE thidua.evaluation (
	evaluation_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	bloc_code text NOT NULL,
	period_code text NOT NULL,
	unit_code text NOT NULL,
	stage text NOT NULL CHECK (stage IN ('self', 'peer')),
	judge_code text NOT NULL,
	confirmed_by text,
	created_at timestamptz NOT NULL DEFAULT now(),
	created_by text NOT NULL DEFAULT session_user,
	UNIQUE (bloc_code, period_code, unit_code, stage, judge_code),
	FOREIGN KEY (bloc_code, period_code, unit_code) REFERENCES thidua.bloc_member,
	FOREIGN KEY (bloc_code, period_code, judge_code) REFERENCES thidua.bloc_member,
	CONSTRAINT evaluation_self_by_itself CHECK (stage <> 'self' OR judge_code = unit_code),
	CONSTRAINT evaluation_peer_not_by_itself CHECK (stage <> 'peer' OR judge_code <> unit_code),
	CONSTRAINT evaluation_confirmation_of_self CHECK (confirmed_by IS NULL OR stage = 'self')
);
COMMENT ON TABLE thidua.evaluation IS
	'a scoring of a unit in a bloc and period: self (chấm tự đánh giá) or by a peer member (chấm chéo)';
CREATE INDEX ON thidua.evaluation (bloc_code, period_code, stage);

CREATE TABLE thidua.observation (
	evaluation_id bigint NOT NULL REFERENCES thidua.evaluation ON DELETE CASCADE,
	criterion_code text NOT NULL,
	observed numeric NOT NULL,
	evidence text,
	PRIMARY KEY (evaluation_id, criterion_code)
);
COMMENT ON TABLE thidua.observation IS 'an observed value per criterion of an evaluation, with an optional evidence link';

-- Appraisal (thẩm định): the zone head or the Ministry adjusts a unit's points, with a reason.
CREATE TABLE thidua.adjustment (
	adjustment_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	bloc_code text NOT NULL,
	period_code text NOT NULL,
	unit_code text NOT NULL,
	points numeric NOT NULL CHECK (points <> 0),
	reason text NOT NULL CHECK (reason <> ''),
	made_by text NOT NULL CHECK (made_by <> ''),
	made_at timestamptz NOT NULL DEFAULT now(),
	FOREIGN KEY (bloc_code, period_code, unit_code) REFERENCES thidua.bloc_member
);
COMMENT ON TABLE thidua.adjustment IS 'appraisal adjustments of a unit''s points, each with its reason and author';

GRANT SELECT ON thidua.unit, thidua.individual, thidua.membership, thidua.post_held, thidua.period,
	thidua.bloc, thidua.bloc_period, thidua.bloc_member, thidua.pact, thidua.recusal, thidua.veto,
	thidua.evaluation, thidua.observation, thidua.adjustment TO PUBLIC;

-- (one call per statement: each updates the pg_extension row)
SELECT pg_catalog.pg_extension_config_dump('thidua.unit', '');
SELECT pg_catalog.pg_extension_config_dump('thidua.individual', '');
SELECT pg_catalog.pg_extension_config_dump('thidua.membership', '');
SELECT pg_catalog.pg_extension_config_dump('thidua.post_held', '');
SELECT pg_catalog.pg_extension_config_dump('thidua.period', '');
SELECT pg_catalog.pg_extension_config_dump('thidua.bloc', '');
SELECT pg_catalog.pg_extension_config_dump('thidua.bloc_period', '');
SELECT pg_catalog.pg_extension_config_dump('thidua.bloc_member', '');
SELECT pg_catalog.pg_extension_config_dump('thidua.pact', '');
SELECT pg_catalog.pg_extension_config_dump('thidua.recusal', '');
SELECT pg_catalog.pg_extension_config_dump('thidua.veto', '');
SELECT pg_catalog.pg_extension_config_dump('thidua.evaluation', '');
SELECT pg_catalog.pg_extension_config_dump('thidua.observation', '');
SELECT pg_catalog.pg_extension_config_dump('thidua.adjustment', '');
SELECT pg_catalog.pg_extension_config_dump('thidua.evaluation_evaluation_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('thidua.adjustment_adjustment_id_seq', '');

-- Vietnamese names sort in Vietnamese where the server has ICU.
DO $$
BEGIN
	IF EXISTS (SELECT 1 FROM pg_catalog.pg_collation WHERE collname OPERATOR(pg_catalog.=) 'vi-x-icu') THEN
		ALTER TABLE thidua.unit ALTER COLUMN name TYPE text COLLATE pg_catalog."vi-x-icu";
		ALTER TABLE thidua.individual ALTER COLUMN full_name TYPE text COLLATE pg_catalog."vi-x-icu";
		ALTER TABLE thidua.bloc ALTER COLUMN name TYPE text COLLATE pg_catalog."vi-x-icu";
	END IF;
END
$$;

-- Scores enter only while the period is open: a closed year is history.
CREATE FUNCTION thidua._guard_open_period() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	row_data jsonb := to_jsonb(CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END);
	row_period text := row_data ->> 'period_code';
BEGIN
	IF (SELECT p.status FROM thidua.period p WHERE p.period_code OPERATOR(pg_catalog.=) row_period) = 'closed' THEN
		RAISE EXCEPTION 'period "%" is closed: % cannot change', row_period, replace(TG_TABLE_NAME, '_', ' ') || 's'
			USING ERRCODE = 'object_not_in_prerequisite_state';
	END IF;
	RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;
CREATE TRIGGER evaluation_open_period BEFORE INSERT OR UPDATE OR DELETE ON thidua.evaluation
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_open_period();
CREATE TRIGGER adjustment_open_period BEFORE INSERT OR UPDATE OR DELETE ON thidua.adjustment
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_open_period();

-- Observations must be ones their criteria version accepts (checked per statement,
-- in one query, so a bulk load stays fast); errors name the criterion.
CREATE FUNCTION thidua._check_observations() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	IF EXISTS (
		SELECT 1 FROM new_observations n
		JOIN thidua.evaluation e ON e.evaluation_id OPERATOR(pg_catalog.=) n.evaluation_id
		JOIN thidua.period p ON p.period_code OPERATOR(pg_catalog.=) e.period_code
		WHERE p.status OPERATOR(pg_catalog.=) 'closed') THEN
		RAISE EXCEPTION 'the period of these observations is closed'
			USING ERRCODE = 'object_not_in_prerequisite_state';
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
CREATE TRIGGER observation_checked_on_insert AFTER INSERT ON thidua.observation
	REFERENCING NEW TABLE AS new_observations
	FOR EACH STATEMENT EXECUTE FUNCTION thidua._check_observations();
CREATE TRIGGER observation_checked_on_update AFTER UPDATE ON thidua.observation
	REFERENCING NEW TABLE AS new_observations
	FOR EACH STATEMENT EXECUTE FUNCTION thidua._check_observations();

CREATE FUNCTION thidua._guard_closed_observation() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	IF EXISTS (SELECT 1 FROM thidua.evaluation e JOIN thidua.period p USING (period_code)
			   WHERE e.evaluation_id OPERATOR(pg_catalog.=) OLD.evaluation_id AND p.status = 'closed') THEN
		RAISE EXCEPTION 'the period of this observation is closed'
			USING ERRCODE = 'object_not_in_prerequisite_state';
	END IF;
	RETURN OLD;
END
$$;
CREATE TRIGGER observation_open_period_on_delete BEFORE DELETE ON thidua.observation
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_closed_observation();

-- Closing a period.
CREATE FUNCTION thidua.close_period(period text) RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	UPDATE thidua.period p SET status = 'closed', closed_at = now(), closed_by = session_user
		WHERE p.period_code OPERATOR(pg_catalog.=) close_period.period AND p.status = 'open';
	IF NOT FOUND THEN
		RAISE EXCEPTION 'period "%" does not exist or is already closed', period
			USING ERRCODE = 'object_not_in_prerequisite_state';
	END IF;
END
$$;

------------------------------------------------------------------------------
-- Standings
------------------------------------------------------------------------------

CREATE FUNCTION thidua._tie_break_keys_final(state bytea) RETURNS numeric[]
	AS 'MODULE_PATHNAME', 'thidua_tie_break_keys_final'
	LANGUAGE C STABLE PARALLEL SAFE;
CREATE AGGREGATE thidua.tie_break_keys(version text, criterion_code text, observed numeric) (
	SFUNC = thidua._score_transition,
	STYPE = bytea,
	COMBINEFUNC = thidua._score_combine,
	FINALFUNC = thidua._tie_break_keys_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE thidua.tie_break_keys(text, text, numeric) IS
	'the version''s tie-break keys of one evaluation, in order (capped points; penalty as a magnitude)';

-- Every evaluation's total and tie-break keys under its bloc's criteria version.
CREATE FUNCTION thidua.evaluation_scores(bloc text, period text)
	RETURNS TABLE (evaluation_id bigint, unit_code text, stage text, judge_code text, total numeric, tie_keys numeric[])
	LANGUAGE sql STABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
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
	GROUP BY e.evaluation_id, e.unit_code, e.stage, e.judge_code, bp.criteria_version
$$;
COMMENT ON FUNCTION thidua.evaluation_scores(text, text) IS
	'each evaluation of a bloc and period with its total and tie-break keys (an evaluation without observations totals 0)';

CREATE FUNCTION thidua.standings(bloc text, period text)
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
		FROM thidua.criteria_version v, unnest(v.tie_break) WITH ORDINALITY AS k(key, n)
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
GRANT SELECT ON thidua.current_standings TO PUBLIC;

------------------------------------------------------------------------------
-- Published standings: frozen snapshots, corrections as new revisions
------------------------------------------------------------------------------

CREATE TABLE thidua.standing_revision (
	bloc_code text NOT NULL,
	period_code text NOT NULL,
	revision integer NOT NULL CHECK (revision >= 1),
	published_at timestamptz NOT NULL DEFAULT now(),
	published_by text NOT NULL DEFAULT session_user,
	reason text,
	PRIMARY KEY (bloc_code, period_code, revision),
	FOREIGN KEY (bloc_code, period_code) REFERENCES thidua.bloc_period,
	CONSTRAINT standing_revision_correction_has_reason CHECK (revision = 1 OR coalesce(reason, '') <> '')
);
COMMENT ON TABLE thidua.standing_revision IS 'each publication of a bloc''s standings; a correction is a new revision with a reason';

CREATE TABLE thidua.standing_row (
	bloc_code text NOT NULL,
	period_code text NOT NULL,
	revision integer NOT NULL,
	unit_code text NOT NULL,
	unit_name text NOT NULL,
	role text NOT NULL,
	self_total numeric,
	peer_result numeric,
	peer_judges integer NOT NULL,
	adjustment numeric NOT NULL,
	final_total numeric,
	class text,
	rank bigint NOT NULL,
	tie_break jsonb,
	flags text[] NOT NULL,
	PRIMARY KEY (bloc_code, period_code, revision, unit_code),
	FOREIGN KEY (bloc_code, period_code, revision) REFERENCES thidua.standing_revision
);
COMMENT ON TABLE thidua.standing_row IS 'published standings, frozen: never updated or deleted';

GRANT SELECT ON thidua.standing_revision, thidua.standing_row TO PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('thidua.standing_revision', '');
SELECT pg_catalog.pg_extension_config_dump('thidua.standing_row', '');

CREATE TRIGGER standing_revision_append_only BEFORE UPDATE OR DELETE ON thidua.standing_revision
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_append_only();
CREATE TRIGGER standing_row_append_only BEFORE UPDATE OR DELETE ON thidua.standing_row
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_append_only();
CREATE TRIGGER standing_revision_no_truncate BEFORE TRUNCATE ON thidua.standing_revision
	FOR EACH STATEMENT EXECUTE FUNCTION thidua._guard_truncate('always');
CREATE TRIGGER standing_row_no_truncate BEFORE TRUNCATE ON thidua.standing_row
	FOR EACH STATEMENT EXECUTE FUNCTION thidua._guard_truncate('always');

-- Freezes the live standings as the next revision; returns its number.
CREATE FUNCTION thidua.publish_standings(bloc text, period text, reason text DEFAULT NULL) RETURNS integer
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	next_revision integer;
BEGIN
	PERFORM 1 FROM thidua.bloc_period bp
		WHERE bp.bloc_code OPERATOR(pg_catalog.=) bloc AND bp.period_code OPERATOR(pg_catalog.=) period
		FOR UPDATE;		-- one publication at a time per bloc and period
	SELECT coalesce(max(r.revision), 0) + 1 INTO next_revision FROM thidua.standing_revision r
		WHERE r.bloc_code OPERATOR(pg_catalog.=) bloc AND r.period_code OPERATOR(pg_catalog.=) period;
	IF next_revision > 1 AND coalesce(reason, '') = '' THEN
		RAISE EXCEPTION 'the standings of bloc "%" for period "%" are published already', bloc, period
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'A correction is a new revision: give its reason.';
	END IF;
	INSERT INTO thidua.standing_revision (bloc_code, period_code, revision, reason)
		VALUES (bloc, period, next_revision, nullif(reason, ''));
	INSERT INTO thidua.standing_row
		SELECT bloc, period, next_revision, s.unit_code, s.unit_name, s.role, s.self_total, s.peer_result,
			s.peer_judges, s.adjustment, s.final_total, s.class, s.rank, s.tie_break, s.flags
		FROM thidua.standings(bloc, period) AS s;
	RETURN next_revision;
END
$$;
COMMENT ON FUNCTION thidua.publish_standings(text, text, text) IS
	'freezes the live standings as a new revision (a correction needs a reason); returns the revision';

-- The latest published revision of every bloc and period.
CREATE VIEW thidua.published_standings AS
	SELECT r.* FROM thidua.standing_row r
	WHERE r.revision OPERATOR(pg_catalog.=) (SELECT max(x.revision) FROM thidua.standing_revision x
		WHERE x.bloc_code OPERATOR(pg_catalog.=) r.bloc_code AND x.period_code OPERATOR(pg_catalog.=) r.period_code);
COMMENT ON VIEW thidua.published_standings IS 'the latest published revision of each bloc''s standings';
GRANT SELECT ON thidua.published_standings TO PUBLIC;

------------------------------------------------------------------------------
-- Explanations and the judges' report
------------------------------------------------------------------------------

-- Why a unit stands where it does: its items, its peers' totals (counted,
-- trimmed or recused), and the tie-break key that separates it from the
-- neighbours above and below.
CREATE FUNCTION thidua.explain(unit text, period text, bloc text DEFAULT NULL) RETURNS jsonb
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
			coalesce(thidua.score_detail(settings.criteria_version, o.criterion_code, o.observed)
						FILTER (WHERE o.criterion_code IS NOT NULL),
					 '{"total": 0, "items": []}'::jsonb) AS detail
		FROM thidua.evaluation e
		LEFT JOIN thidua.observation o ON o.evaluation_id OPERATOR(pg_catalog.=) e.evaluation_id
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
	INTO result;
	RETURN result;
END
$$;
COMMENT ON FUNCTION thidua.explain(text, text, text) IS
	'a unit''s standing explained: its items (own and peers'' points), its peers'' totals (counted, trimmed or recused), its neighbours and what separated them';

-- How far each judge sits from the others (advisory; it changes no result).
CREATE FUNCTION thidua.judge_report(bloc text, period text)
	RETURNS TABLE (judge_code text, scores integer, mean numeric, mean_offset numeric)
	LANGUAGE sql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT j ->> 'judge', (j ->> 'scores')::integer, (j ->> 'mean')::numeric, (j ->> 'mean_offset')::numeric
	FROM (SELECT thidua.judge_leniency(s.judge_code, s.unit_code, s.total) AS report
		  FROM thidua.evaluation_scores(bloc, period) s
		  WHERE s.stage OPERATOR(pg_catalog.=) 'peer'
		    AND NOT EXISTS (SELECT 1 FROM thidua.recusal r WHERE r.bloc_code OPERATOR(pg_catalog.=) bloc
							AND r.period_code OPERATOR(pg_catalog.=) period
							AND r.judge_code OPERATOR(pg_catalog.=) s.judge_code
							AND r.unit_code OPERATOR(pg_catalog.=) s.unit_code)) l,
		jsonb_array_elements(l.report -> 'judges') AS j
	ORDER BY (j ->> 'mean_offset')::numeric DESC NULLS LAST, j ->> 'judge'
$$;
COMMENT ON FUNCTION thidua.judge_report(text, text) IS
	'advisory leniency report: per judge, its scores'' mean and mean offset from the other judges of the same units';

------------------------------------------------------------------------------
-- Score files
------------------------------------------------------------------------------

-- Stores the scores staged in pg_temp.score_import (line, unit, judge,
-- criterion, observed, evidence; judge "self" for a self-assessment) for a
-- bloc and period: the whole file or nothing, errors naming the line and field.
-- Returns the number of observations stored.
CREATE FUNCTION thidua.import_scores(bloc text, period text, source text DEFAULT 'input') RETURNS bigint
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	settings thidua.bloc_period;
	bad record;
	stored bigint;
BEGIN
	SELECT * INTO settings FROM thidua.bloc_period bp
		WHERE bp.bloc_code OPERATOR(pg_catalog.=) bloc AND bp.period_code OPERATOR(pg_catalog.=) period;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'bloc "%" has no settings for period "%"', bloc, period USING ERRCODE = 'no_data_found';
	END IF;
	IF to_regclass('pg_temp.score_import') IS NULL THEN
		RAISE EXCEPTION 'no scores are staged in pg_temp.score_import' USING ERRCODE = 'undefined_table';
	END IF;

	-- members: the unit, and the judge unless it is "self"
	SELECT i.line, 'unit' AS field, i.unit AS value INTO bad FROM pg_temp.score_import i
		WHERE NOT EXISTS (SELECT 1 FROM thidua.bloc_member m WHERE m.bloc_code OPERATOR(pg_catalog.=) bloc
			AND m.period_code OPERATOR(pg_catalog.=) period AND m.unit_code OPERATOR(pg_catalog.=) i.unit)
		ORDER BY i.line LIMIT 1;
	IF NOT FOUND THEN
		SELECT i.line, 'judge' AS field, i.judge AS value INTO bad FROM pg_temp.score_import i
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
	SELECT i.line INTO bad FROM pg_temp.score_import i WHERE i.judge OPERATOR(pg_catalog.=) i.unit ORDER BY i.line LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION '%:%: field "judge": a member never scores itself as a peer; write "self" for a self-assessment',
			source, bad.line USING ERRCODE = 'check_violation';
	END IF;
	SELECT i.line, i.criterion INTO bad FROM pg_temp.score_import i
		WHERE EXISTS (SELECT 1 FROM pg_temp.score_import j WHERE j.line OPERATOR(pg_catalog.<) i.line
			AND j.unit OPERATOR(pg_catalog.=) i.unit AND j.judge OPERATOR(pg_catalog.=) i.judge
			AND j.criterion OPERATOR(pg_catalog.=) i.criterion)
		ORDER BY i.line LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION '%:%: field "criterion": "%" is given twice for the same unit and judge',
			source, bad.line, bad.criterion USING ERRCODE = 'unique_violation';
	END IF;
	-- each value by its criterion's rule, line by line so that the error names its line
	FOR bad IN SELECT i.line, i.criterion, i.observed FROM pg_temp.score_import i ORDER BY i.line LOOP
		BEGIN
			PERFORM thidua.points(settings.criteria_version, bad.criterion, bad.observed);
		EXCEPTION WHEN OTHERS THEN
			RAISE EXCEPTION '%:%: field "observed": %', source, bad.line, SQLERRM USING ERRCODE = SQLSTATE;
		END;
	END LOOP;
	SELECT i.line, i.unit, i.judge, i.criterion INTO bad FROM pg_temp.score_import i
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

	INSERT INTO thidua.evaluation (bloc_code, period_code, unit_code, stage, judge_code)
		SELECT DISTINCT bloc, period, i.unit, CASE WHEN i.judge OPERATOR(pg_catalog.=) 'self' THEN 'self' ELSE 'peer' END,
			CASE WHEN i.judge OPERATOR(pg_catalog.=) 'self' THEN i.unit ELSE i.judge END
		FROM pg_temp.score_import i
		ON CONFLICT (bloc_code, period_code, unit_code, stage, judge_code) DO NOTHING;
	INSERT INTO thidua.observation (evaluation_id, criterion_code, observed, evidence)
		SELECT e.evaluation_id, i.criterion, i.observed, nullif(i.evidence, '')
		FROM pg_temp.score_import i
		JOIN thidua.evaluation e ON e.bloc_code OPERATOR(pg_catalog.=) bloc AND e.period_code OPERATOR(pg_catalog.=) period
			AND e.unit_code OPERATOR(pg_catalog.=) i.unit
			AND e.judge_code OPERATOR(pg_catalog.=) CASE WHEN i.judge OPERATOR(pg_catalog.=) 'self' THEN i.unit ELSE i.judge END
			AND e.stage OPERATOR(pg_catalog.=) CASE WHEN i.judge OPERATOR(pg_catalog.=) 'self' THEN 'self' ELSE 'peer' END;
	GET DIAGNOSTICS stored = ROW_COUNT;
	RETURN stored;
END
$$;
COMMENT ON FUNCTION thidua.import_scores(text, text, text) IS
	'stores the scores staged in pg_temp.score_import for a bloc and period, all or nothing; returns the observations stored';
