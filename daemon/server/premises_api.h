/* Premises-level views for regulators (the dashboard's premises and completeness pages):
 *
 *   GET /v1/premises/{code}/weeks[?from=YYYY-Www&to=YYYY-Www]
 *        one premises' weekly activity, reports and cases, and its completeness
 *   GET /v1/completeness[?from=YYYY-Www&to=YYYY-Www]
 *        premises without activity, reports awaiting vocabulary review, late reports
 * Both name premises: regulator only, never public. The period defaults to the
 * 13 weeks ending the last complete one and is at most 104 weeks. */
#ifndef NW_PREMISES_API_H
#define NW_PREMISES_API_H

#include <microhttpd.h>

struct request;

enum MHD_Result premises_weeks_get(struct request *rq);
enum MHD_Result completeness_get(struct request *rq);

#endif
