/*
 * score_state.c
 *		The bytea transition state of the scoring aggregates (see score_state.h).
 */
#include "postgres.h"

#include "mb/pg_wchar.h"

#include "score_state.h"
#include "state_format.h"

#define OFFSET_MAGIC		VARHDRSZ
#define OFFSET_FORMAT		(VARHDRSZ + 2)
#define OFFSET_CONTENT		(VARHDRSZ + 3)
#define OFFSET_SLOTS		(VARHDRSZ + 4)
#define OFFSET_FINGERPRINT	(VARHDRSZ + 8)
#define OFFSET_CODE_LENGTH	(VARHDRSZ + 16)
#define OFFSET_CODE			(VARHDRSZ + 18)
#define MAX_CODE_LENGTH		256

static ScoreStateLayout
ComputeLayout(ScoreContent content, int nslots, int code_length)
{
	ScoreStateLayout layout;

	layout.content = content;
	layout.slot_size = content == SCORE_POINTS ? sizeof(int32) : sizeof(int64);
	layout.nslots = nslots;
	layout.code_length = code_length;
	layout.values_offset = TYPEALIGN(8, OFFSET_CODE + code_length);
	layout.total_size = layout.values_offset + nslots * layout.slot_size;
	return layout;
}

ScoreStateLayout
ScoreStateLayoutFor(const CompiledVersion *version, ScoreContent content)
{
	return ComputeLayout(content, version->ncriteria, version->code_length);
}

bytea *
ScoreStateCreate(MemoryContext context, const CompiledVersion *version, ScoreContent content)
{
	ScoreStateLayout layout = ComputeLayout(content, version->ncriteria, version->code_length);
	char	   *state = MemoryContextAllocZero(context, layout.total_size);

	if (version->code_length > MAX_CODE_LENGTH)
		elog(ERROR, "thidua: criteria version code too long");
	SET_VARSIZE(state, layout.total_size);
	state[OFFSET_MAGIC] = 'T';
	state[OFFSET_MAGIC + 1] = 'S';
	state[OFFSET_FORMAT] = SCORE_STATE_FORMAT;
	state[OFFSET_CONTENT] = (char) content;
	StateStore32(state + OFFSET_SLOTS, (uint32) version->ncriteria);
	StateStore64(state + OFFSET_FINGERPRINT, version->fingerprint);
	StateStore16(state + OFFSET_CODE_LENGTH, (uint16) version->code_length);
	memcpy(state + OFFSET_CODE, version->code, version->code_length);
	for (int slot = 0; slot < layout.nslots; slot++)
		ScoreStateSet((bytea *) state, &layout, slot, SCORE_STATE_ABSENT);
	return (bytea *) state;
}

#define CorruptScore(detail) ReportCorruptState("thidua.score", detail)

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
		CorruptScore("The state is shorter than its header.");
	if (p[OFFSET_MAGIC] != 'T' || p[OFFSET_MAGIC + 1] != 'S')
		CorruptScore("The state does not start with the score state magic bytes.");
	if (p[OFFSET_FORMAT] != SCORE_STATE_FORMAT)
		ReportStateFormat("thidua.score", (unsigned char) p[OFFSET_FORMAT], SCORE_STATE_FORMAT);
	if (p[OFFSET_CONTENT] != SCORE_POINTS && p[OFFSET_CONTENT] != SCORE_OBSERVATIONS)
		CorruptScore("The content byte is neither points nor observations.");
	nslots = StateLoad32(p + OFFSET_SLOTS);
	code_length = StateLoad16(p + OFFSET_CODE_LENGTH);
	if (nslots > SCORE_STATE_MAX_SLOTS)
		CorruptScore("The number of criteria is out of range.");
	if (code_length == 0 || code_length > MAX_CODE_LENGTH)
		CorruptScore("The criteria version code length is out of range.");
	layout = ComputeLayout((ScoreContent) p[OFFSET_CONTENT], (int) nslots, code_length);
	if (size != layout.total_size)
		CorruptScore("The state's size does not match its header.");
	if (!pg_verifymbstr(p + OFFSET_CODE, code_length, true))
		CorruptScore("The criteria version code is not valid text.");
	for (int i = OFFSET_CODE + code_length; i < layout.values_offset; i++)
		if (p[i] != 0)
			CorruptScore("The padding after the version code is not zero.");
	for (int slot = 0; slot < layout.nslots; slot++)
	{
		int64		value = ScoreStateGet(state, &layout, slot);

		/* observations are exact to 6 decimals within +-9223372036854 */
		if (value != SCORE_STATE_ABSENT && value != SCORE_STATE_NOT_APPLICABLE &&
			layout.content == SCORE_OBSERVATIONS &&
			(value > PG_INT64_MAX / 1000000 * 1000000 || value < -(PG_INT64_MAX / 1000000 * 1000000)))
			CorruptScore("An observation is out of range.");
	}
	return layout;
}

uint64
ScoreStateFingerprint(const bytea *state)
{
	return StateLoad64((const char *) state + OFFSET_FINGERPRINT);
}

void
ScoreStateCode(const bytea *state, const char **code, int *length)
{
	*code = (const char *) state + OFFSET_CODE;
	*length = StateLoad16((const char *) state + OFFSET_CODE_LENGTH);
}

bool
ScoreStateHas(const bytea *state, const ScoreStateLayout *layout, int slot)
{
	return ScoreStateGet(state, layout, slot) != SCORE_STATE_ABSENT;
}

int64
ScoreStateGet(const bytea *state, const ScoreStateLayout *layout, int slot)
{
	const char *p = (const char *) state + layout->values_offset + slot * layout->slot_size;
	int32		point;

	if (layout->slot_size == sizeof(int64))
		return (int64) StateLoad64(p);
	point = (int32) StateLoad32(p);
	if (point == PG_INT32_MIN)
		return SCORE_STATE_ABSENT;
	if (point == PG_INT32_MIN + 1)
		return SCORE_STATE_NOT_APPLICABLE;
	return point;
}

void
ScoreStateSet(bytea *state, const ScoreStateLayout *layout, int slot, int64 value)
{
	char	   *p = (char *) state + layout->values_offset + slot * layout->slot_size;

	if (layout->slot_size == sizeof(int64))
		StateStore64(p, (uint64) value);
	else
		StateStore32(p, (uint32) (value == SCORE_STATE_ABSENT ? PG_INT32_MIN :
								  value == SCORE_STATE_NOT_APPLICABLE ? PG_INT32_MIN + 1 : (int32) value));
}
