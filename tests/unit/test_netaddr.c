/* Tests for daemon/core/netaddr.c: which peers count as loopback (/metrics
 * answers only those unless metrics_allow_remote). Integration tests cannot
 * connect from a non-loopback address on a loopback-only test machine, so the
 * classification is tested here, address by address; so are the keys the
 * failed-authentication limit counts addresses under, and their log text. */
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

static long long key4(const char *text)
{
	struct sockaddr_in in = {.sin_family = AF_INET};
	long long key = -1;
	assert_int_equal(inet_pton(AF_INET, text, &in.sin_addr), 1);
	assert_true(netaddr_limit_key((const struct sockaddr *)&in, &key));
	return key;
}

static long long key6(const char *text)
{
	struct sockaddr_in6 in6 = {.sin6_family = AF_INET6};
	long long key = -1;
	assert_int_equal(inet_pton(AF_INET6, text, &in6.sin6_addr), 1);
	assert_true(netaddr_limit_key((const struct sockaddr *)&in6, &key));
	return key;
}

static const char *text6(const char *text, char *buf, size_t len)
{
	struct sockaddr_in6 in6 = {.sin6_family = AF_INET6};
	assert_int_equal(inet_pton(AF_INET6, text, &in6.sin6_addr), 1);
	return netaddr_format((const struct sockaddr *)&in6, buf, len);
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

static void test_each_ipv4_address_is_its_own_key(void **state)
{
	(void)state;
	assert_int_equal(key4("127.0.0.1"), 0x7f000001LL);
	assert_int_equal(key4("127.0.0.2"), 0x7f000002LL);
	assert_int_equal(key4("255.255.255.255"), 0xffffffffLL);
	assert_true(key4("192.0.2.7") != key4("192.0.2.8"));
}

static void test_mapped_ipv4_counts_as_the_ipv4_address(void **state)
{
	(void)state;
	/* A dual-stack socket must not give one client two allowances. */
	assert_int_equal(key6("::ffff:192.0.2.7"), key4("192.0.2.7"));
	assert_int_equal(key6("::ffff:127.0.0.1"), key4("127.0.0.1"));
}

static void test_ipv6_counts_by_slash_64(void **state)
{
	(void)state;
	/* Every address of one /64 is one key: the host's own subnet. */
	assert_int_equal(key6("2001:db8:1:2::1"), key6("2001:db8:1:2:ffff:ffff:ffff:ffff"));
	assert_int_equal(key6("2001:db8:1:2::1"), key6("2001:db8:1:2:a:b:c:d"));
	assert_int_equal(key6("2001:db8:1:2::1"), 0x20010db800010002LL);
	/* The next /64 along, and one differing only in the top bits, are not. */
	assert_true(key6("2001:db8:1:2::1") != key6("2001:db8:1:3::1"));
	assert_true(key6("2001:db8:1:2::1") != key6("3001:db8:1:2::1"));
	/* The top bit set: the key is negative, still distinct. */
	assert_int_equal(key6("fe80::1"), (long long)0xfe80000000000000ULL);
	assert_true(key6("fe80::1") != key6("fe80:0:0:1::1"));
}

static void test_ipv6_keys_meet_ipv4_only_in_reserved_space(void **state)
{
	(void)state;
	/* A global IPv6 /64 is never below 2^32, where IPv4 keys are. */
	assert_true(key6("2001:db8::1") > 0xffffffffLL);
	assert_true(key6("::1") == 0);
	assert_true(key6("2001:db8::1") != key4("32.1.13.184"));
}

static void test_no_key_for_null_or_non_ip(void **state)
{
	struct sockaddr_un un = {.sun_family = AF_UNIX};
	long long key = 42;
	(void)state;
	assert_false(netaddr_limit_key(NULL, &key));
	assert_false(netaddr_limit_key((const struct sockaddr *)&un, &key));
	assert_int_equal(key, 42);
}

static void test_format_writes_the_address_for_the_log(void **state)
{
	struct sockaddr_in in = {.sin_family = AF_INET};
	struct sockaddr_un un = {.sun_family = AF_UNIX};
	char buf[64];
	(void)state;
	assert_int_equal(inet_pton(AF_INET, "192.0.2.7", &in.sin_addr), 1);
	assert_string_equal(netaddr_format((const struct sockaddr *)&in, buf, sizeof(buf)),
			    "192.0.2.7");
	assert_string_equal(text6("2001:db8:1:2::1", buf, sizeof(buf)), "2001:db8:1:2::1");
	assert_string_equal(text6("::ffff:192.0.2.7", buf, sizeof(buf)), "192.0.2.7");
	assert_string_equal(netaddr_format((const struct sockaddr *)&un, buf, sizeof(buf)),
			    "unknown");
	assert_string_equal(netaddr_format(NULL, buf, sizeof(buf)), "unknown");
	/* Too small a buffer: "unknown" cut short, never a partial address. */
	assert_string_equal(text6("2001:db8:1:2::1", buf, 4), "unk");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ipv4_loopback_is_the_whole_127_slash_8),
	    cmocka_unit_test(test_ipv4_other_addresses_are_remote),
	    cmocka_unit_test(test_ipv6_loopback_and_mapped_ipv4_loopback),
	    cmocka_unit_test(test_ipv6_other_addresses_are_remote),
	    cmocka_unit_test(test_unknown_families_and_null_are_remote),
	    cmocka_unit_test(test_each_ipv4_address_is_its_own_key),
	    cmocka_unit_test(test_mapped_ipv4_counts_as_the_ipv4_address),
	    cmocka_unit_test(test_ipv6_counts_by_slash_64),
	    cmocka_unit_test(test_ipv6_keys_meet_ipv4_only_in_reserved_space),
	    cmocka_unit_test(test_no_key_for_null_or_non_ip),
	    cmocka_unit_test(test_format_writes_the_address_for_the_log),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
