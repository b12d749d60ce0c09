-- thidua SQL source: the nomination workflow.
-- Holds the actor checks (_actor, _actor_is_admin, _actor_units), the one
-- transition function every step goes through (_transition), and the steps.
--
-- The workflow functions are SECURITY DEFINER, so that nobody needs INSERT,
-- UPDATE or DELETE on the workflow tables and the event log stays append-only.
-- Inside them current_user is the owner; the actor is the login role
-- (session_user), which no one but a superuser can change, and whose thidua
-- group roles and units decide what it may do.

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
	PERFORM thidua._sequential_on_citus();
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
	own_units text[];
	what text := format('nomination of "%s"', subject);
BEGIN
	PERFORM thidua._sequential_on_citus();
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
	-- a unit proposes its own people and collectives (its sub-units included);
	-- the unit tree first, then the person's memberships (on Citus a recursive
	-- query may not reach a distributed table)
	IF NOT thidua._actor_is_admin() THEN
		WITH RECURSIVE subtree(code) AS (
			SELECT proposing_unit
			UNION
			SELECT u.unit_code FROM thidua.unit u JOIN subtree s ON u.parent_code OPERATOR(pg_catalog.=) s.code)
		SELECT array_agg(s.code) INTO own_units FROM subtree s;
	END IF;
	IF NOT thidua._actor_is_admin() AND NOT (
		(award_subject OPERATOR(pg_catalog.=) 'collective' AND subject OPERATOR(pg_catalog.=) ANY (own_units))
		OR (award_subject OPERATOR(pg_catalog.=) 'individual' AND EXISTS (
				SELECT 1 FROM thidua.membership m
				WHERE m.person_code OPERATOR(pg_catalog.=) subject AND m.unit_code OPERATOR(pg_catalog.=) ANY (own_units)
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
	PERFORM thidua._sequential_on_citus();
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
	PERFORM thidua._sequential_on_citus();
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
	PERFORM thidua._sequential_on_citus();
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
	PERFORM thidua._sequential_on_citus();
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
	PERFORM thidua._sequential_on_citus();
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
	PERFORM thidua._sequential_on_citus();
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
	PERFORM thidua._sequential_on_citus();
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
	PERFORM thidua._sequential_on_citus();
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
	PERFORM thidua._sequential_on_citus();
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
	PERFORM thidua._sequential_on_citus();
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
	n thidua.nomination;
	r thidua.nomination_round;
	award_kind text;
	record bigint;
	stray text;
BEGIN
	PERFORM thidua._sequential_on_citus();
	n := thidua._step(nomination, 'award');
	SELECT * INTO r FROM thidua.nomination_round x WHERE x.round_code OPERATOR(pg_catalog.=) n.round_code;
	-- the catalog's kind, given here (on Citus no trigger fills it)
	SELECT a.kind INTO award_kind FROM thidua.award a WHERE a.award_code OPERATOR(pg_catalog.=) n.award_code;
	IF n.person_code IS NOT NULL THEN
		INSERT INTO thidua.individual_award (person_code, award_code, year, kind, decision_number, decision_date, issuer)
		VALUES (n.person_code, n.award_code, r.year, award_kind, n.decision_number, n.decision_date, r.authority)
		RETURNING record_id INTO record;
		-- the initiatives it rests on count for this award only
		UPDATE thidua.initiative i SET used_by_award = record
		FROM thidua.nomination_achievement a
		WHERE a.nomination_id OPERATOR(pg_catalog.=) nomination AND a.initiative_code OPERATOR(pg_catalog.=) i.initiative_code
		  AND i.used_by_award IS NULL;
		-- an initiative counts for an award of one of its authors only (the
		-- initiative's trigger says so on one server, the function on Citus)
		SELECT i.initiative_code INTO stray FROM thidua.initiative i
		WHERE i.used_by_award OPERATOR(pg_catalog.=) record
		  AND NOT EXISTS (SELECT 1 FROM thidua.initiative_author ia WHERE ia.initiative_code OPERATOR(pg_catalog.=) i.initiative_code
						  AND ia.person_code OPERATOR(pg_catalog.=) n.person_code)
		ORDER BY i.initiative_code LIMIT 1;
		IF FOUND THEN
			RAISE EXCEPTION 'initiative "%" is used by award record % of "%", who is not one of its authors',
				stray, record, n.person_code
				USING ERRCODE = 'check_violation',
					  HINT = 'An initiative counts for an award of one of its authors only.';
		END IF;
	ELSE
		INSERT INTO thidua.unit_award (unit_code, award_code, year, kind, decision_number, decision_date, issuer)
		VALUES (n.unit_code, n.award_code, r.year, award_kind, n.decision_number, n.decision_date, r.authority)
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
	PERFORM thidua._sequential_on_citus();
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
	-- the registry entry by its subject's key as well (on Citus a person's
	-- award is found, and locked, by the person)
	IF n.person_code IS NOT NULL THEN
		UPDATE thidua.individual_award a SET revoked_on = revoke.revoked_on, revocation_reason = reason, revocation_decision = decision
		WHERE a.person_code OPERATOR(pg_catalog.=) n.person_code AND a.record_id OPERATOR(pg_catalog.=) n.award_record_id
		  AND a.revoked_on IS NULL;
	ELSE
		UPDATE thidua.unit_award a SET revoked_on = revoke.revoked_on, revocation_reason = reason, revocation_decision = decision
		WHERE a.unit_code OPERATOR(pg_catalog.=) n.unit_code AND a.record_id OPERATOR(pg_catalog.=) n.award_record_id
		  AND a.revoked_on IS NULL;
	END IF;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'award record % of "%" does not exist or was revoked already', n.award_record_id, coalesce(n.person_code, n.unit_code)
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'A revocation is neither undone nor made again.';
	END IF;
	RETURN new_state;
END
$$;
COMMENT ON FUNCTION thidua.revoke(bigint, date, text, text) IS
	'revoke(nomination, revoked_on, reason, decision) -> revoked (administrators): revokes the award in the registry as thidua.revoke_award does (the entry stays, marked, and counts for eligibility no more). Errors: over-long text (the field named, nothing changed); state, insufficient_privilege, missing date, reason or decision';

-- A nominee's name for whoever may see the nomination: read directly when the
-- caller reads people (or units), else given for the public decisions only
-- (decided, awarded, revoked), which readers and other units see too.
CREATE FUNCTION thidua._public_nominee_name(nomination bigint) RETURNS text
	LANGUAGE plpgsql STABLE SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	n thidua.nomination;
BEGIN
	SELECT * INTO n FROM thidua.nomination x
	WHERE x.nomination_id OPERATOR(pg_catalog.=) nomination AND x.state IN ('decided', 'awarded', 'revoked');
	IF NOT FOUND THEN
		RETURN NULL;
	END IF;
	-- one table at a time (on Citus people are distributed, units not)
	IF n.person_code IS NOT NULL THEN
		RETURN (SELECT i.full_name FROM thidua.individual i WHERE i.person_code OPERATOR(pg_catalog.=) n.person_code);
	END IF;
	RETURN (SELECT u.name FROM thidua.unit u WHERE u.unit_code OPERATOR(pg_catalog.=) n.unit_code);
END
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
