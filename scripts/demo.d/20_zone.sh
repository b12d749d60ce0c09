# Demo, part 2: the 2019 emulation zone of the 13 south-western justice
# departments: set up, scores imported from the clerks' file, standings, an
# explanation and the judges' report. (sourced by scripts/demo)

step "The zone in 2019: 13 departments, Cần Thơ heads it, Đồng Tháp is deputy head"
sql -q -f test/fixtures/zone-2019/setup.sql
sql -c "SELECT m.role, u.name AS unit FROM thidua.bloc_member m JOIN thidua.unit u USING (unit_code)
        WHERE m.bloc_code = 'tnb' ORDER BY m.role <> 'head', m.role <> 'deputy', u.name"

step "Self and peer scores from the clerks' CSV: thidua scores import (8,450 observations, all or nothing)"
"$thidua" scores import test/fixtures/zone-2019/scores.csv --bloc tnb --period 2019

step "Standings (trimmed mean of 12 peers, trim 1; quorum 8): thidua standings"
"$thidua" standings --bloc tnb --period 2019

step "Why An Giang is ahead of Long An: thidua explain AG --period 2019"
first_lines 28 "$thidua" explain AG --period 2019

step "How lenient each judge was (advisory): thidua judges"
"$thidua" judges --bloc tnb --period 2019
