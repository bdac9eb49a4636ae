/* Deadlines: the phase of each connection's request and when it runs out. */
#include "deadline.h"

#include <assert.h>

static const char *const REASON_NAMES[DEADLINE_REASON_COUNT] = {
    [DEADLINE_REASON_HEADER_TIMEOUT] = "header_timeout",
    [DEADLINE_REASON_BODY_TOO_SLOW] = "body_too_slow",
    [DEADLINE_REASON_KEEPALIVE_TIMEOUT] = "keepalive_timeout",
};

void deadline_table_init(struct deadline_table *t)
{
	t->head.prev = &t->head;
	t->head.next = &t->head;
	t->count = 0;
}

void deadline_add(struct deadline_table *t, struct deadline_entry *e, int fd, long long now_ms)
{
	assert(!e->next);
	e->fd = fd;
	e->phase = DEADLINE_HEADER;
	e->since_ms = now_ms;
	e->body_bytes = 0;
	e->dropped = false;
	e->prev = t->head.prev;
	e->next = &t->head;
	t->head.prev->next = e;
	t->head.prev = e;
	t->count++;
}

void deadline_remove(struct deadline_table *t, struct deadline_entry *e)
{
	if (!e->next)
		return;
	e->prev->next = e->next;
	e->next->prev = e->prev;
	e->prev = e->next = NULL;
	t->count--;
}

void deadline_header_done(struct deadline_entry *e, bool has_body, long long now_ms)
{
	e->phase = has_body ? DEADLINE_BODY : DEADLINE_SERVING;
	e->since_ms = now_ms;
	e->body_bytes = 0;
}

void deadline_body_progress(struct deadline_entry *e, size_t n)
{
	if (e->phase != DEADLINE_BODY)
		return;
	if (n == 0)
		e->phase = DEADLINE_SERVING;
	else
		e->body_bytes += n;
}

void deadline_request_done(struct deadline_entry *e, long long now_ms)
{
	e->phase = DEADLINE_KEEPALIVE;
	e->since_ms = now_ms;
	e->body_bytes = 0;
}

/* The body's allowance beyond the header timeout: one second per
 * body_min_rate bytes, divided first so that no count can overflow. */
static long long body_allowance_ms(unsigned long long bytes, long long rate)
{
	unsigned long long r = (unsigned long long)rate;
	return (long long)(bytes / r * 1000 + bytes % r * 1000 / r);
}

enum deadline_reason deadline_expired(const struct deadline_entry *e, long long now_ms,
				      const struct deadline_limits *l)
{
	long long age = now_ms - e->since_ms;

	switch (e->phase) {
	case DEADLINE_HEADER:
		return age > l->header_timeout_ms ? DEADLINE_REASON_HEADER_TIMEOUT
						  : DEADLINE_REASON_NONE;
	case DEADLINE_KEEPALIVE:
		return age > l->header_timeout_ms ? DEADLINE_REASON_KEEPALIVE_TIMEOUT
						  : DEADLINE_REASON_NONE;
	case DEADLINE_BODY:
		return age > l->header_timeout_ms +
				   body_allowance_ms(e->body_bytes, l->body_min_rate)
			   ? DEADLINE_REASON_BODY_TOO_SLOW
			   : DEADLINE_REASON_NONE;
	case DEADLINE_SERVING:
		break;
	}
	return DEADLINE_REASON_NONE;
}

size_t deadline_sweep(struct deadline_table *t, long long now_ms, const struct deadline_limits *l,
		      struct deadline_drop *ret, size_t max)
{
	size_t n = 0;

	for (struct deadline_entry *e = t->head.next; e != &t->head && n < max; e = e->next) {
		if (e->dropped)
			continue;
		enum deadline_reason r = deadline_expired(e, now_ms, l);
		if (r == DEADLINE_REASON_NONE)
			continue;
		e->dropped = true;
		ret[n++] = (struct deadline_drop){
		    .fd = e->fd,
		    .reason = r,
		    .age_ms = now_ms - e->since_ms,
		    .body_bytes = e->body_bytes,
		};
	}
	return n;
}

const char *deadline_reason_name(enum deadline_reason r)
{
	return r < DEADLINE_REASON_COUNT ? REASON_NAMES[r] : "none";
}
