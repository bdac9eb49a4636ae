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

#include "util.h"

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "issues.h"
#include "isoweek.h"
#include "vocab.h"

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

/* The complication types a summary knows: the vocabulary's complication
 * codes in the order vocabulary.json lists them, without expected
 * reactions (not complications), each with its group. Settings and groups
 * are the schema's closed lists (codes.h). Copied out of the vocabulary so
 * that a reload during the request changes nothing it shows. */
struct summary_types {
	size_t n;
	const char **type;  /* NULL-terminated */
	const char **group; /* group[i] is type[i]'s */
};

/* The types of v, copied into a (which owns them). 0 or -ENOMEM. Call with
 * the vocabulary held. */
int summary_types_from_vocab(struct arena *a, const struct vocab *v, struct summary_types *ret);

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
	/* The types the filter was checked against and rows are listed by. */
	const struct summary_types *types;
};

/* The name of a dimension as `by` spells it ("complication_type"). */
const char *summary_dim_name(enum summary_dim d);

/* Parses params[0..n) with today (days since the epoch) for the defaults.
 * Returns 0, or -EINVAL with one issue per bad parameter (field = its name):
 * an unknown or repeated parameter, a malformed week or range, an unknown
 * `by` or filter value; -ENOMEM when an issue could not be recorded. */
NW_MUSTCHECK int summary_query_parse(struct summary_query *q, const struct summary_param *params,
				     size_t n, long today, const struct summary_types *types,
				     struct issues *errors);

/* The group of a type in types, or NULL. */
const char *summary_type_group(const struct summary_types *types, const char *type);

#endif
