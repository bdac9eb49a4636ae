/* Tests for daemon/core/netaddr.c: which peers count as loopback (/metrics
 * answers only those unless metrics_allow_remote). Integration tests cannot
 * connect from a non-loopback address on a loopback-only test machine, so the
 * classification is tested here, address by address. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/un.h>

#include "netaddr.h"

static bool v4(const char *text)
{
	struct sockaddr_in in = {.sin_family = AF_INET};
	assert_int_equal(inet_pton(AF_INET, text, &in.sin_addr), 1);
	return netaddr_is_loopback((const struct sockaddr *)&in);
}

static bool v6(const char *text)
{
	struct sockaddr_in6 in6 = {.sin6_family = AF_INET6};
	assert_int_equal(inet_pton(AF_INET6, text, &in6.sin6_addr), 1);
	return netaddr_is_loopback((const struct sockaddr *)&in6);
}

static void test_ipv4_loopback_is_the_whole_127_slash_8(void **state)
{
	(void)state;
	assert_true(v4("127.0.0.1"));
	assert_true(v4("127.0.0.2"));
	assert_true(v4("127.255.255.254"));
}

static void test_ipv4_other_addresses_are_remote(void **state)
{
	(void)state;
	assert_false(v4("10.0.0.1"));
	assert_false(v4("192.168.1.20"));
	assert_false(v4("0.0.0.0"));
	assert_false(v4("126.255.255.255"));
	assert_false(v4("128.0.0.1"));
	assert_false(v4("255.255.255.255"));
}

static void test_ipv6_loopback_and_mapped_ipv4_loopback(void **state)
{
	(void)state;
	assert_true(v6("::1"));
	assert_true(v6("::ffff:127.0.0.1"));
	assert_true(v6("::ffff:127.1.2.3"));
}

static void test_ipv6_other_addresses_are_remote(void **state)
{
	(void)state;
	assert_false(v6("::"));
	assert_false(v6("::2"));
	assert_false(v6("fe80::1"));
	assert_false(v6("2001:db8::1"));
	assert_false(v6("::ffff:10.0.0.1"));
	/* IPv4-compatible (deprecated) ::127.0.0.1 is not the mapped form. */
	assert_false(v6("::127.0.0.1"));
	assert_false(v6("64:ff9b::7f00:1"));
}

static void test_unknown_families_and_null_are_remote(void **state)
{
	struct sockaddr_un un = {.sun_family = AF_UNIX};
	struct sockaddr sa;
	(void)state;
	memset(&sa, 0, sizeof(sa));
	sa.sa_family = AF_UNSPEC;
	assert_false(netaddr_is_loopback(NULL));
	assert_false(netaddr_is_loopback((const struct sockaddr *)&un));
	assert_false(netaddr_is_loopback(&sa));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ipv4_loopback_is_the_whole_127_slash_8),
	    cmocka_unit_test(test_ipv4_other_addresses_are_remote),
	    cmocka_unit_test(test_ipv6_loopback_and_mapped_ipv4_loopback),
	    cmocka_unit_test(test_ipv6_other_addresses_are_remote),
	    cmocka_unit_test(test_unknown_families_and_null_are_remote),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
