/* The report page's chart and table helpers (see export_chart.h). */
#include "export_chart.h"
#include "codes.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void export_chart_escape(struct export_buf *b, const char *s)
{
	if (!s)
		return;
	for (const char *p = s; *p; p++) {
		switch (*p) {
		case '&':
			export_buf_puts(b, "&amp;");
			break;
		case '<':
			export_buf_puts(b, "&lt;");
			break;
		case '>':
			export_buf_puts(b, "&gt;");
			break;
		case '"':
			export_buf_puts(b, "&quot;");
			break;
		case '\'':
			export_buf_puts(b, "&#39;");
			break;
		default:
			export_buf_add(b, p, 1);
		}
	}
}

struct export_axis export_chart_axis(double data_max)
{
	static const double nice[] = {1, 2, 2.5, 5};
	struct export_axis a = {.max = 1, .step = 0.25, .ticks = 4};
	if (!(data_max > 0) || !isfinite(data_max))
		return a;
	/* The smallest nice step that reaches data_max in at most 5 ticks. */
	double mag = pow(10, floor(log10(data_max / 5)));
	for (int k = 0; k < 3; k++, mag *= 10)
		for (size_t i = 0; i < sizeof(nice) / sizeof(nice[0]); i++) {
			double step = nice[i] * mag;
			int ticks = (int)ceil(data_max / step - 1e-9);
			if (ticks > 5)
				continue;
			a.step = step;
			a.ticks = ticks < 1 ? 1 : ticks;
			a.max = a.ticks * step;
			return a;
		}
	return a;
}

struct export_axis export_chart_axis_for(double max_rate, double max_high)
{
	double top = max_high > max_rate ? max_high : max_rate;
	if (max_rate > 0 && top > 2.5 * max_rate)
		top = 2.5 * max_rate;
	return export_chart_axis(top);
}

void export_chart_format_tick(const struct export_axis *a, double v, char *out, size_t outlen)
{
	int decimals = 0;
	for (double s = a->step; decimals < 4 && fabs(s - round(s)) > 1e-9 * (1 + fabs(s)); s *= 10)
		decimals++;
	snprintf(out, outlen, "%.*f", decimals, v);
}

double export_chart_scale(const struct export_axis *a, double v, double p0, double p1)
{
	double t = a->max > 0 ? v / a->max : 0;
	if (!(t > 0))
		t = 0;
	if (t > 1)
		t = 1;
	return p0 + t * (p1 - p0);
}

void export_chart_format_rate(double v, char *out, size_t outlen)
{
	if (!isfinite(v))
		snprintf(out, outlen, "%s", "-");
	else if (fabs(v) >= 100)
		snprintf(out, outlen, "%.0f", v);
	else if (fabs(v) >= 10)
		snprintf(out, outlen, "%.1f", v);
	else
		snprintf(out, outlen, "%.2f", v);
}

void export_chart_format_count(long long v, char *out, size_t outlen)
{
	char digits[32];
	int n = snprintf(digits, sizeof(digits), "%lld", v < 0 ? -v : v);
	size_t o = 0;
	if (v < 0 && o + 1 < outlen)
		out[o++] = '-';
	for (int i = 0; i < n && o + 1 < outlen; i++) {
		if (i > 0 && (n - i) % 3 == 0 && o + 2 < outlen)
			out[o++] = ',';
		out[o++] = digits[i];
	}
	out[o] = '\0';
}

const char *export_chart_label(const char *code)
{
	if (!code)
		return "Not known";
	const char *label = codes_label(code);
	return label ? label : code;
}

bool export_chart_figure(const char *s, double *ret)
{
	if (!s || !export_json_number_ok(s))
		return false;
	*ret = strtod(s, NULL);
	return isfinite(*ret);
}

bool export_chart_suppressed(const char *s)
{
	return s && strcmp(s, EXPORT_SUPPRESSED) == 0;
}
