-- thidua SQL source: the nomination model.
-- Holds the type nomination_state; tables nomination_round, round_award,
-- nomination, nomination_achievement, dossier_item, nomination_event,
-- nomination_transition (the state machine, as data), disclosure_comment,
-- council_member, quota_tie; their dump registration.
--
-- Every write goes through the workflow functions (61, 62, 63): nobody, an
-- administrator included, holds INSERT, UPDATE or DELETE on these tables. The
-- actor of a step is the login role (session_user), as the event log records.
-- The ballot itself (vote_register, ballot) lives in 62_council_ballot.sql.

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
	-- the council settings frozen when the vote opened (ballot, secret,
	-- threshold, comparison, base, recuse_proposing_unit, source,
	-- rulebook_version): the vote, tally and approval use these, never the
	-- rulebook's live entry
	council jsonb,
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
