/* Reports: GET /v1/reports/{id}, the reporting premises' own stored report.
 * (POST /v1/reports is ingest.c's.) */
#include "reports.h"
#include "arena.h"
#include "dbpool.h"
#include "request.h"
#include "respond.h"
#include "server.h"

#include <cJSON.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>

static const char *const SQL_GET_REPORT =
    "SELECT id, client_ref, version, received_at, normalised, warnings"
    " FROM needlewatch.reports WHERE premises_id = $1 AND id = $2";

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
		return respond_oom(rq, "report_get");
	cJSON_ReplaceItemInObjectCaseSensitive(j, "client_ref",
					       cJSON_CreateString(PQgetvalue(res, 0, 1)));
	rq->status = MHD_HTTP_OK;
	enum MHD_Result ret = respond_request_json(rq, MHD_HTTP_OK, j, NULL, "report_get");
	cJSON_Delete(j);
	return ret;
}

enum MHD_Result reports_get(struct request *rq)
{
	char *end;
	long long id = strtoll(rq->route_arg, &end, 10);
	if (*end || id <= 0 || rq->route_arg[0] == '+' || rq->route_arg[0] == ' ')
		return respond_problem(rq, MHD_HTTP_NOT_FOUND, "not-found", "no such report", NULL,
				       NULL, NULL);
	char premises[24], idtext[24];
	snprintf(premises, sizeof(premises), "%lld", rq->account.premises_id);
	snprintf(idtext, sizeof(idtext), "%lld", id);
	const char *params[2] = {premises, idtext};

	PGconn *c = dbpool_get(rq->server->replicas, 2000);
	if (!c)
		return respond_problem(rq, MHD_HTTP_SERVICE_UNAVAILABLE, "database-unavailable",
				       "database unavailable", "retry later", NULL, NULL);
	PGresult *res = PQexecParams(c, SQL_GET_REPORT, 2, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		dbpool_put(rq->server->replicas, c, db_result_is_connection_error(c, res));
		PQclear(res);
		return respond_problem(rq, MHD_HTTP_SERVICE_UNAVAILABLE, "database-unavailable",
				       "database unavailable", "retry later", NULL, NULL);
	}
	dbpool_put(rq->server->replicas, c, /* broken= */ false);
	enum MHD_Result ret;
	if (PQntuples(res) != 1)
		ret =
		    respond_problem(rq, MHD_HTTP_NOT_FOUND, "not-found", "no such report",
				    "no report with this id was sent by your premises", NULL, NULL);
	else
		ret = answer_report_row(rq, res);
	PQclear(res);
	return ret;
}
