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
			return points >= 0 && points <= item->max;
		case RULE_NONE:
			break;
	}
	return false;
}
