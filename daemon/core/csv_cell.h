/* CSV cells: what a spreadsheet cell says, read the way people type it.
 *
 * Generic helpers for any CSV this project reads (reports, activity): they
 * know about padding, yes/no and lists, nothing about columns. Pure. */
#ifndef NW_CSV_CELL_H
#define NW_CSV_CELL_H

#include <stddef.h>

struct arena;

/* The cell without surrounding spaces, tabs, line breaks and no-break
 * spaces (U+00A0, which spreadsheets paste in): s itself, moved past its
 * leading padding, when nothing trails it, else a copy in a. NULL only on
 * out of memory. */
const char *csv_cell_trim(struct arena *a, const char *s);

/* A count of days or items as typed: "3", "3 days", "3d" (at most 9 digits).
 * 0 with *ret, or -EINVAL for anything else. */
int csv_cell_count(const char *s, long *ret);

enum csv_yes_no { CSV_NOT_YES_NO = -2, CSV_UNKNOWN = -1, CSV_NO = 0, CSV_YES = 1 };

/* yes/y/true/t/1, no/n/false/f/0, or unknown/not known/unk/n/a/na/?/- and
 * blank (not known); any case. */
enum csv_yes_no csv_cell_yes_no(const char *s);

/* The next item of a list cell ("cheeks; forehead", "a, b", "a | b", one
 * per line), trimmed and never empty, advancing *s; NULL at the end (or on
 * out of memory, with *s at its end). Items are in a. */
const char *csv_cell_next_item(struct arena *a, const char **s);

#endif
