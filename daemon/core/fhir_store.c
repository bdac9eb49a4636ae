/* FHIR store: the verbatim body of a FHIR report (see fhir_store.h).
 *
 * Two passes over a copy: sanitise() rewrites what is known to point at the
 * patient (subject and patient references, contained and referenced Patient
 * resources, narratives), then scrub_strings() replaces any other value
 * equal to the clear ref or the old subject reference, wherever an
 * integrator put it (an identifier, an extension...). */
#include "fhir_store.h"
#include "arena.h"
#include "fhir_json.h"
#include "jsonstrict.h"
#include "pseudonym.h"

#include <stdbool.h>
#include <string.h>

struct scrub {
	const char *ref, *pseudonym;	   /* clear ref -> pseudonym */
	const char *subject, *subject_new; /* subject.reference -> its replacement */
};

/* Where a reference or an identifier can hold the patient's: Reference.reference
 * and every value ("value", "valueString", "valueIdentifier"...). Names,
 * types, URLs and codes are never rewritten, whatever they happen to equal. */
static bool carries_data(const char *key)
{
	return key && (strcmp(key, "reference") == 0 || strncmp(key, "value", 5) == 0);
}

/* Every string equal to the clear ref or the old subject reference under a
 * data-carrying key; array items inherit their array's key. */
static void scrub_strings(cJSON *node, const char *key, const struct scrub *s)
{
	cJSON *c = node ? node->child : NULL;
	while (c) {
		cJSON *next = c->next;
		const char *k = cJSON_IsArray(node) ? key : c->string;
		const char *to = NULL;
		if (cJSON_IsString(c) && carries_data(k)) {
			if (s->ref && strcmp(c->valuestring, s->ref) == 0)
				to = s->pseudonym;
			else if (s->subject && strcmp(c->valuestring, s->subject) == 0)
				to = s->subject_new;
		}
		/* ViaPointer would drop an object member's name */
		if (to && cJSON_IsObject(node))
			cJSON_ReplaceItemInObjectCaseSensitive(node, c->string,
							       cJSON_CreateString(to));
		else if (to)
			cJSON_ReplaceItemViaPointer(node, c, cJSON_CreateString(to));
		else
			scrub_strings(c, k, s);
		c = next;
	}
}

/* The AdverseEvent's own identifier is the report's client_ref: it stays as
 * sent even in the odd case that it equals the patient's, so the stored
 * document maps back to the same report. */
static void scrub_event(cJSON *ae, const struct scrub *s)
{
	for (cJSON *c = ae ? ae->child : NULL; c; c = c->next)
		if (!c->string || strcmp(c->string, "identifier") != 0)
			scrub_strings(c, c->string, s);
}

/* A Patient cut to what the report uses, under the pseudonym as its id. */
static cJSON *reduced_patient(const struct fhir_store_src *m, const cJSON *pat,
			      const char *pseudonym)
{
	cJSON *p = cJSON_CreateObject();
	const char *id = pseudonym ? pseudonym : fhir_str(pat, "id");

	cJSON_AddStringToObject(p, "resourceType", "Patient");
	if (id)
		cJSON_AddStringToObject(p, "id", id);
	if (fhir_str(pat, "gender"))
		cJSON_AddStringToObject(p, "gender", fhir_str(pat, "gender"));
	if (m->district && pat == m->patient) {
		cJSON *addr = cJSON_AddArrayToObject(p, "address");
		cJSON *a = cJSON_CreateObject();
		cJSON_AddStringToObject(a, "postalCode", m->district);
		cJSON_AddItemToArray(addr, a);
	}
	return p;
}

/* Narrative dropped, subject/patient references cut to their reference,
 * contained Patients reduced. */
static void sanitise(const struct fhir_store_src *m, cJSON *res, const char *pseudonym,
		     const char *new_subject)
{
	static const char *const refs[] = {"subject", "patient", NULL};
	cJSON *c, *contained = cJSON_GetObjectItemCaseSensitive(res, "contained");

	cJSON_DeleteItemFromObjectCaseSensitive(res, "text");
	for (const char *const *k = refs; *k; k++) {
		if (!cJSON_IsObject(json_get(res, *k)))
			continue;
		cJSON *r = cJSON_CreateObject();
		if (new_subject)
			cJSON_AddStringToObject(r, "reference", new_subject);
		cJSON_ReplaceItemInObjectCaseSensitive(res, *k, r);
	}
	cJSON_ArrayForEach(c, contained)
	{
		if (fhir_is_type(c, "Patient")) {
			cJSON *p = reduced_patient(m, c, pseudonym);
			cJSON_ReplaceItemViaPointer(contained, c, p);
			c = p;
		} else {
			cJSON_DeleteItemFromObjectCaseSensitive(c, "text");
		}
	}
}

static cJSON *stored_entry(const struct fhir_store_src *m, const cJSON *entry,
			   const char *pseudonym, const char *new_subject)
{
	const cJSON *res = json_get(entry, "resource");
	cJSON *e = cJSON_CreateObject();

	if (fhir_is_type(res, "Patient")) {
		if (!pseudonym && fhir_str(entry, "fullUrl"))
			cJSON_AddStringToObject(e, "fullUrl", fhir_str(entry, "fullUrl"));
		cJSON_AddItemToObject(e, "resource", reduced_patient(m, res, pseudonym));
		return e;
	}
	if (fhir_str(entry, "fullUrl"))
		cJSON_AddStringToObject(e, "fullUrl", fhir_str(entry, "fullUrl"));
	cJSON *copy = cJSON_Duplicate(res, 1);
	if (copy)
		sanitise(m, copy, pseudonym, new_subject);
	cJSON_AddItemToObject(e, "resource", copy);
	return e;
}

cJSON *fhir_store_build(const struct fhir_store_src *m, struct arena *a)
{
	char pseudonym[PSEUDONYM_HEX_LEN + 1];
	struct scrub s = {.ref = m->patient_ref, .subject = m->subject_reference};
	const char *new_subject = m->subject_reference;

	if (m->patient_ref) {
		if (pseudonym_derive(m->key, m->patient_ref, pseudonym) < 0)
			return NULL;
		s.pseudonym = pseudonym;
		new_subject = arena_printf(a, "Patient/%s", pseudonym);
		if (m->subject_reference && m->subject_reference[0] == '#')
			new_subject = arena_printf(a, "#%s", pseudonym);
		s.subject_new = new_subject;
	}
	cJSON *ae = cJSON_Duplicate(m->ae, 1);
	if (!ae)
		return NULL;
	sanitise(m, ae, s.pseudonym, new_subject);
	cJSON *doc = ae;
	if (m->bundle) {
		doc = cJSON_CreateObject();
		cJSON_AddStringToObject(doc, "resourceType", "Bundle");
		cJSON_AddStringToObject(doc, "type", "collection");
		cJSON *entries = cJSON_AddArrayToObject(doc, "entry");
		cJSON *first = cJSON_CreateObject();
		cJSON_AddItemToObject(first, "resource", ae);
		cJSON_AddItemToArray(entries, first);
		/* Another AdverseEvent (a suspectEntity may point at one) is a
		 * report of its own: storing it here would make two of this one. */
		for (size_t i = 0; i < m->n_used; i++)
			if (!fhir_is_type(json_get(m->used[i], "resource"), "AdverseEvent"))
				cJSON_AddItemToArray(
				    entries, stored_entry(m, m->used[i], s.pseudonym, new_subject));
	}
	if (m->patient_ref && doc == ae) {
		scrub_event(ae, &s);
	} else if (m->patient_ref) {
		cJSON *e = cJSON_GetObjectItemCaseSensitive(doc, "entry");
		scrub_event(ae, &s);
		for (cJSON *c = e && e->child ? e->child->next : NULL; c; c = c->next)
			scrub_strings(c, NULL, &s);
	}
	return doc;
}
