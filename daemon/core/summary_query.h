/* Summary queries: the parameters of GET /v1/summaries, checked and resolved.
 *
 *   from, to            ISO weeks ("2026-W40"); default: the 13 weeks ending this week
 *   by                  any of week, setting, complication, complication_type,
 *                       fitzpatrick, region, training (default setting,complication)
 *   setting, complication, complication_type
 *                       filters, one value each
 *
 * Pure: the caller supplies today's date. */
#ifndef NW_SUMMARY_QUERY_H
#define NW_SUMMARY_QUERY_H

#include <stdbool.h>
#include <stddef.h>

#include "issues.h"
#include "isoweek.h"

/* The breakdowns, in the order rows are keyed when several are asked for. */
enum summary_dim {
	SUMMARY_WEEK,
	SUMMARY_SETTING,
	SUMMARY_COMPLICATION,	   /* the complication group */
	SUMMARY_COMPLICATION_TYPE, /* the vocabulary code */
	SUMMARY_FITZPATRICK,
	SUMMARY_REGION,
	SUMMARY_TRAINING,
	SUMMARY_DIM_COUNT
};

#define SUMMARY_DIM_BIT(d) (1u << (d))
/* Default range: a quarter, this week and the 12 before it. */
#define SUMMARY_DEFAULT_WEEKS 13
/* Longest range one request may ask for: ten years of weeks. */
#define SUMMARY_MAX_WEEKS 522

/* A parameter as it arrived (URL-decoded). */
struct summary_param {
	const char *key;
	const char *value;
};

struct summary_query {
	struct iso_week from, to;
	char from_text[ISOWEEK_TEXT_LEN], to_text[ISOWEEK_TEXT_LEN];
	/* The Mondays of from and to: rows have week BETWEEN from_date AND to_date. */
	char from_date[ISOWEEK_DATE_LEN], to_date[ISOWEEK_DATE_LEN];
	enum summary_dim by[SUMMARY_DIM_COUNT]; /* in the order asked */
	size_t n_by;
	unsigned by_mask;
	/* Filters, NULL when absent; they point into the parameters. */
	const char *setting;
	const char *complication;
	const char *complication_type;
	/* The dimensions rows are computed over: by plus every filtered one, so
	 * that a filtered row can still be compared with medical_clinic. */
	unsigned needed;
};

/* The name of a dimension as `by` spells it ("complication_type"). */
const char *summary_dim_name(enum summary_dim d);

/* Parses params[0..n) with today (days since the epoch) for the defaults.
 * Returns 0, or -EINVAL with one issue per bad parameter (field = its name):
 * an unknown or repeated parameter, a malformed week or range, an unknown
 * `by` or filter value. */
int summary_query_parse(struct summary_query *q, const struct summary_param *params, size_t n,
			long today, struct issues *errors);

/* Registered settings, complication groups (without 'expected', which is
 * not a complication) and types (without expected_reaction), in the order
 * tables list them; each NULL-terminated. */
extern const char *const summary_settings[];
extern const char *const summary_groups[];
extern const char *const summary_types[];
/* The group of a type in summary_types, or NULL. */
const char *summary_type_group(const char *type);

/* Position of s in a NULL-terminated list, or -1. */
int summary_rank(const char *const *list, const char *s);

#endif
