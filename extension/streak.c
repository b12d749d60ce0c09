/*
 * streak.c
 *		thidua.streak(year, achieved, as_of) and thidua.longest_streak(year,
 *		achieved): consecutive years in which a group achieved something.
 *
 * A year counts when at least one of its rows has achieved = true; a year
 * with no such row breaks a run. Rows with achieved NULL are ignored.
 *
 * State (bytea, 48 bytes of data, little-endian, offsets from the varlena start):
 *	 4  magic "SK", format byte, zero
 *	 8  as_of year (int32; STREAK_NO_AS_OF when not given yet, or for longest_streak)
 *	 12 zero (int32)
 *	 16 one bit per year from STREAK_FIRST_YEAR to STREAK_LAST_YEAR (40 bytes)
 * An empty state is the aggregates' initial condition, so that a group with
 * no achieved year gives 0 and partial states of idle workers combine.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"

#include "state_format.h"

PG_FUNCTION_INFO_V1(thidua_streak_transition);
PG_FUNCTION_INFO_V1(thidua_longest_streak_transition);
PG_FUNCTION_INFO_V1(thidua_streak_combine);
PG_FUNCTION_INFO_V1(thidua_streak_final);
PG_FUNCTION_INFO_V1(thidua_longest_streak_final);

#define STREAK_FORMAT		1
#define STREAK_FIRST_YEAR	1900
#define STREAK_LAST_YEAR	2199
#define STREAK_YEARS		(STREAK_LAST_YEAR - STREAK_FIRST_YEAR + 1)
#define STREAK_NO_AS_OF		PG_INT32_MIN
#define SK_MAGIC			(VARHDRSZ + 0)
#define SK_FORMAT_BYTE		(VARHDRSZ + 2)
#define SK_AS_OF			(VARHDRSZ + 4)
#define SK_BITS				(VARHDRSZ + 12)
#define SK_BITS_BYTES		40
#define SK_SIZE				(SK_BITS + SK_BITS_BYTES)

#define AGGREGATE_NAME "thidua.streak"

static void
CheckYear(int32 year, const char *what)
{
	if (year < STREAK_FIRST_YEAR || year > STREAK_LAST_YEAR)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("streak: %s %d is out of range", what, year),
				 errdetail("Years from %d to %d are supported.", STREAK_FIRST_YEAR, STREAK_LAST_YEAR)));
}

static inline bool
YearSet(const bytea *state, int32 year)
{
	int			bit = year - STREAK_FIRST_YEAR;

	return (((const unsigned char *) state)[SK_BITS + bit / 8] >> (bit % 8)) & 1;
}

/* Validates a state from anywhere. */
static void
ValidateState(const bytea *state)
{
	const char *p = (const char *) state;
	int32		as_of;

	if (VARSIZE(state) != SK_SIZE)
		ReportCorruptState(AGGREGATE_NAME, "The state's size is not that of a streak state.");
	if (p[SK_MAGIC] != 'S' || p[SK_MAGIC + 1] != 'K')
		ReportCorruptState(AGGREGATE_NAME, "The state does not start with the streak magic bytes.");
	if (p[SK_FORMAT_BYTE] != STREAK_FORMAT)
		ReportStateFormat(AGGREGATE_NAME, (unsigned char) p[SK_FORMAT_BYTE], STREAK_FORMAT);
	if (p[SK_MAGIC + 3] != 0 || StateLoad32(p + SK_AS_OF + 4) != 0)
		ReportCorruptState(AGGREGATE_NAME, "A reserved byte is not zero.");
	as_of = (int32) StateLoad32(p + SK_AS_OF);
	if (as_of != STREAK_NO_AS_OF && (as_of < STREAK_FIRST_YEAR || as_of > STREAK_LAST_YEAR))
		ReportCorruptState(AGGREGATE_NAME, "The as_of year is out of range.");
	for (int bit = STREAK_YEARS; bit < SK_BITS_BYTES * 8; bit++)
		if ((((const unsigned char *) p)[SK_BITS + bit / 8] >> (bit % 8)) & 1)
			ReportCorruptState(AGGREGATE_NAME, "A year beyond the supported range is set.");
}

/* The shared transition: marks the year; as_of is checked when given. */
static Datum
Transition(FunctionCallInfo fcinfo, bool with_as_of)
{
	bytea	   *state;
	int32		year;
	int32		as_of = STREAK_NO_AS_OF;
	int32		state_as_of;
	int			bit;

	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "streak transition called in non-aggregate context");
	if (PG_ARGISNULL(0))
	{
		/* an aggregate of the user's without our initial condition: start empty */
		state = palloc0(SK_SIZE);
		SET_VARSIZE(state, SK_SIZE);
		((char *) state)[SK_MAGIC] = 'S';
		((char *) state)[SK_MAGIC + 1] = 'K';
		((char *) state)[SK_FORMAT_BYTE] = STREAK_FORMAT;
		StateStore32((char *) state + SK_AS_OF, (uint32) STREAK_NO_AS_OF);
	}
	else if (TransitionStateIsOwnCached(fcinfo))
	{
		/* our initial condition gives every group a state; it is ours to update */
		state = (bytea *) PG_GETARG_POINTER(0);
	}
	else
	{
		state = PG_GETARG_BYTEA_P(0);
		ValidateState(state);
	}
	if (with_as_of)
	{
		if (PG_ARGISNULL(3))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("streak: as_of must not be null")));
		as_of = PG_GETARG_INT32(3);
		CheckYear(as_of, "as_of year");
		state_as_of = (int32) StateLoad32((char *) state + SK_AS_OF);
		if (state_as_of == STREAK_NO_AS_OF)
			StateStore32((char *) state + SK_AS_OF, (uint32) as_of);
		else if (state_as_of != as_of)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("streak: as_of changes within a group, from %d to %d", state_as_of, as_of)));
	}
	if (PG_ARGISNULL(2))
		PG_RETURN_BYTEA_P(state);	/* achieved unknown: ignored */
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("streak: year must not be null")));
	year = PG_GETARG_INT32(1);
	CheckYear(year, "year");
	if (PG_GETARG_BOOL(2))
	{
		bit = year - STREAK_FIRST_YEAR;
		((unsigned char *) state)[SK_BITS + bit / 8] |= 1 << (bit % 8);
	}
	PG_RETURN_BYTEA_P(state);
}

/* SQL: transition of thidua.streak(year, achieved, as_of) */
Datum
thidua_streak_transition(PG_FUNCTION_ARGS)
{
	return Transition(fcinfo, true);
}

/* SQL: transition of thidua.longest_streak(year, achieved) */
Datum
thidua_longest_streak_transition(PG_FUNCTION_ARGS)
{
	return Transition(fcinfo, false);
}

/* SQL: combine of both: the union of achieved years, with one as_of */
Datum
thidua_streak_combine(PG_FUNCTION_ARGS)
{
	bytea	   *left = PG_GETARG_BYTEA_P(0);
	bytea	   *right = PG_GETARG_BYTEA_P(1);
	int32		left_as_of;
	int32		right_as_of;

	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "thidua_streak_combine called in non-aggregate context");
	ValidateState(left);
	ValidateState(right);
	left_as_of = (int32) StateLoad32((char *) left + SK_AS_OF);
	right_as_of = (int32) StateLoad32((char *) right + SK_AS_OF);
	if (left_as_of == STREAK_NO_AS_OF)
		StateStore32((char *) left + SK_AS_OF, (uint32) right_as_of);
	else if (right_as_of != STREAK_NO_AS_OF && right_as_of != left_as_of)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("streak: as_of changes within a group, from %d to %d", left_as_of, right_as_of)));
	for (int i = 0; i < SK_BITS_BYTES; i++)
		((char *) left)[SK_BITS + i] |= ((char *) right)[SK_BITS + i];
	PG_RETURN_BYTEA_P(left);
}

/* SQL: final of thidua.streak: the run of achieved years ending at as_of */
Datum
thidua_streak_final(PG_FUNCTION_ARGS)
{
	bytea	   *state = PG_GETARG_BYTEA_P(0);
	int32		as_of;
	int32		run = 0;

	ValidateState(state);
	as_of = (int32) StateLoad32((char *) state + SK_AS_OF);
	if (as_of == STREAK_NO_AS_OF)
		PG_RETURN_INT32(0);		/* no row at all */
	for (int32 year = as_of; year >= STREAK_FIRST_YEAR && YearSet(state, year); year--)
		run++;
	PG_RETURN_INT32(run);
}

/* SQL: final of thidua.longest_streak: the longest run anywhere */
Datum
thidua_longest_streak_final(PG_FUNCTION_ARGS)
{
	bytea	   *state = PG_GETARG_BYTEA_P(0);
	int32		run = 0;
	int32		longest = 0;

	ValidateState(state);
	for (int32 year = STREAK_FIRST_YEAR; year <= STREAK_LAST_YEAR; year++)
	{
		run = YearSet(state, year) ? run + 1 : 0;
		longest = Max(longest, run);
	}
	PG_RETURN_INT32(longest);
}
