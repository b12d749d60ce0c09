-- thidua SQL source: score files.
-- Holds import_scores(): a score file (its text, its bytes, or rows staged in
-- pg_temp.score_import) checked and stored all or nothing; _store_scores() and
-- _score_file_fault(), the storing and the checks they share; _progress().

-- Whether the client asked for progress reports: the setting thidua.progress
-- (the CLI sets it for its progress bar).
CREATE FUNCTION thidua._progress_on() RETURNS boolean
	LANGUAGE sql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT coalesce(current_setting('thidua.progress', true), '') OPERATOR(pg_catalog.=) ANY ('{on,true,yes,1}')
$$;

-- Reports a phase of an import as a NOTICE "progress: PHASE N%" when asked for.
CREATE FUNCTION thidua._progress(phase text, percent integer) RETURNS void
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	IF thidua._progress_on() THEN
		RAISE NOTICE 'progress: % %', phase, percent || '%';
	END IF;
END
$$;

-- Names the first line of pg_temp._thidua_scores at fault, checking in this
-- order: members, the role's units, a unit scoring itself, then (when every
-- is true) criteria, a score given twice, a score stored already, and last,
-- line by line, the values by their rules. Raises source:line: field ...;
-- returns when every line is fine.
CREATE FUNCTION thidua._score_file_fault(bloc text, period text, source text, every boolean) RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	version text;
	bad record;
	message text;
	detail text;
	hint text;
	state text;
	acting text := thidua._acting_role();
	acts_for text[];
BEGIN
	SELECT bp.criteria_version INTO version FROM thidua.bloc_period bp
		WHERE bp.bloc_code OPERATOR(pg_catalog.=) bloc AND bp.period_code OPERATOR(pg_catalog.=) period;
	-- members: the unit, and the judge unless it is "self"
	SELECT i.line, 'unit' AS field, i.unit AS value INTO bad FROM pg_temp._thidua_scores i
		WHERE NOT EXISTS (SELECT 1 FROM thidua.bloc_member m WHERE m.bloc_code OPERATOR(pg_catalog.=) bloc
			AND m.period_code OPERATOR(pg_catalog.=) period AND m.unit_code OPERATOR(pg_catalog.=) i.unit)
		ORDER BY i.line LIMIT 1;
	IF NOT FOUND THEN
		SELECT i.line, 'judge' AS field, i.judge AS value INTO bad FROM pg_temp._thidua_scores i
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
	-- the caller files only what its own units give: import_scores runs with
	-- the owner's rights, so this is the check (row-level security makes the
	-- same one on the tables' other routes). The caller is the role it acts as,
	-- never current_user (the owner here).
	IF NOT thidua._role_is_admin(acting) THEN
		acts_for := thidua._units_of(acting);
		SELECT i.line, CASE WHEN i.judge OPERATOR(pg_catalog.=) 'self' THEN i.unit ELSE i.judge END AS judge_unit INTO bad
		FROM pg_temp._thidua_scores i
		WHERE NOT CASE WHEN i.judge OPERATOR(pg_catalog.=) 'self' THEN i.unit ELSE i.judge END
			OPERATOR(pg_catalog.=) ANY (acts_for)
		ORDER BY i.line LIMIT 1;
		IF FOUND THEN
			RAISE EXCEPTION '%:%: field "judge": role "%" may not file the scores given by "%"',
				source, bad.line, acting, bad.judge_unit
				USING ERRCODE = 'insufficient_privilege',
					  DETAIL = format('A scorer files only the self-assessments and peer scores of the units its role is mapped to; role "%s" acts for %s.',
						acting, coalesce('"' || nullif(array_to_string(acts_for, '", "'), '') || '"', 'no unit')),
					  HINT = 'A thidua_admin maps roles to units in thidua.role_unit.';
		END IF;
	END IF;
	SELECT i.line INTO bad FROM pg_temp._thidua_scores i WHERE i.judge OPERATOR(pg_catalog.=) i.unit ORDER BY i.line LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION '%:%: field "judge": a member never scores itself as a peer; write "self" for a self-assessment',
			source, bad.line USING ERRCODE = 'check_violation';
	END IF;
	IF NOT every THEN
		RETURN;
	END IF;
	-- criteria: an item of the bloc's version, and a criterion (not a section)
	SELECT i.line, i.criterion, c.kind INTO bad FROM pg_temp._thidua_scores i
		LEFT JOIN thidua.criteria_item c ON c.version_code OPERATOR(pg_catalog.=) version
			AND c.code OPERATOR(pg_catalog.=) i.criterion
		WHERE c.kind IS DISTINCT FROM 'criterion'
		ORDER BY i.line LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION '%:%: field "criterion": "%" %', source, bad.line, bad.criterion,
			CASE WHEN bad.kind IS NULL THEN format('is not an item of criteria version "%s"', version)
				 ELSE format('is a %s of criteria version "%s", not a criterion', bad.kind, version) END
			USING ERRCODE = 'foreign_key_violation',
				  HINT = 'Scores are given to criteria; sections add up their criteria''s points.';
	END IF;
	SELECT d.line, d.criterion INTO bad FROM (
		SELECT i.line, i.criterion, row_number() OVER (PARTITION BY i.unit, i.judge, i.criterion ORDER BY i.line) AS n
		FROM pg_temp._thidua_scores i) AS d
		WHERE d.n OPERATOR(pg_catalog.>) 1
		ORDER BY d.line LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION '%:%: field "criterion": "%" is given twice for the same unit and judge',
			source, bad.line, bad.criterion USING ERRCODE = 'unique_violation';
	END IF;
	-- (the bloc's stored scores in a query of their own: on Citus, one task)
	WITH stored AS MATERIALIZED (
		SELECT e.unit_code, e.judge_code, o.criterion_code FROM thidua.evaluation e
		JOIN thidua.observation o ON o.bloc_code OPERATOR(pg_catalog.=) e.bloc_code
			AND o.evaluation_id OPERATOR(pg_catalog.=) e.evaluation_id
		WHERE e.bloc_code OPERATOR(pg_catalog.=) bloc AND o.bloc_code OPERATOR(pg_catalog.=) bloc
		  AND e.period_code OPERATOR(pg_catalog.=) period)
	SELECT i.line, i.unit, i.judge, i.criterion INTO bad FROM pg_temp._thidua_scores i
		JOIN stored s ON s.unit_code OPERATOR(pg_catalog.=) i.unit
			AND s.judge_code OPERATOR(pg_catalog.=) CASE WHEN i.judge OPERATOR(pg_catalog.=) 'self' THEN i.unit ELSE i.judge END
			AND s.criterion_code OPERATOR(pg_catalog.=) i.criterion
		ORDER BY i.line LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION '%:%: the score of "%" by "%" for criterion "%" is stored already', source, bad.line,
			bad.unit, bad.judge, bad.criterion
			USING ERRCODE = 'unique_violation', HINT = 'Scores are never overwritten; delete the stored one first.';
	END IF;
	-- each value by its criterion's rule, in line order: one subtransaction for
	-- the walk, not one per line
	BEGIN
		FOR bad IN SELECT i.line, i.criterion, i.observed FROM pg_temp._thidua_scores i ORDER BY i.line LOOP
			PERFORM thidua.points(version, bad.criterion, bad.observed);
		END LOOP;
	EXCEPTION WHEN OTHERS THEN
		GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
			detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
		message := format('%s:%s: field "observed": %s', source, bad.line, message);
		IF coalesce(detail, '') OPERATOR(pg_catalog.=) '' AND coalesce(hint, '') OPERATOR(pg_catalog.=) '' THEN
			RAISE EXCEPTION USING ERRCODE = state, MESSAGE = message;
		ELSIF coalesce(hint, '') OPERATOR(pg_catalog.=) '' THEN
			RAISE EXCEPTION USING ERRCODE = state, MESSAGE = message, DETAIL = detail;
		ELSIF coalesce(detail, '') OPERATOR(pg_catalog.=) '' THEN
			RAISE EXCEPTION USING ERRCODE = state, MESSAGE = message, HINT = hint;
		ELSE
			RAISE EXCEPTION USING ERRCODE = state, MESSAGE = message, DETAIL = detail, HINT = hint;
		END IF;
	END;
END
$$;
COMMENT ON FUNCTION thidua._score_file_fault(text, text, text, boolean) IS
	'raises the first fault of the scores in pg_temp._thidua_scores, naming source:line and the field; returns when there is none';

-- Checks and stores the scores in pg_temp._thidua_scores (line, unit, judge,
-- criterion, observed numeric, evidence) for a bloc and period. The whole file
-- is judged in a few set-wise checks, the tables' constraints and the checks
-- the tables' triggers make on one server (made here, first, with the same
-- messages, since Citus has no such triggers): a closed period, a member that
-- had left, a criterion marked not applicable, the values by their rules.
-- Only when something refuses the file is it searched for the first line at
-- fault (_score_file_fault), so a good file costs no check per line. The
-- bloc's scores are read and written by queries that name the bloc alone (on
-- Citus, each routed to the worker holding them); staged lines are joined with
-- copies of the bloc's evaluations in temporary tables, never with a
-- distributed table.
CREATE FUNCTION thidua._store_scores(bloc text, period text, source text) RETURNS bigint
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	-- statistics of the staged lines: a small sample is enough for hash joins
	SET default_statistics_target = 10
	AS $$
DECLARE
	version text;
	period_status text;
	departed record;
	marked record;
	stored bigint := 0;
	inserted bigint;
	first_line bigint;
	end_line bigint;
	low bigint;
	high bigint;
	slices bigint;
	state text;
	message text;
	detail text;
	hint text;
BEGIN
	SELECT bp.criteria_version INTO version FROM thidua.bloc_period bp
		WHERE bp.bloc_code OPERATOR(pg_catalog.=) bloc AND bp.period_code OPERATOR(pg_catalog.=) period;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'bloc "%" has no settings for period "%"', bloc, period USING ERRCODE = 'no_data_found';
	END IF;
	-- (on Citus: reads and writes of the bloc's shards in one transaction)
	PERFORM thidua._sequential_on_citus();
	PERFORM thidua._progress('checking', 0);
	ANALYZE pg_temp._thidua_scores;
	-- what a scorer may not file (row-level security refuses it on the tables'
	-- other routes; import_scores runs with the owner's rights, so this is the
	-- check), and the cheap checks before it, in their order
	IF NOT thidua._role_is_admin(thidua._acting_role()) THEN
		PERFORM thidua._score_file_fault(bloc, period, source, false);
	END IF;
	PERFORM thidua._progress('checking', 100);
	BEGIN
		-- the evaluations the file names that are not stored yet
		CREATE TEMP TABLE _thidua_evaluations ON COMMIT DROP AS
			SELECT e.evaluation_id, e.unit_code, e.stage, e.judge_code FROM thidua.evaluation e
			WHERE e.bloc_code OPERATOR(pg_catalog.=) bloc AND e.period_code OPERATOR(pg_catalog.=) period;
		CREATE TEMP TABLE _thidua_new_evaluations ON COMMIT DROP AS
			SELECT DISTINCT i.unit AS unit_code,
				CASE WHEN i.judge OPERATOR(pg_catalog.=) 'self' THEN 'self' ELSE 'peer' END AS stage,
				CASE WHEN i.judge OPERATOR(pg_catalog.=) 'self' THEN i.unit ELSE i.judge END AS judge_code
			FROM pg_temp._thidua_scores i
			EXCEPT
			SELECT e.unit_code, e.stage, e.judge_code FROM pg_temp._thidua_evaluations e;
		-- a closed period takes no new evaluation (as _guard_open_period says;
		-- on one server its trigger also share-locks the period, on Citus this does)
		IF thidua._distributed() THEN
			SELECT p.status INTO period_status FROM thidua.period p
				WHERE p.period_code OPERATOR(pg_catalog.=) period FOR SHARE;
		ELSE
			SELECT p.status INTO period_status FROM thidua.period p
				WHERE p.period_code OPERATOR(pg_catalog.=) period;
		END IF;
		IF period_status OPERATOR(pg_catalog.=) 'closed'
		   AND EXISTS (SELECT 1 FROM pg_temp._thidua_new_evaluations) THEN
			RAISE EXCEPTION 'period "%" is closed: evaluations cannot change', period
				USING ERRCODE = 'object_not_in_prerequisite_state',
					  HINT = 'A closed period is history; thidua.reopen_period(period, reason) reopens it, on the record.';
		END IF;
		-- a member that left neither judges nor is judged (as _guard_departed_member says)
		SELECT m.unit_code, m.status, m.status_date, m.merged_into, n.unit_code AS judged, n.judge_code AS judge
			INTO departed
			FROM pg_temp._thidua_new_evaluations n
			JOIN thidua.bloc_member m ON m.bloc_code OPERATOR(pg_catalog.=) bloc AND m.period_code OPERATOR(pg_catalog.=) period
				AND m.unit_code OPERATOR(pg_catalog.=) ANY (ARRAY[n.unit_code, n.judge_code])
			WHERE m.status OPERATOR(pg_catalog.<>) 'active' AND m.status_date OPERATOR(pg_catalog.<=) now()
			ORDER BY n.unit_code, n.stage, n.judge_code, m.unit_code OPERATOR(pg_catalog.<>) n.judge_code LIMIT 1;
		IF FOUND THEN
			RAISE EXCEPTION 'unit "%" left bloc "%" on % (%): from that date it neither judges nor is judged',
				departed.unit_code, bloc, departed.status_date,
				CASE WHEN departed.status OPERATOR(pg_catalog.=) 'merged' THEN 'merged into "' || departed.merged_into || '"'
					 ELSE 'withdrawn' END
				USING ERRCODE = 'object_not_in_prerequisite_state',
					  DETAIL = format('The evaluation of "%s" by "%s" in period "%s" is refused.', departed.judged,
									  departed.judge, period);
		END IF;
		INSERT INTO thidua.evaluation (bloc_code, period_code, unit_code, stage, judge_code)
			SELECT bloc, period, n.unit_code, n.stage, n.judge_code FROM pg_temp._thidua_new_evaluations n
			ORDER BY n.unit_code, n.stage, n.judge_code
			ON CONFLICT (bloc_code, period_code, unit_code, stage, judge_code) DO NOTHING;
		IF EXISTS (SELECT 1 FROM pg_temp._thidua_new_evaluations) THEN
			TRUNCATE pg_temp._thidua_evaluations;
			INSERT INTO pg_temp._thidua_evaluations
				SELECT e.evaluation_id, e.unit_code, e.stage, e.judge_code FROM thidua.evaluation e
				WHERE e.bloc_code OPERATOR(pg_catalog.=) bloc AND e.period_code OPERATOR(pg_catalog.=) period;
		END IF;
		ANALYZE pg_temp._thidua_evaluations;
		PERFORM thidua._progress('storing', 15);
		-- the observations' checks (as _check_observations makes them): a closed
		-- period, a criterion marked not applicable to the unit, every value by
		-- its criterion's rule (thidua.points raises)
		IF period_status OPERATOR(pg_catalog.=) 'closed' THEN
			RAISE EXCEPTION 'period "%" is closed: observations cannot change', period
				USING ERRCODE = 'object_not_in_prerequisite_state',
					  HINT = 'A closed period is history; thidua.reopen_period(period, reason) reopens it, on the record.';
		END IF;
		SELECT i.criterion, i.unit INTO marked FROM pg_temp._thidua_scores i
			JOIN thidua.not_applicable_marking na ON na.bloc_code OPERATOR(pg_catalog.=) bloc
				AND na.period_code OPERATOR(pg_catalog.=) period AND na.unit_code OPERATOR(pg_catalog.=) i.unit
				AND na.criterion_code OPERATOR(pg_catalog.=) i.criterion
			ORDER BY i.line LIMIT 1;
		IF FOUND THEN
			RAISE EXCEPTION 'criterion "%" is marked not applicable to unit "%": it is not observed',
				marked.criterion, marked.unit
				USING ERRCODE = 'check_violation',
					  HINT = 'thidua.not_applicable_marking holds the marking and its reason.';
		END IF;
		PERFORM thidua.points(version, i.criterion, i.observed) FROM pg_temp._thidua_scores i;
		-- a progress bar gets the file in ten slices of lines, so that it moves
		SELECT min(i.line), max(i.line) OPERATOR(pg_catalog.+) 1 INTO first_line, end_line
			FROM pg_temp._thidua_scores i;
		slices := CASE WHEN thidua._progress_on() THEN 10 ELSE 1 END;
		FOR part IN 0 .. slices OPERATOR(pg_catalog.-) 1 LOOP
			-- (OPERATOR() binds left to right, hence the parentheses)
			low := first_line OPERATOR(pg_catalog.+) (((end_line OPERATOR(pg_catalog.-) first_line)
				OPERATOR(pg_catalog.*) part) OPERATOR(pg_catalog./) slices);
			high := first_line OPERATOR(pg_catalog.+) (((end_line OPERATOR(pg_catalog.-) first_line)
				OPERATOR(pg_catalog.*) (part OPERATOR(pg_catalog.+) 1)) OPERATOR(pg_catalog./) slices);
			-- planned for these bounds (EXECUTE): a generic plan of the slice
			-- could loop over the evaluations for every line
			EXECUTE $sql$
				INSERT INTO thidua.observation (bloc_code, evaluation_id, criterion_code, observed, evidence)
				SELECT $1, e.evaluation_id, i.criterion, i.observed, nullif(i.evidence, '')
				FROM pg_temp._thidua_scores i
				JOIN pg_temp._thidua_evaluations e ON e.unit_code OPERATOR(pg_catalog.=) i.unit
					AND e.judge_code OPERATOR(pg_catalog.=) CASE WHEN i.judge OPERATOR(pg_catalog.=) 'self' THEN i.unit ELSE i.judge END
					AND e.stage OPERATOR(pg_catalog.=) CASE WHEN i.judge OPERATOR(pg_catalog.=) 'self' THEN 'self' ELSE 'peer' END
				WHERE i.line OPERATOR(pg_catalog.>=) $2 AND i.line OPERATOR(pg_catalog.<) $3 $sql$
				USING bloc, low, high;
			GET DIAGNOSTICS inserted = ROW_COUNT;
			stored := stored OPERATOR(pg_catalog.+) inserted;
			PERFORM thidua._progress('storing', (15 OPERATOR(pg_catalog.+)
				((85 OPERATOR(pg_catalog.*) (part OPERATOR(pg_catalog.+) 1)) OPERATOR(pg_catalog./) slices))::integer);
		END LOOP;
		DROP TABLE pg_temp._thidua_evaluations, pg_temp._thidua_new_evaluations;
	EXCEPTION WHEN OTHERS THEN
		GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
			detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
		PERFORM thidua._score_file_fault(bloc, period, source, true);
		-- no line at fault (a closed period, say): the error as it came
		IF coalesce(detail, '') OPERATOR(pg_catalog.=) '' AND coalesce(hint, '') OPERATOR(pg_catalog.=) '' THEN
			RAISE EXCEPTION USING ERRCODE = state, MESSAGE = message;
		ELSIF coalesce(hint, '') OPERATOR(pg_catalog.=) '' THEN
			RAISE EXCEPTION USING ERRCODE = state, MESSAGE = message, DETAIL = detail;
		ELSIF coalesce(detail, '') OPERATOR(pg_catalog.=) '' THEN
			RAISE EXCEPTION USING ERRCODE = state, MESSAGE = message, HINT = hint;
		ELSE
			RAISE EXCEPTION USING ERRCODE = state, MESSAGE = message, DETAIL = detail, HINT = hint;
		END IF;
	END;
	RETURN stored;
END
$$;
COMMENT ON FUNCTION thidua._store_scores(text, text, text) IS
	'checks and stores the scores in pg_temp._thidua_scores for a bloc and period; errors name source:line and field';

-- A score file's text: the header names the columns unit, judge, criterion,
-- observed, evidence (any order; evidence optional; judge "self" for a
-- self-assessment; observed n/a or KAD for a criterion marked not applicable
-- to the unit), read by _csv_rows (so ";" and tab files, decimal commas
-- there, padding rows and columns all read as every import reads them).
-- Stores it for a bloc and period, all or nothing; returns the number of
-- observations stored. Runs with the owner's rights (on Citus no role writes
-- the scores directly; EXECUTE: thidua_scorer and thidua_admin): a scorer
-- stores only what its units give, as row-level security says on the tables
-- (_score_file_fault checks it for the role the caller acts as), and files
-- in its own name (created_by: session_user).
CREATE FUNCTION thidua.import_scores(bloc text, period text, content text, source text) RETURNS bigint
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	bad record;
	stored bigint;
BEGIN
	source := coalesce(source, 'input');
	IF content IS NULL THEN
		RAISE EXCEPTION '%: no file content', source USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF NOT EXISTS (SELECT 1 FROM thidua.bloc_period bp
			WHERE bp.bloc_code OPERATOR(pg_catalog.=) bloc AND bp.period_code OPERATOR(pg_catalog.=) period) THEN
		RAISE EXCEPTION 'bloc "%" has no settings for period "%"', bloc, period USING ERRCODE = 'no_data_found';
	END IF;
	IF to_regclass('pg_temp._thidua_scores') IS NOT NULL THEN
		DROP TABLE pg_temp._thidua_scores;
	END IF;
	PERFORM thidua._progress('reading', 0);
	CREATE TEMP TABLE _thidua_scores ON COMMIT DROP AS
		SELECT r.line::bigint AS line, r.cells[1] AS unit, r.cells[2] AS judge, r.cells[3] AS criterion,
			r.cells[4] AS observed_text, thidua._csv_number_text(r.cells[4], r.separator)::numeric AS observed,
			r.cells[5] AS evidence, r.separator
		FROM thidua._csv_rows(content, source, '{unit,judge,criterion,observed,evidence}',
							  '{unit,judge,criterion,observed}') AS r;
	-- an observed cell that is no number: "not applicable" (n/a, KAD) where the
	-- bloc's administrators marked the criterion for the unit, which stores
	-- nothing; else the first such line is an error
	SELECT s.line, s.unit, s.criterion, s.observed_text, s.separator,
		thidua._observed_not_applicable(s.observed_text) AS not_applicable INTO bad
	FROM pg_temp._thidua_scores s
	WHERE s.observed IS NULL
	  AND NOT (thidua._observed_not_applicable(s.observed_text)
			   AND EXISTS (SELECT 1 FROM thidua.not_applicable_marking na
						   WHERE na.bloc_code OPERATOR(pg_catalog.=) bloc AND na.period_code OPERATOR(pg_catalog.=) period
							 AND na.unit_code OPERATOR(pg_catalog.=) s.unit
							 AND na.criterion_code OPERATOR(pg_catalog.=) s.criterion))
	ORDER BY s.line LIMIT 1;
	IF FOUND THEN
		IF bad.not_applicable THEN
			PERFORM thidua._check_not_applicable_row(bloc, period, bad.unit, bad.criterion, source, bad.line::integer);
		END IF;
		PERFORM thidua._csv_decimal(bad.observed_text, bad.separator, source, bad.line::integer, 'observed');
	END IF;
	DELETE FROM pg_temp._thidua_scores s
		WHERE s.observed IS NULL AND thidua._observed_not_applicable(s.observed_text);
	stored := thidua._store_scores(bloc, period, source);
	DROP TABLE pg_temp._thidua_scores;
	RETURN stored;
END
$$;
COMMENT ON FUNCTION thidua.import_scores(text, text, text, text) IS
	'stores a score file (text with the columns unit, judge, criterion, observed, evidence; source names it in errors, e.g. scores.csv) for a bloc and period, all or nothing; returns the observations stored. observed is a number, or n/a, KAD or "không áp dụng" for a criterion marked not applicable to the unit in thidua.not_applicable_marking (stores nothing; unmarked, an error). Errors name source:line and the field; nothing is stored then. Runs with the owner''s rights: a role that does not administer thidua stores only the scores given by the units thidua.role_unit maps the role it acts as to (insufficient_privilege naming the line)';

-- The same from the file's bytes: invalid UTF-8 is refused naming its line.
CREATE FUNCTION thidua.import_scores(bloc text, period text, data bytea, source text) RETURNS bigint
	LANGUAGE sql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT thidua.import_scores(bloc, period, thidua._decode_utf8(data, coalesce(source, 'input')), source)
$$;
COMMENT ON FUNCTION thidua.import_scores(text, text, bytea, text) IS
	'stores a score file given as bytes (UTF-8, with or without a byte-order mark; invalid UTF-8 is refused naming its line) for a bloc and period, all or nothing; returns the observations stored';

-- Until 0.5.0 the only entry point: the rows staged by the caller in
-- pg_temp.score_import (line, unit, judge, criterion, observed numeric, evidence).
-- Runs with the owner's rights, as the file's import does; the staging table
-- is the caller's, so it is read only when it is a plain table of built-in
-- types without row-level security: a view, a policy, or a type or cast of
-- the caller's would run the caller's code with the owner's rights.
CREATE FUNCTION thidua.import_scores(bloc text, period text, source text DEFAULT 'input') RETURNS bigint
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	stored bigint;
	staged regclass;
	odd record;
BEGIN
	IF NOT EXISTS (SELECT 1 FROM thidua.bloc_period bp
			WHERE bp.bloc_code OPERATOR(pg_catalog.=) bloc AND bp.period_code OPERATOR(pg_catalog.=) period) THEN
		RAISE EXCEPTION 'bloc "%" has no settings for period "%"', bloc, period USING ERRCODE = 'no_data_found';
	END IF;
	IF to_regclass('pg_temp.score_import') IS NULL THEN
		RAISE EXCEPTION 'no scores are staged in pg_temp.score_import' USING ERRCODE = 'undefined_table',
			HINT = 'thidua.import_scores(bloc, period, content, source) takes the file''s text itself.';
	END IF;
	staged := to_regclass('pg_temp.score_import');
	SELECT c.relkind, c.relrowsecurity, (SELECT a.attname FROM pg_catalog.pg_attribute a
			JOIN pg_catalog.pg_type t ON t.oid OPERATOR(pg_catalog.=) a.atttypid
			WHERE a.attrelid OPERATOR(pg_catalog.=) c.oid AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped
			  AND (t.typnamespace OPERATOR(pg_catalog.<>) 'pg_catalog'::regnamespace OR t.typtype OPERATOR(pg_catalog.<>) 'b')
			ORDER BY a.attnum LIMIT 1) AS odd_column
		INTO odd FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) staged;
	IF odd.relkind OPERATOR(pg_catalog.<>) 'r' OR odd.relrowsecurity OR odd.odd_column IS NOT NULL THEN
		RAISE EXCEPTION 'pg_temp.score_import is not a plain table of built-in types%',
			coalesce(': column "' || odd.odd_column || '" has a type of its own', '')
			USING ERRCODE = 'wrong_object_type',
				  DETAIL = 'import_scores reads the staged rows with the rights of the extension''s owner.',
				  HINT = 'CREATE TEMP TABLE score_import (line bigint, unit text, judge text, criterion text, observed numeric, evidence text), without row-level security.';
	END IF;
	IF to_regclass('pg_temp._thidua_scores') IS NOT NULL THEN
		DROP TABLE pg_temp._thidua_scores;
	END IF;
	-- (the types and collation of the scores' own columns, whatever the staging table's)
	CREATE TEMP TABLE _thidua_scores ON COMMIT DROP AS
		SELECT i.line::bigint AS line, i.unit::text COLLATE pg_catalog."default" AS unit,
			i.judge::text COLLATE pg_catalog."default" AS judge, i.criterion::text COLLATE pg_catalog."default" AS criterion,
			i.observed::numeric AS observed, i.evidence::text COLLATE pg_catalog."default" AS evidence
		FROM ONLY pg_temp.score_import i;
	stored := thidua._store_scores(bloc, period, coalesce(source, 'input'));
	DROP TABLE pg_temp._thidua_scores;
	RETURN stored;
END
$$;
COMMENT ON FUNCTION thidua.import_scores(text, text, text) IS
	'stores the scores staged in pg_temp.score_import (line, unit, judge, criterion, observed, evidence) for a bloc and period, all or nothing; returns the observations stored (kept from 0.5.0; import_scores(bloc, period, content, source) takes the file itself). pg_temp.score_import must be a plain table of built-in types without row-level security (wrong_object_type); a scorer stores only its units'' scores, as import_scores(text, text, text, text) says';

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
