-- thidua 0.5.0: safe to deploy: validated entry points, dumps that restore,
-- guarantees against every statement kind, roles and row-level security.
\echo Use "ALTER EXTENSION thidua UPDATE TO '0.5.0'" to load this file. \quit

SELECT thidua._require_library('0.5.0');

------------------------------------------------------------------------------
-- Guarantees against every statement kind, and dumps that restore
------------------------------------------------------------------------------

-- Whether this statement restores a dump into the table: a superuser's session
-- configured as pg_dump's output configures it (row_security off), running
-- exactly the statement a dump holds for the table's data, COPY thidua.TABLE
-- (columns) FROM stdin. That is how pg_restore and psql -f re-insert published
-- and closed records as they are, in an order of their own; guards let those
-- rows in. Any other statement, role or session meets the guards.
CREATE FUNCTION thidua._restoring(table_name text) RETURNS boolean
	LANGUAGE sql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT coalesce((SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) session_user), false)
		AND current_setting('row_security') OPERATOR(pg_catalog.=) 'off'
		AND current_query() OPERATOR(pg_catalog.~)
			('^COPY thidua\.' OPERATOR(pg_catalog.||) quote_ident(table_name)
			 OPERATOR(pg_catalog.||) ' \([^;]*\) FROM stdin;\s*$')
$$;
COMMENT ON FUNCTION thidua._restoring(text) IS
	'true while a superuser restores a dump into the table (exactly COPY thidua.TABLE (columns) FROM stdin, row_security off): guards then let frozen records be re-inserted as they are';

-- Whether the statement runs with the rights of the table's owner: inside
-- thidua's own SECURITY DEFINER functions (or as the owner, a superuser).
-- Histories and published records are written that way only.
CREATE FUNCTION thidua._as_owner(relation oid) RETURNS boolean
	LANGUAGE sql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT c.relowner OPERATOR(pg_catalog.=) (SELECT r.oid FROM pg_catalog.pg_roles r
		WHERE r.rolname OPERATOR(pg_catalog.=) current_user)
	FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) relation
$$;
COMMENT ON FUNCTION thidua._as_owner(oid) IS
	'true when the current role owns the table: inside thidua''s SECURITY DEFINER functions';

-- Histories and published records take rows from thidua's own functions (and
-- restores) only: no role can forge an entry. Deliberately SECURITY INVOKER, so
-- that current_user is whoever wrote the row.
CREATE FUNCTION thidua._guard_record_insert() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	IF NOT thidua._as_owner(TG_RELID) AND NOT thidua._restoring(TG_TABLE_NAME) THEN
		RAISE EXCEPTION 'thidua.% is written by thidua alone', TG_TABLE_NAME
			USING ERRCODE = 'insufficient_privilege',
				  HINT = CASE WHEN TG_TABLE_NAME LIKE 'standing%' THEN 'Publish standings with thidua.publish_standings.'
							  ELSE 'Status changes are recorded by the functions that make them.' END;
	END IF;
	RETURN NULL;
END
$$;

-- Rows of items and class bands may change only while their version is a draft.
-- The version row is share-locked, so publishing waits for open edits and an
-- edit waits for a publication in progress (then sees it published).
CREATE OR REPLACE FUNCTION thidua._guard_version_content() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	version text;
	current_status text;
BEGIN
	IF TG_OP = 'INSERT' AND thidua._restoring(TG_TABLE_NAME) THEN
		RETURN NEW;
	END IF;
	FOREACH version IN ARRAY ARRAY[
		CASE WHEN TG_OP <> 'INSERT' THEN OLD.version_code END,
		CASE WHEN TG_OP <> 'DELETE' THEN NEW.version_code END]
	LOOP
		CONTINUE WHEN version IS NULL;
		SELECT status INTO current_status FROM thidua.criteria_version
			WHERE version_code OPERATOR(pg_catalog.=) version
			FOR SHARE;
		IF current_status IS DISTINCT FROM 'draft' AND current_status IS NOT NULL THEN
			RAISE EXCEPTION 'criteria version "%" is %: its % cannot be changed', version,
				current_status, replace(TG_TABLE_NAME, '_', ' ') || 's'
				USING ERRCODE = 'object_not_in_prerequisite_state',
					  HINT = 'Clone it into a new draft (thidua.clone_version) and change that.';
		END IF;
	END LOOP;
	RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;

-- A version's own row: drafts change freely; then only draft -> published
-- (validated) -> retired, nothing else; only drafts may be deleted.
CREATE OR REPLACE FUNCTION thidua._guard_version() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		IF OLD.status <> 'draft' THEN
			RAISE EXCEPTION 'criteria version "%" is % and cannot be deleted', OLD.version_code, OLD.status
				USING ERRCODE = 'object_not_in_prerequisite_state',
					  HINT = 'Published versions are kept forever; retire it instead.';
		END IF;
		RETURN OLD;
	END IF;
	IF TG_OP = 'INSERT' THEN
		IF NEW.status <> 'draft' AND NOT thidua._restoring(TG_TABLE_NAME) THEN
			RAISE EXCEPTION 'criteria version "%" must be created as a draft', NEW.version_code
				USING ERRCODE = 'object_not_in_prerequisite_state';
		END IF;
		RETURN NEW;
	END IF;
	IF NEW.version_code <> OLD.version_code THEN
		RAISE EXCEPTION 'the code of criteria version "%" cannot be changed', OLD.version_code
			USING ERRCODE = 'object_not_in_prerequisite_state';
	END IF;
	IF OLD.status = 'draft' AND NEW.status = 'draft' THEN
		RETURN NEW;
	END IF;
	IF (to_jsonb(NEW) - 'status') OPERATOR(pg_catalog.<>) (to_jsonb(OLD) - 'status') THEN
		RAISE EXCEPTION 'criteria version "%" is %: only its status can change', OLD.version_code, OLD.status
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Clone it into a new draft (thidua.clone_version) and change that.';
	END IF;
	IF NEW.status = OLD.status THEN
		RAISE EXCEPTION 'criteria version "%" is already %', OLD.version_code, OLD.status
			USING ERRCODE = 'object_not_in_prerequisite_state';
	END IF;
	IF NOT ((OLD.status = 'draft' AND NEW.status = 'published')
			OR (OLD.status = 'published' AND NEW.status = 'retired')) THEN
		RAISE EXCEPTION 'criteria version "%" cannot go from % to %', OLD.version_code, OLD.status, NEW.status
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'A version goes from draft to published to retired; published and retired versions never change.';
	END IF;
	IF NEW.status = 'published' THEN
		-- validation must see every edit committed before the lock was granted
		IF current_setting('transaction_isolation') <> 'read committed' THEN
			RAISE EXCEPTION 'criteria version "%" can be published only at the READ COMMITTED isolation level', NEW.version_code
				USING ERRCODE = 'object_not_in_prerequisite_state',
					  DETAIL = format('This transaction runs at %s: its snapshot may miss edits of the draft committed since it began.',
									  upper(current_setting('transaction_isolation'))),
					  HINT = 'Publish in a READ COMMITTED transaction (the default).';
		END IF;
		PERFORM thidua._validate_criteria(thidua.export_criteria(NEW.version_code));
	END IF;
	RETURN NEW;
END
$$;

-- Records every status a version takes; the note comes from thidua.status_note.
CREATE OR REPLACE FUNCTION thidua._record_version_event() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	IF TG_OP = 'INSERT' AND thidua._restoring(TG_TABLE_NAME) THEN
		RETURN NULL;	-- a restore brings the history along with the versions
	END IF;
	IF TG_OP = 'INSERT' OR NEW.status IS DISTINCT FROM OLD.status THEN
		INSERT INTO thidua.criteria_version_event (version_code, from_status, to_status, note)
		VALUES (NEW.version_code, CASE WHEN TG_OP = 'UPDATE' THEN OLD.status END, NEW.status,
				nullif(current_setting('thidua.status_note', true), ''));
	END IF;
	RETURN NULL;
END
$$;

-- No TRUNCATE while anything published exists; none ever of a table whose
-- trigger passes 'always' (histories, published records); none of a table
-- passing 'closed_period' while a period is closed.
CREATE OR REPLACE FUNCTION thidua._guard_truncate() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	IF (TG_NARGS > 0 AND TG_ARGV[0] = 'always')
	   OR (TG_NARGS > 0 AND TG_ARGV[0] = 'closed_period'
		   AND EXISTS (SELECT 1 FROM thidua.period WHERE status OPERATOR(pg_catalog.=) 'closed'))
	   OR (TG_NARGS = 0
		   AND EXISTS (SELECT 1 FROM thidua.criteria_version WHERE status OPERATOR(pg_catalog.<>) 'draft')) THEN
		RAISE EXCEPTION 'thidua.% cannot be truncated: it holds %', TG_TABLE_NAME,
			CASE WHEN TG_ARGV[0] = 'closed_period' THEN 'records of a closed period' ELSE 'published records' END
			USING ERRCODE = 'object_not_in_prerequisite_state';
	END IF;
	RETURN NULL;
END
$$;

DROP TRIGGER criteria_item_draft_only ON thidua.criteria_item;
CREATE TRIGGER criteria_item_draft_only AFTER INSERT OR UPDATE OR DELETE ON thidua.criteria_item
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_version_content();

DROP TRIGGER class_band_draft_only ON thidua.class_band;
CREATE TRIGGER class_band_draft_only AFTER INSERT OR UPDATE OR DELETE ON thidua.class_band
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_version_content();

DROP TRIGGER criteria_version_lifecycle ON thidua.criteria_version;
CREATE TRIGGER criteria_version_lifecycle AFTER INSERT OR UPDATE OR DELETE ON thidua.criteria_version
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_version();

DROP TRIGGER criteria_version_event_append_only ON thidua.criteria_version_event;
CREATE TRIGGER criteria_version_event_append_only AFTER UPDATE OR DELETE ON thidua.criteria_version_event
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_append_only();

DROP TRIGGER criteria_version_history ON thidua.criteria_version;
CREATE TRIGGER criteria_version_history AFTER INSERT OR UPDATE ON thidua.criteria_version
	FOR EACH ROW EXECUTE FUNCTION thidua._record_version_event();

DROP TRIGGER unit_tree_without_cycles ON thidua.unit;
CREATE TRIGGER unit_tree_without_cycles AFTER INSERT OR UPDATE ON thidua.unit
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_unit_tree();

DROP TRIGGER evaluation_open_period ON thidua.evaluation;
CREATE TRIGGER evaluation_open_period AFTER INSERT OR UPDATE OR DELETE ON thidua.evaluation
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_open_period();

DROP TRIGGER adjustment_open_period ON thidua.adjustment;
CREATE TRIGGER adjustment_open_period AFTER INSERT OR UPDATE OR DELETE ON thidua.adjustment
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_open_period();

DROP TRIGGER observation_open_period_on_delete ON thidua.observation;
CREATE TRIGGER observation_open_period_on_delete AFTER DELETE ON thidua.observation
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_closed_observation();

DROP TRIGGER standing_revision_append_only ON thidua.standing_revision;
CREATE TRIGGER standing_revision_append_only AFTER UPDATE OR DELETE ON thidua.standing_revision
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_append_only();

DROP TRIGGER standing_row_append_only ON thidua.standing_row;
CREATE TRIGGER standing_row_append_only AFTER UPDATE OR DELETE ON thidua.standing_row
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_append_only();

CREATE TRIGGER criteria_version_event_by_thidua AFTER INSERT ON thidua.criteria_version_event
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_record_insert();

-- A set's code and name are part of every version published in it.
CREATE FUNCTION thidua._guard_criteria_set() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	published text;
BEGIN
	-- every version of the set is locked, so a publication waits for the change
	SELECT min(v.version_code) FILTER (WHERE v.status OPERATOR(pg_catalog.<>) 'draft') INTO published
		FROM (SELECT x.version_code, x.status FROM thidua.criteria_version x
			  WHERE x.set_code OPERATOR(pg_catalog.=) OLD.set_code FOR SHARE) AS v;
	IF published IS NOT NULL AND (TG_OP = 'DELETE' OR NEW IS DISTINCT FROM OLD) THEN
		RAISE EXCEPTION 'criteria set "%" has published versions (such as "%"): it cannot be changed',
			OLD.set_code, published
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'A published version shows its set as it was; start a new set for a new name.';
	END IF;
	RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;

CREATE TRIGGER criteria_set_frozen_when_published AFTER UPDATE OR DELETE ON thidua.criteria_set
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_criteria_set();

-- Scores enter only while the period is open: a closed year is history. A row
-- may neither leave nor enter a closed period; the period row is share-locked,
-- so closing waits for open writes and a write waits for a closing (then sees
-- it closed). Used by every table whose rows carry a period_code.
CREATE OR REPLACE FUNCTION thidua._guard_open_period() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	row_period text;
BEGIN
	IF TG_OP = 'INSERT' AND thidua._restoring(TG_TABLE_NAME) THEN
		RETURN NEW;
	END IF;
	FOREACH row_period IN ARRAY ARRAY[
		CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) ->> 'period_code' END,
		CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) ->> 'period_code' END]
	LOOP
		CONTINUE WHEN row_period IS NULL;
		IF (SELECT p.status FROM thidua.period p WHERE p.period_code OPERATOR(pg_catalog.=) row_period
			FOR SHARE) = 'closed' THEN
			RAISE EXCEPTION 'period "%" is closed: % cannot change', row_period,
				CASE TG_TABLE_NAME WHEN 'veto' THEN 'vetoes' ELSE replace(TG_TABLE_NAME, '_', ' ') || 's' END
				USING ERRCODE = 'object_not_in_prerequisite_state',
					  HINT = 'A closed period is history; thidua.reopen_period(period, reason) reopens it, on the record.';
		END IF;
	END LOOP;
	RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;

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

-- Observations must be ones their criteria version accepts (checked per statement,
-- in one query, so a bulk load stays fast); errors name the criterion. Their
-- periods are share-locked, as _guard_open_period does for single rows.
CREATE OR REPLACE FUNCTION thidua._check_observations() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	statuses text[];
	closed text;
BEGIN
	-- aggregated above the lock, so that every touched period is locked, open ones too
	SELECT array_agg(touched.status), min(touched.period_code) FILTER (WHERE touched.status = 'closed')
		INTO statuses, closed FROM (
		SELECT p.period_code, p.status FROM thidua.period p
		WHERE p.period_code IN (
			SELECT e.period_code FROM new_observations n
			JOIN thidua.evaluation e ON e.evaluation_id OPERATOR(pg_catalog.=) n.evaluation_id)
		FOR SHARE) AS touched;
	IF NOT (TG_OP = 'INSERT' AND thidua._restoring(TG_TABLE_NAME)) AND 'closed' OPERATOR(pg_catalog.=) ANY (statuses) THEN
		RAISE EXCEPTION 'period "%" is closed: observations cannot change', closed
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'A closed period is history; thidua.reopen_period(period, reason) reopens it, on the record.';
	END IF;
	-- thidua.points raises for an unknown criterion or a value its rule refuses
	PERFORM thidua.points(bp.criteria_version, n.criterion_code, n.observed)
	FROM new_observations n
	JOIN thidua.evaluation e ON e.evaluation_id OPERATOR(pg_catalog.=) n.evaluation_id
	JOIN thidua.bloc_period bp ON bp.bloc_code OPERATOR(pg_catalog.=) e.bloc_code
		AND bp.period_code OPERATOR(pg_catalog.=) e.period_code;
	RETURN NULL;
END
$$;

-- An observation leaves its evaluation (UPDATE or DELETE) only while the
-- evaluation's period is open; new rows are checked per statement above.
CREATE OR REPLACE FUNCTION thidua._guard_closed_observation() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	period_status text;
	period text;
BEGIN
	SELECT p.status, p.period_code INTO period_status, period FROM thidua.evaluation e JOIN thidua.period p USING (period_code)
		WHERE e.evaluation_id OPERATOR(pg_catalog.=) OLD.evaluation_id
		FOR SHARE OF p;
	IF period_status = 'closed' THEN
		RAISE EXCEPTION 'period "%" is closed: observations cannot change', period
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'A closed period is history; thidua.reopen_period(period, reason) reopens it, on the record.';
	END IF;
	RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;

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

-- Periods closed before this release get their closing on the record.
ALTER TABLE thidua.period_event DISABLE TRIGGER period_event_by_thidua;
INSERT INTO thidua.period_event (period_code, from_status, to_status, reason, changed_at, changed_by)
	SELECT p.period_code, 'open', 'closed', 'closed before thidua 0.5.0 recorded closings',
		coalesce(p.closed_at, now()), coalesce(p.closed_by, session_user)
	FROM thidua.period p WHERE p.status OPERATOR(pg_catalog.=) 'closed' ORDER BY p.year;
ALTER TABLE thidua.period_event ENABLE TRIGGER period_event_by_thidua;

DROP FUNCTION thidua.close_period(text);

CREATE FUNCTION thidua.close_period(period text, note text DEFAULT NULL) RETURNS void
	LANGUAGE plpgsql
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
	PERFORM set_config('thidua.status_note', '', true);
END
$$;
COMMENT ON FUNCTION thidua.close_period(text, text) IS
	'closes a period (its scores, blocs and standings become history), recording who, when and the note';

CREATE FUNCTION thidua.reopen_period(period text, reason text DEFAULT NULL) RETURNS void
	LANGUAGE plpgsql
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
	PERFORM set_config('thidua.status_note', '', true);
END
$$;
COMMENT ON FUNCTION thidua.reopen_period(text, text) IS
	'reopens a closed period; the reason is required and recorded with who and when in thidua.period_event';

-- Standings are official: a bloc scores with a published (or retired) version,
-- never a draft that may still change.
CREATE FUNCTION thidua._guard_bloc_period_version() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	version_status text;
BEGIN
	IF TG_OP = 'INSERT' AND thidua._restoring(TG_TABLE_NAME) THEN
		RETURN NULL;	-- as it was when dumped (0.4.0 allowed drafts)
	END IF;
	SELECT v.status INTO version_status FROM thidua.criteria_version v
		WHERE v.version_code OPERATOR(pg_catalog.=) NEW.criteria_version
		FOR SHARE;
	IF version_status = 'draft' THEN
		RAISE EXCEPTION 'criteria version "%" is a draft: bloc "%" cannot score with it in period "%"',
			NEW.criteria_version, NEW.bloc_code, NEW.period_code
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Publish the version first (thidua.publish_version).';
	END IF;
	RETURN NEW;
END
$$;

CREATE TRIGGER bloc_period_published_version AFTER INSERT OR UPDATE ON thidua.bloc_period
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_bloc_period_version();

-- Blocs that 0.4.0 let score with a draft keep it, and are named here: their
-- standings cannot be published until the version is.
DO $$
DECLARE
	setting record;
BEGIN
	FOR setting IN SELECT bp.bloc_code, bp.period_code, bp.criteria_version FROM thidua.bloc_period bp
		JOIN thidua.criteria_version v ON v.version_code OPERATOR(pg_catalog.=) bp.criteria_version
		WHERE v.status OPERATOR(pg_catalog.=) 'draft' LOOP
		RAISE WARNING 'bloc "%" scores period "%" with the draft criteria version "%"',
			setting.bloc_code, setting.period_code, setting.criteria_version
			USING HINT = 'Publish the version (thidua.publish_version) before publishing these standings.';
	END LOOP;
END
$$;

CREATE TRIGGER standing_revision_by_thidua AFTER INSERT ON thidua.standing_revision
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_record_insert();

CREATE TRIGGER standing_row_by_thidua AFTER INSERT ON thidua.standing_row
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_record_insert();

-- A revision commits with its rows: an empty one would hide the one before.
CREATE FUNCTION thidua._check_revision_has_rows() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	IF NOT thidua._restoring(TG_TABLE_NAME) AND NOT EXISTS (
		SELECT 1 FROM thidua.standing_row r
		WHERE r.bloc_code OPERATOR(pg_catalog.=) NEW.bloc_code
		  AND r.period_code OPERATOR(pg_catalog.=) NEW.period_code
		  AND r.revision OPERATOR(pg_catalog.=) NEW.revision) THEN
		RAISE EXCEPTION 'revision % of the standings of bloc "%" for period "%" has no rows',
			NEW.revision, NEW.bloc_code, NEW.period_code
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Publish standings with thidua.publish_standings.';
	END IF;
	RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER standing_revision_has_rows AFTER INSERT ON thidua.standing_revision
	DEFERRABLE INITIALLY DEFERRED
	FOR EACH ROW EXECUTE FUNCTION thidua._check_revision_has_rows();

-- Freezes the live standings as the next revision; returns its number.
CREATE OR REPLACE FUNCTION thidua.publish_standings(bloc text, period text, reason text DEFAULT NULL) RETURNS integer
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	next_revision integer;
BEGIN
	PERFORM 1 FROM thidua.bloc_period bp
		WHERE bp.bloc_code OPERATOR(pg_catalog.=) bloc AND bp.period_code OPERATOR(pg_catalog.=) period
		FOR UPDATE;		-- one publication at a time per bloc and period
	IF (SELECT p.status FROM thidua.period p WHERE p.period_code OPERATOR(pg_catalog.=) period FOR SHARE) = 'closed' THEN
		RAISE EXCEPTION 'period "%" is closed: the standings of bloc "%" cannot be published again', period, bloc
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'A correction after the closing needs thidua.reopen_period(period, reason) first, on the record.';
	END IF;
	IF (SELECT v.status FROM thidua.bloc_period bp JOIN thidua.criteria_version v
			ON v.version_code OPERATOR(pg_catalog.=) bp.criteria_version
		WHERE bp.bloc_code OPERATOR(pg_catalog.=) bloc AND bp.period_code OPERATOR(pg_catalog.=) period) = 'draft' THEN
		RAISE EXCEPTION 'the standings of bloc "%" for period "%" use a draft criteria version', bloc, period
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Only standings under a published version are official.';
	END IF;
	SELECT coalesce(max(r.revision), 0) + 1 INTO next_revision FROM thidua.standing_revision r
		WHERE r.bloc_code OPERATOR(pg_catalog.=) bloc AND r.period_code OPERATOR(pg_catalog.=) period;
	IF next_revision > 1 AND coalesce(reason, '') = '' THEN
		RAISE EXCEPTION 'the standings of bloc "%" for period "%" are published already', bloc, period
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'A correction is a new revision: give its reason.';
	END IF;
	INSERT INTO thidua.standing_revision (bloc_code, period_code, revision, reason)
		VALUES (bloc, period, next_revision, nullif(reason, ''));
	INSERT INTO thidua.standing_row
		SELECT bloc, period, next_revision, s.unit_code, s.unit_name, s.role, s.self_total, s.peer_result,
			s.peer_judges, s.adjustment, s.final_total, s.class, s.rank, s.tie_break, s.flags
		FROM thidua.standings(bloc, period) AS s;
	RETURN next_revision;
END
$$;
COMMENT ON FUNCTION thidua.publish_standings(text, text, text) IS
	'freezes the live standings as a new revision (a correction needs a reason); returns the revision';

-- (end of: guarantees against every statement kind)

-- Part 1: no SQL call crashes a backend.
-- Optional fields of criteria documents: null counts as absent; an absent,
-- null or empty tie-break order means ["total"] (also for versions stored
-- with an empty one); a veto needs its max_class.

CREATE OR REPLACE FUNCTION thidua._validate_criteria(doc jsonb) RETURNS void
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	code_pattern constant text := '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$';
	item_fields constant text[] := ARRAY['code', 'parent', 'kind', 'title', 'max', 'rule', 'target',
		'ceiling', 'bands', 'otherwise', 'per', 'floor', '_line'];
	rule_fields jsonb := '{"pass_fail": [], "proportional": ["target", "ceiling"],
		"bands": ["bands", "otherwise"], "per_occurrence": ["per", "floor", "ceiling"], "manual": []}';
	scale integer;
	over_completion boolean;
	item jsonb;
	band jsonb;
	previous jsonb;
	field text;
	kinds jsonb := '{}';		-- code -> kind
	parents jsonb := '{}';		-- code -> parent
	child_count jsonb := '{}';	-- code -> number of children
	max_points numeric;
	from_value numeric;
	to_value numeric;
	previous_from numeric;
	previous_to numeric;
	direction integer;
	step integer;
	criteria integer := 0;
	band_number integer;
	class_labels text[] := '{}';
	previous_bound numeric;
	key text;
	ancestor text;
	depth integer;
BEGIN
	IF jsonb_typeof(doc) IS DISTINCT FROM 'object' THEN
		PERFORM thidua._criteria_error('{}', NULL, '(document)', 'must be a JSON object');
	END IF;
	doc := jsonb_strip_nulls(doc);
	IF doc ? 'format' AND doc ->> 'format' <> 'thidua-criteria/1' THEN
		PERFORM thidua._criteria_error(doc, NULL, 'format',
			format('unknown format %s; expected "thidua-criteria/1"', doc -> 'format'));
	END IF;
	FOR field IN SELECT jsonb_object_keys(doc) LOOP
		IF field <> ALL (ARRAY['format', 'set', 'edition', 'title', 'rounding_scale',
				'allow_over_completion', 'classes', 'veto', 'tie_break', 'items', '_source', '_line']) THEN
			PERFORM thidua._criteria_error(doc, NULL, field, 'is not a field of a criteria document');
		END IF;
	END LOOP;
	IF jsonb_typeof(doc #> '{set,code}') IS DISTINCT FROM 'string' OR doc #>> '{set,code}' !~ code_pattern THEN
		PERFORM thidua._criteria_error(doc, doc -> 'set', 'set.code',
			'must be 1 to 63 letters, digits, ".", "_" or "-", starting with a letter or digit');
	END IF;
	IF jsonb_typeof(doc #> '{set,name}') IS DISTINCT FROM 'string' OR doc #>> '{set,name}' = '' THEN
		PERFORM thidua._criteria_error(doc, doc -> 'set', 'set.name', 'is required');
	END IF;
	FOR field IN SELECT jsonb_object_keys(doc -> 'set') LOOP
		IF field NOT IN ('code', 'name') THEN
			PERFORM thidua._criteria_error(doc, NULL, 'set.' || field, 'is not a field of a criteria set');
		END IF;
	END LOOP;
	IF jsonb_typeof(doc -> 'edition') IS DISTINCT FROM 'string' OR doc ->> 'edition' !~ code_pattern THEN
		PERFORM thidua._criteria_error(doc, NULL, 'edition',
			'must be 1 to 63 letters, digits, ".", "_" or "-", starting with a letter or digit');
	END IF;
	IF jsonb_typeof(doc -> 'title') IS DISTINCT FROM 'string' OR doc ->> 'title' = '' THEN
		PERFORM thidua._criteria_error(doc, NULL, 'title', 'is required');
	END IF;
	scale := coalesce(thidua._criteria_number(doc, NULL, 'rounding_scale', false, 0), 2);
	IF scale NOT BETWEEN 0 AND 6 THEN
		PERFORM thidua._criteria_error(doc, NULL, 'rounding_scale', 'must be between 0 and 6');
	END IF;
	IF doc ? 'allow_over_completion' AND jsonb_typeof(doc -> 'allow_over_completion') <> 'boolean' THEN
		PERFORM thidua._criteria_error(doc, NULL, 'allow_over_completion', 'must be true or false');
	END IF;
	over_completion := coalesce((doc ->> 'allow_over_completion')::boolean, false);

	-- Items: first each on its own, then the tree.
	IF jsonb_typeof(doc -> 'items') IS DISTINCT FROM 'array' OR jsonb_array_length(doc -> 'items') = 0 THEN
		PERFORM thidua._criteria_error(doc, NULL, 'items', 'must be a non-empty array');
	END IF;
	FOR item IN SELECT value FROM jsonb_array_elements(doc -> 'items') LOOP
		IF jsonb_typeof(item) <> 'object' THEN
			PERFORM thidua._criteria_error(doc, NULL, 'items', 'every item must be an object');
		END IF;
		IF jsonb_typeof(item -> 'code') IS DISTINCT FROM 'string' OR item ->> 'code' !~ '^[[:alnum:]][[:alnum:]._-]{0,63}$' THEN
			PERFORM thidua._criteria_error(doc, item - 'code', 'code',
				format('%s must be 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit',
					coalesce(item -> 'code', 'null')));
		END IF;
		IF kinds ? (item ->> 'code') THEN
			PERFORM thidua._criteria_error(doc, item, 'code', 'is used by more than one item');
		END IF;
		FOR field IN SELECT jsonb_object_keys(item) LOOP
			IF field <> ALL (item_fields) THEN
				PERFORM thidua._criteria_error(doc, item, field, 'is not a field of an item');
			END IF;
		END LOOP;
		IF item ->> 'kind' IS NULL OR item ->> 'kind' NOT IN ('section', 'criterion', 'bonus', 'penalty') THEN
			PERFORM thidua._criteria_error(doc, item, 'kind',
				format('must be section, criterion, bonus or penalty, not %s', coalesce(item -> 'kind', 'null')));
		END IF;
		IF jsonb_typeof(item -> 'title') IS DISTINCT FROM 'string' OR item ->> 'title' = '' THEN
			PERFORM thidua._criteria_error(doc, item, 'title', 'is required');
		END IF;
		IF item ? 'parent' AND jsonb_typeof(item -> 'parent') NOT IN ('string', 'null') THEN
			PERFORM thidua._criteria_error(doc, item, 'parent', 'must be the code of a section');
		END IF;
		kinds := kinds || jsonb_build_object(item ->> 'code', item ->> 'kind');
		parents := parents || jsonb_build_object(item ->> 'code', item -> 'parent');

		IF item ->> 'kind' <> 'criterion' THEN
			IF item ? 'rule' THEN
				PERFORM thidua._criteria_error(doc, item, 'rule', 'only criteria have a rule');
			END IF;
			FOR field IN SELECT jsonb_object_keys(item) LOOP
				IF field IN ('target', 'ceiling', 'bands', 'otherwise', 'per', 'floor') THEN
					PERFORM thidua._criteria_error(doc, item, field, 'only criteria have rule parameters');
				END IF;
			END LOOP;
			max_points := thidua._criteria_number(doc, item, 'max', true, scale);
			IF max_points < 0 THEN
				PERFORM thidua._criteria_error(doc, item, 'max', 'must not be negative');
			END IF;
			CONTINUE;
		END IF;

		criteria := criteria + 1;
		IF NOT rule_fields ? coalesce(item ->> 'rule', '') THEN
			PERFORM thidua._criteria_error(doc, item, 'rule',
				format('must be pass_fail, proportional, bands, per_occurrence or manual, not %s',
					coalesce(item -> 'rule', 'null')));
		END IF;
		FOR field IN SELECT jsonb_object_keys(item) LOOP
			IF field IN ('target', 'ceiling', 'bands', 'otherwise', 'per', 'floor')
			   AND NOT rule_fields -> (item ->> 'rule') ? field THEN
				PERFORM thidua._criteria_error(doc, item, field,
					format('is not a parameter of the %s rule', item ->> 'rule'));
			END IF;
		END LOOP;
		max_points := thidua._criteria_number(doc, item, 'max', item ->> 'rule' <> 'per_occurrence', scale);
		IF item ->> 'rule' = 'per_occurrence' AND max_points IS NOT NULL THEN
			PERFORM thidua._criteria_error(doc, item, 'max',
				'a per_occurrence criterion is bounded by floor and ceiling, not max');
		END IF;
		IF max_points < 0 THEN
			PERFORM thidua._criteria_error(doc, item, 'max', 'must not be negative');
		END IF;

		CASE item ->> 'rule'
		WHEN 'proportional' THEN
			IF thidua._criteria_number(doc, item, 'target', true, 6) <= 0 THEN
				PERFORM thidua._criteria_error(doc, item, 'target', 'must be greater than zero');
			END IF;
			IF item ? 'ceiling' THEN
				IF NOT over_completion THEN
					PERFORM thidua._criteria_error(doc, item, 'ceiling',
						'over-completion is not allowed by this version (allow_over_completion is false)');
				END IF;
				IF thidua._criteria_number(doc, item, 'ceiling', true, scale) < max_points THEN
					PERFORM thidua._criteria_error(doc, item, 'ceiling', 'must not be below max');
				END IF;
			END IF;
		WHEN 'per_occurrence' THEN
			IF thidua._criteria_number(doc, item, 'per', true, 6) = 0 THEN
				PERFORM thidua._criteria_error(doc, item, 'per', 'must not be zero');
			END IF;
			IF thidua._criteria_number(doc, item, 'floor', false, scale)
			   > thidua._criteria_number(doc, item, 'ceiling', false, scale) THEN
				PERFORM thidua._criteria_error(doc, item, 'floor', 'must not be above ceiling');
			END IF;
		WHEN 'bands' THEN
			PERFORM thidua._criteria_number(doc, item, 'otherwise', false, scale);
			IF jsonb_typeof(item -> 'bands') IS DISTINCT FROM 'array' OR jsonb_array_length(item -> 'bands') = 0 THEN
				PERFORM thidua._criteria_error(doc, item, 'bands', 'must be a non-empty array');
			END IF;
			previous := NULL;
			direction := 0;
			band_number := 0;
			FOR band IN SELECT value FROM jsonb_array_elements(item -> 'bands') LOOP
				band_number := band_number + 1;
				IF jsonb_typeof(band) <> 'object' THEN
					PERFORM thidua._criteria_error(doc, item, 'bands', format('band %s must be an object', band_number));
				END IF;
				FOR field IN SELECT jsonb_object_keys(band) LOOP
					IF field NOT IN ('from', 'from_inclusive', 'to', 'to_inclusive', 'points') THEN
						PERFORM thidua._criteria_error(doc, item, 'bands',
							format('band %s: "%s" is not a field of a band', band_number, field));
					END IF;
				END LOOP;
				from_value := thidua._criteria_number(doc, item || jsonb_build_object(
					format('bands[%s].from', band_number), band -> 'from'), format('bands[%s].from', band_number), false, 6);
				to_value := thidua._criteria_number(doc, item || jsonb_build_object(
					format('bands[%s].to', band_number), band -> 'to'), format('bands[%s].to', band_number), false, 6);
				IF from_value IS NULL AND to_value IS NULL THEN
					PERFORM thidua._criteria_error(doc, item, 'bands', format('band %s has neither from nor to', band_number));
				END IF;
				IF (from_value IS NOT NULL AND jsonb_typeof(band -> 'from_inclusive') IS DISTINCT FROM 'boolean')
				   OR (to_value IS NOT NULL AND jsonb_typeof(band -> 'to_inclusive') IS DISTINCT FROM 'boolean') THEN
					PERFORM thidua._criteria_error(doc, item, 'bands',
						format('band %s must say whether each bound is inclusive (from_inclusive, to_inclusive)', band_number));
				END IF;
				IF from_value > to_value OR (from_value = to_value AND NOT ((band ->> 'from_inclusive')::boolean
						AND (band ->> 'to_inclusive')::boolean)) THEN
					PERFORM thidua._criteria_error(doc, item, 'bands', format('band %s is empty', band_number));
				END IF;
				IF thidua._criteria_number(doc, item || jsonb_build_object(format('bands[%s].points', band_number),
						band -> 'points'), format('bands[%s].points', band_number), true, scale) > max_points THEN
					PERFORM thidua._criteria_error(doc, item, 'bands',
						format('band %s gives %s points, above max %s', band_number, band -> 'points', max_points));
				END IF;
				IF previous IS NOT NULL THEN
					-- +1: this band lies wholly above the previous one; -1: wholly below.
					step := CASE
						WHEN previous_to IS NOT NULL AND from_value IS NOT NULL AND (previous_to < from_value
							OR (previous_to = from_value AND NOT ((previous ->> 'to_inclusive')::boolean
								AND (band ->> 'from_inclusive')::boolean))) THEN 1
						WHEN previous_from IS NOT NULL AND to_value IS NOT NULL AND (to_value < previous_from
							OR (to_value = previous_from AND NOT ((band ->> 'to_inclusive')::boolean
								AND (previous ->> 'from_inclusive')::boolean))) THEN -1
						ELSE 0 END;
					IF step = 0 THEN
						PERFORM thidua._criteria_error(doc, item, 'bands',
							format('band %s overlaps band %s', band_number, band_number - 1));
					END IF;
					IF direction <> 0 AND step <> direction THEN
						PERFORM thidua._criteria_error(doc, item, 'bands',
							format('band %s is out of order: bands must run all ascending or all descending', band_number));
					END IF;
					direction := step;
				END IF;
				previous := band;
				previous_from := from_value;
				previous_to := to_value;
			END LOOP;
		ELSE
			NULL;
		END CASE;
	END LOOP;
	IF criteria = 0 THEN
		PERFORM thidua._criteria_error(doc, NULL, 'items', 'has no criterion');
	END IF;

	-- The tree: parents exist and are groups, no cycles, bonus and penalty at the top.
	FOR item IN SELECT value FROM jsonb_array_elements(doc -> 'items') LOOP
		IF jsonb_typeof(item -> 'parent') = 'string' THEN
			IF NOT kinds ? (item ->> 'parent') THEN
				PERFORM thidua._criteria_error(doc, item, 'parent',
					format('no item has the code "%s"', item ->> 'parent'));
			END IF;
			IF kinds ->> (item ->> 'parent') = 'criterion' THEN
				PERFORM thidua._criteria_error(doc, item, 'parent',
					format('"%s" is a criterion; items belong to sections', item ->> 'parent'));
			END IF;
			IF item ->> 'kind' IN ('bonus', 'penalty') THEN
				PERFORM thidua._criteria_error(doc, item, 'parent',
					format('a %s section stands at the top level', item ->> 'kind'));
			END IF;
			child_count := child_count || jsonb_build_object(item ->> 'parent',
				coalesce((child_count ->> (item ->> 'parent'))::integer, 0) + 1);
			ancestor := item ->> 'parent';
			depth := 0;
			WHILE ancestor IS NOT NULL LOOP
				depth := depth + 1;
				IF ancestor = item ->> 'code' OR depth > 64 THEN
					PERFORM thidua._criteria_error(doc, item, 'parent', 'the parents form a cycle');
				END IF;
				ancestor := parents ->> ancestor;
			END LOOP;
		END IF;
	END LOOP;
	FOR item IN SELECT value FROM jsonb_array_elements(doc -> 'items') LOOP
		IF item ->> 'kind' <> 'criterion' AND NOT child_count ? (item ->> 'code') THEN
			PERFORM thidua._criteria_error(doc, item, 'code', format('the %s has no items', item ->> 'kind'));
		END IF;
	END LOOP;
	IF (SELECT count(*) FROM jsonb_array_elements(doc -> 'items') i WHERE i ->> 'kind' = 'bonus') > 1 THEN
		PERFORM thidua._criteria_error(doc, NULL, 'items', 'has more than one bonus section');
	END IF;
	IF (SELECT count(*) FROM jsonb_array_elements(doc -> 'items') i WHERE i ->> 'kind' = 'penalty') > 1 THEN
		PERFORM thidua._criteria_error(doc, NULL, 'items', 'has more than one penalty section');
	END IF;

	-- Class bands: best first, bounds strictly decreasing, only the last open.
	IF jsonb_typeof(doc -> 'classes') IS DISTINCT FROM 'array' OR jsonb_array_length(doc -> 'classes') = 0 THEN
		PERFORM thidua._criteria_error(doc, NULL, 'classes', 'must be a non-empty array');
	END IF;
	previous_bound := NULL;
	FOR item, band_number IN SELECT value, ordinality FROM jsonb_array_elements(doc -> 'classes') WITH ORDINALITY LOOP
		IF jsonb_typeof(item -> 'label') IS DISTINCT FROM 'string' OR item ->> 'label' !~ '^\S{1,32}$' THEN
			PERFORM thidua._criteria_error(doc, NULL, 'classes', 'every class needs a label of 1 to 32 characters without spaces');
		END IF;
		FOR field IN SELECT jsonb_object_keys(item) LOOP
			IF field NOT IN ('label', 'title', 'min', '_line') THEN
				PERFORM thidua._criteria_error(doc, item, field, 'is not a field of a class');
			END IF;
		END LOOP;
		IF item ? 'title' AND jsonb_typeof(item -> 'title') <> 'string' THEN
			PERFORM thidua._criteria_error(doc, item, 'title', 'must be text');
		END IF;
		IF item ->> 'label' = ANY (class_labels) THEN
			PERFORM thidua._criteria_error(doc, item, 'label', 'is used by more than one class');
		END IF;
		from_value := thidua._criteria_number(doc, item, 'min', false, 6);
		IF from_value IS NULL AND band_number < jsonb_array_length(doc -> 'classes') THEN
			PERFORM thidua._criteria_error(doc, item, 'min', 'is required: only the last class may have no lower bound');
		ELSIF previous_bound IS NOT NULL AND from_value >= previous_bound THEN
			PERFORM thidua._criteria_error(doc, item, 'min',
				format('%s is not below the previous class''s %s: classes run from best to worst', from_value, previous_bound));
		END IF;
		previous_bound := from_value;
		class_labels := class_labels || (item ->> 'label');
	END LOOP;
	IF jsonb_typeof(doc -> 'veto') = 'object' THEN
		FOR field IN SELECT jsonb_object_keys(doc -> 'veto') LOOP
			IF field NOT IN ('max_class', 'reason') THEN
				PERFORM thidua._criteria_error(doc, NULL, 'veto.' || field, 'is not a field of the veto');
			END IF;
		END LOOP;
		IF NOT doc -> 'veto' ? 'max_class' THEN
			PERFORM thidua._criteria_error(doc, NULL, 'veto.max_class', 'is required');
		END IF;
		IF jsonb_typeof(doc #> '{veto,max_class}') <> 'string' OR NOT (doc #>> '{veto,max_class}') = ANY (class_labels) THEN
			PERFORM thidua._criteria_error(doc, NULL, 'veto.max_class',
				format('%s is not one of the classes', doc #> '{veto,max_class}'));
		END IF;
		IF doc -> 'veto' ? 'reason' AND jsonb_typeof(doc #> '{veto,reason}') <> 'string' THEN
			PERFORM thidua._criteria_error(doc, NULL, 'veto.reason', 'must be text');
		END IF;
	ELSIF doc ? 'veto' THEN
		PERFORM thidua._criteria_error(doc, NULL, 'veto', 'must be an object with max_class and reason');
	END IF;

	-- Tie-break keys must name something that exists; none means ["total"].
	IF doc ? 'tie_break' THEN
		IF jsonb_typeof(doc -> 'tie_break') <> 'array' THEN
			PERFORM thidua._criteria_error(doc, NULL, 'tie_break', 'must be an array of keys');
		END IF;
		IF EXISTS (SELECT 1 FROM jsonb_array_elements(doc -> 'tie_break') k WHERE jsonb_typeof(k) <> 'string') THEN
			PERFORM thidua._criteria_error(doc, NULL, 'tie_break', 'every key must be a string');
		END IF;
		FOR key IN SELECT value FROM jsonb_array_elements_text(doc -> 'tie_break') LOOP
			IF key IN ('total', 'bonus', 'penalty') THEN
				IF key <> 'total' AND NOT kinds @? format('$.* ? (@ == "%s")', key)::jsonpath THEN
					PERFORM thidua._criteria_error(doc, NULL, 'tie_break',
						format('"%s": the version has no %s section', key, key));
				END IF;
			ELSIF key LIKE 'section:%' THEN
				IF kinds ->> substr(key, 9) IS DISTINCT FROM 'section' THEN
					PERFORM thidua._criteria_error(doc, NULL, 'tie_break',
						format('"%s": no section has the code "%s"', key, substr(key, 9)));
				END IF;
			ELSE
				PERFORM thidua._criteria_error(doc, NULL, 'tie_break',
					format('"%s" is not a key: use total, bonus, penalty or section:<code>', key));
			END IF;
		END LOOP;
		IF (SELECT count(DISTINCT value) <> count(*) FROM jsonb_array_elements_text(doc -> 'tie_break')) THEN
			PERFORM thidua._criteria_error(doc, NULL, 'tie_break', 'names a key twice');
		END IF;
	END IF;
END
$$;

CREATE OR REPLACE FUNCTION thidua.export_criteria(version text) RETURNS jsonb
	LANGUAGE sql STABLE STRICT
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT jsonb_build_object(
		'format', 'thidua-criteria/1',
		'set', jsonb_build_object('code', s.set_code, 'name', s.name),
		'edition', v.edition,
		'title', v.title,
		'rounding_scale', v.rounding_scale,
		'allow_over_completion', v.allow_over_completion,
		'classes', (SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
						'label', b.label, 'title', b.title, 'min', b.lower_bound)) ORDER BY b.position)
					FROM thidua.class_band b WHERE b.version_code OPERATOR(pg_catalog.=) v.version_code),
		'veto', CASE WHEN v.veto_max_class IS NOT NULL THEN jsonb_strip_nulls(jsonb_build_object(
					'max_class', v.veto_max_class, 'reason', v.veto_reason)) END,
		'tie_break', to_jsonb(CASE WHEN cardinality(v.tie_break) = 0 THEN '{total}' ELSE v.tie_break END),
		'items', (SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
						'code', i.code, 'parent', i.parent_code, 'kind', i.kind, 'title', i.title,
						'max', i.max_points, 'rule', i.rule)) || i.params ORDER BY i.position)
				  FROM thidua.criteria_item i WHERE i.version_code OPERATOR(pg_catalog.=) v.version_code))
	FROM thidua.criteria_version v JOIN thidua.criteria_set s USING (set_code)
	WHERE v.version_code OPERATOR(pg_catalog.=) version
$$;

CREATE OR REPLACE FUNCTION thidua.import_criteria(document jsonb, replace_draft boolean DEFAULT false)
	RETURNS text
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	doc jsonb;
	version text;
	existing text;
BEGIN
	-- Unicode text is stored in NFC, so that equal-looking names compare equal;
	-- a field whose value is null counts as absent.
	doc := jsonb_strip_nulls(thidua._nfc(document::text)::jsonb);
	PERFORM thidua._validate_criteria(doc);
	version := (doc #>> '{set,code}') || '/' || (doc ->> 'edition');

	SELECT status INTO existing FROM thidua.criteria_version
		WHERE version_code OPERATOR(pg_catalog.=) version FOR UPDATE;
	IF existing IS NOT NULL THEN
		IF existing = 'draft' AND replace_draft THEN
			DELETE FROM thidua.criteria_version WHERE version_code OPERATOR(pg_catalog.=) version;
		ELSE
			RAISE EXCEPTION '%criteria version "%" already exists (%)',
				coalesce((doc ->> '_source') || ': ', ''), version, existing
				USING ERRCODE = 'unique_violation',
					  HINT = CASE WHEN existing = 'draft'
						THEN 'Replace the draft (replace_draft => true, or thidua criteria import --replace).'
						ELSE 'Give the new edition another "edition".' END;
		END IF;
	END IF;

	INSERT INTO thidua.criteria_set (set_code, name)
		VALUES (doc #>> '{set,code}', doc #>> '{set,name}')
		ON CONFLICT (set_code) DO NOTHING;
	INSERT INTO thidua.criteria_version (version_code, set_code, edition, title, rounding_scale,
			allow_over_completion, veto_max_class, veto_reason, tie_break)
		VALUES (version, doc #>> '{set,code}', doc ->> 'edition', doc ->> 'title',
			coalesce((doc ->> 'rounding_scale')::smallint, 2),
			coalesce((doc ->> 'allow_over_completion')::boolean, false),
			doc #>> '{veto,max_class}', nullif(doc #>> '{veto,reason}', ''),
			CASE WHEN jsonb_array_length(coalesce(doc -> 'tie_break', '[]')) = 0 THEN '{total}'
				 ELSE ARRAY(SELECT jsonb_array_elements_text(doc -> 'tie_break')) END);
	INSERT INTO thidua.criteria_item (version_code, code, parent_code, position, kind, title,
			max_points, rule, params)
		SELECT version, i ->> 'code', i ->> 'parent', n, i ->> 'kind', i ->> 'title',
			(i ->> 'max')::numeric, i ->> 'rule',
			i - ARRAY['code', 'parent', 'kind', 'title', 'max', 'rule', '_line']
		FROM jsonb_array_elements(doc -> 'items') WITH ORDINALITY AS items(i, n);
	INSERT INTO thidua.class_band (version_code, position, label, title, lower_bound)
		SELECT version, n, c ->> 'label', nullif(c ->> 'title', ''), (c ->> 'min')::numeric
		FROM jsonb_array_elements(doc -> 'classes') WITH ORDINALITY AS classes(c, n);
	RETURN version;
END
$$;

CREATE OR REPLACE FUNCTION thidua._criteria_csv_to_document(content text, source text) RETURNS jsonb
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	columns constant text[] := ARRAY['kind', 'code', 'parent', 'title', 'max', 'rule', 'params'];
	doc jsonb := jsonb_build_object('_source', source);
	header text[];
	position_of jsonb := '{}';
	record record;
	f jsonb;		-- the record's fields by column name
	params jsonb;
	item jsonb;
	name text;
	key text;
	items jsonb := '[]';
	classes jsonb := '[]';
BEGIN
	FOR record IN SELECT * FROM thidua._csv_records(content, source) LOOP
		IF header IS NULL THEN
			header := ARRAY(SELECT lower(btrim(h)) FROM unnest(record.fields) h);
			FOR i IN 1 .. coalesce(array_length(header, 1), 0) LOOP
				IF header[i] <> ALL (columns) THEN
					PERFORM thidua._criteria_error(doc, jsonb_build_object('_line', record.line), header[i],
						format('is not a column of a criteria CSV (columns: %s)', array_to_string(columns, ', ')));
				END IF;
				position_of := position_of || jsonb_build_object(header[i], i);
			END LOOP;
			FOREACH name IN ARRAY ARRAY['kind', 'code'] LOOP
				IF NOT position_of ? name THEN
					PERFORM thidua._criteria_error(doc, jsonb_build_object('_line', record.line), name,
						'column is missing from the header');
				END IF;
			END LOOP;
			CONTINUE;
		END IF;
		IF array_length(record.fields, 1) > array_length(header, 1) THEN
			PERFORM thidua._criteria_error(doc, jsonb_build_object('_line', record.line), '(record)',
				format('has %s fields, the header %s', array_length(record.fields, 1), array_length(header, 1)));
		END IF;
		f := '{}';
		FOREACH name IN ARRAY header LOOP
			f := f || jsonb_build_object(name, nullif(btrim(record.fields[(position_of ->> name)::integer]), ''));
		END LOOP;
		CONTINUE WHEN f ->> 'kind' IS NULL AND f ->> 'code' IS NULL;	-- blank spreadsheet row
		params := thidua._csv_params(f ->> 'params', doc, record.line);

		CASE lower(f ->> 'kind')
		WHEN 'set' THEN
			doc := doc || jsonb_build_object('set', jsonb_build_object('code', f -> 'code', 'name', f -> 'title'));
		WHEN 'version' THEN
			doc := doc || jsonb_build_object('edition', f -> 'code', 'title', f -> 'title', '_line', record.line);
			FOR key IN SELECT jsonb_object_keys(params) LOOP
				CONTINUE WHEN params ->> key = '';	-- an empty value: as if left out
				CASE key
				WHEN 'rounding_scale' THEN
					doc := doc || jsonb_build_object(key, thidua._csv_number(params ->> key, doc, record.line, key));
				WHEN 'allow_over_completion' THEN
					IF lower(params ->> key) NOT IN ('true', 'false') THEN
						PERFORM thidua._criteria_error(doc, NULL, key, 'must be true or false');
					END IF;
					doc := doc || jsonb_build_object(key, lower(params ->> key)::boolean);
				WHEN 'tie_break' THEN
					doc := doc || jsonb_build_object(key,
						to_jsonb(regexp_split_to_array(btrim(params ->> key), '\s+')));
				ELSE
					PERFORM thidua._criteria_error(doc, NULL, key, 'is not a parameter of the version record');
				END CASE;
			END LOOP;
		WHEN 'class' THEN
			FOR key IN SELECT jsonb_object_keys(params) LOOP
				IF key <> 'min' THEN
					PERFORM thidua._criteria_error(doc, jsonb_build_object('_line', record.line), key,
						'is not a parameter of a class record (only min)');
				END IF;
			END LOOP;
			classes := classes || jsonb_build_array(jsonb_strip_nulls(jsonb_build_object(
				'label', f -> 'code', 'title', f -> 'title',
				'min', thidua._csv_number(params ->> 'min', doc, record.line, 'min'), '_line', record.line)));
		WHEN 'veto' THEN
			doc := doc || jsonb_build_object('veto', jsonb_strip_nulls(jsonb_build_object(
				'max_class', f -> 'code', 'reason', f -> 'title')));
		WHEN 'section', 'criterion', 'bonus', 'penalty' THEN
			item := jsonb_strip_nulls(jsonb_build_object(
				'code', f -> 'code', 'parent', f -> 'parent', 'kind', lower(f ->> 'kind'),
				'title', f -> 'title', 'max', thidua._csv_number(f ->> 'max', doc, record.line, 'max'),
				'rule', f -> 'rule', '_line', record.line));
			FOR key IN SELECT jsonb_object_keys(params) LOOP
				item := item || jsonb_build_object(key, CASE key
					WHEN 'bands' THEN thidua._csv_bands(params ->> key, doc, record.line)
					ELSE thidua._csv_number(params ->> key, doc, record.line, key) END);
			END LOOP;
			items := items || jsonb_build_array(item);
		ELSE
			PERFORM thidua._criteria_error(doc, jsonb_build_object('_line', record.line), 'kind',
				format('"%s" is not a record kind (set, version, class, veto, section, criterion, bonus, penalty)',
					coalesce(f ->> 'kind', '')));
		END CASE;
	END LOOP;
	IF header IS NULL THEN
		PERFORM thidua._criteria_error(doc, NULL, '(file)', 'is empty');
	END IF;
	RETURN doc || jsonb_build_object('format', 'thidua-criteria/1', 'items', items, 'classes', classes);
END
$$;

CREATE OR REPLACE FUNCTION thidua.standings(bloc text, period text)
	RETURNS TABLE (unit_code text, unit_name text, role text, self_total numeric, peer_result numeric,
				   peer_judges integer, adjustment numeric, final_total numeric, class text, rank bigint,
				   tie_break jsonb, flags text[])
	LANGUAGE plpgsql STABLE PARALLEL SAFE
	-- It only reads, so the blocs of one query may be ranked in parallel
	-- workers; a call takes milliseconds, which the cost tells the planner.
	-- One bloc's queries are small: they start no workers of their own.
	COST 400000 ROWS 15
	SET search_path = pg_catalog, pg_temp
	SET max_parallel_workers_per_gather = 0
	AS $$
DECLARE
	settings thidua.bloc_period;
BEGIN
	SELECT * INTO settings FROM thidua.bloc_period bp
		WHERE bp.bloc_code OPERATOR(pg_catalog.=) bloc AND bp.period_code OPERATOR(pg_catalog.=) period;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'bloc "%" has no settings for period "%"', bloc, period
			USING ERRCODE = 'no_data_found', HINT = 'Rows of thidua.bloc_period name the criteria version and peer method.';
	END IF;

	RETURN QUERY
	WITH members AS (
		SELECT m.unit_code, m.role FROM thidua.bloc_member m
		WHERE m.bloc_code OPERATOR(pg_catalog.=) bloc AND m.period_code OPERATOR(pg_catalog.=) period
	), scores AS (
		SELECT * FROM thidua.evaluation_scores(bloc, period)
	), recused AS (
		SELECT r.unit_code, r.judge_code FROM thidua.recusal r
		WHERE r.bloc_code OPERATOR(pg_catalog.=) bloc AND r.period_code OPERATOR(pg_catalog.=) period
	), keys AS (
		-- the version's tie-break keys: name, and whether lower is better
		SELECT k.n, k.key, CASE WHEN k.key OPERATOR(pg_catalog.=) 'penalty' THEN 'lower' ELSE 'higher' END AS better
		FROM thidua.criteria_version v,
			unnest(CASE WHEN cardinality(v.tie_break) OPERATOR(pg_catalog.=) 0 THEN '{total}' ELSE v.tie_break END)
				WITH ORDINALITY AS k(key, n)
		WHERE v.version_code OPERATOR(pg_catalog.=) settings.criteria_version
	), peer AS (
		SELECT s.unit_code, s.judge_code, s.total, s.tie_keys
		FROM scores s
		WHERE s.stage OPERATOR(pg_catalog.=) 'peer'
		  AND NOT EXISTS (SELECT 1 FROM recused r WHERE r.unit_code OPERATOR(pg_catalog.=) s.unit_code
						  AND r.judge_code OPERATOR(pg_catalog.=) s.judge_code)
	), peer_total AS (
		SELECT p.unit_code, count(*)::integer AS judges,
			CASE WHEN settings.peer_method OPERATOR(pg_catalog.=) 'trimmed_mean'
				 THEN thidua.trimmed_mean(p.total, settings.peer_trim) ELSE avg(p.total) END AS result
		FROM peer p GROUP BY p.unit_code
	), peer_key AS (
		-- each tie-break key aggregated across the judges by the same method as the total
		SELECT p.unit_code, k.n, min(k.key) AS key, min(k.better) AS better,
			CASE WHEN settings.peer_method OPERATOR(pg_catalog.=) 'trimmed_mean'
				 THEN thidua.trimmed_mean(p.tie_keys[k.n], settings.peer_trim)
				 ELSE avg(p.tie_keys[k.n]) END AS points
		FROM peer p CROSS JOIN keys k
		WHERE p.tie_keys IS NOT NULL
		GROUP BY p.unit_code, k.n
	), consensus AS (
		SELECT r ->> 'candidate' AS unit_code, (r ->> 'rank')::integer AS consensus_rank
		FROM (SELECT thidua.schulze_ranking(p.judge_code, p.unit_code, p.total) AS ranking FROM peer p) s,
			jsonb_array_elements(s.ranking) AS r
		WHERE settings.peer_method OPERATOR(pg_catalog.=) 'schulze'
	), adjusted AS (
		SELECT a.unit_code, sum(a.points) AS points FROM thidua.adjustment a
		WHERE a.bloc_code OPERATOR(pg_catalog.=) bloc AND a.period_code OPERATOR(pg_catalog.=) period
		GROUP BY a.unit_code
	), vetoed AS (
		SELECT v.unit_code FROM thidua.veto v
		WHERE v.bloc_code OPERATOR(pg_catalog.=) bloc AND v.period_code OPERATOR(pg_catalog.=) period
	), assembled AS (
		SELECT m.unit_code, u.name AS unit_name, m.role,
			(SELECT s.total FROM scores s
			 WHERE s.unit_code OPERATOR(pg_catalog.=) m.unit_code AND s.stage OPERATOR(pg_catalog.=) 'self') AS self_total,
			pt.result AS peer_result, coalesce(pt.judges, 0) AS peer_judges,
			coalesce(ad.points, 0) AS adjustment,
			pt.result + coalesce(ad.points, 0) AS final_total,
			EXISTS (SELECT 1 FROM vetoed v WHERE v.unit_code OPERATOR(pg_catalog.=) m.unit_code) AS is_vetoed,
			c.consensus_rank,
			-- the version's tie-break order as one vector, larger is better
			(SELECT array_agg(CASE WHEN k.key OPERATOR(pg_catalog.=) 'total' THEN pt.result + coalesce(ad.points, 0)
								   WHEN k.better OPERATOR(pg_catalog.=) 'lower' THEN -k.points
								   ELSE k.points END ORDER BY k.n)
			 FROM peer_key k WHERE k.unit_code OPERATOR(pg_catalog.=) m.unit_code) AS sort_key,
			(SELECT jsonb_agg(jsonb_build_object('key', k.key, 'better', k.better,
				'points', CASE WHEN k.key OPERATOR(pg_catalog.=) 'total' THEN pt.result + coalesce(ad.points, 0)
							   ELSE k.points END) ORDER BY k.n)
			 FROM peer_key k WHERE k.unit_code OPERATOR(pg_catalog.=) m.unit_code) AS tie_break,
			ARRAY(SELECT 'recused:' || r.judge_code FROM recused r
				  WHERE r.unit_code OPERATOR(pg_catalog.=) m.unit_code ORDER BY r.judge_code) AS recusals
		FROM members m
		JOIN thidua.unit u ON u.unit_code OPERATOR(pg_catalog.=) m.unit_code
		LEFT JOIN peer_total pt ON pt.unit_code OPERATOR(pg_catalog.=) m.unit_code
		LEFT JOIN adjusted ad ON ad.unit_code OPERATOR(pg_catalog.=) m.unit_code
		LEFT JOIN consensus c ON c.unit_code OPERATOR(pg_catalog.=) m.unit_code
	)
	SELECT a.unit_code, a.unit_name, a.role, a.self_total, a.peer_result, a.peer_judges, a.adjustment,
		a.final_total,
		CASE WHEN a.final_total IS NOT NULL
			 THEN thidua.classify(settings.criteria_version, a.final_total, a.is_vetoed) END,
		-- units without a peer score come last, together
		CASE WHEN a.final_total IS NULL
			 THEN (SELECT count(*) + 1 FROM assembled x WHERE x.final_total IS NOT NULL)
			 ELSE rank() OVER (ORDER BY a.final_total IS NULL, a.consensus_rank ASC NULLS LAST, a.sort_key DESC) END,
		a.tie_break,
		ARRAY(SELECT f FROM unnest(ARRAY[
			CASE WHEN a.peer_judges OPERATOR(pg_catalog.=) 0 THEN 'no_peer_score' END,
			CASE WHEN a.peer_judges OPERATOR(pg_catalog.<) settings.quorum THEN 'incomplete_quorum' END,
			CASE WHEN a.self_total IS NULL THEN 'no_self_score' END,
			CASE WHEN a.is_vetoed THEN 'vetoed' END] || a.recusals) AS f WHERE f IS NOT NULL)
	FROM assembled a
	ORDER BY 10, a.unit_name;
END
$$;

-- Support functions take states from their caller: only the aggregates call
-- them (PostgreSQL checks the aggregate owner's right, not the caller's).

REVOKE EXECUTE ON FUNCTION thidua._score_transition(bytea, text, text, numeric),
	thidua._score_detail_transition(bytea, text, text, numeric), thidua._score_combine(bytea, bytea),
	thidua._score_final(bytea), thidua._score_detail_final(bytea) FROM PUBLIC;

REVOKE EXECUTE ON FUNCTION thidua._trimmed_mean_transition(bytea, numeric, integer),
	thidua._trimmed_mean_combine(bytea, bytea), thidua._trimmed_mean_final(bytea),
	thidua._streak_transition(bytea, integer, boolean, integer),
	thidua._longest_streak_transition(bytea, integer, boolean), thidua._streak_combine(bytea, bytea),
	thidua._streak_final(bytea), thidua._longest_streak_final(bytea),
	thidua._judgments_transition(bytea, text, text, numeric), thidua._judgments_combine(bytea, bytea),
	thidua._schulze_final(bytea), thidua._leniency_final(bytea) FROM PUBLIC;

REVOKE EXECUTE ON FUNCTION thidua._tie_break_keys_final(bytea) FROM PUBLIC;

-- Aggregate states that grow with the data: every aggregate declares its
-- average state size (SSPACE) for the planner's sizing of hash aggregation.
-- CREATE OR REPLACE AGGREGATE keeps each aggregate's OID, comment and
-- dependants; the definitions are otherwise those of 0.4.0. trimmed_mean's
-- state changes format (2) in the library, with the same SQL signature.
CREATE OR REPLACE AGGREGATE thidua.score(version text, criterion_code text, observed numeric) (
	SFUNC = thidua._score_transition,
	STYPE = bytea,
	SSPACE = 232,
	COMBINEFUNC = thidua._score_combine,
	FINALFUNC = thidua._score_final,
	PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE thidua.score_detail(version text, criterion_code text, observed numeric) (
	SFUNC = thidua._score_detail_transition,
	STYPE = bytea,
	SSPACE = 432,
	COMBINEFUNC = thidua._score_combine,
	FINALFUNC = thidua._score_detail_final,
	PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE thidua.tie_break_keys(version text, criterion_code text, observed numeric) (
	SFUNC = thidua._score_transition,
	STYPE = bytea,
	SSPACE = 232,
	COMBINEFUNC = thidua._score_combine,
	FINALFUNC = thidua._tie_break_keys_final,
	PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE thidua.trimmed_mean(value numeric, "trim" integer) (
	SFUNC = thidua._trimmed_mean_transition,
	STYPE = bytea,
	SSPACE = 128,
	COMBINEFUNC = thidua._trimmed_mean_combine,
	FINALFUNC = thidua._trimmed_mean_final,
	PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE thidua.streak(year integer, achieved boolean, as_of integer) (
	SFUNC = thidua._streak_transition,
	STYPE = bytea,
	SSPACE = 56,
	INITCOND = '\x534b0100000000800000000000000000000000000000000000000000000000000000000000000000000000000000000000000000',
	COMBINEFUNC = thidua._streak_combine,
	FINALFUNC = thidua._streak_final,
	PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE thidua.longest_streak(year integer, achieved boolean) (
	SFUNC = thidua._longest_streak_transition,
	STYPE = bytea,
	SSPACE = 56,
	INITCOND = '\x534b0100000000800000000000000000000000000000000000000000000000000000000000000000000000000000000000000000',
	COMBINEFUNC = thidua._streak_combine,
	FINALFUNC = thidua._longest_streak_final,
	PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE thidua.schulze_ranking(judge text, candidate text, score numeric) (
	SFUNC = thidua._judgments_transition,
	STYPE = bytea,
	SSPACE = 8192,
	COMBINEFUNC = thidua._judgments_combine,
	FINALFUNC = thidua._schulze_final,
	PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE thidua.judge_leniency(judge text, candidate text, score numeric) (
	SFUNC = thidua._judgments_transition,
	STYPE = bytea,
	SSPACE = 8192,
	COMBINEFUNC = thidua._judgments_combine,
	FINALFUNC = thidua._leniency_final,
	PARALLEL = SAFE
);

-- Roles: who may read and write what.
-- import_scores checks that the caller acts for each row's judge; then the whole of
-- sql/50_roles.sql: role_unit, the caller checks, row-level security, the grants to
-- PUBLIC (criteria only: the others are revoked), create_roles().
CREATE OR REPLACE FUNCTION thidua.import_scores(bloc text, period text, source text DEFAULT 'input') RETURNS bigint
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	settings thidua.bloc_period;
	bad record;
	stored bigint;
BEGIN
	SELECT * INTO settings FROM thidua.bloc_period bp
		WHERE bp.bloc_code OPERATOR(pg_catalog.=) bloc AND bp.period_code OPERATOR(pg_catalog.=) period;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'bloc "%" has no settings for period "%"', bloc, period USING ERRCODE = 'no_data_found';
	END IF;
	IF to_regclass('pg_temp.score_import') IS NULL THEN
		RAISE EXCEPTION 'no scores are staged in pg_temp.score_import' USING ERRCODE = 'undefined_table';
	END IF;

	-- members: the unit, and the judge unless it is "self"
	SELECT i.line, 'unit' AS field, i.unit AS value INTO bad FROM pg_temp.score_import i
		WHERE NOT EXISTS (SELECT 1 FROM thidua.bloc_member m WHERE m.bloc_code OPERATOR(pg_catalog.=) bloc
			AND m.period_code OPERATOR(pg_catalog.=) period AND m.unit_code OPERATOR(pg_catalog.=) i.unit)
		ORDER BY i.line LIMIT 1;
	IF NOT FOUND THEN
		SELECT i.line, 'judge' AS field, i.judge AS value INTO bad FROM pg_temp.score_import i
			WHERE i.judge OPERATOR(pg_catalog.<>) 'self' AND NOT EXISTS (SELECT 1 FROM thidua.bloc_member m
				WHERE m.bloc_code OPERATOR(pg_catalog.=) bloc AND m.period_code OPERATOR(pg_catalog.=) period
				  AND m.unit_code OPERATOR(pg_catalog.=) i.judge)
			ORDER BY i.line LIMIT 1;
	END IF;
	IF FOUND THEN
		RAISE EXCEPTION '%:%: field "%": "%" is not a member of bloc "%" in period "%"',
			source, bad.line, bad.field, coalesce(bad.value, ''), bloc, period
			USING ERRCODE = 'foreign_key_violation';
	END IF;
	-- the caller files only what its own units give (row-level security enforces
	-- the same on every route; this names the line)
	IF NOT thidua._is_admin() THEN
		SELECT i.line, CASE WHEN i.judge OPERATOR(pg_catalog.=) 'self' THEN i.unit ELSE i.judge END AS judge_unit,
			thidua._caller_units() AS acts_for INTO bad
		FROM pg_temp.score_import i
		WHERE NOT CASE WHEN i.judge OPERATOR(pg_catalog.=) 'self' THEN i.unit ELSE i.judge END
			OPERATOR(pg_catalog.=) ANY (thidua._caller_units())
		ORDER BY i.line LIMIT 1;
		IF FOUND THEN
			RAISE EXCEPTION '%:%: field "judge": role "%" may not file the scores given by "%"',
				source, bad.line, current_user, bad.judge_unit
				USING ERRCODE = 'insufficient_privilege',
					  DETAIL = format('A scorer files only the self-assessments and peer scores of the units its role is mapped to; role "%s" acts for %s.',
						current_user, coalesce('"' || nullif(array_to_string(bad.acts_for, '", "'), '') || '"', 'no unit')),
					  HINT = 'A thidua_admin maps roles to units in thidua.role_unit.';
		END IF;
	END IF;
	SELECT i.line INTO bad FROM pg_temp.score_import i WHERE i.judge OPERATOR(pg_catalog.=) i.unit ORDER BY i.line LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION '%:%: field "judge": a member never scores itself as a peer; write "self" for a self-assessment',
			source, bad.line USING ERRCODE = 'check_violation';
	END IF;
	SELECT i.line, i.criterion INTO bad FROM pg_temp.score_import i
		WHERE EXISTS (SELECT 1 FROM pg_temp.score_import j WHERE j.line OPERATOR(pg_catalog.<) i.line
			AND j.unit OPERATOR(pg_catalog.=) i.unit AND j.judge OPERATOR(pg_catalog.=) i.judge
			AND j.criterion OPERATOR(pg_catalog.=) i.criterion)
		ORDER BY i.line LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION '%:%: field "criterion": "%" is given twice for the same unit and judge',
			source, bad.line, bad.criterion USING ERRCODE = 'unique_violation';
	END IF;
	-- each value by its criterion's rule, line by line so that the error names its line
	FOR bad IN SELECT i.line, i.criterion, i.observed FROM pg_temp.score_import i ORDER BY i.line LOOP
		BEGIN
			PERFORM thidua.points(settings.criteria_version, bad.criterion, bad.observed);
		EXCEPTION WHEN OTHERS THEN
			RAISE EXCEPTION '%:%: field "observed": %', source, bad.line, SQLERRM USING ERRCODE = SQLSTATE;
		END;
	END LOOP;
	SELECT i.line, i.unit, i.judge, i.criterion INTO bad FROM pg_temp.score_import i
		JOIN thidua.evaluation e ON e.bloc_code OPERATOR(pg_catalog.=) bloc AND e.period_code OPERATOR(pg_catalog.=) period
			AND e.unit_code OPERATOR(pg_catalog.=) i.unit
			AND e.judge_code OPERATOR(pg_catalog.=) CASE WHEN i.judge OPERATOR(pg_catalog.=) 'self' THEN i.unit ELSE i.judge END
		JOIN thidua.observation o ON o.evaluation_id OPERATOR(pg_catalog.=) e.evaluation_id
			AND o.criterion_code OPERATOR(pg_catalog.=) i.criterion
		ORDER BY i.line LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION '%:%: the score of "%" by "%" for criterion "%" is stored already', source, bad.line,
			bad.unit, bad.judge, bad.criterion
			USING ERRCODE = 'unique_violation', HINT = 'Scores are never overwritten; delete the stored one first.';
	END IF;

	INSERT INTO thidua.evaluation (bloc_code, period_code, unit_code, stage, judge_code)
		SELECT DISTINCT bloc, period, i.unit, CASE WHEN i.judge OPERATOR(pg_catalog.=) 'self' THEN 'self' ELSE 'peer' END,
			CASE WHEN i.judge OPERATOR(pg_catalog.=) 'self' THEN i.unit ELSE i.judge END
		FROM pg_temp.score_import i
		ON CONFLICT (bloc_code, period_code, unit_code, stage, judge_code) DO NOTHING;
	INSERT INTO thidua.observation (evaluation_id, criterion_code, observed, evidence)
		SELECT e.evaluation_id, i.criterion, i.observed, nullif(i.evidence, '')
		FROM pg_temp.score_import i
		JOIN thidua.evaluation e ON e.bloc_code OPERATOR(pg_catalog.=) bloc AND e.period_code OPERATOR(pg_catalog.=) period
			AND e.unit_code OPERATOR(pg_catalog.=) i.unit
			AND e.judge_code OPERATOR(pg_catalog.=) CASE WHEN i.judge OPERATOR(pg_catalog.=) 'self' THEN i.unit ELSE i.judge END
			AND e.stage OPERATOR(pg_catalog.=) CASE WHEN i.judge OPERATOR(pg_catalog.=) 'self' THEN 'self' ELSE 'peer' END;
	GET DIAGNOSTICS stored = ROW_COUNT;
	RETURN stored;
END
$$;

-- Which units a login (or group) role acts for: its unit's self-assessment and the
-- peer scores its unit gives. A role acts for a unit when it is, or inherits, a
-- role mapped to it. Role names, not OIDs, so that dumps restore.
CREATE TABLE thidua.role_unit (
	role_name text NOT NULL CHECK (role_name <> ''),
	unit_code text NOT NULL REFERENCES thidua.unit ON DELETE CASCADE,
	PRIMARY KEY (role_name, unit_code)
);
COMMENT ON TABLE thidua.role_unit IS
	'maps database roles to the units they act for (scores, personal data); managed by thidua_admin';
SELECT pg_catalog.pg_extension_config_dump('thidua.role_unit', '');

-- The current role administers thidua (a superuser always does). Invoker rights:
-- current_user is the caller here, in policies, and in every SECURITY INVOKER
-- function; inside a SECURITY DEFINER function it is the owner.
CREATE FUNCTION thidua._is_admin() RETURNS boolean
	LANGUAGE sql STABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT coalesce((SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) current_user), false)
		OR coalesce((SELECT pg_catalog.pg_has_role(current_user, r.oid, 'USAGE') FROM pg_catalog.pg_roles r
					 WHERE r.rolname OPERATOR(pg_catalog.=) 'thidua_admin'), false)
$$;
COMMENT ON FUNCTION thidua._is_admin() IS 'whether the current role is a superuser or has the rights of thidua_admin';

-- The units the current role acts for, through thidua.role_unit (names of
-- roles that no longer exist match nobody).
CREATE FUNCTION thidua._caller_units() RETURNS text[]
	LANGUAGE sql STABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT coalesce(array_agg(DISTINCT m.unit_code ORDER BY m.unit_code), '{}')
	FROM thidua.role_unit m JOIN pg_catalog.pg_roles r ON r.rolname OPERATOR(pg_catalog.=) m.role_name
	WHERE pg_catalog.pg_has_role(current_user, r.oid, 'USAGE')
$$;
COMMENT ON FUNCTION thidua._caller_units() IS 'the units the current role acts for (thidua.role_unit, inherited roles included)';

-- Whether the caller may see a row of another table, under that table's own
-- policies: the policies below call these rather than hold a subquery, whose
-- cost the planner would charge to every rescan of an administrator's join.
CREATE FUNCTION thidua._version_visible(version text) RETURNS boolean
	LANGUAGE sql STABLE PARALLEL SAFE COST 10
	SET search_path = pg_catalog, pg_temp
	AS $$ SELECT EXISTS (SELECT 1 FROM thidua.criteria_version v WHERE v.version_code OPERATOR(pg_catalog.=) version) $$;
CREATE FUNCTION thidua._evaluation_visible(evaluation bigint) RETURNS boolean
	LANGUAGE sql STABLE PARALLEL SAFE COST 10
	SET search_path = pg_catalog, pg_temp
	AS $$ SELECT EXISTS (SELECT 1 FROM thidua.evaluation e WHERE e.evaluation_id OPERATOR(pg_catalog.=) evaluation) $$;
CREATE FUNCTION thidua._person_visible(person text) RETURNS boolean
	LANGUAGE sql STABLE PARALLEL SAFE COST 10
	SET search_path = pg_catalog, pg_temp
	AS $$ SELECT EXISTS (SELECT 1 FROM thidua.membership m WHERE m.person_code OPERATOR(pg_catalog.=) person
		AND (m.valid_to IS NULL OR m.valid_to OPERATOR(pg_catalog.>) current_date)) $$;

-- Row-level security: one policy per table, whose CASE asks first whether the
-- caller is an administrator. The caller checks are scalar subqueries, run once
-- per statement; the CASE spares administrators the per-row check (two ORed
-- policies would not: either side may be evaluated first).

-- Criteria: published and retired versions are public documents; drafts are
-- the administrators' work in progress.
ALTER TABLE thidua.criteria_version ENABLE ROW LEVEL SECURITY;
CREATE POLICY criteria_version_access ON thidua.criteria_version
	USING (CASE WHEN (SELECT thidua._is_admin()) THEN true ELSE status OPERATOR(pg_catalog.<>) 'draft' END)
	WITH CHECK ((SELECT thidua._is_admin()));
ALTER TABLE thidua.criteria_item ENABLE ROW LEVEL SECURITY;
CREATE POLICY criteria_item_access ON thidua.criteria_item
	USING (CASE WHEN (SELECT thidua._is_admin()) THEN true
				ELSE thidua._version_visible(version_code) END)
	WITH CHECK ((SELECT thidua._is_admin()));
ALTER TABLE thidua.class_band ENABLE ROW LEVEL SECURITY;
CREATE POLICY class_band_access ON thidua.class_band
	USING (CASE WHEN (SELECT thidua._is_admin()) THEN true
				ELSE thidua._version_visible(version_code) END)
	WITH CHECK ((SELECT thidua._is_admin()));
ALTER TABLE thidua.criteria_version_event ENABLE ROW LEVEL SECURITY;
CREATE POLICY criteria_version_event_access ON thidua.criteria_version_event FOR SELECT
	USING (CASE WHEN (SELECT thidua._is_admin()) THEN true
				ELSE thidua._version_visible(version_code) END);

-- Scores: a scorer sees and writes the evaluations its units give (judge_code is
-- the unit itself for a self-assessment, the judging member for a peer score),
-- and files them in its own name; an observation goes with its evaluation.
ALTER TABLE thidua.evaluation ENABLE ROW LEVEL SECURITY;
CREATE POLICY evaluation_access ON thidua.evaluation
	USING (CASE WHEN (SELECT thidua._is_admin()) THEN true
				ELSE judge_code OPERATOR(pg_catalog.=) ANY ((SELECT thidua._caller_units())::text[]) END)
	WITH CHECK (CASE WHEN (SELECT thidua._is_admin()) THEN true
					 ELSE judge_code OPERATOR(pg_catalog.=) ANY ((SELECT thidua._caller_units())::text[])
						  AND created_by OPERATOR(pg_catalog.=) session_user::text END);
ALTER TABLE thidua.observation ENABLE ROW LEVEL SECURITY;
CREATE POLICY observation_access ON thidua.observation
	USING (CASE WHEN (SELECT thidua._is_admin()) THEN true
				ELSE thidua._evaluation_visible(evaluation_id) END)
	WITH CHECK (CASE WHEN (SELECT thidua._is_admin()) THEN true
					 ELSE thidua._evaluation_visible(evaluation_id) END);

-- Personal data: administrators, and the roles acting for the person's own unit.
ALTER TABLE thidua.membership ENABLE ROW LEVEL SECURITY;
CREATE POLICY membership_access ON thidua.membership
	USING (CASE WHEN (SELECT thidua._is_admin()) THEN true
				ELSE unit_code OPERATOR(pg_catalog.=) ANY ((SELECT thidua._caller_units())::text[]) END)
	WITH CHECK ((SELECT thidua._is_admin()));
ALTER TABLE thidua.individual ENABLE ROW LEVEL SECURITY;
CREATE POLICY individual_access ON thidua.individual
	USING (CASE WHEN (SELECT thidua._is_admin()) THEN true
				ELSE thidua._person_visible(person_code) END)
	WITH CHECK ((SELECT thidua._is_admin()));
ALTER TABLE thidua.post_held ENABLE ROW LEVEL SECURITY;
CREATE POLICY post_held_access ON thidua.post_held
	USING (CASE WHEN (SELECT thidua._is_admin()) THEN true
				ELSE unit_code OPERATOR(pg_catalog.=) ANY ((SELECT thidua._caller_units())::text[]) END)
	WITH CHECK ((SELECT thidua._is_admin()));

-- Views read with the rights (and row-level security) of whoever queries them.
ALTER VIEW thidua.criteria_versions SET (security_invoker = true);
ALTER VIEW thidua.current_standings SET (security_invoker = true);
ALTER VIEW thidua.published_standings SET (security_invoker = true);

-- What PUBLIC keeps. Criteria tables are public documents (công khai), and the
-- scoring functions compile a version by reading them with the caller's rights,
-- so that anyone may score their own data with thidua.score (drafts stay hidden
-- by the policies above). Nothing else is readable without a thidua role.
REVOKE ALL ON thidua.criteria_set, thidua.criteria_version, thidua.criteria_item, thidua.class_band,
	thidua.criteria_version_event, thidua.criteria_versions FROM PUBLIC;
GRANT SELECT ON thidua.criteria_set, thidua.criteria_version, thidua.criteria_item, thidua.class_band,
	thidua.criteria_version_event, thidua.criteria_versions TO PUBLIC;
REVOKE ALL ON thidua.unit, thidua.individual, thidua.membership, thidua.post_held, thidua.period,
	thidua.bloc, thidua.bloc_period, thidua.bloc_member, thidua.pact, thidua.recusal, thidua.veto,
	thidua.evaluation, thidua.observation, thidua.adjustment, thidua.standing_revision, thidua.standing_row,
	thidua.role_unit, thidua.current_standings, thidua.published_standings, thidua.period_event FROM PUBLIC;

-- Functions that write or read unpublished scores are for the roles that may;
-- create_roles() grants them. (Computing functions and aggregates stay public.)
REVOKE EXECUTE ON FUNCTION thidua.import_criteria(jsonb, boolean), thidua.import_criteria_file(bytea, text, text, boolean),
	thidua.publish_version(text, text), thidua.retire_version(text, text), thidua.clone_version(text, text),
	thidua.delete_draft(text), thidua.close_period(text, text), thidua.reopen_period(text, text),
	thidua.evaluation_scores(text, text),
	thidua.standings(text, text), thidua.explain(text, text, text), thidua.judge_report(text, text),
	thidua.publish_standings(text, text, text), thidua.import_scores(text, text, text) FROM PUBLIC;

-- Published records are written only by definer functions, so that no role (an
-- administrator included) can forge them: the status history by its trigger,
-- published standings by publish_standings (EXECUTE: thidua_admin only; PostgreSQL
-- checks that privilege against the calling role before the body runs, which is
-- the one check a definer function cannot make itself).
ALTER FUNCTION thidua._record_version_event() SECURITY DEFINER;
REVOKE EXECUTE ON FUNCTION thidua._record_version_event() FROM PUBLIC;
-- The guards that lock or write with the owner's rights are triggers only.
REVOKE EXECUTE ON FUNCTION thidua._guard_version_content(), thidua._guard_criteria_set(),
	thidua._guard_truncate(), thidua._guard_open_period(), thidua._check_observations(),
	thidua._guard_closed_observation(), thidua._guard_period(), thidua._guard_bloc_period_version(),
	thidua._check_revision_has_rows() FROM PUBLIC;
ALTER FUNCTION thidua.publish_standings(text, text, text) SECURITY DEFINER;

-- Creates (when missing) the group roles and grants them their rights; safe to
-- call again, e.g. after ALTER EXTENSION thidua UPDATE: it first takes back
-- whatever the four roles held on thidua's objects.
CREATE FUNCTION thidua.create_roles() RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	group_role text;
	all_roles text := 'thidua_admin, thidua_scorer, thidua_reader, thidua_council';
BEGIN
	IF NOT coalesce((SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) current_user), false) THEN
		RAISE EXCEPTION 'thidua.create_roles() must be called by a superuser'
			USING ERRCODE = 'insufficient_privilege',
				  DETAIL = format('Role "%s" is not a superuser; the roles are cluster-wide.', current_user),
				  HINT = 'Connect as a superuser (e.g. postgres) and call SELECT thidua.create_roles();';
	END IF;
	FOREACH group_role IN ARRAY ARRAY['thidua_admin', 'thidua_scorer', 'thidua_reader', 'thidua_council'] LOOP
		IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) group_role) THEN
			EXECUTE format('CREATE ROLE %I NOLOGIN', group_role);
		ELSIF EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) group_role
					  AND (r.rolcanlogin OR r.rolsuper OR r.rolcreaterole OR r.rolcreatedb
						   OR r.rolreplication OR r.rolbypassrls)) THEN
			-- someone made it first: never hand thidua's rights to a role that logs in
			RAISE EXCEPTION 'role "%" exists already and is not a plain group role', group_role
				USING ERRCODE = 'invalid_role_specification',
					  DETAIL = 'It can log in or holds special attributes; thidua grants its rights only to roles that are NOLOGIN, NOSUPERUSER, NOCREATEROLE, NOCREATEDB, NOREPLICATION, NOBYPASSRLS.',
					  HINT = 'Find out who created it and who its members are (\du), then fix it with ALTER ROLE ... NOLOGIN ... or drop it.';
		ELSE
			RAISE NOTICE 'role "%" exists already; its members: %', group_role,
				coalesce((SELECT string_agg(m.rolname, ', ' ORDER BY m.rolname)
						  FROM pg_catalog.pg_auth_members a
						  JOIN pg_catalog.pg_roles g ON g.oid OPERATOR(pg_catalog.=) a.roleid
						  JOIN pg_catalog.pg_roles m ON m.oid OPERATOR(pg_catalog.=) a.member
						  WHERE g.rolname OPERATOR(pg_catalog.=) group_role), 'none');
		END IF;
	END LOOP;
	EXECUTE 'REVOKE ALL ON ALL TABLES IN SCHEMA thidua FROM ' || all_roles;
	EXECUTE 'REVOKE ALL ON ALL FUNCTIONS IN SCHEMA thidua FROM ' || all_roles;

	-- thidua_admin: criteria, units, people, periods, blocs, scores, publication;
	-- the histories and published standings only through functions.
	GRANT SELECT, INSERT, UPDATE, DELETE ON thidua.criteria_set, thidua.criteria_version, thidua.criteria_item,
		thidua.class_band, thidua.unit, thidua.individual, thidua.membership, thidua.post_held, thidua.period,
		thidua.bloc, thidua.bloc_period, thidua.bloc_member, thidua.pact, thidua.recusal, thidua.veto,
		thidua.evaluation, thidua.observation, thidua.adjustment, thidua.role_unit TO thidua_admin;
	GRANT SELECT ON thidua.period_event, thidua.standing_revision, thidua.standing_row, thidua.current_standings,
		thidua.published_standings TO thidua_admin;
	GRANT EXECUTE ON FUNCTION thidua.import_criteria(jsonb, boolean), thidua.import_criteria_file(bytea, text, text, boolean),
		thidua.publish_version(text, text), thidua.retire_version(text, text), thidua.clone_version(text, text),
		thidua.delete_draft(text), thidua.close_period(text, text), thidua.reopen_period(text, text),
	thidua.evaluation_scores(text, text),
		thidua.standings(text, text), thidua.explain(text, text, text), thidua.judge_report(text, text),
		thidua.publish_standings(text, text, text), thidua.import_scores(text, text, text) TO thidua_admin;

	-- thidua_scorer: the scores of the units its role is mapped to (policies),
	-- the people of those units, and what scoring needs to read.
	GRANT SELECT ON thidua.unit, thidua.period, thidua.bloc, thidua.bloc_period, thidua.bloc_member,
		thidua.period_event, thidua.role_unit, thidua.individual, thidua.membership, thidua.post_held TO thidua_scorer;
	GRANT SELECT, INSERT, DELETE ON thidua.evaluation TO thidua_scorer;
	GRANT SELECT, INSERT, UPDATE, DELETE ON thidua.observation TO thidua_scorer;
	GRANT EXECUTE ON FUNCTION thidua.import_scores(text, text, text) TO thidua_scorer;

	-- thidua_reader, and for now thidua_council: published standings and the
	-- public structure they name; no personal data, no unpublished score.
	GRANT SELECT ON thidua.unit, thidua.period, thidua.bloc, thidua.bloc_period, thidua.bloc_member,
		thidua.period_event, thidua.standing_revision, thidua.standing_row, thidua.published_standings
		TO thidua_reader, thidua_council;
END
$$;
COMMENT ON FUNCTION thidua.create_roles() IS
	'creates the group roles thidua_admin, thidua_scorer, thidua_reader, thidua_council if missing and grants their rights (superuser only; idempotent)';
