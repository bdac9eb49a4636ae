/* Refresher: keeps the summary tables up to date from inside needlewatchd.
 *
 * One thread with its own connection calls needlewatch.refresh_summaries()
 * at start and then every summary_refresh_interval_s (0: never; the
 * operator runs `needlewatchctl refresh`). The refresh recomputes only the
 * weeks touched since the last one, in one transaction. The interval and
 * suppression_threshold are read again before each wait and each run, so a
 * SIGHUP that changes them takes effect without a restart. */
#ifndef NW_REFRESHER_H
#define NW_REFRESHER_H

struct snapshot_slot;
struct refresher;

/* Starts the thread, which reads the two keys above from the current
 * snapshot in live (which must outlive refresher_stop()) each time it needs
 * them; db_conninfo (restart-only) is copied. NULL on failure. */
struct refresher *refresher_start(struct snapshot_slot *live);

/* Cancels a refresh in progress (it rolls back; its weeks stay marked for
 * the next one), stops and joins the thread, frees it. Accepts NULL. */
void refresher_stop(struct refresher *r);

#endif
