/* Metrics: atomic counters and their Prometheus text rendering.
 *
 * Counters are bumped by request threads without a lock; the few gauges
 * that are not counters (process, database, certificate) are read when
 * /metrics is scraped, so they cost nothing between scrapes. */
#include "metrics.h"
#include "util.h"
#include "admission.h"
#include "dbpool.h"
#include "ratelimit.h"
#include "server.h"
#include "writer.h"

#include <dirent.h>
#include <gnutls/x509.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#ifndef NW_VERSION
#define NW_VERSION "0.1.0"
#endif
/* How long a scrape waits for a read connection before calling the database
 * down: a scrape must answer well within Prometheus's 10 s timeout. */
#define METRICS_DB_WAIT_MS 1000
/* The largest certificate file read for its expiry. */
#define CERT_FILE_MAX (1024 * 1024)

static const char *const SQL_REFRESHED_AT =
    "SELECT extract(epoch FROM refreshed_at)::float8 FROM summary.refresh_state";

/* The statuses we answer with; anything else is counted as "other". */
static const unsigned STATUSES[] = {200, 201, 400, 401, 403, 404, 405,
				    409, 413, 415, 422, 429, 500, 503};
#define NSTATUS (sizeof(STATUSES) / sizeof(STATUSES[0]) + 1)

static const char *const ROUTE_NAMES[ROUTE_COUNT] = {
    [ROUTE_UNKNOWN] = "other",
    [ROUTE_HEALTHZ] = "healthz",
    [ROUTE_READYZ] = "readyz",
    [ROUTE_METRICS] = "metrics",
    [ROUTE_REPORTS_POST] = "reports_post",
    [ROUTE_REPORT_GET] = "report_get",
    [ROUTE_ACTIVITY_POST] = "activity_post",
    [ROUTE_SUMMARIES_GET] = "summaries_get",
    [ROUTE_PREMISES_ME_GET] = "premises_me_get",
    [ROUTE_ALERTS_GET] = "alerts_get",
    [ROUTE_ALERT_GET] = "alert_get",
    [ROUTE_ALERT_POST] = "alert_post",
    [ROUTE_FUNNEL_GET] = "funnel_get",
    [ROUTE_SESSION] = "session",
    [ROUTE_DASHBOARD] = "dashboard",
    [ROUTE_FHIR_METADATA] = "fhir_metadata",
    [ROUTE_PREMISES_WEEKS_GET] = "premises_weeks_get",
    [ROUTE_COMPLETENESS_GET] = "completeness_get",
};

static const char *const OUTCOME_NAMES[OUTCOME_COUNT] = {"accepted", "duplicate", "rejected"};
static const char *const SOURCE_NAMES[SOURCE_COUNT] = {"json", "json_array", "ndjson", "csv",
						       "fhir"};

struct metrics {
	atomic_ulong requests[ROUTE_COUNT][NSTATUS];
	atomic_ulong reports[OUTCOME_COUNT];
	atomic_ulong unknown_terms;
	atomic_ulong sources[SOURCE_COUNT];
	atomic_ulong dropped[DEADLINE_REASON_COUNT];
	atomic_ulong auth_refused, auth_blocks;
	atomic_ulong oom;	      /* requests answered 503 for want of memory (respond_oom) */
	double start_time;	      /* Unix time of metrics_new(), written once */
	_Atomic long long tls_expiry; /* Unix time; 0 until known */
};

struct metrics *metrics_new(void)
{
	struct metrics *m = calloc(1, sizeof(struct metrics));
	struct timespec now;
	if (!m)
		return NULL;
	/* Made before the listener starts: the process's start, near enough
	 * for process_start_time_seconds (uptime and restart alerts). */
	clock_gettime(CLOCK_REALTIME, &now);
	m->start_time = (double)now.tv_sec + (double)now.tv_nsec / 1e9;
	return m;
}

/* The expiry of the first certificate in a PEM file, or -1. */
static long long cert_file_expiry(const char *path)
{
	gnutls_datum_t data = {0};
	gnutls_x509_crt_t crt[1];
	unsigned n = 1;
	long long expiry = -1;
	char *buf = NULL;
	size_t len = 0;
	/* Larger than the daemon itself would load (tls.c): no expiry to show. */
	if (!path || util_read_file(path, CERT_FILE_MAX, 0, &buf, &len) < 0)
		return -1;
	data.data = (unsigned char *)buf;
	data.size = (unsigned)len;
	if (len > 0 && gnutls_x509_crt_list_import(crt, &n, &data, GNUTLS_X509_FMT_PEM,
						   GNUTLS_X509_CRT_LIST_IMPORT_FAIL_IF_EXCEED) < 0)
		n = 0;
	if (len > 0 && n == 1) {
		time_t t = gnutls_x509_crt_get_expiration_time(crt[0]);
		if (t != (time_t)-1)
			expiry = (long long)t;
		gnutls_x509_crt_deinit(crt[0]);
	}
	free(buf);
	return expiry;
}

void metrics_note_tls_certificate(struct metrics *m, const char *cert_file)
{
	long long t = cert_file_expiry(cert_file);
	if (m && t > 0)
		atomic_store(&m->tls_expiry, t);
}

void metrics_free(struct metrics *m)
{
	free(m);
}

static size_t status_index(unsigned status)
{
	for (size_t i = 0; i < NSTATUS - 1; i++)
		if (STATUSES[i] == status)
			return i;
	return NSTATUS - 1;
}

void metrics_count_request(struct metrics *m, enum route route, unsigned status)
{
	if (route >= ROUTE_COUNT)
		route = ROUTE_UNKNOWN;
	atomic_fetch_add(&m->requests[route][status_index(status)], 1);
}

void metrics_count_report(struct metrics *m, enum report_outcome o, unsigned long n)
{
	atomic_fetch_add(&m->reports[o], n);
}

void metrics_count_unknown_terms(struct metrics *m, unsigned long n)
{
	atomic_fetch_add(&m->unknown_terms, n);
}

void metrics_count_source(struct metrics *m, enum report_source s, unsigned long n)
{
	atomic_fetch_add(&m->sources[s], n);
}

void metrics_count_dropped(struct metrics *m, enum deadline_reason r)
{
	if (r < DEADLINE_REASON_COUNT)
		atomic_fetch_add(&m->dropped[r], 1);
}

void metrics_count_auth_refused(struct metrics *m, bool first)
{
	atomic_fetch_add(&m->auth_refused, 1);
	if (first)
		atomic_fetch_add(&m->auth_blocks, 1);
}

void metrics_count_oom(struct metrics *m)
{
	if (m)
		atomic_fetch_add(&m->oom, 1);
}

static void render_oom(struct metrics *m, FILE *f)
{
	fprintf(f,
		"# HELP needlewatch_out_of_memory_total Requests answered 503 because memory "
		"ran out while they were handled (each logged as event=oom).\n"
		"# TYPE needlewatch_out_of_memory_total counter\n"
		"needlewatch_out_of_memory_total %lu\n",
		atomic_load(&m->oom));
}

static void render_auth_failures(struct metrics *m, struct server *s, FILE *f)
{
	fprintf(f,
		"# HELP needlewatch_auth_refused_total Requests refused 429, unauthenticated, "
		"for their address's failed authentications (auth_failures_per_minute).\n"
		"# TYPE needlewatch_auth_refused_total counter\n"
		"needlewatch_auth_refused_total %lu\n"
		"# HELP needlewatch_auth_blocked_total Times a client address went over "
		"auth_failures_per_minute (each logged as auth_failures_over_limit).\n"
		"# TYPE needlewatch_auth_blocked_total counter\n"
		"needlewatch_auth_blocked_total %lu\n"
		"# HELP needlewatch_auth_failure_addresses Client addresses (IPv6: /64s) held in "
		"the failed-authentication table; once it is full, new ones go untracked.\n"
		"# TYPE needlewatch_auth_failure_addresses gauge\n"
		"needlewatch_auth_failure_addresses %zu\n",
		atomic_load(&m->auth_refused), atomic_load(&m->auth_blocks),
		ratelimit_size(s->auth_failures));
}

static void render_dropped(struct metrics *m, FILE *f)
{
	fputs("# HELP needlewatch_connections_dropped_total Connections ended for sending their "
	      "request too slowly.\n"
	      "# TYPE needlewatch_connections_dropped_total counter\n",
	      f);
	for (int r = 0; r < DEADLINE_REASON_COUNT; r++)
		fprintf(f, "needlewatch_connections_dropped_total{reason=\"%s\"} %lu\n",
			deadline_reason_name((enum deadline_reason)r), atomic_load(&m->dropped[r]));
}

static void render_requests(struct metrics *m, FILE *f)
{
	fputs("# HELP needlewatch_http_requests_total HTTP requests by route and status.\n"
	      "# TYPE needlewatch_http_requests_total counter\n",
	      f);
	for (int r = 0; r < ROUTE_COUNT; r++) {
		for (size_t s = 0; s < NSTATUS; s++) {
			unsigned long v = atomic_load(&m->requests[r][s]);
			if (!v)
				continue;
			if (s < NSTATUS - 1)
				fprintf(f,
					"needlewatch_http_requests_total{route=\"%s\",status=\"%"
					"u\"} %lu\n",
					ROUTE_NAMES[r], STATUSES[s], v);
			else
				fprintf(f,
					"needlewatch_http_requests_total{route=\"%s\",status="
					"\"other\"} %lu\n",
					ROUTE_NAMES[r], v);
		}
	}
}

static void render_writer(struct server *s, FILE *f)
{
	/* The writer's buckets are 1, 2, 5, 10, 25, 50, 100 ms and more. */
	static const char *const s_le[] = {"0.001", "0.002", "0.005", "0.01",
					   "0.025", "0.05",  "0.1",   "+Inf"};
	static const char *const size_le[] = {"1", "10", "50", "100", "500", "+Inf"};
	struct writer_stats ws;
	unsigned long cum = 0;

	writer_get_stats(s->writer, &ws);
	fputs("# HELP needlewatch_commit_duration_seconds Group-commit transaction time.\n"
	      "# TYPE needlewatch_commit_duration_seconds histogram\n",
	      f);
	for (int i = 0; i < 8; i++) {
		cum += ws.commit_ms_buckets[i];
		fprintf(f, "needlewatch_commit_duration_seconds_bucket{le=\"%s\"} %lu\n", s_le[i],
			cum);
	}
	fprintf(f,
		"needlewatch_commit_duration_seconds_sum %.6f\n"
		"needlewatch_commit_duration_seconds_count %lu\n",
		ws.commit_ms_total / 1000.0, ws.batches);
	fputs("# HELP needlewatch_batch_reports Reports per group commit.\n"
	      "# TYPE needlewatch_batch_reports histogram\n",
	      f);
	cum = 0;
	for (int i = 0; i < 6; i++) {
		cum += ws.batch_size_buckets[i];
		fprintf(f, "needlewatch_batch_reports_bucket{le=\"%s\"} %lu\n", size_le[i], cum);
	}
	fprintf(f, "needlewatch_batch_reports_sum %lu\nneedlewatch_batch_reports_count %lu\n",
		ws.reports, ws.batches);
	fprintf(f,
		"# HELP needlewatch_commit_failures_total Group commits that failed (their "
		"requests were answered 503).\n"
		"# TYPE needlewatch_commit_failures_total counter\n"
		"needlewatch_commit_failures_total %lu\n",
		ws.commit_failures);
	fprintf(f,
		"# HELP needlewatch_db_reconnects_total Database reconnections.\n"
		"# TYPE needlewatch_db_reconnects_total counter\n"
		"needlewatch_db_reconnects_total{pool=\"writer\"} %lu\n"
		"needlewatch_db_reconnects_total{pool=\"read\"} %lu\n",
		ws.reconnects, dbpool_reconnects(s->readers));
}

static void render_build_info(FILE *f)
{
	fprintf(f,
		"# HELP needlewatch_build_info The running needlewatchd's version (always 1).\n"
		"# TYPE needlewatch_build_info gauge\n"
		"needlewatch_build_info{version=\"%s\",libmicrohttpd=\"%s\",gnutls=\"%s\"} 1\n",
		NW_VERSION, MHD_get_version(), gnutls_check_version(NULL));
}

/* Descriptors open now (/proc/self/fd, less the one reading it), or -1. */
static long open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	long n = 0;
	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n - 3; /* not ".", "..", nor the descriptor reading the directory */
}

/* The process_* family every Prometheus client library exports. */
static void render_process(struct metrics *m, FILE *f)
{
	long pages = 0, resident = 0, fds = open_fds();
	long page = sysconf(_SC_PAGESIZE);
	struct rusage ru;
	struct rlimit rl;
	FILE *statm = fopen("/proc/self/statm", "r");
	if (statm) {
		if (fscanf(statm, "%ld %ld", &pages, &resident) != 2)
			pages = resident = 0;
		fclose(statm);
	}
	getrusage(RUSAGE_SELF, &ru);
	double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
		     ((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) / 1e6;
	fprintf(
	    f,
	    "# HELP process_start_time_seconds Start time of the process since the Unix epoch.\n"
	    "# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds %.3f\n"
	    "# HELP process_cpu_seconds_total User and system CPU time spent.\n"
	    "# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total %.3f\n"
	    "# HELP process_resident_memory_bytes Resident memory size.\n"
	    "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes %ld\n"
	    "# HELP process_virtual_memory_bytes Virtual memory size.\n"
	    "# TYPE process_virtual_memory_bytes gauge\nprocess_virtual_memory_bytes %ld\n",
	    m->start_time, cpu, resident * page, pages * page);
	if (fds >= 0)
		fprintf(f,
			"# HELP process_open_fds Open file descriptors.\n"
			"# TYPE process_open_fds gauge\nprocess_open_fds %ld\n",
			fds);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		fprintf(f,
			"# HELP process_max_fds Limit on open file descriptors.\n"
			"# TYPE process_max_fds gauge\nprocess_max_fds %llu\n",
			(unsigned long long)rl.rlim_cur);
}

/* One short query: it proves the database answers and says when the
 * summaries were last refreshed (by needlewatchd or by needlewatchctl). */
static void render_database(struct server *s, FILE *f)
{
	PGconn *conn = dbpool_get(s->readers, METRICS_DB_WAIT_MS);
	PGresult *res =
	    conn ? PQexecParams(conn, SQL_REFRESHED_AT, 0, NULL, NULL, NULL, NULL, 0) : NULL;
	bool up = PQresultStatus(res) == PGRES_TUPLES_OK;
	if (conn)
		dbpool_put(s->readers, conn, !up && db_result_is_connection_error(conn, res));
	fprintf(f,
		"# HELP needlewatch_database_up Whether the database answered this scrape's "
		"query (1) or not (0).\n"
		"# TYPE needlewatch_database_up gauge\nneedlewatch_database_up %d\n",
		up ? 1 : 0);
	if (up && PQntuples(res) == 1 && !PQgetisnull(res, 0, 0))
		fprintf(f,
			"# HELP needlewatch_summaries_last_refresh_timestamp_seconds When the "
			"summary tables were last refreshed successfully.\n"
			"# TYPE needlewatch_summaries_last_refresh_timestamp_seconds gauge\n"
			"needlewatch_summaries_last_refresh_timestamp_seconds %s\n",
			PQgetvalue(res, 0, 0));
	PQclear(res);
}

static void render_tls(struct metrics *m, FILE *f)
{
	long long t = atomic_load(&m->tls_expiry);
	if (t <= 0)
		return;
	fprintf(f,
		"# HELP needlewatch_tls_certificate_expiry_timestamp_seconds When the served "
		"TLS certificate expires (notAfter).\n"
		"# TYPE needlewatch_tls_certificate_expiry_timestamp_seconds gauge\n"
		"needlewatch_tls_certificate_expiry_timestamp_seconds %lld\n",
		t);
}

/* What a reader of db_read_conninfo may not see yet; NaN when its database
 * does not answer within REPLAY_LAG_WAIT_MS (a scrape must not hang). */
#define REPLAY_LAG_WAIT_MS 200
static void render_replay_lag(struct server *s, FILE *f)
{
	double lag = 0;
	bool known = dbpool_replay_lag(s->replicas, REPLAY_LAG_WAIT_MS, &lag) == 0;
	fputs("# HELP needlewatch_db_replay_lag_seconds How far the read connection's database"
	      " (db_read_conninfo) lags the primary; 0 on a primary.\n"
	      "# TYPE needlewatch_db_replay_lag_seconds gauge\n",
	      f);
	if (known)
		fprintf(f, "needlewatch_db_replay_lag_seconds %.3f\n", lag);
	else
		fputs("needlewatch_db_replay_lag_seconds NaN\n", f);
	struct writer_stats ws;
	writer_get_stats(s->writer, &ws);
	fprintf(f,
		"# HELP needlewatch_batches_rechecked_total Batches whose COMMIT outcome was"
		" unknown, looked up again by idempotency key.\n"
		"# TYPE needlewatch_batches_rechecked_total counter\n"
		"needlewatch_batches_rechecked_total %lu\n",
		ws.rechecks);
	fprintf(f,
		"# HELP needlewatch_db_read_recycled_total Read connections closed for their"
		" age (db_read_max_age_s) and opened again.\n"
		"# TYPE needlewatch_db_read_recycled_total counter\n"
		"needlewatch_db_read_recycled_total %lu\n",
		dbpool_recycled(s->replicas));
}

char *metrics_render(struct metrics *m, struct server *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	render_requests(m, f);
	fputs("# HELP needlewatch_reports_total Reports by outcome.\n"
	      "# TYPE needlewatch_reports_total counter\n",
	      f);
	for (int o = 0; o < OUTCOME_COUNT; o++)
		fprintf(f, "needlewatch_reports_total{outcome=\"%s\"} %lu\n", OUTCOME_NAMES[o],
			atomic_load(&m->reports[o]));
	fprintf(f,
		"# HELP needlewatch_unknown_terms_total Terms the vocabulary did not know.\n"
		"# TYPE needlewatch_unknown_terms_total counter\n"
		"needlewatch_unknown_terms_total %lu\n",
		atomic_load(&m->unknown_terms));
	fputs("# HELP needlewatch_reports_received_total Reports received, by the form they came "
	      "in.\n"
	      "# TYPE needlewatch_reports_received_total counter\n",
	      f);
	for (int i = 0; i < SOURCE_COUNT; i++)
		fprintf(f, "needlewatch_reports_received_total{format=\"%s\"} %lu\n",
			SOURCE_NAMES[i], atomic_load(&m->sources[i]));
	fprintf(f,
		"# HELP needlewatch_active_requests Requests being received, processed or "
		"answered.\n"
		"# TYPE needlewatch_active_requests gauge\nneedlewatch_active_requests %d\n",
		atomic_load(&s->active_requests));
	fprintf(
	    f,
	    "# HELP needlewatch_admission_held_bytes Expected memory of the request bodies"
	    " being parsed or waiting for their commit (ingest_memory_budget).\n"
	    "# TYPE needlewatch_admission_held_bytes gauge\nneedlewatch_admission_held_bytes %zu\n"
	    "# HELP needlewatch_admission_waiting Requests waiting for ingest_memory_budget to"
	    " have room.\n"
	    "# TYPE needlewatch_admission_waiting gauge\nneedlewatch_admission_waiting %zu\n",
	    admission_held(s->admission), admission_waiting(s->admission));
	render_dropped(m, f);
	render_auth_failures(m, s, f);
	render_oom(m, f);
	render_writer(s, f);
	render_build_info(f);
	render_process(m, f);
	render_database(s, f);
	render_tls(m, f);
	render_replay_lag(s, f);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}
