/*
 * trimmed_mean.c
 *		thidua.trimmed_mean(value numeric, trim integer): the mean after dropping
 *		the trim smallest and trim largest values, exact.
 *
 * The state keeps the count, the exact sum of all values and the values it
 * must remember: every value while there are at most 2 * trim of them, then
 * only the trim smallest and the trim largest; all as 128-bit integers at the
 * largest display scale seen (the scale sum() keeps). The kept sum is the sum
 * minus the extremes, and the result is numeric division of it by the kept
 * count, exactly as (sum(v) - ...) / (count(v) - 2 * trim) would give. The
 * state therefore grows with the group up to 2 * trim values, never beyond.
 *
 * Flat form (the bytea that parallel workers and Citus ship), format 2, after
 * the varlena header:
 *	 bytes 0-1	magic "TM"
 *	 byte 2		format
 *	 byte 3		scale (0 to 38)
 *	 trim (varint), count (varint), sum (zigzag varint)
 *	 the values remembered, min(count, 2 * trim) of them, ascending: the
 *	 first as a zigzag varint, each next as its difference from the one
 *	 before (a varint). Beyond 2 * trim values, the first trim are the
 *	 smallest and the last trim the largest.
 * Varints are little-endian base 128 in their shortest form; a state is
 * refused unless it is exactly that, to its last byte.
 *
 * Working form: in a grouping aggregate the state is an expanded object
 * (utils/expandeddatum.h) that the transition updates in place and that
 * PostgreSQL flattens into the flat form whenever the state leaves the
 * aggregate (to a parallel leader, to Citus, to a function reading bytea).
 * Up to 2 * trim values it appends each as a zigzag varint (a few bytes, so
 * a large trim over small groups costs little more than trim 1); beyond, it
 * keeps two heaps of 128-bit integers, one comparison per end per row.
 * Every group's object lives in one memory context per aggregate context,
 * not a context each: a context costs a kilobyte, the object 128 bytes. That
 * is safe because a read-write pointer to it only ever reaches this file's
 * transition and combine functions in that aggregate context (final and
 * serial functions get read-only pointers). Window aggregates can hand their
 * state to a user's inverse function, which may take ownership of an
 * expanded object; there the state stays flat.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/expandeddatum.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

#include "fixed_point.h"
#include "state_format.h"

PG_FUNCTION_INFO_V1(thidua_trimmed_mean_transition);
PG_FUNCTION_INFO_V1(thidua_trimmed_mean_combine);
PG_FUNCTION_INFO_V1(thidua_trimmed_mean_final);

#define TM_FORMAT		2
#define TM_MAX_TRIM		100000
#define TM_HEADER		(VARHDRSZ + 4)	/* varlena header, magic, format, scale */

#define AGGREGATE_NAME "thidua.trimmed_mean"
#define TM_INT128_MAX	((int128) (~(uint128) 0 >> 1))

typedef struct TrimmedMeanState
{
	ExpandedObjectHeader header;	/* initialised only for expanded objects */
	int128		sum;
	int64		count;
	int32		trim;
	int32		capacity;		/* bytes at data */
	int32		used;			/* bytes of varints in use, up to 2 * trim values */
	int16		scale;
	bool		sorted;			/* in the order the flat form writes them */

	/*
	 * Up to 2 * trim values (count <= 2 * trim): the values as zigzag
	 * varints, appended as they come (a few bytes each, not 16). Beyond:
	 * 2 * trim int128, [0, trim) a max-heap of the smallest and [trim,
	 * 2 * trim) a min-heap of the largest; sorted, the first descending and
	 * the second ascending (which are valid heaps too).
	 */
	char	   *data;
	int128		inline_data[2];
} TrimmedMeanState;

/* One allocation chunk of 128 bytes per group for trim 1, as avg() takes. */
StaticAssertDecl(sizeof(TrimmedMeanState) <= 128, "trimmed_mean state grew past 128 bytes");

static Size TrimmedMeanFlatSize(ExpandedObjectHeader *eohptr);
static void TrimmedMeanFlattenInto(ExpandedObjectHeader *eohptr, void *result, Size allocated_size);

static const ExpandedObjectMethods TrimmedMeanMethods = {
	TrimmedMeanFlatSize,
	TrimmedMeanFlattenInto
};

static void
pg_attribute_noreturn()
ReportOverflow(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("trimmed_mean: value out of range"),
			 errdetail("Values and their sum must fit in 38 significant digits.")));
}

static void
pg_attribute_noreturn()
ReportTrimChange(int32 from, int32 to)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("trimmed_mean: trim changes within a group, from %d to %d", from, to)));
}

static inline bool
IsSplit(const TrimmedMeanState *state)
{
	return state->count > 2 * (int64) state->trim;
}

/* Values remembered: min(count, 2 * trim). */
static inline int
Held(const TrimmedMeanState *state)
{
	return IsSplit(state) ? 2 * state->trim : (int) state->count;
}

static inline int128 *
Heaps(const TrimmedMeanState *state)
{
	return (int128 *) state->data;
}

/* ---------- varints ---------- */

static inline uint128
ZigZag(int128 v)
{
	return ((uint128) v << 1) ^ (uint128) (v >> 127);
}

static inline int128
UnZigZag(uint128 u)
{
	return (int128) (u >> 1) ^ -(int128) (u & 1);
}

static inline int
VarintSize(uint128 v)
{
	int			size = 1;

	while (v >= 0x80)
	{
		v >>= 7;
		size++;
	}
	return size;
}

static inline char *
WriteVarint(char *p, uint128 v)
{
	while (v >= 0x80)
	{
		*p++ = (char) ((v & 0x7f) | 0x80);
		v >>= 7;
	}
	*p++ = (char) v;
	return p;
}

/* A varint this file wrote (or validated), advancing *p. */
static inline uint128
NextVarint(const char **p)
{
	uint128		v = 0;
	int			shift = 0;
	uint8		byte;

	do
	{
		byte = (uint8) *(*p)++;
		v |= (uint128) (byte & 0x7f) << shift;
		shift += 7;
	} while (byte & 0x80);
	return v;
}

/* ---------- sorting and heaps of int128 ---------- */

static int
CompareAscending(const void *a, const void *b)
{
	int128		x = *(const int128 *) a;
	int128		y = *(const int128 *) b;

	return (x > y) - (x < y);
}

static int
CompareDescending(const void *a, const void *b)
{
	return CompareAscending(b, a);
}

static void
SortValues(int128 *values, int n, bool descending)
{
	if (n > 16)
	{
		qsort(values, n, sizeof(int128), descending ? CompareDescending : CompareAscending);
		return;
	}
	for (int i = 1; i < n; i++)
	{
		int128		v = values[i];
		int			j = i;

		while (j > 0 && (descending ? values[j - 1] < v : values[j - 1] > v))
		{
			values[j] = values[j - 1];
			j--;
		}
		values[j] = v;
	}
}

/* Restores a max-heap (or min-heap) of n values after its top was replaced. */
static void
SiftDown(int128 *heap, int n, bool max_heap)
{
	int128		v = heap[0];
	int			i = 0;

	for (;;)
	{
		int			child = 2 * i + 1;

		if (child >= n)
			break;
		if (child + 1 < n && (max_heap ? heap[child + 1] > heap[child] : heap[child + 1] < heap[child]))
			child++;
		if (max_heap ? heap[child] <= v : heap[child] >= v)
			break;
		heap[i] = heap[child];
		i = child;
	}
	heap[i] = v;
}

/* ---------- the working state ---------- */

static void
InitState(TrimmedMeanState *state, int32 trim, int scale)
{
	state->sum = 0;
	state->count = 0;
	state->trim = trim;
	state->capacity = sizeof(state->inline_data);
	state->used = 0;
	state->scale = (int16) scale;
	state->sorted = true;
	state->data = (char *) state->inline_data;
}

/*
 * Room for 'bytes' at data, allocated where the state itself lives; the
 * first 'keep' bytes are kept.
 */
static void
Reserve(TrimmedMeanState *state, int bytes, int keep)
{
	char	   *data;
	int			capacity;

	if (bytes <= state->capacity)
		return;
	capacity = Max(bytes, 2 * state->capacity);
	data = MemoryContextAlloc(GetMemoryChunkContext(state), capacity);
	memcpy(data, state->data, keep);
	if (state->data != (char *) state->inline_data)
		pfree(state->data);
	state->data = data;
	state->capacity = capacity;
}

/* Appends a value to the varints (count <= 2 * trim). */
static inline void
AppendValue(TrimmedMeanState *state, int128 value)
{
	uint128		zigzag = ZigZag(value);

	Reserve(state, state->used + VarintSize(zigzag), state->used);
	state->used = WriteVarint(state->data + state->used, zigzag) - state->data;
}

/* Every value remembered, into out (room for Held()); flat order if sorted. */
static int
CollectValues(const TrimmedMeanState *state, int128 *out)
{
	int			held = Held(state);

	if (IsSplit(state))
	{
		for (int i = 0; i < state->trim; i++)
			out[i] = Heaps(state)[state->trim - 1 - i];
		memcpy(out + state->trim, Heaps(state) + state->trim, state->trim * sizeof(int128));
	}
	else
	{
		const char *p = state->data;

		for (int i = 0; i < held; i++)
			out[i] = UnZigZag(NextVarint(&p));
	}
	return held;
}

/* Replaces the values remembered: n (<= 2 * trim) of them, ascending if sorted. */
static void
SetValues(TrimmedMeanState *state, const int128 *values, int n, bool sorted)
{
	if (IsSplit(state))
	{
		int			trim = state->trim;

		Assert(n == 2 * trim);
		Reserve(state, 2 * trim * sizeof(int128), 0);
		/* the smallest descending (a max-heap), the largest ascending */
		for (int i = 0; i < trim; i++)
			Heaps(state)[i] = values[trim - 1 - i];
		memcpy(Heaps(state) + trim, values + trim, trim * sizeof(int128));
		state->used = 0;
	}
	else
	{
		state->used = 0;
		for (int i = 0; i < n; i++)
			AppendValue(state, values[i]);
	}
	state->sorted = sorted;
}

/* A scratch array for n values: on the stack when small. */
#define SCRATCH_VALUES 16
static inline int128 *
Scratch(int128 *local, int n)
{
	return n <= SCRATCH_VALUES ? local : palloc(n * sizeof(int128));
}

static inline void
FreeScratch(int128 *local, int128 *values)
{
	if (values != local)
		pfree(values);
}

/* Raises every number of the state to a larger scale. */
static void
Rescale(TrimmedMeanState *state, int new_scale)
{
	int			exponent = new_scale - state->scale;
	int128		local[SCRATCH_VALUES];
	int128	   *values = Scratch(local, Held(state));
	int			held = CollectValues(state, values);

	if (!Scale128(state->sum, exponent, &state->sum))
		ReportOverflow();
	for (int i = 0; i < held; i++)
		if (!Scale128(values[i], exponent, &values[i]))
			ReportOverflow();
	SetValues(state, values, held, state->sorted);
	FreeScratch(local, values);
	state->scale = (int16) new_scale;
}

/*
 * The (2 * trim + 1)th value: the 2 * trim remembered and it split into the
 * trim smallest and the trim largest; the one in the middle is only in the
 * sum. Called with count = 2 * trim; increments it.
 */
static void
Split(TrimmedMeanState *state, int128 value)
{
	int			trim = state->trim;
	int128		local[SCRATCH_VALUES];
	int128	   *v = Scratch(local, 2 * trim);
	int			i;

	CollectValues(state, v);
	SortValues(v, 2 * trim, false);
	if (value < v[trim - 1])
	{
		for (i = trim - 1; i > 0 && v[i - 1] > value; i--)
			v[i] = v[i - 1];
		v[i] = value;
	}
	else if (value > v[trim])
	{
		for (i = trim; i < 2 * trim - 1 && v[i + 1] < value; i++)
			v[i] = v[i + 1];
		v[i] = value;
	}
	state->count++;
	SetValues(state, v, 2 * trim, true);
	FreeScratch(local, v);
}

/* Adds one value, at the state's scale. */
static void
AddValue(TrimmedMeanState *state, int128 value)
{
	int			trim = state->trim;

	if (state->count == PG_INT64_MAX)
		ReportOverflow();
	if (__builtin_add_overflow(state->sum, value, &state->sum))
		ReportOverflow();
	if (trim == 0)
		;						/* nothing to remember */
	else if (state->count < 2 * (int64) trim)
	{
		AppendValue(state, value);
		state->sorted = false;
	}
	else if (state->count == 2 * (int64) trim)
	{
		Split(state, value);
		return;
	}
	else if (value < Heaps(state)[0])
	{
		/* below the largest of the smallest: it takes that one's place */
		Heaps(state)[0] = value;
		if (trim > 1)
		{
			SiftDown(Heaps(state), trim, true);
			state->sorted = false;
		}
	}
	else if (value > Heaps(state)[trim])
	{
		Heaps(state)[trim] = value;
		if (trim > 1)
		{
			SiftDown(Heaps(state) + trim, trim, false);
			state->sorted = false;
		}
	}
	state->count++;
}

/* Merges 'other' (read only) into 'state'; both have the same trim. */
static void
Merge(TrimmedMeanState *state, const TrimmedMeanState *other)
{
	int			trim = state->trim;
	int			scale = Max(state->scale, other->scale);
	int			exponent = scale - other->scale;
	int			held = Held(state);
	int			n = held + Held(other);
	int128	   *all;
	int128		other_sum;

	if (state->scale < scale)
		Rescale(state, scale);
	all = palloc((n + 1) * sizeof(int128));
	CollectValues(state, all);
	CollectValues(other, all + held);
	for (int i = held; i < n; i++)
		if (!Scale128(all[i], exponent, &all[i]))
			ReportOverflow();
	if (!Scale128(other->sum, exponent, &other_sum) ||
		__builtin_add_overflow(state->sum, other_sum, &state->sum) ||
		__builtin_add_overflow(state->count, other->count, &state->count))
		ReportOverflow();

	/*
	 * The trim smallest of the union are among the trim smallest of each
	 * side (or all of a side that holds every value), so are the largest.
	 */
	if (!IsSplit(state))
		SetValues(state, all, n, false);
	else
	{
		if (n < 2 * trim)
			ReportCorruptState(AGGREGATE_NAME, "The states hold fewer values than their counts require.");
		SortValues(all, n, false);
		/* the trim smallest, then the trim largest */
		memmove(all + trim, all + n - trim, trim * sizeof(int128));
		SetValues(state, all, 2 * trim, true);
	}
	pfree(all);
}

/* ---------- the flat form ---------- */

/* Orders the values as the flat form writes them (still valid heaps). */
static void
SortForFlat(TrimmedMeanState *state)
{
	if (state->sorted)
		return;
	if (IsSplit(state))
	{
		SortValues(Heaps(state), state->trim, true);
		SortValues(Heaps(state) + state->trim, state->trim, false);
	}
	else
	{
		/* the same varints in another order: the same bytes in all */
		int128		local[SCRATCH_VALUES];
		int128	   *values = Scratch(local, Held(state));
		int			held = CollectValues(state, values);

		SortValues(values, held, false);
		SetValues(state, values, held, true);
		FreeScratch(local, values);
	}
	state->sorted = true;
}

/*
 * Walks the values in flat order (the state sorted), with each one's
 * encoding: the first zigzag, the others as differences.
 */
typedef struct FlatWalk
{
	const TrimmedMeanState *state;
	const char *next;			/* in the varints */
	int			index;
	int128		previous;
} FlatWalk;

static inline uint128
FlatNext(FlatWalk *walk)
{
	const TrimmedMeanState *state = walk->state;
	int			i = walk->index++;
	int128		value;
	uint128		encoded;

	if (!IsSplit(state))
		value = UnZigZag(NextVarint(&walk->next));
	else if (i < state->trim)
		value = Heaps(state)[state->trim - 1 - i];
	else
		value = Heaps(state)[i];
	encoded = i == 0 ? ZigZag(value) : (uint128) value - (uint128) walk->previous;
	walk->previous = value;
	return encoded;
}

static Size
FlatSize(TrimmedMeanState *state)
{
	Size		size = TM_HEADER;
	FlatWalk	walk = {state, state->data, 0, 0};
	int			held = Held(state);

	SortForFlat(state);
	walk.next = state->data;
	size += VarintSize((uint128) state->trim) + VarintSize((uint128) state->count) +
		VarintSize(ZigZag(state->sum));
	for (int i = 0; i < held; i++)
		size += VarintSize(FlatNext(&walk));
	return size;
}

static void
FlattenInto(TrimmedMeanState *state, void *result, Size allocated_size)
{
	char	   *start = (char *) result;
	char	   *p = start + VARHDRSZ;
	FlatWalk	walk = {state, state->data, 0, 0};
	int			held = Held(state);

	SortForFlat(state);
	walk.next = state->data;
	*p++ = 'T';
	*p++ = 'M';
	*p++ = TM_FORMAT;
	*p++ = (char) state->scale;
	p = WriteVarint(p, (uint128) state->trim);
	p = WriteVarint(p, (uint128) state->count);
	p = WriteVarint(p, ZigZag(state->sum));
	for (int i = 0; i < held; i++)
		p = WriteVarint(p, FlatNext(&walk));
	if (p - start != allocated_size)
		elog(ERROR, "trimmed_mean state flattened to %d bytes, not %d",
			 (int) (p - start), (int) allocated_size);
	SET_VARSIZE(start, allocated_size);
}

static Size
TrimmedMeanFlatSize(ExpandedObjectHeader *eohptr)
{
	return FlatSize((TrimmedMeanState *) eohptr);
}

static void
TrimmedMeanFlattenInto(ExpandedObjectHeader *eohptr, void *result, Size allocated_size)
{
	FlattenInto((TrimmedMeanState *) eohptr, result, allocated_size);
}

static bytea *
Flatten(TrimmedMeanState *state)
{
	Size		size = FlatSize(state);
	bytea	   *flat = palloc(size);

	FlattenInto(state, flat, size);
	return flat;
}

typedef struct Reader
{
	const uint8 *p;
	const uint8 *end;
} Reader;

/* A varint of at most 'bits' bits, in its shortest form. */
static uint128
ReadVarint(Reader *reader, int bits)
{
	uint128		result = 0;

	for (int shift = 0;; shift += 7)
	{
		uint8		byte;

		if (reader->p >= reader->end)
			ReportCorruptState(AGGREGATE_NAME, "The state ends inside a number.");
		byte = *reader->p++;
		if (shift >= bits || (shift + 7 > bits && ((byte & 0x7f) >> (bits - shift)) != 0))
			ReportCorruptState(AGGREGATE_NAME, "A number of the state is too large.");
		result |= (uint128) (byte & 0x7f) << shift;
		if ((byte & 0x80) == 0)
		{
			if (byte == 0 && shift > 0)
				ReportCorruptState(AGGREGATE_NAME, "A number of the state is not in its shortest form.");
			return result;
		}
	}
}

/* floor(a / b) and ceil(a / b) for b > 0. */
static inline int128
FloorDiv(int128 a, int64 b)
{
	int128		q = a / b;

	return (a % b != 0 && a < 0) ? q - 1 : q;
}

static inline int128
CeilDiv(int128 a, int64 b)
{
	int128		q = a / b;

	return (a % b != 0 && a > 0) ? q + 1 : q;
}

/*
 * Reads and validates a flat state, byte by byte and for consistency, into a
 * new working state in the current memory context.
 */
static TrimmedMeanState *
ReadFlat(bytea *flat)
{
	TrimmedMeanState *state;
	const uint8 *bytes = (const uint8 *) flat;
	Reader		reader;
	uint128		trim;
	uint128		count;
	int128		sum;
	int			held;
	int128	   *values;

	if (VARSIZE(flat) < TM_HEADER)
		ReportCorruptState(AGGREGATE_NAME, "The state is shorter than its header.");
	if (bytes[VARHDRSZ] != 'T' || bytes[VARHDRSZ + 1] != 'M')
		ReportCorruptState(AGGREGATE_NAME, "The state does not start with the trimmed_mean magic bytes.");
	if (bytes[VARHDRSZ + 2] != TM_FORMAT)
		ReportStateFormat(AGGREGATE_NAME, bytes[VARHDRSZ + 2], TM_FORMAT);
	if (bytes[VARHDRSZ + 3] > SCALED128_MAX_SCALE)
		ReportCorruptState(AGGREGATE_NAME, "The scale is out of range.");
	reader.p = bytes + TM_HEADER;
	reader.end = bytes + VARSIZE(flat);
	trim = ReadVarint(&reader, 32);
	if (trim > TM_MAX_TRIM)
		ReportCorruptState(AGGREGATE_NAME, "The trim is out of range.");
	count = ReadVarint(&reader, 64);
	if (count > (uint128) PG_INT64_MAX)
		ReportCorruptState(AGGREGATE_NAME, "The count is out of range.");
	sum = UnZigZag(ReadVarint(&reader, 128));
	held = (int) Min(count, 2 * trim);
	/* every value takes a byte at least: no allocation beyond the input */
	if (reader.end - reader.p < held)
		ReportCorruptState(AGGREGATE_NAME, "The state is shorter than the values its count requires.");

	values = palloc((held + 1) * sizeof(int128));
	for (int i = 0; i < held; i++)
	{
		uint128		next = ReadVarint(&reader, 128);

		if (i == 0)
			values[0] = UnZigZag(next);
		else if (next > (uint128) TM_INT128_MAX - (uint128) values[i - 1])
			ReportCorruptState(AGGREGATE_NAME, "A value of the state is out of range.");
		else
			values[i] = (int128) ((uint128) values[i - 1] + next);
	}
	if (reader.p != reader.end)
		ReportCorruptState(AGGREGATE_NAME, "The state has bytes after its values.");

	/* the numbers agree: every value is in the sum; kept values lie between the dropped */
	if (count == 0 && sum != 0)
		ReportCorruptState(AGGREGATE_NAME, "An empty state has a sum.");
	if (held > 0)
	{
		int128		kept = sum;

		for (int i = 0; i < held; i++)
			if (__builtin_sub_overflow(kept, values[i], &kept))
				ReportCorruptState(AGGREGATE_NAME, "The sum does not agree with the values.");
		if (count <= 2 * trim)
		{
			if (kept != 0)
				ReportCorruptState(AGGREGATE_NAME, "The sum is not the sum of the values.");
		}
		else
		{
			int64		kept_count = (int64) count - 2 * (int64) trim;

			if (FloorDiv(kept, kept_count) < values[trim - 1] ||
				CeilDiv(kept, kept_count) > values[trim])
				ReportCorruptState(AGGREGATE_NAME, "The values kept do not lie between the values dropped.");
		}
	}

	state = palloc(sizeof(TrimmedMeanState));
	InitState(state, (int32) trim, bytes[VARHDRSZ + 3]);
	state->count = (int64) count;
	state->sum = sum;
	SetValues(state, values, held, true);
	pfree(values);
	return state;
}

/* ---------- states as arguments ---------- */

/* Our expanded object behind a datum, or NULL. */
static TrimmedMeanState *
OwnObject(Datum datum)
{
	if (VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(datum)))
	{
		ExpandedObjectHeader *eoh = DatumGetEOHP(datum);

		if (eoh->eoh_methods == &TrimmedMeanMethods)
			return (TrimmedMeanState *) eoh;
	}
	return NULL;
}

/* A state argument to read: our object as it is, anything else validated. */
static TrimmedMeanState *
ReadableState(FunctionCallInfo fcinfo, int argno)
{
	TrimmedMeanState *own = OwnObject(PG_GETARG_DATUM(argno));

	if (own != NULL)
		return own;
	return ReadFlat(PG_GETARG_BYTEA_P(argno));
}

/*
 * Where the expanded states of one aggregate context live: one child context
 * of it, found through a marker callback registered on the aggregate context
 * itself. Nothing is kept in fn_extra: Citus calls the transition and combine
 * functions through a fresh FmgrInfo each time, in short-lived memory. The
 * marker (allocated in the aggregate context) goes away with its reset, and
 * the states context, its child, with it.
 */
typedef struct StatesMarker
{
	MemoryContextCallback callback;
	MemoryContext states;
} StatesMarker;

static void
StatesMarkerReset(void *arg)
{
	/* only a marker: the states context, a child, is deleted with the reset */
}

static MemoryContext
StatesContextFor(FunctionCallInfo fcinfo, MemoryContext aggcontext)
{
	StatesMarker *marker;

	for (MemoryContextCallback *callback = aggcontext->reset_cbs; callback != NULL; callback = callback->next)
		if (callback->func == StatesMarkerReset)
			return ((StatesMarker *) callback->arg)->states;
	marker = MemoryContextAllocZero(aggcontext, sizeof(StatesMarker));
	marker->states = AllocSetContextCreate(aggcontext, "thidua trimmed_mean states", ALLOCSET_DEFAULT_SIZES);
	marker->callback.func = StatesMarkerReset;
	marker->callback.arg = marker;
	MemoryContextRegisterResetCallback(aggcontext, &marker->callback);
	return marker->states;
}

/* A new working state: an expanded object in a grouping aggregate, else plain. */
static TrimmedMeanState *
NewState(FunctionCallInfo fcinfo, int aggkind, MemoryContext aggcontext, int32 trim, int scale)
{
	TrimmedMeanState *state;

	if (aggkind == AGG_CONTEXT_AGGREGATE)
	{
		MemoryContext states = StatesContextFor(fcinfo, aggcontext);

		state = MemoryContextAlloc(states, sizeof(TrimmedMeanState));
		EOH_init_header(&state->header, &TrimmedMeanMethods, states);
	}
	else
		state = palloc(sizeof(TrimmedMeanState));
	InitState(state, trim, scale);
	return state;
}

/*
 * The state argument as a working state this call may update: our own
 * object of this aggregate context as it is, anything else (an initial
 * condition, a state from elsewhere) validated and copied.
 */
static TrimmedMeanState *
WritableState(FunctionCallInfo fcinfo, int argno, int aggkind, MemoryContext aggcontext)
{
	Datum		datum = PG_GETARG_DATUM(argno);
	TrimmedMeanState *source = OwnObject(datum);
	TrimmedMeanState *state;

	if (source != NULL && VARATT_IS_EXTERNAL_EXPANDED_RW(DatumGetPointer(datum)))
	{
		if (aggkind != AGG_CONTEXT_AGGREGATE ||
			MemoryContextGetParent(source->header.eoh_context) != aggcontext)
			elog(ERROR, "trimmed_mean state from another aggregate context");
		return source;
	}
	if (source == NULL)
	{
		source = ReadFlat(PG_GETARG_BYTEA_P(argno));
		if (aggkind != AGG_CONTEXT_AGGREGATE)
			return source;
	}
	state = NewState(fcinfo, aggkind, aggcontext, source->trim, source->scale);
	state->sum = source->sum;
	state->count = source->count;
	if (IsSplit(source))
		Reserve(state, 2 * source->trim * sizeof(int128), 0);
	else
		Reserve(state, source->used, 0);
	memcpy(state->data, source->data, IsSplit(source) ? 2 * source->trim * sizeof(int128) : source->used);
	state->used = source->used;
	state->sorted = source->sorted;
	return state;
}

static Datum
ReturnState(TrimmedMeanState *state, int aggkind)
{
	if (aggkind == AGG_CONTEXT_AGGREGATE)
		return EOHPGetRWDatum(&state->header);
	return PointerGetDatum(Flatten(state));
}

/* ---------- SQL functions ---------- */

/* SQL: transition of thidua.trimmed_mean(numeric, integer) */
Datum
thidua_trimmed_mean_transition(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext;
	int			aggkind = AggCheckCallContext(fcinfo, &aggcontext);
	TrimmedMeanState *state;
	int32		trim;
	int128		value;
	int			scale;

	if (aggkind == 0)
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
		state = WritableState(fcinfo, 0, aggkind, aggcontext);
		if (state->trim != trim)
			ReportTrimChange(state->trim, trim);
		PG_RETURN_DATUM(ReturnState(state, aggkind));
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

	if (PG_ARGISNULL(0))
		state = NewState(fcinfo, aggkind, aggcontext, trim, scale);
	else
	{
		state = WritableState(fcinfo, 0, aggkind, aggcontext);
		if (state->trim != trim)
			ReportTrimChange(state->trim, trim);
	}
	if (scale > state->scale)
		Rescale(state, scale);
	else if (scale < state->scale && !Scale128(value, state->scale - scale, &value))
		ReportOverflow();
	AddValue(state, value);
	PG_RETURN_DATUM(ReturnState(state, aggkind));
}

/* SQL: combine of thidua.trimmed_mean */
Datum
thidua_trimmed_mean_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext;
	int			aggkind = AggCheckCallContext(fcinfo, &aggcontext);
	TrimmedMeanState *state;
	TrimmedMeanState *other;

	if (aggkind == 0)
		elog(ERROR, "thidua_trimmed_mean_combine called in non-aggregate context");
	if (PG_ARGISNULL(0) && PG_ARGISNULL(1))
		PG_RETURN_NULL();
	if (PG_ARGISNULL(1))
		PG_RETURN_DATUM(ReturnState(WritableState(fcinfo, 0, aggkind, aggcontext), aggkind));
	if (PG_ARGISNULL(0))
		PG_RETURN_DATUM(ReturnState(WritableState(fcinfo, 1, aggkind, aggcontext), aggkind));

	other = ReadableState(fcinfo, 1);
	state = WritableState(fcinfo, 0, aggkind, aggcontext);
	if (state == other)
		elog(ERROR, "trimmed_mean state combined with itself");
	if (state->trim != other->trim)
		ReportTrimChange(state->trim, other->trim);
	Merge(state, other);
	PG_RETURN_DATUM(ReturnState(state, aggkind));
}

/* SQL: final of thidua.trimmed_mean */
Datum
thidua_trimmed_mean_final(PG_FUNCTION_ARGS)
{
	TrimmedMeanState *state;
	int128		kept;
	int64		kept_count;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	state = ReadableState(fcinfo, 0);
	if (state->count == 0)
		PG_RETURN_NULL();
	kept = state->sum;
	kept_count = state->count;
	if (IsSplit(state))
	{
		for (int i = 0; i < 2 * state->trim; i++)
			if (__builtin_sub_overflow(kept, Heaps(state)[i], &kept))
				ReportOverflow();
		kept_count = state->count - 2 * (int64) state->trim;
	}
	PG_RETURN_DATUM(DirectFunctionCall2(numeric_div,
										NumericGetDatum(Int128ToNumeric(kept, state->scale)),
										NumericGetDatum(int64_to_numeric(kept_count))));
}
