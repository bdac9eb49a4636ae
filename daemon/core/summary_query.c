/* Summary queries: parameter checking for GET /v1/summaries. Every problem
 * is reported at once, each under the name of its parameter. */
#include "summary_query.h"
#include "codes.h"

#include <assert.h>
#include <errno.h>
#include <string.h>

static const char *const dim_names[SUMMARY_DIM_COUNT] = {
    [SUMMARY_WEEK] = "week",
    [SUMMARY_SETTING] = "setting",
    [SUMMARY_COMPLICATION] = "complication",
    [SUMMARY_COMPLICATION_TYPE] = "complication_type",
    [SUMMARY_FITZPATRICK] = "fitzpatrick",
    [SUMMARY_REGION] = "region",
    [SUMMARY_TRAINING] = "training",
};

int summary_types_from_vocab(struct arena *a, const struct vocab *v, struct summary_types *ret)
{
	size_t n = vocab_code_count(v, VOCAB_COMPLICATION), k = 0;
	const char **type = arena_alloc(a, (n + 1) * sizeof(*type));
	const char **group = arena_alloc(a, (n + 1) * sizeof(*group));

	if (!type || !group)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const char *t = vocab_code_at(v, VOCAB_COMPLICATION, i);
		const char *g = vocab_complication_group(v, t);
		if (!g || strcmp(g, CODES_GROUP_EXPECTED) == 0)
			continue;
		type[k] = arena_strdup(a, t);
		group[k] = arena_strdup(a, g);
		if (!type[k] || !group[k])
			return -ENOMEM;
		k++;
	}
	type[k] = group[k] = NULL;
	*ret = (struct summary_types){.n = k, .type = type, .group = group};
	return 0;
}

const char *summary_dim_name(enum summary_dim d)
{
	return d < SUMMARY_DIM_COUNT ? dim_names[d] : "?";
}

const char *summary_type_group(const struct summary_types *types, const char *type)
{
	int i = codes_rank(types->type, type);

	return i < 0 ? NULL : types->group[i];
}

static int dim_by_name(const char *s, size_t len)
{
	for (int d = 0; d < SUMMARY_DIM_COUNT; d++)
		if (strlen(dim_names[d]) == len && strncmp(dim_names[d], s, len) == 0)
			return d;
	return -1;
}

/* by=setting,complication: each name once, at least one. The helpers
 * below return 0, or -ENOMEM when an issue could not be recorded (a query
 * must never pass for want of memory to say what is wrong with it). */
static int parse_by(struct summary_query *q, const char *v, struct issues *errors)
{
	q->n_by = 0;
	q->by_mask = 0;
	for (const char *p = v;; p++) {
		size_t len = strcspn(p, ",");
		int d = dim_by_name(p, len);
		if (d < 0)
			return issues_add(
			    errors, "by",
			    "unknown breakdown \"%.*s\", expected any of week, setting, "
			    "complication, complication_type, fitzpatrick, region, training",
			    (int)(len > 40 ? 40 : len), p);
		if (q->by_mask & SUMMARY_DIM_BIT(d))
			return issues_add(errors, "by", "%s is given twice", dim_names[d]);
		q->by[q->n_by++] = (enum summary_dim)d;
		q->by_mask |= SUMMARY_DIM_BIT(d);
		p += len;
		if (!*p)
			return 0;
	}
}

static int parse_week(const char *name, const char *v, struct iso_week *ret, struct issues *errors)
{
	const char *reason = NULL;
	if (isoweek_parse(v, ret, &reason) < 0)
		return issues_add(errors, name, "%s", reason);
	return 0;
}

static int parse_filter(const char *name, const char *v, const char *const *allowed,
			const char **ret, struct issues *errors)
{
	if (strcmp(name, "complication") == 0 && strcmp(v, "expected") == 0)
		return issues_add(errors, name, "expected reactions are not complications");
	if (codes_rank(allowed, v) < 0)
		return issues_add(errors, name, "unknown %s \"%.40s\"", name, v);
	*ret = v;
	return 0;
}

/* One parameter; the flags catch repeats. */
static int parse_param(struct summary_query *q, const struct summary_param *p, unsigned *seen,
		       struct issues *errors)
{
	static const char *const names[] = {
	    "from", "to", "by", "setting", "complication", "complication_type", NULL};
	int i = codes_rank(names, p->key);
	const char *v = p->value ? p->value : "";

	if (i < 0)
		return issues_add(errors, p->key,
				  "unknown parameter, expected from, to, by, setting, "
				  "complication or complication_type");
	if (*seen & (1u << i))
		return issues_add(errors, p->key, "is given twice");
	*seen |= 1u << i;
	switch (i) {
	case 0:
		return parse_week("from", v, &q->from, errors);
	case 1:
		return parse_week("to", v, &q->to, errors);
	case 2:
		return parse_by(q, v, errors);
	case 3:
		return parse_filter("setting", v, codes_settings, &q->setting, errors);
	case 4:
		return parse_filter("complication", v, codes_groups, &q->complication, errors);
	default:
		return parse_filter("complication_type", v, q->types->type, &q->complication_type,
				    errors);
	}
}

/* from and to, defaulted around each other and today, in order and bounded. */
static int resolve_range(struct summary_query *q, unsigned seen, long today, struct issues *errors)
{
	bool has_from = seen & 1u, has_to = seen & 2u;
	if (!has_to)
		q->to = isoweek_of_day(today);
	if (!has_from)
		q->from = isoweek_of_day(isoweek_monday(q->to) - 7L * (SUMMARY_DEFAULT_WEEKS - 1));
	long first = isoweek_monday(q->from), last = isoweek_monday(q->to);
	if (first > last)
		return issues_add(errors, "from", "is after to (%04d-W%02d)", q->to.year,
				  q->to.week);
	if ((last - first) / 7 + 1 > SUMMARY_MAX_WEEKS &&
	    issues_add(errors, "to", "the range is longer than %d weeks", SUMMARY_MAX_WEEKS) < 0)
		return -ENOMEM;
	isoweek_format(q->from, q->from_text);
	isoweek_format(q->to, q->to_text);
	isoweek_format_date(first, q->from_date);
	isoweek_format_date(last, q->to_date);
	return 0;
}

int summary_query_parse(struct summary_query *q, const struct summary_param *params, size_t n,
			long today, const struct summary_types *types, struct issues *errors)
{
	unsigned seen = 0;
	size_t before = errors->n;

	assert(types);
	memset(q, 0, sizeof(*q));
	q->types = types;
	q->by[0] = SUMMARY_SETTING;
	q->by[1] = SUMMARY_COMPLICATION;
	q->n_by = 2;
	q->by_mask = SUMMARY_DIM_BIT(SUMMARY_SETTING) | SUMMARY_DIM_BIT(SUMMARY_COMPLICATION);
	for (size_t i = 0; i < n; i++)
		if (parse_param(q, &params[i], &seen, errors) < 0)
			return -ENOMEM;
	if (errors->n == before && resolve_range(q, seen, today, errors) < 0)
		return -ENOMEM;
	q->needed = q->by_mask;
	if (q->setting)
		q->needed |= SUMMARY_DIM_BIT(SUMMARY_SETTING);
	if (q->complication)
		q->needed |= SUMMARY_DIM_BIT(SUMMARY_COMPLICATION);
	if (q->complication_type)
		q->needed |= SUMMARY_DIM_BIT(SUMMARY_COMPLICATION_TYPE);
	return errors->n == before ? 0 : -EINVAL;
}
