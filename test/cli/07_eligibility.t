#!/usr/bin/env bash
# Eligibility from the client: eligible (with --why), eligibility, forecast,
# quota and whatif on hand-made records; table, CSV and JSON; a scorer sees
# its own people only; bad options said clearly.
. "$(dirname "$0")/lib.sh"
psql_quiet "CREATE DATABASE thidua_cli_eligibility"
psql_quiet "CREATE EXTENSION thidua" thidua_cli_eligibility
psql_quiet "SELECT thidua.create_roles()" thidua_cli_eligibility
psql -X -q -v ON_ERROR_STOP=1 -d thidua_cli_eligibility -f "$(dirname "$0")/../fixtures/eligibility/records.sql" >/dev/null ||
	{ echo "Bail out! the records fixture did not load"; exit 1; }
psql_quiet "DO \$\$ BEGIN CREATE ROLE cli_elig_scorer LOGIN IN ROLE thidua_scorer; EXCEPTION WHEN duplicate_object THEN NULL; END \$\$"
psql_quiet "INSERT INTO thidua.role_unit VALUES ('cli_elig_scorer', 'DIST')" thidua_cli_eligibility
export PGDATABASE=thidua_cli_eligibility

run eligible --award LDTT --year 2024 --unit DEPT
ok '[ $status -eq 0 ] && [ "$(grep -cE "\| DIV1( |$)" $out)" = 7 ] && ! grep -q P07 $out && ! grep -q P11 $out' 'eligible: seven of DEPT for LDTT 2024, P07 not'
run eligible --award CSTDCS --year 2024 --unit DEPT --why
ok '[ $status -eq 0 ] && grep -q "P01 .*✓ rule.all_of\[0\]: LDTT 2024; ✓ rule.all_of\[1\].any_of\[0\]: HTXSNV in 2024" $out && grep -q "✗ rule.all_of\[1\].any_of\[1\]" $out' 'eligible --why: the evidence of each rule, passed (✓) or failed (✗)'
run eligible --award CSTDCS --year 2024 --unit DEPT
ok '[ $status -eq 0 ] && head -1 $out | grep -q "subject .*| name .*| unit" && ! head -1 $out | grep -q why' 'eligible without --why has no column of reasons'
run eligible --award LDTT --year 2024 --rulebook t/draft
ok '[ $status -eq 0 ] && grep -q "P10 " $out && ! grep -q "P06 " $out' 'eligible --rulebook: judged under the version named'
run eligibility --subject P02 --award BK-BTP --year 2024 --rulebook t/2024 --date 30/06/2024
ok '[ $status -eq 0 ] && head -1 $out | grep -q "^ *node *|" && grep -q "under t/2024, judged on 2024-06-30" $out' 'eligibility --rulebook --date: the version and the judging date, the first column node'
run eligibility --subject P02 --award BK-BTP --year 2024 --date 2024-13-01
ok '[ $status -eq 1 ] && grep -q "option \"--date\": \"2024-13-01\" is not a date" $err' 'a bad --date is refused'
run eligible --award CSTDCS --year 2024 --unit DEPT --why --format json
ok '[ $status -eq 0 ] && grep -q "\"reasons\": \[{\"kind\": \"all_of\", \"node\": \"rule\", \"passed\": true" $out' 'eligible --format json: the reasons as JSON'
run eligible --award LDTT --year 2024 --format csv
ok '[ $status -eq 0 ] && grep -qE "^P11,Ngô Văn Mười Một,OTHER\s*$" $out' 'eligible --format csv'
run eligibility --subject P02 --award BK-BTP --year 2024
ok '[ $status -eq 0 ] && grep -q "HTXSNV 2024: 1 year, 2 required" $out && grep -q "Law 06/2022/QH15, art. 24, cl. 1 (V)" $out' 'eligibility: each rule with evidence and source'
run eligibility --subject P07 --award LDTT --year 2024
ok '[ $status -eq 0 ] && grep -q "years up to 2024 do not count: warning until 2024-09-01" $out && grep -q "warning from 2024-03-01 to 2024-09-01 (QĐ 12/KL) overlaps 2024-01-01..2024-12-31" $out' 'eligibility: a disciplinary measure said with its dates'
run forecast --award KNC-TP --year 2024
ok '[ $status -eq 0 ] && grep -q "P06 .*| f .*| *1 | one more year as Giám đốc or Phó Giám đốc (4 of 5 held on 2025-12-31)" $out' 'forecast: what each lacks, in words'
run forecast --award KNC-TP --year 2024 --subject P06 --rulebook t/2024
ok '[ $status -eq 0 ] && grep -q "P06 " $out && grep -q "(1 row)" $out' 'forecast --subject: one person'
run quota --award CSTDCS --unit DEPT --year 2024 --rulebook t/2024
ok '[ $status -eq 0 ] && grep -q "15 % of 8 = 1.2, rounded down: 1" $out' 'quota --rulebook'
run quota --help
ok '[ $status -eq 0 ] && grep -q -- "--unit=UNIT  *a unit, with its sub-units (required)" $out && ! grep -q "default: everyone" $out && grep -q -- "--rulebook=VERSION" $out' 'quota --help: --unit required, no default'
run eligible --help
ok '[ $status -eq 0 ] && grep -q "(default: everyone)" $out && grep -q -- "--year=YEAR  *the year judged" $out && ! grep -q "period being opened" $out' 'eligible --help: the year judged'
run quota --award CSTDCS --unit DEPT --year 2024
ok '[ $status -eq 0 ] && grep -q "15 % of 8 = 1.2, rounded down: 1" $out' 'quota: the arithmetic in words'
run quota --award CSTDCS --unit DEPT --year 2024 --format json
ok '[ $status -eq 0 ] && grep -q "\"allowed\": 1" $out' 'quota --format json'
run whatif --draft t/draft --award LDTT --year 2024
ok '[ $status -eq 0 ] && grep -q "P10 .*gains" $out && grep -q "P06 .*loses .*t/draft rule: rating_this_year" $out' 'whatif: who gains, who loses, and why'
run eligible --year 2024
ok '[ $status -eq 1 ] && grep -q "eligible needs --award" $err' 'eligible needs --award'
run eligible --award NOPE --year 2024
ok '[ $status -eq 1 ] && grep -q "award \"NOPE\" does not exist" $err' 'an unknown award is named'
run quota --award CSTDCS --year 2024
ok '[ $status -eq 1 ] && grep -q "quota needs --unit" $err' 'quota needs --unit'
PGUSER=cli_elig_scorer run eligible --award LDTT --year 2023
ok '[ $status -eq 0 ] && grep -q P10 $out && ! grep -q P01 $out' 'a scorer sees its own people only (row-level security)'
PGUSER=cli_elig_scorer run eligible --award LDTT --year 2023 --unit DIV1
ok '[ $status -eq 1 ] && grep -q "unit \"DIV1\" is not visible to role \"cli_elig_scorer\"" $err && [ ! -s $out ]' 'another unit: refused, not answered "0 rows"'

done_testing
