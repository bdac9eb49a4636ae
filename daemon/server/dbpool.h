/* Database pool: the read connections request threads borrow (authentication,
 * GET /v1/reports/{id}, readiness). Writes never go through here: they go to
 * the writer. A lost connection is reconnected on the next borrow, no more
 * often than the backoff allows, so a dead database costs each request one
 * quick failure rather than a hang. */
#ifndef NW_DBPOOL_H
#define NW_DBPOOL_H

#include "util.h"

#include <stdbool.h>

#include <libpq-fe.h>

struct dbpool;

/* size connections to conninfo, opened lazily. NULL on out of memory. */
NW_MUSTCHECK struct dbpool *dbpool_new(const char *conninfo, int size);
/* Closes every connection. All borrowed connections must have been returned. Accepts NULL. */
void dbpool_free(struct dbpool *p);

/* A healthy connection, waiting up to timeout_ms for one to be free; NULL when
 * the database is unreachable (or none frees up in time). Return it with
 * dbpool_put(); pass broken = true when a query on it failed at connection level. */
PGconn *dbpool_get(struct dbpool *p, int timeout_ms);
void dbpool_put(struct dbpool *p, PGconn *conn, bool broken);

/* Closes a connection borrowed past max_age_s after it opened and opens a
 * new one in its place (0, the default: never), so that a pool whose
 * multi-host conninfo settled on a fallback host (a prefer-standby pool on
 * the primary during a failover) returns to its first choice. Call before
 * the pool is shared. */
void dbpool_set_max_age(struct dbpool *p, int max_age_s);
/* Connections closed for their age so far. */
unsigned long dbpool_recycled(struct dbpool *p);

/* Number of reconnects made so far (for /metrics). */
unsigned long dbpool_reconnects(struct dbpool *p);

/* PQconnectdb() for the daemon: the same blocking connect (connect_timeout
 * honoured), but with conn's notices and warnings (RAISE NOTICE, "there is
 * no transaction in progress", those sent during start-up too) routed to
 * the log as event=db_notice lines instead of libpq's default, a raw line on
 * stderr. pool names the connection's user in those lines and must be a
 * string literal. Every connection the daemon opens goes through here.
 * NULL only when out of memory; check PQstatus() as after PQconnectdb(). */
PGconn *db_connect(const char *conninfo, const char *pool);

/* How far, in seconds, what a connection of the pool sees lags the primary:
 * the age of the last transaction a standby replayed while WAL it has
 * received is still to replay, 0 when it has replayed all it received or
 * is a primary. 0 and *ret_s, or -EAGAIN when no connection answered
 * within timeout_ms. */
NW_MUSTCHECK int dbpool_replay_lag(struct dbpool *p, int timeout_ms, double *ret_s);

/* True when a result's SQLSTATE (or a NULL result) means the connection, not the query, failed. */
bool db_result_is_connection_error(PGconn *conn, const PGresult *res);

#endif
