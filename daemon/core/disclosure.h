/* Disclosure audit: what a reader can deduce about hidden cells from published ones.
 *
 * A model is a set of cells (counts with their true values, each published or
 * hidden) and the linear relations between them that the reader also knows
 * (a total is the sum of its parts, `any` bounds its groups). Every hidden cell
 * is known to be at least 1, because zeros are always published. For each
 * hidden cell, disclosure_bounds() minimises and maximises it with GLPK's
 * simplex subject to those relations, the published values and the lower
 * bound of 1: that interval is exactly what a reader with a linear-programming
 * solver can narrow the cell to. disclosure_protect() hides more cells until
 * every interval is wide enough.
 *
 * Pure: no I/O, no global state of ours. GLPK keeps a per-thread environment;
 * disclosure_release() frees it when a thread is done with the solver. A
 * model is used by one thread at a time. */
#ifndef NW_DISCLOSURE_H
#define NW_DISCLOSURE_H

#include <stdbool.h>
#include <stddef.h>

enum disclosure_sense {
	DISCLOSURE_EQ, /* sum == rhs */
	DISCLOSURE_LE, /* sum <= rhs */
	DISCLOSURE_GE, /* sum >= rhs */
};

struct disclosure;

/* What disclosure_protect() did. */
struct disclosure_outcome {
	int hidden;  /* hidden cells at the end, every one audited */
	int added;   /* cells hidden by the audit on top of the pattern it was given */
	int rounds;  /* audit passes: 1 when the given pattern already held */
	long solves; /* linear programmes solved */
};

struct disclosure *disclosure_new(void);
void disclosure_free(struct disclosure *d);

/* Adds a cell holding value (>= 0; a hidden cell must be >= 1). Returns its
 * index (0, 1, ...) or -ENOMEM / -EINVAL. */
int disclosure_add_cell(struct disclosure *d, long value, bool hidden);

/* Adds the relation sum(coefs[i] * cell[cells[i]]) <sense> rhs, which must
 * hold for the true values. Returns 0, -ENOMEM or -EINVAL (unknown cell). */
int disclosure_add_relation(struct disclosure *d, size_t n, const int *cells, const double *coefs,
			    enum disclosure_sense sense, double rhs);

size_t disclosure_cell_count(const struct disclosure *d);
bool disclosure_is_hidden(const struct disclosure *d, int cell);

/* The interval a reader can narrow each cell to: ret_lo[i] .. ret_hi[i]
 * (arrays of disclosure_cell_count() entries), rounded inwards to whole
 * numbers; a published cell gets its value twice; ret_hi is -1 where the
 * cell has no upper bound. Returns 0, -ENOMEM, or -EIO when the solver fails
 * or the relations contradict the published values. */
int disclosure_bounds(struct disclosure *d, long *ret_lo, long *ret_hi);

/* True when a hidden cell's interval lo..hi protects it: it holds at least
 * width whole numbers (hi - lo >= width - 1), and never one alone. */
bool disclosure_interval_protects(long lo, long hi, int width);

/* Audits every hidden cell against disclosure_interval_protects(width) and,
 * while some fail, hides for each failing cell the smallest positive published
 * cell sharing a relation with it (or, if none, the nearest one through
 * hidden cells), then audits the cells that failed again. Zeros stay
 * published. On success *ret (if not NULL) says what was done. Returns 0,
 * -ENOMEM or -EIO (solver failure; the model is left as far as it got). */
int disclosure_protect(struct disclosure *d, int width, struct disclosure_outcome *ret);

/* Frees GLPK's environment of the calling thread; call once no model of the
 * thread is being solved (before the thread ends, at the end of a refresh). */
void disclosure_release(void);

#endif
