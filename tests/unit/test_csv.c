/* Unit tests for daemon/core/csv.c: RFC 4180 and what spreadsheets really write. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "csv.h"

#define MAX_ROWS 16

struct parsed {
	struct arena *a;
	struct csv_row rows[MAX_ROWS];
	size_t n;
	int rc; /* of the last csv_next() */
	struct csv_error err;
};

static void parse_len(struct parsed *p, const char *text, size_t len, char delimiter)
{
	struct csv_reader r;

	memset(p, 0, sizeof(*p));
	p->a = arena_new();
	assert_non_null(p->a);
	csv_reader_init(&r, text, len, delimiter, p->a);
	while (p->n < MAX_ROWS && (p->rc = csv_next(&r, &p->rows[p->n], &p->err)) == 1)
		p->n++;
}

static void parse(struct parsed *p, const char *text)
{
	parse_len(p, text, strlen(text), ',');
}

static void done(struct parsed *p)
{
	arena_free(p->a);
}

static void expect_row(const struct csv_row *row, size_t line, size_t n, ...)
{
	va_list ap;

	assert_int_equal(row->line, line);
	assert_int_equal(row->n, n);
	va_start(ap, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(row->fields[i], va_arg(ap, const char *));
	va_end(ap);
}

static void test_plain_rows_split_on_commas(void **state)
{
	struct parsed p;
	(void)state;
	parse(&p, "a,b,c\n1,2,3\n");
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.n, 2);
	expect_row(&p.rows[0], 1, 3, "a", "b", "c");
	expect_row(&p.rows[1], 2, 3, "1", "2", "3");
	assert_int_equal(p.rows[1].bad_utf8_field, -1);
	done(&p);
}

static void test_quoted_field_keeps_commas_and_doubled_quotes(void **state)
{
	struct parsed p;
	(void)state;
	parse(&p, "\"cheeks, forehead\",\"the \"\"derma\"\" pen\",\"\"\n");
	assert_int_equal(p.n, 1);
	expect_row(&p.rows[0], 1, 3, "cheeks, forehead", "the \"derma\" pen", "");
	done(&p);
}

static void test_embedded_newlines_advance_line_numbers(void **state)
{
	struct parsed p;
	(void)state;
	parse(&p, "h1,h2\r\n\"line one\r\nline two\nline three\",x\r\nnext,row\r\n");
	assert_int_equal(p.n, 3);
	expect_row(&p.rows[1], 2, 2, "line one\r\nline two\nline three", "x");
	expect_row(&p.rows[2], 5, 2, "next", "row");
	done(&p);
}

static void test_crlf_lf_and_lone_cr_all_end_a_record(void **state)
{
	struct parsed p;
	(void)state;
	parse(&p, "a,b\r\nc,d\ne,f\rg,h");
	assert_int_equal(p.n, 4);
	expect_row(&p.rows[0], 1, 2, "a", "b");
	expect_row(&p.rows[1], 2, 2, "c", "d");
	expect_row(&p.rows[2], 3, 2, "e", "f");
	expect_row(&p.rows[3], 4, 2, "g", "h");
	done(&p);
}

static void test_excel_byte_order_mark_is_skipped(void **state)
{
	struct parsed p;
	(void)state;
	parse(&p, "\xef\xbb\xbf"
		  "client_ref,version\r\nA,1\r\n");
	assert_int_equal(p.n, 2);
	expect_row(&p.rows[0], 1, 2, "client_ref", "version");
	done(&p);
}

static void test_empty_lines_are_skipped_but_counted(void **state)
{
	struct parsed p;
	(void)state;
	parse(&p, "\n\na,b\r\n\r\n\nc,d\n\n");
	assert_int_equal(p.n, 2);
	expect_row(&p.rows[0], 3, 2, "a", "b");
	expect_row(&p.rows[1], 6, 2, "c", "d");
	done(&p);
}

static void test_trailing_delimiter_gives_an_empty_last_field(void **state)
{
	struct parsed p;
	(void)state;
	parse(&p, "a,b,\n,,\nlast,");
	assert_int_equal(p.n, 3);
	expect_row(&p.rows[0], 1, 3, "a", "b", "");
	expect_row(&p.rows[1], 2, 3, "", "", "");
	expect_row(&p.rows[2], 3, 2, "last", "");
	done(&p);
}

static void test_unterminated_quote_is_an_error_at_its_line(void **state)
{
	struct parsed p;
	(void)state;
	parse(&p, "a,b\nc,\"never closed\nd,e\n");
	assert_int_equal(p.rc, -EINVAL);
	assert_int_equal(p.n, 1);
	assert_int_equal(p.err.line, 2);
	assert_string_equal(p.err.message, "unterminated quoted field");
	done(&p);
}

static void test_text_after_closing_quote_is_an_error(void **state)
{
	struct parsed p;
	(void)state;
	parse(&p, "a,b\n\"x\"y,z\n");
	assert_int_equal(p.rc, -EINVAL);
	assert_int_equal(p.err.line, 2);
	assert_string_equal(p.err.message, "unexpected text after a closing quote");
	done(&p);
}

static void test_spaces_after_closing_quote_are_padding(void **state)
{
	struct parsed p;
	(void)state;
	parse(&p, "\"x\"  ,\"y\" \n");
	assert_int_equal(p.rc, 0);
	expect_row(&p.rows[0], 1, 2, "x", "y");
	done(&p);
}

static void test_stray_quote_in_unquoted_field_is_literal(void **state)
{
	struct parsed p;
	(void)state;
	parse(&p, "5\" pen,0.5\"\n");
	assert_int_equal(p.n, 1);
	expect_row(&p.rows[0], 1, 2, "5\" pen", "0.5\"");
	done(&p);
}

static void test_invalid_utf8_marks_the_field(void **state)
{
	struct parsed p;
	(void)state;
	/* Windows-1252 "µm" (0xB5) in the second field of row 2. */
	parse(&p, "a,b\nok,1500 \xb5m\n\"caf\xc3\xa9\",x\n");
	assert_int_equal(p.n, 3);
	assert_int_equal(p.rows[0].bad_utf8_field, -1);
	assert_int_equal(p.rows[1].bad_utf8_field, 1);
	assert_int_equal(p.rows[2].bad_utf8_field, -1);
	assert_string_equal(p.rows[2].fields[0], "caf\xc3\xa9");
	done(&p);
}

static void test_nul_byte_marks_the_field(void **state)
{
	static const char text[] = "a,b\0c\n";
	struct parsed p;
	(void)state;
	parse_len(&p, text, sizeof(text) - 1, ',');
	assert_int_equal(p.n, 1);
	assert_int_equal(p.rows[0].bad_utf8_field, 1);
	done(&p);
}

static void test_utf8_validator_refuses_overlongs_and_surrogates(void **state)
{
	(void)state;
	assert_true(csv_utf8_valid("\xe2\x82\xac", 3));	     /* € */
	assert_true(csv_utf8_valid("\xf0\x9f\x92\x89", 4));  /* syringe */
	assert_false(csv_utf8_valid("\xc0\xaf", 2));	     /* overlong / */
	assert_false(csv_utf8_valid("\xed\xa0\x80", 3));     /* U+D800 */
	assert_false(csv_utf8_valid("\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
	assert_false(csv_utf8_valid("\xe2\x82", 2));	     /* truncated */
	assert_false(csv_utf8_valid("\x80", 1));	     /* lone continuation */
}

static void test_semicolon_and_tab_delimiters_are_sniffed(void **state)
{
	struct parsed p;
	(void)state;
	assert_int_equal(csv_sniff_delimiter("a;b;c\n1,5;2;3\n", 14), ';');
	assert_int_equal(csv_sniff_delimiter("a\tb\tc\n", 6), '\t');
	assert_int_equal(csv_sniff_delimiter("\"x;y;z\",b\n", 10), ',');
	assert_int_equal(csv_sniff_delimiter("single\n", 7), ',');
	parse_len(&p, "a;b\n\"1;5\";1,5\n", 14, ';');
	expect_row(&p.rows[1], 2, 2, "1;5", "1,5");
	done(&p);
}

static void test_too_many_fields_is_an_error(void **state)
{
	char text[CSV_MAX_FIELDS * 2 + 8];
	struct parsed p;
	(void)state;
	memset(text, ',', CSV_MAX_FIELDS);
	text[CSV_MAX_FIELDS] = '\n';
	text[CSV_MAX_FIELDS + 1] = '\0';
	parse(&p, text);
	assert_int_equal(p.rc, -EINVAL);
	assert_int_equal(p.err.line, 1);
	done(&p);
	memset(text, ',', CSV_MAX_FIELDS - 1);
	text[CSV_MAX_FIELDS - 1] = '\0';
	parse(&p, text);
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.rows[0].n, CSV_MAX_FIELDS);
	done(&p);
}

static void test_empty_input_has_no_rows(void **state)
{
	struct parsed p;
	(void)state;
	parse(&p, "");
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.n, 0);
	done(&p);
	parse(&p, "\xef\xbb\xbf\r\n");
	assert_int_equal(p.n, 0);
	done(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_plain_rows_split_on_commas),
	    cmocka_unit_test(test_quoted_field_keeps_commas_and_doubled_quotes),
	    cmocka_unit_test(test_embedded_newlines_advance_line_numbers),
	    cmocka_unit_test(test_crlf_lf_and_lone_cr_all_end_a_record),
	    cmocka_unit_test(test_excel_byte_order_mark_is_skipped),
	    cmocka_unit_test(test_empty_lines_are_skipped_but_counted),
	    cmocka_unit_test(test_trailing_delimiter_gives_an_empty_last_field),
	    cmocka_unit_test(test_unterminated_quote_is_an_error_at_its_line),
	    cmocka_unit_test(test_text_after_closing_quote_is_an_error),
	    cmocka_unit_test(test_spaces_after_closing_quote_are_padding),
	    cmocka_unit_test(test_stray_quote_in_unquoted_field_is_literal),
	    cmocka_unit_test(test_invalid_utf8_marks_the_field),
	    cmocka_unit_test(test_nul_byte_marks_the_field),
	    cmocka_unit_test(test_utf8_validator_refuses_overlongs_and_surrogates),
	    cmocka_unit_test(test_semicolon_and_tab_delimiters_are_sniffed),
	    cmocka_unit_test(test_too_many_fields_is_an_error),
	    cmocka_unit_test(test_empty_input_has_no_rows),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
