/* Tests for daemon/ctl/deliver.c: which URLs are accepted, and that an
 * unreachable receiver is retried the configured number of times before
 * giving up (no network: a closed loopback port). Which answers are retried
 * and the backoff schedule are client/retry.c's (tests/unit/test_retry.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../daemon/ctl/deliver.h"

static void test_urls(void **state)
{
	(void)state;
	char err[256];
	assert_int_equal(deliver_check_url("https://inbox.example/needlewatch", err, sizeof(err)),
			 0);
	assert_int_equal(deliver_check_url("https://127.0.0.1:8443/", err, sizeof(err)), 0);
	assert_int_equal(deliver_check_url("http://inbox.example/", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "https"));
	assert_int_equal(deliver_check_url("https://user:secret@inbox.example/", err, sizeof(err)),
			 -EINVAL);
	assert_null(strstr(err, "secret"));
	assert_int_equal(deliver_check_url("inbox.example/path", err, sizeof(err)), -EINVAL);
	assert_int_equal(deliver_check_url("ftp://inbox.example/", err, sizeof(err)), -EINVAL);
}

/* A loopback port nobody listens on: bind one, note it, close it. */
static int closed_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	close(fd);
	return ntohs(a.sin_port);
}

static void test_unreachable_receiver_is_retried_then_given_up(void **state)
{
	(void)state;
	char url[64], path[] = "/tmp/nw-deliver-test.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "a,b\r\n", 5), 5);
	close(fd);
	snprintf(url, sizeof(url), "https://127.0.0.1:%d/inbox", closed_port());
	struct deliver_config c = {
	    .url = url,
	    .token = "secret-token",
	    .connect_timeout_ms = 2000,
	    .timeout_ms = 5000,
	    .max_attempts = 3,
	    .backoff = {.base_ms = 10, .max_ms = 20},
	};
	struct deliver_file f = {.part = "csv",
				 .path = path,
				 .name = "x.csv",
				 .content_type = "text/csv",
				 .sha256 = "00",
				 .bytes = 5};
	struct deliver_result r;
	assert_int_equal(deliver_global_init(), 0);
	assert_int_equal(deliver_send(&c, "2024-W10", &f, 1, &r), -EAGAIN);
	deliver_global_cleanup();
	unlink(path);
	assert_int_equal(r.attempts, 3);
	assert_int_equal(r.http_status, 0);
	assert_true(r.error[0] != '\0');
	assert_null(strstr(r.error, "secret-token"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_urls),
	    cmocka_unit_test(test_unreachable_receiver_is_retried_then_given_up),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
