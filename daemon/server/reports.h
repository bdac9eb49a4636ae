/* Reports: POST /v1/reports and GET /v1/reports/{id}. */
#ifndef NW_REPORTS_H
#define NW_REPORTS_H

#include <microhttpd.h>

struct request;

/* Headers are in: checks Content-Type and Content-Length before any body is
 * read. Returns MHD_YES with nothing queued when the body may come. */
enum MHD_Result reports_post_begin(struct request *rq);
/* The whole body is in: parse, normalise, queue to the writer and suspend. */
enum MHD_Result reports_post_finish(struct request *rq);
/* Called again after the writer resumed the connection: queue the answer. */
enum MHD_Result reports_post_answer(struct request *rq);
/* GET /v1/reports/{id}: the reporting premises' own stored report. */
enum MHD_Result reports_get(struct request *rq);

#endif
