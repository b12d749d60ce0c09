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
