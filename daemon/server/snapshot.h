/* Snapshot: everything SIGHUP can change, immutable and reference-counted.
 *
 * A snapshot is the configuration with the vocabulary, the region table and
 * the TLS credentials loaded from the files it names. Once published it is
 * never written again. Readers take a reference (snapshot_get), read as long
 * as they like without a lock, and drop it (snapshot_put): a request from
 * the first call of the access handler to its completion, the refresher
 * and the request-deadline sweeper for one pass, the main loop for a
 * reload. A reload builds a whole new snapshot and swaps the slot's pointer;
 * the old one is freed when its last reader drops it, so a request sees one
 * configuration from start to end, never a mix. */
#ifndef NW_SNAPSHOT_H
#define NW_SNAPSHOT_H

#include <stdatomic.h>

#include "config.h"

struct vocab;
struct region_table;
struct tls_creds;

struct snapshot {
	struct config cfg; /* owns its strings */
	struct vocab *vocab;
	struct region_table *regions;
	struct tls_creds *tls; /* one reference (tls.h); NULL only in unit tests */
	atomic_int refs;       /* snapshot.c's alone */
};

/* The one place the current snapshot lives: a pointer and a mutex. */
struct snapshot_slot;

/* A snapshot of the given parts, holding one reference, which the caller
 * owns. It takes ownership of all of them (*cfg is moved: the caller must
 * not config_free it) whether it succeeds or not. NULL on out of memory. */
struct snapshot *snapshot_new(struct config *cfg, struct vocab *vocab, struct region_table *regions,
			      struct tls_creds *tls);

/* A slot publishing first (whose reference it takes over). NULL on out of
 * memory, first then freed. */
struct snapshot_slot *snapshot_slot_new(struct snapshot *first);
/* Drops the slot's reference; readers still holding one keep theirs. Accepts NULL. */
void snapshot_slot_free(struct snapshot_slot *slot);

/* The current snapshot with one more reference, for the caller to put. Any thread. */
const struct snapshot *snapshot_get(struct snapshot_slot *slot);
/* Drops a reference; the last one frees the snapshot and its parts. Accepts NULL. */
void snapshot_put(const struct snapshot *snap);
/* Publishes fresh (taking over the caller's reference) for every later
 * snapshot_get and drops the slot's reference to the previous one. */
void snapshot_swap(struct snapshot_slot *slot, struct snapshot *fresh);

#endif
