#!/usr/bin/env bash
# Nominations through the client, each step as the role that takes it: a clerk
# proposes and submits, the office returns, the clerk may not resubmit an
# unchanged dossier, changes it, resubmits; the office checks, discloses where
# the rulebook wants it, sets the council, opens the vote; members vote, the
# secretary enters a written vote; the vote closes, the tally shows, the
# office decides, awards, revokes. Refusals for a wrong role, a wrong state, a
# second vote; table, CSV and JSON of list, show and tally.
. "$(dirname "$0")/lib.sh"
work=$(mktemp -d)
trap 'rm -rf "$work" "$out" "$err"' EXIT
db=thidua_cli_nominations
psql_quiet "CREATE DATABASE $db"
psql_quiet "CREATE EXTENSION thidua" $db
psql_quiet "SELECT thidua.create_roles()" $db
psql -X -q -v ON_ERROR_STOP=1 -d $db -f "$(dirname "$0")/../fixtures/eligibility/records.sql" >/dev/null ||
	{ echo "Bail out! the records fixture did not load"; exit 1; }
# A rulebook of our own for 2024: LDTT without a ballot, CSTDCS with a secret
# ballot of 80 % of all members, CSTD-TQ with a public disclosure window.
psql -X -q -v ON_ERROR_STOP=1 -d $db >/dev/null <<'SQL' || { echo "Bail out! the rulebook did not load"; exit 1; }
SELECT thidua.import_rulebook(replace(replace($json$
{"format": 1, "rulebook": {"code": "n", "name": "Đề nghị thử"}, "edition": "2024", "title": "Đề nghị 2024",
 "effective_from": "2024-01-01",
 "general": {"thematic_and_ad_hoc_awards_count": {"value": false, "source": "SUMMARY"},
			 "revoked_awards_count": {"value": false, "source": "SUMMARY"},
			 "initiative_counts_once": {"value": true, "source": "SUMMARY"},
			 "achievements_after_discipline": {"value": true, "source": "SUMMARY"}},
 "awards": [
  {"award": "LDTT", "rule": {"kind": "rating_this_year", "rating": "HTTNV", "source": "SRC"}},
  {"award": "CSTDCS", "rule": {"all_of": [{"kind": "award_held", "award": "LDTT", "within_years": 1, "source": "SRC"},
		{"kind": "rating_this_year", "rating": "HTXSNV", "source": "SRC"}]},
   "council": {"ballot": true, "threshold": 0.8, "comparison": "at_least", "secret": true, "base": "all_members", "source": "SRC"}},
  {"award": "CSTD-TQ", "rule": {"kind": "rating_this_year", "rating": "HTXSNV", "source": "SRC"},
   "disclosure": {"working_days": 10, "source": "SRC"}}
 ]}
$json$, '"SUMMARY"', '{"document": "Law 06/2022/QH15", "verified": false, "status": "S"}'),
	'"SRC"', '{"document": "Law 06/2022/QH15", "article": "24", "clause": "1", "verified": true, "status": "V"}')::jsonb);
SELECT thidua.publish_rulebook('n/2024');
SQL
for r in cli_nom_admin cli_nom_clerk cli_nom_other cli_nom_c1 cli_nom_c2 cli_nom_c3 cli_nom_c4; do
	psql_quiet "DO \$\$ BEGIN CREATE ROLE $r LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END \$\$"
done
psql_quiet "GRANT thidua_admin TO cli_nom_admin; GRANT thidua_scorer TO cli_nom_clerk, cli_nom_other;
	GRANT thidua_council TO cli_nom_c1, cli_nom_c2, cli_nom_c3, cli_nom_c4"
psql_quiet "INSERT INTO thidua.role_unit VALUES ('cli_nom_clerk', 'DIV1'), ('cli_nom_other', 'DIST')" $db
export PGDATABASE=$db
admin() { PGUSER=cli_nom_admin run "$@"; }
clerk() { PGUSER=cli_nom_clerk run "$@"; }
# id: the nomination number a step printed ("nomination 7: draft")
id() { sed -n 's/^nomination \([0-9]*\): .*/\1/p' "$out" | head -1; }

# Rounds
clerk round create r24 --title "CSTĐCS 2024" --year 2024 --authority "Giám đốc Sở" --council-unit DEPT \
	--deadline 2099-12-31 --award CSTDCS,LDTT --rulebook n/2024
ok '[ $status -eq 1 ] && grep -q "\"round create\" needs the role thidua_admin" $err' 'round create: a clerk is refused, with the role needed'
admin round create r24 --title "CSTĐCS 2024" --year 2024 --authority "Giám đốc Sở" --council-unit DEPT \
	--deadline 31/12/2099 --award CSTDCS,LDTT --rulebook n/2024
ok '[ $status -eq 0 ] && grep -q "^round r24 created" $out' 'round create'
admin round create r24d --title "CSTĐ toàn quốc 2024" --year 2024 --authority "Thủ tướng" --council-unit DEPT \
	--deadline 2099-12-31 --award CSTD-TQ --rulebook n/2024
ok '[ $status -eq 0 ]' 'round create: a round of an award with public disclosure'
admin round create rx --title X --year 2024 --authority X --council-unit DEPT --deadline 2099-12-31 --award NOPE
ok '[ $status -eq 1 ] && grep -q "award \"NOPE\" does not exist" $err' 'round create: an unknown award is named'
admin round create rx --title X --year 2024 --authority X --council-unit DEPT --deadline 2099-13-31 --award LDTT
ok '[ $status -eq 1 ] && grep -q "option \"--deadline\": \"2099-13-31\" is not a date" $err' 'round create: a bad date is refused before connecting'
admin round show r24
ok '[ $status -eq 0 ] && grep -q "^title: *CSTĐCS 2024" $out && grep -q "^awards: *CSTDCS, LDTT" $out' 'round show'

# Nominating: the clerk for its own unit only
clerk nominate --round r24 --award CSTDCS --subject P01 --unit DIV1 --summary "Số hóa sổ hộ tịch" \
	--evidence https://example.org/p01 --achievement initiative:SK-3
ok '[ $status -eq 0 ] && grep -q "^nomination [0-9]*: draft" $out' 'nominate: a draft'
n1=$(id)
clerk nominate --round r24 --award CSTDCS --subject P03 --unit DIV1 --achievement initiative:SK-3
n2=$(id)
clerk nominate --round r24 --award LDTT --subject P05 --unit DIV1
n3=$(id)
clerk nominate --round r24 --award LDTT --subject P04 --unit DIV1
n4=$(id)
ok '[ -n "$n1" ] && [ -n "$n2" ] && [ -n "$n3" ] && [ -n "$n4" ]' 'nominate: four nominations'
PGUSER=cli_nom_other run nominate --round r24 --award LDTT --subject P02 --unit DIV1
ok '[ $status -eq 1 ] && grep -q "needs the role thidua_scorer\|DIV1" $err' 'nominate: another unit'"'"'s clerk is refused'
admin nominate --round r24 --award LDTT --subject P10 --unit DIST
ok '[ $status -eq 1 ] && grep -qi "excluded\|investigation" $err' 'nominate: a person under investigation is refused outright'
clerk nominations list --round r24
ok '[ $status -eq 0 ] && grep -q "P01 .*| draft .*| duplicate achievement" $out && grep -q "P03 .*duplicate achievement" $out && ! grep -q "P05 .*duplicate" $out' 'nominations list: the shared initiative flagged on both'

# submit, return, resubmit
clerk nominations submit "$n1"
ok '[ $status -eq 0 ] && grep -q "^nomination $n1: submitted" $out' 'submit'
clerk nominations return "$n1" --reason "Thiếu biên bản"
ok '[ $status -eq 1 ] && grep -q "\"nominations return\" needs the role thidua_admin" $err' 'return: a clerk is refused'
admin nominations return "$n1"
ok '[ $status -eq 1 ] && grep -q "nominations return needs --reason" $err' 'return needs a reason'
admin nominations return "$n1" --reason "Thiếu biên bản họp"
ok '[ $status -eq 0 ] && grep -q "^nomination $n1: returned" $out' 'return, with the reason'
clerk nominations resubmit "$n1"
ok '[ $status -eq 1 ] && grep -q "unchanged" $err' 'resubmit of an unchanged dossier: refused'
clerk nominations edit "$n1" --summary "Số hóa sổ hộ tịch; biên bản họp bổ sung"
ok '[ $status -eq 0 ]' 'edit a returned nomination'
clerk nominations resubmit "$n1" --reason "Bổ sung biên bản"
ok '[ $status -eq 0 ] && grep -q "^nomination $n1: resubmitted" $out' 'resubmit once changed'
clerk nominations submit "$n1"
ok '[ $status -eq 1 ] && grep -q "is resubmitted: the step \"submit\" is not allowed now" $err && grep -q "detail: Allowed next:" $err' 'a wrong state: the state and the allowed next steps'
for n in $n2 $n3 $n4; do clerk nominations submit "$n"; done
clerk nominations check "$n1"
ok '[ $status -eq 1 ] && grep -q "\"nominations check\" needs the role thidua_admin" $err' 'check: a clerk is refused'
for n in $n1 $n2 $n3 $n4; do admin nominations check "$n"; done
admin nominations list --round r24 --state checked
ok '[ $status -eq 0 ] && [ "$(grep -c "| checked " $out)" -ge 3 ]' 'check: the office checks; list --state'
admin nominations list --state nonsense
ok '[ $status -eq 1 ] && grep -q "\"nonsense\" is not a state" $err && grep -q "hint: The states are: draft" $err' 'list --state: an unknown state is named, with the states'
admin nominations disclose "$n1"
ok '[ $status -eq 1 ] && grep -q "CSTDCS" $err' 'disclose: refused for an award without disclosure, naming it'

# The disclosed award, in its own round
clerk nominate --round r24d --award CSTD-TQ --subject P09 --unit DIV1
n5=$(id)
clerk nominations submit "$n5"
admin nominations check "$n5"
admin nominations disclose "$n5" --date 2025-01-06
ok '[ $status -eq 0 ] && grep -q "^nomination $n5: disclosed" $out' 'disclose: the comment window opens'
admin nominations comment "$n5" "Đồng ý đề nghị" --date 2025-01-08 --commenter "Nguyễn Văn Dân"
ok '[ $status -eq 0 ] && grep -q "comment recorded" $out' 'comment: recorded while disclosed'
admin nominations show "$n5"
ok '[ $status -eq 0 ] && grep -q "^Public comments:" $out && grep -q "Đồng ý đề nghị" $out' 'show: the public comments'

# The council
cat > "$work/members.csv" <<'CSV'
role,name,council_role,person,unit
cli_nom_c1,Chủ tịch Hội đồng,chair,,
cli_nom_c2,Thư ký Hội đồng,secretary,,
cli_nom_c3,Ủy viên Ba,member,,
cli_nom_c4,Ủy viên Bốn,member,,
CSV
printf 'role,name,council_role\ncli_nom_c1,Chủ tịch,chief\n' > "$work/bad-members.csv"
clerk council members r24 --file "$work/members.csv"
ok '[ $status -eq 1 ] && grep -q "needs the role thidua_admin" $err' 'council members --file: a clerk is refused'
admin council set r24 "$work/bad-members.csv"
ok '[ $status -eq 1 ] && grep -q "chief" $err' 'council set: a bad council role is named'
admin council members r24 --file "$work/members.csv"
ok '[ $status -eq 0 ] && grep -q "4 members (1 chair, 1 secretary)" $out' 'council members --file: set from the CSV'
admin council members r24 --format csv
ok '[ $status -eq 0 ] && grep -q "^cli_nom_c2,Thư ký Hội đồng,secretary" $out' 'council members --format csv'

# The vote
clerk nominations open-vote r24
ok '[ $status -eq 1 ] && grep -q "needs the role thidua_admin" $err' 'open-vote: a clerk is refused'
admin nominations open-vote r24
ok '[ $status -eq 0 ] && grep -q "vote open" $out && grep -q "2 in_vote" $out' 'open-vote: the ballot award'"'"'s nominations go in vote'
admin council set r24 "$work/members.csv"
ok '[ $status -eq 1 ]' 'council set: refused while the vote is open'
PGUSER=cli_nom_c3 run council tally r24
ok '[ $status -eq 1 ]' 'tally: refused while the vote is open'
PGUSER=cli_nom_c1 run council vote "$n1" yes
ok '[ $status -eq 0 ] && grep -q "vote recorded for cli_nom_c1" $out && ! grep -q yes $out' 'vote: a member votes; the choice is not echoed'
PGUSER=cli_nom_c1 run council vote "$n1" no
ok '[ $status -eq 1 ]' 'vote: a second vote is refused'
PGUSER=cli_nom_c1 run council vote "$n1" maybe
ok '[ $status -eq 1 ] && grep -q "\"maybe\" is not a choice on a ballot" $err' 'vote: only yes, no or abstain'
clerk council vote "$n1" yes
ok '[ $status -eq 1 ]' 'vote: not a member, refused'
PGUSER=cli_nom_c2 run council vote "$n1" yes
PGUSER=cli_nom_c3 run council vote "$n1" yes
PGUSER=cli_nom_c3 run council vote-written "$n1" cli_nom_c4 yes
ok '[ $status -eq 1 ]' 'vote-written: only the secretary'
PGUSER=cli_nom_c2 run council vote-written "$n1" cli_nom_c4 yes
ok '[ $status -eq 0 ] && grep -q "written vote of cli_nom_c4 recorded by cli_nom_c2" $out' 'vote-written: the secretary enters an absent member'"'"'s vote'
PGUSER=cli_nom_c1 run council vote "$n2" no
PGUSER=cli_nom_c2 run council vote "$n2" abstain
PGUSER=cli_nom_c3 run council vote "$n2" yes
admin nominations close-vote r24
ok '[ $status -eq 0 ] && grep -q "vote closed" $out' 'close-vote'
PGUSER=cli_nom_c4 run council vote "$n2" yes
ok '[ $status -eq 1 ] && grep -q "closed" $err' 'vote after the close: refused'
PGUSER=cli_nom_c3 run council tally r24
ok '[ $status -eq 0 ] && grep -q "$n1 " $out && grep -q "$n2 " $out' 'tally: per nomination'
cp "$out" "$work/tally.txt"
admin council tally r24 --format json
ok '[ $status -eq 0 ] && python3 -c "import json,sys; t=json.load(open(sys.argv[1])); assert len(t) == 2" $out' 'tally --format json'
admin council tally r24 --format csv
ok '[ $status -eq 0 ] && [ "$(wc -l < $out)" -eq 3 ]' 'tally --format csv: a header and two rows'
admin nominations list --round r24 --award CSTDCS
ok '[ $status -eq 0 ] && grep -q "P01 .*| approved" $out && grep -q "P03 .*| rejected" $out' 'close-vote: 4 of 4 approved, 1 of 4 rejected (80 % of all members)'

# Awards without a ballot: approved or rejected by the authority
admin nominations approve "$n3"
ok '[ $status -eq 0 ] && grep -q "^nomination $n3: approved" $out' 'approve: an award without a ballot'
admin nominations reject "$n4" --reason "Không đủ tiêu chuẩn"
ok '[ $status -eq 0 ] && grep -q "^nomination $n4: rejected" $out' 'reject, with the reason'
clerk nominations withdraw "$n4" --reason "Rút"
ok '[ $status -eq 1 ] && grep -q "is rejected" $err' 'withdraw after rejection: a wrong state'

# Decision, registry, revocation
clerk nominations decide "$n1" --number 12/QĐ-STP --date 2025-01-15 --signer "Giám đốc Sở"
ok '[ $status -eq 1 ] && grep -q "needs the role thidua_admin" $err' 'decide: a clerk is refused'
admin nominations decide "$n1" --number 12/QĐ-STP --date 15/01/2025 --signer "Giám đốc Sở"
ok '[ $status -eq 0 ] && grep -q "^nomination $n1: decided, decision 12/QĐ-STP of 2025-01-15" $out' 'decide'
admin nominations award "$n1"
ok '[ $status -eq 0 ] && grep -q "^nomination $n1: awarded, registry record [0-9]" $out' 'award: the registry entry'
admin awards stats --from 2024 --to 2024
ok '[ $status -eq 0 ] && grep -q "CSTDCS" $out' 'awards stats'
admin awards stats --from 2024 --to 2024 --by unit --format json
ok '[ $status -eq 0 ] && python3 -c "import json,sys; json.load(open(sys.argv[1]))" $out' 'awards stats --by unit --format json'
admin nominations revoke "$n1" --date 2025-06-01 --reason "Hồ sơ không trung thực" --number 30/QĐ-STP
ok '[ $status -eq 0 ] && grep -q "^nomination $n1: revoked" $out' 'revoke, with the reason and the decision'

# show: table, CSV, JSON
admin nominations show "$n1"
ok '[ $status -eq 0 ] && grep -q "^state: *revoked" $out && grep -q "^Eligibility as checked:" $out && grep -q "^Tally:" $out && grep -q "^Events:" $out && grep -q "return .*| returned .*| cli_nom_admin .*| Thiếu biên bản họp" $out' 'show: the nomination, its eligibility, tally and events'
admin nominations show "$n1" --format json
ok '[ $status -eq 0 ] && python3 -c "
import json,sys
d=json.load(open(sys.argv[1]))
assert d[\"state\"] == \"revoked\" and len(d[\"events\"]) >= 8 and d[\"tally\"] and d[\"eligibility_snapshot\"]
" $out' 'show --format json: one object with events, tally and eligibility'
admin nominations show "$n1" --format csv
ok '[ $status -eq 0 ] && head -c 3 $out | od -An -tx1 | grep -q "ef bb bf" && grep -q "^item,present,reference" $out && grep -q "^at,action,from_state,to_state,by,reason" $out' 'show --format csv: the blocks, one BOM'
clerk nominations list --round r24 --format json
ok '[ $status -eq 0 ] && python3 -c "
import json,sys
rows=json.load(open(sys.argv[1]))
assert all(isinstance(r[\"flags\"], list) for r in rows) and len(rows) == 4
" $out' 'list --format json: flags as an array; the clerk sees its unit'"'"'s four'
PGUSER=cli_nom_other run nominations list --round r24
ok '[ $status -eq 0 ] && ! grep -Eq "draft|submitted|returned|checked|disclosed|in_vote|approved|rejected|withdrawn" $out' 'list: another unit'"'"'s clerk sees none of them until decided (decisions are public)'
admin nominations list --format csv --round r24
ok '[ $status -eq 0 ] && grep -q "id,round,award,subject,name,proposed_by,state,flags" $out' 'list --format csv'
# A reader sees the revoked (public) nomination, its subject's name included,
# though it reads no people; a role without thidua is told the least role
for r in cli_nom_reader cli_nom_bare; do
	psql_quiet "DO \$\$ BEGIN CREATE ROLE $r LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END \$\$"
done
psql_quiet "GRANT thidua_reader TO cli_nom_reader"
subject_name=$(psql -X -At -d $db -c "SELECT i.full_name FROM thidua.nomination n JOIN thidua.individual i USING (person_code) WHERE n.nomination_id = $n1")
PGUSER=cli_nom_reader run nominations show "$n1"
ok '[ $status -eq 0 ] && grep -q "^state: *revoked" $out && grep -qF "$subject_name" $out' 'show: a reader sees a revoked nomination, with its subject'"'"'s name'
PGUSER=cli_nom_reader run nominations list --round r24
ok '[ $status -eq 0 ] && grep -q "revoked" $out && grep -qF "$subject_name" $out' 'list: a reader sees it too, with the name'
PGUSER=cli_nom_bare run nominations show "$n1"
ok '[ $status -eq 1 ] && grep -q "GRANT thidua_reader TO cli_nom_bare;" $err' 'show: the hint names the least role (thidua_reader)'
PGUSER=cli_nom_bare run council tally r24
ok '[ $status -eq 1 ] && grep -q "GRANT thidua_council TO cli_nom_bare;" $err' 'council tally: the hint names thidua_council'
PGUSER=cli_nom_bare run awards stats --from 2024 --to 2024
ok '[ $status -eq 1 ] && grep -q "GRANT thidua_reader TO cli_nom_bare;" $err' 'awards stats: the hint names thidua_reader'
admin nominations show abc
ok '[ $status -eq 1 ] && grep -q "\"abc\" is not a nomination number" $err' 'show: a bad number is refused'
admin nominations show 999999
ok '[ $status -eq 1 ] && grep -q "nomination 999999 does not exist" $err' 'show: an unknown nomination'

# Memory: the new commands under valgrind and the sanitizers
cli_dir=$(dirname "$THIDUA_CLI")
commands=(
	"nominations list --round r24"
	"nominations list --round r24 --format json"
	"nominations show $n1"
	"nominations show $n1 --format csv"
	"nominations show $n1 --format json"
	"council tally r24"
	"council members r24"
	"round show r24 --format json"
	"nominate --round r24 --award LDTT --subject P06 --unit DIV1 --evidence a --evidence b --achievement x"
	"nominations submit abc"
	"council set r24 $work/members.csv"
	"awards stats --from 2024 --to 2024"
)
if command -v valgrind >/dev/null 2>&1; then
	for c in "${commands[@]}"; do
		# shellcheck disable=SC2086
		PGUSER=cli_nom_admin valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
			"$THIDUA_CLI" $c >"$out" 2>"$err" </dev/null
		status=$?
		ok '[ $status -ne 99 ] && ! grep -q "==[0-9]*==" $err' "valgrind: thidua $c"
	done
fi
make -s -C "$cli_dir" sanitize PG_CONFIG="${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}" \
	EXTVERSION="$(sed -n "s/^default_version = '\(.*\)'/\1/p" "$cli_dir/../thidua.control")" >/dev/null 2>&1
for c in "${commands[@]}"; do
	# shellcheck disable=SC2086
	PGUSER=cli_nom_admin ASAN_OPTIONS=detect_leaks=1:exitcode=98 UBSAN_OPTIONS=halt_on_error=1:exitcode=97 \
		"$cli_dir/thidua-sanitize" $c >"$out" 2>"$err" </dev/null
	status=$?
	ok '[ $status -ne 98 ] && [ $status -ne 97 ] && ! grep -q "Sanitizer" $err' "sanitizers: thidua $c"
done

done_testing
