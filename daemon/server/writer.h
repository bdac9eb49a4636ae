/* Writer: the only path by which reports reach PostgreSQL (docs/architecture.md).
 *
 * Request threads queue jobs; db_pool_size writer threads, each with its own
 * connection, take as many queued reports as fit in batch_max_reports
 * (waiting at most batch_max_wait_ms for more), commit them in one
 * transaction, then call each job's done() — so no answer leaves before its
 * report is durable, and throughput is not bounded by one commit per report. */
#ifndef NW_WRITER_H
#define NW_WRITER_H

#include "util.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

#include "write_job.h"

struct writer_stats {
	unsigned long batches, reports, commit_failures, reconnects;
	unsigned long rechecks; /* batches whose unknown outcome was looked up */
	double commit_ms_total;
	unsigned long commit_ms_buckets[8];  /* <=1, 2, 5, 10, 25, 50, 100, +Inf ms */
	unsigned long batch_size_buckets[6]; /* <=1, 10, 50, 100, 500, +Inf */
};

struct writer;

/* Starts threads writer threads against conninfo. on_connect runs on every
 * new connection (prepared statements); non-zero drops the connection.
 * NULL on failure. */
NW_MUSTCHECK struct writer *writer_new(const char *conninfo, int threads, int batch_max_reports,
				       int batch_max_wait_ms, int (*on_connect)(PGconn *conn));
/* Queues a job. 0, or -ESHUTDOWN once writer_stop() has begun. */
NW_MUSTCHECK int writer_submit(struct writer *w, struct write_job *job);
/* Commits everything queued, then stops and joins the threads. */
void writer_stop(struct writer *w);
/* Frees a stopped writer. Accepts NULL. */
void writer_free(struct writer *w);
/* A snapshot of the counters. */
void writer_get_stats(struct writer *w, struct writer_stats *ret);

#endif
