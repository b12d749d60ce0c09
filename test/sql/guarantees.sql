-- The stated guarantees against every statement kind: a published criteria
-- version never changes, a closed period refuses changes, published standings
-- are append-only. Each is tried with INSERT, UPDATE, DELETE, TRUNCATE and COPY
-- by a role holding every privilege on every thidua table (short of being a
-- superuser, who can disable triggers anyway).
\set SHOW_CONTEXT never
\set VERBOSITY terse
SET client_min_messages = warning;
CREATE EXTENSION thidua;
SELECT thidua.import_criteria($${
  "set": {"code": "g", "name": "Guarded"}, "edition": "1", "title": "Guarded",
  "classes": [{"label": "A", "min": 5}, {"label": "B"}], "tie_break": ["total"],
  "items": [
    {"code": "S", "kind": "section", "title": "work", "max": 10},
    {"code": "c", "parent": "S", "kind": "criterion", "title": "c", "rule": "manual", "max": 10}]}$$);
SELECT thidua.publish_version('g/1', 'Quyết định 1');
SELECT thidua.clone_version('g/1', '2');
INSERT INTO thidua.unit (unit_code, name) VALUES ('U1', 'Đơn vị 1'), ('U2', 'Đơn vị 2'), ('U3', 'Đơn vị 3');
INSERT INTO thidua.period (period_code, year) VALUES ('2019', 2019), ('2020', 2020);
INSERT INTO thidua.bloc VALUES ('Z', 'Khối thử', 'bloc');
INSERT INTO thidua.bloc_period VALUES ('Z', '2019', 'g/1', 'mean', 0, 1), ('Z', '2020', 'g/1', 'mean', 0, 1);
INSERT INTO thidua.bloc_member SELECT 'Z', p, u, CASE u WHEN 'U1' THEN 'head' ELSE 'member' END
	FROM unnest(ARRAY['2019', '2020']) p, unnest(ARRAY['U1', 'U2']) u;
INSERT INTO thidua.pact VALUES ('Z', '2019', 'U1', DATE '2019-03-01', '{}');
INSERT INTO thidua.recusal VALUES ('Z', '2019', 'U1', 'U2', 'related');
INSERT INTO thidua.veto VALUES ('Z', '2019', 'U2', 'discipline');
INSERT INTO thidua.adjustment (bloc_code, period_code, unit_code, points, reason, made_by)
	VALUES ('Z', '2019', 'U1', 1, 'appraisal', 'Bộ');
INSERT INTO thidua.evaluation (bloc_code, period_code, unit_code, stage, judge_code)
	VALUES ('Z', '2019', 'U1', 'peer', 'U2'), ('Z', '2019', 'U2', 'self', 'U2');
INSERT INTO thidua.observation SELECT evaluation_id, 'c', 7 FROM thidua.evaluation;
SELECT thidua.publish_standings('Z', '2019');
SELECT thidua.close_period('2019', 'tổng kết năm 2019');

-- The strongest role short of a superuser: an administrator that bypasses
-- row-level security and holds every privilege on every table besides.
SELECT thidua.create_roles();
CREATE ROLE guard_probe LOGIN BYPASSRLS IN ROLE thidua_admin;
GRANT ALL ON ALL TABLES IN SCHEMA thidua TO guard_probe;
GRANT ALL ON ALL SEQUENCES IN SCHEMA thidua TO guard_probe;
CREATE FUNCTION pg_temp.attempt(statement text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	changed bigint;
BEGIN
	EXECUTE statement;
	GET DIAGNOSTICS changed = ROW_COUNT;
	RETURN format('no error: %s rows', changed);
EXCEPTION WHEN OTHERS THEN
	RETURN SQLERRM;
END
$$;
SET SESSION AUTHORIZATION guard_probe;

-- A published version never changes: its row, items, class bands, set, history.
SELECT s AS statement, pg_temp.attempt(s) AS outcome FROM (VALUES
	($$INSERT INTO thidua.criteria_version (version_code, set_code, edition, title, status) VALUES ('g/9', 'g', '9', 'forged', 'published')$$),
	($$UPDATE thidua.criteria_version SET title = 'edited' WHERE version_code = 'g/1'$$),
	($$UPDATE thidua.criteria_version SET status = 'draft' WHERE version_code = 'g/1'$$),
	($$DELETE FROM thidua.criteria_version WHERE version_code = 'g/1'$$),
	($$TRUNCATE thidua.criteria_version CASCADE$$),
	($$INSERT INTO thidua.criteria_item (version_code, code, parent_code, position, kind, title, max_points, rule) VALUES ('g/1', 'c2', 'S', 9, 'criterion', 'added', 1, 'manual')$$),
	($$UPDATE thidua.criteria_item SET max_points = 99 WHERE version_code = 'g/1' AND code = 'c'$$),
	($$DELETE FROM thidua.criteria_item WHERE version_code = 'g/1' AND code = 'c'$$),
	($$TRUNCATE thidua.criteria_item$$),
	($$INSERT INTO thidua.class_band VALUES ('g/1', 9, 'Z', NULL, 1)$$),
	($$UPDATE thidua.class_band SET lower_bound = 0 WHERE version_code = 'g/1'$$),
	($$DELETE FROM thidua.class_band WHERE version_code = 'g/1'$$),
	($$TRUNCATE thidua.class_band$$),
	($$UPDATE thidua.criteria_set SET name = 'Renamed' WHERE set_code = 'g'$$),
	($$DELETE FROM thidua.criteria_set WHERE set_code = 'g'$$),
	($$TRUNCATE thidua.criteria_set CASCADE$$),
	($$UPDATE thidua.criteria_version_event SET note = 'edited'$$),
	($$DELETE FROM thidua.criteria_version_event$$),
	($$TRUNCATE thidua.criteria_version_event$$)) AS t(s);
COPY thidua.criteria_version (version_code, set_code, edition, title, status) FROM stdin;
g/8	g	8	forged	published
\.
COPY thidua.criteria_item (version_code, code, parent_code, position, kind, title, max_points, rule) FROM stdin;
g/1	c3	S	10	criterion	added	1	manual
\.
COPY thidua.class_band FROM stdin;
g/1	10	Y	\N	2
\.
-- The draft, meanwhile, changes freely.
SELECT pg_temp.attempt($$UPDATE thidua.criteria_item SET title = 'reworded' WHERE version_code = 'g/2' AND code = 'c'$$) AS draft_edit;

-- A closed period refuses changes: the period itself, its history, its scores,
-- its bloc settings, members, pacts, recusals and vetoes.
SELECT s AS statement, pg_temp.attempt(s) AS outcome FROM (VALUES
	($$UPDATE thidua.period SET status = 'open' WHERE period_code = '2019'$$),
	($$UPDATE thidua.period SET year = 2018 WHERE period_code = '2019'$$),
	($$DELETE FROM thidua.period WHERE period_code = '2019'$$),
	($$TRUNCATE thidua.period CASCADE$$),
	($$UPDATE thidua.period_event SET reason = 'edited'$$),
	($$DELETE FROM thidua.period_event$$),
	($$TRUNCATE thidua.period_event$$),
	($$INSERT INTO thidua.evaluation (bloc_code, period_code, unit_code, stage, judge_code) VALUES ('Z', '2019', 'U1', 'self', 'U1')$$),
	($$UPDATE thidua.evaluation SET period_code = '2020' WHERE period_code = '2019'$$),
	($$DELETE FROM thidua.evaluation WHERE period_code = '2019'$$),
	($$TRUNCATE thidua.evaluation CASCADE$$),
	($$INSERT INTO thidua.observation SELECT evaluation_id, 'S', 1 FROM thidua.evaluation WHERE period_code = '2019' AND stage = 'self'$$),
	($$UPDATE thidua.observation SET observed = 10$$),
	($$DELETE FROM thidua.observation$$),
	($$TRUNCATE thidua.observation$$),
	($$INSERT INTO thidua.adjustment (bloc_code, period_code, unit_code, points, reason, made_by) VALUES ('Z', '2019', 'U2', 5, 'late', 'x')$$),
	($$UPDATE thidua.adjustment SET points = 9$$),
	($$DELETE FROM thidua.adjustment$$),
	($$TRUNCATE thidua.adjustment$$),
	($$UPDATE thidua.bloc_period SET peer_method = 'schulze' WHERE period_code = '2019'$$),
	($$DELETE FROM thidua.bloc_period WHERE period_code = '2019'$$),
	($$TRUNCATE thidua.bloc_period CASCADE$$),
	($$INSERT INTO thidua.bloc_member VALUES ('Z', '2019', 'U3', 'member')$$),
	($$UPDATE thidua.bloc_member SET role = 'deputy' WHERE period_code = '2019' AND unit_code = 'U2'$$),
	($$DELETE FROM thidua.bloc_member WHERE period_code = '2019' AND unit_code = 'U2'$$),
	($$TRUNCATE thidua.bloc_member CASCADE$$),
	($$INSERT INTO thidua.pact VALUES ('Z', '2019', 'U2', DATE '2019-03-01', '{}')$$),
	($$UPDATE thidua.pact SET targets = '{"x": 1}'$$),
	($$DELETE FROM thidua.pact$$),
	($$TRUNCATE thidua.pact$$),
	($$INSERT INTO thidua.recusal VALUES ('Z', '2019', 'U2', 'U1', 'related')$$),
	($$UPDATE thidua.recusal SET reason = 'none'$$),
	($$DELETE FROM thidua.recusal$$),
	($$TRUNCATE thidua.recusal$$),
	($$INSERT INTO thidua.veto VALUES ('Z', '2019', 'U1', 'discipline')$$),
	($$UPDATE thidua.veto SET reason = 'none'$$),
	($$DELETE FROM thidua.veto$$),
	($$TRUNCATE thidua.veto$$)) AS t(s);
COPY thidua.evaluation (bloc_code, period_code, unit_code, stage, judge_code) FROM stdin;
Z	2019	U1	self	U1
\.
COPY thidua.adjustment (bloc_code, period_code, unit_code, points, reason, made_by) FROM stdin;
Z	2019	U2	5	late	x
\.
COPY thidua.veto FROM stdin;
Z	2019	U1	discipline	\N	\N	\N
\.
COPY thidua.bloc_member FROM stdin;
Z	2019	U3	member	active	\N	\N	\N
\.
-- Standings of a closed period are not published again.
SELECT thidua.publish_standings('Z', '2019', 'late correction');
-- Reopening is explicit, needs a reason, and is recorded with who and when.
SELECT thidua.reopen_period('2019');
SELECT thidua.reopen_period('2019', '');
SELECT thidua.reopen_period('2019', 'Bộ yêu cầu chấm lại khối Z');
SELECT thidua.reopen_period('2019', 'again');
SELECT from_status, to_status, reason, changed_by FROM thidua.period_event ORDER BY event_id;
SELECT thidua.close_period('2019', 'chấm lại xong');
SELECT count(*) AS closings FROM thidua.period_event WHERE to_status = 'closed';

-- Published standings are append-only: no row is added to, changed in or
-- removed from a published revision, and no empty revision hides one.
SELECT s AS statement, pg_temp.attempt(s) AS outcome FROM (VALUES
	($$INSERT INTO thidua.standing_row SELECT bloc_code, period_code, revision, 'U3', 'forged', role, self_total, peer_result, peer_judges, adjustment, final_total, class, 0, tie_break, flags FROM thidua.standing_row LIMIT 1$$),
	($$UPDATE thidua.standing_row SET rank = 1$$),
	($$DELETE FROM thidua.standing_row$$),
	($$TRUNCATE thidua.standing_row$$),
	($$UPDATE thidua.standing_revision SET reason = 'edited'$$),
	($$DELETE FROM thidua.standing_revision$$),
	($$TRUNCATE thidua.standing_revision CASCADE$$)) AS t(s);
BEGIN;
INSERT INTO thidua.standing_revision (bloc_code, period_code, revision, reason) VALUES ('Z', '2019', 2, 'empty');
COMMIT;
COPY thidua.standing_row FROM stdin;
Z	2019	1	U3	forged	member	\N	\N	0	0	\N	\N	9	\N	{}
\.

-- Published standings are written by publish_standings alone; even the owner
-- cannot commit an empty revision that would hide the last one.
RESET SESSION AUTHORIZATION;
BEGIN;
INSERT INTO thidua.standing_revision (bloc_code, period_code, revision, reason) VALUES ('Z', '2019', 2, 'empty');
COMMIT;
SELECT count(*) AS revisions FROM thidua.standing_revision;

-- The records of closed periods cannot be forged either.
SET SESSION AUTHORIZATION guard_probe;
SELECT s AS statement, pg_temp.attempt(s) AS outcome FROM (VALUES
	($$UPDATE thidua.period SET closed_by = 'mallory' WHERE period_code = '2019'$$),
	($$INSERT INTO thidua.period (period_code, year, status) VALUES ('2018', 2018, 'closed')$$),
	($$INSERT INTO thidua.period_event (period_code, from_status, to_status, reason) VALUES ('2019', 'open', 'closed', 'forged')$$),
	($$INSERT INTO thidua.criteria_version_event (version_code, to_status, note) VALUES ('g/1', 'published', 'forged')$$)) AS t(s);
SET thidua.status_note = ' ';
SELECT pg_temp.attempt($$UPDATE thidua.period SET status = 'open' WHERE period_code = '2019'$$) AS blank_reason;
RESET thidua.status_note;

-- A trigger of the role's own that rewrites a row after the checks is too late:
-- the guards judge each row as stored.
CREATE FUNCTION pg_temp.into_2019() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.period_code := '2019'; RETURN NEW; END $$;
CREATE TRIGGER zz_move BEFORE INSERT OR UPDATE ON thidua.adjustment FOR EACH ROW EXECUTE FUNCTION pg_temp.into_2019();
SELECT pg_temp.attempt($$INSERT INTO thidua.adjustment (bloc_code, period_code, unit_code, points, reason, made_by) VALUES ('Z', '2020', 'U1', 77, 'smuggled', 'x')$$) AS smuggled_adjustment;
CREATE FUNCTION pg_temp.into_published() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.version_code := 'g/1'; RETURN NEW; END $$;
CREATE TRIGGER zz_move BEFORE INSERT OR UPDATE ON thidua.class_band FOR EACH ROW EXECUTE FUNCTION pg_temp.into_published();
SELECT pg_temp.attempt($$INSERT INTO thidua.class_band VALUES ('g/2', 77, 'Z', NULL, -1000)$$) AS smuggled_band;
RESET SESSION AUTHORIZATION;
DROP TRIGGER zz_move ON thidua.adjustment;
DROP TRIGGER zz_move ON thidua.class_band;

-- A superuser's COPY is a restore only when it is exactly a dump's statement
-- in a session set up as a dump sets it up.
COPY (INSERT INTO thidua.adjustment (bloc_code, period_code, unit_code, points, reason, made_by)
	VALUES ('Z', '2019', 'U1', 50, 'copy-bypass', 'su') RETURNING 1) TO STDOUT;
COPY (SELECT 1) TO STDOUT \; INSERT INTO thidua.veto VALUES ('Z', '2019', 'U1', 'x');
SET row_security = off;
COPY thidua.recusal FROM stdin;
Z	2019	U2	U1	copied in
\.
RESET row_security;

-- Publishing validates what it freezes: only at READ COMMITTED, where it sees
-- every committed edit.
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT thidua.publish_version('g/2');
ROLLBACK;

-- Official standings use published versions only.
SELECT thidua.reopen_period('2019', 'set-up check');
SELECT pg_temp.attempt($$UPDATE thidua.bloc_period SET criteria_version = 'g/2' WHERE bloc_code = 'Z' AND period_code = '2020'$$) AS draft_for_a_bloc;
INSERT INTO thidua.bloc VALUES ('Y', 'Khối khác', 'bloc');
SELECT pg_temp.attempt($$INSERT INTO thidua.bloc_period VALUES ('Y', '2020', 'g/2', 'mean', 0, 1)$$) AS draft_for_a_new_bloc;

-- After all this, the frozen content is as it was.
SELECT code, title, max_points FROM thidua.criteria_item WHERE version_code = 'g/1' ORDER BY position;
SELECT version_code, status FROM thidua.criteria_version ORDER BY 1;
SELECT name FROM thidua.criteria_set;
SELECT count(*) AS observations, sum(observed) FROM thidua.observation;
SELECT revision, count(*) FROM thidua.standing_row GROUP BY revision;
SELECT thidua.close_period('2019');
DROP EXTENSION thidua;
DROP ROLE guard_probe;
