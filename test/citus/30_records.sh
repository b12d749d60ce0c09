# People's and units' records, eligibility, forecast, quota and what-if on
# Citus: the justice department fixture (test/fixtures/justice-dept) loaded
# through the client on both servers, every output compared by checksum, the
# records' guarantees checked alike, and EXPLAIN evidence that eligibility is
# pushed down to the workers (people's records co-located by person).

fixture=test/fixtures/justice-dept
scratch=$CITUS_WORK/records
mkdir -p "$scratch"

# The justice rulebooks, imported and published where `rulebook list` lacks them.
justice_rulebooks() {
	local edition listed
	listed=$("$THIDUA_CLI" rulebook list --format csv 2>/dev/null)
	for edition in 2018 2024 2025-09; do
		if ! grep -q "^justice/$edition,published" <<<"$listed"; then
			grep -q "^justice/$edition," <<<"$listed" || "$THIDUA_CLI" rulebook import rulebooks/justice-$edition.json || return 1
			"$THIDUA_CLI" rulebook publish justice/$edition || return 1
		fi
	done
}

# Every record table, in a stable order (a checksum of the rows says the same).
records_dump() {
	psql -X -q -At -v ON_ERROR_STOP=1 \
		-c "SELECT 'individual_rating', r.* FROM thidua.individual_rating r ORDER BY 2, 3" \
		-c "SELECT 'unit_rating', r.* FROM thidua.unit_rating r ORDER BY 2, 3" \
		-c "SELECT 'individual_award', a.* FROM thidua.individual_award a ORDER BY a.record_id" \
		-c "SELECT 'unit_award', a.* FROM thidua.unit_award a ORDER BY a.record_id" \
		-c "SELECT 'initiative', i.* FROM thidua.initiative i ORDER BY 2" \
		-c "SELECT 'initiative_author', a.* FROM thidua.initiative_author a ORDER BY 2, 3" \
		-c "SELECT 'discipline', d.* FROM thidua.discipline d ORDER BY d.record_id"
}

# The eligibility (every rule, with its evidence) of every person for every
# individual award, and of every unit for every collective one, of a
# rulebook version in a year: one call per subject, made on the coordinator.
every_eligibility() {
	psql -X -q -At -v ON_ERROR_STOP=1 -v version="$1" -v year="$2" <<'SQL'
SELECT format('SELECT %L, e.* FROM thidua.eligibility(%L, %L, %s, %L) e', i.person_code || ' ' || x.award_code,
		i.person_code, x.award_code, :'year', :'version')
FROM thidua.rulebook_entry x JOIN thidua.award a USING (award_code), thidua.individual i
WHERE x.version_code = :'version' AND a.subject = 'individual'
ORDER BY x.award_code, i.person_code \gexec
SELECT format('SELECT %L, e.* FROM thidua.eligibility(%L, %L, %s, %L) e', u.unit_code || ' ' || x.award_code,
		u.unit_code, x.award_code, :'year', :'version')
FROM thidua.rulebook_entry x JOIN thidua.award a USING (award_code), thidua.unit u
WHERE x.version_code = :'version' AND a.subject = 'collective'
ORDER BY x.award_code, u.unit_code \gexec
SQL
}

# Who is eligible (with the reasons), the forecast and the quota of every
# award of the version, for everyone and for one unit with its sub-units.
every_listing() {
	local version=$1 year=$2 award
	for award in $(psql -X -At -c "SELECT award_code FROM thidua.rulebook_entry WHERE version_code = '$version' ORDER BY 1"); do
		echo "== $award $year"
		"$THIDUA_CLI" eligible --award "$award" --year "$year" --why --format csv 2>&1 | sort
		"$THIDUA_CLI" eligible --award "$award" --year "$year" --unit STPDT-PBGD --format csv 2>&1 | sort
		"$THIDUA_CLI" forecast --award "$award" --year "$((year - 1))" --format csv 2>&1
		"$THIDUA_CLI" forecast --award "$award" --year "$((year - 1))" --unit STPDT --format csv 2>&1
		"$THIDUA_CLI" quota --award "$award" --unit STPDT --year "$year" --format csv 2>&1
		"$THIDUA_CLI" quota --award "$award" --unit STPDT-VP --year "$year" --format csv 2>&1
	done
}

# Revokes DT010's LDTT of 2024 (the record found first: revoke_award is
# called on the coordinator, not per row of a distributed table).
revoke_dt010() {
	psql -X -q -At -v ON_ERROR_STOP=1 -v day="$1" -v reason="$2" -v decision="$3" <<'SQL'
SELECT record_id AS id FROM thidua.individual_award WHERE person_code = 'DT010' AND award_code = 'LDTT' AND year = 2024 \gset
SELECT thidua.revoke_award(:id, :'day', :'reason', nullif(:'decision', ''));
SQL
}

both "units and people of the justice department (thidua units import, people import)" \
	sh -c '"$0" units import "$1"/units.csv && "$0" people import "$1"/people.csv' "$THIDUA_CLI" "$fixture"
for file in ratings unit_ratings initiatives awards unit_awards discipline; do
	same "records import $file.csv (every kind told by its header)" "$THIDUA_CLI" records import $fixture/$file.csv
done
for file in ratings initiatives awards unit_awards; do
	same "records import $file.csv again: every record unchanged" "$THIDUA_CLI" records import $fixture/$file.csv
done
both "the justice rulebooks 2018, 2024, 2025-09 imported and published" justice_rulebooks
same "the records stored, row for row (record numbers included)" records_dump
same "the award catalog (thidua awards)" "$THIDUA_CLI" awards --format csv

same "eligibility of every person and unit for every award of justice/2018 in 2022" every_eligibility justice/2018 2022
same "eligibility of every person and unit for every award of justice/2024 in 2024" every_eligibility justice/2024 2024
same "eligibility of every person and unit for every award of justice/2025-09 in 2025" every_eligibility justice/2025-09 2025
for year in 2022 2024 2025; do
	same "eligible (with --why), forecast and quota of every award in $year" every_listing \
		"$( [ "$year" -lt 2024 ] && echo justice/2018 || echo justice/2024)" $year
done
same "one person's eligibility as the demo shows it (thidua eligibility)" \
	"$THIDUA_CLI" eligibility --subject DT010 --award CSTDCS --year 2023
same "one unit's eligibility for a collective title" \
	"$THIDUA_CLI" eligibility --subject STPDT-VP --award TTLDTT --year 2024

# What-if: a draft that asks HTTNV instead of HTXSNV for CSTDCS.
python3 - rulebooks/justice-2024.json "$scratch/whatif.json" <<'PY'
import json, sys
book = json.load(open(sys.argv[1]))
book["edition"] = "2024-whatif"
def soften(node):
    if isinstance(node, dict):
        if node.get("kind") == "rating_this_year" and node.get("rating") == "HTXSNV":
            node["rating"] = "HTTNV"
        for value in node.values():
            soften(value)
    elif isinstance(node, list):
        for value in node:
            soften(value)
for entry in book["awards"]:
    if entry.get("award") == "CSTDCS":
        soften(entry["rule"])
json.dump(book, open(sys.argv[2], "w"), ensure_ascii=False)
PY
both "a what-if draft (CSTDCS for HTTNV) imported" \
	sh -c '"$0" rulebook show justice/2024-whatif >/dev/null 2>&1 || "$0" rulebook import "$1"' "$THIDUA_CLI" "$scratch/whatif.json"
same "whatif: who gains under the draft, and the deciding rule" \
	"$THIDUA_CLI" whatif --award CSTDCS --year 2024 --draft justice/2024-whatif --format csv
same "whatif for one unit" \
	"$THIDUA_CLI" whatif --award CSTDCS --year 2024 --draft justice/2024-whatif --unit STPDT-PBGD --format csv

# The guarantees, alike on both: a bad file leaves nothing, a used initiative
# keeps its credit, an overlapping post and a second revocation are refused.
{
	head -n 1 $fixture/awards.csv
	echo "DT001,GK,2030,,1/QĐ-TEST,2031-01-05,Giám đốc Sở Tư pháp tỉnh Đồng Tháp,,,,"
	echo "DT002,GK,2030,,2/QĐ-TEST,2031-01-05,Giám đốc Sở Tư pháp tỉnh Đồng Tháp,,,,"
	echo "DT003,NO-SUCH,2030,,3/QĐ-TEST,2031-01-05,Giám đốc Sở Tư pháp tỉnh Đồng Tháp,,,,"
} >"$scratch/bad_awards.csv"
same_refusal "an awards file with an unknown award on line 4 is refused" \
	"$THIDUA_CLI" records import "$scratch/bad_awards.csv"
{
	head -n 1 $fixture/ratings.csv
	echo "DT001,2030,HTXSNV"
	echo "NOBODY,2030,HTXSNV"
} >"$scratch/bad_ratings.csv"
same_refusal "a ratings file naming an unknown person is refused" \
	"$THIDUA_CLI" records import "$scratch/bad_ratings.csv"
{
	head -n 1 $fixture/initiatives.csv
	echo "SK-TEST-1,Sáng kiến thử,grassroots,DT001 NOBODY,1/QĐ-TEST,2030-03-01"
} >"$scratch/bad_initiatives.csv"
same_refusal "an initiative whose author does not exist is refused" \
	"$THIDUA_CLI" records import "$scratch/bad_initiatives.csv"
{
	head -n 1 $fixture/awards.csv
	echo "DT013,GK,2023,,9/QĐ-TEST,2024-01-05,Giám đốc Sở Tư pháp tỉnh Đồng Tháp,SK-2023-03,,,"
} >"$scratch/used_initiative.csv"
same_refusal "an initiative used by an award is not credited to a second one" \
	"$THIDUA_CLI" records import "$scratch/used_initiative.csv"
{
	head -n 1 $fixture/awards.csv
	echo "DT001,GK,2023,,8/QĐ-TEST,2024-01-05,Giám đốc Sở Tư pháp tỉnh Đồng Tháp,SK-2023-06,,,"
} >"$scratch/not_author.csv"
same_refusal "an initiative is credited to an award of one of its authors only" \
	"$THIDUA_CLI" records import "$scratch/not_author.csv"
{
	head -n 1 $fixture/initiatives.csv
	grep '^SK-2023-03,' $fixture/initiatives.csv | awk -F, 'BEGIN { OFS = "," } { $4 = "DT001"; print }'
} >"$scratch/author_dropped.csv"
same_refusal "the author whose award used an initiative stays one of its authors" \
	"$THIDUA_CLI" records import "$scratch/author_dropped.csv"
{
	head -n 1 $fixture/people.csv
	echo "DT001,Nguyễn Thị Ngọc Hân,nữ,1976-04-12,STPDT-HCTP,2011-08-15,2020-03-01,Trưởng phòng,2018-01-01,2019-01-01"
} >"$scratch/overlapping_post.csv"
same_refusal "a post overlapping the same post's stored period is refused" \
	"$THIDUA_CLI" people import "$scratch/overlapping_post.csv"
same "after the refusals the records are as they were, row for row" records_dump
same "revoke_award: a person's award revoked (the entry kept, marked)" revoke_dt010 2025-06-01 'hồ sơ không trung thực' 30/QĐ-STP
same_refusal "a revocation is not made again" revoke_dt010 2025-07-01 again ''
same_refusal "the awards file, which does not give that revocation, cannot undo it" \
	"$THIDUA_CLI" records import $fixture/awards.csv
same "the revoked award no longer counts: DT010's eligibility for CSTDCS in 2024" \
	"$THIDUA_CLI" eligibility --subject DT010 --award CSTDCS --year 2024
same "the records after the revocation, row for row" records_dump

# Pushdown: eligibility of everyone is one query the coordinator sends whole to
# every shard (the people's records joined on person_code, co-located); nothing
# of a person's records is gathered to the coordinator first.
everyone=$(sql_citus "SELECT thidua._eligibility_query('CSTDCS', 2024, '2024-12-31', 'justice/2024', NULL, NULL, 'eligible')")
shards=$(sql_citus "SELECT count(*) FROM pg_dist_shard WHERE logicalrelid = 'thidua.individual'::regclass")
explain_has "eligible (everyone): one task per shard of the people, run on the workers" \
	"Task Count: $shards" "$everyone"
explain_lacks "eligible (everyone): no subplan gathers records to the coordinator" \
	"Distributed Subplan|intermediate_result|Repartition" "$everyone"
explain_has "eligible (everyone): ratings, awards, discipline and posts read on the shards" \
	"Seq Scan on individual_award_[0-9]+" "$everyone"
forecast=$(sql_citus "SELECT thidua._eligibility_query('KNC-TP', 2025, '2025-12-31', 'justice/2025-09', NULL, NULL, 'forecast')")
explain_has "forecast (everyone, service years from posts held): pushed down to every shard" \
	"Task Count: $shards" "$forecast"
explain_lacks "forecast: no subplan gathers records to the coordinator" \
	"Distributed Subplan|intermediate_result|Repartition" "$forecast"
one=$(sql_citus "SELECT thidua._eligibility_query('CSTDCS', 2024, '2024-12-31', 'justice/2024', NULL, 'DT010', 'all')")
explain_has "eligibility of one person: routed to the one shard holding that person" \
	"Task Count: 1" "$one"
