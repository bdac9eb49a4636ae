/* FHIR answers: what a caller speaking application/fhir+json gets back.
 *
 * The API's own answers (problem+json, the batch results object) are built
 * first, as for every caller; these functions re-render them as FHIR R4
 * resources when the request asked in FHIR, so the two can never disagree
 * on a status or a message: a batch-response or transaction-response Bundle
 * for a Bundle, and the server's CapabilityStatement for GET /fhir/metadata.
 * A problem's OperationOutcome is fhir_outcome.h's (respond.c queues it). */
#ifndef NW_FHIR_ANSWER_H
#define NW_FHIR_ANSWER_H

#include <cJSON.h>
#include <microhttpd.h>
#include <stdbool.h>

struct request;

/* Answers a FHIR Bundle from results, the batch's native answer (not
 * consumed): one response entry per Bundle entry (n_entries), a
 * transaction-response for bundle_type "transaction", else a
 * batch-response. A transaction with a rejected entry is answered 422 with
 * one OperationOutcome listing every rejected entry's errors: the caller
 * stored nothing of it. */
enum MHD_Result fhir_answer_bundle(struct request *rq, const cJSON *results,
				   const char *bundle_type, int n_entries);

/* GET /fhir/metadata: the CapabilityStatement. No account needed (FHIR
 * clients read it before they authenticate). */
enum MHD_Result fhir_answer_metadata(struct request *rq);

#endif
