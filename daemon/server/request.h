/* Per-request state: created on the access handler's first call, freed when
 * both MHD (NOTIFY_COMPLETED) and, if the request went to the writer, the
 * writer's done() have let go of it — a reference count of at most two. */
#ifndef NW_REQUEST_H
#define NW_REQUEST_H

#include <microhttpd.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "admission.h"
#include "directory.h"
#include "report.h"
#include "snapshot.h"
#include "store.h"
#include "writer.h"

struct server;
struct arena;
struct request;

enum route {
	ROUTE_UNKNOWN = 0,
	ROUTE_HEALTHZ,
	ROUTE_READYZ,
	ROUTE_METRICS,
	ROUTE_REPORTS_POST,
	ROUTE_REPORT_GET,
	ROUTE_ACTIVITY_POST,
	ROUTE_SUMMARIES_GET,
	ROUTE_PREMISES_ME_GET,
	ROUTE_ALERTS_GET,
	ROUTE_ALERT_GET,
	ROUTE_ALERT_POST,
	ROUTE_FUNNEL_GET,
	ROUTE_SESSION,	 /* /dashboard/session: sign in, who am I, sign out */
	ROUTE_DASHBOARD, /* /dashboard/...: the dashboard's static files */
	ROUTE_FHIR_METADATA,
	ROUTE_PREMISES_WEEKS_GET,
	ROUTE_COMPLETENESS_GET,
	ROUTE_COUNT
};

/* A route: what it matches, who may call it, and its handlers. routes.c
 * holds the table; each handler lives in the module named for its resource. */
struct route_def {
	enum route id;
	const char *name;   /* for metrics and logs */
	const char *method; /* "GET" (also answers HEAD) or "POST" */
	const char *path;   /* exact, or a prefix when prefix is set */
	bool prefix;	    /* path + "{arg}": the rest is route_arg */
	int role;	    /* enum role needed; ROLE_NONE: no token */
	/* After the guards (and auth): may queue an answer (GET routes do) or
	 * return MHD_YES with nothing queued to receive the body. */
	enum MHD_Result (*begin)(struct request *rq);
	/* POST routes: the whole body is in rq->body. */
	enum MHD_Result (*finish)(struct request *rq);
	/* After the writer resumed the connection: queue the answer. */
	enum MHD_Result (*answer)(struct request *rq);
};

enum rq_state {
	RQ_BODY,      /* headers checked, body arriving */
	RQ_SUSPENDED, /* handed to the writer, connection suspended */
	RQ_RESUMED,   /* the writer answered and resumed the connection */
	RQ_WAITING,   /* body complete, suspended until admission has room */
};

struct request {
	struct server *server;
	/* What SIGHUP can change, as it was when the request began: taken in
	 * request_new, put when the request is freed. Read it, never the slot. */
	const struct snapshot *snap;
	struct MHD_Connection *conn;
	struct arena *arena;
	const struct route_def *def; /* NULL until matched */
	enum route route;
	const char *route_arg; /* "{id}" of /v1/reports/{id} */
	struct account account;
	/* The account came from a dashboard session cookie (session.h), not a
	 * token or certificate: it may not open another session. */
	bool via_session;
	unsigned status; /* the status queued, for metrics and the log */
	/* The route's guards and handler wait for the access handler's final
	 * call: a request without a body answered then keeps its connection
	 * (routes.c, first_call()). */
	bool deferred;

	char *body; /* malloc'd, at most max_body_bytes */
	size_t body_len, body_cap;
	bool body_refused; /* a chunked body outgrew max_body_bytes: 413 at its end */
	bool body_oom;	   /* no memory for the body: dropped, 503 at its end */

	atomic_int state; /* enum rq_state */
	atomic_int refs;

	/* Admission (admission.h): what the body is expected to cost once
	 * parsed, held from admission until the request is freed. */
	struct admission_waiter waiter;
	size_t admitted_bytes; /* 0 until asked for */

	void *handler_state; /* a handler's own per-request state, in the arena */
	long long start_us;
	/* Names the request in every log line about it (the access line,
	 * report_stored, batch_stored): 16 hex digits, unique per process. */
	char id[17];
	const char *method; /* MHD's, valid for the request's life */
};

/* A new request holding one reference (MHD's). NULL on out of memory. */
struct request *request_new(struct server *s, struct MHD_Connection *conn);
/* Drops one reference; the last one frees the request. */
void request_unref(struct request *rq);

/* Hands job to the writer and suspends the connection; the route's answer()
 * runs once the writer is done. job->done must be request_resume and
 * job->arg the request. Always returns MHD_YES. */
enum MHD_Result request_submit(struct request *rq, struct write_job *job);
/* The writer's done() for request jobs: resumes the connection. */
void request_resume(struct write_job *job, void *arg);

#endif
