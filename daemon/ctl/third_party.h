/* needlewatchctl review third-party: who charged complications to which premises. */
#ifndef NW_CTL_THIRD_PARTY_H
#define NW_CTL_THIRD_PARTY_H

#include "ctl.h"

/* `review third-party [--premises CODE] [--limit N]`; argv[0] is
 * "third-party". Prints, per registered premises named by third-party
 * reports and per reporting premises, how many such reports (latest
 * versions) and how many with a complication, most first. Returns an exit
 * code. */
int third_party_list(struct ctl *ctl, int argc, char **argv);

#endif
