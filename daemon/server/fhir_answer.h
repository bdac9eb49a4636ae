/* FHIR answers: what a caller speaking application/fhir+json gets back.
 *
 * The API's own answers (problem+json, the batch results object) are built
 * first, as for every caller; these functions re-render them as FHIR R4
 * resources when the request asked in FHIR, so the two can never disagree
 * on a status or a message: an OperationOutcome for a problem, a
 * batch-response or transaction-response Bundle for a Bundle, and the
 * server's CapabilityStatement for GET /fhir/metadata. */
#ifndef NW_FHIR_ANSWER_H
#define NW_FHIR_ANSWER_H

#include <cJSON.h>
#include <microhttpd.h>
#include <stdbool.h>

struct request;
struct respond_extra;

#define FHIR_MEDIA_TYPE "application/fhir+json"

/* True when the request on c asks for FHIR JSON: its Accept names
 * application/fhir+json (or the older application/json+fhir), or it was
 * sent as FHIR and its Accept names neither application/json nor
 * application/problem+json. */
bool fhir_answer_wanted(struct MHD_Connection *c);

/* problem (a problem+json object, not consumed) as an OperationOutcome,
 * queued with status and extra's headers. */
enum MHD_Result fhir_answer_problem(struct MHD_Connection *c, unsigned status, const cJSON *problem,
				    const struct respond_extra *extra);

/* The OperationOutcome for problem (not consumed). Caller owns it. */
cJSON *fhir_outcome_from_problem(const cJSON *problem);

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
