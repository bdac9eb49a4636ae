/* UTF-8: decoding one sequence strictly, and making any bytes storable as
 * text by replacing what is not UTF-8. */
#ifndef NW_UTF8_H
#define NW_UTF8_H

#include <stddef.h>

/* U+FFFD, what utf8_sanitize() puts in place of each byte it cannot decode. */
#define UTF8_REPLACEMENT "\xef\xbf\xbd"

/* The length (1-4) of the well-formed UTF-8 sequence at s[0..len): no
 * overlong form, surrogate or code point past U+10FFFF; 0 when there is none
 * (an invalid or cut byte, or len == 0). A NUL byte is a sequence of 1. */
size_t utf8_sequence_len(const char *s, size_t len);

/* Copies s[0..len) into out as valid UTF-8, each byte that starts no
 * well-formed sequence replaced by U+FFFD, NUL-terminated. Stops before a
 * sequence that would not fit, so out holds whole characters only (it may
 * end early when outsize < 3 * len + 1). Returns the bytes written, without
 * the NUL. outsize must be at least 1. NUL bytes in s are copied. */
size_t utf8_sanitize(const char *s, size_t len, char *out, size_t outsize);

#endif
