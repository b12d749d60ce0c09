# Demo, part 7: the seed's year through the nomination workflow (the Sở Tư
# pháp of Đồng Tháp in 2019, test/fixtures/seed-2019), after the zone's
# standings: five rounds, one per deciding authority, a secret ballot where the
# 2019 rules held one, the tallies, the decisions, the registry's statistics.
# (sourced by scripts/demo)

step "The seed's 2019 (judged under justice/2018): the department's proposals, round by round, through the client"
sql -q -c "SELECT thidua.create_roles()" >/dev/null
THIDUA="$thidua" SEED2019_QUIET=1 test/fixtures/seed-2019/run-year.sh

step "The tallies of the two secret ballots: thidua council tally (the department's CSTĐCS, the province's Emulation Flag)"
first_lines 8 "$thidua" council tally CSTDCS-2019
"$thidua" council tally CTD-2019

step "What the year gave, by award: 70 Bằng khen of the province chair, 80 Giấy khen, 43 medals, the CSTĐCS within the 15 % quota, the flag"
sql -c "SELECT r.round_code, n.award_code, count(*) FILTER (WHERE n.state = 'awarded') AS awarded
        FROM thidua.nomination n JOIN thidua.nomination_round r USING (round_code)
        WHERE r.year = 2019 GROUP BY 1, 2 ORDER BY 1, 2"
"$thidua" awards stats --from 2019 --to 2019 --by award
