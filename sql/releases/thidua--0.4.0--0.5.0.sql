-- thidua 0.5.0: safe to deploy: validated entry points, dumps that restore,
-- guarantees against every statement kind, roles and row-level security.
\echo Use "ALTER EXTENSION thidua UPDATE TO '0.5.0'" to load this file. \quit

SELECT thidua._require_library('0.5.0');
