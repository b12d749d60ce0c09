-- thidua 0.2.0: criteria tables as versioned data, and the scoring engine.
\echo Use "ALTER EXTENSION thidua UPDATE TO '0.2.0'" to load this file. \quit

SELECT thidua._require_library('0.2.0');

------------------------------------------------------------------------------
-- The model
------------------------------------------------------------------------------

-- A family of criteria tables, e.g. the one for provincial justice departments.
CREATE TABLE thidua.criteria_set (
	set_code text PRIMARY KEY
		CONSTRAINT criteria_set_code_format CHECK (set_code ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$'),
	name text NOT NULL CHECK (name <> ''),
	created_at timestamptz NOT NULL DEFAULT now(),
	created_by text NOT NULL DEFAULT session_user
);
COMMENT ON TABLE thidua.criteria_set IS 'a family of criteria tables (bảng tiêu chí); its editions are criteria_version rows';

-- One edition of a criteria table: draft, then published (immutable), then retired.
CREATE TABLE thidua.criteria_version (
	version_code text PRIMARY KEY,
	set_code text NOT NULL REFERENCES thidua.criteria_set,
	edition text NOT NULL
		CONSTRAINT criteria_version_edition_format CHECK (edition ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$'),
	title text NOT NULL CHECK (title <> ''),
	status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'retired')),
	rounding_scale smallint NOT NULL DEFAULT 2 CHECK (rounding_scale BETWEEN 0 AND 6),
	allow_over_completion boolean NOT NULL DEFAULT false,
	veto_max_class text,
	veto_reason text,
	tie_break text[] NOT NULL DEFAULT '{total}',
	cloned_from text REFERENCES thidua.criteria_version,
	UNIQUE (set_code, edition),
	CONSTRAINT criteria_version_code_is_set_and_edition CHECK (version_code = set_code || '/' || edition)
);
COMMENT ON TABLE thidua.criteria_version IS 'an edition of a criteria table; published editions are immutable';

-- Sections, criteria, and the bonus and penalty sections of a version.
CREATE TABLE thidua.criteria_item (
	version_code text NOT NULL REFERENCES thidua.criteria_version ON DELETE CASCADE,
	code text NOT NULL CHECK (code ~ '^[[:alnum:]][[:alnum:]._-]{0,63}$'),
	parent_code text,
	position integer NOT NULL,
	kind text NOT NULL CHECK (kind IN ('section', 'criterion', 'bonus', 'penalty')),
	title text NOT NULL,
	max_points numeric,
	rule text CHECK (rule IN ('pass_fail', 'proportional', 'bands', 'per_occurrence', 'manual')),
	params jsonb NOT NULL DEFAULT '{}',
	PRIMARY KEY (version_code, code),
	UNIQUE (version_code, position),
	FOREIGN KEY (version_code, parent_code) REFERENCES thidua.criteria_item (version_code, code)
		DEFERRABLE INITIALLY DEFERRED,
	CHECK ((kind = 'criterion') = (rule IS NOT NULL))
);
COMMENT ON TABLE thidua.criteria_item IS 'the items of a criteria version: sections, criteria, bonus and penalty sections';

-- Class bands: a total at or above lower_bound gets the label; NULL bound: otherwise.
CREATE TABLE thidua.class_band (
	version_code text NOT NULL REFERENCES thidua.criteria_version ON DELETE CASCADE,
	position integer NOT NULL,
	label text NOT NULL CHECK (label ~ '^\S{1,32}$'),
	title text,
	lower_bound numeric,
	PRIMARY KEY (version_code, label),
	UNIQUE (version_code, position)
);
COMMENT ON TABLE thidua.class_band IS 'class bands (xếp loại) of a criteria version, best first';

-- Every change of a version's status: who, when, and why.
CREATE TABLE thidua.criteria_version_event (
	event_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	version_code text NOT NULL,
	from_status text,
	to_status text NOT NULL,
	changed_at timestamptz NOT NULL DEFAULT now(),
	changed_by text NOT NULL DEFAULT session_user,
	note text
);
COMMENT ON TABLE thidua.criteria_version_event IS 'history of criteria version statuses; append-only';
CREATE INDEX ON thidua.criteria_version_event (version_code, event_id);

-- Criteria tables are public documents (công khai): everyone may read them.
GRANT SELECT ON thidua.criteria_set, thidua.criteria_version, thidua.criteria_item,
	thidua.class_band, thidua.criteria_version_event TO PUBLIC;

SELECT pg_catalog.pg_extension_config_dump('thidua.criteria_set', '');
SELECT pg_catalog.pg_extension_config_dump('thidua.criteria_version', '');
SELECT pg_catalog.pg_extension_config_dump('thidua.criteria_item', '');
SELECT pg_catalog.pg_extension_config_dump('thidua.class_band', '');
SELECT pg_catalog.pg_extension_config_dump('thidua.criteria_version_event', '');
SELECT pg_catalog.pg_extension_config_dump('thidua.criteria_version_event_event_id_seq', '');

------------------------------------------------------------------------------
-- Immutability and history, enforced in the database
------------------------------------------------------------------------------

-- Rows of items and class bands may change only while their version is a draft.
CREATE FUNCTION thidua._guard_version_content() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	version text;
	current_status text;
BEGIN
	FOREACH version IN ARRAY ARRAY[
		CASE WHEN TG_OP <> 'INSERT' THEN OLD.version_code END,
		CASE WHEN TG_OP <> 'DELETE' THEN NEW.version_code END]
	LOOP
		CONTINUE WHEN version IS NULL;
		SELECT status INTO current_status FROM thidua.criteria_version
			WHERE version_code OPERATOR(pg_catalog.=) version;
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
		IF NEW.status <> 'draft' THEN
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

-- No TRUNCATE while anything published exists; none ever of a table whose
-- trigger passes 'always' (histories, published records).
CREATE FUNCTION thidua._guard_truncate() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	IF (TG_NARGS > 0 AND TG_ARGV[0] = 'always')
	   OR EXISTS (SELECT 1 FROM thidua.criteria_version WHERE status OPERATOR(pg_catalog.<>) 'draft') THEN
		RAISE EXCEPTION 'thidua.% cannot be truncated: it holds published records', TG_TABLE_NAME
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

------------------------------------------------------------------------------
-- The criteria document: one form (jsonb) for import, export and validation.
-- CSV is converted to it, keeping each record's line for error messages.
------------------------------------------------------------------------------

-- Raises a validation error naming the file and line (when known), the version,
-- the item and the field.
CREATE FUNCTION thidua._criteria_error(doc jsonb, item jsonb, field text, message text)
	RETURNS void
	LANGUAGE plpgsql IMMUTABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	place text := '';
	version text := coalesce(doc #>> '{set,code}', '?') || '/' || coalesce(doc ->> 'edition', '?');
	line text := coalesce(item ->> '_line', doc ->> '_line');
BEGIN
	IF doc ? '_source' THEN
		place := (doc ->> '_source') || coalesce(':' || line, '') || ': ';
	ELSIF line IS NOT NULL THEN
		place := 'line ' || line || ': ';
	END IF;
	RAISE EXCEPTION '%criteria version "%"%, field "%": %', place, version,
		CASE WHEN item IS NOT NULL AND item ? 'code' THEN ', item "' || (item ->> 'code') || '"'
			 WHEN item IS NOT NULL AND item ? 'label' THEN ', class "' || (item ->> 'label') || '"'
			 ELSE '' END,
		field, message
		USING ERRCODE = 'invalid_parameter_value';
END
$$;

-- A number field of an item (or of the document when item is NULL).
CREATE FUNCTION thidua._criteria_number(doc jsonb, item jsonb, field text, required boolean,
										max_decimals integer)
	RETURNS numeric
	LANGUAGE plpgsql IMMUTABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	holder jsonb := coalesce(item, doc);
	value numeric;
BEGIN
	IF NOT holder ? field OR jsonb_typeof(holder -> field) = 'null' THEN
		IF required THEN
			PERFORM thidua._criteria_error(doc, item, field, 'is required');
		END IF;
		RETURN NULL;
	END IF;
	IF jsonb_typeof(holder -> field) <> 'number' THEN
		PERFORM thidua._criteria_error(doc, item, field, 'must be a number, not ' || (holder -> field)::text);
	END IF;
	value := (holder ->> field)::numeric;
	IF min_scale(value) > max_decimals THEN
		PERFORM thidua._criteria_error(doc, item, field,
			format('%s has more than %s decimal places', value, max_decimals));
	END IF;
	IF abs(value) >= 1000000000000 THEN
		PERFORM thidua._criteria_error(doc, item, field, format('%s is out of range', value));
	END IF;
	RETURN value;
END
$$;

-- Checks a criteria document; raises the first error found. Run at import and
-- again at publish, on the document exported from the stored rows.
CREATE FUNCTION thidua._validate_criteria(doc jsonb) RETURNS void
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
	seen_open_class boolean := false;
	key text;
	ancestor text;
	depth integer;
BEGIN
	IF jsonb_typeof(doc) IS DISTINCT FROM 'object' THEN
		PERFORM thidua._criteria_error('{}', NULL, '(document)', 'must be a JSON object');
	END IF;
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
	FOR item IN SELECT value FROM jsonb_array_elements(doc -> 'classes') LOOP
		IF jsonb_typeof(item -> 'label') IS DISTINCT FROM 'string' OR item ->> 'label' !~ '^\S{1,32}$' THEN
			PERFORM thidua._criteria_error(doc, NULL, 'classes', 'every class needs a label of 1 to 32 characters without spaces');
		END IF;
		FOR field IN SELECT jsonb_object_keys(item) LOOP
			IF field NOT IN ('label', 'title', 'min', '_line') THEN
				PERFORM thidua._criteria_error(doc, item, field, 'is not a field of a class');
			END IF;
		END LOOP;
		IF item ->> 'label' = ANY (class_labels) THEN
			PERFORM thidua._criteria_error(doc, item, 'label', 'is used by more than one class');
		END IF;
		IF seen_open_class THEN
			PERFORM thidua._criteria_error(doc, item, 'min', 'only the last class may have no lower bound');
		END IF;
		from_value := thidua._criteria_number(doc, item, 'min', false, 6);
		IF from_value IS NULL THEN
			seen_open_class := true;
		ELSIF previous_bound IS NOT NULL AND from_value >= previous_bound THEN
			PERFORM thidua._criteria_error(doc, item, 'min',
				format('%s is not below the previous class''s %s: classes run from best to worst', from_value, previous_bound));
		END IF;
		previous_bound := from_value;
		class_labels := class_labels || (item ->> 'label');
	END LOOP;
	IF jsonb_typeof(doc -> 'veto') = 'object' THEN
		IF NOT (doc #>> '{veto,max_class}') = ANY (class_labels) THEN
			PERFORM thidua._criteria_error(doc, NULL, 'veto.max_class',
				format('%s is not one of the classes', coalesce(doc #> '{veto,max_class}', 'null')));
		END IF;
	ELSIF doc ? 'veto' AND jsonb_typeof(doc -> 'veto') <> 'null' THEN
		PERFORM thidua._criteria_error(doc, NULL, 'veto', 'must be an object with max_class and reason');
	END IF;

	-- Tie-break keys must name something that exists.
	IF doc ? 'tie_break' THEN
		IF jsonb_typeof(doc -> 'tie_break') <> 'array' THEN
			PERFORM thidua._criteria_error(doc, NULL, 'tie_break', 'must be an array of keys');
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

-- The stored version as a criteria document (what import takes back).
CREATE FUNCTION thidua.export_criteria(version text) RETURNS jsonb
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
		'tie_break', to_jsonb(v.tie_break),
		'items', (SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
						'code', i.code, 'parent', i.parent_code, 'kind', i.kind, 'title', i.title,
						'max', i.max_points, 'rule', i.rule)) || i.params ORDER BY i.position)
				  FROM thidua.criteria_item i WHERE i.version_code OPERATOR(pg_catalog.=) v.version_code))
	FROM thidua.criteria_version v JOIN thidua.criteria_set s USING (set_code)
	WHERE v.version_code OPERATOR(pg_catalog.=) version
$$;
COMMENT ON FUNCTION thidua.export_criteria(text) IS 'a criteria version as a JSON criteria document';

-- Text in Unicode NFC, where the database encoding can say so.
CREATE FUNCTION thidua._nfc(value text) RETURNS text
	LANGUAGE sql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT CASE WHEN value IS NULL OR current_setting('server_encoding') <> 'UTF8' THEN value
				ELSE normalize(value, NFC) END
$$;

-- Stores a criteria document as a new draft version; returns its code.
CREATE FUNCTION thidua.import_criteria(document jsonb, replace_draft boolean DEFAULT false)
	RETURNS text
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	doc jsonb;
	version text;
	existing text;
BEGIN
	-- Unicode text is stored in NFC, so that equal-looking names compare equal.
	doc := thidua._nfc(document::text)::jsonb;
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
			doc #>> '{veto,max_class}', doc #>> '{veto,reason}',
			coalesce(ARRAY(SELECT jsonb_array_elements_text(doc -> 'tie_break')), '{total}'));
	INSERT INTO thidua.criteria_item (version_code, code, parent_code, position, kind, title,
			max_points, rule, params)
		SELECT version, i ->> 'code', i ->> 'parent', n, i ->> 'kind', i ->> 'title',
			(i ->> 'max')::numeric, i ->> 'rule',
			i - ARRAY['code', 'parent', 'kind', 'title', 'max', 'rule', '_line']
		FROM jsonb_array_elements(doc -> 'items') WITH ORDINALITY AS items(i, n);
	INSERT INTO thidua.class_band (version_code, position, label, title, lower_bound)
		SELECT version, n, c ->> 'label', c ->> 'title', (c ->> 'min')::numeric
		FROM jsonb_array_elements(doc -> 'classes') WITH ORDINALITY AS classes(c, n);
	RETURN version;
END
$$;
COMMENT ON FUNCTION thidua.import_criteria(jsonb, boolean) IS
	'stores a criteria document as a new draft version, all or nothing; returns the version code';

------------------------------------------------------------------------------
-- Files: UTF-8 checked line by line, CSV read into records (both in C).
------------------------------------------------------------------------------

CREATE FUNCTION thidua._decode_utf8(data bytea, source text) RETURNS text
	AS 'MODULE_PATHNAME', 'thidua_decode_utf8'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION thidua._decode_utf8(bytea, text) IS
	'file bytes as text: a UTF-8 byte-order mark dropped, invalid UTF-8 refused with its line';

CREATE FUNCTION thidua._csv_records(content text, source text,
									OUT line integer, OUT fields text[])
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'thidua_csv_records'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION thidua._csv_records(text, text) IS
	'the records of a CSV text (RFC 4180; comma, or semicolon when the header has no comma) with the line each starts on';

-- Parses "key=value; key=value" parameters of a CSV record.
CREATE FUNCTION thidua._csv_params(params text, doc jsonb, line integer) RETURNS jsonb
	LANGUAGE plpgsql IMMUTABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	result jsonb := '{}';
	pair text;
	key text;
BEGIN
	FOREACH pair IN ARRAY coalesce(string_to_array(params, ';'), '{}') LOOP
		CONTINUE WHEN btrim(pair) = '';
		IF position('=' IN pair) = 0 THEN
			PERFORM thidua._criteria_error(doc, jsonb_build_object('_line', line), 'params',
				format('"%s" is not of the form key=value', btrim(pair)));
		END IF;
		key := btrim(split_part(pair, '=', 1));
		IF result ? key THEN
			PERFORM thidua._criteria_error(doc, jsonb_build_object('_line', line), 'params',
				format('"%s" is given twice', key));
		END IF;
		result := result || jsonb_build_object(key, btrim(substr(pair, position('=' IN pair) + 1)));
	END LOOP;
	RETURN result;
END
$$;

-- A CSV number as a JSON number, or an error naming the line and field.
CREATE FUNCTION thidua._csv_number(value text, doc jsonb, line integer, field text) RETURNS jsonb
	LANGUAGE plpgsql IMMUTABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	IF value IS NULL OR btrim(value) = '' THEN
		RETURN NULL;
	END IF;
	IF btrim(value) !~ '^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$' THEN
		PERFORM thidua._criteria_error(doc, jsonb_build_object('_line', line), field,
			format('"%s" is not a number (use "." for decimals)', value));
	END IF;
	RETURN to_jsonb(btrim(value)::numeric);
END
$$;

-- Band list "[75,95):1 | (95,):1.5": brackets say which bounds are inclusive.
CREATE FUNCTION thidua._csv_bands(bands text, doc jsonb, line integer) RETURNS jsonb
	LANGUAGE plpgsql IMMUTABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	result jsonb := '[]';
	spec text;
	parts text[];
	band jsonb;
BEGIN
	FOREACH spec IN ARRAY string_to_array(bands, '|') LOOP
		parts := regexp_match(btrim(spec),
			'^([\[\(])\s*([^,\s]*)\s*,\s*([^\]\)\s]*)\s*([\]\)])\s*:\s*(\S+)$');
		IF parts IS NULL THEN
			PERFORM thidua._criteria_error(doc, jsonb_build_object('_line', line), 'bands',
				format('"%s" is not a band like [75,95):1 or (95,):1.5', btrim(spec)));
		END IF;
		band := jsonb_build_object('points', thidua._csv_number(parts[5], doc, line, 'bands'));
		IF parts[2] <> '' THEN
			band := band || jsonb_build_object('from', thidua._csv_number(parts[2], doc, line, 'bands'),
											   'from_inclusive', parts[1] = '[');
		END IF;
		IF parts[3] <> '' THEN
			band := band || jsonb_build_object('to', thidua._csv_number(parts[3], doc, line, 'bands'),
											   'to_inclusive', parts[4] = ']');
		END IF;
		result := result || jsonb_build_array(band);
	END LOOP;
	RETURN result;
END
$$;

-- A criteria CSV (see README) as a criteria document, each record's line kept.
CREATE FUNCTION thidua._criteria_csv_to_document(content text, source text) RETURNS jsonb
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

-- Imports a criteria file (JSON or CSV bytes) all or nothing; returns the version code.
CREATE FUNCTION thidua.import_criteria_file(data bytea, format text DEFAULT NULL,
											source text DEFAULT 'input', replace_draft boolean DEFAULT false)
	RETURNS text
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	content text := thidua._decode_utf8(data, source);
	kind text := lower(coalesce(format, substring(source FROM '\.([A-Za-z]+)$'), ''));
	doc jsonb;
	message text;
	detail text;
	context text;
BEGIN
	IF kind = 'json' THEN
		BEGIN
			doc := content::jsonb;
		EXCEPTION WHEN invalid_text_representation THEN
			GET STACKED DIAGNOSTICS message = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL,
				context = PG_EXCEPTION_CONTEXT;
			RAISE EXCEPTION '%:%: %', source,
				coalesce(substring(context FROM 'JSON data, line ([0-9]+)'), '?'), message
				USING ERRCODE = 'invalid_text_representation', DETAIL = detail;
		END;
		IF jsonb_typeof(doc) = 'object' THEN
			doc := doc || jsonb_build_object('_source', source);
		END IF;
	ELSIF kind = 'csv' THEN
		doc := thidua._criteria_csv_to_document(content, source);
	ELSE
		RAISE EXCEPTION '%: unknown criteria file format "%"', source, kind
			USING ERRCODE = 'invalid_parameter_value', HINT = 'Use a .json or .csv file, or name the format.';
	END IF;
	RETURN thidua.import_criteria(doc, replace_draft);
END
$$;
COMMENT ON FUNCTION thidua.import_criteria_file(bytea, text, text, boolean) IS
	'imports a criteria file (JSON or CSV bytes, UTF-8) as a new draft version; returns its code';

-- One CSV field, quoted when it must be.
CREATE FUNCTION thidua._csv_field(value text) RETURNS text
	LANGUAGE sql IMMUTABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT CASE WHEN value IS NULL THEN ''
				WHEN value ~ '[",;\r\n]|^\s|\s$' THEN '"' || replace(value, '"', '""') || '"'
				ELSE value END
$$;

-- A criterion's rule parameters as CSV "params" text: "target=100; ceiling=3.5".
CREATE FUNCTION thidua._params_text(item jsonb) RETURNS text
	LANGUAGE sql IMMUTABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT nullif(concat_ws('; ',
		'target=' || (item ->> 'target'), 'per=' || (item ->> 'per'), 'floor=' || (item ->> 'floor'),
		'ceiling=' || (item ->> 'ceiling'),
		'bands=' || (SELECT string_agg(
			CASE WHEN b ? 'from' THEN CASE WHEN (b ->> 'from_inclusive')::boolean THEN '[' ELSE '(' END
				 || (b ->> 'from') ELSE '(' END || ',' ||
			CASE WHEN b ? 'to' THEN (b ->> 'to') || CASE WHEN (b ->> 'to_inclusive')::boolean THEN ']' ELSE ')' END
				 ELSE ')' END || ':' || (b ->> 'points'), ' | ' ORDER BY n)
			FROM jsonb_array_elements(item -> 'bands') WITH ORDINALITY AS bands(b, n)),
		'otherwise=' || (item ->> 'otherwise')), '')
$$;

-- The stored version as a criteria CSV (what import takes back).
CREATE FUNCTION thidua.export_criteria_csv(version text) RETURNS text
	LANGUAGE sql STABLE STRICT
	SET search_path = pg_catalog, pg_temp
	AS $$
	WITH doc AS (SELECT thidua.export_criteria(version) AS d),
	records AS (
		SELECT 0 AS ord, ARRAY['set', d #>> '{set,code}', NULL, d #>> '{set,name}', NULL, NULL, NULL] AS r FROM doc
		UNION ALL
		SELECT 1, ARRAY['version', d ->> 'edition', NULL, d ->> 'title', NULL, NULL,
			format('rounding_scale=%s; allow_over_completion=%s; tie_break=%s', d ->> 'rounding_scale',
				d ->> 'allow_over_completion',
				(SELECT string_agg(k, ' ') FROM jsonb_array_elements_text(d -> 'tie_break') k))] FROM doc
		UNION ALL
		SELECT 2 + n::integer, ARRAY['class', c ->> 'label', NULL, c ->> 'title', NULL, NULL,
			CASE WHEN c ? 'min' THEN 'min=' || (c ->> 'min') END]
		FROM doc, jsonb_array_elements(d -> 'classes') WITH ORDINALITY AS cs(c, n)
		UNION ALL
		SELECT 1000, ARRAY['veto', d #>> '{veto,max_class}', NULL, d #>> '{veto,reason}', NULL, NULL, NULL]
		FROM doc WHERE d ? 'veto' AND jsonb_typeof(d -> 'veto') = 'object'
		UNION ALL
		SELECT 1001 + n::integer, ARRAY[i ->> 'kind', i ->> 'code', i ->> 'parent', i ->> 'title', i ->> 'max',
			i ->> 'rule', thidua._params_text(i)]
		FROM doc, jsonb_array_elements(d -> 'items') WITH ORDINALITY AS items(i, n)
	)
	SELECT 'kind,code,parent,title,max,rule,params' || E'\n' ||
		string_agg((SELECT string_agg(thidua._csv_field(x), ',' ORDER BY o) FROM unnest(r) WITH ORDINALITY AS f(x, o)),
				   E'\n' ORDER BY ord) || E'\n'
	FROM records
	HAVING count(*) > 0
$$;
COMMENT ON FUNCTION thidua.export_criteria_csv(text) IS 'a criteria version as a criteria CSV';

------------------------------------------------------------------------------
-- The lifecycle: publish, retire, clone, delete a draft.
------------------------------------------------------------------------------

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

-- Moves a version to a status (the triggers check the move), recording the note.
CREATE FUNCTION thidua._set_status(version text, status text, note text) RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	PERFORM thidua._lock_version(version);
	PERFORM set_config('thidua.status_note', coalesce(note, ''), true);
	UPDATE thidua.criteria_version SET status = _set_status.status
		WHERE version_code OPERATOR(pg_catalog.=) version;
	PERFORM set_config('thidua.status_note', '', true);
END
$$;

CREATE FUNCTION thidua.publish_version(version text, note text DEFAULT NULL) RETURNS void
	LANGUAGE sql
	SET search_path = pg_catalog, pg_temp
	AS $$ SELECT thidua._set_status(version, 'published', note) $$;
COMMENT ON FUNCTION thidua.publish_version(text, text) IS
	'validates a draft and publishes it; from then on it never changes';

CREATE FUNCTION thidua.retire_version(version text, note text DEFAULT NULL) RETURNS void
	LANGUAGE sql
	SET search_path = pg_catalog, pg_temp
	AS $$ SELECT thidua._set_status(version, 'retired', note) $$;
COMMENT ON FUNCTION thidua.retire_version(text, text) IS 'retires a published version (it stays readable)';

CREATE FUNCTION thidua.clone_version(version text, new_edition text DEFAULT NULL) RETURNS text
	LANGUAGE plpgsql
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
			allow_over_completion, veto_max_class, veto_reason, tie_break, cloned_from)
		VALUES (target, source.set_code, new_edition, source.title, source.rounding_scale,
			source.allow_over_completion, source.veto_max_class, source.veto_reason, source.tie_break, version);
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
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	PERFORM thidua._lock_version(version);
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
GRANT SELECT ON thidua.criteria_versions TO PUBLIC;

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

------------------------------------------------------------------------------
-- Scoring (C): points of one observation, the score aggregates, classes.
------------------------------------------------------------------------------

CREATE FUNCTION thidua.points(version text, criterion_code text, observed numeric) RETURNS numeric
	AS 'MODULE_PATHNAME', 'thidua_points'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION thidua.points(text, text, numeric) IS
	'points of one observation under a criterion''s rule, rounded to the version''s scale';

CREATE FUNCTION thidua._score_transition(state bytea, version text, criterion_code text, observed numeric)
	RETURNS bytea
	AS 'MODULE_PATHNAME', 'thidua_score_transition'
	LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION thidua._score_detail_transition(state bytea, version text, criterion_code text, observed numeric)
	RETURNS bytea
	AS 'MODULE_PATHNAME', 'thidua_score_detail_transition'
	LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION thidua._score_combine(left_state bytea, right_state bytea) RETURNS bytea
	AS 'MODULE_PATHNAME', 'thidua_score_combine'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION thidua._score_final(state bytea) RETURNS numeric
	AS 'MODULE_PATHNAME', 'thidua_score_final'
	LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION thidua._score_detail_final(state bytea) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'thidua_score_detail_final'
	LANGUAGE C STABLE PARALLEL SAFE;

CREATE AGGREGATE thidua.score(version text, criterion_code text, observed numeric) (
	SFUNC = thidua._score_transition,
	STYPE = bytea,
	COMBINEFUNC = thidua._score_combine,
	FINALFUNC = thidua._score_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE thidua.score(text, text, numeric) IS
	'total points of one evaluation: criteria points, section caps bottom-up, bonus and penalty with their caps';

CREATE AGGREGATE thidua.score_detail(version text, criterion_code text, observed numeric) (
	SFUNC = thidua._score_detail_transition,
	STYPE = bytea,
	COMBINEFUNC = thidua._score_combine,
	FINALFUNC = thidua._score_detail_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE thidua.score_detail(text, text, numeric) IS
	'the score of one evaluation with its breakdown per item: points, caps applied, the rule that fired';

CREATE FUNCTION thidua.classify(version text, total numeric, vetoed boolean DEFAULT false) RETURNS text
	AS 'MODULE_PATHNAME', 'thidua_classify'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION thidua.classify(text, numeric, boolean) IS
	'the class band of a total; a vetoed unit is capped at the version''s veto class';

CREATE FUNCTION thidua._fixed(value numeric, scale integer) RETURNS bigint
	AS 'MODULE_PATHNAME', 'thidua_fixed'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION thidua._fixed(numeric, integer) IS
	'value times 10^scale as an exact integer, as the scoring engine reads numbers (for tests)';
