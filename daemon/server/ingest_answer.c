/* Ingest's answers: the single-report answer (201/200/409/422) and the
 * per-item batch answer, from the items once the writer is done with them.
 * Formats other than ours (FHIR's own) hook in at ingest_answer(). */
#include "arena.h"
#include "fhir_answer.h"
#include "fhir_outcome.h"
#include "ingest.h"
#include "log.h"
#include "metrics.h"
#include "report_csv.h"
#include "request.h"
#include "respond.h"
#include "server.h"

#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum MHD_Result ingest_problem(struct request *rq, unsigned status, const char *type,
			       const char *title, const char *detail, const struct issues *errors)
{
	if (status == MHD_HTTP_BAD_REQUEST || status == MHD_HTTP_UNPROCESSABLE_CONTENT)
		metrics_count_report(rq->server->metrics, OUTCOME_REJECTED, 1);
	return respond_problem(rq, status, type, title, detail, errors, NULL);
}

enum MHD_Result ingest_too_large(struct request *rq)
{
	char detail[120];
	snprintf(detail, sizeof(detail), "a batch may hold at most %d reports; split it",
		 rq->snap->cfg.max_batch_reports);
	return respond_problem(rq, MHD_HTTP_CONTENT_TOO_LARGE, "batch-too-large",
			       "too many reports", detail, NULL, NULL);
}

enum MHD_Result ingest_answer_invalid(struct request *rq, const struct issues *errors)
{
	return ingest_problem(rq, MHD_HTTP_UNPROCESSABLE_CONTENT, "invalid-report",
			      "invalid report", "one or more fields are invalid; see errors",
			      errors);
}

enum MHD_Result ingest_answer_unavailable(struct request *rq, const struct ingest *ing)
{
	return ingest_problem(rq, MHD_HTTP_SERVICE_UNAVAILABLE, "database-unavailable",
			      "database unavailable",
			      ing->single ? "the report was not stored; retry later"
					  : "no report of the batch was stored; retry it later",
			      NULL);
}

/* ---- one report ------------------------------------------------------------------ */

static enum MHD_Result answer_stored(struct request *rq, const struct ingest *ing, unsigned status,
				     const char *state)
{
	const struct ingest_item *it = &ing->items[0];
	const struct store_item *si = &ing->store[it->store_idx];
	char location[64];
	struct respond_extra extra = {.location = location};
	cJSON *w = issues_json(&it->warnings);
	char *wtext = w ? cJSON_PrintUnformatted(w) : NULL;
	char *text = wtext ? arena_printf(rq->arena,
					  "{\"id\":%lld,\"status\":\"%s\",\"report\":%s,"
					  "\"warnings\":%s}\n",
					  si->id, state, si->row.v[SCOL_NORMALISED], wtext)
			   : NULL;

	cJSON_Delete(w);
	free(wtext);
	/* Stored already: a retry is answered as a duplicate. */
	if (!text)
		return respond_oom(rq, "ingest_answer");
	snprintf(location, sizeof(location), "/v1/reports/%lld", si->id);
	rq->status = status;
	metrics_count_report(rq->server->metrics,
			     status == MHD_HTTP_CREATED ? OUTCOME_ACCEPTED : OUTCOME_DUPLICATE, 1);
	log_event(LOG_INFO, "report_stored",
		  "request_id=%s premises=%lld report=%lld version=%d outcome=%s", rq->id,
		  rq->account.premises_id, si->id, it->report.version, state);
	return respond_request_text(rq, status, "application/json", text, strlen(text), &extra,
				    "ingest_answer");
}

/* The single report's answer: stored, a replay, a conflict, or not stored. */
static enum MHD_Result answer_single(struct request *rq, const struct ingest *ing)
{
	const struct ingest_item *it = &ing->items[0];
	char detail[200];

	if (!it->queued)
		return ingest_answer_invalid(rq, &it->errors);
	const struct store_item *si = &ing->store[it->store_idx];
	switch (si->status) {
	case STORE_ACCEPTED:
		return answer_stored(rq, ing, MHD_HTTP_CREATED, "accepted");
	case STORE_DUPLICATE:
		return answer_stored(rq, ing, MHD_HTTP_OK, "duplicate");
	case STORE_CONFLICT:
		snprintf(
		    detail, sizeof(detail),
		    "version %d of this client_ref was already stored (id %lld) with different "
		    "content; send a higher version for a follow-up",
		    it->report.version, si->id);
		return ingest_problem(rq, MHD_HTTP_CONFLICT, "conflict",
				      "report version already stored", detail, NULL);
	case STORE_UNAVAILABLE:
		return ingest_answer_unavailable(rq, ing);
	default:
		return ingest_problem(rq, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
				      "report not stored",
				      "the database refused the report; it was not stored", NULL);
	}
}

/* ---- a batch ---------------------------------------------------------------------- */

struct counts {
	size_t accepted, duplicate, conflict, rejected;
};

/* The item's errors; CSV ones name the line each comes from. */
static cJSON *errors_json(const struct ingest_item *it)
{
	cJSON *arr = issues_json(&it->errors), *e;
	size_t i = 0;

	if (!it->csv)
		return arr;
	cJSON_ArrayForEach(e, arr)
	{
		const char *field = it->errors.v[i++].field;
		if (strncmp(field, "line ", 5) != 0)
			cJSON_AddNumberToObject(e, "line",
						(double)report_csv_line_of(it->csv, field));
	}
	return arr;
}

static void add_source(cJSON *o, const struct ingest *b, const struct ingest_item *it)
{
	if (b->fmt == FORMAT_NDJSON) {
		cJSON_AddNumberToObject(o, "line", (double)it->line);
	} else if (b->fmt == FORMAT_CSV && it->csv) {
		cJSON *lines = cJSON_AddArrayToObject(o, "lines");
		for (size_t i = 0; lines && i < it->csv->n_lines; i++)
			cJSON_AddItemToArray(lines, cJSON_CreateNumber((double)it->csv->lines[i]));
	} else if (b->fmt == FORMAT_FHIR) {
		cJSON_AddNumberToObject(o, "entry", it->entry);
	}
}

static const char *stored_status(const struct store_item *si, struct counts *c)
{
	switch (si->status) {
	case STORE_ACCEPTED:
		c->accepted++;
		return "accepted";
	case STORE_DUPLICATE:
		c->duplicate++;
		return "duplicate";
	default:
		c->conflict++;
		return "conflict";
	}
}

static cJSON *item_json(const struct ingest *b, size_t i, struct counts *c)
{
	const struct ingest_item *it = &b->items[i];
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return NULL;
	cJSON_AddNumberToObject(o, "index", (double)i);
	add_source(o, b, it);
	if (!it->queued) {
		c->rejected++;
		cJSON_AddStringToObject(o, "status", "rejected");
		if (it->client_ref)
			cJSON_AddStringToObject(o, "client_ref", it->client_ref);
		cJSON_AddItemToObject(o, "errors", errors_json(it));
		cJSON_AddItemToObject(o, "warnings", issues_json(&it->warnings));
		return o;
	}
	const struct store_item *si = &b->store[it->store_idx];
	cJSON_AddStringToObject(o, "status", stored_status(si, c));
	cJSON_AddNumberToObject(o, "id", (double)si->id);
	cJSON_AddStringToObject(o, "client_ref", it->report.client_ref);
	cJSON_AddNumberToObject(o, "version", it->report.version);
	if (si->status == STORE_CONFLICT) {
		cJSON *arr = cJSON_AddArrayToObject(o, "errors"), *x = cJSON_CreateObject();
		cJSON_AddStringToObject(x, "field", "version");
		cJSON_AddStringToObject(x, "message",
					"this version was already stored with different content; "
					"send a higher version for a follow-up");
		cJSON_AddItemToArray(arr, x);
	}
	cJSON_AddItemToObject(o, "warnings", issues_json(&it->warnings));
	return o;
}

/* The writer fails a job as a whole, so one item tells for all: 0 when the
 * batch was committed, else the status of the whole-batch answer. */
static unsigned batch_failure(const struct ingest *b)
{
	if (b->n_store == 0)
		return 0;
	switch (b->store[0].status) {
	case STORE_UNAVAILABLE:
		return MHD_HTTP_SERVICE_UNAVAILABLE;
	case STORE_FAILED:
	case STORE_PENDING:
		return MHD_HTTP_INTERNAL_SERVER_ERROR;
	default:
		return 0;
	}
}

/* The per-item answer of a batch. */
static enum MHD_Result answer_batch(struct request *rq, const struct ingest *b)
{
	struct counts c = {0};
	unsigned failed = batch_failure(b);

	if (failed == MHD_HTTP_SERVICE_UNAVAILABLE)
		return ingest_problem(rq, failed, "database-unavailable", "database unavailable",
				      "no report of the batch was stored; retry it later", NULL);
	if (failed)
		return ingest_problem(rq, failed, "internal", "batch not stored",
				      "the database refused the batch; nothing was stored", NULL);
	cJSON *o = cJSON_CreateObject();
	cJSON *results = cJSON_AddArrayToObject(o, "results");
	for (size_t i = 0; results && i < b->n; i++)
		cJSON_AddItemToArray(results, item_json(b, i, &c));
	cJSON_AddNumberToObject(o, "accepted", (double)c.accepted);
	cJSON_AddNumberToObject(o, "duplicate", (double)c.duplicate);
	cJSON_AddNumberToObject(o, "conflict", (double)c.conflict);
	cJSON_AddNumberToObject(o, "rejected", (double)c.rejected);
	if (b->file_warnings.n)
		cJSON_AddItemToObject(o, "warnings", issues_json(&b->file_warnings));
	metrics_count_report(rq->server->metrics, OUTCOME_ACCEPTED, c.accepted);
	metrics_count_report(rq->server->metrics, OUTCOME_DUPLICATE, c.duplicate);
	metrics_count_report(rq->server->metrics, OUTCOME_REJECTED, c.rejected + c.conflict);
	log_event(LOG_INFO, "batch_stored",
		  "request_id=%s premises=%lld format=%s reports=%zu accepted=%zu duplicate=%zu "
		  "conflict=%zu rejected=%zu",
		  rq->id, rq->account.premises_id, b->format, b->n, c.accepted, c.duplicate,
		  c.conflict, c.rejected);
	rq->status = MHD_HTTP_OK;
	enum MHD_Result ret = b->fmt == FORMAT_FHIR && fhir_outcome_wanted(rq->conn)
				  ? fhir_answer_bundle(rq, o, b->fhir_type, b->fhir_entries)
				  : respond_request_json(rq, MHD_HTTP_OK, o, NULL, "ingest_answer");
	cJSON_Delete(o);
	return ret;
}

enum MHD_Result ingest_answer(struct request *rq, struct ingest *ing)
{
	return ing->single ? answer_single(rq, ing) : answer_batch(rq, ing);
}
