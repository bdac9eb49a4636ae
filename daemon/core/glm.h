/* A quasi-Poisson log-linear GLM fitted by iteratively reweighted least squares, as R's
 * glm.fit does it, for the Farrington rule (farrington.c). */
#ifndef NW_GLM_H
#define NW_GLM_H

#include <stddef.h>

/* The most columns a model may have: intercept, time and the seasonal factor's levels. */
#define GLM_MAX_COLS 24

/*
 * The model log E[y_i] = offset_i + x_i'beta with Var[y_i] = phi mu_i / prior_i. x is
 * row-major n x p. The fit follows glm.fit step by step so that its results agree with
 * R's to rounding: start from mu = y + 0.1, eta = log mu (the offset is ignored at the
 * start, as R does), then IRLS with Householder least squares until
 * |dev - dev_old| / (|dev| + 0.1) < 1e-8, at most 25 iterations. As in R, the working
 * weights and the QR factor kept are those of the last iteration's solve, while mu is
 * the one after it.
 */
struct glm_input {
	size_t n, p;
	const double *x;
	const double *y;
	const double *offset;
	const double *prior; /* prior weights, > 0; NULL: all 1 */
};

struct glm_fit {
	size_t n, p;
	double beta[GLM_MAX_COLS];
	double r[GLM_MAX_COLS * GLM_MAX_COLS]; /* upper-triangular R of sqrt(W) X, row-major */
	double *mu;			       /* n fitted means */
	double *wwork;			       /* n working weights prior * mu (last solve) */
	int iterations;
};

/* Fits in into ret (ret->mu and ret->wwork allocated here: glm_fit_free). Returns 0,
 * -EINVAL for a bad shape, -ENOMEM, -EDOM when the columns are linearly dependent, or
 * -ERANGE when IRLS does not converge in 25 iterations (R's converged = FALSE). */
int glm_fit_quasipoisson(const struct glm_input *in, struct glm_fit *ret);

void glm_fit_free(struct glm_fit *fit);

/* summary.glm's dispersion: sum(weights * ((y - mu) / mu)^2) / (n - p), with weights
 * either the fit's working weights (weights NULL) or the ones given -- the Farrington
 * code overwrites the model's weights with the prior weights before calling summary.
 * NAN when n = p. */
double glm_dispersion(const struct glm_input *in, const struct glm_fit *fit, const double *weights);

/* The leverages diag(H) of the weighted fit (R: hatvalues), written to h[n]. */
void glm_hatvalues(const struct glm_input *in, const struct glm_fit *fit, double *h);

/* (X'WX)^-1 [j][j], the unscaled variance of beta_j (R: summary's cov.unscaled). */
double glm_cov_unscaled(const struct glm_fit *fit, size_t j);

#endif
