/* Ingest: POST /v1/reports, from request body to committed rows.
 *
 * Every body is read into 1..N items, whatever its format: a JSON object
 * (one), a JSON array, application/x-ndjson (one report a line), text/csv
 * (report_csv), a FHIR AdverseEvent (one) or a FHIR Bundle. Each item goes
 * the same way: normalise → prepare (the place of the procedure and the
 * stored row, core/stored_report.c) → one writer job for all the valid items
 * (one group commit: all durable, or none) → the answer. A single report (a
 * JSON object, one AdverseEvent) is a batch of one that gets the
 * single-report answer: 201 + Location, 200 duplicate, 409 conflict, 422
 * invalid; any other body gets 200 with one result per item. Whole-body
 * answers: 400 when the body cannot be read, 413 past max_batch_reports,
 * 415 for a Content-Type not ours, 503 when the database is unavailable
 * (nothing stored; retrying the whole body is safe). */
#ifndef NW_INGEST_H
#define NW_INGEST_H

#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>

#include "issues.h"
#include "report.h"
#include "store.h"

struct request;
struct report_csv_item;
struct place_memo;

/* What a POST /v1/reports body is, from its Content-Type. */
enum body_format { FORMAT_UNKNOWN, FORMAT_JSON, FORMAT_NDJSON, FORMAT_CSV, FORMAT_FHIR };

/* One report of the body. */
struct ingest_item {
	bool queued; /* handed to the writer: store[store_idx] is its row */
	size_t store_idx;
	struct report report;
	struct issues errors, warnings;
	const char *client_ref;		   /* as sent, for a rejected item's result */
	size_t line;			   /* NDJSON: its line */
	const struct report_csv_item *csv; /* CSV: its rows' lines */
	int entry;			   /* FHIR: its Bundle entry, -1 otherwise */
};

/* One POST's reports, in the request's arena, hung on rq->handler_state. */
struct ingest {
	enum body_format fmt;
	bool single;	    /* a JSON object or one AdverseEvent: the single answer */
	const char *format; /* stored reports.format: "json", "csv", "fhir" */
	struct ingest_item *items;
	size_t n;
	struct store_item *store; /* the queued items' rows, contiguous for the store_job */
	size_t n_store;
	struct store_job job;
	struct issues file_warnings; /* CSV: about the file itself */
	struct place_memo *memo;     /* premises codes looked up so far */
	int rc;			     /* -EAGAIN or -ENOMEM: sticky, ends the body */
	const char *fhir_type;	     /* FHIR: Bundle.type, answered in kind (fhir_answer.h) */
	int fhir_entries;
};

/* Headers are in: checks Content-Type and Content-Length before any body is
 * read. Returns MHD_YES with nothing queued when the body may come. */
enum MHD_Result ingest_post_begin(struct request *rq);
/* The whole body is in: read, normalise, prepare, queue to the writer and
 * suspend (or answer at once when nothing can be stored). */
enum MHD_Result ingest_post_finish(struct request *rq);
/* Called again after the writer resumed the connection: queue the answer. */
enum MHD_Result ingest_post_answer(struct request *rq);
/* What the body is, from its Content-Type (FORMAT_UNKNOWN if none of ours). */
enum body_format ingest_body_format(struct request *rq);
/* An NDJSON line holding no report (spaces, tabs, a CR): intake.c's count
 * of a body's reports and ingest's must agree. */
bool ingest_blank_line(const char *p, size_t len);

/* ---- answers (ingest_answer.c) ---- */

/* The answer for ing once its job is done (or nothing was queued): the
 * single-report answer or the per-item batch answer. */
enum MHD_Result ingest_answer(struct request *rq, struct ingest *ing);
/* The 422 of a single report that cannot be stored, with its errors. */
enum MHD_Result ingest_answer_invalid(struct request *rq, const struct issues *errors);
/* The 503 when the database could not be asked before anything was queued. */
enum MHD_Result ingest_answer_unavailable(struct request *rq, const struct ingest *ing);
/* The 413 for a body over max_batch_reports. */
enum MHD_Result ingest_too_large(struct request *rq);
/* A problem+json answer, counted as a rejected report for 400 and 422. */
enum MHD_Result ingest_problem(struct request *rq, unsigned status, const char *type,
			       const char *title, const char *detail, const struct issues *errors);

#endif
