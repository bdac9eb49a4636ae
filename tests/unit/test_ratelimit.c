/* Tests for daemon/core/ratelimit.c: token buckets per key under a fake clock. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>

#include "ratelimit.h"

/* A clock far from zero, as CLOCK_MONOTONIC is. */
#define T0 1000000000LL

static void test_unlimited_never_refuses(void **state)
{
	struct ratelimit *rl = ratelimit_new(8);
	(void)state;
	for (int i = 0; i < 1000; i++)
		assert_int_equal(ratelimit_take(rl, 1, 0, T0), 0);
	assert_int_equal(ratelimit_size(rl), 0);
	ratelimit_free(rl);
}

static void test_a_minutes_worth_may_come_at_once_then_429(void **state)
{
	struct ratelimit *rl = ratelimit_new(8);
	(void)state;
	for (int i = 0; i < 5; i++)
		assert_int_equal(ratelimit_take(rl, 7, 5, T0), 0);
	/* One request per 12 s at 5/min: the next is 12 s away. */
	assert_int_equal(ratelimit_take(rl, 7, 5, T0), 12);
	assert_int_equal(ratelimit_take(rl, 7, 5, T0 + 1), 12);
	ratelimit_free(rl);
}

static void test_retry_after_counts_down_and_is_honest(void **state)
{
	struct ratelimit *rl = ratelimit_new(8);
	(void)state;
	for (int i = 0; i < 5; i++)
		assert_int_equal(ratelimit_take(rl, 7, 5, T0), 0);
	assert_int_equal(ratelimit_take(rl, 7, 5, T0 + 5000), 7);
	assert_int_equal(ratelimit_take(rl, 7, 5, T0 + 11999), 1);
	/* Exactly when Retry-After said, one request goes through, and only one. */
	assert_int_equal(ratelimit_take(rl, 7, 5, T0 + 12000), 0);
	assert_int_equal(ratelimit_take(rl, 7, 5, T0 + 12000), 12);
	ratelimit_free(rl);
}

static void test_keys_have_separate_buckets(void **state)
{
	struct ratelimit *rl = ratelimit_new(8);
	(void)state;
	assert_int_equal(ratelimit_take(rl, 1, 1, T0), 0);
	assert_int_equal(ratelimit_take(rl, 1, 1, T0), 60);
	assert_int_equal(ratelimit_take(rl, 2, 1, T0), 0);
	assert_int_equal(ratelimit_size(rl), 2);
	ratelimit_free(rl);
}

static void test_bucket_never_holds_more_than_a_minute(void **state)
{
	struct ratelimit *rl = ratelimit_new(8);
	(void)state;
	assert_int_equal(ratelimit_take(rl, 3, 2, T0), 0);
	/* An hour idle earns two requests, not 120. */
	assert_int_equal(ratelimit_take(rl, 3, 2, T0 + 3600000), 0);
	assert_int_equal(ratelimit_take(rl, 3, 2, T0 + 3600000), 0);
	assert_int_equal(ratelimit_take(rl, 3, 2, T0 + 3600000), 30);
	ratelimit_free(rl);
}

static void test_a_lower_limit_applies_at_once(void **state)
{
	struct ratelimit *rl = ratelimit_new(8);
	(void)state;
	assert_int_equal(ratelimit_take(rl, 4, 100, T0), 0);
	/* A reload lowered the limit to 1/min: the full bucket shrinks to one. */
	assert_int_equal(ratelimit_take(rl, 4, 1, T0), 0);
	assert_int_equal(ratelimit_take(rl, 4, 1, T0), 60);
	ratelimit_free(rl);
}

static void test_high_rates_refuse_for_at_least_a_second(void **state)
{
	struct ratelimit *rl = ratelimit_new(8);
	(void)state;
	for (int i = 0; i < 1000000; i++)
		if (ratelimit_take(rl, 5, 1000000, T0) != 0)
			fail_msg("request %d refused", i);
	assert_int_equal(ratelimit_take(rl, 5, 1000000, T0), 1);
	ratelimit_free(rl);
}

static void test_full_table_evicts_idle_keys(void **state)
{
	struct ratelimit *rl = ratelimit_new(4);
	(void)state;
	for (long long k = 1; k <= 4; k++)
		assert_int_equal(ratelimit_take(rl, k, 1, T0), 0);
	assert_int_equal(ratelimit_size(rl), 4);
	/* Within the minute the table is full: a new key passes untracked. */
	assert_int_equal(ratelimit_take(rl, 5, 1, T0 + 1000), 0);
	assert_int_equal(ratelimit_take(rl, 5, 1, T0 + 1000), 0);
	assert_int_equal(ratelimit_size(rl), 4);
	/* Keys 1..4 still remember their empty buckets. */
	assert_int_equal(ratelimit_take(rl, 1, 1, T0 + 2000), 58);
	/* A minute later they are idle and full: evicted to make room. */
	assert_int_equal(ratelimit_take(rl, 6, 1, T0 + 62000), 0);
	assert_int_equal(ratelimit_size(rl), 1);
	assert_int_equal(ratelimit_take(rl, 6, 1, T0 + 62000), 60);
	ratelimit_free(rl);
}

static void test_sweeps_are_rate_limited(void **state)
{
	struct ratelimit *rl = ratelimit_new(2);
	(void)state;
	assert_int_equal(ratelimit_take(rl, 1, 1, T0), 0);
	assert_int_equal(ratelimit_take(rl, 2, 1, T0 + 59500), 0);
	/* Full; the sweep at +60000 frees key 1 (idle a minute), not key 2. */
	assert_int_equal(ratelimit_take(rl, 3, 1, T0 + 60000), 0);
	assert_int_equal(ratelimit_take(rl, 3, 1, T0 + 60000), 60);
	/* Still full, and no second sweep within a second of the last one. */
	assert_int_equal(ratelimit_take(rl, 4, 1, T0 + 60500), 0);
	assert_int_equal(ratelimit_take(rl, 4, 1, T0 + 60500), 0);
	assert_int_equal(ratelimit_size(rl), 2);
	ratelimit_free(rl);
}

static void test_many_keys_share_chains(void **state)
{
	struct ratelimit *rl = ratelimit_new(1000);
	(void)state;
	for (long long k = 0; k < 1000; k++)
		assert_int_equal(ratelimit_take(rl, k * 1024, 1, T0), 0);
	for (long long k = 0; k < 1000; k++)
		assert_int_equal(ratelimit_take(rl, k * 1024, 1, T0), 60);
	assert_int_equal(ratelimit_size(rl), 1000);
	ratelimit_free(rl);
}

struct worker {
	struct ratelimit *rl;
	int allowed;
};

static void *hammer(void *arg)
{
	struct worker *w = arg;
	for (int i = 0; i < 10000; i++)
		if (ratelimit_take(w->rl, 9, 600, T0) == 0)
			w->allowed++;
	return NULL;
}

static void test_threads_together_get_exactly_the_limit(void **state)
{
	struct ratelimit *rl = ratelimit_new(8);
	struct worker w[4];
	pthread_t t[4];
	int total = 0;
	(void)state;
	for (int i = 0; i < 4; i++) {
		w[i] = (struct worker){.rl = rl};
		assert_int_equal(pthread_create(&t[i], NULL, hammer, &w[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		total += w[i].allowed;
	}
	assert_int_equal(total, 600);
	ratelimit_free(rl);
}

static void test_zero_keys_and_null_are_refused_or_ignored(void **state)
{
	(void)state;
	assert_null(ratelimit_new(0));
	assert_int_equal(ratelimit_take(NULL, 1, 5, T0), 0);
	ratelimit_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_unlimited_never_refuses),
	    cmocka_unit_test(test_a_minutes_worth_may_come_at_once_then_429),
	    cmocka_unit_test(test_retry_after_counts_down_and_is_honest),
	    cmocka_unit_test(test_keys_have_separate_buckets),
	    cmocka_unit_test(test_bucket_never_holds_more_than_a_minute),
	    cmocka_unit_test(test_a_lower_limit_applies_at_once),
	    cmocka_unit_test(test_high_rates_refuse_for_at_least_a_second),
	    cmocka_unit_test(test_full_table_evicts_idle_keys),
	    cmocka_unit_test(test_sweeps_are_rate_limited),
	    cmocka_unit_test(test_many_keys_share_chains),
	    cmocka_unit_test(test_threads_together_get_exactly_the_limit),
	    cmocka_unit_test(test_zero_keys_and_null_are_refused_or_ignored),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
