/*
 * score_state.c
 *		The bytea transition state of the scoring aggregates (see score_state.h).
 */
#include "postgres.h"

#include "mb/pg_wchar.h"
#include "port/pg_bswap.h"

#include "score_state.h"

#define OFFSET_MAGIC		VARHDRSZ
#define OFFSET_FORMAT		(VARHDRSZ + 2)
#define OFFSET_RESERVED		(VARHDRSZ + 3)
#define OFFSET_SLOTS		(VARHDRSZ + 4)
#define OFFSET_FINGERPRINT	(VARHDRSZ + 8)
#define OFFSET_CODE_LENGTH	(VARHDRSZ + 16)
#define OFFSET_CODE			(VARHDRSZ + 18)
#define MAX_CODE_LENGTH		256

#ifdef WORDS_BIGENDIAN
#define ToLE64(x) pg_bswap64(x)
#define ToLE32(x) pg_bswap32(x)
#define ToLE16(x) pg_bswap16(x)
#else
#define ToLE64(x) (x)
#define ToLE32(x) (x)
#define ToLE16(x) (x)
#endif

static inline uint64
Load64(const char *p)
{
	uint64		v;

	memcpy(&v, p, sizeof(v));
	return ToLE64(v);
}

static inline uint32
Load32(const char *p)
{
	uint32		v;

	memcpy(&v, p, sizeof(v));
	return ToLE32(v);
}

static inline uint16
Load16(const char *p)
{
	uint16		v;

	memcpy(&v, p, sizeof(v));
	return ToLE16(v);
}

static inline void
Store64(char *p, uint64 v)
{
	v = ToLE64(v);
	memcpy(p, &v, sizeof(v));
}

static ScoreStateLayout
ComputeLayout(int nslots, int code_length)
{
	ScoreStateLayout layout;

	layout.nslots = nslots;
	layout.code_length = code_length;
	layout.values_offset = TYPEALIGN(8, OFFSET_CODE + code_length);
	layout.total_size = layout.values_offset + nslots * (int) sizeof(int64);
	return layout;
}

ScoreStateLayout
ScoreStateLayoutFor(const CompiledVersion *version)
{
	return ComputeLayout(version->ncriteria, version->code_length);
}

bytea *
ScoreStateCreate(MemoryContext context, const CompiledVersion *version)
{
	ScoreStateLayout layout = ComputeLayout(version->ncriteria, version->code_length);
	char	   *state = MemoryContextAllocZero(context, layout.total_size);
	uint32		slots = ToLE32((uint32) version->ncriteria);
	uint16		code_length = ToLE16((uint16) version->code_length);

	if (version->code_length > MAX_CODE_LENGTH)
		elog(ERROR, "thidua: criteria version code too long");
	SET_VARSIZE(state, layout.total_size);
	state[OFFSET_MAGIC] = 'T';
	state[OFFSET_MAGIC + 1] = 'S';
	state[OFFSET_FORMAT] = SCORE_STATE_FORMAT;
	memcpy(state + OFFSET_SLOTS, &slots, sizeof(slots));
	Store64(state + OFFSET_FINGERPRINT, version->fingerprint);
	memcpy(state + OFFSET_CODE_LENGTH, &code_length, sizeof(code_length));
	memcpy(state + OFFSET_CODE, version->code, version->code_length);
	for (int slot = 0; slot < layout.nslots; slot++)
		Store64(state + layout.values_offset + slot * sizeof(int64), (uint64) SCORE_STATE_ABSENT);
	return (bytea *) state;
}

static void
pg_attribute_noreturn()
ReportCorruptState(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("invalid thidua score state"),
			 errdetail("%s", detail),
			 errhint("Partial states must come from thidua.score or thidua.score_detail of the same thidua release.")));
}

ScoreStateLayout
ScoreStateValidate(const bytea *state)
{
	const char *p = (const char *) state;
	int			size;
	uint32		nslots;
	uint16		code_length;
	ScoreStateLayout layout;

	if (VARATT_IS_EXTENDED(state))
		elog(ERROR, "thidua: score state must be detoasted before use");
	size = VARSIZE(state);
	if (size < OFFSET_CODE)
		ReportCorruptState("The state is shorter than its header.");
	if (p[OFFSET_MAGIC] != 'T' || p[OFFSET_MAGIC + 1] != 'S')
		ReportCorruptState("The state does not start with the score state magic bytes.");
	if (p[OFFSET_FORMAT] != SCORE_STATE_FORMAT)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("thidua score state format %d is not supported", (int) (unsigned char) p[OFFSET_FORMAT]),
				 errdetail("This library reads format %d.", SCORE_STATE_FORMAT),
				 errhint("Run the same thidua release on every node.")));
	if (p[OFFSET_RESERVED] != 0)
		ReportCorruptState("A reserved header byte is not zero.");
	nslots = Load32(p + OFFSET_SLOTS);
	code_length = Load16(p + OFFSET_CODE_LENGTH);
	if (nslots > SCORE_STATE_MAX_SLOTS)
		ReportCorruptState("The number of criteria is out of range.");
	if (code_length == 0 || code_length > MAX_CODE_LENGTH)
		ReportCorruptState("The criteria version code length is out of range.");
	layout = ComputeLayout((int) nslots, code_length);
	if (size != layout.total_size)
		ReportCorruptState("The state's size does not match its header.");
	if (!pg_verifymbstr(p + OFFSET_CODE, code_length, true))
		ReportCorruptState("The criteria version code is not valid text.");
	for (int i = OFFSET_CODE + code_length; i < layout.values_offset; i++)
		if (p[i] != 0)
			ReportCorruptState("The padding after the version code is not zero.");
	for (int slot = 0; slot < layout.nslots; slot++)
	{
		int64		value = ScoreStateGet(state, &layout, slot);

		/* observations are exact to 6 decimals within +-9223372036854 */
		if (value != SCORE_STATE_ABSENT && (value > PG_INT64_MAX / 1000000 * 1000000 ||
											value < -(PG_INT64_MAX / 1000000 * 1000000)))
			ReportCorruptState("An observation is out of range.");
	}
	return layout;
}

uint64
ScoreStateFingerprint(const bytea *state)
{
	return Load64((const char *) state + OFFSET_FINGERPRINT);
}

void
ScoreStateCode(const bytea *state, const char **code, int *length)
{
	*code = (const char *) state + OFFSET_CODE;
	*length = Load16((const char *) state + OFFSET_CODE_LENGTH);
}

bool
ScoreStateHas(const bytea *state, const ScoreStateLayout *layout, int slot)
{
	return ScoreStateGet(state, layout, slot) != SCORE_STATE_ABSENT;
}

int64
ScoreStateGet(const bytea *state, const ScoreStateLayout *layout, int slot)
{
	return (int64) Load64((const char *) state + layout->values_offset + slot * sizeof(int64));
}

void
ScoreStateSet(bytea *state, const ScoreStateLayout *layout, int slot, int64 observed)
{
	Store64((char *) state + layout->values_offset + slot * sizeof(int64), (uint64) observed);
}
