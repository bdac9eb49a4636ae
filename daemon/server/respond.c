/* Responses: MHD response construction in one place (cf. journal-remote's microhttpd-util). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fhir_outcome.h"
#include "issues.h"
#include "log.h"
#include "metrics.h"
#include "request.h"
#include "respond.h"
#include "server.h"

/* Seconds a 503 asks the client to wait before it retries. */
#define RETRY_AFTER_S 5

/* The response for body (copied) with its headers; NULL when there is no
 * memory for it. */
static struct MHD_Response *text_response(const char *content_type, const char *body, size_t len,
					  const struct respond_extra *extra)
{
	/* MUST_COPY: body is usually a temporary; MHD keeps its own copy. */
	struct MHD_Response *r =
	    MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return NULL;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	if (extra && extra->retry_after_s > 0) {
		char v[16];
		snprintf(v, sizeof(v), "%d", extra->retry_after_s);
		MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, v);
	}
	if (extra && extra->www_authenticate)
		MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
					"Bearer realm=\"needlewatch\"");
	if (extra && extra->location)
		MHD_add_response_header(r, MHD_HTTP_HEADER_LOCATION, extra->location);
	if (extra && extra->allow)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, extra->allow);
	if (extra && extra->close)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
	return r;
}

static enum MHD_Result queue(struct MHD_Connection *c, unsigned status, struct MHD_Response *r)
{
	enum MHD_Result ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* body (copied) queued with its status, content type and headers. */
static enum MHD_Result respond_text(struct MHD_Connection *c, unsigned status,
				    const char *content_type, const char *body, size_t len,
				    const struct respond_extra *extra)
{
	struct MHD_Response *r = text_response(content_type, body, len, extra);
	return r ? queue(c, status, r) : MHD_NO;
}

/* json's text, with a trailing newline when there is room for one (it makes
 * curl output readable and is harmless to JSON parsers); NULL on out of
 * memory. The caller frees it. */
static char *json_text(const cJSON *json, size_t *ret_len)
{
	char *s = cJSON_PrintUnformatted(json);
	if (!s)
		return NULL;
	size_t n = strlen(s);
	char *withnl = realloc(s, n + 2);
	if (withnl) {
		s = withnl;
		s[n++] = '\n';
		s[n] = '\0';
	}
	*ret_len = n;
	return s;
}

enum MHD_Result respond_request_json(struct request *rq, unsigned status, const cJSON *json,
				     const struct respond_extra *extra, const char *where)
{
	size_t n = 0;
	char *s = json_text(json, &n);
	struct MHD_Response *r = s ? text_response("application/json", s, n, extra) : NULL;
	free(s); /* before the 503: what it held is the room that answer needs */
	if (!r)
		return respond_oom(rq, where);
	rq->status = status;
	return queue(rq->conn, status, r);
}

enum MHD_Result respond_request_text(struct request *rq, unsigned status, const char *content_type,
				     const char *body, size_t len,
				     const struct respond_extra *extra, const char *where)
{
	struct MHD_Response *r = text_response(content_type, body, len, extra);
	if (!r)
		return respond_oom(rq, where);
	rq->status = status;
	return queue(rq->conn, status, r);
}

int respond_cjson(struct MHD_Connection *c, unsigned status, const char *content_type,
		  const cJSON *json, const struct respond_extra *extra, enum MHD_Result *ret)
{
	char *s = cJSON_PrintUnformatted(json);
	if (!s)
		return -ENOMEM;
	*ret = respond_text(c, status, content_type, s, strlen(s), extra);
	free(s);
	return 0;
}

cJSON *problem_json(unsigned status, const char *type, const char *title, const char *detail,
		    const struct issues *errors)
{
	char urn[96];
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	snprintf(urn, sizeof(urn), "urn:needlewatch:problem:%s", type);
	cJSON_AddStringToObject(o, "type", urn);
	cJSON_AddStringToObject(o, "title", title);
	cJSON_AddNumberToObject(o, "status", status);
	if (detail)
		cJSON_AddStringToObject(o, "detail", detail);
	if (errors && errors->n)
		cJSON_AddItemToObject(o, "errors", issues_json(errors));
	return o;
}

static enum MHD_Result queue_fhir(struct MHD_Connection *c, unsigned status, const cJSON *res,
				  const struct respond_extra *extra)
{
	enum MHD_Result ret;
	if (respond_cjson(c, status, FHIR_MEDIA_TYPE, res, extra, &ret) < 0)
		return MHD_NO;
	return ret;
}

/* problem (a problem+json object, not consumed) as an OperationOutcome,
 * queued with status and extra's headers. */
static enum MHD_Result queue_fhir_problem(struct MHD_Connection *c, unsigned status,
					  const cJSON *problem, const struct respond_extra *extra)
{
	cJSON *o = fhir_outcome_from_problem(problem);
	if (!o)
		return MHD_NO;
	enum MHD_Result ret = queue_fhir(c, status, o, extra);
	cJSON_Delete(o);
	return ret;
}

/* The problem queued on c: as problem+json, or as an OperationOutcome for
 * a FHIR caller. -ENOMEM when it could not be built. */
static int queue_problem(struct MHD_Connection *c, unsigned status, const cJSON *o,
			 const struct respond_extra *extra, enum MHD_Result *ret)
{
	if (fhir_outcome_wanted(c)) {
		*ret = queue_fhir_problem(c, status, o, extra);
		return 0;
	}
	return respond_cjson(c, status, "application/problem+json", o, extra, ret);
}

enum MHD_Result respond_problem(struct request *rq, unsigned status, const char *type,
				const char *title, const char *detail, const struct issues *errors,
				const struct respond_extra *extra)
{
	/* A 503's cause is expected to pass: say when to come back. */
	struct respond_extra retry = {.retry_after_s = RETRY_AFTER_S};
	if (status == MHD_HTTP_SERVICE_UNAVAILABLE && !extra)
		extra = &retry;
	cJSON *o = problem_json(status, type, title, detail, errors);
	enum MHD_Result ret = MHD_NO;
	int rc = o ? queue_problem(rq->conn, status, o, extra, &ret) : -ENOMEM;
	cJSON_Delete(o);
	if (rc < 0)
		return respond_oom(rq, "problem");
	rq->status = status;
	return ret;
}

enum MHD_Result respond_oom(struct request *rq, const char *where)
{
	/* A fixed text, not problem_json(): building a cJSON tree is the very
	 * thing that may fail again when memory is short. */
	static const char body[] =
	    "{\"type\":\"urn:needlewatch:problem:out-of-memory\",\"title\":\"out of memory\","
	    "\"status\":503,\"detail\":\"the server ran out of memory handling this request; "
	    "retry later\"}";
	struct respond_extra retry = {.retry_after_s = RETRY_AFTER_S};

	log_event(LOG_ERROR, "oom", "request=%s route=%s where=%s", rq->id,
		  rq->def ? rq->def->name : "other", where);
	if (rq->server)
		metrics_count_oom(rq->server->metrics);
	rq->status = MHD_HTTP_SERVICE_UNAVAILABLE;
	return respond_text(rq->conn, MHD_HTTP_SERVICE_UNAVAILABLE, "application/problem+json",
			    body, sizeof(body) - 1, &retry);
}
