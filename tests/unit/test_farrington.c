/* Unit tests for daemon/core/farrington.c (and the GLM of glm.c under it) against
 * surveillance::farringtonFlexible run in R on a seeded series with planted outbreaks. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "alert_rules.h"
#include "farrington.h"

#include <cjson/cJSON.h>

/* The tolerance for Farrington: 1e-3 relative, alarms exactly. */
#define REL_TOL 1e-3
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct ref_farrington {
	int t, b;
	double expected, phi, upper;
	int trend, alarm;
};

/* The literals: printed by `Rscript tests/unit/farrington_reference.R`; R is not needed. */
#include "farrington_reference.h"

static const struct farrington_params params = {
    .min_history_weeks = 78,
    .max_years = 5,
    .half_window = 3,
    .periods = 10,
    .past_weeks_excluded = 26,
    .weights_threshold = 2.58,
    .trend_min_years = 3,
    .trend_p = 1.0,
    .alpha = 0.01,
    .min_cases = 5,
    .min_cases_weeks = 4,
};

static uint64_t cases[FARRINGTON_REF_WEEKS], procs[FARRINGTON_REF_WEEKS];

static int setup(void **state)
{
	(void)state;
	for (int w = 0; w < FARRINGTON_REF_WEEKS; w++) {
		cases[w] = ref_cases[w];
		procs[w] = ref_procs[w];
	}
	return 0;
}

static double rel(double got, double want)
{
	return want == 0.0 ? fabs(got) : fabs(got - want) / fabs(want);
}

static void test_every_week_matches_farringtonFlexible(void **state)
{
	(void)state;
	double worst_mu = 0.0, worst_phi = 0.0;
	for (size_t i = 0; i < ARRAY_SIZE(ref_farrington); i++) {
		const struct ref_farrington *r = &ref_farrington[i];
		struct farrington_result got;
		assert_int_equal(farrington_evaluate(cases, procs, r->t, r->b, &params, &got), 0);
		worst_mu = fmax(worst_mu, rel(got.expected, r->expected));
		worst_phi = fmax(worst_phi, rel(got.phi, r->phi));
		if (rel(got.expected, r->expected) >= REL_TOL || rel(got.phi, r->phi) >= REL_TOL ||
		    got.upper != r->upper || got.trend != (r->trend != 0) ||
		    got.alarm != (r->alarm != 0))
			fail_msg(
			    "week %d: expected %.10g/%.10g phi %.10g/%.10g U %g/%g trend %d/%d "
			    "alarm %d/%d",
			    r->t, got.expected, r->expected, got.phi, r->phi, got.upper, r->upper,
			    got.trend, r->trend, got.alarm, r->alarm);
	}
	print_message("farrington: worst relative error expected %.3g, phi %.3g over %zu weeks\n",
		      worst_mu, worst_phi, ARRAY_SIZE(ref_farrington));
}

static void test_run_takes_years_from_history(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(ref_farrington); i++) {
		const struct ref_farrington *r = &ref_farrington[i];
		struct farrington_result got;
		assert_int_equal(farrington_run(cases, procs, r->t, &params, &got), 0);
		assert_int_equal(got.years, r->b);
		assert_int_equal(got.alarm, r->alarm != 0);
	}
}

static void test_planted_outbreaks_alarm_in_their_first_week(void **state)
{
	(void)state;
	/* The first week of the outbreaks planted at weeks 149, 230 and 321; the one at 299
	 * raised the count by 10 and alarms as well. */
	const int weeks[] = {149, 230, 299, 321};
	for (size_t i = 0; i < ARRAY_SIZE(weeks); i++) {
		struct farrington_result got;
		assert_int_equal(farrington_run(cases, procs, weeks[i], &params, &got), 0);
		assert_true(got.alarm);
		assert_true(got.observed > got.upper);
		assert_true(got.p_value < params.alpha);
	}
}

static void test_too_little_history_does_not_run(void **state)
{
	(void)state;
	struct farrington_result got;
	/* Week index 76 is the 77th week with activity: one short. */
	assert_int_equal(farrington_run(cases, procs, 76, &params, &got), -EDOM);
	assert_int_equal(farrington_run(cases, procs, 77, &params, &got), 0);
	assert_int_equal(got.years, 1);
}

static void test_history_counts_from_the_first_week_with_activity(void **state)
{
	(void)state;
	struct farrington_result got;
	/* Ten silent weeks in front: week 87 is then only the 78th with activity. */
	uint64_t c[FARRINGTON_REF_WEEKS + 10] = {0}, n[FARRINGTON_REF_WEEKS + 10] = {0};
	memcpy(c + 10, cases, sizeof(cases));
	memcpy(n + 10, procs, sizeof(procs));
	assert_int_equal(farrington_run(c, n, 86, &params, &got), -EDOM);
	assert_int_equal(farrington_run(c, n, 10 + 149, &params, &got), 0);
	assert_true(got.alarm);
	assert_int_equal(got.years, 2);
}

static void test_week_without_procedures_is_not_evaluated(void **state)
{
	(void)state;
	struct farrington_result got;
	uint64_t saved = procs[200];
	procs[200] = 0;
	assert_int_equal(farrington_run(cases, procs, 200, &params, &got), -EDOM);
	procs[200] = saved;
}

static void test_weeks_without_procedures_leave_the_fit(void **state)
{
	(void)state;
	struct farrington_result all, gap;
	assert_int_equal(farrington_evaluate(cases, procs, 300, 5, &params, &all), 0);
	/* Week 300 - 52 is a reference week of the fit. */
	uint64_t saved = procs[248];
	procs[248] = 0;
	assert_int_equal(farrington_evaluate(cases, procs, 300, 5, &params, &gap), 0);
	procs[248] = saved;
	assert_int_equal(gap.fit_rows, all.fit_rows - 1);
	assert_true(isfinite(gap.expected) && gap.expected != all.expected);
}

static void test_alarm_needs_enough_recent_cases(void **state)
{
	(void)state;
	struct farrington_params p = params;
	struct farrington_result got;
	assert_int_equal(farrington_run(cases, procs, 149, &p, &got), 0);
	assert_true(got.alarm);
	p.min_cases = (int)got.recent + 1;
	assert_int_equal(farrington_run(cases, procs, 149, &p, &got), 0);
	assert_false(got.alarm);
	assert_true(got.observed > got.upper);
}

static void test_unusable_parameters_are_refused(void **state)
{
	(void)state;
	struct farrington_params p = params;
	struct farrington_result got;
	p.periods = 50; /* more blocks than weeks between two reference windows */
	assert_int_equal(farrington_evaluate(cases, procs, 300, 5, &p, &got), -EINVAL);
	assert_int_equal(farrington_evaluate(cases, procs, 200, 5, &params, &got), -EINVAL);
}

/* Rule 5 as alert_rules_evaluate runs it: one premises carrying the reference series. */
static const struct alert_signal *rule5_at(int t, int min_history, struct alert_signals *out)
{
	static uint32_t p32[FARRINGTON_REF_WEEKS], c32[2 * FARRINGTON_REF_WEEKS];
	static const char *const settings[] = {"salon"}, *const groups[] = {"any", "infection"};
	static const int64_t id = 7;
	static const int setting = 0;
	for (int w = 0; w < FARRINGTON_REF_WEEKS; w++) {
		p32[w] = ref_procs[w];
		c32[w] = c32[FARRINGTON_REF_WEEKS + w] = ref_cases[w];
	}
	struct alert_data d = {.week0 = 20454,
			       .nweeks = FARRINGTON_REF_WEEKS,
			       .npremises = 1,
			       .nsettings = 1,
			       .ngroups = 2,
			       .premises_id = &id,
			       .premises_setting = &setting,
			       .settings = settings,
			       .groups = groups,
			       .procedures = p32,
			       .cases = c32};
	struct alert_params pa = {.cluster_window_weeks = 4,
				  .cluster_baseline_weeks = 52,
				  .cluster_min_baseline_weeks = 8,
				  .cluster_min_cases = 1000,
				  .exceedance_baseline_weeks = 52,
				  .exceedance_min_baseline_weeks = 4,
				  .exceedance_min_cases = 1000,
				  .exceedance_alpha = 0.005,
				  .cusum_kappa = log(2.0),
				  .cusum_h = 1e9,
				  .cusum_min_baseline_weeks = 8,
				  .funnel_weeks = 13,
				  .funnel_min_cases = 1000,
				  .farrington = params};
	pa.farrington.min_history_weeks = min_history;
	assert_int_equal(alert_rules_evaluate(&d, &pa, t, out), 0);
	for (size_t i = 0; i < out->n; i++)
		if (out->v[i].rule == 5)
			return &out->v[i];
	return NULL;
}

static void test_rule5_is_an_amber_alert_per_setting_and_group(void **state)
{
	(void)state;
	struct alert_signals out = {0};
	const struct alert_signal *a = rule5_at(149, 78, &out);
	assert_non_null(a);
	assert_string_equal(a->kind, "exceedance"); /* schema 012's kinds; rule 5 tells */
	assert_string_equal(a->key, "5|farrington|s=salon|g=infection");
	assert_string_equal(a->group, "infection"); /* never the 'any' group twice */
	assert_int_equal(a->level, ALERT_AMBER);
	assert_int_equal(a->observed, ref_cases[149]);
	assert_int_equal(a->procedures, ref_procs[149]);
	assert_true(a->score > a->threshold);
	const cJSON *u = cJSON_GetObjectItem(a->evidence, "upper_bound");
	assert_non_null(u);
	assert_true(u->valuedouble == a->threshold);
	assert_true(fabs(a->expected - ref_farrington[149 - 77].expected) <
		    1e-3 * ref_farrington[149 - 77].expected);
	alert_signals_free(&out);
	assert_null(rule5_at(148, 78, &out));
	alert_signals_free(&out);
}

static void test_rule5_is_off_when_min_history_is_zero(void **state)
{
	(void)state;
	struct alert_signals out = {0};
	assert_null(rule5_at(149, 0, &out));
	alert_signals_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_every_week_matches_farringtonFlexible, setup),
	    cmocka_unit_test_setup(test_run_takes_years_from_history, setup),
	    cmocka_unit_test_setup(test_planted_outbreaks_alarm_in_their_first_week, setup),
	    cmocka_unit_test_setup(test_too_little_history_does_not_run, setup),
	    cmocka_unit_test_setup(test_history_counts_from_the_first_week_with_activity, setup),
	    cmocka_unit_test_setup(test_week_without_procedures_is_not_evaluated, setup),
	    cmocka_unit_test_setup(test_weeks_without_procedures_leave_the_fit, setup),
	    cmocka_unit_test_setup(test_alarm_needs_enough_recent_cases, setup),
	    cmocka_unit_test_setup(test_unusable_parameters_are_refused, setup),
	    cmocka_unit_test(test_rule5_is_an_amber_alert_per_setting_and_group),
	    cmocka_unit_test(test_rule5_is_off_when_min_history_is_zero),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
