#!/usr/bin/env bash
# The justice department fixture (test/fixtures/justice-dept) loaded through the
# client as a clerk would: units and people, the records files (the kind read
# from each header), the shipped rulebooks imported and published; then three
# named cases of CASES.md read back in CSV: C2 (eligibility), C11 (eligible) and
# C14 (quota, 15 % of 13 rounded down to 1).
. "$(dirname "$0")/lib.sh"
fixture="$(dirname "$0")/../fixtures/justice-dept"
rulebooks="$(dirname "$0")/../../rulebooks"
psql_quiet "CREATE DATABASE thidua_cli_justice"
psql_quiet "CREATE EXTENSION thidua" thidua_cli_justice
export PGDATABASE=thidua_cli_justice

# run_csv ARGS...: as run, with --format csv; the spreadsheet's byte-order mark
# and CRLF line ends taken off $out, so that lines can be matched whole.
run_csv() {
	run "$@" --format csv
	sed -i '1s/^\xef\xbb\xbf//; s/\r$//' "$out"
}

run units import "$fixture/units.csv"
ok '[ $status -eq 0 ] && grep -q "22 added" $out' 'units import: the department, its divisions and district offices (22 units)'
run people import "$fixture/people.csv"
ok '[ $status -eq 0 ] && grep -q "149 added, 0 changed, 0 unchanged; 153 memberships and 44 posts written" $out' 'people import: 149 people, their memberships and posts'
loaded=""
for file in ratings unit_ratings initiatives awards unit_awards discipline; do
	run records import "$fixture/$file.csv"
	[ $status -eq 0 ] && loaded="$loaded $(grep -o 'imported [a-z]* from [^:]*: [0-9]* added' $out | sed 's/ from .*: /:/; s/ added//; s/imported //')"
done
ok '[ "$loaded" = " ratings:1363 ratings:220 initiatives:122 awards:1367 awards:84 discipline:1" ]' "records import: six files, each kind read from its header ($loaded)"
published=0
for edition in 2018 2024 2025-09; do
	run rulebook import "$rulebooks/justice-$edition.json"
	[ $status -eq 0 ] || break
	run rulebook publish "justice/$edition"
	[ $status -eq 0 ] && published=$((published + 1))
done
ok '[ $published -eq 3 ]' 'rulebook import and publish: justice/2018, justice/2024, justice/2025-09'

# C2: HTXSNV and LĐTT but no initiative: not enough under the 2018 edition
run_csv eligibility --subject DT010 --award CSTDCS --year 2023
ok '[ $status -eq 0 ] && head -n 1 $out | grep -q "^node,kind,passed,evidence,legal_source,verified$" &&
	grep -qx "rule,all_of,f,\"CSTDCS not eligible for DT010 2023 under justice/2018, judged on 2023-12-31: all of: 2 of 3 met\",," $out &&
	grep -q "^rule.all_of\[0\],award_held,t,LDTT 2023," $out &&
	grep -q "^rule.all_of\[1\],initiatives,f,0 initiatives of scope grassroots or wider recognised in 2023; 1 required,\"Decree 91/2017/NĐ-CP, art. 9, cl. 3 (V)\",t$" $out' \
	'C2 eligibility CSV: DT010 not eligible for CSTĐCS 2023, the initiatives rule fails (Decree 91/2017 Art. 9(3))'

# C11: a woman, 3 years as Giám đốc, eligible for the medal under the 2025-09 edition; C10 and C13 not
run_csv eligible --award KNC-TP --year 2025 --unit STPDT
ok '[ $status -eq 0 ] && head -n 1 $out | grep -q "^subject,name,unit$" &&
	grep -q "^DT001,Nguyễn Thị Ngọc Hân,STPDT$" $out && ! grep -q "^DT002," $out && ! grep -q "^DT003," $out' \
	'C11 eligible CSV: DT001 may receive the medal in 2025 (3 years as Giám đốc, a woman); not DT002 (C10), not DT003 (C13)'

# C12: the clerk reproduces the answer judged on 2025-09-14, under the version then in force
run_csv eligibility --subject DT001 --award KNC-TP --year 2025 --date 14/09/2025
ok '[ $status -eq 0 ] && grep -q "^rule,all_of,f,\"KNC-TP not eligible for DT001 2025 under justice/2024, judged on 2025-09-14" $out' \
	'C12 eligibility --date: judged on 2025-09-14 under justice/2024'
run_csv eligibility --subject DT001 --award KNC-TP --year 2025 --rulebook justice/2025-09
ok '[ $status -eq 0 ] && grep -q "^rule,all_of,t,\"KNC-TP eligible for DT001 2025 under justice/2025-09, judged on 2025-12-31" $out' \
	'eligibility --rulebook: the version named'

# C14: 15 % of 13 is 1.95, "at most" rounds down: 1
run_csv quota --award CSTDCS --unit STPDT-VP --year 2022
ok '[ $status -eq 0 ] && head -n 1 $out | grep -q "^base_award,base,share,rounding,minimum,allowed,arithmetic,legal_source$" &&
	grep -q "^LDTT,13,0.15,down,0,1,\"15 % of 13 = 1.95, rounded down: 1\",\"Decree 91/2017/NĐ-CP, art. 9, cl. 3 (V)\"$" $out' \
	'C14 quota CSV: Văn phòng Sở 2022, 13 LĐTT x 15 % = 1.95, 1 allowed'

done_testing
