-- Roles: every role x every relation and public function of the extension,
-- row-level security on scores and personal data, and search-path hijacks.
-- The matrix is checked against the catalog, so a new table or function that is
-- not in the model below fails the test.
BEGIN;
SELECT plan(57);

SELECT lives_ok($$ SELECT thidua.create_roles() $$, 'a superuser creates the roles');
SELECT lives_ok($$ SELECT thidua.create_roles() $$, 'create_roles() may be called again');
SELECT is((SELECT count(*)::int FROM pg_roles WHERE rolname IN ('thidua_admin', 'thidua_scorer', 'thidua_reader', 'thidua_council')
		   AND NOT rolcanlogin), 4, 'four group roles, none of which can log in');

CREATE ROLE tap_admin LOGIN IN ROLE thidua_admin;
CREATE ROLE tap_scorer LOGIN IN ROLE thidua_scorer;
CREATE ROLE tap_reader LOGIN IN ROLE thidua_reader;
CREATE ROLE tap_council LOGIN IN ROLE thidua_council;
CREATE ROLE tap_bare LOGIN;

-- A bloc of three units; tap_scorer acts for TA.
INSERT INTO thidua.unit (unit_code, name) VALUES ('TA', 'Unit A'), ('TB', 'Unit B'), ('TC', 'Unit C');
INSERT INTO thidua.period (period_code, year) VALUES ('tap', 2150);
INSERT INTO thidua.bloc VALUES ('tapb', 'Tap bloc', 'bloc');
INSERT INTO thidua.bloc_period (bloc_code, period_code, criteria_version) VALUES ('tapb', 'tap', 'stp/2019');
INSERT INTO thidua.bloc_member (bloc_code, period_code, unit_code, role)
	VALUES ('tapb', 'tap', 'TA', 'head'), ('tapb', 'tap', 'TB', 'member'), ('tapb', 'tap', 'TC', 'member');
INSERT INTO thidua.role_unit VALUES ('tap_scorer', 'TA');
INSERT INTO thidua.individual VALUES ('PA', 'Nguyễn Văn A', 'male', '1980-01-01'), ('PB', 'Trần Thị B', 'female', '1985-02-02');
INSERT INTO thidua.membership VALUES ('PA', 'TA', '2010-01-01', NULL), ('PB', 'TB', '2010-01-01', NULL);
INSERT INTO thidua.post_held VALUES ('PA', 'TA', 'giám đốc', '2015-01-01', NULL), ('PB', 'TB', 'giám đốc', '2015-01-01', NULL);
INSERT INTO thidua.initiative (initiative_code, title, scope, recognised_on) VALUES
	('TAP-A', 'of PA', 'grassroots', '2149-01-01'), ('TAP-B', 'of PB', 'grassroots', '2149-01-01'),
	('TAP-AB', 'of PA and PB', 'grassroots', '2149-01-01');
INSERT INTO thidua.initiative_author VALUES ('TAP-A', 'PA'), ('TAP-B', 'PB'), ('TAP-AB', 'PA'), ('TAP-AB', 'PB');
INSERT INTO thidua.evaluation (bloc_code, period_code, unit_code, stage, judge_code) VALUES
	('tapb', 'tap', 'TA', 'self', 'TA'), ('tapb', 'tap', 'TB', 'peer', 'TA'),
	('tapb', 'tap', 'TA', 'peer', 'TB'), ('tapb', 'tap', 'TC', 'peer', 'TB');
INSERT INTO thidua.observation (evaluation_id, criterion_code, observed)
	SELECT evaluation_id, 'I.1', 1 FROM thidua.evaluation WHERE bloc_code = 'tapb';
SELECT thidua.clone_version('stp/2019', 'tapdraft');
SELECT thidua.import_rulebook(pg_read_file((SELECT setting FROM pg_config WHERE name = 'SHAREDIR')
	|| '/extension/thidua-rulebooks/justice-2024.json')::jsonb);

-- Runs a statement as a role (with a search_path), undoes everything it did,
-- and says 'ok' or the SQLSTATE and message it failed with.
CREATE FUNCTION pg_temp.try_as(who text, statement text, path text DEFAULT 'pg_catalog') RETURNS text
	LANGUAGE plpgsql AS $$
BEGIN
	BEGIN
		PERFORM set_config('search_path', path, true);
		PERFORM set_config('role', who, true);
		EXECUTE statement;
		RAISE EXCEPTION USING ERRCODE = 'TAPOK';
	EXCEPTION
		WHEN SQLSTATE 'TAPOK' THEN RETURN 'ok';
		WHEN OTHERS THEN RETURN SQLSTATE || ' ' || SQLERRM;
	END;
END
$$;
-- The one text value a query returns as a role (or its error), everything undone.
CREATE FUNCTION pg_temp.value_as(who text, query text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	result text;
BEGIN
	BEGIN
		PERFORM set_config('role', who, true);
		EXECUTE query INTO result;
		RAISE EXCEPTION USING ERRCODE = 'TAPOK';
	EXCEPTION
		WHEN SQLSTATE 'TAPOK' THEN RETURN result;
		WHEN OTHERS THEN RETURN SQLSTATE || ' ' || SQLERRM;
	END;
END
$$;

-- The model: per relation, what each role may do (S select, I insert, U update,
-- D delete, T truncate). Nobody truncates; no role writes the histories or the
-- published standings.
CREATE TEMP TABLE model (rel text PRIMARY KEY, admin text, scorer text, reader text, council text, bare text);
INSERT INTO model VALUES
	('criteria_set',           'SIUD', 'S',    'S', 'S', 'S'),
	('criteria_version',       'SIUD', 'S',    'S', 'S', 'S'),
	('criteria_item',          'SIUD', 'S',    'S', 'S', 'S'),
	('class_band',             'SIUD', 'S',    'S', 'S', 'S'),
	('criteria_version_event', 'S',    'S',    'S', 'S', 'S'),
	('criteria_versions',      'S',    'S',    'S', 'S', 'S'),
	('unit',                   'SIUD', 'S',    'S', 'S', ''),
	('period',                 'SIUD', 'S',    'S', 'S', ''),
	('period_event',           'S',    'S',    'S', 'S', ''),
	('bloc',                   'SIUD', 'S',    'S', 'S', ''),
	('bloc_period',            'SIUD', 'S',    'S', 'S', ''),
	('bloc_member',            'SIUD', 'S',    'S', 'S', ''),
	('individual',             'SIUD', 'S',    '',  '',  ''),
	('membership',             'SIUD', 'S',    '',  '',  ''),
	('post_held',              'SIUD', 'S',    '',  '',  ''),
	('pact',                   'SIUD', '',     '',  '',  ''),
	('recusal',                'SIUD', '',     '',  '',  ''),
	('veto',                   'SIUD', '',     '',  '',  ''),
	('not_applicable_marking', 'SIUD', 'S',    '',  '',  ''),
	('adjustment',             'SIUD', '',     '',  '',  ''),
	('evaluation',             'SIUD', 'SID',  '',  '',  ''),
	('observation',            'SIUD', 'SIUD', '',  '',  ''),
	('role_unit',              'SIUD', 'S',    '',  '',  ''),
	('standing_revision',      'S',    '',     'S', 'S', ''),
	('standing_row',           'S',    '',     'S', 'S', ''),
	('current_standings',      'S',    '',     '',  '',  ''),
	('published_standings',    'S',    '',     'S', 'S', ''),
	('award',                  'SIUD', 'S',    'S', 'S', 'S'),
	('rulebook',               'SIUD', 'S',    'S', 'S', 'S'),
	('rulebook_version',       'SIUD', 'S',    'S', 'S', 'S'),
	('rulebook_entry',         'SIUD', 'S',    'S', 'S', 'S'),
	('rulebook_version_event', 'S',    'S',    'S', 'S', 'S'),
	('rulebook_versions',      'S',    'S',    'S', 'S', 'S'),
	('individual_rating',      'SIUD', 'S',    '',  '',  ''),
	('unit_rating',            'SIUD', 'S',    '',  '',  ''),
	('individual_award',       'SIUD', 'S',    '',  '',  ''),
	('unit_award',             'SIUD', 'S',    '',  '',  ''),
	('initiative',             'SIUD', 'S',    '',  '',  ''),
	('initiative_author',      'SIUD', 'S',    '',  '',  ''),
	('discipline',             'SIUD', 'S',    '',  '',  ''),
	('nomination_round',       'S',    'S',    'S', 'S', ''),
	('round_award',            'S',    'S',    'S', 'S', ''),
	('nomination',             'S',    'S',    'S', 'S', ''),
	('nomination_achievement', 'S',    'S',    'S', 'S', ''),
	('dossier_item',           'S',    'S',    'S', 'S', ''),
	('nomination_transition',  'S',    'S',    'S', 'S', 'S'),
	('nomination_event',       'S',    'S',    'S', 'S', ''),
	('disclosure_comment',     'S',    'S',    'S', 'S', ''),
	('council_member',         'S',    '',     '',  'S', ''),
	('quota_tie',              'S',    '',     '',  'S', ''),
	('nomination_duplicates',  'S',    'S',    'S', 'S', ''),
	('award_registry',         'S',    '',     'S', 'S', ''),
	('vote_register',          'S',    '',     '',  'S', ''),
	('ballot',                 '',     '',     '',  '',  '');

SELECT set_eq($$ SELECT c.relname::text FROM pg_class c WHERE c.relnamespace = 'thidua'::regnamespace
				 AND c.relkind IN ('r', 'v', 'm', 'p', 'f') $$,
	$$ SELECT rel FROM model $$, 'every table and view of the extension is in the role model');

-- Each privilege tried for real (statements that touch no row, undone anyway).
CREATE TEMP TABLE outcome AS
	SELECT m.rel, r.role, p.priv,
		strpos(CASE r.role WHEN 'tap_admin' THEN m.admin WHEN 'tap_scorer' THEN m.scorer WHEN 'tap_reader' THEN m.reader
			WHEN 'tap_council' THEN m.council ELSE m.bare END, p.priv) > 0 AS expected,
		pg_temp.try_as(r.role, CASE p.priv
			WHEN 'S' THEN format('SELECT 1 FROM thidua.%I LIMIT 1', m.rel)
			WHEN 'I' THEN format('INSERT INTO thidua.%I (%I) SELECT NULL WHERE false', m.rel, col.attname)
			WHEN 'U' THEN format('UPDATE thidua.%I SET %I = %I WHERE false', m.rel, col.attname, col.attname)
			WHEN 'D' THEN format('DELETE FROM thidua.%I WHERE false', m.rel)
			WHEN 'T' THEN format('TRUNCATE thidua.%I', m.rel) END) AS result
	FROM model m
	JOIN pg_class c ON c.relname = m.rel AND c.relnamespace = 'thidua'::regnamespace
	CROSS JOIN (VALUES ('tap_admin'), ('tap_scorer'), ('tap_reader'), ('tap_council'), ('tap_bare')) r(role)
	CROSS JOIN (VALUES ('S'), ('I'), ('U'), ('D'), ('T')) p(priv)
	LEFT JOIN LATERAL (SELECT a.attname FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0
					   AND NOT a.attisdropped AND a.attidentity = '' ORDER BY a.attnum LIMIT 1) col ON true
	WHERE c.relkind = 'r' OR p.priv = 'S';

SELECT is_empty(format($$ SELECT rel || ' ' || priv || CASE WHEN expected THEN ' refused: ' || result ELSE ' allowed' END
	FROM outcome WHERE role = %L AND expected = (result LIKE '42501%%') ORDER BY 1 $$, r),
	r || ': tables and views as the model says')
FROM unnest(ARRAY['tap_admin', 'tap_scorer', 'tap_reader', 'tap_council', 'tap_bare']) r;

-- Public functions: who may call them (refused = insufficient_privilege).
CREATE TEMP TABLE function_model (fn text PRIMARY KEY, call text, allowed text[]);
INSERT INTO function_model VALUES
	('version()', 'SELECT thidua.version()', '{all}'),
	('library_version()', 'SELECT thidua.library_version()', '{all}'),
	('export_criteria(text)', $$SELECT thidua.export_criteria('stp/2019')$$, '{all}'),
	('export_criteria_csv(text)', $$SELECT thidua.export_criteria_csv('stp/2019')$$, '{all}'),
	('diff(text,text)', $$SELECT * FROM thidua.diff('stp/2019', 'stp/2019')$$, '{all}'),
	('points(text,text,numeric)', $$SELECT thidua.points('stp/2019', 'I.1', 1)$$, '{all}'),
	('classify(text,numeric,boolean)', $$SELECT thidua.classify('stp/2019', 90)$$, '{all}'),
	('score(text,text,numeric)', $$SELECT thidua.score('stp/2019', 'I.1', 1)$$, '{all}'),
	('score_detail(text,text,numeric)', $$SELECT thidua.score_detail('stp/2019', 'I.1', 1)$$, '{all}'),
	('tie_break_keys(text,text,numeric)', $$SELECT thidua.tie_break_keys('stp/2019', 'I.1', 1)$$, '{all}'),
	('points_in_bloc(text,text,numeric,numeric,numeric,numeric)', $$SELECT thidua.points_in_bloc('stp/2019', 'I.1', NULL, NULL)$$, '{all}'),
	('score(text,text,numeric,numeric)', $$SELECT thidua.score('stp/2019', 'I.1', 1, NULL)$$, '{all}'),
	('score_detail(text,text,numeric,numeric)', $$SELECT thidua.score_detail('stp/2019', 'I.1', 1, NULL)$$, '{all}'),
	('tie_break_keys(text,text,numeric,numeric)', $$SELECT thidua.tie_break_keys('stp/2019', 'I.1', 1, NULL)$$, '{all}'),
	('score(text,text,numeric,boolean)', $$SELECT thidua.score('stp/2019', 'I.1', 1, true)$$, '{all}'),
	('score_detail(text,text,numeric,boolean)', $$SELECT thidua.score_detail('stp/2019', 'I.1', 1, true)$$, '{all}'),
	('tie_break_keys(text,text,numeric,boolean)', $$SELECT thidua.tie_break_keys('stp/2019', 'I.1', 1, true)$$, '{all}'),
	('score(text,text,numeric,numeric,boolean)', $$SELECT thidua.score('stp/2019', 'I.1', 1, NULL, true)$$, '{all}'),
	('score_detail(text,text,numeric,numeric,boolean)', $$SELECT thidua.score_detail('stp/2019', 'I.1', 1, NULL, true)$$, '{all}'),
	('tie_break_keys(text,text,numeric,numeric,boolean)', $$SELECT thidua.tie_break_keys('stp/2019', 'I.1', 1, NULL, true)$$, '{all}'),
	('trimmed_mean(numeric,integer)', $$SELECT thidua.trimmed_mean(1, 0)$$, '{all}'),
	('streak(integer,boolean,integer)', $$SELECT thidua.streak(2020, true, 2020)$$, '{all}'),
	('longest_streak(integer,boolean)', $$SELECT thidua.longest_streak(2020, true)$$, '{all}'),
	('schulze_ranking(text,text,numeric)', $$SELECT thidua.schulze_ranking('a', 'b', 1)$$, '{all}'),
	('judge_leniency(text,text,numeric)', $$SELECT thidua.judge_leniency('a', 'b', 1)$$, '{all}'),
	('import_criteria(jsonb,boolean)', $$SELECT thidua.import_criteria('{}')$$, '{tap_admin}'),
	('import_criteria_file(bytea,text,text,boolean)', $$SELECT thidua.import_criteria_file('\x7b7d'::bytea, 'json')$$, '{tap_admin}'),
	('import_criteria_file(text,text,text,boolean)', $$SELECT thidua.import_criteria_file('{}'::text, 'json')$$, '{tap_admin}'),
	('publish_version(text,text)', $$SELECT thidua.publish_version('stp/tapdraft')$$, '{tap_admin}'),
	('retire_version(text,text)', $$SELECT thidua.retire_version('stp/2019')$$, '{tap_admin}'),
	('clone_version(text,text)', $$SELECT thidua.clone_version('stp/2019', 'tapclone')$$, '{tap_admin}'),
	('delete_draft(text)', $$SELECT thidua.delete_draft('stp/tapdraft')$$, '{tap_admin}'),
	('close_period(text,text)', $$SELECT thidua.close_period('tap')$$, '{tap_admin}'),
	('reopen_period(text,text)', $$SELECT thidua.reopen_period('tap', 'test')$$, '{tap_admin}'),
	('evaluation_scores(text,text)', $$SELECT * FROM thidua.evaluation_scores('tapb', 'tap')$$, '{tap_admin}'),
	('standings(text,text)', $$SELECT * FROM thidua.standings('tapb', 'tap')$$, '{tap_admin}'),
	('explain(text,text,text)', $$SELECT thidua.explain('TA', 'tap')$$, '{tap_admin}'),
	('judge_report(text,text)', $$SELECT * FROM thidua.judge_report('tapb', 'tap')$$, '{tap_admin}'),
	('publish_standings(text,text,text)', $$SELECT thidua.publish_standings('tapb', 'tap')$$, '{tap_admin}'),
	('import_scores(text,text,text)', $$SELECT thidua.import_scores('tapb', 'tap')$$, '{tap_admin,tap_scorer}'),
	('import_scores(text,text,text,text)', $$SELECT thidua.import_scores('tapb', 'tap', 'unit,judge,criterion,observed'::text, 'x.csv')$$, '{tap_admin,tap_scorer}'),
	('import_scores(text,text,bytea,text)', $$SELECT thidua.import_scores('tapb', 'tap', '\x'::bytea, 'x.csv')$$, '{tap_admin,tap_scorer}'),
	('create_roles()', $$SELECT thidua.create_roles()$$, '{}'),
	-- Citus (70_distribution.sql): the design is public; distributing is a superuser's
	('distribution_design()', $$SELECT * FROM thidua.distribution_design()$$, '{all}'),
	('coordinator_checks()', $$SELECT * FROM thidua.coordinator_checks()$$, '{all}'),
	('distribute()', $$SELECT * FROM thidua.distribute()$$, '{}'),
	('export_rulebook(text)', $$SELECT thidua.export_rulebook('justice/2024')$$, '{all}'),
	('rulebook_diff(text,text)', $$SELECT * FROM thidua.rulebook_diff('justice/2024', 'justice/2024')$$, '{all}'),
	('rulebook_in_force(text,date,text)', $$SELECT thidua.rulebook_in_force('LDTT', '2024-06-30')$$, '{all}'),
	('import_rulebook(jsonb,boolean)', $$SELECT thidua.import_rulebook('{}')$$, '{tap_admin}'),
	('publish_rulebook(text,text)', $$SELECT thidua.publish_rulebook('justice/2024')$$, '{tap_admin}'),
	('retire_rulebook(text,text)', $$SELECT thidua.retire_rulebook('justice/2024')$$, '{tap_admin}'),
	('clone_rulebook(text,text)', $$SELECT thidua.clone_rulebook('justice/2024', 'tapclone')$$, '{tap_admin}'),
	('delete_rulebook_draft(text)', $$SELECT thidua.delete_rulebook_draft('justice/2024')$$, '{tap_admin}'),
	('import_units(text,text)', $$SELECT thidua.import_units(E'code,name\nTA,Unit A\n')$$, '{tap_admin}'),
	('import_people(text,text)', $$SELECT thidua.import_people(E'code,name,sex,unit,unit_from\nPA,Nguyễn Văn A,male,TA,2010-01-01\n')$$, '{tap_admin}'),
	('open_period(text,integer)', $$SELECT thidua.open_period('tap', 2150)$$, '{tap_admin}'),
	('create_bloc(text,text,text)', $$SELECT thidua.create_bloc('tapb', 'Tap bloc')$$, '{tap_admin}'),
	('set_bloc_settings(text,text,text,text,integer,integer,text)', $$SELECT thidua.set_bloc_settings('tapb', 'tap', quorum => 2)$$, '{tap_admin}'),
	('import_bloc_members(text,text,text,text)', $$SELECT thidua.import_bloc_members('tapb', 'tap', E'unit,role\nTA,head\n')$$, '{tap_admin}'),
	('import_pact(text,text,text,text)', $$SELECT thidua.import_pact('tapb', 'tap', E'unit,signed_on,target,value\nTA,2150-03-01,t,1\n')$$, '{tap_admin}'),
	('add_veto(text,text,text,text)', $$SELECT thidua.add_veto('tapb', 'tap', 'TC', 'test')$$, '{tap_admin}'),
	('remove_veto(text,text,text,text)', $$SELECT thidua.add_veto('tapb', 'tap', 'TC', 'test'), thidua.remove_veto('tapb', 'tap', 'TC', 'test')$$, '{tap_admin}'),
	('add_recusal(text,text,text,text,text)', $$SELECT thidua.add_recusal('tapb', 'tap', 'TC', 'TB', 'test')$$, '{tap_admin}'),
	('set_member_status(text,text,text,text,date,text,text)', $$SELECT thidua.set_member_status('tapb', 'tap', 'TC', 'active')$$, '{tap_admin}'),
	('remove_member(text,text,text)', $$SELECT thidua.remove_member('tapb', 'tap', 'TC')$$, '{tap_admin}'),
	('import_units(bytea,text)', $$SELECT thidua.import_units(convert_to(E'code,name\nTA,Unit A\n', 'UTF8'), 'u.csv')$$, '{tap_admin}'),
	('import_people(bytea,text)', $$SELECT thidua.import_people(convert_to(E'code,name,sex,unit,unit_from\nPA,Nguyễn Văn A,male,TA,2010-01-01\n', 'UTF8'), 'p.csv')$$, '{tap_admin}'),
	('import_bloc_members(text,text,bytea,text)', $$SELECT thidua.import_bloc_members('tapb', 'tap', convert_to(E'unit,role\nTA,head\n', 'UTF8'), 'm.csv')$$, '{tap_admin}'),
	('import_pact(text,text,bytea,text)', $$SELECT thidua.import_pact('tapb', 'tap', convert_to(E'unit,signed_on,target,value\nTA,2150-03-01,t,1\n', 'UTF8'), 'pact.csv')$$, '{tap_admin}'),
	('import_records(text,text,text)', $$SELECT thidua.import_records('ratings', E'unit,year,rating\nTA,2150,HTNV\n', 'r.csv')$$, '{tap_admin}'),
	('import_records(text,bytea,text)', $$SELECT thidua.import_records(NULL, convert_to(E'unit,year,rating\nTA,2150,HTNV\n', 'UTF8'), 'r.csv')$$, '{tap_admin}'),
	('revoke_award(bigint,date,text,text)', $$SELECT thidua.revoke_award(1, '2150-01-01', 'test')$$, '{tap_admin}'),
	('eligibility(text,text,integer,text,date)', $$SELECT * FROM thidua.eligibility('PA', 'LDTT', 2150)$$, '{tap_admin,tap_scorer}'),
	('eligible(text,integer,text,boolean,text)', $$SELECT * FROM thidua.eligible('LDTT', 2150)$$, '{tap_admin,tap_scorer}'),
	('forecast(text,integer,text,text)', $$SELECT * FROM thidua.forecast('LDTT', 2150)$$, '{tap_admin,tap_scorer}'),
	('quota(text,text,integer,text)', $$SELECT * FROM thidua.quota('CSTDCS', 'TA', 2150)$$, '{tap_admin,tap_scorer}'),
	('eligibility_changes(text,integer,text,text)', $$SELECT * FROM thidua.eligibility_changes('LDTT', 2150, 'x/draft')$$, '{tap_admin,tap_scorer}'),
	-- the nomination workflow: the clerk's steps (a role acting for the proposing unit), the office's, the registry's
	('create_round(text,text,integer,text,text,date,text[],text,date)', $$SELECT thidua.create_round('tapr', 'Tap', 2150, 'x', 'TA', '2150-12-31', '{NOPE}')$$, '{tap_admin}'),
	('nominate(text,text,text,text,text,jsonb,text[],text)', $$SELECT thidua.nominate('no-round', 'LDTT', 'PA', 'TA')$$, '{tap_admin,tap_scorer}'),
	('update_nomination(bigint,text,jsonb,text[],text)', $$SELECT thidua.update_nomination(-1, 'x')$$, '{tap_admin,tap_scorer}'),
	('set_dossier_item(bigint,text,boolean,text)', $$SELECT thidua.set_dossier_item(-1, 'report', true)$$, '{tap_admin,tap_scorer}'),
	('submit(bigint,text)', $$SELECT thidua.submit(-1)$$, '{tap_admin,tap_scorer}'),
	('resubmit(bigint,text)', $$SELECT thidua.resubmit(-1)$$, '{tap_admin,tap_scorer}'),
	('withdraw(bigint,text)', $$SELECT thidua.withdraw(-1, 'x')$$, '{tap_admin,tap_scorer}'),
	('return_nomination(bigint,text)', $$SELECT thidua.return_nomination(-1, 'x')$$, '{tap_admin}'),
	('"check"(bigint,text)', $$SELECT thidua.check(-1)$$, '{tap_admin}'),
	('disclose(bigint,date)', $$SELECT thidua.disclose(-1)$$, '{tap_admin}'),
	('comment(bigint,date,text,text)', $$SELECT thidua.comment(-1, '2150-01-01', 'x', 'y')$$, '{tap_admin}'),
	('decide(bigint,text,date,text)', $$SELECT thidua.decide(-1, '1/QĐ', '2150-01-01', 'x')$$, '{tap_admin}'),
	('award(bigint)', $$SELECT thidua.award(-1)$$, '{tap_admin}'),
	('revoke(bigint,date,text,text)', $$SELECT thidua.revoke(-1, '2150-01-01', 'x', 'y')$$, '{tap_admin}'),
	('nominee_name(bigint)', $$SELECT thidua.nominee_name(-1)$$, '{tap_admin,tap_scorer,tap_reader,tap_council}'),
	('award_statistics(integer,integer,text)', $$SELECT * FROM thidua.award_statistics(2150, 2150)$$, '{tap_admin,tap_reader,tap_council}'),
	('set_council(text,jsonb)', $$SELECT thidua.set_council('tapnone', '[]')$$, '{tap_admin}'),
	('add_council_member(text,text,text,text,text,text)', $$SELECT thidua.add_council_member('tapnone', 'x', 'X')$$, '{tap_admin}'),
	('remove_council_member(text,text)', $$SELECT thidua.remove_council_member('tapnone', 'x')$$, '{tap_admin}'),
	('open_vote(text)', $$SELECT thidua.open_vote('tapnone')$$, '{tap_admin}'),
	('close_vote(text)', $$SELECT thidua.close_vote('tapnone')$$, '{tap_admin}'),
	('vote(bigint,text)', $$SELECT thidua.vote(-1, 'yes')$$, '{tap_admin,tap_council}'),
	('vote_written(bigint,text,text)', $$SELECT thidua.vote_written(-1, 'x', 'yes')$$, '{tap_admin,tap_council}'),
	('tally(text)', $$SELECT * FROM thidua.tally('tapnone')$$, '{tap_admin,tap_council}'),
	('approve_round(text,text)', $$SELECT thidua.approve_round('tapnone')$$, '{tap_admin}'),
	('resolve_tie(text,text,text,bigint[],text)', $$SELECT thidua.resolve_tie('tapnone', 'LDTT', '', '{}', 'x')$$, '{tap_admin}'),
	('approve(bigint,text)', $$SELECT thidua.approve(-1)$$, '{tap_admin}'),
	('reject(bigint,text)', $$SELECT thidua.reject(-1, 'x')$$, '{tap_admin}');

SELECT set_eq($$ SELECT regexp_replace(p.oid::regprocedure::text, '^thidua\.', '') FROM pg_proc p
				 WHERE p.pronamespace = 'thidua'::regnamespace AND p.proname !~ '^_' $$,
	$$ SELECT fn FROM function_model $$, 'every public function of the extension is in the role model');

SELECT is_empty(format($$
	SELECT f.fn || CASE WHEN expected THEN ' refused: ' || result ELSE ' allowed' END
	FROM (SELECT fn, 'all' = ANY (allowed) OR %1$L = ANY (allowed) AS expected, pg_temp.try_as(%1$L, call) AS result
		  FROM function_model) f
	WHERE expected = (result LIKE '42501%%') ORDER BY 1 $$, r),
	r || ': public functions as the model says')
FROM unnest(ARRAY['tap_admin', 'tap_scorer', 'tap_reader', 'tap_council', 'tap_bare']) r;

SELECT is_empty($$ SELECT p.oid::regprocedure::text FROM pg_proc p
	WHERE p.pronamespace = 'thidua'::regnamespace AND p.prosecdef
	  AND (p.proacl IS NULL OR EXISTS (SELECT 1 FROM aclexplode(p.proacl) a WHERE a.grantee = 0)) $$,
	'no SECURITY DEFINER function is executable by PUBLIC');
SELECT is(pg_temp.try_as('tap_admin', 'SELECT thidua.create_roles()'),
	'42501 thidua.create_roles() must be called by a superuser', 'create_roles() refuses a non-superuser clearly');

-- Row-level security on scores: tap_scorer sees and writes what TA gives.
SELECT is(pg_temp.value_as('tap_scorer', $$ SELECT string_agg(unit_code || '<' || judge_code, ' ' ORDER BY unit_code, judge_code)
	FROM thidua.evaluation WHERE bloc_code = 'tapb' $$), 'TA<TA TB<TA', 'a scorer sees the evaluations its unit gives, no others');
SELECT is(pg_temp.value_as('tap_scorer', $$ SELECT count(*)::text FROM thidua.observation o
	JOIN thidua.evaluation e USING (evaluation_id) WHERE e.bloc_code = 'tapb' $$), '2', 'and only their observations');
SELECT is(pg_temp.value_as('tap_admin', $$ SELECT count(*)::text FROM thidua.observation o
	JOIN thidua.evaluation e USING (evaluation_id) WHERE e.bloc_code = 'tapb' $$), '4', 'an administrator sees every observation');
SELECT is(pg_temp.try_as('tap_scorer', $$ INSERT INTO thidua.evaluation (bloc_code, period_code, unit_code, stage, judge_code)
	VALUES ('tapb', 'tap', 'TC', 'peer', 'TA') $$), 'ok', 'a scorer files a peer score its unit gives');
SELECT matches(pg_temp.try_as('tap_scorer', $$ INSERT INTO thidua.evaluation (bloc_code, period_code, unit_code, stage, judge_code)
	VALUES ('tapb', 'tap', 'TA', 'peer', 'TC') $$), '^42501 new row violates row-level security',
	'INSERT of a peer score in another judge''s name is refused');
SELECT matches(pg_temp.try_as('tap_scorer', $$ INSERT INTO thidua.evaluation (bloc_code, period_code, unit_code, stage, judge_code)
	VALUES ('tapb', 'tap', 'TC', 'self', 'TC') $$), '^42501', 'INSERT of another unit''s self-assessment is refused');
SELECT matches(pg_temp.try_as('tap_scorer', $$ INSERT INTO thidua.evaluation (bloc_code, period_code, unit_code, stage, judge_code, created_by)
	VALUES ('tapb', 'tap', 'TC', 'peer', 'TA', 'somebody_else') $$), '^42501', 'a scorer files in its own name only');
SELECT matches(pg_temp.try_as('tap_scorer', $$ INSERT INTO thidua.observation (evaluation_id, criterion_code, observed)
	SELECT evaluation_id, 'I.2', 50 FROM thidua.evaluation WHERE judge_code = 'TB' AND unit_code = 'TA' $$), '^ok',
	'another judge''s evaluation cannot even be named (it is invisible)');
SELECT matches(pg_temp.try_as('tap_scorer', format($$ INSERT INTO thidua.observation (evaluation_id, criterion_code, observed)
	VALUES (%s, 'I.2', 50) $$, (SELECT evaluation_id FROM thidua.evaluation WHERE judge_code = 'TB' AND unit_code = 'TA'))),
	'^42501 new row violates row-level security', 'INSERT of an observation into another judge''s evaluation is refused');
SELECT is(pg_temp.value_as('tap_scorer', $$ WITH u AS (UPDATE thidua.observation SET observed = 0 WHERE criterion_code = 'I.1'
	RETURNING evaluation_id) SELECT string_agg(e.judge_code, ' ' ORDER BY e.judge_code) FROM u JOIN thidua.evaluation e USING (evaluation_id) $$),
	'TA TA', 'UPDATE reaches only the scores its unit gave');
SELECT matches(pg_temp.try_as('tap_scorer', format($$ UPDATE thidua.observation SET evaluation_id = %s
	WHERE evaluation_id = %s $$,
	(SELECT evaluation_id FROM thidua.evaluation WHERE judge_code = 'TB' AND unit_code = 'TA'),
	(SELECT evaluation_id FROM thidua.evaluation WHERE judge_code = 'TA' AND unit_code = 'TB'))),
	'^42501 new row violates row-level security', 'UPDATE cannot move a score into another judge''s evaluation');
SELECT is(pg_temp.value_as('tap_scorer', $$ WITH d AS (DELETE FROM thidua.observation RETURNING 1) SELECT count(*)::text FROM d $$),
	'2', 'DELETE reaches only the scores its unit gave');

-- The import path: the same rule, with the line named.
CREATE FUNCTION pg_temp.import_as(who text, rows text) RETURNS text LANGUAGE sql AS $$
	SELECT pg_temp.try_as(who, format($f$
		DO $d$ BEGIN
			CREATE TEMP TABLE score_import (line bigint GENERATED ALWAYS AS IDENTITY (START WITH 2),
				unit text NOT NULL, judge text NOT NULL, criterion text NOT NULL, observed numeric NOT NULL, evidence text);
			INSERT INTO pg_temp.score_import (unit, judge, criterion, observed, evidence) VALUES %s;
			PERFORM thidua.import_scores('tapb', 'tap', 'scores.csv');
		END $d$ $f$, rows))
$$;
SELECT is(pg_temp.import_as('tap_scorer', $$ ('TA', 'self', 'I.2', 80, NULL), ('TC', 'TA', 'I.2', 70, NULL) $$), 'ok',
	'a scorer imports its unit''s self-assessment and the peer scores it gives');
SELECT is(pg_temp.import_as('tap_scorer', $$ ('TA', 'self', 'I.2', 80, NULL), ('TA', 'TC', 'I.2', 70, NULL) $$),
	'42501 scores.csv:3: field "judge": role "tap_scorer" may not file the scores given by "TC"',
	'import_scores refuses a peer score in another judge''s name, naming the line');
SELECT is(pg_temp.import_as('tap_scorer', $$ ('TB', 'self', 'I.2', 80, NULL) $$),
	'42501 scores.csv:2: field "judge": role "tap_scorer" may not file the scores given by "TB"',
	'import_scores refuses another unit''s self-assessment');
SELECT is(pg_temp.import_as('tap_admin', $$ ('TA', 'TC', 'I.2', 70, NULL) $$), 'ok', 'an administrator imports for any judge');
SELECT is(pg_temp.try_as('tap_scorer', $$ SELECT thidua.import_scores('tapb', 'tap', E'unit,judge,criterion,observed\nTA,self,I.2,80\nTA,TC,I.2,70\n', 'scores.csv') $$),
	'42501 scores.csv:3: field "judge": role "tap_scorer" may not file the scores given by "TC"',
	'the file''s text through import_scores: the same rule, the line named');
SELECT matches(pg_temp.import_as('tap_reader', $$ ('TA', 'self', 'I.2', 80, NULL) $$), '^42501', 'a reader imports nothing');
-- import_scores reads the caller's staging table with the owner's rights: only
-- a plain table of built-in types, whose reading runs none of the caller's code
SELECT is(pg_temp.try_as('tap_scorer', $$ DO $d$ BEGIN
		CREATE TEMP VIEW score_import AS SELECT 2::bigint AS line, 'TA'::text AS unit, 'self'::text AS judge,
			'I.2'::text AS criterion, 80::numeric AS observed, NULL::text AS evidence;
		PERFORM thidua.import_scores('tapb', 'tap', 'scores.csv');
	END $d$ $$), '42809 pg_temp.score_import is not a plain table of built-in types',
	'a staging view is refused (its query would run with the owner''s rights)');
SELECT is(pg_temp.try_as('tap_scorer', $$ DO $d$ BEGIN
		CREATE TYPE pg_temp.judge_kind AS ENUM ('self');
		CREATE TEMP TABLE score_import (line bigint, unit text, judge pg_temp.judge_kind, criterion text, observed numeric, evidence text);
		PERFORM thidua.import_scores('tapb', 'tap', 'scores.csv');
	END $d$ $$), '42809 pg_temp.score_import is not a plain table of built-in types: column "judge" has a type of its own',
	'a staging column of the caller''s own type is refused (its casts would run with the owner''s rights)');

-- Personal data: administrators and the person's own unit only.
SELECT is(pg_temp.value_as('tap_scorer', $$ SELECT string_agg(full_name, ', ') FROM thidua.individual $$), 'Nguyễn Văn A',
	'a scorer reads the people of its own unit only');
SELECT is(pg_temp.value_as('tap_scorer', $$ SELECT string_agg(person_code || '@' || unit_code, ' ') FROM thidua.membership $$), 'PA@TA',
	'and their memberships');
SELECT is(pg_temp.value_as('tap_scorer', $$ SELECT string_agg(person_code, ' ') FROM thidua.post_held $$), 'PA', 'and posts held');
SELECT is(pg_temp.value_as('tap_scorer', $$ SELECT string_agg(initiative_code, ' ' ORDER BY initiative_code) FROM thidua.initiative $$),
	'TAP-A TAP-AB', 'and the initiatives one of its people wrote, no others');
SELECT is(pg_temp.value_as('tap_admin', $$ SELECT string_agg(initiative_code, ' ' ORDER BY initiative_code) FROM thidua.initiative
	WHERE initiative_code LIKE 'TAP-%' $$),
	'TAP-A TAP-AB TAP-B', 'an administrator reads every initiative');
SELECT is(pg_temp.value_as('tap_admin', $$ SELECT count(*)::text FROM thidua.individual WHERE person_code IN ('PA', 'PB') $$), '2',
	'an administrator reads everyone');
SELECT matches(pg_temp.value_as(r, $$ SELECT count(*)::text FROM thidua.individual $$), '^42501',
	r || ' cannot read thidua.individual')
FROM unnest(ARRAY['tap_reader', 'tap_council', 'tap_bare']) r;

-- Drafts are the administrators' own.
SELECT is(pg_temp.value_as('tap_bare', $$ SELECT count(*)::text FROM thidua.criteria_version WHERE version_code = 'stp/tapdraft' $$), '0',
	'a draft is invisible to a role without thidua_admin');
SELECT is(pg_temp.value_as('tap_reader', $$ SELECT coalesce(thidua.export_criteria('stp/tapdraft')::text, 'none')
	|| ' ' || (SELECT count(*) FROM thidua.criteria_item WHERE version_code = 'stp/tapdraft') $$), 'none 0',
	'its items and export too');
SELECT is(pg_temp.value_as('tap_admin', $$ SELECT count(*)::text FROM thidua.criteria_versions WHERE version_code = 'stp/tapdraft' $$), '1',
	'an administrator sees drafts');

SELECT is(pg_temp.value_as('tap_reader', $$ SELECT count(*) || ' ' || (SELECT count(*) FROM thidua.rulebook_entry
	WHERE version_code = 'justice/2024') FROM thidua.rulebook_versions WHERE version_code = 'justice/2024' $$), '0 0',
	'a draft rulebook and its entries are invisible to a role without thidua_admin');
SELECT is(pg_temp.value_as('tap_reader', $$ SELECT thidua.export_rulebook('justice/2024')::text $$),
	'P0002 rulebook version "justice/2024" does not exist', 'and its export says it does not exist');
SELECT is(pg_temp.value_as('tap_admin', $$ SELECT status FROM thidua.rulebook_versions WHERE version_code = 'justice/2024' $$), 'draft',
	'an administrator sees draft rulebooks');

-- Published standings: written only by publish_standings, read by readers.
SELECT is(pg_temp.try_as('tap_admin', $$ SELECT thidua.publish_standings('tapb', 'tap') $$), 'ok',
	'an administrator publishes standings (definer function; no INSERT on the table)');
SELECT thidua.publish_standings('tapb', 'tap');
SELECT is(pg_temp.value_as('tap_reader', $$ SELECT string_agg(unit_code, ' ' ORDER BY unit_code) FROM thidua.published_standings
	WHERE bloc_code = 'tapb' $$), 'TA TB TC', 'a reader reads published standings');

-- Search-path hijack: a role puts functions and operators that shadow those the
-- extension uses in a schema on other roles' search_path. None may ever run.
CREATE SCHEMA hijack AUTHORIZATION tap_bare;
GRANT USAGE ON SCHEMA hijack TO PUBLIC;
SET LOCAL ROLE tap_bare;
CREATE FUNCTION hijack.trap(what text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'hijacked by %', what USING ERRCODE = 'HIJAK';
END $$;
CREATE FUNCTION hijack.text_eq(a text, b text) RETURNS boolean LANGUAGE sql AS $$ SELECT hijack.trap('=') $$;
CREATE OPERATOR hijack.= (LEFTARG = text, RIGHTARG = text, FUNCTION = hijack.text_eq);
CREATE FUNCTION hijack.field(a jsonb, b text) RETURNS text LANGUAGE sql AS $$ SELECT hijack.trap('->>')::text $$;
CREATE OPERATOR hijack.->> (LEFTARG = jsonb, RIGHTARG = text, FUNCTION = hijack.field);
CREATE FUNCTION hijack.member(a jsonb, b text) RETURNS jsonb LANGUAGE sql AS $$ SELECT hijack.trap('->')::text::jsonb $$;
CREATE OPERATOR hijack.-> (LEFTARG = jsonb, RIGHTARG = text, FUNCTION = hijack.member);
CREATE FUNCTION hijack.lower(text) RETURNS text LANGUAGE sql AS $$ SELECT hijack.trap('lower')::text $$;
CREATE FUNCTION hijack.jsonb_build_object(text, text) RETURNS jsonb LANGUAGE sql AS $$ SELECT hijack.trap('jsonb_build_object')::text::jsonb $$;
CREATE FUNCTION hijack.to_jsonb(text[]) RETURNS jsonb LANGUAGE sql AS $$ SELECT hijack.trap('to_jsonb')::text::jsonb $$;
CREATE FUNCTION hijack.string_to_array(text, text) RETURNS text[] LANGUAGE sql AS $$ SELECT hijack.trap('string_to_array')::text::text[] $$;
CREATE FUNCTION hijack.pg_has_role(name, oid, text) RETURNS boolean LANGUAGE sql AS $$ SELECT hijack.trap('pg_has_role') $$;
RESET ROLE;
SELECT matches(pg_temp.try_as('tap_bare', $$ SELECT 'a'::text = 'a'::text $$, 'hijack, pg_catalog'), '^HIJAK',
	'the trap is armed: an unqualified = on that search_path runs it');

-- A fresh published version, so that every backend compiles it under the hijacked path.
SELECT thidua.publish_version(thidua.clone_version('stp/2019', 'taphijack'));
SELECT is_empty($q$
	SELECT who || ': ' || call || ': ' || result FROM (
		SELECT who, call, pg_temp.try_as(who, call, 'hijack, pg_catalog, public') AS result
		FROM (VALUES
			('tap_bare', $c$SELECT thidua.points('stp/taphijack', 'VIII.1', 80)$c$),
			('tap_bare', $c$SELECT thidua.score('stp/taphijack', 'I.2', 50)$c$),
			('tap_bare', $c$SELECT thidua.classify('stp/taphijack', 85)$c$),
			('tap_bare', $c$SELECT thidua.export_criteria_csv('stp/taphijack')$c$),
			('tap_bare', $c$SELECT * FROM thidua.diff('stp/2019', 'stp/taphijack')$c$),
			('tap_bare', $c$SELECT * FROM thidua.criteria_versions$c$),
			('tap_admin', $c$SELECT thidua.clone_version('stp/taphijack', 'tapnext')$c$),
			('tap_admin', $c$SELECT thidua.import_criteria(thidua.export_criteria('stp/taphijack') || '{"edition": "tapimp"}')$c$),
			('tap_admin', $c$SELECT thidua.publish_version(thidua.clone_version('stp/taphijack', 'tappub'))$c$),
			('tap_admin', $c$SELECT thidua.publish_rulebook(thidua.import_rulebook(thidua.export_rulebook('justice/2024') || '{"edition": "taphijack"}'))$c$),
			('tap_admin', $c$SELECT thidua.delete_rulebook_draft(thidua.clone_rulebook('justice/2024', 'tapnext'))$c$),
			('tap_admin', $c$SELECT * FROM thidua.rulebook_diff('justice/2024', 'justice/2024')$c$),
			('tap_bare', $c$SELECT thidua.rulebook_in_force('LDTT', '2024-06-30')$c$),
			('tap_bare', $c$SELECT * FROM thidua.rulebook_versions$c$),
			('tap_admin', $c$SELECT * FROM thidua.standings('tapb', 'tap')$c$),
			('tap_admin', $c$SELECT thidua.explain('TA', 'tap')$c$),
			('tap_admin', $c$SELECT * FROM thidua.judge_report('tapb', 'tap')$c$),
			('tap_admin', $c$SELECT thidua.publish_standings('tapb', 'tap', 'hijack test')$c$),
			('tap_admin', $c$SELECT * FROM thidua.individual$c$),
			('tap_scorer', $c$SELECT * FROM thidua.evaluation$c$),
			('tap_scorer', $c$SELECT * FROM thidua.individual$c$),
			('tap_scorer', $c$DO $d$ BEGIN
				CREATE TEMP TABLE score_import (line bigint GENERATED ALWAYS AS IDENTITY (START WITH 2),
					unit text NOT NULL, judge text NOT NULL, criterion text NOT NULL, observed numeric NOT NULL, evidence text);
				INSERT INTO pg_temp.score_import (unit, judge, criterion, observed) VALUES ('TA', 'self', 'VIII.1', 80);
				PERFORM thidua.import_scores('tapb', 'tap');
			END $d$$c$)) AS calls(who, call)) AS tried
	WHERE result <> 'ok'
$q$, 'no shadowing function or operator runs, in definer or ordinary functions, for any role');

-- when and by whom an evaluation was filed is the server's to say for a scorer
SET ROLE tap_scorer;
INSERT INTO thidua.evaluation (bloc_code, period_code, unit_code, stage, judge_code, created_at)
	VALUES ('tapb', 'tap', 'TC', 'peer', 'TA', '2150-01-01');
RESET ROLE;
SELECT ok((SELECT created_at > now() - interval '1 hour' FROM thidua.evaluation
		   WHERE (bloc_code, unit_code, judge_code) = ('tapb', 'TC', 'TA')),
	'a scorer cannot back-date an evaluation');

SELECT * FROM finish();
ROLLBACK;
