/* The weekly export's report page: one self-contained HTML file (no script,
 * no external font, image or stylesheet; every chart inline SVG) that reads
 * on screen and prints on A4.
 *
 * The page is also well-formed XML (polyglot markup: every element closed,
 * numeric character references only), so `xmllint --noout` can check it.
 * Pure and deterministic: the same doc gives the same bytes, generated_at
 * appears on one line only. */
#ifndef NW_EXPORT_HTML_H
#define NW_EXPORT_HTML_H

#include "export_files.h"
#include "export_model.h"

/* The page. */
void export_render_html(const struct export_doc *doc, struct export_buf *out);

#endif
