/* needlewatchctl review implausible: the premises-weeks whose cases cannot
 * stand over their procedures (schema/013_plausibility_coverage.sql).
 *
 * The refresh marks them in needlewatch.premises_weeks.plausibility and
 * leaves them out of every rate; this is where a regulator sees which
 * premises and weeks they are, to ask the premises for corrected activity or
 * reports, or, having checked that the figures are real (an outbreak is
 * plausible), to accept them. An acceptance holds for exactly the figures
 * accepted: a later correction is checked again. */
#include "implausible.h"
#include "ctl_db.h"
#include "isoweek.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIMIT_DEFAULT "50"

static const char *const SQL_IMPLAUSIBLE =
    "SELECT p.code, p.name, pw.setting, summary.iso_week(pw.week), pw.cases, pw.procedures,"
    " CASE WHEN pw.procedures > 0 THEN round(1000.0 * pw.cases / pw.procedures, 1)::text END,"
    " pw.plausibility"
    " FROM needlewatch.premises_weeks pw"
    " JOIN needlewatch.premises p ON p.id = pw.premises_id"
    " WHERE pw.plausibility IS NOT NULL AND ($1::text IS NULL OR p.code = $1)"
    " ORDER BY pw.week DESC, p.code"
    " LIMIT $2";

/* The figures accepted are the ones the last refresh saw; the week is
 * marked dirty so the next refresh counts it again. No row: nothing to
 * accept (not implausible, or not refreshed yet). */
static const char *const SQL_ACCEPT =
    "WITH pw AS ("
    " SELECT pw.premises_id, pw.week, pw.cases, pw.procedures"
    " FROM needlewatch.premises_weeks pw JOIN needlewatch.premises p ON p.id = pw.premises_id"
    " WHERE p.code = $1 AND pw.week = $2::date AND pw.plausibility IS NOT NULL"
    "), acc AS ("
    " INSERT INTO needlewatch.plausibility_accepted (premises_id, week, cases, procedures)"
    " SELECT premises_id, week, cases, procedures FROM pw"
    " ON CONFLICT (premises_id, week) DO UPDATE"
    " SET cases = EXCLUDED.cases, procedures = EXCLUDED.procedures, accepted_at = now()"
    " RETURNING week, cases, procedures"
    "), dirty AS ("
    " INSERT INTO needlewatch.dirty_weeks (week) SELECT week FROM acc"
    ")"
    " SELECT cases, procedures FROM acc";

struct implausible_args {
	const char *premises;
	const char *week;
	const char *limit;
	bool accept;
};

static void store_option(void *state, int c, const char *arg)
{
	struct implausible_args *a = state;
	if (c == 'p')
		a->premises = arg;
	else if (c == 'w')
		a->week = arg;
	else if (c == 'l')
		a->limit = arg;
	else if (c == 'a')
		a->accept = true;
}

static int list(struct ctl *ctl, const struct implausible_args *a)
{
	static const char *const headers[] = {"premises", "name",	"setting",   "week",
					      "cases",	  "procedures", "per 1,000", "reason"};
	PGresult *res = NULL;
	const char *params[2] = {a->premises, a->limit};
	int rc = ctl_db_exec(ctl, SQL_IMPLAUSIBLE, 2, params, &res);
	if (rc)
		return ctl_fail(rc, "review implausible: %s", ctl->err);
	if (PQntuples(res) == 0)
		printf("no implausible premises-weeks%s\n", a->premises ? " at this premises" : "");
	else if (ctl_print_table(res, headers, stdout) < 0)
		rc = ctl_fail(EX_SOFTWARE, "review implausible: out of memory");
	PQclear(res);
	return rc;
}

static int accept(struct ctl *ctl, const struct implausible_args *a)
{
	struct iso_week w;
	const char *reason = NULL;
	char monday[ISOWEEK_DATE_LEN];
	PGresult *res = NULL;

	if (!a->premises || !a->week)
		return ctl_usage_error("review implausible",
				       "--accept needs --premises and --week");
	if (isoweek_parse(a->week, &w, &reason) < 0)
		return ctl_usage_error("review implausible", "--week: %s", reason);
	isoweek_format_date(isoweek_monday(w), monday);
	const char *params[2] = {a->premises, monday};
	int rc = ctl_db_exec(ctl, SQL_ACCEPT, 2, params, &res);
	if (rc)
		return ctl_fail(rc, "review implausible: %s", ctl->err);
	if (PQntuples(res) == 0)
		rc = ctl_fail(EX_DATAERR,
			      "review implausible: %s has no implausible week %s (see "
			      "'review implausible')",
			      a->premises, a->week);
	else
		printf("accepted %s %s: %s cases, %s procedures; counted from the next refresh\n",
		       a->premises, a->week, PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
	PQclear(res);
	return rc;
}

int implausible_run(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"premises", required_argument, NULL, 'p'},
	    {"week", required_argument, NULL, 'w'},
	    {"limit", required_argument, NULL, 'l'},
	    {"accept", no_argument, NULL, 'a'},
	    CTL_OPTION_HELP,
	    CTL_OPTION_END,
	};
	struct implausible_args a = {.limit = LIMIT_DEFAULT};
	long long limit;
	int first = 0;
	int rc =
	    ctl_parse_options("review implausible", argc, argv, opts, store_option, &a, &first);

	if (rc != CTL_CONTINUE)
		return rc;
	if (first < argc)
		return ctl_usage_error("review implausible", "unexpected argument '%s'",
				       argv[first]);
	if (ctl_parse_id(a.limit, &limit) < 0)
		return ctl_usage_error("review implausible", "--limit must be a positive number");
	if (a.week && !a.accept)
		return ctl_usage_error("review implausible", "--week is for --accept");
	rc = ctl_open(ctl);
	if (rc)
		return rc;
	return a.accept ? accept(ctl, &a) : list(ctl, &a);
}
