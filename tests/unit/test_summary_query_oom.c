/* Tests for daemon/core/summary_query.c when an issue cannot be recorded
 * (out of memory): the query must fail with -ENOMEM, never pass as valid.
 * issues_add() is wrapped (-Wl,--wrap=issues_add, see the Makefile) to fail
 * as it does when its arena is exhausted. */
#include "helpers.h"

#include "isoweek.h"
#include "summary_query.h"

int __wrap_issues_add(struct issues *list, const char *field, const char *fmt, ...);
int __wrap_issues_add(struct issues *list, const char *field, const char *fmt, ...)
{
	(void)list;
	(void)field;
	(void)fmt;
	return -ENOMEM;
}

static int parse_one(const char *key, const char *value)
{
	static const char *types[] = {"papule", NULL};
	static const char *groups[] = {"inflammatory", NULL};
	struct summary_types t = {.type = types, .group = groups, .n = 1};
	struct summary_param p = {.key = key, .value = value};
	struct summary_query q;
	struct issues errors = {0};
	long today;
	assert_int_equal(isoweek_parse_date("2026-11-27", &today), 0);
	int rc = summary_query_parse(&q, &p, 1, today, &t, &errors);
	assert_int_equal(errors.n, 0); /* nothing could be recorded */
	return rc;
}

static void test_unrecorded_bad_breakdown_fails_with_enomem(void **state)
{
	(void)state;
	assert_int_equal(parse_one("by", "nonsense"), -ENOMEM);
}

static void test_unrecorded_bad_week_fails_with_enomem(void **state)
{
	(void)state;
	assert_int_equal(parse_one("from", "2026-W99"), -ENOMEM);
}

static void test_unrecorded_unknown_parameter_fails_with_enomem(void **state)
{
	(void)state;
	assert_int_equal(parse_one("colour", "red"), -ENOMEM);
}

static void test_unrecorded_bad_filter_fails_with_enomem(void **state)
{
	(void)state;
	assert_int_equal(parse_one("setting", "moon"), -ENOMEM);
}

static void test_a_valid_query_needs_no_issue(void **state)
{
	(void)state;
	assert_int_equal(parse_one("by", "week"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_unrecorded_bad_breakdown_fails_with_enomem),
	    cmocka_unit_test(test_unrecorded_bad_week_fails_with_enomem),
	    cmocka_unit_test(test_unrecorded_unknown_parameter_fails_with_enomem),
	    cmocka_unit_test(test_unrecorded_bad_filter_fails_with_enomem),
	    cmocka_unit_test(test_a_valid_query_needs_no_issue),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
