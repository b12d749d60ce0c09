# The nomination workflow on Citus: the seed's year (test/fixtures/seed-2019:
# five rounds, two secret ballots, about 1,800 client calls) through the client
# on one server and on the coordinator, every round, nomination list, tally,
# registry entry and statistic compared by checksum; the workflow's guarantees
# refused alike; the secret ballot's separation on the placements of
# thidua.ballot, a worker's included.

seed=test/fixtures/seed-2019
office=hd19_van_phong
thidua=$THIDUA_CLI

# as ROLE COMMAND...: a command as a login role (the workflow's actor); used
# inside on_single/on_citus, whose PGUSER it overrides
as() { local role=$1; shift; PGUSER=$role "$@"; }
# cli ARGS...: the client, its times of day masked (steps are taken minutes
# apart on the two servers); the client's exit status kept
cli() {
	local out status
	out=$("$thidua" "$@" 2>&1)
	status=$?
	printf '%s\n' "$out" | sed -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?([+-][0-9]{2}(:[0-9]{2})?)?/<time>/g'
	return "$status"
}
# psql_terse SQL: one statement, errors on one line (no context, which names
# the node on Citus)
psql_terse() { psql -X -q -At -v ON_ERROR_STOP=1 -v VERBOSITY=terse -c "$1"; }
# CSV rows of a seed file, header dropped, fields separated by a unit separator
rows() { python3 -c 'import csv,sys
for r in list(csv.reader(open(sys.argv[1], encoding="utf-8")))[1:]: print("\x1f".join(r))' "$1"; }

# --- The data, through the client on both ----------------------------------
both "units of the seed (units import)" "$thidua" units import "$seed/units.csv"
both "people of the seed (people import)" "$thidua" people import "$seed/people.csv"
for file in ratings unit_ratings initiatives awards unit_awards discipline; do
	both "records of the seed: $file (records import)" "$thidua" records import "$seed/$file.csv"
done
if ! on_single "$thidua" rulebook list --format csv 2>/dev/null | grep -q '^justice/2018,'; then
	both "the rulebook justice/2018 (rulebook import)" "$thidua" rulebook import rulebooks/justice-2018.json
fi
if on_single "$thidua" rulebook list --format csv 2>/dev/null | grep -q '^justice/2018,draft,'; then
	both "the rulebook justice/2018 published (rulebook publish)" "$thidua" rulebook publish justice/2018
fi
same "the rulebooks" cli rulebook list
# the login roles, as run-year.sh makes them (the office, the councils' members)
roles_sql=$(
	echo "DO \$\$ BEGIN CREATE ROLE $office LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END \$\$;"
	echo "GRANT thidua_admin TO $office;"
	for file in "$seed"/council-*.csv; do rows "$file"; done | while IFS=$'\x1f' read -r role _; do
		echo "DO \$\$ BEGIN CREATE ROLE $role LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END \$\$;"
		echo "GRANT thidua_council TO $role;"
	done
)
both "the office's and the councils' login roles" psql -X -q -v ON_ERROR_STOP=1 -c "SET client_min_messages = warning" -c "$roles_sql"

# --- The guarantees, on a round of their own (before the year) ---------------
# Two of the department's CSTĐCS candidates put to a council vote that fails
# (three ballots of seven members), so that the year's own round is untouched.
same "a round for the guarantees (round create)" as $office cli round create T-CSTDCS-2019 \
	--title "Thử nghiệm CSTĐCS 2019" --year 2019 --authority "Giám đốc Sở Tư pháp" --council-unit DT \
	--deadline 2019-12-20 --award CSTDCS --rulebook justice/2018
ids=()
for subject in S19-006 S19-014; do
	same "nominate $subject (nominate)" as $office cli nominate --round T-CSTDCS-2019 --award CSTDCS \
		--subject "$subject" --unit DT --summary "Thử nghiệm" --achievement "thu-nghiem:$subject"
	ids+=("$(sed -n 's/^nomination \([0-9]*\): .*/\1/p' "$CITUS_WORK/citus.out")")
done
first=${ids[0]} second=${ids[1]}
for id in "${ids[@]}"; do
	same "nomination $id: the dossier (nominations dossier)" as $office cli nominations dossier "$id" achievement_report --reference "BC-$id"
	same "nomination $id: the dossier, second item" as $office cli nominations dossier "$id" proposing_unit_minutes --reference "BB-$id"
done
same "an edit while draft (nominations edit)" as $office cli nominations edit "$first" --summary "Thử nghiệm, sửa"
same "submit (nominations submit)" as $office cli nominations submit "$first"
same "return with a reason (nominations return)" as $office cli nominations return "$first" --reason "Bổ sung"
same_refusal "a returned dossier cannot come back unchanged (nominations resubmit)" as $office cli nominations resubmit "$first"
same "an edit while returned" as $office cli nominations edit "$first" --summary "Thử nghiệm, bổ sung"
same "resubmit (nominations resubmit)" as $office cli nominations resubmit "$first"
same "submit the second" as $office cli nominations submit "$second"
for id in "${ids[@]}"; do
	same "nomination $id: eligibility checked and stored (nominations check)" as $office cli nominations check "$id"
done
same_refusal "an illegal step: deciding a checked nomination" as $office cli nominations decide "$first" \
	--number 1/QĐ --date 2019-12-30 --signer "Giám đốc"
same_refusal "an illegal step: awarding a checked nomination" as $office cli nominations award "$first"
same_refusal "a ballot award is not approved by hand (nominations approve)" as $office cli nominations approve "$first" --reason x
same_refusal "a council member cannot withdraw a nomination" as hd19_stp_4 cli nominations withdraw "$first" --reason x
same "the council (council set)" as $office cli council set T-CSTDCS-2019 "$seed/council-CSTDCS-2019.csv"
same "the council's members (council members)" as $office cli council members T-CSTDCS-2019
same_refusal "no tally before the vote opens" as $office cli council tally T-CSTDCS-2019
same "the vote opens (nominations open-vote)" as $office cli nominations open-vote T-CSTDCS-2019
same_refusal "the council is frozen while the vote is open" as $office cli council set T-CSTDCS-2019 "$seed/council-CSTDCS-2019.csv"
same_refusal "a nomination in vote is not withdrawn" as $office cli nominations withdraw "$first" --reason x
same "a member votes (council vote)" as hd19_stp_1 cli council vote "$first" yes
same "a member votes no" as hd19_stp_2 cli council vote "$first" no
same "the secretary votes abstain" as hd19_stp_3 cli council vote "$first" abstain
same "a member votes on the second" as hd19_stp_1 cli council vote "$second" no
same "another member votes on the second" as hd19_stp_4 cli council vote "$second" yes
same "the secretary enters an absent member's vote in writing (council vote-written)" \
	as hd19_stp_3 cli council vote-written "$second" hd19_stp_7 no
same_refusal "a second vote is refused" as hd19_stp_1 cli council vote "$first" no
same_refusal "a second vote in writing is refused" as hd19_stp_3 cli council vote-written "$second" hd19_stp_7 yes
same_refusal "only the secretary enters written votes" as hd19_stp_4 cli council vote-written "$first" hd19_stp_6 yes
same_refusal "a role off the council does not vote" as hd19_ubt_1 cli council vote "$first" yes
same_refusal "no tally while the vote is open" as $office cli council tally T-CSTDCS-2019
same_refusal "no running tally for a member either" as hd19_stp_1 cli council tally T-CSTDCS-2019

# The ballots' placements while the vote is open: a register row and its
# ballot share a transaction id (what the close must undo), on every node.
ballot_shard=$(sql_citus "SELECT shard_name('thidua.ballot'::regclass, shardid) FROM pg_dist_shard WHERE logicalrelid = 'thidua.ballot'::regclass")
register_shard=$(sql_citus "SELECT shard_name('thidua.vote_register'::regclass, shardid) FROM pg_dist_shard WHERE logicalrelid = 'thidua.vote_register'::regclass")
nomination_shard=$(sql_citus "SELECT shard_name('thidua.nomination'::regclass, shardid) FROM pg_dist_shard WHERE logicalrelid = 'thidua.nomination'::regclass")
mapfile -t nodes < <(sql_citus "SELECT n.nodename || ' ' || n.nodeport FROM pg_dist_placement p JOIN pg_dist_node n USING (groupid)
	JOIN pg_dist_shard s USING (shardid) WHERE s.logicalrelid = 'thidua.ballot'::regclass ORDER BY n.groupid")
is "thidua.ballot has a placement on the coordinator and on each worker" "${#nodes[@]}" 3
on_node() { local node=$1; shift; psql -X -q -At -v ON_ERROR_STOP=1 -h "${node% *}" -p "${node#* }" -U postgres -d "$CITUS_DB" "$@"; }
for node in "${nodes[@]}"; do
	is "vote open, placement on $node: a register row and its ballot share a transaction id" \
		"$(on_node "$node" -c "SELECT count(*) > 0 FROM $ballot_shard b JOIN $register_shard v ON v.xmin = b.xmin")" t
done

same "the vote closes, the ballots re-laid (nominations close-vote)" as $office cli nominations close-vote T-CSTDCS-2019
same "the tally (council tally)" as $office cli council tally T-CSTDCS-2019
same "the tally as csv" as $office cli council tally T-CSTDCS-2019 --format csv
same "a member reads the tally" as hd19_stp_2 cli council tally T-CSTDCS-2019
same "the round's nominations, both rejected by the vote (nominations list)" as $office cli nominations list --round T-CSTDCS-2019
same "a nomination in full, with its events (nominations show)" as $office cli nominations show "$first" --format json
same_refusal "after the close nothing about the vote changes (council vote)" as hd19_stp_5 cli council vote "$first" yes
same_refusal "the vote closes once" as $office cli nominations close-vote T-CSTDCS-2019

# The secret ballot's separation on every placement of thidua.ballot
# (pageinspect, which Citus propagates to the workers): one xmin for every
# ballot, shared by no register row and no nomination, the rows in sorted
# order, no dead tuple.
sql_citus "CREATE EXTENSION IF NOT EXISTS pageinspect" >/dev/null 2>&1
for node in "${nodes[@]}"; do
	is "after the close, placement on $node: the ballots all there" \
		"$(on_node "$node" -c "SELECT string_agg(nomination_id || ':' || choice, ' ' ORDER BY nomination_id, choice) FROM $ballot_shard")" \
		"$first:abstain $first:no $first:yes $second:no $second:no $second:yes"
	is "after the close, placement on $node: one xmin for every ballot" \
		"$(on_node "$node" -c "SELECT count(DISTINCT xmin::text) FROM $ballot_shard")" 1
	is "after the close, placement on $node: no register row shares it" \
		"$(on_node "$node" -c "SELECT count(*) FROM $register_shard v WHERE v.xmin::text IN (SELECT b.xmin::text FROM $ballot_shard b)")" 0
	is "after the close, placement on $node: nor any nomination written at the close" \
		"$(on_node "$node" -c "SELECT count(*) FROM $nomination_shard x WHERE x.xmin::text IN (SELECT b.xmin::text FROM $ballot_shard b)")" 0
	is "after the close, placement on $node: the ballots' physical order is their sorted order" \
		"$(on_node "$node" -c "SELECT (SELECT array_agg(nomination_id || choice ORDER BY ctid) FROM $ballot_shard)
			= (SELECT array_agg(nomination_id || choice ORDER BY nomination_id, choice) FROM $ballot_shard)")" t
	is "after the close, placement on $node: the pages hold the live ballots only (no dead tuple, no other xmin)" \
		"$(on_node "$node" -c "SELECT count(*) || ' ' || count(DISTINCT h.t_xmin::text)
			FROM generate_series(0, pg_relation_size('$ballot_shard') / current_setting('block_size')::int - 1) p,
			heap_page_items(get_raw_page('$ballot_shard', p::int)) h")" "6 1"
	is "after the close, placement on $node: the register re-laid in sorted order" \
		"$(on_node "$node" -c "SELECT (SELECT array_agg(nomination_id || role_name ORDER BY ctid) FROM $register_shard)
			= (SELECT array_agg(nomination_id || role_name ORDER BY nomination_id, role_name) FROM $register_shard)")" t
done
same "the ballots hold no voter (columns of thidua.ballot)" psql_terse \
	"SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute WHERE attrelid = 'thidua.ballot'::regclass AND attnum > 0 AND NOT attisdropped"

# An award without a ballot: the authority rejects one nomination, the
# proposer withdraws another.
same "a round without a ballot (round create)" as $office cli round create T-GK-2019 --title "Thử nghiệm Giấy khen 2019" \
	--year 2019 --authority "Giám đốc Sở Tư pháp" --council-unit DT --deadline 2019-12-20 --award GK --rulebook justice/2018
plain=()
for subject in S19-120 S19-121; do
	same "nominate $subject for a Giấy khen" as $office cli nominate --round T-GK-2019 --award GK --subject "$subject" --unit DT --summary "Thử nghiệm"
	plain+=("$(sed -n 's/^nomination \([0-9]*\): .*/\1/p' "$CITUS_WORK/citus.out")")
	for item in achievement_report proposing_unit_minutes; do
		same "nomination ${plain[-1]}: $item" as $office cli nominations dossier "${plain[-1]}" "$item" --reference "T-${plain[-1]}"
	done
	same "nomination ${plain[-1]}: submitted" as $office cli nominations submit "${plain[-1]}"
done
same "checked (nominations check)" as $office cli nominations check "${plain[0]}"
same_refusal "a rejection needs its reason" as $office cli nominations reject "${plain[0]}" --reason " "
same "rejected by the authority (nominations reject)" as $office cli nominations reject "${plain[0]}" --reason "Không đạt"
same "withdrawn by the proposer (nominations withdraw)" as $office cli nominations withdraw "${plain[1]}" --reason "Rút hồ sơ"
same "the round's nominations (nominations list)" as $office cli nominations list --round T-GK-2019

# The event log is append-only, for a superuser too; no role writes the
# workflow's tables directly.
same_refusal "the event log: UPDATE refused" psql_terse "UPDATE thidua.nomination_event SET reason = 'x' WHERE nomination_id = $first"
same_refusal "the event log: DELETE refused" psql_terse "DELETE FROM thidua.nomination_event WHERE nomination_id = $first"
same_refusal "the event log: TRUNCATE refused" psql_terse "TRUNCATE thidua.nomination_event"
same "the event log as it was" psql_terse "SELECT string_agg(format('%s %s %s>%s %s', nomination_id, action, from_state, to_state, by_role), ' | ' ORDER BY event_id) FROM thidua.nomination_event"
same_refusal "the office cannot write a nomination directly" as $office psql_terse "UPDATE thidua.nomination SET state = 'approved' WHERE nomination_id = $first"
same_refusal "nor the ballots" as $office psql_terse "INSERT INTO thidua.ballot VALUES ($first, 'yes')"
same_refusal "nor read them" as $office psql_terse "SELECT count(*) FROM thidua.ballot"
same_refusal "a council member cannot read the ballots" as hd19_stp_1 psql_terse "SELECT count(*) FROM thidua.ballot"

# --- The seed's year, on both at once ----------------------------------------
# (run-year.sh: about 1,800 client calls; on Citus each is a distributed
# transaction, so both run side by side and their outputs are compared)
year_single() { THIDUA=$thidua on_single bash "$seed/run-year.sh" >"$CITUS_WORK/year-single.out" 2>&1; }
year_citus() { THIDUA=$thidua on_citus bash "$seed/run-year.sh" >"$CITUS_WORK/year-citus.out" 2>&1; }
year_single &
single_pid=$!
year_citus
citus_status=$?
wait "$single_pid"
single_status=$?
single_sum=$(sha256sum <"$CITUS_WORK/year-single.out" | cut -c1-64)
citus_sum=$(sha256sum <"$CITUS_WORK/year-citus.out" | cut -c1-64)
printf '%s  %s lines  %s\n' "$citus_sum" "$(wc -l <"$CITUS_WORK/year-citus.out")" "the seed's year (run-year.sh)" >>"$CITUS_WORK/checksums"
if [ "$single_status" -eq 0 ] && [ "$citus_status" -eq 0 ] && [ "$single_sum" = "$citus_sum" ]; then
	tap_ok "the seed's year through the client: five rounds, two ballots, the statistics (sha256 ${citus_sum:0:16}, $(wc -l <"$CITUS_WORK/year-citus.out") lines)"
else
	tap_not_ok "the seed's year through the client (one server exit $single_status, Citus exit $citus_status)"
	diff "$CITUS_WORK/year-single.out" "$CITUS_WORK/year-citus.out" | head -n 20 | sed 's/^/#   /'
fi

# Every round, its nominations, the tallies, the registry, the statistics.
rounds=(T-CSTDCS-2019 T-GK-2019)
while IFS=$'\x1f' read -r code _; do rounds+=("$code"); done < <(rows "$seed/rounds.csv")
for round in "${rounds[@]}"; do
	same "round $round (round show)" as $office cli round show "$round"
	same "round $round: its nominations (nominations list)" as $office cli nominations list --round "$round"
	same "round $round: its nominations as csv" as $office cli nominations list --round "$round" --format csv
done
for round in CSTDCS-2019 CTD-2019; do
	same "round $round: the tally (council tally)" as $office cli council tally "$round"
	same "round $round: the tally as json" as $office cli council tally "$round" --format json
	same "round $round: the council (council members)" as $office cli council members "$round"
done
same "a council member lists its round's nominations" as hd19_stp_2 cli nominations list --round CSTDCS-2019
same "a council member reads a nomination" as hd19_stp_2 cli nominations show "$first"
same "a council member reads the council" as hd19_stp_2 cli council members CSTDCS-2019
same "every nomination (nominations list)" as $office cli nominations list
same "every awarded nomination (nominations list --state awarded)" as $office cli nominations list --state awarded --format csv
last=$(sql_single "SELECT max(nomination_id) FROM thidua.nomination")
same "the last nomination in full (nominations show)" as $office cli nominations show "$last" --format json
same "the registry (award_registry)" psql_terse "SELECT count(*) || ' ' || md5(string_agg(r::text, E'\n' ORDER BY r.subject_kind, r.record_id)) FROM thidua.award_registry r"
same "the statistics of 2019 (awards stats)" as $office cli awards stats --from 2019 --to 2019
same "the statistics by award, level, unit and year" as $office cli awards stats --from 2019 --to 2019 --by award,level,unit,year --format csv
same "the statistics by level" as $office cli awards stats --from 2018 --to 2020 --by level
same "the event log" psql_terse "SELECT count(*) || ' ' || md5(string_agg(format('%s %s %s %s %s %s %s', e.event_id, e.nomination_id, e.action, e.from_state, e.to_state, e.by_role, e.reason), E'\n' ORDER BY e.event_id)) FROM thidua.nomination_event e"

# After the year: a revocation through the nomination, and nothing else.
revoked=$(sql_single "SELECT min(nomination_id) FROM thidua.nomination WHERE round_code = 'GK-2019' AND state = 'awarded'")
record=$(sql_single "SELECT award_record_id FROM thidua.nomination WHERE nomination_id = $revoked")
same_refusal "a nominated award is revoked through its nomination, not by revoke_award" \
	as $office psql_terse "SELECT thidua.revoke_award($record, '2020-03-01', 'thử', '1/QĐ')"
same_refusal "an awarded nomination is not withdrawn" as $office cli nominations withdraw "$revoked" --reason x
same "a revocation (nominations revoke)" as $office cli nominations revoke "$revoked" --date 2020-03-01 \
	--reason "Thành tích không đúng sự thật" --number 12/QĐ-STP
same_refusal "revoked once only" as $office cli nominations revoke "$revoked" --date 2020-03-02 --reason x --number y
same "the registry after the revocation" psql_terse "SELECT r.record_id || ' ' || r.revoked_on || ' ' || r.revocation_reason || ' ' || r.nomination_id FROM thidua.award_registry r WHERE r.revoked_on IS NOT NULL ORDER BY 1"
same "the statistics after the revocation" as $office cli awards stats --from 2019 --to 2019 --by award,year
same "the nomination after the revocation" as $office cli nominations show "$revoked"
