/* Live configuration: SIGHUP's re-read of needlewatchd.conf, into a new
 * snapshot (snapshot.h) that replaces the current one only when every part
 * of it (configuration, vocabulary, regions, TLS credentials) loaded.
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
#include "region.h"
#include "snapshot.h"
#include "tls.h"
#include "vocab.h"

#include <errno.h>
#include <stdbool.h>
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

/* The files cfg names, loaded: 0, or -EINVAL with the reason in err and,
 * in *ret_event, the log event naming the part that failed (the names
 * operators and the tests know). */
static int load_parts(const struct config *cfg, struct vocab **ret_vocab,
		      struct region_table **ret_regions, struct tls_creds **ret_tls,
		      const char **ret_event, char *err, size_t errlen)
{
	struct vocab *v = vocab_load(cfg->vocabulary_file, err, errlen);
	struct region_table *r = v ? region_load(cfg->postcode_regions_file, err, errlen) : NULL;
	if (!r) {
		*ret_event = "reload_failed";
		vocab_free(v);
		return -EINVAL;
	}
	struct tls_creds *t = tls_creds_load(cfg->tls_cert_file, cfg->tls_key_file, err, errlen);
	if (!t) {
		*ret_event = "tls_reload_failed";
		vocab_free(v);
		region_free(r);
		return -EINVAL;
	}
	*ret_vocab = v;
	*ret_regions = r;
	*ret_tls = t;
	return 0;
}

struct snapshot *liveconfig_build(struct config *cfg, char *err, size_t errlen)
{
	struct vocab *v;
	struct region_table *r;
	struct tls_creds *t;
	const char *event;
	if (load_parts(cfg, &v, &r, &t, &event, err, errlen) < 0) {
		config_free(cfg);
		return NULL;
	}
	struct snapshot *snap = snapshot_new(cfg, v, r, t);
	if (!snap)
		snprintf(err, errlen, "out of memory");
	return snap;
}

/* The configuration at path, checked against the running one: 0 with the
 * number of changed keys in *ret_changed and their names in live, or
 * -EINVAL (logged, err set) when it does not load or changes a key that
 * needs a restart. */
static int load_config(const struct config *running, const char *path, struct config *ret,
		       int *ret_changed, char *live, char *err, size_t errlen)
{
	char q[600], restart[KEYS_MAX] = "";
	if (config_load(ret, path, err, errlen) < 0 ||
	    config_require_daemon(ret, path, err, errlen) < 0) {
		log_event(LOG_WARNING, "config_reload_failed", "reason=\"%s\" kept=previous",
			  log_quote(q, sizeof(q), err));
		config_free(ret);
		return -EINVAL;
	}
	int changed = diff_keys(running, ret, restart, live);
	if (changed < 0 || restart[0]) {
		snprintf(err, errlen, "%s: %s%s", path,
			 changed < 0 ? "out of memory" : "changed keys need a restart: ", restart);
		log_event(LOG_WARNING, "config_reload_failed",
			  "reason=\"%s\" restart_keys=\"%s\" kept=previous",
			  changed < 0 ? "out of memory" : "a changed key needs a restart", restart);
		config_free(ret);
		return -EINVAL;
	}
	*ret_changed = changed;
	return 0;
}

/* The reload succeeded: what the log says about it. */
static void log_reloaded(const struct snapshot *snap, const char *live, bool tls_changed)
{
	char q[600];
	log_event(LOG_INFO, "config_reloaded", "changed=\"%s\"", live);
	log_event(LOG_INFO, "tls_reloaded", "certificate_sha256=%s changed=%s",
		  tls_creds_fingerprint(snap->tls), tls_changed ? "yes" : "no");
	log_event(LOG_INFO, "reloaded", "vocabulary=%s",
		  log_quote(q, sizeof(q), snap->cfg.vocabulary_file));
}

int liveconfig_reload(struct snapshot_slot *slot, const char *path, char *err, size_t errlen)
{
	struct config fresh;
	char live[KEYS_MAX] = "", q[600];
	const char *event;
	struct vocab *v;
	struct region_table *r;
	struct tls_creds *t;
	int changed, rc = -EINVAL;
	const struct snapshot *old = snapshot_get(slot);

	if (load_config(&old->cfg, path, &fresh, &changed, live, err, errlen) < 0)
		goto out;
	if (load_parts(&fresh, &v, &r, &t, &event, err, errlen) < 0) {
		log_event(LOG_WARNING, event, "reason=\"%s\" kept=previous",
			  log_quote(q, sizeof(q), err));
		config_free(&fresh);
		goto out;
	}
	/* Unchanged files: keep serving the very same credentials. */
	bool tls_changed = !tls_creds_same_files(t, old->tls);
	if (!tls_changed) {
		tls_creds_unref(t);
		t = tls_creds_ref(old->tls);
	}
	struct snapshot *snap = snapshot_new(&fresh, v, r, t);
	if (!snap) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	/* Only this thread swaps, so snap is still current while it is logged. */
	snapshot_swap(slot, snap);
	log_setup((enum log_level)snap->cfg.log_level, snap->cfg.log_format == LOG_FORMAT_JSON);
	log_reloaded(snap, live, tls_changed);
	rc = changed;
out:
	snapshot_put(old);
	return rc;
}
