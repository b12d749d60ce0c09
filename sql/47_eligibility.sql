-- thidua SQL source: eligibility.
-- Holds _rulebook_for (the version that judges a year), _general_rule,
-- _legal_source_text, _rule_nodes (a rule tree, flattened), _months_in,
-- _eligibility_query (the compiler), eligibility() and eligible().
--
-- A rule tree is compiled into ONE query per call: each record table the rule
-- needs is read once, grouped by subject, with FILTER aggregates (one per
-- leaf) and thidua.streak for rating streaks; the boolean tree is then a plain
-- expression over those columns. No function runs per person, so the query
-- is as parallel as a GROUP BY. eligibility() runs the same query for one
-- subject with the evidence of every node in words, so that the reasons given
-- for one person and the list of everyone eligible can never disagree.
--
-- The functions pin search_path to pg_catalog, pg_temp: the generated SQL then
-- resolves every operator and function in pg_catalog (or thidua, qualified),
-- whatever the caller's path holds. They run with the caller's rights, so
-- row-level security decides whose records are read.

-- The rulebook version that judges an award on a date: the one asked for
-- (draft, published or retired, whatever its dates, if it has an entry for the
-- award: what-if and tests name drafts), else thidua.rulebook_in_force's
-- answer, so that eligibility and the rulebook listings never disagree on the
-- version in force (published, dates containing the date, an entry for the
-- award; an error asking for one when several rulebooks qualify). When none
-- is in force: an error, or NULL when must is false.
CREATE FUNCTION thidua._rulebook_for(award text, on_date date, rulebook_version text DEFAULT NULL,
									 must boolean DEFAULT true) RETURNS text
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	in_force text;
BEGIN
	IF rulebook_version IS NOT NULL THEN
		IF NOT EXISTS (SELECT 1 FROM thidua.rulebook_version v
					   WHERE v.version_code OPERATOR(pg_catalog.=) rulebook_version) THEN
			RAISE EXCEPTION 'rulebook version "%" does not exist', rulebook_version
				USING ERRCODE = 'no_data_found', HINT = 'See thidua rulebook list.';
		END IF;
		IF NOT EXISTS (SELECT 1 FROM thidua.rulebook_entry e
					   WHERE e.version_code OPERATOR(pg_catalog.=) rulebook_version
						 AND e.award_code OPERATOR(pg_catalog.=) award) THEN
			RAISE EXCEPTION 'rulebook version "%" has no entry for award "%"', rulebook_version, award
				USING ERRCODE = 'no_data_found';
		END IF;
		RETURN rulebook_version;
	END IF;
	-- raises for an unknown award and when several rulebooks qualify
	in_force := thidua.rulebook_in_force(award, on_date);
	IF in_force IS NULL AND must THEN
		RAISE EXCEPTION 'no published rulebook in force on % has an entry for award "%"', to_char(on_date, 'YYYY-MM-DD'), award
			USING ERRCODE = 'no_data_found',
				  DETAIL = 'A year is judged by the published version whose effective dates contain its judging date.',
				  HINT = 'Publish a rulebook version for that date, or name a version (rulebook_version).';
	END IF;
	RETURN in_force;
END
$$;
COMMENT ON FUNCTION thidua._rulebook_for(text, date, text, boolean) IS
	'the rulebook version judging an award on a date: the one named (any status or dates, with an entry for the award), else thidua.rulebook_in_force''s (ambiguous_parameter when several rulebooks qualify); no_data_found when none is in force (NULL instead when must is false), for an unknown award or version, or a version without the award';

-- A general rule of a version (revoked_awards_count, ...): its value, or the
-- law's default when the version does not state it.
CREATE FUNCTION thidua._general_rule(general jsonb, name text) RETURNS boolean
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT coalesce((general -> name ->> 'value')::boolean,
		CASE name WHEN 'thematic_and_ad_hoc_awards_count' THEN false WHEN 'revoked_awards_count' THEN false
			WHEN 'initiative_counts_once' THEN true WHEN 'achievements_after_discipline' THEN true END)
$$;

-- A legal source in words: "Law 06/2022/QH15, art. 23, cl. 1 (V)".
CREATE FUNCTION thidua._legal_source_text(source jsonb) RETURNS text
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT CASE WHEN source IS NULL OR jsonb_typeof(source) <> 'object' THEN NULL
		ELSE concat_ws(', ', source ->> 'document', 'art. ' || (source ->> 'article'), 'cl. ' || (source ->> 'clause'),
			'pt. ' || (source ->> 'point')) || coalesce(' (' || (source ->> 'status') || ')', '') END
$$;

-- Full calendar months in a set of date ranges (overlaps counted once): per
-- merged range, the years and months of age(), the days left over dropped, so
-- that leap days never make a year.
CREATE FUNCTION thidua._months_in(periods datemultirange) RETURNS integer
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT coalesce(sum(extract(year FROM age(upper(r), lower(r))) * 12 + extract(month FROM age(upper(r), lower(r)))), 0)::integer
	FROM unnest(periods) r
$$;

-- A rule tree, flattened depth first: node ('rule', 'rule.all_of[1].any_of[0]'),
-- parent, position in depth-first order, depth, and the node's JSON.
CREATE FUNCTION thidua._rule_nodes(rule jsonb) RETURNS TABLE (node text, parent text, ordinal integer, depth integer, body jsonb)
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
	WITH RECURSIVE tree(node, parent, sort_key, body) AS (
		SELECT 'rule'::text, NULL::text, ARRAY[0]::integer[], rule
		UNION ALL
		SELECT t.node || '.' || g.key || '[' || (c.n - 1) || ']', t.node, t.sort_key || c.n::integer, c.child
		FROM tree t
		CROSS JOIN LATERAL (SELECT k AS key FROM unnest(ARRAY['all_of', 'any_of']) k WHERE t.body ? k) g
		CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(t.body -> g.key) = 'array'
			THEN t.body -> g.key ELSE '[]' END) WITH ORDINALITY c(child, n))
	SELECT node, parent, (row_number() OVER (ORDER BY sort_key))::integer, cardinality(sort_key) - 1, body
	FROM tree ORDER BY sort_key
$$;

-- "one more year", "2 more years"
CREATE FUNCTION thidua._how_many(n text, one text, many text) RETURNS text
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$ SELECT CASE WHEN n = '1' THEN 'one ' || one ELSE n || ' ' || many END $$;

/*
 * The compiler. Returns the text of one query whose rows are
 *   (subject_code text, subject_name text, unit_code text, passed boolean,
 *    reasons jsonb, missing integer, lacks text[])
 * for the subjects of a unit and its sub-units (unit), one subject (subject),
 * or everyone (both NULL): people who are members on the judging date for an
 * individual award, units for a collective one. mode:
 *   eligible  the eligible subjects only; reasons, missing, lacks NULL
 *   why       the eligible subjects, with reasons: one object per node
 *   all       every subject, with reasons (eligibility(), what-if)
 *   forecast  every subject, with missing and lacks; the year is the one
 *             forecast, judged with the ratings and yearly awards of the year
 *             before repeated in it
 */
CREATE FUNCTION thidua._eligibility_query(award text, year integer, judged_on date, version text,
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
COMMENT ON FUNCTION thidua._eligibility_query(text, integer, date, text, text, text, text) IS
	'compiles an award''s rule in a rulebook version into one query (text) over the record tables; see eligible()';

-- The subject checked and the judging date defaulted, for the public functions.
CREATE FUNCTION thidua._check_award_year(award text, year integer) RETURNS text
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	subject text;
BEGIN
	IF award IS NULL OR year IS NULL THEN
		RAISE EXCEPTION 'award and year are required' USING ERRCODE = 'null_value_not_allowed';
	END IF;
	SELECT a.subject INTO subject FROM thidua.award a WHERE a.award_code = award;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'award "%" does not exist', award
			USING ERRCODE = 'no_data_found', HINT = 'See thidua awards for the catalog.';
	END IF;
	IF year NOT BETWEEN 1900 AND 2198 THEN
		RAISE EXCEPTION 'year % is out of range', year
			USING ERRCODE = 'invalid_parameter_value', DETAIL = 'Years from 1900 to 2198 are judged.';
	END IF;
	RETURN subject;
END
$$;

CREATE FUNCTION thidua._check_unit(unit text) RETURNS void
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	hidden text;
BEGIN
	IF unit IS NOT NULL AND NOT EXISTS (SELECT 1 FROM thidua.unit u WHERE u.unit_code = unit) THEN
		RAISE EXCEPTION 'unit "%" does not exist', unit USING ERRCODE = 'no_data_found';
	END IF;
	-- row-level security would silently leave out the people of a unit the
	-- caller does not act for: a wrong count, so an error instead
	IF unit IS NOT NULL AND NOT thidua._is_admin() THEN
		WITH RECURSIVE scope_units AS (SELECT u.unit_code FROM thidua.unit u WHERE u.unit_code = unit
			UNION SELECT c.unit_code FROM thidua.unit c JOIN scope_units s ON c.parent_code = s.unit_code)
		SELECT min(s.unit_code) INTO hidden FROM scope_units s WHERE NOT s.unit_code = ANY (thidua._caller_units());
		IF hidden IS NOT NULL THEN
			RAISE EXCEPTION 'unit "%" is not visible to role "%"', unit, current_user
				USING ERRCODE = 'insufficient_privilege',
					  DETAIL = CASE WHEN hidden = unit THEN format('The role does not act for unit "%s" (thidua.role_unit).', unit)
						ELSE format('The role does not act for its sub-unit "%s" (thidua.role_unit), whose people would be left out.', hidden) END,
					  HINT = 'Ask for a unit the role acts for, or ask an administrator.';
		END IF;
	END IF;
END
$$;

CREATE FUNCTION thidua.eligibility(subject text, award text, year integer, rulebook_version text DEFAULT NULL,
								   judged_on date DEFAULT NULL)
	RETURNS TABLE (node text, kind text, passed boolean, evidence text, legal_source text, verified boolean)
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	award_subject text := thidua._check_award_year(award, year);
	on_date date := coalesce(judged_on, make_date(year, 12, 31));
	version text;
	outcome record;
	rule jsonb;
BEGIN
	IF subject IS NULL THEN
		RAISE EXCEPTION 'subject is required' USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF judged_on IS NOT NULL AND (NOT isfinite(judged_on) OR judged_on < make_date(year, 1, 1)) THEN
		RAISE EXCEPTION 'judged_on % is out of range for year %', judged_on, year
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'A year is judged on a date from 1 January of that year on (by default 31 December).';
	END IF;
	-- row-level security hides the people (and units) the caller does not act for
	IF award_subject = 'individual' AND NOT EXISTS (SELECT 1 FROM thidua.individual i WHERE i.person_code = subject)
		AND NOT thidua._is_admin() THEN
		RAISE EXCEPTION 'person "%" is not visible to role "%"', subject, current_user
			USING ERRCODE = 'insufficient_privilege',
				  DETAIL = 'The role sees the current members of the units it acts for (thidua.role_unit); the person may also not exist.';
	ELSIF award_subject = 'individual' AND NOT EXISTS (SELECT 1 FROM thidua.individual i WHERE i.person_code = subject) THEN
		RAISE EXCEPTION 'person "%" does not exist', subject
			USING ERRCODE = 'no_data_found', DETAIL = format('Award "%s" is for individuals.', award);
	ELSIF award_subject = 'collective' AND NOT EXISTS (SELECT 1 FROM thidua.unit u WHERE u.unit_code = subject) THEN
		RAISE EXCEPTION 'unit "%" does not exist', subject
			USING ERRCODE = 'no_data_found', DETAIL = format('Award "%s" is for collectives (units).', award);
	ELSIF award_subject = 'collective' AND NOT thidua._is_admin() AND NOT subject = ANY (thidua._caller_units()) THEN
		RAISE EXCEPTION 'unit "%" is not visible to role "%"', subject, current_user
			USING ERRCODE = 'insufficient_privilege',
				  DETAIL = format('The role does not act for unit "%s" (thidua.role_unit), whose members would be left out.', subject),
				  HINT = 'Ask for a unit the role acts for, or ask an administrator.';
	END IF;
	version := thidua._rulebook_for(award, on_date, rulebook_version);
	SELECT e.rule INTO rule FROM thidua.rulebook_entry e WHERE e.version_code = version AND e.award_code = award;
	EXECUTE thidua._eligibility_query(award, year, on_date, version, NULL, subject, 'all') INTO outcome;
	RETURN QUERY
		SELECT r ->> 'node', r ->> 'kind', (r ->> 'passed')::boolean,
			CASE WHEN t.node = 'rule' THEN format('%s %s for %s %s under %s, judged on %s: ', award,
				CASE WHEN (r ->> 'passed')::boolean THEN 'eligible' ELSE 'not eligible' END, subject, year, version, on_date)
				ELSE '' END || (r ->> 'evidence'),
			thidua._legal_source_text(t.body -> 'source'),
			(t.body -> 'source' ->> 'verified')::boolean
		FROM jsonb_array_elements(outcome.reasons) WITH ORDINALITY AS x(r, n)
		JOIN thidua._rule_nodes(rule) t ON t.node = r ->> 'node'
		ORDER BY t.ordinal;
END
$$;
COMMENT ON FUNCTION thidua.eligibility(text, text, integer, text, date) IS
	'eligibility(subject, award, year [, rulebook_version [, judged_on]]): one row per node of the award''s rule, depth first; the first (node ''rule'') is the overall answer; evidence in words and the legal source of each rule. subject: a person code (individual awards) or unit code (collective ones). The year is judged on judged_on (default 31 December) by the published rulebook version in force then with an entry for the award, unless one is named. Errors: unknown award, person or unit; year outside 1900..2198; judged_on infinite or before 1 January of the year; a person or unit the caller does not see (insufficient_privilege); no version or several in force.';

CREATE FUNCTION thidua.eligible(award text, year integer, unit text DEFAULT NULL, why boolean DEFAULT false,
								rulebook_version text DEFAULT NULL)
	RETURNS TABLE (subject_code text, subject_name thidua.vietnamese_text, unit_code text, reasons jsonb)
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	on_date date;
	version text;
BEGIN
	PERFORM thidua._check_award_year(award, year);
	PERFORM thidua._check_unit(unit);
	on_date := make_date(year, 12, 31);
	version := thidua._rulebook_for(award, on_date, rulebook_version);
	RETURN QUERY EXECUTE format('SELECT q.subject_code, q.subject_name::thidua.vietnamese_text, q.unit_code, q.reasons FROM (%s) q',
		thidua._eligibility_query(award, year, on_date, version, unit, NULL,
			CASE WHEN coalesce(why, false) THEN 'why' ELSE 'eligible' END));
END
$$;
COMMENT ON FUNCTION thidua.eligible(text, integer, text, boolean, text) IS
	'eligible(award, year [, unit [, why [, rulebook_version]]]): the subjects eligible for the award in the year (judged on 31 December): the people who are members of the unit or its sub-units on that date (everyone when unit is NULL), or the units of that subtree for a collective award; one set-based query; with why, reasons holds one object per rule node (node, kind, passed, evidence). Unordered. Errors: unknown award or unit; year outside 1900..2198; a unit (or one of its sub-units) the caller does not act for (insufficient_privilege); no rulebook version in force (or several).';
