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
-- Only the aggregate calls its final function (see 20_scoring.sql).
REVOKE EXECUTE ON FUNCTION thidua._tie_break_keys_final(bytea) FROM PUBLIC;

-- Every evaluation's total and tie-break keys under its bloc's criteria version.
CREATE FUNCTION thidua.evaluation_scores(bloc text, period text)
	RETURNS TABLE (evaluation_id bigint, unit_code text, stage text, judge_code text, total numeric, tie_keys numeric[])
	LANGUAGE sql STABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT e.evaluation_id, e.unit_code, e.stage, e.judge_code,
		coalesce(thidua.score(bp.criteria_version, o.criterion_code, o.observed, o.applicable)
					FILTER (WHERE o.criterion_code IS NOT NULL), 0),
		thidua.tie_break_keys(bp.criteria_version, o.criterion_code, o.observed, o.applicable)
			FILTER (WHERE o.criterion_code IS NOT NULL)
	FROM thidua.evaluation e
	JOIN thidua.bloc_period bp ON bp.bloc_code OPERATOR(pg_catalog.=) e.bloc_code
		AND bp.period_code OPERATOR(pg_catalog.=) e.period_code
	-- the observations, and the criteria marked not applicable to the unit
	LEFT JOIN (SELECT ob.evaluation_id, ob.criterion_code, ob.observed, true AS applicable
			   FROM thidua.observation ob
			   UNION ALL
			   SELECT x.evaluation_id, na.criterion_code, NULL::numeric, false
			   FROM thidua.not_applicable_marking na
			   JOIN thidua.evaluation x ON x.bloc_code OPERATOR(pg_catalog.=) na.bloc_code
				AND x.period_code OPERATOR(pg_catalog.=) na.period_code
				AND x.unit_code OPERATOR(pg_catalog.=) na.unit_code) o
		ON o.evaluation_id OPERATOR(pg_catalog.=) e.evaluation_id
	WHERE e.bloc_code OPERATOR(pg_catalog.=) bloc AND e.period_code OPERATOR(pg_catalog.=) period
	GROUP BY e.evaluation_id, e.unit_code, e.stage, e.judge_code, bp.criteria_version
$$;
COMMENT ON FUNCTION thidua.evaluation_scores(text, text) IS
	'each evaluation of a bloc and period with its total and tie-break keys (an evaluation without observations totals 0)';

CREATE FUNCTION thidua.standings(bloc text, period text)
	RETURNS TABLE (unit_code text, unit_name text, role text, self_total numeric, peer_result numeric,
				   peer_judges integer, adjustment numeric, final_total numeric, class text, rank bigint,
				   tie_break jsonb, flags text[])
	LANGUAGE plpgsql STABLE PARALLEL SAFE
	-- It only reads, so the blocs of one query may be ranked in parallel
	-- workers; a call takes milliseconds, which the cost tells the planner.
	-- One bloc's queries are small: they start no workers of their own.
	COST 400000 ROWS 15
	SET search_path = pg_catalog, pg_temp
	SET max_parallel_workers_per_gather = 0
	AS $$
DECLARE
	settings thidua.bloc_period;
BEGIN
	SELECT * INTO settings FROM thidua.bloc_period bp
		WHERE bp.bloc_code OPERATOR(pg_catalog.=) bloc AND bp.period_code OPERATOR(pg_catalog.=) period;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'bloc "%" has no settings for period "%"', bloc, period
			USING ERRCODE = 'no_data_found', HINT = 'Rows of thidua.bloc_period name the criteria version and peer method.';
	END IF;

	RETURN QUERY
	WITH members AS (
		SELECT m.unit_code, m.role FROM thidua.bloc_member m
		WHERE m.bloc_code OPERATOR(pg_catalog.=) bloc AND m.period_code OPERATOR(pg_catalog.=) period
	), scores AS (
		SELECT * FROM thidua.evaluation_scores(bloc, period)
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
	), peer_total AS (
		SELECT p.unit_code, count(*)::integer AS judges,
			CASE WHEN settings.peer_method OPERATOR(pg_catalog.=) 'trimmed_mean'
				 THEN thidua.trimmed_mean(p.total, settings.peer_trim) ELSE avg(p.total) END AS result
		FROM peer p GROUP BY p.unit_code
	), peer_key AS (
		-- each tie-break key aggregated across the judges by the same method as the total
		SELECT p.unit_code, k.n, min(k.key) AS key, min(k.better) AS better,
			CASE WHEN settings.peer_method OPERATOR(pg_catalog.=) 'trimmed_mean'
				 THEN thidua.trimmed_mean(p.tie_keys[k.n], settings.peer_trim)
				 ELSE avg(p.tie_keys[k.n]) END AS points
		FROM peer p CROSS JOIN keys k
		WHERE p.tie_keys IS NOT NULL
		GROUP BY p.unit_code, k.n
	), consensus AS (
		SELECT r ->> 'candidate' AS unit_code, (r ->> 'rank')::integer AS consensus_rank
		FROM (SELECT thidua.schulze_ranking(p.judge_code, p.unit_code, p.total) AS ranking FROM peer p) s,
			jsonb_array_elements(s.ranking) AS r
		WHERE settings.peer_method OPERATOR(pg_catalog.=) 'schulze'
	), adjusted AS (
		SELECT a.unit_code, sum(a.points) AS points FROM thidua.adjustment a
		WHERE a.bloc_code OPERATOR(pg_catalog.=) bloc AND a.period_code OPERATOR(pg_catalog.=) period
		GROUP BY a.unit_code
	), vetoed AS (
		SELECT v.unit_code FROM thidua.veto v
		WHERE v.bloc_code OPERATOR(pg_catalog.=) bloc AND v.period_code OPERATOR(pg_catalog.=) period
	), assembled AS (
		SELECT m.unit_code, u.name AS unit_name, m.role,
			(SELECT s.total FROM scores s
			 WHERE s.unit_code OPERATOR(pg_catalog.=) m.unit_code AND s.stage OPERATOR(pg_catalog.=) 'self') AS self_total,
			pt.result AS peer_result, coalesce(pt.judges, 0) AS peer_judges,
			coalesce(ad.points, 0) AS adjustment,
			pt.result + coalesce(ad.points, 0) AS final_total,
			EXISTS (SELECT 1 FROM vetoed v WHERE v.unit_code OPERATOR(pg_catalog.=) m.unit_code) AS is_vetoed,
			c.consensus_rank,
			-- the version's tie-break order as one vector, larger is better
			(SELECT array_agg(CASE WHEN k.key OPERATOR(pg_catalog.=) 'total' THEN pt.result + coalesce(ad.points, 0)
								   WHEN k.better OPERATOR(pg_catalog.=) 'lower' THEN -k.points
								   ELSE k.points END ORDER BY k.n)
			 FROM peer_key k WHERE k.unit_code OPERATOR(pg_catalog.=) m.unit_code) AS sort_key,
			(SELECT jsonb_agg(jsonb_build_object('key', k.key, 'better', k.better,
				'points', CASE WHEN k.key OPERATOR(pg_catalog.=) 'total' THEN pt.result + coalesce(ad.points, 0)
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
	SELECT a.unit_code, a.unit_name, a.role, a.self_total, a.peer_result, a.peer_judges, a.adjustment,
		a.final_total,
		CASE WHEN a.final_total IS NOT NULL
			 THEN thidua.classify(settings.criteria_version, a.final_total, a.is_vetoed) END,
		-- units without a peer score come last, together
		CASE WHEN a.final_total IS NULL
			 THEN (SELECT count(*) + 1 FROM assembled x WHERE x.final_total IS NOT NULL)
			 ELSE rank() OVER (ORDER BY a.final_total IS NULL, a.consensus_rank ASC NULLS LAST, a.sort_key DESC) END,
		a.tie_break,
		ARRAY(SELECT f FROM unnest(ARRAY[
			CASE WHEN a.peer_judges OPERATOR(pg_catalog.=) 0 THEN 'no_peer_score' END,
			CASE WHEN a.peer_judges OPERATOR(pg_catalog.<) settings.quorum THEN 'incomplete_quorum' END,
			CASE WHEN a.self_total IS NULL THEN 'no_self_score' END,
			CASE WHEN a.is_vetoed THEN 'vetoed' END] || a.recusals) AS f WHERE f IS NOT NULL)
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
