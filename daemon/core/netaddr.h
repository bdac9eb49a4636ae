/* Network addresses: what the daemon needs to know about a peer's address. */
#ifndef NW_NETADDR_H
#define NW_NETADDR_H

#include <stdbool.h>
#include <sys/socket.h>

/* True for 127.0.0.0/8, ::1 and IPv4-mapped ::ffff:127.0.0.0/104 (what an
 * IPv4 loopback client looks like on a dual-stack IPv6 socket). False for
 * everything else, NULL and non-IP families: the safe answer for an access check. */
bool netaddr_is_loopback(const struct sockaddr *sa);

#endif
