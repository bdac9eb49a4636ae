/* Live configuration: what SIGHUP changes without a restart (docs/architecture.md). */
#ifndef NW_LIVECONFIG_H
#define NW_LIVECONFIG_H

struct config;

/* Reads path again. When the file is valid and changes no key that needs a
 * restart (config_key_needs_restart), *cfg takes every new value, the log
 * settings apply at once and it returns the number of keys changed;
 * otherwise *cfg is untouched, a warning names the file's problem or the
 * keys that need a restart, and it returns -EINVAL. Main thread only: request
 * threads read the numeric values, each replaced in place as one aligned
 * word, so a request sees the old value or the new one. Strings are read by
 * the main thread alone, which is what lets the old ones be freed here. */
int liveconfig_reload(struct config *cfg, const char *path);

#endif
