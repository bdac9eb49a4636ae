/* The report page's chart and table helpers: axes, number formats, labels
 * and HTML escaping, shared by the page (export_html.c) and its charts
 * (export_svg.c), so neither includes the other. Pure and deterministic. */
#ifndef NW_EXPORT_CHART_H
#define NW_EXPORT_CHART_H

#include <stdbool.h>
#include <stddef.h>

#include "export_files.h"
#include "export_model.h"

/* Appends s with &, <, >, " and ' escaped, for text and attribute values.
 * NULL appends nothing. */
void export_chart_escape(struct export_buf *b, const char *s);

/* A chart axis from 0 to max in 1 to 5 ticks of step, the step a "nice"
 * number (1, 2, 2.5 or 5 times a power of ten), max the smallest such
 * multiple at or above the data's largest value. */
struct export_axis {
	double max;
	double step;
	int ticks;
};

/* The axis for values up to data_max; an axis of 0..1 when data_max <= 0 or
 * is not finite. */
struct export_axis export_chart_axis(double data_max);

/* The axis of a chart whose largest estimate is max_rate and largest upper
 * interval bound max_high: up to max_high, but no further than 2.5 times
 * max_rate (when that is above 0), so one wide interval around a small count
 * cannot squash every estimate against zero; a whisker past the axis is
 * drawn clipped, with an arrow. */
struct export_axis export_chart_axis_for(double max_rate, double max_high);

/* A tick value with as many decimals as the axis step needs ("2.5", "20"). */
void export_chart_format_tick(const struct export_axis *a, double v, char *out, size_t outlen);

/* Where v lies between pixel positions p0 (v = 0) and p1 (v = axis max),
 * clamped to that range. */
double export_chart_scale(const struct export_axis *a, double v, double p0, double p1);

/* A rate per 1,000 as a person reads it: 3 significant figures, at most 2
 * decimals ("0.47", "12.0", "250"). */
void export_chart_format_rate(double v, char *out, size_t outlen);

/* A count with thousands separators ("12,345"). */
void export_chart_format_count(long long v, char *out, size_t outlen);

/* A person's name for a setting or complication group code ("Beauty
 * salon"); the code itself for one it does not know, "Not known" for NULL. */
const char *export_chart_label(const char *code);

/* True, with the value in *ret, when s is a finite number (not NULL, not
 * "suppressed"). */
bool export_chart_figure(const char *s, double *ret);

/* True when s is the suppressed marker. */
bool export_chart_suppressed(const char *s);

#endif
