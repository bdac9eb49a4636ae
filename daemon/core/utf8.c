/* UTF-8 decoding and repair (RFC 3629; the Unicode standard's "maximal
 * subpart" rule is simplified to one U+FFFD per bad byte, which is also
 * allowed and keeps the count of replaced bytes visible). */
#include "utf8.h"

#include <stdint.h>
#include <string.h>

size_t utf8_sequence_len(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;
	uint32_t cp, min;

	if (len == 0)
		return 0;
	if (p[0] < 0x80)
		return 1;
	if ((p[0] & 0xe0) == 0xc0)
		n = 2, cp = p[0] & 0x1f, min = 0x80;
	else if ((p[0] & 0xf0) == 0xe0)
		n = 3, cp = p[0] & 0x0f, min = 0x800;
	else if ((p[0] & 0xf8) == 0xf0)
		n = 4, cp = p[0] & 0x07, min = 0x10000;
	else
		return 0;
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

size_t utf8_sanitize(const char *s, size_t len, char *out, size_t outsize)
{
	size_t i = 0, o = 0;

	while (i < len) {
		size_t n = utf8_sequence_len(s + i, len - i);
		const char *from = n ? s + i : UTF8_REPLACEMENT;
		size_t w = n ? n : sizeof(UTF8_REPLACEMENT) - 1;
		if (o + w + 1 > outsize)
			break;
		memcpy(out + o, from, w);
		o += w;
		i += n ? n : 1;
	}
	out[o] = '\0';
	return o;
}
