# Demo, part 2: the 2019 emulation zone of the 13 south-western justice
# departments: set up, scores imported from the clerks' file, standings, an
# explanation and the judges' report. (sourced by scripts/demo)

step "The zone in 2019, set up from the clerks' files: 13 departments, Cần Thơ heads it, Đồng Tháp is deputy head"
zone=test/fixtures/zone-2019
"$thidua" units import $zone/units.csv
"$thidua" period open 2019
"$thidua" bloc create tnb "Khu vực thi đua các cơ quan Tư pháp các tỉnh miền Tây Nam Bộ" --kind zone
"$thidua" bloc settings tnb --period 2019 --criteria stp/2019 --method trimmed_mean --trim 1 --quorum 8
"$thidua" bloc members $zone/members.csv --bloc tnb --period 2019
"$thidua" pact import $zone/pact.csv --bloc tnb --period 2019
"$thidua" recusal add CM --judge BL --bloc tnb --period 2019 \
	--reason "Giám đốc Sở Tư pháp Bạc Liêu nguyên là Phó Giám đốc Sở Tư pháp Cà Mau"
"$thidua" veto add BL --bloc tnb --period 2019 --reason "Một công chức bị kỷ luật khiển trách năm 2019"
"$thidua" bloc show tnb --period 2019

step "Self and peer scores from the clerks' CSV: thidua scores import (8,450 observations, all or nothing)"
"$thidua" scores import test/fixtures/zone-2019/scores.csv --bloc tnb --period 2019

step "Standings (trimmed mean of 12 peers, trim 1; quorum 8): thidua standings"
"$thidua" standings --bloc tnb --period 2019

step "Why An Giang is ahead of Long An: thidua explain AG --period 2019"
first_lines 28 "$thidua" explain AG --period 2019

step "How lenient each judge was (advisory): thidua judges"
"$thidua" judges --bloc tnb --period 2019
