-- thidua SQL source: scale-out on Citus.
-- Holds the distribution design (distribution_design), the one call a DBA makes
-- on a Citus coordinator (distribute), and the helpers functions use to know
-- they run distributed (_distributed) and to read a reference table's local
-- placement from inside a query Citus pushed to a node (_local_relation).
--
-- On Citus a trigger fires on each shard placement, where it cannot query
-- another distributed table; so distribute() keeps the triggers that judge the
-- row alone (NFC, append-only, lifecycle, builtin rows) and drops the ones that
-- read other tables (distribution_design says which). Their checks are made by
-- the SECURITY DEFINER functions that run on the coordinator, and no role keeps
-- a direct INSERT, UPDATE, DELETE or TRUNCATE right on thidua's tables there.

-- Whether thidua's tables are Citus tables in this database.
CREATE FUNCTION thidua._distributed() RETURNS boolean
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	found boolean;
BEGIN
	IF to_regclass('pg_catalog.pg_dist_partition') IS NULL THEN
		RETURN false;
	END IF;
	EXECUTE 'SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition
		WHERE logicalrelid OPERATOR(pg_catalog.=) ''thidua.evaluation''::pg_catalog.regclass)' INTO found;
	RETURN found;
END
$$;
COMMENT ON FUNCTION thidua._distributed() IS
	'true when thidua.distribute() has made thidua''s tables Citus tables in this database';

-- On Citus, a function that reads a distributed table across shards (records
-- for eligibility and quotas, a bloc's scores) and then writes reference
-- tables must use one connection per node: Citus refuses a write to
-- a reference table after a parallel multi-shard read in one transaction.
-- Called first by the workflow's steps and the importers; nothing on one server.
CREATE FUNCTION thidua._sequential_on_citus() RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	IF thidua._distributed() THEN
		PERFORM pg_catalog.set_config('citus.multi_shard_modify_mode', 'sequential', true);
	END IF;
END
$$;
COMMENT ON FUNCTION thidua._sequential_on_citus() IS
	'on Citus, sets citus.multi_shard_modify_mode to sequential for the transaction, so that a function may read distributed tables across shards and then write reference tables; nothing on one server';

-- The relation a function should read for a reference table: on a Citus node
-- holding a placement of it, the placement itself (a plain table), so that a
-- function Citus pushed down to a worker reads it without a nested distributed
-- query; anywhere else, the table.
CREATE FUNCTION thidua._local_relation(relation regclass) RETURNS regclass
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	placement regclass;
BEGIN
	IF relation IS NULL OR to_regclass('pg_catalog.pg_dist_partition') IS NULL THEN
		RETURN relation;
	END IF;
	EXECUTE 'SELECT pg_catalog.to_regclass(pg_catalog.shard_name(s.logicalrelid, s.shardid))
		FROM pg_catalog.pg_dist_shard s
		JOIN pg_catalog.pg_dist_partition p ON p.logicalrelid OPERATOR(pg_catalog.=) s.logicalrelid
		WHERE s.logicalrelid OPERATOR(pg_catalog.=) $1 AND p.partmethod OPERATOR(pg_catalog.=) ''n''
		  AND p.repmodel OPERATOR(pg_catalog.=) ''t'''
		INTO placement USING relation;
	RETURN coalesce(placement, relation);
END
$$;
COMMENT ON FUNCTION thidua._local_relation(regclass) IS
	'the relation to read for a table: on a Citus node holding a placement of the reference table, that placement; otherwise the table itself';

-- The design: where each of thidua's tables lives on Citus. Reference tables
-- are copied to every node (small, read by every query); the scoring data is
-- co-located by bloc, people's records by person.
CREATE FUNCTION thidua.distribution_design()
	RETURNS TABLE (table_name text, placement text, distribution_column text, colocation text, reason text)
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT d.* FROM (VALUES
		('criteria_set', 'reference', NULL, NULL, 'criteria tables: read by every score'),
		('criteria_version', 'reference', NULL, NULL, 'criteria tables: read by every score'),
		('criteria_item', 'reference', NULL, NULL, 'criteria tables: read by every score'),
		('class_band', 'reference', NULL, NULL, 'criteria tables: read by every score'),
		('criteria_version_event', 'reference', NULL, NULL, 'history of the criteria versions'),
		('unit', 'reference', NULL, NULL, 'the unit tree: joined by standings, records and nominations'),
		('role_unit', 'reference', NULL, NULL, 'which units a login role acts for'),
		('period', 'reference', NULL, NULL, 'periods: their status guards every score'),
		('period_event', 'reference', NULL, NULL, 'history of the periods'),
		('bloc', 'reference', NULL, NULL, 'blocs and zones'),
		('bloc_period', 'reference', NULL, NULL, 'a bloc''s settings per period'),
		('bloc_member', 'reference', NULL, NULL, 'a bloc''s members per period'),
		('pact', 'reference', NULL, NULL, 'emulation pacts, one per member'),
		('recusal', 'reference', NULL, NULL, 'recusals, a few per bloc'),
		('veto', 'reference', NULL, NULL, 'vetoes, a few per bloc'),
		('adjustment', 'reference', NULL, NULL, 'appraisal adjustments, a few per bloc'),
		('not_applicable_marking', 'reference', NULL, NULL, 'criteria marked not applicable, a few per bloc'),
		('standing_revision', 'reference', NULL, NULL, 'published standings: read by everyone'),
		('standing_row', 'reference', NULL, NULL, 'published standings: read by everyone'),
		('award', 'reference', NULL, NULL, 'the award catalog'),
		('rulebook', 'reference', NULL, NULL, 'rulebooks'),
		('rulebook_version', 'reference', NULL, NULL, 'rulebook versions'),
		('rulebook_entry', 'reference', NULL, NULL, 'rulebook entries: read by every eligibility'),
		('rulebook_version_event', 'reference', NULL, NULL, 'history of the rulebook versions'),
		('unit_rating', 'reference', NULL, NULL, 'units'' yearly ratings: joined with the unit tree'),
		('unit_award', 'reference', NULL, NULL, 'units'' awards: joined with the unit tree'),
		('initiative', 'reference', NULL, NULL, 'initiatives: one may have authors on several nodes'),
		('initiative_author', 'reference', NULL, NULL, 'initiatives'' authors: one initiative, several people'),
		('nomination_transition', 'reference', NULL, NULL, 'the workflow''s state machine'),
		('nomination_round', 'reference', NULL, NULL, 'rounds: a few per year'),
		('round_award', 'reference', NULL, NULL, 'a round''s awards'),
		('nomination', 'reference', NULL, NULL, 'nominations: thousands a year, read with the round and council'),
		('nomination_achievement', 'reference', NULL, NULL, 'a nomination''s achievements'),
		('dossier_item', 'reference', NULL, NULL, 'a nomination''s dossier'),
		('nomination_event', 'reference', NULL, NULL, 'the workflow''s append-only log'),
		('disclosure_comment', 'reference', NULL, NULL, 'comments made while a nomination is disclosed'),
		('council_member', 'reference', NULL, NULL, 'a round''s council'),
		('quota_tie', 'reference', NULL, NULL, 'ties at a quota''s cut'),
		('vote_register', 'reference', NULL, NULL, 'who voted: one row per member and nomination'),
		('ballot', 'reference', NULL, NULL, 'the secret ballots, apart from the register'),
		('evaluation', 'distributed', 'bloc_code', 'bloc', 'scores: one bloc''s standings is a single-shard query'),
		('observation', 'distributed', 'bloc_code', 'bloc', 'scores: co-located with their evaluation'),
		('individual', 'distributed', 'person_code', 'person', 'people: eligibility runs on every node at once'),
		('membership', 'distributed', 'person_code', 'person', 'people''s records: co-located with the person'),
		('post_held', 'distributed', 'person_code', 'person', 'people''s records: co-located with the person'),
		('individual_rating', 'distributed', 'person_code', 'person', 'people''s records: co-located with the person'),
		('individual_award', 'distributed', 'person_code', 'person', 'people''s records: co-located with the person'),
		('discipline', 'distributed', 'person_code', 'person', 'people''s records: co-located with the person')
	) AS d (table_name, placement, distribution_column, colocation, reason)
$$;
COMMENT ON FUNCTION thidua.distribution_design() IS
	'where each thidua table lives on Citus: reference (copied to every node) or distributed by bloc_code (scores) or person_code (people''s records), with the reason';

-- The triggers distribute() drops because they read other tables; on Citus the
-- coordinator's functions make the same check (checked_by).
CREATE FUNCTION thidua.coordinator_checks()
	RETURNS TABLE (table_name text, trigger_name text, trigger_function text, checked_by text)
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT c.* FROM (VALUES
		('bloc_member', 'bloc_member_dependents', '_guard_member_dependents', 'remove_member refuses a member with scores'),
		('bloc_period', 'bloc_period_published_version', '_guard_bloc_period_version', 'set_bloc_settings takes published criteria versions only'),
		('criteria_version', 'criteria_version_history', '_record_version_event', 'the criteria lifecycle functions record the event'),
		('evaluation', 'evaluation_by_present_members', '_guard_departed_member', 'import_scores refuses a judge who had left'),
		('individual_award', 'individual_award_guard', '_guard_award_record', 'import_records and award check the award''s subject and dates'),
		('individual_award', 'individual_award_kind', '_award_kind_default', 'import_records and award fill the kind from the award catalog'),
		('initiative', 'initiative_used_by_author', '_guard_initiative_use', 'import_records and award check an initiative''s use by its authors'),
		('initiative_author', 'initiative_author_of_use', '_guard_initiative_use', 'import_records and award check an initiative''s use by its authors'),
		('not_applicable_marking', 'not_applicable_marking_checked_on_insert', '_check_not_applicable', 'no function writes it: on Citus only a superuser marks a criterion not applicable'),
		('not_applicable_marking', 'not_applicable_marking_checked_on_update', '_check_not_applicable', 'no function writes it: on Citus only a superuser marks a criterion not applicable'),
		('observation', 'observation_bloc', '_fill_observation_bloc', 'import_scores gives each observation its bloc'),
		('observation', 'observation_checked_on_insert', '_check_observations', 'import_scores checks every staged value by its criterion''s rule and the markings'),
		('observation', 'observation_checked_on_update', '_check_observations', 'import_scores checks every staged value by its criterion''s rule and the markings'),
		('observation', 'observation_open_period_on_delete', '_guard_closed_observation', 'import_scores refuses a closed period'),
		('observation', 'observation_open_period_on_update', '_guard_closed_observation', 'import_scores refuses a closed period'),
		('period', 'period_lifecycle', '_guard_period', 'open_period, close_period and reopen_period move the period'),
		('post_held', 'post_held_without_overlap', '_guard_post_overlap', 'import_people and import_records refuse overlapping posts'),
		('rulebook', 'rulebook_no_truncate', '_guard_rulebook_truncate', 'no role holds TRUNCATE'),
		('rulebook_entry', 'rulebook_entry_no_truncate', '_guard_rulebook_truncate', 'no role holds TRUNCATE'),
		('rulebook_version', 'rulebook_version_history', '_record_rulebook_event', 'the rulebook lifecycle functions record the event'),
		('rulebook_version', 'rulebook_version_no_truncate', '_guard_rulebook_truncate', 'no role holds TRUNCATE'),
		('standing_revision', 'standing_revision_has_rows', '_check_revision_has_rows', 'publish_standings writes a revision with its rows'),
		('unit', 'unit_tree_without_cycles', '_guard_unit_tree', 'import_units refuses a cycle'),
		('unit_award', 'unit_award_guard', '_guard_award_record', 'import_records and award check the award''s subject and dates'),
		('unit_award', 'unit_award_kind', '_award_kind_default', 'import_records and award fill the kind from the award catalog')
	) AS c (table_name, trigger_name, trigger_function, checked_by)
$$;
COMMENT ON FUNCTION thidua.coordinator_checks() IS
	'the triggers that read other tables, which thidua.distribute() drops on Citus, and the coordinator functions that make their check there';

-- Makes one node's thidua tables ready for Citus: no foreign keys (the
-- coordinator makes again those Citus allows), none of the triggers that read
-- other tables, policies without subqueries, unique keys that hold the
-- distribution column. Run on every node, so that the workers' copies of the
-- tables (made by CREATE EXTENSION there) match the coordinator's. Idempotent.
CREATE FUNCTION thidua._prepare_for_citus() RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	doomed record;
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname OPERATOR(pg_catalog.=) 'citus') THEN
		RAISE EXCEPTION 'thidua._prepare_for_citus() belongs to thidua.distribute(), on a Citus node'
			USING ERRCODE = 'feature_not_supported';
	END IF;
	FOR doomed IN SELECT c.conrelid::pg_catalog.regclass AS relation, c.conname
			FROM pg_catalog.pg_constraint c JOIN pg_catalog.pg_class r ON r.oid OPERATOR(pg_catalog.=) c.conrelid
			WHERE c.contype OPERATOR(pg_catalog.=) 'f'
			  AND r.relnamespace OPERATOR(pg_catalog.=) 'thidua'::pg_catalog.regnamespace LOOP
		EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', doomed.relation, doomed.conname);
	END LOOP;
	FOR doomed IN SELECT * FROM thidua.coordinator_checks() LOOP
		EXECUTE format('DROP TRIGGER IF EXISTS %I ON thidua.%I', doomed.trigger_name, doomed.table_name);
	END LOOP;
	-- Citus refuses subqueries in policies: the policies' helper functions are
	-- called per row instead of once per statement, and those that read other
	-- tables are replaced by their forms that read this node's placements
	-- (90_roles.sql, _policy_for_citus)
	FOR doomed IN SELECT p.tablename, p.policyname, p.qual, p.with_check
			FROM pg_catalog.pg_policies p WHERE p.schemaname OPERATOR(pg_catalog.=) 'thidua' LOOP
		IF doomed.qual OPERATOR(pg_catalog.~) 'EXISTS' THEN
			-- the one policy with a subquery of its own (an initiative's authors)
			doomed.qual := 'CASE WHEN thidua._is_admin() THEN true ELSE thidua._initiative_visible(initiative_code) END';
		END IF;
		EXECUTE format('ALTER POLICY %I ON thidua.%I%s%s', doomed.policyname, doomed.tablename,
			CASE WHEN doomed.qual IS NOT NULL
				 THEN ' USING (' OPERATOR(pg_catalog.||) thidua._policy_for_citus(doomed.qual) OPERATOR(pg_catalog.||) ')' ELSE '' END,
			CASE WHEN doomed.with_check IS NOT NULL
				 THEN ' WITH CHECK (' OPERATOR(pg_catalog.||) thidua._policy_for_citus(doomed.with_check) OPERATOR(pg_catalog.||) ')' ELSE '' END);
	END LOOP;
	ALTER TABLE thidua.individual_award DROP CONSTRAINT IF EXISTS individual_award_record_id_key;
	ALTER TABLE thidua.discipline DROP CONSTRAINT IF EXISTS discipline_record_id_key;
END
$$;
REVOKE ALL ON FUNCTION thidua._prepare_for_citus() FROM PUBLIC;

-- The one call on a Citus coordinator: every thidua table becomes a reference
-- or distributed table as distribution_design() says.
CREATE FUNCTION thidua.distribute()
	RETURNS TABLE (table_name text, placement text, distribution_column text, shards integer)
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	design record;
	foreign_key record;
	doomed record;
	is_coordinator boolean;
	coordinator_placed boolean;
	first_of jsonb := '{}';
	failures text[];
	messages text;
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname OPERATOR(pg_catalog.=) 'citus') THEN
		RAISE EXCEPTION 'thidua.distribute() needs the citus extension in this database'
			USING ERRCODE = 'feature_not_supported',
				  HINT = 'On the coordinator: CREATE EXTENSION citus; then add the workers (citus_add_node) and call thidua.distribute() again.';
	END IF;
	-- Reference tables need a placement on the coordinator: the workflow
	-- functions read them there, locally, inside their own statements.
	EXECUTE 'SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_node WHERE groupid OPERATOR(pg_catalog.=) 0)'
		INTO coordinator_placed;
	IF NOT coordinator_placed THEN
		RAISE EXCEPTION 'the coordinator is not in Citus''s metadata'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = 'thidua''s reference tables need a placement on the coordinator.',
				  HINT = 'SELECT citus_set_coordinator_host(''<this host>'', <this port>); then call thidua.distribute() again.';
	END IF;
	EXECUTE 'SELECT pg_catalog.citus_is_coordinator()' INTO is_coordinator;
	IF NOT is_coordinator THEN
		RAISE EXCEPTION 'thidua.distribute() runs on the Citus coordinator, not on a worker'
			USING ERRCODE = 'object_not_in_prerequisite_state';
	END IF;
	IF NOT (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) current_user) THEN
		RAISE EXCEPTION 'thidua.distribute() is for a superuser'
			USING ERRCODE = 'insufficient_privilege';
	END IF;
	IF thidua._distributed() THEN
		RAISE NOTICE 'thidua''s tables are distributed already';
		RETURN QUERY SELECT * FROM thidua._distribution_state();
		RETURN;
	END IF;
	IF EXISTS (SELECT 1 FROM thidua.distribution_design() d
			   WHERE to_regclass('thidua.' OPERATOR(pg_catalog.||) quote_ident(d.table_name)) IS NULL)
	   OR EXISTS (SELECT 1 FROM pg_catalog.pg_class c
			   WHERE c.relnamespace OPERATOR(pg_catalog.=) 'thidua'::pg_catalog.regnamespace
				 AND c.relkind OPERATOR(pg_catalog.=) 'r'
				 AND c.relname::text OPERATOR(pg_catalog.<>) ALL (SELECT d.table_name FROM thidua.distribution_design() d)) THEN
		RAISE EXCEPTION 'thidua''s tables and its distribution design differ'
			USING ERRCODE = 'internal_error';
	END IF;

	-- Foreign keys: dropped, then made again where Citus allows them (never
	-- from a reference table to a distributed one; the functions check those).
	CREATE TEMPORARY TABLE _thidua_foreign_keys ON COMMIT DROP AS
		SELECT c.conrelid::pg_catalog.regclass AS relation, c.conname::text AS name,
			pg_catalog.pg_get_constraintdef(c.oid) AS definition
		FROM pg_catalog.pg_constraint c
		JOIN pg_catalog.pg_class r ON r.oid OPERATOR(pg_catalog.=) c.conrelid
		WHERE c.contype OPERATOR(pg_catalog.=) 'f'
		  AND r.relnamespace OPERATOR(pg_catalog.=) 'thidua'::pg_catalog.regnamespace;
	-- every node alike: the workers hold thidua's tables too (CREATE EXTENSION
	-- ran there), and Citus keeps them as the shells of the Citus tables
	EXECUTE $run$SELECT pg_catalog.array_agg(r.nodename OPERATOR(pg_catalog.||) ':' OPERATOR(pg_catalog.||) r.nodeport
			OPERATOR(pg_catalog.||) ': ' OPERATOR(pg_catalog.||) r.result)
		FROM pg_catalog.run_command_on_workers('SELECT thidua._prepare_for_citus()') r WHERE NOT r.success$run$
		INTO failures;
	IF failures IS NOT NULL THEN
		RAISE EXCEPTION 'thidua could not be prepared on every worker'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = pg_catalog.array_to_string(failures, '; '),
				  HINT = 'Every worker needs the same thidua build installed (make install) and CREATE EXTENSION thidua, which Citus propagates.';
	END IF;
	PERFORM thidua._prepare_for_citus();

	-- (Citus's notices of each conversion, "truncate cascades to table" and
	-- the like, say nothing a DBA must act on)
	messages := current_setting('client_min_messages');
	PERFORM set_config('client_min_messages', 'warning', true);
	PERFORM set_config('citus.enable_unsafe_triggers', 'on', true);
	PERFORM set_config('citus.multi_shard_modify_mode', 'sequential', true);
	-- The rows already there are copied to the placements as they are: the
	-- guards kept on the placements would judge that copy as new writes.
	FOR design IN SELECT * FROM thidua.distribution_design() LOOP
		EXECUTE format('ALTER TABLE thidua.%I DISABLE TRIGGER USER', design.table_name);
	END LOOP;
	FOR design IN SELECT * FROM thidua.distribution_design() d ORDER BY d.placement DESC, d.colocation,
			d.table_name OPERATOR(pg_catalog.<>) ALL (ARRAY['evaluation', 'individual']), d.table_name LOOP
		IF design.placement OPERATOR(pg_catalog.=) 'reference' THEN
			EXECUTE 'SELECT pg_catalog.create_reference_table($1)'
				USING ('thidua.' OPERATOR(pg_catalog.||) quote_ident(design.table_name))::pg_catalog.regclass;
		ELSIF first_of OPERATOR(pg_catalog.?) design.colocation THEN
			EXECUTE 'SELECT pg_catalog.create_distributed_table($1, $2, colocate_with => $3)'
				USING ('thidua.' OPERATOR(pg_catalog.||) quote_ident(design.table_name))::pg_catalog.regclass,
					design.distribution_column, first_of OPERATOR(pg_catalog.->>) design.colocation;
		ELSE
			EXECUTE 'SELECT pg_catalog.create_distributed_table($1, $2, colocate_with => ''none'')'
				USING ('thidua.' OPERATOR(pg_catalog.||) quote_ident(design.table_name))::pg_catalog.regclass,
					design.distribution_column;
			first_of := first_of OPERATOR(pg_catalog.||)
				jsonb_build_object(design.colocation, 'thidua.' OPERATOR(pg_catalog.||) quote_ident(design.table_name));
		END IF;
	END LOOP;

	FOR foreign_key IN SELECT * FROM pg_temp._thidua_foreign_keys ORDER BY relation::text, name LOOP
		IF thidua._foreign_key_allowed(foreign_key.relation::text, foreign_key.definition) THEN
			EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I %s', foreign_key.relation, foreign_key.name,
				foreign_key.definition);
		END IF;
	END LOOP;

	FOR design IN SELECT * FROM thidua.distribution_design() LOOP
		EXECUTE format('ALTER TABLE thidua.%I ENABLE TRIGGER USER', design.table_name);
	END LOOP;

	-- the rows copied to the shards leave the shells (the tables on this node;
	-- their guards refuse TRUNCATE to anyone else)
	PERFORM set_config('session_replication_role', 'replica', true);
	FOR design IN SELECT * FROM thidua.distribution_design() LOOP
		EXECUTE 'SELECT pg_catalog.truncate_local_data_after_distributing_table($1)'
			USING ('thidua.' OPERATOR(pg_catalog.||) quote_ident(design.table_name))::pg_catalog.regclass;
	END LOOP;
	PERFORM set_config('session_replication_role', 'origin', true);

	-- Writes go through thidua's functions alone (they make the checks the
	-- dropped triggers made).
	PERFORM thidua._revoke_direct_writes();
	PERFORM set_config('client_min_messages', messages, true);
	RETURN QUERY SELECT * FROM thidua._distribution_state();
END
$$;
REVOKE ALL ON FUNCTION thidua.distribute() FROM PUBLIC;
COMMENT ON FUNCTION thidua.distribute() IS
	'on a Citus coordinator (CREATE EXTENSION citus, workers added, the coordinator in the metadata): makes thidua''s tables reference or distributed tables as distribution_design() says, moves the cross-table checks from triggers to the coordinator''s functions, and returns each table''s placement; superuser only; errors: feature_not_supported without Citus, object_not_in_prerequisite_state on a worker or without the coordinator in the metadata';

-- The placements as Citus has them now.
CREATE FUNCTION thidua._distribution_state()
	RETURNS TABLE (table_name text, placement text, distribution_column text, shards integer)
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	RETURN QUERY EXECUTE
		'SELECT d.table_name,
			CASE p.partmethod WHEN ''n'' THEN ''reference'' WHEN ''h'' THEN ''distributed'' ELSE ''local'' END,
			pg_catalog.column_to_column_name(p.logicalrelid, p.partkey),
			(SELECT pg_catalog.count(*)::integer FROM pg_catalog.pg_dist_shard s
			 WHERE s.logicalrelid OPERATOR(pg_catalog.=) p.logicalrelid)
		FROM thidua.distribution_design() d
		LEFT JOIN pg_catalog.pg_dist_partition p
			ON p.logicalrelid OPERATOR(pg_catalog.=) (''thidua.'' OPERATOR(pg_catalog.||) quote_ident(d.table_name))::pg_catalog.regclass
		ORDER BY 2, 1';
END
$$;

-- Whether the caller may see an initiative, on Citus: one of its authors is
-- visible, i.e. initiative_author's placement on this node has a row of it
-- under the caller's rights (its policy checks the author).
CREATE FUNCTION thidua._initiative_visible(initiative text) RETURNS boolean
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	found boolean;
BEGIN
	EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s ia WHERE ia.initiative_code OPERATOR(pg_catalog.=) $1)',
		thidua._local_relation('thidua.initiative_author')) INTO found USING initiative;
	RETURN found;
END
$$;

-- A policy expression with each "(SELECT f(...) AS f)" wrapper removed.
CREATE FUNCTION thidua._policy_without_subqueries(expression text) RETURNS text
	LANGUAGE sql IMMUTABLE STRICT
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT pg_catalog.regexp_replace(expression,
		'\(\s*SELECT\s+(thidua\.[a-z_]+\([^()]*(\([^()]*\)[^()]*)*\))\s+AS\s+[a-z_]+\)', '\1', 'g')
$$;

-- A policy expression as it runs on Citus: no subqueries, and the per-row
-- helpers that read other tables in their forms for a node (90_roles.sql);
-- an observation's evaluation is found by its bloc.
CREATE FUNCTION thidua._policy_for_citus(expression text) RETURNS text
	LANGUAGE sql IMMUTABLE STRICT
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT pg_catalog.regexp_replace(pg_catalog.regexp_replace(thidua._policy_without_subqueries(expression),
		'thidua\._(version_visible|rulebook_version_visible|nomination_visible|person_visible|sits_on_council_of)\(',
		'thidua._\1_on_node(', 'g'),
		'thidua\._evaluation_visible\(evaluation_id\)', 'thidua._evaluation_visible_on_node(bloc_code, evaluation_id)', 'g')
$$;

-- Whether Citus allows a foreign key: within reference tables, from a
-- distributed table to a reference table, or between co-located tables on the
-- distribution column.
CREATE FUNCTION thidua._foreign_key_allowed(relation text, definition text) RETURNS boolean
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	referenced text := (pg_catalog.regexp_match(definition, 'REFERENCES (thidua\.[a-z_]+)'))[1];
	from_design record;
	to_design record;
BEGIN
	SELECT * INTO from_design FROM thidua.distribution_design() d
		WHERE 'thidua.' OPERATOR(pg_catalog.||) d.table_name OPERATOR(pg_catalog.=) relation;
	SELECT * INTO to_design FROM thidua.distribution_design() d
		WHERE 'thidua.' OPERATOR(pg_catalog.||) d.table_name OPERATOR(pg_catalog.=) referenced;
	IF to_design.placement OPERATOR(pg_catalog.=) 'reference' THEN
		RETURN true;
	END IF;
	RETURN from_design.placement OPERATOR(pg_catalog.=) 'distributed'
		AND from_design.colocation OPERATOR(pg_catalog.=) to_design.colocation
		AND definition OPERATOR(pg_catalog.~) ('FOREIGN KEY \(' OPERATOR(pg_catalog.||) from_design.distribution_column
			OPERATOR(pg_catalog.||) '[,)]')
		AND definition OPERATOR(pg_catalog.~) ('REFERENCES thidua\.[a-z_]+\(' OPERATOR(pg_catalog.||) to_design.distribution_column
			OPERATOR(pg_catalog.||) '[,)]');
END
$$;

-- No thidua role keeps a direct write right on a Citus deployment; and the
-- workers grant thidua's functions as the coordinator does (create_roles runs
-- on the coordinator only, and Citus does not carry grants on an extension's
-- functions), since the policies call them in shard queries there.
CREATE FUNCTION thidua._revoke_direct_writes() RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	grantee text;
	grants text;
	failures text[];
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname OPERATOR(pg_catalog.=) 'citus') THEN
		RAISE EXCEPTION 'thidua._revoke_direct_writes() belongs to thidua.distribute(), on a Citus node'
			USING ERRCODE = 'feature_not_supported';
	END IF;
	FOR grantee IN SELECT r.rolname FROM pg_catalog.pg_roles r
			WHERE r.rolname OPERATOR(pg_catalog.=) ANY (ARRAY['thidua_admin', 'thidua_scorer', 'thidua_reader', 'thidua_council']) LOOP
		EXECUTE format('REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA thidua FROM %I', grantee);
	END LOOP;
	REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA thidua FROM PUBLIC;
	SELECT pg_catalog.string_agg(quote_ident(r.rolname), ', ' ORDER BY r.rolname) INTO grantee FROM pg_catalog.pg_roles r
		WHERE r.rolname OPERATOR(pg_catalog.=) ANY (ARRAY['thidua_admin', 'thidua_scorer', 'thidua_reader', 'thidua_council']);
	IF grantee IS NULL OR to_regproc('pg_catalog.run_command_on_workers') IS NULL THEN
		RETURN;
	END IF;
	SELECT pg_catalog.string_agg(format('GRANT EXECUTE ON FUNCTION %s TO %I;', p.oid::pg_catalog.regprocedure, r.rolname),
			' ' ORDER BY p.oid::pg_catalog.regprocedure::text, r.rolname)
		INTO grants
		FROM pg_catalog.pg_proc p
		CROSS JOIN LATERAL pg_catalog.aclexplode(p.proacl) a
		JOIN pg_catalog.pg_roles r ON r.oid OPERATOR(pg_catalog.=) a.grantee
		WHERE p.pronamespace OPERATOR(pg_catalog.=) 'thidua'::pg_catalog.regnamespace
		  AND r.rolname OPERATOR(pg_catalog.=) ANY (ARRAY['thidua_admin', 'thidua_scorer', 'thidua_reader', 'thidua_council']);
	EXECUTE $run$SELECT pg_catalog.array_agg(r.nodename OPERATOR(pg_catalog.||) ':' OPERATOR(pg_catalog.||) r.nodeport
			OPERATOR(pg_catalog.||) ': ' OPERATOR(pg_catalog.||) r.result)
		FROM pg_catalog.run_command_on_workers($1) r WHERE NOT r.success$run$
		INTO failures
		USING format('DO $grants$ BEGIN REVOKE ALL ON ALL FUNCTIONS IN SCHEMA thidua FROM %s; %s END $grants$',
			grantee, coalesce(grants, ''));
	IF failures IS NOT NULL THEN
		RAISE EXCEPTION 'thidua''s function grants could not be set on every worker'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = pg_catalog.array_to_string(failures, '; ');
	END IF;
END
$$;
REVOKE ALL ON FUNCTION thidua._revoke_direct_writes() FROM PUBLIC;
