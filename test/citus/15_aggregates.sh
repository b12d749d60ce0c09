# thidua's aggregates over a table of the user's, distributed by another
# column: grouped by the distribution column the whole aggregate runs on the
# workers; grouped otherwise the workers build partial states that the
# coordinator combines (thidua's states are real SQL types with combine
# functions). Results identical to one server.

setup="CREATE TABLE aggregate_sample (k integer, g integer, v numeric);
INSERT INTO aggregate_sample SELECT i, i % 5000, ((i * 7919) % 997)::numeric / 7 FROM generate_series(1, 100000) i;"
both "a sample table on both" psql -X -q -v ON_ERROR_STOP=1 -c "$setup"
both "distributed by k on Citus" sh -c 'case "$PGPORT" in "$CITUS_PORT") psql -X -q -v ON_ERROR_STOP=1 -c "SELECT create_distributed_table('"'"'aggregate_sample'"'"', '"'"'k'"'"')" -c "SELECT truncate_local_data_after_distributing_table('"'"'aggregate_sample'"'"')";; *) true;; esac'

same "trimmed_mean by 5,000 groups (partial states combined on the coordinator)" \
	psql -X -q -At -c "SELECT g, thidua.trimmed_mean(v, 1) FROM aggregate_sample GROUP BY g ORDER BY g"
same "trimmed_mean by 10 groups (large states combined)" \
	psql -X -q -At -c "SELECT g % 10, thidua.trimmed_mean(v, 2), count(*) FROM aggregate_sample GROUP BY 1 ORDER BY 1"
same "trimmed_mean grouped by the distribution column (pushed down whole)" \
	psql -X -q -At -c "SELECT sum(m), count(*) FROM (SELECT k, thidua.trimmed_mean(v, 0) AS m FROM aggregate_sample WHERE k <= 20000 GROUP BY k) s"
explain_verbose_has "grouped otherwise: partial aggregation on the workers, combined on the coordinator" \
	'worker_partial_agg.*coord_combine_agg|coord_combine_agg' \
	"SELECT g % 10, thidua.trimmed_mean(v, 2) FROM aggregate_sample GROUP BY 1"
both "the sample table dropped" psql -X -q -c "DROP TABLE aggregate_sample"
