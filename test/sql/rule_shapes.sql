-- Rule shapes of real criteria tables: criteria not applicable to a unit,
-- floored sections ("trừ hết điểm"), standard points of capped per-event
-- criteria. Every expected figure is worked out by hand in the comments.
\set SHOW_CONTEXT never
CREATE EXTENSION thidua;

-- A criteria CSV as bytes, for import_criteria_file.
CREATE FUNCTION pg_temp.csv(body text) RETURNS bytea LANGUAGE sql AS $$ SELECT convert_to(body, 'UTF8') $$;

------------------------------------------------------------------------------
-- 1. Not applicable (case F07): I max 100 = I.1 50 proportional target 100,
-- I.2 30 manual, I.3 20 pass_fail; I.3 does not apply to X.
------------------------------------------------------------------------------
CREATE TEMP TABLE f07 (treatment text, csv text);
INSERT INTO f07 SELECT t, format($$kind,code,parent,title,max,rule,params
set,na,,Thử tiêu chí không áp dụng với đơn vị,,,
version,%s,,Bảng thử năm 2025,,,rounding_scale=2; tie_break=total%s
class,A,,Xuất sắc,,,min=90
class,B,,Tốt,,,min=80
class,C,,Hoàn thành,,,min=50
class,D,,Không hoàn thành,,,
section,I,,Nhiệm vụ chuyên môn,100,,
criterion,I.1,I,Tỷ lệ giải quyết vụ việc đúng hạn (%%),50,proportional,target=100
criterion,I.2,I,Chất lượng công tác (đoàn kiểm tra chấm),30,manual,
criterion,I.3,I,Nhiệm vụ không còn thuộc thẩm quyền của một số đơn vị từ giữa năm,20,pass_fail,
$$, coalesce(t, 'silent'), coalesce('; not_applicable=' || t, ''))
FROM unnest(ARRAY['exclude_and_rescale', 'full_points', 'zero', NULL]) t;
SELECT thidua.publish_version(thidua.import_criteria_file(pg_temp.csv(csv), NULL, 'F07.csv')) FROM f07;

-- X: I.1 100 → 50, I.2 25, I.3 not applicable; Y: I.1 90 → 45, I.2 25, I.3 1 → 20: 90.
--   exclude_and_rescale: X earns 75 of an applicable 80: 75 × 100 / 80 = 93.75 (A, above Y)
--   full_points:         X = 50 + 25 + 20 = 95.00 (A)
--   zero:                X = 75.00 (C)
SELECT v.version, x.unit, thidua.score(v.version, x.c, x.o, x.applicable) AS total,
	thidua.classify(v.version, thidua.score(v.version, x.c, x.o, x.applicable)) AS class
FROM (VALUES ('na/exclude_and_rescale'), ('na/full_points'), ('na/zero')) v(version),
	(VALUES ('X', 'I.1', 100::numeric, true), ('X', 'I.2', 25, true), ('X', 'I.3', NULL, false),
			('Y', 'I.1', 90, true), ('Y', 'I.2', 25, true), ('Y', 'I.3', 1, true)) x(unit, c, o, applicable)
GROUP BY v.version, x.unit ORDER BY 1, 2;
-- the three-argument aggregate is unchanged: NULL is no observation, 0 points
SELECT thidua.score('na/exclude_and_rescale', c, o) FROM (VALUES ('I.1', 100::numeric), ('I.2', 25), ('I.3', NULL)) v(c, o);
-- the breakdown says what happened
SELECT jsonb_pretty(thidua.score_detail('na/exclude_and_rescale', c, o, a) - 'tie_break')
FROM (VALUES ('I.1', 100::numeric, true), ('I.2', 25, true), ('I.3', NULL, false)) v(c, o, a);
SELECT i ->> 'code' AS code, i ->> 'points' AS points, i ->> 'fired' AS fired
FROM (SELECT thidua.score_detail(v, c, o, a) AS d
	  FROM (VALUES ('I.1', 100::numeric, true), ('I.2', 25, true), ('I.3', NULL, false)) x(c, o, a),
		   (VALUES ('na/full_points'), ('na/zero')) y(v) GROUP BY v) s,
	jsonb_array_elements(d -> 'items') i WHERE i ->> 'code' = 'I.3';

-- Rounding: X observes I.1 33 → 16.5, I.2 25: 41.5 × 100 / 80 = 51.875 → 51.88
-- (half away from zero at the version's 2 places).
SELECT thidua.score('na/exclude_and_rescale', c, o, a)
FROM (VALUES ('I.1', 33::numeric, true), ('I.2', 25, true), ('I.3', NULL, false)) v(c, o, a);

-- Nested caps, bonus and penalty: the main part is rescaled, not the bonus or penalty.
SELECT thidua.publish_version(thidua.import_criteria($${
  "set": {"code": "nb", "name": "Nested"}, "edition": "1", "title": "Nested", "not_applicable": "exclude_and_rescale",
  "classes": [{"label": "A", "min": 90}, {"label": "B"}],
  "items": [
    {"code": "I", "kind": "section", "title": "I", "max": 60},
    {"code": "I.1", "parent": "I", "kind": "criterion", "title": "I.1", "rule": "manual", "max": 40},
    {"code": "I.2", "parent": "I", "kind": "criterion", "title": "I.2", "rule": "manual", "max": 30},
    {"code": "II", "kind": "section", "title": "II", "max": 40},
    {"code": "II.1", "parent": "II", "kind": "criterion", "title": "II.1", "rule": "manual", "max": 20},
    {"code": "II.2", "parent": "II", "kind": "criterion", "title": "II.2", "rule": "manual", "max": 20},
    {"code": "B", "kind": "bonus", "title": "B", "max": 5},
    {"code": "B.1", "parent": "B", "kind": "criterion", "title": "B.1", "rule": "manual", "max": 5},
    {"code": "P", "kind": "penalty", "title": "P", "max": 5},
    {"code": "P.1", "parent": "P", "kind": "criterion", "title": "P.1", "rule": "per_occurrence", "per": -1}]}$$));
-- standard: I min(40 + 30, 60) = 60, II 40: 100; applicable (II.2 left out): 60 + min(20, 40) = 80.
-- earned: I min(40 + 30, 60) = 60, II 10: 70 → 70 × 100 / 80 = 87.5; + bonus 2 − penalty 1 = 88.50.
SELECT d ->> 'total' AS total, d ->> 'main' AS main, d -> 'rescaled' AS rescaled
FROM (SELECT thidua.score_detail('nb/1', c, o, a) AS d
	  FROM (VALUES ('I.1', 40::numeric, true), ('I.2', 30, true), ('II.1', 10, true), ('II.2', NULL, false),
				   ('B.1', 2, true), ('P.1', 1, true)) v(c, o, a)) s;
-- a criterion of the bonus left out changes no maximum of the main part: nothing rescaled
SELECT thidua.score('nb/1', c, o, a)
FROM (VALUES ('I.1', 40::numeric, true), ('II.1', 10, true), ('B.1', NULL, false)) v(c, o, a);
-- everything of the main part left out: nothing earned, nothing to rescale
SELECT thidua.score('nb/1', c, NULL, false) FROM unnest(ARRAY['I.1', 'I.2', 'II.1', 'II.2']) c;

-- Errors: a version that does not say; an observed criterion marked not
-- applicable; twice; a NULL flag.
SELECT thidua.score('na/silent', c, o, a) FROM (VALUES ('I.1', 100::numeric, true), ('I.3', NULL, false)) v(c, o, a);
SELECT thidua.score('na/zero', c, o, a) FROM (VALUES ('I.3', 1::numeric, false)) v(c, o, a);
SELECT thidua.score('na/zero', c, o, a) FROM (VALUES ('I.3', NULL::numeric, false), ('I.3', 1, true)) v(c, o, a);
SELECT thidua.score('na/zero', c, o, a) FROM (VALUES ('I.3', NULL::numeric, NULL::boolean)) v(c, o, a);
-- the version setting is validated
SELECT thidua.import_criteria_file(pg_temp.csv(replace(csv, 'not_applicable=zero', 'not_applicable=maybe')), NULL, 'bad.csv')
FROM f07 WHERE treatment = 'zero';

-- Standings: the zone's administrators mark I.3 not applicable to X.
INSERT INTO thidua.unit (unit_code, name) VALUES ('X', 'Đơn vị X'), ('Y', 'Đơn vị Y'), ('Z', 'Đơn vị Z');
INSERT INTO thidua.period (period_code, year) VALUES ('2025', 2025);
INSERT INTO thidua.bloc VALUES ('k', 'Cụm thử', 'zone'), ('s', 'Cụm im lặng', 'zone');
INSERT INTO thidua.bloc_period VALUES ('k', '2025', 'na/exclude_and_rescale', 'mean', 0, 1),
	('s', '2025', 'na/silent', 'mean', 0, 1);
INSERT INTO thidua.bloc_member (bloc_code, period_code, unit_code, role)
	SELECT b, '2025', u, CASE u WHEN 'Z' THEN 'head' ELSE 'member' END
	FROM unnest(ARRAY['k', 's']) b, unnest(ARRAY['X', 'Y', 'Z']) u;
INSERT INTO thidua.not_applicable_marking (bloc_code, period_code, unit_code, criterion_code, reason)
	VALUES ('k', '2025', 'X', 'I.3', 'Nhiệm vụ chuyển sang đơn vị khác từ tháng 7');
INSERT INTO thidua.evaluation (bloc_code, period_code, unit_code, stage, judge_code)
	VALUES ('k', '2025', 'X', 'peer', 'Z'), ('k', '2025', 'Y', 'peer', 'Z');
INSERT INTO thidua.observation (evaluation_id, criterion_code, observed)
	SELECT e.evaluation_id, o.c, o.v FROM thidua.evaluation e
	JOIN (VALUES ('X', 'I.1', 100::numeric), ('X', 'I.2', 25), ('Y', 'I.1', 90), ('Y', 'I.2', 25), ('Y', 'I.3', 1)) o(u, c, v)
		ON o.u = e.unit_code;
SELECT unit_code, peer_result, final_total, class, rank FROM thidua.standings('k', '2025') ORDER BY rank, unit_code;
SELECT i FROM jsonb_array_elements(thidua.explain('X', '2025', 'k') -> 'items') i;
SELECT e #>> '{not_applicable,treatment}' AS treatment, c ->> 'criterion' AS criterion, c ->> 'reason' AS reason
FROM (SELECT thidua.explain('X', '2025', 'k') AS e) s, jsonb_array_elements(e #> '{not_applicable,criteria}') c;
-- a marked criterion is not observed, and an observed one is not marked
INSERT INTO thidua.observation (evaluation_id, criterion_code, observed)
	SELECT evaluation_id, 'I.3', 1 FROM thidua.evaluation WHERE unit_code = 'X';
INSERT INTO thidua.not_applicable_marking (bloc_code, period_code, unit_code, criterion_code, reason)
	VALUES ('k', '2025', 'Y', 'I.3', 'thử');
-- a criterion of the version, which must say what not applicable counts for
INSERT INTO thidua.not_applicable_marking (bloc_code, period_code, unit_code, criterion_code, reason)
	VALUES ('k', '2025', 'Y', 'I', 'thử');
INSERT INTO thidua.not_applicable_marking (bloc_code, period_code, unit_code, criterion_code, reason)
	VALUES ('s', '2025', 'Y', 'I.3', 'thử');
-- the score file's cell: n/a, KAD or "không áp dụng", agreeing with a marking
SELECT c, thidua._observed_not_applicable(c)
FROM unnest(ARRAY['n/a', ' N/A ', 'KAD', 'kad', 'Không áp dụng', '0', '', NULL]) c;
SELECT thidua._check_not_applicable_row('k', '2025', 'X', 'I.3', 'scores.csv', 4);
SELECT thidua._check_not_applicable_row('k', '2025', 'Y', 'I.3', 'scores.csv', 5);
-- a score file says it (case F07): X's self-assessment with I.3 n/a stores two
-- observations; X earns 50 (I.1 100) + 25 of an applicable 80: 75 × 100 / 80 = 93.75
SELECT thidua.import_scores('k', '2025', E'unit,judge,criterion,observed\nX,self,I.1,100\nX,self,I.2,25\nX,self,I.3,n/a\n', 'F07-scores.csv');
SELECT unit_code, stage, total FROM thidua.evaluation_scores('k', '2025') WHERE stage = 'self';
SELECT count(*) AS observed_i3 FROM thidua.observation o JOIN thidua.evaluation e USING (evaluation_id)
WHERE e.bloc_code = 'k' AND o.criterion_code = 'I.3' AND e.unit_code = 'X';
-- KAD for a peer score too: a file of it alone stores nothing; an unmarked
-- n/a ("không áp dụng" for Y's I.3) is refused naming its line, and any other
-- word as before (nothing stored: still two self observations)
SELECT thidua.import_scores('k', '2025', E'unit,judge,criterion,observed\nX,Z,I.3,KAD\n', 'F07-peer.csv');
SELECT thidua.import_scores('k', '2025', E'unit,judge,criterion,observed\nX,Z,I.3,KAD\nY,Z,I.3,Không áp dụng\n', 'F07-peer.csv');
SELECT thidua.import_scores('k', '2025', E'unit,judge,criterion,observed\nY,self,I.1,90\nY,self,I.3,n/a\n', 'F07-scores.csv');
SELECT thidua.import_scores('k', '2025', E'unit,judge,criterion,observed\nY,self,I.1,90\nY,self,I.3,none\n', 'F07-scores.csv');
SELECT thidua.import_scores('k', '2025', E'unit,judge,criterion,observed\nY,self,I.1,ninety\nY,self,I.3,n/a\n', 'F07-scores.csv');
SELECT count(*) AS self_observations FROM thidua.observation o JOIN thidua.evaluation e USING (evaluation_id)
WHERE e.bloc_code = 'k' AND e.stage = 'self';

------------------------------------------------------------------------------
-- 4. Floors (case F09): base 4, deductions 2, 3, 4 per violation, the section
-- never below 0.
------------------------------------------------------------------------------
CREATE TEMP TABLE f09 (csv text);
INSERT INTO f09 VALUES ($$kind,code,parent,title,max,rule,params
set,dz,,Thử trừ điểm đến hết điểm của tiêu chí,,,
version,2025,,Bảng thử năm 2025,,,rounding_scale=2; tie_break=total
class,A,,Xuất sắc,,,min=90
class,D,,Còn lại,,,
section,I,,Chấp hành quy chế,20,,
criterion,I.1,I,Các nhiệm vụ khác,16,manual,
section,I.2,I,Chấp hành quy định (điểm cơ bản 4; trừ theo vi phạm; trừ hết điểm thì thôi),4,,floor=0
criterion,I.2.0,I.2,Điểm cơ bản,4,pass_fail,
criterion,I.2.1,I.2,Vi phạm loại 1 (mỗi lần),,per_occurrence,per=-2; floor=-4
criterion,I.2.2,I.2,Vi phạm loại 2 (mỗi lần),,per_occurrence,per=-3; floor=-4
criterion,I.2.3,I.2,Vi phạm loại 3 (mỗi lần),,per_occurrence,per=-4; floor=-4
$$);
SELECT thidua.publish_version(thidua.import_criteria_file(pg_temp.csv(csv), NULL, 'F09.csv')) FROM f09;
-- I.2: 4 − 3 − 4 = −3, floored at 0; I = 16 + 0 = 16.00 (without the floor: 13.00)
SELECT thidua.score('dz/2025', c, o) FROM (VALUES ('I.1', 16::numeric), ('I.2.0', 1), ('I.2.2', 1), ('I.2.3', 1)) v(c, o);
SELECT i FROM (SELECT thidua.score_detail('dz/2025', c, o) d
  FROM (VALUES ('I.1', 16::numeric), ('I.2.0', 1), ('I.2.2', 1), ('I.2.3', 1)) v(c, o)) s,
  jsonb_array_elements(d -> 'items') i WHERE i ->> 'kind' = 'section';
-- the case's own queries: total 16.00, I.2's sum 0.00 (the floored value; the
-- sum before the floor, −3.00, is its unfloored_sum)
SELECT thidua.score('dz/2025', c, o) FROM (VALUES ('I.1', 16::numeric), ('I.2.0', 1), ('I.2.2', 1), ('I.2.3', 1)) v(c, o);
SELECT i ->> 'code', i ->> 'sum', i ->> 'unfloored_sum' FROM (SELECT thidua.score_detail('dz/2025', c, o) d
  FROM (VALUES ('I.1', 16::numeric), ('I.2.0', 1), ('I.2.2', 1), ('I.2.3', 1)) v(c, o)) s,
  jsonb_array_elements(d -> 'items') i WHERE i ->> 'code' = 'I.2';
-- one violation of the first kind: 4 − 2 = 2, no floor needed: 18.00
SELECT thidua.score('dz/2025', c, o) FROM (VALUES ('I.1', 16::numeric), ('I.2.0', 1), ('I.2.1', 1)) v(c, o);
-- validated: a number, at most max, only on sections (a criterion's floor is its rule's)
SELECT thidua.import_criteria_file(pg_temp.csv(replace(csv, ',4,,floor=0', ',4,,floor=5')), NULL, 'F09.csv', true) FROM f09;
SELECT thidua.import_criteria_file(pg_temp.csv(replace(csv, ',4,,floor=0', ',4,,floor=zero')), NULL, 'F09.csv', true) FROM f09;
SELECT thidua.import_criteria_file(pg_temp.csv(replace(csv, '16,manual,', '16,manual,floor=0')), NULL, 'F09.csv', true) FROM f09;
SELECT thidua.import_criteria(thidua.export_criteria('nb/1') || '{"edition": "f"}'
	|| jsonb_build_object('items', jsonb_set(thidua.export_criteria('nb/1') -> 'items', '{8}',
		(thidua.export_criteria('nb/1') #> '{items,8}') || '{"floor": 0}')));

------------------------------------------------------------------------------
-- 5. Standard points of a capped per-event criterion: "0.5 per initiative, at
-- most 2" has max 2 (its standard points) and ceiling 2.
------------------------------------------------------------------------------
CREATE TEMP TABLE pe (doc jsonb);
INSERT INTO pe VALUES ($${
  "set": {"code": "pe", "name": "Per event"}, "edition": "1", "title": "Per event", "not_applicable": "full_points",
  "classes": [{"label": "A", "min": 9}, {"label": "B"}],
  "items": [
    {"code": "I", "kind": "section", "title": "I", "max": 10},
    {"code": "I.1", "parent": "I", "kind": "criterion", "title": "tasks", "rule": "manual", "max": 8},
    {"code": "I.2", "parent": "I", "kind": "criterion", "title": "initiatives (0.5 each)", "rule": "per_occurrence",
     "per": 0.5, "max": 2, "ceiling": 2}]}$$);
SELECT thidua.publish_version(thidua.import_criteria(doc)) FROM pe;
-- 5 initiatives: 2.5, capped at 2; 8 + 2 = 10.00. Not applicable, full points: the standard 2: 8 + 2 = 10.00.
SELECT thidua.score('pe/1', c, o, a) FROM (VALUES ('I.1', 8::numeric, true), ('I.2', 5, true)) v(c, o, a)
UNION ALL
SELECT thidua.score('pe/1', c, o, a) FROM (VALUES ('I.1', 8::numeric, true), ('I.2', NULL, false)) v(c, o, a);
-- checked: a ceiling, reachable standard points, no over-completion unless allowed, no deductions
SELECT thidua.import_criteria(jsonb_set(doc, '{items,2}', (doc #> '{items,2}') - 'ceiling'), true) FROM pe;
SELECT thidua.import_criteria(jsonb_set(doc, '{items,2,ceiling}', '1.5'), true) FROM pe;
SELECT thidua.import_criteria(jsonb_set(doc, '{items,2,ceiling}', '3'), true) FROM pe;
SELECT thidua.import_criteria(jsonb_set(doc, '{items,2,per}', '-0.5'), true) FROM pe;
-- with over-completion allowed, a ceiling above the standard points: 5 initiatives score 2.5
SELECT thidua.import_criteria(jsonb_set(doc, '{items,2,ceiling}', '3') || '{"edition": "2", "allow_over_completion": true}') FROM pe;
SELECT thidua.points('pe/2', 'I.2', 5);

------------------------------------------------------------------------------
-- Round trips and diffs: export then import gives the same version, in JSON
-- and in CSV; the new fields show in the exports and in the diff.
------------------------------------------------------------------------------
SELECT thidua.export_criteria_csv('dz/2025');
SELECT thidua.export_criteria_csv('na/exclude_and_rescale');
SELECT thidua.export_criteria_csv('pe/1');
CREATE TEMP TABLE trip AS SELECT unnest(ARRAY['na/exclude_and_rescale', 'na/silent', 'dz/2025', 'pe/1', 'pe/2', 'nb/1']) AS version;
SELECT version,
	thidua.import_criteria(thidua.export_criteria(version)
		|| jsonb_build_object('edition', 'json-' || split_part(version, '/', 2))) AS json_copy,
	thidua.import_criteria_file(pg_temp.csv(regexp_replace(thidua.export_criteria_csv(version),
		'\nversion,([^,]*),', E'\nversion,csv-\\1,')), 'csv', 'trip.csv') AS csv_copy
FROM trip ORDER BY version;
SELECT version,
	thidua.export_criteria(version) - 'edition' = thidua.export_criteria(replace(version, '/', '/json-')) - 'edition' AS json_same,
	thidua.export_criteria(version) - 'edition' = thidua.export_criteria(replace(version, '/', '/csv-')) - 'edition' AS csv_same
FROM trip ORDER BY version;
SELECT * FROM thidua.diff('na/exclude_and_rescale', 'na/full_points');
SELECT * FROM thidua.diff('na/silent', 'na/zero');
SELECT thidua.import_criteria_file(pg_temp.csv(replace(csv, ',4,,floor=0', ',4,,')), NULL, 'F09-nofloor.csv')
FROM (SELECT replace(csv, 'version,2025,', 'version,nofloor,') AS csv FROM f09) f;
SELECT * FROM thidua.diff('dz/nofloor', 'dz/2025');
SELECT * FROM thidua.diff('pe/1', 'pe/2');
-- a clone keeps the setting
SELECT thidua.clone_version('na/full_points', 'clone');
SELECT thidua.export_criteria('na/clone') ->> 'not_applicable';

DROP EXTENSION thidua;
