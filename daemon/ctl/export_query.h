/* The weekly export's reads: a week's published cells and its 12-week trend
 * from the summary.public_* views, in one read-only snapshot, so the three
 * files of a week always agree with each other. */
#ifndef NW_EXPORT_QUERY_H
#define NW_EXPORT_QUERY_H

#include "ctl.h"
#include "export_model.h"

/* A loaded week: doc, and the query results its strings point into. */
struct export_data {
	struct export_doc doc;
	PGresult *cells_res;
	PGresult *trend_res;
	struct export_cell *cells;
	struct export_trend_point *trend;
	PGresult *alerts_res;
	struct export_alert_count *alerts;
};

/* Brings the summary tables up to date (needlewatch.refresh_summaries with
 * the configured suppression threshold), so an export never misses what was
 * reported since the daemon's last refresh. 0 or a sysexits code, the
 * reason in ctl->err. */
int export_query_refresh(struct ctl *ctl);

/* Loads week w into *ret (fills doc's week, dates, cells, trend and the
 * threshold the tables were built with; generated_at and software_version
 * are the caller's). 0 or a sysexits code with the reason in ctl->err;
 * either way call export_data_free(). */
int export_query_load(struct ctl *ctl, struct iso_week w, struct export_data *ret);

/* Frees what export_query_load() kept. Accepts NULL. */
void export_data_free(struct export_data *d);

#endif
