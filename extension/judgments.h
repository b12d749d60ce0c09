/*
 * judgments.h
 *		The (judge, candidate, score) state shared by thidua.schulze_ranking and
 *		thidua.judge_leniency.
 */
#ifndef THIDUA_JUDGMENTS_H
#define THIDUA_JUDGMENTS_H

#include "postgres.h"

typedef struct Judgment
{
	const char *judge;			/* not terminated; see judge_length */
	int			judge_length;
	const char *candidate;
	int			candidate_length;
	int64		score;			/* millionths */
	int			judge_index;	/* filled by IndexJudgments */
	int			candidate_index;
} Judgment;

typedef struct JudgmentSet
{
	int			njudgments;
	Judgment   *judgments;
	int			njudges;
	char	  **judges;			/* sorted, terminated */
	int			ncandidates;
	char	  **candidates;		/* sorted, terminated */
	int64	   *matrix;			/* ncandidates x njudges scores, or JUDGMENT_NONE */
} JudgmentSet;

#define JUDGMENT_NONE PG_INT64_MIN

/*
 * Reads a validated state into judges, candidates and a score matrix (sorted
 * by name, so the result is the same whatever order rows arrived in); a judge
 * scoring a candidate twice is an error naming both.
 */
extern JudgmentSet *ReadJudgments(bytea *state, const char *aggregate);

#endif							/* THIDUA_JUDGMENTS_H */
