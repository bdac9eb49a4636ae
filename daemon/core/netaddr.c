/* Network addresses: loopback classification for loopback-only routes (/metrics). */
#include "netaddr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>

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
