-- No state crashes a backend: every function that takes an aggregate state
-- (the transition, combine and final functions of every aggregate of the
-- extension, from pg_aggregate) is fed truncated, extended, bit-flipped
-- (every bit of a genuine state; a sample of 4,096 bits for larger states) and
-- random (fixed seed) states: finals directly, combines inside an aggregate of
-- the test's own, transitions as that aggregate's initial condition. Each call
-- must end in an error or a result (a flipped bit may leave a valid state),
-- never in an internal error, with the server still answering.
BEGIN;

-- Transitions whose crash on a foreign state is being fixed elsewhere: fuzzing
-- them would take the server down. trimmed_mean.c is being rewritten with a new
-- state (issue 9, part 5); remove it from this list once that has landed.
CREATE TEMP TABLE known_unsafe_transition (transfn regprocedure);

CREATE FUNCTION pg_temp.try(statement text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE statement;
	RETURN 'result';
EXCEPTION WHEN others THEN
	RETURN SQLSTATE;
END
$$;
CREATE FUNCTION pg_temp.fname(f oid) RETURNS text LANGUAGE sql AS $$
	SELECT quote_ident(n.nspname) || '.' || quote_ident(p.proname)
	FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE p.oid = f
$$;

-- Rows each aggregate is run on, by its argument names: every criterion of
-- stp/2019 observed; seven values trimmed by 2; eleven years; a 3 x 3 grid.
CREATE TEMP TABLE sample_rows (argnames text[], query text);
INSERT INTO sample_rows VALUES
	('{version,criterion_code,observed}', $q$
		SELECT 'stp/2019'::text, code, CASE rule WHEN 'pass_fail' THEN 1 WHEN 'proportional' THEN (params ->> 'target')::numeric / 2
			WHEN 'per_occurrence' THEN 1 WHEN 'manual' THEN 0 ELSE 60 END
		FROM thidua.criteria_item WHERE version_code = 'stp/2019' AND kind = 'criterion'$q$),
	('{version,criterion_code,observed,points_in_bloc}', $q$
		SELECT 'stp/2019'::text, code, CASE rule WHEN 'pass_fail' THEN 1 WHEN 'proportional' THEN (params ->> 'target')::numeric / 2
			WHEN 'per_occurrence' THEN 1 WHEN 'manual' THEN 0 ELSE 60 END, NULL::numeric
		FROM thidua.criteria_item WHERE version_code = 'stp/2019' AND kind = 'criterion'$q$),
	('{version,criterion_code,observed,points_in_bloc,applicable}', $q$
		SELECT 'stp/2019'::text, code, CASE rule WHEN 'pass_fail' THEN 1 WHEN 'proportional' THEN (params ->> 'target')::numeric / 2
			WHEN 'per_occurrence' THEN 1 WHEN 'manual' THEN 0 ELSE 60 END, NULL::numeric, true
		FROM thidua.criteria_item WHERE version_code = 'stp/2019' AND kind = 'criterion'$q$),
	('{version,criterion_code,observed,applicable}', $q$
		SELECT 'stp/2019'::text, code, CASE rule WHEN 'pass_fail' THEN 1 WHEN 'proportional' THEN (params ->> 'target')::numeric / 2
			WHEN 'per_occurrence' THEN 1 WHEN 'manual' THEN 0 ELSE 60 END, true
		FROM thidua.criteria_item WHERE version_code = 'stp/2019' AND kind = 'criterion'$q$),
	('{value,trim}', 'SELECT v::numeric / 4, 2 FROM generate_series(1, 7) v'),
	('{year,achieved,as_of}', 'SELECT y, y <> 2015, 2020 FROM generate_series(2010, 2020) y'),
	('{year,achieved}', 'SELECT y, y <> 2015 FROM generate_series(2010, 2020) y'),
	('{judge,candidate,score}', $q$SELECT 'j' || j, 'c' || c, round((j * c)::numeric / 3, 2) FROM generate_series(1, 3) j, generate_series(1, 3) c$q$);

CREATE TEMP TABLE agg AS
	SELECT row_number() OVER (ORDER BY a.aggfnoid::regprocedure::text) AS n,
		a.aggfnoid::regprocedure AS aggregate, a.aggtransfn::regprocedure AS transfn,
		a.aggcombinefn::regprocedure AS combinefn, a.aggfinalfn::regprocedure AS finalfn, a.agginitval,
		ARRAY(SELECT unnest(p.proargtypes::regtype[])) AS argtypes, r.query, NULL::bytea AS state
	FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
	LEFT JOIN sample_rows r ON r.argnames = p.proargnames
	WHERE p.pronamespace = 'thidua'::regnamespace;

DO $$
DECLARE
	a record;
	types text;
	columns text;
BEGIN
	FOR a IN SELECT * FROM agg WHERE query IS NOT NULL LOOP
		types := array_to_string(a.argtypes, ', ');
		columns := (SELECT string_agg('c' || i, ', ' ORDER BY i) FROM generate_subscripts(a.argtypes, 1) i);
		EXECUTE format('CREATE AGGREGATE pg_temp.state_%s(%s) (SFUNC = %s, STYPE = bytea%s)', a.n, types,
			pg_temp.fname(a.transfn), coalesce(', INITCOND = ' || quote_literal(a.agginitval), ''));
		EXECUTE format('CREATE AGGREGATE pg_temp.combine_%s(bytea) (SFUNC = %s, STYPE = bytea, FINALFUNC = %s)',
			a.n, pg_temp.fname(a.combinefn), pg_temp.fname(a.finalfn));
		EXECUTE format('UPDATE agg SET state = (SELECT pg_temp.state_%s(%s) FROM (%s) AS q(%s)) WHERE n = %s',
			a.n, columns, a.query, columns, a.n);
	END LOOP;
END
$$;

-- The states to feed: (aggregate, kind, state).
CREATE TEMP TABLE mutant (n bigint, kind text, state bytea);
INSERT INTO mutant SELECT a.n, 'truncated', substring(a.state FROM 1 FOR len)
	FROM agg a, generate_series(0, length(a.state) - 1) len;
INSERT INTO mutant SELECT a.n, 'extended', a.state || x
	FROM agg a, unnest(ARRAY['\x00'::bytea, '\xff', '\x0000000000000000', '\xffffffffffffffff']) x;
INSERT INTO mutant SELECT a.n, 'bit-flipped', set_bit(a.state, b, 1 - get_bit(a.state, b))
	FROM agg a, generate_series(0, 8 * length(a.state) - 1) b
	WHERE length(a.state) <= 512;
SELECT setseed(0.0909);
INSERT INTO mutant SELECT n, 'bit-flipped', set_bit(state, b, 1 - get_bit(state, b))
	FROM (SELECT a.n, a.state, (random() * (8 * length(a.state) - 1))::integer AS b
		  FROM agg a, generate_series(1, 4096) WHERE length(a.state) > 512) s;
-- random bytes of random length, and random bytes after a genuine header
INSERT INTO mutant SELECT a.n, 'random',
	(SELECT coalesce(string_agg(set_byte('\x00'::bytea, 0, (random() * 255)::integer), ''), '')
	 FROM generate_series(1, (random() * 2 * length(a.state))::integer + 0 * i))
	FROM agg a, generate_series(1, 300) i;
INSERT INTO mutant SELECT a.n, 'random',
	substring(a.state FROM 1 FOR 4 + i % 12) ||
	(SELECT coalesce(string_agg(set_byte('\x00'::bytea, 0, (random() * 255)::integer), ''), '')
	 FROM generate_series(1, (random() * length(a.state))::integer + 0 * i))
	FROM agg a, generate_series(1, 300) i;
CREATE INDEX ON mutant (n, kind);

-- Feeds every state of one kind to one support function of one aggregate;
-- returns the number of states and the SQLSTATEs they ended in.
CREATE FUNCTION pg_temp.fuzz(aggregate_n bigint, operation text, mutation text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	a agg;
	m record;
	outcome text;
	outcomes jsonb := '{}';
	columns text;
BEGIN
	SELECT * INTO a FROM agg WHERE n = aggregate_n;
	columns := (SELECT string_agg('c' || i, ', ' ORDER BY i) FROM generate_subscripts(a.argtypes, 1) i);
	FOR m IN SELECT state FROM mutant WHERE n = aggregate_n AND kind = mutation LOOP
		IF operation = 'final' THEN
			outcome := pg_temp.try(format('SELECT %s(%L::bytea)', pg_temp.fname(a.finalfn), m.state));
		ELSIF operation = 'combine' THEN
			outcome := pg_temp.try(format('SELECT pg_temp.combine_%s(x) FROM (VALUES (%L::bytea), (%L::bytea)) v(x)',
				a.n, a.state, m.state));
			outcomes := outcomes || jsonb_build_object(outcome, coalesce((outcomes ->> outcome)::integer, 0) + 1);
			outcome := pg_temp.try(format('SELECT pg_temp.combine_%s(x) FROM (VALUES (%L::bytea), (%L::bytea)) v(x)',
				a.n, m.state, a.state));
		ELSE
			-- the state as an aggregate's initial condition, rolled back (with its lock) after use
			BEGIN
				EXECUTE format('CREATE AGGREGATE pg_temp.fuzzed(%s) (SFUNC = %s, STYPE = bytea, FINALFUNC = %s, INITCOND = %L)',
					array_to_string(a.argtypes, ', '), pg_temp.fname(a.transfn), pg_temp.fname(a.finalfn), m.state::text);
				outcome := pg_temp.try(format('SELECT pg_temp.fuzzed(%s) FROM (%s) AS q(%s)', columns, a.query, columns));
				RAISE SQLSTATE 'TF000';
			EXCEPTION WHEN SQLSTATE 'TF000' THEN
				NULL;
			END;
		END IF;
		outcomes := outcomes || jsonb_build_object(outcome, coalesce((outcomes ->> outcome)::integer, 0) + 1);
	END LOOP;
	RETURN outcomes;
END
$$;

CREATE TEMP TABLE run AS
	SELECT a.n, a.aggregate, o.operation, o.fn, k.kind,
		(SELECT count(*) FROM mutant m WHERE m.n = a.n AND m.kind = k.kind) AS states,
		o.operation = 'transition' AND a.transfn IN (SELECT transfn FROM known_unsafe_transition) AS skipped
	FROM agg a,
		LATERAL (VALUES ('final', a.finalfn), ('combine', a.combinefn), ('transition', a.transfn)) AS o(operation, fn),
		(VALUES ('truncated'), ('extended'), ('bit-flipped'), ('random')) AS k(kind)
	ORDER BY a.n, o.operation, k.kind;

SELECT plan((SELECT count(*)::integer FROM run) + 3);
SELECT is((SELECT count(*) FROM agg WHERE state IS NULL), 0::bigint,
	'every aggregate of the extension has sample rows and gave a genuine state');
SELECT ok((SELECT count(*) FROM mutant) > 10000, 'over 10,000 states to feed: ' || (SELECT count(*) FROM mutant));

SELECT CASE WHEN r.skipped THEN
		skip(format('%s: %s over %s %s states: known to crash until fixed (see known_unsafe_transition)',
			r.aggregate, r.fn, r.states, r.kind))
	ELSE ok(x.outcomes IS NOT NULL
			-- (a combine takes each state on the right, then on the left)
			AND (SELECT sum(value::integer) FROM jsonb_each_text(x.outcomes))
				= r.states * CASE r.operation WHEN 'combine' THEN 2 ELSE 1 END
			AND NOT x.outcomes ?| ARRAY['XX000', '53200', '54000'],
		format('%s: %s over %s %s states: %s; server alive', r.aggregate, r.fn, r.states, r.kind, x.outcomes)) END
FROM (SELECT * FROM run ORDER BY n, operation, kind) r
	LEFT JOIN LATERAL (SELECT pg_temp.fuzz(r.n, r.operation, r.kind) AS outcomes WHERE NOT r.skipped) x ON true;

SELECT is((SELECT 1), 1, 'the server answers after the fuzzing');

SELECT * FROM finish();
ROLLBACK;
