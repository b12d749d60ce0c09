-- thidua 0.5.0: safe to deploy: validated entry points, dumps that restore,
-- guarantees against every statement kind, roles and row-level security.
\echo Use "ALTER EXTENSION thidua UPDATE TO '0.5.0'" to load this file. \quit

SELECT thidua._require_library('0.5.0');

-- Aggregate states that grow with the data: every aggregate declares its
-- average state size (SSPACE) for the planner's sizing of hash aggregation.
-- CREATE OR REPLACE AGGREGATE keeps each aggregate's OID, comment and
-- dependants; the definitions are otherwise those of 0.4.0. trimmed_mean's
-- state changes format (2) in the library, with the same SQL signature.
CREATE OR REPLACE AGGREGATE thidua.score(version text, criterion_code text, observed numeric) (
	SFUNC = thidua._score_transition,
	STYPE = bytea,
	SSPACE = 232,
	COMBINEFUNC = thidua._score_combine,
	FINALFUNC = thidua._score_final,
	PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE thidua.score_detail(version text, criterion_code text, observed numeric) (
	SFUNC = thidua._score_detail_transition,
	STYPE = bytea,
	SSPACE = 432,
	COMBINEFUNC = thidua._score_combine,
	FINALFUNC = thidua._score_detail_final,
	PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE thidua.tie_break_keys(version text, criterion_code text, observed numeric) (
	SFUNC = thidua._score_transition,
	STYPE = bytea,
	SSPACE = 232,
	COMBINEFUNC = thidua._score_combine,
	FINALFUNC = thidua._tie_break_keys_final,
	PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE thidua.trimmed_mean(value numeric, "trim" integer) (
	SFUNC = thidua._trimmed_mean_transition,
	STYPE = bytea,
	SSPACE = 128,
	COMBINEFUNC = thidua._trimmed_mean_combine,
	FINALFUNC = thidua._trimmed_mean_final,
	PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE thidua.streak(year integer, achieved boolean, as_of integer) (
	SFUNC = thidua._streak_transition,
	STYPE = bytea,
	SSPACE = 56,
	INITCOND = '\x534b0100000000800000000000000000000000000000000000000000000000000000000000000000000000000000000000000000',
	COMBINEFUNC = thidua._streak_combine,
	FINALFUNC = thidua._streak_final,
	PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE thidua.longest_streak(year integer, achieved boolean) (
	SFUNC = thidua._longest_streak_transition,
	STYPE = bytea,
	SSPACE = 56,
	INITCOND = '\x534b0100000000800000000000000000000000000000000000000000000000000000000000000000000000000000000000000000',
	COMBINEFUNC = thidua._streak_combine,
	FINALFUNC = thidua._longest_streak_final,
	PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE thidua.schulze_ranking(judge text, candidate text, score numeric) (
	SFUNC = thidua._judgments_transition,
	STYPE = bytea,
	SSPACE = 8192,
	COMBINEFUNC = thidua._judgments_combine,
	FINALFUNC = thidua._schulze_final,
	PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE thidua.judge_leniency(judge text, candidate text, score numeric) (
	SFUNC = thidua._judgments_transition,
	STYPE = bytea,
	SSPACE = 8192,
	COMBINEFUNC = thidua._judgments_combine,
	FINALFUNC = thidua._leniency_final,
	PARALLEL = SAFE
);
