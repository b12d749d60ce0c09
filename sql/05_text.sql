-- thidua SQL source: Vietnamese text.
-- Holds _is_nfc(), the trigger function _store_nfc() (names and titles stored in
-- Unicode NFC, whatever the route), and the domain vietnamese_text (text that
-- sorts in Vietnamese where the server has ICU), which functions return names as.
--
-- The tables attach these where they are created: a BEFORE trigger that stores
-- the names in NFC, a CHECK that they are (should a later trigger change them),
-- and CHECKs on their length (names 300 characters, titles 1000). Codes are
-- identifiers, referenced from other tables and files: they are refused unless
-- in NFC (a CHECK), never silently rewritten.

-- Whether text is in Unicode NFC. Outside a UTF-8 database, where normalization
-- is not defined, any text is. (IMMUTABLE for CHECK constraints: a database's
-- encoding never changes.)
CREATE FUNCTION thidua._is_nfc(value text) RETURNS boolean
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT CASE WHEN pg_catalog.current_setting('server_encoding') OPERATOR(pg_catalog.<>) 'UTF8' THEN true
				ELSE value IS NFC NORMALIZED END
$$;
COMMENT ON FUNCTION thidua._is_nfc(text) IS
	'whether text is in Unicode NFC (always true outside a UTF-8 database); NULL for NULL';

-- BEFORE INSERT OR UPDATE: stores the text columns named as the trigger's
-- arguments in NFC, so that a name typed decomposed (NFD, as macOS and some
-- word processors send it) equals the same name typed composed.
CREATE FUNCTION thidua._store_nfc() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	stored jsonb;
	normalized jsonb := '{}';
	column_name text;
BEGIN
	IF current_setting('server_encoding') <> 'UTF8' THEN
		RETURN NEW;
	END IF;
	stored := to_jsonb(NEW);
	FOREACH column_name IN ARRAY TG_ARGV LOOP
		IF NOT (stored ->> column_name) IS NFC NORMALIZED THEN
			normalized := normalized || jsonb_build_object(column_name, normalize(stored ->> column_name, NFC));
		END IF;
	END LOOP;
	IF normalized <> '{}' THEN
		NEW := jsonb_populate_record(NEW, normalized);
	END IF;
	RETURN NEW;
END
$$;

-- Names that functions and views return: text in the Vietnamese collation
-- where the server has ICU (A Ă Â B C D Đ … S), so that ORDER BY a name column
-- of their result sorts in Vietnamese as the tables' own name columns do.
-- (A function's result column takes the collation of its type, never that of
-- the expression it came from.) Clients see plain text.
DO $$
BEGIN
	IF EXISTS (SELECT 1 FROM pg_catalog.pg_collation WHERE collname OPERATOR(pg_catalog.=) 'vi-x-icu') THEN
		CREATE DOMAIN thidua.vietnamese_text AS text COLLATE pg_catalog."vi-x-icu";
	ELSE
		CREATE DOMAIN thidua.vietnamese_text AS text;
	END IF;
END
$$;
COMMENT ON DOMAIN thidua.vietnamese_text IS
	'text that sorts in Vietnamese (collation vi-x-icu) where the server has ICU: the names functions and views return';
