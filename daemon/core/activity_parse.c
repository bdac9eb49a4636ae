/* Activity parsing: one validation walk over JSON items; CSV rows are first
 * turned into the same JSON shape (numbers where a cell reads as one), so both
 * formats are judged by the same code and give the same messages.
 *
 * A breakdown must add up to procedures exactly: a denominator that is
 * "about right" would bias every Fitzpatrick-specific rate without anyone
 * noticing, so it is refused rather than scaled. */
#include "activity_parse.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "csv.h"
#include "normalise.h"
#include "vocab.h"

#define PATH_LEN 96
#define DEFAULT_PROCEDURE_TYPE "microneedling"
/* No activity before the reports can start (normalise refuses earlier dates). */
#define FIRST_YEAR 2000

struct walk {
	const struct activity_ctx *ctx;
	struct arena *a;
	struct issues *errors;
	int rc; /* 0, or -ENOMEM: sticky */
	long today;
};

static const char *const item_members[] = {
    "period", "procedure_type", "procedures", "by_fitzpatrick", "by_training", NULL,
};

static const char *const training_members[] = {
    "medically_trained",
    "not_medically_trained",
    NULL,
};

static bool in_list(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

static void issue(struct walk *w, const char *base, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void issue(struct walk *w, const char *base, const char *key, const char *fmt, ...)
{
	char path[PATH_LEN], msg[200];
	va_list ap;

	if (!*base)
		snprintf(path, sizeof(path), "%.64s", key);
	else if (!*key)
		snprintf(path, sizeof(path), "%s", base);
	else
		snprintf(path, sizeof(path), "%s%s%.64s", base, key[0] == '[' ? "" : ".", key);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (issues_add(w->errors, path, "%s", msg) < 0 && !w->rc)
		w->rc = -ENOMEM;
}

/* A count: a whole, non-negative JSON number up to the maximum. */
static bool get_count(struct walk *w, const cJSON *v, const char *base, const char *key, long *ret)
{
	if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble)) {
		issue(w, base, key, "must be a whole number");
		return false;
	}
	if (v->valuedouble < 0) {
		issue(w, base, key, "must not be negative");
		return false;
	}
	if (v->valuedouble > ACTIVITY_MAX_PROCEDURES) {
		issue(w, base, key, "must be at most %d", ACTIVITY_MAX_PROCEDURES);
		return false;
	}
	*ret = (long)v->valuedouble;
	return true;
}

/* A JSON null is the same as an absent member. */
static const cJSON *member(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	return cJSON_IsNull(v) ? NULL : v;
}

/* period: "2026-W47", or any date of the week ("2026-11-18"). */
static void take_period(struct walk *w, const cJSON *obj, const char *base, struct activity *it)
{
	const cJSON *v = member(obj, "period");
	const char *reason = NULL;
	struct iso_week week;
	long day;

	if (!v) {
		issue(w, base, "period", "is required, e.g. \"2026-W47\"");
		return;
	}
	if (!cJSON_IsString(v)) {
		issue(w, base, "period", "must be a string such as \"2026-W47\"");
		return;
	}
	if (isoweek_parse_date(v->valuestring, &day) == 0) {
		week = isoweek_of_day(day);
	} else if (isoweek_parse(v->valuestring, &week, &reason) < 0) {
		issue(w, base, "period", "%s", reason);
		return;
	}
	if (week.year < FIRST_YEAR) {
		issue(w, base, "period", "must not be before %d", FIRST_YEAR);
		return;
	}
	if (isoweek_compare(week, isoweek_of_day(w->today)) > 0) {
		issue(w, base, "period", "is in the future");
		return;
	}
	isoweek_format(week, it->period);
	isoweek_format_date(isoweek_monday(week), it->week_start);
}

static void take_type(struct walk *w, const cJSON *obj, const char *base, struct activity *it)
{
	const cJSON *v = member(obj, "procedure_type");
	it->procedure_type = DEFAULT_PROCEDURE_TYPE;
	if (!v)
		return;
	if (!cJSON_IsString(v)) {
		issue(w, base, "procedure_type", "must be a string");
		return;
	}
	const char *code = vocab_lookup(w->ctx->vocab, VOCAB_PROCEDURE_TYPE, v->valuestring);
	if (!code) {
		issue(w, base, "procedure_type",
		      "unknown procedure type; use a term of the vocabulary, e.g. microneedling");
		return;
	}
	/* The vocabulary may be replaced (SIGHUP) while the item waits for the
	 * writer: keep a copy. */
	it->procedure_type = arena_strdup(w->a, code);
	if (!it->procedure_type && !w->rc)
		w->rc = -ENOMEM;
}

/* by_fitzpatrick: keys "1".."6" (or "I".."VI", "type 4"), each type once. */
static void take_fitzpatrick(struct walk *w, const cJSON *obj, const char *base,
			     struct activity *it, bool procedures_ok)
{
	const cJSON *v = member(obj, "by_fitzpatrick");
	char path[PATH_LEN];
	bool seen[ACTIVITY_FITZPATRICK_TYPES] = {false}, ok = true;
	long sum = 0;

	if (!v)
		return;
	if (!cJSON_IsObject(v)) {
		issue(w, base, "by_fitzpatrick",
		      "must be an object such as {\"1\": 10, \"2\": 30}");
		return;
	}
	snprintf(path, sizeof(path), "%s%sby_fitzpatrick", base, *base ? "." : "");
	for (const cJSON *m = v->child; m; m = m->next) {
		const char *reason;
		int type;
		long n;
		if (normalise_fitzpatrick(m->string, &type, &reason) < 0) {
			issue(w, path, m->string, "not a Fitzpatrick type, expected 1 to 6");
			ok = false;
			continue;
		}
		if (seen[type - 1]) {
			issue(w, path, m->string, "Fitzpatrick type %d is given twice", type);
			ok = false;
			continue;
		}
		seen[type - 1] = true;
		if (!get_count(w, m, path, m->string, &n)) {
			ok = false;
			continue;
		}
		it->by_fitzpatrick[type - 1] = n;
		sum += n;
	}
	if (ok && procedures_ok && sum != it->procedures)
		issue(w, base, "by_fitzpatrick", "adds up to %ld, not to procedures (%ld)", sum,
		      it->procedures);
	it->has_fitzpatrick = ok;
}

static void take_training(struct walk *w, const cJSON *obj, const char *base, struct activity *it,
			  bool procedures_ok)
{
	const cJSON *v = member(obj, "by_training");
	const cJSON *t, *u;
	char path[PATH_LEN];
	bool ok = true;

	if (!v)
		return;
	if (!cJSON_IsObject(v)) {
		issue(w, base, "by_training",
		      "must be an object such as {\"medically_trained\": 80, "
		      "\"not_medically_trained\": 40}");
		return;
	}
	snprintf(path, sizeof(path), "%s%sby_training", base, *base ? "." : "");
	for (const cJSON *m = v->child; m; m = m->next)
		if (!in_list(training_members, m->string)) {
			issue(
			    w, path, m->string,
			    "unknown member, expected medically_trained and not_medically_trained");
			ok = false;
		}
	t = member(v, "medically_trained");
	u = member(v, "not_medically_trained");
	it->trained = it->untrained = 0;
	if (t && !get_count(w, t, path, "medically_trained", &it->trained))
		ok = false;
	if (u && !get_count(w, u, path, "not_medically_trained", &it->untrained))
		ok = false;
	if (ok && procedures_ok && it->trained + it->untrained != it->procedures)
		issue(w, base, "by_training", "adds up to %ld, not to procedures (%ld)",
		      it->trained + it->untrained, it->procedures);
	it->has_training = ok;
}

static void take_item(struct walk *w, const cJSON *obj, const char *base, struct activity *it)
{
	const cJSON *v;
	bool procedures_ok = false;

	if (!cJSON_IsObject(obj)) {
		issue(w, base, "", "must be an object");
		return;
	}
	for (const cJSON *m = obj->child; m; m = m->next)
		if (!in_list(item_members, m->string))
			issue(w, base, m->string, "unknown member");
	take_period(w, obj, base, it);
	take_type(w, obj, base, it);
	v = member(obj, "procedures");
	if (!v)
		issue(w, base, "procedures", "is required");
	else
		procedures_ok = get_count(w, v, base, "procedures", &it->procedures);
	take_fitzpatrick(w, obj, base, it, procedures_ok);
	take_training(w, obj, base, it, procedures_ok);
}

/* Two items for the same week and type in one request: the second would
 * silently replace the first, so the request is ambiguous. */
static void check_repeats(struct walk *w, const struct activity_list *l, const char *const *bases)
{
	for (size_t i = 1; i < l->n; i++) {
		const struct activity *b = &l->v[i];
		if (!b->period[0] || !b->procedure_type)
			continue;
		for (size_t j = 0; j < i; j++) {
			const struct activity *a = &l->v[j];
			if (strcmp(a->period, b->period) == 0 && a->procedure_type &&
			    strcmp(a->procedure_type, b->procedure_type) == 0) {
				issue(w, bases[i], "period", "%s %s is also in %s", b->period,
				      b->procedure_type, bases[j]);
				break;
			}
		}
	}
}

static long day_of(const char *today)
{
	long d = 0;
	return isoweek_parse_date(today, &d) == 0 ? d : 0;
}

/* Validates items[0..n) (cJSON objects) under the given path bases. */
static int take_items(struct walk *w, const cJSON *const *items, const char *const *bases, size_t n,
		      struct activity_list *ret)
{
	ret->v = arena_alloc(w->a, (n ? n : 1) * sizeof(*ret->v));
	if (!ret->v)
		return -ENOMEM;
	ret->n = n;
	for (size_t i = 0; i < n; i++)
		take_item(w, items[i], bases[i], &ret->v[i]);
	check_repeats(w, ret, bases);
	if (w->rc)
		return w->rc;
	return w->errors->n ? -EINVAL : 0;
}

int activity_parse_json(const struct activity_ctx *ctx, const cJSON *doc, struct arena *a,
			struct activity_list *ret, struct issues *errors, const char **ret_reason)
{
	struct walk w = {.ctx = ctx, .a = a, .errors = errors, .today = day_of(ctx->today)};
	size_t n = 0;

	if (cJSON_IsObject(doc)) {
		static const char *const base[] = {""};
		const cJSON *items[] = {doc};
		ret->many = false;
		return take_items(&w, items, base, 1, ret);
	}
	if (!cJSON_IsArray(doc)) {
		*ret_reason = "activity must be a JSON object or an array of objects";
		return -EBADMSG;
	}
	n = (size_t)cJSON_GetArraySize(doc);
	if (n == 0 || n > ACTIVITY_MAX_ITEMS) {
		issue(&w, "", "", "an array of activity must hold 1 to %d items",
		      ACTIVITY_MAX_ITEMS);
		return w.rc ? w.rc : -EINVAL;
	}
	const cJSON **items = arena_alloc(a, n * sizeof(*items));
	const char **bases = arena_alloc(a, n * sizeof(*bases));
	if (!items || !bases)
		return -ENOMEM;
	size_t i = 0;
	for (const cJSON *c = doc->child; c; c = c->next, i++) {
		items[i] = c;
		bases[i] = arena_printf(a, "[%zu]", i);
		if (!bases[i])
			return -ENOMEM;
	}
	ret->many = true;
	return take_items(&w, items, bases, n, ret);
}

/* ---- CSV ------------------------------------------------------------------ */

enum column {
	COL_PERIOD,
	COL_TYPE,
	COL_PROCEDURES,
	COL_FITZ1,
	COL_FITZ2,
	COL_FITZ3,
	COL_FITZ4,
	COL_FITZ5,
	COL_FITZ6,
	COL_TRAINED,
	COL_UNTRAINED,
	COL_COUNT
};

/* Header names, compared folded (lower case, letters and digits only), so
 * "Fitzpatrick 1", "fitzpatrick_1" and "FITZPATRICK-1" are one column. */
static const struct {
	const char *folded;
	enum column col;
} headers[] = {
    {"period", COL_PERIOD},
    {"week", COL_PERIOD},
    {"isoweek", COL_PERIOD},
    {"proceduretype", COL_TYPE},
    {"procedure", COL_TYPE},
    {"procedures", COL_PROCEDURES},
    {"fitzpatrick1", COL_FITZ1},
    {"fitzpatrick2", COL_FITZ2},
    {"fitzpatrick3", COL_FITZ3},
    {"fitzpatrick4", COL_FITZ4},
    {"fitzpatrick5", COL_FITZ5},
    {"fitzpatrick6", COL_FITZ6},
    {"medicallytrained", COL_TRAINED},
    {"notmedicallytrained", COL_UNTRAINED},
};

static void fold(const char *s, char *buf, size_t len)
{
	size_t n = 0;
	for (; *s && n + 1 < len; s++)
		if (isalnum((unsigned char)*s))
			buf[n++] = (char)tolower((unsigned char)*s);
	buf[n] = '\0';
}

/* Maps each header cell to a column; -EBADMSG with a reason for an unknown
 * or repeated one, or when period or procedures is missing. */
static int map_header(struct arena *a, const struct csv_row *row, int *cols,
		      const char **ret_reason)
{
	int where[COL_COUNT];
	for (int c = 0; c < COL_COUNT; c++)
		where[c] = -1;
	for (size_t i = 0; i < row->n; i++) {
		char f[48];
		fold(row->fields[i], f, sizeof(f));
		cols[i] = -1;
		for (size_t h = 0; h < sizeof(headers) / sizeof(headers[0]); h++)
			if (strcmp(f, headers[h].folded) == 0)
				cols[i] = (int)headers[h].col;
		if (cols[i] < 0) {
			*ret_reason =
			    arena_printf(a,
					 "line %zu: unknown column \"%.40s\"; the columns "
					 "are those of config/activity-template.csv",
					 row->line, row->fields[i]);
			return -EBADMSG;
		}
		if (where[cols[i]] >= 0) {
			*ret_reason = arena_printf(a, "line %zu: column \"%.40s\" appears twice",
						   row->line, row->fields[i]);
			return -EBADMSG;
		}
		where[cols[i]] = (int)i;
	}
	if (where[COL_PERIOD] < 0 || where[COL_PROCEDURES] < 0) {
		*ret_reason = "the header must name at least the period and procedures columns";
		return -EBADMSG;
	}
	return 0;
}

static bool blank(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return !*s;
}

/* The cell without surrounding white space, cut to fit buf. */
static const char *trim(const char *s, char *buf, size_t len)
{
	while (isspace((unsigned char)*s))
		s++;
	snprintf(buf, len, "%s", s);
	for (size_t n = strlen(buf); n && isspace((unsigned char)buf[n - 1]); n--)
		buf[n - 1] = '\0';
	return buf;
}

/* A count cell as JSON: a number when it is written as a plain decimal
 * ("120", "-3", "1.5"), else the text, which the walk then refuses with the
 * same message as in JSON. */
static cJSON *count_json(const char *cell)
{
	char buf[64];
	const char *s = trim(cell, buf, sizeof(buf));
	const char *digits = s + (s[0] == '-');
	if (*digits && strspn(digits, "0123456789.") == strlen(digits) &&
	    isdigit((unsigned char)*digits))
		return cJSON_CreateNumber(strtod(s, NULL));
	return cJSON_CreateString(s);
}

/* One CSV row as an activity object: blank cells are absent; the breakdown
 * objects exist when any of their cells is filled, blanks counting 0. */
static cJSON *row_json(const struct csv_row *row, const int *cols)
{
	static const char *const fitz_key[] = {"1", "2", "3", "4", "5", "6"};
	cJSON *o = cJSON_CreateObject(), *fitz = NULL, *training = NULL;
	for (size_t i = 0; o && i < row->n; i++) {
		const char *s = row->fields[i];
		int c = cols[i];
		if (blank(s))
			continue;
		if (c == COL_PERIOD || c == COL_TYPE) {
			char buf[256];
			cJSON_AddStringToObject(o, c == COL_PERIOD ? "period" : "procedure_type",
						trim(s, buf, sizeof(buf)));
		} else if (c == COL_PROCEDURES) {
			cJSON_AddItemToObject(o, "procedures", count_json(s));
		} else if (c >= COL_FITZ1 && c <= COL_FITZ6) {
			if (!fitz)
				fitz = cJSON_AddObjectToObject(o, "by_fitzpatrick");
			cJSON_AddItemToObject(fitz, fitz_key[c - COL_FITZ1], count_json(s));
		} else {
			if (!training)
				training = cJSON_AddObjectToObject(o, "by_training");
			cJSON_AddItemToObject(training,
					      c == COL_TRAINED ? "medically_trained"
							       : "not_medically_trained",
					      count_json(s));
		}
	}
	for (int k = 0; fitz && k < ACTIVITY_FITZPATRICK_TYPES; k++)
		if (!cJSON_GetObjectItemCaseSensitive(fitz, fitz_key[k]))
			cJSON_AddNumberToObject(fitz, fitz_key[k], 0);
	return o;
}

struct csv_rows {
	cJSON *array;	    /* the rows as activity objects */
	const char **bases; /* "line N" of each */
	size_t n;
};

/* Reads the data rows after the header; row problems are issues. */
static int read_rows(struct walk *w, struct csv_reader *r, const int *cols, size_t ncols,
		     struct csv_rows *out, const char **ret_reason)
{
	struct csv_row row;
	struct csv_error err;
	int rc;

	out->bases = arena_alloc(w->a, ACTIVITY_MAX_ITEMS * sizeof(*out->bases));
	if (!out->bases)
		return -ENOMEM;
	while ((rc = csv_next(r, &row, &err)) == 1) {
		if (out->n == ACTIVITY_MAX_ITEMS) {
			*ret_reason =
			    arena_printf(w->a, "more than %d rows of activity", ACTIVITY_MAX_ITEMS);
			return -EBADMSG;
		}
		const char *base = arena_printf(w->a, "line %zu", row.line);
		if (!base)
			return -ENOMEM;
		out->bases[out->n++] = base;
		if (row.n != ncols)
			issue(w, base, "", "has %zu fields, the header has %zu", row.n, ncols);
		else if (row.bad_utf8_field >= 0)
			issue(w, base, "", "field %d is not valid UTF-8", row.bad_utf8_field + 1);
		cJSON *o = row.n == ncols && row.bad_utf8_field < 0 ? row_json(&row, cols)
								    : cJSON_CreateObject();
		if (!o)
			return -ENOMEM;
		cJSON_AddItemToArray(out->array, o);
	}
	if (rc == -EINVAL) {
		*ret_reason = arena_printf(w->a, "line %zu: %s", err.line, err.message);
		return -EBADMSG;
	}
	if (rc < 0)
		return rc;
	if (out->n == 0) {
		*ret_reason = "no rows of activity under the header";
		return -EBADMSG;
	}
	return 0;
}

/* Validates the rows as items, once the header and every row are read. */
static int take_rows(struct walk *w, const struct csv_rows *rows, struct activity_list *ret)
{
	const cJSON **items = arena_alloc(w->a, rows->n * sizeof(*items));
	size_t i = 0;
	if (!items)
		return -ENOMEM;
	for (const cJSON *c = rows->array->child; c; c = c->next)
		items[i++] = c;
	ret->many = true;
	return take_items(w, items, rows->bases, rows->n, ret);
}

static int parse_rows(struct walk *w, struct csv_reader *r, struct csv_rows *rows,
		      struct activity_list *ret, const char **ret_reason)
{
	struct csv_row header;
	struct csv_error err;
	int rc = csv_next(r, &header, &err);

	if (rc == 0) {
		*ret_reason = "the body is empty: a header row and one row per week are needed";
		return -EBADMSG;
	}
	if (rc == -EINVAL) {
		*ret_reason = arena_printf(w->a, "line %zu: %s", err.line, err.message);
		return -EBADMSG;
	}
	if (rc < 0)
		return rc;
	int *cols = arena_alloc(w->a, header.n * sizeof(*cols));
	if (!cols)
		return -ENOMEM;
	rc = map_header(w->a, &header, cols, ret_reason);
	if (rc == 0)
		rc = read_rows(w, r, cols, header.n, rows, ret_reason);
	if (rc == 0)
		rc = take_rows(w, rows, ret);
	return rc;
}

int activity_parse_csv(const struct activity_ctx *ctx, const char *buf, size_t len, struct arena *a,
		       struct activity_list *ret, struct issues *errors, const char **ret_reason)
{
	struct walk w = {.ctx = ctx, .a = a, .errors = errors, .today = day_of(ctx->today)};
	struct csv_reader r;
	struct csv_rows rows = {.array = cJSON_CreateArray()};

	*ret_reason = NULL;
	if (!rows.array)
		return -ENOMEM;
	csv_reader_init(&r, buf, len, csv_sniff_delimiter(buf, len), a);
	int rc = parse_rows(&w, &r, &rows, ret, ret_reason);
	cJSON_Delete(rows.array);
	if (rc == -EBADMSG && !*ret_reason)
		return -ENOMEM; /* the reason itself could not be allocated */
	return rc;
}
