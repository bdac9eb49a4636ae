/* needlewatchctl premises: register the places that report, and list them. */
#ifndef NW_CTL_PREMISES_H
#define NW_CTL_PREMISES_H

#include "ctl.h"

/* `premises add|list ...`; argv[0] is "premises". Returns an exit code.
 * `add` prints the new id alone on the last line of stdout, for scripts. */
int premises_run(struct ctl *ctl, int argc, char **argv);

#endif
