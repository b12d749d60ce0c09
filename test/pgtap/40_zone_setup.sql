-- Setting up a zone through the SQL functions (34_zone_setup.sql): each import's
-- errors name file:line and the column and store nothing; imports again change
-- nothing; a member that leaves during the year; removing a member.
BEGIN;
SELECT plan(38);

-- units
SELECT is((SELECT row(added, changed, unchanged)::text FROM thidua.import_units(
	E'code,name,parent,kind\nZA,Đơn vị A,,\nZB,Đơn vị B,ZA,division\nZC,Đơn vị C,ZD,\nZD,Đơn vị D,,\n', 'units.csv')),
	'(4,0,0)', 'import_units: four units, a parent named before it is defined');
SELECT is((SELECT row(added, changed, unchanged)::text FROM thidua.import_units(
	E'code,name,parent,kind\nZA,Đơn vị A,,\nZB,Đơn vị B,ZA,division\nZC,Đơn vị C,ZD,\nZD,Đơn vị D,,\n', 'units.csv')),
	'(0,0,4)', 'import_units again: unchanged');
SELECT throws_ok($$ SELECT thidua.import_units(E'code,name,parent\nZE,E,\nZF,F,\nZG,G,ZZZ\n', 'u.csv') $$,
	'23503', 'u.csv:4: column "parent": unit "ZZZ" does not exist', 'import_units: an unknown parent, named by line');
SELECT is((SELECT count(*)::int FROM thidua.unit WHERE unit_code IN ('ZE', 'ZF')), 0, 'row 3 bad: nothing of the file stored');
SELECT throws_ok($$ SELECT thidua.import_units(E'code,name,parent\nZA,A,ZB\n', 'u.csv') $$,
	'23514', 'u.csv:2: column "parent": unit "ZA" would be its own ancestor', 'import_units: a cycle through the database');
SELECT throws_ok($$ SELECT thidua.import_units(E'code,name,kind\nZE,E,Bad Kind\n', 'u.csv') $$,
	'22P02', 'u.csv:2: column "kind": "Bad Kind" is not a kind of unit', 'import_units: a bad kind');

-- people
SELECT is((SELECT row(added, changed, unchanged, memberships, posts)::text FROM thidua.import_people(
	E'code,name,sex,date_of_birth,unit,unit_from,post,post_from,post_to\nZP1,Nguyễn Văn An,nam,15/03/1975,ZA,2010-01-01,Giám đốc,2018-01-01,\nZP2,Trần Thị Bình,female,,ZB,2015-05-01,,,\n', 'p.csv')),
	'(2,0,0,2,1)', 'import_people: people, memberships, a post');
SELECT is((SELECT sex || ' ' || date_of_birth FROM thidua.individual WHERE person_code = 'ZP1'), 'male 1975-03-15',
	'import_people: nam is male, 15/03/1975 is day/month/year');
SELECT throws_ok($$ SELECT thidua.import_people(E'code,name,sex,unit,unit_from,post\nZP3,C,nam,ZA,2010-01-01,Trưởng phòng\n', 'p.csv') $$,
	'23502', 'p.csv:2: column "post_from": the post "Trưởng phòng" needs the date it was taken up', 'import_people: a post needs its date');
SELECT throws_ok($$ SELECT thidua.import_people(E'code,name,sex,unit,unit_from\nZP3,C,nam,ZA,2010-01-01\nZP3,D,nam,ZA,2011-01-01\n', 'p.csv') $$,
	'23505', 'p.csv:3: column "name": person "ZP3" is given as someone else on line 2', 'import_people: one person, two names');

-- period, bloc, settings, members
SELECT is(thidua.open_period('2151'), 'opened', 'open_period');
SELECT is(thidua.open_period('2151'), 'open already', 'open_period again');
SELECT is(thidua.create_bloc('zk', 'Cụm Z', 'zone'), 'created', 'create_bloc');
SELECT is(thidua.set_bloc_settings('zk', '2151', 'stp/2019', 'mean', 0, 2, '2'), 'created', 'set_bloc_settings creates');
SELECT is(thidua.set_bloc_settings('zk', '2151', result_rounding => 'default'), 'changed', 'set_bloc_settings: default rounding');
SELECT is((SELECT result_rounding FROM thidua.bloc_period WHERE bloc_code = 'zk'), NULL, 'default is NULL: the version decides');
SELECT throws_ok($$ INSERT INTO thidua.bloc_period VALUES ('zk', '2151', 'stp/2019', 'mean', 0, 1, '10') $$, '23514', NULL,
	'result_rounding is exact or one digit');
SELECT is((SELECT row(added, changed, unchanged, kept)::text FROM thidua.import_bloc_members('zk', '2151',
	E'unit,role\nZA,head\nZB,deputy\nZC,\nZD,member\n', 'm.csv')), '(4,0,0,0)', 'import_bloc_members');
SELECT is((SELECT row(added, changed, unchanged, kept)::text FROM thidua.import_bloc_members('zk', '2151',
	E'unit,role\nZB,head\nZA,member\n', 'm.csv')), '(0,2,0,2)', 'import_bloc_members: the head changes hands in one file');
SELECT throws_ok($$ SELECT thidua.import_bloc_members('zk', '2151', E'unit,role\nZC,head\n', 'm.csv') $$,
	'23505', 'm.csv:2: column "role": bloc "zk" has the head "ZB" in period "2151" already', 'a second head is named');

-- pact, veto, recusal
SELECT is((SELECT row(added, changed, unchanged, targets)::text FROM thidua.import_pact('zk', '2151',
	E'unit;signed_on;target;value\nZA;15/03/2151;hòa giải (%);80,5\n', 'pact.csv')), '(1,0,0,1)', 'import_pact');
SELECT is(thidua.add_veto('zk', '2151', 'ZC', 'kỷ luật'), 'vetoed', 'add_veto');
SELECT is(thidua.remove_veto('zk', '2151', 'ZC', 'hủy'), 'lifted', 'remove_veto lifts, on record');
SELECT is(thidua.remove_veto('zk', '2151', 'ZC', 'hủy'), 'lifted already', 'remove_veto again: harmless, says so');
SELECT throws_ok($$SELECT thidua.import_units(E'code,name\nZL,' || repeat('n', 301) || E'\n', 'long.csv')$$,
	'22001', 'long.csv:2: column "name": 301 characters, at most 300', 'units import: a long name is named by line and column');
SELECT throws_ok($$SELECT thidua.import_people(E'code,name,sex,unit,unit_from\nPL,' || repeat('n', 301) || E',nam,ZA,2010-01-01\n', 'long.csv')$$,
	'22001', 'long.csv:2: column "name": 301 characters, at most 300', 'people import: a long name is named by line and column');
SELECT throws_ok($$SELECT thidua.create_bloc('zlong', repeat('n', 301))$$,
	'22001', 'the name of bloc "zlong" has 301 characters, at most 300', 'create_bloc: a long name is refused, named');
SELECT is(thidua.add_recusal('zk', '2151', 'ZA', 'ZB', 'xung đột'), 'recused', 'add_recusal');
SELECT throws_ok($$SELECT thidua.import_pact('zk', '2151', E'unit,signed_on,target,value\nZA,2151-03-15,t,0\n', 'p.csv')$$,
	'22003', 'p.csv:2: column "value": 0 is not a target (above 0, below 10^12, at most 6 decimals)', 'import_pact: a target of 0 is refused at its line');
SELECT throws_ok($$SELECT thidua.set_bloc_settings('zk', '2151', peer_trim => 2000000000)$$,
	'22023', 'the trim of bloc "zk" must be from 0 to 100000, not 2000000000', 'set_bloc_settings: an absurd trim is refused');
SELECT ok(thidua._csv_field(E'\t=1+1') = E'''\t=1+1', 'a cell starting with a tab is neutralised');

-- a member that leaves during the year
INSERT INTO thidua.evaluation (bloc_code, period_code, unit_code, stage, judge_code, created_at)
	VALUES ('zk', '2151', 'ZA', 'peer', 'ZD', '2151-03-01');
SELECT throws_ok($$ DELETE FROM thidua.bloc_member WHERE bloc_code = 'zk' AND unit_code = 'ZD' $$, '2BP01',
	'unit "ZD" cannot be removed from bloc "zk" in period "2151": these name it: evaluations: 1',
	'deleting a scored member names what depends on it, never a foreign-key error');
SELECT is(thidua.set_member_status('zk', '2151', 'ZD', 'withdrawn', '2151-07-01', NULL, 'Giải thể'), 'withdrawn',
	'set_member_status: withdrawn from a date');
SELECT throws_ok($$ INSERT INTO thidua.evaluation (bloc_code, period_code, unit_code, stage, judge_code, created_at)
	VALUES ('zk', '2151', 'ZB', 'peer', 'ZD', '2151-07-01 09:00') $$, '55000',
	'unit "ZD" left bloc "zk" on 2151-07-01 (withdrawn): from that date it neither judges nor is judged',
	'a withdrawn member judges no more');
SELECT is((SELECT rank || ' ' || coalesce(class, '-') || ' ' || array_to_string(flags, ' ')
		   FROM thidua.standings('zk', '2151') WHERE unit_code = 'ZD'),
	'4 - no_peer_score incomplete_quorum no_self_score withdrawn:2151-07-01', 'standings: listed last, no class, flagged');
SELECT is((SELECT peer_judges FROM thidua.standings('zk', '2151') WHERE unit_code = 'ZA'), 1,
	'its scores filed before the date count');
SELECT lives_ok($$ SELECT thidua.import_units(E'code,name\nZE,E\n'), thidua.import_bloc_members('zk', '2151', E'unit\nZE\n') $$,
	'a member added late');
SELECT is(thidua.remove_member('zk', '2151', 'ZE'), 'removed', 'a member nothing names is removed');

SELECT * FROM finish();
ROLLBACK;
