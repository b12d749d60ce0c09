-- thidua SQL source: live standings.
-- Holds the aggregate tie_break_keys(), evaluation_scores(), standings(), the view
-- current_standings.

CREATE FUNCTION thidua._tie_break_keys_final(state bytea) RETURNS numeric[]
	AS 'MODULE_PATHNAME', 'thidua_tie_break_keys_final'
	LANGUAGE C STABLE PARALLEL SAFE;
CREATE AGGREGATE thidua.tie_break_keys(version text, criterion_code text, observed numeric) (
	SFUNC = thidua._score_transition,
	STYPE = bytea,
	SSPACE = 232,
	COMBINEFUNC = thidua._score_combine,
	FINALFUNC = thidua._tie_break_keys_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE thidua.tie_break_keys(text, text, numeric) IS
	'the version''s tie-break keys of one evaluation, in order (capped points; penalty as a magnitude)';
CREATE AGGREGATE thidua.tie_break_keys(version text, criterion_code text, observed numeric, points_in_bloc numeric) (
	SFUNC = thidua._score_in_bloc_transition,
	STYPE = bytea,
	SSPACE = 232,
	COMBINEFUNC = thidua._score_combine,
	FINALFUNC = thidua._tie_break_keys_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE thidua.tie_break_keys(text, text, numeric, numeric) IS
	'thidua.tie_break_keys with the points of the criteria scored in the bloc given (points_in_bloc; NULL for every other criterion)';
CREATE AGGREGATE thidua.tie_break_keys(version text, criterion_code text, observed numeric, applicable boolean) (
	SFUNC = thidua._score_transition,
	STYPE = bytea,
	SSPACE = 232,
	COMBINEFUNC = thidua._score_combine,
	FINALFUNC = thidua._tie_break_keys_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE thidua.tie_break_keys(text, text, numeric, boolean) IS
	'tie_break_keys with not-applicable markings (applicable = false, observed NULL), as thidua.score(version, criterion, observed, applicable)';
CREATE AGGREGATE thidua.tie_break_keys(version text, criterion_code text, observed numeric, points_in_bloc numeric,
									   applicable boolean) (
	SFUNC = thidua._score_in_bloc_transition,
	STYPE = bytea,
	SSPACE = 232,
	COMBINEFUNC = thidua._score_combine,
	FINALFUNC = thidua._tie_break_keys_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE thidua.tie_break_keys(text, text, numeric, numeric, boolean) IS
	'tie_break_keys with both the points of criteria scored in the bloc and not-applicable markings, as thidua.score(version, criterion, observed, points_in_bloc, applicable)';
-- Only the aggregate calls its final function (see 20_scoring.sql).
REVOKE EXECUTE ON FUNCTION thidua._tie_break_keys_final(bytea) FROM PUBLIC;

-- The unit's target for a criterion in its pact with the bloc for the period,
-- from the pact's targets as read (registered: NULL when the unit has no pact):
-- a number above zero registered under the criterion's code, or an error
-- naming the unit, criterion, bloc and period. It reads no table, so that the
-- scoring query that joins the pact can run on a Citus worker.
CREATE FUNCTION thidua._pact_target(registered jsonb, bloc text, period text, unit text, criterion text) RETURNS numeric
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

-- The points of every observation of a criterion scored in the bloc (a target
-- from the pact, leader_relative): the unit's target and, for
-- leader_relative, the leader of the same stage (self or peer) — the highest
-- completion observed / target, recused peer scores left out. One query on
-- the bloc's scores alone: on Citus, routed to the one worker holding them.
CREATE FUNCTION thidua._bloc_points(bloc text, period text)
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

-- One evaluation's result, as the standings take it (judge_left: a peer
-- evaluation filed on or after the day its judge left the bloc, which does
-- not count; see thidua.set_member_status).
CREATE TYPE thidua._evaluation_score AS (evaluation_id bigint, unit_code text, stage text, judge_code text,
	judge_left boolean, total numeric, tie_keys numeric[]);

-- Whether a bloc's scores need the bloc-wide joins: criteria scored in the bloc
-- (a target from the pact, leader_relative) or not-applicable markings.
CREATE FUNCTION thidua._scored_in_bloc(bloc text, period text) RETURNS boolean
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

-- Every evaluation of a bloc and period with its total and tie-break keys, in
-- one query on the bloc's scores: on Citus it is routed to the one worker
-- holding them, which aggregates the observations there (a single task); only
-- the evaluations' results come back.
CREATE FUNCTION thidua._evaluation_scores(bloc text, period text)
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

-- Every evaluation's total and tie-break keys under its bloc's criteria version.
CREATE FUNCTION thidua.evaluation_scores(bloc text, period text)
	RETURNS TABLE (evaluation_id bigint, unit_code text, stage text, judge_code text, total numeric, tie_keys numeric[])
	LANGUAGE plpgsql STABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	RETURN QUERY SELECT s.evaluation_id, s.unit_code, s.stage, s.judge_code, s.total, s.tie_keys
		FROM thidua._evaluation_scores(bloc, period) s;
END
$$;
COMMENT ON FUNCTION thidua.evaluation_scores(text, text) IS
	'each evaluation of a bloc and period with its total and tie-break keys (an evaluation without observations totals 0; criteria scored in the bloc against the unit''s pact target or the bloc''s leader)';

-- An averaged result under a result_rounding setting: digits decimals, half
-- away from zero (numeric round), or exact when digits is NULL.
CREATE FUNCTION thidua._rounded_result(value numeric, digits integer) RETURNS numeric
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT CASE WHEN digits IS NULL THEN value ELSE round(value, digits) END
$$;

CREATE FUNCTION thidua.standings(bloc text, period text)
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
COMMENT ON FUNCTION thidua.standings(text, text) IS
	'standings of a bloc or zone in a period: self total, peer result by the bloc''s method, adjustments, final total, class, rank, flags';

-- Live standings of every bloc and period (drafts until published).
-- (The call stands in the select list, where the planner charges its cost per
-- bloc and so can rank blocs in parallel workers; as a LATERAL function scan it
-- would be charged once. OFFSET 0 keeps it to one call per bloc.)
CREATE VIEW thidua.current_standings AS
	SELECT x.bloc_code, x.period_code, (x.standing).*
	FROM (SELECT bp.bloc_code, bp.period_code, thidua.standings(bp.bloc_code, bp.period_code) AS standing
		  FROM thidua.bloc_period bp OFFSET 0) AS x;
COMMENT ON VIEW thidua.current_standings IS
	'live standings of every bloc and period: self total, peer result, adjustments, final total, class, rank, flags';
