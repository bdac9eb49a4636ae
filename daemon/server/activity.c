/* Activity: POST /v1/activity, the procedure counts behind every rate.
 *
 * The request thread parses and validates the body (activity_parse.c) and
 * builds each INSERT's parameters in its arena; a writer job then inserts
 * every item in the writer's transaction, and the answer leaves only after
 * the commit. Each submission is a new row: a re-sent (premises, week,
 * procedure type) replaces the earlier figure in every summary, and the
 * earlier one stays in the table as history. */
#include "activity.h"
#include "activity_parse.h"
#include "arena.h"
#include "dbpool.h"
#include "jsonstrict.h"
#include "log.h"
#include "request.h"
#include "respond.h"
#include "server.h"
#include "util.h"
#include "writer.h"

#include <errno.h>
#include <libpq-fe.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define JSON_MAX_DEPTH 8
#define JSON_MAX_STRING 1024
#define N_PARAMS 9

/* "replaced" is read in the same snapshot as the insert, so it says whether
 * an earlier figure for the key existed before this one. The plausibility
 * check (schema/013) sets the premises' cases that week, as the summaries
 * count them, against its procedures with this figure in place of any
 * earlier one of the same type: the report that arrived first is seen by
 * the activity that arrives second, and the answer warns. */
static const char *const SQL_INSERT_ACTIVITY =
    "WITH earlier AS ("
    " SELECT EXISTS (SELECT 1 FROM needlewatch.activity"
    "  WHERE premises_id = $1 AND week = $3 AND procedure_type = $4) AS replaced"
    "), week AS ("
    " SELECT needlewatch.premises_week_cases($1, $3) AS cases,"
    "  $5 + coalesce((SELECT sum(procedures) FROM needlewatch.latest_activity"
    "   WHERE premises_id = $1 AND week = $3 AND procedure_type <> $4), 0) AS procedures"
    "), ins AS ("
    " INSERT INTO needlewatch.activity (premises_id, account_id, week, procedure_type,"
    "  procedures, by_fitzpatrick, procedures_trained, procedures_untrained, format)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    " RETURNING id, received_at"
    ")"
    " SELECT ins.id, to_char(ins.received_at AT TIME ZONE 'UTC',"
    "  'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), earlier.replaced,"
    " needlewatch.plausibility_reason(week.cases, week.procedures), week.cases,"
    " week.procedures"
    " FROM ins, earlier, week";

/* One submission on its way through the writer. */
struct activity_item {
	const char *params[N_PARAMS];
	enum store_status status;
	long long id;
	bool replaced;
	char received_at[32];
	char implausible[32]; /* the plausibility reason, "" when none */
	long long week_cases, week_procedures;
};

/* The writer job of one request; lives in the request's arena. */
struct activity_job {
	struct write_job job;
	struct activity_list list;
	struct activity_item *items;
	const char *format;
};

static struct activity_job *as_activity_job(struct write_job *job)
{
	return (struct activity_job *)((char *)job - offsetof(struct activity_job, job));
}

static bool media_type_is(const char *ct, const char *type)
{
	if (!ct)
		return false;
	size_t n = strcspn(ct, ";");
	while (n && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
		n--;
	return n == strlen(type) && strncasecmp(ct, type, n) == 0;
}

static const char *content_type(struct request *rq)
{
	return MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
}

enum MHD_Result activity_post_begin(struct request *rq)
{
	const char *ct = content_type(rq);
	const char *cl =
	    MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);

	if (!media_type_is(ct, "application/json") && !media_type_is(ct, "text/csv"))
		return respond_problem(rq, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
				       "unsupported-media-type", "unsupported content type",
				       "send Content-Type: application/json or text/csv", NULL,
				       NULL);
	if (cl && strtoull(cl, NULL, 10) > rq->snap->cfg.max_body_bytes)
		return respond_problem(rq, MHD_HTTP_CONTENT_TOO_LARGE, "body-too-large",
				       "request body too large", "the body exceeds max_body_bytes",
				       NULL, NULL);
	return MHD_YES;
}

/* ---- writer side ---------------------------------------------------------- */

static int insert_item(PGconn *conn, struct activity_item *it, bool *ret_lost)
{
	PGresult *res =
	    PQexecParams(conn, SQL_INSERT_ACTIVITY, N_PARAMS, NULL, it->params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		*ret_lost = db_result_is_connection_error(conn, res);
		if (!*ret_lost) {
			char q[300];
			log_event(LOG_ERROR, "activity_insert_failed", "sqlstate=%s reason=\"%s\"",
				  PQresultErrorField(res, PG_DIAG_SQLSTATE) ?: "-",
				  log_quote(q, sizeof(q),
					    PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)));
		}
		PQclear(res);
		return -EIO;
	}
	it->id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	snprintf(it->received_at, sizeof(it->received_at), "%s", PQgetvalue(res, 0, 1));
	it->replaced = strcmp(PQgetvalue(res, 0, 2), "t") == 0;
	snprintf(it->implausible, sizeof(it->implausible), "%s", PQgetvalue(res, 0, 3));
	it->week_cases = strtoll(PQgetvalue(res, 0, 4), NULL, 10);
	it->week_procedures = strtoll(PQgetvalue(res, 0, 5), NULL, 10);
	it->status = STORE_ACCEPTED;
	PQclear(res);
	return 0;
}

/* Runs on a writer thread, inside its open transaction. */
static int run_activity(PGconn *conn, struct write_job *job, bool *ret_lost)
{
	struct activity_job *aj = as_activity_job(job);
	*ret_lost = false;
	for (size_t i = 0; i < aj->list.n; i++)
		aj->items[i].status = STORE_PENDING;
	for (size_t i = 0; i < aj->list.n; i++)
		if (insert_item(conn, &aj->items[i], ret_lost) < 0)
			return -EIO;
	return 0;
}

static void fail_activity(struct write_job *job, enum store_status status)
{
	struct activity_job *aj = as_activity_job(job);
	for (size_t i = 0; i < aj->list.n; i++)
		aj->items[i].status = status;
}

/* ---- request side ---------------------------------------------------------- */

static const char *nullable_count(struct arena *a, bool has, long v)
{
	return has ? arena_printf(a, "%ld", v) : NULL;
}

static int item_init(struct request *rq, struct activity_item *it, const struct activity *act,
		     const char *format)
{
	struct arena *a = rq->arena;
	const long *f = act->by_fitzpatrick;
	const char **p = it->params;

	p[0] = arena_printf(a, "%lld", rq->account.premises_id);
	p[1] = arena_printf(a, "%lld", rq->account.id);
	p[2] = act->week_start;
	p[3] = act->procedure_type;
	p[4] = arena_printf(a, "%ld", act->procedures);
	p[5] = act->has_fitzpatrick ? arena_printf(a, "{%ld,%ld,%ld,%ld,%ld,%ld}", f[0], f[1], f[2],
						   f[3], f[4], f[5])
				    : NULL;
	p[6] = nullable_count(a, act->has_training, act->trained);
	p[7] = nullable_count(a, act->has_training, act->untrained);
	p[8] = format;
	if (!p[0] || !p[1] || !p[4] || (act->has_fitzpatrick && !p[5]) ||
	    (act->has_training && (!p[6] || !p[7])))
		return -ENOMEM;
	return 0;
}

static enum MHD_Result submit(struct request *rq, const struct activity_list *list,
			      const char *format)
{
	struct activity_job *aj = arena_alloc(rq->arena, sizeof(*aj));
	if (!aj)
		return respond_oom(rq, "activity_job");
	aj->list = *list;
	aj->format = format;
	aj->items = arena_alloc(rq->arena, list->n * sizeof(*aj->items));
	if (!aj->items)
		return respond_oom(rq, "activity_items");
	for (size_t i = 0; i < list->n; i++)
		if (item_init(rq, &aj->items[i], &list->v[i], format) < 0)
			return respond_oom(rq, "activity_item");
	aj->job.run = run_activity;
	aj->job.fail = fail_activity;
	aj->job.done = request_resume;
	aj->job.arg = rq;
	aj->job.weight = list->n;
	rq->handler_state = aj;
	return request_submit(rq, &aj->job);
}

/* Parses the body with the vocabulary held; returns what activity_parse_*
 * returns. */
static int parse_body(struct request *rq, bool csv, struct activity_list *list,
		      struct issues *errors, const char **ret_reason)
{
	struct json_limits lim = {.max_depth = JSON_MAX_DEPTH, .max_string_bytes = JSON_MAX_STRING};
	struct json_error jerr;
	struct activity_ctx ctx;
	cJSON *doc = NULL;
	int rc;

	util_today_utc(ctx.today);
	if (!csv) {
		doc = json_parse_strict(rq->body, rq->body_len, &lim, &jerr);
		if (!doc) {
			*ret_reason = arena_printf(rq->arena, "not valid JSON at byte %zu: %s",
						   jerr.offset, jerr.message);
			return *ret_reason ? -EBADMSG : -ENOMEM;
		}
	}
	ctx.vocab = rq->snap->vocab;
	if (csv)
		rc = activity_parse_csv(&ctx, rq->body, rq->body_len, rq->arena, list, errors,
					ret_reason);
	else
		rc = activity_parse_json(&ctx, doc, rq->arena, list, errors, ret_reason);
	cJSON_Delete(doc);
	return rc;
}

enum MHD_Result activity_post_finish(struct request *rq)
{
	bool csv = media_type_is(content_type(rq), "text/csv");
	struct activity_list list = {.n = 0};
	struct issues errors;
	const char *reason = NULL;

	issues_init(&errors, rq->arena);
	if (rq->body_len == 0)
		return respond_problem(rq, MHD_HTTP_BAD_REQUEST, "malformed-body",
				       "malformed request body", "the body is empty", NULL, NULL);
	int rc = parse_body(rq, csv, &list, &errors, &reason);
	if (rc == -EBADMSG)
		return respond_problem(rq, MHD_HTTP_BAD_REQUEST, "malformed-body",
				       "malformed request body", reason, NULL, NULL);
	if (rc == -EINVAL)
		return respond_problem(rq, MHD_HTTP_UNPROCESSABLE_CONTENT, "invalid-activity",
				       "invalid activity",
				       "one or more fields are invalid; see errors", &errors, NULL);
	if (rc == -ENOMEM)
		return respond_oom(rq, "activity_parse");
	if (rc < 0)
		return MHD_NO;
	return submit(rq, &list, csv ? "csv" : "json");
}

/* "warnings": the premises-week's figures cannot both be right; it is left
 * out of the rates until corrected (or accepted by the regulator). */
static void add_plausibility_warning(cJSON *o, const struct activity_item *it)
{
	char msg[300];
	cJSON *w = cJSON_AddArrayToObject(o, "warnings");
	cJSON *e = cJSON_CreateObject();
	if (!w || !e) {
		cJSON_Delete(e);
		return;
	}
	snprintf(msg, sizeof(msg),
		 "%lld case(s) with complications were reported for this premises and week "
		 "against %lld procedure(s) (%s); the week is left out of the rates until the "
		 "activity or the reports are corrected",
		 it->week_cases, it->week_procedures, it->implausible);
	cJSON_AddStringToObject(e, "field", "procedures");
	cJSON_AddStringToObject(e, "code", it->implausible);
	cJSON_AddStringToObject(e, "message", msg);
	cJSON_AddItemToArray(w, e);
}

static cJSON *item_json(const struct activity *act, const struct activity_item *it)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	cJSON_AddNumberToObject(o, "id", (double)it->id);
	cJSON_AddStringToObject(o, "period", act->period);
	cJSON_AddStringToObject(o, "week_start", act->week_start);
	cJSON_AddStringToObject(o, "procedure_type", act->procedure_type);
	cJSON_AddNumberToObject(o, "procedures", (double)act->procedures);
	if (act->has_fitzpatrick) {
		cJSON *f = cJSON_AddObjectToObject(o, "by_fitzpatrick");
		for (int k = 0; f && k < ACTIVITY_FITZPATRICK_TYPES; k++) {
			char key[2] = {(char)('1' + k), '\0'};
			cJSON_AddNumberToObject(f, key, (double)act->by_fitzpatrick[k]);
		}
	} else {
		cJSON_AddNullToObject(o, "by_fitzpatrick");
	}
	if (act->has_training) {
		cJSON *t = cJSON_AddObjectToObject(o, "by_training");
		cJSON_AddNumberToObject(t, "medically_trained", (double)act->trained);
		cJSON_AddNumberToObject(t, "not_medically_trained", (double)act->untrained);
	} else {
		cJSON_AddNullToObject(o, "by_training");
	}
	cJSON_AddStringToObject(o, "received_at", it->received_at);
	cJSON_AddBoolToObject(o, "replaced", it->replaced);
	if (it->implausible[0])
		add_plausibility_warning(o, it);
	return o;
}

static enum MHD_Result answer_stored(struct request *rq, const struct activity_job *aj)
{
	size_t replaced = 0;
	cJSON *body;

	if (aj->list.many) {
		body = cJSON_CreateObject();
		cJSON *items = cJSON_AddArrayToObject(body, "items");
		for (size_t i = 0; items && i < aj->list.n; i++)
			cJSON_AddItemToArray(items, item_json(&aj->list.v[i], &aj->items[i]));
	} else {
		body = item_json(&aj->list.v[0], &aj->items[0]);
	}
	if (!body)
		return respond_oom(rq, "activity_answer");
	for (size_t i = 0; i < aj->list.n; i++)
		replaced += aj->items[i].replaced;
	log_event(LOG_INFO, "activity_stored", "premises=%lld items=%zu replaced=%zu format=%s",
		  rq->account.premises_id, aj->list.n, replaced, aj->format);
	rq->status = MHD_HTTP_CREATED;
	enum MHD_Result ret =
	    respond_request_json(rq, MHD_HTTP_CREATED, body, NULL, "activity_answer");
	cJSON_Delete(body);
	return ret;
}

enum MHD_Result activity_post_answer(struct request *rq)
{
	const struct activity_job *aj = rq->handler_state;
	enum store_status worst = STORE_ACCEPTED;

	for (size_t i = 0; i < aj->list.n; i++)
		if (aj->items[i].status != STORE_ACCEPTED)
			worst = aj->items[i].status;
	if (worst == STORE_ACCEPTED)
		return answer_stored(rq, aj);
	if (worst == STORE_UNAVAILABLE || worst == STORE_PENDING)
		return respond_problem(rq, MHD_HTTP_SERVICE_UNAVAILABLE, "database-unavailable",
				       "database unavailable",
				       "the activity was not stored; retry later", NULL, NULL);
	return respond_problem(rq, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
			       "activity not stored",
			       "the database refused the activity; it was not stored", NULL, NULL);
}
