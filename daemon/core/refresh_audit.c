/* The summary refresh with its disclosure audit, in one transaction. */
#include "refresh_audit.h"
#include "util.h"
#include "disclosure.h"
#include "disclosure_tables.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const sql_refresh =
    "SELECT needlewatch.refresh_summaries($1::integer, $2::boolean)";

static const char *const sql_pending =
    "SELECT week::text, threshold FROM summary.suppression_audit WHERE status = 'pending'"
    " ORDER BY week";

/* Every cell the public views show for week $1, with its true value and
 * whether refresh_suppress hid it. Columns: table (enum disclosure_table),
 * setting, key as text, group, events, events without activity, and the two
 * flags. */
static const char *const sql_cells =
    "SELECT 0, setting, NULL::text, complication_group, events, events_without_activity,"
    "  events_suppressed, events_without_activity_suppressed"
    " FROM summary.rates_week_setting WHERE week = $1::date"
    " UNION ALL SELECT 1, setting, fitzpatrick::text, complication_group, events,"
    "  events_without_activity, events_suppressed, events_without_activity_suppressed"
    " FROM summary.rates_fitzpatrick WHERE week = $1::date"
    " UNION ALL SELECT 2, setting, region, complication_group, events,"
    "  events_without_activity, events_suppressed, events_without_activity_suppressed"
    " FROM summary.rates_region WHERE week = $1::date"
    " UNION ALL SELECT 3, setting, medically_trained::text, complication_group, events,"
    "  events_without_activity, events_suppressed, events_without_activity_suppressed"
    " FROM summary.rates_training WHERE week = $1::date"
    " UNION ALL SELECT 4, setting, region, complication_group, cases, 0, cases_suppressed, false"
    " FROM summary.unregistered_counts WHERE week = $1::date";

static const char *const sql_record =
    "SELECT needlewatch.record_suppression_audit($1::date, $2::integer, $3, $4::jsonb,"
    " $5::integer, $6::integer, $7::integer, $8::bigint, $9)";

/* The names record_suppression_audit() knows the tables by. */
static const char *const table_names[] = {
    [DISCLOSURE_WEEK_SETTING] = "ws",
    [DISCLOSURE_FITZPATRICK] = "fitzpatrick",
    [DISCLOSURE_REGION] = "region",
    [DISCLOSURE_TRAINING] = "training",
    [DISCLOSURE_UNREGISTERED] = "unregistered",
};

/* One week's audit: what record_suppression_audit() is told. */
struct week_audit {
	const char *status; /* "passed" or "failed" */
	const char *detail; /* why it failed, NULL when passed */
	cJSON *added;	    /* the cells hidden by the audit */
	struct disclosure_outcome outcome;
};

static int fail(int rc, char *err, size_t errlen, const char *what, const char *why)
{
	snprintf(err, errlen, "%s: %s", what, why);
	size_t n = strlen(err);
	while (n > 0 && (err[n - 1] == '\n' || err[n - 1] == ' '))
		err[--n] = '\0';
	return rc;
}

/* Runs one statement; on failure leaves the server's reason in err. */
static PGresult *run(PGconn *conn, const char *sql, int n, const char *const *params,
		     const char *what, char *err, size_t errlen)
{
	PGresult *res = PQexecParams(conn, sql, n, NULL, params, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(res);
	if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
		return res;
	fail(-EIO, err, errlen, what, res ? PQresultErrorMessage(res) : PQerrorMessage(conn));
	PQclear(res);
	return NULL;
}

/* The rows of res as the model's rows, borrowing res's strings. */
static struct disclosure_row *rows_of(const PGresult *res)
{
	int n = PQntuples(res);
	struct disclosure_row *rows = calloc(n ? (size_t)n : 1, sizeof(*rows));
	for (int i = 0; rows && i < n; i++) {
		struct disclosure_row *r = &rows[i];
		r->table = (enum disclosure_table)atoi(PQgetvalue(res, i, 0));
		r->setting = PQgetvalue(res, i, 1);
		r->key = PQgetisnull(res, i, 2) ? NULL : PQgetvalue(res, i, 2);
		r->group = PQgetvalue(res, i, 3);
		r->events = atol(PQgetvalue(res, i, 4));
		r->ewa = atol(PQgetvalue(res, i, 5));
		r->events_hidden = PQgetvalue(res, i, 6)[0] == 't';
		r->ewa_hidden = PQgetvalue(res, i, 7)[0] == 't';
	}
	return rows;
}

static int add_cell_json(cJSON *added, const struct disclosure_row *r, const char *col)
{
	cJSON *o = cJSON_CreateObject();
	if (!o || !cJSON_AddItemToArray(added, o))
		return cJSON_Delete(o), -ENOMEM;
	bool ok = cJSON_AddStringToObject(o, "t", table_names[r->table]) &&
		  cJSON_AddStringToObject(o, "s", r->setting) &&
		  (r->key ? cJSON_AddStringToObject(o, "k", r->key) != NULL
			  : cJSON_AddNullToObject(o, "k") != NULL) &&
		  cJSON_AddStringToObject(o, "g", r->group) && cJSON_AddStringToObject(o, "c", col);
	return ok ? 0 : -ENOMEM;
}

/* Audits the rows of one week (res) into *a. -ENOMEM only: a solver failure
 * is an outcome ("failed"), recorded like a pass. */
static int audit_rows(const PGresult *res, int threshold, struct week_audit *a)
{
	size_t n = (size_t)PQntuples(res);
	struct disclosure_row *rows = rows_of(res);
	struct disclosure *d = rows ? disclosure_tables_build(rows, n) : NULL;
	int rc = d && (a->added = cJSON_CreateArray()) ? 0 : -ENOMEM;
	if (rc == 0) {
		int prc = disclosure_protect(d, threshold, &a->outcome);
		a->status = prc == 0 ? "passed" : "failed";
		a->detail = prc == 0 ? NULL : prc == -ENOMEM ? "out of memory" : "solver failed";
	}
	for (size_t i = 0; rc == 0 && a->detail == NULL && i < n; i++) {
		const struct disclosure_row *r = &rows[i];
		if (disclosure_is_hidden(d, r->events_cell) && !r->events_hidden)
			rc = add_cell_json(a->added, r, "events");
		if (rc == 0 && r->ewa_cell >= 0 && disclosure_is_hidden(d, r->ewa_cell) &&
		    !r->ewa_hidden)
			rc = add_cell_json(a->added, r, "ewa");
	}
	disclosure_free(d);
	free(rows);
	return rc;
}

/* Writes a's outcome for week through record_suppression_audit(). */
static int record(PGconn *conn, const char *week, const char *threshold, const struct week_audit *a,
		  char *err, size_t errlen)
{
	char *cells = cJSON_PrintUnformatted(a->added);
	char hidden[24], added[24], rounds[24], solves[24];
	if (!cells)
		return fail(-ENOMEM, err, errlen, "audit", "out of memory");
	snprintf(hidden, sizeof(hidden), "%d", a->outcome.hidden);
	snprintf(added, sizeof(added), "%d", a->outcome.added);
	snprintf(rounds, sizeof(rounds), "%d", a->outcome.rounds);
	snprintf(solves, sizeof(solves), "%ld", a->outcome.solves);
	const char *params[] = {week,	  threshold, a->status, a->detail ? "[]" : cells,
				hidden,	  added,     rounds,	solves,
				a->detail};
	PGresult *res = run(conn, sql_record, 9, params, "recording the audit", err, errlen);
	free(cells);
	PQclear(res);
	return res ? 0 : -EIO;
}

static int audit_week(PGconn *conn, const char *week, const char *threshold,
		      struct refresh_audit_outcome *out, char *err, size_t errlen)
{
	const char *params[] = {week};
	struct week_audit a = {0};
	PGresult *res = run(conn, sql_cells, 1, params, "reading the week's cells", err, errlen);
	if (!res)
		return -EIO;
	int rc = audit_rows(res, atoi(threshold), &a);
	PQclear(res);
	if (rc)
		return cJSON_Delete(a.added), fail(rc, err, errlen, "audit", "out of memory");
	rc = record(conn, week, threshold, &a, err, errlen);
	cJSON_Delete(a.added);
	out->weeks_audited++;
	out->weeks_failed += a.detail != NULL;
	out->cells_hidden += a.outcome.hidden;
	out->cells_added += a.outcome.added;
	out->solves += a.outcome.solves;
	return rc;
}

/* Audits every week pending its audit, in the open transaction. */
static int audit_pending(PGconn *conn, const struct refresh_audit_stop *stop,
			 struct refresh_audit_outcome *out, char *err, size_t errlen)
{
	PGresult *weeks =
	    run(conn, sql_pending, 0, NULL, "listing the weeks to audit", err, errlen);
	if (!weeks)
		return -EIO;
	int rc = 0, n = PQntuples(weeks);
	for (int i = 0; rc == 0 && i < n; i++) {
		if (stop && stop->progress)
			stop->progress(stop->arg, i, n);
		if (stop && stop->requested && stop->requested(stop->arg)) {
			rc = fail(-ECANCELED, err, errlen, "refresh",
				  "stopped before its audit ended");
			break;
		}
		rc = audit_week(conn, PQgetvalue(weeks, i, 0), PQgetvalue(weeks, i, 1), out, err,
				errlen);
	}
	if (rc == 0 && stop && stop->progress)
		stop->progress(stop->arg, n, n);
	PQclear(weeks);
	return rc;
}

int refresh_audit_run(PGconn *conn, int threshold, bool full, const struct refresh_audit_stop *stop,
		      struct refresh_audit_outcome *ret, char *err, size_t errlen)
{
	struct refresh_audit_outcome out = {0};
	char thr[16];
	snprintf(thr, sizeof(thr), "%d", threshold);
	const char *params[] = {thr, full ? "true" : "false"};
	PGresult *res = run(conn, "BEGIN", 0, NULL, "refresh", err, errlen);
	int rc = res ? 0 : -EIO;
	PQclear(res);
	if (rc == 0) {
		res = run(conn, sql_refresh, 2, params, "refresh", err, errlen);
		rc = res ? 0 : -EIO;
		if (res)
			out.weeks = atoi(PQgetvalue(res, 0, 0));
		PQclear(res);
	}
	double start = util_mono_ms_f();
	if (rc == 0)
		rc = audit_pending(conn, stop, &out, err, errlen);
	out.audit_ms = util_mono_ms_f() - start;
	disclosure_release();
	if (rc == 0) {
		res = run(conn, "COMMIT", 0, NULL, "refresh", err, errlen);
		rc = res ? 0 : -EIO;
		PQclear(res);
	}
	if (rc) { /* a failed transaction, or one we give up: leave the old tables */
		PQclear(PQexec(conn, "ROLLBACK"));
		return rc;
	}
	*ret = out;
	return 0;
}
