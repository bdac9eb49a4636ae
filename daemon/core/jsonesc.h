/* JSON strings written straight into a buffer, for JSON text built without
 * a cJSON tree (the writer's jsonb parameters: one allocation per document,
 * measured first, no tree per report).
 *
 * Escaping follows RFC 8259 the way jsonb reads it back: '"' and '\' get a
 * backslash, bytes below 0x20 become \u00XX, every other byte is copied, so
 * valid UTF-8 in is valid UTF-8 out. The caller has checked the UTF-8 (the
 * report body was); this module never reads past the terminating NUL. */
#ifndef NW_JSONESC_H
#define NW_JSONESC_H

#include <stddef.h>

/* Exact length of s written as a quoted JSON string, without a NUL; 4
 * ("null") when s is NULL. */
size_t jsonesc_len(const char *s);

/* Writes s as a quoted JSON string (or null when s is NULL) at dst, which
 * must have room for jsonesc_len(s) bytes; writes no NUL. Returns the end
 * of what it wrote. */
char *jsonesc_write(char *dst, const char *s);

#endif
