/* Unit tests for daemon/core/webhook_sign.c against RFC 4231's HMAC-SHA256 vectors. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "webhook_sign.h"

/* RFC 4231, test case 2: key "Jefe", data "what do ya want for nothing?". */
static void test_signature_matches_rfc4231_case_2(void **state)
{
	(void)state;
	char out[WEBHOOK_SIGNATURE_LEN];
	const char *data = "what do ya want for nothing?";
	assert_int_equal(webhook_sign("Jefe", 4, data, strlen(data), out), 0);
	assert_string_equal(
	    out, "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

/* RFC 4231, test case 1: key 20 x 0x0b, data "Hi There". */
static void test_signature_matches_rfc4231_case_1(void **state)
{
	(void)state;
	char key[20], out[WEBHOOK_SIGNATURE_LEN];
	memset(key, 0x0b, sizeof(key));
	assert_int_equal(webhook_sign(key, sizeof(key), "Hi There", 8, out), 0);
	assert_string_equal(
	    out, "sha256=b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

static void test_empty_key_is_refused(void **state)
{
	(void)state;
	char out[WEBHOOK_SIGNATURE_LEN];
	assert_int_not_equal(webhook_sign("", 0, "x", 1, out), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_signature_matches_rfc4231_case_2),
	    cmocka_unit_test(test_signature_matches_rfc4231_case_1),
	    cmocka_unit_test(test_empty_key_is_refused),
	};
	return cmocka_run_group_tests_name("webhook_sign", tests, NULL, NULL);
}
