-- The ranking aggregates give identical results serially and under forced
-- parallel partial aggregation, over many seeds and group sizes from 0 (an
-- all-NULL group) to thousands (trimmed_mean at trim 1000 keeps every value of
-- all but the largest groups); and they agree with plain SQL.
BEGIN;
SELECT plan(9);

CREATE TABLE sample (grp integer, judge text, candidate text, x numeric, year integer, achieved boolean)
	WITH (parallel_workers = 2);
CREATE TABLE outcome (seed integer, mode text, grp integer, t0 numeric, t1 numeric, t3 numeric, t1000 numeric,
	streak integer, longest integer, schulze jsonb, leniency jsonb);
CREATE TABLE plan_check (seed integer, partial boolean);

CREATE FUNCTION run_seed(seed integer) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	plan_text text := '';
	line text;
	query text := $q$
		SELECT %L::integer, %L, grp, thidua.trimmed_mean(x, 0), thidua.trimmed_mean(x, 1), thidua.trimmed_mean(x, 3),
			thidua.trimmed_mean(x, 1000),
			thidua.streak(year, achieved, 2025), thidua.longest_streak(year, achieved),
			thidua.schulze_ranking(judge, candidate, x), thidua.judge_leniency(judge, candidate, x)
		FROM sample GROUP BY grp $q$;
BEGIN
	PERFORM setseed(seed / 100.0);
	TRUNCATE sample;
	-- group g has a size drawn from 0 to 3000; one judgment per (judge, candidate) pair
	INSERT INTO sample
		SELECT g, 'judge ' || (i % 13), 'candidate ' || (i / 13),
			CASE WHEN random() < 0.05 THEN NULL ELSE round((random() * 200 - 50)::numeric, (i % 4)) END,
			2000 + (random() * 25)::integer, CASE WHEN random() < 0.1 THEN NULL ELSE random() < 0.8 END
		FROM generate_series(1, 6) AS g
		CROSS JOIN LATERAL generate_series(1, (ARRAY[0, 1, 7, 60, 700, 3000])[g] + (seed % 3)) AS i;
	INSERT INTO sample VALUES (7, 'judge 0', 'candidate 0', NULL, 2025, NULL);	-- all NULL
	ANALYZE sample;

	SET LOCAL max_parallel_workers_per_gather = 0;
	EXECUTE 'INSERT INTO outcome ' || format(query, seed, 'serial');

	SET LOCAL max_parallel_workers_per_gather = 2;
	SET LOCAL parallel_setup_cost = 0;
	SET LOCAL parallel_tuple_cost = 0;
	SET LOCAL min_parallel_table_scan_size = 0;
	SET LOCAL parallel_leader_participation = off;
	FOR line IN EXECUTE 'EXPLAIN ' || format(query, seed, 'parallel') LOOP
		plan_text := plan_text || line || E'\n';
	END LOOP;
	INSERT INTO plan_check VALUES (seed, plan_text ~ 'Partial (Hash|Group)?Aggregate');
	EXECUTE 'INSERT INTO outcome ' || format(query, seed, 'parallel');
	RESET max_parallel_workers_per_gather;
	RESET parallel_setup_cost;
	RESET parallel_tuple_cost;
	RESET min_parallel_table_scan_size;
	RESET parallel_leader_participation;
END
$$;
SELECT run_seed(seed) FROM generate_series(1, 12) AS seed;

SELECT is((SELECT count(*) FROM plan_check WHERE partial), 12::bigint,
	'every seed''s parallel plan has a Partial Aggregate');
-- (group 1 is drawn empty when seed % 3 = 0, and an empty group has no row)
SELECT is((SELECT count(*) FROM outcome WHERE mode = 'serial'),
	(SELECT sum(CASE WHEN seed % 3 = 0 THEN 6 ELSE 7 END) FROM generate_series(1, 12) AS seed),
	'every group of every seed gave a result, the all-NULL one included');
SELECT is_empty($$
	SELECT seed, grp, t0, t1, t3, t1000, streak, longest, schulze, leniency FROM outcome WHERE mode = 'serial'
	EXCEPT SELECT seed, grp, t0, t1, t3, t1000, streak, longest, schulze, leniency FROM outcome WHERE mode = 'parallel'
$$, 'serial results are all found in the parallel run');
SELECT is_empty($$
	SELECT seed, grp, t0, t1, t3, t1000, streak, longest, schulze, leniency FROM outcome WHERE mode = 'parallel'
	EXCEPT SELECT seed, grp, t0, t1, t3, t1000, streak, longest, schulze, leniency FROM outcome WHERE mode = 'serial'
$$, 'and nothing else');

-- Plain SQL agrees on the last seed's data.
SELECT is_empty($$
	SELECT grp FROM sample GROUP BY grp
	HAVING thidua.trimmed_mean(x, 0) IS DISTINCT FROM avg(x)
	    OR thidua.trimmed_mean(x, 1) IS DISTINCT FROM
	       CASE WHEN count(x) > 2 THEN (sum(x) - max(x) - min(x)) / (count(x) - 2) ELSE avg(x) END
$$, 'trimmed_mean(x, 0) is avg(x), and trim 1 is (sum - max - min) / (count - 2)');
SELECT is_empty($$
	WITH ranked AS (
		SELECT grp, x, row_number() OVER (PARTITION BY grp ORDER BY x) AS up,
			row_number() OVER (PARTITION BY grp ORDER BY x DESC) AS down, count(x) OVER (PARTITION BY grp) AS n
		FROM sample WHERE x IS NOT NULL),
	window_mean AS (
		SELECT grp, CASE WHEN max(n) > 6 THEN sum(x) FILTER (WHERE up > 3 AND down > 3) / (max(n) - 6)
			ELSE sum(x) / max(n) END AS t3
		FROM ranked GROUP BY grp)
	SELECT w.grp FROM window_mean w JOIN (SELECT grp, thidua.trimmed_mean(x, 3) AS t3 FROM sample GROUP BY grp) t
		USING (grp) WHERE w.t3 IS DISTINCT FROM t.t3
$$, 'trimmed_mean(x, 3) agrees with a window-function formulation');
SELECT is_empty($$
	WITH years AS (SELECT DISTINCT grp, year FROM sample WHERE achieved),
	islands AS (SELECT grp, year, year - row_number() OVER (PARTITION BY grp ORDER BY year) AS island FROM years),
	runs AS (SELECT grp, island, count(*) AS length, max(year) AS last FROM islands GROUP BY grp, island),
	expected AS (SELECT g.grp, coalesce((SELECT max(length) FROM runs r WHERE r.grp = g.grp), 0) AS longest,
		coalesce((SELECT length FROM runs r WHERE r.grp = g.grp AND r.last = 2025), 0) AS streak
		FROM (SELECT DISTINCT grp FROM sample) g)
	SELECT e.grp FROM expected e JOIN (SELECT grp, thidua.streak(year, achieved, 2025) AS streak,
		thidua.longest_streak(year, achieved) AS longest FROM sample GROUP BY grp) t USING (grp)
	WHERE e.streak <> t.streak OR e.longest <> t.longest
$$, 'streak and longest_streak agree with gaps and islands');
-- Schulze with one judge is that judge's order: ranks are 1 + the number of higher scores.
SELECT is_empty($$
	WITH one AS (SELECT candidate, x FROM sample WHERE grp = 5 AND judge = 'judge 0' AND x IS NOT NULL),
	expected AS (SELECT candidate, 1 + (SELECT count(*) FROM one o2 WHERE o2.x > o1.x) AS rank FROM one o1),
	got AS (SELECT r ->> 'candidate' AS candidate, (r ->> 'rank')::bigint AS rank
		FROM (SELECT thidua.schulze_ranking(judge, candidate, x) AS s FROM sample WHERE grp = 5 AND judge = 'judge 0') q,
		jsonb_array_elements(s) AS r)
	(SELECT * FROM expected EXCEPT SELECT * FROM got) UNION ALL (SELECT * FROM got EXCEPT SELECT * FROM expected)
$$, 'schulze_ranking of one judge is that judge''s order, ties shared');
SELECT is((SELECT count(*) FROM outcome WHERE t3 IS NOT NULL AND mode = 'serial' AND grp = 6), 12::bigint,
	'the largest groups were ranked in every seed');

SELECT * FROM finish();
ROLLBACK;
