\echo Use "CREATE EXTENSION thidua" to load this file. \quit

-- thidua SQL source: the schema and the version handshake.
-- Holds schema thidua; library_version(), _require_library() (refuses SQL newer than the
-- loaded library), version().
--
-- The install script of the current version, sql/thidua--VERSION.sql, is built
-- by concatenating sql/[0-9]*.sql in name order (see the Makefile): the files
-- are the current definition of the extension, one concept each. Released
-- scripts live unchanged in sql/releases/; a change to a file here also goes
-- into the next release's update script there.

CREATE SCHEMA thidua;
COMMENT ON SCHEMA thidua IS 'thidua: emulation and commendation (thi đua, khen thưởng)';
-- Every role may use the schema; who may read and write what is in 90_roles.sql.
GRANT USAGE ON SCHEMA thidua TO PUBLIC;

CREATE FUNCTION thidua.library_version() RETURNS text
	AS 'MODULE_PATHNAME', 'thidua_library_version'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION thidua.library_version() IS
	'version of the thidua shared library loaded by this server';

-- Refuse to install SQL newer than the library on disk: a stale thidua.so.
CREATE FUNCTION thidua._require_library(minimum text) RETURNS void
	LANGUAGE plpgsql STABLE STRICT
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	loaded text := thidua.library_version();
BEGIN
	IF pg_catalog.string_to_array(loaded, '.')::int[]
		OPERATOR(pg_catalog.<) pg_catalog.string_to_array(minimum, '.')::int[] THEN
		RAISE EXCEPTION 'thidua library version % is older than the extension SQL version %',
			loaded, minimum
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = 'The shared library thidua.so on the server is stale.',
				  HINT = 'Install the matching thidua build on the server (make install), then reconnect.';
	END IF;
END
$$;

SELECT thidua._require_library('0.9.0');

CREATE FUNCTION thidua.version() RETURNS text
	LANGUAGE sql STABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$ SELECT extversion::text FROM pg_catalog.pg_extension WHERE extname OPERATOR(pg_catalog.=) 'thidua' $$;
COMMENT ON FUNCTION thidua.version() IS
	'version of the thidua extension SQL installed in this database';
