/* Dashboard sessions over HTTP: POST /dashboard/session exchanges a
 * regulator's bearer token for a session cookie, GET tells the browser its
 * CSRF value and remaining time, DELETE signs out; and the cookie, on any
 * route a regulator may call, stands for the token (routes.c, authenticate).
 * The table itself is core (sessions.h). */
#ifndef NW_SESSION_H
#define NW_SESSION_H

#include <microhttpd.h>

struct request;

/* The cookie's name. __Host-: browsers accept it only with Secure, Path=/
 * and no Domain, so no other host or path can plant or shadow it. */
#define SESSION_COOKIE "__Host-needlewatch_session"
/* The header a request with the cookie must carry unless it is GET or HEAD. */
#define SESSION_CSRF_HEADER "X-Needlewatch-CSRF"

/* The session cookie's value on conn, or NULL. */
const char *session_cookie(struct MHD_Connection *conn);

/* Authenticates rq by its session cookie: 0 with rq->account filled and
 * rq->via_session set; -EACCES when the session is unknown or ended, a
 * state-changing request lacks the CSRF header, or the token behind it was
 * revoked (*ret_why says which, for the 401); -EAGAIN when the database
 * cannot be asked. */
int session_authenticate(struct request *rq, const char **ret_why);

/* POST /dashboard/session (a regulator's Authorization: Bearer, already
 * checked by the route's guard): begin receives the (ignored) body, finish
 * opens the session and answers 201 with Set-Cookie and the CSRF value. */
enum MHD_Result session_post_begin(struct request *rq);
enum MHD_Result session_post_finish(struct request *rq);
/* GET /dashboard/session: the session's CSRF value and time left. */
enum MHD_Result session_get(struct request *rq);
/* DELETE /dashboard/session: signs out and clears the cookie. */
enum MHD_Result session_delete(struct request *rq);

#endif
