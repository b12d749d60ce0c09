-- The seed's year (test/fixtures/seed-2019): Đồng Tháp's Sở Tư pháp in 2019,
-- loaded through the imports, the shipped rulebooks published; judged under
-- justice/2018 the eligibility engine reaches the seed's counts (70 for the
-- province chair's Bằng khen, 80 for the Director's Giấy khen, 43 for the
-- medal, the department's CSTĐCS within its 15 % quota, the Emulation Flag),
-- and every nomination the fixture makes is of an eligible subject. Run from
-- the repository's root (psql reads the files).
BEGIN;
SELECT plan(24);

\set units `cat test/fixtures/seed-2019/units.csv`
\set people `cat test/fixtures/seed-2019/people.csv`
\set ratings `cat test/fixtures/seed-2019/ratings.csv`
\set unit_ratings `cat test/fixtures/seed-2019/unit_ratings.csv`
\set initiatives `cat test/fixtures/seed-2019/initiatives.csv`
\set awards `cat test/fixtures/seed-2019/awards.csv`
\set unit_awards `cat test/fixtures/seed-2019/unit_awards.csv`
\set discipline `cat test/fixtures/seed-2019/discipline.csv`
\set rb2018 `cat rulebooks/justice-2018.json`

SELECT is((SELECT row(added, changed, unchanged)::text FROM thidua.import_units(:'units', 'units.csv')),
	'(46,0,0)', 'units.csv: the department, 9 divisions and centres, 12 district offices, 24 mediation teams');
SELECT is((SELECT row(added, changed, unchanged)::text FROM thidua.import_people(:'people', 'people.csv')),
	'(211,0,0)', 'people.csv: 211 people');
SELECT is((SELECT row(kind, added)::text FROM thidua.import_records('ratings', :'ratings', 'ratings.csv')),
	'(ratings,211)', 'ratings.csv: everyone''s 2019 rating');
SELECT is((SELECT row(kind, added)::text FROM thidua.import_records('ratings', :'unit_ratings', 'unit_ratings.csv')),
	'(ratings,46)', 'unit_ratings.csv: the units'' 2019 ratings');
SELECT is((SELECT row(kind, added)::text FROM thidua.import_records('initiatives', :'initiatives', 'initiatives.csv')),
	'(initiatives,13)', 'initiatives.csv: 13 initiatives recognised in 2019');
SELECT is((SELECT row(kind, added)::text FROM thidua.import_records('awards', :'awards', 'awards.csv')),
	'(awards,101)', 'awards.csv: LĐTT 2019 of the department''s staff');
SELECT is((SELECT row(kind, added)::text FROM thidua.import_records('awards', :'unit_awards', 'unit_awards.csv')),
	'(awards,1)', 'unit_awards.csv: the department''s Tập thể LĐTT 2019');
SELECT is((SELECT row(kind, added)::text FROM thidua.import_records(NULL, :'discipline', 'discipline.csv')),
	'(discipline,1)', 'discipline.csv: one disciplinary consideration open');

SELECT CASE WHEN EXISTS (SELECT 1 FROM thidua.rulebook_version WHERE version_code = 'justice/2018')
	THEN pass('justice/2018 is loaded already')
	ELSE lives_ok(format('SELECT thidua.import_rulebook(%L::jsonb)', :'rb2018'), 'imports rulebooks/justice-2018.json') END;
SELECT lives_ok($$SELECT thidua.publish_rulebook('justice/2018') FROM thidua.rulebook_version
		WHERE version_code = 'justice/2018' AND status = 'draft'$$, 'publishes justice/2018');

-- the fixture's rounds, councils and nominations
CREATE TEMP TABLE seed_round (code text, title text, year int, authority text, council_unit text, deadline date, awards text);
CREATE TEMP TABLE seed_council (round text, role text, name text, council_role text, person text, unit text);
CREATE TEMP TABLE seed_nomination (round text, award text, subject text, proposing_unit text, summary text, achievements text);
\copy seed_round FROM 'test/fixtures/seed-2019/rounds.csv' CSV HEADER
-- one council file per round (the format of `thidua council set`), the round named by the file
\copy seed_council (role, name, council_role, person, unit) FROM 'test/fixtures/seed-2019/council-CSTDCS-2019.csv' CSV HEADER
UPDATE seed_council SET round = 'CSTDCS-2019' WHERE round IS NULL;
\copy seed_council (role, name, council_role, person, unit) FROM 'test/fixtures/seed-2019/council-CTD-2019.csv' CSV HEADER
UPDATE seed_council SET round = 'CTD-2019' WHERE round IS NULL;
\copy seed_nomination FROM 'test/fixtures/seed-2019/nominations.csv' CSV HEADER

SELECT is((SELECT array_agg(DISTINCT coalesce(thidua.rulebook_in_force(a, '2019-12-31', 'justice'), '-'))
		   FROM seed_round, regexp_split_to_table(awards, ' ') a),
	ARRAY['justice/2018'], 'every award of the five rounds has an entry in force on 2019-12-31: justice/2018');
SELECT is((SELECT array_agg(e.award_code || ' ' || coalesce(e.council ->> 'ballot', 'none') ORDER BY e.award_code)
		   FROM thidua.rulebook_entry e WHERE e.version_code = 'justice/2018'
		   AND e.award_code IN (SELECT regexp_split_to_table(awards, ' ') FROM seed_round)),
	ARRAY['BK-UBT false', 'BK-UBT-TT false', 'CSTDCS true', 'CTD-BT true', 'GK false', 'GK-TT false', 'KNC-TP false'],
	'a ballot for the department''s CSTĐCS and the Emulation Flag; none for a Bằng khen, a Giấy khen or the medal');

CREATE TEMP TABLE seed_eligible AS
	SELECT a.award, e.subject_code FROM (SELECT DISTINCT regexp_split_to_table(awards, ' ') AS award FROM seed_round) a,
		thidua.eligible(a.award, 2019, 'DT') e;

SELECT cmp_ok((SELECT count(*) FROM seed_eligible WHERE award IN ('BK-UBT', 'BK-UBT-TT')), '>=', 70::bigint,
	'the province chair''s Bằng khen: at least the 70 individuals and collectives the department proposed');
SELECT cmp_ok((SELECT count(*) FROM seed_eligible WHERE award IN ('GK', 'GK-TT')), '>=', 80::bigint,
	'the Director''s Giấy khen: at least the 80 individuals and collectives given it');
SELECT cmp_ok((SELECT count(*) FROM seed_eligible WHERE award = 'KNC-TP'), '>=', 43::bigint,
	'the medal "Vì sự nghiệp Tư pháp": at least the 43 individuals proposed');
SELECT is((SELECT count(*) FROM seed_eligible WHERE award = 'CSTDCS'), 13::bigint,
	'CSTĐCS 2019: the 13 holders of LĐTT with an initiative recognised in 2019');
SELECT is((SELECT row(base, allowed)::text FROM thidua.quota('CSTDCS', 'DT', 2019)),
	'(101,15)', 'the department''s CSTĐCS quota: 15 % of 101 LĐTT = 15.15, rounded down: 15');
SELECT ok(EXISTS (SELECT 1 FROM seed_eligible WHERE award = 'CTD-BT' AND subject_code = 'DT'),
	'the Emulation Flag: the department qualifies (its collective title of the year)');

SELECT is((SELECT array_agg(round || ' ' || n ORDER BY round) FROM (SELECT round, count(*) AS n FROM seed_nomination GROUP BY round) c),
	ARRAY['BK-UBT-2019 70', 'CSTDCS-2019 13', 'CTD-2019 1', 'GK-2019 80', 'KNC-2019 43'],
	'the nominations to make: 70, 13 (within the quota of 15), 1, 80, 43');
SELECT is((SELECT count(*) FROM seed_nomination n
		   WHERE NOT EXISTS (SELECT 1 FROM seed_eligible e WHERE e.award = n.award AND e.subject_code = n.subject)),
	0::bigint, 'every nomination is of a subject the engine finds eligible');
SELECT is((SELECT count(*) FROM seed_eligible WHERE subject_code = (SELECT person_code FROM thidua.discipline)),
	0::bigint, 'the person under a disciplinary consideration is eligible for nothing (excluded by law)');
SELECT is((SELECT count(*) FROM seed_nomination WHERE subject = (SELECT person_code FROM thidua.discipline)),
	0::bigint, 'and is not nominated');
SELECT is((SELECT array_agg(round || ' ' || members || ' ' || chairs || ' ' || secretaries ORDER BY round)
		   FROM (SELECT round, count(*) AS members, count(*) FILTER (WHERE council_role = 'chair') AS chairs,
					count(*) FILTER (WHERE council_role = 'secretary') AS secretaries FROM seed_council GROUP BY round) c),
	ARRAY['CSTDCS-2019 7 1 1', 'CTD-2019 9 1 1'],
	'the two ballots'' councils: the department''s 7 and the province''s 9, each with a chair and a secretary');
SELECT is((SELECT count(DISTINCT n.subject) FROM seed_nomination n JOIN seed_eligible e ON e.award = 'KNC-TP' AND e.subject_code = n.subject
		   JOIN thidua.post_held p ON p.person_code = n.subject AND lower(p.post) IN ('giám đốc', 'phó giám đốc')
		   WHERE n.award = 'KNC-TP' AND p.valid_from <= '2019-12-31'), 43::bigint,
	'the 43 medal candidates held a leading post (the 2018 rule reads no other staff''s years)');

SELECT * FROM finish();
ROLLBACK;
