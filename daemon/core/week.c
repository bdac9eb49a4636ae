/* Reporting weeks in Europe/London, by integer day arithmetic. */
#include "week.h"

#include <stdio.h>

#define SECONDS_PER_DAY 86400
#define SECONDS_PER_HOUR 3600

/* Floor division: a moment before 1970 still falls on the right day. */
static long floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (long)(q - ((a % b != 0) && ((a < 0) != (b < 0))));
}

/* 0 = Monday .. 6 = Sunday; 1970-01-01 was a Thursday. */
static int weekday(long days)
{
	long r = (days + 3) % 7;
	return (int)(r < 0 ? r + 7 : r);
}

/* Days since the epoch of the last Sunday of March or October of year. */
static long last_sunday(int year, int month)
{
	char text[ISOWEEK_DATE_LEN];
	long first_of_next;
	/* The 1st of the next month, minus days back to a Sunday. */
	int n = snprintf(text, sizeof(text), "%04d-%02d-01", year, month + 1);
	if (n < 0 || (size_t)n >= sizeof(text) || isoweek_parse_date(text, &first_of_next) < 0)
		return 0;
	long last = first_of_next - 1;
	return last - (weekday(last) + 1) % 7;
}

bool week_london_is_bst(int64_t unix_seconds)
{
	long day = floor_div(unix_seconds, SECONDS_PER_DAY);
	struct iso_week w = isoweek_of_day(day);
	/* The ISO year can differ from the calendar year only around New Year,
	 * deep in GMT; checking both neighbours keeps this exact anyway. */
	for (int year = w.year - 1; year <= w.year + 1; year++) {
		int64_t start = (int64_t)last_sunday(year, 3) * SECONDS_PER_DAY + SECONDS_PER_HOUR;
		int64_t end = (int64_t)last_sunday(year, 10) * SECONDS_PER_DAY + SECONDS_PER_HOUR;
		if (unix_seconds >= start && unix_seconds < end)
			return true;
	}
	return false;
}

long week_london_day(int64_t unix_seconds)
{
	int64_t local = unix_seconds + (week_london_is_bst(unix_seconds) ? SECONDS_PER_HOUR : 0);
	return floor_div(local, SECONDS_PER_DAY);
}

struct iso_week week_add(struct iso_week w, long n)
{
	return isoweek_of_day(isoweek_monday(w) + 7 * n);
}

long week_diff(struct iso_week a, struct iso_week b)
{
	return (isoweek_monday(b) - isoweek_monday(a)) / 7;
}

struct iso_week week_last_complete(int64_t unix_seconds)
{
	return isoweek_of_day(week_london_day(unix_seconds) - 7);
}

bool week_is_complete(struct iso_week w, int64_t unix_seconds)
{
	return isoweek_monday(w) + 7 <= week_london_day(unix_seconds);
}
