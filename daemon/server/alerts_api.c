/* Alerts API: list, read and acknowledge/close alerts (alerts_api.h).
 *
 * The JSON is built by PostgreSQL (json_build_object), which already knows
 * every column's type; this file validates the query, runs one statement on
 * a reader connection and passes the text on. A state change runs in one
 * transaction that names the account and the note for the audit trigger of
 * schema/012_alerts.sql, so the change and its audit row commit together. */
#include "alerts_api.h"
#include "dbpool.h"
#include "issues.h"
#include "jsonstrict.h"
#include "log.h"
#include "readquery.h"
#include "request.h"
#include "respond.h"
#include "server.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define POOL_WAIT_MS 2000
#define NOTE_MAX_CHARS 1000

/* One alert as the API shows it; the list leaves evidence and history out. */
#define ALERT_COLUMNS                                                                              \
	"'id', a.id, 'rule', a.rule, 'kind', a.kind, 'level', a.level, 'state', a.state,"          \
	" 'premises_id', a.premises_id, 'premises_code', p.code, 'setting', a.setting,"            \
	" 'exposure', a.exposure, 'complication_group', a.complication_group,"                     \
	" 'complication_type', a.complication_type,"                                               \
	" 'first_week', summary.iso_week(a.first_week), 'last_week', "                             \
	"summary.iso_week(a.last_week),"                                                           \
	" 'observed', a.observed, 'expected', a.expected, 'procedures', a.procedures,"             \
	" 'p_value', a.p_value, 'score', a.score, 'threshold', a.threshold,"                       \
	" 'created_at', a.created_at, 'updated_at', a.updated_at"

static const char *const SQL_LIST =
    "SELECT json_build_object('alerts', coalesce(json_agg(x.j ORDER BY x.id DESC), '[]'))::text"
    " FROM (SELECT a.id, json_build_object(" ALERT_COLUMNS ") AS j"
    "       FROM needlewatch.alerts a LEFT JOIN needlewatch.premises p ON p.id = a.premises_id"
    "       WHERE ($1::text IS NULL OR a.state = $1) AND ($2::int IS NULL OR a.rule = $2)"
    "         AND ($3::text IS NULL OR a.level = $3) AND ($4::text IS NULL OR a.setting = $4)"
    "         AND ($5::text IS NULL OR a.complication_group = $5)"
    "         AND ($6::text IS NULL OR a.last_week >= summary.iso_week_start($6))"
    "         AND ($7::text IS NULL OR a.first_week <= summary.iso_week_start($7))"
    "       ORDER BY a.id DESC LIMIT 1000) x";

static const char *const SQL_ONE =
    "SELECT json_build_object(" ALERT_COLUMNS ", 'evidence', a.evidence,"
    " 'history', (SELECT coalesce(json_agg(json_build_object('at', e.at, 'actor', e.actor,"
    "   'actor_name', who.name, 'from_state', e.from_state, 'to_state', e.to_state,"
    "   'note', e.note) ORDER BY e.id), '[]')"
    "   FROM needlewatch.alert_events e LEFT JOIN needlewatch.accounts who"
    "     ON e.actor = 'account:' || who.id WHERE e.alert_id = a.id))::text"
    " FROM needlewatch.alerts a LEFT JOIN needlewatch.premises p ON p.id = a.premises_id"
    " WHERE a.id = $1";

static const char *const SQL_WHO =
    "SELECT set_config('needlewatch.actor', $1, true), set_config('needlewatch.note', $2, true)";

/* acknowledge: open -> acknowledged; close: open or acknowledged -> closed. */
static const char *const SQL_CHANGE = "UPDATE needlewatch.alerts SET state = $2, updated_at = now()"
				      " WHERE id = $1 AND state = ANY ($3::text[]) RETURNING id";

static const char *const SQL_STATE = "SELECT state FROM needlewatch.alerts WHERE id = $1";

struct list_query {
	const char *v[7]; /* state, rule, level, setting, group, from, to */
	struct issues *errors;
	bool unknown;
	bool oom; /* an issue could not be recorded: answer 503, not 200 */
};

static bool one_of(const char *v, const char *const *allowed)
{
	for (; *allowed; allowed++)
		if (strcmp(v, *allowed) == 0)
			return true;
	return false;
}

static bool is_iso_week(const char *v)
{
	return strlen(v) == 8 && isdigit((unsigned char)v[0]) && isdigit((unsigned char)v[1]) &&
	       isdigit((unsigned char)v[2]) && isdigit((unsigned char)v[3]) && v[4] == '-' &&
	       v[5] == 'W' && isdigit((unsigned char)v[6]) && isdigit((unsigned char)v[7]) &&
	       strncmp(v + 6, "00", 2) != 0 && strncmp(v + 6, "53", 2) <= 0;
}

static bool is_code(const char *v)
{
	size_t n = strlen(v);
	if (n == 0 || n > 64)
		return false;
	for (; *v; v++)
		if (!islower((unsigned char)*v) && *v != '_')
			return false;
	return true;
}

static void check_param(struct list_query *q, int i, const char *key, const char *value)
{
	static const char *const states[] = {"open", "acknowledged", "closed", "withdrawn", NULL};
	static const char *const levels[] = {"red", "amber", NULL};
	static const char *const rules[] = {"1", "2", "3", "4", "5", "6", "7", NULL};
	bool ok = i == 0   ? one_of(value, states)
		  : i == 1 ? one_of(value, rules)
		  : i == 2 ? one_of(value, levels)
		  : i <= 4 ? is_code(value)
			   : is_iso_week(value);
	static const char *const why[] = {"must be open, acknowledged, closed or withdrawn",
					  "must be a rule number from 1 to 7",
					  "must be red or amber",
					  "must be a setting code",
					  "must be a complication group code",
					  "must be an ISO week like 2026-W12",
					  "must be an ISO week like 2026-W12"};
	if (q->v[i] && issues_add(q->errors, key, "must be given once") < 0)
		q->oom = true;
	else if (!q->v[i] && !ok && issues_add(q->errors, key, "%s", why[i]) < 0)
		q->oom = true;
	q->v[i] = value;
}

static enum MHD_Result collect(void *cls, enum MHD_ValueKind kind, const char *key,
			       const char *value)
{
	static const char *const names[] = {"state", "rule", "level", "setting",
					    "group", "from", "to",    NULL};
	struct list_query *q = cls;
	(void)kind;
	for (int i = 0; names[i]; i++)
		if (strcmp(key, names[i]) == 0) {
			check_param(q, i, key, value ? value : "");
			return MHD_YES;
		}
	if (issues_add(q->errors, key, "is not a parameter of /v1/alerts") < 0)
		q->oom = true;
	return MHD_YES;
}

static enum MHD_Result unavailable(struct request *rq)
{
	return respond_problem(rq, MHD_HTTP_SERVICE_UNAVAILABLE, "database-unavailable",
			       "database unavailable", "retry later", NULL, NULL);
}

/* An alert, or the list of them, as the statement's JSON text. */
static const struct readquery ANSWER = {
    .event = "alerts_query_failed",
    .missing_title = "no such alert",
    .missing_detail = "no alert has this id",
};

enum MHD_Result alerts_list_get(struct request *rq)
{
	struct issues errors;
	struct list_query q = {.errors = &errors};
	issues_init(&errors, rq->arena);
	MHD_get_connection_values(rq->conn, MHD_GET_ARGUMENT_KIND, collect, &q);
	if (q.oom)
		return respond_oom(rq, "alerts_query");
	if (errors.n)
		return respond_problem(rq, MHD_HTTP_BAD_REQUEST, "bad-query", "invalid query",
				       "one or more parameters are invalid; see errors", &errors,
				       NULL);
	return readquery_answer_json(rq, &ANSWER, SQL_LIST, 7, q.v);
}

/* The {id} of /v1/alerts/{id}: 1 to 18 digits. */
static bool valid_id(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 18)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

static enum MHD_Result bad_id(struct request *rq)
{
	return respond_problem(rq, MHD_HTTP_NOT_FOUND, "not-found", "no such alert",
			       "an alert id is a positive integer", NULL, NULL);
}

enum MHD_Result alerts_one_get(struct request *rq)
{
	if (!valid_id(rq->route_arg))
		return bad_id(rq);
	const char *params[1] = {rq->route_arg};
	return readquery_answer_json(rq, &ANSWER, SQL_ONE, 1, params);
}

enum MHD_Result alerts_post_begin(struct request *rq)
{
	const char *ct =
	    MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	if (!valid_id(rq->route_arg))
		return bad_id(rq);
	if (!ct || strncasecmp(ct, "application/json", 16) != 0 || (ct[16] && ct[16] != ';'))
		return respond_problem(rq, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
				       "unsupported-media-type", "unsupported content type",
				       "send Content-Type: application/json", NULL, NULL);
	return MHD_YES;
}

struct change {
	const char *to;	  /* "acknowledged" or "closed" */
	const char *from; /* the states it may leave, as a PostgreSQL array */
	const char *note; /* points into the parsed body */
	bool oom;	  /* an issue could not be recorded */
};

/* Parses {"action", "note"}; every problem goes into errors. */
static cJSON *parse_change(struct request *rq, struct change *c, struct issues *errors)
{
	static const struct json_limits lim = {.max_depth = 4, .max_string_bytes = 8192};
	struct json_error jerr;
	cJSON *doc = json_parse_strict(rq->body ? rq->body : "", rq->body_len, &lim, &jerr);
	int rc = 0; /* 0, or -ENOMEM once an issue could not be recorded */
	if (!doc || !cJSON_IsObject(doc)) {
		c->oom =
		    issues_add(errors, "", "%s", doc ? "must be a JSON object" : jerr.message) < 0;
		return doc;
	}
	for (const cJSON *m = doc->child; m; m = m->next)
		if (strcmp(m->string, "action") != 0 && strcmp(m->string, "note") != 0)
			rc |= issues_add(errors, m->string, "is not a member of an alert change");
	const cJSON *action = json_get(doc, "action"), *note = json_get(doc, "note");
	if (!cJSON_IsString(action))
		rc |= issues_add(errors, "action", "must be \"acknowledge\" or \"close\"");
	else if (strcmp(action->valuestring, "acknowledge") == 0)
		*c = (struct change){"acknowledged", "{open}", NULL, false};
	else if (strcmp(action->valuestring, "close") == 0)
		*c = (struct change){"closed", "{open,acknowledged}", NULL, false};
	else
		rc |= issues_add(errors, "action", "must be \"acknowledge\" or \"close\"");
	if (!cJSON_IsString(note) || !note->valuestring[0])
		rc |= issues_add(errors, "note", "is required: say why");
	else if (strlen(note->valuestring) > NOTE_MAX_CHARS * 4)
		rc |= issues_add(errors, "note", "must be at most %d characters", NOTE_MAX_CHARS);
	else
		c->note = note->valuestring;
	c->oom = rc < 0;
	return doc;
}

/* Runs the change in one transaction; returns 0, 1 when the alert is missing or in
 * a state the change cannot leave (state_out says which, "" when missing), -1 on a
 * database error. */
static int apply_change(PGconn *conn, const char *id, const char *actor, const struct change *c,
			char *state_out, size_t len)
{
	const char *who[2] = {actor, c->note}, *chg[3] = {id, c->to, c->from}, *one[1] = {id};
	PGresult *res = PQexec(conn, "BEGIN");
	int rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : -1;
	PQclear(res);
	if (rc)
		return rc;
	res = PQexecParams(conn, SQL_WHO, 2, NULL, who, NULL, NULL, 0);
	rc = PQresultStatus(res) == PGRES_TUPLES_OK ? 0 : -1;
	PQclear(res);
	if (!rc) {
		res = PQexecParams(conn, SQL_CHANGE, 3, NULL, chg, NULL, NULL, 0);
		rc = PQresultStatus(res) != PGRES_TUPLES_OK ? -1 : PQntuples(res) ? 0 : 1;
		PQclear(res);
	}
	if (rc == 1) {
		res = PQexecParams(conn, SQL_STATE, 1, NULL, one, NULL, NULL, 0);
		snprintf(state_out, len, "%s",
			 PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res)
			     ? PQgetvalue(res, 0, 0)
			     : "");
		PQclear(res);
	}
	PQclear(PQexec(conn, rc == 0 ? "COMMIT" : "ROLLBACK"));
	return rc;
}

enum MHD_Result alerts_post_finish(struct request *rq)
{
	struct issues errors;
	struct change c = {NULL, NULL, NULL, false};
	char actor[48], state[32] = "", detail[160];
	issues_init(&errors, rq->arena);
	cJSON *doc = parse_change(rq, &c, &errors);
	if (c.oom) {
		cJSON_Delete(doc);
		return respond_oom(rq, "alert_change");
	}
	if (errors.n) {
		cJSON_Delete(doc);
		return respond_problem(rq, MHD_HTTP_UNPROCESSABLE_CONTENT, "invalid-change",
				       "invalid alert change",
				       "the body is not a valid change; see errors", &errors, NULL);
	}
	PGconn *conn = dbpool_get(rq->server->readers, POOL_WAIT_MS);
	if (!conn) {
		cJSON_Delete(doc);
		return unavailable(rq);
	}
	snprintf(actor, sizeof(actor), "account:%lld", rq->account.id);
	int rc = apply_change(conn, rq->route_arg, actor, &c, state, sizeof(state));
	dbpool_put(rq->server->readers, conn, rc < 0 && PQstatus(conn) != CONNECTION_OK);
	cJSON_Delete(doc);
	if (rc < 0)
		return unavailable(rq);
	if (rc == 1 && !state[0])
		return bad_id(rq);
	if (rc == 1) {
		snprintf(detail, sizeof(detail), "the alert is %s; it cannot become %s", state,
			 c.to);
		return respond_problem(rq, MHD_HTTP_CONFLICT, "invalid-transition",
				       "invalid state change", detail, NULL, NULL);
	}
	log_event(LOG_INFO, "alert_state_changed", "alert=%s state=%s account=%lld", rq->route_arg,
		  c.to, rq->account.id);
	const char *params[1] = {rq->route_arg};
	return readquery_answer_json(rq, &ANSWER, SQL_ONE, 1, params);
}
