-- thidua goes into a database that already has schemas, tables and functions
-- of its own (including a public.score table), touches none of them, and
-- DROP EXTENSION removes everything it created.
CREATE SCHEMA accounting;
CREATE TABLE accounting.ledger (id int PRIMARY KEY, amount numeric NOT NULL);
INSERT INTO accounting.ledger VALUES (1, 10.50), (2, -3.25);
CREATE TABLE public.score (unit text PRIMARY KEY, score numeric);
INSERT INTO public.score VALUES ('Sở Tư pháp', 95.5);
CREATE FUNCTION public.version() RETURNS text LANGUAGE sql AS $$ SELECT 'mine' $$;

-- Every object of the database, described without OIDs; temp schemas excluded.
CREATE FUNCTION public.catalog_objects() RETURNS SETOF text LANGUAGE sql AS $$
	SELECT pg_describe_object(classid, objid, 0) FROM (
		SELECT 'pg_namespace'::regclass AS classid, oid AS objid FROM pg_namespace
		UNION ALL SELECT 'pg_class'::regclass, oid FROM pg_class
		UNION ALL SELECT 'pg_proc'::regclass, oid FROM pg_proc
		UNION ALL SELECT 'pg_type'::regclass, oid FROM pg_type
		UNION ALL SELECT 'pg_operator'::regclass, oid FROM pg_operator
		UNION ALL SELECT 'pg_cast'::regclass, oid FROM pg_cast
		UNION ALL SELECT 'pg_opclass'::regclass, oid FROM pg_opclass
		UNION ALL SELECT 'pg_opfamily'::regclass, oid FROM pg_opfamily
		UNION ALL SELECT 'pg_trigger'::regclass, oid FROM pg_trigger
		UNION ALL SELECT 'pg_event_trigger'::regclass, oid FROM pg_event_trigger
		UNION ALL SELECT 'pg_policy'::regclass, oid FROM pg_policy
		UNION ALL SELECT 'pg_constraint'::regclass, oid FROM pg_constraint
		UNION ALL SELECT 'pg_extension'::regclass, oid FROM pg_extension
		UNION ALL SELECT 'pg_collation'::regclass, oid FROM pg_collation
		UNION ALL SELECT 'pg_authid'::regclass, oid FROM pg_authid
	) AS objects
	WHERE pg_describe_object(classid, objid, 0) !~ 'pg_temp|pg_toast_temp'
$$;
CREATE TABLE public.objects_before AS SELECT * FROM public.catalog_objects() AS o(description);

-- A schema named thidua that is not ours is never taken over.
CREATE SCHEMA thidua;
CREATE EXTENSION thidua;
DROP SCHEMA thidua;

CREATE EXTENSION thidua;
SELECT thidua.version() = extversion AS version_matches
	FROM pg_extension WHERE extname = 'thidua';
-- The extension lives in its own schema and created nothing anywhere else.
SELECT count(*) AS outside_thidua_schema
	FROM pg_depend d
	WHERE d.refclassid = 'pg_extension'::regclass
	  AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'thidua')
	  AND d.deptype = 'e'
	  AND pg_describe_object(d.classid, d.objid, 0) <> 'schema thidua'
	  AND pg_describe_object(d.classid, d.objid, 0) !~ '(^| )thidua\.';
-- The database's own objects are untouched.
SELECT public.version(), * FROM public.score;
SELECT * FROM accounting.ledger ORDER BY id;

DROP EXTENSION thidua;
-- Nothing of thidua is left, and nothing else went missing.
SELECT description AS left_behind FROM public.catalog_objects() AS o(description)
EXCEPT SELECT description FROM public.objects_before;
SELECT description AS went_missing FROM public.objects_before
EXCEPT SELECT description FROM public.catalog_objects() AS o(description);
SELECT public.version(), * FROM public.score;

DROP TABLE public.objects_before, public.score, accounting.ledger;
DROP FUNCTION public.catalog_objects(), public.version();
DROP SCHEMA accounting;
