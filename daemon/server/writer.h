/* Writer: the only path by which reports reach PostgreSQL (DESIGN §9).
 *
 * Request threads queue jobs; db_pool_size writer threads, each with its own
 * connection, take as many queued reports as fit in batch_max_reports
 * (waiting at most batch_max_wait_ms for more), commit them in one
 * transaction, then call each job's done() — so no answer leaves before its
 * report is durable, and throughput is not bounded by one commit per report. */
#ifndef NW_WRITER_H
#define NW_WRITER_H

#include <stddef.h>

#include "store.h"

struct write_job {
	struct store_item *items;
	size_t n;
	/* Called on a writer thread after the commit (or failure); every item's
	 * status is set. The job belongs to the caller again from this call on. */
	void (*done)(struct write_job *job, void *arg);
	void *arg;
	struct write_job *next;   /* the writer's queue link */
};

struct writer_stats {
	unsigned long batches, reports, commit_failures, reconnects;
	double commit_ms_total;
	unsigned long commit_ms_buckets[8]; /* <=1, 2, 5, 10, 25, 50, 100, +Inf ms */
	unsigned long batch_size_buckets[6]; /* <=1, 10, 50, 100, 500, +Inf */
};

struct writer;

/* Starts threads writer threads against conninfo. NULL on failure. */
struct writer *writer_new(const char *conninfo, int threads, int batch_max_reports,
			  int batch_max_wait_ms);
/* Queues a job. 0, or -ESHUTDOWN once writer_stop() has begun. */
int writer_submit(struct writer *w, struct write_job *job);
/* Commits everything queued, then stops and joins the threads. */
void writer_stop(struct writer *w);
/* Frees a stopped writer. Accepts NULL. */
void writer_free(struct writer *w);
/* A snapshot of the counters. */
void writer_get_stats(struct writer *w, struct writer_stats *ret);

#endif
