/* The weekly export's reads from the public summary views. */
#include "export_query.h"
#include "ctl_db.h"
#include "refresh_audit.h"
#include "codes.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The snapshot every read of one week shares. */
static const char *const sql_begin_snapshot = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";

static const char *const sql_threshold =
    "SELECT suppression_threshold FROM summary.refresh_state WHERE suppression_threshold IS "
    "NOT NULL";

/* Every published cell of the week $1 (its Monday), in the order the files
 * list them: table, complication group, setting ($2: their order), then the
 * table's own key. Columns: table number, the five keys, the 20 figures
 * (enum export_fig order), all as text. Sorting by "C" collation keeps the
 * order the same whatever the database's locale. */
static const char *const sql_cells =
    "WITH cells AS ("
    " SELECT 0 AS tbl, s.setting, s.complication_group, NULL::text AS fitzpatrick,"
    "  NULL::text AS region, NULL::text AS medically_trained, s.events,"
    "  s.procedures::text AS procedures, s.rate_per_1000, s.ci95_low, s.ci95_high, s.ci_method,"
    "  s.premises_reporting::text AS premises, s.events_without_activity,"
    "  c.rate_ratio, c.rr_ci95_low, c.rr_ci95_high, c.haldane::text AS haldane, c.rr_adjusted,"
    "  c.rr_adjusted_ci95_low, c.rr_adjusted_ci95_high, c.adjusted_strata::text AS strata,"
    "  s.premises_active::text AS active, s.premises_silent::text AS silent,"
    "  s.premises_implausible::text AS implausible, s.plausibility"
    " FROM summary.public_rates_week_setting s"
    " LEFT JOIN summary.public_setting_comparisons c ON c.week = s.week"
    "  AND c.setting = s.setting AND c.complication_group = s.complication_group"
    " WHERE s.week = $1::date"
    " UNION ALL"
    " SELECT 1, setting, complication_group, fitzpatrick::text, NULL, NULL, events,"
    "  procedures::text, rate_per_1000, ci95_low, ci95_high, ci_method,"
    "  premises_reporting::text, events_without_activity,"
    "  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,"
    "  premises_active::text, premises_silent::text, premises_implausible::text, plausibility"
    " FROM summary.public_rates_fitzpatrick WHERE week = $1::date"
    " UNION ALL"
    " SELECT 2, setting, complication_group, NULL, region, NULL, events,"
    "  procedures::text, rate_per_1000, ci95_low, ci95_high, ci_method,"
    "  premises_reporting::text, events_without_activity,"
    "  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,"
    "  premises_active::text, premises_silent::text, premises_implausible::text, plausibility"
    " FROM summary.public_rates_region WHERE week = $1::date"
    " UNION ALL"
    " SELECT 3, setting, complication_group, NULL, NULL, medically_trained::text, events,"
    "  procedures::text, rate_per_1000, ci95_low, ci95_high, ci_method,"
    "  premises_reporting::text, events_without_activity,"
    "  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,"
    "  premises_active::text, premises_silent::text, premises_implausible::text, plausibility"
    " FROM summary.public_rates_training WHERE week = $1::date"
    " UNION ALL"
    " SELECT 4, setting, complication_group, NULL, region, NULL, cases,"
    "  NULL, NULL, NULL, NULL, NULL, NULL, NULL,"
    "  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL"
    " FROM summary.public_unregistered_counts WHERE week = $1::date"
    ")"
    " SELECT cells.tbl, cells.setting, cells.complication_group, cells.fitzpatrick,"
    "  cells.region, cells.medically_trained, cells.events, cells.procedures,"
    "  cells.rate_per_1000, cells.ci95_low, cells.ci95_high, cells.ci_method, cells.premises,"
    "  cells.events_without_activity, cells.rate_ratio, cells.rr_ci95_low, cells.rr_ci95_high,"
    "  cells.haldane, cells.rr_adjusted, cells.rr_adjusted_ci95_low,"
    "  cells.rr_adjusted_ci95_high, cells.strata, cells.active, cells.silent,"
    "  cells.implausible, cells.plausibility"
    " FROM cells"
    " LEFT JOIN summary.complication_groups g ON g.complication_group = cells.complication_group"
    " ORDER BY cells.tbl, g.sort_order NULLS LAST, cells.complication_group COLLATE \"C\","
    "  array_position($2::text[], cells.setting) NULLS LAST, cells.setting COLLATE \"C\","
    "  cells.fitzpatrick COLLATE \"C\" NULLS LAST, cells.region COLLATE \"C\" NULLS LAST,"
    "  cells.medically_trained COLLATE \"C\" DESC NULLS LAST";

/* The any-complication rate of each setting in the weeks $1 to $2 (Mondays),
 * grouped by setting ($3: their order) and ordered by week. */
static const char *const sql_trend =
    "SELECT setting, (week - $1::date) / 7, rate_per_1000, ci95_low, ci95_high,"
    " procedures::text"
    " FROM summary.public_rates_week_setting"
    " WHERE week BETWEEN $1::date AND $2::date AND complication_group = 'any'"
    " ORDER BY array_position($3::text[], setting) NULLS LAST, setting COLLATE \"C\", week";

#define CELL_COLUMNS (1 + EXPORT_KEY_COUNT + EXPORT_FIG_COUNT)

/* The alerts section: episodes covering the week, by rule and level. */
static const char *const sql_alerts =
    "SELECT rule, level, count(*) FROM needlewatch.alerts"
    " WHERE first_week <= $1::date AND last_week >= $1::date AND state <> 'withdrawn'"
    " GROUP BY rule, level ORDER BY rule, level = 'amber'";

int export_query_refresh(struct ctl *ctl)
{
	/* the refresh with its disclosure audit, as `needlewatchctl refresh` runs it */
	struct refresh_audit_outcome out;
	if (refresh_audit_run(ctl->db, ctl->cfg.suppression_threshold, /* full= */ false, NULL,
			      &out, ctl->err, sizeof(ctl->err)))
		return PQstatus(ctl->db) == CONNECTION_OK ? EX_SOFTWARE : EX_UNAVAILABLE;
	return 0;
}

/* "{medical_clinic,salon,...}": the settings' order, as an array parameter. */
static void settings_array(char *out, size_t outlen)
{
	size_t n = 0;
	out[n++] = '{';
	for (const char *const *s = codes_settings; *s && n + strlen(*s) + 2 < outlen; s++)
		n += (size_t)snprintf(out + n, outlen - n, "%s%s", s == codes_settings ? "" : ",",
				      *s);
	snprintf(out + n, outlen - n, "}");
}

static const char *value(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

static int fill_cells(struct ctl *ctl, struct export_data *d)
{
	const PGresult *res = d->cells_res;
	int n = PQntuples(res);
	if (PQnfields(res) != CELL_COLUMNS) {
		snprintf(ctl->err, sizeof(ctl->err), "the cells query gave %d columns, not %d",
			 PQnfields(res), CELL_COLUMNS);
		return EX_SOFTWARE;
	}
	d->cells = calloc(n ? (size_t)n : 1, sizeof(*d->cells));
	if (!d->cells) {
		snprintf(ctl->err, sizeof(ctl->err), "out of memory");
		return EX_SOFTWARE;
	}
	for (int r = 0; r < n; r++) {
		struct export_cell *c = &d->cells[r];
		int t = atoi(PQgetvalue(res, r, 0));
		c->table =
		    t >= 0 && t < EXPORT_TABLE_COUNT ? (enum export_table)t : EXPORT_BY_SETTING;
		for (int k = 0; k < EXPORT_KEY_COUNT; k++)
			c->key[k] = value(res, r, 1 + k);
		for (int f = 0; f < EXPORT_FIG_COUNT; f++)
			c->fig[f] = value(res, r, 1 + EXPORT_KEY_COUNT + f);
	}
	d->doc.cells = d->cells;
	d->doc.n_cells = (size_t)n;
	return 0;
}

static int fill_trend(struct ctl *ctl, struct export_data *d)
{
	const PGresult *res = d->trend_res;
	int n = PQntuples(res);
	d->trend = calloc(n ? (size_t)n : 1, sizeof(*d->trend));
	if (!d->trend) {
		snprintf(ctl->err, sizeof(ctl->err), "out of memory");
		return EX_SOFTWARE;
	}
	for (int r = 0; r < n; r++) {
		struct export_trend_point *p = &d->trend[r];
		p->setting = value(res, r, 0);
		p->index = atoi(PQgetvalue(res, r, 1));
		p->rate = value(res, r, 2);
		p->ci_low = value(res, r, 3);
		p->ci_high = value(res, r, 4);
		p->procedures = value(res, r, 5);
	}
	d->doc.trend = d->trend;
	d->doc.n_trend = (size_t)n;
	return 0;
}

/* The week's name and dates, and the names of the trend's weeks. */
static void fill_weeks(struct export_doc *doc, struct iso_week w)
{
	long monday = isoweek_monday(w);
	doc->week = w;
	isoweek_format(w, doc->week_text);
	isoweek_format_date(monday, doc->week_start);
	isoweek_format_date(monday + 6, doc->week_end);
	for (int i = 0; i < EXPORT_TREND_WEEKS; i++)
		isoweek_format(isoweek_of_day(monday - 7L * (EXPORT_TREND_WEEKS - 1 - i)),
			       doc->trend_weeks[i]);
}

static int read_snapshot(struct ctl *ctl, struct export_data *d)
{
	char settings[128], first[ISOWEEK_DATE_LEN];
	PGresult *res = NULL;
	settings_array(settings, sizeof(settings));
	isoweek_format_date(isoweek_monday(d->doc.week) - 7L * (EXPORT_TREND_WEEKS - 1), first);

	int rc = ctl_db_exec(ctl, sql_threshold, 0, NULL, &res);
	if (rc)
		return rc;
	d->doc.suppression_threshold =
	    PQntuples(res) ? atoi(PQgetvalue(res, 0, 0)) : ctl->cfg.suppression_threshold;
	PQclear(res);

	const char *cell_params[] = {d->doc.week_start, settings};
	rc = ctl_db_exec(ctl, sql_cells, 2, cell_params, &d->cells_res);
	if (rc)
		return rc;
	const char *trend_params[] = {first, d->doc.week_start, settings};
	rc = ctl_db_exec(ctl, sql_trend, 3, trend_params, &d->trend_res);
	if (rc)
		return rc;
	const char *alert_params[] = {d->doc.week_start};
	return ctl_db_exec(ctl, sql_alerts, 1, alert_params, &d->alerts_res);
}

static int fill_alerts(struct ctl *ctl, struct export_data *d)
{
	int n = PQntuples(d->alerts_res);
	d->alerts = calloc(n ? (size_t)n : 1, sizeof(*d->alerts));
	if (!d->alerts) {
		snprintf(ctl->err, sizeof(ctl->err), "out of memory");
		return EX_SOFTWARE;
	}
	for (int r = 0; r < n; r++) {
		d->alerts[r].rule = atoi(PQgetvalue(d->alerts_res, r, 0));
		d->alerts[r].level = PQgetvalue(d->alerts_res, r, 1);
		d->alerts[r].count = atol(PQgetvalue(d->alerts_res, r, 2));
	}
	d->doc.alerts = d->alerts;
	d->doc.n_alerts = (size_t)n;
	return 0;
}

int export_query_load(struct ctl *ctl, struct iso_week w, struct export_data *ret)
{
	memset(ret, 0, sizeof(*ret));
	fill_weeks(&ret->doc, w);
	int rc = ctl_db_exec(ctl, sql_begin_snapshot, 0, NULL, NULL);
	if (rc)
		return rc;
	rc = read_snapshot(ctl, ret);
	if (rc) {
		ctl_db_rollback(ctl);
		return rc;
	}
	rc = ctl_db_commit(ctl);
	if (!rc)
		rc = fill_cells(ctl, ret);
	if (!rc)
		rc = fill_trend(ctl, ret);
	if (!rc)
		rc = fill_alerts(ctl, ret);
	return rc;
}

void export_data_free(struct export_data *d)
{
	if (!d)
		return;
	PQclear(d->cells_res);
	PQclear(d->trend_res);
	PQclear(d->alerts_res);
	free(d->cells);
	free(d->trend);
	free(d->alerts);
	memset(d, 0, sizeof(*d));
}
