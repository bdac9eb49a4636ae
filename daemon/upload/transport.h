/* Transport: HTTPS POSTs over libcurl's multi interface, a few at once on
 * kept-alive connections, so the daemon's group commit sees several reports
 * per transaction even from one uploader.
 *
 * Safety is not optional: peer and host verification are always on (system
 * CAs, or the CA file given), TLS 1.2 is the floor, only https:// is spoken
 * (redirects are not followed), and every transfer has a connect timeout and
 * a total timeout, so a dead server can never hang the uploader. The bearer
 * token lives in one header buffer that is wiped when replaced or freed, and
 * curl's verbose mode (which would print it) is never enabled. */
#ifndef NW_UPLOAD_TRANSPORT_H
#define NW_UPLOAD_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>

/* The most transfers in flight at once (--parallel). */
#define TRANSPORT_MAX_PARALLEL 32

struct transport_config {
	const char *base_url; /* "https://host[:port][/prefix]"; a path is appended */
	const char *ca_file;  /* PEM bundle to verify the server, NULL for system CAs */
	const char *cert_file; /* --cert/--key: client certificate and key (PEM), or NULL */
	const char *key_file;
	long connect_timeout_ms;
	long timeout_ms; /* the whole request, answer included */
	unsigned parallel;
};

enum transport_outcome {
	TRANSPORT_ANSWERED,  /* an HTTP answer arrived: status, body, retry_after_s */
	TRANSPORT_TRANSIENT, /* no answer (refused, reset, timeout, DNS ...): worth a retry */
	TRANSPORT_TLS,	     /* the server's certificate or name did not verify */
	TRANSPORT_FATAL,     /* a local set-up problem (bad URL, unreadable CA file, memory) */
};

struct transport_result {
	void *user; /* as given to transport_start() */
	enum transport_outcome outcome;
	long status;	    /* HTTP status when ANSWERED, else 0 */
	long retry_after_s; /* the answer's Retry-After in seconds, 0 when absent */
	char *body;	    /* the answer body, NUL-terminated (malloc'd; may be NULL) */
	size_t body_len;
	char error[256]; /* libcurl's reason when not ANSWERED */
	double seconds;	 /* how long the transfer took */
};

struct transport;

/* Call once in main() before anything else: curl_global_init(). 0 or -EIO. */
int transport_global_init(void);
void transport_global_cleanup(void);

/* A transport with cfg->parallel handles; NULL with err filled on failure.
 * cfg's strings must outlive the transport. */
struct transport *transport_new(const struct transport_config *cfg, char *err, size_t errlen);
/* Aborts what is in flight (their results are dropped), wipes the token. Accepts NULL. */
void transport_free(struct transport *t);

/* Sets the bearer token for transfers started from now on (copied; the old
 * copy is wiped). Returns 0 or -ENOMEM. */
int transport_set_token(struct transport *t, const char *token);

unsigned transport_in_flight(const struct transport *t);
/* True when another transfer may start now. */
bool transport_has_room(const struct transport *t);

/* Starts POST base_url + path with body[0..len) sent as content_type; body is
 * malloc'd and passes to the transport (freed when the transfer ends, also
 * on failure). Returns 0, -EBUSY when no handle is free, or -ENOMEM/-EIO. */
int transport_start(struct transport *t, const char *path, const char *content_type, char *body,
		    size_t len, void *user);

/* Drives the transfers, waiting up to timeout_ms for one of them or for
 * extra_fd (-1 for none) to become readable; *ret_extra_ready says whether
 * it did. Also just sleeps when nothing is in flight. Returns 0 or -EIO. */
int transport_poll(struct transport *t, int extra_fd, int timeout_ms, bool *ret_extra_ready);

/* Hands over one finished transfer: 1 and *ret filled (release it with
 * transport_result_clear()), or 0 when none is finished. */
int transport_take(struct transport *t, struct transport_result *ret);
void transport_result_clear(struct transport_result *r);

/* Cancels every transfer in flight; returns their user pointers through
 * fn (may be NULL) so the caller can account for them. */
void transport_abort(struct transport *t, void (*fn)(void *user, void *ctx), void *ctx);

#endif
