/* Statistics: rates per 1,000 procedures with 95% intervals, rate ratios, Mantel–Haenszel. */
#ifndef NW_STATS_H
#define NW_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Everything here is pure: no global state, no allocation, safe from any thread.
 * Counts are events (cases) among procedures. Functions return 0 or a negative errno:
 * -EDOM where the statistic is undefined for the data (no procedures, no events on both
 * sides), -EINVAL where the input is impossible (more events than procedures).
 * Out-parameters ret are written only on success.
 */

/* Normal quantile for a two-sided 95% interval, Φ⁻¹(0.975). */
#define STATS_Z95 1.959963984540054

/* Below this many events stats_rate() uses the exact interval (docs/rates.md). */
#define STATS_EXACT_BELOW 5

/* A proportion scaled to a rate per 1,000 procedures, with its 95% interval. */
struct stats_interval {
	double point;
	double low;
	double high;
};

/* What stats_rate() reports; method is a static string, "exact" or "wilson". */
struct stats_rate {
	double rate_per_1000;
	double ci95_low;
	double ci95_high;
	const char *method;
};

/* A ratio with its 95% interval; haldane says a 0 count was corrected by +0.5. */
struct stats_ratio {
	double ratio;
	double ci95_low;
	double ci95_high;
	bool haldane;
};

/* One Fitzpatrick stratum: a events among n1 procedures in the compared group, b among n2
 * in the reference group. */
struct stats_stratum {
	uint64_t a;
	uint64_t n1;
	uint64_t b;
	uint64_t n2;
};

/* Regularized incomplete beta I_x(a, b) for a, b > 0 and 0 <= x <= 1.
 * -EDOM outside that domain, -ERANGE if the continued fraction does not converge. */
int stats_beta_inc(double a, double b, double x, double *ret);

/* The x in [0, 1] with I_x(a, b) = p, to full double precision, for a, b > 0, 0 <= p <= 1.
 * -EDOM outside that domain, -ERANGE if I_x cannot be evaluated. */
int stats_beta_inc_inv(double a, double b, double p, double *ret);

/* Wilson score 95% interval for x/n, per 1,000 (Wilson 1927). -EDOM when n = 0. */
int stats_wilson(uint64_t x, uint64_t n, struct stats_interval *ret);

/* Exact Clopper–Pearson 95% interval for x/n, per 1,000 (Clopper & Pearson 1934): the low
 * bound is 0 when x = 0 and the high bound 1,000 when x = n. -EDOM when n = 0. */
int stats_clopper_pearson(uint64_t x, uint64_t n, struct stats_interval *ret);

/* Rate per 1,000 procedures as docs/rates.md publishes it: Clopper–Pearson when events < 5,
 * Wilson otherwise. -EDOM when procedures = 0. */
int stats_rate(uint64_t events, uint64_t procedures, struct stats_rate *ret);

/*
 * Rate ratio (a/n1) / (b/n2) of a group against the reference group, with a 95% interval
 * exp(ln RR ± z·SE) on the log scale. Each event is a case among procedures, so this is a
 * risk ratio and we take its delta-method standard error (Katz et al., Biometrics 1978;
 * 34:469), SE = sqrt(1/a - 1/n1 + 1/b - 1/n2), rather than the person-time rate-ratio form
 * sqrt(1/a + 1/b), which ignores the fixed number of procedures and is too wide when events
 * are not rare.
 * When a or b is 0 the Haldane–Anscombe correction adds 0.5 to each cell of the 2×2 table
 * (a + 0.5, b + 0.5, n1 + 1, n2 + 1) for the ratio and its SE, and sets haldane.
 * -EDOM when n1 or n2 is 0, or a and b are both 0. (the worked example of docs/rates.md, 6.0 with
 * 1.215–29.62, is 6/500 against 2/1000 under this formula; 6/500 against 1/500 gives 0.725–49.66.)
 */
int stats_rate_ratio(uint64_t a, uint64_t n1, uint64_t b, uint64_t n2, struct stats_ratio *ret);

/* True when stratum s enters the Mantel–Haenszel estimate: n1 > 0, n2 > 0, a <= n1 and
 * b <= n2. A stratum with an empty arm has no comparison; one with more events than
 * procedures is impossible as a 2×2 table. */
bool stats_stratum_usable(const struct stats_stratum *s);

/* How many of the k strata stats_mantel_haenszel() uses (the adjusted_strata figure). */
size_t stats_mantel_haenszel_strata(const struct stats_stratum *s, size_t k);

/*
 * Mantel–Haenszel risk ratio over k strata (Mantel & Haenszel, JNCI 1959;22:719), with the
 * Greenland–Robins variance of ln RR_MH (Biometrics 1985;41:55) for a 95% log-scale interval.
 * Unusable strata (stats_stratum_usable()) are skipped before anything is summed, so a
 * stratum with cases but no procedures leaves the others' estimate standing; no Haldane
 * correction (haldane is false). -EDOM when Σ a·n2/N or Σ b·n1/N over the usable strata is
 * 0 (including none usable, and k = 0). Never -EINVAL.
 */
int stats_mantel_haenszel(const struct stats_stratum *s, size_t k, struct stats_ratio *ret);

#endif
