/* Tests for daemon/core/deadline.c: phases, expiry and the sweep's selection
 * under a fake clock. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "deadline.h"

/* A clock far from zero, as CLOCK_MONOTONIC is. */
#define T0 1000000000LL

static const struct deadline_limits LIMITS = {.header_timeout_ms = 2000, .body_min_rate = 1000};

static void test_header_expires_only_after_the_timeout(void **state)
{
	struct deadline_table t;
	struct deadline_entry e = {0};
	(void)state;
	deadline_table_init(&t);
	deadline_add(&t, &e, 7, T0);
	assert_int_equal(deadline_expired(&e, T0 + 2000, &LIMITS), DEADLINE_REASON_NONE);
	assert_int_equal(deadline_expired(&e, T0 + 2001, &LIMITS), DEADLINE_REASON_HEADER_TIMEOUT);
}

static void test_complete_header_without_body_never_expires(void **state)
{
	struct deadline_table t;
	struct deadline_entry e = {0};
	(void)state;
	deadline_table_init(&t);
	deadline_add(&t, &e, 7, T0);
	deadline_header_done(&e, false, T0 + 1999);
	assert_int_equal(e.phase, DEADLINE_SERVING);
	/* Suspended for the writer, or a slow answer: no deadline. */
	assert_int_equal(deadline_expired(&e, T0 + 3600 * 1000, &LIMITS), DEADLINE_REASON_NONE);
}

static void test_body_gets_the_timeout_plus_a_second_per_min_rate_bytes(void **state)
{
	struct deadline_table t;
	struct deadline_entry e = {0};
	(void)state;
	deadline_table_init(&t);
	deadline_add(&t, &e, 7, T0);
	deadline_header_done(&e, true, T0 + 500);
	assert_int_equal(e.phase, DEADLINE_BODY);
	assert_int_equal(deadline_expired(&e, T0 + 2501, &LIMITS), DEADLINE_REASON_BODY_TOO_SLOW);
	deadline_body_progress(&e, 3000); /* three more seconds at 1000 B/s */
	assert_int_equal(deadline_expired(&e, T0 + 5500, &LIMITS), DEADLINE_REASON_NONE);
	assert_int_equal(deadline_expired(&e, T0 + 5501, &LIMITS), DEADLINE_REASON_BODY_TOO_SLOW);
	deadline_body_progress(&e, 500); /* half a second more */
	assert_int_equal(deadline_expired(&e, T0 + 6000, &LIMITS), DEADLINE_REASON_NONE);
	assert_int_equal(deadline_expired(&e, T0 + 6001, &LIMITS), DEADLINE_REASON_BODY_TOO_SLOW);
}

static void test_trickled_body_is_cut_soon_after_the_timeout(void **state)
{
	struct deadline_table t;
	struct deadline_entry e = {0};
	long long now = T0;
	(void)state;
	deadline_table_init(&t);
	deadline_add(&t, &e, 7, now);
	deadline_header_done(&e, true, now);
	/* One byte every 0.5 s keeps MHD's idle timeout quiet, not this one. */
	while (deadline_expired(&e, now, &LIMITS) == DEADLINE_REASON_NONE) {
		now += 500;
		deadline_body_progress(&e, 1);
	}
	assert_true(now - T0 <= 2500);
}

static void test_complete_body_ends_the_deadline(void **state)
{
	struct deadline_table t;
	struct deadline_entry e = {0};
	(void)state;
	deadline_table_init(&t);
	deadline_add(&t, &e, 7, T0);
	deadline_header_done(&e, true, T0);
	deadline_body_progress(&e, 10);
	deadline_body_progress(&e, 0);
	assert_int_equal(e.phase, DEADLINE_SERVING);
	assert_int_equal(deadline_expired(&e, T0 + 60000, &LIMITS), DEADLINE_REASON_NONE);
	/* The resumed request's calls change nothing. */
	deadline_body_progress(&e, 5);
	assert_int_equal(e.phase, DEADLINE_SERVING);
}

static void test_keepalive_rearms_the_header_deadline_from_the_answer(void **state)
{
	struct deadline_table t;
	struct deadline_entry e = {0};
	(void)state;
	deadline_table_init(&t);
	deadline_add(&t, &e, 7, T0);
	deadline_header_done(&e, false, T0 + 100);
	deadline_request_done(&e, T0 + 10000);
	assert_int_equal(e.phase, DEADLINE_KEEPALIVE);
	assert_int_equal(deadline_expired(&e, T0 + 12000, &LIMITS), DEADLINE_REASON_NONE);
	assert_int_equal(deadline_expired(&e, T0 + 12001, &LIMITS),
			 DEADLINE_REASON_KEEPALIVE_TIMEOUT);
	deadline_header_done(&e, false, T0 + 11000);
	assert_int_equal(deadline_expired(&e, T0 + 99000, &LIMITS), DEADLINE_REASON_NONE);
}

static void test_sweep_selects_only_expired_connections_once(void **state)
{
	struct deadline_table t;
	struct deadline_entry slow = {0}, served = {0}, fresh = {0}, body = {0};
	struct deadline_drop d[8];
	(void)state;
	deadline_table_init(&t);
	deadline_add(&t, &slow, 10, T0);
	deadline_add(&t, &served, 11, T0);
	deadline_header_done(&served, false, T0 + 10);
	deadline_add(&t, &fresh, 12, T0 + 2500);
	deadline_add(&t, &body, 13, T0);
	deadline_header_done(&body, true, T0 + 100);
	deadline_body_progress(&body, 7);
	assert_int_equal(t.count, 4);

	size_t n = deadline_sweep(&t, T0 + 3000, &LIMITS, d, 8);
	assert_int_equal(n, 2);
	assert_int_equal(d[0].fd, 10);
	assert_int_equal(d[0].reason, DEADLINE_REASON_HEADER_TIMEOUT);
	assert_int_equal(d[0].age_ms, 3000);
	assert_int_equal(d[1].fd, 13);
	assert_int_equal(d[1].reason, DEADLINE_REASON_BODY_TOO_SLOW);
	assert_int_equal(d[1].body_bytes, 7);
	/* Until MHD closes them they stay in the table, but are not shut twice. */
	assert_int_equal(deadline_sweep(&t, T0 + 4000, &LIMITS, d, 8), 0);
	assert_int_equal(deadline_sweep(&t, T0 + 4501, &LIMITS, d, 8), 1);
	assert_int_equal(d[0].fd, 12);
}

static void test_sweep_hands_out_at_most_max(void **state)
{
	struct deadline_table t;
	struct deadline_entry e[5];
	struct deadline_drop d[2];
	(void)state;
	memset(e, 0, sizeof(e));
	deadline_table_init(&t);
	for (int i = 0; i < 5; i++)
		deadline_add(&t, &e[i], 20 + i, T0);
	assert_int_equal(deadline_sweep(&t, T0 + 5000, &LIMITS, d, 2), 2);
	assert_int_equal(d[0].fd, 20);
	assert_int_equal(d[1].fd, 21);
	assert_int_equal(deadline_sweep(&t, T0 + 5000, &LIMITS, d, 2), 2);
	assert_int_equal(d[0].fd, 22);
	assert_int_equal(deadline_sweep(&t, T0 + 5000, &LIMITS, d, 2), 1);
	assert_int_equal(d[0].fd, 24);
	assert_int_equal(deadline_sweep(&t, T0 + 5000, &LIMITS, d, 2), 0);
}

static void test_removed_connection_is_never_selected(void **state)
{
	struct deadline_table t;
	struct deadline_entry a = {0}, b = {0}, c = {0};
	struct deadline_drop d[4];
	(void)state;
	deadline_table_init(&t);
	deadline_add(&t, &a, 1, T0);
	deadline_add(&t, &b, 2, T0);
	deadline_add(&t, &c, 3, T0);
	deadline_remove(&t, &b);
	deadline_remove(&t, &b); /* twice, or never added: harmless */
	assert_int_equal(t.count, 2);
	assert_int_equal(deadline_sweep(&t, T0 + 9000, &LIMITS, d, 4), 2);
	assert_int_equal(d[0].fd, 1);
	assert_int_equal(d[1].fd, 3);
	deadline_remove(&t, &a);
	deadline_remove(&t, &c);
	assert_int_equal(t.count, 0);
	assert_ptr_equal(t.head.next, &t.head);
	assert_ptr_equal(t.head.prev, &t.head);
}

static void test_huge_body_counts_do_not_overflow(void **state)
{
	struct deadline_table t;
	struct deadline_entry e = {0};
	const struct deadline_limits slow = {.header_timeout_ms = 1000, .body_min_rate = 1};
	(void)state;
	deadline_table_init(&t);
	deadline_add(&t, &e, 7, T0);
	deadline_header_done(&e, true, T0);
	deadline_body_progress(&e, (size_t)1 << 40); /* 2^40 s of allowance at 1 B/s */
	assert_int_equal(deadline_expired(&e, T0 + 365LL * 86400 * 1000, &slow),
			 DEADLINE_REASON_NONE);
}

static void test_reason_names_are_metric_labels(void **state)
{
	(void)state;
	assert_string_equal(deadline_reason_name(DEADLINE_REASON_HEADER_TIMEOUT), "header_timeout");
	assert_string_equal(deadline_reason_name(DEADLINE_REASON_BODY_TOO_SLOW), "body_too_slow");
	assert_string_equal(deadline_reason_name(DEADLINE_REASON_KEEPALIVE_TIMEOUT),
			    "keepalive_timeout");
	assert_string_equal(deadline_reason_name(DEADLINE_REASON_NONE), "none");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_header_expires_only_after_the_timeout),
	    cmocka_unit_test(test_complete_header_without_body_never_expires),
	    cmocka_unit_test(test_body_gets_the_timeout_plus_a_second_per_min_rate_bytes),
	    cmocka_unit_test(test_trickled_body_is_cut_soon_after_the_timeout),
	    cmocka_unit_test(test_complete_body_ends_the_deadline),
	    cmocka_unit_test(test_keepalive_rearms_the_header_deadline_from_the_answer),
	    cmocka_unit_test(test_sweep_selects_only_expired_connections_once),
	    cmocka_unit_test(test_sweep_hands_out_at_most_max),
	    cmocka_unit_test(test_removed_connection_is_never_selected),
	    cmocka_unit_test(test_huge_body_counts_do_not_overflow),
	    cmocka_unit_test(test_reason_names_are_metric_labels),
	};
	return cmocka_run_group_tests_name("deadline", tests, NULL, NULL);
}
