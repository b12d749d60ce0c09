# Standings benchmark at national scale: blocs x 15 members, each scored by the
# other 14 on the 50 criteria of stp/2019. Baseline: sum(observed) over the same
# rows grouped the same way (by evaluation).
. scripts/lib/bench.sh
BENCH_DB=thidua_bench_standings
blocs=${THIDUA_BENCH_BLOCS:-2000}
runs=${THIDUA_BENCH_RUNS:-5}
standings_runs=${THIDUA_BENCH_STANDINGS_RUNS:-3}

bench_database "$BENCH_DB" criteria
echo "== standings: $blocs blocs x 15 members x 14 peer judges x 50 criteria = $((blocs * 15 * 14 * 50)) observations"
psql -X -q -d "$BENCH_DB" -v ON_ERROR_STOP=1 -v blocs="$blocs" <<'SQL'
INSERT INTO thidua.period (period_code, year) VALUES ('2019', 2019);
INSERT INTO thidua.unit (unit_code, name) SELECT 'u' || i, 'Đơn vị ' || i FROM generate_series(1, :blocs * 15) AS i;
INSERT INTO thidua.bloc SELECT 'b' || b, 'Khối ' || b, 'bloc' FROM generate_series(1, :blocs) AS b;
INSERT INTO thidua.bloc_period SELECT 'b' || b, '2019', 'stp/2019', 'trimmed_mean', 1, 8 FROM generate_series(1, :blocs) AS b;
INSERT INTO thidua.bloc_member SELECT 'b' || b, '2019', 'u' || ((b - 1) * 15 + m), CASE m WHEN 1 THEN 'head' ELSE 'member' END
	FROM generate_series(1, :blocs) AS b, generate_series(1, 15) AS m;
INSERT INTO thidua.evaluation (bloc_code, period_code, unit_code, stage, judge_code)
	SELECT 'b' || b, '2019', 'u' || ((b - 1) * 15 + m), 'peer', 'u' || ((b - 1) * 15 + j)
	FROM generate_series(1, :blocs) AS b, generate_series(1, 15) AS m, generate_series(1, 15) AS j WHERE m <> j;
-- observations in one statement: checked by the criteria rules as they go in
INSERT INTO thidua.observation (evaluation_id, criterion_code, observed)
	SELECT e.evaluation_id, i.code,
		(CASE i.rule
			WHEN 'pass_fail' THEN (random() < 0.9)::integer
			WHEN 'proportional' THEN round((50 + random() * 70)::numeric, 1)
			WHEN 'bands' THEN round((random() * 100)::numeric, 1)
			WHEN 'per_occurrence' THEN floor(random() * 3)
			ELSE round((random() * i.max_points)::numeric, 2) END)::numeric
	FROM thidua.evaluation e
	CROSS JOIN thidua.criteria_item i
	WHERE i.version_code = 'stp/2019' AND i.kind = 'criterion';
VACUUM ANALYZE;
SQL

q_sum="SELECT count(t) FROM (SELECT evaluation_id, sum(observed) AS t FROM thidua.observation GROUP BY evaluation_id) s"
q_scores="SELECT count(t) FROM (SELECT evaluation_id, thidua.score('stp/2019', criterion_code, observed) AS t,
	thidua.tie_break_keys('stp/2019', criterion_code, observed) AS k FROM thidua.observation GROUP BY evaluation_id) s"
# bloc_period is small: let the planner consider scanning it in parallel
q_standings="SET min_parallel_table_scan_size = 0; SELECT count(rank) FROM thidua.current_standings"

same=$(psql -X -q -At -d "$BENCH_DB" -c "SET max_parallel_workers_per_gather = 0" \
	-c "SELECT sum(t) FROM (SELECT evaluation_id, thidua.score('stp/2019', criterion_code, observed) AS t FROM thidua.observation GROUP BY evaluation_id) s" \
	-c "SET max_parallel_workers_per_gather = 2" \
	-c "SELECT sum(t) FROM (SELECT evaluation_id, thidua.score('stp/2019', criterion_code, observed) AS t FROM thidua.observation GROUP BY evaluation_id) s" | sort -u | wc -l)
units=$(psql -X -q -At -d "$BENCH_DB" -c "SELECT count(rank) FROM thidua.current_standings")
same_standings=$(psql -X -q -At -d "$BENCH_DB" -c "SET min_parallel_table_scan_size = 0" \
	-c "SET max_parallel_workers_per_gather = 0" -c "SELECT md5(string_agg(s::text, '' ORDER BY bloc_code, unit_code)) FROM thidua.current_standings s" \
	-c "SET max_parallel_workers_per_gather = 2" -c "SELECT md5(string_agg(s::text, '' ORDER BY bloc_code, unit_code)) FROM thidua.current_standings s" | sort -u | wc -l)
plan=$(psql -X -q -At -d "$BENCH_DB" -c "SET min_parallel_table_scan_size = 0" -c "SET max_parallel_workers_per_gather = 2" \
	-c "EXPLAIN (COSTS OFF) SELECT count(rank) FROM thidua.current_standings" | sed 's/^ *//; s/^-> *//' | head -n 4 | paste -sd '/')
sum0=$(bench_median "$runs" 0 "$q_sum"); sum2=$(bench_median "$runs" 2 "$q_sum")
scores0=$(bench_median "$runs" 0 "$q_scores"); scores2=$(bench_median "$runs" 2 "$q_scores")
standings0=$(bench_median "$standings_runs" 0 "$q_standings")
standings2=$(bench_median "$standings_runs" 2 "$q_standings")

printf '%-52s %12s %12s\n' "query (median ms)" "serial" "2 workers"
printf '%-52s %12.0f %12.0f\n' "sum(observed) by evaluation" "$sum0" "$sum2"
printf '%-52s %12.0f %12.0f\n' "score + tie_break_keys by evaluation" "$scores0" "$scores2"
printf '%-52s %12.0f %12.0f\n' "standings of every bloc (current_standings)" "$standings0" "$standings2"
echo "standings ranked $units units in one query"
echo "score + tie_break_keys / sum(observed): $(ratio "$scores0" "$sum0") serial, $(ratio "$scores2" "$sum2") with 2 workers"
echo "standings of every bloc / sum(observed): $(ratio "$standings0" "$sum0") serial, $(ratio "$standings2" "$sum2") with 2 workers"
echo "2-worker speed-up: sum $(ratio "$sum0" "$sum2"), score + keys $(ratio "$scores0" "$scores2"), standings $(ratio "$standings0" "$standings2")"
echo "plan of the standings with 2 workers: $plan"
echo "serial and parallel standings identical: $([ "$same_standings" = 1 ] && echo yes || echo NO)"
echo "serial and parallel totals identical: $([ "$same" = 1 ] && echo yes || echo NO)"
psql -X -q -d postgres -c "DROP DATABASE $BENCH_DB" >/dev/null
