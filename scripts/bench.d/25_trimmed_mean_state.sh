# trimmed_mean's state (THIDUA_BENCH_ONLY=trimmed_mean): the bytes a group's
# state takes as the group grows (what a parallel worker or a Citus node ships),
# and the 200,000-group run at trim 1, 1,000 and 100,000 against avg(v) in the
# same run. At trim 1,000 and 100,000 every group of 50 keeps all its values.
. scripts/lib/bench.sh
BENCH_DB=thidua_bench_trimmed_mean
groups=${THIDUA_BENCH_GROUPS:-200000}
per_group=${THIDUA_BENCH_PER_GROUP:-50}
runs=${THIDUA_BENCH_RUNS:-5}

bench_database "$BENCH_DB"
echo "== trimmed_mean state: bytes per group by size; $((groups * per_group)) rows in $groups groups at trim 1, 1,000 and 100,000"
psql -X -q -d "$BENCH_DB" -v ON_ERROR_STOP=1 -v groups="$groups" -v per_group="$per_group" <<'SQL'
CREATE TABLE score_sample AS
SELECT i, (i % :groups) AS g, round((random() * 100)::numeric, 2) AS v
FROM generate_series(1, :groups * :per_group) AS i;
VACUUM ANALYZE score_sample;
-- the state itself: the same transition, no final function
CREATE AGGREGATE trimmed_mean_state(numeric, integer) (SFUNC = thidua._trimmed_mean_transition, STYPE = bytea);
SQL

# Mean bytes of the state (with its 4-byte varlena header) over 1,000 groups of
# n values like the sample's, for n = 1 to 50, at trim 1.
echo "state bytes per group at trim 1 (mean over 1,000 groups of n values; the previous format took 80 whatever n):"
psql -X -q -At -d "$BENCH_DB" -v ON_ERROR_STOP=1 -c "
	SELECT n, round(avg(4 + length(s)), 1) FROM (
		SELECT n, k, trimmed_mean_state(round((random() * 100)::numeric, 2), 1) AS s
		FROM generate_series(1, 50) n, generate_series(1, 1000) k, generate_series(1, n) x
		GROUP BY n, k) t GROUP BY n ORDER BY n" |
	awk -F'|' '{ line = line sprintf(" %5s", $2) } NR % 10 == 0 { printf "  n = %2d-%2d:%s\n", NR - 9, NR, line; line = "" }'
echo "state bytes of one group of $per_group values: trim 1 $(psql -X -q -At -d "$BENCH_DB" -c "
	SELECT 4 + length(trimmed_mean_state(v, 1)) FROM score_sample WHERE g = 0"), trim 100,000 $(psql -X -q -At -d "$BENCH_DB" -c "
	SELECT 4 + length(trimmed_mean_state(v, 100000)) FROM score_sample WHERE g = 0") (the previous format: 80 and 3,200,048)"

q_avg="SELECT count(t) FROM (SELECT g, avg(v) AS t FROM score_sample GROUP BY g) s"
q_tm() { echo "SELECT count(t) FROM (SELECT g, thidua.trimmed_mean(v, $1) AS t FROM score_sample GROUP BY g) s"; }
disagree=$(psql -X -q -At -d "$BENCH_DB" -c "
	SELECT count(*) FROM (SELECT g, avg(v) AS a, thidua.trimmed_mean(v, 1000) AS b, thidua.trimmed_mean(v, 100000) AS c
		FROM score_sample GROUP BY g) s WHERE a IS DISTINCT FROM b OR a IS DISTINCT FROM c")
echo "trimmed_mean(v, 1000) and (v, 100000) differ from avg(v) on $disagree groups (each keeps every value)"
avg0=$(bench_median "$runs" 0 "$q_avg")
tm1=$(bench_median "$runs" 0 "$(q_tm 1)")
tm1000=$(bench_median "$runs" 0 "$(q_tm 1000)")
tm100000=$(bench_median "$runs" 0 "$(q_tm 100000)")
printf '%-40s %12s %10s\n' "query (serial, median ms)" "ms" "/ avg(v)"
printf '%-40s %12.0f %10s\n' "avg(v)" "$avg0" "1.00"
printf '%-40s %12.0f %10s\n' "thidua.trimmed_mean(v, 1)" "$tm1" "$(ratio "$tm1" "$avg0")"
printf '%-40s %12.0f %10s\n' "thidua.trimmed_mean(v, 1000)" "$tm1000" "$(ratio "$tm1000" "$avg0")"
printf '%-40s %12.0f %10s\n' "thidua.trimmed_mean(v, 100000)" "$tm100000" "$(ratio "$tm100000" "$avg0")"
echo "trimmed_mean(v, 1) / avg(v): $(ratio "$tm1" "$avg0")  (target <= 1.2); trim 100,000 / trim 1: $(ratio "$tm100000" "$tm1")"
psql -X -q -d postgres -c "DROP DATABASE $BENCH_DB" >/dev/null
