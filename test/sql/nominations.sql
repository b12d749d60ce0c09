-- The nomination workflow (61_nomination_workflow.sql, 64_award_registry.sql)
-- as an administrator walks it: a round, nominations with their dossier, the
-- steps and the errors of illegal ones, the stored eligibility, an override,
-- disclosure and comments, the decision, the registry, a revocation, the event
-- log, duplicates and statistics. Roles and refusals: test/pgtap/60_nominations.sql.
\set SHOW_CONTEXT never
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS thidua CASCADE;
RESET client_min_messages;
CREATE EXTENSION thidua;
\o /dev/null
\i test/fixtures/eligibility/records.sql
SELECT thidua.clone_rulebook('t/2024', 'wf');
\o
UPDATE thidua.rulebook_entry SET nomination = '{"dossier": [{"item": "report", "title": "Báo cáo thành tích"},
	{"item": "minutes", "title": "Biên bản họp xét"}]}' WHERE version_code = 't/wf' AND award_code = 'LDTT';
UPDATE thidua.rulebook_entry SET nomination = '{"dossier": [{"item": "report", "title": "Báo cáo thành tích"}],
	"override": {"kinds": ["rating_this_year", "initiatives"], "source": {"document": "test", "verified": false, "status": "N"}}}',
	disclosure = '{"working_days": 10, "source": {"document": "test", "verified": false, "status": "N"}}'
	WHERE version_code = 't/wf' AND award_code = 'CSTDCS';

-- a round; an award without a rulebook entry, an unknown one
SELECT thidua.create_round('R24', 'Khen thưởng năm 2024', 2024, 'Giám đốc Sở Tư pháp', 'DEPT', '2099-12-31',
	'{LDTT,CSTDCS,TTLDXS}', 't/wf');
SELECT thidua.create_round('R2', 'x', 2024, 'x', 'DEPT', '2099-12-31', '{KNC-TP}', 't/draft');
SELECT thidua.create_round('R2', 'x', 2024, 'x', 'DEPT', '2099-12-31', '{LDTT,NOPE}');
SELECT round_code, title, year, authority, council_unit, deadline, rulebook_version FROM thidua.nomination_round;
SELECT * FROM thidua.round_award ORDER BY award_code;

-- nominations: the dossier items the rulebook requires, all missing
SELECT thidua.nominate('R24', 'LDTT', 'P04', 'DIV1', 'Hoàn thành xuất sắc nhiệm vụ', '["https://example.org/p04.pdf"]');
SELECT thidua.nominate('R24', 'CSTDCS', 'P06', 'DIV1');
SELECT thidua.nominate('R24', 'CSTDCS', 'P08', 'DIV1', override_reason => 'lý do');
SELECT thidua.nominate('R24', 'CSTDCS', 'P01', 'DIV1', '', '[]', '{initiative:SK-3}');
SELECT thidua.nominate('R24', 'CSTDCS', 'P03', 'DIV1', '', '[]', '{initiative:SK-3,"Đề án số hóa"}');
SELECT thidua.nominate('R24', 'TTLDXS', 'DIST', 'DEPT');
SELECT thidua.nominate('R24', 'LDTT', 'DIV1', 'DIV1');
SELECT thidua.nominate('R24', 'KNC-TP', 'P05', 'DIV1');
SELECT thidua.nominate('R24', 'CSTDCS', 'P06', 'DIV1', '', '[]', '{initiative:SK-2}');
SELECT thidua.nominate('R24', 'CSTDCS', 'P06', 'DIV1', '', '{"a": 1}');
SELECT nomination_id, award_code, coalesce(person_code, unit_code) AS subject, proposing_unit, state, dossier_revision, override_reason
FROM thidua.nomination ORDER BY nomination_id;
SELECT nomination_id, item, present, reference, updated_by FROM thidua.dossier_item ORDER BY nomination_id, item;
SELECT * FROM thidua.nomination_duplicates;

-- illegal steps name the state and the allowed next
SELECT thidua.check(1);
SELECT thidua.award(1);
SELECT thidua.resubmit(1);

-- the dossier; submit, return, resubmit (not unchanged), check
SELECT thidua.set_dossier_item(1, 'report', true, 'BC-01.pdf');
SELECT thidua.set_dossier_item(1, 'photo', true);
SELECT thidua.submit(1);
SELECT thidua.update_nomination(1, 'x');
SELECT thidua.check(1);
SELECT thidua.return_nomination(1, NULL);
SELECT thidua.return_nomination(1, 'thiếu biên bản họp');
SELECT thidua.resubmit(1);
SELECT thidua.set_dossier_item(1, 'minutes', true, 'BB-01.pdf');
SELECT thidua.resubmit(1, 'đã bổ sung');
SELECT thidua.check(1);
SELECT state, dossier_revision, returned_at_revision, rulebook_version, jsonb_pretty(eligibility_snapshot) FROM thidua.nomination WHERE nomination_id = 1;
-- the records change; the snapshot stays
UPDATE thidua.individual_rating SET rating = 'HTNV' WHERE person_code = 'P04' AND year = 2024;
SELECT passed, evidence FROM thidua.eligibility('P04', 'LDTT', 2024, 't/wf') WHERE node = 'rule';
SELECT eligibility_snapshot -> 0 ->> 'passed' AS stored_passed FROM thidua.nomination WHERE nomination_id = 1;
UPDATE thidua.individual_rating SET rating = 'HTXSNV' WHERE person_code = 'P04' AND year = 2024;
SELECT thidua.disclose(1);

-- an override: only of the kinds the entry lists, and only with a reason
SELECT thidua.set_dossier_item(2, 'report', true), thidua.submit(2);
SELECT thidua.check(2);
SELECT thidua.return_nomination(2, 'nêu lý do');
SELECT thidua.update_nomination(2, override_reason => 'Thành tích đột xuất trong phòng chống dịch');
SELECT thidua.resubmit(2), thidua.check(2);
SELECT jsonb_pretty(detail) FROM thidua.nomination_event WHERE nomination_id = 2 AND action = 'check';
SELECT thidua.set_dossier_item(3, 'report', true), thidua.submit(3);
SELECT thidua.check(3);

-- disclosure and comments
SELECT thidua.comment(2, '2025-01-05', 'Công dân A', 'Đồng ý');
SELECT thidua.disclose(2, '2025-01-02');
SELECT thidua.comment(2, '2025-01-05', 'Công dân A', 'Đồng ý đề nghị');
SELECT nomination_id, received_on, commenter, body FROM thidua.disclosure_comment;
SELECT thidua.withdraw(2, NULL);
SELECT thidua.withdraw(2, 'đơn vị rút đề nghị');
SELECT thidua.withdraw(5, 'trùng sáng kiến');
SELECT * FROM thidua.nomination_duplicates;

-- approval is the ballot part's (its transition taken here directly); a tie blocks the decision
SELECT thidua._transition(1, 'approve', 'approved for the test');
INSERT INTO thidua.quota_tie (round_code, award_code, scope, seats_left, tied) VALUES ('R24', 'CSTDCS', '', 1, '{3,4}');
SELECT thidua.decide(1, '15/QĐ-STP', '2025-01-10', 'Giám đốc Sở');
UPDATE thidua.quota_tie SET chosen = '{3}', reason = 'test', decided_at = now(), decided_by = 'test';
SELECT thidua.decide(1, '15/QĐ-STP', '2025-01-10', 'Giám đốc Sở');
SELECT passed, evidence FROM thidua.eligibility('P04', 'CSTDCS', 2024, 't/wf') WHERE node = 'rule.all_of[0]';
SELECT thidua.award(1) > 0 AS awarded;
SELECT subject_kind, subject, award_code, award_name, level, year, decision_number, decision_date, issuer, revoked_on, nomination_id
FROM thidua.award_registry WHERE nomination_id = 1;
SELECT passed, evidence FROM thidua.eligibility('P04', 'CSTDCS', 2024, 't/wf') WHERE node = 'rule.all_of[0]';
SELECT thidua.revoke(1, '2025-06-01', 'hồ sơ không trung thực', '30/QĐ-STP');
SELECT revoked_on, revocation_reason FROM thidua.award_registry WHERE nomination_id = 1;
SELECT passed, evidence FROM thidua.eligibility('P04', 'CSTDCS', 2024, 't/wf') WHERE node = 'rule.all_of[0]';
SELECT thidua.revoke(1, '2025-06-01', 'x', 'y');

-- the event log, append-only for everyone
SELECT nomination_id, action, from_state, to_state, by_role, reason FROM thidua.nomination_event ORDER BY event_id;
UPDATE thidua.nomination_event SET reason = 'x';
DELETE FROM thidua.nomination_event;
TRUNCATE thidua.nomination_event;

-- statistics: front line and small collectives, exact shares
INSERT INTO thidua.post_held (person_code, unit_code, post, valid_from, front_line) VALUES ('P01', 'DIV1', 'Chuyên viên', '2020-01-01', true);
UPDATE thidua.unit SET small_collective = true WHERE unit_code = 'DIST';
SELECT * FROM thidua.award_statistics(2024, 2024);
SELECT * FROM thidua.award_statistics(2019, 2024, 'level,year');
SELECT * FROM thidua.award_statistics(2024, 2024, 'unit') WHERE unit_code IN ('DIST', 'DIV1');
SELECT * FROM thidua.award_statistics(2024, 2023);
SELECT * FROM thidua.award_statistics(2024, 2024, 'colour');
