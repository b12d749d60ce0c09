# Citus overheads (THIDUA_BENCH_ONLY=citus): the same data on one server (a
# database of the bench's cluster) and on a three-node Citus cluster (a
# coordinator and two workers on this machine, thidua.distribute()d), the same
# queries timed alternately on both, medians and ratios Citus / one server:
# national standings (blocs x 15 members x 14 peer judges x 50 criteria),
# one bloc's standings, eligibility over people x 20 years of ratings, and
# trimmed_mean against avg grouped by unit and criterion (not the distribution
# column: partial aggregation on the workers). Every result is compared by
# checksum between the two. A query that fails on Citus is reported as failed.
. scripts/lib/bench.sh
. scripts/lib/citus-cluster.sh
citus_db=thidua_bench_citus
citus_blocs=${THIDUA_BENCH_BLOCS:-2000}
citus_people=${THIDUA_BENCH_PEOPLE:-1000000}
citus_runs=${THIDUA_BENCH_RUNS:-5}
citus_slow_runs=${THIDUA_BENCH_STANDINGS_RUNS:-3}

echo "== citus: one server against a coordinator and two workers on this machine"

# --- helpers -----------------------------------------------------------------

citus_one() { psql -X -q -h "$citus_one_host" -p "$citus_one_port" -U postgres -d "$citus_db" "$@"; }
citus_dist() { psql -X -q -h "$citus_dist_host" -p "$citus_dist_port" -U postgres -d "$citus_db" "$@"; }

# citus_copy TABLE...: the rows thidua's own functions made on the one server,
# copied as they are into the (empty) Citus table, as a restore would.
citus_copy() {
	local table
	for table in "$@"; do
		citus_one -v ON_ERROR_STOP=1 -c "COPY thidua.$table TO STDOUT" |
			citus_dist -v ON_ERROR_STOP=1 -c "SET citus.propagate_set_commands = 'local'" -c "BEGIN" \
				-c "SET LOCAL session_replication_role = replica" -c "COPY thidua.$table FROM STDIN" -c "COMMIT" ||
			return 1
	done
}

# citus_time_once WHERE SQL: wall ms of SQL in a fresh session on "one" or
# "dist"; on failure the first error line, and status 1.
citus_time_once() {
	local out ms
	if out=$("citus_$1" -v ON_ERROR_STOP=1 -c '\timing on' -c "$2" 2>&1); then
		ms=$(sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' <<<"$out" | tail -n 1)
		[ -n "$ms" ] && { echo "$ms"; return 0; }
	fi
	grep -m 1 -E 'ERROR|FATAL|error' <<<"$out" || echo "no timing in: $(head -n 1 <<<"$out")"
	[ "$1" = one ] || citus_wait_coordinator
	return 1
}

# After a backend crash the coordinator restarts: wait until it takes queries.
citus_wait_coordinator() {
	local i
	for i in $(seq 1 60); do
		citus_dist -At -c "SELECT 1" >/dev/null 2>&1 && return 0
		sleep 1
	done
}

citus_median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

# citus_compare LABEL RUNS ONE_SQL DIST_SQL: runs the two alternately (one
# server first), RUNS times each; a side that fails is not run again. Prints
# a row of the table; sets cmp_one, cmp_dist (median ms or "failed") and
# cmp_ratio; errors go to citus_errors.
citus_compare() {
	local label=$1 runs=$2 one_sql=$3 dist_sql=$4 i t one_times=() dist_times=() one_failed="" dist_failed=""
	# (DIST_SQL "not run: REASON" leaves Citus out)
	[[ "$dist_sql" != "not run: "* ]] || dist_failed=$dist_sql
	for i in $(seq 1 "$runs"); do
		if [ -z "$one_failed" ]; then
			if t=$(citus_time_once one "$one_sql"); then one_times+=("$t"); else one_failed=$t; fi
		fi
		if [ -z "$dist_failed" ]; then
			if t=$(citus_time_once dist "$dist_sql"); then dist_times+=("$t"); else dist_failed=$t; fi
		fi
	done
	if [ -n "$one_failed" ]; then
		cmp_one=failed
		citus_errors+="  $label, one server: $one_failed"$'\n'
	else
		cmp_one=$(citus_median "${one_times[@]}")
	fi
	if [ -n "$dist_failed" ]; then
		cmp_dist=failed
		citus_errors+="  $label, Citus: $dist_failed"$'\n'
	else
		cmp_dist=$(citus_median "${dist_times[@]}")
	fi
	if [ "$cmp_one" != failed ] && [ "$cmp_dist" != failed ]; then
		cmp_ratio=$(ratio "$cmp_dist" "$cmp_one")
	else
		cmp_ratio=-
	fi
	citus_rows+=$(printf '%-58s %10s %10s %8s' "$label" "$(citus_ms "$cmp_one")" "$(citus_ms "$cmp_dist")" "$cmp_ratio")$'\n'
}
citus_ms() { [ "$1" = failed ] && echo failed || printf '%.0f' "$1"; }

# citus_same LABEL SQL: the single value SQL returns (a checksum), on both.
citus_same() {
	local one dist
	one=$(citus_one -At -v ON_ERROR_STOP=1 -c "$2" 2>&1 | tail -n 1) || one="failed: $(tail -n 1 <<<"$one")"
	dist=$(citus_dist -At -v ON_ERROR_STOP=1 -c "$2" 2>&1) || { dist="failed"; citus_wait_coordinator; }
	if [[ "$dist" == failed ]]; then
		echo "$1: not compared (failed on Citus)"
	elif [ "$one" = "$dist" ]; then
		echo "$1: identical ($one)"
	else
		echo "$1: DIFFERENT (one server $one, Citus $(tail -n 1 <<<"$dist"))"
	fi
}

citus_part_end() {
	citus_cluster_stop
	if [ -n "$citus_saved_exit" ]; then trap "$citus_saved_exit" EXIT; else trap - EXIT; fi
	export PGHOST="$citus_one_host" PGPORT="$citus_one_port" PGUSER="$citus_one_user"
	[ -n "$citus_one_database" ] && export PGDATABASE="$citus_one_database" || unset PGDATABASE
	[ -n "${THIDUA_BENCH_KEEP:-}" ] || psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $citus_db" >/dev/null || true
}

# The data, generated the same on both from hashes (no random()): one server
# and Citus hold the same rows. Loaded as a restore would be (no per-row
# triggers or foreign-key checks); on Citus the observations and ratings are
# generated on the workers by INSERT ... SELECT from co-located tables.
citus_scoring_sql="
BEGIN;
SET LOCAL session_replication_role = replica;
INSERT INTO thidua.period (period_code, year) VALUES ('2019', 2019);
INSERT INTO thidua.unit (unit_code, name) SELECT 'u' || i, 'Đơn vị ' || i FROM generate_series(1, :blocs * 15) AS i;
INSERT INTO thidua.bloc SELECT 'b' || b, 'Khối ' || b, 'bloc' FROM generate_series(1, :blocs) AS b;
INSERT INTO thidua.bloc_period SELECT 'b' || b, '2019', 'stp/2019', 'trimmed_mean', 1, 8 FROM generate_series(1, :blocs) AS b;
INSERT INTO thidua.bloc_member SELECT 'b' || b, '2019', 'u' || ((b - 1) * 15 + m), CASE m WHEN 1 THEN 'head' ELSE 'member' END
	FROM generate_series(1, :blocs) AS b, generate_series(1, 15) AS m;
INSERT INTO thidua.evaluation (evaluation_id, bloc_code, period_code, unit_code, stage, judge_code) OVERRIDING SYSTEM VALUE
	SELECT ((b - 1) * 15 + m - 1) * 15 + j, 'b' || b, '2019', 'u' || ((b - 1) * 15 + m), 'peer', 'u' || ((b - 1) * 15 + j)
	FROM generate_series(1, :blocs) AS b, generate_series(1, 15) AS m, generate_series(1, 15) AS j WHERE m <> j;
INSERT INTO thidua.observation (bloc_code, evaluation_id, criterion_code, observed)
	SELECT x.bloc_code, x.evaluation_id, x.code,
		-- (searched CASE: Citus deparses a simple CASE badly in a pushed-down INSERT)
		(CASE WHEN x.rule = 'pass_fail' THEN (x.r < 0.9)::integer
			WHEN x.rule = 'proportional' THEN round((50 + x.r * 70)::numeric, 1)
			WHEN x.rule = 'bands' THEN round((x.r * 100)::numeric, 1)
			WHEN x.rule = 'per_occurrence' THEN floor(x.r * 3)
			ELSE round((x.r * x.max_points)::numeric, 2) END)::numeric
	FROM (SELECT e.bloc_code, e.evaluation_id, i.code, i.rule, i.max_points,
			(hashtext(e.evaluation_id || ':' || i.code) & 1048575)::float8 / 1048576 AS r
		FROM thidua.evaluation e
		CROSS JOIN thidua.criteria_item i
		WHERE i.version_code = 'stp/2019' AND i.kind = 'criterion') x;
COMMIT;"
citus_people_sql="
BEGIN;
SET LOCAL session_replication_role = replica;
INSERT INTO thidua.unit (unit_code, name) VALUES ('S', 'Sở'), ('D1', 'Phòng 1'), ('D2', 'Phòng 2');
UPDATE thidua.unit SET parent_code = 'S' WHERE unit_code IN ('D1', 'D2');
INSERT INTO thidua.individual (person_code, full_name, sex)
	SELECT 'p' || p, 'Người ' || p, CASE WHEN p % 2 = 0 THEN 'male' ELSE 'female' END FROM generate_series(1, :people) p;
INSERT INTO thidua.membership (person_code, unit_code, valid_from)
	SELECT i.person_code, CASE WHEN i.sex = 'male' THEN 'D1' ELSE 'D2' END, '2000-01-01' FROM thidua.individual i;
INSERT INTO thidua.individual_rating (person_code, year, rating)
	SELECT i.person_code, y, CASE WHEN hashtext(i.person_code || ':' || y) & 1023 < 870 THEN 'HTXSNV' ELSE 'HTTNV' END::thidua.completion_rating
	FROM thidua.individual i CROSS JOIN generate_series(2005, 2024) AS y;
INSERT INTO thidua.discipline (person_code, kind, severity, valid_from, valid_to)
	SELECT 'p' || p, 'measure', 'reprimand', make_date(2010 + p % 15, 3, 1), make_date(2010 + p % 15, 9, 1)
	FROM generate_series(1, :people, 100) p;
COMMIT;"
# the rules of 50_eligibility.sh, imported and published on the one server
citus_rulebook_sql=$(sed -n '/^-- the rules as documents/,/^SELECT thidua.publish_rulebook/p' scripts/bench.d/50_eligibility.sh)

citus_load() {
	local t0 t1
	t0=$(date +%s)
	citus_one -v ON_ERROR_STOP=1 -v blocs="$citus_blocs" <<<"$citus_scoring_sql" || return 1
	citus_one -v ON_ERROR_STOP=1 -v people="$citus_people" <<<"$citus_people_sql" || return 1
	citus_one -v ON_ERROR_STOP=1 <<<"$citus_rulebook_sql" >/dev/null || return 1
	citus_one -c "VACUUM ANALYZE" || return 1
	t1=$(date +%s)
	# On Citus the criteria and rulebook rows are the one server's, copied:
	# the data is the same, whatever their import functions do there.
	citus_copy criteria_set criteria_version criteria_item class_band criteria_version_event \
		rulebook rulebook_version rulebook_entry rulebook_version_event || return 1
	PGOPTIONS="-c citus.propagate_set_commands=local" citus_dist -v ON_ERROR_STOP=1 -v blocs="$citus_blocs" <<<"$citus_scoring_sql" || return 1
	PGOPTIONS="-c citus.propagate_set_commands=local" citus_dist -v ON_ERROR_STOP=1 -v people="$citus_people" <<<"$citus_people_sql" || return 1
	citus_dist -c "VACUUM ANALYZE" || return 1
	echo "loaded in $((t1 - t0)) s on one server, $(($(date +%s) - t1)) s on Citus"
	# the same rows on both: counts and a checksum of the scores
	local counts="SELECT (SELECT count(*) FROM thidua.observation) || ' observations, '
		|| (SELECT count(*) FROM thidua.individual_rating) || ' ratings, '
		|| (SELECT sum(observed) FROM thidua.observation) || ' points, '
		|| (SELECT count(*) FILTER (WHERE rating = 'HTXSNV') FROM thidua.individual_rating) || ' HTXSNV'"
	citus_same "data" "$counts"
}

# --- set-up --------------------------------------------------------------------

citus_build_status=0
scripts/citus-build || citus_build_status=$?
if [ "$citus_build_status" -eq 3 ]; then
	echo "citus: SKIPPED: no Citus source at hand (set CITUS_SOURCE, or put citus-*.tar.gz in ../shared/vendor/)"
	return 0
elif [ "$citus_build_status" -ne 0 ]; then
	echo "citus: SKIPPED: scripts/citus-build failed (status $citus_build_status)"
	return 0
fi

citus_one_host=$PGHOST citus_one_port=$PGPORT citus_one_user=${PGUSER:-postgres} citus_one_database=${PGDATABASE:-}
citus_saved_exit=$(trap -p EXIT | sed "s/^trap -- '\(.*\)' EXIT\$/\1/")
# the cluster goes however the bench ends
trap "citus_cluster_stop; ${citus_saved_exit:-:}" EXIT
citus_rows=""
citus_errors=""

bench_database "$citus_db" criteria
# Each node: the one server's memory (2 GB of shared buffers for the bench),
# its work_mem spread over the four shard queries each worker runs at once;
# no parallel workers within a shard query: on 2 cores the shards are the
# parallelism.
citus_conf=${THIDUA_CITUS_CONF:-"shared_buffers = 1536MB
work_mem = 128MB
maintenance_work_mem = 512MB
effective_cache_size = 8GB
max_parallel_workers_per_gather = 0
max_wal_size = 8GB
checkpoint_timeout = 30min
jit = off"}
if ! THIDUA_CITUS_CONF=$citus_conf citus_cluster_start "$citus_db"; then
	echo "citus: FAILED: the three-node cluster or the README's set-up did not start"
	citus_part_end
	return 0
fi
citus_dist_host=$PGHOST citus_dist_port=$PGPORT
export PGHOST="$citus_one_host" PGPORT="$citus_one_port" PGUSER="$citus_one_user"
[ -n "$citus_one_database" ] && export PGDATABASE="$citus_one_database" || unset PGDATABASE

echo "data: $citus_blocs blocs x 15 members x 14 peer judges x 50 criteria = $((citus_blocs * 15 * 14 * 50)) observations;" \
	"$citus_people people x 20 years = $((citus_people * 20)) ratings"
if ! citus_load; then
	echo "citus: FAILED: loading the data"
	citus_part_end
	return 0
fi

# --- measurements --------------------------------------------------------------

q_standings="SELECT count(rank) FROM thidua.current_standings"
q_bloc="SELECT count(rank) FROM thidua.standings('b1', '2019')"
q_eligible="SELECT count(*) FROM thidua.eligible('CSTD-BT', 2024)"
q_count="SELECT count(t) FROM (SELECT person_code, count(*) AS t FROM thidua.individual_rating GROUP BY person_code) s"
q_sum="SELECT count(t) FROM (SELECT bloc_code, evaluation_id, sum(observed) AS t FROM thidua.observation GROUP BY bloc_code, evaluation_id) s"
# by unit and criterion: not the distribution column (the unit's bloc is)
q_by_unit_groups() {
	echo "SELECT e.unit_code, o.criterion_code, $1 AS t
	FROM thidua.observation o JOIN thidua.evaluation e ON o.bloc_code = e.bloc_code AND o.evaluation_id = e.evaluation_id
	GROUP BY e.unit_code, o.criterion_code"
}
q_by_unit() { echo "SELECT count(t) FROM ($(q_by_unit_groups "$1")) s"; }
q_avg=$(q_by_unit "avg(o.observed)")
q_tm=$(q_by_unit "thidua.trimmed_mean(o.observed, 1)")
q_avg_c="SELECT count(t) FROM (SELECT criterion_code, avg(observed) AS t FROM thidua.observation GROUP BY criterion_code) s"
q_tm_c="SELECT count(t) FROM (SELECT criterion_code, thidua.trimmed_mean(observed, 1) AS t FROM thidua.observation GROUP BY criterion_code) s"
# (the one server as 30_standings.sh runs it: 2 parallel workers, bloc_period small)
one_prefix="SET max_parallel_workers_per_gather = 2; SET min_parallel_table_scan_size = 0;"

citus_compare "sum(observed) by evaluation (baseline)" "$citus_runs" "$one_prefix $q_sum" "$q_sum"
citus_compare "standings of every bloc (current_standings)" "$citus_slow_runs" "$one_prefix $q_standings" "$q_standings"
citus_standings_ratio=$cmp_ratio
citus_compare "standings of one bloc (standings('b1', '2019'))" "$citus_runs" "$one_prefix $q_bloc" "$q_bloc"
citus_bloc_ratio=$cmp_ratio
citus_compare "count(*) of ratings by person (baseline)" "$citus_slow_runs" "$one_prefix $q_count" "$q_count"
citus_compare "eligible(): 5 years HTXSNV, no measure in them" "$citus_runs" "$one_prefix $q_eligible" "$q_eligible"
citus_eligible_ratio=$cmp_ratio
# trimmed_mean through Citus's partial aggregation, first on a small probe:
# 50,000 groups on the coordinator, whose peak memory must stay that of avg's
# (a state context per group instead of one per aggregate would take ~8 kB a
# group: 12 GB at national scale, which this shared machine cannot spare).
citus_probe() {
	local agg=$1
	citus_dist -At -v ON_ERROR_STOP=1 2>&1 <<SQL | tr '\n' ' '
SELECT pg_backend_pid() AS pid \gset
\setenv BACKEND_PID :pid
SELECT count(t) FROM (SELECT g, $agg AS t FROM public.citus_probe GROUP BY g) s;
\! awk '/VmHWM/ {peak = \$2} /RssShmem/ {shared = \$2} END {printf "%.0f", (peak - shared) / 1024}' /proc/\$BACKEND_PID/status
SQL
}
citus_dist -v ON_ERROR_STOP=1 -c "CREATE TABLE public.citus_probe (k integer, g integer, v numeric)" \
	-c "SELECT create_distributed_table('public.citus_probe', 'k')" \
	-c "INSERT INTO public.citus_probe SELECT i, i % 50000, (i % 97)::numeric FROM generate_series(1, 100000) i" >/dev/null || true
probe_avg=$(citus_probe "avg(v)") || true
probe_tm=$(citus_probe "thidua.trimmed_mean(v, 1)") || true
citus_tm_ok=no
if [[ "$probe_tm" =~ ^50000\ ([0-9]+)\ ?$ ]]; then
	probe_tm_mb=${BASH_REMATCH[1]}
	if [ "$probe_tm_mb" -le 200 ]; then
		citus_tm_ok=yes
		echo "probe, 50,000 groups on Citus: coordinator's peak private memory $probe_tm_mb MB with trimmed_mean, ${probe_avg#* } MB with avg"
	else
		echo "probe, 50,000 groups on Citus: trimmed_mean took $probe_tm_mb MB on the coordinator (avg ${probe_avg#* } MB): the national-scale query is not run on Citus"
	fi
else
	citus_wait_coordinator
	echo "probe, 50,000 groups on Citus: trimmed_mean FAILED ($(grep -m 1 -oE 'server closed the connection unexpectedly|ERROR:.*' <<<"$probe_tm" || echo "$probe_tm")); avg: ${probe_avg% *} groups, ${probe_avg#* } MB"
	echo "  (the by-unit-and-criterion query is not run on Citus: see the coordinator's log for the crash)"
fi
citus_dist -c "DROP TABLE public.citus_probe" >/dev/null 2>&1 || true

citus_compare "avg(observed) by unit and criterion" "$citus_slow_runs" "$one_prefix $q_avg" "$q_avg"
citus_avg_one=$cmp_one citus_avg_dist=$cmp_dist
if [ "$citus_tm_ok" = yes ]; then
	citus_compare "trimmed_mean(observed, 1) by unit and criterion" "$citus_slow_runs" "$one_prefix $q_tm" "$q_tm"
else
		citus_compare "trimmed_mean(observed, 1) by unit and criterion" "$citus_slow_runs" "$one_prefix $q_tm" "not run: trimmed_mean failed the probe"
fi
citus_tm_one=$cmp_one citus_tm_dist=$cmp_dist
# 50 groups: a few partial states per worker, whatever the state's memory
citus_compare "avg(observed) by criterion" "$citus_slow_runs" "$one_prefix $q_avg_c" "$q_avg_c"
citus_avg_c_one=$cmp_one citus_avg_c_dist=$cmp_dist
citus_compare "trimmed_mean(observed, 1) by criterion" "$citus_slow_runs" "$one_prefix $q_tm_c" "$q_tm_c"
citus_tm_c_one=$cmp_one citus_tm_c_dist=$cmp_dist

echo "medians of $citus_runs runs ($citus_slow_runs for the slow queries), one server and Citus alternately:"
printf '%-58s %10s %10s %8s\n' "query (median ms)" "one server" "Citus" "ratio"
printf '%s' "$citus_rows"
[ -z "$citus_errors" ] || printf 'failed:\n%s' "$citus_errors"
echo "Citus / one server: national standings $citus_standings_ratio (target <= 1.5), one bloc's standings $citus_bloc_ratio," \
	"eligibility $citus_eligible_ratio (target <= 1.5)"
citus_tm_ratio() { [ "$1" = failed ] || [ "$2" = failed ] && echo - || ratio "$1" "$2"; }
echo "trimmed_mean(observed, 1) / avg(observed) by unit and criterion: $(citus_tm_ratio "$citus_tm_dist" "$citus_avg_dist") on Citus (target <= 1.2)," \
	"$(citus_tm_ratio "$citus_tm_one" "$citus_avg_one") on one server; by criterion: $(citus_tm_ratio "$citus_tm_c_dist" "$citus_avg_c_dist") on Citus," \
	"$(citus_tm_ratio "$citus_tm_c_one" "$citus_avg_c_one") on one server"

citus_same "standings of every bloc" "SELECT md5(string_agg(s::text, '' ORDER BY s::text)) FROM thidua.current_standings s"
citus_same "standings of one bloc" "SELECT md5(string_agg(s::text, '' ORDER BY s::text)) FROM thidua.standings('b1', '2019') s"
citus_same "eligibility (with reasons)" "SELECT count(*) || ' ' || md5(string_agg(subject_code || coalesce(reasons::text, ''), ',' ORDER BY subject_code))
	FROM thidua.eligible('CSTD-BT', 2024, NULL, true)"
if [ "$citus_tm_ok" = yes ]; then
	citus_same "trimmed_mean and avg by unit and criterion" "SELECT count(*) || ' ' || md5(string_agg(unit_code || criterion_code || t || a, ',' ORDER BY unit_code, criterion_code))
	FROM (SELECT e.unit_code, o.criterion_code, thidua.trimmed_mean(o.observed, 1) AS t, avg(o.observed) AS a
		FROM thidua.observation o JOIN thidua.evaluation e ON o.bloc_code = e.bloc_code AND o.evaluation_id = e.evaluation_id
		GROUP BY e.unit_code, o.criterion_code) s"
else
	echo "trimmed_mean and avg by unit and criterion: not compared (not run on Citus)"
fi
citus_same "trimmed_mean and avg by criterion" "SELECT count(*) || ' ' || md5(string_agg(criterion_code || t || a, ',' ORDER BY criterion_code))
	FROM (SELECT criterion_code, thidua.trimmed_mean(observed, 1) AS t, avg(observed) AS a FROM thidua.observation GROUP BY criterion_code) s"
echo "plan of trimmed_mean by unit and criterion on Citus (partial aggregates on the workers, combined on the coordinator):"
citus_dist -c "EXPLAIN (VERBOSE, COSTS OFF) $(q_by_unit_groups "thidua.trimmed_mean(o.observed, 1)")" 2>&1 | grep -E 'Custom Scan|Task Count|Node:|Aggregate|Group Key|Output: .*(partial|combine|trimmed_mean)|->  (Hash|Seq|Index|Merge|Nested)' |
	cut -c 1-160 | sed 's/^/  /' | head -n 24 || true
echo "plan of one bloc's standings on Citus:"
citus_dist -c "EXPLAIN (COSTS OFF) $q_bloc" 2>&1 | head -n 8 | sed 's/^/  /' || true

citus_part_end
