/* needlewatchctl refresh: bring the summary tables up to date now. */
#ifndef NW_CTL_REFRESH_H
#define NW_CTL_REFRESH_H

#include "ctl.h"

/* `refresh [--full]`; argv[0] is "refresh". Recomputes the weeks touched
 * since the last refresh (every week with --full) in one transaction, with
 * the configuration's suppression_threshold, and prints how many. Returns an
 * exit code. */
int refresh_run(struct ctl *ctl, int argc, char **argv);

#endif
