#!/usr/bin/env bash
# thidua criteria import|list|show|export|diff|publish|clone|retire
. "$(dirname "$0")/lib.sh"
fixtures=$(cd "$(dirname "$0")/../fixtures/criteria" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work" "$out" "$err"' EXIT
psql_quiet "CREATE DATABASE thidua_cli_criteria"
psql_quiet "CREATE EXTENSION thidua" thidua_cli_criteria
export PGDATABASE=thidua_cli_criteria
count_rows() { psql -X -At -c "SELECT (SELECT count(*) FROM thidua.criteria_version) + (SELECT count(*) FROM thidua.criteria_item) + (SELECT count(*) FROM thidua.criteria_set)"; }

run criteria import "$fixtures/stp-2019.json"
ok '[ $status -eq 0 ] && grep -qx "imported criteria version stp/2019 (draft, 50 criteria)" $out' 'import JSON prints the version it created'
run criteria list
ok '[ $status -eq 0 ] && grep -Eq "^ stp/2019 +\| draft +\| +50 \|" $out && grep -q "(1 row)" $out' 'list shows the draft'
run criteria show stp/2019
ok '[ $status -eq 0 ] && grep -q "^classes: *A ≥ 90 (Xuất sắc), B ≥ 80" $out && grep -Eq "^     III.1.1 \| +2 \| bands +\| Tỷ lệ trẻ em" $out' 'show prints settings and the item tree'
# the table is aligned by what a terminal shows: the three bars of every row
# stand in the same columns (counted in characters, not bytes)
widths=$(python3 -c '
import sys
rows = [l for l in open(sys.argv[1], encoding="utf-8") if l.startswith(" ") and "|" in l]
print(len({tuple([i for i, c in enumerate(l) if c == "|"][:3]) for l in rows}))' $out)
ok '[ "$widths" = 1 ]' 'show aligns the columns of Vietnamese titles'
longest=$(python3 -c 'import sys; print(max(len(l.rstrip("\n")) for l in open(sys.argv[1], encoding="utf-8")))' $out)
ok '[ "$longest" -le 80 ]' "show fits 80 columns, long titles wrapped (longest line: $longest)"

before=$(count_rows)
run criteria import "$fixtures/stp-2019.json"
ok '[ $status -eq 1 ] && grep -q "stp-2019.json: criteria version \"stp/2019\" already exists (draft)" $err && grep -q "hint: Replace the draft" $err' 'importing an existing draft again is refused with the fix'
printf 'kind,code,parent,title,max,rule,params\nset,bad,,Bad,,,\nversion,1,,V,,,\nclass,A,,,,,\nsection,S,,s,5,,\ncriterion,C1,S,one,2,manual,\ncriterion,C2,S,two,2,bands,"bands=[0,10):1 | [5,20):2"\n' > "$work/bad.csv"
run criteria import "$work/bad.csv"
ok '[ $status -eq 1 ] && grep -q "bad.csv:7: criteria version \"bad/1\", item \"C2\", field \"bands\": band 2 overlaps band 1" $err' 'an invalid CSV names file, line, item and field'
ok '[ "$(count_rows)" = "$before" ]' 'and nothing of it is stored'
printf 'kind,code\nset,x\n\xff\xfe\n' > "$work/latin.csv"
run criteria import "$work/latin.csv"
ok '[ $status -eq 1 ] && grep -q "latin.csv:3: invalid UTF-8" $err' 'invalid UTF-8 is refused with its line'
run criteria import "$work/missing.csv"
ok '[ $status -eq 1 ] && grep -q "could not open file \".*missing.csv\": No such file" $err' 'a missing file is named'
run criteria import --format xml "$fixtures/stp-2019.json"
ok '[ $status -eq 1 ] && grep -q "unknown format \"xml\"" $err' 'an unknown format is refused'

# export -> import reproduces the version exactly, in both formats
run criteria export stp/2019 --format csv -o "$work/out.csv"
ok '[ $status -eq 0 ] && cmp -s "$work/out.csv" "$fixtures/stp-2019.csv"' 'export --format csv writes the fixture byte for byte'
run criteria export stp/2019 -o "$work/out.json"
ok '[ $status -eq 0 ] && [ "$(psql -X -At -c "SELECT thidua.export_criteria('"'"'stp/2019'"'"') = pg_read_file('"'"'/dev/null'"'"')::jsonb" 2>/dev/null)" != x ]' 'export --format json writes a file'
sed 's/"edition": "2019"/"edition": "2019-rt"/' "$work/out.json" > "$work/rt.json"
run criteria import "$work/rt.json"
same=$(psql -X -At -c "SELECT (thidua.export_criteria('stp/2019') - 'edition') = (thidua.export_criteria('stp/2019-rt') - 'edition')")
ok '[ $status -eq 0 ] && [ "$same" = t ]' 'import(export(v)) reproduces v'
run criteria import --replace "$work/rt.json"
ok '[ $status -eq 0 ] && grep -q "imported criteria version stp/2019-rt" $out' '--replace replaces a draft'

run criteria publish stp/2019 --note "Quyết định 01/QĐ-STP"
ok '[ $status -eq 0 ] && grep -qx "published stp/2019" $out' 'publish'
run criteria publish stp/2019
ok '[ $status -eq 1 ] && grep -q "is already published" $err' 'publishing twice is refused'
run criteria clone stp/2019
ok '[ $status -eq 0 ] && grep -qx "created draft stp/2020" $out' 'clone defaults to the next year'
psql_quiet "UPDATE thidua.criteria_item SET max_points = 2 WHERE version_code = 'stp/2020' AND code = 'I.1'" thidua_cli_criteria
run criteria diff stp/2019 stp/2020
ok '[ $status -eq 0 ] && grep -Eq "^ I.1 +\| changed \| max: 1 → 2" $out && grep -q "(1 row)" $out' 'diff names the changed field'
run criteria diff stp/2019 stp/2020 --format csv
ok '[ $status -eq 0 ] && head -c 3 $out | od -An -tx1 | grep -q "ef bb bf" && grep -q "^I.1,changed," $out' 'diff as CSV for a spreadsheet (UTF-8 BOM)'
run criteria retire stp/2019 --note "thay bằng 2020"
ok '[ $status -eq 0 ] && grep -qx "retired stp/2019" $out' 'retire'
run criteria show stp/2019
ok 'grep -Eq "^history: +draft " $out && grep -Eq "^ {18}published .* \(Quyết định 01/QĐ-STP\)$" $out && grep -Eq "^ {18}retired .* \(thay bằng 2020\)$" $out' 'show lists the history with notes, one event a line'
run criteria show nope/1
ok '[ $status -eq 1 ] && grep -q "criteria version \"nope/1\" does not exist" $err' 'an unknown version is named'
run criteria frob
ok '[ $status -eq 1 ] && grep -q "unknown criteria command \"frob\"" $err' 'an unknown criteria command is named'
run criteria
ok '[ $status -eq 1 ] && grep -q "criteria needs a command" $err' 'criteria alone asks for a command'

done_testing
