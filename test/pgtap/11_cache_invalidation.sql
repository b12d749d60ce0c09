-- A compiled draft is recompiled in every backend when another backend
-- changes it; published versions keep serving from the cache.
BEGIN;
SELECT plan(5);
CREATE EXTENSION IF NOT EXISTS dblink;
SELECT dblink_connect('other', format('host=%s port=%s dbname=%s user=%s',
	current_setting('unix_socket_directories'), current_setting('port'), current_database(), current_user));

-- The other session imports and commits a draft.
SELECT * FROM dblink('other', $sql$
	SELECT thidua.import_criteria('{"set": {"code": "cache", "name": "Cache"}, "edition": "1",
		"title": "t", "classes": [{"label": "A"}],
		"items": [{"code": "S", "kind": "section", "title": "s", "max": 2},
				  {"code": "C", "parent": "S", "kind": "criterion", "title": "c", "rule": "manual", "max": 2}]}')
$sql$) AS imported(version text);
SELECT is(thidua.points('cache/1', 'C', 1.5), 1.50, 'this session compiles the draft');

SELECT dblink_exec('other', $sql$
	UPDATE thidua.criteria_version SET rounding_scale = 0 WHERE version_code = 'cache/1'
$sql$);
SELECT is(thidua.points('cache/1', 'C', 1.5), 2::numeric, 'a change committed elsewhere is seen (rounding scale 0)');

SELECT dblink_exec('other', $sql$
	UPDATE thidua.criteria_item SET max_points = 1 WHERE version_code = 'cache/1'
$sql$);
SELECT throws_ok($$ SELECT thidua.points('cache/1', 'C', 1.5) $$, '22023', NULL,
	'a lowered max from elsewhere is enforced at once');

SELECT * FROM dblink('other', $sql$ SELECT thidua.delete_draft('cache/1')::text $sql$) AS deleted(nothing text);
SELECT throws_ok($$ SELECT thidua.points('cache/1', 'C', 1) $$, '42704',
	'criteria version "cache/1" does not exist', 'a deleted draft is gone from the cache');
SELECT is(thidua.points('stp/2019', 'I.1', 1), 1.00, 'published versions still score');

SELECT dblink_disconnect('other');
SELECT * FROM finish();
ROLLBACK;
