/* Token cache: what the database said about recently seen credentials (a
 * token's or a certificate's hash), so that a request is authenticated
 * without a round trip to PostgreSQL.
 *
 * The cache never decides anything the database would not: it remembers
 * answers until told that they may have changed. Whoever owns it calls
 * tokencache_invalidate() on every change notification, and
 * tokencache_set_enabled(false) whenever changes could go unheard (the
 * notification connection is down). An answer fetched while an
 * invalidation happened is not stored (the generation check), so a
 * revocation can never be overwritten by a look-up that started before it.
 * Entries also expire after ttl_ms, a backstop should a notification be lost.
 *
 * Thread-safe: one mutex guards the whole table; a get or put copies at
 * most one small value under it. Bounded: a fixed number of slots, a new
 * entry replaces whatever held its slot. */
#ifndef NW_TOKENCACHE_H
#define NW_TOKENCACHE_H

#include <stdbool.h>
#include <stddef.h>

/* Longest key: a kind letter and a SHA-256 in hex. */
#define TOKENCACHE_KEY_MAX 72

struct tokencache;

/* A cache of `slots` values of value_size bytes each, disabled until
 * tokencache_set_enabled(true). NULL on out of memory or bad arguments. */
struct tokencache *tokencache_new(size_t slots, size_t value_size, long long ttl_ms);
/* Accepts NULL. */
void tokencache_free(struct tokencache *c);

/* The current generation: take it before asking the database, give it to put. */
unsigned long tokencache_generation(struct tokencache *c);
/* Copies the value cached under key into ret: 0, or -ENOENT (not cached,
 * expired, invalidated, or the cache is disabled). now_ms: a monotonic clock. */
int tokencache_get(struct tokencache *c, const char *key, void *ret, long long now_ms);
/* Caches value under key, unless the cache is disabled or was invalidated
 * since generation was taken. Keys longer than TOKENCACHE_KEY_MAX are not cached. */
void tokencache_put(struct tokencache *c, const char *key, const void *value,
		    unsigned long generation, long long now_ms);
/* Forgets every entry. */
void tokencache_invalidate(struct tokencache *c);
/* Disabled, every get misses and every put is dropped; either way the
 * entries are forgotten. */
void tokencache_set_enabled(struct tokencache *c, bool enabled);
/* Disables the cache but, if it was enabled, lets the entries it holds
 * answer gets until until_ms (each within its own ttl); puts are dropped.
 * For a notification connection that just dropped: a change made meanwhile
 * goes unheard until then (or until set_enabled(true), which forgets all),
 * the price of authenticating without the database for that long. Holding
 * a disabled cache changes nothing. */
void tokencache_hold(struct tokencache *c, long long until_ms);

#endif
