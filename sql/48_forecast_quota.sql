-- thidua SQL source: forecasts, quotas and what-if.
-- Holds forecast() (who becomes eligible next year, what the others lack),
-- quota() (how many may be proposed, the arithmetic in words) and
-- eligibility_changes() (a draft rulebook against the version in force).
-- All three run the compiler of 47_eligibility.sql; none has rules of its own.

CREATE FUNCTION thidua.forecast(award text, year integer, unit text DEFAULT NULL, rulebook_version text DEFAULT NULL)
	RETURNS TABLE (subject_code text, subject_name thidua.vietnamese_text, unit_code text, eligible_next_year boolean,
				   missing integer, lacks text[])
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	next_year integer;
	version text;
BEGIN
	-- year first: year + 1 must not overflow
	PERFORM thidua._check_award_year(award, year);
	next_year := year + 1;
	PERFORM thidua._check_award_year(award, next_year);
	PERFORM thidua._check_unit(unit);
	-- the rules of next year when they are known, else those of this year
	version := coalesce(thidua._rulebook_for(award, make_date(next_year, 12, 31), rulebook_version, false),
						thidua._rulebook_for(award, make_date(year, 12, 31), rulebook_version));
	RETURN QUERY EXECUTE format('SELECT q.subject_code, q.subject_name::thidua.vietnamese_text, q.unit_code, q.passed, q.missing, q.lacks
		FROM (%s) q WHERE q.missing IS NOT NULL ORDER BY q.missing, q.unit_code, q.subject_code',
		thidua._eligibility_query(award, next_year, make_date(next_year, 12, 31), version, unit, NULL, 'forecast'));
END
$$;
COMMENT ON FUNCTION thidua.forecast(text, integer, text, text) IS
	'forecast(award, year [, unit [, rulebook_version]]): nurturing achievements: each subject of the unit and its sub-units (everyone when NULL) judged for year + 1 as if the ratings and yearly awards of year held again in it; eligible_next_year, missing (how many years, initiatives, members... still lacking; 0 when eligible) and lacks (in words, each saying what, where and how many: "one more year rated HTXSNV (2 of 3 consecutive years to 2025)", "3 more years as giám đốc (0 of 3 held on 2025-12-31)", "2 more years holding CSTDCS in 2021-2025 (1 of 3 held)"), closest first. Subjects who can never qualify (once-only awards already received) are left out. The rulebook is the one in force on 31 December of year + 1, else of year. Errors: as eligible().';

CREATE FUNCTION thidua.quota(award text, unit text, year integer, rulebook_version text DEFAULT NULL)
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
COMMENT ON FUNCTION thidua.quota(text, text, integer, text) IS
	'quota(award, unit, year [, rulebook_version]): how many of the unit (with its sub-units) may be proposed for the award in the year: for a share, base (members on 31 December holding base_award in the year, counted as the general rules say) x share, rounded down, half up or up, at least minimum, with the arithmetic in words ("15 % of 13 = 1.95, rounded down: 1"); for a fixed count, the count; exact numeric; legal_source of the quota. One row; "no quota" when the entry has none. Errors: unknown award or unit, unit NULL, a unit (or sub-unit) the caller does not act for (insufficient_privilege), year outside 1900..2198, no rulebook version in force.';

CREATE FUNCTION thidua.eligibility_changes(award text, year integer, draft_version text, unit text DEFAULT NULL)
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
COMMENT ON FUNCTION thidua.eligibility_changes(text, integer, text, text) IS
	'eligibility_changes(award, year, draft_version [, unit]): what-if: the subjects of the unit and its sub-units (everyone when NULL) whose eligibility for the award in the year differs under draft_version (a draft) from the version in force: change gains or loses, the version in force, the deciding rule (version, node, kind and parameters of a failing rule of the version under which the subject fails, first one that the other version does not have) and its evidence. Errors: as eligible(); draft_version unknown, not a draft, or without an entry for the award.';
