-- Standings exact and explained: the rounding of averaged results (the version's
-- setting and a bloc's override), the neighbour above a shared rank, and explain's
-- messages. Every expected figure is worked out by hand in the comments.
\set SHOW_CONTEXT never
CREATE EXTENSION thidua;

-- F11 (cases/2026-11-29): two criteria of 50 points in two sections; tie-break
-- total, then section I. Classes A >= 90, B >= 80.
SELECT thidua.import_criteria_file(convert_to($$kind,code,parent,title,max,rule,params
set,rc,,Thử làm tròn điểm bình quân trước khi xếp hạng,,,
version,2025,,Bảng thử năm 2025,,,rounding_scale=2; tie_break=total section:I
class,A,,Xuất sắc,,,min=90
class,B,,Tốt,,,min=80
class,D,,Còn lại,,,
section,I,,Nhiệm vụ trọng tâm,50,,
criterion,I.1,I,Kết quả nhiệm vụ trọng tâm,50,manual,
section,II,,Nhiệm vụ khác,50,,
criterion,II.1,II,Kết quả nhiệm vụ khác,50,manual,
$$, 'UTF8'), NULL, 'F11-criteria.csv');
SELECT thidua.publish_version('rc/2025');
-- the same table whose version rounds averaged results to 2 decimals (CSV param)
SELECT thidua.import_criteria_file(convert_to($$kind,code,parent,title,max,rule,params
set,rc,,Thử làm tròn điểm bình quân trước khi xếp hạng,,,
version,2025-r2,,Bảng thử năm 2025,,,rounding_scale=2; tie_break=total section:I; result_rounding=2
class,A,,Xuất sắc,,,min=90
class,B,,Tốt,,,min=80
class,D,,Còn lại,,,
section,I,,Nhiệm vụ trọng tâm,50,,
criterion,I.1,I,Kết quả nhiệm vụ trọng tâm,50,manual,
section,II,,Nhiệm vụ khác,50,,
criterion,II.1,II,Kết quả nhiệm vụ khác,50,manual,
$$, 'UTF8'), NULL, 'F11-r2.csv');
SELECT thidua.publish_version('rc/2025-r2');

-- The setting is data of the version: stored, exported in both formats, diffed, cloned.
SELECT version_code, result_rounding FROM thidua.criteria_version ORDER BY 1;
SELECT thidua.export_criteria('rc/2025') -> 'result_rounding' AS exact,
       thidua.export_criteria('rc/2025-r2') -> 'result_rounding' AS two;
SELECT split_part(thidua.export_criteria_csv('rc/2025-r2'), E'\n', 3) AS csv_version_record;
SELECT * FROM thidua.diff('rc/2025', 'rc/2025-r2');
SELECT thidua.clone_version('rc/2025-r2', '2026');
SELECT result_rounding FROM thidua.criteria_version WHERE version_code = 'rc/2026';
SELECT thidua.delete_draft('rc/2026');
-- round trips: the JSON export imports back to the same document
CREATE TEMP TABLE exported AS SELECT thidua.export_criteria('rc/2025-r2') AS doc;
SELECT thidua.import_criteria((SELECT doc || '{"edition": "2025-rt"}' FROM exported));
SELECT (thidua.export_criteria('rc/2025-rt') - 'edition') = ((SELECT doc FROM exported) - 'edition') AS json_round_trip;
SELECT thidua.import_criteria_file(convert_to(replace(thidua.export_criteria_csv('rc/2025-r2'), 'version,2025-r2,', 'version,2025-csv,'), 'UTF8'), NULL, 'rt.csv');
SELECT (thidua.export_criteria('rc/2025-csv') - 'edition') = ((SELECT doc FROM exported) - 'edition') AS csv_round_trip;
-- bad settings name the field
SELECT thidua.import_criteria((SELECT doc || '{"edition": "bad", "result_rounding": 10}' FROM exported));
SELECT thidua.import_criteria((SELECT doc || '{"edition": "bad", "result_rounding": "2"}' FROM exported));
SELECT thidua.import_criteria((SELECT doc || '{"edition": "bad", "result_rounding": 1.5}' FROM exported));
SELECT thidua.import_criteria_file(convert_to(replace(thidua.export_criteria_csv('rc/2025-r2'), 'result_rounding=2', 'result_rounding=round'), 'UTF8'), NULL, 'bad.csv');
-- null is the default
SELECT thidua.import_criteria((SELECT doc || '{"edition": "null", "result_rounding": null}' FROM exported));
SELECT result_rounding FROM thidua.criteria_version WHERE version_code = 'rc/null';

INSERT INTO thidua.unit (unit_code, name) VALUES ('X','Đơn vị X'),('Y','Đơn vị Y'),('J1','Giám khảo 1'),('J2','Giám khảo 2'),('J3','Giám khảo 3');
INSERT INTO thidua.period (period_code, year) VALUES ('2025', 2025);
INSERT INTO thidua.bloc VALUES ('k11', 'Cụm thử làm tròn', 'zone'), ('k11r', 'Cụm thử, bảng làm tròn', 'zone');
INSERT INTO thidua.bloc_period VALUES ('k11', '2025', 'rc/2025', 'mean', 0, 3), ('k11r', '2025', 'rc/2025-r2', 'mean', 0, 3);
INSERT INTO thidua.bloc_member (bloc_code, period_code, unit_code, role)
  SELECT b, '2025', u, CASE u WHEN 'J1' THEN 'head' ELSE 'member' END
  FROM unnest(ARRAY['k11', 'k11r']) b, unnest(ARRAY['J1', 'J2', 'J3', 'X', 'Y']) u;
-- X: 40 + 45.33, 40 + 45.33, 40 + 45.34 -> 85.33, 85.33, 85.34: mean 85.3333...
-- Y: 45 + 40.33 three times -> 85.33; section I: Y 45, X 40
CREATE TEMP TABLE given (unit text, judge text, c1 numeric, c2 numeric);
INSERT INTO given VALUES ('X', 'J1', 40, 45.33), ('X', 'J2', 40, 45.33), ('X', 'J3', 40, 45.34),
  ('Y', 'J1', 45, 40.33), ('Y', 'J2', 45, 40.33), ('Y', 'J3', 45, 40.33);
INSERT INTO thidua.evaluation (bloc_code, period_code, unit_code, stage, judge_code)
  SELECT b, '2025', unit, 'peer', judge FROM given, unnest(ARRAY['k11', 'k11r']) b;
INSERT INTO thidua.observation (evaluation_id, criterion_code, observed)
  SELECT e.evaluation_id, c.code, c.value
  FROM given g JOIN thidua.evaluation e ON e.unit_code = g.unit AND e.judge_code = g.judge,
  LATERAL (VALUES ('I.1', g.c1), ('II.1', g.c2)) AS c(code, value);

-- exact (the version's default): X 85.3333... first, Y 85.33 second
SELECT unit_code, peer_result, final_total, class, rank, tie_break FROM thidua.standings('k11', '2025') WHERE rank <= 2;
-- the version rounds to 2 decimals: both 85.33, Y first on section I (45 > 40)
SELECT unit_code, peer_result, final_total, class, rank, tie_break FROM thidua.standings('k11r', '2025') WHERE rank <= 2;
-- a bloc's setting overrides its version's: k11 rounded to 2, k11r exact
UPDATE thidua.bloc_period SET result_rounding = '2' WHERE bloc_code = 'k11';
UPDATE thidua.bloc_period SET result_rounding = 'exact' WHERE bloc_code = 'k11r';
SELECT bloc_code, unit_code, final_total, rank FROM thidua.current_standings WHERE rank <= 2 ORDER BY 1, rank;
UPDATE thidua.bloc_period SET result_rounding = 'x' WHERE bloc_code = 'k11';
-- explain says which setting decided, and which key separated the two
SELECT thidua.explain('X', '2025', 'k11') -> 'result_rounding' AS k11,
       thidua.explain('X', '2025', 'k11r') -> 'result_rounding' AS k11r;
SELECT thidua.explain('X', '2025', 'k11') -> 'neighbours' AS x_neighbours_rounded;
-- published standings keep what decided: the rounded figures
SELECT thidua.publish_standings('k11', '2025');
SELECT unit_code, peer_result, final_total, rank, tie_break FROM thidua.published_standings
  WHERE bloc_code = 'k11' AND rank <= 2 ORDER BY rank;

-- explain without a bloc, for a unit in two blocs that year: an error listing them
SELECT thidua.explain('X', '2025');

-- 89.99 and 90 under mean: 89.995, class B (not A: the bound is 90); rounded to 2
-- decimals: 90.00, class A.
INSERT INTO thidua.bloc VALUES ('k89', 'Cụm 89,995', 'zone');
INSERT INTO thidua.bloc_period VALUES ('k89', '2025', 'rc/2025', 'mean', 0, 2);
INSERT INTO thidua.bloc_member (bloc_code, period_code, unit_code, role)
  VALUES ('k89', '2025', 'J1', 'head'), ('k89', '2025', 'J2', 'member'), ('k89', '2025', 'Y', 'member');
INSERT INTO thidua.evaluation (bloc_code, period_code, unit_code, stage, judge_code)
  VALUES ('k89', '2025', 'Y', 'peer', 'J1'), ('k89', '2025', 'Y', 'peer', 'J2');
INSERT INTO thidua.observation (evaluation_id, criterion_code, observed)
  SELECT e.evaluation_id, c.code, c.value FROM thidua.evaluation e,
  LATERAL (VALUES ('I.1', 50), ('II.1', CASE e.judge_code WHEN 'J1' THEN 39.99 ELSE 40 END)) AS c(code, value)
  WHERE e.bloc_code = 'k89';
SELECT unit_code, peer_result, final_total, class FROM thidua.standings('k89', '2025') WHERE unit_code = 'Y';
UPDATE thidua.bloc_period SET result_rounding = '2' WHERE bloc_code = 'k89';
SELECT unit_code, peer_result, final_total, class FROM thidua.standings('k89', '2025') WHERE unit_code = 'Y';
-- half away from zero: 89.995 -> 90 at 0 decimals
UPDATE thidua.bloc_period SET result_rounding = '0' WHERE bloc_code = 'k89';
SELECT final_total, class FROM thidua.standings('k89', '2025') WHERE unit_code = 'Y';

-- The neighbour above a shared rank. One judge J1 scores U1..U9 (sections I and II):
--   U1 90, U2 89, U3 88, U4 87, U5 86, U6 85; U7 and U8 80 with section I 45 (a true
--   tie at rank 7); U9 80 with section I 40: rank 9, below U7 and U8 on section I.
INSERT INTO thidua.unit (unit_code, name) SELECT 'U' || i, 'Đơn vị ' || i FROM generate_series(1, 9) i;
INSERT INTO thidua.bloc VALUES ('k9', 'Cụm chín', 'zone');
INSERT INTO thidua.bloc_period VALUES ('k9', '2025', 'rc/2025', 'mean', 0, 1);
INSERT INTO thidua.bloc_member (bloc_code, period_code, unit_code, role)
  SELECT 'k9', '2025', u, CASE u WHEN 'J1' THEN 'head' ELSE 'member' END
  FROM unnest(ARRAY['J1', 'U1', 'U2', 'U3', 'U4', 'U5', 'U6', 'U7', 'U8', 'U9']) u;
CREATE TEMP TABLE nine (unit text, s1 numeric, s2 numeric);
INSERT INTO nine VALUES ('U1', 45, 45), ('U2', 45, 44), ('U3', 45, 43), ('U4', 45, 42), ('U5', 45, 41),
  ('U6', 45, 40), ('U7', 45, 35), ('U8', 45, 35), ('U9', 40, 40);
INSERT INTO thidua.evaluation (bloc_code, period_code, unit_code, stage, judge_code)
  SELECT 'k9', '2025', unit, 'peer', 'J1' FROM nine;
INSERT INTO thidua.observation (evaluation_id, criterion_code, observed)
  SELECT e.evaluation_id, c.code, c.value FROM nine n
  JOIN thidua.evaluation e ON e.bloc_code = 'k9' AND e.unit_code = n.unit,
  LATERAL (VALUES ('I.1', n.s1), ('II.1', n.s2)) AS c(code, value);
SELECT unit_code, final_total, rank FROM thidua.standings('k9', '2025') WHERE final_total IS NOT NULL;
-- U9: both units at rank 7 are above it, separated on section I
SELECT thidua.explain('U9', '2025') -> 'neighbours' AS u9_neighbours;
-- U7: U6 above (total), U8 beside (tie), U9 below (section I)
SELECT thidua.explain('U7', '2025') -> 'neighbours' AS u7_neighbours;
-- U6: U5 above, U7 and U8 below
SELECT thidua.explain('U6', '2025') -> 'neighbours' AS u6_neighbours;

-- A bloc with no scores yet: explain answers, with nothing to list.
INSERT INTO thidua.bloc VALUES ('k0', 'Cụm chưa chấm', 'zone');
INSERT INTO thidua.bloc_period VALUES ('k0', '2025', 'rc/2025', 'mean', 0, 1);
INSERT INTO thidua.bloc_member (bloc_code, period_code, unit_code, role) VALUES ('k0', '2025', 'U1', 'head');
SELECT thidua.explain('U1', '2025', 'k0') - 'standing' AS no_scores_yet;

-- Rule shapes scored in the bloc: a target from the unit's pact, and points
-- relative to the bloc's leader (case F08). I.1 leader_relative, max 10, target
-- from the pact; I.2 proportional, max 10, target from the pact; I.3 leader_relative
-- against a fixed target of 100.
SELECT thidua.import_criteria($${
  "set": {"code": "lr", "name": "Thử chấm theo chỉ tiêu riêng và đơn vị dẫn đầu cụm"}, "edition": "2025",
  "title": "Bảng thử năm 2025", "classes": [{"label": "A", "min": 25}, {"label": "D"}],
  "tie_break": ["total"],
  "items": [
    {"code": "I", "kind": "section", "title": "Chỉ tiêu định lượng", "max": 30},
    {"code": "I.1", "parent": "I", "kind": "criterion", "title": "Kết quả so với chỉ tiêu được giao (%)",
     "rule": "leader_relative", "max": 10, "target": "pact"},
    {"code": "I.2", "parent": "I", "kind": "criterion", "title": "Tỷ lệ hoàn thành chỉ tiêu riêng",
     "rule": "proportional", "max": 10, "target": "pact"},
    {"code": "I.3", "parent": "I", "kind": "criterion", "title": "Kết quả so với chỉ tiêu chung (%)",
     "rule": "leader_relative", "max": 10, "target": 100}]}$$);
SELECT thidua.publish_version('lr/2025');
-- in both formats, exported and diffed
SELECT thidua.export_criteria_csv('lr/2025');
SELECT thidua.export_criteria('lr/2025') -> 'items' -> 1 AS leader_relative_item;
SELECT thidua.import_criteria_file(convert_to(replace(thidua.export_criteria_csv('lr/2025'), 'version,2025,', 'version,2025-csv,'), 'UTF8'), NULL, 'lr.csv');
SELECT (thidua.export_criteria('lr/2025') - 'edition') = (thidua.export_criteria('lr/2025-csv') - 'edition') AS csv_equals_json;
SELECT thidua.import_criteria(thidua.export_criteria('lr/2025') || jsonb_build_object('edition', '2025-fixed',
  'items', jsonb_set(thidua.export_criteria('lr/2025') -> 'items', '{2,target}', '100')));
SELECT * FROM thidua.diff('lr/2025', 'lr/2025-fixed');
-- validation names the field
SELECT thidua.import_criteria(thidua.export_criteria('lr/2025') || jsonb_build_object('edition', 'bad',
  'items', jsonb_set(thidua.export_criteria('lr/2025') -> 'items', '{1,target}', '"pacts"')));
SELECT thidua.import_criteria(thidua.export_criteria('lr/2025') || jsonb_build_object('edition', 'bad',
  'items', (thidua.export_criteria('lr/2025') -> 'items') #- '{1,target}'));
SELECT thidua.import_criteria(thidua.export_criteria('lr/2025') || jsonb_build_object('edition', 'bad',
  'items', jsonb_set(thidua.export_criteria('lr/2025') -> 'items', '{1,ceiling}', '12')));
SELECT thidua.import_criteria(thidua.export_criteria('lr/2025') || jsonb_build_object('edition', 'bad',
  'items', (thidua.export_criteria('lr/2025') -> 'items') #- '{1,max}'));

-- The formula alone (thidua.points_in_bloc): F08's U1 120 of 100, U2 80 of 80,
-- U3 40 of 50 with U1 the leader (L = 1.2), max 10 -> 10, 5, 4; a unit at 110 of
-- 100 is halfway to the leader: 5 + 5 x 0.1 / 0.2 = 7.5; 70 of 90 -> 5 x 7/9 =
-- 3.888... -> 3.89.
SELECT u, thidua.points_in_bloc('lr/2025', 'I.1', a, t, 120, 100) AS points
  FROM (VALUES ('U1', 120, 100), ('U2', 80, 80), ('U3', 40, 50), ('U4', 110, 100), ('U5', 70, 90)) v(u, a, t);
-- proportional with the unit's target: 40 of 50 -> 10 x 0.8 = 8; 120 of 100 -> capped at 10
SELECT thidua.points_in_bloc('lr/2025', 'I.2', 40, 50), thidua.points_in_bloc('lr/2025', 'I.2', 120, 100);
-- a fixed target (I.3): the target argument may be NULL
SELECT thidua.points_in_bloc('lr/2025', 'I.3', 110, NULL, 120, NULL);
-- the observation alone has no points: points() checks it and says NULL; score() refuses
SELECT thidua.points('lr/2025', 'I.1', 120) IS NULL AS unknown_alone;
SELECT thidua.points('lr/2025', 'I.1', -1);
SELECT thidua.score('lr/2025', 'I.1', 120);
SELECT thidua.score('lr/2025', code, v, p) FROM (VALUES ('I.1', 120, 10), ('I.2', 80, 10)) x(code, v, p);
SELECT thidua.score('lr/2025', code, v, p) FROM (VALUES ('I.1', 120, 10.5)) x(code, v, p);
SELECT thidua.score('stp/none', code, v, p) FROM (VALUES ('I.1', 120, 1)) x(code, v, p);
SELECT thidua.score('rc/2025', code, v, p) FROM (VALUES ('I.1', 40, 40)) x(code, v, p);
SELECT thidua.points_in_bloc('lr/2025', 'I.1', 130, 100, 120, 100);
SELECT thidua.points_in_bloc('lr/2025', 'I.1', 100, NULL, 120, 100);
SELECT thidua.points_in_bloc('lr/2025', 'I.1', 100, 100, NULL, 100);
SELECT thidua.points_in_bloc('rc/2025', 'I.1', 40, 50);

-- In a bloc: targets registered in the pacts, self-assessments of F08.
INSERT INTO thidua.bloc VALUES ('k8', 'Cụm thử chỉ tiêu riêng', 'zone');
INSERT INTO thidua.bloc_period VALUES ('k8', '2025', 'lr/2025', 'mean', 0, 1);
INSERT INTO thidua.bloc_member (bloc_code, period_code, unit_code, role)
  VALUES ('k8', '2025', 'U1', 'head'), ('k8', '2025', 'U2', 'member'), ('k8', '2025', 'U3', 'member'), ('k8', '2025', 'U4', 'member');
INSERT INTO thidua.pact (bloc_code, period_code, unit_code, signed_on, targets) VALUES
  ('k8', '2025', 'U1', '2025-01-15', '{"I.1": 100, "I.2": 100}'), ('k8', '2025', 'U2', '2025-01-15', '{"I.1": 80, "I.2": 80}'),
  ('k8', '2025', 'U3', '2025-01-15', '{"I.1": 50, "I.2": 50}'), ('k8', '2025', 'U4', '2025-01-15', '{"I.2": 100}');
CREATE TEMP TABLE f08 (unit text, judge text, i1 numeric, i2 numeric, i3 numeric);
INSERT INTO f08 VALUES
  -- self: I.1 and I.2 as in F08; I.3 against 100 for all: 120, 80, 40 -> leader U1 (1.2)
  ('U1', 'U1', 120, 120, 120), ('U2', 'U2', 80, 80, 80), ('U3', 'U3', 40, 40, 40),
  -- peers: U4 judges U1 130 of 100 (1.3: the peers' leader), U2 88 of 80 (1.1), U3 40 of 50
  ('U1', 'U4', 130, NULL, NULL), ('U2', 'U4', 88, NULL, NULL), ('U3', 'U4', 40, NULL, NULL);
INSERT INTO thidua.evaluation (bloc_code, period_code, unit_code, stage, judge_code)
  SELECT 'k8', '2025', unit, CASE WHEN unit = judge THEN 'self' ELSE 'peer' END, judge FROM f08;
INSERT INTO thidua.observation (evaluation_id, criterion_code, observed)
  SELECT e.evaluation_id, c.code, c.value FROM f08 g
  JOIN thidua.evaluation e ON e.bloc_code = 'k8' AND e.unit_code = g.unit AND e.judge_code = g.judge,
  LATERAL (VALUES ('I.1', g.i1), ('I.2', g.i2), ('I.3', g.i3)) AS c(code, value)
  WHERE c.value IS NOT NULL;
-- self: U1 10 + 10 + 10 = 30; U2 5 + 10 + 5 x 0.8 = 4 -> 19; U3 4 + 8 + 2 -> 14
-- peers (U4), L = 1.3: U1 10; U2 5 + 5 x 0.1 / 0.3 = 6.666... -> 6.67; U3 5 x 0.8 = 4
SELECT unit_code, stage, judge_code, total FROM thidua.evaluation_scores('k8', '2025') ORDER BY stage DESC, unit_code;
SELECT unit_code, self_total, peer_result, final_total, class, rank FROM thidua.standings('k8', '2025') ORDER BY rank, unit_code;
SELECT jsonb_pretty(thidua.explain('U2', '2025', 'k8') -> 'scored_in_bloc');
SELECT i ->> 'code' AS item, i -> 'points' AS points, i ->> 'fired' AS fired
  FROM thidua.evaluation e, LATERAL (SELECT thidua.score_detail('lr/2025', o.criterion_code, o.observed, b.points) AS d
    FROM thidua.observation o JOIN thidua._bloc_points('k8', '2025') b USING (evaluation_id, criterion_code)
    WHERE o.evaluation_id = e.evaluation_id) x, jsonb_array_elements(x.d -> 'items') i
  WHERE e.bloc_code = 'k8' AND e.unit_code = 'U3' AND e.stage = 'self';
-- the same in parallel workers
SET force_parallel_mode = on;
SELECT unit_code, self_total, peer_result, final_total, rank FROM thidua.current_standings WHERE bloc_code = 'k8' ORDER BY rank, unit_code;
RESET force_parallel_mode;
-- a recused judge's score leaves the leader alone: U4 recused from U1, the peers'
-- leader is U2 (1.1): U2 10, U3 4; U1's recused 1.3 (it counts for nothing) is its own leader
INSERT INTO thidua.recusal VALUES ('k8', '2025', 'U4', 'U1', 'U4''s director chairs U1''s council');
SELECT e.unit_code, b.points, b.leader_observed, b.leader_target FROM thidua._bloc_points('k8', '2025') b
  JOIN thidua.evaluation e USING (evaluation_id) WHERE e.stage = 'peer' AND b.criterion_code = 'I.1' ORDER BY 1;
SELECT unit_code, peer_result, rank, flags FROM thidua.standings('k8', '2025') ORDER BY rank, unit_code;
-- the leader at target (L = 1): nobody above it, no division: 5, 5 x 0.8 = 4
UPDATE thidua.observation o SET observed = 100 FROM thidua.evaluation e
  WHERE e.evaluation_id = o.evaluation_id AND e.bloc_code = 'k8' AND e.unit_code = 'U1' AND e.stage = 'self' AND o.criterion_code = 'I.1';
UPDATE thidua.observation o SET observed = 64 FROM thidua.evaluation e
  WHERE e.evaluation_id = o.evaluation_id AND e.bloc_code = 'k8' AND e.unit_code = 'U2' AND e.stage = 'self' AND o.criterion_code = 'I.1';
SELECT e.unit_code, b.points FROM thidua._bloc_points('k8', '2025') b
  JOIN thidua.evaluation e USING (evaluation_id) WHERE e.stage = 'self' AND b.criterion_code = 'I.1' ORDER BY 1;
-- a single unit reporting above its target is the leader: max
SELECT thidua.points_in_bloc('lr/2025', 'I.1', 90, 80, 90, 80);
-- a missing target names the unit, criterion, bloc and period
INSERT INTO thidua.evaluation (bloc_code, period_code, unit_code, stage, judge_code) VALUES ('k8', '2025', 'U4', 'self', 'U4');
INSERT INTO thidua.observation (evaluation_id, criterion_code, observed)
  SELECT evaluation_id, 'I.1', 50 FROM thidua.evaluation WHERE bloc_code = 'k8' AND unit_code = 'U4' AND stage = 'self';
SELECT * FROM thidua.standings('k8', '2025');
DELETE FROM thidua.pact WHERE unit_code = 'U4';
SELECT * FROM thidua.standings('k8', '2025');
DROP TABLE given, nine, f08, exported;
DROP EXTENSION thidua;
