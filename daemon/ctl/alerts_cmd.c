/* needlewatchctl alerts: the signal rules on demand (alerts.h does the work).
 *
 *   run [--as-of WEEK]         store the alerts of WEEK, or of every week whose data
 *                              changed since the last run (what needlewatchd does
 *                              after each refresh)
 *   backtest --from W --to W   evaluate each week in turn and print what fires; nothing
 *                              is stored
 *   list [--state STATE]       the stored alerts, newest first
 *   deliver [--url URL]        announce new alerts to the webhook (alerts_deliver.c)
 * Weeks are ISO weeks, "2026-W12". */
#include "alerts_cmd.h"
#include "alerts.h"
#include "alerts_deliver.h"
#include "ctl_db.h"
#include "isoweek.h"

#include <errno.h>
#include <string.h>

struct week_opts {
	const char *as_of, *from, *to, *state;
};

static void store_option(void *state, int c, const char *arg)
{
	struct week_opts *o = state;
	if (c == 'a')
		o->as_of = arg;
	else if (c == 'f')
		o->from = arg;
	else if (c == 't')
		o->to = arg;
	else if (c == 's')
		o->state = arg;
}

/* "2026-W12" into the days of its Monday; a usage error names the option. */
static int parse_week(const char *cmd, const char *opt, const char *s, long *ret)
{
	struct iso_week w;
	const char *why = NULL;
	if (isoweek_parse(s, &w, &why) != 0)
		return ctl_usage_error(cmd, "%s must be an ISO week like 2026-W12%s%s", opt,
				       why ? ": " : "", why ? why : "");
	*ret = isoweek_monday(w);
	return 0;
}

static int run_and_report(struct ctl *ctl, const char *cmd, struct alerts_run_opts *o)
{
	struct alerts_run_result res;
	char err[512], a[ISOWEEK_TEXT_LEN], b[ISOWEEK_TEXT_LEN];
	int rc = ctl_open(ctl);
	if (rc)
		return rc;
	o->actor = ctl->actor;
	rc = alerts_run(ctl->db, &ctl->cfg, o, &res, err, sizeof(err));
	if (rc)
		return ctl_fail(rc == -ENOMEM ? EX_OSERR : EX_UNAVAILABLE, "%s: %s", cmd, err);
	if (!res.weeks) {
		printf("%s: no week to evaluate\n", cmd);
		return 0;
	}
	isoweek_format(isoweek_of_day(res.first), a);
	isoweek_format(isoweek_of_day(res.last), b);
	printf("%s: %d weeks evaluated (%s to %s), %d signals", cmd, res.weeks, a, b, res.signals);
	if (o->store)
		printf(", %d alerts opened, %d extended, %d withdrawn", res.opened, res.extended,
		       res.withdrawn);
	printf("\n");
	return 0;
}

static int alerts_run_cmd(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"as-of", required_argument, NULL, 'a'},
	    CTL_OPTION_HELP,
	    CTL_OPTION_END,
	};
	struct week_opts w = {0};
	struct alerts_run_opts o = {.from = -1, .to = -1, .store = true};
	int first = 0;
	int rc = ctl_parse_options("alerts run", argc, argv, opts, store_option, &w, &first);
	if (rc != CTL_CONTINUE)
		return rc;
	if (first < argc)
		return ctl_usage_error("alerts run", "unexpected argument '%s'", argv[first]);
	if (w.as_of && (rc = parse_week("alerts run", "--as-of", w.as_of, &o.from)))
		return rc;
	o.to = o.from;
	return run_and_report(ctl, "alerts run", &o);
}

static int alerts_backtest(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"from", required_argument, NULL, 'f'},
	    {"to", required_argument, NULL, 't'},
	    CTL_OPTION_HELP,
	    CTL_OPTION_END,
	};
	struct week_opts w = {0};
	struct alerts_run_opts o = {.store = false, .print = stdout};
	int first = 0;
	int rc = ctl_parse_options("alerts backtest", argc, argv, opts, store_option, &w, &first);
	if (rc != CTL_CONTINUE)
		return rc;
	if (first < argc)
		return ctl_usage_error("alerts backtest", "unexpected argument '%s'", argv[first]);
	if (!w.from || !w.to)
		return ctl_usage_error("alerts backtest", "--from and --to are required");
	if ((rc = parse_week("alerts backtest", "--from", w.from, &o.from)) ||
	    (rc = parse_week("alerts backtest", "--to", w.to, &o.to)))
		return rc;
	if (o.to < o.from)
		return ctl_usage_error("alerts backtest", "--to must not be before --from");
	return run_and_report(ctl, "alerts backtest", &o);
}

static const char *const SQL_LIST =
    "SELECT id, rule, kind, level, state, summary.iso_week(first_week), "
    "summary.iso_week(last_week),"
    " premises_id, setting, complication_group, observed, round(expected::numeric, 3),"
    " p_value::real, score::real"
    " FROM needlewatch.alerts WHERE $1::text IS NULL OR state = $1 ORDER BY id DESC LIMIT 200";

static int alerts_list(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"state", required_argument, NULL, 's'},
	    CTL_OPTION_HELP,
	    CTL_OPTION_END,
	};
	static const char *const headers[] = {
	    "ID",	"RULE",	   "KIND",  "LEVEL",	"STATE",    "FROM", "TO",
	    "PREMISES", "SETTING", "GROUP", "OBSERVED", "EXPECTED", "P",    "SCORE"};
	struct week_opts w = {0};
	int first = 0;
	int rc = ctl_parse_options("alerts list", argc, argv, opts, store_option, &w, &first);
	if (rc != CTL_CONTINUE)
		return rc;
	if (first < argc)
		return ctl_usage_error("alerts list", "unexpected argument '%s'", argv[first]);
	if ((rc = ctl_open(ctl)))
		return rc;
	PGresult *res = NULL;
	const char *params[1] = {w.state};
	if ((rc = ctl_db_exec(ctl, SQL_LIST, 1, params, &res)))
		return ctl_fail(rc, "alerts list: %s", ctl->err);
	rc = ctl_print_table(res, headers, stdout);
	PQclear(res);
	return rc ? ctl_fail(EX_OSERR, "alerts list: out of memory") : 0;
}

int alerts_cmd_run(struct ctl *ctl, int argc, char **argv)
{
	static const struct ctl_command cmds[] = {
	    {"run", alerts_run_cmd},
	    {"backtest", alerts_backtest},
	    {"list", alerts_list},
	    {"deliver", alerts_deliver},
	    {NULL, NULL},
	};
	return ctl_dispatch(ctl, "alerts", cmds, argc - 1, argv + 1);
}
