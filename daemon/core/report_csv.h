/* Report CSV: spreadsheet rows into the JSON report shape normalise_report() takes.
 *
 * One row per complication; rows sharing client_ref (and version) are one
 * report, in the order each report first appears. Header names are matched
 * ignoring case, spaces, underscores and punctuation ("Client Ref",
 * "client_ref", "CLIENT-REF"), with a few aliases; the columns are listed in
 * config/report-template.csv and documented in the README. Cells are text:
 * this module only trims them, turns integer, yes/no and list columns into
 * JSON numbers, booleans and arrays when they read as such, and leaves every
 * judgement about values to normalise_report(), so CSV and JSON reports are
 * normalised by the same code. Pure: no I/O, no logging. */
#ifndef NW_REPORT_CSV_H
#define NW_REPORT_CSV_H

#include <cJSON.h>
#include <stddef.h>

#include "csv.h"
#include "issues.h"

struct arena;

/* One report assembled from its rows. */
struct report_csv_item {
	cJSON *report;	    /* the JSON report shape; owned by the item */
	const char ***rows; /* its readable rows' cells, trimmed, one per header column */
	size_t n_rows;
	size_t *lines; /* the line of each of its rows, in order */
	size_t n_lines;
	size_t *complication_lines; /* the line each complications[i] came from */
	size_t n_complications;
	/* Problems with the rows themselves (ragged, invalid UTF-8, two rows
	 * disagreeing about a report-level column, too many rows): the report
	 * must be rejected with these, whatever normalisation would say. */
	struct issues errors;
};

struct report_csv {
	struct report_csv_item *items;
	size_t n;
	struct issues warnings; /* about the file: unknown columns, not stored */
	/* Identifying columns ("Patient Name", "NHS Number", "Postcode"), each
	 * named in its message: when there are any, the file is refused. */
	struct issues refused;
	const char **header; /* the header's cells as written */
	const int *columns;  /* per header cell: its column, -1 when unknown */
	size_t n_columns;
	const char *patient_ref_header; /* the patient ref column's header cell, or NULL */
};

/* Parses a CSV body (delimiter sniffed: ',' ';' or TAB). Returns 0 with
 * *ret filled (release it with report_csv_free()); -EINVAL when the file
 * as a whole cannot be read (broken quoting, no header, no client_ref
 * column, the same column twice, no data rows), with the line and reason in
 * *ret_err; -EPERM when the header names identifying data (the columns in
 * ret->refused, which outlives the failure in a); -E2BIG when it holds more
 * than max_reports reports; -ENOMEM.
 * Allocations are in a, except the cJSON trees. */
int report_csv_parse(const char *buf, size_t len, size_t max_reports, struct arena *a,
		     struct report_csv *ret, struct csv_error *ret_err);

/* Deletes the items' cJSON trees. Accepts a zeroed struct. */
void report_csv_free(struct report_csv *rc);

/* The item's rows as the stored body keeps them: [{"<header>": "<cell>"}],
 * blank cells and unknown columns left out, the patient ref cell replaced by patient_ref when
 * that is not NULL. The caller owns the result; NULL on out of memory. */
cJSON *report_csv_rows_json(const struct report_csv *rc, const struct report_csv_item *item,
			    const char *patient_ref);

/* The CSV line an issue about field of item comes from: the line of
 * complications[i] for "complications[i]...", else the report's first line. */
size_t report_csv_line_of(const struct report_csv_item *item, const char *field);

#endif
