/* The public summary tables of one week as a disclosure model (see the header
 * for the relations and why each holds). Rows are grouped by sorting an index
 * array twice: by setting and group (the additive relations across tables),
 * then by table, setting and key (the `any` relations within a row). */
#include "disclosure_tables.h"

#include <stdlib.h>
#include <string.h>

/* Term buffers for one relation: at most every row's two cells plus one. */
struct terms {
	int *cell;
	double *coef;
	size_t n;
};

static void terms_add(struct terms *t, int cell, double coef)
{
	if (cell < 0)
		return;
	t->cell[t->n] = cell;
	t->coef[t->n] = coef;
	t->n++;
}

static int cmp_null(const char *a, const char *b)
{
	if (!a || !b)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

static int by_setting_group(const void *x, const void *y, void *arg)
{
	const struct disclosure_row *rows = arg;
	const struct disclosure_row *a = &rows[*(const size_t *)x], *b = &rows[*(const size_t *)y];
	int c = cmp_null(a->setting, b->setting);
	return c ? c : cmp_null(a->group, b->group);
}

static int by_row_key(const void *x, const void *y, void *arg)
{
	const struct disclosure_row *rows = arg;
	const struct disclosure_row *a = &rows[*(const size_t *)x], *b = &rows[*(const size_t *)y];
	if (a->table != b->table)
		return a->table < b->table ? -1 : 1;
	int c = cmp_null(a->setting, b->setting);
	return c ? c : cmp_null(a->key, b->key);
}

static int add(struct disclosure *d, struct terms *t, enum disclosure_sense sense)
{
	int rc = t->n ? disclosure_add_relation(d, t->n, t->cell, t->coef, sense, 0) : 0;
	t->n = 0;
	return rc;
}

static bool has_table(const struct disclosure_row *rows, const size_t *idx, size_t n,
		      enum disclosure_table table)
{
	for (size_t i = 0; i < n; i++)
		if (rows[idx[i]].table == table)
			return true;
	return false;
}

/* The additive relations of one setting and group: rows idx[0..n-1]. */
static int add_sums(struct disclosure *d, const struct disclosure_row *rows, const size_t *idx,
		    size_t n, struct terms *t)
{
	const struct disclosure_row *ws = NULL;
	for (size_t i = 0; i < n; i++)
		if (rows[idx[i]].table == DISCLOSURE_WEEK_SETTING)
			ws = &rows[idx[i]];
	if (!ws)
		return 0; /* no total to relate the parts to */
	int rc = 0;
	for (int col = 0; col < 2 && rc == 0 && has_table(rows, idx, n, DISCLOSURE_REGION); col++) {
		/* region: events, then ewa */
		terms_add(t, col ? ws->ewa_cell : ws->events_cell, 1);
		for (size_t i = 0; i < n; i++)
			if (rows[idx[i]].table == DISCLOSURE_REGION)
				terms_add(t, col ? rows[idx[i]].ewa_cell : rows[idx[i]].events_cell,
					  -1);
		rc = add(d, t, DISCLOSURE_EQ);
	}
	enum disclosure_table split[] = {DISCLOSURE_FITZPATRICK, DISCLOSURE_TRAINING};
	for (size_t s = 0; s < 2 && rc == 0; s++) {
		if (!has_table(rows, idx, n, split[s]))
			continue; /* no part published: no sum to relate */
		terms_add(t, ws->events_cell, 1);
		terms_add(t, ws->ewa_cell, 1);
		for (size_t i = 0; i < n; i++)
			if (rows[idx[i]].table == split[s]) {
				terms_add(t, rows[idx[i]].events_cell, -1);
				terms_add(t, rows[idx[i]].ewa_cell, -1);
			}
		rc = add(d, t, DISCLOSURE_EQ);
		terms_add(t, ws->events_cell, -1);
		for (size_t i = 0; i < n && rc == 0; i++)
			if (rows[idx[i]].table == split[s])
				terms_add(t, rows[idx[i]].events_cell, 1);
		if (rc == 0)
			rc = add(d, t, DISCLOSURE_LE);
	}
	return rc;
}

/* The `any` relations of one row key: rows idx[0..n-1], one per group. */
static int add_any(struct disclosure *d, const struct disclosure_row *rows, const size_t *idx,
		   size_t n, struct terms *t)
{
	const struct disclosure_row *any = NULL;
	for (size_t i = 0; i < n; i++)
		if (rows[idx[i]].group && strcmp(rows[idx[i]].group, "any") == 0)
			any = &rows[idx[i]];
	if (!any || n < 2)
		return 0; /* no groups beside `any` to bound */
	int rc = 0;
	for (int col = 0; col < 2 && rc == 0; col++) {
		int a = col ? any->ewa_cell : any->events_cell;
		if (a < 0)
			continue;
		terms_add(t, a, -1); /* any - Σ groups <= 0 */
		for (size_t i = 0; i < n; i++)
			if (&rows[idx[i]] != any)
				terms_add(t, col ? rows[idx[i]].ewa_cell : rows[idx[i]].events_cell,
					  1);
		rc = add(d, t, DISCLOSURE_GE);
		for (size_t i = 0; i < n && rc == 0; i++) { /* any - group >= 0 */
			if (&rows[idx[i]] == any)
				continue;
			terms_add(t, a, 1);
			terms_add(t, col ? rows[idx[i]].ewa_cell : rows[idx[i]].events_cell, -1);
			rc = add(d, t, DISCLOSURE_GE);
		}
	}
	return rc;
}

static int add_cells(struct disclosure *d, struct disclosure_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct disclosure_row *r = &rows[i];
		r->events_cell = disclosure_add_cell(d, r->events, r->events_hidden);
		if (r->events_cell < 0)
			return r->events_cell;
		r->ewa_cell = -1;
		if (r->table == DISCLOSURE_UNREGISTERED)
			continue;
		r->ewa_cell = disclosure_add_cell(d, r->ewa, r->ewa_hidden);
		if (r->ewa_cell < 0)
			return r->ewa_cell;
	}
	return 0;
}

/* Calls fn on each run of idx[] equal under cmp (already sorted by it). */
static int each_block(struct disclosure *d, const struct disclosure_row *rows, size_t *idx,
		      size_t n, int (*cmp)(const void *, const void *, void *),
		      int (*fn)(struct disclosure *, const struct disclosure_row *, const size_t *,
				size_t, struct terms *),
		      struct terms *t)
{
	qsort_r(idx, n, sizeof(*idx), cmp, (void *)rows);
	int rc = 0;
	for (size_t i = 0, j; i < n && rc == 0; i = j) {
		for (j = i + 1; j < n && cmp(&idx[i], &idx[j], (void *)rows) == 0; j++)
			;
		rc = fn(d, rows, idx + i, j - i, t);
	}
	return rc;
}

struct disclosure *disclosure_tables_build(struct disclosure_row *rows, size_t n)
{
	struct disclosure *d = disclosure_new();
	size_t *idx = malloc((n ? n : 1) * sizeof(*idx));
	struct terms t = {malloc((2 * n + 1) * sizeof(int)), malloc((2 * n + 1) * sizeof(double)),
			  0};
	int rc = d && idx && t.cell && t.coef ? add_cells(d, rows, n) : -1;
	size_t m = 0;
	for (size_t i = 0; rc == 0 && i < n; i++)
		if (rows[i].table != DISCLOSURE_UNREGISTERED)
			idx[m++] = i;
	if (rc == 0)
		rc = each_block(d, rows, idx, m, by_setting_group, add_sums, &t);
	for (size_t i = 0; rc == 0 && i < n; i++)
		idx[i] = i;
	if (rc == 0)
		rc = each_block(d, rows, idx, n, by_row_key, add_any, &t);
	free(idx);
	free(t.cell);
	free(t.coef);
	if (rc) {
		disclosure_free(d);
		return NULL;
	}
	return d;
}

int disclosure_tables_read_back(const struct disclosure *d, struct disclosure_row *rows, size_t n)
{
	int changed = 0;
	for (size_t i = 0; i < n; i++) {
		struct disclosure_row *r = &rows[i];
		bool e = disclosure_is_hidden(d, r->events_cell);
		bool a = r->ewa_cell >= 0 && disclosure_is_hidden(d, r->ewa_cell);
		changed += (e && !r->events_hidden) + (a && !r->ewa_hidden);
		r->events_hidden = e;
		r->ewa_hidden = a;
	}
	return changed;
}
