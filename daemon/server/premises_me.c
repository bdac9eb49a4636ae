/* GET /v1/premises/me: a reporter's own gaps, from the tables it fills.
 *
 * One statement builds the whole answer (json_build_object keeps the key
 * order), so every figure comes from one snapshot and the request costs one
 * round trip. Every row it reads is filtered by the caller's premises_id,
 * taken from the authenticated account, never from the request: no other
 * premises' data can appear. The statement runs on the read pool as the
 * daemon's role, which may already SELECT each table it reads (001, 002).
 *
 * What it cannot show: reports the server refused (400, 413, 422) are not
 * stored, and no per-premises count of them is kept, so "refused" carries a
 * null count and says where they are (needlewatch-upload's failed/ folder).
 */
#include "premises_me.h"
#include "readquery.h"
#include "request.h"

#include <stdio.h>

/*
 * $1: the caller's premises id. Dates are UTC days.
 * - weeks: the 13 complete ISO weeks before the current one (the current
 *   week's activity is normally sent once it is over, so it is not missing
 *   yet); a week "has activity" when any activity row for it was stored, a
 *   reported 0 included — that is the statement "no procedures".
 * - awaiting_review: the counting version of each case (latest_reports)
 *   whose values the vocabulary did not recognise; at most 100 listed.
 * - follow_up_due: counting versions with a complication whose outcome is
 *   ongoing (not_resolved) or recovering (resolving) more than 90 days after
 *   the procedure; at most 100 listed.
 * - last_*_at: the newest stored report and activity, by id (the primary
 *   key's order, so an index probe, not a scan).
 */
#define UTC_FORMAT "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'"
static const char *const SQL_PREMISES_ME =
    "WITH t AS (SELECT (now() AT TIME ZONE 'UTC')::date AS today),"
    " w AS (SELECT date_trunc('week', t.today::timestamp)::date - 7 * k AS week"
    "  FROM t CROSS JOIN generate_series(1, 13) k),"
    " latest AS (SELECT id, client_ref, version, received_at, procedure_date, needs_review,"
    "  warnings FROM needlewatch.latest_reports WHERE premises_id = $1),"
    " review AS (SELECT * FROM latest WHERE needs_review),"
    " due AS (SELECT l.id, l.client_ref, l.version, l.procedure_date,"
    "  t.today - l.procedure_date AS days,"
    "  array_agg(DISTINCT c.outcome ORDER BY c.outcome) AS outcomes"
    "  FROM latest l CROSS JOIN t"
    "  JOIN needlewatch.report_complications c ON c.premises_id = $1 AND c.report_id = l.id"
    "  WHERE c.outcome IN ('not_resolved', 'resolving') AND t.today - l.procedure_date > 90"
    "  GROUP BY l.id, l.client_ref, l.version, l.procedure_date, t.today),"
    " last AS (SELECT"
    "  (SELECT received_at FROM needlewatch.reports WHERE premises_id = $1"
    "   ORDER BY id DESC LIMIT 1) AS report,"
    "  (SELECT received_at FROM needlewatch.activity WHERE premises_id = $1"
    "   ORDER BY id DESC LIMIT 1) AS activity)"
    " SELECT json_build_object("
    "  'premises', json_build_object('id', p.id, 'code', p.code, 'name', p.name,"
    "   'setting', p.setting),"
    "  'as_of', (SELECT today FROM t),"
    "  'weeks_checked', (SELECT json_build_object('from', summary.iso_week(min(week)),"
    "   'to', summary.iso_week(max(week)), 'count', count(*)) FROM w),"
    "  'weeks_without_activity', coalesce((SELECT json_agg(summary.iso_week(w.week)"
    "   ORDER BY w.week) FROM w WHERE NOT EXISTS (SELECT 1 FROM needlewatch.activity a"
    "   WHERE a.premises_id = $1 AND a.week = w.week)), '[]'),"
    "  'awaiting_review', json_build_object('count', (SELECT count(*) FROM review),"
    "   'reports', coalesce((SELECT json_agg(json_build_object('id', x.id,"
    "    'client_ref', x.client_ref, 'version', x.version,"
    "    'received_at', to_char(x.received_at AT TIME ZONE 'UTC', " UTC_FORMAT "),"
    "    'warnings', x.warnings)"
    "    ORDER BY x.received_at DESC, x.id DESC)"
    "    FROM (SELECT * FROM review ORDER BY received_at DESC, id DESC LIMIT 100) x), '[]')),"
    "  'refused', json_build_object('count', NULL, 'detail', 'reports the server refused"
    " (400, 413, 422) are not stored, so they cannot be counted here; needlewatch-upload"
    " keeps each one in its spool''s failed/ folder with the answer'),"
    "  'follow_up_due', json_build_object('after_days', 90, 'count', (SELECT count(*) FROM due),"
    "   'reports', coalesce((SELECT json_agg(json_build_object('id', x.id,"
    "    'client_ref', x.client_ref, 'version', x.version,"
    "    'procedure_date', x.procedure_date, 'days_since_procedure', x.days,"
    "    'outcomes', x.outcomes) ORDER BY x.procedure_date, x.id)"
    "    FROM (SELECT * FROM due ORDER BY procedure_date, id LIMIT 100) x), '[]')),"
    "  'last_report_at', to_char(l.report AT TIME ZONE 'UTC', " UTC_FORMAT "),"
    "  'last_activity_at', to_char(l.activity AT TIME ZONE 'UTC', " UTC_FORMAT "),"
    "  'last_upload_at', to_char(greatest(l.report, l.activity) AT TIME ZONE 'UTC', " UTC_FORMAT
    "))"
    " FROM needlewatch.premises p CROSS JOIN last l WHERE p.id = $1";

/* The account outlived its premises (no row): nothing to show. */
static const struct readquery ANSWER = {
    .event = "premises_me_query_failed",
    .missing_title = "no such premises",
    .missing_detail = "this token's premises is not registered",
    .unavailable_detail = "the premises' status could not be read; retry later",
};

enum MHD_Result premises_me_get(struct request *rq)
{
	char premises[24];
	const char *params[1] = {premises};

	snprintf(premises, sizeof(premises), "%lld", rq->account.premises_id);
	return readquery_answer_json(rq, &ANSWER, SQL_PREMISES_ME, 1, params);
}
