# Scoring benchmark: thidua.score against sum() and against plain SQL that
# computes the same totals, serial and with 2 parallel workers.
. scripts/lib/bench.sh
BENCH_DB=thidua_bench
evaluations=${THIDUA_BENCH_EVALUATIONS:-200000}
runs=${THIDUA_BENCH_RUNS:-5}
sql_runs=${THIDUA_BENCH_SQL_RUNS:-3}

bench_database "$BENCH_DB" criteria
echo "== scoring: $evaluations evaluations x 50 criteria of stp/2019"
psql -X -q -d "$BENCH_DB" -v ON_ERROR_STOP=1 -v evaluations="$evaluations" <<'SQL'
CREATE TABLE observation AS
SELECT e AS evaluation, i.code AS criterion,
	(CASE i.rule
		WHEN 'pass_fail' THEN (random() < 0.8)::integer
		WHEN 'proportional' THEN round((random() * 130)::numeric, 1)
		WHEN 'bands' THEN round((random() * 100)::numeric, 1)
		WHEN 'per_occurrence' THEN floor(random() * 5)
		ELSE round((random() * i.max_points)::numeric, 2) END)::numeric AS observed
FROM generate_series(1, :evaluations) AS e
CROSS JOIN thidua.criteria_item i
WHERE i.version_code = 'stp/2019' AND i.kind = 'criterion';
VACUUM ANALYZE observation;

-- The plain-SQL formulation's lookup tables: each criterion with its rule
-- parameters and the (sub)section and part it counts toward; the bands.
CREATE TABLE sql_criterion AS
SELECT i.code, i.rule, i.max_points AS max, (i.params ->> 'target')::numeric AS target,
	CASE WHEN (i.params ? 'ceiling') AND i.rule = 'proportional' THEN (i.params ->> 'ceiling')::numeric ELSE i.max_points END AS cap,
	(i.params ->> 'per')::numeric AS per, (i.params ->> 'floor')::numeric AS floor,
	CASE WHEN i.rule = 'per_occurrence' THEN (i.params ->> 'ceiling')::numeric END AS ceiling,
	coalesce((i.params ->> 'otherwise')::numeric, 0) AS otherwise,
	coalesce(g.parent_code, i.parent_code) AS top, CASE WHEN g.parent_code IS NOT NULL THEN i.parent_code END AS mid,
	(SELECT kind FROM thidua.criteria_item t WHERE t.version_code = i.version_code
	 AND t.code = coalesce(g.parent_code, i.parent_code)) AS part
FROM thidua.criteria_item i
JOIN thidua.criteria_item g ON g.version_code = i.version_code AND g.code = i.parent_code
WHERE i.version_code = 'stp/2019' AND i.kind = 'criterion';
CREATE UNIQUE INDEX ON sql_criterion (code);
CREATE TABLE sql_section AS
SELECT code, max_points AS max FROM thidua.criteria_item WHERE version_code = 'stp/2019' AND kind <> 'criterion';
CREATE TABLE sql_band AS
SELECT i.code, b.n, (b.x ->> 'from')::numeric AS lo, (b.x ->> 'from_inclusive')::boolean AS lo_inc,
	(b.x ->> 'to')::numeric AS hi, (b.x ->> 'to_inclusive')::boolean AS hi_inc, (b.x ->> 'points')::numeric AS points
FROM thidua.criteria_item i, jsonb_array_elements(i.params -> 'bands') WITH ORDINALITY AS b(x, n)
WHERE i.version_code = 'stp/2019';
CREATE INDEX ON sql_band (code, n);
ANALYZE sql_criterion, sql_section, sql_band;

-- The same scoring in plain SQL: points by CASE per rule (bands: first match),
-- then sub-section caps, section caps, bonus and penalty caps.
CREATE VIEW sql_score AS
WITH points AS (
	SELECT o.evaluation, c.top, c.mid, c.part,
		round(CASE c.rule
			WHEN 'pass_fail' THEN c.max * o.observed
			WHEN 'proportional' THEN least(c.max * o.observed / c.target, c.cap)
			WHEN 'per_occurrence' THEN greatest(least(c.per * o.observed, coalesce(c.ceiling, 'Infinity')),
												coalesce(c.floor, '-Infinity'))
			WHEN 'manual' THEN o.observed
			ELSE coalesce((SELECT b.points FROM sql_band b WHERE b.code = c.code
				AND (b.lo IS NULL OR o.observed > b.lo OR (b.lo_inc AND o.observed = b.lo))
				AND (b.hi IS NULL OR o.observed < b.hi OR (b.hi_inc AND o.observed = b.hi))
				ORDER BY b.n LIMIT 1), c.otherwise)
		END, 2) AS points
	FROM observation o JOIN sql_criterion c ON c.code = o.criterion
), by_mid AS (
	SELECT p.evaluation, p.top, p.part,
		CASE WHEN p.mid IS NULL THEN sum(CASE WHEN p.part = 'penalty' THEN abs(p.points) ELSE p.points END)
			 ELSE least(sum(CASE WHEN p.part = 'penalty' THEN abs(p.points) ELSE p.points END), min(s.max)) END AS points
	FROM points p LEFT JOIN sql_section s ON s.code = p.mid
	GROUP BY p.evaluation, p.top, p.part, p.mid
), by_top AS (
	SELECT m.evaluation, m.part, least(sum(m.points), min(s.max)) AS points
	FROM by_mid m JOIN sql_section s ON s.code = m.top
	GROUP BY m.evaluation, m.top, m.part
)
SELECT evaluation, sum(CASE part WHEN 'penalty' THEN -points ELSE points END) AS total
FROM by_top GROUP BY evaluation;
SQL

mismatches=$(psql -X -At -d "$BENCH_DB" -c "
	SELECT count(*) FROM (SELECT evaluation, thidua.score('stp/2019', criterion, observed) AS total
		FROM observation GROUP BY evaluation) t FULL JOIN sql_score s USING (evaluation)
	WHERE t.total IS DISTINCT FROM s.total")
echo "plain SQL and thidua.score disagree on $mismatches of $evaluations totals"

q_sum="SELECT sum(t) FROM (SELECT evaluation, sum(observed) AS t FROM observation GROUP BY evaluation) s"
q_score="SELECT sum(t) FROM (SELECT evaluation, thidua.score('stp/2019', criterion, observed) AS t FROM observation GROUP BY evaluation) s"
q_sql="SELECT sum(total) FROM sql_score"

same_parallel=$(psql -X -q -At -d "$BENCH_DB" -c "SET max_parallel_workers_per_gather = 0" -c "$q_score" -c "SET max_parallel_workers_per_gather = 2" -c "$q_score" | sort -u | wc -l)
sum0=$(bench_median "$runs" 0 "$q_sum")
score0=$(bench_median "$runs" 0 "$q_score")
sql0=$(bench_median "$sql_runs" 0 "$q_sql")
sum2=$(bench_median "$runs" 2 "$q_sum")
score2=$(bench_median "$runs" 2 "$q_score")

printf '%-34s %12s %12s\n' "query (median ms)" "serial" "2 workers"
printf '%-34s %12.0f %12.0f\n' "sum(observed)" "$sum0" "$sum2"
printf '%-34s %12.0f %12.0f\n' "thidua.score" "$score0" "$score2"
printf '%-34s %12.0f %12s\n' "plain SQL scoring" "$sql0" "-"
echo "thidua.score / sum(observed), serial:      $(ratio "$score0" "$sum0")  (target <= 1.5)"
echo "plain SQL / thidua.score, serial:          $(ratio "$sql0" "$score0")  (target >= 3.5)"
echo "speed-up with 2 workers: sum $(ratio "$sum0" "$sum2"), thidua.score $(ratio "$score0" "$score2");" \
	"score's share of sum's: $(awk -v a="$score0" -v b="$score2" -v c="$sum0" -v d="$sum2" 'BEGIN {printf "%.0f%%", 100 * (a / b) / (c / d)}') (target >= 90%)"
echo "serial and parallel totals identical: $([ "$same_parallel" = 1 ] && echo yes || echo NO)"
psql -X -q -d postgres -c "DROP DATABASE $BENCH_DB" >/dev/null
