/* Snapshot: the reference-counted, immutable state SIGHUP replaces.
 *
 * Design: the slot's mutex guards only the pointer and is held for a load
 * and an increment (get) or an exchange (swap), never for I/O. Taking the
 * reference under the same lock as the exchange is what makes get safe: a
 * reader can never increment a snapshot the swap has already let go to
 * zero. The count itself is atomic because puts happen outside the lock,
 * from any thread; the acquire-release decrement orders every reader's
 * last access before the free. */
#include "snapshot.h"
#include "region.h"
#include "tls.h"
#include "vocab.h"

#include <pthread.h>
#include <stdlib.h>

struct snapshot_slot {
	pthread_mutex_t lock;	  /* guards current */
	struct snapshot *current; /* holds one reference */
};

static void snapshot_free_parts(struct config *cfg, struct vocab *vocab,
				struct region_table *regions, struct tls_creds *tls)
{
	config_free(cfg);
	vocab_free(vocab);
	region_free(regions);
	tls_creds_unref(tls);
}

struct snapshot *snapshot_new(struct config *cfg, struct vocab *vocab, struct region_table *regions,
			      struct tls_creds *tls)
{
	struct snapshot *snap = calloc(1, sizeof(*snap));
	if (!snap) {
		snapshot_free_parts(cfg, vocab, regions, tls);
		return NULL;
	}
	snap->cfg = *cfg; /* moved: the strings now belong to the snapshot */
	*cfg = (struct config){0};
	snap->vocab = vocab;
	snap->regions = regions;
	snap->tls = tls;
	atomic_init(&snap->refs, 1);
	return snap;
}

void snapshot_put(const struct snapshot *snap)
{
	/* The const is the readers' promise not to write; the count is not theirs. */
	struct snapshot *s = (struct snapshot *)snap;
	if (!s || atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) != 1)
		return;
	snapshot_free_parts(&s->cfg, s->vocab, s->regions, s->tls);
	free(s);
}

struct snapshot_slot *snapshot_slot_new(struct snapshot *first)
{
	struct snapshot_slot *slot = calloc(1, sizeof(*slot));
	if (!slot) {
		snapshot_put(first);
		return NULL;
	}
	pthread_mutex_init(&slot->lock, NULL);
	slot->current = first;
	return slot;
}

void snapshot_slot_free(struct snapshot_slot *slot)
{
	if (!slot)
		return;
	snapshot_put(slot->current);
	pthread_mutex_destroy(&slot->lock);
	free(slot);
}

const struct snapshot *snapshot_get(struct snapshot_slot *slot)
{
	pthread_mutex_lock(&slot->lock);
	struct snapshot *s = slot->current;
	atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
	pthread_mutex_unlock(&slot->lock);
	return s;
}

void snapshot_swap(struct snapshot_slot *slot, struct snapshot *fresh)
{
	pthread_mutex_lock(&slot->lock);
	struct snapshot *old = slot->current;
	slot->current = fresh;
	pthread_mutex_unlock(&slot->lock);
	/* Readers that took the old one before the swap keep it until they put it. */
	snapshot_put(old);
}
