/* Normalisation: a parsed JSON report (docs/report-format.md) into struct report.
 *
 * Pure: no I/O, no logging, no clock (the caller supplies today's date).
 * Invalid values become errors with field paths; unknown vocabulary becomes
 * code "other" + needs_review + a warning, never an error. Identifying data
 * (identifying.h) is an error: a member named for it at any depth, or free
 * text holding an identifier. A member the format does not define is a
 * warning, and is left out of the stored body (report_members.h). */
#ifndef NW_NORMALISE_H
#define NW_NORMALISE_H

#include <cJSON.h>

#include "issues.h"
#include "report.h"

struct arena;
struct vocab;
struct region_table;
struct pseudonym_key;

struct normalise_ctx {
	const struct vocab *vocab;
	const struct region_table *regions;  /* may be NULL: region left unknown */
	const struct pseudonym_key *key;     /* may be NULL only in tests without patient.ref */
	char today[11];                      /* YYYY-MM-DD, UTC; later dates are errors */
};

/* Fills *ret from doc. Returns 0 when the report is valid (warnings may
 * still be added), -EINVAL when errors were added, -ENOMEM. Strings are
 * allocated in a. */
int normalise_report(const struct normalise_ctx *ctx, const cJSON *doc, struct arena *a,
		     struct report *ret, struct issues *errors, struct issues *warnings);

/* Value parsers (normalise_value.c), exposed for unit tests and the other input
 * formats (CSV, FHIR). */

/* "2026-11-02" or UK "02/11/2026" (also 2/11/2026) into ISO; 0 or -EINVAL with a reason. */
int normalise_date(const char *raw, const char *today, char out[11], const char **ret_reason);
/* "1.5mm", "1.5 mm", "1500 µm", "1500um", "0.15 cm" or a bare number of mm. 0 or -EINVAL. */
int normalise_depth_mm(const char *raw, double *ret_mm, const char **ret_reason);
/* A depth already in millimetres (a JSON number): rounded to whole µm and
 * checked against 0.1-3.0 mm. 0 or -EINVAL with a reason. */
int normalise_depth_number(double mm, double *ret_mm, const char **ret_reason);
/* "IV", "type 4", "4", "Fitzpatrick V" -> 1..6; 0 or -EINVAL. */
int normalise_fitzpatrick(const char *raw, int *ret_type, const char **ret_reason);

/* The normalised report as JSON (the "report" member of the 201 answer and
 * the stored normalised column). Caller owns the result (cJSON_Delete). */
cJSON *report_to_json(const struct report *r);

#endif
