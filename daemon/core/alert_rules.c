/* Alert rules 1-7 over weekly counts in memory (alert_rules.h).
 *
 * Design: every rule reads the same dense arrays (premises x group x week), and
 * the setting-level sums they share (cases and procedures of the weeks a
 * premises reported activity) are built once per evaluated week into a small
 * `struct totals`. A rule appends signals; it never decides episodes, which
 * are the store's business (alerts.c), so replaying a week always gives the
 * same signals. Cases count towards a rate only in weeks their premises
 * reported activity: without a denominator a case is not evidence of a rate
 * (rule 2 reports such premises separately). */
#include "alert_rules.h"
#include "farrington.h"
#include "isoweek.h"
#include "signal_stats.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct totals {
	uint64_t *cases; /* [s][g][w]: cases in weeks with activity */
	uint64_t *procs; /* [s][w] */
};

static uint32_t procs_at(const struct alert_data *d, size_t p, int w)
{
	return d->procedures[p * (size_t)d->nweeks + (size_t)w];
}

static uint32_t cases_at(const struct alert_data *d, size_t p, size_t g, int w)
{
	return d->cases[(p * d->ngroups + g) * (size_t)d->nweeks + (size_t)w];
}

static uint64_t *tcases(const struct alert_data *d, const struct totals *t, size_t s, size_t g)
{
	return t->cases + (s * d->ngroups + g) * (size_t)d->nweeks;
}

static uint64_t *tprocs(const struct alert_data *d, const struct totals *t, size_t s)
{
	return t->procs + s * (size_t)d->nweeks;
}

static int totals_build(const struct alert_data *d, struct totals *t)
{
	t->cases = calloc(d->nsettings * d->ngroups * (size_t)d->nweeks + 1, sizeof(uint64_t));
	t->procs = calloc(d->nsettings * (size_t)d->nweeks + 1, sizeof(uint64_t));
	if (!t->cases || !t->procs)
		return -ENOMEM;
	for (size_t p = 0; p < d->npremises; p++) {
		size_t s = (size_t)d->premises_setting[p];
		for (int w = 0; w < d->nweeks; w++) {
			uint32_t n = procs_at(d, p, w);
			if (!n)
				continue;
			tprocs(d, t, s)[w] += n;
			for (size_t g = 0; g < d->ngroups; g++)
				tcases(d, t, s, g)[w] += cases_at(d, p, g, w);
		}
	}
	return 0;
}

static void totals_free(struct totals *t)
{
	free(t->cases);
	free(t->procs);
}

static void week_text(const struct alert_data *d, int w, char out[ISOWEEK_DATE_LEN])
{
	isoweek_format_date(d->week0 + 7L * w, out);
}

/* A new signal at the end of out, zeroed but for its NAN fields; NULL on ENOMEM. */
static struct alert_signal *signal_add(struct alert_signals *out, int rule, const char *kind)
{
	if (out->n == out->cap) {
		size_t cap = out->cap ? out->cap * 2 : 16;
		struct alert_signal *v = realloc(out->v, cap * sizeof(*v));
		if (!v)
			return NULL;
		out->v = v;
		out->cap = cap;
	}
	cJSON *ev = cJSON_CreateObject();
	if (!ev)
		return NULL;
	struct alert_signal *a = &out->v[out->n++];
	memset(a, 0, sizeof(*a));
	a->rule = rule;
	a->kind = kind;
	a->expected = NAN;
	a->p_value = NAN;
	a->score = NAN;
	a->evidence = ev;
	return a;
}

/* The evidence series: one {week, cases, procedures} per week from..to. */
static int evidence_series(cJSON *ev, const struct alert_data *d, int from, int to,
			   const uint64_t *cases, const uint64_t *procs)
{
	cJSON *arr = cJSON_AddArrayToObject(ev, "series");
	if (!arr)
		return -ENOMEM;
	for (int w = from < 0 ? 0 : from; w <= to; w++) {
		char day[ISOWEEK_DATE_LEN];
		cJSON *o = cJSON_CreateObject();
		week_text(d, w, day);
		if (!o || !cJSON_AddItemToArray(arr, o) ||
		    !cJSON_AddStringToObject(o, "week", day) ||
		    !cJSON_AddNumberToObject(o, "cases", (double)cases[w]) ||
		    !cJSON_AddNumberToObject(o, "procedures", (double)(procs ? procs[w] : 0)))
			return -ENOMEM;
	}
	return 0;
}

/* Rule 1: each week with a sentinel case at a premises, and a red cluster while the
 * premises has >= sentinel_cluster_cases of them within sentinel_window_weeks. */
static int rule_sentinel_premises(const struct alert_data *d, const struct alert_params *pa, int t,
				  size_t p, struct alert_signals *out)
{
	const uint32_t *m = d->sentinel + p * (size_t)d->nweeks;
	uint64_t win = 0;
	char day[ISOWEEK_DATE_LEN];
	week_text(d, t, day);
	for (int w = t - pa->sentinel_window_weeks + 1; w <= t; w++)
		win += w >= 0 ? m[w] : 0;
	if (m[t]) {
		struct alert_signal *a = signal_add(out, 1, "sentinel");
		if (!a)
			return -ENOMEM;
		snprintf(a->key, sizeof(a->key), "1|sentinel|p=%lld|w=%s",
			 (long long)d->premises_id[p], day);
		a->premises_id = d->premises_id[p];
		a->setting = d->settings[d->premises_setting[p]];
		a->observed = m[t];
		a->threshold = 1;
		a->level = ALERT_AMBER;
	}
	if (win < (uint64_t)pa->sentinel_cluster_cases)
		return 0;
	struct alert_signal *a = signal_add(out, 1, "sentinel_cluster");
	if (!a)
		return -ENOMEM;
	snprintf(a->key, sizeof(a->key), "1|sentinel_cluster|p=%lld", (long long)d->premises_id[p]);
	a->premises_id = d->premises_id[p];
	a->setting = d->settings[d->premises_setting[p]];
	a->observed = win;
	a->threshold = pa->sentinel_cluster_cases;
	a->level = ALERT_RED;
	return cJSON_AddNumberToObject(a->evidence, "window_weeks", pa->sentinel_window_weeks)
		   ? 0
		   : -ENOMEM;
}

static int rule_sentinel_unregistered(const struct alert_data *d, int t, size_t s,
				      struct alert_signals *out)
{
	uint32_t m = d->unreg_sentinel[s * (size_t)d->nweeks + (size_t)t];
	char day[ISOWEEK_DATE_LEN];
	if (!m)
		return 0;
	week_text(d, t, day);
	struct alert_signal *a = signal_add(out, 1, "sentinel");
	if (!a)
		return -ENOMEM;
	snprintf(a->key, sizeof(a->key), "1|sentinel|s=%s|w=%s", d->settings[s], day);
	a->setting = d->settings[s];
	a->observed = m;
	a->threshold = 1;
	a->level = ALERT_AMBER;
	return 0;
}

/* What rule 2 needs about one premises and group, summed over the window and the
 * baseline of the other premises of its setting. */
struct cluster_sums {
	uint64_t x, n, x_all, X, N;
	int baseline_weeks;
};

static void cluster_sum(const struct alert_data *d, const struct alert_params *pa,
			const struct totals *tot, int t, size_t p, size_t g, struct cluster_sums *c)
{
	size_t s = (size_t)d->premises_setting[p];
	int w0 = t - pa->cluster_window_weeks + 1;
	memset(c, 0, sizeof(*c));
	for (int w = w0 < 0 ? 0 : w0; w <= t; w++) {
		uint32_t n = procs_at(d, p, w), x = cases_at(d, p, g, w);
		c->x_all += x;
		if (n) {
			c->x += x;
			c->n += n;
		}
	}
	for (int w = w0 - pa->cluster_baseline_weeks; w < w0; w++) {
		if (w < 0)
			continue;
		uint32_t own = procs_at(d, p, w);
		uint64_t N = tprocs(d, tot, s)[w] - own;
		if (!N)
			continue;
		c->baseline_weeks++;
		c->N += N;
		c->X += tcases(d, tot, s, g)[w] - (own ? cases_at(d, p, g, w) : 0);
	}
}

/* Premises of setting s with activity in the window ending t: the P of 0.05 / P. */
static int cluster_premises_tested(const struct alert_data *d, const struct alert_params *pa, int t,
				   size_t s)
{
	int count = 0;
	for (size_t p = 0; p < d->npremises; p++) {
		if ((size_t)d->premises_setting[p] != s)
			continue;
		for (int w = t - pa->cluster_window_weeks + 1; w <= t; w++)
			if (w >= 0 && procs_at(d, p, w)) {
				count++;
				break;
			}
	}
	return count;
}

static int cluster_evidence(const struct alert_data *d, const struct alert_params *pa, int t,
			    size_t p, size_t g, const struct cluster_sums *c, double lambda,
			    int tested, struct alert_signal *a)
{
	int from = t - pa->cluster_window_weeks + 1;
	uint64_t *x = calloc((size_t)d->nweeks, sizeof(uint64_t));
	uint64_t *n = calloc((size_t)d->nweeks, sizeof(uint64_t));
	int rc = -ENOMEM;
	if (!x || !n)
		goto out;
	for (int w = from < 0 ? 0 : from; w <= t; w++) {
		x[w] = cases_at(d, p, g, w);
		n[w] = procs_at(d, p, w);
	}
	if (evidence_series(a->evidence, d, from, t, x, n) ||
	    !cJSON_AddNumberToObject(a->evidence, "reference_rate", lambda) ||
	    !cJSON_AddNumberToObject(a->evidence, "reference_cases", (double)c->X) ||
	    !cJSON_AddNumberToObject(a->evidence, "reference_procedures", (double)c->N) ||
	    !cJSON_AddNumberToObject(a->evidence, "baseline_weeks", c->baseline_weeks) ||
	    !cJSON_AddNumberToObject(a->evidence, "premises_tested", tested) ||
	    !cJSON_AddNumberToObject(a->evidence, "red_threshold",
				     pa->cluster_red_alpha / (tested ? tested : 1)) ||
	    !cJSON_AddNumberToObject(a->evidence, "amber_threshold", pa->cluster_amber_alpha))
		goto out;
	rc = 0;
out:
	free(x);
	free(n);
	return rc;
}

/* Rule 2 for one premises and group. */
static int rule_cluster(const struct alert_data *d, const struct alert_params *pa,
			const struct totals *tot, int t, size_t p, size_t g, int tested,
			struct alert_signals *out)
{
	struct cluster_sums c;
	cluster_sum(d, pa, tot, t, p, g, &c);
	uint64_t min = (uint64_t)pa->cluster_min_cases;
	if (c.n == 0) {
		if (c.x_all < min)
			return 0;
		struct alert_signal *a = signal_add(out, 2, "cluster_without_denominator");
		if (!a)
			return -ENOMEM;
		snprintf(a->key, sizeof(a->key), "2|cluster_without_denominator|p=%lld|g=%s",
			 (long long)d->premises_id[p], d->groups[g]);
		a->premises_id = d->premises_id[p];
		a->setting = d->settings[d->premises_setting[p]];
		a->group = d->groups[g];
		a->observed = c.x_all;
		a->threshold = (double)min;
		a->level = ALERT_AMBER;
		return 0;
	}
	if (c.x < min || c.baseline_weeks < pa->cluster_min_baseline_weeks || c.N == 0)
		return 0;
	double lambda = (double)c.X / (double)c.N, pv;
	if (signal_binom_upper(c.x, c.n, lambda, &pv))
		return 0;
	double red = pa->cluster_red_alpha / (tested ? tested : 1);
	if (pv >= red && pv >= pa->cluster_amber_alpha)
		return 0;
	struct alert_signal *a = signal_add(out, 2, "cluster");
	if (!a)
		return -ENOMEM;
	snprintf(a->key, sizeof(a->key), "2|cluster|p=%lld|g=%s", (long long)d->premises_id[p],
		 d->groups[g]);
	a->premises_id = d->premises_id[p];
	a->setting = d->settings[d->premises_setting[p]];
	a->group = d->groups[g];
	a->observed = c.x;
	a->procedures = c.n;
	a->expected = lambda * (double)c.n;
	a->p_value = pv;
	a->level = pv < red ? ALERT_RED : ALERT_AMBER;
	a->threshold = pv < red ? red : pa->cluster_amber_alpha;
	return cluster_evidence(d, pa, t, p, g, &c, lambda, tested, a);
}

/* Rule 3 for one setting and group: the week against its own baseline. */
static int rule_exceedance(const struct alert_data *d, const struct alert_params *pa,
			   const struct totals *tot, int t, size_t s, size_t g,
			   struct alert_signals *out)
{
	const uint64_t *x = tcases(d, tot, s, g), *n = tprocs(d, tot, s);
	uint64_t bx[520], bn[520], X = 0, N = 0;
	size_t k = 0;
	if (!n[t] || x[t] < (uint64_t)pa->exceedance_min_cases)
		return 0;
	for (int w = t - 1; w >= 0 && w >= t - pa->exceedance_baseline_weeks && k < 520; w--) {
		if (!n[w])
			continue;
		bx[k] = x[w];
		bn[k++] = n[w];
		X += x[w];
		N += n[w];
	}
	if ((int)k < pa->exceedance_min_baseline_weeks)
		return 0;
	double p_exact, p_nb = 0.0, phi = 1.0, lambda = (double)X / (double)N;
	if (signal_poisson_rates_p(x[t], X, (double)n[t], (double)N, &p_exact))
		return 0;
	if (signal_pearson_phi(bx, bn, k, &phi))
		phi = 1.0;
	if (lambda > 0.0 && signal_nbinom_upper(x[t], lambda * (double)n[t], phi, &p_nb))
		return 0;
	double pv = p_exact > p_nb ? p_exact : p_nb;
	if (pv >= pa->exceedance_alpha)
		return 0;
	struct alert_signal *a = signal_add(out, 3, "exceedance");
	if (!a)
		return -ENOMEM;
	snprintf(a->key, sizeof(a->key), "3|exceedance|s=%s|g=%s", d->settings[s], d->groups[g]);
	a->setting = d->settings[s];
	a->group = d->groups[g];
	a->observed = x[t];
	a->procedures = n[t];
	a->expected = lambda * (double)n[t];
	a->p_value = pv;
	a->threshold = pa->exceedance_alpha;
	a->level = ALERT_RED;
	if (evidence_series(a->evidence, d, t - pa->exceedance_baseline_weeks, t, x, n) ||
	    !cJSON_AddNumberToObject(a->evidence, "p_exact", p_exact) ||
	    !cJSON_AddNumberToObject(a->evidence, "p_negative_binomial", p_nb) ||
	    !cJSON_AddNumberToObject(a->evidence, "phi", phi) ||
	    !cJSON_AddNumberToObject(a->evidence, "baseline_weeks", (double)k) ||
	    !cJSON_AddNumberToObject(a->evidence, "baseline_rate", lambda))
		return -ENOMEM;
	return 0;
}

/* Rule 4: the CUSUM of the ISO year holding week t, from its first week, against the
 * rate of the ISO year before (fixed for the year, so it cannot adapt to the rise). */
static int rule_cusum(const struct alert_data *d, const struct alert_params *pa,
		      const struct totals *tot, int t, size_t s, size_t g,
		      struct alert_signals *out)
{
	const uint64_t *x = tcases(d, tot, s, g), *n = tprocs(d, tot, s);
	struct iso_week yw = isoweek_of_day(d->week0 + 7L * t);
	long start = isoweek_monday((struct iso_week){yw.year, 1});
	long base = isoweek_monday((struct iso_week){yw.year - 1, 1});
	int ws = (int)((start - d->week0) / 7), wb = (int)((base - d->week0) / 7);
	uint64_t X = 0, N = 0;
	int weeks = 0;
	for (int w = wb < 0 ? 0 : wb; w < ws && w < d->nweeks; w++)
		if (n[w]) {
			X += x[w];
			N += n[w];
			weeks++;
		}
	if (weeks < pa->cusum_min_baseline_weeks || X == 0 || ws < 0)
		return 0;
	double lambda0 = (double)X / (double)N, S = 0.0;
	struct signal_cusum c = {0, false};
	for (int w = ws; w <= t; w++) {
		S = c.alarm ? 0.0 : c.s;
		if (signal_cusum_step(S, x[w], lambda0 * (double)n[w], pa->cusum_kappa, pa->cusum_h,
				      &c))
			return 0;
	}
	if (!c.alarm)
		return 0;
	struct alert_signal *a = signal_add(out, 4, "cusum");
	if (!a)
		return -ENOMEM;
	snprintf(a->key, sizeof(a->key), "4|cusum|s=%s|g=%s", d->settings[s], d->groups[g]);
	a->setting = d->settings[s];
	a->group = d->groups[g];
	a->observed = x[t];
	a->procedures = n[t];
	a->expected = lambda0 * (double)n[t];
	a->score = c.s;
	a->threshold = pa->cusum_h;
	a->level = ALERT_AMBER;
	if (evidence_series(a->evidence, d, ws, t, x, n) ||
	    !cJSON_AddNumberToObject(a->evidence, "baseline_rate", lambda0) ||
	    !cJSON_AddNumberToObject(a->evidence, "kappa", pa->cusum_kappa))
		return -ENOMEM;
	return 0;
}

/* Rule 5: the improved Farrington algorithm on the setting's weekly series, procedures
 * as the population offset (farrington.c). Amber: at alpha 0.01 a week, every setting x
 * group series has a false alarm about twice a year, so it asks for a look, not action. */
static int farrington_evidence(const struct alert_data *d, const struct alert_params *pa, int t,
			       const struct farrington_result *f, const uint64_t *x,
			       const uint64_t *n, cJSON *ev)
{
	int from = t - 52 * f->years - pa->farrington.half_window;
	if (evidence_series(ev, d, from, t, x, n) ||
	    !cJSON_AddNumberToObject(ev, "upper_bound", f->upper) ||
	    !cJSON_AddNumberToObject(ev, "expected", f->expected) ||
	    !cJSON_AddNumberToObject(ev, "phi", f->phi) ||
	    !cJSON_AddNumberToObject(ev, "p_value", f->p_value) ||
	    !cJSON_AddNumberToObject(ev, "farrington_score", f->score) ||
	    !cJSON_AddNumberToObject(ev, "years", f->years) ||
	    !cJSON_AddBoolToObject(ev, "trend", f->trend) ||
	    (f->trend && !cJSON_AddNumberToObject(ev, "trend_per_week", f->trend_coef)) ||
	    !cJSON_AddNumberToObject(ev, "fit_weeks", f->fit_rows) ||
	    !cJSON_AddNumberToObject(ev, "recent_cases", (double)f->recent) ||
	    !cJSON_AddNumberToObject(ev, "alpha", pa->farrington.alpha))
		return -ENOMEM;
	return 0;
}

static int rule_farrington(const struct alert_data *d, const struct alert_params *pa,
			   const struct totals *tot, int t, size_t s, size_t g,
			   struct alert_signals *out)
{
	const uint64_t *x = tcases(d, tot, s, g), *n = tprocs(d, tot, s);
	struct farrington_result f;
	if (pa->farrington.min_history_weeks <= 0 || !x[t] ||
	    farrington_run(x, n, t, &pa->farrington, &f) || !f.alarm)
		return 0;
	/* Kind "exceedance" (of the Farrington threshold): schema 012 allows no other kind
	 * name, and rule = 5 with the key "5|farrington|..." tells it from rule 3's. */
	struct alert_signal *a = signal_add(out, 5, "exceedance");
	if (!a)
		return -ENOMEM;
	snprintf(a->key, sizeof(a->key), "5|farrington|s=%s|g=%s", d->settings[s], d->groups[g]);
	a->setting = d->settings[s];
	a->group = d->groups[g];
	a->observed = x[t];
	a->procedures = n[t];
	a->expected = f.expected;
	/* The alarm is y > U: the score is the count, the threshold U (p in the evidence). */
	a->score = (double)x[t];
	a->threshold = f.upper;
	a->level = ALERT_AMBER;
	return farrington_evidence(d, pa, t, &f, x, n, a->evidence);
}

/* Rule 6: each premises' rate over the funnel_weeks ending t against its setting's
 * pooled rate; above the 99.8% limit (over-dispersion-adjusted when phi > 1) with at
 * least funnel_min_cases cases is an outlier. */
struct funnel_unit {
	uint64_t *x, *n;
	size_t *p, k;
};

static int funnel_collect(const struct alert_data *d, const struct alert_params *pa, int t,
			  size_t s, size_t g, struct funnel_unit *u)
{
	u->x = calloc(d->npremises + 1, sizeof(uint64_t));
	u->n = calloc(d->npremises + 1, sizeof(uint64_t));
	u->p = calloc(d->npremises + 1, sizeof(size_t));
	u->k = 0;
	if (!u->x || !u->n || !u->p)
		return -ENOMEM;
	for (size_t p = 0; p < d->npremises; p++) {
		uint64_t x = 0, n = 0;
		if ((size_t)d->premises_setting[p] != s)
			continue;
		for (int w = t - pa->funnel_weeks + 1; w <= t; w++) {
			uint32_t m = w >= 0 ? procs_at(d, p, w) : 0;
			n += m;
			x += m ? cases_at(d, p, g, w) : 0;
		}
		if (!n)
			continue;
		u->x[u->k] = x;
		u->n[u->k] = n;
		u->p[u->k++] = p;
	}
	return 0;
}

static int funnel_signal(const struct alert_data *d, const struct alert_params *pa, size_t p,
			 size_t g, uint64_t x, uint64_t n, double theta, double limit,
			 const struct signal_dispersion *disp, struct alert_signals *out)
{
	struct alert_signal *a = signal_add(out, 6, "funnel_outlier");
	if (!a)
		return -ENOMEM;
	snprintf(a->key, sizeof(a->key), "6|funnel_outlier|p=%lld|g=%s",
		 (long long)d->premises_id[p], d->groups[g]);
	a->premises_id = d->premises_id[p];
	a->setting = d->settings[d->premises_setting[p]];
	a->group = d->groups[g];
	a->observed = x;
	a->procedures = n;
	a->expected = theta * (double)n;
	a->score = (double)x / (double)n;
	a->threshold = limit;
	a->level = ALERT_AMBER;
	if (!cJSON_AddNumberToObject(a->evidence, "pooled_rate", theta) ||
	    !cJSON_AddNumberToObject(a->evidence, "phi", disp->phi) ||
	    !cJSON_AddNumberToObject(a->evidence, "tau2", disp->tau2) ||
	    !cJSON_AddBoolToObject(a->evidence, "adjusted", disp->phi > 1.0) ||
	    !cJSON_AddNumberToObject(a->evidence, "period_weeks", pa->funnel_weeks) ||
	    !cJSON_AddNumberToObject(a->evidence, "premises", (double)disp->units))
		return -ENOMEM;
	return 0;
}

static int rule_funnel(const struct alert_data *d, const struct alert_params *pa, int t, size_t s,
		       size_t g, struct alert_signals *out)
{
	struct funnel_unit u = {0};
	struct signal_dispersion disp = {1.0, 0.0, 0};
	uint64_t X = 0, N = 0;
	int rc = funnel_collect(d, pa, t, s, g, &u);
	for (size_t i = 0; !rc && i < u.k; i++) {
		X += u.x[i];
		N += u.n[i];
	}
	double theta = N ? (double)X / (double)N : 0.0;
	if (rc || u.k < 2 || !(theta > 0.0 && theta < 1.0))
		goto out;
	if (signal_funnel_dispersion(u.x, u.n, u.k, theta, &disp))
		disp = (struct signal_dispersion){1.0, 0.0, u.k};
	for (size_t i = 0; !rc && i < u.k; i++) {
		double limit;
		if (u.x[i] < (uint64_t)pa->funnel_min_cases)
			continue;
		int bad = disp.phi > 1.0 ? signal_funnel_adjusted_limit(u.n[i], theta, disp.tau2,
									0.999, &limit)
					 : signal_funnel_limit(u.n[i], theta, 0.999, &limit);
		if (!bad && (double)u.x[i] / (double)u.n[i] > limit)
			rc = funnel_signal(d, pa, u.p[i], g, u.x[i], u.n[i], theta, limit, &disp,
					   out);
	}
out:
	free(u.x);
	free(u.n);
	free(u.p);
	return rc;
}

/* Rule 7: for each exposure without a denominator and complication type, the 2x2 table
 * of reports over the disproportion_weeks ending t against every other report. */
static uint64_t disprop_sum(const struct alert_data *d, const struct alert_params *pa, int t,
			    size_t e, size_t ty)
{
	const uint32_t *v = d->disprop + (e * (d->ntypes + 1) + ty) * (size_t)d->nweeks;
	uint64_t sum = 0;
	for (int w = t - pa->disproportion_weeks + 1; w <= t; w++)
		sum += w >= 0 ? v[w] : 0;
	return sum;
}

static int disprop_signal(const struct alert_data *d, size_t e, size_t ty,
			  const struct signal_table *tb, const struct signal_disproportion *r,
			  const struct alert_params *pa, struct alert_signals *out)
{
	struct alert_signal *a = signal_add(out, 7, "disproportionality");
	if (!a)
		return -ENOMEM;
	double E = (double)(tb->a + tb->b), T = (double)(tb->a + tb->c);
	double N = (double)(tb->a + tb->b + tb->c + tb->d);
	snprintf(a->key, sizeof(a->key), "7|disproportionality|e=%s|t=%s", d->exposures[e],
		 d->types[ty]);
	a->exposure = d->exposures[e];
	a->type = d->types[ty];
	a->observed = tb->a;
	a->expected = E * T / N;
	a->score = r->prr;
	a->threshold = pa->evans_prr;
	a->level = ALERT_AMBER;
	cJSON *ev = a->evidence;
	if (!cJSON_AddNumberToObject(ev, "a", (double)tb->a) ||
	    !cJSON_AddNumberToObject(ev, "b", (double)tb->b) ||
	    !cJSON_AddNumberToObject(ev, "c", (double)tb->c) ||
	    !cJSON_AddNumberToObject(ev, "d", (double)tb->d) ||
	    !cJSON_AddNumberToObject(ev, "prr", r->prr) ||
	    !cJSON_AddNumberToObject(ev, "prr_ci95_low", r->prr_low) ||
	    !cJSON_AddNumberToObject(ev, "prr_ci95_high", r->prr_high) ||
	    !cJSON_AddNumberToObject(ev, "ror", r->ror) ||
	    !cJSON_AddNumberToObject(ev, "ror_ci95_low", r->ror_low) ||
	    !cJSON_AddNumberToObject(ev, "ror_ci95_high", r->ror_high) ||
	    !cJSON_AddNumberToObject(ev, "chi2_yates", r->chi2_yates) ||
	    !cJSON_AddBoolToObject(ev, "haldane", r->haldane) ||
	    !cJSON_AddNumberToObject(ev, "period_weeks", pa->disproportion_weeks))
		return -ENOMEM;
	return 0;
}

static int rule_disproportion(const struct alert_data *d, const struct alert_params *pa, int t,
			      struct alert_signals *out)
{
	uint64_t N = 0;
	for (size_t e = 0; e <= d->nexposures; e++)
		N += disprop_sum(d, pa, t, e, d->ntypes);
	for (size_t ty = 0; ty < d->ntypes; ty++) {
		uint64_t T = 0;
		for (size_t e = 0; e <= d->nexposures; e++)
			T += disprop_sum(d, pa, t, e, ty);
		for (size_t e = 0; e < d->nexposures; e++) {
			uint64_t a = disprop_sum(d, pa, t, e, ty);
			if (a < (uint64_t)pa->evans_min_reports)
				continue;
			uint64_t E = disprop_sum(d, pa, t, e, d->ntypes);
			struct signal_table tb = {a, E - a, T - a, N - E - (T - a)};
			struct signal_disproportion r;
			if (signal_disproportion(&tb, &r) || r.prr < pa->evans_prr ||
			    r.chi2_yates < pa->evans_chi2)
				continue;
			int rc = disprop_signal(d, e, ty, &tb, &r, pa, out);
			if (rc)
				return rc;
		}
	}
	return 0;
}

static int evaluate_setting(const struct alert_data *d, const struct alert_params *pa,
			    const struct totals *tot, int t, size_t s, struct alert_signals *out)
{
	int tested = cluster_premises_tested(d, pa, t, s), rc = 0;
	if (d->unreg_sentinel && (rc = rule_sentinel_unregistered(d, t, s, out)))
		return rc;
	for (size_t g = 0; g < d->ngroups; g++) {
		/* 'any' would repeat every group's signal under a second name. */
		if (strcmp(d->groups[g], "any") == 0)
			continue;
		if ((rc = rule_exceedance(d, pa, tot, t, s, g, out)) ||
		    (rc = rule_cusum(d, pa, tot, t, s, g, out)) ||
		    (rc = rule_farrington(d, pa, tot, t, s, g, out)) ||
		    (rc = rule_funnel(d, pa, t, s, g, out)))
			return rc;
		for (size_t p = 0; p < d->npremises; p++)
			if ((size_t)d->premises_setting[p] == s &&
			    (rc = rule_cluster(d, pa, tot, t, p, g, tested, out)))
				return rc;
	}
	return 0;
}

int alert_rules_evaluate(const struct alert_data *d, const struct alert_params *pa, int t,
			 struct alert_signals *out)
{
	struct totals tot = {NULL, NULL};
	int rc = 0;
	if (t < 0 || t >= d->nweeks)
		return -EINVAL;
	if ((rc = totals_build(d, &tot)))
		goto out;
	for (size_t p = 0; p < d->npremises && d->sentinel; p++)
		if ((rc = rule_sentinel_premises(d, pa, t, p, out)))
			goto out;
	for (size_t s = 0; s < d->nsettings; s++)
		if ((rc = evaluate_setting(d, pa, &tot, t, s, out)))
			goto out;
	if (d->disprop)
		rc = rule_disproportion(d, pa, t, out);
out:
	totals_free(&tot);
	return rc;
}

void alert_signals_free(struct alert_signals *out)
{
	if (!out)
		return;
	for (size_t i = 0; i < out->n; i++)
		cJSON_Delete(out->v[i].evidence);
	free(out->v);
	out->v = NULL;
	out->n = out->cap = 0;
}
