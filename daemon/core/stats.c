/* Statistics: rates per 1,000 procedures with 95% intervals, rate ratios, Mantel–Haenszel. */
#include "stats.h"

#include <assert.h>
#include <errno.h>
#include <float.h>
#include <math.h>

#define PER_1000 1000.0
/* Tail area on each side of a two-sided 95% interval. */
#define HALF_ALPHA 0.025
/* ln √(2π), the constant of Stirling's series. */
#define LN_SQRT_2PI 0.91893853320467274178
/* From here on Stirling's series with six correction terms is exact to ~1e-15 (the next
 * term, 1/(156·x^13), is 6e-16 at x = 10); differences of lgamma() of large counts would lose
 * the low digits of ln Γ(10⁶) ≈ 1.3e7. */
#define STIRLING_FROM 10.0
/* Lentz's method replaces a zero denominator by this (Numerical Recipes 3rd ed., §5.2). */
#define LENTZ_TINY 1e-300
/* The continued fraction converges in O(√max(a, b)) terms (NR §6.4); this allows counts far
 * beyond any weekly stratum (a, b ≈ 10¹⁰) before we give up. */
#define BETA_CF_MAX_TERMS 1000000
/* Bisection alone reaches adjacent doubles in [0, 1] in under 1,100 halvings. */
#define BETA_INV_MAX_STEPS 1200

/* δ(x) = ln Γ(x) − [(x − ½) ln x − x + ln √(2π)] for x >= STIRLING_FROM: the Stirling series
 * Σ B_2k / (2k(2k − 1) x^(2k−1)) (Abramowitz & Stegun 6.1.40), by Horner's rule in 1/x². */
static double stirling_delta(double x)
{
	static const double coef[] = {
	    1.0 / 12.0, -1.0 / 360.0, 1.0 / 1260.0, -1.0 / 1680.0, 1.0 / 1188.0, -691.0 / 360360.0,
	};
	double r = 1.0 / (x * x), sum = 0.0;

	for (size_t i = sizeof(coef) / sizeof(coef[0]); i > 0; i--)
		sum = sum * r + coef[i - 1];
	return sum / x;
}

/* glibc's lgamma() writes the global signgam; the reentrant form keeps us stateless. */
static double log_gamma(double x)
{
	int sign;

	return lgamma_r(x, &sign);
}

/*
 * ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b). Subtracting the lgamma() of large counts
 * cancels ~8 digits, so for a large argument we subtract Stirling's series term by term,
 * where the big parts cancel analytically (the approach of DiDonato & Morris, ACM TOMS 708).
 */
static double log_beta(double a, double b)
{
	double lo = fmin(a, b), hi = fmax(a, b), c = a + b;

	if (hi < STIRLING_FROM)
		return log_gamma(lo) + log_gamma(hi) - log_gamma(c);
	/* ln Γ(hi) − ln Γ(c) = −(hi − ½) ln(1 + lo/hi) − lo ln c + lo + δ(hi) − δ(c) */
	if (lo < STIRLING_FROM)
		return log_gamma(lo) + lo - lo * log(c) - (hi - 0.5) * log1p(lo / hi) +
		       stirling_delta(hi) - stirling_delta(c);
	return LN_SQRT_2PI - 0.5 * log(c) + (lo - 0.5) * log(lo / c) - (hi - 0.5) * log1p(lo / hi) +
	       stirling_delta(lo) + stirling_delta(hi) - stirling_delta(c);
}

/* ln of x^a (1 − x)^b / B(a, b), the factor in front of the continued fraction; log1p keeps
 * (1 − x) exact for the small x where our quantiles live. */
static double log_beta_front(double a, double b, double x)
{
	return a * log(x) + b * log1p(-x) - log_beta(a, b);
}

/* One step of the modified Lentz method (NR 3rd ed., §5.2) for the next partial numerator
 * coef; returns the factor by which the approximant changed. */
static long double lentz_step(long double coef, long double *c, long double *d)
{
	*d = 1.0L + coef * *d;
	if (fabsl(*d) < LENTZ_TINY)
		*d = LENTZ_TINY;
	*c = 1.0L + coef / *c;
	if (fabsl(*c) < LENTZ_TINY)
		*c = LENTZ_TINY;
	*d = 1.0L / *d;
	return *d * *c;
}

/*
 * The continued fraction 1 / (1 + d1 / (1 + d2 / (1 + …))) with
 *   d(2m+1) = −(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1)),
 *   d(2m)   = m (b − m) x / ((a + 2m − 1)(a + 2m)),
 * so that I_x(a, b) = x^a (1 − x)^b / (a B(a, b)) × CF (NR 3rd ed., eq. 6.4.5). It converges
 * fast only for x < (a + 1) / (a + b + 2); the caller uses the symmetry otherwise.
 * Each odd step cancels to about 1/a of its size, so a rounding error in x grows a-fold;
 * worst is the symmetric branch for a tiny x, where 1 − x is rounded by ε/x relative
 * (the upper Clopper–Pearson bound for 3 in 10⁹ kept 8 digits in double). Long double buys
 * back 11 bits where it is wider than double (x86-64, aarch64) and is harmless elsewhere.
 */
static int beta_cf(long double a, long double b, long double x, double *ret)
{
	/* Lentz's state after the leading 1 / (1 + …): approximant 1, C = ∞, D = 1. */
	long double c = INFINITY, d = 1.0L, h = 1.0L;

	h *= lentz_step(-(a + b) * x / (a + 1.0L), &c, &d);
	for (int m = 1; m <= BETA_CF_MAX_TERMS; m++) {
		long double m2 = 2.0L * m, delta;

		h *= lentz_step(m * (b - m) * x / ((a + m2 - 1.0L) * (a + m2)), &c, &d);
		delta =
		    lentz_step(-(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0L)), &c, &d);
		h *= delta;
		if (fabsl(delta - 1.0L) <= DBL_EPSILON / 2) {
			*ret = (double)h;
			return 0;
		}
	}
	return -ERANGE;
}

int stats_beta_inc(double a, double b, double x, double *ret)
{
	double cf, front;
	int r;

	assert(ret);
	if (!(a > 0.0 && b > 0.0 && x >= 0.0 && x <= 1.0) || isinf(a) || isinf(b))
		return -EDOM;
	if (x == 0.0 || x == 1.0) {
		*ret = x;
		return 0;
	}
	front = exp(log_beta_front(a, b, x));
	/* I_x(a, b) = 1 − I_(1−x)(b, a): evaluate the fraction where it converges (NR §6.4). */
	if (x < (a + 1.0) / (a + b + 2.0)) {
		r = beta_cf(a, b, x, &cf);
		if (r < 0)
			return r;
		*ret = front * cf / a;
		return 0;
	}
	r = beta_cf(b, a, 1.0L - x, &cf);
	if (r < 0)
		return r;
	*ret = 1.0 - front * cf / b;
	return 0;
}

/* The beta(a, b) density at x in (0, 1), the derivative Newton's method needs. */
static double beta_pdf(double a, double b, double x)
{
	return exp((a - 1.0) * log(x) + (b - 1.0) * log1p(-x) - log_beta(a, b));
}

/*
 * Newton's step from x towards I_x = p, or bisection of [lo, hi] where Newton would leave
 * the bracket or is not at least halving the step (the safeguard of NR's rtsafe, §9.4).
 * The bracket always holds the root, so the loop ends even where the density is infinite.
 */
static double beta_inv_next(double a, double b, double x, double f, double lo, double hi,
			    double *dx_old)
{
	double pdf = beta_pdf(a, b, x), dx = f / pdf, next = x - dx;

	if (!isfinite(dx) || !(next > lo && next < hi) || fabs(dx) > 0.5 * fabs(*dx_old)) {
		next = lo + 0.5 * (hi - lo);
		dx = x - next;
	}
	*dx_old = dx;
	return next;
}

int stats_beta_inc_inv(double a, double b, double p, double *ret)
{
	double lo = 0.0, hi = 1.0, x = a / (a + b), dx_old = 1.0;

	assert(ret);
	if (!(a > 0.0 && b > 0.0 && p >= 0.0 && p <= 1.0) || isinf(a) || isinf(b))
		return -EDOM;
	if (p == 0.0 || p == 1.0) {
		*ret = p;
		return 0;
	}
	for (int i = 0; i < BETA_INV_MAX_STEPS; i++) {
		double f, next;
		int r = stats_beta_inc(a, b, x, &f);

		if (r < 0)
			return r;
		f -= p;
		if (f == 0.0)
			break;
		if (f < 0.0)
			lo = x;
		else
			hi = x;
		next = beta_inv_next(a, b, x, f, lo, hi, &dx_old);
		/* Converged: the step is below half an ulp, or lo and hi are adjacent doubles. */
		if (next == x || next == lo || next == hi)
			break;
		x = next;
	}
	*ret = x;
	return 0;
}

static void interval_per_1000(double point, double low, double high, struct stats_interval *ret)
{
	ret->point = point * PER_1000;
	ret->low = low * PER_1000;
	ret->high = high * PER_1000;
}

/*
 * Wilson (JASA 1927;22:209): the bounds are the roots p of (n + z²)p² − (2x + z²)p + x²/n = 0.
 * The high root is a sum of positive terms; the low root comes from the product of the roots,
 * x² / (n (n + z²)), instead of a difference that cancels when x is small.
 */
int stats_wilson(uint64_t x, uint64_t n, struct stats_interval *ret)
{
	const double z = STATS_Z95, z2 = STATS_Z95 * STATS_Z95;
	double xd = (double)x, nd = (double)n, high, low;

	assert(ret);
	if (n == 0)
		return -EDOM;
	if (x > n)
		return -EINVAL;
	if (x == n) {
		interval_per_1000(1.0, nd / (nd + z2), 1.0, ret);
		return 0;
	}
	high = (xd + 0.5 * z2 + z * sqrt(xd * (double)(n - x) / nd + 0.25 * z2)) / (nd + z2);
	low = xd * xd / (nd * (nd + z2) * high);
	interval_per_1000(xd / nd, low, high, ret);
	return 0;
}

/*
 * Clopper & Pearson (Biometrika 1934;26:404) via the beta–binomial identity: the bounds are
 * the 2.5% quantile of beta(x, n − x + 1) and the 97.5% quantile of beta(x + 1, n − x),
 * with the one-sided ends 0 when x = 0 and 1 when x = n.
 */
int stats_clopper_pearson(uint64_t x, uint64_t n, struct stats_interval *ret)
{
	double xd = (double)x, nd = (double)n, low = 0.0, high = 1.0;
	int r;

	assert(ret);
	if (n == 0)
		return -EDOM;
	if (x > n)
		return -EINVAL;
	if (x > 0) {
		r = stats_beta_inc_inv(xd, nd - xd + 1.0, HALF_ALPHA, &low);
		if (r < 0)
			return r;
	}
	if (x < n) {
		r = stats_beta_inc_inv(xd + 1.0, nd - xd, 1.0 - HALF_ALPHA, &high);
		if (r < 0)
			return r;
	}
	interval_per_1000(xd / nd, low, high, ret);
	return 0;
}

int stats_rate(uint64_t events, uint64_t procedures, struct stats_rate *ret)
{
	struct stats_interval ci;
	bool exact = events < STATS_EXACT_BELOW;
	int r;

	assert(ret);
	if (exact)
		r = stats_clopper_pearson(events, procedures, &ci);
	else
		r = stats_wilson(events, procedures, &ci);
	if (r < 0)
		return r;
	ret->rate_per_1000 = ci.point;
	ret->ci95_low = ci.low;
	ret->ci95_high = ci.high;
	ret->method = exact ? "exact" : "wilson";
	return 0;
}

/* exp(ln ratio ± z·√var), the log-scale interval both ratios use. */
static void ratio_log_ci(double ratio, double var, bool haldane, struct stats_ratio *ret)
{
	double half = STATS_Z95 * sqrt(var);

	ret->ratio = ratio;
	ret->ci95_low = ratio * exp(-half);
	ret->ci95_high = ratio * exp(half);
	ret->haldane = haldane;
}

int stats_rate_ratio(uint64_t a, uint64_t n1, uint64_t b, uint64_t n2, struct stats_ratio *ret)
{
	bool haldane = a == 0 || b == 0;
	double k, ad, bd, n1d, n2d, var;

	assert(ret);
	if (n1 == 0 || n2 == 0 || (a == 0 && b == 0))
		return -EDOM;
	if (a > n1 || b > n2)
		return -EINVAL;
	/* Haldane–Anscombe: +0.5 in each of the four cells, so +1 on each row total. */
	k = haldane ? 0.5 : 0.0;
	ad = (double)a + k;
	bd = (double)b + k;
	n1d = (double)n1 + 2.0 * k;
	n2d = (double)n2 + 2.0 * k;
	/* Katz: 1/a − 1/n1 written as (n1 − a)/(a n1), free of cancellation as a nears n1. */
	var = (n1d - ad) / (ad * n1d) + (n2d - bd) / (bd * n2d);
	ratio_log_ci((ad / n1d) / (bd / n2d), var, haldane, ret);
	return 0;
}

/*
 * A stratum is used when it is a 2×2 table: both arms have procedures and neither has more
 * events than procedures. An empty arm carries no comparison (its terms below are all 0, or
 * 0/0 when both arms are empty); an arm with more events than procedures (cases at premises
 * that reported fewer procedures, or none, for that type) has a negative cell and no risk.
 * Either is left out of the estimate, the other strata still give it.
 */
bool stats_stratum_usable(const struct stats_stratum *s)
{
	assert(s);
	return s->n1 > 0 && s->n2 > 0 && s->a <= s->n1 && s->b <= s->n2;
}

size_t stats_mantel_haenszel_strata(const struct stats_stratum *s, size_t k)
{
	size_t used = 0;

	assert(s || k == 0);
	for (size_t i = 0; i < k; i++)
		used += stats_stratum_usable(&s[i]);
	return used;
}

/*
 * RR_MH = R / S with R = Σ a·n2/N, S = Σ b·n1/N, N = n1 + n2 (Mantel & Haenszel 1959), and
 * Var(ln RR_MH) = Σ (m1·n1·n2 − a·b·N) / N² / (R·S), m1 = a + b (Greenland & Robins 1985),
 * over the usable strata only: unusable ones are skipped first, so one impossible stratum
 * cannot take the estimate of the others with it.
 * The variance numerator is expanded as a·n2·(n1 − b) + b·n1·(n2 − a), the same polynomial
 * without the subtraction of two large products.
 */
int stats_mantel_haenszel(const struct stats_stratum *s, size_t k, struct stats_ratio *ret)
{
	double sum_r = 0.0, sum_s = 0.0, sum_v = 0.0;

	assert(ret);
	assert(s || k == 0);
	for (size_t i = 0; i < k; i++) {
		double a = (double)s[i].a, b = (double)s[i].b;
		double n1 = (double)s[i].n1, n2 = (double)s[i].n2, nn = n1 + n2;

		if (!stats_stratum_usable(&s[i]))
			continue;
		sum_r += a * n2 / nn;
		sum_s += b * n1 / nn;
		sum_v += (a * n2 * (n1 - b) + b * n1 * (n2 - a)) / (nn * nn);
	}
	if (sum_r == 0.0 || sum_s == 0.0)
		return -EDOM;
	ratio_log_ci(sum_r / sum_s, sum_v / (sum_r * sum_s), false, ret);
	return 0;
}
