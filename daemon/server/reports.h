/* Reports: POST /v1/reports and GET /v1/reports/{id}.
 *
 * POST takes one report (a JSON object, or one FHIR AdverseEvent) and
 * answers 201/200/409/422 for it, or a batch (a JSON array,
 * application/x-ndjson, text/csv, a FHIR Bundle) handed to batch.c, which
 * answers 200 with one result per report. The helpers below are the steps
 * both share, so a report is prepared the same way whatever carried it. */
#ifndef NW_REPORTS_H
#define NW_REPORTS_H

#include <cJSON.h>
#include <microhttpd.h>

#include "batch.h"

struct request;
struct report;
struct issues;
struct store_item;

/* Headers are in: checks Content-Type and Content-Length before any body is
 * read. Returns MHD_YES with nothing queued when the body may come. */
enum MHD_Result reports_post_begin(struct request *rq);
/* What the body is, from its Content-Type (FORMAT_UNKNOWN if none of ours). */
enum body_format reports_body_format(struct request *rq);
/* The whole body is in: parse, normalise, queue to the writer and suspend. */
enum MHD_Result reports_post_finish(struct request *rq);
/* Called again after the writer resumed the connection: queue the answer. */
enum MHD_Result reports_post_answer(struct request *rq);
/* GET /v1/reports/{id}: the reporting premises' own stored report. */
enum MHD_Result reports_get(struct request *rq);

/* Normalises doc (the JSON report shape) into *ret with the live vocabulary,
 * read-locked for just this call so SIGHUP can swap it between reports.
 * 0, -EINVAL (errors added) or -ENOMEM. */
int reports_normalise(struct request *rq, const cJSON *doc, struct report *ret,
		      struct issues *errors, struct issues *warnings);

/* Premises codes already looked up for this request: a batch names the
 * same few places again and again. Opaque; start with NULL. */
struct place_memo;

/* Everything a normalised report needs before the writer takes it: where
 * the procedure was done (a database read, hence -EAGAIN when it cannot be
 * asked), the normalised and warnings texts, and the INSERT's parameters,
 * all in the request's arena. format is "json", "csv" or "fhir"; body the
 * stored verbatim text. Returns 0, -EINVAL when the place named cannot be
 * accepted (a practitioner naming another premises, a mistyped premises
 * code: added to errors, nothing to store), -EAGAIN or -ENOMEM. */
int reports_prepare(struct request *rq, const struct report *r, const char *format,
		    const char *body, struct issues *errors, struct issues *warnings,
		    struct place_memo **memo, struct store_item *ret_item,
		    const char **ret_normalised, const char **ret_warnings);

/* The stored body of a JSON report: the members of doc the report format
 * defines (report_members_copy), with patient.ref replaced by r's pseudonym,
 * printed into the request's arena. NULL on out of memory. */
const char *reports_stored_json(struct request *rq, const cJSON *doc, const struct report *r);

/* A problem+json answer (counted as a rejected report for 400 and 422). */
enum MHD_Result reports_problem(struct request *rq, unsigned status, const char *type,
				const char *title, const char *detail, const struct issues *errors);

#endif
