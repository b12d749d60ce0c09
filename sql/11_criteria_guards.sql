-- thidua SQL source: criteria immutability and history.
-- Holds the triggers that freeze published versions (TRUNCATE included), keep the
-- status history append-only and written by thidua alone, record status changes
-- and invalidate the per-backend compiled-version cache; the helpers every guard
-- uses (_restoring, _as_owner, _guard_truncate, _guard_append_only,
-- _guard_record_insert).
--
-- Guards are AFTER ROW triggers: they judge each row as stored, after every
-- BEFORE trigger (anyone holding the TRIGGER privilege could add one that
-- rewrites the row once a BEFORE guard had passed it).

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

-- The table a trigger fires for: on Citus, where it fires on a placement
-- (criteria_item_102008), the table the placement belongs to.
CREATE FUNCTION thidua._table_of_placement(table_name name) RETURNS text
	LANGUAGE sql IMMUTABLE STRICT
	SET search_path = pg_catalog, pg_temp
	AS $$ SELECT pg_catalog.regexp_replace(table_name::text, '_[0-9]+$', '') $$;

-- Rows of items and class bands may change only while their version is a draft.
-- The version row is share-locked, so publishing waits for open edits and an
-- edit waits for a publication in progress (then sees it published). The
-- version is read through _local_relation, so that the guard also holds on a
-- Citus placement (it reads the node's own placement of criteria_version).
CREATE FUNCTION thidua._guard_version_content() RETURNS trigger
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
		EXECUTE format('SELECT status FROM %s WHERE version_code OPERATOR(pg_catalog.=) $1 FOR SHARE',
				thidua._local_relation('thidua.criteria_version'))
			INTO current_status USING version;
		IF current_status IS DISTINCT FROM 'draft' AND current_status IS NOT NULL THEN
			RAISE EXCEPTION 'criteria version "%" is %: its % cannot be changed', version,
				current_status, replace(thidua._table_of_placement(TG_TABLE_NAME), '_', ' ') || 's'
				USING ERRCODE = 'object_not_in_prerequisite_state',
					  HINT = 'Clone it into a new draft (thidua.clone_version) and change that.';
		END IF;
	END LOOP;
	RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;

CREATE TRIGGER criteria_item_draft_only AFTER INSERT OR UPDATE OR DELETE ON thidua.criteria_item
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_version_content();
CREATE TRIGGER class_band_draft_only AFTER INSERT OR UPDATE OR DELETE ON thidua.class_band
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_version_content();

-- An item's params hold its rule parameters only. The export merges them into
-- the item, so a hand-edited "parent" or "kind" there would show validation at
-- publish another item than the one stored.
CREATE FUNCTION thidua._check_item_params(version text, set_code text, edition text) RETURNS void
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	doc constant jsonb := jsonb_build_object('set', jsonb_build_object('code', set_code), 'edition', edition);
	bad record;
BEGIN
	FOR bad IN SELECT i.code, i.params FROM thidua.criteria_item i
			   WHERE i.version_code OPERATOR(pg_catalog.=) version ORDER BY i.position LOOP
		IF jsonb_typeof(bad.params) IS DISTINCT FROM 'object' THEN
			PERFORM thidua._criteria_error(doc, jsonb_build_object('code', bad.code), 'params',
				format('must be an object of rule parameters, not %s', bad.params));
		END IF;
		PERFORM thidua._criteria_error(doc, jsonb_build_object('code', bad.code), 'params',
			format('"%s" is an item field, not a rule parameter', k))
		FROM jsonb_object_keys(bad.params) k
		WHERE k OPERATOR(pg_catalog.=) ANY (ARRAY['code', 'parent', 'kind', 'title', 'max', 'rule', '_line']);
	END LOOP;
END
$$;

-- A version's move from one status to another: only draft -> published
-- (validated as exported) -> retired. Checked by the lifecycle functions before
-- they move a version (on Citus, on the coordinator) and again by the lifecycle
-- trigger; validate: read the version's items and validate them, which a
-- trigger firing on a Citus placement cannot (a nested distributed query).
CREATE FUNCTION thidua._check_version_move(version text, set_code text, edition text,
										   from_status text, to_status text, validate boolean)
	RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	IF to_status OPERATOR(pg_catalog.=) from_status THEN
		RAISE EXCEPTION 'criteria version "%" is already %', version, from_status
			USING ERRCODE = 'object_not_in_prerequisite_state';
	END IF;
	IF NOT ((from_status OPERATOR(pg_catalog.=) 'draft' AND to_status OPERATOR(pg_catalog.=) 'published')
			OR (from_status OPERATOR(pg_catalog.=) 'published' AND to_status OPERATOR(pg_catalog.=) 'retired')) THEN
		RAISE EXCEPTION 'criteria version "%" cannot go from % to %', version, from_status, to_status
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'A version goes from draft to published to retired; published and retired versions never change.';
	END IF;
	IF to_status OPERATOR(pg_catalog.=) 'published' THEN
		-- validation must see every edit committed before the lock was granted
		IF current_setting('transaction_isolation') OPERATOR(pg_catalog.<>) 'read committed' THEN
			RAISE EXCEPTION 'criteria version "%" can be published only at the READ COMMITTED isolation level', version
				USING ERRCODE = 'object_not_in_prerequisite_state',
					  DETAIL = format('This transaction runs at %s: its snapshot may miss edits of the draft committed since it began.',
									  upper(current_setting('transaction_isolation'))),
					  HINT = 'Publish in a READ COMMITTED transaction (the default).';
		END IF;
		IF validate THEN
			PERFORM thidua._check_item_params(version, set_code, edition);
			PERFORM thidua._validate_criteria(thidua.export_criteria(version));
		END IF;
	END IF;
END
$$;

-- A version's own row: drafts change freely; then only draft -> published
-- (validated) -> retired, nothing else; only drafts may be deleted. On Citus it
-- fires on each placement of the reference table and judges the row alone:
-- publish_version has validated the version on the coordinator.
CREATE FUNCTION thidua._guard_version() RETURNS trigger
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
	PERFORM thidua._check_version_move(NEW.version_code, NEW.set_code, NEW.edition, OLD.status, NEW.status,
		NOT thidua._distributed());
	RETURN NEW;
END
$$;

CREATE TRIGGER criteria_version_lifecycle AFTER INSERT OR UPDATE OR DELETE ON thidua.criteria_version
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_version();

-- A set's code and name are part of every version published in it (read as
-- above, so that the guard also holds on a Citus placement).
CREATE FUNCTION thidua._guard_criteria_set() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	published text;
BEGIN
	-- every version of the set is locked, so a publication waits for the change
	EXECUTE format('SELECT min(v.version_code) FILTER (WHERE v.status OPERATOR(pg_catalog.<>) ''draft'')
		FROM (SELECT x.version_code, x.status FROM %s x
			  WHERE x.set_code OPERATOR(pg_catalog.=) $1 FOR SHARE) AS v', thidua._local_relation('thidua.criteria_version'))
		INTO published USING OLD.set_code;
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

-- No TRUNCATE while anything published exists; none ever of a table whose
-- trigger passes 'always' (histories, published records); none of a table
-- passing 'closed_period' while a period is closed.
CREATE FUNCTION thidua._guard_truncate() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	closed boolean := false;
	published boolean := false;
BEGIN
	-- (on Citus this fires on each placement: the node's own placements of
	-- period and criteria_version, reference tables, are read)
	IF TG_NARGS > 0 AND TG_ARGV[0] = 'closed_period' THEN
		EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s WHERE status OPERATOR(pg_catalog.=) ''closed'')',
			thidua._local_relation('thidua.period')) INTO closed;
	ELSIF TG_NARGS = 0 THEN
		EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s WHERE status OPERATOR(pg_catalog.<>) ''draft'')',
			thidua._local_relation('thidua.criteria_version')) INTO published;
	END IF;
	IF (TG_NARGS > 0 AND TG_ARGV[0] = 'always') OR closed OR published THEN
		RAISE EXCEPTION 'thidua.% cannot be truncated: it holds %', thidua._table_of_placement(TG_TABLE_NAME),
			CASE WHEN TG_ARGV[0] = 'closed_period' THEN 'records of a closed period' ELSE 'published records' END
			USING ERRCODE = 'object_not_in_prerequisite_state';
	END IF;
	RETURN NULL;
END
$$;
CREATE TRIGGER criteria_set_no_truncate BEFORE TRUNCATE ON thidua.criteria_set
	FOR EACH STATEMENT EXECUTE FUNCTION thidua._guard_truncate();
CREATE TRIGGER criteria_version_no_truncate BEFORE TRUNCATE ON thidua.criteria_version
	FOR EACH STATEMENT EXECUTE FUNCTION thidua._guard_truncate();
CREATE TRIGGER criteria_item_no_truncate BEFORE TRUNCATE ON thidua.criteria_item
	FOR EACH STATEMENT EXECUTE FUNCTION thidua._guard_truncate();
CREATE TRIGGER class_band_no_truncate BEFORE TRUNCATE ON thidua.class_band
	FOR EACH STATEMENT EXECUTE FUNCTION thidua._guard_truncate();
CREATE TRIGGER criteria_version_event_no_truncate BEFORE TRUNCATE ON thidua.criteria_version_event
	FOR EACH STATEMENT EXECUTE FUNCTION thidua._guard_truncate('always');

-- The history is append-only.
CREATE FUNCTION thidua._guard_append_only() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	RAISE EXCEPTION 'thidua.% is append-only', TG_TABLE_NAME
		USING ERRCODE = 'object_not_in_prerequisite_state';
END
$$;
CREATE TRIGGER criteria_version_event_append_only AFTER UPDATE OR DELETE ON thidua.criteria_version_event
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_append_only();
CREATE TRIGGER criteria_version_event_by_thidua AFTER INSERT ON thidua.criteria_version_event
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_record_insert();

-- Records every status a version takes; the note comes from thidua.status_note.
CREATE FUNCTION thidua._record_version_event() RETURNS trigger
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
CREATE TRIGGER criteria_version_history AFTER INSERT OR UPDATE ON thidua.criteria_version
	FOR EACH ROW EXECUTE FUNCTION thidua._record_version_event();

-- On Citus that trigger is gone (it would fire once per placement): the
-- functions that create a version or change its status record the event
-- themselves, exactly once, with the same note.
CREATE FUNCTION thidua._record_version_event_on_citus(version text, from_status text, to_status text, note text)
	RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	IF thidua._distributed() THEN
		INSERT INTO thidua.criteria_version_event (version_code, from_status, to_status, note)
		VALUES (version, from_status, to_status, nullif(note, ''));
	END IF;
END
$$;
COMMENT ON FUNCTION thidua._record_version_event_on_citus(text, text, text, text) IS
	'on Citus (thidua._distributed()), records a criteria version''s status change in criteria_version_event, as the trigger does on one server; elsewhere nothing (the trigger records it)';

-- Compiled versions are cached per backend: any change tells every backend.
CREATE FUNCTION thidua._criteria_changed() RETURNS trigger
	AS 'MODULE_PATHNAME', 'thidua_criteria_changed'
	LANGUAGE C;
CREATE TRIGGER criteria_version_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON thidua.criteria_version
	FOR EACH STATEMENT EXECUTE FUNCTION thidua._criteria_changed();
CREATE TRIGGER criteria_item_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON thidua.criteria_item
	FOR EACH STATEMENT EXECUTE FUNCTION thidua._criteria_changed();
CREATE TRIGGER class_band_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON thidua.class_band
	FOR EACH STATEMENT EXECUTE FUNCTION thidua._criteria_changed();
