-- The justice department fixture (test/fixtures/justice-dept): Đồng Tháp's Sở
-- Tư pháp loaded through the imports, the shipped rulebooks imported and
-- published, then every named case of CASES.md asserted through eligibility,
-- eligible, quota and forecast. Run from the repository's root (psql reads the
-- files with \set x `cat file`).
BEGIN;
SELECT plan(86);

\set units `cat test/fixtures/justice-dept/units.csv`
\set people `cat test/fixtures/justice-dept/people.csv`
\set ratings `cat test/fixtures/justice-dept/ratings.csv`
\set unit_ratings `cat test/fixtures/justice-dept/unit_ratings.csv`
\set initiatives `cat test/fixtures/justice-dept/initiatives.csv`
\set awards `cat test/fixtures/justice-dept/awards.csv`
\set unit_awards `cat test/fixtures/justice-dept/unit_awards.csv`
\set discipline `cat test/fixtures/justice-dept/discipline.csv`
\set rb2018 `cat rulebooks/justice-2018.json`
\set rb2024 `cat rulebooks/justice-2024.json`
\set rb2025 `cat rulebooks/justice-2025-09.json`

-- the fixture, through the imports
SELECT is((SELECT row(added, changed, unchanged)::text FROM thidua.import_units(:'units', 'units.csv')),
	'(22,0,0)', 'units.csv: the department, 9 divisions and centres, 12 district offices');
SELECT is((SELECT row(added, changed, unchanged, memberships, posts)::text FROM thidua.import_people(:'people', 'people.csv')),
	'(149,0,0,153,44)', 'people.csv: 149 people, 153 memberships, 44 posts held');
SELECT is((SELECT row(kind, added, changed, unchanged)::text FROM thidua.import_records('ratings', :'ratings', 'ratings.csv')),
	'(ratings,1363,0,0)', 'ratings.csv: ten years of people''s ratings');
SELECT is((SELECT row(kind, added, changed, unchanged)::text FROM thidua.import_records('ratings', :'unit_ratings', 'unit_ratings.csv')),
	'(ratings,220,0,0)', 'unit_ratings.csv: the units'' own ratings (column unit)');
SELECT is((SELECT row(kind, added, changed, unchanged)::text FROM thidua.import_records('initiatives', :'initiatives', 'initiatives.csv')),
	'(initiatives,122,0,0)', 'initiatives.csv: 122 initiatives, some with two authors');
SELECT is((SELECT row(kind, added, changed, unchanged)::text FROM thidua.import_records('awards', :'awards', 'awards.csv')),
	'(awards,1367,0,0)', 'awards.csv: people''s awards, one revoked, some thematic or ad hoc');
SELECT is((SELECT row(kind, added, changed, unchanged)::text FROM thidua.import_records('awards', :'unit_awards', 'unit_awards.csv')),
	'(awards,84,0,0)', 'unit_awards.csv: the units'' awards (column unit)');
SELECT is((SELECT row(kind, added, changed, unchanged)::text FROM thidua.import_records(NULL, :'discipline', 'discipline.csv')),
	'(discipline,1,0,0)', 'discipline.csv: the kind is detected from the header');
SELECT is((SELECT a.person_code || ' ' || a.award_code || ' ' || a.year FROM thidua.initiative i
		   JOIN thidua.individual_award a ON a.record_id = i.used_by_award WHERE i.initiative_code = 'SK-2023-03'),
	'DT013 BK-UBT 2023', 'the awards file''s initiatives column marks SK-2023-03 used by DT013''s Bằng khen of 2023');
SELECT is((SELECT revoked_on FROM thidua.individual_award WHERE person_code = 'DT019' AND award_code = 'LDTT' AND year = 2024),
	'2025-04-15'::date, 'DT019''s LĐTT 2024 is on record, revoked');

-- the shipped rulebooks (kept when the database has them already), published
SELECT CASE WHEN EXISTS (SELECT 1 FROM thidua.rulebook_version WHERE version_code = 'justice/2018')
	THEN pass('justice/2018 is loaded already')
	ELSE lives_ok(format('SELECT thidua.import_rulebook(%L::jsonb)', :'rb2018'), 'imports rulebooks/justice-2018.json') END;
SELECT CASE WHEN EXISTS (SELECT 1 FROM thidua.rulebook_version WHERE version_code = 'justice/2024')
	THEN pass('justice/2024 is loaded already')
	ELSE lives_ok(format('SELECT thidua.import_rulebook(%L::jsonb)', :'rb2024'), 'imports rulebooks/justice-2024.json') END;
SELECT CASE WHEN EXISTS (SELECT 1 FROM thidua.rulebook_version WHERE version_code = 'justice/2025-09')
	THEN pass('justice/2025-09 is loaded already')
	ELSE lives_ok(format('SELECT thidua.import_rulebook(%L::jsonb)', :'rb2025'), 'imports rulebooks/justice-2025-09.json') END;
SELECT lives_ok($$SELECT thidua.publish_rulebook(v.version_code) FROM thidua.rulebook_version v
		WHERE v.version_code IN ('justice/2018', 'justice/2024', 'justice/2025-09') AND v.status = 'draft'$$,
	'publishes the editions still in draft');
SELECT is((SELECT array_agg(version_code || ' ' || status || ' ' || effective_from || '..' || coalesce(effective_to::text, '')
		   ORDER BY effective_from) FROM thidua.rulebook_version
		   WHERE version_code IN ('justice/2018', 'justice/2024', 'justice/2025-09')),
	ARRAY['justice/2018 published 2018-01-01..2023-12-31', 'justice/2024 published 2024-01-01..2025-09-14',
		  'justice/2025-09 published 2025-09-15..'], 'three published editions, one after the other');

-- which edition judges which date
SELECT is(thidua.rulebook_in_force('CSTDCS', '2023-12-31'), 'justice/2018', '2023 is judged by the 2018 edition');
SELECT is(thidua.rulebook_in_force('KNC-TP', '2025-09-14'), 'justice/2024', '2025-09-14 is judged by the 2024 edition');
SELECT is(thidua.rulebook_in_force('KNC-TP', '2025-12-31'), 'justice/2025-09', '2025-12-31 is judged by the 2025-09 edition');

-- the named cases of CASES.md: the overall answer, and the leaf that decides it
CREATE TEMP TABLE justice_case (id text PRIMARY KEY, subject text, award text, year integer, judged_on date,
								expected boolean, deciding text, what text);
INSERT INTO justice_case VALUES
	('C01', 'DT010', 'CSTDCS', 2024, NULL, true, 'rating_this_year', 'CSTĐCS 2024: LĐTT and HTXSNV, no initiative (2024 rule)'),
	('C02', 'DT010', 'CSTDCS', 2023, NULL, false, 'initiatives', 'CSTĐCS 2023: LĐTT and HTXSNV, no initiative (old rule)'),
	('C03a', 'DT011', 'CSTDCS', 2023, NULL, true, 'initiatives', 'CSTĐCS 2023: first author of a shared initiative'),
	('C03b', 'DT012', 'CSTDCS', 2023, NULL, true, 'initiatives', 'CSTĐCS 2023: second author of the shared initiative'),
	('C04', 'DT013', 'CSTDCS', 2023, NULL, false, 'initiatives', 'CSTĐCS 2023: the only initiative was used by a Bằng khen'),
	('C05', 'DT014', 'BK-BTP', 2024, NULL, false, 'rating_streak', 'Bằng khen Bộ trưởng 2024: HTXSNV streak broken by HTTNV 2023'),
	('C06', 'DT015', 'BK-BTP', 2024, NULL, true, 'rating_streak', 'Bằng khen Bộ trưởng 2024: HTXSNV 2023-2024, two initiatives'),
	('C07', 'DT017', 'CSTD-BT', 2024, NULL, true, 'award_streak', 'CSTĐ cấp tỉnh 2024: CSTĐCS 2022-2024, a province-level initiative'),
	('C08', 'DT018', 'CSTD-BT', 2024, NULL, false, 'award_streak', 'CSTĐ cấp tỉnh 2024: no CSTĐCS in 2023'),
	('C09', 'DT019', 'CSTDCS', 2024, NULL, false, 'award_held', 'CSTĐCS 2024: the LĐTT 2024 was revoked'),
	('C10', 'DT002', 'KNC-TP', 2025, NULL, false, 'once_only', 'medal 2025: received in 2023'),
	('C11', 'DT001', 'KNC-TP', 2025, NULL, true, 'service_years', 'medal 2025 (2025-09 edition): a woman, 3 years as Giám đốc'),
	('C12', 'DT001', 'KNC-TP', 2025, '2025-09-14', false, 'service_years', 'medal judged 2025-09-14 (2024 edition): 3 years, 5 needed'),
	('C13', 'DT003', 'KNC-TP', 2025, NULL, false, 'service_years', 'medal 2025: a man, 7 years as Phó Giám đốc, 8 needed'),
	('C15', 'DT020', 'BK-TTG', 2024, NULL, false, 'award_held', 'Bằng khen Thủ tướng 2024: his only Bằng khen is thematic'),
	('C16', 'DT021', 'LDTT', 2024, NULL, false, 'no_discipline', 'LĐTT 2024: reprimanded 2024-05-20 to 2025-05-19'),
	('C17a', 'PTP-THAPMUOI', 'TTLDTT', 2023, NULL, true, 'members_with_award', 'Tập thể LĐTT 2023: 4 of 6 members LĐTT'),
	('C17b', 'PTP-TAMNONG', 'TTLDTT', 2023, NULL, false, 'members_with_award', 'Tập thể LĐTT 2023: 3 of 6 is not more than half'),
	('C18', 'DT022', 'LDTT', 2023, NULL, false, 'rating_this_year', 'LĐTT 2023: rated HTNV');

SELECT is((SELECT e.passed FROM thidua.eligibility(c.subject, c.award, c.year, NULL, c.judged_on) e WHERE e.node = 'rule'),
		  c.expected, format('%s %s: %s', c.id, c.subject, c.what) || CASE WHEN c.expected THEN ': eligible' ELSE ': not eligible' END)
	FROM justice_case c ORDER BY c.id;
SELECT ok(EXISTS (SELECT 1 FROM thidua.eligibility(c.subject, c.award, c.year, NULL, c.judged_on) e
				  WHERE e.kind = c.deciding AND e.passed = c.expected),
		  format('%s %s: a %s rule %s', c.id, c.subject, c.deciding, CASE WHEN c.expected THEN 'passes' ELSE 'fails' END))
	FROM justice_case c ORDER BY c.id;

-- the deciding leaves for the right reasons: their evidence
SELECT ok(EXISTS (SELECT 1 FROM thidua.eligibility('DT013', 'CSTDCS', 2023) e WHERE e.kind = 'initiatives' AND NOT e.passed
				  AND e.evidence LIKE '0 initiatives % recognised in 2023; 1 required; 1 not counted: already used by another award'),
	'C04 evidence: DT013''s only initiative of 2023 is not counted, already used by another award');
SELECT ok(EXISTS (SELECT 1 FROM thidua.eligibility('DT019', 'CSTDCS', 2024) e WHERE e.kind = 'award_held' AND NOT e.passed
				  AND e.evidence = 'no LDTT in 2024; 1 not counted: revoked'),
	'C09 evidence: DT019''s LĐTT 2024 is on record but not counted (revoked)');
SELECT ok(EXISTS (SELECT 1 FROM thidua.eligibility('DT020', 'BK-TTG', 2024) e WHERE e.kind = 'award_held' AND NOT e.passed
				  AND e.evidence = 'no BK-UBT up to 2024; 1 not counted: thematic or ad hoc'),
	'C15 evidence: DT020''s thematic Bằng khen of the province is held but not counted');
SELECT is((SELECT e.passed || ' | ' || e.evidence FROM thidua.eligibility('DT020', 'BK-TTG', 2024) e WHERE e.node = 'rule.all_of[2]'),
	'true | CSTDCS 2020, 2021, 2022, 2023, 2024: 5 years in 2020-2024, 3 required',
	'C15: the Prime Minister''s Bằng khen counts CSTĐCS in 3 of the 5 years, as the law says');
SELECT is((SELECT e.evidence FROM thidua.eligibility('DT021', 'LDTT', 2024) e WHERE e.kind = 'no_discipline'),
	'reprimand from 2024-05-20 to 2025-05-19 (112/QĐ-STP) overlaps 2024-01-01..2024-12-31',
	'C16 evidence: DT021''s reprimand, with its dates and the window it overlaps');
SELECT is((SELECT e.evidence FROM thidua.eligibility('DT021', 'LDTT', 2024) e WHERE e.kind = 'rating_this_year'),
	'HTTNV in 2024; HTTNV required; years up to 2025 do not count: reprimand until 2025-05-19',
	'C16 evidence: and his rating of 2024 does not count, the reprimand running until 2025-05-19');
SELECT ok(EXISTS (SELECT 1 FROM thidua.eligibility('DT001', 'KNC-TP', 2025) e WHERE e.kind = 'service_years' AND e.passed
				  AND e.evidence LIKE '3 full years in %, giám đốc, % to 2025-12-31 (% year% month%); 3 required for a woman'),
	'C11 evidence: 3 full years as Giám đốc (the rulebook''s "giám đốc" matches the clerks'' "Giám đốc"), 3 required for a woman');
SELECT ok(EXISTS (SELECT 1 FROM thidua.eligibility('DT001', 'KNC-TP', 2025, NULL, '2025-09-14') e WHERE e.kind = 'service_years' AND NOT e.passed
				  AND e.evidence LIKE '3 full years in %, giám đốc, % to 2025-09-14 (% year% month%); 5 required for a woman'),
	'C12 evidence: the same 3 years as Giám đốc, 5 required for a woman under the 2024 edition');
SELECT ok(EXISTS (SELECT 1 FROM thidua.eligibility('DT003', 'KNC-TP', 2025) e WHERE e.kind = 'service_years' AND NOT e.passed
				  AND e.evidence LIKE '7 full years in phó giám đốc% to 2025-12-31 (% year% month%); 8 required for a man'),
	'C13 evidence: 7 full years as Phó Giám đốc, 8 required for a man');
SELECT ok(EXISTS (SELECT 1 FROM thidua.eligibility('DT002', 'KNC-TP', 2025) e WHERE e.kind = 'service_years' AND e.passed
				  AND e.evidence LIKE '11 full years in phó giám đốc% 8 required for a man'),
	'C10: DT002''s 11 years as Phó Giám đốc would suffice; once_only alone refuses him');

-- the same through eligible(): one query per organisation
SELECT ok(EXISTS (SELECT 1 FROM thidua.eligible('CSTDCS', 2024, 'STPDT') WHERE subject_code = 'DT010'),
	'eligible CSTĐCS 2024 in the department: DT010 (C1)');
SELECT ok(NOT EXISTS (SELECT 1 FROM thidua.eligible('CSTDCS', 2024, 'STPDT') WHERE subject_code IN ('DT019', 'DT021')),
	'eligible CSTĐCS 2024: not DT019 (revoked LĐTT), not DT021 (disciplined)');
SELECT is((SELECT count(*)::integer FROM thidua.eligible('CSTDCS', 2023, 'STPDT-XDVB') WHERE subject_code IN ('DT011', 'DT012')),
	2, 'eligible CSTĐCS 2023 in Phòng XDKTVB: both authors of SK-2023-07 (C3)');
SELECT ok(NOT EXISTS (SELECT 1 FROM thidua.eligible('CSTDCS', 2023) WHERE subject_code IN ('DT010', 'DT013')),
	'eligible CSTĐCS 2023 (everyone): not DT010 (no initiative), not DT013 (initiative used)');
SELECT ok(EXISTS (SELECT 1 FROM thidua.eligible('KNC-TP', 2025, 'STPDT') WHERE subject_code = 'DT001'),
	'eligible for the medal in 2025: DT001, a woman with 3 years as Giám đốc (C11)');
SELECT ok(NOT EXISTS (SELECT 1 FROM thidua.eligible('KNC-TP', 2025, 'STPDT') WHERE subject_code IN ('DT002', 'DT003')),
	'eligible for the medal in 2025: not DT002 (once only), not DT003 (7 years as deputy)');
SELECT ok(EXISTS (SELECT 1 FROM thidua.eligible('TTLDTT', 2023, 'STPDT') WHERE subject_code = 'PTP-THAPMUOI'),
	'eligible Tập thể LĐTT 2023: Tháp Mười (C17a)');
SELECT ok(NOT EXISTS (SELECT 1 FROM thidua.eligible('TTLDTT', 2023, 'STPDT') WHERE subject_code = 'PTP-TAMNONG'),
	'eligible Tập thể LĐTT 2023: not Tam Nông (C17b)');
SELECT isnt((SELECT reasons FROM thidua.eligible('CSTDCS', 2024, 'STPDT-PBGD', true) WHERE subject_code = 'DT010'),
	NULL, 'eligible with why: DT010''s reasons are given');
SELECT set_eq($$SELECT subject_code FROM thidua.eligible('CSTDCS', 2023, 'STPDT')$$,
	$$SELECT DISTINCT m.person_code FROM thidua.membership m
	  WHERE m.valid_from <= '2023-12-31' AND (m.valid_to IS NULL OR m.valid_to > '2023-12-31')
		AND (SELECT e.passed FROM thidua.eligibility(m.person_code, 'CSTDCS', 2023) e WHERE e.node = 'rule')$$,
	'eligible CSTĐCS 2023 in one query = eligibility() person by person (2018 edition)');
SELECT set_eq($$SELECT subject_code FROM thidua.eligible('CSTDCS', 2024, 'STPDT')$$,
	$$SELECT DISTINCT m.person_code FROM thidua.membership m
	  WHERE m.valid_from <= '2024-12-31' AND (m.valid_to IS NULL OR m.valid_to > '2024-12-31')
		AND (SELECT e.passed FROM thidua.eligibility(m.person_code, 'CSTDCS', 2024) e WHERE e.node = 'rule')$$,
	'eligible CSTĐCS 2024 in one query = eligibility() person by person (2024 edition)');
SELECT set_eq($$SELECT subject_code FROM thidua.eligible('KNC-TP', 2025, 'STPDT')$$,
	$$SELECT DISTINCT m.person_code FROM thidua.membership m
	  WHERE m.valid_from <= '2025-12-31' AND (m.valid_to IS NULL OR m.valid_to > '2025-12-31')
		AND (SELECT e.passed FROM thidua.eligibility(m.person_code, 'KNC-TP', 2025) e WHERE e.node = 'rule')$$,
	'eligible for the medal 2025 in one query = eligibility() person by person (2025-09 edition)');

-- C14: the quota, rounded down
SELECT is((SELECT row(base_award, base, allowed)::text FROM thidua.quota('CSTDCS', 'STPDT-VP', 2022)),
	'(LDTT,13,1)', 'C14 quota CSTĐCS 2022, Văn phòng Sở: 13 LĐTT x 15 % = 1.95, 1 allowed');
SELECT is((SELECT row(share, rounding, minimum)::text FROM thidua.quota('CSTDCS', 'STPDT-VP', 2022)),
	'(0.15,down,0)', 'C14 quota: 15 %, rounded down ("at most"), no minimum');
SELECT is((SELECT row(base, allowed)::text FROM thidua.quota('CSTDCS', 'STPDT', 2022)),
	'(130,19)', 'quota CSTĐCS 2022, the department and its sub-units: 130 x 15 % = 19.5, 19 allowed');

-- F1, F2: the medal's forecast from 2024
SELECT is((SELECT eligible_next_year FROM thidua.forecast('KNC-TP', 2024, 'STPDT') WHERE subject_code = 'DT001'),
	true, 'F1 forecast medal 2024: DT001 is eligible in 2025 (3 years as Giám đốc, 2025-09 edition)');
SELECT is((SELECT missing FROM thidua.forecast('KNC-TP', 2024, 'STPDT') WHERE subject_code = 'DT001'),
	0, 'F1 forecast: DT001 lacks nothing');
SELECT is((SELECT eligible_next_year FROM thidua.forecast('KNC-TP', 2024, 'STPDT') WHERE subject_code = 'DT003'),
	false, 'F2 forecast medal 2024: DT003 is not eligible in 2025 (7 years as Phó Giám đốc, 8 needed)');
SELECT ok((SELECT missing >= 1 AND cardinality(lacks) >= 1 FROM thidua.forecast('KNC-TP', 2024, 'STPDT')
		   WHERE subject_code = 'DT003'), 'F2 forecast: DT003 lacks something, said in words');
SELECT is((SELECT lacks FROM thidua.forecast('KNC-TP', 2024, 'STPDT') WHERE subject_code = 'DT003'),
	ARRAY['one more year as phó giám đốc or phó cục trưởng (7 of 8 held on 2025-12-31)'], 'F2 forecast: DT003 lacks one more year as deputy director (8 on 2026-10-01)');

SELECT * FROM finish();
ROLLBACK;
