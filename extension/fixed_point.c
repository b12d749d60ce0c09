/*
 * fixed_point.c
 *		Exact decimal arithmetic on scaled 64-bit integers.
 *
 * NumericDatumToFixed reads numeric's stored format directly instead of
 * calling numeric functions: it is on the per-row path of the scoring
 * aggregates, and the stored format is fixed (pg_upgrade keeps it on disk).
 */
#include "postgres.h"

#include "common/int.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/numeric.h"

#include "fixed_point.h"

const int64 fixed_pow10[FIXED_MAX_SCALE + 1] = {
	INT64CONST(1), INT64CONST(10), INT64CONST(100), INT64CONST(1000),
	INT64CONST(10000), INT64CONST(100000), INT64CONST(1000000),
	INT64CONST(10000000), INT64CONST(100000000), INT64CONST(1000000000),
	INT64CONST(10000000000), INT64CONST(100000000000),
	INT64CONST(1000000000000), INT64CONST(10000000000000),
	INT64CONST(100000000000000), INT64CONST(1000000000000000),
	INT64CONST(10000000000000000), INT64CONST(100000000000000000),
	INT64CONST(1000000000000000000)
};

/* The stored numeric header (see numeric.c): base-10000 digits, int16 each. */
#define NUMERIC_FLAG_MASK	0xC000
#define NUMERIC_NEGATIVE	0x4000
#define NUMERIC_SHORT_FLAG	0x8000
#define NUMERIC_SPECIAL_FLAG 0xC000
#define NUMERIC_SHORT_SIGN	0x2000
#define NUMERIC_SHORT_WEIGHT_SIGN 0x0040
#define NUMERIC_SHORT_WEIGHT 0x003F
#define NUMERIC_SHORT_DSCALE_MASK 0x1F80
#define NUMERIC_SHORT_DSCALE_SHIFT 7
#define NUMERIC_DSCALE_MASK 0x3FFF
#define NUMERIC_DIGIT_BASE	10000

/* What the stored header of a numeric says. */
typedef struct NumericHeader
{
	bool		special;		/* NaN or an infinity */
	bool		negative;
	int			weight;			/* of the first base-10000 digit */
	int			dscale;			/* display scale */
	int			header_size;	/* bytes before the digits */
	int			ndigits;
} NumericHeader;

static NumericHeader
ReadNumericHeader(const char *data, int size)
{
	NumericHeader result = {0};
	uint16		header;

	memcpy(&header, data, sizeof(uint16));
	if ((header & NUMERIC_FLAG_MASK) == NUMERIC_SPECIAL_FLAG)
	{
		result.special = true;
		return result;
	}
	if (header & NUMERIC_SHORT_FLAG)
	{
		result.negative = (header & NUMERIC_SHORT_SIGN) != 0;
		result.dscale = (header & NUMERIC_SHORT_DSCALE_MASK) >> NUMERIC_SHORT_DSCALE_SHIFT;
		result.weight = (header & NUMERIC_SHORT_WEIGHT_SIGN) ?
			(int) (~NUMERIC_SHORT_WEIGHT | (header & NUMERIC_SHORT_WEIGHT)) :
			(int) (header & NUMERIC_SHORT_WEIGHT);
		result.header_size = sizeof(uint16);
	}
	else
	{
		int16		long_weight;

		result.negative = (header & NUMERIC_FLAG_MASK) == NUMERIC_NEGATIVE;
		result.dscale = header & NUMERIC_DSCALE_MASK;
		memcpy(&long_weight, data + sizeof(uint16), sizeof(int16));
		result.weight = long_weight;
		result.header_size = 2 * sizeof(uint16);
	}
	result.ndigits = (size - result.header_size) / (int) sizeof(int16);
	return result;
}

/* 10^exponent as a 128-bit integer, 0 <= exponent <= 38. */
static int128
Pow10_128(int exponent)
{
	int128		result = 1;

	Assert(exponent >= 0 && exponent <= SCALED128_MAX_SCALE);
	if (exponent <= FIXED_MAX_SCALE)
		return fixed_pow10[exponent];
	result = fixed_pow10[FIXED_MAX_SCALE];
	for (int i = FIXED_MAX_SCALE; i < exponent; i++)
		result *= 10;
	return result;
}

bool
Scale128(int128 value, int exponent, int128 *result)
{
	if (exponent < 0 || exponent > SCALED128_MAX_SCALE)
		return false;
	return !__builtin_mul_overflow(value, Pow10_128(exponent), result);
}

FixedStatus
NumericDatumToScaled128(Datum value, int128 *result, int *scale)
{
	struct varlena *packed = PG_DETOAST_DATUM_PACKED(value);
	const char *data = VARDATA_ANY(packed);
	int			size = VARSIZE_ANY_EXHDR(packed);
	NumericHeader header = ReadNumericHeader(data, size);
	int			dscale = header.dscale;
	int128		accumulated = 0;
	FixedStatus status = FIXED_OK;

	if (header.special)
		return FIXED_NOT_FINITE;
	if (dscale > SCALED128_MAX_SCALE)
		status = FIXED_OUT_OF_RANGE;

	/* value * 10^dscale = sum of digit[i] * 10^(4 * (weight - i) + dscale) */
	for (int i = 0; i < header.ndigits && status == FIXED_OK; i++)
	{
		int16		digit;
		int			exponent = 4 * (header.weight - i) + dscale;
		int128		term;

		memcpy(&digit, data + header.header_size + i * sizeof(int16), sizeof(int16));
		if (digit == 0)
			continue;
		if (exponent >= 0)
		{
			if (exponent > SCALED128_MAX_SCALE ||
				__builtin_mul_overflow((int128) digit, Pow10_128(exponent), &term) ||
				__builtin_add_overflow(accumulated, term, &accumulated))
				status = FIXED_OUT_OF_RANGE;
		}
		else if (exponent > -4 && digit % fixed_pow10[-exponent] == 0)
			accumulated += digit / fixed_pow10[-exponent];
		else
			status = FIXED_TOO_PRECISE;	/* cannot happen: digits beyond dscale are zero */
	}

	if ((Pointer) packed != DatumGetPointer(value))
		pfree(packed);
	if (status == FIXED_OK)
	{
		*result = header.negative ? -accumulated : accumulated;
		*scale = dscale;
	}
	return status;
}

Numeric
Int128ToNumeric(int128 value, int scale)
{
	char		digits[48];
	char		text[56];
	char	   *out = text;
	uint128		magnitude = value < 0 ? -(uint128) value : (uint128) value;
	int			n = 0;

	do
	{
		digits[n++] = '0' + (int) (magnitude % 10);
		magnitude /= 10;
	} while (magnitude > 0);
	while (n <= scale)
		digits[n++] = '0';
	if (value < 0)
		*out++ = '-';
	while (n > 0)
	{
		if (n == scale)
			*out++ = '.';
		*out++ = digits[--n];
	}
	*out = '\0';
	return DatumGetNumeric(DirectFunctionCall3(numeric_in, CStringGetDatum(text),
											   ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)));
}

FixedStatus
NumericDatumToFixed(Datum value, int scale, int64 *result)
{
	struct varlena *packed = PG_DETOAST_DATUM_PACKED(value);
	const char *data = VARDATA_ANY(packed);
	int			size = VARSIZE_ANY_EXHDR(packed);
	NumericHeader header = ReadNumericHeader(data, size);
	int128		accumulated = 0;
	FixedStatus status = FIXED_OK;

	Assert(scale >= 0 && scale <= FIXED_MAX_SCALE);
	if (header.special)
		return FIXED_NOT_FINITE;

	/* value * 10^scale = sum of digit[i] * 10^(4 * (weight - i) + scale) */
	for (int i = 0; i < header.ndigits; i++)
	{
		int16		digit;
		int			exponent = 4 * (header.weight - i) + scale;

		memcpy(&digit, data + header.header_size + i * sizeof(int16), sizeof(int16));
		if (digit == 0)
			continue;
		if (exponent >= 0)
		{
			if (exponent > FIXED_MAX_SCALE)
			{
				status = FIXED_OUT_OF_RANGE;
				break;
			}
			accumulated += (int128) digit * fixed_pow10[exponent];
			if (accumulated > PG_INT64_MAX)
			{
				status = FIXED_OUT_OF_RANGE;
				break;
			}
		}
		else if (exponent > -4 && digit % fixed_pow10[-exponent] == 0)
			accumulated += digit / fixed_pow10[-exponent];
		else
		{
			status = FIXED_TOO_PRECISE;
			break;
		}
	}

	if ((Pointer) packed != DatumGetPointer(value))
		pfree(packed);
	if (status == FIXED_OK)
		*result = header.negative ? -(int64) accumulated : (int64) accumulated;
	return status;
}

int64
NumericDatumToFixedOrError(Datum value, int scale, const char *what, const char *hint)
{
	int64		result = 0;

	switch (NumericDatumToFixed(value, scale, &result))
	{
		case FIXED_OK:
			break;
		case FIXED_TOO_PRECISE:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s has more than %d decimal places", what, scale),
					 hint ? errhint("%s", hint) : 0));
			break;
		case FIXED_OUT_OF_RANGE:
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("%s is out of range", what),
					 errdetail("Values must lie between -9223372036854 and 9223372036854."),
					 hint ? errhint("%s", hint) : 0));
			break;
		case FIXED_NOT_FINITE:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s must be a finite number", what),
					 hint ? errhint("%s", hint) : 0));
			break;
	}
	return result;
}

Numeric
FixedToNumeric(int64 value, int scale)
{
	return int64_div_fast_to_numeric(value, scale);
}

void
FixedToText(int64 value, int scale, char *buf)
{
	uint64		magnitude = value < 0 ? -(uint64) value : (uint64) value;
	uint64		divisor = (uint64) fixed_pow10[scale];

	if (scale == 0)
		snprintf(buf, 32, "%s%llu", value < 0 ? "-" : "",
				 (unsigned long long) magnitude);
	else
		snprintf(buf, 32, "%s%llu.%0*llu", value < 0 ? "-" : "",
				 (unsigned long long) (magnitude / divisor), scale,
				 (unsigned long long) (magnitude % divisor));
}

void
FixedToTrimmedText(int64 value, int scale, char *buf)
{
	char	   *end;

	FixedToText(value, scale, buf);
	if (strchr(buf, '.') == NULL)
		return;
	end = buf + strlen(buf) - 1;
	while (*end == '0')
		*end-- = '\0';
	if (*end == '.')
		*end = '\0';
}

int128
DivideRounded(int128 numerator, int128 denominator)
{
	int128		quotient = numerator / denominator;
	int128		remainder = numerator % denominator;

	Assert(denominator > 0);
	if (remainder < 0)
		remainder = -remainder;
	if (2 * remainder >= denominator)
		quotient += numerator < 0 ? -1 : 1;
	return quotient;
}

int64
FixedRound(int128 value, int from_scale, int to_scale)
{
	int128		result;

	if (from_scale <= to_scale)
		result = value * fixed_pow10[to_scale - from_scale];
	else
		result = DivideRounded(value, fixed_pow10[from_scale - to_scale]);
	if (result > PG_INT64_MAX || result < -PG_INT64_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("points are out of range")));
	return (int64) result;
}

int64
FixedAdd(int64 a, int64 b)
{
	int64		sum;

	if (pg_add_s64_overflow(a, b, &sum))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("points are out of range")));
	return sum;
}
