/* Intake: the strict pre-pass over a complete request body, before admission.
 *
 * Counts what the body holds (the reports of a batch, the values cJSON would
 * make nodes of, CSV cells) without building anything, refuses a body over
 * the limits with 413, and prices the rest for admission (admission_cost).
 * A 4 MB "[0,0,...]" is two million cJSON nodes, about 160 MB: it must be
 * refused here, not after the tree is built. A body the pre-pass cannot read
 * (bad grammar) is priced by what it read so far and left to the route's
 * handler, whose parse refuses it just as early, with the reason. */
#ifndef NW_INTAKE_H
#define NW_INTAKE_H

#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>

struct request;

/* For a POST route's complete body, before admission: true with *ret_cost
 * (bytes to ask admission for) when the request may go on; false when an
 * answer is queued (413 over a limit), *ret_answer being its result. */
bool intake_measure(struct request *rq, size_t *ret_cost, enum MHD_Result *ret_answer);

#endif
