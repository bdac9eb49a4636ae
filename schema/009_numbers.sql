-- 009: the Fitzpatrick-adjusted ratio survives an unusable stratum.
--
-- 002's summary.mantel_haenszel95 returned nothing as soon as any stratum had
-- more events than procedures, before it skipped the strata with an empty arm
-- its own comment promised to skip: one Fitzpatrick type with cases at
-- premises that reported none of its procedures (n1 = 0) took the adjusted
-- ratio of every other type with it, and setting_comparisons.adjusted_strata
-- read 0. Same signature, so refresh_comparisons and every grant stay as
-- they are; weeks refreshed from now on get the corrected figure (a full
-- refresh, `needlewatchctl refresh --full`, recomputes the old ones).

-- Mantel–Haenszel rate ratio over strata (one array element per stratum)
-- with the Greenland–Robins variance, as daemon/core/stats.c computes it
-- (stats_mantel_haenszel). A stratum is used when it is a 2×2 table: both
-- arms have procedures and no arm has more events than procedures (or fewer
-- than none). The others are skipped first, then the estimate is made over
-- the rest; strata counts the strata used (the ratio is NULL when the used
-- strata hold no events on one side).
CREATE OR REPLACE FUNCTION summary.mantel_haenszel95(a bigint[], n1 bigint[], b bigint[], n2 bigint[],
	OUT rate_ratio double precision, OUT ci95_low double precision,
	OUT ci95_high double precision, OUT strata integer)
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
	r double precision; s double precision; v double precision; half double precision;
BEGIN
	SELECT sum(t.a::double precision * t.n2 / (t.n1 + t.n2)),
	       sum(t.b::double precision * t.n1 / (t.n1 + t.n2)),
	       sum((t.a::double precision * t.n2 * (t.n1 - t.b) + t.b::double precision * t.n1 * (t.n2 - t.a))
	           / ((t.n1 + t.n2)::double precision * (t.n1 + t.n2))),
	       count(*)
	INTO r, s, v, strata
	FROM unnest(a, n1, b, n2) AS t(a, n1, b, n2)
	WHERE t.n1 > 0 AND t.n2 > 0 AND t.a >= 0 AND t.b >= 0 AND t.a <= t.n1 AND t.b <= t.n2;
	IF r IS NULL OR r = 0 OR s = 0 THEN
		RETURN;
	END IF;
	half := 1.959963984540054 * sqrt(v / (r * s));
	rate_ratio := r / s;
	ci95_low := rate_ratio * exp(-half);
	ci95_high := rate_ratio * exp(half);
END
$$;
