/* Unit tests for daemon/server/admission.c: the ingest memory budget. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "admission.h"

/* A waiter that records what happened to it, and in which order. */
struct probe {
	struct admission_waiter w;
	int suspended, woken;
	int order; /* the n-th wake of its run, from 1 */
};

static int wakes;

static void probe_suspend(struct admission_waiter *w)
{
	((struct probe *)w)->suspended++;
}

static void probe_wake(struct admission_waiter *w)
{
	struct probe *p = (struct probe *)w;
	p->woken++;
	p->order = ++wakes;
}

static void probe_init(struct probe *p, size_t n)
{
	memset(p, 0, n * sizeof(*p));
	for (size_t i = 0; i < n; i++) {
		p[i].w.suspend = probe_suspend;
		p[i].w.wake = probe_wake;
	}
	wakes = 0;
}

static void test_unlimited_budget_admits_everything(void **state)
{
	(void)state;
	struct admission *a = admission_new(0);
	struct probe p[3];
	probe_init(p, 3);
	for (int i = 0; i < 3; i++)
		assert_true(admission_enter(a, &p[i].w, 1000000));
	assert_int_equal(admission_held(a), 3000000);
	assert_int_equal(admission_waiting(a), 0);
	assert_int_equal(p[0].suspended + p[1].suspended + p[2].suspended, 0);
	admission_free(a);
}

static void test_within_budget_admits_at_once(void **state)
{
	(void)state;
	struct admission *a = admission_new(100);
	struct probe p[2];
	probe_init(p, 2);
	assert_true(admission_enter(a, &p[0].w, 60));
	assert_true(admission_enter(a, &p[1].w, 40));
	assert_int_equal(admission_held(a), 100);
	admission_leave(a, 60);
	admission_leave(a, 40);
	assert_int_equal(admission_held(a), 0);
	admission_free(a);
}

static void test_over_budget_suspends_then_wakes_when_room(void **state)
{
	(void)state;
	struct admission *a = admission_new(100);
	struct probe p[2];
	probe_init(p, 2);
	assert_true(admission_enter(a, &p[0].w, 70));
	assert_false(admission_enter(a, &p[1].w, 40));
	assert_int_equal(p[1].suspended, 1);
	assert_int_equal(p[1].woken, 0);
	assert_int_equal(admission_waiting(a), 1);
	assert_int_equal(admission_held(a), 70);

	admission_leave(a, 70);
	assert_int_equal(p[1].woken, 1);
	assert_int_equal(admission_waiting(a), 0);
	assert_int_equal(admission_held(a), 40); /* held for the woken one */
	admission_leave(a, 40);
	assert_int_equal(admission_held(a), 0);
	admission_free(a);
}

static void test_waiters_woken_in_arrival_order(void **state)
{
	(void)state;
	struct admission *a = admission_new(100);
	struct probe p[4];
	probe_init(p, 4);
	assert_true(admission_enter(a, &p[0].w, 100));
	for (int i = 1; i < 4; i++)
		assert_false(admission_enter(a, &p[i].w, 30));
	assert_int_equal(admission_waiting(a), 3);
	admission_leave(a, 100); /* room for all three: 90 <= 100 */
	assert_int_equal(p[1].order, 1);
	assert_int_equal(p[2].order, 2);
	assert_int_equal(p[3].order, 3);
	assert_int_equal(admission_held(a), 90);
	admission_free(a);
}

static void test_small_request_does_not_overtake_large_one(void **state)
{
	(void)state;
	struct admission *a = admission_new(100);
	struct probe p[3];
	probe_init(p, 3);
	assert_true(admission_enter(a, &p[0].w, 50));
	assert_false(admission_enter(a, &p[1].w, 80)); /* does not fit beside 50 */
	/* 10 would fit in the 50 left, but the large one is first in line. */
	assert_false(admission_enter(a, &p[2].w, 10));
	assert_int_equal(p[2].suspended, 1);
	assert_int_equal(admission_held(a), 50);

	admission_leave(a, 50);
	assert_int_equal(p[1].order, 1);
	assert_int_equal(p[2].order, 2); /* 80 + 10 fit together */
	assert_int_equal(admission_held(a), 90);
	admission_free(a);
}

static void test_larger_than_budget_goes_alone(void **state)
{
	(void)state;
	struct admission *a = admission_new(100);
	struct probe p[3];
	probe_init(p, 3);
	/* Alone: admitted, or it would wait forever. */
	assert_true(admission_enter(a, &p[0].w, 250));
	assert_int_equal(admission_held(a), 250);
	/* While it is held, nothing else fits. */
	assert_false(admission_enter(a, &p[1].w, 1));
	admission_leave(a, 250);
	assert_int_equal(p[1].woken, 1);
	/* Another oversized one waits until the held byte is given back. */
	assert_false(admission_enter(a, &p[2].w, 300));
	admission_leave(a, 1);
	assert_int_equal(p[2].woken, 1);
	assert_int_equal(admission_held(a), 300);
	admission_free(a);
}

static void test_larger_budget_wakes_waiters(void **state)
{
	(void)state;
	struct admission *a = admission_new(100);
	struct probe p[2];
	probe_init(p, 2);
	assert_true(admission_enter(a, &p[0].w, 90));
	assert_false(admission_enter(a, &p[1].w, 50));
	admission_set_budget(a, 120); /* 90 + 50 > 120: still waits */
	assert_int_equal(p[1].woken, 0);
	admission_set_budget(a, 140);
	assert_int_equal(p[1].woken, 1);
	assert_int_equal(admission_held(a), 140);
	admission_free(a);
}

static void test_smaller_budget_keeps_what_is_held(void **state)
{
	(void)state;
	struct admission *a = admission_new(100);
	struct probe p[2];
	probe_init(p, 2);
	assert_true(admission_enter(a, &p[0].w, 80));
	admission_set_budget(a, 50);
	assert_int_equal(admission_held(a), 80);
	assert_false(admission_enter(a, &p[1].w, 10)); /* over the new budget */
	admission_leave(a, 80);
	assert_int_equal(p[1].woken, 1);
	admission_free(a);
}

static void test_unlimited_budget_set_live_wakes_all(void **state)
{
	(void)state;
	struct admission *a = admission_new(10);
	struct probe p[3];
	probe_init(p, 3);
	assert_true(admission_enter(a, &p[0].w, 10));
	assert_false(admission_enter(a, &p[1].w, 10));
	assert_false(admission_enter(a, &p[2].w, 10));
	admission_set_budget(a, 0);
	assert_int_equal(p[1].woken + p[2].woken, 2);
	assert_int_equal(admission_held(a), 30);
	admission_free(a);
}

static void test_open_admits_waiters_and_later_requests(void **state)
{
	(void)state;
	struct admission *a = admission_new(10);
	struct probe p[4];
	probe_init(p, 4);
	assert_true(admission_enter(a, &p[0].w, 10));
	assert_false(admission_enter(a, &p[1].w, 10));
	assert_false(admission_enter(a, &p[2].w, 1000));
	admission_open(a);
	assert_int_equal(p[1].order, 1);
	assert_int_equal(p[2].order, 2);
	assert_int_equal(admission_waiting(a), 0);
	assert_true(admission_enter(a, &p[3].w, 5000));
	assert_int_equal(p[3].suspended, 0);
	assert_int_equal(admission_held(a), 6020);
	admission_free(a);
}

static void test_leave_more_than_held_clamps_to_zero(void **state)
{
	(void)state;
	struct admission *a = admission_new(100);
	struct probe p[1];
	probe_init(p, 1);
	assert_true(admission_enter(a, &p[0].w, 10));
	admission_leave(a, 25);
	assert_int_equal(admission_held(a), 0);
	admission_free(a);
}

static void test_free_accepts_null(void **state)
{
	(void)state;
	admission_free(NULL);
}

/* Threads: each enters, and when told to wait, waits on its semaphore for
 * wake(); while admitted it checks the budget was honoured. */
#define THREADS 8
#define ROUNDS 2000
#define BUDGET 100

struct worker {
	struct admission_waiter w;
	sem_t woken;
	struct admission *a;
	unsigned seed;
	int waited;
};

static atomic_size_t inside;   /* cost held by admitted workers, counted by them */
static atomic_int over_budget; /* times inside exceeded the budget with two or more in */
static atomic_int inside_count;

static void worker_suspend(struct admission_waiter *w)
{
	((struct worker *)w)->waited++;
}

static void worker_wake(struct admission_waiter *w)
{
	sem_post(&((struct worker *)w)->woken);
}

static void *worker_run(void *arg)
{
	struct worker *k = arg;
	for (int i = 0; i < ROUNDS; i++) {
		size_t cost = 1 + rand_r(&k->seed) % 60;
		if (!admission_enter(k->a, &k->w, cost))
			sem_wait(&k->woken);
		size_t now = atomic_fetch_add(&inside, cost) + cost;
		int n = atomic_fetch_add(&inside_count, 1) + 1;
		if (now > BUDGET && n > 1)
			atomic_fetch_add(&over_budget, 1);
		atomic_fetch_sub(&inside_count, 1);
		atomic_fetch_sub(&inside, cost);
		admission_leave(k->a, cost);
	}
	return NULL;
}

static void test_threads_never_exceed_budget_and_all_finish(void **state)
{
	(void)state;
	struct admission *a = admission_new(BUDGET);
	struct worker k[THREADS];
	pthread_t t[THREADS];
	int waited = 0;

	/* The main thread holds the whole budget until every worker waits, so
	 * the queue is certainly exercised, then lets go. */
	struct probe main_hold[1];
	probe_init(main_hold, 1);
	assert_true(admission_enter(a, &main_hold[0].w, BUDGET));
	for (int i = 0; i < THREADS; i++) {
		k[i] = (struct worker){.a = a, .seed = (unsigned)i + 1};
		k[i].w.suspend = worker_suspend;
		k[i].w.wake = worker_wake;
		sem_init(&k[i].woken, 0, 0);
		assert_int_equal(pthread_create(&t[i], NULL, worker_run, &k[i]), 0);
	}
	for (int ms = 0; admission_waiting(a) < THREADS && ms < 10000; ms++)
		usleep(1000);
	assert_int_equal(admission_waiting(a), THREADS);
	admission_leave(a, BUDGET);
	for (int i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		sem_destroy(&k[i].woken);
		waited += k[i].waited;
	}
	assert_int_equal(atomic_load(&over_budget), 0);
	assert_int_equal(admission_held(a), 0);
	assert_int_equal(admission_waiting(a), 0);
	assert_true(waited >= THREADS);
	admission_free(a);
}

/* admission_cost() prices what the pre-pass counted: a realistic batch about
 * as the old flat 8 x text did, a body of small values by its values. */
static void test_cost_of_a_report_batch_is_near_eight_times_its_text(void **state)
{
	/* 1,000 of the test suite's reports: 774 KB, 38 values each. */
	size_t cost = admission_cost(773787, 38001);

	(void)state;
	assert_in_range(cost, 6 * 773787, 10 * 773787);
}

static void test_cost_of_small_values_follows_the_values(void **state)
{
	/* 4 MiB of "0,": two million values, 160 MB of cJSON tree. */
	size_t bytes = 4 * 1024 * 1024, values = bytes / 2;

	(void)state;
	assert_true(admission_cost(bytes, values) > 30 * bytes);
	assert_true(admission_cost(bytes, values) > admission_cost(bytes, 0) + 100 * values);
}

static void test_cost_saturates(void **state)
{
	(void)state;
	assert_true(admission_cost(0, 0) > 0);
	assert_int_equal(admission_cost(SIZE_MAX / 2, 0), SIZE_MAX);
	assert_int_equal(admission_cost(0, SIZE_MAX / 64), SIZE_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cost_of_a_report_batch_is_near_eight_times_its_text),
	    cmocka_unit_test(test_cost_of_small_values_follows_the_values),
	    cmocka_unit_test(test_cost_saturates),
	    cmocka_unit_test(test_unlimited_budget_admits_everything),
	    cmocka_unit_test(test_within_budget_admits_at_once),
	    cmocka_unit_test(test_over_budget_suspends_then_wakes_when_room),
	    cmocka_unit_test(test_waiters_woken_in_arrival_order),
	    cmocka_unit_test(test_small_request_does_not_overtake_large_one),
	    cmocka_unit_test(test_larger_than_budget_goes_alone),
	    cmocka_unit_test(test_larger_budget_wakes_waiters),
	    cmocka_unit_test(test_smaller_budget_keeps_what_is_held),
	    cmocka_unit_test(test_unlimited_budget_set_live_wakes_all),
	    cmocka_unit_test(test_open_admits_waiters_and_later_requests),
	    cmocka_unit_test(test_leave_more_than_held_clamps_to_zero),
	    cmocka_unit_test(test_free_accepts_null),
	    cmocka_unit_test(test_threads_never_exceed_budget_and_all_finish),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
