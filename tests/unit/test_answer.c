/* Tests for daemon/upload/answer.c: the verdict on a file from the server's
 * status and body, single reports and batches, and the reason logged. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "../../daemon/upload/answer.h"

static struct answer judge(long status, const char *body)
{
	struct answer a;
	answer_judge(status, body, body ? strlen(body) : 0, &a);
	return a;
}

static void test_created_report_is_sent_with_its_id(void **state)
{
	(void)state;
	struct answer a = judge(201, "{\"id\":42,\"status\":\"accepted\",\"report\":{}}");
	assert_int_equal(a.verdict, VERDICT_SENT);
	assert_int_equal(a.id, 42);
	assert_false(a.batch);
}

static void test_replayed_report_is_a_duplicate(void **state)
{
	(void)state;
	struct answer a = judge(200, "{\"id\":7,\"status\":\"duplicate\"}");
	assert_int_equal(a.verdict, VERDICT_DUPLICATE);
	assert_int_equal(a.id, 7);
}

static void test_2xx_without_a_readable_body_is_sent(void **state)
{
	(void)state;
	assert_int_equal(judge(201, NULL).verdict, VERDICT_SENT);
	assert_int_equal(judge(200, "not json").verdict, VERDICT_SENT);
	assert_int_equal(judge(204, "").verdict, VERDICT_SENT);
	assert_int_equal(judge(201, NULL).id, -1);
}

static void test_batch_of_accepted_items_is_sent(void **state)
{
	(void)state;
	struct answer a = judge(200, "{\"results\":[{\"index\":0,\"status\":\"accepted\",\"id\":1},"
				     "{\"index\":1,\"status\":\"accepted\",\"id\":2}],"
				     "\"accepted\":2,\"duplicate\":0,\"rejected\":0}");
	assert_int_equal(a.verdict, VERDICT_SENT);
	assert_true(a.batch);
	assert_int_equal(a.items, 2);
	assert_int_equal(a.accepted, 2);
	assert_int_equal(a.rejected, 0);
}

static void test_batch_mixing_accepted_and_duplicate_is_sent(void **state)
{
	(void)state;
	struct answer a =
	    judge(200, "{\"results\":[{\"index\":0,\"status\":\"duplicate\",\"id\":1},"
		       "{\"index\":1,\"status\":\"accepted\",\"id\":2}]}");
	assert_int_equal(a.verdict, VERDICT_SENT);
	assert_int_equal(a.duplicate, 1);
	assert_int_equal(a.accepted, 1);
}

static void test_batch_of_duplicates_is_a_duplicate(void **state)
{
	(void)state;
	struct answer a =
	    judge(200, "{\"results\":[{\"index\":0,\"status\":\"duplicate\",\"id\":1},"
		       "{\"index\":1,\"status\":\"duplicate\",\"id\":2}]}");
	assert_int_equal(a.verdict, VERDICT_DUPLICATE);
	assert_int_equal(a.duplicate, 2);
}

static void test_batch_with_a_rejected_item_is_rejected_with_its_errors(void **state)
{
	(void)state;
	struct answer a = judge(
	    200,
	    "{\"results\":[{\"index\":0,\"status\":\"accepted\",\"id\":1},"
	    "{\"index\":1,\"status\":\"rejected\",\"errors\":[{\"field\":\"patient.fitzpatrick\","
	    "\"message\":\"must be 1 to 6\"}]},"
	    "{\"index\":2,\"status\":\"duplicate\",\"id\":3}],"
	    "\"accepted\":1,\"duplicate\":1,\"rejected\":1}");
	assert_int_equal(a.verdict, VERDICT_REJECTED);
	assert_int_equal(a.items, 3);
	assert_int_equal(a.accepted, 1);
	assert_int_equal(a.duplicate, 1);
	assert_int_equal(a.rejected, 1);
	assert_non_null(strstr(a.reason, "1 of 3 items rejected"));
	assert_non_null(strstr(a.reason, "item 1 rejected"));
	assert_non_null(strstr(a.reason, "patient.fitzpatrick: must be 1 to 6"));
}

static void test_batch_item_errors_inside_a_problem_are_found(void **state)
{
	(void)state;
	struct answer a =
	    judge(200, "{\"results\":[{\"index\":4,\"status\":\"rejected\",\"problem\":{\"detail\":"
		       "\"invalid report\",\"errors\":[{\"field\":\"client_ref\",\"message\":\"is "
		       "required\"}]}}]}");
	assert_int_equal(a.verdict, VERDICT_REJECTED);
	assert_non_null(
	    strstr(a.reason, "item 4 rejected: invalid report: client_ref: is required"));
}

static void test_batch_with_a_conflict_is_rejected(void **state)
{
	(void)state;
	struct answer a = judge(200, "{\"results\":[{\"index\":0,\"status\":\"accepted\",\"id\":1},"
				     "{\"index\":1,\"status\":\"conflict\",\"id\":9}]}");
	assert_int_equal(a.verdict, VERDICT_REJECTED);
	assert_int_equal(a.rejected, 1);
	assert_non_null(strstr(a.reason, "item 1 conflict"));
}

static void test_batch_item_with_an_unknown_status_is_not_taken_as_stored(void **state)
{
	(void)state;
	struct answer a = judge(200, "{\"results\":[{\"index\":0,\"status\":\"maybe\"},{}]}");
	assert_int_equal(a.verdict, VERDICT_REJECTED);
	assert_int_equal(a.rejected, 2);
}

static void test_invalid_report_is_rejected_with_field_and_message(void **state)
{
	(void)state;
	struct answer a = judge(
	    422,
	    "{\"type\":\"urn:needlewatch:problem:invalid-report\",\"title\":\"invalid report\","
	    "\"status\":422,\"detail\":\"one or more fields are invalid; see errors\","
	    "\"errors\":[{\"field\":\"procedure.date\",\"message\":\"is in the future\"}]}");
	assert_int_equal(a.verdict, VERDICT_REJECTED);
	assert_string_equal(a.reason,
			    "HTTP 422 invalid report: one or more fields are invalid; see "
			    "errors: procedure.date: is in the future");
}

static void test_client_errors_are_rejected(void **state)
{
	(void)state;
	const long codes[] = {400, 409, 410, 413, 415, 422, 501, 505};
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		struct answer a = judge(codes[i], "{\"title\":\"no\"}");
		assert_int_equal(a.verdict, VERDICT_REJECTED);
		assert_int_equal(a.stop_code, 0);
	}
}

static void test_body_that_is_not_json_still_gives_a_reason(void **state)
{
	(void)state;
	struct answer a = judge(413, "<html>too big</html>");
	assert_int_equal(a.verdict, VERDICT_REJECTED);
	assert_string_equal(a.reason, "HTTP 413");
}

static void test_transient_statuses_are_retried(void **state)
{
	(void)state;
	const long codes[] = {408, 429, 500, 502, 503, 504};
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		assert_int_equal(judge(codes[i], NULL).verdict, VERDICT_RETRY);
	struct answer a =
	    judge(503, "{\"title\":\"database unavailable\",\"detail\":\"retry later\"}");
	assert_string_equal(a.reason, "HTTP 503 database unavailable: retry later");
}

static void test_refused_token_stops_with_noperm(void **state)
{
	(void)state;
	struct answer a = judge(401, "{\"title\":\"authentication required\"}");
	assert_int_equal(a.verdict, VERDICT_STOP);
	assert_int_equal(a.stop_code, EX_NOPERM);
	a = judge(403, NULL);
	assert_int_equal(a.verdict, VERDICT_STOP);
	assert_int_equal(a.stop_code, EX_NOPERM);
}

static void test_wrong_url_stops_with_config(void **state)
{
	(void)state;
	const long codes[] = {301, 302, 307, 308, 404, 405};
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		struct answer a = judge(codes[i], NULL);
		assert_int_equal(a.verdict, VERDICT_STOP);
		assert_int_equal(a.stop_code, EX_CONFIG);
		assert_non_null(strstr(a.reason, "--url"));
	}
}

static void test_long_reasons_are_cut_not_overflowed(void **state)
{
	(void)state;
	char body[8192], msg[1200];
	memset(msg, 'x', sizeof(msg) - 1);
	msg[sizeof(msg) - 1] = '\0';
	snprintf(body, sizeof(body),
		 "{\"title\":\"%s\",\"errors\":[{\"field\":\"a\",\"message\":\"%s\"},"
		 "{\"field\":\"b\",\"message\":\"m\"},{\"field\":\"c\",\"message\":\"m\"},"
		 "{\"field\":\"d\",\"message\":\"m\"}]}",
		 msg, msg);
	struct answer a = judge(422, body);
	assert_int_equal(a.verdict, VERDICT_REJECTED);
	assert_int_equal(strlen(a.reason), sizeof(a.reason) - 1);
}

static void test_only_three_field_errors_are_named(void **state)
{
	(void)state;
	struct answer a =
	    judge(422, "{\"errors\":[{\"field\":\"a\",\"message\":\"1\"},"
		       "{\"field\":\"b\",\"message\":\"2\"},{\"field\":\"c\",\"message\":\"3\"},"
		       "{\"field\":\"d\",\"message\":\"4\"}]}");
	assert_string_equal(a.reason, "HTTP 422: a: 1; b: 2; c: 3; ...");
}

static void test_no_answer_is_retried_with_libcurl_reason(void **state)
{
	(void)state;
	struct answer a;
	answer_judge_transport(TRANSPORT_TRANSIENT,
			       "Failed to connect to 127.0.0.1 port 9: Connection refused", &a);
	assert_int_equal(a.verdict, VERDICT_RETRY);
	assert_int_equal(a.stop_code, 0);
	assert_string_equal(a.reason, "Failed to connect to 127.0.0.1 port 9: Connection refused");
}

static void test_unverified_certificate_stops_with_config(void **state)
{
	(void)state;
	struct answer a;
	answer_judge_transport(TRANSPORT_TLS, "SSL certificate problem: self-signed certificate",
			       &a);
	assert_int_equal(a.verdict, VERDICT_STOP);
	assert_int_equal(a.stop_code, EX_CONFIG);
	assert_string_equal(a.reason, "TLS verification failed: SSL certificate problem: "
				      "self-signed certificate (check --url and --ca-file)");
}

static void test_local_setup_problem_stops_with_config(void **state)
{
	(void)state;
	struct answer a;
	answer_judge_transport(TRANSPORT_FATAL, "error setting certificate file: /nope.pem", &a);
	assert_int_equal(a.verdict, VERDICT_STOP);
	assert_int_equal(a.stop_code, EX_CONFIG);
	assert_int_equal(a.id, -1);
}

static void test_verdicts_have_names(void **state)
{
	(void)state;
	assert_string_equal(verdict_name(VERDICT_SENT), "sent");
	assert_string_equal(verdict_name(VERDICT_DUPLICATE), "duplicate");
	assert_string_equal(verdict_name(VERDICT_REJECTED), "rejected");
	assert_string_equal(verdict_name(VERDICT_RETRY), "retry");
	assert_string_equal(verdict_name(VERDICT_STOP), "stop");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_created_report_is_sent_with_its_id),
	    cmocka_unit_test(test_replayed_report_is_a_duplicate),
	    cmocka_unit_test(test_2xx_without_a_readable_body_is_sent),
	    cmocka_unit_test(test_batch_of_accepted_items_is_sent),
	    cmocka_unit_test(test_batch_mixing_accepted_and_duplicate_is_sent),
	    cmocka_unit_test(test_batch_of_duplicates_is_a_duplicate),
	    cmocka_unit_test(test_batch_with_a_rejected_item_is_rejected_with_its_errors),
	    cmocka_unit_test(test_batch_item_errors_inside_a_problem_are_found),
	    cmocka_unit_test(test_batch_with_a_conflict_is_rejected),
	    cmocka_unit_test(test_batch_item_with_an_unknown_status_is_not_taken_as_stored),
	    cmocka_unit_test(test_invalid_report_is_rejected_with_field_and_message),
	    cmocka_unit_test(test_client_errors_are_rejected),
	    cmocka_unit_test(test_body_that_is_not_json_still_gives_a_reason),
	    cmocka_unit_test(test_transient_statuses_are_retried),
	    cmocka_unit_test(test_refused_token_stops_with_noperm),
	    cmocka_unit_test(test_wrong_url_stops_with_config),
	    cmocka_unit_test(test_long_reasons_are_cut_not_overflowed),
	    cmocka_unit_test(test_only_three_field_errors_are_named),
	    cmocka_unit_test(test_no_answer_is_retried_with_libcurl_reason),
	    cmocka_unit_test(test_unverified_certificate_stops_with_config),
	    cmocka_unit_test(test_local_setup_problem_stops_with_config),
	    cmocka_unit_test(test_verdicts_have_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
