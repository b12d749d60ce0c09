-- No SQL call crashes a backend: every function of schema thidua, found in the
-- catalog, is called with NULL in each argument position (the others given
-- plausible values), and once with none; every aggregate likewise, and each
-- support function inside an aggregate of the test's own (no initial state,
-- so transitions also see a NULL state). Each call must end in a result or an
-- error, with the server still answering. Trigger functions cannot be called
-- directly and are skipped by their return type.
BEGIN;

-- Runs a statement; returns 'result' or the error's SQLSTATE. A crash ends the
-- session here, and the plan below is not met.
CREATE FUNCTION pg_temp.try(statement text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE statement;
	RETURN 'result';
EXCEPTION WHEN others THEN
	RETURN 'error ' || SQLSTATE;
END
$$;

-- A plausible value (an SQL expression) for an argument, by name, else by type.
CREATE FUNCTION pg_temp.sample(name text, type regtype) RETURNS text LANGUAGE sql AS $$
	SELECT CASE
		WHEN name IN ('version', 'version_a', 'version_b') THEN quote_literal('stp/2019')
		WHEN name = 'criterion_code' THEN quote_literal('I.1')
		WHEN name IN ('observed', 'score') THEN '1'
		WHEN name = 'total' THEN '85.5'
		WHEN name IN ('year', 'as_of') THEN '2019'
		WHEN name = 'trim' THEN '1'
		WHEN name IN ('achieved', 'applicable') THEN 'true'
		WHEN name = 'judge' THEN quote_literal('j1')
		WHEN name = 'candidate' THEN quote_literal('c1')
		WHEN name IN ('doc', 'document') THEN $e$thidua.export_criteria('stp/2019')$e$
		WHEN name = 'item' THEN $e$'{"code": "I.1"}'::jsonb$e$
		WHEN name = 'content' THEN $e$thidua.export_criteria_csv('stp/2019')$e$
		WHEN name = 'data' THEN $e$convert_to(thidua.export_criteria_csv('stp/2019'), 'UTF8')$e$
		WHEN name = 'source' THEN quote_literal('sweep.csv')
		WHEN name = 'format' THEN quote_literal('csv')
		WHEN name = 'params' THEN quote_literal('target=100; ceiling=2')
		WHEN name = 'bands' THEN quote_literal('[1,2):1 | (2,):2')
		WHEN name = 'minimum' THEN quote_literal('0.1.0')
		WHEN name = 'new_edition' THEN quote_literal('2098')
		WHEN name = 'period' THEN quote_literal('2019')
		WHEN name = 'status' THEN quote_literal('published')
		WHEN name = 'points_in_bloc' THEN 'NULL'	-- stp/2019 has no criterion scored in the bloc
		WHEN type = 'bytea'::regtype THEN $e$'\x00'::bytea$e$
		WHEN type IN ('integer'::regtype, 'smallint'::regtype, 'bigint'::regtype) THEN '1'
		WHEN type = 'numeric'::regtype THEN '1.5'
		WHEN type = 'boolean'::regtype THEN 'false'
		WHEN type IN ('jsonb'::regtype, 'json'::regtype) THEN $e$'{}'$e$
		WHEN type = 'date'::regtype THEN quote_literal('2019-12-31')
		ELSE quote_literal('x')
	END || '::' || type::text
$$;

-- Genuine states: each transition run by an aggregate of ours on one plausible row.
-- (Support functions by name: regproc prints an OID for an overloaded name.)
CREATE FUNCTION pg_temp.fname(f oid) RETURNS text LANGUAGE sql AS $$
	SELECT quote_ident(n.nspname) || '.' || quote_ident(p.proname)
	FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE p.oid = f
$$;
CREATE TEMP TABLE support AS
	SELECT a.aggfnoid::regprocedure AS aggregate, a.aggtransfn::regprocedure AS transfn,
		a.aggcombinefn::regprocedure AS combinefn, a.aggfinalfn::regprocedure AS finalfn,
		a.agginitval, ARRAY(SELECT unnest(p.proargtypes::regtype[])) AS argtypes, p.proargnames AS argnames,
		row_number() OVER (ORDER BY a.aggfnoid::regprocedure::text) AS n, NULL::bytea AS state
	FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
	WHERE p.pronamespace = 'thidua'::regnamespace;
DO $$
DECLARE
	s record;
	args text;
	types text;
BEGIN
	FOR s IN SELECT * FROM support LOOP
		types := array_to_string(s.argtypes, ', ');
		SELECT string_agg(pg_temp.sample(s.argnames[i], s.argtypes[i]), ', ' ORDER BY i) INTO args
			FROM generate_subscripts(s.argtypes, 1) i;
		-- the raw state (no final function) and, without an initial state, the whole aggregate
		EXECUTE format('CREATE AGGREGATE pg_temp.state_%s(%s) (SFUNC = %s, STYPE = bytea%s)', s.n, types,
			pg_temp.fname(s.transfn), coalesce(', INITCOND = ' || quote_literal(s.agginitval), ''));
		EXECUTE format('CREATE AGGREGATE pg_temp.bare_%s(%s) (SFUNC = %s, STYPE = bytea, FINALFUNC = %s)',
			s.n, types, pg_temp.fname(s.transfn), pg_temp.fname(s.finalfn));
		EXECUTE format('CREATE AGGREGATE pg_temp.combine_%s(bytea) (SFUNC = %s, STYPE = bytea, FINALFUNC = %s)',
			s.n, pg_temp.fname(s.combinefn), pg_temp.fname(s.finalfn));
		EXECUTE format('UPDATE support SET state = (SELECT pg_temp.state_%s(%s)) WHERE n = %s', s.n, args, s.n);
	END LOOP;
END
$$;

-- Every call to make: (label, statement).
CREATE TEMP TABLE call (id serial, label text, statement text);

-- Functions: each argument NULL in turn (position 0: none NULL).
WITH fn AS (
	SELECT p.oid, p.oid::regprocedure::text AS signature, p.prokind, p.proretset,
		ARRAY(SELECT unnest(p.proargtypes::regtype[])) AS argtypes,
		-- the names of the input arguments only
		CASE WHEN p.proargmodes IS NULL THEN p.proargnames
			 ELSE ARRAY(SELECT p.proargnames[i] FROM generate_subscripts(p.proargmodes, 1) i
						WHERE p.proargmodes[i] IN ('i', 'b', 'v') ORDER BY i) END AS argnames
	FROM pg_proc p
	WHERE p.pronamespace = 'thidua'::regnamespace
	  AND p.prorettype NOT IN ('trigger'::regtype, 'event_trigger'::regtype)
	  AND NOT EXISTS (SELECT 1 FROM unnest(p.proargtypes::regtype[]) t JOIN pg_type y ON y.oid = t
					  WHERE y.typtype = 'p')
), arg AS (
	SELECT fn.*, position, i, fn.argtypes[i] AS type,
		CASE WHEN i = position THEN 'NULL::' || fn.argtypes[i]::text
			 WHEN fn.argtypes[i] = 'bytea'::regtype AND fn.argnames[i] LIKE '%state' THEN
				coalesce((SELECT quote_literal(s.state) FROM support s
						  WHERE fn.oid IN (s.transfn, s.combinefn, s.finalfn) ORDER BY s.n LIMIT 1), 'NULL')
				|| '::bytea'
			 ELSE pg_temp.sample(fn.argnames[i], fn.argtypes[i]) END AS value
	FROM fn, generate_series(0, cardinality(fn.argtypes)) AS position,
		LATERAL generate_series(1, greatest(cardinality(fn.argtypes), 1)) AS i
)
INSERT INTO call (label, statement)
SELECT signature || CASE WHEN position = 0 THEN ' with no NULL' ELSE ' with NULL argument ' || position END,
	CASE WHEN prokind = 'p' THEN 'CALL ' ELSE 'SELECT ' END || pg_temp.fname(oid) || '('
	|| coalesce(string_agg(value, ', ' ORDER BY i) FILTER (WHERE cardinality(argtypes) > 0), '') || ')'
	|| CASE WHEN proretset THEN ' LIMIT 1' ELSE '' END
FROM arg
GROUP BY oid, signature, prokind, proretset, argtypes, position
ORDER BY signature, position;

-- Support functions inside aggregates of our own, without an initial state:
-- each input NULL in turn; combine with NULL on either side.
INSERT INTO call (label, statement)
SELECT s.transfn::text || ' in an aggregate with no initial state, ' ||
		CASE WHEN position = 0 THEN 'no NULL input' ELSE 'NULL input ' || position END,
	format('SELECT pg_temp.bare_%s(%s) FROM generate_series(1, 3)', s.n,
		(SELECT string_agg(CASE WHEN i = position THEN 'NULL::' || s.argtypes[i]::text
								ELSE pg_temp.sample(s.argnames[i], s.argtypes[i]) END, ', ' ORDER BY i)
		 FROM generate_subscripts(s.argtypes, 1) i))
FROM support s, generate_series(0, cardinality(s.argtypes)) AS position
ORDER BY s.n, position;
INSERT INTO call (label, statement)
SELECT s.combinefn::text || ' over ' || x.what,
	format('SELECT pg_temp.combine_%s(x) FROM (VALUES %s) AS v(x)', s.n, x.states)
FROM support s, LATERAL (VALUES
	('NULL', '(NULL::bytea)'),
	('NULL then a state', '(NULL::bytea), (' || quote_literal(s.state) || '::bytea)'),
	('a state then NULL', '(' || quote_literal(s.state) || '::bytea), (NULL::bytea)'),
	('a state twice', '(' || quote_literal(s.state) || '::bytea), (' || quote_literal(s.state) || '::bytea)')
) AS x(what, states)
ORDER BY s.n;

SELECT plan((SELECT count(*)::integer FROM call) + 3);

SELECT ok((SELECT count(*) FROM call) > 100, 'the sweep found the functions of the extension');
SELECT ok((SELECT bool_and(state IS NOT NULL) FROM support), 'every aggregate gave a genuine state to sweep with');

SELECT ok(r IS NOT NULL AND (SELECT 1) = 1, c.label || ': ' || r || '; server alive')
FROM (SELECT * FROM call ORDER BY id) c, LATERAL pg_temp.try(c.statement) AS r;

SELECT is((SELECT 1), 1, 'the server answers after the sweep');

SELECT * FROM finish();
ROLLBACK;
