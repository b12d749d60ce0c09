# The 2019 zone (test/fixtures/zone-2019) on one server and on Citus, loaded
# through the client on both: the set-up, 8,450 observations, every standing,
# explanation and judges' report identical (checksums of the full outputs);
# the guarantees the dropped triggers gave, now made by the functions on the
# coordinator, refusing alike; and the plans: one bloc's scores read by a
# single task on one worker, national standings never bringing observations to
# the coordinator.

zone=test/fixtures/zone-2019
cli=$THIDUA_CLI

# The criteria version (another part may have imported and published it).
criteria_ready() {
	"$cli" criteria list --format csv 2>/dev/null | grep -q '^stp/2019,published,' && return 0
	"$cli" criteria import test/fixtures/criteria/stp-2019.json &&
		"$cli" criteria publish stp/2019 --note "Quyết định ban hành Bảng tiêu chí năm 2019"
}
both "criteria stp/2019 imported and published" criteria_ready

same "units import" "$cli" units import $zone/units.csv
same "period open" "$cli" period open 2019
same "bloc create" "$cli" bloc create tnb "Khu vực thi đua các cơ quan Tư pháp các tỉnh miền Tây Nam Bộ" --kind zone
same "bloc settings" "$cli" bloc settings tnb --period 2019 --criteria stp/2019 --method trimmed_mean --trim 1 --quorum 8
same "bloc members" "$cli" bloc members $zone/members.csv --bloc tnb --period 2019
same "pact import" "$cli" pact import $zone/pact.csv --bloc tnb --period 2019
same "recusal add" "$cli" recusal add CM --judge BL --bloc tnb --period 2019 \
	--reason "Giám đốc Sở Tư pháp Bạc Liêu nguyên là Phó Giám đốc Sở Tư pháp Cà Mau"
same "veto add" "$cli" veto add BL --bloc tnb --period 2019 --reason "Một công chức bị kỷ luật khiển trách năm 2019"
same "veto add, again" "$cli" veto add BL --bloc tnb --period 2019 --reason "Một công chức bị kỷ luật khiển trách năm 2019"
same "bloc show" "$cli" bloc show tnb --period 2019
same "scores import: 8,450 observations" "$cli" scores import $zone/scores.csv --bloc tnb --period 2019
same_refusal "scores import again: stored already, refused naming the line" "$cli" scores import $zone/scores.csv --bloc tnb --period 2019
is "8,450 observations, in the zone's shard on a worker" \
	"$(sql_citus "SELECT count(*) FROM thidua.observation WHERE bloc_code = 'tnb'") $(sql_citus "SELECT bool_and(p.groupid <> 0)
		FROM pg_dist_placement p WHERE p.shardid = get_shard_id_for_distribution_column('thidua.observation', 'tnb')")" \
	"8450 t"

# A second bloc of the zone's units with a member that left, a pact and a
# veto lifted: national standings cover two blocs.
printf 'unit,role\nAG,head\nBT,member\nCM,member\nDT,member\n' >"$CITUS_WORK/g1-members.csv"
{ head -n 1 $zone/scores.csv; grep -E '^(AG|BT|CM|DT),(self|AG|BT|CM|DT),' $zone/scores.csv |
	grep -vE '^(AG|BT|CM|DT),CM,|^CM,|^DT,self,'; } >"$CITUS_WORK/g1-scores.csv"
grep -E '^(AG|BT|CM|DT),CM,' $zone/scores.csv | sed '1i unit,judge,criterion,observed,evidence' >"$CITUS_WORK/g1-by-cm.csv"
same "a second bloc" "$cli" bloc create g1 "Khối thử"
same "a third bloc, without settings" "$cli" bloc create g2 "Khối chưa chấm"
same "its settings" "$cli" bloc settings g1 --period 2019 --criteria stp/2019 --method mean --quorum 2
same "its members" "$cli" bloc members "$CITUS_WORK/g1-members.csv" --bloc g1 --period 2019
same "a member withdrawn" "$cli" bloc withdraw CM --bloc g1 --period 2019 --date 2019-06-30 --reason "Sáp nhập"
same "a veto added and lifted" sh -c '"$1" veto add DT --bloc g1 --period 2019 --reason "Kỷ luật" &&
	"$1" veto remove DT --bloc g1 --period 2019 --reason "Đã xem xét lại"' sh "$cli"
same "its scores" "$cli" scores import "$CITUS_WORK/g1-scores.csv" --bloc g1 --period 2019

# Every output, compared whole.
for format in table csv json; do
	same "standings of the zone ($format)" "$cli" standings --bloc tnb --period 2019 --format $format
	same "standings of the second bloc ($format)" "$cli" standings --bloc g1 --period 2019 --format $format
done
explain_all() {
	local bloc=$1 unit
	for unit in $(psql -X -At -c "SELECT unit_code FROM thidua.bloc_member WHERE bloc_code = '$bloc' ORDER BY 1"); do
		echo "== $unit"
		"$cli" explain "$unit" --period 2019 --bloc "$bloc" || return 1
		psql -X -At -c "SELECT thidua.explain('$unit', '2019', '$bloc')" || return 1
	done
}
same "explanations of every unit of the zone (thidua explain and thidua.explain)" explain_all tnb
same "explanations of every unit of the second bloc" explain_all g1
same "judges' report of the zone" "$cli" judges --bloc tnb --period 2019
same "judges' report of the second bloc" "$cli" judges --bloc g1 --period 2019
same "evaluation_scores of every evaluation" psql -X -At -c "SELECT s.unit_code, s.stage, s.judge_code, s.total, s.tie_keys
	FROM thidua.bloc_period bp, thidua.evaluation_scores(bp.bloc_code, bp.period_code) s ORDER BY bp.bloc_code, 1, 2, 3"
same "national standings (current_standings)" psql -X -At -c "SELECT * FROM thidua.current_standings ORDER BY bloc_code, rank, unit_code"

# Publication: append-only, with rows.
same "standings publish" "$cli" standings publish --bloc tnb --period 2019
same_refusal "a second publication needs a reason" "$cli" standings publish --bloc tnb --period 2019
same "a correction with its reason" "$cli" standings publish --bloc tnb --period 2019 --reason "Kết quả thẩm định của Bộ"
same "published standings" "$cli" standings --published --bloc tnb --period 2019 --format csv
same "published_standings" psql -X -At -c "SELECT bloc_code, period_code, revision, unit_code, rank, final_total, class, flags
	FROM thidua.published_standings ORDER BY 1, 2, 4"
# (on Citus the append-only guard names the shard it fired on: checked by its words)
both "published rows never change" sh -c '! psql -X -q -c "UPDATE thidua.standing_row SET rank = 1" 2>"$1/append-only.err" &&
	grep -q "^ERROR:  thidua.standing_row[_0-9]* is append-only" "$1/append-only.err"' sh "$CITUS_WORK"

# The guarantees of the dropped triggers, made by the coordinator's functions.
same_refusal "a member with scores cannot be removed" "$cli" bloc remove AG --bloc tnb --period 2019
same_refusal "a judge who had left cannot score" "$cli" scores import "$CITUS_WORK/g1-by-cm.csv" --bloc g1 --period 2019
# DT's self-assessment is left out of the second bloc's scores: a file of it
# makes a new evaluation; I.1 is pass/fail (1 or 0)
printf 'unit,judge,criterion,observed\nDT,self,I.1,1\nDT,self,I.2,100\n' >"$CITUS_WORK/dt-self.csv"
printf 'unit,judge,criterion,observed\nDT,self,I.2,100\nDT,self,I.1,7\n' >"$CITUS_WORK/bad-value.csv"
same_refusal "an observation its criterion's rule refuses" "$cli" scores import "$CITUS_WORK/bad-value.csv" --bloc g1 --period 2019
printf 'code,name,parent\nAG,Sở Tư pháp An Giang,CT\nCT,Sở Tư pháp Cần Thơ,AG\n' >"$CITUS_WORK/cycle.csv"
same_refusal "the unit tree has no cycle" "$cli" units import "$CITUS_WORK/cycle.csv"
both "a draft criteria version" "$cli" criteria clone stp/2019 2019b
same_refusal "bloc settings take published criteria only" "$cli" bloc settings g2 --period 2019 --criteria stp/2019b
same "period close" "$cli" period close 2019 --reason "Tổng kết năm 2019"
same_refusal "a closed period takes no scores" "$cli" scores import "$CITUS_WORK/dt-self.csv" --bloc g1 --period 2019
same_refusal "a closed period takes no pact" sh -c 'sed "s/,80$/,81/" "$2/pact.csv" >"$3/pact.csv" &&
	"$1" pact import "$3/pact.csv" --bloc tnb --period 2019' sh "$cli" "$zone" "$CITUS_WORK"
same_refusal "a closed period takes no veto" "$cli" veto add CM --bloc tnb --period 2019 --reason "Kỷ luật"
same_refusal "a closed period keeps its vetoes" "$cli" veto remove BL --bloc tnb --period 2019 --reason "Xem xét lại"
same_refusal "a closed period takes no recusal" "$cli" recusal add AG --judge CT --bloc tnb --period 2019 --reason "Xung đột"
same_refusal "a closed period keeps its settings" "$cli" bloc settings tnb --period 2019 --quorum 9
same_refusal "a closed period keeps its members" "$cli" bloc withdraw AG --bloc tnb --period 2019 --date 2019-12-01 --reason "Giải thể"
same_refusal "a closed period keeps its members (remove)" "$cli" bloc remove AG --bloc tnb --period 2019
same_refusal "a closed period takes no publication" "$cli" standings publish --bloc tnb --period 2019 --reason "Sửa"
same "an unchanged member file is no change" "$cli" bloc members $zone/members.csv --bloc tnb --period 2019
same "period reopen" "$cli" period reopen 2019 --reason "Điều chỉnh theo kết luận thanh tra"
same "the period's history" psql -X -At -c "SELECT period_code, from_status, to_status, reason, changed_by FROM thidua.period_event ORDER BY event_id"
same "period close, again" "$cli" period close 2019

# Plans. The query thidua._evaluation_scores runs for one bloc (read from the
# function itself): a single task, on one worker.
read -r -d '' scoring_query <<'SQL'
SELECT replace(replace(substring(prosrc from 'RETURN QUERY EXECUTE \$sql\$(.*?)\$sql\$ USING bloc, period;'),
	'$1', quote_literal('tnb')), '$2', quote_literal('2019'))
FROM pg_proc WHERE proname = '_evaluation_scores'
SQL
bloc_query=$(sql_citus "$scoring_query")
explain_has "one bloc's scores: a single task (Task Count: 1)" 'Task Count: 1$' "$bloc_query"
explain_has "one bloc's scores: aggregated on the worker" 'Node: host=.*' "$bloc_query"
is "one bloc's scores: on one worker" \
	"$(sql_citus "EXPLAIN (COSTS OFF) $bloc_query" | grep -c 'Node: host=')" "1"
explain_lacks "one bloc's scores: no observation brought to the coordinator" \
	'Distributed Subplan|intermediate_result|[Rr]epartition' "$bloc_query"
# What the coordinator sends while computing the standings: one command per
# bloc, each aggregating its observations where they are.
remote_commands() {
	psql -X -q -At -c "SET citus.log_remote_commands = on" -c "SET client_min_messages = notice" -c "$1" 2>&1 |
		grep -E '^NOTICE:  issuing .*observation' || true
}
sent=$(on_citus remote_commands "SELECT * FROM thidua.standings('tnb', '2019')")
is "one bloc's standings: one command to a worker reads observations" "$(grep -c . <<<"$sent")" "1"
is "... and it aggregates them there (thidua.score, grouped by evaluation)" \
	"$(grep -c 'thidua.score(.*GROUP BY e.bloc_code, e.evaluation_id' <<<"$sent")" "1"
sent=$(on_citus remote_commands "SELECT * FROM thidua.current_standings")
is "national standings: one aggregating command per bloc, no other read of observations" \
	"$(grep -c . <<<"$sent") $(grep -c 'thidua.score(.*GROUP BY e.bloc_code, e.evaluation_id' <<<"$sent")" \
	"$(sql_citus "SELECT count(*) FROM thidua.bloc_period") $(sql_citus "SELECT count(*) FROM thidua.bloc_period")"
explain_lacks "national standings: the coordinator's plan scans no observation" 'observation' \
	"SELECT * FROM thidua.current_standings"
