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

-- One numbering for both award tables, so that a record_id names one award
-- (revoke_award): people's awards odd, units' even.
ALTER TABLE thidua.individual_award ALTER COLUMN record_id SET INCREMENT BY 2 SET START WITH 1 RESTART;
ALTER TABLE thidua.unit_award ALTER COLUMN record_id SET INCREMENT BY 2 SET START WITH 2 RESTART;

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
