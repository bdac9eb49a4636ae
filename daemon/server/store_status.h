/* The outcome of one row on its way through the writer. */
#ifndef NW_STORE_STATUS_H
#define NW_STORE_STATUS_H

enum store_status {
	STORE_PENDING = 0,
	STORE_ACCEPTED,     /* inserted: 201 */
	STORE_DUPLICATE,    /* same key, same body: 200 with the existing id */
	STORE_CONFLICT,     /* same key, different body: 409 */
	STORE_UNAVAILABLE,  /* database unreachable or commit unknown: 503, retry safe */
	STORE_FAILED,       /* the database refused the row: 500 */
};

#endif
