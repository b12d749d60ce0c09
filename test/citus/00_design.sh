# The distribution: every table where distribution_design() says, the
# coordinator's functions in place of the cross-table triggers, no direct writes.

is "every thidua table is a reference or distributed table as designed" \
	"$(sql_citus "SELECT count(*) FROM thidua.distribute() d JOIN thidua.distribution_design() x USING (table_name)
		WHERE d.placement = x.placement AND d.distribution_column IS NOT DISTINCT FROM x.distribution_column")" \
	"$(sql_citus "SELECT count(*) FROM thidua.distribution_design()")"
is "scores are co-located by bloc, people's records by person" \
	"$(sql_citus "SELECT string_agg(DISTINCT array_to_string(t, ','), ' | ') FROM (
		SELECT array_agg(logicalrelid::text ORDER BY logicalrelid::text) AS t FROM pg_dist_partition
		WHERE partmethod = 'h' AND logicalrelid::text LIKE 'thidua.%' GROUP BY colocationid) g")" \
	"thidua.discipline,thidua.individual,thidua.individual_award,thidua.individual_rating,thidua.membership,thidua.post_held | thidua.evaluation,thidua.observation"
is "no trigger that reads other tables is left on the coordinator" \
	"$(sql_citus "SELECT count(*) FROM thidua.coordinator_checks() c JOIN pg_trigger t ON t.tgname = c.trigger_name")" "0"
is "no trigger that reads other tables is left on a shard" \
	"$(sql_citus "SELECT sum(result::int) FROM run_command_on_workers(\$\$SELECT count(*) FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
		WHERE p.proname IN (SELECT trigger_function FROM thidua.coordinator_checks())\$\$)")" "0"
is "no thidua role holds a direct write on a thidua table" \
	"$(sql_citus "SELECT count(*) FROM pg_tables t, unnest(ARRAY['thidua_admin','thidua_scorer','thidua_reader','thidua_council']) r
		WHERE t.schemaname = 'thidua' AND (has_table_privilege(r, format('thidua.%I', t.tablename), 'INSERT')
			OR has_table_privilege(r, format('thidua.%I', t.tablename), 'UPDATE')
			OR has_table_privilege(r, format('thidua.%I', t.tablename), 'DELETE')
			OR has_table_privilege(r, format('thidua.%I', t.tablename), 'TRUNCATE'))")" "0"
is "a second thidua.distribute() changes nothing" \
	"$(sql_citus "SELECT count(*) FROM thidua.distribute()" 2>/dev/null)" \
	"$(sql_citus "SELECT count(*) FROM thidua.distribution_design()")"
