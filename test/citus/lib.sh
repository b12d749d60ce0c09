# Helpers for the Citus suite's parts (sourced by scripts/test-citus before each
# part). Every part runs the same commands against one server and against a
# Citus coordinator (thidua.distribute() done) and prints TAP lines.
#
# Environment (set by scripts/test-citus): SINGLE_HOST SINGLE_PORT (one server),
# CITUS_HOST CITUS_PORT (the coordinator), CITUS_DB (the database on both),
# THIDUA_CLI (the client), CITUS_WORK (a scratch directory for outputs).

TAP_COUNT=${TAP_COUNT:-0}

tap_ok() { TAP_COUNT=$((TAP_COUNT + 1)); echo "ok $TAP_COUNT - $*"; }
tap_not_ok() { TAP_COUNT=$((TAP_COUNT + 1)); echo "not ok $TAP_COUNT - $*"; }

# on_single COMMAND... / on_citus COMMAND...: a command with the client's
# environment pointing at one server or at the coordinator.
on_single() { PGHOST=$SINGLE_HOST PGPORT=$SINGLE_PORT PGDATABASE=$CITUS_DB PGUSER=${AS_ROLE:-postgres} "$@"; }
on_citus() { PGHOST=$CITUS_HOST PGPORT=$CITUS_PORT PGDATABASE=$CITUS_DB PGUSER=${AS_ROLE:-postgres} "$@"; }

# sql_single SQL / sql_citus SQL: one statement's rows, unaligned.
sql_single() { on_single psql -X -q -At -v ON_ERROR_STOP=1 -c "$1"; }
sql_citus() { on_citus psql -X -q -At -v ON_ERROR_STOP=1 -c "$1"; }

# both DESCRIPTION COMMAND...: runs a command (a load step) on both; one test,
# passing when it succeeds on both.
both() {
	local description=$1 single_status citus_status
	shift
	on_single "$@" >"$CITUS_WORK/single.out" 2>&1
	single_status=$?
	on_citus "$@" >"$CITUS_WORK/citus.out" 2>&1
	citus_status=$?
	if [ "$single_status" -eq 0 ] && [ "$citus_status" -eq 0 ]; then
		tap_ok "$description"
	else
		tap_not_ok "$description (exit: one server $single_status, Citus $citus_status)"
		[ "$single_status" -ne 0 ] && sed 's/^/#   one server: /' "$CITUS_WORK/single.out" | tail -n 15
		[ "$citus_status" -ne 0 ] && sed 's/^/#   Citus: /' "$CITUS_WORK/citus.out" | tail -n 15
	fi
}

# same DESCRIPTION COMMAND...: runs a command on both; passes when both succeed
# and their full outputs (stdout and stderr) have the same SHA-256. The
# checksums go to $CITUS_WORK/checksums.
same() {
	local description=$1 single_sum citus_sum single_status citus_status
	shift
	on_single "$@" >"$CITUS_WORK/single.out" 2>&1
	single_status=$?
	on_citus "$@" >"$CITUS_WORK/citus.out" 2>&1
	citus_status=$?
	single_sum=$(sha256sum <"$CITUS_WORK/single.out" | cut -c1-64)
	citus_sum=$(sha256sum <"$CITUS_WORK/citus.out" | cut -c1-64)
	printf '%s  %s lines  %s\n' "$citus_sum" "$(wc -l <"$CITUS_WORK/citus.out")" "$description" >>"$CITUS_WORK/checksums"
	[ -n "${THIDUA_CITUS_VERBOSE:-}" ] && head -n 20 "$CITUS_WORK/citus.out" | sed 's/^/#   (Citus) /'
	if [ "$single_status" -eq 0 ] && [ "$citus_status" -eq 0 ] && [ "$single_sum" = "$citus_sum" ]; then
		tap_ok "$description (sha256 ${citus_sum:0:16}, $(wc -l <"$CITUS_WORK/citus.out") lines)"
	else
		tap_not_ok "$description (one server exit $single_status, Citus exit $citus_status)"
		diff "$CITUS_WORK/single.out" "$CITUS_WORK/citus.out" | head -n 20 | sed 's/^/#   /'
	fi
}

# same_refusal DESCRIPTION COMMAND...: a command both must refuse (non-zero
# exit) with the same output.
same_refusal() {
	local description=$1 single_status citus_status
	shift
	on_single "$@" >"$CITUS_WORK/single.out" 2>&1
	single_status=$?
	on_citus "$@" >"$CITUS_WORK/citus.out" 2>&1
	citus_status=$?
	if [ "$single_status" -ne 0 ] && [ "$citus_status" -ne 0 ] &&
		cmp -s "$CITUS_WORK/single.out" "$CITUS_WORK/citus.out"; then
		tap_ok "$description (refused alike: $(head -n 1 "$CITUS_WORK/citus.out"))"
	else
		tap_not_ok "$description (one server exit $single_status, Citus exit $citus_status)"
		diff "$CITUS_WORK/single.out" "$CITUS_WORK/citus.out" | head -n 20 | sed 's/^/#   /'
	fi
}

# explain_has DESCRIPTION PATTERN SQL: EXPLAIN (costs off) of SQL on the
# coordinator matches an extended regular expression. EXPLAIN_OPTIONS adds
# options (explain_verbose_has: VERBOSE, which shows the worker queries).
explain_has() {
	local description=$1 pattern=$2 sql=$3
	sql_citus "EXPLAIN (${EXPLAIN_OPTIONS:+$EXPLAIN_OPTIONS, }COSTS OFF) $sql" >"$CITUS_WORK/explain.out" 2>&1
	if grep -Eq "$pattern" "$CITUS_WORK/explain.out"; then
		tap_ok "$description"
	else
		tap_not_ok "$description (no /$pattern/ in the plan)"
		sed 's/^/#   /' "$CITUS_WORK/explain.out" | head -n 40
	fi
}
explain_verbose_has() { EXPLAIN_OPTIONS=VERBOSE explain_has "$@"; }

# explain_lacks DESCRIPTION PATTERN SQL: the plan does not match.
explain_lacks() {
	local description=$1 pattern=$2 sql=$3
	sql_citus "EXPLAIN (COSTS OFF) $sql" >"$CITUS_WORK/explain.out" 2>&1
	if [ -s "$CITUS_WORK/explain.out" ] && ! grep -q '^ERROR' "$CITUS_WORK/explain.out" &&
		! grep -Eq "$pattern" "$CITUS_WORK/explain.out"; then
		tap_ok "$description"
	else
		tap_not_ok "$description (/$pattern/ in the plan, or no plan)"
		sed 's/^/#   /' "$CITUS_WORK/explain.out" | head -n 40
	fi
}

# is DESCRIPTION GOT EXPECTED
is() {
	if [ "$2" = "$3" ]; then tap_ok "$1"; else tap_not_ok "$1 (got '$2', expected '$3')"; fi
}

