/* Rate limit: a token bucket per key, requests per minute. Keys are account
 * ids (rate_limit_per_token) or client addresses (auth_failures_per_minute,
 * see netaddr_limit_key()); each use has its own table.
 *
 * Thread-safe: one mutex guards the table, held for a hash look-up and a few
 * integer operations. Memory is bounded by max_keys. The clock is the
 * caller's (monotonic milliseconds), so the module does no I/O and is unit-
 * tested with a fake clock. */
#ifndef NW_RATELIMIT_H
#define NW_RATELIMIT_H

#include <stdbool.h>
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
 * last minute, a new key is let through untracked (fail open: an account
 * key belongs to an authenticated account; for client addresses see
 * AUTH_FAILURE_KEYS in main.c). */
int ratelimit_take(struct ratelimit *rl, long long key, int per_minute, long long now_ms);

/* What ratelimit_take() would answer now, taking nothing and never adding
 * key to the table (an absent key has a full bucket). For a limit that only
 * some requests are charged to (failed authentication): check every request,
 * take for those that count. When ret_first is not NULL it is set to whether
 * this refusal is key's first since its bucket was last full, so that a
 * caller can log once per episode, not once per refused request. */
int ratelimit_check(struct ratelimit *rl, long long key, int per_minute, long long now_ms,
		    bool *ret_first);

/* Keys tracked now (for tests and /metrics). */
size_t ratelimit_size(struct ratelimit *rl);

#endif
