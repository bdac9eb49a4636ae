/* Premises-level views for regulators: one premises' weeks, and completeness
 * across premises (premises_api.h).
 *
 * As in alerts_api.c, PostgreSQL builds the JSON (json_build_object keeps the
 * key order and knows every column's type): this file checks the query, runs
 * one statement on a reader connection and passes the text on, so every
 * figure of an answer comes from one snapshot. The daemon's role may already
 * SELECT each table read here (001, 002, 013).
 *
 * Counting versions are found as the funnel finds them (funnel_api.c): a
 * report with no later version of the same client_ref, via the
 * procedure_week index rather than the latest_reports view, which would sort
 * every report in the database. */
#include "premises_api.h"
#include "isoweek.h"
#include "issues.h"
#include "readquery.h"
#include "request.h"
#include "respond.h"
#include "server.h"
#include "week.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define DEFAULT_WEEKS 13 /* a quarter, as the funnel's default */
#define MAX_WEEKS 104	 /* two years: enough for a trend, bounded in cost */
/* A report is late when its first version arrived more than this many days
 * after its procedure's week ended: by then the weekly refresh and export of
 * that week have normally gone out without it. */
#define LATE_AFTER_DAYS "14"
#define LIST_MAX "500" /* premises listed per completeness list, worst first */

/* $1 first Monday, $2 last Monday, $3 late days; counting versions in the period. */
#define SQL_LATEST                                                                                 \
	"latest AS (SELECT r.premises_id, r.procedure_week AS week, r.needs_review,"               \
	"  (SELECT min(o.received_at) FROM needlewatch.reports o"                                  \
	"   WHERE o.premises_id = r.premises_id AND o.client_ref = r.client_ref)"                  \
	"   > ((r.procedure_week + 7 + $3::int)::timestamp AT TIME ZONE 'UTC') AS late"            \
	"  FROM needlewatch.reports r WHERE r.procedure_week BETWEEN $1::date AND $2::date"        \
	"  AND NOT EXISTS (SELECT 1 FROM needlewatch.reports n WHERE n.premises_id = "             \
	"r.premises_id"                                                                            \
	"   AND n.client_ref = r.client_ref AND n.version > r.version))"

/* $4 the premises code. Activity: the latest row per week and procedure type,
 * as the summaries count it. Cases: counting versions of procedures done
 * there with a complication other than an expected reaction, as the funnel
 * counts them. Reports: counting versions the premises sent. */
static const char *const SQL_WEEKS =
    "WITH p AS (SELECT * FROM needlewatch.premises WHERE code = $4),"
    " w AS (SELECT d::date AS week FROM generate_series($1::date, $2::date, interval '7 days') d),"
    " act AS (SELECT week, sum(procedures) AS procedures FROM (SELECT DISTINCT ON (a.week,"
    "   a.procedure_type) a.week, a.procedures FROM needlewatch.activity a, p"
    "   WHERE a.premises_id = p.id AND a.week BETWEEN $1::date AND $2::date"
    "   ORDER BY a.week, a.procedure_type, a.id DESC) l GROUP BY 1),"
    " " SQL_LATEST ","
    " sent AS (SELECT week, count(*) AS reports, count(*) FILTER (WHERE needs_review) AS review,"
    "   count(*) FILTER (WHERE late) AS late FROM latest, p WHERE premises_id = p.id GROUP BY 1),"
    " cases AS (SELECT r.procedure_week AS week, count(DISTINCT r.id) AS cases"
    "   FROM needlewatch.reports r JOIN needlewatch.report_complications rc"
    "     ON rc.premises_id = r.premises_id AND rc.report_id = r.id, p"
    "   WHERE r.procedure_premises_id = p.id AND r.procedure_week BETWEEN $1::date AND $2::date"
    "   AND rc.complication_group <> 'expected' AND NOT EXISTS (SELECT 1 FROM needlewatch.reports n"
    "     WHERE n.premises_id = r.premises_id AND n.client_ref = r.client_ref"
    "     AND n.version > r.version) GROUP BY 1),"
    " rows AS (SELECT w.week, act.procedures, coalesce(sent.reports, 0) AS reports,"
    "   coalesce(cases.cases, 0) AS cases, coalesce(sent.review, 0) AS review,"
    "   coalesce(sent.late, 0) AS late FROM w LEFT JOIN act USING (week)"
    "   LEFT JOIN sent USING (week) LEFT JOIN cases USING (week))"
    " SELECT json_build_object('premises', json_build_object('id', p.id, 'code', p.code,"
    "  'name', p.name, 'setting', p.setting, 'region', p.region,"
    "  'postcode_district', p.postcode_district, 'closed_on', p.closed_on),"
    "  'from', summary.iso_week($1::date), 'to', summary.iso_week($2::date),"
    "  'late_after_days', $3::int,"
    "  'weeks', (SELECT json_agg(json_build_object('week', summary.iso_week(week),"
    "   'has_activity', procedures IS NOT NULL, 'procedures', procedures, 'reports', reports,"
    "   'cases', cases, 'awaiting_review', review, 'late', late) ORDER BY week) FROM rows),"
    "  'completeness', (SELECT json_build_object('weeks', count(*),"
    "   'weeks_without_activity', coalesce(json_agg(summary.iso_week(week) ORDER BY week)"
    "    FILTER (WHERE procedures IS NULL), '[]'),"
    "   'reports', sum(reports), 'awaiting_review', sum(review), 'late', sum(late)) FROM rows)"
    " )::text FROM p";

/* Silent weeks come from needlewatch.premises_coverage (013): a premises
 * active that week (registered, not closed, or having sent anything for it)
 * that sent no activity. Only refreshed weeks are in it. */
static const char *const SQL_COMPLETENESS =
    "WITH silent AS (SELECT c.premises_id, array_agg(summary.iso_week(c.week) ORDER BY c.week)"
    "   AS weeks FROM needlewatch.premises_coverage c"
    "   WHERE c.week BETWEEN $1::date AND $2::date AND NOT c.has_activity GROUP BY 1),"
    " " SQL_LATEST ","
    " per AS (SELECT premises_id, count(*) FILTER (WHERE needs_review) AS review,"
    "   count(*) FILTER (WHERE late) AS late FROM latest GROUP BY 1),"
    " named AS (SELECT per.*, p.code, p.name, p.setting FROM per"
    "   JOIN needlewatch.premises p ON p.id = per.premises_id)"
    " SELECT json_build_object('from', summary.iso_week($1::date),"
    "  'to', summary.iso_week($2::date), 'late_after_days', $3::int,"
    "  'without_activity', coalesce((SELECT json_agg(json_build_object('premises_id', x.id,"
    "   'premises_code', x.code, 'name', x.name, 'setting', x.setting, 'weeks', x.weeks,"
    "   'count', cardinality(x.weeks)) ORDER BY cardinality(x.weeks) DESC, x.code)"
    "   FROM (SELECT p.id, p.code, p.name, p.setting, s.weeks FROM silent s"
    "    JOIN needlewatch.premises p ON p.id = s.premises_id"
    "    ORDER BY cardinality(s.weeks) DESC, p.code LIMIT " LIST_MAX ") x), '[]'),"
    "  'awaiting_review', json_build_object('count', (SELECT coalesce(sum(review), 0) FROM per),"
    "   'premises', coalesce((SELECT json_agg(json_build_object('premises_id', x.premises_id,"
    "    'premises_code', x.code, 'name', x.name, 'setting', x.setting, 'reports', x.review)"
    "    ORDER BY x.review DESC, x.code) FROM (SELECT * FROM named WHERE review > 0"
    "    ORDER BY review DESC, code LIMIT " LIST_MAX ") x), '[]')),"
    "  'late', json_build_object('count', (SELECT coalesce(sum(late), 0) FROM per),"
    "   'premises', coalesce((SELECT json_agg(json_build_object('premises_id', x.premises_id,"
    "    'premises_code', x.code, 'name', x.name, 'setting', x.setting, 'reports', x.late)"
    "    ORDER BY x.late DESC, x.code) FROM (SELECT * FROM named WHERE late > 0"
    "    ORDER BY late DESC, code LIMIT " LIST_MAX ") x), '[]')))::text";

struct period {
	const char *from, *to;
	struct issues *errors;
	long from_day, to_day;
	bool oom; /* an issue could not be recorded: answer 503, not 400 */
};

static enum MHD_Result collect(void *cls, enum MHD_ValueKind kind, const char *key,
			       const char *value)
{
	struct period *q = cls;
	bool from = strcmp(key, "from") == 0, to = strcmp(key, "to") == 0;
	(void)kind;
	if (!from && !to)
		q->oom |= issues_add(q->errors, key, "is not a parameter of this route") < 0;
	else if (from ? q->from != NULL : q->to != NULL)
		q->oom |= issues_add(q->errors, key, "must be given once") < 0;
	else if (from)
		q->from = value ? value : "";
	else
		q->to = value ? value : "";
	return MHD_YES;
}

/* 0, or -ENOMEM when the issue could not be recorded. */
static int check_week(struct issues *errors, const char *field, const char *v, long *ret)
{
	struct iso_week w;
	if (isoweek_parse(v, &w, NULL) != 0)
		return issues_add(errors, field, "must be an ISO week like 2026-W12");
	*ret = isoweek_monday(w);
	return 0;
}

/* Reads ?from=&to= into q; problems go to q->errors. */
static void period_read(struct request *rq, struct period *q)
{
	MHD_get_connection_values(rq->conn, MHD_GET_ARGUMENT_KIND, collect, q);
	q->to_day = isoweek_monday(week_last_complete((int64_t)time(NULL)));
	if (q->to)
		q->oom |= check_week(q->errors, "to", q->to, &q->to_day) < 0;
	q->from_day = q->to_day - 7L * (DEFAULT_WEEKS - 1);
	if (q->from)
		q->oom |= check_week(q->errors, "from", q->from, &q->from_day) < 0;
	if (q->errors->n || q->oom)
		return;
	if (q->from_day > q->to_day)
		q->oom |= issues_add(q->errors, "from", "must not be after to") < 0;
	else if ((q->to_day - q->from_day) / 7 >= MAX_WEEKS)
		q->oom |= issues_add(q->errors, "from", "the period must be at most %d weeks",
				     MAX_WEEKS) < 0;
}

/* A premises' weeks, or the completeness table, as the statement's JSON text. */
static const struct readquery ANSWER = {
    .event = "premises_query_failed",
    .missing_title = "no such premises",
    .missing_detail = "no premises has this code",
};

static enum MHD_Result bad_query(struct request *rq, const struct issues *errors)
{
	return respond_problem(rq, MHD_HTTP_BAD_REQUEST, "bad-query", "invalid query",
			       "one or more parameters are invalid; see errors", errors, NULL);
}

/* route_arg is "{code}/weeks"; copies the code (premises.code's own pattern) into out. */
static bool code_of(const char *arg, char *out, size_t len)
{
	const char *slash = strchr(arg, '/');
	size_t n = slash ? (size_t)(slash - arg) : 0;
	if (!slash || strcmp(slash, "/weeks") != 0 || n == 0 || n > 64 || n >= len ||
	    !isalnum((unsigned char)arg[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)arg[i]) && !strchr("._-", arg[i]))
			return false;
	memcpy(out, arg, n);
	out[n] = '\0';
	return true;
}

/* Reads ?from=&to= and answers sql for that period: $1 and $2 its first
 * and last Monday, $3 LATE_AFTER_DAYS and, when code is not NULL, $4 the
 * premises' code. */
static enum MHD_Result answer_period(struct request *rq, const char *sql, const char *code)
{
	char a[ISOWEEK_DATE_LEN], b[ISOWEEK_DATE_LEN];
	struct issues errors;
	struct period q = {.errors = &errors};
	issues_init(&errors, rq->arena);
	period_read(rq, &q);
	if (q.oom)
		return respond_oom(rq, "premises_query");
	if (errors.n)
		return bad_query(rq, &errors);
	isoweek_format_date(q.from_day, a);
	isoweek_format_date(q.to_day, b);
	const char *params[4] = {a, b, LATE_AFTER_DAYS, code};
	return readquery_answer_json(rq, &ANSWER, sql, code ? 4 : 3, params);
}

enum MHD_Result premises_weeks_get(struct request *rq)
{
	char code[65];
	if (!code_of(rq->route_arg, code, sizeof(code)))
		return respond_problem(rq, MHD_HTTP_NOT_FOUND, "not-found", "not found",
				       "the premises route is /v1/premises/{code}/weeks", NULL,
				       NULL);
	return answer_period(rq, SQL_WEEKS, code);
}

enum MHD_Result completeness_get(struct request *rq)
{
	return answer_period(rq, SQL_COMPLETENESS, NULL);
}
