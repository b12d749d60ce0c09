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
