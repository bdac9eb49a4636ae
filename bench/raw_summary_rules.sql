-- Reported by scripts/bench.sh beside the summaries ceiling, not as it: what
-- GET /v1/summaries answers for one quarter by setting × complication —
-- events, all cases and procedures per setting and complication group, and
-- the premises reporting — computed the direct way, by GROUP BY over the
-- report tables and the activity, with the same rules as the refresh: the
-- latest version of each case, procedures at registered premises, events
-- counted in the rate only where the premises reported activity that week,
-- expected reactions left out. It is what a regulator would need without the
-- summary tables; the plain GROUP BY (raw_summary.sql) is the stricter ceiling.
--
--   psql -v from=2026-08-24 -v to=2026-11-16   (Mondays of the first and last week)
WITH act AS (
	SELECT premises_id, week, sum(procedures) AS procedures
	FROM (SELECT DISTINCT ON (premises_id, week, procedure_type) premises_id, week, procedures
	      FROM needlewatch.activity
	      WHERE week BETWEEN :'from' AND :'to'
	      ORDER BY premises_id, week, procedure_type, id DESC) a
	GROUP BY premises_id, week
), cases AS (
	SELECT r.premises_id, r.id, r.setting, act.premises_id IS NOT NULL AS has_activity
	FROM needlewatch.reports r
	LEFT JOIN act ON act.premises_id = r.procedure_premises_id AND act.week = r.procedure_week
	WHERE r.procedure_week BETWEEN :'from' AND :'to' AND r.procedure_premises_id IS NOT NULL
	  AND NOT EXISTS (SELECT 1 FROM needlewatch.reports n
	                  WHERE n.premises_id = r.premises_id AND n.client_ref = r.client_ref
	                    AND n.version > r.version)
), events AS (
	SELECT c.setting, rc.complication_group,
	       count(DISTINCT (c.premises_id, c.id)) FILTER (WHERE c.has_activity) AS events,
	       count(DISTINCT (c.premises_id, c.id)) AS cases
	FROM cases c
	JOIN needlewatch.report_complications rc ON rc.premises_id = c.premises_id AND rc.report_id = c.id
	WHERE rc.complication_group <> 'expected'
	GROUP BY c.setting, rc.complication_group
), denominators AS (
	SELECT p.setting, sum(act.procedures) AS procedures,
	       count(DISTINCT act.premises_id) AS premises_reporting
	FROM act JOIN needlewatch.premises p ON p.id = act.premises_id
	GROUP BY p.setting
)
SELECT e.setting, e.complication_group, e.events, e.cases, d.procedures, d.premises_reporting,
       1000.0 * e.events / nullif(d.procedures, 0) AS rate_per_1000
FROM events e LEFT JOIN denominators d USING (setting)
ORDER BY e.setting, e.complication_group;
