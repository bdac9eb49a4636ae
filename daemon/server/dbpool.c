/* Database pool: a fixed set of read connections behind one mutex. */
#include "dbpool.h"
#include "util.h"
#include "log.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* After a failed connect, wait this long before trying again, doubling up to
 * the cap: a database that is down is not hammered by every request. */
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000

struct slot {
	PGconn *conn;
	bool busy;
	long long opened_ms; /* monotonic time conn was opened */
};

/* Everything below `lock` is guarded by it. */
struct dbpool {
	char *conninfo;
	int size;
	pthread_mutex_t lock;
	pthread_cond_t freed;
	struct slot *slots;
	long long next_attempt_ms; /* monotonic time before which no connect is tried */
	int backoff_ms;
	long long max_age_ms; /* 0: connections are kept however old */
	unsigned long reconnects, recycled;
	bool ever_connected;
};

struct dbpool *dbpool_new(const char *conninfo, int size)
{
	struct dbpool *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->conninfo = strdup(conninfo);
	p->slots = calloc((size_t)size, sizeof(*p->slots));
	if (!p->conninfo || !p->slots) {
		free(p->conninfo);
		free(p->slots);
		free(p);
		return NULL;
	}
	p->size = size;
	p->backoff_ms = BACKOFF_MIN_MS;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->freed, NULL);
	return p;
}

void dbpool_free(struct dbpool *p)
{
	if (!p)
		return;
	for (int i = 0; i < p->size; i++)
		if (p->slots[i].conn)
			PQfinish(p->slots[i].conn);
	pthread_cond_destroy(&p->freed);
	pthread_mutex_destroy(&p->lock);
	free(p->slots);
	free(p->conninfo);
	free(p);
}

/* libpq's notice receiver: one logfmt line per notice, at warning for a
 * WARNING and at debug for the chatter (NOTICE, INFO, DEBUG, LOG). */
static void log_notice(void *arg, const PGresult *res)
{
	const char *pool = arg;
	const char *sev = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	bool warning = sev && strcmp(sev, "WARNING") == 0;
	char q[300];
	log_event(warning ? LOG_WARNING : LOG_DEBUG, "db_notice",
		  "pool=%s severity=%s sqlstate=%s message=\"%s\"", pool, sev ? sev : "unknown",
		  state ? state : "00000", log_quote(q, sizeof(q), msg ? msg : ""));
}

/* connect_timeout of conn's options in milliseconds, -1 when unset (wait
 * as long as PQconnectdb would: the kernel's own TCP timeouts). */
static int connect_timeout_ms(PGconn *conn)
{
	PQconninfoOption *opts = PQconninfo(conn);
	int ms = -1;
	for (PQconninfoOption *o = opts; o && o->keyword; o++)
		if (strcmp(o->keyword, "connect_timeout") == 0 && o->val && atoi(o->val) > 0)
			ms = atoi(o->val) * 1000;
	PQconninfoFree(opts);
	return ms;
}

PGconn *db_connect(const char *conninfo, const char *pool)
{
	/* Non-blocking start, so that the receiver is in place before the
	 * server says anything; then the usual polling loop to completion. */
	PGconn *c = PQconnectStart(conninfo);
	if (!c)
		return NULL;
	PQsetNoticeReceiver(c, log_notice, (void *)pool);
	if (PQstatus(c) == CONNECTION_BAD)
		return c;
	int timeout_ms = connect_timeout_ms(c);
	PostgresPollingStatusType st = PGRES_POLLING_WRITING;
	while (st != PGRES_POLLING_OK && st != PGRES_POLLING_FAILED) {
		struct pollfd p = {.fd = PQsocket(c),
				   .events = st == PGRES_POLLING_READING ? POLLIN : POLLOUT};
		int r = poll(&p, 1, timeout_ms);
		/* Timed out or failed: the connection is left unfinished, whose
		 * status is not CONNECTION_OK, which every caller treats as a
		 * failed connect (and PQfinish()es). */
		if (r == 0 || (r < 0 && errno != EINTR))
			break;
		st = PQconnectPoll(c);
	}
	return c;
}

/* Opens a connection for slot s, outside the lock. Returns NULL on failure. */
static PGconn *connect_now(struct dbpool *p)
{
	PGconn *c = db_connect(p->conninfo, "read");
	if (PQstatus(c) == CONNECTION_OK)
		return c;
	char msg[256];
	const char *err = PQerrorMessage(c);
	size_t n = strcspn(err, "\n");
	snprintf(msg, sizeof(msg), "%.*s", (int)n, err);
	char q[300];
	log_event(LOG_WARNING, "db_connect_failed", "pool=read reason=\"%s\"",
		  log_quote(q, sizeof(q), msg));
	PQfinish(c);
	return NULL;
}

void dbpool_set_max_age(struct dbpool *p, int max_age_s)
{
	pthread_mutex_lock(&p->lock);
	p->max_age_ms = max_age_s > 0 ? (long long)max_age_s * 1000 : 0;
	pthread_mutex_unlock(&p->lock);
}

/* Whether slot s's connection has served its time (under the lock). Its
 * host was chosen when it opened: after a failover that may be the primary
 * a prefer-standby pool fell back to, and only a new connection can see
 * that a standby answers again. */
static bool slot_too_old(const struct dbpool *p, const struct slot *s)
{
	return p->max_age_ms > 0 && util_mono_ms() - s->opened_ms >= p->max_age_ms;
}

static int claim_slot(struct dbpool *p, int timeout_ms)
{
	struct timespec deadline;
	util_realtime_after_ms(&deadline, timeout_ms);
	for (;;) {
		int free_idx = -1;
		for (int i = 0; i < p->size; i++) {
			if (p->slots[i].busy)
				continue;
			if (p->slots[i].conn) {
				free_idx = i;
				break;
			}
			if (free_idx < 0)
				free_idx = i;
		}
		if (free_idx >= 0) {
			p->slots[free_idx].busy = true;
			return free_idx;
		}
		if (pthread_cond_timedwait(&p->freed, &p->lock, &deadline) == ETIMEDOUT)
			return -1;
	}
}

/* Whether an idle pooled connection is still there. A server that went
 * away (a failover, a standby stopped, a terminated backend) has closed its
 * end, so the socket reads; an idle connection expects nothing else. Found
 * now, the request gets a new connection (to whichever host answers)
 * instead of a 503. */
static bool idle_connection_alive(PGconn *c)
{
	struct pollfd pfd = {.fd = PQsocket(c), .events = POLLIN};
	return PQstatus(c) == CONNECTION_OK && poll(&pfd, 1, 0) == 0;
}

/* Opens slot i's connection (claimed, outside the lock) and records the
 * outcome: the connection, or the backoff before the next attempt. A
 * connection replaced for its age (recycling) is not counted as a reconnect. */
static PGconn *connect_slot(struct dbpool *p, int i, bool recycling)
{
	PGconn *c = connect_now(p);

	pthread_mutex_lock(&p->lock);
	if (!c) {
		p->next_attempt_ms = util_mono_ms() + p->backoff_ms;
		p->backoff_ms = util_backoff_next(p->backoff_ms, BACKOFF_MAX_MS);
		p->slots[i].busy = false;
		pthread_cond_signal(&p->freed);
	} else {
		if (p->ever_connected && !recycling)
			p->reconnects++;
		p->ever_connected = true;
		p->backoff_ms = BACKOFF_MIN_MS;
		p->next_attempt_ms = 0;
		p->slots[i].conn = c;
		p->slots[i].opened_ms = util_mono_ms();
	}
	pthread_mutex_unlock(&p->lock);
	return c;
}

PGconn *dbpool_get(struct dbpool *p, int timeout_ms)
{
	pthread_mutex_lock(&p->lock);
	int i = claim_slot(p, timeout_ms);
	if (i < 0) {
		pthread_mutex_unlock(&p->lock);
		return NULL;
	}
	PGconn *c = p->slots[i].conn;
	bool old = c && slot_too_old(p, &p->slots[i]);
	if (c && !old && idle_connection_alive(c)) {
		pthread_mutex_unlock(&p->lock);
		return c;
	}
	if (old) {
		/* Not a failure: reconnect at once, whatever the backoff says. */
		p->recycled++;
		PQfinish(c);
		p->slots[i].conn = c = NULL;
		pthread_mutex_unlock(&p->lock);
		return connect_slot(p, i, /* recycling= */ true);
	}
	if (c) {
		PQfinish(c);
		p->slots[i].conn = NULL;
	}
	if (util_mono_ms() < p->next_attempt_ms) {
		p->slots[i].busy = false;
		pthread_mutex_unlock(&p->lock);
		return NULL;
	}
	pthread_mutex_unlock(&p->lock);
	return connect_slot(p, i, /* recycling= */ false);
}

void dbpool_put(struct dbpool *p, PGconn *conn, bool broken)
{
	if (!conn)
		return;
	pthread_mutex_lock(&p->lock);
	for (int i = 0; i < p->size; i++) {
		if (p->slots[i].conn != conn)
			continue;
		if (broken || PQstatus(conn) != CONNECTION_OK) {
			PQfinish(conn);
			p->slots[i].conn = NULL;
		}
		p->slots[i].busy = false;
		break;
	}
	pthread_cond_signal(&p->freed);
	pthread_mutex_unlock(&p->lock);
}

unsigned long dbpool_recycled(struct dbpool *p)
{
	pthread_mutex_lock(&p->lock);
	unsigned long n = p->recycled;
	pthread_mutex_unlock(&p->lock);
	return n;
}

unsigned long dbpool_reconnects(struct dbpool *p)
{
	pthread_mutex_lock(&p->lock);
	unsigned long n = p->reconnects;
	pthread_mutex_unlock(&p->lock);
	return n;
}

bool db_result_is_connection_error(PGconn *conn, const PGresult *res)
{
	if (!res || PQstatus(conn) != CONNECTION_OK)
		return true;
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	/* Class 08: connection exception; 57P01..03: the server is shutting down. */
	if (state && (strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0))
		return true;
	return false;
}

/* A standby that has replayed all it received is as fresh as its primary
 * last sent: an idle primary writes no transactions, so the age of the last
 * replayed one would otherwise grow for nothing. */
static const char *const SQL_REPLAY_LAG =
    "SELECT CASE WHEN NOT pg_is_in_recovery()"
    " OR pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0"
    " ELSE coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0) END";

int dbpool_replay_lag(struct dbpool *p, int timeout_ms, double *ret_s)
{
	PGconn *c = dbpool_get(p, timeout_ms);
	if (!c)
		return -EAGAIN;
	PGresult *res = PQexec(c, SQL_REPLAY_LAG);
	bool ok = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
	if (ok)
		*ret_s = strtod(PQgetvalue(res, 0, 0), NULL);
	dbpool_put(p, c, !ok && db_result_is_connection_error(c, res));
	PQclear(res);
	return ok ? 0 : -EAGAIN;
}
