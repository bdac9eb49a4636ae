/* The daemon's shared context: configuration, vocabulary, pools, writer.
 *
 * Built by main() before any thread starts. Everything here is read-only
 * for request threads except the vocabulary and region table, which SIGHUP
 * replaces under `vocab_lock` (read-locked for the length of one
 * normalisation, write-locked only for the pointer swap). */
#ifndef NW_SERVER_H
#define NW_SERVER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "config.h"
#include "pseudonym.h"

struct dbpool;
struct writer;
struct vocab;
struct region_table;
struct metrics;
struct ratelimit;
struct session_store;

struct server {
	const struct config *cfg;
	const char *config_path;
	struct pseudonym_key key;
	struct dbpool *readers;
	/* Reads that may lag (db_read_conninfo: summaries, a report by id);
	 * the same pool as readers when db_read_conninfo is db_conninfo. */
	struct dbpool *replicas;
	struct writer *writer;
	struct metrics *metrics;
	struct ratelimit *ratelimit;  /* rate_limit_per_token buckets, by account id */
	struct ratelimit *auth_failures; /* auth_failures_per_minute buckets, by netaddr_limit_key() */
	struct admission *admission;  /* ingest_memory_budget: bodies parsed and held to commit */
	struct session_store *sessions; /* dashboard sign-ins (sessions.h); its own lock */

	pthread_rwlock_t vocab_lock;
	struct vocab *vocab;
	struct region_table *regions;

	atomic_int active_requests;   /* requests between first call and completion */
	atomic_bool stopping;
};

#endif
