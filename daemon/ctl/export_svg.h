/* The report page's charts, as inline SVG (no script, no external file).
 *
 * Each setting keeps one colour (Okabe-Ito, safe for colour-blind readers)
 * and one marker shape on every chart, so a monochrome print still tells
 * them apart. A suppressed figure is marked, never drawn as a value. */
#ifndef NW_EXPORT_SVG_H
#define NW_EXPORT_SVG_H

#include "export_files.h"
#include "export_model.h"

/* The style sheet rules the charts' colour classes need (fN fills, sN
 * strokes), for the page's <style>. */
#define EXPORT_SVG_COLOURS                                                                         \
	".f0{fill:#0072b2}.s0{stroke:#0072b2}\n"                                                   \
	".f1{fill:#d55e00}.s1{stroke:#d55e00}\n"                                                   \
	".f2{fill:#009e73}.s2{stroke:#009e73}\n"                                                   \
	".f3{fill:#cc79a7}.s3{stroke:#cc79a7}\n"                                                   \
	".f4{fill:#6f6f6f}.s4{stroke:#6f6f6f}\n"                                                   \
	".f5{fill:#a0a0a0}.s5{stroke:#a0a0a0}\n"                                                   \
	"svg .mk{stroke:#fff;stroke-width:1}\n"

/* Rate per 1,000 of each setting with its 95% interval as a whisker: one
 * panel per complication group (any first), each on its own scale. */
void export_svg_rates(const struct export_doc *doc, struct export_buf *out);

/* The any-complication rate over the 12 weeks ending with the export week:
 * one panel per setting, the interval as a shaded band. */
void export_svg_trend(const struct export_doc *doc, struct export_buf *out);

/* Pigmentation (PIH) rate by Fitzpatrick type I-VI, settings side by side. */
void export_svg_pih(const struct export_doc *doc, struct export_buf *out);

#endif
