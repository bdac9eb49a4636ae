/* Tests for daemon/core/termtext.c: every code point and every short byte
 * sequence, against oracles written independently of the code under test
 * (a table of unsafe ranges; an encoder whose round trip defines valid UTF-8). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "termtext.h"

/* The oracle: the characters issue 12 (item 9) and the header name. */
static const uint32_t unsafe_ranges[][2] = {
    {0x0000, 0x001f}, {0x007f, 0x009f}, {0x061c, 0x061c}, {0x200e, 0x200f},
    {0x2028, 0x2029}, {0x202a, 0x202e}, {0x2066, 0x2069}, {0xfeff, 0xfeff},
};

static bool oracle_unsafe(uint32_t cp)
{
	for (size_t i = 0; i < sizeof(unsafe_ranges) / sizeof(unsafe_ranges[0]); i++)
		if (cp >= unsafe_ranges[i][0] && cp <= unsafe_ranges[i][1])
			return true;
	return false;
}

/* Shortest UTF-8 form of cp (not a surrogate, at most U+10FFFF). */
static size_t encode(uint32_t cp, char out[4])
{
	unsigned char *o = (unsigned char *)out;
	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xc0 | cp >> 6);
		o[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xe0 | cp >> 12);
		o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (unsigned char)(0xf0 | cp >> 18);
	o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

static bool is_surrogate(uint32_t cp)
{
	return cp >= 0xd800 && cp <= 0xdfff;
}

static void test_every_code_point_is_classified_as_the_oracle_says(void **state)
{
	(void)state;
	unsigned unsafe = 0;
	for (uint32_t cp = 0; cp <= 0x10ffff; cp++) {
		if (termtext_is_unsafe(cp) != oracle_unsafe(cp))
			fail_msg("U+%04X: termtext_is_unsafe says %d", cp, termtext_is_unsafe(cp));
		unsafe += termtext_is_unsafe(cp);
	}
	assert_int_equal(unsafe, 32 + 33 + 1 + 2 + 2 + 5 + 4 + 1);
	assert_true(termtext_is_unsafe(0x202e));  /* the RIGHT-TO-LEFT OVERRIDE */
	assert_false(termtext_is_unsafe(0x200d)); /* ZWJ: emoji sequences need it */
	assert_false(termtext_is_unsafe(0xe9));	  /* é */
	assert_false(termtext_is_unsafe(0x110000 - 1));
}

/* Every scalar value decodes from its encoding; printing it keeps it
 * exactly or prints a single '?', as the oracle says. */
static void test_every_code_point_round_trips_or_becomes_one_replacement(void **state)
{
	(void)state;
	char enc[5], buf[8];
	uint32_t got;
	for (uint32_t cp = 1; cp <= 0x10ffff; cp++) {
		if (is_surrogate(cp))
			continue;
		size_t len = encode(cp, enc);
		enc[len] = '\0';
		if (termtext_decode(enc, len, &got) != len || got != cp)
			fail_msg("U+%04X does not decode", cp);
		termtext_clean(buf, sizeof(buf), enc, false);
		if (oracle_unsafe(cp) ? strcmp(buf, "?") != 0 : strcmp(buf, enc) != 0)
			fail_msg("U+%04X printed as \"%s\"", cp, buf);
	}
}

/* Valid UTF-8, by its definition: the decoded code point encodes back to
 * exactly the bytes read. Every 1-, 2- and 3-byte sequence is tried (and
 * the count of accepted 3-byte ones checked: nothing valid is refused), and
 * 4-byte ones for every first two bytes from F0 up. */
static void check_sequence(const unsigned char *b, size_t n)
{
	uint32_t cp = 0;
	char enc[4];
	size_t len = termtext_decode((const char *)b, n, &cp);
	bool valid = len && !is_surrogate(cp) && cp <= 0x10ffff && encode(cp, enc) == len &&
		     memcmp(enc, b, len) == 0;
	if (len && !valid)
		fail_msg("%02x %02x %02x: accepted as U+%04X (%zu bytes)", b[0], n > 1 ? b[1] : 0,
			 n > 2 ? b[2] : 0, cp, len);
}

static void test_every_short_byte_sequence_is_decoded_only_when_valid(void **state)
{
	(void)state;
	unsigned char b[4];
	unsigned long accepted3 = 0;
	for (unsigned x = 0; x < 256; x++) {
		b[0] = (unsigned char)x;
		check_sequence(b, 1);
		for (unsigned y = 0; y < 256; y++) {
			b[1] = (unsigned char)y;
			check_sequence(b, 2);
			for (unsigned z = 0; z < 256; z++) {
				uint32_t cp;
				b[2] = (unsigned char)z;
				check_sequence(b, 3);
				accepted3 += termtext_decode((const char *)b, 3, &cp) == 3;
			}
		}
	}
	/* Three-byte scalar values: U+0800-FFFF less 2,048 surrogates. */
	assert_int_equal(accepted3, 0x10000 - 0x800 - 0x800);
	for (unsigned x = 0xf0; x < 256; x++)
		for (unsigned y = 0; y < 256; y++)
			for (unsigned k = 0; k < 4; k++) {
				b[0] = (unsigned char)x;
				b[1] = (unsigned char)y;
				b[2] = (unsigned char)(0x3f + k * 0x40); /* 3f 7f bf ff */
				b[3] = 0x80;
				check_sequence(b, 4);
			}
}

static void test_cut_sequences_and_stray_bytes_are_replaced_byte_by_byte(void **state)
{
	(void)state;
	char buf[64];
	assert_string_equal(termtext_clean(buf, sizeof(buf), "a\xe2\x80z", false), "a??z");
	assert_string_equal(termtext_clean(buf, sizeof(buf), "\x80\xff\xc0\xaf", false), "????");
	assert_string_equal(termtext_clean(buf, sizeof(buf), "\xed\xa0\x80", false), "???");
	assert_string_equal(termtext_clean(buf, sizeof(buf), "\xf4\x90\x80\x80", false), "????");
}

/* The case: a reporter's term with U+202E around a word. */
static void test_a_right_to_left_override_is_neutralised(void **state)
{
	(void)state;
	char buf[64];
	assert_string_equal(termtext_clean(buf, sizeof(buf),
					   "acne \xe2\x80\xae"
					   "gnitaeh",
					   false),
			    "acne ?gnitaeh");
	assert_string_equal(termtext_clean(buf, sizeof(buf),
					   "\xe2\x81\xa6x\xe2\x81\xa9\xef\xbb\xbfy\xd8\x9c", false),
			    "?x??y?");
	assert_string_equal(termtext_clean(buf, sizeof(buf), "caf\xc3\xa9 \xf0\x9f\x98\x80", false),
			    "caf\xc3\xa9 \xf0\x9f\x98\x80");
}

static void test_newlines_are_kept_only_when_asked(void **state)
{
	(void)state;
	char buf[64];
	assert_string_equal(termtext_clean(buf, sizeof(buf), "a\nb\r\tc\x1b[2J", false),
			    "a?b??c?[2J");
	assert_string_equal(termtext_clean(buf, sizeof(buf), "a\nb\r\tc\x1b[2J", true),
			    "a\nb??c?[2J");
	assert_string_equal(termtext_clean(buf, sizeof(buf), "x\xe2\x80\xa8y", true), "x?y");
}

/* Cut to fit, never inside a character. */
static void test_clean_cuts_at_a_character_boundary(void **state)
{
	(void)state;
	char buf[5];
	assert_string_equal(termtext_clean(buf, sizeof(buf), "ab\xc3\xa9\xc3\xa9", false),
			    "ab\xc3\xa9");
	assert_string_equal(termtext_clean(buf, 4, "ab\xc3\xa9", false), "ab");
	assert_string_equal(termtext_clean(buf, 1, "abc", false), "");
	buf[0] = 'z';
	termtext_clean(buf, 0, "abc", false); /* no room at all: untouched */
	assert_int_equal(buf[0], 'z');
}

static void test_fputs_writes_what_clean_copies(void **state)
{
	(void)state;
	static const char in[] = "name\xe2\x80\xae\x01\n\xc3\xa9\x80 end";
	char *mem = NULL, buf[64];
	size_t len = 0;
	FILE *f = open_memstream(&mem, &len);
	assert_non_null(f);
	termtext_fputs(in, f, false);
	termtext_fputs(in, f, true);
	fclose(f);
	char want[160];
	snprintf(want, sizeof(want), "%s", termtext_clean(buf, sizeof(buf), in, false));
	strcat(want, termtext_clean(buf, sizeof(buf), in, true));
	assert_string_equal(mem, want);
	assert_string_equal(mem, "name???\xc3\xa9? endname??\n\xc3\xa9? end");
	free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_code_point_is_classified_as_the_oracle_says),
	    cmocka_unit_test(test_every_code_point_round_trips_or_becomes_one_replacement),
	    cmocka_unit_test(test_every_short_byte_sequence_is_decoded_only_when_valid),
	    cmocka_unit_test(test_cut_sequences_and_stray_bytes_are_replaced_byte_by_byte),
	    cmocka_unit_test(test_a_right_to_left_override_is_neutralised),
	    cmocka_unit_test(test_newlines_are_kept_only_when_asked),
	    cmocka_unit_test(test_clean_cuts_at_a_character_boundary),
	    cmocka_unit_test(test_fputs_writes_what_clean_copies),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
