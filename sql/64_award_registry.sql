-- thidua SQL source: the award registry and its statistics.
-- Holds the view award_registry (every award received, people's and units',
-- revoked ones marked, with the nomination that led to it) and
-- award_statistics() (counts by award, level, unit and year, and the shares of
-- people on the front line and of small collectives).
--
-- The registry is the record tables themselves (individual_award, unit_award):
-- award() of the workflow writes there, so eligibility reads what was awarded,
-- and a revocation (revoke_award) keeps the entry, marked. An entry a
-- nomination points to is changed only by its revocation through the
-- nomination (_guard_nominated_award).

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
-- The check itself, for the trigger and for the functions that change award
-- records on Citus (where distribute() drops the trigger): action is UPDATE,
-- DELETE or TRUNCATE; old_row and new_row the records as jsonb (NULL for a
-- TRUNCATE; new_row NULL for a DELETE).
CREATE FUNCTION thidua._check_nominated_award_change(individual boolean, action text, old_row jsonb, new_row jsonb)
	RETURNS void
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	n thidua.nomination;
	record bigint := (old_row OPERATOR(pg_catalog.->>) 'record_id')::bigint;
BEGIN
	IF action OPERATOR(pg_catalog.=) 'TRUNCATE' THEN
		-- (the node's own placement of nomination: on Citus this runs on shards too)
		EXECUTE format('SELECT * FROM %s x
			WHERE x.award_record_id IS NOT NULL AND (x.person_code IS NOT NULL) OPERATOR(pg_catalog.=) $1
			ORDER BY x.nomination_id LIMIT 1', thidua._local_relation('thidua.nomination'))
			INTO n USING individual;
		IF n.nomination_id IS NOT NULL THEN
			RAISE EXCEPTION 'award record % was entered by nomination %: the registry''s awards are not truncated away',
				n.award_record_id, n.nomination_id
				USING ERRCODE = 'object_not_in_prerequisite_state',
					  HINT = 'An award entered by a nomination is revoked through it (thidua.revoke), never deleted.';
		END IF;
		RETURN;
	END IF;
	EXECUTE format('SELECT * FROM %s x
		WHERE x.award_record_id OPERATOR(pg_catalog.=) $1 AND (x.person_code IS NOT NULL) OPERATOR(pg_catalog.=) $2',
		thidua._local_relation('thidua.nomination'))
		INTO n USING record, individual;
	IF n.nomination_id IS NULL THEN
		RETURN;
	END IF;
	IF action OPERATOR(pg_catalog.=) 'DELETE' THEN
		RAISE EXCEPTION 'award record % was entered by nomination %: it is not deleted', record, n.nomination_id
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = format('Nomination %s is %s and points to it.', n.nomination_id, n.state),
				  HINT = format('An award entered by a nomination is revoked through it: thidua.revoke(%s, revoked_on, reason, decision).', n.nomination_id);
	END IF;
	-- the decision as entered: every column but the revocation's
	IF (new_row OPERATOR(pg_catalog.-) '{revoked_on,revocation_reason,revocation_decision}'::text[])
	   OPERATOR(pg_catalog.<>) (old_row OPERATOR(pg_catalog.-) '{revoked_on,revocation_reason,revocation_decision}'::text[]) THEN
		RAISE EXCEPTION 'award record % was entered by nomination %: it is not changed', record, n.nomination_id
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = format('Changed: %s.', (SELECT pg_catalog.string_agg(o.key, ', ' ORDER BY o.key)
					  FROM pg_catalog.jsonb_each(old_row) o
					  WHERE o.value IS DISTINCT FROM new_row OPERATOR(pg_catalog.->) o.key)),
				  HINT = format('The registry keeps the decision as awarded; a wrong award is revoked through its nomination: thidua.revoke(%s, revoked_on, reason, decision).', n.nomination_id);
	END IF;
	IF (new_row OPERATOR(pg_catalog.->) 'revoked_on') IS DISTINCT FROM (old_row OPERATOR(pg_catalog.->) 'revoked_on')
	   AND n.state OPERATOR(pg_catalog.<>) 'revoked' THEN
		RAISE EXCEPTION 'award record % was entered by nomination %: it is revoked through the nomination', record, n.nomination_id
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = format('Nomination %s is %s.', n.nomination_id, n.state),
				  HINT = format('thidua.revoke(%s, revoked_on, reason, decision) revokes both, and the event log records it.', n.nomination_id);
	END IF;
END
$$;
COMMENT ON FUNCTION thidua._check_nominated_award_change(boolean, text, jsonb, jsonb) IS
	'_check_nominated_award_change(individual, action UPDATE|DELETE|TRUNCATE, old_row, new_row): raises object_not_in_prerequisite_state, naming the record and the nomination, when the change would alter, delete, truncate away or revoke (other than through thidua.revoke) an award record a nomination entered (award_record_id); the registry trigger''s check, for the functions that write award records on Citus, where the trigger is dropped';

CREATE FUNCTION thidua._guard_nominated_award() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	PERFORM thidua._check_nominated_award_change(thidua._table_of_placement(TG_TABLE_NAME) OPERATOR(pg_catalog.=) 'individual_award', TG_OP,
		CASE WHEN TG_OP OPERATOR(pg_catalog.<>) 'TRUNCATE' THEN pg_catalog.to_jsonb(OLD) END,
		CASE WHEN TG_OP OPERATOR(pg_catalog.=) 'UPDATE' THEN pg_catalog.to_jsonb(NEW) END);
	RETURN CASE TG_OP WHEN 'DELETE' THEN OLD WHEN 'UPDATE' THEN NEW END;
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
	-- (the node's own placement of nomination: on Citus this runs on each placement)
	EXECUTE format('SELECT * FROM %s x WHERE x.award_record_id OPERATOR(pg_catalog.=) $1 AND x.person_code IS NOT NULL',
		thidua._local_relation('thidua.nomination'))
		INTO n USING OLD.used_by_award;
	IF n.nomination_id IS NULL THEN
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
