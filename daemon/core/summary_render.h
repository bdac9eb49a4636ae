/* Summary rendering: the rows of a summary table as the JSON answer of
 * GET /v1/summaries (docs/rates.md) or as CSV with the same column names.
 *
 * Each row carries exactly the keys of `by`, in its order, then the figures.
 * Figures are rounded to 10 significant digits (more than any count here
 * supports, and the 6 that docs/rates.md promises); a figure that does not apply
 * is null in JSON and an empty cell in CSV. */
#ifndef NW_SUMMARY_RENDER_H
#define NW_SUMMARY_RENDER_H

#include <cJSON.h>
#include <stddef.h>

#include "summary_table.h"

/* The JSON answer. generated_at (when the summary tables were last
 * refreshed) may be NULL; unregistered may be NULL to leave that member
 * out. Caller owns the result. NULL on out of memory. */
cJSON *summary_render_json(const struct summary_query *q, const struct summary_table *t,
			   const struct summary_unregistered *unregistered, size_t n_unregistered,
			   const char *generated_at, int suppression_threshold);

/* The rows as CSV, header first, CRLF line ends (RFC 4180); malloc'd, the
 * caller frees it; length in *ret_len. NULL on out of memory. */
char *summary_render_csv(const struct summary_query *q, const struct summary_table *t,
			 size_t *ret_len);

#endif
