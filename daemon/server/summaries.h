/* Summaries: GET /v1/summaries, the rate tables for regulators. */
#ifndef NW_SUMMARIES_H
#define NW_SUMMARIES_H

#include <microhttpd.h>

struct request;

enum MHD_Result summaries_get(struct request *rq);

#endif
