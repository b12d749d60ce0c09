-- Rule shapes in the aggregates: criteria marked not applicable (each of the
-- three treatments) and floored sections give identical results serially and
-- under forced parallel partial aggregation, over many random seeds.
BEGIN;
SELECT plan(6);

-- the shipped table with every section floored at 0 and a treatment to switch
SELECT thidua.clone_version('stp/2019', 'shapes');
UPDATE thidua.criteria_item SET params = params || '{"floor": 0}'
	WHERE version_code = 'stp/shapes' AND kind = 'section';

CREATE TABLE observation (evaluation integer, criterion text, observed numeric, applicable boolean)
	WITH (parallel_workers = 2);
CREATE TABLE outcome (seed integer, treatment text, mode text, evaluation integer, total numeric, detail jsonb);
CREATE TABLE plan_check (seed integer, partial boolean, observations bigint);

CREATE FUNCTION random_observation(rule text, max_points numeric) RETURNS numeric LANGUAGE sql AS $$
	SELECT CASE rule
		WHEN 'pass_fail' THEN floor(random() * 2)
		WHEN 'proportional' THEN round((random() * 150)::numeric, 2)
		WHEN 'bands' THEN round((random() * 110)::numeric, 3)
		WHEN 'per_occurrence' THEN floor(random() * 12)
		ELSE round((random() * max_points)::numeric, 2) END
$$;

CREATE FUNCTION run_seed(seed integer, evaluations integer) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	plan_text text := '';
	line text;
	treatment text := (ARRAY['exclude_and_rescale', 'full_points', 'zero'])[seed % 3 + 1];
BEGIN
	PERFORM setseed(seed / 1000.0);
	UPDATE thidua.criteria_version SET not_applicable = treatment WHERE version_code = 'stp/shapes';
	TRUNCATE observation;
	-- a random subset of the criteria, about a fifth of them marked not applicable
	INSERT INTO observation
		SELECT e, i.code, CASE WHEN n THEN NULL ELSE random_observation(i.rule, i.max_points) END, NOT n
		FROM generate_series(1, evaluations) AS e
		CROSS JOIN LATERAL (SELECT random() + 0 * e AS density) AS d
		JOIN thidua.criteria_item i ON i.version_code = 'stp/shapes' AND i.kind = 'criterion'
		CROSS JOIN LATERAL (SELECT random() < 0.2 + 0 * e AS n) AS m
		WHERE random() < d.density;
	ANALYZE observation;

	SET LOCAL max_parallel_workers_per_gather = 0;
	INSERT INTO outcome SELECT seed, treatment, 'serial', evaluation,
		thidua.score('stp/shapes', criterion, observed, applicable),
		thidua.score_detail('stp/shapes', criterion, observed, applicable) FROM observation GROUP BY evaluation;

	SET LOCAL max_parallel_workers_per_gather = 2;
	SET LOCAL parallel_setup_cost = 0;
	SET LOCAL parallel_tuple_cost = 0;
	SET LOCAL min_parallel_table_scan_size = 0;
	SET LOCAL parallel_leader_participation = off;
	FOR line IN EXPLAIN SELECT evaluation, thidua.score('stp/shapes', criterion, observed, applicable),
		thidua.score_detail('stp/shapes', criterion, observed, applicable) FROM observation GROUP BY evaluation
	LOOP
		plan_text := plan_text || line || E'\n';
	END LOOP;
	INSERT INTO plan_check VALUES (seed, plan_text ~ 'Partial (Hash|Group)?Aggregate',
		(SELECT count(*) FROM observation));
	INSERT INTO outcome SELECT seed, treatment, 'parallel', evaluation,
		thidua.score('stp/shapes', criterion, observed, applicable),
		thidua.score_detail('stp/shapes', criterion, observed, applicable) FROM observation GROUP BY evaluation;
	RESET max_parallel_workers_per_gather;
	RESET parallel_setup_cost;
	RESET parallel_tuple_cost;
	RESET min_parallel_table_scan_size;
	RESET parallel_leader_participation;
END
$$;

SELECT run_seed(seed, CASE seed % 4 WHEN 0 THEN 1 WHEN 1 THEN 37 WHEN 2 THEN 400 ELSE 2000 END)
	FROM generate_series(1, 12) AS seed;

SELECT is((SELECT count(*) FROM plan_check WHERE partial),
	(SELECT count(*) FROM plan_check WHERE observations > 0),
	'every seed''s parallel plan has a Partial Aggregate');
SELECT cmp_ok((SELECT count(*) FROM outcome WHERE mode = 'parallel' AND detail ? 'rescaled'), '>', 500::bigint,
	'many evaluations were rescaled');
SELECT is_empty($$
	SELECT seed, evaluation, total, detail FROM outcome WHERE mode = 'serial'
	EXCEPT SELECT seed, evaluation, total, detail FROM outcome WHERE mode = 'parallel'
$$, 'every serial total and breakdown is found in the parallel run');
SELECT is_empty($$
	SELECT seed, evaluation, total, detail FROM outcome WHERE mode = 'parallel'
	EXCEPT SELECT seed, evaluation, total, detail FROM outcome WHERE mode = 'serial'
$$, 'and nothing else');
SELECT is_empty($$
	SELECT seed, evaluation FROM outcome
	WHERE total IS DISTINCT FROM (detail ->> 'total')::numeric
	   OR total <> (detail ->> 'main')::numeric + (detail ->> 'bonus')::numeric - (detail ->> 'penalty')::numeric
$$, 'totals equal main + bonus - penalty of their breakdowns');
-- a rescaled main part is earned × standard / applicable, rounded to 2 places
SELECT is_empty($$
	SELECT seed, evaluation FROM outcome WHERE detail ? 'rescaled'
	  AND (detail ->> 'main')::numeric <> CASE WHEN (detail #>> '{rescaled,applicable_max}')::numeric = 0 THEN 0
		ELSE round((detail #>> '{rescaled,earned}')::numeric * (detail #>> '{rescaled,standard_max}')::numeric
				   / (detail #>> '{rescaled,applicable_max}')::numeric, 2) END
$$, 'rescaled main parts agree with numeric arithmetic');

SELECT * FROM finish();
ROLLBACK;
