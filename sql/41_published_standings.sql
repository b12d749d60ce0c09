-- thidua SQL source: published standings.
-- Holds tables standing_revision and standing_row (append-only), publish_standings(),
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
