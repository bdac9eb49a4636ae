/* needlewatchctl refresh: the same refresh needlewatchd runs on its timer,
 * on demand (after a bulk load, before an export, in tests). */
#include "refresh.h"
#include "util.h"
#include "ctl_db.h"
#include "progress.h"
#include "refresh_audit.h"
#include "refresh_lock.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The daemons' refresher takes the lock without waiting and skips a round;
 * a refresh asked for by hand waits instead (by default), so that what it
 * prints is a refresh that saw everything loaded before it was run. The
 * wait is bounded: a refresh takes seconds, a hung one should not hang us. */
static const char *const SQL_LOCK_TIMEOUT = "SET lock_timeout = '300s'";
static const char *const SQL_LOCK = "SELECT true FROM pg_advisory_lock(" REFRESH_LOCK_KEY ")";
static const char *const SQL_TRY_LOCK = "SELECT pg_try_advisory_lock(" REFRESH_LOCK_KEY ")";
static const char *const SQL_UNLOCK = "SELECT pg_advisory_unlock(" REFRESH_LOCK_KEY ")";

struct refresh_options {
	bool full;
	bool no_wait;
	bool progress;
};

static void store_option(void *state, int c, const char *arg)
{
	struct refresh_options *o = state;
	(void)arg;
	if (c == 'f')
		o->full = true;
	else if (c == 'n')
		o->no_wait = true;
	else if (c == 'p')
		o->progress = true;
}

static void audit_progress(void *arg, long done, long total)
{
	progress_report(arg, done, total);
}

/* Takes the refresh lock: 0, or the exit code after saying why. */
static int take_lock(PGconn *db, bool no_wait)
{
	if (!no_wait)
		PQclear(PQexec(db, SQL_LOCK_TIMEOUT));
	PGresult *res = PQexec(db, no_wait ? SQL_TRY_LOCK : SQL_LOCK);
	bool ok = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
	bool locked = ok && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	/* 55P03: lock_timeout ran out while another refresh held the lock. */
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	bool timed_out = state && strcmp(state, "55P03") == 0;
	PQclear(res);
	if (!no_wait)
		PQclear(PQexec(db, "RESET lock_timeout"));
	if (locked)
		return 0;
	if (ok || timed_out)
		return ctl_fail(EX_TEMPFAIL,
				"refresh: another refresh is running (a daemon's or "
				"another needlewatchctl's)%s; try again later",
				no_wait ? "" : " for more than 5 minutes");
	return ctl_fail(PQstatus(db) == CONNECTION_OK ? EX_SOFTWARE : EX_UNAVAILABLE,
			"refresh: cannot take the refresh lock: %s", PQerrorMessage(db));
}

int refresh_run(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"full", no_argument, NULL, 'f'},
	    {"no-wait", no_argument, NULL, 'n'},
	    {"progress", no_argument, NULL, 'p'},
	    CTL_OPTION_HELP,
	    CTL_OPTION_END,
	};
	struct refresh_options o = {0};
	struct progress pg;
	int first_arg = 0;
	int rc = ctl_parse_options("refresh", argc, argv, opts, store_option, &o, &first_arg);
	if (rc != CTL_CONTINUE)
		return rc;
	if (first_arg < argc)
		return ctl_usage_error("refresh", "unexpected argument '%s'", argv[first_arg]);
	rc = ctl_open(ctl);
	if (rc)
		return rc;
	rc = take_lock(ctl->db, o.no_wait);
	if (rc)
		return rc;

	struct refresh_audit_outcome out;
	char reason[512];
	double start = util_mono_ms_f();
	/* The recompute is one statement; the audit goes week by week. */
	progress_init(&pg, "refresh", "weeks audited", o.progress);
	progress_note(&pg, "recomputing the summary tables%s", o.full ? " (every week)" : "");
	const struct refresh_audit_stop hooks = {.progress = audit_progress, .arg = &pg};
	rc = refresh_audit_run(ctl->db, ctl->cfg.suppression_threshold, o.full, &hooks, &out,
			       reason, sizeof(reason));
	progress_end(&pg);
	PQclear(PQexec(ctl->db, SQL_UNLOCK));
	if (rc)
		return ctl_fail(PQstatus(ctl->db) == CONNECTION_OK ? EX_SOFTWARE : EX_UNAVAILABLE,
				"refresh: %s", reason);
	printf("refresh: %d weeks recomputed%s in %.0f ms\n", out.weeks, o.full ? " (full)" : "",
	       util_mono_ms_f() - start);
	printf("audit: %d weeks, %ld hidden cells, %ld hidden by the audit, %d failed "
	       "(withheld) in %.0f ms\n",
	       out.weeks_audited, out.cells_hidden, out.cells_added, out.weeks_failed, out.audit_ms);
	return out.weeks_failed ? EX_SOFTWARE : 0;
}
