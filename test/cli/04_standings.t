#!/usr/bin/env bash
# thidua scores import | standings [publish] | explain | judges, on the 2019
# south-western zone: the expected order is worked out by hand from the
# deductions in test/fixtures/zone-2019/make-scores.py (peer totals are
# 99.5 minus them; the lenient and the strict judge are trimmed away).
. "$(dirname "$0")/lib.sh"
fixtures=$(cd "$(dirname "$0")/../fixtures" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work" "$out" "$err"' EXIT
psql_quiet "CREATE DATABASE thidua_cli_zone"
psql_quiet "CREATE EXTENSION thidua" thidua_cli_zone
export PGDATABASE=thidua_cli_zone
run criteria import "$fixtures/criteria/stp-2019.json"
run criteria publish stp/2019
psql -X -q -v ON_ERROR_STOP=1 -f "$fixtures/zone-2019/setup.sql" >/dev/null || echo "Bail out! setup failed"
observations() { psql -X -At -c "SELECT count(*) FROM thidua.observation"; }

# Bad files: named line and field, nothing stored.
printf 'unit,judge,criterion,observed,evidence\nAG,self,I.1,1,\nAG,self,I.2,abc,\n' > "$work/bad-number.csv"
run scores import "$work/bad-number.csv" --bloc tnb --period 2019
ok '[ $status -eq 1 ] && grep -q "bad-number.csv:3: field \"observed\": \"abc\" is not a number" $err' 'a malformed value is named by line and column'
printf 'unit,judge,criterion,observed,evidence\nAG,self,I.1,1,\nXX,self,I.1,1,\n' > "$work/bad-unit.csv"
run scores import "$work/bad-unit.csv" --bloc tnb --period 2019
ok '[ $status -eq 1 ] && grep -q "bad-unit.csv:3: field \"unit\": \"XX\" is not a member of bloc \"tnb\"" $err' 'an unknown unit is named by line and field'
printf 'unit,judge,criterion,observed,evidence\nAG,self,I.1,1,\nAG,CT,I.1,0.5,\n' > "$work/bad-rule.csv"
run scores import "$work/bad-rule.csv" --bloc tnb --period 2019
ok '[ $status -eq 1 ] && grep -q "bad-rule.csv:3: field \"observed\": criterion \"I.1\" of criteria version \"stp/2019\" (pass_fail) does not accept 0.5" $err' 'a value the rule refuses is named by line'
printf 'unit,judge,criterion,observed,evidence\nAG,AG,I.1,1,\n' > "$work/bad-judge.csv"
run scores import "$work/bad-judge.csv" --bloc tnb --period 2019
ok '[ $status -eq 1 ] && grep -q "field \"judge\": a member never scores itself as a peer" $err' 'a unit scoring itself as a peer is refused'
printf 'unit,judge,criterion,value\nAG,self,I.1,1\n' > "$work/bad-header.csv"
run scores import "$work/bad-header.csv" --bloc tnb --period 2019
ok '[ $status -eq 1 ] && grep -q "bad-header.csv:1: column 4 (\"value\"): is not a column of this file" $err && grep -q "hint: The columns are: unit, judge, criterion, observed, evidence." $err' 'a header that is not unit,judge,criterion,observed,evidence is refused'
run scores import "$work/bad-unit.csv"
ok '[ $status -eq 1 ] && grep -q "needs --bloc and --period" $err' '--bloc and --period are required'
ok '[ "$(observations)" = 0 ]' 'nothing of the bad files is stored'

# The real file: 13 departments x (self + 12 peers) x 50 criteria.
run scores import "$fixtures/zone-2019/scores.csv" --bloc tnb --period 2019
ok '[ $status -eq 0 ] && grep -q "imported 8450 observations" $out' 'the zone''s scores import (8450 observations)'
run scores import "$fixtures/zone-2019/scores.csv" --bloc tnb --period 2019
ok '[ $status -eq 1 ] && grep -q "is stored already" $err && [ "$(observations)" = 8450 ]' 'importing again is refused: scores are never overwritten'

run standings --bloc tnb --period 2019 --format csv
sed '1s/^\xEF\xBB\xBF//' $out | tr -d '\r' | cut -d, -f1,2,9,10,11 > "$work/got.csv"
cat > "$work/expected.csv" <<'CSV'
rank,unit,final_total,class,flags
1,DT,101.5000000000000000,A,
2,CT,99.0000000000000000,A,
3,AG,98.5000000000000000,A,
4,LA,98.5000000000000000,A,
5,BT,97.5000000000000000,A,
5,TG,97.5000000000000000,A,
7,VL,97.5000000000000000,A,
8,BL,97.5000000000000000,B,vetoed
9,ST,95.5000000000000000,A,
10,TV,93.5000000000000000,A,
11,HG,90.0000000000000000,A,
12,KG,89.9900000000000000,B,
13,CM,79.5000000000000000,C,recused:BL
CSV
ok 'diff "$work/expected.csv" "$work/got.csv" >&2' 'the standings are in the order worked out by hand'
run standings --bloc tnb --period 2019
ok '[ $status -eq 0 ] && grep -Eq "^ +1 \| DT +\| Sở Tư pháp Đồng Tháp +\| deputy \| +102.00 \| +101.50 \| +12 \|" $out' 'the table shows self, peers, judges'
widths=$(python3 -c '
import sys
rows = [l for l in open(sys.argv[1], encoding="utf-8") if "|" in l]
print(len({tuple(i for i, c in enumerate(l) if c == "|") for l in rows}))' $out)
ok '[ "$widths" = 1 ]' 'the standings table is aligned with Vietnamese names'
run standings --bloc tnb --period 2019 --format json
ok '[ $status -eq 0 ] && python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert [r[\"unit_code\"] for r in d][:3] == [\"DT\",\"CT\",\"AG\"]" $out' 'JSON output parses, in rank order'

run explain AG --period 2019
ok '[ $status -eq 0 ] && grep -Eq "^ LA +\| +4 \| +98.50 \| section:I" $out' 'explain: section I put An Giang ahead of Long An'
ok 'grep -Eq "^ AG\b|^ KG +\| +98.00 \| trimmed \(lowest\)" $out' 'explain: the strict judge was trimmed'
run explain CM --period 2019
ok '[ $status -eq 0 ] && grep -Eq "^ BL +\| +79.50 \| recused" $out' 'explain: the recused judge is shown, not counted'
run explain XX --period 2019
ok '[ $status -eq 1 ] && grep -q "unit \"XX\" is not a member" $err' 'explain: an unknown unit is named'

run judges --bloc tnb --period 2019
ok '[ $status -eq 0 ] && head -n 3 $out | grep -Eq "^ AG +\| +12 \|" && grep -Eq "^ KG +\| +12 \| .* \| +-0\.[0-9]+ *$" $out' 'judges: An Giang the most lenient, Kiên Giang strict'

run standings publish --bloc tnb --period 2019
ok '[ $status -eq 0 ] && grep -q "as revision 1" $out' 'publish freezes revision 1'
run standings publish --bloc tnb --period 2019
ok '[ $status -eq 1 ] && grep -q "published already" $err && grep -q "give its reason" $err' 'publishing again needs a reason'
psql_quiet "INSERT INTO thidua.adjustment (bloc_code, period_code, unit_code, points, reason, made_by) VALUES ('tnb', '2019', 'KG', 0.01, 'III.1.2: số hóa đạt 100 % sau thẩm định', 'Bộ Tư pháp')" thidua_cli_zone
run standings publish --bloc tnb --period 2019 --reason "Kiên Giang: kết quả thẩm định"
ok '[ $status -eq 0 ] && grep -q "as revision 2" $out' 'a correction is revision 2'
run standings --bloc tnb --period 2019 --published --format csv
ok 'grep -q "^11,KG,.*,90.0000000000000000,A," $out && grep -q "^11,HG," $out' 'revision 2: Kiên Giang at 90, class A, tied with Hậu Giang at rank 11'
rev1=$(psql -X -At -c "SELECT class FROM thidua.standing_row WHERE revision = 1 AND unit_code = 'KG'")
ok '[ "$rev1" = B ]' 'revision 1 stays readable, unchanged'

done_testing
