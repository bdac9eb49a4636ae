/* Tests for daemon/core/codes.c: the closed lists, their labels and the
 * helpers every user of a list goes through. The lists themselves are
 * compared with the schema by tests/integration/test_code_lists.sh. */
#include "helpers.h"

#include "codes.h"

static void test_lists_are_in_table_order_and_terminated(void **state)
{
	(void)state;
	assert_string_equal(codes_settings[0], CODES_REFERENCE_SETTING);
	assert_null(codes_settings[CODES_N_SETTINGS]);
	assert_string_equal(codes_groups[CODES_N_GROUPS - 1], "other");
	assert_null(codes_groups[CODES_N_GROUPS]);
	assert_int_equal(codes_rank(codes_reporter_roles, "treating_clinician"), 1);
	/* neither aggregate nor expected reactions are complication groups */
	assert_int_equal(codes_rank(codes_groups, CODES_GROUP_ANY), -1);
	assert_int_equal(codes_rank(codes_groups, CODES_GROUP_EXPECTED), -1);
}

static void test_rank_is_exact(void **state)
{
	(void)state;
	assert_int_equal(codes_rank(codes_settings, "salon"), 1);
	assert_int_equal(codes_rank(codes_settings, "Salon"), -1);
	assert_int_equal(codes_rank(codes_settings, "salo"), -1);
	assert_int_equal(codes_rank(codes_settings, NULL), -1);
}

static void test_every_setting_and_group_has_a_label(void **state)
{
	(void)state;
	for (size_t i = 0; codes_settings[i]; i++)
		assert_non_null(codes_label(codes_settings[i]));
	for (size_t i = 0; codes_groups[i]; i++)
		assert_non_null(codes_label(codes_groups[i]));
	assert_string_equal(codes_label("salon"), "Beauty salon");
	assert_string_equal(codes_label(CODES_GROUP_ANY), "Any complication");
	assert_null(codes_label("practitioner"));
	assert_null(codes_label(NULL));
}

static void test_join_never_overruns(void **state)
{
	char buf[64], small[12];

	(void)state;
	assert_string_equal(codes_join(codes_reporter_roles, buf, sizeof(buf)),
			    "practitioner, treating_clinician, patient, other");
	memset(small, 'x', sizeof(small));
	assert_string_equal(codes_join(codes_reporter_roles, small, sizeof(small)), "practitione");
	assert_null(codes_join(codes_settings, NULL, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lists_are_in_table_order_and_terminated),
	    cmocka_unit_test(test_rank_is_exact),
	    cmocka_unit_test(test_every_setting_and_group_has_a_label),
	    cmocka_unit_test(test_join_never_overruns),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
