-- thidua SQL source: roles, who may read and write what.
-- Holds every privilege of the extension in one place: the table role_unit (login
-- roles to units), the caller checks _is_admin() and _caller_units(), the row-level
-- security policies, the grants to PUBLIC, and create_roles(), which creates the
-- group roles thidua_admin, thidua_scorer, thidua_reader and thidua_council and
-- grants them their rights.
--
-- Roles belong to the cluster, not to a database, so CREATE EXTENSION creates
-- none (DROP EXTENSION must leave nothing behind): a superuser calls
-- thidua.create_roles() once after CREATE EXTENSION, and again after an update.
-- Policies therefore name no role: they apply to PUBLIC and ask, row by row, what
-- the current role may do. Superusers (the extension's owner included) bypass them;
-- RLS is not FORCEd, so functions owned by the extension (SECURITY DEFINER) see
-- every row, as publishing standings must.

-- Which units a login (or group) role acts for: its unit's self-assessment and the
-- peer scores its unit gives. A role acts for a unit when it is, or inherits, a
-- role mapped to it. Role names, not OIDs, so that dumps restore.
CREATE TABLE thidua.role_unit (
	role_name text NOT NULL CHECK (role_name <> ''),
	unit_code text NOT NULL REFERENCES thidua.unit ON DELETE CASCADE,
	PRIMARY KEY (role_name, unit_code)
);
COMMENT ON TABLE thidua.role_unit IS
	'maps database roles to the units they act for (scores, personal data); managed by thidua_admin';
SELECT pg_catalog.pg_extension_config_dump('thidua.role_unit', '');

-- The current role administers thidua (a superuser always does). Invoker rights:
-- current_user is the caller here, in policies, and in every SECURITY INVOKER
-- function; inside a SECURITY DEFINER function it is the owner.
CREATE FUNCTION thidua._is_admin() RETURNS boolean
	LANGUAGE sql STABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT coalesce((SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) current_user), false)
		OR coalesce((SELECT pg_catalog.pg_has_role(current_user, r.oid, 'USAGE') FROM pg_catalog.pg_roles r
					 WHERE r.rolname OPERATOR(pg_catalog.=) 'thidua_admin'), false)
$$;
COMMENT ON FUNCTION thidua._is_admin() IS 'whether the current role is a superuser or has the rights of thidua_admin';

-- The units the current role acts for, through thidua.role_unit (names of
-- roles that no longer exist match nobody). Dynamic SQL on role_unit's local
-- relation: on Citus the policies call it per row inside shard queries, where
-- naming a Citus table would be a nested distributed query.
CREATE FUNCTION thidua._caller_units() RETURNS text[]
	LANGUAGE plpgsql STABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	units text[];
BEGIN
	EXECUTE format('SELECT coalesce(pg_catalog.array_agg(DISTINCT m.unit_code ORDER BY m.unit_code), ''{}'')
		FROM %s m JOIN pg_catalog.pg_roles r ON r.rolname OPERATOR(pg_catalog.=) m.role_name
		WHERE pg_catalog.pg_has_role(current_user, r.oid, ''USAGE'')', thidua._local_relation('thidua.role_unit'))
		INTO units;
	RETURN units;
END
$$;
COMMENT ON FUNCTION thidua._caller_units() IS 'the units the current role acts for (thidua.role_unit, inherited roles included)';

-- Who the caller acts as, inside a SECURITY DEFINER function too (where
-- current_user is the owner): the role of SET ROLE when one is set, else the
-- login role (session_user). Never a role the session could not act as
-- (SET ROLE checks membership; a definer cannot SET ROLE), and never more than
-- it: a pool logged in as a superuser that SET ROLEs a clerk stays a clerk.
CREATE FUNCTION thidua._acting_role() RETURNS text
	LANGUAGE sql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT CASE WHEN pg_catalog.current_setting('role') OPERATOR(pg_catalog.=) 'none' THEN session_user::text
				ELSE pg_catalog.current_setting('role') END
$$;
COMMENT ON FUNCTION thidua._acting_role() IS
	'the role the caller acts as, unchanged inside SECURITY DEFINER functions: the role set by SET ROLE, else the login role (session_user)';

-- _is_admin() for a named role (a role that does not exist administers nothing).
CREATE FUNCTION thidua._role_is_admin(member text) RETURNS boolean
	LANGUAGE sql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT coalesce((SELECT r.rolsuper OR pg_catalog.pg_has_role(r.oid, a.oid, 'USAGE')
					 FROM pg_catalog.pg_roles r LEFT JOIN pg_catalog.pg_roles a ON a.rolname OPERATOR(pg_catalog.=) 'thidua_admin'
					 WHERE r.rolname OPERATOR(pg_catalog.=) member), false)
$$;
COMMENT ON FUNCTION thidua._role_is_admin(text) IS 'whether the role is a superuser or has the rights of thidua_admin';

-- Whether the caller may see a row of another table, under that table's own
-- policies: the policies below call these rather than hold a subquery, whose
-- cost the planner would charge to every rescan of an administrator's join.
CREATE FUNCTION thidua._version_visible(version text) RETURNS boolean
	LANGUAGE sql STABLE PARALLEL SAFE COST 10
	SET search_path = pg_catalog, pg_temp
	AS $$ SELECT EXISTS (SELECT 1 FROM thidua.criteria_version v WHERE v.version_code OPERATOR(pg_catalog.=) version) $$;
CREATE FUNCTION thidua._evaluation_visible(evaluation bigint) RETURNS boolean
	LANGUAGE sql STABLE PARALLEL SAFE COST 10
	SET search_path = pg_catalog, pg_temp
	AS $$ SELECT EXISTS (SELECT 1 FROM thidua.evaluation e WHERE e.evaluation_id OPERATOR(pg_catalog.=) evaluation) $$;
CREATE FUNCTION thidua._person_visible(person text) RETURNS boolean
	LANGUAGE sql STABLE PARALLEL SAFE COST 10
	SET search_path = pg_catalog, pg_temp
	AS $$ SELECT EXISTS (SELECT 1 FROM thidua.membership m WHERE m.person_code OPERATOR(pg_catalog.=) person
		AND (m.valid_to IS NULL OR m.valid_to OPERATOR(pg_catalog.>) current_date)) $$;

-- Row-level security: one policy per table, whose CASE asks first whether the
-- caller is an administrator. The caller checks are scalar subqueries, run once
-- per statement; the CASE spares administrators the per-row check (two ORed
-- policies would not: either side may be evaluated first).

-- Criteria: published and retired versions are public documents; drafts are
-- the administrators' work in progress.
ALTER TABLE thidua.criteria_version ENABLE ROW LEVEL SECURITY;
CREATE POLICY criteria_version_access ON thidua.criteria_version
	USING (CASE WHEN (SELECT thidua._is_admin()) THEN true ELSE status OPERATOR(pg_catalog.<>) 'draft' END)
	WITH CHECK ((SELECT thidua._is_admin()));
ALTER TABLE thidua.criteria_item ENABLE ROW LEVEL SECURITY;
CREATE POLICY criteria_item_access ON thidua.criteria_item
	USING (CASE WHEN (SELECT thidua._is_admin()) THEN true
				ELSE thidua._version_visible(version_code) END)
	WITH CHECK ((SELECT thidua._is_admin()));
ALTER TABLE thidua.class_band ENABLE ROW LEVEL SECURITY;
CREATE POLICY class_band_access ON thidua.class_band
	USING (CASE WHEN (SELECT thidua._is_admin()) THEN true
				ELSE thidua._version_visible(version_code) END)
	WITH CHECK ((SELECT thidua._is_admin()));
ALTER TABLE thidua.criteria_version_event ENABLE ROW LEVEL SECURITY;
CREATE POLICY criteria_version_event_access ON thidua.criteria_version_event FOR SELECT
	USING (CASE WHEN (SELECT thidua._is_admin()) THEN true
				ELSE thidua._version_visible(version_code) END);

-- Rulebooks (44-46): as criteria, published and retired versions are public
-- documents; drafts are the administrators' work in progress.
CREATE FUNCTION thidua._rulebook_version_visible(version text) RETURNS boolean
	LANGUAGE sql STABLE PARALLEL SAFE COST 10
	SET search_path = pg_catalog, pg_temp
	AS $$ SELECT EXISTS (SELECT 1 FROM thidua.rulebook_version v WHERE v.version_code OPERATOR(pg_catalog.=) version) $$;
COMMENT ON FUNCTION thidua._rulebook_version_visible(text) IS
	'whether the caller may see the rulebook version (its row-level security), for the policies of its entries and history';
ALTER TABLE thidua.rulebook_version ENABLE ROW LEVEL SECURITY;
CREATE POLICY rulebook_version_access ON thidua.rulebook_version
	USING (CASE WHEN (SELECT thidua._is_admin()) THEN true ELSE status OPERATOR(pg_catalog.<>) 'draft' END)
	WITH CHECK ((SELECT thidua._is_admin()));
ALTER TABLE thidua.rulebook_entry ENABLE ROW LEVEL SECURITY;
CREATE POLICY rulebook_entry_access ON thidua.rulebook_entry
	USING (CASE WHEN (SELECT thidua._is_admin()) THEN true
				ELSE thidua._rulebook_version_visible(version_code) END)
	WITH CHECK ((SELECT thidua._is_admin()));
ALTER TABLE thidua.rulebook_version_event ENABLE ROW LEVEL SECURITY;
CREATE POLICY rulebook_version_event_access ON thidua.rulebook_version_event FOR SELECT
	USING (CASE WHEN (SELECT thidua._is_admin()) THEN true
				ELSE thidua._rulebook_version_visible(version_code) END);

-- Scores: a scorer sees and writes the evaluations its units give (judge_code is
-- the unit itself for a self-assessment, the judging member for a peer score),
-- and files them in its own name; an observation goes with its evaluation.
ALTER TABLE thidua.evaluation ENABLE ROW LEVEL SECURITY;
CREATE POLICY evaluation_access ON thidua.evaluation
	USING (CASE WHEN (SELECT thidua._is_admin()) THEN true
				ELSE judge_code OPERATOR(pg_catalog.=) ANY ((SELECT thidua._caller_units())::text[]) END)
	WITH CHECK (CASE WHEN (SELECT thidua._is_admin()) THEN true
					 ELSE judge_code OPERATOR(pg_catalog.=) ANY ((SELECT thidua._caller_units())::text[])
						  AND created_by OPERATOR(pg_catalog.=) session_user::text END);
ALTER TABLE thidua.observation ENABLE ROW LEVEL SECURITY;
CREATE POLICY observation_access ON thidua.observation
	USING (CASE WHEN (SELECT thidua._is_admin()) THEN true
				ELSE thidua._evaluation_visible(evaluation_id) END)
	WITH CHECK (CASE WHEN (SELECT thidua._is_admin()) THEN true
					 ELSE thidua._evaluation_visible(evaluation_id) END);

-- Personal data: administrators, and the roles acting for the person's own unit.
ALTER TABLE thidua.membership ENABLE ROW LEVEL SECURITY;
CREATE POLICY membership_access ON thidua.membership
	USING (CASE WHEN (SELECT thidua._is_admin()) THEN true
				ELSE unit_code OPERATOR(pg_catalog.=) ANY ((SELECT thidua._caller_units())::text[]) END)
	WITH CHECK ((SELECT thidua._is_admin()));
ALTER TABLE thidua.individual ENABLE ROW LEVEL SECURITY;
CREATE POLICY individual_access ON thidua.individual
	USING (CASE WHEN (SELECT thidua._is_admin()) THEN true
				ELSE thidua._person_visible(person_code) END)
	WITH CHECK ((SELECT thidua._is_admin()));
ALTER TABLE thidua.post_held ENABLE ROW LEVEL SECURITY;
CREATE POLICY post_held_access ON thidua.post_held
	USING (CASE WHEN (SELECT thidua._is_admin()) THEN true
				ELSE unit_code OPERATOR(pg_catalog.=) ANY ((SELECT thidua._caller_units())::text[]) END)
	WITH CHECK ((SELECT thidua._is_admin()));

-- People's records (37_records.sql): as their persons; units' records: as the units.
ALTER TABLE thidua.individual_rating ENABLE ROW LEVEL SECURITY;
CREATE POLICY individual_rating_access ON thidua.individual_rating
	USING (CASE WHEN (SELECT thidua._is_admin()) THEN true
				ELSE thidua._person_visible(person_code) END)
	WITH CHECK ((SELECT thidua._is_admin()));
ALTER TABLE thidua.individual_award ENABLE ROW LEVEL SECURITY;
CREATE POLICY individual_award_access ON thidua.individual_award
	USING (CASE WHEN (SELECT thidua._is_admin()) THEN true
				ELSE thidua._person_visible(person_code) END)
	WITH CHECK ((SELECT thidua._is_admin()));
ALTER TABLE thidua.discipline ENABLE ROW LEVEL SECURITY;
CREATE POLICY discipline_access ON thidua.discipline
	USING (CASE WHEN (SELECT thidua._is_admin()) THEN true
				ELSE thidua._person_visible(person_code) END)
	WITH CHECK ((SELECT thidua._is_admin()));
ALTER TABLE thidua.initiative_author ENABLE ROW LEVEL SECURITY;
CREATE POLICY initiative_author_access ON thidua.initiative_author
	USING (CASE WHEN (SELECT thidua._is_admin()) THEN true
				ELSE thidua._person_visible(person_code) END)
	WITH CHECK ((SELECT thidua._is_admin()));
-- an initiative: as one of its authors
ALTER TABLE thidua.initiative ENABLE ROW LEVEL SECURITY;
CREATE POLICY initiative_access ON thidua.initiative
	USING (CASE WHEN (SELECT thidua._is_admin()) THEN true
				ELSE EXISTS (SELECT 1 FROM thidua.initiative_author ia
							 WHERE ia.initiative_code OPERATOR(pg_catalog.=) initiative.initiative_code
							   AND thidua._person_visible(ia.person_code)) END)
	WITH CHECK ((SELECT thidua._is_admin()));
ALTER TABLE thidua.unit_rating ENABLE ROW LEVEL SECURITY;
CREATE POLICY unit_rating_access ON thidua.unit_rating
	USING (CASE WHEN (SELECT thidua._is_admin()) THEN true
				ELSE unit_code OPERATOR(pg_catalog.=) ANY ((SELECT thidua._caller_units())::text[]) END)
	WITH CHECK ((SELECT thidua._is_admin()));
ALTER TABLE thidua.unit_award ENABLE ROW LEVEL SECURITY;
CREATE POLICY unit_award_access ON thidua.unit_award
	USING (CASE WHEN (SELECT thidua._is_admin()) THEN true
				ELSE unit_code OPERATOR(pg_catalog.=) ANY ((SELECT thidua._caller_units())::text[]) END)
	WITH CHECK ((SELECT thidua._is_admin()));

-- Nominations (60, 61): administrators all; a scorer the nominations its units
-- propose; a council member the nominations of the rounds it sits on, once
-- checked; everyone granted the tables the decided, awarded and revoked ones
-- (public decisions). Their achievements, dossier, events and comments go with
-- the nomination. Nobody writes these tables but the workflow functions.
CREATE FUNCTION thidua._council_rounds(member text) RETURNS text[]
	LANGUAGE plpgsql STABLE SECURITY DEFINER PARALLEL SAFE COST 10
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	rounds text[];
BEGIN
	-- council_member's local relation: on Citus this runs per row on the node
	-- of a shard query (see _caller_units)
	EXECUTE format('SELECT coalesce(pg_catalog.array_agg(c.round_code ORDER BY c.round_code), ''{}'') FROM %s c
		WHERE c.role_name OPERATOR(pg_catalog.=) $1', thidua._local_relation('thidua.council_member'))
		INTO rounds USING member;
	RETURN rounds;
END
$$;
COMMENT ON FUNCTION thidua._council_rounds(text) IS
	'the rounds whose council the role sits on (council_member), for the policies (definer: council_member''s own policy asks it)';
-- the units a role acts for, as _caller_units(), for the readers and councils
-- the nominations' policies also serve, who do not read role_unit themselves
CREATE FUNCTION thidua._units_of(member text) RETURNS text[]
	LANGUAGE plpgsql STABLE SECURITY DEFINER PARALLEL SAFE COST 10
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	units text[];
BEGIN
	EXECUTE format('SELECT coalesce(pg_catalog.array_agg(DISTINCT m.unit_code ORDER BY m.unit_code), ''{}'')
		FROM %s m JOIN pg_catalog.pg_roles r ON r.rolname OPERATOR(pg_catalog.=) m.role_name
		WHERE pg_catalog.pg_has_role($1, r.oid, ''USAGE'')', thidua._local_relation('thidua.role_unit'))
		INTO units USING member;
	RETURN units;
END
$$;
COMMENT ON FUNCTION thidua._units_of(text) IS
	'the units the role acts for (thidua.role_unit, inherited roles included), for the nominations'' policies';
CREATE FUNCTION thidua._nomination_visible(nomination bigint) RETURNS boolean
	LANGUAGE sql STABLE PARALLEL SAFE COST 10
	SET search_path = pg_catalog, pg_temp
	AS $$ SELECT EXISTS (SELECT 1 FROM thidua.nomination n WHERE n.nomination_id OPERATOR(pg_catalog.=) nomination) $$;
COMMENT ON FUNCTION thidua._nomination_visible(bigint) IS
	'whether the caller may see the nomination (its row-level security), for the policies of its achievements, dossier, events and comments';
ALTER TABLE thidua.nomination ENABLE ROW LEVEL SECURITY;
CREATE POLICY nomination_access ON thidua.nomination FOR SELECT
	USING (CASE WHEN (SELECT thidua._is_admin()) THEN true
				ELSE proposing_unit OPERATOR(pg_catalog.=) ANY ((SELECT thidua._units_of(current_user::text))::text[])
					 OR (checked_on IS NOT NULL
						 AND round_code OPERATOR(pg_catalog.=) ANY ((SELECT thidua._council_rounds(current_user::text))::text[]))
					 OR state IN ('decided', 'awarded', 'revoked') END);
ALTER TABLE thidua.nomination_achievement ENABLE ROW LEVEL SECURITY;
CREATE POLICY nomination_achievement_access ON thidua.nomination_achievement FOR SELECT
	USING (CASE WHEN (SELECT thidua._is_admin()) THEN true ELSE thidua._nomination_visible(nomination_id) END);
ALTER TABLE thidua.dossier_item ENABLE ROW LEVEL SECURITY;
CREATE POLICY dossier_item_access ON thidua.dossier_item FOR SELECT
	USING (CASE WHEN (SELECT thidua._is_admin()) THEN true ELSE thidua._nomination_visible(nomination_id) END);
ALTER TABLE thidua.nomination_event ENABLE ROW LEVEL SECURITY;
CREATE POLICY nomination_event_access ON thidua.nomination_event FOR SELECT
	USING (CASE WHEN (SELECT thidua._is_admin()) THEN true ELSE thidua._nomination_visible(nomination_id) END);
ALTER TABLE thidua.disclosure_comment ENABLE ROW LEVEL SECURITY;
CREATE POLICY disclosure_comment_access ON thidua.disclosure_comment FOR SELECT
	USING (CASE WHEN (SELECT thidua._is_admin()) THEN true ELSE thidua._nomination_visible(nomination_id) END);
-- a council: its own rounds' members and ties
ALTER TABLE thidua.council_member ENABLE ROW LEVEL SECURITY;
CREATE POLICY council_member_access ON thidua.council_member FOR SELECT
	USING (CASE WHEN (SELECT thidua._is_admin()) THEN true
				ELSE round_code OPERATOR(pg_catalog.=) ANY ((SELECT thidua._council_rounds(current_user::text))::text[]) END);
ALTER TABLE thidua.quota_tie ENABLE ROW LEVEL SECURITY;
CREATE POLICY quota_tie_access ON thidua.quota_tie FOR SELECT
	USING (CASE WHEN (SELECT thidua._is_admin()) THEN true
				ELSE round_code OPERATOR(pg_catalog.=) ANY ((SELECT thidua._council_rounds(current_user::text))::text[]) END);

-- On Citus (70_distribution.sql): a policy runs on the node of each shard
-- query, where a helper that names a Citus table would start a nested
-- distributed query, which Citus refuses. distribute() therefore rewrites the
-- policies to call the helpers below in place of the per-row ones above: they
-- read a reference table's placement on this node, or the shard of a
-- distributed table co-located with the row (the same bloc, the same person),
-- under the caller's rights, so that each table's own policy still applies.
-- On one server the policies keep the helpers above (static SQL).

-- The shard of a distributed table that holds a distribution value, when it is
-- on this node (NULL when it is on another); the table itself off Citus.
CREATE FUNCTION thidua._colocated_shard(relation regclass, value text) RETURNS regclass
	LANGUAGE plpgsql STABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	shard regclass;
BEGIN
	IF to_regclass('pg_catalog.pg_dist_partition') IS NULL THEN
		RETURN relation;
	END IF;
	-- (get_shard_id_for_distribution_column would ask for SELECT on the table
	-- itself, which the workers do not grant: the shard's range of hashes instead)
	EXECUTE 'SELECT pg_catalog.to_regclass(pg_catalog.shard_name(s.logicalrelid, s.shardid))
		FROM pg_catalog.pg_dist_shard s
		WHERE s.logicalrelid OPERATOR(pg_catalog.=) $1
		  AND pg_catalog.worker_hash($2) OPERATOR(pg_catalog.>=) s.shardminvalue::integer
		  AND pg_catalog.worker_hash($2) OPERATOR(pg_catalog.<=) s.shardmaxvalue::integer'
		INTO shard USING relation, value;
	RETURN shard;
END
$$;
COMMENT ON FUNCTION thidua._colocated_shard(regclass, text) IS
	'the shard of a distributed table holding the distribution value when it is on this node (NULL otherwise); the table itself off Citus';

CREATE FUNCTION thidua._version_visible_on_node(version text) RETURNS boolean
	LANGUAGE plpgsql STABLE PARALLEL SAFE COST 100
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	found boolean;
BEGIN
	EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s v WHERE v.version_code OPERATOR(pg_catalog.=) $1)',
		thidua._local_relation('thidua.criteria_version')) INTO found USING version;
	RETURN found;
END
$$;
COMMENT ON FUNCTION thidua._version_visible_on_node(text) IS
	'_version_visible on a Citus node: criteria_version''s placement here, under its policy';

CREATE FUNCTION thidua._rulebook_version_visible_on_node(version text) RETURNS boolean
	LANGUAGE plpgsql STABLE PARALLEL SAFE COST 100
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	found boolean;
BEGIN
	EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s v WHERE v.version_code OPERATOR(pg_catalog.=) $1)',
		thidua._local_relation('thidua.rulebook_version')) INTO found USING version;
	RETURN found;
END
$$;
COMMENT ON FUNCTION thidua._rulebook_version_visible_on_node(text) IS
	'_rulebook_version_visible on a Citus node: rulebook_version''s placement here, under its policy';

CREATE FUNCTION thidua._nomination_visible_on_node(nomination bigint) RETURNS boolean
	LANGUAGE plpgsql STABLE PARALLEL SAFE COST 100
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	found boolean;
BEGIN
	EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s n WHERE n.nomination_id OPERATOR(pg_catalog.=) $1)',
		thidua._local_relation('thidua.nomination')) INTO found USING nomination;
	RETURN found;
END
$$;
COMMENT ON FUNCTION thidua._nomination_visible_on_node(bigint) IS
	'_nomination_visible on a Citus node: nomination''s placement here, under its policy';

-- (definer, as _sits_on_council_of: a council member does not read council_member of other rounds)
CREATE FUNCTION thidua._sits_on_council_of_on_node(nomination bigint) RETURNS boolean
	LANGUAGE plpgsql STABLE SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	found boolean;
BEGIN
	EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s n JOIN %s m ON m.round_code OPERATOR(pg_catalog.=) n.round_code
		WHERE n.nomination_id OPERATOR(pg_catalog.=) $1 AND m.role_name OPERATOR(pg_catalog.=) session_user)',
		thidua._local_relation('thidua.nomination'), thidua._local_relation('thidua.council_member'))
		INTO found USING nomination;
	RETURN found;
END
$$;
COMMENT ON FUNCTION thidua._sits_on_council_of_on_node(bigint) IS
	'_sits_on_council_of on a Citus node: the placements of nomination and council_member here';

-- An observation's evaluation is in the evaluation shard of the same bloc,
-- on the node running the observation's shard query (co-located by bloc).
CREATE FUNCTION thidua._evaluation_visible_on_node(bloc text, evaluation bigint) RETURNS boolean
	LANGUAGE plpgsql STABLE PARALLEL SAFE COST 100
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	shard regclass := thidua._colocated_shard('thidua.evaluation', bloc);
	found boolean;
BEGIN
	IF shard IS NULL THEN
		RAISE EXCEPTION 'the evaluations of bloc "%" are not on this node', bloc
			USING ERRCODE = 'internal_error',
				  DETAIL = 'An observation''s policy reads its evaluation in the co-located shard of the same bloc.',
				  HINT = 'Keep thidua.evaluation and thidua.observation co-located (thidua.distribute() does).';
	END IF;
	EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s e WHERE e.bloc_code OPERATOR(pg_catalog.=) $1
		AND e.evaluation_id OPERATOR(pg_catalog.=) $2)', shard) INTO found USING bloc, evaluation;
	RETURN found;
END
$$;
COMMENT ON FUNCTION thidua._evaluation_visible_on_node(text, bigint) IS
	'_evaluation_visible on a Citus node: the co-located evaluation shard of the bloc, under its policy';

-- A person's memberships are in the membership shard of the same person: on
-- this node for the person's own records (co-located by person). Reference
-- tables (initiative_author) are read on the coordinator, which holds no
-- shard: there the check is a distributed query of its own (a router query
-- on one person), which Citus allows nested on the coordinator only.
CREATE FUNCTION thidua._person_visible_on_node(person text) RETURNS boolean
	LANGUAGE plpgsql STABLE COST 100
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	shard regclass := thidua._colocated_shard('thidua.membership', person);
	found boolean;
BEGIN
	IF shard IS NULL THEN
		RETURN thidua._person_visible_from_coordinator(person);
	END IF;
	EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s m WHERE m.person_code OPERATOR(pg_catalog.=) $1
		AND (m.valid_to IS NULL OR m.valid_to OPERATOR(pg_catalog.>) current_date))', shard) INTO found USING person;
	RETURN found;
END
$$;
COMMENT ON FUNCTION thidua._person_visible_on_node(text) IS
	'_person_visible on a Citus node: the co-located membership shard of the person, under its policy (on the coordinator, a query of thidua.membership)';

CREATE FUNCTION thidua._person_visible_from_coordinator(person text) RETURNS boolean
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	SET citus.allow_nested_distributed_execution = on
	AS $$
DECLARE
	on_coordinator boolean;
	found boolean;
BEGIN
	-- nested only where this transaction's own connections serve it: a worker
	-- would open connections outside the distributed transaction
	EXECUTE 'SELECT pg_catalog.citus_is_coordinator()' INTO on_coordinator;
	IF NOT on_coordinator THEN
		RAISE EXCEPTION 'the memberships of person "%" are not on this node', person
			USING ERRCODE = 'feature_not_supported',
				  DETAIL = 'A reference table''s policy checks the person''s membership, which is co-located with the person''s records only.',
				  HINT = 'Query the table from the coordinator, apart from the people''s records.';
	END IF;
	EXECUTE 'SELECT EXISTS (SELECT 1 FROM thidua.membership m WHERE m.person_code OPERATOR(pg_catalog.=) $1
		AND (m.valid_to IS NULL OR m.valid_to OPERATOR(pg_catalog.>) current_date))' INTO found USING person;
	RETURN found;
END
$$;
COMMENT ON FUNCTION thidua._person_visible_from_coordinator(text) IS
	'_person_visible on the Citus coordinator, for reference tables'' policies: thidua.membership read by a (nested) router query';

-- Views read with the rights (and row-level security) of whoever queries them.
ALTER VIEW thidua.criteria_versions SET (security_invoker = true);
ALTER VIEW thidua.current_standings SET (security_invoker = true);
ALTER VIEW thidua.published_standings SET (security_invoker = true);
ALTER VIEW thidua.rulebook_versions SET (security_invoker = true);
ALTER VIEW thidua.nomination_duplicates SET (security_invoker = true);

-- What PUBLIC keeps. Criteria tables are public documents (công khai), and the
-- scoring functions compile a version by reading them with the caller's rights,
-- so that anyone may score their own data with thidua.score (drafts stay hidden
-- by the policies above). Nothing else is readable without a thidua role.
REVOKE ALL ON thidua.criteria_set, thidua.criteria_version, thidua.criteria_item, thidua.class_band,
	thidua.criteria_version_event, thidua.criteria_versions FROM PUBLIC;
GRANT SELECT ON thidua.criteria_set, thidua.criteria_version, thidua.criteria_item, thidua.class_band,
	thidua.criteria_version_event, thidua.criteria_versions TO PUBLIC;
-- The award catalog and published rulebooks are public documents like criteria tables.
REVOKE ALL ON thidua.award, thidua.rulebook, thidua.rulebook_version, thidua.rulebook_entry,
	thidua.rulebook_version_event FROM PUBLIC;
GRANT SELECT ON thidua.award, thidua.rulebook, thidua.rulebook_version, thidua.rulebook_entry,
	thidua.rulebook_version_event TO PUBLIC;
REVOKE ALL ON thidua.rulebook_versions FROM PUBLIC;
GRANT SELECT ON thidua.rulebook_versions TO PUBLIC;
-- Writing rulebooks: administrators (create_roles); reading them stays public.
REVOKE EXECUTE ON FUNCTION thidua.import_rulebook(jsonb, boolean), thidua.publish_rulebook(text, text),
	thidua.retire_rulebook(text, text), thidua.clone_rulebook(text, text), thidua.delete_rulebook_draft(text) FROM PUBLIC;
-- The rulebook guards and history writer that run with the owner's rights are triggers only.
REVOKE EXECUTE ON FUNCTION thidua._guard_rulebook_entry(), thidua._guard_rulebook(), thidua._guard_rulebook_truncate(),
	thidua._record_rulebook_event() FROM PUBLIC;
REVOKE ALL ON thidua.individual_rating, thidua.unit_rating, thidua.individual_award, thidua.unit_award,
	thidua.initiative, thidua.initiative_author, thidua.discipline FROM PUBLIC;
-- Nominations and the council (60-63): written through the workflow functions only.
REVOKE ALL ON thidua.nomination_round, thidua.round_award, thidua.nomination, thidua.nomination_achievement,
	thidua.dossier_item, thidua.nomination_transition, thidua.nomination_event, thidua.disclosure_comment,
	thidua.council_member, thidua.quota_tie FROM PUBLIC;
GRANT SELECT ON thidua.nomination_transition TO PUBLIC;
REVOKE EXECUTE ON FUNCTION thidua._actor(), thidua._actor_has(text), thidua._actor_is_admin(), thidua._actor_units(),
	thidua._transition(bigint, text, text, jsonb) FROM PUBLIC;
REVOKE ALL ON thidua.nomination_duplicates, thidua.award_registry FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION thidua._council_rounds(text), thidua._units_of(text), thidua._step(bigint, text), thidua._editable(bigint, text),
	thidua._note_event(thidua.nomination, text, text, jsonb), thidua._set_achievements(thidua.nomination, text[]),
	thidua._refuse_excluded(text, date, text), thidua._round_entry(text, text), thidua._guard_nomination_event(),
	thidua.create_round(text, text, integer, text, text, date, text[], text, date),
	thidua.nominate(text, text, text, text, text, jsonb, text[], text), thidua.update_nomination(bigint, text, jsonb, text[], text),
	thidua.set_dossier_item(bigint, text, boolean, text), thidua.submit(bigint, text), thidua.return_nomination(bigint, text),
	thidua.resubmit(bigint, text), thidua.check(bigint, text), thidua.disclose(bigint, date),
	thidua.comment(bigint, date, text, text), thidua.withdraw(bigint, text), thidua.decide(bigint, text, date, text),
	thidua.award(bigint), thidua.revoke(bigint, date, text, text), thidua.award_statistics(integer, integer, text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION thidua._public_nominee_name(bigint), thidua.nominee_name(bigint) FROM PUBLIC;
-- The council's vote (62, 63): the register is read by administrators and by
-- the round's council members; the ballots by nobody (row-level security
-- without a policy hides them even from a role granted SELECT by mistake).
REVOKE ALL ON thidua.vote_register, thidua.ballot FROM PUBLIC;
ALTER TABLE thidua.vote_register ENABLE ROW LEVEL SECURITY;
CREATE POLICY vote_register_access ON thidua.vote_register FOR SELECT
	USING (CASE WHEN (SELECT thidua._is_admin()) THEN true ELSE thidua._sits_on_council_of(nomination_id) END);
ALTER TABLE thidua.ballot ENABLE ROW LEVEL SECURITY;
REVOKE EXECUTE ON FUNCTION thidua.set_council(text, jsonb), thidua.add_council_member(text, text, text, text, text, text),
	thidua.remove_council_member(text, text), thidua.open_vote(text), thidua.vote(bigint, text),
	thidua.vote_written(bigint, text, text), thidua.close_vote(text), thidua.tally(text), thidua.approve_round(text, text),
	thidua.resolve_tie(text, text, text, bigint[], text), thidua.approve(bigint, text), thidua.reject(bigint, text),
	thidua._recused(bigint, boolean), thidua._tally(bigint), thidua._relay_ballots(),
	thidua._relay_register(), thidua._sits_on_council_of(bigint), thidua._sits_on_council_of_on_node(bigint), thidua._lock_round(text), thidua._require_admin(text),
	thidua._council_not_frozen(thidua.nomination_round), thidua._add_council_members(text, jsonb),
	thidua._cast_vote(bigint, text, text, text), thidua._subject_unit(thidua.nomination, integer),
	thidua._unit_standing(text, integer), thidua._disclosure_ended(thidua.nomination, thidua.rulebook_entry),
	thidua._quota_scope(thidua.nomination, thidua.nomination_round, jsonb),
	thidua._quota_seats(text, text, thidua.nomination_round, thidua.rulebook_entry),
	thidua._seats_taken(thidua.nomination_round, thidua.rulebook_entry, text), thidua._reject_over_quota(bigint, jsonb),
	thidua._approve_award(text, text), thidua._non_ballot(bigint, text), thidua._require_read_committed(text),
	thidua._unit_in_quota_scope(text, text, jsonb, integer), thidua._lock_quota(text, integer) FROM PUBLIC;
REVOKE ALL ON thidua.unit, thidua.individual, thidua.membership, thidua.post_held, thidua.period,
	thidua.bloc, thidua.bloc_period, thidua.bloc_member, thidua.pact, thidua.recusal, thidua.veto,
	thidua.evaluation, thidua.observation, thidua.adjustment, thidua.standing_revision, thidua.standing_row,
	thidua.role_unit, thidua.current_standings, thidua.published_standings, thidua.period_event,
	thidua.not_applicable_marking FROM PUBLIC;

-- Functions that write or read unpublished scores are for the roles that may;
-- create_roles() grants them. (Computing functions and aggregates stay public.)
REVOKE EXECUTE ON FUNCTION thidua.import_criteria(jsonb, boolean), thidua.import_criteria_file(bytea, text, text, boolean),
	thidua.publish_version(text, text), thidua.retire_version(text, text), thidua.clone_version(text, text),
	thidua.delete_draft(text), thidua.close_period(text, text), thidua.reopen_period(text, text),
	thidua.evaluation_scores(text, text),
	thidua.standings(text, text), thidua.explain(text, text, text), thidua.judge_report(text, text),
	thidua.publish_standings(text, text, text), thidua.import_scores(text, text, text) FROM PUBLIC;
-- Setting up a zone (34_zone_setup.sql): administrators only.
REVOKE EXECUTE ON FUNCTION thidua.import_units(text, text), thidua.import_people(text, text),
	thidua.open_period(text, integer), thidua.create_bloc(text, text, text),
	thidua.set_bloc_settings(text, text, text, text, integer, integer, text),
	thidua.import_bloc_members(text, text, text, text), thidua.import_pact(text, text, text, text),
	thidua.add_veto(text, text, text, text), thidua.remove_veto(text, text, text, text),
	thidua.add_recusal(text, text, text, text, text),
	thidua.set_member_status(text, text, text, text, date, text, text), thidua.remove_member(text, text, text) FROM PUBLIC;

-- Eligibility, forecasts, quotas and what-if (47, 48) read people's records with
-- the caller's rights: administrators, and scorers for their own people.
REVOKE EXECUTE ON FUNCTION thidua.eligibility(text, text, integer, text, date),
	thidua.eligible(text, integer, text, boolean, text), thidua.forecast(text, integer, text, text),
	thidua.quota(text, text, integer, text), thidua.eligibility_changes(text, integer, text, text) FROM PUBLIC;

-- Imports of files: the criteria file's text, a score file's text or bytes.
REVOKE EXECUTE ON FUNCTION thidua.import_criteria_file(text, text, text, boolean),
	thidua.import_scores(text, text, text, text), thidua.import_scores(text, text, bytea, text) FROM PUBLIC;
-- who the caller acts as: asked by the definer functions (import_scores) only
REVOKE EXECUTE ON FUNCTION thidua._acting_role(), thidua._role_is_admin(text) FROM PUBLIC;
-- the zone's files as bytes, as the client streams them
REVOKE EXECUTE ON FUNCTION thidua.import_units(bytea, text), thidua.import_people(bytea, text),
	thidua.import_bloc_members(text, text, bytea, text), thidua.import_pact(text, text, bytea, text) FROM PUBLIC;

-- People's and units' records (38_records_import.sql): administrators only.
REVOKE EXECUTE ON FUNCTION thidua.import_records(text, text, text), thidua.import_records(text, bytea, text),
	thidua.revoke_award(bigint, date, text, text) FROM PUBLIC;

-- Published records are written only by definer functions, so that no role (an
-- administrator included) can forge them: the status history by its trigger,
-- published standings by publish_standings (EXECUTE: thidua_admin only; PostgreSQL
-- checks that privilege against the calling role before the body runs, which is
-- the one check a definer function cannot make itself).
ALTER FUNCTION thidua._record_version_event() SECURITY DEFINER;
REVOKE EXECUTE ON FUNCTION thidua._record_version_event() FROM PUBLIC;
-- The guards that lock or write with the owner's rights are triggers only.
REVOKE EXECUTE ON FUNCTION thidua._guard_version_content(), thidua._guard_criteria_set(),
	thidua._guard_truncate(), thidua._guard_open_period(), thidua._check_observations(),
	thidua._guard_closed_observation(), thidua._guard_period(), thidua._guard_bloc_period_version(),
	thidua._check_revision_has_rows(), thidua._guard_member_dependents(), thidua._guard_departed_member(),
	thidua._check_not_applicable(), thidua._stamp_evaluation(), thidua._fill_observation_bloc() FROM PUBLIC;
ALTER FUNCTION thidua.publish_standings(text, text, text) SECURITY DEFINER;

-- Creates (when missing) the group roles and grants them their rights; safe to
-- call again, e.g. after ALTER EXTENSION thidua UPDATE: it first takes back
-- whatever the four roles held on thidua's objects.
CREATE FUNCTION thidua.create_roles() RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	group_role text;
	all_roles text := 'thidua_admin, thidua_scorer, thidua_reader, thidua_council';
BEGIN
	IF NOT coalesce((SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) current_user), false) THEN
		RAISE EXCEPTION 'thidua.create_roles() must be called by a superuser'
			USING ERRCODE = 'insufficient_privilege',
				  DETAIL = format('Role "%s" is not a superuser; the roles are cluster-wide.', current_user),
				  HINT = 'Connect as a superuser (e.g. postgres) and call SELECT thidua.create_roles();';
	END IF;
	FOREACH group_role IN ARRAY ARRAY['thidua_admin', 'thidua_scorer', 'thidua_reader', 'thidua_council'] LOOP
		IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) group_role) THEN
			EXECUTE format('CREATE ROLE %I NOLOGIN', group_role);
		ELSIF EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) group_role
					  AND (r.rolcanlogin OR r.rolsuper OR r.rolcreaterole OR r.rolcreatedb
						   OR r.rolreplication OR r.rolbypassrls)) THEN
			-- someone made it first: never hand thidua's rights to a role that logs in
			RAISE EXCEPTION 'role "%" exists already and is not a plain group role', group_role
				USING ERRCODE = 'invalid_role_specification',
					  DETAIL = 'It can log in or holds special attributes; thidua grants its rights only to roles that are NOLOGIN, NOSUPERUSER, NOCREATEROLE, NOCREATEDB, NOREPLICATION, NOBYPASSRLS.',
					  HINT = 'Find out who created it and who its members are (\du), then fix it with ALTER ROLE ... NOLOGIN ... or drop it.';
		ELSE
			RAISE NOTICE 'role "%" exists already; its members: %', group_role,
				coalesce((SELECT string_agg(m.rolname, ', ' ORDER BY m.rolname)
						  FROM pg_catalog.pg_auth_members a
						  JOIN pg_catalog.pg_roles g ON g.oid OPERATOR(pg_catalog.=) a.roleid
						  JOIN pg_catalog.pg_roles m ON m.oid OPERATOR(pg_catalog.=) a.member
						  WHERE g.rolname OPERATOR(pg_catalog.=) group_role), 'none');
		END IF;
	END LOOP;
	EXECUTE 'REVOKE ALL ON ALL TABLES IN SCHEMA thidua FROM ' || all_roles;
	EXECUTE 'REVOKE ALL ON ALL FUNCTIONS IN SCHEMA thidua FROM ' || all_roles;

	-- thidua_admin: criteria, units, people, periods, blocs, scores, publication;
	-- the histories and published standings only through functions.
	GRANT SELECT, INSERT, UPDATE, DELETE ON thidua.criteria_set, thidua.criteria_version, thidua.criteria_item,
		thidua.class_band, thidua.unit, thidua.individual, thidua.membership, thidua.post_held, thidua.period,
		thidua.bloc, thidua.bloc_period, thidua.bloc_member, thidua.pact, thidua.recusal, thidua.veto,
		thidua.evaluation, thidua.observation, thidua.adjustment, thidua.role_unit,
		thidua.not_applicable_marking TO thidua_admin;
	-- the award catalog, rulebooks and records (36, 37, 44)
	GRANT SELECT, INSERT, UPDATE, DELETE ON thidua.award, thidua.rulebook, thidua.rulebook_version,
		thidua.rulebook_entry, thidua.individual_rating, thidua.unit_rating, thidua.individual_award,
		thidua.unit_award, thidua.initiative, thidua.initiative_author, thidua.discipline TO thidua_admin;
	GRANT SELECT ON thidua.rulebook_version_event TO thidua_admin;
	-- nominations and the council (60-63): read directly, written through the workflow functions
	GRANT SELECT ON thidua.nomination_round, thidua.round_award, thidua.nomination, thidua.nomination_achievement,
		thidua.dossier_item, thidua.nomination_event, thidua.disclosure_comment, thidua.council_member,
		thidua.quota_tie TO thidua_admin;
	GRANT SELECT ON thidua.nomination_round, thidua.round_award, thidua.nomination, thidua.nomination_achievement,
		thidua.dossier_item, thidua.nomination_event, thidua.disclosure_comment, thidua.nomination_duplicates
		TO thidua_scorer, thidua_reader, thidua_council;
	GRANT SELECT ON thidua.council_member, thidua.quota_tie TO thidua_council;
	GRANT SELECT ON thidua.nomination_duplicates, thidua.award_registry TO thidua_admin;
	GRANT SELECT ON thidua.award_registry TO thidua_reader, thidua_council;
	GRANT EXECUTE ON FUNCTION thidua._council_rounds(text), thidua._units_of(text) TO thidua_admin, thidua_scorer, thidua_reader, thidua_council;
	-- a nominee's name, for whoever may see the nomination (the client's list and show)
	GRANT EXECUTE ON FUNCTION thidua._public_nominee_name(bigint), thidua.nominee_name(bigint)
		TO thidua_admin, thidua_scorer, thidua_reader, thidua_council;
	-- the clerk's steps: a role acting for the proposing unit (thidua.role_unit), or an administrator
	GRANT EXECUTE ON FUNCTION thidua.nominate(text, text, text, text, text, jsonb, text[], text),
		thidua.update_nomination(bigint, text, jsonb, text[], text), thidua.set_dossier_item(bigint, text, boolean, text),
		thidua.submit(bigint, text), thidua.resubmit(bigint, text), thidua.withdraw(bigint, text)
		TO thidua_admin, thidua_scorer;
	-- the emulation office's steps
	GRANT EXECUTE ON FUNCTION thidua.create_round(text, text, integer, text, text, date, text[], text, date),
		thidua.return_nomination(bigint, text), thidua.check(bigint, text), thidua.disclose(bigint, date),
		thidua.comment(bigint, date, text, text), thidua.decide(bigint, text, date, text), thidua.award(bigint),
		thidua.revoke(bigint, date, text, text) TO thidua_admin;
	GRANT EXECUTE ON FUNCTION thidua.award_statistics(integer, integer, text) TO thidua_admin, thidua_reader, thidua_council;
	GRANT EXECUTE ON FUNCTION thidua.import_rulebook(jsonb, boolean), thidua.publish_rulebook(text, text),
		thidua.retire_rulebook(text, text), thidua.clone_rulebook(text, text), thidua.delete_rulebook_draft(text)
		TO thidua_admin;
	GRANT SELECT ON thidua.period_event, thidua.standing_revision, thidua.standing_row, thidua.current_standings,
		thidua.published_standings TO thidua_admin;
	GRANT EXECUTE ON FUNCTION thidua.import_criteria(jsonb, boolean), thidua.import_criteria_file(bytea, text, text, boolean),
		thidua.publish_version(text, text), thidua.retire_version(text, text), thidua.clone_version(text, text),
		thidua.delete_draft(text), thidua.close_period(text, text), thidua.reopen_period(text, text),
	thidua.evaluation_scores(text, text),
		thidua.standings(text, text), thidua.explain(text, text, text), thidua.judge_report(text, text),
		thidua.publish_standings(text, text, text), thidua.import_scores(text, text, text),
		thidua.import_criteria_file(text, text, text, boolean), thidua.import_scores(text, text, text, text),
		thidua.import_scores(text, text, bytea, text) TO thidua_admin;
	-- setting up a zone (34_zone_setup.sql)
	GRANT EXECUTE ON FUNCTION thidua.import_units(text, text), thidua.import_people(text, text),
		thidua.open_period(text, integer), thidua.create_bloc(text, text, text),
		thidua.set_bloc_settings(text, text, text, text, integer, integer, text),
		thidua.import_bloc_members(text, text, text, text), thidua.import_pact(text, text, text, text),
		thidua.add_veto(text, text, text, text), thidua.remove_veto(text, text, text, text),
		thidua.add_recusal(text, text, text, text, text),
		thidua.set_member_status(text, text, text, text, date, text, text), thidua.remove_member(text, text, text),
		thidua.import_units(bytea, text), thidua.import_people(bytea, text),
		thidua.import_bloc_members(text, text, bytea, text), thidua.import_pact(text, text, bytea, text)
		TO thidua_admin;
	-- people's and units' records (38_records_import.sql)
	GRANT EXECUTE ON FUNCTION thidua.import_records(text, text, text), thidua.import_records(text, bytea, text),
		thidua.revoke_award(bigint, date, text, text) TO thidua_admin;
	-- the council and its vote (62, 63): the office sets the council, opens and
	-- closes the vote and approves; members vote (the functions check who)
	GRANT SELECT ON thidua.vote_register TO thidua_admin, thidua_council;
	GRANT EXECUTE ON FUNCTION thidua._sits_on_council_of(bigint), thidua._sits_on_council_of_on_node(bigint)
		TO thidua_admin, thidua_council;
	GRANT EXECUTE ON FUNCTION thidua.set_council(text, jsonb), thidua.add_council_member(text, text, text, text, text, text),
		thidua.remove_council_member(text, text), thidua.open_vote(text), thidua.close_vote(text),
		thidua.approve_round(text, text), thidua.resolve_tie(text, text, text, bigint[], text), thidua.approve(bigint, text),
		thidua.reject(bigint, text) TO thidua_admin;
	GRANT EXECUTE ON FUNCTION thidua.vote(bigint, text), thidua.vote_written(bigint, text, text), thidua.tally(text)
		TO thidua_admin, thidua_council;

	-- thidua_scorer: the scores of the units its role is mapped to (policies),
	-- the people of those units, and what scoring needs to read.
	GRANT SELECT ON thidua.unit, thidua.period, thidua.bloc, thidua.bloc_period, thidua.bloc_member,
		thidua.period_event, thidua.role_unit, thidua.individual, thidua.membership, thidua.post_held,
		thidua.not_applicable_marking, thidua.individual_rating, thidua.unit_rating, thidua.individual_award,
		thidua.unit_award, thidua.initiative, thidua.initiative_author, thidua.discipline TO thidua_scorer;
	GRANT SELECT, INSERT, DELETE ON thidua.evaluation TO thidua_scorer;
	GRANT SELECT, INSERT, UPDATE, DELETE ON thidua.observation TO thidua_scorer;
	GRANT EXECUTE ON FUNCTION thidua.import_scores(text, text, text), thidua.import_scores(text, text, text, text),
		thidua.import_scores(text, text, bytea, text) TO thidua_scorer;

	-- eligibility, forecasts, quotas and what-if (47, 48): row-level security
	-- limits a scorer to the people of its own units
	GRANT EXECUTE ON FUNCTION thidua.eligibility(text, text, integer, text, date),
		thidua.eligible(text, integer, text, boolean, text), thidua.forecast(text, integer, text, text),
		thidua.quota(text, text, integer, text), thidua.eligibility_changes(text, integer, text, text)
		TO thidua_admin, thidua_scorer;

	-- thidua_reader, and for now thidua_council: published standings and the
	-- public structure they name; no personal data, no unpublished score.
	GRANT SELECT ON thidua.unit, thidua.period, thidua.bloc, thidua.bloc_period, thidua.bloc_member,
		thidua.period_event, thidua.standing_revision, thidua.standing_row, thidua.published_standings
		TO thidua_reader, thidua_council;

	-- On Citus (70_distribution.sql) writes go through thidua's functions only,
	-- and the workers grant its functions as this node does.
	IF thidua._distributed() THEN
		PERFORM thidua._revoke_direct_writes();
	END IF;
END
$$;
COMMENT ON FUNCTION thidua.create_roles() IS
	'creates the group roles thidua_admin, thidua_scorer, thidua_reader, thidua_council if missing and grants their rights (superuser only; idempotent); on a distributed database (thidua.distribute()), no role gets a direct INSERT, UPDATE, DELETE or TRUNCATE, and the workers get the same function grants';
