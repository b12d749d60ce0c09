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

-- (create_roles() is redefined once, at the end of this script, with every part's grants)

------------------------------------------------------------------------------
-- People's and units' records: guards (37_records.sql), overlapping posts in
-- import_people (34_zone_setup.sql), import_records and revoke_award
-- (38_records_import.sql), their privileges (50_roles.sql)
------------------------------------------------------------------------------
-- One numbering for both award tables, so that a record_id names one award
-- (revoke_award): people's awards odd, units' even.
ALTER TABLE thidua.individual_award ALTER COLUMN record_id SET INCREMENT BY 2 SET START WITH 1 RESTART;
ALTER TABLE thidua.unit_award ALTER COLUMN record_id SET INCREMENT BY 2 SET START WITH 2 RESTART;

-- Guards of the records (every route: functions, INSERT, UPDATE, COPY).

-- An award's kind defaults to its catalog kind (BEFORE, so that NOT NULL holds).
CREATE FUNCTION thidua._award_kind_default() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	IF NEW.kind IS NULL THEN
		NEW.kind := (SELECT a.kind FROM thidua.award a WHERE a.award_code OPERATOR(pg_catalog.=) NEW.award_code);
	END IF;
	RETURN NEW;
END
$$;
CREATE TRIGGER individual_award_kind BEFORE INSERT OR UPDATE ON thidua.individual_award
	FOR EACH ROW EXECUTE FUNCTION thidua._award_kind_default();
CREATE TRIGGER unit_award_kind BEFORE INSERT OR UPDATE ON thidua.unit_award
	FOR EACH ROW EXECUTE FUNCTION thidua._award_kind_default();

-- An award received matches its table's subject (a person's award is for
-- individuals, a unit's for collectives); a revocation is final (neither undone
-- nor made again); a person's award keeps the initiatives it used among the
-- person's own.
CREATE FUNCTION thidua._guard_award_record() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	wanted text := CASE TG_TABLE_NAME WHEN 'individual_award' THEN 'individual' ELSE 'collective' END;
	subject text;
	holder text := CASE TG_TABLE_NAME WHEN 'individual_award' THEN to_jsonb(NEW) ->> 'person_code'
									  ELSE to_jsonb(NEW) ->> 'unit_code' END;
	used text;
BEGIN
	IF TG_OP = 'INSERT' AND thidua._restoring(TG_TABLE_NAME) THEN
		RETURN NULL;
	END IF;
	SELECT a.subject INTO subject FROM thidua.award a WHERE a.award_code OPERATOR(pg_catalog.=) NEW.award_code;
	IF subject OPERATOR(pg_catalog.<>) wanted THEN
		RAISE EXCEPTION 'award "%" is for %, not for %', NEW.award_code,
			CASE subject WHEN 'individual' THEN 'individuals (people)' ELSE 'collectives (units)' END,
			CASE wanted WHEN 'individual' THEN 'a person ("' || holder || '")' ELSE 'a unit ("' || holder || '")' END
			USING ERRCODE = 'check_violation',
				  HINT = 'People''s awards are in thidua.individual_award, units'' in thidua.unit_award.';
	END IF;
	IF TG_OP = 'UPDATE' AND OLD.revoked_on IS NOT NULL
	   AND (NEW.revoked_on, NEW.revocation_reason, NEW.revocation_decision)
		   IS DISTINCT FROM (OLD.revoked_on, OLD.revocation_reason, OLD.revocation_decision) THEN
		RAISE EXCEPTION 'award record % of "%" was revoked on %: a revocation is neither undone nor made again',
			OLD.record_id, holder, to_char(OLD.revoked_on, 'YYYY-MM-DD')
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'A new decision awarding it again is a new award record.';
	END IF;
	IF TG_TABLE_NAME = 'individual_award' AND TG_OP = 'UPDATE' THEN
		SELECT i.initiative_code INTO used FROM thidua.initiative i
			WHERE i.used_by_award OPERATOR(pg_catalog.=) NEW.record_id
			  AND NOT EXISTS (SELECT 1 FROM thidua.initiative_author ia
							  WHERE ia.initiative_code OPERATOR(pg_catalog.=) i.initiative_code
								AND ia.person_code OPERATOR(pg_catalog.=) holder)
			LIMIT 1;
		IF FOUND THEN
			RAISE EXCEPTION 'award record % used initiative "%", of which "%" is not an author', NEW.record_id, used, holder
				USING ERRCODE = 'check_violation';
		END IF;
	END IF;
	RETURN NULL;
END
$$;
CREATE TRIGGER individual_award_guard AFTER INSERT OR UPDATE ON thidua.individual_award
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_award_record();
CREATE TRIGGER unit_award_guard AFTER INSERT OR UPDATE ON thidua.unit_award
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_award_record();

-- An initiative is used only by an award of one of its authors: checked when the
-- initiative names the award and when an author leaves the list.
CREATE FUNCTION thidua._guard_initiative_use() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	code text := CASE TG_TABLE_NAME WHEN 'initiative' THEN NEW.initiative_code ELSE OLD.initiative_code END;
	bad record;
BEGIN
	IF TG_OP = 'INSERT' AND thidua._restoring(TG_TABLE_NAME) THEN
		RETURN NULL;
	END IF;
	SELECT i.initiative_code, i.used_by_award, a.person_code INTO bad
	FROM thidua.initiative i JOIN thidua.individual_award a ON a.record_id OPERATOR(pg_catalog.=) i.used_by_award
	WHERE i.initiative_code OPERATOR(pg_catalog.=) code
	  AND NOT EXISTS (SELECT 1 FROM thidua.initiative_author ia
					  WHERE ia.initiative_code OPERATOR(pg_catalog.=) i.initiative_code
						AND ia.person_code OPERATOR(pg_catalog.=) a.person_code);
	IF FOUND THEN
		RAISE EXCEPTION 'initiative "%" is used by award record % of "%", who is not one of its authors',
			bad.initiative_code, bad.used_by_award, bad.person_code
			USING ERRCODE = 'check_violation',
				  HINT = 'An initiative counts for an award of one of its authors only.';
	END IF;
	RETURN NULL;
END
$$;
CREATE TRIGGER initiative_used_by_author AFTER INSERT OR UPDATE ON thidua.initiative
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_initiative_use();
CREATE TRIGGER initiative_author_of_use AFTER UPDATE OR DELETE ON thidua.initiative_author
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_initiative_use();

-- Periods of the same post of one person do not overlap ([from, to), to open:
-- a post taken up again starts on or after the day the last one ended).
CREATE FUNCTION thidua._guard_post_overlap() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	other thidua.post_held;
BEGIN
	IF TG_OP = 'INSERT' AND thidua._restoring(TG_TABLE_NAME) THEN
		RETURN NULL;
	END IF;
	SELECT p.* INTO other FROM thidua.post_held p
		WHERE p.person_code OPERATOR(pg_catalog.=) NEW.person_code AND p.post OPERATOR(pg_catalog.=) NEW.post
		  AND p.valid_from OPERATOR(pg_catalog.<>) NEW.valid_from
		  AND daterange(p.valid_from, p.valid_to) OPERATOR(pg_catalog.&&) daterange(NEW.valid_from, NEW.valid_to)
		ORDER BY p.valid_from LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION 'the post "%" of "%" from % overlaps its period from % to %', NEW.post, NEW.person_code,
			to_char(NEW.valid_from, 'YYYY-MM-DD'), to_char(other.valid_from, 'YYYY-MM-DD'),
			coalesce(to_char(other.valid_to, 'YYYY-MM-DD'), 'now')
			USING ERRCODE = 'exclusion_violation',
				  HINT = 'A post is held once at a time: end one period (valid_to) on or before the next starts.';
	END IF;
	RETURN NULL;
END
$$;
CREATE TRIGGER post_held_without_overlap AFTER INSERT OR UPDATE ON thidua.post_held
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_post_overlap();

-- The built-in catalog changes with thidua's releases only (its own functions
-- and scripts, which run as the table's owner); other awards are the users'.
CREATE FUNCTION thidua._guard_builtin_award() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	code text := CASE WHEN TG_OP = 'INSERT' THEN NEW.award_code ELSE OLD.award_code END;
BEGIN
	IF ((TG_OP <> 'INSERT' AND OLD.builtin) OR (TG_OP <> 'DELETE' AND NEW.builtin))
	   AND NOT thidua._as_owner(TG_RELID) THEN
		RAISE EXCEPTION 'award "%" is built into thidua: it cannot be %', code,
			CASE TG_OP WHEN 'DELETE' THEN 'deleted' WHEN 'UPDATE' THEN 'changed' ELSE 'added as built in' END
			USING ERRCODE = 'insufficient_privilege',
				  HINT = 'The built-in catalog changes with thidua''s releases; add an award of your own (builtin false) instead.';
	END IF;
	RETURN NULL;
END
$$;
CREATE TRIGGER award_builtin_rows AFTER INSERT OR UPDATE OR DELETE ON thidua.award
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_builtin_award();

-- People from a CSV file: one row per person and unit membership, with an
-- optional post held in that unit (columns code, name, sex, date_of_birth,
-- unit, unit_from, unit_to, post, post_from, post_to). A person with several
-- posts or units takes several rows that agree on name, sex and date of birth.
CREATE OR REPLACE FUNCTION thidua.import_people(content text, source text DEFAULT 'input',
									 OUT added integer, OUT changed integer, OUT unchanged integer,
									 OUT memberships integer, OUT posts integer)
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	rec record;
	people jsonb := '{}';		-- code -> {line, name, sex, born}
	units jsonb := '{}';		-- code|unit|from -> {line, until}
	held jsonb := '{}';			-- code|post|from -> {line, unit, until}
	code text;
	sex text;
	born date;
	unit_from date;
	unit_to date;
	post_from date;
	post_to date;
	key text;
	earlier jsonb;
	overlap record;
BEGIN
	source := coalesce(source, 'input');
	FOR rec IN SELECT * FROM thidua._csv_rows(content, source,
			'{code,name,sex,date_of_birth,unit,unit_from,unit_to,post,post_from,post_to}',
			'{code,name,sex,unit,unit_from}') LOOP
		code := rec.cells[1];
		IF code OPERATOR(pg_catalog.!~) '^[[:alnum:]][[:alnum:]._-]{0,63}$' THEN
			RAISE EXCEPTION '%:%: column "code": "%" is not a person code', source, rec.line, code
				USING ERRCODE = 'invalid_text_representation',
					  HINT = 'A code is a letter or digit, then up to 63 letters, digits, ".", "_" or "-".';
		END IF;
		IF char_length(rec.cells[2]) OPERATOR(pg_catalog.>) 300 THEN
			RAISE EXCEPTION '%:%: column "name": % characters, at most 300', source, rec.line, char_length(rec.cells[2])
				USING ERRCODE = 'string_data_right_truncation';
		END IF;
		IF char_length(rec.cells[8]) OPERATOR(pg_catalog.>) 300 THEN
			RAISE EXCEPTION '%:%: column "post": % characters, at most 300', source, rec.line, char_length(rec.cells[8])
				USING ERRCODE = 'string_data_right_truncation';
		END IF;
		sex := CASE lower(normalize(rec.cells[3], NFC)) WHEN 'male' THEN 'male' WHEN 'nam' THEN 'male'
					WHEN 'female' THEN 'female' WHEN 'nữ' THEN 'female' END;
		IF sex IS NULL THEN
			RAISE EXCEPTION '%:%: column "sex": "%" is not male, female, nam or nữ', source, rec.line, rec.cells[3]
				USING ERRCODE = 'invalid_text_representation';
		END IF;
		born := thidua._csv_date(rec.cells[4], source, rec.line, 'date_of_birth');
		IF NOT EXISTS (SELECT 1 FROM thidua.unit u WHERE u.unit_code OPERATOR(pg_catalog.=) rec.cells[5]) THEN
			RAISE EXCEPTION '%:%: column "unit": unit "%" does not exist', source, rec.line, rec.cells[5]
				USING ERRCODE = 'foreign_key_violation', HINT = 'Import the units first (thidua units import).';
		END IF;
		unit_from := thidua._csv_date(rec.cells[6], source, rec.line, 'unit_from');
		unit_to := thidua._csv_date(rec.cells[7], source, rec.line, 'unit_to');
		IF unit_to OPERATOR(pg_catalog.<=) unit_from THEN
			RAISE EXCEPTION '%:%: column "unit_to": % is not after unit_from %', source, rec.line, unit_to, unit_from
				USING ERRCODE = 'check_violation';
		END IF;
		post_from := thidua._csv_date(rec.cells[9], source, rec.line, 'post_from');
		post_to := thidua._csv_date(rec.cells[10], source, rec.line, 'post_to');
		IF rec.cells[8] IS NULL AND (post_from IS NOT NULL OR post_to IS NOT NULL) THEN
			RAISE EXCEPTION '%:%: column "post": dates of a post are given, not the post', source, rec.line
				USING ERRCODE = 'not_null_violation';
		ELSIF rec.cells[8] IS NOT NULL AND post_from IS NULL THEN
			RAISE EXCEPTION '%:%: column "post_from": the post "%" needs the date it was taken up', source, rec.line, rec.cells[8]
				USING ERRCODE = 'not_null_violation';
		ELSIF post_to OPERATOR(pg_catalog.<=) post_from THEN
			RAISE EXCEPTION '%:%: column "post_to": % is not after post_from %', source, rec.line, post_to, post_from
				USING ERRCODE = 'check_violation';
		END IF;

		-- the rows of one person agree on who it is
		earlier := people -> code;
		IF earlier IS NULL THEN
			people := people OPERATOR(pg_catalog.||) jsonb_build_object(code, jsonb_build_object(
				'line', rec.line, 'name', normalize(rec.cells[2], NFC), 'sex', sex, 'born', born));
		ELSIF (earlier ->> 'name', earlier ->> 'sex', (earlier ->> 'born')::date)
			  IS DISTINCT FROM (normalize(rec.cells[2], NFC), sex, born) THEN
			RAISE EXCEPTION '%:%: column "%": person "%" is given as someone else on line %', source, rec.line,
				CASE WHEN earlier ->> 'name' IS DISTINCT FROM normalize(rec.cells[2], NFC) THEN 'name'
					 WHEN earlier ->> 'sex' IS DISTINCT FROM sex THEN 'sex' ELSE 'date_of_birth' END,
				code, earlier ->> 'line'
				USING ERRCODE = 'unique_violation',
					  HINT = 'Rows of one person give the same name, sex and date of birth.';
		END IF;
		key := concat_ws('|', code, rec.cells[5], unit_from);
		earlier := units -> key;
		IF earlier IS NULL THEN
			units := units OPERATOR(pg_catalog.||) jsonb_build_object(key, jsonb_build_object(
				'line', rec.line, 'person', code, 'unit', rec.cells[5], 'from', unit_from, 'until', unit_to));
		ELSIF (earlier ->> 'until')::date IS DISTINCT FROM unit_to THEN
			RAISE EXCEPTION '%:%: column "unit_to": the membership of "%" in "%" from % ends otherwise on line %',
				source, rec.line, code, rec.cells[5], unit_from, earlier ->> 'line'
				USING ERRCODE = 'unique_violation';
		END IF;
		IF rec.cells[8] IS NOT NULL THEN
			key := concat_ws('|', code, normalize(rec.cells[8], NFC), post_from);
			earlier := held -> key;
			IF earlier IS NULL THEN
				held := held OPERATOR(pg_catalog.||) jsonb_build_object(key, jsonb_build_object(
					'line', rec.line, 'person', code, 'post', normalize(rec.cells[8], NFC), 'unit', rec.cells[5],
					'from', post_from, 'until', post_to));
			ELSIF (earlier ->> 'unit', (earlier ->> 'until')::date) IS DISTINCT FROM (rec.cells[5], post_to) THEN
				RAISE EXCEPTION '%:%: column "post": the post "%" of "%" from % is given otherwise on line %',
					source, rec.line, rec.cells[8], code, post_from, earlier ->> 'line'
					USING ERRCODE = 'unique_violation';
			END IF;
		END IF;
	END LOOP;
	-- the periods of one post of a person do not overlap, in the file or with
	-- those stored (a stored period the file gives again is the file's)
	WITH file AS (
		SELECT (h.value ->> 'line')::integer AS line, h.value ->> 'person' AS person, h.value ->> 'post' AS post,
			(h.value ->> 'from')::date AS valid_from, (h.value ->> 'until')::date AS valid_to
		FROM jsonb_each(held) h
	), every_period AS (
		SELECT f.* FROM file f
		UNION ALL
		SELECT NULL, p.person_code, p.post, p.valid_from, p.valid_to FROM thidua.post_held p
		WHERE p.person_code OPERATOR(pg_catalog.=) ANY (SELECT f.person FROM file f)
		  AND NOT held OPERATOR(pg_catalog.?) concat_ws('|', p.person_code, p.post, p.valid_from)
	)
	SELECT f.line, f.person, f.post, f.valid_from, o.valid_from AS other_from, o.line AS other_line INTO overlap
	FROM file f JOIN every_period o ON o.person OPERATOR(pg_catalog.=) f.person AND o.post OPERATOR(pg_catalog.=) f.post
		AND o.valid_from OPERATOR(pg_catalog.<>) f.valid_from
		AND (o.line IS NULL OR o.line OPERATOR(pg_catalog.<) f.line)
		AND daterange(o.valid_from, o.valid_to) OPERATOR(pg_catalog.&&) daterange(f.valid_from, f.valid_to)
	ORDER BY f.line, o.line NULLS FIRST LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION '%:%: column "post_from": the post "%" of "%" from % overlaps its period from % (%)', source,
			overlap.line, overlap.post, overlap.person, to_char(overlap.valid_from, 'YYYY-MM-DD'),
			to_char(overlap.other_from, 'YYYY-MM-DD'),
			CASE WHEN overlap.other_line IS NULL THEN 'stored' ELSE 'line ' || overlap.other_line END
			USING ERRCODE = 'exclusion_violation',
				  HINT = 'A post is held once at a time: end one period (post_to) on or before the next starts.';
	END IF;

	SELECT count(*) FILTER (WHERE i.person_code IS NULL),
		   count(*) FILTER (WHERE i.person_code IS NOT NULL AND (i.full_name, i.sex, i.date_of_birth)
							IS DISTINCT FROM (p.value ->> 'name', p.value ->> 'sex', (p.value ->> 'born')::date)),
		   count(*) FILTER (WHERE i.person_code IS NOT NULL AND (i.full_name, i.sex, i.date_of_birth)
							IS NOT DISTINCT FROM (p.value ->> 'name', p.value ->> 'sex', (p.value ->> 'born')::date))
		INTO added, changed, unchanged
	FROM jsonb_each(people) p LEFT JOIN thidua.individual i ON i.person_code OPERATOR(pg_catalog.=) p.key;
	INSERT INTO thidua.individual (person_code, full_name, sex, date_of_birth)
		SELECT p.key, p.value ->> 'name', p.value ->> 'sex', (p.value ->> 'born')::date FROM jsonb_each(people) p
		ON CONFLICT (person_code) DO UPDATE SET full_name = excluded.full_name, sex = excluded.sex,
			date_of_birth = excluded.date_of_birth
		WHERE (individual.full_name, individual.sex, individual.date_of_birth)
			IS DISTINCT FROM (excluded.full_name, excluded.sex, excluded.date_of_birth);
	INSERT INTO thidua.membership (person_code, unit_code, valid_from, valid_to)
		SELECT m.value ->> 'person', m.value ->> 'unit', (m.value ->> 'from')::date, (m.value ->> 'until')::date
		FROM jsonb_each(units) m
		ON CONFLICT (person_code, unit_code, valid_from) DO UPDATE SET valid_to = excluded.valid_to
		WHERE membership.valid_to IS DISTINCT FROM excluded.valid_to;
	GET DIAGNOSTICS memberships = ROW_COUNT;
	INSERT INTO thidua.post_held (person_code, unit_code, post, valid_from, valid_to)
		SELECT h.value ->> 'person', h.value ->> 'unit', h.value ->> 'post', (h.value ->> 'from')::date,
			(h.value ->> 'until')::date
		FROM jsonb_each(held) h
		ON CONFLICT (person_code, post, valid_from) DO UPDATE SET unit_code = excluded.unit_code, valid_to = excluded.valid_to
		WHERE (post_held.unit_code, post_held.valid_to) IS DISTINCT FROM (excluded.unit_code, excluded.valid_to);
	GET DIAGNOSTICS posts = ROW_COUNT;
END
$$;
COMMENT ON FUNCTION thidua.import_people(text, text) IS
	'imports people from CSV text (columns code, name, sex [male, female, nam, nữ], date_of_birth, unit, unit_from, unit_to, post, post_from, post_to; one row per membership, with an optional post; dates 2024-03-15 or 15/03/2024): upserts people by code, memberships by person, unit and start, posts by person, post and start; all or nothing; returns people added, changed, unchanged and the memberships and posts written. Errors name source:line and the column; periods of one post of a person that overlap (in the file or with those stored) are an error';

-- The words of a records file, lower case and NFC, with the value each stands for.
CREATE FUNCTION thidua._record_words(domain text) RETURNS TABLE (word text, value text)
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT w.word, w.value FROM (VALUES
		('rating', 'khtnv', 'KHTNV'), ('rating', 'htnv', 'HTNV'), ('rating', 'httnv', 'HTTNV'), ('rating', 'htxsnv', 'HTXSNV'),
		('rating', 'không hoàn thành nhiệm vụ', 'KHTNV'), ('rating', 'hoàn thành nhiệm vụ', 'HTNV'),
		('rating', 'hoàn thành tốt nhiệm vụ', 'HTTNV'), ('rating', 'hoàn thành xuất sắc nhiệm vụ', 'HTXSNV'),
		('scope', 'grassroots', 'grassroots'), ('scope', 'ministry_province', 'ministry_province'),
		('scope', 'national', 'national'), ('scope', 'cơ sở', 'grassroots'), ('scope', 'cấp bộ', 'ministry_province'),
		('scope', 'cấp tỉnh', 'ministry_province'), ('scope', 'toàn quốc', 'national'),
		('award_kind', 'yearly', 'yearly'), ('award_kind', 'thematic', 'thematic'), ('award_kind', 'ad_hoc', 'ad_hoc'),
		('award_kind', 'career', 'career'), ('award_kind', 'thường xuyên', 'yearly'),
		('award_kind', 'chuyên đề', 'thematic'), ('award_kind', 'đột xuất', 'ad_hoc'),
		('discipline_kind', 'measure', 'measure'), ('discipline_kind', 'consideration', 'consideration'),
		('discipline_kind', 'investigation', 'investigation'), ('discipline_kind', 'complaint', 'complaint'),
		('discipline_kind', 'kỷ luật', 'measure'), ('discipline_kind', 'hình thức kỷ luật', 'measure'),
		('discipline_kind', 'xem xét kỷ luật', 'consideration'), ('discipline_kind', 'đang xem xét kỷ luật', 'consideration'),
		('discipline_kind', 'điều tra', 'investigation'), ('discipline_kind', 'đang bị điều tra', 'investigation'),
		('discipline_kind', 'khiếu nại', 'complaint'), ('discipline_kind', 'xác minh khiếu nại', 'complaint'),
		('discipline_kind', 'đang xác minh khiếu nại', 'complaint'),
		('severity', 'reprimand', 'reprimand'), ('severity', 'warning', 'warning'), ('severity', 'demotion', 'demotion'),
		('severity', 'removal', 'removal'), ('severity', 'dismissal', 'dismissal'),
		('severity', 'khiển trách', 'reprimand'), ('severity', 'cảnh cáo', 'warning'),
		('severity', 'hạ bậc lương', 'demotion'), ('severity', 'giáng chức', 'demotion'),
		('severity', 'cách chức', 'removal'), ('severity', 'buộc thôi việc', 'dismissal')
	) AS w(domain, word, value)
	WHERE w.domain OPERATOR(pg_catalog.=) _record_words.domain
$$;
COMMENT ON FUNCTION thidua._record_words(text) IS
	'the words a records file may write for a rating, scope, award_kind, discipline_kind or severity (lower case, NFC) and the value each stands for';

-- The column names of a CSV text's header (lower case, trimmed), as _csv_rows
-- reads them; read from its first 64 kB only, for telling the kind of a file.
CREATE FUNCTION thidua._csv_header(content text) RETURNS text[]
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT array_agg(lower(btrim(c.name, E' \t\r"')) ORDER BY c.n)
	FROM (SELECT l.line FROM regexp_split_to_table(ltrim(left(coalesce(content, ''), 65536), E'\uFEFF'), E'\n')
			WITH ORDINALITY AS l(line, n)
		  WHERE btrim(l.line, E' \t\r,;"') OPERATOR(pg_catalog.<>) '' ORDER BY l.n LIMIT 1) h,
		regexp_split_to_table(h.line, thidua._csv_separator(h.line)) WITH ORDINALITY AS c(name, n)
$$;

-- Whether a records file names people or units: its column person or unit,
-- exactly one of them.
CREATE FUNCTION thidua._record_subject(content text, source text) RETURNS text
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	header text[] := thidua._csv_header(content);
BEGIN
	IF 'person' OPERATOR(pg_catalog.=) ANY (header) AND 'unit' OPERATOR(pg_catalog.=) ANY (header) THEN
		RAISE EXCEPTION '%:%: columns "person" and "unit": a file holds the records of people or of units, not both',
			source, thidua._csv_header_line(content)
			USING ERRCODE = 'invalid_parameter_value', HINT = 'Put people''s and units'' records in two files.';
	ELSIF 'unit' OPERATOR(pg_catalog.=) ANY (header) THEN
		RETURN 'unit';
	ELSIF 'person' OPERATOR(pg_catalog.=) ANY (header) THEN
		RETURN 'person';
	END IF;
	RAISE EXCEPTION '%:%: column "person" (or "unit") is missing from the header', source, thidua._csv_header_line(content)
		USING ERRCODE = 'invalid_parameter_value',
			  HINT = 'The column person names people by code; unit names units.';
END
$$;

-- Raises the error of a line at fault (found by a query over the whole file).
CREATE FUNCTION thidua._record_fault(source text, line bigint, field text, message text, state text,
									 hint text DEFAULT NULL) RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	IF hint IS NULL THEN
		RAISE EXCEPTION USING ERRCODE = state, MESSAGE = format('%s:%s: column "%s": %s', source, line, field, message);
	END IF;
	RAISE EXCEPTION USING ERRCODE = state, MESSAGE = format('%s:%s: column "%s": %s', source, line, field, message),
		HINT = hint;
END
$$;

-- Checks of every kind over pg_temp._thidua_record_file: the year (1900-2199),
-- the subject (a person or unit that exists), texts within their lengths.
CREATE FUNCTION thidua._record_file_common(source text, subject_column text, lengths jsonb) RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	bad record;
BEGIN
	IF subject_column OPERATOR(pg_catalog.=) 'person' THEN
		SELECT f.line, f.code INTO bad FROM pg_temp._thidua_record_file f
			WHERE NOT EXISTS (SELECT 1 FROM thidua.individual i WHERE i.person_code OPERATOR(pg_catalog.=) f.code)
			ORDER BY f.line LIMIT 1;
	ELSIF subject_column OPERATOR(pg_catalog.=) 'unit' THEN
		SELECT f.line, f.code INTO bad FROM pg_temp._thidua_record_file f
			WHERE NOT EXISTS (SELECT 1 FROM thidua.unit u WHERE u.unit_code OPERATOR(pg_catalog.=) f.code)
			ORDER BY f.line LIMIT 1;
	END IF;
	IF subject_column IS NOT NULL AND FOUND THEN
			PERFORM thidua._record_fault(source, bad.line, subject_column,
				format('%s "%s" does not exist', subject_column, bad.code),
				'foreign_key_violation', CASE subject_column WHEN 'person' THEN 'Import the people first (thidua people import).'
											  ELSE 'Import the units first (thidua units import).' END);
	END IF;
	IF lengths OPERATOR(pg_catalog.?) 'year' THEN
		SELECT f.line, f.year_text INTO bad FROM pg_temp._thidua_record_file f
			WHERE f.year IS NULL OR f.year NOT BETWEEN 1900 AND 2199 ORDER BY f.line LIMIT 1;
		IF FOUND THEN
			PERFORM thidua._record_fault(source, bad.line, 'year', format('"%s" is not a year from 1900 to 2199', bad.year_text),
				'invalid_parameter_value');
		END IF;
	END IF;
	IF NOT EXISTS (SELECT 1 FROM jsonb_object_keys(lengths) k WHERE k OPERATOR(pg_catalog.<>) 'year') THEN
		RETURN;
	END IF;
	-- texts within their lengths, in line order
	SELECT f.line, l.key AS field, char_length(to_jsonb(f) ->> l.key) AS length, l.value::integer AS most INTO bad
		FROM pg_temp._thidua_record_file f, jsonb_each_text(lengths) l
		WHERE l.key OPERATOR(pg_catalog.<>) 'year'
		  AND char_length(to_jsonb(f) ->> l.key) OPERATOR(pg_catalog.>) l.value::integer
		ORDER BY f.line LIMIT 1;
	IF FOUND THEN
		PERFORM thidua._record_fault(source, bad.line, bad.field, format('%s characters, at most %s', bad.length, bad.most),
			'string_data_right_truncation');
	END IF;
END
$$;

-- A word of the file's column (a rating, scope, ...) that is none of its words
-- (field: the staged column, named without its _text in the error).
CREATE FUNCTION thidua._record_file_words(source text, field text, domain text, hint text) RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	bad record;
BEGIN
	EXECUTE format($q$
		SELECT f.line, f.%1$I AS written FROM pg_temp._thidua_record_file f
		WHERE f.%1$I IS NOT NULL AND NOT EXISTS (SELECT 1 FROM thidua._record_words($1) w
			WHERE w.word OPERATOR(pg_catalog.=) lower(normalize(f.%1$I, NFC)))
		ORDER BY f.line LIMIT 1 $q$, field) INTO bad USING domain;
	IF bad.line IS NOT NULL THEN
		PERFORM thidua._record_fault(source, bad.line, regexp_replace(field, '_text$', ''),
			format('"%s" is not %s', bad.written, CASE domain WHEN 'rating' THEN 'a rating' WHEN 'scope' THEN 'a scope'
				WHEN 'award_kind' THEN 'a kind of award' WHEN 'discipline_kind' THEN 'a kind of discipline record'
				ELSE 'a severity' END), 'invalid_text_representation', hint);
	END IF;
END
$$;

-- Ratings: person | unit, year, rating. Key: the subject and year.
CREATE FUNCTION thidua._import_ratings(content text, source text,
									   OUT added integer, OUT changed integer, OUT unchanged integer)
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	SET default_statistics_target = 10
	AS $$
DECLARE
	subject_column text := thidua._record_subject(content, source);
	target text := CASE subject_column WHEN 'person' THEN 'individual_rating' ELSE 'unit_rating' END;
	code_column text := CASE subject_column WHEN 'person' THEN 'person_code' ELSE 'unit_code' END;
	bad record;
BEGIN
	PERFORM thidua._progress('reading', 0);
	CREATE TEMP TABLE _thidua_record_file ON COMMIT DROP AS
		SELECT r.line::bigint AS line, CASE subject_column WHEN 'person' THEN r.cells[1] ELSE r.cells[2] END AS code,
			r.cells[3] AS year_text, CASE WHEN r.cells[3] OPERATOR(pg_catalog.~) '^[0-9]{1,4}$' THEN r.cells[3]::integer END AS year,
			r.cells[4] AS rating_text, w.value::thidua.completion_rating AS rating
		FROM thidua._csv_rows(content, source, '{person,unit,year,rating}', ARRAY[subject_column, 'year', 'rating']) r
		LEFT JOIN thidua._record_words('rating') w ON w.word OPERATOR(pg_catalog.=) lower(normalize(r.cells[4], NFC));
	ANALYZE pg_temp._thidua_record_file;
	PERFORM thidua._progress('checking', 0);
	PERFORM thidua._record_file_common(source, subject_column, '{"year": 0}');
	SELECT f.line, f.rating_text INTO bad FROM pg_temp._thidua_record_file f WHERE f.rating IS NULL ORDER BY f.line LIMIT 1;
	IF FOUND THEN
		PERFORM thidua._record_fault(source, bad.line, 'rating', format('"%s" is not a rating', bad.rating_text),
			'invalid_text_representation',
			'A rating is HTXSNV, HTTNV, HTNV or KHTNV, or written in full: Hoàn thành xuất sắc nhiệm vụ, Hoàn thành tốt nhiệm vụ, Hoàn thành nhiệm vụ, Không hoàn thành nhiệm vụ.');
	END IF;
	SELECT d.line, d.code, d.year, d.first INTO bad FROM (
		SELECT f.line, f.code, f.year, min(f.line) OVER (PARTITION BY f.code, f.year) AS first
		FROM pg_temp._thidua_record_file f) d
		WHERE d.line OPERATOR(pg_catalog.<>) d.first ORDER BY d.line LIMIT 1;
	IF FOUND THEN
		PERFORM thidua._record_fault(source, bad.line, 'year',
			format('the rating of "%s" for %s is given twice (line %s too)', bad.code, bad.year, bad.first), 'unique_violation');
	END IF;
	PERFORM thidua._progress('checking', 100);
	EXECUTE format($q$
		SELECT count(*) FILTER (WHERE r.year IS NULL), count(*) FILTER (WHERE r.rating OPERATOR(pg_catalog.<>) f.rating),
			count(*) FILTER (WHERE r.rating OPERATOR(pg_catalog.=) f.rating)
		FROM pg_temp._thidua_record_file f
		LEFT JOIN thidua.%1$I r ON r.%2$I OPERATOR(pg_catalog.=) f.code AND r.year OPERATOR(pg_catalog.=) f.year $q$,
		target, code_column) INTO added, changed, unchanged;
	-- an update of the changed, then an insert of the new (no ON CONFLICT: a
	-- million speculative insertions cost more than an anti-join)
	IF changed OPERATOR(pg_catalog.>) 0 THEN
		EXECUTE format($q$
			UPDATE thidua.%1$I r SET rating = f.rating FROM pg_temp._thidua_record_file f
			WHERE r.%2$I OPERATOR(pg_catalog.=) f.code AND r.year OPERATOR(pg_catalog.=) f.year
			  AND r.rating OPERATOR(pg_catalog.<>) f.rating $q$, target, code_column);
	END IF;
	IF added OPERATOR(pg_catalog.>) 0 THEN
		EXECUTE format($q$
			INSERT INTO thidua.%1$I (%2$I, year, rating) SELECT f.code, f.year, f.rating FROM pg_temp._thidua_record_file f
			WHERE NOT EXISTS (SELECT 1 FROM thidua.%1$I r
							  WHERE r.%2$I OPERATOR(pg_catalog.=) f.code AND r.year OPERATOR(pg_catalog.=) f.year) $q$,
			target, code_column);
	END IF;
	PERFORM thidua._progress('storing', 100);
END
$$;

-- Initiatives: code, title, scope, authors, recognition_decision, recognised_on.
-- Key: the code; the authors of the file replace those stored.
CREATE FUNCTION thidua._import_initiatives(content text, source text,
										   OUT added integer, OUT changed integer, OUT unchanged integer)
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	bad record;
BEGIN
	PERFORM thidua._progress('reading', 0);
	CREATE TEMP TABLE _thidua_record_file ON COMMIT DROP AS
		SELECT r.line::bigint AS line, r.cells[1] AS code, normalize(r.cells[2], NFC) AS title, r.cells[3] AS scope_text,
			ARRAY(SELECT DISTINCT a FROM regexp_split_to_table(r.cells[4], '[[:space:],;]+') a
				  WHERE a OPERATOR(pg_catalog.<>) '' ORDER BY a) AS authors,
			r.cells[5] AS recognition_decision, thidua._csv_date(r.cells[6], source, r.line, 'recognised_on') AS recognised_on
		FROM thidua._csv_rows(content, source, '{code,title,scope,authors,recognition_decision,recognised_on}',
							  '{code,title,scope,authors,recognised_on}') r;
	PERFORM thidua._progress('checking', 0);
	SELECT f.line, f.code INTO bad FROM pg_temp._thidua_record_file f
		WHERE f.code OPERATOR(pg_catalog.!~) '^[[:alnum:]][[:alnum:]._/-]{0,63}$' ORDER BY f.line LIMIT 1;
	IF FOUND THEN
		PERFORM thidua._record_fault(source, bad.line, 'code', format('"%s" is not an initiative code', bad.code),
			'invalid_text_representation',
			'A code is a letter or digit, then up to 63 letters, digits, ".", "_", "/" or "-".');
	END IF;
	PERFORM thidua._record_file_common(source, NULL, '{"title": 1000, "recognition_decision": 100}');
	PERFORM thidua._record_file_words(source, 'scope_text', 'scope',
		'A scope is grassroots, ministry_province or national, or cơ sở, cấp bộ, cấp tỉnh, toàn quốc.');
	SELECT d.line, d.code, d.first INTO bad FROM (
		SELECT f.line, f.code, min(f.line) OVER (PARTITION BY f.code) AS first FROM pg_temp._thidua_record_file f) d
		WHERE d.line OPERATOR(pg_catalog.<>) d.first ORDER BY d.line LIMIT 1;
	IF FOUND THEN
		PERFORM thidua._record_fault(source, bad.line, 'code',
			format('initiative "%s" is given twice (line %s too)', bad.code, bad.first), 'unique_violation');
	END IF;
	SELECT f.line, a.person INTO bad FROM pg_temp._thidua_record_file f, unnest(f.authors) a(person)
		WHERE NOT EXISTS (SELECT 1 FROM thidua.individual i WHERE i.person_code OPERATOR(pg_catalog.=) a.person)
		ORDER BY f.line LIMIT 1;
	IF FOUND THEN
		PERFORM thidua._record_fault(source, bad.line, 'authors', format('person "%s" does not exist', bad.person),
			'foreign_key_violation', 'Authors are people''s codes, separated by spaces, commas or semicolons.');
	END IF;
	-- an initiative an award used keeps that award's holder among its authors
	SELECT f.line, f.code, i.used_by_award, a.person_code INTO bad FROM pg_temp._thidua_record_file f
		JOIN thidua.initiative i ON i.initiative_code OPERATOR(pg_catalog.=) f.code
		JOIN thidua.individual_award a ON a.record_id OPERATOR(pg_catalog.=) i.used_by_award
		WHERE NOT a.person_code OPERATOR(pg_catalog.=) ANY (f.authors) ORDER BY f.line LIMIT 1;
	IF FOUND THEN
		PERFORM thidua._record_fault(source, bad.line, 'authors',
			format('initiative "%s" is used by award record %s of "%s", who must stay one of its authors', bad.code,
				   bad.used_by_award, bad.person_code), 'check_violation');
	END IF;
	PERFORM thidua._progress('checking', 100);

	SELECT count(*) FILTER (WHERE i.initiative_code IS NULL),
		   count(*) FILTER (WHERE i.initiative_code IS NOT NULL AND s.same IS NOT TRUE),
		   count(*) FILTER (WHERE s.same)
		INTO added, changed, unchanged
	FROM pg_temp._thidua_record_file f
	LEFT JOIN thidua.initiative i ON i.initiative_code OPERATOR(pg_catalog.=) f.code
	LEFT JOIN LATERAL (SELECT (i.title, i.scope, i.recognition_decision, i.recognised_on)
			IS NOT DISTINCT FROM (f.title, w.value::thidua.initiative_scope, f.recognition_decision, f.recognised_on)
			AND f.authors OPERATOR(pg_catalog.=) ARRAY(SELECT ia.person_code FROM thidua.initiative_author ia
				WHERE ia.initiative_code OPERATOR(pg_catalog.=) f.code ORDER BY ia.person_code) AS same
		FROM thidua._record_words('scope') w WHERE w.word OPERATOR(pg_catalog.=) lower(normalize(f.scope_text, NFC))) s
		ON i.initiative_code IS NOT NULL;
	INSERT INTO thidua.initiative AS i (initiative_code, title, scope, recognition_decision, recognised_on)
		SELECT f.code, f.title, w.value::thidua.initiative_scope, f.recognition_decision, f.recognised_on
		FROM pg_temp._thidua_record_file f
		JOIN thidua._record_words('scope') w ON w.word OPERATOR(pg_catalog.=) lower(normalize(f.scope_text, NFC))
		ON CONFLICT (initiative_code) DO UPDATE SET title = excluded.title, scope = excluded.scope,
			recognition_decision = excluded.recognition_decision, recognised_on = excluded.recognised_on
		WHERE (i.title, i.scope, i.recognition_decision, i.recognised_on)
			IS DISTINCT FROM (excluded.title, excluded.scope, excluded.recognition_decision, excluded.recognised_on);
	DELETE FROM thidua.initiative_author ia USING pg_temp._thidua_record_file f
		WHERE ia.initiative_code OPERATOR(pg_catalog.=) f.code AND NOT ia.person_code OPERATOR(pg_catalog.=) ANY (f.authors);
	INSERT INTO thidua.initiative_author (initiative_code, person_code)
		SELECT f.code, a.person FROM pg_temp._thidua_record_file f, unnest(f.authors) a(person)
		ON CONFLICT DO NOTHING;
	PERFORM thidua._progress('storing', 100);
END
$$;

-- Awards: person | unit, award, year, kind, decision_number, decision_date,
-- issuer, initiatives, revoked_on, revocation_reason, revocation_decision. Key:
-- the subject, award, year and decision number; the initiatives of the file are
-- those the award used.
CREATE FUNCTION thidua._import_awards(content text, source text,
									  OUT added integer, OUT changed integer, OUT unchanged integer)
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	subject_column text := thidua._record_subject(content, source);
	target text := CASE subject_column WHEN 'person' THEN 'individual_award' ELSE 'unit_award' END;
	code_column text := CASE subject_column WHEN 'person' THEN 'person_code' ELSE 'unit_code' END;
	bad record;
BEGIN
	PERFORM thidua._progress('reading', 0);
	CREATE TEMP TABLE _thidua_record_file ON COMMIT DROP AS
		SELECT r.line::bigint AS line, CASE subject_column WHEN 'person' THEN r.cells[1] ELSE r.cells[2] END AS code,
			r.cells[3] AS award, r.cells[4] AS year_text,
			CASE WHEN r.cells[4] OPERATOR(pg_catalog.~) '^[0-9]{1,4}$' THEN r.cells[4]::integer END AS year,
			r.cells[5] AS kind_text, NULL::text AS kind, r.cells[6] AS decision_number,
			thidua._csv_date(r.cells[7], source, r.line, 'decision_date') AS decision_date,
			normalize(r.cells[8], NFC) AS issuer,
			ARRAY(SELECT DISTINCT a FROM regexp_split_to_table(r.cells[9], '[[:space:],;]+') a
				  WHERE a OPERATOR(pg_catalog.<>) '' ORDER BY a) AS initiatives,
			thidua._csv_date(r.cells[10], source, r.line, 'revoked_on') AS revoked_on,
			normalize(r.cells[11], NFC) AS revocation_reason, r.cells[12] AS revocation_decision,
			NULL::bigint AS record_id
		FROM thidua._csv_rows(content, source, '{person,unit,award,year,kind,decision_number,decision_date,issuer,'
							  'initiatives,revoked_on,revocation_reason,revocation_decision}', ARRAY[subject_column, 'award', 'year']) r;
	PERFORM thidua._progress('checking', 0);
	PERFORM thidua._record_file_common(source, NULL,
		'{"year": 0, "decision_number": 100, "issuer": 300, "revocation_reason": 1000, "revocation_decision": 100}');
	SELECT f.line, f.award, a.subject INTO bad FROM pg_temp._thidua_record_file f
		LEFT JOIN thidua.award a ON a.award_code OPERATOR(pg_catalog.=) f.award
		WHERE a.subject IS DISTINCT FROM CASE subject_column WHEN 'person' THEN 'individual' ELSE 'collective' END
		ORDER BY f.line LIMIT 1;
	IF FOUND AND bad.subject IS NULL THEN
		PERFORM thidua._record_fault(source, bad.line, 'award', format('award "%s" is not in the catalog', bad.award),
			'foreign_key_violation', 'The catalog is listed by thidua awards (thidua.award).');
	ELSIF FOUND THEN
		PERFORM thidua._record_fault(source, bad.line, 'award',
			format('award "%s" is for %s, and this file''s column "%s" names %s', bad.award,
				   CASE bad.subject WHEN 'individual' THEN 'individuals (people)' ELSE 'collectives (units)' END,
				   subject_column, CASE subject_column WHEN 'person' THEN 'people' ELSE 'units' END), 'check_violation',
			'People''s awards and units'' awards go in separate files (column person or unit).');
	END IF;
	PERFORM thidua._record_file_words(source, 'kind_text', 'award_kind',
		'A kind is yearly, thematic, ad_hoc or career, or thường xuyên, chuyên đề, đột xuất; empty: the catalog''s.');
	PERFORM thidua._record_file_common(source, subject_column, '{}');
	SELECT f.line, f.revoked_on, f.revocation_reason INTO bad FROM pg_temp._thidua_record_file f
		WHERE (f.revoked_on IS NULL) OPERATOR(pg_catalog.<>) (f.revocation_reason IS NULL)
		   OR (f.revoked_on IS NULL AND f.revocation_decision IS NOT NULL)
		ORDER BY f.line LIMIT 1;
	IF FOUND AND bad.revoked_on IS NOT NULL THEN
		PERFORM thidua._record_fault(source, bad.line, 'revocation_reason',
			format('the revocation on %s needs a reason', to_char(bad.revoked_on, 'YYYY-MM-DD')), 'not_null_violation');
	ELSIF FOUND THEN
		PERFORM thidua._record_fault(source, bad.line, 'revoked_on', 'a revocation''s reason or decision is given, not its date',
			'not_null_violation');
	END IF;
	SELECT d.line, d.code, d.award, d.year, d.first INTO bad FROM (
		SELECT f.line, f.code, f.award, f.year,
			min(f.line) OVER (PARTITION BY f.code, f.award, f.year, f.decision_number) AS first
		FROM pg_temp._thidua_record_file f) d
		WHERE d.line OPERATOR(pg_catalog.<>) d.first ORDER BY d.line LIMIT 1;
	IF FOUND THEN
		PERFORM thidua._record_fault(source, bad.line, 'award',
			format('the award "%s" of "%s" for %s is given twice with the same decision number (line %s too)',
				   bad.award, bad.code, bad.year, bad.first), 'unique_violation');
	END IF;
	-- the record each line names already, if any
	EXECUTE format($q$
		UPDATE pg_temp._thidua_record_file f SET record_id = m.record_id
		FROM (SELECT a.%2$I AS code, a.award_code, a.year, a.decision_number, min(a.record_id) AS record_id
			  FROM thidua.%1$I a GROUP BY 1, 2, 3, 4) m
		WHERE m.code OPERATOR(pg_catalog.=) f.code AND m.award_code OPERATOR(pg_catalog.=) f.award
		  AND m.year OPERATOR(pg_catalog.=) f.year AND m.decision_number IS NOT DISTINCT FROM f.decision_number $q$,
		target, code_column);
	EXECUTE format($q$
		SELECT f.line, a.record_id, a.revoked_on FROM pg_temp._thidua_record_file f
		JOIN thidua.%1$I a ON a.record_id OPERATOR(pg_catalog.=) f.record_id
		WHERE a.revoked_on IS NOT NULL AND (a.revoked_on, a.revocation_reason, a.revocation_decision)
			IS DISTINCT FROM (f.revoked_on, f.revocation_reason, f.revocation_decision)
		ORDER BY f.line LIMIT 1 $q$, target) INTO bad;
	IF bad.line IS NOT NULL THEN
		PERFORM thidua._record_fault(source, bad.line, 'revoked_on',
			format('award record %s was revoked on %s: a revocation is neither undone nor made again', bad.record_id,
				   to_char(bad.revoked_on, 'YYYY-MM-DD')), 'object_not_in_prerequisite_state',
			'Give the revocation as it is stored; a new decision awarding it again is a new line.');
	END IF;
	-- initiatives: people's awards only, each known, credited once, to an author
	SELECT f.line INTO bad FROM pg_temp._thidua_record_file f
		WHERE subject_column OPERATOR(pg_catalog.=) 'unit' AND cardinality(f.initiatives) OPERATOR(pg_catalog.>) 0
		ORDER BY f.line LIMIT 1;
	IF FOUND THEN
		PERFORM thidua._record_fault(source, bad.line, 'initiatives', 'a unit''s award uses no initiatives', 'check_violation',
			'Initiatives are people''s; a person''s award names those it used.');
	END IF;
	SELECT f.line, c.initiative INTO bad FROM pg_temp._thidua_record_file f, unnest(f.initiatives) c(initiative)
		WHERE NOT EXISTS (SELECT 1 FROM thidua.initiative i WHERE i.initiative_code OPERATOR(pg_catalog.=) c.initiative)
		ORDER BY f.line LIMIT 1;
	IF FOUND THEN
		PERFORM thidua._record_fault(source, bad.line, 'initiatives', format('initiative "%s" does not exist', bad.initiative),
			'foreign_key_violation', 'Import the initiatives first (thidua records import).');
	END IF;
	SELECT d.line, d.initiative, d.first INTO bad FROM (
		SELECT f.line, c.initiative, min(f.line) OVER (PARTITION BY c.initiative) AS first
		FROM pg_temp._thidua_record_file f, unnest(f.initiatives) c(initiative)) d
		WHERE d.line OPERATOR(pg_catalog.<>) d.first ORDER BY d.line LIMIT 1;
	IF FOUND THEN
		PERFORM thidua._record_fault(source, bad.line, 'initiatives',
			format('initiative "%s" is credited to two awards (line %s too)', bad.initiative, bad.first), 'unique_violation',
			'An initiative counts for one award only.');
	END IF;
	-- the initiatives credited, locked in code order before they are checked: a
	-- session crediting one of them at the same time waits for this one, then
	-- finds it used (the guard on thidua.initiative refuses it on other routes)
	PERFORM i.initiative_code FROM thidua.initiative i
		WHERE i.initiative_code OPERATOR(pg_catalog.=) ANY (ARRAY(SELECT c.initiative
			FROM pg_temp._thidua_record_file f, unnest(f.initiatives) c(initiative)))
		ORDER BY i.initiative_code FOR UPDATE;
	SELECT f.line, c.initiative, i.used_by_award INTO bad
		FROM pg_temp._thidua_record_file f, unnest(f.initiatives) c(initiative)
		JOIN thidua.initiative i ON i.initiative_code OPERATOR(pg_catalog.=) c.initiative
		WHERE i.used_by_award IS NOT NULL AND i.used_by_award IS DISTINCT FROM f.record_id
		ORDER BY f.line LIMIT 1;
	IF FOUND THEN
		PERFORM thidua._record_fault(source, bad.line, 'initiatives',
			format('initiative "%s" is used by award record %s already', bad.initiative, bad.used_by_award),
			'unique_violation', 'An initiative counts for one award only.');
	END IF;
	SELECT f.line, f.code, c.initiative INTO bad FROM pg_temp._thidua_record_file f, unnest(f.initiatives) c(initiative)
		WHERE NOT EXISTS (SELECT 1 FROM thidua.initiative_author ia
						  WHERE ia.initiative_code OPERATOR(pg_catalog.=) c.initiative
							AND ia.person_code OPERATOR(pg_catalog.=) f.code)
		ORDER BY f.line LIMIT 1;
	IF FOUND THEN
		PERFORM thidua._record_fault(source, bad.line, 'initiatives',
			format('"%s" is not an author of initiative "%s"', bad.code, bad.initiative), 'check_violation',
			'An initiative counts for an award of one of its authors only.');
	END IF;
	PERFORM thidua._progress('checking', 100);

	-- an empty kind is the catalog's
	UPDATE pg_temp._thidua_record_file f SET kind = coalesce((SELECT w.value FROM thidua._record_words('award_kind') w
			WHERE w.word OPERATOR(pg_catalog.=) lower(normalize(f.kind_text, NFC))), a.kind)
		FROM thidua.award a WHERE a.award_code OPERATOR(pg_catalog.=) f.award;
	EXECUTE format($q$
		SELECT count(*) FILTER (WHERE f.record_id IS NULL),
			count(*) FILTER (WHERE f.record_id IS NOT NULL AND NOT s.same), count(*) FILTER (WHERE s.same)
		FROM pg_temp._thidua_record_file f
		LEFT JOIN thidua.%1$I a ON a.record_id OPERATOR(pg_catalog.=) f.record_id
		LEFT JOIN LATERAL (SELECT (a.kind, a.decision_date, a.issuer, a.revoked_on, a.revocation_reason, a.revocation_decision)
				IS NOT DISTINCT FROM (f.kind, f.decision_date, f.issuer, f.revoked_on, f.revocation_reason, f.revocation_decision)
			AND f.initiatives OPERATOR(pg_catalog.=) ARRAY(SELECT i.initiative_code FROM thidua.initiative i
				WHERE i.used_by_award OPERATOR(pg_catalog.=) a.record_id AND %2$L OPERATOR(pg_catalog.=) 'person'
				ORDER BY i.initiative_code) AS same) s ON a.record_id IS NOT NULL $q$, target, subject_column)
		INTO added, changed, unchanged;
	EXECUTE format($q$
		UPDATE thidua.%1$I a SET kind = f.kind, decision_date = f.decision_date, issuer = f.issuer,
			revoked_on = f.revoked_on, revocation_reason = f.revocation_reason, revocation_decision = f.revocation_decision
		FROM pg_temp._thidua_record_file f
		WHERE a.record_id OPERATOR(pg_catalog.=) f.record_id
		  AND (a.kind, a.decision_date, a.issuer, a.revoked_on, a.revocation_reason, a.revocation_decision)
			IS DISTINCT FROM (f.kind, f.decision_date, f.issuer, f.revoked_on, f.revocation_reason, f.revocation_decision) $q$,
		target);
	EXECUTE format($q$
		WITH added AS (
			INSERT INTO thidua.%1$I (%2$I, award_code, year, kind, decision_number, decision_date, issuer,
				revoked_on, revocation_reason, revocation_decision)
			SELECT f.code, f.award, f.year, f.kind, f.decision_number, f.decision_date, f.issuer, f.revoked_on,
				f.revocation_reason, f.revocation_decision
			FROM pg_temp._thidua_record_file f WHERE f.record_id IS NULL ORDER BY f.line
			RETURNING %2$I AS code, award_code, year, decision_number, record_id)
		UPDATE pg_temp._thidua_record_file f SET record_id = a.record_id FROM added a
		WHERE f.record_id IS NULL AND a.code OPERATOR(pg_catalog.=) f.code AND a.award_code OPERATOR(pg_catalog.=) f.award
		  AND a.year OPERATOR(pg_catalog.=) f.year AND a.decision_number IS NOT DISTINCT FROM f.decision_number $q$,
		target, code_column);
	IF subject_column OPERATOR(pg_catalog.=) 'person' THEN
		-- the initiatives each award used: those of its line, no others
		UPDATE thidua.initiative i SET used_by_award = NULL FROM pg_temp._thidua_record_file f
			WHERE i.used_by_award OPERATOR(pg_catalog.=) f.record_id
			  AND NOT i.initiative_code OPERATOR(pg_catalog.=) ANY (f.initiatives);
		UPDATE thidua.initiative i SET used_by_award = f.record_id
			FROM pg_temp._thidua_record_file f, unnest(f.initiatives) c(initiative)
			WHERE i.initiative_code OPERATOR(pg_catalog.=) c.initiative
			  AND i.used_by_award IS DISTINCT FROM f.record_id;
	END IF;
	PERFORM thidua._progress('storing', 100);
END
$$;

-- Discipline: person, kind, severity, from, to, decision, note. Key: the
-- person, kind and start.
CREATE FUNCTION thidua._import_discipline(content text, source text,
										  OUT added integer, OUT changed integer, OUT unchanged integer)
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	bad record;
BEGIN
	PERFORM thidua._progress('reading', 0);
	CREATE TEMP TABLE _thidua_record_file ON COMMIT DROP AS
		SELECT r.line::bigint AS line, r.cells[1] AS code, r.cells[2] AS kind_text, k.value AS kind,
			r.cells[3] AS severity_text, s.value::thidua.discipline_severity AS severity,
			r.valid_from, r.valid_to, r.cells[6] AS decision, normalize(r.cells[7], NFC) AS note,
			NULL::bigint AS record_id
		FROM (SELECT c.line, c.cells, thidua._csv_date(c.cells[4], source, c.line, 'from') AS valid_from,
				thidua._csv_date(c.cells[5], source, c.line, 'to') AS valid_to
			  FROM thidua._csv_rows(content, source, '{person,kind,severity,from,to,decision,note}', '{person,kind,from}') c
			  OFFSET 0) r
		LEFT JOIN thidua._record_words('discipline_kind') k ON k.word OPERATOR(pg_catalog.=) lower(normalize(r.cells[2], NFC))
		LEFT JOIN thidua._record_words('severity') s ON s.word OPERATOR(pg_catalog.=) lower(normalize(r.cells[3], NFC));
	PERFORM thidua._progress('checking', 0);
	PERFORM thidua._record_file_common(source, 'person', '{"decision": 100, "note": 1000}');
	PERFORM thidua._record_file_words(source, 'kind_text', 'discipline_kind',
		'A kind is measure (kỷ luật, hình thức kỷ luật), or a proceeding: consideration (xem xét kỷ luật, đang xem xét kỷ luật), investigation (điều tra, đang bị điều tra) or complaint (khiếu nại, xác minh khiếu nại, đang xác minh khiếu nại).');
	PERFORM thidua._record_file_words(source, 'severity_text', 'severity',
		'A severity is reprimand, warning, demotion, removal or dismissal, or khiển trách, cảnh cáo, hạ bậc lương, giáng chức, cách chức, buộc thôi việc.');
	SELECT f.line, f.kind INTO bad FROM pg_temp._thidua_record_file f
		WHERE (f.kind OPERATOR(pg_catalog.=) 'measure') OPERATOR(pg_catalog.<>) (f.severity IS NOT NULL)
		ORDER BY f.line LIMIT 1;
	IF FOUND AND bad.kind OPERATOR(pg_catalog.=) 'measure' THEN
		PERFORM thidua._record_fault(source, bad.line, 'severity', 'a disciplinary measure needs its severity',
			'not_null_violation', 'reprimand, warning, demotion, removal or dismissal.');
	ELSIF FOUND THEN
		PERFORM thidua._record_fault(source, bad.line, 'severity', format('%s %s has no severity', CASE bad.kind WHEN 'investigation' THEN 'an' ELSE 'a' END, bad.kind),
			'check_violation', 'Only a measure has a severity; a proceeding is a consideration, investigation or complaint.');
	END IF;
	SELECT f.line, f.valid_from, f.valid_to INTO bad FROM pg_temp._thidua_record_file f
		WHERE f.valid_to OPERATOR(pg_catalog.<) f.valid_from ORDER BY f.line LIMIT 1;
	IF FOUND THEN
		PERFORM thidua._record_fault(source, bad.line, 'to', format('%s is before from %s', to_char(bad.valid_to, 'YYYY-MM-DD'), to_char(bad.valid_from, 'YYYY-MM-DD')),
			'check_violation');
	END IF;
	SELECT d.line, d.code, d.kind, d.valid_from, d.first INTO bad FROM (
		SELECT f.line, f.code, f.kind, f.valid_from, min(f.line) OVER (PARTITION BY f.code, f.kind, f.valid_from) AS first
		FROM pg_temp._thidua_record_file f) d
		WHERE d.line OPERATOR(pg_catalog.<>) d.first ORDER BY d.line LIMIT 1;
	IF FOUND THEN
		PERFORM thidua._record_fault(source, bad.line, 'from',
			format('the %s of "%s" from %s is given twice (line %s too)', bad.kind, bad.code, to_char(bad.valid_from, 'YYYY-MM-DD'), bad.first),
			'unique_violation');
	END IF;
	PERFORM thidua._progress('checking', 100);
	UPDATE pg_temp._thidua_record_file f SET record_id = m.record_id
		FROM (SELECT d.person_code, d.kind, d.valid_from, min(d.record_id) AS record_id FROM thidua.discipline d
			  GROUP BY 1, 2, 3) m
		WHERE m.person_code OPERATOR(pg_catalog.=) f.code AND m.kind OPERATOR(pg_catalog.=) f.kind
		  AND m.valid_from OPERATOR(pg_catalog.=) f.valid_from;
	SELECT count(*) FILTER (WHERE f.record_id IS NULL),
		   count(*) FILTER (WHERE f.record_id IS NOT NULL AND (d.severity, d.valid_to, d.decision, d.note)
							IS DISTINCT FROM (f.severity, f.valid_to, f.decision, f.note)),
		   count(*) FILTER (WHERE f.record_id IS NOT NULL AND (d.severity, d.valid_to, d.decision, d.note)
							IS NOT DISTINCT FROM (f.severity, f.valid_to, f.decision, f.note))
		INTO added, changed, unchanged
	FROM pg_temp._thidua_record_file f LEFT JOIN thidua.discipline d ON d.record_id OPERATOR(pg_catalog.=) f.record_id;
	UPDATE thidua.discipline d SET severity = f.severity, valid_to = f.valid_to, decision = f.decision, note = f.note
		FROM pg_temp._thidua_record_file f
		WHERE d.record_id OPERATOR(pg_catalog.=) f.record_id
		  AND (d.severity, d.valid_to, d.decision, d.note) IS DISTINCT FROM (f.severity, f.valid_to, f.decision, f.note);
	INSERT INTO thidua.discipline (person_code, kind, severity, valid_from, valid_to, decision, note)
		SELECT f.code, f.kind, f.severity, f.valid_from, f.valid_to, f.decision, f.note
		FROM pg_temp._thidua_record_file f WHERE f.record_id IS NULL ORDER BY f.line;
	PERFORM thidua._progress('storing', 100);
END
$$;

-- The importer of a kind (given, or told by the header).
CREATE FUNCTION thidua._import_records(wanted text, content text, source text,
									   OUT kind text, OUT added integer, OUT changed integer, OUT unchanged integer)
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	header text[];
	result record;
BEGIN
	source := coalesce(source, 'input');
	IF content IS NULL THEN
		RAISE EXCEPTION '%: no file content', source USING ERRCODE = 'null_value_not_allowed';
	END IF;
	kind := lower(btrim(wanted));
	IF kind IS NULL THEN
		header := thidua._csv_header(content);
		kind := CASE WHEN 'rating' OPERATOR(pg_catalog.=) ANY (header) THEN 'ratings'
					 WHEN 'award' OPERATOR(pg_catalog.=) ANY (header) THEN 'awards'
					 WHEN 'severity' OPERATOR(pg_catalog.=) ANY (header) OR 'from' OPERATOR(pg_catalog.=) ANY (header)
						THEN 'discipline'
					 WHEN 'authors' OPERATOR(pg_catalog.=) ANY (header) OR 'scope' OPERATOR(pg_catalog.=) ANY (header)
						THEN 'initiatives' END;
		IF kind IS NULL THEN
			RAISE EXCEPTION '%:%: the header does not tell which records the file holds', source,
				thidua._csv_header_line(content)
				USING ERRCODE = 'invalid_parameter_value',
					  HINT = 'Ratings have a column rating, awards a column award, initiatives authors and scope, discipline from and severity; or give the kind (--kind ratings|initiatives|awards|discipline).';
		END IF;
	ELSIF kind NOT IN ('ratings', 'initiatives', 'awards', 'discipline') THEN
		RAISE EXCEPTION 'records of kind "%" are not known', wanted
			USING ERRCODE = 'invalid_parameter_value', HINT = 'The kinds are ratings, initiatives, awards and discipline.';
	END IF;
	IF to_regclass('pg_temp._thidua_record_file') IS NOT NULL THEN
		DROP TABLE pg_temp._thidua_record_file;
	END IF;
	CASE kind
		WHEN 'ratings' THEN SELECT * INTO result FROM thidua._import_ratings(content, source);
		WHEN 'initiatives' THEN SELECT * INTO result FROM thidua._import_initiatives(content, source);
		WHEN 'awards' THEN SELECT * INTO result FROM thidua._import_awards(content, source);
		ELSE SELECT * INTO result FROM thidua._import_discipline(content, source);
	END CASE;
	DROP TABLE pg_temp._thidua_record_file;
	added := result.added;
	changed := result.changed;
	unchanged := result.unchanged;
END
$$;

CREATE FUNCTION thidua.import_records(kind text, content text, source text DEFAULT 'input',
									  OUT kind text, OUT added integer, OUT changed integer, OUT unchanged integer)
	LANGUAGE sql
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT * FROM thidua._import_records($1, $2, $3)
$$;
COMMENT ON FUNCTION thidua.import_records(text, text, text) IS
	'imports people''s and units'' records from CSV text (source names the file in errors): kind ratings (person | unit, year, rating: HTXSNV.. or the phrase in full), initiatives (code, title, scope, authors, recognition_decision, recognised_on), awards (person | unit, award, year, kind, decision_number, decision_date, issuer, initiatives, revoked_on, revocation_reason, revocation_decision) or discipline (person, kind, severity, from, to, decision, note); NULL: told by the header. Upserts by key (ratings: subject and year; initiatives: code; awards: subject, award, year, decision number; discipline: person, kind, from), all or nothing; returns the kind and how many records were added, changed, unchanged. Errors name source:line and the column: an unknown person, unit, award or initiative, a word outside its scale, a year outside 1900-2199, an award for the other subject, an initiative credited twice or to a non-author, a revocation without reason or undone, a measure without severity, to before from, a key twice';

CREATE FUNCTION thidua.import_records(kind text, content bytea, source text,
									  OUT kind text, OUT added integer, OUT changed integer, OUT unchanged integer)
	LANGUAGE sql
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT * FROM thidua._import_records($1, thidua._decode_utf8($2, coalesce($3, 'input')), $3)
$$;
COMMENT ON FUNCTION thidua.import_records(text, bytea, text) IS
	'imports records from a CSV file given as bytes (UTF-8, with or without a byte-order mark; invalid UTF-8 is refused naming its line), as import_records(text, text, text) does';

-- Revokes an award received (a person's or a unit's), with its date, reason and
-- decision; final: a revocation is neither undone nor made again.
CREATE FUNCTION thidua.revoke_award(record_id bigint, revoked_on date, reason text, decision text DEFAULT NULL)
	RETURNS text
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	found_in text[] := '{}';
	holder text;
	earlier date;
BEGIN
	reason := normalize(btrim(reason), NFC);
	IF revoked_on IS NULL THEN
		RAISE EXCEPTION 'revoking award record % needs the date of the revocation', record_id
			USING ERRCODE = 'invalid_parameter_value';
	ELSIF coalesce(reason, '') OPERATOR(pg_catalog.=) '' THEN
		RAISE EXCEPTION 'revoking award record % needs a reason', record_id USING ERRCODE = 'invalid_parameter_value';
	END IF;
	SELECT a.person_code, a.revoked_on INTO holder, earlier FROM thidua.individual_award a
		WHERE a.record_id OPERATOR(pg_catalog.=) revoke_award.record_id FOR UPDATE;
	IF FOUND THEN
		found_in := found_in OPERATOR(pg_catalog.||) 'individual_award'::text;
	END IF;
	IF EXISTS (SELECT 1 FROM thidua.unit_award a WHERE a.record_id OPERATOR(pg_catalog.=) revoke_award.record_id) THEN
		found_in := found_in OPERATOR(pg_catalog.||) 'unit_award'::text;
		SELECT a.unit_code, a.revoked_on INTO holder, earlier FROM thidua.unit_award a
			WHERE a.record_id OPERATOR(pg_catalog.=) revoke_award.record_id FOR UPDATE;
	END IF;
	IF cardinality(found_in) OPERATOR(pg_catalog.=) 0 THEN
		RAISE EXCEPTION 'award record % does not exist', record_id USING ERRCODE = 'no_data_found';
	ELSIF cardinality(found_in) OPERATOR(pg_catalog.>) 1 THEN
		RAISE EXCEPTION 'award record % is both a person''s award and a unit''s', record_id
			USING ERRCODE = 'ambiguous_parameter',
				  HINT = 'Set revoked_on, revocation_reason and revocation_decision of the one meant in thidua.individual_award or thidua.unit_award.';
	ELSIF earlier IS NOT NULL THEN
		RAISE EXCEPTION 'award record % of "%" was revoked on % already', record_id, holder, to_char(earlier, 'YYYY-MM-DD')
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'A revocation is neither undone nor made again.';
	END IF;
	EXECUTE format('UPDATE thidua.%I a SET revoked_on = $1, revocation_reason = $2, revocation_decision = $3
		WHERE a.record_id OPERATOR(pg_catalog.=) $4', found_in[1])
		USING revoked_on, reason, decision, record_id;
	RETURN 'revoked';
END
$$;
COMMENT ON FUNCTION thidua.revoke_award(bigint, date, text, text) IS
	'revokes the award record record_id (thidua.individual_award or thidua.unit_award) on a date, with a reason (required) and the revoking decision; returns revoked. A revoked award stays on record and counts nowhere; revoking it again is an error, and no route undoes a revocation';

-- People's and units' records (38_records_import.sql): administrators only.
REVOKE EXECUTE ON FUNCTION thidua.import_records(text, text, text), thidua.import_records(text, bytea, text),
	thidua.revoke_award(bigint, date, text, text) FROM PUBLIC;

-- Creates (when missing) the group roles and grants them their rights; safe to
-- call again, e.g. after ALTER EXTENSION thidua UPDATE: it first takes back
-- whatever the four roles held on thidua's objects.
-- (create_roles() is redefined once, at the end of this script, with every part's grants)
COMMENT ON FUNCTION thidua.create_roles() IS
	'creates the group roles thidua_admin, thidua_scorer, thidua_reader, thidua_council if missing and grants their rights (superuser only; idempotent)';

------------------------------------------------------------------------------
-- Rulebooks as documents: validation, import and export (45_rulebook_documents.sql);
-- their lifecycle and guards (46_rulebook_lifecycle.sql); row-level security and
-- privileges (50_roles.sql)
------------------------------------------------------------------------------
ALTER TABLE thidua.rulebook_entry ADD COLUMN disclosure jsonb;

-- thidua SQL source: rulebook documents.
-- Holds _rulebook_error(), the checks of sources, rule nodes, quotas, councils
-- and disclosure, _validate_rulebook(): run at import and again at publish,
-- errors naming the version, the award, the node path and the field;
-- import_rulebook() and export_rulebook(), which round-trip.

-- Raises a validation error: the file (when known), the version, the award,
-- the node path (rule.all_of[1].any_of[0]) and the field.
CREATE FUNCTION thidua._rulebook_error(doc jsonb, award text, path text, field text, message text)
	RETURNS void
	LANGUAGE plpgsql IMMUTABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	RAISE EXCEPTION '%', format('%srulebook version "%s/%s"%s%s, field "%s": %s',
		coalesce((doc ->> '_source') || ': ', ''),
		coalesce(doc #>> '{rulebook,code}', '?'), coalesce(doc ->> 'edition', '?'),
		coalesce(', award "' || award || '"', ''), coalesce(', ' || nullif(path, ''), ''),
		field, message)
		USING ERRCODE = 'invalid_parameter_value';
END
$$;
COMMENT ON FUNCTION thidua._rulebook_error(jsonb, text, text, text, text) IS
	'raises invalid_parameter_value naming the file (doc _source), the version, the award, the node path and the field of a rulebook document';

-- A value as an error message shows it: cut to about 40 characters, so that a
-- huge number or text is not echoed in full.
CREATE FUNCTION thidua._rulebook_shown(value jsonb) RETURNS text
	LANGUAGE sql IMMUTABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT CASE WHEN char_length(value::text) > 40
		THEN substr(value::text, 1, 40) || format('… (%s characters)', char_length(value::text))
		ELSE value::text END
$$;
COMMENT ON FUNCTION thidua._rulebook_shown(jsonb) IS
	'a JSON value as a rulebook error message shows it: cut to 40 characters (with its length) when longer';

-- Refuses keys of an object other than those allowed.
CREATE FUNCTION thidua._rulebook_keys(doc jsonb, award text, path text, holder jsonb, allowed text[], what text)
	RETURNS void
	LANGUAGE plpgsql IMMUTABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	key text;
BEGIN
	FOR key IN SELECT k FROM jsonb_object_keys(holder) k ORDER BY k LOOP
		IF NOT key OPERATOR(pg_catalog.=) ANY (allowed) THEN
			PERFORM thidua._rulebook_error(doc, award, path, key,
				format('is not a field of %s (fields: %s)', what, array_to_string(allowed, ', ')));
		END IF;
	END LOOP;
END
$$;
COMMENT ON FUNCTION thidua._rulebook_keys(jsonb, text, text, jsonb, text[], text) IS
	'refuses (invalid_parameter_value) a key of an object of a rulebook document that is not among those allowed';

-- A whole number of at least low (NULL allowed when nullable): the value, or an error.
CREATE FUNCTION thidua._rulebook_integer(doc jsonb, award text, path text, holder jsonb, field text,
										 required boolean, low integer, nullable boolean DEFAULT false)
	RETURNS integer
	LANGUAGE plpgsql IMMUTABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	value jsonb := holder -> field;
BEGIN
	IF value IS NULL OR jsonb_typeof(value) = 'null' THEN
		IF required AND NOT (nullable AND value IS NOT NULL) THEN
			PERFORM thidua._rulebook_error(doc, award, path, field,
				CASE WHEN nullable THEN 'is required (a whole number, or null)' ELSE 'is required' END);
		END IF;
		RETURN NULL;
	END IF;
	IF jsonb_typeof(value) <> 'number' OR (value #>> '{}')::numeric <> trunc((value #>> '{}')::numeric)
	   OR (value #>> '{}')::numeric < low OR (value #>> '{}')::numeric > 1000 THEN
		PERFORM thidua._rulebook_error(doc, award, path, field,
			format('%s is not a whole number from %s to 1000', thidua._rulebook_shown(value), low));
	END IF;
	-- 1.0 is whole but read as a whole number it is not: the file says 1
	IF value::text !~ '^[0-9]+$' THEN
		PERFORM thidua._rulebook_error(doc, award, path, field,
			format('%s is not written as a whole number (write %s)', value, trunc((value #>> '{}')::numeric)));
	END IF;
	RETURN (value #>> '{}')::integer;
END
$$;
COMMENT ON FUNCTION thidua._rulebook_integer(jsonb, text, text, jsonb, text, boolean, integer, boolean) IS
	'a whole-number field of a rulebook document (low to 1000; NULL when absent, or null where allowed), else invalid_parameter_value';

-- A share in (0, 1].
CREATE FUNCTION thidua._rulebook_share(doc jsonb, award text, path text, holder jsonb, field text)
	RETURNS numeric
	LANGUAGE plpgsql IMMUTABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	value jsonb := holder -> field;
BEGIN
	IF value IS NULL OR jsonb_typeof(value) = 'null' THEN
		PERFORM thidua._rulebook_error(doc, award, path, field, 'is required');
	END IF;
	IF jsonb_typeof(value) <> 'number' OR (value #>> '{}')::numeric <= 0 OR (value #>> '{}')::numeric > 1 THEN
		PERFORM thidua._rulebook_error(doc, award, path, field,
			format('%s is not a share in (0, 1] (write 15 %% as 0.15)', thidua._rulebook_shown(value)));
	END IF;
	RETURN (value #>> '{}')::numeric;
END
$$;
COMMENT ON FUNCTION thidua._rulebook_share(jsonb, text, text, jsonb, text) IS
	'a share field of a rulebook document, in (0, 1], else invalid_parameter_value';

-- One of a list of words.
CREATE FUNCTION thidua._rulebook_word(doc jsonb, award text, path text, holder jsonb, field text,
									  required boolean, allowed text[], what text)
	RETURNS text
	LANGUAGE plpgsql IMMUTABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	value jsonb := holder -> field;
BEGIN
	IF value IS NULL OR jsonb_typeof(value) = 'null' THEN
		IF required THEN
			PERFORM thidua._rulebook_error(doc, award, path, field, 'is required');
		END IF;
		RETURN NULL;
	END IF;
	IF jsonb_typeof(value) <> 'string' OR NOT (value #>> '{}') OPERATOR(pg_catalog.=) ANY (allowed) THEN
		PERFORM thidua._rulebook_error(doc, award, path, field,
			format('%s is not %s (one of %s)', thidua._rulebook_shown(value), what, array_to_string(allowed, ', ')));
	END IF;
	RETURN value #>> '{}';
END
$$;
COMMENT ON FUNCTION thidua._rulebook_word(jsonb, text, text, jsonb, text, boolean, text[], text) IS
	'a field of a rulebook document that must be one of the given words, else invalid_parameter_value';

-- A boolean.
CREATE FUNCTION thidua._rulebook_boolean(doc jsonb, award text, path text, holder jsonb, field text, required boolean)
	RETURNS boolean
	LANGUAGE plpgsql IMMUTABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	value jsonb := holder -> field;
BEGIN
	IF value IS NULL OR jsonb_typeof(value) = 'null' THEN
		IF required THEN
			PERFORM thidua._rulebook_error(doc, award, path, field, 'is required (true or false)');
		END IF;
		RETURN NULL;
	END IF;
	IF jsonb_typeof(value) <> 'boolean' THEN
		PERFORM thidua._rulebook_error(doc, award, path, field, format('must be true or false, not %s', thidua._rulebook_shown(value)));
	END IF;
	RETURN (value #>> '{}')::boolean;
END
$$;
COMMENT ON FUNCTION thidua._rulebook_boolean(jsonb, text, text, jsonb, text, boolean) IS
	'a true/false field of a rulebook document, else invalid_parameter_value';

-- A text of at most most characters; empty text is refused.
CREATE FUNCTION thidua._rulebook_text(doc jsonb, award text, path text, holder jsonb, field text,
									  required boolean, most integer)
	RETURNS text
	LANGUAGE plpgsql IMMUTABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	value jsonb := holder -> field;
BEGIN
	IF value IS NULL OR jsonb_typeof(value) = 'null' THEN
		IF required THEN
			PERFORM thidua._rulebook_error(doc, award, path, field, 'is required');
		END IF;
		RETURN NULL;
	END IF;
	IF jsonb_typeof(value) <> 'string' OR value #>> '{}' = '' THEN
		PERFORM thidua._rulebook_error(doc, award, path, field, format('must be a non-empty text, not %s', thidua._rulebook_shown(value)));
	END IF;
	IF char_length(value #>> '{}') > most THEN
		PERFORM thidua._rulebook_error(doc, award, path, field,
			format('%s characters, at most %s', char_length(value #>> '{}'), most));
	END IF;
	RETURN value #>> '{}';
END
$$;
COMMENT ON FUNCTION thidua._rulebook_text(jsonb, text, text, jsonb, text, boolean, integer) IS
	'a non-empty text field of a rulebook document of at most the given characters, else invalid_parameter_value';

-- A date written YYYY-MM-DD.
CREATE FUNCTION thidua._rulebook_date(doc jsonb, award text, path text, holder jsonb, field text, required boolean)
	RETURNS date
	LANGUAGE plpgsql IMMUTABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	value jsonb := holder -> field;
	result date;
BEGIN
	IF value IS NULL OR jsonb_typeof(value) = 'null' THEN
		IF required THEN
			PERFORM thidua._rulebook_error(doc, award, path, field, 'is required (a date, YYYY-MM-DD)');
		END IF;
		RETURN NULL;
	END IF;
	IF jsonb_typeof(value) <> 'string' OR value #>> '{}' !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' THEN
		PERFORM thidua._rulebook_error(doc, award, path, field, format('%s is not a date (YYYY-MM-DD)', thidua._rulebook_shown(value)));
	END IF;
	BEGIN
		result := to_date(value #>> '{}', 'YYYY-MM-DD');
	EXCEPTION WHEN datetime_field_overflow OR invalid_datetime_format THEN
		result := NULL;
	END;
	IF result IS NULL OR to_char(result, 'YYYY-MM-DD') <> value #>> '{}' THEN
		PERFORM thidua._rulebook_error(doc, award, path, field, format('%s is not a date of the calendar', value));
	END IF;
	RETURN result;
END
$$;
COMMENT ON FUNCTION thidua._rulebook_date(jsonb, text, text, jsonb, text, boolean) IS
	'a YYYY-MM-DD date field of a rulebook document, else invalid_parameter_value';

-- A legal source: document, article, clause, point, dates, verified, status, note.
-- Status is LAW.md's letter: V (the clause read: verified), V* (content read,
-- numbering inferred), S (a summary only), N (not found): unverified but V.
CREATE FUNCTION thidua._validate_rulebook_source(doc jsonb, award text, path text, holder jsonb)
	RETURNS void
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	source jsonb := holder -> 'source';
	place text := concat_ws('.', nullif(path, ''), 'source');
	status text;
	verified boolean;
	valid_from date;
	valid_to date;
	field text;
BEGIN
	IF source IS NULL OR jsonb_typeof(source) = 'null' THEN
		PERFORM thidua._rulebook_error(doc, award, path, 'source', 'is required: every rule names its legal source');
	END IF;
	IF jsonb_typeof(source) <> 'object' THEN
		PERFORM thidua._rulebook_error(doc, award, path, 'source', format('must be an object, not %s', source));
	END IF;
	PERFORM thidua._rulebook_keys(doc, award, place, source,
		ARRAY['document', 'article', 'clause', 'point', 'effective_from', 'effective_to', 'verified', 'status', 'note'],
		'a legal source');
	PERFORM thidua._rulebook_text(doc, award, place, source, 'document', true, 300);
	FOREACH field IN ARRAY ARRAY['article', 'clause', 'point'] LOOP
		PERFORM thidua._rulebook_text(doc, award, place, source, field, false, 100);
	END LOOP;
	PERFORM thidua._rulebook_text(doc, award, place, source, 'note', false, 1000);
	valid_from := thidua._rulebook_date(doc, award, place, source, 'effective_from', false);
	valid_to := thidua._rulebook_date(doc, award, place, source, 'effective_to', false);
	IF valid_to < valid_from THEN
		PERFORM thidua._rulebook_error(doc, award, place, 'effective_to',
			format('%s is before effective_from %s', to_char(valid_to, 'YYYY-MM-DD'), to_char(valid_from, 'YYYY-MM-DD')));
	END IF;
	verified := thidua._rulebook_boolean(doc, award, place, source, 'verified', true);
	status := thidua._rulebook_word(doc, award, place, source, 'status', true, ARRAY['V', 'V*', 'S', 'N'],
		'a verification status');
	IF verified AND status <> 'V' THEN
		PERFORM thidua._rulebook_error(doc, award, place, 'verified',
			format('is true but the status is %s: only a clause read with its number (V) is verified', status));
	END IF;
	IF NOT verified AND status = 'V' THEN
		PERFORM thidua._rulebook_error(doc, award, place, 'verified',
			'is false but the status is V (the clause read with its number): make it true, or give the status it has');
	END IF;
END
$$;
COMMENT ON FUNCTION thidua._validate_rulebook_source(jsonb, text, text, jsonb) IS
	'checks the legal source of a rule: document, verified and status (V, V*, S, N) required; verified exactly when the status is V';

-- An award code of the catalog; its subject.
CREATE FUNCTION thidua._rulebook_award(doc jsonb, award text, path text, holder jsonb, field text)
	RETURNS text
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	code text := thidua._rulebook_text(doc, award, path, holder, field, true, 64);
	found_subject text;
BEGIN
	SELECT a.subject INTO found_subject FROM thidua.award a WHERE a.award_code OPERATOR(pg_catalog.=) code;
	IF found_subject IS NULL THEN
		PERFORM thidua._rulebook_error(doc, award, path, field,
			format('"%s" is not an award of the catalog (thidua.award)', code));
	END IF;
	RETURN found_subject;
END
$$;
COMMENT ON FUNCTION thidua._rulebook_award(jsonb, text, text, jsonb, text) IS
	'an award code of the catalog named by a rulebook document; returns its subject (individual or collective)';

-- Refuses rules nested deeper than 32 levels (no rule of the law needs more),
-- naming the node, before the validation's recursion would exhaust the stack.
CREATE FUNCTION thidua._rulebook_depth(doc jsonb, award text, path text, node jsonb, depth integer)
	RETURNS void
	LANGUAGE plpgsql IMMUTABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	combinator text := CASE WHEN node ? 'all_of' THEN 'all_of' WHEN node ? 'any_of' THEN 'any_of' END;
	child jsonb;
	n bigint;
BEGIN
	IF combinator IS NULL OR jsonb_typeof(node -> combinator) IS DISTINCT FROM 'array' THEN
		RETURN;
	END IF;
	IF depth >= 32 THEN
		PERFORM thidua._rulebook_error(doc, award, path, combinator, 'rules nest more than 32 levels deep');
	END IF;
	FOR child, n IN SELECT value, ordinality FROM jsonb_array_elements(node -> combinator) WITH ORDINALITY LOOP
		CONTINUE WHEN jsonb_typeof(child) IS DISTINCT FROM 'object';
		PERFORM thidua._rulebook_depth(doc, award, format('%s.%s[%s]', path, combinator, n - 1), child, depth + 1);
	END LOOP;
END
$$;
COMMENT ON FUNCTION thidua._rulebook_depth(jsonb, text, text, jsonb, integer) IS
	'refuses (invalid_parameter_value) a rule of a rulebook document nested more than 32 levels deep, naming the award and the node path';

-- A rule node: {"all_of": [...]} or {"any_of": [...]} (optional "label"), or a
-- leaf {"kind": ..., parameters, "source", "label"}. subject is the judged
-- award's: individual or collective.
CREATE FUNCTION thidua._validate_rulebook_node(doc jsonb, award text, subject text, path text, node jsonb)
	RETURNS void
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	ratings constant text[] := enum_range(NULL::thidua.completion_rating)::text[];
	scopes constant text[] := enum_range(NULL::thidua.initiative_scope)::text[];
	severities constant text[] := enum_range(NULL::thidua.discipline_severity)::text[];
	collective_kinds constant text[] := ARRAY['members_with_award', 'members_rated', 'members_without_discipline'];
	individual_kinds constant text[] := ARRAY['initiatives', 'service_years', 'no_discipline'];
	parameters constant jsonb := '{
		"rating_this_year": ["rating"], "rating_streak": ["years", "rating"],
		"award_held": ["award", "within_years", "count"], "award_streak": ["award", "times", "every_years"],
		"initiatives": ["count", "scope", "window_years"], "service_years": ["posts", "in_sector", "men", "women"],
		"no_discipline": ["window_years", "severity", "proceedings"], "once_only": [],
		"members_with_award": ["award", "share", "count", "comparison"], "members_rated": ["rating", "share"],
		"members_without_discipline": ["severity"]}';
	combinator text;
	kind text;
	child jsonb;
	n bigint;
	named_subject text;
	post jsonb;
	within integer;
	how_many integer;
BEGIN
	IF jsonb_typeof(node) IS DISTINCT FROM 'object' THEN
		PERFORM thidua._rulebook_error(doc, award, path, '(node)',
			format('a rule is an object (all_of, any_of, or a rule kind), not %s', coalesce(node::text, 'nothing')));
	END IF;
	IF node ? 'all_of' OR node ? 'any_of' THEN
		IF node ? 'all_of' AND node ? 'any_of' THEN
			PERFORM thidua._rulebook_error(doc, award, path, 'any_of', 'a node has all_of or any_of, not both');
		END IF;
		combinator := CASE WHEN node ? 'all_of' THEN 'all_of' ELSE 'any_of' END;
		PERFORM thidua._rulebook_keys(doc, award, path, node, ARRAY[combinator, 'label'], 'an ' || combinator || ' node');
		PERFORM thidua._rulebook_text(doc, award, path, node, 'label', false, 300);
		IF jsonb_typeof(node -> combinator) IS DISTINCT FROM 'array' OR jsonb_array_length(node -> combinator) = 0 THEN
			PERFORM thidua._rulebook_error(doc, award, path, combinator,
				format('must be a non-empty array of rules, not %s', node -> combinator));
		END IF;
		FOR child, n IN SELECT value, ordinality FROM jsonb_array_elements(node -> combinator) WITH ORDINALITY LOOP
			PERFORM thidua._validate_rulebook_node(doc, award, subject,
				format('%s.%s[%s]', path, combinator, n - 1), child);
		END LOOP;
		RETURN;
	END IF;

	IF NOT node ? 'kind' THEN
		PERFORM thidua._rulebook_error(doc, award, path, 'kind', 'is required (or all_of, any_of)');
	END IF;
	kind := thidua._rulebook_word(doc, award, path, node, 'kind', true,
		ARRAY(SELECT jsonb_object_keys(parameters) ORDER BY 1), 'a rule kind');
	PERFORM thidua._rulebook_keys(doc, award, path, node,
		ARRAY['kind', 'source', 'label'] || ARRAY(SELECT jsonb_array_elements_text(parameters -> kind)),
		'a ' || kind || ' rule');
	PERFORM thidua._rulebook_text(doc, award, path, node, 'label', false, 300);
	IF subject = 'individual' AND kind = ANY (collective_kinds) THEN
		PERFORM thidua._rulebook_error(doc, award, path, 'kind',
			format('%s judges a collective''s members, and "%s" is awarded to individuals', kind, award));
	END IF;
	IF subject = 'collective' AND kind = ANY (individual_kinds) THEN
		PERFORM thidua._rulebook_error(doc, award, path, 'kind',
			format('%s judges a person, and "%s" is awarded to collectives', kind, award));
	END IF;
	PERFORM thidua._validate_rulebook_source(doc, award, path, node);

	CASE kind
	WHEN 'rating_this_year' THEN
		PERFORM thidua._rulebook_word(doc, award, path, node, 'rating', true, ratings, 'a rating');
	WHEN 'rating_streak' THEN
		PERFORM thidua._rulebook_integer(doc, award, path, node, 'years', true, 1);
		PERFORM thidua._rulebook_word(doc, award, path, node, 'rating', true, ratings, 'a rating');
	WHEN 'award_held', 'award_streak' THEN
		named_subject := thidua._rulebook_award(doc, award, path, node, 'award');
		IF named_subject <> subject THEN
			PERFORM thidua._rulebook_error(doc, award, path, 'award',
				format('"%s" is awarded to %ss and "%s" to %ss: a subject holds only awards of its own kind',
					node ->> 'award', named_subject, award, subject));
		END IF;
		IF kind = 'award_held' THEN
			within := thidua._rulebook_integer(doc, award, path, node, 'within_years', false, 1, true);
			how_many := thidua._rulebook_integer(doc, award, path, node, 'count', false, 1);
			IF how_many > within THEN
				PERFORM thidua._rulebook_error(doc, award, path, 'count',
					format('%s years of %s cannot be held within %s year%s (within_years): count is at most within_years',
						how_many, node ->> 'award', within, CASE WHEN within = 1 THEN '' ELSE 's' END));
			END IF;
		ELSE
			PERFORM thidua._rulebook_integer(doc, award, path, node, 'times', true, 1);
			PERFORM thidua._rulebook_integer(doc, award, path, node, 'every_years', false, 1);
		END IF;
	WHEN 'initiatives' THEN
		PERFORM thidua._rulebook_integer(doc, award, path, node, 'count', true, 1);
		PERFORM thidua._rulebook_word(doc, award, path, node, 'scope', true, scopes, 'an initiative scope');
		PERFORM thidua._rulebook_integer(doc, award, path, node, 'window_years', false, 1, true);
	WHEN 'service_years' THEN
		IF node ? 'posts' = node ? 'in_sector' THEN
			PERFORM thidua._rulebook_error(doc, award, path, 'posts',
				'give either posts (a list of post names) or "in_sector": true');
		END IF;
		IF node ? 'posts' THEN
			IF jsonb_typeof(node -> 'posts') <> 'array' OR jsonb_array_length(node -> 'posts') = 0 THEN
				PERFORM thidua._rulebook_error(doc, award, path, 'posts',
					format('must be a non-empty array of post names, not %s', node -> 'posts'));
			END IF;
			FOR post IN SELECT value FROM jsonb_array_elements(node -> 'posts') LOOP
				IF jsonb_typeof(post) <> 'string' OR post #>> '{}' = '' OR char_length(post #>> '{}') > 300 THEN
					PERFORM thidua._rulebook_error(doc, award, path, 'posts',
						format('%s is not a post name (a non-empty text of at most 300 characters)', post));
				END IF;
			END LOOP;
		ELSIF node -> 'in_sector' <> 'true' THEN
			PERFORM thidua._rulebook_error(doc, award, path, 'in_sector',
				format('must be true (or give posts), not %s', node -> 'in_sector'));
		END IF;
		PERFORM thidua._rulebook_integer(doc, award, path, node, 'men', true, 0);
		PERFORM thidua._rulebook_integer(doc, award, path, node, 'women', true, 0);
	WHEN 'no_discipline' THEN
		PERFORM thidua._rulebook_integer(doc, award, path, node, 'window_years', true, 1);
		PERFORM thidua._rulebook_word(doc, award, path, node, 'severity', false, severities, 'a disciplinary severity');
		PERFORM thidua._rulebook_boolean(doc, award, path, node, 'proceedings', false);
	WHEN 'once_only' THEN
		NULL;
	WHEN 'members_with_award' THEN
		named_subject := thidua._rulebook_award(doc, award, path, node, 'award');
		IF named_subject <> 'individual' THEN
			PERFORM thidua._rulebook_error(doc, award, path, 'award',
				format('"%s" is awarded to collectives: members hold awards to individuals', node ->> 'award'));
		END IF;
		IF node ? 'share' = node ? 'count' THEN
			PERFORM thidua._rulebook_error(doc, award, path, 'share', 'give either share or count');
		END IF;
		IF node ? 'share' THEN
			PERFORM thidua._rulebook_share(doc, award, path, node, 'share');
		ELSE
			PERFORM thidua._rulebook_integer(doc, award, path, node, 'count', true, 1);
		END IF;
		PERFORM thidua._rulebook_word(doc, award, path, node, 'comparison', true,
			ARRAY['more_than', 'at_least'], 'a comparison');
	WHEN 'members_rated' THEN
		PERFORM thidua._rulebook_word(doc, award, path, node, 'rating', true, ratings, 'a rating');
		PERFORM thidua._rulebook_share(doc, award, path, node, 'share');
	WHEN 'members_without_discipline' THEN
		PERFORM thidua._rulebook_word(doc, award, path, node, 'severity', true, severities, 'a disciplinary severity');
	END CASE;
END
$$;
COMMENT ON FUNCTION thidua._validate_rulebook_node(jsonb, text, text, text, jsonb) IS
	'checks a rule node (all_of, any_of, or a rule kind with its parameters and source) and its children, for an award of the given subject';

-- Checks a rulebook document (the format in the README); raises the first
-- error found. Run at import and again at publish on the exported document.
CREATE FUNCTION thidua._validate_rulebook(doc jsonb) RETURNS void
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	code_pattern constant text := '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$';
	general_rules constant text[] := ARRAY['thematic_and_ad_hoc_awards_count', 'revoked_awards_count',
		'initiative_counts_once', 'achievements_after_discipline'];
	valid_from date;
	valid_to date;
	rule_name text;
	general_rule jsonb;
	entry jsonb;
	n bigint;
	award text;
	subject text;
	seen text[] := '{}';
	part jsonb;
	ballot boolean;
BEGIN
	IF jsonb_typeof(doc) IS DISTINCT FROM 'object' THEN
		PERFORM thidua._rulebook_error('{}', NULL, NULL, '(document)', 'must be a JSON object');
	END IF;
	PERFORM thidua._rulebook_keys(doc, NULL, NULL, doc, ARRAY['format', 'rulebook', 'edition', 'title',
		'effective_from', 'effective_to', 'general', 'awards', '_source'], 'a rulebook document');
	IF doc -> 'format' IS DISTINCT FROM '1' THEN
		PERFORM thidua._rulebook_error(doc, NULL, NULL, 'format',
			format('must be 1 (the rulebook format this version reads), not %s', coalesce((doc -> 'format')::text, 'missing')));
	END IF;
	IF jsonb_typeof(doc -> 'rulebook') IS DISTINCT FROM 'object' THEN
		PERFORM thidua._rulebook_error(doc, NULL, NULL, 'rulebook', 'is required: {"code": ..., "name": ...}');
	END IF;
	PERFORM thidua._rulebook_keys(doc, NULL, 'rulebook', doc -> 'rulebook', ARRAY['code', 'name'], 'a rulebook');
	IF jsonb_typeof(doc #> '{rulebook,code}') IS DISTINCT FROM 'string' OR doc #>> '{rulebook,code}' !~ code_pattern THEN
		PERFORM thidua._rulebook_error(doc, NULL, 'rulebook', 'code',
			'must be 1 to 63 letters, digits, ".", "_" or "-", starting with a letter or digit');
	END IF;
	PERFORM thidua._rulebook_text(doc, NULL, 'rulebook', doc -> 'rulebook', 'name', true, 300);
	IF jsonb_typeof(doc -> 'edition') IS DISTINCT FROM 'string' OR doc ->> 'edition' !~ code_pattern THEN
		PERFORM thidua._rulebook_error(doc, NULL, NULL, 'edition',
			'must be 1 to 63 letters, digits, ".", "_" or "-", starting with a letter or digit');
	END IF;
	PERFORM thidua._rulebook_text(doc, NULL, NULL, doc, 'title', true, 1000);
	valid_from := thidua._rulebook_date(doc, NULL, NULL, doc, 'effective_from', true);
	valid_to := thidua._rulebook_date(doc, NULL, NULL, doc, 'effective_to', false);
	IF valid_to < valid_from THEN
		PERFORM thidua._rulebook_error(doc, NULL, NULL, 'effective_to',
			format('%s is before effective_from %s', to_char(valid_to, 'YYYY-MM-DD'), to_char(valid_from, 'YYYY-MM-DD')));
	END IF;

	-- the general rules: all four, each a value with its source
	IF jsonb_typeof(doc -> 'general') IS DISTINCT FROM 'object' THEN
		PERFORM thidua._rulebook_error(doc, NULL, NULL, 'general',
			format('is required: an object with %s', array_to_string(general_rules, ', ')));
	END IF;
	PERFORM thidua._rulebook_keys(doc, NULL, 'general', doc -> 'general', general_rules, 'the general rules');
	FOREACH rule_name IN ARRAY general_rules LOOP
		general_rule := doc -> 'general' -> rule_name;
		IF jsonb_typeof(general_rule) IS DISTINCT FROM 'object' THEN
			PERFORM thidua._rulebook_error(doc, NULL, 'general', rule_name,
				'is required: {"value": true or false, "source": {...}}');
		END IF;
		PERFORM thidua._rulebook_keys(doc, NULL, 'general.' || rule_name, general_rule, ARRAY['value', 'source', 'note'],
			'a general rule');
		PERFORM thidua._rulebook_boolean(doc, NULL, 'general.' || rule_name, general_rule, 'value', true);
		PERFORM thidua._rulebook_text(doc, NULL, 'general.' || rule_name, general_rule, 'note', false, 1000);
		PERFORM thidua._validate_rulebook_source(doc, NULL, 'general.' || rule_name, general_rule);
	END LOOP;

	-- the awards
	IF jsonb_typeof(doc -> 'awards') IS DISTINCT FROM 'array' OR jsonb_array_length(doc -> 'awards') = 0 THEN
		PERFORM thidua._rulebook_error(doc, NULL, NULL, 'awards', 'must be a non-empty array of award entries');
	END IF;
	FOR entry, n IN SELECT value, ordinality FROM jsonb_array_elements(doc -> 'awards') WITH ORDINALITY LOOP
		IF jsonb_typeof(entry) <> 'object' THEN
			PERFORM thidua._rulebook_error(doc, NULL, format('awards[%s]', n - 1), '(entry)',
				format('an award entry is an object, not %s', entry));
		END IF;
		award := thidua._rulebook_text(doc, NULL, format('awards[%s]', n - 1), entry, 'award', true, 64);
		subject := thidua._rulebook_award(doc, NULL, format('awards[%s]', n - 1), entry, 'award');
		IF award = ANY (seen) THEN
			PERFORM thidua._rulebook_error(doc, award, NULL, 'award', 'has more than one entry in the version');
		END IF;
		seen := seen || award;
		PERFORM thidua._rulebook_keys(doc, award, NULL, entry,
			ARRAY['award', 'rule', 'quota', 'council', 'disclosure', 'note'], 'an award entry');
		PERFORM thidua._rulebook_text(doc, award, NULL, entry, 'note', false, 1000);
		IF NOT entry ? 'rule' THEN
			PERFORM thidua._rulebook_error(doc, award, NULL, 'rule', 'is required');
		END IF;
		PERFORM thidua._rulebook_depth(doc, award, 'rule', entry -> 'rule', 1);
		PERFORM thidua._validate_rulebook_node(doc, award, subject, 'rule', entry -> 'rule');

		-- quota: a share of a base award's holders, or a fixed count
		part := entry -> 'quota';
		IF part IS NOT NULL AND jsonb_typeof(part) <> 'null' THEN
			IF jsonb_typeof(part) <> 'object' THEN
				PERFORM thidua._rulebook_error(doc, award, NULL, 'quota', format('must be an object or null, not %s', part));
			END IF;
			IF part ? 'count' THEN
				PERFORM thidua._rulebook_keys(doc, award, 'quota', part, ARRAY['count', 'per', 'source'], 'a fixed quota');
				PERFORM thidua._rulebook_integer(doc, award, 'quota', part, 'count', true, 0);
				PERFORM thidua._rulebook_word(doc, award, 'quota', part, 'per', true, ARRAY['unit', 'bloc'], 'what a quota counts per');
			ELSE
				PERFORM thidua._rulebook_keys(doc, award, 'quota', part,
					ARRAY['base_award', 'share', 'rounding', 'minimum', 'per', 'source'], 'a quota (or count, per, source)');
				IF thidua._rulebook_award(doc, award, 'quota', part, 'base_award') <> subject THEN
					PERFORM thidua._rulebook_error(doc, award, 'quota', 'base_award',
						format('"%s" is not awarded to the same subjects as "%s"', part ->> 'base_award', award));
				END IF;
				PERFORM thidua._rulebook_share(doc, award, 'quota', part, 'share');
				PERFORM thidua._rulebook_word(doc, award, 'quota', part, 'rounding', true,
					ARRAY['down', 'half_up', 'up'], 'a rounding');
				PERFORM thidua._rulebook_integer(doc, award, 'quota', part, 'minimum', false, 0);
				PERFORM thidua._rulebook_word(doc, award, 'quota', part, 'per', false, ARRAY['unit'], 'what a share quota counts per');
			END IF;
			PERFORM thidua._validate_rulebook_source(doc, award, 'quota', part);
		END IF;

		-- council: whether it votes, on what share of which members
		part := entry -> 'council';
		IF part IS NOT NULL AND jsonb_typeof(part) <> 'null' THEN
			IF jsonb_typeof(part) <> 'object' THEN
				PERFORM thidua._rulebook_error(doc, award, NULL, 'council', format('must be an object or null, not %s', part));
			END IF;
			PERFORM thidua._rulebook_keys(doc, award, 'council', part,
				ARRAY['ballot', 'threshold', 'comparison', 'secret', 'base', 'source'], 'the council settings');
			ballot := thidua._rulebook_boolean(doc, award, 'council', part, 'ballot', true);
			IF ballot OR part ? 'threshold' THEN
				PERFORM thidua._rulebook_share(doc, award, 'council', part, 'threshold');
			END IF;
			PERFORM thidua._rulebook_word(doc, award, 'council', part, 'comparison', ballot,
				ARRAY['at_least', 'more_than'], 'a comparison');
			PERFORM thidua._rulebook_boolean(doc, award, 'council', part, 'secret', false);
			PERFORM thidua._rulebook_word(doc, award, 'council', part, 'base', ballot,
				ARRAY['all_members', 'all_members_less_recused'], 'a base of the vote');
			PERFORM thidua._validate_rulebook_source(doc, award, 'council', part);
		END IF;

		-- public disclosure of the nominees before the council meets
		part := entry -> 'disclosure';
		IF part IS NOT NULL AND jsonb_typeof(part) <> 'null' THEN
			IF jsonb_typeof(part) <> 'object' THEN
				PERFORM thidua._rulebook_error(doc, award, NULL, 'disclosure', format('must be an object or null, not %s', part));
			END IF;
			PERFORM thidua._rulebook_keys(doc, award, 'disclosure', part, ARRAY['working_days', 'source'], 'a disclosure');
			PERFORM thidua._rulebook_integer(doc, award, 'disclosure', part, 'working_days', true, 1);
			PERFORM thidua._validate_rulebook_source(doc, award, 'disclosure', part);
		END IF;
	END LOOP;
END
$$;
COMMENT ON FUNCTION thidua._validate_rulebook(jsonb) IS
	'checks a rulebook document (format 1) and raises the first error, naming the version, award, node path and field; run at import and at publish';

-- The stored version as a rulebook document (what import takes back).
CREATE FUNCTION thidua.export_rulebook(version text) RETURNS jsonb
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	doc jsonb;
BEGIN
	IF version IS NULL THEN
		RAISE EXCEPTION 'rulebook version is required' USING ERRCODE = 'null_value_not_allowed';
	END IF;
	SELECT jsonb_build_object(
		'format', 1,
		'rulebook', jsonb_build_object('code', r.rulebook_code, 'name', r.name),
		'edition', v.edition,
		'title', v.title,
		'effective_from', to_char(v.effective_from, 'YYYY-MM-DD'),
		'effective_to', to_char(v.effective_to, 'YYYY-MM-DD'),
		'general', v.general,
		'awards', coalesce((SELECT jsonb_agg(jsonb_build_object(
						'award', e.award_code, 'rule', e.rule, 'quota', e.quota, 'council', e.council,
						'disclosure', e.disclosure, 'note', e.note) ORDER BY e.position)
					FROM thidua.rulebook_entry e WHERE e.version_code OPERATOR(pg_catalog.=) v.version_code), '[]'))
	INTO doc
	FROM thidua.rulebook_version v JOIN thidua.rulebook r USING (rulebook_code)
	WHERE v.version_code OPERATOR(pg_catalog.=) version;
	IF doc IS NULL THEN
		RAISE EXCEPTION 'rulebook version "%" does not exist', version
			USING ERRCODE = 'no_data_found', HINT = 'thidua rulebook list shows the versions.';
	END IF;
	RETURN doc;
END
$$;
COMMENT ON FUNCTION thidua.export_rulebook(text) IS
	'export_rulebook(version text) -> jsonb: a rulebook version (code RULEBOOK/EDITION) as a rulebook document (format 1, see the README), which import_rulebook takes back unchanged. no_data_found when the version does not exist or is a draft the caller may not see; null_value_not_allowed for a NULL version';

-- A rulebook file's bytes as a document: invalid UTF-8 and JSON syntax errors
-- named by file and line; the file's name kept ("_source") for validation errors.
CREATE FUNCTION thidua._rulebook_file(data bytea, source text) RETURNS jsonb
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	doc jsonb;
	message text;
	detail text;
	context text;
BEGIN
	BEGIN
		doc := thidua._decode_utf8(data, source)::jsonb;
	EXCEPTION WHEN invalid_text_representation THEN
		GET STACKED DIAGNOSTICS message = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL,
			context = PG_EXCEPTION_CONTEXT;
		RAISE EXCEPTION '%:%: %', source,
			coalesce(substring(context FROM 'JSON data, line ([0-9]+)'), '?'), message
			USING ERRCODE = 'invalid_text_representation', DETAIL = detail;
	END;
	IF jsonb_typeof(doc) = 'object' THEN
		doc := doc || jsonb_build_object('_source', source);
	END IF;
	RETURN doc;
END
$$;
COMMENT ON FUNCTION thidua._rulebook_file(bytea, text) IS
	'the bytes of a rulebook file as a document: invalid UTF-8 and JSON syntax errors named by file and line; the file name kept as "_source" for validation errors';

-- Stores a rulebook document as a new draft version; returns its code.
CREATE FUNCTION thidua.import_rulebook(document jsonb, replace boolean DEFAULT false) RETURNS text
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	doc jsonb;
	version text;
	existing text;
BEGIN
	-- text is stored in Unicode NFC, so that equal-looking names compare equal
	doc := thidua._nfc(document::text)::jsonb;
	PERFORM thidua._validate_rulebook(doc);
	version := (doc #>> '{rulebook,code}') || '/' || (doc ->> 'edition');

	SELECT status INTO existing FROM thidua.rulebook_version
		WHERE version_code OPERATOR(pg_catalog.=) version FOR UPDATE;
	IF existing IS NOT NULL THEN
		IF existing = 'draft' AND import_rulebook.replace THEN
			DELETE FROM thidua.rulebook_version WHERE version_code OPERATOR(pg_catalog.=) version;
			-- the history (kept) says the draft was replaced, and from what
			PERFORM set_config('thidua.status_note',
				'replaced' || coalesce(' from ' || (doc ->> '_source'), ''), true);
		ELSE
			RAISE EXCEPTION '%rulebook version "%" already exists (%)',
				coalesce((doc ->> '_source') || ': ', ''), version, existing
				USING ERRCODE = 'unique_violation',
					  HINT = CASE WHEN existing = 'draft'
						THEN 'Replace the draft (replace => true, or thidua rulebook import --replace).'
						ELSE 'Give the new edition another "edition".' END;
		END IF;
	END IF;

	INSERT INTO thidua.rulebook (rulebook_code, name)
		VALUES (doc #>> '{rulebook,code}', doc #>> '{rulebook,name}')
		ON CONFLICT (rulebook_code) DO NOTHING;
	INSERT INTO thidua.rulebook_version (version_code, rulebook_code, edition, title, effective_from, effective_to, general)
		VALUES (version, doc #>> '{rulebook,code}', doc ->> 'edition', doc ->> 'title',
			(doc ->> 'effective_from')::date, (doc ->> 'effective_to')::date, doc -> 'general');
	INSERT INTO thidua.rulebook_entry (version_code, award_code, position, rule, quota, council, disclosure, note)
		SELECT version, e ->> 'award', n, e -> 'rule',
			nullif(e -> 'quota', 'null'), nullif(e -> 'council', 'null'), nullif(e -> 'disclosure', 'null'),
			e ->> 'note'
		FROM jsonb_array_elements(doc -> 'awards') WITH ORDINALITY AS entries(e, n);
	PERFORM set_config('thidua.status_note', '', true);
	RETURN version;
END
$$;
COMMENT ON FUNCTION thidua.import_rulebook(jsonb, boolean) IS
	'import_rulebook(document jsonb, replace boolean DEFAULT false) -> text: validates a rulebook document (format 1, see the README) and stores it as a new draft version, all or nothing; returns its code RULEBOOK/EDITION. replace: a draft of the same code is replaced. Errors (invalid_parameter_value) name the version, the award, the node path and the field, e.g. award "CSTDCS", rule.all_of[1].any_of[0], field "rating"; an existing version is unique_violation. A key "_source" names the file in errors';

-- thidua SQL source: the rulebook lifecycle and its guards.
-- Holds the triggers that freeze published rulebook versions against every
-- statement (TRUNCATE and COPY included; restores pass through _restoring),
-- keep the status history append-only and written by thidua alone, and refuse
-- a published version overlapping another of its rulebook; publish_rulebook(),
-- retire_rulebook(), clone_rulebook(), delete_rulebook_draft(), rulebook_diff(),
-- the view rulebook_versions and rulebook_in_force().
--
-- As for criteria (11_criteria_guards.sql), the guards are AFTER row triggers,
-- judging each row as stored after any BEFORE trigger.

-- Entries may change only while their version is a draft. The version row is
-- share-locked, so a publication waits for open edits and an edit waits for a
-- publication in progress (then sees it published).
CREATE FUNCTION thidua._guard_rulebook_entry() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	version text;
	current_status text;
BEGIN
	IF TG_OP = 'INSERT' AND thidua._restoring(TG_TABLE_NAME) THEN
		RETURN NEW;
	END IF;
	FOREACH version IN ARRAY ARRAY[
		CASE WHEN TG_OP <> 'INSERT' THEN OLD.version_code END,
		CASE WHEN TG_OP <> 'DELETE' THEN NEW.version_code END]
	LOOP
		CONTINUE WHEN version IS NULL;
		SELECT status INTO current_status FROM thidua.rulebook_version
			WHERE version_code OPERATOR(pg_catalog.=) version
			FOR SHARE;
		IF current_status IS DISTINCT FROM 'draft' AND current_status IS NOT NULL THEN
			RAISE EXCEPTION 'rulebook version "%" is %: its entries cannot be changed', version, current_status
				USING ERRCODE = 'object_not_in_prerequisite_state',
					  HINT = 'Clone it into a new draft (thidua.clone_rulebook) and change that.';
		END IF;
	END LOOP;
	RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;
COMMENT ON FUNCTION thidua._guard_rulebook_entry() IS
	'trigger: the entries of a published or retired rulebook version cannot be inserted, updated or deleted (restores pass)';
CREATE TRIGGER rulebook_entry_draft_only AFTER INSERT OR UPDATE OR DELETE ON thidua.rulebook_entry
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_rulebook_entry();

-- Publishing: the version validated as exported, and no date overlap with
-- another published version of its rulebook (naming it). An open-ended version
-- (effective_to NULL) runs until a later published version takes effect, so a
-- later start never overlaps it; an explicit end reaching into another
-- version's dates does, and so does the same start. Only administrators
-- publish, and they see every version; the rulebook row is locked, so two
-- overlapping publications cannot pass together.
CREATE FUNCTION thidua._check_rulebook_publication(version text) RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	this thidua.rulebook_version;
	other thidua.rulebook_version;
BEGIN
	SELECT * INTO this FROM thidua.rulebook_version WHERE version_code OPERATOR(pg_catalog.=) version;
	PERFORM 1 FROM thidua.rulebook r WHERE r.rulebook_code OPERATOR(pg_catalog.=) this.rulebook_code FOR UPDATE;
	PERFORM thidua._validate_rulebook(thidua.export_rulebook(version));
	SELECT * INTO other FROM thidua.rulebook_version o
		WHERE o.rulebook_code OPERATOR(pg_catalog.=) this.rulebook_code
		  AND o.version_code OPERATOR(pg_catalog.<>) version
		  AND o.status OPERATOR(pg_catalog.=) 'published'
		  AND (o.effective_from OPERATOR(pg_catalog.=) this.effective_from
			   OR (o.effective_from OPERATOR(pg_catalog.<) this.effective_from
				   AND o.effective_to OPERATOR(pg_catalog.>=) this.effective_from)
			   OR (this.effective_from OPERATOR(pg_catalog.<) o.effective_from
				   AND this.effective_to OPERATOR(pg_catalog.>=) o.effective_from))
		ORDER BY o.effective_from LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION 'rulebook version "%" (% to %) overlaps published version "%" (% to %)',
			version, to_char(this.effective_from, 'YYYY-MM-DD'), coalesce(to_char(this.effective_to, 'YYYY-MM-DD'), 'open'),
			other.version_code, to_char(other.effective_from, 'YYYY-MM-DD'), coalesce(to_char(other.effective_to, 'YYYY-MM-DD'), 'open')
			USING ERRCODE = 'exclusion_violation',
				  DETAIL = CASE WHEN other.effective_from OPERATOR(pg_catalog.=) this.effective_from
					THEN 'Two published versions of one rulebook may not take effect on the same day.'
					ELSE 'An explicit end date may not reach into the dates of another published version of the rulebook (an open-ended one gives way to a later one).' END,
				  HINT = format('Change the draft''s effective dates, or retire "%s" first.', other.version_code);
	END IF;
END
$$;
COMMENT ON FUNCTION thidua._check_rulebook_publication(text) IS
	'at publish: validates the version as exported and refuses (exclusion_violation) a date overlap with another published version of its rulebook, naming it: the same effective_from, or an explicit effective_to reaching into the other''s dates (an open-ended version gives way to a later one)';

-- A version's own row: drafts change freely; then only draft -> published
-- (validated, no overlap) -> retired; only drafts may be deleted.
CREATE FUNCTION thidua._guard_rulebook_version() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		IF OLD.status <> 'draft' THEN
			RAISE EXCEPTION 'rulebook version "%" is % and cannot be deleted', OLD.version_code, OLD.status
				USING ERRCODE = 'object_not_in_prerequisite_state',
					  HINT = 'Published versions are kept forever; retire it instead.';
		END IF;
		RETURN OLD;
	END IF;
	IF TG_OP = 'INSERT' THEN
		IF NEW.status <> 'draft' AND NOT thidua._restoring(TG_TABLE_NAME) THEN
			RAISE EXCEPTION 'rulebook version "%" must be created as a draft', NEW.version_code
				USING ERRCODE = 'object_not_in_prerequisite_state';
		END IF;
		RETURN NEW;
	END IF;
	IF NEW.version_code <> OLD.version_code THEN
		RAISE EXCEPTION 'the code of rulebook version "%" cannot be changed', OLD.version_code
			USING ERRCODE = 'object_not_in_prerequisite_state';
	END IF;
	IF OLD.status = 'draft' AND NEW.status = 'draft' THEN
		RETURN NEW;
	END IF;
	IF (to_jsonb(NEW) - 'status') OPERATOR(pg_catalog.<>) (to_jsonb(OLD) - 'status') THEN
		RAISE EXCEPTION 'rulebook version "%" is %: only its status can change', OLD.version_code, OLD.status
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Clone it into a new draft (thidua.clone_rulebook) and change that.';
	END IF;
	IF NEW.status = OLD.status THEN
		RAISE EXCEPTION 'rulebook version "%" is already %', OLD.version_code, OLD.status
			USING ERRCODE = 'object_not_in_prerequisite_state';
	END IF;
	IF NOT ((OLD.status = 'draft' AND NEW.status = 'published')
			OR (OLD.status = 'published' AND NEW.status = 'retired')) THEN
		RAISE EXCEPTION 'rulebook version "%" cannot go from % to %', OLD.version_code, OLD.status, NEW.status
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'A version goes from draft to published to retired; published and retired versions never change.';
	END IF;
	IF NEW.status = 'published' THEN
		-- validation must see every edit committed before the lock was granted
		IF current_setting('transaction_isolation') <> 'read committed' THEN
			RAISE EXCEPTION 'rulebook version "%" can be published only at the READ COMMITTED isolation level', NEW.version_code
				USING ERRCODE = 'object_not_in_prerequisite_state',
					  HINT = 'Publish in a READ COMMITTED transaction (the default).';
		END IF;
		PERFORM thidua._check_rulebook_publication(NEW.version_code);
	END IF;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION thidua._guard_rulebook_version() IS
	'trigger: a rulebook version is created as a draft, goes draft -> published (validated) -> retired, never changes once published, and only drafts are deleted';
CREATE TRIGGER rulebook_version_lifecycle AFTER INSERT OR UPDATE OR DELETE ON thidua.rulebook_version
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_rulebook_version();

-- A rulebook's code and name are part of every version published in it.
CREATE FUNCTION thidua._guard_rulebook() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	published text;
BEGIN
	SELECT min(v.version_code) FILTER (WHERE v.status OPERATOR(pg_catalog.<>) 'draft') INTO published
		FROM (SELECT x.version_code, x.status FROM thidua.rulebook_version x
			  WHERE x.rulebook_code OPERATOR(pg_catalog.=) OLD.rulebook_code FOR SHARE) AS v;
	IF published IS NOT NULL AND (TG_OP = 'DELETE' OR NEW IS DISTINCT FROM OLD) THEN
		RAISE EXCEPTION 'rulebook "%" has published versions (such as "%"): it cannot be changed',
			OLD.rulebook_code, published
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'A published version shows its rulebook as it was.';
	END IF;
	RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;
COMMENT ON FUNCTION thidua._guard_rulebook() IS
	'trigger: a rulebook with published versions keeps its code and name';
CREATE TRIGGER rulebook_frozen_when_published AFTER UPDATE OR DELETE ON thidua.rulebook
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_rulebook();

-- No TRUNCATE of the rulebook tables while a version is published or retired.
CREATE FUNCTION thidua._guard_rulebook_truncate() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	IF EXISTS (SELECT 1 FROM thidua.rulebook_version WHERE status OPERATOR(pg_catalog.<>) 'draft') THEN
		RAISE EXCEPTION 'thidua.% cannot be truncated: it holds published records', TG_TABLE_NAME
			USING ERRCODE = 'object_not_in_prerequisite_state';
	END IF;
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION thidua._guard_rulebook_truncate() IS
	'trigger: no TRUNCATE of the rulebook tables while a version is published or retired';
CREATE TRIGGER rulebook_no_truncate BEFORE TRUNCATE ON thidua.rulebook
	FOR EACH STATEMENT EXECUTE FUNCTION thidua._guard_rulebook_truncate();
CREATE TRIGGER rulebook_version_no_truncate BEFORE TRUNCATE ON thidua.rulebook_version
	FOR EACH STATEMENT EXECUTE FUNCTION thidua._guard_rulebook_truncate();
CREATE TRIGGER rulebook_entry_no_truncate BEFORE TRUNCATE ON thidua.rulebook_entry
	FOR EACH STATEMENT EXECUTE FUNCTION thidua._guard_rulebook_truncate();
-- the history never
CREATE TRIGGER rulebook_version_event_no_truncate BEFORE TRUNCATE ON thidua.rulebook_version_event
	FOR EACH STATEMENT EXECUTE FUNCTION thidua._guard_truncate('always');
CREATE TRIGGER rulebook_version_event_append_only AFTER UPDATE OR DELETE ON thidua.rulebook_version_event
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_append_only();
CREATE TRIGGER rulebook_version_event_by_thidua AFTER INSERT ON thidua.rulebook_version_event
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_record_insert();

-- Records every status a version takes (the note from thidua.status_note);
-- the one writer of the history.
CREATE FUNCTION thidua._record_rulebook_event() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	IF TG_OP = 'INSERT' AND thidua._restoring(TG_TABLE_NAME) THEN
		RETURN NULL;	-- a restore brings the history along with the versions
	END IF;
	IF TG_OP = 'INSERT' OR NEW.status IS DISTINCT FROM OLD.status THEN
		INSERT INTO thidua.rulebook_version_event (version_code, from_status, to_status, note)
		VALUES (NEW.version_code, CASE WHEN TG_OP = 'UPDATE' THEN OLD.status END, NEW.status,
				nullif(current_setting('thidua.status_note', true), ''));
	END IF;
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION thidua._record_rulebook_event() IS
	'trigger (definer): records every status a rulebook version takes in rulebook_version_event, with thidua.status_note';
CREATE TRIGGER rulebook_version_history AFTER INSERT OR UPDATE ON thidua.rulebook_version
	FOR EACH ROW EXECUTE FUNCTION thidua._record_rulebook_event();

-- Looks a version up for a change, with a clear error when it does not exist.
CREATE FUNCTION thidua._lock_rulebook_version(version text) RETURNS thidua.rulebook_version
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	locked thidua.rulebook_version;
BEGIN
	IF version IS NULL THEN
		RAISE EXCEPTION 'rulebook version is required' USING ERRCODE = 'null_value_not_allowed';
	END IF;
	SELECT * INTO locked FROM thidua.rulebook_version
		WHERE version_code OPERATOR(pg_catalog.=) version FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'rulebook version "%" does not exist', version
			USING ERRCODE = 'no_data_found', HINT = 'thidua rulebook list shows the versions.';
	END IF;
	RETURN locked;
END
$$;
COMMENT ON FUNCTION thidua._lock_rulebook_version(text) IS
	'locks a rulebook version for a change; no_data_found when it does not exist, null_value_not_allowed for NULL';

-- Moves a version to a status (the triggers check the move), recording the note.
CREATE FUNCTION thidua._set_rulebook_status(version text, status text, note text) RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	PERFORM thidua._lock_rulebook_version(version);
	PERFORM set_config('thidua.status_note', coalesce(note, ''), true);
	UPDATE thidua.rulebook_version SET status = _set_rulebook_status.status
		WHERE version_code OPERATOR(pg_catalog.=) version;
	PERFORM set_config('thidua.status_note', '', true);
END
$$;
COMMENT ON FUNCTION thidua._set_rulebook_status(text, text, text) IS
	'moves a rulebook version to a status (the triggers check the move), recording the note';

CREATE FUNCTION thidua.publish_rulebook(version text, note text DEFAULT NULL) RETURNS void
	LANGUAGE sql
	SET search_path = pg_catalog, pg_temp
	AS $$ SELECT thidua._set_rulebook_status(version, 'published', note) $$;
COMMENT ON FUNCTION thidua.publish_rulebook(text, text) IS
	'publish_rulebook(version text, note text DEFAULT NULL): validates a draft rulebook version again and publishes it; from then on it never changes. Refuses (exclusion_violation) a date overlap with another published version of the same rulebook, naming it; invalid_parameter_value for a validation error; the note is recorded in rulebook_version_event';

CREATE FUNCTION thidua.retire_rulebook(version text, note text DEFAULT NULL) RETURNS void
	LANGUAGE sql
	SET search_path = pg_catalog, pg_temp
	AS $$ SELECT thidua._set_rulebook_status(version, 'retired', note) $$;
COMMENT ON FUNCTION thidua.retire_rulebook(text, text) IS
	'retire_rulebook(version text, note text DEFAULT NULL): retires a published rulebook version: it stays readable but is never in force again (its dates are free for another version); the note is recorded';

CREATE FUNCTION thidua.clone_rulebook(version text, new_edition text DEFAULT NULL) RETURNS text
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	source thidua.rulebook_version := thidua._lock_rulebook_version(version);
	target text;
BEGIN
	IF new_edition IS NULL THEN
		IF source.edition !~ '^[0-9]{4}$' THEN
			RAISE EXCEPTION 'name the new edition of rulebook version "%"', version
				USING ERRCODE = 'invalid_parameter_value',
					  HINT = 'Only a year edition has an obvious successor (2024 -> 2025).';
		END IF;
		new_edition := (source.edition::integer + 1)::text;
	END IF;
	IF new_edition !~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$' THEN
		RAISE EXCEPTION 'edition "%" must be 1 to 63 letters, digits, ".", "_" or "-", starting with a letter or digit', new_edition
			USING ERRCODE = 'invalid_parameter_value', HINT = 'For example 2026 or 2025-09.';
	END IF;
	target := source.rulebook_code || '/' || new_edition;
	IF EXISTS (SELECT 1 FROM thidua.rulebook_version WHERE version_code OPERATOR(pg_catalog.=) target) THEN
		RAISE EXCEPTION 'rulebook version "%" already exists', target
			USING ERRCODE = 'unique_violation', HINT = 'Choose another edition.';
	END IF;
	INSERT INTO thidua.rulebook_version (version_code, rulebook_code, edition, title, effective_from, effective_to,
			general, cloned_from)
		VALUES (target, source.rulebook_code, new_edition, source.title, source.effective_from, source.effective_to,
			source.general, version);
	INSERT INTO thidua.rulebook_entry (version_code, award_code, position, rule, quota, council, disclosure, note)
		SELECT target, award_code, position, rule, quota, council, disclosure, note
		FROM thidua.rulebook_entry WHERE version_code OPERATOR(pg_catalog.=) version;
	RETURN target;
END
$$;
COMMENT ON FUNCTION thidua.clone_rulebook(text, text) IS
	'clone_rulebook(version text, new_edition text DEFAULT NULL) -> text: copies a rulebook version (any status) into a new draft with the same dates, rules and sources; by default the next year''s edition (a non-year edition must be named); returns the new code. unique_violation when it exists; no_data_found for an unknown version; invalid_parameter_value for an edition that is not 1 to 63 letters, digits, ".", "_" or "-"';

CREATE FUNCTION thidua.delete_rulebook_draft(version text) RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	locked thidua.rulebook_version := thidua._lock_rulebook_version(version);
BEGIN
	-- said before a clone's reference to it would refuse the deletion less clearly
	IF locked.status <> 'draft' THEN
		RAISE EXCEPTION 'rulebook version "%" is % and cannot be deleted', version, locked.status
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Published versions are kept forever; retire it instead.';
	END IF;
	DELETE FROM thidua.rulebook_version WHERE version_code OPERATOR(pg_catalog.=) version;
END
$$;
COMMENT ON FUNCTION thidua.delete_rulebook_draft(text) IS
	'delete_rulebook_draft(version text): deletes a draft rulebook version and its entries; published and retired versions are kept forever (object_not_in_prerequisite_state); no_data_found for an unknown version';

-- The versions with their dates, status and size, for listings; a published
-- version's real range in force: an open-ended one ends the day before the
-- next published version of its rulebook takes effect.
CREATE VIEW thidua.rulebook_versions AS
	SELECT v.version_code, v.rulebook_code, v.edition, v.title, v.status, v.effective_from, v.effective_to,
		(SELECT count(*) FROM thidua.rulebook_entry e
		 WHERE e.version_code OPERATOR(pg_catalog.=) v.version_code) AS awards,
		(SELECT max(e.changed_at) FROM thidua.rulebook_version_event e
		 WHERE e.version_code OPERATOR(pg_catalog.=) v.version_code) AS status_since,
		v.cloned_from,
		CASE WHEN v.status OPERATOR(pg_catalog.=) 'published'
			THEN coalesce(v.effective_to, next.effective_from OPERATOR(pg_catalog.-) 1) END AS in_force_to,
		CASE WHEN v.status OPERATOR(pg_catalog.=) 'published' AND v.effective_to IS NULL THEN next.version_code END
			AS succeeded_by,
		CASE v.status
			WHEN 'published' THEN to_char(v.effective_from, 'YYYY-MM-DD') || ' to '
				|| coalesce(to_char(coalesce(v.effective_to, next.effective_from OPERATOR(pg_catalog.-) 1), 'YYYY-MM-DD'), 'open')
				|| CASE WHEN v.effective_to IS NULL AND next.version_code IS NOT NULL
					THEN ' (then ' || next.version_code || ')' ELSE '' END
			WHEN 'draft' THEN 'effective ' || to_char(v.effective_from, 'YYYY-MM-DD') || ' to '
				|| coalesce(to_char(v.effective_to, 'YYYY-MM-DD'), 'open')
			ELSE 'never (retired)' END AS in_force
	FROM thidua.rulebook_version v
	LEFT JOIN LATERAL (
		SELECT n.version_code, n.effective_from FROM thidua.rulebook_version n
		WHERE n.rulebook_code OPERATOR(pg_catalog.=) v.rulebook_code
		  AND n.status OPERATOR(pg_catalog.=) 'published'
		  AND n.effective_from OPERATOR(pg_catalog.>) v.effective_from
		ORDER BY n.effective_from LIMIT 1) AS next ON true;
COMMENT ON VIEW thidua.rulebook_versions IS
	'rulebook versions with their dates, status, number of award entries, the time of the last status change, and for a published version its real range in force (in_force_to; succeeded_by: the later version an open-ended one gives way to; in_force in words, "effective ..." for a draft); drafts only for administrators';

-- The scalar leaves of a JSON value with their paths (rule.all_of[1].any_of[0].rating)
-- and their place in document order (array items in order; an object's keys in
-- the order the rulebook format writes them, source last), so that a diff
-- names the node that changed rather than the whole rule, in a stable order.
CREATE FUNCTION thidua._json_leaves(doc jsonb, prefix text) RETURNS TABLE (path text, value jsonb, place integer[])
	LANGUAGE plpgsql IMMUTABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	key_order constant text[] := ARRAY['rulebook', 'code', 'name', 'title', 'kind', 'all_of', 'any_of', 'award',
		'rating', 'years', 'times', 'every_years', 'within_years', 'count', 'scope', 'window_years', 'posts',
		'in_sector', 'men', 'women', 'severity', 'proceedings', 'label', 'rule', 'quota', 'base_award', 'share',
		'rounding', 'minimum', 'per', 'council', 'ballot', 'threshold', 'comparison', 'secret', 'base', 'disclosure',
		'working_days', 'value', 'document', 'article', 'clause', 'point', 'effective_from', 'effective_to',
		'general', 'verified', 'status', 'note', 'source'];
BEGIN
	IF jsonb_typeof(doc) = 'object' AND doc OPERATOR(pg_catalog.<>) '{}' THEN
		RETURN QUERY SELECT l.path, l.value, e.n || l.place
			FROM (SELECT j.key, j.value, (row_number() OVER (ORDER BY coalesce(array_position(key_order, j.key), 1000), j.key))::integer AS n
				  FROM jsonb_each(doc) AS j) AS e,
			thidua._json_leaves(e.value, concat_ws('.', nullif(prefix, ''), e.key)) AS l;
	ELSIF jsonb_typeof(doc) = 'array' AND doc OPERATOR(pg_catalog.<>) '[]' THEN
		RETURN QUERY SELECT l.path, l.value, e.n::integer || l.place
			FROM jsonb_array_elements(doc) WITH ORDINALITY AS e(v, n),
			thidua._json_leaves(e.v, format('%s[%s]', prefix, e.n - 1)) AS l;
	ELSE
		RETURN QUERY SELECT prefix, doc, '{}'::integer[];
	END IF;
END
$$;
COMMENT ON FUNCTION thidua._json_leaves(jsonb, text) IS
	'the scalar leaves of a JSON value with their paths (rule.all_of[1].any_of[0].rating) and their place in document order (source last), for diffs';

-- What changed from version a to version b: awards added, removed or changed
-- (each changed leaf by its path, in document order; a value null on one side
-- and absent on the other has not changed), and the version's own settings as
-- the award "(version)".
CREATE FUNCTION thidua.rulebook_diff(a text, b text, OUT award text, OUT change text, OUT fields jsonb, OUT paths text[])
	RETURNS SETOF record
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	doc_a jsonb := thidua.export_rulebook(a);
	doc_b jsonb := thidua.export_rulebook(b);
BEGIN
	RETURN QUERY
	WITH settings AS (
		SELECT '(version)' AS code, doc_a - ARRAY['awards', 'edition', 'format'] AS old,
			doc_b - ARRAY['awards', 'edition', 'format'] AS new, 0::bigint AS ord
	), entries AS (
		SELECT coalesce(ea ->> 'award', eb ->> 'award') AS code, ea - 'award' AS old, eb - 'award' AS new,
			coalesce(nb, na) AS ord
		FROM (SELECT e AS ea, n AS na FROM jsonb_array_elements(doc_a -> 'awards') WITH ORDINALITY AS x(e, n)) l
		FULL JOIN (SELECT e AS eb, n AS nb FROM jsonb_array_elements(doc_b -> 'awards') WITH ORDINALITY AS y(e, n)) r
			ON (ea ->> 'award') OPERATOR(pg_catalog.=) (eb ->> 'award')
	), everything AS (
		SELECT * FROM settings UNION ALL SELECT * FROM entries
	), compared AS (
		SELECT e.code, e.ord,
			CASE WHEN e.old IS NULL THEN 'added' WHEN e.new IS NULL THEN 'removed' ELSE 'changed' END AS change,
			CASE WHEN e.old IS NULL OR e.new IS NULL THEN coalesce(e.new, e.old) ELSE d.fields END AS fields,
			d.paths
		FROM everything e
		LEFT JOIN LATERAL (
			SELECT jsonb_object_agg(coalesce(o.path, n.path), jsonb_build_object('from', o.value, 'to', n.value)) AS fields,
				array_agg(coalesce(o.path, n.path) ORDER BY coalesce(n.place, o.place), coalesce(o.path, n.path)) AS paths
			FROM thidua._json_leaves(e.old, '') AS o
			FULL JOIN thidua._json_leaves(e.new, '') AS n ON o.path OPERATOR(pg_catalog.=) n.path
			WHERE coalesce(o.value, 'null') IS DISTINCT FROM coalesce(n.value, 'null')) AS d
			ON e.old IS NOT NULL AND e.new IS NOT NULL
		WHERE e.old IS DISTINCT FROM e.new
	)
	SELECT c.code, c.change, c.fields, c.paths
	FROM compared c
	WHERE c.fields IS NOT NULL
	ORDER BY c.ord, c.code;
END
$$;
COMMENT ON FUNCTION thidua.rulebook_diff(text, text) IS
	'rulebook_diff(a text, b text) -> (award text, change text, fields jsonb, paths text[]): award entries added, removed and changed from rulebook version a to b (fields: each changed value by its path, e.g. "rule.all_of[1].any_of[0].rating" or "council.threshold", as {"from", "to"}; paths: those paths in document order, source last; the whole entry in fields, paths NULL, when added or removed; a value null on one side and absent on the other is no change), and the version''s own settings (title, dates, general rules, rulebook) as the award "(version)". no_data_found for an unknown version';

-- The published version in force for an award on a date: of each rulebook,
-- the published version whose dates contain it and that took effect last (an
-- open-ended version gives way to a later one), if it has an entry for the award.
CREATE FUNCTION thidua.rulebook_in_force(award text, on_date date, rulebook text DEFAULT NULL) RETURNS text
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	found text[];
BEGIN
	IF award IS NULL OR on_date IS NULL THEN
		RAISE EXCEPTION 'award and on_date are required' USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF NOT EXISTS (SELECT 1 FROM thidua.award a WHERE a.award_code OPERATOR(pg_catalog.=) rulebook_in_force.award) THEN
		RAISE EXCEPTION 'award "%" does not exist', award
			USING ERRCODE = 'no_data_found', HINT = 'thidua.award lists the awards.';
	END IF;
	SELECT array_agg(latest.version_code ORDER BY latest.version_code) INTO found
	FROM (SELECT DISTINCT ON (v.rulebook_code) v.version_code
		  FROM thidua.rulebook_version v
		  WHERE v.status OPERATOR(pg_catalog.=) 'published'
			AND v.effective_from OPERATOR(pg_catalog.<=) on_date
			AND (v.effective_to IS NULL OR v.effective_to OPERATOR(pg_catalog.>=) on_date)
			AND (rulebook IS NULL OR v.rulebook_code OPERATOR(pg_catalog.=) rulebook
				 OR v.version_code OPERATOR(pg_catalog.=) rulebook)
		  ORDER BY v.rulebook_code, v.effective_from DESC) AS latest
	WHERE EXISTS (SELECT 1 FROM thidua.rulebook_entry e WHERE e.version_code OPERATOR(pg_catalog.=) latest.version_code
				  AND e.award_code OPERATOR(pg_catalog.=) rulebook_in_force.award);
	IF cardinality(found) > 1 THEN
		RAISE EXCEPTION 'several rulebooks are in force for award "%" on %: %', award, to_char(on_date, 'YYYY-MM-DD'),
			array_to_string(found, ', ')
			USING ERRCODE = 'ambiguous_parameter', HINT = 'Name the rulebook (or the version) to apply.';
	END IF;
	RETURN found[1];
END
$$;
COMMENT ON FUNCTION thidua.rulebook_in_force(text, date, text) IS
	'rulebook_in_force(award text, on_date date, rulebook text DEFAULT NULL) -> text: the code of the published version in force on on_date that has an entry for the award: of each rulebook, among the published versions whose [effective_from, effective_to] contains on_date (effective_to NULL: open-ended), the one with the latest effective_from; NULL when none. rulebook (a rulebook code, or a version code) narrows the choice; when several rulebooks qualify, ambiguous_parameter asks for one. no_data_found for an unknown award; null_value_not_allowed for a NULL award or date';

-- Rulebooks (44-46): as criteria, published and retired versions are public
-- documents; drafts are the administrators' work in progress.
CREATE FUNCTION thidua._rulebook_version_visible(version text) RETURNS boolean
	LANGUAGE sql STABLE PARALLEL SAFE COST 10
	SET search_path = pg_catalog, pg_temp
	AS $$ SELECT EXISTS (SELECT 1 FROM thidua.rulebook_version v WHERE v.version_code OPERATOR(pg_catalog.=) version) $$;
COMMENT ON FUNCTION thidua._rulebook_version_visible(text) IS
	'whether the caller may see the rulebook version (its row-level security), for the policies of its entries and history';
ALTER TABLE thidua.rulebook_version ENABLE ROW LEVEL SECURITY;
CREATE POLICY rulebook_version_access ON thidua.rulebook_version
	USING (CASE WHEN (SELECT thidua._is_admin()) THEN true ELSE status OPERATOR(pg_catalog.<>) 'draft' END)
	WITH CHECK ((SELECT thidua._is_admin()));
ALTER TABLE thidua.rulebook_entry ENABLE ROW LEVEL SECURITY;
CREATE POLICY rulebook_entry_access ON thidua.rulebook_entry
	USING (CASE WHEN (SELECT thidua._is_admin()) THEN true
				ELSE thidua._rulebook_version_visible(version_code) END)
	WITH CHECK ((SELECT thidua._is_admin()));
ALTER TABLE thidua.rulebook_version_event ENABLE ROW LEVEL SECURITY;
CREATE POLICY rulebook_version_event_access ON thidua.rulebook_version_event FOR SELECT
	USING (CASE WHEN (SELECT thidua._is_admin()) THEN true
				ELSE thidua._rulebook_version_visible(version_code) END);

ALTER VIEW thidua.rulebook_versions SET (security_invoker = true);
REVOKE ALL ON thidua.rulebook_versions FROM PUBLIC;
GRANT SELECT ON thidua.rulebook_versions TO PUBLIC;
-- Writing rulebooks: administrators (create_roles); reading them stays public.
REVOKE EXECUTE ON FUNCTION thidua.import_rulebook(jsonb, boolean), thidua.publish_rulebook(text, text),
	thidua.retire_rulebook(text, text), thidua.clone_rulebook(text, text), thidua.delete_rulebook_draft(text) FROM PUBLIC;
-- The rulebook guards and history writer that run with the owner's rights are triggers only.
REVOKE EXECUTE ON FUNCTION thidua._guard_rulebook_entry(), thidua._guard_rulebook(), thidua._guard_rulebook_truncate(),
	thidua._record_rulebook_event() FROM PUBLIC;

-- (create_roles() is redefined once, at the end of this script, with every part's grants)

------------------------------------------------------------------------------
-- create_roles() with every part's grants of this release
------------------------------------------------------------------------------
-- (create_roles() is redefined once, at the end of this script, with every part's grants)

------------------------------------------------------------------------------
-- Eligibility, forecasts, quotas and what-if (47_eligibility.sql, 48_forecast_quota.sql)
------------------------------------------------------------------------------

-- thidua SQL source: eligibility.
-- Holds _rulebook_for (the version that judges a year), _general_rule,
-- _legal_source_text, _rule_nodes (a rule tree, flattened), _months_in,
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
-- (draft, published or retired, whatever its dates, if it has an entry for the
-- award: what-if and tests name drafts), else thidua.rulebook_in_force's
-- answer, so that eligibility and the rulebook listings never disagree on the
-- version in force (published, dates containing the date, an entry for the
-- award; an error asking for one when several rulebooks qualify). When none
-- is in force: an error, or NULL when must is false.
CREATE FUNCTION thidua._rulebook_for(award text, on_date date, rulebook_version text DEFAULT NULL,
									 must boolean DEFAULT true) RETURNS text
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	in_force text;
BEGIN
	IF rulebook_version IS NOT NULL THEN
		IF NOT EXISTS (SELECT 1 FROM thidua.rulebook_version v
					   WHERE v.version_code OPERATOR(pg_catalog.=) rulebook_version) THEN
			RAISE EXCEPTION 'rulebook version "%" does not exist', rulebook_version
				USING ERRCODE = 'no_data_found', HINT = 'See thidua rulebook list.';
		END IF;
		IF NOT EXISTS (SELECT 1 FROM thidua.rulebook_entry e
					   WHERE e.version_code OPERATOR(pg_catalog.=) rulebook_version
						 AND e.award_code OPERATOR(pg_catalog.=) award) THEN
			RAISE EXCEPTION 'rulebook version "%" has no entry for award "%"', rulebook_version, award
				USING ERRCODE = 'no_data_found';
		END IF;
		RETURN rulebook_version;
	END IF;
	-- raises for an unknown award and when several rulebooks qualify
	in_force := thidua.rulebook_in_force(award, on_date);
	IF in_force IS NULL AND must THEN
		RAISE EXCEPTION 'no published rulebook in force on % has an entry for award "%"', to_char(on_date, 'YYYY-MM-DD'), award
			USING ERRCODE = 'no_data_found',
				  DETAIL = 'A year is judged by the published version whose effective dates contain its judging date.',
				  HINT = 'Publish a rulebook version for that date, or name a version (rulebook_version).';
	END IF;
	RETURN in_force;
END
$$;
COMMENT ON FUNCTION thidua._rulebook_for(text, date, text, boolean) IS
	'the rulebook version judging an award on a date: the one named (any status or dates, with an entry for the award), else thidua.rulebook_in_force''s (ambiguous_parameter when several rulebooks qualify); no_data_found when none is in force (NULL instead when must is false), for an unknown award or version, or a version without the award';

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

-- Full calendar months in a set of date ranges (overlaps counted once): per
-- merged range, the years and months of age(), the days left over dropped, so
-- that leap days never make a year.
CREATE FUNCTION thidua._months_in(periods datemultirange) RETURNS integer
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT coalesce(sum(extract(year FROM age(upper(r), lower(r))) * 12 + extract(month FROM age(upper(r), lower(r)))), 0)::integer
	FROM unnest(periods) r
$$;

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
	-- a member's awards and ratings count toward the unit as they count for the member
	members_after_discipline boolean;
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
	-- in words, the measure that voids achievements (evidence and forecast only)
	cut_note text;
	what_initiative text;
	or_better text;
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
	members_after_discipline := thidua._general_rule(general, 'achievements_after_discipline') AND collective;
	who := CASE WHEN collective THEN 'unit_code' ELSE 'person_code' END;
	rating_table := CASE WHEN collective THEN 'thidua.unit_rating' ELSE 'thidua.individual_rating' END;
	award_table := CASE WHEN collective THEN 'thidua.unit_award' ELSE 'thidua.individual_award' END;
	-- the condition under which a record of an award counts toward another
	cc := concat_ws(' AND ', 'true',
		CASE WHEN NOT counts_revoked THEN 'a.revoked_on IS NULL' END,
		CASE WHEN NOT counts_thematic THEN 'a.kind IN (''yearly'', ''career'')' END);
	cut_ok := CASE WHEN after_discipline THEN 'coalesce(x.cut_year, 0)' ELSE '0' END;
	cut_note := CASE WHEN after_discipline THEN 'x.cut_note' ELSE 'NULL::text' END;

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
			or_better := CASE WHEN rating <> 'HTXSNV' THEN ' or better' ELSE '' END;
			CASE p ->> 'kind'
			WHEN 'rating_this_year' THEN
				r_aggs := r_aggs || format('max(r.rating) FILTER (WHERE r.year = %s) AS rating_y', y);
				IF required THEN
					r_having := r_having || format('max(r.rating) FILTER (WHERE r.year = %s) >= %L::thidua.completion_rating', y, rating);
				END IF;
				rating_from := least(coalesce(rating_from, y), y);
				l1 := l1 || format('r.rating_y AS %1$s_rating, %2$s AS %1$s_cut, %3$s AS %1$s_note', leaf, cut_ok, cut_note);
				pass_e := format('coalesce(%1$s_rating >= %2$L::thidua.completion_rating AND %1$s_cut < %3$s, false)', leaf, rating, y);
				evidence_e := format($e$CASE WHEN %1$s_rating IS NULL THEN 'no rating for %3$s; %2$s required'
					ELSE %1$s_rating::text || ' in %3$s; %2$s required' END
					|| CASE WHEN %1$s_cut >= %3$s THEN '; ' || %1$s_note ELSE '' END$e$,
					leaf, rating, y);
				missing_e := format('CASE WHEN %s THEN 0 ELSE 1 END', pass_e);
				-- forecast: the rating of the year before is assumed to repeat
				lacks_e := format($e$CASE WHEN %1$s THEN ARRAY[]::text[] ELSE ARRAY['a rating of %2$s in %3$s ('
					|| CASE WHEN %4$s_rating IS NULL THEN 'not rated in %5$s'
						WHEN %4$s_rating < %6$L::thidua.completion_rating THEN 'rated ' || %4$s_rating || ' in %5$s'
						ELSE %4$s_note END || ')'] END$e$,
					pass_e, rating || or_better, y, leaf, assumed, rating);
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
					coalesce(r.%1$s_streak, 0) AS %1$s_rated, %3$s AS %1$s_cut, %4$s AS %1$s_note', leaf, y, cut_ok, cut_note);
				pass_e := format('(%s_years >= %s)', leaf, at_least);
				evidence_e := format($e$CASE WHEN %1$s_rated = 0 THEN 'not rated %2$s in %3$s; %4$s consecutive years required'
					WHEN %1$s_years = 0 THEN 'no year counted; %4$s consecutive years required'
					ELSE '%2$s ' || (SELECT string_agg(g::text, ', ' ORDER BY g) FROM generate_series(%3$s - %1$s_years + 1, %3$s) g)
						|| ': ' || %1$s_years || CASE WHEN %1$s_years = 1 THEN ' year' ELSE ' consecutive years' END
						|| ', %4$s required' END
					|| CASE WHEN %1$s_rated > %1$s_years THEN '; ' || (SELECT string_agg(g::text, ', ' ORDER BY g)
						FROM generate_series(%3$s - %1$s_rated + 1, %3$s - %1$s_years) g) || ' also rated %2$s, but ' || %1$s_note ELSE '' END$e$,
					leaf, rating || or_better, y, at_least);
				missing_e := format('greatest(0, %s - %s_years)', at_least, leaf);
				lacks_e := format($e$CASE WHEN %1$s_years >= %2$s THEN ARRAY[]::text[]
					ELSE ARRAY[thidua._how_many((%2$s - %1$s_years)::text, %3$L, %4$L) || ' (' || %1$s_years || ' of %2$s consecutive years to %5$s)'] END$e$,
					leaf, at_least, 'more year rated ' || rating || or_better, 'more years rated ' || rating || or_better, y);
			WHEN 'award_held' THEN
				award_codes := award_codes || (p ->> 'award');
				at_least := coalesce((p ->> 'count')::integer, 1);
				window_from := CASE WHEN jsonb_typeof(p -> 'within_years') = 'number' THEN y - (p ->> 'within_years')::integer + 1 END;
				DECLARE
					first_year integer := coalesce(window_from, 1900);
					of_award text := format('a.award_code = %L AND a.year >= %s', p ->> 'award', first_year);
					counted text := format('%s AND %s AND a.year > %s', of_award, cc, cut_ok);
					span text := CASE WHEN window_from IS NULL THEN 'up to ' || y WHEN window_from = y THEN 'in ' || y
						ELSE format('in %s-%s', window_from, y) END;
				BEGIN
					IF at_least = 1 THEN
						a_aggs := a_aggs || format('max(a.year) FILTER (WHERE %s) AS %s_held', counted, leaf);
						l1 := l1 || format('aw.%1$s_held AS %1$s_held, (aw.%1$s_held IS NOT NULL)::integer AS %1$s_years', leaf);
						IF required THEN
							aw_having := aw_having || format('max(a.year) FILTER (WHERE %s) IS NOT NULL', counted);
						END IF;
						evidence_e := format($e$CASE WHEN %1$s_held IS NOT NULL THEN '%2$s ' || %1$s_held ELSE 'no %2$s %3$s' END$e$,
							leaf, p ->> 'award', span);
						lacks_e := format($e$CASE WHEN %1$s_years >= 1 THEN ARRAY[]::text[] ELSE ARRAY['%2$s %3$s ('
							|| CASE WHEN %1$s_revoked + %1$s_kind + %1$s_cut > 0 THEN 'none that counts' ELSE 'none held' END || ')'] END$e$,
							leaf, p ->> 'award', CASE WHEN window_from IS NULL THEN 'in any year up to ' || y WHEN window_from = y THEN 'in ' || y
								ELSE format('in a year of %s-%s', window_from, y) END);
					ELSE
						-- the distinct years held: one bit per year of the window, Y the first
						-- (bit_or combines partial states: the aggregate stays parallel)
						a_aggs := a_aggs || format('bit_or(B''1''::bit(%s) >> (%s - a.year)) FILTER (WHERE %s) AS %s_mask',
							y - first_year + 1, y, counted, leaf);
						l1 := l1 || format('aw.%1$s_mask AS %1$s_mask, coalesce(bit_count(aw.%1$s_mask), 0)::integer AS %1$s_years', leaf);
						IF required THEN
							aw_having := aw_having || format('bit_count(bit_or(B''1''::bit(%s) >> (%s - a.year)) FILTER (WHERE %s)) >= %s',
								y - first_year + 1, y, counted, at_least);
						END IF;
						evidence_e := format($e$CASE WHEN %1$s_years = 0 THEN 'no %2$s %3$s; %4$s years required'
							ELSE '%2$s ' || (SELECT string_agg((%5$s - i)::text, ', ' ORDER BY i DESC)
								FROM generate_series(0, %6$s) i WHERE get_bit(%1$s_mask, i) = 1)
							|| ': ' || %1$s_years || CASE WHEN %1$s_years = 1 THEN ' year' ELSE ' years' END || ' %3$s, %4$s required' END$e$,
							leaf, p ->> 'award', span, at_least, y, y - first_year);
						lacks_e := format($e$CASE WHEN %1$s_years >= %2$s THEN ARRAY[]::text[]
							ELSE ARRAY[thidua._how_many((%2$s - %1$s_years)::text, %3$L, %4$L) || ' (' || %1$s_years || ' of %2$s held)'] END$e$,
							leaf, at_least, format('more year holding %s %s', p ->> 'award', span),
							format('more years holding %s %s', p ->> 'award', span));
					END IF;
					-- records of the award that do not count, by reason
					a_aggs := a_aggs || format('count(*) FILTER (WHERE %s AND %s) AS %s_revoked', of_award,
						CASE WHEN counts_revoked THEN 'false' ELSE 'a.revoked_on IS NOT NULL' END, leaf);
					a_aggs := a_aggs || format('count(*) FILTER (WHERE %s AND %s) AS %s_kind', of_award,
						CASE WHEN counts_thematic THEN 'false' ELSE format('a.kind NOT IN (''yearly'', ''career'') AND %s',
							CASE WHEN counts_revoked THEN 'true' ELSE 'a.revoked_on IS NULL' END) END, leaf);
					a_aggs := a_aggs || format('count(*) FILTER (WHERE %s AND %s AND a.year <= %s) AS %s_cut', of_award, cc, cut_ok, leaf);
					l1 := l1 || format('coalesce(aw.%1$s_revoked, 0) AS %1$s_revoked, coalesce(aw.%1$s_kind, 0) AS %1$s_kind,
						coalesce(aw.%1$s_cut, 0) AS %1$s_cut, %2$s AS %1$s_note', leaf, cut_note);
					evidence_e := evidence_e || format($e$ || CASE WHEN %1$s_revoked > 0 THEN '; ' || %1$s_revoked || ' not counted: revoked' ELSE '' END
						|| CASE WHEN %1$s_kind > 0 THEN '; ' || %1$s_kind || ' not counted: thematic or ad hoc' ELSE '' END
						|| CASE WHEN %1$s_cut > 0 THEN '; ' || %1$s_cut || ' not counted, ' || %1$s_note ELSE '' END$e$, leaf);
					pass_e := format('(%s_years >= %s)', leaf, at_least);
					missing_e := format('greatest(0, %s - %s_years)', at_least, leaf);
				END;
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
					lacks_e := format($e$CASE WHEN %1$s_times >= %2$s THEN ARRAY[]::text[]
						ELSE ARRAY[thidua._how_many((%2$s - %1$s_times)::text, %3$L, %4$L) || ' (' || %1$s_times || ' of %2$s to %5$s)'] END$e$,
						leaf, at_least,
						CASE WHEN every = 1 THEN format('more year holding %s, in a row', p ->> 'award')
							ELSE format('more time holding %s, every %s years', p ->> 'award', every) END,
						CASE WHEN every = 1 THEN format('more years holding %s, in a row', p ->> 'award')
							ELSE format('more times holding %s, every %s years', p ->> 'award', every) END, y);
				END;
			WHEN 'initiatives' THEN
				IF collective THEN
					RAISE EXCEPTION 'rulebook "%", award "%", %: rule kind "%" applies to individuals only', version, award, n.node, p ->> 'kind'
						USING ERRCODE = 'invalid_parameter_value';
				END IF;
				at_least := (p ->> 'count')::integer;
				scope := coalesce(p ->> 'scope', 'grassroots');
				window_from := CASE WHEN jsonb_typeof(p -> 'window_years') = 'number' THEN y - (p ->> 'window_years')::integer + 1 END;
				what_initiative := format('of scope %s%s recognised %s', scope, CASE WHEN scope <> 'national' THEN ' or wider' ELSE '' END,
					CASE WHEN window_from IS NULL THEN 'up to ' || y WHEN window_from = y THEN 'in ' || y
						ELSE format('in %s-%s', window_from, y) END);
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
				l1 := l1 || format('coalesce(ini.%1$s_count, 0) AS %1$s_count, coalesce(ini.%1$s_used, 0) AS %1$s_used,
					coalesce(ini.%1$s_cut, 0) AS %1$s_cut, %2$s AS %1$s_note', leaf, cut_note);
				pass_e := format('(%s_count >= %s)', leaf, at_least);
				evidence_e := format($e$%1$s_count || ' initiative' || CASE WHEN %1$s_count = 1 THEN '' ELSE 's' END
					|| ' of scope %2$s%3$s recognised %4$s; %5$s required'
					|| CASE WHEN %1$s_used > 0 THEN '; ' || %1$s_used || ' not counted: already used by another award' ELSE '' END
					|| CASE WHEN %1$s_cut > 0 THEN '; ' || %1$s_cut || ' not counted, ' || %1$s_note ELSE '' END$e$,
					leaf, scope, CASE WHEN scope <> 'national' THEN ' or wider' ELSE '' END,
					CASE WHEN window_from IS NULL THEN 'up to ' || y WHEN window_from = y THEN 'in ' || y
						ELSE format('in %s-%s', window_from, y) END, at_least);
				missing_e := format('greatest(0, %s - %s_count)', at_least, leaf);
				lacks_e := format($e$CASE WHEN %1$s_count >= %2$s THEN ARRAY[]::text[]
					ELSE ARRAY[thidua._how_many((%2$s - %1$s_count)::text, %3$L, %4$L) || ' (' || %1$s_count || ' of %2$s counted)'] END$e$,
					leaf, at_least, format('more initiative %s', what_initiative), format('more initiatives %s', what_initiative));
			WHEN 'service_years' THEN
				IF collective THEN
					RAISE EXCEPTION 'rulebook "%", award "%", %: rule kind "%" applies to individuals only', version, award, n.node, p ->> 'kind'
						USING ERRCODE = 'invalid_parameter_value';
				END IF;
				DECLARE
					in_sector boolean := coalesce((p ->> 'in_sector')::boolean, false);
					posts text[] := ARRAY(SELECT jsonb_array_elements_text(coalesce(p -> 'posts', '[]')));
					-- clerks write posts in any case: compared lower-cased, after NFC, on both sides
					post_keys text[] := ARRAY(SELECT lower(normalize(x, NFC)) FROM jsonb_array_elements_text(coalesce(p -> 'posts', '[]')) x);
					where_e text;
					what text;
					as_what text;
				BEGIN
					what := CASE WHEN in_sector THEN 'in the sector' ELSE 'in ' || array_to_string(posts, ', ') END;
					-- "as thủ trưởng đơn vị thuộc bộ, giám đốc or cục trưởng"
					as_what := CASE WHEN in_sector THEN 'in the sector' WHEN cardinality(posts) = 1 THEN 'as ' || posts[1]
						ELSE 'as ' || array_to_string(posts[1:cardinality(posts) - 1], ', ') || ' or ' || posts[cardinality(posts)] END;
					where_e := CASE WHEN in_sector THEN 'true' ELSE format('lower(normalize(t.post, NFC)) = ANY (%L::text[])', post_keys) END;
					extra_sources := extra_sources || format(
						'%1$s AS (SELECT t.person_code AS subject_code, thidua._months_in(range_agg(daterange(t.valid_from,
							least(coalesce(t.valid_to, %2$s + 1), %2$s + 1)))) AS months
						FROM %3$s t WHERE t.valid_from <= %2$s AND %4$s GROUP BY t.person_code)',
						leaf || '_src', d, CASE WHEN in_sector THEN 'thidua.membership' ELSE 'thidua.post_held' END, where_e);
					extra_joins := extra_joins || format('LEFT JOIN %1$s_src ON %1$s_src.subject_code = s.subject_code', leaf);
					l1 := l1 || format('coalesce(%1$s_src.months, 0) / 12 AS %1$s_years, coalesce(%1$s_src.months, 0) %% 12 AS %1$s_months,
						CASE WHEN s.sex = ''female'' THEN %2$s ELSE %3$s END AS %1$s_needed, s.sex AS %1$s_sex',
						leaf, (p ->> 'women')::integer, (p ->> 'men')::integer);
					pass_e := format('(%1$s_years >= %1$s_needed)', leaf);
					evidence_e := format($e$%1$s_years || ' full years %2$s to %3$s (' || %1$s_years || CASE WHEN %1$s_years = 1 THEN ' year ' ELSE ' years ' END
						|| %1$s_months || CASE WHEN %1$s_months = 1 THEN ' month); ' ELSE ' months); ' END
						|| %1$s_needed || ' required for a ' || CASE WHEN %1$s_sex = 'female' THEN 'woman' ELSE 'man' END$e$,
						leaf, replace(what, '''', ''''''), judged_on);
					missing_e := format('greatest(0, %1$s_needed - %1$s_years)', leaf);
					-- which posts, how many years needed (for the subject's sex) and held on the judging date
					lacks_e := format($e$CASE WHEN %1$s_years >= %1$s_needed THEN ARRAY[]::text[]
						ELSE ARRAY[thidua._how_many((%1$s_needed - %1$s_years)::text, %2$L, %3$L)
							|| ' (' || %1$s_years || ' of ' || %1$s_needed || ' held on %4$s)'] END$e$,
						leaf, 'more year ' || as_what, 'more years ' || as_what, judged_on);
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
					-- what was found, with dates: a measure and the window it overlaps, or proceedings open on the judging date
					IF with_reasons OR forecast THEN
						d_aggs := d_aggs || format($e$string_agg(CASE WHEN x.kind = 'measure' THEN x.severity::text ELSE x.kind::text END
							|| ' from ' || x.valid_from || coalesce(' to ' || x.valid_to, CASE WHEN x.kind = 'measure' THEN ', no end date' ELSE '' END)
							|| coalesce(' (' || x.decision || ')', '')
							|| CASE WHEN %1$s THEN ' overlaps %4$s..%5$s' ELSE ', open on %5$s' END, '; '
							ORDER BY x.valid_from) FILTER (WHERE (%1$s) OR (%2$s)) AS %3$s_list$e$, measure_e, open_e, leaf,
							make_date(window_from, 1, 1), judged_on);
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
				lacks_e := format('CASE WHEN %s THEN ARRAY[]::text[] ELSE ARRAY[%L || %s_list || '')''] END', pass_e,
					format('no disciplinary measure%s%s (found: ',
						CASE WHEN p ->> 'severity' IS NOT NULL THEN format(' of %s or heavier', p ->> 'severity') ELSE '' END,
						CASE WHEN coalesce((p ->> 'proceedings')::boolean, false) THEN ' or open proceedings' ELSE '' END), leaf);
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
					required_words text;
					-- no measure (started by the judging date) running then or ended in or after the member's year
					member_cut text := CASE WHEN members_after_discipline THEN format(' AND NOT EXISTS (SELECT 1 FROM thidua.discipline x
						WHERE x.person_code = m.person_code AND x.kind = ''measure'' AND x.valid_from <= %1$s
						AND (x.valid_to IS NULL OR x.valid_to > %1$s OR extract(year FROM x.valid_to) >= %2$s))', d, member_year) ELSE '' END;
				BEGIN
					IF p ->> 'kind' = 'members_with_award' THEN
						hit := format('EXISTS (SELECT 1 FROM thidua.individual_award a WHERE a.person_code = m.person_code
							AND a.award_code = %L AND a.year = %s AND %s)%s', p ->> 'award', member_year, cc, member_cut);
						what := format('hold %s %s', p ->> 'award', member_year);
						lacking := format('holding %s', p ->> 'award');
					ELSIF p ->> 'kind' = 'members_rated' THEN
						hit := format('EXISTS (SELECT 1 FROM thidua.individual_rating r WHERE r.person_code = m.person_code
							AND r.year = %s AND r.rating >= %L::thidua.completion_rating)%s', member_year, rating, member_cut);
						what := format('rated %s%s in %s', rating, CASE WHEN rating <> 'HTXSNV' THEN ' or better' ELSE '' END, member_year);
						lacking := format('rated %s%s', rating, or_better);
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
						lacks_e := format($e$CASE WHEN %1$s THEN ARRAY[]::text[] ELSE ARRAY[%2$L || %3$s_hits || ' of ' || %3$s_members || ')'] END$e$,
							pass_e, format('no member with a measure of %s or heavier in %s (', coalesce(p ->> 'severity', 'reprimand'), member_year), leaf);
					ELSE
						-- the fewest members that pass, exact: at least ceil(share x members), or one more than share x members
						needed := CASE WHEN share IS NOT NULL THEN
								CASE WHEN more_than THEN format('(floor(%s::numeric * %s_members)::integer + 1)', share, leaf)
									 ELSE format('ceil(%s::numeric * %s_members)::integer', share, leaf) END
							ELSE CASE WHEN more_than THEN (how_many + 1)::text ELSE how_many::text END END;
						pass_e := format('(%1$s_members > 0 AND %1$s_hits >= %2$s)', leaf, needed);
						required_words := CASE WHEN share IS NOT NULL
							THEN format('%s %s %%', CASE WHEN more_than THEN 'more than' ELSE 'at least' END, trim_scale(share * 100))
							ELSE format('%s %s', CASE WHEN more_than THEN 'more than' ELSE 'at least' END, how_many) END;
						evidence_e := format($e$%1$s_hits || ' of ' || %1$s_members || ' members %2$s'
							|| CASE WHEN %1$s_members > 0 THEN ' (' || trim_scale(round(100.0 * %1$s_hits / %1$s_members, 1)) || ' %%)' ELSE '' END
							|| '; %3$s required'$e$, leaf, replace(what, '''', ''''''), required_words);
						missing_e := format('greatest(0, %s - %s_hits)', needed, leaf);
						lacks_e := format($e$CASE WHEN %1$s THEN ARRAY[]::text[] ELSE ARRAY[thidua._how_many(greatest(1, %2$s - %3$s_hits)::text, %4$L, %5$L)
							|| ' (' || %3$s_hits || ' of ' || %3$s_members || ' in %6$s; ' || %7$L || ')'] END$e$,
							pass_e, needed, leaf, 'more member ' || lacking, 'more members ' || lacking, member_year, required_words || ' required');
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
		-- the measure that ends last, in words (evidence and forecast only)
		d_aggs := d_aggs || CASE WHEN with_reasons OR forecast THEN format($e$(array_agg(CASE WHEN x.valid_to IS NULL
				THEN 'years up to %1$s do not count: ' || x.severity || ' from ' || x.valid_from || ', no end date'
				ELSE 'years up to ' || extract(year FROM x.valid_to) || ' do not count: ' || x.severity || ' until ' || x.valid_to END
			ORDER BY x.valid_to DESC NULLS FIRST) FILTER (WHERE x.kind = 'measure'))[1] AS cut_note$e$, y)
			ELSE 'NULL::text AS cut_note' END;
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
DECLARE
	hidden text;
BEGIN
	IF unit IS NOT NULL AND NOT EXISTS (SELECT 1 FROM thidua.unit u WHERE u.unit_code = unit) THEN
		RAISE EXCEPTION 'unit "%" does not exist', unit USING ERRCODE = 'no_data_found';
	END IF;
	-- row-level security would silently leave out the people of a unit the
	-- caller does not act for: a wrong count, so an error instead
	IF unit IS NOT NULL AND NOT thidua._is_admin() THEN
		WITH RECURSIVE scope_units AS (SELECT u.unit_code FROM thidua.unit u WHERE u.unit_code = unit
			UNION SELECT c.unit_code FROM thidua.unit c JOIN scope_units s ON c.parent_code = s.unit_code)
		SELECT min(s.unit_code) INTO hidden FROM scope_units s WHERE NOT s.unit_code = ANY (thidua._caller_units());
		IF hidden IS NOT NULL THEN
			RAISE EXCEPTION 'unit "%" is not visible to role "%"', unit, current_user
				USING ERRCODE = 'insufficient_privilege',
					  DETAIL = CASE WHEN hidden = unit THEN format('The role does not act for unit "%s" (thidua.role_unit).', unit)
						ELSE format('The role does not act for its sub-unit "%s" (thidua.role_unit), whose people would be left out.', hidden) END,
					  HINT = 'Ask for a unit the role acts for, or ask an administrator.';
		END IF;
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
	IF judged_on IS NOT NULL AND (NOT isfinite(judged_on) OR judged_on < make_date(year, 1, 1)) THEN
		RAISE EXCEPTION 'judged_on % is out of range for year %', judged_on, year
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'A year is judged on a date from 1 January of that year on (by default 31 December).';
	END IF;
	-- row-level security hides the people (and units) the caller does not act for
	IF award_subject = 'individual' AND NOT EXISTS (SELECT 1 FROM thidua.individual i WHERE i.person_code = subject)
		AND NOT thidua._is_admin() THEN
		RAISE EXCEPTION 'person "%" is not visible to role "%"', subject, current_user
			USING ERRCODE = 'insufficient_privilege',
				  DETAIL = 'The role sees the current members of the units it acts for (thidua.role_unit); the person may also not exist.';
	ELSIF award_subject = 'individual' AND NOT EXISTS (SELECT 1 FROM thidua.individual i WHERE i.person_code = subject) THEN
		RAISE EXCEPTION 'person "%" does not exist', subject
			USING ERRCODE = 'no_data_found', DETAIL = format('Award "%s" is for individuals.', award);
	ELSIF award_subject = 'collective' AND NOT EXISTS (SELECT 1 FROM thidua.unit u WHERE u.unit_code = subject) THEN
		RAISE EXCEPTION 'unit "%" does not exist', subject
			USING ERRCODE = 'no_data_found', DETAIL = format('Award "%s" is for collectives (units).', award);
	ELSIF award_subject = 'collective' AND NOT thidua._is_admin() AND NOT subject = ANY (thidua._caller_units()) THEN
		RAISE EXCEPTION 'unit "%" is not visible to role "%"', subject, current_user
			USING ERRCODE = 'insufficient_privilege',
				  DETAIL = format('The role does not act for unit "%s" (thidua.role_unit), whose members would be left out.', subject),
				  HINT = 'Ask for a unit the role acts for, or ask an administrator.';
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
	'eligibility(subject, award, year [, rulebook_version [, judged_on]]): one row per node of the award''s rule, depth first; the first (node ''rule'') is the overall answer; evidence in words and the legal source of each rule. subject: a person code (individual awards) or unit code (collective ones). The year is judged on judged_on (default 31 December) by the published rulebook version in force then with an entry for the award, unless one is named. Errors: unknown award, person or unit; year outside 1900..2198; judged_on infinite or before 1 January of the year; a person or unit the caller does not see (insufficient_privilege); no version or several in force.';

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
	'eligible(award, year [, unit [, why [, rulebook_version]]]): the subjects eligible for the award in the year (judged on 31 December): the people who are members of the unit or its sub-units on that date (everyone when unit is NULL), or the units of that subtree for a collective award; one set-based query; with why, reasons holds one object per rule node (node, kind, passed, evidence). Unordered. Errors: unknown award or unit; year outside 1900..2198; a unit (or one of its sub-units) the caller does not act for (insufficient_privilege); no rulebook version in force (or several).';

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
	next_year integer;
	version text;
BEGIN
	-- year first: year + 1 must not overflow
	PERFORM thidua._check_award_year(award, year);
	next_year := year + 1;
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
	'forecast(award, year [, unit [, rulebook_version]]): nurturing achievements: each subject of the unit and its sub-units (everyone when NULL) judged for year + 1 as if the ratings and yearly awards of year held again in it; eligible_next_year, missing (how many years, initiatives, members... still lacking; 0 when eligible) and lacks (in words, each saying what, where and how many: "one more year rated HTXSNV (2 of 3 consecutive years to 2025)", "3 more years as giám đốc (0 of 3 held on 2025-12-31)", "2 more years holding CSTDCS in 2021-2025 (1 of 3 held)"), closest first. Subjects who can never qualify (once-only awards already received) are left out. The rulebook is the one in force on 31 December of year + 1, else of year. Errors: as eligible().';

CREATE FUNCTION thidua.quota(award text, unit text, year integer, rulebook_version text DEFAULT NULL)
	RETURNS TABLE (base_award text, base integer, share numeric, rounding text, minimum integer, allowed integer,
				   arithmetic text, legal_source text)
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	on_date date;
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
	on_date := make_date(year, 12, 31);
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
	'quota(award, unit, year [, rulebook_version]): how many of the unit (with its sub-units) may be proposed for the award in the year: for a share, base (members on 31 December holding base_award in the year, counted as the general rules say) x share, rounded down, half up or up, at least minimum, with the arithmetic in words ("15 % of 13 = 1.95, rounded down: 1"); for a fixed count, the count; exact numeric; legal_source of the quota. One row; "no quota" when the entry has none. Errors: unknown award or unit, unit NULL, a unit (or sub-unit) the caller does not act for (insufficient_privilege), year outside 1900..2198, no rulebook version in force.';

CREATE FUNCTION thidua.eligibility_changes(award text, year integer, draft_version text, unit text DEFAULT NULL)
	RETURNS TABLE (subject_code text, subject_name thidua.vietnamese_text, change text, in_force_version text,
				   deciding_rule text, evidence text)
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	on_date date;
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
	on_date := make_date(year, 12, 31);
	in_force := thidua._rulebook_for(award, on_date, NULL);
	draft := thidua._rulebook_for(award, on_date, draft_version);
	-- what-if weighs a proposal: a published or retired version is not one
	IF (SELECT v.status FROM thidua.rulebook_version v WHERE v.version_code = draft) <> 'draft' THEN
		RAISE EXCEPTION 'rulebook version "%" is %, not a draft', draft,
			(SELECT v.status FROM thidua.rulebook_version v WHERE v.version_code = draft)
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'What-if compares a draft against the version in force.',
				  HINT = 'Clone the version (thidua rulebook clone) and edit the draft.';
	END IF;
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
	'eligibility_changes(award, year, draft_version [, unit]): what-if: the subjects of the unit and its sub-units (everyone when NULL) whose eligibility for the award in the year differs under draft_version (a draft) from the version in force: change gains or loses, the version in force, the deciding rule (version, node, kind and parameters of a failing rule of the version under which the subject fails, first one that the other version does not have) and its evidence. Errors: as eligible(); draft_version unknown, not a draft, or without an entry for the award.';

-- Privileges (50_roles.sql): the new functions for administrators and scorers
-- Eligibility, forecasts, quotas and what-if (47, 48) read people's records with
-- the caller's rights: administrators, and scorers for their own people.
REVOKE EXECUTE ON FUNCTION thidua.eligibility(text, text, integer, text, date),
	thidua.eligible(text, integer, text, boolean, text), thidua.forecast(text, integer, text, text),
	thidua.quota(text, text, integer, text), thidua.eligibility_changes(text, integer, text, text) FROM PUBLIC;

-- (create_roles() is redefined once, at the end of this script, with every part's grants)

------------------------------------------------------------------------------
-- create_roles() with every part's grants of this release
------------------------------------------------------------------------------
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
	GRANT EXECUTE ON FUNCTION thidua.import_rulebook(jsonb, boolean), thidua.publish_rulebook(text, text),
		thidua.retire_rulebook(text, text), thidua.clone_rulebook(text, text), thidua.delete_rulebook_draft(text)
		TO thidua_admin;
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
	-- people's and units' records (38_records_import.sql)
	GRANT EXECUTE ON FUNCTION thidua.import_records(text, text, text), thidua.import_records(text, bytea, text),
		thidua.revoke_award(bigint, date, text, text) TO thidua_admin;

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

-- Records fixes (37_records.sql, 38_records_import.sql, 50_roles.sql): an
-- initiative credited to one award only, also by two sessions at once (the
-- importer locks what it credits; a guard refuses a credit passing from one
-- award to another); a revoked award never deleted; initiatives under
-- row-level security; Vietnamese discipline kinds; the header's real line in
-- errors. The importers changed are defined above at their final text.

-- The line of a CSV text's header (its first line that is not blank), as
-- _csv_rows counts lines; 1 for a file without one.
CREATE FUNCTION thidua._csv_header_line(content text) RETURNS bigint
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT coalesce((SELECT l.n FROM regexp_split_to_table(ltrim(left(coalesce(content, ''), 65536), E'\uFEFF'), E'\n')
			WITH ORDINALITY AS l(line, n)
		WHERE btrim(l.line, E' \t\r,;"') OPERATOR(pg_catalog.<>) '' ORDER BY l.n LIMIT 1), 1)
$$;

-- An initiative counts for one award: its used_by_award goes from none to an
-- award, and back to none when that award's record is corrected (an awards
-- file whose line no longer names it, or before the award is deleted), never
-- from one award straight to another. So of two sessions crediting it at once,
-- the later fails on every route, whatever it read before the first committed.
CREATE FUNCTION thidua._guard_initiative_credit() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	IF OLD.used_by_award IS NOT NULL AND NEW.used_by_award IS NOT NULL
	   AND NEW.used_by_award OPERATOR(pg_catalog.<>) OLD.used_by_award THEN
		RAISE EXCEPTION 'initiative "%" is used by award record % already: it cannot pass to award record %',
			NEW.initiative_code, OLD.used_by_award, NEW.used_by_award
			USING ERRCODE = 'unique_violation',
				  HINT = format('An initiative counts for one award only. If its use by award record %s is a mistake, correct that award first (used_by_award NULL), then credit the other.', OLD.used_by_award);
	END IF;
	RETURN NULL;
END
$$;
CREATE TRIGGER initiative_used_once AFTER UPDATE OF used_by_award ON thidua.initiative
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_initiative_credit();

-- A revoked award stays on record for good, like a published document: its row
-- is neither deleted (deleting it and entering the award afresh would undo the
-- revocation) nor truncated away. BEFORE, so that this error comes before the
-- foreign key's of the initiatives it used.
CREATE FUNCTION thidua._guard_revoked_award_kept() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	revoked_id bigint;
	revoked_on date;
BEGIN
	IF TG_OP = 'TRUNCATE' THEN
		EXECUTE format('SELECT a.record_id, a.revoked_on FROM thidua.%I a WHERE a.revoked_on IS NOT NULL
			ORDER BY a.record_id LIMIT 1', TG_TABLE_NAME) INTO revoked_id, revoked_on;
	ELSE
		revoked_id := OLD.record_id;
		revoked_on := OLD.revoked_on;
	END IF;
	IF revoked_on IS NOT NULL THEN
		RAISE EXCEPTION 'award record % was revoked on %: a revoked award stays on record and is not deleted',
			revoked_id, to_char(revoked_on, 'YYYY-MM-DD')
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'A revocation is final and kept, like a published document; a new decision awarding it again is a new award record.';
	END IF;
	RETURN OLD;
END
$$;
CREATE TRIGGER individual_award_revoked_kept BEFORE DELETE ON thidua.individual_award
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_revoked_award_kept();
CREATE TRIGGER unit_award_revoked_kept BEFORE DELETE ON thidua.unit_award
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_revoked_award_kept();
CREATE TRIGGER individual_award_no_truncate BEFORE TRUNCATE ON thidua.individual_award
	FOR EACH STATEMENT EXECUTE FUNCTION thidua._guard_revoked_award_kept();
CREATE TRIGGER unit_award_no_truncate BEFORE TRUNCATE ON thidua.unit_award
	FOR EACH STATEMENT EXECUTE FUNCTION thidua._guard_revoked_award_kept();

-- an initiative: as one of its authors
ALTER TABLE thidua.initiative ENABLE ROW LEVEL SECURITY;
CREATE POLICY initiative_access ON thidua.initiative
	USING (CASE WHEN (SELECT thidua._is_admin()) THEN true
				ELSE EXISTS (SELECT 1 FROM thidua.initiative_author ia
							 WHERE ia.initiative_code OPERATOR(pg_catalog.=) initiative.initiative_code
							   AND thidua._person_visible(ia.person_code)) END)
	WITH CHECK ((SELECT thidua._is_admin()));
