/* Published numbers: how every non-integer figure leaves the system.
 *
 * GET /v1/summaries (JSON and CSV) and the weekly export's CSV and JSON
 * files round each rate, interval and ratio to NUMFMT_SIGNIFICANT_FIGURES
 * significant figures, written as printf's %g writes them (no trailing
 * zeros; an exponent below 1e-4). Counts are integers and are written
 * whole. This is the one place the precision is set. */
#ifndef NW_NUMFMT_H
#define NW_NUMFMT_H

#include <stdbool.h>
#include <stddef.h>

/* Ten figures: more than any rate per 1000 procedures can honestly claim,
 * and few enough that a binary double's tail (0.30000000000000004) never
 * shows. */
#define NUMFMT_SIGNIFICANT_FIGURES 10

/* v rounded to NUMFMT_SIGNIFICANT_FIGURES significant figures. */
double numfmt_round(double v);

/* v as published text into buf (24 bytes is always enough). */
void numfmt_format(double v, char *buf, size_t len);

/* text (a number as PostgreSQL prints it) re-written as published into
 * buf; false, buf untouched, when text is not a finite number. */
bool numfmt_text(const char *text, char *buf, size_t len);

#endif
