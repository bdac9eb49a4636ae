/* Plausibility at ingest for reports. The activity path makes the same check
 * in its insert (activity.c); this one runs before the report is queued, on
 * a reader connection, so it sees what is committed: a report in the same
 * writer batch is not counted. A warning, not a refusal: which of the two
 * figures is wrong is for the premises and the regulator to find out
 * (`needlewatchctl review implausible`). */
#include "plausibility.h"
#include "log.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define POOL_WAIT_MS 500

/* $1 the premises where the procedure was done, $2 the procedure date, $3
 * and $4 the case (reporting premises, client_ref) this report is a version
 * of, $5 1 when it has a complication. No row without activity. */
static const char *const SQL_CHECK =
    "WITH w AS (SELECT date_trunc('week', $2::date)::date AS week),"
    " a AS (SELECT sum(l.procedures) AS p FROM needlewatch.latest_activity l, w"
    "  WHERE l.premises_id = $1 AND l.week = w.week),"
    " c AS (SELECT count(*) + $5::int AS n FROM needlewatch.reports r, w"
    "  WHERE r.procedure_premises_id = $1 AND r.procedure_week = w.week"
    "   AND NOT (r.premises_id = $3 AND r.client_ref = $4)"
    "   AND NOT EXISTS (SELECT 1 FROM needlewatch.reports n WHERE n.premises_id = r.premises_id"
    "    AND n.client_ref = r.client_ref AND n.version > r.version)"
    "   AND EXISTS (SELECT 1 FROM needlewatch.report_complications x"
    "    WHERE x.premises_id = r.premises_id AND x.report_id = r.id"
    "     AND x.complication_group <> 'expected'))"
    " SELECT needlewatch.plausibility_reason(c.n, a.p), c.n, a.p FROM a, c"
    " WHERE a.p IS NOT NULL";

static bool has_complication(const struct report *r)
{
	for (size_t i = 0; i < r->n_complications; i++)
		if (strcmp(r->complications[i].group, "expected") != 0)
			return true;
	return false;
}

void plausibility_warn_report(struct dbpool *readers, long long procedure_premises_id,
			      long long premises_id, const struct report *r,
			      struct issues *warnings)
{
	char where[24], who[24];
	snprintf(where, sizeof(where), "%lld", procedure_premises_id);
	snprintf(who, sizeof(who), "%lld", premises_id);
	const char *params[5] = {where, r->procedure.date, who, r->client_ref,
				 has_complication(r) ? "1" : "0"};
	PGconn *c = dbpool_get(readers, POOL_WAIT_MS);
	if (!c)
		return;
	PGresult *res = PQexecParams(c, SQL_CHECK, 5, NULL, params, NULL, NULL, 0);
	bool ok = PQresultStatus(res) == PGRES_TUPLES_OK;
	dbpool_put(readers, c, !ok && db_result_is_connection_error(c, res));
	if (!ok)
		log_event(LOG_DEBUG, "plausibility_check_failed", "premises=%lld", premises_id);
	/* Deliberately unchecked: the warning is advisory and the report is
	 * stored either way, so running out of memory for it loses the warning,
	 * not the report (the caller's next arena allocation fails loudly). */
	if (ok && PQntuples(res) == 1 && !PQgetisnull(res, 0, 0))
		(void)!issues_add(
		    warnings, "procedure",
		    "with this report the premises has %s case(s) with complications in the "
		    "week against the %s procedure(s) it reported (%s); the week is left out "
		    "of the rates until the activity or the reports are corrected",
		    PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 0));
	PQclear(res);
}
