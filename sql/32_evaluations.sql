-- thidua SQL source: evaluations and observations.
-- Holds tables evaluation, observation, adjustment, and the per-statement check
-- of observations against their criterion's rule.

-- One scoring of a unit: by itself (self) or by another member (peer).
CREATE TABLE thidua.evaluation (
	evaluation_id bigint GENERATED ALWAYS AS IDENTITY,
	bloc_code text NOT NULL,
	period_code text NOT NULL,
	unit_code text NOT NULL,
	stage text NOT NULL CHECK (stage IN ('self', 'peer')),
	judge_code text NOT NULL,
	confirmed_by text,
	created_at timestamptz NOT NULL DEFAULT now(),
	created_by text NOT NULL DEFAULT session_user,
	-- the bloc leads every key, so that Citus can co-locate a bloc's scores
	PRIMARY KEY (bloc_code, evaluation_id),
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
	evaluation_id bigint NOT NULL,
	criterion_code text NOT NULL,
	observed numeric NOT NULL,
	evidence text,
	-- the evaluation's bloc (filled from it when a statement leaves it out)
	bloc_code text NOT NULL,
	PRIMARY KEY (bloc_code, evaluation_id, criterion_code),
	FOREIGN KEY (bloc_code, evaluation_id) REFERENCES thidua.evaluation ON DELETE CASCADE
);
COMMENT ON TABLE thidua.observation IS 'an observed value per criterion of an evaluation, with an optional evidence link';

-- A statement that names the evaluation alone (a clerk's INSERT, a restore of
-- a dump made before 0.9.0) gets its bloc from it. On Citus the bloc must be
-- given: it routes the row to its shard.
CREATE FUNCTION thidua._fill_observation_bloc() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	IF NEW.bloc_code IS NULL THEN
		SELECT e.bloc_code INTO NEW.bloc_code FROM thidua.evaluation e
		WHERE e.evaluation_id OPERATOR(pg_catalog.=) NEW.evaluation_id;
	END IF;
	RETURN NEW;
END
$$;
CREATE TRIGGER observation_bloc BEFORE INSERT OR UPDATE OF evaluation_id ON thidua.observation
	FOR EACH ROW EXECUTE FUNCTION thidua._fill_observation_bloc();
-- a trigger's function: no role calls it (it runs with its owner's rights)
REVOKE EXECUTE ON FUNCTION thidua._fill_observation_bloc() FROM PUBLIC;

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

-- Observations must be ones their criteria version accepts (checked per statement,
-- in one query, so a bulk load stays fast); errors name the criterion. Their
-- periods are share-locked, as _guard_open_period does for single rows.
CREATE FUNCTION thidua._check_observations() RETURNS trigger
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
			JOIN thidua.evaluation e ON e.bloc_code OPERATOR(pg_catalog.=) n.bloc_code
				AND e.evaluation_id OPERATOR(pg_catalog.=) n.evaluation_id)
		FOR SHARE) AS touched;
	IF NOT (TG_OP = 'INSERT' AND thidua._restoring(TG_TABLE_NAME)) AND 'closed' OPERATOR(pg_catalog.=) ANY (statuses) THEN
		RAISE EXCEPTION 'period "%" is closed: observations cannot change', closed
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'A closed period is history; thidua.reopen_period(period, reason) reopens it, on the record.';
	END IF;
	-- rule shapes: a criterion marked not applicable to the unit is not observed
	SELECT n.criterion_code, e.unit_code INTO marked FROM new_observations n
	JOIN thidua.evaluation e ON e.bloc_code OPERATOR(pg_catalog.=) n.bloc_code
		AND e.evaluation_id OPERATOR(pg_catalog.=) n.evaluation_id
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
	JOIN thidua.evaluation e ON e.bloc_code OPERATOR(pg_catalog.=) n.bloc_code
		AND e.evaluation_id OPERATOR(pg_catalog.=) n.evaluation_id
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
	JOIN thidua.observation o ON o.bloc_code OPERATOR(pg_catalog.=) e.bloc_code
		AND o.evaluation_id OPERATOR(pg_catalog.=) e.evaluation_id
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
