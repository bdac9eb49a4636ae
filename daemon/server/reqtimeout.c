/* Request timeouts: a sweeper thread that ends connections too slow to send
 * their request.
 *
 * Design: every connection's deadline entry (in its struct conn_state) is
 * linked into one table, and the table, every entry and the stop flag are
 * guarded by one mutex. Request threads move their entry from phase to phase
 * (a few stores under the lock); the sweeper wakes every SWEEP_MS, asks the
 * table which connections are past their deadline and shuts their sockets
 * down with shutdown(2) — never close(2): the descriptor is libmicrohttpd's.
 * MHD then sees the connection end and closes it through its usual path
 * (NOTIFY_COMPLETED, NOTIFY_CONNECTION CLOSED). MHD reports CLOSED, which
 * takes the entry out under the same lock, before it closes the descriptor,
 * so the sweeper only ever shuts down a connection's own socket, never a
 * number the kernel has handed to someone else since.
 *
 * A request being handled — waiting for the writer with its connection
 * suspended, or having its answer sent — has no deadline (deadline.h), so a
 * suspended connection is never touched. */
#include "reqtimeout.h"
#include "util.h"
#include "config.h"
#include "connstate.h"
#include "deadline.h"
#include "log.h"
#include "metrics.h"
#include "snapshot.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

/* How often deadlines are checked: a connection goes at most this long past
 * its deadline, and an idle daemon wakes four times a second for it. */
#define SWEEP_MS 250
/* Connections ended per sweep; more wait a quarter of a second. Bounds the
 * stack and the time the lock is held. */
#define SWEEP_MAX 64
/* The slowest body accepted, in bytes per second, after the header timeout's
 * grace (Apache's mod_reqtimeout uses 500): a 4 MiB upload may take an hour
 * at this rate, while a client trickling a byte a second is cut off. */
#define BODY_MIN_RATE 1024

struct reqtimeout {
	pthread_mutex_t lock; /* guards table, every entry in it, and stop */
	pthread_cond_t wake;  /* signalled to stop */
	struct deadline_table table;
	bool stop;
	pthread_t tid;
	struct snapshot_slot *live; /* request_header_timeout_s, which SIGHUP may change */
	struct metrics *metrics;
};

/* Read from the current snapshot at each sweep, so a reload applies at the next. */
static long long header_timeout_ms(const struct reqtimeout *rt)
{
	const struct snapshot *snap = snapshot_get(rt->live);
	long long ms = (long long)snap->cfg.request_header_timeout_s * 1000;
	snapshot_put(snap);
	return ms;
}

/* Counts and logs what a sweep dropped. Nothing about the client is logged:
 * no address, no request line, no header. */
static void report_drops(struct reqtimeout *rt, const struct deadline_drop *d, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		metrics_count_dropped(rt->metrics, d[i].reason);
		/* An idle keep-alive connection closing is routine, not an attack. */
		log_event(d[i].reason == DEADLINE_REASON_KEEPALIVE_TIMEOUT ? LOG_DEBUG : LOG_INFO,
			  "connection_dropped", "reason=%s after_ms=%lld body_bytes=%llu",
			  deadline_reason_name(d[i].reason), d[i].age_ms, d[i].body_bytes);
	}
}

/* Called with the lock held; returns with it held. */
static void sweep(struct reqtimeout *rt)
{
	struct deadline_drop drops[SWEEP_MAX];
	const struct deadline_limits limits = {
	    .header_timeout_ms = header_timeout_ms(rt),
	    .body_min_rate = BODY_MIN_RATE,
	};
	size_t n = deadline_sweep(&rt->table, util_mono_ms(), &limits, drops, SWEEP_MAX);
	/* Under the lock: until its entry is removed, MHD has not closed the fd. */
	for (size_t i = 0; i < n; i++)
		shutdown(drops[i].fd, SHUT_RDWR);
	if (!n)
		return;
	pthread_mutex_unlock(&rt->lock);
	report_drops(rt, drops, n);
	pthread_mutex_lock(&rt->lock);
}

static void *sweeper_main(void *arg)
{
	struct reqtimeout *rt = arg;
	struct timespec next;

	pthread_mutex_lock(&rt->lock);
	while (!rt->stop) {
		clock_gettime(CLOCK_MONOTONIC, &next);
		next.tv_nsec += SWEEP_MS * 1000000L;
		if (next.tv_nsec >= 1000000000L) {
			next.tv_sec++;
			next.tv_nsec -= 1000000000L;
		}
		while (!rt->stop && pthread_cond_timedwait(&rt->wake, &rt->lock, &next) == 0)
			; /* spurious wake-up, or a signal that found stop unset */
		if (!rt->stop)
			sweep(rt);
	}
	pthread_mutex_unlock(&rt->lock);
	return NULL;
}

struct reqtimeout *reqtimeout_start(struct snapshot_slot *live, struct metrics *m)
{
	pthread_condattr_t attr;
	struct reqtimeout *rt = calloc(1, sizeof(*rt));
	if (!rt)
		return NULL;
	rt->live = live;
	rt->metrics = m;
	deadline_table_init(&rt->table);
	pthread_mutex_init(&rt->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&rt->wake, &attr);
	pthread_condattr_destroy(&attr);
	if (pthread_create(&rt->tid, NULL, sweeper_main, rt) != 0) {
		pthread_cond_destroy(&rt->wake);
		pthread_mutex_destroy(&rt->lock);
		free(rt);
		return NULL;
	}
	return rt;
}

void reqtimeout_free(struct reqtimeout *rt)
{
	if (!rt)
		return;
	pthread_mutex_lock(&rt->lock);
	rt->stop = true;
	pthread_cond_signal(&rt->wake);
	pthread_mutex_unlock(&rt->lock);
	pthread_join(rt->tid, NULL);
	pthread_cond_destroy(&rt->wake);
	pthread_mutex_destroy(&rt->lock);
	free(rt);
}

void reqtimeout_add(struct reqtimeout *rt, struct conn_state *c, struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (!rt || !ci)
		return; /* untracked: MHD's idle timeout still applies */
	c->timeouts = rt;
	pthread_mutex_lock(&rt->lock);
	deadline_add(&rt->table, &c->deadline, ci->connect_fd, util_mono_ms());
	pthread_mutex_unlock(&rt->lock);
}

void reqtimeout_remove(struct conn_state *c)
{
	struct reqtimeout *rt = c ? c->timeouts : NULL;
	if (!rt)
		return;
	pthread_mutex_lock(&rt->lock);
	deadline_remove(&rt->table, &c->deadline);
	pthread_mutex_unlock(&rt->lock);
	c->timeouts = NULL;
}

/* A body follows the header when it says so (RFC 9112 §6.3). */
static bool has_body(struct MHD_Connection *conn)
{
	const char *cl =
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING))
		return true;
	return cl && strspn(cl, "0") != strlen(cl);
}

void reqtimeout_header_done(struct MHD_Connection *conn)
{
	struct conn_state *c = conn_state_of(conn);
	if (!c || !c->timeouts)
		return;
	bool body = has_body(conn);
	pthread_mutex_lock(&c->timeouts->lock);
	deadline_header_done(&c->deadline, body, util_mono_ms());
	pthread_mutex_unlock(&c->timeouts->lock);
}

void reqtimeout_body_progress(struct MHD_Connection *conn, size_t n)
{
	struct conn_state *c = conn_state_of(conn);
	if (!c || !c->timeouts)
		return;
	pthread_mutex_lock(&c->timeouts->lock);
	deadline_body_progress(&c->deadline, n);
	pthread_mutex_unlock(&c->timeouts->lock);
}

void reqtimeout_request_done(struct MHD_Connection *conn)
{
	struct conn_state *c = conn_state_of(conn);
	if (!c || !c->timeouts)
		return;
	pthread_mutex_lock(&c->timeouts->lock);
	deadline_request_done(&c->deadline, util_mono_ms());
	pthread_mutex_unlock(&c->timeouts->lock);
}
