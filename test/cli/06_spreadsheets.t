#!/usr/bin/env bash
# Spreadsheet files through the client: the field cases F03 (";" file with
# decimal commas, BOM, CRLF) and F05 (Excel's padding), errors naming
# file:line and column, CSV output with a byte-order mark and neutralised
# formulas, the round trip of a criteria CSV, the progress bar on a terminal.
. "$(dirname "$0")/lib.sh"
cases=$(cd "$(dirname "$0")/../fixtures/spreadsheets" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work" "$out" "$err"' EXIT
psql_quiet "CREATE DATABASE thidua_cli_spreadsheets"
psql_quiet "CREATE EXTENSION thidua" thidua_cli_spreadsheets
export PGDATABASE=thidua_cli_spreadsheets
stored() {
	psql -X -At -F ' ' -c "SELECT e.unit_code, e.judge_code, o.criterion_code, o.observed,
		thidua.points('fld/2024', o.criterion_code, o.observed)
		FROM thidua.observation o JOIN thidua.evaluation e USING (evaluation_id) ORDER BY 1, 2, 3" | paste -sd ';'
}
forget_scores() { psql_quiet "DELETE FROM thidua.observation; DELETE FROM thidua.evaluation" "$PGDATABASE"; }

run criteria import "$cases/base-criteria.csv"
ok '[ $status -eq 0 ] && grep -qx "imported criteria version fld/2024 (draft, 2 criteria)" $out' 'the base criteria import'
run criteria publish fld/2024
psql -X -q -v ON_ERROR_STOP=1 -f "$cases/base-setup.sql" >/dev/null || echo "Bail out! setup failed"

# F03: 83,4 is 83.4 in a ";" file; by hand: I.2 bands [75,95]:1 gives 1,
# I.1 pass_fail max 2 gives 2.
run scores import "$cases/F03-scores-semicolon.csv" --bloc k1 --period 2024
ok '[ $status -eq 0 ] && grep -qx "imported 3 observations from .*F03-scores-semicolon.csv into bloc k1, period 2024" $out' 'F03: the ";" file with decimal commas imports'
ok '[ "$(stored)" = "U1 U1 I.2 83.4 1.00;U1 U2 I.1 1 2.00;U1 U2 I.2 83.4 1.00" ]' 'F03: 83,4 is stored as 83.4 and scores 1.00; 1 on I.1 scores 2.00'
forget_scores

# F05: Excel's padding columns and rows of bare separators are not data.
run scores import "$cases/F05-scores-trailing-cols.csv" --bloc k1 --period 2024
ok '[ $status -eq 0 ] && grep -q "imported 1 observations" $out' 'F05: empty trailing columns are ignored'
forget_scores
run scores import "$cases/F05-scores-empty-row.csv" --bloc k1 --period 2024
ok '[ $status -eq 0 ] && grep -q "imported 1 observations" $out && [ "$(stored)" = "U2 U2 I.1 1 2.00" ]' 'F05: a row of bare separators is ignored'
forget_scores
run criteria import "$cases/F05-criteria-trailing-cols.csv"
ok '[ $status -eq 0 ] && grep -qx "imported criteria version xl/2024 (draft, 1 criteria)" $out' 'F05: the criteria file with empty trailing columns imports'

# Bad files: file:line and column or field, nothing stored.
printf 'unit,judge,criterion,observed,evidence,\nU2,self,I.1,1,,x\n' > "$work/under-empty-header.csv"
run scores import "$work/under-empty-header.csv" --bloc k1 --period 2024
ok '[ $status -eq 1 ] && grep -qx "thidua: error: .*under-empty-header.csv:2: column 6: a value under an empty header" $err && grep -qx "thidua: hint: Name the column in the header, or empty it." $err' 'a value under an empty header is named by line and column'
printf 'unit;judge;criterion;observed\r\nU1;self;I.1;1\r\nU1;U2;I.2;\r\n' > "$work/empty-cell.csv"
run scores import "$work/empty-cell.csv" --bloc k1 --period 2024
ok '[ $status -eq 1 ] && grep -qx "thidua: error: .*empty-cell.csv:3: column 4 (\"observed\"): a value is required" $err' 'an empty required cell is named by line and column'
printf 'unit,judge,criterion,observed\nU1,self,I.1,1\nU1,self,I,8\n' > "$work/section.csv"
run scores import "$work/section.csv" --bloc k1 --period 2024
ok '[ $status -eq 1 ] && grep -qx "thidua: error: .*section.csv:3: field \"criterion\": \"I\" is a section of criteria version \"fld/2024\", not a criterion" $err' 'a section where a criterion is expected is refused'
printf 'unit,judge,criterion,observed\nU1,self,I.9,1\n' > "$work/unknown.csv"
run scores import "$work/unknown.csv" --bloc k1 --period 2024
ok '[ $status -eq 1 ] && grep -qx "thidua: error: .*unknown.csv:2: field \"criterion\": \"I.9\" is not an item of criteria version \"fld/2024\"" $err' 'an unknown criterion is reported as field criterion'
printf 'unit,judge,criterion,observed\nU1,self,I.2,"83,4"\n' > "$work/comma.csv"
run scores import "$work/comma.csv" --bloc k1 --period 2024
ok '[ $status -eq 1 ] && grep -qx "thidua: error: .*comma.csv:2: field \"observed\": \"83,4\" is not a number (use \".\" for decimals)" $err' 'a decimal comma in a comma-separated file: use . for decimals'
printf '\xef\xbb\xbfunit,judge,criterion,observed,evidence\r\n,,,,\r\n' > "$work/header-only.csv"
run scores import "$work/header-only.csv" --bloc k1 --period 2024
ok '[ $status -eq 1 ] && grep -qx "thidua: error: .*header-only.csv:1: the file has a header and no rows" $err' 'a header and no rows is an error'
printf 'unit,judge,criterion,observed\nU1,self,I.1,1\nU\xff,self,I.2,1\n' > "$work/latin1.csv"
run scores import "$work/latin1.csv" --bloc k1 --period 2024
ok '[ $status -eq 1 ] && grep -qx "thidua: error: .*latin1.csv:3: invalid UTF-8 at character 2" $err' 'invalid UTF-8 is named by line'
ok '[ -z "$(stored)" ]' 'nothing of the bad files is stored'

# 1e2 in a score file and in a criteria CSV
printf 'unit;judge;criterion;observed\nU1;self;I.2;1e2\n' > "$work/exponent.csv"
run scores import "$work/exponent.csv" --bloc k1 --period 2024
ok '[ $status -eq 0 ] && [ "$(stored)" = "U1 U1 I.2 100 1.50" ]' '1e2 is read as exactly 100'
printf 'kind;code;parent;title;max;rule;params\nset;ex;;E;;;\nversion;1;;V;;;\nclass;A;;;;;min=9e1\nsection;S;;s;1e1;;\ncriterion;S.1;S;c;2,5;proportional;target=1E2\n' > "$work/exponent-criteria.csv"
run criteria import "$work/exponent-criteria.csv"
ok '[ $status -eq 0 ] && [ "$(psql -X -At -c "SELECT string_agg(code || '"'"'='"'"' || max_points || coalesce('"'"' '"'"' || params::text, '"'"''"'"'), '"'"'; '"'"' ORDER BY position) FROM thidua.criteria_item WHERE version_code = '"'"'ex/1'"'"'")" = "S=10 {}; S.1=2.5 {\"target\": 100}" ]' 'a criteria CSV reads 1e1, 1E2 and the decimal comma of a ";" file'
printf 'kind,code,parent,title,max,rule,params\nset,z,,Z,,,\nversion,1,,V,,,\nclass,A,,,,,\nsection,1,,s,4,,\ncriterion,1.1,1,a,2,manual,\ncriterion,1.10,1,b,2,manual,\n' > "$work/zeros.csv"
run criteria import "$work/zeros.csv"
ok '[ $status -eq 1 ] && grep -qx "thidua: error: .*zeros.csv:7: criteria version \"z/1\", item \"1.10\", field \"code\": items \"1.1\" and \"1.10\" differ only in zeros: a spreadsheet reads both as the number 1.1 and merges them" $err' 'codes a spreadsheet would merge are refused, both named'

# CSV output: byte-order mark, formulas neutralised, numbers not; the round trip.
printf 'kind,code,parent,title,max,rule,params\nset,fx,,"=HYPERLINK(""http://x"")",,,\nversion,1,,+ Bảng,,,\nclass,A,,@ Tốt,,,min=90\nclass,D,,- Còn lại,,,\nsection,I,,-Mục I,10,,\ncriterion,I.1,I,- đã có dấu,,per_occurrence,per=-2; floor=-10\npenalty,P,,Trừ,2,,\ncriterion,P.1,P,-1 điểm mỗi lần,,per_occurrence,per=-1; floor=-2\n' > "$work/formulas.csv"
run criteria import "$work/formulas.csv"
ok '[ $status -eq 0 ]' 'titles that look like formulas import'
run criteria export fx/1 --format csv -o "$work/fx.csv"
ok '[ $status -eq 0 ] && [ "$(head -c 3 "$work/fx.csv" | od -An -tx1 | tr -d " ")" = efbbbf ]' 'criteria export --format csv starts with a byte-order mark'
ok 'grep -qx "set,fx,,\"'"'"'=HYPERLINK(\"\"http://x\"\")\",,," "$work/fx.csv" && grep -qx "section,I,,'"'"'-Mục I,10,," "$work/fx.csv" && grep -qx "class,A,,'"'"'@ Tốt,,,min=90" "$work/fx.csv"' 'the export neutralises text starting with = + - @'
sed -i 's/^version,1,/version,2,/' "$work/fx.csv"
run criteria import "$work/fx.csv"
ok '[ $status -eq 0 ] && grep -q "fx/2" $out' 'the exported CSV imports back'
run criteria diff fx/1 fx/2
ok '[ $status -eq 0 ] && grep -q "(0 rows)" $out' 'exported and imported back: the same version'
run criteria show fx/1 --format csv
ok '[ $status -eq 0 ] && grep -q "^I,section,'"'"'-Mục I,10,," $out && grep -q "^\"  P.1\",criterion,'"'"'-1 điểm mỗi lần,,per_occurrence,per=-1; floor=-2" $out' 'the client'"'"'s CSV output neutralises text too'
run criteria diff fx/1 fx/1 --format csv
ok '[ $status -eq 0 ] && head -c 3 $out | od -An -tx1 | grep -q "ef bb bf"' 'the client'"'"'s CSV output starts with a byte-order mark'

# A progress bar on a terminal covers the server's reading, checking, storing.
forget_scores
if command -v script >/dev/null 2>&1; then
	script -qfec "$THIDUA_CLI scores import $cases/F03-scores-semicolon.csv --bloc k1 --period 2024" "$work/tty.log" >/dev/null </dev/null
	bar=$(tr '\r' '\n' <"$work/tty.log" | grep -o '[0-9]*% [a-z]*' | awk '{print $2}' | uniq | paste -sd ' ')
	ok '[ "$bar" = "sending reading checking storing done" ]' "the progress bar goes through the server's phases ($bar)"
	ok 'tr "\r" "\n" <"$work/tty.log" | grep -q "100% done" && grep -q "imported 3 observations" "$work/tty.log"' 'the bar ends at 100 % when the import is stored'
else
	ok false 'script(1) is available for the terminal test'
fi
run scores import "$cases/F03-scores-semicolon.csv" --bloc k1 --period 2025
ok '[ $status -eq 1 ] && [ ! -s $out ] && ! grep -q "%" $err' 'without a terminal there is no bar'

done_testing
