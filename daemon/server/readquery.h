/* Read routes whose whole answer is one JSON text that PostgreSQL builds:
 * run one statement on the read pool and answer its single cell. */
#ifndef NW_READQUERY_H
#define NW_READQUERY_H

#include <microhttpd.h>

struct request;

/* What a route says when its statement cannot run or finds nothing. */
struct readquery {
	const char *event;		/* log event of a failed statement: "alerts_query_failed" */
	const char *missing_title;	/* 404 title when the statement returns no row */
	const char *missing_detail;	/* 404 detail */
	const char *unavailable_detail; /* 503 detail; NULL: "retry later" */
};

/* Borrows a read-pool connection, runs sql with params ($1..$n, text) and
 * answers: 200 application/json with the first column of the one row; 404
 * (q's missing_*) when there is not exactly one row; 503
 * database-unavailable when no connection frees up in time or the
 * statement fails (logged once as q->event, the connection marked broken
 * when the failure was the connection's). Called from a request thread. */
enum MHD_Result readquery_answer_json(struct request *rq, const struct readquery *q,
				      const char *sql, int n, const char *const *params);

#endif
