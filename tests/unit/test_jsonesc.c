/* Tests for daemon/core/jsonesc.c: JSON strings written into a measured
 * buffer (the store's jsonb parameters). cJSON is the independent reader. */
#include <cJSON.h>

#include "helpers.h"

#include "jsonesc.h"

/* s escaped, NUL-terminated, in a buffer exactly as long as promised plus a
 * canary that must survive. */
static char *escape(const char *s)
{
	size_t n = jsonesc_len(s);
	char *out = malloc(n + 2);

	assert_non_null(out);
	out[n] = '#';
	out[n + 1] = '\0';
	assert_ptr_equal(jsonesc_write(out, s), out + n);
	assert_int_equal(out[n], '#');
	out[n] = '\0';
	return out;
}

static void expect_escaped(const char *s, const char *want)
{
	char *got = escape(s);

	assert_string_equal(got, want);
	free(got);
}

static void test_plain_text_is_quoted(void **state)
{
	(void)state;
	expect_escaped("vitamin C serum", "\"vitamin C serum\"");
	expect_escaped("", "\"\"");
	assert_int_equal(jsonesc_len("abc"), 5);
}

static void test_null_is_json_null(void **state)
{
	(void)state;
	assert_int_equal(jsonesc_len(NULL), 4);
	expect_escaped(NULL, "null");
}

static void test_quote_and_backslash_get_a_backslash(void **state)
{
	(void)state;
	expect_escaped("say \"hi\"", "\"say \\\"hi\\\"\"");
	expect_escaped("C:\\path\\", "\"C:\\\\path\\\\\"");
	assert_int_equal(jsonesc_len("\"\\"), 6);
}

static void test_control_bytes_become_u_escapes(void **state)
{
	(void)state;
	expect_escaped("a\nb", "\"a\\u000ab\"");
	expect_escaped("\t\r\x01\x1f", "\"\\u0009\\u000d\\u0001\\u001f\"");
	/* 0x20 and DEL are not control characters for JSON */
	expect_escaped(" \x7f", "\" \x7f\"");
	assert_int_equal(jsonesc_len("\x1f"), 8);
}

static void test_utf8_is_copied_as_is(void **state)
{
	(void)state;
	expect_escaped("caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x92\x89",
		       "\"caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x92\x89\"");
	/* not UTF-8: still never read past the NUL, copied byte for byte */
	expect_escaped("\xff\xfe", "\"\xff\xfe\"");
}

/* Every byte value 1..255 in one string reads back unchanged. */
static void test_every_byte_round_trips_through_cjson(void **state)
{
	char s[256];

	(void)state;
	for (int i = 1; i < 256; i++)
		s[i - 1] = (char)i;
	s[255] = '\0';
	char *out = escape(s);
	cJSON *j = cJSON_Parse(out);
	assert_true(cJSON_IsString(j));
	assert_string_equal(j->valuestring, s);
	cJSON_Delete(j);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_plain_text_is_quoted),
	    cmocka_unit_test(test_null_is_json_null),
	    cmocka_unit_test(test_quote_and_backslash_get_a_backslash),
	    cmocka_unit_test(test_control_bytes_become_u_escapes),
	    cmocka_unit_test(test_utf8_is_copied_as_is),
	    cmocka_unit_test(test_every_byte_round_trips_through_cjson),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
