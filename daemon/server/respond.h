/* Responses: every answer the daemon queues goes through these helpers, so
 * status, content type and the problem+json shape (RFC 9457) are uniform. */
#ifndef NW_RESPOND_H
#define NW_RESPOND_H

#include <cJSON.h>
#include <microhttpd.h>
#include <stdbool.h>

struct issues;
struct request;

/* Extra headers some problems need. */
struct respond_extra {
	int retry_after_s;        /* > 0: Retry-After */
	bool www_authenticate;    /* WWW-Authenticate: Bearer */
	const char *location;     /* Location */
	const char *allow;        /* Allow: the methods a 405's resource answers */
	/* Connection: close — the bytes after this request cannot be trusted
	 * to start another one (framing.h), so none is read. */
	bool close;
};

/* Queues body (copied) with the given status and content type. */
enum MHD_Result respond_text(struct MHD_Connection *c, unsigned status, const char *content_type,
			     const char *body, size_t len, const struct respond_extra *extra);
/* Queues json (not consumed) as application/json. */
enum MHD_Result respond_json(struct MHD_Connection *c, unsigned status, const cJSON *json,
			     const struct respond_extra *extra);
/* Queues an application/problem+json answer: type is a short slug
 * ("invalid-report") turned into a URN; errors may be NULL. */
enum MHD_Result respond_problem(struct MHD_Connection *c, unsigned status, const char *type,
				const char *title, const char *detail, const struct issues *errors,
				const struct respond_extra *extra);
/* respond_problem() on rq's connection, noting status in rq->status for the
 * access log and metrics; a 503 adds Retry-After, its cause being expected to pass. */
enum MHD_Result respond_request_problem(struct request *rq, unsigned status, const char *type,
					const char *title, const char *detail,
					const struct issues *errors);
/* The one answer to running out of memory while handling rq: logs
 * event=oom (route, request id: never the body), counts it
 * (needlewatch_out_of_memory_total) and queues a 503 problem+json with
 * Retry-After. where names the step that failed, for the log. */
enum MHD_Result respond_oom(struct request *rq, const char *where);
/* The problem+json object itself, for embedding in batch results. Caller owns it. */
cJSON *problem_json(unsigned status, const char *type, const char *title, const char *detail,
		    const struct issues *errors);
/* The issues as a JSON array of {"field", "message"}. Caller owns it. */
cJSON *issues_json(const struct issues *list);

#endif
