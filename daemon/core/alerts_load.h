/* Alerts' data: the weekly counts of a range of weeks.
 *
 * Weeks the last summary refresh recomputed are read from the counts it keeps
 * (schema/014: alert_premises_weeks, alert_setting_counts, alert_type_sets,
 * alert_exposure_counts); weeks marked dirty since are counted
 * from needlewatch.reports (latest versions), report_complications and activity
 * (latest submissions), so that an `alerts run` sees what is committed even before
 * the next refresh. Either way the counts are the same. */
#ifndef NW_ALERTS_LOAD_H
#define NW_ALERTS_LOAD_H

#include "alert_rules.h"

#include <libpq-fe.h>

/* summary.complication_groups.sort_order values a count table's array may hold. */
#define ALERTS_MAX_GROUP_ORDER 32

/* The arrays behind a struct alert_data, owned here. */
struct alerts_dataset {
	struct alert_data d;
	int group_by_order[ALERTS_MAX_GROUP_ORDER]; /* sort_order -> index in groups, or -1 */
	size_t nregistered; /* premises_id[0..nregistered): sorted; then one per setting */
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

/* The weeks to load (days since the epoch, Mondays). The rules that look at single
 * premises look back less far than those per setting: per-premises counts are loaded
 * from detail_from, sentinel counts from sentinel_from, and the weeks before
 * detail_from hold only each setting's totals, on one extra "premises" per setting
 * (premises_id 0) that has no activity or case in any later week, so it never fires. */
struct alerts_load_range {
	long from, to;
	long detail_from;   /* from <= detail_from <= to + 7 */
	long sentinel_from; /* from <= sentinel_from */
};

/* Loads range into ds. sentinel_types is a comma-separated list of complication
 * types. Returns 0, -EIO with the reason in err, or -ENOMEM. ds is always safe to
 * pass to alerts_dataset_free. */
int alerts_load(PGconn *conn, const struct alerts_load_range *range, const char *sentinel_types,
		struct alerts_dataset *ds, char *err, size_t errlen);

void alerts_dataset_free(struct alerts_dataset *ds);

#endif
