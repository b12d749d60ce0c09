/*
 * criteria.h
 *		A criteria version compiled for scoring, and the rules of its criteria.
 *
 * Observations and rule parameters are integers at FIXED_SCALE (millionths);
 * points, maxima, caps and floors are integers at the version's rounding
 * scale. Validation at import guarantees both representations are exact.
 */
#ifndef THIDUA_CRITERIA_H
#define THIDUA_CRITERIA_H

#include "postgres.h"

#include "utils/numeric.h"

typedef enum ItemKind
{
	ITEM_SECTION,
	ITEM_CRITERION,
	ITEM_BONUS,
	ITEM_PENALTY
} ItemKind;

typedef enum RuleKind
{
	RULE_NONE,					/* not a criterion */
	RULE_PASS_FAIL,
	RULE_PROPORTIONAL,
	RULE_BANDS,
	RULE_PER_OCCURRENCE,
	RULE_MANUAL,
	RULE_LEADER_RELATIVE		/* scored in the bloc: against the bloc's leader */
} RuleKind;

/* Which part of the total an item counts toward. */
typedef enum ItemPart
{
	PART_MAIN,
	PART_BONUS,
	PART_PENALTY
} ItemPart;

typedef struct Band
{
	bool		has_from;
	bool		from_inclusive;
	bool		has_to;
	bool		to_inclusive;
	int64		from;			/* FIXED_SCALE */
	int64		to;				/* FIXED_SCALE */
	int64		points;			/* rounding scale */
} Band;

typedef struct CompiledItem
{
	char	   *code;
	int			parent;			/* index of the parent item, -1 at the top */
	ItemKind	kind;
	RuleKind	rule;
	ItemPart	part;
	int			slot;			/* criterion number in the aggregate state, else -1 */
	bool		has_max;
	int64		max;			/* rounding scale */
	int64		max_fixed;		/* FIXED_SCALE, for formulas */
	int64		target;			/* proportional, leader_relative, FIXED_SCALE */
	bool		target_from_pact;	/* the unit's target registered in the bloc's pact */
	bool		has_ceiling;
	int64		ceiling;		/* proportional over-completion / per_occurrence, rounding scale */
	int64		per;			/* per_occurrence, FIXED_SCALE */
	bool		has_floor;
	int64		floor;			/* per_occurrence, or a section's floor; rounding scale */
	int			nbands;
	Band	   *bands;
	int64		otherwise;		/* bands, rounding scale */
} CompiledItem;

typedef enum TieKeyKind
{
	TIE_TOTAL,
	TIE_BONUS,
	TIE_PENALTY,
	TIE_SECTION
} TieKeyKind;

/* What a criterion marked not applicable to a unit counts for (version setting). */
typedef enum NotApplicable
{
	NA_UNDECLARED,				/* the version does not say: markings are refused */
	NA_EXCLUDE_AND_RESCALE,		/* left out; the main part rescaled to the standard total */
	NA_FULL_POINTS,				/* the criterion's standard points */
	NA_ZERO						/* 0 points */
} NotApplicable;

typedef struct TieKey
{
	TieKeyKind	kind;
	int			item;			/* TIE_SECTION: the section's item index */
	char	   *name;			/* as written: total, section:I, ... */
} TieKey;

typedef struct CompiledVersion
{
	char	   *code;
	int			code_length;
	bool		is_draft;
	Oid			compiled_by;	/* the role whose rights read it: drafts are not for everyone */
	bool		valid;			/* false once an invalidation made it stale */
	int			scale;			/* rounding scale of points */
	bool		allow_over_completion;
	NotApplicable not_applicable;
	int			nitems;
	CompiledItem *items;		/* in document order */
	int		   *bottom_up;		/* item indexes, every child before its parent */
	int			ncriteria;
	int		   *slot_item;		/* slot -> item index */
	int			lookup_size;	/* power of two */
	int		   *lookup;			/* open-addressing table of item indexes, -1 empty */
	int			nclasses;
	char	  **class_labels;
	Numeric    *class_bounds;	/* NULL: otherwise */
	int			veto_class;		/* index of the best class a vetoed unit may get, or -1 */
	int			ntiebreak;
	TieKey	   *tiebreak;
	uint64		fingerprint;	/* of everything scoring depends on */
	MemoryContext context;
} CompiledVersion;

/* The compiled version with that code; compiles it on first use. */
extern CompiledVersion *GetCompiledVersion(const char *code, int code_length);

/*
 * Per call site cache (fn_extra): the last version used, re-fetched only when
 * the code differs or an invalidation happened.
 */
typedef struct VersionCallCache
{
	uint64		generation;
	CompiledVersion *version;
	int			last_item;		/* the item found last, for FindCriterionAfter */
	int			constant_version;	/* the version argument is a constant: 1, not: 0, unknown: -1 */
	int			state_origin;	/* for TransitionStateIsOwn */
} VersionCallCache;

extern CompiledVersion *GetCompiledVersionCached(FunctionCallInfo fcinfo, text *code);

/* The item with that code, or -1. */
extern int	FindItem(const CompiledVersion *version, const char *code, int length);

/* The criterion with that code, or an error naming it and the version. */
extern const CompiledItem *FindCriterion(const CompiledVersion *version, const char *code, int length);

/*
 * FindCriterion for rows that usually come in the version's order: tries the
 * item after the last one found before hashing.
 */
extern const CompiledItem *FindCriterionAfter(const CompiledVersion *version, const char *code,
											  int length, VersionCallCache *cache);

/* Records why a rule gave its points, for score_detail. */
typedef struct RuleTrace
{
	int			band;			/* bands: the band that matched (1-based), 0: otherwise */
	bool		clamped;		/* a cap, ceiling or floor applied */
} RuleTrace;

/*
 * Points (at the version's rounding scale) of one observation (FIXED_SCALE)
 * under a criterion's rule; bad observations raise errors naming the criterion.
 */
extern int64 EvaluateRule(const CompiledVersion *version, const CompiledItem *item,
						  int64 observed, RuleTrace *trace);

/* Whether a criterion's rule can give those points (to check states from outside). */
extern bool PointsPossible(const CompiledVersion *version, const CompiledItem *item, int64 points);

/*
 * Whether a criterion's points depend on the bloc, known only in its standings:
 * a target from the unit's pact, or points relative to the bloc's leader.
 */
static inline bool
ScoredInBloc(const CompiledItem *item)
{
	return item->rule == RULE_LEADER_RELATIVE || item->target_from_pact;
}

/* Refuses an observation a criterion scored in the bloc cannot take (below zero). */
extern void CheckInBlocObservation(const CompiledVersion *version, const CompiledItem *item,
								   int64 observed);

/*
 * Points of a criterion scored in the bloc: the unit's observation against its
 * target and, for leader_relative, the leader's observation and target (all
 * FIXED_SCALE). Errors name the criterion.
 */
extern int64 EvaluateInBloc(const CompiledVersion *version, const CompiledItem *item, int64 observed,
							int64 target, int64 leader_observed, int64 leader_target, RuleTrace *trace);

/*
 * A criterion's standard points (điểm chuẩn): its max; a per_occurrence
 * criterion without one stands for 0.
 */
static inline int64
StandardPoints(const CompiledItem *item)
{
	return item->has_max ? item->max : 0;
}

extern const char *NotApplicableName(NotApplicable treatment);
extern const char *RuleName(RuleKind rule);
extern const char *ItemKindName(ItemKind kind);

#endif							/* THIDUA_CRITERIA_H */
