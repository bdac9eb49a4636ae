/* Writer pipeline: the pipelined jobs of a writer batch sent to PostgreSQL in
 * one libpq pipeline (the writer's half that speaks the protocol). Called on
 * a writer thread only. */
#ifndef NW_WRITER_PIPELINE_H
#define NW_WRITER_PIPELINE_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

#include "write_job.h"

enum batch_outcome {
	BATCH_COMMITTED,	/* the transaction committed */
	BATCH_LOST,		/* the connection failed, or the outcome is unknown */
	BATCH_STATEMENT_FAILED, /* a statement failed; the transaction is rolled back */
	BATCH_OPEN,		/* all done, the transaction still open */
};

/* A writer thread's reusable array of one pipeline's jobs. */
struct pipeline_scratch {
	struct write_job **jobs;
	size_t cap;
};

/* The pipeline of a pipelined job (run NULL), or NULL for a run() job. */
const struct write_pipeline *writer_pipeline_of(const struct write_job *j);

/* Sends BEGIN, the statements of every pipelined job of jobs[..end) and, when
 * commit, COMMIT in one pipeline, handing each result to its pipeline.
 * BATCH_COMMITTED (commit) or BATCH_OPEN (not commit): all went well. */
enum batch_outcome writer_pipeline_send(PGconn *conn, struct pipeline_scratch *scratch,
					struct write_job *jobs, struct write_job *end, bool commit);

/* Frees the scratch array. */
void pipeline_scratch_free(struct pipeline_scratch *sc);

#endif
