/* HTTP: the libmicrohttpd daemon — TLS, limits, thread pool, epoll. */
#ifndef NW_HTTP_H
#define NW_HTTP_H

#include <stddef.h>

struct server;
struct http;

/* Starts listening, serving each new connection the TLS credentials of the
 * snapshot current in s->live when it is accepted (so SIGHUP's new snapshot
 * is picked up by the next connection). NULL on failure with a reason in err. */
struct http *http_start(struct server *s, char *err, size_t errlen);
/* Stops accepting new connections; requests in flight go on. */
void http_quiesce(struct http *h);
/* Stops the daemon (every suspended connection must have been resumed) and frees. */
void http_stop(struct http *h);

#endif
