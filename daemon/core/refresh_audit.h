/* The summary refresh with its disclosure audit, as needlewatchd's refresher,
 * `needlewatchctl refresh` and the export all run it.
 *
 * One transaction: needlewatch.refresh_summaries() recomputes the dirty weeks
 * (marking each pending its audit), then every pending week is audited with
 * disclosure_protect() against the threshold it was refreshed with, and the
 * outcome (the cells the audit hid, its counts) is written by
 * needlewatch.record_suppression_audit(). A reader sees the tables before or
 * after, never a week refreshed but not audited. */
#ifndef NW_REFRESH_AUDIT_H
#define NW_REFRESH_AUDIT_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

struct refresh_audit_outcome {
	int weeks;	   /* weeks the refresh recomputed */
	int weeks_audited; /* weeks audited (those, and any left pending before) */
	int weeks_failed;  /* audits the solver could not finish: hidden whole */
	long cells_hidden; /* hidden cells of the audited weeks, all protected */
	long cells_added;  /* of which the audit hid */
	long solves;	   /* linear programmes solved */
	double audit_ms;   /* time spent auditing, reads and writes included */
};

/* Asked between weeks whether to give up (a shutdown); NULL: never. A
 * query in flight is the caller's to cancel (PQcancel). */
struct refresh_audit_stop {
	bool (*requested)(void *arg);
	void *arg;
	/* Optional: told before each week's audit and after the last (done
	 * of total weeks), for `needlewatchctl refresh`'s progress. */
	void (*progress)(void *arg, long done, long total);
};

/* Runs the refresh and the audit on conn, which must be connected and not in
 * a transaction; threshold and full are refresh_summaries()'s arguments.
 * Returns 0 and fills *ret, or -EIO (a statement failed or was cancelled),
 * -ECANCELED (stop requested) or -ENOMEM, rolled back (nothing changed) and
 * with the reason in err. Frees the calling thread's solver environment
 * before returning. */
int refresh_audit_run(PGconn *conn, int threshold, bool full, const struct refresh_audit_stop *stop,
		      struct refresh_audit_outcome *ret, char *err, size_t errlen);

#endif
