-- thidua.score and thidua.score_detail give identical results serially and
-- under forced parallel partial aggregation, over many random seeds.
BEGIN;
SELECT plan(5);

-- two workers even for one-page tables, or the partial plan is no cheaper
CREATE TABLE observation (evaluation integer, criterion text, observed numeric) WITH (parallel_workers = 2);
CREATE TABLE outcome (seed integer, mode text, evaluation integer, total numeric, detail jsonb);
CREATE TABLE plan_check (seed integer, partial boolean, observations bigint);

-- A valid random observation for each rule of the shipped table.
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
BEGIN
	PERFORM setseed(seed / 1000.0);
	TRUNCATE observation;
	-- each evaluation observes a random subset of the 50 criteria (from none to all)
	INSERT INTO observation
		SELECT e, i.code, random_observation(i.rule, i.max_points)
		FROM generate_series(1, evaluations) AS e
		CROSS JOIN LATERAL (SELECT random() + 0 * e AS density) AS d
		JOIN thidua.criteria_item i ON i.version_code = 'stp/2019' AND i.kind = 'criterion'
		WHERE random() < d.density;
	ANALYZE observation;

	SET LOCAL max_parallel_workers_per_gather = 0;
	INSERT INTO outcome SELECT seed, 'serial', evaluation, thidua.score('stp/2019', criterion, observed),
		thidua.score_detail('stp/2019', criterion, observed) FROM observation GROUP BY evaluation;

	SET LOCAL max_parallel_workers_per_gather = 2;
	SET LOCAL parallel_setup_cost = 0;
	SET LOCAL parallel_tuple_cost = 0;
	SET LOCAL min_parallel_table_scan_size = 0;
	SET LOCAL parallel_leader_participation = off;
	SET LOCAL enable_hashagg = on;
	FOR line IN EXPLAIN SELECT evaluation, thidua.score('stp/2019', criterion, observed),
		thidua.score_detail('stp/2019', criterion, observed) FROM observation GROUP BY evaluation
	LOOP
		plan_text := plan_text || line || E'\n';
	END LOOP;
	INSERT INTO plan_check VALUES (seed, plan_text ~ 'Partial (Hash|Group)?Aggregate',
		(SELECT count(*) FROM observation));
	INSERT INTO outcome SELECT seed, 'parallel', evaluation, thidua.score('stp/2019', criterion, observed),
		thidua.score_detail('stp/2019', criterion, observed) FROM observation GROUP BY evaluation;
	RESET max_parallel_workers_per_gather;
	RESET parallel_setup_cost;
	RESET parallel_tuple_cost;
	RESET min_parallel_table_scan_size;
	RESET parallel_leader_participation;
END
$$;

SELECT run_seed(seed, CASE seed % 4 WHEN 0 THEN 1 WHEN 1 THEN 37 WHEN 2 THEN 400 ELSE 3000 END)
	FROM generate_series(1, 24) AS seed;

-- (an empty table, which a seed can draw, gets no parallel plan at all)
SELECT is((SELECT count(*) FROM plan_check WHERE partial),
	(SELECT count(*) FROM plan_check WHERE observations > 0),
	'every seed''s parallel plan has a Partial Aggregate');
SELECT cmp_ok((SELECT count(*) FROM outcome WHERE mode = 'parallel'), '>', 10000::bigint,
	'the seeds scored many evaluations');
SELECT is_empty($$
	SELECT seed, evaluation, total, detail FROM outcome WHERE mode = 'serial'
	EXCEPT SELECT seed, evaluation, total, detail FROM outcome WHERE mode = 'parallel'
$$, 'every serial total and breakdown is found in the parallel run');
SELECT is_empty($$
	SELECT seed, evaluation, total, detail FROM outcome WHERE mode = 'parallel'
	EXCEPT SELECT seed, evaluation, total, detail FROM outcome WHERE mode = 'serial'
$$, 'and nothing else');
-- the totals are those of the breakdowns, and the breakdowns add up
SELECT is_empty($$
	SELECT seed, evaluation FROM outcome
	WHERE total IS DISTINCT FROM (detail ->> 'total')::numeric
	   OR total <> (detail ->> 'main')::numeric + (detail ->> 'bonus')::numeric - (detail ->> 'penalty')::numeric
$$, 'totals equal main + bonus - penalty of their breakdowns');

SELECT * FROM finish();
ROLLBACK;
