# A database that already holds thidua's data is distributed the same way:
# the rows move to the shards as they are (guards kept on the placements do
# not judge the copy), every output stays the same, and the guards hold after.

existing=thidua_existing
zone=test/fixtures/zone-2019
nodes=$(sql_citus "SELECT string_agg(nodename || ':' || nodeport, ' ' ORDER BY groupid) FROM pg_dist_node")
setup_ok=1
for node in $nodes; do
	psql -X -q -h "${node%:*}" -p "${node##*:}" -U postgres -d postgres -c "CREATE DATABASE $existing" &&
		psql -X -q -h "${node%:*}" -p "${node##*:}" -U postgres -d "$existing" -c "CREATE EXTENSION citus" ||
		setup_ok=0
done >/dev/null 2>&1
coordinator=${nodes%% *}
in_existing() { PGHOST=$CITUS_HOST PGPORT=$CITUS_PORT PGDATABASE=$existing PGUSER=postgres "$@"; }
for worker in ${nodes#* }; do
	in_existing psql -X -q -c "SELECT citus_add_node('${worker%:*}', ${worker##*:})" >/dev/null 2>&1 || setup_ok=0
done
in_existing psql -X -q -c "SELECT citus_set_coordinator_host('${coordinator%:*}', ${coordinator##*:})" \
	-c "CREATE EXTENSION thidua" -c "SELECT thidua.create_roles()" >/dev/null 2>&1 || setup_ok=0
is "a second database on the cluster, thidua not distributed yet" "$setup_ok" 1

load() {
	"$THIDUA_CLI" criteria import test/fixtures/criteria/stp-2019.json && "$THIDUA_CLI" criteria publish stp/2019 &&
		"$THIDUA_CLI" units import $zone/units.csv && "$THIDUA_CLI" period open 2019 &&
		"$THIDUA_CLI" bloc create tnb "Khu vực Tây Nam Bộ" --kind zone &&
		"$THIDUA_CLI" bloc settings tnb --period 2019 --criteria stp/2019 --method trimmed_mean --trim 1 --quorum 8 &&
		"$THIDUA_CLI" bloc members $zone/members.csv --bloc tnb --period 2019 &&
		"$THIDUA_CLI" scores import $zone/scores.csv --bloc tnb --period 2019 &&
		"$THIDUA_CLI" standings publish --bloc tnb --period 2019
}
in_existing load >"$CITUS_WORK/existing-load.log" 2>&1
status=$?
is "the zone loaded through the client before distributing" "$status" 0
[ "$status" -ne 0 ] && tail -n 5 "$CITUS_WORK/existing-load.log" | sed 's/^/#   /'


outputs() {
	"$THIDUA_CLI" standings --bloc tnb --period 2019 --format csv
	"$THIDUA_CLI" explain AG --period 2019
	"$THIDUA_CLI" standings --bloc tnb --period 2019 --published --format csv
	psql -X -q -At -c "SELECT count(*) FROM thidua.observation" -c "SELECT count(*) FROM thidua.criteria_version_event" \
		-c "SELECT count(*) FROM thidua.period_event"
}
in_existing outputs >"$CITUS_WORK/existing-before.out" 2>&1
in_existing psql -X -q -v ON_ERROR_STOP=1 -c "SELECT * FROM thidua.distribute()" >"$CITUS_WORK/existing-distribute.log" 2>&1
status=$?
is "thidua.distribute() on a database holding published criteria, scores and standings" "$status" 0
[ "$status" -ne 0 ] && grep -v NOTICE "$CITUS_WORK/existing-distribute.log" | head -n 8 | sed 's/^/#   /'
in_existing outputs >"$CITUS_WORK/existing-after.out" 2>&1
if cmp -s "$CITUS_WORK/existing-before.out" "$CITUS_WORK/existing-after.out"; then
	tap_ok "standings, explanation, published standings and histories the same after distributing ($(wc -l <"$CITUS_WORK/existing-after.out") lines)"
else
	tap_not_ok "outputs changed by distributing"
	diff "$CITUS_WORK/existing-before.out" "$CITUS_WORK/existing-after.out" | head -n 20 | sed 's/^/#   /'
fi
is "the rows left the coordinator's tables (shells)" \
	"$(in_existing psql -X -q -At -c "SELECT count(*) FROM ONLY thidua.observation" 2>&1; in_existing psql -X -At -c "SET citus.enable_local_execution = on" -c "SELECT (SELECT count(*) FROM pg_class WHERE relname = 'observation' AND relnamespace = 'thidua'::regnamespace AND reltuples > 0)" 2>/dev/null | tail -n 1)" \
	"$(printf '8450\n0')"
is "the guards kept on the placements are enabled again" \
	"$(in_existing psql -X -q -At -c "SELECT sum(result::int) FROM run_command_on_all_nodes(\$\$SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal AND t.tgenabled = 'D' AND c.relnamespace = 'thidua'::regnamespace\$\$)")" 0
in_existing psql -X -q -c "UPDATE thidua.criteria_item SET max_points = max_points WHERE version_code = 'stp/2019'" >"$CITUS_WORK/existing-guard.out" 2>&1
is "a published version refused a change afterwards" "$(grep -c 'is published' "$CITUS_WORK/existing-guard.out")" 1
