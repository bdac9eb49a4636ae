/* Metrics: atomic counters and their Prometheus text rendering. */
#include "metrics.h"
#include "admission.h"
#include "dbpool.h"
#include "ratelimit.h"
#include "server.h"
#include "writer.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The statuses we answer with; anything else is counted as "other". */
static const unsigned STATUSES[] = {200, 201, 400, 401, 403, 404, 405, 409, 413,
				    415, 422, 429, 500, 503};
#define NSTATUS (sizeof(STATUSES) / sizeof(STATUSES[0]) + 1)

static const char *const ROUTE_NAMES[ROUTE_COUNT] = {
	[ROUTE_UNKNOWN] = "other",        [ROUTE_HEALTHZ] = "healthz",
	[ROUTE_READYZ] = "readyz",        [ROUTE_METRICS] = "metrics",
	[ROUTE_REPORTS_POST] = "reports_post", [ROUTE_REPORT_GET] = "report_get",
	[ROUTE_ACTIVITY_POST] = "activity_post", [ROUTE_SUMMARIES_GET] = "summaries_get",
	[ROUTE_ALERTS_GET] = "alerts_get", [ROUTE_ALERT_GET] = "alert_get",
	[ROUTE_ALERT_POST] = "alert_post", [ROUTE_FUNNEL_GET] = "funnel_get",
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
};

struct metrics *metrics_new(void)
{
	return calloc(1, sizeof(struct metrics));
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

static void render_auth_failures(struct metrics *m, struct server *s, FILE *f)
{
	fprintf(f, "# HELP needlewatch_auth_refused_total Requests refused 429, unauthenticated, "
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
	      "# TYPE needlewatch_connections_dropped_total counter\n", f);
	for (int r = 0; r < DEADLINE_REASON_COUNT; r++)
		fprintf(f, "needlewatch_connections_dropped_total{reason=\"%s\"} %lu\n",
			deadline_reason_name((enum deadline_reason)r), atomic_load(&m->dropped[r]));
}

static void render_requests(struct metrics *m, FILE *f)
{
	fputs("# HELP needlewatch_http_requests_total HTTP requests by route and status.\n"
	      "# TYPE needlewatch_http_requests_total counter\n", f);
	for (int r = 0; r < ROUTE_COUNT; r++) {
		for (size_t s = 0; s < NSTATUS; s++) {
			unsigned long v = atomic_load(&m->requests[r][s]);
			if (!v)
				continue;
			if (s < NSTATUS - 1)
				fprintf(f, "needlewatch_http_requests_total{route=\"%s\",status=\"%u\"} %lu\n",
					ROUTE_NAMES[r], STATUSES[s], v);
			else
				fprintf(f, "needlewatch_http_requests_total{route=\"%s\",status=\"other\"} %lu\n",
					ROUTE_NAMES[r], v);
		}
	}
}

static void render_writer(struct server *s, FILE *f)
{
	static const char *const ms_le[] = {"1", "2", "5", "10", "25", "50", "100", "+Inf"};
	static const char *const size_le[] = {"1", "10", "50", "100", "500", "+Inf"};
	struct writer_stats ws;
	unsigned long cum = 0;

	writer_get_stats(s->writer, &ws);
	fputs("# HELP needlewatch_commit_duration_ms Group-commit transaction time.\n"
	      "# TYPE needlewatch_commit_duration_ms histogram\n", f);
	for (int i = 0; i < 8; i++) {
		cum += ws.commit_ms_buckets[i];
		fprintf(f, "needlewatch_commit_duration_ms_bucket{le=\"%s\"} %lu\n", ms_le[i], cum);
	}
	fprintf(f, "needlewatch_commit_duration_ms_sum %.3f\nneedlewatch_commit_duration_ms_count %lu\n",
		ws.commit_ms_total, ws.batches);
	fputs("# HELP needlewatch_batch_reports Reports per group commit.\n"
	      "# TYPE needlewatch_batch_reports histogram\n", f);
	cum = 0;
	for (int i = 0; i < 6; i++) {
		cum += ws.batch_size_buckets[i];
		fprintf(f, "needlewatch_batch_reports_bucket{le=\"%s\"} %lu\n", size_le[i], cum);
	}
	fprintf(f, "needlewatch_batch_reports_sum %lu\nneedlewatch_batch_reports_count %lu\n",
		ws.reports, ws.batches);
	fprintf(f, "# TYPE needlewatch_commit_failures_total counter\n"
		"needlewatch_commit_failures_total %lu\n", ws.commit_failures);
	fprintf(f, "# HELP needlewatch_db_reconnects_total Database reconnections.\n"
		"# TYPE needlewatch_db_reconnects_total counter\n"
		"needlewatch_db_reconnects_total{pool=\"writer\"} %lu\n"
		"needlewatch_db_reconnects_total{pool=\"read\"} %lu\n",
		ws.reconnects, dbpool_reconnects(s->readers));
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
	      "# TYPE needlewatch_reports_total counter\n", f);
	for (int o = 0; o < OUTCOME_COUNT; o++)
		fprintf(f, "needlewatch_reports_total{outcome=\"%s\"} %lu\n", OUTCOME_NAMES[o],
			atomic_load(&m->reports[o]));
	fprintf(f, "# HELP needlewatch_unknown_terms_total Terms the vocabulary did not know.\n"
		"# TYPE needlewatch_unknown_terms_total counter\n"
		"needlewatch_unknown_terms_total %lu\n", atomic_load(&m->unknown_terms));
	fputs("# HELP needlewatch_reports_received_total Reports received, by the form they came in.\n"
	      "# TYPE needlewatch_reports_received_total counter\n", f);
	for (int i = 0; i < SOURCE_COUNT; i++)
		fprintf(f, "needlewatch_reports_received_total{format=\"%s\"} %lu\n", SOURCE_NAMES[i],
			atomic_load(&m->sources[i]));
	fprintf(f, "# TYPE needlewatch_active_requests gauge\nneedlewatch_active_requests %d\n",
		atomic_load(&s->active_requests));
	fprintf(f, "# HELP needlewatch_admission_held_bytes Expected memory of the request bodies"
		" being parsed or waiting for their commit (ingest_memory_budget).\n"
		"# TYPE needlewatch_admission_held_bytes gauge\nneedlewatch_admission_held_bytes %zu\n"
		"# HELP needlewatch_admission_waiting Requests waiting for ingest_memory_budget to"
		" have room.\n"
		"# TYPE needlewatch_admission_waiting gauge\nneedlewatch_admission_waiting %zu\n",
		admission_held(s->admission), admission_waiting(s->admission));
	render_dropped(m, f);
	render_auth_failures(m, s, f);
	render_writer(s, f);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}
