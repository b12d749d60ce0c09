# Demo, part 6: awards and eligibility on the justice department fixture (the
# Sở Tư pháp of Đồng Tháp, 149 people, 2016-2025; test/fixtures/justice-dept and
# its CASES.md). (sourced by scripts/demo)

fixture=test/fixtures/justice-dept

step "Đồng Tháp's Sở Tư pháp, its divisions and district offices, 149 people: thidua units import, people import"
"$thidua" units import $fixture/units.csv
"$thidua" people import $fixture/people.csv

step "Ten years of records from the clerks' files: thidua records import (the kind read from each header)"
for file in ratings unit_ratings initiatives awards unit_awards discipline; do
	"$thidua" records import $fixture/$file.csv
done

step "The justice sector's rulebooks, 2018, 2024 and 2025-09: thidua rulebook import, publish"
for edition in 2018 2024 2025-09; do
	if ! "$thidua" rulebook show justice/$edition >/dev/null 2>&1; then
		"$thidua" rulebook import rulebooks/justice-$edition.json
	fi
	if [ "$(sql -Atq -c "SELECT status FROM thidua.rulebook_version WHERE version_code = 'justice/$edition'")" = draft ]; then
		"$thidua" rulebook publish justice/$edition
	fi
done
"$thidua" rulebook list

step "Who may be proposed for Chiến sĩ thi đua cơ sở in 2024 (2024 rule: LĐTT and HTXSNV, or an initiative): thidua eligible"
count=$("$thidua" eligible --award CSTDCS --year 2024 --unit STPDT --format csv | tail -n +2 | wc -l)
echo "$count people of the department and its offices; in Phòng Phổ biến, giáo dục pháp luật, with the reasons (--why):"
"$thidua" eligible --award CSTDCS --year 2024 --unit STPDT-PBGD --why

step "The same person in 2023 and 2024: HTXSNV was not enough under the old rule (CASES.md C2, C1)"
echo "Đặng Thị Mỹ Linh (DT010), 2023, judged by the 2018 edition:"
"$thidua" eligibility --subject DT010 --award CSTDCS --year 2023
echo "The same, 2024, judged by the 2024 edition:"
"$thidua" eligibility --subject DT010 --award CSTDCS --year 2024

step "The medal \"Vì sự nghiệp Tư pháp\" from 2025-09-15 (women 3 years as Giám đốc, men 5; deputies 6 and 8): who becomes eligible in 2025, and what the others lack, closest first: thidua forecast"
first_lines 7 "$thidua" forecast --award KNC-TP --year 2024 --unit STPDT
echo "(the other staff hold no leading post: 3 years in one for a woman, 5 for a man)"

step "The 2022 quota of Chiến sĩ thi đua cơ sở: 15 % of those recognised LĐTT, rounded down: thidua quota"
echo "The department with all its divisions and offices:"
"$thidua" quota --award CSTDCS --unit STPDT --year 2022
echo "Văn phòng Sở alone (CASES.md C14: half up would give 2, more than 15 %):"
"$thidua" quota --award CSTDCS --unit STPDT-VP --year 2022
