/* Tests for daemon/core/utf8.c: which byte sequences are well-formed UTF-8,
 * and the repair the audit log applies to a regulator's query arguments
 * (issue 12 item 7: `?setting=%FF` used to lose the audit row). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "utf8.h"

static size_t seq(const char *s)
{
	return utf8_sequence_len(s, strlen(s));
}

static void test_sequence_len_accepts_each_width(void **state)
{
	(void)state;
	assert_int_equal(seq("a"), 1);
	assert_int_equal(seq("\xc3\xa9"), 2);             /* é */
	assert_int_equal(seq("\xe2\x80\xae"), 3);         /* U+202E */
	assert_int_equal(seq("\xf0\x9f\x98\x80"), 4);     /* U+1F600 */
	assert_int_equal(seq("\xf4\x8f\xbf\xbf"), 4);     /* U+10FFFF */
}

static void test_sequence_len_refuses_malformed(void **state)
{
	(void)state;
	assert_int_equal(seq("\xff"), 0);                 /* never in UTF-8 */
	assert_int_equal(seq("\x80"), 0);                 /* a lone continuation */
	assert_int_equal(seq("\xc3"), 0);                 /* cut short */
	assert_int_equal(seq("\xc3("), 0);                /* bad continuation */
	assert_int_equal(seq("\xc0\xaf"), 0);             /* overlong '/' */
	assert_int_equal(seq("\xe0\x80\xaf"), 0);         /* overlong, 3 bytes */
	assert_int_equal(seq("\xed\xa0\x80"), 0);         /* surrogate U+D800 */
	assert_int_equal(seq("\xf4\x90\x80\x80"), 0);     /* past U+10FFFF */
	assert_int_equal(utf8_sequence_len("", 0), 0);
}

static void test_sanitize_keeps_valid_text(void **state)
{
	char out[64];
	const char *in = "salon caf\xc3\xa9 \xf0\x9f\x98\x80";
	(void)state;
	assert_int_equal(utf8_sanitize(in, strlen(in), out, sizeof(out)), strlen(in));
	assert_string_equal(out, in);
}

static void test_sanitize_replaces_each_bad_byte(void **state)
{
	char out[64];
	(void)state;
	/* ?setting=%FF, the request whose audit row used to be lost. */
	assert_int_equal(utf8_sanitize("\xff", 1, out, sizeof(out)), 3);
	assert_string_equal(out, UTF8_REPLACEMENT);
	/* A cut sequence, then valid text: only the bad byte goes. */
	assert_int_equal(utf8_sanitize("a\xc3z\xc3\xa9", 5, out, sizeof(out)), 7);
	assert_string_equal(out, "a" UTF8_REPLACEMENT "z\xc3\xa9");
	/* Overlong: both bytes replaced, each on its own. */
	utf8_sanitize("\xc0\xaf", 2, out, sizeof(out));
	assert_string_equal(out, UTF8_REPLACEMENT UTF8_REPLACEMENT);
}

static void test_sanitize_stops_at_whole_characters(void **state)
{
	char out[5];
	(void)state;
	/* "ab" + é + é: room for 4 bytes; the second é would not fit whole. */
	assert_int_equal(utf8_sanitize("ab\xc3\xa9\xc3\xa9", 6, out, sizeof(out)), 4);
	assert_string_equal(out, "ab\xc3\xa9");
	/* A replacement that does not fit is left out, never cut. */
	assert_int_equal(utf8_sanitize("abc\xff", 4, out, sizeof(out)), 3);
	assert_string_equal(out, "abc");
	assert_int_equal(utf8_sanitize("x", 1, out, 1), 0);
	assert_string_equal(out, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sequence_len_accepts_each_width),
	    cmocka_unit_test(test_sequence_len_refuses_malformed),
	    cmocka_unit_test(test_sanitize_keeps_valid_text),
	    cmocka_unit_test(test_sanitize_replaces_each_bad_byte),
	    cmocka_unit_test(test_sanitize_stops_at_whole_characters),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
