# Demo, part 3: the same zone's data in SQL, as an analyst reads it: the
# functions and aggregates behind the standings. (sourced by scripts/demo)

step "Self-assessments scored in one query: thidua.score and thidua.classify (the standings' self totals)"
sql -c "SELECT u.name AS unit, s.total AS self_total,
               thidua.classify('stp/2019', s.total, v.unit_code IS NOT NULL) AS class,
               v.unit_code IS NOT NULL AS vetoed
        FROM thidua.evaluation_scores('tnb', '2019') s
        JOIN thidua.unit u USING (unit_code)
        LEFT JOIN thidua.veto v ON (v.bloc_code, v.period_code, v.unit_code) = ('tnb', '2019', s.unit_code)
        WHERE s.stage = 'self' ORDER BY s.total DESC, u.name LIMIT 5"

step "Why a total is what it is: thidua.score_detail (sections of Cà Mau's self-assessment)"
sql -c "SELECT i ->> 'code' AS item, i ->> 'kind' AS kind, i ->> 'sum' AS sum, i ->> 'max' AS max,
               i ->> 'points' AS points, i ->> 'capped' AS capped
        FROM (SELECT thidua.score_detail('stp/2019', o.criterion_code, o.observed) AS d
              FROM thidua.evaluation e JOIN thidua.observation o USING (bloc_code, evaluation_id)
              WHERE (e.bloc_code, e.period_code, e.unit_code, e.stage) = ('tnb', '2019', 'CM', 'self')) s,
             jsonb_array_elements(d -> 'items') i
        WHERE i ->> 'kind' <> 'criterion'"

step "Peer totals in the zone: each department scored by the others, never by itself nor by a recused judge"
# the same figures as the standings' peer results (thidua.trimmed_mean, trim 1)
sql -q -c "CREATE TABLE peer_total AS
           SELECT u.name AS unit, j.name AS judge, s.total
           FROM thidua.evaluation_scores('tnb', '2019') s
           JOIN thidua.unit u ON u.unit_code = s.unit_code JOIN thidua.unit j ON j.unit_code = s.judge_code
           WHERE s.stage = 'peer' AND NOT EXISTS (SELECT 1 FROM thidua.recusal r
                 WHERE (r.bloc_code, r.period_code, r.judge_code, r.unit_code) = ('tnb', '2019', s.judge_code, s.unit_code))"
sql -c "SELECT unit, count(*) AS judges, round(avg(total), 2) AS mean,
               round(thidua.trimmed_mean(total, 1), 2) AS trimmed_mean_1, min(total) AS lowest, max(total) AS highest
        FROM peer_total GROUP BY unit ORDER BY thidua.trimmed_mean(total, 1) DESC, unit"

step "Consensus ranking of the same peer totals by the Schulze method: thidua.schulze_ranking"
sql -c "SELECT r ->> 'rank' AS rank, r ->> 'candidate' AS unit
        FROM (SELECT thidua.schulze_ranking(judge, unit, total) AS ranking FROM peer_total) s,
             jsonb_array_elements(ranking) AS r"
