-- thidua SQL source: ranking aggregates (C).
-- Holds trimmed_mean(), streak(), longest_streak(), schulze_ranking(),
-- judge_leniency(), with their support functions.

-- trimmed_mean(value, trim): drop the trim smallest and trim largest values.
-- SSPACE (here and below): the average working state in bytes, for the planner's
-- sizing of hash aggregation; trimmed_mean's is 128 bytes up to 2 values per side.
CREATE FUNCTION thidua._trimmed_mean_transition(state bytea, value numeric, "trim" integer) RETURNS bytea
	AS 'MODULE_PATHNAME', 'thidua_trimmed_mean_transition'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION thidua._trimmed_mean_combine(left_state bytea, right_state bytea) RETURNS bytea
	AS 'MODULE_PATHNAME', 'thidua_trimmed_mean_combine'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION thidua._trimmed_mean_final(state bytea) RETURNS numeric
	AS 'MODULE_PATHNAME', 'thidua_trimmed_mean_final'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE thidua.trimmed_mean(value numeric, "trim" integer) (
	SFUNC = thidua._trimmed_mean_transition,
	STYPE = bytea,
	SSPACE = 128,
	COMBINEFUNC = thidua._trimmed_mean_combine,
	FINALFUNC = thidua._trimmed_mean_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE thidua.trimmed_mean(numeric, integer) IS
	'mean after dropping the trim smallest and trim largest values (all values when there are 2 * trim or fewer); exact';

-- streak(year, achieved, as_of) and longest_streak(year, achieved).
CREATE FUNCTION thidua._streak_transition(state bytea, year integer, achieved boolean, as_of integer)
	RETURNS bytea
	AS 'MODULE_PATHNAME', 'thidua_streak_transition'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION thidua._longest_streak_transition(state bytea, year integer, achieved boolean)
	RETURNS bytea
	AS 'MODULE_PATHNAME', 'thidua_longest_streak_transition'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION thidua._streak_combine(left_state bytea, right_state bytea) RETURNS bytea
	AS 'MODULE_PATHNAME', 'thidua_streak_combine'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION thidua._streak_final(state bytea) RETURNS integer
	AS 'MODULE_PATHNAME', 'thidua_streak_final'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION thidua._longest_streak_final(state bytea) RETURNS integer
	AS 'MODULE_PATHNAME', 'thidua_longest_streak_final'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
-- The initial state: magic "SK", format 1, no as_of yet (int32 minimum), no year.
CREATE AGGREGATE thidua.streak(year integer, achieved boolean, as_of integer) (
	SFUNC = thidua._streak_transition,
	STYPE = bytea,
	SSPACE = 56,
	INITCOND = '\x534b0100000000800000000000000000000000000000000000000000000000000000000000000000000000000000000000000000',
	COMBINEFUNC = thidua._streak_combine,
	FINALFUNC = thidua._streak_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE thidua.streak(integer, boolean, integer) IS
	'consecutive years ending at as_of with at least one achieved row (0 when as_of is not achieved)';
CREATE AGGREGATE thidua.longest_streak(year integer, achieved boolean) (
	SFUNC = thidua._longest_streak_transition,
	STYPE = bytea,
	SSPACE = 56,
	INITCOND = '\x534b0100000000800000000000000000000000000000000000000000000000000000000000000000000000000000000000000000',
	COMBINEFUNC = thidua._streak_combine,
	FINALFUNC = thidua._longest_streak_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE thidua.longest_streak(integer, boolean) IS
	'the longest run of consecutive years with at least one achieved row';

-- schulze_ranking(judge, candidate, score) and judge_leniency(judge, candidate, score).
-- Their state grows with the judgments: 8 kB holds a bloc of 15 scored by 14 peers.
CREATE FUNCTION thidua._judgments_transition(state bytea, judge text, candidate text, score numeric)
	RETURNS bytea
	AS 'MODULE_PATHNAME', 'thidua_judgments_transition'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION thidua._judgments_combine(left_state bytea, right_state bytea) RETURNS bytea
	AS 'MODULE_PATHNAME', 'thidua_judgments_combine'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION thidua._schulze_final(state bytea) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'thidua_schulze_final'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION thidua._leniency_final(state bytea) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'thidua_leniency_final'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE thidua.schulze_ranking(judge text, candidate text, score numeric) (
	SFUNC = thidua._judgments_transition,
	STYPE = bytea,
	SSPACE = 8192,
	COMBINEFUNC = thidua._judgments_combine,
	FINALFUNC = thidua._schulze_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE thidua.schulze_ranking(text, text, numeric) IS
	'consensus ranking of candidates by the Schulze method from each judge''s scores: [{"candidate", "rank"}, ...]';
CREATE AGGREGATE thidua.judge_leniency(judge text, candidate text, score numeric) (
	SFUNC = thidua._judgments_transition,
	STYPE = bytea,
	SSPACE = 8192,
	COMBINEFUNC = thidua._judgments_combine,
	FINALFUNC = thidua._leniency_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE thidua.judge_leniency(text, text, numeric) IS
	'advisory: per judge the mean offset from the other judges'' scores of the same candidates, and each score''s z-score within its judge';

-- Support functions take states from their caller: only the aggregates call
-- them (PostgreSQL checks the aggregate owner's right, not the caller's).
REVOKE EXECUTE ON FUNCTION thidua._trimmed_mean_transition(bytea, numeric, integer),
	thidua._trimmed_mean_combine(bytea, bytea), thidua._trimmed_mean_final(bytea),
	thidua._streak_transition(bytea, integer, boolean, integer),
	thidua._longest_streak_transition(bytea, integer, boolean), thidua._streak_combine(bytea, bytea),
	thidua._streak_final(bytea), thidua._longest_streak_final(bytea),
	thidua._judgments_transition(bytea, text, text, numeric), thidua._judgments_combine(bytea, bytea),
	thidua._schulze_final(bytea), thidua._leniency_final(bytea) FROM PUBLIC;
