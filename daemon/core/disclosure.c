/* Disclosure audit: linear-programming bounds of hidden cells (GLPK), and
 * complementary suppression until every bound is wide enough.
 *
 * Design. The reader's knowledge is a polyhedron: the hidden cells are the
 * variables (each >= 1, since zeros are published), every relation with at
 * least one hidden cell is a row whose bound is its right-hand side minus the
 * published part. One GLPK problem is built per audit pass; each hidden cell
 * is then minimised and maximised by changing only the objective, so every
 * solve after the first starts from the previous optimal basis (primal
 * feasible, since the rows do not change) and takes a handful of pivots.
 *
 * Hiding one more cell turns a constant into a variable, which can only
 * enlarge the polyhedron's projection on the other cells: a cell that passed
 * keeps passing, so later passes audit only the cells that failed. Once every
 * positive cell of a connected set of relations is hidden, the relations are
 * homogeneous (the published cells are zeros), so scaling the true values up
 * stays feasible and every hidden cell is unbounded above: the loop ends. */
#include "disclosure.h"

#include <errno.h>
#include <glpk.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* LP optima are floating point; a bound within this of a whole number is it. */
#define INT_EPS 1e-6

struct disclosure {
	long *value;
	bool *hidden;
	size_t n_cells, cap_cells;
	/* relations, compressed rows: terms rel_start[r] .. rel_start[r + 1] - 1 */
	size_t *rel_start;
	int *term_cell;
	double *term_coef;
	enum disclosure_sense *sense;
	double *rhs;
	size_t n_rels, cap_rels, n_terms, cap_terms;
};

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return 0;
	size_t cap2 = *cap ? *cap * 2 : 64;
	while (cap2 < need)
		cap2 *= 2;
	void *q = realloc(*p, cap2 * size);
	if (!q)
		return -ENOMEM;
	*p = q;
	*cap = cap2;
	return 0;
}

struct disclosure *disclosure_new(void)
{
	struct disclosure *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->rel_start = calloc(1, sizeof(*d->rel_start));
	if (!d->rel_start) {
		free(d);
		return NULL;
	}
	return d;
}

void disclosure_free(struct disclosure *d)
{
	if (!d)
		return;
	free(d->value);
	free(d->hidden);
	free(d->rel_start);
	free(d->term_cell);
	free(d->term_coef);
	free(d->sense);
	free(d->rhs);
	free(d);
}

int disclosure_add_cell(struct disclosure *d, long value, bool hidden)
{
	if (value < 0 || (hidden && value < 1) || d->n_cells >= INT32_MAX)
		return -EINVAL;
	size_t cap = d->cap_cells;
	if (grow((void **)&d->value, &cap, d->n_cells + 1, sizeof(*d->value)))
		return -ENOMEM;
	cap = d->cap_cells;
	if (grow((void **)&d->hidden, &cap, d->n_cells + 1, sizeof(*d->hidden)))
		return -ENOMEM;
	d->cap_cells = cap;
	d->value[d->n_cells] = value;
	d->hidden[d->n_cells] = hidden;
	return (int)d->n_cells++;
}

int disclosure_add_relation(struct disclosure *d, size_t n, const int *cells, const double *coefs,
			    enum disclosure_sense sense, double rhs)
{
	for (size_t i = 0; i < n; i++)
		if (cells[i] < 0 || (size_t)cells[i] >= d->n_cells)
			return -EINVAL;
	size_t cap = d->cap_terms;
	if (grow((void **)&d->term_cell, &cap, d->n_terms + n, sizeof(*d->term_cell)))
		return -ENOMEM;
	cap = d->cap_terms;
	if (grow((void **)&d->term_coef, &cap, d->n_terms + n, sizeof(*d->term_coef)))
		return -ENOMEM;
	d->cap_terms = cap;
	/* rel_start has one entry more than the relations: its capacity is cap_rels + 1 */
	cap = d->cap_rels;
	if (grow((void **)&d->sense, &cap, d->n_rels + 1, sizeof(*d->sense)))
		return -ENOMEM;
	cap = d->cap_rels;
	if (grow((void **)&d->rhs, &cap, d->n_rels + 1, sizeof(*d->rhs)))
		return -ENOMEM;
	if (cap != d->cap_rels) {
		size_t *s = realloc(d->rel_start, (cap + 1) * sizeof(*s));
		if (!s)
			return -ENOMEM;
		d->rel_start = s;
		d->cap_rels = cap;
	}
	memcpy(d->term_cell + d->n_terms, cells, n * sizeof(*cells));
	memcpy(d->term_coef + d->n_terms, coefs, n * sizeof(*coefs));
	d->n_terms += n;
	d->sense[d->n_rels] = sense;
	d->rhs[d->n_rels] = rhs;
	d->rel_start[++d->n_rels] = d->n_terms;
	return 0;
}

size_t disclosure_cell_count(const struct disclosure *d)
{
	return d->n_cells;
}

bool disclosure_is_hidden(const struct disclosure *d, int cell)
{
	return cell >= 0 && (size_t)cell < d->n_cells && d->hidden[cell];
}

bool disclosure_interval_protects(long lo, long hi, int width)
{
	if (hi < 0) /* no upper bound */
		return true;
	return hi > lo && hi - lo >= (long)width - 1;
}

void disclosure_release(void)
{
	glp_free_env();
}

/* ---- the reader's linear programme ----------------------------------- */

struct lp {
	glp_prob *prob;
	int *col_of;  /* cell -> GLPK column (1-based), 0 outside; borrowed, all 0 again after */
	int *cell_of; /* column -> cell, [1..cols] */
	int cols;
	glp_smcp parm;
};

static void lp_free(struct lp *lp)
{
	if (lp->prob)
		glp_delete_prob(lp->prob);
	for (int j = 1; lp->cell_of && j <= lp->cols; j++)
		lp->col_of[lp->cell_of[j]] = 0;
	free(lp->cell_of);
}

/* The row of relation r, or 0 when it holds no hidden cell (then it says
 * nothing the published values do not). */
static int lp_add_row(struct lp *lp, const struct disclosure *d, size_t r, int *ia, int *ja,
		      double *ar, int *nz)
{
	double published = 0;
	int first = *nz;
	for (size_t t = d->rel_start[r]; t < d->rel_start[r + 1]; t++) {
		int c = d->term_cell[t];
		if (!lp->col_of[c]) {
			published += d->term_coef[t] * (double)d->value[c];
			continue;
		}
		int k = first; /* GLPK refuses a column twice in a row: merge */
		while (k < *nz && ja[k] != lp->col_of[c])
			k++;
		if (k == *nz) {
			ja[k] = lp->col_of[c];
			ar[k] = 0;
			(*nz)++;
		}
		ar[k] += d->term_coef[t];
	}
	if (*nz == first)
		return 0;
	int row = glp_add_rows(lp->prob, 1);
	double b = d->rhs[r] - published;
	int type = d->sense[r] == DISCLOSURE_EQ	  ? GLP_FX
		   : d->sense[r] == DISCLOSURE_LE ? GLP_UP
						  : GLP_LO;
	glp_set_row_bnds(lp->prob, row, type, b, b);
	for (int k = first; k < *nz; k++)
		ia[k] = row;
	return row;
}

/* The reader's programme over one connected set of hidden cells, cells[0..n-1],
 * and the relations holding them, rels[0..nrels-1]. */
static int lp_build(struct lp *lp, const struct disclosure *d, const int *cells, size_t n,
		    const size_t *rels, size_t nrels)
{
	int rc = -ENOMEM;
	size_t terms = 0;
	for (size_t i = 0; i < nrels; i++)
		terms += d->rel_start[rels[i] + 1] - d->rel_start[rels[i]];
	/* GLPK's sparse arrays are 1-based: slot 0 is unused */
	int *ia = malloc((terms + 1) * sizeof(*ia));
	int *ja = malloc((terms + 1) * sizeof(*ja));
	double *ar = malloc((terms + 1) * sizeof(*ar));
	lp->cell_of = malloc((n + 1) * sizeof(*lp->cell_of));
	lp->prob = glp_create_prob();
	if (!ia || !ja || !ar || !lp->cell_of || !lp->prob)
		goto out;
	for (size_t i = 0; i < n; i++) {
		lp->col_of[cells[i]] = ++lp->cols;
		lp->cell_of[lp->cols] = cells[i];
	}
	if (lp->cols)
		glp_add_cols(lp->prob, lp->cols);
	for (int j = 1; j <= lp->cols; j++)
		glp_set_col_bnds(lp->prob, j, GLP_LO, 1.0, 0.0); /* zeros are published */
	int nz = 1;
	for (size_t i = 0; i < nrels; i++)
		lp_add_row(lp, d, rels[i], ia, ja, ar, &nz);
	glp_load_matrix(lp->prob, nz - 1, ia, ja, ar);
	glp_init_smcp(&lp->parm);
	lp->parm.msg_lev = GLP_MSG_OFF;
	lp->parm.presolve = GLP_OFF; /* keep the basis between solves */
	rc = 0;
out:
	free(ia);
	free(ja);
	free(ar);
	return rc;
}

/* Optimises column j in direction dir; *ret_unbounded when it has no bound. */
static int lp_solve(struct lp *lp, int j, int dir, double *ret, bool *ret_unbounded)
{
	glp_set_obj_coef(lp->prob, j, 1.0);
	glp_set_obj_dir(lp->prob, dir);
	int rc = glp_simplex(lp->prob, &lp->parm);
	if (rc != 0) { /* a basis gone singular: start again from the standard one */
		glp_std_basis(lp->prob);
		rc = glp_simplex(lp->prob, &lp->parm);
	}
	glp_set_obj_coef(lp->prob, j, 0.0);
	if (rc != 0)
		return -EIO;
	int status = glp_get_status(lp->prob);
	if (status == GLP_UNBND && dir == GLP_MAX) {
		*ret_unbounded = true;
		return 0;
	}
	if (status != GLP_OPT)
		return -EIO; /* infeasible: the relations contradict the published values */
	*ret_unbounded = false;
	*ret = glp_get_obj_val(lp->prob);
	return 0;
}

/* The least and greatest value each hidden cell took in the feasible points
 * seen so far (the true values are one, every optimum another). A cell's
 * bounds contain that range, so a cell whose range already protects it
 * needs no solve: most cells of a week pass on the points found while
 * solving for their neighbours. */
struct seen {
	double *lo, *hi;
	bool *unbounded; /* by mark_unbounded() */
};

static void seen_point(struct seen *s, const struct lp *lp)
{
	for (int j = 1; j <= lp->cols; j++) {
		int c = lp->cell_of[j];
		double v = glp_get_col_prim(lp->prob, j);
		if (v < s->lo[c])
			s->lo[c] = v;
		if (v > s->hi[c])
			s->hi[c] = v;
	}
}

static bool seen_protects(const struct seen *s, int c, int width, long *lo, long *hi)
{
	*lo = (long)ceil(s->lo[c] - INT_EPS);
	*hi = (long)floor(s->hi[c] + INT_EPS);
	return width > 0 && disclosure_interval_protects(*lo, *hi, width);
}

/* Bounds of cell c into lo[c], hi[c]: exact when width is 0; otherwise
 * possibly only as wide as needed to show that c passes at width. */
static int bound_cell(struct lp *lp, struct seen *s, int c, int width, long *lo, long *hi,
		      long *solves)
{
	int j = lp->col_of[c];
	double v = 0;
	bool unbounded = false;
	if (seen_protects(s, c, width, &lo[c], &hi[c]))
		return 0;
	int rc = 0;
	if (s->unbounded[c]) {
		unbounded = true;
	} else {
		rc = lp_solve(lp, j, GLP_MAX, &v, &unbounded);
		(*solves)++;
	}
	if (rc)
		return rc;
	if (unbounded) {
		hi[c] = -1;
		if (width > 0)
			return 0; /* passes, whatever its lower bound */
	} else {
		seen_point(s, lp);
	}
	long ignored;
	if (!unbounded && seen_protects(s, c, width, &lo[c], &ignored)) {
		hi[c] = (long)floor(v + INT_EPS);
		return 0;
	}
	if (!unbounded)
		hi[c] = (long)floor(v + INT_EPS);
	rc = lp_solve(lp, j, GLP_MIN, &v, &unbounded);
	(*solves)++;
	if (rc)
		return rc;
	seen_point(s, lp);
	lo[c] = (long)ceil(v - INT_EPS);
	return 0;
}

/* Marks in unbounded[] (by cell) every hidden cell with no upper bound, in a
 * few solves rather than one per cell. The reader's polyhedron is not empty
 * (the true values lie in it), so a cell is unbounded above exactly when some
 * direction r >= 0 of its recession cone (every row with its right-hand side
 * set to 0) has r_c > 0. Each pass maximises the sum of the r_c not yet known
 * over that cone cut to r <= 1: a positive optimum names at least one more
 * cell, a zero one proves the rest bounded. */
static int mark_unbounded(const struct lp *lp, bool *unbounded, long *solves)
{
	glp_prob *cone = glp_create_prob();
	int rc = 0;
	glp_copy_prob(cone, lp->prob, GLP_OFF);
	for (int i = 1; i <= glp_get_num_rows(cone); i++)
		glp_set_row_bnds(cone, i, glp_get_row_type(cone, i), 0.0, 0.0);
	for (int j = 1; j <= lp->cols; j++) {
		glp_set_col_bnds(cone, j, GLP_DB, 0.0, 1.0);
		glp_set_obj_coef(cone, j, 1.0);
	}
	glp_set_obj_dir(cone, GLP_MAX);
	for (;;) {
		(*solves)++;
		if (glp_simplex(cone, &lp->parm) != 0 || glp_get_status(cone) != GLP_OPT) {
			rc = -EIO;
			break;
		}
		if (glp_get_obj_val(cone) < INT_EPS)
			break;
		for (int j = 1; j <= lp->cols; j++)
			if (glp_get_obj_coef(cone, j) != 0 && glp_get_col_prim(cone, j) > INT_EPS) {
				unbounded[lp->cell_of[j]] = true;
				glp_set_obj_coef(cone, j, 0.0);
			}
	}
	glp_delete_prob(cone);
	return rc;
}

/* ---- connected sets of hidden cells ------------------------------------ */

/* A relation ties its hidden cells together; published cells are constants
 * and tie nothing. The reader's programme falls apart into one small
 * programme per connected set, each solved on its own: solves cost grows
 * with the rows of the programme, and a week's sets are many and small. */
struct parts {
	int *root;    /* by cell: its set's representative, -1 when published */
	int *cells;   /* hidden cells, grouped by root */
	size_t *rels; /* relations with a hidden cell, grouped by root */
	size_t n_cells, n_rels;
};

static int find(int *parent, int c)
{
	while (parent[c] != c)
		c = parent[c] = parent[parent[c]];
	return c;
}

static int by_root_cell(const void *a, const void *b, void *arg)
{
	const int *root = arg, x = *(const int *)a, y = *(const int *)b;
	return root[x] != root[y] ? (root[x] < root[y] ? -1 : 1) : (x > y) - (x < y);
}

/* The root of relation r: of its first hidden cell, -1 when it has none. */
static int rel_root(const struct disclosure *d, const int *root, size_t r)
{
	for (size_t t = d->rel_start[r]; t < d->rel_start[r + 1]; t++)
		if (d->hidden[d->term_cell[t]])
			return root[d->term_cell[t]];
	return -1;
}

static int by_root_rel(const void *a, const void *b, void *arg)
{
	const struct {
		const struct disclosure *d;
		const int *root;
	} *ctx = arg;
	int x = rel_root(ctx->d, ctx->root, *(const size_t *)a);
	int y = rel_root(ctx->d, ctx->root, *(const size_t *)b);
	return (x > y) - (x < y);
}

static int parts_build(struct parts *p, const struct disclosure *d)
{
	size_t cells = d->n_cells ? d->n_cells : 1;
	p->root = malloc(cells * sizeof(*p->root));
	p->cells = malloc(cells * sizeof(*p->cells));
	p->rels = malloc((d->n_rels ? d->n_rels : 1) * sizeof(*p->rels));
	if (!p->root || !p->cells || !p->rels)
		return -ENOMEM;
	for (size_t c = 0; c < d->n_cells; c++)
		p->root[c] = d->hidden[c] ? (int)c : -1;
	for (size_t r = 0; r < d->n_rels; r++) {
		int first = -1;
		for (size_t t = d->rel_start[r]; t < d->rel_start[r + 1]; t++) {
			int c = d->term_cell[t];
			if (!d->hidden[c])
				continue;
			if (first < 0)
				first = find(p->root, c);
			else
				p->root[find(p->root, c)] = first;
			first = find(p->root, first);
		}
	}
	for (size_t c = 0; c < d->n_cells; c++)
		if (d->hidden[c]) {
			p->root[c] = find(p->root, (int)c);
			p->cells[p->n_cells++] = (int)c;
		}
	qsort_r(p->cells, p->n_cells, sizeof(*p->cells), by_root_cell, p->root);
	for (size_t r = 0; r < d->n_rels; r++)
		if (rel_root(d, p->root, r) >= 0)
			p->rels[p->n_rels++] = r;
	struct {
		const struct disclosure *d;
		const int *root;
	} ctx = {d, p->root};
	qsort_r(p->rels, p->n_rels, sizeof(*p->rels), by_root_rel, &ctx);
	return 0;
}

static void parts_free(struct parts *p)
{
	free(p->root);
	free(p->cells);
	free(p->rels);
}

/* Bounds of the hidden cells which[0..n-1] into lo/hi, indexed by cell (see
 * bound_cell() for width); which[] is reordered by connected set. */
static int bounds_of(struct disclosure *d, int *which, size_t n, int width, long *lo, long *hi,
		     long *solves)
{
	struct parts p = {0};
	struct seen s = {malloc(d->n_cells * sizeof(double)), malloc(d->n_cells * sizeof(double)),
			 calloc(d->n_cells, sizeof(bool))};
	int *col_of = calloc(d->n_cells, sizeof(*col_of));
	int rc = s.lo && s.hi && s.unbounded && col_of ? parts_build(&p, d) : -ENOMEM;
	for (size_t c = 0; rc == 0 && c < d->n_cells; c++)
		s.lo[c] = s.hi[c] = (double)d->value[c];
	if (rc == 0)
		qsort_r(which, n, sizeof(*which), by_root_cell, p.root);
	size_t pc = 0, pr = 0;
	for (size_t i = 0, j; rc == 0 && i < n; i = j) {
		int root = p.root[which[i]];
		for (j = i + 1; j < n && p.root[which[j]] == root; j++)
			;
		while (p.root[p.cells[pc]] != root)
			pc++;
		while (pr < p.n_rels && rel_root(d, p.root, p.rels[pr]) < root)
			pr++;
		size_t ec = pc, er = pr;
		while (ec < p.n_cells && p.root[p.cells[ec]] == root)
			ec++;
		while (er < p.n_rels && rel_root(d, p.root, p.rels[er]) == root)
			er++;
		struct lp lp = {.col_of = col_of};
		rc = lp_build(&lp, d, p.cells + pc, ec - pc, p.rels + pr, er - pr);
		if (rc == 0)
			rc = mark_unbounded(&lp, s.unbounded, solves);
		for (size_t k = i; rc == 0 && k < j; k++)
			rc = bound_cell(&lp, &s, which[k], width, lo, hi, solves);
		lp_free(&lp);
	}
	parts_free(&p);
	free(col_of);
	free(s.lo);
	free(s.hi);
	free(s.unbounded);
	return rc;
}

int disclosure_bounds(struct disclosure *d, long *ret_lo, long *ret_hi)
{
	int *which = malloc((d->n_cells ? d->n_cells : 1) * sizeof(*which));
	long solves = 0;
	size_t n = 0;
	if (!which)
		return -ENOMEM;
	for (size_t c = 0; c < d->n_cells; c++) {
		ret_lo[c] = ret_hi[c] = d->value[c];
		if (d->hidden[c])
			which[n++] = (int)c;
	}
	int rc = n ? bounds_of(d, which, n, /* width= */ 0, ret_lo, ret_hi, &solves) : 0;
	free(which);
	return rc;
}

/* ---- complementary suppression ------------------------------------------ */

/* Which relations each cell is in, compressed: rels[start[c] .. start[c + 1] - 1]. */
struct incidence {
	size_t *start;
	size_t *rels;
};

static int incidence_build(struct incidence *inc, const struct disclosure *d)
{
	inc->start = calloc(d->n_cells + 1, sizeof(*inc->start));
	inc->rels = malloc((d->n_terms ? d->n_terms : 1) * sizeof(*inc->rels));
	if (!inc->start || !inc->rels)
		return -ENOMEM;
	for (size_t t = 0; t < d->n_terms; t++)
		inc->start[d->term_cell[t] + 1]++;
	for (size_t c = 0; c < d->n_cells; c++)
		inc->start[c + 1] += inc->start[c];
	size_t *fill = calloc(d->n_cells ? d->n_cells : 1, sizeof(*fill));
	if (!fill)
		return -ENOMEM;
	for (size_t r = 0; r < d->n_rels; r++)
		for (size_t t = d->rel_start[r]; t < d->rel_start[r + 1]; t++) {
			int c = d->term_cell[t];
			inc->rels[inc->start[c] + fill[c]++] = r;
		}
	free(fill);
	return 0;
}

static void incidence_free(struct incidence *inc)
{
	free(inc->start);
	free(inc->rels);
}

/* The cell to hide for failing cell c: the smallest positive published cell
 * in a relation with c; failing that, breadth first through the hidden cells
 * of those relations. -1 when the whole connected set is hidden already.
 * seen (n_cells, zeroed) and queue (n_cells) are scratch. */
static int complement_of(const struct disclosure *d, const struct incidence *inc, int c, bool *seen,
			 int *queue)
{
	size_t head = 0, tail = 0, level_end;
	int best = -1;
	queue[tail++] = c;
	seen[c] = true;
	while (head < tail && best < 0) {
		level_end = tail;
		for (; head < level_end; head++) {
			int h = queue[head];
			for (size_t k = inc->start[h]; k < inc->start[h + 1]; k++) {
				size_t r = inc->rels[k];
				for (size_t t = d->rel_start[r]; t < d->rel_start[r + 1]; t++) {
					int x = d->term_cell[t];
					if (seen[x])
						continue;
					seen[x] = true;
					queue[tail++] = x;
					if (!d->hidden[x] && d->value[x] > 0 &&
					    (best < 0 || d->value[x] < d->value[best]))
						best = x;
				}
			}
		}
	}
	for (size_t i = 0; i < tail; i++)
		seen[queue[i]] = false;
	return best;
}

/* True when a cell sharing a relation with c was hidden in this pass (its
 * mark is set): c's bounds have changed, so it is audited again first. */
static bool neighbour_marked(const struct disclosure *d, const struct incidence *inc, int c,
			     const bool *marked)
{
	for (size_t k = inc->start[c]; k < inc->start[c + 1]; k++) {
		size_t r = inc->rels[k];
		for (size_t t = d->rel_start[r]; t < d->rel_start[r + 1]; t++)
			if (marked[d->term_cell[t]])
				return true;
	}
	return false;
}

/* Hides one complement for each of the n failing cells in which[] that no
 * complement hidden in this pass already touches (hiding one per cell would
 * hide both a total and its part for two cells under it), and appends the
 * cells it hid to which[] (they are audited next); *ret_n is the new length.
 * A cell with no positive published cell left around it is skipped: an
 * earlier complement of this pass emptied its relations, and it is audited
 * again. -EDOM when no cell at all could be hidden (cannot happen with
 * homogeneous relations, see the top of the file). */
static int hide_complements(struct disclosure *d, const struct incidence *inc, int *which, size_t n,
			    size_t *ret_n, int *ret_added)
{
	bool *seen = calloc(d->n_cells, sizeof(*seen));
	bool *marked = calloc(d->n_cells, sizeof(*marked));
	int *queue = malloc(d->n_cells * sizeof(*queue));
	int rc = seen && marked && queue ? 0 : -ENOMEM;
	size_t len = n;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		if (neighbour_marked(d, inc, which[i], marked))
			continue;
		int x = complement_of(d, inc, which[i], seen, queue);
		if (x < 0)
			continue;
		d->hidden[x] = true;
		marked[x] = true;
		which[len++] = x;
		(*ret_added)++;
	}
	if (rc == 0 && len == n)
		rc = -EDOM;
	*ret_n = len;
	free(seen);
	free(marked);
	free(queue);
	return rc;
}

/* Keeps in which[] only the cells whose bounds fail; returns how many. */
static size_t keep_failing(int *which, size_t n, const long *lo, const long *hi, int width)
{
	size_t kept = 0;
	for (size_t i = 0; i < n; i++)
		if (!disclosure_interval_protects(lo[which[i]], hi[which[i]], width))
			which[kept++] = which[i];
	return kept;
}

int disclosure_protect(struct disclosure *d, int width, struct disclosure_outcome *ret)
{
	struct disclosure_outcome out = {0};
	struct incidence inc = {0};
	size_t cells = d->n_cells ? d->n_cells : 1, n = 0;
	int *which = malloc(cells * sizeof(*which));
	long *lo = malloc(cells * sizeof(*lo)), *hi = malloc(cells * sizeof(*hi));
	int rc = which && lo && hi ? incidence_build(&inc, d) : -ENOMEM;
	for (size_t c = 0; rc == 0 && c < d->n_cells; c++)
		if (d->hidden[c])
			which[n++] = (int)c;
	while (rc == 0 && n > 0) {
		out.rounds++;
		rc = bounds_of(d, which, n, width, lo, hi, &out.solves);
		if (rc)
			break;
		n = keep_failing(which, n, lo, hi, width);
		if (n)
			rc = hide_complements(d, &inc, which, n, &n, &out.added);
	}
	for (size_t c = 0; c < d->n_cells; c++)
		out.hidden += d->hidden[c];
	if (rc == 0 && ret)
		*ret = out;
	incidence_free(&inc);
	free(which);
	free(lo);
	free(hi);
	return rc;
}
