/* Alerts' data: the weekly counts of a range of weeks, loaded from the base tables.
 *
 * Counts come from needlewatch.reports (latest versions), report_complications and
 * activity (latest submissions) directly, not from the summary tables, so that an
 * `alerts run` sees what is committed even before the next refresh. */
#ifndef NW_ALERTS_LOAD_H
#define NW_ALERTS_LOAD_H

#include "alert_rules.h"

#include <libpq-fe.h>

/* The arrays behind a struct alert_data, owned here. */
struct alerts_dataset {
	struct alert_data d;
	int64_t *premises_id;
	int *premises_setting;
	char **groups;
	uint32_t *procedures, *cases, *sentinel, *unreg_sentinel;
	char **exposures, **types;
	uint32_t *disprop;
};

/* The settings every count is filed under, in this order (premises.setting's CHECK). */
extern const char *const alerts_settings[];
#define ALERTS_NSETTINGS 5

/* Loads weeks from..to (days since the epoch, Mondays) into ds. sentinel_types is a
 * comma-separated list of complication types. Returns 0, -EIO with the reason in err,
 * or -ENOMEM. ds is always safe to pass to alerts_dataset_free. */
int alerts_load(PGconn *conn, long from, long to, const char *sentinel_types,
		struct alerts_dataset *ds, char *err, size_t errlen);

void alerts_dataset_free(struct alerts_dataset *ds);

#endif
