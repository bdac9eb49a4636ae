/* Batches: items read, normalised and queued as one writer job.
 *
 * Every item of every format goes through the same two steps the single
 * report takes (reports_normalise, reports_prepare), so a report is stored
 * the same way whether it came alone, in an array, a line of NDJSON, rows of
 * a CSV file or a FHIR Bundle. All state lives in the request's arena, hung
 * on rq->handler_state; the store items are one contiguous array because
 * the writer's store_job wants exactly that. */
#include "batch.h"
#include "arena.h"
#include "fhir.h"
#include "jsonstrict.h"
#include "log.h"
#include "metrics.h"
#include "report_csv.h"
#include "reports.h"
#include "request.h"
#include "respond.h"
#include "server.h"
#include "store.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* As for a single report (reports.c). */
#define JSON_MAX_DEPTH 32
#define JSON_MAX_STRING (16 * 1024)
#define CLIENT_REF_ECHO_MAX 64

struct batch_item {
	bool queued;
	size_t store_idx;
	struct report report;
	struct issues errors, warnings;
	const char *client_ref;		   /* as sent, for a rejected item's result */
	size_t line;			   /* NDJSON: its line */
	const struct report_csv_item *csv; /* CSV: its rows' lines */
	int entry;			   /* FHIR: its Bundle entry */
};

struct batch {
	enum body_format fmt;
	const char *format; /* stored reports.format */
	struct batch_item *items;
	size_t n;
	struct store_item *store; /* the queued items, contiguous */
	size_t n_store;
	struct store_job job;
	struct issues file_warnings; /* CSV: about the file itself */
	struct place_memo *memo;
	int rc; /* -EAGAIN or -ENOMEM: sticky */
};

static struct batch *batch_new(struct request *rq, enum body_format fmt, size_t n)
{
	struct batch *b = arena_alloc(rq->arena, sizeof(*b));
	if (!b)
		return NULL;
	b->fmt = fmt;
	b->format = fmt == FORMAT_CSV ? "csv" : fmt == FORMAT_FHIR ? "fhir" : "json";
	b->items = arena_alloc(rq->arena, (n ? n : 1) * sizeof(*b->items));
	b->store = arena_alloc(rq->arena, (n ? n : 1) * sizeof(*b->store));
	if (!b->items || !b->store)
		return NULL;
	b->n = n;
	static const enum report_source source[] = {
	    [FORMAT_UNKNOWN] = SOURCE_JSON_ARRAY, [FORMAT_JSON] = SOURCE_JSON_ARRAY,
	    [FORMAT_NDJSON] = SOURCE_NDJSON,	  [FORMAT_CSV] = SOURCE_CSV,
	    [FORMAT_FHIR] = SOURCE_FHIR,
	};
	metrics_count_source(rq->server->metrics, source[fmt], n);
	issues_init(&b->file_warnings, rq->arena);
	for (size_t i = 0; i < n; i++) {
		issues_init(&b->items[i].errors, rq->arena);
		issues_init(&b->items[i].warnings, rq->arena);
		b->items[i].entry = -1;
	}
	return b;
}

enum MHD_Result batch_too_large(struct request *rq)
{
	char detail[120];
	snprintf(detail, sizeof(detail), "a batch may hold at most %d reports; split it",
		 rq->server->cfg->max_batch_reports);
	rq->status = MHD_HTTP_CONTENT_TOO_LARGE;
	return respond_problem(rq->conn, rq->status, "batch-too-large", "too many reports", detail,
			       NULL, NULL);
}

static enum MHD_Result malformed(struct request *rq, const char *detail)
{
	return reports_problem(rq, MHD_HTTP_BAD_REQUEST, "malformed-body", "malformed request body",
			       detail, NULL);
}

/* ---- items ------------------------------------------------------------------- */

/* Normalises one report into the item. True when it may be stored: no
 * errors, including those its format added before (mapping, CSV rows). */
/* The client_ref as sent, for a rejected item's result (when short enough
 * to be one: a long one is itself an error). */
static void echo_client_ref(struct request *rq, struct batch_item *it, const cJSON *doc)
{
	const cJSON *ref = json_get(doc, "client_ref");

	if (cJSON_IsString(ref) && strlen(ref->valuestring) <= CLIENT_REF_ECHO_MAX)
		it->client_ref = arena_strdup(rq->arena, ref->valuestring);
}

static bool normalise_item(struct request *rq, struct batch *b, struct batch_item *it,
			   const cJSON *doc)
{
	echo_client_ref(rq, it, doc);
	int rc = reports_normalise(rq, doc, &it->report, &it->errors, &it->warnings);
	if (rc == -ENOMEM)
		b->rc = -ENOMEM;
	return rc == 0 && it->errors.n == 0;
}

static void queue_item(struct request *rq, struct batch *b, struct batch_item *it, const char *body)
{
	const char *normalised, *warnings;

	if (b->rc)
		return;
	int rc = reports_prepare(rq, &it->report, b->format, body, &it->errors, &it->warnings,
				 &b->memo, &b->store[b->n_store], &normalised, &warnings);
	if (rc == -EINVAL) /* this item is rejected, with its errors; the rest go on */
		return;
	if (rc < 0) {
		b->rc = rc;
		return;
	}
	it->queued = true;
	it->store_idx = b->n_store++;
}

/* All items are read: queue the valid ones as one job, or answer now. */
static enum MHD_Result submit(struct request *rq, struct batch *b)
{
	if (b->rc == -EAGAIN)
		return reports_problem(rq, MHD_HTTP_SERVICE_UNAVAILABLE, "database-unavailable",
				       "database unavailable",
				       "no report of the batch was stored; retry it later", NULL);
	if (b->rc)
		return MHD_NO;
	rq->handler_state = b;
	if (b->n_store == 0)
		return batch_answer(rq);
	store_job_init(&b->job, b->store, b->n_store, request_resume, rq);
	return request_submit(rq, &b->job.job);
}

/* ---- formats ------------------------------------------------------------------ */

enum MHD_Result batch_post_json_array(struct request *rq, cJSON *doc)
{
	int n = cJSON_GetArraySize(doc), i = 0;
	char detail[96];
	cJSON *el;

	if (n == 0 || n > rq->server->cfg->max_batch_reports) {
		cJSON_Delete(doc);
		return n ? batch_too_large(rq) : malformed(rq, "the batch is empty");
	}
	/* One document: if its shape is wrong, nothing in it can be trusted. */
	cJSON_ArrayForEach(el, doc)
	{
		if (!cJSON_IsObject(el)) {
			snprintf(detail, sizeof(detail),
				 "item %d of the batch is not a JSON object", i);
			cJSON_Delete(doc);
			return malformed(rq, detail);
		}
		i++;
	}
	struct batch *b = batch_new(rq, FORMAT_JSON, (size_t)n);
	if (!b) {
		cJSON_Delete(doc);
		return MHD_NO;
	}
	i = 0;
	cJSON_ArrayForEach(el, doc)
	{
		struct batch_item *it = &b->items[i++];
		if (normalise_item(rq, b, it, el))
			queue_item(rq, b, it, reports_stored_json(rq, el, &it->report));
	}
	cJSON_Delete(doc);
	return submit(rq, b);
}

static bool blank_line(const char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			return false;
	return true;
}

/* One NDJSON line: its own document, so a broken one rejects only itself. */
static void ndjson_line(struct request *rq, struct batch *b, struct batch_item *it, const char *p,
			size_t len)
{
	struct json_limits lim = {.max_depth = JSON_MAX_DEPTH, .max_string_bytes = JSON_MAX_STRING};
	struct json_error jerr;
	cJSON *doc = json_parse_strict(p, len, &lim, &jerr);

	if (!doc)
		/* Unchecked until the ingest rework answers -ENOMEM with respond_oom(). */
		(void)!issues_add(&it->errors, "", "not valid JSON at byte %zu of the line: %s",
			   jerr.offset, jerr.message);
	else if (!cJSON_IsObject(doc))
		/* Unchecked until the ingest rework answers -ENOMEM with respond_oom(). */
		(void)!issues_add(&it->errors, "", "a report must be a JSON object");
	else if (normalise_item(rq, b, it, doc))
		queue_item(rq, b, it, reports_stored_json(rq, doc, &it->report));
	cJSON_Delete(doc);
}

enum MHD_Result batch_post_ndjson(struct request *rq)
{
	const char *p = rq->body, *end = rq->body + rq->body_len;
	size_t n = 0, line = 0, i = 0;

	for (const char *q = p; q < end;) {
		const char *eol = memchr(q, '\n', (size_t)(end - q));
		size_t len = (size_t)((eol ? eol : end) - q);
		n += !blank_line(q, len);
		q += len + 1;
	}
	if (n == 0)
		return malformed(rq, "the body holds no report");
	if (n > (size_t)rq->server->cfg->max_batch_reports)
		return batch_too_large(rq);
	struct batch *b = batch_new(rq, FORMAT_NDJSON, n);
	if (!b)
		return MHD_NO;
	while (p < end && !b->rc) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)((eol ? eol : end) - p);
		line++;
		if (!blank_line(p, len)) {
			b->items[i].line = line;
			ndjson_line(rq, b, &b->items[i++], p, len);
		}
		p += len + 1;
	}
	return submit(rq, b);
}

/* The stored body of a CSV report: its JSON shape and its rows, with the
 * patient ref replaced by the pseudonym in both. Takes src's report tree. */
static const char *csv_body(struct request *rq, const struct report_csv *rc,
			    struct report_csv_item *src, const struct report *r)
{
	const char *pseudonym = r->patient.has_ref ? r->patient.pseudonym : NULL;
	cJSON *o = cJSON_CreateObject();
	cJSON *patient = cJSON_GetObjectItemCaseSensitive(src->report, "patient");
	cJSON *rows = report_csv_rows_json(rc, src, pseudonym);

	if (!o || !rows) {
		cJSON_Delete(o);
		cJSON_Delete(rows);
		return NULL;
	}
	if (pseudonym && patient)
		cJSON_ReplaceItemInObjectCaseSensitive(patient, "ref",
						       cJSON_CreateString(pseudonym));
	cJSON_AddStringToObject(o, "format", "csv");
	cJSON_AddItemToObject(o, "report", src->report);
	src->report = NULL;
	cJSON_AddItemToObject(o, "rows", rows);
	char *s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	const char *text = s ? arena_strdup(rq->arena, s) : NULL;
	free(s);
	return text;
}

enum MHD_Result batch_post_csv(struct request *rq)
{
	struct report_csv rc;
	struct csv_error err;
	char detail[200];
	int r = report_csv_parse(rq->body, rq->body_len, (size_t)rq->server->cfg->max_batch_reports,
				 rq->arena, &rc, &err);

	if (r == -E2BIG)
		return batch_too_large(rq);
	if (r == -EINVAL) {
		snprintf(detail, sizeof(detail), "line %zu: %s", err.line, err.message);
		return malformed(rq, detail);
	}
	if (r == -EPERM)
		return reports_problem(rq, MHD_HTTP_UNPROCESSABLE_CONTENT, "identifying-data",
				       "identifying data in the file",
				       "the header names columns of identifying data; remove them "
				       "and send the file again; nothing was stored",
				       &rc.refused);
	struct batch *b = r == 0 ? batch_new(rq, FORMAT_CSV, rc.n) : NULL;
	if (!b) {
		report_csv_free(&rc);
		return MHD_NO;
	}
	b->file_warnings = rc.warnings;
	for (size_t i = 0; i < rc.n && !b->rc; i++) {
		struct batch_item *it = &b->items[i];
		it->csv = &rc.items[i];
		/* Rows that could not be read leave the report incomplete: what
		 * normalisation would add about it is noise, not news. */
		if (rc.items[i].errors.n) {
			it->errors = rc.items[i].errors;
			echo_client_ref(rq, it, rc.items[i].report);
			continue;
		}
		if (normalise_item(rq, b, it, rc.items[i].report))
			queue_item(rq, b, it, csv_body(rq, &rc, &rc.items[i], &it->report));
	}
	report_csv_free(&rc);
	return submit(rq, b);
}

enum MHD_Result batch_post_fhir(struct request *rq, struct fhir_doc *fd)
{
	struct batch *b = batch_new(rq, FORMAT_FHIR, fd->n);

	for (size_t i = 0; b && i < fd->n && !b->rc; i++) {
		struct batch_item *it = &b->items[i];
		struct fhir_item *src = &fd->items[i];
		it->entry = src->entry;
		it->errors = src->errors;
		it->warnings = src->warnings;
		if (!normalise_item(rq, b, it, src->report))
			continue;
		char *s = cJSON_PrintUnformatted(src->stored);
		queue_item(rq, b, it, s ? arena_strdup(rq->arena, s) : NULL);
		free(s);
	}
	fhir_doc_free(fd);
	return b ? submit(rq, b) : MHD_NO;
}

/* ---- the answer ---------------------------------------------------------------- */

struct counts {
	size_t accepted, duplicate, conflict, rejected;
};

/* The item's errors; CSV ones name the line each comes from. */
static cJSON *errors_json(const struct batch_item *it)
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

static void add_source(cJSON *o, const struct batch *b, const struct batch_item *it)
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

static cJSON *item_json(const struct batch *b, size_t i, struct counts *c)
{
	const struct batch_item *it = &b->items[i];
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
static unsigned batch_failure(const struct batch *b)
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

enum MHD_Result batch_answer(struct request *rq)
{
	struct batch *b = rq->handler_state;
	struct counts c = {0};
	unsigned failed = batch_failure(b);

	if (failed == MHD_HTTP_SERVICE_UNAVAILABLE)
		return reports_problem(rq, failed, "database-unavailable", "database unavailable",
				       "no report of the batch was stored; retry it later", NULL);
	if (failed)
		return reports_problem(rq, failed, "internal", "batch not stored",
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
		  rq->id, rq->account.premises_id, b->format, b->n, c.accepted, c.duplicate, c.conflict,
		  c.rejected);
	rq->status = MHD_HTTP_OK;
	enum MHD_Result ret = respond_json(rq->conn, MHD_HTTP_OK, o, NULL);
	cJSON_Delete(o);
	return ret;
}
