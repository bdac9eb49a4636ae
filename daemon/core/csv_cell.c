/* CSV cells: padding, yes/no, counts and lists (see csv_cell.h). */
#include "csv_cell.h"
#include "arena.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

static bool is_nbsp(const char *p)
{
	return (unsigned char)p[0] == 0xc2 && (unsigned char)p[1] == 0xa0;
}

static bool is_pad(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

const char *csv_cell_trim(struct arena *a, const char *s)
{
	while (is_pad(*s) || is_nbsp(s))
		s += is_nbsp(s) ? 2 : 1;
	size_t n = strlen(s);
	while (n && (is_pad(s[n - 1]) || (n >= 2 && is_nbsp(s + n - 2))))
		n -= is_pad(s[n - 1]) ? 1 : 2;
	if (!s[n])
		return s;
	return arena_strndup(a, s, n);
}

/* s, ASCII lower-cased, is one of list. */
static bool lower_in(const char *s, const char *const *list)
{
	char buf[16];
	size_t n = strlen(s);

	if (n >= sizeof(buf))
		return false;
	for (size_t i = 0; i <= n; i++)
		buf[i] = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a') : s[i];
	for (; *list; list++)
		if (strcmp(buf, *list) == 0)
			return true;
	return false;
}

int csv_cell_count(const char *s, long *ret)
{
	static const char *const units[] = {"d", "day", "days", NULL};
	long v = 0;
	const char *p = s;

	for (; *p >= '0' && *p <= '9' && p - s < 9; p++)
		v = v * 10 + (*p - '0');
	if (p == s || (*p >= '0' && *p <= '9'))
		return -EINVAL;
	while (*p == ' ')
		p++;
	if (*p && !lower_in(p, units))
		return -EINVAL;
	*ret = v;
	return 0;
}

enum csv_yes_no csv_cell_yes_no(const char *s)
{
	static const char *const yes[] = {"yes", "y", "true", "t", "1", NULL};
	static const char *const no[] = {"no", "n", "false", "f", "0", NULL};
	static const char *const unknown[] = {"",   "unknown", "not known", "unk", "n/a",
					      "na", "?",       "-",	    NULL};
	if (lower_in(s, yes))
		return CSV_YES;
	if (lower_in(s, no))
		return CSV_NO;
	if (lower_in(s, unknown))
		return CSV_UNKNOWN;
	return CSV_NOT_YES_NO;
}

const char *csv_cell_next_item(struct arena *a, const char **s)
{
	while (**s) {
		size_t n = strcspn(*s, ";,|\n");
		const char *raw = arena_strndup(a, *s, n);
		const char *item = raw ? csv_cell_trim(a, raw) : NULL;
		*s += n + ((*s)[n] ? 1 : 0);
		if (!item) {
			*s += strlen(*s);
			return NULL;
		}
		if (*item)
			return item;
	}
	return NULL;
}
