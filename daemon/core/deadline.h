/* Deadlines: which connections have been too slow to send their request.
 *
 * libmicrohttpd's connection_timeout_s is an idle timeout, reset by every
 * byte, so a client trickling one header byte a second keeps its connection
 * forever (slow loris). This is the bookkeeping for deadlines it lacks,
 * after nginx's client_header_timeout and Apache's mod_reqtimeout:
 *
 * - the header: from accept (TLS handshake included) the request header must
 *   be complete within the header timeout;
 * - the body: it gets the header timeout too, extended by one second for
 *   every `body_min_rate` bytes received, so a body arriving at least that
 *   fast is never cut, and one trickled slower is;
 * - keep-alive: after a response, the next request's header must be complete
 *   within the header timeout of the response's end (an idle keep-alive
 *   connection is closed then, like Apache's KeepAliveTimeout);
 * - while a request is handled (waiting for the database, suspended, its
 *   answer being sent) there is no deadline at all.
 *
 * Pure: no locks, no clock, no sockets. The caller (reqtimeout.c) owns the
 * entries, serialises every call with one mutex and passes the time. */
#ifndef NW_DEADLINE_H
#define NW_DEADLINE_H

#include <stdbool.h>
#include <stddef.h>

enum deadline_phase {
	DEADLINE_HEADER,    /* accepted, the first request's header not complete */
	DEADLINE_BODY,	    /* header complete, body arriving */
	DEADLINE_SERVING,   /* the whole request is in: no deadline */
	DEADLINE_KEEPALIVE, /* answered; the next request's header not complete */
};

/* Why a connection is dropped. */
enum deadline_reason {
	DEADLINE_REASON_HEADER_TIMEOUT,
	DEADLINE_REASON_BODY_TOO_SLOW,
	DEADLINE_REASON_KEEPALIVE_TIMEOUT,
	DEADLINE_REASON_COUNT,
	DEADLINE_REASON_NONE = DEADLINE_REASON_COUNT, /* within its deadline */
};

struct deadline_limits {
	long long header_timeout_ms; /* > 0 */
	long long body_min_rate;     /* bytes per second, > 0 */
};

/* One connection. Embedded in the caller's per-connection state; every
 * field is the table's, written only through the functions below. */
struct deadline_entry {
	struct deadline_entry *prev, *next;
	int fd;
	enum deadline_phase phase;
	long long since_ms;	       /* when the phase began */
	unsigned long long body_bytes; /* received in DEADLINE_BODY */
	bool dropped;		       /* handed out by deadline_sweep() once */
};

/* A doubly linked list with a sentinel: adding and removing cost O(1), a
 * sweep walks every connection (at most max_connections). */
struct deadline_table {
	struct deadline_entry head;
	size_t count;
};

/* What deadline_sweep() hands back for one connection. */
struct deadline_drop {
	int fd;
	enum deadline_reason reason;
	long long age_ms;	       /* time spent in the phase that ran out */
	unsigned long long body_bytes; /* received, for DEADLINE_REASON_BODY_TOO_SLOW */
};

void deadline_table_init(struct deadline_table *t);

/* A connection accepted at now_ms on fd: its header deadline starts. */
void deadline_add(struct deadline_table *t, struct deadline_entry *e, int fd, long long now_ms);
/* The connection is closing: forget it. Safe on an entry never added. */
void deadline_remove(struct deadline_table *t, struct deadline_entry *e);

/* The access handler's first call: the header is complete. A request with a
 * body (has_body) enters the body phase, any other one is being served. */
void deadline_header_done(struct deadline_entry *e, bool has_body, long long now_ms);
/* n bytes of body arrived; n == 0 means the body is complete and the
 * request is being served. Outside the body phase it changes nothing. */
void deadline_body_progress(struct deadline_entry *e, size_t n);
/* The response has been sent: the next request's header deadline starts. */
void deadline_request_done(struct deadline_entry *e, long long now_ms);

/* Whether e is past its deadline at now_ms, and which. */
enum deadline_reason deadline_expired(const struct deadline_entry *e, long long now_ms,
				      const struct deadline_limits *l);

/* Marks up to max connections past their deadline as dropped and describes
 * them in ret (their fds are to be shut down); returns how many. A dropped
 * connection is never returned again. */
size_t deadline_sweep(struct deadline_table *t, long long now_ms, const struct deadline_limits *l,
		      struct deadline_drop *ret, size_t max);

/* "header_timeout", "body_too_slow", "keepalive_timeout": for logs and metrics. */
const char *deadline_reason_name(enum deadline_reason r);

#endif
