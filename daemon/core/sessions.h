/* Dashboard sessions: the short-lived sign-ins a regulator's browser holds
 * instead of its token (docs/dashboard.md).
 *
 * Kept in memory, in one mutex-guarded table per daemon: a restart signs
 * every browser out, and a second daemon behind the same name does not know
 * the first one's sessions. The table stores only the SHA-256 of each
 * session id, so a copy of the daemon's memory does not hand out live
 * cookies; with the id goes the SHA-256 of the token that opened it (the
 * account is looked up by it at every use, so a revoked token ends its
 * sessions at once) and the CSRF value the browser must echo on requests
 * that change something. Times are seconds on a monotonic clock, passed in
 * by the caller so that tests can move time. */
#ifndef NW_SESSIONS_H
#define NW_SESSIONS_H

#include <stddef.h>

#define SESSION_ID_LEN 64   /* hex characters of the 32 random bytes of an id */
#define SESSION_CSRF_LEN 32 /* hex characters of the 16 random bytes of a CSRF value */
#define SESSION_HASH_LEN 64 /* hex SHA-256 */

struct session_store;

/* What a live session says about itself. */
struct session_info {
	char token_sha256[SESSION_HASH_LEN + 1];
	char csrf[SESSION_CSRF_LEN + 1];
	long long created_s, last_used_s;
	long long expires_in_s; /* until the earlier of the idle and the absolute limit */
};

/* A table of at most capacity sessions; NULL on out of memory. */
struct session_store *session_store_new(size_t capacity);
/* Accepts NULL. */
void session_store_free(struct session_store *st);

/* Opens a session for the token whose SHA-256 is token_sha256: writes the
 * new id (SESSION_ID_LEN + 1 bytes) and CSRF value (SESSION_CSRF_LEN + 1).
 * When the table is full the session used least recently gives way. 0, or
 * -EIO when no random bytes could be had. */
int session_store_open(struct session_store *st, const char *token_sha256, long long now_s,
		       char *ret_id, char *ret_csrf);

/* The session named id, if it is live: used within idle_s of its last use
 * and opened within max_age_s. A live session's last use becomes now_s.
 * 0 with *ret filled, or -ENOENT (unknown, malformed, expired: an expired
 * one is forgotten). */
int session_store_use(struct session_store *st, const char *id, long long now_s, long long idle_s,
		      long long max_age_s, struct session_info *ret);

/* Forgets the session named id: 0, or -ENOENT when there was none. */
int session_store_close(struct session_store *st, const char *id);

/* Sessions held, live or not yet found expired (for metrics and tests). */
size_t session_store_count(struct session_store *st);

/* True when a and b are equal strings, compared in time that does not
 * depend on where they differ (the CSRF check). */
int session_equal_ct(const char *a, const char *b);

#endif
