/* The normalised report as JSON: the 201 answer's "report" and the stored normalised column.
 *
 * One shape rule, so readers never guess: every member is always present,
 * null when the reporter did not give it. A coded field is "<name>" (the
 * canonical code) beside "<name>_raw" (what the reporter wrote); the paths
 * of coded fields whose raw text the vocabulary did not know are listed in
 * one top-level "needs_review" array, empty when nothing needs review.
 * The patient appears only by pseudonym: struct report never holds the
 * clear ref, so nothing here can leak it. */
#include "normalise.h"

#include <stdbool.h>
#include <stdio.h>

/* Building stops mattering after the first failed allocation; the flag
 * lets every helper stay one call and report_to_json check once. */
struct out {
	bool oom;
};

static void put(struct out *o, cJSON *obj, const char *key, cJSON *v)
{
	if (!v || !cJSON_AddItemToObject(obj, key, v)) {
		cJSON_Delete(v);
		o->oom = true;
	}
}

static void put_str(struct out *o, cJSON *obj, const char *key, const char *s)
{
	put(o, obj, key, s ? cJSON_CreateString(s) : cJSON_CreateNull());
}

/* Negative means not given (days, depth). */
static void put_num(struct out *o, cJSON *obj, const char *key, double v)
{
	put(o, obj, key, v >= 0 ? cJSON_CreateNumber(v) : cJSON_CreateNull());
}

static void put_tri(struct out *o, cJSON *obj, const char *key, enum tristate t)
{
	put(o, obj, key, t == TRI_UNKNOWN ? cJSON_CreateNull() : cJSON_CreateBool(t == TRI_TRUE));
}

static void put_coded(struct out *o, cJSON *obj, const char *key, const struct coded *c)
{
	char raw_key[64];

	snprintf(raw_key, sizeof(raw_key), "%s_raw", key);
	put_str(o, obj, key, c->code[0] ? c->code : NULL);
	put_str(o, obj, raw_key, c->raw);
}

static void put_list(struct out *o, cJSON *obj, const char *key, const struct string_list *l)
{
	cJSON *arr = cJSON_CreateArray();

	for (size_t i = 0; arr && i < l->n; i++) {
		cJSON *s = cJSON_CreateString(l->v[i]);
		if (!s || !cJSON_AddItemToArray(arr, s)) {
			cJSON_Delete(s);
			o->oom = true;
		}
	}
	put(o, obj, key, arr);
}

/* Appends prefix + name to the review list when c needs review. */
static void review(struct out *o, cJSON *list, const char *prefix, const char *name,
		   const struct coded *c)
{
	char path[64];

	if (!c->needs_review)
		return;
	snprintf(path, sizeof(path), "%s.%s", prefix, name);
	cJSON *s = cJSON_CreateString(path);
	if (!s || !cJSON_AddItemToArray(list, s)) {
		cJSON_Delete(s);
		o->oom = true;
	}
}

static cJSON *procedure_json(struct out *o, const struct procedure *p, cJSON *rev)
{
	cJSON *obj = cJSON_CreateObject();

	if (!obj)
		return NULL;
	put_str(o, obj, "date", p->date[0] ? p->date : NULL);
	put_coded(o, obj, "type", &p->type);
	put_coded(o, obj, "setting", &p->setting);
	put_str(o, obj, "premises_code", p->premises_code);
	put_coded(o, obj, "practitioner_role", &p->practitioner_role);
	put_tri(o, obj, "medically_trained", p->medically_trained);
	put_coded(o, obj, "device", &p->device);
	put_num(o, obj, "needle_depth_mm", p->needle_depth_mm);
	put_str(o, obj, "needle_depth_raw", p->needle_depth_raw);
	put_list(o, obj, "areas", &p->areas);
	put_list(o, obj, "products", &p->products);
	put_tri(o, obj, "sterile_single_use_cartridge", p->sterile_single_use_cartridge);
	put_tri(o, obj, "antiviral_prophylaxis", p->antiviral_prophylaxis);
	review(o, rev, "procedure", "type", &p->type);
	review(o, rev, "procedure", "setting", &p->setting);
	review(o, rev, "procedure", "practitioner_role", &p->practitioner_role);
	review(o, rev, "procedure", "device", &p->device);
	return obj;
}

static cJSON *patient_json(struct out *o, const struct patient *pt, cJSON *rev)
{
	cJSON *obj = cJSON_CreateObject();

	if (!obj)
		return NULL;
	put_str(o, obj, "age_band", pt->age_band);
	put_coded(o, obj, "sex", &pt->sex);
	put_num(o, obj, "fitzpatrick", pt->fitzpatrick ? pt->fitzpatrick : -1);
	put_str(o, obj, "fitzpatrick_raw", pt->fitzpatrick_raw);
	put_list(o, obj, "history", &pt->history);
	put_str(o, obj, "pseudonym", pt->has_ref ? pt->pseudonym : NULL);
	put_str(o, obj, "postcode_district", pt->postcode_district);
	put_str(o, obj, "postcode_area", pt->postcode_area);
	put_str(o, obj, "region", pt->region);
	review(o, rev, "patient", "sex", &pt->sex);
	return obj;
}

static cJSON *complication_json(struct out *o, const struct complication *c, size_t i, cJSON *rev)
{
	cJSON *obj = cJSON_CreateObject();
	char prefix[48];

	if (!obj)
		return NULL;
	put_coded(o, obj, "type", &c->type);
	put_str(o, obj, "group", c->group[0] ? c->group : NULL);
	put_num(o, obj, "onset_days", c->onset_days);
	put_num(o, obj, "duration_days", c->duration_days);
	put_coded(o, obj, "severity", &c->severity);
	put_tri(o, obj, "serious", c->serious);
	put_coded(o, obj, "outcome", &c->outcome);
	put_list(o, obj, "treatment", &c->treatment);
	snprintf(prefix, sizeof(prefix), "complications[%zu]", i);
	review(o, rev, prefix, "type", &c->type);
	review(o, rev, prefix, "severity", &c->severity);
	review(o, rev, prefix, "outcome", &c->outcome);
	return obj;
}

cJSON *report_to_json(const struct report *r)
{
	struct out o = {.oom = false};
	cJSON *obj = cJSON_CreateObject();
	cJSON *rev = cJSON_CreateArray();
	cJSON *list = cJSON_CreateArray();

	if (!obj || !rev || !list)
		goto fail;
	put_str(&o, obj, "client_ref", r->client_ref);
	put(&o, obj, "version", cJSON_CreateNumber(r->version));
	put_str(&o, obj, "reporter_role", r->reporter_role);
	put(&o, obj, "procedure", procedure_json(&o, &r->procedure, rev));
	put(&o, obj, "patient", patient_json(&o, &r->patient, rev));
	for (size_t i = 0; i < r->n_complications; i++) {
		cJSON *c = complication_json(&o, &r->complications[i], i, rev);
		if (!c || !cJSON_AddItemToArray(list, c)) {
			cJSON_Delete(c);
			o.oom = true;
		}
	}
	put(&o, obj, "complications", list);
	list = NULL;
	put_str(&o, obj, "narrative", r->narrative);
	put(&o, obj, "needs_review", rev);
	rev = NULL;
	if (o.oom)
		goto fail;
	return obj;
fail:
	cJSON_Delete(list);
	cJSON_Delete(rev);
	cJSON_Delete(obj);
	return NULL;
}
