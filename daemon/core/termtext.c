/* Terminal text: one decoder and one list of unsafe characters. */
#include "termtext.h"

#include <string.h>

bool termtext_is_unsafe(uint32_t cp)
{
	if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
		return true;
	switch (cp) {
	case 0x061c:
	case 0x200e:
	case 0x200f:
	case 0x2028:
	case 0x2029:
	case 0xfeff:
		return true;
	default:
		return (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
	}
}

size_t termtext_decode(const char *s, size_t n, uint32_t *ret_cp)
{
	const unsigned char *u = (const unsigned char *)s;
	uint32_t cp;
	size_t len;

	if (u[0] < 0x80) {
		*ret_cp = u[0];
		return 1;
	}
	if (u[0] >= 0xc2 && u[0] <= 0xdf) {
		len = 2;
		cp = u[0] & 0x1fu;
	} else if ((u[0] & 0xf0) == 0xe0) {
		len = 3;
		cp = u[0] & 0x0fu;
	} else if (u[0] >= 0xf0 && u[0] <= 0xf4) {
		len = 4;
		cp = u[0] & 0x07u;
	} else {
		return 0; /* a continuation byte, C0/C1 (overlong) or F5-FF */
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((u[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (u[i] & 0x3fu);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*ret_cp = cp;
	return len;
}

/* The next piece of s to print: returns the input bytes it stands for and
 * sets *ret_keep (print s[0..len) as it is) or not (print one '?'). */
static size_t next_piece(const char *s, size_t n, bool keep_newlines, bool *ret_keep)
{
	uint32_t cp = 0;
	size_t len = termtext_decode(s, n, &cp);

	if (!len) {
		*ret_keep = false;
		return 1;
	}
	*ret_keep = !termtext_is_unsafe(cp) || (keep_newlines && cp == '\n');
	return len;
}

const char *termtext_clean(char *buf, size_t buflen, const char *s, bool keep_newlines)
{
	size_t n = strlen(s), used = 0;

	if (!buflen)
		return buf;
	for (size_t i = 0; i < n;) {
		bool keep;
		size_t len = next_piece(s + i, n - i, keep_newlines, &keep);
		size_t out = keep ? len : 1;

		if (used + out >= buflen)
			break;
		if (keep)
			memcpy(buf + used, s + i, len);
		else
			buf[used] = TERMTEXT_REPLACEMENT;
		used += out;
		i += len;
	}
	buf[used] = '\0';
	return buf;
}

void termtext_fputs(const char *s, FILE *out, bool keep_newlines)
{
	size_t n = strlen(s);

	for (size_t i = 0; i < n;) {
		bool keep;
		size_t len = next_piece(s + i, n - i, keep_newlines, &keep);

		if (keep)
			fwrite(s + i, 1, len, out);
		else
			fputc(TERMTEXT_REPLACEMENT, out);
		i += len;
	}
}
