-- thidua 0.5.0: safe to deploy: validated entry points, dumps that restore,
-- guarantees against every statement kind, roles and row-level security.
\echo Use "ALTER EXTENSION thidua UPDATE TO '0.5.0'" to load this file. \quit

SELECT thidua._require_library('0.5.0');

-- Roles: who may read and write what.
-- import_scores checks that the caller acts for each row's judge; then the whole of
-- sql/50_roles.sql: role_unit, the caller checks, row-level security, the grants to
-- PUBLIC (criteria only: the others are revoked), create_roles().
CREATE OR REPLACE FUNCTION thidua.import_scores(bloc text, period text, source text DEFAULT 'input') RETURNS bigint
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	settings thidua.bloc_period;
	bad record;
	stored bigint;
BEGIN
	SELECT * INTO settings FROM thidua.bloc_period bp
		WHERE bp.bloc_code OPERATOR(pg_catalog.=) bloc AND bp.period_code OPERATOR(pg_catalog.=) period;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'bloc "%" has no settings for period "%"', bloc, period USING ERRCODE = 'no_data_found';
	END IF;
	IF to_regclass('pg_temp.score_import') IS NULL THEN
		RAISE EXCEPTION 'no scores are staged in pg_temp.score_import' USING ERRCODE = 'undefined_table';
	END IF;

	-- members: the unit, and the judge unless it is "self"
	SELECT i.line, 'unit' AS field, i.unit AS value INTO bad FROM pg_temp.score_import i
		WHERE NOT EXISTS (SELECT 1 FROM thidua.bloc_member m WHERE m.bloc_code OPERATOR(pg_catalog.=) bloc
			AND m.period_code OPERATOR(pg_catalog.=) period AND m.unit_code OPERATOR(pg_catalog.=) i.unit)
		ORDER BY i.line LIMIT 1;
	IF NOT FOUND THEN
		SELECT i.line, 'judge' AS field, i.judge AS value INTO bad FROM pg_temp.score_import i
			WHERE i.judge OPERATOR(pg_catalog.<>) 'self' AND NOT EXISTS (SELECT 1 FROM thidua.bloc_member m
				WHERE m.bloc_code OPERATOR(pg_catalog.=) bloc AND m.period_code OPERATOR(pg_catalog.=) period
				  AND m.unit_code OPERATOR(pg_catalog.=) i.judge)
			ORDER BY i.line LIMIT 1;
	END IF;
	IF FOUND THEN
		RAISE EXCEPTION '%:%: field "%": "%" is not a member of bloc "%" in period "%"',
			source, bad.line, bad.field, coalesce(bad.value, ''), bloc, period
			USING ERRCODE = 'foreign_key_violation';
	END IF;
	-- the caller files only what its own units give (row-level security enforces
	-- the same on every route; this names the line)
	IF NOT thidua._is_admin() THEN
		SELECT i.line, CASE WHEN i.judge OPERATOR(pg_catalog.=) 'self' THEN i.unit ELSE i.judge END AS judge_unit,
			thidua._caller_units() AS acts_for INTO bad
		FROM pg_temp.score_import i
		WHERE NOT CASE WHEN i.judge OPERATOR(pg_catalog.=) 'self' THEN i.unit ELSE i.judge END
			OPERATOR(pg_catalog.=) ANY (thidua._caller_units())
		ORDER BY i.line LIMIT 1;
		IF FOUND THEN
			RAISE EXCEPTION '%:%: field "judge": role "%" may not file the scores given by "%"',
				source, bad.line, current_user, bad.judge_unit
				USING ERRCODE = 'insufficient_privilege',
					  DETAIL = format('A scorer files only the self-assessments and peer scores of the units its role is mapped to; role "%s" acts for %s.',
						current_user, coalesce('"' || nullif(array_to_string(bad.acts_for, '", "'), '') || '"', 'no unit')),
					  HINT = 'A thidua_admin maps roles to units in thidua.role_unit.';
		END IF;
	END IF;
	SELECT i.line INTO bad FROM pg_temp.score_import i WHERE i.judge OPERATOR(pg_catalog.=) i.unit ORDER BY i.line LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION '%:%: field "judge": a member never scores itself as a peer; write "self" for a self-assessment',
			source, bad.line USING ERRCODE = 'check_violation';
	END IF;
	SELECT i.line, i.criterion INTO bad FROM pg_temp.score_import i
		WHERE EXISTS (SELECT 1 FROM pg_temp.score_import j WHERE j.line OPERATOR(pg_catalog.<) i.line
			AND j.unit OPERATOR(pg_catalog.=) i.unit AND j.judge OPERATOR(pg_catalog.=) i.judge
			AND j.criterion OPERATOR(pg_catalog.=) i.criterion)
		ORDER BY i.line LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION '%:%: field "criterion": "%" is given twice for the same unit and judge',
			source, bad.line, bad.criterion USING ERRCODE = 'unique_violation';
	END IF;
	-- each value by its criterion's rule, line by line so that the error names its line
	FOR bad IN SELECT i.line, i.criterion, i.observed FROM pg_temp.score_import i ORDER BY i.line LOOP
		BEGIN
			PERFORM thidua.points(settings.criteria_version, bad.criterion, bad.observed);
		EXCEPTION WHEN OTHERS THEN
			RAISE EXCEPTION '%:%: field "observed": %', source, bad.line, SQLERRM USING ERRCODE = SQLSTATE;
		END;
	END LOOP;
	SELECT i.line, i.unit, i.judge, i.criterion INTO bad FROM pg_temp.score_import i
		JOIN thidua.evaluation e ON e.bloc_code OPERATOR(pg_catalog.=) bloc AND e.period_code OPERATOR(pg_catalog.=) period
			AND e.unit_code OPERATOR(pg_catalog.=) i.unit
			AND e.judge_code OPERATOR(pg_catalog.=) CASE WHEN i.judge OPERATOR(pg_catalog.=) 'self' THEN i.unit ELSE i.judge END
		JOIN thidua.observation o ON o.evaluation_id OPERATOR(pg_catalog.=) e.evaluation_id
			AND o.criterion_code OPERATOR(pg_catalog.=) i.criterion
		ORDER BY i.line LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION '%:%: the score of "%" by "%" for criterion "%" is stored already', source, bad.line,
			bad.unit, bad.judge, bad.criterion
			USING ERRCODE = 'unique_violation', HINT = 'Scores are never overwritten; delete the stored one first.';
	END IF;

	INSERT INTO thidua.evaluation (bloc_code, period_code, unit_code, stage, judge_code)
		SELECT DISTINCT bloc, period, i.unit, CASE WHEN i.judge OPERATOR(pg_catalog.=) 'self' THEN 'self' ELSE 'peer' END,
			CASE WHEN i.judge OPERATOR(pg_catalog.=) 'self' THEN i.unit ELSE i.judge END
		FROM pg_temp.score_import i
		ON CONFLICT (bloc_code, period_code, unit_code, stage, judge_code) DO NOTHING;
	INSERT INTO thidua.observation (evaluation_id, criterion_code, observed, evidence)
		SELECT e.evaluation_id, i.criterion, i.observed, nullif(i.evidence, '')
		FROM pg_temp.score_import i
		JOIN thidua.evaluation e ON e.bloc_code OPERATOR(pg_catalog.=) bloc AND e.period_code OPERATOR(pg_catalog.=) period
			AND e.unit_code OPERATOR(pg_catalog.=) i.unit
			AND e.judge_code OPERATOR(pg_catalog.=) CASE WHEN i.judge OPERATOR(pg_catalog.=) 'self' THEN i.unit ELSE i.judge END
			AND e.stage OPERATOR(pg_catalog.=) CASE WHEN i.judge OPERATOR(pg_catalog.=) 'self' THEN 'self' ELSE 'peer' END;
	GET DIAGNOSTICS stored = ROW_COUNT;
	RETURN stored;
END
$$;

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
-- roles that no longer exist match nobody).
CREATE FUNCTION thidua._caller_units() RETURNS text[]
	LANGUAGE sql STABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT coalesce(array_agg(DISTINCT m.unit_code ORDER BY m.unit_code), '{}')
	FROM thidua.role_unit m JOIN pg_catalog.pg_roles r ON r.rolname OPERATOR(pg_catalog.=) m.role_name
	WHERE pg_catalog.pg_has_role(current_user, r.oid, 'USAGE')
$$;
COMMENT ON FUNCTION thidua._caller_units() IS 'the units the current role acts for (thidua.role_unit, inherited roles included)';

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
	AS $$ SELECT EXISTS (SELECT 1 FROM thidua.membership m WHERE m.person_code OPERATOR(pg_catalog.=) person) $$;

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

-- Views read with the rights (and row-level security) of whoever queries them.
ALTER VIEW thidua.criteria_versions SET (security_invoker = true);
ALTER VIEW thidua.current_standings SET (security_invoker = true);
ALTER VIEW thidua.published_standings SET (security_invoker = true);

-- What PUBLIC keeps. Criteria tables are public documents (công khai), and the
-- scoring functions compile a version by reading them with the caller's rights,
-- so that anyone may score their own data with thidua.score (drafts stay hidden
-- by the policies above). Nothing else is readable without a thidua role.
REVOKE ALL ON thidua.criteria_set, thidua.criteria_version, thidua.criteria_item, thidua.class_band,
	thidua.criteria_version_event, thidua.criteria_versions FROM PUBLIC;
GRANT SELECT ON thidua.criteria_set, thidua.criteria_version, thidua.criteria_item, thidua.class_band,
	thidua.criteria_version_event, thidua.criteria_versions TO PUBLIC;
REVOKE ALL ON thidua.unit, thidua.individual, thidua.membership, thidua.post_held, thidua.period,
	thidua.bloc, thidua.bloc_period, thidua.bloc_member, thidua.pact, thidua.recusal, thidua.veto,
	thidua.evaluation, thidua.observation, thidua.adjustment, thidua.standing_revision, thidua.standing_row,
	thidua.role_unit, thidua.current_standings, thidua.published_standings FROM PUBLIC;

-- Functions that write or read unpublished scores are for the roles that may;
-- create_roles() grants them. (Computing functions and aggregates stay public.)
REVOKE EXECUTE ON FUNCTION thidua.import_criteria(jsonb, boolean), thidua.import_criteria_file(bytea, text, text, boolean),
	thidua.publish_version(text, text), thidua.retire_version(text, text), thidua.clone_version(text, text),
	thidua.delete_draft(text), thidua.close_period(text), thidua.evaluation_scores(text, text),
	thidua.standings(text, text), thidua.explain(text, text, text), thidua.judge_report(text, text),
	thidua.publish_standings(text, text, text), thidua.import_scores(text, text, text) FROM PUBLIC;

-- Published records are written only by definer functions, so that no role (an
-- administrator included) can forge them: the status history by its trigger,
-- published standings by publish_standings (EXECUTE: thidua_admin only; PostgreSQL
-- checks that privilege against the calling role before the body runs, which is
-- the one check a definer function cannot make itself).
ALTER FUNCTION thidua._record_version_event() SECURITY DEFINER;
REVOKE EXECUTE ON FUNCTION thidua._record_version_event() FROM PUBLIC;
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
		END IF;
	END LOOP;
	EXECUTE 'REVOKE ALL ON ALL TABLES IN SCHEMA thidua FROM ' || all_roles;
	EXECUTE 'REVOKE ALL ON ALL FUNCTIONS IN SCHEMA thidua FROM ' || all_roles;

	-- thidua_admin: criteria, units, people, periods, blocs, scores, publication;
	-- the histories and published standings only through functions.
	GRANT SELECT, INSERT, UPDATE, DELETE ON thidua.criteria_set, thidua.criteria_version, thidua.criteria_item,
		thidua.class_band, thidua.unit, thidua.individual, thidua.membership, thidua.post_held, thidua.period,
		thidua.bloc, thidua.bloc_period, thidua.bloc_member, thidua.pact, thidua.recusal, thidua.veto,
		thidua.evaluation, thidua.observation, thidua.adjustment, thidua.role_unit TO thidua_admin;
	GRANT SELECT ON thidua.standing_revision, thidua.standing_row, thidua.current_standings,
		thidua.published_standings TO thidua_admin;
	GRANT EXECUTE ON FUNCTION thidua.import_criteria(jsonb, boolean), thidua.import_criteria_file(bytea, text, text, boolean),
		thidua.publish_version(text, text), thidua.retire_version(text, text), thidua.clone_version(text, text),
		thidua.delete_draft(text), thidua.close_period(text), thidua.evaluation_scores(text, text),
		thidua.standings(text, text), thidua.explain(text, text, text), thidua.judge_report(text, text),
		thidua.publish_standings(text, text, text), thidua.import_scores(text, text, text) TO thidua_admin;

	-- thidua_scorer: the scores of the units its role is mapped to (policies),
	-- the people of those units, and what scoring needs to read.
	GRANT SELECT ON thidua.unit, thidua.period, thidua.bloc, thidua.bloc_period, thidua.bloc_member,
		thidua.role_unit, thidua.individual, thidua.membership, thidua.post_held TO thidua_scorer;
	GRANT SELECT, INSERT, DELETE ON thidua.evaluation TO thidua_scorer;
	GRANT SELECT, INSERT, UPDATE, DELETE ON thidua.observation TO thidua_scorer;
	GRANT EXECUTE ON FUNCTION thidua.import_scores(text, text, text) TO thidua_scorer;

	-- thidua_reader, and for now thidua_council: published standings and the
	-- public structure they name; no personal data, no unpublished score.
	GRANT SELECT ON thidua.unit, thidua.period, thidua.bloc, thidua.bloc_period, thidua.bloc_member,
		thidua.standing_revision, thidua.standing_row, thidua.published_standings TO thidua_reader, thidua_council;
END
$$;
COMMENT ON FUNCTION thidua.create_roles() IS
	'creates the group roles thidua_admin, thidua_scorer, thidua_reader, thidua_council if missing and grants their rights (superuser only; idempotent)';
