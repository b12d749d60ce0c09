-- The scoring rules, caps, rounding and classes, on a version built for edge
-- cases. Expected values are worked out by hand in the comments.
\set SHOW_CONTEXT never
CREATE EXTENSION thidua;
SELECT thidua.import_criteria($${
  "set": {"code": "edge", "name": "Edge cases"}, "edition": "1", "title": "Edge cases",
  "rounding_scale": 2, "allow_over_completion": true,
  "classes": [{"label": "A", "min": 9}, {"label": "B", "min": 6.5}, {"label": "C"}],
  "veto": {"max_class": "B", "reason": "discipline"},
  "tie_break": ["total", "section:S2", "penalty", "bonus"],
  "items": [
    {"code": "S1", "kind": "section", "title": "capped at 5", "max": 5},
    {"code": "pf", "parent": "S1", "kind": "criterion", "title": "pass/fail", "rule": "pass_fail", "max": 2},
    {"code": "prop", "parent": "S1", "kind": "criterion", "title": "proportional", "rule": "proportional", "max": 3, "target": 80},
    {"code": "over", "parent": "S1", "kind": "criterion", "title": "over-completion", "rule": "proportional", "max": 2, "target": 10, "ceiling": 2.5},
    {"code": "S2", "kind": "section", "title": "with a sub-section", "max": 4},
    {"code": "S2a", "parent": "S2", "kind": "section", "title": "sub-section", "max": 3},
    {"code": "asc", "parent": "S2a", "kind": "criterion", "title": "ascending bands", "rule": "bands", "max": 1.5,
     "bands": [{"to": 50, "to_inclusive": false, "points": 0},
               {"from": 50, "from_inclusive": true, "to": 75, "to_inclusive": false, "points": 0.5},
               {"from": 75, "from_inclusive": true, "to": 95, "to_inclusive": true, "points": 1},
               {"from": 95, "from_inclusive": false, "points": 1.5}]},
    {"code": "late", "parent": "S2a", "kind": "criterion", "title": "descending bands with a gap", "rule": "bands", "max": 1.5,
     "bands": [{"from": 6, "from_inclusive": true, "to": 10, "to_inclusive": true, "points": 0.5},
               {"from": 3, "from_inclusive": true, "to": 5, "to_inclusive": true, "points": 1},
               {"from": 1, "from_inclusive": true, "to": 2, "to_inclusive": true, "points": 1.5}],
     "otherwise": 0.25},
    {"code": "man", "parent": "S2", "kind": "criterion", "title": "manual", "rule": "manual", "max": 2.5},
    {"code": "S3", "kind": "section", "title": "a section of one criterion", "max": 1},
    {"code": "T", "parent": "S3", "kind": "criterion", "title": "alone in its section", "rule": "manual", "max": 1},
    {"code": "B", "kind": "bonus", "title": "bonus", "max": 1.5},
    {"code": "b1", "parent": "B", "kind": "criterion", "title": "per initiative", "rule": "per_occurrence", "per": 0.75, "ceiling": 1.25},
    {"code": "b2", "parent": "B", "kind": "criterion", "title": "bonus manual", "rule": "manual", "max": 1},
    {"code": "P", "kind": "penalty", "title": "penalty", "max": 2},
    {"code": "p1", "parent": "P", "kind": "criterion", "title": "per late report", "rule": "per_occurrence", "per": -0.125, "floor": -1.5},
    {"code": "p2", "parent": "P", "kind": "criterion", "title": "per incident", "rule": "per_occurrence", "per": -1},
    {"code": "p3", "parent": "P", "kind": "criterion", "title": "tiny", "rule": "per_occurrence", "per": -0.001},
    {"code": "fl", "parent": "P", "kind": "criterion", "title": "floor at zero count", "rule": "per_occurrence", "per": 1, "floor": 0.5, "ceiling": 1}
  ]}$$);

-- pass_fail: 1 gives max, 0 gives 0; true/false cast to 1/0 work too.
SELECT thidua.points('edge/1', 'pf', 1) AS done, thidua.points('edge/1', 'pf', 0) AS not_done,
       thidua.points('edge/1', 'pf', true::int) AS from_true, thidua.points('edge/1', 'pf', 1.000) AS one_point_zero;
SELECT thidua.points('edge/1', 'pf', 2);
-- proportional: 3 * x / 80, capped at 3; 1 -> 0.0375 -> 0.04; 0.5 -> 0.01875 -> 0.02; 100 -> 3.75 -> cap 3.
SELECT thidua.points('edge/1', 'prop', 40) AS half, thidua.points('edge/1', 'prop', 1) AS r1,
       thidua.points('edge/1', 'prop', 0.5) AS r2, thidua.points('edge/1', 'prop', 100) AS capped,
       thidua.points('edge/1', 'prop', 0) AS zero;
SELECT thidua.points('edge/1', 'prop', -1);
-- over-completion: 2 * x / 10 up to the ceiling 2.5: 12 -> 2.4, 13 -> 2.6 -> 2.5.
SELECT thidua.points('edge/1', 'over', 12) AS over_max, thidua.points('edge/1', 'over', 13) AS at_ceiling;
-- ascending bands with explicit edges: 49.999999 -> 0, 50 -> 0.5, 75 -> 1, 95 -> 1 (inclusive), 95.000001 -> 1.5.
SELECT thidua.points('edge/1', 'asc', 49.999999) AS below, thidua.points('edge/1', 'asc', 50) AS at_50,
       thidua.points('edge/1', 'asc', 75) AS at_75, thidua.points('edge/1', 'asc', 95) AS at_95,
       thidua.points('edge/1', 'asc', 95.000001) AS above_95;
-- descending bands with a gap: 0 and 2.5 fall in gaps -> otherwise 0.25; 1 -> 1.5; 5 -> 1; 10 -> 0.5; 11 -> 0.25.
SELECT thidua.points('edge/1', 'late', 0) AS on_time, thidua.points('edge/1', 'late', 1) AS one_day,
       thidua.points('edge/1', 'late', 2.5) AS gap, thidua.points('edge/1', 'late', 5) AS five,
       thidua.points('edge/1', 'late', 10) AS ten, thidua.points('edge/1', 'late', 11) AS eleven;
-- manual: range-checked as entered, then rounded half away from zero: 0.125 -> 0.13, 0.115 -> 0.12.
SELECT thidua.points('edge/1', 'man', 0.125) AS half_up, thidua.points('edge/1', 'man', 0.115) AS r,
       thidua.points('edge/1', 'man', 2.5) AS at_max;
SELECT thidua.points('edge/1', 'man', 2.51);
SELECT thidua.points('edge/1', 'man', -0.01);
-- per_occurrence: -0.125 * 1 = -0.125 -> -0.13 (away from zero); * 20 = -2.5 -> floor -1.5;
-- -0.001 rounds to zero and is 0, never -0; the floor 0.5 applies even at zero occurrences.
SELECT thidua.points('edge/1', 'p1', 1) AS one, thidua.points('edge/1', 'p1', 20) AS floored,
       thidua.points('edge/1', 'p3', 1) AS rounds_to_zero, thidua.points('edge/1', 'fl', 0) AS floor_at_zero,
       thidua.points('edge/1', 'fl', 3) AS ceiling, thidua.points('edge/1', 'b1', 2) AS bonus_capped;
SELECT thidua.points('edge/1', 'p1', 1.5);
SELECT thidua.points('edge/1', 'p1', -1);
-- observations are exact to 6 decimal places; more is refused, not rounded away.
SELECT thidua.points('edge/1', 'asc', 50.0000001);
SELECT thidua.points('edge/1', 'asc', 'NaN');
SELECT thidua.points('edge/1', 'asc', 50.000000000);
SELECT thidua.points('edge/1', 'S1', 1);
SELECT thidua.points('edge/1', 'nope', 1);
SELECT thidua.points('nope/1', 'pf', 1);

-- A full evaluation:
--   S1: pf 2 + prop 3 (cap) + over 2.5 (ceiling) = 7.5 -> section cap 5
--   S2: S2a (asc 1.5 + late 1.5 = 3, cap 3) + man 2.5 = 5.5 -> cap 4
--   T 0.75; main = 5 + 4 + 0.75 = 9.75
--   bonus: b1 1.25 (ceiling) + b2 1 = 2.25 -> cap 1.5
--   penalty: |p1 -0.38| (3 * -0.125 = -0.375 -> -0.38) + |p2 -1| + fl 0.5 (floor) = 1.88
--   total = 9.75 + 1.5 - 1.88 = 9.37
CREATE TABLE observation (evaluation int, criterion text, observed numeric);
INSERT INTO observation VALUES
  (1, 'pf', 1), (1, 'prop', 100), (1, 'over', 20), (1, 'asc', 99), (1, 'late', 1), (1, 'man', 2.5),
  (1, 'T', 0.75), (1, 'b1', 5), (1, 'b2', 1), (1, 'p1', 3), (1, 'p2', 1), (1, 'fl', 0),
  -- 2: nothing observed but a NULL: every criterion scores 0, bands included
  --    (no observation is not "observed 0", which would be 0.25 for "late");
  --    the floor of fl does not apply without an observation: total 0.
  (2, 'late', NULL),
  -- 3: only penalties, uncapped sum 1.5 + 3 = 4.5 -> cap 2: total -2.
  (3, 'p1', 12), (3, 'p2', 3);
SELECT evaluation, thidua.score('edge/1', criterion, observed) AS total
  FROM observation GROUP BY evaluation ORDER BY evaluation;
SELECT thidua.score('edge/1', criterion, observed) AS empty_group FROM observation WHERE false;

-- The breakdown says why: caps, bands that fired, tie-break keys.
SELECT d -> 'total' AS total, d -> 'main' AS main, d -> 'bonus' AS bonus, d -> 'penalty' AS penalty,
       d -> 'tie_break' AS tie_break
  FROM (SELECT thidua.score_detail('edge/1', criterion, observed) AS d
        FROM observation WHERE evaluation = 1) s;
SELECT i ->> 'code' AS code, i ->> 'kind' AS kind, i -> 'observed' AS observed, i -> 'points' AS points,
       coalesce(i ->> 'fired', CASE WHEN (i ->> 'capped')::boolean THEN 'capped: ' || (i ->> 'sum') ELSE '' END) AS why
  FROM (SELECT thidua.score_detail('edge/1', criterion, observed) AS d
        FROM observation WHERE evaluation = 1) s, jsonb_array_elements(d -> 'items') AS i;

-- Errors name the criterion and the version.
SELECT thidua.score('edge/1', c, v) FROM (VALUES ('pf', 1), ('pf', 0)) AS t(c, v);
SELECT thidua.score('edge/1', c, v) FROM (VALUES ('pf', 1), ('zz', 0)) AS t(c, v);
SELECT thidua.score(v, c, 1) FROM (VALUES ('edge/1', 'pf'), ('stp/none', 'pf')) AS t(v, c);
SELECT thidua.score(NULL, 'pf', 1);
SELECT thidua.score('edge/1', NULL, 1);

-- Classes: bounds inclusive, exact values; a veto caps the class, never raises it.
SELECT thidua.classify('edge/1', 9) AS at_9, thidua.classify('edge/1', 8.999999) AS below_9,
       thidua.classify('edge/1', 6.5) AS at_6_5, thidua.classify('edge/1', -3) AS negative,
       thidua.classify('edge/1', 9.5, true) AS vetoed_a, thidua.classify('edge/1', 7, true) AS vetoed_b,
       thidua.classify('edge/1', 1, true) AS vetoed_c;

-- One group may not mix versions (a clone has the same items, another code).
SELECT thidua.clone_version('edge/1', '2');
SELECT thidua.score(v, 'pf', 1) FROM (VALUES ('edge/1'), ('edge/2')) AS t(v);

-- A state that arrives from outside (combine, final) is validated, never trusted.
-- The raw state, and the combine function driven as an aggregate over states:
CREATE AGGREGATE score_state(text, text, numeric) (SFUNC = thidua._score_transition, STYPE = bytea);
CREATE AGGREGATE combine_states(bytea) (SFUNC = thidua._score_combine, STYPE = bytea, FINALFUNC = thidua._score_final);
CREATE TABLE state AS
  SELECT evaluation, score_state('edge/1', criterion, observed) AS s FROM observation GROUP BY evaluation;
SELECT length(s) AS state_bytes FROM state WHERE evaluation = 1;
-- combining the partial states of evaluations 2 and 3 gives evaluation 3's total
SELECT combine_states(s ORDER BY evaluation) AS combined FROM state WHERE evaluation IN (2, 3);
-- the same criterion in both partial states is a duplicate
SELECT combine_states(s) FROM state WHERE evaluation IN (1, 3);
-- corruptions: truncated, extended, wrong magic, unknown format, slot count, stray bitmap bits,
-- an impossible value in a slot, a version code that does not exist, another version
SELECT thidua._score_final(substr(s, 1, length(s) - 1)) FROM state WHERE evaluation = 1;
SELECT thidua._score_final(s || '\x00'::bytea) FROM state WHERE evaluation = 1;
SELECT thidua._score_final(set_byte(s, 0, 0)) FROM state WHERE evaluation = 1;
SELECT thidua._score_final(set_byte(s, 2, 9)) FROM state WHERE evaluation = 1;
SELECT thidua._score_final(set_byte(s, 4, 19)) FROM state WHERE evaluation = 1;
SELECT thidua._score_final(set_byte(s, 23, 255)) FROM state WHERE evaluation = 2;
SELECT thidua._score_final(set_byte(s, length(s) - 1, 1)) FROM state WHERE evaluation = 2;
SELECT thidua._score_final(set_byte(s, 14, ascii('x'))) FROM state WHERE evaluation = 1;
SELECT thidua._score_final(set_byte(s, 8, 0)) FROM state WHERE evaluation = 1;
SELECT combine_states(x) FROM (VALUES ('\x5453'::bytea)) AS t(x);
SELECT combine_states(x) FROM (SELECT s FROM state WHERE evaluation = 1
  UNION ALL SELECT substr(s, 1, 20) FROM state WHERE evaluation = 2) AS t(x);
SELECT combine_states(x) FROM (SELECT s FROM state WHERE evaluation = 1
  UNION ALL SELECT score_state('edge/2', 'pf', 1)) AS t(x);
SELECT thidua._score_final('\x5453'::bytea);
-- score keeps points, score_detail observations: their states never mix
CREATE AGGREGATE detail_state(text, text, numeric) (SFUNC = thidua._score_detail_transition, STYPE = bytea);
SELECT combine_states(x) FROM (SELECT s FROM state WHERE evaluation = 2
  UNION ALL SELECT detail_state('edge/1', 'p1', 1)) AS t(x);
SELECT thidua._score_detail_final(s) FROM state WHERE evaluation = 1;
SELECT thidua._score_final(detail_state('edge/1', criterion, observed)) AS observations_total
  FROM observation WHERE evaluation = 1;
DROP AGGREGATE detail_state(text, text, numeric);
DROP AGGREGATE score_state(text, text, numeric);
DROP AGGREGATE combine_states(bytea);
DROP TABLE observation, state;
DROP EXTENSION thidua;
