-- trimmed_mean's state: it holds only what the group has shown it (every value up
-- to 2 * trim, then the trim smallest and largest), compactly; it is versioned and
-- validated byte by byte wherever it arrives: an initial condition or any other
-- state at the transition, both sides of combine, and final.
CREATE EXTENSION thidua;
CREATE AGGREGATE tm_state(numeric, integer) (SFUNC = thidua._trimmed_mean_transition, STYPE = bytea);
CREATE AGGREGATE tm_merge(bytea) (SFUNC = thidua._trimmed_mean_combine, STYPE = bytea,
  FINALFUNC = thidua._trimmed_mean_final);

-- Flat form: magic "TM", format 2, scale, then varints: trim, count, zigzag sum, the
-- values remembered ascending (the first zigzag, then differences).
SELECT tm_state(x, 1) AS three_values_trim_1 FROM (VALUES (1.5), (2), (-3)) t(x);
SELECT tm_state(x, 1) AS five_values_trim_1 FROM (VALUES (1.5), (2), (-3), (7), (0.25)) t(x);
SELECT tm_state(x, 0) AS trim_0 FROM (VALUES (1.5), (2), (-3)) t(x);
-- the bytes do not depend on the order the values came in
SELECT count(DISTINCT s) AS distinct_states FROM (
  SELECT tm_state(x, 2 ORDER BY x) s FROM generate_series(1, 9) x
  UNION ALL SELECT tm_state(x, 2 ORDER BY x DESC) FROM generate_series(1, 9) x
  UNION ALL SELECT tm_state(x, 2 ORDER BY x % 4, x) FROM generate_series(1, 9) x) t;

-- Bounded by what it has seen: three values at trim 100,000 take a few bytes (the
-- previous format took 48 + 32 * trim bytes: 3.2 MB), and at trim 1 the state stops
-- growing once it holds the smallest and the largest.
SELECT length(tm_state(x, 100000)) < 100 AS small_at_trim_100000, length(tm_state(x, 100000)) AS bytes
  FROM (VALUES (1.5), (2), (-3)) t(x);
SELECT n, length(tm_state(round(x * 0.37, 2), 1)) AS trim_1, length(tm_state(round(x * 0.37, 2), 100000)) AS trim_100000
  FROM generate_series(1, 50) n, generate_series(1, n) x WHERE n IN (1, 2, 3, 10, 50) GROUP BY n ORDER BY n;

-- Partial states combine to the whole group's result, whatever the split.
CREATE TABLE v AS SELECT i, (i * 7919 % 1000) / 10.0 AS x FROM generate_series(1, 200) i;
SELECT trim_, tm_merge(s) = (SELECT thidua.trimmed_mean(x, trim_) FROM v) AS combined
  FROM (SELECT trim_, i % 7 AS part, tm_state(x, trim_) s FROM v, (VALUES (0), (1), (3), (60), (150)) t(trim_)
        GROUP BY trim_, part) p GROUP BY trim_ ORDER BY trim_;
-- as a window aggregate, too (there the state stays flat)
SELECT count(*) FILTER (WHERE w IS DISTINCT FROM direct) AS window_differs FROM (
  SELECT i, thidua.trimmed_mean(x, 2) OVER (ORDER BY i) AS w,
         (SELECT thidua.trimmed_mean(x, 2) FROM v v2 WHERE v2.i <= v.i) AS direct FROM v) s;
-- a moving aggregate whose inverse function is the caller's own gets only flat states
CREATE FUNCTION tm_keep(s bytea, x numeric, t integer) RETURNS bytea LANGUAGE plpgsql AS $$ BEGIN RETURN s; END $$;
CREATE AGGREGATE tm_moving(numeric, integer) (SFUNC = thidua._trimmed_mean_transition, STYPE = bytea,
  FINALFUNC = thidua._trimmed_mean_final, MSFUNC = thidua._trimmed_mean_transition, MINVFUNC = tm_keep,
  MSTYPE = bytea, MFINALFUNC = thidua._trimmed_mean_final);
SELECT count(m) AS moving_rows FROM (SELECT tm_moving(x, 1) OVER (ORDER BY i ROWS BETWEEN 3 PRECEDING AND CURRENT ROW) m FROM v) s;

-- A state of the previous format (1, from thidua 0.4.0) is refused wherever it arrives:
-- a node running another release.
SELECT thidua._trimmed_mean_final('\x544d010001000000000000000300000000000000010000000000000005000000000000000000000000000000e2ffffffffffffffffffffffffffffff14000000000000000000000000000000');
SELECT tm_merge(s) FROM (VALUES ('\x544d020101030a3b32'::bytea),
  ('\x544d010001000000000000000300000000000000010000000000000005000000000000000000000000000000e2ffffffffffffffffffffffffffffff14000000000000000000000000000000')) t(s);
-- The crafted initial condition of a role with nothing but LOGIN: a clean error.
CREATE AGGREGATE pg_temp.t(numeric, int) (sfunc = thidua._trimmed_mean_transition, stype = bytea,
  initcond = '\x544d0100a0860100');
SELECT pg_temp.t(v, 100000) FROM generate_series(1, 2000) v;

-- Crafted states, each at final, at combine (both sides) and as an initial condition.
CREATE TABLE crafted (what text, state bytea);
INSERT INTO crafted VALUES
  ('genuine', '\x544d020101030a3b32'),
  ('empty', '\x'),
  ('magic', '\x544e020101030a3b32'),
  ('format 3', '\x544d030101030a3b32'),
  ('scale 39', '\x544d022701030a3b32'),
  ('trim 100001', '\x544d0201a18d06030a3b32'),
  ('count beyond int64', '\x544d020101ffffffffffffffffff01'),
  ('long varint', '\x544d02018100030a3b32'),
  ('varint past 128 bits', '\x544d0201010380808080808080808080808080808080808004'),
  ('value missing', '\x544d020101030a3b'),
  ('ends inside a number', '\x544d020101030a3bb2'),
  ('trailing byte', '\x544d020101030a3b3200'),
  ('sum not the values', '\x544d020102030c3b2d05'),
  ('empty with a sum', '\x544d020101000a'),
  ('kept not between dropped', '\x544d02010104f4033b32'),
  ('difference past int128', '\x544d02010102003bffffffffffffffffffffffffffffffffffff03'),
  ('count huge, values absent', '\x544d0201a08d06ffffffffffffffff7f00');
SELECT what, (SELECT thidua._trimmed_mean_final(state)) IS NOT NULL AS final_ok FROM crafted WHERE what = 'genuine';
DO $$
DECLARE
  c record;
  r numeric;
  detail text;
BEGIN
  FOR c IN SELECT what, state FROM crafted WHERE what <> 'genuine' LOOP
    BEGIN
      r := thidua._trimmed_mean_final(c.state);
      RAISE NOTICE '% at final: accepted', c.what;
    EXCEPTION WHEN OTHERS THEN
      GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
      RAISE NOTICE '% at final: % (%) %', c.what, SQLERRM, SQLSTATE, detail;
    END;
    BEGIN
      SELECT tm_merge(s) INTO r FROM (VALUES ('\x544d020101030a3b32'::bytea), (c.state)) t(s);
      RAISE NOTICE '% at combine: accepted', c.what;
    EXCEPTION WHEN OTHERS THEN
      GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
      RAISE NOTICE '% at combine: % (%) %', c.what, SQLERRM, SQLSTATE, detail;
    END;
    BEGIN
      EXECUTE format('CREATE AGGREGATE pg_temp.crafted(numeric, integer) (SFUNC = thidua._trimmed_mean_transition,
        STYPE = bytea, FINALFUNC = thidua._trimmed_mean_final, INITCOND = %L)', c.state);
      r := pg_temp.crafted(1, 1);
      DROP AGGREGATE pg_temp.crafted(numeric, integer);
      RAISE NOTICE '% as initial condition: accepted', c.what;
    EXCEPTION WHEN OTHERS THEN
      GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
      RAISE NOTICE '% as initial condition: % (%) %', c.what, SQLERRM, SQLSTATE, detail;
    END;
  END LOOP;
END $$;

-- Every truncation and every appended byte of real states is an error; every
-- single-bit flip is an error or another consistent state (numbers altered
-- consistently cannot be told from genuine ones), never a crash.
CREATE TABLE states AS
  SELECT trim_, tm_state(x, trim_) AS s FROM v, (VALUES (0), (1), (2), (150), (300)) t(trim_) GROUP BY trim_;
CREATE FUNCTION tm_outcome(s bytea) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  PERFORM thidua._trimmed_mean_final(s);
  RETURN 'accepted';
EXCEPTION WHEN data_corrupted THEN
  RETURN 'refused';
END $$;
SELECT trim_, length(s) AS bytes,
  (SELECT count(*) FROM generate_series(0, length(s) - 1) n WHERE tm_outcome(substr(s, 1, n)) = 'refused') = length(s)
    AS every_truncation_refused,
  (SELECT count(*) FROM generate_series(0, 255) b WHERE tm_outcome(s || set_byte('\x00', 0, b)) = 'refused') = 256
    AS every_appended_byte_refused,
  (SELECT count(*) FROM generate_series(0, 8 * length(s) - 1) b
    WHERE tm_outcome(set_bit(s, b, 1 - get_bit(s, b))) = 'refused') AS bit_flips_refused,
  8 * length(s) AS bit_flips
  FROM states ORDER BY trim_;
SELECT 'the server is alive' AS still_here;

DROP TABLE v, crafted, states;
DROP FUNCTION tm_outcome(bytea);
DROP AGGREGATE tm_moving(numeric, integer);
DROP FUNCTION tm_keep(bytea, numeric, integer);
DROP AGGREGATE tm_state(numeric, integer);
DROP AGGREGATE tm_merge(bytea);
DROP AGGREGATE pg_temp.t(numeric, integer);
DROP EXTENSION thidua;
