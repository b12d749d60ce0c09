-- The council and the secret ballot, approval and quotas: who may vote, once,
-- the threshold on the stated base (exact, never rounded), the ballots after
-- the close linked to no voter (one xmin shared with no register row, sorted
-- physical order, no dead tuple), quota cuts with the stated rounding, a tie
-- at the cut blocking the award until the council decides, approval and
-- rejection of awards without a ballot; nothing changed after an error.
-- Members act as themselves (session_user) through pg_temp.act.
BEGIN;
SELECT plan(93);
SET LOCAL client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pageinspect;
SELECT thidua.create_roles();
DO $$ BEGIN
	FOR i IN 1..29 LOOP EXECUTE format('CREATE ROLE bt_m%s LOGIN IN ROLE thidua_council', i); END LOOP;
	CREATE ROLE bt_outsider LOGIN IN ROLE thidua_council;
	CREATE ROLE bt_admin LOGIN IN ROLE thidua_admin;
	CREATE ROLE bt_nobody LOGIN;
END $$;
\o /dev/null
\ir ../fixtures/ballot/setup.sql
SELECT pg_temp.bt_version('base9', '[{"award": "CSTD-BT", "council": {"ballot": true, "threshold": 0.9, "comparison": "at_least", "base": "all_members", "source": {"document": "Decree 91/2017/ND-CP", "article": "45"}}},
	{"award": "CSTDCS", "council": {"ballot": true, "threshold": 0.9, "comparison": "at_least", "base": "all_members_less_recused", "recuse_proposing_unit": true}}]');
SELECT pg_temp.bt_version('at10', '[{"award": "CSTD-BT", "council": {"ballot": true, "threshold": 0.9, "comparison": "at_least", "base": "all_members"}},
	{"award": "CSTDCS", "council": {"ballot": true, "threshold": 0.9, "comparison": "more_than", "base": "all_members"}}]');
SELECT pg_temp.bt_version('q', '[{"award": "CSTDCS", "council": {"ballot": true, "threshold": 0.5, "comparison": "at_least", "base": "all_members"},
		"quota": {"base_award": "LDTT", "share": 0.15, "rounding": "down", "per": "unit", "source": {"document": "Decree 98/2023/ND-CP"}}},
	{"award": "BK-BTP", "quota": {"count": 1, "per": "unit", "source": {"document": "test"}}}]');
SELECT pg_temp.bt_version('d', '[{"award": "CSTD-BT", "council": {"ballot": true, "threshold": 0.9, "comparison": "at_least", "base": "all_members"},
	"disclosure": {"working_days": 10, "source": {"document": "Decree 98/2023/ND-CP", "article": "46"}}}]');
SELECT pg_temp.bt_round('R9', 'bt/base9', '{CSTD-BT,CSTDCS}', 9);
SELECT pg_temp.bt_round('R29', 'bt/base9', '{CSTD-BT}', 29);
SELECT pg_temp.bt_round('R10', 'bt/at10', '{CSTD-BT,CSTDCS}', 10);
SELECT pg_temp.bt_round('RQ', 'bt/q', '{CSTDCS,BK-BTP}', 3);
SELECT pg_temp.bt_round('RD', 'bt/d', '{CSTD-BT}', 3);
SELECT pg_temp.bt_round('RS', 'bt/base9', '{CSTD-BT}', 0);
-- bt_m9 is BP9 and belongs to BU2
UPDATE thidua.council_member SET person_code = 'BP9', unit_code = 'BU2' WHERE round_code = 'R9' AND role_name = 'bt_m9';
CREATE TEMP TABLE n (name text PRIMARY KEY, id bigint);
INSERT INTO n VALUES
	('bt9', pg_temp.bt_nominate('R9', 'CSTD-BT', 'BP9')), ('cs9', pg_temp.bt_nominate('R9', 'CSTDCS', 'BP9')),
	('bt1', pg_temp.bt_nominate('R9', 'CSTD-BT', 'BP1')), ('bt2', pg_temp.bt_nominate('R9', 'CSTD-BT', 'BP2')),
	('cs3', pg_temp.bt_nominate('R9', 'CSTDCS', 'BP3', 'BU2')),
	('r29a', pg_temp.bt_nominate('R29', 'CSTD-BT', 'BP1')), ('r29b', pg_temp.bt_nominate('R29', 'CSTD-BT', 'BP2')),
	('at', pg_temp.bt_nominate('R10', 'CSTD-BT', 'BP1')), ('more', pg_temp.bt_nominate('R10', 'CSTDCS', 'BP1')),
	('qa', pg_temp.bt_nominate('RQ', 'CSTDCS', 'QU1-1', 'QU1')), ('qb', pg_temp.bt_nominate('RQ', 'CSTDCS', 'QU1-2', 'QU1')),
	('qc', pg_temp.bt_nominate('RQ', 'CSTDCS', 'QU1-3', 'QU1')), ('qj', pg_temp.bt_nominate('RQ', 'CSTDCS', 'QU1-4', 'QU1')),
	('qd', pg_temp.bt_nominate('RQ', 'CSTDCS', 'QU2-1', 'QU2')), ('qe', pg_temp.bt_nominate('RQ', 'CSTDCS', 'QU2-2', 'QU2')),
	('qf', pg_temp.bt_nominate('RQ', 'CSTDCS', 'QU2-3', 'QU2')), ('qg', pg_temp.bt_nominate('RQ', 'CSTDCS', 'QU2-4', 'QU2')),
	('qh', pg_temp.bt_nominate('RQ', 'CSTDCS', 'QU3A-1', 'QU3')), ('qi', pg_temp.bt_nominate('RQ', 'CSTDCS', 'QU3B-1', 'QU3')),
	('bk1', pg_temp.bt_nominate('RQ', 'BK-BTP', 'QU1-5', 'QU1')), ('bk2', pg_temp.bt_nominate('RQ', 'BK-BTP', 'QU1-6', 'QU1')),
	('d1', pg_temp.bt_nominate('RD', 'CSTD-BT', 'BP1'));
CREATE FUNCTION pg_temp.id(name text) RETURNS bigint LANGUAGE sql AS $$ SELECT id FROM n WHERE n.name = $1 $$;
CREATE FUNCTION pg_temp.state(name text) RETURNS text LANGUAGE sql AS $$
	SELECT state::text FROM thidua.nomination WHERE nomination_id = pg_temp.id(name) $$;
-- what an error must leave as it was
CREATE FUNCTION pg_temp.footprint() RETURNS text LANGUAGE sql AS $$
	SELECT format('%s register, %s ballots, %s events, %s members, %s', (SELECT count(*) FROM thidua.vote_register),
		(SELECT count(*) FROM thidua.ballot), (SELECT count(*) FROM thidua.nomination_event),
		(SELECT count(*) FROM thidua.council_member),
		(SELECT string_agg(state::text, ',' ORDER BY nomination_id) FROM thidua.nomination)) $$;
\o

-- The council: set by the office, checked item by item, frozen once the vote opens.
SELECT matches(pg_temp.act('bt_m1', $$SELECT thidua.set_council('RS', '[]')$$), '^42501', 'a council member cannot set a council');
SELECT is(pg_temp.act('bt_admin', $$SELECT thidua.set_council('RS', '[{"role": "bt_m1", "name": "Chủ tịch", "council_role": "chair"},
	{"role": "bt_nobody", "name": "X"}]')$$),
	'22023 members[2]: field "role": "bt_nobody" is not a member of thidua_council', 'set_council names the item and field of an error');
SELECT is(pg_temp.act('bt_admin', $$SELECT thidua.set_council('RS', '[{"role": "bt_m1", "name": "A", "council_role": "chair"},
	{"role": "bt_m2", "name": "B", "council_role": "chair"}]')$$),
	'23505 members[2]: field "council_role": the council of round "RS" has a chair already', 'one chair per council');
SELECT is(pg_temp.act('bt_admin', $$SELECT thidua.set_council('RS', '[{"role": "bt_m1", "name": "A", "council_role": "chair"},
	{"role": "bt_m2", "name": "B"}]')$$), 'ok', 'the office sets a council');
SELECT is(pg_temp.act('bt_admin', $$SELECT thidua.open_vote('RS')$$),
	'55000 the council of round "RS" has no secretary', 'a vote needs a chair and a secretary');

-- Round R9: 9 members; bt_m9 is the subject of two nominations and belongs to BU2.
SELECT is(pg_temp.act('bt_m1', $$SELECT * FROM thidua.tally('R9')$$), '55000 the vote of round "R9" has not opened', 'no tally before the vote');
SELECT is(pg_temp.act('bt_admin', $$SELECT thidua.open_vote('R9')$$), 'ok', 'the office opens the vote');
SELECT is((SELECT string_agg(state::text, ',' ORDER BY nomination_id) FROM thidua.nomination WHERE round_code = 'R9'),
	'in_vote,in_vote,in_vote,in_vote,in_vote', 'every checked nomination of the ballot awards is in vote');
SELECT matches(pg_temp.act('bt_admin', $$SELECT thidua.set_council('R9', '[{"role": "bt_m1", "name": "A", "council_role": "chair"}]')$$),
	'^55000 the council of round "R9" is frozen: its vote opened at ', 'membership is frozen while the vote is open');
SELECT matches(pg_temp.act('bt_admin', $$SELECT thidua.remove_council_member('R9', 'bt_m3')$$), '^55000 .* frozen', 'no member leaves either');
SELECT is(pg_temp.bt_votes(pg_temp.id('bt9'), 8), 'ok', 'eight members vote yes on BP9''s CSTD-BT');
SELECT is(pg_temp.bt_votes(pg_temp.id('cs9'), 8), 'ok', 'and on BP9''s CSTDCS');
SELECT is(pg_temp.bt_votes(pg_temp.id('bt1'), 8, 0, 1), 'ok', 'eight yes and one abstention on BP1');
SELECT is(pg_temp.bt_votes(pg_temp.id('bt2'), 7), 'ok', 'seven in person on BP2');
SELECT is(pg_temp.bt_votes(pg_temp.id('cs3'), 8), 'ok', 'eight on BP3 (proposed by BU2)');

CREATE TEMP TABLE before AS SELECT pg_temp.footprint() AS f;
SELECT is(pg_temp.act('bt_m9', format($$SELECT thidua.vote(%s, 'yes')$$, pg_temp.id('bt9'))),
	format('42501 role "bt_m9" is recused from the vote on nomination %s', pg_temp.id('bt9')), 'the subject is recused');
SELECT is(pg_temp.act('bt_m9', format($$SELECT thidua.vote(%s, 'yes')$$, pg_temp.id('cs3'))),
	format('42501 role "bt_m9" is recused from the vote on nomination %s', pg_temp.id('cs3')),
	'a member of the proposing unit is recused where the rulebook says so');
SELECT is(pg_temp.act('bt_outsider', format($$SELECT thidua.vote(%s, 'yes')$$, pg_temp.id('bt1'))),
	'42501 role "bt_outsider" is not a member of the council of round "R9"', 'a non-member cannot vote');
SELECT is(pg_temp.act('bt_admin', format($$SELECT thidua.vote(%s, 'yes')$$, pg_temp.id('bt1'))),
	'42501 role "bt_admin" is not a member of the council of round "R9"', 'nor can the office');
SELECT matches(pg_temp.act('bt_nobody', format($$SELECT thidua.vote(%s, 'yes')$$, pg_temp.id('bt1'))), '^42501', 'nor a role without thidua_council');
SELECT is(pg_temp.act('bt_m1', format($$SELECT thidua.vote(%s, 'no')$$, pg_temp.id('bt1'))),
	format('23505 role "bt_m1" has already voted on nomination %s', pg_temp.id('bt1')), 'a second vote is refused');
SELECT is(pg_temp.act('bt_m8', format($$SELECT thidua.vote(%s, 'maybe')$$, pg_temp.id('bt2'))),
	'22023 choice "maybe" is not a vote (one of yes, no, abstain)', 'a choice is yes, no or abstain');
SELECT is(pg_temp.act('bt_m3', format($$SELECT thidua.vote_written(%s, 'bt_m8', 'yes')$$, pg_temp.id('bt2'))),
	'42501 role "bt_m3" is not the secretary of the council of round "R9"', 'only the secretary enters a written vote');
SELECT is(pg_temp.act('bt_admin', format($$SELECT thidua.vote_written(%s, 'bt_m8', 'yes')$$, pg_temp.id('bt2'))),
	'42501 role "bt_admin" is not the secretary of the council of round "R9"', 'the office does not either');
SELECT is(pg_temp.act('bt_m2', format($$SELECT thidua.vote_written(%s, 'bt_outsider', 'yes')$$, pg_temp.id('bt2'))),
	'42501 role "bt_outsider" is not a member of the council of round "R9"', 'a written vote of a non-member is refused');
SELECT is(pg_temp.act('bt_m1', $$SELECT * FROM thidua.tally('R9')$$),
	'55000 the vote of round "R9" is open: no tally until it closes', 'no running tally while the vote is open');
SELECT is(pg_temp.act('bt_admin', $$SELECT * FROM thidua.tally('R9')$$),
	'55000 the vote of round "R9" is open: no tally until it closes', 'not even for the office');
SELECT is(pg_temp.footprint(), (SELECT f FROM before), 'nothing changed after any of these errors');

SELECT is(pg_temp.act('bt_m2', format($$SELECT thidua.vote_written(%s, 'bt_m8', 'yes'), thidua.vote_written(%s, 'bt_m9', 'yes')$$,
	pg_temp.id('bt2'), pg_temp.id('bt2'))), 'ok', 'the secretary enters two absent members'' written votes');
SELECT is(pg_temp.act('bt_m8', format($$SELECT thidua.vote(%s, 'no')$$, pg_temp.id('bt2'))),
	format('23505 role "bt_m8" has already voted on nomination %s', pg_temp.id('bt2')), 'the member cannot vote again in person');
SELECT is((SELECT string_agg(role_name || ':' || written || ':' || entered_by || ':' || coalesce(choice, '-'), ' ' ORDER BY role_name)
	FROM thidua.vote_register WHERE nomination_id = pg_temp.id('bt2') AND written), 'bt_m8:true:bt_m2:- bt_m9:true:bt_m2:-',
	'written votes are marked, with who entered them, and no choice in a secret register');
SELECT ok((SELECT count(*) FROM thidua.ballot b JOIN thidua.vote_register v ON v.xmin = b.xmin) > 0,
	'while the vote is open a register row and its ballot share a transaction id');

SELECT is(pg_temp.act('bt_admin', $$SELECT thidua.close_vote('R9')$$), 'ok', 'the office closes the vote');
-- the ballots after the close
SELECT is(ARRAY(SELECT attname::text FROM pg_attribute WHERE attrelid = 'thidua.ballot'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum),
	'{nomination_id,choice}', 'a ballot holds the nomination and the choice, no voter, no time, no identifier');
SELECT is((SELECT count(DISTINCT xmin::text)::int FROM thidua.ballot), 1, 'every ballot has one and the same xmin');
SELECT is((SELECT count(*)::int FROM thidua.vote_register v WHERE v.xmin::text IN (SELECT b.xmin::text FROM thidua.ballot b)), 0,
	'no register row shares it');
SELECT is((SELECT count(*)::int FROM thidua.nomination x WHERE x.xmin::text IN (SELECT b.xmin::text FROM thidua.ballot b)), 0,
	'nor any other row written at the close');
SELECT is((SELECT array_agg(nomination_id || choice ORDER BY ctid) FROM thidua.ballot),
	(SELECT array_agg(nomination_id || choice ORDER BY nomination_id, choice) FROM thidua.ballot),
	'the physical order of the ballots is their sorted order');
SELECT is((SELECT count(*)::int FROM generate_series(0, pg_relation_size('thidua.ballot') / current_setting('block_size')::int - 1) p,
		heap_page_items(get_raw_page('thidua.ballot', p::int)) h),
	(SELECT count(*)::int FROM thidua.ballot), 'the ballot table''s pages hold no line but the live ballots: no dead tuple');
SELECT is((SELECT count(DISTINCT h.t_xmin::text)::int FROM generate_series(0, pg_relation_size('thidua.ballot') / current_setting('block_size')::int - 1) p,
		heap_page_items(get_raw_page('thidua.ballot', p::int)) h), 1, 'and no tuple with another xmin');
SELECT is((SELECT array_agg(nomination_id || role_name ORDER BY ctid) FROM thidua.vote_register),
	(SELECT array_agg(nomination_id || role_name ORDER BY nomination_id, role_name) FROM thidua.vote_register),
	'the register is re-laid in sorted order too');
-- row-level security of the register: the office all, a member its rounds' rows
CREATE FUNCTION pg_temp.count_as(who text, query text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	result text;
BEGIN
	PERFORM set_config('session_authorization', who, true);
	EXECUTE query INTO result;
	PERFORM set_config('session_authorization', 'postgres', true);
	RETURN result;
END
$$;
SELECT is(pg_temp.count_as('bt_admin', 'SELECT count(*) FROM thidua.vote_register'), (SELECT count(*)::text FROM thidua.vote_register),
	'the office reads the whole register');
SELECT is(pg_temp.count_as('bt_m9', 'SELECT count(*) FROM thidua.vote_register'),
	(SELECT count(*)::text FROM thidua.vote_register v JOIN thidua.nomination x USING (nomination_id) WHERE x.round_code = 'R9'),
	'a member reads the register of its round');
SELECT is(pg_temp.count_as('bt_outsider', 'SELECT count(*) FROM thidua.vote_register'), '0', 'a council member on no council reads no register row');
SELECT is(pg_temp.act('bt_admin', 'SELECT 1 FROM thidua.ballot'), '42501 permission denied for table ballot', 'the office cannot read the ballots');
SELECT is(pg_temp.act('bt_m1', 'SELECT 1 FROM thidua.ballot'), '42501 permission denied for table ballot', 'nor can a member');

-- the tally on the stated base, exact
SELECT is((SELECT string_agg(x.name || ':' || pg_temp.state(x.name), ' ' ORDER BY x.name) FROM n x WHERE x.name IN ('bt9', 'cs9', 'bt1', 'bt2', 'cs3')),
	'bt1:rejected bt2:approved bt9:rejected cs3:approved cs9:approved', 'the vote decides each nomination of R9');
SELECT is((SELECT tally - 'source' FROM thidua.nomination WHERE nomination_id = pg_temp.id('bt9')),
	'{"no": 0, "yes": 8, "base": "all_members", "passed": false, "abstain": 0, "ballots": 8, "members": 9, "recused": ["bt_m9"],
	  "written": 0, "required": "8.1", "base_size": 9, "not_voted": 0, "threshold": 0.9, "arithmetic": "8 yes of 9 (all members): at least 90 % of 9 = 8.1: failed",
	  "comparison": "at_least"}'::jsonb, '9 members, 1 recused: 8 yes fail 90 % of all 9 members');
SELECT is((SELECT tally ->> 'arithmetic' FROM thidua.nomination WHERE nomination_id = pg_temp.id('cs9')),
	'8 yes of 8 (all members less recused): at least 90 % of 8 = 7.2: passed', 'and pass 90 % of the 8 less the recused');
SELECT is((SELECT tally ->> 'arithmetic' FROM thidua.nomination WHERE nomination_id = pg_temp.id('bt1')),
	'8 yes of 9 (all members): at least 90 % of 9 = 8.1: failed', 'an abstention stays in the base');
SELECT is((SELECT (tally ->> 'written')::int FROM thidua.nomination WHERE nomination_id = pg_temp.id('bt2')), 2, 'written votes are counted and shown');
SELECT is((SELECT count(*)::int FROM thidua.tally('R9') t JOIN thidua.nomination x USING (nomination_id)
		   WHERE t.votes_yes = (SELECT count(*) FROM thidua.ballot b WHERE b.nomination_id = x.nomination_id AND b.choice = 'yes')
			 AND t.votes_yes + t.votes_no + t.votes_abstain = (SELECT count(*) FROM thidua.vote_register v WHERE v.nomination_id = x.nomination_id)
			 AND t.votes_yes = (x.tally ->> 'yes')::int AND t.passed = (x.tally ->> 'passed')::boolean), 5,
	'the tally is reproducible from the stored ballots, and equals the register');
SELECT is(pg_temp.act('bt_m4', $$SELECT * FROM thidua.tally('R9')$$), 'ok', 'a member reads the tally after the close');
SELECT is(pg_temp.act('bt_outsider', $$SELECT * FROM thidua.tally('R9')$$),
	'42501 role "bt_outsider" may not read the tally of round "R9"', 'a non-member does not');
SELECT matches(pg_temp.act('bt_m1', format($$SELECT thidua.vote(%s, 'yes')$$, pg_temp.id('bt2'))),
	'^55000 the vote of round "R9" closed at ', 'a vote after the close is refused');
SELECT matches(pg_temp.act('bt_admin', $$SELECT thidua.add_council_member('R9', 'bt_m10', 'Late')$$),
	'^55000 the council of round "R9" is frozen: its vote closed at ', 'membership stays frozen after the close');

-- 26 of 29 (89.66 %) fails 90 %; at least and more than at exactly the threshold
SELECT is(pg_temp.act('bt_admin', $$SELECT thidua.open_vote('R29'), thidua.open_vote('R10')$$), 'ok', 'two more votes open');
SELECT is(pg_temp.bt_votes(pg_temp.id('r29a'), 26, 3) || pg_temp.bt_votes(pg_temp.id('r29b'), 27, 2)
	|| pg_temp.bt_votes(pg_temp.id('at'), 9, 1) || pg_temp.bt_votes(pg_temp.id('more'), 9, 1), 'okokokok', 'the members vote');
SELECT is(pg_temp.act('bt_admin', $$SELECT thidua.close_vote('R29'), thidua.close_vote('R10')$$), 'ok', 'and the votes close');
SELECT is((SELECT string_agg(x.name || ': ' || (t.tally ->> 'arithmetic'), '; ' ORDER BY x.name) FROM n x JOIN thidua.nomination t ON t.nomination_id = x.id
		   WHERE x.name IN ('r29a', 'r29b', 'at', 'more')),
	'at: 9 yes of 10 (all members): at least 90 % of 10 = 9: passed; more: 9 yes of 10 (all members): more than 90 % of 10 = 9: failed; '
	'r29a: 26 yes of 29 (all members): at least 90 % of 29 = 26.1: failed; r29b: 27 yes of 29 (all members): at least 90 % of 29 = 26.1: passed',
	'26 of 29 fails 90 %, 27 passes; exactly 90 % passes "at least" and fails "more than"');

-- Quotas: 15 % of LDTT holders per proposing unit, rounded down
SELECT is(pg_temp.act('bt_admin', $$SELECT thidua.open_vote('RQ')$$), 'ok', 'the quota round''s vote opens (its ballot award only)');
SELECT is(pg_temp.bt_votes(pg_temp.id('qa'), 3) || pg_temp.bt_votes(pg_temp.id('qb'), 2, 1) || pg_temp.bt_votes(pg_temp.id('qc'), 2, 1)
	|| pg_temp.bt_votes(pg_temp.id('qj'), 1, 2) || pg_temp.bt_votes(pg_temp.id('qd'), 3) || pg_temp.bt_votes(pg_temp.id('qe'), 3)
	|| pg_temp.bt_votes(pg_temp.id('qf'), 2, 0, 1) || pg_temp.bt_votes(pg_temp.id('qg'), 2, 1) || pg_temp.bt_votes(pg_temp.id('qh'), 2, 1)
	|| pg_temp.bt_votes(pg_temp.id('qi'), 2, 1), 'okokokokokokokokokok', 'the council votes on ten nominations');
SELECT is(pg_temp.act('bt_admin', $$SELECT thidua.close_vote('RQ')$$), 'ok', 'the vote closes and the quota applies');
SELECT is((SELECT string_agg(x.name || ':' || pg_temp.state(x.name), ' ' ORDER BY x.name) FROM n x WHERE x.name ~ '^q'),
	'qa:approved qb:rejected qc:rejected qd:approved qe:approved qf:in_vote qg:in_vote qh:rejected qi:approved qj:rejected',
	'QU1: one seat; QU2: three seats, a tie for the third; QU3: one seat, to the better standing; a failed vote takes no seat');
SELECT is((SELECT over_quota ->> 'arithmetic' || ' | ' || (over_quota ->> 'rank') || ' | ' || (over_quota ->> 'seats_left')
		   FROM thidua.nomination WHERE nomination_id = pg_temp.id('qb')),
	'15 % of 13 = 1.95, rounded down: 1 | 2 | 1', 'over quota: the rule''s arithmetic, never rounded until the stated rounding');
SELECT is((SELECT over_quota ->> 'rule' FROM thidua.nomination WHERE nomination_id = pg_temp.id('qb')),
	'15 % of the holders of LDTT in QU1 (with its sub-units)', 'and the rule itself');
SELECT is((SELECT (over_quota ->> 'standing') || ' ' || (over_quota ->> 'arithmetic') FROM thidua.nomination WHERE nomination_id = pg_temp.id('qh')),
	'2 15 % of 7 = 1.05, rounded down: 1', 'equal votes: the unit''s published standing decides');
SELECT is((SELECT reason FROM thidua.nomination_event WHERE nomination_id = pg_temp.id('qj') ORDER BY event_id DESC LIMIT 1),
	'the council vote failed: 1 yes of 3 (all members): at least 50 % of 3 = 1.5: failed', 'a failed vote is rejected with its tally');
SELECT is((SELECT format('%s %s %s', scope, seats_left, tied = ARRAY[pg_temp.id('qf'), pg_temp.id('qg')]) FROM thidua.quota_tie
		   WHERE round_code = 'RQ' AND decided_at IS NULL), 'QU2 1 t', 'the tie at the cut is recorded: the round is blocked');
SELECT is(pg_temp.act('bt_admin', $$SELECT thidua.approve_round('RQ', 'CSTDCS')$$) || ' ' || pg_temp.state('qf') || ' ' || pg_temp.state('qg'),
	'ok in_vote in_vote', 'approving the round again leaves the tie to the council');
SELECT is(pg_temp.act('bt_admin', format($$SELECT thidua.resolve_tie('RQ', 'CSTDCS', 'QU2', '{%s,%s}', 'both')$$, pg_temp.id('qf'), pg_temp.id('qg'))),
	format('22023 chosen must be 1 distinct nomination(s) among the tied {%s,%s}, not {%s,%s}', pg_temp.id('qf'), pg_temp.id('qg'), pg_temp.id('qf'), pg_temp.id('qg')),
	'the council chooses exactly the seats left');
SELECT is(pg_temp.act('bt_admin', format($$SELECT thidua.resolve_tie('RQ', 'CSTDCS', 'QU2', '{%s}', 'vote of the council on 2019-12-20: fewer no votes')$$, pg_temp.id('qf')))
	|| ' ' || pg_temp.state('qf') || ' ' || pg_temp.state('qg'), 'ok approved rejected', 'the council''s decision unblocks the round');
SELECT is((SELECT reason || ' by ' || decided_by FROM thidua.quota_tie WHERE round_code = 'RQ'),
	'vote of the council on 2019-12-20: fewer no votes by bt_admin', 'recorded with its reason');

-- Awards without a ballot: approved one by one within the quota, or rejected with a reason
SELECT is(pg_temp.act('bt_admin', format('SELECT thidua.approve(%s)', pg_temp.id('bk1'))) || ' ' || pg_temp.state('bk1'), 'ok approved',
	'the authority approves a nomination without a ballot');
SELECT is(pg_temp.act('bt_admin', format('SELECT thidua.approve(%s)', pg_temp.id('bk2'))),
	'55000 no seat left under the quota of award "BK-BTP" in "QU1": 1 taken of 1', 'but not past the quota');
SELECT is(pg_temp.act('bt_admin', format($$SELECT thidua.reject(%s, ' ')$$, pg_temp.id('bk2'))), '22004 reason is required', 'a rejection needs a reason');
SELECT is(pg_temp.act('bt_admin', format($$SELECT thidua.reject(%s, 'quota full')$$, pg_temp.id('bk2'))) || ' ' || pg_temp.state('bk2'),
	'ok rejected', 'and is recorded with it');
SELECT is(pg_temp.act('bt_admin', format($$SELECT thidua.approve(%s)$$, pg_temp.id('d1'))),
	format('55000 nomination %s (award "CSTD-BT") is decided by the council''s vote, not by approve', pg_temp.id('d1')),
	'an award with a ballot is approved by the vote only');

-- Disclosure: the vote waits for the window of working days
SELECT is(pg_temp.act('bt_admin', $$SELECT thidua.open_vote('RD')$$), '55000 the vote of round "RD" cannot open: 1 nomination(s) not ready',
	'a nomination of a disclosure award must be disclosed first');
SELECT is(thidua._working_days_after('2019-11-01', 10), '2019-11-15'::date, 'ten working days from Friday 1 November 2019 end on Friday 15 November');

-- The council settings are frozen when the vote opens: editing the (draft)
-- entry during or after the vote changes neither secrecy, nor who decides,
-- nor the tally.
\o /dev/null
SELECT pg_temp.bt_version('f', '[{"award": "CSTD-BT", "council": {"ballot": true, "threshold": 0.9, "comparison": "at_least", "base": "all_members"}}]');
SELECT pg_temp.bt_round('RF', 'bt/f', '{CSTD-BT}', 3);
INSERT INTO n VALUES ('f1', pg_temp.bt_nominate('RF', 'CSTD-BT', 'BP5')), ('f2', pg_temp.bt_nominate('RF', 'CSTD-BT', 'BP6'));
\o
SELECT is(pg_temp.act('bt_admin', $$SELECT thidua.open_vote('RF')$$), 'ok', 'the vote of RF opens');
SELECT is((SELECT council - 'source' FROM thidua.nomination WHERE nomination_id = pg_temp.id('f1')),
	'{"base": "all_members", "ballot": true, "secret": true, "threshold": 0.9, "comparison": "at_least", "rulebook_version": "bt/f", "recuse_proposing_unit": false}'::jsonb,
	'open_vote freezes the council settings with the nomination');
UPDATE thidua.rulebook_entry SET council = council || '{"secret": false}' WHERE version_code = 'bt/f';
SELECT is(pg_temp.bt_votes(pg_temp.id('f1'), 3) || pg_temp.bt_votes(pg_temp.id('f2'), 2, 1), 'okok', 'the council votes after the entry was made open');
SELECT is((SELECT count(*)::int FROM thidua.vote_register WHERE nomination_id IN (pg_temp.id('f1'), pg_temp.id('f2')) AND choice IS NOT NULL), 0,
	'switching secret off mid-vote exposes no choice in the register');
UPDATE thidua.rulebook_entry SET council = council || '{"ballot": false}' WHERE version_code = 'bt/f';
SELECT is(pg_temp.act('bt_admin', format('SELECT thidua.approve(%s)', pg_temp.id('f1'))),
	format('55000 nomination %s is in vote: only the close of the vote of round "RF" decides it, not approve', pg_temp.id('f1')),
	'switching the ballot off does not let approve() take a nomination out of the vote');
SELECT is(pg_temp.act('bt_admin', format($$SELECT thidua.reject(%s, 'no')$$, pg_temp.id('f2'))),
	format('55000 nomination %s is in vote: only the close of the vote of round "RF" decides it, not reject', pg_temp.id('f2')),
	'nor reject()');
SELECT is(pg_temp.act('bt_admin', $$SELECT thidua.approve_round('RF')$$) || ' ' || pg_temp.state('f1'), 'ok in_vote',
	'nor approve_round before the close');
SELECT is(pg_temp.act('bt_admin', $$SELECT thidua.close_vote('RF')$$) || ' ' || pg_temp.state('f1') || ' ' || pg_temp.state('f2'),
	'ok approved rejected', 'the close decides both by the frozen threshold (3 of 3 passes, 2 of 3 fails 90 %)');
UPDATE thidua.rulebook_entry SET council = council || '{"threshold": 0.5, "base": "all_members_less_recused"}' WHERE version_code = 'bt/f';
SELECT is((SELECT string_agg(t.passed || ' ' || t.arithmetic, '; ' ORDER BY t.nomination_id) FROM thidua.tally('RF') t),
	'true 3 yes of 3 (all members): at least 90 % of 3 = 2.7: passed; false 2 yes of 3 (all members): at least 90 % of 3 = 2.7: failed',
	'a threshold changed after the close does not change the tally');
SELECT is((SELECT count(*)::int FROM thidua.tally('RF') t JOIN thidua.nomination x USING (nomination_id)
		   WHERE t.passed = (x.tally ->> 'passed')::boolean AND t.arithmetic = x.tally ->> 'arithmetic'), 2,
	'tally() agrees with what was stored at the close');

-- Quotas count per award and year, whichever round took the seat, and award
-- records entered outside any nomination count too.
\o /dev/null
SELECT pg_temp.bt_round('RQ2', 'bt/q', '{BK-BTP}', 0);
INSERT INTO n VALUES ('bk3', pg_temp.bt_nominate('RQ2', 'BK-BTP', 'QU1-7', 'QU1')), ('bk4', pg_temp.bt_nominate('RQ2', 'BK-BTP', 'QU2-6', 'QU2')),
	('bk5', pg_temp.bt_nominate('RQ2', 'BK-BTP', 'QU3A-2', 'QU3'));
INSERT INTO thidua.individual_award (person_code, award_code, year, kind) VALUES ('QU2-5', 'BK-BTP', 2019, 'ad_hoc');
INSERT INTO thidua.individual_award (person_code, award_code, year, kind, revoked_on, revocation_reason) VALUES ('QU3B-2', 'BK-BTP', 2019, 'ad_hoc', '2019-12-01', 'test');
\o
SELECT is(pg_temp.act('bt_admin', format('SELECT thidua.approve(%s)', pg_temp.id('bk3'))),
	'55000 no seat left under the quota of award "BK-BTP" in "QU1": 1 taken of 1', 'a seat taken in another round of the year counts');
SELECT is(pg_temp.act('bt_admin', format('SELECT thidua.approve(%s)', pg_temp.id('bk4'))),
	'55000 no seat left under the quota of award "BK-BTP" in "QU2": 1 taken of 1', 'so does an award record entered outside any nomination');
SELECT is(pg_temp.act('bt_admin', format('SELECT thidua.approve(%s)', pg_temp.id('bk5'))) || ' ' || pg_temp.state('bk5'), 'ok approved',
	'a revoked record takes no seat');

SELECT * FROM finish();
ROLLBACK;
