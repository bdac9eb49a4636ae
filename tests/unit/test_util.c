/* Tests for daemon/core/util.c: the clock, hex, whole-file reads and the
 * doubling backoff that every program shares. */
#include "helpers.h"

#include <fcntl.h>
#include <limits.h>

#include "isoweek.h"
#include "util.h"

static void test_hex_encodes_every_byte_lower_case(void **state)
{
	(void)state;
	const unsigned char in[] = {0x00, 0x0f, 0xa5, 0xff, 0x10};
	char out[2 * sizeof(in) + 1];
	memset(out, 'x', sizeof(out));
	util_hex_encode(in, sizeof(in), out);
	assert_string_equal(out, "000fa5ff10");
}

static void test_hex_of_nothing_is_empty(void **state)
{
	(void)state;
	char out[1] = {'x'};
	util_hex_encode("", 0, out);
	assert_string_equal(out, "");
}

static void test_hex_value_reads_both_cases_and_refuses_the_rest(void **state)
{
	(void)state;
	assert_int_equal(util_hex_value('0'), 0);
	assert_int_equal(util_hex_value('9'), 9);
	assert_int_equal(util_hex_value('a'), 10);
	assert_int_equal(util_hex_value('F'), 15);
	assert_int_equal(util_hex_value('g'), -1);
	assert_int_equal(util_hex_value('G'), -1);
	assert_int_equal(util_hex_value('/'), -1);
	assert_int_equal(util_hex_value(0xff), -1);
}

static void test_monotonic_clock_agrees_across_units_and_advances(void **state)
{
	(void)state;
	long long ms = util_mono_ms(), us = util_mono_us();
	double f = util_mono_ms_f();
	assert_true(us / 1000 >= ms && us / 1000 - ms < 1000);
	assert_true(f >= (double)ms && f - (double)ms < 1000.0);
	struct timespec pause = {.tv_nsec = 20 * 1000000L};
	nanosleep(&pause, NULL);
	assert_true(util_mono_ms() - ms >= 20);
}

/* The oracle: whole days since the epoch, formatted by isoweek (integer
 * arithmetic, no gmtime); read before and after so midnight cannot race. */
static void test_today_utc_is_the_epoch_day_as_yyyy_mm_dd(void **state)
{
	(void)state;
	char before[ISOWEEK_DATE_LEN], after[ISOWEEK_DATE_LEN], got[ISOWEEK_DATE_LEN];
	memset(got, 'x', sizeof(got));
	isoweek_format_date((long)(time(NULL) / 86400), before);
	util_today_utc(got);
	isoweek_format_date((long)(time(NULL) / 86400), after);
	assert_int_equal(strlen(got), 10);
	assert_true(strcmp(got, before) == 0 || strcmp(got, after) == 0);
}

static void test_realtime_deadline_carries_into_seconds(void **state)
{
	(void)state;
	struct timespec now, d;
	clock_gettime(CLOCK_REALTIME, &now);
	util_realtime_after_ms(&d, 2999);
	assert_true(d.tv_nsec >= 0 && d.tv_nsec < 1000000000L);
	long long diff_ms =
	    (long long)(d.tv_sec - now.tv_sec) * 1000 + (d.tv_nsec - now.tv_nsec) / 1000000;
	assert_true(diff_ms >= 2999 && diff_ms < 3999);
}

static void test_backoff_doubles_and_stops_at_the_cap(void **state)
{
	(void)state;
	assert_int_equal(util_backoff_next(100, 5000), 200);
	assert_int_equal(util_backoff_next(2500, 5000), 5000);
	assert_int_equal(util_backoff_next(3000, 5000), 5000);
	assert_int_equal(util_backoff_next(5000, 5000), 5000);
	/* No overflow near INT_MAX. */
	assert_int_equal(util_backoff_next(INT_MAX / 2 + 1, INT_MAX), INT_MAX);
}

static char *temp_with(const char *content, size_t len)
{
	static char path[64];
	snprintf(path, sizeof(path), "/tmp/nw_test_util_XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, len), (ssize_t)len);
	close(fd);
	return path;
}

static void test_read_file_returns_the_bytes_and_a_nul(void **state)
{
	(void)state;
	char *path = temp_with("ab\0cd", 5), *buf = NULL;
	size_t len = 0;
	assert_int_equal(util_read_file(path, 5, 0, &buf, &len), 0);
	assert_int_equal(len, 5);
	assert_memory_equal(buf, "ab\0cd", 6);
	free(buf);
	unlink(path);
}

static void test_read_file_refuses_one_byte_too_many(void **state)
{
	(void)state;
	char *path = temp_with("123456", 6), *buf = NULL;
	size_t len = 0;
	assert_int_equal(util_read_file(path, 5, 0, &buf, &len), -EFBIG);
	assert_null(buf);
	unlink(path);
}

static void test_read_file_says_why_it_could_not(void **state)
{
	(void)state;
	char *buf = NULL;
	size_t len = 0;
	assert_int_equal(util_read_file("/nonexistent/nw", 10, 0, &buf, &len), -ENOENT);
	assert_int_equal(util_read_file("/tmp", 10, 0, &buf, &len), -EISDIR);
	assert_int_equal(util_read_file("/dev/null", 10, UTIL_FILE_REGULAR, &buf, &len), -EINVAL);
	assert_int_equal(util_read_file("/dev/null", 10, 0, &buf, &len), 0);
	assert_int_equal(len, 0);
	free(buf);
}

static void test_read_file_nofollow_refuses_a_link(void **state)
{
	(void)state;
	char *path = temp_with("x", 1), link[80], *buf = NULL;
	size_t len = 0;
	snprintf(link, sizeof(link), "%s.link", path);
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(util_read_file(link, 10, UTIL_FILE_NOFOLLOW, &buf, &len), -ELOOP);
	assert_int_equal(util_read_file(link, 10, 0, &buf, &len), 0);
	assert_string_equal(buf, "x");
	free(buf);
	unlink(link);
	unlink(path);
}

static void test_read_full_stops_at_the_cap(void **state)
{
	(void)state;
	char *path = temp_with("abcdef", 6), buf[4];
	int fd = open(path, O_RDONLY);
	assert_int_equal(util_read_full(fd, buf, sizeof(buf)), 4);
	assert_memory_equal(buf, "abcd", 4);
	assert_int_equal(util_read_full(fd, buf, sizeof(buf)), 2);
	assert_int_equal(util_read_full(-1, buf, sizeof(buf)), -EBADF);
	close(fd);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hex_encodes_every_byte_lower_case),
	    cmocka_unit_test(test_hex_of_nothing_is_empty),
	    cmocka_unit_test(test_hex_value_reads_both_cases_and_refuses_the_rest),
	    cmocka_unit_test(test_monotonic_clock_agrees_across_units_and_advances),
	    cmocka_unit_test(test_today_utc_is_the_epoch_day_as_yyyy_mm_dd),
	    cmocka_unit_test(test_realtime_deadline_carries_into_seconds),
	    cmocka_unit_test(test_backoff_doubles_and_stops_at_the_cap),
	    cmocka_unit_test(test_read_file_returns_the_bytes_and_a_nul),
	    cmocka_unit_test(test_read_file_refuses_one_byte_too_many),
	    cmocka_unit_test(test_read_file_says_why_it_could_not),
	    cmocka_unit_test(test_read_file_nofollow_refuses_a_link),
	    cmocka_unit_test(test_read_full_stops_at_the_cap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
