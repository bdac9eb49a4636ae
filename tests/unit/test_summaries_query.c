/* Tests for daemon/core/summary_query.c: the parameters of GET /v1/summaries.
 * Today is fixed at 2026-11-27 (a Friday of 2026-W48). */
#include "helpers.h"

#include "isoweek.h"
#include "summary_query.h"

#define BIT SUMMARY_DIM_BIT

struct fixture {
	struct arena *a;
	struct issues errors;
	struct summary_query q;
};

TH_ARENA_FIXTURE

/* "key=value&key=value" (no URL decoding: MHD has done it), today 2026-11-27. */
static int parse(struct fixture *f, const char *query)
{
	struct summary_param p[16];
	size_t n = 0;
	long today;
	assert_int_equal(isoweek_parse_date("2026-11-27", &today), 0);
	char *copy = arena_strdup(f->a, query), *save = NULL;
	for (char *kv = strtok_r(copy, "&", &save); kv && n < 16; kv = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(kv, '=');
		if (eq)
			*eq++ = '\0';
		p[n++] = (struct summary_param){.key = kv, .value = eq};
	}
	return summary_query_parse(&f->q, p, n, today, &f->errors);
}

static void test_defaults_are_a_quarter_by_setting_and_complication(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(parse(f, ""), 0);
	assert_string_equal(f->q.to_text, "2026-W48");
	assert_string_equal(f->q.from_text, "2026-W36"); /* 13 weeks, W36..W48 */
	assert_string_equal(f->q.from_date, "2026-08-31");
	assert_string_equal(f->q.to_date, "2026-11-23");
	assert_int_equal(f->q.n_by, 2);
	assert_int_equal(f->q.by[0], SUMMARY_SETTING);
	assert_int_equal(f->q.by[1], SUMMARY_COMPLICATION);
	assert_int_equal(f->q.needed, BIT(SUMMARY_SETTING) | BIT(SUMMARY_COMPLICATION));
}

static void test_by_keeps_the_order_asked(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(parse(f, "from=2026-W40&to=2026-W47&by=region,week,training,"
				  "complication_type,fitzpatrick"),
			 0);
	assert_string_equal(f->q.from_date, "2026-09-28");
	assert_string_equal(f->q.to_date, "2026-11-16");
	assert_int_equal(f->q.n_by, 5);
	assert_int_equal(f->q.by[0], SUMMARY_REGION);
	assert_int_equal(f->q.by[1], SUMMARY_WEEK);
	assert_int_equal(f->q.by[4], SUMMARY_FITZPATRICK);
	assert_false(f->q.needed & BIT(SUMMARY_SETTING));
}

static void test_filters_join_the_needed_dimensions(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(parse(f, "by=week&setting=salon&complication=pigmentation"), 0);
	assert_string_equal(f->q.setting, "salon");
	assert_string_equal(f->q.complication, "pigmentation");
	assert_int_equal(f->q.by_mask, BIT(SUMMARY_WEEK));
	assert_int_equal(f->q.needed,
			 BIT(SUMMARY_WEEK) | BIT(SUMMARY_SETTING) | BIT(SUMMARY_COMPLICATION));
	/* The default range ends this week when only from is given. */
	assert_int_equal(parse(f, "from=2026-W01&complication_type=pih"), 0);
	assert_string_equal(f->q.to_text, "2026-W48");
	assert_true(f->q.needed & BIT(SUMMARY_COMPLICATION_TYPE));
}

static void test_unknown_by_is_refused(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(parse(f, "by=setting,colour"), -EINVAL);
	th_assert_issue(&f->errors, "by", "unknown breakdown \"colour\"");
	assert_int_equal(parse(f, "by="), -EINVAL);
	th_assert_issue(&f->errors, "by", "unknown breakdown \"\"");
	assert_int_equal(parse(f, "by=setting,,week"), -EINVAL);
	assert_int_equal(parse(f, "by=Setting"), -EINVAL);
	assert_int_equal(parse(f, "by=week,week"), -EINVAL);
	th_assert_issue(&f->errors, "by", "given twice");
}

static void test_malformed_weeks_are_refused(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(parse(f, "from=2026W40"), -EINVAL);
	th_assert_issue(&f->errors, "from", "malformed ISO week");
	assert_int_equal(parse(f, "to=2026-W60"), -EINVAL);
	th_assert_issue(&f->errors, "to", "W01 to W52");
	assert_int_equal(parse(f, "from=2025-W53"), -EINVAL);
	th_assert_issue(&f->errors, "from", "no week 53");
	assert_int_equal(parse(f, "from=2026-11-02"), -EINVAL);
	assert_int_equal(parse(f, "from"), -EINVAL);
}

static void test_ranges_are_ordered_and_bounded(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(parse(f, "from=2026-W47&to=2026-W40"), -EINVAL);
	th_assert_issue(&f->errors, "from", "after to");
	assert_int_equal(parse(f, "from=2000-W01&to=2026-W40"), -EINVAL);
	th_assert_issue(&f->errors, "to", "longer than");
	/* A year boundary, and a single week. */
	assert_int_equal(parse(f, "from=2025-W52&to=2026-W01"), 0);
	assert_string_equal(f->q.from_date, "2025-12-22");
	assert_string_equal(f->q.to_date, "2025-12-29");
	assert_int_equal(parse(f, "from=2026-W53&to=2026-W53"), 0);
	assert_string_equal(f->q.to_date, "2026-12-28");
}

static void test_unknown_and_repeated_parameters_are_refused(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(parse(f, "form=2026-W40"), -EINVAL);
	th_assert_issue(&f->errors, "form", "unknown parameter");
	assert_int_equal(parse(f, "by=week&by=setting"), -EINVAL);
	th_assert_issue(&f->errors, "by", "given twice");
}

static void test_filter_values_are_checked(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(parse(f, "setting=spa&complication=expected&complication_type=rash"),
			 -EINVAL);
	th_assert_issue(&f->errors, "setting", "unknown setting \"spa\"");
	th_assert_issue(&f->errors, "complication", "expected reactions are not complications");
	th_assert_issue(&f->errors, "complication_type", "unknown complication_type");
}

static void test_type_groups(void **state)
{
	(void)state;
	assert_string_equal(summary_type_group("pih"), "pigmentation");
	assert_string_equal(summary_type_group("infection_viral_hsv"), "infection");
	assert_null(summary_type_group("expected_reaction"));
	for (size_t i = 0; summary_types[i]; i++)
		assert_true(summary_rank(summary_groups, summary_type_group(summary_types[i])) >=
			    0);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_defaults_are_a_quarter_by_setting_and_complication),
	    T(test_by_keeps_the_order_asked),
	    T(test_filters_join_the_needed_dimensions),
	    T(test_unknown_by_is_refused),
	    T(test_malformed_weeks_are_refused),
	    T(test_ranges_are_ordered_and_bounded),
	    T(test_unknown_and_repeated_parameters_are_refused),
	    T(test_filter_values_are_checked),
	    T(test_type_groups),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
