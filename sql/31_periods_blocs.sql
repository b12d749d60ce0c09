-- thidua SQL source: periods, blocs and zones.
-- Holds tables period, bloc, bloc_period (published criteria versions only),
-- bloc_member, pact, recusal, veto.

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
	-- NULL: the criteria version's result_rounding
	result_rounding text CONSTRAINT bloc_period_result_rounding_check CHECK (result_rounding OPERATOR(pg_catalog.~) '^(exact|[0-9])$'),
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

-- Standings are official: a bloc scores with a published (or retired) version,
-- never a draft that may still change.
CREATE FUNCTION thidua._guard_bloc_period_version() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	version_status text;
BEGIN
	IF TG_OP = 'INSERT' AND thidua._restoring(TG_TABLE_NAME) THEN
		RETURN NULL;	-- as it was when dumped (0.4.0 allowed drafts)
	END IF;
	SELECT v.status INTO version_status FROM thidua.criteria_version v
		WHERE v.version_code OPERATOR(pg_catalog.=) NEW.criteria_version
		FOR SHARE;
	IF version_status = 'draft' THEN
		RAISE EXCEPTION 'criteria version "%" is a draft: bloc "%" cannot score with it in period "%"',
			NEW.criteria_version, NEW.bloc_code, NEW.period_code
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Publish the version first (thidua.publish_version).';
	END IF;
	RETURN NEW;
END
$$;
CREATE TRIGGER bloc_period_published_version AFTER INSERT OR UPDATE ON thidua.bloc_period
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_bloc_period_version();

SELECT pg_catalog.pg_extension_config_dump('thidua.period', '');
SELECT pg_catalog.pg_extension_config_dump('thidua.bloc', '');
SELECT pg_catalog.pg_extension_config_dump('thidua.bloc_period', '');
SELECT pg_catalog.pg_extension_config_dump('thidua.bloc_member', '');
SELECT pg_catalog.pg_extension_config_dump('thidua.pact', '');
SELECT pg_catalog.pg_extension_config_dump('thidua.recusal', '');
SELECT pg_catalog.pg_extension_config_dump('thidua.veto', '');

-- Vietnamese names sort in Vietnamese where the server has ICU.
DO $$
BEGIN
	IF EXISTS (SELECT 1 FROM pg_catalog.pg_collation WHERE collname OPERATOR(pg_catalog.=) 'vi-x-icu') THEN
		ALTER TABLE thidua.bloc ALTER COLUMN name TYPE text COLLATE pg_catalog."vi-x-icu";
	END IF;
END
$$;
