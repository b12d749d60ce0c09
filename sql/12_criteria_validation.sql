-- thidua SQL source: criteria document validation.
-- Holds _criteria_error(), _criteria_number(), _validate_criteria(): the checks run at
-- import and again at publish, errors naming file:line, version, item and field.

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

-- A text field of the document, an item or a class: at most most characters
-- (a title 1000, a name 300; the tables hold the same limits).
CREATE FUNCTION thidua._criteria_text_limit(doc jsonb, item jsonb, field text, value text, most integer)
	RETURNS void
	LANGUAGE plpgsql IMMUTABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	IF char_length(value) > most THEN
		PERFORM thidua._criteria_error(doc, item, field,
			format('%s characters, at most %s', to_char(char_length(value), 'FM999,999,999,990'), most));
	END IF;
END
$$;

-- Checks a criteria document; raises the first error found. Run at import and
-- again at publish, on the document exported from the stored rows. A field
-- whose value is null counts as absent.
CREATE FUNCTION thidua._validate_criteria(doc jsonb) RETURNS void
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	code_pattern constant text := '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$';
	item_fields constant text[] := ARRAY['code', 'parent', 'kind', 'title', 'max', 'rule', 'target',
		'ceiling', 'bands', 'otherwise', 'per', 'floor', '_line'];
	rule_fields jsonb := '{"pass_fail": [], "proportional": ["target", "ceiling"],
		"bands": ["bands", "otherwise"], "per_occurrence": ["per", "floor", "ceiling"], "manual": [],
		"leader_relative": ["target"]}';
	scale integer;
	over_completion boolean;
	item jsonb;
	band jsonb;
	previous jsonb;
	field text;
	kinds jsonb := '{}';		-- code -> kind
	number_codes jsonb := '{}';	-- a numeric code's value -> code
	parents jsonb := '{}';		-- code -> parent
	child_count jsonb := '{}';	-- code -> number of children
	max_points numeric;
	from_value numeric;
	to_value numeric;
	previous_from numeric;
	previous_to numeric;
	direction integer;
	step integer;
	item_number bigint;
	single_sections jsonb := '{}';	-- bonus, penalty -> the code of the one
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
				'allow_over_completion', 'classes', 'veto', 'tie_break', 'items', 'result_rounding', 'not_applicable', '_source', '_line']) THEN
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
	PERFORM thidua._criteria_text_limit(doc, NULL, 'set.name', doc #>> '{set,name}', 300);
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
	PERFORM thidua._criteria_text_limit(doc, NULL, 'title', doc ->> 'title', 1000);
	scale := coalesce(thidua._criteria_number(doc, NULL, 'rounding_scale', false, 0), 2);
	IF scale NOT BETWEEN 0 AND 6 THEN
		PERFORM thidua._criteria_error(doc, NULL, 'rounding_scale', 'must be between 0 and 6');
	END IF;
	IF doc ? 'allow_over_completion' AND jsonb_typeof(doc -> 'allow_over_completion') <> 'boolean' THEN
		PERFORM thidua._criteria_error(doc, NULL, 'allow_over_completion', 'must be true or false');
	END IF;
	over_completion := coalesce((doc ->> 'allow_over_completion')::boolean, false);
	-- averaged results: "exact", or rounded to 0-9 decimals before class and rank
	IF doc ? 'result_rounding' AND NOT (doc -> 'result_rounding' = '"exact"'
			OR (jsonb_typeof(doc -> 'result_rounding') = 'number' AND (doc ->> 'result_rounding') ~ '^[0-9]$')) THEN
		PERFORM thidua._criteria_error(doc, NULL, 'result_rounding',
			format('must be "exact" or a whole number of decimals from 0 to 9, not %s', doc -> 'result_rounding'));
	END IF;
	-- rule shapes: what a criterion marked not applicable to a unit counts for
	IF doc ? 'not_applicable' AND (jsonb_typeof(doc -> 'not_applicable') <> 'string'
			OR doc ->> 'not_applicable' NOT IN ('exclude_and_rescale', 'full_points', 'zero')) THEN
		PERFORM thidua._criteria_error(doc, NULL, 'not_applicable',
			format('must be exclude_and_rescale, full_points or zero, not %s', doc -> 'not_applicable'));
	END IF;

	-- Items: first each on its own, then the tree.
	IF jsonb_typeof(doc -> 'items') IS DISTINCT FROM 'array' OR jsonb_array_length(doc -> 'items') = 0 THEN
		PERFORM thidua._criteria_error(doc, NULL, 'items', 'must be a non-empty array');
	END IF;
	FOR item, item_number IN SELECT value, ordinality FROM jsonb_array_elements(doc -> 'items') WITH ORDINALITY LOOP
		IF jsonb_typeof(item) <> 'object' THEN
			PERFORM thidua._criteria_error(doc, NULL, format('items[%s]', item_number),
				format('every item must be an object, not %s', item));
		END IF;
		IF jsonb_typeof(item -> 'code') IS DISTINCT FROM 'string' OR item ->> 'code' !~ '^[[:alnum:]][[:alnum:]._-]{0,63}$' THEN
			PERFORM thidua._criteria_error(doc, item - 'code', 'code',
				format('%s must be 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit',
					coalesce(item -> 'code', 'null')));
		END IF;
		IF kinds ? (item ->> 'code') THEN
			PERFORM thidua._criteria_error(doc, item, 'code', 'is used by more than one item');
		END IF;
		-- 1.1 and 1.10 are one number to a spreadsheet, which would merge them
		IF item ->> 'code' ~ '^[0-9]+(\.[0-9]+)?$' THEN
			key := trim_scale((item ->> 'code')::numeric)::text;
			IF number_codes ? key THEN
				PERFORM thidua._criteria_error(doc, item, 'code',
					format('items "%s" and "%s" differ only in zeros: a spreadsheet reads both as the number %s and merges them',
						number_codes ->> key, item ->> 'code', key));
			END IF;
			number_codes := number_codes || jsonb_build_object(key, item ->> 'code');
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
		PERFORM thidua._criteria_text_limit(doc, item, 'title', item ->> 'title', 1000);
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
				IF field IN ('target', 'ceiling', 'bands', 'otherwise', 'per')
				   OR (field = 'floor' AND item ->> 'kind' <> 'section') THEN
					PERFORM thidua._criteria_error(doc, item, field,
						CASE field WHEN 'floor' THEN 'only sections (and per_occurrence criteria) have a floor'
							 ELSE 'only criteria have rule parameters' END);
				END IF;
			END LOOP;
			max_points := thidua._criteria_number(doc, item, 'max', true, scale);
			IF max_points < 0 THEN
				PERFORM thidua._criteria_error(doc, item, 'max', 'must not be negative');
			END IF;
			-- rule shapes: a section's floor ("trừ hết điểm"): its points never go below it
			IF thidua._criteria_number(doc, item, 'floor', false, scale) > max_points THEN
				PERFORM thidua._criteria_error(doc, item, 'floor',
					format('%s is above the section''s max %s', item -> 'floor', max_points));
			END IF;
			CONTINUE;
		END IF;

		criteria := criteria + 1;
		IF NOT rule_fields ? coalesce(item ->> 'rule', '') THEN
			PERFORM thidua._criteria_error(doc, item, 'rule',
				format('must be pass_fail, proportional, bands, per_occurrence, manual or leader_relative, not %s',
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
		-- rule shapes: a capped per-event criterion may state its standard points (max);
		-- its ceiling caps the points, and the standard points must be reachable
		IF item ->> 'rule' = 'per_occurrence' AND max_points IS NOT NULL THEN
			IF thidua._criteria_number(doc, item, 'per', true, 6) < 0 THEN
				PERFORM thidua._criteria_error(doc, item, 'max',
					'a deduction (per below zero) has no standard points: it is bounded by its floor');
			END IF;
			IF thidua._criteria_number(doc, item, 'ceiling', false, scale) IS NULL THEN
				PERFORM thidua._criteria_error(doc, item, 'max',
					'standard points need a ceiling (e.g. ceiling equal to max)');
			END IF;
			IF thidua._criteria_number(doc, item, 'ceiling', false, scale) < max_points THEN
				PERFORM thidua._criteria_error(doc, item, 'ceiling',
					format('%s is below max %s: the standard points could never be reached', item -> 'ceiling', max_points));
			END IF;
			IF thidua._criteria_number(doc, item, 'ceiling', false, scale) > max_points AND NOT over_completion THEN
				PERFORM thidua._criteria_error(doc, item, 'ceiling',
					format('%s is above max %s: over-completion is not allowed by this version (allow_over_completion is false)',
						item -> 'ceiling', max_points));
			END IF;
		END IF;
		IF max_points < 0 THEN
			PERFORM thidua._criteria_error(doc, item, 'max', 'must not be negative');
		END IF;

		-- a target from the pact ("pact") is each unit's own, known in the bloc's standings
		IF item ->> 'rule' IN ('proportional', 'leader_relative') AND item -> 'target' IS DISTINCT FROM '"pact"'
		   AND thidua._criteria_number(doc, item, 'target', true, 6) <= 0 THEN
			PERFORM thidua._criteria_error(doc, item, 'target', 'must be greater than zero (or "pact": the unit''s target in its pact)');
		END IF;
		CASE item ->> 'rule'
		WHEN 'proportional' THEN
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

	-- The tree: parents exist and are groups, no cycles, criteria under a section,
	-- one bonus and one penalty section, both at the top.
	FOR item IN SELECT value FROM jsonb_array_elements(doc -> 'items') LOOP
		IF item ->> 'kind' = 'criterion' AND NOT item ? 'parent' THEN
			PERFORM thidua._criteria_error(doc, item, 'parent',
				'is required: a criterion stands under a section (or the bonus or penalty section)');
		END IF;
		IF item ->> 'kind' IN ('bonus', 'penalty') THEN
			IF single_sections ? (item ->> 'kind') THEN
				PERFORM thidua._criteria_error(doc, item, 'kind', format('a version has one %s section, and "%s" is one already',
					item ->> 'kind', single_sections ->> (item ->> 'kind')));
			END IF;
			single_sections := single_sections || jsonb_build_object(item ->> 'kind', item ->> 'code');
		END IF;
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
		PERFORM thidua._criteria_text_limit(doc, item, 'title', item ->> 'title', 1000);
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
		PERFORM thidua._criteria_text_limit(doc, NULL, 'veto.reason', doc #>> '{veto,reason}', 1000);
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
