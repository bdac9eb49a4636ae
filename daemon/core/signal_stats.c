/* Signal statistics: tails, CUSUM, funnel limits, disproportionality (signal_stats.h). */
#include "signal_stats.h"
#include "stats.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The series of P(a, x) converges for any x, but slowly past a + 1; the
 * continued fraction of Q(a, x) converges fast there (Abramowitz & Stegun
 * 6.5.29 and 6.5.31). 1e-15 relative is below the 6 figures we publish. */
#define GAMMA_EPS 1e-15
#define GAMMA_MAX_ITER 100000
#define TINY 1e-300

int signal_binom_upper(uint64_t x, uint64_t n, double p, double *ret)
{
	if (p < 0.0 || p > 1.0 || isnan(p))
		return -EDOM;
	if (x == 0) {
		*ret = 1.0;
		return 0;
	}
	if (x > n || p == 0.0) {
		*ret = 0.0;
		return 0;
	}
	if (p == 1.0) {
		*ret = 1.0;
		return 0;
	}
	/* P(X >= x) = I_p(x, n - x + 1) */
	return stats_beta_inc((double)x, (double)(n - x + 1), p, ret);
}

int signal_binom_cdf(int64_t r, uint64_t n, double p, double *ret)
{
	if (r < 0) {
		*ret = 0.0;
		return 0;
	}
	if ((uint64_t)r >= n) {
		*ret = 1.0;
		return 0;
	}
	double upper;
	int rc = signal_binom_upper((uint64_t)r + 1, n, p, &upper);
	if (rc)
		return rc;
	*ret = 1.0 - upper;
	return 0;
}

static int gamma_series(double a, double x, double lpre, double *ret)
{
	double ap = a, sum = 1.0 / a, del = sum;
	for (int i = 0; i < GAMMA_MAX_ITER; i++) {
		ap += 1.0;
		del *= x / ap;
		sum += del;
		if (fabs(del) < fabs(sum) * GAMMA_EPS) {
			*ret = sum * exp(lpre);
			return 0;
		}
	}
	return -ERANGE;
}

/* Q(a, x) by the modified Lentz evaluation of its continued fraction. */
static int gamma_fraction(double a, double x, double lpre, double *ret)
{
	double b = x + 1.0 - a, c = 1.0 / TINY, d = 1.0 / b, h = d;
	for (int i = 1; i < GAMMA_MAX_ITER; i++) {
		double an = -i * (i - a);
		b += 2.0;
		d = an * d + b;
		if (fabs(d) < TINY)
			d = TINY;
		c = b + an / c;
		if (fabs(c) < TINY)
			c = TINY;
		d = 1.0 / d;
		double del = d * c;
		h *= del;
		if (fabs(del - 1.0) < GAMMA_EPS) {
			*ret = exp(lpre) * h;
			return 0;
		}
	}
	return -ERANGE;
}

int signal_gamma_p(double a, double x, double *ret)
{
	if (!(a > 0.0) || !(x >= 0.0) || isinf(a))
		return -EDOM;
	if (x == 0.0) {
		*ret = 0.0;
		return 0;
	}
	double lpre = a * log(x) - x - lgamma(a), v;
	if (x < a + 1.0) {
		int rc = gamma_series(a, x, lpre, &v);
		if (rc)
			return rc;
		*ret = v > 1.0 ? 1.0 : v;
		return 0;
	}
	int rc = gamma_fraction(a, x, lpre, &v);
	if (rc)
		return rc;
	*ret = v > 1.0 ? 0.0 : 1.0 - v;
	return 0;
}

int signal_poisson_rates_p(uint64_t x, uint64_t X, double n, double N, double *ret)
{
	if (!(n > 0.0) || !(N > 0.0))
		return -EDOM;
	return signal_binom_upper(x, x + X, n / (n + N), ret);
}

int signal_nbinom_upper(uint64_t x, double mu, double phi, double *ret)
{
	if (!(mu > 0.0) || !(phi >= 1.0) || isinf(mu))
		return -EDOM;
	if (x == 0) {
		*ret = 1.0;
		return 0;
	}
	if (phi == 1.0)
		return signal_gamma_p((double)x, mu, ret);
	/* Y ~ NB(size r, prob q), q = r / (r + mu) = 1 / phi:
	 * P(Y >= x) = 1 - I_q(r, x) = I_{1-q}(x, r). */
	double r = mu / (phi - 1.0);
	return stats_beta_inc((double)x, r, 1.0 - 1.0 / phi, ret);
}

int signal_pearson_phi(const uint64_t *x, const uint64_t *n, size_t k, double *ret)
{
	double X = 0.0, N = 0.0, chi2 = 0.0;
	size_t used = 0;
	for (size_t i = 0; i < k; i++) {
		if (n[i] == 0)
			continue;
		X += (double)x[i];
		N += (double)n[i];
		used++;
	}
	if (used < 2 || X == 0.0)
		return -EDOM;
	double lambda = X / N;
	for (size_t i = 0; i < k; i++) {
		if (n[i] == 0)
			continue;
		double e = lambda * (double)n[i], d = (double)x[i] - e;
		chi2 += d * d / e;
	}
	double phi = chi2 / (double)(used - 1);
	*ret = phi > 1.0 ? phi : 1.0;
	return 0;
}

int signal_cusum_step(double s_prev, uint64_t x, double mu0, double kappa, double h,
		      struct signal_cusum *ret)
{
	if (!(mu0 >= 0.0) || !(kappa > 0.0) || !(h > 0.0) || !(s_prev >= 0.0))
		return -EDOM;
	double s = s_prev + kappa * (double)x - expm1(kappa) * mu0;
	ret->s = s > 0.0 ? s : 0.0;
	ret->alarm = ret->s > h;
	return 0;
}

/* r_p: the smallest r in [0, n] with F(r) >= p, by bisection (F rises with r). */
static int funnel_quantile(uint64_t n, double theta, double p, int64_t *ret_r, double *ret_f)
{
	int64_t lo = 0, hi = (int64_t)n;
	double f;
	int rc;
	while (lo < hi) {
		int64_t mid = lo + (hi - lo) / 2;
		rc = signal_binom_cdf(mid, n, theta, &f);
		if (rc)
			return rc;
		if (f >= p)
			hi = mid;
		else
			lo = mid + 1;
	}
	rc = signal_binom_cdf(lo, n, theta, &f);
	if (rc)
		return rc;
	*ret_r = lo;
	*ret_f = f;
	return 0;
}

int signal_funnel_limit(uint64_t n, double theta, double p, double *ret)
{
	if (n == 0 || !(theta > 0.0 && theta < 1.0) || !(p > 0.0 && p < 1.0))
		return -EDOM;
	int64_t r;
	double f, fprev;
	int rc = funnel_quantile(n, theta, p, &r, &f);
	if (!rc)
		rc = signal_binom_cdf(r - 1, n, theta, &fprev);
	if (rc)
		return rc;
	double alpha = f > fprev ? (f - p) / (f - fprev) : 0.0;
	double limit = ((double)r - alpha) / (double)n;
	*ret = limit > 0.0 ? limit : 0.0;
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* R's quantile(type = 7) of sorted v[0..k-1] at probability q. */
static double quantile7(const double *v, size_t k, double q)
{
	double h = (double)(k - 1) * q;
	size_t lo = (size_t)floor(h);
	if (lo + 1 >= k)
		return v[k - 1];
	return v[lo] + (h - (double)lo) * (v[lo + 1] - v[lo]);
}

int signal_funnel_dispersion(const uint64_t *x, const uint64_t *n, size_t k, double theta,
			     struct signal_dispersion *ret)
{
	if (!(theta > 0.0 && theta < 1.0))
		return -EDOM;
	double *z = malloc((k ? k : 1) * 2 * sizeof(double));
	if (!z)
		return -ENOMEM;
	double *sorted = z + k, t = asin(sqrt(theta)), sw = 0.0, sw2 = 0.0, sz2 = 0.0;
	size_t m = 0;
	for (size_t i = 0; i < k; i++) {
		if (n[i] == 0)
			continue;
		double nn = (double)n[i];
		z[m] = (asin(sqrt((double)x[i] / nn)) - t) * 2.0 * sqrt(nn);
		sw += 4.0 * nn;
		sw2 += 16.0 * nn * nn;
		m++;
	}
	if (m < 2) {
		free(z);
		return -EDOM;
	}
	memcpy(sorted, z, m * sizeof(double));
	qsort(sorted, m, sizeof(double), cmp_double);
	double lo = quantile7(sorted, m, 0.1), hi = quantile7(sorted, m, 0.9);
	for (size_t i = 0; i < m; i++) {
		double w = z[i] < lo ? lo : z[i] > hi ? hi : z[i];
		sz2 += w * w;
	}
	free(z);
	double phi = sz2 / (double)m;
	double tau2 = ((double)m * phi - (double)(m - 1)) / (sw - sw2 / sw);
	ret->phi = phi;
	ret->tau2 = tau2 > 0.0 ? tau2 : 0.0;
	ret->units = m;
	return 0;
}

static int normal_quantile(double p, double *ret)
{
	static const struct {
		double p, z;
	} table[] = {
	    {0.975, 1.959963984540054},
	    {0.999, 3.090232306167813},
	    {0.025, -1.959963984540054},
	    {0.001, -3.090232306167813},
	};
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (p == table[i].p) {
			*ret = table[i].z;
			return 0;
		}
	return -EINVAL;
}

int signal_funnel_adjusted_limit(uint64_t n, double theta, double tau2, double p, double *ret)
{
	double z;
	if (n == 0 || !(theta > 0.0 && theta < 1.0) || !(tau2 >= 0.0))
		return -EDOM;
	if (normal_quantile(p, &z))
		return -EINVAL;
	double y = asin(sqrt(theta)) + z * sqrt(1.0 / (4.0 * (double)n) + tau2);
	if (y <= 0.0)
		*ret = 0.0;
	else if (y >= M_PI / 2)
		*ret = 1.0;
	else
		*ret = sin(y) * sin(y);
	return 0;
}

/* Yates-corrected Pearson chi-square of the raw 2x2 table, as chisq.test: YATES =
 * min(0.5, |O - E|), the same |O - E| in all four cells of a 2x2. */
static double chi2_yates(double a, double b, double c, double d)
{
	double n = a + b + c + d, e_a = (a + b) * (a + c) / n, dev = fabs(a - e_a);
	double y = dev < 0.5 ? dev : 0.5, num = (dev - y) * (dev - y);
	return num / e_a + num / ((a + b) * (b + d) / n) + num / ((c + d) * (a + c) / n) +
	       num / ((c + d) * (b + d) / n);
}

int signal_disproportion(const struct signal_table *t, struct signal_disproportion *ret)
{
	if (!t->a || !(t->c + t->d) || !(t->b + t->d))
		return -EDOM;
	bool haldane = !t->b || !t->c || !t->d;
	double k = haldane ? 0.5 : 0.0;
	double a = (double)t->a + k, b = (double)t->b + k, c = (double)t->c + k,
	       d = (double)t->d + k;
	double prr = (a / (a + b)) / (c / (c + d));
	double se_prr = sqrt(1 / a - 1 / (a + b) + 1 / c - 1 / (c + d));
	double ror = (a * d) / (b * c);
	double se_ror = sqrt(1 / a + 1 / b + 1 / c + 1 / d);
	double chi2 = chi2_yates((double)t->a, (double)t->b, (double)t->c, (double)t->d);
	ret->prr = prr;
	ret->prr_low = exp(log(prr) - STATS_Z95 * se_prr);
	ret->prr_high = exp(log(prr) + STATS_Z95 * se_prr);
	ret->ror = ror;
	ret->ror_low = exp(log(ror) - STATS_Z95 * se_ror);
	ret->ror_high = exp(log(ror) + STATS_Z95 * se_ror);
	ret->chi2_yates = chi2;
	ret->evans = prr >= 2.0 && chi2 >= 4.0 && t->a >= 3;
	ret->haldane = haldane;
	return 0;
}
