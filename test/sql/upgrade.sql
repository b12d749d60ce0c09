-- The oldest version installs, and ALTER EXTENSION UPDATE walks every step to
-- the default version; the result equals a fresh install of that version.

-- Members of the extension with what defines them, for comparing installs.
CREATE FUNCTION pg_temp.thidua_members() RETURNS SETOF text LANGUAGE sql AS $$
	SELECT pg_describe_object(d.classid, d.objid, 0) || coalesce(
		(SELECT ' ' || pg_get_functiondef(p.oid) FROM pg_proc p
		 WHERE d.classid = 'pg_proc'::regclass AND p.oid = d.objid AND p.prokind <> 'a'), '')
	FROM pg_depend d
	WHERE d.refclassid = 'pg_extension'::regclass
	  AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'thidua')
	  AND d.deptype = 'e'
$$;

SELECT source, target, path FROM pg_extension_update_paths('thidua')
	WHERE path IS NOT NULL ORDER BY source, target;

CREATE EXTENSION thidua VERSION '0.1.0';
SELECT thidua.version();
SELECT thidua.library_version() = default_version AS library_is_current
	FROM pg_available_extensions WHERE name = 'thidua';

-- Step by step to the default version, exercising each release's API.
ALTER EXTENSION thidua UPDATE TO '0.2.0';
SELECT thidua.version();
SELECT thidua.import_criteria('{"set": {"code": "up", "name": "Upgrade"}, "edition": "1",
	"title": "t", "classes": [{"label": "A"}],
	"items": [{"code": "C", "kind": "criterion", "title": "c", "rule": "manual", "max": 2}]}');
SELECT thidua.points('up/1', 'C', 1.5);
SELECT thidua.delete_draft('up/1');
ALTER EXTENSION thidua UPDATE TO '0.3.0';
SELECT thidua.version();
SELECT thidua.trimmed_mean(x, 1), thidua.streak(2020 + x::int, true, 2023)
  FROM (VALUES (1), (2), (3)) AS t(x);
ALTER EXTENSION thidua UPDATE TO '0.4.0';
SELECT thidua.version();
INSERT INTO thidua.unit VALUES ('U1', 'Sở Tư pháp', NULL, 'agency');
SELECT unit_code, name FROM thidua.unit;
DELETE FROM thidua.unit;
-- 0.4.0 stored a document without a tie-break order as an empty one
SELECT thidua.import_criteria('{"set": {"code": "up", "name": "u"}, "edition": "2", "title": "t",
	"classes": [{"label": "A"}],
	"items": [{"code": "C", "kind": "criterion", "title": "c", "rule": "manual", "max": 2}]}');
SELECT tie_break FROM thidua.criteria_version WHERE version_code = 'up/2';
ALTER EXTENSION thidua UPDATE TO '0.5.0';
SELECT thidua.version();
-- which 0.5.0 reads as ["total"]
SELECT thidua.score_detail('up/2', 'C', 1.5) -> 'tie_break' AS tie_break,
	thidua.export_criteria('up/2') -> 'tie_break' AS exported;
SELECT thidua.delete_draft('up/2');
ALTER EXTENSION thidua UPDATE TO '0.6.0';
SELECT thidua.version();
ALTER EXTENSION thidua UPDATE TO '0.7.0';
SELECT thidua.version();
ALTER EXTENSION thidua UPDATE TO '0.8.0';
SELECT thidua.version();
ALTER EXTENSION thidua UPDATE TO '0.9.0';
SELECT thidua.version();
SELECT thidua.version() = default_version AS at_default_version
	FROM pg_available_extensions WHERE name = 'thidua';

CREATE TEMP TABLE upgraded AS SELECT * FROM pg_temp.thidua_members() AS m(member);
DROP EXTENSION thidua;
CREATE EXTENSION thidua;
SELECT count(*) AS only_in_upgraded FROM (
	SELECT member FROM upgraded
	EXCEPT SELECT * FROM pg_temp.thidua_members()) AS difference;
SELECT count(*) AS only_in_fresh FROM (
	SELECT * FROM pg_temp.thidua_members()
	EXCEPT SELECT member FROM upgraded) AS difference;
SELECT count(*) > 0 AS has_members FROM upgraded;
DROP EXTENSION thidua;
