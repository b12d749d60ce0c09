# Demo, part 4: publication, a correction, a closed year. (sourced by scripts/demo)

step "Publish, then a correction after the Ministry's appraisal: thidua standings publish"
"$thidua" standings publish --bloc tnb --period 2019
sql -q -c "INSERT INTO thidua.adjustment (bloc_code, period_code, unit_code, points, reason, made_by)
           VALUES ('tnb', '2019', 'KG', 0.01, 'III.1.2: số hóa đạt 100 % sau thẩm định', 'Bộ Tư pháp')"
"$thidua" standings publish --bloc tnb --period 2019 --reason "Kiên Giang: kết quả thẩm định của Bộ"
sql -c "SELECT r.revision, r.reason, s.rank, trim_scale(s.final_total) AS final_total, s.class
        FROM thidua.standing_revision r JOIN thidua.standing_row s USING (bloc_code, period_code, revision)
        WHERE s.unit_code = 'KG' ORDER BY r.revision"
