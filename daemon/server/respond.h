/* Responses: every answer the daemon queues goes through these helpers, so
 * status, content type and the problem+json shape (RFC 9457) are uniform. */
#ifndef NW_RESPOND_H
#define NW_RESPOND_H

#include <cJSON.h>
#include <microhttpd.h>
#include <stdbool.h>

#include "issues.h"

struct issues;
struct request;

/* Extra headers some problems need. */
struct respond_extra {
	int retry_after_s;     /* > 0: Retry-After */
	bool www_authenticate; /* WWW-Authenticate: Bearer */
	const char *location;  /* Location */
	const char *allow;     /* Allow: the methods a 405's resource answers */
	/* Connection: close — the bytes after this request cannot be trusted
	 * to start another one (framing.h), so none is read. */
	bool close;
};

/* json (not consumed) as application/json, with a trailing newline, on
 * rq's connection: an answer that cannot be printed or copied for want
 * of memory is answered by respond_oom(rq, where) instead of the
 * connection being dropped. Notes status in rq->status. */
enum MHD_Result respond_request_json(struct request *rq, unsigned status, const cJSON *json,
				     const struct respond_extra *extra, const char *where);
/* body (copied) as content_type on rq's connection, the same way: no
 * memory for the answer is respond_oom(rq, where). */
enum MHD_Result respond_request_text(struct request *rq, unsigned status, const char *content_type,
				     const char *body, size_t len,
				     const struct respond_extra *extra, const char *where);
/* Queues json (not consumed) printed without spaces or a trailing newline
 * as content_type: 0 with MHD's verdict in *ret, or -ENOMEM when it could
 * not be printed (nothing queued; the caller answers respond_oom()). */
int respond_cjson(struct MHD_Connection *c, unsigned status, const char *content_type,
		  const cJSON *json, const struct respond_extra *extra, enum MHD_Result *ret);
/* The one way an error is answered: an application/problem+json answer
 * (RFC 9457) on rq's connection, or the same problem as a FHIR
 * OperationOutcome when the client asked for FHIR. type is a short slug
 * ("invalid-report") turned into a URN; errors and extra may be NULL; a 503
 * without extra gets Retry-After. Notes status in rq->status for the access
 * log and metrics. A problem that cannot be built is answered by
 * respond_oom(). */
enum MHD_Result respond_problem(struct request *rq, unsigned status, const char *type,
				const char *title, const char *detail, const struct issues *errors,
				const struct respond_extra *extra);
/* The one answer to running out of memory while handling rq: logs
 * event=oom (route, request id: never the body), counts it
 * (needlewatch_out_of_memory_total) and queues a 503 problem+json with
 * Retry-After. where names the step that failed, for the log. */
enum MHD_Result respond_oom(struct request *rq, const char *where);
/* The problem+json object itself, for embedding in batch results. Caller owns it. */
cJSON *problem_json(unsigned status, const char *type, const char *title, const char *detail,
		    const struct issues *errors);
/* issues_json() (the issues as a JSON array) is issues.h's. */

#endif
