-- Criteria versions: import (JSON and CSV), validation errors that name the
-- file, line, item and field, round trips, the lifecycle and diff.
\set SHOW_CONTEXT never
CREATE EXTENSION thidua;
\set json `base64 -w0 test/fixtures/criteria/stp-2019.json`
\set csv `base64 -w0 test/fixtures/criteria/stp-2019.csv`

-- The shipped 2019 table: 9 sections (III with three sub-sections), 50 criteria.
SELECT thidua.import_criteria_file(decode(:'json', 'base64'), NULL, 'stp-2019.json');
SELECT kind, rule, count(*) FROM thidua.criteria_item WHERE version_code = 'stp/2019'
  GROUP BY kind, rule ORDER BY kind, rule;
SELECT version_code, status, criteria FROM thidua.criteria_versions;

-- The same table as CSV imports to the same content (under another edition).
SELECT thidua.import_criteria_file(
  convert_to(replace(convert_from(decode(:'csv', 'base64'), 'UTF8'), 'version,2019,', 'version,2019-csv,'), 'UTF8'),
  NULL, 'stp-2019.csv');
SELECT (thidua.export_criteria('stp/2019') - 'edition') = (thidua.export_criteria('stp/2019-csv') - 'edition')
  AS csv_equals_json;
-- export -> import reproduces the version exactly, in both formats
SELECT thidua.export_criteria_csv('stp/2019-csv') =
  replace(convert_from(decode(:'csv', 'base64'), 'UTF8'), 'version,2019,', 'version,2019-csv,') AS csv_round_trip;
CREATE TEMP TABLE exported AS SELECT thidua.export_criteria('stp/2019-csv') AS doc;
SELECT thidua.delete_draft('stp/2019-csv');
SELECT thidua.import_criteria((SELECT doc FROM exported));
SELECT thidua.export_criteria('stp/2019-csv') = (SELECT doc FROM exported) AS json_round_trip;
-- a byte-order mark and CRLF line ends are what spreadsheets write
SELECT thidua.import_criteria_file('\xefbbbf'::bytea || convert_to(replace(
  replace(convert_from(decode(:'csv', 'base64'), 'UTF8'), 'version,2019,', 'version,2019-bom,'), E'\n', E'\r\n'), 'UTF8'),
  'csv', 'excel.csv');
SELECT (thidua.export_criteria('stp/2019') - 'edition') = (thidua.export_criteria('stp/2019-bom') - 'edition')
  AS bom_crlf_equal;
-- semicolon-separated CSV (spreadsheets in comma-decimal locales)
SELECT thidua.import_criteria_file(convert_to(
$$kind;code;parent;title;max;rule;params
set;semi;;Semicolons;;;
version;1;;Tiêu đề;;;
class;A;;;;;
section;S;;Một phần;2;;
criterion;C1;S;Một tiêu chí;2;pass_fail;
$$, 'UTF8'), NULL, 'semi.csv');
-- Vietnamese text is stored in NFC: decomposed input (e + combining marks) is composed.
SELECT thidua.import_criteria_file(convert_to(
  'kind,code,parent,title,max,rule,params' || E'\n' || 'set,nfc,,Tie' || U&'\0302\0301' || 'u chi' || U&'\0301' || E',,,\n'
  || E'version,1,,V,,,\nclass,A,,,,,\nsection,S,,s,1,,\ncriterion,C,S,x,1,pass_fail,\n', 'UTF8'), NULL, 'nfc.csv');
SELECT name = U&'Ti\1EBFu ch\00ED' AS name_is_nfc, length(name) FROM thidua.criteria_set WHERE set_code = 'nfc';

-- Errors name the file, line, version, item and field, and store nothing.
SELECT thidua.import_criteria_file('\x6b696e642c636f64650a736574ff'::bytea, NULL, 'bad-utf8.csv');
SELECT thidua.import_criteria_file(convert_to('{"set": {"code": "x"},' || E'\n' || '"edition": }', 'UTF8'), NULL, 'broken.json');
SELECT thidua.import_criteria_file(convert_to(E'kind,code,parent,title,max,rule,params\nset,x,,X,,,\nversion,1,,V,,,\nclass,A,,,,,\ncriterion,C,,c,abc,manual,\n', 'UTF8'), NULL, 'bad-number.csv');
SELECT thidua.import_criteria_file(convert_to(E'kind,code,parent,title,max,rule,params\nset,x,,X,,,\nversion,1,,V,,,\nclass,A,,,,,\nsection,S,,s,5,,\ncriterion,C,S,c,2,bands,"bands=[0,10):1 | [5,20):2"\n', 'UTF8'), NULL, 'overlap.csv');
SELECT thidua.import_criteria_file(convert_to(E'kind,code,parent,title,max,rule,params\nset,x,,X,,,\nversion,1,,V,,,\nclass,A,,,,,\ncriterion,C,NOPE,c,2,manual,\n', 'UTF8'), NULL, 'parent.csv');
SELECT thidua.import_criteria_file(convert_to(E'kind,code,parent,title,max,rule,params\nset,x,,X,,,\nversion,1,,V,,,\nclass,A,,,,,\ncriterion,C,,c,2,proportional,target=0\n', 'UTF8'), NULL, 'target.csv');
SELECT thidua.import_criteria_file(convert_to(E'kind,code,parent,title,max,rule,params\nset,x,,X,,,\nversion,1,,V,,,\nclass,A,,,,,\ncriterion,C,,c,2,manual,\n"criterion,D,,d,2,manual,\n', 'UTF8'), NULL, 'quote.csv');
SELECT thidua.import_criteria_file(convert_to(E'kind,code\nwidget,x\n', 'UTF8'), NULL, 'kind.csv');
SELECT thidua.import_criteria_file(convert_to(E'kind,code,colour\n', 'UTF8'), NULL, 'column.csv');
SELECT thidua.import_criteria_file(convert_to('{}', 'UTF8'), 'xml', 'x.xml');
-- JSON: each rule of validation
CREATE FUNCTION try_import(doc jsonb) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  RETURN thidua.import_criteria(doc);
EXCEPTION WHEN OTHERS THEN
  RETURN SQLERRM;
END $$;
CREATE TEMP TABLE base AS SELECT '{"set": {"code": "v", "name": "V"}, "edition": "1", "title": "V",
  "classes": [{"label": "A", "min": 90}, {"label": "B", "min": 50}, {"label": "C"}],
  "tie_break": ["total"],
  "items": [{"code": "S", "kind": "section", "title": "S", "max": 10},
            {"code": "C", "parent": "S", "kind": "criterion", "title": "C", "rule": "manual", "max": 5}]}'::jsonb AS doc;
SELECT try_import(doc #- '{set,code}') FROM base;
SELECT try_import(jsonb_set(doc, '{edition}', '"has space"')) FROM base;
SELECT try_import(jsonb_set(doc, '{rounding_scale}', '7')) FROM base;
SELECT try_import(jsonb_set(doc, '{items,1,code}', '"S"')) FROM base;
SELECT try_import(jsonb_set(doc, '{items,1,max}', '-1')) FROM base;
SELECT try_import(jsonb_set(doc, '{items,1,max}', '1.005')) FROM base;
SELECT try_import(jsonb_set(doc, '{items,1,max}', '"5"')) FROM base;
SELECT try_import(jsonb_set(doc, '{items,1,rule}', '"fancy"')) FROM base;
SELECT try_import(jsonb_set(doc, '{items,1,colour}', '"red"')) FROM base;
SELECT try_import(jsonb_set(doc, '{items,1,target}', '5')) FROM base;
SELECT try_import(jsonb_set(jsonb_set(doc, '{items,1,rule}', '"proportional"'), '{items,1,target}', '100') || '{"x": 1}') FROM base;
SELECT try_import(jsonb_set(jsonb_set(doc, '{items,1,rule}', '"proportional"'), '{items,1,ceiling}', '6')) FROM base;
SELECT try_import(jsonb_set(jsonb_set(jsonb_set(doc, '{items,1,rule}', '"proportional"'), '{items,1,target}', '100'), '{items,1,ceiling}', '6')) FROM base;
SELECT try_import(jsonb_set(jsonb_set(doc, '{items,1,rule}', '"per_occurrence"'), '{items,1,per}', '1')) FROM base;
SELECT try_import(jsonb_set(jsonb_set(doc, '{items,1,rule}', '"bands"'), '{items,1,bands}',
  '[{"from": 10, "from_inclusive": true, "points": 1}, {"from": 5, "from_inclusive": true, "to": 10, "to_inclusive": true, "points": 0.5}]')) FROM base;
SELECT try_import(jsonb_set(jsonb_set(doc, '{items,1,rule}', '"bands"'), '{items,1,bands}',
  '[{"from": 1, "from_inclusive": true, "to": 2, "to_inclusive": true, "points": 1}, {"from": 5, "from_inclusive": true, "to": 6, "to_inclusive": true, "points": 1}, {"from": 3, "from_inclusive": true, "to": 4, "to_inclusive": true, "points": 1}]')) FROM base;
SELECT try_import(jsonb_set(jsonb_set(doc, '{items,1,rule}', '"bands"'), '{items,1,bands}',
  '[{"from": 1, "to": 2, "to_inclusive": true, "points": 1}]')) FROM base;
SELECT try_import(jsonb_set(jsonb_set(doc, '{items,1,rule}', '"bands"'), '{items,1,bands}',
  '[{"from": 1, "from_inclusive": true, "points": 6}]')) FROM base;
SELECT try_import(jsonb_set(doc, '{items,1,parent}', '"C"')) FROM base;
SELECT try_import(jsonb_set(doc, '{items,0,parent}', '"S"')) FROM base;
SELECT try_import(jsonb_set(doc, '{items}', '[{"code": "S", "kind": "section", "title": "S", "max": 10}]')) FROM base;
SELECT try_import(jsonb_set(doc, '{classes,1,min}', '95')) FROM base;
SELECT try_import(jsonb_set(doc, '{classes}', '[{"label": "A"}, {"label": "B", "min": 1}]')) FROM base;
SELECT try_import(doc || '{"veto": {"max_class": "Z"}}') FROM base;
SELECT try_import(jsonb_set(doc, '{tie_break}', '["total", "section:C"]')) FROM base;
SELECT try_import(jsonb_set(doc, '{tie_break}', '["bonus"]')) FROM base;
SELECT try_import(jsonb_set(doc, '{tie_break}', '["total", "total"]')) FROM base;
SELECT try_import(doc) FROM base;
SELECT try_import(doc) FROM base;
-- nothing partial was stored by the failures
SELECT set_code FROM thidua.criteria_set ORDER BY 1;

-- The lifecycle: publish (validated again), immutable, retire, clone; all recorded.
SELECT thidua.publish_version('stp/2019', 'Quyết định số 123/QĐ-STP');
UPDATE thidua.criteria_item SET max_points = 99 WHERE version_code = 'stp/2019' AND code = 'I.1';
DELETE FROM thidua.criteria_item WHERE version_code = 'stp/2019' AND code = 'I.1';
INSERT INTO thidua.criteria_item (version_code, code, position, kind, title, max_points, rule)
  VALUES ('stp/2019', 'X', 999, 'criterion', 'x', 1, 'manual');
UPDATE thidua.class_band SET lower_bound = 1 WHERE version_code = 'stp/2019' AND label = 'A';
UPDATE thidua.criteria_version SET title = 'changed' WHERE version_code = 'stp/2019';
UPDATE thidua.criteria_version SET status = 'draft' WHERE version_code = 'stp/2019';
DELETE FROM thidua.criteria_version WHERE version_code = 'stp/2019';
TRUNCATE thidua.criteria_item;
SELECT thidua.publish_version('stp/2019');
SELECT thidua.clone_version('stp/2019', '2020');
UPDATE thidua.criteria_item SET max_points = 2, title = 'Ban hành Kế hoạch (sửa đổi)'
  WHERE version_code = 'stp/2020' AND code = 'I.1';
UPDATE thidua.criteria_item SET max_points = 1 WHERE version_code = 'stp/2020' AND code = 'I.7';
DELETE FROM thidua.criteria_item WHERE version_code = 'stp/2020' AND code = 'IX.4';
INSERT INTO thidua.criteria_item (version_code, code, parent_code, position, kind, title, max_points, rule)
  VALUES ('stp/2020', 'IX.5', 'IX', 1000, 'criterion', 'Chuyển đổi số', 1, 'pass_fail');
UPDATE thidua.criteria_version SET rounding_scale = 1 WHERE version_code = 'stp/2020';
SELECT * FROM thidua.diff('stp/2019', 'stp/2020');
-- publishing validates the stored rows again: band points of 1.5 do not fit rounding scale 0,
-- and scoring the inconsistent draft says where it is wrong
UPDATE thidua.criteria_version SET rounding_scale = 0 WHERE version_code = 'stp/2020';
SELECT thidua.publish_version('stp/2020');
SELECT thidua.points('stp/2020', 'I.1', 1);
UPDATE thidua.criteria_version SET rounding_scale = 2 WHERE version_code = 'stp/2020';
SELECT thidua.retire_version('stp/2019', 'thay bằng 2020');
SELECT thidua.retire_version('stp/2019');
SELECT thidua.publish_version('nope/1');
SELECT version_code, from_status, to_status, note FROM thidua.criteria_version_event
  WHERE version_code IN ('stp/2019', 'stp/2020') ORDER BY event_id;
UPDATE thidua.criteria_version_event SET note = 'x';
-- a retired version still scores (for history) and still exports
SELECT thidua.points('stp/2019', 'VIII.1', 96), thidua.export_criteria('stp/2019') ->> 'edition' AS edition;

-- A draft is recompiled when it changes (the compiled cache follows the rows).
SELECT thidua.points('stp/2020', 'I.1', 1) AS before_change;
UPDATE thidua.criteria_item SET max_points = 1 WHERE version_code = 'stp/2020' AND code = 'I.1';
SELECT thidua.points('stp/2020', 'I.1', 1) AS after_change;
DROP FUNCTION try_import(jsonb);
DROP EXTENSION thidua;
