# Demo, part 5: people's yearly results and the streaks that awards ask for.
# (sourced by scripts/demo)

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
