/* Terminal text: untrusted text made safe to print on an operator's terminal.
 *
 * A stored report, a file name or a server's answer may hold characters
 * that a terminal acts on instead of showing: C0 and C1 controls (escape
 * sequences, carriage returns that overwrite a line) and the invisible
 * formatting characters that reorder or hide text (U+202E RIGHT-TO-LEFT
 * OVERRIDE turns "exe.txt" into "txt.exe" on screen). Every printer of
 * needlewatchctl and needlewatch-upload (and the log, log.c) goes through
 * termtext_is_unsafe(), so what counts as unsafe is decided here once.
 * Pure functions, no locale: the decision must not depend on LANG. */
#ifndef NW_TERMTEXT_H
#define NW_TERMTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* What replaces an unsafe character or an invalid byte on the terminal. */
#define TERMTEXT_REPLACEMENT '?'

/* True for a code point that must not reach a terminal as itself:
 *   U+0000-001F, U+007F       C0 controls and DEL
 *   U+0080-009F               C1 controls (U+009B is CSI on some terminals)
 *   U+061C, U+200E, U+200F    bidi marks (ALM, LRM, RLM)
 *   U+202A-202E               bidi embeddings and overrides (LRE ... RLO)
 *   U+2066-2069               bidi isolates (LRI ... PDI)
 *   U+2028, U+2029            line and paragraph separators (a new line)
 *   U+FEFF                    zero-width no-break space / byte order mark
 * The bidi list is Unicode's Bidi_Control property, whole. */
bool termtext_is_unsafe(uint32_t cp);

/* Decodes the UTF-8 sequence at s, n >= 1 bytes available: returns its
 * length (1-4) and the code point in *ret_cp, or 0 when it is not valid
 * UTF-8 (a stray continuation byte, an overlong form, a surrogate, past
 * U+10FFFF, or cut short by n). */
size_t termtext_decode(const char *s, size_t n, uint32_t *ret_cp);

/* Copies s into buf (buflen >= 1 bytes, NUL included) with every unsafe
 * character and every byte of invalid UTF-8 replaced by '?', cut at a
 * character boundary when it does not fit. keep_newlines keeps '\n' (for
 * messages of several lines). Returns buf. */
const char *termtext_clean(char *buf, size_t buflen, const char *s, bool keep_newlines);

/* Writes s to out as termtext_clean() would copy it, whatever its length. */
void termtext_fputs(const char *s, FILE *out, bool keep_newlines);

#endif
