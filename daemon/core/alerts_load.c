/* Alerts' data: weekly counts of a range of weeks from the base tables (alerts_load.h).
 *
 * Design: the cost of a run follows what changed, not the history. The weeks the
 * refresh has counted come from its small tables (schema/014): per premises only
 * as far back as the premises-level rules look (rules 1, 2, 6), per setting for
 * the long look-backs of rules 3-5 (up to five years and a half for Farrington),
 * per exposure for rule 7. Only the weeks marked dirty since the last refresh are
 * counted from the raw tables, with the same definition. The arrays are dense
 * (premises x group x week); a year and a half of 10,000 premises is
 * 10,000 x 8 x 80 x 4 bytes = 26 MB, freed as soon as the run ends. */
#include "alerts_load.h"
#include "isoweek.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const alerts_settings[ALERTS_NSETTINGS] = {"medical_clinic", "salon", "home", "mobile",
						       "unknown"};

static const char *const SQL_GROUPS = "SELECT complication_group, sort_order"
				      " FROM summary.complication_groups ORDER BY sort_order";

static const char *const SQL_PREMISES = "SELECT id, setting FROM needlewatch.premises ORDER BY id";

/* The weeks marked dirty since the last refresh: their counts are not yet in the
 * tables of 014, so they are counted from the raw tables below. A PostgreSQL array. */
static const char *const SQL_DIRTY =
    "SELECT coalesce(array_agg(DISTINCT week), '{}')::text FROM needlewatch.dirty_weeks"
    " WHERE week BETWEEN $1::date AND $2::date";

/* --- Weeks the refresh has counted (014), every week but the dirty ones. --- */

/* $1 week 0, $2..$3 the weeks, $4 the dirty weeks. One row per premises-week:
 * procedures, and cases per group by the group's sort_order. */
static const char *const SQL_PREMISES_WEEKS =
    "SELECT premises_id, (week - $1::date) / 7, procedures, cases"
    " FROM needlewatch.alert_premises_weeks"
    " WHERE week BETWEEN $2::date AND $3::date AND week <> ALL ($4::date[])";

static const char *const SQL_SETTING_COUNTS =
    "SELECT setting, (week - $1::date) / 7, complication_group, cases, procedures"
    " FROM needlewatch.alert_setting_counts"
    " WHERE week BETWEEN $2::date AND $3::date AND week <> ALL ($4::date[])";

/* $5 the sentinel types: a case counts once whatever the number of its types. */
static const char *const SQL_SENTINEL_COUNTS =
    "SELECT premises_id, setting, (week - $1::date) / 7, sum(cases)"
    " FROM needlewatch.alert_type_sets"
    " WHERE week BETWEEN $2::date AND $3::date AND week <> ALL ($4::date[])"
    "   AND types && string_to_array($5, ',') GROUP BY 1, 2, 3";

static const char *const SQL_EXPOSURE_COUNTS =
    "SELECT (week - $1::date) / 7, exposure, complication_type, reports"
    " FROM needlewatch.alert_exposure_counts"
    " WHERE week BETWEEN $2::date AND $3::date AND week <> ALL ($4::date[])"
    " ORDER BY 2, 3, 1";

/* --- The dirty weeks ($2), from the raw tables, as refresh_alert_counts() counts. --- */

/* The latest submission per premises, week and procedure type counts (002). */
static const char *const SQL_ACTIVITY =
    "SELECT premises_id, (week - $1::date) / 7, sum(procedures)::bigint"
    " FROM (SELECT DISTINCT ON (premises_id, week, procedure_type) premises_id, week, procedures"
    "       FROM needlewatch.activity WHERE week = ANY ($2::date[])"
    "       ORDER BY premises_id, week, procedure_type, id DESC) a"
    " GROUP BY 1, 2";

/* The FROM, WHERE and GROUP BY of both counts below, one row per report: the latest
 * version of each case, procedure week in $2, with a complication other
 * than an expected reaction. Written once so that the two rules count the
 * same cases. */
#define LATEST_CASES_WITH_COMPLICATIONS                                                            \
	" FROM needlewatch.reports r"                                                              \
	" JOIN needlewatch.report_complications rc"                                                \
	"   ON rc.premises_id = r.premises_id AND rc.report_id = r.id"                             \
	" WHERE r.procedure_week = ANY ($2::date[])"                                               \
	"   AND rc.complication_group <> 'expected'"                                               \
	"   AND NOT EXISTS (SELECT 1 FROM needlewatch.reports n"                                   \
	"                   WHERE n.premises_id = r.premises_id AND n.client_ref = r.client_ref"   \
	"                   AND n.version > r.version)"                                            \
	" GROUP BY r.premises_id, r.id"

/* The shared fragment stands on its own line. */
/* clang-format off */
/* One row per place, setting, week and group (and 'any'): cases whose latest
 * version has a complication of the group, and how many of them are of a
 * sentinel type ($3). A case filed under a week by its procedure date. */
static const char *const SQL_CASES =
    "WITH c AS ("
    " SELECT r.procedure_premises_id AS pid, r.setting, (r.procedure_week - $1::date) / 7 AS w,"
    "        array_agg(DISTINCT rc.complication_group) AS groups,"
    "        bool_or(rc.type = ANY (string_to_array($3, ','))) AS sentinel"
    LATEST_CASES_WITH_COMPLICATIONS ")"
    " SELECT pid, setting, w, g, count(*), count(*) FILTER (WHERE sentinel)"
    " FROM c CROSS JOIN LATERAL unnest(c.groups || 'any'::text) AS g"
    " GROUP BY 1, 2, 3, 4";

/* Rule 7's counts: reports (latest versions with a complication) per week, exposure
 * ("setting:device" at home or an unregistered place, NULL for any other report) and
 * complication type, with '*' for the report whatever its types. */
static const char *const SQL_DISPROP =
    "WITH c AS ("
    " SELECT (r.procedure_week - $1::date) / 7 AS w,"
    "        CASE WHEN r.setting = 'home' OR r.procedure_premises_id IS NULL"
    "             THEN r.setting || ':' || coalesce(r.device, 'unspecified') END AS exposure,"
    "        array_agg(DISTINCT rc.type) AS types"
    LATEST_CASES_WITH_COMPLICATIONS ")"
    " SELECT w, exposure, t, count(*) FROM c CROSS JOIN LATERAL unnest(c.types || '*'::text) AS t"
    " GROUP BY 1, 2, 3 ORDER BY 2, 3, 1";
/* clang-format on */

static int fail(char *err, size_t errlen, const char *what, const PGresult *res)
{
	snprintf(err, errlen, "%s: %s", what, res ? PQresultErrorMessage(res) : "no result");
	err[strcspn(err, "\n")] = '\0';
	return -EIO;
}

/* Runs sql; the result (caller clears) in *ret, or -EIO with the reason in err. */
static int query(PGconn *conn, const char *what, const char *sql, int n, const char *const *params,
		 PGresult **ret, char *err, size_t errlen)
{
	PGresult *res = PQexecParams(conn, sql, n, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		int rc = fail(err, errlen, what, res);
		PQclear(res);
		return rc;
	}
	*ret = res;
	return 0;
}

static int setting_index(const char *s)
{
	for (int i = 0; i < ALERTS_NSETTINGS; i++)
		if (strcmp(alerts_settings[i], s) == 0)
			return i;
	return -1;
}

static long premises_index(const struct alerts_dataset *ds, long long id)
{
	size_t lo = 0, hi = ds->nregistered;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ds->premises_id[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < ds->nregistered && ds->premises_id[lo] == id ? (long)lo : -1;
}

static long group_index(const struct alerts_dataset *ds, const char *g)
{
	for (size_t i = 0; i < ds->d.ngroups; i++)
		if (strcmp(ds->groups[i], g) == 0)
			return (long)i;
	return -1;
}

/* The week of row i, column col, or -1 when outside the arrays. */
static long week_at(const struct alerts_dataset *ds, const PGresult *res, int i, int col)
{
	long w = strtol(PQgetvalue(res, i, col), NULL, 10);
	return w >= 0 && w < ds->d.nweeks ? w : -1;
}

static uint32_t count_at(const PGresult *res, int i, int col)
{
	unsigned long long n = strtoull(PQgetvalue(res, i, col), NULL, 10);
	return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

/* The registered premises, then one pseudo-premises per setting (see alerts_load.h). */
static void file_premises(struct alerts_dataset *ds, const PGresult *p)
{
	size_t np = (size_t)PQntuples(p);
	for (size_t i = 0; i < np; i++) {
		int s = setting_index(PQgetvalue(p, (int)i, 1));
		ds->premises_id[i] = strtoll(PQgetvalue(p, (int)i, 0), NULL, 10);
		ds->premises_setting[i] = s < 0 ? ALERTS_NSETTINGS - 1 : s;
	}
	for (int s = 0; s < ALERTS_NSETTINGS; s++) {
		ds->premises_id[np + (size_t)s] = 0;
		ds->premises_setting[np + (size_t)s] = s;
	}
	ds->nregistered = np;
	ds->d.npremises = np + ALERTS_NSETTINGS;
}

static int load_names(PGconn *conn, struct alerts_dataset *ds, char *err, size_t errlen)
{
	PGresult *g = NULL, *p = NULL;
	int rc;
	if ((rc = query(conn, "complication groups", SQL_GROUPS, 0, NULL, &g, err, errlen)) ||
	    (rc = query(conn, "premises", SQL_PREMISES, 0, NULL, &p, err, errlen)))
		goto out;
	rc = -ENOMEM;
	for (int k = 0; k < ALERTS_MAX_GROUP_ORDER; k++)
		ds->group_by_order[k] = -1;
	size_t ng = (size_t)PQntuples(g), np = (size_t)PQntuples(p) + ALERTS_NSETTINGS;
	ds->groups = calloc(ng + 1, sizeof(char *));
	ds->premises_id = calloc(np, sizeof(int64_t));
	ds->premises_setting = calloc(np, sizeof(int));
	if (!ds->groups || !ds->premises_id || !ds->premises_setting)
		goto out;
	for (size_t i = 0; i < ng; i++) {
		char *name = strdup(PQgetvalue(g, (int)i, 0));
		long order = strtol(PQgetvalue(g, (int)i, 1), NULL, 10);
		if (!name)
			goto out;
		if (order >= 0 && order < ALERTS_MAX_GROUP_ORDER)
			ds->group_by_order[order] = (int)i;
		ds->groups[ds->d.ngroups++] = name;
	}
	file_premises(ds, p);
	rc = 0;
out:
	PQclear(g);
	PQclear(p);
	return rc;
}

/* Rows of premises, week, procedures: the raw activity of the dirty weeks. */
static void file_activity(struct alerts_dataset *ds, const PGresult *res)
{
	for (int i = 0; i < PQntuples(res); i++) {
		long p = premises_index(ds, strtoll(PQgetvalue(res, i, 0), NULL, 10));
		long w = week_at(ds, res, i, 1);
		if (p >= 0 && w >= 0)
			ds->procedures[(size_t)p * (size_t)ds->d.nweeks + (size_t)w] =
			    count_at(res, i, 2);
	}
}

static uint32_t *cases_cell(struct alerts_dataset *ds, size_t p, size_t g, size_t w)
{
	return &ds->cases[(p * ds->d.ngroups + g) * (size_t)ds->d.nweeks + w];
}

/* Files one row of SQL_CASES: registered premises by premises, unregistered
 * places (sentinel types only) by setting. */
static void file_cases(struct alerts_dataset *ds, const PGresult *res, int i)
{
	size_t W = (size_t)ds->d.nweeks;
	long w = week_at(ds, res, i, 2);
	long g = group_index(ds, PQgetvalue(res, i, 3));
	uint32_t n = count_at(res, i, 4), m = count_at(res, i, 5);
	bool any = strcmp(PQgetvalue(res, i, 3), "any") == 0;
	if (w < 0 || g < 0)
		return;
	if (PQgetisnull(res, i, 0)) {
		int s = setting_index(PQgetvalue(res, i, 1));
		if (any && s >= 0)
			ds->unreg_sentinel[(size_t)s * W + (size_t)w] += m;
		return;
	}
	long p = premises_index(ds, strtoll(PQgetvalue(res, i, 0), NULL, 10));
	if (p < 0)
		return;
	*cases_cell(ds, (size_t)p, (size_t)g, (size_t)w) += n;
	if (any)
		ds->sentinel[(size_t)p * W + (size_t)w] += m;
}

/* The cases array of row i ("{2,1,0,...}", by the groups' sort_order) into
 * premises p's week w. */
static void file_case_array(struct alerts_dataset *ds, const PGresult *res, int i, size_t p,
			    size_t w)
{
	const char *c = PQgetvalue(res, i, 3);
	for (int k = 0; *c && *c != '}'; k++) {
		char *end;
		unsigned long n = strtoul(c + 1, &end, 10); /* past '{' or ',' */
		int g = k < ALERTS_MAX_GROUP_ORDER ? ds->group_by_order[k] : -1;
		if (end == c + 1)
			break;
		if (g >= 0)
			*cases_cell(ds, p, (size_t)g, w) +=
			    n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
		c = end;
	}
}

/* Rows of SQL_PREMISES_WEEKS: premises, week, procedures, cases per group. */
static void file_premises_weeks(struct alerts_dataset *ds, const PGresult *res)
{
	for (int i = 0; i < PQntuples(res); i++) {
		long p = premises_index(ds, strtoll(PQgetvalue(res, i, 0), NULL, 10));
		long w = week_at(ds, res, i, 1);
		if (p < 0 || w < 0)
			continue;
		ds->procedures[(size_t)p * (size_t)ds->d.nweeks + (size_t)w] = count_at(res, i, 2);
		file_case_array(ds, res, i, (size_t)p, (size_t)w);
	}
}

/* Rows of SQL_SETTING_COUNTS, on the setting's pseudo-premises: what
 * alert_rules.c's totals would sum from the premises of that setting. */
static void file_setting_counts(struct alerts_dataset *ds, const PGresult *res)
{
	size_t W = (size_t)ds->d.nweeks;
	for (int i = 0; i < PQntuples(res); i++) {
		int s = setting_index(PQgetvalue(res, i, 0));
		long w = week_at(ds, res, i, 1);
		long g = group_index(ds, PQgetvalue(res, i, 2));
		if (s < 0 || w < 0 || g < 0)
			continue;
		size_t p = ds->nregistered + (size_t)s;
		*cases_cell(ds, p, (size_t)g, (size_t)w) += count_at(res, i, 3);
		if (strcmp(PQgetvalue(res, i, 2), "any") == 0)
			ds->procedures[p * W + (size_t)w] += count_at(res, i, 4);
	}
}

/* Rows of SQL_SENTINEL_COUNTS: premises (NULL: unregistered), setting, week, cases. */
static void file_sentinel_counts(struct alerts_dataset *ds, const PGresult *res)
{
	size_t W = (size_t)ds->d.nweeks;
	for (int i = 0; i < PQntuples(res); i++) {
		long w = week_at(ds, res, i, 2);
		uint32_t m = count_at(res, i, 3);
		if (w < 0)
			continue;
		if (PQgetisnull(res, i, 0)) {
			int s = setting_index(PQgetvalue(res, i, 1));
			if (s >= 0)
				ds->unreg_sentinel[(size_t)s * W + (size_t)w] += m;
			continue;
		}
		long p = premises_index(ds, strtoll(PQgetvalue(res, i, 0), NULL, 10));
		if (p >= 0)
			ds->sentinel[(size_t)p * W + (size_t)w] += m;
	}
}

/* The index of name in names[0..*n), appended when new (names has room for every row). */
static long name_index(char **names, size_t *n, const char *name)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp(names[i], name) == 0)
			return (long)i;
	if (!(names[*n] = strdup(name)))
		return -1;
	return (long)(*n)++;
}

/* The exposures and types of rule 7's two results (counted and raw weeks). */
static int disprop_names(struct alerts_dataset *ds, PGresult *const res[2])
{
	size_t rows = (size_t)PQntuples(res[0]) + (size_t)PQntuples(res[1]);
	ds->exposures = calloc(rows + 1, sizeof(char *));
	ds->types = calloc(rows + 1, sizeof(char *));
	if (!ds->exposures || !ds->types)
		return -ENOMEM;
	for (int k = 0; k < 2; k++)
		for (int i = 0; i < PQntuples(res[k]); i++) {
			const char *t = PQgetvalue(res[k], i, 2);
			if ((!PQgetisnull(res[k], i, 1) &&
			     name_index(ds->exposures, &ds->d.nexposures,
					PQgetvalue(res[k], i, 1)) < 0) ||
			    (strcmp(t, "*") != 0 && name_index(ds->types, &ds->d.ntypes, t) < 0))
				return -ENOMEM;
		}
	return 0;
}

/* Rows of week, exposure (NULL: other reports), type ('*': any), reports. */
static void file_disprop(struct alerts_dataset *ds, const PGresult *res)
{
	size_t W = (size_t)ds->d.nweeks, ne = ds->d.nexposures, nt = ds->d.ntypes;
	for (int i = 0; i < PQntuples(res); i++) {
		long w = week_at(ds, res, i, 0);
		const char *t = PQgetvalue(res, i, 2);
		size_t e = PQgetisnull(res, i, 1)
			       ? ne
			       : (size_t)name_index(ds->exposures, &ds->d.nexposures,
						    PQgetvalue(res, i, 1));
		size_t ty =
		    strcmp(t, "*") == 0 ? nt : (size_t)name_index(ds->types, &ds->d.ntypes, t);
		if (w >= 0)
			ds->disprop[(e * (nt + 1) + ty) * W + (size_t)w] += count_at(res, i, 3);
	}
}

/* The parameters of the queries: dates as text, the dirty weeks, the sentinel types. */
struct load_params {
	char week0[ISOWEEK_DATE_LEN], to[ISOWEEK_DATE_LEN];
	char detail[ISOWEEK_DATE_LEN], before_detail[ISOWEEK_DATE_LEN];
	char sentinel[ISOWEEK_DATE_LEN];
	char *dirty; /* "{2026-03-02,...}", owned */
	const char *types;
};

static int load_dirty(PGconn *conn, struct load_params *lp, char *err, size_t errlen)
{
	const char *params[2] = {lp->week0, lp->to};
	PGresult *res = NULL;
	int rc = query(conn, "dirty weeks", SQL_DIRTY, 2, params, &res, err, errlen);
	if (rc)
		return rc;
	lp->dirty = strdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return lp->dirty ? 0 : -ENOMEM;
}

/* Activity and cases of the counted weeks: per premises from detail_from, per
 * setting before; sentinel cases from sentinel_from. */
static int load_counted(PGconn *conn, const struct load_params *lp, struct alerts_dataset *ds,
			char *err, size_t errlen)
{
	const char *detail[4] = {lp->week0, lp->detail, lp->to, lp->dirty};
	const char *early[4] = {lp->week0, lp->week0, lp->before_detail, lp->dirty};
	const char *sent[5] = {lp->week0, lp->sentinel, lp->to, lp->dirty, lp->types};
	PGresult *res = NULL;
	int rc;
	if ((rc = query(conn, "premises weeks", SQL_PREMISES_WEEKS, 4, detail, &res, err, errlen)))
		return rc;
	file_premises_weeks(ds, res);
	PQclear(res);
	if ((rc = query(conn, "setting counts", SQL_SETTING_COUNTS, 4, early, &res, err, errlen)))
		return rc;
	file_setting_counts(ds, res);
	PQclear(res);
	if ((rc = query(conn, "sentinel counts", SQL_SENTINEL_COUNTS, 5, sent, &res, err, errlen)))
		return rc;
	file_sentinel_counts(ds, res);
	PQclear(res);
	return 0;
}

/* Activity and cases of the dirty weeks, from the raw tables, per premises. */
static int load_raw(PGconn *conn, const struct load_params *lp, struct alerts_dataset *ds,
		    char *err, size_t errlen)
{
	const char *params[3] = {lp->week0, lp->dirty, lp->types};
	PGresult *res = NULL;
	int rc;
	if ((rc = query(conn, "activity", SQL_ACTIVITY, 2, params, &res, err, errlen)))
		return rc;
	file_activity(ds, res);
	PQclear(res);
	if ((rc = query(conn, "cases", SQL_CASES, 3, params, &res, err, errlen)))
		return rc;
	for (int i = 0; i < PQntuples(res); i++)
		file_cases(ds, res, i);
	PQclear(res);
	return 0;
}

static int load_disprop(PGconn *conn, const struct load_params *lp, struct alerts_dataset *ds,
			char *err, size_t errlen)
{
	const char *counted[4] = {lp->week0, lp->week0, lp->to, lp->dirty};
	const char *raw[2] = {lp->week0, lp->dirty};
	PGresult *res[2] = {NULL, NULL};
	int rc;
	if ((rc = query(conn, "reports by exposure", SQL_EXPOSURE_COUNTS, 4, counted, &res[0], err,
			errlen)) ||
	    (rc = query(conn, "reports by exposure", SQL_DISPROP, 2, raw, &res[1], err, errlen)) ||
	    (rc = disprop_names(ds, res)))
		goto out;
	size_t cells = (ds->d.nexposures + 1) * (ds->d.ntypes + 1) * (size_t)ds->d.nweeks;
	if (!(ds->disprop = calloc(cells, sizeof(uint32_t)))) {
		rc = -ENOMEM;
		goto out;
	}
	file_disprop(ds, res[0]);
	file_disprop(ds, res[1]);
out:
	PQclear(res[0]);
	PQclear(res[1]);
	return rc;
}

static void dataset_link(struct alerts_dataset *ds)
{
	struct alert_data *d = &ds->d;
	d->premises_id = ds->premises_id;
	d->premises_setting = ds->premises_setting;
	d->settings = alerts_settings;
	d->nsettings = ALERTS_NSETTINGS;
	d->groups = (const char *const *)ds->groups;
	d->procedures = ds->procedures;
	d->cases = ds->cases;
	d->sentinel = ds->sentinel;
	d->unreg_sentinel = ds->unreg_sentinel;
	d->exposures = (const char *const *)ds->exposures;
	d->types = (const char *const *)ds->types;
	d->disprop = ds->disprop;
}

static int dataset_alloc(struct alerts_dataset *ds)
{
	size_t W = (size_t)ds->d.nweeks, P = ds->d.npremises;
	ds->procedures = calloc(P * W + 1, sizeof(uint32_t));
	ds->cases = calloc(P * ds->d.ngroups * W + 1, sizeof(uint32_t));
	ds->sentinel = calloc(P * W + 1, sizeof(uint32_t));
	ds->unreg_sentinel = calloc(ALERTS_NSETTINGS * W, sizeof(uint32_t));
	return ds->procedures && ds->cases && ds->sentinel && ds->unreg_sentinel ? 0 : -ENOMEM;
}

static void load_params_init(struct load_params *lp, const struct alerts_load_range *r,
			     const char *types)
{
	long detail = r->detail_from < r->from ? r->from : r->detail_from;
	long sentinel = r->sentinel_from < r->from ? r->from : r->sentinel_from;
	isoweek_format_date(r->from, lp->week0);
	isoweek_format_date(r->to, lp->to);
	isoweek_format_date(detail, lp->detail);
	isoweek_format_date(detail - 7, lp->before_detail);
	isoweek_format_date(sentinel, lp->sentinel);
	lp->dirty = NULL;
	lp->types = types ? types : "";
}

int alerts_load(PGconn *conn, const struct alerts_load_range *range, const char *sentinel_types,
		struct alerts_dataset *ds, char *err, size_t errlen)
{
	struct load_params lp;
	int rc;
	memset(ds, 0, sizeof(*ds));
	ds->d.week0 = range->from;
	ds->d.nweeks = (int)((range->to - range->from) / 7 + 1);
	load_params_init(&lp, range, sentinel_types);
	if ((rc = load_names(conn, ds, err, errlen)) || (rc = dataset_alloc(ds)) ||
	    (rc = load_dirty(conn, &lp, err, errlen)) ||
	    (rc = load_counted(conn, &lp, ds, err, errlen)) ||
	    (rc = load_raw(conn, &lp, ds, err, errlen)) ||
	    (rc = load_disprop(conn, &lp, ds, err, errlen)))
		goto out;
	dataset_link(ds);
out:
	free(lp.dirty);
	return rc;
}

void alerts_dataset_free(struct alerts_dataset *ds)
{
	if (!ds)
		return;
	for (size_t i = 0; ds->groups && i < ds->d.ngroups; i++)
		free(ds->groups[i]);
	free(ds->groups);
	free(ds->premises_id);
	free(ds->premises_setting);
	free(ds->procedures);
	free(ds->cases);
	free(ds->sentinel);
	free(ds->unreg_sentinel);
	for (size_t i = 0; ds->exposures && i < ds->d.nexposures; i++)
		free(ds->exposures[i]);
	for (size_t i = 0; ds->types && i < ds->d.ntypes; i++)
		free(ds->types[i]);
	free(ds->exposures);
	free(ds->types);
	free(ds->disprop);
	memset(ds, 0, sizeof(*ds));
}
