-- Rulebooks as versioned documents (README, "Rulebooks"): every validation
-- error names the version, award, node path and field; draft -> published ->
-- retired, clone, diff, delete, overlap of published dates refused; published
-- rows frozen against every statement kind (restores pass); export round-trips;
-- the shipped justice rulebooks import, validate and publish.
\set SHOW_CONTEXT never
\set VERBOSITY terse
SET client_min_messages = warning;
-- (the test before may leave its database set up)
DROP EXTENSION IF EXISTS thidua CASCADE;
CREATE EXTENSION thidua;

-- A small valid document: an individual title with a quota, council and
-- disclosure, and a collective one.
CREATE TEMP TABLE base (doc jsonb);
INSERT INTO base VALUES ($${
  "format": 1,
  "rulebook": {"code": "t", "name": "Bộ quy tắc thử"},
  "edition": "1", "title": "Thử", "effective_from": "2030-01-01", "effective_to": "2030-12-31",
  "general": {
    "thematic_and_ad_hoc_awards_count": {"value": false, "source": {"document": "Law 06/2022/QH15", "verified": false, "status": "N"}},
    "revoked_awards_count": {"value": false, "source": {"document": "Law 06/2022/QH15", "article": "93", "clause": "2", "verified": true, "status": "V"}},
    "initiative_counts_once": {"value": true, "source": {"document": "Law 06/2022/QH15", "verified": false, "status": "S"}},
    "achievements_after_discipline": {"value": true, "source": {"document": "Decree 152/2025/NĐ-CP", "article": "4", "verified": false, "status": "S"}}
  },
  "awards": [
    {"award": "CSTDCS",
     "rule": {"all_of": [
       {"kind": "award_held", "award": "LDTT", "within_years": 1, "source": {"document": "Law 06/2022/QH15", "article": "23", "verified": true, "status": "V"}},
       {"any_of": [
         {"kind": "rating_this_year", "rating": "HTXSNV", "source": {"document": "Law 06/2022/QH15", "article": "23", "verified": true, "status": "V"}},
         {"kind": "initiatives", "count": 1, "scope": "grassroots", "window_years": 1, "source": {"document": "Law 06/2022/QH15", "article": "23", "verified": true, "status": "V"}}
       ]}
     ]},
     "quota": {"base_award": "LDTT", "share": 0.15, "rounding": "down", "minimum": 0, "per": "unit", "source": {"document": "Decree 91/2017/NĐ-CP", "article": "9", "clause": "3", "verified": true, "status": "V"}},
     "council": {"ballot": true, "threshold": 0.80, "comparison": "at_least", "secret": true, "base": "all_members", "recuse_proposing_unit": true, "source": {"document": "Decree 98/2023/NĐ-CP", "article": "30", "clause": "7", "verified": true, "status": "V"}},
     "disclosure": {"working_days": 10, "source": {"document": "Decree 98/2023/NĐ-CP", "article": "46", "clause": "2", "verified": false, "status": "S"}},
     "nomination": {
       "dossier": [
         {"item": "achievement_report", "title": "Báo cáo thành tích", "source": {"document": "Decree 98/2023/NĐ-CP", "verified": false, "status": "N"}},
         {"item": "proposing_unit_minutes", "title": "Biên bản họp xét của đơn vị đề nghị", "source": {"document": "Decree 98/2023/NĐ-CP", "verified": false, "status": "N"}}
       ],
       "override": {"kinds": ["initiatives"], "source": {"document": "Law 06/2022/QH15", "article": "23", "verified": true, "status": "V"}}},
     "note": "thử"},
    {"award": "TTLDTT",
     "rule": {"all_of": [
       {"kind": "members_with_award", "award": "LDTT", "share": 0.5, "comparison": "more_than", "source": {"document": "Law 15/2003/QH11", "article": "28", "verified": true, "status": "V"}},
       {"kind": "members_without_discipline", "severity": "warning", "source": {"document": "Law 15/2003/QH11", "article": "28", "verified": true, "status": "V"}}
     ]},
     "quota": null, "council": null, "disclosure": null, "nomination": null, "note": null}
  ]}$$);

-- The outcome of importing the base with one change (everything undone).
CREATE FUNCTION pg_temp.try_doc(doc jsonb) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	BEGIN
		PERFORM thidua.import_rulebook(doc);
		RAISE EXCEPTION USING ERRCODE = 'TSTOK';
	EXCEPTION
		WHEN SQLSTATE 'TSTOK' THEN RETURN 'valid';
		WHEN OTHERS THEN RETURN SQLSTATE || ' ' || SQLERRM;
	END;
END
$$;
CREATE FUNCTION pg_temp.with_set(path text[], value jsonb) RETURNS text LANGUAGE sql AS $$
	SELECT pg_temp.try_doc(jsonb_set(doc, path, value)) FROM base
$$;
CREATE FUNCTION pg_temp.without(path text[]) RETURNS text LANGUAGE sql AS $$
	SELECT pg_temp.try_doc(doc #- path) FROM base
$$;

SELECT pg_temp.try_doc(doc) AS the_base FROM base;

-- Every field of the format, broken alone.
SELECT label, outcome FROM (VALUES
	('not an object', pg_temp.try_doc('[1]')),
	('format', pg_temp.with_set('{format}', '2')),
	('unknown key', pg_temp.with_set('{extra}', '1')),
	('rulebook code', pg_temp.with_set('{rulebook,code}', '"bad code"')),
	('rulebook key', pg_temp.with_set('{rulebook,owner}', '"x"')),
	('no edition', pg_temp.without('{edition}')),
	('no title', pg_temp.without('{title}')),
	('date', pg_temp.with_set('{effective_from}', '"2030-02-30"')),
	('date form', pg_temp.with_set('{effective_from}', '"1/1/2030"')),
	('dates order', pg_temp.with_set('{effective_to}', '"2029-12-31"')),
	('no general', pg_temp.without('{general}')),
	('general rule missing', pg_temp.without('{general,revoked_awards_count}')),
	('general unknown', pg_temp.with_set('{general,ladder}', '{"value": true}')),
	('general value', pg_temp.with_set('{general,revoked_awards_count,value}', '"no"')),
	('general source', pg_temp.without('{general,initiative_counts_once,source}')),
	('no awards', pg_temp.with_set('{awards}', '[]')),
	('unknown award', pg_temp.with_set('{awards,0,award}', '"XYZ"')),
	('entry key', pg_temp.with_set('{awards,0,ladder}', '1')),
	('no rule', pg_temp.without('{awards,0,rule}')),
	('empty all_of', pg_temp.with_set('{awards,0,rule}', '{"all_of": []}')),
	('empty any_of', pg_temp.with_set('{awards,0,rule,all_of,1,any_of}', '[]')),
	('both', pg_temp.with_set('{awards,0,rule,any_of}', '[]')),
	('node key', pg_temp.with_set('{awards,0,rule,note}', '"x"')),
	('node type', pg_temp.with_set('{awards,0,rule,all_of,0}', '"LDTT"')),
	('no kind', pg_temp.without('{awards,0,rule,all_of,0,kind}')),
	('unknown kind', pg_temp.with_set('{awards,0,rule,all_of,0,kind}', '"luck"')),
	('leaf key', pg_temp.with_set('{awards,0,rule,all_of,1,any_of,0,years}', '2')),
	('rating', pg_temp.with_set('{awards,0,rule,all_of,1,any_of,0,rating}', '"HTX"')),
	('no source', pg_temp.without('{awards,0,rule,all_of,0,source}')),
	('no document', pg_temp.without('{awards,0,rule,all_of,0,source,document}')),
	('no verified', pg_temp.without('{awards,0,rule,all_of,0,source,verified}')),
	('no status', pg_temp.without('{awards,0,rule,all_of,0,source,status}')),
	('status letter', pg_temp.with_set('{awards,0,rule,all_of,0,source,status}', '"Y"')),
	('verified not V', pg_temp.with_set('{awards,0,rule,all_of,0,source,status}', '"S"')),
	('V not verified', pg_temp.with_set('{awards,0,rule,all_of,0,source,verified}', 'false')),
	('source key', pg_temp.with_set('{awards,0,rule,all_of,0,source,page}', '"1"')),
	('source article', pg_temp.with_set('{awards,0,rule,all_of,0,source,article}', '23')),
	('source dates', pg_temp.with_set('{awards,0,rule,all_of,0,source}',
		'{"document": "Law", "effective_from": "2024-01-01", "effective_to": "2023-01-01", "verified": false, "status": "N"}')),
	('within_years', pg_temp.with_set('{awards,0,rule,all_of,0,within_years}', '0')),
	('whole number', pg_temp.with_set('{awards,0,rule,all_of,0,within_years}', '1.5')),
	('held count', pg_temp.with_set('{awards,0,rule,all_of,0,count}', '2')),
	('held count 0', pg_temp.with_set('{awards,0,rule,all_of,0,count}', '0')),
	('held collective', pg_temp.with_set('{awards,0,rule,all_of,0,award}', '"TTLDTT"')),
	('scope', pg_temp.with_set('{awards,0,rule,all_of,1,any_of,1,scope}', '"province"')),
	('count', pg_temp.without('{awards,0,rule,all_of,1,any_of,1,count}')),
	('collective kind', pg_temp.with_set('{awards,0,rule,all_of,0}',
		'{"kind": "members_rated", "rating": "HTNV", "share": 1, "source": {"document": "Law", "verified": false, "status": "N"}}')),
	('individual kind', pg_temp.with_set('{awards,1,rule,all_of,0}',
		'{"kind": "initiatives", "count": 1, "scope": "grassroots", "source": {"document": "Law", "verified": false, "status": "N"}}')),
	('share above 1', pg_temp.with_set('{awards,1,rule,all_of,0,share}', '1.5')),
	('share 0', pg_temp.with_set('{awards,1,rule,all_of,0,share}', '0')),
	('share and count', pg_temp.with_set('{awards,1,rule,all_of,0,count}', '3')),
	('comparison', pg_temp.with_set('{awards,1,rule,all_of,0,comparison}', '"over"')),
	('members of collective', pg_temp.with_set('{awards,1,rule,all_of,0,award}', '"GK-TT"')),
	('severity', pg_temp.with_set('{awards,1,rule,all_of,1,severity}', '"scolding"')),
	('label', pg_temp.with_set('{awards,0,rule,label}', '7')),
	('service both', pg_temp.with_set('{awards,0,rule,all_of,0}',
		'{"kind": "service_years", "posts": ["giám đốc"], "in_sector": true, "men": 5, "women": 3, "source": {"document": "C", "verified": false, "status": "S"}}')),
	('service posts', pg_temp.with_set('{awards,0,rule,all_of,0}',
		'{"kind": "service_years", "posts": [], "men": 5, "women": 3, "source": {"document": "C", "verified": false, "status": "S"}}')),
	('service women', pg_temp.with_set('{awards,0,rule,all_of,0}',
		'{"kind": "service_years", "in_sector": true, "men": 5, "source": {"document": "C", "verified": false, "status": "S"}}')),
	('quota share', pg_temp.with_set('{awards,0,quota,share}', '15')),
	('quota rounding', pg_temp.with_set('{awards,0,quota,rounding}', '"nearest"')),
	('quota base', pg_temp.with_set('{awards,0,quota,base_award}', '"TTLDTT"')),
	('quota per', pg_temp.with_set('{awards,0,quota,per}', '"bloc"')),
	('quota minimum', pg_temp.with_set('{awards,0,quota,minimum}', '-1')),
	('quota count key', pg_temp.with_set('{awards,0,quota}', '{"count": 2, "per": "bloc", "share": 0.1, "source": {"document": "C", "verified": false, "status": "S"}}')),
	('quota count per', pg_temp.with_set('{awards,0,quota}', '{"count": 2, "per": "zone", "source": {"document": "C", "verified": false, "status": "S"}}')),
	('quota source', pg_temp.without('{awards,0,quota,source}')),
	('council ballot', pg_temp.without('{awards,0,council,ballot}')),
	('council threshold', pg_temp.with_set('{awards,0,council,threshold}', '1.2')),
	('council comparison', pg_temp.with_set('{awards,0,council,comparison}', '"over"')),
	('council base', pg_temp.with_set('{awards,0,council,base}', '"everyone"')),
	('council secret', pg_temp.with_set('{awards,0,council,secret}', '"yes"')),
	('disclosure days', pg_temp.with_set('{awards,0,disclosure,working_days}', '0')),
	('disclosure key', pg_temp.with_set('{awards,0,disclosure,days}', '10')),
	('council recusal', pg_temp.with_set('{awards,0,council,recuse_proposing_unit}', '"yes"')),
	('nomination not an object', pg_temp.with_set('{awards,0,nomination}', '[]')),
	('nomination key', pg_temp.with_set('{awards,0,nomination,forms}', '[]')),
	('dossier empty', pg_temp.with_set('{awards,0,nomination,dossier}', '[]')),
	('dossier item not an object', pg_temp.with_set('{awards,0,nomination,dossier,1}', '"minutes"')),
	('dossier item key', pg_temp.with_set('{awards,0,nomination,dossier,1,copies}', '2')),
	('dossier item not snake_case', pg_temp.with_set('{awards,0,nomination,dossier,1,item}', '"Biên bản"')),
	('dossier item twice', pg_temp.with_set('{awards,0,nomination,dossier,1,item}', '"achievement_report"')),
	('dossier title', pg_temp.without('{awards,0,nomination,dossier,0,title}')),
	('dossier source', pg_temp.without('{awards,0,nomination,dossier,1,source}')),
	('dossier source status', pg_temp.with_set('{awards,0,nomination,dossier,1,source,status}', '"V"')),
	('override not an object', pg_temp.with_set('{awards,0,nomination,override}', '["initiatives"]')),
	('override kinds empty', pg_temp.with_set('{awards,0,nomination,override,kinds}', '[]')),
	('override kind not in the rule', pg_temp.with_set('{awards,0,nomination,override,kinds}', '["initiatives", "service_years"]')),
	('override kind twice', pg_temp.with_set('{awards,0,nomination,override,kinds}', '["initiatives", "initiatives"]')),
	('override source', pg_temp.without('{awards,0,nomination,override,source}')),
	('duplicate award', (SELECT pg_temp.try_doc(jsonb_set(doc, '{awards,1}', doc #> '{awards,0}')) FROM base))
	) AS t(label, outcome);

-- A file name given as "_source" leads the message.
SELECT pg_temp.try_doc(jsonb_set(doc, '{awards,0,rule,all_of,1,any_of,0,rating}', '"HTX"') || '{"_source": "t-1.json"}') AS with_file FROM base;
-- Nothing of the refused documents was stored.
SELECT count(*) AS versions FROM thidua.rulebook_version;

-- Lifecycle: import, publish (with its note), publish again, clone, overlap.
SELECT thidua.import_rulebook(doc) FROM base;
SELECT thidua.import_rulebook(doc) FROM base;
SELECT thidua.import_rulebook(jsonb_set(doc, '{title}', '"Thử lại"'), replace => true) FROM base;
SELECT title FROM thidua.rulebook_version WHERE version_code = 't/1';
SELECT thidua.publish_rulebook('t/1', 'Quyết định 1');
SELECT thidua.publish_rulebook('t/1');
SELECT thidua.import_rulebook(doc, true) FROM base;
SELECT thidua.clone_rulebook('t/1');
SELECT thidua.clone_rulebook('t/1', '2');
SELECT thidua.clone_rulebook('t/1', '2');
SELECT thidua.publish_rulebook('t/2');
UPDATE thidua.rulebook_version SET effective_from = '2031-01-01', effective_to = NULL, title = 'Thử 2' WHERE version_code = 't/2';
UPDATE thidua.rulebook_entry SET rule = jsonb_set(rule, '{all_of,1,any_of,0,rating}', '"HTTNV"'), note = 'đã sửa'
	WHERE version_code = 't/2' AND award_code = 'CSTDCS';
DELETE FROM thidua.rulebook_entry WHERE version_code = 't/2' AND award_code = 'TTLDTT';
SELECT award, change, fields FROM thidua.rulebook_diff('t/1', 't/2');
SELECT * FROM thidua.rulebook_diff('t/1', 't/9');
-- A hand edit that import would refuse is refused at publish too.
UPDATE thidua.rulebook_entry SET rule = '{"all_of": []}' WHERE version_code = 't/2';
SELECT thidua.publish_rulebook('t/2');
UPDATE thidua.rulebook_entry SET rule = (SELECT rule FROM thidua.rulebook_entry WHERE version_code = 't/1' AND award_code = 'CSTDCS')
	WHERE version_code = 't/2';
SELECT thidua.publish_rulebook('t/2', 'Quyết định 2');
SELECT version_code, status, effective_from, effective_to, awards, cloned_from FROM thidua.rulebook_versions ORDER BY 1;
-- In force: by date, with an entry for the award; another rulebook makes it ambiguous.
SELECT d, thidua.rulebook_in_force('CSTDCS', d) AS cstdcs, thidua.rulebook_in_force('TTLDTT', d) AS ttldtt
FROM unnest(ARRAY[DATE '2029-12-31', '2030-12-31', '2031-01-01']) d;
SELECT thidua.rulebook_in_force('NOPE', '2030-06-01');
SELECT thidua.import_rulebook(jsonb_set(doc, '{rulebook}', '{"code": "u", "name": "Khác"}')) FROM base;
SELECT thidua.publish_rulebook('u/1');
SELECT thidua.rulebook_in_force('CSTDCS', '2030-06-01');
SELECT thidua.rulebook_in_force('CSTDCS', '2030-06-01', 'u'), thidua.rulebook_in_force('CSTDCS', '2030-06-01', 't/1');
-- Retiring withdraws a version entirely; only drafts are deleted.
SELECT thidua.retire_rulebook('u/1', 'thay thế');
SELECT thidua.rulebook_in_force('CSTDCS', '2030-06-01');
SELECT thidua.delete_rulebook_draft('t/1');
SELECT thidua.clone_rulebook('t/2', '3');
SELECT thidua.delete_rulebook_draft('t/3');
SELECT thidua.delete_rulebook_draft('t/3');
SELECT version_code, from_status, to_status, note FROM thidua.rulebook_version_event ORDER BY event_id;

-- The round trip: export, import as another edition, export again.
SELECT thidua.import_rulebook(jsonb_set(thidua.export_rulebook('t/1'), '{edition}', '"rt"'));
SELECT (thidua.export_rulebook('t/1') - 'edition') = (thidua.export_rulebook('t/rt') - 'edition') AS round_trip,
	thidua.export_rulebook('t/1') = (SELECT doc FROM base) || '{"title": "Thử lại"}' AS as_imported;

-- The nomination settings are cloned, and diffed by path.
SELECT thidua.clone_rulebook('t/1', 'nom');
UPDATE thidua.rulebook_entry SET nomination = jsonb_set(nomination, '{dossier,1,title}', '"Biên bản họp"')
	|| '{"override": null}', council = council || '{"recuse_proposing_unit": false}'
WHERE version_code = 't/nom' AND award_code = 'CSTDCS';
SELECT award, change, paths FROM thidua.rulebook_diff('t/1', 't/nom');
SELECT thidua.delete_rulebook_draft('t/nom');

-- Guards: an administrator bypassing row-level security with every privilege.
SELECT thidua.create_roles();
CREATE ROLE rulebook_probe LOGIN BYPASSRLS IN ROLE thidua_admin;
GRANT ALL ON ALL TABLES IN SCHEMA thidua TO rulebook_probe;
CREATE FUNCTION pg_temp.attempt(statement text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	changed bigint;
BEGIN
	EXECUTE statement;
	GET DIAGNOSTICS changed = ROW_COUNT;
	RETURN format('no error: %s rows', changed);
EXCEPTION WHEN OTHERS THEN
	RETURN SQLERRM;
END
$$;
SET SESSION AUTHORIZATION rulebook_probe;
SELECT s AS statement, pg_temp.attempt(s) AS outcome FROM (VALUES
	($$INSERT INTO thidua.rulebook_version (version_code, rulebook_code, edition, title, status, effective_from) VALUES ('t/9', 't', '9', 'forged', 'published', '2040-01-01')$$),
	($$UPDATE thidua.rulebook_version SET effective_to = '2030-06-30' WHERE version_code = 't/1'$$),
	($$UPDATE thidua.rulebook_version SET status = 'draft' WHERE version_code = 't/1'$$),
	($$UPDATE thidua.rulebook_version SET status = 'published' WHERE version_code = 'u/1'$$),
	($$DELETE FROM thidua.rulebook_version WHERE version_code = 't/2'$$),
	($$TRUNCATE thidua.rulebook_version CASCADE$$),
	($$INSERT INTO thidua.rulebook_entry (version_code, award_code, position, rule) VALUES ('t/1', 'LDTT', 9, '{}')$$),
	($$UPDATE thidua.rulebook_entry SET quota = NULL WHERE version_code = 't/1'$$),
	($$DELETE FROM thidua.rulebook_entry WHERE version_code = 't/1'$$),
	($$TRUNCATE thidua.rulebook_entry$$),
	($$UPDATE thidua.rulebook SET name = 'Renamed' WHERE rulebook_code = 't'$$),
	($$DELETE FROM thidua.rulebook WHERE rulebook_code = 't'$$),
	($$TRUNCATE thidua.rulebook CASCADE$$),
	($$INSERT INTO thidua.rulebook_version_event (version_code, to_status) VALUES ('t/1', 'retired')$$),
	($$UPDATE thidua.rulebook_version_event SET note = 'edited'$$),
	($$DELETE FROM thidua.rulebook_version_event$$),
	($$TRUNCATE thidua.rulebook_version_event$$)) AS t(s);
COPY thidua.rulebook_version (version_code, rulebook_code, edition, title, status, effective_from) FROM stdin;
t/8	t	8	forged	published	2040-01-01
\.
COPY thidua.rulebook_entry (version_code, award_code, position, rule) FROM stdin;
t/1	LDTT	9	{}
\.
COPY thidua.rulebook_version_event (version_code, to_status) FROM stdin;
t/1	retired
\.
-- A draft, meanwhile, changes freely.
SELECT pg_temp.attempt($$UPDATE thidua.rulebook_entry SET note = 'nháp' WHERE version_code = 't/rt'$$) AS draft_edit;
RESET SESSION AUTHORIZATION;

-- A restore (a superuser, row_security off, exactly a dump's COPY) passes the guards.
SET row_security = off;
COPY thidua.rulebook_version (version_code, rulebook_code, edition, title, status, effective_from, effective_to, general, cloned_from) FROM stdin;
t/restored	t	restored	Khôi phục	published	2050-01-01	\N	{}	\N
\.
COPY thidua.rulebook_entry (version_code, award_code, position, rule, quota, council, note, disclosure) FROM stdin;
t/restored	LDTT	1	{"kind": "once_only"}	\N	\N	\N	\N
\.
RESET row_security;
SELECT version_code, status FROM thidua.rulebook_version WHERE version_code = 't/restored';

-- Drafts are hidden from a role without thidua_admin; published versions are public.
CREATE ROLE rulebook_bare LOGIN;
SET SESSION AUTHORIZATION rulebook_bare;
SELECT version_code, status FROM thidua.rulebook_versions ORDER BY 1;
SELECT thidua.export_rulebook('t/rt');
SELECT count(*) AS draft_entries FROM thidua.rulebook_entry WHERE version_code = 't/rt';
SELECT thidua.import_rulebook('{}');
RESET SESSION AUTHORIZATION;

-- After all this, the frozen content is as it was.
SELECT version_code, award_code, position, quota IS NOT NULL AS quota FROM thidua.rulebook_entry
	WHERE version_code IN ('t/1', 't/2') ORDER BY 1, 3;
SELECT name FROM thidua.rulebook ORDER BY 1;

-- Numbers: 1.0 where a whole number is read, in the house format; a huge
-- number or text cut in the message; rules nested too deep named, not a stack overflow.
SELECT pg_temp.with_set('{awards,0,rule,all_of,1,any_of,1,window_years}', '1.0');
SELECT pg_temp.with_set('{awards,0,rule,all_of,1,any_of,1,count}', '1e400');
SELECT pg_temp.with_set('{awards,0,quota,share}', '1e400');
SELECT pg_temp.with_set('{awards,0,rule,all_of,1,any_of,0,rating}', to_jsonb(repeat('x', 500)));
SELECT pg_temp.with_set('{awards,0,rule}', (repeat('{"all_of": [', 32)
	|| '{"kind": "once_only", "source": {"document": "x", "verified": false, "status": "N"}}' || repeat(']}', 32))::jsonb);
SELECT pg_temp.with_set('{awards,0,rule}', (repeat('{"all_of": [', 33)
	|| '{"kind": "once_only", "source": {"document": "x", "verified": false, "status": "N"}}' || repeat(']}', 33))::jsonb);
SELECT left(pg_temp.with_set('{awards,0,rule}', (repeat('{"all_of": [', 3000)
	|| '{"kind": "once_only", "source": {"document": "x", "verified": false, "status": "N"}}' || repeat(']}', 3000))::jsonb), 110);
-- Unknown or NULL arguments are errors, not NULL; a clone's edition is checked.
SELECT thidua.export_rulebook('nope');
SELECT thidua.export_rulebook(NULL);
SELECT thidua.rulebook_in_force('LDTT', NULL);
SELECT thidua.rulebook_in_force(NULL, '2030-01-01');
SELECT thidua.clone_rulebook('t/2', 'bad edition!');
SELECT thidua.clone_rulebook(NULL, '9');
-- A diff shows only what changed (null and absent are the same), in document order.
SELECT thidua.import_rulebook(jsonb_set(doc, '{edition}', '"d1"')) FROM base;
SELECT thidua.import_rulebook(jsonb_set(jsonb_set(doc, '{edition}', '"d2"'), '{awards,0,rule,all_of,0,source,point}', 'null')) FROM base;
SELECT * FROM thidua.rulebook_diff('t/d1', 't/d2');
UPDATE thidua.rulebook_entry SET rule = jsonb_set(jsonb_set(jsonb_set(rule, '{all_of,1,any_of,1,count}', '2'),
		'{all_of,0,source,article}', '"24"'), '{all_of,1,any_of,0,rating}', '"HTTNV"'),
	council = jsonb_set(council, '{threshold}', '0.9')
	WHERE version_code = 't/d2' AND award_code = 'CSTDCS';
SELECT award, change, paths FROM thidua.rulebook_diff('t/d1', 't/d2');
-- Replacing a draft says so in its history.
SELECT thidua.import_rulebook(jsonb_set(doc, '{edition}', '"d1"') || '{"_source": "d1.json"}', true) FROM base;
SELECT from_status, to_status, note FROM thidua.rulebook_version_event WHERE version_code = 't/d1' ORDER BY event_id;

-- The shipped rulebooks, as installed: import, validate, publish, in force.
DROP EXTENSION thidua;
CREATE EXTENSION thidua;
SELECT thidua.publish_rulebook(thidua.import_rulebook(pg_read_file(
		(SELECT setting FROM pg_config WHERE name = 'SHAREDIR') || '/extension/thidua-rulebooks/' || f)::jsonb), 'LAW.md')
	FROM unnest(ARRAY['justice-2018.json', 'justice-2024.json', 'justice-2025-09.json']) f;
SELECT version_code, status, effective_from, effective_to, awards FROM thidua.rulebook_versions ORDER BY 1;
SELECT a.award_code, string_agg(coalesce(thidua.rulebook_in_force(a.award_code, d), '-'), ' ' ORDER BY d) AS "2023-12-31 2024-12-31 2025-09-14 2025-09-15"
FROM thidua.award a, unnest(ARRAY[DATE '2023-12-31', '2024-12-31', '2025-09-14', '2025-09-15']) d
GROUP BY a.award_code ORDER BY a.award_code;
-- The medal: 5 and 8 for both sexes, then women 3 / men 5 as head, 6 / 8 as deputy.
SELECT e.version_code, l ->> 'label' AS label, l -> 'posts' AS posts, l -> 'men' AS men, l -> 'women' AS women,
	l #>> '{source,document}' AS document, l #>> '{source,status}' AS status
FROM thidua.rulebook_entry e, jsonb_array_elements(e.rule #> '{all_of,1,any_of}') l
WHERE e.award_code = 'KNC-TP' ORDER BY 1, 2;
-- What changed on 2025-09-15: the medal's years for women.
SELECT d.award, f.key AS path, f.value FROM thidua.rulebook_diff('justice/2024', 'justice/2025-09') d, jsonb_each(d.fields) f
WHERE f.key ~ '\.(men|women)$' ORDER BY 1, 2;
-- The 15 % quota, rounded down, in 2018 only; the council settings by version.
SELECT version_code, award_code, quota - 'source' AS quota, council - 'source' AS council,
	council #>> '{source,document}' AS council_source, council #>> '{source,verified}' AS verified
FROM thidua.rulebook_entry WHERE quota IS NOT NULL OR council IS NOT NULL ORDER BY 1, 2;
-- Each shipped citation: verified exactly when its status is V.
WITH RECURSIVE node(version_code, n) AS (
	SELECT version_code, rule FROM thidua.rulebook_entry
	UNION ALL SELECT version_code, quota FROM thidua.rulebook_entry WHERE quota IS NOT NULL
	UNION ALL SELECT version_code, council FROM thidua.rulebook_entry WHERE council IS NOT NULL
	UNION ALL SELECT version_code, disclosure FROM thidua.rulebook_entry WHERE disclosure IS NOT NULL
	UNION ALL SELECT version_code, d FROM thidua.rulebook_entry, jsonb_array_elements(nomination -> 'dossier') d
		WHERE jsonb_typeof(nomination -> 'dossier') = 'array'
	UNION ALL SELECT version_code, nomination -> 'override' FROM thidua.rulebook_entry
		WHERE jsonb_typeof(nomination -> 'override') = 'object'
	UNION ALL SELECT version_code, g.value FROM thidua.rulebook_version, jsonb_each(general) g
	UNION ALL SELECT node.version_code, c FROM node, jsonb_array_elements(coalesce(n -> 'all_of', n -> 'any_of')) c
		WHERE n ? 'all_of' OR n ? 'any_of')
SELECT n #>> '{source,status}' AS status, n #>> '{source,verified}' AS verified, count(*)
FROM node WHERE n ? 'source' GROUP BY 1, 2 ORDER BY 1, 2;
-- Export then import gives the same version.
SELECT thidua.import_rulebook(jsonb_set(thidua.export_rulebook(v), '{edition}', '"copy"'))
	FROM unnest(ARRAY['justice/2024']) v;
SELECT (thidua.export_rulebook('justice/2024') - 'edition') = (thidua.export_rulebook('justice/copy') - 'edition') AS round_trip;
SELECT thidua.publish_rulebook('justice/copy');
-- Succession: an open-ended version runs until a later one takes effect.
SELECT thidua.import_rulebook(thidua.export_rulebook('justice/2025-09') || '{"edition": "2027", "effective_from": "2027-01-01"}');
SELECT version_code, status, in_force_to, succeeded_by, in_force FROM thidua.rulebook_versions ORDER BY effective_from, 1;
SELECT thidua.publish_rulebook('justice/2027');
SELECT version_code, status, in_force_to, succeeded_by, in_force FROM thidua.rulebook_versions ORDER BY effective_from, 1;
SELECT d, thidua.rulebook_in_force('KNC-TP', d) FROM unnest(ARRAY[DATE '2025-09-15', '2026-12-31', '2027-01-01', '2040-01-01']) d;
-- The same start is refused; so is an explicit end reaching into a later version.
SELECT thidua.publish_rulebook(thidua.import_rulebook(thidua.export_rulebook('justice/2027') || '{"edition": "2027-bis"}'));
SELECT thidua.publish_rulebook(thidua.import_rulebook(thidua.export_rulebook('justice/2027')
	|| '{"edition": "2026", "effective_from": "2026-01-01", "effective_to": "2027-06-30"}'));
-- An explicit range inside an open-ended one: the open-ended one is in force again after it.
SELECT thidua.publish_rulebook(thidua.import_rulebook(thidua.export_rulebook('justice/2027')
	|| '{"edition": "2026-h1", "effective_from": "2026-01-01", "effective_to": "2026-06-30"}'));
SELECT d, thidua.rulebook_in_force('KNC-TP', d) FROM unnest(ARRAY[DATE '2025-12-31', '2026-01-01', '2026-07-01', '2027-01-01']) d;
DROP EXTENSION thidua;
DROP ROLE rulebook_probe;
DROP ROLE rulebook_bare;
