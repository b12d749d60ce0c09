-- Eligibility, forecasts, quotas and what-if on small hand-made records:
-- every rule kind deciding (passing and failing), every general rule both
-- ways, collectives, the rulebook chosen by judging date, quota roundings,
-- forecast wording, what-if, and eligible() identical serially and under
-- forced parallel partial aggregation.
BEGIN;
SELECT plan(68);

-- units: DEPT with DIV1 and DIST under it; OTHER elsewhere
INSERT INTO thidua.unit (unit_code, name, parent_code) VALUES
	('DEPT', 'Sở Tư pháp', NULL), ('DIV1', 'Phòng Hành chính tư pháp', 'DEPT'),
	('DIST', 'Phòng Tư pháp huyện', 'DEPT'), ('OTHER', 'Đơn vị khác', NULL);
INSERT INTO thidua.individual (person_code, full_name, sex) VALUES
	('P01', 'Nguyễn Văn Một', 'male'), ('P02', 'Trần Thị Hai', 'female'), ('P03', 'Lê Văn Ba', 'male'),
	('P04', 'Phạm Thị Bốn', 'female'), ('P05', 'Hoàng Thị Năm', 'female'), ('P06', 'Vũ Văn Sáu', 'male'),
	('P07', 'Đặng Văn Bảy', 'male'), ('P08', 'Bùi Thị Tám', 'female'), ('P09', 'Đỗ Văn Chín', 'male'),
	('P10', 'Hồ Thị Mười', 'female'), ('P11', 'Ngô Văn Mười Một', 'male');
INSERT INTO thidua.membership (person_code, unit_code, valid_from, valid_to)
	SELECT p, CASE WHEN p IN ('P10') THEN 'DIST' WHEN p = 'P11' THEN 'OTHER' ELSE 'DIV1' END, '2010-01-01', NULL
	FROM unnest(ARRAY['P01','P02','P03','P04','P05','P06','P07','P08','P09','P10','P11']) p;
-- ratings 2020..2024: HTXSNV unless said otherwise
INSERT INTO thidua.individual_rating (person_code, year, rating)
	SELECT p, y, (CASE
		WHEN p = 'P02' AND y = 2023 THEN 'HTTNV'          -- the streak broken by one HTTNV year
		WHEN p = 'P06' AND y = 2024 THEN 'HTTNV'
		WHEN p = 'P08' AND y = 2024 THEN 'HTNV'
		ELSE 'HTXSNV' END)::thidua.completion_rating
	FROM unnest(ARRAY['P01','P02','P03','P04','P05','P06','P07','P08','P09','P10','P11']) p, generate_series(2020, 2024) y;
-- awards: LDTT every year for everyone but P04 (2024 revoked) and P08 (2024 thematic)
INSERT INTO thidua.individual_award (person_code, award_code, year, kind, revoked_on, revocation_reason)
	SELECT p, 'LDTT', y, CASE WHEN p = 'P08' AND y = 2024 THEN 'thematic' ELSE 'yearly' END,
		CASE WHEN p = 'P04' AND y = 2024 THEN DATE '2025-03-01' END,
		CASE WHEN p = 'P04' AND y = 2024 THEN 'hồ sơ không trung thực' END
	FROM unnest(ARRAY['P01','P02','P03','P04','P05','P06','P07','P08','P09','P10','P11']) p, generate_series(2020, 2024) y;
INSERT INTO thidua.individual_award (person_code, award_code, year, kind)
	VALUES ('P01', 'CSTDCS', 2022, 'yearly'), ('P01', 'CSTDCS', 2023, 'yearly'), ('P01', 'CSTDCS', 2024, 'yearly'),
		   ('P03', 'CSTDCS', 2022, 'yearly'), ('P03', 'CSTDCS', 2023, 'yearly'), ('P03', 'CSTDCS', 2024, 'yearly'),
		   ('P09', 'KNC-TP', 2019, 'career'), ('P03', 'BK-BTP', 2021, 'yearly');
-- initiatives: P01 one of ministry scope; P03's was used by his Bằng khen 2021; P01 and P03 share a grassroots one
INSERT INTO thidua.initiative (initiative_code, title, scope, recognised_on, used_by_award) VALUES
	('SK-1', 'Số hóa sổ hộ tịch', 'ministry_province', '2023-06-01', NULL),
	('SK-2', 'Một cửa liên thông', 'ministry_province', '2022-05-01',
		(SELECT record_id FROM thidua.individual_award WHERE person_code = 'P03' AND award_code = 'BK-BTP')),
	('SK-3', 'Mẫu hợp đồng chuẩn', 'grassroots', '2024-04-01', NULL);
INSERT INTO thidua.initiative_author VALUES ('SK-1', 'P01'), ('SK-2', 'P03'), ('SK-3', 'P01'), ('SK-3', 'P03');
-- posts: P05 (a woman) 3 years as director, P06 (a man) 3 years too; P07's overlapping posts counted once
INSERT INTO thidua.post_held (person_code, unit_code, post, valid_from, valid_to) VALUES
	('P05', 'DIV1', 'Giám đốc', '2022-01-01', NULL),
	('P06', 'DIV1', 'Giám đốc', '2022-01-01', NULL),
	('P07', 'DIV1', 'Phó Giám đốc', '2017-01-01', '2021-01-01'),
	('P07', 'DIV1', 'Giám đốc', '2020-01-01', NULL);
-- discipline: P07 a warning in 2024; P10 an investigation open at the end of 2024;
-- P02 a reprimand that ended in 2021 (achievements up to 2021 do not count)
INSERT INTO thidua.discipline (person_code, kind, severity, valid_from, valid_to, decision) VALUES
	('P07', 'measure', 'warning', '2024-03-01', '2024-09-01', 'QĐ 12/KL'),
	('P10', 'investigation', NULL, '2024-11-01', NULL, NULL),
	('P02', 'measure', 'reprimand', '2021-02-01', '2021-08-01', 'QĐ 3/KL');
-- units' records
INSERT INTO thidua.unit_rating (unit_code, year, rating) VALUES
	('DIV1', 2023, 'HTXSNV'), ('DIV1', 2024, 'HTXSNV'), ('DIST', 2024, 'HTXSNV'), ('DEPT', 2024, 'HTTNV');
INSERT INTO thidua.unit_award (unit_code, award_code, year, kind) VALUES
	('DIV1', 'TTLDXS', 2023, 'yearly'), ('DIV1', 'TTLDXS', 2024, 'yearly'), ('DIST', 'TTLDXS', 2024, 'yearly');

-- rulebooks: t/2018 (to 2023) and t/2024 (from 2024), published; t/draft a draft
INSERT INTO thidua.rulebook VALUES ('t', 'Thử nghiệm');
INSERT INTO thidua.rulebook_version (version_code, rulebook_code, edition, title, effective_from, effective_to, general) VALUES
	('t/2018', 't', '2018', 'Thử 2018', '2018-01-01', '2023-12-31', '{}'),
	('t/2024', 't', '2024', 'Thử 2024', '2024-01-01', NULL,
	 '{"thematic_and_ad_hoc_awards_count": {"value": false, "source": {"document": "Law 06/2022/QH15", "verified": false, "status": "S"}},
	   "revoked_awards_count": {"value": false, "source": {"document": "Law 06/2022/QH15", "verified": false, "status": "S"}},
	   "initiative_counts_once": {"value": true, "source": {"document": "Law 06/2022/QH15", "verified": false, "status": "S"}},
	   "achievements_after_discipline": {"value": true, "source": {"document": "Law 06/2022/QH15", "verified": false, "status": "S"}}}'),
	('t/draft', 't', 'draft', 'Thử dự thảo', '2024-01-01', NULL, '{}');
CREATE TEMP TABLE src AS SELECT '{"document": "Law 06/2022/QH15", "article": "24", "clause": "1", "verified": true, "status": "V"}'::jsonb AS s;
INSERT INTO thidua.rulebook_entry (version_code, award_code, position, rule, quota)
SELECT v, a, pos, replace(r, '"SRC"', (SELECT s::text FROM src))::jsonb, replace(q, '"SRC"', (SELECT s::text FROM src))::jsonb FROM (VALUES
	('t/2018', 'LDTT', 1, '{"kind": "rating_this_year", "rating": "HTNV", "source": "SRC"}', NULL),
	('t/2024', 'LDTT', 1, '{"all_of": [{"kind": "rating_this_year", "rating": "HTTNV", "source": "SRC"},
		{"kind": "no_discipline", "window_years": 1, "severity": null, "proceedings": true, "source": "SRC"}]}', NULL),
	('t/2024', 'CSTDCS', 2, '{"all_of": [{"kind": "award_held", "award": "LDTT", "within_years": 1, "source": "SRC"},
		{"any_of": [{"kind": "rating_this_year", "rating": "HTXSNV", "source": "SRC"},
					{"kind": "initiatives", "count": 1, "scope": "grassroots", "window_years": 1, "source": "SRC"}]}]}',
	 '{"base_award": "LDTT", "share": 0.15, "rounding": "down", "minimum": 0, "per": "unit", "source": "SRC"}'),
	('t/2024', 'CSTD-BT', 3, '{"all_of": [{"kind": "award_streak", "award": "CSTDCS", "times": 3, "source": "SRC"},
		{"kind": "rating_streak", "years": 3, "rating": "HTXSNV", "source": "SRC"},
		{"kind": "initiatives", "count": 1, "scope": "ministry_province", "window_years": 3, "source": "SRC"}]}', NULL),
	('t/2024', 'KNC-TP', 4, '{"all_of": [{"kind": "service_years", "posts": ["Giám đốc", "Phó Giám đốc"], "men": 5, "women": 3, "source": "SRC"},
		{"kind": "once_only", "source": "SRC"}]}', NULL),
	('t/2024', 'BK-BTP', 5, '{"all_of": [{"kind": "rating_streak", "years": 2, "rating": "HTXSNV", "source": "SRC"},
		{"kind": "service_years", "in_sector": true, "men": 10, "women": 10, "source": "SRC"}]}',
	 '{"count": 2, "per": "unit", "source": "SRC"}'),
	('t/2024', 'TTLDXS', 6, '{"all_of": [{"kind": "rating_this_year", "rating": "HTXSNV", "source": "SRC"},
		{"kind": "members_with_award", "award": "LDTT", "share": 0.5, "comparison": "more_than", "source": "SRC"},
		{"kind": "members_rated", "rating": "HTNV", "share": 1, "source": "SRC"},
		{"kind": "members_without_discipline", "severity": "warning", "source": "SRC"}]}', NULL),
	('t/2024', 'CTD-BT', 7, '{"kind": "award_streak", "award": "TTLDXS", "times": 2, "source": "SRC"}', NULL),
	('t/draft', 'LDTT', 1, '{"kind": "rating_this_year", "rating": "HTXSNV", "source": "SRC"}', NULL)
) e(v, a, pos, r, q);
UPDATE thidua.rulebook_version SET status = 'published' WHERE version_code IN ('t/2018', 't/2024');
-- 15 % of 13: five more holders of LDTT 2024 under DEPT
INSERT INTO thidua.unit (unit_code, name, parent_code) VALUES ('DIST2', 'Phòng Tư pháp huyện 2', 'DEPT');
INSERT INTO thidua.individual (person_code, full_name, sex)
	SELECT 'Q' || n, 'Người thứ ' || n, 'male' FROM generate_series(1, 5) n;
INSERT INTO thidua.membership (person_code, unit_code, valid_from) SELECT 'Q' || n, 'DIST2', '2015-01-01' FROM generate_series(1, 5) n;
INSERT INTO thidua.individual_award (person_code, award_code, year, kind) SELECT 'Q' || n, 'LDTT', 2024, 'yearly' FROM generate_series(1, 5) n;
-- drafts: every general rule the other way; quota roundings
INSERT INTO thidua.rulebook_version (version_code, rulebook_code, edition, title, effective_from, general) VALUES
	('t/lenient', 't', 'lenient', 'Thử nới', '2024-01-01',
	 '{"thematic_and_ad_hoc_awards_count": {"value": true}, "revoked_awards_count": {"value": true},
	   "initiative_counts_once": {"value": false}, "achievements_after_discipline": {"value": false}}'),
	('t/q-half', 't', 'q-half', 'Thử làm tròn', '2024-01-01', '{}'),
	('t/q-up', 't', 'q-up', 'Thử làm tròn lên', '2024-01-01', '{}');
INSERT INTO thidua.rulebook_entry (version_code, award_code, position, rule, quota)
SELECT v, a, pos, replace(r, '"SRC"', (SELECT s::text FROM src))::jsonb, replace(q, '"SRC"', (SELECT s::text FROM src))::jsonb FROM (VALUES
	('t/lenient', 'LDTT', 1, '{"kind": "rating_this_year", "rating": "HTTNV", "source": "SRC"}', NULL),
	('t/lenient', 'CSTDCS', 2, '{"kind": "award_held", "award": "LDTT", "within_years": 1, "source": "SRC"}', NULL),
	('t/lenient', 'CSTD-BT', 3, '{"kind": "initiatives", "count": 1, "scope": "ministry_province", "window_years": 3, "source": "SRC"}', NULL),
	('t/lenient', 'BK-BTP', 4, '{"kind": "rating_streak", "years": 20, "rating": "HTTNV", "source": "SRC"}', NULL),
	('t/q-half', 'CSTDCS', 1, '{"kind": "award_held", "award": "LDTT", "within_years": 1, "source": "SRC"}',
	 '{"base_award": "LDTT", "share": 0.15, "rounding": "half_up", "minimum": 0, "per": "unit", "source": "SRC"}'),
	('t/q-up', 'CSTDCS', 1, '{"kind": "award_held", "award": "LDTT", "within_years": 1, "source": "SRC"}',
	 '{"base_award": "LDTT", "share": 0.15, "rounding": "up", "minimum": 3, "per": "unit", "source": "SRC"}')
) e(v, a, pos, r, q);

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
SELECT is((SELECT evidence FROM thidua.eligibility('P07', 'LDTT', 2024, NULL, '2023-12-31') WHERE node = 'rule'),
	'LDTT eligible for P07 2024 under t/2018, judged on 2023-12-31: HTXSNV in 2024; HTNV required',
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
	'false | no LDTT in 2024; 1 not counted (revoked, thematic or ad hoc, or before a disciplinary measure ended)',
	'award_held: a revoked award does not count');
SELECT is(pg_temp.node('P08', 'CSTDCS', 2024, 'rule.all_of[0]'),
	'false | no LDTT in 2024; 1 not counted (revoked, thematic or ad hoc, or before a disciplinary measure ended)',
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
	'true | 3 full years in Giám đốc, Phó Giám đốc to 2024-12-31 (1096 days); 3 required for a woman',
	'service_years: a woman eligible for the medal at 3 years in post');
SELECT is(pg_temp.node('P06', 'KNC-TP', 2024, 'rule.all_of[0]'),
	'false | 3 full years in Giám đốc, Phó Giám đốc to 2024-12-31 (1096 days); 5 required for a man',
	'service_years: where a man needs 5');
SELECT is(pg_temp.node('P07', 'KNC-TP', 2024, 'rule.all_of[0]'),
	'true | 8 full years in Giám đốc, Phó Giám đốc to 2024-12-31 (2922 days); 5 required for a man',
	'service_years: overlapping posts counted once');
SELECT is(pg_temp.node('P01', 'BK-BTP', 2024, 'rule.all_of[1]'),
	'true | 15 full years in the sector to 2024-12-31 (5479 days); 10 required for a man', 'service_years in the sector');
SELECT is(pg_temp.node('P09', 'KNC-TP', 2024, 'rule.all_of[1]'), 'false | received in 2019 (once only)', 'once_only fails');
SELECT is(pg_temp.node('P05', 'KNC-TP', 2024, 'rule.all_of[1]'), 'true | not received before', 'once_only passes');
SELECT is(pg_temp.who('KNC-TP', 2024), 'P05 P07', 'KNC-TP 2024: P05 and P07');
SELECT is(pg_temp.node('P07', 'LDTT', 2024, 'rule.all_of[1]'), 'false | warning from 2024-03-01 to 2024-09-01 (QĐ 12/KL)',
	'no_discipline: a measure in the window');
SELECT is(pg_temp.node('P10', 'LDTT', 2024, 'rule.all_of[1]'), 'false | investigation from 2024-11-01, open',
	'no_discipline: proceedings open on the judging date');
SELECT is(pg_temp.node('P01', 'LDTT', 2024, 'rule.all_of[1]'),
	'true | no disciplinary measure overlapping 2024-01-01 to 2024-12-31; no proceedings open on 2024-12-31', 'no_discipline passes');

-- the general rules, each way
SELECT is(pg_temp.node('P07', 'LDTT', 2024, 'rule.all_of[0]'),
	'false | HTXSNV in 2024; HTTNV required; not counted: a disciplinary measure lasted until 2024',
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
	'false | HTXSNV 2022: 1 year, 2 required; 1 not counted: a disciplinary measure lasted until 2021',
	'achievements_after_discipline: a reprimand ended in 2021, so the streak''s 2021 does not count');

-- collectives
SELECT is(pg_temp.who('TTLDXS', 2024, 'DEPT'), 'DIST', 'TTLDXS 2024 under DEPT: DIST');
SELECT is(pg_temp.node('DIV1', 'TTLDXS', 2024, 'rule.all_of[1]'),
	'true | 7 of 9 members hold LDTT 2024 (77.8 %); more than 50 % required', 'members_with_award passes');
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
	'P01:true:0: / P03:false:1:one initiative of scope ministry_province / P02:false:5:3 more years holding CSTDCS; one more year rated HTXSNV; one initiative of scope ministry_province',
	'forecast: P01 eligible next year if 2024 holds; P03 lacks an initiative; P02 more');
SELECT is((SELECT array_to_string(lacks, '; ') FROM thidua.forecast('KNC-TP', 2024) WHERE subject_code = 'P06'),
	'one more year in post', 'forecast: one more year in post');
SELECT is((SELECT array_to_string(lacks, '; ') FROM thidua.forecast('KNC-TP', 2024) WHERE subject_code = 'P02'),
	'3 more years in post', 'forecast: 3 more years in post');
SELECT is((SELECT count(*)::int FROM thidua.forecast('KNC-TP', 2024) WHERE subject_code = 'P09'), 0,
	'forecast: a once-only award already received is left out');
SELECT is((SELECT subject_code FROM thidua.forecast('CSTD-BT', 2024) LIMIT 1), 'P01', 'closest first');

-- what-if
SELECT is((SELECT string_agg(subject_code || ' ' || change || ' ' || in_force_version || ' | ' || deciding_rule || ' | ' || evidence, E'\n')
		FROM thidua.eligibility_changes('LDTT', 2024, 't/draft')),
	E'P10 gains t/2024 | t/2024 rule.all_of[1]: no_discipline {"severity": null, "proceedings": true, "window_years": 1} | investigation from 2024-11-01, open\n'
	'P06 loses t/2024 | t/draft rule: rating_this_year {"rating": "HTXSNV"} | HTTNV in 2024; HTXSNV required',
	'what-if: who gains, who loses, and the rule that made the difference');
SELECT is((SELECT count(*)::int FROM thidua.eligibility_changes('LDTT', 2024, 't/draft', 'DIST')), 1, 'what-if in a unit');

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
SET LOCAL max_parallel_workers_per_gather = 2;
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SET LOCAL parallel_leader_participation = off;
INSERT INTO outcome SELECT 'parallel', a, e.subject_code, e.reasons
	FROM unnest(ARRAY['LDTT', 'CSTDCS', 'CSTD-BT', 'BK-BTP']) a, thidua.eligible(a, 2024, NULL, true) e;
INSERT INTO outcome SELECT 'parallel', 'BK-BTP 20 years', e.subject_code, e.reasons FROM thidua.eligible('BK-BTP', 2024, NULL, true, 't/lenient') e;
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
SELECT cmp_ok((SELECT count(*) FROM outcome WHERE mode = 'serial'), '>', 1000::bigint, 'many eligible subjects');
SELECT is_empty($$ SELECT award, subject_code, reasons FROM outcome WHERE mode = 'serial'
	EXCEPT SELECT award, subject_code, reasons FROM outcome WHERE mode = 'parallel' $$,
	'every serial result (with its reasons) is found in the parallel run');
SELECT is_empty($$ SELECT award, subject_code, reasons FROM outcome WHERE mode = 'parallel'
	EXCEPT SELECT award, subject_code, reasons FROM outcome WHERE mode = 'serial' $$, 'and nothing else');

-- two rulebooks in force: the caller names one
INSERT INTO thidua.rulebook VALUES ('u', 'Khác');
INSERT INTO thidua.rulebook_version (version_code, rulebook_code, edition, title, effective_from) VALUES ('u/1', 'u', '1', 'Khác', '2024-01-01');
INSERT INTO thidua.rulebook_entry (version_code, award_code, position, rule)
	VALUES ('u/1', 'LDTT', 1, '{"kind": "rating_this_year", "rating": "KHTNV", "source": {"document": "x", "verified": false, "status": "N"}}');
UPDATE thidua.rulebook_version SET status = 'published' WHERE version_code = 'u/1';
SELECT throws_ok($$ SELECT * FROM thidua.eligible('LDTT', 2024) $$, '21000',
	'several rulebooks in force on 2024-12-31 have an entry for award "LDTT": t/2024, u/1', 'two rulebooks in force: an error asks for one');
SELECT is(pg_temp.who('LDTT', 2024, 'DEPT', 'u/1'), 'P01 P02 P03 P04 P05 P06 P08 P09 P10',
	'naming one: its rules (Q1..Q5 have no rating; P07''s 2024 does not count)');

SELECT * FROM finish();
ROLLBACK;
