/* Signal statistics: the tail probabilities, CUSUM, funnel limits and disproportionality
 * measures the alert rules (alerts.c) are built from. */
#ifndef NW_SIGNAL_STATS_H
#define NW_SIGNAL_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Everything here is pure: no global state, no allocation, safe from any thread. Like
 * stats.h, functions return 0 or a negative errno (-EDOM where the statistic is undefined
 * for the data, -EINVAL where the input is impossible) and write ret only on success. The
 * incomplete beta function of stats.c does the numerical work wherever a binomial or
 * negative-binomial tail is needed, so there is one implementation of it.
 */

/* Binomial upper tail P(X >= x), X ~ Bin(n, p), 0 <= p <= 1 (R: pbinom(x - 1, n, p,
 * lower.tail = FALSE)). 1 when x = 0, 0 when x > n. */
int signal_binom_upper(uint64_t x, uint64_t n, double p, double *ret);

/* Binomial CDF P(X <= r), X ~ Bin(n, p); 0 for r < 0, 1 for r >= n. */
int signal_binom_cdf(int64_t r, uint64_t n, double p, double *ret);

/* Regularized lower incomplete gamma P(a, x) for a > 0, x >= 0; P(x, mu) is the Poisson
 * upper tail P(Y >= x), Y ~ Poisson(mu). -ERANGE if the series does not converge. */
int signal_gamma_p(double a, double x, double *ret);

/* The conditional test of two Poisson rates: x events in exposure n against X in N,
 * one-sided "greater" p = P(Bin(x + X, n / (n + N)) >= x) (R: poisson.test(c(x, X),
 * c(n, N), alternative = "greater")$p.value). -EDOM when n or N is 0. */
int signal_poisson_rates_p(uint64_t x, uint64_t X, double n, double N, double *ret);

/* Negative-binomial upper tail P(Y >= x) with E[Y] = mu and Var[Y] = phi * mu, phi >= 1
 * (size mu / (phi - 1)); phi = 1 is the Poisson. R: pnbinom(x - 1, size = mu / (phi - 1),
 * mu = mu, lower.tail = FALSE). -EDOM when mu <= 0 or phi < 1. */
int signal_nbinom_upper(uint64_t x, double mu, double phi, double *ret);

/* Over-dispersion of k weekly counts x[i] among n[i] procedures around their pooled rate
 * lambda = sum x / sum n: phi = max(1, sum (x - lambda n)^2 / (lambda n) / (k - 1)), the
 * quasi-Poisson dispersion of an intercept-only GLM with log(n) offset. Weeks with n = 0
 * are skipped. -EDOM with fewer than 2 usable weeks or no events. */
int signal_pearson_phi(const uint64_t *x, const uint64_t *n, size_t k, double *ret);

/* Poisson log-likelihood-ratio CUSUM (Lucas 1985; Höhle & Paul 2008), one week:
 * z = kappa x - (e^kappa - 1) mu0, S = max(0, S_prev + z); alarm when S > h, after which
 * the caller restarts from 0 (the returned state keeps the value that alarmed). */
struct signal_cusum {
	double s;
	bool alarm;
};
int signal_cusum_step(double s_prev, uint64_t x, double mu0, double kappa, double h,
		      struct signal_cusum *ret);

/* Exact binomial funnel limit with Spiegelhalter's interpolation (Stat Med 2005;24:1185,
 * appendix A.1.1): for n procedures around the pooled proportion theta, r_p = the smallest
 * r with F(r) >= p, alpha = (F(r_p) - p) / (F(r_p) - F(r_p - 1)), limit = (r_p - alpha) / n,
 * clamped at 0. p is 0.975 or 0.999 for the upper 95% and 99.8% limits, 0.025 / 0.001 for
 * the lower. -EDOM when n = 0 or theta is outside (0, 1). */
int signal_funnel_limit(uint64_t n, double theta, double p, double *ret);

/* Over-dispersion of a funnel (Spiegelhalter 2005; as NHS-R FunnelPlotR computes it for
 * proportions): z_i = (asin sqrt(x_i/n_i) - asin sqrt(theta)) * 2 sqrt(n_i), winsorised at
 * the 10th and 90th percentiles (R's quantile type 7), phi = sum z^2 / I, and the additive
 * random-effects variance tau2 = max(0, (I phi - (I - 1)) / (sum w - sum w^2 / sum w)) with
 * w = 4 n_i. Units with n = 0 are skipped. -EDOM with fewer than 2 units. */
struct signal_dispersion {
	double phi;
	double tau2;
	size_t units;
};
int signal_funnel_dispersion(const uint64_t *x, const uint64_t *n, size_t k, double theta,
			     struct signal_dispersion *ret);

/* The over-dispersion-adjusted limit on the arcsine scale: sin^2(asin sqrt(theta) +
 * z_p sqrt(1 / (4n) + tau2)), z_p the standard normal quantile of p (0.975 or 0.999 above,
 * their complements below), clamped to [0, 1]. -EDOM when n = 0 or theta outside (0, 1),
 * -EINVAL for a p without a tabulated quantile. */
int signal_funnel_adjusted_limit(uint64_t n, double theta, double tau2, double p, double *ret);

/* A 2x2 report table: a = reports of the exposure with the complication, b = the exposure
 * without it, c = other exposures with it, d = other exposures without it. */
struct signal_table {
	uint64_t a, b, c, d;
};

/* Proportional reporting ratio and reporting odds ratio with 95% intervals (Evans et al.,
 * Pharmacoepidemiol Drug Saf 2001;10:483), Pearson chi-square with Yates' correction as R's
 * chisq.test(matrix(c(a, c, b, d), 2)) computes it, and the Evans signal PRR >= 2,
 * chi2 >= 4, a >= 3. When b, c or d is 0 the ratios and intervals are computed with 0.5
 * added to every cell (Haldane-Anscombe) and haldane is set; chi2 is always the raw
 * table's. -EDOM when a is 0 or a margin is empty (nothing to compare). */
struct signal_disproportion {
	double prr, prr_low, prr_high;
	double ror, ror_low, ror_high;
	double chi2_yates;
	bool evans;
	bool haldane;
};
int signal_disproportion(const struct signal_table *t, struct signal_disproportion *ret);

#endif
