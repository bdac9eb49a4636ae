/* Summary table assembly.
 *
 * Rows are identified by their key over the query's dimensions, flattened to
 * one string (values joined by a unit separator, NULL as a record separator)
 * and found through small open-addressing hash maps in the request's arena:
 * every lookup — events of a row, its denominator, its medical_clinic
 * reference, its Fitzpatrick strata — is one probe, so the cost is linear in
 * the rows whatever `by` asks for. */
#include "summary_table.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "codes.h"

#define KEY_SEP '\x1f'
#define KEY_NULL '\x1e'
#define NOT_FOUND ((size_t)-1)
#define BIT(d) SUMMARY_DIM_BIT(d)
#define COMPLICATION_DIMS (BIT(SUMMARY_COMPLICATION) | BIT(SUMMARY_COMPLICATION_TYPE))

struct keymap {
	const char **keys;
	size_t *values;
	size_t cap; /* a power of two, at least twice the entries */
};

static int keymap_init(struct arena *a, struct keymap *m, size_t entries)
{
	m->cap = 16;
	while (m->cap < 2 * entries + 1)
		m->cap *= 2;
	m->keys = arena_alloc(a, m->cap * sizeof(*m->keys));
	m->values = arena_alloc(a, m->cap * sizeof(*m->values));
	return m->keys && m->values ? 0 : -ENOMEM;
}

/* FNV-1a. */
static size_t hash(const char *s)
{
	uint64_t h = 14695981039346656037ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return (size_t)h;
}

static size_t keymap_slot(const struct keymap *m, const char *key)
{
	size_t i = hash(key) & (m->cap - 1);
	while (m->keys[i] && strcmp(m->keys[i], key) != 0)
		i = (i + 1) & (m->cap - 1);
	return i;
}

static size_t keymap_get(const struct keymap *m, const char *key)
{
	size_t i = keymap_slot(m, key);
	return m->keys[i] ? m->values[i] : NOT_FOUND;
}

/* Adds key -> value unless key is there; returns the value it maps to. */
static size_t keymap_put(struct keymap *m, const char *key, size_t value)
{
	size_t i = keymap_slot(m, key);
	if (!m->keys[i]) {
		m->keys[i] = key;
		m->values[i] = value;
	}
	return m->values[i];
}

/* The key over the dimensions in mask, in the arena. */
static const char *flatten(struct arena *a, const struct summary_key *k, unsigned mask)
{
	size_t len = 1;
	for (int d = 0; d < SUMMARY_DIM_COUNT; d++)
		if (mask & BIT(d))
			len += (k->v[d] ? strlen(k->v[d]) : 1) + 1;
	char *s = arena_alloc(a, len), *p = s;
	if (!s)
		return NULL;
	for (int d = 0; d < SUMMARY_DIM_COUNT; d++) {
		if (!(mask & BIT(d)))
			continue;
		if (k->v[d]) {
			size_t n = strlen(k->v[d]);
			memcpy(p, k->v[d], n);
			p += n;
		} else {
			*p++ = KEY_NULL;
		}
		*p++ = KEY_SEP;
	}
	*p = '\0';
	return s;
}

/* A complication group and type a denominator is crossed with, so that
 * every rate (0 included) has its row. */
struct combo {
	const char *group, *type;
};

static size_t make_combos(const struct summary_query *q, struct combo *out, size_t max)
{
	unsigned cd = q->needed & COMPLICATION_DIMS;
	size_t n = 0;

	if (!cd) {
		out[0] = (struct combo){NULL, NULL};
		return 1;
	}
	if (!(cd & BIT(SUMMARY_COMPLICATION_TYPE))) {
		for (size_t i = 0; codes_groups[i]; i++)
			if (!q->complication || strcmp(q->complication, codes_groups[i]) == 0)
				out[n++] = (struct combo){codes_groups[i], NULL};
		return n;
	}
	for (size_t i = 0; i < q->types->n && n < max; i++) {
		const char *t = q->types->type[i], *g = q->types->group[i];
		if (q->complication && strcmp(q->complication, g) != 0)
			continue;
		if (q->complication_type && strcmp(q->complication_type, t) != 0)
			continue;
		out[n++] = (struct combo){cd & BIT(SUMMARY_COMPLICATION) ? g : NULL, t};
	}
	return n;
}

struct build {
	struct arena *a;
	const struct summary_input *in;
	unsigned need;	   /* every dimension of a row */
	unsigned den_mask; /* need without the complication dimensions */
	struct keymap rows, events, den, fitz_events, fitz_den;
	struct summary_row *v;
	size_t n, cap;
};

static int add_row(struct build *b, const struct summary_key *k)
{
	const char *key = flatten(b->a, k, b->need);
	if (!key)
		return -ENOMEM;
	if (keymap_get(&b->rows, key) != NOT_FOUND)
		return 0;
	if (b->n == b->cap) /* cannot happen: each source adds at most one row */
		return -ENOMEM;
	keymap_put(&b->rows, key, b->n);
	b->v[b->n].key = *k;
	b->n++;
	return 0;
}

static int index_events(struct build *b, struct keymap *m, const struct summary_events *e, size_t n,
			unsigned mask)
{
	if (keymap_init(b->a, m, n) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const char *key = flatten(b->a, &e[i].key, mask);
		if (!key)
			return -ENOMEM;
		keymap_put(m, key, i);
	}
	return 0;
}

static int index_den(struct build *b, struct keymap *m, const struct summary_denominator *d,
		     size_t n, unsigned mask)
{
	if (keymap_init(b->a, m, n) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const char *key = flatten(b->a, &d[i].key, mask);
		if (!key)
			return -ENOMEM;
		keymap_put(m, key, i);
	}
	return 0;
}

/* Every row: each denominator crossed with the complications, and every
 * cell with cases (which may have no denominator). */
static int collect_rows(struct build *b)
{
	const struct summary_input *in = b->in;
	/* vocab.c bounds the types; the groups are fewer. */
	struct combo combos[VOCAB_COMPLICATION_MAX];
	size_t nc = make_combos(in->q, combos, VOCAB_COMPLICATION_MAX);

	b->cap = in->n_denominators * nc + in->n_events;
	b->v = arena_alloc(b->a, (b->cap ? b->cap : 1) * sizeof(*b->v));
	if (!b->v || keymap_init(b->a, &b->rows, b->cap) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < in->n_denominators; i++) {
		for (size_t c = 0; c < nc; c++) {
			struct summary_key k = in->denominators[i].key;
			k.v[SUMMARY_COMPLICATION] = combos[c].group;
			k.v[SUMMARY_COMPLICATION_TYPE] = combos[c].type;
			if (add_row(b, &k) < 0)
				return -ENOMEM;
		}
	}
	/* A cell without cases and without a denominator says nothing. */
	for (size_t i = 0; i < in->n_events; i++)
		if ((in->events[i].cases > 0 || in->events[i].events_implausible > 0) &&
		    add_row(b, &in->events[i].key) < 0)
			return -ENOMEM;
	return 0;
}

static int fill_counts(struct build *b)
{
	for (size_t i = 0; i < b->n; i++) {
		struct summary_row *r = &b->v[i];
		const char *ek = flatten(b->a, &r->key, b->need);
		const char *dk = flatten(b->a, &r->key, b->den_mask);
		if (!ek || !dk)
			return -ENOMEM;
		size_t e = keymap_get(&b->events, ek), d = keymap_get(&b->den, dk);
		if (e != NOT_FOUND) {
			r->events = b->in->events[e].events;
			r->events_without_activity = b->in->events[e].cases - r->events;
			r->events_third_party = b->in->events[e].events_third_party;
			r->events_implausible = b->in->events[e].events_implausible;
		}
		if (d != NOT_FOUND) {
			const struct summary_denominator *den = &b->in->denominators[d];
			r->procedures = den->procedures;
			r->premises_reporting = den->premises;
			r->premises_implausible = den->premises_implausible;
			r->premises_active = den->premises_active;
			r->premises_silent = den->premises_silent;
		}
		r->has_rate = r->procedures > 0;
		if (r->has_rate)
			r->rate_per_1000 = 1000.0 * (double)r->events / (double)r->procedures;
		r->has_ci = r->has_rate && stats_rate(r->events, r->procedures, &r->ci) == 0;
	}
	return 0;
}

/* The medical_clinic row with the same other keys, or NULL. */
static const struct summary_row *reference_of(struct build *b, const struct summary_row *r)
{
	struct summary_key k = r->key;
	k.v[SUMMARY_SETTING] = CODES_REFERENCE_SETTING;
	const char *key = flatten(b->a, &k, b->need);
	size_t i = key ? keymap_get(&b->rows, key) : NOT_FOUND;
	return i == NOT_FOUND ? NULL : &b->v[i];
}

/* Events and procedures of key with fitzpatrick = type, for one stratum. */
static void stratum_of(struct build *b, const struct summary_key *key, int type,
		       uint64_t *ret_events, uint64_t *ret_procedures)
{
	static const char *const types[] = {"1", "2", "3", "4", "5", "6"};
	struct summary_key k = *key;
	unsigned fitz = BIT(SUMMARY_FITZPATRICK);
	k.v[SUMMARY_FITZPATRICK] = types[type];
	const char *ek = flatten(b->a, &k, b->need | fitz);
	const char *dk = flatten(b->a, &k, b->den_mask | fitz);
	size_t e = ek ? keymap_get(&b->fitz_events, ek) : NOT_FOUND;
	size_t d = dk ? keymap_get(&b->fitz_den, dk) : NOT_FOUND;
	*ret_events = e == NOT_FOUND ? 0 : b->in->fitz_events[e].events;
	*ret_procedures = d == NOT_FOUND ? 0 : b->in->fitz_denominators[d].procedures;
}

static void compare(struct build *b, struct summary_row *r, bool adjust)
{
	const struct summary_row *ref;
	struct stats_stratum s[6];

	if (!(b->need & BIT(SUMMARY_SETTING)) || !r->key.v[SUMMARY_SETTING])
		return;
	ref = reference_of(b, r);
	if (!ref || ref == r)
		return;
	r->has_ratio = stats_rate_ratio(r->events, r->procedures, ref->events, ref->procedures,
					&r->ratio) == 0;
	if (!adjust)
		return;
	for (int t = 0; t < 6; t++) {
		stratum_of(b, &r->key, t, &s[t].a, &s[t].n1);
		stratum_of(b, &ref->key, t, &s[t].b, &s[t].n2);
	}
	r->has_adjusted = stats_mantel_haenszel(s, 6, &r->adjusted) == 0;
}

static bool passes_filters(const struct summary_query *q, const struct summary_row *r)
{
	const char *const *v = r->key.v;
	if (q->setting && (!v[SUMMARY_SETTING] || strcmp(q->setting, v[SUMMARY_SETTING]) != 0))
		return false;
	if (q->complication &&
	    (!v[SUMMARY_COMPLICATION] || strcmp(q->complication, v[SUMMARY_COMPLICATION]) != 0))
		return false;
	if (q->complication_type &&
	    (!v[SUMMARY_COMPLICATION_TYPE] ||
	     strcmp(q->complication_type, v[SUMMARY_COMPLICATION_TYPE]) != 0))
		return false;
	return true;
}

/* Order within one dimension: the tables' own order for settings,
 * complications and training, text otherwise; unknown values last. */
static int compare_value(const struct summary_query *q, enum summary_dim d, const char *x,
			 const char *y)
{
	static const char *const training[] = {"true", "false", NULL};
	const char *const *order = d == SUMMARY_SETTING		    ? codes_settings
				   : d == SUMMARY_COMPLICATION	    ? codes_groups
				   : d == SUMMARY_COMPLICATION_TYPE ? q->types->type
				   : d == SUMMARY_TRAINING	    ? training
								    : NULL;
	if (!x || !y)
		return (!x) - (!y);
	if (order) {
		int rx = codes_rank(order, x), ry = codes_rank(order, y);
		if (rx != ry)
			return rx < 0 ? 1 : ry < 0 ? -1 : rx - ry;
	}
	return strcmp(x, y);
}

static int compare_keys(const void *pa, const void *pb, void *arg)
{
	const struct summary_query *q = arg;
	const struct summary_key *a = pa, *b = pb; /* each struct starts with its key */
	for (size_t i = 0; i < q->n_by; i++) {
		int c = compare_value(q, q->by[i], a->v[q->by[i]], b->v[q->by[i]]);
		if (c)
			return c;
	}
	return 0;
}

bool summary_table_wants_adjusted(const struct summary_query *q)
{
	return (q->needed & BIT(SUMMARY_SETTING)) &&
	       !(q->needed & (BIT(SUMMARY_FITZPATRICK) | BIT(SUMMARY_TRAINING)));
}

int summary_table_build(struct arena *a, const struct summary_input *in, struct summary_table *ret)
{
	const struct summary_query *q = in->q;
	struct build b = {.a = a, .in = in, .need = q->needed};
	unsigned fitz = BIT(SUMMARY_FITZPATRICK);
	bool adjust = summary_table_wants_adjusted(q);

	b.den_mask = b.need & ~COMPLICATION_DIMS;
	if (index_events(&b, &b.events, in->events, in->n_events, b.need) < 0 ||
	    index_den(&b, &b.den, in->denominators, in->n_denominators, b.den_mask) < 0 ||
	    index_events(&b, &b.fitz_events, in->fitz_events, in->n_fitz_events, b.need | fitz) <
		0 ||
	    index_den(&b, &b.fitz_den, in->fitz_denominators, in->n_fitz_denominators,
		      b.den_mask | fitz) < 0 ||
	    collect_rows(&b) < 0 || fill_counts(&b) < 0)
		return -ENOMEM;
	/* Compare before filtering: the reference row may be filtered out. */
	for (size_t i = 0; i < b.n; i++)
		compare(&b, &b.v[i], adjust);
	size_t kept = 0;
	for (size_t i = 0; i < b.n; i++)
		if (passes_filters(q, &b.v[i]))
			b.v[kept++] = b.v[i];
	qsort_r(b.v, kept, sizeof(*b.v), compare_keys, (void *)q);
	ret->rows = b.v;
	ret->n = kept;
	return 0;
}

void summary_table_sort_unregistered(const struct summary_query *q, struct summary_unregistered *u,
				     size_t n)
{
	qsort_r(u, n, sizeof(*u), compare_keys, (void *)q);
}
