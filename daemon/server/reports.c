/* Reports: the path of one report from request body to committed row.
 *
 * The request thread does everything that needs no write: strict parse,
 * normalisation, premises resolution, pseudonymisation of the stored body,
 * and the parameters of the INSERT. Then it suspends the connection and
 * queues the report to the writer, which resumes it after COMMIT. The
 * Content-Type chooses the reader; batches go on to batch.c. */
#include "reports.h"
#include "arena.h"
#include "batch.h"
#include "dbpool.h"
#include "directory.h"
#include "fhir.h"
#include "jsonstrict.h"
#include "log.h"
#include "metrics.h"
#include "normalise.h"
#include "plausibility.h"
#include "premises_code.h"
#include "report_members.h"
#include "request.h"
#include "respond.h"
#include "server.h"
#include "store.h"
#include "writer.h"

#include <cJSON.h>
#include <errno.h>
#include <libpq-fe.h>
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

static const char *const SQL_GET_REPORT =
    "SELECT id, client_ref, version, received_at, normalised, warnings"
    " FROM needlewatch.reports WHERE premises_id = $1 AND id = $2";

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

enum body_format reports_body_format(struct request *rq)
{
	return body_format_of(content_type(rq));
}

enum MHD_Result reports_post_begin(struct request *rq)
{
	struct MHD_Connection *c = rq->conn;
	const char *ct = content_type(rq);
	const char *cl =
	    MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	enum body_format f = body_format_of(ct);

	if (f == FORMAT_UNKNOWN || (f == FORMAT_CSV && foreign_charset(ct))) {
		rq->status = MHD_HTTP_UNSUPPORTED_MEDIA_TYPE;
		return respond_problem(
		    c, rq->status, "unsupported-media-type", "unsupported content type",
		    f == FORMAT_CSV ? "send CSV as UTF-8 (Excel: \"CSV UTF-8\")"
				    : "send application/json, application/x-ndjson, text/csv "
				      "or application/fhir+json",
		    NULL, NULL);
	}
	if (cl && strtoull(cl, NULL, 10) > rq->server->cfg->max_body_bytes) {
		rq->status = MHD_HTTP_CONTENT_TOO_LARGE;
		return respond_problem(c, rq->status, "body-too-large", "request body too large",
				       "the body exceeds max_body_bytes", NULL, NULL);
	}
	return MHD_YES;
}

static void today_utc(char out[11])
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

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

struct place_memo {
	struct place_memo *next;
	const char *code;
	int rc; /* 0 or -ENOENT */
	long long id;
	char setting[24];
};

/* directory_premises_by_code(), remembered for the rest of the request. */
static int premises_by_code(struct request *rq, struct place_memo **memo, const char *code,
			    long long *ret_id, char *setting, size_t len)
{
	struct place_memo *m;

	for (m = memo ? *memo : NULL; m; m = m->next)
		if (strcmp(m->code, code) == 0)
			break;
	if (!m) {
		struct place_memo tmp = {.code = code};
		tmp.rc = directory_premises_by_code(rq->server->readers, code, &tmp.id, tmp.setting,
						    sizeof(tmp.setting));
		if (tmp.rc == -EAGAIN || !memo || !(m = arena_alloc(rq->arena, sizeof(*m)))) {
			*ret_id = tmp.id;
			snprintf(setting, len, "%s", tmp.setting);
			return tmp.rc;
		}
		*m = tmp;
		m->next = *memo;
		*memo = m;
	}
	*ret_id = m->id;
	snprintf(setting, len, "%s", m->setting);
	return m->rc;
}

/* The registered premises a report names: 0, -ENOENT, -EAGAIN, -ENOMEM, or
 * -EINVAL for a mistyped code. A code of the generated shape is looked up
 * in its upper-case form. One whose check character does not agree is
 * still looked up as sent, since a code chosen with --code before codes
 * were generated may have that shape; unregistered, it is a typo. */
static int named_premises(struct request *rq, struct place_memo **memo, const char *code,
			  long long *ret_id, char *setting, size_t len)
{
	char canonical[PREMISES_CODE_LEN + 1];
	enum premises_code_kind kind = premises_code_classify(code, canonical);
	const char *key = kind == PREMISES_CODE_VALID ? arena_strdup(rq->arena, canonical) : code;

	if (!key)
		return -ENOMEM;
	int e = premises_by_code(rq, memo, key, ret_id, setting, len);
	return e == -ENOENT && kind == PREMISES_CODE_MISTYPED ? -EINVAL : e;
}

/* Where the procedure was done (DESIGN §6): a named registered premises, the
 * reporting premises itself when a practitioner reports without a code, or an
 * unregistered place described only by its setting. A practitioner reports
 * only its own procedures, so it may name only its own premises; anyone else
 * (a GP, A&E, a patient) may name any, and the report is stored as
 * third-party (reports.third_party, schema/008). Returns 0, -EINVAL (errors
 * added), -EAGAIN or -ENOMEM. */
static int resolve_place(struct request *rq, const struct report *r, struct store_origin *o,
			 struct issues *errors, struct issues *warnings, struct place_memo **memo)
{
	const char *reported = r->procedure.setting.code;
	bool practitioner = strcmp(r->reporter_role, "practitioner") == 0;
	char setting[24];

	o->premises_id = rq->account.premises_id;
	o->account_id = rq->account.id;
	o->procedure_premises_id = 0;
	o->setting = reported[0] ? reported : "unknown";
	if (r->procedure.premises_code) {
		int e = named_premises(rq, memo, r->procedure.premises_code,
				       &o->procedure_premises_id, setting, sizeof(setting));
		if (e == -EAGAIN || e == -ENOMEM)
			return e;
		if (e == -EINVAL) {
			/* Unchecked until the ingest rework answers -ENOMEM with respond_oom(). */
			(void)!issues_add(errors, "procedure.premises_code",
				   "is mistyped: its check character does not agree (a premises "
				   "code looks like XXXX-XXXXC); check it with the premises");
			return -EINVAL;
		}
		if (practitioner && (e == -ENOENT || o->procedure_premises_id != o->premises_id)) {
			/* Unchecked until the ingest rework answers -ENOMEM with respond_oom(). */
			(void)!issues_add(
			    errors, "procedure.premises_code",
			    "a practitioner may name only its own premises; report a "
			    "procedure done elsewhere with reporter_role treating_clinician, "
			    "patient or other");
			return -EINVAL;
		}
		if (e == -ENOENT)
			/* Unchecked until the ingest rework answers -ENOMEM with respond_oom(). */
			(void)!issues_add(warnings, "procedure.premises_code",
				   "no registered premises has this code; counted as an "
				   "unregistered place");
		else
			o->setting = arena_strdup(rq->arena, setting);
	} else if (practitioner) {
		o->procedure_premises_id = rq->account.premises_id;
		o->setting = arena_strdup(rq->arena, rq->account.premises_setting);
	}
	if (o->procedure_premises_id && reported[0] && strcmp(reported, o->setting) != 0)
		/* Unchecked until the ingest rework answers -ENOMEM with respond_oom(). */
		(void)!issues_add(warnings, "procedure.setting",
			   "differs from the premises' registered setting %s, which is used",
			   o->setting);
	if (!o->procedure_premises_id && !reported[0])
		/* Unchecked until the ingest rework answers -ENOMEM with respond_oom(). */
		(void)!issues_add(warnings, "procedure.setting",
			   "missing for an unregistered place; stored as unknown");
	return 0;
}

static const char *print_json(struct arena *a, const cJSON *j)
{
	char *s = cJSON_PrintUnformatted(j);
	if (!s)
		return NULL;
	const char *out = arena_strdup(a, s);
	free(s);
	return out;
}

/* Built from the allow-list, not from doc: a member the format does not
 * define (warned about by normalisation) is never stored. */
const char *reports_stored_json(struct request *rq, const cJSON *doc, const struct report *r)
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

/* The warnings kept with the report: all but those about members left out
 * of the stored body, so that re-deriving the report from its body gives
 * the same warnings. Takes w's items. */
static const char *stored_warnings(struct request *rq, cJSON *w)
{
	cJSON *it = w->child;

	while (it) {
		cJSON *next = it->next;
		const cJSON *msg = cJSON_GetObjectItemCaseSensitive(it, "message");
		if (cJSON_IsString(msg) && strcmp(msg->valuestring, REPORT_MEMBERS_UNKNOWN) == 0)
			cJSON_Delete(cJSON_DetachItemViaPointer(w, it));
		it = next;
	}
	return print_json(rq->arena, w);
}

/* The normalised report plus the resolved place of the procedure. */
static const char *normalised_text(struct request *rq, const struct report *r,
				   const struct store_origin *o)
{
	cJSON *j = report_to_json(r);
	if (!j)
		return NULL;
	cJSON *proc = cJSON_GetObjectItemCaseSensitive(j, "procedure");
	cJSON *place = cJSON_CreateObject();
	if (o->procedure_premises_id)
		cJSON_AddNumberToObject(place, "premises_id", (double)o->procedure_premises_id);
	else
		cJSON_AddNullToObject(place, "premises_id");
	cJSON_AddBoolToObject(place, "registered", o->procedure_premises_id != 0);
	cJSON_AddStringToObject(place, "setting", o->setting);
	cJSON_AddItemToObject(proc ? proc : j, "place", place);
	const char *s = print_json(rq->arena, j);
	cJSON_Delete(j);
	return s;
}

enum MHD_Result reports_problem(struct request *rq, unsigned status, const char *type,
				const char *title, const char *detail, const struct issues *errors)
{
	if (status == MHD_HTTP_BAD_REQUEST || status == MHD_HTTP_UNPROCESSABLE_CONTENT)
		metrics_count_report(rq->server->metrics, OUTCOME_REJECTED, 1);
	return respond_request_problem(rq, status, type, title, detail, errors);
}

int reports_normalise(struct request *rq, const cJSON *doc, struct report *ret,
		      struct issues *errors, struct issues *warnings)
{
	struct server *s = rq->server;
	struct normalise_ctx ctx = {.key = &s->key};
	today_utc(ctx.today);
	pthread_rwlock_rdlock(&s->vocab_lock);
	ctx.vocab = s->vocab;
	ctx.regions = s->regions;
	int r = normalise_report(&ctx, doc, rq->arena, ret, errors, warnings);
	pthread_rwlock_unlock(&s->vocab_lock);
	return r;
}

int reports_prepare(struct request *rq, const struct report *r, const char *format,
		    const char *body, struct issues *errors, struct issues *warnings,
		    struct place_memo **memo, struct store_item *ret_item,
		    const char **ret_normalised, const char **ret_warnings)
{
	struct store_origin origin = {.format = format};
	int rc = resolve_place(rq, r, &origin, errors, warnings, memo);

	if (rc < 0)
		return rc;
	/* A single report is checked against the stored activity (schema/013);
	 * a batch is not, to keep one query per report off its path. */
	if (!memo && origin.procedure_premises_id)
		plausibility_warn_report(rq->server->readers, origin.procedure_premises_id,
					 origin.premises_id, r, warnings);
	const char *normalised = normalised_text(rq, r, &origin);
	cJSON *w = issues_json(warnings);
	const char *wtext = w ? print_json(rq->arena, w) : NULL;
	const char *stored_w = w ? stored_warnings(rq, w) : NULL;
	cJSON_Delete(w);
	if (!body || !normalised || !wtext || !stored_w ||
	    store_item_init(ret_item, rq->arena, r, &origin, body, normalised, stored_w) < 0)
		return -ENOMEM;
	metrics_count_unknown_terms(rq->server->metrics, count_review(r));
	*ret_normalised = normalised;
	*ret_warnings = wtext;
	return 0;
}

/* One report: prepared, queued; the connection stays suspended until the commit. */
static enum MHD_Result submit_single(struct request *rq, const char *format, const char *body,
				     struct issues *warnings)
{
	struct issues errors;

	issues_init(&errors, rq->arena);
	int rc = reports_prepare(rq, &rq->report, format, body, &errors, warnings, NULL, &rq->item,
				 &rq->normalised, &rq->warnings);
	if (rc == -EINVAL)
		return reports_problem(rq, MHD_HTTP_UNPROCESSABLE_CONTENT, "invalid-report",
				       "invalid report",
				       "one or more fields are invalid; see errors", &errors);
	if (rc == -EAGAIN)
		return reports_problem(rq, MHD_HTTP_SERVICE_UNAVAILABLE, "database-unavailable",
				       "database unavailable",
				       "the report was not stored; retry later", NULL);
	if (rc < 0)
		return MHD_NO;
	store_job_init(&rq->job, &rq->item, 1, request_resume, rq);
	return request_submit(rq, &rq->job.job);
}

static enum MHD_Result invalid(struct request *rq, const struct issues *errors)
{
	return reports_problem(rq, MHD_HTTP_UNPROCESSABLE_CONTENT, "invalid-report",
			       "invalid report", "one or more fields are invalid; see errors",
			       errors);
}

/* A strictly parsed body, or a 400 queued (*ret_answer) and NULL. */
static cJSON *parse_body(struct request *rq, size_t max_string, enum MHD_Result *ret_answer)
{
	struct json_limits lim = {.max_depth = JSON_MAX_DEPTH, .max_string_bytes = max_string};
	struct json_error jerr;
	char detail[200];

	if (rq->body_len == 0) {
		*ret_answer = reports_problem(rq, MHD_HTTP_BAD_REQUEST, "malformed-body",
					      "malformed request body", "the body is empty", NULL);
		return NULL;
	}
	cJSON *doc = json_parse_strict(rq->body, rq->body_len, &lim, &jerr);
	if (!doc) {
		snprintf(detail, sizeof(detail), "not valid JSON at byte %zu: %s", jerr.offset,
			 jerr.message);
		*ret_answer = reports_problem(rq, MHD_HTTP_BAD_REQUEST, "malformed-body",
					      "malformed request body", detail, NULL);
	}
	return doc;
}

static enum MHD_Result post_json(struct request *rq)
{
	struct issues errors, warnings;
	enum MHD_Result ret = MHD_NO;
	cJSON *doc = parse_body(rq, JSON_MAX_STRING, &ret);

	if (!doc)
		return ret;
	if (cJSON_IsArray(doc))
		return batch_post_json_array(rq, doc);
	if (!cJSON_IsObject(doc)) {
		cJSON_Delete(doc);
		return reports_problem(rq, MHD_HTTP_BAD_REQUEST, "malformed-body",
				       "malformed request body",
				       "a report must be a JSON object, or an array of them", NULL);
	}
	metrics_count_source(rq->server->metrics, SOURCE_JSON, 1);
	issues_init(&errors, rq->arena);
	issues_init(&warnings, rq->arena);
	if (reports_normalise(rq, doc, &rq->report, &errors, &warnings) < 0)
		ret = invalid(rq, &errors);
	else
		ret =
		    submit_single(rq, "json", reports_stored_json(rq, doc, &rq->report), &warnings);
	cJSON_Delete(doc);
	return ret;
}

/* One AdverseEvent, answered like one JSON report; mapping issues come first. */
static enum MHD_Result post_fhir_single(struct request *rq, struct fhir_item *it)
{
	struct issues *errors = &it->errors, *warnings = &it->warnings;
	int rc = reports_normalise(rq, it->report, &rq->report, errors, warnings);

	if (rc == -ENOMEM)
		return MHD_NO;
	if (rc < 0 || errors->n)
		return invalid(rq, errors);
	return submit_single(rq, "fhir", print_json(rq->arena, it->stored), warnings);
}

static enum MHD_Result post_fhir(struct request *rq)
{
	struct server *s = rq->server;
	struct fhir_ctx ctx = {.vocab = NULL, .key = &s->key};
	struct fhir_doc fd;
	char reason[160];
	enum MHD_Result ret = MHD_NO;
	cJSON *doc = parse_body(rq, FHIR_MAX_STRING, &ret);

	if (!doc)
		return ret;
	pthread_rwlock_rdlock(&s->vocab_lock);
	ctx.vocab = s->vocab;
	int rc = fhir_map(&ctx, doc, (size_t)s->cfg->max_batch_reports, rq->arena, &fd, reason,
			  sizeof(reason));
	pthread_rwlock_unlock(&s->vocab_lock);
	cJSON_Delete(doc);
	if (rc == -EINVAL)
		return reports_problem(rq, MHD_HTTP_BAD_REQUEST, "malformed-body",
				       "malformed request body", reason, NULL);
	if (rc == -E2BIG)
		return batch_too_large(rq);
	if (rc < 0)
		return MHD_NO;
	if (fd.bundle)
		return batch_post_fhir(rq, &fd); /* takes fd */
	metrics_count_source(s->metrics, SOURCE_FHIR, 1);
	ret = post_fhir_single(rq, &fd.items[0]);
	fhir_doc_free(&fd);
	return ret;
}

enum MHD_Result reports_post_finish(struct request *rq)
{
	switch (body_format_of(content_type(rq))) {
	case FORMAT_NDJSON:
		return batch_post_ndjson(rq);
	case FORMAT_CSV:
		return batch_post_csv(rq);
	case FORMAT_FHIR:
		return post_fhir(rq);
	default:
		return post_json(rq);
	}
}

static enum MHD_Result answer_stored(struct request *rq, unsigned status, const char *state)
{
	char location[64];
	struct respond_extra extra = {.location = location};
	snprintf(location, sizeof(location), "/v1/reports/%lld", rq->item.id);
	char *text = arena_printf(rq->arena,
				  "{\"id\":%lld,\"status\":\"%s\",\"report\":%s,\"warnings\":%s}\n",
				  rq->item.id, state, rq->normalised, rq->warnings);
	if (!text)
		return MHD_NO;
	rq->status = status;
	metrics_count_report(rq->server->metrics,
			     status == MHD_HTTP_CREATED ? OUTCOME_ACCEPTED : OUTCOME_DUPLICATE, 1);
	log_event(LOG_INFO, "report_stored",
		  "request_id=%s premises=%lld report=%lld version=%d outcome=%s", rq->id,
		  rq->account.premises_id, rq->item.id, rq->report.version, state);
	return respond_text(rq->conn, status, "application/json", text, strlen(text), &extra);
}

enum MHD_Result reports_post_answer(struct request *rq)
{
	char detail[200];
	if (rq->handler_state)
		return batch_answer(rq);
	switch (rq->item.status) {
	case STORE_ACCEPTED:
		return answer_stored(rq, MHD_HTTP_CREATED, "accepted");
	case STORE_DUPLICATE:
		return answer_stored(rq, MHD_HTTP_OK, "duplicate");
	case STORE_CONFLICT:
		snprintf(
		    detail, sizeof(detail),
		    "version %d of this client_ref was already stored (id %lld) with different "
		    "content; send a higher version for a follow-up",
		    rq->report.version, rq->item.id);
		return reports_problem(rq, MHD_HTTP_CONFLICT, "conflict",
				       "report version already stored", detail, NULL);
	case STORE_UNAVAILABLE:
		return reports_problem(rq, MHD_HTTP_SERVICE_UNAVAILABLE, "database-unavailable",
				       "database unavailable",
				       "the report was not stored; retry later", NULL);
	default:
		return reports_problem(rq, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
				       "report not stored",
				       "the database refused the report; it was not stored", NULL);
	}
}

static enum MHD_Result answer_report_row(struct request *rq, PGresult *res)
{
	char *text =
	    arena_printf(rq->arena,
			 "{\"id\":%s,\"client_ref\":\"\",\"version\":%s,\"received_at\":\"%s\","
			 "\"report\":%s,\"warnings\":%s}\n",
			 PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 3),
			 PQgetvalue(res, 0, 4), PQgetvalue(res, 0, 5));
	/* client_ref is free text: set it through cJSON so it is escaped correctly. */
	cJSON *j = text ? cJSON_Parse(text) : NULL;
	if (!j)
		return MHD_NO;
	cJSON_ReplaceItemInObjectCaseSensitive(j, "client_ref",
					       cJSON_CreateString(PQgetvalue(res, 0, 1)));
	rq->status = MHD_HTTP_OK;
	enum MHD_Result ret = respond_json(rq->conn, MHD_HTTP_OK, j, NULL);
	cJSON_Delete(j);
	return ret;
}

enum MHD_Result reports_get(struct request *rq)
{
	char *end;
	long long id = strtoll(rq->route_arg, &end, 10);
	if (*end || id <= 0 || rq->route_arg[0] == '+' || rq->route_arg[0] == ' ')
		return reports_problem(rq, MHD_HTTP_NOT_FOUND, "not-found", "no such report", NULL,
				       NULL);
	char premises[24], idtext[24];
	snprintf(premises, sizeof(premises), "%lld", rq->account.premises_id);
	snprintf(idtext, sizeof(idtext), "%lld", id);
	const char *params[2] = {premises, idtext};

	PGconn *c = dbpool_get(rq->server->replicas, 2000);
	if (!c)
		return reports_problem(rq, MHD_HTTP_SERVICE_UNAVAILABLE, "database-unavailable",
				       "database unavailable", "retry later", NULL);
	PGresult *res = PQexecParams(c, SQL_GET_REPORT, 2, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		dbpool_put(rq->server->replicas, c, db_result_is_connection_error(c, res));
		PQclear(res);
		return reports_problem(rq, MHD_HTTP_SERVICE_UNAVAILABLE, "database-unavailable",
				       "database unavailable", "retry later", NULL);
	}
	dbpool_put(rq->server->replicas, c, /* broken= */ false);
	enum MHD_Result ret;
	if (PQntuples(res) != 1)
		ret = reports_problem(rq, MHD_HTTP_NOT_FOUND, "not-found", "no such report",
				      "no report with this id was sent by your premises", NULL);
	else
		ret = answer_report_row(rq, res);
	PQclear(res);
	return ret;
}
