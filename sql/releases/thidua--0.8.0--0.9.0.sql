-- thidua 0.9.0: scale-out on Citus (thidua.distribute()); every key of the scoring data leads with the bloc.
\echo Use "ALTER EXTENSION thidua UPDATE TO '0.9.0'" to load this file. \quit

SELECT thidua._require_library('0.9.0');

------------------------------------------------------------------------------
-- The bloc leads every key of the scoring data (32_evaluations.sql), so that
-- Citus can co-locate a bloc's evaluations and observations.
------------------------------------------------------------------------------
ALTER TABLE thidua.observation DROP CONSTRAINT observation_evaluation_id_fkey;
ALTER TABLE thidua.observation DROP CONSTRAINT observation_pkey;
ALTER TABLE thidua.evaluation DROP CONSTRAINT evaluation_pkey;
ALTER TABLE thidua.evaluation ADD PRIMARY KEY (bloc_code, evaluation_id);
ALTER TABLE thidua.observation ADD COLUMN bloc_code text;
-- (the guards would refuse the rows of closed periods; the values do not change)
ALTER TABLE thidua.observation DISABLE TRIGGER USER;
UPDATE thidua.observation o SET bloc_code = e.bloc_code
	FROM thidua.evaluation e WHERE e.evaluation_id = o.evaluation_id;
ALTER TABLE thidua.observation ENABLE TRIGGER USER;
ALTER TABLE thidua.observation ALTER COLUMN bloc_code SET NOT NULL;
ALTER TABLE thidua.observation ADD PRIMARY KEY (bloc_code, evaluation_id, criterion_code);
ALTER TABLE thidua.observation ADD FOREIGN KEY (bloc_code, evaluation_id) REFERENCES thidua.evaluation ON DELETE CASCADE;

------------------------------------------------------------------------------
-- Scores gathered per evaluation (40_standings.sql); functions removed or
-- whose result changed shape
------------------------------------------------------------------------------
CREATE TYPE thidua._evaluation_score AS (evaluation_id bigint, unit_code text, stage text, judge_code text,
	judge_left boolean, total numeric, tie_keys numeric[]);
DROP FUNCTION thidua._pact_target(text, text, text, text);
DROP FUNCTION thidua._judge_had_left(bigint);
DROP FUNCTION thidua._bloc_points(text, text);

------------------------------------------------------------------------------
-- Functions new or changed in 0.9.0, at their final text
------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION thidua._table_of_placement(table_name name) RETURNS text
	LANGUAGE sql IMMUTABLE STRICT
	SET search_path = pg_catalog, pg_temp
	AS $$ SELECT pg_catalog.regexp_replace(table_name::text, '_[0-9]+$', '') $$;

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

CREATE OR REPLACE FUNCTION thidua._check_version_move(version text, set_code text, edition text,
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
	PERFORM thidua._check_version_move(NEW.version_code, NEW.set_code, NEW.edition, OLD.status, NEW.status,
		NOT thidua._distributed());
	RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION thidua._guard_criteria_set() RETURNS trigger
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

CREATE OR REPLACE FUNCTION thidua._record_version_event_on_citus(version text, from_status text, to_status text, note text)
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

CREATE OR REPLACE FUNCTION thidua.import_criteria(document jsonb, replace_draft boolean DEFAULT false)
	RETURNS text
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	doc jsonb;
	version text;
	existing text;
	tie_keys text[];
BEGIN
	-- Unicode text is stored in NFC, so that equal-looking names compare equal;
	-- a field whose value is null counts as absent.
	doc := jsonb_strip_nulls(thidua._nfc(document::text)::jsonb);
	PERFORM thidua._validate_criteria(doc);
	version := (doc #>> '{set,code}') || '/' || (doc ->> 'edition');
	tie_keys := ARRAY(SELECT jsonb_array_elements_text(coalesce(doc -> 'tie_break', '[]')));

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
			allow_over_completion, veto_max_class, veto_reason, tie_break, result_rounding, not_applicable)
		SELECT version, doc #>> '{set,code}', doc ->> 'edition', doc ->> 'title',
			coalesce((doc ->> 'rounding_scale')::smallint, 2),
			coalesce((doc ->> 'allow_over_completion')::boolean, false),
			doc #>> '{veto,max_class}', nullif(doc #>> '{veto,reason}', ''),
			CASE WHEN jsonb_array_length(coalesce(doc -> 'tie_break', '[]')) = 0 THEN '{total}'
				 ELSE tie_keys END,
			coalesce(doc ->> 'result_rounding', 'exact'),
			doc ->> 'not_applicable';
	PERFORM thidua._record_version_event_on_citus(version, NULL, 'draft', current_setting('thidua.status_note', true));
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

CREATE OR REPLACE FUNCTION thidua._set_status(version text, status text, note text) RETURNS void
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

CREATE OR REPLACE FUNCTION thidua.publish_version(version text, note text DEFAULT NULL) RETURNS void
	LANGUAGE sql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$ SELECT thidua._set_status(version, 'published', note) $$;

COMMENT ON FUNCTION thidua.publish_version(text, text) IS
	'publish_version(version text, note text DEFAULT NULL): validates a draft and publishes it; from then on it never changes. no_data_found for an unknown version; object_not_in_prerequisite_state when it is not a draft; invalid_parameter_value for a validation error; the note is recorded in criteria_version_event';

CREATE OR REPLACE FUNCTION thidua.retire_version(version text, note text DEFAULT NULL) RETURNS void
	LANGUAGE sql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$ SELECT thidua._set_status(version, 'retired', note) $$;

COMMENT ON FUNCTION thidua.retire_version(text, text) IS
	'retire_version(version text, note text DEFAULT NULL): retires a published version (it stays readable); object_not_in_prerequisite_state when it is not published; the note is recorded';

CREATE OR REPLACE FUNCTION thidua.clone_version(version text, new_edition text DEFAULT NULL) RETURNS text
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

CREATE OR REPLACE FUNCTION thidua.delete_draft(version text) RETURNS void
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

CREATE OR REPLACE FUNCTION thidua._fill_observation_bloc() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	IF NEW.bloc_code IS NULL THEN
		SELECT e.bloc_code INTO NEW.bloc_code FROM thidua.evaluation e
		WHERE e.evaluation_id OPERATOR(pg_catalog.=) NEW.evaluation_id;
	END IF;
	RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION thidua._check_observations() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	statuses text[];
	closed text;
	marked record;
BEGIN
	-- aggregated above the lock, so that every touched period is locked, open ones too
	SELECT array_agg(touched.status), min(touched.period_code) FILTER (WHERE touched.status = 'closed')
		INTO statuses, closed FROM (
		SELECT p.period_code, p.status FROM thidua.period p
		WHERE p.period_code IN (
			SELECT e.period_code FROM new_observations n
			JOIN thidua.evaluation e ON e.bloc_code OPERATOR(pg_catalog.=) n.bloc_code
				AND e.evaluation_id OPERATOR(pg_catalog.=) n.evaluation_id)
		FOR SHARE) AS touched;
	IF NOT (TG_OP = 'INSERT' AND thidua._restoring(TG_TABLE_NAME)) AND 'closed' OPERATOR(pg_catalog.=) ANY (statuses) THEN
		RAISE EXCEPTION 'period "%" is closed: observations cannot change', closed
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'A closed period is history; thidua.reopen_period(period, reason) reopens it, on the record.';
	END IF;
	-- rule shapes: a criterion marked not applicable to the unit is not observed
	SELECT n.criterion_code, e.unit_code INTO marked FROM new_observations n
	JOIN thidua.evaluation e ON e.bloc_code OPERATOR(pg_catalog.=) n.bloc_code
		AND e.evaluation_id OPERATOR(pg_catalog.=) n.evaluation_id
	JOIN thidua.not_applicable_marking na ON na.bloc_code OPERATOR(pg_catalog.=) e.bloc_code
		AND na.period_code OPERATOR(pg_catalog.=) e.period_code AND na.unit_code OPERATOR(pg_catalog.=) e.unit_code
		AND na.criterion_code OPERATOR(pg_catalog.=) n.criterion_code
	LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION 'criterion "%" is marked not applicable to unit "%": it is not observed',
			marked.criterion_code, marked.unit_code
			USING ERRCODE = 'check_violation',
				  HINT = 'thidua.not_applicable_marking holds the marking and its reason.';
	END IF;
	-- thidua.points raises for an unknown criterion or a value its rule refuses
	PERFORM thidua.points(bp.criteria_version, n.criterion_code, n.observed)
	FROM new_observations n
	JOIN thidua.evaluation e ON e.bloc_code OPERATOR(pg_catalog.=) n.bloc_code
		AND e.evaluation_id OPERATOR(pg_catalog.=) n.evaluation_id
	JOIN thidua.bloc_period bp ON bp.bloc_code OPERATOR(pg_catalog.=) e.bloc_code
		AND bp.period_code OPERATOR(pg_catalog.=) e.period_code;
	RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION thidua._check_not_applicable() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	bad record;
BEGIN
	IF TG_OP = 'INSERT' AND thidua._restoring(TG_TABLE_NAME) THEN
		RETURN NULL;
	END IF;
	SELECT n.bloc_code, n.period_code, n.unit_code, n.criterion_code, bp.criteria_version, v.not_applicable,
		i.kind INTO bad
	FROM new_markings n
	JOIN thidua.bloc_period bp ON bp.bloc_code OPERATOR(pg_catalog.=) n.bloc_code
		AND bp.period_code OPERATOR(pg_catalog.=) n.period_code
	JOIN thidua.criteria_version v ON v.version_code OPERATOR(pg_catalog.=) bp.criteria_version
	LEFT JOIN thidua.criteria_item i ON i.version_code OPERATOR(pg_catalog.=) bp.criteria_version
		AND i.code OPERATOR(pg_catalog.=) n.criterion_code
	WHERE v.not_applicable IS NULL OR i.kind IS DISTINCT FROM 'criterion'
	LIMIT 1;
	IF FOUND AND bad.kind IS DISTINCT FROM 'criterion' THEN
		RAISE EXCEPTION 'criterion "%" does not exist in criteria version "%" (bloc "%", period "%")',
			bad.criterion_code, bad.criteria_version, bad.bloc_code, bad.period_code
			USING ERRCODE = 'foreign_key_violation';
	ELSIF FOUND THEN
		RAISE EXCEPTION 'criteria version "%" does not say what a criterion not applicable to a unit counts for',
			bad.criteria_version
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'A version states it in its setting not_applicable (exclude_and_rescale, full_points or zero).';
	END IF;
	SELECT n.unit_code, n.criterion_code, e.judge_code INTO bad
	FROM new_markings n
	JOIN thidua.evaluation e ON e.bloc_code OPERATOR(pg_catalog.=) n.bloc_code
		AND e.period_code OPERATOR(pg_catalog.=) n.period_code AND e.unit_code OPERATOR(pg_catalog.=) n.unit_code
	JOIN thidua.observation o ON o.bloc_code OPERATOR(pg_catalog.=) e.bloc_code
		AND o.evaluation_id OPERATOR(pg_catalog.=) e.evaluation_id
		AND o.criterion_code OPERATOR(pg_catalog.=) n.criterion_code
	LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION 'criterion "%" of unit "%" is observed (by "%"): it cannot be marked not applicable',
			bad.criterion_code, bad.unit_code, bad.judge_code
			USING ERRCODE = 'unique_violation',
				  HINT = 'Delete the observations of the criterion first.';
	END IF;
	RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION thidua._refuse_closed_period(period text, what text) RETURNS void
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

CREATE OR REPLACE FUNCTION thidua._guard_closed_observation() RETURNS trigger
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

CREATE OR REPLACE FUNCTION thidua.close_period(period text, note text DEFAULT NULL) RETURNS void
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
	IF thidua._distributed() THEN
		-- on Citus the lifecycle trigger is gone: the closing is recorded here
		INSERT INTO thidua.period_event (period_code, from_status, to_status, reason)
			VALUES (period, 'open', 'closed', nullif(btrim(note), ''));
	END IF;
	PERFORM set_config('thidua.status_note', '', true);
END
$$;

CREATE OR REPLACE FUNCTION thidua.reopen_period(period text, reason text DEFAULT NULL) RETURNS void
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
	IF thidua._distributed() THEN
		-- on Citus the lifecycle trigger is gone: the reopening is recorded here
		INSERT INTO thidua.period_event (period_code, from_status, to_status, reason)
			VALUES (period, 'closed', 'open', nullif(btrim(reason), ''));
	END IF;
	PERFORM set_config('thidua.status_note', '', true);
END
$$;

CREATE OR REPLACE FUNCTION thidua._refuse_draft_version(bloc text, period text, criteria_version text) RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	IF (SELECT v.status FROM thidua.criteria_version v
		WHERE v.version_code OPERATOR(pg_catalog.=) criteria_version) OPERATOR(pg_catalog.=) 'draft' THEN
		RAISE EXCEPTION 'criteria version "%" is a draft: bloc "%" cannot score with it in period "%"',
			criteria_version, bloc, period
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Publish the version first (thidua.publish_version).';
	END IF;
END
$$;

CREATE OR REPLACE FUNCTION thidua.set_bloc_settings(bloc text, period text, criteria_version text DEFAULT NULL,
										 peer_method text DEFAULT NULL, peer_trim integer DEFAULT NULL,
										 quorum integer DEFAULT NULL, result_rounding text DEFAULT NULL)
	RETURNS text
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	existing thidua.bloc_period;
	wanted thidua.bloc_period;
	scored bigint;
BEGIN
	IF NOT EXISTS (SELECT 1 FROM thidua.bloc b WHERE b.bloc_code OPERATOR(pg_catalog.=) bloc) THEN
		RAISE EXCEPTION 'bloc "%" does not exist', bloc
			USING ERRCODE = 'no_data_found', HINT = 'Create it first: thidua.create_bloc (thidua bloc create).';
	ELSIF NOT EXISTS (SELECT 1 FROM thidua.period p WHERE p.period_code OPERATOR(pg_catalog.=) period) THEN
		RAISE EXCEPTION 'period "%" does not exist', period
			USING ERRCODE = 'no_data_found', HINT = 'Open it first: thidua.open_period (thidua period open).';
	ELSIF criteria_version IS NOT NULL AND NOT EXISTS (SELECT 1 FROM thidua.criteria_version v
													 WHERE v.version_code OPERATOR(pg_catalog.=) criteria_version) THEN
		RAISE EXCEPTION 'criteria version "%" does not exist', criteria_version
			USING ERRCODE = 'no_data_found', HINT = 'The versions are listed by thidua criteria list.';
	ELSIF peer_method NOT IN ('mean', 'trimmed_mean', 'schulze') THEN
		RAISE EXCEPTION 'peer method "%" is not mean, trimmed_mean or schulze', peer_method
			USING ERRCODE = 'invalid_parameter_value';
	ELSIF peer_trim OPERATOR(pg_catalog.<) 0 OR peer_trim OPERATOR(pg_catalog.>) 100000 THEN
		RAISE EXCEPTION 'the trim of bloc "%" must be from 0 to 100000, not %', bloc, peer_trim
			USING ERRCODE = 'invalid_parameter_value';
	ELSIF quorum OPERATOR(pg_catalog.<) 0 OR quorum OPERATOR(pg_catalog.>) 100000 THEN
		RAISE EXCEPTION 'the quorum of bloc "%" must be from 0 to 100000, not %', bloc, quorum
			USING ERRCODE = 'invalid_parameter_value';
	ELSIF result_rounding OPERATOR(pg_catalog.!~) '^(exact|[0-9]|default)$' THEN
		RAISE EXCEPTION 'result rounding "%" is not exact, a number of decimals 0-9, or default', result_rounding
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'default takes the criteria version''s own setting.';
	END IF;
	SELECT * INTO existing FROM thidua.bloc_period bp
		WHERE bp.bloc_code OPERATOR(pg_catalog.=) bloc AND bp.period_code OPERATOR(pg_catalog.=) period FOR UPDATE;
	IF NOT FOUND THEN
		IF criteria_version IS NULL THEN
			RAISE EXCEPTION 'bloc "%" has no settings for period "%" yet: they start with its criteria version', bloc, period
				USING ERRCODE = 'not_null_violation', HINT = 'Give the criteria version (thidua bloc settings --criteria VERSION).';
		END IF;
		PERFORM thidua._refuse_closed_period(period, 'bloc periods');
		PERFORM thidua._refuse_draft_version(bloc, period, criteria_version);
		INSERT INTO thidua.bloc_period (bloc_code, period_code, criteria_version, peer_method, peer_trim, quorum, result_rounding)
			VALUES (bloc, period, criteria_version, coalesce(peer_method, 'trimmed_mean'), coalesce(peer_trim, 1),
					coalesce(quorum, 1), nullif(result_rounding, 'default'));
		RETURN 'created';
	END IF;
	wanted := existing;
	wanted.criteria_version := coalesce(criteria_version, existing.criteria_version);
	wanted.peer_method := coalesce(peer_method, existing.peer_method);
	wanted.peer_trim := coalesce(peer_trim, existing.peer_trim);
	wanted.quorum := coalesce(quorum, existing.quorum);
	wanted.result_rounding := CASE WHEN result_rounding IS NULL THEN existing.result_rounding
								   ELSE nullif(result_rounding, 'default') END;
	IF wanted IS NOT DISTINCT FROM existing THEN
		RETURN 'unchanged';
	END IF;
	IF wanted.criteria_version OPERATOR(pg_catalog.<>) existing.criteria_version THEN
		-- observations were checked against the version they were scored under
		SELECT count(*) INTO scored FROM thidua.evaluation e
			WHERE e.bloc_code OPERATOR(pg_catalog.=) bloc AND e.period_code OPERATOR(pg_catalog.=) period;
		IF scored OPERATOR(pg_catalog.>) 0 THEN
			RAISE EXCEPTION 'bloc "%" has % evaluations in period "%" scored under criteria version "%"',
				bloc, scored, period, existing.criteria_version
				USING ERRCODE = 'object_not_in_prerequisite_state',
					  HINT = 'The criteria version of a bloc changes only before its first scores.';
		END IF;
	END IF;
	PERFORM thidua._refuse_closed_period(period, 'bloc periods');
	PERFORM thidua._refuse_draft_version(bloc, period, wanted.criteria_version);
	UPDATE thidua.bloc_period bp SET criteria_version = wanted.criteria_version, peer_method = wanted.peer_method,
		peer_trim = wanted.peer_trim, quorum = wanted.quorum, result_rounding = wanted.result_rounding
		WHERE bp.bloc_code OPERATOR(pg_catalog.=) bloc AND bp.period_code OPERATOR(pg_catalog.=) period;
	RETURN 'changed';
END
$$;

CREATE OR REPLACE FUNCTION thidua.import_bloc_members(bloc text, period text, content text, source text DEFAULT 'input',
										   OUT added integer, OUT changed integer, OUT unchanged integer, OUT kept integer)
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	rec record;
	lines integer[] := '{}';
	units text[] := '{}';
	roles text[] := '{}';
	role text;
	seen integer;
	head_line integer;
	other_head text;
BEGIN
	source := coalesce(source, 'input');
	IF NOT EXISTS (SELECT 1 FROM thidua.bloc_period bp WHERE bp.bloc_code OPERATOR(pg_catalog.=) bloc
				   AND bp.period_code OPERATOR(pg_catalog.=) period) THEN
		RAISE EXCEPTION 'bloc "%" has no settings for period "%"', bloc, period
			USING ERRCODE = 'no_data_found',
				  HINT = 'Set them first: thidua.set_bloc_settings (thidua bloc settings --criteria VERSION).';
	END IF;
	FOR rec IN SELECT * FROM thidua._csv_rows(content, source, '{unit,role}', '{unit}') LOOP
		IF NOT EXISTS (SELECT 1 FROM thidua.unit u WHERE u.unit_code OPERATOR(pg_catalog.=) rec.cells[1]) THEN
			RAISE EXCEPTION '%:%: column "unit": unit "%" does not exist', source, rec.line, rec.cells[1]
				USING ERRCODE = 'foreign_key_violation', HINT = 'Import the units first (thidua units import).';
		END IF;
		seen := array_position(units, rec.cells[1]);
		IF seen IS NOT NULL THEN
			RAISE EXCEPTION '%:%: column "unit": unit "%" is given twice (line % too)', source, rec.line, rec.cells[1], lines[seen]
				USING ERRCODE = 'unique_violation';
		END IF;
		role := lower(coalesce(rec.cells[2], 'member'));
		IF role NOT IN ('head', 'deputy', 'member') THEN
			RAISE EXCEPTION '%:%: column "role": "%" is not head, deputy or member', source, rec.line, rec.cells[2]
				USING ERRCODE = 'invalid_text_representation';
		END IF;
		IF role OPERATOR(pg_catalog.=) 'head' THEN
			IF head_line IS NOT NULL THEN
				RAISE EXCEPTION '%:%: column "role": a bloc has one head, and line % names one', source, rec.line, head_line
					USING ERRCODE = 'unique_violation';
			END IF;
			head_line := rec.line;
		END IF;
		lines := lines OPERATOR(pg_catalog.||) rec.line;
		units := units OPERATOR(pg_catalog.||) rec.cells[1];
		roles := roles OPERATOR(pg_catalog.||) role;
	END LOOP;
	IF head_line IS NOT NULL THEN
		SELECT m.unit_code INTO other_head FROM thidua.bloc_member m
			WHERE m.bloc_code OPERATOR(pg_catalog.=) bloc AND m.period_code OPERATOR(pg_catalog.=) period
			  AND m.role OPERATOR(pg_catalog.=) 'head' AND NOT m.unit_code OPERATOR(pg_catalog.=) ANY (units);
		IF FOUND THEN
			RAISE EXCEPTION '%:%: column "role": bloc "%" has the head "%" in period "%" already', source, head_line,
				bloc, other_head, period
				USING ERRCODE = 'unique_violation',
					  HINT = format('Name "%s" in the file with its new role.', other_head);
		END IF;
	END IF;

	SELECT count(*) FILTER (WHERE m.unit_code IS NULL), count(*) FILTER (WHERE m.role OPERATOR(pg_catalog.<>) f.role),
		   count(*) FILTER (WHERE m.role OPERATOR(pg_catalog.=) f.role)
		INTO added, changed, unchanged
	FROM unnest(units, roles) AS f(unit, role)
	LEFT JOIN thidua.bloc_member m ON m.bloc_code OPERATOR(pg_catalog.=) bloc AND m.period_code OPERATOR(pg_catalog.=) period
		AND m.unit_code OPERATOR(pg_catalog.=) f.unit;
	SELECT count(*) INTO kept FROM thidua.bloc_member m
		WHERE m.bloc_code OPERATOR(pg_catalog.=) bloc AND m.period_code OPERATOR(pg_catalog.=) period
		  AND NOT m.unit_code OPERATOR(pg_catalog.=) ANY (units);
	IF added OPERATOR(pg_catalog.+) changed OPERATOR(pg_catalog.>) 0 THEN
		PERFORM thidua._refuse_closed_period(period, 'bloc members');
	END IF;
	-- the old head steps down before the new one steps up (one head at a time)
	UPDATE thidua.bloc_member m SET role = f.role FROM unnest(units, roles) AS f(unit, role)
		WHERE m.bloc_code OPERATOR(pg_catalog.=) bloc AND m.period_code OPERATOR(pg_catalog.=) period
		  AND m.unit_code OPERATOR(pg_catalog.=) f.unit AND m.role OPERATOR(pg_catalog.=) 'head'
		  AND f.role OPERATOR(pg_catalog.<>) 'head';
	INSERT INTO thidua.bloc_member AS m (bloc_code, period_code, unit_code, role)
		SELECT bloc, period, f.unit, f.role FROM unnest(units, roles) AS f(unit, role)
		ON CONFLICT (bloc_code, period_code, unit_code) DO UPDATE SET role = excluded.role
		WHERE m.role OPERATOR(pg_catalog.<>) excluded.role;
END
$$;

CREATE OR REPLACE FUNCTION thidua.import_pact(bloc text, period text, content text, source text DEFAULT 'input',
								   OUT added integer, OUT changed integer, OUT unchanged integer, OUT targets integer)
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	target_value numeric;
	rec record;
	pacts jsonb := '{}';		-- unit -> {line, signed_on, targets: {target: value}}
	signed date;
	target text;
	earlier jsonb;
BEGIN
	source := coalesce(source, 'input');
	targets := 0;
	FOR rec IN SELECT * FROM thidua._csv_rows(content, source, '{unit,signed_on,target,value}',
											  '{unit,signed_on,target,value}') LOOP
		PERFORM thidua._member_or_error(bloc, period, rec.cells[1], 'unit', source, rec.line);
		signed := thidua._csv_date(rec.cells[2], source, rec.line, 'signed_on');
		target := normalize(rec.cells[3], NFC);
		earlier := pacts -> rec.cells[1];
		IF earlier IS NULL THEN
			earlier := jsonb_build_object('line', rec.line, 'signed_on', signed, 'targets', '{}'::jsonb);
		ELSIF (earlier ->> 'signed_on')::date OPERATOR(pg_catalog.<>) signed THEN
			RAISE EXCEPTION '%:%: column "signed_on": unit "%" signed on % on line %', source, rec.line,
				rec.cells[1], earlier ->> 'signed_on', earlier ->> 'line'
				USING ERRCODE = 'unique_violation';
		ELSIF earlier -> 'targets' ? target THEN
			RAISE EXCEPTION '%:%: column "target": unit "%" registers "%" twice', source, rec.line, rec.cells[1], target
				USING ERRCODE = 'unique_violation';
		END IF;
		target_value := thidua._csv_decimal(rec.cells[4], rec.separator, source, rec.line, 'value');
		-- a target is what a result is measured against: above zero, within the figures scoring takes
		IF target_value OPERATOR(pg_catalog.<=) 0 OR target_value OPERATOR(pg_catalog.>=) 1000000000000
				OR scale(target_value) OPERATOR(pg_catalog.>) 6 THEN
			RAISE EXCEPTION '%:%: column "value": % is not a target (above 0, below 10^12, at most 6 decimals)',
				source, rec.line, rec.cells[4] USING ERRCODE = 'numeric_value_out_of_range';
		END IF;
		earlier := jsonb_set(earlier, ARRAY['targets', target], to_jsonb(target_value));
		pacts := pacts OPERATOR(pg_catalog.||) jsonb_build_object(rec.cells[1], earlier);
		targets := targets OPERATOR(pg_catalog.+) 1;
	END LOOP;

	SELECT count(*) FILTER (WHERE p.unit_code IS NULL),
		   count(*) FILTER (WHERE (p.signed_on, p.targets) IS DISTINCT FROM ((f.value ->> 'signed_on')::date, f.value -> 'targets')),
		   count(*) FILTER (WHERE (p.signed_on, p.targets) IS NOT DISTINCT FROM ((f.value ->> 'signed_on')::date, f.value -> 'targets'))
		INTO added, changed, unchanged
	FROM jsonb_each(pacts) f
	LEFT JOIN thidua.pact p ON p.bloc_code OPERATOR(pg_catalog.=) bloc AND p.period_code OPERATOR(pg_catalog.=) period
		AND p.unit_code OPERATOR(pg_catalog.=) f.key;
	changed := changed OPERATOR(pg_catalog.-) added;
	IF added OPERATOR(pg_catalog.+) changed OPERATOR(pg_catalog.>) 0 THEN
		PERFORM thidua._refuse_closed_period(period, 'pacts');
	END IF;
	INSERT INTO thidua.pact AS p (bloc_code, period_code, unit_code, signed_on, targets)
		SELECT bloc, period, f.key, (f.value ->> 'signed_on')::date, f.value -> 'targets' FROM jsonb_each(pacts) f
		ON CONFLICT (bloc_code, period_code, unit_code) DO UPDATE SET signed_on = excluded.signed_on, targets = excluded.targets
		WHERE (p.signed_on, p.targets) IS DISTINCT FROM (excluded.signed_on, excluded.targets);
END
$$;

CREATE OR REPLACE FUNCTION thidua.add_veto(bloc text, period text, unit text, reason text) RETURNS text
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	existing thidua.veto;
BEGIN
	PERFORM thidua._member_or_error(bloc, period, unit, 'unit');
	IF coalesce(btrim(reason), '') OPERATOR(pg_catalog.=) '' THEN
		RAISE EXCEPTION 'a veto of "%" needs a reason', unit USING ERRCODE = 'invalid_parameter_value';
	END IF;
	-- a veto caps the class at the version's veto class: a version without one takes none
	IF NOT EXISTS (SELECT 1 FROM thidua.bloc_period bp JOIN thidua.criteria_version v
			ON v.version_code OPERATOR(pg_catalog.=) bp.criteria_version
		WHERE bp.bloc_code OPERATOR(pg_catalog.=) bloc AND bp.period_code OPERATOR(pg_catalog.=) period
		  AND v.veto_max_class IS NOT NULL) THEN
		RAISE EXCEPTION 'bloc "%" in period "%" has no veto to apply: its criteria version defines none', bloc, period
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'A criteria version states the class a veto caps (veto: max_class).';
	END IF;
	SELECT * INTO existing FROM thidua.veto v WHERE v.bloc_code OPERATOR(pg_catalog.=) bloc
		AND v.period_code OPERATOR(pg_catalog.=) period AND v.unit_code OPERATOR(pg_catalog.=) unit FOR UPDATE;
	IF NOT FOUND THEN
		PERFORM thidua._refuse_closed_period(period, 'vetoes');
		INSERT INTO thidua.veto (bloc_code, period_code, unit_code, reason) VALUES (bloc, period, unit, reason);
		RETURN 'vetoed';
	ELSIF existing.lifted_at IS NULL THEN
		RETURN 'vetoed already';
	END IF;
	PERFORM thidua._refuse_closed_period(period, 'vetoes');
	UPDATE thidua.veto v SET reason = add_veto.reason, lifted_at = NULL, lifted_by = NULL, lifted_reason = NULL
		WHERE v.bloc_code OPERATOR(pg_catalog.=) bloc AND v.period_code OPERATOR(pg_catalog.=) period
		  AND v.unit_code OPERATOR(pg_catalog.=) unit;
	RETURN 'vetoed again';
END
$$;

CREATE OR REPLACE FUNCTION thidua.remove_veto(bloc text, period text, unit text, reason text) RETURNS text
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	IF coalesce(btrim(reason), '') OPERATOR(pg_catalog.=) '' THEN
		RAISE EXCEPTION 'lifting the veto of "%" needs a reason', unit USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF EXISTS (SELECT 1 FROM thidua.veto v WHERE v.bloc_code OPERATOR(pg_catalog.=) bloc
			AND v.period_code OPERATOR(pg_catalog.=) period AND v.unit_code OPERATOR(pg_catalog.=) unit
			AND v.lifted_at IS NULL) THEN
		PERFORM thidua._refuse_closed_period(period, 'vetoes');
	END IF;
	UPDATE thidua.veto v SET lifted_at = now(), lifted_by = session_user, lifted_reason = remove_veto.reason
		WHERE v.bloc_code OPERATOR(pg_catalog.=) bloc AND v.period_code OPERATOR(pg_catalog.=) period
		  AND v.unit_code OPERATOR(pg_catalog.=) unit AND v.lifted_at IS NULL;
	IF NOT FOUND THEN
		-- lifted before: running the same step again is harmless
		IF EXISTS (SELECT 1 FROM thidua.veto v WHERE v.bloc_code OPERATOR(pg_catalog.=) bloc
				AND v.period_code OPERATOR(pg_catalog.=) period AND v.unit_code OPERATOR(pg_catalog.=) unit) THEN
			RETURN 'lifted already';
		END IF;
		RAISE EXCEPTION 'unit "%" is not vetoed in bloc "%", period "%"', unit, bloc, period
			USING ERRCODE = 'no_data_found';
	END IF;
	RETURN 'lifted';
END
$$;

CREATE OR REPLACE FUNCTION thidua.add_recusal(bloc text, period text, judge text, unit text, reason text) RETURNS text
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	existing text;
BEGIN
	PERFORM thidua._member_or_error(bloc, period, judge, 'judge');
	PERFORM thidua._member_or_error(bloc, period, unit, 'unit');
	IF judge OPERATOR(pg_catalog.=) unit THEN
		RAISE EXCEPTION 'a member never judges itself: "%" needs no recusal', unit USING ERRCODE = 'invalid_parameter_value';
	ELSIF coalesce(btrim(reason), '') OPERATOR(pg_catalog.=) '' THEN
		RAISE EXCEPTION 'the recusal of "%" from judging "%" needs a reason', judge, unit USING ERRCODE = 'invalid_parameter_value';
	END IF;
	SELECT r.reason INTO existing FROM thidua.recusal r WHERE r.bloc_code OPERATOR(pg_catalog.=) bloc
		AND r.period_code OPERATOR(pg_catalog.=) period AND r.judge_code OPERATOR(pg_catalog.=) judge
		AND r.unit_code OPERATOR(pg_catalog.=) unit;
	IF FOUND THEN
		RETURN 'recused already';
	END IF;
	PERFORM thidua._refuse_closed_period(period, 'recusals');
	INSERT INTO thidua.recusal (bloc_code, period_code, judge_code, unit_code, reason) VALUES (bloc, period, judge, unit, reason);
	RETURN 'recused';
END
$$;

CREATE OR REPLACE FUNCTION thidua.set_member_status(bloc text, period text, unit text, status text, effective date DEFAULT NULL,
										 merged_into text DEFAULT NULL, reason text DEFAULT NULL) RETURNS text
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	period_year integer;
BEGIN
	PERFORM thidua._member_or_error(bloc, period, unit, 'unit');
	IF status IS NULL OR status NOT IN ('active', 'withdrawn', 'merged') THEN
		RAISE EXCEPTION 'a member''s status is active, withdrawn or merged, not "%"', coalesce(status, '')
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF status OPERATOR(pg_catalog.=) 'active' THEN
		IF EXISTS (SELECT 1 FROM thidua.bloc_member m WHERE m.bloc_code OPERATOR(pg_catalog.=) bloc
				AND m.period_code OPERATOR(pg_catalog.=) period AND m.unit_code OPERATOR(pg_catalog.=) unit
				AND m.status OPERATOR(pg_catalog.<>) 'active') THEN
			PERFORM thidua._refuse_closed_period(period, 'bloc members');
		END IF;
		UPDATE thidua.bloc_member m SET status = 'active', status_date = NULL, merged_into = NULL, status_reason = NULL
			WHERE m.bloc_code OPERATOR(pg_catalog.=) bloc AND m.period_code OPERATOR(pg_catalog.=) period
			  AND m.unit_code OPERATOR(pg_catalog.=) unit AND m.status OPERATOR(pg_catalog.<>) 'active';
		RETURN CASE WHEN FOUND THEN 'active again' ELSE 'active already' END;
	END IF;
	SELECT p.year INTO period_year FROM thidua.period p WHERE p.period_code OPERATOR(pg_catalog.=) period;
	IF effective IS NULL OR extract(year FROM effective) OPERATOR(pg_catalog.<>) period_year THEN
		RAISE EXCEPTION 'unit "%" leaves bloc "%" on a date of the year % (period "%"), not %', unit, bloc, period_year,
			period, coalesce(effective::text, 'no date')
			USING ERRCODE = 'invalid_parameter_value';
	ELSIF coalesce(btrim(reason), '') OPERATOR(pg_catalog.=) '' THEN
		RAISE EXCEPTION 'unit "%" leaving bloc "%" needs a reason', unit, bloc
			USING ERRCODE = 'invalid_parameter_value', HINT = 'E.g. the decision that merged or dissolved it.';
	ELSIF status OPERATOR(pg_catalog.=) 'merged' AND merged_into IS NULL THEN
		RAISE EXCEPTION 'unit "%" merged into which unit?', unit
			USING ERRCODE = 'invalid_parameter_value', HINT = 'Name the unit it merged into (--into UNIT).';
	ELSIF status OPERATOR(pg_catalog.=) 'withdrawn' AND merged_into IS NOT NULL THEN
		RAISE EXCEPTION 'unit "%" is withdrawn, not merged: it merges into no unit', unit
			USING ERRCODE = 'invalid_parameter_value';
	ELSIF merged_into OPERATOR(pg_catalog.=) unit THEN
		RAISE EXCEPTION 'unit "%" cannot merge into itself', unit USING ERRCODE = 'invalid_parameter_value';
	ELSIF merged_into IS NOT NULL AND NOT EXISTS (SELECT 1 FROM thidua.unit u WHERE u.unit_code OPERATOR(pg_catalog.=) merged_into) THEN
		RAISE EXCEPTION 'unit "%" does not exist', merged_into USING ERRCODE = 'foreign_key_violation';
	END IF;
	-- evaluations filed before the status may name it: the scores it gave
	-- from the date do not count (thidua._evaluation_scores: judge_left), and it is not ranked
	IF EXISTS (SELECT 1 FROM thidua.bloc_member m WHERE m.bloc_code OPERATOR(pg_catalog.=) bloc
			AND m.period_code OPERATOR(pg_catalog.=) period AND m.unit_code OPERATOR(pg_catalog.=) unit
			AND (m.status, m.status_date, m.merged_into, m.status_reason) IS DISTINCT FROM
				(set_member_status.status, effective, set_member_status.merged_into, reason)) THEN
		PERFORM thidua._refuse_closed_period(period, 'bloc members');
	END IF;
	UPDATE thidua.bloc_member m SET status = set_member_status.status, status_date = effective,
		merged_into = set_member_status.merged_into, status_reason = reason
		WHERE m.bloc_code OPERATOR(pg_catalog.=) bloc AND m.period_code OPERATOR(pg_catalog.=) period
		  AND m.unit_code OPERATOR(pg_catalog.=) unit
		  AND (m.status, m.status_date, m.merged_into, m.status_reason) IS DISTINCT FROM
			  (set_member_status.status, effective, set_member_status.merged_into, reason);
	RETURN CASE WHEN FOUND THEN set_member_status.status ELSE set_member_status.status || ' already' END;
END
$$;

CREATE OR REPLACE FUNCTION thidua.remove_member(bloc text, period text, unit text) RETURNS text
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	dependents text;
BEGIN
	PERFORM thidua._member_or_error(bloc, period, unit, 'unit');
	-- what _guard_member_dependents checks (Citus has no such trigger; on one
	-- server this fires first, with its messages)
	PERFORM thidua._refuse_closed_period(period, 'bloc members');
	dependents := thidua._member_dependents(bloc, period, unit);
	IF dependents IS NOT NULL THEN
		RAISE EXCEPTION 'unit "%" cannot be removed from bloc "%" in period "%": these name it: %',
			unit, bloc, period, dependents
			USING ERRCODE = 'dependent_objects_still_exist',
				  HINT = 'A member that leaves during the year keeps its history: thidua.set_member_status(bloc, period, unit, ''withdrawn'' or ''merged'', date, ...) (thidua bloc withdraw).';
	END IF;
	DELETE FROM thidua.bloc_member m WHERE m.bloc_code OPERATOR(pg_catalog.=) bloc
		AND m.period_code OPERATOR(pg_catalog.=) period AND m.unit_code OPERATOR(pg_catalog.=) unit;
	RETURN 'removed';
END
$$;

CREATE OR REPLACE FUNCTION thidua._member_dependents(bloc text, period text, unit text) RETURNS text
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	evaluations bigint;
	dependents text;
BEGIN
	EXECUTE 'SELECT count(*) FROM thidua.evaluation e
		WHERE e.bloc_code OPERATOR(pg_catalog.=) $1 AND e.period_code OPERATOR(pg_catalog.=) $2
		  AND $3 OPERATOR(pg_catalog.=) ANY (ARRAY[e.unit_code, e.judge_code])'
		INTO evaluations USING bloc, period, unit;
	SELECT string_agg(d.what || ': ' || d.n, ', ' ORDER BY d.k) INTO dependents FROM (
		SELECT 1 AS k, evaluations AS n, 'evaluations' AS what
		UNION ALL
		SELECT 2, count(*), 'adjustments' FROM thidua.adjustment a
			WHERE a.bloc_code OPERATOR(pg_catalog.=) bloc AND a.period_code OPERATOR(pg_catalog.=) period
			  AND a.unit_code OPERATOR(pg_catalog.=) unit
		UNION ALL
		SELECT 3, count(*), 'pact' FROM thidua.pact p
			WHERE p.bloc_code OPERATOR(pg_catalog.=) bloc AND p.period_code OPERATOR(pg_catalog.=) period
			  AND p.unit_code OPERATOR(pg_catalog.=) unit
		UNION ALL
		SELECT 4, count(*), 'recusals' FROM thidua.recusal r
			WHERE r.bloc_code OPERATOR(pg_catalog.=) bloc AND r.period_code OPERATOR(pg_catalog.=) period
			  AND unit OPERATOR(pg_catalog.=) ANY (ARRAY[r.unit_code, r.judge_code])
		UNION ALL
		SELECT 5, count(*), 'veto' FROM thidua.veto v
			WHERE v.bloc_code OPERATOR(pg_catalog.=) bloc AND v.period_code OPERATOR(pg_catalog.=) period
			  AND v.unit_code OPERATOR(pg_catalog.=) unit) d
	WHERE d.n OPERATOR(pg_catalog.>) 0;
	RETURN dependents;
END
$$;

CREATE OR REPLACE FUNCTION thidua._guard_member_dependents() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	dependents text;
BEGIN
	-- a closed period says so first (its guard runs after the foreign keys)
	IF (SELECT p.status FROM thidua.period p WHERE p.period_code OPERATOR(pg_catalog.=) OLD.period_code FOR SHARE)
	   OPERATOR(pg_catalog.=) 'closed' THEN
		RAISE EXCEPTION 'period "%" is closed: bloc members cannot change', OLD.period_code
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'A closed period is history; thidua.reopen_period(period, reason) reopens it, on the record.';
	END IF;
	dependents := thidua._member_dependents(OLD.bloc_code, OLD.period_code, OLD.unit_code);
	IF dependents IS NOT NULL THEN
		RAISE EXCEPTION 'unit "%" cannot be removed from bloc "%" in period "%": these name it: %',
			OLD.unit_code, OLD.bloc_code, OLD.period_code, dependents
			USING ERRCODE = 'dependent_objects_still_exist',
				  HINT = 'A member that leaves during the year keeps its history: thidua.set_member_status(bloc, period, unit, ''withdrawn'' or ''merged'', date, ...) (thidua bloc withdraw).';
	END IF;
	RETURN OLD;
END
$$;

CREATE OR REPLACE FUNCTION thidua._pact_target(registered jsonb, bloc text, period text, unit text, criterion text) RETURNS numeric
	LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	IF registered IS NULL THEN
		RAISE EXCEPTION 'unit "%" has no pact in bloc "%" for period "%": criterion "%" takes its target from it',
			unit, bloc, period, criterion
			USING ERRCODE = 'no_data_found',
				  HINT = 'Register the unit''s pact (thidua.pact) with its targets by criterion code, e.g. {"I.1": 100}.';
	END IF;
	IF jsonb_typeof(registered) IS DISTINCT FROM 'number' OR registered::text::numeric <= 0 THEN
		RAISE EXCEPTION 'unit "%" has no target for criterion "%" in its pact in bloc "%" for period "%"%',
			unit, criterion, bloc, period,
			CASE WHEN jsonb_typeof(registered) = 'null' THEN '' ELSE format(' (%s is not a number above zero)', registered) END
			USING ERRCODE = 'no_data_found',
				  HINT = format('The pact''s targets hold it under the criterion''s code, e.g. {"%s": 100}.', criterion);
	END IF;
	RETURN registered::text::numeric;
END
$$;

CREATE OR REPLACE FUNCTION thidua._bloc_points(bloc text, period text)
	RETURNS TABLE (evaluation_id bigint, criterion_code text, points numeric, target numeric,
				   leader_observed numeric, leader_target numeric, observed numeric)
	LANGUAGE plpgsql STABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	RETURN QUERY EXECUTE $sql$
	WITH settings AS (
		SELECT bp.criteria_version FROM thidua.bloc_period bp
		WHERE bp.bloc_code OPERATOR(pg_catalog.=) $1 AND bp.period_code OPERATOR(pg_catalog.=) $2
	), rules AS (
		SELECT i.code, i.rule,
			CASE WHEN (i.params ->> 'target') OPERATOR(pg_catalog.<>) 'pact' THEN (i.params ->> 'target')::numeric END AS fixed_target
		FROM thidua.criteria_item i JOIN settings s ON i.version_code OPERATOR(pg_catalog.=) s.criteria_version
		WHERE i.rule OPERATOR(pg_catalog.=) 'leader_relative' OR (i.params ->> 'target') OPERATOR(pg_catalog.=) 'pact'
	), results AS (
		SELECT e.evaluation_id, e.stage, o.criterion_code, o.observed, r.rule,
			coalesce(r.fixed_target, thidua._pact_target(
				CASE WHEN p.unit_code IS NOT NULL THEN coalesce(p.targets -> o.criterion_code, 'null') END,
				$1, $2, e.unit_code, o.criterion_code)) AS target,
			e.stage OPERATOR(pg_catalog.=) 'peer' AND x.judge_code IS NOT NULL AS recused
		FROM thidua.evaluation e
		JOIN thidua.observation o ON o.bloc_code OPERATOR(pg_catalog.=) e.bloc_code
			AND o.evaluation_id OPERATOR(pg_catalog.=) e.evaluation_id
		JOIN rules r ON r.code OPERATOR(pg_catalog.=) o.criterion_code
		LEFT JOIN thidua.pact p ON p.bloc_code OPERATOR(pg_catalog.=) e.bloc_code
			AND p.period_code OPERATOR(pg_catalog.=) e.period_code AND p.unit_code OPERATOR(pg_catalog.=) e.unit_code
		LEFT JOIN thidua.recusal x ON x.bloc_code OPERATOR(pg_catalog.=) e.bloc_code
			AND x.period_code OPERATOR(pg_catalog.=) e.period_code
			AND x.judge_code OPERATOR(pg_catalog.=) e.judge_code AND x.unit_code OPERATOR(pg_catalog.=) e.unit_code
		WHERE e.bloc_code OPERATOR(pg_catalog.=) $1 AND o.bloc_code OPERATOR(pg_catalog.=) $1
		  AND e.period_code OPERATOR(pg_catalog.=) $2
	), leaders AS (
		-- 40 decimals order every two distinct completions of 6-decimal figures exactly
		SELECT DISTINCT ON (x.stage, x.criterion_code) x.stage, x.criterion_code, x.observed, x.target
		FROM results x
		WHERE x.rule OPERATOR(pg_catalog.=) 'leader_relative' AND NOT x.recused
		ORDER BY x.stage, x.criterion_code, round(x.observed, 40) OPERATOR(pg_catalog./) x.target DESC
	), placed AS (
		-- a recused score above the leader (it counts for nothing) is its own leader
		SELECT x.evaluation_id, x.criterion_code, x.observed, x.target,
			CASE WHEN l.observed IS NULL
					  OR (x.observed OPERATOR(pg_catalog.*) l.target) OPERATOR(pg_catalog.>) (l.observed OPERATOR(pg_catalog.*) x.target)
				 THEN x.observed ELSE l.observed END AS leader_observed,
			CASE WHEN l.observed IS NULL
					  OR (x.observed OPERATOR(pg_catalog.*) l.target) OPERATOR(pg_catalog.>) (l.observed OPERATOR(pg_catalog.*) x.target)
				 THEN x.target ELSE l.target END AS leader_target,
			x.rule
		FROM results x
		LEFT JOIN leaders l ON l.stage OPERATOR(pg_catalog.=) x.stage AND l.criterion_code OPERATOR(pg_catalog.=) x.criterion_code
	)
	SELECT p.evaluation_id, p.criterion_code,
		thidua.points_in_bloc(s.criteria_version, p.criterion_code, p.observed, p.target,
			p.leader_observed, p.leader_target),
		p.target,
		CASE WHEN p.rule OPERATOR(pg_catalog.=) 'leader_relative' THEN p.leader_observed END,
		CASE WHEN p.rule OPERATOR(pg_catalog.=) 'leader_relative' THEN p.leader_target END,
		p.observed
	FROM placed p, settings s $sql$ USING bloc, period;
END
$$;

CREATE OR REPLACE FUNCTION thidua._scored_in_bloc(bloc text, period text) RETURNS boolean
	LANGUAGE sql STABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT EXISTS (SELECT 1 FROM thidua.not_applicable_marking na
				   WHERE na.bloc_code OPERATOR(pg_catalog.=) bloc AND na.period_code OPERATOR(pg_catalog.=) period)
		OR EXISTS (SELECT 1 FROM thidua.bloc_period bp
				   JOIN thidua.criteria_item i ON i.version_code OPERATOR(pg_catalog.=) bp.criteria_version
				   WHERE bp.bloc_code OPERATOR(pg_catalog.=) bloc AND bp.period_code OPERATOR(pg_catalog.=) period
					 AND (i.rule OPERATOR(pg_catalog.=) 'leader_relative'
						  OR (i.params ->> 'target') OPERATOR(pg_catalog.=) 'pact'))
$$;

CREATE OR REPLACE FUNCTION thidua._evaluation_scores(bloc text, period text)
	RETURNS SETOF thidua._evaluation_score
	LANGUAGE plpgsql STABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	point_evaluations bigint[];
	point_criteria text[];
	point_values numeric[];
BEGIN
	-- most blocs have neither criteria scored in the bloc nor markings: their
	-- observations alone give the scores, without the joins those need
	IF NOT thidua._scored_in_bloc(bloc, period) THEN
		RETURN QUERY EXECUTE $sql$
		SELECT e.evaluation_id, e.unit_code, e.stage, e.judge_code,
			e.stage OPERATOR(pg_catalog.=) 'peer' AND EXISTS (SELECT 1 FROM thidua.bloc_member m
				WHERE m.bloc_code OPERATOR(pg_catalog.=) e.bloc_code AND m.period_code OPERATOR(pg_catalog.=) e.period_code
				  AND m.unit_code OPERATOR(pg_catalog.=) e.judge_code AND m.status OPERATOR(pg_catalog.<>) 'active'
				  AND e.created_at OPERATOR(pg_catalog.>=) m.status_date),
			coalesce(thidua.score(bp.criteria_version, o.criterion_code, o.observed)
						FILTER (WHERE o.criterion_code IS NOT NULL), 0),
			thidua.tie_break_keys(bp.criteria_version, o.criterion_code, o.observed)
				FILTER (WHERE o.criterion_code IS NOT NULL)
		FROM thidua.evaluation e
		JOIN thidua.bloc_period bp ON bp.bloc_code OPERATOR(pg_catalog.=) e.bloc_code
			AND bp.period_code OPERATOR(pg_catalog.=) e.period_code
		LEFT JOIN thidua.observation o ON o.bloc_code OPERATOR(pg_catalog.=) e.bloc_code
			AND o.evaluation_id OPERATOR(pg_catalog.=) e.evaluation_id
		WHERE e.bloc_code OPERATOR(pg_catalog.=) $1 AND e.period_code OPERATOR(pg_catalog.=) $2
		GROUP BY e.bloc_code, e.evaluation_id, bp.criteria_version $sql$ USING bloc, period;
		RETURN;
	END IF;
	-- criteria scored in the bloc: their points, computed against the bloc first
	SELECT array_agg(b.evaluation_id), array_agg(b.criterion_code), array_agg(b.points)
		INTO point_evaluations, point_criteria, point_values
		FROM thidua._bloc_points(bloc, period) b;
	RETURN QUERY EXECUTE $sql$
		SELECT e.evaluation_id, e.unit_code, e.stage, e.judge_code,
			e.stage OPERATOR(pg_catalog.=) 'peer' AND EXISTS (SELECT 1 FROM thidua.bloc_member m
				WHERE m.bloc_code OPERATOR(pg_catalog.=) e.bloc_code AND m.period_code OPERATOR(pg_catalog.=) e.period_code
				  AND m.unit_code OPERATOR(pg_catalog.=) e.judge_code AND m.status OPERATOR(pg_catalog.<>) 'active'
				  AND e.created_at OPERATOR(pg_catalog.>=) m.status_date),
			coalesce(thidua.score(bp.criteria_version, o.criterion_code, o.observed, b.points, o.applicable)
						FILTER (WHERE o.criterion_code IS NOT NULL), 0),
			thidua.tie_break_keys(bp.criteria_version, o.criterion_code, o.observed, b.points, o.applicable)
				FILTER (WHERE o.criterion_code IS NOT NULL)
		FROM thidua.evaluation e
		JOIN thidua.bloc_period bp ON bp.bloc_code OPERATOR(pg_catalog.=) e.bloc_code
			AND bp.period_code OPERATOR(pg_catalog.=) e.period_code
		-- the observations, and the criteria marked not applicable to the unit
		LEFT JOIN (SELECT ob.bloc_code, ob.evaluation_id, ob.criterion_code, ob.observed, true AS applicable
				   FROM thidua.observation ob WHERE ob.bloc_code OPERATOR(pg_catalog.=) $1
				   UNION ALL
				   SELECT x.bloc_code, x.evaluation_id, na.criterion_code, NULL::numeric, false
				   FROM thidua.not_applicable_marking na
				   JOIN thidua.evaluation x ON x.bloc_code OPERATOR(pg_catalog.=) na.bloc_code
					AND x.period_code OPERATOR(pg_catalog.=) na.period_code
					AND x.unit_code OPERATOR(pg_catalog.=) na.unit_code
				   WHERE x.bloc_code OPERATOR(pg_catalog.=) $1) o
			ON o.bloc_code OPERATOR(pg_catalog.=) e.bloc_code AND o.evaluation_id OPERATOR(pg_catalog.=) e.evaluation_id
		LEFT JOIN unnest($3::bigint[], $4::text[], $5::numeric[]) AS b(evaluation_id, criterion_code, points)
			ON b.evaluation_id OPERATOR(pg_catalog.=) o.evaluation_id AND b.criterion_code OPERATOR(pg_catalog.=) o.criterion_code
		WHERE e.bloc_code OPERATOR(pg_catalog.=) $1 AND e.period_code OPERATOR(pg_catalog.=) $2
		GROUP BY e.bloc_code, e.evaluation_id, bp.criteria_version $sql$
		USING bloc, period, point_evaluations, point_criteria, point_values;
END
$$;

CREATE OR REPLACE FUNCTION thidua.evaluation_scores(bloc text, period text)
	RETURNS TABLE (evaluation_id bigint, unit_code text, stage text, judge_code text, total numeric, tie_keys numeric[])
	LANGUAGE plpgsql STABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	RETURN QUERY SELECT s.evaluation_id, s.unit_code, s.stage, s.judge_code, s.total, s.tie_keys
		FROM thidua._evaluation_scores(bloc, period) s;
END
$$;

CREATE OR REPLACE FUNCTION thidua.standings(bloc text, period text)
	RETURNS TABLE (unit_code text, unit_name thidua.vietnamese_text, role text, self_total numeric, peer_result numeric,
				   peer_judges integer, adjustment numeric, final_total numeric, class text, rank bigint,
				   tie_break jsonb, flags text[])
	LANGUAGE plpgsql STABLE PARALLEL SAFE
	-- It only reads, so the blocs of one query may be ranked in parallel
	-- workers; a call takes milliseconds, which the cost tells the planner.
	-- One bloc's queries are small: they start no workers of their own.
	COST 400000 ROWS 15
	SET search_path = pg_catalog, pg_temp
	SET max_parallel_workers_per_gather = 0
	-- unit_name is vietnamese_text so that ORDER BY unit_name over the result
	-- (and current_standings) sorts in Vietnamese, as the ties here do.
	AS $$
DECLARE
	settings thidua.bloc_period;
	digits integer;		-- averaged results rounded to this many decimals; NULL: exact
	scored thidua._evaluation_score[];
BEGIN
	SELECT * INTO settings FROM thidua.bloc_period bp
		WHERE bp.bloc_code OPERATOR(pg_catalog.=) bloc AND bp.period_code OPERATOR(pg_catalog.=) period;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'bloc "%" has no settings for period "%"', bloc, period
			USING ERRCODE = 'no_data_found', HINT = 'Rows of thidua.bloc_period name the criteria version and peer method.';
	END IF;
	SELECT nullif(coalesce(settings.result_rounding, v.result_rounding), 'exact')::integer INTO digits
		FROM thidua.criteria_version v WHERE v.version_code OPERATOR(pg_catalog.=) settings.criteria_version;
	-- the scores first, in their own query (on Citus, one task on the worker
	-- holding the bloc); the ranking below reads them and reference tables only
	scored := ARRAY(SELECT s FROM thidua._evaluation_scores(bloc, period) s);

	RETURN QUERY
	WITH members AS (
		SELECT m.unit_code, m.role,
			-- a member that left during the year is listed, not ranked (34_zone_setup.sql)
			CASE m.status WHEN 'withdrawn' THEN 'withdrawn:' || to_char(m.status_date, 'YYYY-MM-DD')
						  WHEN 'merged' THEN 'merged_into:' || m.merged_into || ':' || to_char(m.status_date, 'YYYY-MM-DD') END AS departed
		FROM thidua.bloc_member m
		WHERE m.bloc_code OPERATOR(pg_catalog.=) bloc AND m.period_code OPERATOR(pg_catalog.=) period
	), scores AS (
		SELECT * FROM unnest(scored)
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
		  -- a member that left judges no more: its scores filed from that date do not count
		  AND NOT s.judge_left
	), peer_total AS (
		-- averaged results are rounded (half away from zero) before class and rank when the setting says so
		SELECT p.unit_code, count(*)::integer AS judges,
			thidua._rounded_result(CASE WHEN settings.peer_method OPERATOR(pg_catalog.=) 'trimmed_mean'
				 THEN thidua.trimmed_mean(p.total, settings.peer_trim) ELSE avg(p.total) END, digits) AS result
		FROM peer p GROUP BY p.unit_code
	), peer_key AS (
		-- each tie-break key aggregated across the judges by the same method as the total
		SELECT p.unit_code, k.n, min(k.key) AS key, min(k.better) AS better,
			thidua._rounded_result(CASE WHEN settings.peer_method OPERATOR(pg_catalog.=) 'trimmed_mean'
				 THEN thidua.trimmed_mean(p.tie_keys[k.n], settings.peer_trim)
				 ELSE avg(p.tie_keys[k.n]) END, digits) AS points
		FROM peer p CROSS JOIN keys k
		WHERE p.tie_keys IS NOT NULL
		GROUP BY p.unit_code, k.n
	), consensus AS (
		SELECT r ->> 'candidate' AS unit_code, (r ->> 'rank')::integer AS consensus_rank
		FROM (SELECT thidua.schulze_ranking(p.judge_code, p.unit_code, p.total) AS ranking FROM peer p
			  WHERE NOT EXISTS (SELECT 1 FROM members d WHERE d.unit_code OPERATOR(pg_catalog.=) p.unit_code
								AND d.departed IS NOT NULL)) s,
			jsonb_array_elements(s.ranking) AS r
		WHERE settings.peer_method OPERATOR(pg_catalog.=) 'schulze'
	), adjusted AS (
		SELECT a.unit_code, sum(a.points) AS points FROM thidua.adjustment a
		WHERE a.bloc_code OPERATOR(pg_catalog.=) bloc AND a.period_code OPERATOR(pg_catalog.=) period
		GROUP BY a.unit_code
	), vetoed AS (
		SELECT v.unit_code FROM thidua.veto v
		WHERE v.bloc_code OPERATOR(pg_catalog.=) bloc AND v.period_code OPERATOR(pg_catalog.=) period
		  AND v.lifted_at IS NULL
	), assembled AS (
		SELECT m.unit_code, u.name AS unit_name, m.role, m.departed,
			(SELECT s.total FROM scores s
			 WHERE s.unit_code OPERATOR(pg_catalog.=) m.unit_code AND s.stage OPERATOR(pg_catalog.=) 'self') AS self_total,
			pt.result AS peer_result, coalesce(pt.judges, 0) AS peer_judges,
			coalesce(ad.points, 0) AS adjustment,
			thidua._rounded_result(pt.result + coalesce(ad.points, 0), digits) AS final_total,
			EXISTS (SELECT 1 FROM vetoed v WHERE v.unit_code OPERATOR(pg_catalog.=) m.unit_code) AS is_vetoed,
			c.consensus_rank,
			-- the version's tie-break order as one vector, larger is better
			(SELECT array_agg(CASE WHEN k.key OPERATOR(pg_catalog.=) 'total'
									   THEN thidua._rounded_result(pt.result + coalesce(ad.points, 0), digits)
								   WHEN k.better OPERATOR(pg_catalog.=) 'lower' THEN -k.points
								   ELSE k.points END ORDER BY k.n)
			 FROM peer_key k WHERE k.unit_code OPERATOR(pg_catalog.=) m.unit_code) AS sort_key,
			(SELECT jsonb_agg(jsonb_build_object('key', k.key, 'better', k.better,
				'points', CASE WHEN k.key OPERATOR(pg_catalog.=) 'total'
							   THEN thidua._rounded_result(pt.result + coalesce(ad.points, 0), digits)
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
	SELECT a.unit_code, a.unit_name::thidua.vietnamese_text, a.role, a.self_total, a.peer_result, a.peer_judges, a.adjustment,
		a.final_total,
		CASE WHEN a.final_total IS NOT NULL AND a.departed IS NULL
			 THEN thidua.classify(settings.criteria_version, a.final_total, a.is_vetoed) END,
		-- units without a peer score come last, together; members that left after them
		CASE WHEN a.departed IS NOT NULL
			 THEN (SELECT count(*) + 1 FROM assembled x WHERE x.departed IS NULL)
			 WHEN a.final_total IS NULL
			 THEN (SELECT count(*) + 1 FROM assembled x WHERE x.final_total IS NOT NULL AND x.departed IS NULL)
			 ELSE rank() OVER (ORDER BY a.departed IS NOT NULL, a.final_total IS NULL, a.consensus_rank ASC NULLS LAST, a.sort_key DESC) END,
		a.tie_break,
		ARRAY(SELECT f FROM unnest(ARRAY[
			CASE WHEN a.peer_judges OPERATOR(pg_catalog.=) 0 THEN 'no_peer_score' END,
			CASE WHEN a.peer_judges OPERATOR(pg_catalog.<) settings.quorum THEN 'incomplete_quorum' END,
			CASE WHEN a.self_total IS NULL THEN 'no_self_score' END,
			CASE WHEN a.is_vetoed THEN 'vetoed' END, a.departed] || a.recusals) AS f WHERE f IS NOT NULL)
	FROM assembled a
	ORDER BY 10, a.unit_name;
END
$$;

CREATE OR REPLACE FUNCTION thidua.publish_standings(bloc text, period text, reason text DEFAULT NULL) RETURNS integer
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	next_revision integer;
	published bigint;
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
	GET DIAGNOSTICS published = ROW_COUNT;
	-- a revision commits with its rows (as _check_revision_has_rows says at the
	-- commit; Citus has no such trigger)
	IF published OPERATOR(pg_catalog.=) 0 THEN
		RAISE EXCEPTION 'revision % of the standings of bloc "%" for period "%" has no rows',
			next_revision, bloc, period
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Publish standings with thidua.publish_standings.';
	END IF;
	RETURN next_revision;
END
$$;

CREATE OR REPLACE FUNCTION thidua._evaluation_details(bloc text, period text, unit text, point_evaluations bigint[],
										   point_criteria text[], point_values numeric[])
	RETURNS TABLE (evaluation_id bigint, unit_code text, stage text, judge_code text, judge_left boolean, detail jsonb)
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	RETURN QUERY EXECUTE $sql$
		SELECT e.evaluation_id, e.unit_code, e.stage, e.judge_code,
			e.stage OPERATOR(pg_catalog.=) 'peer' AND EXISTS (SELECT 1 FROM thidua.bloc_member m
				WHERE m.bloc_code OPERATOR(pg_catalog.=) e.bloc_code AND m.period_code OPERATOR(pg_catalog.=) e.period_code
				  AND m.unit_code OPERATOR(pg_catalog.=) e.judge_code AND m.status OPERATOR(pg_catalog.<>) 'active'
				  AND e.created_at OPERATOR(pg_catalog.>=) m.status_date),
			coalesce(thidua.score_detail(bp.criteria_version, o.criterion_code, o.observed, b.points, o.applicable)
						FILTER (WHERE o.criterion_code IS NOT NULL),
					 '{"total": 0, "items": []}'::jsonb)
		FROM thidua.evaluation e
		JOIN thidua.bloc_period bp ON bp.bloc_code OPERATOR(pg_catalog.=) e.bloc_code
			AND bp.period_code OPERATOR(pg_catalog.=) e.period_code
		-- the observations, and the criteria marked not applicable to the unit
		LEFT JOIN (SELECT ob.bloc_code, ob.evaluation_id, ob.criterion_code, ob.observed, true AS applicable
				   FROM thidua.observation ob WHERE ob.bloc_code OPERATOR(pg_catalog.=) $1
				   UNION ALL
				   SELECT x.bloc_code, x.evaluation_id, na.criterion_code, NULL::numeric, false
				   FROM thidua.not_applicable_marking na
				   JOIN thidua.evaluation x ON x.bloc_code OPERATOR(pg_catalog.=) na.bloc_code
					AND x.period_code OPERATOR(pg_catalog.=) na.period_code
					AND x.unit_code OPERATOR(pg_catalog.=) na.unit_code
				   WHERE x.bloc_code OPERATOR(pg_catalog.=) $1) o
			ON o.bloc_code OPERATOR(pg_catalog.=) e.bloc_code AND o.evaluation_id OPERATOR(pg_catalog.=) e.evaluation_id
		LEFT JOIN unnest($4::bigint[], $5::text[], $6::numeric[]) AS b(evaluation_id, criterion_code, points)
			ON b.evaluation_id OPERATOR(pg_catalog.=) o.evaluation_id AND b.criterion_code OPERATOR(pg_catalog.=) o.criterion_code
		WHERE e.bloc_code OPERATOR(pg_catalog.=) $1 AND e.period_code OPERATOR(pg_catalog.=) $2
		  AND e.unit_code OPERATOR(pg_catalog.=) $3
		GROUP BY e.bloc_code, e.evaluation_id, bp.criteria_version $sql$
		USING bloc, period, unit, point_evaluations, point_criteria, point_values;
END
$$;

CREATE OR REPLACE FUNCTION thidua.explain(unit text, period text, bloc text DEFAULT NULL) RETURNS jsonb
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	settings thidua.bloc_period;
	standing record;
	result jsonb;
	blocs text[];
	rounding jsonb;
	in_bloc_rows jsonb;
	detail_rows jsonb;
	standing_rows jsonb;
BEGIN
	IF explain.bloc IS NULL THEN
		-- a unit in two blocs that year: which one is for the caller to say
		blocs := ARRAY(SELECT m.bloc_code FROM thidua.bloc_member m
			WHERE m.unit_code OPERATOR(pg_catalog.=) unit AND m.period_code OPERATOR(pg_catalog.=) period
			ORDER BY m.bloc_code);
		IF cardinality(blocs) > 1 THEN
			RAISE EXCEPTION 'unit "%" is a member of % blocs in period "%": %', unit, cardinality(blocs), period,
				array_to_string(blocs, ', ')
				USING ERRCODE = 'ambiguous_parameter',
					  HINT = 'Name the bloc: thidua.explain(unit, period, bloc), or thidua explain UNIT --period P --bloc B.';
		END IF;
	END IF;
	SELECT bp.* INTO settings FROM thidua.bloc_period bp
	JOIN thidua.bloc_member m ON m.bloc_code OPERATOR(pg_catalog.=) bp.bloc_code
		AND m.period_code OPERATOR(pg_catalog.=) bp.period_code
	WHERE m.unit_code OPERATOR(pg_catalog.=) unit AND m.period_code OPERATOR(pg_catalog.=) period
	  AND (explain.bloc IS NULL OR m.bloc_code OPERATOR(pg_catalog.=) explain.bloc)
	ORDER BY bp.bloc_code LIMIT 1;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'unit "%" is not a member of % in period "%"', unit,
			coalesce('bloc "' || explain.bloc || '"', 'any bloc or zone'), period
			USING ERRCODE = 'no_data_found';
	END IF;
	-- which setting rounded the averaged results (standings apply the same)
	SELECT jsonb_build_object('setting', coalesce(settings.result_rounding, v.result_rounding),
		'decided_by', CASE WHEN settings.result_rounding IS NOT NULL
						   THEN format('bloc "%s" for period "%s"', settings.bloc_code, settings.period_code)
						   ELSE format('criteria version "%s"', v.version_code) END)
		INTO rounding
		FROM thidua.criteria_version v WHERE v.version_code OPERATOR(pg_catalog.=) settings.criteria_version;

	-- what reads the bloc's scores runs first, each in its own query (on Citus,
	-- one task on the worker holding them); the explanation reads their results
	in_bloc_rows := coalesce((SELECT jsonb_agg(to_jsonb(b))
		FROM thidua._bloc_points(settings.bloc_code, settings.period_code) b), '[]');
	detail_rows := coalesce((SELECT jsonb_agg(to_jsonb(d))
		FROM thidua._evaluation_details(settings.bloc_code, settings.period_code, unit,
			ARRAY(SELECT (b ->> 'evaluation_id')::bigint FROM jsonb_array_elements(in_bloc_rows) b),
			ARRAY(SELECT b ->> 'criterion_code' FROM jsonb_array_elements(in_bloc_rows) b),
			ARRAY(SELECT (b ->> 'points')::numeric FROM jsonb_array_elements(in_bloc_rows) b)) d), '[]');
	standing_rows := coalesce((SELECT jsonb_agg(to_jsonb(s))
		FROM thidua.standings(settings.bloc_code, settings.period_code) s), '[]');

	WITH in_bloc AS (
		SELECT * FROM jsonb_to_recordset(in_bloc_rows) AS b(evaluation_id bigint, criterion_code text, points numeric,
			target numeric, leader_observed numeric, leader_target numeric, observed numeric)
	), scores AS (
		-- the unit's own evaluations, with their full breakdowns
		SELECT * FROM jsonb_to_recordset(detail_rows) AS d(evaluation_id bigint, unit_code text, stage text,
			judge_code text, judge_left boolean, detail jsonb)
	), standings AS (
		SELECT * FROM jsonb_to_recordset(standing_rows) AS s(unit_code text, unit_name text, role text,
			self_total numeric, peer_result numeric, peer_judges integer, adjustment numeric, final_total numeric,
			class text, rank bigint, tie_break jsonb, flags text[])
	), me AS (
		SELECT * FROM standings s WHERE s.unit_code OPERATOR(pg_catalog.=) unit
	), peers AS (
		SELECT s.judge_code, (s.detail ->> 'total')::numeric AS total,
			EXISTS (SELECT 1 FROM thidua.recusal r WHERE r.bloc_code OPERATOR(pg_catalog.=) settings.bloc_code
					AND r.period_code OPERATOR(pg_catalog.=) settings.period_code
					AND r.judge_code OPERATOR(pg_catalog.=) s.judge_code AND r.unit_code OPERATOR(pg_catalog.=) unit)
				OR s.judge_left AS recused,
			s.judge_left,
			s.detail
		FROM scores s WHERE s.unit_code OPERATOR(pg_catalog.=) unit AND s.stage OPERATOR(pg_catalog.=) 'peer'
	), ordered AS (
		SELECT p.*, row_number() OVER (ORDER BY p.total, p.judge_code) AS up,
			row_number() OVER (ORDER BY p.total DESC, p.judge_code DESC) AS down,
			count(*) OVER () AS n
		FROM peers p WHERE NOT p.recused
	), items AS (
		-- each item: the unit's own points, and its peers' points by the bloc's method
		SELECT i.n, i.item ->> 'code' AS code, i.item ->> 'kind' AS kind,
			(SELECT (x ->> 'points')::numeric FROM scores s, jsonb_array_elements(s.detail -> 'items') x
			 WHERE s.unit_code OPERATOR(pg_catalog.=) unit AND s.stage OPERATOR(pg_catalog.=) 'self'
			   AND (x ->> 'code') OPERATOR(pg_catalog.=) (i.item ->> 'code')) AS self_points,
			(SELECT CASE WHEN settings.peer_method OPERATOR(pg_catalog.=) 'trimmed_mean'
						 THEN thidua.trimmed_mean((x ->> 'points')::numeric, settings.peer_trim)
						 ELSE avg((x ->> 'points')::numeric) END
			 FROM peers p, jsonb_array_elements(p.detail -> 'items') x
			 WHERE NOT p.recused AND (x ->> 'code') OPERATOR(pg_catalog.=) (i.item ->> 'code')) AS peer_points
		FROM (SELECT x AS item, n FROM (SELECT s.detail FROM scores s LIMIT 1) d,
			  jsonb_array_elements(d.detail -> 'items') WITH ORDINALITY AS t(x, n)) i
	), neighbours AS (
		SELECT s.unit_code, s.rank, s.final_total, s.tie_break,
			(SELECT a.e ->> 'key'
			 FROM jsonb_array_elements(me.tie_break) WITH ORDINALITY AS a(e, n)
			 JOIN jsonb_array_elements(s.tie_break) WITH ORDINALITY AS b(e, n) USING (n)
			 WHERE (a.e ->> 'points')::numeric OPERATOR(pg_catalog.<>) (b.e ->> 'points')::numeric
			 ORDER BY n LIMIT 1) AS first_difference
		FROM standings s, me
		WHERE s.unit_code OPERATOR(pg_catalog.<>) me.unit_code AND s.final_total IS NOT NULL AND me.final_total IS NOT NULL
		  -- the units sharing its rank, and those of the nearest ranks above and below
		  -- (after a tie at rank 7 the unit at rank 9 has rank 7 above it)
		  AND (s.rank OPERATOR(pg_catalog.=) me.rank
			   OR s.rank OPERATOR(pg_catalog.=) (SELECT max(x.rank) FROM standings x
					WHERE x.final_total IS NOT NULL AND x.rank OPERATOR(pg_catalog.<) me.rank)
			   OR s.rank OPERATOR(pg_catalog.=) (SELECT min(x.rank) FROM standings x
					WHERE x.final_total IS NOT NULL AND x.rank OPERATOR(pg_catalog.>) me.rank))
	)
	SELECT jsonb_build_object(
		'unit', unit, 'bloc', settings.bloc_code, 'period', settings.period_code,
		'criteria_version', settings.criteria_version, 'peer_method', settings.peer_method,
		'peer_trim', CASE WHEN settings.peer_method OPERATOR(pg_catalog.=) 'trimmed_mean' THEN settings.peer_trim END,
		'result_rounding', rounding,
		'standing', (SELECT x FROM jsonb_array_elements(standing_rows) x
					 WHERE (x ->> 'unit_code') OPERATOR(pg_catalog.=) unit),
		'items', (SELECT jsonb_agg(jsonb_build_object('code', i.code, 'kind', i.kind,
					'self_points', i.self_points, 'peer_points', i.peer_points) ORDER BY i.n) FROM items i),
		-- criteria scored in the bloc: per score of the unit, its target and the leader it was set against
		'scored_in_bloc', (SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object('criterion', b.criterion_code,
					'stage', s.stage, 'judge', s.judge_code, 'observed', b.observed, 'target', b.target,
					'leader_observed', b.leader_observed, 'leader_target', b.leader_target, 'points', b.points))
					ORDER BY b.criterion_code, s.stage DESC, s.judge_code)
				FROM in_bloc b JOIN scores s ON s.evaluation_id OPERATOR(pg_catalog.=) b.evaluation_id),
		'peer_totals', (SELECT jsonb_agg(jsonb_build_object('judge', p.judge_code, 'total', p.total,
					'counted', NOT p.recused AND (settings.peer_method OPERATOR(pg_catalog.<>) 'trimmed_mean'
						OR o.n <= 2 * settings.peer_trim OR (o.up > settings.peer_trim AND o.down > settings.peer_trim)),
					'why_not', CASE WHEN p.judge_left THEN 'judge left the bloc' WHEN p.recused THEN 'recused'
									WHEN settings.peer_method OPERATOR(pg_catalog.=) 'trimmed_mean'
										 AND o.n > 2 * settings.peer_trim AND o.up <= settings.peer_trim THEN 'trimmed (lowest)'
									WHEN settings.peer_method OPERATOR(pg_catalog.=) 'trimmed_mean'
										 AND o.n > 2 * settings.peer_trim AND o.down <= settings.peer_trim THEN 'trimmed (highest)' END)
					ORDER BY p.total DESC, p.judge_code)
				FROM peers p LEFT JOIN ordered o ON o.judge_code OPERATOR(pg_catalog.=) p.judge_code),
		'neighbours', (SELECT jsonb_agg(jsonb_build_object('unit', nb.unit_code, 'rank', nb.rank,
					'final_total', nb.final_total,
					'decided_by', CASE WHEN nb.rank OPERATOR(pg_catalog.=) (SELECT me.rank FROM me) THEN 'tie'
						WHEN settings.peer_method OPERATOR(pg_catalog.=) 'schulze' THEN 'consensus'
						ELSE nb.first_difference END)
					ORDER BY nb.rank, nb.unit_code) FROM neighbours nb))
		-- rule shapes: the criteria marked not applicable to the unit, and what they count for
		|| CASE WHEN EXISTS (SELECT 1 FROM thidua.not_applicable_marking na
							 WHERE na.bloc_code OPERATOR(pg_catalog.=) settings.bloc_code
							   AND na.period_code OPERATOR(pg_catalog.=) settings.period_code
							   AND na.unit_code OPERATOR(pg_catalog.=) unit)
			THEN jsonb_build_object('not_applicable', jsonb_build_object(
				'treatment', (SELECT v.not_applicable FROM thidua.criteria_version v
							  WHERE v.version_code OPERATOR(pg_catalog.=) settings.criteria_version),
				'criteria', (SELECT jsonb_agg(jsonb_build_object('criterion', na.criterion_code, 'reason', na.reason,
								'decided_by', na.decided_by) ORDER BY na.criterion_code)
							 FROM thidua.not_applicable_marking na
							 WHERE na.bloc_code OPERATOR(pg_catalog.=) settings.bloc_code
							   AND na.period_code OPERATOR(pg_catalog.=) settings.period_code
							   AND na.unit_code OPERATOR(pg_catalog.=) unit)))
			ELSE '{}'::jsonb END
	INTO result;
	RETURN result;
END
$$;

CREATE OR REPLACE FUNCTION thidua.judge_report(bloc text, period text)
	RETURNS TABLE (judge_code text, scores integer, mean numeric, mean_offset numeric)
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	scored thidua._evaluation_score[];
BEGIN
	-- the scores in their own query (on Citus, one task on the bloc's worker)
	scored := ARRAY(SELECT s FROM thidua._evaluation_scores(bloc, period) s);
	RETURN QUERY
	SELECT j ->> 'judge', (j ->> 'scores')::integer, (j ->> 'mean')::numeric, (j ->> 'mean_offset')::numeric
	FROM (SELECT thidua.judge_leniency(s.judge_code, s.unit_code, s.total) AS report
		  FROM unnest(scored) s
		  WHERE s.stage OPERATOR(pg_catalog.=) 'peer'
		    AND NOT EXISTS (SELECT 1 FROM thidua.recusal r WHERE r.bloc_code OPERATOR(pg_catalog.=) bloc
							AND r.period_code OPERATOR(pg_catalog.=) period
							AND r.judge_code OPERATOR(pg_catalog.=) s.judge_code
							AND r.unit_code OPERATOR(pg_catalog.=) s.unit_code)) l,
		jsonb_array_elements(l.report -> 'judges') AS j
	ORDER BY (j ->> 'mean_offset')::numeric DESC NULLS LAST, j ->> 'judge';
END
$$;

CREATE OR REPLACE FUNCTION thidua._score_file_fault(bloc text, period text, source text, every boolean) RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	version text;
	bad record;
	message text;
	detail text;
	hint text;
	state text;
BEGIN
	SELECT bp.criteria_version INTO version FROM thidua.bloc_period bp
		WHERE bp.bloc_code OPERATOR(pg_catalog.=) bloc AND bp.period_code OPERATOR(pg_catalog.=) period;
	-- members: the unit, and the judge unless it is "self"
	SELECT i.line, 'unit' AS field, i.unit AS value INTO bad FROM pg_temp._thidua_scores i
		WHERE NOT EXISTS (SELECT 1 FROM thidua.bloc_member m WHERE m.bloc_code OPERATOR(pg_catalog.=) bloc
			AND m.period_code OPERATOR(pg_catalog.=) period AND m.unit_code OPERATOR(pg_catalog.=) i.unit)
		ORDER BY i.line LIMIT 1;
	IF NOT FOUND THEN
		SELECT i.line, 'judge' AS field, i.judge AS value INTO bad FROM pg_temp._thidua_scores i
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
		FROM pg_temp._thidua_scores i
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
	SELECT i.line INTO bad FROM pg_temp._thidua_scores i WHERE i.judge OPERATOR(pg_catalog.=) i.unit ORDER BY i.line LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION '%:%: field "judge": a member never scores itself as a peer; write "self" for a self-assessment',
			source, bad.line USING ERRCODE = 'check_violation';
	END IF;
	IF NOT every THEN
		RETURN;
	END IF;
	-- criteria: an item of the bloc's version, and a criterion (not a section)
	SELECT i.line, i.criterion, c.kind INTO bad FROM pg_temp._thidua_scores i
		LEFT JOIN thidua.criteria_item c ON c.version_code OPERATOR(pg_catalog.=) version
			AND c.code OPERATOR(pg_catalog.=) i.criterion
		WHERE c.kind IS DISTINCT FROM 'criterion'
		ORDER BY i.line LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION '%:%: field "criterion": "%" %', source, bad.line, bad.criterion,
			CASE WHEN bad.kind IS NULL THEN format('is not an item of criteria version "%s"', version)
				 ELSE format('is a %s of criteria version "%s", not a criterion', bad.kind, version) END
			USING ERRCODE = 'foreign_key_violation',
				  HINT = 'Scores are given to criteria; sections add up their criteria''s points.';
	END IF;
	SELECT d.line, d.criterion INTO bad FROM (
		SELECT i.line, i.criterion, row_number() OVER (PARTITION BY i.unit, i.judge, i.criterion ORDER BY i.line) AS n
		FROM pg_temp._thidua_scores i) AS d
		WHERE d.n OPERATOR(pg_catalog.>) 1
		ORDER BY d.line LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION '%:%: field "criterion": "%" is given twice for the same unit and judge',
			source, bad.line, bad.criterion USING ERRCODE = 'unique_violation';
	END IF;
	-- (the bloc's stored scores in a query of their own: on Citus, one task)
	WITH stored AS MATERIALIZED (
		SELECT e.unit_code, e.judge_code, o.criterion_code FROM thidua.evaluation e
		JOIN thidua.observation o ON o.bloc_code OPERATOR(pg_catalog.=) e.bloc_code
			AND o.evaluation_id OPERATOR(pg_catalog.=) e.evaluation_id
		WHERE e.bloc_code OPERATOR(pg_catalog.=) bloc AND o.bloc_code OPERATOR(pg_catalog.=) bloc
		  AND e.period_code OPERATOR(pg_catalog.=) period)
	SELECT i.line, i.unit, i.judge, i.criterion INTO bad FROM pg_temp._thidua_scores i
		JOIN stored s ON s.unit_code OPERATOR(pg_catalog.=) i.unit
			AND s.judge_code OPERATOR(pg_catalog.=) CASE WHEN i.judge OPERATOR(pg_catalog.=) 'self' THEN i.unit ELSE i.judge END
			AND s.criterion_code OPERATOR(pg_catalog.=) i.criterion
		ORDER BY i.line LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION '%:%: the score of "%" by "%" for criterion "%" is stored already', source, bad.line,
			bad.unit, bad.judge, bad.criterion
			USING ERRCODE = 'unique_violation', HINT = 'Scores are never overwritten; delete the stored one first.';
	END IF;
	-- each value by its criterion's rule, in line order: one subtransaction for
	-- the walk, not one per line
	BEGIN
		FOR bad IN SELECT i.line, i.criterion, i.observed FROM pg_temp._thidua_scores i ORDER BY i.line LOOP
			PERFORM thidua.points(version, bad.criterion, bad.observed);
		END LOOP;
	EXCEPTION WHEN OTHERS THEN
		GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
			detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
		message := format('%s:%s: field "observed": %s', source, bad.line, message);
		IF coalesce(detail, '') OPERATOR(pg_catalog.=) '' AND coalesce(hint, '') OPERATOR(pg_catalog.=) '' THEN
			RAISE EXCEPTION USING ERRCODE = state, MESSAGE = message;
		ELSIF coalesce(hint, '') OPERATOR(pg_catalog.=) '' THEN
			RAISE EXCEPTION USING ERRCODE = state, MESSAGE = message, DETAIL = detail;
		ELSIF coalesce(detail, '') OPERATOR(pg_catalog.=) '' THEN
			RAISE EXCEPTION USING ERRCODE = state, MESSAGE = message, HINT = hint;
		ELSE
			RAISE EXCEPTION USING ERRCODE = state, MESSAGE = message, DETAIL = detail, HINT = hint;
		END IF;
	END;
END
$$;

CREATE OR REPLACE FUNCTION thidua._store_scores(bloc text, period text, source text) RETURNS bigint
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	-- statistics of the staged lines: a small sample is enough for hash joins
	SET default_statistics_target = 10
	AS $$
DECLARE
	version text;
	period_status text;
	departed record;
	marked record;
	stored bigint := 0;
	inserted bigint;
	first_line bigint;
	end_line bigint;
	low bigint;
	high bigint;
	slices bigint;
	state text;
	message text;
	detail text;
	hint text;
BEGIN
	SELECT bp.criteria_version INTO version FROM thidua.bloc_period bp
		WHERE bp.bloc_code OPERATOR(pg_catalog.=) bloc AND bp.period_code OPERATOR(pg_catalog.=) period;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'bloc "%" has no settings for period "%"', bloc, period USING ERRCODE = 'no_data_found';
	END IF;
	IF thidua._distributed() THEN
		-- reads and writes of the bloc's shards in one transaction
		PERFORM set_config('citus.multi_shard_modify_mode', 'sequential', true);
	END IF;
	PERFORM thidua._progress('checking', 0);
	ANALYZE pg_temp._thidua_scores;
	-- what row-level security would refuse without naming a line (and the
	-- cheap checks before it, in their order)
	IF NOT thidua._is_admin() THEN
		PERFORM thidua._score_file_fault(bloc, period, source, false);
	END IF;
	PERFORM thidua._progress('checking', 100);
	BEGIN
		-- the evaluations the file names that are not stored yet
		CREATE TEMP TABLE _thidua_evaluations ON COMMIT DROP AS
			SELECT e.evaluation_id, e.unit_code, e.stage, e.judge_code FROM thidua.evaluation e
			WHERE e.bloc_code OPERATOR(pg_catalog.=) bloc AND e.period_code OPERATOR(pg_catalog.=) period;
		CREATE TEMP TABLE _thidua_new_evaluations ON COMMIT DROP AS
			SELECT DISTINCT i.unit AS unit_code,
				CASE WHEN i.judge OPERATOR(pg_catalog.=) 'self' THEN 'self' ELSE 'peer' END AS stage,
				CASE WHEN i.judge OPERATOR(pg_catalog.=) 'self' THEN i.unit ELSE i.judge END AS judge_code
			FROM pg_temp._thidua_scores i
			EXCEPT
			SELECT e.unit_code, e.stage, e.judge_code FROM pg_temp._thidua_evaluations e;
		-- a closed period takes no new evaluation (as _guard_open_period says;
		-- on one server its trigger also share-locks the period, on Citus this does)
		IF thidua._distributed() THEN
			SELECT p.status INTO period_status FROM thidua.period p
				WHERE p.period_code OPERATOR(pg_catalog.=) period FOR SHARE;
		ELSE
			SELECT p.status INTO period_status FROM thidua.period p
				WHERE p.period_code OPERATOR(pg_catalog.=) period;
		END IF;
		IF period_status OPERATOR(pg_catalog.=) 'closed'
		   AND EXISTS (SELECT 1 FROM pg_temp._thidua_new_evaluations) THEN
			RAISE EXCEPTION 'period "%" is closed: evaluations cannot change', period
				USING ERRCODE = 'object_not_in_prerequisite_state',
					  HINT = 'A closed period is history; thidua.reopen_period(period, reason) reopens it, on the record.';
		END IF;
		-- a member that left neither judges nor is judged (as _guard_departed_member says)
		SELECT m.unit_code, m.status, m.status_date, m.merged_into, n.unit_code AS judged, n.judge_code AS judge
			INTO departed
			FROM pg_temp._thidua_new_evaluations n
			JOIN thidua.bloc_member m ON m.bloc_code OPERATOR(pg_catalog.=) bloc AND m.period_code OPERATOR(pg_catalog.=) period
				AND m.unit_code OPERATOR(pg_catalog.=) ANY (ARRAY[n.unit_code, n.judge_code])
			WHERE m.status OPERATOR(pg_catalog.<>) 'active' AND m.status_date OPERATOR(pg_catalog.<=) now()
			ORDER BY n.unit_code, n.stage, n.judge_code, m.unit_code OPERATOR(pg_catalog.<>) n.judge_code LIMIT 1;
		IF FOUND THEN
			RAISE EXCEPTION 'unit "%" left bloc "%" on % (%): from that date it neither judges nor is judged',
				departed.unit_code, bloc, departed.status_date,
				CASE WHEN departed.status OPERATOR(pg_catalog.=) 'merged' THEN 'merged into "' || departed.merged_into || '"'
					 ELSE 'withdrawn' END
				USING ERRCODE = 'object_not_in_prerequisite_state',
					  DETAIL = format('The evaluation of "%s" by "%s" in period "%s" is refused.', departed.judged,
									  departed.judge, period);
		END IF;
		INSERT INTO thidua.evaluation (bloc_code, period_code, unit_code, stage, judge_code)
			SELECT bloc, period, n.unit_code, n.stage, n.judge_code FROM pg_temp._thidua_new_evaluations n
			ORDER BY n.unit_code, n.stage, n.judge_code
			ON CONFLICT (bloc_code, period_code, unit_code, stage, judge_code) DO NOTHING;
		IF EXISTS (SELECT 1 FROM pg_temp._thidua_new_evaluations) THEN
			TRUNCATE pg_temp._thidua_evaluations;
			INSERT INTO pg_temp._thidua_evaluations
				SELECT e.evaluation_id, e.unit_code, e.stage, e.judge_code FROM thidua.evaluation e
				WHERE e.bloc_code OPERATOR(pg_catalog.=) bloc AND e.period_code OPERATOR(pg_catalog.=) period;
		END IF;
		ANALYZE pg_temp._thidua_evaluations;
		PERFORM thidua._progress('storing', 15);
		-- the observations' checks (as _check_observations makes them): a closed
		-- period, a criterion marked not applicable to the unit, every value by
		-- its criterion's rule (thidua.points raises)
		IF period_status OPERATOR(pg_catalog.=) 'closed' THEN
			RAISE EXCEPTION 'period "%" is closed: observations cannot change', period
				USING ERRCODE = 'object_not_in_prerequisite_state',
					  HINT = 'A closed period is history; thidua.reopen_period(period, reason) reopens it, on the record.';
		END IF;
		SELECT i.criterion, i.unit INTO marked FROM pg_temp._thidua_scores i
			JOIN thidua.not_applicable_marking na ON na.bloc_code OPERATOR(pg_catalog.=) bloc
				AND na.period_code OPERATOR(pg_catalog.=) period AND na.unit_code OPERATOR(pg_catalog.=) i.unit
				AND na.criterion_code OPERATOR(pg_catalog.=) i.criterion
			ORDER BY i.line LIMIT 1;
		IF FOUND THEN
			RAISE EXCEPTION 'criterion "%" is marked not applicable to unit "%": it is not observed',
				marked.criterion, marked.unit
				USING ERRCODE = 'check_violation',
					  HINT = 'thidua.not_applicable_marking holds the marking and its reason.';
		END IF;
		PERFORM thidua.points(version, i.criterion, i.observed) FROM pg_temp._thidua_scores i;
		-- a progress bar gets the file in ten slices of lines, so that it moves
		SELECT min(i.line), max(i.line) OPERATOR(pg_catalog.+) 1 INTO first_line, end_line
			FROM pg_temp._thidua_scores i;
		slices := CASE WHEN thidua._progress_on() THEN 10 ELSE 1 END;
		FOR part IN 0 .. slices OPERATOR(pg_catalog.-) 1 LOOP
			-- (OPERATOR() binds left to right, hence the parentheses)
			low := first_line OPERATOR(pg_catalog.+) (((end_line OPERATOR(pg_catalog.-) first_line)
				OPERATOR(pg_catalog.*) part) OPERATOR(pg_catalog./) slices);
			high := first_line OPERATOR(pg_catalog.+) (((end_line OPERATOR(pg_catalog.-) first_line)
				OPERATOR(pg_catalog.*) (part OPERATOR(pg_catalog.+) 1)) OPERATOR(pg_catalog./) slices);
			-- planned for these bounds (EXECUTE): a generic plan of the slice
			-- could loop over the evaluations for every line
			EXECUTE $sql$
				INSERT INTO thidua.observation (bloc_code, evaluation_id, criterion_code, observed, evidence)
				SELECT $1, e.evaluation_id, i.criterion, i.observed, nullif(i.evidence, '')
				FROM pg_temp._thidua_scores i
				JOIN pg_temp._thidua_evaluations e ON e.unit_code OPERATOR(pg_catalog.=) i.unit
					AND e.judge_code OPERATOR(pg_catalog.=) CASE WHEN i.judge OPERATOR(pg_catalog.=) 'self' THEN i.unit ELSE i.judge END
					AND e.stage OPERATOR(pg_catalog.=) CASE WHEN i.judge OPERATOR(pg_catalog.=) 'self' THEN 'self' ELSE 'peer' END
				WHERE i.line OPERATOR(pg_catalog.>=) $2 AND i.line OPERATOR(pg_catalog.<) $3 $sql$
				USING bloc, low, high;
			GET DIAGNOSTICS inserted = ROW_COUNT;
			stored := stored OPERATOR(pg_catalog.+) inserted;
			PERFORM thidua._progress('storing', (15 OPERATOR(pg_catalog.+)
				((85 OPERATOR(pg_catalog.*) (part OPERATOR(pg_catalog.+) 1)) OPERATOR(pg_catalog./) slices))::integer);
		END LOOP;
		DROP TABLE pg_temp._thidua_evaluations, pg_temp._thidua_new_evaluations;
	EXCEPTION WHEN OTHERS THEN
		GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
			detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
		PERFORM thidua._score_file_fault(bloc, period, source, true);
		-- no line at fault (a closed period, say): the error as it came
		IF coalesce(detail, '') OPERATOR(pg_catalog.=) '' AND coalesce(hint, '') OPERATOR(pg_catalog.=) '' THEN
			RAISE EXCEPTION USING ERRCODE = state, MESSAGE = message;
		ELSIF coalesce(hint, '') OPERATOR(pg_catalog.=) '' THEN
			RAISE EXCEPTION USING ERRCODE = state, MESSAGE = message, DETAIL = detail;
		ELSIF coalesce(detail, '') OPERATOR(pg_catalog.=) '' THEN
			RAISE EXCEPTION USING ERRCODE = state, MESSAGE = message, HINT = hint;
		ELSE
			RAISE EXCEPTION USING ERRCODE = state, MESSAGE = message, DETAIL = detail, HINT = hint;
		END IF;
	END;
	RETURN stored;
END
$$;

CREATE OR REPLACE FUNCTION thidua.import_rulebook(document jsonb, replace boolean DEFAULT false) RETURNS text
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	doc jsonb;
	version text;
	existing text;
BEGIN
	-- text is stored in Unicode NFC, so that equal-looking names compare equal
	doc := thidua._nfc(document::text)::jsonb;
	PERFORM thidua._validate_rulebook(doc);
	version := (doc #>> '{rulebook,code}') || '/' || (doc ->> 'edition');

	SELECT status INTO existing FROM thidua.rulebook_version
		WHERE version_code OPERATOR(pg_catalog.=) version FOR UPDATE;
	IF existing IS NOT NULL THEN
		IF existing = 'draft' AND import_rulebook.replace THEN
			DELETE FROM thidua.rulebook_version WHERE version_code OPERATOR(pg_catalog.=) version;
			-- the history (kept) says the draft was replaced, and from what
			PERFORM set_config('thidua.status_note',
				'replaced' || coalesce(' from ' || (doc ->> '_source'), ''), true);
		ELSE
			RAISE EXCEPTION '%rulebook version "%" already exists (%)',
				coalesce((doc ->> '_source') || ': ', ''), version, existing
				USING ERRCODE = 'unique_violation',
					  HINT = CASE WHEN existing = 'draft'
						THEN 'Replace the draft (replace => true, or thidua rulebook import --replace).'
						ELSE 'Give the new edition another "edition".' END;
		END IF;
	END IF;

	INSERT INTO thidua.rulebook (rulebook_code, name)
		VALUES (doc #>> '{rulebook,code}', doc #>> '{rulebook,name}')
		ON CONFLICT (rulebook_code) DO NOTHING;
	INSERT INTO thidua.rulebook_version (version_code, rulebook_code, edition, title, effective_from, effective_to, general)
		VALUES (version, doc #>> '{rulebook,code}', doc ->> 'edition', doc ->> 'title',
			(doc ->> 'effective_from')::date, (doc ->> 'effective_to')::date, doc -> 'general');
	PERFORM thidua._record_rulebook_event_on_citus(version, NULL, 'draft', current_setting('thidua.status_note', true));
	INSERT INTO thidua.rulebook_entry (version_code, award_code, position, rule, quota, council, disclosure,
			nomination, note)
		SELECT version, e ->> 'award', n, e -> 'rule',
			nullif(e -> 'quota', 'null'), nullif(e -> 'council', 'null'), nullif(e -> 'disclosure', 'null'),
			nullif(e -> 'nomination', 'null'), e ->> 'note'
		FROM jsonb_array_elements(doc -> 'awards') WITH ORDINALITY AS entries(e, n);
	PERFORM set_config('thidua.status_note', '', true);
	RETURN version;
END
$$;

CREATE OR REPLACE FUNCTION thidua._guard_rulebook_entry() RETURNS trigger
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

CREATE OR REPLACE FUNCTION thidua._check_rulebook_move(version text, from_status text, to_status text, validate boolean)
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

CREATE OR REPLACE FUNCTION thidua._guard_rulebook_version() RETURNS trigger
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

CREATE OR REPLACE FUNCTION thidua._guard_rulebook() RETURNS trigger
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

CREATE OR REPLACE FUNCTION thidua._record_rulebook_event_on_citus(version text, from_status text, to_status text, note text)
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

CREATE OR REPLACE FUNCTION thidua._set_rulebook_status(version text, status text, note text) RETURNS void
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

CREATE OR REPLACE FUNCTION thidua.publish_rulebook(version text, note text DEFAULT NULL) RETURNS void
	LANGUAGE sql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$ SELECT thidua._set_rulebook_status(version, 'published', note) $$;

CREATE OR REPLACE FUNCTION thidua.retire_rulebook(version text, note text DEFAULT NULL) RETURNS void
	LANGUAGE sql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$ SELECT thidua._set_rulebook_status(version, 'retired', note) $$;

CREATE OR REPLACE FUNCTION thidua.clone_rulebook(version text, new_edition text DEFAULT NULL) RETURNS text
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

CREATE OR REPLACE FUNCTION thidua.delete_rulebook_draft(version text) RETURNS void
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

CREATE OR REPLACE FUNCTION thidua._distributed() RETURNS boolean
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	found boolean;
BEGIN
	IF to_regclass('pg_catalog.pg_dist_partition') IS NULL THEN
		RETURN false;
	END IF;
	EXECUTE 'SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition
		WHERE logicalrelid OPERATOR(pg_catalog.=) ''thidua.evaluation''::pg_catalog.regclass)' INTO found;
	RETURN found;
END
$$;

COMMENT ON FUNCTION thidua._distributed() IS
	'true when thidua.distribute() has made thidua''s tables Citus tables in this database';

CREATE OR REPLACE FUNCTION thidua._local_relation(relation regclass) RETURNS regclass
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	placement regclass;
BEGIN
	IF relation IS NULL OR to_regclass('pg_catalog.pg_dist_partition') IS NULL THEN
		RETURN relation;
	END IF;
	EXECUTE 'SELECT pg_catalog.to_regclass(pg_catalog.shard_name(s.logicalrelid, s.shardid))
		FROM pg_catalog.pg_dist_shard s
		JOIN pg_catalog.pg_dist_partition p ON p.logicalrelid OPERATOR(pg_catalog.=) s.logicalrelid
		WHERE s.logicalrelid OPERATOR(pg_catalog.=) $1 AND p.partmethod OPERATOR(pg_catalog.=) ''n''
		  AND p.repmodel OPERATOR(pg_catalog.=) ''t'''
		INTO placement USING relation;
	RETURN coalesce(placement, relation);
END
$$;

COMMENT ON FUNCTION thidua._local_relation(regclass) IS
	'the relation to read for a table: on a Citus node holding a placement of the reference table, that placement; otherwise the table itself';

CREATE OR REPLACE FUNCTION thidua.distribution_design()
	RETURNS TABLE (table_name text, placement text, distribution_column text, colocation text, reason text)
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT d.* FROM (VALUES
		('criteria_set', 'reference', NULL, NULL, 'criteria tables: read by every score'),
		('criteria_version', 'reference', NULL, NULL, 'criteria tables: read by every score'),
		('criteria_item', 'reference', NULL, NULL, 'criteria tables: read by every score'),
		('class_band', 'reference', NULL, NULL, 'criteria tables: read by every score'),
		('criteria_version_event', 'reference', NULL, NULL, 'history of the criteria versions'),
		('unit', 'reference', NULL, NULL, 'the unit tree: joined by standings, records and nominations'),
		('role_unit', 'reference', NULL, NULL, 'which units a login role acts for'),
		('period', 'reference', NULL, NULL, 'periods: their status guards every score'),
		('period_event', 'reference', NULL, NULL, 'history of the periods'),
		('bloc', 'reference', NULL, NULL, 'blocs and zones'),
		('bloc_period', 'reference', NULL, NULL, 'a bloc''s settings per period'),
		('bloc_member', 'reference', NULL, NULL, 'a bloc''s members per period'),
		('pact', 'reference', NULL, NULL, 'emulation pacts, one per member'),
		('recusal', 'reference', NULL, NULL, 'recusals, a few per bloc'),
		('veto', 'reference', NULL, NULL, 'vetoes, a few per bloc'),
		('adjustment', 'reference', NULL, NULL, 'appraisal adjustments, a few per bloc'),
		('not_applicable_marking', 'reference', NULL, NULL, 'criteria marked not applicable, a few per bloc'),
		('standing_revision', 'reference', NULL, NULL, 'published standings: read by everyone'),
		('standing_row', 'reference', NULL, NULL, 'published standings: read by everyone'),
		('award', 'reference', NULL, NULL, 'the award catalog'),
		('rulebook', 'reference', NULL, NULL, 'rulebooks'),
		('rulebook_version', 'reference', NULL, NULL, 'rulebook versions'),
		('rulebook_entry', 'reference', NULL, NULL, 'rulebook entries: read by every eligibility'),
		('rulebook_version_event', 'reference', NULL, NULL, 'history of the rulebook versions'),
		('unit_rating', 'reference', NULL, NULL, 'units'' yearly ratings: joined with the unit tree'),
		('unit_award', 'reference', NULL, NULL, 'units'' awards: joined with the unit tree'),
		('initiative', 'reference', NULL, NULL, 'initiatives: one may have authors on several nodes'),
		('initiative_author', 'reference', NULL, NULL, 'initiatives'' authors: one initiative, several people'),
		('nomination_transition', 'reference', NULL, NULL, 'the workflow''s state machine'),
		('nomination_round', 'reference', NULL, NULL, 'rounds: a few per year'),
		('round_award', 'reference', NULL, NULL, 'a round''s awards'),
		('nomination', 'reference', NULL, NULL, 'nominations: thousands a year, read with the round and council'),
		('nomination_achievement', 'reference', NULL, NULL, 'a nomination''s achievements'),
		('dossier_item', 'reference', NULL, NULL, 'a nomination''s dossier'),
		('nomination_event', 'reference', NULL, NULL, 'the workflow''s append-only log'),
		('disclosure_comment', 'reference', NULL, NULL, 'comments made while a nomination is disclosed'),
		('council_member', 'reference', NULL, NULL, 'a round''s council'),
		('quota_tie', 'reference', NULL, NULL, 'ties at a quota''s cut'),
		('vote_register', 'reference', NULL, NULL, 'who voted: one row per member and nomination'),
		('ballot', 'reference', NULL, NULL, 'the secret ballots, apart from the register'),
		('evaluation', 'distributed', 'bloc_code', 'bloc', 'scores: one bloc''s standings is a single-shard query'),
		('observation', 'distributed', 'bloc_code', 'bloc', 'scores: co-located with their evaluation'),
		('individual', 'distributed', 'person_code', 'person', 'people: eligibility runs on every node at once'),
		('membership', 'distributed', 'person_code', 'person', 'people''s records: co-located with the person'),
		('post_held', 'distributed', 'person_code', 'person', 'people''s records: co-located with the person'),
		('individual_rating', 'distributed', 'person_code', 'person', 'people''s records: co-located with the person'),
		('individual_award', 'distributed', 'person_code', 'person', 'people''s records: co-located with the person'),
		('discipline', 'distributed', 'person_code', 'person', 'people''s records: co-located with the person')
	) AS d (table_name, placement, distribution_column, colocation, reason)
$$;

COMMENT ON FUNCTION thidua.distribution_design() IS
	'where each thidua table lives on Citus: reference (copied to every node) or distributed by bloc_code (scores) or person_code (people''s records), with the reason';

CREATE OR REPLACE FUNCTION thidua.coordinator_checks()
	RETURNS TABLE (table_name text, trigger_name text, trigger_function text, checked_by text)
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT c.* FROM (VALUES
		('adjustment', 'adjustment_no_truncate', '_guard_truncate', 'no role holds TRUNCATE'),
		('adjustment', 'adjustment_open_period', '_guard_open_period', 'the zone set-up and score functions refuse a closed period'),
		('bloc_member', 'bloc_member_dependents', '_guard_member_dependents', 'remove_member refuses a member with scores'),
		('bloc_member', 'bloc_member_no_truncate', '_guard_truncate', 'no role holds TRUNCATE'),
		('bloc_member', 'bloc_member_open_period', '_guard_open_period', 'the zone set-up and score functions refuse a closed period'),
		('bloc_period', 'bloc_period_no_truncate', '_guard_truncate', 'no role holds TRUNCATE'),
		('bloc_period', 'bloc_period_open_period', '_guard_open_period', 'the zone set-up and score functions refuse a closed period'),
		('bloc_period', 'bloc_period_published_version', '_guard_bloc_period_version', 'set_bloc_settings takes published criteria versions only'),
		('class_band', 'class_band_no_truncate', '_guard_truncate', 'no role holds TRUNCATE'),
		('criteria_item', 'criteria_item_no_truncate', '_guard_truncate', 'no role holds TRUNCATE'),
		('criteria_set', 'criteria_set_no_truncate', '_guard_truncate', 'no role holds TRUNCATE'),
		('criteria_version', 'criteria_version_history', '_record_version_event', 'the criteria lifecycle functions record the event'),
		('criteria_version', 'criteria_version_no_truncate', '_guard_truncate', 'no role holds TRUNCATE'),
		('criteria_version_event', 'criteria_version_event_no_truncate', '_guard_truncate', 'no role holds TRUNCATE'),
		('evaluation', 'evaluation_by_present_members', '_guard_departed_member', 'import_scores refuses a judge who had left'),
		('evaluation', 'evaluation_no_truncate', '_guard_truncate', 'no role holds TRUNCATE'),
		('evaluation', 'evaluation_open_period', '_guard_open_period', 'the zone set-up and score functions refuse a closed period'),
		('individual_award', 'individual_award_guard', '_guard_award_record', 'import_records and award check the awards subject and dates'),
		('individual_award', 'individual_award_kind', '_award_kind_default', 'import_records and award fill the kind from the award catalog'),
		('individual_award', 'individual_award_nominated_kept', '_guard_nominated_award', 'revoke is the only change to a nominated award'),
		('individual_award', 'individual_award_nominated_no_truncate', '_guard_nominated_award', 'revoke is the only change to a nominated award'),
		('initiative', 'initiative_nominated_credit_kept', '_guard_nominated_initiative', 'import_records keeps a nominated initiatives credit'),
		('initiative', 'initiative_used_by_author', '_guard_initiative_use', 'import_records and award check an initiatives use by its authors'),
		('initiative_author', 'initiative_author_of_use', '_guard_initiative_use', 'import_records and award check an initiatives use by its authors'),
		('not_applicable_marking', 'not_applicable_marking_checked_on_insert', '_check_not_applicable', 'no function writes it; on Citus only a superuser can'),
		('not_applicable_marking', 'not_applicable_marking_checked_on_update', '_check_not_applicable', 'no function writes it; on Citus only a superuser can'),
		('not_applicable_marking', 'not_applicable_marking_no_truncate', '_guard_truncate', 'no role holds TRUNCATE'),
		('not_applicable_marking', 'not_applicable_marking_open_period', '_guard_open_period', 'the zone set-up and score functions refuse a closed period'),
		('observation', 'observation_bloc', '_fill_observation_bloc', 'import_scores gives each observation its bloc'),
		('observation', 'observation_checked_on_insert', '_check_observations', 'import_scores checks every staged value by its criterions rule and the markings'),
		('observation', 'observation_checked_on_update', '_check_observations', 'import_scores checks every staged value by its criterions rule and the markings'),
		('observation', 'observation_no_truncate', '_guard_truncate', 'no role holds TRUNCATE'),
		('observation', 'observation_open_period_on_delete', '_guard_closed_observation', 'import_scores refuses a closed period'),
		('observation', 'observation_open_period_on_update', '_guard_closed_observation', 'import_scores refuses a closed period'),
		('pact', 'pact_no_truncate', '_guard_truncate', 'no role holds TRUNCATE'),
		('pact', 'pact_open_period', '_guard_open_period', 'the zone set-up and score functions refuse a closed period'),
		('period', 'period_lifecycle', '_guard_period', 'open_period, close_period and reopen_period move the period'),
		('period', 'period_no_truncate', '_guard_truncate', 'no role holds TRUNCATE'),
		('period_event', 'period_event_no_truncate', '_guard_truncate', 'no role holds TRUNCATE'),
		('post_held', 'post_held_without_overlap', '_guard_post_overlap', 'import_people and import_records refuse overlapping posts'),
		('recusal', 'recusal_no_truncate', '_guard_truncate', 'no role holds TRUNCATE'),
		('recusal', 'recusal_open_period', '_guard_open_period', 'the zone set-up and score functions refuse a closed period'),
		('rulebook', 'rulebook_no_truncate', '_guard_rulebook_truncate', 'no role holds TRUNCATE'),
		('rulebook_entry', 'rulebook_entry_no_truncate', '_guard_rulebook_truncate', 'no role holds TRUNCATE'),
		('rulebook_version', 'rulebook_version_history', '_record_rulebook_event', 'the rulebook lifecycle functions record the event'),
		('rulebook_version', 'rulebook_version_no_truncate', '_guard_rulebook_truncate', 'no role holds TRUNCATE'),
		('rulebook_version_event', 'rulebook_version_event_no_truncate', '_guard_truncate', 'no role holds TRUNCATE'),
		('standing_revision', 'standing_revision_has_rows', '_check_revision_has_rows', 'publish_standings writes a revision with its rows'),
		('standing_revision', 'standing_revision_no_truncate', '_guard_truncate', 'no role holds TRUNCATE'),
		('standing_row', 'standing_row_no_truncate', '_guard_truncate', 'no role holds TRUNCATE'),
		('unit', 'unit_tree_without_cycles', '_guard_unit_tree', 'import_units refuses a cycle'),
		('unit_award', 'unit_award_guard', '_guard_award_record', 'import_records and award check the awards subject and dates'),
		('unit_award', 'unit_award_kind', '_award_kind_default', 'import_records and award fill the kind from the award catalog'),
		('unit_award', 'unit_award_nominated_kept', '_guard_nominated_award', 'revoke is the only change to a nominated award'),
		('unit_award', 'unit_award_nominated_no_truncate', '_guard_nominated_award', 'revoke is the only change to a nominated award'),
		('veto', 'veto_no_truncate', '_guard_truncate', 'no role holds TRUNCATE'),
		('veto', 'veto_open_period', '_guard_open_period', 'the zone set-up and score functions refuse a closed period')
	) AS c (table_name, trigger_name, trigger_function, checked_by)
$$;

COMMENT ON FUNCTION thidua.coordinator_checks() IS
	'the triggers that read other tables, which thidua.distribute() drops on Citus, and the coordinator functions that make their check there';

CREATE OR REPLACE FUNCTION thidua._prepare_for_citus() RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	doomed record;
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname OPERATOR(pg_catalog.=) 'citus') THEN
		RAISE EXCEPTION 'thidua._prepare_for_citus() belongs to thidua.distribute(), on a Citus node'
			USING ERRCODE = 'feature_not_supported';
	END IF;
	FOR doomed IN SELECT c.conrelid::pg_catalog.regclass AS relation, c.conname
			FROM pg_catalog.pg_constraint c JOIN pg_catalog.pg_class r ON r.oid OPERATOR(pg_catalog.=) c.conrelid
			WHERE c.contype OPERATOR(pg_catalog.=) 'f'
			  AND r.relnamespace OPERATOR(pg_catalog.=) 'thidua'::pg_catalog.regnamespace LOOP
		EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', doomed.relation, doomed.conname);
	END LOOP;
	FOR doomed IN SELECT * FROM thidua.coordinator_checks() LOOP
		EXECUTE format('DROP TRIGGER IF EXISTS %I ON thidua.%I', doomed.trigger_name, doomed.table_name);
	END LOOP;
	-- Citus refuses subqueries in policies: the policies' helper functions are
	-- called per row instead of once per statement, and those that read other
	-- tables are replaced by their forms that read this node's placements
	-- (90_roles.sql, _policy_for_citus)
	FOR doomed IN SELECT p.tablename, p.policyname, p.qual, p.with_check
			FROM pg_catalog.pg_policies p WHERE p.schemaname OPERATOR(pg_catalog.=) 'thidua' LOOP
		IF doomed.qual OPERATOR(pg_catalog.~) 'EXISTS' THEN
			-- the one policy with a subquery of its own (an initiative's authors)
			doomed.qual := 'CASE WHEN thidua._is_admin() THEN true ELSE thidua._initiative_visible(initiative_code) END';
		END IF;
		EXECUTE format('ALTER POLICY %I ON thidua.%I%s%s', doomed.policyname, doomed.tablename,
			CASE WHEN doomed.qual IS NOT NULL
				 THEN ' USING (' OPERATOR(pg_catalog.||) thidua._policy_for_citus(doomed.qual) OPERATOR(pg_catalog.||) ')' ELSE '' END,
			CASE WHEN doomed.with_check IS NOT NULL
				 THEN ' WITH CHECK (' OPERATOR(pg_catalog.||) thidua._policy_for_citus(doomed.with_check) OPERATOR(pg_catalog.||) ')' ELSE '' END);
	END LOOP;
	ALTER TABLE thidua.individual_award DROP CONSTRAINT IF EXISTS individual_award_record_id_key;
	ALTER TABLE thidua.discipline DROP CONSTRAINT IF EXISTS discipline_record_id_key;
END
$$;

CREATE OR REPLACE FUNCTION thidua.distribute()
	RETURNS TABLE (table_name text, placement text, distribution_column text, shards integer)
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	design record;
	foreign_key record;
	doomed record;
	is_coordinator boolean;
	coordinator_placed boolean;
	first_of jsonb := '{}';
	failures text[];
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname OPERATOR(pg_catalog.=) 'citus') THEN
		RAISE EXCEPTION 'thidua.distribute() needs the citus extension in this database'
			USING ERRCODE = 'feature_not_supported',
				  HINT = 'On the coordinator: CREATE EXTENSION citus; then add the workers (citus_add_node) and call thidua.distribute() again.';
	END IF;
	EXECUTE 'SELECT pg_catalog.citus_is_coordinator()' INTO is_coordinator;
	IF NOT is_coordinator THEN
		RAISE EXCEPTION 'thidua.distribute() runs on the Citus coordinator, not on a worker'
			USING ERRCODE = 'object_not_in_prerequisite_state';
	END IF;
	IF NOT (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) current_user) THEN
		RAISE EXCEPTION 'thidua.distribute() is for a superuser'
			USING ERRCODE = 'insufficient_privilege';
	END IF;
	IF thidua._distributed() THEN
		RAISE NOTICE 'thidua''s tables are distributed already';
		RETURN QUERY SELECT * FROM thidua._distribution_state();
		RETURN;
	END IF;
	-- Reference tables need a placement on the coordinator: the workflow
	-- functions read them there, locally, inside their own statements.
	EXECUTE 'SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_node WHERE groupid OPERATOR(pg_catalog.=) 0)'
		INTO coordinator_placed;
	IF NOT coordinator_placed THEN
		RAISE EXCEPTION 'the coordinator is not in Citus''s metadata'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = 'thidua''s reference tables need a placement on the coordinator.',
				  HINT = 'SELECT citus_set_coordinator_host(''<this host>'', <this port>); then call thidua.distribute() again.';
	END IF;
	IF EXISTS (SELECT 1 FROM thidua.distribution_design() d
			   WHERE to_regclass('thidua.' OPERATOR(pg_catalog.||) quote_ident(d.table_name)) IS NULL)
	   OR EXISTS (SELECT 1 FROM pg_catalog.pg_class c
			   WHERE c.relnamespace OPERATOR(pg_catalog.=) 'thidua'::pg_catalog.regnamespace
				 AND c.relkind OPERATOR(pg_catalog.=) 'r'
				 AND c.relname::text OPERATOR(pg_catalog.<>) ALL (SELECT d.table_name FROM thidua.distribution_design() d)) THEN
		RAISE EXCEPTION 'thidua''s tables and its distribution design differ'
			USING ERRCODE = 'internal_error';
	END IF;

	-- Foreign keys: dropped, then made again where Citus allows them (never
	-- from a reference table to a distributed one; the functions check those).
	CREATE TEMPORARY TABLE _thidua_foreign_keys ON COMMIT DROP AS
		SELECT c.conrelid::pg_catalog.regclass AS relation, c.conname::text AS name,
			pg_catalog.pg_get_constraintdef(c.oid) AS definition
		FROM pg_catalog.pg_constraint c
		JOIN pg_catalog.pg_class r ON r.oid OPERATOR(pg_catalog.=) c.conrelid
		WHERE c.contype OPERATOR(pg_catalog.=) 'f'
		  AND r.relnamespace OPERATOR(pg_catalog.=) 'thidua'::pg_catalog.regnamespace;
	-- every node alike: the workers hold thidua's tables too (CREATE EXTENSION
	-- ran there), and Citus keeps them as the shells of the Citus tables
	EXECUTE $run$SELECT pg_catalog.array_agg(r.nodename OPERATOR(pg_catalog.||) ':' OPERATOR(pg_catalog.||) r.nodeport
			OPERATOR(pg_catalog.||) ': ' OPERATOR(pg_catalog.||) r.result)
		FROM pg_catalog.run_command_on_workers('SELECT thidua._prepare_for_citus()') r WHERE NOT r.success$run$
		INTO failures;
	IF failures IS NOT NULL THEN
		RAISE EXCEPTION 'thidua could not be prepared on every worker'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = pg_catalog.array_to_string(failures, '; '),
				  HINT = 'Every worker needs the same thidua build installed (make install) and CREATE EXTENSION thidua, which Citus propagates.';
	END IF;
	PERFORM thidua._prepare_for_citus();

	PERFORM set_config('citus.enable_unsafe_triggers', 'on', true);
	PERFORM set_config('citus.multi_shard_modify_mode', 'sequential', true);
	FOR design IN SELECT * FROM thidua.distribution_design() d ORDER BY d.placement DESC, d.colocation,
			d.table_name OPERATOR(pg_catalog.<>) ALL (ARRAY['evaluation', 'individual']), d.table_name LOOP
		IF design.placement OPERATOR(pg_catalog.=) 'reference' THEN
			EXECUTE 'SELECT pg_catalog.create_reference_table($1)'
				USING ('thidua.' OPERATOR(pg_catalog.||) quote_ident(design.table_name))::pg_catalog.regclass;
		ELSIF first_of OPERATOR(pg_catalog.?) design.colocation THEN
			EXECUTE 'SELECT pg_catalog.create_distributed_table($1, $2, colocate_with => $3)'
				USING ('thidua.' OPERATOR(pg_catalog.||) quote_ident(design.table_name))::pg_catalog.regclass,
					design.distribution_column, first_of OPERATOR(pg_catalog.->>) design.colocation;
		ELSE
			EXECUTE 'SELECT pg_catalog.create_distributed_table($1, $2, colocate_with => ''none'')'
				USING ('thidua.' OPERATOR(pg_catalog.||) quote_ident(design.table_name))::pg_catalog.regclass,
					design.distribution_column;
			first_of := first_of OPERATOR(pg_catalog.||)
				jsonb_build_object(design.colocation, 'thidua.' OPERATOR(pg_catalog.||) quote_ident(design.table_name));
		END IF;
	END LOOP;

	FOR foreign_key IN SELECT * FROM pg_temp._thidua_foreign_keys ORDER BY relation::text, name LOOP
		IF thidua._foreign_key_allowed(foreign_key.relation::text, foreign_key.definition) THEN
			EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I %s', foreign_key.relation, foreign_key.name,
				foreign_key.definition);
		END IF;
	END LOOP;

	-- the rows copied to the shards leave the shells (the tables on this node;
	-- their guards refuse TRUNCATE to anyone else)
	PERFORM set_config('session_replication_role', 'replica', true);
	FOR design IN SELECT * FROM thidua.distribution_design() LOOP
		EXECUTE 'SELECT pg_catalog.truncate_local_data_after_distributing_table($1)'
			USING ('thidua.' OPERATOR(pg_catalog.||) quote_ident(design.table_name))::pg_catalog.regclass;
	END LOOP;
	PERFORM set_config('session_replication_role', 'origin', true);

	-- Writes go through thidua's functions alone (they make the checks the
	-- dropped triggers made).
	PERFORM thidua._revoke_direct_writes();
	RETURN QUERY SELECT * FROM thidua._distribution_state();
END
$$;

COMMENT ON FUNCTION thidua.distribute() IS
	'on a Citus coordinator (CREATE EXTENSION citus, workers added, the coordinator in the metadata): makes thidua''s tables reference or distributed tables as distribution_design() says, moves the cross-table checks from triggers to the coordinator''s functions, and returns each table''s placement; superuser only; errors: feature_not_supported without Citus, object_not_in_prerequisite_state on a worker or without the coordinator in the metadata';

CREATE OR REPLACE FUNCTION thidua._distribution_state()
	RETURNS TABLE (table_name text, placement text, distribution_column text, shards integer)
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	RETURN QUERY EXECUTE
		'SELECT d.table_name,
			CASE p.partmethod WHEN ''n'' THEN ''reference'' WHEN ''h'' THEN ''distributed'' ELSE ''local'' END,
			pg_catalog.column_to_column_name(p.logicalrelid, p.partkey),
			(SELECT pg_catalog.count(*)::integer FROM pg_catalog.pg_dist_shard s
			 WHERE s.logicalrelid OPERATOR(pg_catalog.=) p.logicalrelid)
		FROM thidua.distribution_design() d
		LEFT JOIN pg_catalog.pg_dist_partition p
			ON p.logicalrelid OPERATOR(pg_catalog.=) (''thidua.'' OPERATOR(pg_catalog.||) quote_ident(d.table_name))::pg_catalog.regclass
		ORDER BY 2, 1';
END
$$;

CREATE OR REPLACE FUNCTION thidua._initiative_visible(initiative text) RETURNS boolean
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	found boolean;
BEGIN
	EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s ia WHERE ia.initiative_code OPERATOR(pg_catalog.=) $1)',
		thidua._local_relation('thidua.initiative_author')) INTO found USING initiative;
	RETURN found;
END
$$;

CREATE OR REPLACE FUNCTION thidua._policy_without_subqueries(expression text) RETURNS text
	LANGUAGE sql IMMUTABLE STRICT
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT pg_catalog.regexp_replace(expression,
		'\(\s*SELECT\s+(thidua\.[a-z_]+\([^()]*(\([^()]*\)[^()]*)*\))\s+AS\s+[a-z_]+\)', '\1', 'g')
$$;

CREATE OR REPLACE FUNCTION thidua._policy_for_citus(expression text) RETURNS text
	LANGUAGE sql IMMUTABLE STRICT
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT pg_catalog.regexp_replace(pg_catalog.regexp_replace(thidua._policy_without_subqueries(expression),
		'thidua\._(version_visible|rulebook_version_visible|nomination_visible|person_visible|sits_on_council_of)\(',
		'thidua._\1_on_node(', 'g'),
		'thidua\._evaluation_visible\(evaluation_id\)', 'thidua._evaluation_visible_on_node(bloc_code, evaluation_id)', 'g')
$$;

CREATE OR REPLACE FUNCTION thidua._foreign_key_allowed(relation text, definition text) RETURNS boolean
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	referenced text := (pg_catalog.regexp_match(definition, 'REFERENCES (thidua\.[a-z_]+)'))[1];
	from_design record;
	to_design record;
BEGIN
	SELECT * INTO from_design FROM thidua.distribution_design() d
		WHERE 'thidua.' OPERATOR(pg_catalog.||) d.table_name OPERATOR(pg_catalog.=) relation;
	SELECT * INTO to_design FROM thidua.distribution_design() d
		WHERE 'thidua.' OPERATOR(pg_catalog.||) d.table_name OPERATOR(pg_catalog.=) referenced;
	IF to_design.placement OPERATOR(pg_catalog.=) 'reference' THEN
		RETURN true;
	END IF;
	RETURN from_design.placement OPERATOR(pg_catalog.=) 'distributed'
		AND from_design.colocation OPERATOR(pg_catalog.=) to_design.colocation
		AND definition OPERATOR(pg_catalog.~) ('FOREIGN KEY \(' OPERATOR(pg_catalog.||) from_design.distribution_column
			OPERATOR(pg_catalog.||) '[,)]')
		AND definition OPERATOR(pg_catalog.~) ('REFERENCES thidua\.[a-z_]+\(' OPERATOR(pg_catalog.||) to_design.distribution_column
			OPERATOR(pg_catalog.||) '[,)]');
END
$$;

CREATE OR REPLACE FUNCTION thidua._revoke_direct_writes() RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	grantee text;
	grants text;
	failures text[];
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname OPERATOR(pg_catalog.=) 'citus') THEN
		RAISE EXCEPTION 'thidua._revoke_direct_writes() belongs to thidua.distribute(), on a Citus node'
			USING ERRCODE = 'feature_not_supported';
	END IF;
	FOR grantee IN SELECT r.rolname FROM pg_catalog.pg_roles r
			WHERE r.rolname OPERATOR(pg_catalog.=) ANY (ARRAY['thidua_admin', 'thidua_scorer', 'thidua_reader', 'thidua_council']) LOOP
		EXECUTE format('REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA thidua FROM %I', grantee);
	END LOOP;
	REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA thidua FROM PUBLIC;
	SELECT pg_catalog.string_agg(quote_ident(r.rolname), ', ' ORDER BY r.rolname) INTO grantee FROM pg_catalog.pg_roles r
		WHERE r.rolname OPERATOR(pg_catalog.=) ANY (ARRAY['thidua_admin', 'thidua_scorer', 'thidua_reader', 'thidua_council']);
	IF grantee IS NULL OR to_regproc('pg_catalog.run_command_on_workers') IS NULL THEN
		RETURN;
	END IF;
	SELECT pg_catalog.string_agg(format('GRANT EXECUTE ON FUNCTION %s TO %I;', p.oid::pg_catalog.regprocedure, r.rolname),
			' ' ORDER BY p.oid::pg_catalog.regprocedure::text, r.rolname)
		INTO grants
		FROM pg_catalog.pg_proc p
		CROSS JOIN LATERAL pg_catalog.aclexplode(p.proacl) a
		JOIN pg_catalog.pg_roles r ON r.oid OPERATOR(pg_catalog.=) a.grantee
		WHERE p.pronamespace OPERATOR(pg_catalog.=) 'thidua'::pg_catalog.regnamespace
		  AND r.rolname OPERATOR(pg_catalog.=) ANY (ARRAY['thidua_admin', 'thidua_scorer', 'thidua_reader', 'thidua_council']);
	EXECUTE $run$SELECT pg_catalog.array_agg(r.nodename OPERATOR(pg_catalog.||) ':' OPERATOR(pg_catalog.||) r.nodeport
			OPERATOR(pg_catalog.||) ': ' OPERATOR(pg_catalog.||) r.result)
		FROM pg_catalog.run_command_on_workers($1) r WHERE NOT r.success$run$
		INTO failures
		USING format('DO $grants$ BEGIN REVOKE ALL ON ALL FUNCTIONS IN SCHEMA thidua FROM %s; %s END $grants$',
			grantee, coalesce(grants, ''));
	IF failures IS NOT NULL THEN
		RAISE EXCEPTION 'thidua''s function grants could not be set on every worker'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = pg_catalog.array_to_string(failures, '; ');
	END IF;
END
$$;

CREATE OR REPLACE FUNCTION thidua._caller_units() RETURNS text[]
	LANGUAGE plpgsql STABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	units text[];
BEGIN
	EXECUTE format('SELECT coalesce(pg_catalog.array_agg(DISTINCT m.unit_code ORDER BY m.unit_code), ''{}'')
		FROM %s m JOIN pg_catalog.pg_roles r ON r.rolname OPERATOR(pg_catalog.=) m.role_name
		WHERE pg_catalog.pg_has_role(current_user, r.oid, ''USAGE'')', thidua._local_relation('thidua.role_unit'))
		INTO units;
	RETURN units;
END
$$;

CREATE OR REPLACE FUNCTION thidua._council_rounds(member text) RETURNS text[]
	LANGUAGE plpgsql STABLE SECURITY DEFINER PARALLEL SAFE COST 10
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	rounds text[];
BEGIN
	-- council_member's local relation: on Citus this runs per row on the node
	-- of a shard query (see _caller_units)
	EXECUTE format('SELECT coalesce(pg_catalog.array_agg(c.round_code ORDER BY c.round_code), ''{}'') FROM %s c
		WHERE c.role_name OPERATOR(pg_catalog.=) $1', thidua._local_relation('thidua.council_member'))
		INTO rounds USING member;
	RETURN rounds;
END
$$;

CREATE OR REPLACE FUNCTION thidua._units_of(member text) RETURNS text[]
	LANGUAGE plpgsql STABLE SECURITY DEFINER PARALLEL SAFE COST 10
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	units text[];
BEGIN
	EXECUTE format('SELECT coalesce(pg_catalog.array_agg(DISTINCT m.unit_code ORDER BY m.unit_code), ''{}'')
		FROM %s m JOIN pg_catalog.pg_roles r ON r.rolname OPERATOR(pg_catalog.=) m.role_name
		WHERE pg_catalog.pg_has_role($1, r.oid, ''USAGE'')', thidua._local_relation('thidua.role_unit'))
		INTO units USING member;
	RETURN units;
END
$$;

CREATE OR REPLACE FUNCTION thidua._colocated_shard(relation regclass, value text) RETURNS regclass
	LANGUAGE plpgsql STABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	shard regclass;
BEGIN
	IF to_regclass('pg_catalog.pg_dist_partition') IS NULL THEN
		RETURN relation;
	END IF;
	-- (get_shard_id_for_distribution_column would ask for SELECT on the table
	-- itself, which the workers do not grant: the shard's range of hashes instead)
	EXECUTE 'SELECT pg_catalog.to_regclass(pg_catalog.shard_name(s.logicalrelid, s.shardid))
		FROM pg_catalog.pg_dist_shard s
		WHERE s.logicalrelid OPERATOR(pg_catalog.=) $1
		  AND pg_catalog.worker_hash($2) OPERATOR(pg_catalog.>=) s.shardminvalue::integer
		  AND pg_catalog.worker_hash($2) OPERATOR(pg_catalog.<=) s.shardmaxvalue::integer'
		INTO shard USING relation, value;
	RETURN shard;
END
$$;

COMMENT ON FUNCTION thidua._colocated_shard(regclass, text) IS
	'the shard of a distributed table holding the distribution value when it is on this node (NULL otherwise); the table itself off Citus';

CREATE OR REPLACE FUNCTION thidua._version_visible_on_node(version text) RETURNS boolean
	LANGUAGE plpgsql STABLE PARALLEL SAFE COST 100
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	found boolean;
BEGIN
	EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s v WHERE v.version_code OPERATOR(pg_catalog.=) $1)',
		thidua._local_relation('thidua.criteria_version')) INTO found USING version;
	RETURN found;
END
$$;

COMMENT ON FUNCTION thidua._version_visible_on_node(text) IS
	'_version_visible on a Citus node: criteria_version''s placement here, under its policy';

CREATE OR REPLACE FUNCTION thidua._rulebook_version_visible_on_node(version text) RETURNS boolean
	LANGUAGE plpgsql STABLE PARALLEL SAFE COST 100
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	found boolean;
BEGIN
	EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s v WHERE v.version_code OPERATOR(pg_catalog.=) $1)',
		thidua._local_relation('thidua.rulebook_version')) INTO found USING version;
	RETURN found;
END
$$;

COMMENT ON FUNCTION thidua._rulebook_version_visible_on_node(text) IS
	'_rulebook_version_visible on a Citus node: rulebook_version''s placement here, under its policy';

CREATE OR REPLACE FUNCTION thidua._nomination_visible_on_node(nomination bigint) RETURNS boolean
	LANGUAGE plpgsql STABLE PARALLEL SAFE COST 100
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	found boolean;
BEGIN
	EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s n WHERE n.nomination_id OPERATOR(pg_catalog.=) $1)',
		thidua._local_relation('thidua.nomination')) INTO found USING nomination;
	RETURN found;
END
$$;

COMMENT ON FUNCTION thidua._nomination_visible_on_node(bigint) IS
	'_nomination_visible on a Citus node: nomination''s placement here, under its policy';

CREATE OR REPLACE FUNCTION thidua._sits_on_council_of_on_node(nomination bigint) RETURNS boolean
	LANGUAGE plpgsql STABLE SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	found boolean;
BEGIN
	EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s n JOIN %s m ON m.round_code OPERATOR(pg_catalog.=) n.round_code
		WHERE n.nomination_id OPERATOR(pg_catalog.=) $1 AND m.role_name OPERATOR(pg_catalog.=) session_user)',
		thidua._local_relation('thidua.nomination'), thidua._local_relation('thidua.council_member'))
		INTO found USING nomination;
	RETURN found;
END
$$;

COMMENT ON FUNCTION thidua._sits_on_council_of_on_node(bigint) IS
	'_sits_on_council_of on a Citus node: the placements of nomination and council_member here';

CREATE OR REPLACE FUNCTION thidua._evaluation_visible_on_node(bloc text, evaluation bigint) RETURNS boolean
	LANGUAGE plpgsql STABLE PARALLEL SAFE COST 100
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	shard regclass := thidua._colocated_shard('thidua.evaluation', bloc);
	found boolean;
BEGIN
	IF shard IS NULL THEN
		RAISE EXCEPTION 'the evaluations of bloc "%" are not on this node', bloc
			USING ERRCODE = 'internal_error',
				  DETAIL = 'An observation''s policy reads its evaluation in the co-located shard of the same bloc.',
				  HINT = 'Keep thidua.evaluation and thidua.observation co-located (thidua.distribute() does).';
	END IF;
	EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s e WHERE e.bloc_code OPERATOR(pg_catalog.=) $1
		AND e.evaluation_id OPERATOR(pg_catalog.=) $2)', shard) INTO found USING bloc, evaluation;
	RETURN found;
END
$$;

COMMENT ON FUNCTION thidua._evaluation_visible_on_node(text, bigint) IS
	'_evaluation_visible on a Citus node: the co-located evaluation shard of the bloc, under its policy';

CREATE OR REPLACE FUNCTION thidua._person_visible_on_node(person text) RETURNS boolean
	LANGUAGE plpgsql STABLE COST 100
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	shard regclass := thidua._colocated_shard('thidua.membership', person);
	found boolean;
BEGIN
	IF shard IS NULL THEN
		RETURN thidua._person_visible_from_coordinator(person);
	END IF;
	EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s m WHERE m.person_code OPERATOR(pg_catalog.=) $1
		AND (m.valid_to IS NULL OR m.valid_to OPERATOR(pg_catalog.>) current_date))', shard) INTO found USING person;
	RETURN found;
END
$$;

COMMENT ON FUNCTION thidua._person_visible_on_node(text) IS
	'_person_visible on a Citus node: the co-located membership shard of the person, under its policy (on the coordinator, a query of thidua.membership)';

CREATE OR REPLACE FUNCTION thidua._person_visible_from_coordinator(person text) RETURNS boolean
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	SET citus.allow_nested_distributed_execution = on
	AS $$
DECLARE
	on_coordinator boolean;
	found boolean;
BEGIN
	-- nested only where this transaction's own connections serve it: a worker
	-- would open connections outside the distributed transaction
	EXECUTE 'SELECT pg_catalog.citus_is_coordinator()' INTO on_coordinator;
	IF NOT on_coordinator THEN
		RAISE EXCEPTION 'the memberships of person "%" are not on this node', person
			USING ERRCODE = 'feature_not_supported',
				  DETAIL = 'A reference table''s policy checks the person''s membership, which is co-located with the person''s records only.',
				  HINT = 'Query the table from the coordinator, apart from the people''s records.';
	END IF;
	EXECUTE 'SELECT EXISTS (SELECT 1 FROM thidua.membership m WHERE m.person_code OPERATOR(pg_catalog.=) $1
		AND (m.valid_to IS NULL OR m.valid_to OPERATOR(pg_catalog.>) current_date))' INTO found USING person;
	RETURN found;
END
$$;

COMMENT ON FUNCTION thidua._person_visible_from_coordinator(text) IS
	'_person_visible on the Citus coordinator, for reference tables'' policies: thidua.membership read by a (nested) router query';

CREATE OR REPLACE FUNCTION thidua.create_roles() RETURNS void
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
		thidua.evaluation, thidua.observation, thidua.adjustment, thidua.role_unit,
		thidua.not_applicable_marking TO thidua_admin;
	-- the award catalog, rulebooks and records (36, 37, 44)
	GRANT SELECT, INSERT, UPDATE, DELETE ON thidua.award, thidua.rulebook, thidua.rulebook_version,
		thidua.rulebook_entry, thidua.individual_rating, thidua.unit_rating, thidua.individual_award,
		thidua.unit_award, thidua.initiative, thidua.initiative_author, thidua.discipline TO thidua_admin;
	GRANT SELECT ON thidua.rulebook_version_event TO thidua_admin;
	-- nominations and the council (60-63): read directly, written through the workflow functions
	GRANT SELECT ON thidua.nomination_round, thidua.round_award, thidua.nomination, thidua.nomination_achievement,
		thidua.dossier_item, thidua.nomination_event, thidua.disclosure_comment, thidua.council_member,
		thidua.quota_tie TO thidua_admin;
	GRANT SELECT ON thidua.nomination_round, thidua.round_award, thidua.nomination, thidua.nomination_achievement,
		thidua.dossier_item, thidua.nomination_event, thidua.disclosure_comment, thidua.nomination_duplicates
		TO thidua_scorer, thidua_reader, thidua_council;
	GRANT SELECT ON thidua.council_member, thidua.quota_tie TO thidua_council;
	GRANT SELECT ON thidua.nomination_duplicates, thidua.award_registry TO thidua_admin;
	GRANT SELECT ON thidua.award_registry TO thidua_reader, thidua_council;
	GRANT EXECUTE ON FUNCTION thidua._council_rounds(text), thidua._units_of(text) TO thidua_admin, thidua_scorer, thidua_reader, thidua_council;
	-- a nominee's name, for whoever may see the nomination (the client's list and show)
	GRANT EXECUTE ON FUNCTION thidua._public_nominee_name(bigint), thidua.nominee_name(bigint)
		TO thidua_admin, thidua_scorer, thidua_reader, thidua_council;
	-- the clerk's steps: a role acting for the proposing unit (thidua.role_unit), or an administrator
	GRANT EXECUTE ON FUNCTION thidua.nominate(text, text, text, text, text, jsonb, text[], text),
		thidua.update_nomination(bigint, text, jsonb, text[], text), thidua.set_dossier_item(bigint, text, boolean, text),
		thidua.submit(bigint, text), thidua.resubmit(bigint, text), thidua.withdraw(bigint, text)
		TO thidua_admin, thidua_scorer;
	-- the emulation office's steps
	GRANT EXECUTE ON FUNCTION thidua.create_round(text, text, integer, text, text, date, text[], text, date),
		thidua.return_nomination(bigint, text), thidua.check(bigint, text), thidua.disclose(bigint, date),
		thidua.comment(bigint, date, text, text), thidua.decide(bigint, text, date, text), thidua.award(bigint),
		thidua.revoke(bigint, date, text, text) TO thidua_admin;
	GRANT EXECUTE ON FUNCTION thidua.award_statistics(integer, integer, text) TO thidua_admin, thidua_reader, thidua_council;
	GRANT EXECUTE ON FUNCTION thidua.import_rulebook(jsonb, boolean), thidua.publish_rulebook(text, text),
		thidua.retire_rulebook(text, text), thidua.clone_rulebook(text, text), thidua.delete_rulebook_draft(text)
		TO thidua_admin;
	GRANT SELECT ON thidua.period_event, thidua.standing_revision, thidua.standing_row, thidua.current_standings,
		thidua.published_standings TO thidua_admin;
	GRANT EXECUTE ON FUNCTION thidua.import_criteria(jsonb, boolean), thidua.import_criteria_file(bytea, text, text, boolean),
		thidua.publish_version(text, text), thidua.retire_version(text, text), thidua.clone_version(text, text),
		thidua.delete_draft(text), thidua.close_period(text, text), thidua.reopen_period(text, text),
	thidua.evaluation_scores(text, text),
		thidua.standings(text, text), thidua.explain(text, text, text), thidua.judge_report(text, text),
		thidua.publish_standings(text, text, text), thidua.import_scores(text, text, text),
		thidua.import_criteria_file(text, text, text, boolean), thidua.import_scores(text, text, text, text),
		thidua.import_scores(text, text, bytea, text) TO thidua_admin;
	-- setting up a zone (34_zone_setup.sql)
	GRANT EXECUTE ON FUNCTION thidua.import_units(text, text), thidua.import_people(text, text),
		thidua.open_period(text, integer), thidua.create_bloc(text, text, text),
		thidua.set_bloc_settings(text, text, text, text, integer, integer, text),
		thidua.import_bloc_members(text, text, text, text), thidua.import_pact(text, text, text, text),
		thidua.add_veto(text, text, text, text), thidua.remove_veto(text, text, text, text),
		thidua.add_recusal(text, text, text, text, text),
		thidua.set_member_status(text, text, text, text, date, text, text), thidua.remove_member(text, text, text),
		thidua.import_units(bytea, text), thidua.import_people(bytea, text),
		thidua.import_bloc_members(text, text, bytea, text), thidua.import_pact(text, text, bytea, text)
		TO thidua_admin;
	-- people's and units' records (38_records_import.sql)
	GRANT EXECUTE ON FUNCTION thidua.import_records(text, text, text), thidua.import_records(text, bytea, text),
		thidua.revoke_award(bigint, date, text, text) TO thidua_admin;
	-- the council and its vote (62, 63): the office sets the council, opens and
	-- closes the vote and approves; members vote (the functions check who)
	GRANT SELECT ON thidua.vote_register TO thidua_admin, thidua_council;
	GRANT EXECUTE ON FUNCTION thidua._sits_on_council_of(bigint), thidua._sits_on_council_of_on_node(bigint)
		TO thidua_admin, thidua_council;
	GRANT EXECUTE ON FUNCTION thidua.set_council(text, jsonb), thidua.add_council_member(text, text, text, text, text, text),
		thidua.remove_council_member(text, text), thidua.open_vote(text), thidua.close_vote(text),
		thidua.approve_round(text, text), thidua.resolve_tie(text, text, text, bigint[], text), thidua.approve(bigint, text),
		thidua.reject(bigint, text) TO thidua_admin;
	GRANT EXECUTE ON FUNCTION thidua.vote(bigint, text), thidua.vote_written(bigint, text, text), thidua.tally(text)
		TO thidua_admin, thidua_council;

	-- thidua_scorer: the scores of the units its role is mapped to (policies),
	-- the people of those units, and what scoring needs to read.
	GRANT SELECT ON thidua.unit, thidua.period, thidua.bloc, thidua.bloc_period, thidua.bloc_member,
		thidua.period_event, thidua.role_unit, thidua.individual, thidua.membership, thidua.post_held,
		thidua.not_applicable_marking, thidua.individual_rating, thidua.unit_rating, thidua.individual_award,
		thidua.unit_award, thidua.initiative, thidua.initiative_author, thidua.discipline TO thidua_scorer;
	GRANT SELECT, INSERT, DELETE ON thidua.evaluation TO thidua_scorer;
	GRANT SELECT, INSERT, UPDATE, DELETE ON thidua.observation TO thidua_scorer;
	GRANT EXECUTE ON FUNCTION thidua.import_scores(text, text, text), thidua.import_scores(text, text, text, text),
		thidua.import_scores(text, text, bytea, text) TO thidua_scorer;

	-- eligibility, forecasts, quotas and what-if (47, 48): row-level security
	-- limits a scorer to the people of its own units
	GRANT EXECUTE ON FUNCTION thidua.eligibility(text, text, integer, text, date),
		thidua.eligible(text, integer, text, boolean, text), thidua.forecast(text, integer, text, text),
		thidua.quota(text, text, integer, text), thidua.eligibility_changes(text, integer, text, text)
		TO thidua_admin, thidua_scorer;

	-- thidua_reader, and for now thidua_council: published standings and the
	-- public structure they name; no personal data, no unpublished score.
	GRANT SELECT ON thidua.unit, thidua.period, thidua.bloc, thidua.bloc_period, thidua.bloc_member,
		thidua.period_event, thidua.standing_revision, thidua.standing_row, thidua.published_standings
		TO thidua_reader, thidua_council;

	-- On Citus (70_distribution.sql) writes go through thidua's functions only,
	-- and the workers grant its functions as this node does.
	IF thidua._distributed() THEN
		PERFORM thidua._revoke_direct_writes();
	END IF;
END
$$;

COMMENT ON FUNCTION thidua.create_roles() IS
	'creates the group roles thidua_admin, thidua_scorer, thidua_reader, thidua_council if missing and grants their rights (superuser only; idempotent); on a distributed database (thidua.distribute()), no role gets a direct INSERT, UPDATE, DELETE or TRUNCATE, and the workers get the same function grants';


------------------------------------------------------------------------------
-- Triggers and rights new in 0.9.0
------------------------------------------------------------------------------
CREATE TRIGGER observation_bloc BEFORE INSERT OR UPDATE OF evaluation_id ON thidua.observation
	FOR EACH ROW EXECUTE FUNCTION thidua._fill_observation_bloc();
REVOKE EXECUTE ON FUNCTION thidua._fill_observation_bloc() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION thidua._sits_on_council_of_on_node(bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION thidua._prepare_for_citus() FROM PUBLIC;
REVOKE ALL ON FUNCTION thidua.distribute() FROM PUBLIC;
REVOKE ALL ON FUNCTION thidua._revoke_direct_writes() FROM PUBLIC;
