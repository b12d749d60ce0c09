-- A fresh install of the current version (the built sql/thidua--X.Y.Z.sql) and
-- the oldest release updated step by step must give identical catalogs. Each
-- fact below is one line free of OIDs; the test prints the lines found in only
-- one of the two installs, so a drift names the object and what differs.

CREATE FUNCTION pg_temp.thidua_catalog() RETURNS SETOF text LANGUAGE sql AS $$
	WITH ext AS (SELECT * FROM pg_extension WHERE extname = 'thidua'),
	member AS (
		SELECT d.classid, d.objid FROM pg_depend d, ext
		WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = ext.oid AND d.deptype = 'e'),
	rel AS (
		SELECT c.* FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = 'thidua'),
	proc AS (
		SELECT p.* FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
		WHERE n.nspname = 'thidua')
	-- extension membership
	SELECT 'member: ' || pg_describe_object(classid, objid, 0) FROM member
	-- the extension row: version, relocatability, tables dumped with their filters
	UNION ALL
	SELECT format('extension: %s relocatable=%s config=%s conditions=%s', extversion, extrelocatable,
		(SELECT array_agg(c::regclass::text ORDER BY c::regclass::text) FROM unnest(extconfig) c),
		(SELECT array_agg(x ORDER BY x) FROM unnest(extcondition) x))
	FROM ext
	-- the schema, its owner-independent grants and comment
	UNION ALL
	SELECT format('schema: %s acl=%s comment=%s', nspname, nspacl, obj_description(oid, 'pg_namespace'))
	FROM pg_namespace WHERE nspname = 'thidua'
	-- functions and procedures: the whole definition (body, language, volatility,
	-- strictness, parallel safety, security, settings, cost, rows), grants, comment
	UNION ALL
	SELECT format('function: %s acl=%s comment=%s def=%s', p.oid::regprocedure, p.proacl,
		obj_description(p.oid, 'pg_proc'),
		CASE WHEN p.prokind <> 'a' THEN pg_get_functiondef(p.oid) END)
	FROM proc p
	-- aggregates: their support functions, state, initial value, state size
	UNION ALL
	SELECT format('aggregate: %s sfunc=%s stype=%s combine=%s final=%s finalmodify=%s serial=%s deserial=%s init=%s space=%s parallel=%s',
		a.aggfnoid::regprocedure, a.aggtransfn::regprocedure, format_type(a.aggtranstype, NULL),
		a.aggcombinefn, a.aggfinalfn, a.aggfinalmodify, a.aggserialfn, a.aggdeserialfn,
		a.agginitval, a.aggtransspace, p.proparallel)
	FROM pg_aggregate a JOIN proc p ON p.oid = a.aggfnoid
	-- relations: kind, persistence, row security, options, grants, comment
	UNION ALL
	SELECT format('relation: %s kind=%s persistence=%s rls=%s force_rls=%s options=%s acl=%s comment=%s',
		r.oid::regclass, r.relkind, r.relpersistence, r.relrowsecurity, r.relforcerowsecurity,
		r.reloptions, r.relacl, obj_description(r.oid, 'pg_class'))
	FROM rel r
	-- columns, in order: type, collation, null, default, identity, generated, grants, comment
	UNION ALL
	SELECT format('column: %s.%s #%s %s collate=%s notnull=%s default=%s identity=%s generated=%s acl=%s comment=%s',
		r.oid::regclass, a.attname,
		row_number() OVER (PARTITION BY r.oid ORDER BY a.attnum),
		format_type(a.atttypid, a.atttypmod), co.collname, a.attnotnull,
		pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated, a.attacl,
		col_description(r.oid, a.attnum))
	FROM rel r JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
	LEFT JOIN pg_attrdef d ON d.adrelid = r.oid AND d.adnum = a.attnum
	LEFT JOIN pg_collation co ON co.oid = a.attcollation AND a.attcollation <> 0
	WHERE r.relkind IN ('r', 'v', 'm', 'p', 'f', 'c')
	-- constraints, by name and definition
	UNION ALL
	SELECT format('constraint: %s %s %s deferrable=%s deferred=%s comment=%s', c.conrelid::regclass, c.conname,
		pg_get_constraintdef(c.oid), c.condeferrable, c.condeferred, obj_description(c.oid, 'pg_constraint'))
	FROM pg_constraint c JOIN rel r ON r.oid = c.conrelid
	-- indexes
	UNION ALL
	SELECT format('index: %s comment=%s', pg_get_indexdef(i.indexrelid), obj_description(i.indexrelid, 'pg_class'))
	FROM pg_index i JOIN rel r ON r.oid = i.indrelid
	-- triggers (what fires, when, on which events and columns), enabled state
	UNION ALL
	SELECT format('trigger: %s enabled=%s comment=%s', pg_get_triggerdef(t.oid), t.tgenabled,
		obj_description(t.oid, 'pg_trigger'))
	FROM pg_trigger t JOIN rel r ON r.oid = t.tgrelid WHERE NOT t.tgisinternal
	-- row-level security policies
	UNION ALL
	SELECT format('policy: %s %s cmd=%s permissive=%s roles=%s using=%s check=%s', pol.polrelid::regclass,
		pol.polname, pol.polcmd, pol.polpermissive,
		(SELECT array_agg(CASE WHEN ro = 0 THEN 'public' ELSE ro::regrole::text END ORDER BY 1)
		 FROM unnest(pol.polroles) ro),
		pg_get_expr(pol.polqual, pol.polrelid), pg_get_expr(pol.polwithcheck, pol.polrelid))
	FROM pg_policy pol JOIN rel r ON r.oid = pol.polrelid
	-- views
	UNION ALL
	SELECT format('view: %s %s', r.oid::regclass, pg_get_viewdef(r.oid))
	FROM rel r WHERE r.relkind IN ('v', 'm')
	-- sequences
	UNION ALL
	SELECT format('sequence: %s %s start=%s increment=%s min=%s max=%s cache=%s cycle=%s',
		s.seqrelid::regclass, format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement,
		s.seqmin, s.seqmax, s.seqcache, s.seqcycle)
	FROM pg_sequence s JOIN rel r ON r.oid = s.seqrelid
	-- types and operators of the schema
	UNION ALL
	SELECT format('type: %s type=%s acl=%s comment=%s', t.oid::regtype, t.typtype, t.typacl,
		obj_description(t.oid, 'pg_type'))
	FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
	WHERE n.nspname = 'thidua' AND t.typrelid = 0 AND t.typelem = 0
	UNION ALL
	SELECT format('operator: %s %s comment=%s', o.oid::regoperator, o.oprcode::regprocedure,
		obj_description(o.oid, 'pg_operator'))
	FROM pg_operator o JOIN pg_namespace n ON n.oid = o.oprnamespace WHERE n.nspname = 'thidua'
$$;

CREATE EXTENSION thidua VERSION '0.1.0';
ALTER EXTENSION thidua UPDATE;
SELECT thidua.version() = default_version AS updated_to_default
	FROM pg_available_extensions WHERE name = 'thidua';
CREATE TEMP TABLE updated AS SELECT * FROM pg_temp.thidua_catalog() AS f(fact);
DROP EXTENSION thidua;

CREATE EXTENSION thidua;
CREATE TEMP TABLE fresh AS SELECT * FROM pg_temp.thidua_catalog() AS f(fact);
DROP EXTENSION thidua;

-- Enough facts to mean something: members, functions, columns, triggers.
SELECT count(*) FILTER (WHERE fact LIKE 'member:%') > 80 AS many_members,
	count(*) FILTER (WHERE fact LIKE 'function:%def=CREATE%') > 50 AS function_definitions,
	count(*) FILTER (WHERE fact LIKE 'column:%') > 100 AS columns,
	count(*) FILTER (WHERE fact LIKE 'trigger:%') > 10 AS triggers
	FROM fresh;

-- Facts only in the updated install, then only in the fresh one: none.
SELECT 'only after update' AS install, fact FROM (TABLE updated EXCEPT ALL TABLE fresh) d
UNION ALL
SELECT 'only in fresh install', fact FROM (TABLE fresh EXCEPT ALL TABLE updated) d
ORDER BY 1, 2;
