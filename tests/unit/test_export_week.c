/* Tests for daemon/core/week.c: London dates, British Summer Time, the last
 * complete week, week arithmetic across years; and the built-in BST rule
 * against the system's tzdata for every hour of 2000-2037, where present. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "week.h"

/* Seconds since the epoch of a UTC date and time. */
static int64_t utc(const char *date, int h, int m)
{
	long days;
	assert_int_equal(isoweek_parse_date(date, &days), 0);
	return (int64_t)days * 86400 + h * 3600 + m * 60;
}

static void assert_week(struct iso_week w, const char *want)
{
	char text[ISOWEEK_TEXT_LEN];
	isoweek_format(w, text);
	assert_string_equal(text, want);
}

static void test_bst_starts_and_ends_at_one_utc(void **state)
{
	(void)state;
	/* 2026: last Sundays are 29 March and 25 October. */
	assert_false(week_london_is_bst(utc("2026-03-29", 0, 59)));
	assert_true(week_london_is_bst(utc("2026-03-29", 1, 0)));
	assert_true(week_london_is_bst(utc("2026-10-25", 0, 59)));
	assert_false(week_london_is_bst(utc("2026-10-25", 1, 0)));
	assert_false(week_london_is_bst(utc("2026-01-15", 12, 0)));
	assert_true(week_london_is_bst(utc("2026-07-15", 12, 0)));
	/* 2024: 31 March and 27 October (both the 31st-ish edge cases). */
	assert_false(week_london_is_bst(utc("2024-03-31", 0, 59)));
	assert_true(week_london_is_bst(utc("2024-03-31", 1, 0)));
	assert_false(week_london_is_bst(utc("2024-10-27", 1, 0)));
}

static void test_london_day_follows_summer_time(void **state)
{
	(void)state;
	long monday, sunday;
	assert_int_equal(isoweek_parse_date("2026-06-01", &monday), 0);
	sunday = monday - 1;
	/* 23:30 UTC on Sunday 31 May is 00:30 BST on Monday. */
	assert_int_equal(week_london_day(utc("2026-05-31", 23, 30)), monday);
	assert_int_equal(week_london_day(utc("2026-05-31", 22, 59)), sunday);
	/* In winter London is on UTC. */
	assert_int_equal(week_london_day(utc("2026-11-29", 23, 30)),
			 week_london_day(utc("2026-11-29", 0, 0)));
}

static void test_last_complete_week_midweek(void **state)
{
	(void)state;
	/* Wednesday 2026-11-25: W48 runs, W47 is the last complete week. */
	assert_week(week_last_complete(utc("2026-11-25", 12, 0)), "2026-W47");
}

static void test_last_complete_week_changes_at_london_midnight(void **state)
{
	(void)state;
	/* Summer: the week ends at 23:00 UTC on Sunday. */
	assert_week(week_last_complete(utc("2026-05-31", 22, 59)), "2026-W21");
	assert_week(week_last_complete(utc("2026-05-31", 23, 0)), "2026-W22");
	/* Winter: at midnight UTC. */
	assert_week(week_last_complete(utc("2026-11-22", 23, 59)), "2026-W46");
	assert_week(week_last_complete(utc("2026-11-23", 0, 0)), "2026-W47");
}

static void test_week_is_complete_only_after_its_sunday(void **state)
{
	(void)state;
	struct iso_week w;
	assert_int_equal(isoweek_parse("2026-W47", &w, NULL), 0);
	assert_false(week_is_complete(w, utc("2026-11-22", 23, 59)));
	assert_true(week_is_complete(w, utc("2026-11-23", 0, 0)));
	assert_false(week_is_complete(w, utc("2026-11-16", 12, 0)));
	assert_true(week_is_complete(w, utc("2027-01-01", 0, 0)));
}

static void test_week_add_crosses_years_and_week_53(void **state)
{
	(void)state;
	struct iso_week w;
	assert_int_equal(isoweek_parse("2026-W52", &w, NULL), 0);
	assert_week(week_add(w, 1), "2026-W53"); /* 2026 starts on a Thursday */
	assert_week(week_add(w, 2), "2027-W01");
	assert_int_equal(isoweek_parse("2025-W01", &w, NULL), 0);
	assert_week(week_add(w, -1), "2024-W52");
	assert_week(week_add(w, -52), "2024-W01");
	assert_week(week_add(w, 0), "2025-W01");
}

static void test_week_diff(void **state)
{
	(void)state;
	struct iso_week a, b;
	assert_int_equal(isoweek_parse("2024-W10", &a, NULL), 0);
	assert_int_equal(isoweek_parse("2024-W13", &b, NULL), 0);
	assert_int_equal(week_diff(a, b), 3);
	assert_int_equal(week_diff(b, a), -3);
	assert_int_equal(isoweek_parse("2027-W01", &b, NULL), 0);
	assert_int_equal(isoweek_parse("2026-W52", &a, NULL), 0);
	assert_int_equal(week_diff(a, b), 2);
	assert_int_equal(week_diff(a, week_add(a, 52)), 52);
}

/* The built-in rule against tzdata, every hour from 2000 to 2037, plus
 * every minute around each change. Skipped where tzdata is not installed. */
static void test_london_day_matches_tzdata(void **state)
{
	(void)state;
	if (access("/usr/share/zoneinfo/Europe/London", R_OK) != 0) {
		skip();
		return;
	}
	setenv("TZ", "Europe/London", 1);
	tzset();
	int64_t from = utc("2000-01-01", 0, 0), to = utc("2037-12-31", 0, 0);
	for (int64_t t = from; t < to; t += 3600) {
		time_t tt = (time_t)t;
		struct tm tm;
		localtime_r(&tt, &tm);
		bool bst = tm.tm_isdst > 0;
		if (bst != week_london_is_bst(t))
			fail_msg("BST differs from tzdata at %lld", (long long)t);
		/* Around a change, check each minute of the two hours. */
		if (bst != week_london_is_bst(t + 3600)) {
			for (int64_t m = t; m < t + 7200; m += 60) {
				time_t mt = (time_t)m;
				localtime_r(&mt, &tm);
				char want[ISOWEEK_DATE_LEN];
				strftime(want, sizeof(want), "%Y-%m-%d", &tm);
				char got[ISOWEEK_DATE_LEN];
				isoweek_format_date(week_london_day(m), got);
				assert_string_equal(got, want);
			}
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bst_starts_and_ends_at_one_utc),
	    cmocka_unit_test(test_london_day_follows_summer_time),
	    cmocka_unit_test(test_last_complete_week_midweek),
	    cmocka_unit_test(test_last_complete_week_changes_at_london_midnight),
	    cmocka_unit_test(test_week_is_complete_only_after_its_sunday),
	    cmocka_unit_test(test_week_add_crosses_years_and_week_53),
	    cmocka_unit_test(test_week_diff),
	    cmocka_unit_test(test_london_day_matches_tzdata),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
