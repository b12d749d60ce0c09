/*
 * rules.c
 *		The scoring rules of criteria, in exact fixed-point arithmetic.
 *
 * Inside a criterion the rule's clamp comes first, then rounding to the
 * version's scale, half away from zero.
 */
#include "postgres.h"

#include "criteria.h"
#include "fixed_point.h"

const char *
RuleName(RuleKind rule)
{
	switch (rule)
	{
		case RULE_PASS_FAIL:
			return "pass_fail";
		case RULE_PROPORTIONAL:
			return "proportional";
		case RULE_BANDS:
			return "bands";
		case RULE_PER_OCCURRENCE:
			return "per_occurrence";
		case RULE_MANUAL:
			return "manual";
		case RULE_LEADER_RELATIVE:
			return "leader_relative";
		case RULE_NONE:
			break;
	}
	return "none";
}

const char *
NotApplicableName(NotApplicable treatment)
{
	switch (treatment)
	{
		case NA_EXCLUDE_AND_RESCALE:
			return "exclude_and_rescale";
		case NA_FULL_POINTS:
			return "full_points";
		case NA_ZERO:
			return "zero";
		case NA_UNDECLARED:
			break;
	}
	return "undeclared";
}

const char *
ItemKindName(ItemKind kind)
{
	switch (kind)
	{
		case ITEM_SECTION:
			return "section";
		case ITEM_CRITERION:
			return "criterion";
		case ITEM_BONUS:
			return "bonus section";
		case ITEM_PENALTY:
			return "penalty section";
	}
	return "item";
}

static void
ReportBadObservation(const CompiledVersion *version, const CompiledItem *item,
					 int64 observed, const char *expected)
{
	char		text[32];

	FixedToTrimmedText(observed, FIXED_SCALE, text);
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("criterion \"%s\" of criteria version \"%s\" (%s) does not accept %s",
					item->code, version->code, RuleName(item->rule), text),
			 errdetail("It accepts %s.", expected)));
}

/* True when a band contains the value. */
static inline bool
BandContains(const Band *band, int64 value)
{
	if (band->has_from && (value < band->from || (value == band->from && !band->from_inclusive)))
		return false;
	if (band->has_to && (value > band->to || (value == band->to && !band->to_inclusive)))
		return false;
	return true;
}

int64
EvaluateRule(const CompiledVersion *version, const CompiledItem *item,
			 int64 observed, RuleTrace *trace)
{
	int			scale = version->scale;
	int64		scale_factor = fixed_pow10[FIXED_SCALE - scale];

	trace->band = 0;
	trace->clamped = false;

	if (ScoredInBloc(item))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("criterion \"%s\" of criteria version \"%s\" (%s) is scored in a bloc's standings",
						item->code, version->code, item->rule == RULE_PROPORTIONAL ? "proportional, target from the pact" :
						RuleName(item->rule)),
				 errdetail("Its points depend on the unit's target or on the bloc's leader."),
				 errhint("thidua.standings scores it; thidua.points_in_bloc gives its points, which score(version, criterion, observed, points_in_bloc) takes.")));

	switch (item->rule)
	{
		case RULE_PASS_FAIL:
			if (observed == 0)
				return 0;
			if (observed == FIXED_ONE)
				return item->max;
			ReportBadObservation(version, item, observed, "1 (done, full points) or 0 (not done)");
			break;

		case RULE_PROPORTIONAL:
			{
				/* max * observed / target, exact; clamped at max, or the ceiling */
				int128		numerator = (int128) item->max_fixed * observed;
				int64		cap = item->max;

				if (observed < 0)
					ReportBadObservation(version, item, observed, "only values of zero or more");
				if (version->allow_over_completion && item->has_ceiling)
					cap = item->ceiling;
				/* numerator / target (at FIXED_SCALE) compared with cap (at scale) */
				if (numerator >= (int128) cap * scale_factor * item->target)
				{
					trace->clamped = numerator > (int128) cap * scale_factor * item->target;
					return cap;
				}
				return (int64) DivideRounded(numerator, (int128) item->target * scale_factor);
			}

		case RULE_BANDS:
			for (int i = 0; i < item->nbands; i++)
			{
				if (BandContains(&item->bands[i], observed))
				{
					trace->band = i + 1;
					return item->bands[i].points;
				}
			}
			return item->otherwise;

		case RULE_PER_OCCURRENCE:
			{
				int128		points;

				if (observed < 0 || observed % FIXED_ONE != 0)
					ReportBadObservation(version, item, observed, "only whole counts of zero or more");
				points = (int128) item->per * (observed / FIXED_ONE);
				if (item->has_floor && points < (int128) item->floor * scale_factor)
				{
					trace->clamped = true;
					return item->floor;
				}
				if (item->has_ceiling && points > (int128) item->ceiling * scale_factor)
				{
					trace->clamped = true;
					return item->ceiling;
				}
				return FixedRound(points, FIXED_SCALE, scale);
			}

		case RULE_MANUAL:
			if (observed < 0 || observed > item->max_fixed)
			{
				char		range[80];
				char		max[32];

				FixedToText(item->max, scale, max);
				snprintf(range, sizeof(range), "points from 0 to %s", max);
				ReportBadObservation(version, item, observed, range);
			}
			return FixedRound(observed, FIXED_SCALE, scale);

		case RULE_LEADER_RELATIVE:
		case RULE_NONE:
			break;
	}
	elog(ERROR, "thidua: item \"%s\" has no rule", item->code);
	return 0;
}

bool
PointsPossible(const CompiledVersion *version, const CompiledItem *item, int64 points)
{
	int64		lowest = PG_INT64_MIN;
	int64		highest = PG_INT64_MAX;

	switch (item->rule)
	{
		case RULE_PASS_FAIL:
			return points == 0 || points == item->max;
		case RULE_PROPORTIONAL:
			return points >= 0 && points <= (version->allow_over_completion && item->has_ceiling ?
											  item->ceiling : item->max);
		case RULE_BANDS:
			if (points == item->otherwise)
				return true;
			for (int i = 0; i < item->nbands; i++)
				if (points == item->bands[i].points)
					return true;
			return false;
		case RULE_PER_OCCURRENCE:
			if (item->per > 0)
				lowest = item->has_floor ? Min(item->floor, 0) : 0;
			else
				highest = item->has_ceiling ? Max(item->ceiling, 0) : 0;
			if (item->has_floor)
				lowest = Max(lowest, item->floor);
			if (item->has_ceiling)
				highest = Min(highest, item->ceiling);
			return points >= lowest && points <= highest;
		case RULE_MANUAL:
		case RULE_LEADER_RELATIVE:
			return points >= 0 && points <= item->max;
		case RULE_NONE:
			break;
	}
	return false;
}

void
CheckInBlocObservation(const CompiledVersion *version, const CompiledItem *item, int64 observed)
{
	if (observed < 0)
		ReportBadObservation(version, item, observed, "only values of zero or more");
}

/* a * b, or an error naming the criterion when it does not fit */
static int128
Multiply(const CompiledVersion *version, const CompiledItem *item, int128 a, int128 b)
{
	int128		product;

	if (__builtin_mul_overflow(a, b, &product))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("points of criterion \"%s\" of criteria version \"%s\" are out of range",
						item->code, version->code),
				 errdetail("The observation, targets and maximum are too large to combine exactly.")));
	return product;
}

int64
EvaluateInBloc(const CompiledVersion *version, const CompiledItem *item, int64 observed,
			   int64 target, int64 leader_observed, int64 leader_target, RuleTrace *trace)
{
	int64		max = item->max;
	int128		above;			/* A*TL - AL*T: the unit against the leader */

	trace->band = 0;
	trace->clamped = false;
	CheckInBlocObservation(version, item, observed);
	if (target <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("criterion \"%s\" of criteria version \"%s\" needs a target above zero",
						item->code, version->code)));
	if (item->rule == RULE_PROPORTIONAL)
	{
		CompiledItem with_target = *item;

		with_target.target = target;
		with_target.target_from_pact = false;
		return EvaluateRule(version, &with_target, observed, trace);
	}

	/*
	 * leader_relative: c = A/T, L = AL/TL. Below or at target: max/2 * c; the
	 * leader (c = L > 1): max; in between: max/2 + max/2 * (c - 1)/(L - 1),
	 * that is max * (T*(AL - TL) + (A - T)*TL) / (2*T*(AL - TL)). Exact.
	 */
	if (leader_target <= 0 || leader_observed < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("criterion \"%s\" of criteria version \"%s\" needs the leader's observation and a target above zero",
						item->code, version->code)));
	above = Multiply(version, item, observed, leader_target) - Multiply(version, item, leader_observed, target);
	if (above > 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("criterion \"%s\" of criteria version \"%s\": the leader's completion is below the unit's",
						item->code, version->code),
				 errdetail("The leader is the unit of the highest completion (observed / target) in the bloc.")));
	if (observed <= target)
		return (int64) DivideRounded(Multiply(version, item, max, observed), (int128) 2 * target);
	if (above == 0)
	{
		trace->band = 1;		/* the leader */
		return max;
	}
	{
		int128		leader_margin = (int128) leader_observed - leader_target;	/* > 0 here */
		int128		numerator = Multiply(version, item, target, leader_margin) +
			Multiply(version, item, (int128) observed - target, leader_target);

		return (int64) DivideRounded(Multiply(version, item, max, numerator),
									 Multiply(version, item, Multiply(version, item, 2, target), leader_margin));
	}
}
