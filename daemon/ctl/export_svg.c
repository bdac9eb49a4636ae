/* The report page's charts: dot-and-whisker panels, trend lines, the PIH
 * chart. Coordinates are printed with one decimal, so the same figures
 * always give the same bytes. */
#include "export_svg.h"
#include "export_chart.h"
#include "codes.h"

#include <stdio.h>
#include <string.h>

#define N_STYLES (CODES_N_SETTINGS + 1) /* the settings, and one for anything else */
_Static_assert(N_STYLES == 6, "marker() draws one shape per setting and one for the rest");

static int style_of(const char *setting)
{
	int r = codes_rank(codes_settings, setting);
	return r >= 0 && r < N_STYLES - 1 ? r : N_STYLES - 1;
}

/* One shape per setting: circle, square, triangle, diamond, inverted
 * triangle, and a small circle for anything else. */
static void marker(struct export_buf *out, int style, double x, double y)
{
	switch (style) {
	case 0:
		export_buf_printf(
		    out, "<circle class=\"mk f0\" cx=\"%.1f\" cy=\"%.1f\" r=\"5.5\"/>", x, y);
		break;
	case 1:
		export_buf_printf(out,
				  "<rect class=\"mk f1\" x=\"%.1f\" y=\"%.1f\" width=\"10\" "
				  "height=\"10\"/>",
				  x - 5, y - 5);
		break;
	case 2:
		export_buf_printf(out,
				  "<path class=\"mk f2\" d=\"M%.1f %.1fL%.1f %.1fL%.1f %.1fZ\"/>",
				  x, y - 6.5, x + 6, y + 4.5, x - 6, y + 4.5);
		break;
	case 3:
		export_buf_printf(out,
				  "<path class=\"mk f3\" d=\"M%.1f %.1fL%.1f %.1fL%.1f %.1fL%.1f "
				  "%.1fZ\"/>",
				  x, y - 7, x + 7, y, x, y + 7, x - 7, y);
		break;
	case 4:
		export_buf_printf(out,
				  "<path class=\"mk f4\" d=\"M%.1f %.1fL%.1f %.1fL%.1f %.1fZ\"/>",
				  x, y + 6.5, x + 6, y - 4.5, x - 6, y - 4.5);
		break;
	default:
		export_buf_printf(out, "<circle class=\"mk f5\" cx=\"%.1f\" cy=\"%.1f\" r=\"4\"/>",
				  x, y);
	}
}

/* The settings' key, for the settings in mask (bit = style). */
static void legend(struct export_buf *out, unsigned mask)
{
	export_buf_puts(out, "<div class=\"legend\">");
	for (int s = 0; s < N_STYLES; s++) {
		if (!(mask & (1u << s)))
			continue;
		export_buf_puts(out, "<span><svg viewBox=\"0 0 16 16\" aria-hidden=\"true\">");
		marker(out, s, 8, 8);
		export_buf_puts(out, "</svg>");
		export_chart_escape(out, s < CODES_N_SETTINGS ? export_chart_label(codes_settings[s])
							     : "Other");
		export_buf_puts(out, "</span>");
	}
	export_buf_puts(out, "</div>\n");
}

static void svg_open(struct export_buf *out, int width, double height, const char *title)
{
	export_buf_printf(out,
			  "<svg viewBox=\"0 0 %d %.0f\" width=\"%d\" height=\"%.0f\" role=\"img\" "
			  "aria-label=\"",
			  width, height, width, height);
	export_chart_escape(out, title);
	export_buf_puts(out, "\">\n");
}

/* The largest estimate and upper bound a chart shows; suppressed figures
 * are not drawn, so they do not count. */
struct extent {
	double rate;
	double high;
};

static void extent_add(struct extent *e, const char *rate, const char *high)
{
	double v;
	if (!export_chart_figure(rate, &v))
		return;
	if (v > e->rate)
		e->rate = v;
	if (v > e->high)
		e->high = v;
	if (export_chart_figure(high, &v) && v > e->high)
		e->high = v;
}

static struct export_axis extent_axis(const struct extent *e)
{
	return export_chart_axis_for(e->rate, e->high);
}

#define RANGE_LEN 128

/* "12.0 (5.51-25.9)": a figure and its interval, for a chart label. */
static void text_range(const char *v, const char *lo, const char *hi, char out[RANGE_LEN])
{
	const size_t n = RANGE_LEN;
	double d, l, h;
	char a[32], b[32], c[32];
	out[0] = '\0';
	if (!export_chart_figure(v, &d))
		return;
	export_chart_format_rate(d, a, sizeof(a));
	if (!export_chart_figure(lo, &l) || !export_chart_figure(hi, &h)) {
		snprintf(out, n, "%s", a);
		return;
	}
	export_chart_format_rate(l, b, sizeof(b));
	export_chart_format_rate(h, c, sizeof(c));
	snprintf(out, n, "%s (%s\xe2\x80\x93%s)", a, b, c);
}

/* ---- rates by setting: one panel per complication group ---- */

#define RP_WIDTH 480
#define RP_X0 160.0 /* plot area, left: the value 0 */
#define RP_X1 350.0
#define RP_ROW 26.0
#define RP_TOP 6.0
#define RP_AXIS 24.0

static void rates_axis(struct export_buf *out, const struct export_axis *a, double bottom)
{
	char label[32];
	for (int t = 0; t <= a->ticks; t++) {
		double v = t * a->step;
		double x = export_chart_scale(a, v, RP_X0, RP_X1);
		export_chart_format_tick(a, v, label, sizeof(label));
		export_buf_printf(
		    out,
		    "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
		    "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n",
		    x, RP_TOP, x, bottom, x, bottom + 15, label);
	}
	export_buf_printf(
	    out, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", RP_X0,
	    bottom, RP_X1, bottom);
}

/* A horizontal whisker with caps; past the axis it ends in an arrow. */
static void hwhisker(struct export_buf *out, const struct export_axis *a, int style, double y,
		     double lo, double hi)
{
	double x0 = export_chart_scale(a, lo, RP_X0, RP_X1);
	double x1 = export_chart_scale(a, hi, RP_X0, RP_X1);
	export_buf_printf(out, "<path class=\"whisker s%d\" d=\"M%.1f %.1fV%.1fM%.1f %.1fH%.1f",
			  style, x0, y - 5, y + 5, x0, y, x1);
	if (hi > a->max)
		export_buf_printf(out, "M%.1f %.1fL%.1f %.1fL%.1f %.1f\"/>", x1 - 6, y - 5, x1, y,
				  x1 - 6, y + 5);
	else
		export_buf_printf(out, "M%.1f %.1fV%.1f\"/>", x1, y - 5, y + 5);
}

static void rates_row(struct export_buf *out, const struct export_cell *c,
		      const struct export_axis *a, double y)
{
	const char *rate = c->fig[EXPORT_FIG_RATE];
	int s = style_of(c->key[EXPORT_KEY_SETTING]);
	double v, lo, hi;
	char text[RANGE_LEN];

	export_buf_printf(out, "<g><text class=\"label\" x=\"4\" y=\"%.1f\">", y + 4);
	export_chart_escape(out, export_chart_label(c->key[EXPORT_KEY_SETTING]));
	export_buf_puts(out, "</text>");
	if (export_chart_suppressed(rate) || !export_chart_figure(rate, &v)) {
		export_buf_printf(out,
				  "<text class=\"muted\" x=\"%.1f\" y=\"%.1f\">%s</text></g>\n",
				  RP_X0 + 4, y + 4,
				  export_chart_suppressed(rate) ? "suppressed (small numbers)"
							       : "no activity reported");
		return;
	}
	if (export_chart_figure(c->fig[EXPORT_FIG_CI_LOW], &lo) &&
	    export_chart_figure(c->fig[EXPORT_FIG_CI_HIGH], &hi))
		hwhisker(out, a, s, y, lo, hi);
	marker(out, s, export_chart_scale(a, v, RP_X0, RP_X1), y);
	text_range(rate, c->fig[EXPORT_FIG_CI_LOW], c->fig[EXPORT_FIG_CI_HIGH], text);
	export_buf_printf(out,
			  "<text class=\"value\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>"
			  "</g>\n",
			  RP_WIDTH - 2, y + 4, text);
}

/* cells[0..n) are one group's rows of rates_week_setting. */
static void rates_panel(struct export_buf *out, const struct export_cell *cells, size_t n)
{
	struct extent e = {0, 0};
	for (size_t i = 0; i < n; i++)
		extent_add(&e, cells[i].fig[EXPORT_FIG_RATE], cells[i].fig[EXPORT_FIG_CI_HIGH]);
	struct export_axis a = extent_axis(&e);
	double bottom = RP_TOP + RP_ROW * (double)n;
	const char *group = export_chart_label(cells[0].key[EXPORT_KEY_GROUP]);

	export_buf_puts(out, "<figure>\n<figcaption>");
	export_chart_escape(out, group);
	export_buf_puts(out, "</figcaption>\n");
	svg_open(out, RP_WIDTH, bottom + RP_AXIS, group);
	rates_axis(out, &a, bottom);
	for (size_t i = 0; i < n; i++)
		rates_row(out, &cells[i], &a, RP_TOP + RP_ROW * ((double)i + 0.5));
	export_buf_puts(out, "</svg>\n</figure>\n");
}

static bool same_group(const struct export_cell *a, const struct export_cell *b)
{
	const char *x = a->key[EXPORT_KEY_GROUP], *y = b->key[EXPORT_KEY_GROUP];
	return a->table == b->table && x && y && strcmp(x, y) == 0;
}

void export_svg_rates(const struct export_doc *doc, struct export_buf *out)
{
	unsigned mask = 0;
	size_t first = doc->n_cells, end = doc->n_cells;
	for (size_t i = 0; i < doc->n_cells; i++) {
		if (doc->cells[i].table != EXPORT_BY_SETTING)
			continue;
		if (first == doc->n_cells)
			first = i;
		end = i + 1;
		mask |= 1u << style_of(doc->cells[i].key[EXPORT_KEY_SETTING]);
	}
	if (first == doc->n_cells) {
		export_buf_puts(out, "<p>No activity and no cases at registered premises were "
				     "reported for this week.</p>\n");
		return;
	}
	legend(out, mask);
	export_buf_puts(out, "<div class=\"charts\">\n");
	for (size_t i = first; i < end;) {
		size_t j = i + 1;
		while (j < end && same_group(&doc->cells[i], &doc->cells[j]))
			j++;
		rates_panel(out, &doc->cells[i], j - i);
		i = j;
	}
	export_buf_puts(out, "</div>\n<p class=\"note\">Each panel has its own scale. Whiskers "
			     "show the 95% confidence interval.</p>\n");
}

/* ---- vertical axes: the trend and PIH charts ---- */

struct vplot {
	double x0, x1;	    /* plot area, left and right */
	double top, bottom; /* y of the axis maximum and of 0 */
	struct export_axis a;
};

static double vy(const struct vplot *p, double v)
{
	return export_chart_scale(&p->a, v, p->bottom, p->top);
}

static void vaxis(struct export_buf *out, const struct vplot *p)
{
	char label[32];
	for (int t = 0; t <= p->a.ticks; t++) {
		double v = t * p->a.step, y = vy(p, v);
		export_chart_format_tick(&p->a, v, label, sizeof(label));
		export_buf_printf(
		    out,
		    "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
		    "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
		    p->x0, y, p->x1, y, p->x0 - 6, y + 4, label);
	}
	export_buf_printf(
	    out, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", p->x0,
	    p->bottom, p->x1, p->bottom);
}

/* A vertical whisker with caps from lo to hi at x; past the axis it ends
 * in an arrow. */
static void vwhisker(struct export_buf *out, const struct vplot *p, int style, double x, double lo,
		     double hi)
{
	double y0 = vy(p, lo), y1 = vy(p, hi);
	export_buf_printf(out, "<path class=\"whisker s%d\" d=\"M%.1f %.1fH%.1fM%.1f %.1fV%.1f",
			  style, x - 4, y0, x + 4, x, y0, y1);
	if (hi > p->a.max)
		export_buf_printf(out, "M%.1f %.1fL%.1f %.1fL%.1f %.1f\"/>", x - 5, y1 + 6, x, y1,
				  x + 5, y1 + 6);
	else
		export_buf_printf(out, "M%.1f %.1fH%.1f\"/>", x - 4, y1, x + 4);
}

/* ---- the trend: one panel per setting ---- */

#define TP_WIDTH 480
#define TP_HEIGHT 200

static double trend_x(const struct vplot *p, int index)
{
	return p->x0 + ((double)index + 0.5) * (p->x1 - p->x0) / EXPORT_TREND_WEEKS;
}

static void trend_week_labels(const struct export_doc *doc, const struct vplot *p,
			      struct export_buf *out)
{
	for (int i = 0; i < EXPORT_TREND_WEEKS; i++) {
		/* "W47" (and the year under the first week and under W01). */
		const char *w = doc->trend_weeks[i];
		export_buf_printf(out,
				  "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>",
				  trend_x(p, i), p->bottom + 15, strlen(w) > 5 ? w + 5 : w);
		if (i == 0 || strcmp(w + 5, "W01") == 0)
			export_buf_printf(
			    out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.4s</text>",
			    trend_x(p, i), p->bottom + 28, w);
	}
	export_buf_puts(out, "\n");
}

/* The band, line and points of one setting's points pts[0..n) (ordered by
 * index; missing weeks simply have no point). Lines and bands join only
 * consecutive weeks: a gap stays a gap. */
static void trend_series(struct export_buf *out, const struct vplot *p, int s,
			 const struct export_trend_point *pts, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++) {
		const struct export_trend_point *a = &pts[i], *b = &pts[i + 1];
		double ra, rb, la, lb, ha, hb;
		if (b->index != a->index + 1 || !export_chart_figure(a->rate, &ra) ||
		    !export_chart_figure(b->rate, &rb))
			continue;
		double xa = trend_x(p, a->index), xb = trend_x(p, b->index);
		if (export_chart_figure(a->ci_low, &la) && export_chart_figure(b->ci_low, &lb) &&
		    export_chart_figure(a->ci_high, &ha) && export_chart_figure(b->ci_high, &hb))
			export_buf_printf(out,
					  "<path class=\"band f%d\" d=\"M%.1f %.1fL%.1f %.1fL%.1f "
					  "%.1fL%.1f %.1fZ\"/>",
					  s, xa, vy(p, ha), xb, vy(p, hb), xb, vy(p, lb), xa,
					  vy(p, la));
		export_buf_printf(out, "<path class=\"trend s%d\" d=\"M%.1f %.1fL%.1f %.1f\"/>\n",
				  s, xa, vy(p, ra), xb, vy(p, rb));
	}
	for (size_t i = 0; i < n; i++) {
		double r, x = trend_x(p, pts[i].index);
		if (export_chart_suppressed(pts[i].rate))
			export_buf_printf(out,
					  "<text class=\"muted\" x=\"%.1f\" y=\"%.1f\" "
					  "text-anchor=\"middle\">s</text>",
					  x, p->bottom - 5);
		else if (export_chart_figure(pts[i].rate, &r))
			marker(out, s, x, vy(p, r));
	}
	export_buf_puts(out, "\n");
}

static void trend_panel(const struct export_doc *doc, const struct export_trend_point *pts,
			size_t n, struct export_buf *out)
{
	struct vplot p = {.x0 = 46, .x1 = TP_WIDTH - 6, .top = 10, .bottom = TP_HEIGHT - 36};
	struct extent e = {0, 0};
	for (size_t i = 0; i < n; i++)
		extent_add(&e, pts[i].rate, pts[i].ci_high);
	p.a = extent_axis(&e);
	const char *name = export_chart_label(pts[0].setting);

	export_buf_puts(out, "<figure>\n<figcaption>");
	export_chart_escape(out, name);
	export_buf_puts(out, "</figcaption>\n");
	svg_open(out, TP_WIDTH, TP_HEIGHT, name);
	vaxis(out, &p);
	trend_week_labels(doc, &p, out);
	trend_series(out, &p, style_of(pts[0].setting), pts, n);
	export_buf_puts(out, "</svg>\n</figure>\n");
}

void export_svg_trend(const struct export_doc *doc, struct export_buf *out)
{
	unsigned mask = 0;
	for (size_t i = 0; i < doc->n_trend; i++)
		mask |= 1u << style_of(doc->trend[i].setting);
	if (!doc->n_trend) {
		export_buf_puts(out, "<p>No activity was reported in these twelve weeks.</p>\n");
		return;
	}
	legend(out, mask);
	export_buf_puts(out, "<div class=\"charts\">\n");
	/* Points come grouped by setting, ordered by week within each. */
	for (size_t i = 0; i < doc->n_trend;) {
		size_t j = i + 1;
		while (j < doc->n_trend && doc->trend[j].setting && doc->trend[i].setting &&
		       strcmp(doc->trend[j].setting, doc->trend[i].setting) == 0)
			j++;
		trend_panel(doc, &doc->trend[i], j - i, out);
		i = j;
	}
	export_buf_puts(out, "</div>\n<p class=\"note\">Shaded: 95% confidence interval. "
			     "<em>s</em>: suppressed (small numbers). No mark: no activity "
			     "reported that week. Each panel has its own scale.</p>\n");
}

/* ---- PIH by Fitzpatrick type ---- */

#define PP_WIDTH 960
#define PP_HEIGHT 300
#define FITZ_TYPES 6

static bool is_pih(const struct export_cell *c)
{
	const char *g = c->key[EXPORT_KEY_GROUP];
	return c->table == EXPORT_BY_FITZPATRICK && g && strcmp(g, "pigmentation") == 0 &&
	       c->key[EXPORT_KEY_FITZPATRICK];
}

/* The x of setting s (its rank among the nset settings shown) in type t (1..6). */
static double pih_x(const struct vplot *p, int t, int rank, int nset)
{
	double cw = (p->x1 - p->x0) / FITZ_TYPES;
	double gap = cw / (nset + 1) < 28 ? cw / (nset + 1) : 28;
	return p->x0 + cw * (t - 0.5) + gap * (rank - (nset - 1) / 2.0);
}

static void pih_point(struct export_buf *out, const struct vplot *p, const struct export_cell *c,
		      int rank, int nset)
{
	int t = c->key[EXPORT_KEY_FITZPATRICK][0] - '0';
	int s = style_of(c->key[EXPORT_KEY_SETTING]);
	double v, lo, hi, x;
	if (t < 1 || t > FITZ_TYPES)
		return;
	x = pih_x(p, t, rank, nset);
	if (export_chart_suppressed(c->fig[EXPORT_FIG_RATE])) {
		export_buf_printf(out,
				  "<text class=\"muted\" x=\"%.1f\" y=\"%.1f\" "
				  "text-anchor=\"middle\">s</text>",
				  x, p->bottom - 5);
		return;
	}
	if (!export_chart_figure(c->fig[EXPORT_FIG_RATE], &v))
		return;
	if (export_chart_figure(c->fig[EXPORT_FIG_CI_LOW], &lo) &&
	    export_chart_figure(c->fig[EXPORT_FIG_CI_HIGH], &hi))
		vwhisker(out, p, s, x, lo, hi);
	marker(out, s, x, vy(p, v));
}

void export_svg_pih(const struct export_doc *doc, struct export_buf *out)
{
	static const char *const roman[FITZ_TYPES] = {"I", "II", "III", "IV", "V", "VI"};
	struct vplot p = {.x0 = 56, .x1 = PP_WIDTH - 8, .top = 12, .bottom = PP_HEIGHT - 40};
	unsigned mask = 0;
	struct extent e = {0, 0};
	for (size_t i = 0; i < doc->n_cells; i++) {
		const struct export_cell *c = &doc->cells[i];
		if (!is_pih(c))
			continue;
		mask |= 1u << style_of(c->key[EXPORT_KEY_SETTING]);
		extent_add(&e, c->fig[EXPORT_FIG_RATE], c->fig[EXPORT_FIG_CI_HIGH]);
	}
	if (!mask) {
		export_buf_puts(out,
				"<p>No activity was reported by Fitzpatrick skin type for this "
				"week.</p>\n");
		return;
	}
	p.a = extent_axis(&e);
	int nset = __builtin_popcount(mask);
	legend(out, mask);
	export_buf_puts(out, "<figure>\n<figcaption>Pigmentation (PIH) per 1,000 procedures, by "
			     "skin type</figcaption>\n");
	svg_open(out, PP_WIDTH, PP_HEIGHT, "PIH rate per 1,000 procedures by Fitzpatrick type");
	vaxis(out, &p);
	for (int t = 1; t <= FITZ_TYPES; t++)
		export_buf_printf(out,
				  "<text class=\"label\" x=\"%.1f\" y=\"%.1f\" "
				  "text-anchor=\"middle\">Type %s</text>",
				  p.x0 + (p.x1 - p.x0) / FITZ_TYPES * (t - 0.5), p.bottom + 18,
				  roman[t - 1]);
	export_buf_puts(out, "\n");
	for (size_t i = 0; i < doc->n_cells; i++) {
		const struct export_cell *c = &doc->cells[i];
		if (!is_pih(c))
			continue;
		int s = style_of(c->key[EXPORT_KEY_SETTING]);
		int rank = __builtin_popcount(mask & ((1u << s) - 1));
		pih_point(out, &p, c, rank, nset);
	}
	export_buf_puts(out, "\n</svg>\n</figure>\n<p class=\"note\">Whiskers: 95% confidence "
			     "interval. <em>s</em>: suppressed (small numbers). Only activity "
			     "reported by skin type gives a denominator.</p>\n");
}
