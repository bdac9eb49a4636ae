/* Request timeouts: the header deadline and minimum body rate of deadline.h,
 * enforced on libmicrohttpd's connections from outside it (its own
 * connection_timeout_s only ends connections that go silent). */
#ifndef NW_REQTIMEOUT_H
#define NW_REQTIMEOUT_H

#include <microhttpd.h>
#include <stddef.h>

struct snapshot_slot;
struct conn_state;
struct metrics;
struct reqtimeout;

/* Starts the sweeper thread. It reads request_header_timeout_s from the
 * current snapshot in live at each sweep, so SIGHUP can change it; dropped
 * connections are counted in m. NULL when out of memory or threads. */
struct reqtimeout *reqtimeout_start(struct snapshot_slot *live, struct metrics *m);
/* Stops the sweeper and frees; call after MHD_stop_daemon, when every
 * connection has been removed. Accepts NULL. */
void reqtimeout_free(struct reqtimeout *rt);

/* NOTIFY_CONNECTION STARTED: conn, whose state is c, was accepted just now;
 * its header deadline starts. */
void reqtimeout_add(struct reqtimeout *rt, struct conn_state *c, struct MHD_Connection *conn);
/* NOTIFY_CONNECTION CLOSED: forget c, before MHD closes the socket. */
void reqtimeout_remove(struct conn_state *c);

/* The access handler's first call for a request: the header is complete. */
void reqtimeout_header_done(struct MHD_Connection *conn);
/* The access handler's later calls: n bytes of body arrived, or, with n ==
 * 0, the body is complete and the request is being handled. */
void reqtimeout_body_progress(struct MHD_Connection *conn, size_t n);
/* NOTIFY_COMPLETED: the next request's header deadline starts. */
void reqtimeout_request_done(struct MHD_Connection *conn);

#endif
