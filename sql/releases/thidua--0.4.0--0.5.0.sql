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
BEGIN
	-- aggregated above the lock, so that every touched period is locked, open ones too
	SELECT array_agg(touched.status) INTO statuses FROM (
		SELECT p.status FROM thidua.period p
		WHERE p.period_code IN (
			SELECT e.period_code FROM new_observations n
			JOIN thidua.evaluation e ON e.evaluation_id OPERATOR(pg_catalog.=) n.evaluation_id)
		FOR SHARE) AS touched;
	IF NOT (TG_OP = 'INSERT' AND thidua._restoring(TG_TABLE_NAME)) AND 'closed' OPERATOR(pg_catalog.=) ANY (statuses) THEN
		RAISE EXCEPTION 'the period of these observations is closed'
			USING ERRCODE = 'object_not_in_prerequisite_state';
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
BEGIN
	SELECT p.status INTO period_status FROM thidua.evaluation e JOIN thidua.period p USING (period_code)
		WHERE e.evaluation_id OPERATOR(pg_catalog.=) OLD.evaluation_id
		FOR SHARE OF p;
	IF period_status = 'closed' THEN
		RAISE EXCEPTION 'the period of this observation is closed'
			USING ERRCODE = 'object_not_in_prerequisite_state';
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

CREATE FUNCTION thidua.reopen_period(period text, reason text) RETURNS void
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
