/* Alerts' data: weekly counts of a range of weeks from the base tables (alerts_load.h).
 *
 * Three statements, each returning a few rows per premises and week: the
 * premises, their activity and their cases. The arrays are dense
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

static const char *const SQL_GROUPS =
    "SELECT complication_group FROM summary.complication_groups ORDER BY sort_order";

static const char *const SQL_PREMISES = "SELECT id, setting FROM needlewatch.premises ORDER BY id";

/* The latest submission per premises, week and procedure type counts (002). */
static const char *const SQL_ACTIVITY =
    "SELECT premises_id, (week - $1::date) / 7, sum(procedures)::bigint"
    " FROM (SELECT DISTINCT ON (premises_id, week, procedure_type) premises_id, week, procedures"
    "       FROM needlewatch.activity WHERE week BETWEEN $1::date AND $2::date"
    "       ORDER BY premises_id, week, procedure_type, id DESC) a"
    " GROUP BY 1, 2";

/* The FROM, WHERE and GROUP BY of both counts below, one row per report: the latest
 * version of each case, procedure week $1..$2, with a complication other
 * than an expected reaction. Written once so that the two rules count the
 * same cases. */
#define LATEST_CASES_WITH_COMPLICATIONS                                                            \
	" FROM needlewatch.reports r"                                                              \
	" JOIN needlewatch.report_complications rc"                                                \
	"   ON rc.premises_id = r.premises_id AND rc.report_id = r.id"                             \
	" WHERE r.procedure_week BETWEEN $1::date AND $2::date"                                    \
	"   AND rc.complication_group <> 'expected'"                                               \
	"   AND NOT EXISTS (SELECT 1 FROM needlewatch.reports n"                                   \
	"                   WHERE n.premises_id = r.premises_id AND n.client_ref = r.client_ref"   \
	"                   AND n.version > r.version)"                                            \
	" GROUP BY r.premises_id, r.id"

/* The shared fragment stands on its own line. */
/* clang-format off */
/* One row per place, setting, week and group (and 'any'): cases whose latest
 * version has a complication of the group, and how many of them are of a
 * sentinel type. A case filed under a week by its procedure date. */
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
    " GROUP BY 1, 2, 3";
/* clang-format on */

static int fail(char *err, size_t errlen, const char *what, const PGresult *res)
{
	snprintf(err, errlen, "%s: %s", what, res ? PQresultErrorMessage(res) : "no result");
	err[strcspn(err, "\n")] = '\0';
	return -EIO;
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
	size_t lo = 0, hi = ds->d.npremises;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ds->premises_id[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < ds->d.npremises && ds->premises_id[lo] == id ? (long)lo : -1;
}

static long group_index(const struct alerts_dataset *ds, const char *g)
{
	for (size_t i = 0; i < ds->d.ngroups; i++)
		if (strcmp(ds->groups[i], g) == 0)
			return (long)i;
	return -1;
}

static int load_names(PGconn *conn, struct alerts_dataset *ds, char *err, size_t errlen)
{
	PGresult *g = PQexec(conn, SQL_GROUPS), *p = NULL;
	int rc = -ENOMEM;
	if (PQresultStatus(g) != PGRES_TUPLES_OK) {
		rc = fail(err, errlen, "complication groups", g);
		goto out;
	}
	p = PQexec(conn, SQL_PREMISES);
	if (PQresultStatus(p) != PGRES_TUPLES_OK) {
		rc = fail(err, errlen, "premises", p);
		goto out;
	}
	size_t ng = (size_t)PQntuples(g), np = (size_t)PQntuples(p);
	ds->groups = calloc(ng + 1, sizeof(char *));
	ds->premises_id = calloc(np + 1, sizeof(int64_t));
	ds->premises_setting = calloc(np + 1, sizeof(int));
	if (!ds->groups || !ds->premises_id || !ds->premises_setting)
		goto out;
	for (size_t i = 0; i < ng; i++) {
		char *name = strdup(PQgetvalue(g, (int)i, 0));
		if (!name)
			goto out;
		ds->groups[ds->d.ngroups++] = name;
	}
	for (size_t i = 0; i < np; i++) {
		int s = setting_index(PQgetvalue(p, (int)i, 1));
		ds->premises_id[i] = strtoll(PQgetvalue(p, (int)i, 0), NULL, 10);
		ds->premises_setting[i] = s < 0 ? ALERTS_NSETTINGS - 1 : s;
	}
	ds->d.npremises = np;
	rc = 0;
out:
	PQclear(g);
	PQclear(p);
	return rc;
}

static int load_activity(PGconn *conn, const char *const *params, struct alerts_dataset *ds,
			 char *err, size_t errlen)
{
	PGresult *res = PQexecParams(conn, SQL_ACTIVITY, 2, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		int rc = fail(err, errlen, "activity", res);
		PQclear(res);
		return rc;
	}
	for (int i = 0; i < PQntuples(res); i++) {
		long p = premises_index(ds, strtoll(PQgetvalue(res, i, 0), NULL, 10));
		long w = strtol(PQgetvalue(res, i, 1), NULL, 10);
		unsigned long long n = strtoull(PQgetvalue(res, i, 2), NULL, 10);
		if (p < 0 || w < 0 || w >= ds->d.nweeks)
			continue;
		ds->procedures[(size_t)p * (size_t)ds->d.nweeks + (size_t)w] =
		    n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
	}
	PQclear(res);
	return 0;
}

/* Files one row of SQL_CASES: registered premises by premises, unregistered
 * places (sentinel types only) by setting. */
static void file_cases(struct alerts_dataset *ds, const PGresult *res, int i)
{
	size_t W = (size_t)ds->d.nweeks;
	long w = strtol(PQgetvalue(res, i, 2), NULL, 10);
	long g = group_index(ds, PQgetvalue(res, i, 3));
	uint32_t n = (uint32_t)strtoul(PQgetvalue(res, i, 4), NULL, 10);
	uint32_t m = (uint32_t)strtoul(PQgetvalue(res, i, 5), NULL, 10);
	bool any = strcmp(PQgetvalue(res, i, 3), "any") == 0;
	if (w < 0 || (size_t)w >= W || g < 0)
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
	ds->cases[((size_t)p * ds->d.ngroups + (size_t)g) * W + (size_t)w] += n;
	if (any)
		ds->sentinel[(size_t)p * W + (size_t)w] += m;
}

static int load_cases(PGconn *conn, const char *const *params, struct alerts_dataset *ds, char *err,
		      size_t errlen)
{
	PGresult *res = PQexecParams(conn, SQL_CASES, 3, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		int rc = fail(err, errlen, "cases", res);
		PQclear(res);
		return rc;
	}
	for (int i = 0; i < PQntuples(res); i++)
		file_cases(ds, res, i);
	PQclear(res);
	return 0;
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

static int disprop_names(struct alerts_dataset *ds, const PGresult *res)
{
	size_t rows = (size_t)PQntuples(res);
	ds->exposures = calloc(rows + 1, sizeof(char *));
	ds->types = calloc(rows + 1, sizeof(char *));
	if (!ds->exposures || !ds->types)
		return -ENOMEM;
	for (int i = 0; i < (int)rows; i++) {
		const char *t = PQgetvalue(res, i, 2);
		if ((!PQgetisnull(res, i, 1) &&
		     name_index(ds->exposures, &ds->d.nexposures, PQgetvalue(res, i, 1)) < 0) ||
		    (strcmp(t, "*") != 0 && name_index(ds->types, &ds->d.ntypes, t) < 0))
			return -ENOMEM;
	}
	return 0;
}

static int load_disprop(PGconn *conn, const char *const *params, struct alerts_dataset *ds,
			char *err, size_t errlen)
{
	PGresult *res = PQexecParams(conn, SQL_DISPROP, 2, NULL, params, NULL, NULL, 0);
	int rc = PQresultStatus(res) == PGRES_TUPLES_OK
		     ? disprop_names(ds, res)
		     : fail(err, errlen, "reports by exposure", res);
	size_t W = (size_t)ds->d.nweeks, ne = ds->d.nexposures, nt = ds->d.ntypes;
	if (!rc && !(ds->disprop = calloc((ne + 1) * (nt + 1) * W, sizeof(uint32_t))))
		rc = -ENOMEM;
	for (int i = 0; !rc && i < PQntuples(res); i++) {
		long w = strtol(PQgetvalue(res, i, 0), NULL, 10);
		const char *t = PQgetvalue(res, i, 2);
		size_t e = PQgetisnull(res, i, 1)
			       ? ne
			       : (size_t)name_index(ds->exposures, &ds->d.nexposures,
						    PQgetvalue(res, i, 1));
		size_t ty =
		    strcmp(t, "*") == 0 ? nt : (size_t)name_index(ds->types, &ds->d.ntypes, t);
		if (w >= 0 && (size_t)w < W)
			ds->disprop[(e * (nt + 1) + ty) * W + (size_t)w] +=
			    (uint32_t)strtoul(PQgetvalue(res, i, 3), NULL, 10);
	}
	PQclear(res);
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

int alerts_load(PGconn *conn, long from, long to, const char *sentinel_types,
		struct alerts_dataset *ds, char *err, size_t errlen)
{
	char a[ISOWEEK_DATE_LEN], b[ISOWEEK_DATE_LEN];
	const char *params[3] = {a, b, sentinel_types ? sentinel_types : ""};
	int rc;
	memset(ds, 0, sizeof(*ds));
	ds->d.week0 = from;
	ds->d.nweeks = (int)((to - from) / 7 + 1);
	isoweek_format_date(from, a);
	isoweek_format_date(to, b);
	if ((rc = load_names(conn, ds, err, errlen)))
		return rc;
	size_t W = (size_t)ds->d.nweeks, P = ds->d.npremises + 1;
	ds->procedures = calloc(P * W, sizeof(uint32_t));
	ds->cases = calloc(P * ds->d.ngroups * W + 1, sizeof(uint32_t));
	ds->sentinel = calloc(P * W, sizeof(uint32_t));
	ds->unreg_sentinel = calloc(ALERTS_NSETTINGS * W, sizeof(uint32_t));
	if (!ds->procedures || !ds->cases || !ds->sentinel || !ds->unreg_sentinel)
		return -ENOMEM;
	if ((rc = load_activity(conn, params, ds, err, errlen)) ||
	    (rc = load_cases(conn, params, ds, err, errlen)) ||
	    (rc = load_disprop(conn, params, ds, err, errlen)))
		return rc;
	dataset_link(ds);
	return 0;
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
