/* Writer: group commit of queued reports, one connection per writer thread.
 *
 * The queue is a singly linked FIFO of jobs guarded by one mutex; it is the
 * only state writer threads share with request threads. One thread at a
 * time gathers a batch: it takes whole jobs (a batch request is never split
 * across transactions) until it holds batch_max_reports reports or
 * batch_max_wait_ms has passed, and the next thread starts gathering as soon
 * as it leaves to commit, so commits overlap with gathering. If a statement
 * fails for a reason other than the connection, the transaction is rolled
 * back and each job is retried in a transaction of its own, so one bad row
 * cannot fail its neighbours.
 *
 * Pipelined jobs (reports) are written together, in one libpq pipeline
 * (writer_pipeline.c): a batch of a hundred reports costs one round trip,
 * one statement and one commit. Jobs with a run() (audit rows, activity)
 * follow in the same transaction, one statement at a time. */
#include "writer.h"
#include "util.h"
#include "dbpool.h"
#include "writer_pipeline.h"
#include "log.h"

#include <errno.h>
#include <libpq-fe.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RECONNECT_MIN_MS 100
#define RECONNECT_MAX_MS 5000

struct writer;

struct writer_thread {
	struct writer *w;
	pthread_t tid;
	int index;
	PGconn *conn;
	long long failed_at_ms, next_connect_ms;
	int backoff_ms;
	bool ever_connected;
	struct pipeline_scratch scratch; /* for writer_pipeline_send */
};

struct writer {
	char *conninfo;
	int (*on_connect)(PGconn *conn);
	int batch_max_reports;
	int batch_max_wait_ms;
	int nthreads;
	struct writer_thread *threads;
	atomic_llong connected_at_ms; /* when a thread last connected (monotonic) */

	pthread_mutex_t lock;  /* guards everything below */
	pthread_cond_t queued; /* idle threads wait here for a first job */
	pthread_cond_t filled; /* the collecting thread waits here for more */
	struct write_job *head, *tail;
	size_t queued_weight; /* reports in the queue */
	int idle;	      /* threads waiting on queued */
	bool collecting;      /* a thread is gathering its batch */
	size_t room;	      /* ... and has room for this many more reports */
	bool stopping;
	struct writer_stats stats;
};

/* Whether an idle connection is still there. A server that went away
 * (restart, failover, a terminated backend) has said so and closed its end,
 * so the socket reads; an idle writer connection expects nothing else.
 * Finding out now sends the batch to a new connection instead of failing it
 * with 503. */
static bool connection_alive(PGconn *c)
{
	struct pollfd p = {.fd = PQsocket(c), .events = POLLIN};
	return PQstatus(c) == CONNECTION_OK && poll(&p, 1, 0) == 0;
}

static bool ensure_connection(struct writer_thread *t)
{
	if (t->conn && connection_alive(t->conn))
		return true;
	if (t->conn) {
		PQfinish(t->conn);
		t->conn = NULL;
	}
	/* In backoff, unless another thread has connected since: then the
	 * database is back, and this thread need not answer 503 meanwhile. */
	if (util_mono_ms() < t->next_connect_ms &&
	    atomic_load(&t->w->connected_at_ms) < t->failed_at_ms)
		return false;
	PGconn *c = db_connect(t->w->conninfo, "writer");
	if (PQstatus(c) != CONNECTION_OK || t->w->on_connect(c) < 0) {
		char q[300];
		const char *err = PQerrorMessage(c);
		log_event(LOG_WARNING, "db_connect_failed", "pool=writer thread=%d reason=\"%s\"",
			  t->index, log_quote(q, sizeof(q), err));
		PQfinish(c);
		t->failed_at_ms = util_mono_ms();
		t->next_connect_ms = t->failed_at_ms + t->backoff_ms;
		t->backoff_ms = util_backoff_next(t->backoff_ms, RECONNECT_MAX_MS);
		return false;
	}
	t->conn = c;
	t->backoff_ms = RECONNECT_MIN_MS;
	t->next_connect_ms = 0;
	atomic_store(&t->w->connected_at_ms, util_mono_ms());
	if (t->ever_connected) {
		pthread_mutex_lock(&t->w->lock);
		t->w->stats.reconnects++;
		pthread_mutex_unlock(&t->w->lock);
		log_event(LOG_INFO, "db_reconnected", "pool=writer thread=%d", t->index);
	}
	t->ever_connected = true;
	return true;
}

static bool exec_simple(PGconn *conn, const char *sql)
{
	PGresult *res = PQexec(conn, sql);
	bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	PQclear(res);
	return ok;
}

static void fail_all(struct write_job *jobs, enum store_status s)
{
	for (struct write_job *j = jobs; j; j = j->next)
		j->fail(j, s);
}

/* The run() jobs of jobs[..end), one statement at a time, in the open transaction. */
static enum batch_outcome run_jobs(PGconn *conn, struct write_job *jobs, struct write_job *end)
{
	bool lost = false;
	for (struct write_job *j = jobs; j != end; j = j->next) {
		if (!j->run || j->run(conn, j, &lost) == 0)
			continue;
		if (lost)
			return BATCH_LOST;
		exec_simple(conn, "ROLLBACK");
		return BATCH_STATEMENT_FAILED;
	}
	return BATCH_OPEN;
}

/* One transaction over the given jobs (one job when stop_after_first). */
static enum batch_outcome commit_jobs(struct writer_thread *t, struct write_job *jobs,
				      bool stop_after_first)
{
	PGconn *conn = t->conn;
	struct write_job *end = stop_after_first ? jobs->next : NULL;
	bool any_run = false, any_pipelined = false;
	enum batch_outcome o;

	for (struct write_job *j = jobs; j != end; j = j->next) {
		any_run |= j->run != NULL;
		any_pipelined |= j->run == NULL;
	}
	if (any_pipelined)
		o = writer_pipeline_send(t->conn, &t->scratch, jobs, end, /* commit= */ !any_run);
	else
		o = exec_simple(conn, "BEGIN") ? BATCH_OPEN : BATCH_LOST;
	if (o == BATCH_OPEN && any_run)
		o = run_jobs(conn, jobs, end);
	if (o == BATCH_OPEN)
		o = exec_simple(conn, "COMMIT") ? BATCH_COMMITTED : BATCH_LOST;
	if (o != BATCH_COMMITTED)
		return o;
	for (struct write_job *j = jobs; j != end; j = j->next) {
		const struct write_pipeline *pl = writer_pipeline_of(j);
		if (pl && pl->settle)
			pl->settle(conn, j);
	}
	return BATCH_COMMITTED;
}

static void recheck_batch(struct writer_thread *t, struct write_job *jobs);

/* The batch failed on a statement: isolate the bad job(s), one transaction
 * each; a job's run() resets its own items before it starts. */
static void commit_one_by_one(struct writer_thread *t, struct write_job *jobs)
{
	for (struct write_job *j = jobs; j; j = j->next) {
		if (!ensure_connection(t)) {
			j->fail(j, STORE_UNAVAILABLE);
			continue;
		}
		enum batch_outcome o = commit_jobs(t, j, /* stop_after_first= */ true);
		if (o == BATCH_STATEMENT_FAILED) {
			j->fail(j, STORE_FAILED);
		} else if (o == BATCH_LOST) {
			/* Its COMMIT's outcome is unknown too: looked up, alone. */
			struct write_job *next = j->next;
			j->next = NULL;
			recheck_batch(t, j);
			j->next = next;
		}
	}
}

static size_t count_items(struct write_job *jobs)
{
	size_t n = 0;
	for (struct write_job *j = jobs; j; j = j->next)
		n += j->weight;
	return n;
}

static void record_stats(struct writer *w, size_t n, double ms, bool ok)
{
	static const double ms_bounds[] = {1, 2, 5, 10, 25, 50, 100};
	static const size_t size_bounds[] = {1, 10, 50, 100, 500};
	size_t b = 0;

	pthread_mutex_lock(&w->lock);
	if (!ok)
		w->stats.commit_failures++;
	w->stats.batches++;
	w->stats.reports += n;
	w->stats.commit_ms_total += ms;
	while (b < 7 && ms > ms_bounds[b])
		b++;
	w->stats.commit_ms_buckets[b]++;
	b = 0;
	while (b < 5 && n > size_bounds[b])
		b++;
	w->stats.batch_size_buckets[b]++;
	pthread_mutex_unlock(&w->lock);
}

static void drop_connection(struct writer_thread *t)
{
	if (t->conn)
		PQfinish(t->conn);
	t->conn = NULL;
}

/* Written in the recheck's transaction so that its COMMIT waits, like any
 * commit that wrote WAL, for the synchronous standby: a row the recheck
 * found (committed by a COMMIT whose answer we never had, perhaps only on
 * this host) is then on two hosts before it is answered 2xx. A transaction
 * that only reads writes no WAL and would not wait. */
static const char *const SQL_RECHECK_MARK =
    "SELECT pg_logical_emit_message(true, 'needlewatch', 'recheck')";

/* The recheck's statements, in one transaction; false if any failed. */
static bool recheck_jobs(PGconn *conn, struct write_job *jobs)
{
	PGresult *res;
	bool ok = exec_simple(conn, "BEGIN");
	if (ok) {
		res = PQexec(conn, SQL_RECHECK_MARK);
		ok = PQresultStatus(res) == PGRES_TUPLES_OK;
		PQclear(res);
	}
	for (struct write_job *j = jobs; j; j = j->next) {
		const struct write_pipeline *pl = writer_pipeline_of(j);
		if (ok && pl && pl->recheck)
			ok = pl->recheck(conn, j) == 0;
		else
			j->fail(j, STORE_UNAVAILABLE);
	}
	return ok && exec_simple(conn, "COMMIT");
}

/* A batch lost with its connection, perhaps committed, perhaps not. Even
 * if it still looks healthy the connection may be mid-pipeline or
 * mid-transaction: a new one (libpq tries every host of the conninfo, so
 * it reaches whichever is primary now) looks each row up by its
 * idempotency key. Where nothing is found, or no primary answers, the
 * client gets 503 and retries with the same key, which is safe. */
static void recheck_batch(struct writer_thread *t, struct write_job *jobs)
{
	drop_connection(t);
	if (!ensure_connection(t)) {
		fail_all(jobs, STORE_UNAVAILABLE);
		return;
	}
	bool ok = recheck_jobs(t->conn, jobs);
	if (!ok) {
		fail_all(jobs, STORE_UNAVAILABLE);
		drop_connection(t);
	}
	pthread_mutex_lock(&t->w->lock);
	t->w->stats.rechecks++;
	pthread_mutex_unlock(&t->w->lock);
	log_event(LOG_WARNING, "batch_rechecked", "thread=%d reports=%zu ok=%d", t->index,
		  count_items(jobs), ok);
}

static void process_batch(struct writer_thread *t, struct write_job *jobs)
{
	size_t n = count_items(jobs);
	long long start = util_mono_ms();
	enum batch_outcome o = BATCH_LOST;

	if (ensure_connection(t))
		o = commit_jobs(t, jobs, /* stop_after_first= */ false);
	if (o == BATCH_LOST) {
		/* Connection gone, or COMMIT's outcome unknown: never answer
		 * on a guess; look the rows up where the primary is now. */
		recheck_batch(t, jobs);
	} else if (o == BATCH_STATEMENT_FAILED) {
		commit_one_by_one(t, jobs);
	}
	record_stats(t->w, n, (double)(util_mono_ms() - start), o == BATCH_COMMITTED);
	log_event(LOG_DEBUG, "batch_committed", "thread=%d reports=%zu ok=%d ms=%lld", t->index, n,
		  o == BATCH_COMMITTED, util_mono_ms() - start);
}

/* Moves whole jobs from the queue to *first..*last while they fit. */
static void take_jobs(struct writer *w, struct write_job **first, struct write_job **last,
		      size_t *n)
{
	while (w->head && (*n == 0 || *n + w->head->weight <= (size_t)w->batch_max_reports)) {
		struct write_job *j = w->head;
		w->head = j->next;
		if (!w->head)
			w->tail = NULL;
		j->next = NULL;
		if (*last)
			(*last)->next = j;
		else
			*first = j;
		*last = j;
		*n += j->weight;
		w->queued_weight -= j->weight;
	}
}

/* Takes whole jobs from the queue into a private list, up to the batch size.
 *
 * One thread at a time gathers a batch: it takes what is queued and, if
 * there is room, sleeps until batch_max_wait_ms has passed or the queue
 * would fill the batch, then takes the rest. Meanwhile submissions wake
 * nobody (a wake-up per report would cost more than the report), and the
 * other threads, committing or idle, leave the queue to it; the next idle
 * thread starts gathering as soon as this one leaves to commit. */
static struct write_job *take_batch(struct writer *w)
{
	struct write_job *first = NULL, *last = NULL;
	size_t n = 0;
	struct timespec deadline;

	pthread_mutex_lock(&w->lock);
	while ((!w->head || w->collecting) && !w->stopping) {
		w->idle++;
		pthread_cond_wait(&w->queued, &w->lock);
		w->idle--;
	}
	util_realtime_after_ms(&deadline, w->batch_max_wait_ms);
	take_jobs(w, &first, &last, &n);
	while (first && !w->stopping && !w->head && n < (size_t)w->batch_max_reports &&
	       w->batch_max_wait_ms > 0) {
		w->collecting = true;
		w->room = (size_t)w->batch_max_reports - n;
		int r = pthread_cond_timedwait(&w->filled, &w->lock, &deadline);
		w->collecting = false;
		take_jobs(w, &first, &last, &n);
		if (r == ETIMEDOUT)
			break;
	}
	/* Whatever is left starts the next batch at once, on another thread. */
	if (w->head && w->idle > 0)
		pthread_cond_signal(&w->queued);
	pthread_mutex_unlock(&w->lock);
	return first;
}

static void *writer_main(void *arg)
{
	struct writer_thread *t = arg;
	struct writer *w = t->w;

	for (;;) {
		struct write_job *jobs = take_batch(w);
		if (!jobs)
			break; /* stopping and the queue is empty */
		process_batch(t, jobs);
		while (jobs) {
			struct write_job *next = jobs->next;
			jobs->next = NULL;
			jobs->done(jobs, jobs->arg);
			jobs = next;
		}
	}
	if (t->conn)
		PQfinish(t->conn);
	t->conn = NULL;
	pipeline_scratch_free(&t->scratch);
	return NULL;
}

struct writer *writer_new(const char *conninfo, int threads, int batch_max_reports,
			  int batch_max_wait_ms, int (*on_connect)(PGconn *conn))
{
	struct writer *w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	w->conninfo = strdup(conninfo);
	w->threads = calloc((size_t)threads, sizeof(*w->threads));
	if (!w->conninfo || !w->threads)
		goto fail;
	w->batch_max_reports = batch_max_reports;
	w->on_connect = on_connect;
	w->batch_max_wait_ms = batch_max_wait_ms;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->queued, NULL);
	pthread_cond_init(&w->filled, NULL);
	for (int i = 0; i < threads; i++) {
		struct writer_thread *t = &w->threads[i];
		t->w = w;
		t->index = i;
		t->backoff_ms = RECONNECT_MIN_MS;
		if (pthread_create(&t->tid, NULL, writer_main, t) != 0) {
			writer_stop(w);
			writer_free(w);
			return NULL;
		}
		w->nthreads++;
	}
	return w;
fail:
	free(w->conninfo);
	free(w->threads);
	free(w);
	return NULL;
}

int writer_submit(struct writer *w, struct write_job *job)
{
	job->next = NULL;
	pthread_mutex_lock(&w->lock);
	if (w->stopping) {
		pthread_mutex_unlock(&w->lock);
		return -ESHUTDOWN;
	}
	if (w->tail)
		w->tail->next = job;
	else
		w->head = job;
	w->tail = job;
	w->queued_weight += job->weight;
	if (w->collecting) {
		if (w->queued_weight >= w->room)
			pthread_cond_signal(&w->filled);
	} else if (w->idle > 0) {
		pthread_cond_signal(&w->queued);
	}
	pthread_mutex_unlock(&w->lock);
	return 0;
}

void writer_stop(struct writer *w)
{
	pthread_mutex_lock(&w->lock);
	bool already = w->stopping;
	w->stopping = true;
	pthread_cond_broadcast(&w->queued);
	pthread_cond_broadcast(&w->filled);
	pthread_mutex_unlock(&w->lock);
	if (already)
		return;
	for (int i = 0; i < w->nthreads; i++)
		pthread_join(w->threads[i].tid, NULL);
}

void writer_free(struct writer *w)
{
	if (!w)
		return;
	pthread_cond_destroy(&w->queued);
	pthread_cond_destroy(&w->filled);
	pthread_mutex_destroy(&w->lock);
	free(w->threads);
	free(w->conninfo);
	free(w);
}

void writer_get_stats(struct writer *w, struct writer_stats *ret)
{
	pthread_mutex_lock(&w->lock);
	*ret = w->stats;
	pthread_mutex_unlock(&w->lock);
}
