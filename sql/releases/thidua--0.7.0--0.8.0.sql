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
		RAISE EXCEPTION 'nomination % is %: %', nomination, n.state,
				CASE WHEN EXISTS (SELECT 1 FROM thidua.nomination_transition t WHERE t.action OPERATOR(pg_catalog.=) _transition.action)
					 THEN format('the step "%s" is not allowed now', action) ELSE format('there is no step "%s"', action) END
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
		RAISE EXCEPTION 'nomination % is %: the step "%" is not allowed now', nomination, n.state, what
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
COMMENT ON FUNCTION thidua._note_event(thidua.nomination, text, text, jsonb) IS
	'appends an event that leaves the state as it is (edit, dossier, comment) to nomination_event';

-- The rulebook entry judging an award in a round: the round's version, else
-- the one in force on 31 December of its year.
CREATE FUNCTION thidua._round_entry(round text, award text) RETURNS thidua.rulebook_entry
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	rnd thidua.nomination_round;
	entry thidua.rulebook_entry;
BEGIN
	SELECT * INTO rnd FROM thidua.nomination_round r WHERE r.round_code OPERATOR(pg_catalog.=) round;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'round "%" does not exist', round USING ERRCODE = 'no_data_found';
	END IF;
	SELECT * INTO entry FROM thidua.rulebook_entry e
	WHERE e.version_code OPERATOR(pg_catalog.=) thidua._rulebook_for(award, pg_catalog.make_date(rnd.year, 12, 31), rnd.rulebook_version)
	  AND e.award_code OPERATOR(pg_catalog.=) award;
	RETURN entry;
END
$$;
COMMENT ON FUNCTION thidua._round_entry(text, text) IS
	'the rulebook entry for an award in a round: the round''s rulebook version, else the one in force on 31 December of the round''s year';

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

-- A text argument longer than its column allows is refused by name before
-- anything changes (rather than by the check constraint, with the row dumped).
CREATE FUNCTION thidua._check_length(what text, field text, value text, most integer) RETURNS void
	LANGUAGE plpgsql IMMUTABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	IF char_length(value) OPERATOR(pg_catalog.>) most THEN
		RAISE EXCEPTION '%, field "%": % characters, at most %', what, field,
			to_char(char_length(value), 'FM999,999,999,990'), most
			USING ERRCODE = 'string_data_right_truncation';
	END IF;
END
$$;
COMMENT ON FUNCTION thidua._check_length(text, text, text, integer) IS
	'raises string_data_right_truncation ("<what>, field "<field>": 10,001 characters, at most 10000") when value is longer than most characters';

-- The achievements as given, normalised, checked for length (the field names
-- the achievement's position).
CREATE FUNCTION thidua._check_achievements(what text, achievements text[]) RETURNS void
	LANGUAGE sql IMMUTABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT thidua._check_length(what, format('achievements[%s]', x.o), normalize(btrim(x.a), NFC), 200)
	FROM unnest(achievements) WITH ORDINALITY AS x(a, o)
$$;
COMMENT ON FUNCTION thidua._check_achievements(text, text[]) IS
	'raises string_data_right_truncation naming the first achievement (achievements[n]) longer than 200 characters';

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
COMMENT ON FUNCTION thidua._set_achievements(thidua.nomination, text[]) IS
	'replaces a nomination''s achievements: "initiative:<code>" (an existing initiative the person authored) or a free key; raises naming the achievement';

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
COMMENT ON FUNCTION thidua._check_evidence(jsonb) IS
	'the evidence as given when it is a JSON array of strings (links); raises invalid_parameter_value otherwise';

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
	PERFORM thidua._check_length(format('round "%s"', round_code), 'title', title, 1000);
	PERFORM thidua._check_length(format('round "%s"', round_code), 'authority', authority, 300);
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
	'create_round(round_code, title, year, authority, council_unit, deadline, awards text[] [, rulebook_version [, meets_on]]) -> round_code: a call for nominations (administrators). Each award must exist and be judged by the named rulebook version or by one in force on 31 December of year. Errors: over-long text (the field named, nothing changed); insufficient_privilege; unknown award (named), unit or version; no rulebook for an award; round exists';

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
	what text := format('nomination of "%s"', subject);
BEGIN
	override_reason := nullif(normalize(btrim(override_reason), NFC), '');
	summary := normalize(btrim(coalesce(summary, '')), NFC);
	PERFORM thidua._check_length(what, 'summary', summary, 10000);
	PERFORM thidua._check_length(what, 'override_reason', override_reason, 1000);
	PERFORM thidua._check_achievements(what, achievements);
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
	entry := thidua._round_entry(r.round_code, award_code);
	-- the council votes once: a nomination made after its vote opened could never reach it
	IF r.vote_opened_at IS NOT NULL AND coalesce((entry.council ->> 'ballot')::boolean, false) THEN
		RAISE EXCEPTION 'round "%" is closed for nominations for award "%": its council''s vote opened at %', round_code, award_code,
				to_char(r.vote_opened_at, 'YYYY-MM-DD HH24:MI')
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = 'The award is decided by the council''s ballot, which is held once per round.',
				  HINT = 'Nominate in a new round.';
	END IF;
	-- a unit proposes its own people and collectives (its sub-units included)
	IF NOT thidua._actor_is_admin() AND NOT EXISTS (
		WITH RECURSIVE subtree(code) AS (
			SELECT proposing_unit
			UNION
			SELECT u.unit_code FROM thidua.unit u JOIN subtree s ON u.parent_code OPERATOR(pg_catalog.=) s.code)
		SELECT 1 FROM subtree s
		WHERE (award_subject OPERATOR(pg_catalog.=) 'collective' AND s.code OPERATOR(pg_catalog.=) subject)
		   OR (award_subject OPERATOR(pg_catalog.=) 'individual' AND EXISTS (
				SELECT 1 FROM thidua.membership m
				WHERE m.person_code OPERATOR(pg_catalog.=) subject AND m.unit_code OPERATOR(pg_catalog.=) s.code
				  AND m.valid_from OPERATOR(pg_catalog.<=) pg_catalog.make_date(r.year, 12, 31)
				  AND (m.valid_to IS NULL OR m.valid_to OPERATOR(pg_catalog.>=) pg_catalog.make_date(r.year, 1, 1))))) THEN
		RAISE EXCEPTION 'role "%" may not nominate "%" for unit "%"', thidua._actor(), subject, proposing_unit
			USING ERRCODE = 'insufficient_privilege',
				  DETAIL = format('"%s" is not %s of unit "%s" or its sub-units in %s; a unit proposes its own.', subject,
								  CASE WHEN award_subject OPERATOR(pg_catalog.=) 'collective' THEN 'one' ELSE 'a member' END, proposing_unit, r.year);
	END IF;
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
	'nominate(round_code, award_code, subject, proposing_unit [, summary, evidence jsonb array of links, achievements text[] ("initiative:<code>" or a free key), override_reason]) -> nomination_id, in state draft, with the dossier items the rulebook entry requires (nomination->''dossier''), all missing. subject: a person_code or unit_code as the award''s subject says. Errors: over-long text (the field named, nothing changed); unknown round, award of the round, unit or subject; insufficient_privilege unless an administrator or a role acting for proposing_unit; past the deadline (non-administrators); excluded by law (discipline being considered, investigation, complaint open today: Decree 152/2025 Art. 4)';

CREATE FUNCTION thidua.update_nomination(nomination bigint, summary text DEFAULT NULL, evidence jsonb DEFAULT NULL,
										 achievements text[] DEFAULT NULL, override_reason text DEFAULT NULL)
	RETURNS integer
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	what text := format('nomination %s', nomination);
	n thidua.nomination;
	changed text[] := '{}';
BEGIN
	summary := normalize(btrim(summary), NFC);
	override_reason := nullif(normalize(btrim(override_reason), NFC), '');
	PERFORM thidua._check_length(what, 'summary', summary, 10000);
	PERFORM thidua._check_length(what, 'override_reason', override_reason, 1000);
	PERFORM thidua._check_achievements(what, achievements);
	n := thidua._editable(nomination, 'edit');
	-- only what differs from the stored dossier counts as a change
	IF summary IS DISTINCT FROM n.summary AND summary IS NOT NULL THEN
		changed := changed || 'summary'::text;
	END IF;
	IF evidence IS NOT NULL AND thidua._check_evidence(evidence) OPERATOR(pg_catalog.<>) n.evidence THEN
		changed := changed || 'evidence'::text;
	END IF;
	IF achievements IS NOT NULL AND (SELECT coalesce(array_agg(DISTINCT normalize(btrim(a), NFC) ORDER BY normalize(btrim(a), NFC)), '{}')
									FROM unnest(achievements) a)
			IS DISTINCT FROM (SELECT coalesce(array_agg(x.achievement ORDER BY x.achievement), '{}') FROM thidua.nomination_achievement x
							  WHERE x.nomination_id OPERATOR(pg_catalog.=) nomination) THEN
		changed := changed || 'achievements'::text;
	END IF;
	IF override_reason IS NOT NULL AND override_reason IS DISTINCT FROM n.override_reason THEN
		changed := changed || 'override_reason'::text;
	END IF;
	IF cardinality(changed) OPERATOR(pg_catalog.=) 0 THEN
		-- accepted, but nothing changed: the revision stays (a returned dossier still counts as unchanged)
		RETURN n.dossier_revision;
	END IF;
	UPDATE thidua.nomination x SET summary = coalesce(update_nomination.summary, x.summary),
		evidence = coalesce(update_nomination.evidence, x.evidence),
		override_reason = coalesce(update_nomination.override_reason, x.override_reason),
		dossier_revision = x.dossier_revision + 1
	WHERE x.nomination_id OPERATOR(pg_catalog.=) nomination
	RETURNING * INTO n;
	IF 'achievements' = ANY (changed) THEN
		PERFORM thidua._set_achievements(n, achievements);
	END IF;
	PERFORM thidua._note_event(n, 'edit', NULL, jsonb_build_object('dossier_revision', n.dossier_revision, 'changed', to_jsonb(changed)));
	RETURN n.dossier_revision;
END
$$;
COMMENT ON FUNCTION thidua.update_nomination(bigint, text, jsonb, text[], text) IS
	'update_nomination(nomination [, summary, evidence, achievements, override_reason]) -> the dossier_revision: changes what is given (NULL: unchanged) while draft or returned (proposer or administrator). The revision moves, and an edit event is logged, only when a value differs from the stored one; an edit that changes nothing is accepted and leaves revision and log as they are (so a returned dossier stays unchanged). Errors: over-long text (field named: summary 10000, override_reason 1000, each achievement 200 characters); unknown nomination; insufficient_privilege; another state; bad evidence or achievement';

CREATE FUNCTION thidua.set_dossier_item(nomination bigint, item text, present boolean, reference text DEFAULT NULL)
	RETURNS integer
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	n thidua.nomination;
	stored thidua.dossier_item;
BEGIN
	reference := nullif(normalize(btrim(reference), NFC), '');
	PERFORM thidua._check_length(format('nomination %s, dossier item "%s"', nomination, item), 'reference', reference, 1000);
	n := thidua._editable(nomination, 'edit');
	IF present IS NULL THEN
		RAISE EXCEPTION 'dossier item "%": present must be true or false', item USING ERRCODE = 'null_value_not_allowed';
	END IF;
	SELECT * INTO stored FROM thidua.dossier_item d
	WHERE d.nomination_id OPERATOR(pg_catalog.=) nomination AND d.item OPERATOR(pg_catalog.=) set_dossier_item.item FOR UPDATE;
	IF FOUND AND (stored.present, stored.reference) IS NOT DISTINCT FROM (present, reference) THEN
		-- accepted, but nothing changed: the revision stays
		RETURN n.dossier_revision;
	END IF;
	UPDATE thidua.dossier_item d SET present = set_dossier_item.present,
		reference = set_dossier_item.reference, updated_at = now(), updated_by = thidua._actor()
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
	'set_dossier_item(nomination, item, present, reference) -> the dossier_revision: marks a required dossier item present or missing, while draft or returned (proposer or administrator). The revision moves, and a dossier event is logged, only when present or reference differs from the stored ones; setting the same values is accepted and changes nothing. Errors: reference over 1000 characters (named); unknown nomination or item (the items listed); insufficient_privilege; another state';

CREATE FUNCTION thidua.submit(nomination bigint, reason text DEFAULT NULL) RETURNS thidua.nomination_state
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	n thidua.nomination;
	deadline date;
BEGIN
	reason := normalize(btrim(reason), NFC);
	PERFORM thidua._check_length(format('nomination %s', nomination), 'reason', reason, 1000);
	n := thidua._step(nomination, 'submit');
	deadline := (SELECT r.deadline FROM thidua.nomination_round r WHERE r.round_code OPERATOR(pg_catalog.=) n.round_code);
	IF current_date OPERATOR(pg_catalog.>) deadline AND NOT thidua._actor_is_admin() THEN
		RAISE EXCEPTION 'round "%" closed for nominations on %', n.round_code, to_char(deadline, 'YYYY-MM-DD')
			USING ERRCODE = 'object_not_in_prerequisite_state', HINT = 'An administrator may still submit it.';
	END IF;
	RETURN thidua._transition(nomination, 'submit', reason);
END
$$;
COMMENT ON FUNCTION thidua.submit(bigint, text) IS
	'submit(nomination [, reason]) -> submitted: the proposer (or an administrator) files a draft; refused past the round''s deadline for non-administrators. Errors: over-long text (the field named, nothing changed); state (naming the allowed next), insufficient_privilege';

CREATE FUNCTION thidua.return_nomination(nomination bigint, reason text) RETURNS thidua.nomination_state
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	n thidua.nomination;
	new_state thidua.nomination_state;
BEGIN
	reason := normalize(btrim(reason), NFC);
	PERFORM thidua._check_length(format('nomination %s', nomination), 'reason', reason, 1000);
	n := thidua._step(nomination, 'return');
	IF coalesce(reason, '') = '' THEN
		RAISE EXCEPTION 'returning nomination % needs a reason', nomination USING ERRCODE = 'null_value_not_allowed';
	END IF;
	new_state := thidua._transition(nomination, 'return', reason, jsonb_build_object('dossier_revision', n.dossier_revision));
	UPDATE thidua.nomination x SET returned_at_revision = x.dossier_revision WHERE x.nomination_id OPERATOR(pg_catalog.=) nomination;
	RETURN new_state;
END
$$;
COMMENT ON FUNCTION thidua.return_nomination(bigint, text) IS
	'return_nomination(nomination, reason) -> returned: the office sends a submitted or resubmitted dossier back, with a reason (required); it may come back only changed. Errors: over-long text (the field named, nothing changed); state, insufficient_privilege, no reason';

CREATE FUNCTION thidua.resubmit(nomination bigint, reason text DEFAULT NULL) RETURNS thidua.nomination_state
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	n thidua.nomination;
BEGIN
	reason := normalize(btrim(reason), NFC);
	PERFORM thidua._check_length(format('nomination %s', nomination), 'reason', reason, 1000);
	n := thidua._step(nomination, 'resubmit');
	IF n.dossier_revision OPERATOR(pg_catalog.=) n.returned_at_revision THEN
		RAISE EXCEPTION 'nomination %: a returned dossier cannot come back unchanged', nomination
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = format('It was returned at revision %s and is still at it.', n.returned_at_revision),
				  HINT = 'Change the summary, evidence, achievements or dossier items first (update_nomination, set_dossier_item).';
	END IF;
	RETURN thidua._transition(nomination, 'resubmit', reason,
		jsonb_build_object('dossier_revision', n.dossier_revision, 'returned_at_revision', n.returned_at_revision));
END
$$;
COMMENT ON FUNCTION thidua.resubmit(bigint, text) IS
	'resubmit(nomination [, reason]) -> resubmitted: the proposer files a returned dossier again, only if changed since it was returned. Errors: over-long text (the field named, nothing changed); state, insufficient_privilege, unchanged';

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
COMMENT ON FUNCTION thidua._deciding_failures(jsonb, jsonb) IS
	'the failed leaves of a rule (node, kind, evidence) that decide its failure, from an eligibility snapshot: no ancestor passed';

CREATE FUNCTION thidua.check(nomination bigint, reason text DEFAULT NULL) RETURNS thidua.nomination_state
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	n thidua.nomination;
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
	reason := normalize(btrim(reason), NFC);
	PERFORM thidua._check_length(format('nomination %s', nomination), 'reason', reason, 1000);
	n := thidua._step(nomination, 'check');
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
	new_state := thidua._transition(nomination, 'check', reason, detail);
	UPDATE thidua.nomination x SET checked_on = current_date, eligibility_snapshot = snapshot, rulebook_version = entry.version_code
	WHERE x.nomination_id OPERATOR(pg_catalog.=) nomination;
	RETURN new_state;
END
$$;
COMMENT ON FUNCTION thidua.check(bigint, text) IS
	'check(nomination [, reason]) -> checked (administrators): the dossier must be complete and the subject not excluded by law; eligibility (subject, award, the round''s year and rulebook) is computed and stored with the nomination (eligibility_snapshot, checked_on, rulebook_version), never rewritten. Not eligible: refused, unless the rulebook entry''s nomination->''override''->''kinds'' lists every deciding failed rule kind and the nomination states override_reason; the failed nodes go into the event. Errors: over-long text (the field named, nothing changed); state, insufficient_privilege, missing items (named), not eligible (failing nodes named)';

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
	-- a window that has not begun is no public comment; the event log keeps
	-- when the office stated the date
	IF "on" OPERATOR(pg_catalog.>) current_date
	   OR "on" OPERATOR(pg_catalog.<) (SELECT pg_catalog.make_date(r.year, 1, 1) FROM thidua.nomination_round r
									  WHERE r.round_code OPERATOR(pg_catalog.=) n.round_code) THEN
		RAISE EXCEPTION 'nomination % cannot be disclosed on %', nomination, to_char("on", 'YYYY-MM-DD')
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'The disclosure date is no later than today and no earlier than 1 January of the round''s year.';
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
	body := normalize(btrim(body), NFC);
	commenter := nullif(normalize(btrim(commenter), NFC), '');
	PERFORM thidua._check_length(format('comment on nomination %s', nomination), 'commenter', commenter, 300);
	PERFORM thidua._check_length(format('comment on nomination %s', nomination), 'body', body, 10000);
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
	IF received_on IS NULL OR coalesce(body, '') = '' THEN
		RAISE EXCEPTION 'a comment on nomination % needs the date received and its text', nomination
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	INSERT INTO thidua.disclosure_comment (nomination_id, received_on, commenter, body, recorded_by)
	VALUES (nomination, received_on, commenter, body, thidua._actor())
	RETURNING comment_id INTO id;
	PERFORM thidua._note_event(n, 'comment', NULL, jsonb_build_object('comment_id', id, 'received_on', received_on));
	RETURN id;
END
$$;
COMMENT ON FUNCTION thidua.comment(bigint, date, text, text) IS
	'comment(nomination, received_on, commenter, body) -> comment_id (administrators): records a public comment received while the nomination is disclosed. Errors: over-long text (the field named, nothing changed); state, insufficient_privilege, missing date or text';

CREATE FUNCTION thidua.withdraw(nomination bigint, reason text) RETURNS thidua.nomination_state
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	reason := normalize(btrim(reason), NFC);
	PERFORM thidua._check_length(format('nomination %s', nomination), 'reason', reason, 1000);
	PERFORM thidua._step(nomination, 'withdraw');
	IF coalesce(reason, '') = '' THEN
		RAISE EXCEPTION 'withdrawing nomination % needs a reason', nomination USING ERRCODE = 'null_value_not_allowed';
	END IF;
	RETURN thidua._transition(nomination, 'withdraw', reason);
END
$$;
COMMENT ON FUNCTION thidua.withdraw(bigint, text) IS
	'withdraw(nomination, reason) -> withdrawn: the proposer (or an administrator) withdraws a nomination before the vote opens, with a reason (required). Errors: over-long text (the field named, nothing changed); state, insufficient_privilege, no reason';

CREATE FUNCTION thidua.decide(nomination bigint, decision_number text, decision_date date, signer text)
	RETURNS thidua.nomination_state
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	n thidua.nomination;
	tie thidua.quota_tie;
	new_state thidua.nomination_state;
BEGIN
	decision_number := btrim(decision_number);
	signer := normalize(btrim(signer), NFC);
	PERFORM thidua._check_length(format('nomination %s', nomination), 'decision_number', decision_number, 100);
	PERFORM thidua._check_length(format('nomination %s', nomination), 'signer', signer, 300);
	n := thidua._step(nomination, 'decide');
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
	IF coalesce(decision_number, '') = '' OR decision_date IS NULL OR coalesce(signer, '') = '' THEN
		RAISE EXCEPTION 'deciding nomination % needs the decision number, date and signer', nomination
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF decision_date OPERATOR(pg_catalog.>) current_date
	   OR decision_date OPERATOR(pg_catalog.<) (SELECT pg_catalog.make_date(r.year, 1, 1) FROM thidua.nomination_round r
											   WHERE r.round_code OPERATOR(pg_catalog.=) n.round_code) THEN
		RAISE EXCEPTION 'nomination %: decision date % is out of range', nomination, to_char(decision_date, 'YYYY-MM-DD')
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'A decision is dated no later than today and no earlier than 1 January of the round''s year.';
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
	'decide(nomination, decision_number, decision_date, signer) -> decided (administrators): records the decision on an approved nomination. Refused while the round has an undecided tie at a quota (quota_tie), and when the person is excluded by law today. Errors: over-long text (the field named, nothing changed); state, insufficient_privilege, missing fields';

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
	n thidua.nomination;
	new_state thidua.nomination_state;
BEGIN
	reason := normalize(btrim(reason), NFC);
	decision := btrim(decision);
	PERFORM thidua._check_length(format('nomination %s', nomination), 'reason', reason, 1000);
	PERFORM thidua._check_length(format('nomination %s', nomination), 'decision', decision, 100);
	n := thidua._step(nomination, 'revoke');
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
	'revoke(nomination, revoked_on, reason, decision) -> revoked (administrators): revokes the award in the registry (thidua.revoke_award; the entry stays, marked, and counts for eligibility no more). Errors: over-long text (the field named, nothing changed); state, insufficient_privilege, missing date, reason or decision';

-- A nominee's name for whoever may see the nomination: read directly when the
-- caller reads people (or units), else given for the public decisions only
-- (decided, awarded, revoked), which readers and other units see too.
CREATE FUNCTION thidua._public_nominee_name(nomination bigint) RETURNS text
	LANGUAGE sql STABLE SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT coalesce((SELECT i.full_name FROM thidua.individual i WHERE i.person_code OPERATOR(pg_catalog.=) n.person_code),
					(SELECT u.name FROM thidua.unit u WHERE u.unit_code OPERATOR(pg_catalog.=) n.unit_code))
	FROM thidua.nomination n
	WHERE n.nomination_id OPERATOR(pg_catalog.=) nomination AND n.state IN ('decided', 'awarded', 'revoked')
$$;
COMMENT ON FUNCTION thidua._public_nominee_name(bigint) IS
	'the name of the person or unit of a decided, awarded or revoked nomination (public decisions); NULL for any other';

CREATE FUNCTION thidua.nominee_name(nomination bigint) RETURNS text
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	n thidua.nomination;
	name text;
BEGIN
	-- the caller's own rights: row-level security decides whether it sees the nomination
	SELECT * INTO n FROM thidua.nomination x WHERE x.nomination_id OPERATOR(pg_catalog.=) nomination;
	IF NOT FOUND THEN
		RETURN NULL;
	END IF;
	IF n.person_code IS NOT NULL AND has_table_privilege('thidua.individual', 'SELECT') THEN
		SELECT i.full_name INTO name FROM thidua.individual i WHERE i.person_code OPERATOR(pg_catalog.=) n.person_code;
	ELSIF n.unit_code IS NOT NULL AND has_table_privilege('thidua.unit', 'SELECT') THEN
		SELECT u.name INTO name FROM thidua.unit u WHERE u.unit_code OPERATOR(pg_catalog.=) n.unit_code;
	END IF;
	RETURN coalesce(name, thidua._public_nominee_name(nomination));
END
$$;
COMMENT ON FUNCTION thidua.nominee_name(bigint) IS
	'nominee_name(nomination) -> the name of its person or unit, for whoever may see the nomination: read with the caller''s own rights when it reads people (units), else only for decided, awarded and revoked nominations (public decisions); NULL when the caller may not see the nomination or the name';

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

-- An award the workflow entered (a nomination's award_record_id) is the
-- registry's copy of a decision: changed only by its revocation, and then only
-- through the nomination (thidua.revoke, which calls revoke_award), so that the
-- nomination and its entry never disagree; never deleted nor truncated away.
-- BEFORE, so that nothing else has run on a refused row.
CREATE FUNCTION thidua._guard_nominated_award() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	individual boolean := TG_TABLE_NAME OPERATOR(pg_catalog.=) 'individual_award';
	n thidua.nomination;
	record bigint;
BEGIN
	IF TG_OP = 'TRUNCATE' THEN
		SELECT * INTO n FROM thidua.nomination x
		WHERE x.award_record_id IS NOT NULL AND (x.person_code IS NOT NULL) OPERATOR(pg_catalog.=) individual
		ORDER BY x.nomination_id LIMIT 1;
		IF FOUND THEN
			RAISE EXCEPTION 'award record % was entered by nomination %: the registry''s awards are not truncated away',
				n.award_record_id, n.nomination_id
				USING ERRCODE = 'object_not_in_prerequisite_state',
					  HINT = 'An award entered by a nomination is revoked through it (thidua.revoke), never deleted.';
		END IF;
		RETURN NULL;
	END IF;
	record := OLD.record_id;
	SELECT * INTO n FROM thidua.nomination x
	WHERE x.award_record_id OPERATOR(pg_catalog.=) record AND (x.person_code IS NOT NULL) OPERATOR(pg_catalog.=) individual;
	IF NOT FOUND THEN
		RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
	END IF;
	IF TG_OP = 'DELETE' THEN
		RAISE EXCEPTION 'award record % was entered by nomination %: it is not deleted', record, n.nomination_id
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = format('Nomination %s is %s and points to it.', n.nomination_id, n.state),
				  HINT = format('An award entered by a nomination is revoked through it: thidua.revoke(%s, revoked_on, reason, decision).', n.nomination_id);
	END IF;
	-- the decision as entered: every column but the revocation's
	IF (pg_catalog.to_jsonb(NEW) OPERATOR(pg_catalog.-) '{revoked_on,revocation_reason,revocation_decision}'::text[])
	   OPERATOR(pg_catalog.<>) (pg_catalog.to_jsonb(OLD) OPERATOR(pg_catalog.-) '{revoked_on,revocation_reason,revocation_decision}'::text[]) THEN
		RAISE EXCEPTION 'award record % was entered by nomination %: it is not changed', record, n.nomination_id
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = format('Changed: %s.', (SELECT pg_catalog.string_agg(o.key, ', ' ORDER BY o.key)
					  FROM pg_catalog.jsonb_each(pg_catalog.to_jsonb(OLD)) o
					  WHERE o.value IS DISTINCT FROM pg_catalog.to_jsonb(NEW) OPERATOR(pg_catalog.->) o.key)),
				  HINT = format('The registry keeps the decision as awarded; a wrong award is revoked through its nomination: thidua.revoke(%s, revoked_on, reason, decision).', n.nomination_id);
	END IF;
	IF NEW.revoked_on IS DISTINCT FROM OLD.revoked_on AND n.state OPERATOR(pg_catalog.<>) 'revoked' THEN
		RAISE EXCEPTION 'award record % was entered by nomination %: it is revoked through the nomination', record, n.nomination_id
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = format('Nomination %s is %s.', n.nomination_id, n.state),
				  HINT = format('thidua.revoke(%s, revoked_on, reason, decision) revokes both, and the event log records it.', n.nomination_id);
	END IF;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION thidua._guard_nominated_award() IS
	'trigger: an award record a nomination points to (award_record_id) is not updated (but for its revocation, through thidua.revoke of that nomination), deleted or truncated; errors name the record and the nomination';
CREATE TRIGGER individual_award_nominated_kept BEFORE UPDATE OR DELETE ON thidua.individual_award
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_nominated_award();
CREATE TRIGGER unit_award_nominated_kept BEFORE UPDATE OR DELETE ON thidua.unit_award
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_nominated_award();

-- The initiatives an award of the registry rests on keep its credit: an
-- initiative counts for one award only, and the award entered by a nomination
-- is revoked through it, never quietly stripped of what it used.
CREATE FUNCTION thidua._guard_nominated_initiative() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	n thidua.nomination;
BEGIN
	IF OLD.used_by_award IS NULL
	   OR (TG_OP = 'UPDATE' AND NEW.used_by_award IS NOT DISTINCT FROM OLD.used_by_award) THEN
		RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
	END IF;
	SELECT * INTO n FROM thidua.nomination x
	WHERE x.award_record_id OPERATOR(pg_catalog.=) OLD.used_by_award AND x.person_code IS NOT NULL;
	IF NOT FOUND THEN
		RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
	END IF;
	RAISE EXCEPTION 'initiative "%" is credited to award record %, entered by nomination %: its credit is kept',
			OLD.initiative_code, OLD.used_by_award, n.nomination_id
		USING ERRCODE = 'object_not_in_prerequisite_state',
			  DETAIL = format('Nomination %s is %s.', n.nomination_id, n.state),
			  HINT = format('A wrong award is revoked through its nomination: thidua.revoke(%s, revoked_on, reason, decision).', n.nomination_id);
END
$$;
COMMENT ON FUNCTION thidua._guard_nominated_initiative() IS
	'trigger: an initiative credited to an award record a nomination entered (used_by_award) keeps that credit and is not deleted; errors name the initiative, the record and the nomination';
CREATE TRIGGER initiative_nominated_credit_kept BEFORE UPDATE OR DELETE ON thidua.initiative
	FOR EACH ROW EXECUTE FUNCTION thidua._guard_nominated_initiative();
CREATE TRIGGER individual_award_nominated_no_truncate BEFORE TRUNCATE ON thidua.individual_award
	FOR EACH STATEMENT EXECUTE FUNCTION thidua._guard_nominated_award();
CREATE TRIGGER unit_award_nominated_no_truncate BEFORE TRUNCATE ON thidua.unit_award
	FOR EACH STATEMENT EXECUTE FUNCTION thidua._guard_nominated_award();

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
REVOKE EXECUTE ON FUNCTION thidua._public_nominee_name(bigint), thidua.nominee_name(bigint) FROM PUBLIC;

-- Creates (when missing) the group roles and grants them their rights; safe to
-- call again, e.g. after ALTER EXTENSION thidua UPDATE: it first takes back
-- whatever the four roles held on thidua's objects.

------------------------------------------------------------------------------
-- Ballot: the council, the secret ballot, approval and quotas
-- (62_council_ballot.sql, 63_approval_quota.sql, 90_roles.sql)
------------------------------------------------------------------------------
-- The council settings frozen when the vote opens (60_nomination_model.sql):
-- the vote, tally and approval use these, never the rulebook's live entry.
ALTER TABLE thidua.nomination ADD COLUMN council jsonb;

-- Who has voted on what: one row per member per nomination (the primary key
-- holds under concurrency). choice is filled only when the award's council
-- does not vote in secret.
CREATE TABLE thidua.vote_register (
	nomination_id bigint NOT NULL REFERENCES thidua.nomination,
	role_name text NOT NULL CHECK (role_name <> ''),
	-- an absent member's vote in writing, entered by the round's secretary
	written boolean NOT NULL DEFAULT false,
	entered_by text NOT NULL CHECK (entered_by <> ''),
	choice text CHECK (choice IN ('yes', 'no', 'abstain')),
	PRIMARY KEY (nomination_id, role_name)
);
COMMENT ON TABLE thidua.vote_register IS 'who has voted on which nomination (in person or in writing); the choice only for a council that does not vote in secret';

-- The ballots: what was voted, and nothing else. No voter, no time, no key;
-- nobody holds any privilege on it and row-level security (no policy) hides
-- its rows from everyone but the owner's functions.
CREATE TABLE thidua.ballot (
	nomination_id bigint NOT NULL REFERENCES thidua.nomination,
	choice text NOT NULL CHECK (choice IN ('yes', 'no', 'abstain'))
);
COMMENT ON TABLE thidua.ballot IS 'the ballots of council votes, one row per vote cast, linked to no voter; re-laid in sorted order when a vote closes';

SELECT pg_catalog.pg_extension_config_dump('thidua.vote_register', '');
SELECT pg_catalog.pg_extension_config_dump('thidua.ballot', '');

-- The n-th working day (Monday to Friday) after a date. Public holidays are
-- not modelled.
CREATE FUNCTION thidua._working_days_after(start date, n integer) RETURNS date
	LANGUAGE sql IMMUTABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT d::date FROM pg_catalog.generate_series(start OPERATOR(pg_catalog.+) 1, start OPERATOR(pg_catalog.+) (n OPERATOR(pg_catalog.*) 2 OPERATOR(pg_catalog.+) 7), interval '1 day') d
	WHERE pg_catalog.date_part('isodow', d) OPERATOR(pg_catalog.<) 6
	ORDER BY d OFFSET n OPERATOR(pg_catalog.-) 1 LIMIT 1
$$;
COMMENT ON FUNCTION thidua._working_days_after(date, integer) IS
	'the n-th working day (Monday to Friday; public holidays are not modelled) after a date';

-- The members recused from the vote on a nomination, and why: the member is
-- the subject (a person), belongs to the subject (a unit), or belongs to the
-- proposing unit when the award's council settings say so. A member's unit is
-- the one given for it in the council.
CREATE FUNCTION thidua._recused(nomination bigint, recuse_proposing_unit boolean)
	RETURNS TABLE (role_name text, why text)
	LANGUAGE sql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT m.role_name,
		CASE WHEN m.person_code OPERATOR(pg_catalog.=) n.person_code THEN 'the member is the subject'
			 WHEN m.unit_code OPERATOR(pg_catalog.=) n.unit_code THEN format('the member belongs to the subject unit "%s"', n.unit_code)
			 ELSE format('the member belongs to the proposing unit "%s"', n.proposing_unit) END
	FROM thidua.nomination n
	JOIN thidua.council_member m ON m.round_code OPERATOR(pg_catalog.=) n.round_code
	WHERE n.nomination_id OPERATOR(pg_catalog.=) nomination
	  AND (m.person_code OPERATOR(pg_catalog.=) n.person_code
		   OR m.unit_code OPERATOR(pg_catalog.=) n.unit_code
		   OR (recuse_proposing_unit AND m.unit_code OPERATOR(pg_catalog.=) n.proposing_unit))
	ORDER BY m.role_name
$$;
COMMENT ON FUNCTION thidua._recused(bigint, boolean) IS
	'the council members recused from the vote on a nomination (the subject, a member of the subject unit, or of the proposing unit when recuse_proposing_unit), with the reason';

-- A nomination's tally, counted from the stored ballots: exact numeric, the
-- threshold as a share of the base the rulebook states (all members, or all
-- members less the recused), never rounded.
CREATE FUNCTION thidua._tally(nomination bigint) RETURNS jsonb
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	n thidua.nomination;
	council jsonb;
	members integer;
	recused text[];
	base text;
	base_size integer;
	yes integer;
	no_votes integer;
	abstain integer;
	voted integer;
	written integer;
	threshold numeric;
	comparison text;
	required numeric;
	passed boolean;
BEGIN
	SELECT * INTO n FROM thidua.nomination x WHERE x.nomination_id OPERATOR(pg_catalog.=) nomination;
	-- the settings frozen when the vote opened, never the rulebook's live entry
	council := n.council;
	IF council IS NULL THEN
		RAISE EXCEPTION 'nomination % has never been put to the vote', nomination
			USING ERRCODE = 'object_not_in_prerequisite_state', DETAIL = 'Its council settings are frozen when the vote opens.';
	END IF;
	SELECT count(*)::integer INTO members FROM thidua.council_member m WHERE m.round_code OPERATOR(pg_catalog.=) n.round_code;
	SELECT coalesce(array_agg(r.role_name ORDER BY r.role_name), '{}') INTO recused
	FROM thidua._recused(nomination, coalesce((council ->> 'recuse_proposing_unit')::boolean, false)) r;
	base := coalesce(council ->> 'base', 'all_members');
	base_size := CASE base WHEN 'all_members_less_recused' THEN members OPERATOR(pg_catalog.-) pg_catalog.cardinality(recused)
				 ELSE members END;
	SELECT count(*) FILTER (WHERE b.choice OPERATOR(pg_catalog.=) 'yes')::integer,
		   count(*) FILTER (WHERE b.choice OPERATOR(pg_catalog.=) 'no')::integer,
		   count(*) FILTER (WHERE b.choice OPERATOR(pg_catalog.=) 'abstain')::integer
	INTO yes, no_votes, abstain
	FROM thidua.ballot b WHERE b.nomination_id OPERATOR(pg_catalog.=) nomination;
	SELECT count(*)::integer, count(*) FILTER (WHERE v.written)::integer INTO voted, written
	FROM thidua.vote_register v WHERE v.nomination_id OPERATOR(pg_catalog.=) nomination;
	threshold := (council ->> 'threshold')::numeric;
	comparison := coalesce(council ->> 'comparison', 'at_least');
	-- exact: numeric throughout, compared without rounding (26 of 29 fails 90 %)
	required := threshold OPERATOR(pg_catalog.*) base_size;
	passed := base_size OPERATOR(pg_catalog.>) 0 AND CASE comparison
		WHEN 'more_than' THEN yes::numeric OPERATOR(pg_catalog.>) required
		ELSE yes::numeric OPERATOR(pg_catalog.>=) required END;
	RETURN jsonb_build_object('members', members, 'recused', to_jsonb(recused), 'base', base, 'base_size', base_size,
		'yes', yes, 'no', no_votes, 'abstain', abstain, 'ballots', yes OPERATOR(pg_catalog.+) no_votes OPERATOR(pg_catalog.+) abstain,
		'not_voted', members OPERATOR(pg_catalog.-) pg_catalog.cardinality(recused) OPERATOR(pg_catalog.-) voted,
		'written', written, 'threshold', threshold, 'comparison', comparison,
		'required', pg_catalog.trim_scale(required)::text, 'passed', passed,
		'arithmetic', format('%s yes of %s (%s): %s %s %% of %s = %s: %s',
			yes, base_size, replace(base, '_', ' '), CASE comparison WHEN 'more_than' THEN 'more than' ELSE 'at least' END,
			pg_catalog.trim_scale(threshold OPERATOR(pg_catalog.*) 100), base_size, pg_catalog.trim_scale(required),
			CASE WHEN passed THEN 'passed' ELSE 'failed' END),
		'source', council -> 'source');
END
$$;
COMMENT ON FUNCTION thidua._tally(bigint) IS
	'a nomination''s tally counted from its ballots with the council settings frozen when the vote opened (nomination.council): members, recused, base and its size, yes, no, abstain, not_voted, written, threshold, comparison, required (exact), passed, the arithmetic in words';

-- Re-lays every ballot: read them, TRUNCATE (a new file; the old one, dead
-- tuples with their xmin included, is dropped at commit), insert them back
-- sorted by (nomination, choice). Run inside its own subtransaction by
-- close_vote, so that the ballots' xmin is shared by no other row.
CREATE FUNCTION thidua._relay_ballots() RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	ids bigint[];
	choices text[];
BEGIN
	SELECT coalesce(array_agg(b.nomination_id ORDER BY b.nomination_id, b.choice), '{}'),
		   coalesce(array_agg(b.choice ORDER BY b.nomination_id, b.choice), '{}')
	INTO ids, choices FROM thidua.ballot b;
	TRUNCATE thidua.ballot;
	INSERT INTO thidua.ballot (nomination_id, choice)
	SELECT u.id, u.choice FROM unnest(ids, choices) WITH ORDINALITY AS u(id, choice, position) ORDER BY u.position;
END
$$;
COMMENT ON FUNCTION thidua._relay_ballots() IS
	'rewrites the ballot table in sorted order (TRUNCATE and re-insert) so that no row order, transaction id or dead tuple links a ballot to its voter';

-- The same for the register, sorted by (nomination, role).
CREATE FUNCTION thidua._relay_register() RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	rows thidua.vote_register[];
BEGIN
	SELECT coalesce(array_agg(v ORDER BY v.nomination_id, v.role_name), '{}') INTO rows FROM thidua.vote_register v;
	TRUNCATE thidua.vote_register;
	INSERT INTO thidua.vote_register (nomination_id, role_name, written, entered_by, choice)
	SELECT u.nomination_id, u.role_name, u.written, u.entered_by, u.choice
	FROM unnest(rows) WITH ORDINALITY AS u(nomination_id, role_name, written, entered_by, choice, position)
	ORDER BY u.position;
END
$$;
COMMENT ON FUNCTION thidua._relay_register() IS
	'rewrites the vote register in sorted order (TRUNCATE and re-insert), so that its rows share no xmin with the ballots';

-- Row-level security of the register: whether the login role sits on the
-- council of the nomination's round (definer rights: council members may not
-- read the council tables themselves).
CREATE FUNCTION thidua._sits_on_council_of(nomination bigint) RETURNS boolean
	LANGUAGE sql STABLE SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT EXISTS (SELECT 1 FROM thidua.nomination n JOIN thidua.council_member m ON m.round_code OPERATOR(pg_catalog.=) n.round_code
				   WHERE n.nomination_id OPERATOR(pg_catalog.=) nomination AND m.role_name OPERATOR(pg_catalog.=) session_user)
$$;
COMMENT ON FUNCTION thidua._sits_on_council_of(bigint) IS
	'whether the login role (session_user) is a member of the council of the nomination''s round (row-level security of vote_register)';

-- The round, locked; errors when it does not exist.
CREATE FUNCTION thidua._lock_round(round text) RETURNS thidua.nomination_round
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	rnd thidua.nomination_round;
BEGIN
	SELECT * INTO rnd FROM thidua.nomination_round r WHERE r.round_code OPERATOR(pg_catalog.=) round FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'round "%" does not exist', round USING ERRCODE = 'no_data_found';
	END IF;
	RETURN rnd;
END
$$;
COMMENT ON FUNCTION thidua._lock_round(text) IS 'the round, locked FOR UPDATE; no_data_found when it does not exist';

CREATE FUNCTION thidua._require_admin(step text) RETURNS void
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	IF NOT thidua._actor_is_admin() THEN
		RAISE EXCEPTION 'role "%" may not %', thidua._actor(), step
			USING ERRCODE = 'insufficient_privilege', DETAIL = 'Only an administrator (thidua_admin) may.';
	END IF;
END
$$;
COMMENT ON FUNCTION thidua._require_admin(text) IS 'raises insufficient_privilege naming the step unless the login role administers thidua';

-- Steps that read and then rewrite (close_vote) or count and then decide
-- (approvals) must see every row committed before their locks were granted.
-- Under READ COMMITTED each statement after the lock takes a fresh snapshot;
-- under REPEATABLE READ or SERIALIZABLE the transaction's snapshot may predate
-- a vote or an approval that committed while the step waited, which it would
-- then erase or miss. Such steps refuse to run there.
CREATE FUNCTION thidua._require_read_committed(step text) RETURNS void
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	level text := pg_catalog.current_setting('transaction_isolation');
BEGIN
	IF level OPERATOR(pg_catalog.<>) 'read committed' THEN
		RAISE EXCEPTION '% cannot run at isolation level %', step, pg_catalog.upper(level)
			USING ERRCODE = 'invalid_transaction_state',
				  DETAIL = 'It reads under locks and then rewrites or decides; a snapshot older than its locks would miss votes or approvals committed meanwhile.',
				  HINT = format('Run %s in its own READ COMMITTED transaction (the default isolation level).', step);
	END IF;
END
$$;
COMMENT ON FUNCTION thidua._require_read_committed(text) IS
	'raises invalid_transaction_state naming the step and the isolation level unless the transaction is READ COMMITTED';

-- Membership is frozen once a round's vote has opened.
CREATE FUNCTION thidua._council_not_frozen(rnd thidua.nomination_round) RETURNS void
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	IF rnd.vote_closed_at IS NOT NULL THEN
		RAISE EXCEPTION 'the council of round "%" is frozen: its vote closed at %', rnd.round_code, rnd.vote_closed_at
			USING ERRCODE = 'object_not_in_prerequisite_state', DETAIL = 'After a vote closes nothing about it changes.';
	ELSIF rnd.vote_opened_at IS NOT NULL THEN
		RAISE EXCEPTION 'the council of round "%" is frozen: its vote opened at %', rnd.round_code, rnd.vote_opened_at
			USING ERRCODE = 'object_not_in_prerequisite_state', DETAIL = 'Council membership cannot change while a vote is open.';
	END IF;
END
$$;
COMMENT ON FUNCTION thidua._council_not_frozen(thidua.nomination_round) IS
	'raises object_not_in_prerequisite_state when the round''s vote has opened (membership frozen)';

-- Checks and adds council members given as a JSON array (item numbers from 1).
CREATE FUNCTION thidua._add_council_members(round text, members jsonb) RETURNS integer
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	item jsonb;
	place integer := 0;
	where_ text;
	key text;
	member_role text;
	member_council_role text;
BEGIN
	IF members IS NULL OR jsonb_typeof(members) OPERATOR(pg_catalog.<>) 'array' OR jsonb_array_length(members) OPERATOR(pg_catalog.=) 0 THEN
		RAISE EXCEPTION 'members must be a non-empty JSON array of members, not %', coalesce(members::text, 'NULL')
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = '[{"role": "lan", "name": "Nguyễn Thị Lan", "council_role": "chair", "person": null, "unit": null}, ...]';
	END IF;
	FOR item IN SELECT e FROM jsonb_array_elements(members) e LOOP
		place := place OPERATOR(pg_catalog.+) 1;
		where_ := format('members[%s]', place);
		IF jsonb_typeof(item) OPERATOR(pg_catalog.<>) 'object' THEN
			RAISE EXCEPTION '%: must be an object, not %', where_, item USING ERRCODE = 'invalid_parameter_value';
		END IF;
		FOR key IN SELECT k FROM jsonb_object_keys(item) k ORDER BY k LOOP
			IF NOT key OPERATOR(pg_catalog.=) ANY (ARRAY['role', 'name', 'council_role', 'person', 'unit']) THEN
				RAISE EXCEPTION '%: unknown field "%"', where_, key USING ERRCODE = 'invalid_parameter_value',
					DETAIL = 'The fields are role, name, council_role, person, unit.';
			END IF;
		END LOOP;
		IF jsonb_typeof(item -> 'role') IS DISTINCT FROM 'string' THEN
			RAISE EXCEPTION '%: field "role": a login role''s name is required', where_ USING ERRCODE = 'invalid_parameter_value';
		END IF;
		member_role := item ->> 'role';
		IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) member_role AND r.rolcanlogin) THEN
			RAISE EXCEPTION '%: field "role": "%" is not a login role', where_, member_role USING ERRCODE = 'invalid_parameter_value',
				DETAIL = 'A member votes as itself, by logging in.', HINT = format('CREATE ROLE %I LOGIN IN ROLE thidua_council;', member_role);
		END IF;
		IF NOT coalesce((SELECT pg_catalog.pg_has_role(member_role, g.oid, 'USAGE') FROM pg_catalog.pg_roles g
						 WHERE g.rolname OPERATOR(pg_catalog.=) 'thidua_council'), false) THEN
			RAISE EXCEPTION '%: field "role": "%" is not a member of thidua_council', where_, member_role
				USING ERRCODE = 'invalid_parameter_value', DETAIL = 'Only members of thidua_council may call thidua.vote.',
					  HINT = format('GRANT thidua_council TO %I;', member_role);
		END IF;
		IF jsonb_typeof(item -> 'name') IS DISTINCT FROM 'string' OR item ->> 'name' OPERATOR(pg_catalog.=) '' THEN
			RAISE EXCEPTION '%: field "name": the member''s full name is required', where_ USING ERRCODE = 'invalid_parameter_value';
		END IF;
		PERFORM thidua._check_length(where_, 'name', item ->> 'name', 300);
		member_council_role := coalesce(item ->> 'council_role', 'member');
		IF NOT member_council_role OPERATOR(pg_catalog.=) ANY (ARRAY['chair', 'vice_chair', 'secretary', 'member']) THEN
			RAISE EXCEPTION '%: field "council_role": "%" is not a council role (one of chair, vice_chair, secretary, member)',
				where_, member_council_role USING ERRCODE = 'invalid_parameter_value';
		END IF;
		IF jsonb_typeof(item -> 'person') OPERATOR(pg_catalog.=) 'string'
		   AND NOT EXISTS (SELECT 1 FROM thidua.individual i WHERE i.person_code OPERATOR(pg_catalog.=) (item ->> 'person')) THEN
			RAISE EXCEPTION '%: field "person": person "%" does not exist', where_, item ->> 'person' USING ERRCODE = 'invalid_parameter_value';
		END IF;
		IF jsonb_typeof(item -> 'unit') OPERATOR(pg_catalog.=) 'string'
		   AND NOT EXISTS (SELECT 1 FROM thidua.unit u WHERE u.unit_code OPERATOR(pg_catalog.=) (item ->> 'unit')) THEN
			RAISE EXCEPTION '%: field "unit": unit "%" does not exist', where_, item ->> 'unit' USING ERRCODE = 'invalid_parameter_value';
		END IF;
		IF EXISTS (SELECT 1 FROM thidua.council_member m WHERE m.round_code OPERATOR(pg_catalog.=) round
				   AND m.role_name OPERATOR(pg_catalog.=) member_role) THEN
			RAISE EXCEPTION '%: field "role": "%" is already a member of the council of round "%"', where_, member_role, round
				USING ERRCODE = 'unique_violation';
		END IF;
		IF member_council_role OPERATOR(pg_catalog.=) ANY (ARRAY['chair', 'secretary'])
		   AND EXISTS (SELECT 1 FROM thidua.council_member m WHERE m.round_code OPERATOR(pg_catalog.=) round
					   AND m.council_role OPERATOR(pg_catalog.=) member_council_role) THEN
			RAISE EXCEPTION '%: field "council_role": the council of round "%" has a % already', where_, round, member_council_role
				USING ERRCODE = 'unique_violation';
		END IF;
		INSERT INTO thidua.council_member (round_code, role_name, full_name, council_role, person_code, unit_code)
		VALUES (round, member_role, normalize(item ->> 'name', NFC), member_council_role,
				nullif(item -> 'person', 'null') #>> '{}', nullif(item -> 'unit', 'null') #>> '{}');
	END LOOP;
	RETURN place;
END
$$;
COMMENT ON FUNCTION thidua._add_council_members(text, jsonb) IS
	'checks and adds council members given as [{"role", "name", "council_role", "person", "unit"}], naming the item and field of an error';

CREATE FUNCTION thidua.set_council(round text, members jsonb) RETURNS integer
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	rnd thidua.nomination_round;
BEGIN
	PERFORM thidua._require_admin(format('set the council of round "%s"', round));
	rnd := thidua._lock_round(round);
	PERFORM thidua._council_not_frozen(rnd);
	DELETE FROM thidua.council_member m WHERE m.round_code OPERATOR(pg_catalog.=) round;
	RETURN thidua._add_council_members(round, members);
END
$$;
COMMENT ON FUNCTION thidua.set_council(text, jsonb) IS
	'set_council(round, members): replaces the council of a round; members is [{"role": login role (a member of thidua_council), "name": full name, "council_role": chair|vice_chair|secretary|member (default member), "person": person_code or null, "unit": unit_code or null}] (person and unit decide recusal); returns the number of members. Administrators only (insufficient_privilege). Errors: unknown round (no_data_found); the vote opened or closed: membership frozen (object_not_in_prerequisite_state); a bad item, naming members[n] and the field (invalid_parameter_value); a role twice, a second chair or secretary (unique_violation).';

CREATE FUNCTION thidua.add_council_member(round text, member_role text, full_name text, council_role text DEFAULT 'member',
										   person text DEFAULT NULL, unit text DEFAULT NULL) RETURNS void
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	rnd thidua.nomination_round;
BEGIN
	PERFORM thidua._require_admin(format('change the council of round "%s"', round));
	rnd := thidua._lock_round(round);
	PERFORM thidua._council_not_frozen(rnd);
	PERFORM thidua._add_council_members(round, jsonb_build_array(jsonb_build_object('role', member_role, 'name', full_name,
		'council_role', council_role, 'person', person, 'unit', unit)));
END
$$;
COMMENT ON FUNCTION thidua.add_council_member(text, text, text, text, text, text) IS
	'add_council_member(round, member_role, full_name [, council_role [, person [, unit]]]): adds one member to a round''s council; as set_council (errors name members[1]). Administrators only; refused once the vote has opened.';

CREATE FUNCTION thidua.remove_council_member(round text, member_role text) RETURNS void
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	rnd thidua.nomination_round;
BEGIN
	PERFORM thidua._require_admin(format('change the council of round "%s"', round));
	rnd := thidua._lock_round(round);
	PERFORM thidua._council_not_frozen(rnd);
	DELETE FROM thidua.council_member m WHERE m.round_code OPERATOR(pg_catalog.=) round AND m.role_name OPERATOR(pg_catalog.=) member_role;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'role "%" is not a member of the council of round "%"', member_role, round USING ERRCODE = 'no_data_found';
	END IF;
END
$$;
COMMENT ON FUNCTION thidua.remove_council_member(text, text) IS
	'remove_council_member(round, member_role): removes a member from a round''s council. Administrators only; refused once the vote has opened (object_not_in_prerequisite_state); no_data_found for an unknown round or a role not on the council.';

CREATE FUNCTION thidua.open_vote(round text) RETURNS integer
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	rnd thidua.nomination_round;
	n record;
	entry thidua.rulebook_entry;
	ends date;
	problems text[] := '{}';
	moving bigint[] := '{}';
	settings jsonb[] := '{}';
	persons_voted boolean := false;
	unchecked text;
	i integer;
BEGIN
	PERFORM thidua._require_admin(format('open the vote of round "%s"', round));
	rnd := thidua._lock_round(round);
	IF rnd.vote_opened_at IS NOT NULL THEN
		RAISE EXCEPTION 'the vote of round "%" % at %', round,
			CASE WHEN rnd.vote_closed_at IS NULL THEN 'opened' ELSE 'closed' END, coalesce(rnd.vote_closed_at, rnd.vote_opened_at)
			USING ERRCODE = 'object_not_in_prerequisite_state', DETAIL = 'A round''s council votes once.';
	END IF;
	IF NOT EXISTS (SELECT 1 FROM thidua.council_member m WHERE m.round_code OPERATOR(pg_catalog.=) round
				   AND m.council_role OPERATOR(pg_catalog.=) 'chair')
	   OR NOT EXISTS (SELECT 1 FROM thidua.council_member m WHERE m.round_code OPERATOR(pg_catalog.=) round
					  AND m.council_role OPERATOR(pg_catalog.=) 'secretary') THEN
		RAISE EXCEPTION 'the council of round "%" has no %', round,
			CASE WHEN EXISTS (SELECT 1 FROM thidua.council_member m WHERE m.round_code OPERATOR(pg_catalog.=) round
							  AND m.council_role OPERATOR(pg_catalog.=) 'chair') THEN 'secretary' ELSE 'chair' END
			USING ERRCODE = 'object_not_in_prerequisite_state', DETAIL = 'A council votes with a chair and a secretary.',
				  HINT = 'Set the council first (thidua.set_council).';
	END IF;
	FOR n IN SELECT x.nomination_id, x.award_code, x.state, x.disclosed_on, x.person_code FROM thidua.nomination x
			 WHERE x.round_code OPERATOR(pg_catalog.=) round AND x.state OPERATOR(pg_catalog.=) ANY (ARRAY['checked', 'disclosed']::thidua.nomination_state[])
			 ORDER BY x.nomination_id LOOP
		entry := thidua._round_entry(round, n.award_code);
		CONTINUE WHEN NOT coalesce((entry.council ->> 'ballot')::boolean, false);
		IF entry.disclosure IS NOT NULL THEN
			IF n.state OPERATOR(pg_catalog.=) 'checked' OR n.disclosed_on IS NULL THEN
				problems := problems || format('nomination %s (%s) has not been disclosed: the nominees are disclosed %s working days before the vote',
					n.nomination_id, n.award_code, entry.disclosure ->> 'working_days');
				CONTINUE;
			END IF;
			ends := thidua._working_days_after(n.disclosed_on, (entry.disclosure ->> 'working_days')::integer);
			IF current_date OPERATOR(pg_catalog.<=) ends THEN
				problems := problems || format('nomination %s (%s): its disclosure of %s working days from %s ends on %s',
					n.nomination_id, n.award_code, entry.disclosure ->> 'working_days', n.disclosed_on, ends);
				CONTINUE;
			END IF;
		END IF;
		moving := moving || n.nomination_id;
		-- the settings this nomination is voted, counted and decided by, frozen
		-- now: a later edit of the entry (a draft version may judge a round)
		-- changes nothing about this vote
		settings := settings || jsonb_build_object('ballot', true,
			'secret', coalesce((entry.council ->> 'secret')::boolean, true),
			'threshold', (entry.council ->> 'threshold')::numeric,
			'comparison', coalesce(entry.council ->> 'comparison', 'at_least'),
			'base', coalesce(entry.council ->> 'base', 'all_members'),
			'recuse_proposing_unit', coalesce((entry.council ->> 'recuse_proposing_unit')::boolean, false),
			'source', entry.council -> 'source', 'rulebook_version', entry.version_code);
		persons_voted := persons_voted OR n.person_code IS NOT NULL;
	END LOOP;
	IF pg_catalog.cardinality(problems) OPERATOR(pg_catalog.>) 0 THEN
		RAISE EXCEPTION 'the vote of round "%" cannot open: % nomination(s) not ready', round, pg_catalog.cardinality(problems)
			USING ERRCODE = 'object_not_in_prerequisite_state', DETAIL = pg_catalog.array_to_string(problems, '; ') || '.',
				  HINT = 'Wait for the disclosure windows to end (working days are Monday to Friday; public holidays are not counted out), or withdraw those nominations.';
	END IF;
	IF pg_catalog.cardinality(moving) OPERATOR(pg_catalog.=) 0 THEN
		RAISE EXCEPTION 'round "%" has no checked nomination of an award its council votes on', round
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = 'The council votes on the awards whose rulebook entry says "ballot": true.';
	END IF;
	FOR i IN 1 .. pg_catalog.cardinality(moving) LOOP
		PERFORM thidua._transition(moving[i], 'open_vote', NULL, jsonb_build_object('round', round, 'council', settings[i]));
		UPDATE thidua.nomination x SET council = settings[i] WHERE x.nomination_id OPERATOR(pg_catalog.=) moving[i];
	END LOOP;
	UPDATE thidua.nomination_round r SET vote_opened_at = now() WHERE r.round_code OPERATOR(pg_catalog.=) round;
	-- recusal of a subject person rests on the member's "person"; say whose is unknown
	IF persons_voted THEN
		SELECT pg_catalog.string_agg(format('"%s"', m.role_name), ', ' ORDER BY m.role_name) INTO unchecked
		FROM thidua.council_member m WHERE m.round_code OPERATOR(pg_catalog.=) round AND m.person_code IS NULL;
		IF unchecked IS NOT NULL THEN
			RAISE WARNING 'round "%": recusal of the subject cannot be checked for %', round, unchecked
				USING DETAIL = 'These council members were entered without "person": if one of them is the subject of a nomination, nothing stops their vote on it.',
					  HINT = 'Give every member''s person code before the vote opens (thidua.set_council).';
		END IF;
	END IF;
	RETURN pg_catalog.cardinality(moving);
END
$$;
COMMENT ON FUNCTION thidua.open_vote(text) IS
	'open_vote(round): opens the council''s vote: moves every checked nomination of the round''s ballot awards (rulebook council "ballot": true), and the disclosed ones whose disclosure window (working_days, Monday to Friday; public holidays not modelled) has ended, to in_vote; freezes each one''s council settings (ballot, secret, threshold, comparison, base, recuse_proposing_unit, source, rulebook_version) in nomination.council, which the vote, the tally and the approval use from then on; sets vote_opened_at; returns how many. Warns (WARNING) naming the members entered without "person" when a subject is a person: their recusal as the subject cannot be checked. Administrators only. Errors (object_not_in_prerequisite_state, nothing changed): the vote opened already; no chair or no secretary; a nomination of a disclosure award not disclosed or whose window has not ended (the date it ends named); nothing to vote on. Law: Decree 91/2017 Art. 45(8), Decree 98/2023 Art. 30(7) and Art. 46(2) (disclosure).';

-- One vote: the register row and the ballot, in the caller's transaction.
-- secretary: the role entering a written vote (NULL: the member in person).
CREATE FUNCTION thidua._cast_vote(nomination bigint, member_role text, choice text, secretary text) RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	n thidua.nomination;
	rnd thidua.nomination_round;
	council jsonb;
	why text;
	first thidua.vote_register;
BEGIN
	IF choice IS NULL OR NOT choice OPERATOR(pg_catalog.=) ANY (ARRAY['yes', 'no', 'abstain']) THEN
		RAISE EXCEPTION 'choice "%" is not a vote (one of yes, no, abstain)', coalesce(choice, 'NULL')
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	SELECT * INTO n FROM thidua.nomination x WHERE x.nomination_id OPERATOR(pg_catalog.=) nomination;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'nomination % does not exist', coalesce(nomination::text, 'NULL') USING ERRCODE = 'no_data_found';
	END IF;
	-- shares the lock close_vote takes for update: a vote commits before the
	-- close, or sees it
	SELECT * INTO rnd FROM thidua.nomination_round r WHERE r.round_code OPERATOR(pg_catalog.=) n.round_code FOR SHARE;
	IF secretary IS NOT NULL AND NOT EXISTS (SELECT 1 FROM thidua.council_member m WHERE m.round_code OPERATOR(pg_catalog.=) rnd.round_code
				   AND m.role_name OPERATOR(pg_catalog.=) secretary AND m.council_role OPERATOR(pg_catalog.=) 'secretary') THEN
		RAISE EXCEPTION 'role "%" is not the secretary of the council of round "%"', secretary, rnd.round_code
			USING ERRCODE = 'insufficient_privilege', DETAIL = 'Only the round''s secretary enters written votes.';
	END IF;
	IF rnd.vote_closed_at IS NOT NULL THEN
		RAISE EXCEPTION 'the vote of round "%" closed at %', rnd.round_code, rnd.vote_closed_at
			USING ERRCODE = 'object_not_in_prerequisite_state', DETAIL = 'After a vote closes nothing about it changes.';
	ELSIF rnd.vote_opened_at IS NULL THEN
		RAISE EXCEPTION 'the vote of round "%" has not opened', rnd.round_code
			USING ERRCODE = 'object_not_in_prerequisite_state', HINT = 'An administrator opens it (thidua.open_vote).';
	END IF;
	IF NOT EXISTS (SELECT 1 FROM thidua.council_member m WHERE m.round_code OPERATOR(pg_catalog.=) rnd.round_code
				   AND m.role_name OPERATOR(pg_catalog.=) member_role) THEN
		RAISE EXCEPTION 'role "%" is not a member of the council of round "%"', member_role, rnd.round_code
			USING ERRCODE = 'insufficient_privilege', DETAIL = 'Only the round''s council members vote.';
	END IF;
	IF secretary OPERATOR(pg_catalog.=) member_role THEN
		RAISE EXCEPTION 'the secretary "%" votes in person, not in writing', secretary
			USING ERRCODE = 'invalid_parameter_value', HINT = 'Use thidua.vote.';
	END IF;
	SELECT * INTO n FROM thidua.nomination x WHERE x.nomination_id OPERATOR(pg_catalog.=) nomination;
	IF n.state OPERATOR(pg_catalog.<>) 'in_vote' THEN
		RAISE EXCEPTION 'nomination % is %: it is not in vote', nomination, n.state
			USING ERRCODE = 'object_not_in_prerequisite_state';
	END IF;
	-- frozen when the vote opened
	council := n.council;
	SELECT r.why INTO why FROM thidua._recused(nomination, coalesce((council ->> 'recuse_proposing_unit')::boolean, false)) r
	WHERE r.role_name OPERATOR(pg_catalog.=) member_role;
	IF why IS NOT NULL THEN
		RAISE EXCEPTION 'role "%" is recused from the vote on nomination %', member_role, nomination
			USING ERRCODE = 'insufficient_privilege', DETAIL = why || '.';
	END IF;
	-- one vote per member: the primary key decides, a concurrent second vote
	-- waits for the first and then inserts nothing
	INSERT INTO thidua.vote_register (nomination_id, role_name, written, entered_by, choice)
	VALUES (nomination, member_role, secretary IS NOT NULL, coalesce(secretary, member_role),
			CASE WHEN coalesce((council ->> 'secret')::boolean, true) THEN NULL ELSE choice END)
	ON CONFLICT DO NOTHING;
	IF NOT FOUND THEN
		SELECT * INTO first FROM thidua.vote_register v
		WHERE v.nomination_id OPERATOR(pg_catalog.=) nomination AND v.role_name OPERATOR(pg_catalog.=) member_role;
		RAISE EXCEPTION 'role "%" has already voted on nomination %', member_role, nomination
			USING ERRCODE = 'unique_violation',
				  DETAIL = CASE WHEN first.written THEN format('Its vote was entered in writing by "%s".', first.entered_by)
						   ELSE 'It voted in person.' END || ' One vote per member per nomination.';
	END IF;
	INSERT INTO thidua.ballot (nomination_id, choice) VALUES (nomination, choice);
END
$$;
COMMENT ON FUNCTION thidua._cast_vote(bigint, text, text, text) IS
	'records one vote: checks the round''s vote is open, the member, recusal and the state, inserts the register row (one per member, under concurrency) and the ballot';

CREATE FUNCTION thidua.vote(nomination bigint, choice text) RETURNS void
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	PERFORM thidua._cast_vote(nomination, thidua._actor(), choice, NULL);
END
$$;
COMMENT ON FUNCTION thidua.vote(bigint, text) IS
	'vote(nomination, choice): the login role (session_user) votes yes, no or abstain on a nomination in vote, as a member of its round''s council. Errors: a bad choice (invalid_parameter_value); unknown nomination (no_data_found); the vote not open or closed ("the vote of round X closed at ..."), the nomination not in vote (object_not_in_prerequisite_state); not a member, or recused (the member is the subject, belongs to the subject unit or, when the rulebook says so, to the proposing unit) (insufficient_privilege); a second vote, naming how the first was cast (unique_violation). Law: Decree 91/2017 Art. 45(8), Decree 98/2023 Art. 30(7).';

CREATE FUNCTION thidua.vote_written(nomination bigint, member_role text, choice text) RETURNS void
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	PERFORM thidua._cast_vote(nomination, member_role, choice, thidua._actor());
END
$$;
COMMENT ON FUNCTION thidua.vote_written(bigint, text, text) IS
	'vote_written(nomination, member_role, choice): the round''s secretary (session_user) enters an absent member''s vote given in writing, marked written. Errors: as vote; insufficient_privilege when the caller is not the round''s secretary; the secretary''s own vote is cast in person (invalid_parameter_value). Law: absent members vote in writing (Decree 91/2017 Art. 45(8), Decree 98/2023 Art. 30(7)).';

CREATE FUNCTION thidua.close_vote(round text) RETURNS integer
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	rnd thidua.nomination_round;
	tallied integer;
	award text;
BEGIN
	PERFORM thidua._require_admin(format('close the vote of round "%s"', round));
	-- it reads every ballot and rewrites the table: a snapshot older than its
	-- locks would erase the votes committed while it waited
	PERFORM thidua._require_read_committed('close_vote');
	-- waits for the votes in flight (they hold the round FOR SHARE); every
	-- statement below takes its snapshot after the locks
	rnd := thidua._lock_round(round);
	IF rnd.vote_closed_at IS NOT NULL THEN
		RAISE EXCEPTION 'the vote of round "%" closed at %', round, rnd.vote_closed_at
			USING ERRCODE = 'object_not_in_prerequisite_state', DETAIL = 'After a vote closes nothing about it changes.';
	ELSIF rnd.vote_opened_at IS NULL THEN
		RAISE EXCEPTION 'the vote of round "%" has not opened', round USING ERRCODE = 'object_not_in_prerequisite_state';
	END IF;
	LOCK TABLE thidua.ballot IN ACCESS EXCLUSIVE MODE;
	LOCK TABLE thidua.vote_register IN ACCESS EXCLUSIVE MODE;
	-- the ballots in a subtransaction of their own: their xmin is shared by no
	-- other row, the register's included
	BEGIN
		PERFORM thidua._relay_ballots();
	EXCEPTION WHEN OTHERS THEN
		RAISE;
	END;
	PERFORM thidua._relay_register();
	UPDATE thidua.nomination x SET tally = thidua._tally(x.nomination_id)
	WHERE x.round_code OPERATOR(pg_catalog.=) round AND x.state OPERATOR(pg_catalog.=) 'in_vote';
	GET DIAGNOSTICS tallied = ROW_COUNT;
	UPDATE thidua.nomination_round r SET vote_closed_at = now() WHERE r.round_code OPERATOR(pg_catalog.=) round;
	-- then the approval of the awards voted on, with their quotas
	FOR award IN SELECT DISTINCT x.award_code FROM thidua.nomination x
				 WHERE x.round_code OPERATOR(pg_catalog.=) round AND x.state OPERATOR(pg_catalog.=) 'in_vote'
				 ORDER BY 1 LOOP
		PERFORM thidua._approve_award(round, award);
	END LOOP;
	RETURN tallied;
END
$$;
COMMENT ON FUNCTION thidua.close_vote(text) IS
	'close_vote(round): closes the council''s vote: under an ACCESS EXCLUSIVE lock re-lays every ballot (TRUNCATE and re-insert sorted by nomination and choice, in a subtransaction of its own) and the register, so that nothing stored links a ballot to its voter; stores each nomination''s tally (thidua.tally''s columns as jsonb; exact, never rounded); sets vote_closed_at; then approves (approve_round): failed votes rejected, passed ones approved within the quota. Returns the number of nominations tallied. Administrators only. Runs only at READ COMMITTED (else invalid_transaction_state: run it in its own READ COMMITTED transaction). Errors: unknown round (no_data_found); not opened, or closed already (object_not_in_prerequisite_state).';

CREATE FUNCTION thidua.tally(round text)
	RETURNS TABLE (nomination_id bigint, award_code text, subject text, members integer, recused text[], base text,
				   base_size integer, votes_yes integer, votes_no integer, votes_abstain integer, not_voted integer,
				   written integer, threshold numeric, comparison text, required numeric, passed boolean, arithmetic text)
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	rnd thidua.nomination_round;
	differing bigint;
BEGIN
	SELECT * INTO rnd FROM thidua.nomination_round r WHERE r.round_code OPERATOR(pg_catalog.=) round;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'round "%" does not exist', round USING ERRCODE = 'no_data_found';
	END IF;
	IF NOT thidua._actor_is_admin() AND NOT EXISTS (SELECT 1 FROM thidua.council_member m
			WHERE m.round_code OPERATOR(pg_catalog.=) round AND m.role_name OPERATOR(pg_catalog.=) thidua._actor()) THEN
		RAISE EXCEPTION 'role "%" may not read the tally of round "%"', thidua._actor(), round
			USING ERRCODE = 'insufficient_privilege', DETAIL = 'Only an administrator or a member of the round''s council may.';
	END IF;
	IF rnd.vote_opened_at IS NULL THEN
		RAISE EXCEPTION 'the vote of round "%" has not opened', round USING ERRCODE = 'object_not_in_prerequisite_state';
	ELSIF rnd.vote_closed_at IS NULL THEN
		RAISE EXCEPTION 'the vote of round "%" is open: no tally until it closes', round
			USING ERRCODE = 'object_not_in_prerequisite_state', DETAIL = 'No running tally is shown while a vote is open.';
	END IF;
	-- the tally stored at the close; recounted from the ballots with the frozen
	-- settings it must be identical
	SELECT n.nomination_id INTO differing FROM thidua.nomination n
	WHERE n.round_code OPERATOR(pg_catalog.=) round AND n.tally IS NOT NULL
	  AND thidua._tally(n.nomination_id) OPERATOR(pg_catalog.<>) n.tally
	ORDER BY n.nomination_id LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION 'the tally of nomination % recounted from the ballots differs from the one stored at the close', differing
			USING ERRCODE = 'data_corrupted', DETAIL = 'The ballots, the register or the council changed after the vote closed.';
	END IF;
	RETURN QUERY
	SELECT n.nomination_id, n.award_code, coalesce(n.person_code, n.unit_code), (t ->> 'members')::integer,
		ARRAY(SELECT jsonb_array_elements_text(t -> 'recused')), t ->> 'base', (t ->> 'base_size')::integer,
		(t ->> 'yes')::integer, (t ->> 'no')::integer, (t ->> 'abstain')::integer, (t ->> 'not_voted')::integer,
		(t ->> 'written')::integer, (t ->> 'threshold')::numeric, t ->> 'comparison', (t ->> 'required')::numeric,
		(t ->> 'passed')::boolean, t ->> 'arithmetic'
	FROM thidua.nomination n CROSS JOIN LATERAL (SELECT n.tally) AS s(t)
	WHERE n.round_code OPERATOR(pg_catalog.=) round AND n.tally IS NOT NULL
	ORDER BY n.award_code, n.nomination_id;
END
$$;
COMMENT ON FUNCTION thidua.tally(text) IS
	'tally(round): per nomination voted on, the tally stored at the close, checked against a recount from the stored ballots with the council settings frozen when the vote opened (data_corrupted if they differ): members, recused (roles), base (all_members or all_members_less_recused) and base_size, votes_yes, votes_no, votes_abstain (abstain stays in the base), not_voted, written, threshold, comparison, required (threshold x base, exact), passed, arithmetic in words. Administrators and the round''s council members. Errors: unknown round (no_data_found); insufficient_privilege; the vote not opened, or open: no running tally (object_not_in_prerequisite_state).';

-- The unit a subject belongs to in a year: the unit itself, or the person's
-- unit on 31 December.
CREATE FUNCTION thidua._subject_unit(n thidua.nomination, year integer) RETURNS text
	LANGUAGE sql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT coalesce(n.unit_code, (SELECT min(m.unit_code) FROM thidua.membership m
		WHERE m.person_code OPERATOR(pg_catalog.=) n.person_code
		  AND m.valid_from OPERATOR(pg_catalog.<=) pg_catalog.make_date(year, 12, 31)
		  AND (m.valid_to IS NULL OR m.valid_to OPERATOR(pg_catalog.>) pg_catalog.make_date(year, 12, 31))))
$$;
COMMENT ON FUNCTION thidua._subject_unit(thidua.nomination, integer) IS
	'the unit of a nomination''s subject: the unit itself, or the person''s unit on 31 December of the year';

-- The best rank a unit holds in the latest published standings of the year's
-- period (NULL: none; it comes last).
CREATE FUNCTION thidua._unit_standing(unit text, year integer) RETURNS bigint
	LANGUAGE sql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT min(s.rank) FROM thidua.published_standings s
	JOIN thidua.period p ON p.period_code OPERATOR(pg_catalog.=) s.period_code
	WHERE p.year OPERATOR(pg_catalog.=) year AND s.unit_code OPERATOR(pg_catalog.=) unit
$$;
COMMENT ON FUNCTION thidua._unit_standing(text, integer) IS
	'the best rank of a unit in the latest published standings of the period of a year; NULL when it has none';

-- Whether a nomination may be approved as far as public disclosure goes: the
-- award has none, or the nomination was disclosed and its window has ended.
CREATE FUNCTION thidua._disclosure_ended(n thidua.nomination, entry thidua.rulebook_entry) RETURNS boolean
	LANGUAGE sql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT entry.disclosure IS NULL
		OR (n.state OPERATOR(pg_catalog.=) 'disclosed' AND n.disclosed_on IS NOT NULL
			AND current_date OPERATOR(pg_catalog.>) thidua._working_days_after(n.disclosed_on, (entry.disclosure ->> 'working_days')::integer))
$$;
COMMENT ON FUNCTION thidua._disclosure_ended(thidua.nomination, thidua.rulebook_entry) IS
	'whether a nomination''s public disclosure is done: none required, or disclosed and its working days ended';

-- The scope a quota counts a nomination in: its proposing unit (per unit),
-- the bloc of the proposing unit in the year (per bloc), or the round's
-- council unit (a share with no "per").
CREATE FUNCTION thidua._quota_scope(n thidua.nomination, rnd thidua.nomination_round, quota jsonb) RETURNS text
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	bloc text;
BEGIN
	IF quota ? 'count' AND coalesce(quota ->> 'per', 'unit') OPERATOR(pg_catalog.=) 'bloc' THEN
		SELECT min(m.bloc_code) INTO bloc FROM thidua.bloc_member m JOIN thidua.period p ON p.period_code OPERATOR(pg_catalog.=) m.period_code
		WHERE p.year OPERATOR(pg_catalog.=) rnd.year AND m.unit_code OPERATOR(pg_catalog.=) n.proposing_unit;
		IF bloc IS NULL THEN
			RAISE EXCEPTION 'nomination %: the proposing unit "%" is in no bloc in %', n.nomination_id, n.proposing_unit, rnd.year
				USING ERRCODE = 'object_not_in_prerequisite_state',
					  DETAIL = format('The quota of award "%s" counts per bloc.', n.award_code);
		END IF;
		RETURN bloc;
	ELSIF quota ? 'count' OR quota ->> 'per' OPERATOR(pg_catalog.=) 'unit' THEN
		RETURN n.proposing_unit;
	END IF;
	RETURN rnd.council_unit;
END
$$;
COMMENT ON FUNCTION thidua._quota_scope(thidua.nomination, thidua.nomination_round, jsonb) IS
	'the scope a quota counts a nomination in: the proposing unit (per unit), its bloc in the year (per bloc) or the round''s council unit';

-- Whether a unit lies in a quota's scope: for a count per bloc, the unit or
-- one of its ancestors is a member of the bloc in the year; otherwise the
-- unit is the scope unit or one of its sub-units.
CREATE FUNCTION thidua._unit_in_quota_scope(unit text, scope text, quota jsonb, year integer) RETURNS boolean
	LANGUAGE sql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
	WITH RECURSIVE up AS (
		SELECT u.unit_code, u.parent_code FROM thidua.unit u WHERE u.unit_code OPERATOR(pg_catalog.=) unit
		UNION SELECT p.unit_code, p.parent_code FROM thidua.unit p JOIN up ON p.unit_code OPERATOR(pg_catalog.=) up.parent_code)
	SELECT CASE WHEN quota ? 'count' AND coalesce(quota ->> 'per', 'unit') OPERATOR(pg_catalog.=) 'bloc' THEN
			EXISTS (SELECT 1 FROM up JOIN thidua.bloc_member m ON m.unit_code OPERATOR(pg_catalog.=) up.unit_code
					JOIN thidua.period p ON p.period_code OPERATOR(pg_catalog.=) m.period_code
					WHERE p.year OPERATOR(pg_catalog.=) year AND m.bloc_code OPERATOR(pg_catalog.=) scope)
		ELSE EXISTS (SELECT 1 FROM up WHERE up.unit_code OPERATOR(pg_catalog.=) scope) END
$$;
COMMENT ON FUNCTION thidua._unit_in_quota_scope(text, text, jsonb, integer) IS
	'whether a unit lies in a quota''s scope: the scope unit or below it, or (a count per bloc) below a member of the scope bloc in the year';

-- The seats of a scope under the quota: allowed, with the rule and the
-- arithmetic as thidua.quota gives them (exact, with the stated rounding).
CREATE FUNCTION thidua._quota_seats(award text, scope text, rnd thidua.nomination_round, entry thidua.rulebook_entry) RETURNS jsonb
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	q record;
BEGIN
	IF entry.quota ? 'count' THEN
		RETURN jsonb_build_object('rule', format('a fixed count per %s', coalesce(entry.quota ->> 'per', 'unit')),
			'source', thidua._legal_source_text(entry.quota -> 'source'), 'scope', scope,
			'allowed', (entry.quota ->> 'count')::integer,
			'arithmetic', format('a fixed count: %s per %s', entry.quota ->> 'count', coalesce(entry.quota ->> 'per', 'unit')));
	END IF;
	SELECT * INTO q FROM thidua.quota(award, scope, rnd.year, entry.version_code);
	RETURN jsonb_build_object('rule', format('%s %% of the holders of %s in %s (with its sub-units)',
			pg_catalog.trim_scale(q.share OPERATOR(pg_catalog.*) 100), q.base_award, scope),
		'source', q.legal_source, 'scope', scope, 'base_award', q.base_award, 'base', q.base, 'share', q.share,
		'rounding', q.rounding, 'minimum', q.minimum, 'allowed', q.allowed, 'arithmetic', q.arithmetic);
END
$$;
COMMENT ON FUNCTION thidua._quota_seats(text, text, thidua.nomination_round, thidua.rulebook_entry) IS
	'the seats a quota allows in a scope, with the rule, legal source and arithmetic (from thidua.quota for a share)';

-- Locks the quota of an award in a year: the round_award rows of the award in
-- every round of the year (FOR NO KEY UPDATE: nominating, which only
-- key-shares them, goes on). Approvals of that award and year in any round
-- queue here, in one order, before they count seats.
CREATE FUNCTION thidua._lock_quota(award text, year integer) RETURNS void
	LANGUAGE sql
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT 1 FROM thidua.round_award a JOIN thidua.nomination_round r ON r.round_code OPERATOR(pg_catalog.=) a.round_code
	WHERE a.award_code OPERATOR(pg_catalog.=) award AND r.year OPERATOR(pg_catalog.=) year
	ORDER BY a.round_code FOR NO KEY UPDATE OF a
$$;
COMMENT ON FUNCTION thidua._lock_quota(text, integer) IS
	'locks the round_award rows of an award in every round of a year (FOR NO KEY UPDATE), so that approvals of that award and year queue';

-- Seats already taken in a scope for the award in the round's year: approved,
-- decided or awarded nominations of any round of that year, and award records
-- (not revoked) of the award and year entered outside any nomination, counted
-- in the scope their subject's unit (a person's unit on 31 December) lies in.
CREATE FUNCTION thidua._seats_taken(rnd thidua.nomination_round, entry thidua.rulebook_entry, scope text) RETURNS integer
	LANGUAGE sql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT (SELECT count(*)::integer FROM thidua.nomination n
			JOIN thidua.nomination_round r ON r.round_code OPERATOR(pg_catalog.=) n.round_code
			WHERE r.year OPERATOR(pg_catalog.=) rnd.year AND n.award_code OPERATOR(pg_catalog.=) entry.award_code
			  AND n.state OPERATOR(pg_catalog.=) ANY (ARRAY['approved', 'decided', 'awarded']::thidua.nomination_state[])
			  AND thidua._quota_scope(n, r, entry.quota) OPERATOR(pg_catalog.=) scope)
		OPERATOR(pg_catalog.+)
		(SELECT count(*)::integer FROM (
			SELECT true AS of_person, a.record_id, (SELECT min(m.unit_code) FROM thidua.membership m
				WHERE m.person_code OPERATOR(pg_catalog.=) a.person_code
				  AND m.valid_from OPERATOR(pg_catalog.<=) pg_catalog.make_date(rnd.year, 12, 31)
				  AND (m.valid_to IS NULL OR m.valid_to OPERATOR(pg_catalog.>) pg_catalog.make_date(rnd.year, 12, 31))) AS unit_code
			FROM thidua.individual_award a
			WHERE a.award_code OPERATOR(pg_catalog.=) entry.award_code AND a.year OPERATOR(pg_catalog.=) rnd.year AND a.revoked_on IS NULL
			UNION ALL
			SELECT false, a.record_id, a.unit_code FROM thidua.unit_award a
			WHERE a.award_code OPERATOR(pg_catalog.=) entry.award_code AND a.year OPERATOR(pg_catalog.=) rnd.year AND a.revoked_on IS NULL) x
		 -- a record a nomination was awarded as is counted with the nomination
		 WHERE NOT EXISTS (SELECT 1 FROM thidua.nomination n WHERE n.award_record_id OPERATOR(pg_catalog.=) x.record_id
						   AND (n.person_code IS NOT NULL) OPERATOR(pg_catalog.=) x.of_person)
		   AND thidua._unit_in_quota_scope(x.unit_code, scope, entry.quota, rnd.year))
$$;
COMMENT ON FUNCTION thidua._seats_taken(thidua.nomination_round, thidua.rulebook_entry, text) IS
	'how many seats of the award''s quota in the scope are taken in the round''s year: approved, decided or awarded nominations of any round of that year, and award records (not revoked) entered outside any nomination whose subject''s unit lies in the scope';

-- Rejects a nomination over quota, with the arithmetic.
CREATE FUNCTION thidua._reject_over_quota(nomination bigint, over jsonb) RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	PERFORM thidua._transition(nomination, 'reject', pg_catalog.left(format('over quota: %s; %s', over ->> 'arithmetic', over ->> 'why'), 1000), over);
	UPDATE thidua.nomination x SET over_quota = over WHERE x.nomination_id OPERATOR(pg_catalog.=) nomination;
END
$$;
COMMENT ON FUNCTION thidua._reject_over_quota(bigint, jsonb) IS 'rejects a nomination over quota and stores the rule and arithmetic in over_quota';

-- The approval of one award of a round (administrators' steps call it).
CREATE FUNCTION thidua._approve_award(round text, award text) RETURNS integer
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	rnd thidua.nomination_round;
	entry thidua.rulebook_entry;
	ballot boolean;
	n thidua.nomination;
	cut_scope text;
	seat jsonb;
	taken integer;
	seats integer;
	ids bigint[];
	yeses integer[];
	standings bigint[];
	k integer;
	i integer;
	first_tied integer;
	last_tied integer;
	approved integer := 0;
	candidates jsonb := '[]';
	order_words text := 'by yes votes, then by the published standing of the subject''s unit';
BEGIN
	PERFORM thidua._require_read_committed('the approval of a round');
	-- the locks first: every statement below takes its snapshot after them
	rnd := thidua._lock_round(round);
	PERFORM thidua._lock_quota(award, rnd.year);
	entry := thidua._round_entry(round, award);
	IF entry.award_code IS NULL THEN
		RAISE EXCEPTION 'round "%" has no rulebook entry for award "%"', round, award USING ERRCODE = 'no_data_found';
	END IF;
	-- nominations put to the vote are decided by it, whatever the entry says now
	ballot := coalesce((entry.council ->> 'ballot')::boolean, false)
		OR EXISTS (SELECT 1 FROM thidua.nomination x WHERE x.round_code OPERATOR(pg_catalog.=) round
				   AND x.award_code OPERATOR(pg_catalog.=) award AND x.state OPERATOR(pg_catalog.=) 'in_vote');
	IF ballot THEN
		IF rnd.vote_closed_at IS NULL THEN
			RAISE EXCEPTION 'the vote of round "%" has not closed: award "%" is approved by the council''s vote', round, award
				USING ERRCODE = 'object_not_in_prerequisite_state', HINT = 'Close the vote first (thidua.close_vote).';
		END IF;
		-- a failed vote: rejected, the tally as the reason
		FOR n IN SELECT * FROM thidua.nomination x WHERE x.round_code OPERATOR(pg_catalog.=) round
				 AND x.award_code OPERATOR(pg_catalog.=) award AND x.state OPERATOR(pg_catalog.=) 'in_vote'
				 AND NOT coalesce((x.tally ->> 'passed')::boolean, false) ORDER BY x.nomination_id LOOP
			PERFORM thidua._transition(n.nomination_id, 'reject', 'the council vote failed: ' || coalesce(n.tally ->> 'arithmetic', 'no tally'),
				jsonb_build_object('tally', n.tally));
		END LOOP;
	END IF;
	-- the candidates, with their scope and sort keys
	FOR n IN SELECT * FROM thidua.nomination x WHERE x.round_code OPERATOR(pg_catalog.=) round AND x.award_code OPERATOR(pg_catalog.=) award
			 AND CASE WHEN ballot THEN x.state OPERATOR(pg_catalog.=) 'in_vote'
					  ELSE x.state OPERATOR(pg_catalog.=) ANY (ARRAY['checked', 'disclosed']::thidua.nomination_state[]) END
			 ORDER BY x.nomination_id LOOP
		CONTINUE WHEN NOT ballot AND NOT thidua._disclosure_ended(n, entry);
		candidates := candidates || jsonb_build_object('id', n.nomination_id,
			'scope', CASE WHEN entry.quota IS NULL THEN '' ELSE thidua._quota_scope(n, rnd, entry.quota) END,
			'yes', (n.tally ->> 'yes')::integer, 'standing', thidua._unit_standing(thidua._subject_unit(n, rnd.year), rnd.year));
	END LOOP;
	FOR cut_scope IN SELECT DISTINCT c ->> 'scope' FROM jsonb_array_elements(candidates) c ORDER BY 1 LOOP
		-- a tie at the cut not yet decided: this scope waits for the council
		CONTINUE WHEN EXISTS (SELECT 1 FROM thidua.quota_tie t WHERE t.round_code OPERATOR(pg_catalog.=) round
							  AND t.award_code OPERATOR(pg_catalog.=) award AND t.scope OPERATOR(pg_catalog.=) cut_scope AND t.decided_at IS NULL);
		SELECT array_agg(c.id ORDER BY c.yes DESC NULLS LAST, c.standing NULLS LAST, c.id),
			   array_agg(c.yes ORDER BY c.yes DESC NULLS LAST, c.standing NULLS LAST, c.id),
			   array_agg(c.standing ORDER BY c.yes DESC NULLS LAST, c.standing NULLS LAST, c.id)
		INTO ids, yeses, standings
		FROM jsonb_to_recordset(candidates) AS c(id bigint, scope text, yes integer, standing bigint)
		WHERE c.scope OPERATOR(pg_catalog.=) cut_scope;
		k := pg_catalog.cardinality(ids);
		IF entry.quota IS NULL THEN
			seat := NULL;
			seats := k;
		ELSE
			seat := thidua._quota_seats(award, cut_scope, rnd, entry);
			taken := thidua._seats_taken(rnd, entry, cut_scope);
			seats := greatest((seat ->> 'allowed')::integer OPERATOR(pg_catalog.-) taken, 0);
			seat := seat || jsonb_build_object('taken_before', taken, 'seats_left', seats, 'candidates', k, 'order', order_words);
		END IF;
		first_tied := NULL;
		last_tied := NULL;
		IF k OPERATOR(pg_catalog.>) seats AND seats OPERATOR(pg_catalog.>) 0
		   AND yeses[seats] IS NOT DISTINCT FROM yeses[seats OPERATOR(pg_catalog.+) 1]
		   AND standings[seats] IS NOT DISTINCT FROM standings[seats OPERATOR(pg_catalog.+) 1] THEN
			first_tied := seats;
			WHILE first_tied OPERATOR(pg_catalog.>) 1 AND yeses[first_tied OPERATOR(pg_catalog.-) 1] IS NOT DISTINCT FROM yeses[seats]
				  AND standings[first_tied OPERATOR(pg_catalog.-) 1] IS NOT DISTINCT FROM standings[seats] LOOP
				first_tied := first_tied OPERATOR(pg_catalog.-) 1;
			END LOOP;
			last_tied := seats OPERATOR(pg_catalog.+) 1;
			WHILE last_tied OPERATOR(pg_catalog.<) k AND yeses[last_tied OPERATOR(pg_catalog.+) 1] IS NOT DISTINCT FROM yeses[seats]
				  AND standings[last_tied OPERATOR(pg_catalog.+) 1] IS NOT DISTINCT FROM standings[seats] LOOP
				last_tied := last_tied OPERATOR(pg_catalog.+) 1;
			END LOOP;
			INSERT INTO thidua.quota_tie (round_code, award_code, scope, seats_left, tied)
			VALUES (round, award, cut_scope, seats OPERATOR(pg_catalog.-) first_tied OPERATOR(pg_catalog.+) 1, ids[first_tied:last_tied])
			ON CONFLICT (round_code, award_code, scope) DO UPDATE
				SET seats_left = excluded.seats_left, tied = excluded.tied, found_at = excluded.found_at,
					chosen = NULL, reason = NULL, decided_at = NULL, decided_by = NULL;
		END IF;
		FOR i IN 1 .. k LOOP
			IF first_tied IS NOT NULL AND i OPERATOR(pg_catalog.>=) first_tied AND i OPERATOR(pg_catalog.<=) last_tied THEN
				CONTINUE; -- left in its state: the tie blocks the scope
			ELSIF i OPERATOR(pg_catalog.<=) seats AND first_tied IS NULL OR i OPERATOR(pg_catalog.<) coalesce(first_tied, 0) THEN
				PERFORM thidua._transition(ids[i], 'approve',
					CASE WHEN ballot THEN 'passed the council vote' ELSE 'checked' END
					|| CASE WHEN seat IS NULL THEN '; no quota' ELSE format('; seat %s of %s under the quota (%s)', i, seats, seat ->> 'arithmetic') END,
					CASE WHEN seat IS NULL THEN NULL ELSE seat || jsonb_build_object('rank', i) END);
				approved := approved OPERATOR(pg_catalog.+) 1;
			ELSE
				PERFORM thidua._reject_over_quota(ids[i], seat || jsonb_build_object('rank', i, 'yes', yeses[i], 'standing', standings[i],
					'why', format('ranked %s of %s %s, for %s seat(s) left in %s', i, k, order_words, seats, cut_scope)));
			END IF;
		END LOOP;
	END LOOP;
	RETURN approved;
END
$$;
COMMENT ON FUNCTION thidua._approve_award(text, text) IS
	'approves the candidates of one award of a round within its quota (see approve_round); returns how many were approved';

CREATE FUNCTION thidua.approve_round(round text, award text DEFAULT NULL) RETURNS integer
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	rnd thidua.nomination_round;
	a text;
	approved integer := 0;
BEGIN
	PERFORM thidua._require_admin(format('approve the nominations of round "%s"', round));
	PERFORM thidua._require_read_committed('approve_round');
	rnd := thidua._lock_round(round);
	IF award IS NOT NULL AND NOT EXISTS (SELECT 1 FROM thidua.round_award r WHERE r.round_code OPERATOR(pg_catalog.=) round
										 AND r.award_code OPERATOR(pg_catalog.=) award) THEN
		RAISE EXCEPTION 'round "%" does not consider award "%"', round, award USING ERRCODE = 'no_data_found';
	END IF;
	FOR a IN SELECT r.award_code FROM thidua.round_award r WHERE r.round_code OPERATOR(pg_catalog.=) round
			 AND (award IS NULL OR r.award_code OPERATOR(pg_catalog.=) award) ORDER BY 1 LOOP
		-- all awards: those voted on wait for the vote's close
		CONTINUE WHEN award IS NULL AND rnd.vote_closed_at IS NULL
			AND (coalesce(((thidua._round_entry(round, a)).council ->> 'ballot')::boolean, false)
				 OR EXISTS (SELECT 1 FROM thidua.nomination x WHERE x.round_code OPERATOR(pg_catalog.=) round
							AND x.award_code OPERATOR(pg_catalog.=) a AND x.state OPERATOR(pg_catalog.=) 'in_vote'));
		approved := approved OPERATOR(pg_catalog.+) thidua._approve_award(round, a);
	END LOOP;
	RETURN approved;
END
$$;
COMMENT ON FUNCTION thidua.approve_round(text, text) IS
	'approve_round(round [, award]): for each award of the round (or the one named): nominations whose council vote failed are rejected (the tally as the reason); the candidates (vote passed; for awards without a ballot, checked, or disclosed with the window ended) are approved within the quota of the rulebook entry, per scope (the proposing unit, its bloc, or the round''s council unit), ordered by yes votes then the published standing of the subject''s unit (none: last); the rest are rejected with over_quota {rule, source, base, share, rounding, arithmetic e.g. "15 % of 13 = 1.95, rounded down: 1", allowed, taken_before, seats_left, rank}; withdrawn and rejected nominations take no seat; seats taken in the year count whichever round took them, and so do award records (not revoked) of the award and year entered outside any nomination, in the scope of their subject''s unit. A tie on both keys at the cut is recorded in thidua.quota_tie and leaves the tied nominations as they are: the scope is blocked until resolve_tie. Without an award, ballot awards are skipped until the vote closes. Returns how many were approved. Administrators only. Runs only at READ COMMITTED (else invalid_transaction_state); approvals of one award and year queue on its round_award rows. Errors: unknown round or award (no_data_found); a named ballot award before the vote closes (object_not_in_prerequisite_state).';

CREATE FUNCTION thidua.resolve_tie(round text, award text, scope text, chosen bigint[], reason text) RETURNS void
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	tie thidua.quota_tie;
	rnd thidua.nomination_round;
	entry thidua.rulebook_entry;
	seat jsonb;
	taken integer;
	id bigint;
BEGIN
	reason := normalize(btrim(reason), NFC);
	PERFORM thidua._check_length(format('tie of round "%s"', round), 'reason', reason, 1000);
	PERFORM thidua._require_admin(format('resolve a tie of round "%s"', round));
	PERFORM thidua._require_read_committed('resolve_tie');
	rnd := thidua._lock_round(round);
	PERFORM thidua._lock_quota(award, rnd.year);
	SELECT * INTO tie FROM thidua.quota_tie t WHERE t.round_code OPERATOR(pg_catalog.=) round
		AND t.award_code OPERATOR(pg_catalog.=) award AND t.scope OPERATOR(pg_catalog.=) resolve_tie.scope FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'round "%" has no tie for award "%" in "%"', round, award, resolve_tie.scope USING ERRCODE = 'no_data_found';
	END IF;
	IF tie.decided_at IS NOT NULL THEN
		RAISE EXCEPTION 'the tie of round "%" for award "%" in "%" was decided at % by "%"', round, award, resolve_tie.scope, tie.decided_at, tie.decided_by
			USING ERRCODE = 'object_not_in_prerequisite_state', DETAIL = format('Chosen: %s. Reason: %s', tie.chosen, tie.reason);
	END IF;
	IF reason IS NULL OR btrim(reason) OPERATOR(pg_catalog.=) '' THEN
		RAISE EXCEPTION 'reason is required' USING ERRCODE = 'null_value_not_allowed',
			DETAIL = 'The council''s decision of a tie is recorded with its reason.';
	END IF;
	IF chosen IS NULL OR pg_catalog.cardinality(chosen) OPERATOR(pg_catalog.<>) tie.seats_left
	   OR (SELECT count(DISTINCT c) FROM unnest(chosen) c) OPERATOR(pg_catalog.<>) tie.seats_left
	   OR NOT chosen OPERATOR(pg_catalog.<@) tie.tied THEN
		RAISE EXCEPTION 'chosen must be % distinct nomination(s) among the tied %, not %', tie.seats_left, tie.tied, coalesce(chosen::text, 'NULL')
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	entry := thidua._round_entry(round, award);
	seat := thidua._quota_seats(award, resolve_tie.scope, rnd, entry);
	-- another round may have taken seats of the year since the tie was found
	taken := thidua._seats_taken(rnd, entry, resolve_tie.scope);
	IF (seat ->> 'allowed')::integer OPERATOR(pg_catalog.-) taken OPERATOR(pg_catalog.<) tie.seats_left THEN
		RAISE EXCEPTION 'only % seat(s) of award "%" are left in "%", not the % the tie was found with',
			greatest((seat ->> 'allowed')::integer OPERATOR(pg_catalog.-) taken, 0), award, resolve_tie.scope, tie.seats_left
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = format('%s taken of %s in %s (%s).', taken, seat ->> 'allowed', rnd.year, seat ->> 'arithmetic'),
				  HINT = 'Seats were taken in another round of the year since the tie was found; the council decides again with the seats left.';
	END IF;
	seat := seat || jsonb_build_object('taken_before', taken)
		|| jsonb_build_object('tie', jsonb_build_object('tied', tie.tied, 'seats_left', tie.seats_left, 'chosen', chosen,
							  'reason', reason, 'decided_by', thidua._actor()));
	FOREACH id IN ARRAY tie.tied LOOP
		IF id OPERATOR(pg_catalog.=) ANY (chosen) THEN
			PERFORM thidua._transition(id, 'approve', pg_catalog.left('chosen at a tie at the quota''s cut: ' || reason, 1000), seat);
		ELSE
			PERFORM thidua._reject_over_quota(id, seat || jsonb_build_object('why', 'not chosen at a tie at the cut: ' || reason));
		END IF;
	END LOOP;
	UPDATE thidua.quota_tie t SET chosen = resolve_tie.chosen, reason = resolve_tie.reason, decided_at = now(), decided_by = thidua._actor()
	WHERE t.round_code OPERATOR(pg_catalog.=) round AND t.award_code OPERATOR(pg_catalog.=) award AND t.scope OPERATOR(pg_catalog.=) resolve_tie.scope;
END
$$;
COMMENT ON FUNCTION thidua.resolve_tie(text, text, text, bigint[], text) IS
	'resolve_tie(round, award, scope, chosen, reason): the council''s decision of a tie at a quota''s cut: approves the chosen nominations (exactly seats_left of the tied), rejects the other tied ones over quota, and records the decision with its reason, who and when; the scope is unblocked. Administrators only. Errors: no such tie (no_data_found); decided already (object_not_in_prerequisite_state); reason missing (null_value_not_allowed); chosen not exactly seats_left distinct tied nominations (invalid_parameter_value); fewer seats left than when the tie was found, another round of the year having taken some (object_not_in_prerequisite_state). Runs only at READ COMMITTED (invalid_transaction_state).';

-- A single nomination of an award without a ballot.
CREATE FUNCTION thidua._non_ballot(nomination bigint, step text) RETURNS thidua.nomination
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	n thidua.nomination;
	entry thidua.rulebook_entry;
BEGIN
	PERFORM thidua._require_admin(format('%s nomination %s', step, nomination));
	SELECT * INTO n FROM thidua.nomination x WHERE x.nomination_id OPERATOR(pg_catalog.=) nomination FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'nomination % does not exist', coalesce(nomination::text, 'NULL') USING ERRCODE = 'no_data_found';
	END IF;
	IF n.state OPERATOR(pg_catalog.=) 'in_vote' THEN
		RAISE EXCEPTION 'nomination % is in vote: only the close of the vote of round "%" decides it, not %', nomination, n.round_code, step
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = 'It was put to the council''s vote with the settings frozen then; a later change of the rulebook entry does not take it out.',
				  HINT = 'Close the round''s vote (thidua.close_vote).';
	END IF;
	entry := thidua._round_entry(n.round_code, n.award_code);
	IF coalesce((entry.council ->> 'ballot')::boolean, false) THEN
		RAISE EXCEPTION 'nomination % (award "%") is decided by the council''s vote, not by %', nomination, n.award_code, step
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Open and close the round''s vote (thidua.open_vote, thidua.close_vote).';
	END IF;
	RETURN n;
END
$$;
COMMENT ON FUNCTION thidua._non_ballot(bigint, text) IS
	'the nomination, locked, for approve and reject: administrators only, an existing nomination not in vote, of an award without a ballot';

CREATE FUNCTION thidua.approve(nomination bigint, reason text DEFAULT NULL) RETURNS void
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	n thidua.nomination;
	entry thidua.rulebook_entry;
	rnd thidua.nomination_round;
	seat_scope text;
	seat jsonb;
	taken integer;
BEGIN
	reason := normalize(btrim(reason), NFC);
	PERFORM thidua._check_length(format('nomination %s', nomination), 'reason', reason, 1000);
	PERFORM thidua._require_admin(format('approve nomination %s', nomination));
	PERFORM thidua._require_read_committed('approve');
	-- the round and the award's quota of the year first (as approve_round takes
	-- them), then the nomination; its round and award never change
	SELECT x.round_code, x.award_code INTO n.round_code, n.award_code FROM thidua.nomination x
	WHERE x.nomination_id OPERATOR(pg_catalog.=) nomination;
	IF FOUND THEN
		rnd := thidua._lock_round(n.round_code);
		PERFORM thidua._lock_quota(n.award_code, rnd.year);
	END IF;
	n := thidua._non_ballot(nomination, 'approve');
	entry := thidua._round_entry(n.round_code, n.award_code);
	IF NOT thidua._disclosure_ended(n, entry) THEN
		RAISE EXCEPTION 'nomination % (award "%") has not been disclosed for % working days', nomination, n.award_code,
			entry.disclosure ->> 'working_days'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = CASE WHEN n.disclosed_on IS NULL THEN 'It has not been disclosed.'
						   ELSE format('Its disclosure from %s ends on %s.', n.disclosed_on,
									   thidua._working_days_after(n.disclosed_on, (entry.disclosure ->> 'working_days')::integer)) END;
	END IF;
	IF entry.quota IS NOT NULL THEN
		seat_scope := thidua._quota_scope(n, rnd, entry.quota);
		IF EXISTS (SELECT 1 FROM thidua.quota_tie t WHERE t.round_code OPERATOR(pg_catalog.=) n.round_code
				   AND t.award_code OPERATOR(pg_catalog.=) n.award_code AND t.scope OPERATOR(pg_catalog.=) seat_scope AND t.decided_at IS NULL) THEN
			RAISE EXCEPTION 'award "%" of round "%" is blocked in "%" by a tie at the quota''s cut', n.award_code, n.round_code, seat_scope
				USING ERRCODE = 'object_not_in_prerequisite_state', HINT = 'The council decides it (thidua.resolve_tie).';
		END IF;
		seat := thidua._quota_seats(n.award_code, seat_scope, rnd, entry);
		taken := thidua._seats_taken(rnd, entry, seat_scope);
		IF taken OPERATOR(pg_catalog.>=) (seat ->> 'allowed')::integer THEN
			RAISE EXCEPTION 'no seat left under the quota of award "%" in "%": % taken of %', n.award_code, seat_scope, taken, seat ->> 'allowed'
				USING ERRCODE = 'object_not_in_prerequisite_state', DETAIL = format('%s (%s).', seat ->> 'arithmetic', seat ->> 'rule'),
					  HINT = 'Approve the round in order (thidua.approve_round), or reject another nomination first.';
		END IF;
		seat := seat || jsonb_build_object('taken_before', taken);
	END IF;
	PERFORM thidua._transition(nomination, 'approve', reason, seat);
END
$$;
COMMENT ON FUNCTION thidua.approve(bigint, text) IS
	'approve(nomination [, reason]): the authority approves one checked (or disclosed, its window ended) nomination of an award without a ballot, when a seat is left under the quota of the award in the year, seats taken by any round of the year and award records entered outside nominations included (approve_round fills seats in order). Administrators only; READ COMMITTED only (invalid_transaction_state). Errors: unknown nomination (no_data_found); a nomination in vote (only the vote''s close decides it), an award with a ballot, not disclosed, a tie blocking the scope, no seat left, or a state that cannot be approved (object_not_in_prerequisite_state, naming the allowed next steps).';

CREATE FUNCTION thidua.reject(nomination bigint, reason text) RETURNS void
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	n thidua.nomination;
BEGIN
	reason := normalize(btrim(reason), NFC);
	PERFORM thidua._check_length(format('nomination %s', nomination), 'reason', reason, 1000);
	n := thidua._non_ballot(nomination, 'reject');
	IF reason IS NULL OR btrim(reason) OPERATOR(pg_catalog.=) '' THEN
		RAISE EXCEPTION 'reason is required' USING ERRCODE = 'null_value_not_allowed',
			DETAIL = 'A rejection is recorded with its reason.';
	END IF;
	PERFORM thidua._transition(nomination, 'reject', reason, NULL);
END
$$;
COMMENT ON FUNCTION thidua.reject(bigint, text) IS
	'reject(nomination, reason): the authority rejects one checked or disclosed nomination of an award without a ballot, with a reason. Administrators only. Errors: unknown nomination (no_data_found); a nomination in vote (only the vote''s close decides it), an award with a ballot, or a state that cannot be rejected (object_not_in_prerequisite_state); reason missing (null_value_not_allowed).';
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
	thidua._relay_register(), thidua._sits_on_council_of(bigint), thidua._lock_round(text), thidua._require_admin(text),
	thidua._council_not_frozen(thidua.nomination_round), thidua._add_council_members(text, jsonb),
	thidua._cast_vote(bigint, text, text, text), thidua._subject_unit(thidua.nomination, integer),
	thidua._unit_standing(text, integer), thidua._disclosure_ended(thidua.nomination, thidua.rulebook_entry),
	thidua._quota_scope(thidua.nomination, thidua.nomination_round, jsonb),
	thidua._quota_seats(text, text, thidua.nomination_round, thidua.rulebook_entry),
	thidua._seats_taken(thidua.nomination_round, thidua.rulebook_entry, text), thidua._reject_over_quota(bigint, jsonb),
	thidua._approve_award(text, text), thidua._non_ballot(bigint, text), thidua._require_read_committed(text),
	thidua._unit_in_quota_scope(text, text, jsonb, integer), thidua._lock_quota(text, integer) FROM PUBLIC;

------------------------------------------------------------------------------
-- The rulebook's nomination settings (dossier items, override) and the
-- council's recuse_proposing_unit, validated, imported, exported, cloned and diffed
-- (45_rulebook_documents.sql, 46_rulebook_lifecycle.sql)
------------------------------------------------------------------------------

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

------------------------------------------------------------------------------
-- The roles' rights, restated once with every part's grants (90_roles.sql)
------------------------------------------------------------------------------
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
	GRANT EXECUTE ON FUNCTION thidua._sits_on_council_of(bigint) TO thidua_admin, thidua_council;
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
END
$$;
COMMENT ON FUNCTION thidua.create_roles() IS
	'creates the group roles thidua_admin, thidua_scorer, thidua_reader, thidua_council if missing and grants their rights (superuser only; idempotent)';
