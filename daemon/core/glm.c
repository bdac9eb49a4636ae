/* Quasi-Poisson log-linear GLM by IRLS, after R's glm.fit (glm.h).
 *
 * Design: the models are tiny (a few hundred weeks, at most a dozen columns), so each
 * iteration solves the weighted least-squares problem afresh by Householder QR of
 * sqrt(W) X, which is what R's Cdqrls does (without its pivoting: a dependent column is
 * an error here, since the Farrington design never has one unless the data are
 * degenerate). Only the R factor is kept: leverages and the unscaled covariance come
 * from triangular solves with it. */
#include "glm.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define GLM_MAXIT 25
#define GLM_EPSILON 1e-8

static double prior_at(const struct glm_input *in, size_t i)
{
	return in->prior ? in->prior[i] : 1.0;
}

/* Poisson deviance, 2 sum w (y log(y / mu) - (y - mu)); y log y = 0 at y = 0. */
static double deviance(const struct glm_input *in, const double *mu)
{
	double dev = 0.0;
	for (size_t i = 0; i < in->n; i++) {
		double y = in->y[i], r = y > 0.0 ? y * log(y / mu[i]) : 0.0;
		dev += 2.0 * prior_at(in, i) * (r - (y - mu[i]));
	}
	return dev;
}

/* Least squares min |b - A beta| for A n x p row-major (overwritten by its QR), b
 * (overwritten). Writes beta and the R factor. -EDOM when a column is dependent. */
static int householder_solve(double *a, double *b, size_t n, size_t p, double *beta, double *r)
{
	for (size_t j = 0; j < p; j++) {
		double norm = 0.0, scale = 0.0;
		for (size_t i = j; i < n; i++)
			norm += a[i * p + j] * a[i * p + j];
		for (size_t i = 0; i < n; i++)
			scale += a[i * p + j] * a[i * p + j];
		norm = sqrt(norm);
		/* R's dqrdc2 tolerance: a column reduced below 1e-7 of its norm is dependent. */
		if (!(norm > 1e-7 * sqrt(scale)))
			return -EDOM;
		double alpha = a[j * p + j] > 0.0 ? -norm : norm;
		double v0 = a[j * p + j] - alpha, vnorm2 = v0 * v0;
		for (size_t i = j + 1; i < n; i++)
			vnorm2 += a[i * p + j] * a[i * p + j];
		a[j * p + j] = v0;
		for (size_t k = j + 1; k <= p; k++) {
			double *col = k < p ? a + k : b;
			size_t stride = k < p ? p : 1;
			double dot = 0.0;
			for (size_t i = j; i < n; i++)
				dot += a[i * p + j] * col[i * stride];
			double f = 2.0 * dot / vnorm2;
			for (size_t i = j; i < n; i++)
				col[i * stride] -= f * a[i * p + j];
		}
		a[j * p + j] = alpha;
	}
	memset(r, 0, sizeof(double) * GLM_MAX_COLS * GLM_MAX_COLS);
	for (size_t i = 0; i < p; i++)
		for (size_t k = i; k < p; k++)
			r[i * GLM_MAX_COLS + k] = a[i * p + k];
	for (size_t i = p; i-- > 0;) {
		double s = b[i];
		for (size_t k = i + 1; k < p; k++)
			s -= r[i * GLM_MAX_COLS + k] * beta[k];
		beta[i] = s / r[i * GLM_MAX_COLS + i];
	}
	return 0;
}

/* One IRLS step from mu (and eta): solves for new_beta; keeps the working weights. */
static int irls_step(const struct glm_input *in, struct glm_fit *f, const double *eta, double *a,
		     double *b, double *new_beta)
{
	size_t n = in->n, p = in->p;
	for (size_t i = 0; i < n; i++) {
		double mu = f->mu[i];
		double z = (eta[i] - in->offset[i]) + (in->y[i] - mu) / mu;
		double w = sqrt(prior_at(in, i) * mu);
		f->wwork[i] = w * w;
		for (size_t j = 0; j < p; j++)
			a[i * p + j] = w * in->x[i * p + j];
		b[i] = w * z;
	}
	return householder_solve(a, b, n, p, new_beta, f->r);
}

/* eta = X beta + offset and mu = exp(eta); false when some mu is not a valid mean. */
static bool predict_all(const struct glm_input *in, const double *beta, double *eta, double *mu)
{
	bool ok = true;
	for (size_t i = 0; i < in->n; i++) {
		double s = in->offset[i];
		for (size_t j = 0; j < in->p; j++)
			s += in->x[i * in->p + j] * beta[j];
		eta[i] = s;
		mu[i] = exp(s);
		ok = ok && isfinite(mu[i]) && mu[i] > 0.0;
	}
	return ok;
}

/* The IRLS loop proper, from mu = y + 0.1; step-halving as glm.fit does when the
 * deviance is not finite or a mean is invalid. */
static int irls(const struct glm_input *in, struct glm_fit *f, double *eta, double *a, double *b)
{
	double beta_old[GLM_MAX_COLS] = {0}, beta[GLM_MAX_COLS];
	for (size_t i = 0; i < in->n; i++) {
		f->mu[i] = in->y[i] + 0.1;
		eta[i] = log(f->mu[i]);
	}
	double dev_old = deviance(in, f->mu);
	for (int iter = 1; iter <= GLM_MAXIT; iter++) {
		int rc = irls_step(in, f, eta, a, b, beta);
		if (rc)
			return rc;
		bool ok = predict_all(in, beta, eta, f->mu);
		double dev = ok ? deviance(in, f->mu) : NAN;
		for (int half = 0; !(ok && isfinite(dev)); half++) {
			if (iter == 1 || half == GLM_MAXIT)
				return -ERANGE;
			for (size_t j = 0; j < in->p; j++)
				beta[j] = (beta[j] + beta_old[j]) / 2.0;
			ok = predict_all(in, beta, eta, f->mu);
			dev = ok ? deviance(in, f->mu) : NAN;
		}
		f->iterations = iter;
		memcpy(f->beta, beta, sizeof(beta));
		if (fabs(dev - dev_old) / (fabs(dev) + 0.1) < GLM_EPSILON)
			return 0;
		dev_old = dev;
		memcpy(beta_old, beta, sizeof(beta));
	}
	return -ERANGE;
}

int glm_fit_quasipoisson(const struct glm_input *in, struct glm_fit *ret)
{
	if (in->p == 0 || in->p > GLM_MAX_COLS || in->n < in->p)
		return -EINVAL;
	struct glm_fit f = {.n = in->n, .p = in->p};
	double *eta = malloc(in->n * sizeof(double));
	double *a = malloc(in->n * in->p * sizeof(double));
	double *b = malloc(in->n * sizeof(double));
	f.mu = malloc(in->n * sizeof(double));
	f.wwork = malloc(in->n * sizeof(double));
	int rc = -ENOMEM;
	if (eta && a && b && f.mu && f.wwork)
		rc = irls(in, &f, eta, a, b);
	free(eta);
	free(a);
	free(b);
	if (rc) {
		glm_fit_free(&f);
		return rc;
	}
	*ret = f;
	return 0;
}

void glm_fit_free(struct glm_fit *fit)
{
	if (!fit)
		return;
	free(fit->mu);
	free(fit->wwork);
	fit->mu = fit->wwork = NULL;
}

double glm_dispersion(const struct glm_input *in, const struct glm_fit *fit, const double *weights)
{
	double s = 0.0;
	if (in->n <= in->p)
		return NAN;
	for (size_t i = 0; i < in->n; i++) {
		double w = weights ? weights[i] : fit->wwork[i];
		double r = (in->y[i] - fit->mu[i]) / fit->mu[i];
		s += w * r * r;
	}
	return s / (double)(in->n - in->p);
}

/* Solves R' v = c (forward substitution) in place. */
static void solve_rt(const struct glm_fit *fit, double *v)
{
	for (size_t i = 0; i < fit->p; i++) {
		double s = v[i];
		for (size_t k = 0; k < i; k++)
			s -= fit->r[k * GLM_MAX_COLS + i] * v[k];
		v[i] = s / fit->r[i * GLM_MAX_COLS + i];
	}
}

void glm_hatvalues(const struct glm_input *in, const struct glm_fit *fit, double *h)
{
	for (size_t i = 0; i < in->n; i++) {
		double v[GLM_MAX_COLS], w = sqrt(fit->wwork[i]), s = 0.0;
		for (size_t j = 0; j < in->p; j++)
			v[j] = w * in->x[i * in->p + j];
		solve_rt(fit, v);
		for (size_t j = 0; j < in->p; j++)
			s += v[j] * v[j];
		h[i] = s;
	}
}

double glm_cov_unscaled(const struct glm_fit *fit, size_t j)
{
	/* (R'R)^-1 = R^-1 R^-T, so its [j][j] is the squared norm of row j of R^-1; row j
	 * of R^-1 is e_j' R^-1, i.e. the solution of R' v = e_j. */
	double v[GLM_MAX_COLS] = {0}, s = 0.0;
	v[j] = 1.0;
	solve_rt(fit, v);
	for (size_t k = 0; k < fit->p; k++)
		s += v[k] * v[k];
	return s;
}
