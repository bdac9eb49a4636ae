/* ISO 8601 weeks: "2026-W47", the Monday that starts each, the week of a date.
 *
 * Dates are counted as days since 1970-01-01 (proleptic Gregorian), so week
 * arithmetic is integer arithmetic. Pure: no clock, no locale, no allocation. */
#ifndef NW_ISOWEEK_H
#define NW_ISOWEEK_H

/* "2026-W47" and its NUL. */
#define ISOWEEK_TEXT_LEN 9
/* "2026-11-16" and its NUL. */
#define ISOWEEK_DATE_LEN 11

struct iso_week {
	int year; /* ISO week-numbering year, 1..9999 */
	int week; /* 1..52 or 53 */
};

/* Parses exactly "YYYY-Www" (upper-case W, two-digit week). Returns 0, or
 * -EINVAL for any other text and for a week 53 the year does not have, with
 * a reason ("2025 has no week 53") in *ret_reason when it is not NULL. */
int isoweek_parse(const char *s, struct iso_week *ret, const char **ret_reason);

/* Parses exactly "YYYY-MM-DD" (a real calendar date) into days since the
 * epoch. 0 or -EINVAL. */
int isoweek_parse_date(const char *s, long *ret_days);

/* Number of ISO weeks in year: 52 or 53. */
int isoweek_weeks_in_year(int year);

/* Days since the epoch of the Monday that starts w. */
long isoweek_monday(struct iso_week w);

/* The ISO week holding the day `days` since the epoch. */
struct iso_week isoweek_of_day(long days);

/* "2026-W47" into out. */
void isoweek_format(struct iso_week w, char out[ISOWEEK_TEXT_LEN]);

/* "YYYY-MM-DD" of the day `days` since the epoch, into out. */
void isoweek_format_date(long days, char out[ISOWEEK_DATE_LEN]);

/* Orders two weeks: negative, 0 or positive. */
int isoweek_compare(struct iso_week a, struct iso_week b);

#endif
