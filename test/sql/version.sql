-- The SQL's version, the library's version, and the stale-library check.
CREATE EXTENSION thidua;
SELECT thidua.version() = default_version AS sql_version_is_default,
	   thidua.library_version() = default_version AS library_version_is_default
	FROM pg_available_extensions WHERE name = 'thidua';
-- A library at least as new as the SQL passes.
SELECT thidua._require_library('0.0.1');
SELECT thidua._require_library(thidua.library_version());
-- SQL newer than the library (a stale thidua.so) is refused clearly.
\set VERBOSITY default
SELECT thidua._require_library('99.0.0');
DROP EXTENSION thidua;
