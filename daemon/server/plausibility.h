/* Plausibility at ingest: the warning a report draws when, with the activity
 * already stored, it makes its premises-week implausible (schema/013). */
#ifndef NW_PLAUSIBILITY_H
#define NW_PLAUSIBILITY_H

#include "dbpool.h"
#include "issues.h"
#include "report.h"

/* Called on the request thread for a single report whose procedure was done
 * at registered premises procedure_premises_id, sent by premises_id: counts
 * that premises-week's cases as the summaries will (this report replacing
 * any earlier version of its case) against the procedures stored for it, and
 * adds a warning under "procedure" when the refresh will leave the week out
 * of the rates. Never refuses a report: without activity, or without a
 * database to ask, it adds nothing. */
void plausibility_warn_report(struct dbpool *readers, long long procedure_premises_id,
			      long long premises_id, const struct report *r,
			      struct issues *warnings);

#endif
