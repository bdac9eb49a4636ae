/* Refresher: one thread, one connection, one refresh and its disclosure
 * audit (core/refresh_audit.c) per period, in one transaction.
 *
 * The thread shares with the rest of the daemon only `struct refresher`,
 * guarded by its mutex: the stop flag and the cancel handle of the query in
 * flight, so that a shutdown does not wait for a long refresh to finish. */
#include "refresher.h"
#include "util.h"
#include "dbpool.h"
#include "alert_hook.h"
#include "config.h"
#include "log.h"
#include "refresh_audit.h"
#include "refresh_lock.h"
#include "snapshot.h"

#include <errno.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* With the interval at 0 the thread only watches for a reload that sets one. */
#define IDLE_CHECK_S 60

struct refresher {
	struct snapshot_slot *live; /* for the two numbers SIGHUP may change */
	char *conninfo;		    /* a copy: the snapshot it came from goes on reload */
	char *alert_types;	    /* a copy of alerts_sentinel_types, for the same reason */
	pthread_t tid;
	pthread_mutex_t lock; /* guards stopping and cancel */
	pthread_cond_t wake;
	bool stopping;
	PGcancel *cancel; /* of the refresh in flight, NULL between refreshes */
	PGconn *conn;	  /* the thread's own */
};

/* The current values of the two keys SIGHUP may change. */
static int interval_s(struct refresher *r)
{
	const struct snapshot *snap = snapshot_get(r->live);
	int v = snap->cfg.summary_refresh_interval_s;
	snapshot_put(snap);
	return v;
}

static int suppression_threshold(struct refresher *r)
{
	const struct snapshot *snap = snapshot_get(r->live);
	int v = snap->cfg.suppression_threshold;
	snapshot_put(snap);
	return v;
}

static bool connected(struct refresher *r)
{
	if (r->conn && PQstatus(r->conn) == CONNECTION_OK)
		return true;
	PQfinish(r->conn);
	r->conn = db_connect(r->conninfo, "refresher");
	if (PQstatus(r->conn) == CONNECTION_OK)
		return true;
	char q[300];
	log_event(LOG_WARNING, "summaries_refresh_failed", "reason=\"%s\"",
		  log_quote(q, sizeof(q), PQerrorMessage(r->conn)));
	return false;
}

/* Whether a shutdown has begun: the audit asks between weeks. */
static bool stop_requested(void *arg)
{
	struct refresher *r = arg;
	pthread_mutex_lock(&r->lock);
	bool stopping = r->stopping;
	pthread_mutex_unlock(&r->lock);
	return stopping;
}

static void refresh_once(struct refresher *r)
{
	char reason[300], q[300];
	struct refresh_audit_outcome out;
	double start = util_mono_ms_f();

	if (!connected(r))
		return;
	pthread_mutex_lock(&r->lock);
	r->cancel = r->stopping ? NULL : PQgetCancel(r->conn);
	bool go = r->cancel != NULL;
	pthread_mutex_unlock(&r->lock);
	if (!go)
		return;
	const struct refresh_audit_stop stop = {.requested = stop_requested, .arg = r};
	int rc = refresh_audit_run(r->conn, suppression_threshold(r),
				   /* full= */ false, &stop, &out, reason, sizeof(reason));
	pthread_mutex_lock(&r->lock);
	PQfreeCancel(r->cancel);
	r->cancel = NULL;
	pthread_mutex_unlock(&r->lock);
	if (rc == 0)
		log_event(out.weeks_failed ? LOG_WARNING : LOG_INFO, "summaries_refreshed",
			  "weeks=%d audited=%d audit_failed=%d cells_hidden=%ld cells_added=%ld "
			  "lp_solves=%ld audit_ms=%.1f ms=%.1f",
			  out.weeks, out.weeks_audited, out.weeks_failed, out.cells_hidden,
			  out.cells_added, out.solves, out.audit_ms, util_mono_ms_f() - start);
	else
		log_event(LOG_WARNING, "summaries_refresh_failed", "reason=\"%s\"",
			  log_quote(q, sizeof(q), reason));
	if (rc == 0) {
		const struct snapshot *snap = snapshot_get(r->live);
		alert_hook_after_refresh(r->conn, &snap->cfg, r->alert_types);
		snapshot_put(snap);
	}
}

/* Several daemons share one database and each runs a refresher: a session
 * advisory lock ("nwrefrsh" in ASCII, recognisable in pg_locks) lets one
 * refresh per round while the others skip it. Session-level, held only
 * around the statement, so a daemon that dies mid-refresh frees it with its
 * connection; on a failover the new primary starts with no lock held. */
static const char *const SQL_TRY_LOCK = "SELECT pg_try_advisory_lock(" REFRESH_LOCK_KEY ")";
static const char *const SQL_UNLOCK = "SELECT pg_advisory_unlock(" REFRESH_LOCK_KEY ")";

/* refresh_once(), by one daemon at a time. */
static void refresh_exclusive(struct refresher *r)
{
	if (!connected(r))
		return;
	PGresult *res = PQexec(r->conn, SQL_TRY_LOCK);
	bool locked = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 &&
		      strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	bool failed = PQresultStatus(res) != PGRES_TUPLES_OK;
	PQclear(res);
	if (!locked) {
		log_event(failed ? LOG_WARNING : LOG_INFO, "summaries_refresh_skipped",
			  "reason=\"%s\"",
			  failed ? "cannot take the refresh lock" : "another daemon is refreshing");
		return;
	}
	refresh_once(r);
	PQclear(PQexec(r->conn, SQL_UNLOCK));
}

/* Waits the interval (or until stopped); false once stopping. */
static bool wait_interval(struct refresher *r)
{
	int interval = interval_s(r);
	struct timespec deadline;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += interval > 0 ? interval : IDLE_CHECK_S;
	pthread_mutex_lock(&r->lock);
	while (!r->stopping && pthread_cond_timedwait(&r->wake, &r->lock, &deadline) != ETIMEDOUT)
		;
	bool go = !r->stopping;
	pthread_mutex_unlock(&r->lock);
	return go;
}

static void *refresher_main(void *arg)
{
	struct refresher *r = arg;
	bool due = interval_s(r) > 0;
	for (;;) {
		if (due)
			refresh_exclusive(r);
		if (!wait_interval(r))
			break;
		due = interval_s(r) > 0;
	}
	PQfinish(r->conn);
	r->conn = NULL;
	return NULL;
}

struct refresher *refresher_start(struct snapshot_slot *live)
{
	struct refresher *r = calloc(1, sizeof(*r));
	pthread_condattr_t attr;
	if (!r)
		return NULL;
	r->live = live;
	const struct snapshot *snap = snapshot_get(live);
	r->conninfo = strdup(snap->cfg.db_conninfo);
	r->alert_types =
	    strdup(snap->cfg.alerts_sentinel_types ? snap->cfg.alerts_sentinel_types : "");
	snapshot_put(snap);
	if (!r->conninfo || !r->alert_types) {
		free(r->conninfo);
		free(r->alert_types);
		free(r);
		return NULL;
	}
	pthread_mutex_init(&r->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&r->wake, &attr);
	pthread_condattr_destroy(&attr);
	if (pthread_create(&r->tid, NULL, refresher_main, r) != 0) {
		pthread_cond_destroy(&r->wake);
		pthread_mutex_destroy(&r->lock);
		free(r->conninfo);
		free(r->alert_types);
		free(r);
		return NULL;
	}
	return r;
}

void refresher_stop(struct refresher *r)
{
	char err[256];
	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	r->stopping = true;
	if (r->cancel)
		PQcancel(r->cancel, err, sizeof(err));
	pthread_cond_signal(&r->wake);
	pthread_mutex_unlock(&r->lock);
	pthread_join(r->tid, NULL);
	pthread_cond_destroy(&r->wake);
	pthread_mutex_destroy(&r->lock);
	free(r->conninfo);
	free(r->alert_types);
	free(r);
}
