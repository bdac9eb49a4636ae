/* Tests for daemon/server/framing.c: which request heads are refused, with
 * which status, before any body is read (issue 12 item 3). The integration
 * test (tests/integration/test_http_framing.sh) sends the same heads over
 * TLS and checks that nothing smuggled behind them runs; here each rule is
 * checked on its own, and in the order a client should fix them. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "framing.h"

/* A sound HTTP/1.1 POST with a Content-Length: the base every case bends. */
static struct framing_head post(void)
{
	return (struct framing_head){.http11 = true, .host = 1, .content_length = 1, .body = true};
}

/* The status framing_judge() gives h, 0 when it passes; the field named. */
static unsigned judge(struct framing_head h, const char **ret_field)
{
	struct framing_problem p = {0};
	int r = framing_judge(&h, &p);
	*ret_field = p.field;
	assert_true(r == 0 ? p.status == 0 : p.status >= 400);
	return r == 0 ? 0 : p.status;
}

static void test_sound_heads_pass(void **state)
{
	const char *f;
	struct framing_head h = post();
	(void)state;
	assert_int_equal(judge(h, &f), 0);
	h.content_length = 0;
	h.transfer_encoding = 1;
	h.te_chunked = true;
	assert_int_equal(judge(h, &f), 0);
	/* HTTP/1.0 needs no Host. */
	assert_int_equal(judge((struct framing_head){.http11 = false}, &f), 0);
}

static void test_two_content_lengths_are_400(void **state)
{
	const char *f;
	struct framing_head h = post();
	(void)state;
	h.content_length = 2;
	assert_int_equal(judge(h, &f), 400);
	assert_string_equal(f, "header.Content-Length");
}

static void test_content_length_with_chunked_is_400(void **state)
{
	const char *f;
	struct framing_head h = post();
	(void)state;
	h.transfer_encoding = 1;
	h.te_chunked = true;
	assert_int_equal(judge(h, &f), 400);
	assert_string_equal(f, "header.Transfer-Encoding");
}

static void test_unknown_transfer_coding_is_501(void **state)
{
	const char *f;
	struct framing_head h = post();
	(void)state;
	h.content_length = 0;
	h.transfer_encoding = 1;
	h.te_chunked = false; /* gzip, or "gzip, chunked" */
	assert_int_equal(judge(h, &f), 501);
	assert_string_equal(f, "header.Transfer-Encoding");
	/* Two lines, even "chunked" twice: MHD reads the first only. */
	h.transfer_encoding = 2;
	h.te_chunked = true;
	assert_int_equal(judge(h, &f), 501);
}

static void test_transfer_encoding_in_http10_is_400(void **state)
{
	const char *f;
	struct framing_head h = {.transfer_encoding = 1, .te_chunked = true, .body = true};
	(void)state;
	assert_int_equal(judge(h, &f), 400);
	assert_string_equal(f, "header.Transfer-Encoding");
}

static void test_content_encoding_is_415(void **state)
{
	const char *f;
	struct framing_head h = post();
	(void)state;
	h.content_encoding = true;
	assert_int_equal(judge(h, &f), 415);
	assert_string_equal(f, "header.Content-Encoding");
}

static void test_host_missing_or_repeated_is_400(void **state)
{
	const char *f;
	struct framing_head h = post();
	(void)state;
	h.host = 0;
	assert_int_equal(judge(h, &f), 400);
	assert_string_equal(f, "header.Host");
	h.host = 2;
	assert_int_equal(judge(h, &f), 400);
	assert_string_equal(f, "header.Host");
}

static void test_nul_in_target_is_400_before_anything(void **state)
{
	const char *f;
	struct framing_head h = post();
	(void)state;
	h.target_nul = true;
	h.content_encoding = true; /* also wrong, but the target is named first */
	assert_int_equal(judge(h, &f), 400);
	assert_string_equal(f, "target");
}

static void test_space_before_colon_is_400(void **state)
{
	const char *f;
	struct framing_head h = post();
	(void)state;
	h.name_space = true;
	assert_int_equal(judge(h, &f), 400);
	assert_string_equal(f, "header");
}

static void test_token_is_trims_and_ignores_case(void **state)
{
	(void)state;
	assert_true(framing_token_is("chunked", 7, "chunked"));
	assert_true(framing_token_is(" Chunked\t", 9, "chunked"));
	assert_false(framing_token_is("gzip, chunked", 13, "chunked"));
	assert_false(framing_token_is("chunked, chunked", 16, "chunked"));
	assert_false(framing_token_is("chunkedx", 8, "chunked"));
	assert_false(framing_token_is("", 0, "chunked"));
	/* Only len bytes count: what follows is not part of the value. */
	assert_true(framing_token_is("identity-no", 8, "identity"));
}

static void test_uri_log_marks_only_percent_00(void **state)
{
	(void)state;
	assert_ptr_equal(framing_uri_log(NULL, "/v1/reports/1%00x", NULL), FRAMING_TARGET_NUL);
	assert_ptr_equal(framing_uri_log(NULL, "/v1/summaries?setting=a%00b", NULL),
			 FRAMING_TARGET_NUL);
	assert_null(framing_uri_log(NULL, "/v1/reports/1", NULL));
	assert_null(framing_uri_log(NULL, "/v1/summaries?setting=%FF&x=%2500", NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sound_heads_pass),
	    cmocka_unit_test(test_two_content_lengths_are_400),
	    cmocka_unit_test(test_content_length_with_chunked_is_400),
	    cmocka_unit_test(test_unknown_transfer_coding_is_501),
	    cmocka_unit_test(test_transfer_encoding_in_http10_is_400),
	    cmocka_unit_test(test_content_encoding_is_415),
	    cmocka_unit_test(test_host_missing_or_repeated_is_400),
	    cmocka_unit_test(test_nul_in_target_is_400_before_anything),
	    cmocka_unit_test(test_space_before_colon_is_400),
	    cmocka_unit_test(test_token_is_trims_and_ignores_case),
	    cmocka_unit_test(test_uri_log_marks_only_percent_00),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
