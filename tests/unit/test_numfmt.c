/* Unit tests for daemon/core/numfmt.c: the one rounding of published numbers. */
#include "helpers.h"

#include "numfmt.h"

static void test_rounds_to_ten_significant_figures(void **state)
{
	char buf[40];
	(void)state;
	assert_int_equal(NUMFMT_SIGNIFICANT_FIGURES, 10);
	numfmt_format(4.754435140024256, buf, sizeof(buf));
	assert_string_equal(buf, "4.75443514");
	numfmt_format(1234.5678901234, buf, sizeof(buf));
	assert_string_equal(buf, "1234.56789");
	assert_true(numfmt_round(2.0 / 3.0) == 0.6666666667);
}

static void test_binary_tails_do_not_show(void **state)
{
	char buf[40];
	(void)state;
	assert_true(numfmt_text("0.30000000000000004", buf, sizeof(buf)));
	assert_string_equal(buf, "0.3");
	assert_true(numfmt_text("8.125", buf, sizeof(buf)));
	assert_string_equal(buf, "8.125");
	assert_true(numfmt_text("1e-05", buf, sizeof(buf)));
	assert_string_equal(buf, "1e-05");
}

static void test_text_that_is_not_a_finite_number_is_refused(void **state)
{
	char buf[8] = "keep";
	(void)state;
	assert_false(numfmt_text("NaN", buf, sizeof(buf)));
	assert_false(numfmt_text("Infinity", buf, sizeof(buf)));
	assert_false(numfmt_text("suppressed", buf, sizeof(buf)));
	assert_false(numfmt_text("", buf, sizeof(buf)));
	assert_false(numfmt_text(NULL, buf, sizeof(buf)));
	assert_string_equal(buf, "keep");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rounds_to_ten_significant_figures),
	    cmocka_unit_test(test_binary_tails_do_not_show),
	    cmocka_unit_test(test_text_that_is_not_a_finite_number_is_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
