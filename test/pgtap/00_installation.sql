-- Invariants of the installed extension that every later release must keep.
BEGIN;
SELECT plan(9);

SELECT has_schema('thidua', 'the extension has its own schema');
SELECT is((SELECT extrelocatable FROM pg_extension WHERE extname = 'thidua'), false,
	'the extension is not relocatable');
SELECT is(thidua.version(), (SELECT extversion FROM pg_extension WHERE extname = 'thidua'),
	'thidua.version() reports the installed extension version');
SELECT is(thidua.library_version(), thidua.version(),
	'the library and the SQL are the same release');
SELECT lives_ok($$ SELECT thidua._require_library(thidua.version()) $$,
	'the loaded library satisfies the installed SQL');
SELECT throws_ok($$ SELECT thidua._require_library('999.0.0') $$, '55000', NULL,
	'a stale library is refused with object_not_in_prerequisite_state');

-- Every function of the schema belongs to the extension (no strays after updates).
SELECT is_empty($$
	SELECT p.oid::regprocedure::text FROM pg_proc p
	WHERE p.pronamespace = 'thidua'::regnamespace
	  AND NOT EXISTS (SELECT 1 FROM pg_depend d
	                  WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
$$, 'every function in schema thidua is a member of the extension');

-- SECURITY DEFINER functions must pin their search_path.
SELECT is_empty($$
	SELECT p.oid::regprocedure::text FROM pg_proc p
	WHERE p.pronamespace = 'thidua'::regnamespace AND p.prosecdef
	  AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) c WHERE c LIKE 'search_path=%')
$$, 'every SECURITY DEFINER function sets search_path');

-- No C function that computes is left PARALLEL UNSAFE (the default); trigger
-- functions, which write, are exempt.
SELECT is_empty($$
	SELECT p.oid::regprocedure::text FROM pg_proc p
	WHERE p.pronamespace = 'thidua'::regnamespace
	  AND p.prolang = (SELECT oid FROM pg_language WHERE lanname = 'c')
	  AND p.proparallel = 'u'
	  AND p.prorettype <> 'trigger'::regtype
$$, 'no computing C function of thidua is parallel unsafe');

SELECT * FROM finish();
ROLLBACK;
