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
