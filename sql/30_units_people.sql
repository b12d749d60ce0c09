-- thidua SQL source: units and people.
-- Holds tables unit (a tree), individual, membership, post_held.

-- Agencies and their sub-units, as a tree (a department, its divisions, the
-- district offices).
CREATE TABLE thidua.unit (
	unit_code text PRIMARY KEY CHECK (unit_code ~ '^[[:alnum:]][[:alnum:]._-]{0,63}$')
		CONSTRAINT unit_code_in_nfc CHECK (thidua._is_nfc(unit_code)),
	name text NOT NULL CHECK (name <> '')
		CONSTRAINT unit_name_in_nfc CHECK (thidua._is_nfc(name))
		CONSTRAINT unit_name_at_most_300_characters CHECK (char_length(name) <= 300),
	parent_code text REFERENCES thidua.unit,
	kind text NOT NULL DEFAULT 'agency' CHECK (kind ~ '^[a-z_]{1,32}$'),
	-- a small collective (tập thể nhỏ): award statistics report its share
	small_collective boolean NOT NULL DEFAULT false,
	CHECK (parent_code IS DISTINCT FROM unit_code)
);
COMMENT ON TABLE thidua.unit IS 'agencies and sub-units (đơn vị), as a tree';

-- A unit may not be its own ancestor.
CREATE FUNCTION thidua._guard_unit_tree() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	IF NEW.parent_code IS NOT NULL AND EXISTS (
		WITH RECURSIVE ancestors(code, depth) AS (
			SELECT NEW.parent_code, 1
			UNION ALL
			SELECT u.parent_code, a.depth + 1 FROM thidua.unit u JOIN ancestors a ON u.unit_code OPERATOR(pg_catalog.=) a.code
			WHERE u.parent_code IS NOT NULL AND a.depth < 1000)
		SELECT 1 FROM ancestors WHERE code OPERATOR(pg_catalog.=) NEW.unit_code) THEN
		RAISE EXCEPTION 'unit "%" cannot have "%" as parent: that would make a cycle', NEW.unit_code, NEW.parent_code
			USING ERRCODE = 'check_violation';
	END IF;
	RETURN NEW;
END
$$;
CREATE TRIGGER unit_tree_without_cycles AFTER INSERT OR UPDATE ON thidua.unit
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_unit_tree();

CREATE TABLE thidua.individual (
	person_code text PRIMARY KEY CHECK (person_code ~ '^[[:alnum:]][[:alnum:]._-]{0,63}$')
		CONSTRAINT individual_person_code_in_nfc CHECK (thidua._is_nfc(person_code)),
	full_name text NOT NULL CHECK (full_name <> '')
		CONSTRAINT individual_full_name_in_nfc CHECK (thidua._is_nfc(full_name))
		CONSTRAINT individual_full_name_at_most_300_characters CHECK (char_length(full_name) <= 300),
	sex text NOT NULL CHECK (sex IN ('male', 'female')),
	date_of_birth date
);
COMMENT ON TABLE thidua.individual IS 'civil servants and employees (cá nhân); sex matters for some awards';

-- Membership of a unit and posts held, with dates: eligibility reads them.
CREATE TABLE thidua.membership (
	person_code text NOT NULL REFERENCES thidua.individual,
	unit_code text NOT NULL REFERENCES thidua.unit,
	valid_from date NOT NULL,
	valid_to date,
	PRIMARY KEY (person_code, unit_code, valid_from),
	CHECK (valid_to IS NULL OR valid_to > valid_from)
);
CREATE TABLE thidua.post_held (
	person_code text NOT NULL REFERENCES thidua.individual,
	unit_code text NOT NULL REFERENCES thidua.unit,
	post text NOT NULL CHECK (post <> '')
		CONSTRAINT post_held_post_in_nfc CHECK (thidua._is_nfc(post))
		CONSTRAINT post_held_post_at_most_300_characters CHECK (char_length(post) <= 300),
	valid_from date NOT NULL,
	valid_to date,
	-- a post working directly on the front line (người lao động trực tiếp):
	-- award statistics report its share
	front_line boolean NOT NULL DEFAULT false,
	PRIMARY KEY (person_code, post, valid_from),
	CHECK (valid_to IS NULL OR valid_to > valid_from)
);
COMMENT ON TABLE thidua.post_held IS 'posts held (e.g. giám đốc, phó giám đốc) with dates';

SELECT pg_catalog.pg_extension_config_dump('thidua.unit', '');
SELECT pg_catalog.pg_extension_config_dump('thidua.individual', '');
SELECT pg_catalog.pg_extension_config_dump('thidua.membership', '');
SELECT pg_catalog.pg_extension_config_dump('thidua.post_held', '');

-- Vietnamese names sort in Vietnamese where the server has ICU.
DO $$
BEGIN
	IF EXISTS (SELECT 1 FROM pg_catalog.pg_collation WHERE collname OPERATOR(pg_catalog.=) 'vi-x-icu') THEN
		ALTER TABLE thidua.unit ALTER COLUMN name TYPE text COLLATE pg_catalog."vi-x-icu";
		ALTER TABLE thidua.individual ALTER COLUMN full_name TYPE text COLLATE pg_catalog."vi-x-icu";
	END IF;
END
$$;

-- Names are stored in Unicode NFC, whatever the route (05_text.sql).
CREATE TRIGGER unit_nfc BEFORE INSERT OR UPDATE ON thidua.unit
	FOR EACH ROW EXECUTE FUNCTION thidua._store_nfc('name');
CREATE TRIGGER individual_nfc BEFORE INSERT OR UPDATE ON thidua.individual
	FOR EACH ROW EXECUTE FUNCTION thidua._store_nfc('full_name');
CREATE TRIGGER post_held_nfc BEFORE INSERT OR UPDATE ON thidua.post_held
	FOR EACH ROW EXECUTE FUNCTION thidua._store_nfc('post');
