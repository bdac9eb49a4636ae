/* needlewatchctl review implausible: premises-weeks left out of the rates. */
#ifndef NW_CTL_IMPLAUSIBLE_H
#define NW_CTL_IMPLAUSIBLE_H

#include "ctl.h"

/* `review implausible [--premises CODE] [--limit N]` lists the premises-weeks
 * the last refresh found implausible (schema/013), newest week first: code,
 * name, setting, week, cases, procedures, rate per 1,000 and the reason.
 * `review implausible --accept --premises CODE --week YYYY-Www` records that
 * the regulator checked that week's figures and they stand: the next refresh
 * counts the week again while its cases and procedures stay as accepted.
 * argv[0] is "implausible". Returns an exit code. */
int implausible_run(struct ctl *ctl, int argc, char **argv);

#endif
