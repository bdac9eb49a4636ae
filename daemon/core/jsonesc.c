/* JSON string escaping into a measured buffer; see jsonesc.h. */
#include "jsonesc.h"

#include <string.h>

/* Bytes a character takes once escaped. */
static size_t escaped_len(unsigned char c)
{
	if (c == '"' || c == '\\')
		return 2;
	return c < 0x20 ? 6 : 1; /* \u00XX */
}

size_t jsonesc_len(const char *s)
{
	size_t n = 2;

	if (!s)
		return 4;
	for (const unsigned char *c = (const unsigned char *)s; *c; c++)
		n += escaped_len(*c);
	return n;
}

char *jsonesc_write(char *dst, const char *s)
{
	static const char hex[] = "0123456789abcdef";

	if (!s) {
		memcpy(dst, "null", 4);
		return dst + 4;
	}
	*dst++ = '"';
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if (*c == '"' || *c == '\\') {
			*dst++ = '\\';
			*dst++ = (char)*c;
		} else if (*c < 0x20) {
			memcpy(dst, "\\u00", 4);
			dst[4] = hex[*c >> 4];
			dst[5] = hex[*c & 15];
			dst += 6;
		} else {
			*dst++ = (char)*c;
		}
	}
	*dst++ = '"';
	return dst;
}
