-- thidua 0.7.0: the award catalog, people's records, versioned rulebooks, eligibility.
\echo Use "ALTER EXTENSION thidua UPDATE TO '0.7.0'" to load this file. \quit

SELECT thidua._require_library('0.7.0');

------------------------------------------------------------------------------
-- The award catalog (36_award_catalog.sql)
------------------------------------------------------------------------------
-- The yearly rating of a person or unit (xếp loại mức độ hoàn thành nhiệm vụ),
-- worst first so that >= compares as the law does: HTXSNV > HTTNV > HTNV > KHTNV.
CREATE TYPE thidua.completion_rating AS ENUM ('KHTNV', 'HTNV', 'HTTNV', 'HTXSNV');
COMMENT ON TYPE thidua.completion_rating IS
	'yearly task-completion rating, ordered: KHTNV (không hoàn thành) < HTNV (hoàn thành) < HTTNV (hoàn thành tốt) < HTXSNV (hoàn thành xuất sắc nhiệm vụ)';

-- The scope at which an initiative (sáng kiến) is recognised, narrowest first.
CREATE TYPE thidua.initiative_scope AS ENUM ('grassroots', 'ministry_province', 'national');
COMMENT ON TYPE thidua.initiative_scope IS
	'scope of an initiative''s recognition, ordered: grassroots (cơ sở) < ministry_province (cấp bộ, cấp tỉnh) < national (toàn quốc)';

-- Disciplinary measures for civil servants, lightest first (Law on Cadres and
-- Civil Servants): reprimand, warning, demotion, removal from post, dismissal.
CREATE TYPE thidua.discipline_severity AS ENUM ('reprimand', 'warning', 'demotion', 'removal', 'dismissal');
COMMENT ON TYPE thidua.discipline_severity IS
	'disciplinary measures, ordered: reprimand (khiển trách) < warning (cảnh cáo) < demotion (hạ bậc lương, giáng chức) < removal (cách chức) < dismissal (buộc thôi việc)';

CREATE TABLE thidua.award (
	award_code text PRIMARY KEY CHECK (award_code ~ '^[[:alnum:]][[:alnum:]._-]{0,63}$')
		CONSTRAINT award_code_in_nfc CHECK (thidua._is_nfc(award_code)),
	name text NOT NULL CHECK (name <> '')
		CONSTRAINT award_name_in_nfc CHECK (thidua._is_nfc(name))
		CONSTRAINT award_name_at_most_300_characters CHECK (char_length(name) <= 300),
	-- who receives it
	subject text NOT NULL CHECK (subject IN ('individual', 'collective')),
	-- an emulation title (danh hiệu thi đua) or a form of award (hình thức khen thưởng)
	category text NOT NULL CHECK (category IN ('title', 'form')),
	level text NOT NULL CHECK (level IN ('grassroots', 'ministry_province', 'national')),
	issuer text NOT NULL CHECK (issuer <> '')
		CONSTRAINT award_issuer_in_nfc CHECK (thidua._is_nfc(issuer))
		CONSTRAINT award_issuer_at_most_300_characters CHECK (char_length(issuer) <= 300),
	-- the usual occasion; a record may state another (a Bằng khen given for a campaign is thematic)
	kind text NOT NULL CHECK (kind IN ('yearly', 'thematic', 'ad_hoc', 'career')),
	once_only boolean NOT NULL DEFAULT false,
	-- the next rung of its ladder (LĐTT -> CSTĐCS -> CSTĐ cấp bộ/tỉnh -> CSTĐ toàn quốc)
	ladder_next text REFERENCES thidua.award,
	-- shipped with the extension (dumps keep the others only)
	builtin boolean NOT NULL DEFAULT false,
	CHECK (ladder_next IS DISTINCT FROM award_code)
);
COMMENT ON TABLE thidua.award IS
	'the award catalog: emulation titles and forms of award, with subject, level, issuer, kind, once-only and ladder';

CREATE TRIGGER award_nfc BEFORE INSERT OR UPDATE ON thidua.award
	FOR EACH ROW EXECUTE FUNCTION thidua._store_nfc('name', 'issuer');

-- The national titles (Law 06/2022/QH15 Arts. 21-28) and the justice sector's forms.
INSERT INTO thidua.award (award_code, name, subject, category, level, issuer, kind, once_only, builtin) VALUES
	('LDTT', 'Lao động tiên tiến', 'individual', 'title', 'grassroots', 'Thủ trưởng cơ quan, đơn vị', 'yearly', false, true),
	('CSTDCS', 'Chiến sĩ thi đua cơ sở', 'individual', 'title', 'grassroots', 'Thủ trưởng cơ quan, đơn vị', 'yearly', false, true),
	('CSTD-BT', 'Chiến sĩ thi đua cấp bộ, ban, ngành, tỉnh', 'individual', 'title', 'ministry_province', 'Bộ trưởng, Chủ tịch Ủy ban nhân dân tỉnh', 'yearly', false, true),
	('CSTD-TQ', 'Chiến sĩ thi đua toàn quốc', 'individual', 'title', 'national', 'Thủ tướng Chính phủ', 'yearly', false, true),
	('TTLDTT', 'Tập thể lao động tiên tiến', 'collective', 'title', 'grassroots', 'Thủ trưởng cơ quan, đơn vị', 'yearly', false, true),
	('TTLDXS', 'Tập thể lao động xuất sắc', 'collective', 'title', 'ministry_province', 'Bộ trưởng, Chủ tịch Ủy ban nhân dân tỉnh', 'yearly', false, true),
	('CTD-BT', 'Cờ thi đua cấp bộ, ban, ngành, tỉnh', 'collective', 'title', 'ministry_province', 'Bộ trưởng, Chủ tịch Ủy ban nhân dân tỉnh', 'yearly', false, true),
	('CTD-CP', 'Cờ thi đua của Chính phủ', 'collective', 'title', 'national', 'Thủ tướng Chính phủ', 'yearly', false, true),
	('GK', 'Giấy khen', 'individual', 'form', 'grassroots', 'Thủ trưởng cơ quan, đơn vị', 'yearly', false, true),
	('GK-TT', 'Giấy khen (tập thể)', 'collective', 'form', 'grassroots', 'Thủ trưởng cơ quan, đơn vị', 'yearly', false, true),
	('BK-BTP', 'Bằng khen của Bộ trưởng Bộ Tư pháp', 'individual', 'form', 'ministry_province', 'Bộ trưởng Bộ Tư pháp', 'yearly', false, true),
	('BK-BTP-TT', 'Bằng khen của Bộ trưởng Bộ Tư pháp (tập thể)', 'collective', 'form', 'ministry_province', 'Bộ trưởng Bộ Tư pháp', 'yearly', false, true),
	('BK-UBT', 'Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh', 'individual', 'form', 'ministry_province', 'Chủ tịch Ủy ban nhân dân tỉnh', 'yearly', false, true),
	('BK-UBT-TT', 'Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh (tập thể)', 'collective', 'form', 'ministry_province', 'Chủ tịch Ủy ban nhân dân tỉnh', 'yearly', false, true),
	('BK-TTG', 'Bằng khen của Thủ tướng Chính phủ', 'individual', 'form', 'national', 'Thủ tướng Chính phủ', 'yearly', false, true),
	('BK-TTG-TT', 'Bằng khen của Thủ tướng Chính phủ (tập thể)', 'collective', 'form', 'national', 'Thủ tướng Chính phủ', 'yearly', false, true),
	('KNC-TP', 'Kỷ niệm chương "Vì sự nghiệp Tư pháp"', 'individual', 'form', 'ministry_province', 'Bộ trưởng Bộ Tư pháp', 'career', true, true);
UPDATE thidua.award SET ladder_next = next.code
	FROM (VALUES ('LDTT', 'CSTDCS'), ('CSTDCS', 'CSTD-BT'), ('CSTD-BT', 'CSTD-TQ'),
				 ('TTLDTT', 'TTLDXS'), ('TTLDXS', 'CTD-BT'), ('CTD-BT', 'CTD-CP')) AS next(award, code)
	WHERE award_code = next.award;

SELECT pg_catalog.pg_extension_config_dump('thidua.award', 'WHERE NOT builtin');

DO $$
BEGIN
	IF EXISTS (SELECT 1 FROM pg_catalog.pg_collation WHERE collname OPERATOR(pg_catalog.=) 'vi-x-icu') THEN
		ALTER TABLE thidua.award ALTER COLUMN name TYPE text COLLATE pg_catalog."vi-x-icu";
	END IF;
END
$$;

------------------------------------------------------------------------------
-- People's and units' records (37_records.sql)
------------------------------------------------------------------------------
CREATE TABLE thidua.individual_rating (
	person_code text NOT NULL REFERENCES thidua.individual,
	year integer NOT NULL CHECK (year BETWEEN 1900 AND 2199),
	rating thidua.completion_rating NOT NULL,
	PRIMARY KEY (person_code, year)
);
COMMENT ON TABLE thidua.individual_rating IS 'the yearly task-completion rating of each person';

CREATE TABLE thidua.unit_rating (
	unit_code text NOT NULL REFERENCES thidua.unit,
	year integer NOT NULL CHECK (year BETWEEN 1900 AND 2199),
	rating thidua.completion_rating NOT NULL,
	PRIMARY KEY (unit_code, year)
);
COMMENT ON TABLE thidua.unit_rating IS 'the yearly task-completion rating of each unit (collective)';

-- An award received. The year is the year of the achievement it rewards (for a
-- yearly title, the year it is for). A revoked award stays on record with its
-- revocation; it counts nowhere.
CREATE TABLE thidua.individual_award (
	person_code text NOT NULL REFERENCES thidua.individual,
	record_id bigint GENERATED ALWAYS AS IDENTITY,
	award_code text NOT NULL REFERENCES thidua.award,
	year integer NOT NULL CHECK (year BETWEEN 1900 AND 2199),
	-- yearly, thematic, ad_hoc or career: defaults to the catalog's kind
	kind text NOT NULL CHECK (kind IN ('yearly', 'thematic', 'ad_hoc', 'career')),
	decision_number text CHECK (decision_number <> '' AND char_length(decision_number) <= 100),
	decision_date date,
	issuer text CONSTRAINT individual_award_issuer_in_nfc CHECK (thidua._is_nfc(issuer))
		CONSTRAINT individual_award_issuer_at_most_300_characters CHECK (char_length(issuer) <= 300),
	revoked_on date,
	revocation_reason text CONSTRAINT individual_award_revocation_reason_in_nfc CHECK (thidua._is_nfc(revocation_reason))
		CONSTRAINT individual_award_revocation_reason_at_most_1000_characters CHECK (char_length(revocation_reason) <= 1000),
	revocation_decision text CHECK (char_length(revocation_decision) <= 100),
	PRIMARY KEY (person_code, record_id),
	UNIQUE (record_id),
	CHECK (revoked_on IS NULL OR revocation_reason IS NOT NULL),
	CHECK ((revocation_reason IS NULL AND revocation_decision IS NULL) OR revoked_on IS NOT NULL)
);
CREATE INDEX ON thidua.individual_award (award_code, year);
COMMENT ON TABLE thidua.individual_award IS 'awards received by people, with decision and issuer; revoked ones kept with reason and date';

CREATE TABLE thidua.unit_award (
	unit_code text NOT NULL REFERENCES thidua.unit,
	record_id bigint GENERATED ALWAYS AS IDENTITY,
	award_code text NOT NULL REFERENCES thidua.award,
	year integer NOT NULL CHECK (year BETWEEN 1900 AND 2199),
	kind text NOT NULL CHECK (kind IN ('yearly', 'thematic', 'ad_hoc', 'career')),
	decision_number text CHECK (decision_number <> '' AND char_length(decision_number) <= 100),
	decision_date date,
	issuer text CONSTRAINT unit_award_issuer_in_nfc CHECK (thidua._is_nfc(issuer))
		CONSTRAINT unit_award_issuer_at_most_300_characters CHECK (char_length(issuer) <= 300),
	revoked_on date,
	revocation_reason text CONSTRAINT unit_award_revocation_reason_in_nfc CHECK (thidua._is_nfc(revocation_reason))
		CONSTRAINT unit_award_revocation_reason_at_most_1000_characters CHECK (char_length(revocation_reason) <= 1000),
	revocation_decision text CHECK (char_length(revocation_decision) <= 100),
	PRIMARY KEY (unit_code, record_id),
	UNIQUE (record_id),
	CHECK (revoked_on IS NULL OR revocation_reason IS NOT NULL),
	CHECK ((revocation_reason IS NULL AND revocation_decision IS NULL) OR revoked_on IS NOT NULL)
);
CREATE INDEX ON thidua.unit_award (award_code, year);
COMMENT ON TABLE thidua.unit_award IS 'awards received by units (collectives); revoked ones kept with reason and date';

-- An initiative (sáng kiến) as recognised, and the award that used it: one
-- achievement gets one award, so an initiative counts for one award only.
CREATE TABLE thidua.initiative (
	initiative_code text PRIMARY KEY CHECK (initiative_code ~ '^[[:alnum:]][[:alnum:]._/-]{0,63}$')
		CONSTRAINT initiative_code_in_nfc CHECK (thidua._is_nfc(initiative_code)),
	title text NOT NULL CHECK (title <> '')
		CONSTRAINT initiative_title_in_nfc CHECK (thidua._is_nfc(title))
		CONSTRAINT initiative_title_at_most_1000_characters CHECK (char_length(title) <= 1000),
	scope thidua.initiative_scope NOT NULL,
	recognition_decision text CHECK (char_length(recognition_decision) <= 100),
	recognised_on date NOT NULL,
	-- the award (individual_award.record_id) that used it, if any
	used_by_award bigint REFERENCES thidua.individual_award (record_id)
);
COMMENT ON TABLE thidua.initiative IS 'initiatives (sáng kiến): scope and date of recognition, and the award that used it (one at most)';

CREATE TABLE thidua.initiative_author (
	initiative_code text NOT NULL REFERENCES thidua.initiative ON DELETE CASCADE,
	person_code text NOT NULL REFERENCES thidua.individual,
	PRIMARY KEY (initiative_code, person_code)
);
CREATE INDEX ON thidua.initiative_author (person_code);
COMMENT ON TABLE thidua.initiative_author IS 'the authors of an initiative (often several)';

-- A disciplinary measure (kind measure, with its severity, from the decision
-- to the end of its period) or a proceeding during which no award may be given
-- (consideration of discipline, investigation, verification of a complaint).
CREATE TABLE thidua.discipline (
	person_code text NOT NULL REFERENCES thidua.individual,
	record_id bigint GENERATED ALWAYS AS IDENTITY,
	kind text NOT NULL CHECK (kind IN ('measure', 'consideration', 'investigation', 'complaint')),
	severity thidua.discipline_severity,
	valid_from date NOT NULL,
	-- the end of the measure's period or of the proceeding; NULL while it lasts
	valid_to date,
	decision text CHECK (char_length(decision) <= 100),
	note text CONSTRAINT discipline_note_in_nfc CHECK (thidua._is_nfc(note))
		CONSTRAINT discipline_note_at_most_1000_characters CHECK (char_length(note) <= 1000),
	PRIMARY KEY (person_code, record_id),
	UNIQUE (record_id),
	CHECK ((kind = 'measure') = (severity IS NOT NULL)),
	CHECK (valid_to IS NULL OR valid_to >= valid_from)
);
COMMENT ON TABLE thidua.discipline IS 'disciplinary measures (with severity and period) and proceedings (consideration, investigation, complaint) of people';

SELECT pg_catalog.pg_extension_config_dump('thidua.individual_rating', '');
SELECT pg_catalog.pg_extension_config_dump('thidua.unit_rating', '');
SELECT pg_catalog.pg_extension_config_dump('thidua.individual_award', '');
SELECT pg_catalog.pg_extension_config_dump('thidua.individual_award_record_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('thidua.unit_award', '');
SELECT pg_catalog.pg_extension_config_dump('thidua.unit_award_record_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('thidua.initiative', '');
SELECT pg_catalog.pg_extension_config_dump('thidua.initiative_author', '');
SELECT pg_catalog.pg_extension_config_dump('thidua.discipline', '');
SELECT pg_catalog.pg_extension_config_dump('thidua.discipline_record_id_seq', '');

CREATE TRIGGER individual_award_nfc BEFORE INSERT OR UPDATE ON thidua.individual_award
	FOR EACH ROW EXECUTE FUNCTION thidua._store_nfc('issuer', 'revocation_reason');
CREATE TRIGGER unit_award_nfc BEFORE INSERT OR UPDATE ON thidua.unit_award
	FOR EACH ROW EXECUTE FUNCTION thidua._store_nfc('issuer', 'revocation_reason');
CREATE TRIGGER initiative_nfc BEFORE INSERT OR UPDATE ON thidua.initiative
	FOR EACH ROW EXECUTE FUNCTION thidua._store_nfc('title');
CREATE TRIGGER discipline_nfc BEFORE INSERT OR UPDATE ON thidua.discipline
	FOR EACH ROW EXECUTE FUNCTION thidua._store_nfc('note');

------------------------------------------------------------------------------
-- Rulebooks (44_rulebook_model.sql)
------------------------------------------------------------------------------
CREATE TABLE thidua.rulebook (
	rulebook_code text PRIMARY KEY
		CONSTRAINT rulebook_code_format CHECK (rulebook_code ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$'),
	name text NOT NULL CHECK (name <> '')
		CONSTRAINT rulebook_name_in_nfc CHECK (thidua._is_nfc(name))
		CONSTRAINT rulebook_name_at_most_300_characters CHECK (char_length(name) <= 300),
	created_at timestamptz NOT NULL DEFAULT now(),
	created_by text NOT NULL DEFAULT session_user
);
COMMENT ON TABLE thidua.rulebook IS 'a family of rulebooks (e.g. the justice sector''s); its editions are rulebook_version rows';

CREATE TABLE thidua.rulebook_version (
	version_code text PRIMARY KEY,
	rulebook_code text NOT NULL REFERENCES thidua.rulebook,
	edition text NOT NULL
		CONSTRAINT rulebook_version_edition_format CHECK (edition ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$'),
	title text NOT NULL CHECK (title <> '')
		CONSTRAINT rulebook_version_title_in_nfc CHECK (thidua._is_nfc(title))
		CONSTRAINT rulebook_version_title_at_most_1000_characters CHECK (char_length(title) <= 1000),
	status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'retired')),
	effective_from date NOT NULL,
	effective_to date,
	-- the general rules (which awards count toward others, revoked awards,
	-- initiatives used once, discipline), each with its legal source
	general jsonb NOT NULL DEFAULT '{}',
	cloned_from text REFERENCES thidua.rulebook_version,
	UNIQUE (rulebook_code, edition),
	CONSTRAINT rulebook_version_code_is_rulebook_and_edition CHECK (version_code = rulebook_code || '/' || edition),
	CHECK (effective_to IS NULL OR effective_to >= effective_from)
);
COMMENT ON TABLE thidua.rulebook_version IS 'an edition of a rulebook, in force from effective_from to effective_to; published editions are immutable';

-- One award's rules in a version.
CREATE TABLE thidua.rulebook_entry (
	version_code text NOT NULL REFERENCES thidua.rulebook_version ON DELETE CASCADE,
	award_code text NOT NULL REFERENCES thidua.award,
	position integer NOT NULL,
	-- the eligibility rule: {"all_of": [...]}, {"any_of": [...]} or one rule kind
	rule jsonb NOT NULL,
	-- {"base_award", "share", "rounding", "minimum", "source"} or {"count", "per", "source"}; NULL: no quota
	quota jsonb,
	-- {"ballot", "threshold", "comparison", "secret", "base", "source"}; NULL: no council vote
	council jsonb,
	note text CONSTRAINT rulebook_entry_note_in_nfc CHECK (thidua._is_nfc(note))
		CONSTRAINT rulebook_entry_note_at_most_1000_characters CHECK (char_length(note) <= 1000),
	PRIMARY KEY (version_code, award_code),
	UNIQUE (version_code, position)
);
COMMENT ON TABLE thidua.rulebook_entry IS 'per award in a rulebook version: the eligibility rule, the quota and the council settings, with legal sources';

CREATE TABLE thidua.rulebook_version_event (
	event_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	version_code text NOT NULL,
	from_status text,
	to_status text NOT NULL,
	changed_at timestamptz NOT NULL DEFAULT now(),
	changed_by text NOT NULL DEFAULT session_user,
	note text
);
COMMENT ON TABLE thidua.rulebook_version_event IS 'history of rulebook version statuses; append-only';
CREATE INDEX ON thidua.rulebook_version_event (version_code, event_id);

SELECT pg_catalog.pg_extension_config_dump('thidua.rulebook', '');
SELECT pg_catalog.pg_extension_config_dump('thidua.rulebook_version', '');
SELECT pg_catalog.pg_extension_config_dump('thidua.rulebook_entry', '');
SELECT pg_catalog.pg_extension_config_dump('thidua.rulebook_version_event', '');
SELECT pg_catalog.pg_extension_config_dump('thidua.rulebook_version_event_event_id_seq', '');

CREATE TRIGGER rulebook_nfc BEFORE INSERT OR UPDATE ON thidua.rulebook
	FOR EACH ROW EXECUTE FUNCTION thidua._store_nfc('name');
CREATE TRIGGER rulebook_version_nfc BEFORE INSERT OR UPDATE ON thidua.rulebook_version
	FOR EACH ROW EXECUTE FUNCTION thidua._store_nfc('title');
CREATE TRIGGER rulebook_entry_nfc BEFORE INSERT OR UPDATE ON thidua.rulebook_entry
	FOR EACH ROW EXECUTE FUNCTION thidua._store_nfc('note');

------------------------------------------------------------------------------
-- Privileges (50_roles.sql): records as their persons and units; catalog and
-- rulebooks public; create_roles() grants the new tables
------------------------------------------------------------------------------
-- People's records (37_records.sql): as their persons; units' records: as the units.
ALTER TABLE thidua.individual_rating ENABLE ROW LEVEL SECURITY;
CREATE POLICY individual_rating_access ON thidua.individual_rating
	USING (CASE WHEN (SELECT thidua._is_admin()) THEN true
				ELSE thidua._person_visible(person_code) END)
	WITH CHECK ((SELECT thidua._is_admin()));
ALTER TABLE thidua.individual_award ENABLE ROW LEVEL SECURITY;
CREATE POLICY individual_award_access ON thidua.individual_award
	USING (CASE WHEN (SELECT thidua._is_admin()) THEN true
				ELSE thidua._person_visible(person_code) END)
	WITH CHECK ((SELECT thidua._is_admin()));
ALTER TABLE thidua.discipline ENABLE ROW LEVEL SECURITY;
CREATE POLICY discipline_access ON thidua.discipline
	USING (CASE WHEN (SELECT thidua._is_admin()) THEN true
				ELSE thidua._person_visible(person_code) END)
	WITH CHECK ((SELECT thidua._is_admin()));
ALTER TABLE thidua.initiative_author ENABLE ROW LEVEL SECURITY;
CREATE POLICY initiative_author_access ON thidua.initiative_author
	USING (CASE WHEN (SELECT thidua._is_admin()) THEN true
				ELSE thidua._person_visible(person_code) END)
	WITH CHECK ((SELECT thidua._is_admin()));
ALTER TABLE thidua.unit_rating ENABLE ROW LEVEL SECURITY;
CREATE POLICY unit_rating_access ON thidua.unit_rating
	USING (CASE WHEN (SELECT thidua._is_admin()) THEN true
				ELSE unit_code OPERATOR(pg_catalog.=) ANY ((SELECT thidua._caller_units())::text[]) END)
	WITH CHECK ((SELECT thidua._is_admin()));
ALTER TABLE thidua.unit_award ENABLE ROW LEVEL SECURITY;
CREATE POLICY unit_award_access ON thidua.unit_award
	USING (CASE WHEN (SELECT thidua._is_admin()) THEN true
				ELSE unit_code OPERATOR(pg_catalog.=) ANY ((SELECT thidua._caller_units())::text[]) END)
	WITH CHECK ((SELECT thidua._is_admin()));

-- The award catalog and published rulebooks are public documents like criteria tables.
REVOKE ALL ON thidua.award, thidua.rulebook, thidua.rulebook_version, thidua.rulebook_entry,
	thidua.rulebook_version_event FROM PUBLIC;
GRANT SELECT ON thidua.award, thidua.rulebook, thidua.rulebook_version, thidua.rulebook_entry,
	thidua.rulebook_version_event TO PUBLIC;
REVOKE ALL ON thidua.individual_rating, thidua.unit_rating, thidua.individual_award, thidua.unit_award,
	thidua.initiative, thidua.initiative_author, thidua.discipline FROM PUBLIC;

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
		thidua.evaluation, thidua.observation, thidua.adjustment, thidua.role_unit,
		thidua.not_applicable_marking TO thidua_admin;
	-- the award catalog, rulebooks and records (36, 37, 44)
	GRANT SELECT, INSERT, UPDATE, DELETE ON thidua.award, thidua.rulebook, thidua.rulebook_version,
		thidua.rulebook_entry, thidua.individual_rating, thidua.unit_rating, thidua.individual_award,
		thidua.unit_award, thidua.initiative, thidua.initiative_author, thidua.discipline TO thidua_admin;
	GRANT SELECT ON thidua.rulebook_version_event TO thidua_admin;
	GRANT SELECT ON thidua.period_event, thidua.standing_revision, thidua.standing_row, thidua.current_standings,
		thidua.published_standings TO thidua_admin;
	GRANT EXECUTE ON FUNCTION thidua.import_criteria(jsonb, boolean), thidua.import_criteria_file(bytea, text, text, boolean),
		thidua.publish_version(text, text), thidua.retire_version(text, text), thidua.clone_version(text, text),
		thidua.delete_draft(text), thidua.close_period(text, text), thidua.reopen_period(text, text),
	thidua.evaluation_scores(text, text),
		thidua.standings(text, text), thidua.explain(text, text, text), thidua.judge_report(text, text),
		thidua.publish_standings(text, text, text), thidua.import_scores(text, text, text),
		thidua.import_criteria_file(text, text, text, boolean), thidua.import_scores(text, text, text, text),
		thidua.import_scores(text, text, bytea, text) TO thidua_admin;
	-- setting up a zone (34_zone_setup.sql)
	GRANT EXECUTE ON FUNCTION thidua.import_units(text, text), thidua.import_people(text, text),
		thidua.open_period(text, integer), thidua.create_bloc(text, text, text),
		thidua.set_bloc_settings(text, text, text, text, integer, integer, text),
		thidua.import_bloc_members(text, text, text, text), thidua.import_pact(text, text, text, text),
		thidua.add_veto(text, text, text, text), thidua.remove_veto(text, text, text, text),
		thidua.add_recusal(text, text, text, text, text),
		thidua.set_member_status(text, text, text, text, date, text, text), thidua.remove_member(text, text, text),
		thidua.import_units(bytea, text), thidua.import_people(bytea, text),
		thidua.import_bloc_members(text, text, bytea, text), thidua.import_pact(text, text, bytea, text)
		TO thidua_admin;

	-- thidua_scorer: the scores of the units its role is mapped to (policies),
	-- the people of those units, and what scoring needs to read.
	GRANT SELECT ON thidua.unit, thidua.period, thidua.bloc, thidua.bloc_period, thidua.bloc_member,
		thidua.period_event, thidua.role_unit, thidua.individual, thidua.membership, thidua.post_held,
		thidua.not_applicable_marking, thidua.individual_rating, thidua.unit_rating, thidua.individual_award,
		thidua.unit_award, thidua.initiative, thidua.initiative_author, thidua.discipline TO thidua_scorer;
	GRANT SELECT, INSERT, DELETE ON thidua.evaluation TO thidua_scorer;
	GRANT SELECT, INSERT, UPDATE, DELETE ON thidua.observation TO thidua_scorer;
	GRANT EXECUTE ON FUNCTION thidua.import_scores(text, text, text), thidua.import_scores(text, text, text, text),
		thidua.import_scores(text, text, bytea, text) TO thidua_scorer;

	-- thidua_reader, and for now thidua_council: published standings and the
	-- public structure they name; no personal data, no unpublished score.
	GRANT SELECT ON thidua.unit, thidua.period, thidua.bloc, thidua.bloc_period, thidua.bloc_member,
		thidua.period_event, thidua.standing_revision, thidua.standing_row, thidua.published_standings
		TO thidua_reader, thidua_council;
END
$$;

------------------------------------------------------------------------------
-- Eligibility, forecasts, quotas and what-if (47_eligibility.sql, 48_forecast_quota.sql)
------------------------------------------------------------------------------

-- thidua SQL source: eligibility.
-- Holds _rulebook_for (the version that judges a year), _general_rule,
-- _legal_source_text, _rule_nodes (a rule tree, flattened), _days_in,
-- _eligibility_query (the compiler), eligibility() and eligible().
--
-- A rule tree is compiled into ONE query per call: each record table the rule
-- needs is read once, grouped by subject, with FILTER aggregates (one per
-- leaf) and thidua.streak for rating streaks; the boolean tree is then a plain
-- expression over those columns. No function runs per person, so the query
-- is as parallel as a GROUP BY. eligibility() runs the same query for one
-- subject with the evidence of every node in words, so that the reasons given
-- for one person and the list of everyone eligible can never disagree.
--
-- The functions pin search_path to pg_catalog, pg_temp: the generated SQL then
-- resolves every operator and function in pg_catalog (or thidua, qualified),
-- whatever the caller's path holds. They run with the caller's rights, so
-- row-level security decides whose records are read.

-- The rulebook version that judges an award on a date: the one asked for
-- (draft, published or retired, if it has an entry for the award), else the
-- PUBLISHED version in force on that date with an entry for the award. When
-- several rulebooks qualify, the caller must name one. When none does: an
-- error, or NULL when must is false. (thidua.rulebook_in_force, of the
-- rulebook lifecycle, has the same meaning; this is its one caller here.)
CREATE FUNCTION thidua._rulebook_for(award text, on_date date, rulebook_version text DEFAULT NULL,
									 must boolean DEFAULT true) RETURNS text
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	found text[];
BEGIN
	IF rulebook_version IS NOT NULL THEN
		IF NOT EXISTS (SELECT 1 FROM thidua.rulebook_version v WHERE v.version_code = rulebook_version) THEN
			RAISE EXCEPTION 'rulebook version "%" does not exist', rulebook_version
				USING ERRCODE = 'no_data_found', HINT = 'See thidua rulebook list.';
		END IF;
		IF NOT EXISTS (SELECT 1 FROM thidua.rulebook_entry e WHERE e.version_code = rulebook_version
					   AND e.award_code = award) THEN
			RAISE EXCEPTION 'rulebook version "%" has no entry for award "%"', rulebook_version, award
				USING ERRCODE = 'no_data_found';
		END IF;
		RETURN rulebook_version;
	END IF;
	SELECT array_agg(v.version_code ORDER BY v.version_code) INTO found
	FROM thidua.rulebook_version v
	JOIN thidua.rulebook_entry e ON e.version_code = v.version_code AND e.award_code = award
	WHERE v.status = 'published' AND v.effective_from <= on_date
	  AND (v.effective_to IS NULL OR v.effective_to >= on_date);
	IF found IS NULL THEN
		IF NOT must THEN
			RETURN NULL;
		END IF;
		IF NOT EXISTS (SELECT 1 FROM thidua.award a WHERE a.award_code = award) THEN
			RAISE EXCEPTION 'award "%" does not exist', award
				USING ERRCODE = 'no_data_found', HINT = 'See thidua awards for the catalog.';
		END IF;
		RAISE EXCEPTION 'no published rulebook in force on % has an entry for award "%"', on_date, award
			USING ERRCODE = 'no_data_found',
				  DETAIL = 'A year is judged by the published version whose effective dates contain its judging date.',
				  HINT = 'Publish a rulebook version for that date, or name a version (rulebook_version).';
	ELSIF cardinality(found) > 1 THEN
		RAISE EXCEPTION 'several rulebooks in force on % have an entry for award "%": %', on_date, award,
			array_to_string(found, ', ')
			USING ERRCODE = 'cardinality_violation', HINT = 'Name the version to apply (rulebook_version).';
	END IF;
	RETURN found[1];
END
$$;

-- A general rule of a version (revoked_awards_count, ...): its value, or the
-- law's default when the version does not state it.
CREATE FUNCTION thidua._general_rule(general jsonb, name text) RETURNS boolean
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT coalesce((general -> name ->> 'value')::boolean,
		CASE name WHEN 'thematic_and_ad_hoc_awards_count' THEN false WHEN 'revoked_awards_count' THEN false
			WHEN 'initiative_counts_once' THEN true WHEN 'achievements_after_discipline' THEN true END)
$$;

-- A legal source in words: "Law 06/2022/QH15, art. 23, cl. 1 (V)".
CREATE FUNCTION thidua._legal_source_text(source jsonb) RETURNS text
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT CASE WHEN source IS NULL OR jsonb_typeof(source) <> 'object' THEN NULL
		ELSE concat_ws(', ', source ->> 'document', 'art. ' || (source ->> 'article'), 'cl. ' || (source ->> 'clause'),
			'pt. ' || (source ->> 'point')) || coalesce(' (' || (source ->> 'status') || ')', '') END
$$;

-- Days in a set of date ranges (overlaps counted once).
CREATE FUNCTION thidua._days_in(periods datemultirange) RETURNS integer
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$ SELECT coalesce(sum(upper(r) - lower(r)), 0)::integer FROM unnest(periods) r $$;

-- A rule tree, flattened depth first: node ('rule', 'rule.all_of[1].any_of[0]'),
-- parent, position in depth-first order, depth, and the node's JSON.
CREATE FUNCTION thidua._rule_nodes(rule jsonb) RETURNS TABLE (node text, parent text, ordinal integer, depth integer, body jsonb)
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
	WITH RECURSIVE tree(node, parent, sort_key, body) AS (
		SELECT 'rule'::text, NULL::text, ARRAY[0]::integer[], rule
		UNION ALL
		SELECT t.node || '.' || g.key || '[' || (c.n - 1) || ']', t.node, t.sort_key || c.n::integer, c.child
		FROM tree t
		CROSS JOIN LATERAL (SELECT k AS key FROM unnest(ARRAY['all_of', 'any_of']) k WHERE t.body ? k) g
		CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(t.body -> g.key) = 'array'
			THEN t.body -> g.key ELSE '[]' END) WITH ORDINALITY c(child, n))
	SELECT node, parent, (row_number() OVER (ORDER BY sort_key))::integer, cardinality(sort_key) - 1, body
	FROM tree ORDER BY sort_key
$$;

-- "one more year", "2 more years"
CREATE FUNCTION thidua._how_many(n text, one text, many text) RETURNS text
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$ SELECT CASE WHEN n = '1' THEN 'one ' || one ELSE n || ' ' || many END $$;

/*
 * The compiler. Returns the text of one query whose rows are
 *   (subject_code text, subject_name text, unit_code text, passed boolean,
 *    reasons jsonb, missing integer, lacks text[])
 * for the subjects of a unit and its sub-units (unit), one subject (subject),
 * or everyone (both NULL): people who are members on the judging date for an
 * individual award, units for a collective one. mode:
 *   eligible  the eligible subjects only; reasons, missing, lacks NULL
 *   why       the eligible subjects, with reasons: one object per node
 *   all       every subject, with reasons (eligibility(), what-if)
 *   forecast  every subject, with missing and lacks; the year is the one
 *             forecast, judged with the ratings and yearly awards of the year
 *             before repeated in it
 */
CREATE FUNCTION thidua._eligibility_query(award text, year integer, judged_on date, version text,
										  unit text, subject text, mode text) RETURNS text
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	entry record;
	general jsonb;
	collective boolean;
	forecast boolean := mode = 'forecast';
	with_reasons boolean := mode IN ('why', 'all');
	y integer := year;
	d text := quote_literal(judged_on) || '::date';
	-- the year whose ratings and awards are assumed to repeat (forecast)
	assumed integer := year - 1;
	counts_thematic boolean;
	counts_revoked boolean;
	counts_once boolean;
	after_discipline boolean;
	n record;
	k integer := 0;
	leaf text;
	p jsonb;
	-- per source: its aggregate columns
	r_aggs text[] := '{}';
	a_aggs text[] := '{}';
	i_aggs text[] := '{}';
	d_aggs text[] := '{}';
	-- in eligible mode, conditions a subject must meet (under all_of only): the
	-- sources filter on them, so that only candidates are joined
	r_having text[] := '{}';
	aw_having text[] := '{}';
	required boolean;
	extra_sources text[] := '{}';
	extra_joins text[] := '{}';
	l1 text[] := '{}';
	-- per node: expressions over the columns of level 1
	pass_of jsonb := '{}';
	evidence_of jsonb := '{}';
	missing_of jsonb := '{}';
	lacks_of jsonb := '{}';
	pass_e text;
	evidence_e text;
	missing_e text;
	lacks_e text;
	rating_from integer := NULL;
	award_codes text[] := '{}';
	needs_cut boolean := false;
	cc text;
	cut_ok text;
	rating text;
	scope text;
	at_least integer;
	window_from integer;
	children text[];
	child_pass text[];
	child_missing text[];
	child_lacks text[];
	child_evidence text[];
	subjects text;
	sources text := '';
	joins text := '';
	reasons text;
	sql text;
	who text;
	rec_table text;
	rec_key text;
	rating_table text;
	award_table text;
BEGIN
	SELECT e.rule, v.general INTO entry
	FROM thidua.rulebook_entry e JOIN thidua.rulebook_version v ON v.version_code = e.version_code
	WHERE e.version_code = version AND e.award_code = award;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'rulebook version "%" has no entry for award "%"', version, award USING ERRCODE = 'no_data_found';
	END IF;
	general := entry.general;
	collective := (SELECT a.subject = 'collective' FROM thidua.award a WHERE a.award_code = award);
	counts_thematic := thidua._general_rule(general, 'thematic_and_ad_hoc_awards_count');
	counts_revoked := thidua._general_rule(general, 'revoked_awards_count');
	counts_once := thidua._general_rule(general, 'initiative_counts_once');
	after_discipline := thidua._general_rule(general, 'achievements_after_discipline') AND NOT collective;
	who := CASE WHEN collective THEN 'unit_code' ELSE 'person_code' END;
	rating_table := CASE WHEN collective THEN 'thidua.unit_rating' ELSE 'thidua.individual_rating' END;
	award_table := CASE WHEN collective THEN 'thidua.unit_award' ELSE 'thidua.individual_award' END;
	-- the condition under which a record of an award counts toward another
	cc := concat_ws(' AND ', 'true',
		CASE WHEN NOT counts_revoked THEN 'a.revoked_on IS NULL' END,
		CASE WHEN NOT counts_thematic THEN 'a.kind IN (''yearly'', ''career'')' END);
	cut_ok := CASE WHEN after_discipline THEN 'coalesce(x.cut_year, 0)' ELSE '0' END;

	-- leaves first: reversed depth-first order visits children before parents
	FOR n IN SELECT * FROM thidua._rule_nodes(entry.rule) ORDER BY ordinal DESC LOOP
		p := n.body;
		IF jsonb_typeof(p) <> 'object' THEN
			RAISE EXCEPTION 'rulebook "%", award "%", %: a rule node must be an object', version, award, n.node
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
		IF p ? 'all_of' OR p ? 'any_of' THEN
			SELECT array_agg(c.node ORDER BY c.ordinal) INTO children
			FROM thidua._rule_nodes(entry.rule) c WHERE c.parent = n.node;
			IF children IS NULL THEN
				RAISE EXCEPTION 'rulebook "%", award "%", %: % is empty', version, award, n.node,
					CASE WHEN p ? 'all_of' THEN 'all_of' ELSE 'any_of' END USING ERRCODE = 'invalid_parameter_value';
			END IF;
			SELECT array_agg(pass_of ->> c ORDER BY o), array_agg(missing_of ->> c ORDER BY o),
				array_agg(lacks_of ->> c ORDER BY o), array_agg(evidence_of ->> c ORDER BY o)
			INTO child_pass, child_missing, child_lacks, child_evidence
			FROM unnest(children) WITH ORDINALITY u(c, o);
			IF p ? 'all_of' THEN
				pass_e := '(' || array_to_string(child_pass, ' AND ') || ')';
				missing_e := '(' || array_to_string(child_missing, ' + ') || ')';
				lacks_e := '(' || array_to_string(child_lacks, ' || ') || ')';
				evidence_e := format('format(''all of: %%s of %s met'', %s)', cardinality(children),
					'(' || (SELECT string_agg('(' || c || ')::int', ' + ') FROM unnest(child_pass) c) || ')');
			ELSE
				pass_e := '(' || array_to_string(child_pass, ' OR ') || ')';
				missing_e := 'LEAST(' || array_to_string(child_missing, ', ') || ')';
				lacks_e := 'CASE' || (SELECT string_agg(format(' WHEN %s = %s THEN %s', m, missing_e, l), '' ORDER BY o)
					FROM unnest(child_missing, child_lacks) WITH ORDINALITY u(m, l, o)) || ' END';
				evidence_e := format('format(''any of: %%s of %s met'', %s)', cardinality(children),
					'(' || (SELECT string_agg('(' || c || ')::int', ' + ') FROM unnest(child_pass) c) || ')');
			END IF;
		ELSE
			k := k + 1;
			leaf := 'k' || k;
			required := mode IN ('eligible', 'why') AND strpos(n.node, 'any_of') = 0;
			rating := p ->> 'rating';
			CASE p ->> 'kind'
			WHEN 'rating_this_year' THEN
				r_aggs := r_aggs || format('max(r.rating) FILTER (WHERE r.year = %s) AS rating_y', y);
				IF required THEN
					r_having := r_having || format('max(r.rating) FILTER (WHERE r.year = %s) >= %L::thidua.completion_rating', y, rating);
				END IF;
				rating_from := least(coalesce(rating_from, y), y);
				l1 := l1 || format('r.rating_y AS %s_rating, %s AS %s_cut', leaf, cut_ok, leaf);
				pass_e := format('coalesce(%1$s_rating >= %2$L::thidua.completion_rating AND %1$s_cut < %3$s, false)', leaf, rating, y);
				evidence_e := format($e$CASE WHEN %1$s_rating IS NULL THEN 'no rating for %3$s; %2$s required'
					ELSE %1$s_rating::text || ' in %3$s; %2$s required' END
					|| CASE WHEN %1$s_cut >= %3$s THEN '; not counted: a disciplinary measure lasted until ' || %1$s_cut ELSE '' END$e$,
					leaf, rating, y);
				missing_e := format('CASE WHEN %s THEN 0 ELSE 1 END', pass_e);
				lacks_e := format('CASE WHEN %s THEN ARRAY[]::text[] ELSE ARRAY[%L] END', pass_e,
					format('a rating of %s in %s', rating, y));
			WHEN 'rating_streak' THEN
				at_least := (p ->> 'years')::integer;
				rating_from := least(coalesce(rating_from, y), y - at_least + 1);
				r_aggs := r_aggs || format('thidua.streak(r.year, r.rating >= %L::thidua.completion_rating, %s) AS %s_streak',
					rating, y, leaf);
				IF required AND at_least > 0 THEN
					r_having := r_having || format('thidua.streak(r.year, r.rating >= %L::thidua.completion_rating, %s) >= %s',
						rating, y, at_least);
				END IF;
				l1 := l1 || format('greatest(0, least(coalesce(r.%1$s_streak, 0), %2$s - %3$s)) AS %1$s_years,
					coalesce(r.%1$s_streak, 0) AS %1$s_rated, %3$s AS %1$s_cut', leaf, y, cut_ok);
				pass_e := format('(%s_years >= %s)', leaf, at_least);
				evidence_e := format($e$CASE WHEN %1$s_rated = 0 THEN 'not rated %2$s in %3$s; %4$s consecutive years required'
					WHEN %1$s_years = 0 THEN 'no year counted; %4$s consecutive years required'
					ELSE '%2$s ' || (SELECT string_agg(g::text, ', ' ORDER BY g) FROM generate_series(%3$s - %1$s_years + 1, %3$s) g)
						|| ': ' || %1$s_years || CASE WHEN %1$s_years = 1 THEN ' year' ELSE ' consecutive years' END
						|| ', %4$s required' END
					|| CASE WHEN %1$s_rated > %1$s_years THEN '; ' || (%1$s_rated - %1$s_years)
						|| ' not counted: a disciplinary measure lasted until ' || %1$s_cut ELSE '' END$e$,
					leaf, rating || CASE WHEN rating <> 'HTXSNV' THEN ' or better' ELSE '' END, y, at_least);
				missing_e := format('greatest(0, %s - %s_years)', at_least, leaf);
				lacks_e := format('CASE WHEN %1$s_years >= %2$s THEN ARRAY[]::text[] ELSE ARRAY[thidua._how_many((%2$s - %1$s_years)::text, %3$L, %4$L)] END',
					leaf, at_least, 'more year rated ' || rating, 'more years rated ' || rating);
			WHEN 'award_held' THEN
				award_codes := award_codes || (p ->> 'award');
				window_from := CASE WHEN jsonb_typeof(p -> 'within_years') = 'number' THEN y - (p ->> 'within_years')::integer + 1 END;
				a_aggs := a_aggs || format('max(a.year) FILTER (WHERE a.award_code = %L AND a.year >= %s AND %s AND a.year > %s) AS %s_held',
					p ->> 'award', coalesce(window_from, 1900), cc, cut_ok, leaf);
				IF required THEN
					aw_having := aw_having || format('max(a.year) FILTER (WHERE a.award_code = %L AND a.year >= %s AND %s AND a.year > %s) IS NOT NULL',
						p ->> 'award', coalesce(window_from, 1900), cc, cut_ok);
				END IF;
				a_aggs := a_aggs || format('count(*) FILTER (WHERE a.award_code = %L AND a.year >= %s AND NOT (%s AND a.year > %s)) AS %s_void',
					p ->> 'award', coalesce(window_from, 1900), cc, cut_ok, leaf);
				l1 := l1 || format('aw.%1$s_held AS %1$s_held, coalesce(aw.%1$s_void, 0) AS %1$s_void', leaf);
				pass_e := format('(%s_held IS NOT NULL)', leaf);
				evidence_e := format($e$CASE WHEN %1$s_held IS NOT NULL THEN '%2$s ' || %1$s_held ELSE 'no %2$s %3$s' END
					|| CASE WHEN %1$s_void > 0 THEN '; ' || %1$s_void || ' not counted (revoked, thematic or ad hoc, or before a disciplinary measure ended)' ELSE '' END$e$,
					leaf, p ->> 'award', CASE WHEN window_from IS NULL THEN 'up to ' || y WHEN window_from = y THEN 'in ' || y
						ELSE format('in %s-%s', window_from, y) END);
				missing_e := format('CASE WHEN %s THEN 0 ELSE 1 END', pass_e);
				lacks_e := format('CASE WHEN %s THEN ARRAY[]::text[] ELSE ARRAY[%L] END', pass_e,
					p ->> 'award' || CASE WHEN window_from IS NULL THEN '' WHEN window_from = y THEN ' in ' || y
						ELSE format(' in %s-%s', window_from, y) END);
			WHEN 'award_streak' THEN
				award_codes := award_codes || (p ->> 'award');
				at_least := (p ->> 'times')::integer;
				DECLARE
					every integer := coalesce((p ->> 'every_years')::integer, 1);
					run text;
				BEGIN
					a_aggs := a_aggs || format('bit_or(1 << ((%2$s - a.year) / %3$s)) FILTER (WHERE a.award_code = %1$L AND %4$s
						AND a.year > %5$s AND a.year > %2$s - %6$s AND (%2$s - a.year) %% %3$s = 0) AS %7$s_mask',
						p ->> 'award', y, every, cc, cut_ok, at_least * every, leaf);
					-- the run of held years from Y back
					run := (SELECT 'CASE' || string_agg(format(' WHEN coalesce(aw.%s_mask, 0) & %s = 0 THEN %s', leaf, 1 << i, i), '' ORDER BY i)
						|| format(' ELSE %s END', at_least) FROM generate_series(0, at_least - 1) i);
					l1 := l1 || format('%s AS %s_times', run, leaf);
					pass_e := format('(%s_times >= %s)', leaf, at_least);
					evidence_e := format($e$CASE WHEN %1$s_times = 0 THEN 'no %2$s in %3$s; %4$s times required'
						ELSE '%2$s ' || (SELECT string_agg(g::text, ', ' ORDER BY g) FROM generate_series(%3$s - (%1$s_times - 1) * %5$s, %3$s, %5$s) g)
							|| ': ' || %1$s_times || ' %6$s, %4$s required' END$e$,
						leaf, p ->> 'award', y, at_least, every,
						CASE WHEN every = 1 THEN 'in a row' ELSE format('in a row, every %s years', every) END);
					missing_e := format('greatest(0, %s - %s_times)', at_least, leaf);
					lacks_e := format('CASE WHEN %1$s_times >= %2$s THEN ARRAY[]::text[] ELSE ARRAY[thidua._how_many((%2$s - %1$s_times)::text, %3$L, %4$L)] END',
						leaf, at_least, 'more year holding ' || (p ->> 'award'), 'more years holding ' || (p ->> 'award')
						|| CASE WHEN every = 1 THEN '' ELSE format(' (every %s years)', every) END);
				END;
			WHEN 'initiatives' THEN
				IF collective THEN
					RAISE EXCEPTION 'rulebook "%", award "%", %: rule kind "%" applies to individuals only', version, award, n.node, p ->> 'kind'
						USING ERRCODE = 'invalid_parameter_value';
				END IF;
				at_least := (p ->> 'count')::integer;
				scope := coalesce(p ->> 'scope', 'grassroots');
				window_from := CASE WHEN jsonb_typeof(p -> 'window_years') = 'number' THEN y - (p ->> 'window_years')::integer + 1 END;
				DECLARE
					used_ok text := CASE WHEN counts_once THEN format(
						'(i.used_by_award IS NULL OR (u.award_code = %L AND u.year = %s AND u.person_code = ia.person_code))', award, y)
						ELSE 'true' END;
					in_window text := format('i.scope >= %L::thidua.initiative_scope AND extract(year FROM i.recognised_on) >= %s',
						scope, coalesce(window_from, 1900));
				BEGIN
					i_aggs := i_aggs || format('count(*) FILTER (WHERE %s AND %s AND extract(year FROM i.recognised_on) > %s) AS %s_count',
						in_window, used_ok, replace(cut_ok, 'x.', 'c.'), leaf);
					i_aggs := i_aggs || format('count(*) FILTER (WHERE %s AND NOT %s) AS %s_used', in_window, used_ok, leaf);
					i_aggs := i_aggs || format('count(*) FILTER (WHERE %s AND %s AND extract(year FROM i.recognised_on) <= %s) AS %s_cut',
						in_window, used_ok, replace(cut_ok, 'x.', 'c.'), leaf);
				END;
				IF after_discipline THEN
					needs_cut := true;
				END IF;
				l1 := l1 || format('coalesce(ini.%1$s_count, 0) AS %1$s_count, coalesce(ini.%1$s_used, 0) AS %1$s_used, coalesce(ini.%1$s_cut, 0) AS %1$s_cut', leaf);
				pass_e := format('(%s_count >= %s)', leaf, at_least);
				evidence_e := format($e$%1$s_count || ' initiative' || CASE WHEN %1$s_count = 1 THEN '' ELSE 's' END
					|| ' of scope %2$s%3$s recognised %4$s; %5$s required'
					|| CASE WHEN %1$s_used > 0 THEN '; ' || %1$s_used || ' not counted: already used by another award' ELSE '' END
					|| CASE WHEN %1$s_cut > 0 THEN '; ' || %1$s_cut || ' not counted: recognised before a disciplinary measure ended' ELSE '' END$e$,
					leaf, scope, CASE WHEN scope <> 'national' THEN ' or wider' ELSE '' END,
					CASE WHEN window_from IS NULL THEN 'up to ' || y WHEN window_from = y THEN 'in ' || y
						ELSE format('in %s-%s', window_from, y) END, at_least);
				missing_e := format('greatest(0, %s - %s_count)', at_least, leaf);
				lacks_e := format('CASE WHEN %1$s_count >= %2$s THEN ARRAY[]::text[] ELSE ARRAY[thidua._how_many((%2$s - %1$s_count)::text, %3$L, %4$L)] END',
					leaf, at_least, 'initiative of scope ' || scope, 'initiatives of scope ' || scope);
			WHEN 'service_years' THEN
				IF collective THEN
					RAISE EXCEPTION 'rulebook "%", award "%", %: rule kind "%" applies to individuals only', version, award, n.node, p ->> 'kind'
						USING ERRCODE = 'invalid_parameter_value';
				END IF;
				DECLARE
					in_sector boolean := coalesce((p ->> 'in_sector')::boolean, false);
					posts text[] := ARRAY(SELECT jsonb_array_elements_text(coalesce(p -> 'posts', '[]')));
					where_e text;
					what text;
				BEGIN
					what := CASE WHEN in_sector THEN 'in the sector' ELSE 'in ' || array_to_string(posts, ', ') END;
					where_e := CASE WHEN in_sector THEN 'true' ELSE format('t.post = ANY (%L::text[])', posts) END;
					extra_sources := extra_sources || format(
						'%1$s AS (SELECT t.person_code AS subject_code, thidua._days_in(range_agg(daterange(t.valid_from,
							least(coalesce(t.valid_to, %2$s + 1), %2$s + 1)))) AS days
						FROM %3$s t WHERE t.valid_from <= %2$s AND %4$s GROUP BY t.person_code)',
						leaf || '_src', d, CASE WHEN in_sector THEN 'thidua.membership' ELSE 'thidua.post_held' END, where_e);
					extra_joins := extra_joins || format('LEFT JOIN %1$s_src ON %1$s_src.subject_code = s.subject_code', leaf);
					l1 := l1 || format('coalesce(%1$s_src.days, 0) / 365 AS %1$s_years, coalesce(%1$s_src.days, 0) AS %1$s_days,
						CASE WHEN s.sex = ''female'' THEN %2$s ELSE %3$s END AS %1$s_needed, s.sex AS %1$s_sex',
						leaf, (p ->> 'women')::integer, (p ->> 'men')::integer);
					pass_e := format('(%1$s_years >= %1$s_needed)', leaf);
					evidence_e := format($e$%1$s_years || ' full years %2$s to %3$s (' || %1$s_days || ' days); '
						|| %1$s_needed || ' required for a ' || CASE WHEN %1$s_sex = 'female' THEN 'woman' ELSE 'man' END$e$,
						leaf, replace(what, '''', ''''''), judged_on);
					missing_e := format('greatest(0, %1$s_needed - %1$s_years)', leaf);
					lacks_e := format('CASE WHEN %1$s_years >= %1$s_needed THEN ARRAY[]::text[] ELSE ARRAY[thidua._how_many((%1$s_needed - %1$s_years)::text, %2$L, %3$L)] END',
						leaf, 'more year ' || CASE WHEN in_sector THEN 'in the sector' ELSE 'in post' END,
						'more years ' || CASE WHEN in_sector THEN 'in the sector' ELSE 'in post' END);
				END;
			WHEN 'no_discipline' THEN
				IF collective THEN
					RAISE EXCEPTION 'rulebook "%", award "%", %: rule kind "%" applies to individuals only', version, award, n.node, p ->> 'kind'
						USING ERRCODE = 'invalid_parameter_value';
				END IF;
				window_from := y - coalesce((p ->> 'window_years')::integer, 1) + 1;
				DECLARE
					measure_e text := format('x.kind = ''measure'' AND (x.valid_to IS NULL OR x.valid_to >= %L::date)%s',
						make_date(window_from, 1, 1),
						CASE WHEN p ->> 'severity' IS NOT NULL THEN format(' AND x.severity >= %L::thidua.discipline_severity', p ->> 'severity') ELSE '' END);
					open_e text := CASE WHEN coalesce((p ->> 'proceedings')::boolean, false)
						THEN format('x.kind <> ''measure'' AND (x.valid_to IS NULL OR x.valid_to >= %s)', d) ELSE 'false' END;
				BEGIN
					d_aggs := d_aggs || format('count(*) FILTER (WHERE %s) AS %s_measures', measure_e, leaf);
					d_aggs := d_aggs || format('count(*) FILTER (WHERE %s) AS %s_open', open_e, leaf);
					IF with_reasons THEN
						d_aggs := d_aggs || format($e$string_agg(CASE WHEN x.kind = 'measure' THEN x.severity::text ELSE x.kind END
							|| ' from ' || x.valid_from || coalesce(' to ' || x.valid_to, ', open') || coalesce(' (' || x.decision || ')', ''), '; '
							ORDER BY x.valid_from) FILTER (WHERE (%s) OR (%s)) AS %s_list$e$, measure_e, open_e, leaf);
					ELSE
						d_aggs := d_aggs || format('NULL::text AS %s_list', leaf);
					END IF;
				END;
				l1 := l1 || format('coalesce(x.%1$s_measures, 0) + coalesce(x.%1$s_open, 0) AS %1$s_found, x.%1$s_list AS %1$s_list', leaf);
				pass_e := format('(%s_found = 0)', leaf);
				evidence_e := format($e$CASE WHEN %1$s_found = 0 THEN 'no disciplinary measure%2$s overlapping %3$s to %4$s%5$s'
					ELSE %1$s_list END$e$, leaf,
					CASE WHEN p ->> 'severity' IS NOT NULL THEN format(' of %s or heavier', p ->> 'severity') ELSE '' END,
					make_date(window_from, 1, 1), judged_on,
					CASE WHEN coalesce((p ->> 'proceedings')::boolean, false) THEN format('; no proceedings open on %s', judged_on) ELSE '' END);
				missing_e := format('CASE WHEN %s THEN 0 ELSE 1 END', pass_e);
				lacks_e := format('CASE WHEN %s THEN ARRAY[]::text[] ELSE ARRAY[%L || %s_list] END', pass_e,
					'no disciplinary measure or proceedings: ', leaf);
			WHEN 'once_only' THEN
				award_codes := award_codes || award;
				a_aggs := a_aggs || format('count(*) FILTER (WHERE a.award_code = %L AND a.revoked_on IS NULL AND a.year < %s) AS %s_prior',
					award, CASE WHEN forecast THEN assumed ELSE y END, leaf);
				a_aggs := a_aggs || format('max(a.year) FILTER (WHERE a.award_code = %L AND a.revoked_on IS NULL AND a.year < %s) AS %s_when',
					award, CASE WHEN forecast THEN assumed ELSE y END, leaf);
				l1 := l1 || format('coalesce(aw.%1$s_prior, 0) AS %1$s_prior, aw.%1$s_when AS %1$s_when', leaf);
				pass_e := format('(%s_prior = 0)', leaf);
				evidence_e := format($e$CASE WHEN %1$s_prior = 0 THEN 'not received before' ELSE 'received in ' || %1$s_when || ' (once only)' END$e$, leaf);
				-- never again: no forecast
				missing_e := format('CASE WHEN %s THEN 0 END', pass_e);
				lacks_e := 'ARRAY[]::text[]';
			WHEN 'members_with_award', 'members_rated', 'members_without_discipline' THEN
				IF NOT collective THEN
					RAISE EXCEPTION 'rulebook "%", award "%", %: rule kind "%" applies to collectives only', version, award, n.node, p ->> 'kind'
						USING ERRCODE = 'invalid_parameter_value';
				END IF;
				DECLARE
					member_year integer := CASE WHEN forecast THEN assumed ELSE y END;
					hit text;
					what text;
					share numeric := (p ->> 'share')::numeric;
					how_many integer := (p ->> 'count')::integer;
					more_than boolean := coalesce(p ->> 'comparison', 'at_least') = 'more_than';
					needed text;
					lacking text;
				BEGIN
					IF p ->> 'kind' = 'members_with_award' THEN
						hit := format('EXISTS (SELECT 1 FROM thidua.individual_award a WHERE a.person_code = m.person_code
							AND a.award_code = %L AND a.year = %s AND %s)', p ->> 'award', member_year, cc);
						what := format('hold %s %s', p ->> 'award', member_year);
						lacking := format('holding %s', p ->> 'award');
					ELSIF p ->> 'kind' = 'members_rated' THEN
						hit := format('EXISTS (SELECT 1 FROM thidua.individual_rating r WHERE r.person_code = m.person_code
							AND r.year = %s AND r.rating >= %L::thidua.completion_rating)', member_year, rating);
						what := format('rated %s%s in %s', rating, CASE WHEN rating <> 'HTXSNV' THEN ' or better' ELSE '' END, member_year);
						lacking := format('rated %s', rating);
						IF share IS NULL AND how_many IS NULL THEN
							share := 1;
						END IF;
					ELSE
						hit := format('EXISTS (SELECT 1 FROM thidua.discipline x WHERE x.person_code = m.person_code
							AND x.kind = ''measure'' AND x.severity >= %L::thidua.discipline_severity
							AND x.valid_from <= %L::date AND (x.valid_to IS NULL OR x.valid_to >= %L::date))',
							coalesce(p ->> 'severity', 'reprimand'), make_date(member_year, 12, 31), make_date(member_year, 1, 1));
						what := format('had a measure of %s or heavier in %s', coalesce(p ->> 'severity', 'reprimand'), member_year);
					END IF;
					extra_sources := extra_sources || format(
						'%1$s AS (SELECT m.unit_code AS subject_code, count(DISTINCT m.person_code) AS members,
							count(DISTINCT m.person_code) FILTER (WHERE %2$s) AS hits
						FROM thidua.membership m WHERE m.valid_from <= %3$s AND (m.valid_to IS NULL OR m.valid_to > %3$s)
						GROUP BY m.unit_code)', leaf || '_src', hit, d);
					extra_joins := extra_joins || format('LEFT JOIN %1$s_src ON %1$s_src.subject_code = s.subject_code', leaf);
					l1 := l1 || format('coalesce(%1$s_src.members, 0) AS %1$s_members, coalesce(%1$s_src.hits, 0) AS %1$s_hits', leaf);
					IF p ->> 'kind' = 'members_without_discipline' THEN
						needed := '0';
						pass_e := format('(%s_hits = 0)', leaf);
						evidence_e := format($e$CASE WHEN %1$s_hits = 0 THEN 'no member of ' || %1$s_members || ' %2$s'
							ELSE %1$s_hits || ' of ' || %1$s_members || ' members %2$s' END$e$, leaf, replace(what, '''', ''''''));
						missing_e := format('CASE WHEN %s THEN 0 ELSE 1 END', pass_e);
						lacks_e := format('CASE WHEN %s THEN ARRAY[]::text[] ELSE ARRAY[%L] END', pass_e,
							'no member with a disciplinary measure');
					ELSE
						-- the fewest members that pass, exact: at least ceil(share x members), or one more than share x members
						needed := CASE WHEN share IS NOT NULL THEN
								CASE WHEN more_than THEN format('(floor(%s::numeric * %s_members)::integer + 1)', share, leaf)
									 ELSE format('ceil(%s::numeric * %s_members)::integer', share, leaf) END
							ELSE CASE WHEN more_than THEN (how_many + 1)::text ELSE how_many::text END END;
						pass_e := format('(%1$s_members > 0 AND %1$s_hits >= %2$s)', leaf, needed);
						evidence_e := format($e$%1$s_hits || ' of ' || %1$s_members || ' members %2$s'
							|| CASE WHEN %1$s_members > 0 THEN ' (' || trim_scale(round(100.0 * %1$s_hits / %1$s_members, 1)) || ' %%)' ELSE '' END
							|| '; %3$s required'$e$, leaf, replace(what, '''', ''''''),
							CASE WHEN share IS NOT NULL THEN format('%s %s %%', CASE WHEN more_than THEN 'more than' ELSE 'at least' END, trim_scale(share * 100))
								ELSE format('%s %s', CASE WHEN more_than THEN 'more than' ELSE 'at least' END, how_many) END);
						missing_e := format('greatest(0, %s - %s_hits)', needed, leaf);
						lacks_e := format('CASE WHEN %1$s THEN ARRAY[]::text[] ELSE ARRAY[thidua._how_many(greatest(1, %2$s - %3$s_hits)::text, %4$L, %5$L)] END',
							pass_e, needed, leaf, 'more member ' || lacking, 'more members ' || lacking);
					END IF;
				END;
			ELSE
				RAISE EXCEPTION 'rulebook "%", award "%", %: unknown rule kind %', version, award, n.node,
					coalesce('"' || (p ->> 'kind') || '"', '(none)')
					USING ERRCODE = 'invalid_parameter_value';
			END CASE;
		END IF;
		pass_of := pass_of || jsonb_build_object(n.node, pass_e);
		evidence_of := evidence_of || jsonb_build_object(n.node, evidence_e);
		missing_of := missing_of || jsonb_build_object(n.node, missing_e);
		lacks_of := lacks_of || jsonb_build_object(n.node, lacks_e);
	END LOOP;

	-- the subjects: members on the judging date (of the unit and its sub-units), or units
	IF collective THEN
		subjects := format('SELECT u.unit_code AS subject_code, u.name::text AS subject_name, u.parent_code AS unit_code,
			NULL::text AS sex FROM thidua.unit u WHERE %s',
			CASE WHEN subject IS NOT NULL THEN format('u.unit_code = %L', subject)
				 WHEN unit IS NOT NULL THEN 'u.unit_code IN (SELECT unit_code FROM scope_units)' ELSE 'true' END);
	ELSIF subject IS NOT NULL THEN
		subjects := format('SELECT i.person_code AS subject_code, i.full_name::text AS subject_name,
			(SELECT min(m.unit_code) FROM thidua.membership m WHERE m.person_code = i.person_code AND m.valid_from <= %s
			 AND (m.valid_to IS NULL OR m.valid_to > %s)) AS unit_code, i.sex
			FROM thidua.individual i WHERE i.person_code = %L', d, d, subject);
	ELSE
		subjects := format('SELECT m.subject_code, i.full_name::text AS subject_name, m.unit_code, i.sex
			FROM (SELECT m.person_code AS subject_code, min(m.unit_code) AS unit_code FROM thidua.membership m
				  WHERE m.valid_from <= %s AND (m.valid_to IS NULL OR m.valid_to > %s)%s GROUP BY m.person_code) m
			JOIN thidua.individual i ON i.person_code = m.subject_code', d, d,
			CASE WHEN unit IS NOT NULL THEN ' AND m.unit_code IN (SELECT unit_code FROM scope_units)' ELSE '' END);
	END IF;
	-- records of the subjects in scope only, when the scope is narrower than everyone
	rec_key := CASE WHEN unit IS NOT NULL OR subject IS NOT NULL
		THEN format(' AND %%s.%s IN (SELECT subject_code FROM subjects)', who) ELSE '' END;

	-- the last year whose achievements a disciplinary measure voids (achievements_after_discipline)
	IF after_discipline THEN
		d_aggs := d_aggs || format('max(CASE WHEN x.valid_to IS NULL OR x.valid_to > %s THEN %s ELSE extract(year FROM x.valid_to)::integer END)
			FILTER (WHERE x.kind = ''measure'') AS cut_year', d, y);
	END IF;
	IF cardinality(d_aggs) > 0 AND NOT collective THEN
		sources := sources || format(', cut AS (SELECT x.person_code AS subject_code, %s FROM thidua.discipline x
			WHERE x.valid_from <= %s%s GROUP BY x.person_code)', array_to_string(d_aggs, ', '), d, format(rec_key, 'x'));
		joins := joins || ' LEFT JOIN cut x ON x.subject_code = s.subject_code';
	END IF;
	IF cardinality(r_aggs) > 0 THEN
		sources := sources || format(', r AS (SELECT r.%1$s AS subject_code, %2$s FROM %3$s GROUP BY r.%1$s',
			who, array_to_string(ARRAY(SELECT DISTINCT a FROM unnest(r_aggs) a), ', '),
			CASE WHEN forecast THEN format(
				'(SELECT r.%1$s, r.year, r.rating FROM %2$s r WHERE r.year BETWEEN %3$s AND %4$s%6$s
				  UNION ALL SELECT r.%1$s, %5$s, r.rating FROM %2$s r WHERE r.year = %4$s%6$s) r',
				who, rating_table, rating_from, assumed, y, format(rec_key, 'r'))
			ELSE format('%s r WHERE r.year BETWEEN %s AND %s%s', rating_table, rating_from, y, format(rec_key, 'r')) END)
			|| CASE WHEN cardinality(r_having) > 0 THEN ' HAVING ' || array_to_string(r_having, ' AND ') || ')' ELSE ')' END;
		joins := joins || CASE WHEN cardinality(r_having) > 0 THEN ' JOIN' ELSE ' LEFT JOIN' END || ' r ON r.subject_code = s.subject_code';
	END IF;
	IF cardinality(a_aggs) > 0 THEN
		sources := sources || format(', aw AS (SELECT a.%1$s AS subject_code, %2$s FROM %3$s%4$s GROUP BY a.%1$s',
			who, array_to_string(a_aggs, ', '),
			CASE WHEN forecast THEN format(
				'(SELECT a.%1$s, a.award_code, a.year, a.kind, a.revoked_on FROM %2$s a WHERE a.award_code = ANY (%3$L::text[]) AND a.year <= %4$s%6$s
				  UNION ALL SELECT a.%1$s, a.award_code, %5$s, a.kind, a.revoked_on FROM %2$s a
				  WHERE a.award_code = ANY (%3$L::text[]) AND a.year = %4$s AND a.kind = ''yearly''%6$s) a',
				who, award_table, award_codes, assumed, y, format(rec_key, 'a'))
			ELSE format('%s a', award_table) END,
			CASE WHEN after_discipline THEN ' LEFT JOIN cut x ON x.subject_code = a.' || who ELSE '' END
			|| CASE WHEN forecast THEN ' WHERE true' ELSE format(' WHERE a.award_code = ANY (%L::text[]) AND a.year <= %s%s', award_codes, y, format(rec_key, 'a')) END)
			|| CASE WHEN cardinality(aw_having) > 0 THEN ' HAVING ' || array_to_string(aw_having, ' AND ') || ')' ELSE ')' END;
		joins := joins || CASE WHEN cardinality(aw_having) > 0 THEN ' JOIN' ELSE ' LEFT JOIN' END || ' aw ON aw.subject_code = s.subject_code';
		IF after_discipline THEN
			needs_cut := true;
		END IF;
	END IF;
	IF cardinality(i_aggs) > 0 THEN
		sources := sources || format(', ini AS (SELECT ia.person_code AS subject_code, %s
			FROM thidua.initiative_author ia JOIN thidua.initiative i ON i.initiative_code = ia.initiative_code
			LEFT JOIN thidua.individual_award u ON u.record_id = i.used_by_award%s
			WHERE i.recognised_on <= %s%s GROUP BY ia.person_code)',
			array_to_string(i_aggs, ', '), CASE WHEN after_discipline THEN ' LEFT JOIN cut c ON c.subject_code = ia.person_code' ELSE '' END,
			d, format(rec_key, 'ia'));
		joins := joins || ' LEFT JOIN ini ON ini.subject_code = s.subject_code';
	END IF;
	IF cardinality(extra_sources) > 0 THEN
		sources := sources || ', ' || array_to_string(extra_sources, ', ');
		joins := joins || ' ' || array_to_string(extra_joins, ' ');
	END IF;

	IF with_reasons THEN
		SELECT string_agg(format('jsonb_build_array(jsonb_build_object(''node'', %L, ''kind'', %L, ''passed'', %s, ''evidence'', %s))',
			t.node, coalesce(t.body ->> 'kind', CASE WHEN t.body ? 'all_of' THEN 'all_of' ELSE 'any_of' END),
			pass_of ->> t.node, evidence_of ->> t.node), ' || ' ORDER BY t.ordinal)
		INTO reasons FROM thidua._rule_nodes(entry.rule) t;
	END IF;

	sql := format('WITH RECURSIVE scope_units AS (SELECT u.unit_code FROM thidua.unit u WHERE u.unit_code = %L
			UNION SELECT c.unit_code FROM thidua.unit c JOIN scope_units s ON c.parent_code = s.unit_code),
		subjects AS (%s)%s
		SELECT subject_code, subject_name, unit_code, %s AS passed, %s AS reasons, (%s)::integer AS missing, %s AS lacks
		FROM (SELECT s.subject_code, s.subject_name, s.unit_code%s FROM subjects s%s) l1%s',
		unit, subjects, sources,
		pass_of ->> 'rule',
		CASE WHEN with_reasons THEN reasons ELSE 'NULL::jsonb' END,
		CASE WHEN forecast THEN missing_of ->> 'rule' ELSE 'NULL::integer' END,
		CASE WHEN forecast THEN lacks_of ->> 'rule' ELSE 'NULL::text[]' END,
		CASE WHEN cardinality(l1) > 0 THEN ', ' || array_to_string(l1, ', ') ELSE '' END,
		joins,
		CASE WHEN mode IN ('eligible', 'why') THEN ' WHERE ' || (pass_of ->> 'rule') ELSE '' END);
	RETURN sql;
END
$$;
COMMENT ON FUNCTION thidua._eligibility_query(text, integer, date, text, text, text, text) IS
	'compiles an award''s rule in a rulebook version into one query (text) over the record tables; see eligible()';

-- The subject checked and the judging date defaulted, for the public functions.
CREATE FUNCTION thidua._check_award_year(award text, year integer) RETURNS text
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	subject text;
BEGIN
	IF award IS NULL OR year IS NULL THEN
		RAISE EXCEPTION 'award and year are required' USING ERRCODE = 'null_value_not_allowed';
	END IF;
	SELECT a.subject INTO subject FROM thidua.award a WHERE a.award_code = award;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'award "%" does not exist', award
			USING ERRCODE = 'no_data_found', HINT = 'See thidua awards for the catalog.';
	END IF;
	IF year NOT BETWEEN 1900 AND 2198 THEN
		RAISE EXCEPTION 'year % is out of range', year
			USING ERRCODE = 'invalid_parameter_value', DETAIL = 'Years from 1900 to 2198 are judged.';
	END IF;
	RETURN subject;
END
$$;

CREATE FUNCTION thidua._check_unit(unit text) RETURNS void
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	IF unit IS NOT NULL AND NOT EXISTS (SELECT 1 FROM thidua.unit u WHERE u.unit_code = unit) THEN
		RAISE EXCEPTION 'unit "%" does not exist', unit USING ERRCODE = 'no_data_found';
	END IF;
END
$$;

CREATE FUNCTION thidua.eligibility(subject text, award text, year integer, rulebook_version text DEFAULT NULL,
								   judged_on date DEFAULT NULL)
	RETURNS TABLE (node text, kind text, passed boolean, evidence text, legal_source text, verified boolean)
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	award_subject text := thidua._check_award_year(award, year);
	on_date date := coalesce(judged_on, make_date(year, 12, 31));
	version text;
	outcome record;
	rule jsonb;
BEGIN
	IF subject IS NULL THEN
		RAISE EXCEPTION 'subject is required' USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF award_subject = 'individual' AND NOT EXISTS (SELECT 1 FROM thidua.individual i WHERE i.person_code = subject) THEN
		RAISE EXCEPTION 'person "%" does not exist', subject
			USING ERRCODE = 'no_data_found', DETAIL = format('Award "%s" is for individuals.', award);
	ELSIF award_subject = 'collective' AND NOT EXISTS (SELECT 1 FROM thidua.unit u WHERE u.unit_code = subject) THEN
		RAISE EXCEPTION 'unit "%" does not exist', subject
			USING ERRCODE = 'no_data_found', DETAIL = format('Award "%s" is for collectives (units).', award);
	END IF;
	version := thidua._rulebook_for(award, on_date, rulebook_version);
	SELECT e.rule INTO rule FROM thidua.rulebook_entry e WHERE e.version_code = version AND e.award_code = award;
	EXECUTE thidua._eligibility_query(award, year, on_date, version, NULL, subject, 'all') INTO outcome;
	RETURN QUERY
		SELECT r ->> 'node', r ->> 'kind', (r ->> 'passed')::boolean,
			CASE WHEN t.node = 'rule' THEN format('%s %s for %s %s under %s, judged on %s: ', award,
				CASE WHEN (r ->> 'passed')::boolean THEN 'eligible' ELSE 'not eligible' END, subject, year, version, on_date)
				ELSE '' END || (r ->> 'evidence'),
			thidua._legal_source_text(t.body -> 'source'),
			(t.body -> 'source' ->> 'verified')::boolean
		FROM jsonb_array_elements(outcome.reasons) WITH ORDINALITY AS x(r, n)
		JOIN thidua._rule_nodes(rule) t ON t.node = r ->> 'node'
		ORDER BY t.ordinal;
END
$$;
COMMENT ON FUNCTION thidua.eligibility(text, text, integer, text, date) IS
	'eligibility(subject, award, year [, rulebook_version [, judged_on]]): one row per node of the award''s rule, depth first; the first (node ''rule'') is the overall answer; evidence in words and the legal source of each rule. subject: a person code (individual awards) or unit code (collective ones). The year is judged on judged_on (default 31 December) by the published rulebook version in force then with an entry for the award, unless one is named. Errors: unknown award, person or unit; no version or several in force.';

CREATE FUNCTION thidua.eligible(award text, year integer, unit text DEFAULT NULL, why boolean DEFAULT false,
								rulebook_version text DEFAULT NULL)
	RETURNS TABLE (subject_code text, subject_name thidua.vietnamese_text, unit_code text, reasons jsonb)
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	on_date date;
	version text;
BEGIN
	PERFORM thidua._check_award_year(award, year);
	PERFORM thidua._check_unit(unit);
	on_date := make_date(year, 12, 31);
	version := thidua._rulebook_for(award, on_date, rulebook_version);
	RETURN QUERY EXECUTE format('SELECT q.subject_code, q.subject_name::thidua.vietnamese_text, q.unit_code, q.reasons FROM (%s) q',
		thidua._eligibility_query(award, year, on_date, version, unit, NULL,
			CASE WHEN coalesce(why, false) THEN 'why' ELSE 'eligible' END));
END
$$;
COMMENT ON FUNCTION thidua.eligible(text, integer, text, boolean, text) IS
	'eligible(award, year [, unit [, why [, rulebook_version]]]): the subjects eligible for the award in the year (judged on 31 December): the people who are members of the unit or its sub-units on that date (everyone when unit is NULL), or the units of that subtree for a collective award; one set-based query; with why, reasons holds one object per rule node (node, kind, passed, evidence). Unordered. Errors: unknown award or unit; no rulebook version in force (or several).';

-- thidua SQL source: forecasts, quotas and what-if.
-- Holds forecast() (who becomes eligible next year, what the others lack),
-- quota() (how many may be proposed, the arithmetic in words) and
-- eligibility_changes() (a draft rulebook against the version in force).
-- All three run the compiler of 47_eligibility.sql; none has rules of its own.

CREATE FUNCTION thidua.forecast(award text, year integer, unit text DEFAULT NULL, rulebook_version text DEFAULT NULL)
	RETURNS TABLE (subject_code text, subject_name thidua.vietnamese_text, unit_code text, eligible_next_year boolean,
				   missing integer, lacks text[])
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	next_year integer := year + 1;
	version text;
BEGIN
	PERFORM thidua._check_award_year(award, next_year);
	PERFORM thidua._check_unit(unit);
	-- the rules of next year when they are known, else those of this year
	version := coalesce(thidua._rulebook_for(award, make_date(next_year, 12, 31), rulebook_version, false),
						thidua._rulebook_for(award, make_date(year, 12, 31), rulebook_version));
	RETURN QUERY EXECUTE format('SELECT q.subject_code, q.subject_name::thidua.vietnamese_text, q.unit_code, q.passed, q.missing, q.lacks
		FROM (%s) q WHERE q.missing IS NOT NULL ORDER BY q.missing, q.unit_code, q.subject_code',
		thidua._eligibility_query(award, next_year, make_date(next_year, 12, 31), version, unit, NULL, 'forecast'));
END
$$;
COMMENT ON FUNCTION thidua.forecast(text, integer, text, text) IS
	'forecast(award, year [, unit [, rulebook_version]]): nurturing achievements: each subject of the unit and its sub-units (everyone when NULL) judged for year + 1 as if the ratings and yearly awards of year held again in it; eligible_next_year, missing (how many years, initiatives, members... still lacking; 0 when eligible) and lacks (in words: "one more year rated HTXSNV", "one initiative of scope ministry_province", "2 more years in post"), closest first. Subjects who can never qualify (once-only awards already received) are left out. The rulebook is the one in force on 31 December of year + 1, else of year. Errors: as eligible().';

CREATE FUNCTION thidua.quota(award text, unit text, year integer, rulebook_version text DEFAULT NULL)
	RETURNS TABLE (base_award text, base integer, share numeric, rounding text, minimum integer, allowed integer,
				   arithmetic text, legal_source text)
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	on_date date := make_date(year, 12, 31);
	version text;
	q jsonb;
	general jsonb;
	product numeric;
	rounded integer;
	holders integer;
BEGIN
	PERFORM thidua._check_award_year(award, year);
	IF unit IS NULL THEN
		RAISE EXCEPTION 'unit is required' USING ERRCODE = 'null_value_not_allowed',
			DETAIL = 'A quota is counted per unit (with its sub-units).';
	END IF;
	PERFORM thidua._check_unit(unit);
	version := thidua._rulebook_for(award, on_date, rulebook_version);
	SELECT e.quota, v.general INTO q, general
	FROM thidua.rulebook_entry e JOIN thidua.rulebook_version v ON v.version_code = e.version_code
	WHERE e.version_code = version AND e.award_code = award;
	IF q IS NULL OR jsonb_typeof(q) = 'null' THEN
		RETURN QUERY SELECT NULL::text, NULL::integer, NULL::numeric, NULL::text, NULL::integer, NULL::integer,
			format('no quota for %s in %s', award, version), NULL::text;
		RETURN;
	END IF;
	IF q ? 'count' THEN
		RETURN QUERY SELECT NULL::text, NULL::integer, NULL::numeric, NULL::text, NULL::integer, (q ->> 'count')::integer,
			format('a fixed count: %s per %s', q ->> 'count', coalesce(q ->> 'per', 'unit')),
			thidua._legal_source_text(q -> 'source');
		RETURN;
	END IF;
	-- the people of the unit and its sub-units on the judging date holding the base award in the year
	WITH RECURSIVE scope_units AS (
		SELECT u.unit_code FROM thidua.unit u WHERE u.unit_code = unit
		UNION SELECT c.unit_code FROM thidua.unit c JOIN scope_units s ON c.parent_code = s.unit_code)
	SELECT count(DISTINCT m.person_code)::integer INTO holders
	FROM thidua.membership m
	WHERE m.unit_code IN (SELECT s.unit_code FROM scope_units s)
	  AND m.valid_from <= on_date AND (m.valid_to IS NULL OR m.valid_to > on_date)
	  AND EXISTS (SELECT 1 FROM thidua.individual_award a WHERE a.person_code = m.person_code
				  AND a.award_code = q ->> 'base_award' AND a.year = quota.year
				  AND (thidua._general_rule(general, 'revoked_awards_count') OR a.revoked_on IS NULL)
				  AND (thidua._general_rule(general, 'thematic_and_ad_hoc_awards_count') OR a.kind IN ('yearly', 'career')));
	-- exact: numeric throughout
	product := holders * (q ->> 'share')::numeric;
	rounded := CASE coalesce(q ->> 'rounding', 'down')
		WHEN 'down' THEN floor(product) WHEN 'up' THEN ceil(product) WHEN 'half_up' THEN round(product) END;
	IF rounded IS NULL THEN
		RAISE EXCEPTION 'rulebook "%", award "%", quota: field "rounding": "%" is not a rounding (one of down, half_up, up)',
			version, award, q ->> 'rounding' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	RETURN QUERY SELECT q ->> 'base_award', holders, (q ->> 'share')::numeric, coalesce(q ->> 'rounding', 'down'),
		coalesce((q ->> 'minimum')::integer, 0),
		greatest(rounded, coalesce((q ->> 'minimum')::integer, 0)),
		format('%s %% of %s = %s, rounded %s: %s', trim_scale((q ->> 'share')::numeric * 100), holders, trim_scale(product),
			replace(coalesce(q ->> 'rounding', 'down'), '_', ' '), rounded)
		|| CASE WHEN coalesce((q ->> 'minimum')::integer, 0) > rounded THEN format('; at least %s', q ->> 'minimum') ELSE '' END,
		thidua._legal_source_text(q -> 'source');
END
$$;
COMMENT ON FUNCTION thidua.quota(text, text, integer, text) IS
	'quota(award, unit, year [, rulebook_version]): how many of the unit (with its sub-units) may be proposed for the award in the year: for a share, base (members on 31 December holding base_award in the year, counted as the general rules say) x share, rounded down, half up or up, at least minimum, with the arithmetic in words ("15 % of 13 = 1.95, rounded down: 1"); for a fixed count, the count; exact numeric; legal_source of the quota. One row; "no quota" when the entry has none. Errors: unknown award or unit, unit NULL, no rulebook version in force.';

CREATE FUNCTION thidua.eligibility_changes(award text, year integer, draft_version text, unit text DEFAULT NULL)
	RETURNS TABLE (subject_code text, subject_name thidua.vietnamese_text, change text, in_force_version text,
				   deciding_rule text, evidence text)
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	on_date date := make_date(year, 12, 31);
	in_force text;
	draft text;
	rule_in_force jsonb;
	rule_draft jsonb;
BEGIN
	PERFORM thidua._check_award_year(award, year);
	PERFORM thidua._check_unit(unit);
	IF draft_version IS NULL THEN
		RAISE EXCEPTION 'draft_version is required' USING ERRCODE = 'null_value_not_allowed';
	END IF;
	in_force := thidua._rulebook_for(award, on_date, NULL);
	draft := thidua._rulebook_for(award, on_date, draft_version);
	SELECT e.rule INTO rule_in_force FROM thidua.rulebook_entry e WHERE e.version_code = in_force AND e.award_code = award;
	SELECT e.rule INTO rule_draft FROM thidua.rulebook_entry e WHERE e.version_code = draft AND e.award_code = award;
	-- the deciding rule: a failing leaf of the version under which the subject fails,
	-- first those with no identical leaf (parameters alike) in the other version
	RETURN QUERY EXECUTE format($q$
		WITH now AS (%s), proposed AS (%s)
		SELECT n.subject_code, n.subject_name::thidua.vietnamese_text,
			CASE WHEN p.passed THEN 'gains' ELSE 'loses' END, %L::text, d.deciding_rule, d.evidence
		FROM now n JOIN proposed p ON p.subject_code = n.subject_code AND p.passed IS DISTINCT FROM n.passed
		LEFT JOIN LATERAL (
			SELECT format('%%s %%s: %%s %%s', CASE WHEN p.passed THEN %L ELSE %L END, t.node, t.body ->> 'kind',
					t.body - 'kind' - 'source' - 'label') AS deciding_rule,
				r ->> 'evidence' AS evidence
			FROM jsonb_array_elements(CASE WHEN p.passed THEN n.reasons ELSE p.reasons END) AS e(r)
			JOIN thidua._rule_nodes(CASE WHEN p.passed THEN $1 ELSE $2 END) t ON t.node = r ->> 'node'
			WHERE NOT (r ->> 'passed')::boolean AND t.body ? 'kind'
			ORDER BY (t.body - 'source' - 'label') IN (SELECT o.body - 'source' - 'label'
				FROM thidua._rule_nodes(CASE WHEN p.passed THEN $2 ELSE $1 END) o WHERE o.body ? 'kind'), t.ordinal
			LIMIT 1) d ON true
		ORDER BY 3, n.unit_code, n.subject_code $q$,
		thidua._eligibility_query(award, year, on_date, in_force, unit, NULL, 'all'),
		thidua._eligibility_query(award, year, on_date, draft, unit, NULL, 'all'),
		in_force, in_force, draft)
		USING rule_in_force, rule_draft;
END
$$;
COMMENT ON FUNCTION thidua.eligibility_changes(text, integer, text, text) IS
	'eligibility_changes(award, year, draft_version [, unit]): what-if: the subjects of the unit and its sub-units (everyone when NULL) whose eligibility for the award in the year differs under draft_version (any status) from the version in force: change gains or loses, the version in force, the deciding rule (version, node, kind and parameters of a failing rule of the version under which the subject fails, first one that the other version does not have) and its evidence. Errors: as eligible(); draft_version unknown or without an entry for the award.';

-- Privileges (50_roles.sql): the new functions for administrators and scorers
-- Eligibility, forecasts, quotas and what-if (47, 48) read people's records with
-- the caller's rights: administrators, and scorers for their own people.
REVOKE EXECUTE ON FUNCTION thidua.eligibility(text, text, integer, text, date),
	thidua.eligible(text, integer, text, boolean, text), thidua.forecast(text, integer, text, text),
	thidua.quota(text, text, integer, text), thidua.eligibility_changes(text, integer, text, text) FROM PUBLIC;

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
		thidua.evaluation, thidua.observation, thidua.adjustment, thidua.role_unit,
		thidua.not_applicable_marking TO thidua_admin;
	-- the award catalog, rulebooks and records (36, 37, 44)
	GRANT SELECT, INSERT, UPDATE, DELETE ON thidua.award, thidua.rulebook, thidua.rulebook_version,
		thidua.rulebook_entry, thidua.individual_rating, thidua.unit_rating, thidua.individual_award,
		thidua.unit_award, thidua.initiative, thidua.initiative_author, thidua.discipline TO thidua_admin;
	GRANT SELECT ON thidua.rulebook_version_event TO thidua_admin;
	GRANT SELECT ON thidua.period_event, thidua.standing_revision, thidua.standing_row, thidua.current_standings,
		thidua.published_standings TO thidua_admin;
	GRANT EXECUTE ON FUNCTION thidua.import_criteria(jsonb, boolean), thidua.import_criteria_file(bytea, text, text, boolean),
		thidua.publish_version(text, text), thidua.retire_version(text, text), thidua.clone_version(text, text),
		thidua.delete_draft(text), thidua.close_period(text, text), thidua.reopen_period(text, text),
	thidua.evaluation_scores(text, text),
		thidua.standings(text, text), thidua.explain(text, text, text), thidua.judge_report(text, text),
		thidua.publish_standings(text, text, text), thidua.import_scores(text, text, text),
		thidua.import_criteria_file(text, text, text, boolean), thidua.import_scores(text, text, text, text),
		thidua.import_scores(text, text, bytea, text) TO thidua_admin;
	-- setting up a zone (34_zone_setup.sql)
	GRANT EXECUTE ON FUNCTION thidua.import_units(text, text), thidua.import_people(text, text),
		thidua.open_period(text, integer), thidua.create_bloc(text, text, text),
		thidua.set_bloc_settings(text, text, text, text, integer, integer, text),
		thidua.import_bloc_members(text, text, text, text), thidua.import_pact(text, text, text, text),
		thidua.add_veto(text, text, text, text), thidua.remove_veto(text, text, text, text),
		thidua.add_recusal(text, text, text, text, text),
		thidua.set_member_status(text, text, text, text, date, text, text), thidua.remove_member(text, text, text),
		thidua.import_units(bytea, text), thidua.import_people(bytea, text),
		thidua.import_bloc_members(text, text, bytea, text), thidua.import_pact(text, text, bytea, text)
		TO thidua_admin;

	-- thidua_scorer: the scores of the units its role is mapped to (policies),
	-- the people of those units, and what scoring needs to read.
	GRANT SELECT ON thidua.unit, thidua.period, thidua.bloc, thidua.bloc_period, thidua.bloc_member,
		thidua.period_event, thidua.role_unit, thidua.individual, thidua.membership, thidua.post_held,
		thidua.not_applicable_marking, thidua.individual_rating, thidua.unit_rating, thidua.individual_award,
		thidua.unit_award, thidua.initiative, thidua.initiative_author, thidua.discipline TO thidua_scorer;
	GRANT SELECT, INSERT, DELETE ON thidua.evaluation TO thidua_scorer;
	GRANT SELECT, INSERT, UPDATE, DELETE ON thidua.observation TO thidua_scorer;
	GRANT EXECUTE ON FUNCTION thidua.import_scores(text, text, text), thidua.import_scores(text, text, text, text),
		thidua.import_scores(text, text, bytea, text) TO thidua_scorer;

	-- eligibility, forecasts, quotas and what-if (47, 48): row-level security
	-- limits a scorer to the people of its own units
	GRANT EXECUTE ON FUNCTION thidua.eligibility(text, text, integer, text, date),
		thidua.eligible(text, integer, text, boolean, text), thidua.forecast(text, integer, text, text),
		thidua.quota(text, text, integer, text), thidua.eligibility_changes(text, integer, text, text)
		TO thidua_admin, thidua_scorer;

	-- thidua_reader, and for now thidua_council: published standings and the
	-- public structure they name; no personal data, no unpublished score.
	GRANT SELECT ON thidua.unit, thidua.period, thidua.bloc, thidua.bloc_period, thidua.bloc_member,
		thidua.period_event, thidua.standing_revision, thidua.standing_row, thidua.published_standings
		TO thidua_reader, thidua_council;
END
$$;
