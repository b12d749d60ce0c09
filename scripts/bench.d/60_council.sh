# Council benchmark: 16 pgbench clients over the Unix socket, each transaction
# either a council member's vote (thidua.vote, as the member: SET LOCAL SESSION
# AUTHORIZATION) on a random nomination of a round in vote, or the office
# approving or rejecting a random nomination of a round without a ballot.
# Second votes and second moves are refused by thidua and counted, not fatal.
# Afterwards the vote is closed and the invariants checked.
. scripts/lib/bench.sh
BENCH_DB=thidua_bench_council
council_nominations=${THIDUA_BENCH_COUNCIL_NOMINATIONS:-2000}
other_nominations=${THIDUA_BENCH_COUNCIL_OTHERS:-500}
per_client=${THIDUA_BENCH_COUNCIL_TRANSACTIONS:-2000}
members=16

bench_database "$BENCH_DB"
echo "== council: $members members, $council_nominations nominations in vote, $other_nominations to approve or reject; 16 clients x $per_client transactions"
psql -X -q -d "$BENCH_DB" -v ON_ERROR_STOP=1 -v members="$members" -v nominations="$council_nominations" \
	-v others="$other_nominations" >/dev/null <<'SQL'
SET client_min_messages = warning;
SELECT thidua.create_roles();
SELECT format('CREATE ROLE cb_m%s LOGIN IN ROLE thidua_council', i) FROM generate_series(1, :members) i
	WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cb_m' || i) \gexec
SELECT 'CREATE ROLE cb_admin LOGIN IN ROLE thidua_admin' WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cb_admin') \gexec
INSERT INTO thidua.unit (unit_code, name) VALUES ('S', 'Sở');
INSERT INTO thidua.individual (person_code, full_name, sex) SELECT 'p' || i, 'Người ' || i, 'male' FROM generate_series(1, :nominations + :others) i;
INSERT INTO thidua.rulebook (rulebook_code, name) VALUES ('cb', 'Council bench');
INSERT INTO thidua.rulebook_version (version_code, rulebook_code, edition, title, effective_from) VALUES ('cb/1', 'cb', '1', 'Council bench', '2019-01-01');
INSERT INTO thidua.rulebook_entry (version_code, award_code, position, rule, council) VALUES
	('cb/1', 'CSTD-BT', 1, '{"kind": "rating_this_year", "rating": "HTNV", "source": {"document": "bench"}}',
	 '{"ballot": true, "threshold": 0.5, "comparison": "at_least", "base": "all_members"}'),
	('cb/1', 'BK-BTP', 2, '{"kind": "rating_this_year", "rating": "HTNV", "source": {"document": "bench"}}', NULL);
INSERT INTO thidua.nomination_round (round_code, title, year, authority, council_unit, deadline, rulebook_version) VALUES
	('BR', 'Ballot', 2019, 'Giám đốc', 'S', '2019-12-31', 'cb/1'), ('MR', 'No ballot', 2019, 'Giám đốc', 'S', '2019-12-31', 'cb/1');
INSERT INTO thidua.round_award VALUES ('BR', 'CSTD-BT'), ('MR', 'BK-BTP');
INSERT INTO thidua.council_member (round_code, role_name, full_name, council_role)
	SELECT 'BR', 'cb_m' || i, 'Thành viên ' || i, CASE i WHEN 1 THEN 'chair' WHEN 2 THEN 'secretary' ELSE 'member' END
	FROM generate_series(1, :members) i;
-- nominations 1 .. N in round BR, N + 1 .. N + others in MR, all checked
INSERT INTO thidua.nomination (round_code, award_code, person_code, proposing_unit, state, checked_on)
	SELECT 'BR', 'CSTD-BT', 'p' || i, 'S', 'checked', '2019-11-01' FROM generate_series(1, :nominations) i;
INSERT INTO thidua.nomination (round_code, award_code, person_code, proposing_unit, state, checked_on)
	SELECT 'MR', 'BK-BTP', 'p' || i, 'S', 'checked', '2019-11-01' FROM generate_series(:nominations + 1, :nominations + :others) i;
SET SESSION AUTHORIZATION cb_admin;
SELECT thidua.open_vote('BR');
RESET SESSION AUTHORIZATION;
-- the outcome of each attempt, counted after the run
CREATE UNLOGGED TABLE public.bench_outcome (status text NOT NULL);
GRANT INSERT ON public.bench_outcome TO PUBLIC;
CREATE FUNCTION public.bench_try(statement text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE statement;
	INSERT INTO public.bench_outcome VALUES (split_part(statement, '(', 1) || ': done');
EXCEPTION
	WHEN unique_violation THEN INSERT INTO public.bench_outcome VALUES ('vote: second vote refused');
	WHEN object_not_in_prerequisite_state THEN INSERT INTO public.bench_outcome VALUES (split_part(statement, '(', 1) || ': refused, state');
END
$$;
VACUUM ANALYZE;
SQL

script=$(mktemp)
cat >"$script" <<PGBENCH
\set r random(1, 100)
\set m random(1, $members)
\set n random(:first_voted, :last_voted)
\set c random(1, 3)
\set k random(:first_other, :last_other)
\if :r <= 90
BEGIN;
SET LOCAL SESSION AUTHORIZATION cb_m:m;
SELECT public.bench_try('SELECT thidua.vote(:n, ' || quote_literal((ARRAY['yes', 'no', 'abstain'])[:c]) || ')');
COMMIT;
\else
BEGIN;
SET LOCAL SESSION AUTHORIZATION cb_admin;
SELECT public.bench_try(CASE WHEN :c = 1 THEN 'SELECT thidua.reject(:k, ''bench'')' ELSE 'SELECT thidua.approve(:k)' END);
COMMIT;
\endif
PGBENCH
pgbench_log=$(mktemp)
read -r first_voted last_voted first_other last_other < <(psql -X -q -At -F ' ' -d "$BENCH_DB" -c "SELECT
	min(nomination_id) FILTER (WHERE round_code = 'BR'), max(nomination_id) FILTER (WHERE round_code = 'BR'),
	min(nomination_id) FILTER (WHERE round_code = 'MR'), max(nomination_id) FILTER (WHERE round_code = 'MR') FROM thidua.nomination")
pgbench -n -c 16 -j 4 -t "$per_client" -f "$script" -D first_voted="$first_voted" -D last_voted="$last_voted" \
	-D first_other="$first_other" -D last_other="$last_other" "$BENCH_DB" >"$pgbench_log" 2>&1 || { cat "$pgbench_log" >&2; echo "pgbench failed" >&2; }
tps=$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p' "$pgbench_log")
failed_tx=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$pgbench_log")
rm -f "$script" "$pgbench_log"
close_ms=$(psql -X -q -d "$BENCH_DB" -v ON_ERROR_STOP=1 -c '\timing on' -c 'SET SESSION AUTHORIZATION cb_admin' \
	-c "SELECT thidua.close_vote('BR')" 2>&1 | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -n 1)
psql -X -q -At -d "$BENCH_DB" -v ON_ERROR_STOP=1 -F ' ' <<'SQL' | while read -r line; do echo "$line"; done
SELECT 'outcomes: ' || string_agg(status || ' ' || n, ', ' ORDER BY status) FROM (SELECT status, count(*) n FROM public.bench_outcome GROUP BY 1) s;
SELECT 'double votes (same member, same nomination): ' || count(*) FROM (SELECT 1 FROM thidua.vote_register GROUP BY nomination_id, role_name HAVING count(*) > 1) d;
SELECT 'nominations whose ballots differ from their register rows: ' || count(*) FROM thidua.nomination n
	WHERE (SELECT count(*) FROM thidua.ballot b WHERE b.nomination_id = n.nomination_id)
		  <> (SELECT count(*) FROM thidua.vote_register v WHERE v.nomination_id = n.nomination_id);
SELECT 'votes recorded: ' || (SELECT count(*) FROM thidua.vote_register) || ' register rows, ' || (SELECT count(*) FROM thidua.ballot)
	|| ' ballots (' || (SELECT count(*) FROM public.bench_outcome WHERE status = 'SELECT thidua.vote: done') || ' accepted)';
-- each event follows a legal transition from the state the previous one left, and the last one gives the current state
WITH e AS (SELECT ev.*, lag(ev.to_state) OVER (PARTITION BY ev.nomination_id ORDER BY ev.event_id) AS previous,
			  row_number() OVER (PARTITION BY ev.nomination_id ORDER BY ev.event_id DESC) AS from_last FROM thidua.nomination_event ev)
SELECT 'illegal steps in the event log: ' || count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM thidua.nomination_transition t
		WHERE t.from_state = e.from_state AND t.to_state = e.to_state AND t.action = e.action)
		OR e.from_state IS DISTINCT FROM coalesce(e.previous, 'checked'))
	|| '; nominations whose state is not their last event''s: '
	|| (SELECT count(*) FROM thidua.nomination n WHERE n.state <> coalesce((SELECT x.to_state FROM e x WHERE x.nomination_id = n.nomination_id AND x.from_last = 1), 'checked'))
	|| '; moves accepted without an event: '
	|| ((SELECT count(*) FROM public.bench_outcome WHERE status IN ('SELECT thidua.approve: done', 'SELECT thidua.reject: done'))
		- (SELECT count(*) FROM thidua.nomination_event WHERE nomination_id IN (SELECT nomination_id FROM thidua.nomination WHERE round_code = 'MR')))
FROM e;
SQL
echo "throughput: ${tps:-?} tps (16 clients, Unix socket, $((16 * per_client)) transactions; failed transactions: ${failed_tx:-0}); close_vote re-laying every ballot and approving: ${close_ms:-?} ms"
[ -n "${THIDUA_BENCH_KEEP:-}" ] || {
	psql -X -q -d postgres -c "DROP DATABASE $BENCH_DB" >/dev/null
	psql -X -q -d postgres -c "DROP ROLE IF EXISTS cb_admin, $(seq -f 'cb_m%g' -s ', ' 1 "$members")" >/dev/null
}
