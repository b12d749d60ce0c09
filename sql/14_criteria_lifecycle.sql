-- thidua SQL source: the criteria version lifecycle.
-- Holds publish_version(), retire_version(), clone_version(), delete_draft(); the view
-- criteria_versions; diff().

-- Looks a version up for a change, with a clear error when it does not exist.
CREATE FUNCTION thidua._lock_version(version text) RETURNS thidua.criteria_version
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	locked thidua.criteria_version;
BEGIN
	SELECT * INTO locked FROM thidua.criteria_version
		WHERE version_code OPERATOR(pg_catalog.=) version FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'criteria version "%" does not exist', version
			USING ERRCODE = 'no_data_found', HINT = 'thidua criteria list shows the versions.';
	END IF;
	RETURN locked;
END
$$;

-- Moves a version to a status, recording the note. The move is checked here
-- (on Citus the coordinator makes the check, and records the event) and again
-- by the lifecycle trigger.
CREATE FUNCTION thidua._set_status(version text, status text, note text) RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	locked thidua.criteria_version := thidua._lock_version(version);
BEGIN
	PERFORM thidua._check_version_move(locked.version_code, locked.set_code, locked.edition, locked.status,
		_set_status.status, true);
	PERFORM set_config('thidua.status_note', coalesce(note, ''), true);
	UPDATE thidua.criteria_version SET status = _set_status.status
		WHERE version_code OPERATOR(pg_catalog.=) version;
	PERFORM thidua._record_version_event_on_citus(version, locked.status, _set_status.status, note);
	PERFORM set_config('thidua.status_note', '', true);
END
$$;

-- The lifecycle functions run with the owner's rights: on Citus no role holds a
-- direct write on the criteria tables (EXECUTE: administrators, 90_roles.sql).
CREATE FUNCTION thidua.publish_version(version text, note text DEFAULT NULL) RETURNS void
	LANGUAGE sql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$ SELECT thidua._set_status(version, 'published', note) $$;
COMMENT ON FUNCTION thidua.publish_version(text, text) IS
	'publish_version(version text, note text DEFAULT NULL): validates a draft and publishes it; from then on it never changes. no_data_found for an unknown version; object_not_in_prerequisite_state when it is not a draft; invalid_parameter_value for a validation error; the note is recorded in criteria_version_event';

CREATE FUNCTION thidua.retire_version(version text, note text DEFAULT NULL) RETURNS void
	LANGUAGE sql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$ SELECT thidua._set_status(version, 'retired', note) $$;
COMMENT ON FUNCTION thidua.retire_version(text, text) IS
	'retire_version(version text, note text DEFAULT NULL): retires a published version (it stays readable); object_not_in_prerequisite_state when it is not published; the note is recorded';

CREATE FUNCTION thidua.clone_version(version text, new_edition text DEFAULT NULL) RETURNS text
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	source thidua.criteria_version := thidua._lock_version(version);
	target text;
BEGIN
	IF new_edition IS NULL THEN
		IF source.edition !~ '^[0-9]{4}$' THEN
			RAISE EXCEPTION 'name the new edition of criteria version "%"', version
				USING ERRCODE = 'invalid_parameter_value',
					  HINT = 'Only a year edition has an obvious successor (2019 -> 2020).';
		END IF;
		new_edition := (source.edition::integer + 1)::text;
	END IF;
	target := source.set_code || '/' || new_edition;
	IF EXISTS (SELECT 1 FROM thidua.criteria_version WHERE version_code OPERATOR(pg_catalog.=) target) THEN
		RAISE EXCEPTION 'criteria version "%" already exists', target
			USING ERRCODE = 'unique_violation', HINT = 'Choose another edition.';
	END IF;
	INSERT INTO thidua.criteria_version (version_code, set_code, edition, title, rounding_scale,
			allow_over_completion, veto_max_class, veto_reason, tie_break, cloned_from, result_rounding, not_applicable)
		VALUES (target, source.set_code, new_edition, source.title, source.rounding_scale,
			source.allow_over_completion, source.veto_max_class, source.veto_reason, source.tie_break, version,
			source.result_rounding, source.not_applicable);
	PERFORM thidua._record_version_event_on_citus(target, NULL, 'draft', current_setting('thidua.status_note', true));
	INSERT INTO thidua.criteria_item (version_code, code, parent_code, position, kind, title, max_points, rule, params)
		SELECT target, code, parent_code, position, kind, title, max_points, rule, params
		FROM thidua.criteria_item WHERE version_code OPERATOR(pg_catalog.=) version;
	INSERT INTO thidua.class_band (version_code, position, label, title, lower_bound)
		SELECT target, position, label, title, lower_bound
		FROM thidua.class_band WHERE version_code OPERATOR(pg_catalog.=) version;
	RETURN target;
END
$$;
COMMENT ON FUNCTION thidua.clone_version(text, text) IS
	'copies a version into a new draft edition (by default the next year); returns its code';

CREATE FUNCTION thidua.delete_draft(version text) RETURNS void
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	locked thidua.criteria_version := thidua._lock_version(version);
BEGIN
	IF locked.status OPERATOR(pg_catalog.<>) 'draft' THEN
		RAISE EXCEPTION 'criteria version "%" is % and cannot be deleted', version, locked.status
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Published versions are kept forever; retire it instead.';
	END IF;
	DELETE FROM thidua.criteria_version WHERE version_code OPERATOR(pg_catalog.=) version;
END
$$;
COMMENT ON FUNCTION thidua.delete_draft(text) IS 'deletes a draft version; published ones are kept forever';

-- The versions with their status and size, for listings.
CREATE VIEW thidua.criteria_versions AS
	SELECT v.version_code, v.set_code, v.edition, v.title, v.status,
		(SELECT count(*) FROM thidua.criteria_item i
		 WHERE i.version_code OPERATOR(pg_catalog.=) v.version_code AND i.kind OPERATOR(pg_catalog.=) 'criterion') AS criteria,
		(SELECT max(e.changed_at) FROM thidua.criteria_version_event e
		 WHERE e.version_code OPERATOR(pg_catalog.=) v.version_code) AS status_since,
		v.cloned_from
	FROM thidua.criteria_version v;

-- What changed from version a to version b: items added, removed or changed,
-- and the version's own settings as the item "(version)".
CREATE FUNCTION thidua.diff(version_a text, version_b text,
							OUT item text, OUT change text, OUT fields jsonb)
	RETURNS SETOF record
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	a jsonb := thidua.export_criteria(version_a);
	b jsonb := thidua.export_criteria(version_b);
BEGIN
	IF a IS NULL OR b IS NULL THEN
		RAISE EXCEPTION 'criteria version "%" does not exist', CASE WHEN a IS NULL THEN version_a ELSE version_b END
			USING ERRCODE = 'no_data_found';
	END IF;
	RETURN QUERY
	WITH settings AS (
		SELECT '(version)' AS code, x - ARRAY['items', 'edition', 'format'] AS old, y - ARRAY['items', 'edition', 'format'] AS new
		FROM (SELECT a AS x, b AS y) pair
	), items AS (
		SELECT coalesce(ia ->> 'code', ib ->> 'code') AS code, ia - 'code' AS old, ib - 'code' AS new,
			coalesce(na, nb) AS ord
		FROM (SELECT i AS ia, n AS na FROM jsonb_array_elements(a -> 'items') WITH ORDINALITY AS x(i, n)) l
		FULL JOIN (SELECT i AS ib, n AS nb FROM jsonb_array_elements(b -> 'items') WITH ORDINALITY AS y(i, n)) r
			ON ia ->> 'code' = ib ->> 'code'
	), everything AS (
		SELECT code, old, new, 0 AS ord FROM settings
		UNION ALL SELECT code, old, new, ord FROM items
	)
	SELECT e.code,
		CASE WHEN e.old IS NULL THEN 'added' WHEN e.new IS NULL THEN 'removed' ELSE 'changed' END,
		CASE WHEN e.old IS NULL OR e.new IS NULL THEN coalesce(e.new, e.old)
			 ELSE (SELECT jsonb_object_agg(k, jsonb_build_object('from', e.old -> k, 'to', e.new -> k))
				   FROM (SELECT jsonb_object_keys(e.old) UNION SELECT jsonb_object_keys(e.new)) keys(k)
				   WHERE e.old -> k IS DISTINCT FROM e.new -> k) END
	FROM everything e
	WHERE e.old IS DISTINCT FROM e.new
	ORDER BY e.ord, e.code;
END
$$;
COMMENT ON FUNCTION thidua.diff(text, text) IS
	'items added, removed and changed from one criteria version to another, with the changed fields';
