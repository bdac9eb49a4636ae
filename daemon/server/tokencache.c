/* Token cache: a direct-mapped table under one mutex.
 *
 * Invalidation is O(1): it bumps the generation, and an entry counts only
 * while it carries the current one. Slots are chosen by FNV-1a of the key;
 * keys are hashes already, so collisions are as rare as the table is large. */
#include "tokencache.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct slot {
	char key[TOKENCACHE_KEY_MAX + 1]; /* "" when empty */
	unsigned long generation;
	long long expires_ms;
};

struct tokencache {
	pthread_mutex_t lock; /* guards everything below */
	size_t nslots, value_size;
	long long ttl_ms;
	unsigned long generation;
	bool enabled;
	long long hold_until_ms; /* disabled, entries still answer before this */
	struct slot *slots;
	unsigned char *values; /* nslots * value_size */
};

struct tokencache *tokencache_new(size_t slots, size_t value_size, long long ttl_ms)
{
	if (slots == 0 || value_size == 0 || ttl_ms <= 0)
		return NULL;
	struct tokencache *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->slots = calloc(slots, sizeof(*c->slots));
	c->values = calloc(slots, value_size);
	if (!c->slots || !c->values) {
		tokencache_free(c);
		return NULL;
	}
	c->nslots = slots;
	c->value_size = value_size;
	c->ttl_ms = ttl_ms;
	c->generation = 1;
	pthread_mutex_init(&c->lock, NULL);
	return c;
}

void tokencache_free(struct tokencache *c)
{
	if (!c)
		return;
	if (c->slots && c->values)
		pthread_mutex_destroy(&c->lock);
	free(c->slots);
	free(c->values);
	free(c);
}

static size_t slot_of(const struct tokencache *c, const char *key)
{
	uint64_t h = 14695981039346656037ULL;
	for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
		h ^= *p;
		h *= 1099511628211ULL;
	}
	return (size_t)(h % c->nslots);
}

unsigned long tokencache_generation(struct tokencache *c)
{
	pthread_mutex_lock(&c->lock);
	unsigned long g = c->generation;
	pthread_mutex_unlock(&c->lock);
	return g;
}

int tokencache_get(struct tokencache *c, const char *key, void *ret, long long now_ms)
{
	size_t i = slot_of(c, key);
	int rc = -ENOENT;

	pthread_mutex_lock(&c->lock);
	const struct slot *s = &c->slots[i];
	bool serving = c->enabled || now_ms < c->hold_until_ms;
	if (serving && s->generation == c->generation && now_ms < s->expires_ms &&
	    strcmp(s->key, key) == 0) {
		memcpy(ret, c->values + i * c->value_size, c->value_size);
		rc = 0;
	}
	pthread_mutex_unlock(&c->lock);
	return rc;
}

void tokencache_put(struct tokencache *c, const char *key, const void *value,
		    unsigned long generation, long long now_ms)
{
	size_t len = strlen(key);
	if (len == 0 || len > TOKENCACHE_KEY_MAX)
		return;
	size_t i = slot_of(c, key);

	pthread_mutex_lock(&c->lock);
	if (c->enabled && generation == c->generation) {
		struct slot *s = &c->slots[i];
		memcpy(s->key, key, len + 1);
		s->generation = generation;
		s->expires_ms = now_ms + c->ttl_ms;
		memcpy(c->values + i * c->value_size, value, c->value_size);
	}
	pthread_mutex_unlock(&c->lock);
}

void tokencache_invalidate(struct tokencache *c)
{
	pthread_mutex_lock(&c->lock);
	c->generation++;
	pthread_mutex_unlock(&c->lock);
}

void tokencache_set_enabled(struct tokencache *c, bool enabled)
{
	pthread_mutex_lock(&c->lock);
	c->enabled = enabled;
	c->hold_until_ms = 0;
	c->generation++;
	pthread_mutex_unlock(&c->lock);
}

void tokencache_hold(struct tokencache *c, long long until_ms)
{
	pthread_mutex_lock(&c->lock);
	if (c->enabled)
		c->hold_until_ms = until_ms;
	c->enabled = false;
	pthread_mutex_unlock(&c->lock);
}
