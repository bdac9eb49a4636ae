-- Prints the pgbench script of the multi-row ceiling (scripts/bench.sh): the
-- rows of bench.shapes, `rows` of them per INSERT statement, as literals, for
-- the premises pbase .. pbase + pcount - 1 (accounts abase ..); a random
-- suffix per transaction makes every client_ref new. Conflicts and
-- complications as in store.c, in the same statement.
--
--   psql -tA -v rows=100 -v pbase=.. -v abase=.. -v pcount=16 -f bench/multirow.sql
--
-- Literals are written E'...' with every ':' as \x3a: pgbench would take
-- ":name" inside a string for one of its variables.
\set ON_ERROR_STOP 1
CREATE FUNCTION pg_temp.lit(t text) RETURNS text LANGUAGE sql IMMUTABLE
RETURN CASE WHEN t IS NULL THEN 'NULL'
            ELSE 'E''' || replace(replace(replace(t, '\', '\\'), '''', ''''''), ':', '\x3a') || '''' END;

WITH cols AS (
	SELECT c.pos, c.name, format_type(a.atttypid, a.atttypmod) AS type
	FROM bench.columns c
	JOIN pg_attribute a ON a.attrelid = 'needlewatch.reports'::regclass AND a.attname = c.name
), tuples AS (
	SELECT n, format('(%s, %s, %s, %s, %s, %s)', p.pid, p.aid,
	       pg_temp.lit('PGM-' || n || '-'), CASE WHEN s.registered THEN p.pid::text ELSE 'NULL' END,
	       (SELECT string_agg(pg_temp.lit(v.value), ', ' ORDER BY v.pos)
	        FROM bench.shape_values v WHERE v.k = s.k),
	       pg_temp.lit(s.complications)) AS t
	FROM generate_series(0, :rows - 1) n
	JOIN bench.shapes s ON s.k = n % (SELECT count(*) FROM bench.shapes)
	CROSS JOIN LATERAL (SELECT :pbase + n % :pcount AS pid, :abase + n % :pcount AS aid) p
)
SELECT E'\\set r random(1, 1000000000000000)\n'
    || 'WITH k AS (SELECT :r::text AS r), v (premises_id, account_id, client_ref, procedure_premises_id, '
    || (SELECT string_agg(name, ', ' ORDER BY pos) FROM cols) || ', complications) AS (VALUES '
    || (SELECT string_agg(t, E',\n' ORDER BY n) FROM tuples) || E'\n), r AS ('
    || ' INSERT INTO needlewatch.reports (premises_id, account_id, client_ref, procedure_premises_id, '
    || (SELECT string_agg(name, ', ' ORDER BY pos) FROM cols) || ')'
    || ' SELECT v.premises_id::bigint, v.account_id::bigint, v.client_ref || k.r, v.procedure_premises_id::bigint, '
    || (SELECT string_agg(format('v.%I::%s', name, type), ', ' ORDER BY pos) FROM cols)
    || ' FROM v, k ON CONFLICT (premises_id, client_ref, version) DO NOTHING'
    || ' RETURNING premises_id, id, client_ref, version'
    || '), c AS ('
    || ' INSERT INTO needlewatch.report_complications (premises_id, report_id, idx, type,'
    || '  type_raw, complication_group, onset_days, duration_days, severity, severity_raw,'
    || '  serious, outcome, outcome_raw, treatment, needs_review)'
    || ' SELECT r.premises_id, r.id, x.idx, x.type, x.type_raw, x.grp, x.onset_days,'
    || '  x.duration_days, x.severity, x.severity_raw, x.serious, x.outcome, x.outcome_raw,'
    || '  coalesce(x.treatment, ''[]''::jsonb), x.needs_review'
    || ' FROM r CROSS JOIN k JOIN v ON v.premises_id::bigint = r.premises_id'
    || '  AND v.client_ref || k.r = r.client_ref AND v.version::integer = r.version'
    || ' CROSS JOIN jsonb_to_recordset(v.complications::jsonb) AS x(idx smallint, type text,'
    || '  type_raw text, grp text, onset_days integer, duration_days integer, severity text,'
    || '  severity_raw text, serious boolean, outcome text, outcome_raw text, treatment jsonb,'
    || '  needs_review boolean)'
    || E')\nSELECT count(*) FROM r;';
