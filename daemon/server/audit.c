/* Audit: one INSERT into needlewatch.audit_log per event, as a writer job.
 *
 * The job is heap-allocated and owned by the writer from writer_submit() on;
 * its done() frees it. Nobody waits for it: an audit row rides along in the
 * writer's next group commit instead of costing the request a round trip. */
#include "audit.h"
#include "dbpool.h"
#include "directory.h"
#include "log.h"
#include "server.h"
#include "utf8.h"
#include "writer.h"

#include <cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A regulator query's arguments are short (from, to, by...): these bound what
 * a hostile query string can make us store. */
#define QUERY_ARGS_MAX 32
#define QUERY_VALUE_MAX 256

static const char *const SQL_INSERT_AUDIT =
    "INSERT INTO needlewatch.audit_log (actor, action, detail) VALUES ($1, $2, $3::jsonb)";

struct audit_job {
	struct write_job job; /* first: the writer hands back &job */
	enum store_status status;
	char actor[40];
	char *action;
	char *detail;
};

static int audit_run(PGconn *conn, struct write_job *job, bool *ret_lost)
{
	struct audit_job *a = (struct audit_job *)job;
	const char *params[3] = {a->actor, a->action, a->detail};
	PGresult *res = PQexecParams(conn, SQL_INSERT_AUDIT, 3, NULL, params, NULL, NULL, 0);
	bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	*ret_lost = !ok && db_result_is_connection_error(conn, res);
	PQclear(res);
	a->status = ok ? STORE_ACCEPTED : STORE_FAILED;
	return ok ? 0 : -EIO;
}

static void audit_fail(struct write_job *job, enum store_status status)
{
	((struct audit_job *)job)->status = status;
}

static void audit_job_free(struct audit_job *a)
{
	free(a->action);
	free(a->detail);
	free(a);
}

static void audit_done(struct write_job *job, void *arg)
{
	struct audit_job *a = (struct audit_job *)job;
	char q[96];
	(void)arg;
	if (a->status != STORE_ACCEPTED)
		log_event(LOG_WARNING, "audit_lost", "actor=%s action=\"%s\" reason=%s", a->actor,
			  log_quote(q, sizeof(q), a->action),
			  a->status == STORE_UNAVAILABLE ? "database_unavailable" : "refused");
	audit_job_free(a);
}

static bool is_json_object(const char *text)
{
	cJSON *j = cJSON_Parse(text);
	bool ok = cJSON_IsObject(j);
	cJSON_Delete(j);
	return ok;
}

int audit_record(struct server *s, const struct account *acc, const char *action,
		 const char *detail_json)
{
	char q[96];
	if (!detail_json)
		detail_json = "{}";
	if (!action || !*action || !is_json_object(detail_json))
		return -EINVAL;
	struct audit_job *a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->action = strdup(action);
	a->detail = strdup(detail_json);
	if (!a->action || !a->detail) {
		audit_job_free(a);
		return -ENOMEM;
	}
	snprintf(a->actor, sizeof(a->actor), "account:%lld", acc ? acc->id : 0LL);
	a->job.run = audit_run;
	a->job.fail = audit_fail;
	a->job.done = audit_done;
	a->job.arg = NULL;
	a->job.weight = 1;
	if (writer_submit(s->writer, &a->job) < 0) {
		log_event(LOG_WARNING, "audit_lost", "actor=%s action=\"%s\" reason=shutting_down",
			  a->actor, log_quote(q, sizeof(q), action));
		audit_job_free(a);
		return -ESHUTDOWN;
	}
	return 0;
}

/* s as JSON-storable text of at most QUERY_VALUE_MAX bytes, whole
 * characters only: bytes that are not UTF-8 (a query's %FF) become U+FFFD,
 * since PostgreSQL refuses the whole INSERT — and the group commit it rides
 * in — over one invalid byte. */
static void audit_text(const char *s, char out[QUERY_VALUE_MAX + 1])
{
	utf8_sanitize(s, strlen(s), out, QUERY_VALUE_MAX + 1);
}

struct args {
	cJSON *obj;
	int n;
};

static enum MHD_Result add_arg(void *cls, enum MHD_ValueKind kind, const char *key,
			       const char *value)
{
	struct args *a = cls;
	char k[QUERY_VALUE_MAX + 1], v[QUERY_VALUE_MAX + 1];
	(void)kind;
	if (a->n++ >= QUERY_ARGS_MAX)
		return MHD_NO;
	audit_text(key, k);
	audit_text(value ? value : "", v);
	/* Strings only: cJSON escapes quotes and controls, audit_text() the rest. */
	cJSON_AddItemToObject(a->obj, k, cJSON_CreateString(v));
	return MHD_YES;
}

int audit_regulator_query(struct server *s, const struct account *acc, struct MHD_Connection *conn,
			  const char *route, const char *method)
{
	cJSON *detail = cJSON_CreateObject();
	struct args a = {.obj = cJSON_CreateObject()};
	if (!detail || !a.obj) {
		cJSON_Delete(detail);
		cJSON_Delete(a.obj);
		return -ENOMEM;
	}
	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, add_arg, &a);
	cJSON_AddStringToObject(detail, "route", route);
	cJSON_AddStringToObject(detail, "method", method);
	cJSON_AddItemToObject(detail, "query", a.obj);
	if (a.n > QUERY_ARGS_MAX)
		cJSON_AddBoolToObject(detail, "query_truncated", true);
	char *text = cJSON_PrintUnformatted(detail);
	cJSON_Delete(detail);
	if (!text)
		return -ENOMEM;
	int r = audit_record(s, acc, "regulator_query", text);
	free(text);
	return r;
}
