/* needlewatchctl review: the terms the vocabulary did not know, for curation. */
#ifndef NW_CTL_REVIEW_H
#define NW_CTL_REVIEW_H

#include "ctl.h"

/* `review list [--field FIELD] [--limit N]`; argv[0] is "review". Prints each
 * unknown term of the latest report versions with how many reports and
 * premises used it, most frequent first. Returns an exit code. */
int review_run(struct ctl *ctl, int argc, char **argv);

#endif
