/* CSV: a reader for RFC 4180 text as spreadsheets actually export it.
 *
 * Generic on purpose (reports, activity, anything tabular): it knows rows of
 * fields and the line each row starts on, nothing about what the columns mean.
 * It takes quoted fields with embedded delimiters, doubled quotes and line
 * breaks; CRLF, LF or a lone CR (old Mac exports) as the end of a record; a
 * UTF-8 byte-order mark (Excel's "CSV UTF-8") before the first byte. Empty
 * lines are skipped. A quote inside an unquoted field is kept as a literal
 * character (5" pen), as every spreadsheet does. Two things end the read
 * with an error naming the line: a quoted field still open at the end of the
 * input, and text between a closing quote and the next delimiter ("a"b),
 * because after either the reader can no longer know where a row ends. */
#ifndef NW_CSV_H
#define NW_CSV_H

#include <stdbool.h>
#include <stddef.h>

struct arena;

/* Bounds that keep one malicious row from costing more than its bytes. */
#define CSV_MAX_FIELDS 256

/* One record. Fields are NUL-terminated copies in the reader's arena; a field
 * holding a NUL byte is cut there, and marked in bad_utf8_field. */
struct csv_row {
	size_t line; /* 1-based physical line the record starts on */
	size_t n;    /* number of fields, at least 1 */
	const char **fields;
	/* -1 when every field is valid UTF-8 without NUL bytes, else the index
	 * of the first field that is not: the caller decides what that costs. */
	int bad_utf8_field;
};

struct csv_error {
	size_t line;	   /* where the problem is */
	char message[128]; /* "unterminated quoted field", ... */
};

struct csv_reader {
	const char *p, *end;
	size_t line;
	char delimiter;
	struct arena *arena;
};

/* Reads buf[0..len) (not necessarily NUL-terminated) with the given
 * delimiter (',' when 0), skipping a UTF-8 byte-order mark. Rows are
 * allocated in a, which must outlive them. */
void csv_reader_init(struct csv_reader *r, const char *buf, size_t len, char delimiter,
		     struct arena *a);

/* The next row into *ret_row: returns 1, 0 at the end of the input, -EINVAL
 * with *ret_err filled (the reader is then finished), or -ENOMEM. */
int csv_next(struct csv_reader *r, struct csv_row *ret_row, struct csv_error *ret_err);

/* The delimiter of a file, guessed from its first record: the most frequent
 * of ',', ';' and TAB outside quotes (';' is what Excel writes where the
 * decimal separator is a comma). ',' when there is none. */
char csv_sniff_delimiter(const char *buf, size_t len);

/* True when s[0..len) is valid UTF-8 (no overlongs, surrogates or code
 * points past U+10FFFF) and holds no NUL byte. */
bool csv_utf8_valid(const char *s, size_t len);

#endif
