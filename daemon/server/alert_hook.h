/* Alert hook: the signal rules after each summary refresh, inside needlewatchd. */
#ifndef NW_ALERT_HOOK_H
#define NW_ALERT_HOOK_H

#include <libpq-fe.h>

struct config;

/* Called by the refresher thread after a refresh committed, on its own connection:
 * recomputes the alerts of every week whose data changed since the last run (alerts.h)
 * and logs the outcome once. sentinel_types is the refresher's copy of
 * alerts_sentinel_types (strings in cfg may be freed by a reload). Does nothing when
 * alerts_enabled is off. */
void alert_hook_after_refresh(PGconn *conn, const struct config *cfg, const char *sentinel_types);

#endif
