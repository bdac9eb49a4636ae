/* needlewatchctl review: unknown vocabulary terms with their counts.
 *
 * Every report keeps, in its normalised JSON, the paths of the coded fields
 * the vocabulary did not know ("needs_review": ["complications[0].type"])
 * beside each field's raw text ("type_raw"). One query turns those into
 * (field, term) pairs over the latest version of every case, folds case, and
 * counts: what a curator adds to config/vocabulary.json before running
 * `needlewatchctl renormalise`. */
#include "ctl_json.h"
#include "review.h"
#include "ctl_db.h"
#include "implausible.h"
#include "third_party.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIMIT_DEFAULT "50"

/* "complications[0].type" -> field "complications.type", term at
 * normalised #>> '{complications,0,type_raw}'. */
static const char *const SQL_REVIEW_LIST =
    "SELECT f.field, min(f.term) AS term, count(DISTINCT (f.premises_id, f.id)) AS reports,"
    " count(DISTINCT f.premises_id) AS premises,"
    " to_char(max(f.received_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS last_seen"
    " FROM (SELECT r.premises_id, r.id, r.received_at,"
    "  regexp_replace(p.path, '\\[[0-9]+\\]', '', 'g') AS field,"
    "  r.normalised #>> string_to_array("
    "   regexp_replace(p.path, '\\[([0-9]+)\\]', '.\\1', 'g') || '_raw', '.') AS term"
    "  FROM needlewatch.latest_reports r,"
    "   jsonb_array_elements_text(r.normalised -> 'needs_review') AS p(path)"
    "  WHERE r.needs_review) f"
    " WHERE f.term IS NOT NULL AND ($1::text IS NULL OR f.field = $1)"
    " GROUP BY f.field, lower(f.term)"
    " ORDER BY reports DESC, f.field, lower(f.term)"
    " LIMIT $2";

struct review_args {
	const char *field;
	const char *limit;
	bool json;
};

static void store_option(void *state, int c, const char *arg)
{
	struct review_args *a = state;
	if (c == 'f')
		a->field = arg;
	else if (c == 'l')
		a->limit = arg;
	else if (c == 'j')
		a->json = true;
}

static int review_list(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"field", required_argument, NULL, 'f'},
	    {"limit", required_argument, NULL, 'l'},
	    {"json", no_argument, NULL, 'j'},
	    CTL_OPTION_HELP,
	    CTL_OPTION_END,
	};
	static const char *const headers[] = {"field", "term", "reports", "premises", "last seen"};
	static const char *const names[] = {"field", "term", "reports", "premises", "last_seen"};
	struct review_args a = {.limit = LIMIT_DEFAULT};
	PGresult *res = NULL;
	long long limit;
	int first = 0;
	int rc = ctl_parse_options("review list", argc, argv, opts, store_option, &a, &first);

	if (rc != CTL_CONTINUE)
		return rc;
	if (first < argc)
		return ctl_usage_error("review list", "unexpected argument '%s'", argv[first]);
	if (ctl_parse_id(a.limit, &limit) < 0)
		return ctl_usage_error("review list", "--limit must be a positive number");
	rc = ctl_open(ctl);
	if (rc)
		return rc;
	const char *params[2] = {a.field, a.limit};
	rc = ctl_db_exec(ctl, SQL_REVIEW_LIST, 2, params, &res);
	if (rc)
		return ctl_fail(rc, "review list: %s", ctl->err);
	if (a.json) {
		/* an empty list is [], not a sentence: scripts read it */
		if (ctl_print_json(res, names, stdout) < 0)
			rc = ctl_fail(EX_SOFTWARE, "review list: out of memory");
	} else if (PQntuples(res) == 0)
		printf("no unknown terms%s\n", a.field ? " in this field" : "");
	else if (ctl_print_table(res, headers, stdout) < 0)
		rc = ctl_fail(EX_SOFTWARE, "review list: out of memory");
	PQclear(res);
	return rc;
}

int review_run(struct ctl *ctl, int argc, char **argv)
{
	static const struct ctl_command cmds[] = {
	    {"list", review_list},
	    {"third-party", third_party_list},
	    {"implausible", implausible_run},
	    {NULL, NULL},
	};
	return ctl_dispatch(ctl, "review", cmds, argc - 1, argv + 1);
}
