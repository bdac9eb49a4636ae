/* needlewatchctl refresh: the same refresh needlewatchd runs on its timer,
 * on demand (after a bulk load, before an export, in tests). */
#include "refresh.h"
#include "util.h"
#include "ctl_db.h"
#include "refresh_audit.h"

#include <stdlib.h>
#include <time.h>

static void store_option(void *state, int c, const char *arg)
{
	(void)arg;
	if (c == 'f')
		*(bool *)state = true;
}

int refresh_run(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"full", no_argument, NULL, 'f'},
	    CTL_OPTION_HELP,
	    CTL_OPTION_END,
	};
	bool full = false;
	int first_arg = 0;
	int rc = ctl_parse_options("refresh", argc, argv, opts, store_option, &full, &first_arg);
	if (rc != CTL_CONTINUE)
		return rc;
	if (first_arg < argc)
		return ctl_usage_error("refresh", "unexpected argument '%s'", argv[first_arg]);
	rc = ctl_open(ctl);
	if (rc)
		return rc;

	struct refresh_audit_outcome out;
	char reason[512];
	double start = util_mono_ms_f();
	if (refresh_audit_run(ctl->db, ctl->cfg.suppression_threshold, full, NULL, &out, reason,
			      sizeof(reason)))
		return ctl_fail(PQstatus(ctl->db) == CONNECTION_OK ? EX_SOFTWARE : EX_UNAVAILABLE,
				"refresh: %s", reason);
	printf("refresh: %d weeks recomputed%s in %.0f ms\n", out.weeks, full ? " (full)" : "",
	       util_mono_ms_f() - start);
	printf("audit: %d weeks, %ld hidden cells, %ld hidden by the audit, %d failed "
	       "(withheld)\n",
	       out.weeks_audited, out.cells_hidden, out.cells_added, out.weeks_failed);
	return out.weeks_failed ? EX_SOFTWARE : 0;
}
