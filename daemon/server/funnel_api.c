/* GET /v1/funnel: each premises' rate over a period against its setting's pooled rate,
 * with exact binomial limits (Spiegelhalter 2005) and, when the premises are
 * over-dispersed, the random-effects limits too (alerts_api.h, signal_stats.h).
 *
 * One statement returns x (cases in weeks with activity) and n (procedures) per
 * premises; the limits are computed here with signal_stats.c, the same code the
 * alert rules use. Regulator only: the points name premises. */
#include "alerts_api.h"
#include "dbpool.h"
#include "isoweek.h"
#include "issues.h"
#include "log.h"
#include "request.h"
#include "respond.h"
#include "server.h"
#include "signal_stats.h"
#include "week.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define POOL_WAIT_MS 2000
#define DEFAULT_WEEKS 13 /* a quarter: the issue's default period */
#define CURVE_POINTS 40

static const char *const SQL_FUNNEL =
    "WITH act AS ("
    "  SELECT premises_id, week, sum(procedures) AS n"
    "  FROM (SELECT DISTINCT ON (a.premises_id, a.week, a.procedure_type) a.premises_id, a.week,"
    "               a.procedures"
    "        FROM needlewatch.activity a JOIN needlewatch.premises p ON p.id = a.premises_id"
    "        WHERE p.setting = $1 AND a.week BETWEEN $3::date AND $4::date"
    "        ORDER BY a.premises_id, a.week, a.procedure_type, a.id DESC) l"
    "  GROUP BY 1, 2),"
    " cases AS ("
    "  SELECT r.procedure_premises_id AS premises_id, r.procedure_week AS week,"
    "         count(DISTINCT r.id) AS x"
    "  FROM needlewatch.reports r JOIN needlewatch.report_complications rc"
    "    ON rc.premises_id = r.premises_id AND rc.report_id = r.id"
    "  WHERE r.procedure_week BETWEEN $3::date AND $4::date AND rc.complication_group <> 'expected'"
    "    AND ($2 = 'any' OR rc.complication_group = $2)"
    "    AND NOT EXISTS (SELECT 1 FROM needlewatch.reports n WHERE n.premises_id = r.premises_id"
    "                    AND n.client_ref = r.client_ref AND n.version > r.version)"
    "  GROUP BY 1, 2)"
    " SELECT act.premises_id, p.code, sum(act.n)::bigint, coalesce(sum(cases.x), 0)::bigint"
    " FROM act LEFT JOIN cases USING (premises_id, week)"
    " JOIN needlewatch.premises p ON p.id = act.premises_id"
    " GROUP BY 1, 2 HAVING sum(act.n) > 0 ORDER BY 1";

struct funnel_query {
	const char *setting, *group, *from, *to;
	long from_day, to_day;
};

static enum MHD_Result collect(void *cls, enum MHD_ValueKind kind, const char *key,
			       const char *value)
{
	struct funnel_query *q = cls;
	(void)kind;
	if (strcmp(key, "setting") == 0)
		q->setting = value;
	else if (strcmp(key, "complication") == 0)
		q->group = value;
	else if (strcmp(key, "from") == 0)
		q->from = value;
	else if (strcmp(key, "to") == 0)
		q->to = value;
	return MHD_YES;
}

/* 0, or -ENOMEM when the issue could not be recorded. */
static int check_week(struct issues *errors, const char *field, const char *v, long *ret)
{
	struct iso_week w;
	if (isoweek_parse(v, &w, NULL) == 0) {
		*ret = isoweek_monday(w);
		return 0;
	}
	return issues_add(errors, field, "must be an ISO week like 2026-W12");
}

/* Every problem goes into errors; 0, or -ENOMEM when one could not be. */
static int check_query(struct funnel_query *q, struct issues *errors)
{
	int rc = 0;
	static const char *const settings[] = {"medical_clinic", "salon", "home", "mobile",
					       "unknown"};
	bool known = false;
	for (size_t i = 0; q->setting && i < sizeof(settings) / sizeof(settings[0]); i++)
		known |= strcmp(q->setting, settings[i]) == 0;
	if (!known)
		rc |= issues_add(errors, "setting",
				 "must be medical_clinic, salon, home, mobile or unknown");
	if (!q->group || !q->group[0] || strlen(q->group) > 64)
		rc |= issues_add(errors, "complication", "must be a complication group, or any");
	struct iso_week last = week_last_complete((int64_t)time(NULL));
	q->to_day = isoweek_monday(last);
	if (q->to)
		rc |= check_week(errors, "to", q->to, &q->to_day);
	q->from_day = q->to_day - 7L * (DEFAULT_WEEKS - 1);
	if (q->from)
		rc |= check_week(errors, "from", q->from, &q->from_day);
	if (!rc && !errors->n && q->from_day > q->to_day)
		rc |= issues_add(errors, "from", "must not be after to");
	return rc;
}

/* Lower and upper limits at probability pair (lo, hi) for n procedures. */
static bool add_limits(cJSON *o, const char *name_lo, const char *name_hi, uint64_t n, double theta,
		       double lo, double hi)
{
	double l = 0, h = 0;
	if (signal_funnel_limit(n, theta, lo, &l) || signal_funnel_limit(n, theta, hi, &h))
		return false;
	return cJSON_AddNumberToObject(o, name_lo, l) && cJSON_AddNumberToObject(o, name_hi, h);
}

static bool add_adjusted(cJSON *o, uint64_t n, double theta, double tau2)
{
	double l = 0, h = 0;
	return !signal_funnel_adjusted_limit(n, theta, tau2, 0.001, &l) &&
	       !signal_funnel_adjusted_limit(n, theta, tau2, 0.999, &h) &&
	       cJSON_AddNumberToObject(o, "adjusted_lower_998", l) &&
	       cJSON_AddNumberToObject(o, "adjusted_upper_998", h);
}

static bool add_points(cJSON *root, PGresult *res, double theta, bool adjust, double tau2)
{
	cJSON *arr = cJSON_AddArrayToObject(root, "points");
	for (int i = 0; arr && i < PQntuples(res); i++) {
		uint64_t n = strtoull(PQgetvalue(res, i, 2), NULL, 10);
		uint64_t x = strtoull(PQgetvalue(res, i, 3), NULL, 10);
		double up = 1;
		cJSON *o = cJSON_CreateObject();
		if (!o || !cJSON_AddItemToArray(arr, o) ||
		    !cJSON_AddNumberToObject(o, "premises_id", atof(PQgetvalue(res, i, 0))) ||
		    !cJSON_AddStringToObject(o, "premises_code", PQgetvalue(res, i, 1)) ||
		    !cJSON_AddNumberToObject(o, "cases", (double)x) ||
		    !cJSON_AddNumberToObject(o, "procedures", (double)n) ||
		    !cJSON_AddNumberToObject(o, "rate", (double)x / (double)n) ||
		    !add_limits(o, "lower_95", "upper_95", n, theta, 0.025, 0.975) ||
		    !add_limits(o, "lower_998", "upper_998", n, theta, 0.001, 0.999) ||
		    (adjust && !add_adjusted(o, n, theta, tau2)) ||
		    signal_funnel_limit(n, theta, 0.999, &up) ||
		    !cJSON_AddBoolToObject(o, "outlier", (double)x / (double)n > up))
			return false;
	}
	return arr != NULL;
}

/* The limit curves at CURVE_POINTS procedure counts, log-spaced over the points' range. */
static bool add_curves(cJSON *root, uint64_t nmin, uint64_t nmax, double theta, bool adjust,
		       double tau2)
{
	cJSON *arr = cJSON_AddArrayToObject(root, "limits");
	double a = log((double)(nmin ? nmin : 1)), b = log((double)(nmax > nmin ? nmax : nmin + 1));
	uint64_t prev = 0;
	for (int i = 0; arr && i < CURVE_POINTS; i++) {
		uint64_t n = (uint64_t)llround(exp(a + (b - a) * i / (CURVE_POINTS - 1)));
		if (n == prev || n == 0)
			continue;
		prev = n;
		cJSON *o = cJSON_CreateObject();
		if (!o || !cJSON_AddItemToArray(arr, o) ||
		    !cJSON_AddNumberToObject(o, "procedures", (double)n) ||
		    !add_limits(o, "lower_95", "upper_95", n, theta, 0.025, 0.975) ||
		    !add_limits(o, "lower_998", "upper_998", n, theta, 0.001, 0.999) ||
		    (adjust && !add_adjusted(o, n, theta, tau2)))
			return false;
	}
	return arr != NULL;
}

/* The whole answer; NULL on out of memory. Without events the funnel is empty. */
static cJSON *build(const struct funnel_query *q, PGresult *res)
{
	size_t k = (size_t)PQntuples(res);
	uint64_t *x = calloc(k + 1, sizeof(uint64_t)), *n = calloc(k + 1, sizeof(uint64_t));
	uint64_t X = 0, N = 0, nmin = UINT64_MAX, nmax = 0;
	cJSON *root = cJSON_CreateObject();
	char a[ISOWEEK_TEXT_LEN], b[ISOWEEK_TEXT_LEN];
	bool ok = x && n && root;
	for (size_t i = 0; ok && i < k; i++) {
		n[i] = strtoull(PQgetvalue(res, (int)i, 2), NULL, 10);
		x[i] = strtoull(PQgetvalue(res, (int)i, 3), NULL, 10);
		X += x[i];
		N += n[i];
		nmin = n[i] < nmin ? n[i] : nmin;
		nmax = n[i] > nmax ? n[i] : nmax;
	}
	double theta = N ? (double)X / (double)N : 0;
	struct signal_dispersion disp = {1.0, 0.0, k};
	bool dispersed = theta > 0 && theta < 1 && !signal_funnel_dispersion(x, n, k, theta, &disp);
	bool adjust = dispersed && disp.phi > 1.0;
	isoweek_format(isoweek_of_day(q->from_day), a);
	isoweek_format(isoweek_of_day(q->to_day), b);
	ok = ok && cJSON_AddStringToObject(root, "setting", q->setting) &&
	     cJSON_AddStringToObject(root, "complication", q->group) &&
	     cJSON_AddStringToObject(root, "from", a) && cJSON_AddStringToObject(root, "to", b) &&
	     cJSON_AddNumberToObject(root, "cases", (double)X) &&
	     cJSON_AddNumberToObject(root, "procedures", (double)N) &&
	     cJSON_AddNumberToObject(root, "pooled_rate", theta) &&
	     cJSON_AddNumberToObject(root, "phi", disp.phi) &&
	     cJSON_AddNumberToObject(root, "tau2", disp.tau2) &&
	     cJSON_AddBoolToObject(root, "adjusted", adjust);
	if (ok && theta > 0 && theta < 1)
		ok = add_points(root, res, theta, adjust, disp.tau2) &&
		     add_curves(root, nmin, nmax, theta, adjust, disp.tau2);
	free(x);
	free(n);
	if (!ok)
		cJSON_Delete(root);
	return ok ? root : NULL;
}

enum MHD_Result funnel_get(struct request *rq)
{
	struct funnel_query q = {0};
	struct issues errors;
	char a[ISOWEEK_DATE_LEN], b[ISOWEEK_DATE_LEN];
	issues_init(&errors, rq->arena);
	MHD_get_connection_values(rq->conn, MHD_GET_ARGUMENT_KIND, collect, &q);
	if (check_query(&q, &errors) < 0)
		return respond_oom(rq, "funnel_query");
	if (errors.n)
		return respond_problem(rq, MHD_HTTP_BAD_REQUEST, "bad-query", "invalid query",
				       "one or more parameters are invalid; see errors", &errors,
				       NULL);
	isoweek_format_date(q.from_day, a);
	isoweek_format_date(q.to_day, b);
	const char *params[4] = {q.setting, q.group, a, b};
	PGconn *conn = dbpool_get(rq->server->readers, POOL_WAIT_MS);
	if (!conn)
		return respond_problem(rq, MHD_HTTP_SERVICE_UNAVAILABLE, "database-unavailable",
				       "database unavailable", "retry later", NULL, NULL);
	PGresult *res = PQexecParams(conn, SQL_FUNNEL, 4, NULL, params, NULL, NULL, 0);
	bool ok = PQresultStatus(res) == PGRES_TUPLES_OK;
	dbpool_put(rq->server->readers, conn, !ok && db_result_is_connection_error(conn, res));
	cJSON *j = ok ? build(&q, res) : NULL;
	PQclear(res);
	if (!j)
		return respond_problem(rq, MHD_HTTP_SERVICE_UNAVAILABLE, "database-unavailable",
				       "funnel unavailable",
				       "the funnel could not be computed; retry later", NULL, NULL);
	rq->status = MHD_HTTP_OK;
	enum MHD_Result ret = respond_request_json(rq, MHD_HTTP_OK, j, NULL, "funnel_answer");
	cJSON_Delete(j);
	return ret;
}
