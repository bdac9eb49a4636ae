/* Alerts: evaluate a range of weeks and store the signals as episodes (alerts.h). */
#include "alerts.h"
#include "alerts_load.h"
#include "alerts_store.h"
#include "isoweek.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* "nwalerts" in ASCII: one run at a time, whether from the daemon or the ctl. */
static const char *const SQL_LOCK = "SELECT pg_advisory_xact_lock(7959939148203111539)";

static const char *const SQL_WHO =
    "SELECT set_config('needlewatch.actor', $1, true), set_config('needlewatch.note', $2, true)";

/* The weeks whose data changed, consumed (the rollback of a failed run keeps them),
 * and the last week holding any data. */
static const char *const SQL_DIRTY =
    "WITH d AS (DELETE FROM needlewatch.alert_dirty_weeks RETURNING week)"
    " SELECT (SELECT min(week) FROM d),"
    "        greatest((SELECT max(procedure_week) FROM needlewatch.reports),"
    "                 (SELECT max(week) FROM needlewatch.activity))";

/* Open alerts of the rules evaluated whose episode overlaps the weeks evaluated. */
static const char *const SQL_OVERLAPPING =
    "SELECT id, subject_key, first_week, last_week FROM needlewatch.alerts"
    " WHERE state IN ('open', 'acknowledged') AND rule IN (1, 2, 3, 4, 5, 6, 7)"
    " AND first_week <= $2::date AND last_week >= $1::date";

static const char *const SQL_WITHDRAW =
    "UPDATE needlewatch.alerts SET state = 'withdrawn', updated_at = now() WHERE id = $1";
static const char *const SQL_RESHAPE =
    "UPDATE needlewatch.alerts SET first_week = $2, last_week = $3, updated_at = now()"
    " WHERE id = $1 AND (first_week, last_week) IS DISTINCT FROM ($2::date, $3::date)";

/* What fired in the run: subject and week, to reconcile stored episodes at the end. */
struct fired {
	char key[160];
	long day;
};

struct run {
	struct fired *fired;
	size_t nfired, capfired;
	PGconn *conn;
	const struct alerts_run_opts *opts;
	struct alerts_run_result *res;
	char *err;
	size_t errlen;
};

static int db_fail(struct run *r, const char *what, PGresult *res)
{
	snprintf(r->err, r->errlen, "%s: %s", what,
		 res ? PQresultErrorMessage(res) : PQerrorMessage(r->conn));
	r->err[strcspn(r->err, "\n")] = '\0';
	PQclear(res);
	return -EIO;
}

/* Runs sql; on success returns its result (caller clears) in *ret, or clears it. */
static int exec(struct run *r, const char *what, const char *sql, int n, const char *const *params,
		PGresult **ret)
{
	PGresult *res = PQexecParams(r->conn, sql, n, NULL, params, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(res);
	if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK)
		return db_fail(r, what, res);
	if (ret)
		*ret = res;
	else
		PQclear(res);
	return 0;
}

static int load_int(const int *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static double load_double(const double *p)
{
	double v;
	__atomic_load(p, &v, __ATOMIC_RELAXED);
	return v;
}

void alerts_params_from_config(const struct config *c, struct alert_params *p)
{
	p->sentinel_window_weeks = load_int(&c->alerts_sentinel_window_weeks);
	p->sentinel_cluster_cases = load_int(&c->alerts_sentinel_cluster_cases);
	p->cluster_window_weeks = load_int(&c->alerts_cluster_window_weeks);
	p->cluster_baseline_weeks = load_int(&c->alerts_cluster_baseline_weeks);
	p->cluster_min_baseline_weeks = load_int(&c->alerts_cluster_min_baseline_weeks);
	p->cluster_min_cases = load_int(&c->alerts_cluster_min_cases);
	p->cluster_red_alpha = load_double(&c->alerts_cluster_red_alpha);
	p->cluster_amber_alpha = load_double(&c->alerts_cluster_amber_alpha);
	p->exceedance_baseline_weeks = load_int(&c->alerts_exceedance_baseline_weeks);
	p->exceedance_min_baseline_weeks = load_int(&c->alerts_exceedance_min_baseline_weeks);
	p->exceedance_min_cases = load_int(&c->alerts_exceedance_min_cases);
	p->exceedance_alpha = load_double(&c->alerts_exceedance_alpha);
	p->cusum_kappa = load_double(&c->alerts_cusum_kappa);
	p->cusum_h = load_double(&c->alerts_cusum_h);
	p->cusum_min_baseline_weeks = load_int(&c->alerts_cusum_min_baseline_weeks);
	p->funnel_weeks = load_int(&c->alerts_funnel_weeks);
	p->funnel_min_cases = load_int(&c->alerts_funnel_min_cases);
	p->disproportion_weeks = load_int(&c->alerts_disproportion_weeks);
	p->evans_prr = load_double(&c->alerts_evans_prr);
	p->evans_chi2 = load_double(&c->alerts_evans_chi2);
	p->evans_min_reports = load_int(&c->alerts_evans_min_reports);
	p->farrington = (struct farrington_params){
	    .min_history_weeks = load_int(&c->alerts_farrington_min_history_weeks),
	    .max_years = load_int(&c->alerts_farrington_years),
	    .half_window = load_int(&c->alerts_farrington_half_window),
	    .periods = load_int(&c->alerts_farrington_periods),
	    .past_weeks_excluded = load_int(&c->alerts_farrington_past_weeks_excluded),
	    .weights_threshold = load_double(&c->alerts_farrington_weights_threshold),
	    .trend_min_years = load_int(&c->alerts_farrington_trend_min_years),
	    .trend_p = load_double(&c->alerts_farrington_trend_p),
	    .alpha = load_double(&c->alerts_farrington_alpha),
	    .min_cases = load_int(&c->alerts_farrington_min_cases),
	    .min_cases_weeks = load_int(&c->alerts_farrington_min_cases_weeks),
	};
}

static int remember(struct run *r, const char *key, long day)
{
	if (r->nfired == r->capfired) {
		size_t cap = r->capfired ? r->capfired * 2 : 64;
		struct fired *v = realloc(r->fired, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		r->fired = v;
		r->capfired = cap;
	}
	snprintf(r->fired[r->nfired].key, sizeof(r->fired[0].key), "%s", key);
	r->fired[r->nfired++].day = day;
	return 0;
}

/* The weeks of [first, last] that still fire: those evaluated in this run that fired,
 * and those outside from..to, which the run did not look at. */
static void still_firing(const struct run *r, const char *key, long first, long last, long from,
			 long to, long *ret_first, long *ret_last)
{
	long lo = first < from ? first : LONG_MAX, hi = last > to ? last : LONG_MIN;
	for (size_t i = 0; i < r->nfired; i++) {
		const struct fired *f = &r->fired[i];
		if (f->day < first || f->day > last || strcmp(f->key, key) != 0)
			continue;
		lo = f->day < lo ? f->day : lo;
		hi = f->day > hi ? f->day : hi;
	}
	*ret_first = lo;
	*ret_last = hi;
}

/* One overlapping alert: withdrawn when no week of it fires any more (a late report
 * or a correction removed it), else trimmed to the weeks that still fire. */
static int reconcile_one(struct run *r, PGresult *res, int i, long from, long to)
{
	long first, last, lo, hi;
	const char *id[1] = {PQgetvalue(res, i, 0)};
	if (isoweek_parse_date(PQgetvalue(res, i, 2), &first) ||
	    isoweek_parse_date(PQgetvalue(res, i, 3), &last))
		return 0;
	still_firing(r, PQgetvalue(res, i, 1), first, last, from, to, &lo, &hi);
	if (lo == LONG_MAX) {
		char note[120], day[ISOWEEK_DATE_LEN];
		isoweek_format_date(from, day);
		snprintf(note, sizeof(note),
			 "no week of it fires after recomputing from the week of %s", day);
		const char *why[2] = {r->opts->actor, note};
		int rc = exec(r, "actor", SQL_WHO, 2, why, NULL);
		if (!rc && !(rc = exec(r, "alert withdraw", SQL_WITHDRAW, 1, id, NULL)))
			r->res->withdrawn++;
		return rc;
	}
	char a[ISOWEEK_DATE_LEN], b[ISOWEEK_DATE_LEN];
	isoweek_format_date(lo, a);
	isoweek_format_date(hi, b);
	const char *p[3] = {id[0], a, b};
	return exec(r, "alert reshape", SQL_RESHAPE, 3, p, NULL);
}

static int reconcile(struct run *r, long from, long to)
{
	char a[ISOWEEK_DATE_LEN], b[ISOWEEK_DATE_LEN];
	const char *p[2] = {a, b};
	PGresult *res = NULL;
	isoweek_format_date(from, a);
	isoweek_format_date(to, b);
	int rc = exec(r, "alerts overlapping", SQL_OVERLAPPING, 2, p, &res);
	for (int i = 0; !rc && i < PQntuples(res); i++)
		rc = reconcile_one(r, res, i, from, to);
	PQclear(res);
	return rc;
}

static void print_signal(FILE *out, const char *day, const struct alert_signal *a)
{
	fprintf(out, "%s rule=%d kind=%s level=%s", day, a->rule, a->kind,
		a->level == ALERT_RED ? "red" : "amber");
	if (a->premises_id)
		fprintf(out, " premises=%lld", (long long)a->premises_id);
	if (a->exposure)
		fprintf(out, " exposure=%s type=%s", a->exposure, a->type);
	else
		fprintf(out, " setting=%s group=%s", a->setting ? a->setting : "-",
			a->group ? a->group : "-");
	fprintf(out, " observed=%llu", (unsigned long long)a->observed);
	if (!isnan(a->expected))
		fprintf(out, " expected=%.4g", a->expected);
	if (!isnan(a->p_value))
		fprintf(out, " p=%.4g", a->p_value);
	if (!isnan(a->score))
		fprintf(out, " score=%.4g", a->score);
	fprintf(out, " threshold=%.4g\n", a->threshold);
}

/* One week: evaluate, then store or print. */
static int run_week(struct run *r, const struct alert_data *d, const struct alert_params *pa, int t)
{
	struct alert_signals s = {0};
	char day[ISOWEEK_DATE_LEN];
	int rc = alert_rules_evaluate(d, pa, t, &s);
	isoweek_format_date(d->week0 + 7L * t, day);
	for (size_t i = 0; !rc && r->opts->print && i < s.n; i++)
		print_signal(r->opts->print, day, &s.v[i]);
	if (!rc && r->opts->store) {
		struct alerts_store_counts c = {0};
		rc = alerts_store_week(r->conn, s.v, s.n, day, &c, r->err, r->errlen);
		r->res->opened += c.opened;
		r->res->extended += c.extended;
	}
	for (size_t i = 0; !rc && r->opts->store && i < s.n; i++)
		rc = remember(r, s.v[i].key, d->week0 + 7L * t);
	r->res->signals += (int)s.n;
	r->res->weeks++;
	alert_signals_free(&s);
	if (rc == -ENOMEM)
		snprintf(r->err, r->errlen, "out of memory");
	return rc;
}

/* The first week the rules look at when evaluating from: the longest look-back
 * of any rule (rule 5's up to 5 years and a half), and the CUSUM's baseline year
 * before from's ISO year. */
static long lookback_start(const struct alert_params *pa, long from)
{
	int weeks = pa->cluster_window_weeks + pa->cluster_baseline_weeks;
	if (pa->exceedance_baseline_weeks > weeks)
		weeks = pa->exceedance_baseline_weeks;
	if (pa->sentinel_window_weeks > weeks)
		weeks = pa->sentinel_window_weeks;
	if (pa->funnel_weeks > weeks)
		weeks = pa->funnel_weeks;
	if (pa->disproportion_weeks > weeks)
		weeks = pa->disproportion_weeks;
	/* Rule 5 counts its years from the first week with activity: enough weeks that
	 * b can reach its maximum (and more than its history minimum). */
	int farrington = 52 * pa->farrington.max_years + pa->farrington.past_weeks_excluded;
	if (pa->farrington.min_history_weeks > farrington)
		farrington = pa->farrington.min_history_weeks;
	if (pa->farrington.min_history_weeks > 0 && farrington > weeks)
		weeks = farrington;
	long start = from - 7L * weeks;
	long cusum = isoweek_monday((struct iso_week){isoweek_of_day(from).year - 1, 1});
	return cusum < start ? cusum : start;
}

/* The first week a premises-level rule looks at when evaluating from: rule 2's
 * window and the baseline before it, rule 6's period, rule 1's window. Before it
 * the rules need only each setting's totals (alerts_load.h). */
static long detail_start(const struct alert_params *pa, long from)
{
	int weeks = pa->cluster_window_weeks + pa->cluster_baseline_weeks;
	if (pa->funnel_weeks > weeks)
		weeks = pa->funnel_weeks;
	if (pa->sentinel_window_weeks > weeks)
		weeks = pa->sentinel_window_weeks;
	return from - 7L * weeks;
}

/* from..to of a run over the dirty weeks; *ret_from < 0 when nothing changed. */
static int dirty_range(struct run *r, const struct config *cfg, long *ret_from, long *ret_to)
{
	PGresult *res = NULL;
	long from, to;
	int rc = exec(r, "dirty weeks", SQL_DIRTY, 0, NULL, &res);
	if (rc)
		return rc;
	*ret_from = -1;
	if (!PQgetisnull(res, 0, 0) && !PQgetisnull(res, 0, 1) &&
	    !isoweek_parse_date(PQgetvalue(res, 0, 0), &from) &&
	    !isoweek_parse_date(PQgetvalue(res, 0, 1), &to)) {
		long cap = to - 7L * (load_int(&cfg->alerts_recompute_max_weeks) - 1);
		*ret_from = from < cap ? cap : from;
		*ret_to = to < *ret_from ? *ret_from : to;
	}
	PQclear(res);
	return 0;
}

static int run_range(struct run *r, const struct config *cfg, long from, long to)
{
	struct alert_params pa;
	struct alerts_dataset ds;
	alerts_params_from_config(cfg, &pa);
	long start = lookback_start(&pa, from);
	const struct alerts_load_range range = {
	    .from = start,
	    .to = to,
	    .detail_from = detail_start(&pa, from),
	    .sentinel_from = from - 7L * pa.sentinel_window_weeks,
	};
	const char *types =
	    r->opts->sentinel_types ? r->opts->sentinel_types : cfg->alerts_sentinel_types;
	int rc = alerts_load(r->conn, &range, types, &ds, r->err, r->errlen);
	if (rc == -ENOMEM)
		snprintf(r->err, r->errlen, "out of memory");
	r->res->first = from;
	r->res->last = to;
	for (int t = (int)((from - start) / 7); !rc && t < ds.d.nweeks; t++)
		rc = run_week(r, &ds.d, &pa, t);
	if (!rc && r->opts->store)
		rc = reconcile(r, from, to);
	alerts_dataset_free(&ds);
	return rc;
}

int alerts_run(PGconn *conn, const struct config *cfg, const struct alerts_run_opts *opts,
	       struct alerts_run_result *ret, char *err, size_t errlen)
{
	struct alerts_run_result res = {0};
	struct run r = {.conn = conn, .opts = opts, .res = &res, .err = err, .errlen = errlen};
	const char *who[2] = {opts->actor, "computed by the signal rules"};
	long from = opts->from, to = opts->to;
	int rc = exec(&r, "begin", "BEGIN", 0, NULL, NULL);
	if (rc)
		return rc;
	if ((rc = exec(&r, "lock", SQL_LOCK, 0, NULL, NULL)) ||
	    (rc = exec(&r, "actor", SQL_WHO, 2, who, NULL)))
		goto out;
	if (from < 0 && opts->store && (rc = dirty_range(&r, cfg, &from, &to)))
		goto out;
	if (from >= 0 && to >= from)
		rc = run_range(&r, cfg, from, to);
out:
	free(r.fired);
	if (!rc && (rc = exec(&r, "commit", opts->store ? "COMMIT" : "ROLLBACK", 0, NULL, NULL)))
		return rc;
	if (rc) {
		PQclear(PQexec(conn, "ROLLBACK"));
		return rc;
	}
	*ret = res;
	return 0;
}
