/* Routes: guard clauses first, each ending the request with a status and a
 * sentence a person can act on; then the handler for the route. */
#include "routes.h"
#include "arena.h"
#include "dbpool.h"
#include "fhir_answer.h"
#include "directory.h"
#include "framing.h"
#include "issues.h"
#include "intake.h"
#include "log.h"
#include "metrics.h"
#include "activity.h"
#include "audit.h"
#include "netaddr.h"
#include "premises_me.h"
#include "ratelimit.h"
#include "ingest.h"
#include "reports.h"
#include "reqtimeout.h"
#include "summaries.h"
#include "alerts_api.h"
#include "premises_api.h"
#include "request.h"
#include "respond.h"
#include "server.h"
#include "session.h"
#include "dashboard.h"
#include "tls.h"

#include <arpa/inet.h>
#include <cJSON.h>
#include <errno.h>
#include <malloc.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static long long now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Request ids: a random 32-bit prefix drawn once per process (so ids from
 * two runs differ) and a counter. */
static unsigned int request_id_prefix;
static pthread_once_t request_id_once = PTHREAD_ONCE_INIT;

static void request_id_draw_prefix(void)
{
	if (getrandom(&request_id_prefix, sizeof(request_id_prefix), 0) !=
	    (ssize_t)sizeof(request_id_prefix))
		request_id_prefix = (unsigned int)time(NULL) ^ (unsigned int)getpid();
}

static void request_make_id(char ret_id[17])
{
	static atomic_uint next;
	pthread_once(&request_id_once, request_id_draw_prefix);
	snprintf(ret_id, 17, "%08x%08x", request_id_prefix, atomic_fetch_add(&next, 1));
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
	rq->snap = snapshot_get(s->live);
	rq->conn = conn;
	rq->start_us = now_us();
	request_make_id(rq->id);
	atomic_init(&rq->refs, 1);
	atomic_init(&rq->state, RQ_BODY);
	atomic_fetch_add(&s->active_requests, 1);
	return rq;
}

void request_resume(struct write_job *job, void *arg)
{
	struct request *rq = arg;
	(void)job;
	atomic_store(&rq->state, RQ_RESUMED);
	MHD_resume_connection(rq->conn);
	request_unref(rq);
}

enum MHD_Result request_submit(struct request *rq, struct write_job *job)
{
	/* Everything the handler read from the body is in the arena by now
	 * (cJSON and the CSV reader copy); the text itself, the largest thing
	 * a batch holds, need not wait for the commit. */
	free(rq->body);
	rq->body = NULL;
	rq->body_cap = 0;
	atomic_fetch_add(&rq->refs, 1);
	atomic_store(&rq->state, RQ_SUSPENDED);
	/* Suspend before queueing: the writer may resume as soon as it has the job. */
	MHD_suspend_connection(rq->conn);
	if (writer_submit(rq->server->writer, job) < 0) {
		job->fail(job, STORE_UNAVAILABLE);
		request_resume(job, rq);
	}
	return MHD_YES;
}

/* Requests admitted for at least this much are followed by malloc_trim(). */
#define TRIM_AFTER_BYTES (1024 * 1024)

void request_unref(struct request *rq)
{
	if (!rq || atomic_fetch_sub(&rq->refs, 1) != 1)
		return;
	struct server *s = rq->server;
	size_t admitted = rq->admitted_bytes;
	free(rq->body);
	arena_free(rq->arena);
	snapshot_put(rq->snap);
	free(rq);
	/* After a large request, give its freed heap pages back to the system:
	 * a batch's cJSON nodes are small allocations spread over the request
	 * threads' heaps, which glibc otherwise keeps. */
	if (admitted >= TRIM_AFTER_BYTES)
		malloc_trim(0);
	/* After the free, so that the room given back is really there. */
	if (admitted)
		admission_leave(s->admission, admitted);
	atomic_fetch_sub(&s->active_requests, 1);
}

static void admission_suspend(struct admission_waiter *w)
{
	struct request *rq = (struct request *)((char *)w - offsetof(struct request, waiter));
	atomic_store(&rq->state, RQ_WAITING);
	MHD_suspend_connection(rq->conn);
}

static void admission_wake(struct admission_waiter *w)
{
	struct request *rq = (struct request *)((char *)w - offsetof(struct request, waiter));
	atomic_store(&rq->state, RQ_BODY);
	MHD_resume_connection(rq->conn);
}

/* True when the request may be handled now; false when it waits for room,
 * suspended, and the access handler runs again once it has been admitted,
 * or when the pre-pass refused the body (*ret_answer is that answer). The
 * cost asked for is what the pre-pass counted (intake.h), so a body of many
 * small values is priced by its values, not by its size alone. */
static bool admit(struct request *rq, enum MHD_Result *ret_answer)
{
	*ret_answer = MHD_YES;
	if (rq->admitted_bytes)
		return true;
	if (!intake_measure(rq, &rq->admitted_bytes, ret_answer)) {
		rq->admitted_bytes = 0;
		return false;
	}
	rq->waiter.suspend = admission_suspend;
	rq->waiter.wake = admission_wake;
	return admission_enter(rq->server->admission, &rq->waiter, rq->admitted_bytes);
}

static enum MHD_Result answer_status(struct request *rq, unsigned status, const char *state)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "status", state);
	rq->status = status;
	enum MHD_Result ret = respond_request_json(rq, status, o, NULL, "health");
	cJSON_Delete(o);
	return ret;
}

static bool is_loopback(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	return ci && netaddr_is_loopback(ci->client_addr);
}

static enum MHD_Result serve_metrics(struct request *rq)
{
	struct server *s = rq->server;
	if (!rq->snap->cfg.metrics_allow_remote && !is_loopback(rq->conn)) {
		return respond_problem(
		    rq, MHD_HTTP_FORBIDDEN, "forbidden", "metrics are loopback only",
		    "set metrics_allow_remote = yes to serve /metrics to other hosts", NULL, NULL);
	}
	char *text = metrics_render(s->metrics, s);
	if (!text)
		return respond_oom(rq, "metrics");
	rq->status = MHD_HTTP_OK;
	enum MHD_Result ret = respond_request_text(rq, MHD_HTTP_OK, "text/plain; version=0.0.4",
						   text, strlen(text), NULL, "metrics");
	free(text);
	return ret;
}

/* Whether a request whose account the primary could not be asked about may
 * be authenticated from db_read_conninfo (a standby, by replication) instead:
 * a GET, so that reads go on through a failover. A revocation reaches the
 * standby when it is applied there: at once with synchronous_commit =
 * remote_apply, after the replay lag otherwise. Writes would fail anyway. */
static bool auth_read_fallback(const struct request *rq)
{
	return rq->server->replicas != rq->server->readers && strcmp(rq->def->method, "GET") == 0;
}

/* Who is calling: a bearer token, or a verified client certificate bound to
 * an account (tls_client_ca_file). A token bound to a certificate counts only
 * over a connection presenting that certificate. 0 with rq->account filled,
 * -EACCES (*ret_why says why), -ENOKEY when the client presented neither (a
 * 401 too, but no guess), or -EAGAIN when the database cannot be asked. */
static int authenticate(struct request *rq, const char *authorization, const char **ret_why)
{
	char cert[65];
	int c = tls_client_cert_sha256(rq->conn, cert);
	int r;

	*ret_why = authorization ? "the bearer token is not valid or has been revoked"
				 : "send Authorization: Bearer <token>";
	if (c == -EACCES) {
		*ret_why = "the client certificate does not verify against tls_client_ca_file";
		return -EACCES;
	}
	/* A dashboard session stands for the token that opened it (session.h),
	 * including that token's client-certificate binding, checked below. */
	if (!authorization && session_cookie(rq->conn)) {
		r = session_authenticate(rq, ret_why);
	} else if (!authorization && c == 0) {
		*ret_why = "no active account is bound to this client certificate";
		r = directory_account_by_client_cert(rq->server->readers, cert, &rq->account);
		if (r == -EAGAIN && auth_read_fallback(rq))
			r = directory_account_by_client_cert(rq->server->replicas, cert,
							     &rq->account);
		return r;
	} else if (!authorization) {
		return -ENOKEY;
	} else {
		r = directory_account_by_token(rq->server->readers, authorization, &rq->account);
		if (r == -EAGAIN && auth_read_fallback(rq))
			r = directory_account_by_token(rq->server->replicas, authorization,
						       &rq->account);
	}
	if (r < 0 || !rq->account.client_cert_sha256[0])
		return r;
	if (c != 0 || strcmp(cert, rq->account.client_cert_sha256) != 0) {
		*ret_why = "this token is bound to a client certificate; connect with it";
		return -EACCES;
	}
	return 0;
}

/* The key auth_failures_per_minute counts rq's client under
 * (netaddr_limit_key()); false for a peer with no IP address: not limited. */
static bool client_limit_key(struct request *rq, long long *ret_key)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(rq->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	return ci && netaddr_limit_key(ci->client_addr, ret_key);
}

/* auth_failures_per_minute: answers 429 when the client's address has
 * failed authentication too often, before any token is looked up, so that
 * guessing costs neither the database nor the token cache any work. A good
 * token is refused too while the address is over: telling it apart would
 * take the very look-up being saved, and a 200 among the 429s would tell a
 * guesser that it had guessed right. The first refusal of an episode is
 * logged, by address, never by token. */
static enum MHD_Result guard_auth_failures(struct request *rq, long long key, int limit,
					   bool *ret_answered)
{
	struct server *s = rq->server;
	char addr[64];
	bool first;
	int wait_s = ratelimit_check(s->auth_failures, key, limit, now_us() / 1000, &first);

	*ret_answered = wait_s > 0;
	if (!wait_s)
		return MHD_YES;
	if (first) {
		const union MHD_ConnectionInfo *ci =
		    MHD_get_connection_info(rq->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		log_event(LOG_WARNING, "auth_failures_over_limit",
			  "address=%s limit_per_minute=%d retry_after_s=%d",
			  netaddr_format(ci ? ci->client_addr : NULL, addr, sizeof(addr)), limit,
			  wait_s);
	}
	metrics_count_auth_refused(s->metrics, first);
	struct respond_extra later = {.retry_after_s = wait_s};
	return respond_problem(
	    rq, MHD_HTTP_TOO_MANY_REQUESTS, "too-many-auth-failures",
	    "too many failed authentications",
	    "this address failed authentication more than auth_failures_per_minute "
	    "times a minute; retry after the Retry-After seconds",
	    NULL, &later);
}

/* Authentication, authorisation, the per-token rate limit and, for
 * regulators, the audit row, for routes that need an account. Returns
 * MHD_YES with nothing queued when the request may go on. */
static enum MHD_Result guard_auth(struct request *rq, enum role needed, bool *ret_answered)
{
	struct server *s = rq->server;
	struct respond_extra unauth = {.www_authenticate = true};
	struct respond_extra retry = {.retry_after_s = 5};
	const char *h =
	    MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	const char *why;
	int limit = rq->snap->cfg.auth_failures_per_minute;
	long long key;
	bool keyed = client_limit_key(rq, &key);

	if (keyed) {
		enum MHD_Result ret = guard_auth_failures(rq, key, limit, ret_answered);
		if (*ret_answered)
			return ret;
	}
	int r = authenticate(rq, h, &why);
	*ret_answered = true;
	/* Only a credential tried and refused is charged: not a request that
	 * presented none, not a 403 or a 503. A success credits nothing back,
	 * so one good token interleaved does not let an attacker go on guessing. */
	if (keyed && r < 0 && r != -EAGAIN && r != -ENOKEY)
		ratelimit_take(s->auth_failures, key, limit, now_us() / 1000);
	if (r == -EAGAIN) {
		return respond_problem(rq, MHD_HTTP_SERVICE_UNAVAILABLE, "database-unavailable",
				       "database unavailable",
				       "the token could not be checked; retry later", NULL, &retry);
	}
	if (r < 0) {
		return respond_problem(rq, MHD_HTTP_UNAUTHORIZED, "unauthorized",
				       "authentication required", why, NULL, &unauth);
	}
	if (rq->account.role != needed) {
		return respond_problem(
		    rq, MHD_HTTP_FORBIDDEN, "forbidden", "not allowed for this token",
		    needed == ROLE_REPORTER ? "this route needs a reporter token"
					    : "this route needs a regulator token",
		    NULL, NULL);
	}
	/* Before the rate limit: a regulator's refused requests are audited too. */
	if (needed == ROLE_REGULATOR)
		audit_regulator_query(s, &rq->account, rq->conn, rq->def->name, rq->def->method);
	int wait_s = ratelimit_take(s->ratelimit, rq->account.id,
				    rq->snap->cfg.rate_limit_per_token, now_us() / 1000);
	if (wait_s > 0) {
		struct respond_extra later = {.retry_after_s = wait_s};
		return respond_problem(
		    rq, MHD_HTTP_TOO_MANY_REQUESTS, "rate-limited", "too many requests",
		    "this token is over rate_limit_per_token requests per minute; "
		    "retry after the Retry-After seconds",
		    NULL, &later);
	}
	*ret_answered = false;
	return MHD_YES;
}

static enum MHD_Result serve_healthz(struct request *rq)
{
	return answer_status(rq, MHD_HTTP_OK, "ok");
}

/* /readyz: can this daemon serve reads (db_read_conninfo answers; with the
 * standby down that is the primary)? What HAProxy checks, so that GETs go on
 * during a failover while writes answer 503 with Retry-After.
 * /readyz?write=1: can it take writes (the primary answers)? */
static enum MHD_Result serve_readyz(struct request *rq)
{
	const char *w = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, "write");
	bool write = w && strcmp(w, "0") != 0;
	if (directory_ping(write ? rq->server->readers : rq->server->replicas))
		return answer_status(rq, MHD_HTTP_OK, write ? "ready for writes" : "ready");
	return answer_status(rq, MHD_HTTP_SERVICE_UNAVAILABLE,
			     write ? "primary database unavailable" : "database unavailable");
}

/* The API. A new route is one row here and its handlers in its own module. */
static const struct route_def ROUTES[] = {
    {ROUTE_HEALTHZ, "healthz", "GET", "/healthz", false, ROLE_NONE, serve_healthz, NULL, NULL},
    {ROUTE_READYZ, "readyz", "GET", "/readyz", false, ROLE_NONE, serve_readyz, NULL, NULL},
    {ROUTE_METRICS, "metrics", "GET", "/metrics", false, ROLE_NONE, serve_metrics, NULL, NULL},
    {ROUTE_REPORTS_POST, "reports_post", "POST", "/v1/reports", false, ROLE_REPORTER,
     ingest_post_begin, ingest_post_finish, ingest_post_answer},
    {ROUTE_REPORT_GET, "report_get", "GET", "/v1/reports/", true, ROLE_REPORTER, reports_get, NULL,
     NULL},
    {ROUTE_ACTIVITY_POST, "activity_post", "POST", "/v1/activity", false, ROLE_REPORTER,
     activity_post_begin, activity_post_finish, activity_post_answer},
    {ROUTE_SUMMARIES_GET, "summaries_get", "GET", "/v1/summaries", false, ROLE_REGULATOR,
     summaries_get, NULL, NULL},
    {ROUTE_PREMISES_ME_GET, "premises_me_get", "GET", "/v1/premises/me", false, ROLE_REPORTER,
     premises_me_get, NULL, NULL},
    {ROUTE_ALERTS_GET, "alerts_get", "GET", "/v1/alerts", false, ROLE_REGULATOR, alerts_list_get,
     NULL, NULL},
    {ROUTE_ALERT_GET, "alert_get", "GET", "/v1/alerts/", true, ROLE_REGULATOR, alerts_one_get, NULL,
     NULL},
    {ROUTE_ALERT_POST, "alert_post", "POST", "/v1/alerts/", true, ROLE_REGULATOR, alerts_post_begin,
     alerts_post_finish, NULL},
    {ROUTE_FUNNEL_GET, "funnel_get", "GET", "/v1/funnel", false, ROLE_REGULATOR, funnel_get, NULL,
     NULL},
    {ROUTE_PREMISES_WEEKS_GET, "premises_weeks_get", "GET", "/v1/premises/", true, ROLE_REGULATOR,
     premises_weeks_get, NULL, NULL},
    {ROUTE_COMPLETENESS_GET, "completeness_get", "GET", "/v1/completeness", false, ROLE_REGULATOR,
     completeness_get, NULL, NULL},
    /* The dashboard: the session routes before the files' prefix, which also matches them. */
    {ROUTE_SESSION, "session_post", "POST", "/dashboard/session", false, ROLE_REGULATOR,
     session_post_begin, session_post_finish, NULL},
    {ROUTE_SESSION, "session_get", "GET", "/dashboard/session", false, ROLE_REGULATOR, session_get,
     NULL, NULL},
    {ROUTE_SESSION, "session_delete", "DELETE", "/dashboard/session", false, ROLE_REGULATOR,
     session_delete, NULL, NULL},
    {ROUTE_DASHBOARD, "dashboard", "GET", "/dashboard", false, ROLE_NONE, dashboard_redirect, NULL,
     NULL},
    {ROUTE_DASHBOARD, "dashboard", "GET", "/dashboard/", false, ROLE_NONE, dashboard_get_index,
     NULL, NULL},
    {ROUTE_DASHBOARD, "dashboard", "GET", "/dashboard/", true, ROLE_NONE, dashboard_get_file, NULL,
     NULL},
    {ROUTE_FHIR_METADATA, "fhir_metadata", "GET", "/fhir/metadata", false, ROLE_NONE,
     fhir_answer_metadata, NULL, NULL},
};

void routes_list(FILE *out)
{
	for (size_t i = 0; i < sizeof(ROUTES) / sizeof(ROUTES[0]); i++)
		fprintf(out, "%s %s%s\n", ROUTES[i].method, ROUTES[i].path,
			ROUTES[i].prefix ? "{arg}" : "");
}

static bool path_matches(const struct route_def *d, const char *url, const char **ret_arg)
{
	size_t n = strlen(d->path);
	if (!d->prefix)
		return strcmp(url, d->path) == 0;
	if (strncmp(url, d->path, n) != 0 || url[n] == '\0')
		return false;
	*ret_arg = url + n;
	return true;
}

static bool method_matches(const struct route_def *d, const char *method)
{
	if (strcmp(method, d->method) == 0)
		return true;
	return strcmp(d->method, "GET") == 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
}

/* The route for url; *ret_method_ok says whether the method fits it. */
static const struct route_def *match_route(const char *method, const char *url,
					   const char **ret_arg, bool *ret_method_ok)
{
	*ret_arg = NULL;
	*ret_method_ok = false;
	const struct route_def *found = NULL;
	for (size_t i = 0; i < sizeof(ROUTES) / sizeof(ROUTES[0]); i++) {
		const char *arg = NULL;
		if (!path_matches(&ROUTES[i], url, &arg))
			continue;
		found = &ROUTES[i];
		*ret_arg = arg;
		if (method_matches(found, method)) {
			*ret_method_ok = true;
			return found;
		}
	}
	return found;
}

/* The Allow header for url: every method a route answers there. */
static void allowed_methods(const char *url, char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(ROUTES) / sizeof(ROUTES[0]) && used < len; i++) {
		const char *arg;
		if (!path_matches(&ROUTES[i], url, &arg))
			continue;
		int n =
		    snprintf(buf + used, len - used, "%s%s", used ? ", " : "",
			     strcmp(ROUTES[i].method, "GET") == 0 ? "GET, HEAD" : ROUTES[i].method);
		used += n > 0 ? (size_t)n : 0;
	}
}

/* 405, with the Allow header RFC 9110 §15.5.6 requires. */
static enum MHD_Result answer_method_not_allowed(struct request *rq, const char *url)
{
	char allow[64], detail[96];
	allowed_methods(url, allow, sizeof(allow));
	snprintf(detail, sizeof(detail), "this resource answers %s", allow);
	struct respond_extra extra = {.allow = allow};
	return respond_problem(rq, MHD_HTTP_METHOD_NOT_ALLOWED, "method-not-allowed",
			       "method not allowed", detail, NULL, &extra);
}

/* The headers are in: the route's guards, then its begin(). */
static enum MHD_Result begin(struct request *rq, const char *method, const char *url)
{
	bool method_ok, answered;
	const struct route_def *d = match_route(method, url, &rq->route_arg, &method_ok);

	if (!d) {
		return respond_problem(rq, MHD_HTTP_NOT_FOUND, "not-found", "no such resource",
				       "see the API in README.md", NULL, NULL);
	}
	rq->route = d->id;
	if (!method_ok)
		return answer_method_not_allowed(rq, url);
	rq->def = d;
	if (atomic_load(&rq->server->stopping) && d->id != ROUTE_HEALTHZ) {
		/* SIGTERM: requests already in flight finish; a new one is not
		 * started, so the drain ends and load balancers see /readyz fail. */
		struct respond_extra later = {.retry_after_s = 5};
		return respond_problem(rq, MHD_HTTP_SERVICE_UNAVAILABLE, "shutting-down",
				       "shutting down", "the server is stopping; retry shortly",
				       NULL, &later);
	}
	if (d->role != ROLE_NONE) {
		enum MHD_Result r = guard_auth(rq, (enum role)d->role, &answered);
		if (answered)
			return r;
	}
	return d->begin(rq);
}

/* RFC 9112 framing (framing.h), judged before anything else: a refusal
 * closes the connection, as what follows this head cannot be trusted to be
 * the next request. */
static enum MHD_Result guard_framing(struct request *rq, const struct framing_head *head,
				     bool *ret_answered)
{
	struct framing_problem p;
	struct issues errors;
	struct respond_extra close = {.close = true};

	*ret_answered = framing_judge(head, &p) < 0;
	if (!*ret_answered)
		return MHD_YES;
	issues_init(&errors, rq->arena);
	/* Deliberate: the refusal goes out with its status either way. */
	(void)!issues_add(&errors, p.field, "%s", p.message);
	log_event(LOG_INFO, "request_refused", "reason=%s status=%u", p.type, p.status);
	return respond_problem(rq, p.status, p.type, p.title, p.detail, &errors, &close);
}

/* The access handler's first call: the head is in, no body read yet.
 * Framing is judged now. A request with a body meets its route's guards now
 * too, so that a body that would be refused is never read. One without
 * waits for the final call: libmicrohttpd 0.9.75 closes the connection after
 * any answer queued on the first call, and a GET should leave it open for
 * the next request, as a POST's answer does. */
static enum MHD_Result first_call(struct request *rq, const char *method, const char *url,
				  const char *version, bool target_nul)
{
	struct framing_head head;
	bool answered;

	framing_scan(rq->conn, version, target_nul, &head);
	enum MHD_Result r = guard_framing(rq, &head, &answered);
	if (answered)
		return r;
	if (!head.body && strcmp(method, MHD_HTTP_METHOD_POST) != 0) {
		rq->deferred = true;
		return MHD_YES;
	}
	return begin(rq, method, url);
}

/* Room for the whole body at once when its Content-Length is known (it
 * was checked against max_body_bytes with the headers), so a batch's text
 * is not held in a buffer twice its size. */
static size_t first_capacity(struct MHD_Connection *conn, size_t max)
{
	const char *cl =
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	unsigned long long n = cl ? strtoull(cl, NULL, 10) : 0;

	return n > 0 && n <= max ? (size_t)n + 1 : 4096;
}

/* Appends a chunk of body; the limit was checked against Content-Length
 * already, this catches chunked bodies that grow past it. MHD cannot queue
 * an answer while a body is arriving, so such a body is dropped as it comes
 * and answered 413 when it ends; one that goes on past twice the limit ends
 * the connection instead. */
static enum MHD_Result take_body(struct request *rq, const char *data, size_t *size)
{
	size_t max = rq->snap->cfg.max_body_bytes;
	size_t n = *size;
	*size = 0;
	if (rq->body_refused) {
		rq->body_len += n;
		return rq->body_len > 2 * max ? MHD_NO : MHD_YES;
	}
	if (rq->status)
		return MHD_YES; /* already answered: discard */
	if (rq->body_len + n > max) {
		rq->body_refused = true;
		rq->body_len += n;
		free(rq->body);
		rq->body = NULL;
		rq->body_cap = 0;
		return MHD_YES;
	}
	if (rq->body_len + n + 1 > rq->body_cap) {
		size_t cap = rq->body_cap ? rq->body_cap : first_capacity(rq->conn, max);
		while (cap < rq->body_len + n + 1)
			cap *= 2;
		if (cap > max + 1)
			cap = max + 1;
		char *b = realloc(rq->body, cap);
		if (!b) {
			/* Dropped as it comes, like an oversized body; 503 at its end. */
			rq->body_oom = rq->body_refused = true;
			rq->body_len += n;
			return MHD_YES;
		}
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

	if (!rq || rq == FRAMING_TARGET_NUL) {
		bool target_nul = rq == FRAMING_TARGET_NUL;
		reqtimeout_header_done(conn);
		rq = request_new(cls, conn);
		if (!rq)
			return MHD_NO;
		rq->method = method;
		*req_cls = rq;
		return first_call(rq, method, url, version, target_nul);
	}
	if (atomic_load(&rq->state) == RQ_RESUMED)
		return rq->def->answer(rq);
	reqtimeout_body_progress(conn, *upload_data_size);
	if (*upload_data_size)
		return take_body(rq, upload_data, upload_data_size);
	if (rq->deferred) {
		rq->deferred = false;
		return begin(rq, method, url);
	}
	if (rq->body_oom)
		return respond_oom(rq, "body");
	if (rq->body_refused) {
		return respond_problem(rq, MHD_HTTP_CONTENT_TOO_LARGE, "body-too-large",
				       "request body too large", "the body exceeds max_body_bytes",
				       NULL, NULL);
	}
	if (rq->status)
		return MHD_YES; /* answered before or during the body */
	if (!rq->def || !rq->def->finish)
		return MHD_NO;
	enum MHD_Result answer;
	if (!admit(rq, &answer))
		return answer; /* suspended until there is room, or refused */
	return rq->def->finish(rq);
}

void routes_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
		      enum MHD_RequestTerminationCode toe)
{
	struct server *s = cls;
	struct request *rq = *req_cls;
	reqtimeout_request_done(conn);
	if (!rq || rq == FRAMING_TARGET_NUL)
		return; /* refused by MHD before the access handler ran */
	*req_cls = NULL;
	metrics_count_request(s->metrics, rq->route, rq->status);
	if (rq->route != ROUTE_HEALTHZ && rq->route != ROUTE_METRICS) {
		const union MHD_ConnectionInfo *ci =
		    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		char client[64], method[24];
		netaddr_format(ci ? ci->client_addr : NULL, client, sizeof(client));
		log_quote(method, sizeof(method), rq->method ? rq->method : "");
		log_event(toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? LOG_INFO : LOG_WARNING,
			  "request",
			  "request_id=%s method=\"%s\" client=%s route=%s status=%u account=%lld "
			  "ms=%.1f end=%s",
			  rq->id, method, client, rq->def ? rq->def->name : "other", rq->status,
			  rq->account.id, (double)(now_us() - rq->start_us) / 1000.0,
			  toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "ok" : "aborted");
	}
	request_unref(rq);
}
