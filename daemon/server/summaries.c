/* Summaries: GET /v1/summaries, the rate tables for regulators (docs/rates.md).
 *
 * Never reads schema needlewatch's report tables: every figure comes from
 * the summary tables the refresh keeps, aggregated here by the dimensions
 * asked for (one fixed statement per source table, the dimensions switched
 * on and off by boolean parameters, so no SQL is ever built from the query).
 * The coarsest table that holds the dimensions is used: week × setting ×
 * complication is a few hundred rows per quarter whatever the number of
 * reports. All statements run in one read-only snapshot, so a refresh
 * committing meanwhile cannot mix old and new figures. Rates, intervals and
 * ratios are computed with stats.c, in summary_table.c. */
#include "summaries.h"
#include "arena.h"
#include "dbpool.h"
#include "issues.h"
#include "log.h"
#include "request.h"
#include "respond.h"
#include "server.h"
#include "summary_query.h"
#include "summary_render.h"
#include "summary_table.h"

#include <errno.h>
#include <libpq-fe.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_PARAMS 16
#define POOL_WAIT_MS 2000
#define N_EVENT_PARAMS 11
#define N_DEN_PARAMS 7
#define N_UNREG_PARAMS 7
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Every events statement takes the same parameters and answers the same
 * columns: $1, $2 the Mondays of from and to; $3 week, $4 setting, $5
 * region, $6 fitzpatrick, $7 training, $8 complication, $10 complication_type
 * (whether to group by each); $9, $11 the complication and type filters.
 * Columns: week, setting, region, fitzpatrick, training, complication, type,
 * events (in the rate), cases (all but the implausible), events from
 * third-party reports, cases of implausible premises-weeks (schema/013: in
 * neither events nor cases). */
static const char *const SQL_EVENTS_WEEK_SETTING =
    "SELECT CASE WHEN $3 THEN iso_week END, CASE WHEN $4 THEN setting END, NULL::text,"
    " NULL::text, NULL::text, CASE WHEN $8 THEN complication_group END, NULL::text,"
    " sum(events), sum(events + events_without_activity), sum(events_third_party),"
    " sum(events_implausible)"
    " FROM summary.rates_week_setting"
    " WHERE week BETWEEN $1 AND $2"
    "  AND CASE WHEN $8 THEN complication_group <> 'any' ELSE complication_group = 'any' END"
    "  AND ($9::text IS NULL OR complication_group = $9)"
    " GROUP BY 1, 2, 6";

static const char *const SQL_EVENTS_FITZPATRICK =
    "SELECT CASE WHEN $3 THEN iso_week END, CASE WHEN $4 THEN setting END, NULL::text,"
    " CASE WHEN $6 THEN fitzpatrick::text END, NULL::text,"
    " CASE WHEN $8 THEN complication_group END, NULL::text,"
    " sum(events), sum(events + events_without_activity), sum(events_third_party),"
    " sum(events_implausible)"
    " FROM summary.rates_fitzpatrick"
    " WHERE week BETWEEN $1 AND $2"
    "  AND CASE WHEN $8 THEN complication_group <> 'any' ELSE complication_group = 'any' END"
    "  AND ($9::text IS NULL OR complication_group = $9)"
    " GROUP BY 1, 2, 4, 6";

/* A case is in the rate when its premises reported plausible activity that
 * week with every breakdown the row needs (there is none by Fitzpatrick type
 * and training together) and its own value of that breakdown is known. */
#define QUALIFIED                                                                                  \
	"has_activity AND NOT implausible"                                                         \
	" AND (NOT $6 OR (has_fitzpatrick_breakdown AND fitzpatrick IS NOT NULL))"                 \
	" AND (NOT $7 OR (has_training_breakdown AND medically_trained IS NOT NULL))"              \
	" AND NOT ($6 AND $7)"

static const char *const SQL_EVENTS_CELLS =
    "SELECT CASE WHEN $3 THEN iso_week END, CASE WHEN $4 THEN setting END,"
    " CASE WHEN $5 THEN region END, CASE WHEN $6 THEN fitzpatrick::text END,"
    " CASE WHEN $7 THEN medically_trained::text END,"
    " CASE WHEN $8 THEN complication_group END, NULL::text,"
    " coalesce(sum(cases) FILTER (WHERE " QUALIFIED "), 0),"
    " coalesce(sum(cases) FILTER (WHERE NOT implausible), 0),"
    " coalesce(sum(cases_third_party) FILTER (WHERE " QUALIFIED "), 0),"
    " coalesce(sum(cases) FILTER (WHERE implausible), 0)"
    " FROM summary.event_cells"
    " WHERE week BETWEEN $1 AND $2"
    "  AND CASE WHEN $8 THEN complication_group <> 'any' ELSE complication_group = 'any' END"
    "  AND ($9::text IS NULL OR complication_group = $9)"
    " GROUP BY 1, 2, 3, 4, 5, 6";

static const char *const SQL_EVENTS_TYPES =
    "SELECT CASE WHEN $3 THEN iso_week END, CASE WHEN $4 THEN setting END,"
    " CASE WHEN $5 THEN region END, CASE WHEN $6 THEN fitzpatrick::text END,"
    " CASE WHEN $7 THEN medically_trained::text END,"
    " CASE WHEN $8 THEN complication_group END, CASE WHEN $10 THEN complication_type END,"
    " coalesce(sum(cases) FILTER (WHERE " QUALIFIED "), 0),"
    " coalesce(sum(cases) FILTER (WHERE NOT implausible), 0),"
    " coalesce(sum(cases_third_party) FILTER (WHERE " QUALIFIED "), 0),"
    " coalesce(sum(cases) FILTER (WHERE implausible), 0)"
    " FROM summary.event_type_cells"
    " WHERE week BETWEEN $1 AND $2"
    "  AND ($9::text IS NULL OR complication_group = $9)"
    "  AND ($11::text IS NULL OR complication_type = $11)"
    " GROUP BY 1, 2, 3, 4, 5, 6, 7";

/* Denominators: $1, $2 the weeks; $3..$7 group by week, setting, region,
 * fitzpatrick, training. Columns: week, setting, region, fitzpatrick,
 * training, procedures, premises reporting (distinct over the weeks; with a
 * breakdown, those that gave it), implausible premises-weeks left out, and
 * the coverage of the setting (and region): premises active in some week of
 * the range, and of those the ones silent in every week of it. The six
 * Fitzpatrick sums (or the two training sums) are taken per group first and
 * spread out after, so the premises-weeks are read once whatever the
 * breakdown; only the branch the flags select returns rows, and none for both
 * breakdowns at once. A group without any activity of the breakdown asked
 * for gives no row (nothing to divide by), as before coverage was added. */
static const char *const SQL_DENOMINATORS =
    "WITH c AS ("
    " SELECT c.week, c.setting, c.region, c.premises_id,"
    "  c.has_activity OR c.has_reports AS heard, pw.procedures,"
    "  pw.procedures_fitzpatrick AS fitz, pw.procedures_trained AS trained,"
    "  pw.procedures_untrained AS untrained,"
    "  pw.premises_id IS NOT NULL AND (NOT $6 OR pw.procedures_fitzpatrick IS NOT NULL)"
    "   AND (NOT $7 OR pw.procedures_trained IS NOT NULL) AS has_den,"
    "  pw.plausibility IS NULL AS plausible"
    " FROM needlewatch.premises_coverage c"
    " LEFT JOIN needlewatch.premises_weeks pw"
    "  ON pw.week = c.week AND pw.premises_id = c.premises_id AND pw.week BETWEEN $1 AND $2"
    " WHERE c.week BETWEEN $1 AND $2"
    "), d AS ("
    " SELECT CASE WHEN $3 THEN week END AS week, CASE WHEN $4 THEN setting END AS setting,"
    "  CASE WHEN $5 THEN region END AS region,"
    "  coalesce(sum(procedures) FILTER (WHERE has_den AND plausible), 0) AS procedures,"
    "  count(DISTINCT premises_id) FILTER (WHERE has_den AND plausible) AS premises,"
    "  ARRAY[sum(fitz[1]) FILTER (WHERE $6 AND has_den AND plausible),"
    "   sum(fitz[2]) FILTER (WHERE $6 AND has_den AND plausible),"
    "   sum(fitz[3]) FILTER (WHERE $6 AND has_den AND plausible),"
    "   sum(fitz[4]) FILTER (WHERE $6 AND has_den AND plausible),"
    "   sum(fitz[5]) FILTER (WHERE $6 AND has_den AND plausible),"
    "   sum(fitz[6]) FILTER (WHERE $6 AND has_den AND plausible)] AS fitz,"
    "  ARRAY[sum(trained) FILTER (WHERE $7 AND has_den AND plausible),"
    "   sum(untrained) FILTER (WHERE $7 AND has_den AND plausible)] AS training,"
    "  count(*) FILTER (WHERE has_den AND NOT plausible) AS implausible,"
    "  count(DISTINCT premises_id) AS active,"
    "  count(DISTINCT premises_id) - count(DISTINCT premises_id) FILTER (WHERE heard) AS silent"
    " FROM c GROUP BY 1, 2, 3"
    " HAVING bool_or(has_den)"
    ")"
    " SELECT summary.iso_week(week), setting, region, NULL::text, NULL::text, procedures,"
    "  premises, implausible, active, silent"
    " FROM d WHERE NOT $6 AND NOT $7"
    " UNION ALL"
    " SELECT summary.iso_week(week), setting, region, f.k::text, NULL::text, coalesce(f.n, 0),"
    "  premises, implausible, active, silent"
    " FROM d CROSS JOIN LATERAL unnest(d.fitz) WITH ORDINALITY f (n, k) WHERE $6 AND NOT $7"
    " UNION ALL"
    " SELECT summary.iso_week(week), setting, region, NULL::text, (t.k = 1)::text,"
    "  coalesce(t.n, 0), premises, implausible, active, silent"
    " FROM d CROSS JOIN LATERAL unnest(d.training) WITH ORDINALITY t (n, k) WHERE $7 AND NOT $6";

/* Both denominators a skin-type-adjusted ratio needs, from one read of the
 * premises-weeks: those of SQL_DENOMINATORS without a breakdown ($6 and $7
 * false; Fitzpatrick type NULL) and, after them, those by Fitzpatrick type
 * ($6 true; type 1..6), the figures each would give alone. A premises-week
 * with the type breakdown also has a denominator, so a group with type rows
 * always has its row without. $1..$5 as in SQL_DENOMINATORS. */
static const char *const SQL_DENOMINATORS_ADJUSTED =
    "WITH c AS ("
    " SELECT c.week, c.setting, c.region, c.premises_id,"
    "  c.has_activity OR c.has_reports AS heard, pw.procedures,"
    "  pw.procedures_fitzpatrick AS fitz, pw.premises_id IS NOT NULL AS has_den,"
    "  pw.procedures_fitzpatrick IS NOT NULL AS has_fitz,"
    "  pw.plausibility IS NULL AS plausible"
    " FROM needlewatch.premises_coverage c"
    " LEFT JOIN needlewatch.premises_weeks pw"
    "  ON pw.week = c.week AND pw.premises_id = c.premises_id AND pw.week BETWEEN $1 AND $2"
    " WHERE c.week BETWEEN $1 AND $2"
    "), d AS ("
    " SELECT CASE WHEN $3 THEN week END AS week, CASE WHEN $4 THEN setting END AS setting,"
    "  CASE WHEN $5 THEN region END AS region,"
    "  coalesce(sum(procedures) FILTER (WHERE has_den AND plausible), 0) AS procedures,"
    "  count(DISTINCT premises_id) FILTER (WHERE has_den AND plausible) AS premises,"
    "  count(*) FILTER (WHERE has_den AND NOT plausible) AS implausible,"
    "  count(DISTINCT premises_id) FILTER (WHERE has_fitz AND plausible) AS fitz_premises,"
    "  count(*) FILTER (WHERE has_fitz AND NOT plausible) AS fitz_implausible,"
    "  ARRAY[sum(fitz[1]) FILTER (WHERE has_fitz AND plausible),"
    "   sum(fitz[2]) FILTER (WHERE has_fitz AND plausible),"
    "   sum(fitz[3]) FILTER (WHERE has_fitz AND plausible),"
    "   sum(fitz[4]) FILTER (WHERE has_fitz AND plausible),"
    "   sum(fitz[5]) FILTER (WHERE has_fitz AND plausible),"
    "   sum(fitz[6]) FILTER (WHERE has_fitz AND plausible)] AS fitz,"
    "  bool_or(has_fitz) AS any_fitz,"
    "  count(DISTINCT premises_id) AS active,"
    "  count(DISTINCT premises_id) - count(DISTINCT premises_id) FILTER (WHERE heard) AS silent"
    " FROM c GROUP BY 1, 2, 3"
    " HAVING bool_or(has_den)"
    ")"
    " SELECT summary.iso_week(week), setting, region, NULL::text, NULL::text, procedures,"
    "  premises, implausible, active, silent"
    " FROM d"
    " UNION ALL"
    " SELECT summary.iso_week(week), setting, region, f.k::text, NULL::text, coalesce(f.n, 0),"
    "  fitz_premises, fitz_implausible, active, silent"
    " FROM d CROSS JOIN LATERAL unnest(d.fitz) WITH ORDINALITY f (n, k) WHERE any_fitz";

/* $1, $2 the weeks; $3 week, $4 setting, $5 complication (group by);
 * $6 setting and $7 complication filters. */
static const char *const SQL_UNREGISTERED =
    "SELECT CASE WHEN $3 THEN iso_week END, CASE WHEN $4 THEN setting END,"
    " CASE WHEN $5 THEN complication_group END, sum(cases)"
    " FROM summary.unregistered_counts"
    " WHERE week BETWEEN $1 AND $2"
    "  AND CASE WHEN $5 OR $7::text IS NOT NULL THEN complication_group <> 'any'"
    "      ELSE complication_group = 'any' END"
    "  AND ($6::text IS NULL OR setting = $6) AND ($7::text IS NULL OR complication_group = $7)"
    " GROUP BY 1, 2, 3";

/* The last refresh: when, and the threshold it suppressed with (the one the
 * public views now show, whatever the daemon's configuration says since). */
static const char *const SQL_GENERATED_AT =
    "SELECT to_char(refreshed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
    " suppression_threshold"
    " FROM summary.refresh_state";

#define OID_BOOL 16
#define OID_TEXT 25
#define OID_DATE 1082

struct fetch {
	struct request *rq;
	PGconn *conn;
	PGresult *results[8]; /* kept until the answer is rendered: keys point into them */
	size_t n_results;
	bool lost; /* the connection failed */
};

static const char *flag(unsigned mask, enum summary_dim d)
{
	return mask & SUMMARY_DIM_BIT(d) ? "true" : "false";
}

/* Runs sql; the result is kept in f. NULL on failure. */
static PGresult *run(struct fetch *f, const char *sql, int n, const Oid *types,
		     const char *const *params)
{
	PGresult *res = PQexecParams(f->conn, sql, n, types, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		char q[300];
		f->lost = db_result_is_connection_error(f->conn, res);
		log_event(LOG_WARNING, "summaries_query_failed", "reason=\"%s\"",
			  log_quote(q, sizeof(q), PQresultErrorMessage(res)));
		PQclear(res);
		return NULL;
	}
	f->results[f->n_results++] = res;
	return res;
}

static const char *cell(PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

static uint64_t count(PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? 0 : strtoull(PQgetvalue(res, row, col), NULL, 10);
}

/* Where a statement's columns go in one kind of summary row: column c is the
 * key's dimension dims[c], and the n_counts columns after the keys are the
 * uint64_t counts at the offsets in counts. A description per kind, so that
 * running, checking and copying is written once (fetch_rows). */
struct row_map {
	size_t row_size;
	size_t key;
	const enum summary_dim *dims;
	size_t n_dims;
	size_t counts[6];
	size_t n_counts;
};

/* Runs sql and copies every row of its result into an arena array laid out
 * as map says. The keys point into the result, which f keeps. */
static int fetch_rows(struct fetch *f, const char *sql, int n_params, const Oid *types,
		      const char *const *params, const struct row_map *map, void **ret,
		      size_t *ret_n)
{
	PGresult *res = run(f, sql, n_params, types, params);
	if (!res)
		return -EIO;
	int n = PQntuples(res);
	char *rows = arena_alloc(f->rq->arena, (size_t)(n ? n : 1) * map->row_size);
	if (!rows)
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		char *row = rows + (size_t)i * map->row_size;
		struct summary_key *key = (struct summary_key *)(row + map->key);
		for (size_t c = 0; c < map->n_dims; c++)
			key->v[map->dims[c]] = cell(res, i, (int)c);
		for (size_t c = 0; c < map->n_counts; c++)
			*(uint64_t *)(row + map->counts[c]) = count(res, i, (int)(map->n_dims + c));
	}
	*ret = rows;
	*ret_n = (size_t)n;
	return 0;
}

/* $1..$7, the same in the events and the denominators statements: the
 * Mondays of from and to, then whether to group by week, setting, region,
 * fitzpatrick and training. */
static void breakdown_params(const char **p, const struct summary_query *q, unsigned need)
{
	p[0] = q->from_date;
	p[1] = q->to_date;
	p[2] = flag(need, SUMMARY_WEEK);
	p[3] = flag(need, SUMMARY_SETTING);
	p[4] = flag(need, SUMMARY_REGION);
	p[5] = flag(need, SUMMARY_FITZPATRICK);
	p[6] = flag(need, SUMMARY_TRAINING);
}

/* The statement that reads the fewest rows and still holds every dimension. */
static const char *events_source(unsigned need)
{
	if (need & SUMMARY_DIM_BIT(SUMMARY_COMPLICATION_TYPE))
		return SQL_EVENTS_TYPES;
	if (need & (SUMMARY_DIM_BIT(SUMMARY_REGION) | SUMMARY_DIM_BIT(SUMMARY_TRAINING)))
		return SQL_EVENTS_CELLS;
	if (need & SUMMARY_DIM_BIT(SUMMARY_FITZPATRICK))
		return SQL_EVENTS_FITZPATRICK;
	return SQL_EVENTS_WEEK_SETTING;
}

/* Events over the dimensions in need. */
static int fetch_events(struct fetch *f, const struct summary_query *q, unsigned need,
			struct summary_events **ret, size_t *ret_n)
{
	static const Oid types[N_EVENT_PARAMS] = {OID_DATE, OID_DATE, OID_BOOL, OID_BOOL,
						  OID_BOOL, OID_BOOL, OID_BOOL, OID_BOOL,
						  OID_TEXT, OID_BOOL, OID_TEXT};
	static const enum summary_dim dims[] = {
	    SUMMARY_WEEK,     SUMMARY_SETTING,	    SUMMARY_REGION,	      SUMMARY_FITZPATRICK,
	    SUMMARY_TRAINING, SUMMARY_COMPLICATION, SUMMARY_COMPLICATION_TYPE};
	static const struct row_map map = {
	    .row_size = sizeof(struct summary_events),
	    .key = offsetof(struct summary_events, key),
	    .dims = dims,
	    .n_dims = ARRAY_SIZE(dims),
	    .counts = {offsetof(struct summary_events, events),
		       offsetof(struct summary_events, cases),
		       offsetof(struct summary_events, events_third_party),
		       offsetof(struct summary_events, events_implausible)},
	    .n_counts = 4,
	};
	const char *p[N_EVENT_PARAMS];
	breakdown_params(p, q, need);
	/* $8..$11: group by complication, its filter; group by type, its filter. */
	p[7] = flag(need, SUMMARY_COMPLICATION);
	p[8] = q->complication;
	p[9] = flag(need, SUMMARY_COMPLICATION_TYPE);
	p[10] = q->complication_type;
	void *rows;
	int rc = fetch_rows(f, events_source(need), N_EVENT_PARAMS, types, p, &map, &rows, ret_n);
	if (rc == 0)
		*ret = rows;
	return rc;
}

static const struct row_map *denominator_map(void)
{
	static const enum summary_dim dims[] = {SUMMARY_WEEK, SUMMARY_SETTING, SUMMARY_REGION,
						SUMMARY_FITZPATRICK, SUMMARY_TRAINING};
	static const struct row_map map = {
	    .row_size = sizeof(struct summary_denominator),
	    .key = offsetof(struct summary_denominator, key),
	    .dims = dims,
	    .n_dims = ARRAY_SIZE(dims),
	    .counts = {offsetof(struct summary_denominator, procedures),
		       offsetof(struct summary_denominator, premises),
		       offsetof(struct summary_denominator, premises_implausible),
		       offsetof(struct summary_denominator, premises_active),
		       offsetof(struct summary_denominator, premises_silent)},
	    .n_counts = 5,
	};
	return &map;
}

static const Oid den_types[N_DEN_PARAMS] = {OID_DATE, OID_DATE, OID_BOOL, OID_BOOL,
					    OID_BOOL, OID_BOOL, OID_BOOL};

static int fetch_denominators(struct fetch *f, const struct summary_query *q, unsigned need,
			      struct summary_denominator **ret, size_t *ret_n)
{
	const char *p[N_DEN_PARAMS];
	breakdown_params(p, q, need);
	void *rows;
	int rc = fetch_rows(f, SQL_DENOMINATORS, N_DEN_PARAMS, den_types, p, denominator_map(),
			    &rows, ret_n);
	if (rc == 0)
		*ret = rows;
	return rc;
}

/* The denominators over need and over need by Fitzpatrick type, for an
 * adjusted ratio, in one statement: the same rows as fetch_denominators with
 * need and with need | fitzpatrick, one read of the premises-weeks instead of
 * two. The statement lists the rows without a type first, but SQL promises
 * no order across UNION ALL, so they are split here by their type, each set
 * in the order it came. */
static int fetch_denominator_pair(struct fetch *f, const struct summary_query *q, unsigned need,
				  struct summary_input *in)
{
	const char *p[N_DEN_PARAMS];
	breakdown_params(p, q, need);
	void *rows;
	size_t n, n_plain = 0, n_fitz = 0;
	int rc = fetch_rows(f, SQL_DENOMINATORS_ADJUSTED, N_DEN_PARAMS - 2, den_types, p,
			    denominator_map(), &rows, &n);
	if (rc < 0)
		return rc;
	const struct summary_denominator *d = rows;
	struct summary_denominator *split = arena_alloc(f->rq->arena, (n ? n : 1) * sizeof(*d));
	if (!split)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		n_plain += !d[i].key.v[SUMMARY_FITZPATRICK];
	for (size_t i = 0, k = 0; i < n; i++)
		split[d[i].key.v[SUMMARY_FITZPATRICK] ? n_plain + n_fitz++ : k++] = d[i];
	in->denominators = split;
	in->n_denominators = n_plain;
	in->fitz_denominators = split + n_plain;
	in->n_fitz_denominators = n_fitz;
	return 0;
}

static int fetch_unregistered(struct fetch *f, const struct summary_query *q,
			      struct summary_unregistered **ret, size_t *ret_n)
{
	static const Oid types[N_UNREG_PARAMS] = {OID_DATE, OID_DATE, OID_BOOL, OID_BOOL,
						  OID_BOOL, OID_TEXT, OID_TEXT};
	static const enum summary_dim dims[] = {SUMMARY_WEEK, SUMMARY_SETTING,
						SUMMARY_COMPLICATION};
	static const struct row_map map = {
	    .row_size = sizeof(struct summary_unregistered),
	    .key = offsetof(struct summary_unregistered, key),
	    .dims = dims,
	    .n_dims = ARRAY_SIZE(dims),
	    .counts = {offsetof(struct summary_unregistered, cases)},
	    .n_counts = 1,
	};
	const char *p[N_UNREG_PARAMS] = {
	    q->from_date,
	    q->to_date,
	    flag(q->by_mask, SUMMARY_WEEK),
	    flag(q->by_mask, SUMMARY_SETTING),
	    flag(q->by_mask, SUMMARY_COMPLICATION),
	    q->setting,
	    q->complication,
	};
	void *rows;
	size_t n;
	int rc = fetch_rows(f, SQL_UNREGISTERED, N_UNREG_PARAMS, types, p, &map, &rows, &n);
	if (rc < 0)
		return rc;
	summary_table_sort_unregistered(q, rows, n);
	*ret = rows;
	*ret_n = n;
	return 0;
}

/* Everything the answer needs, in one snapshot. */
struct answer {
	struct summary_input in;
	struct summary_unregistered *unregistered; /* NULL: not applicable */
	size_t n_unregistered;
	const char *generated_at;
	const char *threshold; /* the last refresh's; NULL before the first */
};

static int fetch_all(struct fetch *f, const struct summary_query *q, struct answer *a)
{
	struct summary_events *ev = NULL, *fev = NULL;
	struct summary_denominator *den = NULL;
	unsigned fitz = SUMMARY_DIM_BIT(SUMMARY_FITZPATRICK);
	unsigned types = SUMMARY_DIM_BIT(SUMMARY_COMPLICATION_TYPE);

	a->in.q = q;
	if (fetch_events(f, q, q->needed, &ev, &a->in.n_events) < 0)
		return -EIO;
	a->in.events = ev;
	if (summary_table_wants_adjusted(q)) {
		/* Neither fitzpatrick nor training is needed here (that is what
		 * wants_adjusted says), so the pair is exactly the two sets. */
		if (fetch_events(f, q, q->needed | fitz, &fev, &a->in.n_fitz_events) < 0 ||
		    fetch_denominator_pair(f, q, q->needed, &a->in) < 0)
			return -EIO;
		a->in.fitz_events = fev;
	} else {
		if (fetch_denominators(f, q, q->needed, &den, &a->in.n_denominators) < 0)
			return -EIO;
		a->in.denominators = den;
	}
	/* Unregistered places are counted by week, setting and group only. */
	if (!(q->needed & types) &&
	    fetch_unregistered(f, q, &a->unregistered, &a->n_unregistered) < 0)
		return -EIO;
	PGresult *res = run(f, SQL_GENERATED_AT, 0, NULL, NULL);
	if (!res)
		return -EIO;
	a->generated_at = PQntuples(res) == 1 ? cell(res, 0, 0) : NULL;
	a->threshold = PQntuples(res) == 1 ? cell(res, 0, 1) : NULL;
	return 0;
}

static bool exec_command(struct fetch *f, const char *sql)
{
	PGresult *res = PQexec(f->conn, sql);
	bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	if (!ok)
		f->lost = db_result_is_connection_error(f->conn, res);
	PQclear(res);
	return ok;
}

static int fetch_snapshot(struct fetch *f, const struct summary_query *q, struct answer *a)
{
	if (!exec_command(f, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"))
		return -EIO;
	int rc = fetch_all(f, q, a);
	if (!exec_command(f, rc == 0 ? "COMMIT" : "ROLLBACK") && rc == 0)
		rc = -EIO;
	return rc;
}

struct params {
	struct summary_param v[MAX_PARAMS];
	size_t n;
	bool too_many;
};

static enum MHD_Result collect_param(void *cls, enum MHD_ValueKind kind, const char *key,
				     const char *value)
{
	struct params *p = cls;
	(void)kind;
	if (p->n == MAX_PARAMS) {
		p->too_many = true;
		return MHD_NO;
	}
	p->v[p->n++] = (struct summary_param){.key = key, .value = value};
	return MHD_YES;
}

static long today_days(void)
{
	return (long)(time(NULL) / 86400);
}

static bool wants_csv(struct request *rq)
{
	const char *accept =
	    MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
	return accept && strcasestr(accept, "text/csv");
}

static enum MHD_Result render(struct request *rq, const struct summary_query *q,
			      const struct answer *a)
{
	struct summary_table t;
	if (summary_table_build(rq->arena, &a->in, &t) < 0)
		return respond_oom(rq, "summary_table");
	rq->status = MHD_HTTP_OK;
	if (wants_csv(rq)) {
		size_t len;
		char *csv = summary_render_csv(q, &t, &len);
		if (!csv)
			return respond_oom(rq, "summary_csv");
		enum MHD_Result ret = respond_request_text(
		    rq, MHD_HTTP_OK, "text/csv; charset=utf-8", csv, len, NULL, "summaries_answer");
		free(csv);
		return ret;
	}
	cJSON *j = summary_render_json(q, &t, a->unregistered, a->n_unregistered, a->generated_at,
				       a->threshold ? atoi(a->threshold) : 0);
	if (!j)
		return respond_oom(rq, "summary_json");
	/* Before the first refresh no threshold has been applied to anything. */
	if (!a->threshold)
		cJSON_ReplaceItemInObjectCaseSensitive(j, "suppression_threshold",
						       cJSON_CreateNull());
	enum MHD_Result ret = respond_request_json(rq, MHD_HTTP_OK, j, NULL, "summaries_answer");
	cJSON_Delete(j);
	return ret;
}

/* The complication types of the request's snapshot, copied into its arena. */
static int current_types(struct request *rq, struct summary_types *ret)
{
	return summary_types_from_vocab(rq->arena, rq->snap->vocab, ret);
}

enum MHD_Result summaries_get(struct request *rq)
{
	struct params params = {.n = 0};
	struct summary_query q;
	struct summary_types types;
	struct issues errors;
	struct answer a = {.in.q = NULL};
	struct fetch f = {.rq = rq};

	issues_init(&errors, rq->arena);
	MHD_get_connection_values(rq->conn, MHD_GET_ARGUMENT_KIND, collect_param, &params);
	if (params.too_many)
		return respond_problem(rq, MHD_HTTP_BAD_REQUEST, "bad-query", "invalid query",
				       "too many query parameters", NULL, NULL);
	if (current_types(rq, &types) < 0)
		return respond_problem(rq, MHD_HTTP_SERVICE_UNAVAILABLE, "out-of-memory",
				       "out of memory", "retry later", NULL, NULL);
	int parsed = summary_query_parse(&q, params.v, params.n, today_days(), &types, &errors);
	if (parsed == -ENOMEM)
		return respond_oom(rq, "summary_query_parse");
	if (parsed < 0)
		return respond_problem(rq, MHD_HTTP_BAD_REQUEST, "bad-query", "invalid query",
				       "one or more parameters are invalid; see errors", &errors,
				       NULL);
	f.conn = dbpool_get(rq->server->replicas, POOL_WAIT_MS);
	if (!f.conn)
		return respond_problem(rq, MHD_HTTP_SERVICE_UNAVAILABLE, "database-unavailable",
				       "database unavailable", "retry later", NULL, NULL);
	int rc = fetch_snapshot(&f, &q, &a);
	dbpool_put(rq->server->replicas, f.conn, f.lost);
	enum MHD_Result ret =
	    rc == 0 ? render(rq, &q, &a)
		    : respond_problem(rq, MHD_HTTP_SERVICE_UNAVAILABLE, "database-unavailable",
				      "database unavailable",
				      "the summaries could not be read; retry later", NULL, NULL);
	for (size_t i = 0; i < f.n_results; i++)
		PQclear(f.results[i]);
	return ret;
}
