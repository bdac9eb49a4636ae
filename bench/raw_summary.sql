-- The summaries ceiling (scripts/bench.sh): the aggregate GET /v1/summaries
-- answers for one quarter by setting × complication — reports with a
-- complication in each group, per setting — as the plain GROUP BY a
-- regulator would type against the report tables. It skips the refresh's
-- rules (latest version of a case, activity, premises reporting), which only
-- make the raw query slower (bench/raw_summary_rules.sql has them, and the
-- bench reports its time too), so it is the strictest ceiling to measure the
-- summary tables against.
--
--   psql -v from=2026-08-24 -v to=2026-11-16   (Mondays of the first and last week)
SELECT r.setting, rc.complication_group, count(DISTINCT rc.report_id) AS events
FROM needlewatch.reports r
JOIN needlewatch.report_complications rc ON rc.premises_id = r.premises_id AND rc.report_id = r.id
WHERE r.procedure_week BETWEEN :'from' AND :'to' AND rc.complication_group <> 'expected'
GROUP BY r.setting, rc.complication_group
ORDER BY r.setting, rc.complication_group;
