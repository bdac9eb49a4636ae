/* Reporting weeks in Europe/London: the London calendar date of a moment,
 * which ISO weeks are over, and week arithmetic.
 *
 * A week belongs to the regulator's calendar, so "last week" is decided by
 * the London date, not UTC's: at 00:30 BST on a Monday the old week is over
 * in London while UTC still says Sunday. The UK's summer-time rule since 1996
 * (last Sunday of March to last Sunday of October, changing at 01:00 UTC) is
 * built in, so the answer needs no tzdata and is the same on every machine;
 * tests/unit/test_export_week.c checks it against tzdata where present.
 * Pure: the caller supplies the moment. */
#ifndef NW_WEEK_H
#define NW_WEEK_H

#include <stdbool.h>
#include <stdint.h>

#include "isoweek.h"

/* True when London keeps British Summer Time at unix_seconds (UTC). */
bool week_london_is_bst(int64_t unix_seconds);

/* London's calendar date at unix_seconds, as days since 1970-01-01. */
long week_london_day(int64_t unix_seconds);

/* The week n weeks after w (n may be negative). */
struct iso_week week_add(struct iso_week w, long n);

/* Whole weeks from a to b: 0 when equal, negative when b is earlier. */
long week_diff(struct iso_week a, struct iso_week b);

/* The last complete week at unix_seconds: the one before the week holding
 * London's date. */
struct iso_week week_last_complete(int64_t unix_seconds);

/* True when w has ended in London by unix_seconds (its Sunday is past). */
bool week_is_complete(struct iso_week w, int64_t unix_seconds);

#endif
