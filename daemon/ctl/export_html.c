/* The weekly export's report page: layout, style sheet and tables; the charts
 * are export_svg.c's. */
#include "export_html.h"
#include "export_chart.h"
#include "export_svg.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- table cells ---- */

#define DASH "&#8211;"

static void td_count(struct export_buf *out, const char *v)
{
	double d;
	char text[32];
	if (export_chart_suppressed(v)) {
		export_buf_puts(out, "<td class=\"sup\">suppressed</td>");
		return;
	}
	if (!export_chart_figure(v, &d)) {
		export_buf_puts(out, "<td>" DASH "</td>");
		return;
	}
	export_chart_format_count((long long)llround(d), text, sizeof(text));
	export_buf_printf(out, "<td>%s</td>", text);
}

/* "12.0 (5.51&#8211;25.9)": an estimate with its interval. */
static void td_estimate(struct export_buf *out, const char *v, const char *lo, const char *hi)
{
	double d, l, h;
	char a[32], b[32], c[32];
	if (export_chart_suppressed(v)) {
		export_buf_puts(out, "<td class=\"sup\">suppressed</td>");
		return;
	}
	if (!export_chart_figure(v, &d)) {
		export_buf_puts(out, "<td>" DASH "</td>");
		return;
	}
	export_chart_format_rate(d, a, sizeof(a));
	if (!export_chart_figure(lo, &l) || !export_chart_figure(hi, &h)) {
		export_buf_printf(out, "<td>%s</td>", a);
		return;
	}
	export_chart_format_rate(l, b, sizeof(b));
	export_chart_format_rate(h, c, sizeof(c));
	export_buf_printf(out, "<td>%s <span class=\"ci\">(%s" DASH "%s)</span></td>", a, b, c);
}

static void th_label(struct export_buf *out, const char *code)
{
	export_buf_puts(out, "<th scope=\"row\">");
	export_chart_escape(out, export_chart_label(code));
	export_buf_puts(out, "</th>");
}

static bool is_group(const struct export_cell *c, enum export_table t, const char *group)
{
	return c->table == t && c->key[EXPORT_KEY_GROUP] &&
	       strcmp(c->key[EXPORT_KEY_GROUP], group) == 0;
}

/* ---- sections ---- */

static void headline_table(const struct export_doc *doc, struct export_buf *out)
{
	export_buf_puts(out,
			"<table class=\"headline\">\n<thead><tr><th scope=\"col\">Setting</th>"
			"<th scope=\"col\">Premises reporting</th><th scope=\"col\">Procedures</th>"
			"<th scope=\"col\">Cases with a complication</th>"
			"<th scope=\"col\">Rate per 1,000 (95% CI)</th>"
			"<th scope=\"col\">Rate ratio vs medical clinic (95% CI)</th>"
			"<th scope=\"col\">Adjusted for skin type (95% CI)</th>"
			"<th scope=\"col\">Cases without activity</th></tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < doc->n_cells; i++) {
		const struct export_cell *c = &doc->cells[i];
		if (!is_group(c, EXPORT_BY_SETTING, "any"))
			continue;
		export_buf_puts(out, "<tr>");
		th_label(out, c->key[EXPORT_KEY_SETTING]);
		td_count(out, c->fig[EXPORT_FIG_PREMISES]);
		td_count(out, c->fig[EXPORT_FIG_PROCEDURES]);
		td_count(out, c->fig[EXPORT_FIG_EVENTS]);
		td_estimate(out, c->fig[EXPORT_FIG_RATE], c->fig[EXPORT_FIG_CI_LOW],
			    c->fig[EXPORT_FIG_CI_HIGH]);
		td_estimate(out, c->fig[EXPORT_FIG_RR], c->fig[EXPORT_FIG_RR_LOW],
			    c->fig[EXPORT_FIG_RR_HIGH]);
		td_estimate(out, c->fig[EXPORT_FIG_RR_ADJ], c->fig[EXPORT_FIG_RR_ADJ_LOW],
			    c->fig[EXPORT_FIG_RR_ADJ_HIGH]);
		td_count(out, c->fig[EXPORT_FIG_EWA]);
		export_buf_puts(out, "</tr>\n");
	}
	export_buf_puts(out, "</tbody>\n</table>\n");
}

static void groups_table(const struct export_doc *doc, struct export_buf *out)
{
	export_buf_puts(
	    out, "<table>\n<thead><tr><th scope=\"col\">Complication group</th>"
		 "<th scope=\"col\" class=\"text\">Setting</th><th scope=\"col\">Cases</th>"
		 "<th scope=\"col\">Procedures</th><th scope=\"col\">Rate per 1,000 (95% CI)</th>"
		 "<th scope=\"col\">Rate ratio vs medical clinic (95% CI)</th></tr></thead>\n"
		 "<tbody>\n");
	for (size_t i = 0; i < doc->n_cells; i++) {
		const struct export_cell *c = &doc->cells[i];
		if (c->table != EXPORT_BY_SETTING)
			continue;
		export_buf_puts(out, "<tr>");
		th_label(out, c->key[EXPORT_KEY_GROUP]);
		export_buf_puts(out, "<td class=\"text\">");
		export_chart_escape(out, export_chart_label(c->key[EXPORT_KEY_SETTING]));
		export_buf_puts(out, "</td>");
		td_count(out, c->fig[EXPORT_FIG_EVENTS]);
		td_count(out, c->fig[EXPORT_FIG_PROCEDURES]);
		td_estimate(out, c->fig[EXPORT_FIG_RATE], c->fig[EXPORT_FIG_CI_LOW],
			    c->fig[EXPORT_FIG_CI_HIGH]);
		td_estimate(out, c->fig[EXPORT_FIG_RR], c->fig[EXPORT_FIG_RR_LOW],
			    c->fig[EXPORT_FIG_RR_HIGH]);
		export_buf_puts(out, "</tr>\n");
	}
	export_buf_puts(out, "</tbody>\n</table>\n");
}

/* Any-complication rows of a breakdown table (region or training): the
 * setting, the key, then cases, procedures and the rate. */
static void breakdown_table(const struct export_doc *doc, enum export_table t, enum export_key k,
			    const char *key_title, struct export_buf *out)
{
	export_buf_printf(out,
			  "<table>\n<thead><tr><th scope=\"col\">Setting</th><th scope=\"col\" "
			  "class=\"text\">%s</th>"
			  "<th scope=\"col\">Cases</th><th scope=\"col\">Procedures</th>"
			  "<th scope=\"col\">Rate per 1,000 (95%% CI)</th></tr></thead>\n<tbody>\n",
			  key_title);
	for (size_t i = 0; i < doc->n_cells; i++) {
		const struct export_cell *c = &doc->cells[i];
		if (!is_group(c, t, "any"))
			continue;
		const char *key = c->key[k];
		if (k == EXPORT_KEY_TRAINING)
			key = !key			 ? "Not known"
			      : strcmp(key, "true") == 0 ? "Medically trained"
							 : "Not medically trained";
		export_buf_puts(out, "<tr>");
		th_label(out, c->key[EXPORT_KEY_SETTING]);
		export_buf_puts(out, "<td class=\"text\">");
		export_chart_escape(out, key ? key : "Not known");
		export_buf_puts(out, "</td>");
		td_count(out, c->fig[EXPORT_FIG_EVENTS]);
		td_count(out, c->fig[EXPORT_FIG_PROCEDURES]);
		td_estimate(out, c->fig[EXPORT_FIG_RATE], c->fig[EXPORT_FIG_CI_LOW],
			    c->fig[EXPORT_FIG_CI_HIGH]);
		export_buf_puts(out, "</tr>\n");
	}
	export_buf_puts(out, "</tbody>\n</table>\n");
}

static void unregistered_table(const struct export_doc *doc, struct export_buf *out)
{
	size_t n = 0;
	for (size_t i = 0; i < doc->n_cells; i++)
		n += is_group(&doc->cells[i], EXPORT_UNREGISTERED, "any");
	if (n == 0) {
		export_buf_puts(out, "<p>No reports about procedures at unregistered places this "
				     "week.</p>\n");
		return;
	}
	export_buf_puts(out, "<table>\n<thead><tr><th scope=\"col\">Setting as reported</th>"
			     "<th scope=\"col\" class=\"text\">Patient&#8217;s region</th>"
			     "<th scope=\"col\">Cases with a complication</th></tr></thead>\n"
			     "<tbody>\n");
	for (size_t i = 0; i < doc->n_cells; i++) {
		const struct export_cell *c = &doc->cells[i];
		if (!is_group(c, EXPORT_UNREGISTERED, "any"))
			continue;
		export_buf_puts(out, "<tr>");
		th_label(out, c->key[EXPORT_KEY_SETTING]);
		export_buf_puts(out, "<td class=\"text\">");
		export_chart_escape(out, c->key[EXPORT_KEY_REGION] ? c->key[EXPORT_KEY_REGION]
								  : "Not known");
		export_buf_puts(out, "</td>");
		td_count(out, c->fig[EXPORT_FIG_EVENTS]);
		export_buf_puts(out, "</tr>\n");
	}
	export_buf_puts(out, "</tbody>\n</table>\n");
}

/* ---- the page ---- */

/* Screen: a centred column, charts in a grid. Print: A4, no page break
 * inside a chart or row, table headers repeated, colours kept (the settings
 * also differ by marker shape, for a monochrome printer). */
static const char style[] =
    ":root{color-scheme:light}\n"
    "body{font-family:system-ui,\"Segoe UI\",Roboto,\"Helvetica Neue\",Arial,\"DejaVu Sans\","
    "sans-serif;color:#1b1b1b;background:#fff;margin:0 auto;max-width:1120px;padding:24px;"
    "line-height:1.45}\n"
    "header{border-bottom:4px solid #0b3d5c;margin-bottom:8px}\n"
    "h1{font-size:1.65rem;margin:0 0 4px;color:#0b3d5c}\n"
    "h2{font-size:1.25rem;color:#0b3d5c;border-bottom:1px solid #c8d3db;padding-bottom:3px;"
    "margin:32px 0 10px}\n"
    "h3{font-size:1rem;margin:20px 0 6px}\n"
    ".period{font-size:1.1rem;margin:0 0 4px}\n"
    ".generated,.note{color:#555;font-size:.85rem}\n"
    "table{border-collapse:collapse;width:100%;font-size:.88rem;"
    "font-variant-numeric:tabular-nums;margin:8px 0 4px}\n"
    "th,td{padding:4px 8px;border-bottom:1px solid #dde3e8;text-align:right;"
    "vertical-align:top}\n"
    "th[scope=row],td.text,th.text,thead th:first-child{text-align:left}\n"
    "thead th{background:#eef3f6;vertical-align:bottom;font-weight:600}\n"
    "table.headline{font-size:.95rem}\n"
    ".ci{color:#555;white-space:nowrap}\n"
    ".sup{color:#6b6b6b;font-style:italic}\n"
    ".charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(440px,1fr));"
    "gap:16px 28px}\n"
    "figure{margin:0;break-inside:avoid;page-break-inside:avoid}\n"
    "figcaption{font-weight:600;font-size:.92rem;margin-bottom:2px}\n"
    "svg{display:block;width:100%;height:auto;overflow:visible}\n"
    "svg text{font-family:inherit;font-size:11px;fill:#333}\n"
    "svg .label{font-size:12px;fill:#1b1b1b}\n"
    "svg .value{fill:#444;font-variant-numeric:tabular-nums}\n"
    "svg .muted{fill:#777;font-style:italic}\n"
    "svg .grid{stroke:#e3e7ea;stroke-width:1}\n"
    "svg .axis{stroke:#888;stroke-width:1}\n"
    "svg .whisker{stroke-width:2;fill:none}\n"
    "svg .trend{stroke-width:2;fill:none}\n"
    "svg .band{stroke:none;opacity:.18}\n"
    ".legend{display:flex;flex-wrap:wrap;gap:4px 18px;margin:6px 0 10px;font-size:.88rem}\n"
    ".legend span{display:inline-flex;align-items:center;gap:6px}\n"
    ".legend svg{width:14px;height:14px;display:inline}\n" EXPORT_SVG_COLOURS
    "ul.methods li{margin-bottom:4px}\n"
    "@media print{\n"
    "@page{size:A4;margin:14mm}\n"
    "body{max-width:none;padding:0;font-size:9.5pt}\n"
    "*{-webkit-print-color-adjust:exact;print-color-adjust:exact}\n"
    "h2{break-after:avoid;page-break-after:avoid}\n"
    "tr,figure,.legend{break-inside:avoid;page-break-inside:avoid}\n"
    "thead{display:table-header-group}\n"
    ".charts{grid-template-columns:1fr 1fr;gap:10px 16px}\n"
    "#pih .charts,#trend .charts{grid-template-columns:1fr 1fr}\n"
    "}\n";

static const char *const month_names[] = {"January",   "February", "March",    "April",
					  "May",       "June",	   "July",     "August",
					  "September", "October",  "November", "December"};

/* "2026-11-16" as "16 November 2026". */
static void long_date(const char *iso, char *out, size_t outlen)
{
	int y = 0, m = 0, d = 0;
	if (sscanf(iso, "%4d-%2d-%2d", &y, &m, &d) != 3 || m < 1 || m > 12) {
		snprintf(out, outlen, "%s", iso);
		return;
	}
	snprintf(out, outlen, "%d %s %d", d, month_names[m - 1], y);
}

static void page_header(const struct export_doc *doc, struct export_buf *out)
{
	char from[40], to[40], when[32];
	long_date(doc->week_start, from, sizeof(from));
	long_date(doc->week_end, to, sizeof(to));
	/* "2026-11-23T06:00:01Z" read as "2026-11-23 06:00:01 UTC" */
	snprintf(when, sizeof(when), "%.10s %.8s UTC", doc->generated_at,
		 strlen(doc->generated_at) > 11 ? doc->generated_at + 11 : "");
	export_buf_puts(
	    out, "<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n"
		 "<meta charset=\"utf-8\"/>\n"
		 "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
		 "<title>Needlewatch weekly statistics ");
	export_chart_escape(out, doc->week_text);
	export_buf_puts(out, "</title>\n<style>\n");
	export_buf_puts(out, style);
	export_buf_puts(out, "</style>\n</head>\n<body>\n<header>\n"
			     "<h1>Complications after microneedling: weekly statistics</h1>\n"
			     "<p class=\"period\">ISO week <strong>");
	export_chart_escape(out, doc->week_text);
	export_buf_printf(out, "</strong>: Monday %s to Sunday %s (Europe/London)</p>\n", from, to);
	export_buf_puts(out,
			"<p class=\"generated\">Generated <time id=\"generated_at\" datetime=\"");
	export_chart_escape(out, doc->generated_at);
	export_buf_puts(out, "\">");
	export_chart_escape(out, when);
	export_buf_puts(out, "</time> by Needlewatch ");
	export_chart_escape(out, doc->software_version);
	export_buf_puts(out, ".</p>\n</header>\n<main>\n");
}

static long long cell_count(const struct export_cell *c, enum export_fig f)
{
	double d;
	return export_chart_figure(c->fig[f], &d) ? llround(d) : 0;
}

/* One setting's coverage in words: "Salons: 3 of 5 active premises reported
 * activity; 1 sent only reports; 1 was silent (sent nothing for the week);
 * 1 was left out as implausible (more cases than procedures)." */
static void setting_coverage(const struct export_cell *c, struct export_buf *out)
{
	long long active = cell_count(c, EXPORT_FIG_PREMISES_ACTIVE);
	long long reporting = cell_count(c, EXPORT_FIG_PREMISES);
	long long silent = cell_count(c, EXPORT_FIG_PREMISES_SILENT);
	long long implausible = cell_count(c, EXPORT_FIG_PREMISES_IMPLAUSIBLE);
	long long reports_only = active - reporting - silent - implausible;

	export_buf_puts(out, "<li>");
	export_chart_escape(out, export_chart_label(c->key[EXPORT_KEY_SETTING]));
	export_buf_printf(out, ": %lld of %lld active premises reported activity", reporting,
			  active);
	if (reports_only > 0)
		export_buf_printf(out, "; %lld sent reports but no activity", reports_only);
	export_buf_printf(out, "; %lld %s silent (sent nothing for the week)", silent,
			  silent == 1 ? "was" : "were");
	if (implausible > 0) {
		export_buf_printf(out, "; %lld %s left out as implausible (", implausible,
				  implausible == 1 ? "was" : "were");
		export_chart_escape(out, c->fig[EXPORT_FIG_PLAUSIBILITY]
					    ? c->fig[EXPORT_FIG_PLAUSIBILITY]
					    : "see the methods");
		export_buf_puts(out, ")");
	}
	export_buf_puts(out, ".</li>\n");
}

static void coverage_note(const struct export_doc *doc, struct export_buf *out)
{
	long long premises = 0, procedures = 0, active = 0, implausible = 0;
	char a[32], b[32], c_active[32];
	for (size_t i = 0; i < doc->n_cells; i++) {
		const struct export_cell *c = &doc->cells[i];
		if (!is_group(c, EXPORT_BY_SETTING, "any"))
			continue;
		premises += cell_count(c, EXPORT_FIG_PREMISES);
		procedures += cell_count(c, EXPORT_FIG_PROCEDURES);
		active += cell_count(c, EXPORT_FIG_PREMISES_ACTIVE);
		implausible += cell_count(c, EXPORT_FIG_PREMISES_IMPLAUSIBLE);
	}
	export_chart_format_count(premises, a, sizeof(a));
	export_chart_format_count(procedures, b, sizeof(b));
	export_chart_format_count(active, c_active, sizeof(c_active));
	export_buf_printf(
	    out,
	    "<p class=\"note\" id=\"coverage\">Coverage: %s of %s registered, active premises "
	    "reported %s procedures for this week. A premises that reported activity and no "
	    "complication said it had none; a premises that sent neither activity nor reports "
	    "is silent, not zero. Cases from premises that reported no activity have no "
	    "denominator; they are counted under &#8220;Cases without activity&#8221; and left "
	    "out of the rates.",
	    a, c_active, b);
	if (implausible > 0)
		export_buf_printf(out,
				  " %lld premises-week%s with more cases than procedures, or an "
				  "implausible rate, %s left out of the rates until corrected.",
				  implausible, implausible == 1 ? "" : "s",
				  implausible == 1 ? "was" : "were");
	export_buf_puts(out, "</p>\n<ul class=\"coverage\">\n");
	for (size_t i = 0; i < doc->n_cells; i++)
		if (is_group(&doc->cells[i], EXPORT_BY_SETTING, "any"))
			setting_coverage(&doc->cells[i], out);
	export_buf_puts(out, "</ul>\n");
}

static void methods_section(const struct export_doc *doc, struct export_buf *out)
{
	export_buf_printf(
	    out,
	    "<section id=\"methods\">\n<h2>Methods and disclosure control</h2>\n"
	    "<ul class=\"methods\">\n"
	    "<li><strong>Cases</strong> are reports (the latest version of each) with at least one "
	    "complication of the group, for procedures done in the week at a registered premises "
	    "of the setting that reported its activity for the week. Expected reactions "
	    "(transient redness, swelling, pinpoint bleeding) are not complications.</li>\n"
	    "<li><strong>Rate per 1,000</strong> is 1,000 &#215; cases / procedures. Its 95%% "
	    "confidence interval is exact (Clopper&#8211;Pearson) below 5 cases and Wilson score "
	    "from 5.</li>\n"
	    "<li><strong>Rate ratio</strong> is a setting&#8217;s rate divided by the medical "
	    "clinics&#8217; rate, with a 95%% interval on the log scale (0.5 added to both counts "
	    "where one is 0). The <strong>adjusted</strong> ratio is Mantel&#8211;Haenszel over "
	    "Fitzpatrick skin types, where activity was reported by skin type.</li>\n"
	    "<li><strong>Small numbers:</strong> counts from 1 to %d, and counts that would let "
	    "one "
	    "be worked out from a total or its neighbours, are shown as <em>suppressed</em>, as "
	    "are "
	    "the rates and intervals computed from them.</li>\n"
	    "<li>Reports about procedures at unregistered places have no denominator: they are "
	    "counted, never turned into rates.</li>\n"
	    "<li><strong>Plausibility:</strong> a premises whose cases for the week exceed its "
	    "procedures, that reported 0 procedures but has cases, or whose rate is implausibly "
	    "high, is left out of the rates (its cases and its procedures) until the figures are "
	    "corrected or confirmed; the coverage line above counts such premises.</li>\n"
	    "<li>The same figures, unrounded, are in the CSV and JSON files of this week.</li>\n"
	    "</ul>\n</section>\n",
	    doc->suppression_threshold - 1);
}

void export_render_html(const struct export_doc *doc, struct export_buf *out)
{
	page_header(doc, out);
	export_buf_puts(out, "<section id=\"summary\">\n<h2>Headline figures</h2>\n");
	headline_table(doc, out);
	coverage_note(doc, out);
	export_buf_puts(out, "</section>\n");

	export_buf_puts(out, "<section id=\"rates\">\n<h2>Rate per 1,000 procedures by setting, "
			     "with 95% confidence intervals</h2>\n");
	export_svg_rates(doc, out);
	export_buf_puts(out, "</section>\n<section id=\"trend\">\n<h2>Twelve-week trend: any "
			     "complication, per 1,000 procedures</h2>\n");
	export_svg_trend(doc, out);
	export_buf_puts(out, "</section>\n<section id=\"pih\">\n<h2>Post-inflammatory "
			     "hyperpigmentation by Fitzpatrick skin type</h2>\n");
	export_svg_pih(doc, out);
	export_buf_puts(out, "</section>\n");

	export_buf_puts(out, "<section id=\"detail\">\n<h2>All complication groups</h2>\n");
	groups_table(doc, out);
	export_buf_puts(out, "<h3>By region of the premises (any complication)</h3>\n");
	breakdown_table(doc, EXPORT_BY_REGION, EXPORT_KEY_REGION, "Region", out);
	export_buf_puts(out, "<h3>By practitioner training (any complication)</h3>\n");
	breakdown_table(doc, EXPORT_BY_TRAINING, EXPORT_KEY_TRAINING, "Practitioner", out);
	export_buf_puts(out, "<h3>Unregistered places</h3>\n");
	unregistered_table(doc, out);
	export_buf_puts(out, "</section>\n");
	methods_section(doc, out);
	export_buf_puts(out, "</main>\n</body>\n</html>\n");
}
