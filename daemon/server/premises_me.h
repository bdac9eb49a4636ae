/* GET /v1/premises/me: what a reporting premises has not sent, or must still
 * look at — weeks without activity, reports awaiting vocabulary review, cases
 * due a follow-up — and when it last sent anything. */
#ifndef NW_PREMISES_ME_H
#define NW_PREMISES_ME_H

#include <microhttpd.h>

struct request;

/* The route's handler (reporter token, checked by routes.c): reads the
 * caller's own premises only, in one statement on the read pool, and queues
 * the answer (200, or 503 when the database cannot be asked). */
enum MHD_Result premises_me_get(struct request *rq);

#endif
