/* Text: ASCII character classes and folding shared by the value parsers.
 * Locale-independent on purpose: <ctype.h> depends on the process locale. */
#ifndef NW_TEXT_H
#define NW_TEXT_H

#include <stddef.h>
#include <string.h>

static inline int text_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static inline int text_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static inline int text_is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* True when s is empty or only white space. */
static inline int text_is_blank(const char *s)
{
	for (; *s; s++)
		if (!text_is_space(*s))
			return 0;
	return 1;
}

/* raw trimmed and ASCII lower-cased into buf; -1 when it does not fit. */
static inline int text_fold_ascii(const char *raw, char *buf, size_t len)
{
	while (text_is_space(*raw))
		raw++;
	size_t n = strlen(raw);
	while (n && text_is_space(raw[n - 1]))
		n--;
	if (n >= len)
		return -1;
	for (size_t i = 0; i < n; i++)
		buf[i] = raw[i] >= 'A' && raw[i] <= 'Z' ? (char)(raw[i] - 'A' + 'a') : raw[i];
	buf[n] = '\0';
	return 0;
}

#endif
