/* FHIR filter: allow-listed copies of the resources a report keeps (see fhir_filter.h).
 *
 * Design: each kept resource type has a table of the elements the mapping
 * (fhir.c) reads, each with a kind saying how much of it to copy. The copy
 * is built up from the table, so an element nobody listed (note, text,
 * name, telecom, a display on a reference, whatever an integrator invents
 * next) never reaches storage. Strings that are free text (a concept's text
 * or display, a device name, our extensions' text values) are scanned for
 * identifiers on the way and refused under the path they were sent at. */
#include "fhir_filter.h"
#include "fhir_profile.h"
#include "fhir_json.h"
#include "identifying.h"
#include "jsonstrict.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define PATH_LEN 160

enum kind {
	K_STRING,    /* a primitive (date, code, id): copied when not an object or array */
	K_CONCEPT,   /* CodeableConcept: coding[] {system, code, display}, text */
	K_CONCEPTS,  /* an array of them */
	K_REF,	     /* Reference: reference only */
	K_REFS,	     /* an array of them */
	K_IDENTS,    /* Identifier or an array of them: system, value */
	K_META,	     /* versionId only */
	K_EXTENSION, /* our extensions only, whole */
	K_PERIOD,    /* start, end */
	K_PERFORMER, /* [{function, actor}] */
	K_FOCAL,     /* [{manipulated}] */
	K_DEVNAME,   /* [{name, type}] */
	K_SUSPECT,   /* [{instance}] */
	K_CONTAINED, /* the used ones, each filtered */
};

struct element {
	const char *name;
	enum kind kind;
};

/* clang-format off */
static const struct element adverse_event[] = {
	{"resourceType", K_STRING}, {"id", K_STRING}, {"meta", K_META},
	{"identifier", K_IDENTS}, {"extension", K_EXTENSION}, {"actuality", K_STRING},
	{"event", K_CONCEPT}, {"subject", K_REF}, {"date", K_STRING}, {"detected", K_STRING},
	{"location", K_REF}, {"seriousness", K_CONCEPT}, {"severity", K_CONCEPT},
	{"outcome", K_CONCEPT}, {"suspectEntity", K_SUSPECT}, {"contained", K_CONTAINED},
	{NULL, K_STRING}
};

static const struct element procedure[] = {
	{"resourceType", K_STRING}, {"id", K_STRING}, {"extension", K_EXTENSION},
	{"code", K_CONCEPT}, {"performedDateTime", K_STRING}, {"performedPeriod", K_PERIOD},
	{"performer", K_PERFORMER}, {"location", K_REF}, {"bodySite", K_CONCEPTS},
	{"focalDevice", K_FOCAL}, {"usedReference", K_REFS}, {"usedCode", K_CONCEPTS},
	{NULL, K_STRING}
};

static const struct element device[] = {
	{"resourceType", K_STRING}, {"id", K_STRING}, {"type", K_CONCEPT},
	{"deviceName", K_DEVNAME}, {NULL, K_STRING}
};

static const struct element location[] = {
	{"resourceType", K_STRING}, {"id", K_STRING}, {"type", K_CONCEPTS},
	{"identifier", K_IDENTS}, {NULL, K_STRING}
};

static const struct element practitioner_role[] = {
	{"resourceType", K_STRING}, {"id", K_STRING}, {"code", K_CONCEPTS}, {NULL, K_STRING}
};
/* clang-format on */

static const struct {
	const char *type;
	const struct element *elements;
} RESOURCES[] = {
    {"AdverseEvent", adverse_event},
    {"Procedure", procedure},
    {"Device", device},
    {"Location", location},
    {"PractitionerRole", practitioner_role},
};

static const struct element *elements_of(const cJSON *res)
{
	for (size_t i = 0; i < sizeof(RESOURCES) / sizeof(RESOURCES[0]); i++)
		if (fhir_is_type(res, RESOURCES[i].type))
			return RESOURCES[i].elements;
	return NULL;
}

bool fhir_filter_keeps(const cJSON *res)
{
	return elements_of(res) != NULL;
}

/* ---- helpers ------------------------------------------------------------ */

/* base.key or base.key[idx]; a path deeper than any FHIR report is cut. */
static void path_at(char *buf, const char *base, const char *key, int idx)
{
	if (idx >= 0)
		snprintf(buf, PATH_LEN, "%.100s.%.40s[%d]", base, key, idx);
	else
		snprintf(buf, PATH_LEN, "%.100s.%.40s", base, key);
}

/* Free text kept in the stored document: refused when it holds an identifier. */
static void scan(struct fhir_filter *f, const char *path, const char *s)
{
	enum identifying_kind k = identifying_scan(s);

	if (k != IDENTIFYING_NONE &&
	    issues_add(f->errors, path,
		       "contains what looks like %s; identifying data must not be sent",
		       identifying_kind_text(k)) < 0)
		f->rc = -ENOMEM;
}

/* Adds v to out under key (key NULL: out is an array). v NULL means out of
 * memory. False when it was not added. */
static bool put(struct fhir_filter *f, cJSON *out, const char *key, cJSON *v)
{
	if (v && (key ? cJSON_AddItemToObject(out, key, v) : cJSON_AddItemToArray(out, v)))
		return true;
	cJSON_Delete(v);
	f->rc = -ENOMEM;
	return false;
}

static cJSON *new_object(struct fhir_filter *f)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		f->rc = -ENOMEM;
	return o;
}

/* A string member copied, scanned first when it is free text. */
static void copy_str(struct fhir_filter *f, cJSON *out, const cJSON *in, const char *key,
		     const char *base, bool free_text)
{
	const cJSON *v = json_get(in, key);
	char path[PATH_LEN];

	if (!cJSON_IsString(v))
		return;
	if (free_text) {
		path_at(path, base, key, -1);
		scan(f, path, v->valuestring);
	}
	put(f, out, key, cJSON_CreateString(v->valuestring));
}

typedef cJSON *copy_fn(struct fhir_filter *f, const cJSON *in, const char *path);

/* Each object item of the array in (at base.key) through one. */
static cJSON *array_of(struct fhir_filter *f, const cJSON *in, const char *base, const char *key,
		       copy_fn *one)
{
	cJSON *out = cJSON_CreateArray();
	char p[PATH_LEN];
	const cJSON *c;
	int i = 0;

	cJSON_ArrayForEach(c, in)
	{
		path_at(p, base, key, i++);
		if (out && cJSON_IsObject(c))
			put(f, out, NULL, one(f, c, p));
	}
	return out;
}

static cJSON *concept(struct fhir_filter *f, const cJSON *in, const char *path)
{
	cJSON *out = new_object(f);
	const cJSON *codings = json_get(in, "coding");

	if (out && cJSON_IsArray(codings)) {
		char p[PATH_LEN];
		const cJSON *c;
		int i = 0;
		cJSON *arr = cJSON_CreateArray();
		put(f, out, "coding", arr);
		cJSON_ArrayForEach(c, codings)
		{
			cJSON *o = new_object(f);
			path_at(p, path, "coding", i++);
			if (!arr || !o || !put(f, arr, NULL, o))
				continue;
			copy_str(f, o, c, "system", p, false);
			copy_str(f, o, c, "code", p, false);
			copy_str(f, o, c, "display", p, true);
		}
	}
	if (out)
		copy_str(f, out, in, "text", path, true);
	return out;
}

/* A Reference without its display: the patient's name is put there. */
static cJSON *reference(struct fhir_filter *f, const cJSON *in, const char *path)
{
	cJSON *out = new_object(f);
	if (out)
		copy_str(f, out, in, "reference", path, false);
	return out;
}

static cJSON *identifier(struct fhir_filter *f, const cJSON *in, const char *path)
{
	cJSON *out = new_object(f);
	if (out) {
		copy_str(f, out, in, "system", path, false);
		copy_str(f, out, in, "value", path, false);
	}
	return out;
}

static cJSON *performer(struct fhir_filter *f, const cJSON *in, const char *path)
{
	cJSON *out = new_object(f);
	char p[PATH_LEN];

	if (out && cJSON_IsObject(json_get(in, "function"))) {
		path_at(p, path, "function", -1);
		put(f, out, "function", concept(f, json_get(in, "function"), p));
	}
	if (out && cJSON_IsObject(json_get(in, "actor")))
		put(f, out, "actor", reference(f, json_get(in, "actor"), path));
	return out;
}

static cJSON *focal_device(struct fhir_filter *f, const cJSON *in, const char *path)
{
	cJSON *out = new_object(f);
	if (out && cJSON_IsObject(json_get(in, "manipulated")))
		put(f, out, "manipulated", reference(f, json_get(in, "manipulated"), path));
	return out;
}

static cJSON *device_name(struct fhir_filter *f, const cJSON *in, const char *path)
{
	cJSON *out = new_object(f);
	if (out) {
		copy_str(f, out, in, "name", path, true);
		copy_str(f, out, in, "type", path, false);
	}
	return out;
}

/* The instance's display is kept only where the mapping read it. */
static cJSON *suspect(struct fhir_filter *f, const cJSON *in, const char *path)
{
	const cJSON *inst = json_get(in, "instance");
	cJSON *out = new_object(f), *ref;
	char p[PATH_LEN];

	if (!out || !cJSON_IsObject(inst))
		return out;
	path_at(p, path, "instance", -1);
	ref = reference(f, inst, p);
	if (ref && inst == f->display_instance)
		copy_str(f, ref, inst, "display", p, true);
	put(f, out, "instance", ref);
	return out;
}

static bool is_ours(const cJSON *ext)
{
	const char *url = fhir_str(ext, "url");
	return url && strncmp(url, FHIR_EXTENSION_BASE, strlen(FHIR_EXTENSION_BASE)) == 0;
}

/* Our extensions, whole; their text values scanned where they were sent.
 * Anyone else's are dropped: nothing reads them. */
static cJSON *extensions(struct fhir_filter *f, const cJSON *in, const char *base)
{
	static const char *const text_keys[] = {"valueString", "valueMarkdown", NULL};
	cJSON *out = cJSON_CreateArray();
	char p[PATH_LEN], q[PATH_LEN];
	const cJSON *e;
	int i = 0;

	cJSON_ArrayForEach(e, in)
	{
		path_at(p, base, "extension", i++);
		if (!out || !is_ours(e))
			continue;
		for (const char *const *k = text_keys; *k; k++) {
			path_at(q, p, *k, -1);
			if (fhir_str(e, *k))
				scan(f, q, fhir_str(e, *k));
		}
		if (cJSON_IsObject(json_get(e, "valueCodeableConcept"))) {
			path_at(q, p, "valueCodeableConcept", -1);
			cJSON_Delete(concept(f, json_get(e, "valueCodeableConcept"), q));
		}
		put(f, out, NULL, cJSON_Duplicate(e, /* recurse= */ 1));
	}
	return out;
}

static bool used_contained(const struct fhir_filter *f, const cJSON *res)
{
	for (size_t i = 0; i < f->n_contained; i++)
		if (f->contained[i] == res)
			return true;
	return false;
}

static cJSON *contained(struct fhir_filter *f, const cJSON *in, const char *base)
{
	cJSON *out = cJSON_CreateArray();
	char p[PATH_LEN];
	const cJSON *c;
	int i = 0;

	cJSON_ArrayForEach(c, in)
	{
		path_at(p, base, "contained", i++);
		if (out && used_contained(f, c) && fhir_filter_keeps(c))
			put(f, out, NULL, fhir_filter_copy(f, c, p));
	}
	return out;
}

static cJSON *object_of(struct fhir_filter *f, const cJSON *in, const char *const *keys,
			const char *path)
{
	cJSON *out = new_object(f);
	for (; out && *keys; keys++)
		copy_str(f, out, in, *keys, path, false);
	return out;
}

static void copy_element(struct fhir_filter *f, cJSON *out, const cJSON *v,
			 const struct element *el, const char *base)
{
	static const char *const meta_keys[] = {"versionId", NULL};
	static const char *const period_keys[] = {"start", "end", NULL};
	const char *key = el->name;
	char p[PATH_LEN];
	bool obj = cJSON_IsObject(v), arr = cJSON_IsArray(v);

	path_at(p, base, key, -1);
	if (el->kind == K_STRING && !obj && !arr)
		put(f, out, key, cJSON_Duplicate(v, 0));
	else if (el->kind == K_CONCEPT && obj)
		put(f, out, key, concept(f, v, p));
	else if (el->kind == K_REF && obj)
		put(f, out, key, reference(f, v, p));
	else if (el->kind == K_META && obj)
		put(f, out, key, object_of(f, v, meta_keys, p));
	else if (el->kind == K_PERIOD && obj)
		put(f, out, key, object_of(f, v, period_keys, p));
	else if (el->kind == K_IDENTS && obj)
		put(f, out, key, identifier(f, v, p));
	else if (!arr)
		return;
	else if (el->kind == K_IDENTS)
		put(f, out, key, array_of(f, v, base, key, identifier));
	else if (el->kind == K_CONCEPTS)
		put(f, out, key, array_of(f, v, base, key, concept));
	else if (el->kind == K_REFS)
		put(f, out, key, array_of(f, v, base, key, reference));
	else if (el->kind == K_PERFORMER)
		put(f, out, key, array_of(f, v, base, key, performer));
	else if (el->kind == K_FOCAL)
		put(f, out, key, array_of(f, v, base, key, focal_device));
	else if (el->kind == K_DEVNAME)
		put(f, out, key, array_of(f, v, base, key, device_name));
	else if (el->kind == K_SUSPECT)
		put(f, out, key, array_of(f, v, base, key, suspect));
	else if (el->kind == K_EXTENSION)
		put(f, out, key, extensions(f, v, base));
	else if (el->kind == K_CONTAINED)
		put(f, out, key, contained(f, v, base));
}

cJSON *fhir_filter_copy(struct fhir_filter *f, const cJSON *res, const char *path)
{
	const struct element *el = elements_of(res);
	cJSON *out;

	if (!el || !(out = new_object(f)))
		return NULL;
	for (; el->name; el++) {
		const cJSON *v = json_get(res, el->name);
		if (v)
			copy_element(f, out, v, el, path);
	}
	return out;
}
