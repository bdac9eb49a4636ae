/* Re-derivation: a stored report's normalised form, again, from its verbatim body.
 *
 * The same steps the daemon took when the report arrived (format mapping,
 * normalise_report(), the place of the procedure and its warnings), with the
 * vocabulary given, on the body as stored: its patient ref is already the
 * pseudonym, so the stored pseudonym is carried over, never derived again. */
#ifndef NW_CTL_REDERIVE_H
#define NW_CTL_REDERIVE_H

#include <stddef.h>

struct arena;
struct vocab;
struct region_table;
struct stored_row;

/* One stored row, as text from the database (NULL for SQL NULL). */
struct rederive_source {
	const char *format; /* "json", "csv", "fhir" */
	const char *body;
	const char *pseudonym;		 /* reports.patient_pseudonym */
	long long procedure_premises_id; /* 0: an unregistered place */
	const char *premises_setting;	 /* that premises' registered setting */
};

struct rederive_ctx {
	const struct vocab *vocab;
	const struct region_table *regions;
	char today[11];
};

/* The row the daemon would store for s today (stored_report_row: the
 * normalised JSON with procedure.place, the warnings, every derived column
 * and the complications), in a. Returns 0; -EINVAL when the body no longer
 * yields a valid report, with the first reason in why; -ENOMEM. */
int rederive_report(const struct rederive_ctx *ctx, const struct rederive_source *s, struct arena *a,
		    struct stored_row *ret_row, char *why, size_t why_len);

#endif
