/* Re-derivation of one stored report (see rederive.h).
 *
 * What must match the daemon exactly is what decides "changed": the
 * normalised document (compared as jsonb, so member order does not matter)
 * and the warnings list (order matters: mapping warnings, then
 * normalisation's, then the place's, as daemon/server/reports.c adds them). */
#include "rederive.h"
#include "arena.h"
#include "fhir.h"
#include "issues.h"
#include "normalise.h"
#include "report.h"

#include <cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *print_json(struct arena *a, const cJSON *j)
{
	char *s = j ? cJSON_PrintUnformatted(j) : NULL;
	const char *out = s ? arena_strdup(a, s) : NULL;
	free(s);
	return out;
}

static const char *issues_text(struct arena *a, const struct issues *l)
{
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; arr && i < l->n; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "field", l->v[i].field);
		cJSON_AddStringToObject(o, "message", l->v[i].message);
		cJSON_AddItemToArray(arr, o);
	}
	const char *s = print_json(a, arr);
	cJSON_Delete(arr);
	return s;
}

/* The place warnings of reports.c's resolve_place(), from what it decided
 * then (the row's procedure_premises_id), so a re-run reproduces them.
 * NULL when a warning could not be recorded (out of memory): a re-derived
 * row must not silently lose one. */
static const char *place_setting(const struct stored_report *s, const struct report *r,
				 struct issues *w)
{
	const char *reported = r->procedure.setting.code;
	const char *setting = reported[0] ? reported : "unknown";
	int rc = 0;

	if (r->procedure.premises_code && !s->procedure_premises_id)
		rc |= issues_add(
		    w, "procedure.premises_code",
		    "no registered premises has this code; counted as an unregistered place");
	if (s->procedure_premises_id && s->premises_setting)
		setting = s->premises_setting;
	if (s->procedure_premises_id && reported[0] && strcmp(reported, setting) != 0)
		rc |= issues_add(w, "procedure.setting",
				 "differs from the premises' registered setting %s, which is used",
				 setting);
	if (!s->procedure_premises_id && !reported[0])
		rc |= issues_add(w, "procedure.setting",
				 "missing for an unregistered place; stored as unknown");
	return rc < 0 ? NULL : setting;
}

static const char *normalised_text(struct arena *a, const struct report *r, long long premises_id,
				   const char *setting)
{
	cJSON *j = report_to_json(r);
	cJSON *proc = cJSON_GetObjectItemCaseSensitive(j, "procedure");
	cJSON *place = cJSON_CreateObject();

	if (premises_id)
		cJSON_AddNumberToObject(place, "premises_id", (double)premises_id);
	else
		cJSON_AddNullToObject(place, "premises_id");
	cJSON_AddBoolToObject(place, "registered", premises_id != 0);
	cJSON_AddStringToObject(place, "setting", setting);
	cJSON_AddItemToObject(proc ? proc : j, "place", place);
	const char *s = print_json(a, j);
	cJSON_Delete(j);
	return s;
}

/* The JSON report shape inside a stored body; owned by the caller. FHIR
 * bodies are mapped again (their mapping warnings go first into w). */
static cJSON *report_shape(const struct rederive_ctx *ctx, const struct stored_report *s,
			   cJSON *doc, struct arena *a, struct issues *w, char *why, size_t why_len)
{
	if (strcmp(s->format, "csv") == 0)
		return cJSON_DetachItemFromObjectCaseSensitive(doc, "report");
	if (strcmp(s->format, "fhir") != 0)
		return cJSON_Duplicate(doc, 1);
	struct fhir_ctx fctx = {.vocab = ctx->vocab, .key = NULL};
	struct fhir_doc fd;
	if (fhir_map(&fctx, doc, 1, a, &fd, why, why_len) < 0)
		return NULL;
	cJSON *r = NULL;
	if (fd.n == 1 && fd.items[0].errors.n == 0) {
		r = fd.items[0].report;
		fd.items[0].report = NULL;
		*w = fd.items[0].warnings;
	} else {
		snprintf(why, why_len, "the stored FHIR document no longer maps to one report");
	}
	fhir_doc_free(&fd);
	return r;
}

int rederive_report(const struct rederive_ctx *ctx, const struct stored_report *s, struct arena *a,
		    const char **ret_normalised, const char **ret_warnings, char *why,
		    size_t why_len)
{
	struct normalise_ctx nctx = {.vocab = ctx->vocab, .regions = ctx->regions, .key = NULL};
	struct issues errors, warnings;
	struct report r;
	int rc = -EINVAL;

	issues_init(&errors, a);
	issues_init(&warnings, a);
	memcpy(nctx.today, ctx->today, sizeof(nctx.today));
	snprintf(why, why_len, "the stored body is not valid JSON");
	cJSON *doc = cJSON_Parse(s->body);
	cJSON *shape = doc ? report_shape(ctx, s, doc, a, &warnings, why, why_len) : NULL;
	cJSON_Delete(doc);
	if (!shape)
		return -EINVAL;
	/* The stored ref is the pseudonym already: never hash it again. */
	cJSON_DeleteItemFromObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(shape, "patient"),
						"ref");
	rc = normalise_report(&nctx, shape, a, &r, &errors, &warnings);
	cJSON_Delete(shape);
	if (rc < 0) {
		if (errors.n)
			snprintf(why, why_len, "%s: %s", errors.v[0].field, errors.v[0].message);
		return rc;
	}
	if (s->pseudonym && strlen(s->pseudonym) == PSEUDONYM_HEX_LEN) {
		r.patient.has_ref = true;
		memcpy(r.patient.pseudonym, s->pseudonym, PSEUDONYM_HEX_LEN + 1);
	}
	const char *setting = place_setting(s, &r, &warnings);
	if (!setting)
		return -ENOMEM;
	*ret_normalised = normalised_text(a, &r, s->procedure_premises_id, setting);
	*ret_warnings = issues_text(a, &warnings);
	return *ret_normalised && *ret_warnings ? 0 : -ENOMEM;
}
