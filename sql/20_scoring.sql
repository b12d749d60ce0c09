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

-- Support functions take states from their caller: only the aggregates call
-- them (PostgreSQL checks the aggregate owner's right, not the caller's).
REVOKE EXECUTE ON FUNCTION thidua._score_transition(bytea, text, text, numeric),
	thidua._score_detail_transition(bytea, text, text, numeric), thidua._score_combine(bytea, bytea),
	thidua._score_final(bytea), thidua._score_detail_final(bytea) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION thidua._score_transition(bytea, text, text, numeric, boolean),
	thidua._score_detail_transition(bytea, text, text, numeric, boolean) FROM PUBLIC;
