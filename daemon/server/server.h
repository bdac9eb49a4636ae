/* The daemon's shared context: the live snapshot, pools, writer.
 *
 * Built by main() before any thread starts and read-only for the other
 * threads from then on. What SIGHUP changes (configuration, vocabulary,
 * regions, TLS credentials) is not here but in the snapshot `live` holds
 * (snapshot.h): a request reads it through rq->snap, taken at its start. */
#ifndef NW_SERVER_H
#define NW_SERVER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "config.h"
#include "pseudonym.h"

struct dbpool;
struct writer;
struct snapshot_slot;
struct metrics;
struct ratelimit;
struct session_store;

struct server {
	struct snapshot_slot *live;   /* the current snapshot (snapshot.h) */
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

	atomic_int active_requests;   /* requests between first call and completion */
	atomic_bool stopping;
};

#endif
