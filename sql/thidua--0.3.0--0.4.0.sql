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

-- Every evaluation's total and tie-break keys under its bloc's criteria version.
CREATE FUNCTION thidua.evaluation_scores(bloc text, period text)
	RETURNS TABLE (evaluation_id bigint, unit_code text, stage text, judge_code text, detail jsonb)
	LANGUAGE sql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT e.evaluation_id, e.unit_code, e.stage, e.judge_code,
		coalesce(thidua.score_detail(bp.criteria_version, o.criterion_code, o.observed)
					FILTER (WHERE o.criterion_code IS NOT NULL),
				 '{"total": 0}'::jsonb)
	FROM thidua.evaluation e
	JOIN thidua.bloc_period bp ON bp.bloc_code OPERATOR(pg_catalog.=) e.bloc_code
		AND bp.period_code OPERATOR(pg_catalog.=) e.period_code
	LEFT JOIN thidua.observation o ON o.evaluation_id OPERATOR(pg_catalog.=) e.evaluation_id
	WHERE e.bloc_code OPERATOR(pg_catalog.=) bloc AND e.period_code OPERATOR(pg_catalog.=) period
	GROUP BY e.evaluation_id, e.unit_code, e.stage, e.judge_code, bp.criteria_version
$$;
COMMENT ON FUNCTION thidua.evaluation_scores(text, text) IS
	'each evaluation of a bloc and period with its score_detail (an evaluation without observations totals 0)';

CREATE FUNCTION thidua.standings(bloc text, period text)
	RETURNS TABLE (unit_code text, unit_name text, role text, self_total numeric, peer_result numeric,
				   peer_judges integer, adjustment numeric, final_total numeric, class text, rank bigint,
				   flags text[])
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
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
	), peer AS (
		SELECT s.unit_code, s.judge_code, (s.detail ->> 'total')::numeric AS total, s.detail -> 'tie_break' AS keys
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
		SELECT p.unit_code, k.n, min(k.key ->> 'key') AS key, min(k.key ->> 'better') AS better,
			CASE WHEN settings.peer_method OPERATOR(pg_catalog.=) 'trimmed_mean'
				 THEN thidua.trimmed_mean((k.key ->> 'points')::numeric, settings.peer_trim)
				 ELSE avg((k.key ->> 'points')::numeric) END AS points
		FROM peer p, jsonb_array_elements(p.keys) WITH ORDINALITY AS k(key, n)
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
			(SELECT (s.detail ->> 'total')::numeric FROM scores s
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
