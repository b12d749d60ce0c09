#!/usr/bin/env bash
# Each thidua role through the client: what it may do works, what it may not is
# refused with an error naming the role it needs. Login roles in each group.
. "$(dirname "$0")/lib.sh"
fixtures=$(cd "$(dirname "$0")/../fixtures" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work" "$out" "$err"' EXIT
psql_quiet "CREATE DATABASE thidua_cli_roles"
psql_quiet "CREATE EXTENSION thidua" thidua_cli_roles
psql_quiet "SELECT thidua.create_roles()" thidua_cli_roles
for pair in cli_admin:thidua_admin cli_scorer:thidua_scorer cli_reader:thidua_reader cli_council:thidua_council; do
	psql_quiet "CREATE ROLE ${pair%%:*} LOGIN IN ROLE ${pair#*:}"
done
psql_quiet "CREATE ROLE cli_bare LOGIN"
export PGDATABASE=thidua_cli_roles
# as ROLE ARGS...: the client as a login role
as() { local who=$1; shift; run -U "$who" "$@"; }
# sql_as ROLE SQL: psql as a login role; sets $status, $out, $err
sql_as() { psql -X -q -v ON_ERROR_STOP=1 -U "$1" -c "$2" >"$out" 2>"$err" </dev/null; status=$?; }
needs() { grep -q "thidua: hint: \"$1\" needs the role $2" $err; }

# thidua_admin: criteria, units, blocs, publication.
as cli_admin criteria import "$fixtures/criteria/stp-2019.json"
ok '[ $status -eq 0 ]' 'admin: criteria import'
as cli_admin criteria publish stp/2019
ok '[ $status -eq 0 ]' 'admin: criteria publish'
psql -X -q -v ON_ERROR_STOP=1 -U cli_admin -f "$fixtures/zone-2019/setup.sql" >"$out" 2>"$err"
status=$?
ok '[ $status -eq 0 ]' 'admin: units, period, zone, members, pact, recusal, veto'
sql_as cli_admin "INSERT INTO thidua.role_unit VALUES ('cli_scorer', 'AG')"
ok '[ $status -eq 0 ]' 'admin: maps cli_scorer to An Giang'

# thidua_scorer: its unit's self-assessment and the peer scores it gives.
printf 'unit,judge,criterion,observed,evidence\nAG,self,I.1,1,\nCT,AG,I.1,1,\nDT,AG,I.1,1,\n' > "$work/ag.csv"
as cli_scorer scores import "$work/ag.csv" --bloc tnb --period 2019
ok '[ $status -eq 0 ] && grep -q "imported 3 observations" $out' 'scorer: imports what An Giang gives'
printf 'unit,judge,criterion,observed,evidence\nCT,AG,I.2,50,\nAG,CT,I.1,1,\n' > "$work/forged.csv"
as cli_scorer scores import "$work/forged.csv" --bloc tnb --period 2019
ok '[ $status -eq 1 ] && grep -q "thidua: error: .*forged.csv:3: field \"judge\": role \"cli_scorer\" may not file the scores given by \"CT\"" $err && grep -q "hint: A thidua_admin maps roles to units" $err' \
	'scorer: a peer score in another judge'"'"'s name is refused, naming the line'
printf 'unit,judge,criterion,observed,evidence\nCT,self,I.1,1,\n' > "$work/other-self.csv"
as cli_scorer scores import "$work/other-self.csv" --bloc tnb --period 2019
ok '[ $status -eq 1 ] && grep -q "may not file the scores given by \"CT\"" $err' 'scorer: another unit'"'"'s self-assessment is refused'
sql_as cli_scorer "INSERT INTO thidua.evaluation (bloc_code, period_code, unit_code, stage, judge_code) VALUES ('tnb', '2019', 'AG', 'peer', 'CT')"
ok '[ $status -ne 0 ] && grep -q "new row violates row-level security policy" $err' 'scorer: direct INSERT in another judge'"'"'s name is refused'
printf '%s\t%s\t%s\t\\N\n' "$(psql -X -At -c "SELECT evaluation_id FROM thidua.evaluation WHERE judge_code = 'AG' LIMIT 1")" I.2 50 > "$work/copy.tsv"
psql -X -q -U cli_scorer -c "\\copy thidua.observation FROM '$work/copy.tsv'" >"$out" 2>"$err"
status=$?
ok '[ $status -ne 0 ] && grep -q "COPY FROM not supported with row-level security" $err' 'scorer: COPY into observations is refused (row-level security)'
sql_as cli_scorer "SELECT count(*) FROM thidua.observation"
ok '[ $status -eq 0 ] && [ "$(psql -X -At -U cli_scorer -c "SELECT count(*) FROM thidua.observation")" = 3 ]' 'scorer: sees its own 3 scores only'
as cli_scorer criteria import "$fixtures/criteria/stp-2019.csv"
ok '[ $status -eq 1 ] && grep -q "permission denied for function import_criteria_file" $err && needs "criteria import" thidua_admin && grep -q "GRANT thidua_admin TO cli_scorer;" $err' \
	'scorer: criteria import is refused with the role it needs'
as cli_scorer standings --bloc tnb --period 2019
ok '[ $status -eq 1 ] && needs standings thidua_admin' 'scorer: live standings are refused with the role they need'
as cli_scorer status
ok '[ $status -eq 0 ] && grep -q "^user: *cli_scorer (thidua_scorer)" $out' 'status names the user and its thidua roles'

# The administrator ranks and publishes.
as cli_admin standings --bloc tnb --period 2019
ok '[ $status -eq 0 ] && grep -q "AG" $out' 'admin: live standings'
as cli_admin explain AG --period 2019
ok '[ $status -eq 0 ]' 'admin: explain'
as cli_admin judges --bloc tnb --period 2019
ok '[ $status -eq 0 ]' 'admin: judges'
as cli_admin standings publish --bloc tnb --period 2019
ok '[ $status -eq 0 ] && grep -q "as revision 1" $out' 'admin: standings publish'
sql_as cli_admin "INSERT INTO thidua.standing_revision (bloc_code, period_code, revision) VALUES ('tnb', '2019', 9)"
ok '[ $status -ne 0 ] && grep -q "permission denied for table standing_revision" $err' 'admin: published standings cannot be forged by hand'

# thidua_reader and thidua_council: published standings, no personal data.
for who in cli_reader cli_council; do
	as $who standings --bloc tnb --period 2019 --published
	ok '[ $status -eq 0 ] && grep -q "Sở Tư pháp An Giang" $out' "$who: published standings"
	as $who criteria show stp/2019
	ok '[ $status -eq 0 ]' "$who: published criteria"
	as $who standings --bloc tnb --period 2019
	ok '[ $status -eq 1 ] && needs standings thidua_admin' "$who: live standings are refused with the role they need"
	as $who scores import "$work/ag.csv" --bloc tnb --period 2019
	ok '[ $status -eq 1 ] && needs "scores import" thidua_scorer' "$who: scores import is refused with the role it needs"
	as $who explain AG --period 2019
	ok '[ $status -eq 1 ] && needs explain thidua_admin' "$who: explain is refused"
	sql_as $who "SELECT * FROM thidua.individual"
	ok '[ $status -ne 0 ] && grep -q "permission denied for table individual" $err' "$who: cannot read thidua.individual"
done

# A login role with no thidua role: public criteria only.
as cli_bare criteria list
ok '[ $status -eq 0 ] && grep -q "stp/2019" $out' 'bare: criteria are public documents'
as cli_bare standings --bloc tnb --period 2019 --published
ok '[ $status -eq 1 ] && needs standings "thidua_reader, thidua_council or thidua_admin" && grep -q "GRANT thidua_reader TO cli_bare;" $err' \
	'bare: published standings need thidua_reader, and the hint says how to grant it'
as cli_bare status
ok '[ $status -eq 0 ] && grep -q "^user: *cli_bare (no thidua role)" $out' 'status: no thidua role'
sql_as cli_bare "SELECT * FROM thidua.individual"
ok '[ $status -ne 0 ] && grep -q "permission denied for table individual" $err' 'bare: cannot read thidua.individual'

done_testing
