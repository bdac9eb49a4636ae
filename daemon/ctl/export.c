/* needlewatchctl export: which weeks to export, and one run per week.
 *
 * A run is recorded before it starts (needlewatch.exports, status running),
 * again once its files are in place (names and SHA-256), and when it ends;
 * so a crash leaves a row that says how far it got, and the next export
 * marks it failed. A session advisory lock keeps two exports (a cron run and
 * an operator's) from interleaving, whatever wrapper started them. Weeks are
 * exported oldest first and the run stops at the first failure, so the
 * receiver never gets a week before the one preceding it. */
#include "progress.h"
#include "export.h"
#include "util.h"
#include "ctl_db.h"
#include "deliver.h"
#include "export_args.h"
#include "export_files.h"
#include "export_html.h"
#include "export_query.h"
#include "termtext.h"
#include "week.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* pg_try_advisory_lock key: "nwexport" in ASCII, recognisable in pg_locks. */
#define EXPORT_LOCK_KEY "7959942434357473908"
/* The first --catch-up (no export has ever succeeded) goes back at most this
 * many weeks; older weeks can be exported one by one with --week. */
#define CATCH_UP_FIRST_MAX_WEEKS 52

/* ---- the ledger ---- */

static const char *const sql_try_lock = "SELECT pg_try_advisory_lock($1::bigint)";

/* Runs left 'running' died with their process: no export holds the lock. */
static const char *const sql_mark_interrupted =
    "UPDATE needlewatch.exports SET status = 'failed', finished_at = now(),"
    " error = coalesce(error, 'interrupted before it finished'),"
    " delivery_status = CASE delivery_status WHEN 'pending' THEN 'failed'"
    "  ELSE delivery_status END"
    " WHERE status = 'running'";

static const char *const sql_run_start =
    "INSERT INTO needlewatch.exports (week, iso_week, actor, out_dir, delivery_url,"
    " delivery_status) VALUES ($1::date, $2, $3, $4, $5,"
    " CASE WHEN $5::text IS NULL THEN 'not_requested' ELSE 'pending' END)"
    " RETURNING id";

static const char *const sql_run_files =
    "UPDATE needlewatch.exports SET generated_at = $2::timestamptz, csv_file = $3,"
    " csv_sha256 = $4, json_file = $5, json_sha256 = $6, html_file = $7, html_sha256 = $8"
    " WHERE id = $1::bigint";

static const char *const sql_run_delivery =
    "UPDATE needlewatch.exports SET delivery_status = $2, delivery_attempts = $3::integer,"
    " delivery_http_status = nullif($4::integer, 0), delivery_error = $5,"
    " delivered_at = CASE WHEN $2 = 'delivered' THEN now() END"
    " WHERE id = $1::bigint";

/* A run that failed before its delivery was tried has not delivered either. */
static const char *const sql_run_finish =
    "UPDATE needlewatch.exports SET status = $2, error = $3, finished_at = now(),"
    " delivery_status = CASE WHEN delivery_status = 'pending' THEN 'failed'"
    "  ELSE delivery_status END"
    " WHERE id = $1::bigint";

/* The weeks --catch-up exports, oldest first: every week from the first
 * week ever exported successfully up to $1 (the last complete week) that
 * has no successful export, so a gap left before a later --week export is
 * filled too, and every week up to $1 whose latest run did not succeed.
 * Without any successful export, from the first week with data but not
 * before $2, or just $1 when there is no data. */
static const char *const sql_catch_up =
    "WITH first_ok AS (SELECT min(week) AS week FROM needlewatch.exports"
    "  WHERE status = 'succeeded'),"
    " first_data AS (SELECT min(week) AS week FROM ("
    "  SELECT min(week) AS week FROM summary.rates_week_setting"
    "  UNION ALL SELECT min(week) FROM summary.unregistered_counts) x),"
    " latest AS (SELECT DISTINCT ON (week) week, status FROM needlewatch.exports"
    "  ORDER BY week, id DESC),"
    " start AS (SELECT coalesce((SELECT week FROM first_ok),"
    "  greatest(coalesce((SELECT week FROM first_data), $1::date), $2::date)) AS week)"
    " SELECT w::date::text FROM start,"
    "  generate_series(start.week, $1::date, interval '7 days') AS w"
    " WHERE NOT EXISTS (SELECT 1 FROM needlewatch.exports e"
    "  WHERE e.week = w::date AND e.status = 'succeeded')"
    " UNION"
    " SELECT week::text FROM latest WHERE status <> 'succeeded' AND week <= $1::date"
    " ORDER BY 1";

struct run {
	char id[24];
	char week[ISOWEEK_TEXT_LEN];
	char monday[ISOWEEK_DATE_LEN];
	char generated_at[32];
	char names[3][64];
	char paths[3][4096];
	char sha[3][EXPORT_SHA256_HEX_LEN];
	size_t bytes[3];
	const char *delivery; /* not_requested, delivered, failed */
	struct deliver_result delivered;
	char error[640]; /* ctl->err (512) and a prefix */
};

enum { FILE_CSV, FILE_JSON, FILE_HTML, N_FILES };
static const char *const file_ext[N_FILES] = {"csv", "json", "html"};
static const char *const file_type[N_FILES] = {
    "text/csv; charset=utf-8; header=present",
    "application/json",
    "text/html; charset=utf-8",
};

static int run_start(struct ctl *ctl, const struct export_args *a, struct run *run)
{
	PGresult *res = NULL;
	const char *params[] = {run->monday, run->week, ctl->actor, a->out_dir, a->deliver_url};
	int rc = ctl_db_exec(ctl, sql_run_start, 5, params, &res);
	if (rc)
		return ctl_fail(rc, "export %s: cannot record the run: %s", run->week, ctl->err);
	snprintf(run->id, sizeof(run->id), "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return 0;
}

static int run_record_files(struct ctl *ctl, struct run *run)
{
	const char *params[] = {run->id,
				run->generated_at,
				run->names[FILE_CSV],
				run->sha[FILE_CSV],
				run->names[FILE_JSON],
				run->sha[FILE_JSON],
				run->names[FILE_HTML],
				run->sha[FILE_HTML]};
	int rc = ctl_db_exec(ctl, sql_run_files, 8, params, NULL);
	if (rc)
		snprintf(run->error, sizeof(run->error), "cannot record the files: %s", ctl->err);
	return rc;
}

static int run_record_delivery(struct ctl *ctl, struct run *run)
{
	char attempts[16], status[16];
	snprintf(attempts, sizeof(attempts), "%u", run->delivered.attempts);
	snprintf(status, sizeof(status), "%ld", run->delivered.http_status);
	const char *params[] = {run->id, run->delivery, attempts, status,
				run->delivered.error[0] ? run->delivered.error : NULL};
	return ctl_db_exec(ctl, sql_run_delivery, 5, params, NULL);
}

static int run_finish(struct ctl *ctl, struct run *run, int rc)
{
	const char *params[] = {run->id, rc ? "failed" : "succeeded", rc ? run->error : NULL};
	int r = ctl_db_exec(ctl, sql_run_finish, 3, params, NULL);
	if (r)
		return ctl_fail(r, "export %s: cannot record the end of the run: %s", run->week,
				ctl->err);
	return 0;
}

/* ---- one week ---- */

static void utc_now(char *out, size_t outlen)
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, outlen, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int write_failure_code(int err)
{
	switch (err) {
	case -EACCES:
	case -EPERM:
	case -EROFS:
	case -ENOENT:
	case -ENOTDIR:
	case -ENAMETOOLONG:
		return EX_CANTCREAT;
	default:
		return EX_IOERR;
	}
}

/* Renders the three files and puts each in place; fills run's names, paths
 * and checksums. 0, or an exit code with run->error set. */
static int render_and_write(const struct export_args *a, const struct export_doc *doc,
			    struct run *run)
{
	struct export_buf bufs[N_FILES] = {{0}};
	int rc = 0;
	export_render_csv(doc, &bufs[FILE_CSV]);
	export_render_json(doc, &bufs[FILE_JSON]);
	export_render_html(doc, &bufs[FILE_HTML]);
	for (int i = 0; i < N_FILES && !rc; i++) {
		if (bufs[i].failed) {
			snprintf(run->error, sizeof(run->error), "out of memory");
			rc = EX_SOFTWARE;
			break;
		}
		/* Built in a local first: gcc's -Wrestrict cannot tell two members of
		 * *run apart and refuses the direct form under -O1. */
		char name[sizeof(run->names[i])];
		snprintf(name, sizeof(name), "needlewatch-%s.%s", run->week, file_ext[i]);
		memcpy(run->names[i], name, sizeof(name));
		snprintf(run->paths[i], sizeof(run->paths[i]), "%s/%s", a->out_dir, name);
		run->bytes[i] = bufs[i].len;
		if (export_sha256_hex(bufs[i].data, bufs[i].len, run->sha[i]) < 0) {
			snprintf(run->error, sizeof(run->error), "cannot compute SHA-256");
			rc = EX_SOFTWARE;
			break;
		}
		int r = export_write_atomic(a->out_dir, run->names[i], bufs[i].data, bufs[i].len,
					    run->error, sizeof(run->error));
		if (r < 0)
			rc = write_failure_code(r);
	}
	for (int i = 0; i < N_FILES; i++)
		export_buf_free(&bufs[i]);
	return rc;
}

/* The week's figures from db_read_conninfo when it names another database
 * than db_conninfo (a standby: a regulator's export never competes with
 * ingest), else on the owner's connection as before. The refresh and the
 * run's bookkeeping stay on the primary. */
static int load_week(struct ctl *ctl, struct iso_week w, struct export_data *d)
{
	const char *reads = ctl->cfg.db_read_conninfo, *app = ctl->cfg.db_conninfo;
	if (!reads || !app || strcmp(reads, app) == 0)
		return export_query_load(ctl, w, d);
	PGconn *primary = ctl->db;
	memset(d, 0, sizeof(*d));
	ctl->db = NULL;
	int rc = ctl_db_connect(ctl, reads);
	if (!rc)
		rc = export_query_load(ctl, w, d);
	PQfinish(ctl->db);
	ctl->db = primary;
	return rc;
}

static int write_files(struct ctl *ctl, const struct export_args *a, struct iso_week w,
		       struct run *run)
{
	struct export_data d;
	int rc = load_week(ctl, w, &d);
	if (rc) {
		snprintf(run->error, sizeof(run->error), "cannot read the summary tables: %s",
			 ctl->err);
		export_data_free(&d);
		return rc;
	}
	snprintf(d.doc.generated_at, sizeof(d.doc.generated_at), "%s", run->generated_at);
	d.doc.software_version = CTL_VERSION;
	rc = render_and_write(a, &d.doc, run);
	export_data_free(&d);
	return rc;
}

static int deliver_files(const struct export_args *a, struct run *run)
{
	struct progress pg;
	progress_init(&pg, "delivery", NULL, a->progress);
	const struct deliver_config c = {
	    .progress = &pg,
	    .url = a->deliver_url,
	    .ca_file = a->ca_file,
	    .token = a->token,
	    .connect_timeout_ms = 10 * 1000,
	    .timeout_ms = 120 * 1000,
	    .max_attempts = a->attempts,
	    .backoff = {.base_ms = 2 * 1000, .max_ms = 120 * 1000},
	};
	struct deliver_file f[N_FILES];
	for (int i = 0; i < N_FILES; i++)
		f[i] = (struct deliver_file){.part = file_ext[i],
					     .path = run->paths[i],
					     .name = run->names[i],
					     .content_type = file_type[i],
					     .sha256 = run->sha[i],
					     .bytes = run->bytes[i]};
	int r = deliver_send(&c, run->week, f, N_FILES, &run->delivered);
	run->delivery = r ? "failed" : "delivered";
	if (!r)
		return 0;
	snprintf(run->error, sizeof(run->error), "delivery failed after %u attempt%s: %s",
		 run->delivered.attempts, run->delivered.attempts == 1 ? "" : "s",
		 run->delivered.error);
	switch (r) {
	case -EAGAIN:
		return EX_UNAVAILABLE;
	case -EACCES:
		return EX_NOPERM;
	case -EPROTO:
		return EX_PROTOCOL;
	case -EINVAL:
		return EX_CONFIG;
	default:
		return EX_SOFTWARE;
	}
}

/* The week's line on stdout: what the cron wrapper logs. */
static void print_line(const struct run *run, int rc, long ms)
{
	printf("week=%s status=%s delivery=%s", run->week, rc ? "failed" : "succeeded",
	       run->delivery);
	if (strcmp(run->delivery, "not_requested") != 0)
		printf(" attempts=%u", run->delivered.attempts);
	if (run->names[FILE_HTML][0])
		printf(" files=%s,%s,%s", run->names[FILE_CSV], run->names[FILE_JSON],
		       run->names[FILE_HTML]);
	printf(" ms=%ld", ms);
	if (rc) {
		/* One line a cron wrapper logs: no quote to end the value early,
		 * nothing a terminal would act on. */
		char clean[sizeof(run->error)];
		termtext_clean(clean, sizeof(clean), run->error, /* keep_newlines= */ false);
		for (char *p = clean; *p; p++)
			if (*p == '"')
				*p = '\'';
		printf(" error=\"%s\"", clean);
	}
	putchar('\n');
	fflush(stdout);
}

static int export_week(struct ctl *ctl, const struct export_args *a, struct iso_week w)
{
	struct run run = {.delivery = a->deliver_url ? "pending" : "not_requested"};
	long long t0 = util_mono_ms();
	isoweek_format(w, run.week);
	isoweek_format_date(isoweek_monday(w), run.monday);
	utc_now(run.generated_at, sizeof(run.generated_at));

	int rc = run_start(ctl, a, &run);
	if (rc)
		return rc;
	rc = write_files(ctl, a, w, &run);
	if (!rc)
		rc = run_record_files(ctl, &run);
	if (!rc && a->deliver_url) {
		rc = deliver_files(a, &run);
		int r = run_record_delivery(ctl, &run);
		if (r && !rc) {
			snprintf(run.error, sizeof(run.error), "cannot record the delivery: %s",
				 ctl->err);
			rc = r;
		}
	}
	if (rc && strcmp(run.delivery, "pending") == 0)
		run.delivery = "failed";
	int finished = run_finish(ctl, &run, rc);
	print_line(&run, rc, (long)(util_mono_ms() - t0));
	if (rc)
		return ctl_fail(rc, "export %s: %s", run.week, run.error);
	return finished;
}

/* ---- which weeks ---- */

static int plan_catch_up(struct ctl *ctl, const struct export_args *a, struct iso_week **ret,
			 size_t *ret_n)
{
	struct iso_week last = week_last_complete(a->now);
	char last_monday[ISOWEEK_DATE_LEN], earliest[ISOWEEK_DATE_LEN];
	PGresult *res = NULL;
	isoweek_format_date(isoweek_monday(last), last_monday);
	isoweek_format_date(isoweek_monday(week_add(last, -(CATCH_UP_FIRST_MAX_WEEKS - 1))),
			    earliest);
	const char *params[] = {last_monday, earliest};
	int rc = ctl_db_exec(ctl, sql_catch_up, 2, params, &res);
	if (rc)
		return ctl_fail(rc, "export: cannot find the weeks to catch up: %s", ctl->err);
	int n = PQntuples(res);
	*ret = calloc(n ? (size_t)n : 1, sizeof(**ret));
	if (!*ret) {
		PQclear(res);
		return ctl_fail(EX_SOFTWARE, "export: out of memory");
	}
	for (int i = 0; i < n; i++) {
		long days = 0;
		isoweek_parse_date(PQgetvalue(res, i, 0), &days);
		(*ret)[i] = isoweek_of_day(days);
	}
	*ret_n = (size_t)n;
	PQclear(res);
	return 0;
}

/* The weeks to export, oldest first, into *ret (the caller frees it). */
static int plan_weeks(struct ctl *ctl, const struct export_args *a, struct iso_week **ret,
		      size_t *ret_n)
{
	if (a->catch_up)
		return plan_catch_up(ctl, a, ret, ret_n);
	struct iso_week w = a->last_week ? week_last_complete(a->now) : a->single;
	if (!week_is_complete(w, a->now)) {
		char text[ISOWEEK_TEXT_LEN], end[ISOWEEK_DATE_LEN];
		isoweek_format(w, text);
		isoweek_format_date(isoweek_monday(w) + 6, end);
		return ctl_fail(EX_DATAERR,
				"export: week %s is not over yet in Europe/London (it ends on "
				"Sunday %s); only complete weeks are exported",
				text, end);
	}
	*ret = malloc(sizeof(**ret));
	if (!*ret)
		return ctl_fail(EX_SOFTWARE, "export: out of memory");
	**ret = w;
	*ret_n = 1;
	return 0;
}

/* Takes the export lock and closes the runs an earlier crash left open. */
static int prepare(struct ctl *ctl, const struct export_args *a)
{
	PGresult *res = NULL;
	const char *params[] = {EXPORT_LOCK_KEY};
	int rc = ctl_db_exec(ctl, sql_try_lock, 1, params, &res);
	if (rc)
		return ctl_fail(rc, "export: %s", ctl->err);
	bool locked = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	if (!locked)
		return ctl_fail(EX_TEMPFAIL, "export: another export is running; try again later");
	rc = ctl_db_exec(ctl, sql_mark_interrupted, 0, NULL, NULL);
	if (rc)
		return ctl_fail(rc, "export: %s", ctl->err);
	if (!a->no_refresh && (rc = export_query_refresh(ctl)))
		return ctl_fail(rc, "export: cannot refresh the summary tables: %s", ctl->err);
	return 0;
}

static int export_weeks(struct ctl *ctl, const struct export_args *a)
{
	struct iso_week *weeks = NULL;
	size_t n = 0;
	int rc = prepare(ctl, a);
	if (!rc)
		rc = plan_weeks(ctl, a, &weeks, &n);
	if (rc)
		return rc;
	if (n == 0) {
		char last[ISOWEEK_TEXT_LEN];
		isoweek_format(week_last_complete(a->now), last);
		printf("nothing to export: every complete week up to %s has been exported\n", last);
	}
	for (size_t i = 0; i < n && !rc; i++)
		rc = export_week(ctl, a, weeks[i]);
	free(weeks);
	return rc;
}

int export_run(struct ctl *ctl, int argc, char **argv)
{
	struct export_args a;
	int rc = export_args_parse(argc, argv, &a);
	if (rc != CTL_CONTINUE)
		return rc;
	rc = 0;
	if (a.deliver_url && deliver_global_init() < 0)
		rc = ctl_fail(EX_SOFTWARE, "export: cannot initialise libcurl");
	if (!rc)
		rc = ctl_open(ctl);
	if (!rc)
		rc = export_weeks(ctl, &a);
	if (a.deliver_url)
		deliver_global_cleanup();
	export_args_free(&a);
	return rc;
}
