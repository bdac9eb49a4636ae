/* Normalisation of single values: dates, needle depths, Fitzpatrick types.
 * Shared by every input format (JSON, CSV, FHIR) through normalise.h. */
#include "normalise.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "text.h"

#define FOLD_LEN 64 /* depth and Fitzpatrick texts are short */

/* ---- value parsers ------------------------------------------------------ */

/* Exactly min..max digits at *s, advancing it; -1 when not there. */
static int read_digits(const char **s, int min, int max)
{
	int v = 0, n = 0;
	for (; n < max && text_is_digit(**s); n++, (*s)++)
		v = v * 10 + (**s - '0');
	return n >= min && !text_is_digit(**s) ? v : -1;
}

static int scan_date(const char *s, int *y, int *m, int *d)
{
	const char *p = s;

	*y = read_digits(&p, 4, 4);
	if (*y >= 0 && *p++ == '-' && (*m = read_digits(&p, 2, 2)) >= 0 && *p++ == '-' &&
	    (*d = read_digits(&p, 2, 2)) >= 0 && !*p)
		return 0;
	p = s;
	*d = read_digits(&p, 1, 2);
	if (*d >= 0 && *p++ == '/' && (*m = read_digits(&p, 1, 2)) >= 0 && *p++ == '/' &&
	    (*y = read_digits(&p, 4, 4)) >= 0 && !*p)
		return 0;
	return -1;
}

static int days_in_month(int y, int m)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : days[m - 1];
}

int normalise_date(const char *raw, const char *today, char out[11], const char **ret_reason)
{
	char buf[FOLD_LEN] = {0}, iso[32];
	int y = 0, m = 0, d = 0;

	if (text_fold_ascii(raw, buf, sizeof(buf)) < 0 || scan_date(buf, &y, &m, &d) < 0) {
		*ret_reason = "invalid date, expected YYYY-MM-DD or DD/MM/YYYY";
		return -EINVAL;
	}
	if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m)) {
		*ret_reason = "not a calendar date";
		return -EINVAL;
	}
	snprintf(iso, sizeof(iso), "%04d-%02d-%02d", y, m, d);
	/* ISO dates compare as strings; before 2000 is a typo, not history. */
	if (strcmp(iso, "2000-01-01") < 0) {
		*ret_reason = "date must not be before 2000";
		return -EINVAL;
	}
	if (today && strcmp(iso, today) > 0) {
		*ret_reason = "date must not be in the future";
		return -EINVAL;
	}
	memcpy(out, iso, 11);
	return 0;
}

/* Plain decimal, with "." or "," as the separator ("1,5 mm" is common in
 * Europe). A thousands comma would make "1,500 µm" 1.5 µm, which is far out
 * of range and refused, so the reading can fail but never mislead. */
static const char *scan_decimal(const char *s, double *ret)
{
	uint64_t mant = 0;
	int digits = 0, frac = 0;

	for (; text_is_digit(*s); s++, digits++)
		mant = mant * 10 + (uint64_t)(*s - '0');
	if (*s == '.' || *s == ',')
		for (s++; text_is_digit(*s); s++, digits++, frac++)
			mant = mant * 10 + (uint64_t)(*s - '0');
	if (!digits || digits > 12)
		return NULL;
	*ret = (double)mant / pow(10, frac);
	return s;
}

struct depth_unit {
	const char *name;
	double to_mm;
};

/* clang-format off */
static const struct depth_unit depth_units[] = {
	{ "", 1 }, { "mm", 1 }, { "millimetre", 1 }, { "millimetres", 1 },
	{ "millimeter", 1 }, { "millimeters", 1 }, { "cm", 10 },
	{ "um", 0.001 }, { "\xc2\xb5m", 0.001 } /* MICRO SIGN */, { "\xce\xbcm", 0.001 } /* MU */,
	{ "micron", 0.001 }, { "microns", 0.001 }, { "micrometre", 0.001 },
	{ "micrometres", 0.001 }, { "micrometer", 0.001 }, { "micrometers", 0.001 },
};
/* clang-format on */

/* Rounded to whole micrometres, so 0.01 cm is exactly 0.1 mm at the limit. */
int normalise_depth_number(double mm, double *ret_mm, const char **ret_reason)
{
	mm = round(mm * 1000) / 1000;
	if (!(mm >= 0.1 && mm <= 3.0)) {
		*ret_reason = "needle depth must be between 0.1 and 3.0 mm";
		return -EINVAL;
	}
	*ret_mm = mm;
	return 0;
}

int normalise_depth_mm(const char *raw, double *ret_mm, const char **ret_reason)
{
	char buf[FOLD_LEN] = {0};
	double v;
	const char *unit;

	if (text_fold_ascii(raw, buf, sizeof(buf)) < 0 || !(unit = scan_decimal(buf, &v))) {
		*ret_reason = "invalid needle depth, expected e.g. \"1.5 mm\" or \"1500 µm\"";
		return -EINVAL;
	}
	while (text_is_space(*unit))
		unit++;
	for (size_t i = 0; i < sizeof(depth_units) / sizeof(depth_units[0]); i++)
		if (strcmp(unit, depth_units[i].name) == 0)
			return normalise_depth_number(v * depth_units[i].to_mm, ret_mm, ret_reason);
	*ret_reason = "unknown needle depth unit, expected mm, µm or cm";
	return -EINVAL;
}

/* Skips "fitzpatrick", "skin", "type", "phototype" words and separators. */
static const char *skip_fitzpatrick_words(const char *s)
{
	static const char *const words[] = {"fitzpatrick", "phototype", "skin", "type", NULL};
	for (;;) {
		while (text_is_space(*s) || *s == '-' || *s == ':')
			s++;
		const char *const *wd = words;
		for (; *wd; wd++) {
			size_t n = strlen(*wd);
			if (strncmp(s, *wd, n) == 0 && !text_is_alpha(s[n]))
				break;
		}
		if (!*wd)
			return s;
		s += strlen(*wd);
	}
}

/* A type as digits or a Roman numeral; -1 when neither. Numerals past VI
 * are recognised so that "VII" gets the range message, not "invalid". */
static int fitzpatrick_value(const char *s)
{
	static const char *const roman[] = {"i",   "ii",   "iii", "iv", "v", "vi",
					    "vii", "viii", "ix",  "x",	NULL};
	if (text_is_digit(*s)) {
		int v = read_digits(&s, 1, 3);
		return *s ? -1 : v;
	}
	for (int i = 0; roman[i]; i++)
		if (strcmp(s, roman[i]) == 0)
			return i + 1;
	return -1;
}

int normalise_fitzpatrick(const char *raw, int *ret_type, const char **ret_reason)
{
	char buf[FOLD_LEN] = {0};
	int type = -1;

	if (text_fold_ascii(raw, buf, sizeof(buf)) == 0)
		type = fitzpatrick_value(skip_fitzpatrick_words(buf));
	if (type < 0) {
		*ret_reason = "invalid fitzpatrick type, expected 1 to 6 or I to VI";
		return -EINVAL;
	}
	if (type < 1 || type > 6) {
		*ret_reason = "fitzpatrick type must be 1 to 6";
		return -EINVAL;
	}
	*ret_type = type;
	return 0;
}

