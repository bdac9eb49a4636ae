/* Alerts API: what the signal rules found, for regulators only.
 *
 *   GET  /v1/alerts[?state=&rule=&level=&setting=&group=&from=YYYY-Www&to=YYYY-Www]
 *   GET  /v1/alerts/{id}     one alert with its evidence, thresholds and history
 *   POST /v1/alerts/{id}     {"action": "acknowledge" | "close", "note": "..."}
 *   GET  /v1/funnel?setting=&complication=&from=YYYY-Www&to=YYYY-Www
 *                            each premises' rate with the exact 95% and 99.8% limits
 * The module is named alerts_api, not alerts, because daemon/core/alerts.h (the
 * computation) is on the same include path. */
#ifndef NW_ALERTS_API_H
#define NW_ALERTS_API_H

#include <microhttpd.h>

struct request;

enum MHD_Result alerts_list_get(struct request *rq);
enum MHD_Result alerts_one_get(struct request *rq);
enum MHD_Result alerts_post_begin(struct request *rq);
enum MHD_Result alerts_post_finish(struct request *rq);
enum MHD_Result funnel_get(struct request *rq);

#endif
