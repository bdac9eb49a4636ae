/* needlewatchctl refresh: the same refresh needlewatchd runs on its timer,
 * on demand (after a bulk load, before an export, in tests). */
#include "refresh.h"
#include "ctl_db.h"

#include <stdlib.h>
#include <time.h>

static const char *sql_refresh = "SELECT needlewatch.refresh_summaries($1::integer, $2::boolean)";

static void store_option(void *state, int c, const char *arg)
{
	(void)arg;
	if (c == 'f')
		*(bool *)state = true;
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

	char threshold[16];
	snprintf(threshold, sizeof(threshold), "%d", ctl->cfg.suppression_threshold);
	const char *params[] = {threshold, full ? "true" : "false"};
	PGresult *res = NULL;
	double start = mono_ms();
	rc = ctl_db_exec(ctl, sql_refresh, 2, params, &res);
	if (rc)
		return ctl_fail(rc, "refresh: %s", ctl->err);
	printf("refresh: %s weeks recomputed%s in %.0f ms\n", PQgetvalue(res, 0, 0),
	       full ? " (full)" : "", mono_ms() - start);
	PQclear(res);
	return 0;
}
