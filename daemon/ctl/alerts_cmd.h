/* needlewatchctl alerts: run the signal rules, replay them over history, list alerts. */
#ifndef NW_CTL_ALERTS_CMD_H
#define NW_CTL_ALERTS_CMD_H

#include "ctl.h"

/* `alerts run [--as-of WEEK]`, `alerts backtest --from WEEK --to WEEK`, `alerts list`. */
int alerts_cmd_run(struct ctl *ctl, int argc, char **argv);

#endif
