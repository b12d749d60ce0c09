-- People's and units' records (37_records.sql, 38_records_import.sql): each kind
-- of records file imported, again unchanged, as bytes; every bad input named by
-- file:line and column with nothing stored; revocations; the guards on every
-- route (award kind and subject, initiatives used by their authors' awards,
-- overlapping posts, the built-in catalog, an initiative credited once, a
-- revoked award kept); two sessions crediting one initiative at once.
\set SHOW_CONTEXT never
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS thidua CASCADE;
RESET client_min_messages;
CREATE EXTENSION thidua;
SELECT * FROM thidua.import_units(E'code,name,parent\nSTP,Sở Tư pháp,\nVP,Văn phòng Sở,STP\nPHC,Phòng Hành chính,STP\n', 'units.csv');
SELECT * FROM thidua.import_people(E'code,name,sex,unit,unit_from,post,post_from,post_to\n'
	'P1,Nguyễn Văn An,nam,VP,2010-01-01,Chánh Văn phòng,2015-01-01,2020-01-01\n'
	'P1,Nguyễn Văn An,nam,VP,2010-01-01,Chánh Văn phòng,2020-01-01,\n'
	'P2,Trần Thị Bình,nữ,VP,2012-05-01,,,\n'
	'P3,Lê Văn Cường,nam,PHC,2014-01-01,,,\n', 'people.csv');
CREATE FUNCTION pg_temp.counts() RETURNS text LANGUAGE sql AS $$
	SELECT format('ratings %s+%s, awards %s+%s, initiatives %s (authors %s, used %s), discipline %s',
		(SELECT count(*) FROM thidua.individual_rating), (SELECT count(*) FROM thidua.unit_rating),
		(SELECT count(*) FROM thidua.individual_award), (SELECT count(*) FROM thidua.unit_award),
		(SELECT count(*) FROM thidua.initiative), (SELECT count(*) FROM thidua.initiative_author),
		(SELECT count(*) FROM thidua.initiative WHERE used_by_award IS NOT NULL), (SELECT count(*) FROM thidua.discipline))
$$;

-- Ratings: the code or the phrase in full (any case, NFC or not); the kind told by the header.
SELECT * FROM thidua.import_records(NULL, E'person,year,rating\nP1,2022,HTXSNV\nP1,2023,htxsnv\n'
	'P1,2024,Hoàn thành xuất sắc nhiệm vụ\nP2,2023,HOÀN THÀNH TỐT NHIỆM VỤ\n'
	|| 'P2,2024,' || normalize('Hoàn thành nhiệm vụ', NFD) || E'\nP3,2024,KHTNV\n', 'ratings.csv');
SELECT * FROM thidua.individual_rating ORDER BY person_code, year;
-- again: unchanged; one changed
SELECT * FROM thidua.import_records('ratings', E'person;year;rating\nP1;2022;HTXSNV\nP1;2023;HTXSNV\n'
	'P1;2024;HTXSNV\nP2;2023;HTTNV\nP2;2024;HTNV\nP3;2024;HTNV\n', 'ratings2.csv');
-- units' ratings, as bytes
SELECT * FROM thidua.import_records('ratings', convert_to(E'\uFEFFunit,year,rating\nVP,2024,HTXSNV\nPHC,2024,HTTNV\n', 'UTF8'), 'unit-ratings.csv');
SELECT * FROM thidua.unit_rating ORDER BY unit_code;
-- bad ratings: nothing stored
SELECT * FROM thidua.import_records('ratings', E'person,year,rating\nP1,2019,HTXSNV\nP1,2020,HTX\n', 'bad.csv');
SELECT * FROM thidua.import_records('ratings', E'person,year,rating\nP1,2019,HTXSNV\nP9,2020,HTNV\n', 'bad.csv');
SELECT * FROM thidua.import_records('ratings', E'unit,year,rating\nVP,2019,HTXSNV\nNOPE,2020,HTNV\n', 'bad.csv');
SELECT * FROM thidua.import_records('ratings', E'person,year,rating\nP1,2019,HTXSNV\nP1,1899,HTNV\n', 'bad.csv');
SELECT * FROM thidua.import_records('ratings', E'person,year,rating\nP1,2019,HTXSNV\nP1,năm 2020,HTNV\n', 'bad.csv');
SELECT * FROM thidua.import_records('ratings', E'person,year,rating\nP1,2019,HTXSNV\nP2,2019,HTNV\nP1,2019,HTNV\n', 'bad.csv');
SELECT * FROM thidua.import_records('ratings', E'person,unit,year,rating\nP1,,2019,HTXSNV\n', 'bad.csv');
SELECT * FROM thidua.import_records('ratings', E'year,rating\n2019,HTXSNV\n', 'bad.csv');
SELECT * FROM thidua.import_records('ratings', E'person,year,rating\n,2019,HTXSNV\n', 'bad.csv');
SELECT * FROM thidua.import_records(NULL, E'person,year,colour\nP1,2019,red\n', 'bad.csv');
SELECT * FROM thidua.import_records('medals', E'person,year,rating\nP1,2019,HTXSNV\n', 'bad.csv');
SELECT pg_temp.counts();

-- Initiatives: authors separated by spaces, commas or semicolons; scopes in Vietnamese.
SELECT * FROM thidua.import_records(NULL, E'code,title,scope,authors,recognition_decision,recognised_on\n'
	'SK-1,Số hoá hồ sơ hộ tịch,cơ sở,P1 P2,QĐ 12/QĐ-STP,15/11/2023\n'
	'SK-2,Quy trình chứng thực điện tử,Cấp tỉnh,P1;P3,QĐ 30/QĐ-UBND,2024-10-01\n'
	'SK-3,Sổ tay pháp chế,toàn quốc,"P2, P3",,2024-12-01\n'
	'SK-4,Phần mềm lý lịch tư pháp,national,P1,,2024-06-01\n', 'initiatives.csv');
SELECT i.initiative_code, i.title, i.scope, i.recognition_decision, i.recognised_on,
	(SELECT string_agg(a.person_code, ' ' ORDER BY a.person_code) FROM thidua.initiative_author a WHERE a.initiative_code = i.initiative_code) AS authors
FROM thidua.initiative i ORDER BY 1;
SELECT * FROM thidua.import_records('initiatives', E'code,title,scope,authors,recognition_decision,recognised_on\n'
	'SK-1,Số hoá hồ sơ hộ tịch,grassroots,"P2,P1",QĐ 12/QĐ-STP,2023-11-15\n'
	'SK-3,Sổ tay pháp chế,national,P2 P3,,2024-12-01\nSK-4,Phần mềm lý lịch tư pháp,national,P1,,2024-06-01\n', 'initiatives-again.csv');
-- a changed title and a new author
SELECT * FROM thidua.import_records('initiatives', E'code,title,scope,authors,recognised_on\n'
	'SK-3,Sổ tay pháp chế (tái bản),national,P2 P3 P1,2024-12-01\n', 'initiatives-changed.csv');
SELECT * FROM thidua.import_records('initiatives', E'code,title,scope,authors,recognised_on\nSK-5,X,cấp huyện,P1,2024-01-01\n', 'bad.csv');
SELECT * FROM thidua.import_records('initiatives', E'code,title,scope,authors,recognised_on\nSK-5,X,cơ sở,P1 P7,2024-01-01\n', 'bad.csv');
SELECT * FROM thidua.import_records('initiatives', E'code,title,scope,authors,recognised_on\nSK-5,X,cơ sở,P1,2024-01-01\nSK-5,Y,cơ sở,P1,2024-01-01\n', 'bad.csv');
SELECT * FROM thidua.import_records('initiatives', E'code,title,scope,authors,recognised_on\nSK-5,X,cơ sở,P1,31/02/2024\n', 'bad.csv');
SELECT pg_temp.counts();

-- Awards: kinds from the catalog or the file, initiatives credited, a revocation.
SELECT * FROM thidua.import_records(NULL, E'person,award,year,kind,decision_number,decision_date,issuer,initiatives\n'
	'P1,LDTT,2023,,QĐ 01/QĐ-STP,2024-01-10,Giám đốc Sở Tư pháp,\n'
	'P1,CSTDCS,2023,,QĐ 02/QĐ-STP,2024-01-10,Giám đốc Sở Tư pháp,SK-1\n'
	'P1,BK-BTP,2024,chuyên đề,QĐ 77/QĐ-BTP,2024-09-02,Bộ trưởng Bộ Tư pháp,SK-2 SK-4\n'
	'P2,LDTT,2023,thường xuyên,QĐ 01/QĐ-STP,2024-01-10,,\n', 'awards.csv');
SELECT person_code, award_code, year, kind, decision_number, decision_date, issuer,
	(SELECT string_agg(i.initiative_code, ' ' ORDER BY 1) FROM thidua.initiative i WHERE i.used_by_award = a.record_id) AS initiatives
FROM thidua.individual_award a ORDER BY person_code, award_code;
SELECT * FROM thidua.import_records('awards', convert_to(E'unit,award,year,decision_number\nVP,TTLDTT,2024,QĐ 05/QĐ-STP\n', 'UTF8'), 'unit-awards.csv');
SELECT unit_code, award_code, year, kind FROM thidua.unit_award;
-- again unchanged, then one revoked through the file
SELECT * FROM thidua.import_records('awards', E'person,award,year,kind,decision_number,decision_date,issuer,initiatives\n'
	'P1,LDTT,2023,,QĐ 01/QĐ-STP,2024-01-10,Giám đốc Sở Tư pháp,\n'
	'P1,CSTDCS,2023,,QĐ 02/QĐ-STP,2024-01-10,Giám đốc Sở Tư pháp,SK-1\n'
	'P1,BK-BTP,2024,thematic,QĐ 77/QĐ-BTP,2024-09-02,Bộ trưởng Bộ Tư pháp,SK-4;SK-2\n'
	'P2,LDTT,2023,yearly,QĐ 01/QĐ-STP,2024-01-10,,\n', 'awards.csv');
SELECT * FROM thidua.import_records('awards', E'person,award,year,decision_number,decision_date,revoked_on,revocation_reason,revocation_decision\n'
	'P2,LDTT,2023,QĐ 01/QĐ-STP,2024-01-10,2024-05-01,Kê khai thành tích không đúng,QĐ 40/QĐ-STP\n', 'revoke.csv');
SELECT person_code, award_code, revoked_on, revocation_reason, revocation_decision FROM thidua.individual_award WHERE revoked_on IS NOT NULL;
-- bad awards: nothing stored
SELECT * FROM thidua.import_records('awards', E'person,award,year\nP3,LDTT,2024\nP3,HCLD,2024\n', 'bad.csv');
SELECT * FROM thidua.import_records('awards', E'person,award,year\nP3,LDTT,2024\nP3,TTLDXS,2024\n', 'bad.csv');
SELECT * FROM thidua.import_records('awards', E'unit,award,year\nPHC,TTLDTT,2024\nPHC,CSTDCS,2024\n', 'bad.csv');
SELECT * FROM thidua.import_records('awards', E'person,award,year\nP3,LDTT,2024\nP8,LDTT,2024\n', 'bad.csv');
SELECT * FROM thidua.import_records('awards', E'person,award,year\nP3,LDTT,2024\nP3,CSTDCS,2200\n', 'bad.csv');
SELECT * FROM thidua.import_records('awards', E'person,award,year,kind\nP3,LDTT,2024,hằng năm\n', 'bad.csv');
SELECT * FROM thidua.import_records('awards', E'person,award,year,initiatives\nP3,LDTT,2024,SK-9\n', 'bad.csv');
SELECT * FROM thidua.import_records('awards', E'person,award,year,decision_number,initiatives\nP3,LDTT,2024,A,SK-3\nP3,GK,2024,B,SK-3\n', 'bad.csv');
SELECT * FROM thidua.import_records('awards', E'person,award,year,initiatives\nP3,CSTDCS,2024,SK-2\n', 'bad.csv');
SELECT * FROM thidua.import_records('awards', E'person,award,year,initiatives\nP2,CSTDCS,2024,SK-4\n', 'bad.csv');
SELECT * FROM thidua.import_records('awards', E'unit,award,year,initiatives\nVP,TTLDXS,2024,SK-3\n', 'bad.csv');
SELECT * FROM thidua.import_records('awards', E'person,award,year,revoked_on\nP3,LDTT,2024,2025-01-01\n', 'bad.csv');
SELECT * FROM thidua.import_records('awards', E'person,award,year,revocation_reason\nP3,LDTT,2024,Sai\n', 'bad.csv');
SELECT * FROM thidua.import_records('awards', E'person,award,year,decision_number\nP3,LDTT,2024,QĐ 9\nP3,GK,2024,QĐ 9\nP3,LDTT,2024,QĐ 9\n', 'bad.csv');
SELECT * FROM thidua.import_records('awards', E'person,award,year,decision_number,decision_date\nP2,LDTT,2023,QĐ 01/QĐ-STP,2024-01-10\n', 'unrevoke.csv');
-- an initiative whose award's holder leaves its authors
SELECT * FROM thidua.import_records('initiatives', E'code,title,scope,authors,recognised_on\nSK-1,Số hoá hồ sơ hộ tịch,cơ sở,P2,2023-11-15\n', 'bad.csv');
SELECT pg_temp.counts();

-- Discipline: measures with their severity, proceedings without.
SELECT * FROM thidua.import_records(NULL, E'person,kind,severity,from,to,decision,note\n'
	'P3,measure,Khiển trách,2022-03-01,2023-02-28,QĐ 15/QĐ-STP,Vi phạm quy chế\n'
	'P2,complaint,,2024-11-01,,,Đang xác minh đơn\n', 'discipline.csv');
SELECT person_code, kind, severity, valid_from, valid_to, decision, note FROM thidua.discipline ORDER BY person_code;
SELECT * FROM thidua.import_records('discipline', E'person,kind,severity,from,to\n'
	'P3,measure,reprimand,2022-03-01,2023-02-28\nP2,complaint,,2024-11-01,2024-12-15\n', 'discipline2.csv');
SELECT * FROM thidua.import_records('discipline', E'person,kind,severity,from\nP1,measure,,2024-01-01\n', 'bad.csv');
SELECT * FROM thidua.import_records('discipline', E'person,kind,severity,from\nP1,investigation,cảnh cáo,2024-01-01\n', 'bad.csv');
SELECT * FROM thidua.import_records('discipline', E'person,kind,severity,from\nP1,measure,phê bình,2024-01-01\n', 'bad.csv');
SELECT * FROM thidua.import_records('discipline', E'person,kind,severity,from\nP1,lawsuit,,2024-01-01\n', 'bad.csv');
SELECT * FROM thidua.import_records('discipline', E'person,kind,severity,from,to\nP1,measure,cảnh cáo,2024-01-01,2023-12-31\n', 'bad.csv');
SELECT * FROM thidua.import_records('discipline', E'person,kind,from\nP1,complaint,2024-01-01\nP1,complaint,01/01/2024\n', 'bad.csv');
SELECT * FROM thidua.import_records('discipline', E'person,kind,from\nP1,complaint,2024-01-01\nP0,complaint,2024-01-01\n', 'bad.csv');
SELECT pg_temp.counts();

-- Revoking: once, with a reason, either table.
SELECT thidua.revoke_award((SELECT record_id FROM thidua.individual_award WHERE person_code = 'P1' AND award_code = 'BK-BTP'),
	'2025-03-01', 'Trùng thành tích', 'QĐ 99/QĐ-BTP');
SELECT thidua.revoke_award((SELECT record_id FROM thidua.individual_award WHERE person_code = 'P1' AND award_code = 'BK-BTP'),
	'2025-04-01', 'Lần nữa');
SELECT thidua.revoke_award((SELECT record_id FROM thidua.individual_award WHERE person_code = 'P1' AND award_code = 'LDTT'), '2025-03-01', ' ');
SELECT thidua.revoke_award(999999, '2025-03-01', 'Không có');
SELECT thidua.revoke_award((SELECT record_id FROM thidua.unit_award WHERE unit_code = 'VP'), '2025-03-01', 'Sai đối tượng');
SELECT unit_code, revoked_on, revocation_reason FROM thidua.unit_award;
-- the guard: no route un-revokes or revokes again
UPDATE thidua.individual_award SET revoked_on = NULL, revocation_reason = NULL, revocation_decision = NULL WHERE award_code = 'BK-BTP';
UPDATE thidua.unit_award SET revocation_reason = 'Lý do khác';

-- Guards on every route.
INSERT INTO thidua.individual_award (person_code, award_code, year) VALUES ('P3', 'GK', 2024) RETURNING kind;
INSERT INTO thidua.individual_award (person_code, award_code, year) VALUES ('P3', 'CTD-BT', 2024);
INSERT INTO thidua.unit_award (unit_code, award_code, year) VALUES ('PHC', 'CSTD-TQ', 2024);
UPDATE thidua.initiative SET used_by_award = (SELECT record_id FROM thidua.individual_award WHERE person_code = 'P3' AND award_code = 'GK')
	WHERE initiative_code = 'SK-4';
DELETE FROM thidua.initiative_author WHERE initiative_code = 'SK-1' AND person_code = 'P1';
UPDATE thidua.individual_award SET person_code = 'P3' WHERE award_code = 'CSTDCS';
INSERT INTO thidua.post_held (person_code, unit_code, post, valid_from) VALUES ('P1', 'VP', 'Chánh Văn phòng', '2019-06-01');
INSERT INTO thidua.post_held (person_code, unit_code, post, valid_from, valid_to) VALUES ('P1', 'VP', 'Chánh Văn phòng', '2012-01-01', '2015-01-01');
SELECT * FROM thidua.import_people(E'code,name,sex,unit,unit_from,post,post_from,post_to\n'
	'P2,Trần Thị Bình,nữ,VP,2012-05-01,Phó Chánh Văn phòng,2016-01-01,2019-01-01\n'
	'P2,Trần Thị Bình,nữ,VP,2012-05-01,Phó Chánh Văn phòng,2018-06-01,\n', 'people-overlap.csv');
SELECT * FROM thidua.import_people(E'code,name,sex,unit,unit_from,post,post_from,post_to\n'
	'P1,Nguyễn Văn An,nam,VP,2010-01-01,Chánh Văn phòng,2019-01-01,2019-12-31\n', 'people-overlap2.csv');
-- a stored period given again by the file is the file's (shortened: no overlap)
SELECT * FROM thidua.import_people(E'code,name,sex,unit,unit_from,post,post_from,post_to\n'
	'P1,Nguyễn Văn An,nam,VP,2010-01-01,Chánh Văn phòng,2015-01-01,2018-01-01\n'
	'P1,Nguyễn Văn An,nam,VP,2010-01-01,Chánh Văn phòng,2018-01-01,2020-01-01\n', 'people-posts.csv');
-- the built-in catalog: not by an administrator; awards of one's own are
SET client_min_messages = warning;
SELECT thidua.create_roles();
RESET client_min_messages;
CREATE ROLE records_admin LOGIN IN ROLE thidua_admin;
SET ROLE records_admin;
UPDATE thidua.award SET name = 'Lao động giỏi' WHERE award_code = 'LDTT';
DELETE FROM thidua.award WHERE award_code = 'KNC-TP';
INSERT INTO thidua.award (award_code, name, subject, category, level, issuer, kind, builtin)
	VALUES ('X', 'Giả', 'individual', 'form', 'grassroots', 'Ai đó', 'yearly', true);
INSERT INTO thidua.award (award_code, name, subject, category, level, issuer, kind)
	VALUES ('GK-CD', 'Giấy khen chuyên đề', 'individual', 'form', 'grassroots', 'Giám đốc Sở', 'thematic');
UPDATE thidua.award SET name = 'Giấy khen theo chuyên đề' WHERE award_code = 'GK-CD';
SELECT * FROM thidua.import_records('awards', E'person,award,year\nP3,GK-CD,2024\n', 'mine.csv');
DELETE FROM thidua.individual_award WHERE award_code = 'GK-CD';
DELETE FROM thidua.award WHERE award_code = 'GK-CD';
RESET ROLE;
UPDATE thidua.award SET name = name WHERE award_code = 'LDTT';
SELECT pg_temp.counts();

-- Discipline kinds in Vietnamese too (any case, NFC or not).
SELECT * FROM thidua.import_records('discipline', E'person,kind,severity,from\n'
	'P1,Kỷ luật,khiển trách,2015-01-01\nP1,hình thức kỷ luật,cảnh cáo,2015-02-01\n'
	'P1,xem xét kỷ luật,,2015-03-01\nP1,ĐANG XEM XÉT KỶ LUẬT,,2015-04-01\n'
	'P1,điều tra,,2015-05-01\nP1,đang bị điều tra,,2015-06-01\n'
	'P1,khiếu nại,,2015-07-01\nP1,Xác minh khiếu nại,,2015-08-01\n'
	|| 'P1,' || normalize('đang xác minh khiếu nại', NFD) || E',,2015-09-01\n', 'discipline-vi.csv');
SELECT valid_from, kind, severity FROM thidua.discipline WHERE person_code = 'P1' AND valid_from < '2016-01-01' ORDER BY 1;
SELECT * FROM thidua.import_records('discipline', E'person,kind,from\nP1,bị kỷ luật,2016-01-01\n', 'bad.csv');

-- Errors about the header name its line, after blank ones.
SELECT * FROM thidua.import_records(NULL, repeat(E'\n', 10) || E'a,b\n');
SELECT * FROM thidua.import_records('ratings', E'\n\r\n;;\nperson,unit,year,rating\nP1,,2019,HTXSNV\n', 'bad.csv');
SELECT * FROM thidua.import_records('awards', E'\n,\nyear,award\n2019,LDTT\n', 'bad.csv');

-- An initiative's credit passes from no award to one, back to none, never from
-- one award to another; a revoked award is never deleted.
UPDATE thidua.initiative SET used_by_award = (SELECT record_id FROM thidua.individual_award WHERE person_code = 'P1' AND award_code = 'LDTT')
	WHERE initiative_code = 'SK-1';
BEGIN;
UPDATE thidua.initiative SET used_by_award = NULL WHERE initiative_code = 'SK-1' RETURNING initiative_code, used_by_award;
ROLLBACK;
DELETE FROM thidua.individual_award WHERE person_code = 'P2' AND award_code = 'LDTT';
DELETE FROM thidua.individual_award WHERE award_code = 'BK-BTP';
DELETE FROM thidua.unit_award;
TRUNCATE thidua.unit_award;
SELECT pg_temp.counts();

-- Two sessions at once crediting one initiative: the second waits for the
-- first, then is refused, by the importer or by the guard on an UPDATE.
SET client_min_messages = warning;
CREATE EXTENSION dblink;
SELECT dblink_connect(name, format('host=%s port=%s dbname=%s user=%s',
	current_setting('unix_socket_directories'), current_setting('port'), current_database(), current_user))
	FROM (VALUES ('a'), ('b')) AS s(name);
CREATE FUNCTION pg_temp.blocked(session text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
	FOR i IN 1..200 LOOP
		IF dblink_is_busy(session) = 0 THEN
			RETURN false;
		END IF;
		IF EXISTS (SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock'
				   AND query LIKE '%' || '/*' || session || '*/%') THEN
			RETURN true;
		END IF;
		PERFORM pg_sleep(0.05);
	END LOOP;
	RETURN dblink_is_busy(session) = 1;
END
$$;
CREATE FUNCTION pg_temp.outcome(session text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	message text;
BEGIN
	PERFORM * FROM dblink_get_result(session, false) AS r(x text);
	PERFORM * FROM dblink_get_result(session, false) AS r(x text);
	message := dblink_error_message(session);
	RETURN CASE WHEN message = 'OK' THEN 'ok'
		ELSE regexp_replace(regexp_replace(message, '^ERROR:  |\n.*$', '', 'g'), 'record [0-9]+', 'record N', 'g') END;
END
$$;
SELECT * FROM thidua.import_records('initiatives', E'code,title,scope,authors,recognised_on\n'
	'SK-8,Một sáng kiến chung,cơ sở,P1 P2,2024-03-01\nSK-9,Một sáng kiến nữa,cơ sở,P1 P2,2024-04-01\n', 'shared.csv');
SELECT dblink_exec('a', 'BEGIN');
SELECT * FROM dblink('a', $$SELECT (thidua.import_records('awards', E'person,award,year,decision_number,initiatives\nP1,GK,2024,QĐ 8a,SK-8\n', 'a.csv')).added::text$$) AS r(x text);
SELECT dblink_send_query('b', $$SELECT thidua.import_records('awards', E'person,award,year,decision_number,initiatives\nP2,GK,2024,QĐ 8b,SK-8\n', 'b.csv') /*b*/$$);
SELECT pg_temp.blocked('b') AS second_import_waits_for_the_first;
SELECT dblink_exec('a', 'COMMIT');
SELECT pg_temp.outcome('b') AS second_import;
SELECT i.initiative_code, a.person_code, a.decision_number FROM thidua.initiative i
	JOIN thidua.individual_award a ON a.record_id = i.used_by_award WHERE i.initiative_code = 'SK-8';
SELECT count(*) AS awards_of_the_second FROM thidua.individual_award WHERE decision_number = 'QĐ 8b';
SELECT dblink_exec('a', 'BEGIN');
SELECT dblink_exec('a', $$UPDATE thidua.initiative SET used_by_award = (SELECT record_id FROM thidua.individual_award
	WHERE person_code = 'P1' AND award_code = 'GK' AND year = 2024) WHERE initiative_code = 'SK-9'$$);
SELECT dblink_send_query('b', $$UPDATE thidua.initiative SET used_by_award = (SELECT record_id FROM thidua.individual_award
	WHERE person_code = 'P1' AND award_code = 'LDTT') WHERE initiative_code = 'SK-9' /*b*/$$);
SELECT pg_temp.blocked('b') AS second_update_waits_for_the_first;
SELECT dblink_exec('a', 'COMMIT');
SELECT pg_temp.outcome('b') AS second_update;
SELECT i.initiative_code, a.person_code, a.award_code FROM thidua.initiative i
	JOIN thidua.individual_award a ON a.record_id = i.used_by_award WHERE i.initiative_code = 'SK-9';
SELECT dblink_disconnect('a'), dblink_disconnect('b');
DROP EXTENSION dblink;
RESET client_min_messages;
DROP EXTENSION thidua;
DROP ROLE records_admin;
