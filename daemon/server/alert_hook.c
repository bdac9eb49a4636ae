/* Alert hook: the signal rules after each summary refresh (alert_hook.h). */
#include "alert_hook.h"
#include "util.h"
#include "alerts.h"
#include "config.h"
#include "log.h"

#include <stdbool.h>
#include <time.h>

void alert_hook_after_refresh(PGconn *conn, const struct config *cfg, const char *sentinel_types)
{
	struct alerts_run_opts opts = {
	    .from = -1,
	    .to = -1,
	    .store = true,
	    .actor = "needlewatchd:refresher",
	    .sentinel_types = sentinel_types,
	};
	struct alerts_run_result res;
	char err[512], q[600];
	double start = util_mono_ms_f();

	if (!cfg->alerts_enabled)
		return;
	if (alerts_run(conn, cfg, &opts, &res, err, sizeof(err)) != 0) {
		log_event(LOG_WARNING, "alerts_run_failed", "reason=\"%s\"",
			  log_quote(q, sizeof(q), err));
		return;
	}
	log_event(LOG_INFO, "alerts_computed",
		  "weeks=%d signals=%d opened=%d extended=%d withdrawn=%d ms=%.1f", res.weeks,
		  res.signals, res.opened, res.extended, res.withdrawn, util_mono_ms_f() - start);
}
