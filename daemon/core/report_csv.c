/* Report CSV: rows grouped into reports by (client_ref, version).
 *
 * Design: the header is mapped once to a column table; each data row is
 * trimmed and filed under its report's group (a small hash table keyed by
 * client_ref + version, because a day's export interleaves cases); a group
 * keeps the first non-blank value of each report-level column and one
 * complication object per row. Only when every row is in are the JSON
 * reports built, so a report's rows may be anywhere in the file. */
#include "report_csv.h"
#include "arena.h"
#include "csv_cell.h"
#include "identifying.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define KEY_MAX 64 /* folded header name */
/* Rows of one report: 50 complications is normalisation's limit; past this
 * many rows a report is wrong whatever they hold, and keeping them would let
 * one small body cost memory out of proportion to its size. */
#define ROWS_MAX 200
#define HASH_INITIAL 64

enum kind { K_TEXT, K_INT, K_BOOL, K_LIST };
enum section { S_TOP, S_PROCEDURE, S_PATIENT, S_COMPLICATION };

struct column_def {
	const char *member; /* the report member it fills */
	enum section section;
	enum kind kind;
	const char *names[6]; /* folded header names: the canonical one first */
};

/* The columns, in config/report-template.csv's order. */
/* clang-format off */
static const struct column_def COLUMNS[] = {
	{"client_ref", S_TOP, K_TEXT, {"client_ref", "case_ref", "case_id", "case_reference"}},
	{"version", S_TOP, K_INT, {"version", "report_version"}},
	{"reporter_role", S_TOP, K_TEXT, {"reporter_role", "reported_by"}},
	{"date", S_PROCEDURE, K_TEXT, {"procedure_date", "date_of_procedure", "treatment_date",
				      "date"}},
	{"type", S_PROCEDURE, K_TEXT, {"procedure_type", "procedure"}},
	{"setting", S_PROCEDURE, K_TEXT, {"setting", "procedure_setting"}},
	{"premises_code", S_PROCEDURE, K_TEXT, {"premises_code", "procedure_premises_code"}},
	{"practitioner_role", S_PROCEDURE, K_TEXT, {"practitioner_role", "practitioner",
						   "performed_by"}},
	{"device", S_PROCEDURE, K_TEXT, {"device", "procedure_device"}},
	{"needle_depth", S_PROCEDURE, K_TEXT, {"needle_depth", "needle_depth_mm", "depth"}},
	{"areas", S_PROCEDURE, K_LIST, {"areas", "treatment_areas", "area"}},
	{"products", S_PROCEDURE, K_LIST, {"products", "product"}},
	{"sterile_single_use_cartridge", S_PROCEDURE, K_BOOL,
	 {"sterile_single_use_cartridge", "sterile_cartridge", "single_use_cartridge"}},
	{"antiviral_prophylaxis", S_PROCEDURE, K_BOOL, {"antiviral_prophylaxis", "antivirals"}},
	{"age_band", S_PATIENT, K_TEXT, {"age_band", "age_group", "patient_age_band"}},
	{"sex", S_PATIENT, K_TEXT, {"sex", "gender", "patient_sex"}},
	{"fitzpatrick", S_PATIENT, K_TEXT, {"fitzpatrick", "fitzpatrick_type", "skin_type",
					    "patient_fitzpatrick"}},
	{"history", S_PATIENT, K_LIST, {"history", "medical_history", "patient_history"}},
	{"ref", S_PATIENT, K_TEXT, {"patient_ref", "patient_id", "patient_reference"}},
	{"postcode_district", S_PATIENT, K_TEXT, {"postcode_district", "patient_postcode_district",
						  "district"}},
	{"type", S_COMPLICATION, K_TEXT, {"complication", "complication_type",
					  "complications_type"}},
	{"onset_days", S_COMPLICATION, K_INT, {"onset_days", "complication_onset_days"}},
	{"duration_days", S_COMPLICATION, K_INT, {"duration_days", "complication_duration_days"}},
	{"severity", S_COMPLICATION, K_TEXT, {"severity", "complication_severity"}},
	{"serious", S_COMPLICATION, K_BOOL, {"serious", "complication_serious"}},
	{"outcome", S_COMPLICATION, K_TEXT, {"outcome", "complication_outcome"}},
	{"treatment", S_COMPLICATION, K_LIST, {"treatment", "complication_treatment"}},
	{"narrative", S_TOP, K_TEXT, {"narrative", "notes", "comments"}},
};
/* clang-format on */
#define NCOLUMNS (sizeof(COLUMNS) / sizeof(COLUMNS[0]))
#define COL_CLIENT_REF 0
#define COL_VERSION 1
#define COL_PATIENT_REF 18
#define COL_NARRATIVE (NCOLUMNS - 1)
_Static_assert(COL_PATIENT_REF < NCOLUMNS, "patient ref column");

/* The header, mapped: which column definition each field position fills. */
struct header {
	size_t n;
	const char **text; /* header text of each field (for the stored rows) */
	int *col;	   /* index into COLUMNS, -1 for an unknown column */
};

/* One report being assembled. */
struct group {
	const char *key;	     /* NULL for rows without client_ref */
	const char *value[NCOLUMNS]; /* first non-blank report-level value */
	size_t value_line[NCOLUMNS];
	cJSON *complications;
	const char ***rows; /* each row's trimmed cells, for the stored body */
	size_t n_rows, cap_rows;
	size_t *lines, n_lines, cap_lines;
	size_t *clines, n_clines, cap_clines;
	struct issues errors;
	const char *narrative; /* distinct narratives joined by newlines */
};

struct builder {
	struct arena *a;
	struct header h;
	struct group **groups; /* in order of first appearance */
	size_t n_groups, cap_groups, max_groups;
	struct group **table; /* open addressing on key */
	size_t table_cap;
	int rc; /* sticky -ENOMEM */
};

/* ---- header ------------------------------------------------------------ */

/* "Needle depth (mm)" -> "needle_depth_mm"; NULL when it does not fit. */
static const char *fold_header(const char *s, char *buf, size_t len)
{
	size_t n = 0;
	bool sep = false;

	for (; *s; s++) {
		char c = *s;
		bool alnum =
		    (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z');
		if (!alnum) {
			sep = n > 0;
			continue;
		}
		if (sep && n + 1 < len)
			buf[n++] = '_';
		sep = false;
		if (n + 1 >= len)
			return NULL;
		buf[n++] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
	}
	buf[n] = '\0';
	return buf;
}

static int column_of(const char *text)
{
	char buf[KEY_MAX];

	if (!fold_header(text, buf, sizeof(buf)) || !buf[0])
		return -1;
	for (size_t i = 0; i < NCOLUMNS; i++)
		for (size_t k = 0; k < 6 && COLUMNS[i].names[k]; k++)
			if (strcmp(buf, COLUMNS[i].names[k]) == 0)
				return (int)i;
	return -1;
}

static int fatal(struct csv_error *err, size_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fatal(struct csv_error *err, size_t line, const char *fmt, ...)
{
	va_list ap;

	err->line = line;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* A header cell cut to at most 60 bytes at a character boundary: its length. */
static int header_len(const char *name)
{
	int n = (int)strlen(name);

	if (n > 60)
		for (n = 60; n > 0 && ((unsigned char)name[n] & 0xc0) == 0x80; n--)
			;
	return n;
}

/* A warning naming the column: its cells are read by nobody and not stored. */
static int unknown_column(struct report_csv *out, size_t line, const char *name)
{
	char field[32];

	snprintf(field, sizeof(field), "line %zu", line);
	return issues_add(&out->warnings, field, "unknown column \"%.*s\", not stored",
			  header_len(name), name);
}

/* An error naming an identifying column: the file is refused whole, since
 * every row holds the data (a booking system's export, usually). */
static int identifying_column(struct report_csv *out, size_t line, const char *name,
			      const char *what)
{
	char field[32];

	snprintf(field, sizeof(field), "line %zu", line);
	return issues_add(&out->refused, field,
			  "column \"%.*s\": identifying data must not be sent "
			  "(%s); remove the column",
			  header_len(name), name, what);
}

/* Maps the header row; unknown columns become file warnings, identifying
 * ones file errors (-EPERM once the whole header is read). */
static int read_header(struct builder *b, const struct csv_row *row, struct report_csv *out,
		       struct csv_error *err)
{
	int seen[NCOLUMNS];

	if (row->bad_utf8_field >= 0)
		return fatal(err, row->line,
			     "the header is not valid UTF-8; save the file as CSV UTF-8");
	memset(seen, -1, sizeof(seen));
	b->h.n = row->n;
	b->h.text = arena_alloc(b->a, row->n * sizeof(*b->h.text));
	b->h.col = arena_alloc(b->a, row->n * sizeof(*b->h.col));
	if (!b->h.text || !b->h.col)
		return -ENOMEM;
	for (size_t i = 0; i < row->n; i++) {
		int c = column_of(row->fields[i]);
		const char *what = c < 0 ? identifying_name(row->fields[i]) : NULL;
		b->h.text[i] = row->fields[i];
		b->h.col[i] = c;
		if (what && identifying_column(out, row->line, row->fields[i], what) < 0)
			return -ENOMEM;
		if (c < 0) {
			if (!what && unknown_column(out, row->line, row->fields[i]) < 0)
				return -ENOMEM;
			continue;
		}
		if (seen[c] >= 0)
			return fatal(err, row->line, "two columns mean %s", COLUMNS[c].names[0]);
		seen[c] = (int)i;
		if (c == COL_PATIENT_REF)
			out->patient_ref_header = row->fields[i];
	}
	if (out->refused.n) {
		fatal(err, row->line, "the header names identifying data");
		return -EPERM;
	}
	if (seen[COL_CLIENT_REF] < 0)
		return fatal(err, row->line,
			     "no client_ref column; see config/report-template.csv");
	return 0;
}

/* ---- cells --------------------------------------------------------------- */

static const char *trim(struct builder *b, const char *s)
{
	const char *t = csv_cell_trim(b->a, s);
	if (!t)
		b->rc = -ENOMEM;
	return t ? t : "";
}

static cJSON *list_value(struct builder *b, const char *s)
{
	cJSON *arr = cJSON_CreateArray();
	const char *item;

	while (arr && (item = csv_cell_next_item(b->a, &s)))
		cJSON_AddItemToArray(arr, cJSON_CreateString(item));
	return arr;
}

/* A cell as the report member wants it; what does not read as a number or
 * a yes/no stays text, for normalisation to refuse with its own message.
 * NULL for a yes/no that says "not known". */
static cJSON *cell_value(struct builder *b, const struct column_def *c, const char *s)
{
	long n;

	switch (c->kind) {
	case K_INT:
		return csv_cell_count(s, &n) == 0 ? cJSON_CreateNumber((double)n)
						  : cJSON_CreateString(s);
	case K_BOOL:
		switch (csv_cell_yes_no(s)) {
		case CSV_YES:
			return cJSON_CreateTrue();
		case CSV_NO:
			return cJSON_CreateFalse();
		case CSV_UNKNOWN:
			return NULL;
		default:
			return cJSON_CreateString(s);
		}
	case K_LIST:
		return list_value(b, s);
	default:
		return cJSON_CreateString(s);
	}
}

/* ---- groups -------------------------------------------------------------- */

static uint64_t hash_key(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static int table_grow(struct builder *b)
{
	size_t cap = b->table_cap ? b->table_cap * 2 : HASH_INITIAL;
	struct group **t = arena_alloc(b->a, cap * sizeof(*t));
	if (!t)
		return -ENOMEM;
	for (size_t i = 0; i < b->n_groups; i++) {
		struct group *g = b->groups[i];
		if (!g->key)
			continue;
		size_t j = hash_key(g->key) & (cap - 1);
		while (t[j])
			j = (j + 1) & (cap - 1);
		t[j] = g;
	}
	b->table = t;
	b->table_cap = cap;
	return 0;
}

static struct group *group_new(struct builder *b, const char *key)
{
	if (b->n_groups == b->max_groups) {
		b->rc = -E2BIG;
		return NULL;
	}
	if (b->n_groups == b->cap_groups) {
		size_t cap = b->cap_groups ? b->cap_groups * 2 : 16;
		struct group **v = arena_alloc(b->a, cap * sizeof(*v));
		if (!v)
			goto oom;
		if (b->n_groups)
			memcpy(v, b->groups, b->n_groups * sizeof(*v));
		b->groups = v;
		b->cap_groups = cap;
	}
	struct group *g = arena_alloc(b->a, sizeof(*g));
	if (!g)
		goto oom;
	g->key = key;
	g->complications = cJSON_CreateArray();
	issues_init(&g->errors, b->a);
	b->groups[b->n_groups++] = g;
	if (!g->complications)
		goto oom;
	return g;
oom:
	b->rc = -ENOMEM;
	return NULL;
}

/* The report a row belongs to: by client_ref + version, or a report of its
 * own when client_ref is blank (normalisation will say it is required). */
static struct group *group_for(struct builder *b, const char *client_ref, const char *version)
{
	if (!*client_ref)
		return group_new(b, NULL);
	const char *key = arena_printf(b->a, "%s\x1f%s", client_ref, *version ? version : "1");
	if (!key || ((b->n_groups + 1) * 2 > b->table_cap && table_grow(b) < 0)) {
		b->rc = -ENOMEM;
		return NULL;
	}
	size_t j = hash_key(key) & (b->table_cap - 1);
	for (; b->table[j]; j = (j + 1) & (b->table_cap - 1))
		if (strcmp(b->table[j]->key, key) == 0)
			return b->table[j];
	struct group *g = group_new(b, key);
	if (g)
		b->table[j] = g;
	return g;
}

static int push_line(struct builder *b, size_t **v, size_t *n, size_t *cap, size_t line)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 4;
		size_t *nv = arena_alloc(b->a, ncap * sizeof(*nv));
		if (!nv)
			return b->rc = -ENOMEM;
		if (*n)
			memcpy(nv, *v, *n * sizeof(*nv));
		*v = nv;
		*cap = ncap;
	}
	(*v)[(*n)++] = line;
	return 0;
}

/* ---- rows ---------------------------------------------------------------- */

static void group_error(struct builder *b, struct group *g, size_t line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void group_error(struct builder *b, struct group *g, size_t line, const char *fmt, ...)
{
	char field[32], msg[200];
	va_list ap;

	snprintf(field, sizeof(field), "line %zu", line);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (issues_add(&g->errors, field, "%s", msg) < 0)
		b->rc = -ENOMEM;
}

/* A report-level cell: the first non-blank value wins; a different one on a
 * later row is an error (which is right?). Narratives are joined instead:
 * people write one note per complication row. Values are never echoed, as
 * one of them may be the patient ref. */
static void take_report_cell(struct builder *b, struct group *g, size_t c, const char *v,
			     size_t line)
{
	if (c == COL_NARRATIVE) {
		if (!g->narrative)
			g->narrative = v;
		else if (!strstr(g->narrative, v))
			g->narrative = arena_printf(b->a, "%s\n%s", g->narrative, v);
		if (!g->narrative)
			b->rc = -ENOMEM;
		return;
	}
	if (!g->value[c]) {
		g->value[c] = v;
		g->value_line[c] = line;
	} else if (strcmp(g->value[c], v) != 0) {
		group_error(b, g, line, "%s differs from line %zu of the same report",
			    COLUMNS[c].names[0], g->value_line[c]);
	}
}

static int push_row(struct builder *b, struct group *g, const char **vals)
{
	if (g->n_rows == g->cap_rows) {
		size_t cap = g->cap_rows ? g->cap_rows * 2 : 4;
		const char ***v = arena_alloc(b->a, cap * sizeof(*v));
		if (!v)
			return b->rc = -ENOMEM;
		if (g->n_rows)
			memcpy(v, g->rows, g->n_rows * sizeof(*v));
		g->rows = v;
		g->cap_rows = cap;
	}
	g->rows[g->n_rows++] = vals;
	return 0;
}

static void add_cells(struct builder *b, struct group *g, const char **vals, size_t line)
{
	cJSON *comp = cJSON_CreateObject();

	if (!comp || push_row(b, g, vals) < 0) {
		cJSON_Delete(comp);
		b->rc = -ENOMEM;
		return;
	}
	for (size_t i = 0; i < b->h.n; i++) {
		int c = b->h.col[i];
		if (!*vals[i] || c < 0)
			continue;
		if (COLUMNS[c].section != S_COMPLICATION) {
			take_report_cell(b, g, (size_t)c, vals[i], line);
			continue;
		}
		cJSON *v = cell_value(b, &COLUMNS[c], vals[i]);
		if (v)
			cJSON_AddItemToObject(comp, COLUMNS[c].member, v);
	}
	if (!comp->child) {
		cJSON_Delete(comp);
		return;
	}
	cJSON_AddItemToArray(g->complications, comp);
	push_line(b, &g->clines, &g->n_clines, &g->cap_clines, line);
}

static const char *cell_at(const struct builder *b, const char **vals, size_t n, int col)
{
	for (size_t i = 0; i < n; i++)
		if (b->h.col[i] == col)
			return vals[i];
	return "";
}

static void add_row(struct builder *b, const struct csv_row *row)
{
	size_t n = row->n < b->h.n ? row->n : b->h.n;
	const char **vals = arena_alloc(b->a, (b->h.n ? b->h.n : 1) * sizeof(*vals));
	bool blank = true;

	if (!vals) {
		b->rc = -ENOMEM;
		return;
	}
	for (size_t i = 0; i < b->h.n; i++) {
		vals[i] = i < n ? trim(b, row->fields[i]) : "";
		blank = blank && !*vals[i];
	}
	for (size_t i = n; i < row->n; i++)
		blank = blank && !*trim(b, row->fields[i]);
	if (blank)
		return; /* the ",,,,," rows spreadsheets leave below the data */
	struct group *g =
	    group_for(b, cell_at(b, vals, n, COL_CLIENT_REF), cell_at(b, vals, n, COL_VERSION));
	if (!g || g->n_lines > ROWS_MAX)
		return;
	if (g->n_lines == ROWS_MAX) {
		group_error(b, g, row->line, "more than %d rows for one report", ROWS_MAX);
		g->n_lines++; /* said once; the rest of its rows are not kept */
		return;
	}
	if (push_line(b, &g->lines, &g->n_lines, &g->cap_lines, row->line) < 0)
		return;
	if (row->bad_utf8_field >= 0)
		group_error(b, g, row->line,
			    "column %d is not valid UTF-8; save the file as CSV UTF-8",
			    row->bad_utf8_field + 1);
	else if (row->n != b->h.n)
		group_error(b, g, row->line, "%zu fields, but the header has %zu", row->n, b->h.n);
	else
		add_cells(b, g, vals, row->line);
}

/* ---- reports ------------------------------------------------------------- */

static cJSON *section_obj(cJSON *top, cJSON **slot, const char *name)
{
	if (!*slot) {
		*slot = cJSON_CreateObject();
		if (*slot)
			cJSON_AddItemToObject(top, name, *slot);
	}
	return *slot;
}

/* The JSON report of a group; takes its complications array. */
static cJSON *build_report(struct builder *b, struct group *g)
{
	cJSON *r = cJSON_CreateObject(), *proc = NULL, *pat = NULL;

	if (!r)
		return NULL;
	section_obj(r, &proc, "procedure"); /* so a missing date says procedure.date */
	for (size_t c = 0; c < NCOLUMNS; c++) {
		if (!g->value[c] || c == COL_NARRATIVE)
			continue;
		cJSON *v = cell_value(b, &COLUMNS[c], g->value[c]);
		if (!v)
			continue;
		cJSON *target = COLUMNS[c].section == S_PROCEDURE
				    ? section_obj(r, &proc, "procedure")
				: COLUMNS[c].section == S_PATIENT ? section_obj(r, &pat, "patient")
								  : r;
		cJSON_AddItemToObject(target ? target : r, COLUMNS[c].member, v);
	}
	cJSON_AddItemToObject(r, "complications", g->complications);
	g->complications = NULL;
	if (g->narrative)
		cJSON_AddStringToObject(r, "narrative", g->narrative);
	return r;
}

static void free_groups(struct builder *b)
{
	for (size_t i = 0; i < b->n_groups; i++) {
		cJSON_Delete(b->groups[i]->complications);
		b->groups[i]->complications = NULL;
	}
}

static int build_items(struct builder *b, struct report_csv *out)
{
	out->header = b->h.text;
	out->columns = b->h.col;
	out->n_columns = b->h.n;
	out->items = arena_alloc(b->a, b->n_groups * sizeof(*out->items));
	if (!out->items)
		return -ENOMEM;
	for (size_t i = 0; i < b->n_groups; i++) {
		struct group *g = b->groups[i];
		struct report_csv_item *it = &out->items[i];
		it->report = build_report(b, g);
		it->rows = g->rows;
		it->n_rows = g->n_rows;
		it->lines = g->lines;
		it->n_lines = g->n_lines < ROWS_MAX ? g->n_lines : ROWS_MAX;
		it->complication_lines = g->clines;
		it->n_complications = g->n_clines;
		it->errors = g->errors;
		out->n = i + 1;
		if (!it->report)
			return -ENOMEM;
	}
	return 0;
}

int report_csv_parse(const char *buf, size_t len, size_t max_reports, struct arena *a,
		     struct report_csv *ret, struct csv_error *ret_err)
{
	struct builder b = {.a = a, .max_groups = max_reports};
	struct csv_reader r;
	struct csv_row row;
	int rc;

	memset(ret, 0, sizeof(*ret));
	issues_init(&ret->warnings, a);
	issues_init(&ret->refused, a);
	csv_reader_init(&r, buf, len, csv_sniff_delimiter(buf, len), a);
	rc = csv_next(&r, &row, ret_err);
	if (rc == 0)
		return fatal(ret_err, 1, "the file is empty; the first line must be the header");
	if (rc < 0 || (rc = read_header(&b, &row, ret, ret_err)) < 0)
		return rc;
	while (!b.rc && (rc = csv_next(&r, &row, ret_err)) == 1)
		add_row(&b, &row);
	if (!b.rc && rc == 0 && b.n_groups == 0)
		rc = fatal(ret_err, r.line, "no report rows after the header");
	if (!b.rc && rc == 0)
		rc = build_items(&b, ret);
	free_groups(&b);
	if (b.rc || rc < 0) {
		report_csv_free(ret);
		return b.rc ? b.rc : rc;
	}
	return 0;
}

void report_csv_free(struct report_csv *rc)
{
	for (size_t i = 0; rc && i < rc->n; i++) {
		cJSON_Delete(rc->items[i].report);
		rc->items[i].report = NULL;
	}
	if (rc)
		rc->n = 0;
}

size_t report_csv_line_of(const struct report_csv_item *item, const char *field)
{
	static const char prefix[] = "complications[";
	size_t i = 0;

	if (field && strncmp(field, prefix, sizeof(prefix) - 1) == 0) {
		const char *p = field + sizeof(prefix) - 1;
		for (; *p >= '0' && *p <= '9' && i < 100000; p++)
			i = i * 10 + (size_t)(*p - '0');
		if (*p == ']' && i < item->n_complications)
			return item->complication_lines[i];
	}
	return item->n_lines ? item->lines[0] : 0;
}

cJSON *report_csv_rows_json(const struct report_csv *rc, const struct report_csv_item *item,
			    const char *patient_ref)
{
	cJSON *arr = cJSON_CreateArray();

	for (size_t r = 0; arr && r < item->n_rows; r++) {
		cJSON *o = cJSON_CreateObject();
		if (!o || !cJSON_AddItemToArray(arr, o)) {
			cJSON_Delete(o);
			cJSON_Delete(arr);
			return NULL;
		}
		for (size_t i = 0; i < rc->n_columns; i++) {
			const char *v = item->rows[r][i];
			if (!*v || rc->columns[i] < 0)
				continue; /* blank, or a column the format does not define */
			if (patient_ref && rc->header[i] == rc->patient_ref_header)
				v = patient_ref;
			if (!cJSON_AddItemToObject(o, rc->header[i], cJSON_CreateString(v))) {
				cJSON_Delete(arr);
				return NULL;
			}
		}
	}
	return arr;
}
