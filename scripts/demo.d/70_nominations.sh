# Demo, part 7: the seed's year through the nomination workflow (the Sở Tư
# pháp of Đồng Tháp in 2019, test/fixtures/seed-2019), after the zone's
# standings: five rounds, one per deciding authority, a secret ballot where the
# 2019 rules held one, the tallies, the decisions, the registry's statistics.
# (sourced by scripts/demo; the roles were created at the install)

step "The seed's 2019 (judged under justice/2018): the department's proposals, round by round, through the client"
THIDUA="$thidua" SEED2019_QUIET=1 test/fixtures/seed-2019/run-year.sh

step "The tallies of the two secret ballots: thidua council tally (the department's CSTĐCS, all 13; the province's Emulation Flag)"
"$thidua" council tally CSTDCS-2019
"$thidua" council tally CTD-2019

step "What the year gave, by round and award: 70 Bằng khen of the province chair, 80 Giấy khen, 43 medals, the 13 CSTĐCS within the 15 % quota, the flag"
sql -c "SELECT r.round_code, n.award_code, count(*) FILTER (WHERE n.state = 'awarded') AS awarded
        FROM thidua.nomination n JOIN thidua.nomination_round r USING (round_code)
        WHERE r.year = 2019 GROUP BY 1, 2 ORDER BY 1, 2"

# The database also holds the justice fixture (part 6): the same department as
# STPDT, with 2019 awards of its own; the statistics here are the seed's units'.
step "The registry's statistics of 2019 for the seed's department only (units DT and DT-*): thidua.award_statistics by award, level and unit, summed over the seed's units"
echo "They count the registry's 2019 entries whose unit (a collective itself, a person's unit on 31 December) is one of the seed's: the five rounds' awards and the 101 LĐTT and the Tập thể LĐTT loaded with the fixture; shares rounded to 4 places for display."
sql -c "SELECT award_code, level, sum(awarded) AS awarded, sum(revoked) AS revoked,
               sum(front_line) AS front_line, round(sum(front_line) / nullif(sum(awarded), 0), 4) AS front_line_share,
               sum(small_collective) AS small_collective,
               round(sum(small_collective) / nullif(sum(awarded), 0), 4) AS small_collective_share
        FROM thidua.award_statistics(2019, 2019, 'award,level,unit')
        WHERE unit_code = 'DT' OR unit_code LIKE 'DT-%'
        GROUP BY 1, 2 ORDER BY 1, 2"
