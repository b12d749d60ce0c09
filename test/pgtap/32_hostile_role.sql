-- A role with nothing but LOGIN (and the default TEMP privilege) tries the
-- issue's attacks literally: wrapping the aggregates' support functions in
-- aggregates of its own with crafted initial states, or with an inverse
-- function that hands the transition a state of its choosing. Support
-- functions are not executable by PUBLIC, so it cannot; and even a role that
-- was granted them gets errors, never a crash.
BEGIN;
SELECT plan(27);

CREATE ROLE thidua_test_login_only LOGIN;

-- Runs a statement as that role: its first column as text, 'done' for a
-- command, or 'error SQLSTATE'.
CREATE FUNCTION pg_temp.as_login_only(statement text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	outcome text;
BEGIN
	PERFORM set_config('role', 'thidua_test_login_only', true);
	BEGIN
		IF statement ~* '^\s*(CREATE|DROP)' THEN
			EXECUTE statement;
			outcome := 'done';
		ELSE
			EXECUTE statement INTO outcome;
		END IF;
	EXCEPTION WHEN others THEN
		outcome := 'error ' || SQLSTATE;
	END;
	PERFORM set_config('role', 'none', true);
	RETURN outcome;
END
$$;

-- Every function that takes an aggregate state.
CREATE TEMP TABLE state_function AS
	SELECT DISTINCT f::regprocedure AS fn
	FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid,
		LATERAL (VALUES (a.aggtransfn), (a.aggcombinefn), (a.aggfinalfn)) AS s(f)
	WHERE p.pronamespace = 'thidua'::regnamespace AND f <> 0
	UNION
	SELECT p.oid::regprocedure FROM pg_proc p
	WHERE p.pronamespace = 'thidua'::regnamespace AND p.proargtypes[0] = 'bytea'::regtype
	  AND p.proargnames[1] LIKE '%state';
GRANT SELECT ON state_function TO thidua_test_login_only;

SELECT ok((SELECT count(*) FROM state_function) >= 18, 'the support functions are found in the catalog');
SELECT is_empty($$
	SELECT fn::text FROM state_function WHERE has_function_privilege('thidua_test_login_only', fn, 'EXECUTE')
$$, 'no function that takes an aggregate state is executable by a role with only LOGIN');
SELECT is_empty($$
	SELECT f FROM unnest(ARRAY['thidua.points(text,text,numeric)', 'thidua.classify(text,numeric,boolean)',
		'thidua.score(text,text,numeric)', 'thidua.score_detail(text,text,numeric)',
		'thidua.tie_break_keys(text,text,numeric)', 'thidua.trimmed_mean(numeric,integer)',
		'thidua.streak(integer,boolean,integer)', 'thidua.longest_streak(integer,boolean)',
		'thidua.schulze_ranking(text,text,numeric)', 'thidua.judge_leniency(text,text,numeric)']) f
	WHERE NOT has_function_privilege('thidua_test_login_only', f::regprocedure, 'EXECUTE')
$$, 'the public functions and aggregates stay executable by every role');

-- The aggregates still work for that role: PostgreSQL checks the aggregate
-- owner's right to call the support functions.
SELECT is(pg_temp.as_login_only($$SELECT thidua.trimmed_mean(v, 1) = 3 FROM generate_series(1, 5) v$$), 'true',
	'trimmed_mean works for a role with only LOGIN');
SELECT is(pg_temp.as_login_only($$SELECT thidua.streak(y, true, 2020) FROM generate_series(2015, 2020) y$$), '6',
	'streak works for a role with only LOGIN');
SELECT is(pg_temp.as_login_only($$SELECT thidua.longest_streak(y, y <> 2017) FROM generate_series(2010, 2020) y$$), '7',
	'longest_streak works for a role with only LOGIN');
SELECT is(pg_temp.as_login_only($$SELECT thidua.schulze_ranking('j', c, s) #>> '{0,candidate}'
	FROM (VALUES ('a', 1), ('b', 2)) v(c, s)$$), 'b', 'schulze_ranking works for a role with only LOGIN');

-- The issue's examples, literally: refused for want of EXECUTE.
SELECT is(pg_temp.as_login_only($$CREATE AGGREGATE pg_temp.t(numeric,int)(sfunc=thidua._trimmed_mean_transition,
	stype=bytea, initcond='\x544d0100a0860100')$$), 'error 42501',
	'a role with only LOGIN cannot wrap the trimmed_mean transition in an aggregate with a crafted state');
SELECT is(pg_temp.as_login_only($$CREATE AGGREGATE pg_temp.s(int,bool,int)(sfunc=thidua._streak_transition, stype=bytea)$$),
	'error 42501', 'nor the streak transition with a NULL state');
SELECT is(pg_temp.as_login_only($$CREATE AGGREGATE pg_temp.l(int,bool)(sfunc=thidua._longest_streak_transition, stype=bytea)$$),
	'error 42501', 'nor the longest_streak transition with a NULL state');
SELECT is(pg_temp.as_login_only($$CREATE AGGREGATE pg_temp.j(text,text,numeric)(sfunc=thidua._judgments_transition,
	stype=bytea, initcond='\x4a530100a0860100')$$), 'error 42501', 'nor the judgments transition with a crafted state');
SELECT is(pg_temp.as_login_only($$CREATE AGGREGATE pg_temp.sc(text,text,numeric)(sfunc=thidua._score_transition,
	stype=bytea, initcond='\x5453010100000000')$$), 'error 42501', 'nor the score transition with a short state');
SELECT is(pg_temp.as_login_only($$SELECT count(*) FROM thidua._csv_records(NULL, NULL)$$), '0',
	'_csv_records(NULL, NULL) returns no record');

-- Granted EXECUTE (as a careless DBA might), the same role gets errors, not crashes.
DO $$
DECLARE
	f regprocedure;
BEGIN
	FOR f IN SELECT fn FROM state_function LOOP
		EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO thidua_test_login_only', f);
	END LOOP;
END
$$;
SELECT is(pg_temp.as_login_only($$CREATE AGGREGATE pg_temp.t(numeric,int)(sfunc=thidua._trimmed_mean_transition,
	stype=bytea, initcond='\x544d0100a0860100')$$), 'done', 'granted, the role wraps the trimmed_mean transition');
SELECT matches(pg_temp.as_login_only($$SELECT pg_temp.t(v,100000) FROM generate_series(1,2000) v$$), '^error [0-9A-Z]{5}$',
	'the issue''s trimmed_mean example is a clean error');
SELECT is(pg_temp.as_login_only($$CREATE AGGREGATE pg_temp.s(int,bool,int)(sfunc=thidua._streak_transition, stype=bytea,
	finalfunc=thidua._streak_final)$$), 'done', 'granted, the role wraps the streak transition without an initial state');
SELECT is(pg_temp.as_login_only($$SELECT pg_temp.s(y, true, 2000) FROM generate_series(1995, 2000) y$$), '6',
	'from a NULL state, streak counts right');
SELECT is(pg_temp.as_login_only($$SELECT pg_temp.s(v, true, 2000) FROM generate_series(1, 2000) v$$), 'error 22023',
	'the issue''s example over years 1 to 2000 is an out-of-range error');
SELECT is(pg_temp.as_login_only($$CREATE AGGREGATE pg_temp.l(int,bool)(sfunc=thidua._longest_streak_transition, stype=bytea,
	finalfunc=thidua._longest_streak_final)$$), 'done', 'granted, the role wraps the longest_streak transition');
SELECT is(pg_temp.as_login_only($$SELECT pg_temp.l(y, true) FROM generate_series(2001, 2010) y$$), '10',
	'from a NULL state, longest_streak counts right');
SELECT is(pg_temp.as_login_only($$CREATE AGGREGATE pg_temp.j(text,text,numeric)(sfunc=thidua._judgments_transition,
	stype=bytea, initcond='\x4a530100a0860100')$$), 'done', 'granted, the role wraps the judgments transition');
SELECT is(pg_temp.as_login_only($$SELECT pg_temp.j('judge', 'candidate', v) FROM generate_series(1, 2000) v$$),
	'error XX001', 'the crafted judgments state is an invalid-state error');
SELECT is(pg_temp.as_login_only($$CREATE AGGREGATE pg_temp.sc(text,text,numeric)(sfunc=thidua._score_transition,
	stype=bytea, initcond='\x5453010100000000')$$), 'done', 'granted, the role wraps the score transition');
SELECT is(pg_temp.as_login_only($$SELECT pg_temp.sc('stp/2019', 'I.1', 1) FROM generate_series(1, 2000)$$),
	'error XX001', 'the short score state is an invalid-state error, not a read past its end');

-- An inverse transition of the role's own hands the forward transition any
-- state it likes, in a moving window frame.
SELECT is(pg_temp.as_login_only($$CREATE FUNCTION pg_temp.evil(bytea, int, bool, int) RETURNS bytea
	LANGUAGE sql AS 'SELECT ''\x534b01''::bytea'$$), 'done', 'the role writes an inverse transition of its own');
SELECT is(pg_temp.as_login_only($$CREATE AGGREGATE pg_temp.w(int,bool,int)(sfunc=thidua._streak_transition, stype=bytea,
	msfunc=thidua._streak_transition, minvfunc=pg_temp.evil, mstype=bytea)$$), 'done',
	'and a moving aggregate around the streak transition');
SELECT is(pg_temp.as_login_only($$SELECT string_agg(x::text, ',') FROM (SELECT pg_temp.w(y, true, 2020)
	OVER (ORDER BY y ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS x FROM generate_series(2015, 2020) y) w$$), 'error XX001',
	'the state from the inverse function is an invalid-state error');

SELECT * FROM finish();
ROLLBACK;
