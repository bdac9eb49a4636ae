/* Activity: POST /v1/activity (not yet implemented: answers 501). */
#include "activity.h"
#include "request.h"
#include "respond.h"

static enum MHD_Result not_yet(struct request *rq)
{
	rq->status = MHD_HTTP_NOT_IMPLEMENTED;
	return respond_problem(rq->conn, rq->status, "not-implemented", "not implemented yet",
			       NULL, NULL, NULL);
}

enum MHD_Result activity_post_begin(struct request *rq)
{
	return not_yet(rq);
}

enum MHD_Result activity_post_finish(struct request *rq)
{
	return not_yet(rq);
}

enum MHD_Result activity_post_answer(struct request *rq)
{
	return not_yet(rq);
}
