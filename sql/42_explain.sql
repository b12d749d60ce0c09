-- thidua SQL source: explanations and the judges' report.
-- Holds explain(), judge_report().

-- A unit's evaluations in a bloc and period with their full breakdowns
-- (score_detail), the points of criteria scored in the bloc given as arrays
-- (thidua._bloc_points). One query on the bloc's scores: on Citus, one task on
-- the worker holding them.
CREATE FUNCTION thidua._evaluation_details(bloc text, period text, unit text, point_evaluations bigint[],
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

-- Why a unit stands where it does: its items, its peers' totals (counted,
-- trimmed or recused), and the tie-break key that separates it from the
-- neighbours above and below.
CREATE FUNCTION thidua.explain(unit text, period text, bloc text DEFAULT NULL) RETURNS jsonb
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
COMMENT ON FUNCTION thidua.explain(text, text, text) IS
	'a unit''s standing explained: its items (own and peers'' points), its peers'' totals (counted, trimmed or recused), its neighbours and what separated them, the result_rounding setting that applied; without bloc, a unit in several blocs that period is an error listing them';

-- How far each judge sits from the others (advisory; it changes no result).
CREATE FUNCTION thidua.judge_report(bloc text, period text)
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
COMMENT ON FUNCTION thidua.judge_report(text, text) IS
	'advisory leniency report: per judge, its scores'' mean and mean offset from the other judges of the same units';
