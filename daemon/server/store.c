/* Store: the INSERT of report versions and their complications, many per
 * statement, for the writer's group commit. */
#include "store.h"
#include "arena.h"
#include "dbpool.h"
#include "jsonesc.h"
#include "log.h"
#include "pseudonym.h"
#include "report.h"
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
	" INSERT INTO needlewatch.report_complications (premises_id, report_id, idx, type,"
	"  type_raw, complication_group, onset_days, duration_days, severity, severity_raw,"
	"  serious, outcome, outcome_raw, treatment, needs_review)"
	" SELECT f.premises_id, f.id, x.idx, x.type, x.type_raw, x.grp, x.onset_days,"
	"  x.duration_days, x.severity, x.severity_raw, x.serious, x.outcome, x.outcome_raw,"
	"  coalesce(x.treatment, '[]'::jsonb), x.needs_review"
	" FROM f, jsonb_to_recordset(f.complications::jsonb) AS x(idx smallint, type text,"
	"  type_raw text, grp text, onset_days integer, duration_days integer, severity text,"
	"  severity_raw text, serious boolean, outcome text, outcome_raw text, treatment jsonb,"
	"  needs_review boolean)"
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

static const char *nullable(const char *s)
{
	return s && *s ? s : NULL;
}

static const char *tristate_text(enum tristate t)
{
	if (t == TRI_UNKNOWN)
		return NULL;
	return t == TRI_TRUE ? "true" : "false";
}

/* JSON texts of the INSERT's jsonb parameters, written straight into the
 * request's arena: one allocation each, measured first (strings exactly,
 * numbers at their widest), so building one costs no malloc and no tree.
 * Strings are escaped by jsonesc.c (unit-tested and fuzzed there); they are
 * valid UTF-8 already (the body was). */
struct jtext {
	char *p;
};

/* The length of s as a JSON string (of null when absent). */
static size_t jstr_max(const char *s)
{
	return jsonesc_len(s);
}

static void jraw(struct jtext *t, const char *s)
{
	size_t n = strlen(s);
	memcpy(t->p, s, n);
	t->p += n;
}

static void jstr(struct jtext *t, const char *s)
{
	t->p = jsonesc_write(t->p, s);
}

/* A string, or null when absent or empty. */
static void jnullable(struct jtext *t, const char *key, const char *s)
{
	jraw(t, key);
	if (s && *s)
		jstr(t, s);
	else
		jraw(t, "null");
}

static void jint_or_null(struct jtext *t, const char *key, int v)
{
	char num[16];
	jraw(t, key);
	snprintf(num, sizeof(num), "%d", v);
	jraw(t, v >= 0 ? num : "null");
}

static size_t list_max(const struct string_list *l)
{
	size_t n = 2;
	for (size_t i = 0; i < l->n; i++)
		n += 1 + jstr_max(l->v[i]);
	return n;
}

static void jlist(struct jtext *t, const struct string_list *l)
{
	*t->p++ = '[';
	for (size_t i = 0; i < l->n; i++) {
		if (i)
			*t->p++ = ',';
		jstr(t, l->v[i]);
	}
	*t->p++ = ']';
}

/* A JSON array text of strings, in the arena. */
static const char *list_json(struct arena *a, const struct string_list *l)
{
	struct jtext t = {arena_alloc(a, list_max(l) + 1)};
	const char *out = t.p;
	if (!out)
		return NULL;
	jlist(&t, l);
	*t.p = '\0';
	return out;
}

/* What the complications' jsonb_to_recordset reads: keys are its columns.
 * 256 holds the keys, punctuation and numbers. */
static size_t complication_max(const struct complication *c)
{
	return 256 + jstr_max(c->type.code) + jstr_max(c->type.raw) + jstr_max(c->group) +
	       jstr_max(c->severity.code) + jstr_max(c->severity.raw) + jstr_max(c->outcome.code) +
	       jstr_max(c->outcome.raw) + list_max(&c->treatment);
}

static void complication_json(struct jtext *t, const struct complication *c, size_t idx)
{
	char num[32];
	snprintf(num, sizeof(num), "{\"idx\":%zu", idx);
	jraw(t, num);
	jraw(t, ",\"type\":");
	jstr(t, c->type.code);
	jnullable(t, ",\"type_raw\":", c->type.raw);
	jraw(t, ",\"grp\":");
	jstr(t, c->group);
	jint_or_null(t, ",\"onset_days\":", c->onset_days);
	jint_or_null(t, ",\"duration_days\":", c->duration_days);
	jnullable(t, ",\"severity\":", c->severity.code);
	jnullable(t, ",\"severity_raw\":", c->severity.raw);
	jraw(t, ",\"serious\":");
	jraw(t, c->serious == TRI_UNKNOWN ? "null" : c->serious == TRI_TRUE ? "true" : "false");
	jnullable(t, ",\"outcome\":", c->outcome.code);
	jnullable(t, ",\"outcome_raw\":", c->outcome.raw);
	jraw(t, ",\"treatment\":");
	jlist(t, &c->treatment);
	jraw(t, ",\"needs_review\":");
	jraw(t, c->type.needs_review || c->severity.needs_review || c->outcome.needs_review
		    ? "true}"
		    : "false}");
}

static const char *complications_json(struct arena *a, const struct report *r)
{
	size_t max = 3;
	for (size_t i = 0; i < r->n_complications; i++)
		max += 1 + complication_max(&r->complications[i]);
	struct jtext t = {arena_alloc(a, max)};
	const char *out = t.p;
	if (!out)
		return NULL;
	*t.p++ = '[';
	for (size_t i = 0; i < r->n_complications; i++) {
		if (i)
			*t.p++ = ',';
		complication_json(&t, &r->complications[i], i);
	}
	*t.p++ = ']';
	*t.p = '\0';
	return out;
}

static void fill_procedure(const char **p, struct arena *a, const struct report *r)
{
	const struct procedure *pr = &r->procedure;
	p[7] = pr->date;
	p[8] = pr->type.code[0] ? pr->type.code : "microneedling";
	p[9] = pr->type.raw;
	p[11] = nullable(pr->setting.code);
	p[12] = pr->setting.raw;
	p[13] = nullable(pr->practitioner_role.code);
	p[14] = pr->practitioner_role.raw;
	p[15] = tristate_text(pr->medically_trained);
	p[16] = nullable(pr->device.code);
	p[17] = pr->device.raw;
	p[18] = pr->needle_depth_mm >= 0 ? arena_printf(a, "%.2f", pr->needle_depth_mm) : NULL;
	p[19] = list_json(a, &pr->areas);
	p[20] = list_json(a, &pr->products);
	p[21] = tristate_text(pr->sterile_single_use_cartridge);
	p[22] = tristate_text(pr->antiviral_prophylaxis);
}

static void fill_patient(const char **p, struct arena *a, const struct report *r)
{
	const struct patient *pt = &r->patient;
	p[23] = pt->age_band;
	p[24] = nullable(pt->sex.code);
	p[25] = pt->fitzpatrick ? arena_printf(a, "%d", pt->fitzpatrick) : NULL;
	p[26] = list_json(a, &pt->history);
	p[27] = pt->has_ref ? pt->pseudonym : NULL;
	p[28] = pt->postcode_district;
	p[29] = pt->postcode_area;
	p[30] = pt->region;
}

int store_item_init(struct store_item *item, struct arena *a, const struct report *r,
		    const struct store_origin *o, const char *body, const char *normalised,
		    const char *warnings)
{
	const char **p = item->params;
	char hash[65];

	memset(item, 0, sizeof(*item));
	if (sha256_hex(body, strlen(body), hash) < 0)
		return -EIO;
	p[0] = arena_printf(a, "%lld", o->premises_id);
	p[1] = arena_printf(a, "%lld", o->account_id);
	p[2] = r->client_ref;
	p[3] = arena_printf(a, "%d", r->version);
	p[4] = o->format;
	p[5] = o->procedure_premises_id ? arena_printf(a, "%lld", o->procedure_premises_id) : NULL;
	p[6] = r->procedure.premises_code;
	p[10] = o->setting;
	fill_procedure(p, a, r);
	fill_patient(p, a, r);
	p[31] = r->reporter_role;
	p[32] = r->needs_review ? "true" : "false";
	p[33] = body;
	p[34] = arena_strdup(a, hash);
	p[35] = normalised;
	p[36] = warnings;
	p[37] = complications_json(a, r);
	if (!p[0] || !p[1] || !p[3] || !p[19] || !p[20] || !p[26] || !p[34] || !p[37])
		return -ENOMEM;
	return 0;
}

int store_prepare(PGconn *conn)
{
	static const struct {
		const char *name, *sql;
		int nparams;
	} stmts[] = {
		{"insert_reports", SQL_INSERT_REPORTS, STORE_NPARAMS},
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
static int classify_existing(PGconn *conn, struct store_item *item, bool *ret_lost)
{
	const char *params[5] = {item->params[0], item->params[2], item->params[3],
				 item->params[34], item->params[35]};
	PGresult *res = PQexecPrepared(conn, "find_existing", 5, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		*ret_lost = db_result_is_connection_error(conn, res);
		PQclear(res);
		return -EIO;
	}
	item->id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	bool same = strcmp(PQgetvalue(res, 0, 1), "t") == 0;
	item->status = same ? STORE_DUPLICATE : STORE_CONFLICT;
	PQclear(res);
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
		const char *v = it->params[c];
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
	const char *values[STORE_NPARAMS];
	int lengths[STORE_NPARAMS], formats[STORE_NPARAMS];
	size_t offsets[STORE_NPARAMS + 1] = {0};
	struct rows r;
	struct store_item *it;

	rows_start(&r, jobs, n, k * ROWS_PER_STATEMENT, rows_in(jobs, n, k));
	for (struct rows w = r; (it = rows_next(&w));) {
		it->status = STORE_PENDING;
		it->id = 0;
	}
	for (int c = 0; c < STORE_NPARAMS; c++)
		offsets[c + 1] = offsets[c] + put_column(NULL, r, c);
	if (offsets[STORE_NPARAMS] > INT32_MAX)
		return -EIO; /* cannot be: a batch is bounded by max_body_bytes */
	char *buf = malloc(offsets[STORE_NPARAMS]);
	if (!buf)
		return -EIO;
	for (int c = 0; c < STORE_NPARAMS; c++) {
		put_column(buf + offsets[c], r, c);
		values[c] = buf + offsets[c];
		lengths[c] = (int)(offsets[c + 1] - offsets[c]);
		formats[c] = 1;
	}
	int ok = PQsendQueryPrepared(conn, "insert_reports", STORE_NPARAMS, values, lengths,
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
		long long ours = it->status == STORE_ACCEPTED ? it->id : 0;
		/* The same key and comparison as classify_existing(). */
		const char *params[5] = {it->params[0], it->params[2], it->params[3],
					 it->params[34], it->params[35]};
		PGresult *res = PQexecPrepared(conn, "find_existing", 5, params, NULL, NULL, 0);
		if (PQresultStatus(res) != PGRES_TUPLES_OK) {
			PQclear(res);
			return -EIO;
		}
		it->status = STORE_UNAVAILABLE;
		it->id = 0;
		if (PQntuples(res) == 1) {
			it->id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
			bool same = strcmp(PQgetvalue(res, 0, 1), "t") == 0;
			it->status = !same ? STORE_CONFLICT
				     : it->id == ours ? STORE_ACCEPTED
						      : STORE_DUPLICATE;
		}
		PQclear(res);
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
