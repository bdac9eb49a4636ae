/* The public summary tables of one week as a disclosure model: which cells
 * they publish and which relations between them a reader knows.
 *
 * Cells: events and events_without_activity of every row of rates_week_setting,
 * rates_fitzpatrick, rates_region and rates_training, and cases of
 * unregistered_counts. Relations, per setting and complication group:
 *   region:     week×setting events = Σ regions' events, and the same for
 *               events without activity (a case is in exactly one region row,
 *               in the same column)
 *   Fitzpatrick, training:
 *               week×setting events + events without activity = Σ over the
 *               types (classes) of events + events without activity (a case
 *               is in exactly one type, as an event only when its premises'
 *               activity had the breakdown), and Σ their events <= week×setting
 *               events (an event there is an event here)
 * and per row (a table's key, in one column): `any` >= each group, `any` <=
 * the sum of the groups (a case with a complication has at least one group).
 * Setting comparisons publish events only where the week×setting row does,
 * and rates only with their events, so they add no relation. */
#ifndef NW_DISCLOSURE_TABLES_H
#define NW_DISCLOSURE_TABLES_H

#include "disclosure.h"

#include <stdbool.h>
#include <stddef.h>

enum disclosure_table {
	DISCLOSURE_WEEK_SETTING,
	DISCLOSURE_FITZPATRICK,
	DISCLOSURE_REGION,
	DISCLOSURE_TRAINING,
	DISCLOSURE_UNREGISTERED,
};

/* One row of a public table for the week. Strings are borrowed for the
 * life of the model. key is the table's own key as text (Fitzpatrick type,
 * region, "true"/"false"; for unregistered counts the region), NULL for a
 * NULL key and for rates_week_setting. Unregistered counts use events for
 * cases and have no events_without_activity. The *_cell fields are filled by
 * disclosure_tables_build(). */
struct disclosure_row {
	enum disclosure_table table;
	const char *setting;
	const char *key;
	const char *group;
	long events, ewa;
	bool events_hidden, ewa_hidden;
	int events_cell, ewa_cell; /* -1: no cell (unregistered ewa) */
};

/* Builds the model of rows[0..n-1] (any order) and sets each row's *_cell.
 * Returns NULL on allocation failure or on a hidden cell holding 0. */
struct disclosure *disclosure_tables_build(struct disclosure_row *rows, size_t n);

/* After disclosure_protect(): copies the model's hidden flags back into the
 * rows; returns how many cells changed from published to hidden. */
int disclosure_tables_read_back(const struct disclosure *d, struct disclosure_row *rows, size_t n);

#endif
