/* Store: one INSERT per report version, its complications in the same
 * statement, sent by the writer in a pipeline with the rest of its batch. */
#include "store.h"
#include "arena.h"
#include "dbpool.h"
#include "log.h"
#include "pseudonym.h"
#include "report.h"
#include "writer.h"

#include <cJSON.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* Report and complications in one round trip: the data-modifying CTE runs
 * whether or not the outer query reads it. ON CONFLICT DO NOTHING turns a
 * replay into "no row returned" instead of an error that would abort the
 * whole group-commit transaction. */
static const char *const SQL_INSERT_REPORT =
	"WITH r AS ("
	" INSERT INTO needlewatch.reports (premises_id, account_id, client_ref, version, format,"
	"  procedure_premises_id, procedure_premises_code, procedure_date, procedure_type,"
	"  procedure_type_raw, setting, setting_reported, setting_raw, practitioner_role,"
	"  practitioner_role_raw, medically_trained, device, device_raw, needle_depth_mm, areas,"
	"  products, sterile_single_use_cartridge, antiviral_prophylaxis, age_band, sex,"
	"  fitzpatrick, history, patient_pseudonym, postcode_district, postcode_area, region,"
	"  reporter_role, needs_review, body, body_sha256, normalised, warnings)"
	" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,"
	"  $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32, $33, $34,"
	"  $35, $36, $37)"
	" ON CONFLICT (premises_id, client_ref, version) DO NOTHING"
	" RETURNING premises_id, id"
	"), c AS ("
	" INSERT INTO needlewatch.report_complications (premises_id, report_id, idx, type,"
	"  type_raw, complication_group, onset_days, duration_days, severity, severity_raw,"
	"  serious, outcome, outcome_raw, treatment, needs_review)"
	" SELECT r.premises_id, r.id, x.idx, x.type, x.type_raw, x.grp, x.onset_days,"
	"  x.duration_days, x.severity, x.severity_raw, x.serious, x.outcome, x.outcome_raw,"
	"  coalesce(x.treatment, '[]'::jsonb), x.needs_review"
	" FROM r, jsonb_to_recordset($38::jsonb) AS x(idx smallint, type text, type_raw text,"
	"  grp text, onset_days integer, duration_days integer, severity text, severity_raw text,"
	"  serious boolean, outcome text, outcome_raw text, treatment jsonb, needs_review boolean)"
	")"
	" SELECT id FROM r";

static const char *const SQL_FIND_EXISTING =
	"SELECT id, body_sha256 FROM needlewatch.reports"
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

/* A JSON array text of strings, in the arena. */
static const char *list_json(struct arena *a, const struct string_list *l)
{
	cJSON *arr = cJSON_CreateArray();
	if (!arr)
		return NULL;
	for (size_t i = 0; i < l->n; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(l->v[i]));
	char *s = cJSON_PrintUnformatted(arr);
	cJSON_Delete(arr);
	if (!s)
		return NULL;
	const char *out = arena_strdup(a, s);
	free(s);
	return out;
}

static void add_nullable(cJSON *o, const char *key, const char *s)
{
	if (s && *s)
		cJSON_AddStringToObject(o, key, s);
	else
		cJSON_AddNullToObject(o, key);
}

static void add_int_or_null(cJSON *o, const char *key, int v)
{
	if (v >= 0)
		cJSON_AddNumberToObject(o, key, v);
	else
		cJSON_AddNullToObject(o, key);
}

static cJSON *complication_json(const struct complication *c, size_t idx)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	cJSON_AddNumberToObject(o, "idx", (double)idx);
	cJSON_AddStringToObject(o, "type", c->type.code);
	add_nullable(o, "type_raw", c->type.raw);
	cJSON_AddStringToObject(o, "grp", c->group);
	add_int_or_null(o, "onset_days", c->onset_days);
	add_int_or_null(o, "duration_days", c->duration_days);
	add_nullable(o, "severity", c->severity.code);
	add_nullable(o, "severity_raw", c->severity.raw);
	if (c->serious == TRI_UNKNOWN)
		cJSON_AddNullToObject(o, "serious");
	else
		cJSON_AddBoolToObject(o, "serious", c->serious == TRI_TRUE);
	add_nullable(o, "outcome", c->outcome.code);
	add_nullable(o, "outcome_raw", c->outcome.raw);
	cJSON *t = cJSON_AddArrayToObject(o, "treatment");
	for (size_t i = 0; t && i < c->treatment.n; i++)
		cJSON_AddItemToArray(t, cJSON_CreateString(c->treatment.v[i]));
	cJSON_AddBoolToObject(o, "needs_review", c->type.needs_review ||
				 c->severity.needs_review || c->outcome.needs_review);
	return o;
}

static const char *complications_json(struct arena *a, const struct report *r)
{
	cJSON *arr = cJSON_CreateArray();
	if (!arr)
		return NULL;
	for (size_t i = 0; i < r->n_complications; i++)
		cJSON_AddItemToArray(arr, complication_json(&r->complications[i], i));
	char *s = cJSON_PrintUnformatted(arr);
	cJSON_Delete(arr);
	if (!s)
		return NULL;
	const char *out = arena_strdup(a, s);
	free(s);
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
		{"insert_report", SQL_INSERT_REPORT, STORE_NPARAMS},
		{"find_existing", SQL_FIND_EXISTING, 3},
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

/* Same key already stored: a replay of the same body, or a conflicting one. */
static int classify_existing(PGconn *conn, struct store_item *item, bool *ret_lost)
{
	const char *params[3] = {item->params[0], item->params[2], item->params[3]};
	PGresult *res = PQexecPrepared(conn, "find_existing", 3, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		*ret_lost = db_result_is_connection_error(conn, res);
		PQclear(res);
		return -EIO;
	}
	item->id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	bool same = strcmp(PQgetvalue(res, 0, 1), item->params[34]) == 0;
	item->status = same ? STORE_DUPLICATE : STORE_CONFLICT;
	PQclear(res);
	return 0;
}

static struct store_job *as_store_job(struct write_job *job)
{
	return (struct store_job *)((char *)job - offsetof(struct store_job, job));
}

static int send_report(PGconn *conn, struct write_job *job, size_t i)
{
	struct store_item *item = &as_store_job(job)->items[i];
	item->status = STORE_PENDING;
	item->id = 0;
	if (!PQsendQueryPrepared(conn, "insert_report", STORE_NPARAMS, item->params, NULL, NULL, 0))
		return -EIO;
	return 0;
}

/* The INSERT's answer: the new row's id, or no row when the key was taken
 * (left pending for settle_reports). */
static int receive_report(PGconn *conn, struct write_job *job, size_t i, const PGresult *res)
{
	struct store_item *item = &as_store_job(job)->items[i];
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
	if (PQntuples(res) == 1) {
		item->id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		item->status = STORE_ACCEPTED;
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

static const struct write_pipeline REPORTS_PIPELINE = {
	.send = send_report,
	.receive = receive_report,
	.settle = settle_reports,
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
