-- The nomination workflow (61_nomination_workflow.sql, 64_award_registry.sql):
-- every transition and illegal ones (the state and the allowed next named),
-- the actor of each step (the login role: session_user), role refusals, the
-- event log complete and append-only, the eligibility snapshot kept as it was,
-- a returned dossier refused unchanged, exclusion by law, an override with its
-- reason, award -> registry -> revocation (counted out of eligibility),
-- duplicates, row-level security and statistics. Run from the repository's root.
BEGIN;
SELECT plan(137);

\o /dev/null
\ir ../fixtures/eligibility/records.sql
SELECT thidua.create_roles();
\o
CREATE ROLE wf_admin LOGIN IN ROLE thidua_admin;
CREATE ROLE wf_clerk LOGIN IN ROLE thidua_scorer;
CREATE ROLE wf_other LOGIN IN ROLE thidua_scorer;
CREATE ROLE wf_reader LOGIN IN ROLE thidua_reader;
CREATE ROLE wf_council LOGIN IN ROLE thidua_council;
INSERT INTO thidua.role_unit VALUES ('wf_clerk', 'DIV1'), ('wf_other', 'OTHER');

-- a draft rulebook with the nomination settings the workflow reads
\o /dev/null
SELECT thidua.clone_rulebook('t/2024', 'wf');
\o
UPDATE thidua.rulebook_entry SET nomination = '{"dossier": [{"item": "report", "title": "Báo cáo thành tích"},
	{"item": "minutes", "title": "Biên bản họp xét"}]}' WHERE version_code = 't/wf' AND award_code = 'LDTT';
UPDATE thidua.rulebook_entry SET nomination = '{"dossier": [{"item": "report", "title": "Báo cáo thành tích"}],
	"override": {"kinds": ["rating_this_year", "initiatives"], "source": {"document": "test", "verified": false, "status": "N"}}}',
	disclosure = '{"working_days": 10, "source": {"document": "test", "verified": false, "status": "N"}}'
	WHERE version_code = 't/wf' AND award_code = 'CSTDCS';

-- Runs a statement as a login role (session_user and current_user both), and
-- returns its one value; errors propagate, with the role undone.
-- Nomination ids differ from run to run: statements name them {name}, and
-- errors are given back with them so named.
CREATE TEMP TABLE ids (name text PRIMARY KEY, id bigint UNIQUE);
GRANT SELECT ON ids TO PUBLIC;
CREATE FUNCTION pg_temp.id(name text) RETURNS bigint LANGUAGE sql AS $$ SELECT id FROM ids WHERE ids.name = $1 $$;
CREATE FUNCTION pg_temp.keep(name text, id text) RETURNS text LANGUAGE sql AS $$
	INSERT INTO ids VALUES (name, id::bigint) RETURNING 'nomination {' || name || '}' $$;
CREATE FUNCTION pg_temp.named(t text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	i ids;
BEGIN
	FOR i IN SELECT * FROM ids LOOP
		t := regexp_replace(t, '(nomination |Nomination )' || i.id || '\M', '\1{' || i.name || '}', 'g');
	END LOOP;
	RETURN t;
END
$$;
CREATE FUNCTION pg_temp.as_(who text, statement text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	result text;
	i ids;
BEGIN
	FOR i IN SELECT * FROM ids LOOP
		statement := replace(statement, '{' || i.name || '}', i.id::text);
	END LOOP;
	PERFORM set_config('session_authorization', who, true);
	EXECUTE statement INTO result;
	PERFORM set_config('session_authorization', 'postgres', true);
	RETURN result;
END
$$;
-- The same, but 'SQLSTATE message | detail' when it fails (everything it did undone).
CREATE FUNCTION pg_temp.err(who text, statement text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	detail text;
BEGIN
	BEGIN
		RETURN 'ok ' || coalesce(pg_temp.as_(who, statement), '');
	EXCEPTION WHEN OTHERS THEN
		GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
		RETURN pg_temp.named(SQLSTATE || ' ' || SQLERRM || coalesce(' | ' || nullif(detail, ''), ''));
	END;
END
$$;
CREATE FUNCTION pg_temp.state(id bigint) RETURNS text LANGUAGE sql AS $$
	SELECT state::text FROM thidua.nomination WHERE nomination_id = id $$;

-- Rounds: administrators only; every award judged by a rulebook
SELECT is(pg_temp.as_('wf_admin', $$SELECT thidua.create_round('R24', 'Khen thưởng năm 2024', 2024, 'Giám đốc Sở Tư pháp',
	'DEPT', '2099-12-31', '{LDTT,CSTDCS,TTLDXS}', 't/wf')$$), 'R24', 'an administrator creates a round');
SELECT is(pg_temp.err('wf_clerk', $$SELECT thidua.create_round('R2', 'x', 2024, 'x', 'DEPT', '2099-12-31', '{LDTT}')$$),
	'42501 permission denied for function create_round', 'a clerk may not create a round');
SELECT is(pg_temp.err('wf_admin', $$SELECT thidua.create_round('R2', 'x', 2024, 'x', 'DEPT', '2099-12-31', '{LDTT,NOPE}')$$),
	'P0002 round "R2": award "NOPE" does not exist', 'an unknown award is named');
SELECT is(pg_temp.err('wf_admin', $$SELECT thidua.create_round('R2', 'x', 2024, 'x', 'DEPT', '2099-12-31', '{KNC-TP}', 't/draft')$$),
	'P0002 rulebook version "t/draft" has no entry for award "KNC-TP"', 'an award the rulebook does not judge is refused');
SELECT is(thidua.create_round('R-LATE', 'Đợt đã hết hạn', 2024, 'Giám đốc Sở Tư pháp', 'DEPT', '2025-01-31', '{LDTT}', 't/wf'), 'R-LATE',
	'a round whose deadline has passed');

-- Nominating: a clerk for its own unit; the dossier items from the rulebook
SELECT is(pg_temp.keep('p04', pg_temp.as_('wf_clerk', $$SELECT thidua.nominate('R24', 'LDTT', 'P04', 'DIV1', 'Hoàn thành xuất sắc',
	'["https://example.org/p04.pdf"]')$$)), 'nomination {p04}', 'a clerk nominates P04 for LDTT for its unit');
SELECT is((SELECT row(state, person_code, proposing_unit, dossier_revision, created_by)::text FROM thidua.nomination WHERE nomination_id = pg_temp.id('p04')),
	'(draft,P04,DIV1,1,wf_clerk)', 'in draft, created by the login role');
SELECT is((SELECT string_agg(item || '=' || present, ' ' ORDER BY item) FROM thidua.dossier_item WHERE nomination_id = pg_temp.id('p04')),
	'minutes=false report=false', 'the dossier items the rulebook entry requires, all missing');
SELECT is(pg_temp.err('wf_other', $$SELECT thidua.nominate('R24', 'LDTT', 'P05', 'DIV1')$$),
	'42501 role "wf_other" may not nominate for unit "DIV1" | Only an administrator or a role acting for unit "DIV1" (thidua.role_unit) may.',
	'the clerk of another unit may not nominate for it');
SELECT is(pg_temp.err('wf_reader', $$SELECT thidua.nominate('R24', 'LDTT', 'P05', 'DIV1')$$),
	'42501 permission denied for function nominate', 'a reader may not nominate');
SELECT is(pg_temp.err('wf_council', $$SELECT thidua.nominate('R24', 'LDTT', 'P05', 'DIV1')$$),
	'42501 permission denied for function nominate', 'a council member may not nominate');
SELECT is(pg_temp.err('wf_clerk', $$SELECT thidua.nominate('R24', 'LDTT', 'DIV1', 'DIV1')$$),
	'P0002 award "LDTT" is for individuals: person "DIV1" does not exist', 'the subject as the award says');
SELECT is(pg_temp.err('wf_clerk', $$SELECT thidua.nominate('R24', 'KNC-TP', 'P05', 'DIV1')$$),
	'P0002 round "R24" does not consider award "KNC-TP" | Its awards: CSTDCS, LDTT, TTLDXS.', 'an award outside the round');
SELECT is(pg_temp.err('wf_clerk', $$SELECT thidua.nominate('R-LATE', 'LDTT', 'P05', 'DIV1')$$),
	'55000 round "R-LATE" closed for nominations on 2025-01-31', 'past the deadline a clerk is refused');
SELECT is(pg_temp.keep('late', pg_temp.as_('wf_admin', $$SELECT thidua.nominate('R-LATE', 'LDTT', 'P05', 'DIV1')$$)),
	'nomination {late}', 'past the deadline an administrator may still nominate');
SELECT is(pg_temp.err('wf_clerk', $$SELECT thidua.nominate('R24', 'LDTT', 'P04', 'DIV1', '', '{"a": 1}')$$),
	'22023 evidence must be a JSON array of strings (links), not {"a": 1}', 'evidence is an array of links');
SELECT is(pg_temp.err('wf_clerk', $$SELECT thidua.nominate('R24', 'CSTDCS', 'P06', 'DIV1', '', '[]', '{initiative:SK-2}')$$),
	'22023 achievement "initiative:SK-2": "P06" is not an author of initiative "SK-2"',
	'an initiative must be the person''s own');

-- Excluded by law: refused outright, naming the record
SELECT is(pg_temp.err('wf_clerk', $$SELECT thidua.nominate('R24', 'LDTT', 'P10', 'DIST')$$),
	'42501 role "wf_clerk" may not nominate for unit "DIST" | Only an administrator or a role acting for unit "DIST" (thidua.role_unit) may.',
	'(P10 belongs to DIST, which wf_clerk does not act for)');
SELECT is(pg_temp.err('wf_admin', $$SELECT thidua.nominate('R24', 'LDTT', 'P10', 'DIST')$$),
	'55000 nomination refused: person "P10" is excluded by law on ' || to_char(current_date, 'YYYY-MM-DD')
	|| ' | Discipline record ' || (SELECT record_id FROM thidua.discipline WHERE person_code = 'P10') || ': under investigation open since 2024-11-01.',
	'a person under investigation is excluded by law, the record named');
SELECT is((SELECT count(*)::int FROM thidua.nomination WHERE person_code = 'P10'), 0, 'and nothing is stored');

-- Illegal steps name the state and the allowed next ones
SELECT is(pg_temp.err('wf_admin', 'SELECT thidua.check({p04})'),
	'55000 nomination {p04} is draft: the step "check" is not allowed now | Allowed next: submit (to submitted), withdraw (to withdrawn).',
	'check of a draft: the state and the allowed next');
SELECT is(pg_temp.err('wf_admin', $$SELECT thidua.decide({p04}, '1/QĐ', '2025-01-10', 'Giám đốc')$$),
	'55000 nomination {p04} is draft: the step "decide" is not allowed now | Allowed next: submit (to submitted), withdraw (to withdrawn).',
	'decide of a draft');
SELECT is(pg_temp.err('wf_admin', 'SELECT thidua.award({p04})'),
	'55000 nomination {p04} is draft: the step "award" is not allowed now | Allowed next: submit (to submitted), withdraw (to withdrawn).',
	'award of a draft');

-- Editing: the proposer, while draft or returned; each change bumps the revision
SELECT is(pg_temp.as_('wf_clerk', $$SELECT thidua.set_dossier_item({p04}, 'report', true, 'BC-01.pdf')$$), '2', 'a dossier item present: revision 2');
SELECT is(pg_temp.err('wf_clerk', $$SELECT thidua.set_dossier_item({p04}, 'photo', true)$$),
	'P0002 nomination {p04} has no dossier item "photo" | Its items: minutes, report.', 'an unknown dossier item, the items named');
SELECT is(pg_temp.err('wf_other', $$SELECT thidua.update_nomination({p04}, 'x')$$),
	'42501 role "wf_other" may not edit nomination {p04} | Only an administrator or a role acting for the proposing unit "DIV1" may.',
	'the clerk of another unit may not edit');
SELECT is(pg_temp.err('wf_other', 'SELECT thidua.submit({p04})'),
	'42501 role "wf_other" may not submit nomination {p04} | Only an administrator or a role acting for the proposing unit "DIV1" may.',
	'the clerk of another unit may not submit');
SELECT is(pg_temp.as_('wf_clerk', 'SELECT thidua.submit({p04})'), 'submitted', 'draft -> submitted (submit)');
SELECT is(pg_temp.err('wf_clerk', $$SELECT thidua.update_nomination({p04}, 'x')$$),
	'55000 nomination {p04} is submitted: the step "edit" is not allowed now | A nomination is changed while draft or returned only.',
	'a submitted nomination is not edited');
SELECT is(pg_temp.err('wf_clerk', $$SELECT thidua.return_nomination({p04}, 'thiếu biên bản')$$),
	'42501 permission denied for function return_nomination', 'a clerk may not return');
SELECT is(pg_temp.err('wf_admin', 'SELECT thidua.return_nomination({p04}, NULL)'),
	'22004 returning nomination {p04} needs a reason', 'returning needs a reason');
SELECT is(pg_temp.err('wf_admin', 'SELECT thidua.check({p04})'),
	'55000 nomination {p04}: the dossier is incomplete | Missing: minutes.', 'check refuses an incomplete dossier, naming the items');
SELECT is(pg_temp.as_('wf_admin', $$SELECT thidua.return_nomination({p04}, 'thiếu biên bản họp')$$), 'returned', 'submitted -> returned (return)');
SELECT is((SELECT returned_at_revision FROM thidua.nomination WHERE nomination_id = pg_temp.id('p04')), 2, 'the revision it was returned at');
SELECT is(pg_temp.err('wf_clerk', 'SELECT thidua.resubmit({p04})'),
	'55000 nomination {p04}: a returned dossier cannot come back unchanged | It was returned at revision 2 and is still at it.',
	'a returned dossier cannot come back unchanged');
-- an edit that changes nothing is accepted and leaves the revision (and the log) as it is
SELECT is(pg_temp.as_('wf_clerk', 'SELECT thidua.update_nomination({p04})'), '2', 'an edit with nothing given: still revision 2');
SELECT is(pg_temp.as_('wf_clerk', $$SELECT thidua.update_nomination({p04}, ' Hoàn thành xuất sắc ', '["https://example.org/p04.pdf"]', '{}')$$), '2',
	'the same summary, evidence and achievements again: still revision 2');
SELECT is(pg_temp.as_('wf_clerk', $$SELECT thidua.set_dossier_item({p04}, 'report', true, ' BC-01.pdf')$$), '2',
	'a dossier item set as it was: still revision 2');
SELECT is(pg_temp.err('wf_clerk', 'SELECT thidua.resubmit({p04})'),
	'55000 nomination {p04}: a returned dossier cannot come back unchanged | It was returned at revision 2 and is still at it.',
	'so it still cannot come back');
-- over-long text: named, before anything changes
SELECT is(pg_temp.err('wf_clerk', $$SELECT thidua.update_nomination({p04}, repeat('x', 10001))$$),
	'22001 nomination {p04}, field "summary": 10,001 characters, at most 10000', 'an over-long summary is named');
SELECT is(pg_temp.err('wf_clerk', $$SELECT thidua.update_nomination({p04}, NULL, NULL, ARRAY['ok', repeat('a', 201)])$$),
	'22001 nomination {p04}, field "achievements[2]": 201 characters, at most 200', 'an over-long achievement is named by position');
SELECT is(pg_temp.err('wf_clerk', $$SELECT thidua.set_dossier_item({p04}, 'minutes', true, repeat('r', 1001))$$),
	'22001 nomination {p04}, dossier item "minutes", field "reference": 1,001 characters, at most 1000', 'an over-long reference is named');
SELECT is((SELECT dossier_revision FROM thidua.nomination WHERE nomination_id = pg_temp.id('p04')), 2, 'and nothing changed');
SELECT is(pg_temp.as_('wf_clerk', $$SELECT thidua.set_dossier_item({p04}, 'minutes', true, 'BB-01.pdf')$$), '3', 'changed: revision 3');
SELECT is(pg_temp.as_('wf_clerk', $$SELECT thidua.resubmit({p04}, 'đã bổ sung')$$), 'resubmitted', 'returned -> resubmitted (resubmit)');
SELECT is(pg_temp.as_('wf_admin', $$SELECT thidua.return_nomination({p04}, 'ghi rõ số liệu')$$), 'returned', 'resubmitted -> returned (return)');
SELECT is(pg_temp.as_('wf_clerk', $$SELECT thidua.update_nomination({p04}, 'Hoàn thành xuất sắc, số liệu 2024')$$), '4', 'edited: revision 4');
SELECT is(pg_temp.as_('wf_clerk', 'SELECT thidua.resubmit({p04})'), 'resubmitted', 'resubmitted again');
SELECT is(pg_temp.err('wf_clerk', 'SELECT thidua.check({p04})'), '42501 permission denied for function check', 'a clerk may not check');
SELECT is(pg_temp.err('wf_council', 'SELECT thidua.check({p04})'), '42501 permission denied for function check', 'a council member may not check');

-- Check: the eligibility stored as it stood, never rewritten
SELECT is(pg_temp.as_('wf_admin', 'SELECT thidua.check({p04})'), 'checked', 'resubmitted -> checked (check)');
SELECT is((SELECT row(checked_on = current_date, rulebook_version, eligibility_snapshot -> 0 ->> 'node', (eligibility_snapshot -> 0 ->> 'passed'))::text
		   FROM thidua.nomination WHERE nomination_id = pg_temp.id('p04')), '(t,t/wf,rule,true)', 'the snapshot, the date and the rulebook version stored');
CREATE TEMP TABLE snapshot_then AS SELECT eligibility_snapshot FROM thidua.nomination WHERE nomination_id = pg_temp.id('p04');
UPDATE thidua.individual_rating SET rating = 'HTNV' WHERE person_code = 'P04' AND year = 2024;
SELECT is((SELECT passed FROM thidua.eligibility('P04', 'LDTT', 2024, 't/wf') WHERE node = 'rule'), false,
	'the records changed: P04 is no longer eligible today');
SELECT is((SELECT eligibility_snapshot FROM thidua.nomination WHERE nomination_id = pg_temp.id('p04')), (SELECT eligibility_snapshot FROM snapshot_then),
	'the stored snapshot is not rewritten');
UPDATE thidua.individual_rating SET rating = 'HTXSNV' WHERE person_code = 'P04' AND year = 2024;
SELECT is(pg_temp.err('wf_admin', 'SELECT thidua.disclose({p04})'),
	'55000 award "LDTT" is not disclosed to the public under rulebook t/wf | Its rulebook entry requires no disclosure (disclosure is null).',
	'disclosure only for awards whose entry requires it');
SELECT is(pg_temp.err('wf_admin', $$SELECT thidua.decide({p04}, '1/QĐ', '2025-01-10', 'Giám đốc')$$),
	'55000 nomination {p04} is checked: the step "decide" is not allowed now | Allowed next: disclose (to disclosed), open_vote (to in_vote), approve (to approved), reject (to rejected), withdraw (to withdrawn).',
	'decide before approval');
-- approve is the ballot part's: its transition, taken as it will be
SELECT is(thidua._transition(pg_temp.id('p04'), 'approve', 'test: approved'), 'approved', 'checked -> approved');
INSERT INTO thidua.quota_tie (round_code, award_code, scope, seats_left, tied) VALUES ('R24', 'CSTDCS', 'DIV1', 1, '{7,8}');
SELECT is(pg_temp.err('wf_admin', $$SELECT thidua.decide({p04}, '15/QĐ-STP', '2025-01-10', 'Giám đốc Sở')$$),
	'55000 round "R24" is blocked by a tie at the quota of award "CSTDCS" (scope "DIV1") | Nominations 7, 8 are tied for 1 seat(s).',
	'decide refuses while the round has an undecided tie');
UPDATE thidua.quota_tie SET chosen = '{7}', reason = 'test', decided_at = now(), decided_by = 'wf_admin';
SELECT is(pg_temp.err('wf_admin', $$SELECT thidua.decide({p04}, '', '2025-01-10', 'Giám đốc Sở')$$),
	'22004 deciding nomination {p04} needs the decision number, date and signer', 'a decision needs its number, date and signer');
SELECT is(pg_temp.err('wf_admin', $$SELECT thidua.decide({p04}, repeat('1', 101), '2025-01-10', 'Giám đốc Sở')$$),
	'22001 nomination {p04}, field "decision_number": 101 characters, at most 100', 'an over-long decision number is named');
SELECT is(pg_temp.as_('wf_admin', $$SELECT thidua.decide({p04}, '15/QĐ-STP', '2025-01-10', 'Giám đốc Sở')$$), 'decided', 'approved -> decided (decide)');
SELECT is((SELECT passed FROM thidua.eligibility('P04', 'CSTDCS', 2024, 't/wf') WHERE node = 'rule.all_of[0]'), false,
	'before the award: P04 holds no LDTT 2024 that counts (revoked)');
SELECT ok(pg_temp.as_('wf_admin', 'SELECT thidua.award({p04})')::bigint > 0, 'decided -> awarded (award)');
SELECT is((SELECT row(subject_kind, subject, award_code, year, decision_number, decision_date, issuer, revoked_on, nomination_id)::text
		   FROM thidua.award_registry WHERE record_id = (SELECT award_record_id FROM thidua.nomination WHERE nomination_id = pg_temp.id('p04'))),
	'(individual,P04,LDTT,2024,15/QĐ-STP,2025-01-10,"Giám đốc Sở Tư pháp",,' || pg_temp.id('p04') || ')', 'the registry entry, with its decision and nomination');
SELECT is((SELECT passed FROM thidua.eligibility('P04', 'CSTDCS', 2024, 't/wf') WHERE node = 'rule.all_of[0]'), true,
	'the award counts for eligibility');
-- the registry entry of a nomination: not rewritten, not deleted, revoked only through the nomination
SELECT matches(pg_temp.err('wf_admin', $$UPDATE thidua.individual_award SET decision_number = 'FAKE', year = 2005
	WHERE record_id = (SELECT award_record_id FROM thidua.nomination WHERE nomination_id = pg_temp.id('p04'))$$),
	'^55000 award record [0-9]+ was entered by nomination \{p04\}: it is not changed \| Changed: decision_number, year\.$',
	'the office may not rewrite a registry entry the workflow made');
SELECT matches(pg_temp.err('wf_admin', $$DELETE FROM thidua.individual_award
	WHERE record_id = (SELECT award_record_id FROM thidua.nomination WHERE nomination_id = pg_temp.id('p04'))$$),
	'^55000 award record [0-9]+ was entered by nomination \{p04\}: it is not deleted \| Nomination \{p04\} is awarded and points to it\.$',
	'nor delete it');
SELECT matches(pg_temp.err('wf_admin', $$SELECT thidua.revoke_award((SELECT award_record_id FROM thidua.nomination WHERE nomination_id = pg_temp.id('p04')),
	'2025-06-01', 'x', 'y')$$),
	'^55000 award record [0-9]+ was entered by nomination \{p04\}: it is revoked through the nomination \| Nomination \{p04\} is awarded\.$',
	'nor revoke it past its nomination');
SELECT is(pg_temp.err('wf_admin', $$SELECT thidua.revoke({p04}, '2025-06-01', 'hồ sơ không trung thực', NULL)$$),
	'22004 revoking nomination {p04} needs the date, a reason and the decision', 'revocation needs a decision');
SELECT is(pg_temp.as_('wf_admin', $$SELECT thidua.revoke({p04}, '2025-06-01', 'hồ sơ không trung thực', '30/QĐ-STP')$$), 'revoked',
	'awarded -> revoked (revoke)');
SELECT is((SELECT row(revoked_on, revocation_reason)::text FROM thidua.award_registry WHERE nomination_id = pg_temp.id('p04')),
	'(2025-06-01,"hồ sơ không trung thực")', 'the registry keeps the entry, marked, with its reason');
SELECT is((SELECT passed || ' ' || evidence FROM thidua.eligibility('P04', 'CSTDCS', 2024, 't/wf') WHERE node = 'rule.all_of[0]'),
	'false no LDTT in 2024; 2 not counted: revoked', 'a revoked award no longer counts for eligibility');
SELECT matches(pg_temp.err('postgres', $$UPDATE thidua.individual_award SET year = 2005
	WHERE record_id = (SELECT award_record_id FROM thidua.nomination WHERE nomination_id = pg_temp.id('p04'))$$),
	'^55000 award record [0-9]+ was entered by nomination \{p04\}: it is not changed \| Changed: year\.$',
	'revoked, it is still not rewritten, not even by the owner');
SELECT is(pg_temp.err('wf_admin', $$SELECT thidua.revoke({p04}, '2025-06-01', 'x', 'y')$$),
	'55000 nomination {p04} is revoked: the step "revoke" is not allowed now | None: the nomination is final.', 'revoked is final');

-- The event log: complete (a chain from draft to the state), by the login roles
SELECT is((SELECT string_agg(action || ':' || coalesce(from_state::text, '-') || '>' || to_state || '@' || by_role, ' ' ORDER BY event_id)
		   FROM thidua.nomination_event WHERE nomination_id = pg_temp.id('p04')),
	'nominate:->draft@wf_clerk dossier:draft>draft@wf_clerk submit:draft>submitted@wf_clerk return:submitted>returned@wf_admin '
	'dossier:returned>returned@wf_clerk resubmit:returned>resubmitted@wf_clerk return:resubmitted>returned@wf_admin '
	'edit:returned>returned@wf_clerk resubmit:returned>resubmitted@wf_clerk check:resubmitted>checked@wf_admin '
	'approve:checked>approved@postgres decide:approved>decided@wf_admin award:decided>awarded@wf_admin revoke:awarded>revoked@wf_admin',
	'every step of nomination 1, who took it, from and to');
SELECT is((SELECT reason FROM thidua.nomination_event WHERE nomination_id = pg_temp.id('p04') AND action = 'return' ORDER BY event_id LIMIT 1),
	'thiếu biên bản họp', 'with the reason given');
SELECT is_empty($$ SELECT e.event_id FROM thidua.nomination_event e
	WHERE e.from_state IS DISTINCT FROM (SELECT p.to_state FROM thidua.nomination_event p WHERE p.nomination_id = e.nomination_id
										 AND p.event_id < e.event_id ORDER BY p.event_id DESC LIMIT 1) $$,
	'every event starts where the one before it ended');
SELECT is_empty($$ SELECT n.nomination_id FROM thidua.nomination n
	WHERE n.state IS DISTINCT FROM (SELECT e.to_state FROM thidua.nomination_event e WHERE e.nomination_id = n.nomination_id
									ORDER BY e.event_id DESC LIMIT 1) $$,
	'every nomination''s state is its last event''s');
SELECT is(pg_temp.err('wf_admin', $$UPDATE thidua.nomination_event SET reason = 'x' WHERE nomination_id = pg_temp.id('p04')$$),
	'42501 permission denied for table nomination_event', 'an administrator may not update the event log');
SELECT is(pg_temp.err('wf_admin', $$DELETE FROM thidua.nomination_event WHERE nomination_id = pg_temp.id('p04')$$),
	'42501 permission denied for table nomination_event', 'nor delete from it');
SELECT is(pg_temp.err('postgres', $$UPDATE thidua.nomination_event SET reason = 'x' WHERE nomination_id = pg_temp.id('p04')$$),
	'42501 the nomination event log is append-only: update is refused | Every step of every nomination stays on record as it was taken.',
	'not even the owner updates it');
SELECT is(pg_temp.err('postgres', $$DELETE FROM thidua.nomination_event$$),
	'42501 the nomination event log is append-only: delete is refused | Every step of every nomination stays on record as it was taken.',
	'nor deletes from it');
SELECT is(pg_temp.err('wf_admin', $$UPDATE thidua.nomination SET state = 'awarded' WHERE nomination_id = pg_temp.id('p04')$$),
	'42501 permission denied for table nomination', 'no one writes a nomination''s state but the workflow');

-- Override: only the failed rule kinds the entry lists, and only with a reason
SELECT is(pg_temp.keep('p06', pg_temp.as_('wf_clerk', $$SELECT thidua.nominate('R24', 'CSTDCS', 'P06', 'DIV1')$$)), 'nomination {p06}',
	'P06 for CSTDCS (rated HTTNV)');
SELECT is(pg_temp.as_('wf_clerk', $$SELECT thidua.set_dossier_item({p06}, 'report', true)$$), '2', 'its report present');
SELECT is(pg_temp.as_('wf_clerk', 'SELECT thidua.submit({p06})'), 'submitted', 'submitted');
SELECT is(pg_temp.err('wf_admin', 'SELECT thidua.check({p06})'),
	'55000 nomination {p06}: P06 is not eligible for CSTDCS 2024, and the override needs a stated reason | Failing (overridable): rule.all_of[1].any_of[0] (rating_this_year); rule.all_of[1].any_of[1] (initiatives).',
	'not eligible, overridable, but no reason: refused');
SELECT is(pg_temp.as_('wf_admin', $$SELECT thidua.return_nomination({p06}, 'nêu lý do')$$), 'returned', 'returned for the reason');
SELECT is(pg_temp.as_('wf_clerk', $$SELECT thidua.update_nomination({p06}, override_reason => 'Thành tích đột xuất trong phòng chống dịch')$$), '3',
	'the proposer states the override''s reason');
SELECT is(pg_temp.as_('wf_clerk', 'SELECT thidua.resubmit({p06})'), 'resubmitted', 'resubmitted');
SELECT is(pg_temp.as_('wf_admin', 'SELECT thidua.check({p06})'), 'checked', 'checked under the override');
SELECT is((SELECT detail -> 'override' ->> 'reason' || ' | ' || jsonb_array_length(detail -> 'override' -> 'failing')
		   FROM thidua.nomination_event WHERE nomination_id = pg_temp.id('p06') AND action = 'check'),
	'Thành tích đột xuất trong phòng chống dịch | 2', 'the event keeps the reason and the failed nodes');
SELECT is((SELECT eligibility_snapshot -> 0 ->> 'passed' FROM thidua.nomination WHERE nomination_id = pg_temp.id('p06')), 'false',
	'the snapshot shows it not eligible');
SELECT is(pg_temp.keep('p08', pg_temp.as_('wf_clerk', $$SELECT thidua.nominate('R24', 'CSTDCS', 'P08', 'DIV1', override_reason => 'lý do')$$)),
	'nomination {p08}', 'P08 for CSTDCS (no LDTT 2024 that counts)');
SELECT is(pg_temp.as_('wf_clerk', $$SELECT thidua.set_dossier_item({p08}, 'report', true)$$) || ' ' || pg_temp.as_('wf_clerk', 'SELECT thidua.submit({p08})'),
	'2 submitted', 'its report present, submitted');
SELECT is(pg_temp.err('wf_admin', 'SELECT thidua.check({p08})'),
	'55000 nomination {p08}: P08 is not eligible for CSTDCS 2024 | Failing: rule.all_of[0] (award_held): no LDTT in 2024; 1 not counted: thematic or ad hoc; '
	'rule.all_of[1].any_of[0] (rating_this_year): HTNV in 2024; HTXSNV required; rule.all_of[1].any_of[1] (initiatives): 0 initiatives of scope grassroots or wider recognised in 2024; 1 required.',
	'a rule the entry does not let override: refused, even with a reason');
-- excluded by law at check
INSERT INTO thidua.discipline (person_code, kind, valid_from, decision) VALUES ('P08', 'complaint', current_date, 'KN 5/2025');
SELECT matches(pg_temp.err('wf_admin', 'SELECT thidua.check({p08})'),
	'^55000 checking nomination {p08} refused: person "P08" is excluded by law on .*a complaint being verified open since .*, decision KN 5/2025\.$',
	'check refuses a person excluded by law');

-- Disclosure, comments, withdrawal
SELECT is(pg_temp.err('wf_admin', $$SELECT thidua.comment({p06}, current_date, 'Công dân A', 'Ý kiến')$$),
	'55000 nomination {p06} is checked: comments are recorded while it is disclosed', 'comments only while disclosed');
SELECT is(pg_temp.as_('wf_admin', $$SELECT thidua.disclose({p06}, '2025-01-02')$$), 'disclosed', 'checked -> disclosed (disclose)');
SELECT ok(pg_temp.as_('wf_admin', $$SELECT thidua.comment({p06}, '2025-01-05', 'Công dân A', 'Đồng ý đề nghị')$$)::bigint > 0, 'a comment recorded');
SELECT is(pg_temp.err('wf_clerk', $$SELECT thidua.comment({p06}, '2025-01-05', 'x', 'y')$$),
	'42501 permission denied for function comment', 'a clerk may not record comments');
SELECT is(pg_temp.err('wf_clerk', 'SELECT thidua.withdraw({p06}, NULL)'), '22004 withdrawing nomination {p06} needs a reason', 'withdrawal needs a reason');
SELECT is(pg_temp.as_('wf_clerk', $$SELECT thidua.withdraw({p06}, 'đơn vị rút đề nghị')$$), 'withdrawn', 'disclosed -> withdrawn (withdraw)');

-- Withdrawal from every state before the vote; check straight from submitted
SELECT is(pg_temp.as_('wf_admin', $$SELECT thidua.set_dossier_item({late}, 'report', true) + thidua.set_dossier_item({late}, 'minutes', true)$$)
	|| ' ' || pg_temp.as_('wf_admin', 'SELECT thidua.submit({late})') || ' ' || pg_temp.as_('wf_admin', 'SELECT thidua.check({late})'),
	'5 submitted checked', 'submitted -> checked (check), by an administrator past the deadline');
SELECT is(pg_temp.as_('wf_clerk', $$SELECT thidua.withdraw({late}, 'rút')$$), 'withdrawn', 'checked -> withdrawn');
SELECT is(pg_temp.keep('w1', pg_temp.as_('wf_clerk', $$SELECT thidua.nominate('R24', 'LDTT', 'P05', 'DIV1')$$))
	|| ' ' || pg_temp.as_('wf_clerk', $$SELECT thidua.withdraw({w1}, 'rút')$$), 'nomination {w1} withdrawn', 'draft -> withdrawn');
SELECT is(pg_temp.keep('w2', pg_temp.as_('wf_clerk', $$SELECT thidua.nominate('R24', 'LDTT', 'P05', 'DIV1')$$))
	|| ' ' || pg_temp.as_('wf_clerk', 'SELECT thidua.submit({w2})') || ' ' || pg_temp.as_('wf_clerk', $$SELECT thidua.withdraw({w2}, 'rút')$$),
	'nomination {w2} submitted withdrawn', 'submitted -> withdrawn');
SELECT is(pg_temp.keep('w3', pg_temp.as_('wf_clerk', $$SELECT thidua.nominate('R24', 'LDTT', 'P05', 'DIV1')$$))
	|| ' ' || pg_temp.as_('wf_clerk', 'SELECT thidua.submit({w3})') || ' ' || pg_temp.as_('wf_admin', $$SELECT thidua.return_nomination({w3}, 'x')$$)
	|| ' ' || pg_temp.as_('wf_clerk', $$SELECT thidua.withdraw({w3}, 'rút')$$),
	'nomination {w3} submitted returned withdrawn', 'returned -> withdrawn');
SELECT is(pg_temp.keep('w4', pg_temp.as_('wf_clerk', $$SELECT thidua.nominate('R24', 'LDTT', 'P05', 'DIV1')$$))
	|| ' ' || pg_temp.as_('wf_clerk', 'SELECT thidua.submit({w4})') || ' ' || pg_temp.as_('wf_admin', $$SELECT thidua.return_nomination({w4}, 'x')$$)
	|| ' ' || pg_temp.as_('wf_clerk', $$SELECT thidua.update_nomination({w4}, 'y')$$) || ' ' || pg_temp.as_('wf_clerk', 'SELECT thidua.resubmit({w4})')
	|| ' ' || pg_temp.as_('wf_clerk', $$SELECT thidua.withdraw({w4}, 'rút')$$),
	'nomination {w4} submitted returned 2 resubmitted withdrawn', 'resubmitted -> withdrawn');
SELECT is(pg_temp.err('wf_clerk', $$SELECT thidua.submit({w4})$$),
	'55000 nomination {w4} is withdrawn: the step "submit" is not allowed now | None: the nomination is final.', 'withdrawn is final');
SELECT is(pg_temp.err('wf_other', $$SELECT thidua.withdraw({p06}, 'x')$$),
	'55000 nomination {p06} is withdrawn: the step "withdraw" is not allowed now | None: the nomination is final.', '(the state is judged first)');

-- Duplicates: one achievement in two live nominations
SELECT is(pg_temp.keep('p01', pg_temp.as_('wf_clerk', $$SELECT thidua.nominate('R24', 'CSTDCS', 'P01', 'DIV1', '', '[]', '{initiative:SK-3}')$$))
	|| ' ' || pg_temp.keep('p03', pg_temp.as_('wf_clerk', $$SELECT thidua.nominate('R24', 'CSTDCS', 'P03', 'DIV1', '', '[]', '{initiative:SK-3,"Đề án số hóa"}')$$)),
	'nomination {p01} nomination {p03}', 'P01 and P03 nominated on their shared initiative');
SELECT is((SELECT achievement || ' ' || (nomination_ids = ARRAY[pg_temp.id('p01'), pg_temp.id('p03')]) || ' ' || subjects::text
		   FROM thidua.nomination_duplicates), 'initiative:SK-3 true {P01,P03}', 'the same initiative in two nominations is flagged');
SELECT is(pg_temp.as_('wf_clerk', $$SELECT thidua.withdraw({p03}, 'trùng sáng kiến')$$), 'withdrawn', 'P03''s withdrawn');
SELECT is_empty('SELECT * FROM thidua.nomination_duplicates', 'a withdrawn nomination is no longer counted');

-- Who sees what
INSERT INTO thidua.council_member (round_code, role_name, full_name, council_role) VALUES ('R24', 'wf_council', 'Chủ tịch', 'chair');
SELECT is(pg_temp.as_('wf_clerk', 'SELECT string_agg(i.name, $$,$$ ORDER BY i.name) FROM thidua.nomination n JOIN ids i ON i.id = n.nomination_id'),
	'late,p01,p03,p04,p06,p08,w1,w2,w3,w4', 'a clerk sees its units'' nominations');
SELECT is(pg_temp.as_('wf_other', 'SELECT string_agg(i.name, $$,$$ ORDER BY i.name) FROM thidua.nomination n JOIN ids i ON i.id = n.nomination_id'),
	'p04', 'the clerk of another unit only the decided or later (public) ones');
SELECT is(pg_temp.as_('wf_council', 'SELECT string_agg(i.name, $$,$$ ORDER BY i.name) FROM thidua.nomination n JOIN ids i ON i.id = n.nomination_id'),
	'p04,p06', 'the council those of its round from checked on');
SELECT is(pg_temp.as_('wf_reader', 'SELECT string_agg(i.name, $$,$$ ORDER BY i.name) FROM thidua.nomination n JOIN ids i ON i.id = n.nomination_id'),
	'p04', 'a reader the decided, awarded and revoked ones');
SELECT is(pg_temp.as_('wf_reader', 'SELECT thidua.nominee_name({p04})'), (SELECT full_name FROM thidua.individual WHERE person_code = 'P04'),
	'and their nominee''s name, though a reader reads no people');
SELECT is(pg_temp.as_('wf_reader', 'SELECT count(DISTINCT nomination_id) FROM thidua.nomination_event'), '1', 'and their events');
SELECT is(pg_temp.as_('wf_reader', 'SELECT count(*) FROM thidua.award_registry'),
	(SELECT count(*)::text FROM thidua.award_registry), 'a reader reads the whole registry');

-- Statistics: shares of the front line and of small collectives, exact
INSERT INTO thidua.post_held (person_code, unit_code, post, valid_from, front_line) VALUES ('P01', 'DIV1', 'Chuyên viên', '2020-01-01', true);
UPDATE thidua.unit SET small_collective = true WHERE unit_code = 'DIST';
SELECT is((SELECT row(award_code, level, awarded, revoked, front_line, front_line_share, small_collective, small_collective_share)::text
		   FROM thidua.award_statistics(2024, 2024) WHERE award_code = 'CSTDCS'),
	'(CSTDCS,grassroots,2,0,1,0.50000000000000000000,0,0.00000000000000000000)', 'CSTDCS 2024: one of two on the front line');
SELECT is((SELECT row(awarded, small_collective, small_collective_share)::text FROM thidua.award_statistics(2024, 2024) WHERE award_code = 'TTLDXS'),
	'(2,1,0.50000000000000000000)', 'TTLDXS 2024: one of two units a small collective');
SELECT is((SELECT string_agg(row(unit_code, awarded, revoked)::text, ' ' ORDER BY unit_code) FROM thidua.award_statistics(2024, 2024, 'unit')
		   WHERE unit_code IN ('DIST', 'OTHER')), '(DIST,2,0) (OTHER,1,0)', 'by unit (a person''s unit on 31 December)');
SELECT is(pg_temp.err('wf_reader', $$SELECT count(*) FROM thidua.award_statistics(2024, 2024, 'award,year')$$), 'ok 3',
	'a reader may read the statistics');
SELECT is(pg_temp.err('wf_clerk', $$SELECT count(*) FROM thidua.award_statistics(2024, 2024)$$),
	'42501 permission denied for function award_statistics', 'a clerk may not');
SELECT is(pg_temp.err('wf_admin', $$SELECT count(*) FROM thidua.award_statistics(2024, 2024, 'colour')$$),
	'22023 award statistics cannot be grouped by "colour"', 'an unknown grouping is named');

-- A unit proposes its own: a clerk may not nominate another unit's person or
-- collective, nor a sub-unit's outside the tree; an administrator may.
SELECT is(pg_temp.err('wf_clerk', $$SELECT thidua.nominate('R24', 'LDTT', 'P11', 'DIV1')$$),
	'42501 role "wf_clerk" may not nominate "P11" for unit "DIV1" | "P11" is not a member of unit "DIV1" or its sub-units in 2024; a unit proposes its own.',
	'a clerk may not nominate a person of another unit');
SELECT is(pg_temp.err('wf_clerk', $$SELECT thidua.nominate('R24', 'TTLDXS', 'DIST', 'DIV1')$$),
	'42501 role "wf_clerk" may not nominate "DIST" for unit "DIV1" | "DIST" is not one of unit "DIV1" or its sub-units in 2024; a unit proposes its own.',
	'a clerk may not nominate another collective');
SELECT is(pg_temp.keep('p11', pg_temp.as_('wf_admin', $$SELECT thidua.nominate('R24', 'CSTDCS', 'P11', 'DIV1')$$)), 'nomination {p11}',
	'an administrator may nominate across units');
-- Dates: a decision or a disclosure is not dated in the future or before the round's year.
UPDATE thidua.nomination SET state = 'checked' WHERE nomination_id = pg_temp.id('p11');
SELECT is(pg_temp.err('wf_admin', format($$SELECT thidua.disclose({p11}, %L)$$, current_date + 1)),
	format('22023 nomination {p11} cannot be disclosed on %s | The disclosure date is no later than today and no earlier than 1 January of the round''s year.', current_date + 1),
	'a disclosure is not dated in the future');
UPDATE thidua.nomination SET state = 'approved' WHERE nomination_id = pg_temp.id('p11');
SELECT is(pg_temp.err('wf_admin', $$SELECT thidua.decide({p11}, '1/QĐ', '2023-12-31', 'Giám đốc')$$),
	'22023 nomination {p11}: decision date 2023-12-31 is out of range | A decision is dated no later than today and no earlier than 1 January of the round''s year.',
	'a decision is not dated before the round''s year');
-- Over-long text in the council's and the approval's steps is named, nothing changed.
SELECT is(pg_temp.err('wf_admin', format($$SELECT thidua.set_council('R24', '[{"role": "wf_council", "name": "%s", "council_role": "chair"}]')$$, repeat('x', 301))),
	'22001 members[1], field "name": 301 characters, at most 300', 'a council member''s name over 300 characters is named');
SELECT is(pg_temp.err('wf_admin', format($$SELECT thidua.reject({p11}, %L)$$, repeat('x', 1001))),
	'22001 nomination {p11}, field "reason": 1,001 characters, at most 1000', 'a rejection''s reason over 1000 characters is named');
-- An initiative credited to an award the workflow entered keeps its credit.
INSERT INTO thidua.initiative (initiative_code, title, scope, recognised_on) VALUES ('WF-NI', 'Sáng kiến', 'grassroots', '2024-06-01');
INSERT INTO thidua.initiative_author VALUES ('WF-NI', 'P04');
UPDATE thidua.initiative SET used_by_award = (SELECT award_record_id FROM thidua.nomination WHERE nomination_id = pg_temp.id('p04'))
	WHERE initiative_code = 'WF-NI';
SELECT ok(pg_temp.err('wf_admin', $$UPDATE thidua.initiative SET used_by_award = NULL WHERE initiative_code = 'WF-NI' RETURNING 1$$)
	LIKE '55000 initiative "WF-NI" is credited to award record %, entered by nomination {p04}: its credit is kept%',
	'an administrator may not strip a workflow award of the initiative it used');
-- The council votes once: no nomination for a ballot award after its vote opened.
UPDATE thidua.nomination_round SET vote_opened_at = now() WHERE round_code = 'R24';
UPDATE thidua.rulebook_entry SET council = '{"ballot": true, "threshold": 0.8, "comparison": "at_least", "base": "all_members",
	"source": {"document": "test", "verified": false, "status": "N"}}' WHERE version_code = 't/wf' AND award_code = 'LDTT';
SELECT ok(pg_temp.err('wf_admin', $$SELECT thidua.nominate('R24', 'LDTT', 'P05', 'DIV1')$$)
	LIKE '55000 round "R24" is closed for nominations for award "LDTT": its council''s vote opened at %',
	'no nomination for a ballot award once the round''s vote opened');

SELECT * FROM finish();
ROLLBACK;
