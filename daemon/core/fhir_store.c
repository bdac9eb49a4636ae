/* FHIR store: the verbatim body of a FHIR report (see fhir_store.h).
 *
 * Built, not pruned: each resource is an allow-listed copy (fhir_filter.c);
 * then the subject reference is rewritten to the pseudonym, the Patients the
 * mapping used are added cut to gender and district, and scrub_strings()
 * replaces any other value equal to the clear ref or the old subject
 * reference wherever an integrator put it (an identifier, an extension). */
#include "fhir_store.h"
#include "arena.h"
#include "fhir_filter.h"
#include "fhir_json.h"
#include "jsonstrict.h"
#include "pseudonym.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
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

/* The subject cut to its (pseudonymised) reference, and the contained
 * Patients the mapping used added back reduced. */
static void sanitise_event(const struct fhir_store_src *m, cJSON *ae, const char *pseudonym,
			   const char *new_subject)
{
	cJSON *contained = cJSON_GetObjectItemCaseSensitive(ae, "contained");

	if (cJSON_IsObject(json_get(ae, "subject"))) {
		cJSON *r = cJSON_CreateObject();
		if (new_subject)
			cJSON_AddStringToObject(r, "reference", new_subject);
		cJSON_ReplaceItemInObjectCaseSensitive(ae, "subject", r);
	}
	for (size_t i = 0; contained && i < m->n_contained; i++)
		if (fhir_is_type(m->contained[i], "Patient"))
			cJSON_AddItemToArray(contained,
					     reduced_patient(m, m->contained[i], pseudonym));
	if (contained && !contained->child)
		cJSON_DeleteItemFromObjectCaseSensitive(ae, "contained");
}

/* The index of entry in the Bundle, for paths in messages. */
static int entry_index(const cJSON *bundle, const cJSON *entry)
{
	const cJSON *e;
	int i = 0;

	cJSON_ArrayForEach(e, json_get(bundle, "entry"))
	{
		if (e == entry)
			return i;
		i++;
	}
	return -1;
}

/* A used entry as stored; NULL when its resource type is not kept (or on
 * out of memory, then f->rc is set). */
static cJSON *stored_entry(const struct fhir_store_src *m, struct fhir_filter *f,
			   const cJSON *entry, const char *pseudonym)
{
	const cJSON *res = json_get(entry, "resource");
	char path[48];
	cJSON *copy, *e;

	if (fhir_is_type(res, "Patient")) {
		copy = reduced_patient(m, res, pseudonym);
	} else if (fhir_filter_keeps(res)) {
		snprintf(path, sizeof(path), "entry[%d].resource", entry_index(m->bundle, entry));
		copy = fhir_filter_copy(f, res, path);
	} else {
		return NULL; /* a RelatedPerson, a Practitioner: nothing the report reads */
	}
	if (!copy || !(e = cJSON_CreateObject())) {
		cJSON_Delete(copy);
		f->rc = -ENOMEM;
		return NULL;
	}
	if (fhir_str(entry, "fullUrl") && !(pseudonym && fhir_is_type(res, "Patient")))
		cJSON_AddStringToObject(e, "fullUrl", fhir_str(entry, "fullUrl"));
	cJSON_AddItemToObject(e, "resource", copy);
	return e;
}

/* The collection Bundle of the event and the entries it used. Another
 * AdverseEvent (a suspectEntity may point at one) is a report of its own:
 * storing it here would make two of this one. */
static cJSON *stored_bundle(const struct fhir_store_src *m, struct fhir_filter *f, cJSON *ae,
			    const char *pseudonym)
{
	cJSON *doc = cJSON_CreateObject(), *first = cJSON_CreateObject(), *entries, *e;

	if (!doc || !first) {
		cJSON_Delete(doc);
		cJSON_Delete(first);
		cJSON_Delete(ae);
		return NULL;
	}
	cJSON_AddStringToObject(doc, "resourceType", "Bundle");
	cJSON_AddStringToObject(doc, "type", "collection");
	entries = cJSON_AddArrayToObject(doc, "entry");
	cJSON_AddItemToObject(first, "resource", ae);
	cJSON_AddItemToArray(entries, first);
	for (size_t i = 0; i < m->n_used; i++)
		if (!fhir_is_type(json_get(m->used[i], "resource"), "AdverseEvent") &&
		    (e = stored_entry(m, f, m->used[i], pseudonym)))
			cJSON_AddItemToArray(entries, e);
	return doc;
}

cJSON *fhir_store_build(const struct fhir_store_src *m, struct arena *a)
{
	char pseudonym[PSEUDONYM_HEX_LEN + 1];
	struct scrub s = {.ref = m->patient_ref, .subject = m->subject_reference};
	const char *new_subject = m->subject_reference;
	struct fhir_filter f = {.contained = m->contained,
				.n_contained = m->n_contained,
				.display_instance = m->display_instance,
				.errors = m->errors};

	if (m->patient_ref) {
		if (pseudonym_derive(m->key, m->patient_ref, pseudonym) < 0)
			return NULL;
		s.pseudonym = pseudonym;
		new_subject = arena_printf(a, "Patient/%s", pseudonym);
		if (m->subject_reference && m->subject_reference[0] == '#')
			new_subject = arena_printf(a, "#%s", pseudonym);
		s.subject_new = new_subject;
	}
	cJSON *ae = fhir_filter_copy(&f, m->ae, m->path ? m->path : "AdverseEvent");
	if (!ae)
		return NULL;
	sanitise_event(m, ae, s.pseudonym, new_subject);
	cJSON *doc = m->bundle ? stored_bundle(m, &f, ae, s.pseudonym) : ae;
	if (!doc || f.rc) {
		cJSON_Delete(doc);
		return NULL;
	}
	if (!m->patient_ref)
		return doc;
	scrub_event(ae, &s);
	cJSON *e = cJSON_GetObjectItemCaseSensitive(doc, "entry");
	for (cJSON *c = doc != ae && e && e->child ? e->child->next : NULL; c; c = c->next)
		scrub_strings(c, NULL, &s);
	return doc;
}
