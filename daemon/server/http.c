/* HTTP: libmicrohttpd configured the way an internet-facing daemon must be.
 *
 * MHD's defaults are wrong for us (DESIGN §9, STYLE "library pitfalls"): no
 * connection timeout, 32 KiB per-connection memory, no connection limits.
 * Every one is set explicitly here. */
#include "http.h"
#include "log.h"
#include "routes.h"
#include "server.h"

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

/* journal-remote settled on 128 KiB: HTTPS headers and TLS records need it. */
#define CONNECTION_MEMORY_LIMIT (128 * 1024)
#define PEM_MAX (1024 * 1024)

struct http {
	struct MHD_Daemon *daemon;
	char *cert, *key;
	struct sockaddr_storage addr;
};

static char *read_file(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	char *buf = malloc(PEM_MAX + 1);
	size_t n = buf ? fread(buf, 1, PEM_MAX + 1, f) : 0;
	fclose(f);
	if (!buf || n == 0 || n > PEM_MAX) {
		snprintf(err, errlen, "%s: empty, unreadable or larger than 1 MiB", path);
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	return buf;
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

struct http *http_start(struct server *s, char *err, size_t errlen)
{
	const struct config *cfg = s->cfg;
	struct http *h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->cert = read_file(cfg->tls_cert_file, err, errlen);
	h->key = h->cert ? read_file(cfg->tls_key_file, err, errlen) : NULL;
	if (!h->key)
		goto fail;
	int family = parse_address(h, cfg->listen_address, cfg->listen_port);
	if (family < 0) {
		snprintf(err, errlen, "listen_address %s is not an IP address", cfg->listen_address);
		goto fail;
	}
	unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_TLS | MHD_ALLOW_SUSPEND_RESUME |
			 MHD_USE_ERROR_LOG | (family == AF_INET6 ? MHD_USE_IPv6 : 0);
	struct MHD_OptionItem ops[] = {
		{MHD_OPTION_HTTPS_MEM_CERT, 0, h->cert},
		{MHD_OPTION_HTTPS_MEM_KEY, 0, h->key},
		{MHD_OPTION_HTTPS_PRIORITIES, 0, cfg->tls_priorities},
		{MHD_OPTION_SOCK_ADDR, 0, &h->addr},
		{MHD_OPTION_THREAD_POOL_SIZE, cfg->http_threads, NULL},
		{MHD_OPTION_CONNECTION_LIMIT, cfg->max_connections, NULL},
		{MHD_OPTION_PER_IP_CONNECTION_LIMIT, cfg->per_ip_connection_limit, NULL},
		{MHD_OPTION_CONNECTION_TIMEOUT, cfg->connection_timeout_s, NULL},
		{MHD_OPTION_CONNECTION_MEMORY_LIMIT, CONNECTION_MEMORY_LIMIT, NULL},
		{MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)routes_completed, s},
		{MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_log, NULL},
		{MHD_OPTION_END, 0, NULL},
	};
	h->daemon = MHD_start_daemon(flags, 0, NULL, NULL, routes_access, s,
				     MHD_OPTION_ARRAY, ops, MHD_OPTION_END);
	if (!h->daemon) {
		snprintf(err, errlen, "cannot listen on %s:%d over TLS (address in use, bad "
			 "certificate/key or tls_priorities?)", cfg->listen_address, cfg->listen_port);
		goto fail;
	}
	return h;
fail:
	free(h->cert);
	free(h->key);
	free(h);
	return NULL;
}

void http_quiesce(struct http *h)
{
	if (!h || !h->daemon)
		return;
	MHD_socket fd = MHD_quiesce_daemon(h->daemon);
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
}

void http_stop(struct http *h)
{
	if (!h)
		return;
	if (h->daemon)
		MHD_stop_daemon(h->daemon);
	/* The key is secret: do not leave it in freed heap memory. */
	if (h->key)
		explicit_bzero(h->key, strlen(h->key));
	free(h->key);
	free(h->cert);
	free(h);
}
