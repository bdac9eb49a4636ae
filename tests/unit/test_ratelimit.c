/* Tests for daemon/server/ratelimit.c: token buckets per key under a fake clock. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdbool.h>

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

/* --- ratelimit_check: charge only failures, refuse everything while empty --- */

/* One request the way guard_auth makes it: checked first, charged only when
 * it fails. Returns the check's answer (0: it went on). */
static int attempt(struct ratelimit *rl, long long key, int limit, long long now, bool fails)
{
	int wait_s = ratelimit_check(rl, key, limit, now, NULL);
	if (wait_s == 0 && fails)
		ratelimit_take(rl, key, limit, now);
	return wait_s;
}

static void test_check_takes_nothing_and_adds_no_key(void **state)
{
	struct ratelimit *rl = ratelimit_new(8);
	bool first = true;
	(void)state;
	for (int i = 0; i < 100; i++)
		assert_int_equal(ratelimit_check(rl, 1, 3, T0, &first), 0);
	assert_false(first);
	/* Successes are never charged: no key is tracked for them. */
	assert_int_equal(ratelimit_size(rl), 0);
	assert_int_equal(ratelimit_take(rl, 1, 3, T0), 0);
	assert_int_equal(ratelimit_size(rl), 1);
	for (int i = 0; i < 100; i++)
		assert_int_equal(ratelimit_check(rl, 1, 3, T0, NULL), 0);
	ratelimit_free(rl);
}

static void test_exactly_the_limit_of_failures_then_refused(void **state)
{
	struct ratelimit *rl = ratelimit_new(8);
	(void)state;
	for (int i = 0; i < 30; i++)
		assert_int_equal(attempt(rl, 7, 30, T0 + i, true), 0);
	/* The 31st request is refused before it is tried: one per 2 s at 30/min. */
	assert_int_equal(attempt(rl, 7, 30, T0 + 30, true), 2);
	assert_int_equal(attempt(rl, 7, 30, T0 + 30, false), 2);
	/* 1970 ms later the 30 failures' first unit is back: one more try, then refused. */
	assert_int_equal(attempt(rl, 7, 30, T0 + 2000, true), 0);
	assert_int_equal(attempt(rl, 7, 30, T0 + 2000, true), 2);
	ratelimit_free(rl);
}

static void test_a_success_does_not_reset_the_failures(void **state)
{
	struct ratelimit *rl = ratelimit_new(8);
	(void)state;
	assert_int_equal(attempt(rl, 7, 3, T0, true), 0);
	assert_int_equal(attempt(rl, 7, 3, T0, true), 0);
	/* A good token in between neither costs nor gives back anything. */
	assert_int_equal(attempt(rl, 7, 3, T0, false), 0);
	assert_int_equal(attempt(rl, 7, 3, T0, true), 0);
	/* Three failures: everything is refused now, a good token too. */
	assert_int_equal(attempt(rl, 7, 3, T0, false), 20);
	assert_int_equal(attempt(rl, 7, 3, T0, true), 20);
	ratelimit_free(rl);
}

static void test_first_refusal_is_reported_once_per_episode(void **state)
{
	struct ratelimit *rl = ratelimit_new(8);
	bool first = false;
	(void)state;
	assert_int_equal(attempt(rl, 7, 2, T0, true), 0);
	assert_int_equal(attempt(rl, 7, 2, T0, true), 0);
	assert_int_equal(ratelimit_check(rl, 7, 2, T0 + 1, &first), 30);
	assert_true(first);
	assert_int_equal(ratelimit_check(rl, 7, 2, T0 + 2, &first), 30);
	assert_false(first);
	/* A try as soon as allowed keeps the bucket from filling: one episode. */
	assert_int_equal(attempt(rl, 7, 2, T0 + 30000, true), 0);
	assert_int_equal(ratelimit_check(rl, 7, 2, T0 + 30001, &first), 30);
	assert_false(first);
	/* Idle a whole minute, the bucket is full again: the next episode is new. */
	assert_int_equal(ratelimit_check(rl, 7, 2, T0 + 90001, &first), 0);
	assert_false(first);
	assert_int_equal(attempt(rl, 7, 2, T0 + 90001, true), 0);
	assert_int_equal(attempt(rl, 7, 2, T0 + 90001, true), 0);
	assert_int_equal(ratelimit_check(rl, 7, 2, T0 + 90002, &first), 30);
	assert_true(first);
	ratelimit_free(rl);
}

static void test_check_with_no_limit_or_table_refuses_nothing(void **state)
{
	struct ratelimit *rl = ratelimit_new(8);
	bool first = true;
	(void)state;
	assert_int_equal(ratelimit_take(rl, 7, 1, T0), 0);
	/* A reload to 0 lifts the limit at once, even for an empty bucket. */
	assert_int_equal(ratelimit_check(rl, 7, 0, T0, &first), 0);
	assert_false(first);
	first = true;
	assert_int_equal(ratelimit_check(NULL, 7, 5, T0, &first), 0);
	assert_false(first);
	ratelimit_free(rl);
}

static void test_full_table_lets_new_failures_through_untracked(void **state)
{
	struct ratelimit *rl = ratelimit_new(2);
	(void)state;
	for (int i = 0; i < 2; i++) {
		assert_int_equal(attempt(rl, 1, 2, T0, true), 0);
		assert_int_equal(attempt(rl, 2, 2, T0, true), 0);
	}
	/* Fail open: a third address is neither refused nor tracked... */
	for (int i = 0; i < 10; i++)
		assert_int_equal(attempt(rl, 3, 2, T0 + 100, true), 0);
	assert_int_equal(ratelimit_size(rl), 2);
	/* ...and the addresses already over their limit stay refused. */
	assert_int_equal(attempt(rl, 1, 2, T0 + 100, false), 30);
	assert_int_equal(attempt(rl, 2, 2, T0 + 100, false), 30);
	/* Once they have been idle a minute, their room goes to the new one. */
	for (int i = 0; i < 2; i++)
		assert_int_equal(attempt(rl, 3, 2, T0 + 60100, true), 0);
	assert_int_equal(attempt(rl, 3, 2, T0 + 60100, true), 30);
	ratelimit_free(rl);
}

/* A /64 prefix as netaddr_limit_key() makes it, k in its top 16 bits. */
static long long top_bits_key(long long k)
{
	return (long long)((unsigned long long)k << 48);
}

static void test_slash_64_keys_differing_in_high_bits_are_separate(void **state)
{
	struct ratelimit *rl = ratelimit_new(1024);
	(void)state;
	/* Keys differing only in their top 16 bits, the sign bit included:
	 * each its own bucket. */
	for (long long k = 0; k < 1024; k++)
		assert_int_equal(ratelimit_take(rl, top_bits_key(k), 1, T0), 0);
	for (long long k = 0; k < 1024; k++)
		assert_int_equal(ratelimit_check(rl, top_bits_key(k), 1, T0, NULL), 60);
	assert_int_equal(ratelimit_size(rl), 1024);
	assert_int_equal(ratelimit_check(rl, 1LL << 47, 1, T0, NULL), 0);
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
	    cmocka_unit_test(test_check_takes_nothing_and_adds_no_key),
	    cmocka_unit_test(test_exactly_the_limit_of_failures_then_refused),
	    cmocka_unit_test(test_a_success_does_not_reset_the_failures),
	    cmocka_unit_test(test_first_refusal_is_reported_once_per_episode),
	    cmocka_unit_test(test_check_with_no_limit_or_table_refuses_nothing),
	    cmocka_unit_test(test_full_table_lets_new_failures_through_untracked),
	    cmocka_unit_test(test_slash_64_keys_differing_in_high_bits_are_separate),
	    cmocka_unit_test(test_zero_keys_and_null_are_refused_or_ignored),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
