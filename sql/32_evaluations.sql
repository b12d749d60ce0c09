-- thidua SQL source: evaluations and observations.
-- Holds tables evaluation, observation, adjustment; the open-period guards, the
-- per-statement observation check, close_period().

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

SELECT pg_catalog.pg_extension_config_dump('thidua.evaluation', '');
SELECT pg_catalog.pg_extension_config_dump('thidua.observation', '');
SELECT pg_catalog.pg_extension_config_dump('thidua.adjustment', '');
SELECT pg_catalog.pg_extension_config_dump('thidua.evaluation_evaluation_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('thidua.adjustment_adjustment_id_seq', '');

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
