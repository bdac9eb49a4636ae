/* The summary refresh's lock: one refresh at a time across every daemon and
 * needlewatchctl sharing a database. A session advisory lock, so a process
 * that dies mid-refresh frees it with its connection, and a new primary
 * after a failover starts with none held. */
#ifndef NW_REFRESH_LOCK_H
#define NW_REFRESH_LOCK_H

/* "nwrefrsh" in ASCII as a bigint, recognisable in pg_locks (objid). */
#define REFRESH_LOCK_KEY "7959956646236681064"

#endif
