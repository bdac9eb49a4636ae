-- 014: the alert rules' weekly counts, kept by the summary refresh so that an
-- alert run reads a few rows per premises-week instead of every stored report
-- (issue 15, performance).
--
-- Before this migration `alerts run` counted its whole look-back (up to five
-- years and a half for rule 5) from needlewatch.reports x report_complications
-- with a NOT EXISTS for the latest version: 47 s at 2,000,000 reports against a
-- 2 s refresh. The refresh now writes, for the weeks it recomputes (the dirty
-- weeks; every week on a full refresh), in its own transaction:
--
--   needlewatch.alert_premises_weeks   per procedure week and registered
--                                      premises (where the procedure was done):
--                                      its procedures (premises_weeks) and its
--                                      cases per complication group, one array
--                                      element per group (below), so that a run
--                                      reads one row per premises-week
--   needlewatch.alert_setting_counts   the same summed per week, setting and
--                                      group over the premises-weeks with
--                                      activity, with their procedures on the
--                                      'any' row: all rules 3-5 need of old weeks
--   needlewatch.alert_type_sets        cases per week, place (premises or NULL
--                                      and setting) and set of complication
--                                      types: rule 1 counts the cases whose set
--                                      meets the configured sentinel types
--   needlewatch.alert_exposure_counts  rule 7's reports per week, exposure and
--                                      complication type ('*': any type)
--
-- A case is the latest version of a report with a complication other than an
-- expected reaction, filed under its procedure week: the definition the alert
-- loader applied to the raw tables, which it still does for the weeks marked
-- dirty and not yet refreshed (daemon/core/alerts_load.c), so a run sees what
-- is committed. Procedures are premises_weeks' (002): the latest activity.
--
-- Sentinel types are configuration (alerts_sentinel_types), read at each run:
-- alert_type_sets keeps every case's whole type set, so changing the list needs
-- no refresh and counts each case once even when it has two sentinel types.

-- cases[k + 1] counts the group whose summary.complication_groups.sort_order
-- is k ('any' is 0). A migration that changes the groups must mark every week
-- dirty, as it must for the summaries.
CREATE TABLE needlewatch.alert_premises_weeks (
	week        date NOT NULL,
	premises_id bigint NOT NULL,
	procedures  bigint NOT NULL,
	cases       integer[] NOT NULL,
	PRIMARY KEY (week, premises_id)
);

CREATE TABLE needlewatch.alert_setting_counts (
	week               date NOT NULL,
	setting            text NOT NULL,
	complication_group text NOT NULL,
	cases              bigint NOT NULL,
	procedures         bigint NOT NULL,  -- on the 'any' row; 0 on the others
	PRIMARY KEY (week, setting, complication_group)
);

CREATE TABLE needlewatch.alert_type_sets (
	week        date NOT NULL,
	premises_id bigint,              -- NULL: an unregistered place
	setting     text NOT NULL,
	types       text[] NOT NULL,     -- sorted, distinct
	cases       integer NOT NULL
);
CREATE INDEX alert_type_sets_week ON needlewatch.alert_type_sets (week);

CREATE TABLE needlewatch.alert_exposure_counts (
	week              date NOT NULL,
	exposure          text,          -- "setting:device"; NULL: every other report
	complication_type text NOT NULL, -- '*': the report whatever its types
	reports           integer NOT NULL
);
CREATE INDEX alert_exposure_counts_week ON needlewatch.alert_exposure_counts (week);

-- Recomputes the weeks in w. One statement, so the cases are read once and
-- no step reads a table this refresh has just written (its statistics would
-- be stale: a freshly filled table planned as empty is scanned once per row).
-- Rules 3-5 sum a setting's cases over the premises-weeks with activity
-- (alert_rules.c, totals_build), the setting being the premises' own.
CREATE FUNCTION needlewatch.refresh_alert_counts(w date[]) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
	DELETE FROM needlewatch.alert_premises_weeks WHERE week = ANY (w);
	DELETE FROM needlewatch.alert_setting_counts WHERE week = ANY (w);
	DELETE FROM needlewatch.alert_type_sets WHERE week = ANY (w);
	DELETE FROM needlewatch.alert_exposure_counts WHERE week = ANY (w);
	-- Planned for the weeks at hand on every call (EXECUTE): a cached generic
	-- plan assumes many weeks and reads every report and complication.
	EXECUTE $sql$
	WITH c AS MATERIALIZED (
		SELECT r.procedure_week AS week, r.procedure_premises_id AS pid, r.setting,
		       CASE WHEN r.setting = 'home' OR r.procedure_premises_id IS NULL
		            THEN r.setting || ':' || coalesce(r.device, 'unspecified') END AS exposure,
		       x.groups, x.types
		FROM needlewatch.reports r
		-- per report, by its key: the planner would rather read every
		-- complication stored than look up a week's worth
		CROSS JOIN LATERAL (
			SELECT array_agg(DISTINCT rc.complication_group) AS groups,
			       array_agg(DISTINCT rc.type ORDER BY rc.type) AS types
			FROM needlewatch.report_complications rc
			WHERE rc.premises_id = r.premises_id AND rc.report_id = r.id
			  AND rc.complication_group <> 'expected') x
		WHERE r.procedure_week = ANY ($1)
		  AND x.groups IS NOT NULL
		  AND NOT EXISTS (SELECT 1 FROM needlewatch.reports n
		                  WHERE n.premises_id = r.premises_id AND n.client_ref = r.client_ref
		                    AND n.version > r.version)
	), pc AS MATERIALIZED (
		SELECT c.week, c.pid, g, count(*) AS n
		FROM c CROSS JOIN LATERAL unnest(c.groups || 'any'::text) AS g
		WHERE c.pid IS NOT NULL
		GROUP BY 1, 2, 3
	), pw AS MATERIALIZED (
		SELECT week, premises_id, setting, procedures FROM needlewatch.premises_weeks
		WHERE week = ANY ($1) AND procedures > 0
	), premises AS (
		INSERT INTO needlewatch.alert_premises_weeks (week, premises_id, procedures, cases)
		SELECT k.week, k.pid, coalesce(max(pw.procedures), 0),
		       array_agg(coalesce(pc.n, 0) ORDER BY g.sort_order)
		FROM (SELECT week, premises_id AS pid FROM pw UNION SELECT week, pid FROM pc) k
		CROSS JOIN summary.complication_groups g
		LEFT JOIN pc ON pc.week = k.week AND pc.pid = k.pid AND pc.g = g.complication_group
		LEFT JOIN pw ON pw.week = k.week AND pw.premises_id = k.pid
		GROUP BY k.week, k.pid
	), settings AS (
		INSERT INTO needlewatch.alert_setting_counts (week, setting, complication_group, cases,
		                                              procedures)
		SELECT pw.week, pw.setting, 'any', coalesce(sum(pc.n), 0), sum(pw.procedures)
		FROM pw LEFT JOIN pc ON pc.week = pw.week AND pc.pid = pw.premises_id AND pc.g = 'any'
		GROUP BY 1, 2
		UNION ALL
		SELECT pw.week, pw.setting, pc.g, sum(pc.n), 0
		FROM pw JOIN pc ON pc.week = pw.week AND pc.pid = pw.premises_id
		WHERE pc.g <> 'any'
		  AND pc.g IN (SELECT complication_group FROM summary.complication_groups)
		GROUP BY 1, 2, 3
	), sets AS (
		INSERT INTO needlewatch.alert_type_sets (week, premises_id, setting, types, cases)
		SELECT c.week, c.pid, c.setting, c.types, count(*) FROM c GROUP BY 1, 2, 3, 4
	)
	INSERT INTO needlewatch.alert_exposure_counts (week, exposure, complication_type, reports)
	SELECT c.week, c.exposure, t, count(*)
	FROM c CROSS JOIN LATERAL unnest(c.types || '*'::text) AS t
	GROUP BY 1, 2, 3
	$sql$ USING w;
END
$fn$;

-- The refresh of 010, which also recomputes the alert counts of the weeks it
-- recomputes (after premises_weeks, which they read, and after the event
-- cells, which have just read the same reports).
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
		      UNION SELECT week FROM summary.unregistered_counts
		      UNION SELECT week FROM needlewatch.alert_premises_weeks
		      UNION SELECT week FROM needlewatch.alert_setting_counts
		      UNION SELECT week FROM needlewatch.alert_type_sets) x;
	END IF;

	IF w IS NOT NULL THEN
		PERFORM needlewatch.refresh_premises_weeks(w);
		PERFORM needlewatch.refresh_event_cells(w);
		PERFORM needlewatch.refresh_alert_counts(w);
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

-- A premises that changes setting moves its premises-weeks to another
-- setting's totals (here and in the summaries): its weeks are dirty.
CREATE FUNCTION needlewatch.premises_setting_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	INSERT INTO needlewatch.dirty_weeks (week)
	SELECT DISTINCT week FROM needlewatch.premises_weeks WHERE premises_id = NEW.id;
	RETURN NULL;
END
$$;
CREATE TRIGGER premises_setting_changed AFTER UPDATE OF setting ON needlewatch.premises
	FOR EACH ROW WHEN (OLD.setting IS DISTINCT FROM NEW.setting)
	EXECUTE FUNCTION needlewatch.premises_setting_changed();

-- The counts of everything stored so far. premises_weeks is current for
-- every week not marked dirty; a dirty week is read from the raw tables
-- until the next refresh rewrites it.
SELECT needlewatch.refresh_alert_counts(array_agg(week))
FROM (SELECT procedure_week AS week FROM needlewatch.reports
      UNION SELECT week FROM needlewatch.premises_weeks) x;

-- Least privilege: the daemon and needlewatchctl read the counts for the
-- alert runs; only the refresh (the owner's SECURITY DEFINER function)
-- writes them. Premises-level, so nothing here is in schema summary.
REVOKE ALL ON needlewatch.alert_premises_weeks, needlewatch.alert_setting_counts,
	needlewatch.alert_type_sets, needlewatch.alert_exposure_counts FROM PUBLIC;
GRANT SELECT ON needlewatch.alert_premises_weeks, needlewatch.alert_setting_counts,
	needlewatch.alert_type_sets, needlewatch.alert_exposure_counts TO needlewatch_app;
-- Which weeks are not yet refreshed, so read from the raw tables: dates only.
GRANT SELECT ON needlewatch.dirty_weeks TO needlewatch_app;
REVOKE ALL ON FUNCTION needlewatch.refresh_alert_counts(date[]),
	needlewatch.premises_setting_changed() FROM PUBLIC;
