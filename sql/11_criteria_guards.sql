-- thidua SQL source: criteria immutability and history.
-- Holds the triggers that freeze published versions (TRUNCATE included), keep the
-- status history append-only, record status changes and invalidate the
-- per-backend compiled-version cache.

-- Whether this statement restores a dump: a superuser's COPY, which is how
-- pg_restore and psql -f re-insert published and closed records as they are,
-- in an order of their own. Guards let such rows in; for everyone else, and
-- for every other statement, frozen records refuse changes.
CREATE FUNCTION thidua._restoring() RETURNS boolean
	LANGUAGE sql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT coalesce((SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) session_user), false)
		AND current_query() OPERATOR(pg_catalog.~*) '^\s*copy\s'
$$;
COMMENT ON FUNCTION thidua._restoring() IS
	'true while a superuser''s COPY runs (pg_restore, psql -f of a dump): guards then let frozen records be re-inserted as they are';

-- Rows of items and class bands may change only while their version is a draft.
-- The version row is share-locked, so publishing waits for open edits and an
-- edit waits for a publication in progress (then sees it published).
CREATE FUNCTION thidua._guard_version_content() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	version text;
	current_status text;
BEGIN
	IF TG_OP = 'INSERT' AND thidua._restoring() THEN
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

CREATE TRIGGER criteria_item_draft_only BEFORE INSERT OR UPDATE OR DELETE ON thidua.criteria_item
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_version_content();
CREATE TRIGGER class_band_draft_only BEFORE INSERT OR UPDATE OR DELETE ON thidua.class_band
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_version_content();

-- A version's own row: drafts change freely; then only draft -> published
-- (validated) -> retired, nothing else; only drafts may be deleted.
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
		IF NEW.status <> 'draft' AND NOT thidua._restoring() THEN
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
		PERFORM thidua._validate_criteria(thidua.export_criteria(NEW.version_code));
	END IF;
	RETURN NEW;
END
$$;

CREATE TRIGGER criteria_version_lifecycle BEFORE INSERT OR UPDATE OR DELETE ON thidua.criteria_version
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_version();

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
CREATE TRIGGER criteria_set_frozen_when_published BEFORE UPDATE OR DELETE ON thidua.criteria_set
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_criteria_set();

-- No TRUNCATE while anything published exists; none ever of a table whose
-- trigger passes 'always' (histories, published records); none of a table
-- passing 'closed_period' while a period is closed.
CREATE FUNCTION thidua._guard_truncate() RETURNS trigger
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
CREATE TRIGGER criteria_version_event_append_only BEFORE UPDATE OR DELETE ON thidua.criteria_version_event
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_append_only();

-- Records every status a version takes; the note comes from thidua.status_note.
CREATE FUNCTION thidua._record_version_event() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	IF TG_OP = 'INSERT' AND thidua._restoring() THEN
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
CREATE TRIGGER criteria_version_history AFTER INSERT OR UPDATE OF status ON thidua.criteria_version
	FOR EACH ROW EXECUTE FUNCTION thidua._record_version_event();

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
