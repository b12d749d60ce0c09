/*
 * state_format.h
 *		Helpers for aggregate states shipped as bytea between processes and
 *		machines (parallel workers, Citus): little-endian, unaligned-safe
 *		reads and writes, and the error for a state that fails validation.
 */
#ifndef THIDUA_STATE_FORMAT_H
#define THIDUA_STATE_FORMAT_H

#include "postgres.h"

#include "fmgr.h"
#include "port/pg_bswap.h"

#ifdef WORDS_BIGENDIAN
#define STATE_LE64(x) pg_bswap64(x)
#define STATE_LE32(x) pg_bswap32(x)
#define STATE_LE16(x) pg_bswap16(x)
#else
#define STATE_LE64(x) (x)
#define STATE_LE32(x) (x)
#define STATE_LE16(x) (x)
#endif

static inline uint64
StateLoad64(const char *p)
{
	uint64		v;

	memcpy(&v, p, sizeof(v));
	return STATE_LE64(v);
}

static inline uint32
StateLoad32(const char *p)
{
	uint32		v;

	memcpy(&v, p, sizeof(v));
	return STATE_LE32(v);
}

static inline uint16
StateLoad16(const char *p)
{
	uint16		v;

	memcpy(&v, p, sizeof(v));
	return STATE_LE16(v);
}

static inline void
StateStore64(char *p, uint64 v)
{
	v = STATE_LE64(v);
	memcpy(p, &v, sizeof(v));
}

static inline void
StateStore32(char *p, uint32 v)
{
	v = STATE_LE32(v);
	memcpy(p, &v, sizeof(v));
}

static inline void
StateStore16(char *p, uint16 v)
{
	v = STATE_LE16(v);
	memcpy(p, &v, sizeof(v));
}

/* 128-bit values as two little-endian halves, low first. */
static inline int128
StateLoad128(const char *p)
{
	uint64		low = StateLoad64(p);
	int64		high = (int64) StateLoad64(p + 8);

	return (int128) (((uint128) (uint64) high << 64) | low);
}

static inline void
StateStore128(char *p, int128 v)
{
	StateStore64(p, (uint64) (uint128) v);
	StateStore64(p + 8, (uint64) ((uint128) v >> 64));
}

/*
 * Whether every non-NULL state a transition function receives was built by
 * that transition itself (or is its aggregate's own initial condition): true
 * when an Agg node calls it for an aggregate of this extension. Otherwise (an
 * aggregate of the user's, with an initial condition or an inverse function
 * of its own, or a window aggregate) the state must be validated on every
 * call. The answer is cached in *origin (0: not yet known).
 */
extern bool TransitionStateIsOwn(FunctionCallInfo fcinfo, int *origin);

/* The same, cached in fn_extra, for support functions with no other use of it. */
extern bool TransitionStateIsOwnCached(FunctionCallInfo fcinfo);

/* Raises the error for a state that fails validation. */
extern void ReportCorruptState(const char *aggregate, const char *detail) pg_attribute_noreturn();

/* Raises the error for a state of a format this library does not read. */
extern void ReportStateFormat(const char *aggregate, int found, int expected) pg_attribute_noreturn();

#endif							/* THIDUA_STATE_FORMAT_H */
