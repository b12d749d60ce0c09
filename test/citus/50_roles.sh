# Roles on Citus: a scorer, a reader and a council member see exactly the rows
# they see on one server, and are refused alike. On Citus the policies run on
# the workers, inside shard queries (distribute() rewrites their helpers to
# read this node's placements and the co-located shards).

cli=$THIDUA_CLI
count_citus() { sql_citus "$1" 2>/dev/null || echo "error"; }

# The data, through the client, where an earlier part has not loaded it.
if ! on_citus "$cli" criteria list 2>/dev/null | grep -Eq '^ *stp/2019 +\| published'; then
	both "criteria stp/2019 imported" "$cli" criteria import test/fixtures/criteria/stp-2019.json
	both "criteria stp/2019 published" "$cli" criteria publish stp/2019
fi
zone=test/fixtures/zone-2019
if [ "$(count_citus "SELECT count(*) FROM thidua.bloc WHERE bloc_code = 'tnb'")" != 1 ]; then
	both "zone 2019: units" "$cli" units import $zone/units.csv
	both "zone 2019: period" "$cli" period open 2019
	both "zone 2019: bloc" "$cli" bloc create tnb "Khu vực thi đua các cơ quan Tư pháp các tỉnh miền Tây Nam Bộ" --kind zone
	both "zone 2019: settings" "$cli" bloc settings tnb --period 2019 --criteria stp/2019 --method trimmed_mean --trim 1 --quorum 8
	both "zone 2019: members" "$cli" bloc members $zone/members.csv --bloc tnb --period 2019
fi
if [ "$(count_citus "SELECT count(*) FROM thidua.evaluation WHERE bloc_code = 'tnb'")" = 0 ]; then
	both "zone 2019: scores" "$cli" scores import $zone/scores.csv --bloc tnb --period 2019
fi
if [ "$(count_citus "SELECT count(*) FROM thidua.standing_revision WHERE bloc_code = 'tnb'")" = 0 ]; then
	both "zone 2019: standings published" "$cli" standings publish --bloc tnb --period 2019
fi
people=test/fixtures/justice-dept
if [ "$(count_citus "SELECT count(*) FROM thidua.unit WHERE unit_code = 'STPDT-HCTP'")" = 0 ]; then
	both "justice department: units" "$cli" units import $people/units.csv
fi
if [ "$(count_citus "SELECT count(*) FROM thidua.individual WHERE person_code = 'DT001'")" = 0 ]; then
	both "justice department: people" "$cli" people import $people/people.csv
	both "justice department: ratings" "$cli" records import $people/ratings.csv
	both "justice department: initiatives" "$cli" records import $people/initiatives.csv
fi

# Login roles (cluster-wide: Citus carries CREATE ROLE and memberships to the
# workers) and the scorer's units: An Giang's scores, a division's people.
both "login roles: a scorer, a reader, a council member" psql -X -q -v ON_ERROR_STOP=1 \
	-c "CREATE ROLE citus_roles_scorer LOGIN IN ROLE thidua_scorer" \
	-c "CREATE ROLE citus_roles_reader LOGIN IN ROLE thidua_reader" \
	-c "CREATE ROLE citus_roles_council LOGIN IN ROLE thidua_council"
both "the scorer acts for AG and STPDT-HCTP (thidua.role_unit)" psql -X -q -v ON_ERROR_STOP=1 \
	-c "INSERT INTO thidua.role_unit VALUES ('citus_roles_scorer', 'AG'), ('citus_roles_scorer', 'STPDT-HCTP')"
# create_roles() again on a distributed database: still no direct write
both "create_roles() again" psql -X -q -v ON_ERROR_STOP=1 -c "SELECT thidua.create_roles()"
is "after create_roles() again, no thidua role holds a direct write on Citus" \
	"$(sql_citus "SELECT count(*) FROM pg_tables t, unnest(ARRAY['thidua_admin','thidua_scorer','thidua_reader','thidua_council']) r
		WHERE t.schemaname = 'thidua' AND (has_table_privilege(r, format('thidua.%I', t.tablename), 'INSERT')
			OR has_table_privilege(r, format('thidua.%I', t.tablename), 'UPDATE')
			OR has_table_privilege(r, format('thidua.%I', t.tablename), 'DELETE')
			OR has_table_privilege(r, format('thidua.%I', t.tablename), 'TRUNCATE'))")" "0"
is "while on one server a scorer still files scores itself" \
	"$(sql_single "SELECT has_table_privilege('thidua_scorer', 'thidua.evaluation', 'INSERT')")" "t"
is "the workers grant the policies' helpers as the coordinator does" \
	"$(sql_citus "SELECT string_agg(DISTINCT result, ',') FROM run_command_on_workers(\$\$SELECT has_function_privilege('thidua_council',
		'thidua._council_rounds(text)', 'EXECUTE') AND has_function_privilege('thidua_council', 'thidua._sits_on_council_of_on_node(bigint)', 'EXECUTE')
		AND NOT has_function_privilege('thidua_reader', 'thidua._sits_on_council_of_on_node(bigint)', 'EXECUTE')\$\$)")" "t"

rows() { psql -X -q -A -F '|' -P footer=off -c "$1"; }

# The scorer: its units' evaluations and observations, its units' people.
AS_ROLE=citus_roles_scorer
same "scorer: the evaluations its units give" rows "SELECT bloc_code, period_code, unit_code, stage, judge_code
	FROM thidua.evaluation ORDER BY 1, 2, 3, 4, 5"
same "scorer: their observations" rows "SELECT bloc_code, count(*), sum(observed) FROM thidua.observation GROUP BY 1 ORDER BY 1"
same "scorer: observations with their evaluations" rows "SELECT e.unit_code, e.judge_code, o.criterion_code, o.observed
	FROM thidua.observation o JOIN thidua.evaluation e ON e.bloc_code = o.bloc_code AND e.evaluation_id = o.evaluation_id
	ORDER BY 1, 2, 3"
same "scorer: its units' people" rows "SELECT person_code, full_name FROM thidua.individual ORDER BY 1"
same "scorer: their memberships and posts" rows "SELECT 'm', person_code, unit_code, valid_from FROM thidua.membership
	UNION ALL SELECT 'p', person_code, unit_code, valid_from FROM thidua.post_held ORDER BY 1, 2, 3, 4"
same "scorer: their ratings" rows "SELECT person_code, count(*) FROM thidua.individual_rating GROUP BY 1 ORDER BY 1"
same "scorer: the initiatives its people wrote" rows "SELECT initiative_code FROM thidua.initiative ORDER BY 1"
same "scorer: criteria, drafts hidden" rows "SELECT version_code, count(*) FROM thidua.criteria_item GROUP BY 1 ORDER BY 1"
same_refusal "scorer: no direct write to people's records" psql -X -q -v ON_ERROR_STOP=1 \
	-c "INSERT INTO thidua.membership (person_code, unit_code, valid_from) VALUES ('DT001', 'AG', '2019-01-01')"
same_refusal "scorer: no published standings" psql -X -q -v ON_ERROR_STOP=1 -c "SELECT count(*) FROM thidua.standing_row"
unset AS_ROLE
# ... some rows, not all: the comparisons above are not between empty sets
is "the scorer sees the evaluations of AG's judge only, not all of them" \
	"$(AS_ROLE=citus_roles_scorer sql_citus "SELECT count(*) > 0 AND bool_and(judge_code = 'AG') FROM thidua.evaluation")|$(sql_citus "SELECT count(DISTINCT judge_code) > 1 FROM thidua.evaluation")" "t|t"
is "the scorer sees some observations, fewer than there are" \
	"$(AS_ROLE=citus_roles_scorer sql_citus "SELECT count(*) FROM thidua.observation") < $(sql_citus "SELECT count(*) FROM thidua.observation")" \
	"$(AS_ROLE=citus_roles_scorer sql_single "SELECT count(*) FROM thidua.observation") < $(sql_single "SELECT count(*) FROM thidua.observation")"
is "the scorer sees some people, not everyone" \
	"$(AS_ROLE=citus_roles_scorer sql_citus "SELECT count(*) > 0 FROM thidua.individual")|$(AS_ROLE=citus_roles_scorer sql_citus "SELECT count(*) FROM thidua.individual") < $(sql_citus "SELECT count(*) FROM thidua.individual")" \
	"t|$(AS_ROLE=citus_roles_scorer sql_single "SELECT count(*) FROM thidua.individual") < $(sql_single "SELECT count(*) FROM thidua.individual")"

# The reader: published standings, no personal data, no unpublished score.
AS_ROLE=citus_roles_reader
same "reader: published standings" rows "SELECT bloc_code, period_code, unit_code, rank, final_total, class
	FROM thidua.published_standings ORDER BY 1, 2, 4, 3"
same_refusal "reader: no personal data" psql -X -q -v ON_ERROR_STOP=1 -c "SELECT count(*) FROM thidua.individual"
same_refusal "reader: no unpublished score" psql -X -q -v ON_ERROR_STOP=1 -c "SELECT count(*) FROM thidua.observation"
same_refusal "reader: no direct write" psql -X -q -v ON_ERROR_STOP=1 \
	-c "INSERT INTO thidua.evaluation (bloc_code, period_code, unit_code, stage, judge_code) VALUES ('tnb', '2019', 'AG', 'self', 'AG')"
unset AS_ROLE
is "the reader reads some published standings" \
	"$(AS_ROLE=citus_roles_reader sql_citus "SELECT count(*) > 0 FROM thidua.published_standings")" "t"

# The council member: published standings and its rounds' councils; no personal data.
AS_ROLE=citus_roles_council
same "council: published standings" rows "SELECT bloc_code, unit_code, rank FROM thidua.published_standings ORDER BY 1, 3, 2"
same "council: the councils of its rounds" rows "SELECT round_code, role_name FROM thidua.council_member ORDER BY 1, 2"
same "council: the nominations it may see" rows "SELECT nomination_id, state FROM thidua.nomination ORDER BY 1"
same_refusal "council: no personal data" psql -X -q -v ON_ERROR_STOP=1 -c "SELECT count(*) FROM thidua.membership"
same_refusal "council: no direct write" psql -X -q -v ON_ERROR_STOP=1 \
	-c "INSERT INTO thidua.vote_register (nomination_id, role_name, entered_by) VALUES (1, 'citus_roles_council', 'citus_roles_council')"
unset AS_ROLE
