/* Metrics: counters for /metrics, in Prometheus text format (docs/architecture.md).
 * All counters are atomics: request threads bump them without a lock. */
#ifndef NW_METRICS_H
#define NW_METRICS_H

#include <stdbool.h>
#include <stddef.h>

#include "deadline.h"
#include "request.h"

struct server;

enum report_outcome { OUTCOME_ACCEPTED, OUTCOME_DUPLICATE, OUTCOME_REJECTED, OUTCOME_COUNT };

/* How reports arrive: one JSON report, a JSON array, NDJSON, CSV, FHIR. */
enum report_source {
	SOURCE_JSON,
	SOURCE_JSON_ARRAY,
	SOURCE_NDJSON,
	SOURCE_CSV,
	SOURCE_FHIR,
	SOURCE_COUNT
};

struct metrics;

struct metrics *metrics_new(void);
void metrics_free(struct metrics *m);

void metrics_count_request(struct metrics *m, enum route route, unsigned status);
void metrics_count_report(struct metrics *m, enum report_outcome o, unsigned long n);
void metrics_count_unknown_terms(struct metrics *m, unsigned long n);
/* n reports of one request (1, or a batch's items) received in that form. */
void metrics_count_source(struct metrics *m, enum report_source s, unsigned long n);
/* A connection ended for being too slow to send its request (reqtimeout.c). */
void metrics_count_dropped(struct metrics *m, enum deadline_reason r);
/* A request refused 429 because its address is over auth_failures_per_minute;
 * first: the address's first refusal since it was last in good standing. */
void metrics_count_auth_refused(struct metrics *m, bool first);
/* A request answered 503 for want of memory (respond_oom()). */
void metrics_count_oom(struct metrics *m);

/* Reads the PEM certificate (the first of the chain) and remembers its
 * expiry for needlewatch_tls_certificate_expiry_timestamp_seconds. Called
 * by the main thread at start and after each successful TLS reload; a file
 * that cannot be parsed leaves the previous value. */
void metrics_note_tls_certificate(struct metrics *m, const char *cert_file);

/* The exposition text for the whole server, malloc'd (caller frees). Asks
 * the database (a read connection, briefly) whether it answers and when the
 * summaries were last refreshed. Every family has HELP and TYPE, and every
 * unit is a base unit (seconds, bytes), so `promtool check metrics` passes. */
char *metrics_render(struct metrics *m, struct server *s);

#endif
