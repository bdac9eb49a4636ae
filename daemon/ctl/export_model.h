/* The weekly export's content: everything the CSV, JSON and HTML files say,
 * held in memory, so the three renderers are pure functions of one struct
 * (and unit-testable without a database).
 *
 * Figures are kept as the text the public views give (summary.public_*):
 * a number in PostgreSQL's shortest exact form, "suppressed", or NULL where
 * the figure does not apply. The files repeat that text, so every published
 * figure equals the summary tables character for character. All strings are
 * borrowed: export_query.c keeps the query results that own them. */
#ifndef NW_EXPORT_MODEL_H
#define NW_EXPORT_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include "isoweek.h"

/* What a published figure reads when disclosure control hides it. */
#define EXPORT_SUPPRESSED "suppressed"
/* The trend chart's span: the exported week and the 11 before it. */
#define EXPORT_TREND_WEEKS 12

/* The public tables a cell comes from, in the order the files list them. */
enum export_table {
	EXPORT_BY_SETTING,     /* summary.public_rates_week_setting (+ comparisons) */
	EXPORT_BY_FITZPATRICK, /* summary.public_rates_fitzpatrick */
	EXPORT_BY_REGION,      /* summary.public_rates_region */
	EXPORT_BY_TRAINING,    /* summary.public_rates_training */
	EXPORT_UNREGISTERED,   /* summary.public_unregistered_counts: counts, never rates */
	EXPORT_TABLE_COUNT
};

/* The keys of a cell. Which apply depends on the table (export_files.c's
 * column list); an applicable key that is NULL is unknown ("unknown" in CSV,
 * null in JSON), an inapplicable one is left out. */
enum export_key {
	EXPORT_KEY_SETTING,
	EXPORT_KEY_GROUP,	/* complication group */
	EXPORT_KEY_FITZPATRICK, /* "1".."6" */
	EXPORT_KEY_REGION,
	EXPORT_KEY_TRAINING, /* "true": medically trained, "false": not */
	EXPORT_KEY_COUNT
};

/* The figures of a cell, as the public views name them. */
enum export_fig {
	EXPORT_FIG_EVENTS, /* cases, for unregistered rows */
	EXPORT_FIG_PROCEDURES,
	EXPORT_FIG_RATE,
	EXPORT_FIG_CI_LOW,
	EXPORT_FIG_CI_HIGH,
	EXPORT_FIG_CI_METHOD,
	EXPORT_FIG_PREMISES,
	EXPORT_FIG_EWA, /* events without activity */
	EXPORT_FIG_RR,
	EXPORT_FIG_RR_LOW,
	EXPORT_FIG_RR_HIGH,
	EXPORT_FIG_RR_HALDANE,
	EXPORT_FIG_RR_ADJ,
	EXPORT_FIG_RR_ADJ_LOW,
	EXPORT_FIG_RR_ADJ_HIGH,
	EXPORT_FIG_RR_ADJ_STRATA,
	/* coverage and plausibility (schema/013); never suppressed */
	EXPORT_FIG_PREMISES_ACTIVE,	 /* registered and active in the week */
	EXPORT_FIG_PREMISES_SILENT,	 /* of those, sent neither activity nor reports */
	EXPORT_FIG_PREMISES_IMPLAUSIBLE, /* premises-weeks left out as implausible */
	EXPORT_FIG_PLAUSIBILITY,	 /* their reasons, or NULL */
	EXPORT_FIG_COUNT
};

/* One published cell: a stratum of a public table for the week. */
struct export_cell {
	enum export_table table;
	const char *key[EXPORT_KEY_COUNT];
	const char *fig[EXPORT_FIG_COUNT];
};

/* One point of the 12-week trend: any complication, one setting, one week. */
struct export_trend_point {
	const char *setting;
	int index;	  /* 0 = eleven weeks before the export week .. 11 = it */
	const char *rate; /* figures as in a cell: text, "suppressed" or NULL */
	const char *ci_low;
	const char *ci_high;
	const char *procedures;
};

/* Alerts of the week (schema/012_alerts.sql): how many episodes of each rule and level
 * cover it, withdrawn ones left out. Counts only: nothing names a premises. */
struct export_alert_count {
	int rule;
	const char *level; /* "red" or "amber" */
	long count;
};

struct export_doc {
	struct iso_week week;
	char week_text[ISOWEEK_TEXT_LEN];  /* "2026-W47" */
	char week_start[ISOWEEK_DATE_LEN]; /* its Monday */
	char week_end[ISOWEEK_DATE_LEN];   /* its Sunday */
	char trend_weeks[EXPORT_TREND_WEEKS][ISOWEEK_TEXT_LEN];
	char generated_at[32]; /* "2026-11-23T06:00:01Z" */
	const char *software_version;
	int suppression_threshold;	 /* the one the summary tables were built with */
	const struct export_cell *cells; /* ordered: table, then keys */
	size_t n_cells;
	const struct export_trend_point *trend;
	size_t n_trend;
	const struct export_alert_count *alerts; /* ordered: rule, then red before amber */
	size_t n_alerts;
};

#endif
