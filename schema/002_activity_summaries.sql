-- 002: activity (the denominator), the summary tables regulators read, their
-- incremental refresh and the disclosure-controlled public views (DESIGN §7, §8).
--
-- How the pieces fit:
--
--   needlewatch.activity        one row per submission, never updated; the
--                               latest per (premises, week, procedure type) counts
--   needlewatch.dirty_weeks     weeks touched since the last refresh, marked by
--                               triggers on reports and activity
--   needlewatch.refresh_summaries(threshold, full)
--                               recomputes only the dirty weeks, in the caller's
--                               transaction: a reader sees the old tables or the
--                               new ones, never a mix
--   needlewatch.premises_weeks  activity per premises and week (private: it names premises)
--   summary.event_cells, summary.event_type_cells
--                               case counts at the finest grain, what GET /v1/summaries
--                               aggregates for any by= combination
--   summary.rates_*             events, procedures, rate per 1,000 with its 95% CI and
--                               coverage, per ISO week, ready for psql
--   summary.setting_comparisons rate ratios against medical_clinic, crude and
--                               Mantel–Haenszel adjusted for Fitzpatrick type
--   summary.unregistered_counts cases at unregistered places: counts, never rates
--   summary.public_*            the same with small counts suppressed
--
-- Statistics are computed in SQL, so that a refresh run from psql, from
-- needlewatchctl or from needlewatchd gives the same tables, and so that the
-- daemon's role needs no write privilege on schema summary. The formulas are
-- those of daemon/core/stats.c (the API computes with that file): Wilson is
-- closed-form; Clopper–Pearson is only used below 5 events, where the binomial
-- CDF has at most 5 terms and can be inverted by a safeguarded Newton
-- iteration instead of a beta quantile PostgreSQL does not have. The
-- integration tests check both against each other and against SciPy.

-- ---------------------------------------------------------------------------
-- Activity

CREATE TABLE needlewatch.activity (
	premises_id          bigint NOT NULL REFERENCES needlewatch.premises (id),
	id                   bigint GENERATED ALWAYS AS IDENTITY,
	account_id           bigint NOT NULL REFERENCES needlewatch.accounts (id),
	week                 date NOT NULL CHECK (extract(isodow FROM week) = 1),
	procedure_type       text NOT NULL,
	procedures           integer NOT NULL CHECK (procedures >= 0),
	-- procedures by Fitzpatrick type 1..6, or NULL when not broken down
	by_fitzpatrick       integer[] CHECK (by_fitzpatrick IS NULL OR (
	                         cardinality(by_fitzpatrick) = 6 AND array_ndims(by_fitzpatrick) = 1
	                         AND array_position(by_fitzpatrick, NULL) IS NULL
	                         AND 0 <= ALL (by_fitzpatrick)
	                         AND by_fitzpatrick[1] + by_fitzpatrick[2] + by_fitzpatrick[3] +
	                             by_fitzpatrick[4] + by_fitzpatrick[5] + by_fitzpatrick[6] = procedures)),
	-- procedures by medically trained and other practitioners, or both NULL
	procedures_trained   integer CHECK (procedures_trained >= 0),
	procedures_untrained integer CHECK (procedures_untrained >= 0),
	format               text NOT NULL DEFAULT 'json' CHECK (format IN ('json', 'csv')),
	received_at          timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (premises_id, id),
	CHECK ((procedures_trained IS NULL) = (procedures_untrained IS NULL)),
	CHECK (procedures_trained IS NULL OR procedures_trained + procedures_untrained = procedures)
);
CREATE INDEX activity_key ON needlewatch.activity (premises_id, week, procedure_type, id);
CREATE INDEX activity_week ON needlewatch.activity (week);

-- The submission that counts: a re-sent figure replaces the earlier one.
CREATE VIEW needlewatch.latest_activity AS
SELECT DISTINCT ON (premises_id, week, procedure_type) *
FROM needlewatch.activity
ORDER BY premises_id, week, procedure_type, id DESC;

-- ---------------------------------------------------------------------------
-- Dirty weeks: what the next refresh recomputes.
--
-- Append-only and keyless, so an insert never waits on a refresh (a unique
-- key would make every writer queue behind the refresh that is deleting the
-- same week). A transaction marks each week once — a transaction-local
-- setting remembers which it has marked, which costs a report a few
-- microseconds where a lookup or a statement trigger cost a hundred — so
-- group commit writes a handful of rows per batch, not one per report. A
-- refresh deletes only the marks its snapshot sees, so a report committed
-- meanwhile keeps its mark for the next refresh.

CREATE TABLE needlewatch.dirty_weeks (
	week      date NOT NULL,
	marked_at timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION needlewatch.mark_week_dirty(w date) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	marked CONSTANT text := 'needlewatch.dirty_' || (w - date '2000-01-03');
BEGIN
	IF w IS NULL THEN
		RETURN;
	END IF;
	IF current_setting(marked, true) IS DISTINCT FROM 'y' THEN
		INSERT INTO needlewatch.dirty_weeks (week) VALUES (w);
		PERFORM set_config(marked, 'y', /* is_local= */ true);
	END IF;
END
$$;

-- A follow-up may move a case to another week: the week of every earlier
-- version of the case is dirty too. The first test is mark_week_dirty()'s,
-- written out: it runs for every report, and a call costs as much again.
CREATE FUNCTION needlewatch.reports_mark_dirty() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	marked CONSTANT text := 'needlewatch.dirty_' || (NEW.procedure_week - date '2000-01-03');
	earlier date;
BEGIN
	IF current_setting(marked, true) IS DISTINCT FROM 'y' THEN
		PERFORM needlewatch.mark_week_dirty(NEW.procedure_week);
	END IF;
	IF NEW.version > 1 THEN
		FOR earlier IN
			SELECT DISTINCT r.procedure_week FROM needlewatch.reports r
			WHERE r.premises_id = NEW.premises_id AND r.client_ref = NEW.client_ref
			  AND r.version < NEW.version
		LOOP
			PERFORM needlewatch.mark_week_dirty(earlier);
		END LOOP;
	END IF;
	RETURN NULL;
END
$$;

CREATE FUNCTION needlewatch.activity_mark_dirty() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	PERFORM needlewatch.mark_week_dirty(NEW.week);
	RETURN NULL;
END
$$;

CREATE TRIGGER reports_mark_dirty AFTER INSERT ON needlewatch.reports
	FOR EACH ROW EXECUTE FUNCTION needlewatch.reports_mark_dirty();
CREATE TRIGGER activity_mark_dirty AFTER INSERT ON needlewatch.activity
	FOR EACH ROW EXECUTE FUNCTION needlewatch.activity_mark_dirty();

-- Reports stored before this migration are summarised by the first refresh.
INSERT INTO needlewatch.dirty_weeks (week) SELECT DISTINCT procedure_week FROM needlewatch.reports;

-- ---------------------------------------------------------------------------
-- Activity per premises and week, all procedure types together. Private:
-- it names premises. A breakdown is kept only when every procedure type
-- of that premises and week carried it, so it always sums to procedures.

CREATE TABLE needlewatch.premises_weeks (
	premises_id            bigint NOT NULL,
	week                   date NOT NULL,
	setting                text NOT NULL,
	region                 text,
	procedures             bigint NOT NULL,
	procedures_fitzpatrick bigint[],
	procedures_trained     bigint,
	procedures_untrained   bigint,
	PRIMARY KEY (week, premises_id)
);

-- ---------------------------------------------------------------------------
-- Statistics (the formulas of daemon/core/stats.c)

-- ISO week of a date, "2026-W47".
CREATE FUNCTION summary.iso_week(d date) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN extract(isoyear FROM d)::integer::text || '-W' || lpad(extract(week FROM d)::integer::text, 2, '0');

-- Monday of an ISO week given as "2026-W47".
CREATE FUNCTION summary.iso_week_start(w text) RETURNS date
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN make_date(substr(w, 1, 4)::integer, 1, 4)
       - (extract(isodow FROM make_date(substr(w, 1, 4)::integer, 1, 4))::integer - 1)
       + 7 * (substr(w, 7, 2)::integer - 1);

-- ln(1 − p) without losing the digits of a small p (PostgreSQL has no log1p).
CREATE FUNCTION summary.ln1m(p double precision) RETURNS double precision
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN CASE WHEN p < 1e-4 THEN -(p + p * p / 2 + p * p * p / 3 + p * p * p * p / 4 + p * p * p * p * p / 5)
            ELSE ln(1 - p) END;

-- exp(x), 0 where PostgreSQL would raise an underflow error.
CREATE FUNCTION summary.exp0(x double precision) RETURNS double precision
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN CASE WHEN x < -700 THEN 0 ELSE exp(x) END;

-- Binomial CDF P(X <= k) for X ~ Bin(n, p), 0 < p < 1, by its k + 1 terms.
CREATE FUNCTION summary.binomial_cdf(k integer, n bigint, p double precision)
RETURNS double precision
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
	lp double precision := ln(p);
	lq double precision := summary.ln1m(p);
	lc double precision := 0;  -- ln C(n, i)
	s  double precision := 0;
BEGIN
	FOR i IN 0..least(k::bigint, n) LOOP
		IF i > 0 THEN
			lc := lc + ln((n - i + 1)::double precision) - ln(i::double precision);
		END IF;
		s := s + summary.exp0(lc + i * lp + (n - i) * lq);
	END LOOP;
	RETURN s;
END
$$;

-- The p with P(X <= k) = target, X ~ Bin(n, p), 0 <= k < n, 0 < target < 1:
-- Newton's method on u = ln p (the root spans orders of magnitude), falling
-- back to bisection of a bracket that always holds the root (NR's rtsafe).
CREATE FUNCTION summary.binomial_quantile(k integer, n bigint, target double precision)
RETURNS double precision
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
	lo double precision := -90;                     -- F(e^-90) = 1 for any n we can store
	hi double precision := -1.1102230246251565e-16; -- ln(1 - 2^-53): F is ~0 there
	u  double precision := ln(least(0.5, (k + 1.0) / n));
	lc double precision := 0;
	f  double precision;
	d  double precision;
	nu double precision;
	p  double precision;
BEGIN
	FOR i IN 1..k LOOP
		lc := lc + ln((n - i + 1)::double precision) - ln(i::double precision);
	END LOOP;
	FOR it IN 1..300 LOOP
		p := exp(u);
		f := summary.binomial_cdf(k, n, p) - target;
		IF f = 0 THEN
			RETURN p;
		END IF;
		IF f > 0 THEN lo := u; ELSE hi := u; END IF;  -- F falls as p grows
		-- dF/du = -(n - k) C(n, k) p^(k+1) (1 - p)^(n-k-1)
		d := -summary.exp0(ln((n - k)::double precision) + lc + (k + 1) * u
		                   + (n - k - 1) * summary.ln1m(p));
		nu := CASE WHEN d < 0 THEN u - f / d END;
		IF nu IS NULL OR nu <= lo OR nu >= hi THEN
			nu := (lo + hi) / 2;
		END IF;
		IF abs(nu - u) <= 1e-15 * greatest(1.0, abs(u)) OR hi - lo <= 1e-15 * greatest(1.0, abs(u)) THEN
			RETURN exp(nu);
		END IF;
		u := nu;
	END LOOP;
	RETURN exp(u);
END
$$;

-- The functions regulators may call take numeric, so that sum() over a
-- period can be passed as it is; counts are whole numbers.

-- Wilson score 95% interval of x/n, per 1,000 (stats_wilson).
CREATE FUNCTION summary.wilson95(x numeric, n numeric,
	OUT ci95_low double precision, OUT ci95_high double precision)
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
	z  CONSTANT double precision := 1.959963984540054;
	z2 CONSTANT double precision := 1.959963984540054 * 1.959963984540054;
	xd double precision := x;
	nd double precision := n;
	h  double precision;
BEGIN
	IF n <= 0 OR x < 0 OR x > n THEN
		RETURN;
	END IF;
	IF x = n THEN
		ci95_low := 1000 * nd / (nd + z2);
		ci95_high := 1000;
		RETURN;
	END IF;
	h := (xd + 0.5 * z2 + z * sqrt(xd * (n - x) / nd + 0.25 * z2)) / (nd + z2);
	ci95_low := 1000 * (xd * xd / (nd * (nd + z2) * h));
	ci95_high := 1000 * h;
END
$$;

-- Exact Clopper–Pearson 95% interval of x/n, per 1,000 (stats_clopper_pearson).
CREATE FUNCTION summary.clopper_pearson95(x numeric, n numeric,
	OUT ci95_low double precision, OUT ci95_high double precision)
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
BEGIN
	IF n <= 0 OR x < 0 OR x > n THEN
		RETURN;
	END IF;
	ci95_low := 0;
	ci95_high := 1000;
	IF x > 0 THEN
		ci95_low := 1000 * summary.binomial_quantile((x - 1)::integer, n::bigint, 0.975);
	END IF;
	IF x < n THEN
		ci95_high := 1000 * summary.binomial_quantile(x::integer, n::bigint, 0.025);
	END IF;
END
$$;

-- Rate per 1,000 with its 95% interval as DESIGN §8 publishes it (stats_rate):
-- exact below 5 events, Wilson from 5. No rate without procedures; no interval
-- when events exceed procedures (the data are wrong, the rate says how much).
CREATE FUNCTION summary.rate_ci95(events numeric, procedures numeric,
	OUT rate_per_1000 double precision, OUT ci95_low double precision,
	OUT ci95_high double precision, OUT ci_method text)
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
	IF events IS NULL OR procedures IS NULL OR procedures <= 0 OR events < 0 THEN
		RETURN;
	END IF;
	rate_per_1000 := 1000 * events::double precision / procedures;
	IF events > procedures THEN
		RETURN;
	END IF;
	IF events < 5 THEN
		SELECT c.ci95_low, c.ci95_high INTO ci95_low, ci95_high
		FROM summary.clopper_pearson95(events, procedures) c;
		ci_method := 'exact';
	ELSE
		SELECT c.ci95_low, c.ci95_high INTO ci95_low, ci95_high
		FROM summary.wilson95(events, procedures) c;
		ci_method := 'wilson';
	END IF;
END
$$;

-- Rate ratio (a/n1) / (b/n2) with its log-scale 95% interval and the
-- Haldane–Anscombe correction when a or b is 0 (stats_rate_ratio).
CREATE FUNCTION summary.rate_ratio95(a numeric, n1 numeric, b numeric, n2 numeric,
	OUT rate_ratio double precision, OUT ci95_low double precision,
	OUT ci95_high double precision, OUT haldane boolean)
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
	k double precision;
	ad double precision; bd double precision; n1d double precision; n2d double precision;
	half double precision;
BEGIN
	IF a IS NULL OR b IS NULL OR n1 IS NULL OR n2 IS NULL OR n1 <= 0 OR n2 <= 0
	   OR (a = 0 AND b = 0) OR a < 0 OR b < 0 OR a > n1 OR b > n2 THEN
		RETURN;
	END IF;
	haldane := a = 0 OR b = 0;
	k := CASE WHEN haldane THEN 0.5 ELSE 0 END;
	ad := a + k; bd := b + k; n1d := n1 + 2 * k; n2d := n2 + 2 * k;
	half := 1.959963984540054 * sqrt((n1d - ad) / (ad * n1d) + (n2d - bd) / (bd * n2d));
	rate_ratio := (ad / n1d) / (bd / n2d);
	ci95_low := rate_ratio * exp(-half);
	ci95_high := rate_ratio * exp(half);
END
$$;

-- Mantel–Haenszel rate ratio over strata (one array element per stratum)
-- with the Greenland–Robins variance (stats_mantel_haenszel). Strata with
-- an empty arm carry no comparison and are skipped.
CREATE FUNCTION summary.mantel_haenszel95(a bigint[], n1 bigint[], b bigint[], n2 bigint[],
	OUT rate_ratio double precision, OUT ci95_low double precision,
	OUT ci95_high double precision, OUT strata integer)
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
	r double precision; s double precision; v double precision; half double precision;
BEGIN
	IF EXISTS (SELECT 1 FROM unnest(a, n1, b, n2) AS t(a, n1, b, n2)
	           WHERE t.a > t.n1 OR t.b > t.n2 OR t.a < 0 OR t.b < 0) THEN
		RETURN;
	END IF;
	SELECT sum(t.a::double precision * t.n2 / (t.n1 + t.n2)),
	       sum(t.b::double precision * t.n1 / (t.n1 + t.n2)),
	       sum((t.a::double precision * t.n2 * (t.n1 - t.b) + t.b::double precision * t.n1 * (t.n2 - t.a))
	           / ((t.n1 + t.n2)::double precision * (t.n1 + t.n2))),
	       count(*)
	INTO r, s, v, strata
	FROM unnest(a, n1, b, n2) AS t(a, n1, b, n2)
	WHERE t.n1 > 0 AND t.n2 > 0;
	IF r IS NULL OR r = 0 OR s = 0 THEN
		RETURN;
	END IF;
	half := 1.959963984540054 * sqrt(v / (r * s));
	rate_ratio := r / s;
	ci95_low := rate_ratio * exp(-half);
	ci95_high := rate_ratio * exp(half);
END
$$;

-- ---------------------------------------------------------------------------
-- Summary tables

-- The complication groups of DESIGN §6, in the order tables list them.
-- 'any' is a case with at least one complication; expected reactions are
-- not complications and appear nowhere.
CREATE TABLE summary.complication_groups (
	complication_group text PRIMARY KEY,
	sort_order         smallint NOT NULL UNIQUE,
	meaning            text NOT NULL
);
INSERT INTO summary.complication_groups VALUES
	('any', 0, 'at least one complication of any group'),
	('infection', 1, 'bacterial, mycobacterial, viral (HSV) or unspecified infection'),
	('pigmentation', 2, 'post-inflammatory hyperpigmentation'),
	('scarring', 3, 'hypertrophic, keloid, atrophic or unspecified scarring'),
	('granulomatous_allergic', 4, 'granuloma, hypersensitivity'),
	('inflammatory', 5, 'prolonged erythema, acne flare'),
	('neurological', 6, 'nerve irritation'),
	('other', 7, 'anything else reported as a complication');

-- Cases at registered premises, at the finest grain: one row per week,
-- setting, region (of the premises), Fitzpatrick type and training (of the
-- case), complication group and what activity the premises reported for that
-- week. A case counts once per group it has, and once in 'any'.
CREATE TABLE summary.event_cells (
	week                      date NOT NULL,
	iso_week                  text NOT NULL,
	setting                   text NOT NULL,
	region                    text,
	fitzpatrick               smallint,
	medically_trained         boolean,
	complication_group        text NOT NULL,
	has_activity              boolean NOT NULL,
	has_fitzpatrick_breakdown boolean NOT NULL,
	has_training_breakdown    boolean NOT NULL,
	cases                     integer NOT NULL
);
CREATE INDEX event_cells_week ON summary.event_cells (week);

-- The same by complication type (the vocabulary's code).
CREATE TABLE summary.event_type_cells (
	week                      date NOT NULL,
	iso_week                  text NOT NULL,
	setting                   text NOT NULL,
	region                    text,
	fitzpatrick               smallint,
	medically_trained         boolean,
	complication_group        text NOT NULL,
	complication_type         text NOT NULL,
	has_activity              boolean NOT NULL,
	has_fitzpatrick_breakdown boolean NOT NULL,
	has_training_breakdown    boolean NOT NULL,
	cases                     integer NOT NULL
);
CREATE INDEX event_type_cells_week ON summary.event_type_cells (week);

-- The rate tables share their figures:
--   events                   cases counted in the rate: latest report versions with at
--                            least one complication of the group, procedure done at a
--                            registered premises of the setting that week, and a
--                            denominator for them (the premises reported activity that
--                            week, with the breakdown the row needs)
--   procedures               the activity those premises reported (latest submissions)
--   rate_per_1000            1000 * events / procedures; NULL without procedures
--   ci95_low, ci95_high      95% interval of the rate: Clopper–Pearson ('exact') below
--                            5 events, Wilson ('wilson') from 5
--   premises_reporting       premises that reported activity for the row
--   events_without_activity  cases of the row left out of the rate for want of a denominator
--   *_suppressed             whether the public_* views hide the count (disclosure control)

CREATE TABLE summary.rates_week_setting (
	week                    date NOT NULL,
	iso_week                text NOT NULL,
	setting                 text NOT NULL,
	complication_group      text NOT NULL,
	events                  integer NOT NULL,
	procedures              bigint NOT NULL,
	rate_per_1000           double precision,
	ci95_low                double precision,
	ci95_high               double precision,
	ci_method               text,
	premises_reporting      integer NOT NULL,
	events_without_activity integer NOT NULL,
	events_suppressed       boolean NOT NULL,
	events_without_activity_suppressed boolean NOT NULL,
	PRIMARY KEY (week, setting, complication_group)
);

-- By the patient's Fitzpatrick type. Only premises-weeks whose activity was
-- broken down by Fitzpatrick type give procedures; a case without a
-- recorded type (fitzpatrick NULL) has no denominator.
CREATE TABLE summary.rates_fitzpatrick (
	week                    date NOT NULL,
	iso_week                text NOT NULL,
	setting                 text NOT NULL,
	fitzpatrick             smallint,
	complication_group      text NOT NULL,
	events                  integer NOT NULL,
	procedures              bigint NOT NULL,
	rate_per_1000           double precision,
	ci95_low                double precision,
	ci95_high               double precision,
	ci_method               text,
	premises_reporting      integer NOT NULL,
	events_without_activity integer NOT NULL,
	events_suppressed       boolean NOT NULL,
	events_without_activity_suppressed boolean NOT NULL,
	UNIQUE NULLS NOT DISTINCT (week, setting, fitzpatrick, complication_group)
);

-- By the region (ITL1) of the premises where the procedure was done.
CREATE TABLE summary.rates_region (
	week                    date NOT NULL,
	iso_week                text NOT NULL,
	setting                 text NOT NULL,
	region                  text,
	complication_group      text NOT NULL,
	events                  integer NOT NULL,
	procedures              bigint NOT NULL,
	rate_per_1000           double precision,
	ci95_low                double precision,
	ci95_high               double precision,
	ci_method               text,
	premises_reporting      integer NOT NULL,
	events_without_activity integer NOT NULL,
	events_suppressed       boolean NOT NULL,
	events_without_activity_suppressed boolean NOT NULL,
	UNIQUE NULLS NOT DISTINCT (week, setting, region, complication_group)
);

-- By the practitioner's training. Only activity broken down into procedures
-- by medically trained and other practitioners gives procedures; a case whose
-- practitioner's training is unknown (NULL) has no denominator.
CREATE TABLE summary.rates_training (
	week                    date NOT NULL,
	iso_week                text NOT NULL,
	setting                 text NOT NULL,
	medically_trained       boolean,
	complication_group      text NOT NULL,
	events                  integer NOT NULL,
	procedures              bigint NOT NULL,
	rate_per_1000           double precision,
	ci95_low                double precision,
	ci95_high               double precision,
	ci_method               text,
	premises_reporting      integer NOT NULL,
	events_without_activity integer NOT NULL,
	events_suppressed       boolean NOT NULL,
	events_without_activity_suppressed boolean NOT NULL,
	UNIQUE NULLS NOT DISTINCT (week, setting, medically_trained, complication_group)
);

-- Each setting against medical_clinic, per week and complication group: the
-- crude rate ratio (Haldane-corrected when a count is 0) and the
-- Mantel–Haenszel ratio adjusted for Fitzpatrick type over the activity that
-- carried that breakdown (rates_fitzpatrick).
CREATE TABLE summary.setting_comparisons (
	week                 date NOT NULL,
	iso_week             text NOT NULL,
	complication_group   text NOT NULL,
	setting              text NOT NULL,
	events               integer NOT NULL,
	procedures           bigint NOT NULL,
	reference_events     integer NOT NULL,
	reference_procedures bigint NOT NULL,
	rate_ratio           double precision,
	rr_ci95_low          double precision,
	rr_ci95_high         double precision,
	haldane              boolean,
	rr_adjusted          double precision,
	rr_adjusted_ci95_low double precision,
	rr_adjusted_ci95_high double precision,
	adjusted_strata      integer,
	events_suppressed    boolean NOT NULL,
	adjusted_suppressed  boolean NOT NULL,
	PRIMARY KEY (week, complication_group, setting)
);

-- Cases whose procedure was done at an unregistered place (a home roller, a
-- salon nobody registered): setting as reported, region of the patient. No
-- denominator exists for them, so they are counts and never rates.
CREATE TABLE summary.unregistered_counts (
	week               date NOT NULL,
	iso_week           text NOT NULL,
	setting            text NOT NULL,
	region             text,
	complication_group text NOT NULL,
	cases              integer NOT NULL,
	cases_suppressed   boolean NOT NULL,
	UNIQUE NULLS NOT DISTINCT (week, setting, region, complication_group)
);

-- When the tables were last brought up to date, and with what threshold.
CREATE TABLE summary.refresh_state (
	only_row              boolean PRIMARY KEY DEFAULT true CHECK (only_row),
	refreshed_at          timestamptz,
	suppression_threshold integer,
	weeks_refreshed       integer,
	full_refresh          boolean,
	duration_ms           double precision
);
INSERT INTO summary.refresh_state DEFAULT VALUES;

-- ---------------------------------------------------------------------------
-- Refresh. Each step recomputes the weeks in w and nothing else; the caller's
-- transaction makes the whole refresh atomic.

CREATE FUNCTION needlewatch.refresh_premises_weeks(w date[]) RETURNS void
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
	DELETE FROM needlewatch.premises_weeks WHERE week = ANY (w);
	INSERT INTO needlewatch.premises_weeks (premises_id, week, setting, region, procedures,
		procedures_fitzpatrick, procedures_trained, procedures_untrained)
	SELECT a.premises_id, a.week, p.setting, p.region, sum(a.procedures),
	       CASE WHEN bool_and(a.by_fitzpatrick IS NOT NULL) THEN
	           ARRAY[sum(a.by_fitzpatrick[1]), sum(a.by_fitzpatrick[2]), sum(a.by_fitzpatrick[3]),
	                 sum(a.by_fitzpatrick[4]), sum(a.by_fitzpatrick[5]), sum(a.by_fitzpatrick[6])]
	       END,
	       CASE WHEN bool_and(a.procedures_trained IS NOT NULL) THEN sum(a.procedures_trained) END,
	       CASE WHEN bool_and(a.procedures_trained IS NOT NULL) THEN sum(a.procedures_untrained) END
	FROM (SELECT DISTINCT ON (premises_id, week, procedure_type) *
	      FROM needlewatch.activity
	      WHERE week = ANY (w)
	      ORDER BY premises_id, week, procedure_type, id DESC) a
	JOIN needlewatch.premises p ON p.id = a.premises_id
	GROUP BY a.premises_id, a.week, p.setting, p.region;
$$;

-- The cases of the weeks in w: latest report versions only, with what the
-- premises where the procedure was done reported as activity that week.
CREATE FUNCTION needlewatch.refresh_event_cells(w date[]) RETURNS void
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
	       pw.procedures_trained IS NOT NULL AS has_training
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
		has_training_breakdown, cases)
	SELECT x.week, summary.iso_week(x.week), x.setting, x.region, x.fitzpatrick,
	       x.medically_trained, g.complication_group, x.has_activity, x.has_fitz,
	       x.has_training, sum(x.n)
	FROM (SELECT c.week, c.setting, c.region, c.fitzpatrick, c.medically_trained,
	             c.has_activity, c.has_fitz, c.has_training, cg.groups, count(*) AS n
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
		has_fitzpatrick_breakdown, has_training_breakdown, cases)
	SELECT x.week, summary.iso_week(x.week), x.setting, x.region, x.fitzpatrick,
	       x.medically_trained, m.complication_group, t.type, x.has_activity, x.has_fitz,
	       x.has_training, sum(x.n)
	FROM (SELECT c.week, c.setting, c.region, c.fitzpatrick, c.medically_trained,
	             c.has_activity, c.has_fitz, c.has_training, cg.types, count(*) AS n
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
CREATE FUNCTION needlewatch.refresh_stage_rates(w date[]) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	DROP TABLE IF EXISTS nw_rates, nw_unreg;
	CREATE TEMP TABLE nw_rates (
		id serial PRIMARY KEY, tbl text NOT NULL, week date NOT NULL, setting text NOT NULL,
		fitzpatrick smallint, region text, medically_trained boolean,
		complication_group text NOT NULL, events bigint NOT NULL, procedures bigint NOT NULL,
		premises bigint NOT NULL, ewa bigint NOT NULL,
		events_sup boolean NOT NULL DEFAULT false, ewa_sup boolean NOT NULL DEFAULT false
	) ON COMMIT DROP;

	INSERT INTO nw_rates (tbl, week, setting, complication_group, events, procedures, premises, ewa)
	WITH den AS (
		SELECT week, setting, sum(procedures) AS procedures, count(*) AS premises
		FROM needlewatch.premises_weeks WHERE week = ANY (w) GROUP BY 1, 2
	), ev AS (
		SELECT week, setting, complication_group,
		       sum(cases) FILTER (WHERE has_activity) AS events,
		       sum(cases) FILTER (WHERE NOT has_activity) AS ewa
		FROM summary.event_cells WHERE week = ANY (w) GROUP BY 1, 2, 3
	), grid AS (
		SELECT k.week, k.setting, g.complication_group
		FROM (SELECT week, setting FROM den UNION SELECT week, setting FROM ev) k
		CROSS JOIN summary.complication_groups g
		UNION SELECT week, setting, complication_group FROM ev
	)
	SELECT 'ws', g.week, g.setting, g.complication_group, coalesce(ev.events, 0),
	       coalesce(den.procedures, 0), coalesce(den.premises, 0), coalesce(ev.ewa, 0)
	FROM grid g
	LEFT JOIN den ON den.week = g.week AND den.setting = g.setting
	LEFT JOIN ev ON ev.week = g.week AND ev.setting = g.setting
	            AND ev.complication_group = g.complication_group;

	INSERT INTO nw_rates (tbl, week, setting, fitzpatrick, complication_group, events,
		procedures, premises, ewa)
	WITH den AS (
		SELECT pw.week, pw.setting, k::smallint AS fitzpatrick,
		       sum(pw.procedures_fitzpatrick[k]) AS procedures, count(*) AS premises
		FROM needlewatch.premises_weeks pw CROSS JOIN generate_series(1, 6) k
		WHERE pw.week = ANY (w) AND pw.procedures_fitzpatrick IS NOT NULL
		GROUP BY 1, 2, 3
	), ev AS (
		SELECT week, setting, fitzpatrick, complication_group,
		       sum(cases) FILTER (WHERE has_fitzpatrick_breakdown AND fitzpatrick IS NOT NULL) AS events,
		       sum(cases) FILTER (WHERE NOT (has_fitzpatrick_breakdown AND fitzpatrick IS NOT NULL)) AS ewa
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
	       coalesce(ev.ewa, 0)
	FROM grid g
	LEFT JOIN den ON den.week = g.week AND den.setting = g.setting
	             AND den.fitzpatrick IS NOT DISTINCT FROM g.fitzpatrick
	LEFT JOIN ev ON ev.week = g.week AND ev.setting = g.setting
	            AND ev.fitzpatrick IS NOT DISTINCT FROM g.fitzpatrick
	            AND ev.complication_group = g.complication_group;

	INSERT INTO nw_rates (tbl, week, setting, region, complication_group, events, procedures,
		premises, ewa)
	WITH den AS (
		SELECT week, setting, region, sum(procedures) AS procedures, count(*) AS premises
		FROM needlewatch.premises_weeks WHERE week = ANY (w) GROUP BY 1, 2, 3
	), ev AS (
		SELECT week, setting, region, complication_group,
		       sum(cases) FILTER (WHERE has_activity) AS events,
		       sum(cases) FILTER (WHERE NOT has_activity) AS ewa
		FROM summary.event_cells WHERE week = ANY (w) GROUP BY 1, 2, 3, 4
	), grid AS (
		SELECT k.week, k.setting, k.region, g.complication_group
		FROM (SELECT week, setting, region FROM den UNION SELECT week, setting, region FROM ev) k
		CROSS JOIN summary.complication_groups g
		UNION SELECT week, setting, region, complication_group FROM ev
	)
	SELECT 'region', g.week, g.setting, g.region, g.complication_group,
	       coalesce(ev.events, 0), coalesce(den.procedures, 0), coalesce(den.premises, 0),
	       coalesce(ev.ewa, 0)
	FROM grid g
	LEFT JOIN den ON den.week = g.week AND den.setting = g.setting
	             AND den.region IS NOT DISTINCT FROM g.region
	LEFT JOIN ev ON ev.week = g.week AND ev.setting = g.setting
	            AND ev.region IS NOT DISTINCT FROM g.region
	            AND ev.complication_group = g.complication_group;

	INSERT INTO nw_rates (tbl, week, setting, medically_trained, complication_group, events,
		procedures, premises, ewa)
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
		       sum(cases) FILTER (WHERE NOT (has_training_breakdown AND medically_trained IS NOT NULL)) AS ewa
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
	       coalesce(ev.ewa, 0)
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

-- Disclosure control over nw_rates and nw_unreg (DESIGN §8).
--
-- Primary: a count from 1 to threshold - 1 is suppressed. Secondary: the
-- counts are tied by linear relations that the public views also publish —
-- a week × setting row is the sum of its regions (events, and cases without
-- activity, each), and of its Fitzpatrick types and training classes (events
-- plus cases without activity together); 'any' bounds its groups. One
-- suppressed cell in such a set could be solved for from the others, so
-- wherever a set holds exactly one, the smallest positive published cell of
-- the set is suppressed too, until no set holds exactly one. Suppression
-- only grows, so this ends; every set lies within one week, so recomputing
-- the touched weeks is enough.
CREATE FUNCTION needlewatch.refresh_suppress(threshold integer) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	n bigint;
BEGIN
	DROP TABLE IF EXISTS nw_cells, nw_members;
	CREATE TEMP TABLE nw_cells ON COMMIT DROP AS
	SELECT row_number() OVER () AS cell_id, x.*
	FROM (SELECT 'rates' AS src, id AS row_id, 'events' AS col, events AS val,
	             events BETWEEN 1 AND threshold - 1 AS sup FROM nw_rates
	      UNION ALL
	      SELECT 'rates', id, 'ewa', ewa, ewa BETWEEN 1 AND threshold - 1 FROM nw_rates
	      UNION ALL
	      SELECT 'unreg', id, 'cases', cases, cases BETWEEN 1 AND threshold - 1 FROM nw_unreg) x;
	CREATE INDEX ON nw_cells (src, row_id, col);

	CREATE TEMP TABLE nw_members ON COMMIT DROP AS
	WITH r AS (
		SELECT r.*, c.col, c.cell_id
		FROM nw_rates r JOIN nw_cells c ON c.src = 'rates' AND c.row_id = r.id
	), parent AS (
		SELECT * FROM r WHERE tbl = 'ws'
	)
	-- the groups of a row, bounded by its 'any'
	SELECT concat_ws('|', 'g', tbl, col, week, setting, fitzpatrick, region,
	                 medically_trained) AS set_key, cell_id
	FROM r
	UNION ALL
	-- the regions of a week × setting row, per column
	SELECT concat_ws('|', 'region', col, week, setting, complication_group), cell_id
	FROM r WHERE tbl = 'region' OR tbl = 'ws'
	UNION ALL
	-- the Fitzpatrick types and training classes, both columns together
	SELECT concat_ws('|', t.tbl, r.week, r.setting, r.complication_group), r.cell_id
	FROM r CROSS JOIN (VALUES ('fitz'), ('training')) t (tbl)
	WHERE r.tbl = t.tbl OR r.tbl = 'ws'
	UNION ALL
	SELECT concat_ws('|', 'unreg', u.week, u.setting, u.region), c.cell_id
	FROM nw_unreg u JOIN nw_cells c ON c.src = 'unreg' AND c.row_id = u.id;

	LOOP
		WITH one AS (
			SELECT m.set_key
			FROM nw_members m JOIN nw_cells c ON c.cell_id = m.cell_id
			GROUP BY m.set_key
			HAVING count(*) FILTER (WHERE c.sup) = 1
		), pick AS (
			SELECT DISTINCT ON (m.set_key) m.cell_id
			FROM nw_members m
			JOIN one ON one.set_key = m.set_key
			JOIN nw_cells c ON c.cell_id = m.cell_id
			WHERE NOT c.sup AND c.val > 0
			ORDER BY m.set_key, c.val, c.cell_id
		)
		UPDATE nw_cells c SET sup = true FROM pick WHERE c.cell_id = pick.cell_id;
		GET DIAGNOSTICS n = ROW_COUNT;
		EXIT WHEN n = 0;
	END LOOP;

	UPDATE nw_rates r SET events_sup = e.sup, ewa_sup = a.sup
	FROM nw_cells e, nw_cells a
	WHERE e.src = 'rates' AND e.row_id = r.id AND e.col = 'events'
	  AND a.src = 'rates' AND a.row_id = r.id AND a.col = 'ewa';
	UPDATE nw_unreg u SET cases_sup = c.sup
	FROM nw_cells c WHERE c.src = 'unreg' AND c.row_id = u.id;
END
$$;

-- Replaces the weeks in w of every rate table by nw_rates, with rates and
-- intervals, and of the unregistered counts by nw_unreg.
CREATE FUNCTION needlewatch.refresh_write_rates(w date[]) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	DELETE FROM summary.rates_week_setting WHERE week = ANY (w);
	INSERT INTO summary.rates_week_setting
	SELECT r.week, summary.iso_week(r.week), r.setting, r.complication_group, r.events,
	       r.procedures, c.rate_per_1000, c.ci95_low, c.ci95_high, c.ci_method, r.premises,
	       r.ewa, r.events_sup, r.ewa_sup
	FROM nw_rates r CROSS JOIN LATERAL summary.rate_ci95(r.events, r.procedures) c
	WHERE r.tbl = 'ws';

	DELETE FROM summary.rates_fitzpatrick WHERE week = ANY (w);
	INSERT INTO summary.rates_fitzpatrick
	SELECT r.week, summary.iso_week(r.week), r.setting, r.fitzpatrick, r.complication_group,
	       r.events, r.procedures, c.rate_per_1000, c.ci95_low, c.ci95_high, c.ci_method,
	       r.premises, r.ewa, r.events_sup, r.ewa_sup
	FROM nw_rates r CROSS JOIN LATERAL summary.rate_ci95(r.events, r.procedures) c
	WHERE r.tbl = 'fitz';

	DELETE FROM summary.rates_region WHERE week = ANY (w);
	INSERT INTO summary.rates_region
	SELECT r.week, summary.iso_week(r.week), r.setting, r.region, r.complication_group,
	       r.events, r.procedures, c.rate_per_1000, c.ci95_low, c.ci95_high, c.ci_method,
	       r.premises, r.ewa, r.events_sup, r.ewa_sup
	FROM nw_rates r CROSS JOIN LATERAL summary.rate_ci95(r.events, r.procedures) c
	WHERE r.tbl = 'region';

	DELETE FROM summary.rates_training WHERE week = ANY (w);
	INSERT INTO summary.rates_training
	SELECT r.week, summary.iso_week(r.week), r.setting, r.medically_trained,
	       r.complication_group, r.events, r.procedures, c.rate_per_1000, c.ci95_low,
	       c.ci95_high, c.ci_method, r.premises, r.ewa, r.events_sup, r.ewa_sup
	FROM nw_rates r CROSS JOIN LATERAL summary.rate_ci95(r.events, r.procedures) c
	WHERE r.tbl = 'training';

	DELETE FROM summary.unregistered_counts WHERE week = ANY (w);
	INSERT INTO summary.unregistered_counts
	SELECT week, summary.iso_week(week), setting, region, complication_group, cases, cases_sup
	FROM nw_unreg;
END
$$;

-- Each setting against medical_clinic for the weeks in w, from the rate
-- tables just written.
CREATE FUNCTION needlewatch.refresh_comparisons(w date[]) RETURNS void
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
	DELETE FROM summary.setting_comparisons WHERE week = ANY (w);
	INSERT INTO summary.setting_comparisons
	SELECT s.week, s.iso_week, s.complication_group, s.setting, s.events, s.procedures,
	       m.events, m.procedures, rr.rate_ratio, rr.ci95_low, rr.ci95_high, rr.haldane,
	       mh.rate_ratio, mh.ci95_low, mh.ci95_high, coalesce(mh.strata, 0),
	       s.events_suppressed OR m.events_suppressed,
	       EXISTS (SELECT 1 FROM summary.rates_fitzpatrick f
	               WHERE f.week = s.week AND f.complication_group = s.complication_group
	                 AND f.setting IN (s.setting, 'medical_clinic') AND f.fitzpatrick IS NOT NULL
	                 AND f.events_suppressed)
	FROM summary.rates_week_setting s
	JOIN summary.rates_week_setting m
	  ON m.week = s.week AND m.complication_group = s.complication_group
	 AND m.setting = 'medical_clinic'
	CROSS JOIN LATERAL summary.rate_ratio95(s.events, s.procedures, m.events, m.procedures) rr
	CROSS JOIN LATERAL (
		SELECT h.*
		FROM (SELECT array_agg(a.events::bigint ORDER BY a.fitzpatrick) AS a,
		             array_agg(a.procedures ORDER BY a.fitzpatrick) AS n1,
		             array_agg(b.events::bigint ORDER BY a.fitzpatrick) AS b,
		             array_agg(b.procedures ORDER BY a.fitzpatrick) AS n2
		      FROM summary.rates_fitzpatrick a
		      JOIN summary.rates_fitzpatrick b
		        ON b.week = a.week AND b.fitzpatrick = a.fitzpatrick
		       AND b.complication_group = a.complication_group AND b.setting = 'medical_clinic'
		      WHERE a.week = s.week AND a.setting = s.setting
		        AND a.complication_group = s.complication_group) x
		CROSS JOIN LATERAL summary.mantel_haenszel95(x.a, x.n1, x.b, x.n2) h
	) mh
	WHERE s.week = ANY (w) AND s.setting <> 'medical_clinic';
$$;

-- Brings every summary table up to date: the weeks marked dirty since the
-- last refresh, or every week when full is set or the threshold changed.
-- Returns the number of weeks recomputed. Runs in the caller's transaction
-- (one statement from libpq or psql: one transaction), so readers see either
-- the old tables or the new ones; concurrent refreshes queue on a lock.
--
-- work_mem: the case counts are sorted in memory rather than on disk (a full
-- rebuild at 2,000,000 reports sorts a few hundred MB at the default 4 MB).
CREATE FUNCTION needlewatch.refresh_summaries(suppression_threshold integer DEFAULT 5,
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
	END IF;

	UPDATE summary.refresh_state s
	SET refreshed_at = now(), suppression_threshold = refresh_summaries.suppression_threshold,
	    weeks_refreshed = coalesce(cardinality(w), 0), full_refresh = refresh_summaries.full_refresh,
	    duration_ms = 1000 * extract(epoch FROM clock_timestamp() - started);
	RETURN coalesce(cardinality(w), 0);
END
$$;

-- ---------------------------------------------------------------------------
-- Public views: what leaves the building. Counts from 1 to the threshold - 1,
-- and the counts suppressed to protect them, read 'suppressed'; so do the
-- rates and intervals computed from them.

CREATE VIEW summary.public_rates_week_setting AS
SELECT week, iso_week, setting, complication_group,
       CASE WHEN events_suppressed THEN 'suppressed' ELSE events::text END AS events,
       procedures,
       CASE WHEN events_suppressed THEN 'suppressed' ELSE rate_per_1000::text END AS rate_per_1000,
       CASE WHEN events_suppressed THEN 'suppressed' ELSE ci95_low::text END AS ci95_low,
       CASE WHEN events_suppressed THEN 'suppressed' ELSE ci95_high::text END AS ci95_high,
       CASE WHEN events_suppressed THEN 'suppressed' ELSE ci_method END AS ci_method,
       premises_reporting,
       CASE WHEN events_without_activity_suppressed THEN 'suppressed'
            ELSE events_without_activity::text END AS events_without_activity
FROM summary.rates_week_setting;

CREATE VIEW summary.public_rates_fitzpatrick AS
SELECT week, iso_week, setting, fitzpatrick, complication_group,
       CASE WHEN events_suppressed THEN 'suppressed' ELSE events::text END AS events,
       procedures,
       CASE WHEN events_suppressed THEN 'suppressed' ELSE rate_per_1000::text END AS rate_per_1000,
       CASE WHEN events_suppressed THEN 'suppressed' ELSE ci95_low::text END AS ci95_low,
       CASE WHEN events_suppressed THEN 'suppressed' ELSE ci95_high::text END AS ci95_high,
       CASE WHEN events_suppressed THEN 'suppressed' ELSE ci_method END AS ci_method,
       premises_reporting,
       CASE WHEN events_without_activity_suppressed THEN 'suppressed'
            ELSE events_without_activity::text END AS events_without_activity
FROM summary.rates_fitzpatrick;

CREATE VIEW summary.public_rates_region AS
SELECT week, iso_week, setting, region, complication_group,
       CASE WHEN events_suppressed THEN 'suppressed' ELSE events::text END AS events,
       procedures,
       CASE WHEN events_suppressed THEN 'suppressed' ELSE rate_per_1000::text END AS rate_per_1000,
       CASE WHEN events_suppressed THEN 'suppressed' ELSE ci95_low::text END AS ci95_low,
       CASE WHEN events_suppressed THEN 'suppressed' ELSE ci95_high::text END AS ci95_high,
       CASE WHEN events_suppressed THEN 'suppressed' ELSE ci_method END AS ci_method,
       premises_reporting,
       CASE WHEN events_without_activity_suppressed THEN 'suppressed'
            ELSE events_without_activity::text END AS events_without_activity
FROM summary.rates_region;

CREATE VIEW summary.public_rates_training AS
SELECT week, iso_week, setting, medically_trained, complication_group,
       CASE WHEN events_suppressed THEN 'suppressed' ELSE events::text END AS events,
       procedures,
       CASE WHEN events_suppressed THEN 'suppressed' ELSE rate_per_1000::text END AS rate_per_1000,
       CASE WHEN events_suppressed THEN 'suppressed' ELSE ci95_low::text END AS ci95_low,
       CASE WHEN events_suppressed THEN 'suppressed' ELSE ci95_high::text END AS ci95_high,
       CASE WHEN events_suppressed THEN 'suppressed' ELSE ci_method END AS ci_method,
       premises_reporting,
       CASE WHEN events_without_activity_suppressed THEN 'suppressed'
            ELSE events_without_activity::text END AS events_without_activity
FROM summary.rates_training;

CREATE VIEW summary.public_setting_comparisons AS
SELECT week, iso_week, complication_group, setting,
       CASE WHEN events_suppressed THEN 'suppressed' ELSE events::text END AS events,
       procedures,
       CASE WHEN events_suppressed THEN 'suppressed' ELSE reference_events::text END
           AS reference_events,
       reference_procedures,
       CASE WHEN events_suppressed THEN 'suppressed' ELSE rate_ratio::text END AS rate_ratio,
       CASE WHEN events_suppressed THEN 'suppressed' ELSE rr_ci95_low::text END AS rr_ci95_low,
       CASE WHEN events_suppressed THEN 'suppressed' ELSE rr_ci95_high::text END AS rr_ci95_high,
       CASE WHEN events_suppressed THEN NULL ELSE haldane END AS haldane,
       CASE WHEN adjusted_suppressed THEN 'suppressed' ELSE rr_adjusted::text END AS rr_adjusted,
       CASE WHEN adjusted_suppressed THEN 'suppressed' ELSE rr_adjusted_ci95_low::text END
           AS rr_adjusted_ci95_low,
       CASE WHEN adjusted_suppressed THEN 'suppressed' ELSE rr_adjusted_ci95_high::text END
           AS rr_adjusted_ci95_high,
       adjusted_strata
FROM summary.setting_comparisons;

CREATE VIEW summary.public_unregistered_counts AS
SELECT week, iso_week, setting, region, complication_group,
       CASE WHEN cases_suppressed THEN 'suppressed' ELSE cases::text END AS cases
FROM summary.unregistered_counts;

-- ---------------------------------------------------------------------------
-- Privileges. The daemon writes activity, reads what GET /v1/summaries needs
-- and may run the refresh, which writes schema summary as its owner: the
-- daemon itself cannot write there. Regulators read schema summary (001
-- grants SELECT on its tables by default) and nothing in schema needlewatch.

GRANT SELECT, INSERT ON needlewatch.activity TO needlewatch_app;
GRANT SELECT ON needlewatch.latest_activity, needlewatch.premises_weeks TO needlewatch_app;
GRANT USAGE ON SCHEMA summary TO needlewatch_app;
GRANT SELECT ON ALL TABLES IN SCHEMA summary TO needlewatch_app, needlewatch_regulator;

REVOKE ALL ON FUNCTION needlewatch.mark_week_dirty(date), needlewatch.reports_mark_dirty(),
	needlewatch.activity_mark_dirty(), needlewatch.refresh_premises_weeks(date[]),
	needlewatch.refresh_event_cells(date[]), needlewatch.refresh_stage_rates(date[]),
	needlewatch.refresh_suppress(integer), needlewatch.refresh_write_rates(date[]),
	needlewatch.refresh_comparisons(date[]), needlewatch.refresh_summaries(integer, boolean)
	FROM PUBLIC;
GRANT EXECUTE ON FUNCTION needlewatch.refresh_summaries(integer, boolean) TO needlewatch_app;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA summary TO needlewatch_app, needlewatch_regulator;
