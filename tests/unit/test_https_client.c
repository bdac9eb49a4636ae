/* Tests for daemon/client/https_client.c: the options take, the set-up
 * fails closed, and the options that can be seen without a TLS server do
 * what they say (no network: refused schemes never connect, the silent
 * server is a loopback socket that is never accepted).
 *
 * Peer and host verification, the TLS 1.2 floor and the user agent need a
 * TLS server to show; tests/integration/test_export.sh and test_upload.sh
 * deliver to real ones (an untrusted certificate is refused there). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../../daemon/client/https_client.h"

static const struct https_client_options OK = {
    .connect_timeout_ms = 2000,
    .timeout_ms = 5000,
    .user_agent = "test/1",
};

static int global_init(void **state)
{
	(void)state;
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

static int global_cleanup(void **state)
{
	(void)state;
	curl_global_cleanup();
	return 0;
}

/* A loopback listener that is never accepted: the kernel completes the TCP
 * handshake, then nothing ever answers the TLS ClientHello. */
static int silent_server(int *ret_port)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 4), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*ret_port = ntohs(a.sin_port);
	return fd;
}

/* Performs a GET of url with o (and nothing else); the easy handle's
 * result, or -1 when the set-up itself failed. */
static int perform(const char *url, const struct https_client_options *o)
{
	CURL *e = curl_easy_init();
	assert_non_null(e);
	int r = https_client_setup(e, o);
	if (r == 0) {
		assert_int_equal(curl_easy_setopt(e, CURLOPT_URL, url), CURLE_OK);
		r = (int)curl_easy_perform(e);
	} else {
		r = -1;
	}
	curl_easy_cleanup(e);
	return r;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void test_valid_options_are_taken(void **state)
{
	struct https_client_options with_ca = OK;
	(void)state;
	with_ca.ca_file = "/etc/ssl/certs/ca-certificates.crt";
	CURL *e = curl_easy_init();
	assert_non_null(e);
	assert_int_equal(https_client_setup(e, &OK), 0);
	assert_int_equal(https_client_setup(e, &with_ca), 0);
	curl_easy_cleanup(e);
}

/* libcurl reads a timeout of 0 as "never": that would hang a caller. */
static void test_a_timeout_that_is_not_positive_fails_closed(void **state)
{
	struct https_client_options o;
	(void)state;
	CURL *e = curl_easy_init();
	assert_non_null(e);
	o = OK;
	o.timeout_ms = 0;
	assert_int_equal(https_client_setup(e, &o), -EINVAL);
	o = OK;
	o.connect_timeout_ms = 0;
	assert_int_equal(https_client_setup(e, &o), -EINVAL);
	o = OK;
	o.timeout_ms = -5;
	assert_int_equal(https_client_setup(e, &o), -EINVAL);
	curl_easy_cleanup(e);
}

/* A client certificate goes with its key: one without the other fails
 * closed rather than connecting without the certificate the token needs. */
static void test_a_client_certificate_needs_its_key(void **state)
{
	struct https_client_options o;
	(void)state;
	CURL *e = curl_easy_init();
	assert_non_null(e);
	o = OK;
	o.cert_file = "clinic.crt";
	assert_int_equal(https_client_setup(e, &o), -EINVAL);
	o = OK;
	o.key_file = "clinic.key";
	assert_int_equal(https_client_setup(e, &o), -EINVAL);
	o = OK;
	o.cert_file = "clinic.crt";
	o.key_file = "clinic.key";
	assert_int_equal(https_client_setup(e, &o), 0);
	curl_easy_cleanup(e);
}

/* Only https is spoken: other schemes are refused before any connection. */
static void test_other_schemes_are_refused(void **state)
{
	(void)state;
	assert_int_equal(perform("http://127.0.0.1:1/", &OK), CURLE_UNSUPPORTED_PROTOCOL);
	assert_int_equal(perform("file:///etc/hostname", &OK), CURLE_UNSUPPORTED_PROTOCOL);
	assert_int_equal(perform("ftp://127.0.0.1:1/x", &OK), CURLE_UNSUPPORTED_PROTOCOL);
}

/* How long a GET of the silent server takes with these timeouts; the
 * transfer must end in CURLE_OPERATION_TIMEDOUT. */
static long long silent_server_ms(long connect_timeout_ms, long timeout_ms)
{
	struct https_client_options o = OK;
	char url[64];
	int port, fd = silent_server(&port);
	o.connect_timeout_ms = connect_timeout_ms;
	o.timeout_ms = timeout_ms;
	snprintf(url, sizeof(url), "https://127.0.0.1:%d/", port);
	long long t0 = now_ms();
	int r = perform(url, &o);
	long long took = now_ms() - t0;
	close(fd);
	assert_int_equal(r, CURLE_OPERATION_TIMEDOUT);
	return took;
}

/* A server that never answers cannot hang a transfer past its total
 * timeout, even while the connect timeout is far away... */
static void test_the_total_timeout_ends_a_silent_transfer(void **state)
{
	(void)state;
	long long took = silent_server_ms(10000, 300);
	assert_true(took >= 250);
	assert_true(took < 2000);
}

/* ... nor past its connect timeout, which covers the TLS handshake. */
static void test_the_connect_timeout_covers_the_handshake(void **state)
{
	(void)state;
	long long took = silent_server_ms(300, 10000);
	assert_true(took >= 250);
	assert_true(took < 2000);
}

/* The CA file given is the one used: an unreadable one stops the handshake
 * instead of falling back to the system CAs. */
static void test_an_unreadable_ca_file_fails_the_transfer(void **state)
{
	struct https_client_options o = OK;
	char url[64];
	int port, fd = silent_server(&port);
	(void)state;
	o.ca_file = "/nonexistent/nw-ca.pem";
	o.timeout_ms = 2000;
	snprintf(url, sizeof(url), "https://127.0.0.1:%d/", port);
	int r = perform(url, &o);
	close(fd);
	assert_int_equal(r, CURLE_SSL_CACERT_BADFILE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid_options_are_taken),
	    cmocka_unit_test(test_a_timeout_that_is_not_positive_fails_closed),
	    cmocka_unit_test(test_a_client_certificate_needs_its_key),
	    cmocka_unit_test(test_other_schemes_are_refused),
	    cmocka_unit_test(test_the_total_timeout_ends_a_silent_transfer),
	    cmocka_unit_test(test_the_connect_timeout_covers_the_handshake),
	    cmocka_unit_test(test_an_unreadable_ca_file_fails_the_transfer),
	};
	return cmocka_run_group_tests(tests, global_init, global_cleanup);
}
