-- thidua SQL source: people's and units' records, as dated data.
-- Holds tables individual_rating, unit_rating (the yearly rating),
-- individual_award, unit_award (awards received, revocations kept),
-- initiative, initiative_author, discipline (measures and proceedings).
-- Posts held and memberships are in 30_units_people.sql.
--
-- Eligibility reads these tables and nothing else of a person's history. Tables
-- of individuals lead with person_code, so that one day they are co-located by
-- person.

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
