-- thidua SQL source: the council and the secret ballot.
-- Holds tables vote_register and ballot; the helpers
-- _working_days_after, _recused, _tally, _relay_ballots, _relay_register,
-- _sits_on_council_of, _require_read_committed; the steps set_council, add_council_member,
-- remove_council_member, open_vote, vote, vote_written, close_vote, tally.
--
-- Secrecy: who has voted (vote_register) is kept apart from what was voted
-- (ballot: no voter, no time, no identifier). While a vote is open a member's
-- register row and ballot commit in one transaction, so their xmin pairs them;
-- close_vote therefore re-lays every ballot (read, TRUNCATE, re-insert sorted,
-- in one transaction under ACCESS EXCLUSIVE: the old file, dead tuples and all,
-- is dropped at commit) and the register after it, in another (sub)transaction.
--
-- The council settings of an award (ballot, secret, threshold, comparison,
-- base, recuse_proposing_unit) are frozen per nomination when the vote opens
-- (nomination.council): a later edit of a draft rulebook changes no vote.

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
	-- column by column: on Citus the rows are read from a placement, whose
	-- row type is not thidua.vote_register
	ids bigint[];
	roles text[];
	writtens boolean[];
	enterers text[];
	choices text[];
BEGIN
	SELECT coalesce(array_agg(v.nomination_id ORDER BY v.nomination_id, v.role_name), '{}'),
		   coalesce(array_agg(v.role_name ORDER BY v.nomination_id, v.role_name), '{}'),
		   coalesce(array_agg(v.written ORDER BY v.nomination_id, v.role_name), '{}'),
		   coalesce(array_agg(v.entered_by ORDER BY v.nomination_id, v.role_name), '{}'),
		   coalesce(array_agg(v.choice ORDER BY v.nomination_id, v.role_name), '{}')
	INTO ids, roles, writtens, enterers, choices FROM thidua.vote_register v;
	TRUNCATE thidua.vote_register;
	INSERT INTO thidua.vote_register (nomination_id, role_name, written, entered_by, choice)
	SELECT u.nomination_id, u.role_name, u.written, u.entered_by, u.choice
	FROM unnest(ids, roles, writtens, enterers, choices) WITH ORDINALITY AS u(nomination_id, role_name, written, entered_by, choice, position)
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
	PERFORM thidua._sequential_on_citus();
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
	PERFORM thidua._sequential_on_citus();
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
	PERFORM thidua._sequential_on_citus();
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
	moving_id bigint;
	frozen jsonb;
BEGIN
	PERFORM thidua._sequential_on_citus();
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
		-- plain values, not subscripts, in the UPDATE (Citus deparses it for the placements)
		moving_id := moving[i];
		frozen := settings[i];
		PERFORM thidua._transition(moving_id, 'open_vote', NULL, jsonb_build_object('round', round, 'council', frozen));
		UPDATE thidua.nomination x SET council = frozen WHERE x.nomination_id OPERATOR(pg_catalog.=) moving_id;
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
	PERFORM thidua._sequential_on_citus();
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
	PERFORM thidua._sequential_on_citus();
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
	tallied integer := 0;
	voted_on bigint;
	counted jsonb;
	award text;
BEGIN
	PERFORM thidua._sequential_on_citus();
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
	-- one nomination at a time, the tally as a value (Citus calls no STABLE
	-- function on a column in an UPDATE)
	FOR voted_on IN SELECT x.nomination_id FROM thidua.nomination x
				 WHERE x.round_code OPERATOR(pg_catalog.=) round AND x.state OPERATOR(pg_catalog.=) 'in_vote'
				 ORDER BY x.nomination_id LOOP
		counted := thidua._tally(voted_on);
		UPDATE thidua.nomination x SET tally = counted WHERE x.nomination_id OPERATOR(pg_catalog.=) voted_on;
		tallied := tallied OPERATOR(pg_catalog.+) 1;
	END LOOP;
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
