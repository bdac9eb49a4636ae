/* needlewatchctl migrate: applies schema/NNN_*.sql in order, each file once. */
#ifndef NW_CTL_MIGRATE_H
#define NW_CTL_MIGRATE_H

#include "ctl.h"

/* `migrate [--schema-dir DIR]`; argv[0] is "migrate". Returns an exit code:
 * EX_DATAERR when an applied file has changed (nothing is applied then). */
int migrate_run(struct ctl *ctl, int argc, char **argv);

#endif
