/* Unit tests for daemon/core/alert_rules.c: hand-made series with planted signals. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alert_rules.h"
#include "signal_stats.h"

#define WEEKS 30
#define PREMISES 20
#define GROUPS 2 /* any, infection */

static const char *const settings[] = {"salon", "medical_clinic"};
static const char *const groups[] = {"any", "infection"};

/* 20 salons, 100 procedures a week each, and one infection every week at a
 * rotating salon other than salon 0: 1 in 2,000 procedures... plus a second
 * every other week, ~3 per 2,000 over two weeks: about 0.75 per 1,000. */
struct world {
	int64_t ids[PREMISES];
	int setting[PREMISES];
	uint32_t procs[PREMISES * WEEKS];
	uint32_t cases[PREMISES * GROUPS * WEEKS];
	uint32_t sentinel[PREMISES * WEEKS];
	struct alert_data d;
	struct alert_params pa;
};

static void add_case(struct world *w, int p, int week, int n)
{
	for (int g = 0; g < GROUPS; g++)
		w->cases[(p * GROUPS + g) * WEEKS + week] += (uint32_t)n;
}

static struct world *world_new(void)
{
	struct world *w = calloc(1, sizeof(*w));
	assert_non_null(w);
	for (int p = 0; p < PREMISES; p++) {
		w->ids[p] = 100 + p;
		for (int t = 0; t < WEEKS; t++)
			w->procs[p * WEEKS + t] = 100;
	}
	for (int t = 0; t < WEEKS; t++) {
		add_case(w, 1 + t % (PREMISES - 1), t, 1);
		if (t % 2)
			add_case(w, 1 + (t + 7) % (PREMISES - 1), t, 1);
	}
	w->d = (struct alert_data){
	    .week0 = 20454, /* 2026-01-05, a Monday */
	    .nweeks = WEEKS,
	    .npremises = PREMISES,
	    .nsettings = 2,
	    .ngroups = GROUPS,
	    .premises_id = w->ids,
	    .premises_setting = w->setting,
	    .settings = settings,
	    .groups = groups,
	    .procedures = w->procs,
	    .cases = w->cases,
	    .sentinel = w->sentinel,
	};
	w->pa = (struct alert_params){.sentinel_window_weeks = 12,
				      .sentinel_cluster_cases = 2,
				      .cluster_window_weeks = 4,
				      .cluster_baseline_weeks = 52,
				      .cluster_min_baseline_weeks = 8,
				      .cluster_min_cases = 3,
				      .cluster_red_alpha = 0.05,
				      .cluster_amber_alpha = 0.01,
				      .exceedance_baseline_weeks = 52,
				      .exceedance_min_baseline_weeks = 4,
				      .exceedance_min_cases = 3,
				      .exceedance_alpha = 0.005,
				      .cusum_kappa = log(2.0),
				      .cusum_h = 4,
				      .cusum_min_baseline_weeks = 8,
				      .funnel_weeks = 13,
				      .funnel_min_cases = 3,
				      .disproportion_weeks = 52,
				      .evans_prr = 2,
				      .evans_chi2 = 4,
				      .evans_min_reports = 3};
	return w;
}

static const struct alert_signal *find(const struct alert_signals *s, const char *kind,
				       const char *group)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i].kind, kind) &&
		    (!group || (s->v[i].group && !strcmp(s->v[i].group, group))))
			return &s->v[i];
	return NULL;
}

static size_t count(const struct alert_signals *s, const char *kind)
{
	size_t n = 0;
	for (size_t i = 0; i < s->n; i++)
		n += !strcmp(s->v[i].kind, kind);
	return n;
}

static void test_background_raises_nothing(void **state)
{
	(void)state;
	struct world *w = world_new();
	struct alert_signals s = {0};
	for (int t = 0; t < WEEKS; t++)
		assert_int_equal(alert_rules_evaluate(&w->d, &w->pa, t, &s), 0);
	assert_int_equal(s.n, 0);
	alert_signals_free(&s);
	free(w);
}

static void test_planted_cluster_is_red_with_binomial_p(void **state)
{
	(void)state;
	struct world *w = world_new();
	struct alert_signals s = {0};
	/* Salon 0: 90 procedures in the 4 weeks ending week 20, 3 infections. */
	for (int t = 17; t <= 20; t++)
		w->procs[0 * WEEKS + t] = t == 20 ? 0 : 30;
	add_case(w, 0, 18, 2);
	add_case(w, 0, 19, 1);
	assert_int_equal(alert_rules_evaluate(&w->d, &w->pa, 20, &s), 0);
	const struct alert_signal *a = find(&s, "cluster", "infection");
	assert_non_null(a);
	assert_int_equal(a->premises_id, 100);
	assert_int_equal(a->level, ALERT_RED);
	assert_int_equal(a->observed, 3);
	assert_int_equal(a->procedures, 90);
	assert_int_equal(count(&s, "cluster"), 1); /* infection only: never again as 'any' */
	/* lambda: the other 19 salons over weeks 0..16 (up to 52 before the window 17..20). */
	uint64_t X = 0, N = 0;
	for (int t = 0; t <= 16; t++) {
		N += 19 * 100;
		X += 1 + (t % 2);
	}
	double want;
	assert_int_equal(signal_binom_upper(3, 90, (double)X / (double)N, &want), 0);
	assert_true(fabs(a->p_value - want) < 1e-12 * want);
	assert_true(a->threshold == 0.05 / 20);
	alert_signals_free(&s);
	free(w);
}

static void test_short_baseline_tests_nothing(void **state)
{
	(void)state;
	struct world *w = world_new();
	struct alert_signals s = {0};
	add_case(w, 0, 5, 3); /* window weeks 3..6: only 3 baseline weeks before it */
	assert_int_equal(alert_rules_evaluate(&w->d, &w->pa, 6, &s), 0);
	assert_null(find(&s, "cluster", NULL));
	alert_signals_free(&s);
	free(w);
}

static void test_cases_without_activity_are_amber_cluster_without_denominator(void **state)
{
	(void)state;
	struct world *w = world_new();
	struct alert_signals s = {0};
	for (int t = 17; t <= 20; t++)
		w->procs[0 * WEEKS + t] = 0;
	add_case(w, 0, 18, 3);
	assert_int_equal(alert_rules_evaluate(&w->d, &w->pa, 20, &s), 0);
	const struct alert_signal *a = find(&s, "cluster_without_denominator", "infection");
	assert_non_null(a);
	assert_int_equal(a->level, ALERT_AMBER);
	assert_int_equal(a->observed, 3);
	assert_null(find(&s, "cluster", NULL));
	alert_signals_free(&s);
	free(w);
}

static void test_second_sentinel_within_twelve_weeks_is_red(void **state)
{
	(void)state;
	struct world *w = world_new();
	struct alert_signals s = {0};
	w->sentinel[3 * WEEKS + 10] = 1;
	w->sentinel[3 * WEEKS + 21] = 1; /* 11 weeks later: within the 12-week window */
	assert_int_equal(alert_rules_evaluate(&w->d, &w->pa, 10, &s), 0);
	assert_int_equal(count(&s, "sentinel"), 1);
	assert_int_equal(count(&s, "sentinel_cluster"), 0);
	alert_signals_free(&s);
	assert_int_equal(alert_rules_evaluate(&w->d, &w->pa, 21, &s), 0);
	const struct alert_signal *a = find(&s, "sentinel_cluster", NULL);
	assert_non_null(a);
	assert_int_equal(a->level, ALERT_RED);
	assert_int_equal(a->premises_id, 103);
	assert_int_equal(a->observed, 2);
	alert_signals_free(&s);
	/* week 22: the window 11..22 no longer holds week 10 */
	assert_int_equal(alert_rules_evaluate(&w->d, &w->pa, 22, &s), 0);
	assert_int_equal(count(&s, "sentinel_cluster"), 0);
	alert_signals_free(&s);
	free(w);
}

static void test_setting_wide_outbreak_raises_exceedance(void **state)
{
	(void)state;
	struct world *w = world_new();
	struct alert_signals s = {0};
	for (int p = 1; p <= 10; p++)
		add_case(w, p, 25, 1); /* 10 more infections across the setting in week 25 */
	assert_int_equal(alert_rules_evaluate(&w->d, &w->pa, 25, &s), 0);
	const struct alert_signal *a = find(&s, "exceedance", "infection");
	assert_non_null(a);
	assert_string_equal(a->setting, "salon");
	assert_int_equal(a->observed, 12);
	assert_true(a->p_value < 0.005);
	/* no single salon has 3 cases: no cluster */
	assert_null(find(&s, "cluster", NULL));
	alert_signals_free(&s);
	free(w);
}

static void test_funnel_outlier_is_amber_above_the_998_limit(void **state)
{
	(void)state;
	struct world *w = world_new();
	struct alert_signals s = {0};
	/* Salon 0: 6 infections spread over weeks 10..22 (1,300 procedures, too few in any
	 * 4 weeks for a cluster), against a pooled rate near 0.8 per 1,000. */
	for (int t = 10; t <= 22; t += 3)
		add_case(w, 0, t, t == 10 ? 2 : 1);
	assert_int_equal(alert_rules_evaluate(&w->d, &w->pa, 22, &s), 0);
	const struct alert_signal *a = find(&s, "funnel_outlier", "infection");
	assert_non_null(a);
	assert_int_equal(a->premises_id, 100);
	assert_int_equal(a->level, ALERT_AMBER);
	assert_int_equal(a->observed, 6);
	assert_int_equal(a->procedures, 1300);
	assert_true(a->score > a->threshold);
	double exact;
	assert_int_equal(signal_funnel_limit(1300, a->expected / 1300, 0.999, &exact), 0);
	assert_true(a->threshold == exact || a->threshold > exact); /* adjusted only widens */
	assert_null(find(&s, "cluster", NULL));
	alert_signals_free(&s);
	free(w);
}

/* Rule 7 over one week: exposures home:roller and home:pen, types granuloma and
 * infection; index 2 (nexposures) is every other report, type 2 (ntypes) every report. */
static void test_home_device_disproportion_is_an_evans_signal(void **state)
{
	(void)state;
	struct world *w = world_new();
	struct alert_signals s = {0};
	static const char *const exposures[] = {"home:roller", "home:pen"};
	static const char *const types[] = {"granuloma", "infection_bacterial"};
	uint32_t *dp = calloc(3 * 3 * WEEKS, sizeof(uint32_t));
	assert_non_null(dp);
#define DP(e, ty) dp[((e)*3 + (ty)) * WEEKS + 29]
	DP(0, 0) = 6, DP(0, 1) = 2, DP(0, 2) = 8;     /* roller: 6 granulomas in 8 reports */
	DP(1, 0) = 1, DP(1, 1) = 9, DP(1, 2) = 10;    /* pen: 1 in 10 */
	DP(2, 0) = 4, DP(2, 1) = 400, DP(2, 2) = 404; /* the rest: 4 in 404 */
#undef DP
	w->d.nexposures = 2;
	w->d.ntypes = 2;
	w->d.exposures = exposures;
	w->d.types = types;
	w->d.disprop = dp;
	assert_int_equal(alert_rules_evaluate(&w->d, &w->pa, 29, &s), 0);
	assert_int_equal(count(&s, "disproportionality"), 1);
	const struct alert_signal *a = find(&s, "disproportionality", NULL);
	assert_string_equal(a->exposure, "home:roller");
	assert_string_equal(a->type, "granuloma");
	assert_int_equal(a->observed, 6);
	/* a=6 b=2 c=5 d=409: PRR = (6/8) / (5/414) */
	assert_true(fabs(a->score - (6.0 / 8.0) / (5.0 / 414.0)) < 1e-9);
	assert_int_equal(a->level, ALERT_AMBER);
	alert_signals_free(&s);
	free(dp);
	free(w);
}

/* Rule 4 across a year boundary: the CUSUM of 2026 against the rate of 2025. */
#define YEAR_WEEKS 70

static void test_cusum_alarms_on_a_doubling_against_last_years_rate(void **state)
{
	(void)state;
	static uint32_t procs[PREMISES * YEAR_WEEKS], cases[PREMISES * GROUPS * YEAR_WEEKS];
	static uint32_t sentinel[PREMISES * YEAR_WEEKS];
	struct world *w = world_new();
	for (int p = 0; p < PREMISES; p++)
		for (int t = 0; t < YEAR_WEEKS; t++)
			procs[p * YEAR_WEEKS + t] = 100;
	for (int t = 0; t < YEAR_WEEKS; t++) {
		/* 1.5 a week in 2,000 procedures; from index 60 (2026-W10) 3 more a week */
		int n = (t % 2 ? 2 : 1) + (t >= 60 ? 3 : 0);
		for (int k = 0; k < n; k++)
			for (int g = 0; g < GROUPS; g++)
				cases[((1 + (t * 3 + k) % (PREMISES - 1)) * GROUPS + g) *
					  YEAR_WEEKS +
				      t]++;
	}
	w->d.week0 = 20094; /* 2025-01-06, 2025-W02: index 51 is 2026-W01 */
	w->d.nweeks = YEAR_WEEKS;
	w->d.procedures = procs;
	w->d.cases = cases;
	w->d.sentinel = sentinel;
	int first_alarm = -1;
	for (int t = 51; t < YEAR_WEEKS; t++) {
		struct alert_signals s = {0};
		assert_int_equal(alert_rules_evaluate(&w->d, &w->pa, t, &s), 0);
		const struct alert_signal *a = find(&s, "cusum", "infection");
		if (a && first_alarm < 0) {
			first_alarm = t;
			assert_true(a->score > 4.0);
			assert_int_equal(a->level, ALERT_AMBER);
			/* lambda0: 2025's 76 cases (51 weeks of 1, 2, 1 ...) in 102,000 */
			assert_true(fabs(a->expected - 2000.0 * 76.0 / 102000.0) < 1e-9);
		}
		alert_signals_free(&s);
	}
	assert_true(first_alarm >= 60 && first_alarm <= 63);
	free(w);
}

/* ---- pure noise: false alarms against the nominal rates ----------------------- */

#define NOISE_PREMISES 1000
#define NOISE_WEEKS 60
#define NOISE_FIRST 8 /* weeks 8..59: every rule has its minimum baseline */

/* A fixed-seed 64-bit LCG (Knuth's MMIX constants): the same noise on every run. */
static double uniform(uint64_t *st)
{
	*st = *st * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double)(*st >> 11) / 9007199254740992.0;
}

/* Poisson by inversion: fine for the small means here. */
static uint32_t poisson(uint64_t *st, double mu)
{
	double u = uniform(st), p = exp(-mu), f = p;
	uint32_t k = 0;
	while (u > f && k < 1000) {
		k++;
		p *= mu / k;
		f += p;
	}
	return k;
}

/*
 * 1,000 salons, 60 procedures a week each, infections at 3 per 1,000 everywhere: no
 * signal is real. Over 52 evaluated weeks the nominal rates bound the false alarms:
 * red clusters at most 0.05 per week (Bonferroni over the premises) = 2.6; exceedance
 * 0.005 per week = 0.26; amber clusters at most 0.01 per premises-week = 520 (the
 * x >= 3 floor and the discreteness of small counts keep the real figure below); funnel
 * outliers: the interpolated 99.8% limit falls between two counts, so a premises is above
 * it when x >= r_p, which for 780 procedures at 3 per 1,000 (r_p = 8, limit 7.86 / 780)
 * has P(X >= 8) = 0.0028 per premises-week (R: pbinom(7, 780, 0.003, lower.tail =
 * FALSE)): at most 147.
 * The counts are printed so the documentation can quote them.
 */
static void test_pure_noise_stays_within_nominal_false_alarm_rates(void **state)
{
	(void)state;
	static int64_t ids[NOISE_PREMISES];
	static int setting[NOISE_PREMISES];
	static uint32_t procs[NOISE_PREMISES * NOISE_WEEKS];
	static uint32_t cases[NOISE_PREMISES * GROUPS * NOISE_WEEKS];
	static uint32_t sentinel[NOISE_PREMISES * NOISE_WEEKS];
	uint64_t st = 20261207;
	for (int p = 0; p < NOISE_PREMISES; p++) {
		ids[p] = p + 1;
		for (int t = 0; t < NOISE_WEEKS; t++) {
			uint32_t x = poisson(&st, 0.003 * 60);
			procs[p * NOISE_WEEKS + t] = 60;
			cases[(p * GROUPS + 0) * NOISE_WEEKS + t] = x;
			cases[(p * GROUPS + 1) * NOISE_WEEKS + t] = x;
		}
	}
	struct world *w = world_new();
	w->d.nweeks = NOISE_WEEKS;
	w->d.npremises = NOISE_PREMISES;
	w->d.premises_id = ids;
	w->d.premises_setting = setting;
	w->d.procedures = procs;
	w->d.cases = cases;
	w->d.sentinel = sentinel;
	size_t red = 0, amber = 0, exceed = 0, cusum = 0, funnel = 0;
	for (int t = NOISE_FIRST; t < NOISE_WEEKS; t++) {
		struct alert_signals s = {0};
		assert_int_equal(alert_rules_evaluate(&w->d, &w->pa, t, &s), 0);
		for (size_t i = 0; i < s.n; i++) {
			const struct alert_signal *a = &s.v[i];
			if (!strcmp(a->kind, "cluster"))
				*(a->level == ALERT_RED ? &red : &amber) += 1;
			exceed += !strcmp(a->kind, "exceedance");
			cusum += !strcmp(a->kind, "cusum");
			funnel += !strcmp(a->kind, "funnel_outlier");
		}
		alert_signals_free(&s);
	}
	print_message("noise, 1000 premises x 52 weeks: red clusters %zu (nominal <= 2.6), amber "
		      "clusters %zu (<= 520), exceedance %zu (<= 0.26), cusum %zu, funnel outliers "
		      "%zu\n",
		      red, amber, exceed, cusum, funnel);
	assert_true(red <= 3);
	assert_true(exceed <= 1);
	assert_true(amber <= 520);
	assert_true(funnel <= 147);
	free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_background_raises_nothing),
	    cmocka_unit_test(test_planted_cluster_is_red_with_binomial_p),
	    cmocka_unit_test(test_short_baseline_tests_nothing),
	    cmocka_unit_test(test_cases_without_activity_are_amber_cluster_without_denominator),
	    cmocka_unit_test(test_second_sentinel_within_twelve_weeks_is_red),
	    cmocka_unit_test(test_setting_wide_outbreak_raises_exceedance),
	    cmocka_unit_test(test_funnel_outlier_is_amber_above_the_998_limit),
	    cmocka_unit_test(test_home_device_disproportion_is_an_evans_signal),
	    cmocka_unit_test(test_cusum_alarms_on_a_doubling_against_last_years_rate),
	    cmocka_unit_test(test_pure_noise_stays_within_nominal_false_alarm_rates),
	};
	return cmocka_run_group_tests_name("alert_rules", tests, NULL, NULL);
}
