#!/usr/bin/env bash
# People's and units' records from the client: each kind of records file
# imported (the kind told by the header or given with --kind), again
# unchanged, bad rows named by file:line and column with nothing stored; the
# award catalog as a table, CSV and JSON.
. "$(dirname "$0")/lib.sh"
work=$(mktemp -d)
trap 'rm -rf "$work" "$out" "$err"' EXIT
psql_quiet "CREATE DATABASE thidua_cli_records"
psql_quiet "CREATE EXTENSION thidua" thidua_cli_records
psql_quiet "SELECT thidua.create_roles()" thidua_cli_records
psql_quiet "DO \$\$ BEGIN CREATE ROLE cli_records_reader LOGIN IN ROLE thidua_reader; EXCEPTION WHEN duplicate_object THEN NULL; END \$\$"
export PGDATABASE=thidua_cli_records
count() { psql -X -At -c "SELECT count(*) FROM thidua.$1"; }

printf 'code,name,parent\nSTP,Sở Tư pháp,\nVP,Văn phòng Sở,STP\n' > "$work/units.csv"
printf 'code,name,sex,unit,unit_from\nP1,Nguyễn Văn An,nam,VP,2010-01-01\nP2,Trần Thị Bình,nữ,VP,2012-05-01\n' > "$work/people.csv"
run units import "$work/units.csv"
run people import "$work/people.csv"
ok '[ $status -eq 0 ]' 'units and people to record'

# ratings: the kind told by the header; ";" file, the phrase in full
printf 'person;year;rating\nP1;2023;HTXSNV\nP1;2024;Hoàn thành xuất sắc nhiệm vụ\nP2;2024;HTTNV\n' > "$work/ratings.csv"
run records import "$work/ratings.csv"
ok '[ $status -eq 0 ] && grep -q "^imported ratings from .*ratings.csv: 3 added, 0 changed, 0 unchanged$" $out' 'records import: ratings, told by the header'
run records import "$work/ratings.csv" --kind ratings
ok '[ $status -eq 0 ] && grep -q ": 0 added, 0 changed, 3 unchanged$" $out' 'records import again with --kind: nothing changes'
printf 'person,year,rating\nP1,2020,HTXSNV\nP2,2020,giỏi\n' > "$work/ratings-bad.csv"
run records import "$work/ratings-bad.csv"
ok '[ $status -eq 1 ] && grep -q "ratings-bad.csv:3: column \"rating\": \"giỏi\" is not a rating" $err && [ "$(count individual_rating)" = 3 ]' 'records import: a rating outside the scale is named, nothing stored'
printf 'person,year,rating\nP1,2020,HTXSNV\nP9,2020,HTNV\n' > "$work/ratings-who.csv"
run records import "$work/ratings-who.csv"
ok '[ $status -eq 1 ] && grep -q "ratings-who.csv:3: column \"person\": person \"P9\" does not exist" $err && [ "$(count individual_rating)" = 3 ]' 'records import: an unknown person is named, nothing stored'
run records import "$work/ratings.csv" --kind medals
ok '[ $status -eq 1 ] && grep -q "records of kind \"medals\" are not known" $err' 'records import: an unknown kind'

# initiatives, awards crediting them, a revocation
printf 'code,title,scope,authors,recognition_decision,recognised_on\nSK-1,Số hoá hồ sơ,cơ sở,"P1, P2",QĐ 12,15/11/2023\nSK-2,Chứng thực điện tử,cấp tỉnh,P1,,2024-10-01\n' > "$work/initiatives.csv"
run records import "$work/initiatives.csv"
ok '[ $status -eq 0 ] && grep -q "^imported initiatives from .*: 2 added" $out && [ "$(count initiative_author)" = 3 ]' 'records import: initiatives and their authors'
printf 'person,award,year,kind,decision_number,initiatives\nP1,LDTT,2024,,QĐ 1,\nP1,CSTDCS,2024,,QĐ 2,SK-1\n' > "$work/awards.csv"
run records import "$work/awards.csv"
ok '[ $status -eq 0 ] && grep -q "^imported awards from .*: 2 added, 0 changed, 0 unchanged$" $out' 'records import: awards'
printf 'person,award,year,decision_number,initiatives\nP2,CSTDCS,2024,QĐ 3,SK-1\n' > "$work/awards-used.csv"
run records import "$work/awards-used.csv"
ok '[ $status -eq 1 ] && grep -q "awards-used.csv:2: column \"initiatives\": initiative \"SK-1\" is used by award record [0-9]* already" $err && [ "$(count individual_award)" = 2 ]' 'records import: an initiative credited to a second award is refused'
printf 'person,award,year\nP2,TTLDTT,2024\n' > "$work/awards-subject.csv"
run records import "$work/awards-subject.csv"
ok '[ $status -eq 1 ] && grep -q "awards-subject.csv:2: column \"award\": award \"TTLDTT\" is for collectives" $err' 'records import: a collective award on a person is refused'
printf 'person,award,year,decision_number,revoked_on,revocation_reason\nP1,LDTT,2024,QĐ 1,2025-02-01,Sai thành tích\n' > "$work/revoke.csv"
run records import "$work/revoke.csv"
ok '[ $status -eq 0 ] && grep -q ": 0 added, 1 changed, 0 unchanged$" $out' 'records import: a revocation through the file'
printf 'person,award,year,decision_number\nP1,LDTT,2024,QĐ 1\n' > "$work/unrevoke.csv"
run records import "$work/unrevoke.csv"
ok '[ $status -eq 1 ] && grep -q "unrevoke.csv:2: column \"revoked_on\": award record [0-9]* was revoked on 2025-02-01" $err' 'records import: a revocation is not undone'

# discipline
printf 'person,kind,severity,from,to,decision\nP2,measure,cảnh cáo,2022-01-01,2022-12-31,QĐ 9\n' > "$work/discipline.csv"
run records import "$work/discipline.csv"
ok '[ $status -eq 0 ] && grep -q "^imported discipline from .*: 1 added" $out' 'records import: discipline'
printf 'person,kind,severity,from\nP1,measure,,2022-01-01\n' > "$work/discipline-bad.csv"
run records import "$work/discipline-bad.csv"
ok '[ $status -eq 1 ] && grep -q "discipline-bad.csv:2: column \"severity\": a disciplinary measure needs its severity" $err && [ "$(count discipline)" = 1 ]' 'records import: a measure without severity is refused'

# roles
run -U cli_records_reader records import "$work/ratings.csv"
ok '[ $status -eq 1 ] && grep -q "permission denied for function import_records" $err && grep -q "\"records import\" needs the role thidua_admin" $err' 'a reader cannot import records (the role it needs is named)'

# the award catalog
run awards
ok '[ $status -eq 0 ] && grep -q "LDTT .*Lao động tiên tiến" $out && grep -q "KNC-TP" $out' 'awards: the catalog as a table'
run awards --format csv
ok '[ $status -eq 0 ] && grep -q "^BK-TTG,Bằng khen của Thủ tướng Chính phủ,individual,form,national" $out' 'awards --format csv'
run awards --format json
ok '[ $status -eq 0 ] && [ "$(grep -c "\"award\":" $out)" = 17 ] && grep -q "\"once_only\": true" $out' 'awards --format json: every award'
run awards --format xml
ok '[ $status -eq 1 ] && grep -q "unknown format \"xml\"" $err' 'awards: an unknown format'

done_testing
