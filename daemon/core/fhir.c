/* FHIR: AdverseEvent (R4) into the JSON report shape.
 *
 * Design: a mapper walks one AdverseEvent, resolving the references it
 * follows (subject, suspectEntity, location, performer) against the
 * resource's contained resources and the enclosing Bundle's entries, and
 * remembers which entries it used: those, and nothing else from the Bundle,
 * become the stored document beside the AdverseEvent. The mapper never
 * judges a value (dates, codes, ranges): it copies text into the report
 * shape and normalise_report() decides, so FHIR, CSV and JSON reports are
 * held to one set of rules. It only refuses what has no report at all:
 * no identifier, a potential (avoided) event, no event. */
#include "fhir.h"
#include "arena.h"
#include "fhir_json.h"
#include "fhir_store.h"
#include "jsonstrict.h"
#include "vocab.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_USED 16 /* referenced entries kept per AdverseEvent */
#define PATH_LEN 96

struct mapper {
	const struct fhir_ctx *ctx;
	struct arena *a;
	const cJSON *bundle; /* the enclosing Bundle, or NULL */
	const cJSON *ae;
	struct fhir_item *it;
	cJSON *report, *procedure, *patient, *complication;
	const cJSON *used[MAX_USED]; /* Bundle entries referred to */
	size_t n_used;
	const cJSON *contained[MAX_USED]; /* contained resources referred to */
	size_t n_contained;
	const cJSON *display_instance; /* the suspectEntity.instance read for its display */
	const cJSON *patient_res;      /* the subject's Patient resource, if at hand */
	const char *patient_ref;       /* clear patient ref, NULL when none */
	const char *subject_reference; /* subject.reference as sent */
	const char *district;	       /* from Patient.address, outward code */
	int rc;			       /* sticky -ENOMEM */
};

/* ---- small helpers --------------------------------------------------------- */

static void note(struct mapper *m, struct issues *list, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void note(struct mapper *m, struct issues *list, const char *field, const char *fmt, ...)
{
	char path[PATH_LEN], msg[256];
	va_list ap;

	snprintf(path, sizeof(path), "%s%s%s", m->it->path, *field ? "." : "", field);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (issues_add(list, path, "%s", msg) < 0)
		m->rc = -ENOMEM;
}

static void put_str(struct mapper *m, cJSON *obj, const char *key, const char *s)
{
	if (!s || !*s || json_get(obj, key))
		return; /* the first source of a member wins */
	if (!cJSON_AddStringToObject(obj, key, s))
		m->rc = -ENOMEM;
}

static void put_item(struct mapper *m, cJSON *obj, const char *key, cJSON *v)
{
	if (!v)
		return;
	if (json_get(obj, key)) {
		cJSON_Delete(v);
	} else if (!cJSON_AddItemToObject(obj, key, v)) {
		cJSON_Delete(v);
		m->rc = -ENOMEM;
	}
}

/* ---- references ------------------------------------------------------------ */

static void remember(struct mapper *m, const cJSON *entry)
{
	for (size_t i = 0; i < m->n_used; i++)
		if (m->used[i] == entry)
			return;
	if (m->n_used < MAX_USED)
		m->used[m->n_used++] = entry;
}

static void remember_contained(struct mapper *m, const cJSON *res)
{
	for (size_t i = 0; i < m->n_contained; i++)
		if (m->contained[i] == res)
			return;
	if (m->n_contained < MAX_USED)
		m->contained[m->n_contained++] = res;
}

/* The resource a Reference points at: contained (#id) or a Bundle entry. */
static const cJSON *resolve(struct mapper *m, const cJSON *reference)
{
	const char *ref = fhir_str(reference, "reference");
	const cJSON *e;

	if (!ref)
		return NULL;
	if (ref[0] == '#') {
		cJSON_ArrayForEach(e, json_get(m->ae, "contained"))
		{
			const char *id = fhir_str(e, "id");
			if (id && strcmp(id, ref + 1) == 0) {
				remember_contained(m, e);
				return e;
			}
		}
		return NULL;
	}
	cJSON_ArrayForEach(e, json_get(m->bundle, "entry"))
	{
		if (fhir_ref_matches(ref, e)) {
			remember(m, e);
			return json_get(e, "resource");
		}
	}
	return NULL;
}

/* ---- concepts and extensions ----------------------------------------------- */

static bool known(const struct mapper *m, enum vocab_field field, const char *s)
{
	return s && field < VOCAB_FIELD_COUNT && vocab_lookup(m->ctx->vocab, field, s);
}

/* The wording of a CodeableConcept to normalise: the first display or code
 * the vocabulary knows for field (VOCAB_FIELD_COUNT: no vocabulary), else
 * text, first display, first code. */
static const char *concept_term(const struct mapper *m, const cJSON *cc, enum vocab_field field)
{
	const char *first_display = NULL, *first_code = NULL, *text = fhir_str(cc, "text");
	const cJSON *c;

	cJSON_ArrayForEach(c, json_get(cc, "coding"))
	{
		const char *d = fhir_str(c, "display"), *code = fhir_str(c, "code");
		if (known(m, field, d))
			return d;
		if (known(m, field, code))
			return code;
		first_display = first_display ? first_display : d;
		first_code = first_code ? first_code : code;
	}
	if (known(m, field, text))
		return text;
	return text ? text : first_display ? first_display : first_code;
}

static bool is_extension(const cJSON *e, const char *name)
{
	const char *url = fhir_str(e, "url");
	size_t n = strlen(FHIR_EXTENSION_BASE);
	return url && strncmp(url, FHIR_EXTENSION_BASE, n) == 0 && strcmp(url + n, name) == 0;
}

/* Our extension named name on res (the AdverseEvent first, then proc). */
static const cJSON *extension(const struct mapper *m, const cJSON *proc, const char *name)
{
	const cJSON *e;
	cJSON_ArrayForEach(e, json_get(m->ae, "extension"))
	{
		if (is_extension(e, name))
			return e;
	}
	cJSON_ArrayForEach(e, json_get(proc, "extension"))
	{
		if (is_extension(e, name))
			return e;
	}
	return NULL;
}

/* An extension's value as report JSON: text, a number, a boolean. */
static cJSON *ext_value(const struct mapper *m, const cJSON *e, enum vocab_field field)
{
	static const char *const text_keys[] = {"valueString",	 "valueCode",	  "valueDate",
						"valueDateTime", "valueMarkdown", NULL};
	const cJSON *v;

	for (const char *const *k = text_keys; *k; k++)
		if (fhir_str(e, *k))
			return cJSON_CreateString(fhir_str(e, *k));
	if (cJSON_IsNumber(v = json_get(e, "valueInteger")) ||
	    cJSON_IsNumber(v = json_get(e, "valuePositiveInt")) ||
	    cJSON_IsNumber(v = json_get(e, "valueUnsignedInt")))
		return cJSON_CreateNumber(v->valuedouble);
	if (cJSON_IsBool(v = json_get(e, "valueBoolean")))
		return cJSON_CreateBool(cJSON_IsTrue(v));
	if ((v = json_get(e, "valueCodeableConcept"))) {
		const char *t = concept_term(m, v, field);
		return t ? cJSON_CreateString(t) : NULL;
	}
	if ((v = json_get(e, "valueIdentifier")) && fhir_str(v, "value"))
		return cJSON_CreateString(fhir_str(v, "value"));
	return NULL;
}

/* Copies extension name (if present) into obj.key. */
static void take_ext(struct mapper *m, const cJSON *proc, cJSON *obj, const char *key,
		     const char *name, enum vocab_field field)
{
	const cJSON *e = extension(m, proc, name);
	if (e)
		put_item(m, obj, key, ext_value(m, e, field));
}

/* A repeatable extension into an array of strings. */
static void take_ext_list(struct mapper *m, cJSON *obj, const char *key, const char *name)
{
	cJSON *arr = NULL;
	const cJSON *e;

	cJSON_ArrayForEach(e, json_get(m->ae, "extension"))
	{
		if (!is_extension(e, name))
			continue;
		const char *t = fhir_str(e, "valueString");
		if (!t && json_get(e, "valueCodeableConcept"))
			t = fhir_concept_text(json_get(e, "valueCodeableConcept"));
		if (!t || (!arr && !(arr = cJSON_CreateArray())))
			continue;
		cJSON_AddItemToArray(arr, cJSON_CreateString(t));
	}
	put_item(m, obj, key, arr);
}

/* The date part of a FHIR date or dateTime ("2026-11-02T10:00:00Z"), in the
 * arena; other shapes are passed on whole for normalisation to refuse. */
static const char *date_part(struct mapper *m, const char *s)
{
	if (!s)
		return NULL;
	const char *t = strchr(s, 'T');
	return t ? arena_strndup(m->a, s, (size_t)(t - s)) : s;
}

/* ---- the report's sections -------------------------------------------------- */

static void map_header(struct mapper *m)
{
	const cJSON *ident = json_get(m->ae, "identifier");
	const cJSON *meta = json_get(m->ae, "meta");
	const char *ref, *vid, *actuality = fhir_str(m->ae, "actuality");

	if (cJSON_IsArray(ident))
		ident = cJSON_GetArrayItem(ident, 0);
	ref = fhir_str(ident, "value") ? fhir_str(ident, "value") : fhir_str(m->ae, "id");
	if (!ref)
		note(m, &m->it->errors, "identifier", "is required (or id): it is the client_ref");
	put_str(m, m->report, "client_ref", ref);
	take_ext(m, NULL, m->report, "version", "version", VOCAB_FIELD_COUNT);
	vid = fhir_str(meta, "versionId");
	if (vid && strspn(vid, "0123456789") == strlen(vid) && strlen(vid) < 7)
		put_item(m, m->report, "version", cJSON_CreateNumber(atoi(vid)));
	take_ext(m, NULL, m->report, "reporter_role", "reporter-role", VOCAB_FIELD_COUNT);
	/* FHIR arrives from hospital systems, which mostly see complications of
	 * procedures done elsewhere. */
	put_str(m, m->report, "reporter_role", "treating_clinician");
	take_ext(m, NULL, m->report, "narrative", "narrative", VOCAB_FIELD_COUNT);
	if (actuality && strcmp(actuality, "potential") == 0)
		note(m, &m->it->errors, "actuality",
		     "a potential (avoided) event is not a complication and is not stored");
}

/* "Patient/123", ".../Patient/123/_history/2" -> "123"; NULL for contained
 * and urn:uuid: references, which name nothing outside this message. */
static const char *reference_id(struct mapper *m, const char *ref)
{
	const char *p = NULL, *q;
	if (!ref || ref[0] == '#' || strncmp(ref, "urn:", 4) == 0)
		return NULL;
	for (q = strstr(ref, "Patient/"); q; q = strstr(q + 1, "Patient/"))
		p = q + strlen("Patient/");
	if (!p || !*p)
		return NULL;
	return arena_strndup(m->a, p, strcspn(p, "/"));
}

static const char *patient_ref(struct mapper *m, const cJSON *subject)
{
	const cJSON *ident = json_get(subject, "identifier");
	const char *ref = fhir_str(ident, "value");
	if (!ref && m->patient_res) {
		ident = json_get(m->patient_res, "identifier");
		ref =
		    fhir_str(cJSON_IsArray(ident) ? cJSON_GetArrayItem(ident, 0) : ident, "value");
	}
	return ref ? ref : reference_id(m, m->subject_reference);
}

static void map_patient(struct mapper *m)
{
	const cJSON *subject = json_get(m->ae, "subject");
	const cJSON *pat = resolve(m, subject);

	m->subject_reference = fhir_str(subject, "reference");
	m->patient_res = fhir_is_type(pat, "Patient") ? pat : NULL;
	m->patient_ref = patient_ref(m, subject);
	if (m->patient_res) {
		const cJSON *addr = cJSON_GetArrayItem(json_get(m->patient_res, "address"), 0);
		char district[8];
		if (fhir_outward_code(fhir_str(addr, "postalCode"), district, sizeof(district)) ==
		    0)
			m->district = arena_strdup(m->a, district);
	}
	take_ext(m, NULL, m->patient, "age_band", "age-band", VOCAB_FIELD_COUNT);
	take_ext(m, NULL, m->patient, "sex", "sex", VOCAB_SEX);
	put_str(m, m->patient, "sex", fhir_str(m->patient_res, "gender"));
	take_ext(m, NULL, m->patient, "fitzpatrick", "fitzpatrick", VOCAB_FIELD_COUNT);
	take_ext_list(m, m->patient, "history", "history");
	put_str(m, m->patient, "ref", m->patient_ref);
	take_ext(m, NULL, m->patient, "postcode_district", "postcode-district", VOCAB_FIELD_COUNT);
	put_str(m, m->patient, "postcode_district", m->district);
}

static const char *device_term(const struct mapper *m, const cJSON *dev)
{
	const char *t = concept_term(m, json_get(dev, "type"), VOCAB_DEVICE);
	return t ? t : fhir_str(cJSON_GetArrayItem(json_get(dev, "deviceName"), 0), "name");
}

/* The procedure and device under suspicion, from suspectEntity. */
static const cJSON *suspects(struct mapper *m, const cJSON **ret_device, const char **ret_display)
{
	const cJSON *proc = NULL, *se;

	cJSON_ArrayForEach(se, json_get(m->ae, "suspectEntity"))
	{
		const cJSON *inst = json_get(se, "instance");
		const cJSON *res = resolve(m, inst);
		const char *ref = fhir_str(inst, "reference");
		if (fhir_is_type(res, "Procedure") && !proc)
			proc = res;
		else if (fhir_is_type(res, "Device") && !*ret_device)
			*ret_device = res;
		else if (!res && (!ref || strncmp(ref, "Procedure/", 10) == 0) && !*ret_display &&
			 (*ret_display = fhir_str(inst, "display")))
			m->display_instance = inst;
	}
	return proc;
}

static void map_role(struct mapper *m, const cJSON *proc)
{
	const cJSON *perf;

	take_ext(m, proc, m->procedure, "practitioner_role", "practitioner-role",
		 VOCAB_PRACTITIONER_ROLE);
	cJSON_ArrayForEach(perf, json_get(proc, "performer"))
	{
		const cJSON *actor = resolve(m, json_get(perf, "actor"));
		const char *t =
		    concept_term(m, json_get(perf, "function"), VOCAB_PRACTITIONER_ROLE);
		if (!t && fhir_is_type(actor, "PractitionerRole"))
			t = concept_term(m, cJSON_GetArrayItem(json_get(actor, "code"), 0),
					 VOCAB_PRACTITIONER_ROLE);
		put_str(m, m->procedure, "practitioner_role", t);
	}
}

static void map_device(struct mapper *m, const cJSON *proc, const cJSON *suspect_device)
{
	const cJSON *x;

	take_ext(m, proc, m->procedure, "device", "device", VOCAB_DEVICE);
	cJSON_ArrayForEach(x, json_get(proc, "focalDevice"))
	{
		const cJSON *dev = resolve(m, json_get(x, "manipulated"));
		if (fhir_is_type(dev, "Device"))
			put_str(m, m->procedure, "device", device_term(m, dev));
	}
	cJSON_ArrayForEach(x, json_get(proc, "usedReference"))
	{
		const cJSON *dev = resolve(m, x);
		if (fhir_is_type(dev, "Device"))
			put_str(m, m->procedure, "device", device_term(m, dev));
	}
	if (suspect_device)
		put_str(m, m->procedure, "device", device_term(m, suspect_device));
}

/* A list of concept texts (bodySite, usedCode) into obj.key. */
static void put_concepts(struct mapper *m, cJSON *obj, const char *key, const cJSON *arr)
{
	cJSON *out = NULL;
	const cJSON *c;
	cJSON_ArrayForEach(c, arr)
	{
		const char *t = fhir_concept_text(c);
		if (t && (out || (out = cJSON_CreateArray())))
			cJSON_AddItemToArray(out, cJSON_CreateString(t));
	}
	put_item(m, obj, key, out);
}

static void map_depth(struct mapper *m, const cJSON *proc)
{
	const cJSON *e = extension(m, proc, "needle-depth");
	const cJSON *q = json_get(e, "valueQuantity");
	const cJSON *v = json_get(q, "value");

	if (!e)
		return;
	if (cJSON_IsNumber(v)) {
		const char *unit = fhir_str(q, "code") ? fhir_str(q, "code") : fhir_str(q, "unit");
		const char *t = arena_printf(m->a, "%g %s", v->valuedouble, unit ? unit : "mm");
		put_str(m, m->procedure, "needle_depth", t);
	} else if (cJSON_IsNumber(v = json_get(e, "valueDecimal"))) {
		put_item(m, m->procedure, "needle_depth", cJSON_CreateNumber(v->valuedouble));
	} else {
		put_str(m, m->procedure, "needle_depth", fhir_str(e, "valueString"));
	}
}

/* Where it was done: our setting extension, else the Location's type; a
 * Location identified in our premises-code system names a registered one. */
static void map_place(struct mapper *m, const cJSON *proc)
{
	const cJSON *loc = resolve(m, json_get(m->ae, "location")), *id;

	if (!fhir_is_type(loc, "Location"))
		loc = resolve(m, json_get(proc, "location"));
	take_ext(m, proc, m->procedure, "setting", "setting", VOCAB_SETTING);
	take_ext(m, proc, m->procedure, "premises_code", "premises-code", VOCAB_FIELD_COUNT);
	if (!fhir_is_type(loc, "Location"))
		return;
	cJSON_ArrayForEach(id, json_get(loc, "type"))
	{
		put_str(m, m->procedure, "setting", concept_term(m, id, VOCAB_SETTING));
	}
	cJSON_ArrayForEach(id, json_get(loc, "identifier"))
	{
		const char *sys = fhir_str(id, "system");
		if (sys && strcmp(sys, FHIR_PREMISES_SYSTEM) == 0)
			put_str(m, m->procedure, "premises_code", fhir_str(id, "value"));
	}
}

/* No procedure date from any source: HL7's own AdverseEvent example (a
 * medication event, no Procedure at all) is the commonest real case, so
 * the error names both ways to supply one and where each goes. */
static void missing_procedure(struct mapper *m, const cJSON *proc)
{
	if (proc)
		note(m, &m->it->errors, "suspectEntity",
		     "the suspect Procedure has no date: add performedDateTime to it, or the "
		     "extension " FHIR_EXTENSION_BASE "procedure-date (valueDate)");
	else
		note(m, &m->it->errors, "suspectEntity",
		     "no Procedure linked: add suspectEntity.instance referring to a Procedure "
		     "with performedDateTime, or the extension " FHIR_EXTENSION_BASE
		     "procedure-date (valueDate)");
}

static void map_procedure(struct mapper *m)
{
	const cJSON *device = NULL;
	const char *display = NULL, *date;
	const cJSON *proc = suspects(m, &device, &display);

	take_ext(m, proc, m->procedure, "date", "procedure-date", VOCAB_FIELD_COUNT);
	date = fhir_str(proc, "performedDateTime");
	date = date ? date : fhir_str(json_get(proc, "performedPeriod"), "start");
	put_str(m, m->procedure, "date", date_part(m, date));
	put_str(m, m->procedure, "type",
		concept_term(m, json_get(proc, "code"), VOCAB_PROCEDURE_TYPE));
	put_str(m, m->procedure, "type", display);
	map_role(m, proc);
	map_device(m, proc, device);
	map_depth(m, proc);
	put_concepts(m, m->procedure, "areas", json_get(proc, "bodySite"));
	put_concepts(m, m->procedure, "products", json_get(proc, "usedCode"));
	take_ext(m, proc, m->procedure, "sterile_single_use_cartridge",
		 "sterile-single-use-cartridge", VOCAB_FIELD_COUNT);
	take_ext(m, proc, m->procedure, "antiviral_prophylaxis", "antiviral-prophylaxis",
		 VOCAB_FIELD_COUNT);
	map_place(m, proc);
	if (!json_get(m->procedure, "date"))
		missing_procedure(m, proc);
}

/* ---- the complication -------------------------------------------------------- */

static void map_seriousness(struct mapper *m)
{
	const cJSON *cc = json_get(m->ae, "seriousness"), *c;
	int v = -1;

	if (!cc)
		return;
	cJSON_ArrayForEach(c, json_get(cc, "coding"))
	{
		if (v < 0)
			v = fhir_seriousness(fhir_str(c, "code"));
		if (v < 0)
			v = fhir_seriousness(fhir_str(c, "display"));
	}
	if (v < 0)
		v = fhir_seriousness(fhir_str(cc, "text"));
	if (v < 0)
		note(m, &m->it->warnings, "seriousness", "not understood; left unknown");
	else
		put_item(m, m->complication, "serious", cJSON_CreateBool(v));
}

/* onset_days: from the procedure to AdverseEvent.date (else .detected). */
static void map_onset(struct mapper *m)
{
	const char *field = "date", *when = fhir_str(m->ae, "date");
	const char *proc_date = fhir_str(m->procedure, "date");
	long days;

	if (!when) {
		field = "detected";
		when = fhir_str(m->ae, "detected");
	}
	if (!when || !proc_date)
		return;
	if (fhir_days_between(when, proc_date, &days) < 0) {
		note(m, &m->it->warnings, field,
		     "onset not computed: needs full dates here and for the procedure");
		return;
	}
	if (days < 0) {
		note(m, &m->it->errors, field, "is before the procedure date");
		return;
	}
	put_item(m, m->complication, "onset_days", cJSON_CreateNumber((double)days));
}

static void map_complication(struct mapper *m)
{
	const char *t = concept_term(m, json_get(m->ae, "event"), VOCAB_COMPLICATION);

	if (!t)
		note(m, &m->it->errors, "event", "is required: it is the complication");
	put_str(m, m->complication, "type", t);
	map_onset(m);
	take_ext(m, NULL, m->complication, "duration_days", "duration-days", VOCAB_FIELD_COUNT);
	map_seriousness(m);
	put_str(m, m->complication, "severity",
		concept_term(m, json_get(m->ae, "severity"), VOCAB_SEVERITY));
	put_str(m, m->complication, "outcome",
		concept_term(m, json_get(m->ae, "outcome"), VOCAB_OUTCOME));
	take_ext_list(m, m->complication, "treatment", "treatment");
}

/* ---- driver ---------------------------------------------------------------------- */

static int map_one(const struct fhir_ctx *ctx, struct arena *a, const cJSON *bundle,
		   const cJSON *ae, int entry, struct fhir_item *it)
{
	struct mapper m = {.ctx = ctx, .a = a, .bundle = bundle, .ae = ae, .it = it};

	it->entry = entry;
	it->path = entry < 0 ? "AdverseEvent" : arena_printf(a, "entry[%d].resource", entry);
	issues_init(&it->errors, a);
	issues_init(&it->warnings, a);
	m.report = it->report = cJSON_CreateObject();
	m.procedure = cJSON_AddObjectToObject(m.report, "procedure");
	m.patient = cJSON_CreateObject();
	m.complication = cJSON_CreateObject();
	cJSON *list = cJSON_AddArrayToObject(m.report, "complications");
	if (!it->path || !m.procedure || !m.patient || !m.complication || !list) {
		cJSON_Delete(m.patient);
		cJSON_Delete(m.complication);
		return -ENOMEM;
	}
	cJSON_AddItemToArray(list, m.complication);
	map_header(&m);
	map_patient(&m);
	map_procedure(&m);
	map_complication(&m);
	if (m.patient->child)
		cJSON_AddItemToObject(m.report, "patient", m.patient);
	else
		cJSON_Delete(m.patient);
	if (ctx->key && !m.rc) {
		struct fhir_store_src src = {
		    .ae = ae,
		    .bundle = bundle,
		    .used = m.used,
		    .n_used = m.n_used,
		    .contained = m.contained,
		    .n_contained = m.n_contained,
		    .display_instance = m.display_instance,
		    .path = it->path,
		    .errors = &it->errors,
		    .patient = m.patient_res,
		    .district = m.district,
		    .patient_ref = m.patient_ref,
		    .subject_reference = m.subject_reference,
		    .key = ctx->key,
		};
		if (!(it->stored = fhir_store_build(&src, a)))
			return -ENOMEM;
	}
	return m.rc;
}

static int map_bundle(const struct fhir_ctx *ctx, const cJSON *doc, size_t max, struct arena *a,
		      struct fhir_doc *ret, char *reason, size_t reason_len)
{
	const cJSON *e;
	size_t n = 0;
	int idx = 0, rc = 0;

	cJSON_ArrayForEach(e, json_get(doc, "entry"))
	{
		n += fhir_is_type(json_get(e, "resource"), "AdverseEvent");
	}
	if (n == 0) {
		snprintf(reason, reason_len, "the Bundle holds no AdverseEvent");
		return -EINVAL;
	}
	if (n > max)
		return -E2BIG;
	ret->items = arena_alloc(a, n * sizeof(*ret->items));
	if (!ret->items)
		return -ENOMEM;
	ret->bundle = 1;
	snprintf(ret->bundle_type, sizeof(ret->bundle_type), "%s",
		 fhir_str(doc, "type") ? fhir_str(doc, "type") : "");
	ret->n_entries = cJSON_GetArraySize(json_get(doc, "entry"));
	cJSON_ArrayForEach(e, json_get(doc, "entry"))
	{
		const cJSON *res = json_get(e, "resource");
		if (fhir_is_type(res, "AdverseEvent") && rc == 0)
			rc = map_one(ctx, a, doc, res, idx, &ret->items[ret->n++]);
		idx++;
	}
	return rc;
}

int fhir_map(const struct fhir_ctx *ctx, const cJSON *doc, size_t max_reports, struct arena *a,
	     struct fhir_doc *ret, char *reason, size_t reason_len)
{
	const char *type = fhir_str(doc, "resourceType");
	int rc;

	memset(ret, 0, sizeof(*ret));
	snprintf(reason, reason_len, "not a FHIR resource: resourceType is missing");
	if (!type)
		return -EINVAL;
	if (strcmp(type, "Bundle") == 0) {
		rc = map_bundle(ctx, doc, max_reports, a, ret, reason, reason_len);
	} else if (strcmp(type, "AdverseEvent") == 0) {
		ret->items = arena_alloc(a, sizeof(*ret->items));
		if (!ret->items)
			return -ENOMEM;
		ret->n = 1;
		rc = map_one(ctx, a, NULL, doc, -1, &ret->items[0]);
	} else {
		/* FHIR type names are ASCII letters: echo nothing else. */
		bool plain = strlen(type) <= 40 &&
			     strspn(type, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
					  "abcdefghijklmnopqrstuvwxyz") == strlen(type);
		snprintf(reason, reason_len,
			 "resourceType %s is not accepted; send an AdverseEvent or a Bundle",
			 plain ? type : "(not a FHIR type)");
		return -EINVAL;
	}
	if (rc < 0)
		fhir_doc_free(ret);
	return rc;
}

void fhir_doc_free(struct fhir_doc *d)
{
	for (size_t i = 0; d && i < d->n; i++) {
		cJSON_Delete(d->items[i].report);
		cJSON_Delete(d->items[i].stored);
		d->items[i].report = d->items[i].stored = NULL;
	}
	if (d)
		d->n = 0;
}
