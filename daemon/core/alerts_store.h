/* Storing a week's alert signals as episodes: each signal extends the open
 * episode of its subject that reaches the week, or opens a new alert. The
 * statements of one week go to PostgreSQL in one libpq pipeline, so a week
 * with a thousand signals costs a few round trips, not two thousand. */
#ifndef NW_ALERTS_STORE_H
#define NW_ALERTS_STORE_H

#include <libpq-fe.h>
#include <stddef.h>

#include "alert_rules.h"
#include "util.h"

struct alerts_store_counts {
	int opened;   /* new alerts */
	int extended; /* signals that extended an alert */
};

/* Stores v[0..n) for the week starting day (YYYY-MM-DD) on conn, inside the
 * caller's transaction, in the order given (a later signal sees an earlier
 * one's episode). Adds to *counts. 0; -ENOMEM; or -EIO with the reason in
 * err, the transaction then aborted. */
NW_MUSTCHECK int alerts_store_week(PGconn *conn, const struct alert_signal *v, size_t n,
				   const char *day, struct alerts_store_counts *counts, char *err,
				   size_t errlen);

#endif
