/* Tests for daemon/ctl/export_html.c and export_svg.c: escaping, axes and
 * scales, number formats, and a rendered page that is self-contained, shows
 * suppressed figures as such and draws a whisker where an interval exists. */
#include <math.h>

#include "helpers.h"

#include "../../daemon/ctl/export_chart.h"
#include "../../daemon/ctl/export_html.h"

static void test_escape_markup_characters(void **state)
{
	(void)state;
	struct export_buf b = {0};
	export_chart_escape(&b, "<a href=\"x\">Tom & Jerry's</a>");
	assert_string_equal(b.data, "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;");
	export_buf_free(&b);
	export_chart_escape(&b, NULL);
	export_chart_escape(&b, "Yorkshire and The Humber");
	assert_string_equal(b.data, "Yorkshire and The Humber");
	export_buf_free(&b);
}

static void assert_axis(double data, double max, double step, int ticks)
{
	struct export_axis a = export_chart_axis(data);
	assert_float_equal(a.max, max, 1e-9);
	assert_float_equal(a.step, step, 1e-9);
	assert_int_equal(a.ticks, ticks);
}

static void test_axis_is_nice_and_covers_the_data(void **state)
{
	(void)state;
	assert_axis(0, 1, 0.25, 4);
	assert_axis(-3, 1, 0.25, 4);
	assert_axis(NAN, 1, 0.25, 4);
	assert_axis(54.48, 60, 20, 3);
	assert_axis(240, 250, 50, 5);
	assert_axis(100, 100, 20, 5);
	assert_axis(18.275, 20, 5, 4);
	assert_axis(7.8, 8, 2, 4);
	assert_axis(0.013, 0.015, 0.005, 3);
	for (double v = 0.001; v < 1e6; v *= 1.37) {
		struct export_axis a = export_chart_axis(v);
		assert_true(a.max >= v);
		assert_true(a.max < v * 2.6);
		assert_true(a.ticks >= 1 && a.ticks <= 5);
	}
}

static void test_axis_for_caps_wide_intervals(void **state)
{
	(void)state;
	/* One wide interval around a small count must not squash the rest. */
	struct export_axis a = export_chart_axis_for(3.125, 18.3);
	assert_float_equal(a.max, 8, 1e-9);
	/* An interval within 2.5 times the estimates is shown whole. */
	a = export_chart_axis_for(38.75, 54.5);
	assert_float_equal(a.max, 60, 1e-9);
	/* Nothing but zero estimates: the intervals set the scale. */
	a = export_chart_axis_for(0, 18.3);
	assert_float_equal(a.max, 20, 1e-9);
}

static void test_scale_maps_and_clamps(void **state)
{
	(void)state;
	struct export_axis a = export_chart_axis(40);
	assert_float_equal(export_chart_scale(&a, 0, 100, 300), 100, 1e-9);
	assert_float_equal(export_chart_scale(&a, 20, 100, 300), 200, 1e-9);
	assert_float_equal(export_chart_scale(&a, 40, 100, 300), 300, 1e-9);
	assert_float_equal(export_chart_scale(&a, 400, 100, 300), 300, 1e-9);
	assert_float_equal(export_chart_scale(&a, -5, 100, 300), 100, 1e-9);
	/* upside down, as a vertical axis is drawn */
	assert_float_equal(export_chart_scale(&a, 10, 250, 50), 200, 1e-9);
}

static void test_number_formats(void **state)
{
	static const struct {
		double v;
		const char *want;
	} rates[] = {{0.4713, "0.47"}, {12.04, "12.0"}, {249.6, "250"}};
	static const struct {
		long long v;
		const char *want;
	} counts[] = {{1234567, "1,234,567"}, {999, "999"}, {0, "0"}};
	char s[32], name[48];
	(void)state;
	for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		snprintf(name, sizeof(name), "rate %g", rates[i].v);
		export_chart_format_rate(rates[i].v, s, sizeof(s));
		th_assert_case_string(name, s, rates[i].want);
	}
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		snprintf(name, sizeof(name), "count %lld", counts[i].v);
		export_chart_format_count(counts[i].v, s, sizeof(s));
		th_assert_case_string(name, s, counts[i].want);
	}
	struct export_axis a = export_chart_axis(7.8);
	export_chart_format_tick(&a, 4, s, sizeof(s));
	assert_string_equal(s, "4");
	a = export_chart_axis(11); /* steps of 2.5 */
	export_chart_format_tick(&a, 7.5, s, sizeof(s));
	assert_string_equal(s, "7.5");
}

static struct export_cell cells[3];
static struct export_trend_point trend[3];
static struct export_doc doc;

static void sample_doc(void)
{
	memset(cells, 0, sizeof(cells));
	for (int i = 0; i < 3; i++) {
		cells[i].table = i < 2 ? EXPORT_BY_SETTING : EXPORT_BY_FITZPATRICK;
		cells[i].key[EXPORT_KEY_GROUP] = i < 2 ? "any" : "pigmentation";
		cells[i].fig[EXPORT_FIG_PROCEDURES] = "500";
		cells[i].fig[EXPORT_FIG_PREMISES] = "2";
		cells[i].fig[EXPORT_FIG_EWA] = "0";
	}
	cells[0].key[EXPORT_KEY_SETTING] = "medical_clinic";
	cells[0].fig[EXPORT_FIG_EVENTS] = "6";
	cells[0].fig[EXPORT_FIG_RATE] = "12";
	cells[0].fig[EXPORT_FIG_CI_LOW] = "5.511";
	cells[0].fig[EXPORT_FIG_CI_HIGH] = "25.93";
	cells[1].key[EXPORT_KEY_SETTING] = "salon";
	cells[1].fig[EXPORT_FIG_EVENTS] = EXPORT_SUPPRESSED;
	cells[1].fig[EXPORT_FIG_RATE] = EXPORT_SUPPRESSED;
	cells[2].key[EXPORT_KEY_SETTING] = "salon";
	cells[2].key[EXPORT_KEY_FITZPATRICK] = "4";
	cells[2].fig[EXPORT_FIG_EVENTS] = "7";
	cells[2].fig[EXPORT_FIG_RATE] = "14";
	cells[2].fig[EXPORT_FIG_CI_LOW] = "6.8";
	cells[2].fig[EXPORT_FIG_CI_HIGH] = "28.6";
	memset(trend, 0, sizeof(trend));
	for (int i = 0; i < 3; i++) {
		trend[i].setting = "medical_clinic";
		trend[i].index = 9 + i;
		trend[i].rate = i == 1 ? EXPORT_SUPPRESSED : "12";
		trend[i].ci_low = "5";
		trend[i].ci_high = "25";
	}
	memset(&doc, 0, sizeof(doc));
	isoweek_parse("2024-W10", &doc.week, NULL);
	strcpy(doc.week_text, "2024-W10");
	strcpy(doc.week_start, "2024-03-04");
	strcpy(doc.week_end, "2024-03-10");
	for (int i = 0; i < EXPORT_TREND_WEEKS; i++) {
		struct iso_week w = {.year = i < 2 ? 2023 : 2024, .week = i < 2 ? 51 + i : i - 1};
		isoweek_format(w, doc.trend_weeks[i]);
	}
	strcpy(doc.generated_at, "2024-03-11T06:00:00Z");
	doc.software_version = "9.9.9";
	doc.suppression_threshold = 5;
	doc.cells = cells;
	doc.n_cells = 3;
	doc.trend = trend;
	doc.n_trend = 3;
}

/* Renders the sample document into b, which starts empty. */
static void render_sample(struct export_buf *b)
{
	memset(b, 0, sizeof(*b));
	sample_doc();
	export_render_html(&doc, b);
}

static int count(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* A piece of the page and how often it must appear there. */
struct needle {
	const char *text;
	int times; /* or SOME: at least once */
};
#define SOME (-1)

/* Each needle of w appears in page as often as it must; a failure names it. */
static void expect_needles(const char *page, const struct needle *w, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (w[i].times == SOME)
			th_assert_case_int(w[i].text, strstr(page, w[i].text) != NULL, 1);
		else
			th_assert_case_int(w[i].text, count(page, w[i].text), w[i].times);
	}
}

static void test_page_is_self_contained(void **state)
{
	static const struct needle w[] = {
	    {"http://", 0},
	    {"https://", 0},
	    {"<script", 0},
	    {"<link", 0},
	    {"<img", 0},
	    {"url(", 0},
	    {"@import", 0},
	    {"src=", 0},
	    {"&nbsp;", 0},
	    {"@media print", SOME},
	    /* generated_at: on one line, the only thing that changes between runs */
	    {"2024-03-11", 2},
	    {"generated_at", 1},
	};
	static const char *const tags[] = {"svg", "table", "section"};
	char opening[16], closing[16];
	(void)state;
	struct export_buf b;
	render_sample(&b);
	assert_false(b.failed);
	assert_int_equal(strncmp(b.data, "<!DOCTYPE html>", 15), 0);
	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
		snprintf(opening, sizeof(opening), "<%s", tags[i]);
		snprintf(closing, sizeof(closing), "</%s>", tags[i]);
		th_assert_case_int(tags[i], count(b.data, opening), count(b.data, closing));
	}
	expect_needles(b.data, w, sizeof(w) / sizeof(w[0]));
	export_buf_free(&b);
}

static void test_page_shows_suppressed_and_draws_whiskers(void **state)
{
	static const struct needle w[] = {
	    /* the clinic: an estimate with its interval, in the table and the chart */
	    {"12.0 <span class=\"ci\">(5.51&#8211;25.9)</span>", SOME},
	    {"class=\"whisker s0\"", 1},
	    /* the salon: suppressed, in words, and never drawn */
	    {"<td class=\"sup\">suppressed</td>", SOME},
	    {"suppressed (small numbers)", SOME},
	    /* PIH: the salon's type IV whisker (a vertical one) */
	    {"class=\"whisker s1\"", 1},
	    {"Type IV", SOME},
	    /* trend: the suppressed week is marked, the others joined only when adjacent */
	    {"class=\"trend s0\"", 0},
	    {">s</text>", 1},
	};
	(void)state;
	struct export_buf b;
	render_sample(&b);
	expect_needles(b.data, w, sizeof(w) / sizeof(w[0]));
	export_buf_free(&b);
}

static void test_page_renders_identically(void **state)
{
	(void)state;
	struct export_buf a, b = {0};
	render_sample(&a);
	export_render_html(&doc, &b);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.data, b.data, a.len);
	export_buf_free(&a);
	export_buf_free(&b);
}

/* Coverage in words (schema/013): reporting of active, silent, implausible. */
static void test_headline_says_coverage_in_words(void **state)
{
	static const struct needle w[] = {
	    {"Coverage: 4 of 9 registered, active premises reported 1,000 procedures", 1},
	    {"<li>Medical clinic: 2 of 3 active premises reported activity; 1 was silent "
	     "(sent nothing for the week).</li>",
	     1},
	    {"<li>Beauty salon: 2 of 6 active premises reported activity; 1 sent reports but no "
	     "activity; 2 were silent (sent nothing for the week); 1 was left out as implausible "
	     "(cases_exceed_procedures).</li>",
	     1},
	    {"1 premises-week with more cases than procedures, or an implausible rate, was left "
	     "out of the rates until corrected.",
	     1},
	};
	(void)state;
	struct export_buf b = {0};
	sample_doc();
	cells[0].fig[EXPORT_FIG_PREMISES_ACTIVE] = "3";
	cells[0].fig[EXPORT_FIG_PREMISES_SILENT] = "1";
	cells[0].fig[EXPORT_FIG_PREMISES_IMPLAUSIBLE] = "0";
	cells[1].fig[EXPORT_FIG_PREMISES_ACTIVE] = "6";
	cells[1].fig[EXPORT_FIG_PREMISES_SILENT] = "2";
	cells[1].fig[EXPORT_FIG_PREMISES_IMPLAUSIBLE] = "1";
	cells[1].fig[EXPORT_FIG_PLAUSIBILITY] = "cases_exceed_procedures";
	export_render_html(&doc, &b);
	expect_needles(b.data, w, sizeof(w) / sizeof(w[0]));
	export_buf_free(&b);
}

static void test_empty_week_page(void **state)
{
	(void)state;
	struct export_buf b = {0};
	sample_doc();
	doc.n_cells = 0;
	doc.n_trend = 0;
	export_render_html(&doc, &b);
	assert_false(b.failed);
	assert_non_null(strstr(b.data, "No activity and no cases"));
	assert_int_equal(count(b.data, "<svg"), 0);
	export_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_escape_markup_characters),
	    cmocka_unit_test(test_axis_is_nice_and_covers_the_data),
	    cmocka_unit_test(test_axis_for_caps_wide_intervals),
	    cmocka_unit_test(test_scale_maps_and_clamps),
	    cmocka_unit_test(test_number_formats),
	    cmocka_unit_test(test_page_is_self_contained),
	    cmocka_unit_test(test_page_shows_suppressed_and_draws_whiskers),
	    cmocka_unit_test(test_page_renders_identically),
	    cmocka_unit_test(test_headline_says_coverage_in_words),
	    cmocka_unit_test(test_empty_week_page),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
