/* Summaries: GET /v1/summaries (not yet implemented: answers 501). */
#include "summaries.h"
#include "request.h"
#include "respond.h"

enum MHD_Result summaries_get(struct request *rq)
{
	rq->status = MHD_HTTP_NOT_IMPLEMENTED;
	return respond_problem(rq->conn, rq->status, "not-implemented", "not implemented yet",
			       NULL, NULL, NULL);
}
