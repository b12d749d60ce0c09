# Criteria tables and rulebooks: imported (CSV and JSON), published, cloned,
# diffed, retired and shown through the client, identical on one server and on
# Citus; their guarantees (published versions frozen, drafts only editable,
# every status change recorded once) kept by the functions on the coordinator;
# thidua.points right after a draft's edit and after publication, in queries
# Citus pushes down to the workers. Leaves stp/2019 and the shipped rulebooks
# (rulebooks/*.json) published for the later parts.

cli=$THIDUA_CLI
work=$CITUS_WORK/criteria
mkdir -p "$work"

# masked COMMAND...: the command's output (stdout and stderr) with the times
# of today's status changes masked, which two servers record a moment apart.
today=$(sql_single "SELECT current_date")
masked() {
	"$@" 2>&1 | sed -E "s/$today( [0-9]{2}:[0-9]{2}(:[0-9.]+)?)?/(today)/g"
	return "${PIPESTATUS[0]}"
}
# terse SQL: one statement's rows, errors as one line (no context, which names
# a node on Citus).
terse() { psql -X -q -At -v VERBOSITY=terse -v ON_ERROR_STOP=1 -c "$1"; }
# history: every status change of criteria and rulebook versions, in order.
criteria_history="SELECT version_code, coalesce(from_status, '-'), to_status, coalesce(note, '-'), changed_by
	FROM thidua.criteria_version_event ORDER BY event_id"
rulebook_history="SELECT version_code, coalesce(from_status, '-'), to_status, coalesce(note, '-'), changed_by
	FROM thidua.rulebook_version_event ORDER BY event_id"

## Criteria: stp/2019 from the clerk's CSV, replaced by the JSON, published.

both "criteria import test/fixtures/criteria/stp-2019.csv (CSV)" "$cli" criteria import test/fixtures/criteria/stp-2019.csv
same "criteria show of the draft imported from CSV" masked "$cli" criteria show stp/2019
same "criteria export of the draft imported from CSV" "$cli" criteria export stp/2019
same_refusal "criteria import of an existing draft without --replace" \
	"$cli" criteria import test/fixtures/criteria/stp-2019.json
both "criteria import test/fixtures/criteria/stp-2019.json --replace (JSON)" \
	"$cli" criteria import test/fixtures/criteria/stp-2019.json --replace
same "criteria publish stp/2019 with a note" \
	"$cli" criteria publish stp/2019 --note "Quyết định ban hành Bảng tiêu chí năm 2019"
same "criteria list" masked "$cli" criteria list
same "criteria show stp/2019 (published)" masked "$cli" criteria show stp/2019
same "criteria export stp/2019 (JSON)" "$cli" criteria export stp/2019
same "criteria export stp/2019 --format csv" "$cli" criteria export stp/2019 --format csv
same "criteria list --format csv" masked "$cli" criteria list --format csv
same "thidua.points, one observation per rule" terse "SELECT thidua.points('stp/2019', 'II.2', 83.4),
	thidua.points('stp/2019', 'VI.1', 20), thidua.points('stp/2019', 'VIII.1', 95), thidua.points('stp/2019', 'P.1', 3),
	thidua.points('stp/2019', 'I.2', 70), thidua.points('stp/2019', 'I.1', 1)"
same "thidua.points over every criterion of stp/2019 and a range of values" terse "SELECT i.code, v,
	thidua.points('stp/2019', i.code, v) FROM thidua.criteria_item i
	CROSS JOIN LATERAL generate_series(0, CASE WHEN i.rule = 'pass_fail' THEN 1 ELSE 120 END,
		CASE WHEN i.rule = 'pass_fail' THEN 1 ELSE 7 END) v
	WHERE i.version_code = 'stp/2019' AND i.rule IN ('pass_fail', 'proportional', 'bands', 'per_occurrence')
	ORDER BY i.position, v"

## The published version refuses every change, through every function.

published_export=$(on_citus "$cli" criteria export stp/2019 | sha256sum)
same_refusal "criteria publish of a published version" "$cli" criteria publish stp/2019
same_refusal "criteria import of a published version's edition" "$cli" criteria import test/fixtures/criteria/stp-2019.json
same_refusal "criteria import --replace of a published version" \
	"$cli" criteria import test/fixtures/criteria/stp-2019.json --replace
same_refusal "thidua.delete_draft of a published version" terse "SELECT thidua.delete_draft('stp/2019')"
same_refusal "criteria clone onto an existing edition" "$cli" criteria clone stp/2019 2019
is "stp/2019 on Citus exactly as published after the refusals" \
	"$(on_citus "$cli" criteria export stp/2019 | sha256sum)" "$published_export"

## Next edition: cloned, edited (exported, changed, imported --replace), diffed,
## published, retired; a draft deleted.

same "criteria clone stp/2019 c10-next" "$cli" criteria clone stp/2019 c10-next
on_citus "$cli" criteria export stp/c10-next |
	jq '.items |= map(if .code == "VIII.4" then .max = 2 elif .code == "VII.3" then .max = 4
		elif .code == "I.2" then .target = 80 else . end) | .title = "Bảng tiêu chí (bản sửa đổi)"' >"$work/stp-c10-next.json"
both "criteria import --replace of the edited draft" "$cli" criteria import "$work/stp-c10-next.json" --replace
same "criteria diff stp/2019 stp/c10-next" "$cli" criteria diff stp/2019 stp/c10-next
same "criteria diff --format csv" "$cli" criteria diff stp/2019 stp/c10-next --format csv
same_refusal "criteria retire of a draft" "$cli" criteria retire stp/c10-next
same "criteria publish stp/c10-next" "$cli" criteria publish stp/c10-next --note "sửa đổi"
same "criteria retire stp/c10-next" "$cli" criteria retire stp/c10-next --note "thay thế"
same_refusal "criteria publish of a retired version" "$cli" criteria publish stp/c10-next
same "criteria show of a retired version" masked "$cli" criteria show stp/c10-next
same "criteria clone of a retired version" "$cli" criteria clone stp/c10-next c10-scrap
same "thidua.delete_draft of a draft" terse "SELECT thidua.delete_draft('stp/c10-scrap')"
same_refusal "a deleted draft is gone" "$cli" criteria show stp/c10-scrap
same_refusal "a document that fails validation is not imported" terse \
	"SELECT thidua.import_criteria(jsonb_set(jsonb_set(thidua.export_criteria('stp/2019'), '{edition}', '\"c10-bad\"'),
		'{rounding_scale}', '9'))"
same "criteria list after the lifecycle" masked "$cli" criteria list

## Every status change recorded once, with its note.

same "criteria_version_event: one event per status change, with the notes" terse "$criteria_history"
is "criteria_version_event counts alike" "$(sql_citus "SELECT count(*) FROM thidua.criteria_version_event")" \
	"$(sql_single "SELECT count(*) FROM thidua.criteria_version_event")"

## An administrator's login (no direct write on Citus): the definer functions.

both "a login role in thidua_admin" terse "CREATE ROLE c10_admin LOGIN IN ROLE thidua_admin"
jq '.edition = "c10-admin"' test/fixtures/criteria/stp-2019.json >"$work/stp-c10-admin.json"
AS_ROLE=c10_admin same "criteria import as an administrator" "$cli" criteria import "$work/stp-c10-admin.json"
AS_ROLE=c10_admin same "criteria publish as an administrator" "$cli" criteria publish stp/c10-admin --note "admin"
AS_ROLE=c10_admin same "criteria clone as an administrator" "$cli" criteria clone stp/c10-admin c10-admin-2
AS_ROLE=c10_admin same "thidua.delete_draft as an administrator" terse "SELECT thidua.delete_draft('stp/c10-admin-2')"
AS_ROLE=c10_admin same "the history names the administrator" terse "$criteria_history"

## thidua.points in queries Citus pushes down, right after a draft's edit and
## after publication (each node's compiled-criteria cache invalidated).

sql_single "CREATE TABLE public.c10_value (bloc_code text, criterion text, value numeric)" >/dev/null
sql_citus "CREATE TABLE public.c10_value (bloc_code text, criterion text, value numeric)" >/dev/null
sql_citus "SELECT create_distributed_table('public.c10_value', 'bloc_code')" >/dev/null
both "the table readable by everyone" terse "GRANT SELECT ON public.c10_value TO PUBLIC"
both "observations of twenty blocs in a table (distributed on Citus)" terse "INSERT INTO public.c10_value
	SELECT 'B' || b, c, v + b FROM generate_series(1, 20) b,
		(VALUES ('II.2', 63.4), ('VI.1', 20), ('VIII.1', 75), ('P.1', 3), ('I.2', 60), ('II.3', 50)) x(c, v)"
points_by_criterion="SELECT criterion, count(*), sum(thidua.points('stp/c10-cache', criterion, value)),
	min(thidua.points('stp/c10-cache', criterion, value)) FROM public.c10_value GROUP BY criterion ORDER BY criterion"
points_by_bloc="SELECT bloc_code, sum(thidua.points('stp/c10-cache', criterion, value)) FROM public.c10_value
	WHERE bloc_code IN ('B3', 'B17') GROUP BY bloc_code ORDER BY bloc_code"
explain_has "thidua.points over a distributed table runs on the workers" "Task Count: [1-9]" "$points_by_criterion"
same "criteria clone stp/2019 c10-cache (a draft)" "$cli" criteria clone stp/2019 c10-cache
same "points of a draft, computed on the workers" terse "$points_by_criterion"
same "points of a draft, per bloc" terse "$points_by_bloc"
on_citus "$cli" criteria export stp/c10-cache |
	jq '.items |= map(if .code == "I.2" then .target = 70 elif .code == "VIII.1" then .max = 3 else . end)' \
	>"$work/stp-c10-cache.json"
both "the draft edited (criteria import --replace)" "$cli" criteria import "$work/stp-c10-cache.json" --replace
same "points of the edited draft, computed on the workers" terse "$points_by_criterion"
same "points of the edited draft, per bloc" terse "$points_by_bloc"
is "the workers see the edit (I.2 at 70 of target 70 is full marks)" \
	"$(sql_citus "SELECT max(thidua.points('stp/c10-cache', criterion, value)) FROM public.c10_value WHERE criterion = 'I.2'")" \
	"3.00"
same "criteria publish stp/c10-cache" "$cli" criteria publish stp/c10-cache
same "points of the published version, computed on the workers" terse "$points_by_criterion"
AS_ROLE=c10_admin same "points of the published version, as an administrator" terse "$points_by_criterion"

## Rulebooks: the shipped ones imported and published, shown, exported, diffed.

for edition in 2018 2024 2025-09; do
	both "rulebook import rulebooks/justice-$edition.json" "$cli" rulebook import "rulebooks/justice-$edition.json"
	same "rulebook show justice/$edition (draft)" masked "$cli" rulebook show "justice/$edition"
	same "rulebook publish justice/$edition" "$cli" rulebook publish "justice/$edition" --note "ban hành $edition"
done
same "rulebook list" masked "$cli" rulebook list
for edition in 2018 2024 2025-09; do
	same "rulebook show justice/$edition" masked "$cli" rulebook show "justice/$edition"
	same "rulebook export justice/$edition" "$cli" rulebook export "justice/$edition"
done
same "rulebook diff justice/2018 justice/2024" "$cli" rulebook diff justice/2018 justice/2024
same "rulebook diff justice/2024 justice/2025-09" "$cli" rulebook diff justice/2024 justice/2025-09
same "rulebook diff --format csv" "$cli" rulebook diff justice/2018 justice/2025-09 --format csv
same "thidua.rulebook_in_force" terse "SELECT a.award_code, d, thidua.rulebook_in_force(a.award_code, d)
	FROM thidua.award a, (VALUES (date '2019-06-30'), (date '2024-06-30'), (date '2025-12-31')) x(d)
	WHERE EXISTS (SELECT 1 FROM thidua.rulebook_entry e WHERE e.award_code = a.award_code) ORDER BY 1, 2"

published_rulebook=$(on_citus "$cli" rulebook export justice/2024 | sha256sum)
same_refusal "rulebook publish of a published version" "$cli" rulebook publish justice/2024
same_refusal "rulebook import of a published version's edition" "$cli" rulebook import rulebooks/justice-2024.json
same_refusal "rulebook import --replace of a published version" "$cli" rulebook import rulebooks/justice-2024.json --replace
same_refusal "thidua.delete_rulebook_draft of a published version" terse "SELECT thidua.delete_rulebook_draft('justice/2024')"
is "justice/2024 on Citus exactly as published after the refusals" \
	"$(on_citus "$cli" rulebook export justice/2024 | sha256sum)" "$published_rulebook"

same "rulebook clone justice/2024 c10" "$cli" rulebook clone justice/2024 c10
on_citus "$cli" rulebook export justice/c10 |
	jq '.effective_from = "2030-01-01" | .effective_to = null | .title = "Quy chế (thử)"' >"$work/justice-c10.json"
both "rulebook import --replace of the edited draft" "$cli" rulebook import "$work/justice-c10.json" --replace
same "rulebook diff justice/2024 justice/c10" "$cli" rulebook diff justice/2024 justice/c10
same_refusal "rulebook retire of a draft" "$cli" rulebook retire justice/c10
same "rulebook publish justice/c10" "$cli" rulebook publish justice/c10
same "rulebook retire justice/c10" "$cli" rulebook retire justice/c10 --note "thử"
same "rulebook clone of a retired version, then deleted" terse "SELECT thidua.clone_rulebook('justice/c10', 'c10-scrap'),
	thidua.delete_rulebook_draft('justice/c10-scrap')"
same "rulebook clone onto the same dates" "$cli" rulebook clone justice/2024 c10-overlap
same_refusal "rulebook publish of a version overlapping a published one" "$cli" rulebook publish justice/c10-overlap
same "thidua.delete_rulebook_draft of a draft" terse "SELECT thidua.delete_rulebook_draft('justice/c10-overlap')"
same "rulebook list after the lifecycle" masked "$cli" rulebook list
same "rulebook_version_event: one event per status change, with the notes" terse "$rulebook_history"
is "rulebook_version_event counts alike" "$(sql_citus "SELECT count(*) FROM thidua.rulebook_version_event")" \
	"$(sql_single "SELECT count(*) FROM thidua.rulebook_version_event")"

## For the later parts: stp/2019 and the shipped rulebooks published.

is "stp/2019 published on Citus" "$(sql_citus "SELECT status FROM thidua.criteria_version WHERE version_code = 'stp/2019'")" "published"
is "the shipped rulebooks published on Citus" \
	"$(sql_citus "SELECT string_agg(version_code || ' ' || status, ', ' ORDER BY version_code) FROM thidua.rulebook_version
		WHERE version_code IN ('justice/2018', 'justice/2024', 'justice/2025-09')")" \
	"justice/2018 published, justice/2024 published, justice/2025-09 published"
sql_single "DROP TABLE public.c10_value" >/dev/null
sql_citus "DROP TABLE public.c10_value" >/dev/null
