# Demo: peers of the emulation zone score each other; consensus and leniency;
# streaks of yearly results. (sourced by scripts/demo)

step "Peer totals in the zone (each department scores the others, never itself)"
sql -q <<'SQL'
CREATE TABLE peer_total (judge text, unit text, total numeric);
-- Deterministic scores: a unit's merit, the judge's leniency, a small disagreement.
INSERT INTO peer_total
SELECT j.name, u.name, round(u.merit + j.leniency + ((ascii(j.name) * 7 + ascii(u.name) * 3) % 5) * 0.25, 2)
FROM (VALUES ('Đồng Tháp', 95.5), ('An Giang', 93.0), ('Cần Thơ', 92.75), ('Long An', 90.0),
             ('Tiền Giang', 88.5), ('Bến Tre', 88.5)) AS u(name, merit)
JOIN (VALUES ('Đồng Tháp', 0), ('An Giang', 1.5), ('Cần Thơ', -1), ('Long An', 0.5),
             ('Tiền Giang', -2.5), ('Bến Tre', 0)) AS j(name, leniency) ON j.name <> u.name;
SQL
sql -c "SELECT unit, round(avg(total), 2) AS mean, thidua.trimmed_mean(total, 1) AS trimmed_mean_1,
               min(total) AS lowest, max(total) AS highest
        FROM peer_total GROUP BY unit ORDER BY 3 DESC"

step "Consensus ranking by the Schulze method: thidua.schulze_ranking"
sql -c "SELECT r ->> 'rank' AS rank, r ->> 'candidate' AS unit
        FROM (SELECT thidua.schulze_ranking(judge, unit, total) AS ranking FROM peer_total) s,
             jsonb_array_elements(ranking) AS r"

step "Which judges are lenient or strict (advisory): thidua.judge_leniency"
sql -c "SELECT j ->> 'judge' AS judge, j -> 'scores' AS scores, j -> 'mean_offset' AS mean_offset
        FROM (SELECT thidua.judge_leniency(judge, unit, total) AS l FROM peer_total) s,
             jsonb_array_elements(l -> 'judges') AS j ORDER BY (j ->> 'mean_offset')::numeric DESC"

step "Consecutive years of excellent completion (HTXSNV) up to 2019: thidua.streak"
sql -q <<'SQL'
CREATE TABLE yearly_rating (person text, year int, rating text);
INSERT INTO yearly_rating VALUES
  ('Nguyễn Văn An', 2015, 'HTXSNV'), ('Nguyễn Văn An', 2016, 'HTXSNV'), ('Nguyễn Văn An', 2017, 'HTXSNV'),
  ('Nguyễn Văn An', 2018, 'HTXSNV'), ('Nguyễn Văn An', 2019, 'HTXSNV'),
  ('Trần Thị Bình', 2016, 'HTXSNV'), ('Trần Thị Bình', 2017, 'HTTNV'), ('Trần Thị Bình', 2018, 'HTXSNV'),
  ('Trần Thị Bình', 2019, 'HTXSNV'),
  ('Lê Minh Châu', 2017, 'HTXSNV'), ('Lê Minh Châu', 2018, 'HTXSNV'), ('Lê Minh Châu', 2019, 'HTTNV');
SQL
sql -c "SELECT person, thidua.streak(year, rating = 'HTXSNV', 2019) AS streak_to_2019,
               thidua.longest_streak(year, rating = 'HTXSNV') AS longest,
               thidua.streak(year, rating = 'HTXSNV', 2019) >= 2 AS two_years_running
        FROM yearly_rating GROUP BY person ORDER BY 2 DESC"
