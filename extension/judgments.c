/*
 * judgments.c
 *		The (judge, candidate, score) aggregate state: transition, combine,
 *		validation and reading.
 *
 * State (bytea, little-endian, offsets from the varlena start):
 *	 4  magic "JS", format byte, zero
 *	 8  number of judgments (uint32)
 *	 12 bytes of judgments in use (uint32)
 *	 16 judgments: judge length (uint16), judge, candidate length (uint16),
 *		candidate, score in millionths (int64); the rest of the bytea is
 *		zero (room to grow in place).
 */
#include "postgres.h"

#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"

#include "fixed_point.h"
#include "judgments.h"
#include "state_format.h"

PG_FUNCTION_INFO_V1(thidua_judgments_transition);
PG_FUNCTION_INFO_V1(thidua_judgments_combine);

#define JS_FORMAT		1
#define JS_MAGIC		(VARHDRSZ + 0)
#define JS_FORMAT_BYTE	(VARHDRSZ + 2)
#define JS_COUNT		(VARHDRSZ + 4)
#define JS_USED			(VARHDRSZ + 8)
#define JS_DATA			(VARHDRSZ + 12)
#define JS_MAX_NAME		1024
#define JS_MAX_BYTES	(256 * 1024 * 1024)

#define AGGREGATE_NAME "thidua.schulze_ranking"

static bytea *
CreateState(int capacity)
{
	bytea	   *state = palloc0(JS_DATA + capacity);

	SET_VARSIZE(state, JS_DATA + capacity);
	((char *) state)[JS_MAGIC] = 'J';
	((char *) state)[JS_MAGIC + 1] = 'S';
	((char *) state)[JS_FORMAT_BYTE] = JS_FORMAT;
	return state;
}

/* Room for 'more' bytes: the same state, or a larger copy in the current context. */
static bytea *
Reserve(bytea *state, int more)
{
	int			used = (int) StateLoad32((char *) state + JS_USED);
	int			capacity = VARSIZE(state) - JS_DATA;
	bytea	   *grown;

	if (used + more <= capacity)
		return state;
	if ((int64) used + more > JS_MAX_BYTES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many judgments in one group"),
				 errdetail("A group's judgments may take at most %d MB.", JS_MAX_BYTES / (1024 * 1024))));
	/* the executor copies a new state into the aggregate context itself */
	grown = CreateState(Max(capacity * 2, used + more + 256));
	memcpy((char *) grown + JS_COUNT, (char *) state + JS_COUNT, JS_DATA - JS_COUNT + used);
	return grown;
}

static void
AppendJudgment(bytea *state, const char *judge, int judge_length,
			   const char *candidate, int candidate_length, int64 score)
{
	char	   *p = (char *) state + JS_DATA + StateLoad32((char *) state + JS_USED);

	StateStore16(p, (uint16) judge_length);
	memcpy(p + 2, judge, judge_length);
	p += 2 + judge_length;
	StateStore16(p, (uint16) candidate_length);
	memcpy(p + 2, candidate, candidate_length);
	p += 2 + candidate_length;
	StateStore64(p, (uint64) score);
	StateStore32((char *) state + JS_COUNT, StateLoad32((char *) state + JS_COUNT) + 1);
	StateStore32((char *) state + JS_USED,
				 StateLoad32((char *) state + JS_USED) + 4 + judge_length + candidate_length + 8);
}

static void ValidateState(const bytea *state);

static void
CheckName(const char *what, int length)
{
	if (length == 0 || length > JS_MAX_NAME)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be 1 to %d bytes long", what, JS_MAX_NAME)));
}

/* SQL: transition of thidua.schulze_ranking and thidua.judge_leniency */
Datum
thidua_judgments_transition(PG_FUNCTION_ARGS)
{
	bytea	   *state;
	text	   *judge;
	text	   *candidate;
	int64		score;

	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "thidua_judgments_transition called in non-aggregate context");
	if (PG_ARGISNULL(3))		/* no score: no preference */
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("judge and candidate must not be null")));
	judge = PG_GETARG_TEXT_PP(1);
	candidate = PG_GETARG_TEXT_PP(2);
	CheckName("judge", VARSIZE_ANY_EXHDR(judge));
	CheckName("candidate", VARSIZE_ANY_EXHDR(candidate));
	score = NumericDatumToFixedOrError(PG_GETARG_DATUM(3), FIXED_SCALE, "score", NULL);

	/* a new state, our own from the aggregate context, or another one checked whole */
	if (PG_ARGISNULL(0))
		state = CreateState(1024);
	else if (TransitionStateIsOwnCached(fcinfo))
		state = (bytea *) PG_GETARG_POINTER(0);
	else
	{
		state = PG_GETARG_BYTEA_P(0);
		ValidateState(state);
	}
	state = Reserve(state, 4 + VARSIZE_ANY_EXHDR(judge) + VARSIZE_ANY_EXHDR(candidate) + 8);
	AppendJudgment(state, VARDATA_ANY(judge), VARSIZE_ANY_EXHDR(judge),
				   VARDATA_ANY(candidate), VARSIZE_ANY_EXHDR(candidate), score);
	PG_RETURN_BYTEA_P(state);
}

/* Validates a state from anywhere, byte by byte. */
static void
ValidateState(const bytea *state)
{
	const char *p = (const char *) state;
	uint32		count;
	uint32		used;
	uint32		offset = 0;

	if (VARSIZE(state) < JS_DATA)
		ReportCorruptState(AGGREGATE_NAME, "The state is shorter than its header.");
	if (p[JS_MAGIC] != 'J' || p[JS_MAGIC + 1] != 'S')
		ReportCorruptState(AGGREGATE_NAME, "The state does not start with the judgments magic bytes.");
	if (p[JS_FORMAT_BYTE] != JS_FORMAT)
		ReportStateFormat(AGGREGATE_NAME, (unsigned char) p[JS_FORMAT_BYTE], JS_FORMAT);
	if (p[JS_MAGIC + 3] != 0)
		ReportCorruptState(AGGREGATE_NAME, "A reserved byte is not zero.");
	count = StateLoad32(p + JS_COUNT);
	used = StateLoad32(p + JS_USED);
	if (used > VARSIZE(state) - JS_DATA)
		ReportCorruptState(AGGREGATE_NAME, "The judgments run past the end of the state.");
	for (uint32 i = 0; i < count; i++)
	{
		for (int part = 0; part < 2; part++)
		{
			uint16		length;

			if (offset + 2 > used)
				ReportCorruptState(AGGREGATE_NAME, "A judgment is truncated.");
			length = StateLoad16(p + JS_DATA + offset);
			if (length == 0 || length > JS_MAX_NAME || offset + 2 + length > used)
				ReportCorruptState(AGGREGATE_NAME, "A judge or candidate name has an impossible length.");
			if (!pg_verifymbstr(p + JS_DATA + offset + 2, length, true))
				ReportCorruptState(AGGREGATE_NAME, "A judge or candidate name is not valid text.");
			offset += 2 + length;
		}
		if (offset + 8 > used)
			ReportCorruptState(AGGREGATE_NAME, "A judgment is truncated.");
		offset += 8;
	}
	if (offset != used)
		ReportCorruptState(AGGREGATE_NAME, "The number of judgments does not match their bytes.");
	for (uint32 i = JS_DATA + used; i < VARSIZE(state); i++)
		if (p[i] != 0)
			ReportCorruptState(AGGREGATE_NAME, "The unused room of the state is not zero.");
}

/* SQL: combine: the judgments of both sides */
Datum
thidua_judgments_combine(PG_FUNCTION_ARGS)
{
	bytea	   *left;
	bytea	   *right;
	uint32		right_used;

	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "thidua_judgments_combine called in non-aggregate context");
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	right = PG_GETARG_BYTEA_P(1);
	ValidateState(right);
	if (PG_ARGISNULL(0))
		PG_RETURN_BYTEA_P(right);	/* the executor copies it into its context */
	left = PG_GETARG_BYTEA_P(0);
	ValidateState(left);
	right_used = StateLoad32((char *) right + JS_USED);
	left = Reserve(left, (int) right_used);
	memcpy((char *) left + JS_DATA + StateLoad32((char *) left + JS_USED),
		   (char *) right + JS_DATA, right_used);
	StateStore32((char *) left + JS_COUNT,
				 StateLoad32((char *) left + JS_COUNT) + StateLoad32((char *) right + JS_COUNT));
	StateStore32((char *) left + JS_USED, StateLoad32((char *) left + JS_USED) + right_used);
	PG_RETURN_BYTEA_P(left);
}

static int
CompareNames(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Sorted distinct names; index of a name by binary search. */
static int
SortedUnique(char **names, int n)
{
	int			kept = 0;

	qsort(names, n, sizeof(char *), CompareNames);
	for (int i = 0; i < n; i++)
		if (kept == 0 || strcmp(names[kept - 1], names[i]) != 0)
			names[kept++] = names[i];
	return kept;
}

static int
IndexOf(char **names, int n, const char *name)
{
	char	  **found = bsearch(&name, names, n, sizeof(char *), CompareNames);

	return (int) (found - names);
}

JudgmentSet *
ReadJudgments(bytea *state, const char *aggregate)
{
	JudgmentSet *set = palloc0(sizeof(JudgmentSet));
	const char *p = (const char *) state + JS_DATA;
	char	  **judge_names;
	char	  **candidate_names;

	ValidateState(state);
	set->njudgments = (int) StateLoad32((char *) state + JS_COUNT);
	set->judgments = palloc0(sizeof(Judgment) * Max(set->njudgments, 1));
	judge_names = palloc(sizeof(char *) * Max(set->njudgments, 1));
	candidate_names = palloc(sizeof(char *) * Max(set->njudgments, 1));
	for (int i = 0; i < set->njudgments; i++)
	{
		Judgment   *j = &set->judgments[i];

		j->judge_length = StateLoad16(p);
		j->judge = p + 2;
		p += 2 + j->judge_length;
		j->candidate_length = StateLoad16(p);
		j->candidate = p + 2;
		p += 2 + j->candidate_length;
		j->score = (int64) StateLoad64(p);
		p += 8;
		judge_names[i] = pnstrdup(j->judge, j->judge_length);
		candidate_names[i] = pnstrdup(j->candidate, j->candidate_length);
	}
	set->judges = palloc(sizeof(char *) * Max(set->njudgments, 1));
	set->candidates = palloc(sizeof(char *) * Max(set->njudgments, 1));
	memcpy(set->judges, judge_names, sizeof(char *) * set->njudgments);
	memcpy(set->candidates, candidate_names, sizeof(char *) * set->njudgments);
	set->njudges = SortedUnique(set->judges, set->njudgments);
	set->ncandidates = SortedUnique(set->candidates, set->njudgments);

	set->matrix = palloc(sizeof(int64) * Max((int64) set->ncandidates * set->njudges, 1));
	for (int64 i = 0; i < (int64) set->ncandidates * set->njudges; i++)
		set->matrix[i] = JUDGMENT_NONE;
	for (int i = 0; i < set->njudgments; i++)
	{
		Judgment   *j = &set->judgments[i];
		int64	   *cell;

		j->judge_index = IndexOf(set->judges, set->njudges, judge_names[i]);
		j->candidate_index = IndexOf(set->candidates, set->ncandidates, candidate_names[i]);
		cell = &set->matrix[(int64) j->candidate_index * set->njudges + j->judge_index];
		if (*cell != JUDGMENT_NONE)
			ereport(ERROR,
					(errcode(ERRCODE_UNIQUE_VIOLATION),
					 errmsg("%s: judge \"%s\" scored candidate \"%s\" twice", aggregate,
							set->judges[j->judge_index], set->candidates[j->candidate_index]),
					 errhint("Each judge gives each candidate at most one score per group.")));
		*cell = j->score;
	}
	return set;
}
