/* ISO 8601 weeks, by days-since-epoch arithmetic.
 *
 * The civil-date conversions are Howard Hinnant's days_from_civil and
 * civil_from_days (public domain), exact for the proleptic Gregorian
 * calendar; an ISO week-numbering year starts on the Monday of the week that
 * holds 4 January, and a date belongs to the week-year of its Thursday. */
#include "isoweek.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static long days_from_civil(long y, int m, int d)
{
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(long z, long *ret_y, int *ret_m, int *ret_d)
{
	z += 719468;
	long era = (z >= 0 ? z : z - 146096) / 146097;
	long doe = z - era * 146097;
	long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long mp = (5 * doy + 2) / 153;
	int m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*ret_d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*ret_m = m;
	*ret_y = yoe + era * 400 + (m <= 2);
}

/* 1 (Monday) .. 7 (Sunday); 1970-01-01 was a Thursday. */
static int iso_weekday(long days)
{
	long r = (days + 3) % 7;
	return (int)(r < 0 ? r + 7 : r) + 1;
}

static long week1_monday(int year)
{
	long jan4 = days_from_civil(year, 1, 4);
	return jan4 - (iso_weekday(jan4) - 1);
}

int isoweek_weeks_in_year(int year)
{
	return (int)((week1_monday(year + 1) - week1_monday(year)) / 7);
}

long isoweek_monday(struct iso_week w)
{
	return week1_monday(w.year) + 7L * (w.week - 1);
}

struct iso_week isoweek_of_day(long days)
{
	long thursday = days - iso_weekday(days) + 4;
	long y;
	int m, d;
	civil_from_days(thursday, &y, &m, &d);
	struct iso_week w = {.year = (int)y};
	w.week = (int)((thursday - days_from_civil(y, 1, 1)) / 7 + 1);
	return w;
}

static bool digits(const char *s, int n)
{
	for (int i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static int number(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

int isoweek_parse(const char *s, struct iso_week *ret, const char **ret_reason)
{
	const char *reason = "malformed ISO week, expected e.g. 2026-W47";
	if (!s || strlen(s) != 8 || !digits(s, 4) || s[4] != '-' || s[5] != 'W' ||
	    !digits(s + 6, 2))
		goto bad;
	struct iso_week w = {.year = number(s, 4), .week = number(s + 6, 2)};
	if (w.year < 1 || w.week < 1 || w.week > 53) {
		reason = "ISO week out of range, weeks run from W01 to W52 or W53";
		goto bad;
	}
	if (w.week == 53 && isoweek_weeks_in_year(w.year) == 52) {
		reason = "that year has no week 53";
		goto bad;
	}
	*ret = w;
	return 0;
bad:
	if (ret_reason)
		*ret_reason = reason;
	return -EINVAL;
}

int isoweek_parse_date(const char *s, long *ret_days)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (!s || strlen(s) != 10 || !digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) ||
	    s[7] != '-' || !digits(s + 8, 2))
		return -EINVAL;
	int y = number(s, 4), m = number(s + 5, 2), d = number(s + 8, 2);
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (y < 1 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1] || (m == 2 && d == 29 && !leap))
		return -EINVAL;
	*ret_days = days_from_civil(y, m, d);
	return 0;
}

void isoweek_format(struct iso_week w, char out[ISOWEEK_TEXT_LEN])
{
	snprintf(out, ISOWEEK_TEXT_LEN, "%04u-W%02u", (unsigned)w.year % 10000u,
		 (unsigned)w.week % 100u);
}

void isoweek_format_date(long days, char out[ISOWEEK_DATE_LEN])
{
	long y;
	int m, d;
	civil_from_days(days, &y, &m, &d);
	snprintf(out, ISOWEEK_DATE_LEN, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u,
		 (unsigned)d % 100u);
}

int isoweek_compare(struct iso_week a, struct iso_week b)
{
	if (a.year != b.year)
		return a.year < b.year ? -1 : 1;
	return a.week < b.week ? -1 : a.week > b.week;
}
