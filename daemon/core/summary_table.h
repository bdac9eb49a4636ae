/* Summary table: the rows of GET /v1/summaries, assembled from aggregated
 * counts (docs/rates.md), with rates, intervals and ratios from stats.c, and
 * rendered as JSON or CSV.
 *
 * The caller aggregates the summary tables by the query's dimensions (SQL)
 * and hands the counts in; this module joins events to their denominators,
 * adds the zero rows a rate table needs, compares each setting with
 * medical_clinic and orders the rows. Pure: no I/O, no clock. */
#ifndef NW_SUMMARY_TABLE_H
#define NW_SUMMARY_TABLE_H

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stats.h"
#include "summary_query.h"

struct arena;

/* Values of the dimensions, as text: "2026-W47", "salon", "pigmentation",
 * "pih", "4", a region name, "true"/"false". NULL where the dimension is not
 * grouped on, or its value is unknown (a case without a recorded skin type). */
struct summary_key {
	const char *v[SUMMARY_DIM_COUNT];
};

/* Cases over the query's dimensions: events are those counted in the rate,
 * cases all of them except the implausible (the rest lacked a denominator);
 * events_third_party the part of events from third-party reports
 * (schema/008_third_party.sql); events_implausible the cases of implausible
 * premises-weeks, in neither (schema/013_plausibility_coverage.sql). */
struct summary_events {
	struct summary_key key;
	uint64_t events;
	uint64_t cases;
	uint64_t events_third_party;
	uint64_t events_implausible;
};

/* Activity over the query's dimensions except the complication ones:
 * procedures and premises of plausible premises-weeks; the implausible
 * premises-weeks left out; the premises active in the range and, of those,
 * the ones that sent nothing for any of its weeks (schema/013). */
struct summary_denominator {
	struct summary_key key;
	uint64_t procedures;
	uint64_t premises;
	uint64_t premises_implausible;
	uint64_t premises_active;
	uint64_t premises_silent;
};

/* Cases at unregistered places, over the query's week, setting and complication. */
struct summary_unregistered {
	struct summary_key key;
	uint64_t cases;
};

struct summary_input {
	const struct summary_query *q;
	const struct summary_events *events;
	size_t n_events;
	const struct summary_denominator *denominators;
	size_t n_denominators;
	/* The same counts with fitzpatrick added to the dimensions, for the
	 * ratio adjusted by Fitzpatrick type; empty when it does not apply. */
	const struct summary_events *fitz_events;
	size_t n_fitz_events;
	const struct summary_denominator *fitz_denominators;
	size_t n_fitz_denominators;
};

struct summary_row {
	struct summary_key key;
	uint64_t events;
	uint64_t procedures;
	uint64_t premises_reporting;
	uint64_t events_without_activity;
	uint64_t events_third_party; /* of events, from third-party reports */
	uint64_t events_implausible; /* left out: implausible premises-weeks */
	uint64_t premises_implausible;
	uint64_t premises_active; /* coverage: registered and active */
	uint64_t premises_silent; /* of those, sent neither activity nor reports */
	bool has_rate;		  /* procedures > 0 */
	double rate_per_1000;
	bool has_ci; /* stats_rate() succeeded */
	struct stats_rate ci;
	bool has_ratio; /* against the medical_clinic row with the same other keys */
	struct stats_ratio ratio;
	bool has_adjusted; /* Mantel–Haenszel over Fitzpatrick types */
	struct stats_ratio adjusted;
};

struct summary_table {
	struct summary_row *rows;
	size_t n;
};

/* Whether the adjusted ratio can apply to q: setting compared, and neither
 * fitzpatrick (already a stratum) nor training (no joint breakdown) asked for. */
bool summary_table_wants_adjusted(const struct summary_query *q);

/* Builds the rows in a, filtered by q's filters and ordered by its `by`.
 * 0 or -ENOMEM. */
int summary_table_build(struct arena *a, const struct summary_input *in, struct summary_table *ret);

/* Orders unregistered counts like rows (keys are q's week, setting, complication). */
void summary_table_sort_unregistered(const struct summary_query *q, struct summary_unregistered *u,
				     size_t n);

#endif
