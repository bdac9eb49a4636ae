/* HTTP: the libmicrohttpd daemon — TLS, limits, thread pool, epoll. */
#ifndef NW_HTTP_H
#define NW_HTTP_H

#include <stddef.h>

struct config;
struct server;
struct http;

/* Reads the certificate and key and starts listening. NULL on failure with a
 * reason in err. */
struct http *http_start(struct server *s, char *err, size_t errlen);
/* SIGHUP: re-reads the certificate and key named by cfg (the names may have
 * changed) and serves them to new connections; on any problem keeps the
 * current ones, logs a warning and returns a negative errno (0 on success).
 * Main thread only. */
int http_reload(struct http *h, const struct config *cfg);
/* Stops accepting new connections; requests in flight go on. */
void http_quiesce(struct http *h);
/* Stops the daemon (every suspended connection must have been resumed) and frees. */
void http_stop(struct http *h);

#endif
