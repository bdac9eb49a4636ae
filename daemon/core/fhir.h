/* FHIR: R4 AdverseEvent resources into the JSON report shape normalise_report() takes.
 *
 * A body is one AdverseEvent, or a Bundle (any type) whose AdverseEvent
 * entries are reports and whose other entries (Patient, Procedure,
 * Location, Device, PractitionerRole) are what they refer to. One
 * AdverseEvent is one report with one complication. The mapping, field by
 * field, is the table in the README ("FHIR R4"); what FHIR has no element
 * for comes from extensions under FHIR_EXTENSION_BASE. Where a
 * CodeableConcept carries several codings, the first wording the vocabulary
 * knows is used; when none is known, the concept's text (else its first
 * display, else its first code) goes on as the raw term, which normalisation
 * then keeps and flags for review like any unknown term. Pure: no I/O. */
#ifndef NW_FHIR_H
#define NW_FHIR_H

#include <cJSON.h>
#include <stddef.h>

#include "fhir_profile.h"
#include "issues.h"

struct arena;
struct vocab;
struct pseudonym_key;

struct fhir_ctx {
	const struct vocab *vocab; /* to choose among codings */
	/* The server key: when set, each item's stored document has the patient
	 * reference replaced by its pseudonym. NULL: no stored documents (the
	 * renormaliser re-maps bodies already pseudonymised). */
	const struct pseudonym_key *key;
};

/* One AdverseEvent. */
struct fhir_item {
	cJSON *report; /* the JSON report shape; owned */
	/* What the database keeps as the verbatim body: the AdverseEvent alone,
	 * or a collection Bundle of it and the resources it refers to, with the
	 * patient reference replaced by its pseudonym, Patient resources cut to
	 * gender and postcode district and resource narratives (text) dropped.
	 * NULL when ctx->key is NULL. Owned. */
	cJSON *stored;
	int entry;		/* index in Bundle.entry, -1 for a lone resource */
	const char *path;	/* "AdverseEvent" or "entry[3].resource", for messages */
	struct issues errors;	/* mapping problems, by FHIR path: reject the report */
	struct issues warnings; /* mapping notes, by FHIR path */
};

struct fhir_doc {
	struct fhir_item *items;
	size_t n;
	int bundle; /* the body was a Bundle */
	char bundle_type[24]; /* its Bundle.type as sent ("" when none or longer) */
	int n_entries;	      /* its Bundle.entry count, AdverseEvents or not */
};

/* Maps a parsed FHIR document. Returns 0 with *ret filled (release it with
 * fhir_doc_free()); -EINVAL when the document is not an AdverseEvent or a
 * Bundle holding at least one, with a reason in reason; -E2BIG when it holds
 * more than max_reports AdverseEvents; -ENOMEM. */
int fhir_map(const struct fhir_ctx *ctx, const cJSON *doc, size_t max_reports, struct arena *a,
	     struct fhir_doc *ret, char *reason, size_t reason_len);

/* Deletes the items' cJSON trees. Accepts a zeroed struct. */
void fhir_doc_free(struct fhir_doc *d);

#endif
