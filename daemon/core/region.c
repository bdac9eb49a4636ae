/* Postcode area to UK region (ITL1), from config/postcode-regions.tsv.
 *
 * A postcode area is one or two capital letters, so the table is a direct
 * array indexed by those letters (26 x 27 slots): a lookup is two
 * subtractions, and the table is immutable after load, so threads share it.
 * Region names must be one of the fixed ITL1 names below; a typo in the file
 * would otherwise create a thirteenth "region" in every published table. */
#include "region.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* First letter A..Z times (no second letter, or A..Z). */
#define AREA_SLOTS (26 * 27)
/* The longest thing region_area_of() accepts: "SW1A 1AA". */
#define POSTCODE_MAX 8

struct region_table {
	const char *by_area[AREA_SLOTS];
	size_t nareas;
};

/* ITL1 regions exactly as ONS spells them, plus one bucket for the Crown
 * Dependencies, whose postcodes Royal Mail serves but which are not in the UK
 * and so have no ITL1 region. */
static const char *const regions[] = {
    "North East",
    "North West",
    "Yorkshire and The Humber",
    "East Midlands",
    "West Midlands",
    "East of England",
    "London",
    "South East",
    "South West",
    "Wales",
    "Scotland",
    "Northern Ireland",
    "Crown Dependencies",
};

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int is_upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* The slot of an area of one or two capital letters, or -1. */
static int area_slot(const char *area)
{
	if (!area || !is_upper(area[0]))
		return -1;
	if (area[1] == '\0')
		return (area[0] - 'A') * 27;
	if (!is_upper(area[1]) || area[2] != '\0')
		return -1;
	return (area[0] - 'A') * 27 + (area[1] - 'A' + 1);
}

static const char *known_region(const char *name)
{
	for (size_t i = 0; i < sizeof(regions) / sizeof(regions[0]); i++)
		if (strcmp(name, regions[i]) == 0)
			return regions[i];
	return NULL;
}

/* Strips a '#' comment, the line end and surrounding blanks, in place. */
static char *trim_line(char *line)
{
	char *hash = strchr(line, '#');
	if (hash)
		*hash = '\0';
	while (is_blank(*line))
		line++;
	size_t n = strlen(line);
	while (n && is_blank(line[n - 1]))
		line[--n] = '\0';
	return line;
}

/* One "AREA<TAB>Region name" line, already trimmed and not empty. */
static int parse_line(struct region_table *t, char *line, const char *path, unsigned lineno,
		      char *err, size_t errlen)
{
	char *tab = strchr(line, '\t');
	if (!tab)
		return fail(err, errlen, "%s: line %u: expected AREA<TAB>region", path, lineno);
	*tab = '\0';
	char *name = tab + 1;
	while (is_blank(*name))
		name++;
	int slot = area_slot(line);
	if (slot < 0)
		return fail(err, errlen, "%s: line %u: bad postcode area \"%s\"", path, lineno,
			    line);
	const char *region = known_region(name);
	if (!region)
		return fail(err, errlen, "%s: line %u: unknown region \"%s\"", path, lineno, name);
	if (t->by_area[slot])
		return fail(err, errlen, "%s: line %u: area %s is listed twice", path, lineno,
			    line);
	t->by_area[slot] = region;
	t->nareas++;
	return 0;
}

static int parse_file(struct region_table *t, FILE *f, const char *path, char *err, size_t errlen)
{
	char *line = NULL;
	size_t cap = 0;
	unsigned lineno = 0;
	int rc = 0;

	while (rc == 0 && getline(&line, &cap, f) >= 0) {
		char *s = trim_line(line);
		lineno++;
		if (*s)
			rc = parse_line(t, s, path, lineno, err, errlen);
	}
	if (rc == 0 && ferror(f))
		rc = fail(err, errlen, "%s: cannot read: %s", path, strerror(errno));
	if (rc == 0 && t->nareas == 0)
		rc = fail(err, errlen, "%s: no postcode areas", path);
	free(line);
	return rc;
}

struct region_table *region_load(const char *path, char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	if (!path) {
		fail(err, errlen, "(null): no path");
		return NULL;
	}
	FILE *f = fopen(path, "r");
	if (!f) {
		fail(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return NULL;
	}
	struct region_table *t = calloc(1, sizeof(*t));
	if (!t) {
		fclose(f);
		fail(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	int rc = parse_file(t, f, path, err, errlen);
	fclose(f);
	if (rc < 0) {
		region_free(t);
		return NULL;
	}
	return t;
}

void region_free(struct region_table *t)
{
	free(t);
}

/* Length of a UK outward code (A9, A99, A9A, AA9, AA99, AA9A) that is all of
 * s[0..n), or 0. */
static size_t outward_len(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && i < 3 && is_upper(s[i]))
		i++;
	if (i < 1 || i > 2 || i >= n || !is_digit(s[i]))
		return 0;
	i++;
	if (i < n && (is_digit(s[i]) || is_upper(s[i])))
		i++;
	return i == n ? n : 0;
}

/* An inward code ("2AB"), or only its sector digit ("2"), which is how
 * anonymised data often gives a postcode. */
static int inward_ok(const char *s, size_t n)
{
	if (n == 1)
		return is_digit(s[0]);
	return n == 3 && is_digit(s[0]) && is_upper(s[1]) && is_upper(s[2]);
}

/* Upper-cases raw into pc, trims it and turns inner runs of blanks into one
 * space. Returns the length, or 0 when empty or longer than any postcode. */
static size_t canonical_postcode(const char *raw, char pc[POSTCODE_MAX + 1])
{
	size_t n = 0;
	int gap = 0;

	for (const char *s = raw; *s; s++) {
		if (is_blank(*s)) {
			gap = n > 0;
			continue;
		}
		if (n + gap >= POSTCODE_MAX)
			return 0;
		if (gap)
			pc[n++] = ' ';
		gap = 0;
		pc[n++] = (*s >= 'a' && *s <= 'z') ? (char)(*s - 'a' + 'A') : *s;
	}
	pc[n] = '\0';
	return n;
}

/* The outward code's length in pc: all of it ("LS6"), before the space of a
 * full postcode ("LS6 2AB"), or before an unspaced inward code ("LS62AB"). */
static size_t outward_of(const char *pc, size_t n)
{
	const char *space = strchr(pc, ' ');

	if (space) {
		size_t out = (size_t)(space - pc);
		return inward_ok(space + 1, n - out - 1) ? outward_len(pc, out) : 0;
	}
	if (outward_len(pc, n))
		return n;
	if (n >= 5 && inward_ok(pc + n - 3, 3))
		return outward_len(pc, n - 3);
	return 0;
}

const char *region_area_of(const char *district, char *buf, size_t buflen)
{
	char pc[POSTCODE_MAX + 1];

	if (!district || !buf || buflen < 3)
		return NULL;
	size_t n = canonical_postcode(district, pc);
	if (!n || !outward_of(pc, n))
		return NULL;
	size_t letters = is_upper(pc[1]) ? 2 : 1;
	memcpy(buf, pc, letters);
	buf[letters] = '\0';
	return buf;
}

const char *region_lookup(const struct region_table *t, const char *area)
{
	int slot = area_slot(area);

	if (!t || slot < 0)
		return NULL;
	return t->by_area[slot];
}
