/* Strict JSON: a validating scan of the raw bytes, then cJSON, then a duplicate-key walk.
 *
 * The scan is recursive descent over buf[0..len) that never reads past len.
 * Its recursion is bounded by the depth limit, itself capped at cJSON's own
 * CJSON_NESTING_LIMIT, so every document the scan accepts cJSON parses too.
 *
 * Duplicate keys are found on the tree cJSON builds (it keeps them). Each
 * object's keys are sorted, so an object of n keys costs O(n log n), not
 * O(n^2): a body of many short keys must not become a CPU sink. Keys are
 * numbered in document order, which is the tree's pre-order; to report the
 * byte offset of a duplicate the scan runs a second time and notes where key
 * number k starts. That costs nothing on the success path.
 *
 * The scan also counts values and top-level array elements and stops at the
 * first one past its limit: the tree cJSON would build is refused before a
 * byte of it is allocated, whatever the body's size. */
#include "jsonstrict.h"
#include "util.h"

#include <assert.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Largest decimal exponent accepted: doubles end near 1.8e308, and a margin
 * keeps every accepted number finite after strtod, whatever its rounding. */
#define NUMBER_MAX_EXP10 300
/* Exponent digits past this no longer matter: no body is 1e15 bytes long. */
#define EXPONENT_SATURATE 1000000000000000LL
/* Objects up to this many keys are checked for duplicates without malloc. */
#define INLINE_KEYS 8
/* Bytes of a duplicate key quoted in its error message. */
#define SHOWN_KEY_MAX 80

struct scan {
	const unsigned char *buf;
	size_t len;
	size_t pos;
	int max_depth;
	size_t max_string;
	size_t max_values; /* SIZE_MAX: no limit */
	size_t max_items;  /* SIZE_MAX: no limit */
	struct json_counts counts;
	size_t nkeys;	    /* keys seen so far, in document order */
	size_t want_key;    /* number of the key whose offset is wanted, or SIZE_MAX */
	size_t want_offset; /* where that key starts, once seen */
	struct json_error *err;
};

/* The decimal digits of a number, as offsets into the buffer. */
struct number {
	size_t int_at, int_n;
	size_t frac_at, frac_n;
	long long exp;
};

__attribute__((format(printf, 3, 4))) static void set_error(struct json_error *err, size_t offset,
							    const char *fmt, ...)
{
	va_list ap;

	err->offset = offset;
	err->kind = JSON_FAULT_SYNTAX;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
}

/* Records the error and returns -1, so a scan function can end with return fail(...). */
__attribute__((format(printf, 3, 4))) static int fail(struct scan *s, size_t offset,
						      const char *fmt, ...)
{
	va_list ap;

	s->err->offset = offset;
	s->err->kind = JSON_FAULT_SYNTAX;
	va_start(ap, fmt);
	vsnprintf(s->err->message, sizeof(s->err->message), fmt, ap);
	va_end(ap);
	return -1;
}

/* The byte at the cursor, or -1 at the end of the input. */
static int peek(const struct scan *s)
{
	return s->pos < s->len ? s->buf[s->pos] : -1;
}

static bool is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* Fails at the cursor: with what if given, else naming the byte found there. */
static int fail_unexpected(struct scan *s, const char *what)
{
	int c = peek(s);

	if (c < 0)
		return fail(s, s->len, "unexpected end of input");
	if (what)
		return fail(s, s->pos, "%s", what);
	if (c > ' ' && c < 0x7f)
		return fail(s, s->pos, "unexpected character '%c'", c);
	return fail(s, s->pos, "unexpected byte 0x%02x", (unsigned)c);
}

/* RFC 8259 whitespace is exactly these four; cJSON would also skip form feed and the rest. */
static void skip_ws(struct scan *s)
{
	while (s->pos < s->len) {
		unsigned char c = s->buf[s->pos];

		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			return;
		s->pos++;
	}
}

static int scan_value(struct scan *s, int depth);

static int scan_literal(struct scan *s, const char *word)
{
	size_t n = strlen(word);

	if (s->len - s->pos < n || memcmp(s->buf + s->pos, word, n) != 0)
		return fail(s, s->pos, "invalid literal");
	s->pos += n;
	return 0;
}

static void skip_digits(struct scan *s)
{
	while (is_digit(peek(s)))
		s->pos++;
}

static int scan_exponent(struct scan *s, long long *ret_exp)
{
	bool negative = false;
	long long e = 0;

	s->pos++;
	if (peek(s) == '+' || peek(s) == '-') {
		negative = peek(s) == '-';
		s->pos++;
	}
	if (!is_digit(peek(s)))
		return fail(s, s->pos, "digit expected in exponent");
	for (; is_digit(peek(s)); s->pos++) {
		if (e < EXPONENT_SATURATE)
			e = e * 10 + (s->buf[s->pos] - '0');
	}
	*ret_exp = negative ? -e : e;
	return 0;
}

/* Decides on the decimal digits themselves, not on strtod's result: no locale,
 * no rounding at the boundary. With d the first non-zero digit and k its
 * power of ten, the value exceeds 1e300 iff k > 300, or k == 300 and the
 * digits are anything but a 1 followed by zeros. */
static bool number_too_large(const unsigned char *buf, const struct number *num)
{
	long long lead = 0, k;
	size_t nonzero = 0;
	unsigned char first = '0';

	for (size_t i = 0; i < num->int_n; i++) {
		if (buf[num->int_at + i] != '0' && nonzero++ == 0) {
			lead = (long long)(num->int_n - 1 - i);
			first = buf[num->int_at + i];
		}
	}
	for (size_t i = 0; i < num->frac_n; i++) {
		if (buf[num->frac_at + i] != '0' && nonzero++ == 0) {
			lead = -(long long)(i + 1);
			first = buf[num->frac_at + i];
		}
	}
	if (nonzero == 0)
		return false;
	k = lead + num->exp;
	if (k != NUMBER_MAX_EXP10)
		return k > NUMBER_MAX_EXP10;
	return first != '1' || nonzero > 1;
}

/* RFC 8259 §6: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)? */
static int scan_number(struct scan *s)
{
	struct number num = {0};
	size_t start = s->pos;

	if (peek(s) == '-')
		s->pos++;
	if (!is_digit(peek(s)))
		return fail(s, s->pos, "digit expected after '-'");
	num.int_at = s->pos;
	if (peek(s) == '0') {
		s->pos++;
		if (is_digit(peek(s)))
			return fail(s, s->pos, "leading zero in number");
	} else {
		skip_digits(s);
	}
	num.int_n = s->pos - num.int_at;
	if (peek(s) == '.') {
		s->pos++;
		if (!is_digit(peek(s)))
			return fail(s, s->pos, "digit expected after decimal point");
		num.frac_at = s->pos;
		skip_digits(s);
		num.frac_n = s->pos - num.frac_at;
	}
	if ((peek(s) == 'e' || peek(s) == 'E') && scan_exponent(s, &num.exp) < 0)
		return -1;
	if (number_too_large(s->buf, &num))
		return fail(s, start, "number magnitude exceeds 1e300");
	return 0;
}

/* The four hex digits of the \u escape whose backslash is at esc. */
static int scan_hex4(struct scan *s, size_t esc, unsigned *ret_cp)
{
	unsigned cp = 0;

	for (size_t i = esc + 2; i < esc + 6; i++) {
		int v;

		if (i >= s->len)
			return fail(s, s->len, "unterminated string");
		v = util_hex_value(s->buf[i]);
		if (v < 0)
			return fail(s, esc, "invalid \\u escape");
		cp = cp << 4 | (unsigned)v;
	}
	*ret_cp = cp;
	return 0;
}

/* \uXXXX, or a \uD800-\uDBFF \uDC00-\uDFFF pair; *ret_n is its size in UTF-8.
 * \u0000 is refused because cJSON would silently cut the string there. */
static int scan_unicode_escape(struct scan *s, size_t *ret_n)
{
	size_t esc = s->pos;
	unsigned cp = 0, low = 0;

	if (scan_hex4(s, esc, &cp) < 0)
		return -1;
	if (cp == 0)
		return fail(s, esc, "\\u0000 not allowed");
	if (cp >= 0xdc00 && cp <= 0xdfff)
		return fail(s, esc, "unpaired surrogate in \\u escape");
	if (cp < 0xd800 || cp > 0xdbff) {
		s->pos += 6;
		*ret_n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : 3;
		return 0;
	}
	if (esc + 6 >= s->len || (s->buf[esc + 6] == '\\' && esc + 7 >= s->len))
		return fail(s, s->len, "unterminated string");
	if (s->buf[esc + 6] != '\\' || s->buf[esc + 7] != 'u')
		return fail(s, esc, "unpaired surrogate in \\u escape");
	if (scan_hex4(s, esc + 6, &low) < 0)
		return -1;
	if (low < 0xdc00 || low > 0xdfff)
		return fail(s, esc, "unpaired surrogate in \\u escape");
	s->pos += 12;
	*ret_n = 4;
	return 0;
}

static int scan_escape(struct scan *s, size_t *ret_n)
{
	if (s->pos + 1 >= s->len)
		return fail(s, s->len, "unterminated string");
	switch (s->buf[s->pos + 1]) {
	case '"':
	case '\\':
	case '/':
	case 'b':
	case 'f':
	case 'n':
	case 'r':
	case 't':
		s->pos += 2;
		*ret_n = 1;
		return 0;
	case 'u':
		return scan_unicode_escape(s, ret_n);
	default:
		return fail(s, s->pos, "invalid escape sequence");
	}
}

/* Length of the well-formed UTF-8 sequence at p (RFC 3629 §4), p[0] >= 0x80, or 0. */
static size_t utf8_seq_len(const unsigned char *p, size_t avail)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return 0; /* continuation byte, overlong C0/C1, or F5-FF */
	/* The second byte's range is what excludes overlongs (E0, F0), UTF-16
	 * surrogates (ED) and code points above U+10FFFF (F4). */
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	if (avail < n || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++) {
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	}
	return n;
}

/* RFC 8259 §7. The length limit counts decoded bytes, what cJSON will hold:
 * an escaped character weighs its UTF-8 size, not its 6 or 12 escape bytes. */
static int scan_string(struct scan *s)
{
	size_t start = s->pos, decoded = 0;

	for (s->pos++;;) {
		size_t n = 1;
		int c = peek(s);

		if (c < 0)
			return fail(s, s->len, "unterminated string");
		if (c == '"') {
			s->pos++;
			return 0;
		}
		if (c == '\\') {
			if (scan_escape(s, &n) < 0)
				return -1;
		} else if (c < 0x20) {
			return fail(s, s->pos, "unescaped control character in string");
		} else if (c < 0x80) {
			s->pos++;
		} else {
			n = utf8_seq_len(s->buf + s->pos, s->len - s->pos);
			if (n == 0)
				return fail(s, s->pos, "invalid UTF-8");
			s->pos += n;
		}
		decoded += n;
		if (decoded > s->max_string)
			return fail(s, start, "string longer than %zu bytes", s->max_string);
	}
}

static int scan_member(struct scan *s, int depth)
{
	if (peek(s) != '"')
		return fail_unexpected(s, "expected a string key");
	if (s->nkeys++ == s->want_key)
		s->want_offset = s->pos;
	if (scan_string(s) < 0)
		return -1;
	skip_ws(s);
	if (peek(s) != ':')
		return fail_unexpected(s, "expected ':' after key");
	s->pos++;
	skip_ws(s);
	return scan_value(s, depth);
}

/* Counts one more element of the top-level array, refusing one too many. */
static int count_item(struct scan *s)
{
	if (++s->counts.items <= s->max_items)
		return 0;
	s->counts.items--;
	fail(s, s->pos, "more than %zu items in the top-level array", s->max_items);
	s->err->kind = JSON_FAULT_TOO_MANY_ITEMS;
	return -1;
}

/* An object or array opened at the cursor; close is '}' or ']'. */
static int scan_container(struct scan *s, int depth, char close)
{
	bool object = close == '}';
	bool top_array = !object && depth == 1;

	if (depth > s->max_depth)
		return fail(s, s->pos, "nesting deeper than %d", s->max_depth);
	s->pos++;
	skip_ws(s);
	if (peek(s) == close) {
		s->pos++;
		return 0;
	}
	for (;;) {
		if (top_array && count_item(s) < 0)
			return -1;
		if ((object ? scan_member(s, depth) : scan_value(s, depth)) < 0)
			return -1;
		skip_ws(s);
		if (peek(s) == close) {
			s->pos++;
			return 0;
		}
		if (peek(s) != ',')
			return fail_unexpected(s, object ? "expected ',' or '}'"
							 : "expected ',' or ']'");
		s->pos++;
		skip_ws(s);
		if (peek(s) == close)
			return fail(s, s->pos, "trailing comma");
	}
}

static int scan_value(struct scan *s, int depth)
{
	int c = peek(s);

	if (++s->counts.values > s->max_values) {
		s->counts.values--;
		fail(s, s->pos, "more than %zu values", s->max_values);
		s->err->kind = JSON_FAULT_TOO_MANY_VALUES;
		return -1;
	}
	switch (c) {
	case '{':
		return scan_container(s, depth + 1, '}');
	case '[':
		return scan_container(s, depth + 1, ']');
	case '"':
		return scan_string(s);
	case 't':
		return scan_literal(s, "true");
	case 'f':
		return scan_literal(s, "false");
	case 'n':
		return scan_literal(s, "null");
	default:
		if (c == '-' || is_digit(c))
			return scan_number(s);
		return fail_unexpected(s, NULL);
	}
}

static int scan_document(struct scan *s)
{
	static const unsigned char bom[] = {0xef, 0xbb, 0xbf};

	if (s->len >= sizeof(bom) && memcmp(s->buf, bom, sizeof(bom)) == 0)
		return fail(s, 0, "byte order mark not allowed");
	skip_ws(s);
	if (s->pos == s->len)
		return fail(s, s->pos, "empty document");
	if (scan_value(s, 0) < 0)
		return -1;
	skip_ws(s);
	if (s->pos != s->len)
		return fail(s, s->pos, "unexpected character after the value");
	return 0;
}

static void scan_init(struct scan *s, const char *buf, size_t len, const struct json_limits *lim,
		      struct json_error *err, size_t want_key)
{
	memset(s, 0, sizeof(*s));
	s->buf = (const unsigned char *)buf;
	s->len = len;
	s->max_depth = lim->max_depth;
	if (s->max_depth > CJSON_NESTING_LIMIT)
		s->max_depth = CJSON_NESTING_LIMIT;
	if (s->max_depth < 0)
		s->max_depth = 0;
	s->max_string = lim->max_string_bytes;
	s->max_values = lim->max_values ? lim->max_values : SIZE_MAX;
	s->max_items = lim->max_items ? lim->max_items : SIZE_MAX;
	s->want_key = want_key;
	s->err = err;
}

/* buf is not NUL-terminated and may end exactly at the end of its allocation:
 * cJSON gets a terminated copy. With require_null_terminated the length must
 * include the NUL, and since the scan refused NUL bytes, this one is the
 * first. On a validated document cJSON can only fail to allocate. */
static cJSON *parse_terminated_copy(const char *buf, size_t len)
{
	char *copy = malloc(len + 1);
	cJSON *root;

	if (!copy)
		return NULL;
	memcpy(copy, buf, len);
	copy[len] = '\0';
	root = cJSON_ParseWithLengthOpts(copy, len + 1, NULL, /* require_null_terminated= */ 1);
	free(copy);
	return root;
}

struct key_ref {
	const char *key;
	size_t number; /* in document order over the whole document */
};

struct dup_walk {
	size_t next;	      /* number of the next key met */
	size_t first_repeat;  /* smallest number of a key repeating an earlier one, or SIZE_MAX */
	const char *repeated; /* that key */
	bool oom;
};

static int key_ref_cmp(const void *a, const void *b)
{
	const struct key_ref *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	if (c)
		return c;
	return x->number < y->number ? -1 : x->number > y->number;
}

static void walk_item(struct dup_walk *w, const cJSON *item);

/* Decoded keys compare with strcmp: the scan refused \u0000, so none holds a NUL. */
static void check_object(struct dup_walk *w, const cJSON *obj)
{
	struct key_ref inline_refs[INLINE_KEYS], *refs = inline_refs;
	const cJSON *child;
	size_t n = 0, i = 0;

	for (child = obj->child; child; child = child->next)
		n++;
	if (n > INLINE_KEYS) {
		refs = calloc(n, sizeof(*refs));
		if (!refs) {
			w->oom = true;
			return;
		}
	}
	for (child = obj->child; child; child = child->next) {
		refs[i].key = child->string ? child->string : "";
		refs[i++].number = w->next++;
		walk_item(w, child);
	}
	qsort(refs, n, sizeof(*refs), key_ref_cmp);
	for (i = 1; i < n; i++) {
		if (strcmp(refs[i - 1].key, refs[i].key) == 0 && refs[i].number < w->first_repeat) {
			w->first_repeat = refs[i].number;
			w->repeated = refs[i].key;
		}
	}
	if (refs != inline_refs)
		free(refs);
}

static void walk_item(struct dup_walk *w, const cJSON *item)
{
	const cJSON *child;

	if (cJSON_IsObject(item)) {
		check_object(w, item);
		return;
	}
	if (!cJSON_IsArray(item))
		return;
	for (child = item->child; child; child = child->next)
		walk_item(w, child);
}

/* Copies key for an error message: cut on a UTF-8 boundary, with control
 * characters, quotes and backslashes shown as '?' so the message stays one
 * plain line. out must hold SHOWN_KEY_MAX + 4 bytes. */
static void show_key(char *out, const char *key)
{
	size_t n = strlen(key), i;
	bool cut = n > SHOWN_KEY_MAX;

	if (cut) {
		n = SHOWN_KEY_MAX;
		while (n > 0 && ((unsigned char)key[n] & 0xc0) == 0x80)
			n--;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)key[i];

		out[i] = c < 0x20 || c == 0x7f || c == '"' || c == '\\' ? '?' : (char)c;
	}
	memcpy(out + i, cut ? "..." : "", cut ? 4 : 1);
}

/* 0 if no object repeats a key; else -1 with err naming the first repeat. */
static int refuse_duplicates(const cJSON *root, const char *buf, size_t len,
			     const struct json_limits *lim, struct json_error *err)
{
	struct dup_walk w = {.first_repeat = SIZE_MAX};
	char shown[SHOWN_KEY_MAX + 4];
	struct scan s;

	walk_item(&w, root);
	if (w.oom) {
		set_error(err, 0, "out of memory");
		err->kind = JSON_FAULT_NOMEM;
		return -1;
	}
	if (w.first_repeat == SIZE_MAX)
		return 0;
	/* Succeeds as the first scan did; it only notes where that key starts. */
	scan_init(&s, buf, len, lim, err, w.first_repeat);
	(void)scan_document(&s);
	show_key(shown, w.repeated);
	set_error(err, s.want_offset, "duplicate key \"%s\"", shown);
	return -1;
}

int json_scan_strict(const char *buf, size_t len, const struct json_limits *lim,
		     struct json_counts *ret_counts, struct json_error *ret_err)
{
	struct json_error scratch = {0};
	struct scan s;
	int r;

	assert(lim);
	assert(buf || len == 0);
	scan_init(&s, buf, len, lim, ret_err ? ret_err : &scratch, SIZE_MAX);
	r = scan_document(&s);
	if (ret_counts)
		*ret_counts = s.counts;
	return r;
}

cJSON *json_parse_strict(const char *buf, size_t len, const struct json_limits *lim,
			 struct json_error *ret_err)
{
	struct json_error scratch = {0};
	struct json_error *err = ret_err ? ret_err : &scratch;
	struct scan s;
	cJSON *root;

	assert(lim);
	assert(buf || len == 0);
	scan_init(&s, buf, len, lim, err, SIZE_MAX);
	if (scan_document(&s) < 0)
		return NULL;
	root = parse_terminated_copy(buf, len);
	if (!root) {
		set_error(err, 0, "out of memory");
		err->kind = JSON_FAULT_NOMEM;
		return NULL;
	}
	if (refuse_duplicates(root, buf, len, lim, err) < 0) {
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}

const cJSON *json_get(const cJSON *obj, const char *key)
{
	if (!cJSON_IsObject(obj) || !key)
		return NULL;
	return cJSON_GetObjectItemCaseSensitive(obj, key);
}
