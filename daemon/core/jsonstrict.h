/* Strict JSON: RFC 8259 grammar and UTF-8 checked before cJSON sees a byte.
 *
 * cJSON 1.7.15 is lenient (leading zeros, "2.", raw control characters in
 * strings, bad \u escapes, form feed as whitespace, anything after a NUL),
 * keeps duplicate keys and has a fixed nesting limit of 1000; this module
 * closes each of those gaps so a body is either RFC JSON within our limits
 * or refused with a reason and a byte offset. */
#ifndef NW_JSONSTRICT_H
#define NW_JSONSTRICT_H

#include <stddef.h>

#include <cJSON.h>

struct json_limits {
	/* Nesting of arrays and objects, e.g. 32; values above
	 * CJSON_NESTING_LIMIT (1000) act as CJSON_NESTING_LIMIT. */
	int max_depth;
	/* Any one string or key, in decoded UTF-8 bytes, e.g. 16384. */
	size_t max_string_bytes;
	/* Values of any kind in the whole document, containers included; 0: no
	 * limit. A cJSON node costs about 80 bytes whatever it holds, so "[0,0,...]"
	 * makes 40 bytes of tree of each byte of text: this bounds the tree. */
	size_t max_values;
	/* Elements of a top-level array (a batch's reports); 0: no limit. */
	size_t max_items;
};

/* What was wrong: the grammar, or one of the count limits (which callers
 * answer differently: a batch too large is not a malformed body). */
enum json_fault {
	JSON_FAULT_SYNTAX = 0, /* grammar, UTF-8, depth, string length, duplicate keys */
	JSON_FAULT_TOO_MANY_ITEMS,
	JSON_FAULT_TOO_MANY_VALUES,
	JSON_FAULT_NOMEM,
};

struct json_error {
	size_t offset; /* byte offset of the problem */
	enum json_fault kind;
	char message[128]; /* "invalid escape sequence", "duplicate key \"version\"" ... */
};

/* What the pre-pass counted. */
struct json_counts {
	size_t values; /* every value, containers included */
	size_t items;  /* elements of the top-level array; 0 when it is not one */
};

/* The strict pre-pass alone: checks buf[0..len) as json_parse_strict does
 * (except duplicate keys, which need the tree) and counts it, allocating
 * nothing; it stops at the first value past a count limit, so refusing a
 * huge array costs no more than reading max_items of it. Returns 0, or -1
 * with *ret_err filled. *ret_counts (may be NULL) holds what was counted up
 * to where the scan stopped, in both cases. */
int json_scan_strict(const char *buf, size_t len, const struct json_limits *lim,
		     struct json_counts *ret_counts, struct json_error *ret_err);

/* Validates buf[0..len) strictly and parses it; buf need not be NUL-terminated.
 * Returns the tree (caller cJSON_Delete()s it) or NULL with *ret_err filled
 * (ret_err may be NULL; it is written only on failure). Rejects: grammar errors
 * (whitespace is space, tab, CR, LF only; no BOM), invalid UTF-8 (overlongs,
 * surrogates encoded in UTF-8, > U+10FFFF, truncated sequences), lone or
 * mismatched \u surrogates, \u0000, NUL bytes, numbers whose magnitude exceeds
 * 1e300 (so no value parses to ±inf), depth and string limits, duplicate keys
 * in one object (compared decoded; the offset is that of the first repeat in
 * document order), and anything but whitespace after the value. The count
 * limits are checked by the pre-pass, before cJSON builds anything. */
cJSON *json_parse_strict(const char *buf, size_t len, const struct json_limits *lim,
			 struct json_error *ret_err);

/* Case-sensitive member lookup (cJSON_GetObjectItem is case-insensitive).
 * NULL if obj is NULL or not an object, key is NULL, or there is no such member. */
const cJSON *json_get(const cJSON *obj, const char *key);

#endif
