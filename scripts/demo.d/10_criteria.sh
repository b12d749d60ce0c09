# Demo, part 1: the 2019 criteria table of the provincial justice departments,
# imported from the clerk's spreadsheet and published.
# (sourced by scripts/demo: step, sql, expect_refusal and $thidua are defined there)

step "Import the 2019 criteria table from the clerk's CSV: thidua criteria import"
"$thidua" criteria import test/fixtures/criteria/stp-2019.csv
"$thidua" criteria publish stp/2019 --note "Quyết định ban hành Bảng tiêu chí năm 2019"
"$thidua" criteria list

step "The table as published: thidua criteria show stp/2019 (first sections)"
first_lines 24 "$thidua" criteria show stp/2019

step "One observation, one rule: thidua.points"
sql -c "SELECT thidua.points('stp/2019', 'II.2', 83.4) AS \"II.2 at 83.4 %\",
               thidua.points('stp/2019', 'VI.1', 20) AS \"VI.1 at 20 %\",
               thidua.points('stp/2019', 'VIII.1', 95) AS \"VIII.1 at 95 %\",
               thidua.points('stp/2019', 'P.1', 3) AS \"P.1, 3 late reports\""

step "Next year's edition: clone, change, diff (thidua criteria clone / diff)"
"$thidua" criteria clone stp/2019
sql -q -c "UPDATE thidua.criteria_item SET max_points = 2 WHERE version_code = 'stp/2020' AND code = 'VIII.4'"
sql -q -c "UPDATE thidua.criteria_item SET max_points = 4 WHERE version_code = 'stp/2020' AND code = 'VII.3'"
"$thidua" criteria diff stp/2019 stp/2020

step "Published versions never change, in the database itself"
expect_refusal "a published version is frozen" \
	sql -c "UPDATE thidua.criteria_item SET max_points = 99 WHERE version_code = 'stp/2019' AND code = 'I.1'"
