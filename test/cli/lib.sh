# Minimal TAP helpers for the CLI suite (sourced by test/cli/*.t).
# THIDUA_CLI is the built client; PGHOST/PGPORT/PGUSER point at the test cluster.
: "${THIDUA_CLI:?THIDUA_CLI must name the built thidua binary}"
test_number=0
test_failures=0
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT

# run ARGS...: runs the client without a terminal; sets $status, $out, $err.
run() {
	setsid -w "$THIDUA_CLI" "$@" >"$out" 2>"$err" </dev/null
	status=$?
}

# run_with_input INPUT ARGS...: as run, with INPUT on standard input.
run_with_input() {
	local input=$1
	shift
	printf '%s\n' "$input" | setsid -w "$THIDUA_CLI" "$@" >"$out" 2>"$err"
	status=$?
}

ok() {
	local condition=$1 name=$2
	test_number=$((test_number + 1))
	if eval "$condition"; then
		echo "ok $test_number - $name"
	else
		echo "not ok $test_number - $name"
		echo "#   condition: $condition"
		echo "#   status: ${status:-}"
		sed 's/^/#   stdout: /' "$out"
		sed 's/^/#   stderr: /' "$err"
		test_failures=$((test_failures + 1))
	fi
}

# psql_quiet SQL [DB]: runs SQL on the test cluster; fails the test file on error.
psql_quiet() {
	psql -X -q -v ON_ERROR_STOP=1 -d "${2:-postgres}" -c "$1" >/dev/null ||
		{ echo "Bail out! setup failed: $1"; exit 1; }
}

done_testing() {
	echo "1..$test_number"
	[ "$test_failures" -eq 0 ]
}
