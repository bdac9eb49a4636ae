/* needlewatchctl review third-party: the third-party reports (schema/008)
 * grouped by the premises they name and the premises that sent them.
 *
 * A third-party report counts in the rate of the premises it names; this is
 * where a regulator sees who put it there. One reporter naming one premises
 * many times, a sudden run of weeks, or a reporter that is itself a
 * competitor of the same setting, stand out as one line each. The summary
 * tables carry the same cases as events_third_party, without names. */
#include "third_party.h"
#include "ctl_db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIMIT_DEFAULT "50"

/* Latest versions only, as the summaries count them; "cases" are reports
 * with at least one complication (expected reactions are not). */
static const char *const SQL_THIRD_PARTY =
    "SELECT p.code, p.setting, rp.code, rp.name,"
    " string_agg(DISTINCT r.reporter_role, ',' ORDER BY r.reporter_role), count(*),"
    " count(*) FILTER (WHERE EXISTS (SELECT 1 FROM needlewatch.report_complications c"
    "  WHERE c.premises_id = r.premises_id AND c.report_id = r.id"
    "   AND c.complication_group <> 'expected')),"
    " summary.iso_week(min(r.procedure_week)), summary.iso_week(max(r.procedure_week))"
    " FROM needlewatch.reports r"
    " JOIN needlewatch.premises p ON p.id = r.procedure_premises_id"
    " JOIN needlewatch.premises rp ON rp.id = r.premises_id"
    " WHERE r.third_party AND ($1::text IS NULL OR p.code = $1)"
    "  AND NOT EXISTS (SELECT 1 FROM needlewatch.reports n"
    "   WHERE n.premises_id = r.premises_id AND n.client_ref = r.client_ref"
    "    AND n.version > r.version)"
    " GROUP BY p.code, p.setting, rp.code, rp.name"
    " ORDER BY count(*) DESC, p.code, rp.code"
    " LIMIT $2";

struct third_party_args {
	const char *premises;
	const char *limit;
};

static void store_option(void *state, int c, const char *arg)
{
	struct third_party_args *a = state;
	if (c == 'p')
		a->premises = arg;
	else if (c == 'l')
		a->limit = arg;
}

int third_party_list(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"premises", required_argument, NULL, 'p'},
	    {"limit", required_argument, NULL, 'l'},
	    CTL_OPTION_HELP,
	    CTL_OPTION_END,
	};
	static const char *const headers[] = {"named premises", "setting",    "reported by",
					      "reporter name",	"roles",      "reports",
					      "cases",		"first week", "last week"};
	struct third_party_args a = {.limit = LIMIT_DEFAULT};
	PGresult *res = NULL;
	long long limit;
	int first = 0;
	int rc =
	    ctl_parse_options("review third-party", argc, argv, opts, store_option, &a, &first);

	if (rc != CTL_CONTINUE)
		return rc;
	if (first < argc)
		return ctl_usage_error("review third-party", "unexpected argument '%s'",
				       argv[first]);
	if (ctl_parse_id(a.limit, &limit) < 0)
		return ctl_usage_error("review third-party", "--limit must be a positive number");
	rc = ctl_open(ctl);
	if (rc)
		return rc;
	const char *params[2] = {a.premises, a.limit};
	rc = ctl_db_exec(ctl, SQL_THIRD_PARTY, 2, params, &res);
	if (rc)
		return ctl_fail(rc, "review third-party: %s", ctl->err);
	if (PQntuples(res) == 0)
		printf("no third-party reports name %s\n",
		       a.premises ? "this premises" : "a registered premises");
	else if (ctl_print_table(res, headers, stdout) < 0)
		rc = ctl_fail(EX_SOFTWARE, "review third-party: out of memory");
	PQclear(res);
	return rc;
}
