-- Every structural rule of a criteria document (README, "Criteria tables"):
-- where criteria, sections, bonus and penalty may sit, how many of each, what
-- a parent may be. Each is broken alone, in JSON and in CSV at import, and by a
-- hand edit of a valid draft at publish; every error names the item and field.
\set SHOW_CONTEXT never
\set VERBOSITY terse
CREATE EXTENSION thidua;

-- The valid base: a section with a criterion and a sub-section, a bonus and a
-- penalty section, each with a criterion.
CREATE TEMP TABLE base_csv (content text);
INSERT INTO base_csv VALUES ($$kind,code,parent,title,max,rule,params
set,st,,Bảng thử cấu trúc,,,
version,1,,Bảng thử cấu trúc năm 1,,,
class,A,,Tốt,,,min=5
class,B,,Còn lại,,,
section,I,,Phần I,10,,
criterion,I.1,I,Tiêu chí một,5,manual,
section,I.A,I,Mục I.A,3,,
criterion,I.A.1,I.A,Tiêu chí A một,3,pass_fail,
bonus,B,,Điểm thưởng,2,,
criterion,B.1,B,Sáng kiến,2,manual,
penalty,P,,Điểm trừ,2,,
criterion,P.1,P,Báo cáo chậm,2,manual,
$$);

-- What an import or a publication says: 'accepted' or the error. Nothing stays.
CREATE FUNCTION pg_temp.import_csv(content text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	PERFORM thidua.import_criteria_file(convert_to(content, 'UTF8'), NULL, 'structure.csv');
	RAISE EXCEPTION 'accepted' USING ERRCODE = 'P0099';
EXCEPTION
	WHEN SQLSTATE 'P0099' THEN RETURN 'accepted';
	WHEN OTHERS THEN RETURN SQLERRM;
END
$$;
CREATE FUNCTION pg_temp.import_json(doc jsonb) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	PERFORM thidua.import_criteria_file(convert_to(doc::text, 'UTF8'), NULL, 'structure.json');
	RAISE EXCEPTION 'accepted' USING ERRCODE = 'P0099';
EXCEPTION
	WHEN SQLSTATE 'P0099' THEN RETURN 'accepted';
	WHEN OTHERS THEN RETURN SQLERRM;
END
$$;
-- Edits the draft st/1 by hand, then publishes it; both undone.
CREATE FUNCTION pg_temp.publish_after(edit text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE edit;
	PERFORM thidua.publish_version('st/1');
	RAISE EXCEPTION 'published' USING ERRCODE = 'P0099';
EXCEPTION
	WHEN SQLSTATE 'P0099' THEN RETURN 'published';
	WHEN OTHERS THEN RETURN SQLERRM;
END
$$;
-- The base document with one item changed (a null field: removed), items
-- added, or an item removed.
CREATE FUNCTION pg_temp.with_item(doc jsonb, code text, patch jsonb) RETURNS jsonb LANGUAGE sql AS $$
	SELECT jsonb_set(doc, '{items}', (SELECT jsonb_agg(CASE WHEN i ->> 'code' = code
		THEN jsonb_strip_nulls(i || patch) ELSE i END ORDER BY n)
		FROM jsonb_array_elements(doc -> 'items') WITH ORDINALITY AS x(i, n)))
$$;
CREATE FUNCTION pg_temp.plus_items(doc jsonb, items jsonb) RETURNS jsonb LANGUAGE sql AS $$
	SELECT jsonb_set(doc, '{items}', (doc -> 'items') || items)
$$;
CREATE FUNCTION pg_temp.without_items(doc jsonb, kind text) RETURNS jsonb LANGUAGE sql AS $$
	SELECT jsonb_set(doc, '{items}', (SELECT jsonb_agg(i ORDER BY n)
		FROM jsonb_array_elements(doc -> 'items') WITH ORDINALITY AS x(i, n) WHERE i ->> 'kind' <> kind))
$$;
-- The base CSV with a line replaced, or lines added at the end.
CREATE FUNCTION pg_temp.csv_with(old text, new text) RETURNS text LANGUAGE sql AS $$
	SELECT CASE WHEN strpos(content, old || E'\n') > 0 THEN replace(content, old || E'\n', new || E'\n')
				ELSE 'the base has no line ' || old END FROM base_csv
$$;

-- The base is valid in both formats, and its draft publishes.
SELECT pg_temp.import_csv(content) AS csv_base FROM base_csv;
SELECT thidua.import_criteria_file(convert_to(content, 'UTF8'), NULL, 'structure.csv') FROM base_csv;
CREATE TEMP TABLE base AS SELECT thidua.export_criteria('st/1') || '{"edition": "j"}' AS doc;
SELECT pg_temp.import_json(doc) AS json_base FROM base;
SELECT pg_temp.publish_after('SELECT 1') AS publish_base;

-- 1. Codes are unique. (At publish the primary key already refuses a second row.)
SELECT pg_temp.import_json(pg_temp.plus_items(doc, '[{"code": "I.1", "parent": "I", "kind": "criterion", "title": "again", "rule": "manual", "max": 1}]')) FROM base;
SELECT pg_temp.import_csv(pg_temp.csv_with('criterion,I.A.1,I.A,Tiêu chí A một,3,pass_fail,',
	E'criterion,I.A.1,I.A,Tiêu chí A một,3,pass_fail,\ncriterion,I.1,I,again,1,manual,'));
SELECT pg_temp.publish_after($$INSERT INTO thidua.criteria_item (version_code, code, parent_code, position, kind, title, max_points, rule)
	VALUES ('st/1', 'I.1', 'I', 100, 'criterion', 'again', 1, 'manual')$$);

-- 2. A parent exists.
SELECT pg_temp.import_json(pg_temp.with_item(doc, 'I.1', '{"parent": "IX"}')) FROM base;
SELECT pg_temp.import_csv(pg_temp.csv_with('criterion,I.1,I,Tiêu chí một,5,manual,', 'criterion,I.1,IX,Tiêu chí một,5,manual,'));
SELECT pg_temp.publish_after($$UPDATE thidua.criteria_item SET parent_code = 'IX' WHERE version_code = 'st/1' AND code = 'I.1'$$);

-- 3. A parent is a section (the bonus and penalty sections included), never a criterion.
SELECT pg_temp.import_json(pg_temp.with_item(doc, 'I.A.1', '{"parent": "I.1"}')) FROM base;
SELECT pg_temp.import_csv(pg_temp.csv_with('criterion,I.A.1,I.A,Tiêu chí A một,3,pass_fail,', 'criterion,I.A.1,I.1,Tiêu chí A một,3,pass_fail,'));
SELECT pg_temp.publish_after($$UPDATE thidua.criteria_item SET parent_code = 'I.1' WHERE version_code = 'st/1' AND code = 'I.A.1'$$);

-- 4. No cycles: section I inside its own sub-section.
SELECT pg_temp.import_json(pg_temp.with_item(doc, 'I', '{"parent": "I.A"}')) FROM base;
SELECT pg_temp.import_csv(pg_temp.csv_with('section,I,,Phần I,10,,', 'section,I,I.A,Phần I,10,,'));
SELECT pg_temp.publish_after($$UPDATE thidua.criteria_item SET parent_code = 'I.A' WHERE version_code = 'st/1' AND code = 'I'$$);

-- 5. No empty section.
SELECT pg_temp.import_json(pg_temp.plus_items(doc, '[{"code": "II", "kind": "section", "title": "empty", "max": 1}]')) FROM base;
SELECT pg_temp.import_csv(pg_temp.csv_with('penalty,P,,Điểm trừ,2,,', E'section,II,,empty,1,,\npenalty,P,,Điểm trừ,2,,'));
SELECT pg_temp.publish_after($$DELETE FROM thidua.criteria_item WHERE version_code = 'st/1' AND code = 'I.A.1'$$);

-- 6. A criterion stands under a section, never at the top level.
SELECT pg_temp.import_json(pg_temp.with_item(doc, 'I.1', '{"parent": null}')) FROM base;
SELECT pg_temp.import_csv(pg_temp.csv_with('criterion,I.1,I,Tiêu chí một,5,manual,', 'criterion,I.1,,Tiêu chí một,5,manual,'));
SELECT pg_temp.publish_after($$UPDATE thidua.criteria_item SET parent_code = NULL WHERE version_code = 'st/1' AND code = 'I.1'$$);

-- 7. The bonus section stands at the top level.
SELECT pg_temp.import_json(pg_temp.with_item(doc, 'B', '{"parent": "I"}')) FROM base;
SELECT pg_temp.import_csv(pg_temp.csv_with('bonus,B,,Điểm thưởng,2,,', 'bonus,B,I,Điểm thưởng,2,,'));
SELECT pg_temp.publish_after($$UPDATE thidua.criteria_item SET parent_code = 'I' WHERE version_code = 'st/1' AND code = 'B'$$);

-- 8. The penalty section stands at the top level.
SELECT pg_temp.import_json(pg_temp.with_item(doc, 'P', '{"parent": "I"}')) FROM base;
SELECT pg_temp.import_csv(pg_temp.csv_with('penalty,P,,Điểm trừ,2,,', 'penalty,P,I,Điểm trừ,2,,'));
SELECT pg_temp.publish_after($$UPDATE thidua.criteria_item SET parent_code = 'I' WHERE version_code = 'st/1' AND code = 'P'$$);

-- 9. One bonus section: the error names the second one.
SELECT pg_temp.import_json(pg_temp.plus_items(doc, '[{"code": "B2", "kind": "bonus", "title": "more", "max": 1},
	{"code": "B2.1", "parent": "B2", "kind": "criterion", "title": "more", "rule": "manual", "max": 1}]')) FROM base;
SELECT pg_temp.import_csv(pg_temp.csv_with('penalty,P,,Điểm trừ,2,,', E'bonus,B2,,more,1,,\ncriterion,B2.1,B2,more,1,manual,\npenalty,P,,Điểm trừ,2,,'));
SELECT pg_temp.publish_after($$INSERT INTO thidua.criteria_item (version_code, code, parent_code, position, kind, title, max_points, rule)
	VALUES ('st/1', 'B2', NULL, 100, 'bonus', 'more', 1, NULL), ('st/1', 'B2.1', 'B2', 101, 'criterion', 'more', 1, 'manual')$$);

-- 10. One penalty section: the error names the second one.
SELECT pg_temp.import_json(pg_temp.plus_items(doc, '[{"code": "P2", "kind": "penalty", "title": "more", "max": 1},
	{"code": "P2.1", "parent": "P2", "kind": "criterion", "title": "more", "rule": "manual", "max": 1}]')) FROM base;
SELECT pg_temp.import_csv(content || E'penalty,P2,,more,1,,\ncriterion,P2.1,P2,more,1,manual,\n') FROM base_csv;
SELECT pg_temp.publish_after($$INSERT INTO thidua.criteria_item (version_code, code, parent_code, position, kind, title, max_points, rule)
	VALUES ('st/1', 'P2', NULL, 100, 'penalty', 'more', 1, NULL), ('st/1', 'P2.1', 'P2', 101, 'criterion', 'more', 1, 'manual')$$);

-- 11. At least one criterion (there is no item to name: the field is "items").
SELECT pg_temp.import_json(pg_temp.without_items(doc, 'criterion')) FROM base;
SELECT pg_temp.import_csv(string_agg(l, E'\n') || E'\n') FROM base_csv, regexp_split_to_table(rtrim(content, E'\n'), E'\n') l
	WHERE l NOT LIKE 'criterion,%';
SELECT pg_temp.publish_after($$DELETE FROM thidua.criteria_item WHERE version_code = 'st/1' AND kind = 'criterion'$$);

-- 12. Items are objects: the error names the item by its place.
SELECT pg_temp.import_json(pg_temp.plus_items(doc, '["I.9"]')) FROM base;

-- 13. At publish, an item's params hold rule parameters only: a hand-edited
-- "parent" there would show validation another item than the one stored.
SELECT pg_temp.publish_after($$UPDATE thidua.criteria_item SET parent_code = NULL, params = '{"parent": "I"}'
	WHERE version_code = 'st/1' AND code = 'I.1'$$);
SELECT pg_temp.publish_after($$UPDATE thidua.criteria_item SET params = '[1]' WHERE version_code = 'st/1' AND code = 'I.1'$$);

-- Nothing was stored by the refused imports and publications.
SELECT version_code, status FROM thidua.criteria_version ORDER BY 1;
SELECT thidua.publish_version('st/1');
SELECT version_code, status FROM thidua.criteria_version ORDER BY 1;
DROP EXTENSION thidua;
