/* Write job: what a request hands the writer (a job, or a pipelined job and
 * its pipeline). The types alone, so that the writer and its pipeline half
 * can both use them without including each other. */
#ifndef NW_WRITE_JOB_H
#define NW_WRITE_JOB_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

#include "store_status.h"

/* One unit of work for the writer: a report, a batch of reports, an
 * activity submission... The writer never splits a job across transactions. */
struct write_job {
	/* Runs the job's statements inside the writer's open transaction and
	 * records their outcome in the job. 0, or -EIO when a statement failed
	 * (the transaction is then aborted); *ret_lost tells whether the
	 * connection itself died. Called on a writer thread. NULL for a
	 * pipelined job (struct write_pipelined_job below). */
	int (*run)(PGconn *conn, struct write_job *job, bool *ret_lost);
	/* Marks everything in the job as not stored, with this status
	 * (STORE_UNAVAILABLE: retry later; STORE_FAILED: refused by the database). */
	void (*fail)(struct write_job *job, enum store_status status);
	/* Called on a writer thread after the commit (or failure). The job
	 * belongs to the caller again from this call on. */
	void (*done)(struct write_job *job, void *arg);
	void *arg;
	size_t weight;		/* rows it writes: counts towards batch_max_reports */
	struct write_job *next; /* the writer's queue link */
};

/* Jobs whose rows are written together. The writer hands every job of a
 * batch that has the same pipeline to it at once (jobs[0..n), in queue
 * order) and sends the statements it asks for in one libpq pipeline between
 * BEGIN and COMMIT: a batch of a hundred single reports costs one round trip
 * and one multi-row statement rather than a hundred of each. Called on a
 * writer thread. */
struct write_pipeline {
	/* How many statements write jobs[0..n). */
	size_t (*statements)(struct write_job *const *jobs, size_t n);
	/* Queues statement k (PQsendQueryPrepared...) without waiting for its
	 * result: 0, or -EIO when it could not be queued. */
	int (*send)(PGconn *conn, struct write_job *const *jobs, size_t n, size_t k);
	/* Statement k's result (res belongs to the writer): 0, or -EIO when the
	 * statement failed; the transaction is then rolled back and each job
	 * retried in a transaction of its own. */
	int (*receive)(PGconn *conn, struct write_job *const *jobs, size_t n, size_t k,
		       const PGresult *res);
	/* Optional: after COMMIT, outside any transaction, settles what the
	 * results could not (which existing row a replay met). */
	void (*settle)(PGconn *conn, struct write_job *job);
	/* Optional: after a batch whose COMMIT outcome is unknown (the
	 * connection died with it), on a new connection to whichever host is
	 * primary now, inside a transaction: sets every row of job from what
	 * is stored (by its idempotency key), STORE_UNAVAILABLE where nothing
	 * is. 0, or -EIO when a look-up failed (the writer then fails the
	 * job). Without it, such a job fails with STORE_UNAVAILABLE. */
	int (*recheck)(PGconn *conn, struct write_job *job);
};

/* A pipelined job: job.run is NULL, and the writer finds its pipeline here
 * (job first, so that the writer can go from one to the other). */
struct write_pipelined_job {
	struct write_job job;
	const struct write_pipeline *pipeline;
};

#endif
