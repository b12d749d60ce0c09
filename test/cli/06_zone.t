#!/usr/bin/env bash
# Setting up a zone from the client, no SQL: units, people, a period, a zone,
# its settings, members, pact, veto, recusal; a member that leaves during the
# year. The rounding case F11 (shared cases of 2026-11-29) set up through the
# verbs instead of its SQL, scores and standings on top.
. "$(dirname "$0")/lib.sh"
work=$(mktemp -d)
trap 'rm -rf "$work" "$out" "$err"' EXIT
psql_quiet "CREATE DATABASE thidua_cli_setup"
psql_quiet "CREATE EXTENSION thidua" thidua_cli_setup
psql_quiet "SELECT thidua.create_roles()" thidua_cli_setup
psql_quiet "DO \$\$ BEGIN CREATE ROLE cli_setup_reader LOGIN IN ROLE thidua_reader; EXCEPTION WHEN duplicate_object THEN NULL; END \$\$"
export PGDATABASE=thidua_cli_setup
count() { psql -X -At -c "SELECT count(*) FROM thidua.$1"; }

# The criteria of F11: two sections, averaged results rounded to 2 decimals;
# a veto caps the class at B.
cat > "$work/rc.csv" <<'CSV'
kind,code,parent,title,max,rule,params
set,rc,,Bộ tiêu chí thử làm tròn,,,
version,2025,,Thử làm tròn kết quả bình quân,,,"rounding_scale=2; tie_break=total section:I"
class,A,,Xuất sắc,,,min=85
class,B,,Tốt,,,
veto,B,,Có công chức bị kỷ luật,,,
section,I,,Phần I,50,,
criterion,I.1,I,Tiêu chí I.1,50,manual,
section,II,,Phần II,50,,
criterion,II.1,II,Tiêu chí II.1,50,manual,
CSV
run criteria import "$work/rc.csv"
run criteria publish rc/2025
ok '[ $status -eq 0 ]' 'the criteria version is published'

# units import
printf 'code,name,parent,kind\nX,Đơn vị X,,\nY,Đơn vị Y,,\nJ1,Giám khảo 1,,\nJ2,Giám khảo 2,,\nJ3,Giám khảo 3,,\nY.1,Phòng 1 của Y,Y,division\n' > "$work/units.csv"
run units import "$work/units.csv"
ok '[ $status -eq 0 ] && grep -q "imported units from .*units.csv: 6 added, 0 changed, 0 unchanged" $out' 'units import: six units added, said in one line'
run units import "$work/units.csv"
ok '[ $status -eq 0 ] && grep -q ": 0 added, 0 changed, 6 unchanged" $out && [ "$(count unit)" = 6 ]' 'units import again: nothing changes (upsert by code)'
printf 'code;name;parent\nZ1;Đơn vị Z1;\nZ2;Đơn vị Z2;\nZ3;Đơn vị Z3;NOPE\n' > "$work/units-bad.csv"
run units import "$work/units-bad.csv"
ok '[ $status -eq 1 ] && grep -q "units-bad.csv:4: column \"parent\": unit \"NOPE\" does not exist" $err && [ "$(count unit)" = 6 ]' 'units import: row 3 bad, named by file:line and column, nothing stored'
printf 'code,name,colour\nZ1,Z,red\n' > "$work/units-col.csv"
run units import "$work/units-col.csv"
ok '[ $status -eq 1 ] && grep -q "units-col.csv:1: column 3 (\"colour\"): is not a column of this file" $err' 'units import: an unknown column is named'
# streamed as bytes: the server checks UTF-8 and names the line (no file is read whole here)
printf 'code,name\nZ1,Z\nZ2,Z\000\n' > "$work/units-nul.csv"
run units import "$work/units-nul.csv"
ok '[ $status -eq 1 ] && grep -q "units-nul.csv:3: invalid UTF-8 at character 5" $err && [ "$(count unit)" = 6 ]' 'units import: a NUL byte is named by line, nothing stored'
printf 'code,name\nX,Đơn vị X mới\n' > "$work/units-rename.csv"
run units import "$work/units-rename.csv"
ok '[ $status -eq 0 ] && grep -q ": 0 added, 1 changed, 0 unchanged" $out' 'units import: a changed name is an update'
run units import "$work/units.csv"

# people import
printf 'code,name,sex,date_of_birth,unit,unit_from,post,post_from,post_to\nP1,Nguyễn Văn An,nam,15/03/1975,X,2010-01-01,Giám đốc,2018-01-01,\nP1,Nguyễn Văn An,nam,15/03/1975,X,2010-01-01,Phó Giám đốc,2012-01-01,2018-01-01\nP2,Trần Thị Bình,nữ,,Y,2015-05-01,,,\n' > "$work/people.csv"
run people import "$work/people.csv"
ok '[ $status -eq 0 ] && grep -q "2 added, 0 changed, 0 unchanged; 2 memberships and 2 posts written" $out' 'people import: two people, their memberships and posts'
run people import "$work/people.csv"
ok '[ $status -eq 0 ] && grep -q "0 added, 0 changed, 2 unchanged; 0 memberships and 0 posts written" $out' 'people import again: nothing changes'
printf 'code,name,sex,date_of_birth,unit,unit_from\nP3,Lê Văn Cường,nam,,X,2010-01-01\nP4,Phạm Thị Dung,nữ,30/02/1990,X,2010-01-01\n' > "$work/people-bad.csv"
run people import "$work/people-bad.csv"
ok '[ $status -eq 1 ] && grep -q "people-bad.csv:3: field \"date_of_birth\": \"30/02/1990\" is not a date" $err && [ "$(count individual)" = 2 ]' 'people import: a bad date is named by line and field, nothing stored'

# period open | close | reopen
run period open 2025
ok '[ $status -eq 0 ] && grep -q "^period 2025: opened$" $out' 'period open'
run period open 2025
ok '[ $status -eq 0 ] && grep -q "^period 2025: open already$" $out' 'period open again: said, not an error'
run period open nam-nay
ok '[ $status -eq 1 ] && grep -q "period \"nam-nay\" needs a year" $err' 'period open: a code that is not a year needs --year'

# bloc create | settings | members
run bloc create k11 "Cụm thử làm tròn" --kind zone
ok '[ $status -eq 0 ] && grep -q "^bloc k11: created$" $out' 'bloc create'
run bloc create k11 "Cụm thử làm tròn" --kind zone
ok '[ $status -eq 0 ] && grep -q "^bloc k11: unchanged$" $out' 'bloc create again: unchanged'
run bloc settings k11 --period 2025 --method mean
ok '[ $status -eq 1 ] && grep -q "they start with its criteria version" $err' 'bloc settings: the first settings need the criteria version'
run bloc settings k11 --period 2025 --criteria rc/2025 --method mean --trim 0 --quorum 3
ok '[ $status -eq 0 ] && grep -q "^bloc k11, period 2025: created; criteria rc/2025, peer method mean (trim 0), quorum 3, result rounding as the version says$" $out' 'bloc settings: created, said in one line'
run bloc settings k11 --period 2025 --rounding 7x
ok '[ $status -eq 1 ] && grep -q "result rounding \"7x\" is not exact" $err' 'bloc settings: a bad rounding is refused'
run bloc settings k11 --period 2025 --rounding 2
ok '[ $status -eq 0 ] && grep -q "changed; .* result rounding 2$" $out' 'bloc settings --rounding 2 writes result_rounding'
printf 'unit,role\nJ1,head\nJ2,member\nJ3,member\nX,member\nY,member\n' > "$work/members.csv"
printf 'unit,role\nJ1,head\nJ2,member\nJ3,chairman\nX,member\n' > "$work/members-bad.csv"
run bloc members "$work/members-bad.csv" --bloc k11 --period 2025
ok '[ $status -eq 1 ] && grep -q "members-bad.csv:4: column \"role\": \"chairman\" is not head, deputy or member" $err && [ "$(count bloc_member)" = 0 ]' 'bloc members: a bad role on row 3 stores nothing'
run bloc members "$work/members.csv" --bloc k11 --period 2025
ok '[ $status -eq 0 ] && grep -q "5 added, 0 changed, 0 unchanged, 0 others kept" $out' 'bloc members: five members'
run bloc members "$work/members.csv" --bloc k11 --period 2025
ok '[ $status -eq 0 ] && grep -q "0 added, 0 changed, 5 unchanged" $out' 'bloc members again: unchanged'
run bloc show k11
ok '[ $status -eq 0 ] && grep -q "^bloc k11: Cụm thử làm tròn (zone)" $out && grep -Eq "^ 2025 +\| open +\| rc/2025 +\| mean +\| +0 \| +3 \| 2 +\| +5" $out && grep -Eq "^ 2025 +\| J1 +\| Giám khảo 1 +\| head" $out' 'bloc show: settings and members'

# Only an administrator sets a zone up.
run -U cli_setup_reader bloc create k12 "Cụm khác"
ok '[ $status -eq 1 ] && grep -q "permission denied for function create_bloc" $err && grep -q "\"bloc create\" needs the role thidua_admin" $err' 'a reader cannot create a bloc (the role it needs is named)'
run -U cli_setup_reader bloc show k11
ok '[ $status -eq 0 ] && grep -Eq "^ 2025 +\| J1 +\|" $out && ! grep -q veto $out' 'a reader reads a bloc (not its vetoes)'

# pact, veto, recusal
printf 'unit;signed_on;target;value\nX;15/03/2025;hòa giải thành (%%);80,5\nY;15/03/2025;hòa giải thành (%%);82\n' > "$work/pact.csv"
run pact import "$work/pact.csv" --bloc k11 --period 2025
ok '[ $status -eq 0 ] && grep -q "2 targets; units 2 added, 0 changed, 0 unchanged" $out && [ "$(psql -X -At -c "SELECT targets FROM thidua.pact WHERE unit_code = '"'X'"'")" = "{\"hòa giải thành (%)\": 80.5}" ]' 'pact import: targets with a decimal comma, exact'
run pact import "$work/pact.csv" --bloc k11 --period 2025
ok '[ $status -eq 0 ] && grep -q "units 0 added, 0 changed, 2 unchanged" $out' 'pact import again: unchanged'
printf 'unit,signed_on,target,value\nJ1,2025-03-15,a,1\nNO,2025-03-15,a,1\n' > "$work/pact-bad.csv"
run pact import "$work/pact-bad.csv" --bloc k11 --period 2025
ok '[ $status -eq 1 ] && grep -q "pact-bad.csv:3: column \"unit\": \"NO\" is not a member of bloc \"k11\"" $err && [ "$(count pact)" = 2 ]' 'pact import: a non-member is named, nothing stored'
run veto add Y --bloc k11 --period 2025
ok '[ $status -eq 1 ] && grep -q "veto add needs --reason" $err' 'veto add needs a reason'
run veto add Y --bloc k11 --period 2025 --reason "Kỷ luật"
ok '[ $status -eq 0 ] && grep -q "^unit Y in bloc k11, period 2025: vetoed$" $out' 'veto add'
run veto remove Y --bloc k11 --period 2025 --reason "Quyết định kỷ luật bị hủy"
ok '[ $status -eq 0 ] && grep -q "veto lifted$" $out && [ "$(psql -X -At -c "SELECT lifted_reason FROM thidua.veto")" = "Quyết định kỷ luật bị hủy" ]' 'veto remove: lifted, on record with its reason'
run recusal add X --judge J3 --bloc k11 --period 2025 --reason "Xung đột lợi ích"
ok '[ $status -eq 0 ] && grep -q "^judge J3 judging X in bloc k11, period 2025: recused$" $out' 'recusal add'
run recusal add X --judge J3 --bloc k11 --period 2025 --reason "Xung đột lợi ích"
ok '[ $status -eq 0 ] && grep -q "recused already$" $out' 'recusal add again: said, not doubled'
psql_quiet "DELETE FROM thidua.recusal" thidua_cli_setup

# F11: scores on the zone set up above, standings under the bloc's settings.
cat > "$work/scores.csv" <<'CSV'
unit,judge,criterion,observed,evidence
X,J1,I.1,40,
X,J1,II.1,45,
X,J2,I.1,40,
X,J2,II.1,45,
X,J3,I.1,40,
X,J3,II.1,46,
Y,J1,I.1,45,
Y,J1,II.1,40.33,
Y,J2,I.1,45,
Y,J2,II.1,40.33,
Y,J3,I.1,45,
Y,J3,II.1,40.33,
CSV
run scores import "$work/scores.csv" --bloc k11 --period 2025
ok '[ $status -eq 0 ]' 'the F11 scores import into the zone set up by the verbs'
run standings --bloc k11 --period 2025 --format csv
ok '[ $status -eq 0 ] && grep -q "^[12],X," $out && grep -q "^[12],Y," $out' 'standings rank X and Y'

# A member that leaves during the year.
run bloc remove J3 --bloc k11 --period 2025
ok '[ $status -eq 1 ] && grep -q "unit \"J3\" cannot be removed from bloc \"k11\" in period \"2025\": these name it: evaluations: 2" $err && grep -q "thidua bloc withdraw" $err' 'bloc remove: refused, naming what depends on the member'
run bloc withdraw J3 --bloc k11 --period 2025 --date 2025/07/01 --reason "Quyết định sáp nhập" --into J2
ok '[ $status -eq 1 ] && grep -q "option \"--date\": \"2025/07/01\" is not a date" $err' 'bloc withdraw: a date in another form is refused, not guessed'
run bloc withdraw J3 --bloc k11 --period 2025 --date 01/07/2025 --reason "Quyết định sáp nhập" --into J2
ok '[ $status -eq 0 ] && grep -q "^unit J3 in bloc k11, period 2025: merged into J2 from 2025-07-01$" $out' 'bloc withdraw --into: merged from a date written day/month/year'
run explain X --bloc k11 --period 2025
ok '[ $status -eq 0 ] && grep -Eq "^ J3 +\| +[0-9.]+ +\| judge left the bloc" $out && grep -Eq "^ J1 +\| +[0-9.]+ +\| counted" $out' 'the scores a merged member filed after its date do not count (filed after the scores, the status still holds)'
run standings --bloc k11 --period 2025 --format csv
ok '[ $status -eq 0 ] && grep -q "^5,J3,.*,,,no_peer_score incomplete_quorum no_self_score merged_into:J2:2025-07-01" $out' 'standings: the merged member is listed after the ranked units, flagged'
printf 'unit,judge,criterion,observed,evidence\nX,J3,I.1,40,\n' > "$work/late.csv"
psql_quiet "DELETE FROM thidua.evaluation WHERE judge_code = 'J3' AND unit_code = 'X'" thidua_cli_setup
run scores import "$work/late.csv" --bloc k11 --period 2025
ok '[ $status -eq 1 ] && grep -q "unit \"J3\" left bloc \"k11\" on 2025-07-01 (merged into \"J2\"): from that date it neither judges nor is judged" $err' 'a merged member files no score after the date'
run bloc remove X --bloc k11 --period 2025
ok '[ $status -eq 1 ] && grep -q "these name it" $err' 'bloc remove of a scored member is refused clearly'
run units import "$work/units.csv"
run bloc members "$work/members.csv" --bloc k11 --period 2025
ok '[ $status -eq 0 ]' 'members import again after the status change'

# period close and reopen
run period close 2025 --reason "Tổng kết năm"
ok '[ $status -eq 0 ] && grep -q "^period 2025: closed$" $out' 'period close'
run veto add X --bloc k11 --period 2025 --reason "x"
ok '[ $status -eq 1 ] && grep -q "period \"2025\" is closed" $err' 'a closed period takes no veto'
run period reopen 2025
ok '[ $status -eq 1 ] && grep -q "period reopen needs --reason" $err' 'period reopen needs a reason'
run period reopen 2025 --reason "Sửa sai sót"
ok '[ $status -eq 0 ] && grep -q "^period 2025: reopened$" $out && [ "$(count period_event)" = 2 ]' 'period reopen: on the record'

done_testing
