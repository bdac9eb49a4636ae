-- 010: the disclosure audit of the public summary views.
--
-- refresh_suppress (002) chooses each week's suppression pattern by a rule
-- of thumb: no published total with exactly one hidden cell under it. That is
-- not enough: zeros are published, so a hidden cell is known to be >= 1, and a
-- total equal to the number of hidden cells under it pins each to 1. Every
-- refresh is therefore followed, in the same transaction, by an audit the
-- programs that refresh run with a linear-programming solver
-- (daemon/core/disclosure.c): for each hidden cell of each week refreshed, the
-- least and greatest value consistent with everything the public views show
-- that week; where the interval is too narrow, more cells are hidden and the
-- audit runs again. The audit reports back through
-- needlewatch.record_suppression_audit(), the one way the daemon's role can
-- add suppression to schema summary.
--
-- Until a week's audit has passed, the public views show none of its counts:
-- a refresh run without the audit (from psql, say) publishes nothing new.

CREATE TABLE summary.suppression_audit (
	week          date PRIMARY KEY,
	iso_week      text NOT NULL,
	-- pending: refreshed, not yet audited (the public views hide the week);
	-- passed: every hidden cell protected; failed: the solver failed (hidden)
	status        text NOT NULL CHECK (status IN ('pending', 'passed', 'failed')),
	threshold     integer,          -- the suppression threshold audited against
	cells_hidden  integer,          -- hidden cells after the audit, all audited
	cells_added   integer,          -- of which the audit hid on top of refresh_suppress
	rounds        integer,          -- audit passes (1: the pattern held as chosen)
	lp_solves     bigint,           -- linear programmes solved
	detail        text,             -- why a week failed
	audited_at    timestamptz
);

-- The refresh of 002, which also marks every week it recomputes as pending
-- its audit (and so hidden from the public views until the audit passes).
CREATE OR REPLACE FUNCTION needlewatch.refresh_summaries(suppression_threshold integer DEFAULT 5,
                                                         full_refresh boolean DEFAULT false)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp SET work_mem = '64MB' SET client_min_messages = warning AS $$
DECLARE
	w date[];
	started timestamptz := clock_timestamp();
	previous integer;
BEGIN
	IF suppression_threshold IS NULL OR suppression_threshold < 1 THEN
		RAISE EXCEPTION 'suppression threshold must be at least 1';
	END IF;
	-- "nwrefrsh" in ASCII, recognisable in pg_locks
	PERFORM pg_advisory_xact_lock(7959951165875185768);
	SELECT s.suppression_threshold INTO previous FROM summary.refresh_state s;
	full_refresh := full_refresh OR previous IS DISTINCT FROM suppression_threshold;

	WITH d AS (DELETE FROM needlewatch.dirty_weeks RETURNING week)
	SELECT array_agg(DISTINCT week ORDER BY week) INTO w FROM d;
	IF full_refresh THEN
		SELECT array_agg(week ORDER BY week) INTO w
		FROM (SELECT procedure_week AS week FROM needlewatch.reports
		      UNION SELECT week FROM needlewatch.activity
		      UNION SELECT week FROM needlewatch.premises_weeks
		      UNION SELECT week FROM summary.event_cells
		      UNION SELECT week FROM summary.unregistered_counts) x;
	END IF;

	IF w IS NOT NULL THEN
		PERFORM needlewatch.refresh_premises_weeks(w);
		PERFORM needlewatch.refresh_event_cells(w);
		PERFORM needlewatch.refresh_stage_rates(w);
		PERFORM needlewatch.refresh_suppress(suppression_threshold);
		PERFORM needlewatch.refresh_write_rates(w);
		PERFORM needlewatch.refresh_comparisons(w);
		INSERT INTO summary.suppression_audit AS a (week, iso_week, status, threshold)
		SELECT x, summary.iso_week(x), 'pending', refresh_summaries.suppression_threshold
		FROM unnest(w) x
		ON CONFLICT (week) DO UPDATE
		SET status = 'pending', threshold = EXCLUDED.threshold, cells_hidden = NULL,
		    cells_added = NULL, rounds = NULL, lp_solves = NULL, detail = NULL,
		    audited_at = NULL;
	END IF;

	UPDATE summary.refresh_state s
	SET refreshed_at = now(), suppression_threshold = refresh_summaries.suppression_threshold,
	    weeks_refreshed = coalesce(cardinality(w), 0), full_refresh = refresh_summaries.full_refresh,
	    duration_ms = 1000 * extract(epoch FROM clock_timestamp() - started);
	RETURN coalesce(cardinality(w), 0);
END
$$;

-- The audit's outcome for one pending week, from the program that ran it,
-- in the refresh's transaction. cells (jsonb array) names the cells the
-- audit hid on top of refresh_suppress: {"t": table, "s": setting, "k": key as
-- text or null, "g": complication group, "c": "events" or "ewa"}, with t one
-- of ws, fitzpatrick, region, training, unregistered. Suppression only ever
-- grows here: nothing this function does can publish a hidden count, and a
-- week leaves 'pending' only for 'passed' or 'failed'.
CREATE FUNCTION needlewatch.record_suppression_audit(audited_week date, audit_threshold integer,
	audit_status text, cells jsonb, hidden integer, added integer, audit_rounds integer,
	solves bigint, why text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	current text;
BEGIN
	SELECT status INTO current FROM summary.suppression_audit WHERE week = audited_week FOR UPDATE;
	IF current IS DISTINCT FROM 'pending' THEN
		RAISE EXCEPTION 'week % is not awaiting its audit', audited_week;
	END IF;
	IF audit_status NOT IN ('passed', 'failed') THEN
		RAISE EXCEPTION 'audit status must be passed or failed, not %', audit_status;
	END IF;
	IF audit_threshold IS DISTINCT FROM
	   (SELECT threshold FROM summary.suppression_audit WHERE week = audited_week) THEN
		RAISE EXCEPTION 'week % was refreshed with another threshold', audited_week;
	END IF;
	PERFORM needlewatch.suppress_cells(audited_week, coalesce(cells, '[]'::jsonb));
	UPDATE summary.suppression_audit
	SET status = audit_status, cells_hidden = hidden, cells_added = added, rounds = audit_rounds,
	    lp_solves = solves, detail = why, audited_at = now()
	WHERE week = audited_week;
END
$$;

-- Hides the cells named (see record_suppression_audit) in the week's tables,
-- and the comparisons built on them.
CREATE FUNCTION needlewatch.suppress_cells(w date, cells jsonb) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	CREATE TEMP TABLE nw_audit_cells ON COMMIT DROP AS
	SELECT * FROM jsonb_to_recordset(cells) AS x (t text, s text, k text, g text, c text);

	UPDATE summary.rates_week_setting r
	SET events_suppressed = r.events_suppressed OR x.c = 'events',
	    events_without_activity_suppressed = r.events_without_activity_suppressed OR x.c = 'ewa'
	FROM nw_audit_cells x
	WHERE x.t = 'ws' AND r.week = w AND r.setting = x.s AND r.complication_group = x.g;
	UPDATE summary.rates_fitzpatrick r
	SET events_suppressed = r.events_suppressed OR x.c = 'events',
	    events_without_activity_suppressed = r.events_without_activity_suppressed OR x.c = 'ewa'
	FROM nw_audit_cells x
	WHERE x.t = 'fitzpatrick' AND r.week = w AND r.setting = x.s AND r.complication_group = x.g
	  AND r.fitzpatrick::text IS NOT DISTINCT FROM x.k;
	UPDATE summary.rates_region r
	SET events_suppressed = r.events_suppressed OR x.c = 'events',
	    events_without_activity_suppressed = r.events_without_activity_suppressed OR x.c = 'ewa'
	FROM nw_audit_cells x
	WHERE x.t = 'region' AND r.week = w AND r.setting = x.s AND r.complication_group = x.g
	  AND r.region IS NOT DISTINCT FROM x.k;
	UPDATE summary.rates_training r
	SET events_suppressed = r.events_suppressed OR x.c = 'events',
	    events_without_activity_suppressed = r.events_without_activity_suppressed OR x.c = 'ewa'
	FROM nw_audit_cells x
	WHERE x.t = 'training' AND r.week = w AND r.setting = x.s AND r.complication_group = x.g
	  AND r.medically_trained::text IS NOT DISTINCT FROM x.k;
	UPDATE summary.unregistered_counts r
	SET cases_suppressed = true
	FROM nw_audit_cells x
	WHERE x.t = 'unregistered' AND r.week = w AND r.setting = x.s AND r.complication_group = x.g
	  AND r.region IS NOT DISTINCT FROM x.k;
	DROP TABLE nw_audit_cells;

	-- as refresh_comparisons decides them, from the flags just set
	UPDATE summary.setting_comparisons c
	SET events_suppressed = s.events_suppressed OR m.events_suppressed,
	    adjusted_suppressed = EXISTS (
	        SELECT 1 FROM summary.rates_fitzpatrick f
	        WHERE f.week = c.week AND f.complication_group = c.complication_group
	          AND f.setting IN (c.setting, 'medical_clinic') AND f.fitzpatrick IS NOT NULL
	          AND f.events_suppressed)
	FROM summary.rates_week_setting s, summary.rates_week_setting m
	WHERE c.week = w AND s.week = w AND s.setting = c.setting
	  AND s.complication_group = c.complication_group
	  AND m.week = w AND m.setting = 'medical_clinic' AND m.complication_group = c.complication_group;
END
$$;

-- ---------------------------------------------------------------------------
-- Public views (002's, with one change): a week whose audit has not passed
-- shows no count at all, as if every one were suppressed.

CREATE OR REPLACE VIEW summary.public_rates_week_setting AS
SELECT r.week, r.iso_week, r.setting, r.complication_group,
       CASE WHEN r.events_suppressed OR a.week IS NULL THEN 'suppressed' ELSE r.events::text END AS events,
       r.procedures,
       CASE WHEN r.events_suppressed OR a.week IS NULL THEN 'suppressed' ELSE r.rate_per_1000::text END AS rate_per_1000,
       CASE WHEN r.events_suppressed OR a.week IS NULL THEN 'suppressed' ELSE r.ci95_low::text END AS ci95_low,
       CASE WHEN r.events_suppressed OR a.week IS NULL THEN 'suppressed' ELSE r.ci95_high::text END AS ci95_high,
       CASE WHEN r.events_suppressed OR a.week IS NULL THEN 'suppressed' ELSE r.ci_method END AS ci_method,
       r.premises_reporting,
       CASE WHEN r.events_without_activity_suppressed OR a.week IS NULL THEN 'suppressed'
            ELSE r.events_without_activity::text END AS events_without_activity
FROM summary.rates_week_setting r
LEFT JOIN summary.suppression_audit a ON a.week = r.week AND a.status = 'passed';

CREATE OR REPLACE VIEW summary.public_rates_fitzpatrick AS
SELECT r.week, r.iso_week, r.setting, r.fitzpatrick, r.complication_group,
       CASE WHEN r.events_suppressed OR a.week IS NULL THEN 'suppressed' ELSE r.events::text END AS events,
       r.procedures,
       CASE WHEN r.events_suppressed OR a.week IS NULL THEN 'suppressed' ELSE r.rate_per_1000::text END AS rate_per_1000,
       CASE WHEN r.events_suppressed OR a.week IS NULL THEN 'suppressed' ELSE r.ci95_low::text END AS ci95_low,
       CASE WHEN r.events_suppressed OR a.week IS NULL THEN 'suppressed' ELSE r.ci95_high::text END AS ci95_high,
       CASE WHEN r.events_suppressed OR a.week IS NULL THEN 'suppressed' ELSE r.ci_method END AS ci_method,
       r.premises_reporting,
       CASE WHEN r.events_without_activity_suppressed OR a.week IS NULL THEN 'suppressed'
            ELSE r.events_without_activity::text END AS events_without_activity
FROM summary.rates_fitzpatrick r
LEFT JOIN summary.suppression_audit a ON a.week = r.week AND a.status = 'passed';

CREATE OR REPLACE VIEW summary.public_rates_region AS
SELECT r.week, r.iso_week, r.setting, r.region, r.complication_group,
       CASE WHEN r.events_suppressed OR a.week IS NULL THEN 'suppressed' ELSE r.events::text END AS events,
       r.procedures,
       CASE WHEN r.events_suppressed OR a.week IS NULL THEN 'suppressed' ELSE r.rate_per_1000::text END AS rate_per_1000,
       CASE WHEN r.events_suppressed OR a.week IS NULL THEN 'suppressed' ELSE r.ci95_low::text END AS ci95_low,
       CASE WHEN r.events_suppressed OR a.week IS NULL THEN 'suppressed' ELSE r.ci95_high::text END AS ci95_high,
       CASE WHEN r.events_suppressed OR a.week IS NULL THEN 'suppressed' ELSE r.ci_method END AS ci_method,
       r.premises_reporting,
       CASE WHEN r.events_without_activity_suppressed OR a.week IS NULL THEN 'suppressed'
            ELSE r.events_without_activity::text END AS events_without_activity
FROM summary.rates_region r
LEFT JOIN summary.suppression_audit a ON a.week = r.week AND a.status = 'passed';

CREATE OR REPLACE VIEW summary.public_rates_training AS
SELECT r.week, r.iso_week, r.setting, r.medically_trained, r.complication_group,
       CASE WHEN r.events_suppressed OR a.week IS NULL THEN 'suppressed' ELSE r.events::text END AS events,
       r.procedures,
       CASE WHEN r.events_suppressed OR a.week IS NULL THEN 'suppressed' ELSE r.rate_per_1000::text END AS rate_per_1000,
       CASE WHEN r.events_suppressed OR a.week IS NULL THEN 'suppressed' ELSE r.ci95_low::text END AS ci95_low,
       CASE WHEN r.events_suppressed OR a.week IS NULL THEN 'suppressed' ELSE r.ci95_high::text END AS ci95_high,
       CASE WHEN r.events_suppressed OR a.week IS NULL THEN 'suppressed' ELSE r.ci_method END AS ci_method,
       r.premises_reporting,
       CASE WHEN r.events_without_activity_suppressed OR a.week IS NULL THEN 'suppressed'
            ELSE r.events_without_activity::text END AS events_without_activity
FROM summary.rates_training r
LEFT JOIN summary.suppression_audit a ON a.week = r.week AND a.status = 'passed';

CREATE OR REPLACE VIEW summary.public_setting_comparisons AS
SELECT r.week, r.iso_week, r.complication_group, r.setting,
       CASE WHEN r.events_suppressed OR a.week IS NULL THEN 'suppressed' ELSE r.events::text END AS events,
       r.procedures,
       CASE WHEN r.events_suppressed OR a.week IS NULL THEN 'suppressed' ELSE r.reference_events::text END
           AS reference_events,
       r.reference_procedures,
       CASE WHEN r.events_suppressed OR a.week IS NULL THEN 'suppressed' ELSE r.rate_ratio::text END AS rate_ratio,
       CASE WHEN r.events_suppressed OR a.week IS NULL THEN 'suppressed' ELSE r.rr_ci95_low::text END AS rr_ci95_low,
       CASE WHEN r.events_suppressed OR a.week IS NULL THEN 'suppressed' ELSE r.rr_ci95_high::text END AS rr_ci95_high,
       CASE WHEN r.events_suppressed OR a.week IS NULL THEN NULL ELSE r.haldane END AS haldane,
       CASE WHEN r.adjusted_suppressed OR a.week IS NULL THEN 'suppressed' ELSE r.rr_adjusted::text END AS rr_adjusted,
       CASE WHEN r.adjusted_suppressed OR a.week IS NULL THEN 'suppressed' ELSE r.rr_adjusted_ci95_low::text END
           AS rr_adjusted_ci95_low,
       CASE WHEN r.adjusted_suppressed OR a.week IS NULL THEN 'suppressed' ELSE r.rr_adjusted_ci95_high::text END
           AS rr_adjusted_ci95_high,
       r.adjusted_strata
FROM summary.setting_comparisons r
LEFT JOIN summary.suppression_audit a ON a.week = r.week AND a.status = 'passed';

CREATE OR REPLACE VIEW summary.public_unregistered_counts AS
SELECT r.week, r.iso_week, r.setting, r.region, r.complication_group,
       CASE WHEN r.cases_suppressed OR a.week IS NULL THEN 'suppressed' ELSE r.cases::text END AS cases
FROM summary.unregistered_counts r
LEFT JOIN summary.suppression_audit a ON a.week = r.week AND a.status = 'passed';

-- Every week published so far is recomputed, and audited, by the next refresh.
INSERT INTO needlewatch.dirty_weeks (week)
SELECT week FROM summary.rates_week_setting UNION SELECT week FROM summary.unregistered_counts;

-- ---------------------------------------------------------------------------
-- Privileges: the daemon reads the audit's outcome and records it; regulators
-- read it (001's default privileges on schema summary).

GRANT SELECT ON summary.suppression_audit TO needlewatch_app;
REVOKE ALL ON FUNCTION needlewatch.record_suppression_audit(date, integer, text, jsonb, integer,
	integer, integer, bigint, text), needlewatch.suppress_cells(date, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION needlewatch.record_suppression_audit(date, integer, text, jsonb, integer,
	integer, integer, bigint, text) TO needlewatch_app;
