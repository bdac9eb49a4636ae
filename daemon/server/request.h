/* Per-request state: created on the access handler's first call, freed when
 * both MHD (NOTIFY_COMPLETED) and, if the request went to the writer, the
 * writer's done() have let go of it — a reference count of at most two. */
#ifndef NW_REQUEST_H
#define NW_REQUEST_H

#include <microhttpd.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "directory.h"
#include "report.h"
#include "writer.h"

struct server;
struct arena;

enum route {
	ROUTE_UNKNOWN = 0,
	ROUTE_HEALTHZ,
	ROUTE_READYZ,
	ROUTE_METRICS,
	ROUTE_REPORTS_POST,
	ROUTE_REPORT_GET,
	ROUTE_COUNT
};

enum rq_state {
	RQ_BODY,       /* headers checked, body arriving */
	RQ_SUSPENDED,  /* handed to the writer, connection suspended */
	RQ_RESUMED,    /* the writer answered and resumed the connection */
};

struct request {
	struct server *server;
	struct MHD_Connection *conn;
	struct arena *arena;
	enum route route;
	const char *route_arg;        /* "{id}" of /v1/reports/{id} */
	struct account account;
	unsigned status;              /* the status queued, for metrics and the log */

	char *body;                   /* malloc'd, at most max_body_bytes */
	size_t body_len, body_cap;
	bool body_refused;            /* an answer was queued before the body was read */

	atomic_int state;             /* enum rq_state */
	atomic_int refs;

	/* A single report on its way through the writer. */
	struct write_job job;
	struct store_item item;
	struct report report;
	const char *normalised;       /* JSON text */
	const char *warnings;         /* JSON text */
	long long start_us;
};

/* A new request holding one reference (MHD's). NULL on out of memory. */
struct request *request_new(struct server *s, struct MHD_Connection *conn);
/* Drops one reference; the last one frees the request. */
void request_unref(struct request *rq);

#endif
