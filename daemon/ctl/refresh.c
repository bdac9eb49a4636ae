/* needlewatchctl refresh: the same refresh needlewatchd runs on its timer,
 * on demand (after a bulk load, before an export, in tests). */
#include "refresh.h"
#include "ctl_db.h"
#include "progress.h"
#include "refresh_audit.h"

#include <stdlib.h>
#include <time.h>

struct refresh_args {
	bool full;
	bool progress;
};

static void store_option(void *state, int c, const char *arg)
{
	struct refresh_args *a = state;
	(void)arg;
	if (c == 'f')
		a->full = true;
	else if (c == 'p')
		a->progress = true;
}

static void audit_progress(void *arg, long done, long total)
{
	progress_report(arg, done, total);
}

static double mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

int refresh_run(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"full", no_argument, NULL, 'f'},
	    {"progress", no_argument, NULL, 'p'},
	    CTL_OPTION_HELP,
	    CTL_OPTION_END,
	};
	struct refresh_args a = {0};
	struct progress pg;
	int first_arg = 0;
	int rc = ctl_parse_options("refresh", argc, argv, opts, store_option, &a, &first_arg);
	bool full = a.full;
	if (rc != CTL_CONTINUE)
		return rc;
	if (first_arg < argc)
		return ctl_usage_error("refresh", "unexpected argument '%s'", argv[first_arg]);
	rc = ctl_open(ctl);
	if (rc)
		return rc;

	struct refresh_audit_outcome out;
	char reason[512];
	double start = mono_ms();
	/* The recompute is one statement; the audit goes week by week. */
	progress_init(&pg, "refresh", "weeks audited", a.progress);
	progress_note(&pg, "recomputing the summary tables%s", full ? " (every week)" : "");
	const struct refresh_audit_stop hooks = {.progress = audit_progress, .arg = &pg};
	rc = refresh_audit_run(ctl->db, ctl->cfg.suppression_threshold, full, &hooks, &out, reason,
			       sizeof(reason));
	progress_end(&pg);
	if (rc)
		return ctl_fail(PQstatus(ctl->db) == CONNECTION_OK ? EX_SOFTWARE : EX_UNAVAILABLE,
				"refresh: %s", reason);
	printf("refresh: %d weeks recomputed%s in %.0f ms\n", out.weeks, full ? " (full)" : "",
	       mono_ms() - start);
	printf("audit: %d weeks, %ld hidden cells, %ld hidden by the audit, %d failed "
	       "(withheld)\n",
	       out.weeks_audited, out.cells_hidden, out.cells_added, out.weeks_failed);
	return out.weeks_failed ? EX_SOFTWARE : 0;
}
