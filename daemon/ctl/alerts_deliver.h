/* needlewatchctl alerts deliver: announce new alerts to the webhook (alerts_deliver.c). */
#ifndef NW_CTL_ALERTS_DELIVER_H
#define NW_CTL_ALERTS_DELIVER_H

#include "ctl.h"

/* `alerts deliver [--url URL]`: sends every pending outbox row; exit 0 when all
 * were delivered, EX_TEMPFAIL when some must wait for the next run. */
int alerts_deliver(struct ctl *ctl, int argc, char **argv);

#endif
