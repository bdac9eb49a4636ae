/* Dashboard sessions (daemon/core/sessions.c): ids, expiry, sign-out, eviction. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "sessions.h"

#define TOKEN_HASH "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define IDLE 100
#define MAX_AGE 250

static void test_open_session_is_found_with_its_token_and_csrf(void **state)
{
	(void)state;
	struct session_store *st = session_store_new(4);
	char id[SESSION_ID_LEN + 1], csrf[SESSION_CSRF_LEN + 1];
	struct session_info info;

	assert_int_equal(session_store_open(st, TOKEN_HASH, 1000, id, csrf), 0);
	assert_int_equal(strlen(id), SESSION_ID_LEN);
	assert_int_equal(strlen(csrf), SESSION_CSRF_LEN);
	assert_int_equal(session_store_use(st, id, 1010, IDLE, MAX_AGE, &info), 0);
	assert_string_equal(info.token_sha256, TOKEN_HASH);
	assert_string_equal(info.csrf, csrf);
	assert_int_equal(info.expires_in_s, IDLE);
	session_store_free(st);
}

static void test_two_sessions_have_different_ids(void **state)
{
	(void)state;
	struct session_store *st = session_store_new(4);
	char a[SESSION_ID_LEN + 1], b[SESSION_ID_LEN + 1], c[SESSION_CSRF_LEN + 1];

	session_store_open(st, TOKEN_HASH, 0, a, c);
	session_store_open(st, TOKEN_HASH, 0, b, c);
	assert_string_not_equal(a, b);
	assert_int_equal(session_store_count(st), 2);
	session_store_free(st);
}

static void test_idle_session_expires_and_use_extends_it(void **state)
{
	(void)state;
	struct session_store *st = session_store_new(4);
	char id[SESSION_ID_LEN + 1], csrf[SESSION_CSRF_LEN + 1];
	struct session_info info;

	session_store_open(st, TOKEN_HASH, 0, id, csrf);
	assert_int_equal(session_store_use(st, id, 90, IDLE, MAX_AGE, &info), 0);
	/* 90 + 99: still within IDLE of the last use, though past IDLE of the opening. */
	assert_int_equal(session_store_use(st, id, 189, IDLE, MAX_AGE, &info), 0);
	assert_int_equal(session_store_use(st, id, 289, IDLE, MAX_AGE, &info), -ENOENT);
	/* Forgotten: not found again even at a time that would have been live. */
	assert_int_equal(session_store_count(st), 0);
	session_store_free(st);
}

static void test_absolute_limit_ends_a_busy_session(void **state)
{
	(void)state;
	struct session_store *st = session_store_new(4);
	char id[SESSION_ID_LEN + 1], csrf[SESSION_CSRF_LEN + 1];
	struct session_info info;

	session_store_open(st, TOKEN_HASH, 0, id, csrf);
	for (long long t = 50; t < MAX_AGE; t += 50)
		assert_int_equal(session_store_use(st, id, t, IDLE, MAX_AGE, &info), 0);
	assert_int_equal(info.expires_in_s, MAX_AGE - 200);
	assert_int_equal(session_store_use(st, id, MAX_AGE, IDLE, MAX_AGE, &info), -ENOENT);
	session_store_free(st);
}

static void test_closed_session_is_refused(void **state)
{
	(void)state;
	struct session_store *st = session_store_new(4);
	char id[SESSION_ID_LEN + 1], csrf[SESSION_CSRF_LEN + 1];
	struct session_info info;

	session_store_open(st, TOKEN_HASH, 0, id, csrf);
	assert_int_equal(session_store_close(st, id), 0);
	assert_int_equal(session_store_use(st, id, 1, IDLE, MAX_AGE, &info), -ENOENT);
	assert_int_equal(session_store_close(st, id), -ENOENT);
	session_store_free(st);
}

static void test_malformed_or_unknown_ids_are_refused(void **state)
{
	(void)state;
	struct session_store *st = session_store_new(4);
	char id[SESSION_ID_LEN + 1], csrf[SESSION_CSRF_LEN + 1];
	struct session_info info;

	session_store_open(st, TOKEN_HASH, 0, id, csrf);
	char upper[SESSION_ID_LEN + 1];
	memcpy(upper, id, sizeof(upper));
	for (char *p = upper; *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	assert_int_equal(session_store_use(st, "", 1, IDLE, MAX_AGE, &info), -ENOENT);
	assert_int_equal(session_store_use(st, "abc", 1, IDLE, MAX_AGE, &info), -ENOENT);
	if (strcmp(upper, id) != 0)
		assert_int_equal(session_store_use(st, upper, 1, IDLE, MAX_AGE, &info), -ENOENT);
	/* The stored hash is not itself an id that opens the session. */
	char other[SESSION_ID_LEN + 1];
	memset(other, '0', SESSION_ID_LEN);
	other[SESSION_ID_LEN] = '\0';
	assert_int_equal(session_store_use(st, other, 1, IDLE, MAX_AGE, &info), -ENOENT);
	assert_int_equal(session_store_use(st, id, 1, IDLE, MAX_AGE, &info), 0);
	session_store_free(st);
}

static void test_full_table_evicts_least_recently_used(void **state)
{
	(void)state;
	struct session_store *st = session_store_new(2);
	char a[SESSION_ID_LEN + 1], b[SESSION_ID_LEN + 1], c[SESSION_ID_LEN + 1];
	char csrf[SESSION_CSRF_LEN + 1];
	struct session_info info;

	session_store_open(st, TOKEN_HASH, 0, a, csrf);
	session_store_open(st, TOKEN_HASH, 1, b, csrf);
	assert_int_equal(session_store_use(st, a, 2, IDLE, MAX_AGE, &info), 0);
	session_store_open(st, TOKEN_HASH, 3, c, csrf);
	assert_int_equal(session_store_use(st, a, 4, IDLE, MAX_AGE, &info), 0);
	assert_int_equal(session_store_use(st, b, 4, IDLE, MAX_AGE, &info), -ENOENT);
	assert_int_equal(session_store_use(st, c, 4, IDLE, MAX_AGE, &info), 0);
	session_store_free(st);
}

static void test_csrf_comparison(void **state)
{
	(void)state;
	assert_true(session_equal_ct("abc", "abc"));
	assert_false(session_equal_ct("abc", "abd"));
	assert_false(session_equal_ct("abc", "ab"));
	assert_false(session_equal_ct("", "a"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_open_session_is_found_with_its_token_and_csrf),
	    cmocka_unit_test(test_two_sessions_have_different_ids),
	    cmocka_unit_test(test_idle_session_expires_and_use_extends_it),
	    cmocka_unit_test(test_absolute_limit_ends_a_busy_session),
	    cmocka_unit_test(test_closed_session_is_refused),
	    cmocka_unit_test(test_malformed_or_unknown_ids_are_refused),
	    cmocka_unit_test(test_full_table_evicts_least_recently_used),
	    cmocka_unit_test(test_csrf_comparison),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
