/* FHIR JSON: small readers of FHIR's JSON shapes, shared by the mapping
 * (fhir.c) and the stored-document builder (fhir_store.c). Pure. */
#ifndef NW_FHIR_JSON_H
#define NW_FHIR_JSON_H

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>

/* A string member that is not empty, or NULL (also when o is not an object). */
const char *fhir_str(const cJSON *o, const char *key);

/* True when res is a resource of that resourceType. */
bool fhir_is_type(const cJSON *res, const char *type);

/* Any wording of a CodeableConcept: its text, else its first display or code. */
const char *fhir_concept_text(const cJSON *cc);

/* Whether a Reference.reference names a Bundle entry: its fullUrl, or
 * "Type/id" on its own or at the end of an absolute URL. */
bool fhir_ref_matches(const char *ref, const cJSON *entry);

/* R4's adverse-event-seriousness codes (Serious, Non-serious, the older
 * SID/SIP/SIH/... "serious, results in ..." codes), however spelt and cased:
 * 1 serious, 0 not, -1 not understood. */
int fhir_seriousness(const char *code);

/* The outward code of a UK postal code ("LS6 2AB", "LS62AB" -> "LS6"; an
 * outward code alone passes as it is) into buf. 0, or -EINVAL. */
int fhir_outward_code(const char *postal, char *buf, size_t len);

/* "2026-11-02" minus "2026-10-30" in days, into *ret_days; -EINVAL unless
 * both start with a YYYY-MM-DD calendar date (a dateTime's time is ignored). */
int fhir_days_between(const char *from, const char *to, long *ret_days);

#endif
