/* Unit tests for daemon/core/stats.c against values computed independently (SciPy, statsmodels). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "stats.h"

/*
 * Every literal below was printed by tests/unit/stats_reference.py (SciPy 1.10, statsmodels
 * 0.13, Debian 12); run `python3 tests/unit/stats_reference.py` to recompute them. The command
 * above each table is the one the script ran for that table. the project asks for agreement to
 * at least 6 significant figures.
 */
#define REL_TOL 5e-7

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define assert_close(got, want) check_close((got), (want), #got, __FILE__, __LINE__)

struct beta_case {
	double a, b, x, want;
};

struct proportion_case {
	uint64_t x, n;
	double point, low, high;
};

struct ratio_case {
	uint64_t a, n1, b, n2;
	double ratio, low, high;
	bool haldane;
};

struct mh_case {
	double ratio, low, high;
};

/* A zero reference must come out exactly zero: the interval ends at 0 by definition. */
static void check_close(double got, double want, const char *what, const char *file, int line)
{
	double rel = want == 0.0 ? fabs(got) : fabs(got - want) / fabs(want);

	if (want == 0.0 ? got == 0.0 : rel < REL_TOL)
		return;
	print_error("%s = %.17g, want %.17g (relative error %.3g)\n", what, got, want, rel);
	_fail(file, line);
}

/* scipy.special.betainc(a, b, x) */
static const struct beta_case beta_inc_ref[] = {
    {2, 3, 0.40000000000000002, 0.52479999999999993},
    {0.5, 0.5, 0.29999999999999999, 0.36901011956554541},
    {1000, 2000, 0.34000000000000002, 0.78121509116141097},
    {5, 1000000, 3.9999999999999998e-06, 0.37116619109699656},
    {100.5, 0.69999999999999996, 0.999, 0.78861943134887991},
    {30, 30, 0.5, 0.49999999999999978},
};

/* scipy.special.betaincinv(a, b, p), with p in the x column */
static const struct beta_case beta_inc_inv_ref[] = {
    {2, 3, 0.29999999999999999, 0.27238394207510536},
    {0.5, 0.5, 0.90000000000000002, 0.97552825814757682},
    {1000, 2000, 0.5, 0.33329629172478764},
    {1, 1000000, 0.025000000000000001, 2.5317807663789863e-08},
    {4, 999997, 0.97499999999999998, 8.7672477869782384e-06},
    {0.69999999999999996, 100.5, 9.9999999999999995e-07, 2.3313745878591224e-11},
};

/* [1000 * v for v in proportion_confint(x, n, alpha=0.05, method='wilson')], point 1000 * x/n */
static const struct proportion_case wilson_ref[] = {
    {6, 500, 12, 5.5109951740276983, 25.930361116447294},
    {5, 1000, 5, 2.1375355273244603, 11.650955373375117},
    {0, 10, 0, 0, 277.53279986288925},
    {10, 10, 1000, 722.46720013711058, 1000},
    {1, 1, 1000, 206.54931437723738, 1000},
    {37, 1000, 37, 26.961180875554735, 50.582397482069311},
    {12345, 1000000, 12.345000000000001, 12.130446166424585, 12.563300432385422},
    {5, 1000000, 0.0050000000000000001, 0.0021357029684685577, 0.011705702681035747},
    {999999, 1000000, 999.99900000000002, 999.99433508819573, 999.99982347542323},
};

/* 1000 * beta.ppf(0.025, x, n - x + 1), 1000 * beta.ppf(0.975, x + 1, n - x)
 * (scipy.stats; 0 when x = 0 and 1000 when x = n) */
static const struct proportion_case exact_ref[] = {
    {0, 1, 0, 0, 975},
    {1, 1, 1000, 25, 1000},
    {0, 10, 0, 0, 308.49710781876075},
    {10, 10, 1000, 691.50289218123919, 1000},
    {1, 10, 100, 2.5285785444617845, 445.01611702819537},
    {4, 1000, 4, 1.0909079877259718, 10.209664683929871},
    {2, 7, 285.71428571428572, 36.692566176085549, 709.57913626265724},
    {0, 1000000, 0, 0, 0.0036888726502064886},
    {3, 1000000, 0.0030000000000000001, 0.00061867255019064002, 0.0087672477880676777},
    {4, 1000000, 0.0040000000000000001, 0.001089866414522835, 0.010241556713549699},
    {500000, 1000000, 500, 499.01951919531183, 500.98048080468817},
};

/* t = Table2x2([[a, n1 - a], [b, n2 - b]] (+ 0.5 in every cell if a or b is 0),
 *              shift_zeros=False); t.riskratio, t.riskratio_confint(alpha=0.05)
 * (statsmodels.stats.contingency_tables) */
static const struct ratio_case ratio_ref[] = {
    {6, 500, 2, 1000, 6, 1.2153842972026438, 29.620260919001847, false},
    {6, 500, 1, 500, 6, 0.72497991572234777, 49.65654802192789, false},
    {0, 400, 3, 600, 0.21410758817242606, 0.011089379278143493, 4.1338706309166611, true},
    {5, 100, 0, 200, 21.89108910891089, 1.2225116201729158, 391.99609596062129, true},
    {10, 10, 3, 30, 10, 3.4180445097262666, 29.256494383102236, false},
    {1200, 1000000, 800, 1000000, 1.4999999999999998, 1.3716965781480592, 1.6403044491353516,
     false},
    {1, 1, 1, 1, 1, 1, 1, false},
};

/*
 * StratifiedTable(tables).riskratio_pooled (statsmodels) for RR_MH; the interval is
 * exp(log(rr) -/+ norm.ppf(0.975) * sqrt(var)), with the Greenland–Robins var summed in
 * Python's exact Fraction as sum(m1*n1*n2 - a*b*N) / N^2 / (R*S) (see stats_reference.py).
 */
static const struct stats_stratum mh_three[] = {
    {3, 200, 1, 300},
    {8, 400, 4, 500},
    {2, 100, 0, 150},
};
static const struct mh_case mh_three_ref = {3.4183673469387759, 1.2368777216470552,
					    9.4473650176647315};

/* The same three plus a stratum without reference procedures and an empty one. */
static const struct stats_stratum mh_skipped[] = {
    {3, 200, 1, 300}, {8, 400, 4, 500}, {2, 100, 0, 150}, {5, 60, 0, 0}, {0, 0, 0, 0},
};

static const struct stats_stratum mh_sparse[] = {
    {1, 10, 0, 12},
    {0, 8, 1, 9},
    {2, 15, 1, 20},
    {1, 5, 2, 7},
};
static const struct mh_case mh_sparse_ref = {1.3112001175865364, 0.35658054262307431,
					     4.8214794214845487};

/* A mobile week against clinics by Fitzpatrick type I..VI: type V has 3 cases at premises
 * that reported no type V procedures, so 5 strata are used (issue 14, item 2). */
static const struct stats_stratum mh_cases_without_procedures[] = {
    {1, 40, 2, 90}, {0, 55, 3, 160}, {2, 38, 1, 120}, {1, 20, 2, 75}, {3, 0, 0, 30}, {0, 12, 1, 25},
};

static const struct mh_case mh_cases_without_procedures_ref = {
    1.2668368104297063, 0.40304302213892629, 3.9818962644303553};

static void test_beta_inc_matches_scipy(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(beta_inc_ref); i++) {
		const struct beta_case *c = &beta_inc_ref[i];
		double got = -1.0;

		assert_int_equal(stats_beta_inc(c->a, c->b, c->x, &got), 0);
		assert_close(got, c->want);
	}
}

static void test_beta_inc_inv_matches_scipy(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(beta_inc_inv_ref); i++) {
		const struct beta_case *c = &beta_inc_inv_ref[i];
		double got = -1.0;

		assert_int_equal(stats_beta_inc_inv(c->a, c->b, c->x, &got), 0);
		assert_close(got, c->want);
	}
}

/* Self-consistency, tighter than the reference tolerance: the inverse undoes I_x. The roots
 * stay away from 1, where the spacing of doubles alone moves I_x(10⁶, 2.5) by ~1e-10. */
static void test_beta_inc_inv_inverts_beta_inc(void **state)
{
	static const double params[][2] = {{1, 1}, {0.5, 3}, {3, 998}, {2.5, 1e6}, {40, 40}};
	static const double ps[] = {1e-9, 0.025, 0.5, 0.975, 1 - 1e-9};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(params); i++) {
		for (size_t j = 0; j < ARRAY_SIZE(ps); j++) {
			double x, p;

			assert_int_equal(stats_beta_inc_inv(params[i][0], params[i][1], ps[j], &x),
					 0);
			assert_int_equal(stats_beta_inc(params[i][0], params[i][1], x, &p), 0);
			assert_true(fabs(p - ps[j]) <= 1e-12 * ps[j]);
		}
	}
}

static void test_beta_inc_rejects_outside_domain(void **state)
{
	double v = 42.0;

	(void)state;
	assert_int_equal(stats_beta_inc(0, 1, 0.5, &v), -EDOM);
	assert_int_equal(stats_beta_inc(1, -1, 0.5, &v), -EDOM);
	assert_int_equal(stats_beta_inc(1, 1, 1.5, &v), -EDOM);
	assert_int_equal(stats_beta_inc(NAN, 1, 0.5, &v), -EDOM);
	assert_int_equal(stats_beta_inc(INFINITY, 1, 0.5, &v), -EDOM);
	assert_int_equal(stats_beta_inc_inv(1, 1, -0.1, &v), -EDOM);
	assert_int_equal(stats_beta_inc_inv(1, 0, 0.5, &v), -EDOM);
	assert_true(v == 42.0);
	assert_int_equal(stats_beta_inc(2, 5, 0, &v), 0);
	assert_true(v == 0.0);
	assert_int_equal(stats_beta_inc(2, 5, 1, &v), 0);
	assert_true(v == 1.0);
}

static void check_interval(const struct stats_interval *got, const struct proportion_case *want)
{
	assert_close(got->point, want->point);
	assert_close(got->low, want->low);
	assert_close(got->high, want->high);
}

static void test_wilson_matches_statsmodels(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(wilson_ref); i++) {
		struct stats_interval ci;

		assert_int_equal(stats_wilson(wilson_ref[i].x, wilson_ref[i].n, &ci), 0);
		check_interval(&ci, &wilson_ref[i]);
	}
}

static void test_wilson_without_procedures_is_undefined(void **state)
{
	struct stats_interval ci;

	(void)state;
	assert_int_equal(stats_wilson(0, 0, &ci), -EDOM);
	assert_int_equal(stats_wilson(6, 5, &ci), -EINVAL);
}

static void test_clopper_pearson_matches_scipy(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(exact_ref); i++) {
		struct stats_interval ci;

		assert_int_equal(stats_clopper_pearson(exact_ref[i].x, exact_ref[i].n, &ci), 0);
		check_interval(&ci, &exact_ref[i]);
	}
}

/* x = 0 and x = n pin one end exactly, at every size. */
static void test_clopper_pearson_ends_are_exact(void **state)
{
	static const uint64_t sizes[] = {1, 2, 17, 1000, 1000000};
	struct stats_interval ci;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		assert_int_equal(stats_clopper_pearson(0, sizes[i], &ci), 0);
		assert_true(ci.low == 0.0 && ci.point == 0.0 && ci.high > 0.0);
		assert_int_equal(stats_clopper_pearson(sizes[i], sizes[i], &ci), 0);
		assert_true(ci.high == 1000.0 && ci.point == 1000.0 && ci.low < 1000.0);
	}
}

static void test_clopper_pearson_without_procedures_is_undefined(void **state)
{
	struct stats_interval ci;

	(void)state;
	assert_int_equal(stats_clopper_pearson(0, 0, &ci), -EDOM);
	assert_int_equal(stats_clopper_pearson(2, 1, &ci), -EINVAL);
}

static void check_rate(const struct stats_rate *got, const struct proportion_case *want,
		       const char *method)
{
	assert_string_equal(got->method, method);
	assert_close(got->rate_per_1000, want->point);
	assert_close(got->ci95_low, want->low);
	assert_close(got->ci95_high, want->high);
}

/* The exact reference rows for 4/1000 and 5/1000 are exact_ref[5] and wilson_ref[1]. */
static void test_rate_is_exact_below_five_events(void **state)
{
	struct stats_rate r;

	(void)state;
	assert_int_equal(stats_rate(4, 1000, &r), 0);
	check_rate(&r, &exact_ref[5], "exact");
	assert_int_equal(stats_rate(0, 1, &r), 0);
	check_rate(&r, &exact_ref[0], "exact");
	assert_int_equal(stats_rate(1, 1, &r), 0);
	check_rate(&r, &exact_ref[1], "exact");
	assert_int_equal(stats_rate(4, 1000000, &r), 0);
	check_rate(&r, &exact_ref[9], "exact");
}

static void test_rate_is_wilson_from_five_events(void **state)
{
	struct stats_rate r;

	(void)state;
	assert_int_equal(stats_rate(5, 1000, &r), 0);
	check_rate(&r, &wilson_ref[1], "wilson");
	assert_int_equal(stats_rate(5, 1000000, &r), 0);
	check_rate(&r, &wilson_ref[7], "wilson");
	assert_int_equal(stats_rate(12345, 1000000, &r), 0);
	check_rate(&r, &wilson_ref[6], "wilson");
}

/* The worked example's salon row (docs/rates.md): 6 events in 500 procedures, 12.0 (5.511–25.93), "wilson". */
static void test_rate_reproduces_design_example(void **state)
{
	struct stats_rate r;

	(void)state;
	assert_int_equal(stats_rate(6, 500, &r), 0);
	assert_string_equal(r.method, "wilson");
	assert_true(fabs(r.rate_per_1000 - 12.0) < 1e-12);
	assert_true(fabs(r.ci95_low - 5.511) < 0.0005);
	assert_true(fabs(r.ci95_high - 25.93) < 0.005);
}

static void test_rate_without_procedures_is_undefined(void **state)
{
	struct stats_rate r = {.method = NULL};

	(void)state;
	assert_int_equal(stats_rate(0, 0, &r), -EDOM);
	assert_int_equal(stats_rate(7, 0, &r), -EDOM);
	assert_null(r.method);
}

static void test_rate_ratio_matches_statsmodels(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(ratio_ref); i++) {
		const struct ratio_case *c = &ratio_ref[i];
		struct stats_ratio rr;

		assert_int_equal(stats_rate_ratio(c->a, c->n1, c->b, c->n2, &rr), 0);
		assert_close(rr.ratio, c->ratio);
		assert_close(rr.ci95_low, c->low);
		assert_close(rr.ci95_high, c->high);
		assert_int_equal(rr.haldane, c->haldane);
	}
}

/* The worked example's rate_ratio (docs/rates.md) 6.0 (1.215–29.62) is salon 6/500 against a medical_clinic rate of
 * 2 per 1,000 (2/1000); 6/500 against 1/500 would give 0.725–49.66. */
static void test_rate_ratio_reproduces_design_example(void **state)
{
	struct stats_ratio rr;

	(void)state;
	assert_int_equal(stats_rate_ratio(6, 500, 2, 1000, &rr), 0);
	assert_true(fabs(rr.ratio - 6.0) < 1e-12);
	assert_true(fabs(rr.ci95_low - 1.215) < 0.0005);
	assert_true(fabs(rr.ci95_high - 29.62) < 0.005);
	assert_false(rr.haldane);
}

/* Only a zero event count is corrected: all-events rows (a = n1) have a finite SE. */
static void test_rate_ratio_haldane_only_for_zero_events(void **state)
{
	struct stats_ratio rr;

	(void)state;
	assert_int_equal(stats_rate_ratio(0, 400, 3, 600, &rr), 0);
	assert_true(rr.haldane);
	assert_int_equal(stats_rate_ratio(5, 100, 0, 200, &rr), 0);
	assert_true(rr.haldane);
	assert_int_equal(stats_rate_ratio(10, 10, 3, 30, &rr), 0);
	assert_false(rr.haldane);
}

static void test_rate_ratio_undefined_is_edom(void **state)
{
	struct stats_ratio rr = {.ratio = 42.0};

	(void)state;
	assert_int_equal(stats_rate_ratio(0, 100, 0, 100, &rr), -EDOM);
	assert_int_equal(stats_rate_ratio(0, 0, 1, 100, &rr), -EDOM);
	assert_int_equal(stats_rate_ratio(1, 100, 0, 0, &rr), -EDOM);
	assert_int_equal(stats_rate_ratio(101, 100, 1, 100, &rr), -EINVAL);
	assert_int_equal(stats_rate_ratio(1, 100, 101, 100, &rr), -EINVAL);
	assert_true(rr.ratio == 42.0);
}

static void check_mh(const struct stats_ratio *got, const struct mh_case *want)
{
	assert_close(got->ratio, want->ratio);
	assert_close(got->ci95_low, want->low);
	assert_close(got->ci95_high, want->high);
	assert_false(got->haldane);
}

static void test_mantel_haenszel_three_strata(void **state)
{
	struct stats_ratio rr;

	(void)state;
	assert_int_equal(stats_mantel_haenszel(mh_three, ARRAY_SIZE(mh_three), &rr), 0);
	check_mh(&rr, &mh_three_ref);
}

static void test_mantel_haenszel_skips_strata_without_procedures(void **state)
{
	struct stats_ratio rr;

	(void)state;
	assert_int_equal(stats_mantel_haenszel(mh_skipped, ARRAY_SIZE(mh_skipped), &rr), 0);
	check_mh(&rr, &mh_three_ref);
}

static void test_mantel_haenszel_sparse_strata(void **state)
{
	struct stats_ratio rr;

	(void)state;
	assert_int_equal(stats_mantel_haenszel(mh_sparse, ARRAY_SIZE(mh_sparse), &rr), 0);
	check_mh(&rr, &mh_sparse_ref);
}

/* Regression: a stratum with cases but no procedures used to make the whole estimate -EINVAL
 * before the strata with an empty arm were skipped. */
static void test_mantel_haenszel_cases_without_procedures_skip_their_stratum(void **state)
{
	struct stats_ratio rr;

	(void)state;
	assert_int_equal(stats_mantel_haenszel(mh_cases_without_procedures,
					       ARRAY_SIZE(mh_cases_without_procedures), &rr),
			 0);
	check_mh(&rr, &mh_cases_without_procedures_ref);
	assert_int_equal(stats_mantel_haenszel_strata(mh_cases_without_procedures,
						      ARRAY_SIZE(mh_cases_without_procedures)),
			 5);
}

/* More events than procedures in an arm that has procedures is no 2×2 table either: skipped,
 * the other three strata give mh_three's estimate. */
static void test_mantel_haenszel_skips_strata_with_more_events_than_procedures(void **state)
{
	static const struct stats_stratum s[] = {
	    {3, 200, 1, 300}, {9, 8, 1, 80}, {8, 400, 4, 500}, {1, 50, 7, 6}, {2, 100, 0, 150},
	};
	struct stats_ratio rr;

	(void)state;
	assert_int_equal(stats_mantel_haenszel(s, ARRAY_SIZE(s), &rr), 0);
	check_mh(&rr, &mh_three_ref);
	assert_int_equal(stats_mantel_haenszel_strata(s, ARRAY_SIZE(s)), 3);
	assert_int_equal(stats_mantel_haenszel_strata(mh_skipped, ARRAY_SIZE(mh_skipped)), 3);
	assert_int_equal(stats_mantel_haenszel_strata(NULL, 0), 0);
}

/* With one stratum the Greenland–Robins variance is the Katz variance of stats_rate_ratio(). */
static void test_mantel_haenszel_one_stratum_is_rate_ratio(void **state)
{
	static const struct stats_stratum one = {6, 500, 2, 1000};
	const struct mh_case want = {ratio_ref[0].ratio, ratio_ref[0].low, ratio_ref[0].high};
	struct stats_ratio rr;

	(void)state;
	assert_int_equal(stats_mantel_haenszel(&one, 1, &rr), 0);
	check_mh(&rr, &want);
}

static void test_mantel_haenszel_undefined_is_edom(void **state)
{
	static const struct stats_stratum no_a[] = {{0, 100, 3, 100}, {0, 50, 1, 80}};
	static const struct stats_stratum no_b[] = {{2, 100, 0, 100}, {1, 50, 0, 80}};
	static const struct stats_stratum empty_arms[] = {{2, 100, 0, 0}, {0, 0, 1, 80}};
	static const struct stats_stratum impossible[] = {{9, 8, 1, 80}, {3, 0, 1, 100}};
	struct stats_ratio rr = {.ratio = 42.0};

	(void)state;
	assert_int_equal(stats_mantel_haenszel(NULL, 0, &rr), -EDOM);
	assert_int_equal(stats_mantel_haenszel(no_a, ARRAY_SIZE(no_a), &rr), -EDOM);
	assert_int_equal(stats_mantel_haenszel(no_b, ARRAY_SIZE(no_b), &rr), -EDOM);
	assert_int_equal(stats_mantel_haenszel(empty_arms, ARRAY_SIZE(empty_arms), &rr), -EDOM);
	assert_int_equal(stats_mantel_haenszel(impossible, ARRAY_SIZE(impossible), &rr), -EDOM);
	assert_true(rr.ratio == 42.0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_beta_inc_matches_scipy),
	    cmocka_unit_test(test_beta_inc_inv_matches_scipy),
	    cmocka_unit_test(test_beta_inc_inv_inverts_beta_inc),
	    cmocka_unit_test(test_beta_inc_rejects_outside_domain),
	    cmocka_unit_test(test_wilson_matches_statsmodels),
	    cmocka_unit_test(test_wilson_without_procedures_is_undefined),
	    cmocka_unit_test(test_clopper_pearson_matches_scipy),
	    cmocka_unit_test(test_clopper_pearson_ends_are_exact),
	    cmocka_unit_test(test_clopper_pearson_without_procedures_is_undefined),
	    cmocka_unit_test(test_rate_is_exact_below_five_events),
	    cmocka_unit_test(test_rate_is_wilson_from_five_events),
	    cmocka_unit_test(test_rate_reproduces_design_example),
	    cmocka_unit_test(test_rate_without_procedures_is_undefined),
	    cmocka_unit_test(test_rate_ratio_matches_statsmodels),
	    cmocka_unit_test(test_rate_ratio_reproduces_design_example),
	    cmocka_unit_test(test_rate_ratio_haldane_only_for_zero_events),
	    cmocka_unit_test(test_rate_ratio_undefined_is_edom),
	    cmocka_unit_test(test_mantel_haenszel_three_strata),
	    cmocka_unit_test(test_mantel_haenszel_skips_strata_without_procedures),
	    cmocka_unit_test(test_mantel_haenszel_sparse_strata),
	    cmocka_unit_test(test_mantel_haenszel_cases_without_procedures_skip_their_stratum),
	    cmocka_unit_test(test_mantel_haenszel_skips_strata_with_more_events_than_procedures),
	    cmocka_unit_test(test_mantel_haenszel_one_stratum_is_rate_ratio),
	    cmocka_unit_test(test_mantel_haenszel_undefined_is_edom),
	};

	return cmocka_run_group_tests_name("stats", tests, NULL, NULL);
}
