# Ranking benchmark: trimmed_mean and streak against core aggregates and the
# plain-SQL formulations that return the same numbers; parallel speed-up;
# peak backend memory as the number of groups grows.
. scripts/lib/bench.sh
BENCH_DB=thidua_bench_ranking
groups=${THIDUA_BENCH_GROUPS:-200000}
per_group=${THIDUA_BENCH_PER_GROUP:-50}
people=${THIDUA_BENCH_PEOPLE:-1000000}
runs=${THIDUA_BENCH_RUNS:-5}
sql_runs=${THIDUA_BENCH_SQL_RUNS:-3}

bench_database "$BENCH_DB"
echo "== ranking: trimmed_mean over $((groups * per_group)) rows in $groups groups; streak over $((people * 20)) rows ($people people x 20 years)"
psql -X -q -d "$BENCH_DB" -v ON_ERROR_STOP=1 -v groups="$groups" -v per_group="$per_group" -v people="$people" <<'SQL'
CREATE TABLE score_sample AS
SELECT i, (i % :groups) AS g, round((random() * 100)::numeric, 2) AS v
FROM generate_series(1, :groups * :per_group) AS i;
CREATE TABLE history AS
SELECT p AS person, y AS year, random() < 0.85 AS achieved
FROM generate_series(1, :people) AS p, generate_series(2006, 2025) AS y;
VACUUM ANALYZE score_sample, history;
SQL

q_avg="SELECT count(t) FROM (SELECT g, avg(v) AS t FROM score_sample GROUP BY g) s"
q_tm1="SELECT count(t) FROM (SELECT g, thidua.trimmed_mean(v, 1) AS t FROM score_sample GROUP BY g) s"
q_formula="SELECT count(t) FROM (SELECT g, (sum(v) - max(v) - min(v)) / (count(v) - 2) AS t FROM score_sample GROUP BY g) s"
q_tm2="SELECT count(t) FROM (SELECT g, thidua.trimmed_mean(v, 2) AS t FROM score_sample GROUP BY g) s"
q_window="SELECT count(t) FROM (SELECT g, CASE WHEN max(n) > 4 THEN sum(v) FILTER (WHERE up > 2 AND down > 2) / (max(n) - 4) ELSE avg(v) END AS t
	FROM (SELECT g, v, row_number() OVER (PARTITION BY g ORDER BY v) AS up, row_number() OVER (PARTITION BY g ORDER BY v DESC) AS down,
		count(v) OVER (PARTITION BY g) AS n FROM score_sample) r GROUP BY g) s"
q_count="SELECT count(t) FROM (SELECT person, count(*) AS t FROM history GROUP BY person) s"
q_streak="SELECT count(t) FROM (SELECT person, thidua.streak(year, achieved, 2025) AS t FROM history GROUP BY person) s"
q_islands="SELECT count(t) FROM (SELECT p.person, coalesce(r.len, 0) AS t FROM (SELECT DISTINCT person FROM history) p
	LEFT JOIN (SELECT person, count(*) AS len FROM (SELECT person, year, year - row_number() OVER (PARTITION BY person ORDER BY year) AS island
		FROM history WHERE achieved) i GROUP BY person, island HAVING max(year) = 2025) r USING (person)) s"

# The formulations agree before anything is timed.
disagree=$(psql -X -q -At -d "$BENCH_DB" -c "
	SELECT count(*) FROM (SELECT g, thidua.trimmed_mean(v, 1) AS a, (sum(v) - max(v) - min(v)) / (count(v) - 2) AS b
		FROM score_sample GROUP BY g) s WHERE a IS DISTINCT FROM b")
echo "trimmed_mean(v, 1) and the SQL formula disagree on $disagree groups"
disagree=$(psql -X -q -At -d "$BENCH_DB" -c "
	SELECT count(*) FROM (SELECT g, thidua.trimmed_mean(v, 2) AS a FROM score_sample GROUP BY g) t
	JOIN (SELECT g, CASE WHEN max(n) > 4 THEN sum(v) FILTER (WHERE up > 2 AND down > 2) / (max(n) - 4) ELSE avg(v) END AS b
		FROM (SELECT g, v, row_number() OVER (PARTITION BY g ORDER BY v) AS up, row_number() OVER (PARTITION BY g ORDER BY v DESC) AS down,
			count(v) OVER (PARTITION BY g) AS n FROM score_sample) r GROUP BY g) w USING (g) WHERE a IS DISTINCT FROM b")
echo "trimmed_mean(v, 2) and the window formulation disagree on $disagree groups"
disagree=$(psql -X -q -At -d "$BENCH_DB" -c "
	SELECT count(*) FROM (SELECT person, thidua.streak(year, achieved, 2025) AS a FROM history GROUP BY person) t
	JOIN (SELECT p.person, coalesce(r.len, 0) AS b FROM (SELECT DISTINCT person FROM history) p
		LEFT JOIN (SELECT person, count(*) AS len FROM (SELECT person, year, year - row_number() OVER (PARTITION BY person ORDER BY year) AS island
			FROM history WHERE achieved) i GROUP BY person, island HAVING max(year) = 2025) r USING (person)) s USING (person)
	WHERE a <> b")
echo "streak and gaps-and-islands disagree on $disagree people"
same=$(psql -X -q -At -d "$BENCH_DB" -c "SET max_parallel_workers_per_gather = 0" \
	-c "SELECT sum(t) FROM (SELECT g, thidua.trimmed_mean(v, 1) AS t FROM score_sample GROUP BY g) s" \
	-c "SELECT sum(t) FROM (SELECT person, thidua.streak(year, achieved, 2025) AS t FROM history GROUP BY person) s" \
	-c "SET max_parallel_workers_per_gather = 2" \
	-c "SELECT sum(t) FROM (SELECT g, thidua.trimmed_mean(v, 1) AS t FROM score_sample GROUP BY g) s" \
	-c "SELECT sum(t) FROM (SELECT person, thidua.streak(year, achieved, 2025) AS t FROM history GROUP BY person) s" | sort -u | wc -l)

avg0=$(bench_median "$runs" 0 "$q_avg"); avg2=$(bench_median "$runs" 2 "$q_avg")
tm10=$(bench_median "$runs" 0 "$q_tm1"); tm12=$(bench_median "$runs" 2 "$q_tm1")
formula0=$(bench_median "$runs" 0 "$q_formula")
tm20=$(bench_median "$runs" 0 "$q_tm2")
window0=$(bench_median "$sql_runs" 0 "$q_window")
count0=$(bench_median "$runs" 0 "$q_count"); count2=$(bench_median "$runs" 2 "$q_count")
streak0=$(bench_median "$runs" 0 "$q_streak"); streak2=$(bench_median "$runs" 2 "$q_streak")
islands0=$(bench_median "$sql_runs" 0 "$q_islands")

printf '%-40s %12s %12s\n' "query (median ms)" "serial" "2 workers"
printf '%-40s %12.0f %12.0f\n' "avg(v)" "$avg0" "$avg2"
printf '%-40s %12.0f %12.0f\n' "thidua.trimmed_mean(v, 1)" "$tm10" "$tm12"
printf '%-40s %12.0f %12s\n' "(sum - max - min) / (count - 2)" "$formula0" "-"
printf '%-40s %12.0f %12s\n' "thidua.trimmed_mean(v, 2)" "$tm20" "-"
printf '%-40s %12.0f %12s\n' "window-function trimmed mean (trim 2)" "$window0" "-"
printf '%-40s %12.0f %12.0f\n' "count(*) by person" "$count0" "$count2"
printf '%-40s %12.0f %12.0f\n' "thidua.streak" "$streak0" "$streak2"
printf '%-40s %12.0f %12s\n' "gaps and islands" "$islands0" "-"
echo "trimmed_mean(v, 1) / avg(v):                 $(ratio "$tm10" "$avg0")  (target <= 1.2)"
echo "SQL formula / trimmed_mean(v, 1):            $(ratio "$formula0" "$tm10")  (target >= 1.4)"
echo "window formulation / trimmed_mean(v, 2):     $(ratio "$window0" "$tm20")  (target >= 3)"
echo "streak / count(*):                           $(ratio "$streak0" "$count0")  (target <= 1.3)"
echo "gaps and islands / streak:                   $(ratio "$islands0" "$streak0")  (target >= 3)"
share() { awk -v a="$1" -v b="$2" -v c="$3" -v d="$4" 'BEGIN {printf "%.0f%%", 100 * (a / b) / (c / d)}'; }
echo "2-worker speed-up: avg $(ratio "$avg0" "$avg2"), trimmed_mean $(ratio "$tm10" "$tm12") ($(share "$tm10" "$tm12" "$avg0" "$avg2") of avg's);" \
	"count $(ratio "$count0" "$count2"), streak $(ratio "$streak0" "$streak2") ($(share "$streak0" "$streak2" "$count0" "$count2") of count's)  (target >= 90%)"
echo "serial and parallel results identical: $([ "$same" = 2 ] && echo yes || echo NO)"

# Peak private memory of a fresh backend as the number of groups grows: VmHWM
# less the shared buffers it mapped (RssShmem), read while it lives; serial, so
# that one process holds every group.
peak_mb() {
	psql -X -q -At -d "$BENCH_DB" -v ON_ERROR_STOP=1 >/dev/null <<SQL
SET max_parallel_workers_per_gather = 0;
SET work_mem = '64MB';
SELECT pg_backend_pid() AS pid \gset
\setenv BACKEND_PID :pid
$1;
\! awk '/VmHWM/ {peak = \$2} /RssShmem/ {shared = \$2} END {printf "%.0f", (peak - shared) / 1024}' /proc/\$BACKEND_PID/status > $2
SQL
	cat "$2"
}
echo "peak private memory of the backend (VmHWM - RssShmem, MB) by number of groups, serial, work_mem = 64MB:"
printf '  %-10s %14s %14s %14s\n' "groups" "avg(v)" "trimmed_mean" "streak"
peak_file=$(mktemp)
for n in 1000 10000 100000 1000000; do
	printf '  %-10s %14s %14s %14s\n' "$n" \
		"$(peak_mb "SELECT count(t) FROM (SELECT i % $n, avg(v) AS t FROM score_sample GROUP BY 1) s" "$peak_file")" \
		"$(peak_mb "SELECT count(t) FROM (SELECT i % $n, thidua.trimmed_mean(v, 1) AS t FROM score_sample GROUP BY 1) s" "$peak_file")" \
		"$(peak_mb "SELECT count(t) FROM (SELECT person % $n, thidua.streak(year, achieved, 2025) AS t FROM history GROUP BY 1) s" "$peak_file")"
done
rm -f "$peak_file"
psql -X -q -d postgres -c "DROP DATABASE $BENCH_DB" >/dev/null
