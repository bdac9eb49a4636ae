/* CSV: an RFC 4180 reader over an in-memory buffer.
 *
 * One pass, no backtracking: a quoted field is measured first (so its copy
 * is one exact allocation) and copied second, undoubling quotes. Lines are
 * counted as they are consumed, including the line breaks inside quoted
 * fields, so every row knows the physical line a spreadsheet user sees. */
#include "csv.h"
#include "arena.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define FIELDS_INITIAL 16

void csv_reader_init(struct csv_reader *r, const char *buf, size_t len, char delimiter,
		     struct arena *a)
{
	r->p = buf;
	r->end = buf + len;
	r->line = 1;
	r->delimiter = delimiter ? delimiter : ',';
	r->arena = a;
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		r->p += 3;
}

/* Length of the line break at p (CRLF, LF or a lone CR), 0 when none. */
static size_t line_break_len(const char *p, const char *end)
{
	if (p >= end)
		return 0;
	if (*p == '\n')
		return 1;
	if (*p == '\r')
		return p + 1 < end && p[1] == '\n' ? 2 : 1;
	return 0;
}

static void fail(struct csv_reader *r, struct csv_error *err, size_t line, const char *msg)
{
	err->line = line;
	snprintf(err->message, sizeof(err->message), "%s", msg);
	r->p = r->end; /* finished: a caller looping on csv_next() stops */
}

bool csv_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;

	while (p < end) {
		unsigned c = *p;
		size_t n;
		uint32_t cp, min;
		if (c == 0)
			return false;
		if (c < 0x80) {
			p++;
			continue;
		}
		if ((c & 0xe0) == 0xc0)
			n = 1, cp = c & 0x1f, min = 0x80;
		else if ((c & 0xf0) == 0xe0)
			n = 2, cp = c & 0x0f, min = 0x800;
		else if ((c & 0xf8) == 0xf0)
			n = 3, cp = c & 0x07, min = 0x10000;
		else
			return false;
		if ((size_t)(end - p) <= n)
			return false;
		for (size_t i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		p += n + 1;
	}
	return true;
}

/* A quoted field; r->p is just past the opening quote. Measures, then copies. */
static int read_quoted(struct csv_reader *r, const char **ret, size_t *ret_len,
		       struct csv_error *err)
{
	size_t start_line = r->line, len = 0, lines = 0;
	const char *q = r->p;

	while (q < r->end) {
		if (*q == '"') {
			if (q + 1 < r->end && q[1] == '"') {
				q += 2;
				len++;
				continue;
			}
			break;
		}
		if (*q == '\n' || (*q == '\r' && !(q + 1 < r->end && q[1] == '\n')))
			lines++;
		q++;
		len++;
	}
	if (q >= r->end) {
		fail(r, err, start_line, "unterminated quoted field");
		return -EINVAL;
	}
	char *out = arena_alloc(r->arena, len + 1);
	if (!out)
		return -ENOMEM;
	for (size_t i = 0; r->p < q; i++) {
		out[i] = *r->p;
		r->p += *r->p == '"' ? 2 : 1;
	}
	r->p = q + 1;
	r->line += lines;
	/* Spaces after the closing quote are harmless padding; anything else
	 * means the quoting is broken and the row boundaries are unknowable. */
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t') && *r->p != r->delimiter)
		r->p++;
	if (r->p < r->end && *r->p != r->delimiter && !line_break_len(r->p, r->end)) {
		fail(r, err, r->line, "unexpected text after a closing quote");
		return -EINVAL;
	}
	*ret = out;
	*ret_len = len;
	return 0;
}

static int read_plain(struct csv_reader *r, const char **ret, size_t *ret_len)
{
	const char *start = r->p;

	while (r->p < r->end && *r->p != r->delimiter && !line_break_len(r->p, r->end))
		r->p++;
	char *out = arena_alloc(r->arena, (size_t)(r->p - start) + 1);
	if (!out)
		return -ENOMEM;
	memcpy(out, start, (size_t)(r->p - start));
	*ret = out;
	*ret_len = (size_t)(r->p - start);
	return 0;
}

/* Appends one field to the row, growing its array in the arena. */
static int push_field(struct csv_reader *r, struct csv_row *row, size_t *cap, const char *f)
{
	if (row->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : FIELDS_INITIAL;
		const char **v = arena_alloc(r->arena, ncap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		if (row->n)
			memcpy(v, row->fields, row->n * sizeof(*v));
		row->fields = v;
		*cap = ncap;
	}
	row->fields[row->n++] = f;
	return 0;
}

static void skip_empty_lines(struct csv_reader *r)
{
	size_t n;
	while ((n = line_break_len(r->p, r->end)) > 0) {
		r->p += n;
		r->line++;
	}
}

int csv_next(struct csv_reader *r, struct csv_row *ret_row, struct csv_error *ret_err)
{
	struct csv_row row = {.bad_utf8_field = -1};
	size_t cap = 0;

	skip_empty_lines(r);
	if (r->p >= r->end)
		return 0;
	row.line = r->line;
	for (;;) {
		const char *f = NULL;
		size_t len = 0;
		int rc;
		if (row.n == CSV_MAX_FIELDS) {
			fail(r, ret_err, row.line, "more than 256 fields in one row");
			return -EINVAL;
		}
		if (r->p < r->end && *r->p == '"') {
			r->p++;
			rc = read_quoted(r, &f, &len, ret_err);
		} else {
			rc = r->p < r->end ? read_plain(r, &f, &len) : (f = "", 0);
		}
		if (rc < 0)
			return rc;
		if (row.bad_utf8_field < 0 && !csv_utf8_valid(f, len))
			row.bad_utf8_field = (int)row.n;
		if (push_field(r, &row, &cap, f) < 0)
			return -ENOMEM;
		if (r->p < r->end && *r->p == r->delimiter) {
			r->p++;
			continue;
		}
		size_t br = line_break_len(r->p, r->end);
		r->p += br;
		r->line += br ? 1 : 0;
		break;
	}
	*ret_row = row;
	return 1;
}

char csv_sniff_delimiter(const char *buf, size_t len)
{
	size_t comma = 0, semi = 0, tab = 0;
	bool quoted = false;

	for (size_t i = 0; i < len; i++) {
		char c = buf[i];
		if (c == '"')
			quoted = !quoted;
		else if (!quoted && (c == '\n' || c == '\r'))
			break;
		else if (!quoted && c == ',')
			comma++;
		else if (!quoted && c == ';')
			semi++;
		else if (!quoted && c == '\t')
			tab++;
	}
	if (semi > comma && semi >= tab)
		return ';';
	if (tab > comma && tab > semi)
		return '\t';
	return ',';
}
