-- Drafts edited by hand and drafts across roles: each a finding of a hostile
-- review, each an error or a refusal now, never a crash or a leak.
\set SHOW_CONTEXT never
\set VERBOSITY terse
SET client_min_messages = warning;
CREATE EXTENSION thidua;
SELECT thidua.create_roles();
SELECT thidua.import_criteria($${
  "set": {"code": "hd", "name": "Hand-edited"}, "edition": "1", "title": "Hand-edited",
  "classes": [{"label": "A", "min": 5}, {"label": "B"}],
  "items": [{"code": "S", "kind": "section", "title": "work", "max": 10},
    {"code": "b", "parent": "S", "kind": "criterion", "title": "b", "rule": "bands", "max": 2,
     "bands": [{"from": 50, "from_inclusive": true, "points": 2}]}]}$$);

-- A band bound without its inclusive flag (absent or null) names the band.
UPDATE thidua.criteria_item SET params = '{"bands": [{"from": 50, "points": 2}]}' WHERE code = 'b';
SELECT thidua.points('hd/1', 'b', 70);
UPDATE thidua.criteria_item SET params = '{"bands": [{"from": 0, "from_inclusive": true, "to": 100, "to_inclusive": null, "points": 1}]}' WHERE code = 'b';
SELECT thidua.score('hd/1', 'b', 70);
UPDATE thidua.criteria_item SET params = '{"bands": [{"from": 0, "from_inclusive": true, "to": 100, "to_inclusive": false, "points": 1}]}' WHERE code = 'b';
SELECT thidua.points('hd/1', 'b', 70) AS points_once_repaired;

-- A draft compiled under one role is not served to another that may not read
-- it (SET ROLE, pooled connections): it is read again with that role's rights.
CREATE ROLE draft_outsider LOGIN;
SELECT thidua.classify('hd/1', 7) AS as_superuser;
SET ROLE draft_outsider;
SELECT thidua.classify('hd/1', 7);
SELECT thidua.points('hd/1', 'b', 70);
RESET ROLE;
SELECT thidua.points('hd/1', 'b', 70) AS superuser_again;

-- A role of a thidua role's name that can log in (made by someone else, say) is
-- refused, not adopted.
ALTER ROLE thidua_council LOGIN;
SELECT thidua.create_roles();
ALTER ROLE thidua_council NOLOGIN;
SELECT thidua.create_roles() AS repaired;
SELECT rolname, rolcanlogin FROM pg_roles WHERE rolname LIKE 'thidua\_%' ORDER BY 1;

-- A person's data is visible to the roles of the unit they belong to now, not
-- to every unit they ever belonged to.
INSERT INTO thidua.unit (unit_code, name) VALUES ('A', 'Đơn vị A'), ('B', 'Đơn vị B');
INSERT INTO thidua.individual VALUES ('p1', 'Nguyễn Văn Một', 'male', DATE '1970-05-05'),
	('p2', 'Trần Thị Hai', 'female', DATE '1980-01-01');
INSERT INTO thidua.membership VALUES ('p1', 'A', DATE '2000-01-01', DATE '2005-01-01'),
	('p1', 'B', DATE '2005-01-01', NULL), ('p2', 'A', DATE '2010-01-01', NULL);
CREATE ROLE draft_scorer_a LOGIN IN ROLE thidua_scorer;
INSERT INTO thidua.role_unit (role_name, unit_code) VALUES ('draft_scorer_a', 'A');
SET ROLE draft_scorer_a;
SELECT person_code, full_name FROM thidua.individual ORDER BY 1;
RESET ROLE;

DELETE FROM thidua.role_unit;
DROP EXTENSION thidua;
DROP ROLE draft_outsider;
DROP ROLE draft_scorer_a;
