/* FHIR outcome: whether the caller wants its answer as FHIR, and the
 * OperationOutcome form of a problem+json object.
 *
 * Pure rendering below the responses: it queues nothing and includes
 * neither respond.h nor fhir_answer.h, so respond.c (every problem) and
 * fhir_answer.c (Bundles, CapabilityStatement) both build on it. */
#ifndef NW_FHIR_OUTCOME_H
#define NW_FHIR_OUTCOME_H

#include <cJSON.h>
#include <microhttpd.h>
#include <stdbool.h>

#define FHIR_MEDIA_TYPE "application/fhir+json"

/* True when the request on c asks for FHIR JSON: its Accept names
 * application/fhir+json (or the older application/json+fhir), or it was
 * sent as FHIR and its Accept names neither application/json nor
 * application/problem+json. */
bool fhir_outcome_wanted(struct MHD_Connection *c);

/* The OperationOutcome for problem (not consumed). Caller owns it; NULL
 * when there is no memory for it. */
cJSON *fhir_outcome_from_problem(const cJSON *problem);

/* An empty OperationOutcome; *ret_issues is its "issue" array. Caller owns it. */
cJSON *fhir_outcome_new(cJSON **ret_issues);

/* Appends one issue to issues. field: a FHIR path ("AdverseEvent.x",
 * "entry[3].resource.x"), a report field, or NULL; message may be NULL. */
void fhir_outcome_add_issue(cJSON *issues, const char *severity, const char *code,
			    const char *field, const char *message);

/* Appends each {"field", "message"} of list (not consumed) as an issue. */
void fhir_outcome_add_issues(cJSON *issues, const char *severity, const char *code,
			     const cJSON *list);

#endif
