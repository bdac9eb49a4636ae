/* Connection state: what the daemon keeps for each libmicrohttpd connection.
 *
 * It is the connection's socket_context, allocated by http.c's
 * NOTIFY_CONNECTION callback when the connection is accepted and freed when
 * it closes. Each member belongs to the module named beside it; no other
 * module touches it. */
#ifndef NW_CONNSTATE_H
#define NW_CONNSTATE_H

#include <microhttpd.h>

#include "deadline.h"

struct reqtimeout;

struct conn_state {
	void *tls;			/* tls.c: the credentials this connection uses */
	struct reqtimeout *timeouts;	/* reqtimeout.c: the table holding deadline */
	struct deadline_entry deadline; /* reqtimeout.c, under its lock */
};

/* The state of conn, or NULL (not allocated: the connection is failing). */
static inline struct conn_state *conn_state_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci ? ci->socket_context : NULL;
}

#endif
