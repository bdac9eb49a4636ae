/* One read-pool statement answered as its JSON text (readquery.h). */
#include "readquery.h"
#include "dbpool.h"
#include "log.h"
#include "request.h"
#include "respond.h"
#include "server.h"

#include <libpq-fe.h>
#include <stdbool.h>

/* How long a request waits for a free read connection. */
#define POOL_WAIT_MS 2000

static enum MHD_Result unavailable(struct request *rq, const struct readquery *q)
{
	return respond_problem(
	    rq, MHD_HTTP_SERVICE_UNAVAILABLE, "database-unavailable", "database unavailable",
	    q->unavailable_detail ? q->unavailable_detail : "retry later", NULL, NULL);
}

enum MHD_Result readquery_answer_json(struct request *rq, const struct readquery *q,
				      const char *sql, int n, const char *const *params)
{
	PGconn *conn = dbpool_get(rq->server->readers, POOL_WAIT_MS);
	if (!conn)
		return unavailable(rq, q);
	PGresult *res = PQexecParams(conn, sql, n, NULL, params, NULL, NULL, 0);
	bool ok = PQresultStatus(res) == PGRES_TUPLES_OK;
	if (!ok) {
		char why[300];
		log_event(LOG_WARNING, q->event, "request=%s reason=\"%s\"", rq->id,
			  log_quote(why, sizeof(why), PQresultErrorMessage(res)));
	}
	dbpool_put(rq->server->readers, conn, !ok && db_result_is_connection_error(conn, res));
	enum MHD_Result ret;
	if (!ok)
		ret = unavailable(rq, q);
	else if (PQntuples(res) != 1)
		ret = respond_problem(rq, MHD_HTTP_NOT_FOUND, "not-found", q->missing_title,
				      q->missing_detail, NULL, NULL);
	else {
		rq->status = MHD_HTTP_OK;
		ret =
		    respond_request_text(rq, MHD_HTTP_OK, "application/json", PQgetvalue(res, 0, 0),
					 (size_t)PQgetlength(res, 0, 0), NULL, "readquery");
	}
	PQclear(res);
	return ret;
}
