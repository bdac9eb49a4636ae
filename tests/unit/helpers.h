/* Helpers shared by the unit tests: the shipped tables as a cmocka group
 * fixture, the arena fixture of the parser tests, whole-file reads and
 * writes, temporary files, and assertions that name the table row they check.
 * Header only, every function static inline: the Makefile compiles each
 * tests/unit/test_NAME.c on its own, and a test uses only what it calls.
 * Tests run from the repository root. */
#ifndef NW_TEST_HELPERS_H
#define NW_TEST_HELPERS_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arena.h"
#include "issues.h"
#include "normalise.h"
#include "pseudonym.h"
#include "region.h"
#include "vocab.h"

#ifndef VOCAB_PATH
#define VOCAB_PATH "config/vocabulary.json"
#endif
#ifndef REGIONS_PATH
#define REGIONS_PATH "config/postcode-regions.tsv"
#endif

/* ---- the shipped tables ------------------------------------------------- */

/* The shipped vocabulary and postcode regions, and a fixed pseudonym key
 * (32 bytes of 'k'), as the mapping tests read them. */
struct th_tables {
	struct vocab *vocab;
	struct region_table *regions;
	struct pseudonym_key key;
};

/* Filled by th_tables_setup, emptied by th_tables_teardown: one per test
 * binary, read by every test of the group. */
static struct th_tables shipped;

/* What a loader returned, after printing its reason when that is NULL: a
 * group fixture that fails says nothing else about why. */
static inline void *th_loaded(void *table, const char *err)
{
	if (!table)
		print_error("%s\n", err);
	return table;
}

/* cmocka group set-up: loads the shipped tables into `shipped` and makes
 * &shipped the group's state. Fails the group when a table does not load. */
static inline int th_tables_setup(void **state)
{
	char err[512];

	memset(shipped.key.bytes, 'k', 32);
	shipped.key.len = 32;
	shipped.vocab = th_loaded(vocab_load(VOCAB_PATH, err, sizeof(err)), err);
	shipped.regions = th_loaded(region_load(REGIONS_PATH, err, sizeof(err)), err);
	*state = &shipped;
	return shipped.vocab && shipped.regions ? 0 : -1;
}

/* cmocka group tear-down of th_tables_setup. */
static inline int th_tables_teardown(void **state)
{
	(void)state;
	vocab_free(shipped.vocab);
	region_free(shipped.regions);
	memset(&shipped, 0, sizeof(shipped));
	return 0;
}

/* How the tests normalise: the shipped tables and key, and a fixed today,
 * 2026-11-27 (a Friday of ISO week 2026-W48). */
static inline struct normalise_ctx th_normalise_ctx(void)
{
	struct normalise_ctx ctx = {
	    .vocab = shipped.vocab, .regions = shipped.regions, .key = &shipped.key};

	snprintf(ctx.today, sizeof(ctx.today), "%s", "2026-11-27");
	return ctx;
}

/* ---- the arena fixture of the parser tests ----------------------------- */

/* Defines the cmocka per-test fixtures setup() and teardown() for the file's
 * `struct fixture`, whose member a (an arena) and errors (an issue list on
 * it) are made fresh for each test and whose other members start zeroed. A
 * macro, because each file's struct fixture is its own type. */
#define TH_ARENA_FIXTURE                                                                           \
	static int setup(void **state)                                                             \
	{                                                                                          \
		struct fixture *f = calloc(1, sizeof(*f));                                         \
                                                                                                   \
		assert_non_null(f);                                                                \
		f->a = arena_new();                                                                \
		assert_non_null(f->a);                                                             \
		issues_init(&f->errors, f->a);                                                     \
		*state = f;                                                                        \
		return 0;                                                                          \
	}                                                                                          \
                                                                                                   \
	static int teardown(void **state)                                                          \
	{                                                                                          \
		struct fixture *f = *state;                                                        \
                                                                                                   \
		arena_free(f->a);                                                                  \
		free(f);                                                                           \
		return 0;                                                                          \
	}

/* Some issue of l is on field with a message containing words; otherwise
 * the test fails, after printing every issue of l. */
static inline void th_assert_issue(const struct issues *l, const char *field, const char *words)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].field, field) == 0 && strstr(l->v[i].message, words))
			return;
	for (size_t i = 0; i < l->n; i++)
		print_error("  %s: %s\n", l->v[i].field, l->v[i].message);
	fail_msg("no error on %s containing \"%s\"", field, words);
}

/* ---- files -------------------------------------------------------------- */

/* The whole of the file at path, NUL-terminated, in a buffer the caller
 * frees; its length without the NUL in *ret_len unless that is NULL. */
static inline char *th_read_file(const char *path, size_t *ret_len)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	char *buf;

	if (!f)
		print_error("%s: %s\n", path, strerror(errno));
	assert_non_null(f);
	assert_int_equal(fstat(fileno(f), &st), 0);
	buf = malloc((size_t)st.st_size + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)st.st_size, f), (size_t)st.st_size);
	fclose(f);
	buf[st.st_size] = '\0';
	if (ret_len)
		*ret_len = (size_t)st.st_size;
	return buf;
}

/* Writes len bytes to path, replacing what was there. */
static inline void th_write_file(const char *path, const void *bytes, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(bytes, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* A file of the test's own under /tmp (or a path set by hand that is never
 * written, such as one that does not exist). */
struct th_tmpfile {
	char path[64];
};

/* Creates a new temporary file holding text; the caller unlinks t->path. */
static inline void th_write_tmp(struct th_tmpfile *t, const char *text)
{
	size_t len = strlen(text);
	int fd;

	strcpy(t->path, "/tmp/nw-test-XXXXXX");
	fd = mkstemp(t->path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
}

/* ---- assertions for a row of a table of cases --------------------------- */

/* assert_string_equal and assert_int_equal for one case of a table: a
 * failure names the case (row) besides the values, at the caller's line.
 * NULL strings are equal only to NULL. */
#define th_assert_case_string(name, got, want)                                                     \
	th_case_string((name), (got), (want), __FILE__, __LINE__)
#define th_assert_case_int(name, got, want)                                                        \
	th_case_int((name), (intmax_t)(got), (intmax_t)(want), __FILE__, __LINE__)

static inline void th_case_string(const char *name, const char *got, const char *want,
				  const char *file, int line)
{
	if (got && want ? strcmp(got, want) == 0 : got == want)
		return;
	print_error("case \"%s\": \"%s\" != \"%s\"\n", name, got ? got : "(null)",
		    want ? want : "(null)");
	_fail(file, line);
}

static inline void th_case_int(const char *name, intmax_t got, intmax_t want, const char *file,
			       int line)
{
	if (got == want)
		return;
	print_error("case \"%s\": %jd != %jd\n", name, got, want);
	_fail(file, line);
}

#endif
