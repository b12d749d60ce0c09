-- Spreadsheet files: the one reader every import goes through (_csv_rows,
-- _csv_number_text, _csv_decimal, _csv_date), score and criteria files as text
-- and as bytes from SQL, the field cases F03 (";" file with decimal commas) and
-- F05 (Excel's padding), errors naming file:line and column with nothing
-- stored, numbers written 1e2, codes a spreadsheet would merge, CSV output
-- with a byte-order mark and neutralised formulas, progress NOTICEs.
\set SHOW_CONTEXT never
CREATE EXTENSION thidua;
\set base_criteria `cat test/fixtures/spreadsheets/base-criteria.csv`
SELECT thidua.publish_version(thidua.import_criteria_file(:'base_criteria', NULL, 'base-criteria.csv'));
\i test/fixtures/spreadsheets/base-setup.sql
CREATE FUNCTION pg_temp.stored() RETURNS TABLE (unit text, judge text, criterion text, observed numeric, points numeric)
	LANGUAGE sql AS $$
	SELECT e.unit_code, e.judge_code, o.criterion_code, o.observed, thidua.points('fld/2024', o.criterion_code, o.observed)
	FROM thidua.observation o JOIN thidua.evaluation e USING (evaluation_id) ORDER BY 1, 2, 3
$$;

-- The reader itself: separator from the header, BOM, CRLF, padding rows and
-- columns ignored, cells trimmed, empty as NULL, columns by name in any order.
SELECT * FROM thidua._csv_rows(E'\uFEFFB;a;;\r\n;;;\r\n x ; 1,5 ;;\r\n;;;\r\n', 'f.csv', '{a,b,c}', '{a}');
SELECT * FROM thidua._csv_rows(E'a\tb\n1\t"x\ty"\n', 'tab.tsv', '{a,b}', NULL);
-- the apostrophe thidua's CSV output puts before a formula-like text comes off
SELECT cells FROM thidua._csv_rows(E'a\n''=SUM(A1)\n''-x\n''''+y\n''plain\n-2\n', 'f.csv', '{a}', NULL);
-- each error names file:line and column
SELECT * FROM thidua._csv_rows('', 'empty.csv', '{a,b}', '{a}');
SELECT * FROM thidua._csv_rows(E'a,b\n,,\n', 'header-only.csv', '{a,b}', '{a}');
SELECT * FROM thidua._csv_rows(E'a,x\n1,2\n', 'f.csv', '{a,b}', NULL);
SELECT * FROM thidua._csv_rows(E'a,A\n1,2\n', 'f.csv', '{a,b}', NULL);
SELECT * FROM thidua._csv_rows(E'b\n1\n', 'f.csv', '{a,b}', '{a}');
SELECT * FROM thidua._csv_rows(E'a,b\n1,\n\n,2\n', 'f.csv', '{a,b}', '{a}');
SELECT * FROM thidua._csv_rows(E'a,b\n1,2,3\n', 'f.csv', '{a,b}', NULL);
SELECT * FROM thidua._csv_rows(E'a,,b\n1,x,2\n', 'f.csv', '{a,b}', NULL);

-- Numbers: one rule for every import.
SELECT v, s, thidua._csv_number_text(v, s)
FROM (VALUES ('83,4', ';'), ('83,4', E'\t'), ('83,4', ','), ('83.4', ';'), (' -2 ', ','), ('1e2', ','),
			 ('1,5E-1', ';'), ('.5', ','), ('5.', ','), ('1.234,5', ';'), ('1e1234', ','), ('e2', ','),
			 ('', ','), ('12 3', ',')) AS t(v, s);
SELECT thidua._csv_decimal('83,4', ';', 'f.csv', 2, 'observed'), thidua._csv_decimal('1e2', ',', 'f.csv', 2, 'observed');
SELECT thidua._csv_decimal('83,4', ',', 'f.csv', 2, 'observed');
SELECT thidua._csv_decimal('8 3', ';', 'f.csv', 2, 'observed');
SELECT thidua._csv_date('15/03/2024', 'f.csv', 2, 'signed_on'), thidua._csv_date('2024-03-15', 'f.csv', 2, 'signed_on');
SELECT thidua._csv_date('30/02/2024', 'f.csv', 2, 'signed_on');

-- F03: Excel on a Vietnamese-locale Windows (";", decimal comma, BOM, CRLF),
-- loaded from psql as a client without file access would. By hand (fld/2024):
-- I.2 bands (95,):1.5 | [75,95]:1 | [50,75):0.5, so 83.4 gets 1; I.1 pass_fail
-- max 2, so 1 gets 2. U1's self total 1.00, U2's peer score of U1 2 + 1 = 3.00.
\set f `cat test/fixtures/spreadsheets/F03-scores-semicolon.csv`
SELECT thidua.import_scores('k1', '2024', :'f', 'F03-scores-semicolon.csv');
SELECT * FROM pg_temp.stored();
SELECT e.unit_code, e.judge_code, thidua.score('fld/2024', o.criterion_code, o.observed)
FROM thidua.observation o JOIN thidua.evaluation e USING (evaluation_id) GROUP BY 1, 2 ORDER BY 1, 2;
DELETE FROM thidua.observation;
DELETE FROM thidua.evaluation;

-- F05: Excel's padding columns and rows of bare separators are not data.
\set f `cat test/fixtures/spreadsheets/F05-scores-trailing-cols.csv`
SELECT thidua.import_scores('k1', '2024', :'f', 'F05-scores-trailing-cols.csv');
DELETE FROM thidua.observation;
\set f `cat test/fixtures/spreadsheets/F05-scores-empty-row.csv`
SELECT thidua.import_scores('k1', '2024', :'f', 'F05-scores-empty-row.csv');
SELECT * FROM pg_temp.stored();
DELETE FROM thidua.observation;
DELETE FROM thidua.evaluation;
\set f `cat test/fixtures/spreadsheets/F05-criteria-trailing-cols.csv`
SELECT thidua.import_criteria_file(:'f', NULL, 'F05-criteria-trailing-cols.csv');
SELECT code, kind, max_points, rule FROM thidua.criteria_item WHERE version_code = 'xl/2024' ORDER BY position;

-- Bad score files: each error names file:line and the column or field; nothing is stored.
SELECT thidua.import_scores('k1', '2024', E'unit,judge,criterion,observed,evidence,\nU2,self,I.1,1,,x\n', 'under-empty-header.csv');
SELECT thidua.import_scores('k1', '2024', E'unit,judge,criterion,observed\nU1,self,I.1,1\nU1,U2,I.2,\n', 'empty-cell.csv');
SELECT thidua.import_scores('k1', '2024', E'unit,judge,criterion,observed\nU1,self,I.1,1\nU1,,I.2,80\n', 'empty-judge.csv');
SELECT thidua.import_scores('k1', '2024', E'unit,judge,criterion,observed\nU1,self,I.1,1\nU1,self,I.9,1\n', 'unknown-criterion.csv');
SELECT thidua.import_scores('k1', '2024', E'unit,judge,criterion,observed\nU1,self,I.1,1\nU1,self,I,8\n', 'section.csv');
SELECT thidua.import_scores('k1', '2024', E'\uFEFFunit,judge,criterion,observed,evidence\r\n,,,,\r\n', 'header-only.csv');
SELECT thidua.import_scores('k1', '2024', E'unit,judge,criterion,observed\nU1,self,I.2,"83,4"\n', 'comma-decimal.csv');
SELECT thidua.import_scores('k1', '2024', E'unit,judge,criterion\nU1,self,I.2\n', 'no-observed.csv');
SELECT thidua.import_scores('k1', '2024', E'unit,judge,criterion,observed\nU1,self,I.1,1\nU3,self,I.1,1\n', 'member.csv');
SELECT thidua.import_scores('k1', '2024', E'unit,judge,criterion,observed\nU1,U1,I.1,1\n', 'itself.csv');
SELECT thidua.import_scores('k1', '2024', E'unit,judge,criterion,observed\nU1,self,I.1,1\nU1,self,I.2,50\nU1,self,I.1,0\n', 'twice.csv');
SELECT thidua.import_scores('k1', '2024', E'unit,judge,criterion,observed\nU1,self,I.2,50\nU1,self,I.1,0.5\n', 'rule.csv');
SELECT thidua.import_scores('k9', '2024', E'unit,judge,criterion,observed\nU1,self,I.1,1\n', 'bloc.csv');
SELECT thidua.import_scores('k1', '2024', NULL::text, 'null.csv');
SELECT thidua.import_scores('k1', '2024', '\x756e69742c6a756467652c637269746572696f6e2c6f627365727665640a55312c73656c662c492e312c310a55ff2c73656c662c492e322c310a'::bytea, 'latin1.csv');
SELECT count(*) AS stored_after_bad_files FROM thidua.observation;

-- Numbers written 1e2 are read exactly, in ";" and tab files with decimal commas too.
SELECT thidua.import_scores('k1', '2024', convert_to(E'unit\tjudge\tcriterion\tobserved\nU1\tself\tI.2\t8,34e1\nU1\tU2\tI.2\t1e2\n', 'UTF8'), 'tab.tsv');
SELECT * FROM pg_temp.stored();
-- a stored score is never overwritten
SELECT thidua.import_scores('k1', '2024', E'unit,judge,criterion,observed\nU2,self,I.1,1\nU1,self,I.2,80\n', 'again.csv');
DELETE FROM thidua.observation;
DELETE FROM thidua.evaluation;

-- The staged-table entry point of 0.5.0 still works.
CREATE TEMP TABLE score_import (line bigint GENERATED ALWAYS AS IDENTITY (START WITH 2), unit text NOT NULL,
	judge text NOT NULL, criterion text NOT NULL, observed numeric NOT NULL, evidence text);
INSERT INTO score_import (unit, judge, criterion, observed) VALUES ('U1', 'self', 'I.1', 1), ('U1', 'self', 'I.2', 96);
SELECT thidua.import_scores('k1', '2024', 'staged.csv');
SELECT * FROM pg_temp.stored();
TRUNCATE score_import RESTART IDENTITY;
INSERT INTO score_import (unit, judge, criterion, observed) VALUES ('U2', 'self', 'I.1', 1), ('U2', 'self', 'I.9', 1);
SELECT thidua.import_scores('k1', '2024', 'staged.csv');
DROP TABLE score_import;
DELETE FROM thidua.observation;
DELETE FROM thidua.evaluation;

-- Progress NOTICEs only when asked for (the CLI's progress bar).
SET thidua.progress = on;
SELECT thidua.import_scores('k1', '2024', E'unit,judge,criterion,observed\nU1,self,I.1,1\n', 'progress.csv');
RESET thidua.progress;
DELETE FROM thidua.observation;
DELETE FROM thidua.evaluation;

-- Criteria CSV through the same reader: ";" files with decimal commas, 1e2,
-- errors with line and column.
SELECT thidua.import_criteria_file(E'kind;code;parent;title;max;rule;params\nset;sc;;S;;;\nversion;1;;V;;;rounding_scale=2\nclass;A;;;;;min=1e1\nclass;D;;;;;\nsection;S;;s;1,5e1;;\ncriterion;S.1;S;c;1,5;proportional;target=1e2\ncriterion;S.2;S;d;;per_occurrence;"per=-0,5; floor=-2"\n', NULL, 'semicolon.csv');
SELECT code, max_points, params FROM thidua.criteria_item WHERE version_code = 'sc/1' ORDER BY position;
SELECT label, lower_bound FROM thidua.class_band WHERE version_code = 'sc/1' ORDER BY position;
SELECT thidua.import_criteria_file(E'kind,code,parent,title,max,rule,params\nset,x,,X,,,\nversion,1,,V,,,\nclass,A,,,,,\ncriterion,C,,c,"1,5",manual,\n', NULL, 'comma.csv');
SELECT thidua.import_criteria_file(E'kind,code,parent,title,max,rule,params\nset,x,,X,,,\nversion,1,,V,,,\n,A,,,,,\n', NULL, 'no-kind.csv');
SELECT thidua.import_criteria_file(E'kind,code,parent,title,max,rule,params,\nset,x,,X,,,,oops\n', NULL, 'padding.csv');
SELECT thidua.import_criteria_file(E'kind,code,parent,title,max,rule,params\n', NULL, 'header-only.csv');
-- JSON numbers written 1e2 are the same numbers
SELECT thidua.import_criteria_file('{"set": {"code": "js", "name": "J"}, "edition": "1", "title": "T", "classes": [{"label": "A", "min": 9e1}],
	"items": [{"code": "S", "kind": "section", "title": "s", "max": 1e1}, {"code": "S.1", "parent": "S", "kind": "criterion",
	"title": "c", "rule": "proportional", "max": 5E0, "target": 1e2}]}', 'json', 'exponent.json');
SELECT code, max_points, params FROM thidua.criteria_item WHERE version_code = 'js/1' ORDER BY position;

-- Codes a spreadsheet reads as one number (1.1 and 1.10) in one document.
SELECT thidua.import_criteria_file(E'kind,code,parent,title,max,rule,params\nset,z,,Z,,,\nversion,1,,V,,,\nclass,A,,,,,\nsection,1,,s,4,,\ncriterion,1.1,1,a,2,manual,\ncriterion,1.10,1,b,2,manual,\n', NULL, 'zeros.csv');
SELECT thidua.import_criteria('{"set": {"code": "z", "name": "Z"}, "edition": "1", "title": "T", "classes": [{"label": "A"}],
	"items": [{"code": "2", "kind": "section", "title": "s", "max": 4}, {"code": "2.0", "parent": "2", "kind": "criterion",
	"title": "a", "rule": "manual", "max": 2}]}');
-- I.1 and I.10 are text to a spreadsheet: both kept
SELECT thidua.import_criteria_file(E'kind,code,parent,title,max,rule,params\nset,z,,Z,,,\nversion,1,,V,,,\nclass,A,,,,,\nsection,I,,s,4,,\ncriterion,I.1,I,a,2,manual,\ncriterion,I.10,I,b,2,manual,\n', NULL, 'text-codes.csv');

-- CSV output: a byte-order mark; text a spreadsheet would run as a formula is
-- neutralised, numbers are not; exported and imported back gives the same version.
SELECT thidua.import_criteria_file(E'kind,code,parent,title,max,rule,params\nset,fx,,"=HYPERLINK(""http://x"")",,,\nversion,1,,+ Bảng,,,\nclass,A,,@ Tốt,,,min=90\nclass,D,,- Còn lại,,,\nsection,I,,-Mục I,10,,\ncriterion,I.1,I,''- đã có dấu,,per_occurrence,per=-2; floor=-10\n', NULL, 'formulas.csv');
SELECT thidua.export_criteria_csv('fx/1');
SELECT left(thidua.export_criteria_csv('fx/1'), 1) = U&'\FEFF' AS starts_with_bom;
SELECT v, thidua._csv_field(v) FROM (VALUES ('-2'), ('+1.5'), ('-x'), ('=1+2'), ('@A1'), ('''=x'), ('a=b')) AS t(v);
SELECT thidua.import_criteria_file(replace(thidua.export_criteria_csv('fx/1'), 'version,1,', 'version,2,'), NULL, 'fx-1.csv');
SELECT thidua.export_criteria('fx/2') - 'edition' = thidua.export_criteria('fx/1') - 'edition' AS same_version,
	thidua.export_criteria('fx/2') #>> '{set,name}' AS set_name, thidua.export_criteria('fx/2') ->> 'title' AS title;
SELECT item, change FROM thidua.diff('fx/1', 'fx/2');
