-- thidua SQL source: approval and quotas.
-- Holds the helpers _subject_unit, _unit_standing, _disclosure_ended,
-- _quota_scope, _unit_in_quota_scope, _quota_seats, _lock_quota, _seats_taken,
-- _approve_award, and the steps
-- approve_round, resolve_tie, approve, reject.
--
-- Candidates of an award in a round: the nominations whose council vote
-- passed (ballot awards), or the checked (disclosed, when the award is
-- disclosed) ones (other awards). Per quota scope they are ordered by yes
-- votes, then by the published standing of the subject's unit; those past the
-- seats are rejected "over quota" with the rule and the arithmetic; a tie on
-- both keys at the cut blocks the award in that scope until resolve_tie.
--
-- A quota is of an award in a year, whichever round fills it: seats taken by
-- other rounds of the year, and award records entered outside any nomination,
-- count. Approvals count and then decide, so they run at READ COMMITTED only,
-- after locking the round and every round_award row of the award in rounds of
-- that year (_lock_quota): concurrent approvals of one award and year queue.

-- The unit a subject belongs to in a year: the unit itself, or the person's
-- unit on 31 December.
CREATE FUNCTION thidua._subject_unit(n thidua.nomination, year integer) RETURNS text
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	IF n.unit_code IS NOT NULL THEN
		RETURN n.unit_code;
	END IF;
	RETURN (SELECT min(m.unit_code) FROM thidua.membership m
		WHERE m.person_code OPERATOR(pg_catalog.=) n.person_code
		  AND m.valid_from OPERATOR(pg_catalog.<=) pg_catalog.make_date(year, 12, 31)
		  AND (m.valid_to IS NULL OR m.valid_to OPERATOR(pg_catalog.>) pg_catalog.make_date(year, 12, 31)));
END
$$;
COMMENT ON FUNCTION thidua._subject_unit(thidua.nomination, integer) IS
	'the unit of a nomination''s subject: the unit itself, or the person''s unit on 31 December of the year';

-- The best rank a unit holds in the latest published standings of the year's
-- period (NULL: none; it comes last).
CREATE FUNCTION thidua._unit_standing(unit text, year integer) RETURNS bigint
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	RETURN (SELECT min(s.rank) FROM thidua.published_standings s
		JOIN thidua.period p ON p.period_code OPERATOR(pg_catalog.=) s.period_code
		WHERE p.year OPERATOR(pg_catalog.=) _unit_standing.year AND s.unit_code OPERATOR(pg_catalog.=) unit);
END
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
					WHERE p.year OPERATOR(pg_catalog.=) _unit_in_quota_scope.year AND m.bloc_code OPERATOR(pg_catalog.=) scope)
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
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	n thidua.nomination;
	r thidua.nomination_round;
	records bigint[];
	units text[];
	i integer;
	taken integer := 0;
BEGIN
	-- nominations of any round of the year (row by row: on Citus a query may
	-- not hand a table's whole row to a function)
	FOR n IN SELECT x.* FROM thidua.nomination x
			 JOIN thidua.nomination_round y ON y.round_code OPERATOR(pg_catalog.=) x.round_code
			 WHERE y.year OPERATOR(pg_catalog.=) rnd.year AND x.award_code OPERATOR(pg_catalog.=) entry.award_code
			   AND x.state OPERATOR(pg_catalog.=) ANY (ARRAY['approved', 'decided', 'awarded']::thidua.nomination_state[])
			 ORDER BY x.nomination_id LOOP
		SELECT * INTO r FROM thidua.nomination_round y WHERE y.round_code OPERATOR(pg_catalog.=) n.round_code;
		IF thidua._quota_scope(n, r, entry.quota) OPERATOR(pg_catalog.=) scope THEN
			taken := taken OPERATOR(pg_catalog.+) 1;
		END IF;
	END LOOP;
	-- award records of the year, each with its subject's unit (a person's on
	-- 31 December: people's records join on the person, as Citus co-locates them)
	SELECT coalesce(array_agg(x.record_id ORDER BY x.record_id), '{}'), coalesce(array_agg(x.unit_code ORDER BY x.record_id), '{}')
	INTO records, units
	FROM (SELECT a.record_id, min(m.unit_code) AS unit_code
		  FROM thidua.individual_award a
		  LEFT JOIN thidua.membership m ON m.person_code OPERATOR(pg_catalog.=) a.person_code
			AND m.valid_from OPERATOR(pg_catalog.<=) pg_catalog.make_date(rnd.year, 12, 31)
			AND (m.valid_to IS NULL OR m.valid_to OPERATOR(pg_catalog.>) pg_catalog.make_date(rnd.year, 12, 31))
		  WHERE a.award_code OPERATOR(pg_catalog.=) entry.award_code AND a.year OPERATOR(pg_catalog.=) rnd.year AND a.revoked_on IS NULL
		  GROUP BY a.person_code, a.record_id) x;
	FOR i IN 1 .. pg_catalog.cardinality(records) LOOP
		-- a record a nomination was awarded as is counted with the nomination
		CONTINUE WHEN EXISTS (SELECT 1 FROM thidua.nomination x WHERE x.award_record_id OPERATOR(pg_catalog.=) records[i]
							  AND x.person_code IS NOT NULL);
		IF thidua._unit_in_quota_scope(units[i], scope, entry.quota, rnd.year) THEN
			taken := taken OPERATOR(pg_catalog.+) 1;
		END IF;
	END LOOP;
	SELECT coalesce(array_agg(a.record_id ORDER BY a.record_id), '{}'), coalesce(array_agg(a.unit_code ORDER BY a.record_id), '{}')
	INTO records, units
	FROM thidua.unit_award a
	WHERE a.award_code OPERATOR(pg_catalog.=) entry.award_code AND a.year OPERATOR(pg_catalog.=) rnd.year AND a.revoked_on IS NULL;
	FOR i IN 1 .. pg_catalog.cardinality(records) LOOP
		CONTINUE WHEN EXISTS (SELECT 1 FROM thidua.nomination x WHERE x.award_record_id OPERATOR(pg_catalog.=) records[i]
							  AND x.unit_code IS NOT NULL);
		IF thidua._unit_in_quota_scope(units[i], scope, entry.quota, rnd.year) THEN
			taken := taken OPERATOR(pg_catalog.+) 1;
		END IF;
	END LOOP;
	RETURN taken;
END
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
	tied_ids bigint[];
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
			-- plain values, not subscripts, in the INSERT (Citus deparses it for the placements)
			tied_ids := ids[first_tied:last_tied];
			INSERT INTO thidua.quota_tie (round_code, award_code, scope, seats_left, tied)
			VALUES (round, award, cut_scope, seats OPERATOR(pg_catalog.-) first_tied OPERATOR(pg_catalog.+) 1, tied_ids)
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
	PERFORM thidua._sequential_on_citus();
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
	PERFORM thidua._sequential_on_citus();
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
	PERFORM thidua._sequential_on_citus();
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
	PERFORM thidua._sequential_on_citus();
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
