/* Routes: guard clauses first, each ending the request with a status and a
 * sentence a person can act on; then the handler for the route. */
#include "routes.h"
#include "arena.h"
#include "dbpool.h"
#include "directory.h"
#include "log.h"
#include "metrics.h"
#include "reports.h"
#include "request.h"
#include "respond.h"
#include "server.h"

#include <arpa/inet.h>
#include <cJSON.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

static long long now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

struct request *request_new(struct server *s, struct MHD_Connection *conn)
{
	struct request *rq = calloc(1, sizeof(*rq));
	if (!rq)
		return NULL;
	rq->arena = arena_new();
	if (!rq->arena) {
		free(rq);
		return NULL;
	}
	rq->server = s;
	rq->conn = conn;
	rq->start_us = now_us();
	atomic_init(&rq->refs, 1);
	atomic_init(&rq->state, RQ_BODY);
	atomic_fetch_add(&s->active_requests, 1);
	return rq;
}

void request_unref(struct request *rq)
{
	if (!rq || atomic_fetch_sub(&rq->refs, 1) != 1)
		return;
	atomic_fetch_sub(&rq->server->active_requests, 1);
	free(rq->body);
	arena_free(rq->arena);
	free(rq);
}

/* Matches method and path to a route; *ret_arg gets a path parameter. */
static enum route match_route(const char *method, const char *url, const char **ret_arg,
			      bool *ret_method_ok)
{
	*ret_method_ok = true;
	*ret_arg = NULL;
	bool get = strcmp(method, MHD_HTTP_METHOD_GET) == 0 ||
		   strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
	bool post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;
	enum route r = ROUTE_UNKNOWN;

	if (strcmp(url, "/healthz") == 0)
		r = ROUTE_HEALTHZ, *ret_method_ok = get;
	else if (strcmp(url, "/readyz") == 0)
		r = ROUTE_READYZ, *ret_method_ok = get;
	else if (strcmp(url, "/metrics") == 0)
		r = ROUTE_METRICS, *ret_method_ok = get;
	else if (strcmp(url, "/v1/reports") == 0)
		r = ROUTE_REPORTS_POST, *ret_method_ok = post;
	else if (strncmp(url, "/v1/reports/", 12) == 0 && url[12])
		r = ROUTE_REPORT_GET, *ret_method_ok = get, *ret_arg = url + 12;
	return r;
}

static enum MHD_Result answer_status(struct request *rq, unsigned status, const char *state)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "status", state);
	rq->status = status;
	enum MHD_Result ret = respond_json(rq->conn, status, o, NULL);
	cJSON_Delete(o);
	return ret;
}

static bool is_loopback(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (!ci || !ci->client_addr)
		return false;
	const struct sockaddr *sa = ci->client_addr;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		return IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
	}
	return false;
}

static enum MHD_Result serve_metrics(struct request *rq)
{
	struct server *s = rq->server;
	if (!s->cfg->metrics_allow_remote && !is_loopback(rq->conn)) {
		rq->status = MHD_HTTP_FORBIDDEN;
		return respond_problem(rq->conn, rq->status, "forbidden", "metrics are loopback only",
				       "set metrics_allow_remote = yes to serve /metrics to other hosts",
				       NULL, NULL);
	}
	char *text = metrics_render(s->metrics, s);
	if (!text)
		return MHD_NO;
	rq->status = MHD_HTTP_OK;
	enum MHD_Result ret = respond_text(rq->conn, MHD_HTTP_OK, "text/plain; version=0.0.4",
					   text, strlen(text), NULL);
	free(text);
	return ret;
}

/* Authentication and authorisation for routes that need a token. Returns
 * MHD_YES with nothing queued when the request may go on. */
static enum MHD_Result guard_auth(struct request *rq, enum role needed, bool *ret_answered)
{
	struct respond_extra unauth = {.www_authenticate = true};
	struct respond_extra retry = {.retry_after_s = 5};
	const char *h = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND,
						    MHD_HTTP_HEADER_AUTHORIZATION);
	int r = directory_account_by_token(rq->server->readers, h, &rq->account);

	*ret_answered = true;
	if (r == -EAGAIN) {
		rq->status = MHD_HTTP_SERVICE_UNAVAILABLE;
		return respond_problem(rq->conn, rq->status, "database-unavailable",
				       "database unavailable",
				       "the token could not be checked; retry later", NULL, &retry);
	}
	if (r < 0) {
		rq->status = MHD_HTTP_UNAUTHORIZED;
		return respond_problem(rq->conn, rq->status, "unauthorized", "authentication required",
				       h ? "the bearer token is not valid or has been revoked"
					 : "send Authorization: Bearer <token>",
				       NULL, &unauth);
	}
	if (rq->account.role != needed) {
		rq->status = MHD_HTTP_FORBIDDEN;
		return respond_problem(rq->conn, rq->status, "forbidden", "not allowed for this token",
				       needed == ROLE_REPORTER ? "this route needs a reporter token"
							       : "this route needs a regulator token",
				       NULL, NULL);
	}
	*ret_answered = false;
	return MHD_YES;
}

/* First call: the headers are in, no body yet. */
static enum MHD_Result begin(struct request *rq, const char *method, const char *url)
{
	bool method_ok, answered;
	rq->route = match_route(method, url, &rq->route_arg, &method_ok);

	if (rq->route == ROUTE_UNKNOWN) {
		rq->status = MHD_HTTP_NOT_FOUND;
		return respond_problem(rq->conn, rq->status, "not-found", "no such resource",
				       "see the API in README.md", NULL, NULL);
	}
	if (!method_ok) {
		rq->status = MHD_HTTP_METHOD_NOT_ALLOWED;
		return respond_problem(rq->conn, rq->status, "method-not-allowed",
				       "method not allowed", NULL, NULL, NULL);
	}
	switch (rq->route) {
	case ROUTE_HEALTHZ:
		return answer_status(rq, MHD_HTTP_OK, "ok");
	case ROUTE_READYZ:
		if (directory_ping(rq->server->readers))
			return answer_status(rq, MHD_HTTP_OK, "ready");
		return answer_status(rq, MHD_HTTP_SERVICE_UNAVAILABLE, "database unavailable");
	case ROUTE_METRICS:
		return serve_metrics(rq);
	case ROUTE_REPORT_GET: {
		enum MHD_Result r = guard_auth(rq, ROLE_REPORTER, &answered);
		return answered ? r : reports_get(rq);
	}
	case ROUTE_REPORTS_POST: {
		enum MHD_Result r = guard_auth(rq, ROLE_REPORTER, &answered);
		return answered ? r : reports_post_begin(rq);
	}
	default:
		return MHD_NO;
	}
}

/* Appends a chunk of body; the limit was checked against Content-Length
 * already, this catches chunked bodies that grow past it. */
static enum MHD_Result take_body(struct request *rq, const char *data, size_t *size)
{
	size_t max = rq->server->cfg->max_body_bytes;
	size_t n = *size;
	*size = 0;
	if (rq->status)
		return MHD_YES; /* already answered: discard */
	if (rq->body_len + n > max) {
		rq->status = MHD_HTTP_CONTENT_TOO_LARGE;
		return respond_problem(rq->conn, rq->status, "body-too-large", "request body too large",
				       "the body exceeds max_body_bytes", NULL, NULL);
	}
	if (rq->body_len + n + 1 > rq->body_cap) {
		size_t cap = rq->body_cap ? rq->body_cap : 4096;
		while (cap < rq->body_len + n + 1)
			cap *= 2;
		if (cap > max + 1)
			cap = max + 1;
		char *b = realloc(rq->body, cap);
		if (!b)
			return MHD_NO;
		rq->body = b;
		rq->body_cap = cap;
	}
	memcpy(rq->body + rq->body_len, data, n);
	rq->body_len += n;
	rq->body[rq->body_len] = '\0';
	return MHD_YES;
}

enum MHD_Result routes_access(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_data_size, void **req_cls)
{
	struct request *rq = *req_cls;
	(void)version;

	if (!rq) {
		rq = request_new(cls, conn);
		if (!rq)
			return MHD_NO;
		*req_cls = rq;
		return begin(rq, method, url);
	}
	if (atomic_load(&rq->state) == RQ_RESUMED)
		return reports_post_answer(rq);
	if (*upload_data_size)
		return take_body(rq, upload_data, upload_data_size);
	if (rq->status)
		return MHD_YES; /* answered before or during the body */
	return reports_post_finish(rq);
}

static const char *route_name(enum route r)
{
	static const char *const names[ROUTE_COUNT] = {
		"other", "healthz", "readyz", "metrics", "reports_post", "report_get"};
	return r < ROUTE_COUNT ? names[r] : "other";
}

void routes_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
		      enum MHD_RequestTerminationCode toe)
{
	struct server *s = cls;
	struct request *rq = *req_cls;
	(void)conn;
	if (!rq)
		return;
	*req_cls = NULL;
	metrics_count_request(s->metrics, rq->route, rq->status);
	if (rq->route != ROUTE_HEALTHZ && rq->route != ROUTE_METRICS)
		log_event(toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? LOG_INFO : LOG_WARNING,
			  "request", "route=%s status=%u account=%lld ms=%.1f end=%s",
			  route_name(rq->route), rq->status, rq->account.id,
			  (double)(now_us() - rq->start_us) / 1000.0,
			  toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "ok" : "aborted");
	request_unref(rq);
}
