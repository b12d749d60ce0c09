#!/usr/bin/env bash
# The client under valgrind and under AddressSanitizer/UBSan: no errors, no leaks.
. "$(dirname "$0")/lib.sh"
fixtures=$(cd "$(dirname "$0")/../fixtures/criteria" && pwd)
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
	"-x"
	"scores import $work/missing.csv --bloc tnb --period 2019"
	"scores import $fixtures/stp-2019.csv --bloc nope --period 2019"
	"standings --bloc nope --period 2019"
	"standings --bloc nope --period 2019 --format json"
	"standings publish --bloc nope --period 2019"
	"explain XX --period 2019"
	"judges --bloc nope --period 2019"
	"-U thidua_memory_bare standings --bloc nope --period 2019 --published"
)

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
