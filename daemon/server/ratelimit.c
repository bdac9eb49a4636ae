/* Rate limit: token buckets in a bounded, mutex-guarded hash table.
 *
 * Design: a bucket's level is kept in integer units where one request costs
 * MINUTE_MS units and every millisecond adds per_minute units, so the
 * arithmetic is exact and a bucket refills from empty to full (per_minute
 * requests, per_minute * MINUTE_MS units) in exactly one minute. Hence a key
 * idle for a minute has a full bucket, which is exactly what an absent key
 * gets: such entries are evicted without changing any answer. The table is a
 * fixed array of entries chained from a power-of-two bucket array by index,
 * allocated once; when it is full, one sweep (at most once a second) evicts
 * every idle entry.
 *
 * ratelimit_check() lets a caller charge only some requests (failed
 * authentication) yet refuse all of them while the bucket is empty; an
 * entry's refused flag marks an episode of such refusals, from the first
 * until the bucket is full again, so that it is reported once. */
#include "ratelimit.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#define MINUTE_MS 60000LL
/* A full table is swept at most this often, so a flood of new keys cannot
 * turn every request into an O(max_keys) scan under the lock. */
#define SWEEP_INTERVAL_MS 1000LL
#define NIL (-1)

struct entry {
	long long key;
	long long units;   /* bucket level, in units of 1/MINUTE_MS request */
	long long last_ms; /* when units was last brought up to date */
	int next;	   /* next entry in the chain, or in the free list */
	bool refused;	   /* ratelimit_check() refused since the bucket was last full */
};

/* Everything below lock is guarded by it. */
struct ratelimit {
	pthread_mutex_t lock;
	struct entry *entries;
	int *heads; /* nheads chains of entry indexes */
	size_t nheads, max, used;
	int free_list;
	long long last_sweep_ms;
};

struct ratelimit *ratelimit_new(size_t max_keys)
{
	if (max_keys == 0 || max_keys > INT32_MAX / 4)
		return NULL;
	struct ratelimit *rl = calloc(1, sizeof(*rl));
	if (!rl)
		return NULL;
	rl->nheads = 1;
	while (rl->nheads < max_keys)
		rl->nheads <<= 1;
	rl->max = max_keys;
	rl->entries = calloc(max_keys, sizeof(*rl->entries));
	rl->heads = malloc(rl->nheads * sizeof(*rl->heads));
	if (!rl->entries || !rl->heads) {
		ratelimit_free(rl);
		return NULL;
	}
	for (size_t i = 0; i < rl->nheads; i++)
		rl->heads[i] = NIL;
	for (size_t i = 0; i < max_keys; i++)
		rl->entries[i].next = i + 1 < max_keys ? (int)(i + 1) : NIL;
	rl->free_list = 0;
	rl->last_sweep_ms = INT64_MIN / 2;
	pthread_mutex_init(&rl->lock, NULL);
	return rl;
}

void ratelimit_free(struct ratelimit *rl)
{
	if (!rl)
		return;
	if (rl->entries && rl->heads)
		pthread_mutex_destroy(&rl->lock);
	free(rl->entries);
	free(rl->heads);
	free(rl);
}

/* splitmix64's finaliser: every bit of the key moves the chain, whether keys
 * are small consecutive account ids, IPv4 addresses or IPv6 /64 prefixes that
 * differ only in their high bits. */
static size_t chain_of(const struct ratelimit *rl, long long key)
{
	uint64_t h = (uint64_t)key;
	h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
	h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
	h ^= h >> 31;
	return (size_t)h & (rl->nheads - 1);
}

static int find(const struct ratelimit *rl, long long key)
{
	for (int i = rl->heads[chain_of(rl, key)]; i != NIL; i = rl->entries[i].next)
		if (rl->entries[i].key == key)
			return i;
	return NIL;
}

/* Drops every entry idle for a minute: its bucket is full, as a new one is. */
static void sweep(struct ratelimit *rl, long long now_ms)
{
	rl->last_sweep_ms = now_ms;
	for (size_t h = 0; h < rl->nheads; h++) {
		int *link = &rl->heads[h];
		while (*link != NIL) {
			struct entry *e = &rl->entries[*link];
			if (now_ms - e->last_ms < MINUTE_MS) {
				link = &e->next;
				continue;
			}
			int idx = *link;
			*link = e->next;
			e->next = rl->free_list;
			rl->free_list = idx;
			rl->used--;
		}
	}
}

/* A new entry for key with a full bucket, or NIL when the table is full. */
static int insert(struct ratelimit *rl, long long key, long long capacity, long long now_ms)
{
	if (rl->free_list == NIL && now_ms - rl->last_sweep_ms >= SWEEP_INTERVAL_MS)
		sweep(rl, now_ms);
	if (rl->free_list == NIL)
		return NIL;
	int idx = rl->free_list;
	struct entry *e = &rl->entries[idx];
	size_t h = chain_of(rl, key);
	rl->free_list = e->next;
	e->key = key;
	e->units = capacity;
	e->last_ms = now_ms;
	e->refused = false;
	e->next = rl->heads[h];
	rl->heads[h] = idx;
	rl->used++;
	return idx;
}

/* Adds what the elapsed time earned, up to capacity (which may have shrunk
 * since: a reload can lower the limit). A full bucket ends an episode of
 * refusals, as eviction would. */
static void refill(struct entry *e, long long per_minute, long long capacity, long long now_ms)
{
	long long elapsed = now_ms - e->last_ms;
	if (elapsed > 0) {
		/* Past a minute the bucket is full whatever it held: no overflow. */
		e->units = elapsed >= MINUTE_MS ? capacity : e->units + elapsed * per_minute;
		e->last_ms = now_ms;
	}
	if (e->units >= capacity) {
		e->units = capacity;
		e->refused = false;
	}
}

/* Whole seconds (>= 1) until a bucket holding units has a request's worth. */
static int wait_for(long long units, long long rate)
{
	long long wait_ms = (MINUTE_MS - units + rate - 1) / rate;
	int wait_s = (int)((wait_ms + 999) / 1000);
	return wait_s < 1 ? 1 : wait_s;
}

int ratelimit_take(struct ratelimit *rl, long long key, int per_minute, long long now_ms)
{
	if (!rl || per_minute <= 0)
		return 0;
	long long rate = per_minute, capacity = rate * MINUTE_MS;
	int wait_s = 0;

	pthread_mutex_lock(&rl->lock);
	int idx = find(rl, key);
	if (idx == NIL)
		idx = insert(rl, key, capacity, now_ms);
	if (idx != NIL) {
		struct entry *e = &rl->entries[idx];
		refill(e, rate, capacity, now_ms);
		if (e->units >= MINUTE_MS)
			e->units -= MINUTE_MS;
		else
			wait_s = wait_for(e->units, rate);
	}
	pthread_mutex_unlock(&rl->lock);
	return wait_s;
}

int ratelimit_check(struct ratelimit *rl, long long key, int per_minute, long long now_ms,
		    bool *ret_first)
{
	if (ret_first)
		*ret_first = false;
	if (!rl || per_minute <= 0)
		return 0;
	long long rate = per_minute, capacity = rate * MINUTE_MS;
	int wait_s = 0;

	pthread_mutex_lock(&rl->lock);
	int idx = find(rl, key);
	if (idx != NIL) {
		struct entry *e = &rl->entries[idx];
		refill(e, rate, capacity, now_ms);
		if (e->units < MINUTE_MS) {
			wait_s = wait_for(e->units, rate);
			if (ret_first)
				*ret_first = !e->refused;
			e->refused = true;
		}
	}
	pthread_mutex_unlock(&rl->lock);
	return wait_s;
}

size_t ratelimit_size(struct ratelimit *rl)
{
	pthread_mutex_lock(&rl->lock);
	size_t n = rl->used;
	pthread_mutex_unlock(&rl->lock);
	return n;
}
