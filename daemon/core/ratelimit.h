/* Rate limit: a token bucket per key (an account id), requests per minute.
 *
 * Thread-safe: one mutex guards the table, held for a hash look-up and a few
 * integer operations. Memory is bounded by max_keys. The clock is the
 * caller's (monotonic milliseconds), so the module does no I/O and is unit-
 * tested with a fake clock. */
#ifndef NW_RATELIMIT_H
#define NW_RATELIMIT_H

#include <stddef.h>

struct ratelimit;

/* A table for at most max_keys keys (> 0). NULL on out of memory. */
struct ratelimit *ratelimit_new(size_t max_keys);
/* Accepts NULL. */
void ratelimit_free(struct ratelimit *rl);

/* One request by key at now_ms under a limit of per_minute requests per
 * minute, of which a whole minute's worth may come at once (the bucket holds
 * per_minute). Returns 0 when the request may go on, else the whole seconds
 * (>= 1) until one more request would be allowed: the Retry-After value.
 * per_minute <= 0 means unlimited. When the table is full of keys seen in the
 * last minute, a new key is let through untracked (fail open: every key
 * belongs to an authenticated account). */
int ratelimit_take(struct ratelimit *rl, long long key, int per_minute, long long now_ms);

/* Keys tracked now (for tests and /metrics). */
size_t ratelimit_size(struct ratelimit *rl);

#endif
