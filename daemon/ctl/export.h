/* needlewatchctl export: the weekly files for regulators (CSV, JSON, HTML),
 * written atomically, recorded in needlewatch.exports, optionally delivered
 * over HTTPS. */
#ifndef NW_CTL_EXPORT_H
#define NW_CTL_EXPORT_H

#include "ctl.h"

/* export (--week W | --last-week | --catch-up) --out DIR [--deliver URL ...].
 * Returns 0 when every week was exported (and delivered, when asked), or a
 * sysexits(3) code; the codes are listed in its --help. */
int export_run(struct ctl *ctl, int argc, char **argv);

#endif
