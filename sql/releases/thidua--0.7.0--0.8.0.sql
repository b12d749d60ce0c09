-- thidua 0.8.0: nominations through the council, the secret ballot, quotas, decisions, the award registry.
\echo Use "ALTER EXTENSION thidua UPDATE TO '0.8.0'" to load this file. \quit

SELECT thidua._require_library('0.8.0');

------------------------------------------------------------------------------
-- Skeleton: flags for award statistics, the rulebook's nomination settings,
-- the nomination model (30_units_people.sql, 44_rulebook_model.sql, 60_nomination_model.sql)
------------------------------------------------------------------------------
-- a small collective (tập thể nhỏ): award statistics report its share
ALTER TABLE thidua.unit ADD COLUMN small_collective boolean NOT NULL DEFAULT false;
-- a post working directly on the front line (người lao động trực tiếp):
-- award statistics report its share
ALTER TABLE thidua.post_held ADD COLUMN front_line boolean NOT NULL DEFAULT false;
-- {"dossier": [{"item", "title", "source"}], "override": {"kinds": [...], "source"}}:
-- what a nomination for the award must hold, and which failed rules may be
-- overridden with a stated reason; NULL: no dossier items, no override
ALTER TABLE thidua.rulebook_entry ADD COLUMN nomination jsonb;

CREATE TYPE thidua.nomination_state AS ENUM ('draft', 'submitted', 'returned', 'resubmitted', 'checked',
	'disclosed', 'in_vote', 'approved', 'rejected', 'decided', 'awarded', 'withdrawn', 'revoked');
COMMENT ON TYPE thidua.nomination_state IS
	'where a nomination stands: draft, submitted, returned (with a reason) and resubmitted, checked (eligibility stored), disclosed (public comment window), in_vote (council ballot), approved or rejected, decided (decision number, date, signer), awarded (in the registry); withdrawn before the vote; revoked after the award';

-- A call for nominations: one deciding authority, one year, one or more awards.
CREATE TABLE thidua.nomination_round (
	round_code text PRIMARY KEY CHECK (round_code ~ '^[[:alnum:]][[:alnum:]._/-]{0,63}$')
		CONSTRAINT nomination_round_code_in_nfc CHECK (thidua._is_nfc(round_code)),
	title text NOT NULL CHECK (title <> '')
		CONSTRAINT nomination_round_title_in_nfc CHECK (thidua._is_nfc(title))
		CONSTRAINT nomination_round_title_at_most_1000_characters CHECK (char_length(title) <= 1000),
	year integer NOT NULL CHECK (year BETWEEN 1900 AND 2199),
	-- who decides, in words (e.g. "Chủ tịch UBND tỉnh Đồng Tháp")
	authority text NOT NULL CHECK (authority <> '')
		CONSTRAINT nomination_round_authority_in_nfc CHECK (thidua._is_nfc(authority))
		CONSTRAINT nomination_round_authority_at_most_300_characters CHECK (char_length(authority) <= 300),
	-- the unit whose council considers the round (the department, the ministry)
	council_unit text NOT NULL REFERENCES thidua.unit,
	deadline date NOT NULL,
	-- the rulebook version applied; NULL: the one in force on 31 December of year
	rulebook_version text REFERENCES thidua.rulebook_version,
	-- the council's meeting date, when known (the disclosure window ends before it)
	meets_on date,
	vote_opened_at timestamptz,
	vote_closed_at timestamptz,
	created_at timestamptz NOT NULL DEFAULT now(),
	created_by text NOT NULL DEFAULT session_user,
	CHECK (vote_closed_at IS NULL OR vote_opened_at IS NOT NULL)
);
COMMENT ON TABLE thidua.nomination_round IS 'a call for nominations (đợt xét khen thưởng): awards, year, deciding authority, deadline, council';

CREATE TABLE thidua.round_award (
	round_code text NOT NULL REFERENCES thidua.nomination_round,
	award_code text NOT NULL REFERENCES thidua.award,
	PRIMARY KEY (round_code, award_code)
);
COMMENT ON TABLE thidua.round_award IS 'the awards a nomination round considers';

CREATE TABLE thidua.nomination (
	nomination_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	round_code text NOT NULL,
	award_code text NOT NULL,
	-- exactly one subject: a person or a unit, as the award's subject says
	person_code text REFERENCES thidua.individual,
	unit_code text REFERENCES thidua.unit,
	proposing_unit text NOT NULL REFERENCES thidua.unit,
	summary text NOT NULL DEFAULT '' CONSTRAINT nomination_summary_in_nfc CHECK (thidua._is_nfc(summary))
		CONSTRAINT nomination_summary_at_most_10000_characters CHECK (char_length(summary) <= 10000),
	-- links to evidence: ["https://…", "file:…"]
	evidence jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(evidence) = 'array'),
	state thidua.nomination_state NOT NULL DEFAULT 'draft',
	-- bumped by every change of summary, evidence, achievements or dossier items:
	-- a returned nomination may come back only changed
	dossier_revision integer NOT NULL DEFAULT 1,
	returned_at_revision integer,
	-- the eligibility result as it stood when checked, never rewritten
	checked_on date,
	eligibility_snapshot jsonb,
	rulebook_version text REFERENCES thidua.rulebook_version,
	override_reason text CONSTRAINT nomination_override_reason_in_nfc CHECK (thidua._is_nfc(override_reason))
		CONSTRAINT nomination_override_reason_at_most_1000_characters CHECK (char_length(override_reason) <= 1000),
	disclosed_on date,
	-- the tally at the vote's close and the quota's arithmetic at approval
	tally jsonb,
	over_quota jsonb,
	decision_number text CHECK (decision_number <> '' AND char_length(decision_number) <= 100),
	decision_date date,
	signer text CONSTRAINT nomination_signer_in_nfc CHECK (thidua._is_nfc(signer))
		CONSTRAINT nomination_signer_at_most_300_characters CHECK (char_length(signer) <= 300),
	-- the registry entry (individual_award / unit_award record_id) once awarded
	award_record_id bigint,
	created_at timestamptz NOT NULL DEFAULT now(),
	created_by text NOT NULL DEFAULT session_user,
	FOREIGN KEY (round_code, award_code) REFERENCES thidua.round_award,
	CONSTRAINT nomination_has_one_subject CHECK ((person_code IS NULL) <> (unit_code IS NULL))
);
CREATE INDEX ON thidua.nomination (round_code, award_code, state);
CREATE INDEX ON thidua.nomination (person_code) WHERE person_code IS NOT NULL;
CREATE INDEX ON thidua.nomination (unit_code) WHERE unit_code IS NOT NULL;
COMMENT ON TABLE thidua.nomination IS 'a proposal of a person or unit for an award in a round, and where it stands; written by the workflow functions only';

-- The achievements a nomination rests on: an initiative ("initiative:<code>")
-- or a named achievement ("<free key>"); the same one in two live nominations is flagged.
CREATE TABLE thidua.nomination_achievement (
	nomination_id bigint NOT NULL REFERENCES thidua.nomination,
	achievement text NOT NULL CHECK (achievement <> '' AND char_length(achievement) <= 200)
		CONSTRAINT nomination_achievement_in_nfc CHECK (thidua._is_nfc(achievement)),
	initiative_code text REFERENCES thidua.initiative,
	PRIMARY KEY (nomination_id, achievement)
);
COMMENT ON TABLE thidua.nomination_achievement IS 'the achievements (initiatives or named ones) a nomination rests on';

-- The dossier: the items the rulebook requires for the award, each present or missing.
CREATE TABLE thidua.dossier_item (
	nomination_id bigint NOT NULL REFERENCES thidua.nomination,
	item text NOT NULL CHECK (item ~ '^[a-z][a-z0-9_]{0,62}$'),
	present boolean NOT NULL DEFAULT false,
	-- where the document is (a link, a file name, a registry number)
	reference text CONSTRAINT dossier_item_reference_in_nfc CHECK (thidua._is_nfc(reference))
		CONSTRAINT dossier_item_reference_at_most_1000_characters CHECK (char_length(reference) <= 1000),
	updated_at timestamptz NOT NULL DEFAULT now(),
	updated_by text NOT NULL DEFAULT session_user,
	PRIMARY KEY (nomination_id, item)
);
COMMENT ON TABLE thidua.dossier_item IS 'the dossier items the rulebook requires for a nomination''s award, each present or missing';

-- The state machine as data: which action moves a nomination from which state
-- to which, and which group of roles may take it ('proposer': a role acting
-- for the proposing unit, or an administrator).
CREATE TABLE thidua.nomination_transition (
	action text NOT NULL,
	from_state thidua.nomination_state NOT NULL,
	to_state thidua.nomination_state NOT NULL,
	actor text NOT NULL CHECK (actor IN ('proposer', 'thidua_admin', 'council')),
	PRIMARY KEY (from_state, to_state)
);
COMMENT ON TABLE thidua.nomination_transition IS 'the legal transitions of a nomination, the action that makes each and who may take it';
INSERT INTO thidua.nomination_transition (action, from_state, to_state, actor) VALUES
	('submit', 'draft', 'submitted', 'proposer'),
	('return', 'submitted', 'returned', 'thidua_admin'),
	('return', 'resubmitted', 'returned', 'thidua_admin'),
	('resubmit', 'returned', 'resubmitted', 'proposer'),
	('check', 'submitted', 'checked', 'thidua_admin'),
	('check', 'resubmitted', 'checked', 'thidua_admin'),
	('disclose', 'checked', 'disclosed', 'thidua_admin'),
	('open_vote', 'checked', 'in_vote', 'thidua_admin'),
	('open_vote', 'disclosed', 'in_vote', 'thidua_admin'),
	('approve', 'checked', 'approved', 'thidua_admin'),
	('approve', 'disclosed', 'approved', 'thidua_admin'),
	('approve', 'in_vote', 'approved', 'thidua_admin'),
	('reject', 'checked', 'rejected', 'thidua_admin'),
	('reject', 'disclosed', 'rejected', 'thidua_admin'),
	('reject', 'in_vote', 'rejected', 'thidua_admin'),
	('decide', 'approved', 'decided', 'thidua_admin'),
	('award', 'decided', 'awarded', 'thidua_admin'),
	('withdraw', 'draft', 'withdrawn', 'proposer'),
	('withdraw', 'submitted', 'withdrawn', 'proposer'),
	('withdraw', 'returned', 'withdrawn', 'proposer'),
	('withdraw', 'resubmitted', 'withdrawn', 'proposer'),
	('withdraw', 'checked', 'withdrawn', 'proposer'),
	('withdraw', 'disclosed', 'withdrawn', 'proposer'),
	('revoke', 'awarded', 'revoked', 'thidua_admin');

-- Every step, append-only: who (the login role), when, from which state to
-- which, and why. Written by the workflow functions; never updated or deleted.
CREATE TABLE thidua.nomination_event (
	event_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	nomination_id bigint NOT NULL REFERENCES thidua.nomination,
	action text NOT NULL,
	from_state thidua.nomination_state,
	to_state thidua.nomination_state NOT NULL,
	at timestamptz NOT NULL DEFAULT clock_timestamp(),
	by_role text NOT NULL DEFAULT session_user,
	reason text CONSTRAINT nomination_event_reason_in_nfc CHECK (thidua._is_nfc(reason))
		CONSTRAINT nomination_event_reason_at_most_1000_characters CHECK (char_length(reason) <= 1000),
	detail jsonb
);
CREATE INDEX ON thidua.nomination_event (nomination_id, event_id);
COMMENT ON TABLE thidua.nomination_event IS 'every transition of every nomination: who (login role), when, from, to, why; append-only';

-- Comments received while a nomination is disclosed to the public.
CREATE TABLE thidua.disclosure_comment (
	comment_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	nomination_id bigint NOT NULL REFERENCES thidua.nomination,
	received_on date NOT NULL,
	commenter text CONSTRAINT disclosure_comment_commenter_in_nfc CHECK (thidua._is_nfc(commenter))
		CONSTRAINT disclosure_comment_commenter_at_most_300_characters CHECK (char_length(commenter) <= 300),
	body text NOT NULL CHECK (body <> '') CONSTRAINT disclosure_comment_body_in_nfc CHECK (thidua._is_nfc(body))
		CONSTRAINT disclosure_comment_body_at_most_10000_characters CHECK (char_length(body) <= 10000),
	recorded_at timestamptz NOT NULL DEFAULT now(),
	recorded_by text NOT NULL DEFAULT session_user
);
COMMENT ON TABLE thidua.disclosure_comment IS 'public comments on a disclosed nomination, as received; append-only';

-- The council of a round. A member is a login role (who votes as itself);
-- person_code and unit_code, when given, decide recusal (the member is the
-- subject, or belongs to the proposing unit).
CREATE TABLE thidua.council_member (
	round_code text NOT NULL REFERENCES thidua.nomination_round,
	role_name text NOT NULL CHECK (role_name <> '' AND char_length(role_name) <= 63),
	full_name text NOT NULL CHECK (full_name <> '') CONSTRAINT council_member_full_name_in_nfc CHECK (thidua._is_nfc(full_name))
		CONSTRAINT council_member_full_name_at_most_300_characters CHECK (char_length(full_name) <= 300),
	council_role text NOT NULL CHECK (council_role IN ('chair', 'vice_chair', 'secretary', 'member')),
	person_code text REFERENCES thidua.individual,
	unit_code text REFERENCES thidua.unit,
	PRIMARY KEY (round_code, role_name)
);
CREATE UNIQUE INDEX council_member_one_secretary ON thidua.council_member (round_code) WHERE council_role = 'secretary';
CREATE UNIQUE INDEX council_member_one_chair ON thidua.council_member (round_code) WHERE council_role = 'chair';
COMMENT ON TABLE thidua.council_member IS 'the emulation and commendation council of a round: login role, name, chair/vice_chair/secretary/member; frozen while a vote is open';

-- A tie at a quota's cut (equal votes and equal standing): the round is blocked
-- until the council decides it, with its reason.
CREATE TABLE thidua.quota_tie (
	round_code text NOT NULL REFERENCES thidua.nomination_round,
	award_code text NOT NULL,
	-- the quota's scope: the unit (per unit) or bloc the seats belong to, '' for the round
	scope text NOT NULL,
	seats_left integer NOT NULL CHECK (seats_left >= 1),
	tied bigint[] NOT NULL,
	found_at timestamptz NOT NULL DEFAULT now(),
	chosen bigint[],
	reason text CONSTRAINT quota_tie_reason_in_nfc CHECK (thidua._is_nfc(reason))
		CONSTRAINT quota_tie_reason_at_most_1000_characters CHECK (char_length(reason) <= 1000),
	decided_at timestamptz,
	decided_by text,
	PRIMARY KEY (round_code, award_code, scope),
	CHECK ((chosen IS NULL) = (decided_at IS NULL) AND (chosen IS NULL OR coalesce(reason, '') <> ''))
);
COMMENT ON TABLE thidua.quota_tie IS 'ties at a quota''s cut: a round is blocked until the council decides each, with its reason';

SELECT pg_catalog.pg_extension_config_dump('thidua.nomination_round', '');
SELECT pg_catalog.pg_extension_config_dump('thidua.round_award', '');
SELECT pg_catalog.pg_extension_config_dump('thidua.nomination', '');
SELECT pg_catalog.pg_extension_config_dump('thidua.nomination_nomination_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('thidua.nomination_achievement', '');
SELECT pg_catalog.pg_extension_config_dump('thidua.dossier_item', '');
SELECT pg_catalog.pg_extension_config_dump('thidua.nomination_event', '');
SELECT pg_catalog.pg_extension_config_dump('thidua.nomination_event_event_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('thidua.disclosure_comment', '');
SELECT pg_catalog.pg_extension_config_dump('thidua.disclosure_comment_comment_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('thidua.council_member', '');
SELECT pg_catalog.pg_extension_config_dump('thidua.quota_tie', '');

------------------------------------------------------------------------------
-- The workflow's actor checks and transition (61_nomination_workflow.sql)
------------------------------------------------------------------------------
-- The login role acting.
CREATE FUNCTION thidua._actor() RETURNS text
	LANGUAGE sql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$ SELECT session_user::text $$;
COMMENT ON FUNCTION thidua._actor() IS 'the login role taking a workflow step (session_user): what the event log records';

-- Whether the login role has the rights of a group role (a superuser has all).
CREATE FUNCTION thidua._actor_has(group_role text) RETURNS boolean
	LANGUAGE sql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT coalesce((SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) session_user), false)
		OR coalesce((SELECT pg_catalog.pg_has_role(session_user, g.oid, 'USAGE') FROM pg_catalog.pg_roles g
					 WHERE g.rolname OPERATOR(pg_catalog.=) group_role), false)
$$;
COMMENT ON FUNCTION thidua._actor_has(text) IS 'whether the login role (session_user) is a superuser or has the rights of the given group role';

CREATE FUNCTION thidua._actor_is_admin() RETURNS boolean
	LANGUAGE sql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$ SELECT thidua._actor_has('thidua_admin') $$;
COMMENT ON FUNCTION thidua._actor_is_admin() IS 'whether the login role (session_user) administers thidua';

-- The units the login role acts for (thidua.role_unit, inherited roles included).
CREATE FUNCTION thidua._actor_units() RETURNS text[]
	LANGUAGE sql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT coalesce(array_agg(DISTINCT m.unit_code ORDER BY m.unit_code), '{}')
	FROM thidua.role_unit m JOIN pg_catalog.pg_roles r ON r.rolname OPERATOR(pg_catalog.=) m.role_name
	WHERE pg_catalog.pg_has_role(session_user, r.oid, 'USAGE')
$$;
COMMENT ON FUNCTION thidua._actor_units() IS 'the units the login role (session_user) acts for, through thidua.role_unit';

-- The one way a nomination changes state: the transition must be in
-- nomination_transition for the current state and the action, and the actor
-- must be allowed to take it. Appends the event; returns the new state.
CREATE FUNCTION thidua._transition(nomination bigint, action text, reason text DEFAULT NULL, detail jsonb DEFAULT NULL)
	RETURNS thidua.nomination_state
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	n thidua.nomination;
	step thidua.nomination_transition;
BEGIN
	SELECT * INTO n FROM thidua.nomination x WHERE x.nomination_id OPERATOR(pg_catalog.=) nomination FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'nomination % does not exist', nomination USING ERRCODE = 'no_data_found';
	END IF;
	SELECT * INTO step FROM thidua.nomination_transition t
	WHERE t.from_state OPERATOR(pg_catalog.=) n.state AND t.action OPERATOR(pg_catalog.=) _transition.action;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'nomination % is %: it cannot be %', nomination, n.state,
				CASE WHEN EXISTS (SELECT 1 FROM thidua.nomination_transition t WHERE t.action OPERATOR(pg_catalog.=) _transition.action)
					 THEN action || ' now' ELSE 'subject to an action "' || action || '"' END
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = coalesce('Allowed next: ' || (SELECT string_agg(format('%s (to %s)', t.action, t.to_state), ', ' ORDER BY t.to_state)
											   FROM thidua.nomination_transition t WHERE t.from_state OPERATOR(pg_catalog.=) n.state) || '.',
									'None: the nomination is final.');
	END IF;
	IF NOT thidua._actor_is_admin()
	   AND NOT (step.actor OPERATOR(pg_catalog.=) 'proposer' AND n.proposing_unit OPERATOR(pg_catalog.=) ANY (thidua._actor_units())) THEN
		RAISE EXCEPTION 'role "%" may not % nomination %', thidua._actor(), action, nomination
			USING ERRCODE = 'insufficient_privilege',
				  DETAIL = CASE step.actor WHEN 'proposer' THEN format('Only an administrator or a role acting for the proposing unit "%s" may.', n.proposing_unit)
						   ELSE 'Only an administrator (thidua_admin) may.' END;
	END IF;
	UPDATE thidua.nomination x SET state = step.to_state WHERE x.nomination_id OPERATOR(pg_catalog.=) nomination;
	INSERT INTO thidua.nomination_event (nomination_id, action, from_state, to_state, by_role, reason, detail)
	VALUES (nomination, action, n.state, step.to_state, thidua._actor(), reason, detail);
	RETURN step.to_state;
END
$$;
COMMENT ON FUNCTION thidua._transition(bigint, text, text, jsonb) IS
	'moves a nomination by an action of nomination_transition, checking the current state and the actor (session_user), and appends the event; raises object_not_in_prerequisite_state naming the state and the allowed next actions, or insufficient_privilege';

-- Nominations and the council (60-63): written through the workflow functions only.
REVOKE EXECUTE ON FUNCTION thidua._actor(), thidua._actor_has(text), thidua._actor_is_admin(), thidua._actor_units(),
	thidua._transition(bigint, text, text, jsonb) FROM PUBLIC;
REVOKE ALL ON thidua.nomination_round, thidua.round_award, thidua.nomination, thidua.nomination_achievement,
	thidua.dossier_item, thidua.nomination_transition, thidua.nomination_event, thidua.disclosure_comment,
	thidua.council_member, thidua.quota_tie FROM PUBLIC;
GRANT SELECT ON thidua.nomination_transition TO PUBLIC;

CREATE OR REPLACE FUNCTION thidua.create_roles() RETURNS void
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
END
$$;
COMMENT ON FUNCTION thidua.create_roles() IS
	'creates the group roles thidua_admin, thidua_scorer, thidua_reader, thidua_council if missing and grants their rights (superuser only; idempotent)';

------------------------------------------------------------------------------
-- Workflow: the steps of a nomination of a nomination (61_nomination_workflow.sql), the
-- registry and its statistics (64_award_registry.sql), who reads and calls
-- them (90_roles.sql)
------------------------------------------------------------------------------
-- The event log is append-only for everyone, the extension's owner included:
-- the workflow functions only ever insert into it.
CREATE FUNCTION thidua._guard_nomination_event() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	RAISE EXCEPTION 'the nomination event log is append-only: % is refused', lower(TG_OP)
		USING ERRCODE = 'insufficient_privilege',
			  DETAIL = 'Every step of every nomination stays on record as it was taken.';
END
$$;
COMMENT ON FUNCTION thidua._guard_nomination_event() IS
	'trigger: refuses UPDATE, DELETE and TRUNCATE of nomination_event (append-only), whoever asks';
CREATE TRIGGER nomination_event_append_only BEFORE UPDATE OR DELETE ON thidua.nomination_event
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_nomination_event();
CREATE TRIGGER nomination_event_no_truncate BEFORE TRUNCATE ON thidua.nomination_event
	FOR EACH STATEMENT EXECUTE FUNCTION thidua._guard_nomination_event();

-- Refuses a step before any work is done, with _transition's own error (state
-- and allowed next, or the actor's right); returns the nomination, locked.
CREATE FUNCTION thidua._step(nomination bigint, action text) RETURNS thidua.nomination
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	n thidua.nomination;
BEGIN
	SELECT * INTO n FROM thidua.nomination x WHERE x.nomination_id OPERATOR(pg_catalog.=) nomination FOR UPDATE;
	IF NOT FOUND OR NOT EXISTS (
		SELECT 1 FROM thidua.nomination_transition t
		WHERE t.from_state OPERATOR(pg_catalog.=) n.state AND t.action OPERATOR(pg_catalog.=) _step.action
		  AND (thidua._actor_is_admin()
			   OR (t.actor OPERATOR(pg_catalog.=) 'proposer' AND n.proposing_unit OPERATOR(pg_catalog.=) ANY (thidua._actor_units())))) THEN
		PERFORM thidua._transition(nomination, action);
		RAISE EXCEPTION 'internal error: step % of nomination % was not refused', action, nomination;
	END IF;
	RETURN n;
END
$$;
COMMENT ON FUNCTION thidua._step(bigint, text) IS
	'locks a nomination and raises _transition''s error when the action is not allowed now to the actor; returns the row';

-- A nomination the proposer may still change (draft or returned), locked.
CREATE FUNCTION thidua._editable(nomination bigint, what text) RETURNS thidua.nomination
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	n thidua.nomination;
BEGIN
	SELECT * INTO n FROM thidua.nomination x WHERE x.nomination_id OPERATOR(pg_catalog.=) nomination FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'nomination % does not exist', nomination USING ERRCODE = 'no_data_found';
	END IF;
	IF NOT thidua._actor_is_admin() AND NOT n.proposing_unit OPERATOR(pg_catalog.=) ANY (thidua._actor_units()) THEN
		RAISE EXCEPTION 'role "%" may not % nomination %', thidua._actor(), what, nomination
			USING ERRCODE = 'insufficient_privilege',
				  DETAIL = format('Only an administrator or a role acting for the proposing unit "%s" may.', n.proposing_unit);
	END IF;
	IF n.state NOT IN ('draft', 'returned') THEN
		RAISE EXCEPTION 'nomination % is %: it cannot be % now', nomination, n.state, what
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = 'A nomination is changed while draft or returned only.';
	END IF;
	RETURN n;
END
$$;
COMMENT ON FUNCTION thidua._editable(bigint, text) IS
	'locks a nomination its proposer (or an administrator) may change now (draft or returned); raises otherwise';

-- Appends an event that changes no state (an edit, a comment), so that the log
-- holds everything done to a nomination.
CREATE FUNCTION thidua._note_event(n thidua.nomination, action text, reason text, detail jsonb) RETURNS void
	LANGUAGE sql
	SET search_path = pg_catalog, pg_temp
	AS $$
	INSERT INTO thidua.nomination_event (nomination_id, action, from_state, to_state, by_role, reason, detail)
	VALUES (n.nomination_id, action, n.state, n.state, thidua._actor(), reason, detail)
$$;

-- The rulebook version and entry that judge a round's award.
CREATE FUNCTION thidua._round_entry(round text, award text) RETURNS thidua.rulebook_entry
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	r thidua.nomination_round;
	e thidua.rulebook_entry;
BEGIN
	SELECT * INTO r FROM thidua.nomination_round x WHERE x.round_code OPERATOR(pg_catalog.=) round;
	SELECT * INTO e FROM thidua.rulebook_entry x
	WHERE x.version_code OPERATOR(pg_catalog.=) thidua._rulebook_for(award, make_date(r.year, 12, 31), r.rulebook_version)
	  AND x.award_code OPERATOR(pg_catalog.=) award;
	RETURN e;
END
$$;
COMMENT ON FUNCTION thidua._round_entry(text, text) IS
	'the rulebook entry judging an award of a round: the round''s version, else the one in force on 31 December of its year';

-- Excluded by law (Decree 152/2025 Art. 4; the old law alike): a person under
-- consideration of discipline, under investigation, or whose complaint is being
-- verified, on the given date, is not proposed, checked or decided.
CREATE FUNCTION thidua._refuse_excluded(person text, on_date date, what text) RETURNS void
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	d thidua.discipline;
BEGIN
	IF person IS NULL THEN
		RETURN;
	END IF;
	SELECT * INTO d FROM thidua.discipline x
	WHERE x.person_code OPERATOR(pg_catalog.=) person AND x.kind IN ('consideration', 'investigation', 'complaint')
	  AND x.valid_from OPERATOR(pg_catalog.<=) on_date AND (x.valid_to IS NULL OR x.valid_to OPERATOR(pg_catalog.>=) on_date)
	ORDER BY x.valid_from, x.record_id LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION '% refused: person "%" is excluded by law on %', what, person, to_char(on_date, 'YYYY-MM-DD')
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = format('Discipline record %s: %s open since %s%s.', d.record_id,
					  CASE d.kind WHEN 'consideration' THEN 'discipline being considered' WHEN 'investigation' THEN 'under investigation'
						   ELSE 'a complaint being verified' END, to_char(d.valid_from, 'YYYY-MM-DD'),
					  coalesce(', decision ' || d.decision, '')),
				  HINT = 'Decree 152/2025 Art. 4 (and the old law alike): no award while the proceeding lasts; record its end (valid_to) first.';
	END IF;
END
$$;
COMMENT ON FUNCTION thidua._refuse_excluded(text, date, text) IS
	'raises object_not_in_prerequisite_state when the person has a discipline proceeding (consideration, investigation, complaint) open on the date, naming the record and its decision';

-- Checks and stores achievements ("initiative:<code>" an initiative the person
-- authored; anything else a free key).
CREATE FUNCTION thidua._set_achievements(n thidua.nomination, achievements text[]) RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	a text;
	code text;
BEGIN
	DELETE FROM thidua.nomination_achievement x WHERE x.nomination_id OPERATOR(pg_catalog.=) n.nomination_id;
	FOREACH a IN ARRAY coalesce(achievements, '{}') LOOP
		a := normalize(btrim(a), NFC);
		IF coalesce(a, '') OPERATOR(pg_catalog.=) '' THEN
			RAISE EXCEPTION 'an achievement is empty' USING ERRCODE = 'invalid_parameter_value';
		END IF;
		code := NULL;
		IF a LIKE 'initiative:%' THEN
			code := substr(a, 12);
			IF NOT EXISTS (SELECT 1 FROM thidua.initiative i WHERE i.initiative_code OPERATOR(pg_catalog.=) code) THEN
				RAISE EXCEPTION 'achievement "%": initiative "%" does not exist', a, code
					USING ERRCODE = 'no_data_found';
			END IF;
			IF n.person_code IS NOT NULL AND NOT EXISTS (SELECT 1 FROM thidua.initiative_author ia
					WHERE ia.initiative_code OPERATOR(pg_catalog.=) code AND ia.person_code OPERATOR(pg_catalog.=) n.person_code) THEN
				RAISE EXCEPTION 'achievement "%": "%" is not an author of initiative "%"', a, n.person_code, code
					USING ERRCODE = 'invalid_parameter_value';
			END IF;
		END IF;
		INSERT INTO thidua.nomination_achievement (nomination_id, achievement, initiative_code)
		VALUES (n.nomination_id, a, code) ON CONFLICT DO NOTHING;
	END LOOP;
END
$$;

CREATE FUNCTION thidua._check_evidence(evidence jsonb) RETURNS jsonb
	LANGUAGE plpgsql IMMUTABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	IF evidence IS NULL OR jsonb_typeof(evidence) OPERATOR(pg_catalog.<>) 'array'
	   OR EXISTS (SELECT 1 FROM jsonb_array_elements(evidence) e WHERE jsonb_typeof(e) OPERATOR(pg_catalog.<>) 'string') THEN
		RAISE EXCEPTION 'evidence must be a JSON array of strings (links), not %', coalesce(evidence::text, 'null')
			USING ERRCODE = 'invalid_parameter_value', HINT = 'E.g. ["https://…/report.pdf"].';
	END IF;
	RETURN evidence;
END
$$;

CREATE FUNCTION thidua.create_round(round_code text, title text, year integer, authority text, council_unit text,
									deadline date, awards text[], rulebook_version text DEFAULT NULL, meets_on date DEFAULT NULL)
	RETURNS text
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	a text;
BEGIN
	IF NOT thidua._actor_is_admin() THEN
		RAISE EXCEPTION 'role "%" may not create a nomination round', thidua._actor()
			USING ERRCODE = 'insufficient_privilege', DETAIL = 'Only an administrator (thidua_admin) may.';
	END IF;
	title := normalize(btrim(title), NFC);
	authority := normalize(btrim(authority), NFC);
	IF round_code IS NULL OR coalesce(title, '') = '' OR year IS NULL OR coalesce(authority, '') = ''
	   OR council_unit IS NULL OR deadline IS NULL THEN
		RAISE EXCEPTION 'a round needs its code, title, year, authority, council unit and deadline'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF coalesce(cardinality(awards), 0) = 0 THEN
		RAISE EXCEPTION 'round "%" needs at least one award', round_code USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF EXISTS (SELECT 1 FROM thidua.nomination_round r WHERE r.round_code OPERATOR(pg_catalog.=) create_round.round_code) THEN
		RAISE EXCEPTION 'round "%" exists already', round_code USING ERRCODE = 'unique_violation';
	END IF;
	IF NOT EXISTS (SELECT 1 FROM thidua.unit u WHERE u.unit_code OPERATOR(pg_catalog.=) council_unit) THEN
		RAISE EXCEPTION 'round "%": council unit "%" does not exist', round_code, council_unit USING ERRCODE = 'no_data_found';
	END IF;
	IF year NOT BETWEEN 1900 AND 2198 THEN
		RAISE EXCEPTION 'round "%": year % is out of range', round_code, year USING ERRCODE = 'invalid_parameter_value';
	END IF;
	FOREACH a IN ARRAY awards LOOP
		IF NOT EXISTS (SELECT 1 FROM thidua.award x WHERE x.award_code OPERATOR(pg_catalog.=) a) THEN
			RAISE EXCEPTION 'round "%": award "%" does not exist', round_code, a
				USING ERRCODE = 'no_data_found', HINT = 'thidua.award lists the awards.';
		END IF;
		-- raises, naming the award, when no version judges it
		PERFORM thidua._rulebook_for(a, make_date(year, 12, 31), rulebook_version);
	END LOOP;
	INSERT INTO thidua.nomination_round (round_code, title, year, authority, council_unit, deadline, rulebook_version, meets_on, created_by)
	VALUES (round_code, title, year, authority, council_unit, deadline, rulebook_version, meets_on, thidua._actor());
	INSERT INTO thidua.round_award (round_code, award_code) SELECT DISTINCT round_code, x FROM unnest(awards) x;
	RETURN round_code;
END
$$;
COMMENT ON FUNCTION thidua.create_round(text, text, integer, text, text, date, text[], text, date) IS
	'create_round(round_code, title, year, authority, council_unit, deadline, awards text[] [, rulebook_version [, meets_on]]) -> round_code: a call for nominations (administrators). Each award must exist and be judged by the named rulebook version or by one in force on 31 December of year. Errors: insufficient_privilege; unknown award (named), unit or version; no rulebook for an award; round exists';

CREATE FUNCTION thidua.nominate(round_code text, award_code text, subject text, proposing_unit text, summary text DEFAULT '',
								evidence jsonb DEFAULT '[]', achievements text[] DEFAULT '{}', override_reason text DEFAULT NULL)
	RETURNS bigint
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	r thidua.nomination_round;
	award_subject text;
	entry thidua.rulebook_entry;
	n thidua.nomination;
BEGIN
	SELECT * INTO r FROM thidua.nomination_round x WHERE x.round_code OPERATOR(pg_catalog.=) nominate.round_code;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'round "%" does not exist', round_code USING ERRCODE = 'no_data_found';
	END IF;
	IF NOT EXISTS (SELECT 1 FROM thidua.round_award x WHERE x.round_code OPERATOR(pg_catalog.=) r.round_code
				   AND x.award_code OPERATOR(pg_catalog.=) nominate.award_code) THEN
		RAISE EXCEPTION 'round "%" does not consider award "%"', round_code, award_code
			USING ERRCODE = 'no_data_found',
				  DETAIL = format('Its awards: %s.', (SELECT string_agg(x.award_code, ', ' ORDER BY x.award_code) FROM thidua.round_award x
													 WHERE x.round_code OPERATOR(pg_catalog.=) r.round_code));
	END IF;
	IF NOT EXISTS (SELECT 1 FROM thidua.unit u WHERE u.unit_code OPERATOR(pg_catalog.=) proposing_unit) THEN
		RAISE EXCEPTION 'proposing unit "%" does not exist', proposing_unit USING ERRCODE = 'no_data_found';
	END IF;
	IF NOT thidua._actor_is_admin() AND NOT proposing_unit OPERATOR(pg_catalog.=) ANY (thidua._actor_units()) THEN
		RAISE EXCEPTION 'role "%" may not nominate for unit "%"', thidua._actor(), proposing_unit
			USING ERRCODE = 'insufficient_privilege',
				  DETAIL = format('Only an administrator or a role acting for unit "%s" (thidua.role_unit) may.', proposing_unit);
	END IF;
	IF current_date OPERATOR(pg_catalog.>) r.deadline AND NOT thidua._actor_is_admin() THEN
		RAISE EXCEPTION 'round "%" closed for nominations on %', round_code, to_char(r.deadline, 'YYYY-MM-DD')
			USING ERRCODE = 'object_not_in_prerequisite_state', HINT = 'An administrator may still nominate.';
	END IF;
	SELECT a.subject INTO award_subject FROM thidua.award a WHERE a.award_code OPERATOR(pg_catalog.=) nominate.award_code;
	IF award_subject OPERATOR(pg_catalog.=) 'individual'
	   AND NOT EXISTS (SELECT 1 FROM thidua.individual i WHERE i.person_code OPERATOR(pg_catalog.=) subject) THEN
		RAISE EXCEPTION 'award "%" is for individuals: person "%" does not exist', award_code, subject USING ERRCODE = 'no_data_found';
	ELSIF award_subject OPERATOR(pg_catalog.=) 'collective'
	   AND NOT EXISTS (SELECT 1 FROM thidua.unit u WHERE u.unit_code OPERATOR(pg_catalog.=) subject) THEN
		RAISE EXCEPTION 'award "%" is for collectives: unit "%" does not exist', award_code, subject USING ERRCODE = 'no_data_found';
	END IF;
	IF award_subject OPERATOR(pg_catalog.=) 'individual' THEN
		PERFORM thidua._refuse_excluded(subject, current_date, 'nomination');
	END IF;
	override_reason := nullif(normalize(btrim(override_reason), NFC), '');
	summary := normalize(btrim(coalesce(summary, '')), NFC);
	entry := thidua._round_entry(r.round_code, award_code);
	INSERT INTO thidua.nomination (round_code, award_code, person_code, unit_code, proposing_unit, summary, evidence, override_reason, created_by)
	VALUES (r.round_code, award_code, CASE WHEN award_subject OPERATOR(pg_catalog.=) 'individual' THEN subject END,
			CASE WHEN award_subject OPERATOR(pg_catalog.=) 'collective' THEN subject END, proposing_unit, summary,
			thidua._check_evidence(evidence), override_reason, thidua._actor())
	RETURNING * INTO n;
	PERFORM thidua._set_achievements(n, achievements);
	INSERT INTO thidua.dossier_item (nomination_id, item, present, updated_by)
	SELECT DISTINCT n.nomination_id, d ->> 'item', false, thidua._actor()
	FROM jsonb_array_elements(coalesce(entry.nomination -> 'dossier', '[]')) d;
	INSERT INTO thidua.nomination_event (nomination_id, action, from_state, to_state, by_role, reason, detail)
	VALUES (n.nomination_id, 'nominate', NULL, 'draft', thidua._actor(), override_reason,
			jsonb_build_object('rulebook_version', entry.version_code));
	RETURN n.nomination_id;
END
$$;
COMMENT ON FUNCTION thidua.nominate(text, text, text, text, text, jsonb, text[], text) IS
	'nominate(round_code, award_code, subject, proposing_unit [, summary, evidence jsonb array of links, achievements text[] ("initiative:<code>" or a free key), override_reason]) -> nomination_id, in state draft, with the dossier items the rulebook entry requires (nomination->''dossier''), all missing. subject: a person_code or unit_code as the award''s subject says. Errors: unknown round, award of the round, unit or subject; insufficient_privilege unless an administrator or a role acting for proposing_unit; past the deadline (non-administrators); excluded by law (discipline being considered, investigation, complaint open today: Decree 152/2025 Art. 4)';

CREATE FUNCTION thidua.update_nomination(nomination bigint, summary text DEFAULT NULL, evidence jsonb DEFAULT NULL,
										 achievements text[] DEFAULT NULL, override_reason text DEFAULT NULL)
	RETURNS integer
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	n thidua.nomination := thidua._editable(nomination, 'edit');
BEGIN
	UPDATE thidua.nomination x SET summary = coalesce(normalize(btrim(update_nomination.summary), NFC), x.summary),
		evidence = CASE WHEN update_nomination.evidence IS NULL THEN x.evidence ELSE thidua._check_evidence(update_nomination.evidence) END,
		override_reason = coalesce(nullif(normalize(btrim(update_nomination.override_reason), NFC), ''), x.override_reason),
		dossier_revision = x.dossier_revision + 1
	WHERE x.nomination_id OPERATOR(pg_catalog.=) nomination
	RETURNING * INTO n;
	IF achievements IS NOT NULL THEN
		PERFORM thidua._set_achievements(n, achievements);
	END IF;
	PERFORM thidua._note_event(n, 'edit', NULL, jsonb_build_object('dossier_revision', n.dossier_revision,
		'changed', to_jsonb(array_remove(ARRAY[CASE WHEN summary IS NOT NULL THEN 'summary' END,
			CASE WHEN evidence IS NOT NULL THEN 'evidence' END, CASE WHEN achievements IS NOT NULL THEN 'achievements' END,
			CASE WHEN override_reason IS NOT NULL THEN 'override_reason' END], NULL))));
	RETURN n.dossier_revision;
END
$$;
COMMENT ON FUNCTION thidua.update_nomination(bigint, text, jsonb, text[], text) IS
	'update_nomination(nomination [, summary, evidence, achievements, override_reason]) -> the new dossier_revision: changes what is given (NULL: unchanged) while draft or returned (proposer or administrator). Errors: unknown nomination; insufficient_privilege; another state; bad evidence or achievement';

CREATE FUNCTION thidua.set_dossier_item(nomination bigint, item text, present boolean, reference text DEFAULT NULL)
	RETURNS integer
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	n thidua.nomination := thidua._editable(nomination, 'edit');
BEGIN
	IF present IS NULL THEN
		RAISE EXCEPTION 'dossier item "%": present must be true or false', item USING ERRCODE = 'null_value_not_allowed';
	END IF;
	UPDATE thidua.dossier_item d SET present = set_dossier_item.present,
		reference = nullif(normalize(btrim(set_dossier_item.reference), NFC), ''), updated_at = now(), updated_by = thidua._actor()
	WHERE d.nomination_id OPERATOR(pg_catalog.=) nomination AND d.item OPERATOR(pg_catalog.=) set_dossier_item.item;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'nomination % has no dossier item "%"', nomination, item
			USING ERRCODE = 'no_data_found',
				  DETAIL = coalesce('Its items: ' || (SELECT string_agg(d.item, ', ' ORDER BY d.item) FROM thidua.dossier_item d
									 WHERE d.nomination_id OPERATOR(pg_catalog.=) nomination) || '.',
									'The rulebook entry of its award requires none.');
	END IF;
	UPDATE thidua.nomination x SET dossier_revision = x.dossier_revision + 1
	WHERE x.nomination_id OPERATOR(pg_catalog.=) nomination RETURNING * INTO n;
	PERFORM thidua._note_event(n, 'dossier', NULL, jsonb_build_object('item', item, 'present', present,
		'reference', reference, 'dossier_revision', n.dossier_revision));
	RETURN n.dossier_revision;
END
$$;
COMMENT ON FUNCTION thidua.set_dossier_item(bigint, text, boolean, text) IS
	'set_dossier_item(nomination, item, present, reference) -> the new dossier_revision: marks a required dossier item present or missing, while draft or returned (proposer or administrator). Errors: unknown nomination or item (the items listed); insufficient_privilege; another state';

CREATE FUNCTION thidua.submit(nomination bigint, reason text DEFAULT NULL) RETURNS thidua.nomination_state
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	n thidua.nomination := thidua._step(nomination, 'submit');
	deadline date := (SELECT r.deadline FROM thidua.nomination_round r WHERE r.round_code OPERATOR(pg_catalog.=) n.round_code);
BEGIN
	IF current_date OPERATOR(pg_catalog.>) deadline AND NOT thidua._actor_is_admin() THEN
		RAISE EXCEPTION 'round "%" closed for nominations on %', n.round_code, to_char(deadline, 'YYYY-MM-DD')
			USING ERRCODE = 'object_not_in_prerequisite_state', HINT = 'An administrator may still submit it.';
	END IF;
	RETURN thidua._transition(nomination, 'submit', normalize(btrim(reason), NFC));
END
$$;
COMMENT ON FUNCTION thidua.submit(bigint, text) IS
	'submit(nomination [, reason]) -> submitted: the proposer (or an administrator) files a draft; refused past the round''s deadline for non-administrators. Errors: state (naming the allowed next), insufficient_privilege';

CREATE FUNCTION thidua.return_nomination(nomination bigint, reason text) RETURNS thidua.nomination_state
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	n thidua.nomination := thidua._step(nomination, 'return');
	new_state thidua.nomination_state;
BEGIN
	reason := normalize(btrim(reason), NFC);
	IF coalesce(reason, '') = '' THEN
		RAISE EXCEPTION 'returning nomination % needs a reason', nomination USING ERRCODE = 'null_value_not_allowed';
	END IF;
	new_state := thidua._transition(nomination, 'return', reason, jsonb_build_object('dossier_revision', n.dossier_revision));
	UPDATE thidua.nomination x SET returned_at_revision = x.dossier_revision WHERE x.nomination_id OPERATOR(pg_catalog.=) nomination;
	RETURN new_state;
END
$$;
COMMENT ON FUNCTION thidua.return_nomination(bigint, text) IS
	'return_nomination(nomination, reason) -> returned: the office sends a submitted or resubmitted dossier back, with a reason (required); it may come back only changed. Errors: state, insufficient_privilege, no reason';

CREATE FUNCTION thidua.resubmit(nomination bigint, reason text DEFAULT NULL) RETURNS thidua.nomination_state
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	n thidua.nomination := thidua._step(nomination, 'resubmit');
BEGIN
	IF n.dossier_revision OPERATOR(pg_catalog.=) n.returned_at_revision THEN
		RAISE EXCEPTION 'nomination %: a returned dossier cannot come back unchanged', nomination
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = format('It was returned at revision %s and is still at it.', n.returned_at_revision),
				  HINT = 'Change the summary, evidence, achievements or dossier items first (update_nomination, set_dossier_item).';
	END IF;
	RETURN thidua._transition(nomination, 'resubmit', normalize(btrim(reason), NFC),
		jsonb_build_object('dossier_revision', n.dossier_revision, 'returned_at_revision', n.returned_at_revision));
END
$$;
COMMENT ON FUNCTION thidua.resubmit(bigint, text) IS
	'resubmit(nomination [, reason]) -> resubmitted: the proposer files a returned dossier again, only if changed since it was returned. Errors: state, insufficient_privilege, unchanged';

-- The failing leaves that decide a failed rule: no ancestor of theirs passed
-- (a failing alternative under a passing any_of decides nothing).
CREATE FUNCTION thidua._deciding_failures(rule jsonb, snapshot jsonb) RETURNS jsonb
	LANGUAGE sql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
	WITH RECURSIVE nodes AS (
		SELECT t.node, t.parent, t.body, (s ->> 'passed')::boolean AS passed, s ->> 'kind' AS kind, s ->> 'evidence' AS evidence
		FROM thidua._rule_nodes(rule) t
		JOIN jsonb_array_elements(snapshot) s ON s ->> 'node' OPERATOR(pg_catalog.=) t.node
	), up AS (
		SELECT n.node AS leaf, n.parent FROM nodes n
		WHERE NOT n.passed AND NOT (n.body ? 'all_of' OR n.body ? 'any_of')
		UNION ALL
		SELECT up.leaf, p.parent FROM up JOIN nodes p ON p.node OPERATOR(pg_catalog.=) up.parent
		WHERE NOT p.passed
	)
	SELECT coalesce(jsonb_agg(jsonb_build_object('node', n.node, 'kind', n.kind, 'evidence', n.evidence) ORDER BY n.node), '[]')
	FROM nodes n
	WHERE NOT n.passed AND NOT (n.body ? 'all_of' OR n.body ? 'any_of')
	  AND NOT EXISTS (SELECT 1 FROM up JOIN nodes p ON p.node OPERATOR(pg_catalog.=) up.parent
					  WHERE up.leaf OPERATOR(pg_catalog.=) n.node AND p.passed)
$$;

CREATE FUNCTION thidua.check(nomination bigint, reason text DEFAULT NULL) RETURNS thidua.nomination_state
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	n thidua.nomination := thidua._step(nomination, 'check');
	r thidua.nomination_round;
	entry thidua.rulebook_entry;
	missing text;
	snapshot jsonb;
	eligible boolean;
	failing jsonb;
	allowed jsonb;
	detail jsonb;
	new_state thidua.nomination_state;
BEGIN
	SELECT * INTO r FROM thidua.nomination_round x WHERE x.round_code OPERATOR(pg_catalog.=) n.round_code;
	PERFORM thidua._refuse_excluded(n.person_code, current_date, format('checking nomination %s', nomination));
	SELECT string_agg(d.item, ', ' ORDER BY d.item) INTO missing FROM thidua.dossier_item d
	WHERE d.nomination_id OPERATOR(pg_catalog.=) nomination AND NOT d.present;
	IF missing IS NOT NULL THEN
		RAISE EXCEPTION 'nomination %: the dossier is incomplete', nomination
			USING ERRCODE = 'object_not_in_prerequisite_state', DETAIL = format('Missing: %s.', missing),
				  HINT = 'Return it to the proposer (return_nomination) to complete it.';
	END IF;
	entry := thidua._round_entry(n.round_code, n.award_code);
	SELECT jsonb_agg(to_jsonb(e)), bool_or(e.passed) FILTER (WHERE e.node OPERATOR(pg_catalog.=) 'rule') INTO snapshot, eligible
	FROM thidua.eligibility(coalesce(n.person_code, n.unit_code), n.award_code, r.year, entry.version_code) e;
	detail := jsonb_build_object('eligible', eligible, 'rulebook_version', entry.version_code);
	IF NOT eligible THEN
		failing := thidua._deciding_failures(entry.rule, snapshot);
		allowed := entry.nomination -> 'override' -> 'kinds';
		IF allowed IS NULL OR EXISTS (SELECT 1 FROM jsonb_array_elements(failing) f WHERE NOT allowed ? (f ->> 'kind')) THEN
			RAISE EXCEPTION 'nomination %: % is not eligible for % %', nomination, coalesce(n.person_code, n.unit_code), n.award_code, r.year
				USING ERRCODE = 'object_not_in_prerequisite_state',
					  DETAIL = format('Failing: %s.', (SELECT string_agg(format('%s (%s): %s', f ->> 'node', f ->> 'kind', f ->> 'evidence'), '; ')
														FROM jsonb_array_elements(failing) f)),
					  HINT = CASE WHEN allowed IS NULL THEN format('Rulebook %s allows no override for %s.', entry.version_code, n.award_code)
						ELSE format('Rulebook %s allows an override of %s only.', entry.version_code,
							(SELECT string_agg(k, ', ') FROM jsonb_array_elements_text(allowed) k)) END;
		END IF;
		IF n.override_reason IS NULL THEN
			RAISE EXCEPTION 'nomination %: % is not eligible for % %, and the override needs a stated reason', nomination,
				coalesce(n.person_code, n.unit_code), n.award_code, r.year
				USING ERRCODE = 'object_not_in_prerequisite_state',
					  DETAIL = format('Failing (overridable): %s.', (SELECT string_agg(format('%s (%s)', f ->> 'node', f ->> 'kind'), '; ')
																	 FROM jsonb_array_elements(failing) f)),
					  HINT = 'Return it so that the proposer states the reason (update_nomination''s override_reason).';
		END IF;
		detail := detail || jsonb_build_object('override', jsonb_build_object('reason', n.override_reason, 'failing', failing,
			'source', entry.nomination -> 'override' -> 'source'));
	END IF;
	new_state := thidua._transition(nomination, 'check', normalize(btrim(reason), NFC), detail);
	UPDATE thidua.nomination x SET checked_on = current_date, eligibility_snapshot = snapshot, rulebook_version = entry.version_code
	WHERE x.nomination_id OPERATOR(pg_catalog.=) nomination;
	RETURN new_state;
END
$$;
COMMENT ON FUNCTION thidua.check(bigint, text) IS
	'check(nomination [, reason]) -> checked (administrators): the dossier must be complete and the subject not excluded by law; eligibility (subject, award, the round''s year and rulebook) is computed and stored with the nomination (eligibility_snapshot, checked_on, rulebook_version), never rewritten. Not eligible: refused, unless the rulebook entry''s nomination->''override''->''kinds'' lists every deciding failed rule kind and the nomination states override_reason; the failed nodes go into the event. Errors: state, insufficient_privilege, missing items (named), not eligible (failing nodes named)';

CREATE FUNCTION thidua.disclose(nomination bigint, "on" date DEFAULT current_date) RETURNS thidua.nomination_state
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	n thidua.nomination := thidua._step(nomination, 'disclose');
	entry thidua.rulebook_entry := thidua._round_entry(n.round_code, n.award_code);
	new_state thidua.nomination_state;
BEGIN
	IF entry.disclosure IS NULL THEN
		RAISE EXCEPTION 'award "%" is not disclosed to the public under rulebook %', n.award_code, entry.version_code
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = 'Its rulebook entry requires no disclosure (disclosure is null).';
	END IF;
	IF "on" IS NULL THEN
		RAISE EXCEPTION 'disclosing nomination % needs the date', nomination USING ERRCODE = 'null_value_not_allowed';
	END IF;
	new_state := thidua._transition(nomination, 'disclose', NULL,
		jsonb_build_object('on', "on", 'working_days', entry.disclosure -> 'working_days', 'source', entry.disclosure -> 'source'));
	UPDATE thidua.nomination x SET disclosed_on = "on" WHERE x.nomination_id OPERATOR(pg_catalog.=) nomination;
	RETURN new_state;
END
$$;
COMMENT ON FUNCTION thidua.disclose(bigint, date) IS
	'disclose(nomination [, on date]) -> disclosed (administrators): the nominee is published for public comment from the date (default today), only for an award whose rulebook entry requires disclosure (error naming the award otherwise). Errors: state, insufficient_privilege';

CREATE FUNCTION thidua.comment(nomination bigint, received_on date, commenter text, body text) RETURNS bigint
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	n thidua.nomination;
	id bigint;
BEGIN
	SELECT * INTO n FROM thidua.nomination x WHERE x.nomination_id OPERATOR(pg_catalog.=) nomination FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'nomination % does not exist', nomination USING ERRCODE = 'no_data_found';
	END IF;
	IF NOT thidua._actor_is_admin() THEN
		RAISE EXCEPTION 'role "%" may not record comments on nomination %', thidua._actor(), nomination
			USING ERRCODE = 'insufficient_privilege', DETAIL = 'Only an administrator (thidua_admin) may.';
	END IF;
	IF n.state OPERATOR(pg_catalog.<>) 'disclosed' THEN
		RAISE EXCEPTION 'nomination % is %: comments are recorded while it is disclosed', nomination, n.state
			USING ERRCODE = 'object_not_in_prerequisite_state';
	END IF;
	body := normalize(btrim(body), NFC);
	IF received_on IS NULL OR coalesce(body, '') = '' THEN
		RAISE EXCEPTION 'a comment on nomination % needs the date received and its text', nomination
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	INSERT INTO thidua.disclosure_comment (nomination_id, received_on, commenter, body, recorded_by)
	VALUES (nomination, received_on, nullif(normalize(btrim(commenter), NFC), ''), body, thidua._actor())
	RETURNING comment_id INTO id;
	PERFORM thidua._note_event(n, 'comment', NULL, jsonb_build_object('comment_id', id, 'received_on', received_on));
	RETURN id;
END
$$;
COMMENT ON FUNCTION thidua.comment(bigint, date, text, text) IS
	'comment(nomination, received_on, commenter, body) -> comment_id (administrators): records a public comment received while the nomination is disclosed. Errors: state, insufficient_privilege, missing date or text';

CREATE FUNCTION thidua.withdraw(nomination bigint, reason text) RETURNS thidua.nomination_state
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	PERFORM thidua._step(nomination, 'withdraw');
	reason := normalize(btrim(reason), NFC);
	IF coalesce(reason, '') = '' THEN
		RAISE EXCEPTION 'withdrawing nomination % needs a reason', nomination USING ERRCODE = 'null_value_not_allowed';
	END IF;
	RETURN thidua._transition(nomination, 'withdraw', reason);
END
$$;
COMMENT ON FUNCTION thidua.withdraw(bigint, text) IS
	'withdraw(nomination, reason) -> withdrawn: the proposer (or an administrator) withdraws a nomination before the vote opens, with a reason (required). Errors: state, insufficient_privilege, no reason';

CREATE FUNCTION thidua.decide(nomination bigint, decision_number text, decision_date date, signer text)
	RETURNS thidua.nomination_state
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	n thidua.nomination := thidua._step(nomination, 'decide');
	tie thidua.quota_tie;
	new_state thidua.nomination_state;
BEGIN
	SELECT * INTO tie FROM thidua.quota_tie t
	WHERE t.round_code OPERATOR(pg_catalog.=) n.round_code AND t.decided_at IS NULL
	ORDER BY t.award_code, t.scope LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION 'round "%" is blocked by a tie at the quota of award "%"%', n.round_code, tie.award_code,
			CASE WHEN tie.scope OPERATOR(pg_catalog.<>) '' THEN format(' (scope "%s")', tie.scope) ELSE '' END
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = format('Nominations %s are tied for %s seat(s).', array_to_string(tie.tied, ', '), tie.seats_left),
				  HINT = 'The council decides the tie first (resolve_tie).';
	END IF;
	decision_number := btrim(decision_number);
	signer := normalize(btrim(signer), NFC);
	IF coalesce(decision_number, '') = '' OR decision_date IS NULL OR coalesce(signer, '') = '' THEN
		RAISE EXCEPTION 'deciding nomination % needs the decision number, date and signer', nomination
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	PERFORM thidua._refuse_excluded(n.person_code, current_date, format('deciding nomination %s', nomination));
	new_state := thidua._transition(nomination, 'decide', NULL,
		jsonb_build_object('decision_number', decision_number, 'decision_date', decision_date, 'signer', signer));
	UPDATE thidua.nomination x SET decision_number = decide.decision_number, decision_date = decide.decision_date, signer = decide.signer
	WHERE x.nomination_id OPERATOR(pg_catalog.=) nomination;
	RETURN new_state;
END
$$;
COMMENT ON FUNCTION thidua.decide(bigint, text, date, text) IS
	'decide(nomination, decision_number, decision_date, signer) -> decided (administrators): records the decision on an approved nomination. Refused while the round has an undecided tie at a quota (quota_tie), and when the person is excluded by law today. Errors: state, insufficient_privilege, missing fields';

CREATE FUNCTION thidua.award(nomination bigint) RETURNS bigint
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	n thidua.nomination := thidua._step(nomination, 'award');
	r thidua.nomination_round;
	record bigint;
BEGIN
	SELECT * INTO r FROM thidua.nomination_round x WHERE x.round_code OPERATOR(pg_catalog.=) n.round_code;
	IF n.person_code IS NOT NULL THEN
		INSERT INTO thidua.individual_award (person_code, award_code, year, decision_number, decision_date, issuer)
		VALUES (n.person_code, n.award_code, r.year, n.decision_number, n.decision_date, r.authority)
		RETURNING record_id INTO record;
		-- the initiatives it rests on count for this award only
		UPDATE thidua.initiative i SET used_by_award = record
		FROM thidua.nomination_achievement a
		WHERE a.nomination_id OPERATOR(pg_catalog.=) nomination AND a.initiative_code OPERATOR(pg_catalog.=) i.initiative_code
		  AND i.used_by_award IS NULL;
	ELSE
		INSERT INTO thidua.unit_award (unit_code, award_code, year, decision_number, decision_date, issuer)
		VALUES (n.unit_code, n.award_code, r.year, n.decision_number, n.decision_date, r.authority)
		RETURNING record_id INTO record;
	END IF;
	PERFORM thidua._transition(nomination, 'award', NULL, jsonb_build_object('award_record_id', record));
	UPDATE thidua.nomination x SET award_record_id = record WHERE x.nomination_id OPERATOR(pg_catalog.=) nomination;
	RETURN record;
END
$$;
COMMENT ON FUNCTION thidua.award(bigint) IS
	'award(nomination) -> the registry''s record_id (administrators): enters a decided nomination into individual_award or unit_award (year of the round, its decision, issuer = the round''s authority) and marks the initiatives it rests on as used by it. Errors: state, insufficient_privilege';

CREATE FUNCTION thidua.revoke(nomination bigint, revoked_on date, reason text, decision text) RETURNS thidua.nomination_state
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	n thidua.nomination := thidua._step(nomination, 'revoke');
	new_state thidua.nomination_state;
BEGIN
	reason := normalize(btrim(reason), NFC);
	decision := btrim(decision);
	IF revoked_on IS NULL OR coalesce(reason, '') = '' OR coalesce(decision, '') = '' THEN
		RAISE EXCEPTION 'revoking nomination % needs the date, a reason and the decision', nomination
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	new_state := thidua._transition(nomination, 'revoke', reason,
		jsonb_build_object('revoked_on', revoked_on, 'decision', decision, 'award_record_id', n.award_record_id));
	PERFORM thidua.revoke_award(n.award_record_id, revoked_on, reason, decision);
	RETURN new_state;
END
$$;
COMMENT ON FUNCTION thidua.revoke(bigint, date, text, text) IS
	'revoke(nomination, revoked_on, reason, decision) -> revoked (administrators): revokes the award in the registry (thidua.revoke_award; the entry stays, marked, and counts for eligibility no more). Errors: state, insufficient_privilege, missing date, reason or decision';

-- The same achievement in two live nominations (per achievement: one person
-- may receive a title and a Bằng khen in a year for different achievements).
CREATE VIEW thidua.nomination_duplicates AS
	SELECT a.achievement, array_agg(n.nomination_id ORDER BY n.nomination_id) AS nomination_ids,
		array_agg(DISTINCT coalesce(n.person_code, n.unit_code)) AS subjects
	FROM thidua.nomination_achievement a
	JOIN thidua.nomination n ON n.nomination_id OPERATOR(pg_catalog.=) a.nomination_id
	WHERE n.state NOT IN ('withdrawn', 'rejected', 'revoked')
	GROUP BY a.achievement
	HAVING count(*) OPERATOR(pg_catalog.>) 1;
COMMENT ON VIEW thidua.nomination_duplicates IS
	'achievements (an initiative or a named one) that two or more live nominations (not withdrawn, rejected or revoked) rest on';

CREATE VIEW thidua.award_registry AS
	SELECT r.record_id, 'individual'::text AS subject_kind, r.person_code AS subject, r.award_code, a.name AS award_name,
		a.level, r.year, r.decision_number, r.decision_date, r.issuer, r.revoked_on, r.revocation_reason,
		(SELECT n.nomination_id FROM thidua.nomination n WHERE n.award_record_id OPERATOR(pg_catalog.=) r.record_id) AS nomination_id
	FROM thidua.individual_award r JOIN thidua.award a ON a.award_code OPERATOR(pg_catalog.=) r.award_code
	UNION ALL
	SELECT r.record_id, 'collective', r.unit_code, r.award_code, a.name, a.level, r.year, r.decision_number, r.decision_date,
		r.issuer, r.revoked_on, r.revocation_reason,
		(SELECT n.nomination_id FROM thidua.nomination n WHERE n.award_record_id OPERATOR(pg_catalog.=) r.record_id)
	FROM thidua.unit_award r JOIN thidua.award a ON a.award_code OPERATOR(pg_catalog.=) r.award_code;
COMMENT ON VIEW thidua.award_registry IS
	'the award registry: every award received by a person (subject_kind individual) or unit (collective), with its decision and issuer; revoked ones kept with date and reason; nomination_id when the workflow awarded it';

CREATE FUNCTION thidua.award_statistics(year_from integer, year_to integer, "by" text DEFAULT 'award')
	RETURNS TABLE (award_code text, level text, unit_code text, year integer, awarded bigint, revoked bigint,
				   front_line bigint, front_line_share numeric, small_collective bigint, small_collective_share numeric)
	LANGUAGE plpgsql STABLE SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	dims text[];
	bad text;
BEGIN
	IF year_from IS NULL OR year_to IS NULL OR year_from OPERATOR(pg_catalog.>) year_to THEN
		RAISE EXCEPTION 'award statistics need year_from <= year_to' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	dims := string_to_array(replace(lower(coalesce("by", '')), ' ', ''), ',');
	SELECT min(d) INTO bad FROM unnest(dims) d WHERE d NOT IN ('award', 'level', 'unit', 'year');
	IF bad IS NOT NULL OR cardinality(dims) OPERATOR(pg_catalog.=) 0 THEN
		RAISE EXCEPTION 'award statistics cannot be grouped by "%"', coalesce(bad, "by")
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'by: a comma-separated list of award, level, unit, year (e.g. ''award,year'').';
	END IF;
	RETURN QUERY
	WITH entry AS (
		-- a person's unit and posts as on 31 December of the award's year
		SELECT r.award_code, a.level, r.year, r.revoked_on IS NOT NULL AS is_revoked,
			(SELECT m.unit_code FROM thidua.membership m
			 WHERE m.person_code OPERATOR(pg_catalog.=) r.person_code
			   AND m.valid_from OPERATOR(pg_catalog.<=) make_date(r.year, 12, 31)
			   AND (m.valid_to IS NULL OR m.valid_to OPERATOR(pg_catalog.>) make_date(r.year, 12, 31))
			 ORDER BY m.valid_from DESC, m.unit_code LIMIT 1) AS unit_code,
			EXISTS (SELECT 1 FROM thidua.post_held p
					WHERE p.person_code OPERATOR(pg_catalog.=) r.person_code AND p.front_line
					  AND p.valid_from OPERATOR(pg_catalog.<=) make_date(r.year, 12, 31)
					  AND (p.valid_to IS NULL OR p.valid_to OPERATOR(pg_catalog.>) make_date(r.year, 12, 31))) AS is_front_line,
			false AS is_small
		FROM thidua.individual_award r JOIN thidua.award a ON a.award_code OPERATOR(pg_catalog.=) r.award_code
		WHERE r.year BETWEEN year_from AND year_to
		UNION ALL
		SELECT r.award_code, a.level, r.year, r.revoked_on IS NOT NULL, r.unit_code, false, u.small_collective
		FROM thidua.unit_award r JOIN thidua.award a ON a.award_code OPERATOR(pg_catalog.=) r.award_code
		JOIN thidua.unit u ON u.unit_code OPERATOR(pg_catalog.=) r.unit_code
		WHERE r.year BETWEEN year_from AND year_to
	), counted AS (
		SELECT CASE WHEN 'award' = ANY (dims) THEN e.award_code END AS award_code,
			CASE WHEN 'award' = ANY (dims) OR 'level' = ANY (dims) THEN e.level END AS level,
			CASE WHEN 'unit' = ANY (dims) THEN e.unit_code END AS unit_code,
			CASE WHEN 'year' = ANY (dims) THEN e.year END AS year,
			count(*) FILTER (WHERE NOT e.is_revoked) AS awarded,
			count(*) FILTER (WHERE e.is_revoked) AS revoked,
			count(*) FILTER (WHERE NOT e.is_revoked AND e.is_front_line) AS front_line,
			count(*) FILTER (WHERE NOT e.is_revoked AND e.is_small) AS small_collective
		FROM entry e
		GROUP BY 1, 2, 3, 4
	)
	SELECT c.award_code, c.level, c.unit_code, c.year, c.awarded, c.revoked,
		c.front_line, CASE WHEN c.awarded OPERATOR(pg_catalog.>) 0 THEN c.front_line::numeric OPERATOR(pg_catalog./) c.awarded END,
		c.small_collective, CASE WHEN c.awarded OPERATOR(pg_catalog.>) 0 THEN c.small_collective::numeric OPERATOR(pg_catalog./) c.awarded END
	FROM counted c
	ORDER BY c.year NULLS FIRST, c.level NULLS FIRST, c.award_code NULLS FIRST, c.unit_code NULLS FIRST;
END
$$;
COMMENT ON FUNCTION thidua.award_statistics(integer, integer, text) IS
	'award_statistics(year_from, year_to [, by]) -> rows (award_code, level, unit_code, year, awarded, revoked, front_line, front_line_share, small_collective, small_collective_share): registry entries of the years, grouped by "by" (a comma-separated list of award, level, unit, year; default award; the columns not grouped are NULL). awarded and the shares count entries not revoked; revoked the revoked ones. front_line: people holding a post_held with front_line on 31 December of the year; small_collective: units with unit.small_collective; a person''s unit is the membership on 31 December. Shares are numeric quotients of the counts (not rounded to a scale), NULL when nothing was awarded. Errors: years missing or reversed, unknown grouping';

-- Nominations (60, 61): administrators all; a scorer the nominations its units
-- propose; a council member the nominations of the rounds it sits on, once
-- checked; everyone granted the tables the decided, awarded and revoked ones
-- (public decisions). Their achievements, dossier, events and comments go with
-- the nomination. Nobody writes these tables but the workflow functions.
CREATE FUNCTION thidua._council_rounds(member text) RETURNS text[]
	LANGUAGE sql STABLE SECURITY DEFINER PARALLEL SAFE COST 10
	SET search_path = pg_catalog, pg_temp
	AS $$ SELECT coalesce(array_agg(c.round_code ORDER BY c.round_code), '{}') FROM thidua.council_member c
		  WHERE c.role_name OPERATOR(pg_catalog.=) member $$;
COMMENT ON FUNCTION thidua._council_rounds(text) IS
	'the rounds whose council the role sits on (council_member), for the policies (definer: council_member''s own policy asks it)';
-- the units a role acts for, as _caller_units(), for the readers and councils
-- the nominations' policies also serve, who do not read role_unit themselves
CREATE FUNCTION thidua._units_of(member text) RETURNS text[]
	LANGUAGE sql STABLE SECURITY DEFINER PARALLEL SAFE COST 10
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT coalesce(array_agg(DISTINCT m.unit_code ORDER BY m.unit_code), '{}')
	FROM thidua.role_unit m JOIN pg_catalog.pg_roles r ON r.rolname OPERATOR(pg_catalog.=) m.role_name
	WHERE pg_catalog.pg_has_role(member, r.oid, 'USAGE')
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

ALTER VIEW thidua.nomination_duplicates SET (security_invoker = true);
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

-- Creates (when missing) the group roles and grants them their rights; safe to
-- call again, e.g. after ALTER EXTENSION thidua UPDATE: it first takes back
-- whatever the four roles held on thidua's objects.
CREATE OR REPLACE FUNCTION thidua.create_roles() RETURNS void
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
END
$$;
COMMENT ON FUNCTION thidua.create_roles() IS
	'creates the group roles thidua_admin, thidua_scorer, thidua_reader, thidua_council if missing and grants their rights (superuser only; idempotent)';

-- seed2019: the rulebook's nomination settings (dossier items, override) and the
-- council's recuse_proposing_unit, validated, imported, exported, cloned and diffed
-- (45_rulebook_documents.sql, 46_rulebook_lifecycle.sql)

-- The leaf kinds of a rule (all_of/any_of walked), for the override's check.
CREATE FUNCTION thidua._rulebook_leaf_kinds(node jsonb) RETURNS SETOF text
	LANGUAGE sql IMMUTABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
	WITH RECURSIVE walk(n) AS (
		SELECT node
		UNION ALL
		SELECT c FROM walk, jsonb_array_elements(coalesce(walk.n -> 'all_of', walk.n -> 'any_of')) AS c
		WHERE jsonb_typeof(coalesce(walk.n -> 'all_of', walk.n -> 'any_of')) OPERATOR(pg_catalog.=) 'array')
	SELECT DISTINCT n ->> 'kind' FROM walk WHERE n ? 'kind'
$$;
COMMENT ON FUNCTION thidua._rulebook_leaf_kinds(jsonb) IS
	'the distinct kinds of the leaves of a rule node (all_of and any_of walked)';

-- An entry's nomination settings: {"dossier": [{"item", "title", "source"}],
-- "override": {"kinds": [...], "source"}}; each part optional. The dossier
-- items are the documents a nomination must hold; the override names the
-- leaf kinds of the award's rule whose failure a stated reason may overrule.
CREATE FUNCTION thidua._validate_rulebook_nomination(doc jsonb, award text, entry jsonb)
	RETURNS void
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	part jsonb := entry -> 'nomination';
	item jsonb;
	kind jsonb;
	n bigint;
	place text;
	key text;
	seen text[] := '{}';
	rule_kinds text[];
BEGIN
	IF part IS NULL OR jsonb_typeof(part) = 'null' THEN
		RETURN;
	END IF;
	IF jsonb_typeof(part) <> 'object' THEN
		PERFORM thidua._rulebook_error(doc, award, NULL, 'nomination',
			format('must be an object or null, not %s', thidua._rulebook_shown(part)));
	END IF;
	PERFORM thidua._rulebook_keys(doc, award, 'nomination', part, ARRAY['dossier', 'override'],
		'the nomination settings');

	IF part ? 'dossier' AND jsonb_typeof(part -> 'dossier') <> 'null' THEN
		IF jsonb_typeof(part -> 'dossier') <> 'array' OR jsonb_array_length(part -> 'dossier') = 0 THEN
			PERFORM thidua._rulebook_error(doc, award, 'nomination', 'dossier',
				format('must be a non-empty array of dossier items, not %s', thidua._rulebook_shown(part -> 'dossier')));
		END IF;
		FOR item, n IN SELECT value, ordinality FROM jsonb_array_elements(part -> 'dossier') WITH ORDINALITY LOOP
			place := format('nomination.dossier[%s]', n - 1);
			IF jsonb_typeof(item) <> 'object' THEN
				PERFORM thidua._rulebook_error(doc, award, place, '(item)',
					format('a dossier item is an object {"item", "title", "source"}, not %s', thidua._rulebook_shown(item)));
			END IF;
			PERFORM thidua._rulebook_keys(doc, award, place, item, ARRAY['item', 'title', 'source'], 'a dossier item');
			key := thidua._rulebook_text(doc, award, place, item, 'item', true, 63);
			IF key !~ '^[a-z][a-z0-9_]*$' THEN
				PERFORM thidua._rulebook_error(doc, award, place, 'item',
					format('"%s" is not a snake_case key (lower-case letters, digits and "_", starting with a letter)', key));
			END IF;
			IF key = ANY (seen) THEN
				PERFORM thidua._rulebook_error(doc, award, place, 'item', format('"%s" is listed twice', key));
			END IF;
			seen := seen || key;
			PERFORM thidua._rulebook_text(doc, award, place, item, 'title', true, 300);
			PERFORM thidua._validate_rulebook_source(doc, award, place, item);
		END LOOP;
	END IF;

	IF part ? 'override' AND jsonb_typeof(part -> 'override') <> 'null' THEN
		place := 'nomination.override';
		IF jsonb_typeof(part -> 'override') <> 'object' THEN
			PERFORM thidua._rulebook_error(doc, award, 'nomination', 'override',
				format('must be an object {"kinds", "source"} or null, not %s', thidua._rulebook_shown(part -> 'override')));
		END IF;
		PERFORM thidua._rulebook_keys(doc, award, place, part -> 'override', ARRAY['kinds', 'source'], 'an override');
		IF jsonb_typeof(part #> '{override,kinds}') IS DISTINCT FROM 'array'
		   OR jsonb_array_length(part #> '{override,kinds}') = 0 THEN
			PERFORM thidua._rulebook_error(doc, award, place, 'kinds',
				format('must be a non-empty array of the rule''s leaf kinds, not %s',
					coalesce(thidua._rulebook_shown(part #> '{override,kinds}'), 'missing')));
		END IF;
		rule_kinds := ARRAY(SELECT k FROM thidua._rulebook_leaf_kinds(entry -> 'rule') k ORDER BY k);
		seen := '{}';
		FOR kind, n IN SELECT value, ordinality FROM jsonb_array_elements(part #> '{override,kinds}') WITH ORDINALITY LOOP
			IF jsonb_typeof(kind) <> 'string' OR NOT (kind #>> '{}') = ANY (rule_kinds) THEN
				PERFORM thidua._rulebook_error(doc, award, place, format('kinds[%s]', n - 1),
					format('%s is not a kind of a leaf of the award''s rule (%s)', thidua._rulebook_shown(kind),
						array_to_string(rule_kinds, ', ')));
			END IF;
			IF (kind #>> '{}') = ANY (seen) THEN
				PERFORM thidua._rulebook_error(doc, award, place, format('kinds[%s]', n - 1),
					format('"%s" is listed twice', kind #>> '{}'));
			END IF;
			seen := seen || (kind #>> '{}');
		END LOOP;
		PERFORM thidua._validate_rulebook_source(doc, award, place, part -> 'override');
	END IF;
END
$$;
COMMENT ON FUNCTION thidua._validate_rulebook_nomination(jsonb, text, jsonb) IS
	'checks an award entry''s nomination settings: dossier items (snake_case item, title, source; each once) and the override (leaf kinds of the award''s rule, each once, with a source); raises invalid_parameter_value naming the award, the path (nomination.dossier[1]) and the field';

-- Checks a rulebook document (the format in the README); raises the first
-- error found. Run at import and again at publish on the exported document.
CREATE OR REPLACE FUNCTION thidua._validate_rulebook(doc jsonb) RETURNS void
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	code_pattern constant text := '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$';
	general_rules constant text[] := ARRAY['thematic_and_ad_hoc_awards_count', 'revoked_awards_count',
		'initiative_counts_once', 'achievements_after_discipline'];
	valid_from date;
	valid_to date;
	rule_name text;
	general_rule jsonb;
	entry jsonb;
	n bigint;
	award text;
	subject text;
	seen text[] := '{}';
	part jsonb;
	ballot boolean;
BEGIN
	IF jsonb_typeof(doc) IS DISTINCT FROM 'object' THEN
		PERFORM thidua._rulebook_error('{}', NULL, NULL, '(document)', 'must be a JSON object');
	END IF;
	PERFORM thidua._rulebook_keys(doc, NULL, NULL, doc, ARRAY['format', 'rulebook', 'edition', 'title',
		'effective_from', 'effective_to', 'general', 'awards', '_source'], 'a rulebook document');
	IF doc -> 'format' IS DISTINCT FROM '1' THEN
		PERFORM thidua._rulebook_error(doc, NULL, NULL, 'format',
			format('must be 1 (the rulebook format this version reads), not %s', coalesce((doc -> 'format')::text, 'missing')));
	END IF;
	IF jsonb_typeof(doc -> 'rulebook') IS DISTINCT FROM 'object' THEN
		PERFORM thidua._rulebook_error(doc, NULL, NULL, 'rulebook', 'is required: {"code": ..., "name": ...}');
	END IF;
	PERFORM thidua._rulebook_keys(doc, NULL, 'rulebook', doc -> 'rulebook', ARRAY['code', 'name'], 'a rulebook');
	IF jsonb_typeof(doc #> '{rulebook,code}') IS DISTINCT FROM 'string' OR doc #>> '{rulebook,code}' !~ code_pattern THEN
		PERFORM thidua._rulebook_error(doc, NULL, 'rulebook', 'code',
			'must be 1 to 63 letters, digits, ".", "_" or "-", starting with a letter or digit');
	END IF;
	PERFORM thidua._rulebook_text(doc, NULL, 'rulebook', doc -> 'rulebook', 'name', true, 300);
	IF jsonb_typeof(doc -> 'edition') IS DISTINCT FROM 'string' OR doc ->> 'edition' !~ code_pattern THEN
		PERFORM thidua._rulebook_error(doc, NULL, NULL, 'edition',
			'must be 1 to 63 letters, digits, ".", "_" or "-", starting with a letter or digit');
	END IF;
	PERFORM thidua._rulebook_text(doc, NULL, NULL, doc, 'title', true, 1000);
	valid_from := thidua._rulebook_date(doc, NULL, NULL, doc, 'effective_from', true);
	valid_to := thidua._rulebook_date(doc, NULL, NULL, doc, 'effective_to', false);
	IF valid_to < valid_from THEN
		PERFORM thidua._rulebook_error(doc, NULL, NULL, 'effective_to',
			format('%s is before effective_from %s', to_char(valid_to, 'YYYY-MM-DD'), to_char(valid_from, 'YYYY-MM-DD')));
	END IF;

	-- the general rules: all four, each a value with its source
	IF jsonb_typeof(doc -> 'general') IS DISTINCT FROM 'object' THEN
		PERFORM thidua._rulebook_error(doc, NULL, NULL, 'general',
			format('is required: an object with %s', array_to_string(general_rules, ', ')));
	END IF;
	PERFORM thidua._rulebook_keys(doc, NULL, 'general', doc -> 'general', general_rules, 'the general rules');
	FOREACH rule_name IN ARRAY general_rules LOOP
		general_rule := doc -> 'general' -> rule_name;
		IF jsonb_typeof(general_rule) IS DISTINCT FROM 'object' THEN
			PERFORM thidua._rulebook_error(doc, NULL, 'general', rule_name,
				'is required: {"value": true or false, "source": {...}}');
		END IF;
		PERFORM thidua._rulebook_keys(doc, NULL, 'general.' || rule_name, general_rule, ARRAY['value', 'source', 'note'],
			'a general rule');
		PERFORM thidua._rulebook_boolean(doc, NULL, 'general.' || rule_name, general_rule, 'value', true);
		PERFORM thidua._rulebook_text(doc, NULL, 'general.' || rule_name, general_rule, 'note', false, 1000);
		PERFORM thidua._validate_rulebook_source(doc, NULL, 'general.' || rule_name, general_rule);
	END LOOP;

	-- the awards
	IF jsonb_typeof(doc -> 'awards') IS DISTINCT FROM 'array' OR jsonb_array_length(doc -> 'awards') = 0 THEN
		PERFORM thidua._rulebook_error(doc, NULL, NULL, 'awards', 'must be a non-empty array of award entries');
	END IF;
	FOR entry, n IN SELECT value, ordinality FROM jsonb_array_elements(doc -> 'awards') WITH ORDINALITY LOOP
		IF jsonb_typeof(entry) <> 'object' THEN
			PERFORM thidua._rulebook_error(doc, NULL, format('awards[%s]', n - 1), '(entry)',
				format('an award entry is an object, not %s', entry));
		END IF;
		award := thidua._rulebook_text(doc, NULL, format('awards[%s]', n - 1), entry, 'award', true, 64);
		subject := thidua._rulebook_award(doc, NULL, format('awards[%s]', n - 1), entry, 'award');
		IF award = ANY (seen) THEN
			PERFORM thidua._rulebook_error(doc, award, NULL, 'award', 'has more than one entry in the version');
		END IF;
		seen := seen || award;
		PERFORM thidua._rulebook_keys(doc, award, NULL, entry,
			ARRAY['award', 'rule', 'quota', 'council', 'disclosure', 'nomination', 'note'], 'an award entry');
		PERFORM thidua._rulebook_text(doc, award, NULL, entry, 'note', false, 1000);
		IF NOT entry ? 'rule' THEN
			PERFORM thidua._rulebook_error(doc, award, NULL, 'rule', 'is required');
		END IF;
		PERFORM thidua._rulebook_depth(doc, award, 'rule', entry -> 'rule', 1);
		PERFORM thidua._validate_rulebook_node(doc, award, subject, 'rule', entry -> 'rule');

		-- quota: a share of a base award's holders, or a fixed count
		part := entry -> 'quota';
		IF part IS NOT NULL AND jsonb_typeof(part) <> 'null' THEN
			IF jsonb_typeof(part) <> 'object' THEN
				PERFORM thidua._rulebook_error(doc, award, NULL, 'quota', format('must be an object or null, not %s', part));
			END IF;
			IF part ? 'count' THEN
				PERFORM thidua._rulebook_keys(doc, award, 'quota', part, ARRAY['count', 'per', 'source'], 'a fixed quota');
				PERFORM thidua._rulebook_integer(doc, award, 'quota', part, 'count', true, 0);
				PERFORM thidua._rulebook_word(doc, award, 'quota', part, 'per', true, ARRAY['unit', 'bloc'], 'what a quota counts per');
			ELSE
				PERFORM thidua._rulebook_keys(doc, award, 'quota', part,
					ARRAY['base_award', 'share', 'rounding', 'minimum', 'per', 'source'], 'a quota (or count, per, source)');
				IF thidua._rulebook_award(doc, award, 'quota', part, 'base_award') <> subject THEN
					PERFORM thidua._rulebook_error(doc, award, 'quota', 'base_award',
						format('"%s" is not awarded to the same subjects as "%s"', part ->> 'base_award', award));
				END IF;
				PERFORM thidua._rulebook_share(doc, award, 'quota', part, 'share');
				PERFORM thidua._rulebook_word(doc, award, 'quota', part, 'rounding', true,
					ARRAY['down', 'half_up', 'up'], 'a rounding');
				PERFORM thidua._rulebook_integer(doc, award, 'quota', part, 'minimum', false, 0);
				PERFORM thidua._rulebook_word(doc, award, 'quota', part, 'per', false, ARRAY['unit'], 'what a share quota counts per');
			END IF;
			PERFORM thidua._validate_rulebook_source(doc, award, 'quota', part);
		END IF;

		-- council: whether it votes, on what share of which members
		part := entry -> 'council';
		IF part IS NOT NULL AND jsonb_typeof(part) <> 'null' THEN
			IF jsonb_typeof(part) <> 'object' THEN
				PERFORM thidua._rulebook_error(doc, award, NULL, 'council', format('must be an object or null, not %s', part));
			END IF;
			PERFORM thidua._rulebook_keys(doc, award, 'council', part,
				ARRAY['ballot', 'threshold', 'comparison', 'secret', 'base', 'recuse_proposing_unit', 'source'],
				'the council settings');
			ballot := thidua._rulebook_boolean(doc, award, 'council', part, 'ballot', true);
			IF ballot OR part ? 'threshold' THEN
				PERFORM thidua._rulebook_share(doc, award, 'council', part, 'threshold');
			END IF;
			PERFORM thidua._rulebook_word(doc, award, 'council', part, 'comparison', ballot,
				ARRAY['at_least', 'more_than'], 'a comparison');
			PERFORM thidua._rulebook_boolean(doc, award, 'council', part, 'secret', false);
			PERFORM thidua._rulebook_boolean(doc, award, 'council', part, 'recuse_proposing_unit', false);
			PERFORM thidua._rulebook_word(doc, award, 'council', part, 'base', ballot,
				ARRAY['all_members', 'all_members_less_recused'], 'a base of the vote');
			PERFORM thidua._validate_rulebook_source(doc, award, 'council', part);
		END IF;

		-- public disclosure of the nominees before the council meets
		part := entry -> 'disclosure';
		IF part IS NOT NULL AND jsonb_typeof(part) <> 'null' THEN
			IF jsonb_typeof(part) <> 'object' THEN
				PERFORM thidua._rulebook_error(doc, award, NULL, 'disclosure', format('must be an object or null, not %s', part));
			END IF;
			PERFORM thidua._rulebook_keys(doc, award, 'disclosure', part, ARRAY['working_days', 'source'], 'a disclosure');
			PERFORM thidua._rulebook_integer(doc, award, 'disclosure', part, 'working_days', true, 1);
			PERFORM thidua._validate_rulebook_source(doc, award, 'disclosure', part);
		END IF;

		PERFORM thidua._validate_rulebook_nomination(doc, award, entry);
	END LOOP;
END
$$;
COMMENT ON FUNCTION thidua._validate_rulebook(jsonb) IS
	'checks a rulebook document (format 1) and raises the first error, naming the version, award, node path and field; run at import and at publish';

-- The stored version as a rulebook document (what import takes back).
CREATE OR REPLACE FUNCTION thidua.export_rulebook(version text) RETURNS jsonb
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	doc jsonb;
BEGIN
	IF version IS NULL THEN
		RAISE EXCEPTION 'rulebook version is required' USING ERRCODE = 'null_value_not_allowed';
	END IF;
	SELECT jsonb_build_object(
		'format', 1,
		'rulebook', jsonb_build_object('code', r.rulebook_code, 'name', r.name),
		'edition', v.edition,
		'title', v.title,
		'effective_from', to_char(v.effective_from, 'YYYY-MM-DD'),
		'effective_to', to_char(v.effective_to, 'YYYY-MM-DD'),
		'general', v.general,
		'awards', coalesce((SELECT jsonb_agg(jsonb_build_object(
						'award', e.award_code, 'rule', e.rule, 'quota', e.quota, 'council', e.council,
						'disclosure', e.disclosure, 'nomination', e.nomination, 'note', e.note) ORDER BY e.position)
					FROM thidua.rulebook_entry e WHERE e.version_code OPERATOR(pg_catalog.=) v.version_code), '[]'))
	INTO doc
	FROM thidua.rulebook_version v JOIN thidua.rulebook r USING (rulebook_code)
	WHERE v.version_code OPERATOR(pg_catalog.=) version;
	IF doc IS NULL THEN
		RAISE EXCEPTION 'rulebook version "%" does not exist', version
			USING ERRCODE = 'no_data_found', HINT = 'thidua rulebook list shows the versions.';
	END IF;
	RETURN doc;
END
$$;
COMMENT ON FUNCTION thidua.export_rulebook(text) IS
	'export_rulebook(version text) -> jsonb: a rulebook version (code RULEBOOK/EDITION) as a rulebook document (format 1, see the README), which import_rulebook takes back unchanged. no_data_found when the version does not exist or is a draft the caller may not see; null_value_not_allowed for a NULL version';

-- Stores a rulebook document as a new draft version; returns its code.
CREATE OR REPLACE FUNCTION thidua.import_rulebook(document jsonb, replace boolean DEFAULT false) RETURNS text
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	doc jsonb;
	version text;
	existing text;
BEGIN
	-- text is stored in Unicode NFC, so that equal-looking names compare equal
	doc := thidua._nfc(document::text)::jsonb;
	PERFORM thidua._validate_rulebook(doc);
	version := (doc #>> '{rulebook,code}') || '/' || (doc ->> 'edition');

	SELECT status INTO existing FROM thidua.rulebook_version
		WHERE version_code OPERATOR(pg_catalog.=) version FOR UPDATE;
	IF existing IS NOT NULL THEN
		IF existing = 'draft' AND import_rulebook.replace THEN
			DELETE FROM thidua.rulebook_version WHERE version_code OPERATOR(pg_catalog.=) version;
			-- the history (kept) says the draft was replaced, and from what
			PERFORM set_config('thidua.status_note',
				'replaced' || coalesce(' from ' || (doc ->> '_source'), ''), true);
		ELSE
			RAISE EXCEPTION '%rulebook version "%" already exists (%)',
				coalesce((doc ->> '_source') || ': ', ''), version, existing
				USING ERRCODE = 'unique_violation',
					  HINT = CASE WHEN existing = 'draft'
						THEN 'Replace the draft (replace => true, or thidua rulebook import --replace).'
						ELSE 'Give the new edition another "edition".' END;
		END IF;
	END IF;

	INSERT INTO thidua.rulebook (rulebook_code, name)
		VALUES (doc #>> '{rulebook,code}', doc #>> '{rulebook,name}')
		ON CONFLICT (rulebook_code) DO NOTHING;
	INSERT INTO thidua.rulebook_version (version_code, rulebook_code, edition, title, effective_from, effective_to, general)
		VALUES (version, doc #>> '{rulebook,code}', doc ->> 'edition', doc ->> 'title',
			(doc ->> 'effective_from')::date, (doc ->> 'effective_to')::date, doc -> 'general');
	INSERT INTO thidua.rulebook_entry (version_code, award_code, position, rule, quota, council, disclosure,
			nomination, note)
		SELECT version, e ->> 'award', n, e -> 'rule',
			nullif(e -> 'quota', 'null'), nullif(e -> 'council', 'null'), nullif(e -> 'disclosure', 'null'),
			nullif(e -> 'nomination', 'null'), e ->> 'note'
		FROM jsonb_array_elements(doc -> 'awards') WITH ORDINALITY AS entries(e, n);
	PERFORM set_config('thidua.status_note', '', true);
	RETURN version;
END
$$;
COMMENT ON FUNCTION thidua.import_rulebook(jsonb, boolean) IS
	'import_rulebook(document jsonb, replace boolean DEFAULT false) -> text: validates a rulebook document (format 1, see the README) and stores it as a new draft version, all or nothing; returns its code RULEBOOK/EDITION. replace: a draft of the same code is replaced. Errors (invalid_parameter_value) name the version, the award, the node path and the field, e.g. award "CSTDCS", rule.all_of[1].any_of[0], field "rating"; an existing version is unique_violation. A key "_source" names the file in errors';

CREATE OR REPLACE FUNCTION thidua.clone_rulebook(version text, new_edition text DEFAULT NULL) RETURNS text
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	source thidua.rulebook_version := thidua._lock_rulebook_version(version);
	target text;
BEGIN
	IF new_edition IS NULL THEN
		IF source.edition !~ '^[0-9]{4}$' THEN
			RAISE EXCEPTION 'name the new edition of rulebook version "%"', version
				USING ERRCODE = 'invalid_parameter_value',
					  HINT = 'Only a year edition has an obvious successor (2024 -> 2025).';
		END IF;
		new_edition := (source.edition::integer + 1)::text;
	END IF;
	IF new_edition !~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$' THEN
		RAISE EXCEPTION 'edition "%" must be 1 to 63 letters, digits, ".", "_" or "-", starting with a letter or digit', new_edition
			USING ERRCODE = 'invalid_parameter_value', HINT = 'For example 2026 or 2025-09.';
	END IF;
	target := source.rulebook_code || '/' || new_edition;
	IF EXISTS (SELECT 1 FROM thidua.rulebook_version WHERE version_code OPERATOR(pg_catalog.=) target) THEN
		RAISE EXCEPTION 'rulebook version "%" already exists', target
			USING ERRCODE = 'unique_violation', HINT = 'Choose another edition.';
	END IF;
	INSERT INTO thidua.rulebook_version (version_code, rulebook_code, edition, title, effective_from, effective_to,
			general, cloned_from)
		VALUES (target, source.rulebook_code, new_edition, source.title, source.effective_from, source.effective_to,
			source.general, version);
	INSERT INTO thidua.rulebook_entry (version_code, award_code, position, rule, quota, council, disclosure,
			nomination, note)
		SELECT target, award_code, position, rule, quota, council, disclosure, nomination, note
		FROM thidua.rulebook_entry WHERE version_code OPERATOR(pg_catalog.=) version;
	RETURN target;
END
$$;
COMMENT ON FUNCTION thidua.clone_rulebook(text, text) IS
	'clone_rulebook(version text, new_edition text DEFAULT NULL) -> text: copies a rulebook version (any status) into a new draft with the same dates, rules and sources; by default the next year''s edition (a non-year edition must be named); returns the new code. unique_violation when it exists; no_data_found for an unknown version; invalid_parameter_value for an edition that is not 1 to 63 letters, digits, ".", "_" or "-"';

-- The scalar leaves of a JSON value with their paths (rule.all_of[1].any_of[0].rating)
-- and their place in document order (array items in order; an object's keys in
-- the order the rulebook format writes them, source last), so that a diff
-- names the node that changed rather than the whole rule, in a stable order.
CREATE OR REPLACE FUNCTION thidua._json_leaves(doc jsonb, prefix text) RETURNS TABLE (path text, value jsonb, place integer[])
	LANGUAGE plpgsql IMMUTABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	key_order constant text[] := ARRAY['rulebook', 'code', 'name', 'item', 'title', 'kind', 'all_of', 'any_of', 'award',
		'rating', 'years', 'times', 'every_years', 'within_years', 'count', 'scope', 'window_years', 'posts',
		'in_sector', 'men', 'women', 'severity', 'proceedings', 'label', 'rule', 'quota', 'base_award', 'share',
		'rounding', 'minimum', 'per', 'council', 'ballot', 'threshold', 'comparison', 'secret', 'base',
		'recuse_proposing_unit', 'disclosure', 'working_days', 'nomination', 'dossier', 'override', 'kinds',
		'value', 'document', 'article', 'clause', 'point', 'effective_from', 'effective_to',
		'general', 'verified', 'status', 'note', 'source'];
BEGIN
	IF jsonb_typeof(doc) = 'object' AND doc OPERATOR(pg_catalog.<>) '{}' THEN
		RETURN QUERY SELECT l.path, l.value, e.n || l.place
			FROM (SELECT j.key, j.value, (row_number() OVER (ORDER BY coalesce(array_position(key_order, j.key), 1000), j.key))::integer AS n
				  FROM jsonb_each(doc) AS j) AS e,
			thidua._json_leaves(e.value, concat_ws('.', nullif(prefix, ''), e.key)) AS l;
	ELSIF jsonb_typeof(doc) = 'array' AND doc OPERATOR(pg_catalog.<>) '[]' THEN
		RETURN QUERY SELECT l.path, l.value, e.n::integer || l.place
			FROM jsonb_array_elements(doc) WITH ORDINALITY AS e(v, n),
			thidua._json_leaves(e.v, format('%s[%s]', prefix, e.n - 1)) AS l;
	ELSE
		RETURN QUERY SELECT prefix, doc, '{}'::integer[];
	END IF;
END
$$;
COMMENT ON FUNCTION thidua._json_leaves(jsonb, text) IS
	'the scalar leaves of a JSON value with their paths (rule.all_of[1].any_of[0].rating) and their place in document order (source last), for diffs';
