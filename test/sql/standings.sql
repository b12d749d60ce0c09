-- Standings of a small zone, built so that each rule shows; the expected order
-- is worked out by hand below, not by the code under test.
\set SHOW_CONTEXT never
CREATE EXTENSION thidua;
SELECT thidua.import_criteria($${
  "set": {"code": "mini", "name": "Mini"}, "edition": "1", "title": "Mini",
  "classes": [{"label": "A", "min": 9}, {"label": "B", "min": 7}, {"label": "C"}],
  "veto": {"max_class": "B", "reason": "discipline"},
  "tie_break": ["total", "section:S1", "penalty"],
  "items": [
    {"code": "S1", "kind": "section", "title": "work", "max": 10},
    {"code": "c1", "parent": "S1", "kind": "criterion", "title": "c1", "rule": "manual", "max": 6},
    {"code": "c2", "parent": "S1", "kind": "criterion", "title": "c2", "rule": "manual", "max": 4},
    {"code": "B", "kind": "bonus", "title": "bonus", "max": 2},
    {"code": "b", "parent": "B", "kind": "criterion", "title": "b", "rule": "manual", "max": 2},
    {"code": "P", "kind": "penalty", "title": "penalty", "max": 3},
    {"code": "p", "parent": "P", "kind": "criterion", "title": "p", "rule": "per_occurrence", "per": -1}]}$$);
SELECT thidua.publish_version('mini/1');
INSERT INTO thidua.unit (unit_code, name) SELECT 'U' || i, 'Đơn vị ' || i FROM generate_series(1, 7) AS i;
INSERT INTO thidua.period (period_code, year) VALUES ('2019', 2019);
INSERT INTO thidua.bloc VALUES ('Z', 'Khu vực thử', 'zone');
INSERT INTO thidua.bloc_period VALUES ('Z', '2019', 'mini/1', 'trimmed_mean', 1, 3);
INSERT INTO thidua.bloc_member SELECT 'Z', '2019', 'U' || i, CASE i WHEN 1 THEN 'head' WHEN 2 THEN 'deputy' ELSE 'member' END
  FROM generate_series(1, 7) AS i;
INSERT INTO thidua.recusal VALUES ('Z', '2019', 'U1', 'U4', 'U1''s director chairs U4''s council');
INSERT INTO thidua.veto VALUES ('Z', '2019', 'U1', 'a civil servant under discipline');
INSERT INTO thidua.adjustment (bloc_code, period_code, unit_code, points, reason, made_by)
  VALUES ('Z', '2019', 'U3', -1.5, 'bonus initiative not recognised by the Ministry', 'Bộ Tư pháp');

-- scores: (unit, judge, c1, c2, b); judge = unit is the self-assessment
CREATE TEMP TABLE given (unit text, judge text, c1 numeric, c2 numeric, b numeric);
INSERT INTO given VALUES
  -- U1: 10, 9, 8, 10 -> drop 8 and one 10 -> 9.5; vetoed -> class B
  ('U1', 'U2', 6, 4, NULL), ('U1', 'U3', 5, 4, NULL), ('U1', 'U4', 4, 4, NULL), ('U1', 'U5', 6, 4, NULL),
  -- U2: 9, 9, 9, 9.5 -> 9; section S1 9
  ('U2', 'U1', 5, 4, NULL), ('U2', 'U3', 5, 4, NULL), ('U2', 'U4', 5, 4, NULL), ('U2', 'U5', 5.5, 4, NULL),
  -- U3: 10.5 from everyone (S1 8.5 + bonus 2) -> 10.5, adjusted -1.5 -> 9: ties U2 on the total,
  --     loses on section S1 (8.5 < 9)
  ('U3', 'U1', 4.5, 4, 2), ('U3', 'U2', 4.5, 4, 2), ('U3', 'U4', 4.5, 4, 2), ('U3', 'U5', 4.5, 4, 2),
  -- U4: U1 is recused (its 9 does not count); 7, 7, 7 -> 7; a true tie with U5
  ('U4', 'U1', 5, 4, NULL), ('U4', 'U2', 3, 4, NULL), ('U4', 'U3', 3, 4, NULL), ('U4', 'U5', 3, 4, NULL),
  -- U5: 7 from everyone
  ('U5', 'U1', 3, 4, NULL), ('U5', 'U2', 3, 4, NULL), ('U5', 'U3', 3, 4, NULL), ('U5', 'U4', 3, 4, NULL),
  -- U6: two judges, below the quorum of 3; n = 2 <= 2 * trim -> the mean, 5 -> C
  ('U6', 'U1', 1, 4, NULL), ('U6', 'U2', 1, 4, NULL),
  -- self-assessments of U1..U5 (U6 and U7 have none); U7 has no peer score at all
  ('U1', 'U1', 6, 4, 2), ('U2', 'U2', 6, 4, NULL), ('U3', 'U3', 6, 4, 2), ('U4', 'U4', 5, 4, NULL), ('U5', 'U5', 4, 4, NULL);
INSERT INTO thidua.evaluation (bloc_code, period_code, unit_code, stage, judge_code)
  SELECT 'Z', '2019', unit, CASE WHEN unit = judge THEN 'self' ELSE 'peer' END, judge FROM given;
INSERT INTO thidua.observation (evaluation_id, criterion_code, observed)
  SELECT e.evaluation_id, c.code, c.value
  FROM given g JOIN thidua.evaluation e ON e.unit_code = g.unit AND e.judge_code = g.judge,
  LATERAL (VALUES ('c1', g.c1), ('c2', g.c2), ('b', g.b)) AS c(code, value)
  WHERE c.value IS NOT NULL;

-- Expected, by hand:
--  rank 1 U1 9.5  B (vetoed)         rank 4 U4 7   B (recused:U1)
--  rank 2 U2 9    A                  rank 4 U5 7   B
--  rank 3 U3 9    A (10.5 - 1.5)     rank 6 U6 5   C (incomplete quorum, no self score)
--                                    rank 7 U7 -   - (no peer score: last)
SELECT unit_code, role, self_total, peer_result, peer_judges, adjustment, final_total, class, rank, flags
  FROM thidua.standings('Z', '2019');
SELECT unit_code, tie_break FROM thidua.standings('Z', '2019') WHERE unit_code IN ('U2', 'U3');

-- Why: U3's peers' totals (one 10.5 trimmed at each end), its items, and the key that
-- put U2 ahead of it (section S1: 9 against 8.5).
SELECT jsonb_pretty(thidua.explain('U3', '2019') - 'items');
SELECT i ->> 'code' AS item, i -> 'self_points' AS own, i -> 'peer_points' AS peers
  FROM jsonb_array_elements(thidua.explain('U3', '2019') -> 'items') AS i;
SELECT thidua.explain('U4', '2019') -> 'peer_totals' AS u4_peers;
SELECT thidua.explain('U9', '2019');

-- Judges' leniency (advisory): U5 gives most (10 to U1 where the others average 9),
-- U4 least.
SELECT * FROM thidua.judge_report('Z', '2019');

-- Publishing freezes the standings; a correction is a new revision with a reason.
SELECT thidua.publish_standings('Z', '2019');
SELECT thidua.publish_standings('Z', '2019');
INSERT INTO thidua.adjustment (bloc_code, period_code, unit_code, points, reason, made_by)
  VALUES ('Z', '2019', 'U6', 2, 'report found late, accepted by the Ministry', 'Bộ Tư pháp');
SELECT unit_code, final_total, class, rank FROM thidua.published_standings WHERE unit_code = 'U6';
SELECT thidua.publish_standings('Z', '2019', 'U6: report accepted by the Ministry');
SELECT revision, unit_code, final_total, class, rank FROM thidua.standing_row WHERE unit_code = 'U6' ORDER BY revision;
SELECT revision, reason FROM thidua.standing_revision ORDER BY revision;
UPDATE thidua.standing_row SET rank = 1 WHERE unit_code = 'U6';
DELETE FROM thidua.standing_revision;
TRUNCATE thidua.standing_row;
DELETE FROM thidua.adjustment WHERE unit_code = 'U6';
SELECT count(*) AS live_rows FROM thidua.current_standings;

-- The same scores under the mean: U1 (10 + 9 + 8 + 10) / 4 = 9.25, U2 9.125,
-- U4 7 (still without U1's 9), the rest unchanged.
UPDATE thidua.bloc_period SET peer_method = 'mean' WHERE bloc_code = 'Z';
SELECT unit_code, peer_result, peer_judges, final_total, class, rank FROM thidua.standings('Z', '2019');

-- Under Schulze the consensus of the judges orders the units; their totals (means)
-- still give the classes. U3 is scored above everyone by every judge who scored
-- both, so it is first; U6, scored below all by U1 and U2, is last of the scored.
UPDATE thidua.bloc_period SET peer_method = 'schulze' WHERE bloc_code = 'Z';
SELECT unit_code, peer_result, final_total, class, rank FROM thidua.standings('Z', '2019');

-- The rules of scoring, enforced by the database (terse: the rows in details carry timestamps).
\set VERBOSITY terse
INSERT INTO thidua.evaluation (bloc_code, period_code, unit_code, stage, judge_code) VALUES ('Z', '2019', 'U7', 'peer', 'U7');
INSERT INTO thidua.evaluation (bloc_code, period_code, unit_code, stage, judge_code) VALUES ('Z', '2019', 'U7', 'self', 'U1');
INSERT INTO thidua.evaluation (bloc_code, period_code, unit_code, stage, judge_code) VALUES ('Z', '2019', 'U7', 'peer', 'X9');
INSERT INTO thidua.evaluation (bloc_code, period_code, unit_code, stage, judge_code) VALUES ('Z', '2019', 'U1', 'peer', 'U2');
INSERT INTO thidua.evaluation (bloc_code, period_code, unit_code, stage, judge_code) VALUES ('Z', '2019', 'U7', 'peer', 'U1');
INSERT INTO thidua.observation SELECT evaluation_id, 'c1', 6.5 FROM thidua.evaluation WHERE unit_code = 'U7';
INSERT INTO thidua.observation SELECT evaluation_id, 'zz', 1 FROM thidua.evaluation WHERE unit_code = 'U7';
INSERT INTO thidua.observation SELECT evaluation_id, 'S1', 1 FROM thidua.evaluation WHERE unit_code = 'U7';
INSERT INTO thidua.adjustment (bloc_code, period_code, unit_code, points, reason, made_by) VALUES ('Z', '2019', 'U7', 1, '', 'x');
UPDATE thidua.bloc_member SET role = 'head' WHERE unit_code = 'U3';
SELECT * FROM thidua.standings('Z', '2020');
INSERT INTO thidua.unit VALUES ('D1', 'Phòng Tư pháp huyện', 'U1', 'district_office'), ('D2', 'Tổ hòa giải', 'D1', 'other');
UPDATE thidua.unit SET parent_code = 'D2' WHERE unit_code = 'U1';
UPDATE thidua.unit SET parent_code = 'D1' WHERE unit_code = 'D1';
SELECT thidua.close_period('2019');
INSERT INTO thidua.observation SELECT evaluation_id, 'c1', 1 FROM thidua.evaluation WHERE unit_code = 'U7';
UPDATE thidua.observation SET observed = 1 WHERE criterion_code = 'c1';
DELETE FROM thidua.evaluation WHERE unit_code = 'U1';
INSERT INTO thidua.adjustment (bloc_code, period_code, unit_code, points, reason, made_by) VALUES ('Z', '2019', 'U7', 1, 'late', 'x');
SELECT thidua.close_period('2019');
\set VERBOSITY default
SELECT count(*) AS still_readable FROM thidua.standings('Z', '2019');
DROP TABLE given;
DROP EXTENSION thidua;
