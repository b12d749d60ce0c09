-- The secret ballot with real sessions and commits: one vote per member when
-- two sessions of the same member race (and when the secretary's written vote
-- races the member's own), ballots and register paired by xmin while the vote
-- is open and no longer after the close. Sessions "a" and "b" are dblink
-- connections as council members; this session watches which one waits.
\set SHOW_CONTEXT never
\set VERBOSITY terse
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS thidua CASCADE;
CREATE EXTENSION thidua;
CREATE EXTENSION dblink;
SELECT thidua.create_roles();
DO $$ BEGIN
	FOR i IN 1..29 LOOP EXECUTE format('CREATE ROLE bt_m%s LOGIN IN ROLE thidua_council', i); END LOOP;
	CREATE ROLE bt_outsider LOGIN IN ROLE thidua_council;
	CREATE ROLE bt_admin LOGIN IN ROLE thidua_admin;
END $$;
\o /dev/null
\i test/fixtures/ballot/setup.sql
SELECT pg_temp.bt_version('r', '[{"award": "CSTD-BT", "council": {"ballot": true, "threshold": 0.9, "comparison": "at_least", "base": "all_members"}}]');
SELECT pg_temp.bt_round('RC', 'bt/r', '{CSTD-BT}', 5);
SELECT pg_temp.bt_nominate('RC', 'CSTD-BT', 'BP1'), pg_temp.bt_nominate('RC', 'CSTD-BT', 'BP2');
SELECT pg_temp.act('bt_admin', $$SELECT thidua.open_vote('RC')$$);
\o
CREATE FUNCTION pg_temp.connect(session text, who text) RETURNS text LANGUAGE sql AS $$
	SELECT dblink_connect(session, format('host=%s port=%s dbname=%s user=%s',
		current_setting('unix_socket_directories'), current_setting('port'), current_database(), who)) $$;
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
	RETURN CASE WHEN message = 'OK' THEN 'ok' ELSE regexp_replace(message, '^ERROR:  |\n.*$', '', 'g') END;
END
$$;

-- 1. Two sessions of bt_m3 vote on nomination 1 at once: the second waits for
--    the first and is refused when it commits.
SELECT pg_temp.connect('a', 'bt_m3'), pg_temp.connect('b', 'bt_m3');
SELECT dblink_exec('a', 'BEGIN');
SELECT * FROM dblink('a', $$SELECT thidua.vote(1, 'yes')::text$$) AS r(x text);
SELECT dblink_send_query('b', $$SELECT thidua.vote(1, 'no') /*b*/$$);
SELECT pg_temp.blocked('b') AS second_vote_waits;
SELECT dblink_exec('a', 'COMMIT');
SELECT pg_temp.outcome('b') AS second_vote;
SELECT dblink_disconnect('a'), dblink_disconnect('b');
-- 2. The secretary enters bt_m4's written vote while bt_m4 votes in person.
SELECT pg_temp.connect('a', 'bt_m4'), pg_temp.connect('b', 'bt_m2');
SELECT dblink_exec('a', 'BEGIN');
SELECT * FROM dblink('a', $$SELECT thidua.vote(1, 'no')::text$$) AS r(x text);
SELECT dblink_send_query('b', $$SELECT thidua.vote_written(1, 'bt_m4', 'yes') /*b*/$$);
SELECT pg_temp.blocked('b') AS written_vote_waits;
SELECT dblink_exec('a', 'COMMIT');
SELECT pg_temp.outcome('b') AS written_vote;
SELECT x AS written_for_bt_m5 FROM dblink('b', $$SELECT thidua.vote_written(1, 'bt_m5', 'yes')::text$$) AS r(x text);
SELECT dblink_disconnect('a'), dblink_disconnect('b');
SELECT nomination_id, role_name, written, entered_by, choice FROM thidua.vote_register ORDER BY 1, 2;
SELECT (SELECT count(*) FROM thidua.ballot) AS ballots, (SELECT count(*) FROM thidua.vote_register) AS register;

-- 3. More votes, each in its own transaction; while open, register and ballot pair up by xmin.
SELECT pg_temp.bt_votes(2, 3, 1, 1);
SELECT pg_temp.bt_votes(1, 2);
SELECT count(*) AS pairs_by_xmin_while_open FROM thidua.ballot b JOIN thidua.vote_register v ON v.xmin = b.xmin;
SELECT pg_temp.act('bt_admin', $$SELECT thidua.close_vote('RC')$$);
SELECT count(*) AS pairs_by_xmin_after_close FROM thidua.ballot b JOIN thidua.vote_register v ON v.xmin = b.xmin;
SELECT count(DISTINCT xmin::text) AS ballot_xmins FROM thidua.ballot;
SELECT array_agg(nomination_id || ':' || choice ORDER BY ctid) = array_agg(nomination_id || ':' || choice ORDER BY nomination_id, choice)
	AS physical_order_is_sorted FROM thidua.ballot;
SELECT nomination_id, choice FROM thidua.ballot;
SELECT nomination_id, state, tally ->> 'arithmetic' AS tally FROM thidua.nomination ORDER BY 1;
SELECT regexp_replace(pg_temp.act('bt_m1', $$SELECT thidua.vote(2, 'yes')$$), 'at .*$', 'at ...') AS vote_after_close;

-- 4. close_vote reads every ballot and rewrites the table: at REPEATABLE READ
--    its snapshot could predate a vote committed while it waited, which the
--    rewrite would erase. It is refused there (and so is approving, which
--    counts seats), and at READ COMMITTED a vote committed while close_vote
--    waits for it is counted.
\o /dev/null
SELECT pg_temp.bt_version('w', '[{"award": "CSTD-BT", "council": {"ballot": true, "threshold": 0.5, "comparison": "at_least", "base": "all_members"}}]');
SELECT pg_temp.bt_round('RW', 'bt/w', '{CSTD-BT}', 5);
SELECT pg_temp.bt_nominate('RW', 'CSTD-BT', 'BP3');
SELECT pg_temp.act('bt_admin', $$SELECT thidua.open_vote('RW')$$);
SELECT pg_temp.bt_votes(3, 2);
\o
SELECT pg_temp.connect('a', 'bt_m3'), pg_temp.connect('b', 'bt_admin');
SELECT dblink_exec('a', 'BEGIN');
SELECT * FROM dblink('a', $$SELECT thidua.vote(3, 'yes')::text$$) AS r(x text);
SELECT dblink_exec('b', 'BEGIN ISOLATION LEVEL REPEATABLE READ');
SELECT * FROM dblink('b', $$SELECT count(*)::text FROM thidua.nomination$$) AS r(x text);
SELECT dblink_send_query('b', $$SELECT thidua.close_vote('RW') /*b*/$$);
SELECT pg_temp.blocked('b') AS close_at_repeatable_read_waits;
SELECT pg_temp.outcome('b') AS close_at_repeatable_read;
SELECT dblink_exec('b', 'ROLLBACK');
SELECT dblink_send_query('b', $$SELECT thidua.close_vote('RW') /*b*/$$);
SELECT pg_temp.blocked('b') AS close_at_read_committed_waits;
SELECT dblink_exec('a', 'COMMIT');
SELECT pg_temp.outcome('b') AS close_at_read_committed;
SELECT dblink_disconnect('a'), dblink_disconnect('b');
SELECT (SELECT count(*) FROM thidua.ballot WHERE nomination_id = 3) AS ballots_of_3,
	(SELECT count(*) FROM thidua.vote_register WHERE nomination_id = 3) AS register_of_3,
	(SELECT tally ->> 'arithmetic' FROM thidua.nomination WHERE nomination_id = 3) AS tally_of_3;
BEGIN ISOLATION LEVEL SERIALIZABLE;
SELECT pg_temp.act('bt_admin', $$SELECT thidua.approve_round('RW')$$) AS approve_round_serializable;
ROLLBACK;

-- 5. Two approvals of one award and year in two rounds at once: one seat per
--    unit (a fixed count) is one seat whichever round takes it; the second
--    waits for the first and then finds no seat left.
\o /dev/null
SELECT pg_temp.bt_version('k', '[{"award": "BK-BTP", "quota": {"count": 1, "per": "unit", "source": {"document": "test"}}}]');
SELECT pg_temp.bt_round('RK1', 'bt/k', '{BK-BTP}', 0), pg_temp.bt_round('RK2', 'bt/k', '{BK-BTP}', 0);
SELECT pg_temp.bt_nominate('RK1', 'BK-BTP', 'QU1-1', 'QU1'), pg_temp.bt_nominate('RK2', 'BK-BTP', 'QU1-2', 'QU1');
\o
SELECT pg_temp.connect('a', 'bt_admin'), pg_temp.connect('b', 'bt_admin');
SELECT dblink_exec('a', 'BEGIN');
SELECT * FROM dblink('a', $$SELECT thidua.approve(4)::text$$) AS r(x text);
SELECT dblink_send_query('b', $$SELECT thidua.approve(5) /*b*/$$);
SELECT pg_temp.blocked('b') AS approval_in_other_round_waits;
SELECT dblink_exec('a', 'COMMIT');
SELECT pg_temp.outcome('b') AS approval_in_other_round;
SELECT dblink_disconnect('a'), dblink_disconnect('b');
SELECT nomination_id, round_code, state FROM thidua.nomination WHERE nomination_id IN (4, 5) ORDER BY 1;

DROP EXTENSION dblink;
DROP EXTENSION thidua;
DO $$ BEGIN
	FOR i IN 1..29 LOOP EXECUTE format('DROP ROLE bt_m%s', i); END LOOP;
	DROP ROLE bt_outsider;
	DROP ROLE bt_admin;
END $$;
