-- Vietnamese text: names and titles stored in Unicode NFC whatever the route,
-- names that sort in Vietnamese wherever they are returned, and the length
-- limits of names (300 characters) and titles (1000). Case F06: a unit name
-- typed decomposed (NFD, as macOS and Word send it), and two tied units.
\set SHOW_CONTEXT never
\set VERBOSITY terse
CREATE EXTENSION thidua;
-- The server has the Vietnamese collation (ICU), as Debian's PostgreSQL does.
SELECT count(*) AS vietnamese_collation FROM pg_collation WHERE collname = 'vi-x-icu';

-- F06's set-up: its base criteria table (CSV), published, and a zone of two units.
SELECT thidua.import_criteria_file(convert_to($$kind,code,parent,title,max,rule,params
set,fld,,Bảng cơ sở cho các ca thử hiện trường,,,
version,2024,,Bảng cơ sở năm 2024,,,rounding_scale=2; tie_break=total
class,A,,Xuất sắc,,,min=90
class,D,,Còn lại,,,
section,I,,Ứng dụng CNTT,10,,
criterion,I.1,I,Có kế hoạch ứng dụng CNTT trong năm,2,pass_fail,
criterion,I.2,I,Tỷ lệ văn bản gửi đi có ký số (%),1.5,bands,"bands=(95,):1.5 | [75,95]:1 | [50,75):0.5; otherwise=0"
$$, 'UTF8'), NULL, '_base-criteria.csv');
SELECT thidua.publish_version('fld/2024');
INSERT INTO thidua.unit (unit_code, name) VALUES ('U1', 'Đơn vị Một'), ('U2', 'Đơn vị Hai');
INSERT INTO thidua.period (period_code, year) VALUES ('2024', 2024);
INSERT INTO thidua.bloc VALUES ('k1', 'Cụm thử', 'zone');
INSERT INTO thidua.bloc_period VALUES ('k1', '2024', 'fld/2024', 'mean', 0, 1);
INSERT INTO thidua.bloc_member (bloc_code, period_code, unit_code, role)
	VALUES ('k1', '2024', 'U1', 'head'), ('k1', '2024', 'U2', 'member');

-- F06: the unit name arrives decomposed; it is stored composed, and found when typed composed.
INSERT INTO thidua.unit (unit_code, name) VALUES ('U5', normalize('Sở Tư pháp Bến Tre', NFD));
SELECT name = normalize(name, NFC) AS stored_nfc, length(name) FROM thidua.unit WHERE unit_code = 'U5';
SELECT count(*) FROM thidua.unit WHERE name = 'Sở Tư pháp Bến Tre';
INSERT INTO thidua.bloc VALUES ('k6', 'Cụm thử thứ tự', 'zone');
INSERT INTO thidua.bloc_period VALUES ('k6', '2024', 'fld/2024', 'mean', 0, 1);
INSERT INTO thidua.bloc_member (bloc_code, period_code, unit_code, role) VALUES ('k6','2024','U1','head'), ('k6','2024','U5','member');
-- the score file U1,U5,I.1,1 and U5,U1,I.1,1: each scores the other full marks, a tie
INSERT INTO thidua.evaluation (bloc_code, period_code, unit_code, stage, judge_code)
	VALUES ('k6', '2024', 'U1', 'peer', 'U5'), ('k6', '2024', 'U5', 'peer', 'U1');
INSERT INTO thidua.observation (evaluation_id, criterion_code, observed)
	SELECT evaluation_id, 'I.1', 1 FROM thidua.evaluation WHERE bloc_code = 'k6';
-- Tied units in Vietnamese order (Đ before S), whichever way they are read:
SELECT rank, unit_code, unit_name, final_total FROM thidua.standings('k6', '2024');
SELECT rank, unit_code, unit_name FROM thidua.current_standings WHERE bloc_code = 'k6' ORDER BY rank, unit_name;
SELECT thidua.publish_standings('k6', '2024');
SELECT rank, unit_code, unit_name FROM thidua.published_standings WHERE bloc_code = 'k6' ORDER BY rank, unit_name;
SELECT rank, unit_code, unit_name FROM thidua.standing_row WHERE bloc_code = 'k6' ORDER BY rank, unit_name;
-- (byte order, which these columns used to sort in, puts S first)
SELECT unit_name FROM thidua.current_standings WHERE bloc_code = 'k6' ORDER BY unit_name COLLATE "C";
-- The collation the name columns of the functions and views carry.
SELECT attrelid::regclass, attname, collname FROM pg_attribute a JOIN pg_collation c ON c.oid = a.attcollation
	WHERE attrelid IN ('thidua.current_standings'::regclass, 'thidua.published_standings'::regclass,
					   'thidua.standing_row'::regclass, 'thidua.unit'::regclass, 'thidua.bloc'::regclass,
					   'thidua.individual'::regclass, 'thidua.criteria_set'::regclass,
					   'thidua.criteria_version'::regclass, 'thidua.criteria_versions'::regclass)
	  AND attname IN ('name', 'unit_name', 'full_name', 'title')
	ORDER BY 1::text, 2;
-- Vietnamese order in full: A Ă Â B C D Đ E Ê ... O Ô Ơ ... U Ư, tones after the letter.
SELECT string_agg(n, ' ' ORDER BY n::thidua.vietnamese_text) AS vietnamese_order
	FROM unnest(ARRAY['Ư', 'Đà', 'Dương', 'Âu', 'Ăn', 'An', 'Bình', 'Ơn', 'Ôn', 'On', 'Út', 'Uy', 'Ê', 'Em', 'Cà', 'Ca']) n;

-- Every route stores names and titles in NFC: INSERT, UPDATE, COPY, the functions.
UPDATE thidua.unit SET name = normalize('Sở Tư pháp tỉnh Bến Tre', NFD) WHERE unit_code = 'U2';
SELECT unit_code, name IS NFC NORMALIZED AS nfc, name = 'Sở Tư pháp tỉnh Bến Tre' AS found FROM thidua.unit WHERE unit_code = 'U2';
COPY thidua.unit (unit_code, name) FROM stdin;
U7	Phòng Tư pháp huyện Cao Lãnh
\.
SELECT unit_code, name IS NFC NORMALIZED AS nfc, name = 'Phòng Tư pháp huyện Cao Lãnh' AS found FROM thidua.unit WHERE unit_code = 'U7';
INSERT INTO thidua.individual VALUES ('P1', normalize('Nguyễn Thị Hường', NFD), 'female', NULL);
INSERT INTO thidua.post_held VALUES ('P1', 'U1', normalize('Phó Giám đốc', NFD), '2020-01-01', NULL);
INSERT INTO thidua.bloc VALUES ('k7', normalize('Khối thi đua số 6', NFD), 'bloc');
UPDATE thidua.bloc SET name = normalize('Cụm thi đua Tây Nam Bộ', NFD) WHERE bloc_code = 'k1';
SELECT 'individual' AS route, full_name IS NFC NORMALIZED AS nfc FROM thidua.individual
UNION ALL SELECT 'post_held', post IS NFC NORMALIZED FROM thidua.post_held
UNION ALL SELECT 'bloc ' || bloc_code, name IS NFC NORMALIZED FROM thidua.bloc ORDER BY 1;
-- criteria: a draft edited by hand
SELECT thidua.clone_version('fld/2024', '2025');
UPDATE thidua.criteria_version SET title = normalize('Bảng năm 2025', NFD), veto_reason = normalize('Có cán bộ bị kỷ luật', NFD)
	WHERE version_code = 'fld/2025';
UPDATE thidua.criteria_item SET title = normalize('Ứng dụng công nghệ thông tin', NFD) WHERE version_code = 'fld/2025' AND code = 'I';
INSERT INTO thidua.criteria_item (version_code, code, parent_code, position, kind, title, max_points, rule)
	VALUES ('fld/2025', 'I.3', 'I', 10, 'criterion', normalize('Cổng thông tin điện tử', NFD), 1, 'manual');
UPDATE thidua.class_band SET title = normalize('Hoàn thành xuất sắc', NFD) WHERE version_code = 'fld/2025' AND label = 'A';
INSERT INTO thidua.criteria_set VALUES ('nfd', normalize('Bộ tiêu chí gõ trên máy Mac', NFD));
SELECT 'version' AS what, title IS NFC NORMALIZED AND veto_reason IS NFC NORMALIZED AS nfc FROM thidua.criteria_version WHERE version_code = 'fld/2025'
UNION ALL SELECT 'item ' || code, title IS NFC NORMALIZED FROM thidua.criteria_item WHERE version_code = 'fld/2025'
UNION ALL SELECT 'class ' || label, title IS NFC NORMALIZED FROM thidua.class_band WHERE version_code = 'fld/2025'
UNION ALL SELECT 'set ' || set_code, name IS NFC NORMALIZED FROM thidua.criteria_set ORDER BY 1;
-- the imports normalise the whole document (codes included)
SELECT thidua.import_criteria(jsonb_build_object('set', jsonb_build_object('code', 'nfdj', 'name', normalize('Bộ JSON', NFD)),
	'edition', '1', 'title', normalize('Tiêu đề', NFD), 'classes', jsonb_build_array(jsonb_build_object('label', normalize('Tốt', NFD))),
	'items', jsonb_build_array(
		jsonb_build_object('code', 'S', 'kind', 'section', 'title', normalize('Phần', NFD), 'max', 1),
		jsonb_build_object('code', normalize('Ý', NFD), 'parent', 'S', 'kind', 'criterion', 'title', normalize('Ý kiến', NFD), 'rule', 'manual', 'max', 1))));
SELECT code, code = 'Ý' AS code_composed, title = 'Ý kiến' AS title_composed FROM thidua.criteria_item WHERE version_code = 'nfdj/1' AND kind = 'criterion';
SELECT label = 'Tốt' AS label_composed FROM thidua.class_band WHERE version_code = 'nfdj/1';

-- Codes are keys, named from other tables and files: one not in NFC is refused, not rewritten.
INSERT INTO thidua.unit (unit_code, name) VALUES (normalize('ĐồngTháp', NFD), 'Sở Tư pháp Đồng Tháp');
INSERT INTO thidua.unit (unit_code, name) VALUES ('ĐồngTháp', 'Sở Tư pháp Đồng Tháp');
INSERT INTO thidua.criteria_item (version_code, code, parent_code, position, kind, title, max_points, rule)
	VALUES ('fld/2025', normalize('Ý', NFD), 'I', 11, 'criterion', 'x', 1, 'manual');
-- A trigger of someone's that would store a name decomposed meets the CHECK.
CREATE FUNCTION pg_temp.decompose() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.name := normalize(NEW.name, NFD); RETURN NEW; END $$;
CREATE TRIGGER zz_decompose BEFORE INSERT ON thidua.unit FOR EACH ROW EXECUTE FUNCTION pg_temp.decompose();
INSERT INTO thidua.unit (unit_code, name) VALUES ('U8', 'Đơn vị Tám');
DROP TRIGGER zz_decompose ON thidua.unit;

-- Limits: names 300 characters, titles 1000. Tables refuse more, by a named constraint.
INSERT INTO thidua.unit (unit_code, name) VALUES ('U300', repeat('Đ', 300));
INSERT INTO thidua.unit (unit_code, name) VALUES ('U301', repeat('Đ', 301));
INSERT INTO thidua.individual VALUES ('P301', repeat('Ư', 301), 'male', NULL);
INSERT INTO thidua.post_held VALUES ('P1', 'U1', repeat('Ư', 301), '2021-01-01', NULL);
INSERT INTO thidua.bloc VALUES ('k301', repeat('Ư', 301), 'bloc');
INSERT INTO thidua.criteria_set VALUES ('s301', repeat('Ư', 301));
UPDATE thidua.criteria_version SET title = repeat('Ư', 1001) WHERE version_code = 'fld/2025';
UPDATE thidua.criteria_version SET veto_reason = repeat('Ư', 1001) WHERE version_code = 'fld/2025';
UPDATE thidua.criteria_item SET title = repeat('Ư', 1000) WHERE version_code = 'fld/2025' AND code = 'I.1';
UPDATE thidua.criteria_item SET title = repeat('Ư', 1001) WHERE version_code = 'fld/2025' AND code = 'I.1';
UPDATE thidua.class_band SET title = repeat('Ư', 1001) WHERE version_code = 'fld/2025' AND label = 'A';
-- Imports name the item and the field (a 1 MB title, in JSON and in CSV).
SELECT thidua.import_criteria_file(convert_to(jsonb_set(thidua.export_criteria('fld/2024') || '{"edition": "big"}',
	'{items,1,title}', to_jsonb(repeat('x', 1048576)))::text, 'UTF8'), NULL, 'big.json');
SELECT thidua.import_criteria_file(convert_to(replace(thidua.export_criteria_csv('fld/2024'), 'Tỷ lệ văn bản gửi đi có ký số (%)',
	repeat('x', 1048576)), 'UTF8'), NULL, 'big.csv');
SELECT thidua.import_criteria(jsonb_set(thidua.export_criteria('fld/2024') || '{"edition": "big"}', '{title}', to_jsonb(repeat('Ư', 1001))));
SELECT thidua.import_criteria(jsonb_set(thidua.export_criteria('fld/2024') || '{"edition": "big"}', '{set,name}', to_jsonb(repeat('Ư', 301))));
SELECT thidua.import_criteria(jsonb_set(thidua.export_criteria('fld/2024') || '{"edition": "big"}', '{classes,0,title}', to_jsonb(repeat('Ư', 1001))));
SELECT thidua.import_criteria(thidua.export_criteria('fld/2024') || jsonb_build_object('edition', 'big',
	'veto', jsonb_build_object('max_class', 'A', 'reason', repeat('Ư', 1001))));
-- at the limit: accepted
SELECT thidua.import_criteria(jsonb_set(thidua.export_criteria('fld/2024') || '{"edition": "big"}', '{items,1,title}', to_jsonb(repeat('Ư', 1000))));
SELECT version_code FROM thidua.criteria_version WHERE version_code LIKE 'fld/big%';
DROP EXTENSION thidua;

-- The update from 0.5.0 composes the names and titles stored before (a published
-- version's hand-edited title included), and first refuses, naming it, text that
-- breaks a limit.
CREATE EXTENSION thidua VERSION '0.5.0';
SELECT thidua.import_criteria('{"set": {"code": "old", "name": "Cũ"}, "edition": "1", "title": "Cũ",
	"classes": [{"label": "A"}], "items": [{"code": "S", "kind": "section", "title": "Phần", "max": 2},
	{"code": "C", "parent": "S", "kind": "criterion", "title": "Tiêu chí", "rule": "manual", "max": 2}]}');
UPDATE thidua.criteria_item SET title = normalize('Tiêu chí gõ trên máy Mac', NFD) WHERE version_code = 'old/1' AND code = 'C';
SELECT thidua.publish_version('old/1');
INSERT INTO thidua.unit (unit_code, name) VALUES ('U1', normalize('Sở Tư pháp Bến Tre', NFD)), ('U2', repeat('Đ', 301));
ALTER EXTENSION thidua UPDATE TO '0.6.0';
SELECT thidua.version();
UPDATE thidua.unit SET name = 'Đơn vị Hai' WHERE unit_code = 'U2';
ALTER EXTENSION thidua UPDATE TO '0.6.0';
SELECT thidua.version();
SELECT unit_code, name IS NFC NORMALIZED AS nfc, name = 'Sở Tư pháp Bến Tre' AS found FROM thidua.unit ORDER BY 1;
SELECT v.status, i.title IS NFC NORMALIZED AS nfc, i.title = 'Tiêu chí gõ trên máy Mac' AS found
	FROM thidua.criteria_item i JOIN thidua.criteria_version v USING (version_code) WHERE i.code = 'C';
DROP EXTENSION thidua;
