/* The stored report: one definition of the row(s) a report becomes (see
 * stored_report.h). */
#include "stored_report.h"
#include "jsonesc.h"
#include "arena.h"
#include "issues.h"
#include "normalise.h"
#include "premises_code.h"
#include "pseudonym.h"
#include "report.h"
#include "report_members.h"

#include <cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const stored_column_names[STORED_NCOLUMNS] = {
    [SCOL_PREMISES_ID] = "premises_id",
    [SCOL_ACCOUNT_ID] = "account_id",
    [SCOL_CLIENT_REF] = "client_ref",
    [SCOL_VERSION] = "version",
    [SCOL_FORMAT] = "format",
    [SCOL_PROCEDURE_PREMISES_ID] = "procedure_premises_id",
    [SCOL_PROCEDURE_PREMISES_CODE] = "procedure_premises_code",
    [SCOL_PROCEDURE_DATE] = "procedure_date",
    [SCOL_PROCEDURE_TYPE] = "procedure_type",
    [SCOL_PROCEDURE_TYPE_RAW] = "procedure_type_raw",
    [SCOL_SETTING] = "setting",
    [SCOL_SETTING_REPORTED] = "setting_reported",
    [SCOL_SETTING_RAW] = "setting_raw",
    [SCOL_PRACTITIONER_ROLE] = "practitioner_role",
    [SCOL_PRACTITIONER_ROLE_RAW] = "practitioner_role_raw",
    [SCOL_MEDICALLY_TRAINED] = "medically_trained",
    [SCOL_DEVICE] = "device",
    [SCOL_DEVICE_RAW] = "device_raw",
    [SCOL_NEEDLE_DEPTH_MM] = "needle_depth_mm",
    [SCOL_AREAS] = "areas",
    [SCOL_PRODUCTS] = "products",
    [SCOL_STERILE_SINGLE_USE_CARTRIDGE] = "sterile_single_use_cartridge",
    [SCOL_ANTIVIRAL_PROPHYLAXIS] = "antiviral_prophylaxis",
    [SCOL_AGE_BAND] = "age_band",
    [SCOL_SEX] = "sex",
    [SCOL_FITZPATRICK] = "fitzpatrick",
    [SCOL_HISTORY] = "history",
    [SCOL_PATIENT_PSEUDONYM] = "patient_pseudonym",
    [SCOL_POSTCODE_DISTRICT] = "postcode_district",
    [SCOL_POSTCODE_AREA] = "postcode_area",
    [SCOL_REGION] = "region",
    [SCOL_REPORTER_ROLE] = "reporter_role",
    [SCOL_NEEDS_REVIEW] = "needs_review",
    [SCOL_BODY] = "body",
    [SCOL_BODY_SHA256] = "body_sha256",
    [SCOL_NORMALISED] = "normalised",
    [SCOL_WARNINGS] = "warnings",
    [SCOL_COMPLICATIONS] = "complications",
};

bool stored_column_rederived(enum stored_column c)
{
	switch (c) {
	case SCOL_PREMISES_ID:
	case SCOL_ACCOUNT_ID:
	case SCOL_CLIENT_REF:
	case SCOL_VERSION:
	case SCOL_FORMAT:
	case SCOL_PROCEDURE_PREMISES_ID:
	case SCOL_PROCEDURE_PREMISES_CODE:
	case SCOL_PROCEDURE_DATE:
	case SCOL_PATIENT_PSEUDONYM:
	case SCOL_BODY:
	case SCOL_BODY_SHA256:
	case SCOL_COMPLICATIONS:
	case STORED_NCOLUMNS:
		return false;
	default:
		return true;
	}
}

/* ---- the place of the procedure ------------------------------------------ */

/* The registered premises a report names: 0, -ENOENT, -EAGAIN, -ENOMEM, or
 * -EINVAL for a mistyped code. A code of the generated shape is looked up
 * in its upper-case form. One whose check character does not agree is
 * still looked up as sent, since a code chosen with --code before codes
 * were generated may have that shape; unregistered, it is a typo. */
static int named_premises(stored_premises_lookup lookup, void *arg, struct arena *a,
			  const char *code, long long *ret_id, char *setting, size_t len)
{
	char canonical[PREMISES_CODE_LEN + 1];
	enum premises_code_kind kind = premises_code_classify(code, canonical);
	const char *key = kind == PREMISES_CODE_VALID ? arena_strdup(a, canonical) : code;

	if (!key)
		return -ENOMEM;
	int e = lookup(arg, key, ret_id, setting, len);
	return e == -ENOENT && kind == PREMISES_CODE_MISTYPED ? -EINVAL : e;
}

/* The decision alone: which registered premises, if any, and its setting
 * (*ret_setting, in a; NULL for an unregistered place). */
static int decide_place(const struct report *r, const struct stored_origin *o,
			stored_premises_lookup lookup, void *arg, struct arena *a,
			long long *ret_id, const char **ret_setting, struct issues *errors)
{
	bool practitioner = strcmp(r->reporter_role, "practitioner") == 0;
	char setting[24] = "";

	*ret_id = 0;
	*ret_setting = NULL;
	if (!r->procedure.premises_code) {
		if (practitioner) {
			*ret_id = o->premises_id;
			*ret_setting = o->premises_setting;
		}
		return 0;
	}
	int e = named_premises(lookup, arg, a, r->procedure.premises_code, ret_id, setting,
			       sizeof(setting));
	if (e == -EAGAIN || e == -ENOMEM)
		return e;
	/* A rejection whose reason cannot be recorded is answered as out of
	 * memory, never as a 422 without its reason. */
	if (e == -EINVAL)
		return issues_add(errors, "procedure.premises_code",
				  "is mistyped: its check character does not agree (a premises "
				  "code looks like XXXX-XXXXC); check it with the premises")
			   ?: -EINVAL;
	if (practitioner && (e == -ENOENT || *ret_id != o->premises_id))
		return issues_add(errors, "procedure.premises_code",
				  "a practitioner may name only its own premises; report a "
				  "procedure done elsewhere with reporter_role treating_clinician, "
				  "patient or other")
			   ?: -EINVAL;
	if (e == -ENOENT) {
		*ret_id = 0;
		return 0;
	}
	*ret_setting = arena_strdup(a, setting);
	return *ret_setting ? 0 : -ENOMEM;
}

int stored_report_place(const struct report *r, const struct stored_origin *o,
			stored_premises_lookup lookup, void *lookup_arg, struct arena *a,
			struct stored_place *ret, struct issues *errors, struct issues *warnings)
{
	long long id;
	const char *setting;
	int rc = decide_place(r, o, lookup, lookup_arg, a, &id, &setting, errors);

	if (rc < 0)
		return rc;
	return stored_report_place_recorded(r, id, setting, ret, warnings);
}

int stored_report_place_recorded(const struct report *r, long long premises_id,
				 const char *registered_setting, struct stored_place *ret,
				 struct issues *warnings)
{
	const char *reported = r->procedure.setting.code;
	int rc = 0;

	ret->premises_id = premises_id;
	ret->setting = reported[0] ? reported : "unknown";
	if (r->procedure.premises_code && !premises_id)
		rc |= issues_add(warnings, "procedure.premises_code",
				 "no registered premises has this code; counted as an "
				 "unregistered place");
	if (premises_id && registered_setting)
		ret->setting = registered_setting;
	if (premises_id && reported[0] && strcmp(reported, ret->setting) != 0)
		rc |= issues_add(warnings, "procedure.setting",
				 "differs from the premises' registered setting %s, which is used",
				 ret->setting);
	if (!premises_id && !reported[0])
		rc |= issues_add(warnings, "procedure.setting",
				 "missing for an unregistered place; stored as unknown");
	/* A stored report must not silently lose a warning. */
	return rc ? -ENOMEM : 0;
}

/* ---- the JSON documents stored ------------------------------------------- */

static const char *print_json(struct arena *a, const cJSON *j)
{
	char *s = j ? cJSON_PrintUnformatted(j) : NULL;
	const char *out = s ? arena_strdup(a, s) : NULL;
	free(s);
	return out;
}

const char *stored_report_normalised(struct arena *a, const struct report *r,
				     const struct stored_place *p)
{
	cJSON *j = report_to_json(r);
	if (!j)
		return NULL;
	cJSON *proc = cJSON_GetObjectItemCaseSensitive(j, "procedure");
	cJSON *place = cJSON_CreateObject();
	if (p->premises_id)
		cJSON_AddNumberToObject(place, "premises_id", (double)p->premises_id);
	else
		cJSON_AddNullToObject(place, "premises_id");
	cJSON_AddBoolToObject(place, "registered", p->premises_id != 0);
	cJSON_AddStringToObject(place, "setting", p->setting);
	cJSON_AddItemToObject(proc ? proc : j, "place", place);
	const char *s = print_json(a, j);
	cJSON_Delete(j);
	return s;
}

/* A warning about a member left out of the stored body is not stored: the
 * body no longer holds the member, so re-deriving could not reproduce it. */
const char *stored_report_warnings(struct arena *a, const struct issues *w)
{
	cJSON *arr = issues_json(w), *it = arr ? arr->child : NULL;

	while (it) {
		cJSON *next = it->next;
		const cJSON *msg = cJSON_GetObjectItemCaseSensitive(it, "message");
		if (cJSON_IsString(msg) && strcmp(msg->valuestring, REPORT_MEMBERS_UNKNOWN) == 0)
			cJSON_Delete(cJSON_DetachItemViaPointer(arr, it));
		it = next;
	}
	const char *s = print_json(a, arr);
	cJSON_Delete(arr);
	return s;
}

/* ---- the columns ----------------------------------------------------------- */

static const char *nullable(const char *s)
{
	return s && *s ? s : NULL;
}

static const char *tristate_text(enum tristate t)
{
	if (t == TRI_UNKNOWN)
		return NULL;
	return t == TRI_TRUE ? "true" : "false";
}

/* JSON texts of the INSERT's jsonb parameters, written straight into the
 * arena: one allocation each, measured first (strings exactly,
 * numbers at their widest), so building one costs no malloc and no tree.
 * Strings are escaped by jsonesc.c (unit-tested and fuzzed there); they are
 * valid UTF-8 already (the body was). */
struct jtext {
	char *p;
};

/* The length of s as a JSON string (of null when absent). */
static size_t jstr_max(const char *s)
{
	return jsonesc_len(s);
}

static void jraw(struct jtext *t, const char *s)
{
	size_t n = strlen(s);
	memcpy(t->p, s, n);
	t->p += n;
}

static void jstr(struct jtext *t, const char *s)
{
	t->p = jsonesc_write(t->p, s);
}

/* A string, or null when absent or empty. */
static void jnullable(struct jtext *t, const char *key, const char *s)
{
	jraw(t, key);
	if (s && *s)
		jstr(t, s);
	else
		jraw(t, "null");
}

static void jint_or_null(struct jtext *t, const char *key, int v)
{
	char num[16];
	jraw(t, key);
	snprintf(num, sizeof(num), "%d", v);
	jraw(t, v >= 0 ? num : "null");
}

static size_t list_max(const struct string_list *l)
{
	size_t n = 2;
	for (size_t i = 0; i < l->n; i++)
		n += 1 + jstr_max(l->v[i]);
	return n;
}

static void jlist(struct jtext *t, const struct string_list *l)
{
	*t->p++ = '[';
	for (size_t i = 0; i < l->n; i++) {
		if (i)
			*t->p++ = ',';
		jstr(t, l->v[i]);
	}
	*t->p++ = ']';
}

/* A JSON array text of strings, in the arena. */
static const char *list_json(struct arena *a, const struct string_list *l)
{
	struct jtext t = {arena_alloc(a, list_max(l) + 1)};
	const char *out = t.p;
	if (!out)
		return NULL;
	jlist(&t, l);
	*t.p = '\0';
	return out;
}

/* What the complications' jsonb_to_recordset reads: keys are its columns.
 * 256 holds the keys, punctuation and numbers. */
static size_t complication_max(const struct complication *c)
{
	return 256 + jstr_max(c->type.code) + jstr_max(c->type.raw) + jstr_max(c->group) +
	       jstr_max(c->severity.code) + jstr_max(c->severity.raw) + jstr_max(c->outcome.code) +
	       jstr_max(c->outcome.raw) + list_max(&c->treatment);
}

static void complication_json(struct jtext *t, const struct complication *c, size_t idx)
{
	char num[32];
	snprintf(num, sizeof(num), "{\"idx\":%zu", idx);
	jraw(t, num);
	jraw(t, ",\"type\":");
	jstr(t, c->type.code);
	jnullable(t, ",\"type_raw\":", c->type.raw);
	jraw(t, ",\"grp\":");
	jstr(t, c->group);
	jint_or_null(t, ",\"onset_days\":", c->onset_days);
	jint_or_null(t, ",\"duration_days\":", c->duration_days);
	jnullable(t, ",\"severity\":", c->severity.code);
	jnullable(t, ",\"severity_raw\":", c->severity.raw);
	jraw(t, ",\"serious\":");
	jraw(t, c->serious == TRI_UNKNOWN ? "null" : c->serious == TRI_TRUE ? "true" : "false");
	jnullable(t, ",\"outcome\":", c->outcome.code);
	jnullable(t, ",\"outcome_raw\":", c->outcome.raw);
	jraw(t, ",\"treatment\":");
	jlist(t, &c->treatment);
	jraw(t, ",\"needs_review\":");
	jraw(t, c->type.needs_review || c->severity.needs_review || c->outcome.needs_review
		    ? "true}"
		    : "false}");
}

const char *stored_report_complications(struct arena *a, const struct report *r)
{
	size_t max = 3;
	for (size_t i = 0; i < r->n_complications; i++)
		max += 1 + complication_max(&r->complications[i]);
	struct jtext t = {arena_alloc(a, max)};
	const char *out = t.p;
	if (!out)
		return NULL;
	*t.p++ = '[';
	for (size_t i = 0; i < r->n_complications; i++) {
		if (i)
			*t.p++ = ',';
		complication_json(&t, &r->complications[i], i);
	}
	*t.p++ = ']';
	*t.p = '\0';
	return out;
}

static void fill_procedure(const char **v, struct arena *a, const struct report *r)
{
	const struct procedure *pr = &r->procedure;
	v[SCOL_PROCEDURE_PREMISES_CODE] = pr->premises_code;
	v[SCOL_PROCEDURE_DATE] = pr->date;
	v[SCOL_PROCEDURE_TYPE] = pr->type.code[0] ? pr->type.code : "microneedling";
	v[SCOL_PROCEDURE_TYPE_RAW] = pr->type.raw;
	v[SCOL_SETTING_REPORTED] = nullable(pr->setting.code);
	v[SCOL_SETTING_RAW] = pr->setting.raw;
	v[SCOL_PRACTITIONER_ROLE] = nullable(pr->practitioner_role.code);
	v[SCOL_PRACTITIONER_ROLE_RAW] = pr->practitioner_role.raw;
	v[SCOL_MEDICALLY_TRAINED] = tristate_text(pr->medically_trained);
	v[SCOL_DEVICE] = nullable(pr->device.code);
	v[SCOL_DEVICE_RAW] = pr->device.raw;
	v[SCOL_NEEDLE_DEPTH_MM] =
	    pr->needle_depth_mm >= 0 ? arena_printf(a, "%.2f", pr->needle_depth_mm) : NULL;
	v[SCOL_AREAS] = list_json(a, &pr->areas);
	v[SCOL_PRODUCTS] = list_json(a, &pr->products);
	v[SCOL_STERILE_SINGLE_USE_CARTRIDGE] = tristate_text(pr->sterile_single_use_cartridge);
	v[SCOL_ANTIVIRAL_PROPHYLAXIS] = tristate_text(pr->antiviral_prophylaxis);
}

static void fill_patient(const char **v, struct arena *a, const struct report *r)
{
	const struct patient *pt = &r->patient;
	v[SCOL_AGE_BAND] = pt->age_band;
	v[SCOL_SEX] = nullable(pt->sex.code);
	v[SCOL_FITZPATRICK] = pt->fitzpatrick ? arena_printf(a, "%d", pt->fitzpatrick) : NULL;
	v[SCOL_HISTORY] = list_json(a, &pt->history);
	v[SCOL_PATIENT_PSEUDONYM] = pt->has_ref ? pt->pseudonym : NULL;
	v[SCOL_POSTCODE_DISTRICT] = pt->postcode_district;
	v[SCOL_POSTCODE_AREA] = pt->postcode_area;
	v[SCOL_REGION] = pt->region;
}

/* The columns that must not be NULL once filled: NULL there means the
 * arena ran out. */
static const enum stored_column REQUIRED[] = {
    SCOL_PREMISES_ID, SCOL_ACCOUNT_ID,	SCOL_VERSION,	 SCOL_AREAS,	SCOL_PRODUCTS,
    SCOL_HISTORY,     SCOL_BODY_SHA256, SCOL_NORMALISED, SCOL_WARNINGS, SCOL_COMPLICATIONS,
};

int stored_report_row(struct stored_row *ret, struct arena *a, const struct report *r,
		      const struct stored_origin *o, const struct stored_place *p, const char *body,
		      const struct issues *w)
{
	const char **v = ret->v;
	char hash[65];

	memset(ret, 0, sizeof(*ret));
	if (!body)
		return -ENOMEM;
	if (sha256_hex(body, strlen(body), hash) < 0)
		return -EIO;
	v[SCOL_PREMISES_ID] = arena_printf(a, "%lld", o->premises_id);
	v[SCOL_ACCOUNT_ID] = arena_printf(a, "%lld", o->account_id);
	v[SCOL_CLIENT_REF] = r->client_ref;
	v[SCOL_VERSION] = arena_printf(a, "%d", r->version);
	v[SCOL_FORMAT] = o->format;
	v[SCOL_PROCEDURE_PREMISES_ID] =
	    p->premises_id ? arena_printf(a, "%lld", p->premises_id) : NULL;
	v[SCOL_SETTING] = p->setting;
	fill_procedure(v, a, r);
	fill_patient(v, a, r);
	v[SCOL_REPORTER_ROLE] = r->reporter_role;
	v[SCOL_NEEDS_REVIEW] = r->needs_review ? "true" : "false";
	v[SCOL_BODY] = body;
	v[SCOL_BODY_SHA256] = arena_strdup(a, hash);
	v[SCOL_NORMALISED] = stored_report_normalised(a, r, p);
	v[SCOL_WARNINGS] = stored_report_warnings(a, w);
	v[SCOL_COMPLICATIONS] = stored_report_complications(a, r);
	for (size_t i = 0; i < sizeof(REQUIRED) / sizeof(REQUIRED[0]); i++)
		if (!v[REQUIRED[i]])
			return -ENOMEM;
	return 0;
}
