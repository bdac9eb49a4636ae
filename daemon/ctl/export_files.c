/* The weekly export's CSV and JSON files, and how any export file is written. */
#include "export_files.h"
#include "pseudonym.h"
#include "durable_file.h"
#include "numfmt.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <gnutls/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- buffer ---- */

void export_buf_add(struct export_buf *b, const char *s, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->data, cap);
		if (!p) {
			b->failed = true;
			return;
		}
		b->data = p;
		b->cap = cap;
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void export_buf_puts(struct export_buf *b, const char *s)
{
	export_buf_add(b, s, strlen(s));
}

void export_buf_printf(struct export_buf *b, const char *fmt, ...)
{
	char small[256], *big = NULL;
	va_list ap, again;
	va_start(ap, fmt);
	va_copy(again, ap);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	if (n >= 0 && (size_t)n < sizeof(small))
		export_buf_add(b, small, (size_t)n);
	else if (n < 0 || !(big = malloc((size_t)n + 1)))
		b->failed = true;
	else if (vsnprintf(big, (size_t)n + 1, fmt, again) == n)
		export_buf_add(b, big, (size_t)n);
	else
		b->failed = true;
	free(big);
	va_end(again);
	va_end(ap);
}

void export_buf_free(struct export_buf *b)
{
	if (!b)
		return;
	free(b->data);
	*b = (struct export_buf){0};
}

/* ---- columns ---- */

static const char *const table_names[EXPORT_TABLE_COUNT] = {
    [EXPORT_BY_SETTING] = "rates_week_setting",	   [EXPORT_BY_FITZPATRICK] = "rates_fitzpatrick",
    [EXPORT_BY_REGION] = "rates_region",	   [EXPORT_BY_TRAINING] = "rates_training",
    [EXPORT_UNREGISTERED] = "unregistered_counts",
};

const char *export_table_name(enum export_table t)
{
	return t < EXPORT_TABLE_COUNT ? table_names[t] : "?";
}

static const char *const key_names[EXPORT_KEY_COUNT] = {
    [EXPORT_KEY_SETTING] = "setting",
    [EXPORT_KEY_GROUP] = "complication_group",
    [EXPORT_KEY_FITZPATRICK] = "fitzpatrick",
    [EXPORT_KEY_REGION] = "region",
    [EXPORT_KEY_TRAINING] = "medically_trained",
};

/* Which keys each table has; the others do not apply to its cells. */
#define KEY_BIT(k) (1u << (k))
static const unsigned table_keys[EXPORT_TABLE_COUNT] = {
    [EXPORT_BY_SETTING] = KEY_BIT(EXPORT_KEY_SETTING) | KEY_BIT(EXPORT_KEY_GROUP),
    [EXPORT_BY_FITZPATRICK] =
	KEY_BIT(EXPORT_KEY_SETTING) | KEY_BIT(EXPORT_KEY_GROUP) | KEY_BIT(EXPORT_KEY_FITZPATRICK),
    [EXPORT_BY_REGION] =
	KEY_BIT(EXPORT_KEY_SETTING) | KEY_BIT(EXPORT_KEY_GROUP) | KEY_BIT(EXPORT_KEY_REGION),
    [EXPORT_BY_TRAINING] =
	KEY_BIT(EXPORT_KEY_SETTING) | KEY_BIT(EXPORT_KEY_GROUP) | KEY_BIT(EXPORT_KEY_TRAINING),
    [EXPORT_UNREGISTERED] =
	KEY_BIT(EXPORT_KEY_SETTING) | KEY_BIT(EXPORT_KEY_GROUP) | KEY_BIT(EXPORT_KEY_REGION),
};

/* A count is written whole; a number is rounded as the API rounds it
 * (numfmt.h). */
enum fig_kind { FIG_COUNT, FIG_NUMBER, FIG_TEXT, FIG_BOOL };

/* Disclosure control hides figures in groups, each group following one
 * flag of the summary tables; the files carry the flag as a column of its
 * own, so that a figure's column holds numbers only. */
enum sup_group { SUP_NONE, SUP_EVENTS, SUP_EWA, SUP_RR, SUP_RR_ADJ, SUP_COUNT };

static const char *const sup_names[SUP_COUNT] = {
    [SUP_EVENTS] = "events_suppressed",
    [SUP_EWA] = "events_without_activity_suppressed",
    [SUP_RR] = "rate_ratio_suppressed",
    [SUP_RR_ADJ] = "rr_adjusted_suppressed",
};

static const struct {
	const char *name;
	enum fig_kind kind;
	enum sup_group group;
} figs[EXPORT_FIG_COUNT] = {
    [EXPORT_FIG_EVENTS] = {"events", FIG_COUNT, SUP_EVENTS},
    [EXPORT_FIG_PROCEDURES] = {"procedures", FIG_COUNT, SUP_NONE},
    [EXPORT_FIG_RATE] = {"rate_per_1000", FIG_NUMBER, SUP_EVENTS},
    [EXPORT_FIG_CI_LOW] = {"ci95_low", FIG_NUMBER, SUP_EVENTS},
    [EXPORT_FIG_CI_HIGH] = {"ci95_high", FIG_NUMBER, SUP_EVENTS},
    [EXPORT_FIG_CI_METHOD] = {"ci_method", FIG_TEXT, SUP_EVENTS},
    [EXPORT_FIG_PREMISES] = {"premises_reporting", FIG_COUNT, SUP_NONE},
    [EXPORT_FIG_EWA] = {"events_without_activity", FIG_COUNT, SUP_EWA},
    [EXPORT_FIG_RR] = {"rate_ratio", FIG_NUMBER, SUP_RR},
    [EXPORT_FIG_RR_LOW] = {"rr_ci95_low", FIG_NUMBER, SUP_RR},
    [EXPORT_FIG_RR_HIGH] = {"rr_ci95_high", FIG_NUMBER, SUP_RR},
    [EXPORT_FIG_RR_HALDANE] = {"rr_haldane", FIG_BOOL, SUP_RR},
    [EXPORT_FIG_RR_ADJ] = {"rr_adjusted", FIG_NUMBER, SUP_RR_ADJ},
    [EXPORT_FIG_RR_ADJ_LOW] = {"rr_adjusted_ci95_low", FIG_NUMBER, SUP_RR_ADJ},
    [EXPORT_FIG_RR_ADJ_HIGH] = {"rr_adjusted_ci95_high", FIG_NUMBER, SUP_RR_ADJ},
    [EXPORT_FIG_RR_ADJ_STRATA] = {"rr_adjusted_strata", FIG_COUNT, SUP_NONE},
    [EXPORT_FIG_PREMISES_ACTIVE] = {"premises_active", FIG_COUNT, SUP_NONE},
    [EXPORT_FIG_PREMISES_SILENT] = {"premises_silent", FIG_COUNT, SUP_NONE},
    [EXPORT_FIG_PREMISES_IMPLAUSIBLE] = {"premises_implausible", FIG_COUNT, SUP_NONE},
    [EXPORT_FIG_PLAUSIBILITY] = {"plausibility", FIG_TEXT, SUP_NONE},
};

static bool is_suppressed(const char *v)
{
	return v && strcmp(v, EXPORT_SUPPRESSED) == 0;
}

/* Whether any figure of group g reads "suppressed" in c. */
static bool group_suppressed(const struct export_cell *c, enum sup_group g)
{
	for (int f = 0; f < EXPORT_FIG_COUNT; f++)
		if (figs[f].group == g && is_suppressed(c->fig[f]))
			return true;
	return false;
}

/* A figure as written in both files: NULL when absent or suppressed (the
 * flag says which), a number rounded as published, else the text. */
static const char *published(const char *v, enum fig_kind kind, char *buf, size_t len)
{
	if (!v || is_suppressed(v))
		return NULL;
	if (kind == FIG_NUMBER && numfmt_text(v, buf, len))
		return buf;
	if (kind == FIG_NUMBER || kind == FIG_COUNT)
		return export_json_number_ok(v) ? v : NULL; /* "NaN": no figure */
	return v;
}

static bool key_applies(enum export_table t, enum export_key k)
{
	return t < EXPORT_TABLE_COUNT && (table_keys[t] & KEY_BIT(k));
}

/* ---- CSV ---- */

void export_csv_field(struct export_buf *b, const char *s, bool formula_guard)
{
	if (!s)
		return;
	size_t n = strlen(s);
	bool guard = formula_guard && n > 0 && strchr("=+-@\t\r", s[0]);
	bool quote = strpbrk(s, ",\"\r\n") || (n > 0 && (s[0] == ' ' || s[n - 1] == ' '));
	if (!quote && !guard) {
		export_buf_add(b, s, n);
		return;
	}
	if (quote)
		export_buf_puts(b, "\"");
	if (guard)
		export_buf_puts(b, "'");
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			export_buf_puts(b, "\"");
		export_buf_add(b, p, 1);
	}
	if (quote)
		export_buf_puts(b, "\"");
}

static void csv_header(struct export_buf *out)
{
	export_buf_puts(out, "week,table");
	for (int k = 0; k < EXPORT_KEY_COUNT; k++)
		export_buf_printf(out, ",%s", key_names[k]);
	for (int f = 0; f < EXPORT_FIG_COUNT; f++)
		export_buf_printf(out, ",%s", figs[f].name);
	for (int g = SUP_EVENTS; g < SUP_COUNT; g++)
		export_buf_printf(out, ",%s", sup_names[g]);
	export_buf_puts(out, "\r\n");
}

static void csv_row(const struct export_doc *doc, const struct export_cell *c,
		    struct export_buf *out)
{
	export_buf_printf(out, "%s,%s", doc->week_text, export_table_name(c->table));
	for (int k = 0; k < EXPORT_KEY_COUNT; k++) {
		export_buf_puts(out, ",");
		if (key_applies(c->table, (enum export_key)k))
			export_csv_field(out, c->key[k] ? c->key[k] : "unknown",
					 /* formula_guard= */ true);
	}
	for (int f = 0; f < EXPORT_FIG_COUNT; f++) {
		char num[40];
		export_buf_puts(out, ",");
		export_csv_field(out, published(c->fig[f], figs[f].kind, num, sizeof(num)),
				 /* formula_guard= */ figs[f].kind == FIG_TEXT);
	}
	for (int g = SUP_EVENTS; g < SUP_COUNT; g++)
		export_buf_puts(out, group_suppressed(c, (enum sup_group)g) ? ",true" : ",false");
	export_buf_puts(out, "\r\n");
}

/* UTF-8's byte order mark: without it Excel reads the file as the
 * system's ANSI code page and garbles every non-ASCII region or setting. */
#define CSV_BOM "\xEF\xBB\xBF"

void export_render_csv(const struct export_doc *doc, struct export_buf *out)
{
	export_buf_puts(out, CSV_BOM);
	csv_header(out);
	for (size_t i = 0; i < doc->n_cells; i++)
		csv_row(doc, &doc->cells[i], out);
}

/* ---- JSON ---- */

bool export_json_number_ok(const char *s)
{
	if (!s)
		return false;
	if (*s == '-')
		s++;
	if (*s == '0')
		s++;
	else if (*s >= '1' && *s <= '9')
		while (isdigit((unsigned char)*s))
			s++;
	else
		return false;
	if (*s == '.') {
		s++;
		if (!isdigit((unsigned char)*s))
			return false;
		while (isdigit((unsigned char)*s))
			s++;
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (!isdigit((unsigned char)*s))
			return false;
		while (isdigit((unsigned char)*s))
			s++;
	}
	return *s == '\0';
}

/* A figure as JSON, one type per member whatever the week: a number (as
 * published, numfmt.h) or null, a string or null, a boolean or null. A
 * suppressed figure is null; its group's *_suppressed member says why. */
static cJSON *json_figure(const char *v, enum fig_kind kind)
{
	char num[40];
	const char *p = published(v, kind, num, sizeof(num));

	if (!p)
		return cJSON_CreateNull();
	if (kind == FIG_TEXT)
		return cJSON_CreateString(p);
	if (kind == FIG_BOOL)
		return cJSON_CreateBool(strcmp(p, "true") == 0);
	return cJSON_CreateRaw(p);
}

static cJSON *json_key(enum export_key k, const char *v)
{
	if (!v)
		return cJSON_CreateNull();
	if (k == EXPORT_KEY_FITZPATRICK && export_json_number_ok(v))
		return cJSON_CreateRaw(v);
	if (k == EXPORT_KEY_TRAINING)
		return cJSON_CreateBool(strcmp(v, "true") == 0);
	return cJSON_CreateString(v);
}

static cJSON *json_cell(const struct export_cell *c)
{
	cJSON *o = cJSON_CreateObject();
	if (!o || !cJSON_AddStringToObject(o, "table", export_table_name(c->table)))
		goto fail;
	for (int k = 0; k < EXPORT_KEY_COUNT; k++) {
		if (!key_applies(c->table, (enum export_key)k))
			continue;
		cJSON *v = json_key((enum export_key)k, c->key[k]);
		if (!v || !cJSON_AddItemToObject(o, key_names[k], v)) {
			cJSON_Delete(v);
			goto fail;
		}
	}
	for (int f = 0; f < EXPORT_FIG_COUNT; f++) {
		cJSON *v = json_figure(c->fig[f], figs[f].kind);
		if (!v || !cJSON_AddItemToObject(o, figs[f].name, v)) {
			cJSON_Delete(v);
			goto fail;
		}
	}
	for (int g = SUP_EVENTS; g < SUP_COUNT; g++)
		if (!cJSON_AddBoolToObject(o, sup_names[g], group_suppressed(c, (enum sup_group)g)))
			goto fail;
	return o;
fail:
	cJSON_Delete(o);
	return NULL;
}

/* Appends `"name": <value>` with value printed on one line, and consumes value. */
static void json_member(struct export_buf *out, const char *name, cJSON *value, bool last)
{
	char *text = value ? cJSON_PrintUnformatted(value) : NULL;
	cJSON_Delete(value);
	if (!text) {
		out->failed = true;
		return;
	}
	export_buf_printf(out, "  \"%s\": %s%s\n", name, text, last ? "" : ",");
	cJSON_free(text);
}

static const char *const methods[][2] = {
    {"events",
     "cases (the latest version of each report) with at least one complication of the "
     "group, whose procedure was done at a registered premises of the setting in the week "
     "and which reported its activity for that week; expected reactions are not "
     "complications"},
    {"procedures", "the procedures those premises reported for the week (their latest "
		   "submission for each procedure type)"},
    {"rate_per_1000", "1000 * events / procedures"},
    {"ci95", "95% interval of the rate: exact Clopper-Pearson ('exact') below 5 events, Wilson "
	     "score ('wilson') from 5"},
    {"rate_ratio", "rate of the setting divided by the medical_clinic rate for the same group "
		   "and week, 95% interval on the log scale; rr_haldane is true where a count "
		   "was 0 and 0.5 was added to both"},
    {"rr_adjusted", "Mantel-Haenszel rate ratio against medical_clinic adjusted for "
		    "Fitzpatrick type, over the activity broken down by Fitzpatrick type "
		    "(rr_adjusted_strata types)"},
    {"events_without_activity", "cases left out of the rate because the premises reported no "
				"activity (or not the breakdown the table needs) for the week"},
    {"premises_active", "registered premises of the setting (and region) active in the week: "
			"registered by its end and not closed before it, or having sent activity "
			"or reports for it"},
    {"premises_silent", "of premises_active, those that sent neither activity nor reports for "
			"the week: silent, not zero (activity without reports is a statement of "
			"no complications)"},
    {"premises_implausible",
     "premises-weeks left out of events, procedures and premises_reporting because their "
     "cases cannot stand over their procedures (plausibility gives the reasons: "
     "zero_procedures, cases_exceed_procedures, rate_above_plausible), until corrected or "
     "accepted by the regulator"},
    {"unregistered_counts", "cases whose procedure was done at an unregistered place (a home "
			    "device, an unknown salon): counts in events, never rates, by the "
			    "patient's region"},
};

static cJSON *json_methods(void)
{
	cJSON *o = cJSON_CreateObject();
	for (size_t i = 0; o && i < sizeof(methods) / sizeof(methods[0]); i++)
		if (!cJSON_AddStringToObject(o, methods[i][0], methods[i][1])) {
			cJSON_Delete(o);
			return NULL;
		}
	return o;
}

static cJSON *json_suppression(int threshold)
{
	char rule[400];
	snprintf(rule, sizeof(rule),
		 "counts from 1 to %d, and the counts that would let one be worked out from a "
		 "published total or its neighbours (secondary suppression), are null, as are "
		 "the rates, intervals and ratios computed from them; events_suppressed, "
		 "events_without_activity_suppressed, rate_ratio_suppressed and "
		 "rr_adjusted_suppressed say which figures were withheld (null alone: the figure "
		 "does not apply)",
		 threshold - 1);
	cJSON *o = cJSON_CreateObject();
	if (!o || !cJSON_AddNumberToObject(o, "threshold", threshold) ||
	    !cJSON_AddStringToObject(o, "rule", rule)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static long long figure_count(const char *v)
{
	return v && export_json_number_ok(v) ? strtoll(v, NULL, 10) : 0;
}

/* A setting's coverage (schema/013): active, silent and implausible
 * premises, and the reasons. 0 or -1 (out of memory). */
static int add_setting_coverage(cJSON *s, const struct export_cell *c)
{
	static const enum export_fig f[] = {EXPORT_FIG_PREMISES_ACTIVE, EXPORT_FIG_PREMISES_SILENT,
					    EXPORT_FIG_PREMISES_IMPLAUSIBLE,
					    EXPORT_FIG_PLAUSIBILITY};
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (!cJSON_AddItemToObject(s, figs[f[i]].name,
					   json_figure(c->fig[f[i]], figs[f[i]].kind)))
			return -1;
	return 0;
}

/* Coverage: per setting, from the week's any-complication cells, and the
 * totals of what is never suppressed (premises and procedures). */
static cJSON *json_coverage(const struct export_doc *doc)
{
	long long premises = 0, procedures = 0, active = 0, silent = 0, implausible = 0;
	cJSON *o = cJSON_CreateObject();
	cJSON *by = cJSON_AddArrayToObject(o, "by_setting");
	for (size_t i = 0; by && i < doc->n_cells; i++) {
		const struct export_cell *c = &doc->cells[i];
		if (c->table != EXPORT_BY_SETTING || !c->key[EXPORT_KEY_GROUP] ||
		    strcmp(c->key[EXPORT_KEY_GROUP], "any") != 0)
			continue;
		premises += figure_count(c->fig[EXPORT_FIG_PREMISES]);
		procedures += figure_count(c->fig[EXPORT_FIG_PROCEDURES]);
		cJSON *s = cJSON_CreateObject();
		cJSON_AddItemToArray(by, s);
		if (!s || !cJSON_AddStringToObject(s, "setting", c->key[EXPORT_KEY_SETTING]) ||
		    !cJSON_AddItemToObject(s, "premises_reporting",
					   json_figure(c->fig[EXPORT_FIG_PREMISES], FIG_COUNT)) ||
		    !cJSON_AddItemToObject(s, "procedures",
					   json_figure(c->fig[EXPORT_FIG_PROCEDURES], FIG_COUNT)) ||
		    !cJSON_AddItemToObject(s, "events_without_activity",
					   json_figure(c->fig[EXPORT_FIG_EWA], FIG_COUNT)) ||
		    !cJSON_AddBoolToObject(s, "events_without_activity_suppressed",
					   is_suppressed(c->fig[EXPORT_FIG_EWA])) ||
		    add_setting_coverage(s, c) < 0)
			goto fail;
		active += figure_count(c->fig[EXPORT_FIG_PREMISES_ACTIVE]);
		silent += figure_count(c->fig[EXPORT_FIG_PREMISES_SILENT]);
		implausible += figure_count(c->fig[EXPORT_FIG_PREMISES_IMPLAUSIBLE]);
	}
	if (!by || !cJSON_AddNumberToObject(o, "premises_reporting", (double)premises) ||
	    !cJSON_AddNumberToObject(o, "procedures", (double)procedures) ||
	    !cJSON_AddNumberToObject(o, "premises_active", (double)active) ||
	    !cJSON_AddNumberToObject(o, "premises_silent", (double)silent) ||
	    !cJSON_AddNumberToObject(o, "premises_implausible", (double)implausible))
		goto fail;
	return o;
fail:
	cJSON_Delete(o);
	return NULL;
}

static cJSON *json_software(const struct export_doc *doc)
{
	cJSON *o = cJSON_CreateObject();
	if (!o || !cJSON_AddStringToObject(o, "name", "needlewatch") ||
	    !cJSON_AddStringToObject(o, "version", doc->software_version)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static cJSON *json_columns(void)
{
	cJSON *a = cJSON_CreateArray();
	cJSON_AddItemToArray(a, cJSON_CreateString("week"));
	cJSON_AddItemToArray(a, cJSON_CreateString("table"));
	for (int k = 0; k < EXPORT_KEY_COUNT; k++)
		cJSON_AddItemToArray(a, cJSON_CreateString(key_names[k]));
	for (int f = 0; f < EXPORT_FIG_COUNT; f++)
		cJSON_AddItemToArray(a, cJSON_CreateString(figs[f].name));
	for (int g = SUP_EVENTS; g < SUP_COUNT; g++)
		cJSON_AddItemToArray(a, cJSON_CreateString(sup_names[g]));
	if (a && cJSON_GetArraySize(a) != 2 + EXPORT_KEY_COUNT + EXPORT_FIG_COUNT + SUP_COUNT - 1) {
		cJSON_Delete(a);
		return NULL;
	}
	return a;
}

/* The alerts section: [{"rule": 2, "level": "red", "count": 1}, ...]. */
static cJSON *json_alerts(const struct export_doc *doc)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; a && i < doc->n_alerts; i++) {
		cJSON *o = cJSON_CreateObject();
		if (!o || !cJSON_AddItemToArray(a, o) ||
		    !cJSON_AddNumberToObject(o, "rule", doc->alerts[i].rule) ||
		    !cJSON_AddStringToObject(o, "level", doc->alerts[i].level) ||
		    !cJSON_AddNumberToObject(o, "count", (double)doc->alerts[i].count)) {
			cJSON_Delete(a);
			return NULL;
		}
	}
	return a;
}

void export_render_json(const struct export_doc *doc, struct export_buf *out)
{
	export_buf_puts(out, "{\n");
	json_member(out, "format", cJSON_CreateString("needlewatch-weekly-export"), false);
	/* 2: figures are numbers or null, never "suppressed"; flags added. */
	json_member(out, "format_version", cJSON_CreateNumber(2), false);
	json_member(out, "week", cJSON_CreateString(doc->week_text), false);
	json_member(out, "week_start", cJSON_CreateString(doc->week_start), false);
	json_member(out, "week_end", cJSON_CreateString(doc->week_end), false);
	json_member(out, "timezone", cJSON_CreateString("Europe/London"), false);
	json_member(out, "generated_at", cJSON_CreateString(doc->generated_at), false);
	json_member(out, "software", json_software(doc), false);
	json_member(out, "suppression", json_suppression(doc->suppression_threshold), false);
	json_member(out, "methods", json_methods(), false);
	json_member(out, "coverage", json_coverage(doc), false);
	json_member(out, "alerts", json_alerts(doc), false);
	json_member(out, "columns", json_columns(), false);
	export_buf_puts(out, "  \"cells\": [");
	for (size_t i = 0; i < doc->n_cells; i++) {
		cJSON *c = json_cell(&doc->cells[i]);
		char *text = c ? cJSON_PrintUnformatted(c) : NULL;
		cJSON_Delete(c);
		if (!text) {
			out->failed = true;
			return;
		}
		export_buf_printf(out, "%s\n    %s", i ? "," : "", text);
		cJSON_free(text);
	}
	export_buf_puts(out, doc->n_cells ? "\n  ]\n}\n" : "]\n}\n");
}

/* ---- files ---- */

int export_sha256_hex(const void *data, size_t len, char hex[EXPORT_SHA256_HEX_LEN])
{
	return sha256_hex(data, len, hex) < 0 ? -EIO : 0;
}

int export_write_atomic(const char *dir, const char *name, const void *data, size_t len, char *err,
			size_t errlen)
{
	/* Exports are published figures: readable by the delivery agent and
	 * whoever fetches them from the folder, whatever the umask. */
	const struct durable_file_options o = {.mode = 0644};
	const char *step = "cannot write";
	int r = durable_file_write(dir, name, data, len, &o, &step);

	if (r < 0)
		snprintf(err, errlen, "%s/%s: %s: %s", dir, name, step, strerror(-r));
	return r;
}
