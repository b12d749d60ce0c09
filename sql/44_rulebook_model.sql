-- thidua SQL source: the rulebook model.
-- Holds tables rulebook, rulebook_version, rulebook_entry,
-- rulebook_version_event; their dump registration.
--
-- A rulebook is a versioned document exactly like a criteria table: draft,
-- then published (immutable), then retired. A version is in force from
-- effective_from to effective_to (inclusive; NULL: open-ended); a year is
-- judged by the version in force on its judging date. Per award, an entry
-- holds the eligibility rule (a tree of rule kinds under all_of / any_of,
-- every leaf citing its legal source), the quota and the council's settings.
-- The document format is in the README ("Awards and eligibility").

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
	-- {"working_days", "source"}: the nominees' list published before the council meets; NULL: none
	disclosure jsonb,
	-- {"dossier": [{"item", "title", "source"}], "override": {"kinds": [...], "source"}}:
	-- what a nomination for the award must hold, and which failed rules may be
	-- overridden with a stated reason; NULL: no dossier items, no override
	nomination jsonb,
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
