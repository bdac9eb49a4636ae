/* FHIR filter: the stored copy of a resource keeps only what the mapping reads.
 *
 * An allow-list per resource type (AdverseEvent, Procedure, Device, Location,
 * PractitionerRole) and per element: references keep only their reference
 * (never the display, which is where integrators put the patient's name),
 * CodeableConcepts their codings and text, and only our own extensions are
 * kept. Narratives (text), notes, names, telecoms, addresses and every other
 * resource type (a RelatedPerson, a Practitioner) are never copied. The free
 * text that is kept is scanned for identifiers as it is copied. Patients are
 * not handled here: fhir_store.c cuts them to gender and district. Pure. */
#ifndef NW_FHIR_FILTER_H
#define NW_FHIR_FILTER_H

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "issues.h"

struct fhir_filter {
	/* The AdverseEvent's contained resources the mapping used: the others
	 * are dropped. */
	const cJSON *const *contained;
	size_t n_contained;
	/* The suspectEntity.instance whose display the mapping took as the
	 * procedure type (no Procedure to read it from), or NULL: that display
	 * is kept, so the stored document maps to the same report. */
	const cJSON *display_instance;
	struct issues *errors; /* kept free text that holds an identifier, by path */
	int rc;		       /* 0, or -ENOMEM: sticky */
};

/* Whether the stored document keeps resources of res's type (not Patient). */
bool fhir_filter_keeps(const cJSON *res);

/* The kept elements of res, a resource of a kept type found at path in the
 * document as sent (for error messages). The caller owns the result; NULL
 * when the type is not kept, or on out of memory (f->rc set). A contained
 * Patient is left out: the caller adds its reduced form. */
cJSON *fhir_filter_copy(struct fhir_filter *f, const cJSON *res, const char *path);

#endif
