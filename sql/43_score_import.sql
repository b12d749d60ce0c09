-- thidua SQL source: score files.
-- Holds import_scores(): stores a staged score file, all or nothing.

-- Stores the scores staged in pg_temp.score_import (line, unit, judge,
-- criterion, observed, evidence; judge "self" for a self-assessment) for a
-- bloc and period: the whole file or nothing, errors naming the line and field.
-- Returns the number of observations stored. It runs with the caller's rights:
-- row-level security decides what the caller may store (see 50_roles.sql).
CREATE FUNCTION thidua.import_scores(bloc text, period text, source text DEFAULT 'input') RETURNS bigint
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	settings thidua.bloc_period;
	bad record;
	stored bigint;
BEGIN
	SELECT * INTO settings FROM thidua.bloc_period bp
		WHERE bp.bloc_code OPERATOR(pg_catalog.=) bloc AND bp.period_code OPERATOR(pg_catalog.=) period;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'bloc "%" has no settings for period "%"', bloc, period USING ERRCODE = 'no_data_found';
	END IF;
	IF to_regclass('pg_temp.score_import') IS NULL THEN
		RAISE EXCEPTION 'no scores are staged in pg_temp.score_import' USING ERRCODE = 'undefined_table';
	END IF;

	-- members: the unit, and the judge unless it is "self"
	SELECT i.line, 'unit' AS field, i.unit AS value INTO bad FROM pg_temp.score_import i
		WHERE NOT EXISTS (SELECT 1 FROM thidua.bloc_member m WHERE m.bloc_code OPERATOR(pg_catalog.=) bloc
			AND m.period_code OPERATOR(pg_catalog.=) period AND m.unit_code OPERATOR(pg_catalog.=) i.unit)
		ORDER BY i.line LIMIT 1;
	IF NOT FOUND THEN
		SELECT i.line, 'judge' AS field, i.judge AS value INTO bad FROM pg_temp.score_import i
			WHERE i.judge OPERATOR(pg_catalog.<>) 'self' AND NOT EXISTS (SELECT 1 FROM thidua.bloc_member m
				WHERE m.bloc_code OPERATOR(pg_catalog.=) bloc AND m.period_code OPERATOR(pg_catalog.=) period
				  AND m.unit_code OPERATOR(pg_catalog.=) i.judge)
			ORDER BY i.line LIMIT 1;
	END IF;
	IF FOUND THEN
		RAISE EXCEPTION '%:%: field "%": "%" is not a member of bloc "%" in period "%"',
			source, bad.line, bad.field, coalesce(bad.value, ''), bloc, period
			USING ERRCODE = 'foreign_key_violation';
	END IF;
	-- the caller files only what its own units give (row-level security enforces
	-- the same on every route; this names the line)
	IF NOT thidua._is_admin() THEN
		SELECT i.line, CASE WHEN i.judge OPERATOR(pg_catalog.=) 'self' THEN i.unit ELSE i.judge END AS judge_unit,
			thidua._caller_units() AS acts_for INTO bad
		FROM pg_temp.score_import i
		WHERE NOT CASE WHEN i.judge OPERATOR(pg_catalog.=) 'self' THEN i.unit ELSE i.judge END
			OPERATOR(pg_catalog.=) ANY (thidua._caller_units())
		ORDER BY i.line LIMIT 1;
		IF FOUND THEN
			RAISE EXCEPTION '%:%: field "judge": role "%" may not file the scores given by "%"',
				source, bad.line, current_user, bad.judge_unit
				USING ERRCODE = 'insufficient_privilege',
					  DETAIL = format('A scorer files only the self-assessments and peer scores of the units its role is mapped to; role "%s" acts for %s.',
						current_user, coalesce('"' || nullif(array_to_string(bad.acts_for, '", "'), '') || '"', 'no unit')),
					  HINT = 'A thidua_admin maps roles to units in thidua.role_unit.';
		END IF;
	END IF;
	SELECT i.line INTO bad FROM pg_temp.score_import i WHERE i.judge OPERATOR(pg_catalog.=) i.unit ORDER BY i.line LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION '%:%: field "judge": a member never scores itself as a peer; write "self" for a self-assessment',
			source, bad.line USING ERRCODE = 'check_violation';
	END IF;
	SELECT i.line, i.criterion INTO bad FROM pg_temp.score_import i
		WHERE EXISTS (SELECT 1 FROM pg_temp.score_import j WHERE j.line OPERATOR(pg_catalog.<) i.line
			AND j.unit OPERATOR(pg_catalog.=) i.unit AND j.judge OPERATOR(pg_catalog.=) i.judge
			AND j.criterion OPERATOR(pg_catalog.=) i.criterion)
		ORDER BY i.line LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION '%:%: field "criterion": "%" is given twice for the same unit and judge',
			source, bad.line, bad.criterion USING ERRCODE = 'unique_violation';
	END IF;
	-- each value by its criterion's rule, line by line so that the error names its line
	FOR bad IN SELECT i.line, i.criterion, i.observed FROM pg_temp.score_import i ORDER BY i.line LOOP
		BEGIN
			PERFORM thidua.points(settings.criteria_version, bad.criterion, bad.observed);
		EXCEPTION WHEN OTHERS THEN
			RAISE EXCEPTION '%:%: field "observed": %', source, bad.line, SQLERRM USING ERRCODE = SQLSTATE;
		END;
	END LOOP;
	SELECT i.line, i.unit, i.judge, i.criterion INTO bad FROM pg_temp.score_import i
		JOIN thidua.evaluation e ON e.bloc_code OPERATOR(pg_catalog.=) bloc AND e.period_code OPERATOR(pg_catalog.=) period
			AND e.unit_code OPERATOR(pg_catalog.=) i.unit
			AND e.judge_code OPERATOR(pg_catalog.=) CASE WHEN i.judge OPERATOR(pg_catalog.=) 'self' THEN i.unit ELSE i.judge END
		JOIN thidua.observation o ON o.evaluation_id OPERATOR(pg_catalog.=) e.evaluation_id
			AND o.criterion_code OPERATOR(pg_catalog.=) i.criterion
		ORDER BY i.line LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION '%:%: the score of "%" by "%" for criterion "%" is stored already', source, bad.line,
			bad.unit, bad.judge, bad.criterion
			USING ERRCODE = 'unique_violation', HINT = 'Scores are never overwritten; delete the stored one first.';
	END IF;

	INSERT INTO thidua.evaluation (bloc_code, period_code, unit_code, stage, judge_code)
		SELECT DISTINCT bloc, period, i.unit, CASE WHEN i.judge OPERATOR(pg_catalog.=) 'self' THEN 'self' ELSE 'peer' END,
			CASE WHEN i.judge OPERATOR(pg_catalog.=) 'self' THEN i.unit ELSE i.judge END
		FROM pg_temp.score_import i
		ON CONFLICT (bloc_code, period_code, unit_code, stage, judge_code) DO NOTHING;
	INSERT INTO thidua.observation (evaluation_id, criterion_code, observed, evidence)
		SELECT e.evaluation_id, i.criterion, i.observed, nullif(i.evidence, '')
		FROM pg_temp.score_import i
		JOIN thidua.evaluation e ON e.bloc_code OPERATOR(pg_catalog.=) bloc AND e.period_code OPERATOR(pg_catalog.=) period
			AND e.unit_code OPERATOR(pg_catalog.=) i.unit
			AND e.judge_code OPERATOR(pg_catalog.=) CASE WHEN i.judge OPERATOR(pg_catalog.=) 'self' THEN i.unit ELSE i.judge END
			AND e.stage OPERATOR(pg_catalog.=) CASE WHEN i.judge OPERATOR(pg_catalog.=) 'self' THEN 'self' ELSE 'peer' END;
	GET DIAGNOSTICS stored = ROW_COUNT;
	RETURN stored;
END
$$;
COMMENT ON FUNCTION thidua.import_scores(text, text, text) IS
	'stores the scores staged in pg_temp.score_import for a bloc and period, all or nothing; returns the observations stored';

-- Rule shapes: "not applicable" in a score file. The observed cell says it as
-- n/a or KAD (không áp dụng), in any case. Such a row stores nothing: it only
-- agrees with the marking the bloc's administrators made
-- (thidua.not_applicable_marking); without one it is an error naming the line.
CREATE FUNCTION thidua._observed_not_applicable(cell text) RETURNS boolean
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT lower(btrim(cell)) IN ('n/a', 'kad', 'không áp dụng')
$$;
COMMENT ON FUNCTION thidua._observed_not_applicable(text) IS
	'whether a score file''s observed cell says not applicable: n/a, KAD or "không áp dụng" (any case, spaces around ignored)';

CREATE FUNCTION thidua._check_not_applicable_row(bloc text, period text, unit text, criterion text,
												 source text, line integer) RETURNS void
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM thidua.not_applicable_marking na
				   WHERE na.bloc_code OPERATOR(pg_catalog.=) bloc AND na.period_code OPERATOR(pg_catalog.=) period
					 AND na.unit_code OPERATOR(pg_catalog.=) unit AND na.criterion_code OPERATOR(pg_catalog.=) criterion) THEN
		RAISE EXCEPTION '%:%: field "observed": criterion "%" is not marked not applicable to unit "%" in bloc "%", period "%"',
			coalesce(source, 'input'), line, criterion, unit, bloc, period
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'The bloc''s administrators mark it, with the reason, in thidua.not_applicable_marking.';
	END IF;
END
$$;
COMMENT ON FUNCTION thidua._check_not_applicable_row(text, text, text, text, text, integer) IS
	'raises an error naming source:line unless the criterion is marked not applicable to the unit in that bloc and period';
