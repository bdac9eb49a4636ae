/* Refresher: one thread, one connection, one statement per period.
 *
 * The thread shares with the rest of the daemon only `struct refresher`,
 * guarded by its mutex: the stop flag and the cancel handle of the query in
 * flight, so that a shutdown does not wait for a long refresh to finish. */
#include "refresher.h"
#include "alert_hook.h"
#include "config.h"
#include "log.h"

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

static const char *const SQL_REFRESH = "SELECT needlewatch.refresh_summaries($1::integer, false)";

struct refresher {
	const struct config *cfg; /* for the two numbers SIGHUP may change */
	char *conninfo;		  /* a copy: SIGHUP frees the config's strings */
	char *alert_types;	  /* a copy of alerts_sentinel_types, for the same reason */
	pthread_t tid;
	pthread_mutex_t lock; /* guards stopping and cancel */
	pthread_cond_t wake;
	bool stopping;
	PGcancel *cancel; /* of the refresh in flight, NULL between refreshes */
	PGconn *conn;	  /* the thread's own */
};

/* SIGHUP rewrites these in place, one aligned word each (liveconfig.h). */
static int live_int(const int *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static bool connected(struct refresher *r)
{
	if (r->conn && PQstatus(r->conn) == CONNECTION_OK)
		return true;
	PQfinish(r->conn);
	r->conn = PQconnectdb(r->conninfo);
	if (PQstatus(r->conn) == CONNECTION_OK)
		return true;
	char q[300];
	log_event(LOG_WARNING, "summaries_refresh_failed", "reason=\"%s\"",
		  log_quote(q, sizeof(q), PQerrorMessage(r->conn)));
	return false;
}

static double mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static void refresh_once(struct refresher *r)
{
	char threshold[16], q[300];
	const char *params[1] = {threshold};
	double start = mono_ms();

	if (!connected(r))
		return;
	snprintf(threshold, sizeof(threshold), "%d", live_int(&r->cfg->suppression_threshold));
	pthread_mutex_lock(&r->lock);
	r->cancel = r->stopping ? NULL : PQgetCancel(r->conn);
	bool go = r->cancel != NULL;
	pthread_mutex_unlock(&r->lock);
	if (!go)
		return;
	PGresult *res = PQexecParams(r->conn, SQL_REFRESH, 1, NULL, params, NULL, NULL, 0);
	pthread_mutex_lock(&r->lock);
	PQfreeCancel(r->cancel);
	r->cancel = NULL;
	pthread_mutex_unlock(&r->lock);
	bool refreshed = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
	if (refreshed)
		log_event(LOG_INFO, "summaries_refreshed", "weeks=%s ms=%.1f",
			  PQgetvalue(res, 0, 0), mono_ms() - start);
	else
		log_event(LOG_WARNING, "summaries_refresh_failed", "reason=\"%s\"",
			  log_quote(q, sizeof(q), PQresultErrorMessage(res)));
	PQclear(res);
	if (refreshed)
		alert_hook_after_refresh(r->conn, r->cfg, r->alert_types);
}

/* Waits the interval (or until stopped); false once stopping. */
static bool wait_interval(struct refresher *r)
{
	int interval = live_int(&r->cfg->summary_refresh_interval_s);
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
	bool due = live_int(&r->cfg->summary_refresh_interval_s) > 0;
	for (;;) {
		if (due)
			refresh_once(r);
		if (!wait_interval(r))
			break;
		due = live_int(&r->cfg->summary_refresh_interval_s) > 0;
	}
	PQfinish(r->conn);
	r->conn = NULL;
	return NULL;
}

struct refresher *refresher_start(const struct config *cfg)
{
	struct refresher *r = calloc(1, sizeof(*r));
	pthread_condattr_t attr;
	if (!r)
		return NULL;
	r->cfg = cfg;
	r->conninfo = strdup(cfg->db_conninfo);
	r->alert_types = strdup(cfg->alerts_sentinel_types ? cfg->alerts_sentinel_types : "");
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
