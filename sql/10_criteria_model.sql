-- thidua SQL source: the criteria model.
-- Holds tables criteria_set, criteria_version, criteria_item, class_band,
-- criteria_version_event; their dump registration (privileges: 90_roles.sql).

-- A family of criteria tables, e.g. the one for provincial justice departments.
CREATE TABLE thidua.criteria_set (
	set_code text PRIMARY KEY
		CONSTRAINT criteria_set_code_format CHECK (set_code ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$'),
	name text NOT NULL CHECK (name <> '')
		CONSTRAINT criteria_set_name_in_nfc CHECK (thidua._is_nfc(name))
		CONSTRAINT criteria_set_name_at_most_300_characters CHECK (char_length(name) <= 300),
	created_at timestamptz NOT NULL DEFAULT now(),
	created_by text NOT NULL DEFAULT session_user
);
COMMENT ON TABLE thidua.criteria_set IS 'a family of criteria tables (bảng tiêu chí); its editions are criteria_version rows';

-- One edition of a criteria table: draft, then published (immutable), then retired.
CREATE TABLE thidua.criteria_version (
	version_code text PRIMARY KEY,
	set_code text NOT NULL REFERENCES thidua.criteria_set,
	edition text NOT NULL
		CONSTRAINT criteria_version_edition_format CHECK (edition ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$'),
	title text NOT NULL CHECK (title <> '')
		CONSTRAINT criteria_version_title_in_nfc CHECK (thidua._is_nfc(title))
		CONSTRAINT criteria_version_title_at_most_1000_characters CHECK (char_length(title) <= 1000),
	status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'retired')),
	rounding_scale smallint NOT NULL DEFAULT 2 CHECK (rounding_scale BETWEEN 0 AND 6),
	allow_over_completion boolean NOT NULL DEFAULT false,
	veto_max_class text,
	veto_reason text
		CONSTRAINT criteria_version_veto_reason_in_nfc CHECK (thidua._is_nfc(veto_reason))
		CONSTRAINT criteria_version_veto_reason_at_most_1000_characters CHECK (char_length(veto_reason) <= 1000),
	tie_break text[] NOT NULL DEFAULT '{total}',
	cloned_from text REFERENCES thidua.criteria_version,
	-- how averaged results (peer result, final total, tie-break keys) are rounded before class and rank
	result_rounding text NOT NULL DEFAULT 'exact'
		CONSTRAINT criteria_version_result_rounding_check CHECK (result_rounding OPERATOR(pg_catalog.~) '^(exact|[0-9])$'),
	-- what a criterion marked not applicable to a unit counts for; NULL: markings refused
	not_applicable text CHECK (not_applicable IN ('exclude_and_rescale', 'full_points', 'zero')),
	UNIQUE (set_code, edition),
	CONSTRAINT criteria_version_code_is_set_and_edition CHECK (version_code = set_code || '/' || edition)
);
COMMENT ON TABLE thidua.criteria_version IS 'an edition of a criteria table; published editions are immutable';

-- Sections, criteria, and the bonus and penalty sections of a version.
CREATE TABLE thidua.criteria_item (
	version_code text NOT NULL REFERENCES thidua.criteria_version ON DELETE CASCADE,
	code text NOT NULL CHECK (code ~ '^[[:alnum:]][[:alnum:]._-]{0,63}$')
		CONSTRAINT criteria_item_code_in_nfc CHECK (thidua._is_nfc(code)),
	parent_code text,
	position integer NOT NULL,
	kind text NOT NULL CHECK (kind IN ('section', 'criterion', 'bonus', 'penalty')),
	title text NOT NULL
		CONSTRAINT criteria_item_title_in_nfc CHECK (thidua._is_nfc(title))
		CONSTRAINT criteria_item_title_at_most_1000_characters CHECK (char_length(title) <= 1000),
	max_points numeric,
	rule text CHECK (rule IN ('pass_fail', 'proportional', 'bands', 'per_occurrence', 'manual', 'leader_relative')),
	params jsonb NOT NULL DEFAULT '{}',
	PRIMARY KEY (version_code, code),
	UNIQUE (version_code, position),
	FOREIGN KEY (version_code, parent_code) REFERENCES thidua.criteria_item (version_code, code)
		DEFERRABLE INITIALLY DEFERRED,
	CHECK ((kind = 'criterion') = (rule IS NOT NULL))
);
COMMENT ON TABLE thidua.criteria_item IS 'the items of a criteria version: sections, criteria, bonus and penalty sections';

-- Class bands: a total at or above lower_bound gets the label; NULL bound: otherwise.
CREATE TABLE thidua.class_band (
	version_code text NOT NULL REFERENCES thidua.criteria_version ON DELETE CASCADE,
	position integer NOT NULL,
	label text NOT NULL CHECK (label ~ '^\S{1,32}$')
		CONSTRAINT class_band_label_in_nfc CHECK (thidua._is_nfc(label)),
	title text
		CONSTRAINT class_band_title_in_nfc CHECK (thidua._is_nfc(title))
		CONSTRAINT class_band_title_at_most_1000_characters CHECK (char_length(title) <= 1000),
	lower_bound numeric,
	PRIMARY KEY (version_code, label),
	UNIQUE (version_code, position)
);
COMMENT ON TABLE thidua.class_band IS 'class bands (xếp loại) of a criteria version, best first';

-- Every change of a version's status: who, when, and why.
CREATE TABLE thidua.criteria_version_event (
	event_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	version_code text NOT NULL,
	from_status text,
	to_status text NOT NULL,
	changed_at timestamptz NOT NULL DEFAULT now(),
	changed_by text NOT NULL DEFAULT session_user,
	note text
);
COMMENT ON TABLE thidua.criteria_version_event IS 'history of criteria version statuses; append-only';
CREATE INDEX ON thidua.criteria_version_event (version_code, event_id);


SELECT pg_catalog.pg_extension_config_dump('thidua.criteria_set', '');
SELECT pg_catalog.pg_extension_config_dump('thidua.criteria_version', '');
SELECT pg_catalog.pg_extension_config_dump('thidua.criteria_item', '');
SELECT pg_catalog.pg_extension_config_dump('thidua.class_band', '');
SELECT pg_catalog.pg_extension_config_dump('thidua.criteria_version_event', '');
SELECT pg_catalog.pg_extension_config_dump('thidua.criteria_version_event_event_id_seq', '');

-- Names and titles are stored in Unicode NFC, whatever the route (05_text.sql).
CREATE TRIGGER criteria_set_nfc BEFORE INSERT OR UPDATE ON thidua.criteria_set
	FOR EACH ROW EXECUTE FUNCTION thidua._store_nfc('name');
CREATE TRIGGER criteria_version_nfc BEFORE INSERT OR UPDATE ON thidua.criteria_version
	FOR EACH ROW EXECUTE FUNCTION thidua._store_nfc('title', 'veto_reason');
CREATE TRIGGER criteria_item_nfc BEFORE INSERT OR UPDATE ON thidua.criteria_item
	FOR EACH ROW EXECUTE FUNCTION thidua._store_nfc('title');
CREATE TRIGGER class_band_nfc BEFORE INSERT OR UPDATE ON thidua.class_band
	FOR EACH ROW EXECUTE FUNCTION thidua._store_nfc('title');

-- Set names and version titles sort in Vietnamese where the server has ICU.
DO $$
BEGIN
	IF EXISTS (SELECT 1 FROM pg_catalog.pg_collation WHERE collname OPERATOR(pg_catalog.=) 'vi-x-icu') THEN
		ALTER TABLE thidua.criteria_set ALTER COLUMN name TYPE text COLLATE pg_catalog."vi-x-icu";
		ALTER TABLE thidua.criteria_version ALTER COLUMN title TYPE text COLLATE pg_catalog."vi-x-icu";
	END IF;
END
$$;
