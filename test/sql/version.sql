-- The SQL's version, the library's version, and the stale-library check.
CREATE EXTENSION thidua;
SELECT thidua.version() = default_version AS sql_version_is_default,
	   thidua.library_version() = default_version AS library_version_is_default
	FROM pg_available_extensions WHERE name = 'thidua';
-- A library at least as new as the SQL passes.
SELECT thidua._require_library('0.0.1');
SELECT thidua._require_library(thidua.library_version());
-- SQL newer than the library (a stale thidua.so) is refused clearly.
DO $$
BEGIN
	PERFORM thidua._require_library('99.0.0');
EXCEPTION WHEN object_not_in_prerequisite_state THEN
	DECLARE
		detail text;
		hint text;
	BEGIN
		GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
		RAISE NOTICE '% / % / %', replace(SQLERRM, thidua.library_version(), '<library>'), detail, hint;
	END;
END
$$;
DROP EXTENSION thidua;
