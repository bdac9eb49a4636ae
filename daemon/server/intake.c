/* Intake: the strict pre-pass over a complete request body, before admission. */
#include "intake.h"
#include "admission.h"
#include "config.h"
#include "csv.h"
#include "ingest.h"
#include "jsonstrict.h"
#include "log.h"
#include "request.h"
#include "respond.h"
#include "server.h"

#include <stdio.h>
#include <string.h>

/* Values a body may hold per report it may hold. A JSON report has about
 * 40, a FHIR AdverseEvent with its Procedure and Patient about 65, a CSV
 * report about 30 cells a row: 128 leaves room, and keeps the cJSON trees of
 * the largest batch allowed (1,000 reports) near 16 MB (admission.c: about
 * 125 bytes a value). */
#define VALUES_PER_REPORT 128
/* Never fewer: one report with the 50 complications allowed holds about 550. */
#define VALUES_MIN 4096
/* The pre-pass's own grammar limits: the handlers' (32 levels, strings of
 * 64 KiB at most) or looser, so it never stops short of what they accept. */
#define SCAN_MAX_DEPTH 32

/* The most values (CSV: cells) a body may hold. */
static size_t max_values_for(int max_batch_reports)
{
	size_t n = max_batch_reports > 0 ? (size_t)max_batch_reports * VALUES_PER_REPORT : 0;

	return n > VALUES_MIN ? n : VALUES_MIN;
}

struct tally {
	size_t items;	       /* reports (a top-level array's elements, NDJSON lines) */
	size_t values;	       /* JSON values, or CSV cells */
	enum json_fault fault; /* JSON_FAULT_SYNTAX (0): none over a limit */
};

static struct json_limits scan_limits(size_t max_values, size_t max_items)
{
	struct json_limits lim = {.max_depth = SCAN_MAX_DEPTH,
				  .max_string_bytes = SIZE_MAX,
				  .max_values = max_values,
				  .max_items = max_items};
	return lim;
}

/* One JSON document. Only the count limits matter here: a grammar error is
 * the handler's to answer, with its own limits and wording. */
static void tally_json(const char *p, size_t len, size_t max_values, size_t max_items,
		       struct tally *t)
{
	struct json_limits lim = scan_limits(max_values, max_items);
	struct json_counts c = {0};
	struct json_error err = {0};

	if (json_scan_strict(p, len, &lim, &c, &err) < 0 && err.kind != JSON_FAULT_SYNTAX)
		t->fault = err.kind;
	t->items = c.items;
	t->values = c.values;
}

/* NDJSON: every non-blank line is a report, each its own document; the
 * limits are on the whole body, as ingest.c counts them. */
static void tally_ndjson(const char *p, size_t len, size_t max_values, size_t max_items,
			 struct tally *t)
{
	const char *end = p + len;

	while (p < end && !t->fault) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((eol ? eol : end) - p);
		struct tally line = {0};

		if (!ingest_blank_line(p, n)) {
			if (++t->items > max_items || t->values >= max_values) {
				t->fault = t->items > max_items ? JSON_FAULT_TOO_MANY_ITEMS
								: JSON_FAULT_TOO_MANY_VALUES;
				break;
			}
			tally_json(p, n, max_values - t->values, 0, &line);
			t->values += line.values;
			t->fault = line.fault;
		}
		p += n + 1;
	}
}

/* CSV: cells, counted outside quotes (a narrative's commas are not cells;
 * a doubled quote inside quotes toggles twice and changes nothing). Which
 * rows make one report is report_csv's to decide: it refuses past
 * max_batch_reports before it builds any report. */
static void tally_csv(const char *p, size_t len, size_t max_values, struct tally *t)
{
	char delim = csv_sniff_delimiter(p, len);
	bool quoted = false;

	for (size_t i = 0; i < len; i++) {
		char c = p[i];

		if (c == '"')
			quoted = !quoted;
		else if (!quoted && (c == delim || c == '\n'))
			t->values++;
	}
	t->values++; /* the last cell */
	if (t->values > max_values)
		t->fault = JSON_FAULT_TOO_MANY_VALUES;
}

static enum MHD_Result too_many_values(struct request *rq, size_t max_values)
{
	char detail[200];

	snprintf(detail, sizeof(detail),
		 "the body holds more than %zu values (JSON values or CSV cells: %d per report "
		 "a batch may hold); send fewer or smaller reports",
		 max_values, VALUES_PER_REPORT);
	return respond_problem(rq, MHD_HTTP_CONTENT_TOO_LARGE, "too-many-values", "too many values",
			       detail, NULL, NULL);
}

bool intake_measure(struct request *rq, size_t *ret_cost, enum MHD_Result *ret_answer)
{
	int max_batch = rq->snap->cfg.max_batch_reports;
	size_t max_values = max_values_for(max_batch);
	/* Only a report batch's top-level array is a list of reports. */
	size_t max_items = rq->route == ROUTE_REPORTS_POST ? (size_t)max_batch : 0;
	struct tally t = {0};

	switch (ingest_body_format(rq)) {
	case FORMAT_NDJSON:
		tally_ndjson(rq->body, rq->body_len, max_values, max_items, &t);
		break;
	case FORMAT_CSV:
		tally_csv(rq->body, rq->body_len, max_values, &t);
		break;
	default:
		tally_json(rq->body, rq->body_len, max_values, max_items, &t);
		break;
	}
	if (t.fault == JSON_FAULT_TOO_MANY_ITEMS || t.fault == JSON_FAULT_TOO_MANY_VALUES) {
		log_event(LOG_INFO, "body_refused", "route=%s reason=%s bytes=%zu account=%lld",
			  rq->def->name, t.fault == JSON_FAULT_TOO_MANY_ITEMS ? "items" : "values",
			  rq->body_len, rq->account.id);
		*ret_answer = t.fault == JSON_FAULT_TOO_MANY_ITEMS
				  ? ingest_too_large(rq)
				  : too_many_values(rq, max_values);
		return false;
	}
	*ret_cost = admission_cost(rq->body_len, t.values);
	return true;
}
