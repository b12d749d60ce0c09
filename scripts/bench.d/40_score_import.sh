# Score import benchmark: one bloc of 65 units, each scored by itself and the
# other 64 on the 50 criteria of stp/2019 (211,250 lines), through the client
# (`thidua scores import`). Baseline: a plain COPY of the same file into a
# table of text columns, on the same server.
. scripts/lib/bench.sh
BENCH_DB=thidua_bench_import
members=${THIDUA_BENCH_MEMBERS:-65}
runs=${THIDUA_BENCH_IMPORT_RUNS:-3}
file=$(mktemp /tmp/thidua-bench-scores.XXXXXX.csv)

bench_database "$BENCH_DB" criteria
echo "== score import: $members units x $members judges (self + peers) x 50 criteria = $((members * members * 50)) lines"
psql -X -q -d "$BENCH_DB" -v ON_ERROR_STOP=1 -v members="$members" <<'SQL' >/dev/null
INSERT INTO thidua.period (period_code, year) VALUES ('2019', 2019);
INSERT INTO thidua.unit (unit_code, name) SELECT 'u' || i, 'Đơn vị ' || i FROM generate_series(1, :members) AS i;
INSERT INTO thidua.bloc VALUES ('b1', 'Khối 1', 'bloc');
INSERT INTO thidua.bloc_period VALUES ('b1', '2019', 'stp/2019', 'trimmed_mean', 1, 8);
INSERT INTO thidua.bloc_member SELECT 'b1', '2019', 'u' || m, CASE m WHEN 1 THEN 'head' ELSE 'member' END
	FROM generate_series(1, :members) AS m;
CREATE TABLE bench_plain (unit text, judge text, criterion text, observed text, evidence text);
SQL
psql -X -q -d "$BENCH_DB" -v ON_ERROR_STOP=1 -v members="$members" >"$file" <<'SQL'
COPY (SELECT 'u' || u AS unit, CASE WHEN u = j THEN 'self' ELSE 'u' || j END AS judge, i.code AS criterion,
		(CASE i.rule
			WHEN 'pass_fail' THEN ((u * 7 + j * 3 + i.position) % 10 < 9)::integer
			WHEN 'proportional' THEN round((50 + ((u * 13 + j * 7 + i.position) % 700) / 10.0)::numeric, 1)
			WHEN 'bands' THEN round((((u * 11 + j * 5 + i.position) % 1000) / 10.0)::numeric, 1)
			WHEN 'per_occurrence' THEN (u + j + i.position) % 3
			ELSE round(i.max_points * ((u + j * 3 + i.position) % 100) / 100.0, 2) END)::numeric AS observed,
		'https://example.vn/' || u || '/' || i.code AS evidence
	FROM generate_series(1, :members) AS u, generate_series(1, :members) AS j, thidua.criteria_item i
	WHERE i.version_code = 'stp/2019' AND i.kind = 'criterion'
	ORDER BY u, j, i.position) TO STDOUT WITH (FORMAT csv, HEADER)
SQL
lines=$(($(wc -l <"$file") - 1))

# time_ms COMMAND...: wall time of a command in ms
time_ms() {
	local start end
	start=$(date +%s%N)
	"$@" >/dev/null || { echo "benchmark command failed: $*" >&2; return 1; }
	end=$(date +%s%N)
	echo $(((end - start) / 1000000))
}
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
reset_scores() {
	psql -X -q -d "$BENCH_DB" -v ON_ERROR_STOP=1 -c "DELETE FROM thidua.observation" \
		-c "DELETE FROM thidua.evaluation" -c "TRUNCATE bench_plain" -c "VACUUM ANALYZE" >/dev/null
}
copy_times=() import_times=()
for i in $(seq 1 "$runs"); do
	reset_scores
	copy_times+=("$(time_ms psql -X -q -d "$BENCH_DB" -v ON_ERROR_STOP=1 -c "\\copy bench_plain FROM '$file' WITH (FORMAT csv, HEADER)")")
	reset_scores
	import_times+=("$(time_ms env PGDATABASE="$BENCH_DB" cli/thidua scores import "$file" --bloc b1 --period 2019)")
done
stored=$(psql -X -q -At -d "$BENCH_DB" -c "SELECT count(*) FROM thidua.observation")
copy_ms=$(median "${copy_times[@]}")
import_ms=$(median "${import_times[@]}")
printf '%-52s %12s\n' "step (median of $runs, ms)" "ms"
printf '%-52s %12.0f\n' "plain COPY of the file (text columns)" "$copy_ms"
printf '%-52s %12.0f\n' "thidua scores import (checked and stored)" "$import_ms"
echo "stored $stored observations from $lines lines"
echo "scores import / plain COPY: $(ratio "$import_ms" "$copy_ms")"
rm -f "$file"
psql -X -q -d postgres -c "DROP DATABASE $BENCH_DB" >/dev/null
