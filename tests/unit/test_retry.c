/* Tests for daemon/client/retry.c: which statuses are retried, and the
 * backoff schedules (exponential, equal jitter or none, Retry-After floor,
 * cap) that needlewatch-upload and needlewatchctl export share. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>

#include "retry.h"

static const struct retry_policy policy = {.base_ms = 500, .max_ms = 60000};

static void test_transient_statuses_are_retried(void **state)
{
	(void)state;
	const long yes[] = {408, 429, 500, 502, 503, 504, 507, 599};
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		assert_true(retry_status_is_transient(yes[i]));
}

static void test_permanent_statuses_are_not_retried(void **state)
{
	(void)state;
	const long no[] = {200, 201, 301, 400, 401, 403, 404, 409, 413, 415, 422, 501, 505, 600, 0};
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		assert_false(retry_status_is_transient(no[i]));
}

static void test_first_wait_is_between_half_base_and_base(void **state)
{
	(void)state;
	assert_int_equal(retry_delay_ms(&policy, 1, 0, 0), 250);
	assert_int_equal(retry_delay_ms(&policy, 1, 0, 250), 500);
	assert_int_equal(retry_delay_ms(&policy, 1, 0, 251), 250); /* 251 % 251 */
	assert_int_equal(retry_delay_ms(&policy, 1, 0, 100), 350);
}

static void test_each_failure_doubles_the_wait(void **state)
{
	(void)state;
	/* rnd 0 gives the fixed half: base * 2^(n-1) / 2 */
	assert_int_equal(retry_delay_ms(&policy, 2, 0, 0), 500);
	assert_int_equal(retry_delay_ms(&policy, 3, 0, 0), 1000);
	assert_int_equal(retry_delay_ms(&policy, 4, 0, 0), 2000);
	assert_int_equal(retry_delay_ms(&policy, 7, 0, 0), 16000);
}

static void test_wait_is_capped(void **state)
{
	(void)state;
	assert_int_equal(retry_delay_ms(&policy, 8, 0, 0),
			 30000); /* 64000 capped to 60000, halved */
	assert_int_equal(retry_delay_ms(&policy, 9, 0, 30000), 60000);
	assert_int_equal(retry_delay_ms(&policy, 1000, 0, 30000), 60000);
	assert_int_equal(retry_delay_ms(&policy, UINT_MAX, 0, 12345), 30000 + 12345);
}

static void test_no_wait_exceeds_the_cap_whatever_the_jitter(void **state)
{
	(void)state;
	const uint32_t rnds[] = {0, 1, 7, 30000, 30001, 65535, UINT32_MAX - 1, UINT32_MAX};
	for (unsigned n = 1; n < 80; n++)
		for (size_t i = 0; i < sizeof(rnds) / sizeof(rnds[0]); i++) {
			uint32_t d = retry_delay_ms(&policy, n, 0, rnds[i]);
			assert_true(d <= policy.max_ms);
			assert_true(d >= 250);
		}
}

static void test_jitter_spreads_uploaders_apart(void **state)
{
	(void)state;
	uint32_t a = retry_delay_ms(&policy, 5, 0, 1), b = retry_delay_ms(&policy, 5, 0, 2001);
	assert_int_equal(a, 4001);
	assert_int_equal(b, 6001);
}

static void test_retry_after_is_a_floor(void **state)
{
	(void)state;
	assert_int_equal(retry_delay_ms(&policy, 1, 5, 0), 5000);
	assert_int_equal(retry_delay_ms(&policy, 1, 5, 250), 5000);
	/* a longer computed wait wins over a short Retry-After */
	assert_int_equal(retry_delay_ms(&policy, 7, 1, 0), 16000);
}

static void test_retry_after_is_capped(void **state)
{
	(void)state;
	assert_int_equal(retry_delay_ms(&policy, 1, 3600, 0), 60000);
	assert_int_equal(retry_delay_ms(&policy, 1, LONG_MAX, 0), 60000);
	assert_int_equal(retry_delay_ms(&policy, 1, (long)UINT32_MAX / 1000 + 1, 0), 60000);
}

static void test_negative_or_absent_retry_after_is_ignored(void **state)
{
	(void)state;
	assert_int_equal(retry_delay_ms(&policy, 1, -5, 0), 250);
	assert_int_equal(retry_delay_ms(&policy, 1, 0, 0), 250);
}

static void test_zero_failures_counts_as_one(void **state)
{
	(void)state;
	assert_int_equal(retry_delay_ms(&policy, 0, 0, 0), retry_delay_ms(&policy, 1, 0, 0));
}

static void test_tiny_policy_never_waits_zero(void **state)
{
	(void)state;
	const struct retry_policy tiny = {.base_ms = 1, .max_ms = 1};
	assert_int_equal(retry_delay_ms(&tiny, 1, 0, 0), 1);
	assert_int_equal(retry_delay_ms(&tiny, 50, 0, UINT32_MAX), 1);
}

/* The export delivery's schedule: 2 s doubling to 2 min, no jitter. */
static const struct retry_policy export_policy = {.base_ms = 2000, .max_ms = 120000};

static void test_unjittered_backoff_doubles_up_to_the_cap(void **state)
{
	(void)state;
	assert_int_equal(retry_backoff_ms(&export_policy, 1, 0), 2000);
	assert_int_equal(retry_backoff_ms(&export_policy, 2, 0), 4000);
	assert_int_equal(retry_backoff_ms(&export_policy, 3, 0), 8000);
	assert_int_equal(retry_backoff_ms(&export_policy, 6, 0), 64000);
	assert_int_equal(retry_backoff_ms(&export_policy, 7, 0), 120000);
	assert_int_equal(retry_backoff_ms(&export_policy, 40, 0), 120000);
	assert_int_equal(retry_backoff_ms(&export_policy, 0, 0), 2000);
}

static void test_unjittered_retry_after_is_a_floor_under_the_cap(void **state)
{
	(void)state;
	assert_int_equal(retry_backoff_ms(&export_policy, 1, 1), 2000);	  /* shorter: ours */
	assert_int_equal(retry_backoff_ms(&export_policy, 1, 30), 30000); /* longer: the server's */
	assert_int_equal(retry_backoff_ms(&export_policy, 1, 86400), 120000); /* never a day */
	assert_int_equal(retry_backoff_ms(&export_policy, 1, LONG_MAX), 120000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_transient_statuses_are_retried),
	    cmocka_unit_test(test_permanent_statuses_are_not_retried),
	    cmocka_unit_test(test_first_wait_is_between_half_base_and_base),
	    cmocka_unit_test(test_each_failure_doubles_the_wait),
	    cmocka_unit_test(test_wait_is_capped),
	    cmocka_unit_test(test_no_wait_exceeds_the_cap_whatever_the_jitter),
	    cmocka_unit_test(test_jitter_spreads_uploaders_apart),
	    cmocka_unit_test(test_retry_after_is_a_floor),
	    cmocka_unit_test(test_retry_after_is_capped),
	    cmocka_unit_test(test_negative_or_absent_retry_after_is_ignored),
	    cmocka_unit_test(test_zero_failures_counts_as_one),
	    cmocka_unit_test(test_tiny_policy_never_waits_zero),
	    cmocka_unit_test(test_unjittered_backoff_doubles_up_to_the_cap),
	    cmocka_unit_test(test_unjittered_retry_after_is_a_floor_under_the_cap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
