/* The weekly export's files: a growable text buffer, the CSV and JSON
 * renderings of an export_doc, and the atomic write that puts a file in
 * place (temporary file, fsync, rename, fsync of the directory), with its
 * SHA-256.
 *
 * Rendering is pure and deterministic: the same doc gives the same bytes, so
 * re-exporting a week rewrites identical files (the JSON differs only in
 * generated_at; the CSV carries no timestamp at all). */
#ifndef NW_EXPORT_FILES_H
#define NW_EXPORT_FILES_H

#include <stdbool.h>
#include <stddef.h>

#include "export_model.h"

/* Text accumulated by appends. An append that cannot allocate sets failed
 * and is ignored, as are all later ones: check failed once at the end. */
struct export_buf {
	char *data; /* NUL-terminated when len > 0 */
	size_t len;
	size_t cap;
	bool failed;
};

void export_buf_add(struct export_buf *b, const char *s, size_t n);
void export_buf_puts(struct export_buf *b, const char *s);
void export_buf_printf(struct export_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Frees the text; the buffer can be reused. Accepts NULL. */
void export_buf_free(struct export_buf *b);

/* "64 lower-case hex digits" and the NUL. */
#define EXPORT_SHA256_HEX_LEN 65

/* The table names files use: the summary table each cell comes from. */
const char *export_table_name(enum export_table t);

/* Appends s as one RFC 4180 field: quoted (with doubled quotes) when it
 * holds a comma, quote, CR or LF, or begins or ends with a space. A text
 * that begins with =, +, - or @ (or a tab or CR), which a spreadsheet would
 * run as a formula, is prefixed with a single quote when formula_guard is
 * set (used for text columns; numbers are never guarded). NULL: empty. */
void export_csv_field(struct export_buf *b, const char *s, bool formula_guard);

/* True when s is a number as RFC 8259 spells it ("12.5", "1e-05", "-0"),
 * so it can be copied into JSON as it is. */
bool export_json_number_ok(const char *s);

/* The CSV file: header row, then one row per cell, CRLF line ends, UTF-8. */
void export_render_csv(const struct export_doc *doc, struct export_buf *out);

/* The JSON file: metadata (week, generated_at, methods, suppression
 * threshold, coverage, software version), then the cells, one per line. */
void export_render_json(const struct export_doc *doc, struct export_buf *out);

/* SHA-256 of data[0..len) as hex into hex. 0 or -EIO. */
int export_sha256_hex(const void *data, size_t len, char hex[EXPORT_SHA256_HEX_LEN]);

/* Writes data[0..len) to dir/name atomically: a reader sees the old file or
 * the whole new one, never a part, even after a crash or power loss. The
 * file is mode 0644. Returns 0, or -errno with "path: reason" in err. */
int export_write_atomic(const char *dir, const char *name, const void *data, size_t len, char *err,
			size_t errlen);

#endif
