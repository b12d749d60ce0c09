/*
 * consensus.c
 *		thidua.schulze_ranking (consensus ranking of peers' scores) and
 *		thidua.judge_leniency (how far each judge sits from the others), the
 *		finals over the judgments state (judgments.c).
 */
#include "postgres.h"

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "fixed_point.h"
#include "judgments.h"

PG_FUNCTION_INFO_V1(thidua_schulze_final);
PG_FUNCTION_INFO_V1(thidua_leniency_final);

#define SCHULZE_MAX_CANDIDATES 2000

/*
 * SQL: final of thidua.schulze_ranking -> jsonb [{"candidate", "rank"}, ...]
 *
 * d[a][b] counts the judges who scored both and gave a more than b; the
 * strongest path strengths p come from Floyd-Warshall's widest paths, and a
 * beats b when p[a][b] > p[b][a]. That relation is a strict partial order;
 * a candidate's rank is one more than the number of candidates that beat it,
 * so candidates beaten by equally many share a rank. O(J C^2 + C^3).
 */
Datum
thidua_schulze_final(PG_FUNCTION_ARGS)
{
	JudgmentSet *set;
	int			c;
	int		   *d;
	int		   *p;
	int		   *beaten_by;
	int		   *order;
	StringInfoData out;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	set = ReadJudgments(PG_GETARG_BYTEA_P(0), "schulze_ranking");
	c = set->ncandidates;
	if (c > SCHULZE_MAX_CANDIDATES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("schulze_ranking: %d candidates in one group, at most %d", c, SCHULZE_MAX_CANDIDATES)));
	d = palloc0(sizeof(int) * Max(c * c, 1));
	p = palloc0(sizeof(int) * Max(c * c, 1));
	for (int judge = 0; judge < set->njudges; judge++)
	{
		for (int a = 0; a < c; a++)
		{
			int64		score_a = set->matrix[(int64) a * set->njudges + judge];

			if (score_a == JUDGMENT_NONE)
				continue;
			for (int b = 0; b < c; b++)
			{
				int64		score_b = set->matrix[(int64) b * set->njudges + judge];

				if (score_b != JUDGMENT_NONE && score_a > score_b)
					d[a * c + b]++;
			}
		}
	}
	for (int a = 0; a < c; a++)
		for (int b = 0; b < c; b++)
			if (a != b && d[a * c + b] > d[b * c + a])
				p[a * c + b] = d[a * c + b];
	for (int i = 0; i < c; i++)
		for (int j = 0; j < c; j++)
		{
			if (i == j)
				continue;
			for (int k = 0; k < c; k++)
				if (i != k && j != k)
					p[j * c + k] = Max(p[j * c + k], Min(p[j * c + i], p[i * c + k]));
		}

	beaten_by = palloc0(sizeof(int) * Max(c, 1));
	for (int a = 0; a < c; a++)
		for (int b = 0; b < c; b++)
			if (p[b * c + a] > p[a * c + b])
				beaten_by[a]++;

	/* by rank, then by name (candidates are already sorted by name) */
	order = palloc(sizeof(int) * Max(c, 1));
	for (int i = 0; i < c; i++)
		order[i] = i;
	for (int i = 1; i < c; i++)
	{
		int			v = order[i];
		int			j = i;

		while (j > 0 && beaten_by[order[j - 1]] > beaten_by[v])
		{
			order[j] = order[j - 1];
			j--;
		}
		order[j] = v;
	}

	initStringInfo(&out);
	appendStringInfoChar(&out, '[');
	for (int i = 0; i < c; i++)
	{
		appendStringInfoString(&out, i > 0 ? ", {\"candidate\": " : "{\"candidate\": ");
		escape_json(&out, set->candidates[order[i]]);
		appendStringInfo(&out, ", \"rank\": %d}", beaten_by[order[i]] + 1);
	}
	appendStringInfoChar(&out, ']');
	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(out.data)));
}

static Numeric
Num(int64 millionths)
{
	return FixedToNumeric(millionths, FIXED_SCALE);
}

static Numeric
Add(Numeric a, Numeric b)
{
	return DatumGetNumeric(DirectFunctionCall2(numeric_add, NumericGetDatum(a), NumericGetDatum(b)));
}

static Numeric
Sub(Numeric a, Numeric b)
{
	return DatumGetNumeric(DirectFunctionCall2(numeric_sub, NumericGetDatum(a), NumericGetDatum(b)));
}

static Numeric
Mul(Numeric a, Numeric b)
{
	return DatumGetNumeric(DirectFunctionCall2(numeric_mul, NumericGetDatum(a), NumericGetDatum(b)));
}

static Numeric
Div(Numeric a, int64 b)
{
	return DatumGetNumeric(DirectFunctionCall2(numeric_div, NumericGetDatum(a),
											   NumericGetDatum(int64_to_numeric(b))));
}

/* Appends a numeric rounded to 6 decimal places. */
static void
AppendNumber(StringInfo out, const char *key, Numeric value)
{
	Numeric		rounded = DatumGetNumeric(DirectFunctionCall2(numeric_round, NumericGetDatum(value),
															  Int32GetDatum(FIXED_SCALE)));

	appendStringInfo(out, ", \"%s\": %s", key,
					 DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(rounded))));
}

/*
 * SQL: final of thidua.judge_leniency -> jsonb
 *
 * Per judge: how many scores, their mean, and the mean offset of its scores
 * from the mean of the other judges' scores of the same candidates (over the
 * candidates some other judge scored too). Per score: its z-score within the
 * judge's own scores (population standard deviation; null when a judge gave
 * fewer than two distinct scores). Advisory only: it changes no result.
 */
Datum
thidua_leniency_final(PG_FUNCTION_ARGS)
{
	JudgmentSet *set;
	int64	   *candidate_sum;	/* millionths */
	int		   *candidate_count;
	StringInfoData out;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	set = ReadJudgments(PG_GETARG_BYTEA_P(0), "judge_leniency");
	candidate_sum = palloc0(sizeof(int64) * Max(set->ncandidates, 1));
	candidate_count = palloc0(sizeof(int) * Max(set->ncandidates, 1));
	for (int c = 0; c < set->ncandidates; c++)
		for (int j = 0; j < set->njudges; j++)
		{
			int64		score = set->matrix[(int64) c * set->njudges + j];

			if (score != JUDGMENT_NONE)
			{
				candidate_sum[c] = FixedAdd(candidate_sum[c], score);
				candidate_count[c]++;
			}
		}

	initStringInfo(&out);
	appendStringInfoString(&out, "{\"judges\": [");
	for (int j = 0; j < set->njudges; j++)
	{
		Numeric		sum = Num(0);
		Numeric		offsets = Num(0);
		int			n = 0;
		int			compared = 0;

		for (int c = 0; c < set->ncandidates; c++)
		{
			int64		score = set->matrix[(int64) c * set->njudges + j];

			if (score == JUDGMENT_NONE)
				continue;
			n++;
			sum = Add(sum, Num(score));
			if (candidate_count[c] > 1)
			{
				/* score - mean of the others' scores of c */
				offsets = Add(offsets, Sub(Num(score), Div(Num(candidate_sum[c] - score), candidate_count[c] - 1)));
				compared++;
			}
		}
		appendStringInfoString(&out, j > 0 ? ", {\"judge\": " : "{\"judge\": ");
		escape_json(&out, set->judges[j]);
		appendStringInfo(&out, ", \"scores\": %d", n);
		AppendNumber(&out, "mean", Div(sum, n));
		if (compared > 0)
			AppendNumber(&out, "mean_offset", Div(offsets, compared));
		else
			appendStringInfoString(&out, ", \"mean_offset\": null");
		appendStringInfoChar(&out, '}');
	}

	appendStringInfoString(&out, "], \"scores\": [");
	{
		bool		first = true;

		for (int j = 0; j < set->njudges; j++)
		{
			Numeric		sum = Num(0);
			Numeric		squares = Num(0);
			Numeric		mean;
			Numeric		deviation = NULL;
			int			n = 0;

			for (int c = 0; c < set->ncandidates; c++)
			{
				int64		score = set->matrix[(int64) c * set->njudges + j];

				if (score != JUDGMENT_NONE)
				{
					sum = Add(sum, Num(score));
					n++;
				}
			}
			mean = Div(sum, n);
			for (int c = 0; c < set->ncandidates; c++)
			{
				int64		score = set->matrix[(int64) c * set->njudges + j];

				if (score != JUDGMENT_NONE)
				{
					Numeric		delta = Sub(Num(score), mean);

					squares = Add(squares, Mul(delta, delta));
				}
			}
			if (DatumGetInt32(DirectFunctionCall2(numeric_cmp, NumericGetDatum(squares),
												  NumericGetDatum(Num(0)))) > 0)
				deviation = DatumGetNumeric(DirectFunctionCall1(numeric_sqrt,
																NumericGetDatum(Div(squares, n))));
			for (int c = 0; c < set->ncandidates; c++)
			{
				int64		score = set->matrix[(int64) c * set->njudges + j];

				if (score == JUDGMENT_NONE)
					continue;
				appendStringInfoString(&out, first ? "{\"judge\": " : ", {\"judge\": ");
				first = false;
				escape_json(&out, set->judges[j]);
				appendStringInfoString(&out, ", \"candidate\": ");
				escape_json(&out, set->candidates[c]);
				{
					char		text[32];

					FixedToTrimmedText(score, FIXED_SCALE, text);
					appendStringInfo(&out, ", \"score\": %s", text);
				}
				if (deviation != NULL)
					AppendNumber(&out, "z", DatumGetNumeric(DirectFunctionCall2(numeric_div,
																				NumericGetDatum(Sub(Num(score), mean)),
																				NumericGetDatum(deviation))));
				else
					appendStringInfoString(&out, ", \"z\": null");
				appendStringInfoChar(&out, '}');
			}
		}
	}
	appendStringInfoString(&out, "]}");
	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(out.data)));
}
