/* Alert episodes, pipelined (alerts_store.h). */
#include "alerts_store.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One statement a signal: the subject's open or acknowledged episode that
 * ends at most a week before $2 (or starts at most a week after it) is
 * extended; without one a new alert opens. Typed parameters, as the INSERT
 * takes them from a SELECT. */
static const char *const SQL_STORE =
    "WITH ep AS (SELECT id FROM needlewatch.alerts WHERE subject_key = $1"
    "   AND state IN ('open', 'acknowledged')"
    "   AND last_week >= $2::date - 7 AND first_week <= $2::date + 7 ORDER BY id DESC LIMIT 1),"
    " up AS (UPDATE needlewatch.alerts a SET first_week = least(a.first_week, $2::date),"
    "   last_week = greatest(a.last_week, $2::date), observed = $3::bigint,"
    "   expected = $4::float8, procedures = $5::bigint, p_value = $6::float8,"
    "   score = $7::float8, threshold = $8::float8,"
    "   level = CASE WHEN a.level = 'red' OR $9::text = 'red' THEN 'red' ELSE 'amber' END,"
    "   evidence = $10::jsonb, updated_at = now() FROM ep WHERE a.id = ep.id RETURNING a.id),"
    " ins AS (INSERT INTO needlewatch.alerts (subject_key, first_week, last_week, observed,"
    "   expected, procedures, p_value, score, threshold, level, evidence, rule, kind,"
    "   premises_id, setting, complication_group, exposure, complication_type)"
    "   SELECT $1::text, $2::date, $2::date, $3::bigint, $4::float8, $5::bigint, $6::float8,"
    "   $7::float8, $8::float8, $9::text, $10::jsonb, $11::smallint, $12::text, $13::bigint,"
    "   $14::text, $15::text, $16::text, $17::text WHERE NOT EXISTS (SELECT 1 FROM ep)"
    "   RETURNING id)"
    " SELECT (SELECT count(*) FROM up)";

/* Signals a pipeline holds before it is synced and its results read: their
 * results (about 110 bytes each) stay well inside the socket buffers, so
 * neither side waits for the other to read. */
#define CHUNK 256

struct texts {
	char obs[24], exp_[32], procs[24], pv[32], score[32], thr[32], rule[4], pid[24];
	char *evidence;
};

static const char *num(char *buf, size_t len, double v)
{
	if (isnan(v))
		return NULL;
	snprintf(buf, len, "%.17g", v);
	return buf;
}

/* Sends a's statement. 0, -ENOMEM, or -EIO (the connection's reason in err). */
static int send_signal(PGconn *conn, const struct alert_signal *a, const char *day, char *err,
		       size_t errlen)
{
	struct texts t;
	t.evidence = cJSON_PrintUnformatted(a->evidence);
	if (!t.evidence)
		return -ENOMEM;
	snprintf(t.obs, sizeof(t.obs), "%llu", (unsigned long long)a->observed);
	snprintf(t.procs, sizeof(t.procs), "%llu", (unsigned long long)a->procedures);
	snprintf(t.rule, sizeof(t.rule), "%d", a->rule);
	snprintf(t.pid, sizeof(t.pid), "%lld", (long long)a->premises_id);
	const char *params[17] = {
	    a->key,
	    day,
	    t.obs,
	    num(t.exp_, sizeof(t.exp_), a->expected),
	    a->procedures ? t.procs : NULL,
	    num(t.pv, sizeof(t.pv), a->p_value),
	    num(t.score, sizeof(t.score), a->score),
	    num(t.thr, sizeof(t.thr), a->threshold),
	    a->level == ALERT_RED ? "red" : "amber",
	    t.evidence,
	    t.rule,
	    a->kind,
	    a->premises_id ? t.pid : NULL,
	    a->setting,
	    a->group,
	    a->exposure,
	    a->type,
	};
	int ok = PQsendQueryParams(conn, SQL_STORE, 17, NULL, params, NULL, NULL, 0);
	cJSON_free(t.evidence);
	if (!ok) {
		snprintf(err, errlen, "alert store: %s", PQerrorMessage(conn));
		err[strcspn(err, "\n")] = '\0';
		return -EIO;
	}
	return 0;
}

/* Reads the results of n statements and the sync after them. The first
 * failure is kept in err; the rest of the pipeline is read anyway, so the
 * connection is left ready for the caller's ROLLBACK. */
static int read_results(PGconn *conn, size_t n, struct alerts_store_counts *counts, char *err,
			size_t errlen)
{
	int rc = 0;
	for (size_t i = 0; i <= n; i++) {
		PGresult *res = PQgetResult(conn);
		ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
		bool want_sync = i == n;
		if (want_sync ? st != PGRES_PIPELINE_SYNC : st != PGRES_TUPLES_OK) {
			if (!rc) {
				snprintf(err, errlen, "alert store: %s",
					 res ? PQresultErrorMessage(res) : PQerrorMessage(conn));
				err[strcspn(err, "\n")] = '\0';
			}
			rc = -EIO;
		} else if (!want_sync) {
			bool extended = strcmp(PQgetvalue(res, 0, 0), "1") == 0;
			counts->extended += extended;
			counts->opened += !extended;
		}
		PQclear(res);
		if (!res)
			break; /* the connection is gone: nothing more will come */
		if (!want_sync)
			PQclear(PQgetResult(conn)); /* the NULL that ends a statement's results */
	}
	return rc;
}

/* One chunk: sent, synced, read. */
static int store_chunk(PGconn *conn, const struct alert_signal *v, size_t n, const char *day,
		       struct alerts_store_counts *counts, char *err, size_t errlen)
{
	size_t sent = 0;
	int rc = 0;
	while (!rc && sent < n)
		if (!(rc = send_signal(conn, &v[sent], day, err, errlen)))
			sent++;
	if (!PQpipelineSync(conn)) {
		snprintf(err, errlen, "alert store: %s", PQerrorMessage(conn));
		err[strcspn(err, "\n")] = '\0';
		return -EIO;
	}
	int rrc = read_results(conn, sent, counts, err, errlen);
	return rc ? rc : rrc;
}

int alerts_store_week(PGconn *conn, const struct alert_signal *v, size_t n, const char *day,
		      struct alerts_store_counts *counts, char *err, size_t errlen)
{
	if (n == 0)
		return 0;
	if (!PQenterPipelineMode(conn)) {
		snprintf(err, errlen, "alert store: cannot enter pipeline mode");
		return -EIO;
	}
	int rc = 0;
	for (size_t i = 0; !rc && i < n; i += CHUNK)
		rc = store_chunk(conn, v + i, n - i < CHUNK ? n - i : CHUNK, day, counts, err,
				 errlen);
	if (!PQexitPipelineMode(conn) && !rc) {
		snprintf(err, errlen, "alert store: %s", PQerrorMessage(conn));
		err[strcspn(err, "\n")] = '\0';
		rc = -EIO;
	}
	return rc;
}
