/* Re-derivation of one stored report (see rederive.h).
 *
 * What must match the daemon exactly is what decides "changed": the
 * normalised document (compared as jsonb, so member order does not matter)
 * and the warnings list (order matters: mapping warnings, then
 * normalisation's, then the place's). Both, and every other column, come
 * from core/stored_report.c, as the daemon's do. */
#include "rederive.h"
#include "arena.h"
#include "fhir.h"
#include "issues.h"
#include "normalise.h"
#include "report.h"
#include "stored_report.h"

#include <cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The JSON report shape inside a stored body; owned by the caller. FHIR
 * bodies are mapped again (their mapping warnings go first into w). */
static cJSON *report_shape(const struct rederive_ctx *ctx, const struct rederive_source *s,
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

int rederive_report(const struct rederive_ctx *ctx, const struct rederive_source *s,
		    struct arena *a, struct stored_row *ret_row, char *why, size_t why_len)
{
	struct normalise_ctx nctx = {.vocab = ctx->vocab, .regions = ctx->regions, .key = NULL};
	struct issues errors, warnings;
	/* In the arena: the row points into it (its codes and dates). */
	struct report *r = arena_alloc(a, sizeof(*r));
	int rc = -EINVAL;

	issues_init(&errors, a);
	issues_init(&warnings, a);
	memcpy(nctx.today, ctx->today, sizeof(nctx.today));
	if (!r)
		return -ENOMEM;
	snprintf(why, why_len, "the stored body is not valid JSON");
	cJSON *doc = cJSON_Parse(s->body);
	cJSON *shape = doc ? report_shape(ctx, s, doc, a, &warnings, why, why_len) : NULL;
	cJSON_Delete(doc);
	if (!shape)
		return -EINVAL;
	/* The stored ref is the pseudonym already: never hash it again. */
	cJSON_DeleteItemFromObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(shape, "patient"),
						"ref");
	rc = normalise_report(&nctx, shape, a, r, &errors, &warnings);
	cJSON_Delete(shape);
	if (rc < 0) {
		if (errors.n)
			snprintf(why, why_len, "%s: %s", errors.v[0].field, errors.v[0].message);
		return rc;
	}
	if (s->pseudonym && strlen(s->pseudonym) == PSEUDONYM_HEX_LEN) {
		r->patient.has_ref = true;
		memcpy(r->patient.pseudonym, s->pseudonym, PSEUDONYM_HEX_LEN + 1);
	}
	struct stored_origin origin = {.format = s->format};
	struct stored_place place;
	rc = stored_report_place_recorded(r, s->procedure_premises_id, s->premises_setting, &place,
					  &warnings);
	if (rc < 0)
		return rc;
	rc = stored_report_row(ret_row, a, r, &origin, &place, s->body, &warnings);
	if (rc == -EIO)
		snprintf(why, why_len, "the stored body cannot be hashed");
	return rc;
}
