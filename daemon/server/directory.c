/* Directory: account and premises look-ups for request threads, and the
 * account cache's listener. */
#include "directory.h"
#include "util.h"
#include "dbpool.h"
#include "log.h"
#include "pseudonym.h"
#include "tokencache.h"

#include <errno.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

/* How long a request waits for a free read connection before answering 503. */
#define POOL_WAIT_MS 2000
/* Our tokens are "nwt_" + 48 hex; anything much longer is not one of ours. */
#define TOKEN_MAX_LEN 128
/* Accounts remembered at once: more than a deployment has active tokens;
 * a slot is about 200 bytes. */
#define CACHE_SLOTS 2048
/* Even without a notification a cached account is asked again after this
 * long: the backstop should one ever be missed. */
#define CACHE_TTL_MS (60 * 1000)
/* When the listener's connection drops (the primary died, a failover), the
 * accounts already cached keep answering this long, so that reads go on
 * being authenticated while no database can be asked. The price: a token
 * revoked meanwhile is still taken for at most this long. During a failover
 * nothing can be revoked (the primary is gone); the window matters only
 * when the listener alone lost its connection. Reconnected, the cache is
 * emptied, revocations made meanwhile included. */
#define CACHE_HOLD_MS (30 * 1000)
/* The listener's reconnection backoff, as the pools'. */
#define LISTEN_BACKOFF_MIN_MS 100
#define LISTEN_BACKOFF_MAX_MS 5000

static const char *const SQL_LISTEN = "LISTEN needlewatch_auth";

static const char *const SQL_ACCOUNT_BY_HASH =
    "SELECT a.id, a.role, a.premises_id, p.setting, a.client_cert_sha256"
    " FROM needlewatch.accounts a LEFT JOIN needlewatch.premises p ON p.id = a.premises_id"
    " WHERE a.token_sha256 = $1 AND a.revoked_at IS NULL";

static const char *const SQL_ACCOUNT_BY_CLIENT_CERT =
    "SELECT a.id, a.role, a.premises_id, p.setting, a.client_cert_sha256"
    " FROM needlewatch.accounts a LEFT JOIN needlewatch.premises p ON p.id = a.premises_id"
    " WHERE a.client_cert_sha256 = $1 AND a.revoked_at IS NULL";

static const char *const SQL_PREMISES_BY_CODE =
    "SELECT id, setting FROM needlewatch.premises WHERE code = $1";

/* The account cache and its listener: set up by directory_cache_start()
 * before the HTTP threads start and torn down after they stop, so the
 * pointers never change while requests read them; the cache has its own lock
 * and the listener's state is its thread's alone. */
static struct tokencache *account_cache;
static struct listener {
	char *conninfo;
	pthread_t tid;
	int wake[2]; /* a byte written to wake[1] stops the thread */
	PGconn *conn;
	bool warned; /* "state=off" logged since the last connection */
} * listener;

static enum role role_from_text(const char *s)
{
	if (strcmp(s, "reporter") == 0)
		return ROLE_REPORTER;
	if (strcmp(s, "regulator") == 0)
		return ROLE_REGULATOR;
	if (strcmp(s, "admin") == 0)
		return ROLE_ADMIN;
	return ROLE_NONE;
}

/* Runs one parameterised query on a pooled connection. NULL result with
 * *ret_unavailable set when the database could not be asked. */
static PGresult *query(struct dbpool *pool, const char *sql, int n, const char *const *params,
		       bool *ret_unavailable)
{
	*ret_unavailable = false;
	PGconn *c = dbpool_get(pool, POOL_WAIT_MS);
	if (!c) {
		*ret_unavailable = true;
		return NULL;
	}
	PGresult *res = PQexecParams(c, sql, n, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		bool lost = db_result_is_connection_error(c, res);
		dbpool_put(pool, c, lost);
		PQclear(res);
		*ret_unavailable = true;
		return NULL;
	}
	dbpool_put(pool, c, /* broken= */ false);
	return res;
}

static const char *bearer_token(const char *authorization)
{
	if (!authorization || strncasecmp(authorization, "Bearer ", 7) != 0)
		return NULL;
	const char *t = authorization + 7;
	while (*t == ' ')
		t++;
	size_t n = strlen(t);
	if (n == 0 || n > TOKEN_MAX_LEN)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (t[i] <= ' ' || t[i] > '~')
			return NULL;
	return t;
}

/* Runs an account query keyed by one hash; fills *ret from its one row. */
static int account_from_db(struct dbpool *pool, const char *sql, const char *key,
			   struct account *ret)
{
	bool unavailable;
	const char *params[1] = {key};
	PGresult *res = query(pool, sql, 1, params, &unavailable);
	if (!res)
		return -EAGAIN;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return -EACCES;
	}
	memset(ret, 0, sizeof(*ret));
	ret->id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	ret->role = role_from_text(PQgetvalue(res, 0, 1));
	if (!PQgetisnull(res, 0, 2))
		ret->premises_id = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
	if (!PQgetisnull(res, 0, 3))
		snprintf(ret->premises_setting, sizeof(ret->premises_setting), "%s",
			 PQgetvalue(res, 0, 3));
	if (!PQgetisnull(res, 0, 4))
		snprintf(ret->client_cert_sha256, sizeof(ret->client_cert_sha256), "%s",
			 PQgetvalue(res, 0, 4));
	PQclear(res);
	return ret->role == ROLE_NONE ? -EACCES : 0;
}

/* account_from_db() through the cache; kind tells token from certificate
 * hashes apart. Only accounts found are cached: an unknown or revoked
 * credential is asked about every time. */
static int account_by(struct dbpool *pool, const char *sql, char kind, const char *key,
		      struct account *ret)
{
	char ck[TOKENCACHE_KEY_MAX + 1];
	unsigned long generation = 0;

	if (account_cache) {
		snprintf(ck, sizeof(ck), "%c%s", kind, key);
		if (tokencache_get(account_cache, ck, ret, util_mono_ms()) == 0)
			return 0;
		/* Taken before asking: an invalidation while we ask wins. */
		generation = tokencache_generation(account_cache);
	}
	int r = account_from_db(pool, sql, key, ret);
	if (r == 0 && account_cache)
		tokencache_put(account_cache, ck, ret, generation, util_mono_ms());
	return r;
}

int directory_token_sha256(const char *authorization, char ret_hash[65])
{
	const char *token = bearer_token(authorization);
	if (!token || sha256_hex(token, strlen(token), ret_hash) < 0)
		return -EACCES;
	return 0;
}

int directory_account_by_token(struct dbpool *pool, const char *authorization, struct account *ret)
{
	char hash[65];
	if (directory_token_sha256(authorization, hash) < 0)
		return -EACCES;
	return account_by(pool, SQL_ACCOUNT_BY_HASH, 't', hash, ret);
}

int directory_account_by_token_sha256(struct dbpool *pool, const char *token_sha256,
				      struct account *ret)
{
	return account_by(pool, SQL_ACCOUNT_BY_HASH, 't', token_sha256, ret);
}

int directory_account_by_client_cert(struct dbpool *pool, const char *cert_sha256,
				     struct account *ret)
{
	return account_by(pool, SQL_ACCOUNT_BY_CLIENT_CERT, 'c', cert_sha256, ret);
}

int directory_premises_by_code(struct dbpool *pool, const char *code, long long *ret_id,
			       char *ret_setting, size_t setting_len)
{
	bool unavailable;
	const char *params[1] = {code};
	PGresult *res = query(pool, SQL_PREMISES_BY_CODE, 1, params, &unavailable);
	if (!res)
		return -EAGAIN;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return -ENOENT;
	}
	*ret_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	snprintf(ret_setting, setting_len, "%s", PQgetvalue(res, 0, 1));
	PQclear(res);
	return 0;
}

bool directory_ping(struct dbpool *pool)
{
	bool unavailable;
	PGresult *res = query(pool, "SELECT 1", 0, NULL, &unavailable);
	PQclear(res);
	return res != NULL;
}

/* ---- the listener ---------------------------------------------------------- */

/* The cache is on only between a successful LISTEN and the loss of that
 * connection; lost, it is held (CACHE_HOLD_MS), then off by itself. A
 * failed connect leaves it as it is: off, or held until the hold ends. */
static void listener_off(struct listener *l, const char *why, bool lost)
{
	if (lost) {
		tokencache_hold(account_cache, util_mono_ms() + CACHE_HOLD_MS);
		log_event(LOG_WARNING, "token_cache", "state=held hold_s=%d reason=\"%s\"",
			  CACHE_HOLD_MS / 1000, why);
	} else if (!l->warned)
		log_event(LOG_WARNING, "token_cache", "state=off reason=\"%s\"", why);
	l->warned = true;
}

/* Connects and LISTENs; only then is the cache turned on (afresh: whatever
 * changed while nobody listened is forgotten with the rest). */
static bool listener_connect(struct listener *l)
{
	PGconn *c = db_connect(l->conninfo, "token_cache");
	PGresult *res = PQstatus(c) == CONNECTION_OK ? PQexec(c, SQL_LISTEN) : NULL;
	bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;

	PQclear(res);
	if (!ok) {
		PQfinish(c);
		listener_off(l, "cannot listen for account changes", /* lost= */ false);
		return false;
	}
	l->conn = c;
	l->warned = false;
	tokencache_set_enabled(account_cache, true);
	log_event(LOG_INFO, "token_cache", "state=on slots=%d ttl_s=%d", CACHE_SLOTS,
		  CACHE_TTL_MS / 1000);
	return true;
}

/* Waits for a notification (or, not connected, timeout_ms). False: stop. */
static bool listener_wait(struct listener *l, int timeout_ms)
{
	struct pollfd p[2] = {
	    {.fd = l->wake[0], .events = POLLIN},
	    {.fd = l->conn ? PQsocket(l->conn) : -1, .events = POLLIN},
	};
	int r = poll(p, 2, timeout_ms);
	return !(r > 0 && (p[0].revents & (POLLIN | POLLHUP)));
}

static void *listener_main(void *arg)
{
	struct listener *l = arg;
	int backoff_ms = LISTEN_BACKOFF_MIN_MS;

	for (;;) {
		if (!l->conn && !listener_connect(l)) {
			if (!listener_wait(l, backoff_ms))
				break;
			backoff_ms = util_backoff_next(backoff_ms, LISTEN_BACKOFF_MAX_MS);
			continue;
		}
		backoff_ms = LISTEN_BACKOFF_MIN_MS;
		if (!listener_wait(l, -1))
			break;
		if (!PQconsumeInput(l->conn) || PQstatus(l->conn) != CONNECTION_OK) {
			listener_off(l, "connection lost", /* lost= */ true);
			PQfinish(l->conn);
			l->conn = NULL;
			continue;
		}
		bool changed = false;
		PGnotify *n;
		while ((n = PQnotifies(l->conn))) {
			changed = true;
			PQfreemem(n);
		}
		if (changed)
			tokencache_invalidate(account_cache);
	}
	PQfinish(l->conn);
	l->conn = NULL;
	return NULL;
}

static void listener_free(struct listener *l)
{
	if (!l)
		return;
	if (l->wake[0] >= 0)
		close(l->wake[0]);
	if (l->wake[1] >= 0)
		close(l->wake[1]);
	free(l->conninfo);
	free(l);
}

int directory_cache_start(const char *conninfo)
{
	struct listener *l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->wake[0] = l->wake[1] = -1;
	account_cache = tokencache_new(CACHE_SLOTS, sizeof(struct account), CACHE_TTL_MS);
	l->conninfo = strdup(conninfo);
	if (!account_cache || !l->conninfo || pipe2(l->wake, O_CLOEXEC) < 0 ||
	    pthread_create(&l->tid, NULL, listener_main, l) != 0) {
		listener_free(l);
		tokencache_free(account_cache);
		account_cache = NULL;
		return -ENOMEM;
	}
	listener = l;
	return 0;
}

void directory_cache_stop(void)
{
	if (listener) {
		if (write(listener->wake[1], "x", 1) != 1)
			log_event(LOG_WARNING, "token_cache",
				  "reason=\"cannot wake the listener\"");
		pthread_join(listener->tid, NULL);
		listener_free(listener);
		listener = NULL;
	}
	tokencache_free(account_cache);
	account_cache = NULL;
}
