/* Tests for daemon/server/tokencache.c: what is remembered, and when it is
 * forgotten (invalidation, disabling, expiry, a stale answer arriving late). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "tokencache.h"

/* A clock far from zero, as CLOCK_MONOTONIC is. */
#define T0 1000000000LL
#define TTL 60000

struct value {
	long long id;
	char name[16];
};

static const struct value ALICE = {17, "alice"};

static struct tokencache *enabled_cache(size_t slots)
{
	struct tokencache *c = tokencache_new(slots, sizeof(struct value), TTL);
	assert_non_null(c);
	tokencache_set_enabled(c, true);
	return c;
}

static void test_a_put_value_is_got_back(void **state)
{
	struct tokencache *c = enabled_cache(64);
	struct value v = {0};
	(void)state;
	tokencache_put(c, "tabc", &ALICE, tokencache_generation(c), T0);
	assert_int_equal(tokencache_get(c, "tabc", &v, T0 + 1), 0);
	assert_int_equal(v.id, 17);
	assert_string_equal(v.name, "alice");
	tokencache_free(c);
}

static void test_an_unknown_key_misses(void **state)
{
	struct tokencache *c = enabled_cache(64);
	struct value v = {0};
	(void)state;
	tokencache_put(c, "tabc", &ALICE, tokencache_generation(c), T0);
	assert_int_equal(tokencache_get(c, "tabd", &v, T0), -ENOENT);
	assert_int_equal(tokencache_get(c, "cabc", &v, T0), -ENOENT);
	assert_int_equal(v.id, 0);
	tokencache_free(c);
}

static void test_a_new_cache_is_disabled_until_told(void **state)
{
	struct tokencache *c = tokencache_new(64, sizeof(struct value), TTL);
	struct value v;
	(void)state;
	tokencache_put(c, "tabc", &ALICE, tokencache_generation(c), T0);
	assert_int_equal(tokencache_get(c, "tabc", &v, T0), -ENOENT);
	tokencache_set_enabled(c, true);
	assert_int_equal(tokencache_get(c, "tabc", &v, T0), -ENOENT);
	tokencache_free(c);
}

static void test_invalidate_forgets_everything(void **state)
{
	struct tokencache *c = enabled_cache(64);
	struct value v;
	(void)state;
	tokencache_put(c, "tabc", &ALICE, tokencache_generation(c), T0);
	tokencache_put(c, "cdef", &ALICE, tokencache_generation(c), T0);
	tokencache_invalidate(c);
	assert_int_equal(tokencache_get(c, "tabc", &v, T0), -ENOENT);
	assert_int_equal(tokencache_get(c, "cdef", &v, T0), -ENOENT);
	tokencache_free(c);
}

/* The revocation race: a look-up starts, the account is revoked (the
 * notification invalidates), then the look-up's stale answer arrives. */
static void test_an_answer_from_before_an_invalidation_is_not_kept(void **state)
{
	struct tokencache *c = enabled_cache(64);
	struct value v;
	(void)state;
	unsigned long before = tokencache_generation(c);
	tokencache_invalidate(c);
	tokencache_put(c, "tabc", &ALICE, before, T0);
	assert_int_equal(tokencache_get(c, "tabc", &v, T0), -ENOENT);
	tokencache_free(c);
}

static void test_disabling_forgets_and_refuses_puts(void **state)
{
	struct tokencache *c = enabled_cache(64);
	struct value v;
	(void)state;
	tokencache_put(c, "tabc", &ALICE, tokencache_generation(c), T0);
	tokencache_set_enabled(c, false);
	assert_int_equal(tokencache_get(c, "tabc", &v, T0), -ENOENT);
	tokencache_put(c, "tabc", &ALICE, tokencache_generation(c), T0);
	assert_int_equal(tokencache_get(c, "tabc", &v, T0), -ENOENT);
	/* Enabled again, it starts empty: what changed meanwhile went unheard. */
	tokencache_set_enabled(c, true);
	assert_int_equal(tokencache_get(c, "tabc", &v, T0), -ENOENT);
	tokencache_free(c);
}

/* The listener's connection dropped: what is cached answers until the
 * hold ends, nothing new is taken, and reconnected the cache starts empty. */
static void test_a_held_cache_answers_until_the_hold_ends(void **state)
{
	struct tokencache *c = enabled_cache(64);
	struct value v = {0};
	(void)state;
	tokencache_put(c, "tabc", &ALICE, tokencache_generation(c), T0);
	tokencache_hold(c, T0 + 30000);
	assert_int_equal(tokencache_get(c, "tabc", &v, T0 + 29999), 0);
	assert_int_equal(v.id, 17);
	assert_int_equal(tokencache_get(c, "tabc", &v, T0 + 30000), -ENOENT);
	tokencache_free(c);
}

static void test_a_held_cache_takes_nothing_new(void **state)
{
	struct tokencache *c = enabled_cache(64);
	struct value v;
	(void)state;
	tokencache_hold(c, T0 + 30000);
	tokencache_put(c, "tabc", &ALICE, tokencache_generation(c), T0);
	assert_int_equal(tokencache_get(c, "tabc", &v, T0 + 1), -ENOENT);
	tokencache_free(c);
}

static void test_a_hold_still_honours_invalidation_and_ttl(void **state)
{
	struct tokencache *c = enabled_cache(64);
	struct value v;
	(void)state;
	tokencache_put(c, "tabc", &ALICE, tokencache_generation(c), T0);
	tokencache_hold(c, T0 + 2 * TTL);
	assert_int_equal(tokencache_get(c, "tabc", &v, T0 + TTL), -ENOENT);
	tokencache_put(c, "cdef", &ALICE, tokencache_generation(c), T0);
	tokencache_invalidate(c);
	assert_int_equal(tokencache_get(c, "cdef", &v, T0 + 1), -ENOENT);
	tokencache_free(c);
}

static void test_enabling_after_a_hold_forgets_what_was_held(void **state)
{
	struct tokencache *c = enabled_cache(64);
	struct value v;
	(void)state;
	tokencache_put(c, "tabc", &ALICE, tokencache_generation(c), T0);
	tokencache_hold(c, T0 + 30000);
	tokencache_set_enabled(c, true);
	assert_int_equal(tokencache_get(c, "tabc", &v, T0 + 1), -ENOENT);
	tokencache_free(c);
}

/* Holding a cache that was off (never listened, or its hold already over)
 * does not bring back what was forgotten. */
static void test_holding_a_disabled_cache_changes_nothing(void **state)
{
	struct tokencache *c = enabled_cache(64);
	struct value v;
	(void)state;
	tokencache_put(c, "tabc", &ALICE, tokencache_generation(c), T0);
	tokencache_hold(c, T0 + 1000);
	tokencache_hold(c, T0 + 30000);
	assert_int_equal(tokencache_get(c, "tabc", &v, T0 + 1500), -ENOENT);
	tokencache_free(c);
}

static void test_entries_expire_after_the_ttl(void **state)
{
	struct tokencache *c = enabled_cache(64);
	struct value v;
	(void)state;
	tokencache_put(c, "tabc", &ALICE, tokencache_generation(c), T0);
	assert_int_equal(tokencache_get(c, "tabc", &v, T0 + TTL - 1), 0);
	assert_int_equal(tokencache_get(c, "tabc", &v, T0 + TTL), -ENOENT);
	tokencache_free(c);
}

static void test_a_key_sharing_a_slot_replaces_the_other(void **state)
{
	struct tokencache *c = enabled_cache(1);
	struct value v, bob = {18, "bob"};
	(void)state;
	tokencache_put(c, "tabc", &ALICE, tokencache_generation(c), T0);
	tokencache_put(c, "tdef", &bob, tokencache_generation(c), T0);
	assert_int_equal(tokencache_get(c, "tabc", &v, T0), -ENOENT);
	assert_int_equal(tokencache_get(c, "tdef", &v, T0), 0);
	assert_int_equal(v.id, 18);
	tokencache_free(c);
}

static void test_keys_too_long_or_empty_are_not_cached(void **state)
{
	struct tokencache *c = enabled_cache(64);
	char longkey[TOKENCACHE_KEY_MAX + 2];
	struct value v;
	(void)state;
	memset(longkey, 'a', sizeof(longkey) - 1);
	longkey[sizeof(longkey) - 1] = '\0';
	tokencache_put(c, longkey, &ALICE, tokencache_generation(c), T0);
	assert_int_equal(tokencache_get(c, longkey, &v, T0), -ENOENT);
	tokencache_put(c, "", &ALICE, tokencache_generation(c), T0);
	assert_int_equal(tokencache_get(c, "", &v, T0), -ENOENT);
	longkey[TOKENCACHE_KEY_MAX] = '\0'; /* exactly the longest */
	tokencache_put(c, longkey, &ALICE, tokencache_generation(c), T0);
	assert_int_equal(tokencache_get(c, longkey, &v, T0), 0);
	tokencache_free(c);
}

static void test_bad_arguments_give_no_cache(void **state)
{
	(void)state;
	assert_null(tokencache_new(0, 8, TTL));
	assert_null(tokencache_new(8, 0, TTL));
	assert_null(tokencache_new(8, 8, 0));
	tokencache_free(NULL);
}

/* Readers and an invalidator at once: every answer got is a whole value. */
struct race {
	struct tokencache *c;
	int torn;
};

static void *reader(void *arg)
{
	struct race *r = arg;
	struct value v;
	for (int i = 0; i < 20000; i++) {
		tokencache_put(r->c, "tabc", &ALICE, tokencache_generation(r->c), T0);
		if (tokencache_get(r->c, "tabc", &v, T0) == 0 &&
		    (v.id != 17 || strcmp(v.name, "alice") != 0))
			__atomic_add_fetch(&r->torn, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void *invalidator(void *arg)
{
	struct race *r = arg;
	for (int i = 0; i < 20000; i++)
		tokencache_invalidate(r->c);
	return NULL;
}

static void test_concurrent_use_never_tears_a_value(void **state)
{
	struct race r = {.c = enabled_cache(8)};
	pthread_t t[3];
	(void)state;
	pthread_create(&t[0], NULL, reader, &r);
	pthread_create(&t[1], NULL, reader, &r);
	pthread_create(&t[2], NULL, invalidator, &r);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(r.torn, 0);
	tokencache_free(r.c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_a_put_value_is_got_back),
	    cmocka_unit_test(test_an_unknown_key_misses),
	    cmocka_unit_test(test_a_new_cache_is_disabled_until_told),
	    cmocka_unit_test(test_invalidate_forgets_everything),
	    cmocka_unit_test(test_an_answer_from_before_an_invalidation_is_not_kept),
	    cmocka_unit_test(test_disabling_forgets_and_refuses_puts),
	    cmocka_unit_test(test_a_held_cache_answers_until_the_hold_ends),
	    cmocka_unit_test(test_a_held_cache_takes_nothing_new),
	    cmocka_unit_test(test_a_hold_still_honours_invalidation_and_ttl),
	    cmocka_unit_test(test_enabling_after_a_hold_forgets_what_was_held),
	    cmocka_unit_test(test_holding_a_disabled_cache_changes_nothing),
	    cmocka_unit_test(test_entries_expire_after_the_ttl),
	    cmocka_unit_test(test_a_key_sharing_a_slot_replaces_the_other),
	    cmocka_unit_test(test_keys_too_long_or_empty_are_not_cached),
	    cmocka_unit_test(test_bad_arguments_give_no_cache),
	    cmocka_unit_test(test_concurrent_use_never_tears_a_value),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
