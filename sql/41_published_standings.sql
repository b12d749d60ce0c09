-- thidua SQL source: published standings.
-- Holds tables standing_revision and standing_row (append-only, written by
-- publish_standings alone, complete when committed), publish_standings(),
-- the view published_standings.

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

-- Unit names sort in Vietnamese where the server has ICU, as in thidua.unit.
DO $$
BEGIN
	IF EXISTS (SELECT 1 FROM pg_catalog.pg_collation WHERE collname OPERATOR(pg_catalog.=) 'vi-x-icu') THEN
		ALTER TABLE thidua.standing_row ALTER COLUMN unit_name TYPE text COLLATE pg_catalog."vi-x-icu";
	END IF;
END
$$;

SELECT pg_catalog.pg_extension_config_dump('thidua.standing_revision', '');
SELECT pg_catalog.pg_extension_config_dump('thidua.standing_row', '');

CREATE TRIGGER standing_revision_append_only AFTER UPDATE OR DELETE ON thidua.standing_revision
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_append_only();
CREATE TRIGGER standing_row_append_only AFTER UPDATE OR DELETE ON thidua.standing_row
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_append_only();
CREATE TRIGGER standing_revision_no_truncate BEFORE TRUNCATE ON thidua.standing_revision
	FOR EACH STATEMENT EXECUTE FUNCTION thidua._guard_truncate('always');
CREATE TRIGGER standing_row_no_truncate BEFORE TRUNCATE ON thidua.standing_row
	FOR EACH STATEMENT EXECUTE FUNCTION thidua._guard_truncate('always');

-- Published standings are written by thidua.publish_standings alone.
CREATE TRIGGER standing_revision_by_thidua AFTER INSERT ON thidua.standing_revision
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_record_insert();
CREATE TRIGGER standing_row_by_thidua AFTER INSERT ON thidua.standing_row
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_record_insert();

-- A revision commits with its rows: an empty one would hide the one before.
CREATE FUNCTION thidua._check_revision_has_rows() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	IF NOT thidua._restoring(TG_TABLE_NAME) AND NOT EXISTS (
		SELECT 1 FROM thidua.standing_row r
		WHERE r.bloc_code OPERATOR(pg_catalog.=) NEW.bloc_code
		  AND r.period_code OPERATOR(pg_catalog.=) NEW.period_code
		  AND r.revision OPERATOR(pg_catalog.=) NEW.revision) THEN
		RAISE EXCEPTION 'revision % of the standings of bloc "%" for period "%" has no rows',
			NEW.revision, NEW.bloc_code, NEW.period_code
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Publish standings with thidua.publish_standings.';
	END IF;
	RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER standing_revision_has_rows AFTER INSERT ON thidua.standing_revision
	DEFERRABLE INITIALLY DEFERRED
	FOR EACH ROW EXECUTE FUNCTION thidua._check_revision_has_rows();

-- Freezes the live standings as the next revision; returns its number.
CREATE FUNCTION thidua.publish_standings(bloc text, period text, reason text DEFAULT NULL) RETURNS integer
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	next_revision integer;
	published bigint;
BEGIN
	PERFORM 1 FROM thidua.bloc_period bp
		WHERE bp.bloc_code OPERATOR(pg_catalog.=) bloc AND bp.period_code OPERATOR(pg_catalog.=) period
		FOR UPDATE;		-- one publication at a time per bloc and period
	IF (SELECT p.status FROM thidua.period p WHERE p.period_code OPERATOR(pg_catalog.=) period FOR SHARE) = 'closed' THEN
		RAISE EXCEPTION 'period "%" is closed: the standings of bloc "%" cannot be published again', period, bloc
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'A correction after the closing needs thidua.reopen_period(period, reason) first, on the record.';
	END IF;
	IF (SELECT v.status FROM thidua.bloc_period bp JOIN thidua.criteria_version v
			ON v.version_code OPERATOR(pg_catalog.=) bp.criteria_version
		WHERE bp.bloc_code OPERATOR(pg_catalog.=) bloc AND bp.period_code OPERATOR(pg_catalog.=) period) = 'draft' THEN
		RAISE EXCEPTION 'the standings of bloc "%" for period "%" use a draft criteria version', bloc, period
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Only standings under a published version are official.';
	END IF;
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
	GET DIAGNOSTICS published = ROW_COUNT;
	-- a revision commits with its rows (as _check_revision_has_rows says at the
	-- commit; Citus has no such trigger)
	IF published OPERATOR(pg_catalog.=) 0 THEN
		RAISE EXCEPTION 'revision % of the standings of bloc "%" for period "%" has no rows',
			next_revision, bloc, period
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Publish standings with thidua.publish_standings.';
	END IF;
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
