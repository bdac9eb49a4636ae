/* Network addresses: what the daemon needs to know about a peer's address. */
#ifndef NW_NETADDR_H
#define NW_NETADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

/* True for 127.0.0.0/8, ::1 and IPv4-mapped ::ffff:127.0.0.0/104 (what an
 * IPv4 loopback client looks like on a dual-stack IPv6 socket). False for
 * everything else, NULL and non-IP families: the safe answer for an access check. */
bool netaddr_is_loopback(const struct sockaddr *sa);

/* The key a per-client limit counts sa under, in *ret_key: an IPv4 address
 * is its own key (also when it arrives as ::ffff:a.b.c.d on a dual-stack
 * socket), below 2^32; an IPv6 address counts by its /64, the smallest
 * network a site is given, so one host cannot dodge the limit by hopping
 * through the 2^64 addresses of its own subnet. The two meet only in ::/32,
 * reserved space that holds no remote client. False (and *ret_key
 * untouched) for NULL and non-IP families. */
bool netaddr_limit_key(const struct sockaddr *sa, long long *ret_key);

/* sa's address as text ("192.0.2.7", "2001:db8::1"; an IPv4-mapped address
 * as plain IPv4) into buf, for log lines; "unknown" for NULL and non-IP
 * families. Returns buf. */
const char *netaddr_format(const struct sockaddr *sa, char *buf, size_t len);

#endif
