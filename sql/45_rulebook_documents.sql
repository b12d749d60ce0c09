-- thidua SQL source: rulebook documents.
-- Holds _rulebook_error(), the checks of sources, rule nodes, quotas, councils
-- and disclosure, _validate_rulebook(): run at import and again at publish,
-- errors naming the version, the award, the node path and the field;
-- import_rulebook() and export_rulebook(), which round-trip.

-- Raises a validation error: the file (when known), the version, the award,
-- the node path (rule.all_of[1].any_of[0]) and the field.
CREATE FUNCTION thidua._rulebook_error(doc jsonb, award text, path text, field text, message text)
	RETURNS void
	LANGUAGE plpgsql IMMUTABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	RAISE EXCEPTION '%', format('%srulebook version "%s/%s"%s%s, field "%s": %s',
		coalesce((doc ->> '_source') || ': ', ''),
		coalesce(doc #>> '{rulebook,code}', '?'), coalesce(doc ->> 'edition', '?'),
		coalesce(', award "' || award || '"', ''), coalesce(', ' || nullif(path, ''), ''),
		field, message)
		USING ERRCODE = 'invalid_parameter_value';
END
$$;
COMMENT ON FUNCTION thidua._rulebook_error(jsonb, text, text, text, text) IS
	'raises invalid_parameter_value naming the file (doc _source), the version, the award, the node path and the field of a rulebook document';

-- A value as an error message shows it: cut to about 40 characters, so that a
-- huge number or text is not echoed in full.
CREATE FUNCTION thidua._rulebook_shown(value jsonb) RETURNS text
	LANGUAGE sql IMMUTABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT CASE WHEN char_length(value::text) > 40
		THEN substr(value::text, 1, 40) || format('… (%s characters)', char_length(value::text))
		ELSE value::text END
$$;
COMMENT ON FUNCTION thidua._rulebook_shown(jsonb) IS
	'a JSON value as a rulebook error message shows it: cut to 40 characters (with its length) when longer';

-- Refuses keys of an object other than those allowed.
CREATE FUNCTION thidua._rulebook_keys(doc jsonb, award text, path text, holder jsonb, allowed text[], what text)
	RETURNS void
	LANGUAGE plpgsql IMMUTABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	key text;
BEGIN
	FOR key IN SELECT k FROM jsonb_object_keys(holder) k ORDER BY k LOOP
		IF NOT key OPERATOR(pg_catalog.=) ANY (allowed) THEN
			PERFORM thidua._rulebook_error(doc, award, path, key,
				format('is not a field of %s (fields: %s)', what, array_to_string(allowed, ', ')));
		END IF;
	END LOOP;
END
$$;
COMMENT ON FUNCTION thidua._rulebook_keys(jsonb, text, text, jsonb, text[], text) IS
	'refuses (invalid_parameter_value) a key of an object of a rulebook document that is not among those allowed';

-- A whole number of at least low (NULL allowed when nullable): the value, or an error.
CREATE FUNCTION thidua._rulebook_integer(doc jsonb, award text, path text, holder jsonb, field text,
										 required boolean, low integer, nullable boolean DEFAULT false)
	RETURNS integer
	LANGUAGE plpgsql IMMUTABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	value jsonb := holder -> field;
BEGIN
	IF value IS NULL OR jsonb_typeof(value) = 'null' THEN
		IF required AND NOT (nullable AND value IS NOT NULL) THEN
			PERFORM thidua._rulebook_error(doc, award, path, field,
				CASE WHEN nullable THEN 'is required (a whole number, or null)' ELSE 'is required' END);
		END IF;
		RETURN NULL;
	END IF;
	IF jsonb_typeof(value) <> 'number' OR (value #>> '{}')::numeric <> trunc((value #>> '{}')::numeric)
	   OR (value #>> '{}')::numeric < low OR (value #>> '{}')::numeric > 1000 THEN
		PERFORM thidua._rulebook_error(doc, award, path, field,
			format('%s is not a whole number from %s to 1000', thidua._rulebook_shown(value), low));
	END IF;
	-- 1.0 is whole but read as a whole number it is not: the file says 1
	IF value::text !~ '^[0-9]+$' THEN
		PERFORM thidua._rulebook_error(doc, award, path, field,
			format('%s is not written as a whole number (write %s)', value, trunc((value #>> '{}')::numeric)));
	END IF;
	RETURN (value #>> '{}')::integer;
END
$$;
COMMENT ON FUNCTION thidua._rulebook_integer(jsonb, text, text, jsonb, text, boolean, integer, boolean) IS
	'a whole-number field of a rulebook document (low to 1000; NULL when absent, or null where allowed), else invalid_parameter_value';

-- A share in (0, 1].
CREATE FUNCTION thidua._rulebook_share(doc jsonb, award text, path text, holder jsonb, field text)
	RETURNS numeric
	LANGUAGE plpgsql IMMUTABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	value jsonb := holder -> field;
BEGIN
	IF value IS NULL OR jsonb_typeof(value) = 'null' THEN
		PERFORM thidua._rulebook_error(doc, award, path, field, 'is required');
	END IF;
	IF jsonb_typeof(value) <> 'number' OR (value #>> '{}')::numeric <= 0 OR (value #>> '{}')::numeric > 1 THEN
		PERFORM thidua._rulebook_error(doc, award, path, field,
			format('%s is not a share in (0, 1] (write 15 %% as 0.15)', thidua._rulebook_shown(value)));
	END IF;
	RETURN (value #>> '{}')::numeric;
END
$$;
COMMENT ON FUNCTION thidua._rulebook_share(jsonb, text, text, jsonb, text) IS
	'a share field of a rulebook document, in (0, 1], else invalid_parameter_value';

-- One of a list of words.
CREATE FUNCTION thidua._rulebook_word(doc jsonb, award text, path text, holder jsonb, field text,
									  required boolean, allowed text[], what text)
	RETURNS text
	LANGUAGE plpgsql IMMUTABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	value jsonb := holder -> field;
BEGIN
	IF value IS NULL OR jsonb_typeof(value) = 'null' THEN
		IF required THEN
			PERFORM thidua._rulebook_error(doc, award, path, field, 'is required');
		END IF;
		RETURN NULL;
	END IF;
	IF jsonb_typeof(value) <> 'string' OR NOT (value #>> '{}') OPERATOR(pg_catalog.=) ANY (allowed) THEN
		PERFORM thidua._rulebook_error(doc, award, path, field,
			format('%s is not %s (one of %s)', thidua._rulebook_shown(value), what, array_to_string(allowed, ', ')));
	END IF;
	RETURN value #>> '{}';
END
$$;
COMMENT ON FUNCTION thidua._rulebook_word(jsonb, text, text, jsonb, text, boolean, text[], text) IS
	'a field of a rulebook document that must be one of the given words, else invalid_parameter_value';

-- A boolean.
CREATE FUNCTION thidua._rulebook_boolean(doc jsonb, award text, path text, holder jsonb, field text, required boolean)
	RETURNS boolean
	LANGUAGE plpgsql IMMUTABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	value jsonb := holder -> field;
BEGIN
	IF value IS NULL OR jsonb_typeof(value) = 'null' THEN
		IF required THEN
			PERFORM thidua._rulebook_error(doc, award, path, field, 'is required (true or false)');
		END IF;
		RETURN NULL;
	END IF;
	IF jsonb_typeof(value) <> 'boolean' THEN
		PERFORM thidua._rulebook_error(doc, award, path, field, format('must be true or false, not %s', thidua._rulebook_shown(value)));
	END IF;
	RETURN (value #>> '{}')::boolean;
END
$$;
COMMENT ON FUNCTION thidua._rulebook_boolean(jsonb, text, text, jsonb, text, boolean) IS
	'a true/false field of a rulebook document, else invalid_parameter_value';

-- A text of at most most characters; empty text is refused.
CREATE FUNCTION thidua._rulebook_text(doc jsonb, award text, path text, holder jsonb, field text,
									  required boolean, most integer)
	RETURNS text
	LANGUAGE plpgsql IMMUTABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	value jsonb := holder -> field;
BEGIN
	IF value IS NULL OR jsonb_typeof(value) = 'null' THEN
		IF required THEN
			PERFORM thidua._rulebook_error(doc, award, path, field, 'is required');
		END IF;
		RETURN NULL;
	END IF;
	IF jsonb_typeof(value) <> 'string' OR value #>> '{}' = '' THEN
		PERFORM thidua._rulebook_error(doc, award, path, field, format('must be a non-empty text, not %s', thidua._rulebook_shown(value)));
	END IF;
	IF char_length(value #>> '{}') > most THEN
		PERFORM thidua._rulebook_error(doc, award, path, field,
			format('%s characters, at most %s', char_length(value #>> '{}'), most));
	END IF;
	RETURN value #>> '{}';
END
$$;
COMMENT ON FUNCTION thidua._rulebook_text(jsonb, text, text, jsonb, text, boolean, integer) IS
	'a non-empty text field of a rulebook document of at most the given characters, else invalid_parameter_value';

-- A date written YYYY-MM-DD.
CREATE FUNCTION thidua._rulebook_date(doc jsonb, award text, path text, holder jsonb, field text, required boolean)
	RETURNS date
	LANGUAGE plpgsql IMMUTABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	value jsonb := holder -> field;
	result date;
BEGIN
	IF value IS NULL OR jsonb_typeof(value) = 'null' THEN
		IF required THEN
			PERFORM thidua._rulebook_error(doc, award, path, field, 'is required (a date, YYYY-MM-DD)');
		END IF;
		RETURN NULL;
	END IF;
	IF jsonb_typeof(value) <> 'string' OR value #>> '{}' !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' THEN
		PERFORM thidua._rulebook_error(doc, award, path, field, format('%s is not a date (YYYY-MM-DD)', thidua._rulebook_shown(value)));
	END IF;
	BEGIN
		result := to_date(value #>> '{}', 'YYYY-MM-DD');
	EXCEPTION WHEN datetime_field_overflow OR invalid_datetime_format THEN
		result := NULL;
	END;
	IF result IS NULL OR to_char(result, 'YYYY-MM-DD') <> value #>> '{}' THEN
		PERFORM thidua._rulebook_error(doc, award, path, field, format('%s is not a date of the calendar', value));
	END IF;
	RETURN result;
END
$$;
COMMENT ON FUNCTION thidua._rulebook_date(jsonb, text, text, jsonb, text, boolean) IS
	'a YYYY-MM-DD date field of a rulebook document, else invalid_parameter_value';

-- A legal source: document, article, clause, point, dates, verified, status, note.
-- Status is LAW.md's letter: V (the clause read: verified), V* (content read,
-- numbering inferred), S (a summary only), N (not found): unverified but V.
CREATE FUNCTION thidua._validate_rulebook_source(doc jsonb, award text, path text, holder jsonb)
	RETURNS void
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	source jsonb := holder -> 'source';
	place text := concat_ws('.', nullif(path, ''), 'source');
	status text;
	verified boolean;
	valid_from date;
	valid_to date;
	field text;
BEGIN
	IF source IS NULL OR jsonb_typeof(source) = 'null' THEN
		PERFORM thidua._rulebook_error(doc, award, path, 'source', 'is required: every rule names its legal source');
	END IF;
	IF jsonb_typeof(source) <> 'object' THEN
		PERFORM thidua._rulebook_error(doc, award, path, 'source', format('must be an object, not %s', source));
	END IF;
	PERFORM thidua._rulebook_keys(doc, award, place, source,
		ARRAY['document', 'article', 'clause', 'point', 'effective_from', 'effective_to', 'verified', 'status', 'note'],
		'a legal source');
	PERFORM thidua._rulebook_text(doc, award, place, source, 'document', true, 300);
	FOREACH field IN ARRAY ARRAY['article', 'clause', 'point'] LOOP
		PERFORM thidua._rulebook_text(doc, award, place, source, field, false, 100);
	END LOOP;
	PERFORM thidua._rulebook_text(doc, award, place, source, 'note', false, 1000);
	valid_from := thidua._rulebook_date(doc, award, place, source, 'effective_from', false);
	valid_to := thidua._rulebook_date(doc, award, place, source, 'effective_to', false);
	IF valid_to < valid_from THEN
		PERFORM thidua._rulebook_error(doc, award, place, 'effective_to',
			format('%s is before effective_from %s', to_char(valid_to, 'YYYY-MM-DD'), to_char(valid_from, 'YYYY-MM-DD')));
	END IF;
	verified := thidua._rulebook_boolean(doc, award, place, source, 'verified', true);
	status := thidua._rulebook_word(doc, award, place, source, 'status', true, ARRAY['V', 'V*', 'S', 'N'],
		'a verification status');
	IF verified AND status <> 'V' THEN
		PERFORM thidua._rulebook_error(doc, award, place, 'verified',
			format('is true but the status is %s: only a clause read with its number (V) is verified', status));
	END IF;
	IF NOT verified AND status = 'V' THEN
		PERFORM thidua._rulebook_error(doc, award, place, 'verified',
			'is false but the status is V (the clause read with its number): make it true, or give the status it has');
	END IF;
END
$$;
COMMENT ON FUNCTION thidua._validate_rulebook_source(jsonb, text, text, jsonb) IS
	'checks the legal source of a rule: document, verified and status (V, V*, S, N) required; verified exactly when the status is V';

-- An award code of the catalog; its subject.
CREATE FUNCTION thidua._rulebook_award(doc jsonb, award text, path text, holder jsonb, field text)
	RETURNS text
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	code text := thidua._rulebook_text(doc, award, path, holder, field, true, 64);
	found_subject text;
BEGIN
	SELECT a.subject INTO found_subject FROM thidua.award a WHERE a.award_code OPERATOR(pg_catalog.=) code;
	IF found_subject IS NULL THEN
		PERFORM thidua._rulebook_error(doc, award, path, field,
			format('"%s" is not an award of the catalog (thidua.award)', code));
	END IF;
	RETURN found_subject;
END
$$;
COMMENT ON FUNCTION thidua._rulebook_award(jsonb, text, text, jsonb, text) IS
	'an award code of the catalog named by a rulebook document; returns its subject (individual or collective)';

-- Refuses rules nested deeper than 32 levels (no rule of the law needs more),
-- naming the node, before the validation's recursion would exhaust the stack.
CREATE FUNCTION thidua._rulebook_depth(doc jsonb, award text, path text, node jsonb, depth integer)
	RETURNS void
	LANGUAGE plpgsql IMMUTABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	combinator text := CASE WHEN node ? 'all_of' THEN 'all_of' WHEN node ? 'any_of' THEN 'any_of' END;
	child jsonb;
	n bigint;
BEGIN
	IF combinator IS NULL OR jsonb_typeof(node -> combinator) IS DISTINCT FROM 'array' THEN
		RETURN;
	END IF;
	IF depth >= 32 THEN
		PERFORM thidua._rulebook_error(doc, award, path, combinator, 'rules nest more than 32 levels deep');
	END IF;
	FOR child, n IN SELECT value, ordinality FROM jsonb_array_elements(node -> combinator) WITH ORDINALITY LOOP
		CONTINUE WHEN jsonb_typeof(child) IS DISTINCT FROM 'object';
		PERFORM thidua._rulebook_depth(doc, award, format('%s.%s[%s]', path, combinator, n - 1), child, depth + 1);
	END LOOP;
END
$$;
COMMENT ON FUNCTION thidua._rulebook_depth(jsonb, text, text, jsonb, integer) IS
	'refuses (invalid_parameter_value) a rule of a rulebook document nested more than 32 levels deep, naming the award and the node path';

-- A rule node: {"all_of": [...]} or {"any_of": [...]} (optional "label"), or a
-- leaf {"kind": ..., parameters, "source", "label"}. subject is the judged
-- award's: individual or collective.
CREATE FUNCTION thidua._validate_rulebook_node(doc jsonb, award text, subject text, path text, node jsonb)
	RETURNS void
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	ratings constant text[] := enum_range(NULL::thidua.completion_rating)::text[];
	scopes constant text[] := enum_range(NULL::thidua.initiative_scope)::text[];
	severities constant text[] := enum_range(NULL::thidua.discipline_severity)::text[];
	collective_kinds constant text[] := ARRAY['members_with_award', 'members_rated', 'members_without_discipline'];
	individual_kinds constant text[] := ARRAY['initiatives', 'service_years', 'no_discipline'];
	parameters constant jsonb := '{
		"rating_this_year": ["rating"], "rating_streak": ["years", "rating"],
		"award_held": ["award", "within_years", "count"], "award_streak": ["award", "times", "every_years"],
		"initiatives": ["count", "scope", "window_years"], "service_years": ["posts", "in_sector", "men", "women"],
		"no_discipline": ["window_years", "severity", "proceedings"], "once_only": [],
		"members_with_award": ["award", "share", "count", "comparison"], "members_rated": ["rating", "share"],
		"members_without_discipline": ["severity"]}';
	combinator text;
	kind text;
	child jsonb;
	n bigint;
	named_subject text;
	post jsonb;
	within integer;
	how_many integer;
BEGIN
	IF jsonb_typeof(node) IS DISTINCT FROM 'object' THEN
		PERFORM thidua._rulebook_error(doc, award, path, '(node)',
			format('a rule is an object (all_of, any_of, or a rule kind), not %s', coalesce(node::text, 'nothing')));
	END IF;
	IF node ? 'all_of' OR node ? 'any_of' THEN
		IF node ? 'all_of' AND node ? 'any_of' THEN
			PERFORM thidua._rulebook_error(doc, award, path, 'any_of', 'a node has all_of or any_of, not both');
		END IF;
		combinator := CASE WHEN node ? 'all_of' THEN 'all_of' ELSE 'any_of' END;
		PERFORM thidua._rulebook_keys(doc, award, path, node, ARRAY[combinator, 'label'], 'an ' || combinator || ' node');
		PERFORM thidua._rulebook_text(doc, award, path, node, 'label', false, 300);
		IF jsonb_typeof(node -> combinator) IS DISTINCT FROM 'array' OR jsonb_array_length(node -> combinator) = 0 THEN
			PERFORM thidua._rulebook_error(doc, award, path, combinator,
				format('must be a non-empty array of rules, not %s', node -> combinator));
		END IF;
		FOR child, n IN SELECT value, ordinality FROM jsonb_array_elements(node -> combinator) WITH ORDINALITY LOOP
			PERFORM thidua._validate_rulebook_node(doc, award, subject,
				format('%s.%s[%s]', path, combinator, n - 1), child);
		END LOOP;
		RETURN;
	END IF;

	IF NOT node ? 'kind' THEN
		PERFORM thidua._rulebook_error(doc, award, path, 'kind', 'is required (or all_of, any_of)');
	END IF;
	kind := thidua._rulebook_word(doc, award, path, node, 'kind', true,
		ARRAY(SELECT jsonb_object_keys(parameters) ORDER BY 1), 'a rule kind');
	PERFORM thidua._rulebook_keys(doc, award, path, node,
		ARRAY['kind', 'source', 'label'] || ARRAY(SELECT jsonb_array_elements_text(parameters -> kind)),
		'a ' || kind || ' rule');
	PERFORM thidua._rulebook_text(doc, award, path, node, 'label', false, 300);
	IF subject = 'individual' AND kind = ANY (collective_kinds) THEN
		PERFORM thidua._rulebook_error(doc, award, path, 'kind',
			format('%s judges a collective''s members, and "%s" is awarded to individuals', kind, award));
	END IF;
	IF subject = 'collective' AND kind = ANY (individual_kinds) THEN
		PERFORM thidua._rulebook_error(doc, award, path, 'kind',
			format('%s judges a person, and "%s" is awarded to collectives', kind, award));
	END IF;
	PERFORM thidua._validate_rulebook_source(doc, award, path, node);

	CASE kind
	WHEN 'rating_this_year' THEN
		PERFORM thidua._rulebook_word(doc, award, path, node, 'rating', true, ratings, 'a rating');
	WHEN 'rating_streak' THEN
		PERFORM thidua._rulebook_integer(doc, award, path, node, 'years', true, 1);
		PERFORM thidua._rulebook_word(doc, award, path, node, 'rating', true, ratings, 'a rating');
	WHEN 'award_held', 'award_streak' THEN
		named_subject := thidua._rulebook_award(doc, award, path, node, 'award');
		IF named_subject <> subject THEN
			PERFORM thidua._rulebook_error(doc, award, path, 'award',
				format('"%s" is awarded to %ss and "%s" to %ss: a subject holds only awards of its own kind',
					node ->> 'award', named_subject, award, subject));
		END IF;
		IF kind = 'award_held' THEN
			within := thidua._rulebook_integer(doc, award, path, node, 'within_years', false, 1, true);
			how_many := thidua._rulebook_integer(doc, award, path, node, 'count', false, 1);
			IF how_many > within THEN
				PERFORM thidua._rulebook_error(doc, award, path, 'count',
					format('%s years of %s cannot be held within %s year%s (within_years): count is at most within_years',
						how_many, node ->> 'award', within, CASE WHEN within = 1 THEN '' ELSE 's' END));
			END IF;
		ELSE
			PERFORM thidua._rulebook_integer(doc, award, path, node, 'times', true, 1);
			PERFORM thidua._rulebook_integer(doc, award, path, node, 'every_years', false, 1);
		END IF;
	WHEN 'initiatives' THEN
		PERFORM thidua._rulebook_integer(doc, award, path, node, 'count', true, 1);
		PERFORM thidua._rulebook_word(doc, award, path, node, 'scope', true, scopes, 'an initiative scope');
		PERFORM thidua._rulebook_integer(doc, award, path, node, 'window_years', false, 1, true);
	WHEN 'service_years' THEN
		IF node ? 'posts' = node ? 'in_sector' THEN
			PERFORM thidua._rulebook_error(doc, award, path, 'posts',
				'give either posts (a list of post names) or "in_sector": true');
		END IF;
		IF node ? 'posts' THEN
			IF jsonb_typeof(node -> 'posts') <> 'array' OR jsonb_array_length(node -> 'posts') = 0 THEN
				PERFORM thidua._rulebook_error(doc, award, path, 'posts',
					format('must be a non-empty array of post names, not %s', node -> 'posts'));
			END IF;
			FOR post IN SELECT value FROM jsonb_array_elements(node -> 'posts') LOOP
				IF jsonb_typeof(post) <> 'string' OR post #>> '{}' = '' OR char_length(post #>> '{}') > 300 THEN
					PERFORM thidua._rulebook_error(doc, award, path, 'posts',
						format('%s is not a post name (a non-empty text of at most 300 characters)', post));
				END IF;
			END LOOP;
		ELSIF node -> 'in_sector' <> 'true' THEN
			PERFORM thidua._rulebook_error(doc, award, path, 'in_sector',
				format('must be true (or give posts), not %s', node -> 'in_sector'));
		END IF;
		PERFORM thidua._rulebook_integer(doc, award, path, node, 'men', true, 0);
		PERFORM thidua._rulebook_integer(doc, award, path, node, 'women', true, 0);
	WHEN 'no_discipline' THEN
		PERFORM thidua._rulebook_integer(doc, award, path, node, 'window_years', true, 1);
		PERFORM thidua._rulebook_word(doc, award, path, node, 'severity', false, severities, 'a disciplinary severity');
		PERFORM thidua._rulebook_boolean(doc, award, path, node, 'proceedings', false);
	WHEN 'once_only' THEN
		NULL;
	WHEN 'members_with_award' THEN
		named_subject := thidua._rulebook_award(doc, award, path, node, 'award');
		IF named_subject <> 'individual' THEN
			PERFORM thidua._rulebook_error(doc, award, path, 'award',
				format('"%s" is awarded to collectives: members hold awards to individuals', node ->> 'award'));
		END IF;
		IF node ? 'share' = node ? 'count' THEN
			PERFORM thidua._rulebook_error(doc, award, path, 'share', 'give either share or count');
		END IF;
		IF node ? 'share' THEN
			PERFORM thidua._rulebook_share(doc, award, path, node, 'share');
		ELSE
			PERFORM thidua._rulebook_integer(doc, award, path, node, 'count', true, 1);
		END IF;
		PERFORM thidua._rulebook_word(doc, award, path, node, 'comparison', true,
			ARRAY['more_than', 'at_least'], 'a comparison');
	WHEN 'members_rated' THEN
		PERFORM thidua._rulebook_word(doc, award, path, node, 'rating', true, ratings, 'a rating');
		PERFORM thidua._rulebook_share(doc, award, path, node, 'share');
	WHEN 'members_without_discipline' THEN
		PERFORM thidua._rulebook_word(doc, award, path, node, 'severity', true, severities, 'a disciplinary severity');
	END CASE;
END
$$;
COMMENT ON FUNCTION thidua._validate_rulebook_node(jsonb, text, text, text, jsonb) IS
	'checks a rule node (all_of, any_of, or a rule kind with its parameters and source) and its children, for an award of the given subject';

-- The leaf kinds of a rule (all_of/any_of walked), for the override's check.
CREATE FUNCTION thidua._rulebook_leaf_kinds(node jsonb) RETURNS SETOF text
	LANGUAGE sql IMMUTABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
	WITH RECURSIVE walk(n) AS (
		SELECT node
		UNION ALL
		SELECT c FROM walk, jsonb_array_elements(coalesce(walk.n -> 'all_of', walk.n -> 'any_of')) AS c
		WHERE jsonb_typeof(coalesce(walk.n -> 'all_of', walk.n -> 'any_of')) OPERATOR(pg_catalog.=) 'array')
	SELECT DISTINCT n ->> 'kind' FROM walk WHERE n ? 'kind'
$$;
COMMENT ON FUNCTION thidua._rulebook_leaf_kinds(jsonb) IS
	'the distinct kinds of the leaves of a rule node (all_of and any_of walked)';

-- An entry's nomination settings: {"dossier": [{"item", "title", "source"}],
-- "override": {"kinds": [...], "source"}}; each part optional. The dossier
-- items are the documents a nomination must hold; the override names the
-- leaf kinds of the award's rule whose failure a stated reason may overrule.
CREATE FUNCTION thidua._validate_rulebook_nomination(doc jsonb, award text, entry jsonb)
	RETURNS void
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	part jsonb := entry -> 'nomination';
	item jsonb;
	kind jsonb;
	n bigint;
	place text;
	key text;
	seen text[] := '{}';
	rule_kinds text[];
BEGIN
	IF part IS NULL OR jsonb_typeof(part) = 'null' THEN
		RETURN;
	END IF;
	IF jsonb_typeof(part) <> 'object' THEN
		PERFORM thidua._rulebook_error(doc, award, NULL, 'nomination',
			format('must be an object or null, not %s', thidua._rulebook_shown(part)));
	END IF;
	PERFORM thidua._rulebook_keys(doc, award, 'nomination', part, ARRAY['dossier', 'override'],
		'the nomination settings');

	IF part ? 'dossier' AND jsonb_typeof(part -> 'dossier') <> 'null' THEN
		IF jsonb_typeof(part -> 'dossier') <> 'array' OR jsonb_array_length(part -> 'dossier') = 0 THEN
			PERFORM thidua._rulebook_error(doc, award, 'nomination', 'dossier',
				format('must be a non-empty array of dossier items, not %s', thidua._rulebook_shown(part -> 'dossier')));
		END IF;
		FOR item, n IN SELECT value, ordinality FROM jsonb_array_elements(part -> 'dossier') WITH ORDINALITY LOOP
			place := format('nomination.dossier[%s]', n - 1);
			IF jsonb_typeof(item) <> 'object' THEN
				PERFORM thidua._rulebook_error(doc, award, place, '(item)',
					format('a dossier item is an object {"item", "title", "source"}, not %s', thidua._rulebook_shown(item)));
			END IF;
			PERFORM thidua._rulebook_keys(doc, award, place, item, ARRAY['item', 'title', 'source'], 'a dossier item');
			key := thidua._rulebook_text(doc, award, place, item, 'item', true, 63);
			IF key !~ '^[a-z][a-z0-9_]*$' THEN
				PERFORM thidua._rulebook_error(doc, award, place, 'item',
					format('"%s" is not a snake_case key (lower-case letters, digits and "_", starting with a letter)', key));
			END IF;
			IF key = ANY (seen) THEN
				PERFORM thidua._rulebook_error(doc, award, place, 'item', format('"%s" is listed twice', key));
			END IF;
			seen := seen || key;
			PERFORM thidua._rulebook_text(doc, award, place, item, 'title', true, 300);
			PERFORM thidua._validate_rulebook_source(doc, award, place, item);
		END LOOP;
	END IF;

	IF part ? 'override' AND jsonb_typeof(part -> 'override') <> 'null' THEN
		place := 'nomination.override';
		IF jsonb_typeof(part -> 'override') <> 'object' THEN
			PERFORM thidua._rulebook_error(doc, award, 'nomination', 'override',
				format('must be an object {"kinds", "source"} or null, not %s', thidua._rulebook_shown(part -> 'override')));
		END IF;
		PERFORM thidua._rulebook_keys(doc, award, place, part -> 'override', ARRAY['kinds', 'source'], 'an override');
		IF jsonb_typeof(part #> '{override,kinds}') IS DISTINCT FROM 'array'
		   OR jsonb_array_length(part #> '{override,kinds}') = 0 THEN
			PERFORM thidua._rulebook_error(doc, award, place, 'kinds',
				format('must be a non-empty array of the rule''s leaf kinds, not %s',
					coalesce(thidua._rulebook_shown(part #> '{override,kinds}'), 'missing')));
		END IF;
		rule_kinds := ARRAY(SELECT k FROM thidua._rulebook_leaf_kinds(entry -> 'rule') k ORDER BY k);
		seen := '{}';
		FOR kind, n IN SELECT value, ordinality FROM jsonb_array_elements(part #> '{override,kinds}') WITH ORDINALITY LOOP
			IF jsonb_typeof(kind) <> 'string' OR NOT (kind #>> '{}') = ANY (rule_kinds) THEN
				PERFORM thidua._rulebook_error(doc, award, place, format('kinds[%s]', n - 1),
					format('%s is not a kind of a leaf of the award''s rule (%s)', thidua._rulebook_shown(kind),
						array_to_string(rule_kinds, ', ')));
			END IF;
			IF (kind #>> '{}') = ANY (seen) THEN
				PERFORM thidua._rulebook_error(doc, award, place, format('kinds[%s]', n - 1),
					format('"%s" is listed twice', kind #>> '{}'));
			END IF;
			seen := seen || (kind #>> '{}');
		END LOOP;
		PERFORM thidua._validate_rulebook_source(doc, award, place, part -> 'override');
	END IF;
END
$$;
COMMENT ON FUNCTION thidua._validate_rulebook_nomination(jsonb, text, jsonb) IS
	'checks an award entry''s nomination settings: dossier items (snake_case item, title, source; each once) and the override (leaf kinds of the award''s rule, each once, with a source); raises invalid_parameter_value naming the award, the path (nomination.dossier[1]) and the field';

-- Checks a rulebook document (the format in the README); raises the first
-- error found. Run at import and again at publish on the exported document.
CREATE FUNCTION thidua._validate_rulebook(doc jsonb) RETURNS void
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	code_pattern constant text := '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$';
	general_rules constant text[] := ARRAY['thematic_and_ad_hoc_awards_count', 'revoked_awards_count',
		'initiative_counts_once', 'achievements_after_discipline'];
	valid_from date;
	valid_to date;
	rule_name text;
	general_rule jsonb;
	entry jsonb;
	n bigint;
	award text;
	subject text;
	seen text[] := '{}';
	part jsonb;
	ballot boolean;
BEGIN
	IF jsonb_typeof(doc) IS DISTINCT FROM 'object' THEN
		PERFORM thidua._rulebook_error('{}', NULL, NULL, '(document)', 'must be a JSON object');
	END IF;
	PERFORM thidua._rulebook_keys(doc, NULL, NULL, doc, ARRAY['format', 'rulebook', 'edition', 'title',
		'effective_from', 'effective_to', 'general', 'awards', '_source'], 'a rulebook document');
	IF doc -> 'format' IS DISTINCT FROM '1' THEN
		PERFORM thidua._rulebook_error(doc, NULL, NULL, 'format',
			format('must be 1 (the rulebook format this version reads), not %s', coalesce((doc -> 'format')::text, 'missing')));
	END IF;
	IF jsonb_typeof(doc -> 'rulebook') IS DISTINCT FROM 'object' THEN
		PERFORM thidua._rulebook_error(doc, NULL, NULL, 'rulebook', 'is required: {"code": ..., "name": ...}');
	END IF;
	PERFORM thidua._rulebook_keys(doc, NULL, 'rulebook', doc -> 'rulebook', ARRAY['code', 'name'], 'a rulebook');
	IF jsonb_typeof(doc #> '{rulebook,code}') IS DISTINCT FROM 'string' OR doc #>> '{rulebook,code}' !~ code_pattern THEN
		PERFORM thidua._rulebook_error(doc, NULL, 'rulebook', 'code',
			'must be 1 to 63 letters, digits, ".", "_" or "-", starting with a letter or digit');
	END IF;
	PERFORM thidua._rulebook_text(doc, NULL, 'rulebook', doc -> 'rulebook', 'name', true, 300);
	IF jsonb_typeof(doc -> 'edition') IS DISTINCT FROM 'string' OR doc ->> 'edition' !~ code_pattern THEN
		PERFORM thidua._rulebook_error(doc, NULL, NULL, 'edition',
			'must be 1 to 63 letters, digits, ".", "_" or "-", starting with a letter or digit');
	END IF;
	PERFORM thidua._rulebook_text(doc, NULL, NULL, doc, 'title', true, 1000);
	valid_from := thidua._rulebook_date(doc, NULL, NULL, doc, 'effective_from', true);
	valid_to := thidua._rulebook_date(doc, NULL, NULL, doc, 'effective_to', false);
	IF valid_to < valid_from THEN
		PERFORM thidua._rulebook_error(doc, NULL, NULL, 'effective_to',
			format('%s is before effective_from %s', to_char(valid_to, 'YYYY-MM-DD'), to_char(valid_from, 'YYYY-MM-DD')));
	END IF;

	-- the general rules: all four, each a value with its source
	IF jsonb_typeof(doc -> 'general') IS DISTINCT FROM 'object' THEN
		PERFORM thidua._rulebook_error(doc, NULL, NULL, 'general',
			format('is required: an object with %s', array_to_string(general_rules, ', ')));
	END IF;
	PERFORM thidua._rulebook_keys(doc, NULL, 'general', doc -> 'general', general_rules, 'the general rules');
	FOREACH rule_name IN ARRAY general_rules LOOP
		general_rule := doc -> 'general' -> rule_name;
		IF jsonb_typeof(general_rule) IS DISTINCT FROM 'object' THEN
			PERFORM thidua._rulebook_error(doc, NULL, 'general', rule_name,
				'is required: {"value": true or false, "source": {...}}');
		END IF;
		PERFORM thidua._rulebook_keys(doc, NULL, 'general.' || rule_name, general_rule, ARRAY['value', 'source', 'note'],
			'a general rule');
		PERFORM thidua._rulebook_boolean(doc, NULL, 'general.' || rule_name, general_rule, 'value', true);
		PERFORM thidua._rulebook_text(doc, NULL, 'general.' || rule_name, general_rule, 'note', false, 1000);
		PERFORM thidua._validate_rulebook_source(doc, NULL, 'general.' || rule_name, general_rule);
	END LOOP;

	-- the awards
	IF jsonb_typeof(doc -> 'awards') IS DISTINCT FROM 'array' OR jsonb_array_length(doc -> 'awards') = 0 THEN
		PERFORM thidua._rulebook_error(doc, NULL, NULL, 'awards', 'must be a non-empty array of award entries');
	END IF;
	FOR entry, n IN SELECT value, ordinality FROM jsonb_array_elements(doc -> 'awards') WITH ORDINALITY LOOP
		IF jsonb_typeof(entry) <> 'object' THEN
			PERFORM thidua._rulebook_error(doc, NULL, format('awards[%s]', n - 1), '(entry)',
				format('an award entry is an object, not %s', entry));
		END IF;
		award := thidua._rulebook_text(doc, NULL, format('awards[%s]', n - 1), entry, 'award', true, 64);
		subject := thidua._rulebook_award(doc, NULL, format('awards[%s]', n - 1), entry, 'award');
		IF award = ANY (seen) THEN
			PERFORM thidua._rulebook_error(doc, award, NULL, 'award', 'has more than one entry in the version');
		END IF;
		seen := seen || award;
		PERFORM thidua._rulebook_keys(doc, award, NULL, entry,
			ARRAY['award', 'rule', 'quota', 'council', 'disclosure', 'nomination', 'note'], 'an award entry');
		PERFORM thidua._rulebook_text(doc, award, NULL, entry, 'note', false, 1000);
		IF NOT entry ? 'rule' THEN
			PERFORM thidua._rulebook_error(doc, award, NULL, 'rule', 'is required');
		END IF;
		PERFORM thidua._rulebook_depth(doc, award, 'rule', entry -> 'rule', 1);
		PERFORM thidua._validate_rulebook_node(doc, award, subject, 'rule', entry -> 'rule');

		-- quota: a share of a base award's holders, or a fixed count
		part := entry -> 'quota';
		IF part IS NOT NULL AND jsonb_typeof(part) <> 'null' THEN
			IF jsonb_typeof(part) <> 'object' THEN
				PERFORM thidua._rulebook_error(doc, award, NULL, 'quota', format('must be an object or null, not %s', part));
			END IF;
			IF part ? 'count' THEN
				PERFORM thidua._rulebook_keys(doc, award, 'quota', part, ARRAY['count', 'per', 'source'], 'a fixed quota');
				PERFORM thidua._rulebook_integer(doc, award, 'quota', part, 'count', true, 0);
				PERFORM thidua._rulebook_word(doc, award, 'quota', part, 'per', true, ARRAY['unit', 'bloc'], 'what a quota counts per');
			ELSE
				PERFORM thidua._rulebook_keys(doc, award, 'quota', part,
					ARRAY['base_award', 'share', 'rounding', 'minimum', 'per', 'source'], 'a quota (or count, per, source)');
				IF thidua._rulebook_award(doc, award, 'quota', part, 'base_award') <> subject THEN
					PERFORM thidua._rulebook_error(doc, award, 'quota', 'base_award',
						format('"%s" is not awarded to the same subjects as "%s"', part ->> 'base_award', award));
				END IF;
				PERFORM thidua._rulebook_share(doc, award, 'quota', part, 'share');
				PERFORM thidua._rulebook_word(doc, award, 'quota', part, 'rounding', true,
					ARRAY['down', 'half_up', 'up'], 'a rounding');
				PERFORM thidua._rulebook_integer(doc, award, 'quota', part, 'minimum', false, 0);
				PERFORM thidua._rulebook_word(doc, award, 'quota', part, 'per', false, ARRAY['unit'], 'what a share quota counts per');
			END IF;
			PERFORM thidua._validate_rulebook_source(doc, award, 'quota', part);
		END IF;

		-- council: whether it votes, on what share of which members
		part := entry -> 'council';
		IF part IS NOT NULL AND jsonb_typeof(part) <> 'null' THEN
			IF jsonb_typeof(part) <> 'object' THEN
				PERFORM thidua._rulebook_error(doc, award, NULL, 'council', format('must be an object or null, not %s', part));
			END IF;
			PERFORM thidua._rulebook_keys(doc, award, 'council', part,
				ARRAY['ballot', 'threshold', 'comparison', 'secret', 'base', 'recuse_proposing_unit', 'source'],
				'the council settings');
			ballot := thidua._rulebook_boolean(doc, award, 'council', part, 'ballot', true);
			IF ballot OR part ? 'threshold' THEN
				PERFORM thidua._rulebook_share(doc, award, 'council', part, 'threshold');
			END IF;
			PERFORM thidua._rulebook_word(doc, award, 'council', part, 'comparison', ballot,
				ARRAY['at_least', 'more_than'], 'a comparison');
			PERFORM thidua._rulebook_boolean(doc, award, 'council', part, 'secret', false);
			PERFORM thidua._rulebook_boolean(doc, award, 'council', part, 'recuse_proposing_unit', false);
			PERFORM thidua._rulebook_word(doc, award, 'council', part, 'base', ballot,
				ARRAY['all_members', 'all_members_less_recused'], 'a base of the vote');
			PERFORM thidua._validate_rulebook_source(doc, award, 'council', part);
		END IF;

		-- public disclosure of the nominees before the council meets
		part := entry -> 'disclosure';
		IF part IS NOT NULL AND jsonb_typeof(part) <> 'null' THEN
			IF jsonb_typeof(part) <> 'object' THEN
				PERFORM thidua._rulebook_error(doc, award, NULL, 'disclosure', format('must be an object or null, not %s', part));
			END IF;
			PERFORM thidua._rulebook_keys(doc, award, 'disclosure', part, ARRAY['working_days', 'source'], 'a disclosure');
			PERFORM thidua._rulebook_integer(doc, award, 'disclosure', part, 'working_days', true, 1);
			PERFORM thidua._validate_rulebook_source(doc, award, 'disclosure', part);
		END IF;

		PERFORM thidua._validate_rulebook_nomination(doc, award, entry);
	END LOOP;
END
$$;
COMMENT ON FUNCTION thidua._validate_rulebook(jsonb) IS
	'checks a rulebook document (format 1) and raises the first error, naming the version, award, node path and field; run at import and at publish';

-- The stored version as a rulebook document (what import takes back).
CREATE FUNCTION thidua.export_rulebook(version text) RETURNS jsonb
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	doc jsonb;
BEGIN
	IF version IS NULL THEN
		RAISE EXCEPTION 'rulebook version is required' USING ERRCODE = 'null_value_not_allowed';
	END IF;
	SELECT jsonb_build_object(
		'format', 1,
		'rulebook', jsonb_build_object('code', r.rulebook_code, 'name', r.name),
		'edition', v.edition,
		'title', v.title,
		'effective_from', to_char(v.effective_from, 'YYYY-MM-DD'),
		'effective_to', to_char(v.effective_to, 'YYYY-MM-DD'),
		'general', v.general,
		'awards', coalesce((SELECT jsonb_agg(jsonb_build_object(
						'award', e.award_code, 'rule', e.rule, 'quota', e.quota, 'council', e.council,
						'disclosure', e.disclosure, 'nomination', e.nomination, 'note', e.note) ORDER BY e.position)
					FROM thidua.rulebook_entry e WHERE e.version_code OPERATOR(pg_catalog.=) v.version_code), '[]'))
	INTO doc
	FROM thidua.rulebook_version v JOIN thidua.rulebook r USING (rulebook_code)
	WHERE v.version_code OPERATOR(pg_catalog.=) version;
	IF doc IS NULL THEN
		RAISE EXCEPTION 'rulebook version "%" does not exist', version
			USING ERRCODE = 'no_data_found', HINT = 'thidua rulebook list shows the versions.';
	END IF;
	RETURN doc;
END
$$;
COMMENT ON FUNCTION thidua.export_rulebook(text) IS
	'export_rulebook(version text) -> jsonb: a rulebook version (code RULEBOOK/EDITION) as a rulebook document (format 1, see the README), which import_rulebook takes back unchanged. no_data_found when the version does not exist or is a draft the caller may not see; null_value_not_allowed for a NULL version';

-- A rulebook file's bytes as a document: invalid UTF-8 and JSON syntax errors
-- named by file and line; the file's name kept ("_source") for validation errors.
CREATE FUNCTION thidua._rulebook_file(data bytea, source text) RETURNS jsonb
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	doc jsonb;
	message text;
	detail text;
	context text;
BEGIN
	BEGIN
		doc := thidua._decode_utf8(data, source)::jsonb;
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
	RETURN doc;
END
$$;
COMMENT ON FUNCTION thidua._rulebook_file(bytea, text) IS
	'the bytes of a rulebook file as a document: invalid UTF-8 and JSON syntax errors named by file and line; the file name kept as "_source" for validation errors';

-- Stores a rulebook document as a new draft version; returns its code. With
-- the owner's rights: on Citus no role holds a direct write on the rulebook
-- tables (EXECUTE: administrators, 90_roles.sql).
CREATE FUNCTION thidua.import_rulebook(document jsonb, replace boolean DEFAULT false) RETURNS text
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
COMMENT ON FUNCTION thidua.import_rulebook(jsonb, boolean) IS
	'import_rulebook(document jsonb, replace boolean DEFAULT false) -> text: validates a rulebook document (format 1, see the README) and stores it as a new draft version, all or nothing; returns its code RULEBOOK/EDITION. replace: a draft of the same code is replaced. Errors (invalid_parameter_value) name the version, the award, the node path and the field, e.g. award "CSTDCS", rule.all_of[1].any_of[0], field "rating"; an existing version is unique_violation. A key "_source" names the file in errors';
