/* Uploader: queue, transfers in flight, verdicts, backoff and the summary. */
#include "progress.h"
#include "uploader.h"
#include "util.h"
#include "answer.h"
#include "credential.h"
#include "log.h"
#include "payload.h"

#include <assert.h>
#include <cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

/* The longest a busy loop sleeps before it looks at the clock again. */
#define POLL_SLICE_MS 1000

/* The files of one pass. Names are owned by whoever built the queue; a
 * file given back by a failed attempt is retried before the next new one. */
struct queue {
	char *const *names;
	size_t n, next;
	size_t retry[TRANSPORT_MAX_PARALLEL];
	size_t n_retry;
};

/* One transfer in flight: the transport's user pointer. */
struct attempt {
	size_t index; /* into the queue */
	unsigned epoch;
	int fd;			    /* the file sent, kept open to compare its version */
	struct payload_stamp stamp; /* its version when it was read */
};

struct uploader {
	const struct uploader_config *cfg;
	struct transport *tx;
	struct outbox *ob; /* NULL when sending named files */
	struct queue *q;
	struct upload_counts counts;
	char *token;

	unsigned failures;	  /* consecutive transient failures */
	unsigned epoch;		  /* +1 each time a failure lengthens the backoff */
	int64_t resume_at_ms;	  /* no transfer starts before */
	int64_t last_progress_ms; /* last file that left the queue for good, or pass start */
	int64_t last_moved_ms;	  /* last file that left the queue for good, or run start */
	bool token_stale;	  /* re-read the token file before the next start */
	bool giving_up;		  /* --retry-for ran out: leave the rest pending */
	int stop_code;		  /* a STOP verdict's sysexits code (not keep_trying) */
	int fatal;		  /* EX_IOERR, EX_SOFTWARE: stop at once */
	int signals;		  /* SIGTERM/SIGINT seen */
	unsigned pass_deferred;	  /* files deferred in this pass (or run of named files) */
	int64_t defer_wait_ms;	  /* shortest wait before a deferred file may go */
	uint32_t rng;
};

/* xorshift32: jitter needs spread, not secrecy. */
static uint32_t next_random(struct uploader *u)
{
	uint32_t x = u->rng;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return u->rng = x;
}

struct uploader *uploader_new(const struct uploader_config *cfg, struct transport *tx)
{
	struct uploader *u = calloc(1, sizeof(*u));

	if (!u)
		return NULL;
	u->cfg = cfg;
	u->tx = tx;
	if (getrandom(&u->rng, sizeof(u->rng), GRND_NONBLOCK) != sizeof(u->rng))
		u->rng = (uint32_t)time(NULL) ^ ((uint32_t)getpid() << 16);
	u->rng |= 1; /* xorshift's one forbidden state is 0 */
	return u;
}

void uploader_free(struct uploader *u)
{
	if (!u)
		return;
	credential_free(u->token);
	free(u);
}

const struct upload_counts *uploader_counts(const struct uploader *u)
{
	return &u->counts;
}

static bool stopping(const struct uploader *u)
{
	return u->signals || u->fatal || u->stop_code || u->giving_up;
}

/* Reads the token file; keeps the previous token when that fails. */
static int load_token(struct uploader *u)
{
	char err[300];
	char *tok = NULL;

	u->token_stale = false;
	if (credential_read(u->cfg->token_file, &tok, err, sizeof(err)) < 0) {
		char q[300];
		log_event(LOG_ERROR, "token_unreadable", "reason=\"%s\"",
			  log_quote(q, sizeof(q), err));
		return -EINVAL;
	}
	if (transport_set_token(u->tx, tok) < 0) {
		credential_free(tok);
		return -ENOMEM;
	}
	credential_free(u->token);
	u->token = tok;
	return 0;
}

static bool queue_pop(struct queue *q, size_t *ret)
{
	if (q->n_retry) {
		*ret = q->retry[--q->n_retry];
		return true;
	}
	if (q->next == q->n)
		return false;
	*ret = q->next++;
	return true;
}

static void queue_give_back(struct queue *q, size_t index)
{
	if (q->n_retry < TRANSPORT_MAX_PARALLEL)
		q->retry[q->n_retry++] = index;
}

static size_t queue_left(const struct queue *q)
{
	return q->n_retry + (q->n - q->next);
}

/* The name as a quoted-safe log value (file names are untrusted text). */
static const char *qname(char *buf, size_t len, const char *name)
{
	return log_quote(buf, len, name);
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/* A problem+json of our own, for refusals decided here or an answer without a body. */
static char *local_problem(const char *type, const char *title, long status, const char *detail)
{
	char urn[96];
	cJSON *o = cJSON_CreateObject();
	char *s;

	snprintf(urn, sizeof(urn), "urn:needlewatch:upload:%s", type);
	cJSON_AddStringToObject(o, "type", urn);
	cJSON_AddStringToObject(o, "title", title);
	if (status)
		cJSON_AddNumberToObject(o, "status", (double)status);
	cJSON_AddStringToObject(o, "detail", detail);
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

/* A file left the queue for good. */
static void progress(struct uploader *u)
{
	u->last_progress_ms = u->last_moved_ms = util_mono_ms();
}

/* A minimum so a file that keeps changing is not read in a busy loop. */
#define DEFER_MIN_WAIT_MS 200

/* Leaves a file for a later pass: it is still being written, or changed
 * while it was read or sent. Nothing moves; a spool keeps it in cur/. */
static void defer_file(struct uploader *u, const char *name, const char *reason, int64_t wait_ms)
{
	char q[300];

	if (wait_ms < DEFER_MIN_WAIT_MS)
		wait_ms = DEFER_MIN_WAIT_MS;
	if (!u->pass_deferred || wait_ms < u->defer_wait_ms)
		u->defer_wait_ms = wait_ms;
	u->pass_deferred++;
	u->counts.deferred++;
	log_event(LOG_INFO, "file_deferred", "file=\"%s\" reason=\"%s\" wait_ms=%lld",
		  qname(q, sizeof(q), name), reason, (long long)wait_ms);
}

/* Moves a refused file to failed/ with its answer (or our own problem). */
static void fail_file(struct uploader *u, const char *name, const char *answer, size_t len,
		      long status, const char *reason)
{
	char *own = NULL;
	char q[300];

	progress(u);
	u->counts.rejected++;
	if (u->ob) {
		if (!answer || !len) {
			own = local_problem("not-sent", "file not sent", status, reason);
			answer = own ? own : "{}";
			len = strlen(answer);
		}
		int r = outbox_mark_failed(u->ob, name, answer, len);
		free(own);
		if (r < 0 && r != -ENOENT) {
			log_event(LOG_ERROR, "spool_error", "file=\"%s\" op=fail reason=\"%s\"",
				  qname(q, sizeof(q), name), strerror(-r));
			u->fatal = EX_IOERR;
			return;
		}
	}
	char qr[600];
	log_event(LOG_WARNING, "file_rejected", "file=\"%s\" status=%ld reason=\"%s\"",
		  qname(q, sizeof(q), name), status, log_quote(qr, sizeof(qr), reason));
}

static void deliver_file(struct uploader *u, const char *name, const struct answer *a,
			 const struct transport_result *res)
{
	char q[300];
	bool dup = a->verdict == VERDICT_DUPLICATE;

	progress(u);
	u->failures = 0;
	if (dup)
		u->counts.duplicate++;
	else
		u->counts.sent++;
	if (u->ob) {
		int r = outbox_mark_sent(u->ob, name);
		if (r < 0 && r != -ENOENT) {
			log_event(LOG_ERROR, "spool_error", "file=\"%s\" op=sent reason=\"%s\"",
				  qname(q, sizeof(q), name), strerror(-r));
			u->fatal = EX_IOERR;
			return;
		}
	}
	const char *event = dup ? "file_duplicate" : "file_sent";
	if (a->batch)
		log_event(LOG_INFO, event,
			  "file=\"%s\" status=%ld items=%u accepted=%u duplicate=%u ms=%.1f",
			  qname(q, sizeof(q), name), res->status, a->items, a->accepted,
			  a->duplicate, res->seconds * 1000);
	else
		log_event(LOG_INFO, event, "file=\"%s\" status=%ld id=%lld ms=%.1f",
			  qname(q, sizeof(q), name), res->status, a->id, res->seconds * 1000);
}

/* Pauses new transfers; only a failure of a transfer started after the
 * last pause began makes the next pause longer. */
static uint32_t back_off(struct uploader *u, const struct attempt *at, long retry_after_s,
			 bool longest)
{
	int64_t now = util_mono_ms();
	if (at->epoch == u->epoch) {
		u->failures++;
		u->epoch++;
		uint32_t d = longest ? u->cfg->policy.max_ms
				     : retry_delay_ms(&u->cfg->policy, u->failures, retry_after_s,
						      next_random(u));
		u->resume_at_ms = now + d;
	} else if (retry_after_s > 0) {
		/* A later Retry-After still counts as a floor, within the cap. */
		int64_t floor =
		    now + (retry_after_s * 1000 < u->cfg->policy.max_ms ? retry_after_s * 1000
									: u->cfg->policy.max_ms);
		if (u->resume_at_ms < floor)
			u->resume_at_ms = floor;
	}
	return u->resume_at_ms > now ? (uint32_t)(u->resume_at_ms - now) : 0;
}

static void retry_file(struct uploader *u, const struct attempt *at, const char *name,
		       const char *reason, long retry_after_s, bool longest)
{
	char q[300], qr[600];
	uint32_t delay = back_off(u, at, retry_after_s, longest);

	queue_give_back(u->q, at->index);
	if (!u->cfg->keep_trying &&
	    util_mono_ms() + delay - u->last_progress_ms > u->cfg->retry_for_ms) {
		u->giving_up = true;
		log_event(LOG_WARNING, "file_pending",
			  "file=\"%s\" reason=\"%s\" note=\"no progress for --retry-for; left to a "
			  "later run\"",
			  qname(q, sizeof(q), name), log_quote(qr, sizeof(qr), reason));
		return;
	}
	log_event(LOG_WARNING, "file_retrying", "file=\"%s\" reason=\"%s\" failures=%u delay_ms=%u",
		  qname(q, sizeof(q), name), log_quote(qr, sizeof(qr), reason), u->failures, delay);
}

/* The run's set-up is wrong (token refused, wrong URL, certificate). */
static void stop_on(struct uploader *u, const struct attempt *at, const char *name,
		    const struct answer *a)
{
	char qr[600];

	if (a->stop_code == EX_NOPERM)
		u->token_stale = true;
	if (u->cfg->keep_trying) {
		retry_file(u, at, name, a->reason, 0, /* longest= */ true);
		return;
	}
	queue_give_back(u->q, at->index);
	if (u->stop_code)
		return;
	u->stop_code = a->stop_code;
	log_event(LOG_ERROR, "upload_stopped", "reason=\"%s\"",
		  log_quote(qr, sizeof(qr), a->reason));
}

static void judged(struct uploader *u, const struct attempt *at, const char *name,
		   const struct answer *a, struct transport_result *res);

static void on_result(struct uploader *u, struct transport_result *res)
{
	struct attempt *at = res->user;
	struct answer a;

	/* A result belongs to a transfer started from the current queue. */
	assert(at && u->q && u->q->names && at->index < u->q->n);
	const char *name = u->q->names[at->index];

	if (res->outcome == TRANSPORT_ANSWERED)
		answer_judge(res->status, res->body, res->body_len, &a);
	else
		answer_judge_transport(res->outcome, res->error, &a);
	/* A final verdict moves the file: only if it is still what was judged. */
	if ((a.verdict == VERDICT_SENT || a.verdict == VERDICT_DUPLICATE ||
	     a.verdict == VERDICT_REJECTED) &&
	    payload_unchanged(at->fd, &at->stamp) < 0)
		defer_file(u, name, "the file changed while it was being sent", u->cfg->settle_ms);
	else
		judged(u, at, name, &a, res);
	close(at->fd);
	free(at);
}

/* Acts on the server's verdict about a file that is still as it was sent. */
static void judged(struct uploader *u, const struct attempt *at, const char *name,
		   const struct answer *a, struct transport_result *res)
{
	switch (a->verdict) {
	case VERDICT_SENT:
	case VERDICT_DUPLICATE:
		deliver_file(u, name, a, res);
		break;
	case VERDICT_REJECTED:
		fail_file(u, name, res->body, res->body_len, res->status, a->reason);
		break;
	case VERDICT_RETRY:
		retry_file(u, at, name, a->reason, res->retry_after_s, /* longest= */ false);
		break;
	case VERDICT_STOP:
		stop_on(u, at, name, a);
		break;
	}
}

static const char *read_failure(int r)
{
	switch (r) {
	case -EFBIG:
		return "the file is larger than 64 MiB";
	case -EISDIR:
	case -EINVAL:
		return "not a regular file";
	case -EACCES:
	case -EPERM:
		return "cannot read the file: permission denied";
	default:
		return strerror(-r);
	}
}

/* Reads one file whole and unchanged; NULL (and the file deferred or
 * refused, as it deserves) otherwise. */
static char *read_one(struct uploader *u, const char *name, size_t *ret_len, int *ret_fd,
		      struct payload_stamp *ret_stamp)
{
	char *data = NULL, why[96];
	struct timespec now;
	int r = payload_read(u->ob ? outbox_cur_fd(u->ob) : AT_FDCWD, name, &data, ret_len, ret_fd,
			     ret_stamp);

	if (r == -ENOENT && u->ob)
		return NULL; /* removed by hand since the listing: nothing to do */
	if (r == -EAGAIN) {
		defer_file(u, name, "the file changed while it was being read", u->cfg->settle_ms);
		return NULL;
	}
	if (r < 0) {
		fail_file(u, name, NULL, 0, 0, read_failure(r));
		return NULL;
	}
	/* Only a spool's files wait to settle: a file named on the command
	 * line is one its user says is finished. */
	clock_gettime(CLOCK_REALTIME, &now);
	int64_t wait = u->ob ? payload_settle_wait_ms(ret_stamp, &now, u->cfg->settle_ms) : 0;
	if (wait > 0) {
		snprintf(why, sizeof(why), "modified less than %lld ms ago: may still be written",
			 (long long)u->cfg->settle_ms);
		defer_file(u, name, why, wait);
		free(data);
		close(*ret_fd);
		return NULL;
	}
	return data;
}

/* Reads and classifies one file and starts its transfer. */
static void start_one(struct uploader *u, size_t index)
{
	const char *name = u->q->names[index];
	struct payload_stamp stamp;
	struct payload_kind kind;
	size_t len = 0;
	int fd = -1;
	char *data = read_one(u, name, &len, &fd, &stamp);

	if (!data)
		return;
	if (payload_classify(base_name(name), data, len, u->cfg->activity, &kind) < 0) {
		free(data);
		close(fd);
		fail_file(u, name, NULL, 0, 0,
			  "unknown file type: the name must end in .json, .ndjson or .csv");
		return;
	}
	struct attempt *at = malloc(sizeof(*at));
	if (!at) {
		free(data);
		close(fd);
		queue_give_back(u->q, index);
		u->fatal = EX_OSERR;
		return;
	}
	*at = (struct attempt){.index = index, .epoch = u->epoch, .fd = fd, .stamp = stamp};
	int r = transport_start(u->tx, kind.path, kind.content_type, data, len, at);
	if (r < 0) {
		close(fd);
		free(at);
		queue_give_back(u->q, index);
		log_event(LOG_ERROR, "transfer_not_started", "reason=\"%s\"", strerror(-r));
		u->fatal = EX_SOFTWARE;
	}
}

static void start_more(struct uploader *u)
{
	size_t index;

	while (!stopping(u) && transport_has_room(u->tx) && util_mono_ms() >= u->resume_at_ms) {
		if (u->token_stale && load_token(u) < 0 && !u->token) {
			u->fatal = EX_CONFIG;
			return;
		}
		if (!queue_pop(u->q, &index))
			return;
		start_one(u, index);
	}
}

static void on_signal(struct uploader *u)
{
	struct signalfd_siginfo si;

	while (read(u->cfg->signal_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			log_event(LOG_INFO, "reload", "what=token_file");
			u->token_stale = true;
			continue;
		}
		u->signals++;
		log_event(LOG_INFO, "stopping", "signal=%s in_flight=%u%s",
			  strsignal((int)si.ssi_signo), transport_in_flight(u->tx),
			  u->signals > 1 ? " abandon=true" : "");
	}
}

static void give_back_abandoned(void *user, void *ctx)
{
	struct uploader *u = ctx;
	struct attempt *at = user;
	queue_give_back(u->q, at->index);
	close(at->fd);
	free(at);
}

/* Until the pause ends, but never longer than a slice: transfers and
 * signals wake the poll earlier anyway. */
static int poll_timeout(const struct uploader *u)
{
	int64_t wait = u->resume_at_ms - util_mono_ms();
	if (wait < 1 || wait > POLL_SLICE_MS)
		wait = POLL_SLICE_MS;
	return (int)wait;
}

static void take_results(struct uploader *u)
{
	struct transport_result res;

	while (transport_take(u->tx, &res) == 1) {
		on_result(u, &res);
		transport_result_clear(&res);
	}
	int r = u->ob ? outbox_sync(u->ob) : 0;
	if (r < 0 && !u->fatal) {
		log_event(LOG_ERROR, "spool_error", "op=fsync reason=\"%s\"", strerror(-r));
		u->fatal = EX_IOERR;
	}
}

/* Sends the queue until it is empty or the run must stop. */
static void drain(struct uploader *u, struct queue *q)
{
	bool signalled;
	struct progress pg;

	/* A pass over a big spool can take long: say how far it is. */
	progress_init(&pg, "upload", "files", u->cfg->progress);
	u->q = q;
	u->last_progress_ms = util_mono_ms(); /* --retry-for counts within a pass */
	for (;;) {
		start_more(u);
		if (!transport_in_flight(u->tx) && (stopping(u) || !queue_left(q)))
			break;
		if (transport_poll(u->tx, u->cfg->signal_fd, poll_timeout(u), &signalled) < 0) {
			u->fatal = EX_SOFTWARE;
			transport_abort(u->tx, give_back_abandoned, u);
			break;
		}
		if (signalled)
			on_signal(u);
		if (u->signals > 1) {
			transport_abort(u->tx, give_back_abandoned, u);
			break;
		}
		take_results(u);
		if (q->n > 1)
			progress_report(&pg,
					(long)(q->n - queue_left(q) - transport_in_flight(u->tx)),
					(long)q->n);
	}
	progress_end(&pg);
	u->q = NULL;
}

static void log_summary(const struct uploader *u)
{
	const struct upload_counts *c = &u->counts;
	log_event(LOG_INFO, "upload_summary", "sent=%lu duplicate=%lu rejected=%lu pending=%lu",
		  c->sent, c->duplicate, c->rejected, c->pending);
}

/* The exit code of a run that sends and ends (files, or --once). */
static int exit_code(const struct uploader *u)
{
	if (u->fatal)
		return u->fatal;
	if (u->stop_code)
		return u->stop_code;
	if (u->counts.pending)
		return EX_TEMPFAIL;
	if (u->counts.rejected)
		return EX_DATAERR;
	return EX_OK;
}

int uploader_send_files(struct uploader *u, char *const *paths, size_t n)
{
	struct queue q = {.names = paths, .n = n};

	if (load_token(u) < 0)
		return EX_CONFIG;
	drain(u, &q);
	u->counts.pending = queue_left(&q) + u->pass_deferred;
	log_summary(u);
	return exit_code(u);
}

/* A file outbox_claim() had to leave in new/: say which and why, each pass
 * until someone fixes it; the others go on. */
static void log_skipped(const char *name, int error, void *ctx)
{
	char q[300];

	(void)ctx;
	log_event(LOG_ERROR, "file_not_claimed", "file=\"%s\" reason=\"%s\" note=\"left in new/\"",
		  qname(q, sizeof(q), name), strerror(-error));
}

/* One pass: claim new/, then send everything in cur/. */
static void spool_pass(struct uploader *u)
{
	struct outbox_names names = {0};
	size_t claimed = 0;
	int r = outbox_claim(u->ob, &claimed, log_skipped, NULL);

	if (r == 0)
		r = outbox_list(u->ob, &names);
	if (r < 0) {
		log_event(LOG_ERROR, "spool_error", "op=scan reason=\"%s\"", strerror(-r));
		u->fatal = EX_IOERR;
		return;
	}
	if (names.n)
		log_event(LOG_DEBUG, "spool_pass", "claimed=%zu queued=%zu", claimed, names.n);
	struct queue q = {.names = names.v, .n = names.n};
	u->pass_deferred = 0;
	drain(u, &q);
	outbox_names_free(&names);
}

/* Sleeps interval_ms, or less when a signal comes. */
static void spool_sleep(struct uploader *u, int64_t interval_ms)
{
	bool signalled = false;
	int64_t until = util_mono_ms() + interval_ms;

	for (int64_t left; !stopping(u) && (left = until - util_mono_ms()) > 0;) {
		if (transport_poll(u->tx, u->cfg->signal_fd,
				   left > POLL_SLICE_MS ? POLL_SLICE_MS : (int)left,
				   &signalled) < 0) {
			u->fatal = EX_SOFTWARE;
			return;
		}
		if (signalled) {
			on_signal(u);
			return; /* SIGHUP: a fresh pass now */
		}
	}
}

/* --once: another pass for the files deferred by this one, until they go
 * or --retry-for passes without a file leaving the spool. */
static bool once_waits(struct uploader *u)
{
	if (!u->pass_deferred)
		return false;
	if (util_mono_ms() + u->defer_wait_ms - u->last_moved_ms <= u->cfg->retry_for_ms)
		return true;
	log_event(LOG_WARNING, "files_pending",
		  "deferred=%u note=\"still changing after --retry-for; left to a later run\"",
		  u->pass_deferred);
	return false;
}

int uploader_run_spool(struct uploader *u, struct outbox *ob)
{
	size_t pending = 0;

	u->ob = ob;
	u->last_moved_ms = util_mono_ms();
	if (load_token(u) < 0)
		return EX_CONFIG;
	for (;;) {
		spool_pass(u);
		if (stopping(u) || (!u->cfg->keep_trying && !once_waits(u)))
			break;
		spool_sleep(u, u->cfg->keep_trying ? u->cfg->interval_ms : u->defer_wait_ms);
		if (stopping(u))
			break;
	}
	if (outbox_count_pending(ob, &pending) == 0)
		u->counts.pending = pending;
	log_summary(u);
	u->ob = NULL;
	if (u->cfg->keep_trying)
		return u->fatal; /* a daemon stopped by a signal exits 0 */
	return exit_code(u);
}
