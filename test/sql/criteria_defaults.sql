-- Optional fields of a criteria document: absent, null and empty values are
-- each accepted with the README's default or refused with an error naming the
-- field; whatever is stored works with every function that reads a version.
\set SHOW_CONTEXT never
CREATE EXTENSION thidua;

-- A document with every optional field given.
CREATE TEMP TABLE base AS SELECT $${
  "format": "thidua-criteria/1",
  "set": {"code": "opt", "name": "Optional fields"}, "edition": "1", "title": "Optional fields",
  "rounding_scale": 2, "allow_over_completion": true,
  "classes": [{"label": "A", "title": "Excellent", "min": 9}, {"label": "B", "min": 5}, {"label": "C"}],
  "veto": {"max_class": "B", "reason": "discipline"},
  "tie_break": ["total", "section:S"],
  "items": [
    {"code": "S", "kind": "section", "title": "work", "max": 20},
    {"code": "m", "parent": "S", "kind": "criterion", "title": "manual", "rule": "manual", "max": 5},
    {"code": "pr", "parent": "S", "kind": "criterion", "title": "proportional", "rule": "proportional",
     "max": 2, "target": 10, "ceiling": 3},
    {"code": "bd", "parent": "S", "kind": "criterion", "title": "bands", "rule": "bands", "max": 2,
     "otherwise": 0.5, "bands": [{"from": 90, "from_inclusive": true, "points": 2},
                                 {"from": 50, "from_inclusive": true, "to": 90, "to_inclusive": false, "points": 1}]},
    {"code": "B", "kind": "bonus", "title": "bonus", "max": 1},
    {"code": "b", "parent": "B", "kind": "criterion", "title": "bonus", "rule": "pass_fail", "max": 1},
    {"code": "P", "kind": "penalty", "title": "penalty", "max": 3},
    {"code": "po", "parent": "P", "kind": "criterion", "title": "late reports", "rule": "per_occurrence",
     "per": -1, "floor": -2, "ceiling": 0}]}$$::jsonb AS doc;

-- Imports a variant; says what was stored at the path (as exported), checks
-- that it scores, classifies and survives a JSON and a CSV round trip.
CREATE FUNCTION pg_temp.try_variant(doc jsonb, path text[]) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  v text;
  exported jsonb;
  detail jsonb;
  again text;
BEGIN
  v := thidua.import_criteria(doc, true);
  exported := thidua.export_criteria(v);
  detail := (SELECT thidua.score_detail(v, c, o) FROM (VALUES ('m', 4.5), ('pr', 20), ('bd', 95), ('b', 1), ('po', 3)) x(c, o));
  PERFORM thidua.classify(v, (detail ->> 'total')::numeric);
  again := thidua.import_criteria(jsonb_set(exported, '{edition}', '"rt"'), true);
  IF jsonb_set(thidua.export_criteria(again), '{edition}', '"1"') IS DISTINCT FROM exported THEN
    RETURN 'accepted, but the JSON round trip differs';
  END IF;
  again := thidua.import_criteria_file(convert_to(replace(thidua.export_criteria_csv(v), 'version,1,', 'version,rt,'), 'UTF8'),
                                       'csv', 'rt.csv', true);
  IF jsonb_set(thidua.export_criteria(again), '{edition}', '"1"') IS DISTINCT FROM exported THEN
    RETURN 'accepted, but the CSV round trip differs';
  END IF;
  RETURN 'accepted: ' || coalesce((exported #> path)::text, '(absent)') || '; total ' || (detail ->> 'total');
EXCEPTION WHEN others THEN
  RETURN 'refused: ' || SQLERRM;
END
$$;

CREATE TEMP TABLE field (path text[], empty jsonb);
INSERT INTO field VALUES
  ('{format}', '""'), ('{title}', '""'), ('{rounding_scale}', '""'),
  ('{allow_over_completion}', '""'), ('{classes}', '[]'), ('{veto}', '{}'),
  ('{tie_break}', '[]'), ('{set}', '{}'), ('{set,name}', '""'), ('{edition}', '""'), ('{items}', '[]'),
  ('{classes,0,title}', '""'), ('{classes,1,min}', '""'), ('{classes,2,min}', '""'),
  ('{veto,max_class}', '""'), ('{veto,reason}', '""'),
  ('{items,1,parent}', '""'), ('{items,0,max}', '""'), ('{items,1,title}', '""'), ('{items,1,rule}', '""'),
  ('{items,2,target}', '""'), ('{items,2,ceiling}', '""'),
  ('{items,3,otherwise}', '""'), ('{items,3,bands}', '[]'), ('{items,3,bands,0,from}', '""'),
  ('{items,3,bands,1,to}', '""'), ('{items,3,bands,0,from_inclusive}', '""'),
  ('{items,7,per}', '""'), ('{items,7,floor}', '""'), ('{items,7,ceiling}', '""');

SELECT array_to_string(f.path, '.') AS field, v.variant, pg_temp.try_variant(
    CASE v.variant WHEN 'absent' THEN b.doc #- f.path
                   WHEN 'null' THEN jsonb_set(b.doc, f.path, 'null')
                   ELSE jsonb_set(b.doc, f.path, f.empty) END, f.path) AS result
  FROM field f CROSS JOIN (VALUES ('absent'), ('null'), ('empty')) AS v(variant), base b
  ORDER BY f.path, v.variant;

-- The CSV version record: no tie_break, or empty parameter values, mean the defaults.
SELECT thidua.import_criteria_file(convert_to(
  replace(thidua.export_criteria_csv('opt/1'), 'rounding_scale=2; allow_over_completion=true; tie_break=total section:S',
          concat('rounding_scale=; tie_break=; allow_over_completion=true')), 'UTF8'), 'csv', 'no-tie-break.csv', true);
SELECT rounding_scale, allow_over_completion, tie_break FROM thidua.criteria_version WHERE version_code = 'opt/1';
SELECT thidua.import_criteria_file(convert_to(
  replace(thidua.export_criteria_csv('opt/1'), 'rounding_scale=2; allow_over_completion=true; tie_break=total',
          'allow_over_completion=true'), 'UTF8'), 'csv', 'no-tie-break.csv', true);
SELECT tie_break FROM thidua.criteria_version WHERE version_code = 'opt/1';

-- A version stored with an empty tie-break order (as 0.4.0 imported a document
-- without one) reads as ["total"] everywhere: scoring, standings, explain, export.
SELECT thidua.import_criteria(b.doc - 'tie_break' || '{"edition": "old"}') FROM base b;
UPDATE thidua.criteria_version SET tie_break = '{}' WHERE version_code = 'opt/old';
SELECT thidua.publish_version('opt/old');
SELECT thidua.score_detail('opt/old', 'm', 4) -> 'tie_break' AS tie_break;
SELECT thidua.export_criteria('opt/old') -> 'tie_break' AS exported;
SELECT thidua.tie_break_keys('opt/old', c, o) FROM (VALUES ('m', 4), ('b', 1)) x(c, o);
INSERT INTO thidua.unit (unit_code, name) VALUES ('U1', 'One'), ('U2', 'Two'), ('U3', 'Three');
INSERT INTO thidua.period (period_code, year) VALUES ('2019', 2019);
INSERT INTO thidua.bloc VALUES ('K', 'Bloc', 'bloc');
INSERT INTO thidua.bloc_period VALUES ('K', '2019', 'opt/old', 'trimmed_mean', 0, 1);
INSERT INTO thidua.bloc_member VALUES ('K', '2019', 'U1', 'member'), ('K', '2019', 'U2', 'member'), ('K', '2019', 'U3', 'member');
INSERT INTO thidua.evaluation (bloc_code, period_code, unit_code, stage, judge_code)
  SELECT 'K', '2019', u, CASE WHEN u = j THEN 'self' ELSE 'peer' END, j
  FROM unnest(ARRAY['U1', 'U2', 'U3']) u, unnest(ARRAY['U1', 'U2', 'U3']) j;
INSERT INTO thidua.observation (evaluation_id, criterion_code, observed)
  SELECT e.evaluation_id, 'm', CASE e.unit_code WHEN 'U1' THEN 3 WHEN 'U2' THEN 4 ELSE 5 END
  FROM thidua.evaluation e;
SELECT unit_code, final_total, class, rank, tie_break FROM thidua.standings('K', '2019');
SELECT thidua.explain('U2', '2019') #> '{standing,tie_break}' AS explain_tie_break,
       jsonb_path_query_array(thidua.explain('U2', '2019'), '$.neighbours[*].decided_by') AS decided_by;

-- classify refuses what is not a finite total, naming it.
SELECT thidua.classify('opt/old', 'NaN');
SELECT thidua.classify('opt/old', 'Infinity');
SELECT thidua.classify('opt/old', '-Infinity', true);
SELECT thidua.classify('opt/old', 9), thidua.classify('opt/old', 9, true);

DROP EXTENSION thidua;
