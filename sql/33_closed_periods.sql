-- thidua SQL source: closed periods.
-- Holds what makes a closed period history: the guards on every table whose rows
-- belong to a period (evaluations, observations, adjustments, bloc settings,
-- members, pacts, recusals, vetoes; TRUNCATE included), the period's own
-- lifecycle (period_event, created open, closed and reopened on the record),
-- close_period(), reopen_period().

-- Scores enter only while the period is open: a closed year is history. A row
-- may neither leave nor enter a closed period; the period row is share-locked,
-- so closing waits for open writes and a write waits for a closing (then sees
-- it closed). Used by every table whose rows carry a period_code.
CREATE FUNCTION thidua._guard_open_period() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	row_period text;
	status text;
	-- on Citus this fires on each placement: the table's name, and the node's
	-- own placement of period (a reference table) to read
	table_name text := thidua._table_of_placement(TG_TABLE_NAME);
	periods regclass := thidua._local_relation('thidua.period');
BEGIN
	IF TG_OP = 'INSERT' AND thidua._restoring(TG_TABLE_NAME) THEN
		RETURN NEW;
	END IF;
	FOREACH row_period IN ARRAY ARRAY[
		CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) ->> 'period_code' END,
		CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) ->> 'period_code' END]
	LOOP
		CONTINUE WHEN row_period IS NULL;
		EXECUTE format('SELECT p.status FROM %s p WHERE p.period_code OPERATOR(pg_catalog.=) $1 FOR SHARE', periods)
			INTO status USING row_period;
		IF status = 'closed' THEN
			RAISE EXCEPTION 'period "%" is closed: % cannot change', row_period,
				CASE table_name WHEN 'veto' THEN 'vetoes' ELSE replace(table_name, '_', ' ') || 's' END
				USING ERRCODE = 'object_not_in_prerequisite_state',
					  HINT = 'A closed period is history; thidua.reopen_period(period, reason) reopens it, on the record.';
		END IF;
	END LOOP;
	RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;
CREATE TRIGGER evaluation_open_period AFTER INSERT OR UPDATE OR DELETE ON thidua.evaluation
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_open_period();
CREATE TRIGGER adjustment_open_period AFTER INSERT OR UPDATE OR DELETE ON thidua.adjustment
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_open_period();
CREATE TRIGGER bloc_period_open_period AFTER INSERT OR UPDATE OR DELETE ON thidua.bloc_period
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_open_period();
CREATE TRIGGER bloc_member_open_period AFTER INSERT OR UPDATE OR DELETE ON thidua.bloc_member
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_open_period();
CREATE TRIGGER pact_open_period AFTER INSERT OR UPDATE OR DELETE ON thidua.pact
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_open_period();
CREATE TRIGGER recusal_open_period AFTER INSERT OR UPDATE OR DELETE ON thidua.recusal
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_open_period();
CREATE TRIGGER veto_open_period AFTER INSERT OR UPDATE OR DELETE ON thidua.veto
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_open_period();
CREATE TRIGGER not_applicable_marking_open_period AFTER INSERT OR UPDATE OR DELETE ON thidua.not_applicable_marking
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_open_period();

-- The same refusal from the functions that write those tables: on Citus the
-- guard above is gone (thidua.coordinator_checks), so they call this before
-- each change they make (on one server it fires first, with the guard's
-- message). what: the rows, as the guard names them ("bloc members").
CREATE FUNCTION thidua._refuse_closed_period(period text, what text) RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	period_status text;
BEGIN
	IF thidua._distributed() THEN
		-- closing waits for this change, as the guard's share lock makes it
		SELECT p.status INTO period_status FROM thidua.period p
			WHERE p.period_code OPERATOR(pg_catalog.=) period FOR SHARE;
	ELSE
		SELECT p.status INTO period_status FROM thidua.period p WHERE p.period_code OPERATOR(pg_catalog.=) period;
	END IF;
	IF period_status OPERATOR(pg_catalog.=) 'closed' THEN
		RAISE EXCEPTION 'period "%" is closed: % cannot change', period, what
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'A closed period is history; thidua.reopen_period(period, reason) reopens it, on the record.';
	END IF;
END
$$;
COMMENT ON FUNCTION thidua._refuse_closed_period(text, text) IS
	'raises "period ... is closed: WHAT cannot change" when the period is closed (the check of the guard _guard_open_period, made by the functions that write a period''s rows)';

-- Nothing of a period is truncated while any period is closed.
CREATE TRIGGER evaluation_no_truncate BEFORE TRUNCATE ON thidua.evaluation
	FOR EACH STATEMENT EXECUTE FUNCTION thidua._guard_truncate('closed_period');
CREATE TRIGGER observation_no_truncate BEFORE TRUNCATE ON thidua.observation
	FOR EACH STATEMENT EXECUTE FUNCTION thidua._guard_truncate('closed_period');
CREATE TRIGGER adjustment_no_truncate BEFORE TRUNCATE ON thidua.adjustment
	FOR EACH STATEMENT EXECUTE FUNCTION thidua._guard_truncate('closed_period');
CREATE TRIGGER period_no_truncate BEFORE TRUNCATE ON thidua.period
	FOR EACH STATEMENT EXECUTE FUNCTION thidua._guard_truncate('closed_period');
CREATE TRIGGER bloc_period_no_truncate BEFORE TRUNCATE ON thidua.bloc_period
	FOR EACH STATEMENT EXECUTE FUNCTION thidua._guard_truncate('closed_period');
CREATE TRIGGER bloc_member_no_truncate BEFORE TRUNCATE ON thidua.bloc_member
	FOR EACH STATEMENT EXECUTE FUNCTION thidua._guard_truncate('closed_period');
CREATE TRIGGER pact_no_truncate BEFORE TRUNCATE ON thidua.pact
	FOR EACH STATEMENT EXECUTE FUNCTION thidua._guard_truncate('closed_period');
CREATE TRIGGER recusal_no_truncate BEFORE TRUNCATE ON thidua.recusal
	FOR EACH STATEMENT EXECUTE FUNCTION thidua._guard_truncate('closed_period');
CREATE TRIGGER veto_no_truncate BEFORE TRUNCATE ON thidua.veto
	FOR EACH STATEMENT EXECUTE FUNCTION thidua._guard_truncate('closed_period');
CREATE TRIGGER not_applicable_marking_no_truncate BEFORE TRUNCATE ON thidua.not_applicable_marking
	FOR EACH STATEMENT EXECUTE FUNCTION thidua._guard_truncate('closed_period');

-- An observation leaves its evaluation (UPDATE or DELETE) only while the
-- evaluation's period is open; new rows are checked per statement above.
CREATE FUNCTION thidua._guard_closed_observation() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	period_status text;
	period text;
BEGIN
	SELECT p.status, p.period_code INTO period_status, period FROM thidua.evaluation e JOIN thidua.period p USING (period_code)
		WHERE e.bloc_code OPERATOR(pg_catalog.=) OLD.bloc_code AND e.evaluation_id OPERATOR(pg_catalog.=) OLD.evaluation_id
		FOR SHARE OF p;
	IF period_status = 'closed' THEN
		RAISE EXCEPTION 'period "%" is closed: observations cannot change', period
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'A closed period is history; thidua.reopen_period(period, reason) reopens it, on the record.';
	END IF;
	RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;
CREATE TRIGGER observation_open_period_on_delete AFTER DELETE ON thidua.observation
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_closed_observation();
CREATE TRIGGER observation_open_period_on_update AFTER UPDATE ON thidua.observation
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_closed_observation();

-- Opening and closing periods. Every status change is recorded with who, when
-- and why; a closed period is reopened only with a reason.
CREATE TABLE thidua.period_event (
	event_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	period_code text NOT NULL REFERENCES thidua.period,
	from_status text NOT NULL,
	to_status text NOT NULL,
	reason text,
	changed_at timestamptz NOT NULL DEFAULT now(),
	changed_by text NOT NULL DEFAULT session_user
);
COMMENT ON TABLE thidua.period_event IS 'every closing and reopening of a period: who, when and why; append-only';
CREATE INDEX ON thidua.period_event (period_code, event_id);
SELECT pg_catalog.pg_extension_config_dump('thidua.period_event', '');
SELECT pg_catalog.pg_extension_config_dump('thidua.period_event_event_id_seq', '');
CREATE TRIGGER period_event_append_only AFTER UPDATE OR DELETE ON thidua.period_event
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_append_only();
CREATE TRIGGER period_event_by_thidua AFTER INSERT ON thidua.period_event
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_record_insert();
CREATE TRIGGER period_event_no_truncate BEFORE TRUNCATE ON thidua.period_event
	FOR EACH STATEMENT EXECUTE FUNCTION thidua._guard_truncate('always');

-- A period is created open. A closed period is history: it is not deleted, and
-- nothing of its row changes but its reopening, which needs a reason
-- (thidua.reopen_period). Every status change is recorded in period_event.
CREATE FUNCTION thidua._guard_period() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	reason text := nullif(btrim(current_setting('thidua.status_note', true)), '');
BEGIN
	IF TG_OP = 'INSERT' THEN
		IF NEW.status <> 'open' AND NOT thidua._restoring(TG_TABLE_NAME) THEN
			RAISE EXCEPTION 'period "%" must be created open', NEW.period_code
				USING ERRCODE = 'object_not_in_prerequisite_state',
					  HINT = 'Close it with thidua.close_period, which records the closing.';
		END IF;
		RETURN NULL;
	END IF;
	IF TG_OP = 'DELETE' THEN
		IF OLD.status = 'closed' THEN
			RAISE EXCEPTION 'period "%" is closed and cannot be deleted', OLD.period_code
				USING ERRCODE = 'object_not_in_prerequisite_state';
		END IF;
		RETURN OLD;
	END IF;
	IF OLD.status = 'closed' AND NOT (NEW.status = 'open' AND NEW.period_code = OLD.period_code
									  AND NEW.year = OLD.year) THEN
		RAISE EXCEPTION 'period "%" is closed: nothing of it can change', OLD.period_code
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Call thidua.reopen_period(period, reason) first; the reopening is recorded.';
	END IF;
	IF OLD.status = 'closed' AND NEW.status = 'open' AND reason IS NULL THEN
		RAISE EXCEPTION 'period "%" is closed: it is reopened only with a reason', OLD.period_code
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Call thidua.reopen_period(period, reason); the reopening is recorded.';
	END IF;
	IF NEW.status IS DISTINCT FROM OLD.status THEN
		INSERT INTO thidua.period_event (period_code, from_status, to_status, reason)
			VALUES (NEW.period_code, OLD.status, NEW.status, reason);
	END IF;
	RETURN NEW;
END
$$;
CREATE TRIGGER period_lifecycle AFTER INSERT OR UPDATE OR DELETE ON thidua.period
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_period();

-- Closing and reopening run with the owner's rights (EXECUTE: thidua_admin
-- only): on Citus no role writes thidua.period directly. closed_by and the
-- history's changed_by are the login role (session_user), never the owner.
CREATE FUNCTION thidua.close_period(period text, note text DEFAULT NULL) RETURNS void
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	PERFORM set_config('thidua.status_note', coalesce(note, ''), true);
	UPDATE thidua.period p SET status = 'closed', closed_at = now(), closed_by = session_user
		WHERE p.period_code OPERATOR(pg_catalog.=) close_period.period AND p.status = 'open';
	IF NOT FOUND THEN
		RAISE EXCEPTION 'period "%" does not exist or is already closed', period
			USING ERRCODE = 'object_not_in_prerequisite_state';
	END IF;
	IF thidua._distributed() THEN
		-- on Citus the lifecycle trigger is gone: the closing is recorded here
		INSERT INTO thidua.period_event (period_code, from_status, to_status, reason)
			VALUES (period, 'open', 'closed', nullif(btrim(note), ''));
	END IF;
	PERFORM set_config('thidua.status_note', '', true);
END
$$;
COMMENT ON FUNCTION thidua.close_period(text, text) IS
	'closes a period (its scores, blocs and standings become history), recording who, when and the note';

CREATE FUNCTION thidua.reopen_period(period text, reason text DEFAULT NULL) RETURNS void
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	IF coalesce(btrim(reason), '') = '' THEN
		RAISE EXCEPTION 'reopening period "%" needs a reason', period
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	PERFORM set_config('thidua.status_note', reason, true);
	UPDATE thidua.period p SET status = 'open', closed_at = NULL, closed_by = NULL
		WHERE p.period_code OPERATOR(pg_catalog.=) reopen_period.period AND p.status = 'closed';
	IF NOT FOUND THEN
		RAISE EXCEPTION 'period "%" does not exist or is not closed', period
			USING ERRCODE = 'object_not_in_prerequisite_state';
	END IF;
	IF thidua._distributed() THEN
		-- on Citus the lifecycle trigger is gone: the reopening is recorded here
		INSERT INTO thidua.period_event (period_code, from_status, to_status, reason)
			VALUES (period, 'closed', 'open', nullif(btrim(reason), ''));
	END IF;
	PERFORM set_config('thidua.status_note', '', true);
END
$$;
COMMENT ON FUNCTION thidua.reopen_period(text, text) IS
	'reopens a closed period; the reason is required and recorded with who and when in thidua.period_event';
