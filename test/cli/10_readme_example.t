#!/usr/bin/env bash
# The README's worked example ("### From the command line") run as it stands:
# the block is taken out of README.md and run with bash -e from a directory
# that sees the source tree's fixtures and rulebooks, so that the test fails
# as soon as the README's example stops working. Then the nomination it made
# must be awarded, through a passed ballot, into the registry.
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work" "$out" "$err"' EXIT
db=thidua_cli_readme
psql_quiet "CREATE DATABASE $db"
psql_quiet "CREATE EXTENSION thidua" $db
psql_quiet "SELECT thidua.create_roles()" $db
export PGDATABASE=$db

# The first sh block after the heading, fences excluded.
awk '/^### From the command line/ { section = 1; next }
	section && /^```sh$/ { block = 1; next }
	block && /^```$/ { exit }
	block { print }' "$root/README.md" >"$work/example.sh"
ok '[ -s "$work/example.sh" ] && grep -q "nominate" "$work/example.sh"' 'the README has the example block'

mkdir "$work/bin" "$work/run"
ln -s "$THIDUA_CLI" "$work/bin/thidua"
ln -s "$root/test" "$work/run/test"
ln -s "$root/rulebooks" "$work/run/rulebooks"
(cd "$work/run" && PATH="$work/bin:$PATH" setsid -w bash -e -o pipefail "$work/example.sh") >"$out" 2>"$err" </dev/null
status=$?
ok '[ $status -eq 0 ]' 'the README example runs top to bottom with bash -e'
ok 'grep -q "^nomination [0-9]*: draft" $out' 'nominate prints the id the example takes'
ok 'grep -q "unchanged" $err' 'the unchanged resubmission is refused, as the comment says'

state=$(psql -X -Atq -c "SELECT string_agg(state || ' ' || person_code || ' ' || award_code, ',') FROM thidua.nomination")
ok '[ "$state" = "awarded DT010 CSTDCS" ]' "one nomination, DT010's CSTĐCS, awarded ($state)"
passed=$(psql -X -Atq -c "SELECT (tally ->> 'passed') FROM thidua.nomination")
registry=$(psql -X -Atq -c "SELECT count(*) FROM thidua.award_registry r JOIN thidua.nomination n USING (nomination_id)
	WHERE r.subject = 'DT010' AND r.award_code = 'CSTDCS' AND r.year = 2024")
ok '[ "$passed" = true ] && [ "$registry" = 1 ]' "the ballot passed ($passed) and the registry holds the award ($registry)"

done_testing
