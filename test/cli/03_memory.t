#!/usr/bin/env bash
# The client under valgrind and under AddressSanitizer/UBSan: no errors, no leaks.
. "$(dirname "$0")/lib.sh"
fixtures=$(cd "$(dirname "$0")/../fixtures/criteria" && pwd)
rulebooks=$(cd "$(dirname "$0")/../../rulebooks" && pwd)
cli_dir=$(dirname "$THIDUA_CLI")
work=$(mktemp -d)
trap 'rm -rf "$work" "$out" "$err"' EXIT
psql_quiet "CREATE DATABASE thidua_cli_memory"
psql_quiet "CREATE EXTENSION thidua" thidua_cli_memory
psql_quiet "DROP ROLE IF EXISTS thidua_memory_bare; CREATE ROLE thidua_memory_bare LOGIN"
export PGDATABASE=thidua_cli_memory

# Commands that cover every code path of the client: success, server error,
# usage error, file error, every output format.
commands=(
	"--help"
	"standings --help"
	"criteria --help"
	"status"
	"criteria import $fixtures/stp-2019.json"
	"criteria import $fixtures/stp-2019.json"
	"criteria import --replace $fixtures/stp-2019.csv"
	"criteria list"
	"criteria show stp/2019"
	"criteria show stp/2019 --format csv"
	"criteria show stp/2019 -x"
	"criteria list -x"
	"standings --bloc tnb --period 2019 --reason x"
	"criteria export stp/2019 --format csv -o $work/x.csv"
	"criteria export stp/2019"
	"criteria publish stp/2019 --note n"
	"criteria clone stp/2019"
	"criteria diff stp/2019 stp/2020"
	"criteria retire stp/2019"
	"criteria import $work/missing.json"
	"criteria show"
	"rulebook --help"
	"rulebook import $rulebooks/justice-2024.json"
	"rulebook import --replace $rulebooks/justice-2024.json"
	"rulebook import $work/bad-rulebook.json"
	"rulebook list"
	"rulebook list --format json"
	"rulebook list --format csv"
	"rulebook show justice/2024"
	"rulebook show justice/2024 --format json"
	"rulebook show nope/1"
	"rulebook export justice/2024 -o $work/rulebook.json"
	"rulebook diff justice/2024 justice/2024 --format json"
	"rulebook publish justice/2024 --note n"
	"rulebook clone justice/2024"
	"rulebook diff justice/2024 justice/2025"
	"rulebook retire justice/2024"
	"-x"
	"scores import $work/missing.csv --bloc tnb --period 2019"
	"scores import $fixtures/stp-2019.csv --bloc nope --period 2019"
	"standings --bloc nope --period 2019"
	"standings --bloc nope --period 2019 --format json"
	"standings publish --bloc nope --period 2019"
	"explain XX --period 2019"
	"judges --bloc nope --period 2019"
	"-U thidua_memory_bare standings --bloc nope --period 2019 --published"
	"units import $work/units.csv"
	"units import $work/missing.csv"
	"units import $work/nul.csv"
	"people import $work/people.csv"
	"period open 2019"
	"period open x"
	"bloc create tnb Zone --kind zone"
	"bloc settings tnb --period 2019 --criteria stp/2019 --quorum 2 --rounding 2"
	"bloc settings tnb"
	"bloc members $work/members.csv --bloc tnb --period 2019"
	"bloc members $work/members.csv"
	"bloc show tnb"
	"bloc show tnb --format csv"
	"bloc show nope"
	"pact import $work/pact.csv --bloc tnb --period 2019"
	"veto add U1 --bloc tnb --period 2019 --reason r"
	"veto remove U1 --bloc tnb --period 2019 --reason r"
	"recusal add U1 --judge U2 --bloc tnb --period 2019 --reason r"
	"bloc withdraw U2 --bloc tnb --period 2019 --date 2019-07-01 --reason r --into U1"
	"bloc remove U1 --bloc tnb --period 2019"
	"period close 2019 --reason r"
	"period reopen 2019 --reason r"
	"period reopen 2019"
)
printf '{"format": 1,\n  "x": }\n' > "$work/bad-rulebook.json"
# files for the zone set-up commands
printf 'code,name\nU1,Unit 1\nU2,Unit 2\n' > "$work/units.csv"
printf 'code,name\nU1,Unit\000 1\n' > "$work/nul.csv"
printf 'code,name,sex,unit,unit_from,post,post_from\nP1,Person,male,U1,2010-01-01,head,2015-01-01\n' > "$work/people.csv"
printf 'unit,role\nU1,head\nU2,member\n' > "$work/members.csv"
printf 'unit,signed_on,target,value\nU1,2019-03-01,t,1.5\n' > "$work/pact.csv"

if command -v valgrind >/dev/null 2>&1; then
	for c in "${commands[@]}"; do
		# shellcheck disable=SC2086
		valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
			"$THIDUA_CLI" $c >"$out" 2>"$err" </dev/null
		status=$?
		ok '[ $status -ne 99 ] && ! grep -q "==[0-9]*==" $err' "valgrind: thidua $c"
	done
else
	echo "# valgrind is not installed"
	ok false 'valgrind is available'
fi

make -s -C "$cli_dir" sanitize PG_CONFIG="${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}" \
	EXTVERSION="$(sed -n "s/^default_version = '\(.*\)'/\1/p" "$cli_dir/../thidua.control")" >"$out" 2>"$err"
ok '[ -x "$cli_dir/thidua-sanitize" ]' 'the sanitizer build compiles'
psql_quiet "DROP EXTENSION thidua CASCADE; CREATE EXTENSION thidua;" thidua_cli_memory
for c in "${commands[@]}"; do
	# shellcheck disable=SC2086
	ASAN_OPTIONS=detect_leaks=1:exitcode=98 UBSAN_OPTIONS=halt_on_error=1:exitcode=97 \
		"$cli_dir/thidua-sanitize" $c >"$out" 2>"$err" </dev/null
	status=$?
	ok '[ $status -ne 98 ] && [ $status -ne 97 ] && ! grep -q "Sanitizer" $err' "sanitizers: thidua $c"
done

done_testing
