/* Reports: the path of one report from request body to committed row.
 *
 * The request thread does everything that needs no write: strict parse,
 * normalisation, premises resolution, pseudonymisation of the stored body,
 * and the parameters of the INSERT. Then it suspends the connection and
 * queues the report to the writer, which resumes it after COMMIT. */
#include "reports.h"
#include "arena.h"
#include "dbpool.h"
#include "directory.h"
#include "jsonstrict.h"
#include "log.h"
#include "metrics.h"
#include "normalise.h"
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

/* Deeper than any report needs (4 levels) with room for FHIR later; far
 * below cJSON's fixed 1000, which is a stack-depth risk on small threads. */
#define JSON_MAX_DEPTH 32
#define JSON_MAX_STRING (64 * 1024)
#define RETRY_AFTER_S 5

static const char *const SQL_GET_REPORT =
	"SELECT id, client_ref, version, received_at, normalised, warnings"
	" FROM needlewatch.reports WHERE premises_id = $1 AND id = $2";

static bool content_type_is_json(const char *ct)
{
	if (!ct)
		return false;
	size_t n = strcspn(ct, ";");
	while (n && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
		n--;
	return n == strlen("application/json") && strncasecmp(ct, "application/json", n) == 0;
}

enum MHD_Result reports_post_begin(struct request *rq)
{
	struct MHD_Connection *c = rq->conn;
	const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);

	if (!content_type_is_json(ct)) {
		rq->status = MHD_HTTP_UNSUPPORTED_MEDIA_TYPE;
		return respond_problem(c, rq->status, "unsupported-media-type",
				       "unsupported content type",
				       "send Content-Type: application/json", NULL, NULL);
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
	unsigned long n = r->procedure.setting.needs_review + r->procedure.practitioner_role.needs_review +
			  r->procedure.device.needs_review + r->procedure.type.needs_review +
			  r->patient.sex.needs_review;
	for (size_t i = 0; i < r->n_complications; i++) {
		const struct complication *c = &r->complications[i];
		n += c->type.needs_review + c->severity.needs_review + c->outcome.needs_review;
	}
	return n;
}

/* Where the procedure was done (DESIGN §6): a named registered premises, the
 * reporting premises itself when a practitioner reports without a code, or an
 * unregistered place described only by its setting. Returns 0 or -EAGAIN. */
static int resolve_place(struct request *rq, struct store_origin *o, struct issues *warnings)
{
	const struct report *r = &rq->report;
	const char *reported = r->procedure.setting.code;
	char setting[24];

	o->premises_id = rq->account.premises_id;
	o->account_id = rq->account.id;
	o->format = "json";
	o->procedure_premises_id = 0;
	o->setting = reported[0] ? reported : "unknown";
	if (r->procedure.premises_code) {
		int e = directory_premises_by_code(rq->server->readers, r->procedure.premises_code,
						   &o->procedure_premises_id, setting, sizeof(setting));
		if (e == -EAGAIN)
			return -EAGAIN;
		if (e == -ENOENT)
			issues_add(warnings, "procedure.premises_code",
				   "no registered premises has this code; counted as an unregistered place");
		else
			o->setting = arena_strdup(rq->arena, setting);
	} else if (strcmp(r->reporter_role, "practitioner") == 0) {
		o->procedure_premises_id = rq->account.premises_id;
		o->setting = arena_strdup(rq->arena, rq->account.premises_setting);
	}
	if (o->procedure_premises_id && reported[0] && strcmp(reported, o->setting) != 0)
		issues_add(warnings, "procedure.setting",
			   "differs from the premises' registered setting %s, which is used", o->setting);
	if (!o->procedure_premises_id && !reported[0])
		issues_add(warnings, "procedure.setting",
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

/* The stored body: what was sent, with patient.ref replaced by its pseudonym. */
static const char *stored_body(struct request *rq, cJSON *doc)
{
	cJSON *patient = cJSON_GetObjectItemCaseSensitive(doc, "patient");
	if (rq->report.patient.has_ref && cJSON_IsObject(patient))
		cJSON_ReplaceItemInObjectCaseSensitive(patient, "ref",
			cJSON_CreateString(rq->report.patient.pseudonym));
	return print_json(rq->arena, doc);
}

/* The normalised report plus the resolved place of the procedure. */
static const char *normalised_text(struct request *rq, const struct store_origin *o)
{
	cJSON *j = report_to_json(&rq->report);
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

static enum MHD_Result problem(struct request *rq, unsigned status, const char *type,
			       const char *title, const char *detail, const struct issues *errors)
{
	struct respond_extra retry = {.retry_after_s = RETRY_AFTER_S};
	rq->status = status;
	if (status == MHD_HTTP_BAD_REQUEST || status == MHD_HTTP_UNPROCESSABLE_CONTENT)
		metrics_count_report(rq->server->metrics, OUTCOME_REJECTED, 1);
	return respond_problem(rq->conn, status, type, title, detail, errors,
			       status == MHD_HTTP_SERVICE_UNAVAILABLE ? &retry : NULL);
}

static int normalise_locked(struct request *rq, const cJSON *doc, struct issues *errors,
			    struct issues *warnings)
{
	struct server *s = rq->server;
	struct normalise_ctx ctx = {.key = &s->key};
	today_utc(ctx.today);
	pthread_rwlock_rdlock(&s->vocab_lock);
	ctx.vocab = s->vocab;
	ctx.regions = s->regions;
	int r = normalise_report(&ctx, doc, rq->arena, &rq->report, errors, warnings);
	pthread_rwlock_unlock(&s->vocab_lock);
	return r;
}

/* Queues the report; the connection stays suspended until the commit. */
static enum MHD_Result submit(struct request *rq)
{
	store_job_init(&rq->job, &rq->item, 1, request_resume, rq);
	return request_submit(rq, &rq->job.job);
}

static enum MHD_Result prepare_and_submit(struct request *rq, cJSON *doc, struct issues *warnings)
{
	struct store_origin origin;
	if (resolve_place(rq, &origin, warnings) < 0)
		return problem(rq, MHD_HTTP_SERVICE_UNAVAILABLE, "database-unavailable",
			       "database unavailable", "the report was not stored; retry later", NULL);
	const char *body = stored_body(rq, doc);
	rq->normalised = normalised_text(rq, &origin);
	cJSON *w = issues_json(warnings);
	rq->warnings = w ? print_json(rq->arena, w) : NULL;
	cJSON_Delete(w);
	if (!body || !rq->normalised || !rq->warnings ||
	    store_item_init(&rq->item, rq->arena, &rq->report, &origin, body, rq->normalised,
			    rq->warnings) < 0)
		return MHD_NO;
	metrics_count_unknown_terms(rq->server->metrics, count_review(&rq->report));
	return submit(rq);
}

enum MHD_Result reports_post_finish(struct request *rq)
{
	struct json_limits lim = {.max_depth = JSON_MAX_DEPTH, .max_string_bytes = JSON_MAX_STRING};
	struct json_error jerr;
	struct issues errors, warnings;
	char detail[200];

	issues_init(&errors, rq->arena);
	issues_init(&warnings, rq->arena);
	if (rq->body_len == 0)
		return problem(rq, MHD_HTTP_BAD_REQUEST, "malformed-body", "malformed request body",
			       "the body is empty", NULL);
	cJSON *doc = json_parse_strict(rq->body, rq->body_len, &lim, &jerr);
	if (!doc) {
		snprintf(detail, sizeof(detail), "not valid JSON at byte %zu: %s", jerr.offset,
			 jerr.message);
		return problem(rq, MHD_HTTP_BAD_REQUEST, "malformed-body", "malformed request body",
			       detail, NULL);
	}
	if (!cJSON_IsObject(doc)) {
		cJSON_Delete(doc);
		return problem(rq, MHD_HTTP_BAD_REQUEST, "malformed-body", "malformed request body",
			       "a report must be a JSON object", NULL);
	}
	if (normalise_locked(rq, doc, &errors, &warnings) < 0) {
		cJSON_Delete(doc);
		return problem(rq, MHD_HTTP_UNPROCESSABLE_CONTENT, "invalid-report", "invalid report",
			       "one or more fields are invalid; see errors", &errors);
	}
	enum MHD_Result ret = prepare_and_submit(rq, doc, &warnings);
	cJSON_Delete(doc);
	return ret;
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
	log_event(LOG_INFO, "report_stored", "premises=%lld report=%lld version=%d outcome=%s",
		  rq->account.premises_id, rq->item.id, rq->report.version, state);
	return respond_text(rq->conn, status, "application/json", text, strlen(text), &extra);
}

enum MHD_Result reports_post_answer(struct request *rq)
{
	char detail[200];
	switch (rq->item.status) {
	case STORE_ACCEPTED:
		return answer_stored(rq, MHD_HTTP_CREATED, "accepted");
	case STORE_DUPLICATE:
		return answer_stored(rq, MHD_HTTP_OK, "duplicate");
	case STORE_CONFLICT:
		snprintf(detail, sizeof(detail),
			 "version %d of this client_ref was already stored (id %lld) with different "
			 "content; send a higher version for a follow-up", rq->report.version, rq->item.id);
		return problem(rq, MHD_HTTP_CONFLICT, "conflict", "report version already stored",
			       detail, NULL);
	case STORE_UNAVAILABLE:
		return problem(rq, MHD_HTTP_SERVICE_UNAVAILABLE, "database-unavailable",
			       "database unavailable", "the report was not stored; retry later", NULL);
	default:
		return problem(rq, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal", "report not stored",
			       "the database refused the report; it was not stored", NULL);
	}
}

static enum MHD_Result answer_report_row(struct request *rq, PGresult *res)
{
	char *text = arena_printf(rq->arena,
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
		return problem(rq, MHD_HTTP_NOT_FOUND, "not-found", "no such report", NULL, NULL);
	char premises[24], idtext[24];
	snprintf(premises, sizeof(premises), "%lld", rq->account.premises_id);
	snprintf(idtext, sizeof(idtext), "%lld", id);
	const char *params[2] = {premises, idtext};

	PGconn *c = dbpool_get(rq->server->readers, 2000);
	if (!c)
		return problem(rq, MHD_HTTP_SERVICE_UNAVAILABLE, "database-unavailable",
			       "database unavailable", "retry later", NULL);
	PGresult *res = PQexecParams(c, SQL_GET_REPORT, 2, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		dbpool_put(rq->server->readers, c, db_result_is_connection_error(c, res));
		PQclear(res);
		return problem(rq, MHD_HTTP_SERVICE_UNAVAILABLE, "database-unavailable",
			       "database unavailable", "retry later", NULL);
	}
	dbpool_put(rq->server->readers, c, /* broken= */ false);
	enum MHD_Result ret;
	if (PQntuples(res) != 1)
		ret = problem(rq, MHD_HTTP_NOT_FOUND, "not-found", "no such report",
			      "no report with this id was sent by your premises", NULL);
	else
		ret = answer_report_row(rq, res);
	PQclear(res);
	return ret;
}
