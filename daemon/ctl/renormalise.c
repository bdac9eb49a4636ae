/* needlewatchctl renormalise: re-normalisation of stored reports, in batches.
 *
 * Design: keyset pagination over reports' primary key (premises_id, id);
 * each batch is one transaction that updates the rows whose normalised form
 * or warnings differ, replaces their complication rows, and moves the run's
 * cursor in schema/003's renormalise_runs — so a run stopped at any moment
 * (Ctrl-C, a lost connection, --limit) resumes after the last committed
 * batch, and nothing is done twice. A run belongs to one vocabulary (its
 * SHA-256): resuming with another starts over, since rows already done
 * would otherwise keep the older mapping. An advisory lock keeps two runs
 * from interleaving. The columns are the re-derived row's, made the way the
 * daemon makes them (core/stored_report.c), so a renormalised row is the
 * row the daemon would store today. */
#include "renormalise.h"
#include "util.h"
#include "arena.h"
#include "ctl_db.h"
#include "pseudonym.h"
#include "rederive.h"
#include "stored_report.h"
#include "region.h"
#include "termtext.h"
#include "vocab.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BATCH_DEFAULT 500
#define BATCH_MAX 10000
#define VOCAB_FILE_MAX (16 * 1024 * 1024)

static const char *const SQL_LOCK =
    "SELECT pg_try_advisory_lock(hashtext('needlewatch renormalise'))";
static const char *const SQL_OPEN_RUN =
    "SELECT id, vocabulary_sha256, after_premises_id, after_id, examined, changed, failed"
    " FROM needlewatch.renormalise_runs WHERE finished_at IS NULL";
static const char *const SQL_NEW_RUN =
    "INSERT INTO needlewatch.renormalise_runs (actor, vocabulary_sha256) VALUES ($1, $2)"
    " RETURNING id";
static const char *const SQL_ABANDON_RUN =
    "UPDATE needlewatch.renormalise_runs SET finished_at = now(), updated_at = now()"
    " WHERE id = $1";
static const char *const SQL_ADVANCE_RUN =
    "UPDATE needlewatch.renormalise_runs SET after_premises_id = $2, after_id = $3,"
    " examined = examined + $4, changed = changed + $5, failed = failed + $6,"
    " updated_at = now(), finished_at = CASE WHEN $7 THEN now() END"
    " WHERE id = $1 RETURNING examined, changed, failed";
static const char *const SQL_BATCH =
    "SELECT r.premises_id, r.id, r.format, r.body, r.procedure_premises_id, p.setting,"
    " r.patient_pseudonym"
    " FROM needlewatch.reports r LEFT JOIN needlewatch.premises p ON p.id = r.procedure_premises_id"
    " WHERE (r.premises_id, r.id) > ($1, $2)"
    " ORDER BY r.premises_id, r.id LIMIT $3";
/* The UPDATE of one report: every column stored_column_rederived() names,
 * in enum stored_column's order, from the re-derived row, so the list of
 * columns is stored_report.h's and not typed again here. $1, $2 name the
 * row; $3.. are those columns. A row whose normalised form and warnings are
 * unchanged is not touched (and not counted). Each value's type is the
 * column's, inferred by PostgreSQL from the assignment, as the daemon's
 * INSERT casts it. Built once per run, from the constant column names
 * only: every value is a parameter. */
struct update_stmt {
	char sql[2048];
	enum stored_column cols[STORED_NCOLUMNS];
	int ncols;
};

static int update_add(struct update_stmt *u, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int update_add(struct update_stmt *u, size_t *len, const char *fmt, ...)
{
	size_t cap = sizeof(u->sql);
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(u->sql + *len, cap - *len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= cap - *len)
		return -ENAMETOOLONG;
	*len += (size_t)n;
	return 0;
}

/* 0, or -ENAMETOOLONG should the statement outgrow u->sql. */
static int update_build(struct update_stmt *u)
{
	size_t len = 0;
	int normalised = 0, warnings = 0;
	int rc = update_add(u, &len, "UPDATE needlewatch.reports r SET");
	u->ncols = 0;
	for (int c = 0; c < STORED_NCOLUMNS && !rc; c++) {
		if (!stored_column_rederived((enum stored_column)c))
			continue;
		int param = 3 + u->ncols;
		normalised = c == SCOL_NORMALISED ? param : normalised;
		warnings = c == SCOL_WARNINGS ? param : warnings;
		u->cols[u->ncols++] = (enum stored_column)c;
		rc = update_add(u, &len, "%s %s = $%d", u->ncols > 1 ? "," : "",
				stored_column_names[c], param);
	}
	if (!rc && (!normalised || !warnings))
		rc = -EINVAL; /* the comparison below needs both */
	if (!rc)
		rc = update_add(u, &len,
				" WHERE r.premises_id = $1 AND r.id = $2"
				"  AND (r.normalised IS DISTINCT FROM $%d::jsonb"
				" OR r.warnings IS DISTINCT FROM $%d::jsonb)"
				" RETURNING r.id",
				normalised, warnings);
	return rc;
}
static const char *const SQL_DELETE_COMPLICATIONS =
    "DELETE FROM needlewatch.report_complications WHERE premises_id = $1 AND report_id = $2";
/* The complications' rows as the daemon's INSERT writes them. */
static const char *const SQL_INSERT_COMPLICATIONS =
    "INSERT INTO needlewatch.report_complications" STORED_COMPLICATION_TARGET
    " SELECT $1, $2," STORED_COMPLICATION_VALUES
    " FROM jsonb_to_recordset($3::jsonb) AS" STORED_COMPLICATION_RECORD;

struct renorm_args {
	const char *batch, *limit;
	bool restart, dry_run;
};

struct renorm {
	struct ctl *ctl;
	struct vocab *vocab;
	struct region_table *regions;
	struct rederive_ctx rctx; /* reads the two above */
	char vocab_sha[65];
	char run_id[24]; /* "" in a dry run */
	char after_premises[24], after_id[24];
	long long batch, limit;
	bool dry_run;
	struct update_stmt update;
	long long examined, changed, failed;		       /* this invocation */
	long long total_examined, total_changed, total_failed; /* the run's */
};

static void store_option(void *state, int c, const char *arg)
{
	struct renorm_args *a = state;
	switch (c) {
	case 'b':
		a->batch = arg;
		break;
	case 'l':
		a->limit = arg;
		break;
	case 'r':
		a->restart = true;
		break;
	case 'n':
		a->dry_run = true;
		break;
	}
}

/* The vocabulary and its SHA-256, from the configured file. */
static int load_vocabulary(struct renorm *rn, char *err, size_t errlen)
{
	const struct config *cfg = &rn->ctl->cfg;
	char *buf = NULL;
	size_t n = 0;
	int rc = util_read_file(cfg->vocabulary_file, VOCAB_FILE_MAX, 0, &buf, &n);
	if (rc == 0 && sha256_hex(buf, n, rn->vocab_sha) < 0)
		rc = -EIO;
	free(buf);
	if (rc < 0) {
		snprintf(err, errlen, "%s: cannot read", cfg->vocabulary_file);
		return rc;
	}
	rn->rctx.vocab = rn->vocab = vocab_load(cfg->vocabulary_file, err, errlen);
	if (!rn->vocab)
		return -EINVAL;
	rn->rctx.regions = rn->regions = region_load(cfg->postcode_regions_file, err, errlen);
	return rn->regions ? 0 : -EINVAL;
}

static const char *value(PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

/* Resumes the unfinished run of this vocabulary, or begins a new one. */
static int start_run(struct renorm *rn, bool restart)
{
	struct ctl *ctl = rn->ctl;
	PGresult *res = NULL;
	const char *params[2] = {ctl->actor, rn->vocab_sha};
	int rc = ctl_db_exec(ctl, SQL_OPEN_RUN, 0, NULL, &res);

	snprintf(rn->after_premises, sizeof(rn->after_premises), "0");
	snprintf(rn->after_id, sizeof(rn->after_id), "0");
	if (rc)
		return rc;
	if (PQntuples(res) == 1 && !restart && strcmp(PQgetvalue(res, 0, 1), rn->vocab_sha) == 0) {
		snprintf(rn->run_id, sizeof(rn->run_id), "%s", PQgetvalue(res, 0, 0));
		snprintf(rn->after_premises, sizeof(rn->after_premises), "%s",
			 PQgetvalue(res, 0, 2));
		snprintf(rn->after_id, sizeof(rn->after_id), "%s", PQgetvalue(res, 0, 3));
		rn->total_examined = atoll(PQgetvalue(res, 0, 4));
		printf("renormalise: resuming run %s after report %s/%s (%s examined so far)\n",
		       rn->run_id, rn->after_premises, rn->after_id, PQgetvalue(res, 0, 4));
		PQclear(res);
		return 0;
	}
	if (PQntuples(res) == 1) {
		const char *old[1] = {PQgetvalue(res, 0, 0)};
		printf("renormalise: run %s %s; starting over\n", old[0],
		       restart ? "abandoned (--restart)" : "was for another vocabulary");
		rc = ctl_db_exec(ctl, SQL_ABANDON_RUN, 1, old, NULL);
	}
	PQclear(res);
	res = NULL;
	if (!rc)
		rc = ctl_db_exec(ctl, SQL_NEW_RUN, 2, params, &res);
	if (!rc)
		snprintf(rn->run_id, sizeof(rn->run_id), "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return rc;
}

/* One stored report: re-derived and, when different, updated. A report that
 * can no longer be derived is left as it was, and said so. */
static int process_row(struct renorm *rn, struct arena *a, PGresult *res, int i, long long *changed,
		       long long *failed)
{
	const char *pid = PQgetvalue(res, i, 0), *id = PQgetvalue(res, i, 1);
	const char *premises_id = value(res, i, 4);
	struct rederive_source s = {
	    .format = PQgetvalue(res, i, 2),
	    .body = PQgetvalue(res, i, 3),
	    .procedure_premises_id = premises_id ? atoll(premises_id) : 0,
	    .premises_setting = value(res, i, 5),
	    .pseudonym = value(res, i, 6),
	};
	struct stored_row row = {{NULL}};
	const struct update_stmt *u = &rn->update;
	const char *params[2 + STORED_NCOLUMNS] = {pid, id};
	char why[200];
	PGresult *upd = NULL;

	int rc = rederive_report(&rn->rctx, &s, a, &row, why, sizeof(why));
	if (rc == -ENOMEM) {
		snprintf(rn->ctl->err, sizeof(rn->ctl->err), "out of memory");
		return EX_SOFTWARE;
	}
	if (rc < 0) {
		char clean[sizeof(why)];
		fprintf(stderr, "%s: renormalise: report %s/%s left as it was: %s\n", CTL_PROGRAM,
			pid, id, termtext_clean(clean, sizeof(clean), why, false));
		(*failed)++;
		return 0;
	}
	for (int c = 0; c < u->ncols; c++)
		params[2 + c] = row.v[u->cols[c]];
	rc = ctl_db_exec(rn->ctl, u->sql, 2 + u->ncols, params, &upd);
	bool is_changed = !rc && PQntuples(upd) == 1;
	PQclear(upd);
	if (!rc && is_changed)
		rc = ctl_db_exec(rn->ctl, SQL_DELETE_COMPLICATIONS, 2, params, NULL);
	params[2] = row.v[SCOL_COMPLICATIONS];
	if (!rc && is_changed)
		rc = ctl_db_exec(rn->ctl, SQL_INSERT_COMPLICATIONS, 3, params, NULL);
	if (rc)
		return rc; /* the reason is in ctl->err */
	*changed += is_changed;
	return 0;
}

/* Moves the run's cursor and counters, in the batch's transaction. */
static int advance(struct renorm *rn, long long n, long long changed, long long failed, bool done)
{
	char sn[24], sc[24], sf[24];
	PGresult *res = NULL;
	const char *params[7] = {rn->run_id, rn->after_premises,     rn->after_id, sn, sc,
				 sf,	     done ? "true" : "false"};

	snprintf(sn, sizeof(sn), "%lld", n);
	snprintf(sc, sizeof(sc), "%lld", changed);
	snprintf(sf, sizeof(sf), "%lld", failed);
	int rc = ctl_db_exec(rn->ctl, SQL_ADVANCE_RUN, 7, params, &res);
	if (!rc) {
		rn->total_examined = atoll(PQgetvalue(res, 0, 0));
		rn->total_changed = atoll(PQgetvalue(res, 0, 1));
		rn->total_failed = atoll(PQgetvalue(res, 0, 2));
	}
	PQclear(res);
	if (!rc && done) {
		cJSON *d = cJSON_CreateObject();
		cJSON_AddNumberToObject(d, "run", (double)atoll(rn->run_id));
		cJSON_AddNumberToObject(d, "examined", (double)rn->total_examined);
		cJSON_AddNumberToObject(d, "changed", (double)rn->total_changed);
		cJSON_AddNumberToObject(d, "failed", (double)rn->total_failed);
		cJSON_AddStringToObject(d, "vocabulary_sha256", rn->vocab_sha);
		rc = ctl_db_audit(rn->ctl, "renormalise", d);
		cJSON_Delete(d);
	}
	return rc;
}

/* One batch, one transaction. *ret_more: rows may remain after it. */
static int run_batch(struct renorm *rn, bool *ret_more)
{
	long long want = rn->batch, changed = 0, failed = 0;
	char slimit[24];
	PGresult *res = NULL;

	if (rn->limit && rn->limit - rn->examined < want)
		want = rn->limit - rn->examined;
	snprintf(slimit, sizeof(slimit), "%lld", want);
	const char *params[3] = {rn->after_premises, rn->after_id, slimit};
	int rc = ctl_db_begin(rn->ctl);
	if (!rc)
		rc = ctl_db_exec(rn->ctl, SQL_BATCH, 3, params, &res);
	if (rc) {
		ctl_db_rollback(rn->ctl);
		return ctl_fail(rc, "renormalise: %s", rn->ctl->err);
	}
	int n = PQntuples(res);
	struct arena *a = arena_new();
	for (int i = 0; a && !rc && i < n; i++)
		rc = process_row(rn, a, res, i, &changed, &failed);
	arena_free(a);
	if (!a) {
		snprintf(rn->ctl->err, sizeof(rn->ctl->err), "out of memory");
		rc = EX_SOFTWARE;
	}
	if (n > 0) {
		snprintf(rn->after_premises, sizeof(rn->after_premises), "%s",
			 PQgetvalue(res, n - 1, 0));
		snprintf(rn->after_id, sizeof(rn->after_id), "%s", PQgetvalue(res, n - 1, 1));
	}
	PQclear(res);
	*ret_more = n == want;
	if (!rc && !rn->dry_run)
		rc = advance(rn, n, changed, failed, n < want);
	if (rc || rn->dry_run) {
		ctl_db_rollback(rn->ctl);
		if (rc)
			return ctl_fail(rc, "renormalise: %s", rn->ctl->err);
	} else if ((rc = ctl_db_commit(rn->ctl)) != 0) {
		return ctl_fail(rc, "renormalise: %s", rn->ctl->err);
	}
	rn->examined += n;
	rn->changed += changed;
	rn->failed += failed;
	if (isatty(STDERR_FILENO))
		fprintf(stderr, "renormalise: %lld examined, %lld changed\r", rn->examined,
			rn->changed);
	return 0;
}

static int parse_args(int argc, char **argv, struct renorm_args *a, struct renorm *rn)
{
	static const struct option opts[] = {
	    {"batch-size", required_argument, NULL, 'b'},
	    {"limit", required_argument, NULL, 'l'},
	    {"restart", no_argument, NULL, 'r'},
	    {"dry-run", no_argument, NULL, 'n'},
	    CTL_OPTION_HELP,
	    CTL_OPTION_END,
	};
	int first = 0;
	int rc = ctl_parse_options("renormalise", argc, argv, opts, store_option, a, &first);

	if (rc != CTL_CONTINUE)
		return rc;
	if (first < argc)
		return ctl_usage_error("renormalise", "unexpected argument '%s'", argv[first]);
	rn->batch = BATCH_DEFAULT;
	if (a->batch && (ctl_parse_id(a->batch, &rn->batch) < 0 || rn->batch > BATCH_MAX))
		return ctl_usage_error("renormalise", "--batch-size must be 1 to %d", BATCH_MAX);
	if (a->limit && ctl_parse_id(a->limit, &rn->limit) < 0)
		return ctl_usage_error("renormalise", "--limit must be a positive number");
	if (a->dry_run && a->restart)
		return ctl_usage_error("renormalise",
				       "--dry-run leaves runs alone; drop --restart");
	rn->dry_run = a->dry_run;
	return CTL_CONTINUE;
}

static int lock(struct renorm *rn)
{
	PGresult *res = NULL;
	int rc = ctl_db_exec(rn->ctl, SQL_LOCK, 0, NULL, &res);
	bool got = !rc && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	if (rc)
		return ctl_fail(rc, "renormalise: %s", rn->ctl->err);
	if (!got)
		return ctl_fail(EX_TEMPFAIL, "renormalise: another renormalise is running");
	return 0;
}

static void report(const struct renorm *rn, bool more)
{
	if (rn->dry_run) {
		printf("renormalise: dry run: %lld reports examined, %lld would change, "
		       "%lld could not be re-derived\n",
		       rn->examined, rn->changed, rn->failed);
		return;
	}
	printf("renormalise: %lld reports examined, %lld changed, %lld could not be re-derived\n",
	       rn->examined, rn->changed, rn->failed);
	if (more)
		printf("renormalise: run %s paused at --limit after report %s/%s; "
		       "run again to continue\n",
		       rn->run_id, rn->after_premises, rn->after_id);
	else
		printf("renormalise: run %s finished: %lld examined, %lld changed in all\n",
		       rn->run_id, rn->total_examined, rn->total_changed);
}

int renormalise_run(struct ctl *ctl, int argc, char **argv)
{
	struct renorm_args a = {0};
	struct renorm rn = {.ctl = ctl};
	char err[512];
	bool more = true;
	int rc = parse_args(argc, argv, &a, &rn);

	if (rc != CTL_CONTINUE)
		return rc;
	rc = ctl_open(ctl);
	if (rc)
		return rc;
	util_today_utc(rn.rctx.today);
	if (update_build(&rn.update) < 0) {
		rc = ctl_fail(EX_SOFTWARE, "renormalise: the UPDATE statement does not fit");
		goto out;
	}
	if (load_vocabulary(&rn, err, sizeof(err)) < 0) {
		rc = ctl_fail(EX_CONFIG, "renormalise: %s", err);
		goto out;
	}
	rc = lock(&rn);
	if (!rc && !rn.dry_run && (rc = start_run(&rn, a.restart)) != 0)
		rc = ctl_fail(rc, "renormalise: %s", ctl->err);
	if (!rc && rn.dry_run) {
		snprintf(rn.after_premises, sizeof(rn.after_premises), "0");
		snprintf(rn.after_id, sizeof(rn.after_id), "0");
	}
	while (!rc && more && (!rn.limit || rn.examined < rn.limit))
		rc = run_batch(&rn, &more);
	if (isatty(STDERR_FILENO))
		fputc('\n', stderr);
	if (!rc) {
		report(&rn, more);
		if (rn.failed)
			rc = EX_DATAERR;
	}
out:
	vocab_free(rn.vocab);
	region_free(rn.regions);
	return rc;
}
