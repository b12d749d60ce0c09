/*
 * score_state.h
 *		The transition state of thidua.score and thidua.score_detail.
 *
 * A bytea, so that Citus and parallel query can ship and combine it; laid out
 * little-endian and free of OIDs:
 *
 *	 bytes 0-1	 magic "TS"
 *	 byte  2	 format version (SCORE_STATE_FORMAT)
 *	 byte  3	 content: SCORE_POINTS or SCORE_OBSERVATIONS
 *	 bytes 4-7	 number of criteria (slots)
 *	 bytes 8-15  fingerprint of the criteria version's content
 *	 bytes 16-17 length of the version code, then the code
 *	 then, 8-byte aligned, one value per criterion (slot), or "absent" (the
 *	 type's minimum), or "not applicable" (the minimum + 1; format 2 on):
 *	 thidua.score keeps the points (int32, at the version's
 *	 rounding scale), which is all a total needs and half the bytes to ship
 *	 and combine; thidua.score_detail keeps the observations (int64, in
 *	 millionths), which the breakdown reports.
 *
 * Offsets count from the start of the varlena, so our own states (palloc'd,
 * hence aligned) are updated in place; states from outside are read with
 * memcpy and validated byte by byte first. The transition touches only the
 * slot it sets: with many groups, every other byte it read would be a cache
 * miss per row.
 */
#ifndef THIDUA_SCORE_STATE_H
#define THIDUA_SCORE_STATE_H

#include "postgres.h"

#include "criteria.h"

/* 2: slots may say "not applicable" (0.6.0); format 1 is refused */
#define SCORE_STATE_FORMAT 2
#define SCORE_STATE_MAX_SLOTS 100000
#define SCORE_STATE_ABSENT PG_INT64_MIN
#define SCORE_STATE_NOT_APPLICABLE (PG_INT64_MIN + 1)

typedef enum ScoreContent
{
	SCORE_POINTS = 1,
	SCORE_OBSERVATIONS = 2
} ScoreContent;

typedef struct ScoreStateLayout
{
	ScoreContent content;
	int			slot_size;		/* 4 for points, 8 for observations */
	int			nslots;
	int			code_length;
	int			values_offset;
	int			total_size;
} ScoreStateLayout;

/* The layout of a state for that version and content. */
extern ScoreStateLayout ScoreStateLayoutFor(const CompiledVersion *version, ScoreContent content);

/* A new, empty state for a version, allocated in 'context'. */
extern bytea *ScoreStateCreate(MemoryContext context, const CompiledVersion *version,
							   ScoreContent content);

/* Validates a state from anywhere; returns its layout or raises an error. */
extern ScoreStateLayout ScoreStateValidate(const bytea *state);

extern uint64 ScoreStateFingerprint(const bytea *state);
extern void ScoreStateCode(const bytea *state, const char **code, int *length);
/* Has an observation or a not-applicable marking. */
extern bool ScoreStateHas(const bytea *state, const ScoreStateLayout *layout, int slot);
extern int64 ScoreStateGet(const bytea *state, const ScoreStateLayout *layout, int slot);
extern void ScoreStateSet(bytea *state, const ScoreStateLayout *layout, int slot, int64 value);

#endif							/* THIDUA_SCORE_STATE_H */
