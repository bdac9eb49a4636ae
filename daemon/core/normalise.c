/* Normalisation: a parsed JSON report into struct report (docs/report-format.md).
 *
 * One walk over the document, one function per section (header, procedure,
 * patient, complication). The walk never stops at the first problem: a
 * reporter fixing a rejected report should see every error in one answer.
 * Helpers turn members into typed fields and record issues under the
 * member's path, built only when there is something to say.
 *
 * A JSON null is the same as an absent member, and so is a blank string.
 * Unknown vocabulary is a warning and a review flag, never an error: the
 * term may be new rather than wrong, and the raw text is kept for review. */
#include "normalise.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "codes.h"
#include "identifying.h"
#include "pseudonym.h"
#include "region.h"
#include "report_members.h"
#include "text.h"
#include "vocab.h"

/* Limits: generous for honest reports, small enough to keep one report in
 * one arena block and a reviewer's screen readable. */
#define CLIENT_REF_MAX 64
#define VERSION_MAX 1000000
#define PREMISES_CODE_MAX 64
#define TERM_MAX 200 /* any vocabulary term or list item */
#define LIST_MAX 32  /* areas, products, history, treatment */
#define COMPLICATIONS_MAX 50
#define DAYS_MAX 3650 /* ten years of follow-up */
#define PATIENT_REF_MAX 128
#define NARRATIVE_MAX 10000
#define PATH_LEN 160
#define FOLD_LEN 64 /* depth and Fitzpatrick texts are short */
/* Deeper than any report: the JSON parser stops far sooner (32 levels). */
#define NAME_WALK_DEPTH 64

enum got { GOT_BAD = -1, GOT_NONE = 0, GOT_VALUE = 1 };

struct walk {
	const struct normalise_ctx *ctx;
	struct arena *a;
	struct issues *errors;
	struct issues *warnings;
	int rc; /* 0, or the first negative errno (-ENOMEM): sticky */
};

/* Name tables, laid out by hand: clang-format would put one name per line. */
/* clang-format off */
static const char *const age_bands[] = {
	"0-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65+", NULL
};

/* Finer bands some booking systems use; folded into ours so every report
 * stratifies the same way (the verbatim body keeps what was sent). */
static const char *const age_bands_over_65[] = { "65-74", "75-84", "75+", "85+", NULL };

/* clang-format on */

/* The entry of list equal to s (static storage, outlives any arena), or NULL. */
static const char *in_list(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (strcmp(*list, s) == 0)
			return *list;
	return NULL;
}

/* ---- issues ---------------------------------------------------------- */

/* "procedure" + "date" -> "procedure.date"; "areas" + "[3]" -> "areas[3]".
 * Member names come from the reporter: cut them so a path stays readable. */
static void path_join(char *buf, size_t len, const char *base, const char *key)
{
	if (!*base)
		snprintf(buf, len, "%.64s", key);
	else if (!*key)
		snprintf(buf, len, "%s", base);
	else
		snprintf(buf, len, "%s%s%.64s", base, key[0] == '[' ? "" : ".", key);
}

static void issue(struct walk *w, struct issues *list, const char *base, const char *key,
		  const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void issue(struct walk *w, struct issues *list, const char *base, const char *key,
		  const char *fmt, ...)
{
	char path[PATH_LEN], msg[256];
	va_list ap;

	path_join(path, sizeof(path), base, key);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (issues_add(list, path, "%s", msg) < 0 && !w->rc)
		w->rc = -ENOMEM;
}

static const char *keep(struct walk *w, const char *s)
{
	const char *p = arena_strdup(w->a, s);
	if (!p && !w->rc)
		w->rc = -ENOMEM;
	return p;
}

/* Warns about members the format does not define in this section: they are
 * left out of the stored body. Identifying names are errors already. */
static void check_members(struct walk *w, const cJSON *obj, const char *base,
			  enum report_section section)
{
	for (const cJSON *m = obj->child; m; m = m->next)
		if (!report_member_known(section, m->string) && !identifying_name(m->string))
			issue(w, w->warnings, base, m->string, "%s", REPORT_MEMBERS_UNKNOWN);
}

/* Every member at every depth whose name means identifying data, known
 * section or not: a report that carries one is refused, not stored without
 * it, so the sender learns to stop sending it. */
static void refuse_identifying_names(struct walk *w, const cJSON *node, const char *base, int depth)
{
	char path[PATH_LEN], idx[24];
	size_t i = 0;

	if (depth > NAME_WALK_DEPTH)
		return;
	for (const cJSON *m = node->child; m; m = m->next, i++) {
		const char *what = cJSON_IsObject(node) ? identifying_name(m->string) : NULL;
		if (what)
			issue(w, w->errors, base, m->string,
			      "identifying data must not be sent (%s)", what);
		if (!cJSON_IsObject(m) && !cJSON_IsArray(m))
			continue;
		snprintf(idx, sizeof(idx), "[%zu]", i);
		path_join(path, sizeof(path), base, cJSON_IsObject(node) ? m->string : idx);
		refuse_identifying_names(w, m, path, depth + 1);
	}
}

/* Free text that holds an identifier: an error naming the field and what
 * was found, never the text itself. */
static void scan_text(struct walk *w, const char *base, const char *key, const char *s)
{
	enum identifying_kind k = identifying_scan(s);

	if (k != IDENTIFYING_NONE)
		issue(w, w->errors, base, key,
		      "contains what looks like %s; identifying data must not be sent",
		      identifying_kind_text(k));
}

/* ---- typed members ----------------------------------------------------- */

/* A member, or NULL when absent, null or a blank string: forms and CSV
 * exports write "" for "not known", and a blank patient.ref must not hash
 * into one pseudonym shared by every patient without a ref. */
static const cJSON *member(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!v || cJSON_IsNull(v) || (cJSON_IsString(v) && text_is_blank(v->valuestring)))
		return NULL;
	return v;
}

/* A string of at most max bytes; *ret points into the tree, not the arena. */
static int get_string(struct walk *w, const cJSON *obj, const char *base, const char *key,
		      size_t max, const char **ret)
{
	const cJSON *v = member(obj, key);
	if (!v)
		return GOT_NONE;
	if (!cJSON_IsString(v)) {
		issue(w, w->errors, base, key, "must be a string");
		return GOT_BAD;
	}
	if (strlen(v->valuestring) > max) {
		issue(w, w->errors, base, key, "must be at most %zu bytes", max);
		return GOT_BAD;
	}
	*ret = v->valuestring;
	return GOT_VALUE;
}

/* cJSON's valueint saturates, so range and integrality come from valuedouble. */
static int get_int(struct walk *w, const cJSON *obj, const char *base, const char *key, int min,
		   int max, int *ret)
{
	const cJSON *v = member(obj, key);
	if (!v)
		return GOT_NONE;
	if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble)) {
		issue(w, w->errors, base, key, "must be an integer");
		return GOT_BAD;
	}
	if (v->valuedouble < min || v->valuedouble > max) {
		issue(w, w->errors, base, key, "must be between %d and %d", min, max);
		return GOT_BAD;
	}
	*ret = (int)v->valuedouble;
	return GOT_VALUE;
}

static void get_tristate(struct walk *w, const cJSON *obj, const char *base, const char *key,
			 enum tristate *ret)
{
	const cJSON *v = member(obj, key);
	*ret = TRI_UNKNOWN;
	if (!v)
		return;
	if (!cJSON_IsBool(v)) {
		issue(w, w->errors, base, key, "must be a boolean");
		return;
	}
	*ret = cJSON_IsTrue(v) ? TRI_TRUE : TRI_FALSE;
}

static int get_object(struct walk *w, const cJSON *obj, const char *key, int required,
		      const cJSON **ret)
{
	const cJSON *v = member(obj, key);
	if (!v) {
		if (required)
			issue(w, w->errors, "", key, "is required");
		return GOT_NONE;
	}
	if (!cJSON_IsObject(v)) {
		issue(w, w->errors, "", key, "must be an object");
		return GOT_BAD;
	}
	*ret = v;
	return GOT_VALUE;
}

/* An array of at most LIST_MAX strings of at most TERM_MAX bytes, copied. */
static void get_list(struct walk *w, const cJSON *obj, const char *base, const char *key,
		     struct string_list *ret)
{
	const cJSON *v = member(obj, key);
	char path[PATH_LEN], idx[24];
	size_t i = 0;

	if (!v)
		return;
	if (!cJSON_IsArray(v)) {
		issue(w, w->errors, base, key, "must be an array of strings");
		return;
	}
	int n = cJSON_GetArraySize(v);
	if (n > LIST_MAX) {
		issue(w, w->errors, base, key, "must have at most %d items", LIST_MAX);
		return;
	}
	ret->v = arena_alloc(w->a, (size_t)(n ? n : 1) * sizeof(*ret->v));
	if (!ret->v) {
		w->rc = -ENOMEM;
		return;
	}
	path_join(path, sizeof(path), base, key);
	for (const cJSON *it = v->child; it; it = it->next, i++) {
		snprintf(idx, sizeof(idx), "[%zu]", i);
		if (!cJSON_IsString(it))
			issue(w, w->errors, path, idx, "must be a string");
		else if (strlen(it->valuestring) > TERM_MAX)
			issue(w, w->errors, path, idx, "must be at most %d bytes", TERM_MAX);
		else
			ret->v[ret->n++] = keep(w, it->valuestring);
		if (cJSON_IsString(it))
			scan_text(w, path, idx, it->valuestring);
	}
}

/* A vocabulary field. An unknown term becomes "other" where the vocabulary
 * has that code for the field and "unknown" where it does not (setting,
 * practitioner role, severity, outcome), flagged for review either way. */
static int get_coded(struct walk *w, const cJSON *obj, const char *base, const char *key,
		     enum vocab_field field, const char *what, struct coded *ret)
{
	const char *raw = NULL;
	int got = get_string(w, obj, base, key, TERM_MAX, &raw);

	if (got != GOT_VALUE)
		return got;
	scan_text(w, base, key, raw); /* an unknown term is kept as written */
	ret->raw = keep(w, raw);
	const char *code = vocab_lookup(w->ctx->vocab, field, raw);
	if (code) {
		snprintf(ret->code, sizeof(ret->code), "%s", code);
		return GOT_VALUE;
	}
	code = vocab_is_code(w->ctx->vocab, field, "other") ? "other" : "unknown";
	snprintf(ret->code, sizeof(ret->code), "%s", code);
	ret->needs_review = true;
	issue(w, w->warnings, base, key, "unknown %s, stored as %s for review", what, code);
	return GOT_VALUE;
}

/* ---- sections ------------------------------------------------------------- */

static int client_ref_chars_ok(const char *s)
{
	for (; *s; s++)
		if (!text_is_alpha(*s) && !text_is_digit(*s) && !strchr("-_./:#", *s))
			return 0;
	return 1;
}

static void take_header(struct walk *w, const cJSON *doc, struct report *r)
{
	char roles[128];
	const char *s = NULL;
	int got = get_string(w, doc, "", "client_ref", SIZE_MAX, &s);

	if (got == GOT_NONE)
		issue(w, w->errors, "", "client_ref", "is required");
	else if (got == GOT_VALUE && strlen(s) > CLIENT_REF_MAX)
		issue(w, w->errors, "", "client_ref", "must be 1 to %d characters", CLIENT_REF_MAX);
	else if (got == GOT_VALUE && !client_ref_chars_ok(s))
		issue(w, w->errors, "", "client_ref",
		      "may contain only letters, digits and - _ . / : #");
	else if (got == GOT_VALUE)
		r->client_ref = keep(w, s);

	r->version = 1;
	get_int(w, doc, "", "version", 1, VERSION_MAX, &r->version);

	got = get_string(w, doc, "", "reporter_role", TERM_MAX, &s);
	if (got == GOT_NONE)
		issue(w, w->errors, "", "reporter_role", "is required");
	else if (got == GOT_VALUE && !(r->reporter_role = in_list(codes_reporter_roles, s)))
		issue(w, w->errors, "", "reporter_role", "must be one of %s",
		      codes_join(codes_reporter_roles, roles, sizeof(roles)));

	if (get_string(w, doc, "", "narrative", NARRATIVE_MAX, &s) == GOT_VALUE) {
		scan_text(w, "", "narrative", s);
		r->narrative = keep(w, s);
	}
}

static void take_role(struct walk *w, const cJSON *obj, struct procedure *p)
{
	struct coded *role = &p->practitioner_role;

	get_coded(w, obj, "procedure", "practitioner_role", VOCAB_PRACTITIONER_ROLE,
		  "practitioner role", role);
	p->medically_trained = TRI_UNKNOWN;
	if (!role->code[0] || role->needs_review)
		return;
	int trained = vocab_role_medically_trained(w->ctx->vocab, role->code);
	if (trained >= 0)
		p->medically_trained = trained ? TRI_TRUE : TRI_FALSE;
}

/* A JSON number is millimetres; a string may carry its unit. */
static void take_depth(struct walk *w, const cJSON *obj, struct procedure *p)
{
	const cJSON *v = member(obj, "needle_depth");
	const char *reason = NULL;
	int rc;

	if (!v)
		return;
	if (cJSON_IsNumber(v)) {
		rc = normalise_depth_number(v->valuedouble, &p->needle_depth_mm, &reason);
	} else if (cJSON_IsString(v)) {
		rc = normalise_depth_mm(v->valuestring, &p->needle_depth_mm, &reason);
		if (rc == 0)
			p->needle_depth_raw = keep(w, v->valuestring);
	} else {
		issue(w, w->errors, "procedure", "needle_depth", "must be a number or a string");
		return;
	}
	if (rc < 0)
		issue(w, w->errors, "procedure", "needle_depth", "%s", reason);
}

static void take_procedure(struct walk *w, const cJSON *doc, struct procedure *p)
{
	const cJSON *obj = NULL;
	const char *s = NULL, *reason = NULL;
	int got;

	p->needle_depth_mm = -1;
	p->medically_trained = TRI_UNKNOWN;
	p->sterile_single_use_cartridge = p->antiviral_prophylaxis = TRI_UNKNOWN;
	if (get_object(w, doc, "procedure", /* required= */ 1, &obj) != GOT_VALUE)
		return;

	got = get_string(w, obj, "procedure", "date", TERM_MAX, &s);
	if (got == GOT_NONE)
		issue(w, w->errors, "procedure", "date", "is required");
	else if (got == GOT_VALUE && normalise_date(s, w->ctx->today, p->date, &reason) < 0)
		issue(w, w->errors, "procedure", "date", "%s", reason);

	/* The daemon exists for microneedling: a report that does not say is one. */
	if (get_coded(w, obj, "procedure", "type", VOCAB_PROCEDURE_TYPE, "procedure type",
		      &p->type) == GOT_NONE)
		snprintf(p->type.code, sizeof(p->type.code), "microneedling");
	/* Absent setting stays "": the server takes it from the premises. */
	get_coded(w, obj, "procedure", "setting", VOCAB_SETTING, "setting", &p->setting);
	if (get_string(w, obj, "procedure", "premises_code", PREMISES_CODE_MAX, &s) == GOT_VALUE)
		p->premises_code = keep(w, s);
	take_role(w, obj, p);
	get_coded(w, obj, "procedure", "device", VOCAB_DEVICE, "device", &p->device);
	take_depth(w, obj, p);
	get_list(w, obj, "procedure", "areas", &p->areas);
	get_list(w, obj, "procedure", "products", &p->products);
	get_tristate(w, obj, "procedure", "sterile_single_use_cartridge",
		     &p->sterile_single_use_cartridge);
	get_tristate(w, obj, "procedure", "antiviral_prophylaxis", &p->antiviral_prophylaxis);
	check_members(w, obj, "procedure", SECTION_PROCEDURE);
}

static void take_age_band(struct walk *w, const cJSON *obj, struct patient *pt)
{
	const char *s = NULL;

	if (get_string(w, obj, "patient", "age_band", TERM_MAX, &s) != GOT_VALUE)
		return;
	if ((pt->age_band = in_list(age_bands, s)))
		return;
	if (in_list(age_bands_over_65, s)) {
		pt->age_band = "65+";
		return;
	}
	issue(w, w->errors, "patient", "age_band",
	      "must be one of 0-17, 18-24, 25-34, 35-44, 45-54, 55-64, 65+");
}

static void take_fitzpatrick(struct walk *w, const cJSON *obj, struct patient *pt)
{
	const cJSON *v = member(obj, "fitzpatrick");
	const char *reason = "fitzpatrick type must be 1 to 6";

	if (!v)
		return;
	if (cJSON_IsNumber(v)) {
		double d = v->valuedouble;
		if (d >= 1 && d <= 6 && d == floor(d)) {
			pt->fitzpatrick = (int)d;
			return;
		}
	} else if (cJSON_IsString(v)) {
		if (normalise_fitzpatrick(v->valuestring, &pt->fitzpatrick, &reason) == 0) {
			pt->fitzpatrick_raw = keep(w, v->valuestring);
			return;
		}
	} else {
		reason = "must be an integer or a string";
	}
	issue(w, w->errors, "patient", "fitzpatrick", "%s", reason);
}

/* The clear ref goes no further than the HMAC: not into the report, not
 * into an issue message. */
static void take_pseudonym(struct walk *w, const cJSON *obj, struct patient *pt)
{
	const char *ref = NULL;

	if (get_string(w, obj, "patient", "ref", PATIENT_REF_MAX, &ref) != GOT_VALUE)
		return;
	if (!w->ctx->key) {
		issue(w, w->errors, "patient", "ref", "patient references are not accepted here");
		return;
	}
	int rc = pseudonym_derive(w->ctx->key, ref, pt->pseudonym);
	if (rc < 0) {
		if (!w->rc)
			w->rc = rc;
		return;
	}
	pt->has_ref = true;
}

/* region_area_of() also takes full postcodes ("LS6 2AB", "LS62AB") and
 * sectors ("LS6 2"), which narrow a patient to a street: only a bare
 * outward code (at most 4 characters) is kept. */
static void take_district(struct walk *w, const cJSON *obj, struct patient *pt)
{
	char buf[FOLD_LEN] = {0}, area[8];
	const char *s = NULL, *region;

	if (get_string(w, obj, "patient", "postcode_district", TERM_MAX, &s) != GOT_VALUE)
		return;
	if (text_fold_ascii(s, buf, sizeof(buf)) < 0 || !region_area_of(buf, area, sizeof(area))) {
		issue(w, w->errors, "patient", "postcode_district",
		      "invalid postcode district, expected an outward code such as LS6");
		return;
	}
	if (strlen(buf) > 4 || strchr(buf, ' ')) {
		issue(w, w->errors, "patient", "postcode_district",
		      "must be the postcode district only, such as LS6");
		return;
	}
	for (char *c = buf; *c; c++)
		if (*c >= 'a' && *c <= 'z')
			*c = (char)(*c - 'a' + 'A');
	pt->postcode_district = keep(w, buf);
	pt->postcode_area = keep(w, area);
	if (!w->ctx->regions)
		return;
	region = region_lookup(w->ctx->regions, area);
	if (region)
		pt->region = keep(w, region);
	else
		issue(w, w->warnings, "patient", "postcode_district",
		      "unknown postcode area, region left unknown");
}

static void take_patient(struct walk *w, const cJSON *doc, struct patient *pt)
{
	const cJSON *obj = NULL;

	if (get_object(w, doc, "patient", /* required= */ 0, &obj) != GOT_VALUE)
		return;
	take_age_band(w, obj, pt);
	get_coded(w, obj, "patient", "sex", VOCAB_SEX, "sex", &pt->sex);
	take_fitzpatrick(w, obj, pt);
	get_list(w, obj, "patient", "history", &pt->history);
	take_pseudonym(w, obj, pt);
	take_district(w, obj, pt);
	check_members(w, obj, "patient", SECTION_PATIENT);
}

/* The group comes from the vocabulary, with one rule that needs the
 * duration as well: docs/report-format.md counts redness gone within 72 hours as an
 * expected reaction, not a complication, whatever it was called. Swelling
 * and pinpoint bleeding have no code of their own; the vocabulary maps
 * them to expected_reaction directly. */
static void classify_complication(struct walk *w, const char *base, struct complication *c)
{
	const char *group;

	if (!c->type.code[0])
		return;
	if (strcmp(c->type.code, CODES_TYPE_ERYTHEMA) == 0 && c->duration_days >= 0 &&
	    c->duration_days <= 3) {
		snprintf(c->type.code, sizeof(c->type.code), "%s", CODES_TYPE_EXPECTED);
		issue(w, w->warnings, base, "type",
		      "redness resolving within 72 hours is an expected reaction");
	}
	group = vocab_complication_group(w->ctx->vocab, c->type.code);
	snprintf(c->group, sizeof(c->group), "%s", group ? group : "other");
}

static void take_complication(struct walk *w, const cJSON *obj, const char *base,
			      struct complication *c)
{
	c->onset_days = c->duration_days = -1;
	c->serious = TRI_UNKNOWN;
	if (!cJSON_IsObject(obj)) {
		issue(w, w->errors, base, "", "must be an object");
		return;
	}
	if (get_coded(w, obj, base, "type", VOCAB_COMPLICATION, "complication type", &c->type) ==
	    GOT_NONE)
		issue(w, w->errors, base, "type", "is required");
	get_int(w, obj, base, "onset_days", 0, DAYS_MAX, &c->onset_days);
	get_int(w, obj, base, "duration_days", 0, DAYS_MAX, &c->duration_days);
	get_coded(w, obj, base, "severity", VOCAB_SEVERITY, "severity", &c->severity);
	get_tristate(w, obj, base, "serious", &c->serious);
	get_coded(w, obj, base, "outcome", VOCAB_OUTCOME, "outcome", &c->outcome);
	get_list(w, obj, base, "treatment", &c->treatment);
	classify_complication(w, base, c);
	check_members(w, obj, base, SECTION_COMPLICATION);
}

static void take_complications(struct walk *w, const cJSON *doc, struct report *r)
{
	const cJSON *v = member(doc, "complications");
	char base[48];
	size_t i = 0;

	if (!v) {
		issue(w, w->errors, "", "complications", "is required");
		return;
	}
	if (!cJSON_IsArray(v)) {
		issue(w, w->errors, "", "complications", "must be an array");
		return;
	}
	int n = cJSON_GetArraySize(v);
	if (n == 0) {
		issue(w, w->errors, "", "complications", "must have at least one complication");
		return;
	}
	/* Past the limit, the first items are still checked: more errors in one answer. */
	if (n > COMPLICATIONS_MAX) {
		issue(w, w->errors, "", "complications", "must have at most %d items",
		      COMPLICATIONS_MAX);
		n = COMPLICATIONS_MAX;
	}
	r->complications = arena_alloc(w->a, (size_t)n * sizeof(*r->complications));
	if (!r->complications) {
		w->rc = -ENOMEM;
		return;
	}
	for (const cJSON *it = v->child; it && i < (size_t)n; it = it->next, i++) {
		snprintf(base, sizeof(base), "complications[%zu]", i);
		take_complication(w, it, base, &r->complications[i]);
	}
	r->n_complications = i;
}

static bool report_needs_review(const struct report *r)
{
	const struct procedure *p = &r->procedure;
	bool review = p->type.needs_review || p->setting.needs_review ||
		      p->practitioner_role.needs_review || p->device.needs_review ||
		      r->patient.sex.needs_review;

	for (size_t i = 0; i < r->n_complications; i++) {
		const struct complication *c = &r->complications[i];
		review = review || c->type.needs_review || c->severity.needs_review ||
			 c->outcome.needs_review;
	}
	return review;
}

/* *ret is written only when the report is valid; issues are appended to
 * whatever the lists already hold (a batch shares them across items). */
int normalise_report(const struct normalise_ctx *ctx, const cJSON *doc, struct arena *a,
		     struct report *ret, struct issues *errors, struct issues *warnings)
{
	struct walk w = {.ctx = ctx, .a = a, .errors = errors, .warnings = warnings};
	struct report r;
	size_t n_errors;

	assert(ctx && ctx->vocab && doc && a && ret && errors && warnings);
	n_errors = errors->n;
	memset(&r, 0, sizeof(r));
	if (!cJSON_IsObject(doc)) {
		issue(&w, errors, "", "", "report must be a JSON object");
		return w.rc ? w.rc : -EINVAL;
	}
	refuse_identifying_names(&w, doc, "", 0);
	take_header(&w, doc, &r);
	take_procedure(&w, doc, &r.procedure);
	take_patient(&w, doc, &r.patient);
	take_complications(&w, doc, &r);
	check_members(&w, doc, "", SECTION_REPORT);
	if (w.rc)
		return w.rc;
	if (errors->n > n_errors)
		return -EINVAL;
	r.needs_review = report_needs_review(&r);
	*ret = r;
	return 0;
}
