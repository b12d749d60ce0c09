-- The ranking aggregates: trimmed_mean, streak, longest_streak,
-- schulze_ranking, judge_leniency; their edges, errors and states.
\set SHOW_CONTEXT never
CREATE EXTENSION thidua;

-- trimmed_mean: NULLs ignored; n > 2 trim drops trim at each end (duplicates one by
-- one); n <= 2 trim is the mean of all; n = 0 is NULL; equal to numeric division.
CREATE TABLE v (g int, x numeric);
INSERT INTO v VALUES (1, 1.5), (1, 2), (1, 10.25), (1, 3), (1, NULL), (1, -4),
  (2, 7), (2, 7), (2, 7), (2, 1), (2, 100),   -- duplicates count one by one
  (3, 1), (3, 2), (3, 3), (3, 4),             -- n = 4 = 2 * trim(2): mean of all
  (4, NULL), (5, 0.1), (5, 0.20), (5, 0.333);
SELECT g, thidua.trimmed_mean(x, 1) AS trim1, thidua.trimmed_mean(x, 2) AS trim2,
       thidua.trimmed_mean(x, 0) AS trim0, avg(x),
       thidua.trimmed_mean(x, 1) = (sum(x) - max(x) - min(x)) / nullif(count(x) - 2, 0) AS trim1_is_formula
  FROM v GROUP BY g ORDER BY g;
-- the result's scale is numeric division's: 1 / 3 at the inputs' display scale
SELECT thidua.trimmed_mean(x, 0) AS third, 1.0 / 3 AS numeric_third FROM (VALUES (1.0), (0), (0)) t(x);
SELECT thidua.trimmed_mean(x, -1) FROM v;
SELECT thidua.trimmed_mean(x, g) FROM v;
SELECT thidua.trimmed_mean(x, NULL) FROM v;
SELECT thidua.trimmed_mean(x, 1) FROM (VALUES ('NaN'::numeric)) t(x);
SELECT thidua.trimmed_mean(x, 1) FROM (VALUES (1e40), (1)) t(x);

-- streak: consecutive years ending at as_of with an achieved row; a missing year or
-- a year with only false rows breaks the run; NULL achieved is ignored.
CREATE TABLE history (person text, year int, achieved boolean);
INSERT INTO history VALUES
  ('An', 2021, true), ('An', 2022, true), ('An', 2023, true), ('An', 2024, true), ('An', 2025, true),
  ('Bình', 2020, true), ('Bình', 2021, true), ('Bình', 2022, false), ('Bình', 2023, true), ('Bình', 2024, true), ('Bình', 2025, true),
  ('Chi', 2023, true), ('Chi', 2024, NULL), ('Chi', 2025, true),          -- 2024 unknown: breaks
  ('Dũng', 2024, true), ('Dũng', 2024, false), ('Dũng', 2025, false), ('Dũng', 2025, true),  -- any true counts
  ('Em', 2019, true), ('Em', 2020, true), ('Em', 2021, true),             -- not up to 2025
  ('Giang', 1900, true), ('Giang', 2199, true);
SELECT person, thidua.streak(year, achieved, 2025) AS to_2025, thidua.streak(year, achieved, 2021) AS to_2021,
       thidua.longest_streak(year, achieved) AS longest
  FROM history GROUP BY person ORDER BY person;
SELECT thidua.streak(year, achieved, 2025) AS no_rows, thidua.longest_streak(year, achieved) AS no_rows_longest
  FROM history WHERE false;
SELECT thidua.streak(year, achieved, year) FROM history;
SELECT thidua.streak(year, achieved, NULL) FROM history;
SELECT thidua.streak(1899, true, 2025);
SELECT thidua.streak(2025, true, 2200);
SELECT thidua.streak(NULL, true, 2025);
SELECT thidua.longest_streak(2200, false);

-- schulze_ranking: a Condorcet cycle broken by path strength; a judge who did not
-- score a candidate has no preference about it; ties share a rank.
CREATE TABLE peer (judge text, candidate text, score numeric);
INSERT INTO peer VALUES
  ('An Giang', 'Đồng Tháp', 90), ('An Giang', 'Cần Thơ', 80), ('An Giang', 'Long An', 70),
  ('Bến Tre', 'Đồng Tháp', 70), ('Bến Tre', 'Cần Thơ', 90), ('Bến Tre', 'Long An', 80),
  ('Cà Mau', 'Đồng Tháp', 85), ('Cà Mau', 'Cần Thơ', 75), ('Cà Mau', 'Long An', 95),
  ('Hậu Giang', 'Đồng Tháp', 91), ('Hậu Giang', 'Cần Thơ', 81), ('Hậu Giang', 'Long An', NULL);
SELECT jsonb_array_elements(thidua.schulze_ranking(judge, candidate, score)) FROM peer;
SELECT thidua.schulze_ranking(judge, candidate, score) AS no_rows FROM peer WHERE false;
SELECT thidua.schulze_ranking(j, c, s) AS everyone_tied FROM (VALUES ('x', 'A', 1), ('x', 'B', 1)) t(j, c, s);
SELECT thidua.schulze_ranking(j, c, s) AS unanimous
  FROM (VALUES ('x', 'A', 3), ('x', 'B', 2), ('x', 'C', 1), ('y', 'A', 9), ('y', 'B', 8), ('y', 'C', 7.5)) t(j, c, s);
SELECT thidua.schulze_ranking(j, c, s) FROM (VALUES ('x', 'A', 3), ('x', 'A', 2)) t(j, c, s);
SELECT thidua.schulze_ranking(j, c, s) FROM (VALUES (NULL, 'A', 3)) t(j, c, s);
SELECT thidua.schulze_ranking(j, c, s) FROM (VALUES ('x', 'A', 3.0000001)) t(j, c, s);

-- judge_leniency: mean offset from the other judges of the same candidates, z-scores.
SELECT j ->> 'judge' AS judge, j -> 'scores' AS scores, j -> 'mean' AS mean, j -> 'mean_offset' AS mean_offset
  FROM (SELECT thidua.judge_leniency(judge, candidate, score) AS l FROM peer) s, jsonb_array_elements(l -> 'judges') j;
SELECT x ->> 'judge' AS judge, x ->> 'candidate' AS candidate, x -> 'score' AS score, x -> 'z' AS z
  FROM (SELECT thidua.judge_leniency(judge, candidate, score) AS l FROM peer) s, jsonb_array_elements(l -> 'scores') x;

-- States from outside are validated byte by byte (combine and final), never trusted.
CREATE AGGREGATE tm_state(numeric, integer) (SFUNC = thidua._trimmed_mean_transition, STYPE = bytea);
CREATE AGGREGATE tm_combine(bytea) (SFUNC = thidua._trimmed_mean_combine, STYPE = bytea, FINALFUNC = thidua._trimmed_mean_final);
SELECT agginitval AS streak_initial FROM pg_aggregate WHERE aggfnoid = 'thidua.streak'::regproc \gset
CREATE AGGREGATE sk_state(integer, boolean, integer) (SFUNC = thidua._streak_transition, STYPE = bytea,
  INITCOND = :'streak_initial');
CREATE AGGREGATE sk_combine(bytea) (SFUNC = thidua._streak_combine, STYPE = bytea, FINALFUNC = thidua._streak_final,
  INITCOND = :'streak_initial');
CREATE AGGREGATE js_state(text, text, numeric) (SFUNC = thidua._judgments_transition, STYPE = bytea);
CREATE AGGREGATE js_combine(bytea) (SFUNC = thidua._judgments_combine, STYPE = bytea, FINALFUNC = thidua._schulze_final);
CREATE TABLE states AS SELECT
  (SELECT tm_state(x, 1) FROM v WHERE g = 1) AS tm1, (SELECT tm_state(x, 1) FROM v WHERE g = 2) AS tm2,
  (SELECT tm_state(x, 2) FROM v WHERE g = 2) AS tm2_trim2,
  (SELECT sk_state(year, achieved, 2025) FROM history WHERE person = 'An') AS sk1,
  (SELECT sk_state(year, achieved, 2021) FROM history WHERE person = 'Em') AS sk2021,
  (SELECT js_state(judge, candidate, score) FROM peer WHERE judge < 'C') AS js1,
  (SELECT js_state(judge, candidate, score) FROM peer WHERE judge >= 'C') AS js2;
-- combining the partial states gives the whole group's result
SELECT tm_combine(x) AS trimmed FROM (SELECT tm1 FROM states UNION ALL SELECT tm2 FROM states) t(x);
SELECT thidua.trimmed_mean(x, 1) AS direct FROM v WHERE g IN (1, 2);
SELECT js_combine(x) = (SELECT thidua.schulze_ranking(judge, candidate, score) FROM peer) AS schulze_combined
  FROM (SELECT js1 FROM states UNION ALL SELECT js2 FROM states) t(x);
-- mismatched partial states
SELECT tm_combine(x) FROM (SELECT tm1 FROM states UNION ALL SELECT tm2_trim2 FROM states) t(x);
SELECT sk_combine(x) FROM (SELECT sk1 FROM states UNION ALL SELECT sk2021 FROM states) t(x);
SELECT js_combine(x) FROM (SELECT js1 FROM states UNION ALL SELECT js1 FROM states) t(x);
-- corruptions: truncated, magic, format, counts and lengths, order, reserved bytes,
-- padding, numbers not in their shortest form, sums that no values could give
-- (numbers altered consistently cannot be told from genuine ones)
SELECT thidua._trimmed_mean_final(substr(tm1, 1, length(tm1) - 1)) FROM states;
SELECT thidua._trimmed_mean_final(set_byte(tm1, 0, 0)) FROM states;
SELECT thidua._trimmed_mean_final(set_byte(tm1, 2, 7)) FROM states;
SELECT thidua._trimmed_mean_final(set_byte(tm1, 4, 5)) FROM states;
SELECT thidua._trimmed_mean_final(set_byte(tm1, 3, 39)) FROM states;
SELECT thidua._trimmed_mean_final(set_byte(tm1, 5, 0)) FROM states;
SELECT thidua._trimmed_mean_final(set_byte(tm2_trim2, 9, 128)) FROM states;
SELECT thidua._trimmed_mean_final(tm1 || '\x00'::bytea) FROM states;
SELECT thidua._trimmed_mean_final(set_byte(tm2_trim2, 11, 127)) FROM states;
SELECT thidua._trimmed_mean_final(set_byte(tm1, 7, 127)) FROM states;
SELECT tm_combine(x) FROM (SELECT tm1 FROM states UNION ALL SELECT '\x544d'::bytea) t(x);
SELECT thidua._streak_final(substr(sk1, 1, 20)) FROM states;
SELECT thidua._streak_final(set_byte(sk1, 1, 0)) FROM states;
SELECT thidua._streak_final(set_byte(sk1, 4, 1)) FROM states;
SELECT thidua._streak_final(set_byte(sk1, length(sk1) - 1, 255)) FROM states;
SELECT sk_combine(x) FROM (SELECT sk1 FROM states UNION ALL SELECT set_byte(sk1, 2, 2) FROM states) t(x);
SELECT thidua._schulze_final(substr(js1, 1, 30)) FROM states;
SELECT thidua._schulze_final(set_byte(js1, 4, 200)) FROM states;
SELECT thidua._schulze_final(set_byte(js1, 12, 0)) FROM states;
SELECT thidua._schulze_final(set_byte(js1, 14, 255)) FROM states;
SELECT thidua._schulze_final(set_byte(js1, length(js1) - 1, 1)) FROM states;
SELECT thidua._leniency_final(set_byte(js1, 0, 0)) FROM states;
SELECT js_combine(x) FROM (SELECT js1 FROM states UNION ALL SELECT '\x4a5301000100000064000000'::bytea) t(x);

DROP TABLE v, history, peer, states;
DROP AGGREGATE tm_state(numeric, integer);
DROP AGGREGATE tm_combine(bytea);
DROP AGGREGATE sk_state(integer, boolean, integer);
DROP AGGREGATE sk_combine(bytea);
DROP AGGREGATE js_state(text, text, numeric);
DROP AGGREGATE js_combine(bytea);
DROP EXTENSION thidua;
