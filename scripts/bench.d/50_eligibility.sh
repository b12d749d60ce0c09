# Eligibility benchmark: thidua.eligible() for one award over people x 20 years
# of ratings, against count(*) of the same rows grouped by person and against
# a plain-SQL gaps-and-islands formulation of the same rule; serial and
# 2-worker results compared; peak backend memory.
. scripts/lib/bench.sh
BENCH_DB=thidua_bench_eligibility
people=${THIDUA_BENCH_PEOPLE:-1000000}
runs=${THIDUA_BENCH_RUNS:-5}
sql_runs=${THIDUA_BENCH_SQL_RUNS:-3}

bench_database "$BENCH_DB"
echo "== eligibility: $people people x 20 years of ratings = $((people * 20)) rows; 1 % with a disciplinary measure"
psql -X -q -d "$BENCH_DB" -v ON_ERROR_STOP=1 -v people="$people" <<'SQL'
-- loaded as the data's owner would restore it: no per-row foreign-key checks
SET session_replication_role = replica;
INSERT INTO thidua.unit (unit_code, name) VALUES ('S', 'Sở'), ('D1', 'Phòng 1'), ('D2', 'Phòng 2');
UPDATE thidua.unit SET parent_code = 'S' WHERE unit_code IN ('D1', 'D2');
INSERT INTO thidua.individual (person_code, full_name, sex)
	SELECT 'p' || p, 'Người ' || p, CASE WHEN p % 2 = 0 THEN 'male' ELSE 'female' END FROM generate_series(1, :people) p;
INSERT INTO thidua.membership (person_code, unit_code, valid_from)
	SELECT 'p' || p, CASE WHEN p % 2 = 0 THEN 'D1' ELSE 'D2' END, '2000-01-01' FROM generate_series(1, :people) p;
INSERT INTO thidua.individual_rating (person_code, year, rating)
	SELECT 'p' || p, y, CASE WHEN random() < 0.85 THEN 'HTXSNV' ELSE 'HTTNV' END::thidua.completion_rating
	FROM generate_series(1, :people) p, generate_series(2005, 2024) y;
INSERT INTO thidua.discipline (person_code, kind, severity, valid_from, valid_to)
	SELECT 'p' || p, 'measure', 'reprimand', make_date(2010 + p % 15, 3, 1), make_date(2010 + p % 15, 9, 1)
	FROM generate_series(1, :people, 100) p;
RESET session_replication_role;
-- the rules as documents, through the rulebook import and publication
CREATE TEMP TABLE bench_source AS SELECT '{"document": "bench", "verified": false, "status": "N"}'::jsonb AS s;
CREATE TEMP TABLE bench_general AS SELECT jsonb_build_object(
	'thematic_and_ad_hoc_awards_count', jsonb_build_object('value', false, 'source', s),
	'revoked_awards_count', jsonb_build_object('value', false, 'source', s),
	'initiative_counts_once', jsonb_build_object('value', true, 'source', s),
	'achievements_after_discipline', jsonb_build_object('value', true, 'source', s)) AS g FROM bench_source;
-- CSTĐ-like: five years in a row rated HTXSNV and no measure in those five years
SELECT thidua.import_rulebook(jsonb_build_object('format', 1, 'rulebook', '{"code": "bench", "name": "Bench"}'::jsonb,
	'edition', '1', 'title', 'Bench', 'effective_from', '2000-01-01', 'general', g,
	'awards', jsonb_build_array(jsonb_build_object('award', 'CSTD-BT', 'rule', jsonb_build_object('all_of', jsonb_build_array(
		jsonb_build_object('kind', 'rating_streak', 'years', 5, 'rating', 'HTXSNV', 'source', s),
		jsonb_build_object('kind', 'no_discipline', 'window_years', 5, 'severity', NULL, 'source', s)))))))
	FROM bench_source, bench_general;
-- a streak that reads every row: twenty years rated HTTNV or better (a draft, named when used)
SELECT thidua.import_rulebook(jsonb_build_object('format', 1, 'rulebook', '{"code": "bench", "name": "Bench"}'::jsonb,
	'edition', '20', 'title', 'Bench, 20 years', 'effective_from', '2000-01-01', 'general', g,
	'awards', jsonb_build_array(jsonb_build_object('award', 'CSTD-BT', 'rule',
		jsonb_build_object('kind', 'rating_streak', 'years', 20, 'rating', 'HTTNV', 'source', s)))))
	FROM bench_source, bench_general;
SELECT thidua.publish_rulebook('bench/1');
VACUUM ANALYZE;
SQL

q_count="SELECT count(t) FROM (SELECT person_code, count(*) AS t FROM thidua.individual_rating GROUP BY person_code) s"
q_eligible="SELECT count(*) FROM thidua.eligible('CSTD-BT', 2024)"
q_eligible20="SELECT count(*) FROM thidua.eligible('CSTD-BT', 2024, NULL, false, 'bench/20')"
q_islands="SELECT count(*) FROM (SELECT i.person_code FROM (SELECT person_code, year,
		year - row_number() OVER (PARTITION BY person_code ORDER BY year) AS island
		FROM thidua.individual_rating WHERE rating >= 'HTXSNV') i
	GROUP BY i.person_code, i.island HAVING max(i.year) = 2024 AND count(*) >= 5) s
	JOIN thidua.membership m ON m.person_code = s.person_code AND m.valid_from <= '2024-12-31' AND (m.valid_to IS NULL OR m.valid_to > '2024-12-31')
	WHERE NOT EXISTS (SELECT 1 FROM thidua.discipline x WHERE x.person_code = s.person_code AND x.kind = 'measure'
		AND x.valid_from <= '2024-12-31' AND (x.valid_to IS NULL OR x.valid_to >= '2020-01-01'))"

# The formulations agree before anything is timed.
agree=$(psql -X -q -At -d "$BENCH_DB" -c "SELECT ($q_eligible) = ($q_islands)")
eligible_count=$(psql -X -q -At -d "$BENCH_DB" -c "$q_eligible")
echo "eligible() and gaps and islands agree: $([ "$agree" = t ] && echo yes || echo NO) ($eligible_count eligible)"
same=$(psql -X -q -At -d "$BENCH_DB" -c "SET max_parallel_workers_per_gather = 0" \
	-c "SELECT md5(string_agg(subject_code || coalesce(reasons::text, ''), ',' ORDER BY subject_code)) FROM thidua.eligible('CSTD-BT', 2024, NULL, true)" \
	-c "SET max_parallel_workers_per_gather = 2" \
	-c "SELECT md5(string_agg(subject_code || coalesce(reasons::text, ''), ',' ORDER BY subject_code)) FROM thidua.eligible('CSTD-BT', 2024, NULL, true)" | sort -u | wc -l)
# that the compiled query runs in parallel workers (RETURN QUERY EXECUTE may)
workers=$(psql -X -q -At -d "$BENCH_DB" -c "SET max_parallel_workers_per_gather = 2" \
	-c "LOAD 'auto_explain'" -c "SET auto_explain.log_min_duration = 0" -c "SET auto_explain.log_nested_statements = on" \
	-c "SET auto_explain.log_analyze = on" -c "SET client_min_messages = log" -c "SET auto_explain.log_level = notice" \
	-c "$q_eligible" 2>&1 | grep -c "Workers Launched: [1-9]" || true)

count0=$(bench_median "$runs" 0 "$q_count"); count2=$(bench_median "$runs" 2 "$q_count")
eligible0=$(bench_median "$runs" 0 "$q_eligible"); eligible2=$(bench_median "$runs" 2 "$q_eligible")
eligible200=$(bench_median "$runs" 0 "$q_eligible20"); eligible202=$(bench_median "$runs" 2 "$q_eligible20")
islands0=$(bench_median "$sql_runs" 0 "$q_islands")

printf '%-52s %12s %12s\n' "query (median ms)" "serial" "2 workers"
printf '%-52s %12.0f %12.0f\n' "count(*) by person (every row)" "$count0" "$count2"
printf '%-52s %12.0f %12.0f\n' "eligible(): 5 years HTXSNV, no measure in them" "$eligible0" "$eligible2"
printf '%-52s %12.0f %12.0f\n' "eligible(): 20 years HTTNV (reads every row)" "$eligible200" "$eligible202"
printf '%-52s %12.0f %12s\n' "gaps and islands, same rule as the first" "$islands0" "-"
echo "eligible() / count(*):                         $(ratio "$eligible0" "$count0") serial, $(ratio "$eligible2" "$count2") with 2 workers  (target <= 1.5)"
echo "eligible(), 20-year streak / count(*):         $(ratio "$eligible200" "$count0") serial, $(ratio "$eligible202" "$count2") with 2 workers"
echo "gaps and islands / eligible():                 $(ratio "$islands0" "$eligible0")  (target >= 3)"
echo "2-worker speed-up: count $(ratio "$count0" "$count2"), eligible() $(ratio "$eligible0" "$eligible2"); parallel workers launched inside eligible(): $([ "${workers:-0}" -gt 0 ] && echo yes || echo NO)"
echo "serial and parallel results identical (with reasons): $([ "$same" = 1 ] && echo yes || echo NO)"

# Peak private memory of a fresh backend (VmHWM less the shared buffers it mapped), serially.
peak_file=$(mktemp)
for query in "$q_count" "$q_eligible" "$q_eligible20"; do
	psql -X -q -At -d "$BENCH_DB" -v ON_ERROR_STOP=1 >/dev/null <<SQL
SET max_parallel_workers_per_gather = 0;
SELECT pg_backend_pid() AS pid \gset
\setenv BACKEND_PID :pid
$query;
\! awk '/VmHWM/ {peak = \$2} /RssShmem/ {shared = \$2} END {printf "%.0f ", (peak - shared) / 1024}' /proc/\$BACKEND_PID/status >> $peak_file
SQL
done
# the file has no final newline: read returns 1 at its end, with the values read
read -r peak_count peak_eligible peak_eligible20 < "$peak_file" || true
rm -f "$peak_file"
echo "peak private memory of the backend (VmHWM - RssShmem, MB), serial: count(*) $peak_count, eligible() $peak_eligible, eligible() 20 years $peak_eligible20"
[ -n "${THIDUA_BENCH_KEEP:-}" ] || psql -X -q -d postgres -c "DROP DATABASE $BENCH_DB" >/dev/null
