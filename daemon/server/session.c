/* Dashboard sessions: sign in, who am I, sign out, and the cookie's check. */
#include "session.h"
#include "util.h"
#include "directory.h"
#include "log.h"
#include "request.h"
#include "respond.h"
#include "server.h"
#include "sessions.h"

#include <cJSON.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *session_cookie(struct MHD_Connection *conn)
{
	return MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, SESSION_COOKIE);
}

/* GET and HEAD change nothing; every other method with a cookie must prove
 * it was sent by the dashboard's own script (a page on another site can
 * make the browser send the cookie, though SameSite=Strict already stops
 * that in current browsers, but cannot set this header). */
static bool method_is_safe(const char *method)
{
	return method && (strcmp(method, MHD_HTTP_METHOD_GET) == 0 ||
			  strcmp(method, MHD_HTTP_METHOD_HEAD) == 0);
}

static int session_use(struct request *rq, struct session_info *ret)
{
	const struct config *cfg = &rq->snap->cfg;
	return session_store_use(rq->server->sessions, session_cookie(rq->conn),
				 util_mono_ms() / 1000, cfg->session_idle_timeout_s,
				 cfg->session_max_age_s, ret);
}

int session_authenticate(struct request *rq, const char **ret_why)
{
	struct session_info info;

	*ret_why = "the dashboard session has ended (signed out or expired); sign in again";
	if (session_use(rq, &info) < 0)
		return -EACCES;
	if (!method_is_safe(rq->method)) {
		const char *h =
		    MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, SESSION_CSRF_HEADER);
		if (!h || !session_equal_ct(h, info.csrf)) {
			*ret_why = "a request with the session cookie that changes something must "
				   "carry the X-Needlewatch-CSRF header given at sign-in";
			return -EACCES;
		}
	}
	*ret_why = "the token that opened this session has been revoked; sign in again";
	int r =
	    directory_account_by_token_sha256(rq->server->readers, info.token_sha256, &rq->account);
	if (r == 0)
		rq->via_session = true;
	return r;
}

/* Queues json with a Set-Cookie header (NULL: none). */
static enum MHD_Result answer_with_cookie(struct request *rq, unsigned status, cJSON *json,
					  const char *cookie)
{
	char *text = json ? cJSON_PrintUnformatted(json) : NULL;
	if (!text)
		return respond_oom(rq, "session_json");
	struct MHD_Response *r =
	    MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_COPY);
	free(text);
	if (!r)
		return respond_oom(rq, "session_response");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	if (cookie)
		MHD_add_response_header(r, MHD_HTTP_HEADER_SET_COOKIE, cookie);
	rq->status = status;
	enum MHD_Result ret = MHD_queue_response(rq->conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static cJSON *session_json(const struct request *rq, const char *csrf, long long expires_in_s)
{
	const struct config *cfg = &rq->snap->cfg;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "role", "regulator");
	cJSON_AddNumberToObject(o, "account", (double)rq->account.id);
	cJSON_AddStringToObject(o, "csrf", csrf);
	cJSON_AddStringToObject(o, "csrf_header", SESSION_CSRF_HEADER);
	cJSON_AddNumberToObject(o, "expires_in_s", (double)expires_in_s);
	cJSON_AddNumberToObject(o, "idle_timeout_s", cfg->session_idle_timeout_s);
	cJSON_AddNumberToObject(o, "max_age_s", cfg->session_max_age_s);
	return o;
}

enum MHD_Result session_post_begin(struct request *rq)
{
	(void)rq;
	return MHD_YES; /* the body, if any, is read and ignored: the token is in the header */
}

enum MHD_Result session_post_finish(struct request *rq)
{
	const struct config *cfg = &rq->snap->cfg;
	const char *auth =
	    MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	char token_hash[65], id[SESSION_ID_LEN + 1], csrf[SESSION_CSRF_LEN + 1], cookie[256];

	if (rq->via_session || directory_token_sha256(auth, token_hash) < 0)
		return respond_problem(
		    rq, MHD_HTTP_BAD_REQUEST, "token-required", "sign in with a regulator token",
		    "send the token as Authorization: Bearer <token>; a "
		    "session or a client certificate cannot open another session",
		    NULL, NULL);
	if (session_store_open(rq->server->sessions, token_hash, (util_mono_ms() / 1000), id,
			       csrf) < 0)
		return respond_problem(rq, MHD_HTTP_SERVICE_UNAVAILABLE, "no-randomness",
				       "session not opened", "no random bytes could be had; retry",
				       NULL, NULL);
	/* Max-Age is the absolute limit: the idle limit is the server's to keep. */
	snprintf(cookie, sizeof(cookie),
		 SESSION_COOKIE "=%s; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=%d", id,
		 cfg->session_max_age_s);
	log_event(LOG_INFO, "session_opened", "account=%lld request_id=%s", rq->account.id, rq->id);
	cJSON *o = session_json(rq, csrf,
				cfg->session_idle_timeout_s < cfg->session_max_age_s
				    ? cfg->session_idle_timeout_s
				    : cfg->session_max_age_s);
	enum MHD_Result ret = answer_with_cookie(rq, MHD_HTTP_CREATED, o, cookie);
	cJSON_Delete(o);
	explicit_bzero(id, sizeof(id));
	explicit_bzero(cookie, sizeof(cookie));
	return ret;
}

static enum MHD_Result answer_no_session(struct request *rq)
{
	return respond_problem(rq, MHD_HTTP_BAD_REQUEST, "no-session", "no session",
			       "this request was not made with a dashboard session cookie; "
			       "sign in with POST /dashboard/session",
			       NULL, NULL);
}

enum MHD_Result session_get(struct request *rq)
{
	struct session_info info;
	if (!rq->via_session || session_use(rq, &info) < 0)
		return answer_no_session(rq);
	cJSON *o = session_json(rq, info.csrf, info.expires_in_s);
	enum MHD_Result ret = answer_with_cookie(rq, MHD_HTTP_OK, o, NULL);
	cJSON_Delete(o);
	return ret;
}

enum MHD_Result session_delete(struct request *rq)
{
	if (!rq->via_session)
		return answer_no_session(rq);
	session_store_close(rq->server->sessions, session_cookie(rq->conn));
	log_event(LOG_INFO, "session_closed", "account=%lld reason=\"signed out\" request_id=%s",
		  rq->account.id, rq->id);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "status", "signed out");
	enum MHD_Result ret = answer_with_cookie(
	    rq, MHD_HTTP_OK, o,
	    SESSION_COOKIE "=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0");
	cJSON_Delete(o);
	return ret;
}
