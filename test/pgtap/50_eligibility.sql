-- Eligibility, forecasts, quotas and what-if on small hand-made records:
-- every rule kind deciding (passing and failing), every general rule both
-- ways, collectives, the rulebook chosen by judging date, quota roundings,
-- forecast wording, what-if, and eligible() identical serially and under
-- forced parallel partial aggregation.
BEGIN;

SELECT plan(106);

-- the records and rulebooks of the client's tests (P01..P11, t/2018, t/2024, t/draft)
\o /dev/null
\ir ../fixtures/eligibility/records.sql
\o
-- 15 % of 13: five more holders of LDTT 2024 under DEPT
INSERT INTO thidua.unit (unit_code, name, parent_code) VALUES ('DIST2', 'Phòng Tư pháp huyện 2', 'DEPT');
INSERT INTO thidua.individual (person_code, full_name, sex)
	SELECT 'Q' || n, 'Người thứ ' || n, 'male' FROM generate_series(1, 5) n;
INSERT INTO thidua.membership (person_code, unit_code, valid_from) SELECT 'Q' || n, 'DIST2', '2015-01-01' FROM generate_series(1, 5) n;
INSERT INTO thidua.individual_award (person_code, award_code, year, kind) SELECT 'Q' || n, 'LDTT', 2024, 'yearly' FROM generate_series(1, 5) n;
-- drafts: every general rule the other way; quota roundings
\o /dev/null
SELECT pg_temp.test_rulebook('t', 'lenient', 'Thử nới', '"effective_from": "2024-01-01"', $$
	{"award": "LDTT", "rule": {"kind": "rating_this_year", "rating": "HTTNV", "source": "SRC"}},
	{"award": "CSTDCS", "rule": {"kind": "award_held", "award": "LDTT", "within_years": 1, "source": "SRC"}},
	{"award": "CSTD-BT", "rule": {"kind": "initiatives", "count": 1, "scope": "ministry_province", "window_years": 3, "source": "SRC"}},
	{"award": "BK-BTP", "rule": {"kind": "rating_streak", "years": 20, "rating": "HTTNV", "source": "SRC"}}
$$, '{"thematic_and_ad_hoc_awards_count": {"value": true, "source": "SUMMARY"},
	"revoked_awards_count": {"value": true, "source": "SUMMARY"},
	"initiative_counts_once": {"value": false, "source": "SUMMARY"},
	"achievements_after_discipline": {"value": false, "source": "SUMMARY"}}');
SELECT pg_temp.test_rulebook('t', 'q-half', 'Thử làm tròn', '"effective_from": "2024-01-01"', $$
	{"award": "CSTDCS", "rule": {"kind": "award_held", "award": "LDTT", "within_years": 1, "source": "SRC"},
	 "quota": {"base_award": "LDTT", "share": 0.15, "rounding": "half_up", "minimum": 0, "per": "unit", "source": "SRC"}}
$$);
SELECT pg_temp.test_rulebook('t', 'q-up', 'Thử làm tròn lên', '"effective_from": "2024-01-01"', $$
	{"award": "CSTDCS", "rule": {"kind": "award_held", "award": "LDTT", "within_years": 1, "source": "SRC"},
	 "quota": {"base_award": "LDTT", "share": 0.15, "rounding": "up", "minimum": 3, "per": "unit", "source": "SRC"}}
$$);
\o

-- "passed | evidence" of one node
CREATE FUNCTION pg_temp.node(subject text, award text, year integer, node text, version text DEFAULT NULL) RETURNS text
	LANGUAGE sql AS $$
	SELECT e.passed || ' | ' || e.evidence FROM thidua.eligibility(subject, award, year, version) e WHERE e.node = $4
$$;
CREATE FUNCTION pg_temp.who(award text, year integer, unit text DEFAULT NULL, version text DEFAULT NULL) RETURNS text
	LANGUAGE sql AS $$
	SELECT coalesce(string_agg(subject_code, ' ' ORDER BY subject_code), '') FROM thidua.eligible(award, year, unit, false, version)
$$;

-- who is eligible, and the judging date choosing the version
SELECT is(pg_temp.who('LDTT', 2024), 'P01 P02 P03 P04 P05 P06 P09 P11',
	'LDTT 2024 (t/2024): P07 (warning), P08 (HTNV) and P10 (investigation open) are not eligible');
SELECT is(pg_temp.who('LDTT', 2024, 'DEPT'), 'P01 P02 P03 P04 P05 P06 P09', 'a unit and its sub-units only');
SELECT is(pg_temp.who('LDTT', 2024, 'DIST'), '', 'a sub-unit alone');
SELECT is(pg_temp.who('LDTT', 2023), 'P01 P02 P03 P04 P05 P06 P07 P08 P09 P10 P11',
	'LDTT 2023 is judged by t/2018 (in force on 2023-12-31): a rating of HTNV is enough');
SELECT matches((SELECT evidence FROM thidua.eligibility('P07', 'LDTT', 2023) WHERE node = 'rule'),
	'^LDTT eligible for P07 2023 under t/2018, judged on 2023-12-31: ', 'eligibility names the version applied and the date');
SELECT matches((SELECT evidence FROM thidua.eligibility('P07', 'LDTT', 2024) WHERE node = 'rule'),
	'^LDTT not eligible for P07 2024 under t/2024', 'and 2024 is judged by t/2024');
SELECT is((SELECT evidence FROM thidua.eligibility('P01', 'LDTT', 2023, NULL, '2024-06-30') WHERE node = 'rule'),
	'LDTT eligible for P01 2023 under t/2024, judged on 2024-06-30: all of: 2 of 2 met',
	'judged_on overrides the judging date, and so the version');
SELECT is((SELECT string_agg(node || ' ' || kind, ', ' ORDER BY n) FROM (SELECT e.*, row_number() OVER () n
		FROM thidua.eligibility('P01', 'CSTDCS', 2024) e) x),
	'rule all_of, rule.all_of[0] award_held, rule.all_of[1] any_of, rule.all_of[1].any_of[0] rating_this_year, rule.all_of[1].any_of[1] initiatives',
	'one row per node, depth first, the overall answer first');
SELECT is((SELECT legal_source || ' ' || verified FROM thidua.eligibility('P01', 'CSTDCS', 2024) WHERE node = 'rule.all_of[0]'),
	'Law 06/2022/QH15, art. 24, cl. 1 (V) true', 'each rule with its legal source and verification');

-- each leaf kind deciding, both ways
SELECT is(pg_temp.node('P08', 'LDTT', 2024, 'rule.all_of[0]'), 'false | HTNV in 2024; HTTNV required', 'rating_this_year fails');
SELECT is(pg_temp.node('P01', 'LDTT', 2024, 'rule.all_of[0]'), 'true | HTXSNV in 2024; HTTNV required', 'rating_this_year passes');
SELECT is(pg_temp.node('P01', 'BK-BTP', 2024, 'rule.all_of[0]'), 'true | HTXSNV 2023, 2024: 2 consecutive years, 2 required',
	'rating_streak passes');
SELECT is(pg_temp.node('P02', 'BK-BTP', 2024, 'rule.all_of[0]'), 'false | HTXSNV 2024: 1 year, 2 required',
	'rating_streak: a streak broken by one HTTNV year');
SELECT is(pg_temp.node('P01', 'CSTDCS', 2024, 'rule.all_of[0]'), 'true | LDTT 2024', 'award_held passes');
SELECT is(pg_temp.node('P04', 'CSTDCS', 2024, 'rule.all_of[0]'),
	'false | no LDTT in 2024; 1 not counted: revoked',
	'award_held: a revoked award does not count');
SELECT is(pg_temp.node('P08', 'CSTDCS', 2024, 'rule.all_of[0]'),
	'false | no LDTT in 2024; 1 not counted: thematic or ad hoc',
	'award_held: a thematic award does not count');
SELECT is(pg_temp.node('P01', 'CSTD-BT', 2024, 'rule.all_of[0]'), 'true | CSTDCS 2022, 2023, 2024: 3 in a row, 3 required',
	'award_streak passes');
SELECT is(pg_temp.node('P02', 'CSTD-BT', 2024, 'rule.all_of[0]'), 'false | no CSTDCS in 2024; 3 times required', 'award_streak fails');
SELECT is(pg_temp.node('P01', 'CSTD-BT', 2024, 'rule.all_of[2]'),
	'true | 1 initiative of scope ministry_province or wider recognised in 2022-2024; 1 required', 'initiatives passes');
SELECT is(pg_temp.node('P03', 'CSTD-BT', 2024, 'rule.all_of[2]'),
	'false | 0 initiatives of scope ministry_province or wider recognised in 2022-2024; 1 required; 1 not counted: already used by another award',
	'initiatives: one already used by another award is refused');
SELECT is(pg_temp.node('P03', 'CSTDCS', 2024, 'rule.all_of[1].any_of[1]'),
	'true | 1 initiative of scope grassroots or wider recognised in 2024; 1 required', 'an initiative shared by two authors counts for each');
SELECT is(pg_temp.who('CSTD-BT', 2024), 'P01', 'CSTD-BT 2024: P01 alone');
SELECT is(pg_temp.node('P05', 'KNC-TP', 2024, 'rule.all_of[0]'),
	'true | 3 full years in Giám đốc, Phó Giám đốc to 2024-12-31 (3 years 0 months); 3 required for a woman',
	'service_years: a woman eligible for the medal at 3 years in post');
SELECT is(pg_temp.node('P06', 'KNC-TP', 2024, 'rule.all_of[0]'),
	'false | 3 full years in Giám đốc, Phó Giám đốc to 2024-12-31 (3 years 0 months); 5 required for a man',
	'service_years: where a man needs 5');
SELECT is(pg_temp.node('P07', 'KNC-TP', 2024, 'rule.all_of[0]'),
	'true | 8 full years in Giám đốc, Phó Giám đốc to 2024-12-31 (8 years 0 months); 5 required for a man',
	'service_years: overlapping posts counted once');
SELECT is(pg_temp.node('P01', 'BK-BTP', 2024, 'rule.all_of[1]'),
	'true | 15 full years in the sector to 2024-12-31 (15 years 0 months); 10 required for a man', 'service_years in the sector');
SELECT is(pg_temp.node('P09', 'KNC-TP', 2024, 'rule.all_of[1]'), 'false | received in 2019 (once only)', 'once_only fails');
SELECT is(pg_temp.node('P05', 'KNC-TP', 2024, 'rule.all_of[1]'), 'true | not received before', 'once_only passes');
SELECT is(pg_temp.who('KNC-TP', 2024), 'P05 P07', 'KNC-TP 2024: P05 and P07');
SELECT is(pg_temp.node('P07', 'LDTT', 2024, 'rule.all_of[1]'), 'false | warning from 2024-03-01 to 2024-09-01 (QĐ 12/KL) overlaps 2024-01-01..2024-12-31',
	'no_discipline: a measure in the window');
SELECT is(pg_temp.node('P10', 'LDTT', 2024, 'rule.all_of[1]'), 'false | investigation from 2024-11-01, open on 2024-12-31',
	'no_discipline: proceedings open on the judging date');
SELECT is(pg_temp.node('P01', 'LDTT', 2024, 'rule.all_of[1]'),
	'true | no disciplinary measure overlapping 2024-01-01 to 2024-12-31; no proceedings open on 2024-12-31', 'no_discipline passes');

-- the general rules, each way
SELECT is(pg_temp.node('P07', 'LDTT', 2024, 'rule.all_of[0]'),
	'false | HTXSNV in 2024; HTTNV required; years up to 2024 do not count: warning until 2024-09-01',
	'achievements_after_discipline: a rating of the measure''s year does not count');
SELECT is(pg_temp.node('P07', 'LDTT', 2024, 'rule', 't/lenient'),
	'true | LDTT eligible for P07 2024 under t/lenient, judged on 2024-12-31: HTXSNV in 2024; HTTNV required',
	'achievements_after_discipline false: it counts');
SELECT is(pg_temp.who('CSTDCS', 2024, 'DEPT', 't/lenient'), 'P01 P02 P03 P04 P05 P06 P07 P08 P09 P10 Q1 Q2 Q3 Q4 Q5',
	'revoked_awards_count and thematic_and_ad_hoc_awards_count true: P04''s revoked and P08''s thematic LDTT count');
SELECT is(pg_temp.node('P03', 'CSTD-BT', 2024, 'rule', 't/lenient'),
	'true | CSTD-BT eligible for P03 2024 under t/lenient, judged on 2024-12-31: 1 initiative of scope ministry_province or wider recognised in 2022-2024; 1 required',
	'initiative_counts_once false: a used initiative counts');
SELECT is(pg_temp.node('P02', 'BK-BTP', 2022, 'rule.all_of[0]', 't/2024'),
	'false | HTXSNV 2022: 1 year, 2 required; 2021 also rated HTXSNV, but years up to 2021 do not count: reprimand until 2021-08-01',
	'achievements_after_discipline: a reprimand ended in 2021, so the streak''s 2021 does not count');

-- collectives
SELECT is(pg_temp.who('TTLDXS', 2024, 'DEPT'), 'DIST', 'TTLDXS 2024 under DEPT: DIST');
SELECT is(pg_temp.node('DIV1', 'TTLDXS', 2024, 'rule.all_of[1]'),
	'true | 6 of 9 members hold LDTT 2024 (66.7 %); more than 50 % required',
	'members_with_award passes (P04''s revoked, P08''s thematic and P07''s LDTT, his warning ended in 2024, not counted)');
SELECT is(pg_temp.node('DIST2', 'TTLDXS', 2024, 'rule.all_of[2]'),
	'false | 0 of 5 members rated HTNV or better in 2024 (0 %); at least 100 % required', 'members_rated fails');
SELECT is(pg_temp.node('DIV1', 'TTLDXS', 2024, 'rule.all_of[3]'),
	'false | 1 of 9 members had a measure of warning or heavier in 2024', 'members_without_discipline fails');
SELECT is(pg_temp.node('DEPT', 'TTLDXS', 2024, 'rule.all_of[0]'), 'false | HTTNV in 2024; HTXSNV required', 'a unit''s rating');
SELECT is(pg_temp.who('CTD-BT', 2024), 'DIV1', 'CTD-BT: TTLDXS two years in a row (DIST has one)');

-- errors
SELECT throws_ok($$ SELECT * FROM thidua.eligible('LDTT', 2010) $$, 'P0002',
	'no published rulebook in force on 2010-12-31 has an entry for award "LDTT"', 'no version in force: said');
SELECT throws_ok($$ SELECT * FROM thidua.eligible('NOPE', 2024) $$, 'P0002', 'award "NOPE" does not exist', 'an unknown award');
SELECT throws_ok($$ SELECT * FROM thidua.eligible('LDTT', 2024, 'NOPE') $$, 'P0002', 'unit "NOPE" does not exist', 'an unknown unit');
SELECT throws_ok($$ SELECT * FROM thidua.eligibility('NOPE', 'LDTT', 2024) $$, 'P0002', 'person "NOPE" does not exist', 'an unknown person');
SELECT throws_ok($$ SELECT * FROM thidua.eligibility('P01', 'LDTT', 2024, 't/q-up') $$, 'P0002',
	'rulebook version "t/q-up" has no entry for award "LDTT"', 'a named version without the award');

-- why
SELECT is((SELECT reasons -> 1 FROM thidua.eligible('CSTDCS', 2024, 'DEPT', true) WHERE subject_code = 'P01'),
	'{"kind": "award_held", "node": "rule.all_of[0]", "passed": true, "evidence": "LDTT 2024"}', 'reasons on demand');
SELECT is((SELECT count(*)::int FROM thidua.eligible('CSTDCS', 2024, 'DEPT') WHERE reasons IS NOT NULL), 0, 'and only then');

-- quotas
SELECT is((SELECT row(base_award, base, share, rounding, minimum, allowed, arithmetic)::text FROM thidua.quota('CSTDCS', 'DEPT', 2024)),
	'(LDTT,13,0.15,down,0,1,"15 % of 13 = 1.95, rounded down: 1")', 'quota: 15 % of 13 rounds down to 1');
SELECT is((SELECT arithmetic || ' ' || allowed FROM thidua.quota('CSTDCS', 'DEPT', 2024, 't/q-half')),
	'15 % of 13 = 1.95, rounded half up: 2 2', 'half up: 2');
SELECT is((SELECT arithmetic || ' ' || allowed FROM thidua.quota('CSTDCS', 'DEPT', 2024, 't/q-up')),
	'15 % of 13 = 1.95, rounded up: 2; at least 3 3', 'up: 2, and the minimum 3');
SELECT is((SELECT arithmetic || ' ' || allowed || ' ' || legal_source FROM thidua.quota('BK-BTP', 'DEPT', 2024)),
	'a fixed count: 2 per unit 2 Law 06/2022/QH15, art. 24, cl. 1 (V)', 'a fixed count');
SELECT is((SELECT arithmetic FROM thidua.quota('LDTT', 'DEPT', 2024)), 'no quota for LDTT in t/2024', 'no quota');

-- forecast
SELECT is((SELECT string_agg(subject_code || ':' || eligible_next_year || ':' || missing || ':' || array_to_string(lacks, '; '), ' / '
		ORDER BY missing, subject_code) FROM thidua.forecast('CSTD-BT', 2024, 'DIV1') WHERE subject_code IN ('P01', 'P02', 'P03')),
	'P01:true:0: / P03:false:1:one more initiative of scope ministry_province or wider recognised in 2023-2025 (0 of 1 counted) / '
	'P02:false:5:3 more years holding CSTDCS, in a row (0 of 3 to 2025); one more year rated HTXSNV (2 of 3 consecutive years to 2025); '
	'one more initiative of scope ministry_province or wider recognised in 2023-2025 (0 of 1 counted)',
	'forecast: P01 eligible next year if 2024 holds; P03 lacks an initiative; P02 more');
SELECT is((SELECT array_to_string(lacks, '; ') FROM thidua.forecast('KNC-TP', 2024) WHERE subject_code = 'P06'),
	'one more year as Giám đốc or Phó Giám đốc (4 of 5 held on 2025-12-31)', 'forecast: one more year in post, which posts, years held and needed');
SELECT is((SELECT array_to_string(lacks, '; ') FROM thidua.forecast('KNC-TP', 2024) WHERE subject_code = 'P02'),
	'3 more years as Giám đốc or Phó Giám đốc (0 of 3 held on 2025-12-31)', 'forecast: 3 more years in post, for one who holds none');
SELECT is((SELECT count(*)::int FROM thidua.forecast('KNC-TP', 2024) WHERE subject_code = 'P09'), 0,
	'forecast: a once-only award already received is left out');
SELECT is((SELECT subject_code FROM thidua.forecast('CSTD-BT', 2024) LIMIT 1), 'P01', 'closest first');

-- forecast: what each lacks, said precisely (which rating, award, scope, how many)
SELECT is((SELECT array_to_string(lacks, '; ') FROM thidua.forecast('LDTT', 2024) WHERE subject_code = 'P08'),
	'a rating of HTTNV or better in 2025 (rated HTNV in 2024)', 'forecast: the rating lacking, and the one held');
SELECT is((SELECT array_to_string(lacks, '; ') FROM thidua.forecast('LDTT', 2024) WHERE subject_code = 'P10'),
	'no disciplinary measure or open proceedings (found: investigation from 2024-11-01, open on 2025-12-31)',
	'forecast: the proceedings still open, with dates');
SELECT is((SELECT array_to_string(lacks, '; ') FROM thidua.forecast('CSTDCS', 2024) WHERE subject_code = 'P04'),
	'LDTT in 2025 (none that counts)', 'forecast: the award lacking, in the year judged');
SELECT is((SELECT array_to_string(lacks, '; ') FROM thidua.forecast('TTLDXS', 2024, 'DEPT') WHERE subject_code = 'DIV1'),
	'one more member rated HTNV or better (8 of 9 in 2024; at least 100 % required); no member with a measure of warning or heavier in 2024 (1 of 9)',
	'forecast: a collective''s member disciplined (P07''s 2024 rating, up to his warning''s end, does not count either)');
SELECT is((SELECT array_to_string(lacks, '; ') FROM thidua.forecast('TTLDXS', 2024, 'DEPT') WHERE subject_code = 'DIST2'),
	'a rating of HTXSNV in 2025 (not rated in 2024); 5 more members rated HTNV or better (0 of 5 in 2024; at least 100 % required)',
	'forecast: a collective''s rating and members, how many');

-- award_held with a count: distinct years of the window, not necessarily in a row
INSERT INTO thidua.individual_award (person_code, award_code, year, kind) VALUES
	('P05', 'CSTDCS', 2020, 'yearly'), ('P05', 'CSTDCS', 2022, 'yearly'), ('P05', 'CSTDCS', 2024, 'yearly'),
	('P06', 'CSTDCS', 2019, 'yearly'), ('P06', 'CSTDCS', 2021, 'yearly'), ('P06', 'CSTDCS', 2023, 'yearly'),
	('P06', 'CSTDCS', 2024, 'thematic');
\o /dev/null
SELECT pg_temp.test_rulebook('t', 'count', 'Thử số năm', '"effective_from": "2024-01-01"', $$
	{"award": "BK-TTG", "rule": {"all_of": [
		{"kind": "award_held", "award": "CSTDCS", "within_years": 5, "count": 3, "source": "SRC"},
		{"kind": "award_held", "award": "LDTT", "within_years": null, "count": 5, "source": "SRC"}]}}
$$);
-- the same without the discipline cut (whose join keeps awards out of parallel workers)
SELECT pg_temp.test_rulebook('t', 'count-free', 'Thử số năm, không cắt', '"effective_from": "2024-01-01"', $$
	{"award": "BK-TTG", "rule": {"kind": "award_held", "award": "CSTDCS", "within_years": 5, "count": 3, "source": "SRC"}}
$$, '{"thematic_and_ad_hoc_awards_count": {"value": false, "source": "SUMMARY"},
	"revoked_awards_count": {"value": false, "source": "SUMMARY"},
	"initiative_counts_once": {"value": true, "source": "SUMMARY"},
	"achievements_after_discipline": {"value": false, "source": "SUMMARY"}}');
\o
SELECT is(pg_temp.node('P05', 'BK-TTG', 2024, 'rule.all_of[0]', 't/count'),
	'true | CSTDCS 2020, 2022, 2024: 3 years in 2020-2024, 3 required', 'award_held count 3: three years of five, not in a row');
SELECT is(pg_temp.node('P01', 'BK-TTG', 2024, 'rule.all_of[0]', 't/count'),
	'true | CSTDCS 2022, 2023, 2024: 3 years in 2020-2024, 3 required', 'award_held count 3: three in a row too');
SELECT is(pg_temp.node('P06', 'BK-TTG', 2024, 'rule.all_of[0]', 't/count'),
	'false | CSTDCS 2021, 2023: 2 years in 2020-2024, 3 required; 1 not counted: thematic or ad hoc',
	'award_held count 3: a year before the window and a thematic award do not count');
SELECT is(pg_temp.node('P02', 'BK-TTG', 2024, 'rule.all_of[0]', 't/count'),
	'false | no CSTDCS in 2020-2024; 3 years required', 'award_held count 3: none');
SELECT is(pg_temp.node('P01', 'BK-TTG', 2024, 'rule.all_of[1]', 't/count'),
	'true | LDTT 2020, 2021, 2022, 2023, 2024: 5 years up to 2024, 5 required', 'award_held count, any year');
SELECT is(pg_temp.node('P02', 'BK-TTG', 2024, 'rule.all_of[1]', 't/count'),
	'false | LDTT 2022, 2023, 2024: 3 years up to 2024, 5 required; 2 not counted, years up to 2021 do not count: reprimand until 2021-08-01',
	'award_held count: the years before a disciplinary measure ended do not count');
SELECT is(pg_temp.who('BK-TTG', 2024, 'DEPT', 't/count'), 'P01 P03 P05', 'eligible() counts the years as eligibility() does');
SELECT is((SELECT missing || ' ' || array_to_string(lacks, '; ') FROM thidua.forecast('BK-TTG', 2024, 'DIV1', 't/count') WHERE subject_code = 'P06'),
	'1 one more year holding CSTDCS in 2021-2025 (2 of 3 held)', 'forecast: how many more years of the award, and how many held');
SELECT is((SELECT missing || ' ' || array_to_string(lacks, '; ') FROM thidua.forecast('BK-TTG', 2024, 'DIV1', 't/count') WHERE subject_code = 'P02'),
	'4 3 more years holding CSTDCS in 2021-2025 (0 of 3 held); one more year holding LDTT up to 2025 (4 of 5 held)',
	'forecast: each award lacking, with its window');

-- what-if
SELECT is((SELECT string_agg(subject_code || ' ' || change || ' ' || in_force_version || ' | ' || deciding_rule || ' | ' || evidence, E'\n')
		FROM thidua.eligibility_changes('LDTT', 2024, 't/draft')),
	E'P10 gains t/2024 | t/2024 rule.all_of[1]: no_discipline {"severity": null, "proceedings": true, "window_years": 1} | investigation from 2024-11-01, open on 2024-12-31\n'
	'P06 loses t/2024 | t/draft rule: rating_this_year {"rating": "HTXSNV"} | HTTNV in 2024; HTXSNV required',
	'what-if: who gains, who loses, and the rule that made the difference');
SELECT is((SELECT count(*)::int FROM thidua.eligibility_changes('LDTT', 2024, 't/draft', 'DIST')), 1, 'what-if in a unit');

-- members' records counted as for the members themselves: U26's X2 holds LDTT
-- 2026 and is rated HTXSNV in 2026, but a reprimand ran 2026-04-01..2027-03-31
INSERT INTO thidua.unit (unit_code, name) VALUES ('U26', 'Đơn vị 2026');
INSERT INTO thidua.individual (person_code, full_name, sex) VALUES
	('X1', 'Người X1', 'female'), ('X2', 'Người X2', 'female'), ('S1', 'Người S1', 'female'), ('S2', 'Người S2', 'female');
INSERT INTO thidua.membership (person_code, unit_code, valid_from) VALUES
	('X1', 'U26', '2020-01-01'), ('X2', 'U26', '2020-01-01'), ('S1', 'OTHER', '2020-01-01'), ('S2', 'OTHER', '2020-01-01');
INSERT INTO thidua.individual_rating (person_code, year, rating) VALUES ('X1', 2026, 'HTXSNV'), ('X2', 2026, 'HTXSNV');
INSERT INTO thidua.individual_award (person_code, award_code, year, kind) VALUES ('X1', 'LDTT', 2026, 'yearly'), ('X2', 'LDTT', 2026, 'yearly');
INSERT INTO thidua.discipline (person_code, kind, severity, valid_from, valid_to) VALUES ('X2', 'measure', 'reprimand', '2026-04-01', '2027-03-31');
INSERT INTO thidua.unit_rating (unit_code, year, rating) VALUES ('U26', 2026, 'HTXSNV');
SELECT is((SELECT passed FROM thidua.eligibility('X2', 'CSTDCS', 2026) WHERE node = 'rule.all_of[0]'), false,
	'X2''s LDTT 2026 does not count for herself (a measure ran into 2027)');
SELECT is(pg_temp.node('U26', 'TTLDXS', 2026, 'rule.all_of[1]'),
	'false | 1 of 2 members hold LDTT 2026 (50 %); more than 50 % required',
	'members_with_award: nor for her unit (1 of 2, not 2 of 2)');
SELECT is(pg_temp.node('U26', 'TTLDXS', 2026, 'rule.all_of[2]'),
	'false | 1 of 2 members rated HTNV or better in 2026 (50 %); at least 100 % required',
	'members_rated: nor her rating');

-- service_years in full calendar years: leap days make no year
INSERT INTO thidua.post_held (person_code, unit_code, post, valid_from, valid_to) VALUES
	('S1', 'OTHER', 'Giám đốc', '2022-01-01', NULL), ('S2', 'OTHER', 'Giám đốc', '2024-01-02', NULL);
SELECT is((SELECT passed || ' | ' || evidence FROM thidua.eligibility('S1', 'KNC-TP', 2024, NULL, '2024-12-30') WHERE node = 'rule.all_of[0]'),
	'false | 2 full years in Giám đốc, Phó Giám đốc to 2024-12-30 (2 years 11 months); 3 required for a woman',
	'service_years: 2022-01-01 to 2024-12-30 (1095 days) is 2 years 11 months');
SELECT is(pg_temp.node('S2', 'KNC-TP', 2026, 'rule.all_of[0]'),
	'false | 2 full years in Giám đốc, Phó Giám đốc to 2026-12-31 (2 years 11 months); 3 required for a woman',
	'service_years: 2024-01-02 to 2026-12-31 (1095 days, a leap year) is 2 years 11 months');

-- arguments refused
SELECT throws_ok($$ SELECT * FROM thidua.eligibility_changes('LDTT', 2024, 't/2024') $$, '22023',
	'rulebook version "t/2024" is published, not a draft', 'what-if: a published version is not a draft');
SELECT throws_ok($$ SELECT * FROM thidua.eligibility('P01', 'LDTT', 2024, NULL, 'infinity') $$, '22023',
	'judged_on infinity is out of range for year 2024', 'judged_on infinity refused');
SELECT throws_ok($$ SELECT * FROM thidua.eligibility('P01', 'LDTT', 2024, NULL, '-infinity') $$, '22023',
	'judged_on -infinity is out of range for year 2024', 'judged_on -infinity refused');
SELECT throws_ok($$ SELECT * FROM thidua.eligibility('P01', 'LDTT', 2024, NULL, '2023-01-01') $$, '22023',
	'judged_on 2023-01-01 is out of range for year 2024', 'judged_on before the year refused');
SELECT throws_ok($$ SELECT * FROM thidua.forecast('LDTT', 2147483647) $$, '22023',
	'year 2147483647 is out of range', 'forecast: the last integer year is out of range, no overflow');
SELECT throws_ok($$ SELECT * FROM thidua.quota('CSTDCS', 'DEPT', 2147483647) $$, '22023',
	'year 2147483647 is out of range', 'quota: likewise');
SELECT throws_ok($$ SELECT * FROM thidua.eligibility_changes('LDTT', 2147483647, 't/draft') $$, '22023',
	'year 2147483647 is out of range', 'what-if: likewise');

-- a scorer acting for DIST only: units and people it does not see are refused, not counted as empty
\o /dev/null
SELECT thidua.create_roles();
\o
CREATE ROLE tap_elig_scorer IN ROLE thidua_scorer;
INSERT INTO thidua.role_unit VALUES ('tap_elig_scorer', 'DIST');
CREATE FUNCTION pg_temp.value_as(who text, query text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	result text;
BEGIN
	BEGIN
		PERFORM set_config('role', who, true);
		EXECUTE query INTO result;
		RAISE EXCEPTION USING ERRCODE = 'TAPOK';
	EXCEPTION
		WHEN SQLSTATE 'TAPOK' THEN RETURN result;
		WHEN OTHERS THEN RETURN SQLSTATE || ' ' || SQLERRM;
	END;
END
$$;
SELECT is(pg_temp.value_as('tap_elig_scorer', $$ SELECT base || ' ' || allowed FROM thidua.quota('CSTDCS', 'DEPT', 2024) $$),
	'42501 unit "DEPT" is not visible to role "tap_elig_scorer"', 'quota of a unit the scorer does not act for: refused');
SELECT is(pg_temp.value_as('tap_elig_scorer', $$ SELECT evidence FROM thidua.eligibility('DIV1', 'TTLDXS', 2024) $$),
	'42501 unit "DIV1" is not visible to role "tap_elig_scorer"', 'eligibility of such a unit: refused');
SELECT is(pg_temp.value_as('tap_elig_scorer', $$ SELECT count(*)::text FROM thidua.eligible('LDTT', 2024, 'DIV1') $$),
	'42501 unit "DIV1" is not visible to role "tap_elig_scorer"', 'eligible in such a unit: refused');
SELECT is(pg_temp.value_as('tap_elig_scorer', $$ SELECT count(*)::text FROM thidua.forecast('LDTT', 2024, 'DEPT') $$),
	'42501 unit "DEPT" is not visible to role "tap_elig_scorer"', 'forecast of a unit with a sub-unit the scorer acts for: refused');
SELECT is(pg_temp.value_as('tap_elig_scorer', $$ SELECT count(*)::text FROM thidua.eligibility_changes('LDTT', 2024, 't/draft', 'DIV1') $$),
	'42501 unit "DIV1" is not visible to role "tap_elig_scorer"', 'what-if in such a unit: refused');
SELECT is(pg_temp.value_as('tap_elig_scorer', $$ SELECT evidence FROM thidua.eligibility('P01', 'LDTT', 2024) $$),
	'42501 person "P01" is not visible to role "tap_elig_scorer"', 'eligibility of a person the scorer does not see: refused');
SELECT is(pg_temp.value_as('tap_elig_scorer', $$ SELECT arithmetic FROM thidua.quota('CSTDCS', 'DIST', 2024) $$),
	'15 % of 1 = 0.15, rounded down: 0', 'its own unit: answered (P10 holds LDTT 2024)');

-- forecast: every missing item in words, never NULL
SELECT is((SELECT missing || ' ' || lacks::text FROM thidua.forecast('LDTT', 2024, 'DIST') WHERE subject_code = 'P10'),
	'1 {"no disciplinary measure or open proceedings (found: investigation from 2024-11-01, open on 2025-12-31)"}',
	'forecast: open proceedings in words');
SELECT is((SELECT row(missing, cardinality(lacks), array_position(lacks, NULL) IS NULL,
		EXISTS (SELECT 1 FROM unnest(lacks) l WHERE l LIKE 'no disciplinary measure%reprimand from 2026-04-01 to 2027-03-31%'))::text
		FROM thidua.forecast('LDTT', 2026, 'U26') WHERE subject_code = 'X2'),
	'(2,2,t,t)', 'forecast: a measure in words, one phrase per missing item, no NULL');

-- serial and parallel: identical, over a thousand random people, and the plan is partial
INSERT INTO thidua.unit (unit_code, name) VALUES ('RND', 'Ngẫu nhiên');
SELECT setseed(0.11);
INSERT INTO thidua.individual (person_code, full_name, sex)
	SELECT 'R' || n, 'Người ' || n, CASE WHEN random() < 0.5 THEN 'male' ELSE 'female' END FROM generate_series(1, 3000) n;
INSERT INTO thidua.membership (person_code, unit_code, valid_from) SELECT 'R' || n, 'RND', '2010-01-01' FROM generate_series(1, 3000) n;
INSERT INTO thidua.individual_rating (person_code, year, rating)
	SELECT 'R' || n, y, (ARRAY['KHTNV', 'HTNV', 'HTTNV', 'HTXSNV', 'HTXSNV', 'HTXSNV'])[1 + floor(random() * 6)::int]::thidua.completion_rating
	FROM generate_series(1, 3000) n, generate_series(2005, 2024) y;
INSERT INTO thidua.individual_award (person_code, award_code, year, kind)
	SELECT 'R' || n, a, y, 'yearly' FROM generate_series(1, 3000) n, generate_series(2018, 2024) y, unnest(ARRAY['LDTT', 'CSTDCS']) a
	WHERE random() < 0.6;
INSERT INTO thidua.discipline (person_code, kind, severity, valid_from, valid_to)
	SELECT 'R' || n, 'measure', 'reprimand', make_date(2015 + n % 10, 3, 1), make_date(2015 + n % 10, 9, 1) FROM generate_series(1, 3000, 37) n;
ANALYZE thidua.individual_rating, thidua.individual_award, thidua.individual, thidua.membership, thidua.discipline;
ALTER TABLE thidua.individual_rating SET (parallel_workers = 2);
ALTER TABLE thidua.individual_award SET (parallel_workers = 2);
CREATE TEMP TABLE outcome (mode text, award text, subject_code text, reasons jsonb);
SET LOCAL max_parallel_workers_per_gather = 0;
INSERT INTO outcome SELECT 'serial', a, e.subject_code, e.reasons
	FROM unnest(ARRAY['LDTT', 'CSTDCS', 'CSTD-BT', 'BK-BTP']) a, thidua.eligible(a, 2024, NULL, true) e;
INSERT INTO outcome SELECT 'serial', 'BK-BTP 20 years', e.subject_code, e.reasons FROM thidua.eligible('BK-BTP', 2024, NULL, true, 't/lenient') e;
INSERT INTO outcome SELECT 'serial', 'BK-TTG count', e.subject_code, e.reasons FROM thidua.eligible('BK-TTG', 2024, NULL, true, 't/count') e;
INSERT INTO outcome SELECT 'serial', 'BK-TTG count, no cut', e.subject_code, e.reasons FROM thidua.eligible('BK-TTG', 2024, NULL, true, 't/count-free') e;
SET LOCAL max_parallel_workers_per_gather = 2;
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SET LOCAL parallel_leader_participation = off;
INSERT INTO outcome SELECT 'parallel', a, e.subject_code, e.reasons
	FROM unnest(ARRAY['LDTT', 'CSTDCS', 'CSTD-BT', 'BK-BTP']) a, thidua.eligible(a, 2024, NULL, true) e;
INSERT INTO outcome SELECT 'parallel', 'BK-BTP 20 years', e.subject_code, e.reasons FROM thidua.eligible('BK-BTP', 2024, NULL, true, 't/lenient') e;
INSERT INTO outcome SELECT 'parallel', 'BK-TTG count', e.subject_code, e.reasons FROM thidua.eligible('BK-TTG', 2024, NULL, true, 't/count') e;
INSERT INTO outcome SELECT 'parallel', 'BK-TTG count, no cut', e.subject_code, e.reasons FROM thidua.eligible('BK-TTG', 2024, NULL, true, 't/count-free') e;
CREATE FUNCTION pg_temp.plan_of(query text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	line text;
	plan_text text := '';
BEGIN
	FOR line IN EXECUTE 'EXPLAIN ' || query LOOP
		plan_text := plan_text || line || E'\n';
	END LOOP;
	RETURN plan_text;
END
$$;
SELECT matches(pg_temp.plan_of(thidua._eligibility_query('BK-BTP', 2024, '2024-12-31', 't/lenient', NULL, NULL, 'eligible')),
	'Partial (Hash|Group)?Aggregate', 'the compiled query aggregates 20 years of ratings in parallel workers (streak''s partial states)');
SELECT matches(pg_temp.plan_of(thidua._eligibility_query('BK-TTG', 2024, '2024-12-31', 't/count-free', NULL, NULL, 'eligible')),
	'Partial (Hash|Group)?Aggregate', 'and counts the distinct years of an award in parallel workers (bit_or''s partial states)');
SELECT cmp_ok((SELECT count(*) FROM outcome WHERE mode = 'serial'), '>', 1000::bigint, 'many eligible subjects');
SELECT is_empty($$ SELECT award, subject_code, reasons FROM outcome WHERE mode = 'serial'
	EXCEPT SELECT award, subject_code, reasons FROM outcome WHERE mode = 'parallel' $$,
	'every serial result (with its reasons) is found in the parallel run');
SELECT is_empty($$ SELECT award, subject_code, reasons FROM outcome WHERE mode = 'parallel'
	EXCEPT SELECT award, subject_code, reasons FROM outcome WHERE mode = 'serial' $$, 'and nothing else');

-- two rulebooks in force: the caller names one
\o /dev/null
SELECT thidua.publish_rulebook(pg_temp.test_rulebook('u', '1', 'Khác', '"effective_from": "2024-01-01"', $$
	{"award": "LDTT", "rule": {"kind": "rating_this_year", "rating": "KHTNV", "source": {"document": "x", "verified": false, "status": "N"}}}
$$));
\o
SELECT throws_ok($$ SELECT * FROM thidua.eligible('LDTT', 2024) $$, '42P08',
	'several rulebooks are in force for award "LDTT" on 2024-12-31: t/2024, u/1',
	'two rulebooks in force: an error asks for one (the one of rulebook_in_force)');
SELECT is(pg_temp.who('LDTT', 2024, 'DEPT', 'u/1'), 'P01 P02 P03 P04 P05 P06 P08 P09 P10',
	'naming one: its rules (Q1..Q5 have no rating; P07''s 2024 does not count)');
\o /dev/null
SELECT thidua.retire_rulebook('t/2024');
\o
SELECT is(substring((SELECT evidence FROM thidua.eligibility('P01', 'LDTT', 2024) WHERE node = 'rule') FROM 'under ([^,]+),')
		|| ' ' || thidua.rulebook_in_force('LDTT', '2024-12-31'), 'u/1 u/1',
	'the version applied is rulebook_in_force''s: t/2024 retired, u/1');
SELECT is(pg_temp.who('LDTT', 2024, 'DEPT'), 'P01 P02 P03 P04 P05 P06 P08 P09 P10',
	'a retired version is in force nowhere: u/1 alone judges LDTT 2024');

SELECT * FROM finish();
ROLLBACK;
