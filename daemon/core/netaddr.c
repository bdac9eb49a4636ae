/* Network addresses: loopback classification for loopback-only routes
 * (/metrics), per-client limit keys and log text. */
#include "netaddr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>

bool netaddr_is_loopback(const struct sockaddr *sa)
{
	if (!sa)
		return false;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	}
	if (sa->sa_family != AF_INET6)
		return false;
	const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
	if (IN6_IS_ADDR_LOOPBACK(a))
		return true;
	/* ::ffff:a.b.c.d: the IPv4 address is the last four bytes. */
	return IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127;
}

/* The IPv4 address in a, when a is IPv4-mapped (::ffff:a.b.c.d). */
static bool mapped_ipv4(const struct in6_addr *a, uint32_t *ret)
{
	if (!IN6_IS_ADDR_V4MAPPED(a))
		return false;
	*ret = (uint32_t)a->s6_addr[12] << 24 | (uint32_t)a->s6_addr[13] << 16 |
	       (uint32_t)a->s6_addr[14] << 8 | a->s6_addr[15];
	return true;
}

bool netaddr_limit_key(const struct sockaddr *sa, long long *ret_key)
{
	uint32_t v4;
	uint64_t prefix = 0;

	if (!sa)
		return false;
	if (sa->sa_family == AF_INET) {
		*ret_key = ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr);
		return true;
	}
	if (sa->sa_family != AF_INET6)
		return false;
	const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
	if (mapped_ipv4(a, &v4)) {
		*ret_key = v4;
		return true;
	}
	for (int i = 0; i < 8; i++)
		prefix = prefix << 8 | a->s6_addr[i];
	*ret_key = (long long)prefix; /* two's complement: the top bit becomes the sign */
	return true;
}

const char *netaddr_format(const struct sockaddr *sa, char *buf, size_t len)
{
	const void *addr = NULL;
	int family = AF_INET;
	struct in_addr in;
	uint32_t v4;

	if (sa && sa->sa_family == AF_INET) {
		addr = &((const struct sockaddr_in *)sa)->sin_addr;
	} else if (sa && sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
		if (mapped_ipv4(a, &v4)) {
			in.s_addr = htonl(v4);
			addr = &in;
		} else {
			addr = a;
			family = AF_INET6;
		}
	}
	if (!addr || !inet_ntop(family, addr, buf, (socklen_t)len))
		snprintf(buf, len, "unknown");
	return buf;
}
