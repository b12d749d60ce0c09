-- thidua SQL source: scoring (C).
-- Holds points(), the aggregates score() and score_detail() with their support
-- functions, classify(), _fixed().

CREATE FUNCTION thidua.points(version text, criterion_code text, observed numeric) RETURNS numeric
	AS 'MODULE_PATHNAME', 'thidua_points'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION thidua.points(text, text, numeric) IS
	'points of one observation under a criterion''s rule, rounded to the version''s scale';

CREATE FUNCTION thidua._score_transition(state bytea, version text, criterion_code text, observed numeric)
	RETURNS bytea
	AS 'MODULE_PATHNAME', 'thidua_score_transition'
	LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION thidua._score_detail_transition(state bytea, version text, criterion_code text, observed numeric)
	RETURNS bytea
	AS 'MODULE_PATHNAME', 'thidua_score_detail_transition'
	LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION thidua._score_combine(left_state bytea, right_state bytea) RETURNS bytea
	AS 'MODULE_PATHNAME', 'thidua_score_combine'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION thidua._score_final(state bytea) RETURNS numeric
	AS 'MODULE_PATHNAME', 'thidua_score_final'
	LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION thidua._score_detail_final(state bytea) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'thidua_score_detail_final'
	LANGUAGE C STABLE PARALLEL SAFE;

-- SSPACE: the state of a 50-criterion version (one slot per criterion: 4 bytes of
-- points for score, 8 of observation for score_detail).
CREATE AGGREGATE thidua.score(version text, criterion_code text, observed numeric) (
	SFUNC = thidua._score_transition,
	STYPE = bytea,
	SSPACE = 232,
	COMBINEFUNC = thidua._score_combine,
	FINALFUNC = thidua._score_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE thidua.score(text, text, numeric) IS
	'total points of one evaluation: criteria points, section caps bottom-up, bonus and penalty with their caps';

CREATE AGGREGATE thidua.score_detail(version text, criterion_code text, observed numeric) (
	SFUNC = thidua._score_detail_transition,
	STYPE = bytea,
	SSPACE = 432,
	COMBINEFUNC = thidua._score_combine,
	FINALFUNC = thidua._score_detail_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE thidua.score_detail(text, text, numeric) IS
	'the score of one evaluation with its breakdown per item: points, caps applied, the rule that fired';

-- Rule shapes: the same aggregates with an applicable flag. applicable = false
-- marks the criterion not applicable to the unit (its observation must be NULL);
-- the version's setting not_applicable says what it counts for.
CREATE FUNCTION thidua._score_transition(state bytea, version text, criterion_code text, observed numeric,
										 applicable boolean)
	RETURNS bytea
	AS 'MODULE_PATHNAME', 'thidua_score_transition'
	LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION thidua._score_detail_transition(state bytea, version text, criterion_code text, observed numeric,
												applicable boolean)
	RETURNS bytea
	AS 'MODULE_PATHNAME', 'thidua_score_detail_transition'
	LANGUAGE C STABLE PARALLEL SAFE;

CREATE AGGREGATE thidua.score(version text, criterion_code text, observed numeric, applicable boolean) (
	SFUNC = thidua._score_transition,
	STYPE = bytea,
	SSPACE = 232,
	COMBINEFUNC = thidua._score_combine,
	FINALFUNC = thidua._score_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE thidua.score(text, text, numeric, boolean) IS
	'total points of one evaluation; a row with applicable = false (observed NULL) marks its criterion not applicable to the unit, counted as the version''s not_applicable says (exclude_and_rescale, full_points, zero; an error when the version says nothing); applicable NULL is an error';

CREATE AGGREGATE thidua.score_detail(version text, criterion_code text, observed numeric, applicable boolean) (
	SFUNC = thidua._score_detail_transition,
	STYPE = bytea,
	SSPACE = 432,
	COMBINEFUNC = thidua._score_combine,
	FINALFUNC = thidua._score_detail_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE thidua.score_detail(text, text, numeric, boolean) IS
	'score_detail with not-applicable markings (applicable = false, observed NULL): such criteria show "not_applicable": true, and a rescaled total shows "rescaled" {earned, applicable_max, standard_max}';

CREATE FUNCTION thidua.classify(version text, total numeric, vetoed boolean DEFAULT false) RETURNS text
	AS 'MODULE_PATHNAME', 'thidua_classify'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION thidua.classify(text, numeric, boolean) IS
	'the class band of a total; a vetoed unit is capped at the version''s veto class';

CREATE FUNCTION thidua._fixed(value numeric, scale integer) RETURNS bigint
	AS 'MODULE_PATHNAME', 'thidua_fixed'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION thidua._fixed(numeric, integer) IS
	'value times 10^scale as an exact integer, as the scoring engine reads numbers (for tests)';

-- Criteria scored in the bloc (a target from the unit's pact, leader_relative):
-- their points, and the aggregates that take them (the standings compute them).
CREATE FUNCTION thidua.points_in_bloc(version text, criterion_code text, observed numeric, target numeric,
									  leader_observed numeric DEFAULT NULL, leader_target numeric DEFAULT NULL)
	RETURNS numeric
	AS 'MODULE_PATHNAME', 'thidua_points_in_bloc'
	LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION thidua.points_in_bloc(text, text, numeric, numeric, numeric, numeric) IS
	'points of a criterion scored in the bloc, rounded to the version''s scale: proportional with target "pact" (max × observed / target, capped), or leader_relative (completion c = observed / target against the leader''s L = leader_observed / leader_target: c <= 1: max/2 × c; the leader: max; else max/2 + max/2 × (c − 1)/(L − 1)); target NULL: the criterion''s own; NULL observed: NULL; errors for another rule, a missing target or leader, a leader below the unit';

CREATE FUNCTION thidua._score_in_bloc_transition(state bytea, version text, criterion_code text, observed numeric,
												 points_in_bloc numeric)
	RETURNS bytea
	AS 'MODULE_PATHNAME', 'thidua_score_in_bloc_transition'
	LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION thidua._score_detail_in_bloc_transition(state bytea, version text, criterion_code text,
														observed numeric, points_in_bloc numeric)
	RETURNS bytea
	AS 'MODULE_PATHNAME', 'thidua_score_detail_in_bloc_transition'
	LANGUAGE C STABLE PARALLEL SAFE;
CREATE AGGREGATE thidua.score(version text, criterion_code text, observed numeric, points_in_bloc numeric) (
	SFUNC = thidua._score_in_bloc_transition,
	STYPE = bytea,
	SSPACE = 232,
	COMBINEFUNC = thidua._score_combine,
	FINALFUNC = thidua._score_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE thidua.score(text, text, numeric, numeric) IS
	'thidua.score with the points of the criteria scored in the bloc given (points_in_bloc; NULL for every other criterion)';
CREATE AGGREGATE thidua.score_detail(version text, criterion_code text, observed numeric, points_in_bloc numeric) (
	SFUNC = thidua._score_detail_in_bloc_transition,
	STYPE = bytea,
	SSPACE = 432,
	COMBINEFUNC = thidua._score_combine,
	FINALFUNC = thidua._score_detail_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE thidua.score_detail(text, text, numeric, numeric) IS
	'thidua.score_detail with the points of the criteria scored in the bloc given (points_in_bloc; NULL for every other criterion)';

-- Both at once, as standings need them: points scored in the bloc and
-- not-applicable markings (applicable = false, observed and points NULL).
CREATE FUNCTION thidua._score_in_bloc_transition(state bytea, version text, criterion_code text, observed numeric,
												 points_in_bloc numeric, applicable boolean)
	RETURNS bytea
	AS 'MODULE_PATHNAME', 'thidua_score_in_bloc_transition'
	LANGUAGE C PARALLEL SAFE;
CREATE FUNCTION thidua._score_detail_in_bloc_transition(state bytea, version text, criterion_code text,
														observed numeric, points_in_bloc numeric, applicable boolean)
	RETURNS bytea
	AS 'MODULE_PATHNAME', 'thidua_score_detail_in_bloc_transition'
	LANGUAGE C PARALLEL SAFE;
CREATE AGGREGATE thidua.score(version text, criterion_code text, observed numeric, points_in_bloc numeric,
							  applicable boolean) (
	SFUNC = thidua._score_in_bloc_transition,
	STYPE = bytea,
	SSPACE = 232,
	COMBINEFUNC = thidua._score_combine,
	FINALFUNC = thidua._score_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE thidua.score(text, text, numeric, numeric, boolean) IS
	'thidua.score with both the points of criteria scored in the bloc (points_in_bloc) and not-applicable markings (applicable = false, observed NULL)';
CREATE AGGREGATE thidua.score_detail(version text, criterion_code text, observed numeric, points_in_bloc numeric,
									 applicable boolean) (
	SFUNC = thidua._score_detail_in_bloc_transition,
	STYPE = bytea,
	SSPACE = 432,
	COMBINEFUNC = thidua._score_combine,
	FINALFUNC = thidua._score_detail_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE thidua.score_detail(text, text, numeric, numeric, boolean) IS
	'thidua.score_detail with both the points of criteria scored in the bloc (points_in_bloc) and not-applicable markings (applicable = false, observed NULL)';

-- Support functions take states from their caller: only the aggregates call
-- them (PostgreSQL checks the aggregate owner's right, not the caller's).
REVOKE EXECUTE ON FUNCTION thidua._score_transition(bytea, text, text, numeric),
	thidua._score_detail_transition(bytea, text, text, numeric), thidua._score_combine(bytea, bytea),
	thidua._score_final(bytea), thidua._score_detail_final(bytea),
	thidua._score_in_bloc_transition(bytea, text, text, numeric, numeric),
	thidua._score_detail_in_bloc_transition(bytea, text, text, numeric, numeric) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION thidua._score_transition(bytea, text, text, numeric, boolean),
	thidua._score_detail_transition(bytea, text, text, numeric, boolean),
	thidua._score_in_bloc_transition(bytea, text, text, numeric, numeric, boolean),
	thidua._score_detail_in_bloc_transition(bytea, text, text, numeric, numeric, boolean) FROM PUBLIC;
