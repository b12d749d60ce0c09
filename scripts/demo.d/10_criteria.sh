# Demo: the 2019 criteria table of a provincial Department of Justice, scored.
# (sourced by scripts/demo: step, sql and $thidua are defined there)

step "Import the 2019 criteria table from the clerk's CSV: thidua criteria import"
"$thidua" criteria import test/fixtures/criteria/stp-2019.csv
"$thidua" criteria publish stp/2019 --note "Quyết định ban hành Bảng tiêu chí năm 2019"
"$thidua" criteria list

step "The table as published: thidua criteria show stp/2019 (first sections)"
first_lines 24 "$thidua" criteria show stp/2019

step "One observation, one rule: thidua.points"
sql -c "SELECT thidua.points('stp/2019', 'II.2', 83.4) AS \"II.2 hòa giải thành 83.4 %\",
               thidua.points('stp/2019', 'VI.1', 20) AS \"VI.1 đơn giản hóa 20 % TTHC\",
               thidua.points('stp/2019', 'VIII.1', 95) AS \"VIII.1 ký số 95 %\",
               thidua.points('stp/2019', 'P.1', 3) AS \"P.1 3 báo cáo chậm\""

step "Self-assessments of three departments, scored in one query: thidua.score and thidua.classify"
sql -q <<'SQL'
CREATE TABLE self_assessment (unit text, criterion text, observed numeric);
-- Every criterion observed for Đồng Tháp (figures of the seed article where it gives them);
-- the others differ in a few criteria and leave some unobserved.
INSERT INTO self_assessment
SELECT 'Đồng Tháp', code, CASE rule WHEN 'pass_fail' THEN 1 WHEN 'proportional' THEN 100
	WHEN 'manual' THEN max_points WHEN 'per_occurrence' THEN 0 ELSE 100 END
FROM thidua.criteria_item WHERE version_code = 'stp/2019' AND kind = 'criterion';
UPDATE self_assessment SET observed = CASE criterion
	WHEN 'II.2' THEN 83.4 WHEN 'VI.1' THEN 20 WHEN 'I.4' THEN 0 WHEN 'VII.1' THEN 0 WHEN 'B.1' THEN 2
	WHEN 'P.1' THEN 1 WHEN 'P.4' THEN 0 ELSE observed END;
INSERT INTO self_assessment
SELECT u.unit, s.criterion, CASE WHEN s.criterion IN ('VIII.1', 'II.2') THEN u.rate ELSE s.observed END
FROM self_assessment s, (VALUES ('An Giang', 78.5), ('Cà Mau', 61.0)) AS u(unit, rate)
WHERE s.unit = 'Đồng Tháp' AND s.criterion NOT IN ('B.1', 'IV.1');
UPDATE self_assessment SET observed = 1 WHERE unit = 'Cà Mau' AND criterion = 'P.4';	-- a disciplined civil servant
SQL
sql <<'SQL'
SELECT unit, total, thidua.classify('stp/2019', total, vetoed) AS class, vetoed
FROM (SELECT unit, thidua.score('stp/2019', criterion, observed) AS total,
		bool_or(criterion = 'P.4' AND observed = 1) AS vetoed
	  FROM self_assessment GROUP BY unit) s
ORDER BY total DESC;
SQL

step "Why a total is what it is: thidua.score_detail (sections of Cà Mau)"
sql -c "SELECT i ->> 'code' AS item, i ->> 'kind' AS kind, i ->> 'sum' AS sum, i ->> 'max' AS max,
               i ->> 'points' AS points, i ->> 'capped' AS capped
        FROM (SELECT thidua.score_detail('stp/2019', criterion, observed) AS d
              FROM self_assessment WHERE unit = 'Cà Mau') s, jsonb_array_elements(d -> 'items') i
        WHERE i ->> 'kind' <> 'criterion'"

step "Next year's edition: clone, change, diff (thidua criteria clone / diff)"
"$thidua" criteria clone stp/2019
sql -q -c "UPDATE thidua.criteria_item SET max_points = 2 WHERE version_code = 'stp/2020' AND code = 'VIII.4'"
sql -q -c "UPDATE thidua.criteria_item SET max_points = 4 WHERE version_code = 'stp/2020' AND code = 'VII.3'"
"$thidua" criteria diff stp/2019 stp/2020

step "Published versions never change, in the database itself"
sql -c "UPDATE thidua.criteria_item SET max_points = 99 WHERE version_code = 'stp/2019' AND code = 'I.1'" || true
