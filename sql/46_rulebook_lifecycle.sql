-- thidua SQL source: the rulebook lifecycle and its guards.
-- Holds the triggers that freeze published rulebook versions against every
-- statement (TRUNCATE and COPY included; restores pass through _restoring),
-- keep the status history append-only and written by thidua alone, and refuse
-- a published version overlapping another of its rulebook; publish_rulebook(),
-- retire_rulebook(), clone_rulebook(), delete_rulebook_draft(), rulebook_diff(),
-- the view rulebook_versions and rulebook_in_force().
--
-- As for criteria (11_criteria_guards.sql), the guards are AFTER row triggers,
-- judging each row as stored after any BEFORE trigger.

-- Entries may change only while their version is a draft. The version row is
-- share-locked, so a publication waits for open edits and an edit waits for a
-- publication in progress (then sees it published). Read through
-- _local_relation, so that the guard also holds on a Citus placement.
CREATE FUNCTION thidua._guard_rulebook_entry() RETURNS trigger
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
				thidua._local_relation('thidua.rulebook_version'))
			INTO current_status USING version;
		IF current_status IS DISTINCT FROM 'draft' AND current_status IS NOT NULL THEN
			RAISE EXCEPTION 'rulebook version "%" is %: its entries cannot be changed', version, current_status
				USING ERRCODE = 'object_not_in_prerequisite_state',
					  HINT = 'Clone it into a new draft (thidua.clone_rulebook) and change that.';
		END IF;
	END LOOP;
	RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;
COMMENT ON FUNCTION thidua._guard_rulebook_entry() IS
	'trigger: the entries of a published or retired rulebook version cannot be inserted, updated or deleted (restores pass)';
CREATE TRIGGER rulebook_entry_draft_only AFTER INSERT OR UPDATE OR DELETE ON thidua.rulebook_entry
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_rulebook_entry();

-- Publishing: the version validated as exported, and no date overlap with
-- another published version of its rulebook (naming it). An open-ended version
-- (effective_to NULL) runs until a later published version takes effect, so a
-- later start never overlaps it; an explicit end reaching into another
-- version's dates does, and so does the same start. Only administrators
-- publish, and they see every version; the rulebook row is locked, so two
-- overlapping publications cannot pass together.
CREATE FUNCTION thidua._check_rulebook_publication(version text) RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	this thidua.rulebook_version;
	other thidua.rulebook_version;
BEGIN
	SELECT * INTO this FROM thidua.rulebook_version WHERE version_code OPERATOR(pg_catalog.=) version;
	PERFORM 1 FROM thidua.rulebook r WHERE r.rulebook_code OPERATOR(pg_catalog.=) this.rulebook_code FOR UPDATE;
	PERFORM thidua._validate_rulebook(thidua.export_rulebook(version));
	SELECT * INTO other FROM thidua.rulebook_version o
		WHERE o.rulebook_code OPERATOR(pg_catalog.=) this.rulebook_code
		  AND o.version_code OPERATOR(pg_catalog.<>) version
		  AND o.status OPERATOR(pg_catalog.=) 'published'
		  AND (o.effective_from OPERATOR(pg_catalog.=) this.effective_from
			   OR (o.effective_from OPERATOR(pg_catalog.<) this.effective_from
				   AND o.effective_to OPERATOR(pg_catalog.>=) this.effective_from)
			   OR (this.effective_from OPERATOR(pg_catalog.<) o.effective_from
				   AND this.effective_to OPERATOR(pg_catalog.>=) o.effective_from))
		ORDER BY o.effective_from LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION 'rulebook version "%" (% to %) overlaps published version "%" (% to %)',
			version, to_char(this.effective_from, 'YYYY-MM-DD'), coalesce(to_char(this.effective_to, 'YYYY-MM-DD'), 'open'),
			other.version_code, to_char(other.effective_from, 'YYYY-MM-DD'), coalesce(to_char(other.effective_to, 'YYYY-MM-DD'), 'open')
			USING ERRCODE = 'exclusion_violation',
				  DETAIL = CASE WHEN other.effective_from OPERATOR(pg_catalog.=) this.effective_from
					THEN 'Two published versions of one rulebook may not take effect on the same day.'
					ELSE 'An explicit end date may not reach into the dates of another published version of the rulebook (an open-ended one gives way to a later one).' END,
				  HINT = format('Change the draft''s effective dates, or retire "%s" first.', other.version_code);
	END IF;
END
$$;
COMMENT ON FUNCTION thidua._check_rulebook_publication(text) IS
	'at publish: validates the version as exported and refuses (exclusion_violation) a date overlap with another published version of its rulebook, naming it: the same effective_from, or an explicit effective_to reaching into the other''s dates (an open-ended version gives way to a later one)';

-- A version's move from one status to another: only draft -> published
-- (validated, no overlap) -> retired. Checked by the lifecycle functions before
-- they move a version (on Citus, on the coordinator) and again by the lifecycle
-- trigger; validate: the publication checks that read other rows, which a
-- trigger firing on a Citus placement cannot make (a nested distributed query).
CREATE FUNCTION thidua._check_rulebook_move(version text, from_status text, to_status text, validate boolean)
	RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	IF to_status OPERATOR(pg_catalog.=) from_status THEN
		RAISE EXCEPTION 'rulebook version "%" is already %', version, from_status
			USING ERRCODE = 'object_not_in_prerequisite_state';
	END IF;
	IF NOT ((from_status OPERATOR(pg_catalog.=) 'draft' AND to_status OPERATOR(pg_catalog.=) 'published')
			OR (from_status OPERATOR(pg_catalog.=) 'published' AND to_status OPERATOR(pg_catalog.=) 'retired')) THEN
		RAISE EXCEPTION 'rulebook version "%" cannot go from % to %', version, from_status, to_status
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'A version goes from draft to published to retired; published and retired versions never change.';
	END IF;
	IF to_status OPERATOR(pg_catalog.=) 'published' THEN
		-- validation must see every edit committed before the lock was granted
		IF current_setting('transaction_isolation') OPERATOR(pg_catalog.<>) 'read committed' THEN
			RAISE EXCEPTION 'rulebook version "%" can be published only at the READ COMMITTED isolation level', version
				USING ERRCODE = 'object_not_in_prerequisite_state',
					  HINT = 'Publish in a READ COMMITTED transaction (the default).';
		END IF;
		IF validate THEN
			PERFORM thidua._check_rulebook_publication(version);
		END IF;
	END IF;
END
$$;
COMMENT ON FUNCTION thidua._check_rulebook_move(text, text, text, boolean) IS
	'checks a rulebook version''s status change (draft -> published -> retired; at publish READ COMMITTED, and with validate the publication checks: validation, no date overlap); raises object_not_in_prerequisite_state, invalid_parameter_value or exclusion_violation';

-- A version's own row: drafts change freely; then only draft -> published
-- (validated, no overlap) -> retired; only drafts may be deleted.
-- On Citus it fires on each placement of the reference table and judges the
-- row alone: publish_rulebook has made the publication checks on the coordinator.
CREATE FUNCTION thidua._guard_rulebook_version() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		IF OLD.status <> 'draft' THEN
			RAISE EXCEPTION 'rulebook version "%" is % and cannot be deleted', OLD.version_code, OLD.status
				USING ERRCODE = 'object_not_in_prerequisite_state',
					  HINT = 'Published versions are kept forever; retire it instead.';
		END IF;
		RETURN OLD;
	END IF;
	IF TG_OP = 'INSERT' THEN
		IF NEW.status <> 'draft' AND NOT thidua._restoring(TG_TABLE_NAME) THEN
			RAISE EXCEPTION 'rulebook version "%" must be created as a draft', NEW.version_code
				USING ERRCODE = 'object_not_in_prerequisite_state';
		END IF;
		RETURN NEW;
	END IF;
	IF NEW.version_code <> OLD.version_code THEN
		RAISE EXCEPTION 'the code of rulebook version "%" cannot be changed', OLD.version_code
			USING ERRCODE = 'object_not_in_prerequisite_state';
	END IF;
	IF OLD.status = 'draft' AND NEW.status = 'draft' THEN
		RETURN NEW;
	END IF;
	IF (to_jsonb(NEW) - 'status') OPERATOR(pg_catalog.<>) (to_jsonb(OLD) - 'status') THEN
		RAISE EXCEPTION 'rulebook version "%" is %: only its status can change', OLD.version_code, OLD.status
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Clone it into a new draft (thidua.clone_rulebook) and change that.';
	END IF;
	PERFORM thidua._check_rulebook_move(NEW.version_code, OLD.status, NEW.status, NOT thidua._distributed());
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION thidua._guard_rulebook_version() IS
	'trigger: a rulebook version is created as a draft, goes draft -> published (validated) -> retired, never changes once published, and only drafts are deleted';
CREATE TRIGGER rulebook_version_lifecycle AFTER INSERT OR UPDATE OR DELETE ON thidua.rulebook_version
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_rulebook_version();

-- A rulebook's code and name are part of every version published in it.
CREATE FUNCTION thidua._guard_rulebook() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	published text;
BEGIN
	EXECUTE format('SELECT min(v.version_code) FILTER (WHERE v.status OPERATOR(pg_catalog.<>) ''draft'')
		FROM (SELECT x.version_code, x.status FROM %s x
			  WHERE x.rulebook_code OPERATOR(pg_catalog.=) $1 FOR SHARE) AS v', thidua._local_relation('thidua.rulebook_version'))
		INTO published USING OLD.rulebook_code;
	IF published IS NOT NULL AND (TG_OP = 'DELETE' OR NEW IS DISTINCT FROM OLD) THEN
		RAISE EXCEPTION 'rulebook "%" has published versions (such as "%"): it cannot be changed',
			OLD.rulebook_code, published
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'A published version shows its rulebook as it was.';
	END IF;
	RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;
COMMENT ON FUNCTION thidua._guard_rulebook() IS
	'trigger: a rulebook with published versions keeps its code and name';
CREATE TRIGGER rulebook_frozen_when_published AFTER UPDATE OR DELETE ON thidua.rulebook
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_rulebook();

-- No TRUNCATE of the rulebook tables while a version is published or retired.
CREATE FUNCTION thidua._guard_rulebook_truncate() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	IF EXISTS (SELECT 1 FROM thidua.rulebook_version WHERE status OPERATOR(pg_catalog.<>) 'draft') THEN
		RAISE EXCEPTION 'thidua.% cannot be truncated: it holds published records', TG_TABLE_NAME
			USING ERRCODE = 'object_not_in_prerequisite_state';
	END IF;
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION thidua._guard_rulebook_truncate() IS
	'trigger: no TRUNCATE of the rulebook tables while a version is published or retired';
CREATE TRIGGER rulebook_no_truncate BEFORE TRUNCATE ON thidua.rulebook
	FOR EACH STATEMENT EXECUTE FUNCTION thidua._guard_rulebook_truncate();
CREATE TRIGGER rulebook_version_no_truncate BEFORE TRUNCATE ON thidua.rulebook_version
	FOR EACH STATEMENT EXECUTE FUNCTION thidua._guard_rulebook_truncate();
CREATE TRIGGER rulebook_entry_no_truncate BEFORE TRUNCATE ON thidua.rulebook_entry
	FOR EACH STATEMENT EXECUTE FUNCTION thidua._guard_rulebook_truncate();
-- the history never
CREATE TRIGGER rulebook_version_event_no_truncate BEFORE TRUNCATE ON thidua.rulebook_version_event
	FOR EACH STATEMENT EXECUTE FUNCTION thidua._guard_truncate('always');
CREATE TRIGGER rulebook_version_event_append_only AFTER UPDATE OR DELETE ON thidua.rulebook_version_event
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_append_only();
CREATE TRIGGER rulebook_version_event_by_thidua AFTER INSERT ON thidua.rulebook_version_event
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_record_insert();

-- Records every status a version takes (the note from thidua.status_note);
-- the one writer of the history.
CREATE FUNCTION thidua._record_rulebook_event() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	IF TG_OP = 'INSERT' AND thidua._restoring(TG_TABLE_NAME) THEN
		RETURN NULL;	-- a restore brings the history along with the versions
	END IF;
	IF TG_OP = 'INSERT' OR NEW.status IS DISTINCT FROM OLD.status THEN
		INSERT INTO thidua.rulebook_version_event (version_code, from_status, to_status, note)
		VALUES (NEW.version_code, CASE WHEN TG_OP = 'UPDATE' THEN OLD.status END, NEW.status,
				nullif(current_setting('thidua.status_note', true), ''));
	END IF;
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION thidua._record_rulebook_event() IS
	'trigger (definer): records every status a rulebook version takes in rulebook_version_event, with thidua.status_note';
CREATE TRIGGER rulebook_version_history AFTER INSERT OR UPDATE ON thidua.rulebook_version
	FOR EACH ROW EXECUTE FUNCTION thidua._record_rulebook_event();

-- On Citus that trigger is gone (it would fire once per placement): the
-- functions that create a version or change its status record the event
-- themselves, exactly once, with the same note.
CREATE FUNCTION thidua._record_rulebook_event_on_citus(version text, from_status text, to_status text, note text)
	RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	IF thidua._distributed() THEN
		INSERT INTO thidua.rulebook_version_event (version_code, from_status, to_status, note)
		VALUES (version, from_status, to_status, nullif(note, ''));
	END IF;
END
$$;
COMMENT ON FUNCTION thidua._record_rulebook_event_on_citus(text, text, text, text) IS
	'on Citus (thidua._distributed()), records a rulebook version''s status change in rulebook_version_event, as the trigger does on one server; elsewhere nothing (the trigger records it)';

-- Looks a version up for a change, with a clear error when it does not exist.
CREATE FUNCTION thidua._lock_rulebook_version(version text) RETURNS thidua.rulebook_version
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	locked thidua.rulebook_version;
BEGIN
	IF version IS NULL THEN
		RAISE EXCEPTION 'rulebook version is required' USING ERRCODE = 'null_value_not_allowed';
	END IF;
	SELECT * INTO locked FROM thidua.rulebook_version
		WHERE version_code OPERATOR(pg_catalog.=) version FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'rulebook version "%" does not exist', version
			USING ERRCODE = 'no_data_found', HINT = 'thidua rulebook list shows the versions.';
	END IF;
	RETURN locked;
END
$$;
COMMENT ON FUNCTION thidua._lock_rulebook_version(text) IS
	'locks a rulebook version for a change; no_data_found when it does not exist, null_value_not_allowed for NULL';

-- Moves a version to a status, recording the note. The move is checked here
-- (on Citus the coordinator makes the check, and records the event) and again
-- by the lifecycle trigger.
CREATE FUNCTION thidua._set_rulebook_status(version text, status text, note text) RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	locked thidua.rulebook_version := thidua._lock_rulebook_version(version);
BEGIN
	PERFORM thidua._check_rulebook_move(version, locked.status, _set_rulebook_status.status, true);
	PERFORM set_config('thidua.status_note', coalesce(note, ''), true);
	UPDATE thidua.rulebook_version SET status = _set_rulebook_status.status
		WHERE version_code OPERATOR(pg_catalog.=) version;
	PERFORM thidua._record_rulebook_event_on_citus(version, locked.status, _set_rulebook_status.status, note);
	PERFORM set_config('thidua.status_note', '', true);
END
$$;
COMMENT ON FUNCTION thidua._set_rulebook_status(text, text, text) IS
	'moves a rulebook version to a status (checked here, on Citus on the coordinator, and again by the triggers), recording the note';

-- The lifecycle functions run with the owner's rights: on Citus no role holds a
-- direct write on the rulebook tables (EXECUTE: administrators, 90_roles.sql).
CREATE FUNCTION thidua.publish_rulebook(version text, note text DEFAULT NULL) RETURNS void
	LANGUAGE sql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$ SELECT thidua._set_rulebook_status(version, 'published', note) $$;
COMMENT ON FUNCTION thidua.publish_rulebook(text, text) IS
	'publish_rulebook(version text, note text DEFAULT NULL): validates a draft rulebook version again and publishes it; from then on it never changes. Refuses (exclusion_violation) a date overlap with another published version of the same rulebook, naming it; invalid_parameter_value for a validation error; the note is recorded in rulebook_version_event';

CREATE FUNCTION thidua.retire_rulebook(version text, note text DEFAULT NULL) RETURNS void
	LANGUAGE sql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$ SELECT thidua._set_rulebook_status(version, 'retired', note) $$;
COMMENT ON FUNCTION thidua.retire_rulebook(text, text) IS
	'retire_rulebook(version text, note text DEFAULT NULL): retires a published rulebook version: it stays readable but is never in force again (its dates are free for another version); the note is recorded';

CREATE FUNCTION thidua.clone_rulebook(version text, new_edition text DEFAULT NULL) RETURNS text
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	source thidua.rulebook_version := thidua._lock_rulebook_version(version);
	target text;
BEGIN
	IF new_edition IS NULL THEN
		IF source.edition !~ '^[0-9]{4}$' THEN
			RAISE EXCEPTION 'name the new edition of rulebook version "%"', version
				USING ERRCODE = 'invalid_parameter_value',
					  HINT = 'Only a year edition has an obvious successor (2024 -> 2025).';
		END IF;
		new_edition := (source.edition::integer + 1)::text;
	END IF;
	IF new_edition !~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$' THEN
		RAISE EXCEPTION 'edition "%" must be 1 to 63 letters, digits, ".", "_" or "-", starting with a letter or digit', new_edition
			USING ERRCODE = 'invalid_parameter_value', HINT = 'For example 2026 or 2025-09.';
	END IF;
	target := source.rulebook_code || '/' || new_edition;
	IF EXISTS (SELECT 1 FROM thidua.rulebook_version WHERE version_code OPERATOR(pg_catalog.=) target) THEN
		RAISE EXCEPTION 'rulebook version "%" already exists', target
			USING ERRCODE = 'unique_violation', HINT = 'Choose another edition.';
	END IF;
	INSERT INTO thidua.rulebook_version (version_code, rulebook_code, edition, title, effective_from, effective_to,
			general, cloned_from)
		VALUES (target, source.rulebook_code, new_edition, source.title, source.effective_from, source.effective_to,
			source.general, version);
	PERFORM thidua._record_rulebook_event_on_citus(target, NULL, 'draft', current_setting('thidua.status_note', true));
	INSERT INTO thidua.rulebook_entry (version_code, award_code, position, rule, quota, council, disclosure,
			nomination, note)
		SELECT target, award_code, position, rule, quota, council, disclosure, nomination, note
		FROM thidua.rulebook_entry WHERE version_code OPERATOR(pg_catalog.=) version;
	RETURN target;
END
$$;
COMMENT ON FUNCTION thidua.clone_rulebook(text, text) IS
	'clone_rulebook(version text, new_edition text DEFAULT NULL) -> text: copies a rulebook version (any status) into a new draft with the same dates, rules and sources; by default the next year''s edition (a non-year edition must be named); returns the new code. unique_violation when it exists; no_data_found for an unknown version; invalid_parameter_value for an edition that is not 1 to 63 letters, digits, ".", "_" or "-"';

CREATE FUNCTION thidua.delete_rulebook_draft(version text) RETURNS void
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	locked thidua.rulebook_version := thidua._lock_rulebook_version(version);
BEGIN
	-- said before a clone's reference to it would refuse the deletion less clearly
	IF locked.status <> 'draft' THEN
		RAISE EXCEPTION 'rulebook version "%" is % and cannot be deleted', version, locked.status
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Published versions are kept forever; retire it instead.';
	END IF;
	DELETE FROM thidua.rulebook_version WHERE version_code OPERATOR(pg_catalog.=) version;
END
$$;
COMMENT ON FUNCTION thidua.delete_rulebook_draft(text) IS
	'delete_rulebook_draft(version text): deletes a draft rulebook version and its entries; published and retired versions are kept forever (object_not_in_prerequisite_state); no_data_found for an unknown version';

-- The versions with their dates, status and size, for listings; a published
-- version's real range in force: an open-ended one ends the day before the
-- next published version of its rulebook takes effect.
CREATE VIEW thidua.rulebook_versions AS
	SELECT v.version_code, v.rulebook_code, v.edition, v.title, v.status, v.effective_from, v.effective_to,
		(SELECT count(*) FROM thidua.rulebook_entry e
		 WHERE e.version_code OPERATOR(pg_catalog.=) v.version_code) AS awards,
		(SELECT max(e.changed_at) FROM thidua.rulebook_version_event e
		 WHERE e.version_code OPERATOR(pg_catalog.=) v.version_code) AS status_since,
		v.cloned_from,
		CASE WHEN v.status OPERATOR(pg_catalog.=) 'published'
			THEN coalesce(v.effective_to, next.effective_from OPERATOR(pg_catalog.-) 1) END AS in_force_to,
		CASE WHEN v.status OPERATOR(pg_catalog.=) 'published' AND v.effective_to IS NULL THEN next.version_code END
			AS succeeded_by,
		CASE v.status
			WHEN 'published' THEN to_char(v.effective_from, 'YYYY-MM-DD') || ' to '
				|| coalesce(to_char(coalesce(v.effective_to, next.effective_from OPERATOR(pg_catalog.-) 1), 'YYYY-MM-DD'), 'open')
				|| CASE WHEN v.effective_to IS NULL AND next.version_code IS NOT NULL
					THEN ' (then ' || next.version_code || ')' ELSE '' END
			WHEN 'draft' THEN 'effective ' || to_char(v.effective_from, 'YYYY-MM-DD') || ' to '
				|| coalesce(to_char(v.effective_to, 'YYYY-MM-DD'), 'open')
			ELSE 'never (retired)' END AS in_force
	FROM thidua.rulebook_version v
	LEFT JOIN LATERAL (
		SELECT n.version_code, n.effective_from FROM thidua.rulebook_version n
		WHERE n.rulebook_code OPERATOR(pg_catalog.=) v.rulebook_code
		  AND n.status OPERATOR(pg_catalog.=) 'published'
		  AND n.effective_from OPERATOR(pg_catalog.>) v.effective_from
		ORDER BY n.effective_from LIMIT 1) AS next ON true;
COMMENT ON VIEW thidua.rulebook_versions IS
	'rulebook versions with their dates, status, number of award entries, the time of the last status change, and for a published version its real range in force (in_force_to; succeeded_by: the later version an open-ended one gives way to; in_force in words, "effective ..." for a draft); drafts only for administrators';

-- The scalar leaves of a JSON value with their paths (rule.all_of[1].any_of[0].rating)
-- and their place in document order (array items in order; an object's keys in
-- the order the rulebook format writes them, source last), so that a diff
-- names the node that changed rather than the whole rule, in a stable order.
CREATE FUNCTION thidua._json_leaves(doc jsonb, prefix text) RETURNS TABLE (path text, value jsonb, place integer[])
	LANGUAGE plpgsql IMMUTABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	key_order constant text[] := ARRAY['rulebook', 'code', 'name', 'item', 'title', 'kind', 'all_of', 'any_of', 'award',
		'rating', 'years', 'times', 'every_years', 'within_years', 'count', 'scope', 'window_years', 'posts',
		'in_sector', 'men', 'women', 'severity', 'proceedings', 'label', 'rule', 'quota', 'base_award', 'share',
		'rounding', 'minimum', 'per', 'council', 'ballot', 'threshold', 'comparison', 'secret', 'base',
		'recuse_proposing_unit', 'disclosure', 'working_days', 'nomination', 'dossier', 'override', 'kinds',
		'value', 'document', 'article', 'clause', 'point', 'effective_from', 'effective_to',
		'general', 'verified', 'status', 'note', 'source'];
BEGIN
	IF jsonb_typeof(doc) = 'object' AND doc OPERATOR(pg_catalog.<>) '{}' THEN
		RETURN QUERY SELECT l.path, l.value, e.n || l.place
			FROM (SELECT j.key, j.value, (row_number() OVER (ORDER BY coalesce(array_position(key_order, j.key), 1000), j.key))::integer AS n
				  FROM jsonb_each(doc) AS j) AS e,
			thidua._json_leaves(e.value, concat_ws('.', nullif(prefix, ''), e.key)) AS l;
	ELSIF jsonb_typeof(doc) = 'array' AND doc OPERATOR(pg_catalog.<>) '[]' THEN
		RETURN QUERY SELECT l.path, l.value, e.n::integer || l.place
			FROM jsonb_array_elements(doc) WITH ORDINALITY AS e(v, n),
			thidua._json_leaves(e.v, format('%s[%s]', prefix, e.n - 1)) AS l;
	ELSE
		RETURN QUERY SELECT prefix, doc, '{}'::integer[];
	END IF;
END
$$;
COMMENT ON FUNCTION thidua._json_leaves(jsonb, text) IS
	'the scalar leaves of a JSON value with their paths (rule.all_of[1].any_of[0].rating) and their place in document order (source last), for diffs';

-- What changed from version a to version b: awards added, removed or changed
-- (each changed leaf by its path, in document order; a value null on one side
-- and absent on the other has not changed), and the version's own settings as
-- the award "(version)".
CREATE FUNCTION thidua.rulebook_diff(a text, b text, OUT award text, OUT change text, OUT fields jsonb, OUT paths text[])
	RETURNS SETOF record
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	doc_a jsonb := thidua.export_rulebook(a);
	doc_b jsonb := thidua.export_rulebook(b);
BEGIN
	RETURN QUERY
	WITH settings AS (
		SELECT '(version)' AS code, doc_a - ARRAY['awards', 'edition', 'format'] AS old,
			doc_b - ARRAY['awards', 'edition', 'format'] AS new, 0::bigint AS ord
	), entries AS (
		SELECT coalesce(ea ->> 'award', eb ->> 'award') AS code, ea - 'award' AS old, eb - 'award' AS new,
			coalesce(nb, na) AS ord
		FROM (SELECT e AS ea, n AS na FROM jsonb_array_elements(doc_a -> 'awards') WITH ORDINALITY AS x(e, n)) l
		FULL JOIN (SELECT e AS eb, n AS nb FROM jsonb_array_elements(doc_b -> 'awards') WITH ORDINALITY AS y(e, n)) r
			ON (ea ->> 'award') OPERATOR(pg_catalog.=) (eb ->> 'award')
	), everything AS (
		SELECT * FROM settings UNION ALL SELECT * FROM entries
	), compared AS (
		SELECT e.code, e.ord,
			CASE WHEN e.old IS NULL THEN 'added' WHEN e.new IS NULL THEN 'removed' ELSE 'changed' END AS change,
			CASE WHEN e.old IS NULL OR e.new IS NULL THEN coalesce(e.new, e.old) ELSE d.fields END AS fields,
			d.paths
		FROM everything e
		LEFT JOIN LATERAL (
			SELECT jsonb_object_agg(coalesce(o.path, n.path), jsonb_build_object('from', o.value, 'to', n.value)) AS fields,
				array_agg(coalesce(o.path, n.path) ORDER BY coalesce(n.place, o.place), coalesce(o.path, n.path)) AS paths
			FROM thidua._json_leaves(e.old, '') AS o
			FULL JOIN thidua._json_leaves(e.new, '') AS n ON o.path OPERATOR(pg_catalog.=) n.path
			WHERE coalesce(o.value, 'null') IS DISTINCT FROM coalesce(n.value, 'null')) AS d
			ON e.old IS NOT NULL AND e.new IS NOT NULL
		WHERE e.old IS DISTINCT FROM e.new
	)
	SELECT c.code, c.change, c.fields, c.paths
	FROM compared c
	WHERE c.fields IS NOT NULL
	ORDER BY c.ord, c.code;
END
$$;
COMMENT ON FUNCTION thidua.rulebook_diff(text, text) IS
	'rulebook_diff(a text, b text) -> (award text, change text, fields jsonb, paths text[]): award entries added, removed and changed from rulebook version a to b (fields: each changed value by its path, e.g. "rule.all_of[1].any_of[0].rating" or "council.threshold", as {"from", "to"}; paths: those paths in document order, source last; the whole entry in fields, paths NULL, when added or removed; a value null on one side and absent on the other is no change), and the version''s own settings (title, dates, general rules, rulebook) as the award "(version)". no_data_found for an unknown version';

-- The published version in force for an award on a date: of each rulebook,
-- the published version whose dates contain it and that took effect last (an
-- open-ended version gives way to a later one), if it has an entry for the award.
CREATE FUNCTION thidua.rulebook_in_force(award text, on_date date, rulebook text DEFAULT NULL) RETURNS text
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	found text[];
BEGIN
	IF award IS NULL OR on_date IS NULL THEN
		RAISE EXCEPTION 'award and on_date are required' USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF NOT EXISTS (SELECT 1 FROM thidua.award a WHERE a.award_code OPERATOR(pg_catalog.=) rulebook_in_force.award) THEN
		RAISE EXCEPTION 'award "%" does not exist', award
			USING ERRCODE = 'no_data_found', HINT = 'thidua.award lists the awards.';
	END IF;
	SELECT array_agg(latest.version_code ORDER BY latest.version_code) INTO found
	FROM (SELECT DISTINCT ON (v.rulebook_code) v.version_code
		  FROM thidua.rulebook_version v
		  WHERE v.status OPERATOR(pg_catalog.=) 'published'
			AND v.effective_from OPERATOR(pg_catalog.<=) on_date
			AND (v.effective_to IS NULL OR v.effective_to OPERATOR(pg_catalog.>=) on_date)
			AND (rulebook IS NULL OR v.rulebook_code OPERATOR(pg_catalog.=) rulebook
				 OR v.version_code OPERATOR(pg_catalog.=) rulebook)
		  ORDER BY v.rulebook_code, v.effective_from DESC) AS latest
	WHERE EXISTS (SELECT 1 FROM thidua.rulebook_entry e WHERE e.version_code OPERATOR(pg_catalog.=) latest.version_code
				  AND e.award_code OPERATOR(pg_catalog.=) rulebook_in_force.award);
	IF cardinality(found) > 1 THEN
		RAISE EXCEPTION 'several rulebooks are in force for award "%" on %: %', award, to_char(on_date, 'YYYY-MM-DD'),
			array_to_string(found, ', ')
			USING ERRCODE = 'ambiguous_parameter', HINT = 'Name the rulebook (or the version) to apply.';
	END IF;
	RETURN found[1];
END
$$;
COMMENT ON FUNCTION thidua.rulebook_in_force(text, date, text) IS
	'rulebook_in_force(award text, on_date date, rulebook text DEFAULT NULL) -> text: the code of the published version in force on on_date that has an entry for the award: of each rulebook, among the published versions whose [effective_from, effective_to] contains on_date (effective_to NULL: open-ended), the one with the latest effective_from; NULL when none. rulebook (a rulebook code, or a version code) narrows the choice; when several rulebooks qualify, ambiguous_parameter asks for one. no_data_found for an unknown award; null_value_not_allowed for a NULL award or date';
