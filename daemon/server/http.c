/* HTTP: libmicrohttpd configured the way an internet-facing daemon must be.
 *
 * MHD's defaults are wrong for us (docs/architecture.md): no
 * connection timeout, 32 KiB per-connection memory, no connection limits.
 * Every one is set explicitly here. The certificate comes from the snapshot
 * (snapshot.h) current when a connection is accepted, served by tls.c
 * through GnuTLS's retrieve callback, so SIGHUP can replace it without a
 * restart.
 * MHD's connection timeout only ends silent connections: reqtimeout.c gives
 * each request a deadline for its header and a minimum rate for its body. */
#include "http.h"
#include "util.h"
#include "connstate.h"
#include "framing.h"
#include "log.h"
#include "reqtimeout.h"
#include "routes.h"
#include "server.h"
#include "snapshot.h"
#include "tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* journal-remote settled on 128 KiB: HTTPS headers and TLS records need it.
 * It is also the bound on a request's headers: past it MHD answers 431. */
#define CONNECTION_MEMORY_LIMIT (128 * 1024)
#define PEM_MAX (1024 * 1024)

struct http {
	struct MHD_Daemon *daemon;
	struct snapshot_slot *live; /* the server's: each connection's credentials */
	struct reqtimeout *timeouts;
	char *client_ca; /* PEM, kept for MHD while the daemon runs; NULL when unset */
	/* The listening socket MHD_quiesce_daemon handed back. Shut down at
	 * once (new clients are refused, ECONNREFUSED) but closed only after
	 * MHD_stop_daemon: MHD's threads may still use the descriptor until
	 * then (its manual says so; ThreadSanitizer saw the epoll thread do it),
	 * and a number closed early could be reused by another file. */
	MHD_socket quiesced;
	struct sockaddr_storage addr;
};

static char *read_file(const char *path, char *err, size_t errlen)
{
	char *buf = NULL;
	size_t n = 0;
	int r = util_read_file(path, PEM_MAX, 0, &buf, &n);
	if (r == 0 && n > 0)
		return buf;
	free(buf);
	if (r == -EFBIG || r == 0)
		snprintf(err, errlen, "%s: empty, unreadable or larger than 1 MiB", path);
	else
		snprintf(err, errlen, "%s: %s", path, strerror(-r));
	return NULL;
}

static int parse_address(struct http *h, const char *addr, int port)
{
	struct sockaddr_in *in = (struct sockaddr_in *)&h->addr;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&h->addr;
	memset(&h->addr, 0, sizeof(h->addr));
	if (inet_pton(AF_INET, addr, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		return AF_INET;
	}
	if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		return AF_INET6;
	}
	return -EINVAL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512], q[600];
	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	log_event(LOG_DEBUG, "mhd", "message=\"%s\"", log_quote(q, sizeof(q), msg));
}

static void http_free(struct http *h)
{
	if (!h)
		return;
	reqtimeout_free(h->timeouts);
	free(h->client_ca);
	free(h);
}

/* Loads the client CA if set (the certificate and key are the snapshot's).
 * tls_client_ca_file needs a restart: MHD takes the trust list at start. */
static int load_client_ca(struct http *h, const struct config *cfg, char *err, size_t errlen)
{
	if (!cfg->tls_client_ca_file)
		return 0;
	h->client_ca = read_file(cfg->tls_client_ca_file, err, errlen);
	return h->client_ca ? 0 : -EINVAL;
}

/* MHD_NotifyConnectionCallback; cls is the struct http. Gives each
 * connection its struct conn_state, with a reference to the TLS credentials
 * of the snapshot current at accept (a handshake may outlive a reload) and
 * the request deadlines. Without one the handshake fails (tls.c finds no
 * certificate), so a connection is never served unguarded. */
static void notify_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			      enum MHD_ConnectionNotificationCode toe)
{
	struct http *h = cls;
	struct conn_state *c = *socket_context;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		c = calloc(1, sizeof(*c));
		*socket_context = c;
		if (!c)
			return;
		const struct snapshot *snap = snapshot_get(h->live);
		c->tls = tls_creds_ref(snap->tls);
		snapshot_put(snap);
		reqtimeout_add(h->timeouts, c, conn);
		return;
	}
	if (!c)
		return;
	reqtimeout_remove(c);
	tls_creds_unref(c->tls);
	free(c);
	*socket_context = NULL;
}

static struct MHD_Daemon *start_daemon(struct http *h, struct server *s, const struct config *cfg,
				       int family)
{
	unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_TLS | MHD_ALLOW_SUSPEND_RESUME |
			 MHD_USE_ERROR_LOG | (family == AF_INET6 ? MHD_USE_IPv6 : 0);
	struct MHD_OptionItem ops[] = {
	    /* First, so that MHD's own start-up messages come through it too. */
	    {MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_log, NULL},
	    {MHD_OPTION_HTTPS_CERT_CALLBACK, 0, (void *)tls_retrieve_cert},
	    {MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)notify_connection, h},
	    {MHD_OPTION_HTTPS_PRIORITIES, 0, cfg->tls_priorities},
	    {MHD_OPTION_SOCK_ADDR, 0, &h->addr},
	    {MHD_OPTION_THREAD_POOL_SIZE, cfg->http_threads, NULL},
	    {MHD_OPTION_CONNECTION_LIMIT, cfg->max_connections, NULL},
	    {MHD_OPTION_PER_IP_CONNECTION_LIMIT, cfg->per_ip_connection_limit, NULL},
	    {MHD_OPTION_CONNECTION_TIMEOUT, cfg->connection_timeout_s, NULL},
	    {MHD_OPTION_CONNECTION_MEMORY_LIMIT, CONNECTION_MEMORY_LIMIT, NULL},
	    {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)routes_completed, s},
	    /* Sees the raw request target, where a %00 is still visible. */
	    {MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)framing_uri_log, NULL},
	    /* Last, so that it can be left out: MHD asks clients for a
	     * certificate only when it has a trust list. */
	    {h->client_ca ? MHD_OPTION_HTTPS_MEM_TRUST : MHD_OPTION_END, 0, h->client_ca},
	    {MHD_OPTION_END, 0, NULL},
	};
	return MHD_start_daemon(flags, 0, NULL, NULL, routes_access, s, MHD_OPTION_ARRAY, ops,
				MHD_OPTION_END);
}

/* Listens as cfg says (its keys here all need a restart). */
static int listen_on(struct http *h, struct server *s, const struct config *cfg, char *err,
		     size_t errlen)
{
	int family = parse_address(h, cfg->listen_address, cfg->listen_port);
	if (family < 0) {
		snprintf(err, errlen, "listen_address %s is not an IP address",
			 cfg->listen_address);
		return -EINVAL;
	}
	h->daemon = start_daemon(h, s, cfg, family);
	if (!h->daemon) {
		snprintf(err, errlen,
			 "cannot listen on %s:%d over TLS (address in use, bad "
			 "tls_priorities or tls_client_ca_file?)",
			 cfg->listen_address, cfg->listen_port);
		return -EINVAL;
	}
	return 0;
}

struct http *http_start(struct server *s, char *err, size_t errlen)
{
	char q[600];
	struct http *h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->live = s->live;
	h->quiesced = MHD_INVALID_SOCKET;
	const struct snapshot *snap = snapshot_get(s->live);
	if (load_client_ca(h, &snap->cfg, err, errlen) < 0)
		goto fail;
	h->timeouts = reqtimeout_start(s->live, s->metrics);
	if (!h->timeouts) {
		snprintf(err, errlen, "cannot start the request deadline thread");
		goto fail;
	}
	if (listen_on(h, s, &snap->cfg, err, errlen) < 0)
		goto fail;
	log_event(LOG_INFO, "tls", "certificate_sha256=%s client_certificates=%s",
		  tls_creds_fingerprint(snap->tls),
		  snap->cfg.tls_client_ca_file
		      ? log_quote(q, sizeof(q), snap->cfg.tls_client_ca_file)
		      : "off");
	snapshot_put(snap);
	return h;
fail:
	snapshot_put(snap);
	http_free(h);
	return NULL;
}

void http_quiesce(struct http *h)
{
	if (!h || !h->daemon)
		return;
	if (h->quiesced != MHD_INVALID_SOCKET)
		return;
	h->quiesced = MHD_quiesce_daemon(h->daemon);
	if (h->quiesced != MHD_INVALID_SOCKET)
		shutdown(h->quiesced, SHUT_RDWR);
}

void http_stop(struct http *h)
{
	if (!h)
		return;
	/* Closes every connection, which drops their credential references
	 * and deadline entries; only then do those go (http_free). */
	if (h->daemon)
		MHD_stop_daemon(h->daemon);
	if (h->quiesced != MHD_INVALID_SOCKET)
		close(h->quiesced);
	http_free(h);
}
