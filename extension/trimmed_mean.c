/*
 * trimmed_mean.c
 *		thidua.trimmed_mean(value numeric, trim integer): the mean after dropping
 *		the trim smallest and trim largest values, exact, in O(trim) state.
 *
 * The state keeps the count, the exact sum of all values, and the trim
 * smallest and trim largest values seen, all as 128-bit integers at the
 * largest display scale seen (the scale sum() keeps). The kept sum is the
 * sum minus both extremes, and the result is numeric division of it by the
 * kept count, exactly as (sum(v) - ...) / (count(v) - 2 * trim) would give.
 *
 * State (bytea, little-endian, offsets from the varlena start):
 *	 4  magic "TM", format byte, zero
 *	 8  trim (int32), then zero (int32)
 *	 16 count of values (int64)
 *	 24 scale (uint16), then six zero bytes
 *	 32 sum (int128)
 *	 48 the trim smallest values, ascending, then the trim largest, ascending
 *		(int128 each; min(count, trim) of each are in use, the rest zero)
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/numeric.h"

#include "fixed_point.h"
#include "state_format.h"

PG_FUNCTION_INFO_V1(thidua_trimmed_mean_transition);
PG_FUNCTION_INFO_V1(thidua_trimmed_mean_combine);
PG_FUNCTION_INFO_V1(thidua_trimmed_mean_final);

#define TM_FORMAT		1
#define TM_MAX_TRIM		100000
#define TM_MAGIC		(VARHDRSZ + 0)
#define TM_FORMAT_BYTE	(VARHDRSZ + 2)
#define TM_TRIM			(VARHDRSZ + 4)
#define TM_COUNT		(VARHDRSZ + 12)
#define TM_SCALE		(VARHDRSZ + 20)
#define TM_SUM			(VARHDRSZ + 28)
#define TM_VALUES		(VARHDRSZ + 44)
#define TM_SIZE(trim)	(TM_VALUES + 2 * (trim) * 16)

#define AGGREGATE_NAME "thidua.trimmed_mean"

static inline char *
Smallest(bytea *state, int i)
{
	return (char *) state + TM_VALUES + i * 16;
}

static inline char *
Largest(bytea *state, int trim, int i)
{
	return (char *) state + TM_VALUES + (trim + i) * 16;
}

static bytea *
CreateState(int32 trim, int scale)
{
	bytea	   *state = palloc0(TM_SIZE(trim));

	SET_VARSIZE(state, TM_SIZE(trim));
	((char *) state)[TM_MAGIC] = 'T';
	((char *) state)[TM_MAGIC + 1] = 'M';
	((char *) state)[TM_FORMAT_BYTE] = TM_FORMAT;
	StateStore32((char *) state + TM_TRIM, (uint32) trim);
	StateStore16((char *) state + TM_SCALE, (uint16) scale);
	return state;
}

static void
pg_attribute_noreturn()
ReportOverflow(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("trimmed_mean: value out of range"),
			 errdetail("Values and their sum must fit in 38 significant digits.")));
}

/* Raises every stored number of the state to a larger scale. */
static void
Rescale(bytea *state, int32 trim, int64 count, int new_scale)
{
	int			old_scale = StateLoad16((char *) state + TM_SCALE);
	int			used = (int) Min(count, (int64) trim);
	int128		value;

	if (!Scale128(StateLoad128((char *) state + TM_SUM), new_scale - old_scale, &value))
		ReportOverflow();
	StateStore128((char *) state + TM_SUM, value);
	for (int i = 0; i < used; i++)
	{
		if (!Scale128(StateLoad128(Smallest(state, i)), new_scale - old_scale, &value))
			ReportOverflow();
		StateStore128(Smallest(state, i), value);
		if (!Scale128(StateLoad128(Largest(state, trim, i)), new_scale - old_scale, &value))
			ReportOverflow();
		StateStore128(Largest(state, trim, i), value);
	}
	StateStore16((char *) state + TM_SCALE, (uint16) new_scale);
}

/* Adds one value to the smallest and largest lists (each has 'used' entries). */
static void
Offer(bytea *state, int32 trim, int used, int128 value)
{
	int			i;

	if (trim == 0)
		return;
	/* smallest, ascending: room, or below the largest of them */
	if (used < trim || value < StateLoad128(Smallest(state, trim - 1)))
	{
		i = Min(used, trim - 1);
		while (i > 0 && StateLoad128(Smallest(state, i - 1)) > value)
		{
			StateStore128(Smallest(state, i), StateLoad128(Smallest(state, i - 1)));
			i--;
		}
		StateStore128(Smallest(state, i), value);
	}
	/* largest, ascending: room, or above the smallest of them */
	if (used < trim)
	{
		i = used;
		while (i > 0 && StateLoad128(Largest(state, trim, i - 1)) > value)
		{
			StateStore128(Largest(state, trim, i), StateLoad128(Largest(state, trim, i - 1)));
			i--;
		}
		StateStore128(Largest(state, trim, i), value);
	}
	else if (value > StateLoad128(Largest(state, trim, 0)))
	{
		i = 0;
		while (i < trim - 1 && StateLoad128(Largest(state, trim, i + 1)) < value)
		{
			StateStore128(Largest(state, trim, i), StateLoad128(Largest(state, trim, i + 1)));
			i++;
		}
		StateStore128(Largest(state, trim, i), value);
	}
}

/* Validates a state from anywhere; returns its trim. */
static int32
ValidateState(bytea *state)
{
	const char *p = (const char *) state;
	int32		trim;
	int64		count;
	int			used;

	if (VARSIZE(state) < TM_VALUES)
		ReportCorruptState(AGGREGATE_NAME, "The state is shorter than its header.");
	if (p[TM_MAGIC] != 'T' || p[TM_MAGIC + 1] != 'M')
		ReportCorruptState(AGGREGATE_NAME, "The state does not start with the trimmed_mean magic bytes.");
	if (p[TM_FORMAT_BYTE] != TM_FORMAT)
		ReportStateFormat(AGGREGATE_NAME, (unsigned char) p[TM_FORMAT_BYTE], TM_FORMAT);
	trim = (int32) StateLoad32(p + TM_TRIM);
	count = (int64) StateLoad64(p + TM_COUNT);
	if (trim < 0 || trim > TM_MAX_TRIM)
		ReportCorruptState(AGGREGATE_NAME, "The trim is out of range.");
	if (VARSIZE(state) != TM_SIZE(trim))
		ReportCorruptState(AGGREGATE_NAME, "The state's size does not match its trim.");
	if (count < 0)
		ReportCorruptState(AGGREGATE_NAME, "The count is negative.");
	if (StateLoad16(p + TM_SCALE) > SCALED128_MAX_SCALE)
		ReportCorruptState(AGGREGATE_NAME, "The scale is out of range.");
	if (p[TM_MAGIC + 3] != 0 || StateLoad32(p + TM_TRIM + 4) != 0)
		ReportCorruptState(AGGREGATE_NAME, "A reserved byte is not zero.");
	for (int i = TM_SCALE + 2; i < TM_SUM; i++)
		if (p[i] != 0)
			ReportCorruptState(AGGREGATE_NAME, "A reserved byte is not zero.");
	used = (int) Min(count, (int64) trim);
	for (int i = 0; i < trim; i++)
	{
		int128		small = StateLoad128(Smallest(state, i));
		int128		large = StateLoad128(Largest(state, trim, i));

		if (i >= used && (small != 0 || large != 0))
			ReportCorruptState(AGGREGATE_NAME, "An unused value slot is not zero.");
		if (i > 0 && i < used && (small < StateLoad128(Smallest(state, i - 1)) ||
								  large < StateLoad128(Largest(state, trim, i - 1))))
			ReportCorruptState(AGGREGATE_NAME, "The extreme values are out of order.");
	}
	/* every value lies between the smallest and the largest kept */
	if (used > 0)
	{
		int128		sum = StateLoad128(p + TM_SUM);
		int128		low;
		int128		high;

		if (StateLoad128(Smallest(state, 0)) > StateLoad128(Largest(state, trim, used - 1)) ||
			(!__builtin_mul_overflow(StateLoad128(Smallest(state, 0)), (int128) count, &low) && sum < low) ||
			(!__builtin_mul_overflow(StateLoad128(Largest(state, trim, used - 1)), (int128) count, &high) && sum > high))
			ReportCorruptState(AGGREGATE_NAME, "The sum does not lie between count times the smallest and the largest value.");
		/* the values kept lie between the dropped ones */
		if (count > 2 * (int64) trim)
		{
			int128		kept = sum;
			int64		kept_count = count - 2 * (int64) trim;
			bool		overflow = false;

			for (int i = 0; i < trim; i++)
				overflow |= __builtin_sub_overflow(kept, StateLoad128(Smallest(state, i)), &kept) ||
					__builtin_sub_overflow(kept, StateLoad128(Largest(state, trim, i)), &kept);
			if (overflow ||
				(!__builtin_mul_overflow(StateLoad128(Smallest(state, trim - 1)), (int128) kept_count, &low) && kept < low) ||
				(!__builtin_mul_overflow(StateLoad128(Largest(state, trim, 0)), (int128) kept_count, &high) && kept > high))
				ReportCorruptState(AGGREGATE_NAME, "The values kept do not lie between the values dropped.");
		}
	}
	else if (count == 0 && StateLoad128(p + TM_SUM) != 0)
		ReportCorruptState(AGGREGATE_NAME, "An empty state has a sum.");
	return trim;
}

/* SQL: transition of thidua.trimmed_mean(numeric, integer) */
Datum
thidua_trimmed_mean_transition(PG_FUNCTION_ARGS)
{
	bytea	   *state;
	int32		trim;
	int64		count;
	int128		value;
	int128		sum;
	int			scale;
	int			state_scale;

	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "thidua_trimmed_mean_transition called in non-aggregate context");
	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("trimmed_mean: trim must not be null")));
	trim = PG_GETARG_INT32(2);
	if (trim < 0 || trim > TM_MAX_TRIM)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("trimmed_mean: trim must be between 0 and %d, not %d", TM_MAX_TRIM, trim)));
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	switch (NumericDatumToScaled128(PG_GETARG_DATUM(1), &value, &scale))
	{
		case FIXED_OK:
			break;
		case FIXED_NOT_FINITE:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("trimmed_mean: values must be finite numbers")));
			break;
		default:
			ReportOverflow();
	}

	/* the executor copies a new state into the aggregate context itself */
	if (PG_ARGISNULL(0))
		state = CreateState(trim, scale);
	else
	{
		/* our own state from the aggregate context: updated in place */
		state = (bytea *) PG_GETARG_POINTER(0);
		if ((int32) StateLoad32((char *) state + TM_TRIM) != trim)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("trimmed_mean: trim changes within a group, from %d to %d",
							(int32) StateLoad32((char *) state + TM_TRIM), trim)));
	}

	count = (int64) StateLoad64((char *) state + TM_COUNT);
	state_scale = StateLoad16((char *) state + TM_SCALE);
	if (scale > state_scale)
		Rescale(state, trim, count, scale);
	else if (scale < state_scale && !Scale128(value, state_scale - scale, &value))
		ReportOverflow();

	if (__builtin_add_overflow(StateLoad128((char *) state + TM_SUM), value, &sum))
		ReportOverflow();
	StateStore128((char *) state + TM_SUM, sum);
	Offer(state, trim, (int) Min(count, (int64) trim), value);
	StateStore64((char *) state + TM_COUNT, (uint64) (count + 1));
	PG_RETURN_BYTEA_P(state);
}

/* SQL: combine of thidua.trimmed_mean */
Datum
thidua_trimmed_mean_combine(PG_FUNCTION_ARGS)
{
	bytea	   *left;
	bytea	   *right;
	bytea	   *merged;
	int32		trim;
	int64		left_count;
	int64		right_count;
	int			left_used;
	int			right_used;
	int			scale;
	int128		sum;

	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "thidua_trimmed_mean_combine called in non-aggregate context");
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	right = PG_GETARG_BYTEA_P(1);
	trim = ValidateState(right);
	if (PG_ARGISNULL(0))
		PG_RETURN_BYTEA_P(right);	/* the executor copies it into its context */
	left = PG_GETARG_BYTEA_P(0);
	if (ValidateState(left) != trim)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("trimmed_mean: trim changes within a group, from %d to %d",
						(int32) StateLoad32((char *) left + TM_TRIM), trim)));

	/* bring both to the larger scale (the right one on a private copy) */
	right = (bytea *) pg_detoast_datum_copy((struct varlena *) right);
	left_count = (int64) StateLoad64((char *) left + TM_COUNT);
	right_count = (int64) StateLoad64((char *) right + TM_COUNT);
	scale = Max(StateLoad16((char *) left + TM_SCALE), StateLoad16((char *) right + TM_SCALE));
	if (StateLoad16((char *) left + TM_SCALE) < scale)
		Rescale(left, trim, left_count, scale);
	if (StateLoad16((char *) right + TM_SCALE) < scale)
		Rescale(right, trim, right_count, scale);

	merged = CreateState(trim, scale);
	left_used = (int) Min(left_count, (int64) trim);
	right_used = (int) Min(right_count, (int64) trim);
	/*
	 * The trim smallest of the union are the first trim of both ascending
	 * smallest lists merged; the largest, the last trim of both largest lists.
	 */
	{
		int			a = 0;
		int			b = 0;
		int			want = (int) Min(left_count + right_count, (int64) trim);

		for (int k = 0; k < want; k++)
		{
			int128		next;

			if (b >= right_used || (a < left_used && StateLoad128(Smallest(left, a)) <= StateLoad128(Smallest(right, b))))
				next = StateLoad128(Smallest(left, a++));
			else
				next = StateLoad128(Smallest(right, b++));
			StateStore128(Smallest(merged, k), next);
		}
		a = left_used - 1;
		b = right_used - 1;
		for (int k = want - 1; k >= 0; k--)
		{
			int128		next;

			if (b < 0 || (a >= 0 && StateLoad128(Largest(left, trim, a)) >= StateLoad128(Largest(right, trim, b))))
				next = StateLoad128(Largest(left, trim, a--));
			else
				next = StateLoad128(Largest(right, trim, b--));
			StateStore128(Largest(merged, trim, k), next);
		}
	}
	if (__builtin_add_overflow(StateLoad128((char *) left + TM_SUM), StateLoad128((char *) right + TM_SUM), &sum))
		ReportOverflow();
	StateStore128((char *) merged + TM_SUM, sum);
	StateStore64((char *) merged + TM_COUNT, (uint64) (left_count + right_count));
	/* same size as left: overwrite it in place */
	memcpy(left, merged, VARSIZE(merged));
	pfree(merged);
	pfree(right);
	PG_RETURN_BYTEA_P(left);
}

/* SQL: final of thidua.trimmed_mean */
Datum
thidua_trimmed_mean_final(PG_FUNCTION_ARGS)
{
	bytea	   *state;
	int32		trim;
	int64		count;
	int128		kept;
	int64		kept_count;
	int			scale;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	state = PG_GETARG_BYTEA_P(0);
	trim = ValidateState(state);
	count = (int64) StateLoad64((char *) state + TM_COUNT);
	if (count == 0)
		PG_RETURN_NULL();
	scale = StateLoad16((char *) state + TM_SCALE);
	kept = StateLoad128((char *) state + TM_SUM);
	kept_count = count;
	if (count > 2 * (int64) trim)
	{
		for (int i = 0; i < trim; i++)
		{
			if (__builtin_sub_overflow(kept, StateLoad128(Smallest(state, i)), &kept) ||
				__builtin_sub_overflow(kept, StateLoad128(Largest(state, trim, i)), &kept))
				ReportOverflow();
		}
		kept_count = count - 2 * (int64) trim;
	}
	PG_RETURN_DATUM(DirectFunctionCall2(numeric_div,
										NumericGetDatum(Int128ToNumeric(kept, scale)),
										NumericGetDatum(int64_to_numeric(kept_count))));
}
