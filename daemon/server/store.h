/* Store: the SQL that writes one normalised report, and its parameters.
 *
 * Parameters are built by the request thread (store_item_init, in the
 * request's arena), so the writer thread only sends them: no allocation
 * and no formatting while a transaction is open. */
#ifndef NW_STORE_H
#define NW_STORE_H

#include "util.h"

#include <stdbool.h>

#include <libpq-fe.h>
#include <stddef.h>

#include "writer.h"

#include "stored_report.h"

struct arena;
struct issues;
struct report;

/* One report on its way to PostgreSQL: its row (stored_report.h), sent as
 * the INSERT's parameters in enum stored_column's order. */
struct store_item {
	struct stored_row row;
	enum store_status status;
	long long id;
};

/* Fills item->row from r (stored_report_row): body is the stored verbatim
 * body, warnings the report's. Returns 0, -ENOMEM or -EIO. */
NW_MUSTCHECK int store_item_init(struct store_item *item, struct arena *a, const struct report *r,
				 const struct stored_origin *o, const struct stored_place *p,
				 const char *body, const struct issues *warnings);

/* Prepares the statements on a fresh connection. 0, or -EIO with the reason logged. */
NW_MUSTCHECK int store_prepare(PGconn *conn);

/* A writer job that stores reports: one (single POST) or many (a batch).
 * It is pipelined: the writer sends its INSERTs with the other reports of
 * the group commit, without a round trip each. */
struct store_job {
	union {
		struct write_job job;
		struct write_pipelined_job pipelined;
	};
	struct store_item *items;
	size_t n;
};

/* Makes sj a report job over items[0..n): one INSERT per item, in order,
 * which sets the item's status and id (a replay's, after the commit); its
 * fail() sets every item's status. done/arg as in struct write_job; submit
 * &sj->job to the writer. */
void store_job_init(struct store_job *sj, struct store_item *items, size_t n,
		    void (*done)(struct write_job *, void *), void *arg);

#endif
