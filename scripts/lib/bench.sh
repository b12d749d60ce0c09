# Timing helpers for benchmarks (sourced by scripts/bench.d/*.sh).
# bench_median RUNS WORKERS SQL: median wall time in ms of SQL over RUNS runs,
# each in its own session with max_parallel_workers_per_gather = WORKERS.
bench_median() {
	local runs=$1 workers=$2 sql=$3 times=() i ms
	for i in $(seq 1 "$runs"); do
		ms=$(psql -X -q -d "$BENCH_DB" -v ON_ERROR_STOP=1 \
			-c '\timing on' -c "SET max_parallel_workers_per_gather = $workers" -c "$sql" 2>&1 |
			sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -n 1)
		[ -n "$ms" ] || { echo "benchmark query failed: $sql" >&2; return 1; }
		times+=("$ms")
	done
	printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'
}

# ratio A B: A / B to two decimals
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }

# bench_database NAME [criteria]: a fresh database with thidua installed, and
# with the shipped stp/2019 criteria table published when asked.
bench_database() {
	psql -X -q -d postgres -c "CREATE DATABASE $1" >/dev/null
	psql -X -q -d "$1" -c "CREATE EXTENSION thidua" >/dev/null
	[ "${2:-}" = criteria ] || return 0
	psql -X -q -d "$1" -v ON_ERROR_STOP=1 \
		-v data="$(base64 -w0 test/fixtures/criteria/stp-2019.json)" >/dev/null <<'SQL'
SELECT thidua.publish_version(thidua.import_criteria_file(decode(:'data', 'base64'), NULL, 'stp-2019.json'));
SQL
}
