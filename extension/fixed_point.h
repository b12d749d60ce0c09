/*
 * fixed_point.h
 *		Exact decimal arithmetic on scaled 64-bit integers.
 *
 * Observations and rule parameters are held as integers counting millionths
 * (scale 6); points as integers at the criteria version's rounding scale.
 * Intermediate products use 128-bit integers, so every operation is exact and
 * every rounding is explicit (half away from zero), as numeric would give.
 */
#ifndef THIDUA_FIXED_POINT_H
#define THIDUA_FIXED_POINT_H

#include "postgres.h"

#include "utils/numeric.h"

/* Decimal places kept for observations and rule parameters. */
#define FIXED_SCALE 6
#define FIXED_ONE	INT64CONST(1000000)
#define FIXED_MAX_SCALE 18

extern const int64 fixed_pow10[FIXED_MAX_SCALE + 1];

typedef enum FixedStatus
{
	FIXED_OK,
	FIXED_TOO_PRECISE,			/* more decimal places than the scale */
	FIXED_OUT_OF_RANGE,			/* does not fit in 64 bits at the scale */
	FIXED_NOT_FINITE			/* NaN or infinity */
} FixedStatus;

/* Converts a numeric datum (possibly packed) to an integer at 'scale'. */
extern FixedStatus NumericDatumToFixed(Datum value, int scale, int64 *result);

/* Like NumericDatumToFixed, with an error naming 'what' (and a hint, if not NULL). */
extern int64 NumericDatumToFixedOrError(Datum value, int scale, const char *what, const char *hint);

/* An integer at 'scale' as a numeric of that display scale. */
extern Numeric FixedToNumeric(int64 value, int scale);

/* Writes an integer at 'scale' as decimal text into buf (at least 32 bytes). */
extern void FixedToText(int64 value, int scale, char *buf);

/* As FixedToText, without trailing zeros of the fraction (as a value is written). */
extern void FixedToTrimmedText(int64 value, int scale, char *buf);

/* value (an integer at from_scale) rounded half away from zero to to_scale. */
extern int64 FixedRound(int128 value, int from_scale, int to_scale);

/* numerator / denominator rounded half away from zero; denominator > 0. */
extern int128 DivideRounded(int128 numerator, int128 denominator);

/* Largest display scale NumericDatumToScaled128 accepts. */
#define SCALED128_MAX_SCALE 38

/*
 * A numeric datum as an exact 128-bit integer at its own display scale (the
 * scale sum() would keep): 12.50 gives 1250 and scale 2. Returns false when
 * it is NaN or infinite or has more than 38 significant digits there.
 */
extern FixedStatus NumericDatumToScaled128(Datum value, int128 *result, int *scale);

/* value * 10^exponent with overflow checks; false on overflow. */
extern bool Scale128(int128 value, int exponent, int128 *result);

/* An integer at 'scale' as a numeric of that display scale (any 128-bit value). */
extern Numeric Int128ToNumeric(int128 value, int scale);

/* Sum with an error instead of overflow. */
extern int64 FixedAdd(int64 a, int64 b);

#endif							/* THIDUA_FIXED_POINT_H */
