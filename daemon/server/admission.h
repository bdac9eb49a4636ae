/* Admission: a memory budget for request bodies being turned into reports.
 *
 * A 1,000-report batch is about 1 MB of text but several MB once parsed,
 * normalised and waiting for its commit, and it holds all of that until the
 * commit, because a batch is stored whole or not at all. Without a bound,
 * 16 clients posting batches at once drive the daemon past 100 MiB. So a
 * request whose body is complete asks for its expected cost first; when the
 * budget is spent it waits, suspended, in arrival order, and is woken when
 * an earlier request lets go. Single reports cost a few KB and never wait in
 * practice; batches queue behind each other, which costs no throughput while
 * the writer, not parsing, is the limit.
 *
 * FIFO without overtaking, so a large batch is not starved by small ones. A
 * request costing more than the whole budget is admitted when nothing else is
 * held (alone, it is still bounded by max_body_bytes).
 *
 * Thread-safe: one mutex guards the budget and the queue. The caller's
 * suspend() runs under that mutex, before the waiter is queued, so its wake()
 * (run by whichever thread releases, outside the mutex) always comes after
 * it. Pure otherwise: no I/O, unit-tested without libmicrohttpd. */
#ifndef NW_ADMISSION_H
#define NW_ADMISSION_H

#include <stdbool.h>
#include <stddef.h>

struct admission;

/* One request waiting; owned by the caller, which must keep it alive until
 * wake() has run. */
struct admission_waiter {
	struct admission_waiter *next;		     /* the queue's */
	size_t cost;				     /* the queue's: what was asked */
	void (*suspend)(struct admission_waiter *w); /* under the mutex; must not re-enter */
	void (*wake)(struct admission_waiter *w);    /* admitted: cost now held for it */
};

/* A budget of budget bytes (0: unlimited). NULL on out of memory. */
struct admission *admission_new(size_t budget);
/* Accepts NULL. Waiters still queued are forgotten, not woken. */
void admission_free(struct admission *a);

/* Asks for cost bytes. True: they are held now, go on. False: w->suspend()
 * has run and w is queued; w->wake() runs once the cost is held for it. */
bool admission_enter(struct admission *a, struct admission_waiter *w, size_t cost);
/* Gives back cost bytes held, and wakes the waiters that now fit, in order. */
void admission_leave(struct admission *a, size_t cost);
/* A new budget (SIGHUP); a larger one wakes the waiters that now fit. */
void admission_set_budget(struct admission *a, size_t budget);
/* Admits every waiter whatever the budget, and every later request too:
 * shutdown, so that no connection stays suspended. */
void admission_open(struct admission *a);

/* What a body is expected to cost from admission until its request is
 * freed, from what the strict pre-pass counted in it: every value becomes a
 * cJSON node, normalised fields and INSERT parameters; every byte of text is
 * held as the text, the stored body and the normalised JSON. Saturates
 * instead of overflowing. */
size_t admission_cost(size_t body_bytes, size_t values);

/* For /metrics and tests. */
size_t admission_held(struct admission *a);
size_t admission_waiting(struct admission *a);

#endif
