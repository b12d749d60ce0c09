#!/usr/bin/env bash
# The test command's own guarantees: failures and interruptions exit non-zero
# and leave no server and no cluster directory behind; no test is no pass.
root=$(cd "$(dirname "$0")/../.." && pwd)
n=0
fails=0
check() {
	n=$((n + 1))
	if eval "$1"; then echo "ok $n - $2"; else echo "not ok $n - $2"; fails=$((fails + 1)); fi
}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
cluster_of() { sed -n 's/^thidua: throwaway cluster at \([^ ]*\).*/\1/p' "$log" | head -n 1; }
server_running() { pgrep -f -- "-D $1/data" >/dev/null; }

# A deliberately failing test.
THIDUA_TEST_INJECT_FAILURE=1 "$root/scripts/run-tests" --only regress >"$log" 2>&1
status=$?
dir=$(cluster_of)
check '[ $status -ne 0 ]' 'a failing test makes the command exit non-zero'
check 'tail -n 1 "$log" | grep -Eq "^[0-9]+ passed, [1-9][0-9]* failed$"' 'the last line counts the failure'
check '[ -n "$dir" ] && [ ! -e "$dir" ]' 'the cluster directory is removed after a failure'
check '[ -n "$dir" ] && ! server_running "$dir"' 'no server is left running after a failure'

# Interrupted runs (Ctrl-C, and a TERM from a CI runner). Job control gives the
# held run its own process group, and env restores the default dispositions:
# a shell started with SIGINT ignored (a background job) could not trap it.
for signal in INT TERM; do
	set -m
	THIDUA_TEST_HOLD=1 env --default-signal=INT,TERM "$root/scripts/run-tests" --only regress >"$log" 2>&1 &
	pid=$!
	set +m
	for _ in $(seq 1 240); do grep -q "holding" "$log" && break; sleep 0.5; done
	dir=$(cluster_of)
	check '[ -n "$dir" ] && server_running "$dir"' "the held run has a live server ($signal)"
	kill -"$signal" "$pid"
	wait "$pid"
	status=$?
	check '[ $status -ne 0 ]' "a run interrupted by $signal exits non-zero"
	check '[ -n "$dir" ] && [ ! -e "$dir" ] && ! server_running "$dir"' "a run interrupted by $signal leaves no server and no directory"
done

# A backend killed by a signal during the run is a failure, shown from the server log.
THIDUA_TEST_INJECT_CRASH=1 "$root/scripts/run-tests" --only regress >"$log" 2>&1
status=$?
check '[ $status -ne 0 ]' 'a backend terminated by a signal makes the command exit non-zero'
check 'grep -q "terminated by signal 11" "$log" && tail -n 1 "$log" | grep -Eq "^[0-9]+ passed, 1 failed$"' \
	'the server log check prints the line and counts one failure'

# A run in which no test ran is not a pass.
"$root/scripts/run-tests" --only nothing >"$log" 2>&1
status=$?
check '[ $status -ne 0 ] && tail -n 1 "$log" | grep -qx "0 passed, 0 failed"' 'no test run: exit non-zero'

echo "1..$n"
[ "$fails" -eq 0 ]
