/* Activity: the procedure counts a premises reports for an ISO week — the
 * denominator of every rate (docs/rates.md) — parsed and validated from JSON or CSV.
 *
 * JSON is one object or an array of them:
 *   {"period": "2026-W47", "procedure_type": "microneedling", "procedures": 120,
 *    "by_fitzpatrick": {"1": 10, "2": 30, ...},
 *    "by_training": {"medically_trained": 100, "not_medically_trained": 20}}
 * CSV has one such submission per row under the header of
 * config/activity-template.csv. A submission is all or nothing: every error
 * of every item is reported, with its field path, and nothing is stored.
 * Pure: no I/O, no logging, no clock (the caller supplies today's date). */
#ifndef NW_ACTIVITY_PARSE_H
#define NW_ACTIVITY_PARSE_H

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "issues.h"
#include "isoweek.h"

struct arena;
struct vocab;

/* Procedures per premises, week and type: more than any clinic does, low
 * enough that sums over years of weeks stay far inside 64 bits. */
#define ACTIVITY_MAX_PROCEDURES 1000000
/* Submissions per request: five years of weekly figures for four types. */
#define ACTIVITY_MAX_ITEMS 1000
#define ACTIVITY_FITZPATRICK_TYPES 6

struct activity {
	char period[ISOWEEK_TEXT_LEN];	   /* "2026-W47" */
	char week_start[ISOWEEK_DATE_LEN]; /* its Monday, "2026-11-16" */
	const char *procedure_type;	   /* the vocabulary's code */
	long procedures;
	bool has_fitzpatrick; /* by_fitzpatrick given; it sums to procedures */
	long by_fitzpatrick[ACTIVITY_FITZPATRICK_TYPES]; /* [0] is type 1 */
	bool has_training; /* by_training given; it sums to procedures */
	long trained, untrained;
};

struct activity_list {
	struct activity *v;
	size_t n;
	bool many; /* an array or CSV: the answer lists items */
};

struct activity_ctx {
	const struct vocab *vocab;
	char today[ISOWEEK_DATE_LEN]; /* YYYY-MM-DD (UTC): weeks after its week are errors */
};

/* doc is an object or an array of objects. Returns 0 with *ret filled
 * (strings in a), -EINVAL when errors were added (field paths such as
 * "procedures" or "[2].by_fitzpatrick.4"), -EBADMSG when doc is neither an
 * object nor an array (*ret_reason says so), -ENOMEM. */
int activity_parse_json(const struct activity_ctx *ctx, const cJSON *doc, struct arena *a,
			struct activity_list *ret, struct issues *errors, const char **ret_reason);

/* A CSV body (delimiter sniffed: ',' ';' or TAB) with a header row. Returns
 * 0, -EINVAL with errors (paths "line 3.procedures"), -EBADMSG when the file
 * cannot be read as a table of activity (broken quoting, no header, unknown
 * or repeated column, no rows) with a reason in the arena in *ret_reason,
 * -ENOMEM. */
int activity_parse_csv(const struct activity_ctx *ctx, const char *buf, size_t len, struct arena *a,
		       struct activity_list *ret, struct issues *errors, const char **ret_reason);

#endif
