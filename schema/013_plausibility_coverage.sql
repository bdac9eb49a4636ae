-- 013: implausible premises-weeks are flagged and left out of the rates;
-- every rate row says how many premises it covers (issue 14, items 3 and 4).
--
-- Plausibility. A premises-week is the unit a rate is built from: its cases
-- (latest report versions with a complication, procedure done there that
-- week) over the procedures it reported. It is implausible when
--   zero_procedures          it reported 0 procedures and has cases;
--   cases_exceed_procedures  it has more cases than procedures;
--   rate_above_plausible     it has at least min_cases cases and more than
--                            max_rate_per_1000 per 1,000 procedures
--                            (needlewatch.plausibility_settings; 5 and 100).
-- Such a premises-week is left out of every rate — out of events and out of
-- procedures and premises_reporting — and counted instead in
-- events_implausible, procedures_implausible and premises_implausible, with
-- the reasons in plausibility (NULL when nothing was left out). Before this
-- migration 2,021 cases against one salon's 554 procedures read "3648 per
-- 1,000", and a case at a premises that reported 0 procedures was an event
-- over other premises' procedures. It stays out until resolved: corrected
-- activity or follow-up reports, or a regulator accepting the figures
-- (needlewatch.plausibility_accepted, for exactly the figures accepted).
--
-- Coverage. needlewatch.premises_coverage lists, per refreshed week, every
-- premises active that week — registered by the end of the week and not
-- closed before it (premises.closed_on), or having sent anything for it —
-- and whether it sent activity or reports for that week. A premises that
-- sent activity and no report said "no complications"; one that sent
-- neither is silent, not zero. Every rate row carries premises_active and
-- premises_silent for its setting (and region).
--
-- The public views keep every column of 010 (the disclosure audit reads them)
-- and add premises_active, premises_silent, premises_implausible and
-- plausibility. events_implausible is regulator-only: it is a count outside
-- the audited relations, so it is never published.

ALTER TABLE needlewatch.premises ADD COLUMN closed_on date;
COMMENT ON COLUMN needlewatch.premises.closed_on IS
	'first day the premises no longer operates; from that week on it is not active';

CREATE TABLE needlewatch.plausibility_settings (
	only_row          boolean PRIMARY KEY DEFAULT true CHECK (only_row),
	max_rate_per_1000 double precision NOT NULL DEFAULT 100 CHECK (max_rate_per_1000 > 0),
	min_cases         integer NOT NULL DEFAULT 5 CHECK (min_cases >= 1)
);
INSERT INTO needlewatch.plausibility_settings DEFAULT VALUES;

-- A regulator's "these figures are real" for one premises-week: it counts
-- again while its cases and procedures are still the ones accepted.
CREATE TABLE needlewatch.plausibility_accepted (
	premises_id bigint NOT NULL REFERENCES needlewatch.premises (id),
	week        date NOT NULL CHECK (extract(isodow FROM week) = 1),
	cases       bigint NOT NULL,
	procedures  bigint NOT NULL,
	accepted_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (premises_id, week)
);

ALTER TABLE needlewatch.premises_weeks
	ADD COLUMN cases bigint NOT NULL DEFAULT 0,
	ADD COLUMN plausibility text;

CREATE TABLE needlewatch.premises_coverage (
	week         date NOT NULL,
	premises_id  bigint NOT NULL,
	setting      text NOT NULL,
	region       text,
	has_activity boolean NOT NULL,
	has_reports  boolean NOT NULL,
	implausible  boolean NOT NULL,
	PRIMARY KEY (week, premises_id)
);

ALTER TABLE summary.event_cells ADD COLUMN implausible boolean NOT NULL DEFAULT false;
ALTER TABLE summary.event_type_cells ADD COLUMN implausible boolean NOT NULL DEFAULT false;

ALTER TABLE summary.rates_week_setting
	ADD COLUMN events_implausible integer NOT NULL DEFAULT 0,
	ADD COLUMN procedures_implausible bigint NOT NULL DEFAULT 0,
	ADD COLUMN premises_implausible integer NOT NULL DEFAULT 0,
	ADD COLUMN plausibility text,
	ADD COLUMN premises_active integer NOT NULL DEFAULT 0,
	ADD COLUMN premises_silent integer NOT NULL DEFAULT 0;
ALTER TABLE summary.rates_fitzpatrick
	ADD COLUMN events_implausible integer NOT NULL DEFAULT 0,
	ADD COLUMN procedures_implausible bigint NOT NULL DEFAULT 0,
	ADD COLUMN premises_implausible integer NOT NULL DEFAULT 0,
	ADD COLUMN plausibility text,
	ADD COLUMN premises_active integer NOT NULL DEFAULT 0,
	ADD COLUMN premises_silent integer NOT NULL DEFAULT 0;
ALTER TABLE summary.rates_region
	ADD COLUMN events_implausible integer NOT NULL DEFAULT 0,
	ADD COLUMN procedures_implausible bigint NOT NULL DEFAULT 0,
	ADD COLUMN premises_implausible integer NOT NULL DEFAULT 0,
	ADD COLUMN plausibility text,
	ADD COLUMN premises_active integer NOT NULL DEFAULT 0,
	ADD COLUMN premises_silent integer NOT NULL DEFAULT 0;
ALTER TABLE summary.rates_training
	ADD COLUMN events_implausible integer NOT NULL DEFAULT 0,
	ADD COLUMN procedures_implausible bigint NOT NULL DEFAULT 0,
	ADD COLUMN premises_implausible integer NOT NULL DEFAULT 0,
	ADD COLUMN plausibility text,
	ADD COLUMN premises_active integer NOT NULL DEFAULT 0,
	ADD COLUMN premises_silent integer NOT NULL DEFAULT 0;

-- Why a premises-week's cases cannot stand over its procedures, or NULL.
-- The daemon calls it at ingest to warn; the refresh to exclude.
CREATE FUNCTION needlewatch.plausibility_reason(cases bigint, procedures bigint) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
	SELECT CASE
	       WHEN cases IS NULL OR procedures IS NULL OR cases = 0 THEN NULL
	       WHEN procedures = 0 THEN 'zero_procedures'
	       WHEN cases > procedures THEN 'cases_exceed_procedures'
	       WHEN cases >= s.min_cases AND 1000.0 * cases / procedures > s.max_rate_per_1000
	            THEN 'rate_above_plausible'
	       END
	FROM needlewatch.plausibility_settings s;
$$;

-- The cases of one premises-week as the summaries count them (latest
-- versions, at least one complication), for the warning at ingest.
CREATE FUNCTION needlewatch.premises_week_cases(p bigint, w date) RETURNS bigint
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
	SELECT count(*)
	FROM needlewatch.reports r
	WHERE r.procedure_premises_id = p AND r.procedure_week = w
	  AND NOT EXISTS (SELECT 1 FROM needlewatch.reports n
	                  WHERE n.premises_id = r.premises_id AND n.client_ref = r.client_ref
	                    AND n.version > r.version)
	  AND EXISTS (SELECT 1 FROM needlewatch.report_complications c
	              WHERE c.premises_id = r.premises_id AND c.report_id = r.id
	                AND c.complication_group <> 'expected');
$$;

-- Changing a threshold recomputes every week at the next refresh.
CREATE FUNCTION needlewatch.plausibility_settings_changed() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	INSERT INTO needlewatch.dirty_weeks (week)
	SELECT DISTINCT week FROM needlewatch.premises_weeks;
	RETURN NULL;
END
$$;
CREATE TRIGGER plausibility_settings_changed AFTER UPDATE ON needlewatch.plausibility_settings
	FOR EACH STATEMENT EXECUTE FUNCTION needlewatch.plausibility_settings_changed();

-- The cases of the weeks in w (008's, with two additions): each premises-
-- week's cases and plausibility are written to premises_weeks, and the cases
-- of an implausible premises-week are marked implausible in the cells.
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
	       r.third_party, r.procedure_premises_id, false AS implausible
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

	-- 013: each premises-week's cases against its procedures.
	UPDATE needlewatch.premises_weeks pw SET cases = x.n
	FROM (SELECT c.procedure_premises_id AS premises_id, c.week, count(*) AS n
	      FROM nw_cases c
	      JOIN nw_case_groups cg ON cg.premises_id = c.premises_id AND cg.report_id = c.report_id
	      WHERE c.registered AND c.has_activity
	      GROUP BY 1, 2) x
	WHERE pw.premises_id = x.premises_id AND pw.week = x.week;
	UPDATE needlewatch.premises_weeks pw
	SET plausibility = needlewatch.plausibility_reason(pw.cases, pw.procedures)
	WHERE pw.week = ANY (w) AND pw.cases > 0
	  AND NOT EXISTS (SELECT 1 FROM needlewatch.plausibility_accepted a
	                  WHERE a.premises_id = pw.premises_id AND a.week = pw.week
	                    AND a.cases = pw.cases AND a.procedures = pw.procedures);
	UPDATE nw_cases c SET implausible = true
	FROM needlewatch.premises_weeks pw
	WHERE pw.premises_id = c.procedure_premises_id AND pw.week = c.week
	  AND pw.plausibility IS NOT NULL;

	DELETE FROM summary.event_cells WHERE week = ANY (w);
	INSERT INTO summary.event_cells (week, iso_week, setting, region, fitzpatrick,
		medically_trained, complication_group, has_activity, has_fitzpatrick_breakdown,
		has_training_breakdown, cases, cases_third_party, implausible)
	SELECT x.week, summary.iso_week(x.week), x.setting, x.region, x.fitzpatrick,
	       x.medically_trained, g.complication_group, x.has_activity, x.has_fitz,
	       x.has_training, sum(x.n), sum(x.n_third_party), x.implausible
	FROM (SELECT c.week, c.setting, c.region, c.fitzpatrick, c.medically_trained,
	             c.has_activity, c.has_fitz, c.has_training, c.implausible, cg.groups,
	             count(*) AS n, count(*) FILTER (WHERE c.third_party) AS n_third_party
	      FROM nw_cases c
	      JOIN nw_case_groups cg ON cg.premises_id = c.premises_id AND cg.report_id = c.report_id
	      WHERE c.registered
	      GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10) x
	CROSS JOIN LATERAL unnest(x.groups || 'any'::text) AS g (complication_group)
	GROUP BY x.week, x.setting, x.region, x.fitzpatrick, x.medically_trained,
	         g.complication_group, x.has_activity, x.has_fitz, x.has_training, x.implausible;

	DELETE FROM summary.event_type_cells WHERE week = ANY (w);
	INSERT INTO summary.event_type_cells (week, iso_week, setting, region, fitzpatrick,
		medically_trained, complication_group, complication_type, has_activity,
		has_fitzpatrick_breakdown, has_training_breakdown, cases, cases_third_party,
		implausible)
	SELECT x.week, summary.iso_week(x.week), x.setting, x.region, x.fitzpatrick,
	       x.medically_trained, m.complication_group, t.type, x.has_activity, x.has_fitz,
	       x.has_training, sum(x.n), sum(x.n_third_party), x.implausible
	FROM (SELECT c.week, c.setting, c.region, c.fitzpatrick, c.medically_trained,
	             c.has_activity, c.has_fitz, c.has_training, c.implausible, cg.types,
	             count(*) AS n, count(*) FILTER (WHERE c.third_party) AS n_third_party
	      FROM nw_cases c
	      JOIN nw_case_groups cg ON cg.premises_id = c.premises_id AND cg.report_id = c.report_id
	      WHERE c.registered
	      GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10) x
	CROSS JOIN LATERAL unnest(x.types) AS t (type)
	JOIN (SELECT DISTINCT type, complication_group FROM nw_case_types) m ON m.type = t.type
	GROUP BY x.week, x.setting, x.region, x.fitzpatrick, x.medically_trained,
	         m.complication_group, t.type, x.has_activity, x.has_fitz, x.has_training,
	         x.implausible;
END
$$;

-- Every premises active in the weeks in w, and whether it sent anything for
-- each (activity, reports of procedures that week). Runs after the event
-- cells, which set premises_weeks.plausibility. The senders are found once,
-- through reports' week index, not once per premises and week: a full
-- refresh writes one row per registered premises and week (10,000 premises
-- over ten years is about 5 million rows).
CREATE FUNCTION needlewatch.refresh_coverage(w date[]) RETURNS void
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
	DELETE FROM needlewatch.premises_coverage WHERE week = ANY (w);
	WITH sent AS (
		SELECT DISTINCT premises_id, procedure_week AS week
		FROM needlewatch.reports WHERE procedure_week = ANY (w)
	)
	INSERT INTO needlewatch.premises_coverage (week, premises_id, setting, region, has_activity,
		has_reports, implausible)
	SELECT k.week, p.id, p.setting, p.region, pw.premises_id IS NOT NULL,
	       s.premises_id IS NOT NULL, coalesce(pw.plausibility IS NOT NULL, false)
	FROM unnest(w) AS k (week)
	CROSS JOIN needlewatch.premises p
	LEFT JOIN needlewatch.premises_weeks pw ON pw.week = k.week AND pw.premises_id = p.id
	LEFT JOIN sent s ON s.week = k.week AND s.premises_id = p.id
	WHERE pw.premises_id IS NOT NULL OR s.premises_id IS NOT NULL
	   OR (p.created_at < k.week + 7 AND (p.closed_on IS NULL OR p.closed_on > k.week));
$$;

-- The rate tables' rows for the weeks in w (008's, with 013's figures):
-- implausible premises-weeks are out of events, procedures and premises, and
-- in events_imp, procedures_imp, premises_imp and reasons; every row gets its
-- setting's (and region's) active and silent premises.
CREATE OR REPLACE FUNCTION needlewatch.refresh_stage_rates(w date[]) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	PERFORM needlewatch.refresh_coverage(w);
	DROP TABLE IF EXISTS nw_rates, nw_unreg, nw_pw;
	CREATE TEMP TABLE nw_rates (
		id serial PRIMARY KEY, tbl text NOT NULL, week date NOT NULL, setting text NOT NULL,
		fitzpatrick smallint, region text, medically_trained boolean,
		complication_group text NOT NULL, events bigint NOT NULL, procedures bigint NOT NULL,
		premises bigint NOT NULL, ewa bigint NOT NULL, events_tp bigint NOT NULL DEFAULT 0,
		events_sup boolean NOT NULL DEFAULT false, ewa_sup boolean NOT NULL DEFAULT false,
		events_imp bigint NOT NULL DEFAULT 0, procedures_imp bigint NOT NULL DEFAULT 0,
		premises_imp bigint NOT NULL DEFAULT 0, reasons text,
		premises_active bigint NOT NULL DEFAULT 0, premises_silent bigint NOT NULL DEFAULT 0
	) ON COMMIT DROP;

	-- premises-weeks with ok: in the rates
	CREATE TEMP TABLE nw_pw ON COMMIT DROP AS
	SELECT pw.*, pw.plausibility IS NULL AS ok
	FROM needlewatch.premises_weeks pw WHERE pw.week = ANY (w);

	INSERT INTO nw_rates (tbl, week, setting, complication_group, events, procedures, premises, ewa,
		events_tp, events_imp, procedures_imp, premises_imp, reasons)
	WITH den AS (
		SELECT week, setting, coalesce(sum(procedures) FILTER (WHERE ok), 0) AS procedures,
		       count(*) FILTER (WHERE ok) AS premises,
		       coalesce(sum(procedures) FILTER (WHERE NOT ok), 0) AS procedures_imp,
		       count(*) FILTER (WHERE NOT ok) AS premises_imp,
		       string_agg(DISTINCT plausibility, ',' ORDER BY plausibility) AS reasons
		FROM nw_pw GROUP BY 1, 2
	), ev AS (
		SELECT week, setting, complication_group,
		       sum(cases) FILTER (WHERE has_activity AND NOT implausible) AS events,
		       sum(cases) FILTER (WHERE NOT has_activity) AS ewa,
		       sum(cases_third_party) FILTER (WHERE has_activity AND NOT implausible) AS events_tp,
		       sum(cases) FILTER (WHERE implausible) AS events_imp
		FROM summary.event_cells WHERE week = ANY (w) GROUP BY 1, 2, 3
	), grid AS (
		SELECT k.week, k.setting, g.complication_group
		FROM (SELECT week, setting FROM den UNION SELECT week, setting FROM ev) k
		CROSS JOIN summary.complication_groups g
		UNION SELECT week, setting, complication_group FROM ev
	)
	SELECT 'ws', g.week, g.setting, g.complication_group, coalesce(ev.events, 0),
	       coalesce(den.procedures, 0), coalesce(den.premises, 0), coalesce(ev.ewa, 0),
	       coalesce(ev.events_tp, 0), coalesce(ev.events_imp, 0),
	       coalesce(den.procedures_imp, 0), coalesce(den.premises_imp, 0), den.reasons
	FROM grid g
	LEFT JOIN den ON den.week = g.week AND den.setting = g.setting
	LEFT JOIN ev ON ev.week = g.week AND ev.setting = g.setting
	            AND ev.complication_group = g.complication_group;

	INSERT INTO nw_rates (tbl, week, setting, fitzpatrick, complication_group, events,
		procedures, premises, ewa, events_tp, events_imp, procedures_imp, premises_imp, reasons)
	WITH den AS (
		SELECT pw.week, pw.setting, k::smallint AS fitzpatrick,
		       coalesce(sum(pw.procedures_fitzpatrick[k]) FILTER (WHERE ok), 0) AS procedures,
		       count(*) FILTER (WHERE ok) AS premises,
		       coalesce(sum(pw.procedures_fitzpatrick[k]) FILTER (WHERE NOT ok), 0) AS procedures_imp,
		       count(*) FILTER (WHERE NOT ok) AS premises_imp,
		       string_agg(DISTINCT plausibility, ',' ORDER BY plausibility) AS reasons
		FROM nw_pw pw CROSS JOIN generate_series(1, 6) k
		WHERE pw.procedures_fitzpatrick IS NOT NULL
		GROUP BY 1, 2, 3
	), ev AS (
		SELECT week, setting, fitzpatrick, complication_group,
		       sum(cases) FILTER (WHERE has_fitzpatrick_breakdown AND fitzpatrick IS NOT NULL
		                          AND NOT implausible) AS events,
		       sum(cases) FILTER (WHERE NOT (has_fitzpatrick_breakdown AND fitzpatrick IS NOT NULL)
		                          AND NOT implausible) AS ewa,
		       sum(cases_third_party) FILTER (WHERE has_fitzpatrick_breakdown
		                                      AND fitzpatrick IS NOT NULL AND NOT implausible) AS events_tp,
		       sum(cases) FILTER (WHERE implausible) AS events_imp
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
	       coalesce(ev.ewa, 0), coalesce(ev.events_tp, 0), coalesce(ev.events_imp, 0),
	       coalesce(den.procedures_imp, 0), coalesce(den.premises_imp, 0), den.reasons
	FROM grid g
	LEFT JOIN den ON den.week = g.week AND den.setting = g.setting
	             AND den.fitzpatrick IS NOT DISTINCT FROM g.fitzpatrick
	LEFT JOIN ev ON ev.week = g.week AND ev.setting = g.setting
	            AND ev.fitzpatrick IS NOT DISTINCT FROM g.fitzpatrick
	            AND ev.complication_group = g.complication_group;

	INSERT INTO nw_rates (tbl, week, setting, region, complication_group, events, procedures,
		premises, ewa, events_tp, events_imp, procedures_imp, premises_imp, reasons)
	WITH den AS (
		SELECT week, setting, region, coalesce(sum(procedures) FILTER (WHERE ok), 0) AS procedures,
		       count(*) FILTER (WHERE ok) AS premises,
		       coalesce(sum(procedures) FILTER (WHERE NOT ok), 0) AS procedures_imp,
		       count(*) FILTER (WHERE NOT ok) AS premises_imp,
		       string_agg(DISTINCT plausibility, ',' ORDER BY plausibility) AS reasons
		FROM nw_pw GROUP BY 1, 2, 3
	), ev AS (
		SELECT week, setting, region, complication_group,
		       sum(cases) FILTER (WHERE has_activity AND NOT implausible) AS events,
		       sum(cases) FILTER (WHERE NOT has_activity) AS ewa,
		       sum(cases_third_party) FILTER (WHERE has_activity AND NOT implausible) AS events_tp,
		       sum(cases) FILTER (WHERE implausible) AS events_imp
		FROM summary.event_cells WHERE week = ANY (w) GROUP BY 1, 2, 3, 4
	), grid AS (
		SELECT k.week, k.setting, k.region, g.complication_group
		FROM (SELECT week, setting, region FROM den UNION SELECT week, setting, region FROM ev) k
		CROSS JOIN summary.complication_groups g
		UNION SELECT week, setting, region, complication_group FROM ev
	)
	SELECT 'region', g.week, g.setting, g.region, g.complication_group,
	       coalesce(ev.events, 0), coalesce(den.procedures, 0), coalesce(den.premises, 0),
	       coalesce(ev.ewa, 0), coalesce(ev.events_tp, 0), coalesce(ev.events_imp, 0),
	       coalesce(den.procedures_imp, 0), coalesce(den.premises_imp, 0), den.reasons
	FROM grid g
	LEFT JOIN den ON den.week = g.week AND den.setting = g.setting
	             AND den.region IS NOT DISTINCT FROM g.region
	LEFT JOIN ev ON ev.week = g.week AND ev.setting = g.setting
	            AND ev.region IS NOT DISTINCT FROM g.region
	            AND ev.complication_group = g.complication_group;

	INSERT INTO nw_rates (tbl, week, setting, medically_trained, complication_group, events,
		procedures, premises, ewa, events_tp, events_imp, procedures_imp, premises_imp, reasons)
	WITH den AS (
		SELECT pw.week, pw.setting, t.trained AS medically_trained,
		       coalesce(sum(CASE WHEN t.trained THEN pw.procedures_trained
		                    ELSE pw.procedures_untrained END) FILTER (WHERE ok), 0) AS procedures,
		       count(*) FILTER (WHERE ok) AS premises,
		       coalesce(sum(CASE WHEN t.trained THEN pw.procedures_trained
		                    ELSE pw.procedures_untrained END) FILTER (WHERE NOT ok), 0) AS procedures_imp,
		       count(*) FILTER (WHERE NOT ok) AS premises_imp,
		       string_agg(DISTINCT plausibility, ',' ORDER BY plausibility) AS reasons
		FROM nw_pw pw CROSS JOIN (VALUES (true), (false)) t (trained)
		WHERE pw.procedures_trained IS NOT NULL
		GROUP BY 1, 2, 3
	), ev AS (
		SELECT week, setting, medically_trained, complication_group,
		       sum(cases) FILTER (WHERE has_training_breakdown AND medically_trained IS NOT NULL
		                          AND NOT implausible) AS events,
		       sum(cases) FILTER (WHERE NOT (has_training_breakdown AND medically_trained IS NOT NULL)
		                          AND NOT implausible) AS ewa,
		       sum(cases_third_party) FILTER (WHERE has_training_breakdown
		                                      AND medically_trained IS NOT NULL AND NOT implausible) AS events_tp,
		       sum(cases) FILTER (WHERE implausible) AS events_imp
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
	       coalesce(ev.ewa, 0), coalesce(ev.events_tp, 0), coalesce(ev.events_imp, 0),
	       coalesce(den.procedures_imp, 0), coalesce(den.premises_imp, 0), den.reasons
	FROM grid g
	LEFT JOIN den ON den.week = g.week AND den.setting = g.setting
	             AND den.medically_trained IS NOT DISTINCT FROM g.medically_trained
	LEFT JOIN ev ON ev.week = g.week AND ev.setting = g.setting
	            AND ev.medically_trained IS NOT DISTINCT FROM g.medically_trained
	            AND ev.complication_group = g.complication_group;

	-- coverage: the setting's premises (the region's too, for region rows)
	UPDATE nw_rates r SET premises_active = c.active, premises_silent = c.silent
	FROM (SELECT week, setting, count(*) AS active,
	             count(*) FILTER (WHERE NOT has_activity AND NOT has_reports) AS silent
	      FROM needlewatch.premises_coverage WHERE week = ANY (w) GROUP BY 1, 2) c
	WHERE r.tbl <> 'region' AND c.week = r.week AND c.setting = r.setting;
	UPDATE nw_rates r SET premises_active = c.active, premises_silent = c.silent
	FROM (SELECT week, setting, region, count(*) AS active,
	             count(*) FILTER (WHERE NOT has_activity AND NOT has_reports) AS silent
	      FROM needlewatch.premises_coverage WHERE week = ANY (w) GROUP BY 1, 2, 3) c
	WHERE r.tbl = 'region' AND c.week = r.week AND c.setting = r.setting
	  AND c.region IS NOT DISTINCT FROM r.region;

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

-- 008's writer, with 013's columns.
CREATE OR REPLACE FUNCTION needlewatch.refresh_write_rates(w date[]) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	DELETE FROM summary.rates_week_setting WHERE week = ANY (w);
	INSERT INTO summary.rates_week_setting (week, iso_week, setting, complication_group,
		events, procedures, rate_per_1000, ci95_low, ci95_high, ci_method, premises_reporting,
		events_without_activity, events_suppressed, events_without_activity_suppressed,
		events_third_party, events_implausible, procedures_implausible, premises_implausible,
		plausibility, premises_active, premises_silent)
	SELECT r.week, summary.iso_week(r.week), r.setting, r.complication_group, r.events,
	       r.procedures, c.rate_per_1000, c.ci95_low, c.ci95_high, c.ci_method, r.premises,
	       r.ewa, r.events_sup, r.ewa_sup, r.events_tp, r.events_imp, r.procedures_imp,
	       r.premises_imp, r.reasons, r.premises_active, r.premises_silent
	FROM nw_rates r CROSS JOIN LATERAL summary.rate_ci95(r.events, r.procedures) c
	WHERE r.tbl = 'ws';

	DELETE FROM summary.rates_fitzpatrick WHERE week = ANY (w);
	INSERT INTO summary.rates_fitzpatrick (week, iso_week, setting, fitzpatrick, complication_group,
		events, procedures, rate_per_1000, ci95_low, ci95_high, ci_method, premises_reporting,
		events_without_activity, events_suppressed, events_without_activity_suppressed,
		events_third_party, events_implausible, procedures_implausible, premises_implausible,
		plausibility, premises_active, premises_silent)
	SELECT r.week, summary.iso_week(r.week), r.setting, r.fitzpatrick, r.complication_group,
	       r.events, r.procedures, c.rate_per_1000, c.ci95_low, c.ci95_high, c.ci_method,
	       r.premises, r.ewa, r.events_sup, r.ewa_sup, r.events_tp, r.events_imp,
	       r.procedures_imp, r.premises_imp, r.reasons, r.premises_active, r.premises_silent
	FROM nw_rates r CROSS JOIN LATERAL summary.rate_ci95(r.events, r.procedures) c
	WHERE r.tbl = 'fitz';

	DELETE FROM summary.rates_region WHERE week = ANY (w);
	INSERT INTO summary.rates_region (week, iso_week, setting, region, complication_group,
		events, procedures, rate_per_1000, ci95_low, ci95_high, ci_method, premises_reporting,
		events_without_activity, events_suppressed, events_without_activity_suppressed,
		events_third_party, events_implausible, procedures_implausible, premises_implausible,
		plausibility, premises_active, premises_silent)
	SELECT r.week, summary.iso_week(r.week), r.setting, r.region, r.complication_group,
	       r.events, r.procedures, c.rate_per_1000, c.ci95_low, c.ci95_high, c.ci_method,
	       r.premises, r.ewa, r.events_sup, r.ewa_sup, r.events_tp, r.events_imp,
	       r.procedures_imp, r.premises_imp, r.reasons, r.premises_active, r.premises_silent
	FROM nw_rates r CROSS JOIN LATERAL summary.rate_ci95(r.events, r.procedures) c
	WHERE r.tbl = 'region';

	DELETE FROM summary.rates_training WHERE week = ANY (w);
	INSERT INTO summary.rates_training (week, iso_week, setting, medically_trained, complication_group,
		events, procedures, rate_per_1000, ci95_low, ci95_high, ci_method, premises_reporting,
		events_without_activity, events_suppressed, events_without_activity_suppressed,
		events_third_party, events_implausible, procedures_implausible, premises_implausible,
		plausibility, premises_active, premises_silent)
	SELECT r.week, summary.iso_week(r.week), r.setting, r.medically_trained,
	       r.complication_group, r.events, r.procedures, c.rate_per_1000, c.ci95_low,
	       c.ci95_high, c.ci_method, r.premises, r.ewa, r.events_sup, r.ewa_sup, r.events_tp,
	       r.events_imp, r.procedures_imp, r.premises_imp, r.reasons, r.premises_active,
	       r.premises_silent
	FROM nw_rates r CROSS JOIN LATERAL summary.rate_ci95(r.events, r.procedures) c
	WHERE r.tbl = 'training';

	DELETE FROM summary.unregistered_counts WHERE week = ANY (w);
	INSERT INTO summary.unregistered_counts (week, iso_week, setting, region,
		complication_group, cases, cases_suppressed)
	SELECT week, summary.iso_week(week), setting, region, complication_group, cases, cases_sup
	FROM nw_unreg;
END
$$;

-- ---------------------------------------------------------------------------
-- Public views: 010's, with four columns added at the end. Premises counts
-- are published like premises_reporting (never suppressed); the count of
-- implausible cases is not published.

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
            ELSE r.events_without_activity::text END AS events_without_activity,
       r.premises_active, r.premises_silent, r.premises_implausible, r.plausibility
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
            ELSE r.events_without_activity::text END AS events_without_activity,
       r.premises_active, r.premises_silent, r.premises_implausible, r.plausibility
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
            ELSE r.events_without_activity::text END AS events_without_activity,
       r.premises_active, r.premises_silent, r.premises_implausible, r.plausibility
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
            ELSE r.events_without_activity::text END AS events_without_activity,
       r.premises_active, r.premises_silent, r.premises_implausible, r.plausibility
FROM summary.rates_training r
LEFT JOIN summary.suppression_audit a ON a.week = r.week AND a.status = 'passed';

-- Every week summarised so far is recomputed (and audited) by the next
-- refresh, so the new columns are filled.
INSERT INTO needlewatch.dirty_weeks (week)
SELECT week FROM summary.rates_week_setting UNION SELECT week FROM summary.unregistered_counts;

-- ---------------------------------------------------------------------------
-- Privileges: the daemon reads coverage and plausibility for GET /v1/summaries
-- and the ingest warnings; the refresh steps stay private to the owner.

GRANT SELECT ON needlewatch.premises_coverage, needlewatch.plausibility_settings,
	needlewatch.plausibility_accepted TO needlewatch_app;
REVOKE ALL ON FUNCTION needlewatch.refresh_coverage(date[]),
	needlewatch.plausibility_settings_changed() FROM PUBLIC;
REVOKE ALL ON FUNCTION needlewatch.plausibility_reason(bigint, bigint),
	needlewatch.premises_week_cases(bigint, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION needlewatch.plausibility_reason(bigint, bigint),
	needlewatch.premises_week_cases(bigint, date) TO needlewatch_app;
