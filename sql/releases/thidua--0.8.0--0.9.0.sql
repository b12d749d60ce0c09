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

CREATE OR REPLACE FUNCTION thidua._guard_truncate() RETURNS trigger
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

CREATE OR REPLACE FUNCTION thidua._guard_open_period() RETURNS trigger
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

CREATE OR REPLACE FUNCTION thidua.reopen_period(period text, reason text DEFAULT NULL) RETURNS void
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

CREATE OR REPLACE FUNCTION thidua.import_units(content text, source text DEFAULT 'input',
									OUT added integer, OUT changed integer, OUT unchanged integer)
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	rec record;
	lines integer[] := '{}';
	codes text[] := '{}';
	names text[] := '{}';
	parents text[] := '{}';
	kinds text[] := '{}';
	code text;
	seen integer;
	looped record;
BEGIN
	source := coalesce(source, 'input');
	FOR rec IN SELECT * FROM thidua._csv_rows(content, source, '{code,name,parent,kind}', '{code,name}') LOOP
		code := rec.cells[1];
		IF code OPERATOR(pg_catalog.!~) '^[[:alnum:]][[:alnum:]._-]{0,63}$' THEN
			RAISE EXCEPTION '%:%: column "code": "%" is not a unit code', source, rec.line, code
				USING ERRCODE = 'invalid_text_representation',
					  HINT = 'A code is a letter or digit, then up to 63 letters, digits, ".", "_" or "-".';
		END IF;
		IF char_length(rec.cells[2]) OPERATOR(pg_catalog.>) 300 THEN
			RAISE EXCEPTION '%:%: column "name": % characters, at most 300', source, rec.line, char_length(rec.cells[2])
				USING ERRCODE = 'string_data_right_truncation';
		END IF;
		seen := array_position(codes, code);
		IF seen IS NOT NULL THEN
			RAISE EXCEPTION '%:%: column "code": unit "%" is given twice (line % too)', source, rec.line, code, lines[seen]
				USING ERRCODE = 'unique_violation';
		END IF;
		IF lower(coalesce(rec.cells[4], 'agency')) OPERATOR(pg_catalog.!~) '^[a-z_]{1,32}$' THEN
			RAISE EXCEPTION '%:%: column "kind": "%" is not a kind of unit', source, rec.line, rec.cells[4]
				USING ERRCODE = 'invalid_text_representation',
					  HINT = 'A kind is a word of up to 32 letters a-z or "_", e.g. agency, department, division.';
		END IF;
		IF rec.cells[3] OPERATOR(pg_catalog.=) code THEN
			RAISE EXCEPTION '%:%: column "parent": unit "%" cannot be its own parent', source, rec.line, code
				USING ERRCODE = 'check_violation';
		END IF;
		lines := lines OPERATOR(pg_catalog.||) rec.line;
		codes := codes OPERATOR(pg_catalog.||) code;
		names := names OPERATOR(pg_catalog.||) normalize(rec.cells[2], NFC);
		parents := parents OPERATOR(pg_catalog.||) rec.cells[3];
		kinds := kinds OPERATOR(pg_catalog.||) lower(coalesce(rec.cells[4], 'agency'));
	END LOOP;
	FOR i IN 1 .. coalesce(array_length(codes, 1), 0) LOOP
		IF parents[i] IS NOT NULL AND NOT parents[i] OPERATOR(pg_catalog.=) ANY (codes)
		   AND NOT EXISTS (SELECT 1 FROM thidua.unit u WHERE u.unit_code OPERATOR(pg_catalog.=) parents[i]) THEN
			RAISE EXCEPTION '%:%: column "parent": unit "%" does not exist', source, lines[i], parents[i]
				USING ERRCODE = 'foreign_key_violation',
					  HINT = 'A parent is a unit of this file or one imported before.';
		END IF;
	END LOOP;
	-- the tree as it will be (the file over the database) must have no cycle
	WITH RECURSIVE tree(code, parent) AS (
		SELECT f.code, f.parent FROM unnest(codes, parents) AS f(code, parent)
		UNION ALL
		SELECT u.unit_code, u.parent_code FROM thidua.unit u WHERE NOT u.unit_code OPERATOR(pg_catalog.=) ANY (codes)
	), walk(start, at, depth) AS (
		SELECT t.code, t.parent, 1 FROM tree t WHERE t.code OPERATOR(pg_catalog.=) ANY (codes) AND t.parent IS NOT NULL
		UNION ALL
		SELECT w.start, t.parent, w.depth + 1 FROM walk w JOIN tree t ON t.code OPERATOR(pg_catalog.=) w.at
		WHERE t.parent IS NOT NULL AND w.at OPERATOR(pg_catalog.<>) w.start AND w.depth OPERATOR(pg_catalog.<) 1000
	)
	SELECT w.start, lines[array_position(codes, w.start)] AS line INTO looped FROM walk w
		WHERE w.at OPERATOR(pg_catalog.=) w.start ORDER BY 2 LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION '%:%: column "parent": unit "%" would be its own ancestor', source, looped.line, looped.start
			USING ERRCODE = 'check_violation';
	END IF;

	SELECT count(*) FILTER (WHERE u.unit_code IS NULL),
		   count(*) FILTER (WHERE u.unit_code IS NOT NULL AND (u.name, u.parent_code, u.kind) IS DISTINCT FROM (f.name, f.parent, f.kind)),
		   count(*) FILTER (WHERE u.unit_code IS NOT NULL AND (u.name, u.parent_code, u.kind) IS NOT DISTINCT FROM (f.name, f.parent, f.kind))
		INTO added, changed, unchanged
	FROM unnest(codes, names, parents, kinds) AS f(code, name, parent, kind)
	LEFT JOIN thidua.unit u ON u.unit_code OPERATOR(pg_catalog.=) f.code;
	-- new units first without their parents, which may come later in the file
	INSERT INTO thidua.unit (unit_code, name, parent_code, kind)
		SELECT f.code, f.name, NULL, f.kind FROM unnest(codes, names, kinds) AS f(code, name, kind)
		WHERE NOT EXISTS (SELECT 1 FROM thidua.unit u WHERE u.unit_code OPERATOR(pg_catalog.=) f.code);
	UPDATE thidua.unit u SET name = f.name, parent_code = f.parent, kind = f.kind
		FROM unnest(codes, names, parents, kinds) AS f(code, name, parent, kind)
		WHERE u.unit_code OPERATOR(pg_catalog.=) f.code
		  AND (u.name, u.parent_code, u.kind) IS DISTINCT FROM (f.name, f.parent, f.kind);
END
$$;

CREATE OR REPLACE FUNCTION thidua.import_units(data bytea, source text,
									OUT added integer, OUT changed integer, OUT unchanged integer)
	LANGUAGE sql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT * FROM thidua.import_units(thidua._decode_utf8(data, coalesce(source, 'input')), source)
$$;

CREATE OR REPLACE FUNCTION thidua.import_people(content text, source text DEFAULT 'input',
									 OUT added integer, OUT changed integer, OUT unchanged integer,
									 OUT memberships integer, OUT posts integer)
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	rec record;
	people jsonb := '{}';		-- code -> {line, name, sex, born}
	units jsonb := '{}';		-- code|unit|from -> {line, until}
	held jsonb := '{}';			-- code|post|from -> {line, unit, until}
	code text;
	sex text;
	born date;
	unit_from date;
	unit_to date;
	post_from date;
	post_to date;
	key text;
	earlier jsonb;
	overlap record;
BEGIN
	source := coalesce(source, 'input');
	FOR rec IN SELECT * FROM thidua._csv_rows(content, source,
			'{code,name,sex,date_of_birth,unit,unit_from,unit_to,post,post_from,post_to}',
			'{code,name,sex,unit,unit_from}') LOOP
		code := rec.cells[1];
		IF code OPERATOR(pg_catalog.!~) '^[[:alnum:]][[:alnum:]._-]{0,63}$' THEN
			RAISE EXCEPTION '%:%: column "code": "%" is not a person code', source, rec.line, code
				USING ERRCODE = 'invalid_text_representation',
					  HINT = 'A code is a letter or digit, then up to 63 letters, digits, ".", "_" or "-".';
		END IF;
		IF char_length(rec.cells[2]) OPERATOR(pg_catalog.>) 300 THEN
			RAISE EXCEPTION '%:%: column "name": % characters, at most 300', source, rec.line, char_length(rec.cells[2])
				USING ERRCODE = 'string_data_right_truncation';
		END IF;
		IF char_length(rec.cells[8]) OPERATOR(pg_catalog.>) 300 THEN
			RAISE EXCEPTION '%:%: column "post": % characters, at most 300', source, rec.line, char_length(rec.cells[8])
				USING ERRCODE = 'string_data_right_truncation';
		END IF;
		sex := CASE lower(normalize(rec.cells[3], NFC)) WHEN 'male' THEN 'male' WHEN 'nam' THEN 'male'
					WHEN 'female' THEN 'female' WHEN 'nữ' THEN 'female' END;
		IF sex IS NULL THEN
			RAISE EXCEPTION '%:%: column "sex": "%" is not male, female, nam or nữ', source, rec.line, rec.cells[3]
				USING ERRCODE = 'invalid_text_representation';
		END IF;
		born := thidua._csv_date(rec.cells[4], source, rec.line, 'date_of_birth');
		IF NOT EXISTS (SELECT 1 FROM thidua.unit u WHERE u.unit_code OPERATOR(pg_catalog.=) rec.cells[5]) THEN
			RAISE EXCEPTION '%:%: column "unit": unit "%" does not exist', source, rec.line, rec.cells[5]
				USING ERRCODE = 'foreign_key_violation', HINT = 'Import the units first (thidua units import).';
		END IF;
		unit_from := thidua._csv_date(rec.cells[6], source, rec.line, 'unit_from');
		unit_to := thidua._csv_date(rec.cells[7], source, rec.line, 'unit_to');
		IF unit_to OPERATOR(pg_catalog.<=) unit_from THEN
			RAISE EXCEPTION '%:%: column "unit_to": % is not after unit_from %', source, rec.line, unit_to, unit_from
				USING ERRCODE = 'check_violation';
		END IF;
		post_from := thidua._csv_date(rec.cells[9], source, rec.line, 'post_from');
		post_to := thidua._csv_date(rec.cells[10], source, rec.line, 'post_to');
		IF rec.cells[8] IS NULL AND (post_from IS NOT NULL OR post_to IS NOT NULL) THEN
			RAISE EXCEPTION '%:%: column "post": dates of a post are given, not the post', source, rec.line
				USING ERRCODE = 'not_null_violation';
		ELSIF rec.cells[8] IS NOT NULL AND post_from IS NULL THEN
			RAISE EXCEPTION '%:%: column "post_from": the post "%" needs the date it was taken up', source, rec.line, rec.cells[8]
				USING ERRCODE = 'not_null_violation';
		ELSIF post_to OPERATOR(pg_catalog.<=) post_from THEN
			RAISE EXCEPTION '%:%: column "post_to": % is not after post_from %', source, rec.line, post_to, post_from
				USING ERRCODE = 'check_violation';
		END IF;

		-- the rows of one person agree on who it is
		earlier := people -> code;
		IF earlier IS NULL THEN
			people := people OPERATOR(pg_catalog.||) jsonb_build_object(code, jsonb_build_object(
				'line', rec.line, 'name', normalize(rec.cells[2], NFC), 'sex', sex, 'born', born));
		ELSIF (earlier ->> 'name', earlier ->> 'sex', (earlier ->> 'born')::date)
			  IS DISTINCT FROM (normalize(rec.cells[2], NFC), sex, born) THEN
			RAISE EXCEPTION '%:%: column "%": person "%" is given as someone else on line %', source, rec.line,
				CASE WHEN earlier ->> 'name' IS DISTINCT FROM normalize(rec.cells[2], NFC) THEN 'name'
					 WHEN earlier ->> 'sex' IS DISTINCT FROM sex THEN 'sex' ELSE 'date_of_birth' END,
				code, earlier ->> 'line'
				USING ERRCODE = 'unique_violation',
					  HINT = 'Rows of one person give the same name, sex and date of birth.';
		END IF;
		key := concat_ws('|', code, rec.cells[5], unit_from);
		earlier := units -> key;
		IF earlier IS NULL THEN
			units := units OPERATOR(pg_catalog.||) jsonb_build_object(key, jsonb_build_object(
				'line', rec.line, 'person', code, 'unit', rec.cells[5], 'from', unit_from, 'until', unit_to));
		ELSIF (earlier ->> 'until')::date IS DISTINCT FROM unit_to THEN
			RAISE EXCEPTION '%:%: column "unit_to": the membership of "%" in "%" from % ends otherwise on line %',
				source, rec.line, code, rec.cells[5], unit_from, earlier ->> 'line'
				USING ERRCODE = 'unique_violation';
		END IF;
		IF rec.cells[8] IS NOT NULL THEN
			key := concat_ws('|', code, normalize(rec.cells[8], NFC), post_from);
			earlier := held -> key;
			IF earlier IS NULL THEN
				held := held OPERATOR(pg_catalog.||) jsonb_build_object(key, jsonb_build_object(
					'line', rec.line, 'person', code, 'post', normalize(rec.cells[8], NFC), 'unit', rec.cells[5],
					'from', post_from, 'until', post_to));
			ELSIF (earlier ->> 'unit', (earlier ->> 'until')::date) IS DISTINCT FROM (rec.cells[5], post_to) THEN
				RAISE EXCEPTION '%:%: column "post": the post "%" of "%" from % is given otherwise on line %',
					source, rec.line, rec.cells[8], code, post_from, earlier ->> 'line'
					USING ERRCODE = 'unique_violation';
			END IF;
		END IF;
	END LOOP;
	-- the periods of one post of a person do not overlap, in the file or with
	-- those stored (a stored period the file gives again is the file's)
	WITH file AS (
		SELECT (h.value ->> 'line')::integer AS line, h.value ->> 'person' AS person, h.value ->> 'post' AS post,
			(h.value ->> 'from')::date AS valid_from, (h.value ->> 'until')::date AS valid_to
		FROM jsonb_each(held) h
	), every_period AS (
		SELECT f.* FROM file f
		UNION ALL
		SELECT NULL, p.person_code, p.post, p.valid_from, p.valid_to FROM thidua.post_held p
		WHERE p.person_code OPERATOR(pg_catalog.=) ANY (SELECT f.person FROM file f)
		  AND NOT held OPERATOR(pg_catalog.?) concat_ws('|', p.person_code, p.post, p.valid_from)
	)
	SELECT f.line, f.person, f.post, f.valid_from, o.valid_from AS other_from, o.line AS other_line INTO overlap
	FROM file f JOIN every_period o ON o.person OPERATOR(pg_catalog.=) f.person AND o.post OPERATOR(pg_catalog.=) f.post
		AND o.valid_from OPERATOR(pg_catalog.<>) f.valid_from
		AND (o.line IS NULL OR o.line OPERATOR(pg_catalog.<) f.line)
		AND daterange(o.valid_from, o.valid_to) OPERATOR(pg_catalog.&&) daterange(f.valid_from, f.valid_to)
	ORDER BY f.line, o.line NULLS FIRST LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION '%:%: column "post_from": the post "%" of "%" from % overlaps its period from % (%)', source,
			overlap.line, overlap.post, overlap.person, to_char(overlap.valid_from, 'YYYY-MM-DD'),
			to_char(overlap.other_from, 'YYYY-MM-DD'),
			CASE WHEN overlap.other_line IS NULL THEN 'stored' ELSE 'line ' || overlap.other_line END
			USING ERRCODE = 'exclusion_violation',
				  HINT = 'A post is held once at a time: end one period (post_to) on or before the next starts.';
	END IF;

	SELECT count(*) FILTER (WHERE i.person_code IS NULL),
		   count(*) FILTER (WHERE i.person_code IS NOT NULL AND (i.full_name, i.sex, i.date_of_birth)
							IS DISTINCT FROM (p.value ->> 'name', p.value ->> 'sex', (p.value ->> 'born')::date)),
		   count(*) FILTER (WHERE i.person_code IS NOT NULL AND (i.full_name, i.sex, i.date_of_birth)
							IS NOT DISTINCT FROM (p.value ->> 'name', p.value ->> 'sex', (p.value ->> 'born')::date))
		INTO added, changed, unchanged
	FROM jsonb_each(people) p LEFT JOIN thidua.individual i ON i.person_code OPERATOR(pg_catalog.=) p.key;
	INSERT INTO thidua.individual (person_code, full_name, sex, date_of_birth)
		SELECT p.key, p.value ->> 'name', p.value ->> 'sex', (p.value ->> 'born')::date FROM jsonb_each(people) p
		ON CONFLICT (person_code) DO UPDATE SET full_name = excluded.full_name, sex = excluded.sex,
			date_of_birth = excluded.date_of_birth
		WHERE (individual.full_name, individual.sex, individual.date_of_birth)
			IS DISTINCT FROM (excluded.full_name, excluded.sex, excluded.date_of_birth);
	-- the rows written, counted before the writes (on Citus an upsert's row
	-- count includes the rows its WHERE left as they were)
	SELECT count(*) INTO memberships
	FROM jsonb_each(units) m LEFT JOIN thidua.membership s
		ON s.person_code OPERATOR(pg_catalog.=) (m.value ->> 'person') AND s.unit_code OPERATOR(pg_catalog.=) (m.value ->> 'unit')
		AND s.valid_from OPERATOR(pg_catalog.=) (m.value ->> 'from')::date
	WHERE s.person_code IS NULL OR s.valid_to IS DISTINCT FROM (m.value ->> 'until')::date;
	SELECT count(*) INTO posts
	FROM jsonb_each(held) h LEFT JOIN thidua.post_held s
		ON s.person_code OPERATOR(pg_catalog.=) (h.value ->> 'person') AND s.post OPERATOR(pg_catalog.=) (h.value ->> 'post')
		AND s.valid_from OPERATOR(pg_catalog.=) (h.value ->> 'from')::date
	WHERE s.person_code IS NULL
	   OR (s.unit_code, s.valid_to) IS DISTINCT FROM (h.value ->> 'unit', (h.value ->> 'until')::date);
	INSERT INTO thidua.membership (person_code, unit_code, valid_from, valid_to)
		SELECT m.value ->> 'person', m.value ->> 'unit', (m.value ->> 'from')::date, (m.value ->> 'until')::date
		FROM jsonb_each(units) m
		ON CONFLICT (person_code, unit_code, valid_from) DO UPDATE SET valid_to = excluded.valid_to
		WHERE membership.valid_to IS DISTINCT FROM excluded.valid_to;
	INSERT INTO thidua.post_held (person_code, unit_code, post, valid_from, valid_to)
		SELECT h.value ->> 'person', h.value ->> 'unit', h.value ->> 'post', (h.value ->> 'from')::date,
			(h.value ->> 'until')::date
		FROM jsonb_each(held) h
		ON CONFLICT (person_code, post, valid_from) DO UPDATE SET unit_code = excluded.unit_code, valid_to = excluded.valid_to
		WHERE (post_held.unit_code, post_held.valid_to) IS DISTINCT FROM (excluded.unit_code, excluded.valid_to);
END
$$;

CREATE OR REPLACE FUNCTION thidua.import_people(data bytea, source text,
									 OUT added integer, OUT changed integer, OUT unchanged integer,
									 OUT memberships integer, OUT posts integer)
	LANGUAGE sql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT * FROM thidua.import_people(thidua._decode_utf8(data, coalesce(source, 'input')), source)
$$;

CREATE OR REPLACE FUNCTION thidua.open_period(period text, year integer DEFAULT NULL) RETURNS text
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	existing thidua.period;
	other text;
BEGIN
	IF period IS NULL OR period OPERATOR(pg_catalog.!~) '^[[:alnum:]][[:alnum:]._-]{0,31}$' THEN
		RAISE EXCEPTION '"%" is not a period code', coalesce(period, '')
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'A period code is a letter or digit, then up to 31 letters, digits, ".", "_" or "-", e.g. 2025.';
	END IF;
	IF year IS NULL AND period OPERATOR(pg_catalog.~) '^[0-9]{4}$' THEN
		year := period::integer;
	END IF;
	SELECT * INTO existing FROM thidua.period p WHERE p.period_code OPERATOR(pg_catalog.=) open_period.period;
	IF FOUND THEN
		IF existing.year IS DISTINCT FROM coalesce(open_period.year, existing.year) THEN
			RAISE EXCEPTION 'period "%" exists already for the year %, not %', period, existing.year, year
				USING ERRCODE = 'unique_violation';
		ELSIF existing.status OPERATOR(pg_catalog.=) 'closed' THEN
			RAISE EXCEPTION 'period "%" is closed', period
				USING ERRCODE = 'object_not_in_prerequisite_state',
					  HINT = 'A closed period is reopened with a reason: thidua.reopen_period(period, reason) (thidua period reopen).';
		END IF;
		RETURN 'open already';
	END IF;
	IF year IS NULL THEN
		RAISE EXCEPTION 'period "%" needs a year', period
			USING ERRCODE = 'invalid_parameter_value', HINT = 'Give the year (thidua period open CODE --year YYYY).';
	ELSIF year NOT BETWEEN 1900 AND 2199 THEN
		RAISE EXCEPTION 'the year % of period "%" is not between 1900 and 2199', year, period
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	SELECT p.period_code INTO other FROM thidua.period p WHERE p.year OPERATOR(pg_catalog.=) open_period.year;
	IF FOUND THEN
		RAISE EXCEPTION 'the year % is period "%" already', year, other USING ERRCODE = 'unique_violation';
	END IF;
	INSERT INTO thidua.period (period_code, year) VALUES (period, year);
	RETURN 'opened';
END
$$;

CREATE OR REPLACE FUNCTION thidua.create_bloc(bloc text, name text, kind text DEFAULT 'bloc') RETURNS text
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	existing thidua.bloc;
BEGIN
	name := normalize(btrim(name), NFC);
	IF bloc IS NULL OR bloc OPERATOR(pg_catalog.!~) '^[[:alnum:]][[:alnum:]._-]{0,63}$' THEN
		RAISE EXCEPTION '"%" is not a bloc code', coalesce(bloc, '')
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'A code is a letter or digit, then up to 63 letters, digits, ".", "_" or "-".';
	ELSIF coalesce(name, '') OPERATOR(pg_catalog.=) '' THEN
		RAISE EXCEPTION 'bloc "%" needs a name', bloc USING ERRCODE = 'invalid_parameter_value';
	ELSIF kind IS NULL OR kind NOT IN ('bloc', 'zone') THEN
		RAISE EXCEPTION 'the kind of bloc "%" is bloc (khối) or zone (cụm, khu vực), not "%"', bloc, coalesce(kind, '')
			USING ERRCODE = 'invalid_parameter_value';
	ELSIF char_length(name) OPERATOR(pg_catalog.>) 300 THEN
		RAISE EXCEPTION 'the name of bloc "%" has % characters, at most 300', bloc, char_length(name)
			USING ERRCODE = 'string_data_right_truncation';
	END IF;
	SELECT * INTO existing FROM thidua.bloc b WHERE b.bloc_code OPERATOR(pg_catalog.=) create_bloc.bloc FOR UPDATE;
	IF NOT FOUND THEN
		INSERT INTO thidua.bloc (bloc_code, name, kind) VALUES (bloc, name, kind);
		RETURN 'created';
	ELSIF (existing.name, existing.kind) IS NOT DISTINCT FROM (name, kind) THEN
		RETURN 'unchanged';
	END IF;
	UPDATE thidua.bloc b SET name = create_bloc.name, kind = create_bloc.kind
		WHERE b.bloc_code OPERATOR(pg_catalog.=) create_bloc.bloc;
	RETURN 'changed';
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
	LANGUAGE plpgsql SECURITY DEFINER
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
	LANGUAGE plpgsql SECURITY DEFINER
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

CREATE OR REPLACE FUNCTION thidua.import_bloc_members(bloc text, period text, data bytea, source text,
										   OUT added integer, OUT changed integer, OUT unchanged integer, OUT kept integer)
	LANGUAGE sql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT * FROM thidua.import_bloc_members(bloc, period, thidua._decode_utf8(data, coalesce(source, 'input')), source)
$$;

CREATE OR REPLACE FUNCTION thidua.import_pact(bloc text, period text, content text, source text DEFAULT 'input',
								   OUT added integer, OUT changed integer, OUT unchanged integer, OUT targets integer)
	LANGUAGE plpgsql SECURITY DEFINER
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

CREATE OR REPLACE FUNCTION thidua.import_pact(bloc text, period text, data bytea, source text,
								   OUT added integer, OUT changed integer, OUT unchanged integer, OUT targets integer)
	LANGUAGE sql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT * FROM thidua.import_pact(bloc, period, thidua._decode_utf8(data, coalesce(source, 'input')), source)
$$;

CREATE OR REPLACE FUNCTION thidua.add_veto(bloc text, period text, unit text, reason text) RETURNS text
	LANGUAGE plpgsql SECURITY DEFINER
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
	LANGUAGE plpgsql SECURITY DEFINER
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
	LANGUAGE plpgsql SECURITY DEFINER
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
	LANGUAGE plpgsql SECURITY DEFINER
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
	LANGUAGE plpgsql SECURITY DEFINER
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

CREATE OR REPLACE FUNCTION thidua._record_file_common(source text, subject_column text, lengths jsonb) RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	bad record;
BEGIN
	IF subject_column OPERATOR(pg_catalog.=) 'person' THEN
		-- an anti-join, not NOT EXISTS: Citus joins a local table with a
		-- distributed one, not a correlated subquery
		SELECT f.line, f.code INTO bad FROM pg_temp._thidua_record_file f
			LEFT JOIN thidua.individual i ON i.person_code OPERATOR(pg_catalog.=) f.code
			WHERE i.person_code IS NULL
			ORDER BY f.line LIMIT 1;
	ELSIF subject_column OPERATOR(pg_catalog.=) 'unit' THEN
		SELECT f.line, f.code INTO bad FROM pg_temp._thidua_record_file f
			WHERE NOT EXISTS (SELECT 1 FROM thidua.unit u WHERE u.unit_code OPERATOR(pg_catalog.=) f.code)
			ORDER BY f.line LIMIT 1;
	END IF;
	IF subject_column IS NOT NULL AND FOUND THEN
			PERFORM thidua._record_fault(source, bad.line, subject_column,
				format('%s "%s" does not exist', subject_column, bad.code),
				'foreign_key_violation', CASE subject_column WHEN 'person' THEN 'Import the people first (thidua people import).'
											  ELSE 'Import the units first (thidua units import).' END);
	END IF;
	IF lengths OPERATOR(pg_catalog.?) 'year' THEN
		SELECT f.line, f.year_text INTO bad FROM pg_temp._thidua_record_file f
			WHERE f.year IS NULL OR f.year NOT BETWEEN 1900 AND 2199 ORDER BY f.line LIMIT 1;
		IF FOUND THEN
			PERFORM thidua._record_fault(source, bad.line, 'year', format('"%s" is not a year from 1900 to 2199', bad.year_text),
				'invalid_parameter_value');
		END IF;
	END IF;
	IF NOT EXISTS (SELECT 1 FROM jsonb_object_keys(lengths) k WHERE k OPERATOR(pg_catalog.<>) 'year') THEN
		RETURN;
	END IF;
	-- texts within their lengths, in line order
	SELECT f.line, l.key AS field, char_length(to_jsonb(f) ->> l.key) AS length, l.value::integer AS most INTO bad
		FROM pg_temp._thidua_record_file f, jsonb_each_text(lengths) l
		WHERE l.key OPERATOR(pg_catalog.<>) 'year'
		  AND char_length(to_jsonb(f) ->> l.key) OPERATOR(pg_catalog.>) l.value::integer
		ORDER BY f.line LIMIT 1;
	IF FOUND THEN
		PERFORM thidua._record_fault(source, bad.line, bad.field, format('%s characters, at most %s', bad.length, bad.most),
			'string_data_right_truncation');
	END IF;
END
$$;

CREATE OR REPLACE FUNCTION thidua._import_ratings(content text, source text,
									   OUT added integer, OUT changed integer, OUT unchanged integer)
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	SET default_statistics_target = 10
	AS $$
DECLARE
	subject_column text := thidua._record_subject(content, source);
	target text := CASE subject_column WHEN 'person' THEN 'individual_rating' ELSE 'unit_rating' END;
	code_column text := CASE subject_column WHEN 'person' THEN 'person_code' ELSE 'unit_code' END;
	bad record;
BEGIN
	PERFORM thidua._progress('reading', 0);
	CREATE TEMP TABLE _thidua_record_file ON COMMIT DROP AS
		SELECT r.line::bigint AS line, CASE subject_column WHEN 'person' THEN r.cells[1] ELSE r.cells[2] END AS code,
			r.cells[3] AS year_text, CASE WHEN r.cells[3] OPERATOR(pg_catalog.~) '^[0-9]{1,4}$' THEN r.cells[3]::integer END AS year,
			r.cells[4] AS rating_text, w.value::thidua.completion_rating AS rating
		FROM thidua._csv_rows(content, source, '{person,unit,year,rating}', ARRAY[subject_column, 'year', 'rating']) r
		LEFT JOIN thidua._record_words('rating') w ON w.word OPERATOR(pg_catalog.=) lower(normalize(r.cells[4], NFC));
	ANALYZE pg_temp._thidua_record_file;
	PERFORM thidua._progress('checking', 0);
	PERFORM thidua._record_file_common(source, subject_column, '{"year": 0}');
	SELECT f.line, f.rating_text INTO bad FROM pg_temp._thidua_record_file f WHERE f.rating IS NULL ORDER BY f.line LIMIT 1;
	IF FOUND THEN
		PERFORM thidua._record_fault(source, bad.line, 'rating', format('"%s" is not a rating', bad.rating_text),
			'invalid_text_representation',
			'A rating is HTXSNV, HTTNV, HTNV or KHTNV, or written in full: Hoàn thành xuất sắc nhiệm vụ, Hoàn thành tốt nhiệm vụ, Hoàn thành nhiệm vụ, Không hoàn thành nhiệm vụ.');
	END IF;
	SELECT d.line, d.code, d.year, d.first INTO bad FROM (
		SELECT f.line, f.code, f.year, min(f.line) OVER (PARTITION BY f.code, f.year) AS first
		FROM pg_temp._thidua_record_file f) d
		WHERE d.line OPERATOR(pg_catalog.<>) d.first ORDER BY d.line LIMIT 1;
	IF FOUND THEN
		PERFORM thidua._record_fault(source, bad.line, 'year',
			format('the rating of "%s" for %s is given twice (line %s too)', bad.code, bad.year, bad.first), 'unique_violation');
	END IF;
	PERFORM thidua._progress('checking', 100);
	EXECUTE format($q$
		SELECT count(*) FILTER (WHERE r.year IS NULL), count(*) FILTER (WHERE r.rating OPERATOR(pg_catalog.<>) f.rating),
			count(*) FILTER (WHERE r.rating OPERATOR(pg_catalog.=) f.rating)
		FROM pg_temp._thidua_record_file f
		LEFT JOIN thidua.%1$I r ON r.%2$I OPERATOR(pg_catalog.=) f.code AND r.year OPERATOR(pg_catalog.=) f.year $q$,
		target, code_column) INTO added, changed, unchanged;
	-- an update of the changed, then an insert of the new (no ON CONFLICT: a
	-- million speculative insertions cost more than an anti-join)
	-- (units' ratings are a Citus reference table, which Citus updates from
	-- values, not from a local table: the file's rows passed as JSON there)
	IF changed OPERATOR(pg_catalog.>) 0 THEN
		EXECUTE format($q$
			UPDATE thidua.%1$I r SET rating = f.rating FROM %3$s
			WHERE r.%2$I OPERATOR(pg_catalog.=) f.code AND r.year OPERATOR(pg_catalog.=) f.year
			  AND r.rating OPERATOR(pg_catalog.<>) f.rating $q$, target, code_column,
			CASE subject_column WHEN 'unit' THEN 'jsonb_to_recordset($1) f(code text, year integer, rating thidua.completion_rating)'
				ELSE 'pg_temp._thidua_record_file f' END)
			USING CASE subject_column WHEN 'unit' THEN (SELECT jsonb_agg(jsonb_build_object('code', f.code, 'year', f.year,
				'rating', f.rating)) FROM pg_temp._thidua_record_file f) END;
	END IF;
	IF added OPERATOR(pg_catalog.>) 0 THEN
		EXECUTE format($q$
			INSERT INTO thidua.%1$I (%2$I, year, rating) SELECT f.code, f.year, f.rating FROM pg_temp._thidua_record_file f
			LEFT JOIN thidua.%1$I r ON r.%2$I OPERATOR(pg_catalog.=) f.code AND r.year OPERATOR(pg_catalog.=) f.year
			WHERE r.year IS NULL $q$,
			target, code_column);
	END IF;
	PERFORM thidua._progress('storing', 100);
END
$$;

CREATE OR REPLACE FUNCTION thidua._import_initiatives(content text, source text,
										   OUT added integer, OUT changed integer, OUT unchanged integer)
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	bad record;
BEGIN
	PERFORM thidua._progress('reading', 0);
	CREATE TEMP TABLE _thidua_record_file ON COMMIT DROP AS
		SELECT r.line::bigint AS line, r.cells[1] AS code, normalize(r.cells[2], NFC) AS title, r.cells[3] AS scope_text,
			ARRAY(SELECT DISTINCT a FROM regexp_split_to_table(r.cells[4], '[[:space:],;]+') a
				  WHERE a OPERATOR(pg_catalog.<>) '' ORDER BY a) AS authors,
			r.cells[5] AS recognition_decision, thidua._csv_date(r.cells[6], source, r.line, 'recognised_on') AS recognised_on
		FROM thidua._csv_rows(content, source, '{code,title,scope,authors,recognition_decision,recognised_on}',
							  '{code,title,scope,authors,recognised_on}') r;
	PERFORM thidua._progress('checking', 0);
	SELECT f.line, f.code INTO bad FROM pg_temp._thidua_record_file f
		WHERE f.code OPERATOR(pg_catalog.!~) '^[[:alnum:]][[:alnum:]._/-]{0,63}$' ORDER BY f.line LIMIT 1;
	IF FOUND THEN
		PERFORM thidua._record_fault(source, bad.line, 'code', format('"%s" is not an initiative code', bad.code),
			'invalid_text_representation',
			'A code is a letter or digit, then up to 63 letters, digits, ".", "_", "/" or "-".');
	END IF;
	PERFORM thidua._record_file_common(source, NULL, '{"title": 1000, "recognition_decision": 100}');
	PERFORM thidua._record_file_words(source, 'scope_text', 'scope',
		'A scope is grassroots, ministry_province or national, or cơ sở, cấp bộ, cấp tỉnh, toàn quốc.');
	SELECT d.line, d.code, d.first INTO bad FROM (
		SELECT f.line, f.code, min(f.line) OVER (PARTITION BY f.code) AS first FROM pg_temp._thidua_record_file f) d
		WHERE d.line OPERATOR(pg_catalog.<>) d.first ORDER BY d.line LIMIT 1;
	IF FOUND THEN
		PERFORM thidua._record_fault(source, bad.line, 'code',
			format('initiative "%s" is given twice (line %s too)', bad.code, bad.first), 'unique_violation');
	END IF;
	SELECT a.line, a.person INTO bad
		FROM (SELECT f.line, c.person FROM pg_temp._thidua_record_file f, unnest(f.authors) c(person) OFFSET 0) a
		LEFT JOIN thidua.individual i ON i.person_code OPERATOR(pg_catalog.=) a.person
		WHERE i.person_code IS NULL
		ORDER BY a.line, a.person LIMIT 1;
	IF FOUND THEN
		PERFORM thidua._record_fault(source, bad.line, 'authors', format('person "%s" does not exist', bad.person),
			'foreign_key_violation', 'Authors are people''s codes, separated by spaces, commas or semicolons.');
	END IF;
	-- an initiative an award used keeps that award's holder among its authors
	SELECT f.line, f.code, i.used_by_award, a.person_code INTO bad FROM pg_temp._thidua_record_file f
		JOIN thidua.initiative i ON i.initiative_code OPERATOR(pg_catalog.=) f.code
		JOIN thidua.individual_award a ON a.record_id OPERATOR(pg_catalog.=) i.used_by_award
		WHERE NOT a.person_code OPERATOR(pg_catalog.=) ANY (f.authors) ORDER BY f.line LIMIT 1;
	IF FOUND THEN
		PERFORM thidua._record_fault(source, bad.line, 'authors',
			format('initiative "%s" is used by award record %s of "%s", who must stay one of its authors', bad.code,
				   bad.used_by_award, bad.person_code), 'check_violation');
	END IF;
	PERFORM thidua._progress('checking', 100);

	SELECT count(*) FILTER (WHERE i.initiative_code IS NULL),
		   count(*) FILTER (WHERE i.initiative_code IS NOT NULL AND s.same IS NOT TRUE),
		   count(*) FILTER (WHERE s.same)
		INTO added, changed, unchanged
	FROM pg_temp._thidua_record_file f
	LEFT JOIN thidua.initiative i ON i.initiative_code OPERATOR(pg_catalog.=) f.code
	LEFT JOIN LATERAL (SELECT (i.title, i.scope, i.recognition_decision, i.recognised_on)
			IS NOT DISTINCT FROM (f.title, w.value::thidua.initiative_scope, f.recognition_decision, f.recognised_on)
			AND f.authors OPERATOR(pg_catalog.=) ARRAY(SELECT ia.person_code FROM thidua.initiative_author ia
				WHERE ia.initiative_code OPERATOR(pg_catalog.=) f.code ORDER BY ia.person_code) AS same
		FROM thidua._record_words('scope') w WHERE w.word OPERATOR(pg_catalog.=) lower(normalize(f.scope_text, NFC))) s
		ON i.initiative_code IS NOT NULL;
	INSERT INTO thidua.initiative AS i (initiative_code, title, scope, recognition_decision, recognised_on)
		SELECT f.code, f.title, w.value::thidua.initiative_scope, f.recognition_decision, f.recognised_on
		FROM pg_temp._thidua_record_file f
		JOIN thidua._record_words('scope') w ON w.word OPERATOR(pg_catalog.=) lower(normalize(f.scope_text, NFC))
		ON CONFLICT (initiative_code) DO UPDATE SET title = excluded.title, scope = excluded.scope,
			recognition_decision = excluded.recognition_decision, recognised_on = excluded.recognised_on
		WHERE (i.title, i.scope, i.recognition_decision, i.recognised_on)
			IS DISTINCT FROM (excluded.title, excluded.scope, excluded.recognition_decision, excluded.recognised_on);
	-- (a subquery, not USING: Citus deletes from a reference table so)
	DELETE FROM thidua.initiative_author ia
		WHERE (ia.initiative_code, ia.person_code) IN (SELECT x.initiative_code, x.person_code
			FROM thidua.initiative_author x JOIN pg_temp._thidua_record_file f ON x.initiative_code OPERATOR(pg_catalog.=) f.code
			WHERE NOT x.person_code OPERATOR(pg_catalog.=) ANY (f.authors));
	INSERT INTO thidua.initiative_author (initiative_code, person_code)
		SELECT f.code, a.person FROM pg_temp._thidua_record_file f, unnest(f.authors) a(person)
		ON CONFLICT DO NOTHING;
	PERFORM thidua._progress('storing', 100);
END
$$;

CREATE OR REPLACE FUNCTION thidua._import_awards(content text, source text,
									  OUT added integer, OUT changed integer, OUT unchanged integer)
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	subject_column text := thidua._record_subject(content, source);
	target text := CASE subject_column WHEN 'person' THEN 'individual_award' ELSE 'unit_award' END;
	code_column text := CASE subject_column WHEN 'person' THEN 'person_code' ELSE 'unit_code' END;
	bad record;
	credits jsonb;
BEGIN
	PERFORM thidua._progress('reading', 0);
	CREATE TEMP TABLE _thidua_record_file ON COMMIT DROP AS
		SELECT r.line::bigint AS line, CASE subject_column WHEN 'person' THEN r.cells[1] ELSE r.cells[2] END AS code,
			r.cells[3] AS award, r.cells[4] AS year_text,
			CASE WHEN r.cells[4] OPERATOR(pg_catalog.~) '^[0-9]{1,4}$' THEN r.cells[4]::integer END AS year,
			r.cells[5] AS kind_text, NULL::text AS kind, r.cells[6] AS decision_number,
			thidua._csv_date(r.cells[7], source, r.line, 'decision_date') AS decision_date,
			normalize(r.cells[8], NFC) AS issuer,
			ARRAY(SELECT DISTINCT a FROM regexp_split_to_table(r.cells[9], '[[:space:],;]+') a
				  WHERE a OPERATOR(pg_catalog.<>) '' ORDER BY a) AS initiatives,
			thidua._csv_date(r.cells[10], source, r.line, 'revoked_on') AS revoked_on,
			normalize(r.cells[11], NFC) AS revocation_reason, r.cells[12] AS revocation_decision,
			NULL::bigint AS record_id, false AS is_new
		FROM thidua._csv_rows(content, source, '{person,unit,award,year,kind,decision_number,decision_date,issuer,'
							  'initiatives,revoked_on,revocation_reason,revocation_decision}', ARRAY[subject_column, 'award', 'year']) r;
	PERFORM thidua._progress('checking', 0);
	PERFORM thidua._record_file_common(source, NULL,
		'{"year": 0, "decision_number": 100, "issuer": 300, "revocation_reason": 1000, "revocation_decision": 100}');
	SELECT f.line, f.award, a.subject INTO bad FROM pg_temp._thidua_record_file f
		LEFT JOIN thidua.award a ON a.award_code OPERATOR(pg_catalog.=) f.award
		WHERE a.subject IS DISTINCT FROM CASE subject_column WHEN 'person' THEN 'individual' ELSE 'collective' END
		ORDER BY f.line LIMIT 1;
	IF FOUND AND bad.subject IS NULL THEN
		PERFORM thidua._record_fault(source, bad.line, 'award', format('award "%s" is not in the catalog', bad.award),
			'foreign_key_violation', 'The catalog is listed by thidua awards (thidua.award).');
	ELSIF FOUND THEN
		PERFORM thidua._record_fault(source, bad.line, 'award',
			format('award "%s" is for %s, and this file''s column "%s" names %s', bad.award,
				   CASE bad.subject WHEN 'individual' THEN 'individuals (people)' ELSE 'collectives (units)' END,
				   subject_column, CASE subject_column WHEN 'person' THEN 'people' ELSE 'units' END), 'check_violation',
			'People''s awards and units'' awards go in separate files (column person or unit).');
	END IF;
	PERFORM thidua._record_file_words(source, 'kind_text', 'award_kind',
		'A kind is yearly, thematic, ad_hoc or career, or thường xuyên, chuyên đề, đột xuất; empty: the catalog''s.');
	PERFORM thidua._record_file_common(source, subject_column, '{}');
	SELECT f.line, f.revoked_on, f.revocation_reason INTO bad FROM pg_temp._thidua_record_file f
		WHERE (f.revoked_on IS NULL) OPERATOR(pg_catalog.<>) (f.revocation_reason IS NULL)
		   OR (f.revoked_on IS NULL AND f.revocation_decision IS NOT NULL)
		ORDER BY f.line LIMIT 1;
	IF FOUND AND bad.revoked_on IS NOT NULL THEN
		PERFORM thidua._record_fault(source, bad.line, 'revocation_reason',
			format('the revocation on %s needs a reason', to_char(bad.revoked_on, 'YYYY-MM-DD')), 'not_null_violation');
	ELSIF FOUND THEN
		PERFORM thidua._record_fault(source, bad.line, 'revoked_on', 'a revocation''s reason or decision is given, not its date',
			'not_null_violation');
	END IF;
	SELECT d.line, d.code, d.award, d.year, d.first INTO bad FROM (
		SELECT f.line, f.code, f.award, f.year,
			min(f.line) OVER (PARTITION BY f.code, f.award, f.year, f.decision_number) AS first
		FROM pg_temp._thidua_record_file f) d
		WHERE d.line OPERATOR(pg_catalog.<>) d.first ORDER BY d.line LIMIT 1;
	IF FOUND THEN
		PERFORM thidua._record_fault(source, bad.line, 'award',
			format('the award "%s" of "%s" for %s is given twice with the same decision number (line %s too)',
				   bad.award, bad.code, bad.year, bad.first), 'unique_violation');
	END IF;
	-- the stored awards of the file's subjects, copied once: the checks and
	-- counts below read this copy, so that on Citus (the people's awards
	-- distributed by person) no query joins the file with a distributed table
	-- but this one and the writes
	IF to_regclass('pg_temp._thidua_record_stored') IS NOT NULL THEN
		DROP TABLE pg_temp._thidua_record_stored;
	END IF;
	EXECUTE format($q$
		CREATE TEMP TABLE _thidua_record_stored ON COMMIT DROP AS
		SELECT a.%2$I AS code, a.record_id, a.award_code, a.year, a.kind, a.decision_number, a.decision_date, a.issuer,
			a.revoked_on, a.revocation_reason, a.revocation_decision
		FROM thidua.%1$I a JOIN (SELECT DISTINCT f.code FROM pg_temp._thidua_record_file f) k
			ON a.%2$I OPERATOR(pg_catalog.=) k.code $q$,
		target, code_column);
	-- the record each line names already, if any
	UPDATE pg_temp._thidua_record_file f SET record_id = m.record_id
		FROM (SELECT a.code, a.award_code, a.year, a.decision_number, min(a.record_id) AS record_id
			  FROM pg_temp._thidua_record_stored a GROUP BY 1, 2, 3, 4) m
		WHERE m.code OPERATOR(pg_catalog.=) f.code AND m.award_code OPERATOR(pg_catalog.=) f.award
		  AND m.year OPERATOR(pg_catalog.=) f.year AND m.decision_number IS NOT DISTINCT FROM f.decision_number;
	SELECT f.line, a.record_id, a.revoked_on INTO bad FROM pg_temp._thidua_record_file f
		JOIN pg_temp._thidua_record_stored a ON a.record_id OPERATOR(pg_catalog.=) f.record_id
		WHERE a.revoked_on IS NOT NULL AND (a.revoked_on, a.revocation_reason, a.revocation_decision)
			IS DISTINCT FROM (f.revoked_on, f.revocation_reason, f.revocation_decision)
		ORDER BY f.line LIMIT 1;
	IF bad.line IS NOT NULL THEN
		PERFORM thidua._record_fault(source, bad.line, 'revoked_on',
			format('award record %s was revoked on %s: a revocation is neither undone nor made again', bad.record_id,
				   to_char(bad.revoked_on, 'YYYY-MM-DD')), 'object_not_in_prerequisite_state',
			'Give the revocation as it is stored; a new decision awarding it again is a new line.');
	END IF;
	-- initiatives: people's awards only, each known, credited once, to an author
	SELECT f.line INTO bad FROM pg_temp._thidua_record_file f
		WHERE subject_column OPERATOR(pg_catalog.=) 'unit' AND cardinality(f.initiatives) OPERATOR(pg_catalog.>) 0
		ORDER BY f.line LIMIT 1;
	IF FOUND THEN
		PERFORM thidua._record_fault(source, bad.line, 'initiatives', 'a unit''s award uses no initiatives', 'check_violation',
			'Initiatives are people''s; a person''s award names those it used.');
	END IF;
	SELECT f.line, c.initiative INTO bad FROM pg_temp._thidua_record_file f, unnest(f.initiatives) c(initiative)
		WHERE NOT EXISTS (SELECT 1 FROM thidua.initiative i WHERE i.initiative_code OPERATOR(pg_catalog.=) c.initiative)
		ORDER BY f.line LIMIT 1;
	IF FOUND THEN
		PERFORM thidua._record_fault(source, bad.line, 'initiatives', format('initiative "%s" does not exist', bad.initiative),
			'foreign_key_violation', 'Import the initiatives first (thidua records import).');
	END IF;
	SELECT d.line, d.initiative, d.first INTO bad FROM (
		SELECT f.line, c.initiative, min(f.line) OVER (PARTITION BY c.initiative) AS first
		FROM pg_temp._thidua_record_file f, unnest(f.initiatives) c(initiative)) d
		WHERE d.line OPERATOR(pg_catalog.<>) d.first ORDER BY d.line LIMIT 1;
	IF FOUND THEN
		PERFORM thidua._record_fault(source, bad.line, 'initiatives',
			format('initiative "%s" is credited to two awards (line %s too)', bad.initiative, bad.first), 'unique_violation',
			'An initiative counts for one award only.');
	END IF;
	-- the initiatives credited, locked in code order before they are checked: a
	-- session crediting one of them at the same time waits for this one, then
	-- finds it used (the guard on thidua.initiative refuses it on other routes)
	PERFORM i.initiative_code FROM thidua.initiative i
		WHERE i.initiative_code OPERATOR(pg_catalog.=) ANY (ARRAY(SELECT c.initiative
			FROM pg_temp._thidua_record_file f, unnest(f.initiatives) c(initiative)))
		ORDER BY i.initiative_code FOR UPDATE;
	SELECT f.line, c.initiative, i.used_by_award INTO bad
		FROM pg_temp._thidua_record_file f, unnest(f.initiatives) c(initiative)
		JOIN thidua.initiative i ON i.initiative_code OPERATOR(pg_catalog.=) c.initiative
		WHERE i.used_by_award IS NOT NULL AND i.used_by_award IS DISTINCT FROM f.record_id
		ORDER BY f.line LIMIT 1;
	IF FOUND THEN
		PERFORM thidua._record_fault(source, bad.line, 'initiatives',
			format('initiative "%s" is used by award record %s already', bad.initiative, bad.used_by_award),
			'unique_violation', 'An initiative counts for one award only.');
	END IF;
	SELECT f.line, f.code, c.initiative INTO bad FROM pg_temp._thidua_record_file f, unnest(f.initiatives) c(initiative)
		WHERE NOT EXISTS (SELECT 1 FROM thidua.initiative_author ia
						  WHERE ia.initiative_code OPERATOR(pg_catalog.=) c.initiative
							AND ia.person_code OPERATOR(pg_catalog.=) f.code)
		ORDER BY f.line LIMIT 1;
	IF FOUND THEN
		PERFORM thidua._record_fault(source, bad.line, 'initiatives',
			format('"%s" is not an author of initiative "%s"', bad.code, bad.initiative), 'check_violation',
			'An initiative counts for an award of one of its authors only.');
	END IF;
	PERFORM thidua._progress('checking', 100);

	-- an empty kind is the catalog's
	UPDATE pg_temp._thidua_record_file f SET kind = coalesce((SELECT w.value FROM thidua._record_words('award_kind') w
			WHERE w.word OPERATOR(pg_catalog.=) lower(normalize(f.kind_text, NFC))), a.kind)
		FROM thidua.award a WHERE a.award_code OPERATOR(pg_catalog.=) f.award;
	-- an award a nomination entered is changed only by its revocation, through
	-- the nomination (the check of the trigger _guard_nominated_award, made
	-- here for Citus, where that trigger cannot run)
	SELECT c.* INTO bad FROM (
		SELECT a.record_id, n.nomination_id, n.state,
			concat_ws(', ', CASE WHEN a.decision_date IS DISTINCT FROM f.decision_date THEN 'decision_date' END,
				CASE WHEN a.issuer IS DISTINCT FROM f.issuer THEN 'issuer' END,
				CASE WHEN a.kind IS DISTINCT FROM f.kind THEN 'kind' END) AS changed_columns,
			a.revoked_on IS DISTINCT FROM f.revoked_on AS revoking
		FROM pg_temp._thidua_record_file f
		JOIN pg_temp._thidua_record_stored a ON a.record_id OPERATOR(pg_catalog.=) f.record_id
		JOIN thidua.nomination n ON n.award_record_id OPERATOR(pg_catalog.=) a.record_id
			AND (n.person_code IS NOT NULL) OPERATOR(pg_catalog.=) (subject_column OPERATOR(pg_catalog.=) 'person')) c
		WHERE c.changed_columns OPERATOR(pg_catalog.<>) '' OR (c.revoking AND c.state OPERATOR(pg_catalog.<>) 'revoked')
		ORDER BY c.record_id LIMIT 1;
	IF bad.record_id IS NOT NULL AND bad.changed_columns OPERATOR(pg_catalog.<>) '' THEN
		RAISE EXCEPTION 'award record % was entered by nomination %: it is not changed', bad.record_id, bad.nomination_id
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = format('Changed: %s.', bad.changed_columns),
				  HINT = format('The registry keeps the decision as awarded; a wrong award is revoked through its nomination: thidua.revoke(%s, revoked_on, reason, decision).', bad.nomination_id);
	ELSIF bad.record_id IS NOT NULL AND bad.revoking AND bad.state OPERATOR(pg_catalog.<>) 'revoked' THEN
		RAISE EXCEPTION 'award record % was entered by nomination %: it is revoked through the nomination', bad.record_id, bad.nomination_id
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = format('Nomination %s is %s.', bad.nomination_id, bad.state),
				  HINT = format('thidua.revoke(%s, revoked_on, reason, decision) revokes both, and the event log records it.', bad.nomination_id);
	END IF;
	-- an initiative credited to an award a nomination entered keeps its credit
	-- (the check of the trigger _guard_nominated_initiative)
	IF subject_column OPERATOR(pg_catalog.=) 'person' THEN
		SELECT i.initiative_code, i.used_by_award, n.nomination_id, n.state INTO bad
			FROM pg_temp._thidua_record_file f
			JOIN thidua.initiative i ON i.used_by_award OPERATOR(pg_catalog.=) f.record_id
			JOIN thidua.nomination n ON n.award_record_id OPERATOR(pg_catalog.=) i.used_by_award AND n.person_code IS NOT NULL
			WHERE NOT i.initiative_code OPERATOR(pg_catalog.=) ANY (f.initiatives)
			ORDER BY i.initiative_code LIMIT 1;
		IF bad.initiative_code IS NOT NULL THEN
			RAISE EXCEPTION 'initiative "%" is credited to award record %, entered by nomination %: its credit is kept',
					bad.initiative_code, bad.used_by_award, bad.nomination_id
				USING ERRCODE = 'object_not_in_prerequisite_state',
					  DETAIL = format('Nomination %s is %s.', bad.nomination_id, bad.state),
					  HINT = format('A wrong award is revoked through its nomination: thidua.revoke(%s, revoked_on, reason, decision).', bad.nomination_id);
		END IF;
	END IF;
	SELECT count(*) FILTER (WHERE f.record_id IS NULL),
		count(*) FILTER (WHERE f.record_id IS NOT NULL AND NOT s.same), count(*) FILTER (WHERE s.same)
		INTO added, changed, unchanged
	FROM pg_temp._thidua_record_file f
	LEFT JOIN pg_temp._thidua_record_stored a ON a.record_id OPERATOR(pg_catalog.=) f.record_id
	LEFT JOIN LATERAL (SELECT (a.kind, a.decision_date, a.issuer, a.revoked_on, a.revocation_reason, a.revocation_decision)
			IS NOT DISTINCT FROM (f.kind, f.decision_date, f.issuer, f.revoked_on, f.revocation_reason, f.revocation_decision)
		AND f.initiatives OPERATOR(pg_catalog.=) ARRAY(SELECT i.initiative_code FROM thidua.initiative i
			WHERE i.used_by_award OPERATOR(pg_catalog.=) a.record_id AND subject_column OPERATOR(pg_catalog.=) 'person'
			ORDER BY i.initiative_code) AS same) s ON a.record_id IS NOT NULL;
	-- (the subject in the join as well: on Citus it routes each row to its shard)
	-- (units' awards are a Citus reference table: the file's rows passed as JSON)
	EXECUTE format($q$
		UPDATE thidua.%1$I a SET kind = f.kind, decision_date = f.decision_date, issuer = f.issuer,
			revoked_on = f.revoked_on, revocation_reason = f.revocation_reason, revocation_decision = f.revocation_decision
		FROM %3$s
		WHERE a.%2$I OPERATOR(pg_catalog.=) f.code AND a.record_id OPERATOR(pg_catalog.=) f.record_id
		  AND (a.kind, a.decision_date, a.issuer, a.revoked_on, a.revocation_reason, a.revocation_decision)
			IS DISTINCT FROM (f.kind, f.decision_date, f.issuer, f.revoked_on, f.revocation_reason, f.revocation_decision) $q$,
		target, code_column,
		CASE subject_column WHEN 'unit' THEN 'jsonb_to_recordset($1) f(code text, record_id bigint, kind text, decision_date date,
			issuer text, revoked_on date, revocation_reason text, revocation_decision text)'
			ELSE 'pg_temp._thidua_record_file f' END)
		USING CASE subject_column WHEN 'unit' THEN (SELECT jsonb_agg(to_jsonb(f)) FROM pg_temp._thidua_record_file f
			WHERE f.record_id IS NOT NULL) END;
	-- the new records numbered first, in line order, then written: no INSERT
	-- ... RETURNING feeds the file's table (Citus does not mix the two)
	WITH numbered AS (
		SELECT n.line, nextval(pg_catalog.pg_get_serial_sequence('thidua.' OPERATOR(pg_catalog.||) target, 'record_id')) AS record_id
		FROM (SELECT f.line FROM pg_temp._thidua_record_file f WHERE f.record_id IS NULL ORDER BY f.line) n)
	UPDATE pg_temp._thidua_record_file f SET record_id = n.record_id, is_new = true
		FROM numbered n WHERE n.line OPERATOR(pg_catalog.=) f.line;
	EXECUTE format($q$
		INSERT INTO thidua.%1$I (%2$I, record_id, award_code, year, kind, decision_number, decision_date, issuer,
			revoked_on, revocation_reason, revocation_decision)
		OVERRIDING SYSTEM VALUE
		SELECT f.code, f.record_id, f.award, f.year, f.kind, f.decision_number, f.decision_date, f.issuer, f.revoked_on,
			f.revocation_reason, f.revocation_decision
		FROM pg_temp._thidua_record_file f WHERE f.is_new ORDER BY f.line $q$,
		target, code_column);
	IF subject_column OPERATOR(pg_catalog.=) 'person' THEN
		-- the initiatives each award used: those of its line, no others
		-- (initiatives are a Citus reference table: the credits passed as JSON)
		UPDATE thidua.initiative i SET used_by_award = NULL
			WHERE i.initiative_code IN (SELECT x.initiative_code FROM thidua.initiative x
				JOIN pg_temp._thidua_record_file f ON x.used_by_award OPERATOR(pg_catalog.=) f.record_id
				WHERE NOT x.initiative_code OPERATOR(pg_catalog.=) ANY (f.initiatives));
		credits := (SELECT jsonb_agg(jsonb_build_object('initiative', c.initiative, 'record_id', f.record_id))
			FROM pg_temp._thidua_record_file f, unnest(f.initiatives) c(initiative));
		UPDATE thidua.initiative i SET used_by_award = c.record_id
			FROM jsonb_to_recordset(credits) c(initiative text, record_id bigint)
			WHERE i.initiative_code OPERATOR(pg_catalog.=) c.initiative
			  AND i.used_by_award IS DISTINCT FROM c.record_id;
	END IF;
	DROP TABLE pg_temp._thidua_record_stored;
	PERFORM thidua._progress('storing', 100);
END
$$;

CREATE OR REPLACE FUNCTION thidua._import_discipline(content text, source text,
										  OUT added integer, OUT changed integer, OUT unchanged integer)
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	bad record;
BEGIN
	PERFORM thidua._progress('reading', 0);
	CREATE TEMP TABLE _thidua_record_file ON COMMIT DROP AS
		SELECT r.line::bigint AS line, r.cells[1] AS code, r.cells[2] AS kind_text, k.value AS kind,
			r.cells[3] AS severity_text, s.value::thidua.discipline_severity AS severity,
			r.valid_from, r.valid_to, r.cells[6] AS decision, normalize(r.cells[7], NFC) AS note,
			NULL::bigint AS record_id
		FROM (SELECT c.line, c.cells, thidua._csv_date(c.cells[4], source, c.line, 'from') AS valid_from,
				thidua._csv_date(c.cells[5], source, c.line, 'to') AS valid_to
			  FROM thidua._csv_rows(content, source, '{person,kind,severity,from,to,decision,note}', '{person,kind,from}') c
			  OFFSET 0) r
		LEFT JOIN thidua._record_words('discipline_kind') k ON k.word OPERATOR(pg_catalog.=) lower(normalize(r.cells[2], NFC))
		LEFT JOIN thidua._record_words('severity') s ON s.word OPERATOR(pg_catalog.=) lower(normalize(r.cells[3], NFC));
	PERFORM thidua._progress('checking', 0);
	PERFORM thidua._record_file_common(source, 'person', '{"decision": 100, "note": 1000}');
	PERFORM thidua._record_file_words(source, 'kind_text', 'discipline_kind',
		'A kind is measure (kỷ luật, hình thức kỷ luật), or a proceeding: consideration (xem xét kỷ luật, đang xem xét kỷ luật), investigation (điều tra, đang bị điều tra) or complaint (khiếu nại, xác minh khiếu nại, đang xác minh khiếu nại).');
	PERFORM thidua._record_file_words(source, 'severity_text', 'severity',
		'A severity is reprimand, warning, demotion, removal or dismissal, or khiển trách, cảnh cáo, hạ bậc lương, giáng chức, cách chức, buộc thôi việc.');
	SELECT f.line, f.kind INTO bad FROM pg_temp._thidua_record_file f
		WHERE (f.kind OPERATOR(pg_catalog.=) 'measure') OPERATOR(pg_catalog.<>) (f.severity IS NOT NULL)
		ORDER BY f.line LIMIT 1;
	IF FOUND AND bad.kind OPERATOR(pg_catalog.=) 'measure' THEN
		PERFORM thidua._record_fault(source, bad.line, 'severity', 'a disciplinary measure needs its severity',
			'not_null_violation', 'reprimand, warning, demotion, removal or dismissal.');
	ELSIF FOUND THEN
		PERFORM thidua._record_fault(source, bad.line, 'severity', format('%s %s has no severity', CASE bad.kind WHEN 'investigation' THEN 'an' ELSE 'a' END, bad.kind),
			'check_violation', 'Only a measure has a severity; a proceeding is a consideration, investigation or complaint.');
	END IF;
	SELECT f.line, f.valid_from, f.valid_to INTO bad FROM pg_temp._thidua_record_file f
		WHERE f.valid_to OPERATOR(pg_catalog.<) f.valid_from ORDER BY f.line LIMIT 1;
	IF FOUND THEN
		PERFORM thidua._record_fault(source, bad.line, 'to', format('%s is before from %s', to_char(bad.valid_to, 'YYYY-MM-DD'), to_char(bad.valid_from, 'YYYY-MM-DD')),
			'check_violation');
	END IF;
	SELECT d.line, d.code, d.kind, d.valid_from, d.first INTO bad FROM (
		SELECT f.line, f.code, f.kind, f.valid_from, min(f.line) OVER (PARTITION BY f.code, f.kind, f.valid_from) AS first
		FROM pg_temp._thidua_record_file f) d
		WHERE d.line OPERATOR(pg_catalog.<>) d.first ORDER BY d.line LIMIT 1;
	IF FOUND THEN
		PERFORM thidua._record_fault(source, bad.line, 'from',
			format('the %s of "%s" from %s is given twice (line %s too)', bad.kind, bad.code, to_char(bad.valid_from, 'YYYY-MM-DD'), bad.first),
			'unique_violation');
	END IF;
	PERFORM thidua._progress('checking', 100);
	-- the stored records of the file's people, copied once (see _import_awards)
	IF to_regclass('pg_temp._thidua_record_stored') IS NOT NULL THEN
		DROP TABLE pg_temp._thidua_record_stored;
	END IF;
	CREATE TEMP TABLE _thidua_record_stored ON COMMIT DROP AS
		SELECT d.person_code, d.record_id, d.kind, d.severity, d.valid_from, d.valid_to, d.decision, d.note
		FROM thidua.discipline d JOIN (SELECT DISTINCT f.code FROM pg_temp._thidua_record_file f) k
			ON d.person_code OPERATOR(pg_catalog.=) k.code;
	UPDATE pg_temp._thidua_record_file f SET record_id = m.record_id
		FROM (SELECT d.person_code, d.kind, d.valid_from, min(d.record_id) AS record_id FROM pg_temp._thidua_record_stored d
			  GROUP BY 1, 2, 3) m
		WHERE m.person_code OPERATOR(pg_catalog.=) f.code AND m.kind OPERATOR(pg_catalog.=) f.kind
		  AND m.valid_from OPERATOR(pg_catalog.=) f.valid_from;
	SELECT count(*) FILTER (WHERE f.record_id IS NULL),
		   count(*) FILTER (WHERE f.record_id IS NOT NULL AND (d.severity, d.valid_to, d.decision, d.note)
							IS DISTINCT FROM (f.severity, f.valid_to, f.decision, f.note)),
		   count(*) FILTER (WHERE f.record_id IS NOT NULL AND (d.severity, d.valid_to, d.decision, d.note)
							IS NOT DISTINCT FROM (f.severity, f.valid_to, f.decision, f.note))
		INTO added, changed, unchanged
	FROM pg_temp._thidua_record_file f LEFT JOIN pg_temp._thidua_record_stored d ON d.record_id OPERATOR(pg_catalog.=) f.record_id;
	DROP TABLE pg_temp._thidua_record_stored;
	UPDATE thidua.discipline d SET severity = f.severity, valid_to = f.valid_to, decision = f.decision, note = f.note
		FROM pg_temp._thidua_record_file f
		WHERE d.person_code OPERATOR(pg_catalog.=) f.code AND d.record_id OPERATOR(pg_catalog.=) f.record_id
		  AND (d.severity, d.valid_to, d.decision, d.note) IS DISTINCT FROM (f.severity, f.valid_to, f.decision, f.note);
	INSERT INTO thidua.discipline (person_code, kind, severity, valid_from, valid_to, decision, note)
		SELECT f.code, f.kind, f.severity, f.valid_from, f.valid_to, f.decision, f.note
		FROM pg_temp._thidua_record_file f WHERE f.record_id IS NULL ORDER BY f.line;
	PERFORM thidua._progress('storing', 100);
END
$$;

CREATE OR REPLACE FUNCTION thidua._import_records(wanted text, content text, source text,
									   OUT kind text, OUT added integer, OUT changed integer, OUT unchanged integer)
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	header text[];
	result record;
BEGIN
	source := coalesce(source, 'input');
	IF content IS NULL THEN
		RAISE EXCEPTION '%: no file content', source USING ERRCODE = 'null_value_not_allowed';
	END IF;
	kind := lower(btrim(wanted));
	IF kind IS NULL THEN
		header := thidua._csv_header(content);
		kind := CASE WHEN 'rating' OPERATOR(pg_catalog.=) ANY (header) THEN 'ratings'
					 WHEN 'award' OPERATOR(pg_catalog.=) ANY (header) THEN 'awards'
					 WHEN 'severity' OPERATOR(pg_catalog.=) ANY (header) OR 'from' OPERATOR(pg_catalog.=) ANY (header)
						THEN 'discipline'
					 WHEN 'authors' OPERATOR(pg_catalog.=) ANY (header) OR 'scope' OPERATOR(pg_catalog.=) ANY (header)
						THEN 'initiatives' END;
		IF kind IS NULL THEN
			RAISE EXCEPTION '%:%: the header does not tell which records the file holds', source,
				thidua._csv_header_line(content)
				USING ERRCODE = 'invalid_parameter_value',
					  HINT = 'Ratings have a column rating, awards a column award, initiatives authors and scope, discipline from and severity; or give the kind (--kind ratings|initiatives|awards|discipline).';
		END IF;
	ELSIF kind NOT IN ('ratings', 'initiatives', 'awards', 'discipline') THEN
		RAISE EXCEPTION 'records of kind "%" are not known', wanted
			USING ERRCODE = 'invalid_parameter_value', HINT = 'The kinds are ratings, initiatives, awards and discipline.';
	END IF;
	IF to_regclass('pg_temp._thidua_record_file') IS NOT NULL THEN
		DROP TABLE pg_temp._thidua_record_file;
	END IF;
	-- on Citus the importers read shards in parallel, then write reference
	-- tables (initiatives) that the distributed ones refer to: one connection
	-- per node
	PERFORM thidua._sequential_on_citus();
	CASE kind
		WHEN 'ratings' THEN SELECT * INTO result FROM thidua._import_ratings(content, source);
		WHEN 'initiatives' THEN SELECT * INTO result FROM thidua._import_initiatives(content, source);
		WHEN 'awards' THEN SELECT * INTO result FROM thidua._import_awards(content, source);
		ELSE SELECT * INTO result FROM thidua._import_discipline(content, source);
	END CASE;
	DROP TABLE pg_temp._thidua_record_file;
	added := result.added;
	changed := result.changed;
	unchanged := result.unchanged;
END
$$;

CREATE OR REPLACE FUNCTION thidua.import_records(kind text, content text, source text DEFAULT 'input',
									  OUT kind text, OUT added integer, OUT changed integer, OUT unchanged integer)
	LANGUAGE sql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT * FROM thidua._import_records($1, $2, $3)
$$;

CREATE OR REPLACE FUNCTION thidua.import_records(kind text, content bytea, source text,
									  OUT kind text, OUT added integer, OUT changed integer, OUT unchanged integer)
	LANGUAGE sql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT * FROM thidua._import_records($1, thidua._decode_utf8($2, coalesce($3, 'input')), $3)
$$;

CREATE OR REPLACE FUNCTION thidua.revoke_award(record_id bigint, revoked_on date, reason text, decision text DEFAULT NULL)
	RETURNS text
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	found_in text[] := '{}';
	holder text;
	earlier date;
	nominated record;
BEGIN
	reason := normalize(btrim(reason), NFC);
	IF revoked_on IS NULL THEN
		RAISE EXCEPTION 'revoking award record % needs the date of the revocation', record_id
			USING ERRCODE = 'invalid_parameter_value';
	ELSIF coalesce(reason, '') OPERATOR(pg_catalog.=) '' THEN
		RAISE EXCEPTION 'revoking award record % needs a reason', record_id USING ERRCODE = 'invalid_parameter_value';
	END IF;
	-- the holder first, then the row locked by holder and record: on Citus a
	-- person's awards are distributed by person, and a row is locked on its
	-- shard alone
	SELECT a.person_code INTO holder FROM thidua.individual_award a
		WHERE a.record_id OPERATOR(pg_catalog.=) revoke_award.record_id;
	IF FOUND THEN
		found_in := found_in OPERATOR(pg_catalog.||) 'individual_award'::text;
		SELECT a.revoked_on INTO earlier FROM thidua.individual_award a
			WHERE a.person_code OPERATOR(pg_catalog.=) holder AND a.record_id OPERATOR(pg_catalog.=) revoke_award.record_id
			FOR UPDATE;
	END IF;
	IF EXISTS (SELECT 1 FROM thidua.unit_award a WHERE a.record_id OPERATOR(pg_catalog.=) revoke_award.record_id) THEN
		found_in := found_in OPERATOR(pg_catalog.||) 'unit_award'::text;
		SELECT a.unit_code, a.revoked_on INTO holder, earlier FROM thidua.unit_award a
			WHERE a.record_id OPERATOR(pg_catalog.=) revoke_award.record_id FOR UPDATE;
	END IF;
	IF cardinality(found_in) OPERATOR(pg_catalog.=) 0 THEN
		RAISE EXCEPTION 'award record % does not exist', record_id USING ERRCODE = 'no_data_found';
	ELSIF cardinality(found_in) OPERATOR(pg_catalog.>) 1 THEN
		RAISE EXCEPTION 'award record % is both a person''s award and a unit''s', record_id
			USING ERRCODE = 'ambiguous_parameter',
				  HINT = 'Set revoked_on, revocation_reason and revocation_decision of the one meant in thidua.individual_award or thidua.unit_award.';
	END IF;
	-- an award a nomination entered is revoked through the nomination (the
	-- check of the trigger _guard_nominated_award, made here for Citus)
	SELECT n.nomination_id, n.state INTO nominated FROM thidua.nomination n
		WHERE n.award_record_id OPERATOR(pg_catalog.=) revoke_award.record_id
		  AND (n.person_code IS NOT NULL) OPERATOR(pg_catalog.=) (found_in[1] OPERATOR(pg_catalog.=) 'individual_award');
	IF earlier IS NOT NULL THEN
		RAISE EXCEPTION 'award record % of "%" was revoked on % already', record_id, holder, to_char(earlier, 'YYYY-MM-DD')
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'A revocation is neither undone nor made again.';
	ELSIF nominated.nomination_id IS NOT NULL AND nominated.state OPERATOR(pg_catalog.<>) 'revoked' THEN
		RAISE EXCEPTION 'award record % was entered by nomination %: it is revoked through the nomination', record_id,
				nominated.nomination_id
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = format('Nomination %s is %s.', nominated.nomination_id, nominated.state),
				  HINT = format('thidua.revoke(%s, revoked_on, reason, decision) revokes both, and the event log records it.', nominated.nomination_id);
	END IF;
	EXECUTE format('UPDATE thidua.%I a SET revoked_on = $1, revocation_reason = $2, revocation_decision = $3
		WHERE a.%I OPERATOR(pg_catalog.=) $5 AND a.record_id OPERATOR(pg_catalog.=) $4', found_in[1],
		CASE found_in[1] WHEN 'individual_award' THEN 'person_code' ELSE 'unit_code' END)
		USING revoked_on, reason, decision, record_id, holder;
	RETURN 'revoked';
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
	acting text := thidua._acting_role();
	acts_for text[];
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
	-- the caller files only what its own units give: import_scores runs with
	-- the owner's rights, so this is the check (row-level security makes the
	-- same one on the tables' other routes). The caller is the role it acts as,
	-- never current_user (the owner here).
	IF NOT thidua._role_is_admin(acting) THEN
		acts_for := thidua._units_of(acting);
		SELECT i.line, CASE WHEN i.judge OPERATOR(pg_catalog.=) 'self' THEN i.unit ELSE i.judge END AS judge_unit INTO bad
		FROM pg_temp._thidua_scores i
		WHERE NOT CASE WHEN i.judge OPERATOR(pg_catalog.=) 'self' THEN i.unit ELSE i.judge END
			OPERATOR(pg_catalog.=) ANY (acts_for)
		ORDER BY i.line LIMIT 1;
		IF FOUND THEN
			RAISE EXCEPTION '%:%: field "judge": role "%" may not file the scores given by "%"',
				source, bad.line, acting, bad.judge_unit
				USING ERRCODE = 'insufficient_privilege',
					  DETAIL = format('A scorer files only the self-assessments and peer scores of the units its role is mapped to; role "%s" acts for %s.',
						acting, coalesce('"' || nullif(array_to_string(acts_for, '", "'), '') || '"', 'no unit')),
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
	-- (on Citus: reads and writes of the bloc's shards in one transaction)
	PERFORM thidua._sequential_on_citus();
	PERFORM thidua._progress('checking', 0);
	ANALYZE pg_temp._thidua_scores;
	-- what a scorer may not file (row-level security refuses it on the tables'
	-- other routes; import_scores runs with the owner's rights, so this is the
	-- check), and the cheap checks before it, in their order
	IF NOT thidua._role_is_admin(thidua._acting_role()) THEN
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

CREATE OR REPLACE FUNCTION thidua.import_scores(bloc text, period text, content text, source text) RETURNS bigint
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	bad record;
	stored bigint;
BEGIN
	source := coalesce(source, 'input');
	IF content IS NULL THEN
		RAISE EXCEPTION '%: no file content', source USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF NOT EXISTS (SELECT 1 FROM thidua.bloc_period bp
			WHERE bp.bloc_code OPERATOR(pg_catalog.=) bloc AND bp.period_code OPERATOR(pg_catalog.=) period) THEN
		RAISE EXCEPTION 'bloc "%" has no settings for period "%"', bloc, period USING ERRCODE = 'no_data_found';
	END IF;
	IF to_regclass('pg_temp._thidua_scores') IS NOT NULL THEN
		DROP TABLE pg_temp._thidua_scores;
	END IF;
	PERFORM thidua._progress('reading', 0);
	CREATE TEMP TABLE _thidua_scores ON COMMIT DROP AS
		SELECT r.line::bigint AS line, r.cells[1] AS unit, r.cells[2] AS judge, r.cells[3] AS criterion,
			r.cells[4] AS observed_text, thidua._csv_number_text(r.cells[4], r.separator)::numeric AS observed,
			r.cells[5] AS evidence, r.separator
		FROM thidua._csv_rows(content, source, '{unit,judge,criterion,observed,evidence}',
							  '{unit,judge,criterion,observed}') AS r;
	-- an observed cell that is no number: "not applicable" (n/a, KAD) where the
	-- bloc's administrators marked the criterion for the unit, which stores
	-- nothing; else the first such line is an error
	SELECT s.line, s.unit, s.criterion, s.observed_text, s.separator,
		thidua._observed_not_applicable(s.observed_text) AS not_applicable INTO bad
	FROM pg_temp._thidua_scores s
	WHERE s.observed IS NULL
	  AND NOT (thidua._observed_not_applicable(s.observed_text)
			   AND EXISTS (SELECT 1 FROM thidua.not_applicable_marking na
						   WHERE na.bloc_code OPERATOR(pg_catalog.=) bloc AND na.period_code OPERATOR(pg_catalog.=) period
							 AND na.unit_code OPERATOR(pg_catalog.=) s.unit
							 AND na.criterion_code OPERATOR(pg_catalog.=) s.criterion))
	ORDER BY s.line LIMIT 1;
	IF FOUND THEN
		IF bad.not_applicable THEN
			PERFORM thidua._check_not_applicable_row(bloc, period, bad.unit, bad.criterion, source, bad.line::integer);
		END IF;
		PERFORM thidua._csv_decimal(bad.observed_text, bad.separator, source, bad.line::integer, 'observed');
	END IF;
	DELETE FROM pg_temp._thidua_scores s
		WHERE s.observed IS NULL AND thidua._observed_not_applicable(s.observed_text);
	stored := thidua._store_scores(bloc, period, source);
	DROP TABLE pg_temp._thidua_scores;
	RETURN stored;
END
$$;

COMMENT ON FUNCTION thidua.import_scores(text, text, text, text) IS
	'stores a score file (text with the columns unit, judge, criterion, observed, evidence; source names it in errors, e.g. scores.csv) for a bloc and period, all or nothing; returns the observations stored. observed is a number, or n/a, KAD or "không áp dụng" for a criterion marked not applicable to the unit in thidua.not_applicable_marking (stores nothing; unmarked, an error). Errors name source:line and the field; nothing is stored then. Runs with the owner''s rights: a role that does not administer thidua stores only the scores given by the units thidua.role_unit maps the role it acts as to (insufficient_privilege naming the line)';

COMMENT ON FUNCTION thidua.import_scores(text, text, text) IS
	'stores the scores staged in pg_temp.score_import (line, unit, judge, criterion, observed, evidence) for a bloc and period, all or nothing; returns the observations stored (kept from 0.5.0; import_scores(bloc, period, content, source) takes the file itself). pg_temp.score_import must be a plain table of built-in types without row-level security (wrong_object_type); a scorer stores only its units'' scores, as import_scores(text, text, text, text) says';

CREATE OR REPLACE FUNCTION thidua.import_scores(bloc text, period text, data bytea, source text) RETURNS bigint
	LANGUAGE sql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT thidua.import_scores(bloc, period, thidua._decode_utf8(data, coalesce(source, 'input')), source)
$$;

COMMENT ON FUNCTION thidua.import_scores(text, text, text, text) IS
	'stores a score file (text with the columns unit, judge, criterion, observed, evidence; source names it in errors, e.g. scores.csv) for a bloc and period, all or nothing; returns the observations stored. observed is a number, or n/a, KAD or "không áp dụng" for a criterion marked not applicable to the unit in thidua.not_applicable_marking (stores nothing; unmarked, an error). Errors name source:line and the field; nothing is stored then. Runs with the owner''s rights: a role that does not administer thidua stores only the scores given by the units thidua.role_unit maps the role it acts as to (insufficient_privilege naming the line)';

COMMENT ON FUNCTION thidua.import_scores(text, text, text) IS
	'stores the scores staged in pg_temp.score_import (line, unit, judge, criterion, observed, evidence) for a bloc and period, all or nothing; returns the observations stored (kept from 0.5.0; import_scores(bloc, period, content, source) takes the file itself). pg_temp.score_import must be a plain table of built-in types without row-level security (wrong_object_type); a scorer stores only its units'' scores, as import_scores(text, text, text, text) says';

CREATE OR REPLACE FUNCTION thidua.import_scores(bloc text, period text, source text DEFAULT 'input') RETURNS bigint
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	stored bigint;
	staged regclass;
	odd record;
BEGIN
	IF NOT EXISTS (SELECT 1 FROM thidua.bloc_period bp
			WHERE bp.bloc_code OPERATOR(pg_catalog.=) bloc AND bp.period_code OPERATOR(pg_catalog.=) period) THEN
		RAISE EXCEPTION 'bloc "%" has no settings for period "%"', bloc, period USING ERRCODE = 'no_data_found';
	END IF;
	IF to_regclass('pg_temp.score_import') IS NULL THEN
		RAISE EXCEPTION 'no scores are staged in pg_temp.score_import' USING ERRCODE = 'undefined_table',
			HINT = 'thidua.import_scores(bloc, period, content, source) takes the file''s text itself.';
	END IF;
	staged := to_regclass('pg_temp.score_import');
	SELECT c.relkind, c.relrowsecurity, (SELECT a.attname FROM pg_catalog.pg_attribute a
			JOIN pg_catalog.pg_type t ON t.oid OPERATOR(pg_catalog.=) a.atttypid
			WHERE a.attrelid OPERATOR(pg_catalog.=) c.oid AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped
			  AND (t.typnamespace OPERATOR(pg_catalog.<>) 'pg_catalog'::regnamespace OR t.typtype OPERATOR(pg_catalog.<>) 'b')
			ORDER BY a.attnum LIMIT 1) AS odd_column
		INTO odd FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) staged;
	IF odd.relkind OPERATOR(pg_catalog.<>) 'r' OR odd.relrowsecurity OR odd.odd_column IS NOT NULL THEN
		RAISE EXCEPTION 'pg_temp.score_import is not a plain table of built-in types%',
			coalesce(': column "' || odd.odd_column || '" has a type of its own', '')
			USING ERRCODE = 'wrong_object_type',
				  DETAIL = 'import_scores reads the staged rows with the rights of the extension''s owner.',
				  HINT = 'CREATE TEMP TABLE score_import (line bigint, unit text, judge text, criterion text, observed numeric, evidence text), without row-level security.';
	END IF;
	IF to_regclass('pg_temp._thidua_scores') IS NOT NULL THEN
		DROP TABLE pg_temp._thidua_scores;
	END IF;
	-- (the types and collation of the scores' own columns, whatever the staging table's)
	CREATE TEMP TABLE _thidua_scores ON COMMIT DROP AS
		SELECT i.line::bigint AS line, i.unit::text COLLATE pg_catalog."default" AS unit,
			i.judge::text COLLATE pg_catalog."default" AS judge, i.criterion::text COLLATE pg_catalog."default" AS criterion,
			i.observed::numeric AS observed, i.evidence::text COLLATE pg_catalog."default" AS evidence
		FROM ONLY pg_temp.score_import i;
	stored := thidua._store_scores(bloc, period, coalesce(source, 'input'));
	DROP TABLE pg_temp._thidua_scores;
	RETURN stored;
END
$$;

COMMENT ON FUNCTION thidua.import_scores(text, text, text, text) IS
	'stores a score file (text with the columns unit, judge, criterion, observed, evidence; source names it in errors, e.g. scores.csv) for a bloc and period, all or nothing; returns the observations stored. observed is a number, or n/a, KAD or "không áp dụng" for a criterion marked not applicable to the unit in thidua.not_applicable_marking (stores nothing; unmarked, an error). Errors name source:line and the field; nothing is stored then. Runs with the owner''s rights: a role that does not administer thidua stores only the scores given by the units thidua.role_unit maps the role it acts as to (insufficient_privilege naming the line)';

COMMENT ON FUNCTION thidua.import_scores(text, text, text) IS
	'stores the scores staged in pg_temp.score_import (line, unit, judge, criterion, observed, evidence) for a bloc and period, all or nothing; returns the observations stored (kept from 0.5.0; import_scores(bloc, period, content, source) takes the file itself). pg_temp.score_import must be a plain table of built-in types without row-level security (wrong_object_type); a scorer stores only its units'' scores, as import_scores(text, text, text, text) says';

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

CREATE OR REPLACE FUNCTION thidua._eligibility_query(award text, year integer, judged_on date, version text,
										  unit text, subject text, mode text) RETURNS text
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	entry record;
	general jsonb;
	collective boolean;
	forecast boolean := mode = 'forecast';
	with_reasons boolean := mode IN ('why', 'all');
	y integer := year;
	d text := quote_literal(judged_on) || '::date';
	-- the year whose ratings and awards are assumed to repeat (forecast)
	assumed integer := year - 1;
	counts_thematic boolean;
	counts_revoked boolean;
	counts_once boolean;
	after_discipline boolean;
	-- a member's awards and ratings count toward the unit as they count for the member
	members_after_discipline boolean;
	n record;
	k integer := 0;
	leaf text;
	p jsonb;
	-- per source: its aggregate columns
	r_aggs text[] := '{}';
	a_aggs text[] := '{}';
	i_aggs text[] := '{}';
	d_aggs text[] := '{}';
	-- in eligible mode, conditions a subject must meet (under all_of only): the
	-- sources filter on them, so that only candidates are joined
	r_having text[] := '{}';
	aw_having text[] := '{}';
	required boolean;
	extra_sources text[] := '{}';
	extra_joins text[] := '{}';
	l1 text[] := '{}';
	-- per node: expressions over the columns of level 1
	pass_of jsonb := '{}';
	evidence_of jsonb := '{}';
	missing_of jsonb := '{}';
	lacks_of jsonb := '{}';
	pass_e text;
	evidence_e text;
	missing_e text;
	lacks_e text;
	rating_from integer := NULL;
	award_codes text[] := '{}';
	needs_cut boolean := false;
	cc text;
	cut_ok text;
	-- in words, the measure that voids achievements (evidence and forecast only)
	cut_note text;
	what_initiative text;
	or_better text;
	rating text;
	scope text;
	at_least integer;
	window_from integer;
	children text[];
	child_pass text[];
	child_missing text[];
	child_lacks text[];
	child_evidence text[];
	subjects text;
	sources text := '';
	joins text := '';
	reasons text;
	sql text;
	who text;
	rec_table text;
	rec_key text;
	rating_table text;
	award_table text;
	scope_units text[];
BEGIN
	SELECT e.rule, v.general INTO entry
	FROM thidua.rulebook_entry e JOIN thidua.rulebook_version v ON v.version_code = e.version_code
	WHERE e.version_code = version AND e.award_code = award;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'rulebook version "%" has no entry for award "%"', version, award USING ERRCODE = 'no_data_found';
	END IF;
	general := entry.general;
	collective := (SELECT a.subject = 'collective' FROM thidua.award a WHERE a.award_code = award);
	-- the unit and its sub-units, named in the query (Citus plans no recursive
	-- query over its distributed tables)
	IF unit IS NOT NULL THEN
		WITH RECURSIVE tree AS (SELECT u.unit_code FROM thidua.unit u WHERE u.unit_code = unit
			UNION SELECT c.unit_code FROM thidua.unit c JOIN tree t ON c.parent_code = t.unit_code)
		SELECT array_agg(t.unit_code ORDER BY t.unit_code) INTO scope_units FROM tree t;
	END IF;
	counts_thematic := thidua._general_rule(general, 'thematic_and_ad_hoc_awards_count');
	counts_revoked := thidua._general_rule(general, 'revoked_awards_count');
	counts_once := thidua._general_rule(general, 'initiative_counts_once');
	after_discipline := thidua._general_rule(general, 'achievements_after_discipline') AND NOT collective;
	members_after_discipline := thidua._general_rule(general, 'achievements_after_discipline') AND collective;
	who := CASE WHEN collective THEN 'unit_code' ELSE 'person_code' END;
	rating_table := CASE WHEN collective THEN 'thidua.unit_rating' ELSE 'thidua.individual_rating' END;
	award_table := CASE WHEN collective THEN 'thidua.unit_award' ELSE 'thidua.individual_award' END;
	-- the condition under which a record of an award counts toward another
	cc := concat_ws(' AND ', 'true',
		CASE WHEN NOT counts_revoked THEN 'a.revoked_on IS NULL' END,
		CASE WHEN NOT counts_thematic THEN 'a.kind IN (''yearly'', ''career'')' END);
	cut_ok := CASE WHEN after_discipline THEN 'coalesce(x.cut_year, 0)' ELSE '0' END;
	cut_note := CASE WHEN after_discipline THEN 'x.cut_note' ELSE 'NULL::text' END;

	-- leaves first: reversed depth-first order visits children before parents
	FOR n IN SELECT * FROM thidua._rule_nodes(entry.rule) ORDER BY ordinal DESC LOOP
		p := n.body;
		IF jsonb_typeof(p) <> 'object' THEN
			RAISE EXCEPTION 'rulebook "%", award "%", %: a rule node must be an object', version, award, n.node
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
		IF p ? 'all_of' OR p ? 'any_of' THEN
			SELECT array_agg(c.node ORDER BY c.ordinal) INTO children
			FROM thidua._rule_nodes(entry.rule) c WHERE c.parent = n.node;
			IF children IS NULL THEN
				RAISE EXCEPTION 'rulebook "%", award "%", %: % is empty', version, award, n.node,
					CASE WHEN p ? 'all_of' THEN 'all_of' ELSE 'any_of' END USING ERRCODE = 'invalid_parameter_value';
			END IF;
			SELECT array_agg(pass_of ->> c ORDER BY o), array_agg(missing_of ->> c ORDER BY o),
				array_agg(lacks_of ->> c ORDER BY o), array_agg(evidence_of ->> c ORDER BY o)
			INTO child_pass, child_missing, child_lacks, child_evidence
			FROM unnest(children) WITH ORDINALITY u(c, o);
			IF p ? 'all_of' THEN
				pass_e := '(' || array_to_string(child_pass, ' AND ') || ')';
				missing_e := '(' || array_to_string(child_missing, ' + ') || ')';
				lacks_e := '(' || array_to_string(child_lacks, ' || ') || ')';
				evidence_e := format('format(''all of: %%s of %s met'', %s)', cardinality(children),
					'(' || (SELECT string_agg('(' || c || ')::int', ' + ') FROM unnest(child_pass) c) || ')');
			ELSE
				pass_e := '(' || array_to_string(child_pass, ' OR ') || ')';
				missing_e := 'LEAST(' || array_to_string(child_missing, ', ') || ')';
				lacks_e := 'CASE' || (SELECT string_agg(format(' WHEN %s = %s THEN %s', m, missing_e, l), '' ORDER BY o)
					FROM unnest(child_missing, child_lacks) WITH ORDINALITY u(m, l, o)) || ' END';
				evidence_e := format('format(''any of: %%s of %s met'', %s)', cardinality(children),
					'(' || (SELECT string_agg('(' || c || ')::int', ' + ') FROM unnest(child_pass) c) || ')');
			END IF;
		ELSE
			k := k + 1;
			leaf := 'k' || k;
			required := mode IN ('eligible', 'why') AND strpos(n.node, 'any_of') = 0;
			rating := p ->> 'rating';
			or_better := CASE WHEN rating <> 'HTXSNV' THEN ' or better' ELSE '' END;
			CASE p ->> 'kind'
			WHEN 'rating_this_year' THEN
				r_aggs := r_aggs || format('max(r.rating) FILTER (WHERE r.year = %s) AS rating_y', y);
				IF required THEN
					r_having := r_having || format('max(r.rating) FILTER (WHERE r.year = %s) >= %L::thidua.completion_rating', y, rating);
				END IF;
				rating_from := least(coalesce(rating_from, y), y);
				l1 := l1 || format('r.rating_y AS %1$s_rating, %2$s AS %1$s_cut, %3$s AS %1$s_note', leaf, cut_ok, cut_note);
				pass_e := format('coalesce(%1$s_rating >= %2$L::thidua.completion_rating AND %1$s_cut < %3$s, false)', leaf, rating, y);
				evidence_e := format($e$CASE WHEN %1$s_rating IS NULL THEN 'no rating for %3$s; %2$s required'
					ELSE %1$s_rating::text || ' in %3$s; %2$s required' END
					|| CASE WHEN %1$s_cut >= %3$s THEN '; ' || %1$s_note ELSE '' END$e$,
					leaf, rating, y);
				missing_e := format('CASE WHEN %s THEN 0 ELSE 1 END', pass_e);
				-- forecast: the rating of the year before is assumed to repeat
				lacks_e := format($e$CASE WHEN %1$s THEN ARRAY[]::text[] ELSE ARRAY['a rating of %2$s in %3$s ('
					|| CASE WHEN %4$s_rating IS NULL THEN 'not rated in %5$s'
						WHEN %4$s_rating < %6$L::thidua.completion_rating THEN 'rated ' || %4$s_rating || ' in %5$s'
						ELSE %4$s_note END || ')'] END$e$,
					pass_e, rating || or_better, y, leaf, assumed, rating);
			WHEN 'rating_streak' THEN
				at_least := (p ->> 'years')::integer;
				rating_from := least(coalesce(rating_from, y), y - at_least + 1);
				r_aggs := r_aggs || format('thidua.streak(r.year, r.rating >= %L::thidua.completion_rating, %s) AS %s_streak',
					rating, y, leaf);
				IF required AND at_least > 0 THEN
					r_having := r_having || format('thidua.streak(r.year, r.rating >= %L::thidua.completion_rating, %s) >= %s',
						rating, y, at_least);
				END IF;
				l1 := l1 || format('greatest(0, least(coalesce(r.%1$s_streak, 0), %2$s - %3$s)) AS %1$s_years,
					coalesce(r.%1$s_streak, 0) AS %1$s_rated, %3$s AS %1$s_cut, %4$s AS %1$s_note', leaf, y, cut_ok, cut_note);
				pass_e := format('(%s_years >= %s)', leaf, at_least);
				evidence_e := format($e$CASE WHEN %1$s_rated = 0 THEN 'not rated %2$s in %3$s; %4$s consecutive years required'
					WHEN %1$s_years = 0 THEN 'no year counted; %4$s consecutive years required'
					ELSE '%2$s ' || (SELECT string_agg(g::text, ', ' ORDER BY g) FROM generate_series(%3$s - %1$s_years + 1, %3$s) g)
						|| ': ' || %1$s_years || CASE WHEN %1$s_years = 1 THEN ' year' ELSE ' consecutive years' END
						|| ', %4$s required' END
					|| CASE WHEN %1$s_rated > %1$s_years THEN '; ' || (SELECT string_agg(g::text, ', ' ORDER BY g)
						FROM generate_series(%3$s - %1$s_rated + 1, %3$s - %1$s_years) g) || ' also rated %2$s, but ' || %1$s_note ELSE '' END$e$,
					leaf, rating || or_better, y, at_least);
				missing_e := format('greatest(0, %s - %s_years)', at_least, leaf);
				lacks_e := format($e$CASE WHEN %1$s_years >= %2$s THEN ARRAY[]::text[]
					ELSE ARRAY[thidua._how_many((%2$s - %1$s_years)::text, %3$L, %4$L) || ' (' || %1$s_years || ' of %2$s consecutive years to %5$s)'] END$e$,
					leaf, at_least, 'more year rated ' || rating || or_better, 'more years rated ' || rating || or_better, y);
			WHEN 'award_held' THEN
				award_codes := award_codes || (p ->> 'award');
				at_least := coalesce((p ->> 'count')::integer, 1);
				window_from := CASE WHEN jsonb_typeof(p -> 'within_years') = 'number' THEN y - (p ->> 'within_years')::integer + 1 END;
				DECLARE
					first_year integer := coalesce(window_from, 1900);
					of_award text := format('a.award_code = %L AND a.year >= %s', p ->> 'award', first_year);
					counted text := format('%s AND %s AND a.year > %s', of_award, cc, cut_ok);
					span text := CASE WHEN window_from IS NULL THEN 'up to ' || y WHEN window_from = y THEN 'in ' || y
						ELSE format('in %s-%s', window_from, y) END;
				BEGIN
					IF at_least = 1 THEN
						a_aggs := a_aggs || format('max(a.year) FILTER (WHERE %s) AS %s_held', counted, leaf);
						l1 := l1 || format('aw.%1$s_held AS %1$s_held, (aw.%1$s_held IS NOT NULL)::integer AS %1$s_years', leaf);
						IF required THEN
							aw_having := aw_having || format('max(a.year) FILTER (WHERE %s) IS NOT NULL', counted);
						END IF;
						evidence_e := format($e$CASE WHEN %1$s_held IS NOT NULL THEN '%2$s ' || %1$s_held ELSE 'no %2$s %3$s' END$e$,
							leaf, p ->> 'award', span);
						lacks_e := format($e$CASE WHEN %1$s_years >= 1 THEN ARRAY[]::text[] ELSE ARRAY['%2$s %3$s ('
							|| CASE WHEN %1$s_revoked + %1$s_kind + %1$s_cut > 0 THEN 'none that counts' ELSE 'none held' END || ')'] END$e$,
							leaf, p ->> 'award', CASE WHEN window_from IS NULL THEN 'in any year up to ' || y WHEN window_from = y THEN 'in ' || y
								ELSE format('in a year of %s-%s', window_from, y) END);
					ELSE
						-- the distinct years held: one bit per year of the window, Y the first
						-- (bit_or combines partial states: the aggregate stays parallel)
						a_aggs := a_aggs || format('bit_or(B''1''::bit(%s) >> (%s - a.year)) FILTER (WHERE %s) AS %s_mask',
							y - first_year + 1, y, counted, leaf);
						l1 := l1 || format('aw.%1$s_mask AS %1$s_mask, coalesce(bit_count(aw.%1$s_mask), 0)::integer AS %1$s_years', leaf);
						IF required THEN
							aw_having := aw_having || format('bit_count(bit_or(B''1''::bit(%s) >> (%s - a.year)) FILTER (WHERE %s)) >= %s',
								y - first_year + 1, y, counted, at_least);
						END IF;
						evidence_e := format($e$CASE WHEN %1$s_years = 0 THEN 'no %2$s %3$s; %4$s years required'
							ELSE '%2$s ' || (SELECT string_agg((%5$s - i)::text, ', ' ORDER BY i DESC)
								FROM generate_series(0, %6$s) i WHERE get_bit(%1$s_mask, i) = 1)
							|| ': ' || %1$s_years || CASE WHEN %1$s_years = 1 THEN ' year' ELSE ' years' END || ' %3$s, %4$s required' END$e$,
							leaf, p ->> 'award', span, at_least, y, y - first_year);
						lacks_e := format($e$CASE WHEN %1$s_years >= %2$s THEN ARRAY[]::text[]
							ELSE ARRAY[thidua._how_many((%2$s - %1$s_years)::text, %3$L, %4$L) || ' (' || %1$s_years || ' of %2$s held)'] END$e$,
							leaf, at_least, format('more year holding %s %s', p ->> 'award', span),
							format('more years holding %s %s', p ->> 'award', span));
					END IF;
					-- records of the award that do not count, by reason
					a_aggs := a_aggs || format('count(*) FILTER (WHERE %s AND %s) AS %s_revoked', of_award,
						CASE WHEN counts_revoked THEN 'false' ELSE 'a.revoked_on IS NOT NULL' END, leaf);
					a_aggs := a_aggs || format('count(*) FILTER (WHERE %s AND %s) AS %s_kind', of_award,
						CASE WHEN counts_thematic THEN 'false' ELSE format('a.kind NOT IN (''yearly'', ''career'') AND %s',
							CASE WHEN counts_revoked THEN 'true' ELSE 'a.revoked_on IS NULL' END) END, leaf);
					a_aggs := a_aggs || format('count(*) FILTER (WHERE %s AND %s AND a.year <= %s) AS %s_cut', of_award, cc, cut_ok, leaf);
					l1 := l1 || format('coalesce(aw.%1$s_revoked, 0) AS %1$s_revoked, coalesce(aw.%1$s_kind, 0) AS %1$s_kind,
						coalesce(aw.%1$s_cut, 0) AS %1$s_cut, %2$s AS %1$s_note', leaf, cut_note);
					evidence_e := evidence_e || format($e$ || CASE WHEN %1$s_revoked > 0 THEN '; ' || %1$s_revoked || ' not counted: revoked' ELSE '' END
						|| CASE WHEN %1$s_kind > 0 THEN '; ' || %1$s_kind || ' not counted: thematic or ad hoc' ELSE '' END
						|| CASE WHEN %1$s_cut > 0 THEN '; ' || %1$s_cut || ' not counted, ' || %1$s_note ELSE '' END$e$, leaf);
					pass_e := format('(%s_years >= %s)', leaf, at_least);
					missing_e := format('greatest(0, %s - %s_years)', at_least, leaf);
				END;
			WHEN 'award_streak' THEN
				award_codes := award_codes || (p ->> 'award');
				at_least := (p ->> 'times')::integer;
				DECLARE
					every integer := coalesce((p ->> 'every_years')::integer, 1);
					run text;
				BEGIN
					a_aggs := a_aggs || format('bit_or(1 << ((%2$s - a.year) / %3$s)) FILTER (WHERE a.award_code = %1$L AND %4$s
						AND a.year > %5$s AND a.year > %2$s - %6$s AND (%2$s - a.year) %% %3$s = 0) AS %7$s_mask',
						p ->> 'award', y, every, cc, cut_ok, at_least * every, leaf);
					-- the run of held years from Y back
					run := (SELECT 'CASE' || string_agg(format(' WHEN coalesce(aw.%s_mask, 0) & %s = 0 THEN %s', leaf, 1 << i, i), '' ORDER BY i)
						|| format(' ELSE %s END', at_least) FROM generate_series(0, at_least - 1) i);
					l1 := l1 || format('%s AS %s_times', run, leaf);
					pass_e := format('(%s_times >= %s)', leaf, at_least);
					evidence_e := format($e$CASE WHEN %1$s_times = 0 THEN 'no %2$s in %3$s; %4$s times required'
						ELSE '%2$s ' || (SELECT string_agg(g::text, ', ' ORDER BY g) FROM generate_series(%3$s - (%1$s_times - 1) * %5$s, %3$s, %5$s) g)
							|| ': ' || %1$s_times || ' %6$s, %4$s required' END$e$,
						leaf, p ->> 'award', y, at_least, every,
						CASE WHEN every = 1 THEN 'in a row' ELSE format('in a row, every %s years', every) END);
					missing_e := format('greatest(0, %s - %s_times)', at_least, leaf);
					lacks_e := format($e$CASE WHEN %1$s_times >= %2$s THEN ARRAY[]::text[]
						ELSE ARRAY[thidua._how_many((%2$s - %1$s_times)::text, %3$L, %4$L) || ' (' || %1$s_times || ' of %2$s to %5$s)'] END$e$,
						leaf, at_least,
						CASE WHEN every = 1 THEN format('more year holding %s, in a row', p ->> 'award')
							ELSE format('more time holding %s, every %s years', p ->> 'award', every) END,
						CASE WHEN every = 1 THEN format('more years holding %s, in a row', p ->> 'award')
							ELSE format('more times holding %s, every %s years', p ->> 'award', every) END, y);
				END;
			WHEN 'initiatives' THEN
				IF collective THEN
					RAISE EXCEPTION 'rulebook "%", award "%", %: rule kind "%" applies to individuals only', version, award, n.node, p ->> 'kind'
						USING ERRCODE = 'invalid_parameter_value';
				END IF;
				at_least := (p ->> 'count')::integer;
				scope := coalesce(p ->> 'scope', 'grassroots');
				window_from := CASE WHEN jsonb_typeof(p -> 'window_years') = 'number' THEN y - (p ->> 'window_years')::integer + 1 END;
				what_initiative := format('of scope %s%s recognised %s', scope, CASE WHEN scope <> 'national' THEN ' or wider' ELSE '' END,
					CASE WHEN window_from IS NULL THEN 'up to ' || y WHEN window_from = y THEN 'in ' || y
						ELSE format('in %s-%s', window_from, y) END);
				DECLARE
					used_ok text := CASE WHEN counts_once THEN format(
						'(i.used_by_award IS NULL OR coalesce(u.award_code = %L AND u.year = %s, false))', award, y)
						ELSE 'true' END;
					in_window text := format('i.scope >= %L::thidua.initiative_scope AND extract(year FROM i.recognised_on) >= %s',
						scope, coalesce(window_from, 1900));
				BEGIN
					i_aggs := i_aggs || format('count(*) FILTER (WHERE %s AND %s AND extract(year FROM i.recognised_on) > %s) AS %s_count',
						in_window, used_ok, replace(cut_ok, 'x.', 'c.'), leaf);
					i_aggs := i_aggs || format('count(*) FILTER (WHERE %s AND NOT %s) AS %s_used', in_window, used_ok, leaf);
					i_aggs := i_aggs || format('count(*) FILTER (WHERE %s AND %s AND extract(year FROM i.recognised_on) <= %s) AS %s_cut',
						in_window, used_ok, replace(cut_ok, 'x.', 'c.'), leaf);
				END;
				IF after_discipline THEN
					needs_cut := true;
				END IF;
				l1 := l1 || format('coalesce(ini.%1$s_count, 0) AS %1$s_count, coalesce(ini.%1$s_used, 0) AS %1$s_used,
					coalesce(ini.%1$s_cut, 0) AS %1$s_cut, %2$s AS %1$s_note', leaf, cut_note);
				pass_e := format('(%s_count >= %s)', leaf, at_least);
				evidence_e := format($e$%1$s_count || ' initiative' || CASE WHEN %1$s_count = 1 THEN '' ELSE 's' END
					|| ' of scope %2$s%3$s recognised %4$s; %5$s required'
					|| CASE WHEN %1$s_used > 0 THEN '; ' || %1$s_used || ' not counted: already used by another award' ELSE '' END
					|| CASE WHEN %1$s_cut > 0 THEN '; ' || %1$s_cut || ' not counted, ' || %1$s_note ELSE '' END$e$,
					leaf, scope, CASE WHEN scope <> 'national' THEN ' or wider' ELSE '' END,
					CASE WHEN window_from IS NULL THEN 'up to ' || y WHEN window_from = y THEN 'in ' || y
						ELSE format('in %s-%s', window_from, y) END, at_least);
				missing_e := format('greatest(0, %s - %s_count)', at_least, leaf);
				lacks_e := format($e$CASE WHEN %1$s_count >= %2$s THEN ARRAY[]::text[]
					ELSE ARRAY[thidua._how_many((%2$s - %1$s_count)::text, %3$L, %4$L) || ' (' || %1$s_count || ' of %2$s counted)'] END$e$,
					leaf, at_least, format('more initiative %s', what_initiative), format('more initiatives %s', what_initiative));
			WHEN 'service_years' THEN
				IF collective THEN
					RAISE EXCEPTION 'rulebook "%", award "%", %: rule kind "%" applies to individuals only', version, award, n.node, p ->> 'kind'
						USING ERRCODE = 'invalid_parameter_value';
				END IF;
				DECLARE
					in_sector boolean := coalesce((p ->> 'in_sector')::boolean, false);
					posts text[] := ARRAY(SELECT jsonb_array_elements_text(coalesce(p -> 'posts', '[]')));
					-- clerks write posts in any case: compared lower-cased, after NFC, on both sides
					post_keys text[] := ARRAY(SELECT lower(normalize(x, NFC)) FROM jsonb_array_elements_text(coalesce(p -> 'posts', '[]')) x);
					where_e text;
					what text;
					as_what text;
				BEGIN
					what := CASE WHEN in_sector THEN 'in the sector' ELSE 'in ' || array_to_string(posts, ', ') END;
					-- "as thủ trưởng đơn vị thuộc bộ, giám đốc or cục trưởng"
					as_what := CASE WHEN in_sector THEN 'in the sector' WHEN cardinality(posts) = 1 THEN 'as ' || posts[1]
						ELSE 'as ' || array_to_string(posts[1:cardinality(posts) - 1], ', ') || ' or ' || posts[cardinality(posts)] END;
					where_e := CASE WHEN in_sector THEN 'true' ELSE format('lower(normalize(t.post, NFC)) = ANY (%L::text[])', post_keys) END;
					extra_sources := extra_sources || format(
						'%1$s AS NOT MATERIALIZED (SELECT t.person_code AS subject_code, thidua._months_in(range_agg(daterange(t.valid_from,
							least(coalesce(t.valid_to, %2$s + 1), %2$s + 1)))) AS months
						FROM %3$s t WHERE t.valid_from <= %2$s AND %4$s%5$s GROUP BY t.person_code)',
						leaf || '_src', d, CASE WHEN in_sector THEN 'thidua.membership' ELSE 'thidua.post_held' END, where_e,
						CASE WHEN subject IS NOT NULL THEN format(' AND t.person_code = %L', subject) ELSE '' END);
					extra_joins := extra_joins || format('LEFT JOIN %1$s_src ON %1$s_src.subject_code = s.subject_code', leaf);
					l1 := l1 || format('coalesce(%1$s_src.months, 0) / 12 AS %1$s_years, coalesce(%1$s_src.months, 0) %% 12 AS %1$s_months,
						CASE WHEN s.sex = ''female'' THEN %2$s ELSE %3$s END AS %1$s_needed, s.sex AS %1$s_sex',
						leaf, (p ->> 'women')::integer, (p ->> 'men')::integer);
					pass_e := format('(%1$s_years >= %1$s_needed)', leaf);
					evidence_e := format($e$%1$s_years || ' full years %2$s to %3$s (' || %1$s_years || CASE WHEN %1$s_years = 1 THEN ' year ' ELSE ' years ' END
						|| %1$s_months || CASE WHEN %1$s_months = 1 THEN ' month); ' ELSE ' months); ' END
						|| %1$s_needed || ' required for a ' || CASE WHEN %1$s_sex = 'female' THEN 'woman' ELSE 'man' END$e$,
						leaf, replace(what, '''', ''''''), judged_on);
					missing_e := format('greatest(0, %1$s_needed - %1$s_years)', leaf);
					-- which posts, how many years needed (for the subject's sex) and held on the judging date
					lacks_e := format($e$CASE WHEN %1$s_years >= %1$s_needed THEN ARRAY[]::text[]
						ELSE ARRAY[thidua._how_many((%1$s_needed - %1$s_years)::text, %2$L, %3$L)
							|| ' (' || %1$s_years || ' of ' || %1$s_needed || ' held on %4$s)'] END$e$,
						leaf, 'more year ' || as_what, 'more years ' || as_what, judged_on);
				END;
			WHEN 'no_discipline' THEN
				IF collective THEN
					RAISE EXCEPTION 'rulebook "%", award "%", %: rule kind "%" applies to individuals only', version, award, n.node, p ->> 'kind'
						USING ERRCODE = 'invalid_parameter_value';
				END IF;
				window_from := y - coalesce((p ->> 'window_years')::integer, 1) + 1;
				DECLARE
					measure_e text := format('x.kind = ''measure'' AND (x.valid_to IS NULL OR x.valid_to >= %L::date)%s',
						make_date(window_from, 1, 1),
						CASE WHEN p ->> 'severity' IS NOT NULL THEN format(' AND x.severity >= %L::thidua.discipline_severity', p ->> 'severity') ELSE '' END);
					open_e text := CASE WHEN coalesce((p ->> 'proceedings')::boolean, false)
						THEN format('x.kind <> ''measure'' AND (x.valid_to IS NULL OR x.valid_to >= %s)', d) ELSE 'false' END;
				BEGIN
					d_aggs := d_aggs || format('count(*) FILTER (WHERE %s) AS %s_measures', measure_e, leaf);
					d_aggs := d_aggs || format('count(*) FILTER (WHERE %s) AS %s_open', open_e, leaf);
					-- what was found, with dates: a measure and the window it overlaps, or proceedings open on the judging date
					IF with_reasons OR forecast THEN
						d_aggs := d_aggs || format($e$string_agg(CASE WHEN x.kind = 'measure' THEN x.severity::text ELSE x.kind::text END
							|| ' from ' || x.valid_from || coalesce(' to ' || x.valid_to, CASE WHEN x.kind = 'measure' THEN ', no end date' ELSE '' END)
							|| coalesce(' (' || x.decision || ')', '')
							|| CASE WHEN %1$s THEN ' overlaps %4$s..%5$s' ELSE ', open on %5$s' END, '; '
							ORDER BY x.valid_from) FILTER (WHERE (%1$s) OR (%2$s)) AS %3$s_list$e$, measure_e, open_e, leaf,
							make_date(window_from, 1, 1), judged_on);
					ELSE
						d_aggs := d_aggs || format('NULL::text AS %s_list', leaf);
					END IF;
				END;
				l1 := l1 || format('coalesce(x.%1$s_measures, 0) + coalesce(x.%1$s_open, 0) AS %1$s_found, x.%1$s_list AS %1$s_list', leaf);
				pass_e := format('(%s_found = 0)', leaf);
				evidence_e := format($e$CASE WHEN %1$s_found = 0 THEN 'no disciplinary measure%2$s overlapping %3$s to %4$s%5$s'
					ELSE %1$s_list END$e$, leaf,
					CASE WHEN p ->> 'severity' IS NOT NULL THEN format(' of %s or heavier', p ->> 'severity') ELSE '' END,
					make_date(window_from, 1, 1), judged_on,
					CASE WHEN coalesce((p ->> 'proceedings')::boolean, false) THEN format('; no proceedings open on %s', judged_on) ELSE '' END);
				missing_e := format('CASE WHEN %s THEN 0 ELSE 1 END', pass_e);
				lacks_e := format('CASE WHEN %s THEN ARRAY[]::text[] ELSE ARRAY[%L || %s_list || '')''] END', pass_e,
					format('no disciplinary measure%s%s (found: ',
						CASE WHEN p ->> 'severity' IS NOT NULL THEN format(' of %s or heavier', p ->> 'severity') ELSE '' END,
						CASE WHEN coalesce((p ->> 'proceedings')::boolean, false) THEN ' or open proceedings' ELSE '' END), leaf);
			WHEN 'once_only' THEN
				award_codes := award_codes || award;
				a_aggs := a_aggs || format('count(*) FILTER (WHERE a.award_code = %L AND a.revoked_on IS NULL AND a.year < %s) AS %s_prior',
					award, CASE WHEN forecast THEN assumed ELSE y END, leaf);
				a_aggs := a_aggs || format('max(a.year) FILTER (WHERE a.award_code = %L AND a.revoked_on IS NULL AND a.year < %s) AS %s_when',
					award, CASE WHEN forecast THEN assumed ELSE y END, leaf);
				l1 := l1 || format('coalesce(aw.%1$s_prior, 0) AS %1$s_prior, aw.%1$s_when AS %1$s_when', leaf);
				pass_e := format('(%s_prior = 0)', leaf);
				evidence_e := format($e$CASE WHEN %1$s_prior = 0 THEN 'not received before' ELSE 'received in ' || %1$s_when || ' (once only)' END$e$, leaf);
				-- never again: no forecast
				missing_e := format('CASE WHEN %s THEN 0 END', pass_e);
				lacks_e := 'ARRAY[]::text[]';
			WHEN 'members_with_award', 'members_rated', 'members_without_discipline' THEN
				IF NOT collective THEN
					RAISE EXCEPTION 'rulebook "%", award "%", %: rule kind "%" applies to collectives only', version, award, n.node, p ->> 'kind'
						USING ERRCODE = 'invalid_parameter_value';
				END IF;
				DECLARE
					member_year integer := CASE WHEN forecast THEN assumed ELSE y END;
					hit text;
					what text;
					share numeric := (p ->> 'share')::numeric;
					how_many integer := (p ->> 'count')::integer;
					more_than boolean := coalesce(p ->> 'comparison', 'at_least') = 'more_than';
					needed text;
					lacking text;
					required_words text;
					-- no measure (started by the judging date) running then or ended in or after the member's year
					member_cut text := CASE WHEN members_after_discipline THEN format(' AND NOT EXISTS (SELECT 1 FROM thidua.discipline x
						WHERE x.person_code = m.person_code AND x.kind = ''measure'' AND x.valid_from <= %1$s
						AND (x.valid_to IS NULL OR x.valid_to > %1$s OR extract(year FROM x.valid_to) >= %2$s))', d, member_year) ELSE '' END;
				BEGIN
					IF p ->> 'kind' = 'members_with_award' THEN
						hit := format('EXISTS (SELECT 1 FROM thidua.individual_award a WHERE a.person_code = m.person_code
							AND a.award_code = %L AND a.year = %s AND %s)%s', p ->> 'award', member_year, cc, member_cut);
						what := format('hold %s %s', p ->> 'award', member_year);
						lacking := format('holding %s', p ->> 'award');
					ELSIF p ->> 'kind' = 'members_rated' THEN
						hit := format('EXISTS (SELECT 1 FROM thidua.individual_rating r WHERE r.person_code = m.person_code
							AND r.year = %s AND r.rating >= %L::thidua.completion_rating)%s', member_year, rating, member_cut);
						what := format('rated %s%s in %s', rating, CASE WHEN rating <> 'HTXSNV' THEN ' or better' ELSE '' END, member_year);
						lacking := format('rated %s%s', rating, or_better);
						IF share IS NULL AND how_many IS NULL THEN
							share := 1;
						END IF;
					ELSE
						hit := format('EXISTS (SELECT 1 FROM thidua.discipline x WHERE x.person_code = m.person_code
							AND x.kind = ''measure'' AND x.severity >= %L::thidua.discipline_severity
							AND x.valid_from <= %L::date AND (x.valid_to IS NULL OR x.valid_to >= %L::date))',
							coalesce(p ->> 'severity', 'reprimand'), make_date(member_year, 12, 31), make_date(member_year, 1, 1));
						what := format('had a measure of %s or heavier in %s', coalesce(p ->> 'severity', 'reprimand'), member_year);
					END IF;
					extra_sources := extra_sources || format(
						'%1$s AS NOT MATERIALIZED (SELECT m.unit_code AS subject_code, count(DISTINCT m.person_code) AS members,
							count(DISTINCT m.person_code) FILTER (WHERE %2$s) AS hits
						FROM thidua.membership m WHERE m.valid_from <= %3$s AND (m.valid_to IS NULL OR m.valid_to > %3$s)
						GROUP BY m.unit_code)', leaf || '_src', hit, d);
					extra_joins := extra_joins || format('LEFT JOIN %1$s_src ON %1$s_src.subject_code = s.subject_code', leaf);
					l1 := l1 || format('coalesce(%1$s_src.members, 0) AS %1$s_members, coalesce(%1$s_src.hits, 0) AS %1$s_hits', leaf);
					IF p ->> 'kind' = 'members_without_discipline' THEN
						needed := '0';
						pass_e := format('(%s_hits = 0)', leaf);
						evidence_e := format($e$CASE WHEN %1$s_hits = 0 THEN 'no member of ' || %1$s_members || ' %2$s'
							ELSE %1$s_hits || ' of ' || %1$s_members || ' members %2$s' END$e$, leaf, replace(what, '''', ''''''));
						missing_e := format('CASE WHEN %s THEN 0 ELSE 1 END', pass_e);
						lacks_e := format($e$CASE WHEN %1$s THEN ARRAY[]::text[] ELSE ARRAY[%2$L || %3$s_hits || ' of ' || %3$s_members || ')'] END$e$,
							pass_e, format('no member with a measure of %s or heavier in %s (', coalesce(p ->> 'severity', 'reprimand'), member_year), leaf);
					ELSE
						-- the fewest members that pass, exact: at least ceil(share x members), or one more than share x members
						needed := CASE WHEN share IS NOT NULL THEN
								CASE WHEN more_than THEN format('(floor(%s::numeric * %s_members)::integer + 1)', share, leaf)
									 ELSE format('ceil(%s::numeric * %s_members)::integer', share, leaf) END
							ELSE CASE WHEN more_than THEN (how_many + 1)::text ELSE how_many::text END END;
						pass_e := format('(%1$s_members > 0 AND %1$s_hits >= %2$s)', leaf, needed);
						required_words := CASE WHEN share IS NOT NULL
							THEN format('%s %s %%', CASE WHEN more_than THEN 'more than' ELSE 'at least' END, trim_scale(share * 100))
							ELSE format('%s %s', CASE WHEN more_than THEN 'more than' ELSE 'at least' END, how_many) END;
						evidence_e := format($e$%1$s_hits || ' of ' || %1$s_members || ' members %2$s'
							|| CASE WHEN %1$s_members > 0 THEN ' (' || trim_scale(round(100.0 * %1$s_hits / %1$s_members, 1)) || ' %%)' ELSE '' END
							|| '; %3$s required'$e$, leaf, replace(what, '''', ''''''), required_words);
						missing_e := format('greatest(0, %s - %s_hits)', needed, leaf);
						lacks_e := format($e$CASE WHEN %1$s THEN ARRAY[]::text[] ELSE ARRAY[thidua._how_many(greatest(1, %2$s - %3$s_hits)::text, %4$L, %5$L)
							|| ' (' || %3$s_hits || ' of ' || %3$s_members || ' in %6$s; ' || %7$L || ')'] END$e$,
							pass_e, needed, leaf, 'more member ' || lacking, 'more members ' || lacking, member_year, required_words || ' required');
					END IF;
				END;
			ELSE
				RAISE EXCEPTION 'rulebook "%", award "%", %: unknown rule kind %', version, award, n.node,
					coalesce('"' || (p ->> 'kind') || '"', '(none)')
					USING ERRCODE = 'invalid_parameter_value';
			END CASE;
		END IF;
		pass_of := pass_of || jsonb_build_object(n.node, pass_e);
		evidence_of := evidence_of || jsonb_build_object(n.node, evidence_e);
		missing_of := missing_of || jsonb_build_object(n.node, missing_e);
		lacks_of := lacks_of || jsonb_build_object(n.node, lacks_e);
	END LOOP;

	-- the subjects: members on the judging date (of the unit and its sub-units), or units
	IF collective THEN
		subjects := format('SELECT u.unit_code AS subject_code, u.name::text AS subject_name, u.parent_code AS unit_code,
			NULL::text AS sex FROM thidua.unit u WHERE %s',
			CASE WHEN subject IS NOT NULL THEN format('u.unit_code = %L', subject)
				 WHEN unit IS NOT NULL THEN format('u.unit_code = ANY (%L::text[])', scope_units) ELSE 'true' END);
	ELSIF subject IS NOT NULL THEN
		subjects := format('SELECT i.person_code AS subject_code, i.full_name::text AS subject_name,
			(SELECT min(m.unit_code) FROM thidua.membership m WHERE m.person_code = %3$L AND m.valid_from <= %1$s
			 AND (m.valid_to IS NULL OR m.valid_to > %2$s)) AS unit_code, i.sex
			FROM thidua.individual i WHERE i.person_code = %3$L', d, d, subject);
	ELSE
		subjects := format('SELECT m.subject_code, i.full_name::text AS subject_name, m.unit_code, i.sex
			FROM (SELECT m.person_code AS subject_code, min(m.unit_code) AS unit_code FROM thidua.membership m
				  WHERE m.valid_from <= %s AND (m.valid_to IS NULL OR m.valid_to > %s)%s GROUP BY m.person_code) m
			JOIN thidua.individual i ON i.person_code = m.subject_code', d, d,
			CASE WHEN unit IS NOT NULL THEN format(' AND m.unit_code = ANY (%L::text[])', scope_units) ELSE '' END);
	END IF;
	-- records of the subjects in scope only, when the scope is narrower than everyone
	-- (one subject by its code: on Citus the query then goes to its one shard)
	rec_key := CASE WHEN subject IS NOT NULL
			THEN format(' AND %%s.%s = %s', who, replace(quote_literal(subject), '%', '%%'))
		WHEN unit IS NOT NULL
			THEN format(' AND %%s.%s IN (SELECT subject_code FROM subjects)', who) ELSE '' END;

	-- the last year whose achievements a disciplinary measure voids (achievements_after_discipline)
	IF after_discipline THEN
		d_aggs := d_aggs || format('max(CASE WHEN x.valid_to IS NULL OR x.valid_to > %s THEN %s ELSE extract(year FROM x.valid_to)::integer END)
			FILTER (WHERE x.kind = ''measure'') AS cut_year', d, y);
		-- the measure that ends last, in words (evidence and forecast only)
		d_aggs := d_aggs || CASE WHEN with_reasons OR forecast THEN format($e$(array_agg(CASE WHEN x.valid_to IS NULL
				THEN 'years up to %1$s do not count: ' || x.severity || ' from ' || x.valid_from || ', no end date'
				ELSE 'years up to ' || extract(year FROM x.valid_to) || ' do not count: ' || x.severity || ' until ' || x.valid_to END
			ORDER BY x.valid_to DESC NULLS FIRST) FILTER (WHERE x.kind = 'measure'))[1] AS cut_note$e$, y)
			ELSE 'NULL::text AS cut_note' END;
	END IF;
	IF cardinality(d_aggs) > 0 AND NOT collective THEN
		sources := sources || format(', cut AS NOT MATERIALIZED (SELECT x.person_code AS subject_code, %s FROM thidua.discipline x
			WHERE x.valid_from <= %s%s GROUP BY x.person_code)', array_to_string(d_aggs, ', '), d, format(rec_key, 'x'));
		joins := joins || ' LEFT JOIN cut x ON x.subject_code = s.subject_code';
	END IF;
	IF cardinality(r_aggs) > 0 THEN
		sources := sources || format(', r AS NOT MATERIALIZED (SELECT r.%1$s AS subject_code, %2$s FROM %3$s GROUP BY r.%1$s',
			who, array_to_string(ARRAY(SELECT DISTINCT a FROM unnest(r_aggs) a), ', '),
			-- (the year assumed read twice, as itself and as the year forecast, by
			-- one scan: no UNION, which Citus would not push down)
			CASE WHEN forecast THEN format(
				'(SELECT * FROM (SELECT r.%1$s, unnest(CASE WHEN r.year = %4$s THEN ARRAY[r.year, %5$s] ELSE ARRAY[r.year] END) AS year,
					r.rating FROM %2$s r WHERE r.year BETWEEN %7$s AND %4$s%6$s) r WHERE r.year BETWEEN %3$s AND %5$s) r',
				who, rating_table, rating_from, assumed, y, format(rec_key, 'r'), least(rating_from, assumed))
			ELSE format('%s r WHERE r.year BETWEEN %s AND %s%s', rating_table, rating_from, y, format(rec_key, 'r')) END)
			|| CASE WHEN cardinality(r_having) > 0 THEN ' HAVING ' || array_to_string(r_having, ' AND ') || ')' ELSE ')' END;
		joins := joins || CASE WHEN cardinality(r_having) > 0 THEN ' JOIN' ELSE ' LEFT JOIN' END || ' r ON r.subject_code = s.subject_code';
	END IF;
	IF cardinality(a_aggs) > 0 THEN
		sources := sources || format(', aw AS NOT MATERIALIZED (SELECT a.%1$s AS subject_code, %2$s FROM %3$s%4$s GROUP BY a.%1$s',
			who, array_to_string(a_aggs, ', '),
			CASE WHEN forecast THEN format(
				'(SELECT a.%1$s, a.award_code, unnest(CASE WHEN a.year = %4$s AND a.kind = ''yearly'' THEN ARRAY[a.year, %5$s]
					ELSE ARRAY[a.year] END) AS year, a.kind, a.revoked_on
				  FROM %2$s a WHERE a.award_code = ANY (%3$L::text[]) AND a.year <= %4$s%6$s) a',
				who, award_table, award_codes, assumed, y, format(rec_key, 'a'))
			ELSE format('%s a', award_table) END,
			CASE WHEN after_discipline THEN ' LEFT JOIN cut x ON x.subject_code = a.' || who ELSE '' END
			|| CASE WHEN forecast THEN ' WHERE true' ELSE format(' WHERE a.award_code = ANY (%L::text[]) AND a.year <= %s%s', award_codes, y, format(rec_key, 'a')) END)
			|| CASE WHEN cardinality(aw_having) > 0 THEN ' HAVING ' || array_to_string(aw_having, ' AND ') || ')' ELSE ')' END;
		joins := joins || CASE WHEN cardinality(aw_having) > 0 THEN ' JOIN' ELSE ' LEFT JOIN' END || ' aw ON aw.subject_code = s.subject_code';
		IF after_discipline THEN
			needs_cut := true;
		END IF;
	END IF;
	IF cardinality(i_aggs) > 0 THEN
		-- led by the person (distributed) and the award that used an initiative
		-- joined as the author's own (co-located): on Citus each worker counts
		-- its people's initiatives
		sources := sources || format(', ini AS NOT MATERIALIZED (SELECT p.person_code AS subject_code, %s
			FROM thidua.individual p JOIN thidua.initiative_author ia ON ia.person_code = p.person_code
			JOIN thidua.initiative i ON i.initiative_code = ia.initiative_code
			LEFT JOIN thidua.individual_award u ON u.person_code = p.person_code AND u.record_id = i.used_by_award%s
			WHERE i.recognised_on <= %s%s GROUP BY p.person_code)',
			array_to_string(i_aggs, ', '), CASE WHEN after_discipline THEN ' LEFT JOIN cut c ON c.subject_code = p.person_code' ELSE '' END,
			d, format(rec_key, 'p'));
		joins := joins || ' LEFT JOIN ini ON ini.subject_code = s.subject_code';
	END IF;
	IF cardinality(extra_sources) > 0 THEN
		sources := sources || ', ' || array_to_string(extra_sources, ', ');
		joins := joins || ' ' || array_to_string(extra_joins, ' ');
	END IF;

	IF with_reasons THEN
		SELECT string_agg(format('jsonb_build_array(jsonb_build_object(''node'', %L, ''kind'', %L, ''passed'', %s, ''evidence'', %s))',
			t.node, coalesce(t.body ->> 'kind', CASE WHEN t.body ? 'all_of' THEN 'all_of' ELSE 'any_of' END),
			pass_of ->> t.node, evidence_of ->> t.node), ' || ' ORDER BY t.ordinal)
		INTO reasons FROM thidua._rule_nodes(entry.rule) t;
	END IF;

	-- every CTE inlined (NOT MATERIALIZED): on Citus the whole query, joined
	-- on person_code throughout, is pushed down to the workers, each judging
	-- the people of its shards
	sql := format('WITH subjects AS NOT MATERIALIZED (%s)%s
		SELECT subject_code, subject_name, unit_code, %s AS passed, %s AS reasons, (%s)::integer AS missing, %s AS lacks
		FROM (SELECT s.subject_code, s.subject_name, s.unit_code%s FROM subjects s%s) l1%s',
		subjects, sources,
		pass_of ->> 'rule',
		CASE WHEN with_reasons THEN reasons ELSE 'NULL::jsonb' END,
		CASE WHEN forecast THEN missing_of ->> 'rule' ELSE 'NULL::integer' END,
		CASE WHEN forecast THEN lacks_of ->> 'rule' ELSE 'NULL::text[]' END,
		CASE WHEN cardinality(l1) > 0 THEN ', ' || array_to_string(l1, ', ') ELSE '' END,
		joins,
		CASE WHEN mode IN ('eligible', 'why') THEN ' WHERE ' || (pass_of ->> 'rule') ELSE '' END);
	RETURN sql;
END
$$;

CREATE OR REPLACE FUNCTION thidua.quota(award text, unit text, year integer, rulebook_version text DEFAULT NULL)
	RETURNS TABLE (base_award text, base integer, share numeric, rounding text, minimum integer, allowed integer,
				   arithmetic text, legal_source text)
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	on_date date;
	version text;
	q jsonb;
	general jsonb;
	product numeric;
	rounded integer;
	holders integer;
	units text[];
BEGIN
	PERFORM thidua._check_award_year(award, year);
	IF unit IS NULL THEN
		RAISE EXCEPTION 'unit is required' USING ERRCODE = 'null_value_not_allowed',
			DETAIL = 'A quota is counted per unit (with its sub-units).';
	END IF;
	PERFORM thidua._check_unit(unit);
	on_date := make_date(year, 12, 31);
	version := thidua._rulebook_for(award, on_date, rulebook_version);
	SELECT e.quota, v.general INTO q, general
	FROM thidua.rulebook_entry e JOIN thidua.rulebook_version v ON v.version_code = e.version_code
	WHERE e.version_code = version AND e.award_code = award;
	IF q IS NULL OR jsonb_typeof(q) = 'null' THEN
		RETURN QUERY SELECT NULL::text, NULL::integer, NULL::numeric, NULL::text, NULL::integer, NULL::integer,
			format('no quota for %s in %s', award, version), NULL::text;
		RETURN;
	END IF;
	IF q ? 'count' THEN
		RETURN QUERY SELECT NULL::text, NULL::integer, NULL::numeric, NULL::text, NULL::integer, (q ->> 'count')::integer,
			format('a fixed count: %s per %s', q ->> 'count', coalesce(q ->> 'per', 'unit')),
			thidua._legal_source_text(q -> 'source');
		RETURN;
	END IF;
	-- the people of the unit and its sub-units on the judging date holding the
	-- base award in the year: the units named first (Citus plans no recursive
	-- query over its distributed tables), the holders joined on person_code
	-- (co-located there: each worker counts its own people)
	WITH RECURSIVE scope_units AS (
		SELECT u.unit_code FROM thidua.unit u WHERE u.unit_code = unit
		UNION SELECT c.unit_code FROM thidua.unit c JOIN scope_units s ON c.parent_code = s.unit_code)
	SELECT array_agg(s.unit_code ORDER BY s.unit_code) INTO units FROM scope_units s;
	EXECUTE 'SELECT count(DISTINCT m.person_code)::integer
		FROM thidua.membership m
		JOIN (SELECT a.person_code FROM thidua.individual_award a
			  WHERE a.award_code = $2 AND a.year = $3 AND ($4 OR a.revoked_on IS NULL)
				AND ($5 OR a.kind IN (''yearly'', ''career'')) GROUP BY a.person_code) h ON h.person_code = m.person_code
		WHERE m.unit_code = ANY ($1) AND m.valid_from <= $6 AND (m.valid_to IS NULL OR m.valid_to > $6)'
		INTO holders
		USING units, q ->> 'base_award', quota.year, thidua._general_rule(general, 'revoked_awards_count'),
			thidua._general_rule(general, 'thematic_and_ad_hoc_awards_count'), on_date;
	-- exact: numeric throughout
	product := holders * (q ->> 'share')::numeric;
	rounded := CASE coalesce(q ->> 'rounding', 'down')
		WHEN 'down' THEN floor(product) WHEN 'up' THEN ceil(product) WHEN 'half_up' THEN round(product) END;
	IF rounded IS NULL THEN
		RAISE EXCEPTION 'rulebook "%", award "%", quota: field "rounding": "%" is not a rounding (one of down, half_up, up)',
			version, award, q ->> 'rounding' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	RETURN QUERY SELECT q ->> 'base_award', holders, (q ->> 'share')::numeric, coalesce(q ->> 'rounding', 'down'),
		coalesce((q ->> 'minimum')::integer, 0),
		greatest(rounded, coalesce((q ->> 'minimum')::integer, 0)),
		format('%s %% of %s = %s, rounded %s: %s', trim_scale((q ->> 'share')::numeric * 100), holders, trim_scale(product),
			replace(coalesce(q ->> 'rounding', 'down'), '_', ' '), rounded)
		|| CASE WHEN coalesce((q ->> 'minimum')::integer, 0) > rounded THEN format('; at least %s', q ->> 'minimum') ELSE '' END,
		thidua._legal_source_text(q -> 'source');
END
$$;

CREATE OR REPLACE FUNCTION thidua.eligibility_changes(award text, year integer, draft_version text, unit text DEFAULT NULL)
	RETURNS TABLE (subject_code text, subject_name thidua.vietnamese_text, change text, in_force_version text,
				   deciding_rule text, evidence text)
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	on_date date;
	in_force text;
	draft text;
	rule_in_force jsonb;
	rule_draft jsonb;
	judged_in_force jsonb;
	judged_draft jsonb;
BEGIN
	PERFORM thidua._check_award_year(award, year);
	PERFORM thidua._check_unit(unit);
	IF draft_version IS NULL THEN
		RAISE EXCEPTION 'draft_version is required' USING ERRCODE = 'null_value_not_allowed';
	END IF;
	on_date := make_date(year, 12, 31);
	in_force := thidua._rulebook_for(award, on_date, NULL);
	draft := thidua._rulebook_for(award, on_date, draft_version);
	-- what-if weighs a proposal: a published or retired version is not one
	IF (SELECT v.status FROM thidua.rulebook_version v WHERE v.version_code = draft) <> 'draft' THEN
		RAISE EXCEPTION 'rulebook version "%" is %, not a draft', draft,
			(SELECT v.status FROM thidua.rulebook_version v WHERE v.version_code = draft)
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'What-if compares a draft against the version in force.',
				  HINT = 'Clone the version (thidua rulebook clone) and edit the draft.';
	END IF;
	SELECT e.rule INTO rule_in_force FROM thidua.rulebook_entry e WHERE e.version_code = in_force AND e.award_code = award;
	SELECT e.rule INTO rule_draft FROM thidua.rulebook_entry e WHERE e.version_code = draft AND e.award_code = award;
	-- the deciding rule: a failing leaf of the version under which the subject fails,
	-- first those with no identical leaf (parameters alike) in the other version
	-- each version's judgement first (on Citus, pushed down to the workers),
	-- then compared here: the comparison reads no table
	EXECUTE format('SELECT jsonb_agg(to_jsonb(q)) FROM (%s) q',
		thidua._eligibility_query(award, year, on_date, in_force, unit, NULL, 'all')) INTO judged_in_force;
	EXECUTE format('SELECT jsonb_agg(to_jsonb(q)) FROM (%s) q',
		thidua._eligibility_query(award, year, on_date, draft, unit, NULL, 'all')) INTO judged_draft;
	RETURN QUERY EXECUTE format($q$
		WITH now AS (SELECT * FROM jsonb_to_recordset($3) AS j(subject_code text, subject_name text, unit_code text,
				passed boolean, reasons jsonb)),
			proposed AS (SELECT * FROM jsonb_to_recordset($4) AS j(subject_code text, subject_name text, unit_code text,
				passed boolean, reasons jsonb))
		SELECT n.subject_code, n.subject_name::thidua.vietnamese_text,
			CASE WHEN p.passed THEN 'gains' ELSE 'loses' END, %L::text, d.deciding_rule, d.evidence
		FROM now n JOIN proposed p ON p.subject_code = n.subject_code AND p.passed IS DISTINCT FROM n.passed
		LEFT JOIN LATERAL (
			SELECT format('%%s %%s: %%s %%s', CASE WHEN p.passed THEN %L ELSE %L END, t.node, t.body ->> 'kind',
					t.body - 'kind' - 'source' - 'label') AS deciding_rule,
				r ->> 'evidence' AS evidence
			FROM jsonb_array_elements(CASE WHEN p.passed THEN n.reasons ELSE p.reasons END) AS e(r)
			JOIN thidua._rule_nodes(CASE WHEN p.passed THEN $1 ELSE $2 END) t ON t.node = r ->> 'node'
			WHERE NOT (r ->> 'passed')::boolean AND t.body ? 'kind'
			ORDER BY (t.body - 'source' - 'label') IN (SELECT o.body - 'source' - 'label'
				FROM thidua._rule_nodes(CASE WHEN p.passed THEN $2 ELSE $1 END) o WHERE o.body ? 'kind'), t.ordinal
			LIMIT 1) d ON true
		ORDER BY 3, n.unit_code, n.subject_code $q$,
		in_force, in_force, draft)
		USING rule_in_force, rule_draft, coalesce(judged_in_force, '[]'), coalesce(judged_draft, '[]');
END
$$;

CREATE OR REPLACE FUNCTION thidua.create_round(round_code text, title text, year integer, authority text, council_unit text,
									deadline date, awards text[], rulebook_version text DEFAULT NULL, meets_on date DEFAULT NULL)
	RETURNS text
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	a text;
BEGIN
	PERFORM thidua._sequential_on_citus();
	IF NOT thidua._actor_is_admin() THEN
		RAISE EXCEPTION 'role "%" may not create a nomination round', thidua._actor()
			USING ERRCODE = 'insufficient_privilege', DETAIL = 'Only an administrator (thidua_admin) may.';
	END IF;
	title := normalize(btrim(title), NFC);
	authority := normalize(btrim(authority), NFC);
	PERFORM thidua._check_length(format('round "%s"', round_code), 'title', title, 1000);
	PERFORM thidua._check_length(format('round "%s"', round_code), 'authority', authority, 300);
	IF round_code IS NULL OR coalesce(title, '') = '' OR year IS NULL OR coalesce(authority, '') = ''
	   OR council_unit IS NULL OR deadline IS NULL THEN
		RAISE EXCEPTION 'a round needs its code, title, year, authority, council unit and deadline'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF coalesce(cardinality(awards), 0) = 0 THEN
		RAISE EXCEPTION 'round "%" needs at least one award', round_code USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF EXISTS (SELECT 1 FROM thidua.nomination_round r WHERE r.round_code OPERATOR(pg_catalog.=) create_round.round_code) THEN
		RAISE EXCEPTION 'round "%" exists already', round_code USING ERRCODE = 'unique_violation';
	END IF;
	IF NOT EXISTS (SELECT 1 FROM thidua.unit u WHERE u.unit_code OPERATOR(pg_catalog.=) council_unit) THEN
		RAISE EXCEPTION 'round "%": council unit "%" does not exist', round_code, council_unit USING ERRCODE = 'no_data_found';
	END IF;
	IF year NOT BETWEEN 1900 AND 2198 THEN
		RAISE EXCEPTION 'round "%": year % is out of range', round_code, year USING ERRCODE = 'invalid_parameter_value';
	END IF;
	FOREACH a IN ARRAY awards LOOP
		IF NOT EXISTS (SELECT 1 FROM thidua.award x WHERE x.award_code OPERATOR(pg_catalog.=) a) THEN
			RAISE EXCEPTION 'round "%": award "%" does not exist', round_code, a
				USING ERRCODE = 'no_data_found', HINT = 'thidua.award lists the awards.';
		END IF;
		-- raises, naming the award, when no version judges it
		PERFORM thidua._rulebook_for(a, make_date(year, 12, 31), rulebook_version);
	END LOOP;
	INSERT INTO thidua.nomination_round (round_code, title, year, authority, council_unit, deadline, rulebook_version, meets_on, created_by)
	VALUES (round_code, title, year, authority, council_unit, deadline, rulebook_version, meets_on, thidua._actor());
	INSERT INTO thidua.round_award (round_code, award_code) SELECT DISTINCT round_code, x FROM unnest(awards) x;
	RETURN round_code;
END
$$;

CREATE OR REPLACE FUNCTION thidua.nominate(round_code text, award_code text, subject text, proposing_unit text, summary text DEFAULT '',
								evidence jsonb DEFAULT '[]', achievements text[] DEFAULT '{}', override_reason text DEFAULT NULL)
	RETURNS bigint
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	r thidua.nomination_round;
	award_subject text;
	entry thidua.rulebook_entry;
	n thidua.nomination;
	own_units text[];
	what text := format('nomination of "%s"', subject);
BEGIN
	PERFORM thidua._sequential_on_citus();
	override_reason := nullif(normalize(btrim(override_reason), NFC), '');
	summary := normalize(btrim(coalesce(summary, '')), NFC);
	PERFORM thidua._check_length(what, 'summary', summary, 10000);
	PERFORM thidua._check_length(what, 'override_reason', override_reason, 1000);
	PERFORM thidua._check_achievements(what, achievements);
	SELECT * INTO r FROM thidua.nomination_round x WHERE x.round_code OPERATOR(pg_catalog.=) nominate.round_code;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'round "%" does not exist', round_code USING ERRCODE = 'no_data_found';
	END IF;
	IF NOT EXISTS (SELECT 1 FROM thidua.round_award x WHERE x.round_code OPERATOR(pg_catalog.=) r.round_code
				   AND x.award_code OPERATOR(pg_catalog.=) nominate.award_code) THEN
		RAISE EXCEPTION 'round "%" does not consider award "%"', round_code, award_code
			USING ERRCODE = 'no_data_found',
				  DETAIL = format('Its awards: %s.', (SELECT string_agg(x.award_code, ', ' ORDER BY x.award_code) FROM thidua.round_award x
													 WHERE x.round_code OPERATOR(pg_catalog.=) r.round_code));
	END IF;
	IF NOT EXISTS (SELECT 1 FROM thidua.unit u WHERE u.unit_code OPERATOR(pg_catalog.=) proposing_unit) THEN
		RAISE EXCEPTION 'proposing unit "%" does not exist', proposing_unit USING ERRCODE = 'no_data_found';
	END IF;
	IF NOT thidua._actor_is_admin() AND NOT proposing_unit OPERATOR(pg_catalog.=) ANY (thidua._actor_units()) THEN
		RAISE EXCEPTION 'role "%" may not nominate for unit "%"', thidua._actor(), proposing_unit
			USING ERRCODE = 'insufficient_privilege',
				  DETAIL = format('Only an administrator or a role acting for unit "%s" (thidua.role_unit) may.', proposing_unit);
	END IF;
	IF current_date OPERATOR(pg_catalog.>) r.deadline AND NOT thidua._actor_is_admin() THEN
		RAISE EXCEPTION 'round "%" closed for nominations on %', round_code, to_char(r.deadline, 'YYYY-MM-DD')
			USING ERRCODE = 'object_not_in_prerequisite_state', HINT = 'An administrator may still nominate.';
	END IF;
	SELECT a.subject INTO award_subject FROM thidua.award a WHERE a.award_code OPERATOR(pg_catalog.=) nominate.award_code;
	IF award_subject OPERATOR(pg_catalog.=) 'individual'
	   AND NOT EXISTS (SELECT 1 FROM thidua.individual i WHERE i.person_code OPERATOR(pg_catalog.=) subject) THEN
		RAISE EXCEPTION 'award "%" is for individuals: person "%" does not exist', award_code, subject USING ERRCODE = 'no_data_found';
	ELSIF award_subject OPERATOR(pg_catalog.=) 'collective'
	   AND NOT EXISTS (SELECT 1 FROM thidua.unit u WHERE u.unit_code OPERATOR(pg_catalog.=) subject) THEN
		RAISE EXCEPTION 'award "%" is for collectives: unit "%" does not exist', award_code, subject USING ERRCODE = 'no_data_found';
	END IF;
	IF award_subject OPERATOR(pg_catalog.=) 'individual' THEN
		PERFORM thidua._refuse_excluded(subject, current_date, 'nomination');
	END IF;
	entry := thidua._round_entry(r.round_code, award_code);
	-- the council votes once: a nomination made after its vote opened could never reach it
	IF r.vote_opened_at IS NOT NULL AND coalesce((entry.council ->> 'ballot')::boolean, false) THEN
		RAISE EXCEPTION 'round "%" is closed for nominations for award "%": its council''s vote opened at %', round_code, award_code,
				to_char(r.vote_opened_at, 'YYYY-MM-DD HH24:MI')
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = 'The award is decided by the council''s ballot, which is held once per round.',
				  HINT = 'Nominate in a new round.';
	END IF;
	-- a unit proposes its own people and collectives (its sub-units included);
	-- the unit tree first, then the person's memberships (on Citus a recursive
	-- query may not reach a distributed table)
	IF NOT thidua._actor_is_admin() THEN
		WITH RECURSIVE subtree(code) AS (
			SELECT proposing_unit
			UNION
			SELECT u.unit_code FROM thidua.unit u JOIN subtree s ON u.parent_code OPERATOR(pg_catalog.=) s.code)
		SELECT array_agg(s.code) INTO own_units FROM subtree s;
	END IF;
	IF NOT thidua._actor_is_admin() AND NOT (
		(award_subject OPERATOR(pg_catalog.=) 'collective' AND subject OPERATOR(pg_catalog.=) ANY (own_units))
		OR (award_subject OPERATOR(pg_catalog.=) 'individual' AND EXISTS (
				SELECT 1 FROM thidua.membership m
				WHERE m.person_code OPERATOR(pg_catalog.=) subject AND m.unit_code OPERATOR(pg_catalog.=) ANY (own_units)
				  AND m.valid_from OPERATOR(pg_catalog.<=) pg_catalog.make_date(r.year, 12, 31)
				  AND (m.valid_to IS NULL OR m.valid_to OPERATOR(pg_catalog.>=) pg_catalog.make_date(r.year, 1, 1))))) THEN
		RAISE EXCEPTION 'role "%" may not nominate "%" for unit "%"', thidua._actor(), subject, proposing_unit
			USING ERRCODE = 'insufficient_privilege',
				  DETAIL = format('"%s" is not %s of unit "%s" or its sub-units in %s; a unit proposes its own.', subject,
								  CASE WHEN award_subject OPERATOR(pg_catalog.=) 'collective' THEN 'one' ELSE 'a member' END, proposing_unit, r.year);
	END IF;
	INSERT INTO thidua.nomination (round_code, award_code, person_code, unit_code, proposing_unit, summary, evidence, override_reason, created_by)
	VALUES (r.round_code, award_code, CASE WHEN award_subject OPERATOR(pg_catalog.=) 'individual' THEN subject END,
			CASE WHEN award_subject OPERATOR(pg_catalog.=) 'collective' THEN subject END, proposing_unit, summary,
			thidua._check_evidence(evidence), override_reason, thidua._actor())
	RETURNING * INTO n;
	PERFORM thidua._set_achievements(n, achievements);
	INSERT INTO thidua.dossier_item (nomination_id, item, present, updated_by)
	SELECT DISTINCT n.nomination_id, d ->> 'item', false, thidua._actor()
	FROM jsonb_array_elements(coalesce(entry.nomination -> 'dossier', '[]')) d;
	INSERT INTO thidua.nomination_event (nomination_id, action, from_state, to_state, by_role, reason, detail)
	VALUES (n.nomination_id, 'nominate', NULL, 'draft', thidua._actor(), override_reason,
			jsonb_build_object('rulebook_version', entry.version_code));
	RETURN n.nomination_id;
END
$$;

CREATE OR REPLACE FUNCTION thidua.update_nomination(nomination bigint, summary text DEFAULT NULL, evidence jsonb DEFAULT NULL,
										 achievements text[] DEFAULT NULL, override_reason text DEFAULT NULL)
	RETURNS integer
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	what text := format('nomination %s', nomination);
	n thidua.nomination;
	changed text[] := '{}';
BEGIN
	PERFORM thidua._sequential_on_citus();
	summary := normalize(btrim(summary), NFC);
	override_reason := nullif(normalize(btrim(override_reason), NFC), '');
	PERFORM thidua._check_length(what, 'summary', summary, 10000);
	PERFORM thidua._check_length(what, 'override_reason', override_reason, 1000);
	PERFORM thidua._check_achievements(what, achievements);
	n := thidua._editable(nomination, 'edit');
	-- only what differs from the stored dossier counts as a change
	IF summary IS DISTINCT FROM n.summary AND summary IS NOT NULL THEN
		changed := changed || 'summary'::text;
	END IF;
	IF evidence IS NOT NULL AND thidua._check_evidence(evidence) OPERATOR(pg_catalog.<>) n.evidence THEN
		changed := changed || 'evidence'::text;
	END IF;
	IF achievements IS NOT NULL AND (SELECT coalesce(array_agg(DISTINCT normalize(btrim(a), NFC) ORDER BY normalize(btrim(a), NFC)), '{}')
									FROM unnest(achievements) a)
			IS DISTINCT FROM (SELECT coalesce(array_agg(x.achievement ORDER BY x.achievement), '{}') FROM thidua.nomination_achievement x
							  WHERE x.nomination_id OPERATOR(pg_catalog.=) nomination) THEN
		changed := changed || 'achievements'::text;
	END IF;
	IF override_reason IS NOT NULL AND override_reason IS DISTINCT FROM n.override_reason THEN
		changed := changed || 'override_reason'::text;
	END IF;
	IF cardinality(changed) OPERATOR(pg_catalog.=) 0 THEN
		-- accepted, but nothing changed: the revision stays (a returned dossier still counts as unchanged)
		RETURN n.dossier_revision;
	END IF;
	UPDATE thidua.nomination x SET summary = coalesce(update_nomination.summary, x.summary),
		evidence = coalesce(update_nomination.evidence, x.evidence),
		override_reason = coalesce(update_nomination.override_reason, x.override_reason),
		dossier_revision = x.dossier_revision + 1
	WHERE x.nomination_id OPERATOR(pg_catalog.=) nomination
	RETURNING * INTO n;
	IF 'achievements' = ANY (changed) THEN
		PERFORM thidua._set_achievements(n, achievements);
	END IF;
	PERFORM thidua._note_event(n, 'edit', NULL, jsonb_build_object('dossier_revision', n.dossier_revision, 'changed', to_jsonb(changed)));
	RETURN n.dossier_revision;
END
$$;

CREATE OR REPLACE FUNCTION thidua.set_dossier_item(nomination bigint, item text, present boolean, reference text DEFAULT NULL)
	RETURNS integer
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	n thidua.nomination;
	stored thidua.dossier_item;
BEGIN
	PERFORM thidua._sequential_on_citus();
	reference := nullif(normalize(btrim(reference), NFC), '');
	PERFORM thidua._check_length(format('nomination %s, dossier item "%s"', nomination, item), 'reference', reference, 1000);
	n := thidua._editable(nomination, 'edit');
	IF present IS NULL THEN
		RAISE EXCEPTION 'dossier item "%": present must be true or false', item USING ERRCODE = 'null_value_not_allowed';
	END IF;
	SELECT * INTO stored FROM thidua.dossier_item d
	WHERE d.nomination_id OPERATOR(pg_catalog.=) nomination AND d.item OPERATOR(pg_catalog.=) set_dossier_item.item FOR UPDATE;
	IF FOUND AND (stored.present, stored.reference) IS NOT DISTINCT FROM (present, reference) THEN
		-- accepted, but nothing changed: the revision stays
		RETURN n.dossier_revision;
	END IF;
	UPDATE thidua.dossier_item d SET present = set_dossier_item.present,
		reference = set_dossier_item.reference, updated_at = now(), updated_by = thidua._actor()
	WHERE d.nomination_id OPERATOR(pg_catalog.=) nomination AND d.item OPERATOR(pg_catalog.=) set_dossier_item.item;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'nomination % has no dossier item "%"', nomination, item
			USING ERRCODE = 'no_data_found',
				  DETAIL = coalesce('Its items: ' || (SELECT string_agg(d.item, ', ' ORDER BY d.item) FROM thidua.dossier_item d
									 WHERE d.nomination_id OPERATOR(pg_catalog.=) nomination) || '.',
									'The rulebook entry of its award requires none.');
	END IF;
	UPDATE thidua.nomination x SET dossier_revision = x.dossier_revision + 1
	WHERE x.nomination_id OPERATOR(pg_catalog.=) nomination RETURNING * INTO n;
	PERFORM thidua._note_event(n, 'dossier', NULL, jsonb_build_object('item', item, 'present', present,
		'reference', reference, 'dossier_revision', n.dossier_revision));
	RETURN n.dossier_revision;
END
$$;

CREATE OR REPLACE FUNCTION thidua.submit(nomination bigint, reason text DEFAULT NULL) RETURNS thidua.nomination_state
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	n thidua.nomination;
	deadline date;
BEGIN
	PERFORM thidua._sequential_on_citus();
	reason := normalize(btrim(reason), NFC);
	PERFORM thidua._check_length(format('nomination %s', nomination), 'reason', reason, 1000);
	n := thidua._step(nomination, 'submit');
	deadline := (SELECT r.deadline FROM thidua.nomination_round r WHERE r.round_code OPERATOR(pg_catalog.=) n.round_code);
	IF current_date OPERATOR(pg_catalog.>) deadline AND NOT thidua._actor_is_admin() THEN
		RAISE EXCEPTION 'round "%" closed for nominations on %', n.round_code, to_char(deadline, 'YYYY-MM-DD')
			USING ERRCODE = 'object_not_in_prerequisite_state', HINT = 'An administrator may still submit it.';
	END IF;
	RETURN thidua._transition(nomination, 'submit', reason);
END
$$;

CREATE OR REPLACE FUNCTION thidua.return_nomination(nomination bigint, reason text) RETURNS thidua.nomination_state
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	n thidua.nomination;
	new_state thidua.nomination_state;
BEGIN
	PERFORM thidua._sequential_on_citus();
	reason := normalize(btrim(reason), NFC);
	PERFORM thidua._check_length(format('nomination %s', nomination), 'reason', reason, 1000);
	n := thidua._step(nomination, 'return');
	IF coalesce(reason, '') = '' THEN
		RAISE EXCEPTION 'returning nomination % needs a reason', nomination USING ERRCODE = 'null_value_not_allowed';
	END IF;
	new_state := thidua._transition(nomination, 'return', reason, jsonb_build_object('dossier_revision', n.dossier_revision));
	UPDATE thidua.nomination x SET returned_at_revision = x.dossier_revision WHERE x.nomination_id OPERATOR(pg_catalog.=) nomination;
	RETURN new_state;
END
$$;

CREATE OR REPLACE FUNCTION thidua.resubmit(nomination bigint, reason text DEFAULT NULL) RETURNS thidua.nomination_state
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	n thidua.nomination;
BEGIN
	PERFORM thidua._sequential_on_citus();
	reason := normalize(btrim(reason), NFC);
	PERFORM thidua._check_length(format('nomination %s', nomination), 'reason', reason, 1000);
	n := thidua._step(nomination, 'resubmit');
	IF n.dossier_revision OPERATOR(pg_catalog.=) n.returned_at_revision THEN
		RAISE EXCEPTION 'nomination %: a returned dossier cannot come back unchanged', nomination
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = format('It was returned at revision %s and is still at it.', n.returned_at_revision),
				  HINT = 'Change the summary, evidence, achievements or dossier items first (update_nomination, set_dossier_item).';
	END IF;
	RETURN thidua._transition(nomination, 'resubmit', reason,
		jsonb_build_object('dossier_revision', n.dossier_revision, 'returned_at_revision', n.returned_at_revision));
END
$$;

CREATE OR REPLACE FUNCTION thidua.check(nomination bigint, reason text DEFAULT NULL) RETURNS thidua.nomination_state
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	n thidua.nomination;
	r thidua.nomination_round;
	entry thidua.rulebook_entry;
	missing text;
	snapshot jsonb;
	eligible boolean;
	failing jsonb;
	allowed jsonb;
	detail jsonb;
	new_state thidua.nomination_state;
BEGIN
	PERFORM thidua._sequential_on_citus();
	reason := normalize(btrim(reason), NFC);
	PERFORM thidua._check_length(format('nomination %s', nomination), 'reason', reason, 1000);
	n := thidua._step(nomination, 'check');
	SELECT * INTO r FROM thidua.nomination_round x WHERE x.round_code OPERATOR(pg_catalog.=) n.round_code;
	PERFORM thidua._refuse_excluded(n.person_code, current_date, format('checking nomination %s', nomination));
	SELECT string_agg(d.item, ', ' ORDER BY d.item) INTO missing FROM thidua.dossier_item d
	WHERE d.nomination_id OPERATOR(pg_catalog.=) nomination AND NOT d.present;
	IF missing IS NOT NULL THEN
		RAISE EXCEPTION 'nomination %: the dossier is incomplete', nomination
			USING ERRCODE = 'object_not_in_prerequisite_state', DETAIL = format('Missing: %s.', missing),
				  HINT = 'Return it to the proposer (return_nomination) to complete it.';
	END IF;
	entry := thidua._round_entry(n.round_code, n.award_code);
	SELECT jsonb_agg(to_jsonb(e)), bool_or(e.passed) FILTER (WHERE e.node OPERATOR(pg_catalog.=) 'rule') INTO snapshot, eligible
	FROM thidua.eligibility(coalesce(n.person_code, n.unit_code), n.award_code, r.year, entry.version_code) e;
	detail := jsonb_build_object('eligible', eligible, 'rulebook_version', entry.version_code);
	IF NOT eligible THEN
		failing := thidua._deciding_failures(entry.rule, snapshot);
		allowed := entry.nomination -> 'override' -> 'kinds';
		IF allowed IS NULL OR EXISTS (SELECT 1 FROM jsonb_array_elements(failing) f WHERE NOT allowed ? (f ->> 'kind')) THEN
			RAISE EXCEPTION 'nomination %: % is not eligible for % %', nomination, coalesce(n.person_code, n.unit_code), n.award_code, r.year
				USING ERRCODE = 'object_not_in_prerequisite_state',
					  DETAIL = format('Failing: %s.', (SELECT string_agg(format('%s (%s): %s', f ->> 'node', f ->> 'kind', f ->> 'evidence'), '; ')
														FROM jsonb_array_elements(failing) f)),
					  HINT = CASE WHEN allowed IS NULL THEN format('Rulebook %s allows no override for %s.', entry.version_code, n.award_code)
						ELSE format('Rulebook %s allows an override of %s only.', entry.version_code,
							(SELECT string_agg(k, ', ') FROM jsonb_array_elements_text(allowed) k)) END;
		END IF;
		IF n.override_reason IS NULL THEN
			RAISE EXCEPTION 'nomination %: % is not eligible for % %, and the override needs a stated reason', nomination,
				coalesce(n.person_code, n.unit_code), n.award_code, r.year
				USING ERRCODE = 'object_not_in_prerequisite_state',
					  DETAIL = format('Failing (overridable): %s.', (SELECT string_agg(format('%s (%s)', f ->> 'node', f ->> 'kind'), '; ')
																	 FROM jsonb_array_elements(failing) f)),
					  HINT = 'Return it so that the proposer states the reason (update_nomination''s override_reason).';
		END IF;
		detail := detail || jsonb_build_object('override', jsonb_build_object('reason', n.override_reason, 'failing', failing,
			'source', entry.nomination -> 'override' -> 'source'));
	END IF;
	new_state := thidua._transition(nomination, 'check', reason, detail);
	UPDATE thidua.nomination x SET checked_on = current_date, eligibility_snapshot = snapshot, rulebook_version = entry.version_code
	WHERE x.nomination_id OPERATOR(pg_catalog.=) nomination;
	RETURN new_state;
END
$$;

CREATE OR REPLACE FUNCTION thidua.disclose(nomination bigint, "on" date DEFAULT current_date) RETURNS thidua.nomination_state
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	n thidua.nomination := thidua._step(nomination, 'disclose');
	entry thidua.rulebook_entry := thidua._round_entry(n.round_code, n.award_code);
	new_state thidua.nomination_state;
BEGIN
	PERFORM thidua._sequential_on_citus();
	IF entry.disclosure IS NULL THEN
		RAISE EXCEPTION 'award "%" is not disclosed to the public under rulebook %', n.award_code, entry.version_code
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = 'Its rulebook entry requires no disclosure (disclosure is null).';
	END IF;
	IF "on" IS NULL THEN
		RAISE EXCEPTION 'disclosing nomination % needs the date', nomination USING ERRCODE = 'null_value_not_allowed';
	END IF;
	-- a window that has not begun is no public comment; the event log keeps
	-- when the office stated the date
	IF "on" OPERATOR(pg_catalog.>) current_date
	   OR "on" OPERATOR(pg_catalog.<) (SELECT pg_catalog.make_date(r.year, 1, 1) FROM thidua.nomination_round r
									  WHERE r.round_code OPERATOR(pg_catalog.=) n.round_code) THEN
		RAISE EXCEPTION 'nomination % cannot be disclosed on %', nomination, to_char("on", 'YYYY-MM-DD')
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'The disclosure date is no later than today and no earlier than 1 January of the round''s year.';
	END IF;
	new_state := thidua._transition(nomination, 'disclose', NULL,
		jsonb_build_object('on', "on", 'working_days', entry.disclosure -> 'working_days', 'source', entry.disclosure -> 'source'));
	UPDATE thidua.nomination x SET disclosed_on = "on" WHERE x.nomination_id OPERATOR(pg_catalog.=) nomination;
	RETURN new_state;
END
$$;

CREATE OR REPLACE FUNCTION thidua.comment(nomination bigint, received_on date, commenter text, body text) RETURNS bigint
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	n thidua.nomination;
	id bigint;
BEGIN
	PERFORM thidua._sequential_on_citus();
	body := normalize(btrim(body), NFC);
	commenter := nullif(normalize(btrim(commenter), NFC), '');
	PERFORM thidua._check_length(format('comment on nomination %s', nomination), 'commenter', commenter, 300);
	PERFORM thidua._check_length(format('comment on nomination %s', nomination), 'body', body, 10000);
	SELECT * INTO n FROM thidua.nomination x WHERE x.nomination_id OPERATOR(pg_catalog.=) nomination FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'nomination % does not exist', nomination USING ERRCODE = 'no_data_found';
	END IF;
	IF NOT thidua._actor_is_admin() THEN
		RAISE EXCEPTION 'role "%" may not record comments on nomination %', thidua._actor(), nomination
			USING ERRCODE = 'insufficient_privilege', DETAIL = 'Only an administrator (thidua_admin) may.';
	END IF;
	IF n.state OPERATOR(pg_catalog.<>) 'disclosed' THEN
		RAISE EXCEPTION 'nomination % is %: comments are recorded while it is disclosed', nomination, n.state
			USING ERRCODE = 'object_not_in_prerequisite_state';
	END IF;
	IF received_on IS NULL OR coalesce(body, '') = '' THEN
		RAISE EXCEPTION 'a comment on nomination % needs the date received and its text', nomination
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	INSERT INTO thidua.disclosure_comment (nomination_id, received_on, commenter, body, recorded_by)
	VALUES (nomination, received_on, commenter, body, thidua._actor())
	RETURNING comment_id INTO id;
	PERFORM thidua._note_event(n, 'comment', NULL, jsonb_build_object('comment_id', id, 'received_on', received_on));
	RETURN id;
END
$$;

CREATE OR REPLACE FUNCTION thidua.withdraw(nomination bigint, reason text) RETURNS thidua.nomination_state
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	PERFORM thidua._sequential_on_citus();
	reason := normalize(btrim(reason), NFC);
	PERFORM thidua._check_length(format('nomination %s', nomination), 'reason', reason, 1000);
	PERFORM thidua._step(nomination, 'withdraw');
	IF coalesce(reason, '') = '' THEN
		RAISE EXCEPTION 'withdrawing nomination % needs a reason', nomination USING ERRCODE = 'null_value_not_allowed';
	END IF;
	RETURN thidua._transition(nomination, 'withdraw', reason);
END
$$;

CREATE OR REPLACE FUNCTION thidua.decide(nomination bigint, decision_number text, decision_date date, signer text)
	RETURNS thidua.nomination_state
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	n thidua.nomination;
	tie thidua.quota_tie;
	new_state thidua.nomination_state;
BEGIN
	PERFORM thidua._sequential_on_citus();
	decision_number := btrim(decision_number);
	signer := normalize(btrim(signer), NFC);
	PERFORM thidua._check_length(format('nomination %s', nomination), 'decision_number', decision_number, 100);
	PERFORM thidua._check_length(format('nomination %s', nomination), 'signer', signer, 300);
	n := thidua._step(nomination, 'decide');
	SELECT * INTO tie FROM thidua.quota_tie t
	WHERE t.round_code OPERATOR(pg_catalog.=) n.round_code AND t.decided_at IS NULL
	ORDER BY t.award_code, t.scope LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION 'round "%" is blocked by a tie at the quota of award "%"%', n.round_code, tie.award_code,
			CASE WHEN tie.scope OPERATOR(pg_catalog.<>) '' THEN format(' (scope "%s")', tie.scope) ELSE '' END
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = format('Nominations %s are tied for %s seat(s).', array_to_string(tie.tied, ', '), tie.seats_left),
				  HINT = 'The council decides the tie first (resolve_tie).';
	END IF;
	IF coalesce(decision_number, '') = '' OR decision_date IS NULL OR coalesce(signer, '') = '' THEN
		RAISE EXCEPTION 'deciding nomination % needs the decision number, date and signer', nomination
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF decision_date OPERATOR(pg_catalog.>) current_date
	   OR decision_date OPERATOR(pg_catalog.<) (SELECT pg_catalog.make_date(r.year, 1, 1) FROM thidua.nomination_round r
											   WHERE r.round_code OPERATOR(pg_catalog.=) n.round_code) THEN
		RAISE EXCEPTION 'nomination %: decision date % is out of range', nomination, to_char(decision_date, 'YYYY-MM-DD')
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'A decision is dated no later than today and no earlier than 1 January of the round''s year.';
	END IF;
	PERFORM thidua._refuse_excluded(n.person_code, current_date, format('deciding nomination %s', nomination));
	new_state := thidua._transition(nomination, 'decide', NULL,
		jsonb_build_object('decision_number', decision_number, 'decision_date', decision_date, 'signer', signer));
	UPDATE thidua.nomination x SET decision_number = decide.decision_number, decision_date = decide.decision_date, signer = decide.signer
	WHERE x.nomination_id OPERATOR(pg_catalog.=) nomination;
	RETURN new_state;
END
$$;

CREATE OR REPLACE FUNCTION thidua.award(nomination bigint) RETURNS bigint
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	n thidua.nomination;
	r thidua.nomination_round;
	award_kind text;
	record bigint;
	stray text;
BEGIN
	PERFORM thidua._sequential_on_citus();
	n := thidua._step(nomination, 'award');
	SELECT * INTO r FROM thidua.nomination_round x WHERE x.round_code OPERATOR(pg_catalog.=) n.round_code;
	-- the catalog's kind, given here (on Citus no trigger fills it)
	SELECT a.kind INTO award_kind FROM thidua.award a WHERE a.award_code OPERATOR(pg_catalog.=) n.award_code;
	IF n.person_code IS NOT NULL THEN
		INSERT INTO thidua.individual_award (person_code, award_code, year, kind, decision_number, decision_date, issuer)
		VALUES (n.person_code, n.award_code, r.year, award_kind, n.decision_number, n.decision_date, r.authority)
		RETURNING record_id INTO record;
		-- the initiatives it rests on count for this award only
		UPDATE thidua.initiative i SET used_by_award = record
		FROM thidua.nomination_achievement a
		WHERE a.nomination_id OPERATOR(pg_catalog.=) nomination AND a.initiative_code OPERATOR(pg_catalog.=) i.initiative_code
		  AND i.used_by_award IS NULL;
		-- an initiative counts for an award of one of its authors only (the
		-- initiative's trigger says so on one server, the function on Citus)
		SELECT i.initiative_code INTO stray FROM thidua.initiative i
		WHERE i.used_by_award OPERATOR(pg_catalog.=) record
		  AND NOT EXISTS (SELECT 1 FROM thidua.initiative_author ia WHERE ia.initiative_code OPERATOR(pg_catalog.=) i.initiative_code
						  AND ia.person_code OPERATOR(pg_catalog.=) n.person_code)
		ORDER BY i.initiative_code LIMIT 1;
		IF FOUND THEN
			RAISE EXCEPTION 'initiative "%" is used by award record % of "%", who is not one of its authors',
				stray, record, n.person_code
				USING ERRCODE = 'check_violation',
					  HINT = 'An initiative counts for an award of one of its authors only.';
		END IF;
	ELSE
		INSERT INTO thidua.unit_award (unit_code, award_code, year, kind, decision_number, decision_date, issuer)
		VALUES (n.unit_code, n.award_code, r.year, award_kind, n.decision_number, n.decision_date, r.authority)
		RETURNING record_id INTO record;
	END IF;
	PERFORM thidua._transition(nomination, 'award', NULL, jsonb_build_object('award_record_id', record));
	UPDATE thidua.nomination x SET award_record_id = record WHERE x.nomination_id OPERATOR(pg_catalog.=) nomination;
	RETURN record;
END
$$;

CREATE OR REPLACE FUNCTION thidua.revoke(nomination bigint, revoked_on date, reason text, decision text) RETURNS thidua.nomination_state
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	n thidua.nomination;
	new_state thidua.nomination_state;
BEGIN
	PERFORM thidua._sequential_on_citus();
	reason := normalize(btrim(reason), NFC);
	decision := btrim(decision);
	PERFORM thidua._check_length(format('nomination %s', nomination), 'reason', reason, 1000);
	PERFORM thidua._check_length(format('nomination %s', nomination), 'decision', decision, 100);
	n := thidua._step(nomination, 'revoke');
	IF revoked_on IS NULL OR coalesce(reason, '') = '' OR coalesce(decision, '') = '' THEN
		RAISE EXCEPTION 'revoking nomination % needs the date, a reason and the decision', nomination
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	new_state := thidua._transition(nomination, 'revoke', reason,
		jsonb_build_object('revoked_on', revoked_on, 'decision', decision, 'award_record_id', n.award_record_id));
	-- the registry entry by its subject's key as well (on Citus a person's
	-- award is found, and locked, by the person)
	IF n.person_code IS NOT NULL THEN
		UPDATE thidua.individual_award a SET revoked_on = revoke.revoked_on, revocation_reason = reason, revocation_decision = decision
		WHERE a.person_code OPERATOR(pg_catalog.=) n.person_code AND a.record_id OPERATOR(pg_catalog.=) n.award_record_id
		  AND a.revoked_on IS NULL;
	ELSE
		UPDATE thidua.unit_award a SET revoked_on = revoke.revoked_on, revocation_reason = reason, revocation_decision = decision
		WHERE a.unit_code OPERATOR(pg_catalog.=) n.unit_code AND a.record_id OPERATOR(pg_catalog.=) n.award_record_id
		  AND a.revoked_on IS NULL;
	END IF;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'award record % of "%" does not exist or was revoked already', n.award_record_id, coalesce(n.person_code, n.unit_code)
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'A revocation is neither undone nor made again.';
	END IF;
	RETURN new_state;
END
$$;

COMMENT ON FUNCTION thidua.revoke(bigint, date, text, text) IS
	'revoke(nomination, revoked_on, reason, decision) -> revoked (administrators): revokes the award in the registry as thidua.revoke_award does (the entry stays, marked, and counts for eligibility no more). Errors: over-long text (the field named, nothing changed); state, insufficient_privilege, missing date, reason or decision';

CREATE OR REPLACE FUNCTION thidua._public_nominee_name(nomination bigint) RETURNS text
	LANGUAGE plpgsql STABLE SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	n thidua.nomination;
BEGIN
	SELECT * INTO n FROM thidua.nomination x
	WHERE x.nomination_id OPERATOR(pg_catalog.=) nomination AND x.state IN ('decided', 'awarded', 'revoked');
	IF NOT FOUND THEN
		RETURN NULL;
	END IF;
	-- one table at a time (on Citus people are distributed, units not)
	IF n.person_code IS NOT NULL THEN
		RETURN (SELECT i.full_name FROM thidua.individual i WHERE i.person_code OPERATOR(pg_catalog.=) n.person_code);
	END IF;
	RETURN (SELECT u.name FROM thidua.unit u WHERE u.unit_code OPERATOR(pg_catalog.=) n.unit_code);
END
$$;

CREATE OR REPLACE FUNCTION thidua._relay_register() RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	-- column by column: on Citus the rows are read from a placement, whose
	-- row type is not thidua.vote_register
	ids bigint[];
	roles text[];
	writtens boolean[];
	enterers text[];
	choices text[];
BEGIN
	SELECT coalesce(array_agg(v.nomination_id ORDER BY v.nomination_id, v.role_name), '{}'),
		   coalesce(array_agg(v.role_name ORDER BY v.nomination_id, v.role_name), '{}'),
		   coalesce(array_agg(v.written ORDER BY v.nomination_id, v.role_name), '{}'),
		   coalesce(array_agg(v.entered_by ORDER BY v.nomination_id, v.role_name), '{}'),
		   coalesce(array_agg(v.choice ORDER BY v.nomination_id, v.role_name), '{}')
	INTO ids, roles, writtens, enterers, choices FROM thidua.vote_register v;
	TRUNCATE thidua.vote_register;
	INSERT INTO thidua.vote_register (nomination_id, role_name, written, entered_by, choice)
	SELECT u.nomination_id, u.role_name, u.written, u.entered_by, u.choice
	FROM unnest(ids, roles, writtens, enterers, choices) WITH ORDINALITY AS u(nomination_id, role_name, written, entered_by, choice, position)
	ORDER BY u.position;
END
$$;

CREATE OR REPLACE FUNCTION thidua.set_council(round text, members jsonb) RETURNS integer
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	rnd thidua.nomination_round;
BEGIN
	PERFORM thidua._sequential_on_citus();
	PERFORM thidua._require_admin(format('set the council of round "%s"', round));
	rnd := thidua._lock_round(round);
	PERFORM thidua._council_not_frozen(rnd);
	DELETE FROM thidua.council_member m WHERE m.round_code OPERATOR(pg_catalog.=) round;
	RETURN thidua._add_council_members(round, members);
END
$$;

CREATE OR REPLACE FUNCTION thidua.add_council_member(round text, member_role text, full_name text, council_role text DEFAULT 'member',
										   person text DEFAULT NULL, unit text DEFAULT NULL) RETURNS void
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	rnd thidua.nomination_round;
BEGIN
	PERFORM thidua._sequential_on_citus();
	PERFORM thidua._require_admin(format('change the council of round "%s"', round));
	rnd := thidua._lock_round(round);
	PERFORM thidua._council_not_frozen(rnd);
	PERFORM thidua._add_council_members(round, jsonb_build_array(jsonb_build_object('role', member_role, 'name', full_name,
		'council_role', council_role, 'person', person, 'unit', unit)));
END
$$;

CREATE OR REPLACE FUNCTION thidua.remove_council_member(round text, member_role text) RETURNS void
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	rnd thidua.nomination_round;
BEGIN
	PERFORM thidua._sequential_on_citus();
	PERFORM thidua._require_admin(format('change the council of round "%s"', round));
	rnd := thidua._lock_round(round);
	PERFORM thidua._council_not_frozen(rnd);
	DELETE FROM thidua.council_member m WHERE m.round_code OPERATOR(pg_catalog.=) round AND m.role_name OPERATOR(pg_catalog.=) member_role;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'role "%" is not a member of the council of round "%"', member_role, round USING ERRCODE = 'no_data_found';
	END IF;
END
$$;

CREATE OR REPLACE FUNCTION thidua.open_vote(round text) RETURNS integer
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	rnd thidua.nomination_round;
	n record;
	entry thidua.rulebook_entry;
	ends date;
	problems text[] := '{}';
	moving bigint[] := '{}';
	settings jsonb[] := '{}';
	persons_voted boolean := false;
	unchecked text;
	i integer;
	moving_id bigint;
	frozen jsonb;
BEGIN
	PERFORM thidua._sequential_on_citus();
	PERFORM thidua._require_admin(format('open the vote of round "%s"', round));
	rnd := thidua._lock_round(round);
	IF rnd.vote_opened_at IS NOT NULL THEN
		RAISE EXCEPTION 'the vote of round "%" % at %', round,
			CASE WHEN rnd.vote_closed_at IS NULL THEN 'opened' ELSE 'closed' END, coalesce(rnd.vote_closed_at, rnd.vote_opened_at)
			USING ERRCODE = 'object_not_in_prerequisite_state', DETAIL = 'A round''s council votes once.';
	END IF;
	IF NOT EXISTS (SELECT 1 FROM thidua.council_member m WHERE m.round_code OPERATOR(pg_catalog.=) round
				   AND m.council_role OPERATOR(pg_catalog.=) 'chair')
	   OR NOT EXISTS (SELECT 1 FROM thidua.council_member m WHERE m.round_code OPERATOR(pg_catalog.=) round
					  AND m.council_role OPERATOR(pg_catalog.=) 'secretary') THEN
		RAISE EXCEPTION 'the council of round "%" has no %', round,
			CASE WHEN EXISTS (SELECT 1 FROM thidua.council_member m WHERE m.round_code OPERATOR(pg_catalog.=) round
							  AND m.council_role OPERATOR(pg_catalog.=) 'chair') THEN 'secretary' ELSE 'chair' END
			USING ERRCODE = 'object_not_in_prerequisite_state', DETAIL = 'A council votes with a chair and a secretary.',
				  HINT = 'Set the council first (thidua.set_council).';
	END IF;
	FOR n IN SELECT x.nomination_id, x.award_code, x.state, x.disclosed_on, x.person_code FROM thidua.nomination x
			 WHERE x.round_code OPERATOR(pg_catalog.=) round AND x.state OPERATOR(pg_catalog.=) ANY (ARRAY['checked', 'disclosed']::thidua.nomination_state[])
			 ORDER BY x.nomination_id LOOP
		entry := thidua._round_entry(round, n.award_code);
		CONTINUE WHEN NOT coalesce((entry.council ->> 'ballot')::boolean, false);
		IF entry.disclosure IS NOT NULL THEN
			IF n.state OPERATOR(pg_catalog.=) 'checked' OR n.disclosed_on IS NULL THEN
				problems := problems || format('nomination %s (%s) has not been disclosed: the nominees are disclosed %s working days before the vote',
					n.nomination_id, n.award_code, entry.disclosure ->> 'working_days');
				CONTINUE;
			END IF;
			ends := thidua._working_days_after(n.disclosed_on, (entry.disclosure ->> 'working_days')::integer);
			IF current_date OPERATOR(pg_catalog.<=) ends THEN
				problems := problems || format('nomination %s (%s): its disclosure of %s working days from %s ends on %s',
					n.nomination_id, n.award_code, entry.disclosure ->> 'working_days', n.disclosed_on, ends);
				CONTINUE;
			END IF;
		END IF;
		moving := moving || n.nomination_id;
		-- the settings this nomination is voted, counted and decided by, frozen
		-- now: a later edit of the entry (a draft version may judge a round)
		-- changes nothing about this vote
		settings := settings || jsonb_build_object('ballot', true,
			'secret', coalesce((entry.council ->> 'secret')::boolean, true),
			'threshold', (entry.council ->> 'threshold')::numeric,
			'comparison', coalesce(entry.council ->> 'comparison', 'at_least'),
			'base', coalesce(entry.council ->> 'base', 'all_members'),
			'recuse_proposing_unit', coalesce((entry.council ->> 'recuse_proposing_unit')::boolean, false),
			'source', entry.council -> 'source', 'rulebook_version', entry.version_code);
		persons_voted := persons_voted OR n.person_code IS NOT NULL;
	END LOOP;
	IF pg_catalog.cardinality(problems) OPERATOR(pg_catalog.>) 0 THEN
		RAISE EXCEPTION 'the vote of round "%" cannot open: % nomination(s) not ready', round, pg_catalog.cardinality(problems)
			USING ERRCODE = 'object_not_in_prerequisite_state', DETAIL = pg_catalog.array_to_string(problems, '; ') || '.',
				  HINT = 'Wait for the disclosure windows to end (working days are Monday to Friday; public holidays are not counted out), or withdraw those nominations.';
	END IF;
	IF pg_catalog.cardinality(moving) OPERATOR(pg_catalog.=) 0 THEN
		RAISE EXCEPTION 'round "%" has no checked nomination of an award its council votes on', round
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = 'The council votes on the awards whose rulebook entry says "ballot": true.';
	END IF;
	FOR i IN 1 .. pg_catalog.cardinality(moving) LOOP
		-- plain values, not subscripts, in the UPDATE (Citus deparses it for the placements)
		moving_id := moving[i];
		frozen := settings[i];
		PERFORM thidua._transition(moving_id, 'open_vote', NULL, jsonb_build_object('round', round, 'council', frozen));
		UPDATE thidua.nomination x SET council = frozen WHERE x.nomination_id OPERATOR(pg_catalog.=) moving_id;
	END LOOP;
	UPDATE thidua.nomination_round r SET vote_opened_at = now() WHERE r.round_code OPERATOR(pg_catalog.=) round;
	-- recusal of a subject person rests on the member's "person"; say whose is unknown
	IF persons_voted THEN
		SELECT pg_catalog.string_agg(format('"%s"', m.role_name), ', ' ORDER BY m.role_name) INTO unchecked
		FROM thidua.council_member m WHERE m.round_code OPERATOR(pg_catalog.=) round AND m.person_code IS NULL;
		IF unchecked IS NOT NULL THEN
			RAISE WARNING 'round "%": recusal of the subject cannot be checked for %', round, unchecked
				USING DETAIL = 'These council members were entered without "person": if one of them is the subject of a nomination, nothing stops their vote on it.',
					  HINT = 'Give every member''s person code before the vote opens (thidua.set_council).';
		END IF;
	END IF;
	RETURN pg_catalog.cardinality(moving);
END
$$;

CREATE OR REPLACE FUNCTION thidua.vote(nomination bigint, choice text) RETURNS void
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	PERFORM thidua._sequential_on_citus();
	PERFORM thidua._cast_vote(nomination, thidua._actor(), choice, NULL);
END
$$;

CREATE OR REPLACE FUNCTION thidua.vote_written(nomination bigint, member_role text, choice text) RETURNS void
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	PERFORM thidua._sequential_on_citus();
	PERFORM thidua._cast_vote(nomination, member_role, choice, thidua._actor());
END
$$;

CREATE OR REPLACE FUNCTION thidua.close_vote(round text) RETURNS integer
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	rnd thidua.nomination_round;
	tallied integer := 0;
	voted_on bigint;
	counted jsonb;
	award text;
BEGIN
	PERFORM thidua._sequential_on_citus();
	PERFORM thidua._require_admin(format('close the vote of round "%s"', round));
	-- it reads every ballot and rewrites the table: a snapshot older than its
	-- locks would erase the votes committed while it waited
	PERFORM thidua._require_read_committed('close_vote');
	-- waits for the votes in flight (they hold the round FOR SHARE); every
	-- statement below takes its snapshot after the locks
	rnd := thidua._lock_round(round);
	IF rnd.vote_closed_at IS NOT NULL THEN
		RAISE EXCEPTION 'the vote of round "%" closed at %', round, rnd.vote_closed_at
			USING ERRCODE = 'object_not_in_prerequisite_state', DETAIL = 'After a vote closes nothing about it changes.';
	ELSIF rnd.vote_opened_at IS NULL THEN
		RAISE EXCEPTION 'the vote of round "%" has not opened', round USING ERRCODE = 'object_not_in_prerequisite_state';
	END IF;
	LOCK TABLE thidua.ballot IN ACCESS EXCLUSIVE MODE;
	LOCK TABLE thidua.vote_register IN ACCESS EXCLUSIVE MODE;
	-- the ballots in a subtransaction of their own: their xmin is shared by no
	-- other row, the register's included
	BEGIN
		PERFORM thidua._relay_ballots();
	EXCEPTION WHEN OTHERS THEN
		RAISE;
	END;
	PERFORM thidua._relay_register();
	-- one nomination at a time, the tally as a value (Citus calls no STABLE
	-- function on a column in an UPDATE)
	FOR voted_on IN SELECT x.nomination_id FROM thidua.nomination x
				 WHERE x.round_code OPERATOR(pg_catalog.=) round AND x.state OPERATOR(pg_catalog.=) 'in_vote'
				 ORDER BY x.nomination_id LOOP
		counted := thidua._tally(voted_on);
		UPDATE thidua.nomination x SET tally = counted WHERE x.nomination_id OPERATOR(pg_catalog.=) voted_on;
		tallied := tallied OPERATOR(pg_catalog.+) 1;
	END LOOP;
	UPDATE thidua.nomination_round r SET vote_closed_at = now() WHERE r.round_code OPERATOR(pg_catalog.=) round;
	-- then the approval of the awards voted on, with their quotas
	FOR award IN SELECT DISTINCT x.award_code FROM thidua.nomination x
				 WHERE x.round_code OPERATOR(pg_catalog.=) round AND x.state OPERATOR(pg_catalog.=) 'in_vote'
				 ORDER BY 1 LOOP
		PERFORM thidua._approve_award(round, award);
	END LOOP;
	RETURN tallied;
END
$$;

CREATE OR REPLACE FUNCTION thidua._subject_unit(n thidua.nomination, year integer) RETURNS text
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	IF n.unit_code IS NOT NULL THEN
		RETURN n.unit_code;
	END IF;
	RETURN (SELECT min(m.unit_code) FROM thidua.membership m
		WHERE m.person_code OPERATOR(pg_catalog.=) n.person_code
		  AND m.valid_from OPERATOR(pg_catalog.<=) pg_catalog.make_date(year, 12, 31)
		  AND (m.valid_to IS NULL OR m.valid_to OPERATOR(pg_catalog.>) pg_catalog.make_date(year, 12, 31)));
END
$$;

CREATE OR REPLACE FUNCTION thidua._unit_standing(unit text, year integer) RETURNS bigint
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	RETURN (SELECT min(s.rank) FROM thidua.published_standings s
		JOIN thidua.period p ON p.period_code OPERATOR(pg_catalog.=) s.period_code
		WHERE p.year OPERATOR(pg_catalog.=) _unit_standing.year AND s.unit_code OPERATOR(pg_catalog.=) unit);
END
$$;

CREATE OR REPLACE FUNCTION thidua._unit_in_quota_scope(unit text, scope text, quota jsonb, year integer) RETURNS boolean
	LANGUAGE sql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
	WITH RECURSIVE up AS (
		SELECT u.unit_code, u.parent_code FROM thidua.unit u WHERE u.unit_code OPERATOR(pg_catalog.=) unit
		UNION SELECT p.unit_code, p.parent_code FROM thidua.unit p JOIN up ON p.unit_code OPERATOR(pg_catalog.=) up.parent_code)
	SELECT CASE WHEN quota ? 'count' AND coalesce(quota ->> 'per', 'unit') OPERATOR(pg_catalog.=) 'bloc' THEN
			EXISTS (SELECT 1 FROM up JOIN thidua.bloc_member m ON m.unit_code OPERATOR(pg_catalog.=) up.unit_code
					JOIN thidua.period p ON p.period_code OPERATOR(pg_catalog.=) m.period_code
					WHERE p.year OPERATOR(pg_catalog.=) _unit_in_quota_scope.year AND m.bloc_code OPERATOR(pg_catalog.=) scope)
		ELSE EXISTS (SELECT 1 FROM up WHERE up.unit_code OPERATOR(pg_catalog.=) scope) END
$$;

CREATE OR REPLACE FUNCTION thidua._seats_taken(rnd thidua.nomination_round, entry thidua.rulebook_entry, scope text) RETURNS integer
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	n thidua.nomination;
	r thidua.nomination_round;
	records bigint[];
	units text[];
	i integer;
	taken integer := 0;
BEGIN
	-- nominations of any round of the year (row by row: on Citus a query may
	-- not hand a table's whole row to a function)
	FOR n IN SELECT x.* FROM thidua.nomination x
			 JOIN thidua.nomination_round y ON y.round_code OPERATOR(pg_catalog.=) x.round_code
			 WHERE y.year OPERATOR(pg_catalog.=) rnd.year AND x.award_code OPERATOR(pg_catalog.=) entry.award_code
			   AND x.state OPERATOR(pg_catalog.=) ANY (ARRAY['approved', 'decided', 'awarded']::thidua.nomination_state[])
			 ORDER BY x.nomination_id LOOP
		SELECT * INTO r FROM thidua.nomination_round y WHERE y.round_code OPERATOR(pg_catalog.=) n.round_code;
		IF thidua._quota_scope(n, r, entry.quota) OPERATOR(pg_catalog.=) scope THEN
			taken := taken OPERATOR(pg_catalog.+) 1;
		END IF;
	END LOOP;
	-- award records of the year, each with its subject's unit (a person's on
	-- 31 December: people's records join on the person, as Citus co-locates them)
	SELECT coalesce(array_agg(x.record_id ORDER BY x.record_id), '{}'), coalesce(array_agg(x.unit_code ORDER BY x.record_id), '{}')
	INTO records, units
	FROM (SELECT a.record_id, min(m.unit_code) AS unit_code
		  FROM thidua.individual_award a
		  LEFT JOIN thidua.membership m ON m.person_code OPERATOR(pg_catalog.=) a.person_code
			AND m.valid_from OPERATOR(pg_catalog.<=) pg_catalog.make_date(rnd.year, 12, 31)
			AND (m.valid_to IS NULL OR m.valid_to OPERATOR(pg_catalog.>) pg_catalog.make_date(rnd.year, 12, 31))
		  WHERE a.award_code OPERATOR(pg_catalog.=) entry.award_code AND a.year OPERATOR(pg_catalog.=) rnd.year AND a.revoked_on IS NULL
		  GROUP BY a.person_code, a.record_id) x;
	FOR i IN 1 .. pg_catalog.cardinality(records) LOOP
		-- a record a nomination was awarded as is counted with the nomination
		CONTINUE WHEN EXISTS (SELECT 1 FROM thidua.nomination x WHERE x.award_record_id OPERATOR(pg_catalog.=) records[i]
							  AND x.person_code IS NOT NULL);
		IF thidua._unit_in_quota_scope(units[i], scope, entry.quota, rnd.year) THEN
			taken := taken OPERATOR(pg_catalog.+) 1;
		END IF;
	END LOOP;
	SELECT coalesce(array_agg(a.record_id ORDER BY a.record_id), '{}'), coalesce(array_agg(a.unit_code ORDER BY a.record_id), '{}')
	INTO records, units
	FROM thidua.unit_award a
	WHERE a.award_code OPERATOR(pg_catalog.=) entry.award_code AND a.year OPERATOR(pg_catalog.=) rnd.year AND a.revoked_on IS NULL;
	FOR i IN 1 .. pg_catalog.cardinality(records) LOOP
		CONTINUE WHEN EXISTS (SELECT 1 FROM thidua.nomination x WHERE x.award_record_id OPERATOR(pg_catalog.=) records[i]
							  AND x.unit_code IS NOT NULL);
		IF thidua._unit_in_quota_scope(units[i], scope, entry.quota, rnd.year) THEN
			taken := taken OPERATOR(pg_catalog.+) 1;
		END IF;
	END LOOP;
	RETURN taken;
END
$$;

CREATE OR REPLACE FUNCTION thidua._approve_award(round text, award text) RETURNS integer
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	rnd thidua.nomination_round;
	entry thidua.rulebook_entry;
	ballot boolean;
	n thidua.nomination;
	cut_scope text;
	seat jsonb;
	taken integer;
	seats integer;
	ids bigint[];
	yeses integer[];
	standings bigint[];
	k integer;
	i integer;
	first_tied integer;
	last_tied integer;
	tied_ids bigint[];
	approved integer := 0;
	candidates jsonb := '[]';
	order_words text := 'by yes votes, then by the published standing of the subject''s unit';
BEGIN
	PERFORM thidua._require_read_committed('the approval of a round');
	-- the locks first: every statement below takes its snapshot after them
	rnd := thidua._lock_round(round);
	PERFORM thidua._lock_quota(award, rnd.year);
	entry := thidua._round_entry(round, award);
	IF entry.award_code IS NULL THEN
		RAISE EXCEPTION 'round "%" has no rulebook entry for award "%"', round, award USING ERRCODE = 'no_data_found';
	END IF;
	-- nominations put to the vote are decided by it, whatever the entry says now
	ballot := coalesce((entry.council ->> 'ballot')::boolean, false)
		OR EXISTS (SELECT 1 FROM thidua.nomination x WHERE x.round_code OPERATOR(pg_catalog.=) round
				   AND x.award_code OPERATOR(pg_catalog.=) award AND x.state OPERATOR(pg_catalog.=) 'in_vote');
	IF ballot THEN
		IF rnd.vote_closed_at IS NULL THEN
			RAISE EXCEPTION 'the vote of round "%" has not closed: award "%" is approved by the council''s vote', round, award
				USING ERRCODE = 'object_not_in_prerequisite_state', HINT = 'Close the vote first (thidua.close_vote).';
		END IF;
		-- a failed vote: rejected, the tally as the reason
		FOR n IN SELECT * FROM thidua.nomination x WHERE x.round_code OPERATOR(pg_catalog.=) round
				 AND x.award_code OPERATOR(pg_catalog.=) award AND x.state OPERATOR(pg_catalog.=) 'in_vote'
				 AND NOT coalesce((x.tally ->> 'passed')::boolean, false) ORDER BY x.nomination_id LOOP
			PERFORM thidua._transition(n.nomination_id, 'reject', 'the council vote failed: ' || coalesce(n.tally ->> 'arithmetic', 'no tally'),
				jsonb_build_object('tally', n.tally));
		END LOOP;
	END IF;
	-- the candidates, with their scope and sort keys
	FOR n IN SELECT * FROM thidua.nomination x WHERE x.round_code OPERATOR(pg_catalog.=) round AND x.award_code OPERATOR(pg_catalog.=) award
			 AND CASE WHEN ballot THEN x.state OPERATOR(pg_catalog.=) 'in_vote'
					  ELSE x.state OPERATOR(pg_catalog.=) ANY (ARRAY['checked', 'disclosed']::thidua.nomination_state[]) END
			 ORDER BY x.nomination_id LOOP
		CONTINUE WHEN NOT ballot AND NOT thidua._disclosure_ended(n, entry);
		candidates := candidates || jsonb_build_object('id', n.nomination_id,
			'scope', CASE WHEN entry.quota IS NULL THEN '' ELSE thidua._quota_scope(n, rnd, entry.quota) END,
			'yes', (n.tally ->> 'yes')::integer, 'standing', thidua._unit_standing(thidua._subject_unit(n, rnd.year), rnd.year));
	END LOOP;
	FOR cut_scope IN SELECT DISTINCT c ->> 'scope' FROM jsonb_array_elements(candidates) c ORDER BY 1 LOOP
		-- a tie at the cut not yet decided: this scope waits for the council
		CONTINUE WHEN EXISTS (SELECT 1 FROM thidua.quota_tie t WHERE t.round_code OPERATOR(pg_catalog.=) round
							  AND t.award_code OPERATOR(pg_catalog.=) award AND t.scope OPERATOR(pg_catalog.=) cut_scope AND t.decided_at IS NULL);
		SELECT array_agg(c.id ORDER BY c.yes DESC NULLS LAST, c.standing NULLS LAST, c.id),
			   array_agg(c.yes ORDER BY c.yes DESC NULLS LAST, c.standing NULLS LAST, c.id),
			   array_agg(c.standing ORDER BY c.yes DESC NULLS LAST, c.standing NULLS LAST, c.id)
		INTO ids, yeses, standings
		FROM jsonb_to_recordset(candidates) AS c(id bigint, scope text, yes integer, standing bigint)
		WHERE c.scope OPERATOR(pg_catalog.=) cut_scope;
		k := pg_catalog.cardinality(ids);
		IF entry.quota IS NULL THEN
			seat := NULL;
			seats := k;
		ELSE
			seat := thidua._quota_seats(award, cut_scope, rnd, entry);
			taken := thidua._seats_taken(rnd, entry, cut_scope);
			seats := greatest((seat ->> 'allowed')::integer OPERATOR(pg_catalog.-) taken, 0);
			seat := seat || jsonb_build_object('taken_before', taken, 'seats_left', seats, 'candidates', k, 'order', order_words);
		END IF;
		first_tied := NULL;
		last_tied := NULL;
		IF k OPERATOR(pg_catalog.>) seats AND seats OPERATOR(pg_catalog.>) 0
		   AND yeses[seats] IS NOT DISTINCT FROM yeses[seats OPERATOR(pg_catalog.+) 1]
		   AND standings[seats] IS NOT DISTINCT FROM standings[seats OPERATOR(pg_catalog.+) 1] THEN
			first_tied := seats;
			WHILE first_tied OPERATOR(pg_catalog.>) 1 AND yeses[first_tied OPERATOR(pg_catalog.-) 1] IS NOT DISTINCT FROM yeses[seats]
				  AND standings[first_tied OPERATOR(pg_catalog.-) 1] IS NOT DISTINCT FROM standings[seats] LOOP
				first_tied := first_tied OPERATOR(pg_catalog.-) 1;
			END LOOP;
			last_tied := seats OPERATOR(pg_catalog.+) 1;
			WHILE last_tied OPERATOR(pg_catalog.<) k AND yeses[last_tied OPERATOR(pg_catalog.+) 1] IS NOT DISTINCT FROM yeses[seats]
				  AND standings[last_tied OPERATOR(pg_catalog.+) 1] IS NOT DISTINCT FROM standings[seats] LOOP
				last_tied := last_tied OPERATOR(pg_catalog.+) 1;
			END LOOP;
			-- plain values, not subscripts, in the INSERT (Citus deparses it for the placements)
			tied_ids := ids[first_tied:last_tied];
			INSERT INTO thidua.quota_tie (round_code, award_code, scope, seats_left, tied)
			VALUES (round, award, cut_scope, seats OPERATOR(pg_catalog.-) first_tied OPERATOR(pg_catalog.+) 1, tied_ids)
			ON CONFLICT (round_code, award_code, scope) DO UPDATE
				SET seats_left = excluded.seats_left, tied = excluded.tied, found_at = excluded.found_at,
					chosen = NULL, reason = NULL, decided_at = NULL, decided_by = NULL;
		END IF;
		FOR i IN 1 .. k LOOP
			IF first_tied IS NOT NULL AND i OPERATOR(pg_catalog.>=) first_tied AND i OPERATOR(pg_catalog.<=) last_tied THEN
				CONTINUE; -- left in its state: the tie blocks the scope
			ELSIF i OPERATOR(pg_catalog.<=) seats AND first_tied IS NULL OR i OPERATOR(pg_catalog.<) coalesce(first_tied, 0) THEN
				PERFORM thidua._transition(ids[i], 'approve',
					CASE WHEN ballot THEN 'passed the council vote' ELSE 'checked' END
					|| CASE WHEN seat IS NULL THEN '; no quota' ELSE format('; seat %s of %s under the quota (%s)', i, seats, seat ->> 'arithmetic') END,
					CASE WHEN seat IS NULL THEN NULL ELSE seat || jsonb_build_object('rank', i) END);
				approved := approved OPERATOR(pg_catalog.+) 1;
			ELSE
				PERFORM thidua._reject_over_quota(ids[i], seat || jsonb_build_object('rank', i, 'yes', yeses[i], 'standing', standings[i],
					'why', format('ranked %s of %s %s, for %s seat(s) left in %s', i, k, order_words, seats, cut_scope)));
			END IF;
		END LOOP;
	END LOOP;
	RETURN approved;
END
$$;

CREATE OR REPLACE FUNCTION thidua.approve_round(round text, award text DEFAULT NULL) RETURNS integer
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	rnd thidua.nomination_round;
	a text;
	approved integer := 0;
BEGIN
	PERFORM thidua._sequential_on_citus();
	PERFORM thidua._require_admin(format('approve the nominations of round "%s"', round));
	PERFORM thidua._require_read_committed('approve_round');
	rnd := thidua._lock_round(round);
	IF award IS NOT NULL AND NOT EXISTS (SELECT 1 FROM thidua.round_award r WHERE r.round_code OPERATOR(pg_catalog.=) round
										 AND r.award_code OPERATOR(pg_catalog.=) award) THEN
		RAISE EXCEPTION 'round "%" does not consider award "%"', round, award USING ERRCODE = 'no_data_found';
	END IF;
	FOR a IN SELECT r.award_code FROM thidua.round_award r WHERE r.round_code OPERATOR(pg_catalog.=) round
			 AND (award IS NULL OR r.award_code OPERATOR(pg_catalog.=) award) ORDER BY 1 LOOP
		-- all awards: those voted on wait for the vote's close
		CONTINUE WHEN award IS NULL AND rnd.vote_closed_at IS NULL
			AND (coalesce(((thidua._round_entry(round, a)).council ->> 'ballot')::boolean, false)
				 OR EXISTS (SELECT 1 FROM thidua.nomination x WHERE x.round_code OPERATOR(pg_catalog.=) round
							AND x.award_code OPERATOR(pg_catalog.=) a AND x.state OPERATOR(pg_catalog.=) 'in_vote'));
		approved := approved OPERATOR(pg_catalog.+) thidua._approve_award(round, a);
	END LOOP;
	RETURN approved;
END
$$;

CREATE OR REPLACE FUNCTION thidua.resolve_tie(round text, award text, scope text, chosen bigint[], reason text) RETURNS void
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	tie thidua.quota_tie;
	rnd thidua.nomination_round;
	entry thidua.rulebook_entry;
	seat jsonb;
	taken integer;
	id bigint;
BEGIN
	PERFORM thidua._sequential_on_citus();
	reason := normalize(btrim(reason), NFC);
	PERFORM thidua._check_length(format('tie of round "%s"', round), 'reason', reason, 1000);
	PERFORM thidua._require_admin(format('resolve a tie of round "%s"', round));
	PERFORM thidua._require_read_committed('resolve_tie');
	rnd := thidua._lock_round(round);
	PERFORM thidua._lock_quota(award, rnd.year);
	SELECT * INTO tie FROM thidua.quota_tie t WHERE t.round_code OPERATOR(pg_catalog.=) round
		AND t.award_code OPERATOR(pg_catalog.=) award AND t.scope OPERATOR(pg_catalog.=) resolve_tie.scope FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'round "%" has no tie for award "%" in "%"', round, award, resolve_tie.scope USING ERRCODE = 'no_data_found';
	END IF;
	IF tie.decided_at IS NOT NULL THEN
		RAISE EXCEPTION 'the tie of round "%" for award "%" in "%" was decided at % by "%"', round, award, resolve_tie.scope, tie.decided_at, tie.decided_by
			USING ERRCODE = 'object_not_in_prerequisite_state', DETAIL = format('Chosen: %s. Reason: %s', tie.chosen, tie.reason);
	END IF;
	IF reason IS NULL OR btrim(reason) OPERATOR(pg_catalog.=) '' THEN
		RAISE EXCEPTION 'reason is required' USING ERRCODE = 'null_value_not_allowed',
			DETAIL = 'The council''s decision of a tie is recorded with its reason.';
	END IF;
	IF chosen IS NULL OR pg_catalog.cardinality(chosen) OPERATOR(pg_catalog.<>) tie.seats_left
	   OR (SELECT count(DISTINCT c) FROM unnest(chosen) c) OPERATOR(pg_catalog.<>) tie.seats_left
	   OR NOT chosen OPERATOR(pg_catalog.<@) tie.tied THEN
		RAISE EXCEPTION 'chosen must be % distinct nomination(s) among the tied %, not %', tie.seats_left, tie.tied, coalesce(chosen::text, 'NULL')
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	entry := thidua._round_entry(round, award);
	seat := thidua._quota_seats(award, resolve_tie.scope, rnd, entry);
	-- another round may have taken seats of the year since the tie was found
	taken := thidua._seats_taken(rnd, entry, resolve_tie.scope);
	IF (seat ->> 'allowed')::integer OPERATOR(pg_catalog.-) taken OPERATOR(pg_catalog.<) tie.seats_left THEN
		RAISE EXCEPTION 'only % seat(s) of award "%" are left in "%", not the % the tie was found with',
			greatest((seat ->> 'allowed')::integer OPERATOR(pg_catalog.-) taken, 0), award, resolve_tie.scope, tie.seats_left
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = format('%s taken of %s in %s (%s).', taken, seat ->> 'allowed', rnd.year, seat ->> 'arithmetic'),
				  HINT = 'Seats were taken in another round of the year since the tie was found; the council decides again with the seats left.';
	END IF;
	seat := seat || jsonb_build_object('taken_before', taken)
		|| jsonb_build_object('tie', jsonb_build_object('tied', tie.tied, 'seats_left', tie.seats_left, 'chosen', chosen,
							  'reason', reason, 'decided_by', thidua._actor()));
	FOREACH id IN ARRAY tie.tied LOOP
		IF id OPERATOR(pg_catalog.=) ANY (chosen) THEN
			PERFORM thidua._transition(id, 'approve', pg_catalog.left('chosen at a tie at the quota''s cut: ' || reason, 1000), seat);
		ELSE
			PERFORM thidua._reject_over_quota(id, seat || jsonb_build_object('why', 'not chosen at a tie at the cut: ' || reason));
		END IF;
	END LOOP;
	UPDATE thidua.quota_tie t SET chosen = resolve_tie.chosen, reason = resolve_tie.reason, decided_at = now(), decided_by = thidua._actor()
	WHERE t.round_code OPERATOR(pg_catalog.=) round AND t.award_code OPERATOR(pg_catalog.=) award AND t.scope OPERATOR(pg_catalog.=) resolve_tie.scope;
END
$$;

CREATE OR REPLACE FUNCTION thidua.approve(nomination bigint, reason text DEFAULT NULL) RETURNS void
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	n thidua.nomination;
	entry thidua.rulebook_entry;
	rnd thidua.nomination_round;
	seat_scope text;
	seat jsonb;
	taken integer;
BEGIN
	PERFORM thidua._sequential_on_citus();
	reason := normalize(btrim(reason), NFC);
	PERFORM thidua._check_length(format('nomination %s', nomination), 'reason', reason, 1000);
	PERFORM thidua._require_admin(format('approve nomination %s', nomination));
	PERFORM thidua._require_read_committed('approve');
	-- the round and the award's quota of the year first (as approve_round takes
	-- them), then the nomination; its round and award never change
	SELECT x.round_code, x.award_code INTO n.round_code, n.award_code FROM thidua.nomination x
	WHERE x.nomination_id OPERATOR(pg_catalog.=) nomination;
	IF FOUND THEN
		rnd := thidua._lock_round(n.round_code);
		PERFORM thidua._lock_quota(n.award_code, rnd.year);
	END IF;
	n := thidua._non_ballot(nomination, 'approve');
	entry := thidua._round_entry(n.round_code, n.award_code);
	IF NOT thidua._disclosure_ended(n, entry) THEN
		RAISE EXCEPTION 'nomination % (award "%") has not been disclosed for % working days', nomination, n.award_code,
			entry.disclosure ->> 'working_days'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = CASE WHEN n.disclosed_on IS NULL THEN 'It has not been disclosed.'
						   ELSE format('Its disclosure from %s ends on %s.', n.disclosed_on,
									   thidua._working_days_after(n.disclosed_on, (entry.disclosure ->> 'working_days')::integer)) END;
	END IF;
	IF entry.quota IS NOT NULL THEN
		seat_scope := thidua._quota_scope(n, rnd, entry.quota);
		IF EXISTS (SELECT 1 FROM thidua.quota_tie t WHERE t.round_code OPERATOR(pg_catalog.=) n.round_code
				   AND t.award_code OPERATOR(pg_catalog.=) n.award_code AND t.scope OPERATOR(pg_catalog.=) seat_scope AND t.decided_at IS NULL) THEN
			RAISE EXCEPTION 'award "%" of round "%" is blocked in "%" by a tie at the quota''s cut', n.award_code, n.round_code, seat_scope
				USING ERRCODE = 'object_not_in_prerequisite_state', HINT = 'The council decides it (thidua.resolve_tie).';
		END IF;
		seat := thidua._quota_seats(n.award_code, seat_scope, rnd, entry);
		taken := thidua._seats_taken(rnd, entry, seat_scope);
		IF taken OPERATOR(pg_catalog.>=) (seat ->> 'allowed')::integer THEN
			RAISE EXCEPTION 'no seat left under the quota of award "%" in "%": % taken of %', n.award_code, seat_scope, taken, seat ->> 'allowed'
				USING ERRCODE = 'object_not_in_prerequisite_state', DETAIL = format('%s (%s).', seat ->> 'arithmetic', seat ->> 'rule'),
					  HINT = 'Approve the round in order (thidua.approve_round), or reject another nomination first.';
		END IF;
		seat := seat || jsonb_build_object('taken_before', taken);
	END IF;
	PERFORM thidua._transition(nomination, 'approve', reason, seat);
END
$$;

CREATE OR REPLACE FUNCTION thidua.reject(nomination bigint, reason text) RETURNS void
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	n thidua.nomination;
BEGIN
	PERFORM thidua._sequential_on_citus();
	reason := normalize(btrim(reason), NFC);
	PERFORM thidua._check_length(format('nomination %s', nomination), 'reason', reason, 1000);
	n := thidua._non_ballot(nomination, 'reject');
	IF reason IS NULL OR btrim(reason) OPERATOR(pg_catalog.=) '' THEN
		RAISE EXCEPTION 'reason is required' USING ERRCODE = 'null_value_not_allowed',
			DETAIL = 'A rejection is recorded with its reason.';
	END IF;
	PERFORM thidua._transition(nomination, 'reject', reason, NULL);
END
$$;

CREATE OR REPLACE FUNCTION thidua._check_nominated_award_change(individual boolean, action text, old_row jsonb, new_row jsonb)
	RETURNS void
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	n thidua.nomination;
	record bigint := (old_row OPERATOR(pg_catalog.->>) 'record_id')::bigint;
BEGIN
	IF action OPERATOR(pg_catalog.=) 'TRUNCATE' THEN
		-- (the node's own placement of nomination: on Citus this runs on shards too)
		EXECUTE format('SELECT * FROM %s x
			WHERE x.award_record_id IS NOT NULL AND (x.person_code IS NOT NULL) OPERATOR(pg_catalog.=) $1
			ORDER BY x.nomination_id LIMIT 1', thidua._local_relation('thidua.nomination'))
			INTO n USING individual;
		IF n.nomination_id IS NOT NULL THEN
			RAISE EXCEPTION 'award record % was entered by nomination %: the registry''s awards are not truncated away',
				n.award_record_id, n.nomination_id
				USING ERRCODE = 'object_not_in_prerequisite_state',
					  HINT = 'An award entered by a nomination is revoked through it (thidua.revoke), never deleted.';
		END IF;
		RETURN;
	END IF;
	EXECUTE format('SELECT * FROM %s x
		WHERE x.award_record_id OPERATOR(pg_catalog.=) $1 AND (x.person_code IS NOT NULL) OPERATOR(pg_catalog.=) $2',
		thidua._local_relation('thidua.nomination'))
		INTO n USING record, individual;
	IF n.nomination_id IS NULL THEN
		RETURN;
	END IF;
	IF action OPERATOR(pg_catalog.=) 'DELETE' THEN
		RAISE EXCEPTION 'award record % was entered by nomination %: it is not deleted', record, n.nomination_id
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = format('Nomination %s is %s and points to it.', n.nomination_id, n.state),
				  HINT = format('An award entered by a nomination is revoked through it: thidua.revoke(%s, revoked_on, reason, decision).', n.nomination_id);
	END IF;
	-- the decision as entered: every column but the revocation's
	IF (new_row OPERATOR(pg_catalog.-) '{revoked_on,revocation_reason,revocation_decision}'::text[])
	   OPERATOR(pg_catalog.<>) (old_row OPERATOR(pg_catalog.-) '{revoked_on,revocation_reason,revocation_decision}'::text[]) THEN
		RAISE EXCEPTION 'award record % was entered by nomination %: it is not changed', record, n.nomination_id
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = format('Changed: %s.', (SELECT pg_catalog.string_agg(o.key, ', ' ORDER BY o.key)
					  FROM pg_catalog.jsonb_each(old_row) o
					  WHERE o.value IS DISTINCT FROM new_row OPERATOR(pg_catalog.->) o.key)),
				  HINT = format('The registry keeps the decision as awarded; a wrong award is revoked through its nomination: thidua.revoke(%s, revoked_on, reason, decision).', n.nomination_id);
	END IF;
	IF (new_row OPERATOR(pg_catalog.->) 'revoked_on') IS DISTINCT FROM (old_row OPERATOR(pg_catalog.->) 'revoked_on')
	   AND n.state OPERATOR(pg_catalog.<>) 'revoked' THEN
		RAISE EXCEPTION 'award record % was entered by nomination %: it is revoked through the nomination', record, n.nomination_id
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = format('Nomination %s is %s.', n.nomination_id, n.state),
				  HINT = format('thidua.revoke(%s, revoked_on, reason, decision) revokes both, and the event log records it.', n.nomination_id);
	END IF;
END
$$;

COMMENT ON FUNCTION thidua._check_nominated_award_change(boolean, text, jsonb, jsonb) IS
	'_check_nominated_award_change(individual, action UPDATE|DELETE|TRUNCATE, old_row, new_row): raises object_not_in_prerequisite_state, naming the record and the nomination, when the change would alter, delete, truncate away or revoke (other than through thidua.revoke) an award record a nomination entered (award_record_id); the registry trigger''s check, for the functions that write award records on Citus, where the trigger is dropped';

CREATE OR REPLACE FUNCTION thidua._guard_nominated_award() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	PERFORM thidua._check_nominated_award_change(thidua._table_of_placement(TG_TABLE_NAME) OPERATOR(pg_catalog.=) 'individual_award', TG_OP,
		CASE WHEN TG_OP OPERATOR(pg_catalog.<>) 'TRUNCATE' THEN pg_catalog.to_jsonb(OLD) END,
		CASE WHEN TG_OP OPERATOR(pg_catalog.=) 'UPDATE' THEN pg_catalog.to_jsonb(NEW) END);
	RETURN CASE TG_OP WHEN 'DELETE' THEN OLD WHEN 'UPDATE' THEN NEW END;
END
$$;

CREATE OR REPLACE FUNCTION thidua._guard_nominated_initiative() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	n thidua.nomination;
BEGIN
	IF OLD.used_by_award IS NULL
	   OR (TG_OP = 'UPDATE' AND NEW.used_by_award IS NOT DISTINCT FROM OLD.used_by_award) THEN
		RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
	END IF;
	-- (the node's own placement of nomination: on Citus this runs on each placement)
	EXECUTE format('SELECT * FROM %s x WHERE x.award_record_id OPERATOR(pg_catalog.=) $1 AND x.person_code IS NOT NULL',
		thidua._local_relation('thidua.nomination'))
		INTO n USING OLD.used_by_award;
	IF n.nomination_id IS NULL THEN
		RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
	END IF;
	RAISE EXCEPTION 'initiative "%" is credited to award record %, entered by nomination %: its credit is kept',
			OLD.initiative_code, OLD.used_by_award, n.nomination_id
		USING ERRCODE = 'object_not_in_prerequisite_state',
			  DETAIL = format('Nomination %s is %s.', n.nomination_id, n.state),
			  HINT = format('A wrong award is revoked through its nomination: thidua.revoke(%s, revoked_on, reason, decision).', n.nomination_id);
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

CREATE OR REPLACE FUNCTION thidua._sequential_on_citus() RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	IF thidua._distributed() THEN
		PERFORM pg_catalog.set_config('citus.multi_shard_modify_mode', 'sequential', true);
	END IF;
END
$$;

COMMENT ON FUNCTION thidua._sequential_on_citus() IS
	'on Citus, sets citus.multi_shard_modify_mode to sequential for the transaction, so that a function may read distributed tables across shards and then write reference tables; nothing on one server';

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
		('bloc_member', 'bloc_member_dependents', '_guard_member_dependents', 'remove_member refuses a member with scores'),
		('bloc_period', 'bloc_period_published_version', '_guard_bloc_period_version', 'set_bloc_settings takes published criteria versions only'),
		('criteria_version', 'criteria_version_history', '_record_version_event', 'the criteria lifecycle functions record the event'),
		('evaluation', 'evaluation_by_present_members', '_guard_departed_member', 'import_scores refuses a judge who had left'),
		('individual_award', 'individual_award_guard', '_guard_award_record', 'import_records and award check the award''s subject and dates'),
		('individual_award', 'individual_award_kind', '_award_kind_default', 'import_records and award fill the kind from the award catalog'),
		('initiative', 'initiative_used_by_author', '_guard_initiative_use', 'import_records and award check an initiative''s use by its authors'),
		('initiative_author', 'initiative_author_of_use', '_guard_initiative_use', 'import_records and award check an initiative''s use by its authors'),
		('not_applicable_marking', 'not_applicable_marking_checked_on_insert', '_check_not_applicable', 'no function writes it: on Citus only a superuser marks a criterion not applicable'),
		('not_applicable_marking', 'not_applicable_marking_checked_on_update', '_check_not_applicable', 'no function writes it: on Citus only a superuser marks a criterion not applicable'),
		('observation', 'observation_bloc', '_fill_observation_bloc', 'import_scores gives each observation its bloc'),
		('observation', 'observation_checked_on_insert', '_check_observations', 'import_scores checks every staged value by its criterion''s rule and the markings'),
		('observation', 'observation_checked_on_update', '_check_observations', 'import_scores checks every staged value by its criterion''s rule and the markings'),
		('observation', 'observation_open_period_on_delete', '_guard_closed_observation', 'import_scores refuses a closed period'),
		('observation', 'observation_open_period_on_update', '_guard_closed_observation', 'import_scores refuses a closed period'),
		('period', 'period_lifecycle', '_guard_period', 'open_period, close_period and reopen_period move the period'),
		('post_held', 'post_held_without_overlap', '_guard_post_overlap', 'import_people and import_records refuse overlapping posts'),
		('rulebook', 'rulebook_no_truncate', '_guard_rulebook_truncate', 'no role holds TRUNCATE'),
		('rulebook_entry', 'rulebook_entry_no_truncate', '_guard_rulebook_truncate', 'no role holds TRUNCATE'),
		('rulebook_version', 'rulebook_version_history', '_record_rulebook_event', 'the rulebook lifecycle functions record the event'),
		('rulebook_version', 'rulebook_version_no_truncate', '_guard_rulebook_truncate', 'no role holds TRUNCATE'),
		('standing_revision', 'standing_revision_has_rows', '_check_revision_has_rows', 'publish_standings writes a revision with its rows'),
		('unit', 'unit_tree_without_cycles', '_guard_unit_tree', 'import_units refuses a cycle'),
		('unit_award', 'unit_award_guard', '_guard_award_record', 'import_records and award check the award''s subject and dates'),
		('unit_award', 'unit_award_kind', '_award_kind_default', 'import_records and award fill the kind from the award catalog')
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
	messages text;
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname OPERATOR(pg_catalog.=) 'citus') THEN
		RAISE EXCEPTION 'thidua.distribute() needs the citus extension in this database'
			USING ERRCODE = 'feature_not_supported',
				  HINT = 'On the coordinator: CREATE EXTENSION citus; then add the workers (citus_add_node) and call thidua.distribute() again.';
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

	-- (Citus's notices of each conversion, "truncate cascades to table" and
	-- the like, say nothing a DBA must act on)
	messages := current_setting('client_min_messages');
	PERFORM set_config('client_min_messages', 'warning', true);
	PERFORM set_config('citus.enable_unsafe_triggers', 'on', true);
	PERFORM set_config('citus.multi_shard_modify_mode', 'sequential', true);
	-- The rows already there are copied to the placements as they are: the
	-- guards kept on the placements would judge that copy as new writes.
	FOR design IN SELECT * FROM thidua.distribution_design() LOOP
		EXECUTE format('ALTER TABLE thidua.%I DISABLE TRIGGER USER', design.table_name);
	END LOOP;
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

	FOR design IN SELECT * FROM thidua.distribution_design() LOOP
		EXECUTE format('ALTER TABLE thidua.%I ENABLE TRIGGER USER', design.table_name);
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
	PERFORM set_config('client_min_messages', messages, true);
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

CREATE OR REPLACE FUNCTION thidua._acting_role() RETURNS text
	LANGUAGE sql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT CASE WHEN pg_catalog.current_setting('role') OPERATOR(pg_catalog.=) 'none' THEN session_user::text
				ELSE pg_catalog.current_setting('role') END
$$;

COMMENT ON FUNCTION thidua._acting_role() IS
	'the role the caller acts as, unchanged inside SECURITY DEFINER functions: the role set by SET ROLE, else the login role (session_user)';

CREATE OR REPLACE FUNCTION thidua._role_is_admin(member text) RETURNS boolean
	LANGUAGE sql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT coalesce((SELECT r.rolsuper OR pg_catalog.pg_has_role(r.oid, a.oid, 'USAGE')
					 FROM pg_catalog.pg_roles r LEFT JOIN pg_catalog.pg_roles a ON a.rolname OPERATOR(pg_catalog.=) 'thidua_admin'
					 WHERE r.rolname OPERATOR(pg_catalog.=) member), false)
$$;

COMMENT ON FUNCTION thidua._role_is_admin(text) IS 'whether the role is a superuser or has the rights of thidua_admin';

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
REVOKE EXECUTE ON FUNCTION thidua._acting_role(), thidua._role_is_admin(text) FROM PUBLIC;
