-- 008: third-party reports (issue 12, item 2).
--
-- A practitioner reports procedures done at its own premises; the daemon now
-- refuses a practitioner report naming another premises (422). A treating
-- clinician, a patient or anyone else ('other') may name any premises: that
-- is how a salon's complications reach the register when the salon does not
-- report them. Such a report still counts where the procedure was done, but
-- it is marked third-party, so that a regulator can see how much of a rate
-- came from reports the premises did not send itself, and one reporter
-- cannot move a rate unseen.
--
--   needlewatch.reports.third_party
--       the procedure was not done at the reporting premises: it names
--       another registered premises, or an unregistered place. A generated
--       column, so rows stored before this migration are marked by the same
--       rule as new ones, and a row can never disagree with it.
--   summary.event_cells.cases_third_party, summary.event_type_cells.cases_third_party
--       of a cell's cases, those from third-party reports
--   summary.rates_*.events_third_party
--       of a row's events, those from third-party reports (they are in
--       events too: they are real cases). Regulator-only: the public_* views
--       do not show it.
--
-- The refresh steps that fill these are replaced below; refresh_suppress
-- and refresh_summaries are unchanged.

ALTER TABLE needlewatch.reports
	ADD COLUMN third_party boolean NOT NULL
	GENERATED ALWAYS AS (procedure_premises_id IS DISTINCT FROM premises_id) STORED;
-- `needlewatchctl review third-party` lists them by the premises they name.
CREATE INDEX reports_third_party ON needlewatch.reports (procedure_premises_id, procedure_week)
	WHERE third_party;

ALTER TABLE summary.event_cells ADD COLUMN cases_third_party integer NOT NULL DEFAULT 0;
ALTER TABLE summary.event_type_cells ADD COLUMN cases_third_party integer NOT NULL DEFAULT 0;
ALTER TABLE summary.rates_week_setting ADD COLUMN events_third_party integer NOT NULL DEFAULT 0;
ALTER TABLE summary.rates_fitzpatrick ADD COLUMN events_third_party integer NOT NULL DEFAULT 0;
ALTER TABLE summary.rates_region ADD COLUMN events_third_party integer NOT NULL DEFAULT 0;
ALTER TABLE summary.rates_training ADD COLUMN events_third_party integer NOT NULL DEFAULT 0;

-- The cases of the weeks in w: latest report versions only, with what the
-- premises where the procedure was done reported as activity that week, and
-- (since 008) whether each came from a third-party report.
CREATE OR REPLACE FUNCTION needlewatch.refresh_event_cells(w date[]) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	DROP TABLE IF EXISTS nw_cases, nw_case_types, nw_case_groups;
	CREATE TEMP TABLE nw_cases ON COMMIT DROP AS
	SELECT r.premises_id, r.id AS report_id, r.procedure_week AS week, r.setting,
	       r.procedure_premises_id IS NOT NULL AS registered,
	       CASE WHEN r.procedure_premises_id IS NOT NULL THEN p.region ELSE r.region END AS region,
	       r.fitzpatrick, r.medically_trained,
	       pw.premises_id IS NOT NULL AS has_activity,
	       pw.procedures_fitzpatrick IS NOT NULL AS has_fitz,
	       pw.procedures_trained IS NOT NULL AS has_training,
	       r.third_party
	FROM needlewatch.reports r
	LEFT JOIN needlewatch.premises p ON p.id = r.procedure_premises_id
	LEFT JOIN needlewatch.premises_weeks pw
	       ON pw.premises_id = r.procedure_premises_id AND pw.week = r.procedure_week
	WHERE r.procedure_week = ANY (w)
	  AND NOT EXISTS (SELECT 1 FROM needlewatch.reports n
	                  WHERE n.premises_id = r.premises_id AND n.client_ref = r.client_ref
	                    AND n.version > r.version);
	-- Temporary tables have no statistics until analysed: without them one
	-- week's cases would be joined to every complication by a hash join.
	ANALYZE nw_cases;

	CREATE TEMP TABLE nw_case_types ON COMMIT DROP AS
	SELECT DISTINCT c.premises_id, c.report_id, rc.complication_group, rc.type
	FROM nw_cases c
	JOIN needlewatch.report_complications rc
	  ON rc.premises_id = c.premises_id AND rc.report_id = c.report_id
	WHERE rc.complication_group <> 'expected';
	ANALYZE nw_case_types;

	-- One row per case with complications, holding its groups and types:
	-- cases are then counted per combination of keys and groups (a few
	-- thousand rows) before the groups are spread out, rather than joined
	-- once per group to every case.
	CREATE TEMP TABLE nw_case_groups ON COMMIT DROP AS
	SELECT premises_id, report_id,
	       array_agg(DISTINCT complication_group ORDER BY complication_group) AS groups,
	       array_agg(DISTINCT type ORDER BY type) AS types
	FROM nw_case_types GROUP BY premises_id, report_id;
	ANALYZE nw_case_groups;

	DELETE FROM summary.event_cells WHERE week = ANY (w);
	INSERT INTO summary.event_cells (week, iso_week, setting, region, fitzpatrick,
		medically_trained, complication_group, has_activity, has_fitzpatrick_breakdown,
		has_training_breakdown, cases, cases_third_party)
	SELECT x.week, summary.iso_week(x.week), x.setting, x.region, x.fitzpatrick,
	       x.medically_trained, g.complication_group, x.has_activity, x.has_fitz,
	       x.has_training, sum(x.n), sum(x.n_third_party)
	FROM (SELECT c.week, c.setting, c.region, c.fitzpatrick, c.medically_trained,
	             c.has_activity, c.has_fitz, c.has_training, cg.groups, count(*) AS n,
	             count(*) FILTER (WHERE c.third_party) AS n_third_party
	      FROM nw_cases c
	      JOIN nw_case_groups cg ON cg.premises_id = c.premises_id AND cg.report_id = c.report_id
	      WHERE c.registered
	      GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9) x
	CROSS JOIN LATERAL unnest(x.groups || 'any'::text) AS g (complication_group)
	GROUP BY x.week, x.setting, x.region, x.fitzpatrick, x.medically_trained,
	         g.complication_group, x.has_activity, x.has_fitz, x.has_training;

	DELETE FROM summary.event_type_cells WHERE week = ANY (w);
	INSERT INTO summary.event_type_cells (week, iso_week, setting, region, fitzpatrick,
		medically_trained, complication_group, complication_type, has_activity,
		has_fitzpatrick_breakdown, has_training_breakdown, cases, cases_third_party)
	SELECT x.week, summary.iso_week(x.week), x.setting, x.region, x.fitzpatrick,
	       x.medically_trained, m.complication_group, t.type, x.has_activity, x.has_fitz,
	       x.has_training, sum(x.n), sum(x.n_third_party)
	FROM (SELECT c.week, c.setting, c.region, c.fitzpatrick, c.medically_trained,
	             c.has_activity, c.has_fitz, c.has_training, cg.types, count(*) AS n,
	             count(*) FILTER (WHERE c.third_party) AS n_third_party
	      FROM nw_cases c
	      JOIN nw_case_groups cg ON cg.premises_id = c.premises_id AND cg.report_id = c.report_id
	      WHERE c.registered
	      GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9) x
	CROSS JOIN LATERAL unnest(x.types) AS t (type)
	JOIN (SELECT DISTINCT type, complication_group FROM nw_case_types) m ON m.type = t.type
	GROUP BY x.week, x.setting, x.region, x.fitzpatrick, x.medically_trained,
	         m.complication_group, t.type, x.has_activity, x.has_fitz, x.has_training;
END
$$;

-- The rate tables' rows for the weeks in w, into nw_rates: 'ws' (week ×
-- setting), 'fitz', 'region', 'training'; and the unregistered counts into
-- nw_unreg. Every group gets a row wherever the setting has activity or
-- cases, so a rate of 0 is shown with its interval rather than left out.
-- events_tp is the part of events from third-party reports (same filter).
CREATE OR REPLACE FUNCTION needlewatch.refresh_stage_rates(w date[]) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	DROP TABLE IF EXISTS nw_rates, nw_unreg;
	CREATE TEMP TABLE nw_rates (
		id serial PRIMARY KEY, tbl text NOT NULL, week date NOT NULL, setting text NOT NULL,
		fitzpatrick smallint, region text, medically_trained boolean,
		complication_group text NOT NULL, events bigint NOT NULL, procedures bigint NOT NULL,
		premises bigint NOT NULL, ewa bigint NOT NULL, events_tp bigint NOT NULL DEFAULT 0,
		events_sup boolean NOT NULL DEFAULT false, ewa_sup boolean NOT NULL DEFAULT false
	) ON COMMIT DROP;

	INSERT INTO nw_rates (tbl, week, setting, complication_group, events, procedures, premises, ewa,
		events_tp)
	WITH den AS (
		SELECT week, setting, sum(procedures) AS procedures, count(*) AS premises
		FROM needlewatch.premises_weeks WHERE week = ANY (w) GROUP BY 1, 2
	), ev AS (
		SELECT week, setting, complication_group,
		       sum(cases) FILTER (WHERE has_activity) AS events,
		       sum(cases) FILTER (WHERE NOT has_activity) AS ewa,
		       sum(cases_third_party) FILTER (WHERE has_activity) AS events_tp
		FROM summary.event_cells WHERE week = ANY (w) GROUP BY 1, 2, 3
	), grid AS (
		SELECT k.week, k.setting, g.complication_group
		FROM (SELECT week, setting FROM den UNION SELECT week, setting FROM ev) k
		CROSS JOIN summary.complication_groups g
		UNION SELECT week, setting, complication_group FROM ev
	)
	SELECT 'ws', g.week, g.setting, g.complication_group, coalesce(ev.events, 0),
	       coalesce(den.procedures, 0), coalesce(den.premises, 0), coalesce(ev.ewa, 0),
	       coalesce(ev.events_tp, 0)
	FROM grid g
	LEFT JOIN den ON den.week = g.week AND den.setting = g.setting
	LEFT JOIN ev ON ev.week = g.week AND ev.setting = g.setting
	            AND ev.complication_group = g.complication_group;

	INSERT INTO nw_rates (tbl, week, setting, fitzpatrick, complication_group, events,
		procedures, premises, ewa, events_tp)
	WITH den AS (
		SELECT pw.week, pw.setting, k::smallint AS fitzpatrick,
		       sum(pw.procedures_fitzpatrick[k]) AS procedures, count(*) AS premises
		FROM needlewatch.premises_weeks pw CROSS JOIN generate_series(1, 6) k
		WHERE pw.week = ANY (w) AND pw.procedures_fitzpatrick IS NOT NULL
		GROUP BY 1, 2, 3
	), ev AS (
		SELECT week, setting, fitzpatrick, complication_group,
		       sum(cases) FILTER (WHERE has_fitzpatrick_breakdown AND fitzpatrick IS NOT NULL) AS events,
		       sum(cases) FILTER (WHERE NOT (has_fitzpatrick_breakdown AND fitzpatrick IS NOT NULL)) AS ewa,
		       sum(cases_third_party) FILTER (WHERE has_fitzpatrick_breakdown AND fitzpatrick IS NOT NULL) AS events_tp
		FROM summary.event_cells WHERE week = ANY (w) GROUP BY 1, 2, 3, 4
	), grid AS (
		SELECT k.week, k.setting, k.fitzpatrick, g.complication_group
		FROM (SELECT week, setting, fitzpatrick FROM den
		      UNION SELECT week, setting, fitzpatrick FROM ev) k
		CROSS JOIN summary.complication_groups g
		UNION SELECT week, setting, fitzpatrick, complication_group FROM ev
	)
	SELECT 'fitz', g.week, g.setting, g.fitzpatrick, g.complication_group,
	       coalesce(ev.events, 0), coalesce(den.procedures, 0), coalesce(den.premises, 0),
	       coalesce(ev.ewa, 0), coalesce(ev.events_tp, 0)
	FROM grid g
	LEFT JOIN den ON den.week = g.week AND den.setting = g.setting
	             AND den.fitzpatrick IS NOT DISTINCT FROM g.fitzpatrick
	LEFT JOIN ev ON ev.week = g.week AND ev.setting = g.setting
	            AND ev.fitzpatrick IS NOT DISTINCT FROM g.fitzpatrick
	            AND ev.complication_group = g.complication_group;

	INSERT INTO nw_rates (tbl, week, setting, region, complication_group, events, procedures,
		premises, ewa, events_tp)
	WITH den AS (
		SELECT week, setting, region, sum(procedures) AS procedures, count(*) AS premises
		FROM needlewatch.premises_weeks WHERE week = ANY (w) GROUP BY 1, 2, 3
	), ev AS (
		SELECT week, setting, region, complication_group,
		       sum(cases) FILTER (WHERE has_activity) AS events,
		       sum(cases) FILTER (WHERE NOT has_activity) AS ewa,
		       sum(cases_third_party) FILTER (WHERE has_activity) AS events_tp
		FROM summary.event_cells WHERE week = ANY (w) GROUP BY 1, 2, 3, 4
	), grid AS (
		SELECT k.week, k.setting, k.region, g.complication_group
		FROM (SELECT week, setting, region FROM den UNION SELECT week, setting, region FROM ev) k
		CROSS JOIN summary.complication_groups g
		UNION SELECT week, setting, region, complication_group FROM ev
	)
	SELECT 'region', g.week, g.setting, g.region, g.complication_group,
	       coalesce(ev.events, 0), coalesce(den.procedures, 0), coalesce(den.premises, 0),
	       coalesce(ev.ewa, 0), coalesce(ev.events_tp, 0)
	FROM grid g
	LEFT JOIN den ON den.week = g.week AND den.setting = g.setting
	             AND den.region IS NOT DISTINCT FROM g.region
	LEFT JOIN ev ON ev.week = g.week AND ev.setting = g.setting
	            AND ev.region IS NOT DISTINCT FROM g.region
	            AND ev.complication_group = g.complication_group;

	INSERT INTO nw_rates (tbl, week, setting, medically_trained, complication_group, events,
		procedures, premises, ewa, events_tp)
	WITH den AS (
		SELECT pw.week, pw.setting, t.trained AS medically_trained,
		       sum(CASE WHEN t.trained THEN pw.procedures_trained ELSE pw.procedures_untrained END)
		           AS procedures,
		       count(*) AS premises
		FROM needlewatch.premises_weeks pw CROSS JOIN (VALUES (true), (false)) t (trained)
		WHERE pw.week = ANY (w) AND pw.procedures_trained IS NOT NULL
		GROUP BY 1, 2, 3
	), ev AS (
		SELECT week, setting, medically_trained, complication_group,
		       sum(cases) FILTER (WHERE has_training_breakdown AND medically_trained IS NOT NULL) AS events,
		       sum(cases) FILTER (WHERE NOT (has_training_breakdown AND medically_trained IS NOT NULL)) AS ewa,
		       sum(cases_third_party) FILTER (WHERE has_training_breakdown AND medically_trained IS NOT NULL) AS events_tp
		FROM summary.event_cells WHERE week = ANY (w) GROUP BY 1, 2, 3, 4
	), grid AS (
		SELECT k.week, k.setting, k.medically_trained, g.complication_group
		FROM (SELECT week, setting, medically_trained FROM den
		      UNION SELECT week, setting, medically_trained FROM ev) k
		CROSS JOIN summary.complication_groups g
		UNION SELECT week, setting, medically_trained, complication_group FROM ev
	)
	SELECT 'training', g.week, g.setting, g.medically_trained, g.complication_group,
	       coalesce(ev.events, 0), coalesce(den.procedures, 0), coalesce(den.premises, 0),
	       coalesce(ev.ewa, 0), coalesce(ev.events_tp, 0)
	FROM grid g
	LEFT JOIN den ON den.week = g.week AND den.setting = g.setting
	             AND den.medically_trained IS NOT DISTINCT FROM g.medically_trained
	LEFT JOIN ev ON ev.week = g.week AND ev.setting = g.setting
	            AND ev.medically_trained IS NOT DISTINCT FROM g.medically_trained
	            AND ev.complication_group = g.complication_group;

	CREATE TEMP TABLE nw_unreg ON COMMIT DROP AS
	SELECT row_number() OVER () AS id, c.week, c.setting, c.region, g.complication_group,
	       count(*) AS cases, false AS cases_sup
	FROM nw_cases c
	JOIN nw_case_groups cg ON cg.premises_id = c.premises_id AND cg.report_id = c.report_id
	CROSS JOIN LATERAL unnest(cg.groups || 'any'::text) AS g (complication_group)
	WHERE NOT c.registered
	GROUP BY c.week, c.setting, c.region, g.complication_group;
END
$$;

-- Replaces the weeks in w of every rate table by nw_rates, with rates and
-- intervals, and of the unregistered counts by nw_unreg. Columns are named,
-- so a later migration may add more to the tables.
CREATE OR REPLACE FUNCTION needlewatch.refresh_write_rates(w date[]) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	DELETE FROM summary.rates_week_setting WHERE week = ANY (w);
	INSERT INTO summary.rates_week_setting (week, iso_week, setting, complication_group,
		events, procedures, rate_per_1000, ci95_low, ci95_high, ci_method, premises_reporting,
		events_without_activity, events_suppressed, events_without_activity_suppressed,
		events_third_party)
	SELECT r.week, summary.iso_week(r.week), r.setting, r.complication_group, r.events,
	       r.procedures, c.rate_per_1000, c.ci95_low, c.ci95_high, c.ci_method, r.premises,
	       r.ewa, r.events_sup, r.ewa_sup, r.events_tp
	FROM nw_rates r CROSS JOIN LATERAL summary.rate_ci95(r.events, r.procedures) c
	WHERE r.tbl = 'ws';

	DELETE FROM summary.rates_fitzpatrick WHERE week = ANY (w);
	INSERT INTO summary.rates_fitzpatrick (week, iso_week, setting, fitzpatrick, complication_group,
		events, procedures, rate_per_1000, ci95_low, ci95_high, ci_method, premises_reporting,
		events_without_activity, events_suppressed, events_without_activity_suppressed,
		events_third_party)
	SELECT r.week, summary.iso_week(r.week), r.setting, r.fitzpatrick, r.complication_group,
	       r.events, r.procedures, c.rate_per_1000, c.ci95_low, c.ci95_high, c.ci_method,
	       r.premises, r.ewa, r.events_sup, r.ewa_sup, r.events_tp
	FROM nw_rates r CROSS JOIN LATERAL summary.rate_ci95(r.events, r.procedures) c
	WHERE r.tbl = 'fitz';

	DELETE FROM summary.rates_region WHERE week = ANY (w);
	INSERT INTO summary.rates_region (week, iso_week, setting, region, complication_group,
		events, procedures, rate_per_1000, ci95_low, ci95_high, ci_method, premises_reporting,
		events_without_activity, events_suppressed, events_without_activity_suppressed,
		events_third_party)
	SELECT r.week, summary.iso_week(r.week), r.setting, r.region, r.complication_group,
	       r.events, r.procedures, c.rate_per_1000, c.ci95_low, c.ci95_high, c.ci_method,
	       r.premises, r.ewa, r.events_sup, r.ewa_sup, r.events_tp
	FROM nw_rates r CROSS JOIN LATERAL summary.rate_ci95(r.events, r.procedures) c
	WHERE r.tbl = 'region';

	DELETE FROM summary.rates_training WHERE week = ANY (w);
	INSERT INTO summary.rates_training (week, iso_week, setting, medically_trained, complication_group,
		events, procedures, rate_per_1000, ci95_low, ci95_high, ci_method, premises_reporting,
		events_without_activity, events_suppressed, events_without_activity_suppressed,
		events_third_party)
	SELECT r.week, summary.iso_week(r.week), r.setting, r.medically_trained,
	       r.complication_group, r.events, r.procedures, c.rate_per_1000, c.ci95_low,
	       c.ci95_high, c.ci_method, r.premises, r.ewa, r.events_sup, r.ewa_sup, r.events_tp
	FROM nw_rates r CROSS JOIN LATERAL summary.rate_ci95(r.events, r.procedures) c
	WHERE r.tbl = 'training';

	DELETE FROM summary.unregistered_counts WHERE week = ANY (w);
	INSERT INTO summary.unregistered_counts (week, iso_week, setting, region,
		complication_group, cases, cases_suppressed)
	SELECT week, summary.iso_week(week), setting, region, complication_group, cases, cases_sup
	FROM nw_unreg;
END
$$;

-- The weeks holding third-party reports are recomputed by the next refresh,
-- so their events_third_party are filled in (until then they read 0).
INSERT INTO needlewatch.dirty_weeks (week)
SELECT DISTINCT procedure_week FROM needlewatch.reports WHERE third_party;
