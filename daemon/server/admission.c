/* Admission: a memory budget for request bodies being turned into reports. */
#include "admission.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

/* The tree dominates: cJSON_Parse of 1,000 of the test suite's reports
 * (774 KB, 38,001 values) allocates 4.75 MB, 125 bytes a value with its keys
 * and strings ("[0,0,...]": 80 bytes a value, 40 times its text). The
 * arena's normalised report, stored body and INSERT parameters, and the
 * text itself until it is parsed, are about 3 times the text. Such a batch
 * costs 7.2 MB, near the old flat 8 x text (6.2 MB), so two still fit the
 * default 16 MiB budget; a body of small values is no longer priced at a
 * fifth of what it costs. */
#define COST_PER_VALUE 128
#define COST_PER_BODY_BYTE 3
/* The request's first arena block. */
#define COST_BASE (16 * 1024)

struct admission {
	pthread_mutex_t lock;
	size_t budget; /* 0: unlimited */
	size_t held;
	bool open; /* shutting down: admit everything */
	struct admission_waiter *head, *tail;
	size_t waiting;
};

struct admission *admission_new(size_t budget)
{
	struct admission *a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	pthread_mutex_init(&a->lock, NULL);
	a->budget = budget;
	return a;
}

void admission_free(struct admission *a)
{
	if (!a)
		return;
	pthread_mutex_destroy(&a->lock);
	free(a);
}

/* Whether cost may be held now. Nothing held admits anything: a request
 * larger than the budget must not wait forever. */
static bool fits(const struct admission *a, size_t cost)
{
	if (a->open || a->budget == 0 || a->held == 0)
		return true;
	return a->held < a->budget && cost <= a->budget - a->held;
}

bool admission_enter(struct admission *a, struct admission_waiter *w, size_t cost)
{
	bool now;

	pthread_mutex_lock(&a->lock);
	/* Behind a queue, wait too: no overtaking. */
	now = !a->head && fits(a, cost);
	if (now) {
		a->held += cost;
	} else {
		w->suspend(w);
		w->cost = cost;
		w->next = NULL;
		if (a->tail)
			a->tail->next = w;
		else
			a->head = w;
		a->tail = w;
		a->waiting++;
	}
	pthread_mutex_unlock(&a->lock);
	return now;
}

/* Under the lock: takes the waiters that now fit off the queue, in order,
 * holding their cost; returns them as a list to wake outside the lock. */
static struct admission_waiter *take_admitted(struct admission *a)
{
	struct admission_waiter *first = NULL, **last = &first;

	while (a->head && fits(a, a->head->cost)) {
		struct admission_waiter *w = a->head;
		a->head = w->next;
		if (!a->head)
			a->tail = NULL;
		a->waiting--;
		a->held += w->cost;
		w->next = NULL;
		*last = w;
		last = &w->next;
	}
	return first;
}

static void wake_all(struct admission_waiter *w)
{
	while (w) {
		/* wake() may free w (the request may end at once). */
		struct admission_waiter *next = w->next;
		w->wake(w);
		w = next;
	}
}

/* After anything that may make room: admits who now fits, unlocks, and
 * wakes them outside the lock (wake() resumes a connection). */
static void unlock_and_wake(struct admission *a)
{
	struct admission_waiter *w = take_admitted(a);
	pthread_mutex_unlock(&a->lock);
	wake_all(w);
}

void admission_leave(struct admission *a, size_t cost)
{
	pthread_mutex_lock(&a->lock);
	a->held = cost < a->held ? a->held - cost : 0;
	unlock_and_wake(a);
}

void admission_set_budget(struct admission *a, size_t budget)
{
	pthread_mutex_lock(&a->lock);
	a->budget = budget;
	unlock_and_wake(a);
}

void admission_open(struct admission *a)
{
	pthread_mutex_lock(&a->lock);
	a->open = true;
	unlock_and_wake(a);
}

size_t admission_cost(size_t body_bytes, size_t values)
{
	if (body_bytes > (SIZE_MAX - COST_BASE) / 2 / COST_PER_BODY_BYTE ||
	    values > (SIZE_MAX - COST_BASE) / 2 / COST_PER_VALUE)
		return SIZE_MAX;
	return COST_BASE + body_bytes * COST_PER_BODY_BYTE + values * COST_PER_VALUE;
}

size_t admission_held(struct admission *a)
{
	pthread_mutex_lock(&a->lock);
	size_t n = a->held;
	pthread_mutex_unlock(&a->lock);
	return n;
}

size_t admission_waiting(struct admission *a)
{
	pthread_mutex_lock(&a->lock);
	size_t n = a->waiting;
	pthread_mutex_unlock(&a->lock);
	return n;
}
