/* Ingest: a POST /v1/reports body read into items and queued (see ingest.h).
 *
 * The request thread does everything that needs no write: strict parse,
 * normalisation, the place of the procedure, pseudonymisation of the stored
 * body, and the stored rows (core/stored_report.c). Then it suspends the
 * connection and queues one job to the writer, which resumes it after
 * COMMIT; ingest_answer.c answers. All state lives in the request's arena,
 * hung on rq->handler_state. */
#include "ingest.h"
#include "arena.h"
#include "directory.h"
#include "fhir.h"
#include "jsonstrict.h"
#include "metrics.h"
#include "normalise.h"
#include "plausibility.h"
#include "report_csv.h"
#include "report_members.h"
#include "request.h"
#include "respond.h"
#include "server.h"
#include "stored_report.h"
#include "util.h"

#include <cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* Deeper than any report needs (4 levels) with room for FHIR Bundles; far
 * below cJSON's fixed 1000, which is a stack-depth risk on small threads. */
#define JSON_MAX_DEPTH 32
/* No report string comes near it (a narrative is at most 10,000 bytes);
 * FHIR resources may carry longer generated narrative HTML. */
#define JSON_MAX_STRING (16 * 1024)
#define FHIR_MAX_STRING (64 * 1024)
/* A rejected item's client_ref is echoed only when short enough to be one
 * (a long one is itself an error). */
#define CLIENT_REF_ECHO_MAX 64

/* The configuration this request reads. */
static const struct config *cfg(const struct request *rq)
{
	return &rq->snap->cfg;
}

/* ---- the body's format ----------------------------------------------------- */

/* The media type of a Content-Type value, without parameters, compared
 * case-insensitively. */
static bool media_type_is(const char *ct, const char *type)
{
	if (!ct)
		return false;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	size_t n = strcspn(ct, ";");
	while (n && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
		n--;
	return n == strlen(type) && strncasecmp(ct, type, n) == 0;
}

/* A charset parameter other than UTF-8 (or its subset US-ASCII): CSV from
 * Excel's plain "CSV" is Windows-1252, which we do not guess at. */
static bool foreign_charset(const char *ct)
{
	const char *p = ct ? strcasestr(ct, "charset=") : NULL;
	if (!p)
		return false;
	p += strlen("charset=");
	if (*p == '"')
		p++;
	return strncasecmp(p, "utf-8", 5) != 0 && strncasecmp(p, "utf8", 4) != 0 &&
	       strncasecmp(p, "us-ascii", 8) != 0;
}

static enum body_format body_format_of(const char *ct)
{
	if (media_type_is(ct, "application/json"))
		return FORMAT_JSON;
	if (media_type_is(ct, "application/x-ndjson") || media_type_is(ct, "application/ndjson"))
		return FORMAT_NDJSON;
	if (media_type_is(ct, "text/csv"))
		return FORMAT_CSV;
	if (media_type_is(ct, "application/fhir+json") ||
	    media_type_is(ct, "application/json+fhir"))
		return FORMAT_FHIR;
	return FORMAT_UNKNOWN;
}

static const char *content_type(struct request *rq)
{
	return MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
}

enum body_format ingest_body_format(struct request *rq)
{
	return body_format_of(content_type(rq));
}

enum MHD_Result ingest_post_begin(struct request *rq)
{
	struct MHD_Connection *c = rq->conn;
	const char *ct = content_type(rq);
	const char *cl =
	    MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	enum body_format f = body_format_of(ct);

	if (f == FORMAT_UNKNOWN || (f == FORMAT_CSV && foreign_charset(ct))) {
		return respond_problem(
		    rq, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type",
		    "unsupported content type",
		    f == FORMAT_CSV ? "send CSV as UTF-8 (Excel: \"CSV UTF-8\")"
				    : "send application/json, application/x-ndjson, text/csv "
				      "or application/fhir+json",
		    NULL, NULL);
	}
	if (cl && strtoull(cl, NULL, 10) > cfg(rq)->max_body_bytes) {
		return respond_problem(rq, MHD_HTTP_CONTENT_TOO_LARGE, "body-too-large",
				       "request body too large", "the body exceeds max_body_bytes",
				       NULL, NULL);
	}
	return MHD_YES;
}

/* ---- one item: normalise, prepare ------------------------------------------ */

static unsigned long count_review(const struct report *r)
{
	unsigned long n = r->procedure.setting.needs_review +
			  r->procedure.practitioner_role.needs_review +
			  r->procedure.device.needs_review + r->procedure.type.needs_review +
			  r->patient.sex.needs_review;
	for (size_t i = 0; i < r->n_complications; i++) {
		const struct complication *c = &r->complications[i];
		n += c->type.needs_review + c->severity.needs_review + c->outcome.needs_review;
	}
	return n;
}

/* Premises codes already looked up for this request: a batch names the
 * same few places again and again. */
struct place_memo {
	struct place_memo *next;
	const char *code;
	int rc; /* 0 or -ENOENT */
	long long id;
	char setting[24];
};

struct premises_lookup {
	struct request *rq;
	struct place_memo **memo;
};

/* stored_premises_lookup over directory_premises_by_code(), remembered for
 * the rest of the request (an -EAGAIN is not remembered). */
static int lookup_premises(void *arg, const char *code, long long *ret_id, char *setting,
			   size_t len)
{
	struct premises_lookup *pl = arg;
	struct place_memo *m;

	for (m = *pl->memo; m; m = m->next)
		if (strcmp(m->code, code) == 0)
			break;
	if (!m) {
		struct place_memo tmp = {.code = code};
		tmp.rc = directory_premises_by_code(pl->rq->server->readers, code, &tmp.id,
						    tmp.setting, sizeof(tmp.setting));
		if (tmp.rc == -EAGAIN || !(m = arena_alloc(pl->rq->arena, sizeof(*m)))) {
			*ret_id = tmp.id;
			snprintf(setting, len, "%s", tmp.setting);
			return tmp.rc;
		}
		*m = tmp;
		m->next = *pl->memo;
		*pl->memo = m;
	}
	*ret_id = m->id;
	snprintf(setting, len, "%s", m->setting);
	return m->rc;
}

/* Normalises doc (the JSON report shape) with the live vocabulary,
 * read-locked for just this call so SIGHUP can swap it between reports. */
static int normalise_locked(struct request *rq, const cJSON *doc, struct report *ret,
			    struct issues *errors, struct issues *warnings)
{
	struct server *s = rq->server;
	struct normalise_ctx ctx = {.key = &s->key};
	util_today_utc(ctx.today);
	ctx.vocab = rq->snap->vocab;
	ctx.regions = rq->snap->regions;
	return normalise_report(&ctx, doc, rq->arena, ret, errors, warnings);
}

static struct ingest *ingest_new(struct request *rq, enum body_format fmt,
				 enum report_source source, size_t n, bool single)
{
	struct ingest *ing = arena_alloc(rq->arena, sizeof(*ing));
	if (!ing)
		return NULL;
	memset(ing, 0, sizeof(*ing));
	ing->fmt = fmt;
	ing->single = single;
	ing->format = fmt == FORMAT_CSV ? "csv" : fmt == FORMAT_FHIR ? "fhir" : "json";
	ing->items = arena_alloc(rq->arena, (n ? n : 1) * sizeof(*ing->items));
	ing->store = arena_alloc(rq->arena, (n ? n : 1) * sizeof(*ing->store));
	if (!ing->items || !ing->store)
		return NULL;
	memset(ing->items, 0, (n ? n : 1) * sizeof(*ing->items));
	ing->n = n;
	metrics_count_source(rq->server->metrics, source, n);
	issues_init(&ing->file_warnings, rq->arena);
	for (size_t i = 0; i < n; i++) {
		issues_init(&ing->items[i].errors, rq->arena);
		issues_init(&ing->items[i].warnings, rq->arena);
		ing->items[i].entry = -1;
	}
	return ing;
}

/* The client_ref as sent, for a rejected item's result. */
static void echo_client_ref(struct request *rq, struct ingest_item *it, const cJSON *doc)
{
	const cJSON *ref = json_get(doc, "client_ref");

	if (cJSON_IsString(ref) && strlen(ref->valuestring) <= CLIENT_REF_ECHO_MAX)
		it->client_ref = arena_strdup(rq->arena, ref->valuestring);
}

/* Normalises one report into the item. True when it may be stored: no
 * errors, including those its format added before (mapping, CSV rows). */
static bool normalise_item(struct request *rq, struct ingest *ing, struct ingest_item *it,
			   const cJSON *doc)
{
	echo_client_ref(rq, it, doc);
	int rc = normalise_locked(rq, doc, &it->report, &it->errors, &it->warnings);
	if (rc == -ENOMEM)
		ing->rc = -ENOMEM;
	return rc == 0 && it->errors.n == 0;
}

/* The place of the procedure (a database read) and the stored row, in the
 * next store slot. body is the stored verbatim text (NULL: out of memory).
 * A place that cannot be accepted rejects only this item, with its errors. */
static void prepare_item(struct request *rq, struct ingest *ing, struct ingest_item *it,
			 const char *body)
{
	struct stored_origin origin = {
	    .premises_id = rq->account.premises_id,
	    .account_id = rq->account.id,
	    .premises_setting = rq->account.premises_setting,
	    .format = ing->format,
	};
	struct premises_lookup pl = {.rq = rq, .memo = &ing->memo};
	struct stored_place place;

	if (ing->rc)
		return;
	int rc = stored_report_place(&it->report, &origin, lookup_premises, &pl, rq->arena, &place,
				     &it->errors, &it->warnings);
	if (rc == -EINVAL)
		return;
	/* A single report is checked against the stored activity (schema/013);
	 * a batch is not, to keep one query per report off its path. */
	if (rc == 0 && ing->single && place.premises_id)
		plausibility_warn_report(rq->server->readers, place.premises_id, origin.premises_id,
					 &it->report, &it->warnings);
	if (rc == 0 && store_item_init(&ing->store[ing->n_store], rq->arena, &it->report, &origin,
				       &place, body, &it->warnings) < 0)
		rc = -ENOMEM;
	if (rc < 0) {
		ing->rc = rc;
		return;
	}
	metrics_count_unknown_terms(rq->server->metrics, count_review(&it->report));
	it->queued = true;
	it->store_idx = ing->n_store++;
}

/* j's text, in the arena; NULL on out of memory. */
static const char *print_json(struct arena *a, const cJSON *j)
{
	char *s = cJSON_PrintUnformatted(j);
	const char *out = s ? arena_strdup(a, s) : NULL;
	free(s);
	return out;
}

/* The stored body of a JSON report: the members the report format defines
 * (report_members_copy, so a member it does not define, warned about by
 * normalisation, is never stored), with patient.ref replaced by the
 * pseudonym, in the arena. NULL on out of memory. */
static const char *stored_json(struct request *rq, const cJSON *doc, const struct report *r)
{
	cJSON *stored = report_members_copy(doc);
	if (!stored)
		return NULL;
	cJSON *patient = cJSON_GetObjectItemCaseSensitive(stored, "patient");
	if (r->patient.has_ref && cJSON_IsObject(patient))
		cJSON_ReplaceItemInObjectCaseSensitive(patient, "ref",
						       cJSON_CreateString(r->patient.pseudonym));
	const char *text = print_json(rq->arena, stored);
	cJSON_Delete(stored);
	return text;
}

/* One JSON report (an object, an array's element, an NDJSON line). */
static void take_json(struct request *rq, struct ingest *ing, struct ingest_item *it,
		      const cJSON *doc)
{
	if (normalise_item(rq, ing, it, doc))
		prepare_item(rq, ing, it, stored_json(rq, doc, &it->report));
}

/* All items are read: queue the stored ones as one job, or answer now. */
static enum MHD_Result submit(struct request *rq, struct ingest *ing)
{
	if (ing->rc == -EAGAIN)
		return ingest_answer_unavailable(rq, ing);
	if (ing->rc)
		return respond_oom(rq, "ingest"); /* nothing was queued: none stored */
	rq->handler_state = ing;
	/* A FHIR transaction is all or nothing: one refused entry, none stored. */
	if (ing->fhir_type && strcmp(ing->fhir_type, "transaction") == 0 && ing->n_store < ing->n) {
		for (size_t i = 0; i < ing->n; i++)
			ing->items[i].queued = false;
		ing->n_store = 0;
	}
	if (ing->n_store == 0)
		return ingest_answer(rq, ing);
	store_job_init(&ing->job, ing->store, ing->n_store, request_resume, rq);
	return request_submit(rq, &ing->job.job);
}

/* ---- the formats --------------------------------------------------------------- */

static enum MHD_Result malformed(struct request *rq, const char *detail)
{
	return ingest_problem(rq, MHD_HTTP_BAD_REQUEST, "malformed-body", "malformed request body",
			      detail, NULL);
}

/* A strictly parsed body, or a 400 queued (*ret_answer) and NULL. */
static cJSON *parse_body(struct request *rq, size_t max_string, enum MHD_Result *ret_answer)
{
	struct json_limits lim = {.max_depth = JSON_MAX_DEPTH, .max_string_bytes = max_string};
	struct json_error jerr;
	char detail[200];

	if (rq->body_len == 0) {
		*ret_answer = malformed(rq, "the body is empty");
		return NULL;
	}
	cJSON *doc = json_parse_strict(rq->body, rq->body_len, &lim, &jerr);
	if (!doc) {
		snprintf(detail, sizeof(detail), "not valid JSON at byte %zu: %s", jerr.offset,
			 jerr.message);
		*ret_answer = malformed(rq, detail);
	}
	return doc;
}

/* A JSON array of reports. One document: if its shape is wrong, nothing in
 * it can be trusted. Takes doc. */
static enum MHD_Result read_json_array(struct request *rq, cJSON *doc)
{
	int n = cJSON_GetArraySize(doc), i = 0;
	char detail[96];
	cJSON *el;

	if (n == 0 || n > cfg(rq)->max_batch_reports) {
		cJSON_Delete(doc);
		return n ? ingest_too_large(rq) : malformed(rq, "the batch is empty");
	}
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
	struct ingest *ing = ingest_new(rq, FORMAT_JSON, SOURCE_JSON_ARRAY, (size_t)n, false);
	i = 0;
	cJSON_ArrayForEach(el, doc)
	{
		if (ing && !ing->rc)
			take_json(rq, ing, &ing->items[i++], el);
	}
	cJSON_Delete(doc);
	return ing ? submit(rq, ing) : respond_oom(rq, "ingest");
}

/* application/json: one report (an object), or an array of them. */
static enum MHD_Result read_json(struct request *rq)
{
	enum MHD_Result ret = MHD_NO;
	cJSON *doc = parse_body(rq, JSON_MAX_STRING, &ret);

	if (!doc)
		return ret;
	if (cJSON_IsArray(doc))
		return read_json_array(rq, doc);
	if (!cJSON_IsObject(doc)) {
		cJSON_Delete(doc);
		return malformed(rq, "a report must be a JSON object, or an array of them");
	}
	struct ingest *ing = ingest_new(rq, FORMAT_JSON, SOURCE_JSON, 1, /* single= */ true);
	if (ing)
		take_json(rq, ing, &ing->items[0], doc);
	cJSON_Delete(doc);
	return ing ? submit(rq, ing) : respond_oom(rq, "ingest");
}

bool ingest_blank_line(const char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			return false;
	return true;
}

/* One NDJSON line: its own document, so a broken one rejects only itself. */
static void ndjson_line(struct request *rq, struct ingest *ing, struct ingest_item *it,
			const char *p, size_t len)
{
	struct json_limits lim = {.max_depth = JSON_MAX_DEPTH, .max_string_bytes = JSON_MAX_STRING};
	struct json_error jerr;
	cJSON *doc = json_parse_strict(p, len, &lim, &jerr);

	int rc = 0;

	if (!doc)
		rc = issues_add(&it->errors, "", "not valid JSON at byte %zu of the line: %s",
				jerr.offset, jerr.message);
	else if (!cJSON_IsObject(doc))
		rc = issues_add(&it->errors, "", "a report must be a JSON object");
	else
		take_json(rq, ing, it, doc);
	cJSON_Delete(doc);
	if (rc < 0)
		ing->rc = rc; /* a rejection without its reason is not answered */
}

/* application/x-ndjson: one report per non-blank line. */
static enum MHD_Result read_ndjson(struct request *rq)
{
	const char *p = rq->body, *end = rq->body + rq->body_len;
	size_t n = 0, line = 0, i = 0;

	for (const char *q = p; q < end;) {
		const char *eol = memchr(q, '\n', (size_t)(end - q));
		size_t len = (size_t)((eol ? eol : end) - q);
		n += !ingest_blank_line(q, len);
		q += len + 1;
	}
	if (n == 0)
		return malformed(rq, "the body holds no report");
	if (n > (size_t)cfg(rq)->max_batch_reports)
		return ingest_too_large(rq);
	struct ingest *ing = ingest_new(rq, FORMAT_NDJSON, SOURCE_NDJSON, n, false);
	if (!ing)
		return respond_oom(rq, "ingest");
	while (p < end && !ing->rc) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)((eol ? eol : end) - p);
		line++;
		if (!ingest_blank_line(p, len)) {
			ing->items[i].line = line;
			ndjson_line(rq, ing, &ing->items[i++], p, len);
		}
		p += len + 1;
	}
	return submit(rq, ing);
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
	const char *text = print_json(rq->arena, o);
	cJSON_Delete(o);
	return text;
}

/* The CSV file's reports, once report_csv has read them (rc). */
static void take_csv(struct request *rq, struct ingest *ing, struct report_csv *rc)
{
	ing->file_warnings = rc->warnings;
	for (size_t i = 0; i < rc->n && !ing->rc; i++) {
		struct ingest_item *it = &ing->items[i];
		it->csv = &rc->items[i];
		/* Rows that could not be read leave the report incomplete: what
		 * normalisation would add about it is noise, not news. */
		if (rc->items[i].errors.n) {
			it->errors = rc->items[i].errors;
			echo_client_ref(rq, it, rc->items[i].report);
			continue;
		}
		if (normalise_item(rq, ing, it, rc->items[i].report))
			prepare_item(rq, ing, it, csv_body(rq, rc, &rc->items[i], &it->report));
	}
}

/* text/csv, through report_csv. */
static enum MHD_Result read_csv(struct request *rq)
{
	struct report_csv rc;
	struct csv_error err;
	char detail[200];
	int r = report_csv_parse(rq->body, rq->body_len, (size_t)cfg(rq)->max_batch_reports,
				 rq->arena, &rc, &err);

	if (r == -E2BIG)
		return ingest_too_large(rq);
	if (r == -EINVAL) {
		snprintf(detail, sizeof(detail), "line %zu: %s", err.line, err.message);
		return malformed(rq, detail);
	}
	if (r == -EPERM)
		return ingest_problem(rq, MHD_HTTP_UNPROCESSABLE_CONTENT, "identifying-data",
				      "identifying data in the file",
				      "the header names columns of identifying data; remove them "
				      "and send the file again; nothing was stored",
				      &rc.refused);
	struct ingest *ing = r == 0 ? ingest_new(rq, FORMAT_CSV, SOURCE_CSV, rc.n, false) : NULL;
	if (ing)
		take_csv(rq, ing, &rc);
	report_csv_free(&rc);
	return ing ? submit(rq, ing) : respond_oom(rq, "ingest");
}

/* The mapped FHIR resources: mapping issues come first. Takes fd's trees. */
static void take_fhir(struct request *rq, struct ingest *ing, struct fhir_doc *fd)
{
	for (size_t i = 0; i < fd->n && !ing->rc; i++) {
		struct ingest_item *it = &ing->items[i];
		struct fhir_item *src = &fd->items[i];
		it->entry = src->entry;
		it->errors = src->errors;
		it->warnings = src->warnings;
		if (!normalise_item(rq, ing, it, src->report))
			continue;
		prepare_item(rq, ing, it, print_json(rq->arena, src->stored));
	}
}

/* application/fhir+json: one AdverseEvent (answered as one JSON report) or
 * a Bundle of them. */
static enum MHD_Result read_fhir(struct request *rq)
{
	struct server *s = rq->server;
	struct fhir_ctx ctx = {.vocab = NULL, .key = &s->key};
	struct fhir_doc fd;
	char reason[160];
	enum MHD_Result ret = MHD_NO;
	cJSON *doc = parse_body(rq, FHIR_MAX_STRING, &ret);

	if (!doc)
		return ret;
	ctx.vocab = rq->snap->vocab;
	int rc = fhir_map(&ctx, doc, (size_t)cfg(rq)->max_batch_reports, rq->arena, &fd, reason,
			  sizeof(reason));
	cJSON_Delete(doc);
	if (rc == -EINVAL)
		return malformed(rq, reason);
	if (rc == -E2BIG)
		return ingest_too_large(rq);
	if (rc < 0)
		return respond_oom(rq, "fhir_map");
	struct ingest *ing = ingest_new(rq, FORMAT_FHIR, SOURCE_FHIR, fd.n, !fd.bundle);
	if (ing) {
		ing->fhir_type = arena_strdup(rq->arena, fd.bundle_type);
		ing->fhir_entries = fd.n_entries;
		take_fhir(rq, ing, &fd);
	}
	fhir_doc_free(&fd);
	return ing ? submit(rq, ing) : respond_oom(rq, "ingest");
}

enum MHD_Result ingest_post_finish(struct request *rq)
{
	switch (body_format_of(content_type(rq))) {
	case FORMAT_NDJSON:
		return read_ndjson(rq);
	case FORMAT_CSV:
		return read_csv(rq);
	case FORMAT_FHIR:
		return read_fhir(rq);
	default:
		return read_json(rq);
	}
}

enum MHD_Result ingest_post_answer(struct request *rq)
{
	return ingest_answer(rq, rq->handler_state);
}
