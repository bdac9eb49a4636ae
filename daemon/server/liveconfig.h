/* Live configuration: building the snapshot (snapshot.h) from the
 * configuration file, at start and again on SIGHUP. */
#ifndef NW_LIVECONFIG_H
#define NW_LIVECONFIG_H

#include <stddef.h>

struct config;
struct snapshot;
struct snapshot_slot;

/* Loads what cfg names (vocabulary, regions, TLS certificate and key) and
 * returns a snapshot of it all holding one reference. Takes ownership of
 * *cfg (moved into the snapshot, or freed on failure). NULL with the reason
 * in err. At start, before any thread. */
struct snapshot *liveconfig_build(struct config *cfg, char *err, size_t errlen);

/* SIGHUP: reads path again and builds a whole new snapshot. When every part
 * loads and no key that needs a restart (config_key_needs_restart) changed,
 * it is swapped into slot, the log settings apply and the number of keys
 * changed is returned. Otherwise the current snapshot stays, untouched and
 * whole, a warning names the part that failed and why, err says it for the
 * service status, and it returns -EINVAL. Main thread only. */
int liveconfig_reload(struct snapshot_slot *slot, const char *path, char *err, size_t errlen);

#endif
