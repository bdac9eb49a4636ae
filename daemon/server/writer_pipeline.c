/* Writer pipeline: a batch's pipelined jobs written in one libpq pipeline.
 *
 * BEGIN, the statements every pipeline asks for and (unless jobs with a
 * run() follow) COMMIT leave as one stream and their results come back as
 * one: a batch costs one round trip, however many reports it holds. Jobs
 * with the same pipeline are handed to it together, so it can write their
 * rows in a few multi-row statements. Results are read at least every
 * PIPELINE_WINDOW statements, so the server never blocks writing results we
 * are not reading while we block writing statements it is not reading.
 * libpq 15 has no PQsendPipelineSync: PQpipelineSync ends the pipeline. */
#include "writer_pipeline.h"
#include "dbpool.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdlib.h>

/* Statements sent before their results are read. A statement answers a few
 * kilobytes at most (an id per row), far below what a socket buffers. */
#define PIPELINE_WINDOW 8

const struct write_pipeline *writer_pipeline_of(const struct write_job *j)
{
	if (j->run)
		return NULL;
	return ((const struct write_pipelined_job *)j)->pipeline;
}

/* The pipeline's bookkeeping: the group of jobs being written, and which
 * of its statements were sent and which read. */
struct pipe {
	PGconn *conn;
	const struct write_pipeline *pl;
	struct write_job **jobs;
	size_t n, statements, sent, read;
	bool begin_pending, commit_pending;
	bool failed, lost;
};

/* The next statement's result (one PGresult, then libpq's NULL), or NULL
 * when the connection is gone. */
static PGresult *next_result(PGconn *conn)
{
	PGresult *res = PQgetResult(conn), *extra;
	if (!res)
		return NULL;
	while ((extra = PQgetResult(conn)))
		PQclear(extra);
	return res;
}

/* Reads the result of a BEGIN or COMMIT sent in the pipeline. */
static void read_command(struct pipe *p)
{
	PGresult *res = next_result(p->conn);
	ExecStatusType st = PQresultStatus(res);
	if (!res || (st != PGRES_COMMAND_OK && st != PGRES_PIPELINE_ABORTED))
		p->lost = true; /* BEGIN or COMMIT itself failed: the outcome is unknown */
	else if (st == PGRES_PIPELINE_ABORTED)
		p->failed = true;
	PQclear(res);
}

/* Reads every result in flight, in the order sent. */
static void drain(struct pipe *p)
{
	if (p->lost)
		return; /* the connection is dropped, results and all */
	if (p->begin_pending) {
		read_command(p);
		p->begin_pending = false;
	}
	for (; p->read < p->sent && !p->lost; p->read++) {
		PGresult *res = next_result(p->conn);
		if (!res || PQresultStatus(res) == PGRES_PIPELINE_ABORTED) {
			p->lost |= !res;
			p->failed = true;
		} else if (p->pl->receive(p->conn, p->jobs, p->n, p->read, res) < 0) {
			p->lost |= db_result_is_connection_error(p->conn, res);
			p->failed = true;
		}
		PQclear(res);
	}
	if (p->commit_pending && !p->lost) {
		read_command(p);
		p->commit_pending = false;
	}
}

/* Asks the server for what it has and reads it. */
static void flush_and_drain(struct pipe *p)
{
	if (p->lost)
		return;
	if (PQsendFlushRequest(p->conn) != 1 || PQflush(p->conn) != 0)
		p->lost = true;
	else
		drain(p);
}

/* Ends the pipeline at a sync point and reads everything up to it. */
static void sync_pipeline(struct pipe *p)
{
	if (!p->lost && PQpipelineSync(p->conn) != 1)
		p->lost = true;
	drain(p);
	if (!p->lost) {
		PGresult *res = PQgetResult(p->conn);
		if (PQresultStatus(res) != PGRES_PIPELINE_SYNC)
			p->lost = true;
		PQclear(res);
	}
	if (!p->lost && PQexitPipelineMode(p->conn) != 1)
		p->lost = true;
}

/* The jobs of jobs[..end) with pipeline pl, in order, into the scratch array. */
static size_t collect(struct pipeline_scratch *sc, struct write_job *jobs, struct write_job *end,
		      const struct write_pipeline *pl)
{
	size_t n = 0;
	for (struct write_job *j = jobs; j != end; j = j->next) {
		if (writer_pipeline_of(j) != pl)
			continue;
		if (n == sc->cap) {
			size_t cap = sc->cap ? 2 * sc->cap : 64;
			struct write_job **g = realloc(sc->jobs, cap * sizeof(*g));
			if (!g)
				return 0;
			sc->jobs = g;
			sc->cap = cap;
		}
		sc->jobs[n++] = j;
	}
	return n;
}

/* Whether a job before j in the list has pipeline pl (its group went already). */
static bool group_sent(struct write_job *jobs, struct write_job *j, const struct write_pipeline *pl)
{
	for (struct write_job *k = jobs; k != j; k = k->next)
		if (writer_pipeline_of(k) == pl)
			return true;
	return false;
}

/* Sends one group's statements, reading results every PIPELINE_WINDOW. */
static void send_group(struct pipe *p, struct write_job **group, size_t n)
{
	p->jobs = group;
	p->n = n;
	p->statements = p->pl->statements(group, n);
	p->sent = p->read = 0;
	while (!p->lost && !p->failed && p->sent < p->statements) {
		if (p->pl->send(p->conn, group, n, p->sent) < 0) {
			p->lost = true;
			break;
		}
		if (++p->sent - p->read >= PIPELINE_WINDOW)
			flush_and_drain(p);
	}
}

enum batch_outcome writer_pipeline_send(PGconn *conn, struct pipeline_scratch *scratch,
					struct write_job *jobs, struct write_job *end, bool commit)
{
	struct pipe p = {.conn = conn};
	const struct write_pipeline *first = NULL;

	if (PQenterPipelineMode(p.conn) != 1)
		return BATCH_LOST;
	p.lost = !PQsendQueryParams(p.conn, "BEGIN", 0, NULL, NULL, NULL, NULL, 0);
	p.begin_pending = true;
	for (struct write_job *j = jobs; j != end && !p.lost && !p.failed; j = j->next) {
		const struct write_pipeline *pl = writer_pipeline_of(j);
		if (!pl || pl == first || (first && group_sent(jobs, j, pl)))
			continue;
		if (p.pl)
			flush_and_drain(&p); /* the next group's reads start afresh */
		first = first ? first : pl;
		p.pl = pl;
		size_t n = collect(scratch, jobs, end, pl);
		if (n == 0) {
			p.lost = true; /* out of memory: fail the batch, retry safe */
			break;
		}
		send_group(&p, scratch->jobs, n);
	}
	if (commit && !p.lost && !p.failed) {
		p.lost = !PQsendQueryParams(p.conn, "COMMIT", 0, NULL, NULL, NULL, NULL, 0);
		p.commit_pending = true;
	}
	sync_pipeline(&p);
	if (p.lost)
		return BATCH_LOST;
	if (p.failed) {
		PQclear(PQexec(p.conn, "ROLLBACK"));
		return BATCH_STATEMENT_FAILED;
	}
	return commit ? BATCH_COMMITTED : BATCH_OPEN;
}

void pipeline_scratch_free(struct pipeline_scratch *sc)
{
	free(sc->jobs);
	sc->jobs = NULL;
	sc->cap = 0;
}
