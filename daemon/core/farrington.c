/* The improved Farrington algorithm, after surveillance::farringtonFlexible (farrington.h).
 *
 * Design: each evaluated week builds its own small model, as the package does -- the
 * reference weeks of the b previous years (t - 52i +- w, the factor's level `periods`)
 * and the weeks between them cut into periods - 1 blocks (levels 1 .. periods - 1), minus
 * the last past_weeks_excluded + 1 weeks -- and fits a quasi-Poisson GLM with offset
 * log(procedures), optionally with a linear time trend (glm.c). The fit is done twice,
 * the second time with weights that down-weight weeks whose Anscombe residual exceeds
 * weights_threshold (past outbreaks), and the upper bound is the negative-binomial
 * plug-in quantile at the predicted mean. Weeks are plain indexes (a year is 52 weeks),
 * as the package treats a series without dates, so the reference weeks never drift. */
#include "farrington.h"
#include "glm.h"
#include "signal_stats.h"
#include "stats.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define WEEKS_PER_YEAR 52

/* The fit's rows and the prediction row for week t. */
struct design {
	size_t n, p;
	double *x, *y, *off;
	double x0[GLM_MAX_COLS];
	double off0, ymax;
	bool trend; /* column 1 is the time */
};

static void design_free(struct design *d)
{
	free(d->x);
	free(d->y);
	free(d->off);
	memset(d, 0, sizeof(*d));
}

/* Reference weeks get the level `periods`, the weeks between two of them the levels
 * 1 .. periods - 1 in blocks as equal as can be (the first `rest` one week longer), as
 * the package's blocks() does. level[w] = 0: not in the model. */
static void block_levels(int t, int b, const struct farrington_params *pa, int *level)
{
	int w = pa->half_window, per = WEEKS_PER_YEAR - 2 * w - 1;
	memset(level, 0, sizeof(int) * (size_t)(t + 1));
	for (int i = 1; i <= b; i++) {
		int ref = t - WEEKS_PER_YEAR * i, start = ref + w + 1;
		for (int j = ref - w; j <= ref + w; j++)
			level[j] = pa->periods;
		for (int j = 1; pa->periods > 1 && j < pa->periods; j++) {
			int len = per / (pa->periods - 1) + (j <= per % (pa->periods - 1) ? 1 : 0);
			for (int k = start; k < start + len; k++)
				level[k] = j;
			start += len;
		}
	}
	for (int j = t - pa->past_weeks_excluded; j <= t; j++)
		if (j >= 0)
			level[j] = 0;
}

/* Columns: intercept, [time], one indicator per level present but the lowest (R's
 * treatment contrasts of as.factor()). col[level] = its column, 0 for the baseline. */
static size_t design_columns(const int *level, const uint64_t *procs, int t, int periods,
			     bool trend, size_t col[GLM_MAX_COLS])
{
	bool present[GLM_MAX_COLS] = {false};
	size_t p = trend ? 2 : 1;
	bool baseline = true;
	for (int j = 0; j <= t; j++)
		if (level[j] && procs[j])
			present[level[j]] = true;
	for (int l = 1; l <= periods; l++) {
		col[l] = 0;
		if (!present[l])
			continue;
		if (baseline)
			baseline = false;
		else
			col[l] = p++;
	}
	return p;
}

static int design_build(const uint64_t *cases, const uint64_t *procs, int t, const int *level,
			const struct farrington_params *pa, bool trend, struct design *d)
{
	size_t col[GLM_MAX_COLS], n = 0, i = 0;
	memset(d, 0, sizeof(*d));
	d->trend = trend;
	d->p = design_columns(level, procs, t, pa->periods, trend, col);
	for (int j = 0; j <= t; j++)
		n += level[j] && procs[j];
	d->n = n;
	d->x = calloc(n * d->p + 1, sizeof(double));
	d->y = calloc(n + 1, sizeof(double));
	d->off = calloc(n + 1, sizeof(double));
	if (!d->x || !d->y || !d->off)
		return -ENOMEM;
	for (int j = 0; j <= t; j++) {
		if (!level[j] || !procs[j])
			continue;
		double *row = d->x + i * d->p;
		row[0] = 1.0;
		if (trend)
			row[1] = j + 1; /* the package's time is the 1-based week index */
		if (col[level[j]])
			row[col[level[j]]] = 1.0;
		d->y[i] = (double)cases[j];
		d->off[i++] = log((double)procs[j]);
		d->ymax = fmax(d->ymax, (double)cases[j]);
	}
	d->x0[0] = 1.0;
	if (trend)
		d->x0[1] = t + 1;
	if (col[pa->periods])
		d->x0[col[pa->periods]] = 1.0;
	d->off0 = log((double)procs[t]);
	return 0;
}

/* The package's algo.farrington.assign.weights from Anscombe residuals s. */
static void assign_weights(const double *s, size_t n, double threshold, double *omega)
{
	double sum = 0.0;
	for (size_t i = 0; i < n; i++)
		sum += s[i] > threshold ? 1.0 / (s[i] * s[i]) : 1.0;
	double gamma = (double)n / sum;
	for (size_t i = 0; i < n; i++)
		omega[i] = s[i] > threshold ? gamma / (s[i] * s[i]) : gamma;
}

/* Anscombe residuals of fit, scaled by the dispersion phi and the leverage. A week
 * with leverage 1 is fitted by its own parameter; its residual says nothing (0). */
static void anscombe(const struct glm_input *in, const struct glm_fit *fit, double phi, double *h,
		     double *s)
{
	glm_hatvalues(in, fit, h);
	for (size_t i = 0; i < in->n; i++) {
		double y = in->y[i], mu = fit->mu[i];
		double a = 1.5 * (pow(y, 2.0 / 3.0) * pow(mu, -1.0 / 6.0) - sqrt(mu));
		s[i] = h[i] < 1.0 ? a / sqrt(phi * (1.0 - h[i])) : 0.0;
	}
}

/* fitGLM.flexible: fit, reweight by the Anscombe residuals, refit. Writes the second
 * fit, its prior weights omega[n] and the dispersion max(1, phi). */
static int fit_flexible(const struct design *d, const struct farrington_params *pa,
			struct glm_fit *ret, double *omega, double *ret_phi)
{
	struct glm_input in = {d->n, d->p, d->x, d->y, d->off, NULL};
	struct glm_fit f1;
	if (d->n <= d->p)
		return -ERANGE;
	int rc = glm_fit_quasipoisson(&in, &f1);
	if (rc)
		return rc;
	double *h = malloc(d->n * sizeof(double)), *s = malloc(d->n * sizeof(double));
	if (!h || !s) {
		rc = -ENOMEM;
		goto out;
	}
	anscombe(&in, &f1, fmax(glm_dispersion(&in, &f1, NULL), 1.0), h, s);
	assign_weights(s, d->n, pa->weights_threshold, omega);
	in.prior = omega;
	if ((rc = glm_fit_quasipoisson(&in, ret)))
		goto out;
	*ret_phi = fmax(glm_dispersion(&in, ret, NULL), 1.0);
out:
	free(h);
	free(s);
	glm_fit_free(&f1);
	return rc;
}

static double predict_link(const struct design *d, const struct glm_fit *f)
{
	double eta = d->off0;
	for (size_t j = 0; j < d->p; j++)
		eta += d->x0[j] * f->beta[j];
	return eta;
}

/* The trend's two-sided t-test p as summary.glm gives it after the package has put the
 * prior weights in the model's weights (so the dispersion is sum omega r^2 / df). */
static double trend_p_value(const struct design *d, const struct glm_fit *f, const double *omega)
{
	struct glm_input in = {d->n, d->p, d->x, d->y, d->off, omega};
	double disp = glm_dispersion(&in, f, omega), df = (double)(d->n - d->p), p;
	double tv = f->beta[1] / sqrt(disp * glm_cov_unscaled(f, 1));
	if (!isfinite(tv) || stats_beta_inc(df / 2.0, 0.5, df / (df + tv * tv), &p))
		return NAN;
	return p;
}

/* One fitted model and its prediction for week t. */
struct model {
	double eta0, phi, trend_coef;
	int rows;
	bool trend;
};

/* Fits the model with or without the trend; with it, *ret_keep says whether the package
 * keeps it: its p below trend_p and no extrapolation beyond the largest count. */
static int fit_one(const uint64_t *cases, const uint64_t *procs, int t, const int *level,
		   const struct farrington_params *pa, bool trend, struct model *m, bool *ret_keep)
{
	struct design d;
	struct glm_fit f = {0};
	double *omega = NULL;
	int rc = design_build(cases, procs, t, level, pa, trend, &d);
	if (!rc && !(omega = malloc((d.n + 1) * sizeof(double))))
		rc = -ENOMEM;
	if (rc || (rc = fit_flexible(&d, pa, &f, omega, &m->phi)))
		goto out;
	m->eta0 = predict_link(&d, &f);
	m->rows = (int)d.n;
	m->trend = trend;
	m->trend_coef = trend ? f.beta[1] : NAN;
	if (ret_keep) {
		double p = trend_p_value(&d, &f, omega);
		*ret_keep = p < pa->trend_p && exp(m->eta0) <= d.ymax;
	}
out:
	glm_fit_free(&f);
	free(omega);
	design_free(&d);
	return rc;
}

/* algo.farrington.glm: the trend model when b allows one and the package keeps it,
 * otherwise (or when it does not converge) the model without. */
static int fit_model(const uint64_t *cases, const uint64_t *procs, int t, int b, const int *level,
		     const struct farrington_params *pa, struct model *m)
{
	bool keep = false;
	if (b >= pa->trend_min_years) {
		int rc = fit_one(cases, procs, t, level, pa, true, m, &keep);
		if (rc == -ENOMEM || (!rc && keep))
			return rc;
	}
	return fit_one(cases, procs, t, level, pa, false, m, NULL);
}

/* R's qnbinom(q, size = mu / (phi - 1), prob = 1 / phi) (qpois when phi = 1): the
 * smallest x with P(Y <= x) >= q, searched from the mean. */
static int nb_quantile(double mu, double phi, double q, double *ret)
{
	double x = floor(mu), up;
	q *= 1.0 - 64.0 * DBL_EPSILON; /* R's fuzz, so an exact hit counts */
	for (int steps = 0; steps < 1000000; steps++) {
		if (signal_nbinom_upper((uint64_t)x + 1, mu, phi, &up))
			return -ERANGE;
		if (1.0 - up < q) {
			x += 1.0;
			continue;
		}
		if (x > 0.0 && !signal_nbinom_upper((uint64_t)x, mu, phi, &up) && 1.0 - up >= q) {
			x -= 1.0;
			continue;
		}
		*ret = x;
		return 0;
	}
	return -ERANGE;
}

static int threshold(const struct model *m, uint64_t y, const struct farrington_params *pa,
		     struct farrington_result *r)
{
	double mu0 = exp(m->eta0);
	if (!isfinite(mu0) || !(mu0 > 0.0))
		return -ERANGE;
	int rc = nb_quantile(mu0, m->phi, 1.0 - pa->alpha, &r->upper);
	if (rc)
		return rc;
	r->p_value = 1.0;
	if (y > 0 && signal_nbinom_upper(y, mu0, m->phi, &r->p_value))
		return -ERANGE;
	r->expected = mu0;
	r->phi = m->phi;
	r->score = ((double)y - m->eta0) / (r->upper - m->eta0);
	return 0;
}

static bool params_usable(const struct farrington_params *pa)
{
	int per = WEEKS_PER_YEAR - 2 * pa->half_window - 1;
	return pa->half_window >= 0 && pa->periods >= 1 && pa->periods + 1 < GLM_MAX_COLS &&
	       per >= pa->periods - 1 && pa->past_weeks_excluded >= pa->half_window &&
	       pa->alpha > 0.0 && pa->alpha < 1.0 && pa->min_cases_weeks >= 1;
}

int farrington_evaluate(const uint64_t *cases, const uint64_t *procs, int t, int b,
			const struct farrington_params *pa, struct farrington_result *ret)
{
	struct farrington_result r = {.years = b};
	struct model m;
	if (!params_usable(pa) || b < 1 || t - WEEKS_PER_YEAR * b - pa->half_window < 0)
		return -EINVAL;
	if (!procs[t])
		return -EDOM;
	int *level = malloc(sizeof(int) * (size_t)(t + 1));
	if (!level)
		return -ENOMEM;
	block_levels(t, b, pa, level);
	int rc = fit_model(cases, procs, t, b, level, pa, &m);
	free(level);
	if (rc || (rc = threshold(&m, cases[t], pa, &r)))
		return rc;
	for (int w = t - pa->min_cases_weeks + 1; w <= t; w++)
		r.recent += w >= 0 ? cases[w] : 0;
	r.observed = cases[t];
	r.trend = m.trend;
	r.trend_coef = m.trend_coef;
	r.fit_rows = m.rows;
	r.alarm = r.recent >= (uint64_t)pa->min_cases && r.score > 1.0 && cases[t] > 0;
	*ret = r;
	return 0;
}

int farrington_run(const uint64_t *cases, const uint64_t *procs, int t,
		   const struct farrington_params *pa, struct farrington_result *ret)
{
	int first = -1, active = 0;
	for (int w = 0; w <= t; w++)
		if (procs[w]) {
			first = first < 0 ? w : first;
			active++;
		}
	if (first < 0 || active < pa->min_history_weeks || !procs[t])
		return -EDOM;
	int b = (t - first + 1 - pa->past_weeks_excluded) / WEEKS_PER_YEAR;
	b = b < pa->max_years ? b : pa->max_years;
	/* The oldest reference window must lie inside the series. */
	while (b >= 1 && t - WEEKS_PER_YEAR * b - pa->half_window < 0)
		b--;
	if (b < 1)
		return -EDOM;
	return farrington_evaluate(cases, procs, t, b, pa, ret);
}
