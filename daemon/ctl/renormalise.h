/* needlewatchctl renormalise: re-derive stored reports after the vocabulary changed. */
#ifndef NW_CTL_RENORMALISE_H
#define NW_CTL_RENORMALISE_H

#include "ctl.h"

/* `renormalise [--batch-size N] [--limit N] [--restart] [--dry-run]`.
 * Re-derives every stored report's normalised columns and complication rows
 * from its verbatim body with the configured vocabulary, one transaction per
 * batch, resuming an interrupted run; prints how many reports changed.
 * Returns an exit code. */
int renormalise_run(struct ctl *ctl, int argc, char **argv);

#endif
