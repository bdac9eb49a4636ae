/* FHIR store: the document kept as a FHIR report's verbatim body.
 *
 * The AdverseEvent (alone, or in a collection Bundle with the entries the
 * mapping used), each resource cut to the elements the mapping reads
 * (fhir_filter.h: no narrative, note, display on a reference, or resource
 * of a type the mapping does not use), Patient resources cut to gender and
 * postcode district, and every trace of the clear patient reference
 * replaced by its pseudonym. Mapping the result again gives the same
 * report. Pure. */
#ifndef NW_FHIR_STORE_H
#define NW_FHIR_STORE_H

#include <cJSON.h>
#include <stddef.h>

#include "issues.h"

struct arena;
struct pseudonym_key;

/* What the mapping learnt about one AdverseEvent. */
struct fhir_store_src {
	const cJSON *ae;
	const cJSON *bundle;	  /* the enclosing Bundle, or NULL */
	const cJSON *const *used; /* Bundle entries the mapping followed */
	size_t n_used;
	const cJSON *const *contained; /* contained resources the mapping followed */
	size_t n_contained;
	const cJSON *display_instance; /* see struct fhir_filter */
	const char *path;	       /* where the AdverseEvent is in the document */
	struct issues *errors;	       /* kept free text holding an identifier */
	const cJSON *patient;	       /* the subject's Patient resource, or NULL */
	const char *district;	       /* its postcode district, or NULL */
	const char *patient_ref;       /* the clear ref, or NULL when there is none */
	const char *subject_reference; /* AdverseEvent.subject.reference as sent */
	const struct pseudonym_key *key;
};

/* The stored document (caller cJSON_Delete()s it); NULL on out of memory. */
cJSON *fhir_store_build(const struct fhir_store_src *src, struct arena *a);

#endif
