-- Two sessions at once: publishing a criteria version and editing its draft,
-- closing a period and entering its scores. Sessions "a" and "b" are dblink
-- connections; this session watches which one waits.
\set SHOW_CONTEXT never
\set VERBOSITY terse
SET client_min_messages = warning;
CREATE EXTENSION thidua;
CREATE EXTENSION dblink;
SELECT dblink_connect(name, format('host=%s port=%s dbname=%s user=%s',
	current_setting('unix_socket_directories'), current_setting('port'), current_database(), current_user))
	FROM (VALUES ('a'), ('b')) AS s(name);
SELECT thidua.import_criteria($${
  "set": {"code": "cc", "name": "Concurrent"}, "edition": "1", "title": "Concurrent",
  "classes": [{"label": "A"}], "tie_break": ["total"],
  "items": [{"code": "S", "kind": "section", "title": "work", "max": 10},
    {"code": "c", "parent": "S", "kind": "criterion", "title": "c", "rule": "manual", "max": 10}]}$$);
SELECT thidua.clone_version('cc/1', '2');

-- Waits until a session's query is blocked on a lock, or finishes.
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
-- The outcome of a session's query: its error, or 'ok'.
CREATE FUNCTION pg_temp.outcome(session text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	message text;
BEGIN
	PERFORM * FROM dblink_get_result(session, false) AS r(x text);
	PERFORM * FROM dblink_get_result(session, false) AS r(x text);
	message := dblink_error_message(session);
	RETURN CASE WHEN message = 'OK' THEN 'ok' ELSE regexp_replace(message, '^ERROR:  |\n.*$', '', 'g') END;
END
$$;

-- 1. An edit of the draft is open (and invalid: a maximum finer than the
--    rounding scale) when another session publishes: the publication waits,
--    then validates the edit and refuses it.
SELECT dblink_exec('a', 'BEGIN');
SELECT dblink_exec('a', $$UPDATE thidua.criteria_item SET max_points = 9.999 WHERE version_code = 'cc/1' AND code = 'c'$$);
SELECT dblink_send_query('b', $$SELECT thidua.publish_version('cc/1') /*b*/$$);
SELECT pg_temp.blocked('b') AS publication_waits_for_the_edit;
SELECT dblink_exec('a', 'COMMIT');
SELECT pg_temp.outcome('b') AS publication;
SELECT status FROM thidua.criteria_version WHERE version_code = 'cc/1';

-- 2. A publication is in progress when another session edits the draft: the
--    edit waits, then finds the version published and is refused.
UPDATE thidua.criteria_item SET max_points = 10 WHERE version_code = 'cc/1' AND code = 'c';
SELECT dblink_exec('b', 'BEGIN');
SELECT * FROM dblink('b', $$SELECT thidua.publish_version('cc/1')::text$$) AS r(x text);
SELECT dblink_send_query('a', $$UPDATE thidua.criteria_item SET max_points = 9.999 WHERE version_code = 'cc/1' AND code = 'c' /*a*/$$);
SELECT pg_temp.blocked('a') AS edit_waits_for_the_publication;
SELECT dblink_exec('b', 'COMMIT');
SELECT pg_temp.outcome('a') AS edit;
SELECT status, (SELECT max_points FROM thidua.criteria_item WHERE version_code = 'cc/1' AND code = 'c')
	FROM thidua.criteria_version WHERE version_code = 'cc/1';

-- 3. The same for class bands, and for the set's name (frozen by a publication).
SELECT dblink_exec('a', 'BEGIN');
SELECT dblink_exec('a', $$UPDATE thidua.class_band SET title = 'late' WHERE version_code = 'cc/2'$$);
SELECT dblink_send_query('b', $$SELECT thidua.publish_version('cc/2') /*b*/$$);
SELECT pg_temp.blocked('b') AS publication_waits_for_the_band_edit;
SELECT dblink_exec('a', 'COMMIT');
SELECT pg_temp.outcome('b') AS publication;
SELECT title FROM thidua.class_band WHERE version_code = 'cc/2';

-- 4. Scores are being entered when the period is closed: closing waits for
--    them; scores entered while a closing is in progress wait, then are refused.
INSERT INTO thidua.unit (unit_code, name) VALUES ('U1', 'Một'), ('U2', 'Hai');
INSERT INTO thidua.period (period_code, year) VALUES ('2019', 2019);
INSERT INTO thidua.bloc VALUES ('Z', 'Khối', 'bloc');
INSERT INTO thidua.bloc_period VALUES ('Z', '2019', 'cc/1', 'mean', 0, 1);
INSERT INTO thidua.bloc_member VALUES ('Z', '2019', 'U1', 'head'), ('Z', '2019', 'U2', 'member');
INSERT INTO thidua.evaluation (bloc_code, period_code, unit_code, stage, judge_code)
	VALUES ('Z', '2019', 'U1', 'peer', 'U2'), ('Z', '2019', 'U2', 'peer', 'U1');
SELECT dblink_exec('a', 'BEGIN');
SELECT dblink_exec('a', $$INSERT INTO thidua.observation SELECT evaluation_id, 'c', 5 FROM thidua.evaluation WHERE unit_code = 'U1'$$);
SELECT dblink_send_query('b', $$SELECT thidua.close_period('2019') /*b*/$$);
SELECT pg_temp.blocked('b') AS closing_waits_for_the_scores;
SELECT dblink_exec('a', 'COMMIT');
SELECT pg_temp.outcome('b') AS closing;
SELECT thidua.reopen_period('2019', 'test: scores of U2 missing');
SELECT dblink_exec('b', 'BEGIN');
SELECT * FROM dblink('b', $$SELECT thidua.close_period('2019')::text$$) AS r(x text);
SELECT dblink_send_query('a', $$INSERT INTO thidua.observation SELECT evaluation_id, 'c', 6 FROM thidua.evaluation WHERE unit_code = 'U2' /*a*/$$);
SELECT pg_temp.blocked('a') AS scores_wait_for_the_closing;
SELECT dblink_exec('b', 'COMMIT');
SELECT pg_temp.outcome('a') AS scores;
SELECT e.unit_code, o.observed FROM thidua.observation o JOIN thidua.evaluation e USING (evaluation_id) ORDER BY 1;

SELECT dblink_disconnect('a'), dblink_disconnect('b');
DROP EXTENSION dblink;
SELECT thidua.reopen_period('2019', 'clean-up');
DROP EXTENSION thidua;
