#!/usr/bin/env bash
# thidua rulebook import|list|show|export|diff|publish|clone|retire
. "$(dirname "$0")/lib.sh"
rulebooks=$(cd "$(dirname "$0")/../../rulebooks" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work" "$out" "$err"' EXIT
psql_quiet "CREATE DATABASE thidua_cli_rulebook"
psql_quiet "CREATE EXTENSION thidua" thidua_cli_rulebook
export PGDATABASE=thidua_cli_rulebook
count_rows() { psql -X -At -c "SELECT (SELECT count(*) FROM thidua.rulebook_version) + (SELECT count(*) FROM thidua.rulebook_entry) + (SELECT count(*) FROM thidua.rulebook)"; }

run rulebook import "$rulebooks/justice-2024.json"
ok '[ $status -eq 0 ] && grep -qx "imported rulebook version justice/2024 (draft, 9 awards)" $out' 'import prints the version it created'
run rulebook import "$rulebooks/justice-2025-09.json"
ok '[ $status -eq 0 ] && grep -qx "imported rulebook version justice/2025-09 (draft, 9 awards)" $out' 'import the medal'"'"'s change'
run rulebook list
ok '[ $status -eq 0 ] && grep -Eq "^ justice/2024 +\| draft +\| 2024-01-01 +\| 2025-09-14 +\| +9 \|" $out && grep -q "(2 rows)" $out' 'list shows the drafts with their dates'
run rulebook list --format json
ok '[ $status -eq 0 ] && python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert [v[\"version\"] for v in d] == [\"justice/2024\", \"justice/2025-09\"] and d[1][\"effective_to\"] is None" $out' 'list as JSON'
run rulebook list --format csv
ok '[ $status -eq 0 ] && head -c 3 $out | od -An -tx1 | grep -q "ef bb bf" && grep -q "^justice/2024,draft,2024-01-01,2025-09-14,9," $out' 'list as CSV (UTF-8 BOM)'
run rulebook list --format xml
ok '[ $status -eq 1 ] && grep -q "unknown format \"xml\"" $err' 'an unknown format is refused'

before=$(count_rows)
run rulebook import "$rulebooks/justice-2024.json"
ok '[ $status -eq 1 ] && grep -q "justice-2024.json: rulebook version \"justice/2024\" already exists (draft)" $err && grep -q "hint: Replace the draft" $err' 'importing an existing draft again is refused with the fix'
sed 's/"rating": "HTXSNV"/"rating": "HTX"/' "$rulebooks/justice-2024.json" > "$work/bad.json"
run rulebook import --replace "$work/bad.json"
ok '[ $status -eq 1 ] && grep -q "bad.json: rulebook version \"justice/2024\", award \"CSTDCS\", rule.all_of\[1\].any_of\[0\], field \"rating\": \"HTX\" is not a rating (one of KHTNV, HTNV, HTTNV, HTXSNV)" $err' 'an invalid rule names file, award, node path and field'
printf '{"format": 1,\n  "edition": }\n' > "$work/syntax.json"
run rulebook import --replace "$rulebooks/justice-2025-09.json"
history=$(psql -X -At -c "SELECT string_agg(coalesce(from_status, '-') || ' ' || to_status || ' ' || coalesce(note, '-'), '; ' ORDER BY event_id) FROM thidua.rulebook_version_event WHERE version_code = 'justice/2025-09'")
ok '[ $status -eq 0 ] && [ "$history" = "- draft -; - draft replaced from $rulebooks/justice-2025-09.json" ]' 'a replaced draft says so in its history'
run rulebook import "$work/syntax.json"
ok '[ $status -eq 1 ] && grep -q "syntax.json:2: invalid input syntax for type json" $err' 'a JSON syntax error names file and line'
printf '{"format": 1,\n\xff}\n' > "$work/latin.json"
run rulebook import "$work/latin.json"
ok '[ $status -eq 1 ] && grep -q "latin.json:2: invalid UTF-8" $err' 'invalid UTF-8 is refused with its line'
ok '[ "$(count_rows)" = "$before" ]' 'and nothing of them is stored'

run rulebook show justice/2024
ok '[ $status -eq 0 ] && grep -q "^effective: *2024-01-01 to 2025-09-14" $out && grep -q "^general: *achievements_after_discipline: true" $out && grep -Eq "^ CSTDCS +\|   award_held award=LDTT" $out && grep -q "Law 06/2022/QH15 Art. 23 \[V\]" $out' 'show prints dates, general rules and each rule with its source'
longest=$(python3 -c 'import sys; print(max(len(l.rstrip("\n")) for l in open(sys.argv[1], encoding="utf-8")))' $out)
ok '[ "$longest" -le 80 ]' "show fits 80 columns (longest line: $longest)"
run rulebook show justice/2024 --format json
ok '[ $status -eq 0 ] && python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert d[0][\"award\"] == \"LDTT\" and any(r[\"rule\"].startswith(\"council:\") for r in d)" $out' 'show as JSON: the rule tree'"'"'s rows'
run rulebook show nope/1
ok '[ $status -eq 1 ] && grep -q "rulebook version \"nope/1\" does not exist" $err' 'an unknown version is named'

# export -> import reproduces the version exactly
run rulebook export justice/2024 -o "$work/out.json"
ok '[ $status -eq 0 ] && python3 -c "import json,sys; assert json.load(open(sys.argv[1])) == json.load(open(sys.argv[2]))" "$work/out.json" "$rulebooks/justice-2024.json"' 'export writes the shipped document back'
sed 's/"edition": "2024"/"edition": "2024-rt"/' "$work/out.json" > "$work/rt.json"
run rulebook import "$work/rt.json"
same=$(psql -X -At -c "SELECT (thidua.export_rulebook('justice/2024') - 'edition') = (thidua.export_rulebook('justice/2024-rt') - 'edition')")
ok '[ $status -eq 0 ] && [ "$same" = t ]' 'import(export(v)) reproduces v'

run rulebook publish justice/2024 --note "Quyết định 01/QĐ-BTP"
ok '[ $status -eq 0 ] && grep -qx "published justice/2024" $out' 'publish'
run rulebook publish justice/2024
ok '[ $status -eq 1 ] && grep -q "is already published" $err' 'publishing twice is refused'
run rulebook publish justice/2024-rt
ok '[ $status -eq 1 ] && grep -q "rulebook version \"justice/2024-rt\" (2024-01-01 to 2025-09-14) overlaps published version \"justice/2024\"" $err && grep -q "hint: Change the draft" $err' 'an overlapping publication is refused, naming the other version'
run rulebook publish justice/2025-09
ok '[ $status -eq 0 ]' 'the next version, from 2025-09-15, publishes'
run rulebook diff justice/2024 justice/2025-09 --format csv
ok '[ $status -eq 0 ] && grep -q "rule.all_of\[1\].any_of\[0\].women: 5 → 3" $out' 'diff names each changed value by its path'
run rulebook diff justice/2024 justice/2025-09
longest=$(python3 -c 'import sys; print(max(len(l.rstrip("\n")) for l in open(sys.argv[1], encoding="utf-8")))' $out)
ok '[ $status -eq 0 ] && [ "$longest" -le 80 ]' "diff as a table fits 80 columns (longest line: $longest)"
ok '[ $status -eq 0 ] && ! grep -q "(none) → (none)" $out' 'diff shows no line where nothing changed'
run rulebook diff justice/2024 justice/2025-09 --format json
ok '[ $status -eq 0 ] && python3 -c "import json,sys; d=json.load(open(sys.argv[1])); k=[r for r in d if r[\"award\"] == \"KNC-TP\"][0]; assert k[\"fields\"][\"rule.all_of[1].any_of[1].women\"] == {\"from\": 8, \"to\": 6}; p=list(k[\"fields\"]); assert p.index(\"rule.all_of[1].any_of[0].women\") < p.index(\"rule.all_of[1].any_of[1].women\"); assert all(v[\"from\"] is not None or v[\"to\"] is not None for r in d if r[\"change\"] == \"changed\" for v in r[\"fields\"].values())" $out' 'diff as JSON: document order, no null to null'
run rulebook clone justice/2024
ok '[ $status -eq 0 ] && grep -qx "created draft justice/2025" $out' 'clone defaults to the next year'
run rulebook clone justice/2025-09
ok '[ $status -eq 1 ] && grep -q "name the new edition" $err' 'clone of a non-year edition asks for one'
run rulebook clone justice/2025-09 2026
ok '[ $status -eq 0 ] && grep -qx "created draft justice/2026" $out' 'clone into a named edition'
run rulebook clone justice/2025-09 "bad edition!"
ok '[ $status -eq 1 ] && grep -q "edition \"bad edition!\" must be 1 to 63 letters" $err' 'a bad edition is refused clearly'
sed -e 's/"edition": "2025-09"/"edition": "2027"/' -e 's/"effective_from": "2025-09-15"/"effective_from": "2027-01-01"/' "$rulebooks/justice-2025-09.json" > "$work/2027.json"
run rulebook import "$work/2027.json"
run rulebook publish justice/2027
ok '[ $status -eq 0 ]' 'a later edition publishes after an open-ended one'
run rulebook show justice/2025-09
ok '[ $status -eq 0 ] && grep -q "^in force: *2025-09-15 to 2026-12-31 (then justice/2027)" $out' 'show: the open-ended version in force until the next'
run rulebook list
ok '[ $status -eq 0 ] && grep -q "2025-09-15 to 2026-12-31 (then justice/2027)" $out && grep -Eq "^ justice/2026 .*effective 2025-09-15 to open" $out' 'list: the real range in force; a draft'"'"'s dates are effective, not in force'
run rulebook retire justice/2024 --note "thay thế"
ok '[ $status -eq 0 ] && grep -qx "retired justice/2024" $out' 'retire'
run rulebook show justice/2024
ok 'grep -Eq "^history: +draft " $out && grep -Eq "^ {18}published .* \(Quyết định 01/QĐ-BTP\)$" $out && grep -Eq "^ {18}retired .* \(thay thế\)$" $out' 'show lists the history with notes'
in_force=$(psql -X -At -c "SELECT thidua.rulebook_in_force('KNC-TP', '2025-06-30') IS NULL, thidua.rulebook_in_force('KNC-TP', '2025-09-15')")
ok '[ "$in_force" = "t|justice/2025-09" ]' 'a retired version is in force nowhere'
run rulebook frob
ok '[ $status -eq 1 ] && grep -q "unknown rulebook command \"frob\"" $err' 'an unknown rulebook command is named'
run rulebook import --help
ok '[ $status -eq 0 ] && grep -q "thidua_admin" $out && grep -q -- "--replace" $out' 'import --help names the option and the role'

done_testing
