/* Reports: GET /v1/reports/{id}. Reports arrive by POST /v1/reports,
 * which is ingest.h's. */
#ifndef NW_REPORTS_H
#define NW_REPORTS_H

#include <microhttpd.h>

struct request;

/* GET /v1/reports/{id}: the reporting premises' own stored report. */
enum MHD_Result reports_get(struct request *rq);

#endif
