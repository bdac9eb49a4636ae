/* Live configuration: SIGHUP's re-read of needlewatchd.conf.
 *
 * Which values changed is found by comparing config_dump() of the running
 * and the new configuration line by line (both list every key in the same
 * order), so this file needs no list of keys of its own: a key added to
 * config.c's table is covered, with its restart flag, the day it is added.
 * The dump masks passwords, so a password-only change of a conninfo (a
 * restart-only key) is not noticed here; it takes effect at the next restart
 * like any other conninfo change. */
#include "liveconfig.h"
#include "config.h"
#include "log.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Room for the names of every key in one log value. */
#define KEYS_MAX 1024

static char *dump_text(const struct config *cfg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	config_dump(cfg, f);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static void append_key(char *list, const char *line)
{
	size_t used = strlen(list), n = strcspn(line, " =");
	if (used + n + 2 >= KEYS_MAX)
		return;
	snprintf(list + used, KEYS_MAX - used, "%s%.*s", used ? "," : "", (int)n, line);
}

/* Sorts the keys whose dump lines differ into needs-restart and live lists.
 * Returns the number of differing keys, or -ENOMEM. */
static int diff_keys(const struct config *old, const struct config *fresh, char *restart,
		     char *live)
{
	char *a = dump_text(old), *b = dump_text(fresh);
	int changed = 0;
	if (!a || !b) {
		free(a);
		free(b);
		return -ENOMEM;
	}
	char *sa = NULL, *sb = NULL;
	for (char *la = strtok_r(a, "\n", &sa), *lb = strtok_r(b, "\n", &sb); la && lb;
	     la = strtok_r(NULL, "\n", &sa), lb = strtok_r(NULL, "\n", &sb)) {
		if (strcmp(la, lb) == 0)
			continue;
		char key[128];
		snprintf(key, sizeof(key), "%.*s", (int)strcspn(la, " ="), la);
		append_key(config_key_needs_restart(key) ? restart : live, la);
		changed++;
	}
	free(a);
	free(b);
	return changed;
}

/* Every field of struct config (pointers, int, size_t, bool, enum) is at
 * most a pointer wide and naturally aligned, so each lies inside one aligned
 * uintptr_t word: storing word by word, atomically, means a request thread
 * reading a field concurrently sees either its old or its new value, never a
 * mix of the two. */
_Static_assert(sizeof(struct config) % sizeof(uintptr_t) == 0, "struct config is word-sized");
_Static_assert(_Alignof(struct config) >= _Alignof(uintptr_t), "struct config is word-aligned");

/* may_alias: these words are struct config's bytes, read and written as words. */
typedef uintptr_t __attribute__((may_alias)) config_word;

static void store_words(struct config *dst, const struct config *src)
{
	config_word *d = (config_word *)(void *)dst;
	const config_word *s = (const config_word *)(const void *)src;
	for (size_t i = 0; i < sizeof(*dst) / sizeof(config_word); i++)
		__atomic_store_n(&d[i], s[i], __ATOMIC_RELAXED);
}

int liveconfig_reload(struct config *cfg, const char *path)
{
	struct config fresh;
	char err[512], q[600], restart[KEYS_MAX] = "", live[KEYS_MAX] = "";
	if (config_load(&fresh, path, err, sizeof(err)) < 0 ||
	    config_require_daemon(&fresh, path, err, sizeof(err)) < 0) {
		log_event(LOG_WARNING, "config_reload_failed", "reason=\"%s\" kept=previous",
			  log_quote(q, sizeof(q), err));
		config_free(&fresh);
		return -EINVAL;
	}
	int changed = diff_keys(cfg, &fresh, restart, live);
	if (changed < 0 || restart[0]) {
		log_event(LOG_WARNING, "config_reload_failed",
			  "reason=\"%s\" restart_keys=\"%s\" kept=previous",
			  changed < 0 ? "out of memory" : "a changed key needs a restart", restart);
		config_free(&fresh);
		return -EINVAL;
	}
	struct config old = *cfg;
	store_words(cfg, &fresh); /* cfg now owns fresh's strings */
	config_free(&old);
	log_setup((enum log_level)fresh.log_level, fresh.log_format == LOG_FORMAT_JSON);
	log_event(LOG_INFO, "config_reloaded", "changed=\"%s\"", live);
	return changed;
}
