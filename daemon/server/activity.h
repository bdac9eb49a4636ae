/* Activity: POST /v1/activity, the procedure counts behind every rate. */
#ifndef NW_ACTIVITY_H
#define NW_ACTIVITY_H

#include <microhttpd.h>

struct request;

/* Headers are in: Content-Type and Content-Length checks. */
enum MHD_Result activity_post_begin(struct request *rq);
/* The body is in: parse, validate, queue to the writer. */
enum MHD_Result activity_post_finish(struct request *rq);
/* After the commit: queue the answer. */
enum MHD_Result activity_post_answer(struct request *rq);

#endif
