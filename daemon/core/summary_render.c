/* Summary rendering: JSON through cJSON, CSV through a memory stream. Both
 * walk the same column list, so the two formats cannot drift apart. */
#include "numfmt.h"
#include "summary_render.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The figures after the keys, in answer order. */
enum figure {
	FIG_EVENTS,
	FIG_PROCEDURES,
	FIG_RATE,
	FIG_CI_LOW,
	FIG_CI_HIGH,
	FIG_CI_METHOD,
	FIG_RR,
	FIG_RR_LOW,
	FIG_RR_HIGH,
	FIG_RR_HALDANE,
	FIG_ADJ,
	FIG_ADJ_LOW,
	FIG_ADJ_HIGH,
	FIG_PREMISES,
	FIG_WITHOUT_ACTIVITY,
	FIG_THIRD_PARTY,
	FIG_PREMISES_ACTIVE,
	FIG_PREMISES_SILENT,
	FIG_PREMISES_IMPLAUSIBLE,
	FIG_EVENTS_IMPLAUSIBLE,
	FIG_COUNT
};

static const char *const figure_names[FIG_COUNT] = {
    "events",
    "procedures",
    "rate_per_1000",
    "ci95_low",
    "ci95_high",
    "ci_method",
    "rate_ratio",
    "rr_ci95_low",
    "rr_ci95_high",
    "rr_haldane",
    "rr_adjusted",
    "rr_adjusted_ci95_low",
    "rr_adjusted_ci95_high",
    "premises_reporting",
    "events_without_activity",
    "events_third_party",
    "premises_active",
    "premises_silent",
    "premises_implausible",
    "events_implausible",
};

/* One cell: a number, a string, a boolean, or nothing (null). */
struct cell {
	enum { CELL_NULL, CELL_NUMBER, CELL_COUNT, CELL_TEXT, CELL_BOOL } kind;
	double number;
	unsigned long long count;
	const char *text;
	bool flag;
};

static struct cell number(bool has, double v)
{
	return has ? (struct cell){.kind = CELL_NUMBER, .number = numfmt_round(v)}
		   : (struct cell){.kind = CELL_NULL};
}

static struct cell figure(const struct summary_row *r, enum figure f)
{
	switch (f) {
	case FIG_EVENTS:
		return (struct cell){.kind = CELL_COUNT, .count = r->events};
	case FIG_PROCEDURES:
		return (struct cell){.kind = CELL_COUNT, .count = r->procedures};
	case FIG_RATE:
		return number(r->has_rate, r->rate_per_1000);
	case FIG_CI_LOW:
		return number(r->has_ci, r->ci.ci95_low);
	case FIG_CI_HIGH:
		return number(r->has_ci, r->ci.ci95_high);
	case FIG_CI_METHOD:
		return r->has_ci ? (struct cell){.kind = CELL_TEXT, .text = r->ci.method}
				 : (struct cell){.kind = CELL_NULL};
	case FIG_RR:
		return number(r->has_ratio, r->ratio.ratio);
	case FIG_RR_LOW:
		return number(r->has_ratio, r->ratio.ci95_low);
	case FIG_RR_HIGH:
		return number(r->has_ratio, r->ratio.ci95_high);
	case FIG_RR_HALDANE:
		return r->has_ratio ? (struct cell){.kind = CELL_BOOL, .flag = r->ratio.haldane}
				    : (struct cell){.kind = CELL_NULL};
	case FIG_ADJ:
		return number(r->has_adjusted, r->adjusted.ratio);
	case FIG_ADJ_LOW:
		return number(r->has_adjusted, r->adjusted.ci95_low);
	case FIG_ADJ_HIGH:
		return number(r->has_adjusted, r->adjusted.ci95_high);
	case FIG_PREMISES:
		return (struct cell){.kind = CELL_COUNT, .count = r->premises_reporting};
	case FIG_WITHOUT_ACTIVITY:
		return (struct cell){.kind = CELL_COUNT, .count = r->events_without_activity};
	case FIG_THIRD_PARTY:
		return (struct cell){.kind = CELL_COUNT, .count = r->events_third_party};
	case FIG_PREMISES_ACTIVE:
		return (struct cell){.kind = CELL_COUNT, .count = r->premises_active};
	case FIG_PREMISES_SILENT:
		return (struct cell){.kind = CELL_COUNT, .count = r->premises_silent};
	case FIG_PREMISES_IMPLAUSIBLE:
		return (struct cell){.kind = CELL_COUNT, .count = r->premises_implausible};
	default:
		return (struct cell){.kind = CELL_COUNT, .count = r->events_implausible};
	}
}

/* A key as a cell: fitzpatrick is a number, training a word, the rest text. */
static struct cell key_cell(enum summary_dim d, const char *v)
{
	if (!v)
		return (struct cell){.kind = CELL_NULL};
	if (d == SUMMARY_FITZPATRICK)
		return (struct cell){.kind = CELL_COUNT, .count = strtoull(v, NULL, 10)};
	if (d == SUMMARY_TRAINING)
		return (struct cell){.kind = CELL_TEXT,
				     .text = strcmp(v, "true") == 0 ? "medically_trained"
								    : "not_medically_trained"};
	return (struct cell){.kind = CELL_TEXT, .text = v};
}

static void add_cell(cJSON *o, const char *name, struct cell c)
{
	switch (c.kind) {
	case CELL_NULL:
		cJSON_AddNullToObject(o, name);
		break;
	case CELL_NUMBER:
		cJSON_AddNumberToObject(o, name, c.number);
		break;
	case CELL_COUNT:
		cJSON_AddNumberToObject(o, name, (double)c.count);
		break;
	case CELL_TEXT:
		cJSON_AddStringToObject(o, name, c.text);
		break;
	case CELL_BOOL:
		cJSON_AddBoolToObject(o, name, c.flag);
		break;
	}
}

static cJSON *row_json(const struct summary_query *q, const struct summary_row *r)
{
	cJSON *o = cJSON_CreateObject();
	for (size_t i = 0; o && i < q->n_by; i++)
		add_cell(o, summary_dim_name(q->by[i]), key_cell(q->by[i], r->key.v[q->by[i]]));
	for (int f = 0; o && f < FIG_COUNT; f++)
		add_cell(o, figure_names[f], figure(r, (enum figure)f));
	return o;
}

/* Unregistered places have counts only, over by's week, setting and complication. */
static cJSON *unregistered_json(const struct summary_query *q, const struct summary_unregistered *u)
{
	cJSON *o = cJSON_CreateObject();
	for (size_t i = 0; o && i < q->n_by; i++) {
		enum summary_dim d = q->by[i];
		if (d == SUMMARY_WEEK || d == SUMMARY_SETTING || d == SUMMARY_COMPLICATION)
			add_cell(o, summary_dim_name(d), key_cell(d, u->key.v[d]));
	}
	if (o)
		cJSON_AddNumberToObject(o, "cases", (double)u->cases);
	return o;
}

static void add_header(cJSON *o, const struct summary_query *q, const char *generated_at,
		       int threshold)
{
	cJSON_AddStringToObject(o, "from", q->from_text);
	cJSON_AddStringToObject(o, "to", q->to_text);
	cJSON *by = cJSON_AddArrayToObject(o, "by");
	for (size_t i = 0; by && i < q->n_by; i++)
		cJSON_AddItemToArray(by, cJSON_CreateString(summary_dim_name(q->by[i])));
	if (q->setting)
		cJSON_AddStringToObject(o, "setting", q->setting);
	if (q->complication)
		cJSON_AddStringToObject(o, "complication", q->complication);
	if (q->complication_type)
		cJSON_AddStringToObject(o, "complication_type", q->complication_type);
	add_cell(o, "generated_at",
		 generated_at ? (struct cell){.kind = CELL_TEXT, .text = generated_at}
			      : (struct cell){.kind = CELL_NULL});
	cJSON_AddNumberToObject(o, "suppression_threshold", threshold);
}

cJSON *summary_render_json(const struct summary_query *q, const struct summary_table *t,
			   const struct summary_unregistered *unregistered, size_t n_unregistered,
			   const char *generated_at, int suppression_threshold)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	add_header(o, q, generated_at, suppression_threshold);
	cJSON *rows = cJSON_AddArrayToObject(o, "rows");
	for (size_t i = 0; rows && i < t->n; i++)
		cJSON_AddItemToArray(rows, row_json(q, &t->rows[i]));
	if (unregistered) {
		cJSON *u = cJSON_AddArrayToObject(o, "unregistered");
		for (size_t i = 0; u && i < n_unregistered; i++)
			cJSON_AddItemToArray(u, unregistered_json(q, &unregistered[i]));
	}
	/* cJSON swallows allocation failures in the Add helpers: check the sizes. */
	if (!rows || cJSON_GetArraySize(rows) != (int)t->n) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* RFC 4180: quoted when it holds a delimiter, a quote or a line break. */
static void csv_text(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void csv_cell(FILE *f, struct cell c)
{
	switch (c.kind) {
	case CELL_NULL:
		break;
	case CELL_NUMBER: {
		char num[40];
		numfmt_format(c.number, num, sizeof(num));
		fputs(num, f);
		break;
	}
	case CELL_COUNT:
		fprintf(f, "%llu", c.count);
		break;
	case CELL_TEXT:
		csv_text(f, c.text);
		break;
	case CELL_BOOL:
		fputs(c.flag ? "true" : "false", f);
		break;
	}
}

char *summary_render_csv(const struct summary_query *q, const struct summary_table *t,
			 size_t *ret_len)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	for (size_t i = 0; i < q->n_by; i++)
		fprintf(f, "%s,", summary_dim_name(q->by[i]));
	for (int k = 0; k < FIG_COUNT; k++)
		fprintf(f, "%s%s", figure_names[k], k + 1 < FIG_COUNT ? "," : "\r\n");
	for (size_t r = 0; r < t->n; r++) {
		const struct summary_row *row = &t->rows[r];
		for (size_t i = 0; i < q->n_by; i++) {
			csv_cell(f, key_cell(q->by[i], row->key.v[q->by[i]]));
			fputc(',', f);
		}
		for (int k = 0; k < FIG_COUNT; k++) {
			csv_cell(f, figure(row, (enum figure)k));
			fputs(k + 1 < FIG_COUNT ? "," : "\r\n", f);
		}
	}
	if (ferror(f)) {
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	*ret_len = len;
	return buf;
}
