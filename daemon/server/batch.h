/* Batches: many reports in one POST /v1/reports.
 *
 * A JSON array, application/x-ndjson, a CSV file or a FHIR Bundle is read
 * into items; each is normalised on its own, the valid ones become ONE writer
 * job (so one group commit: all of them are durable, or none), and the answer
 * is HTTP 200 with one result per item, in order: accepted or duplicate (with
 * the id), conflict (same client_ref and version, different content) or
 * rejected (with its errors). Whole-batch answers: 400 when the body cannot
 * be read at all, 413 past max_batch_reports, 503 when the database is
 * unavailable (nothing was stored; retry the whole batch, which is safe). */
#ifndef NW_BATCH_H
#define NW_BATCH_H

#include <cJSON.h>
#include <microhttpd.h>

struct request;
struct fhir_doc;

/* What a POST /v1/reports body is, from its Content-Type. */
enum body_format { FORMAT_UNKNOWN, FORMAT_JSON, FORMAT_NDJSON, FORMAT_CSV, FORMAT_FHIR };

/* The body was a JSON array: takes doc (deletes it). */
enum MHD_Result batch_post_json_array(struct request *rq, cJSON *doc);
/* application/x-ndjson: one report per line; a bad line rejects only itself. */
enum MHD_Result batch_post_ndjson(struct request *rq);
/* text/csv, through report_csv. */
enum MHD_Result batch_post_csv(struct request *rq);
/* A mapped FHIR Bundle: takes fd's trees (frees them). */
enum MHD_Result batch_post_fhir(struct request *rq, struct fhir_doc *fd);
/* The 413 for a batch over max_batch_reports. */
enum MHD_Result batch_too_large(struct request *rq);
/* After the writer resumed the connection (or at once when nothing was
 * valid): the per-item answer. rq->handler_state is the batch. */
enum MHD_Result batch_answer(struct request *rq);

#endif
