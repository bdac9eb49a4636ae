/* Store: the INSERT of report versions and their complications, many per
 * statement, for the writer's group commit. */
#include "store.h"
#include "arena.h"
#include "dbpool.h"
#include "log.h"
#include "stored_report.h"
#include "writer.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reports and their complications, many in one statement: the
 * per-statement cost (executor start-up, constraint and trigger set-up,
 * protocol) is most of what one row costs PostgreSQL, so a group commit
 * pays it once per ROWS_PER_STATEMENT reports. Each parameter is a text[]
 * holding one column (a row's $n of the one-row INSERT, as text), sent in
 * binary array format so that nothing is escaped; the casts are the ones
 * PostgreSQL applies to one row's text parameters. ON CONFLICT DO NOTHING
 * turns a replay into "no row returned" instead of an error that would abort
 * the whole group commit; when one statement holds the same key twice the
 * first row is the one stored (f keeps it for the complications). The
 * answer is (ord, id) for each row stored, in order. */
#define ROWS_PER_STATEMENT 256

/* $1..$38 are the columns of enum stored_column, in its order. */
_Static_assert(STORED_NCOLUMNS == 38, "SQL_INSERT_REPORTS takes one parameter per stored column");

static const char *const SQL_INSERT_REPORTS =
	"WITH v AS ("
	" SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],"
	"  $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[],"
	"  $13::text[], $14::text[], $15::text[], $16::text[], $17::text[], $18::text[],"
	"  $19::text[], $20::text[], $21::text[], $22::text[], $23::text[], $24::text[],"
	"  $25::text[], $26::text[], $27::text[], $28::text[], $29::text[], $30::text[],"
	"  $31::text[], $32::text[], $33::text[], $34::text[], $35::text[], $36::text[],"
	"  $37::text[], $38::text[]) WITH ORDINALITY"
	"  AS v(premises_id, account_id, client_ref, version, format, procedure_premises_id,"
	"  procedure_premises_code, procedure_date, procedure_type, procedure_type_raw, setting,"
	"  setting_reported, setting_raw, practitioner_role, practitioner_role_raw,"
	"  medically_trained, device, device_raw, needle_depth_mm, areas, products,"
	"  sterile_single_use_cartridge, antiviral_prophylaxis, age_band, sex, fitzpatrick,"
	"  history, patient_pseudonym, postcode_district, postcode_area, region, reporter_role,"
	"  needs_review, body, body_sha256, normalised, warnings, complications, ord)"
	"), r AS ("
	" INSERT INTO needlewatch.reports (premises_id, account_id, client_ref, version, format,"
	"  procedure_premises_id, procedure_premises_code, procedure_date, procedure_type,"
	"  procedure_type_raw, setting, setting_reported, setting_raw, practitioner_role,"
	"  practitioner_role_raw, medically_trained, device, device_raw, needle_depth_mm, areas,"
	"  products, sterile_single_use_cartridge, antiviral_prophylaxis, age_band, sex,"
	"  fitzpatrick, history, patient_pseudonym, postcode_district, postcode_area, region,"
	"  reporter_role, needs_review, body, body_sha256, normalised, warnings)"
	" SELECT premises_id::bigint, account_id::bigint, client_ref, version::integer, format,"
	"  procedure_premises_id::bigint, procedure_premises_code, procedure_date::date,"
	"  procedure_type, procedure_type_raw, setting, setting_reported, setting_raw,"
	"  practitioner_role, practitioner_role_raw, medically_trained::boolean, device,"
	"  device_raw, needle_depth_mm::numeric, areas::jsonb, products::jsonb,"
	"  sterile_single_use_cartridge::boolean, antiviral_prophylaxis::boolean, age_band, sex,"
	"  fitzpatrick::smallint, history::jsonb, patient_pseudonym, postcode_district,"
	"  postcode_area, region, reporter_role, needs_review::boolean, body, body_sha256,"
	"  normalised::jsonb, warnings::jsonb"
	" FROM v ORDER BY ord"
	" ON CONFLICT (premises_id, client_ref, version) DO NOTHING"
	" RETURNING premises_id, id, client_ref, version"
	"), f AS ("
	" SELECT DISTINCT ON (r.premises_id, r.client_ref, r.version) r.premises_id, r.id, v.ord,"
	"  v.complications"
	" FROM r JOIN v ON v.premises_id::bigint = r.premises_id AND v.client_ref = r.client_ref"
	"  AND v.version::integer = r.version"
	" ORDER BY r.premises_id, r.client_ref, r.version, v.ord"
	"), c AS ("
	" INSERT INTO needlewatch.report_complications" STORED_COMPLICATION_TARGET
	" SELECT f.premises_id, f.id," STORED_COMPLICATION_VALUES
	" FROM f, jsonb_to_recordset(f.complications::jsonb) AS" STORED_COMPLICATION_RECORD
	")"
	" SELECT ord, id FROM f ORDER BY ord";

/* Idempotency: a replay is the same report, not the same bytes. The
 * canonical form is the normalised report ($5, report_to_json's text, as
 * stored in the normalised column) compared as jsonb, so member order,
 * spacing and number spelling do not count, and neither do the forms
 * normalisation folds together (a date as 02/11/2026 or 2026-11-02, version
 * omitted or 1, null or absent). The place of the procedure is left out: it
 * is resolved from the premises register at the time, not sent. A body
 * identical byte for byte ($4) is a replay too, whatever the normalised form
 * of a row stored by an older daemon looks like. */
static const char *const SQL_FIND_EXISTING =
	"SELECT id, body_sha256 = $4"
	"  OR normalised #- '{procedure,place}' = $5::jsonb #- '{procedure,place}'"
	" FROM needlewatch.reports"
	" WHERE premises_id = $1 AND client_ref = $2 AND version = $3";

int store_item_init(struct store_item *item, struct arena *a, const struct report *r,
		    const struct stored_origin *o, const struct stored_place *p, const char *body,
		    const struct issues *warnings)
{
	memset(item, 0, sizeof(*item));
	return stored_report_row(&item->row, a, r, o, p, body, warnings);
}

int store_prepare(PGconn *conn)
{
	static const struct {
		const char *name, *sql;
		int nparams;
	} stmts[] = {
		{"insert_reports", SQL_INSERT_REPORTS, STORED_NCOLUMNS},
		{"find_existing", SQL_FIND_EXISTING, 5},
	};
	for (size_t i = 0; i < sizeof(stmts) / sizeof(stmts[0]); i++) {
		PGresult *res = PQprepare(conn, stmts[i].name, stmts[i].sql, stmts[i].nparams, NULL);
		bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
		if (!ok) {
			char q[300];
			log_event(LOG_ERROR, "db_prepare_failed", "statement=%s reason=\"%s\"",
				  stmts[i].name, log_quote(q, sizeof(q), PQerrorMessage(conn)));
		}
		PQclear(res);
		if (!ok)
			return -EIO;
	}
	return 0;
}

/* Same key already stored: a replay of the same report (SQL_FIND_EXISTING
 * says what counts as the same), or a conflicting one. */
/* The stored row with item's idempotency key: *ret_found, and the row's id
 * and whether it holds the same report (byte-identical body, or the same
 * normalised report: docs/api.md, replays). 0, or -EIO (*ret_lost: the
 * connection failed). */
static int find_existing(PGconn *conn, const struct store_item *item, bool *ret_found,
			 long long *ret_id, bool *ret_same, bool *ret_lost)
{
	const char *const *v = item->row.v;
	const char *params[5] = {v[SCOL_PREMISES_ID], v[SCOL_CLIENT_REF], v[SCOL_VERSION],
				 v[SCOL_BODY_SHA256], v[SCOL_NORMALISED]};
	PGresult *res = PQexecPrepared(conn, "find_existing", 5, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		*ret_lost = db_result_is_connection_error(conn, res);
		PQclear(res);
		return -EIO;
	}
	*ret_found = PQntuples(res) == 1;
	if (*ret_found) {
		*ret_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		*ret_same = strcmp(PQgetvalue(res, 0, 1), "t") == 0;
	}
	PQclear(res);
	return 0;
}

/* A replay: the row its INSERT met, a duplicate or a conflict. */
static int classify_existing(PGconn *conn, struct store_item *item, bool *ret_lost)
{
	bool found = false, same = false;
	long long id = 0;
	*ret_lost = false;
	if (find_existing(conn, item, &found, &id, &same, ret_lost) < 0 || !found)
		return -EIO;
	item->id = id;
	item->status = same ? STORE_DUPLICATE : STORE_CONFLICT;
	return 0;
}

static struct store_job *as_store_job(struct write_job *job)
{
	return (struct store_job *)((char *)job - offsetof(struct store_job, job));
}

/* Rows [first, first + count) of the jobs' items, walked in order. */
struct rows {
	struct write_job *const *jobs;
	size_t n, job, item, left;
};

static void rows_start(struct rows *r, struct write_job *const *jobs, size_t n, size_t first,
		       size_t count)
{
	*r = (struct rows){.jobs = jobs, .n = n, .left = count};
	while (r->job < n && first >= as_store_job(jobs[r->job])->n)
		first -= as_store_job(jobs[r->job++])->n;
	r->item = first;
}

static struct store_item *rows_next(struct rows *r)
{
	if (r->left == 0)
		return NULL;
	while (r->item >= as_store_job(r->jobs[r->job])->n) {
		r->job++;
		r->item = 0;
	}
	r->left--;
	return &as_store_job(r->jobs[r->job])->items[r->item++];
}

static size_t total_rows(struct write_job *const *jobs, size_t n)
{
	size_t rows = 0;
	for (size_t i = 0; i < n; i++)
		rows += as_store_job(jobs[i])->n;
	return rows;
}

static size_t count_statements(struct write_job *const *jobs, size_t n)
{
	return (total_rows(jobs, n) + ROWS_PER_STATEMENT - 1) / ROWS_PER_STATEMENT;
}

static size_t rows_in(struct write_job *const *jobs, size_t n, size_t k)
{
	size_t rows = total_rows(jobs, n) - k * ROWS_PER_STATEMENT;
	return rows < ROWS_PER_STATEMENT ? rows : ROWS_PER_STATEMENT;
}

static char *put_be32(char *p, uint32_t v)
{
	v = htonl(v);
	memcpy(p, &v, 4);
	return p + 4;
}

/* Column c of the rows as a text[] in binary array format: dimensions,
 * has-nulls flag, element type, length and lower bound, then each element
 * as its length (-1: NULL) and bytes. Returns the end of what it wrote;
 * with out NULL, writes nothing and returns the size it needs. */
#define TEXT_OID 25
static size_t put_column(char *out, struct rows r, int c)
{
	size_t size = 5 * 4;
	char *p = out;
	struct store_item *it;

	if (p) {
		p = put_be32(p, 1);
		p = put_be32(p, 1);
		p = put_be32(p, TEXT_OID);
		p = put_be32(p, (uint32_t)r.left);
		p = put_be32(p, 1);
	}
	while ((it = rows_next(&r))) {
		const char *v = it->row.v[c];
		size_t len = v ? strlen(v) : 0;
		size += 4 + len;
		if (!p)
			continue;
		p = put_be32(p, v ? (uint32_t)len : 0xffffffffu);
		memcpy(p, v ? v : "", len);
		p += len;
	}
	return size;
}

/* Statement k: its rows' parameters, column by column, into one buffer
 * that lives only until libpq has copied it out. */
static int send_reports(PGconn *conn, struct write_job *const *jobs, size_t n, size_t k)
{
	const char *values[STORED_NCOLUMNS];
	int lengths[STORED_NCOLUMNS], formats[STORED_NCOLUMNS];
	size_t offsets[STORED_NCOLUMNS + 1] = {0};
	struct rows r;
	struct store_item *it;

	rows_start(&r, jobs, n, k * ROWS_PER_STATEMENT, rows_in(jobs, n, k));
	for (struct rows w = r; (it = rows_next(&w));) {
		it->status = STORE_PENDING;
		it->id = 0;
	}
	for (int c = 0; c < STORED_NCOLUMNS; c++)
		offsets[c + 1] = offsets[c] + put_column(NULL, r, c);
	if (offsets[STORED_NCOLUMNS] > INT32_MAX)
		return -EIO; /* cannot be: a batch is bounded by max_body_bytes */
	char *buf = malloc(offsets[STORED_NCOLUMNS]);
	if (!buf)
		return -EIO;
	for (int c = 0; c < STORED_NCOLUMNS; c++) {
		put_column(buf + offsets[c], r, c);
		values[c] = buf + offsets[c];
		lengths[c] = (int)(offsets[c + 1] - offsets[c]);
		formats[c] = 1;
	}
	int ok = PQsendQueryPrepared(conn, "insert_reports", STORED_NCOLUMNS, values, lengths,
				     formats, 0);
	free(buf);
	return ok ? 0 : -EIO;
}

/* Statement k's answer: (ord, id) for each row stored, in order. Rows
 * without one met an existing key: they stay pending for settle_reports. */
static int receive_reports(PGconn *conn, struct write_job *const *jobs, size_t n, size_t k,
			   const PGresult *res)
{
	struct rows r;
	struct store_item *it;
	size_t at = 1;

	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		if (!db_result_is_connection_error(conn, res)) {
			char q[300];
			log_event(LOG_ERROR, "report_insert_failed", "sqlstate=%s reason=\"%s\"",
				  PQresultErrorField(res, PG_DIAG_SQLSTATE) ?: "-",
				  log_quote(q, sizeof(q),
					    PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)));
		}
		return -EIO;
	}
	rows_start(&r, jobs, n, k * ROWS_PER_STATEMENT, rows_in(jobs, n, k));
	for (int i = 0; i < PQntuples(res); i++) {
		size_t ord = strtoull(PQgetvalue(res, i, 0), NULL, 10);
		while (at < ord && rows_next(&r))
			at++;
		if (at != ord || !(it = rows_next(&r)))
			return -EIO; /* cannot be: the answer is in order */
		at++;
		it->id = strtoll(PQgetvalue(res, i, 1), NULL, 10);
		it->status = STORE_ACCEPTED;
	}
	return 0;
}

/* After the commit: which row each replay met. That row is committed and
 * never changes (the daemon cannot UPDATE reports), so looking after the
 * commit sees what the INSERT saw. If the look-up fails the client retries,
 * and the retry is a replay again. */
static void settle_reports(PGconn *conn, struct write_job *job)
{
	struct store_job *sj = as_store_job(job);
	for (size_t i = 0; i < sj->n; i++) {
		bool lost;
		if (sj->items[i].status == STORE_PENDING &&
		    classify_existing(conn, &sj->items[i], &lost) < 0)
			sj->items[i].status = STORE_UNAVAILABLE;
	}
}

/* A batch whose COMMIT outcome is unknown, looked up again on a new
 * connection (the writer holds it in a transaction that commits only once
 * the standby has everything before it). A row with the id our INSERT
 * returned is ours (201); another with the same body was a replay (200);
 * a different body is a conflict (409); no row is 503, retry safe. */
static int recheck_reports(PGconn *conn, struct write_job *job)
{
	struct store_job *sj = as_store_job(job);
	for (size_t i = 0; i < sj->n; i++) {
		struct store_item *it = &sj->items[i];
		long long ours = it->status == STORE_ACCEPTED ? it->id : 0, id = 0;
		bool found = false, same = false, lost;
		if (find_existing(conn, it, &found, &id, &same, &lost) < 0)
			return -EIO;
		it->id = found ? id : 0;
		it->status = !found  ? STORE_UNAVAILABLE
			     : !same ? STORE_CONFLICT
			     : id == ours ? STORE_ACCEPTED
					  : STORE_DUPLICATE;
	}
	return 0;
}

static const struct write_pipeline REPORTS_PIPELINE = {
	.statements = count_statements,
	.send = send_reports,
	.receive = receive_reports,
	.settle = settle_reports,
	.recheck = recheck_reports,
};

static void fail_reports(struct write_job *job, enum store_status status)
{
	struct store_job *sj = as_store_job(job);
	for (size_t i = 0; i < sj->n; i++)
		sj->items[i].status = status;
}

void store_job_init(struct store_job *sj, struct store_item *items, size_t n,
		    void (*done)(struct write_job *, void *), void *arg)
{
	memset(&sj->pipelined, 0, sizeof(sj->pipelined));
	sj->items = items;
	sj->n = n;
	sj->pipelined.pipeline = &REPORTS_PIPELINE;
	sj->job.run = NULL;
	sj->job.fail = fail_reports;
	sj->job.done = done;
	sj->job.arg = arg;
	sj->job.weight = n;
}
