/* Alerts: compute the signal rules for a range of weeks and store them as episodes.
 *
 * The one implementation both programs run: needlewatchctl (`alerts run`, `alerts
 * backtest`) and needlewatchd's refresher (after each summary refresh, for the weeks
 * that changed). It loads the weekly counts once (alerts_load.c), evaluates each week
 * with the pure rules (alert_rules.c) and, unless only printing, stores every signal in
 * needlewatch.alerts in one transaction serialised by an advisory lock:
 *   - a signal whose subject has an open or acknowledged alert ending the week before
 *     (or covering this week) extends it: one alert is one episode;
 *   - an open or acknowledged alert covering an evaluated week in which its subject no
 *     longer fires is shortened, or withdrawn when no week of it is left (a late
 *     report or a correction removed it). Alerts are never deleted.
 * Caller owns conn, which must not be in a transaction. Not thread-safe per conn. */
#ifndef NW_ALERTS_H
#define NW_ALERTS_H

#include "alert_rules.h"
#include "config.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>

struct alerts_run_opts {
	long from, to;	   /* days since the epoch (Mondays); from < 0: the dirty weeks */
	bool store;	   /* false: print only (backtest), nothing written */
	FILE *print;	   /* one line per signal, or NULL */
	const char *actor; /* audit actor: "needlewatchctl:<user>", "needlewatchd:refresher" */
	const char *sentinel_types; /* comma-separated; NULL: cfg->alerts_sentinel_types */
};

struct alerts_run_result {
	int weeks;	  /* weeks evaluated */
	int signals;	  /* signals that fired, summed over the weeks */
	int opened;	  /* new alerts */
	int extended;	  /* signals that extended an alert */
	int withdrawn;	  /* alerts withdrawn */
	long first, last; /* the weeks evaluated (days), when weeks > 0 */
};

/* The rules' parameters from cfg; numeric fields are read atomically, as SIGHUP may
 * rewrite them in place (liveconfig.h). */
void alerts_params_from_config(const struct config *cfg, struct alert_params *ret);

/* Runs the rules as opts says. Returns 0, or -EIO with the database's reason in err
 * (the transaction is rolled back: nothing stored, dirty weeks kept), or -ENOMEM. */
int alerts_run(PGconn *conn, const struct config *cfg, const struct alerts_run_opts *opts,
	       struct alerts_run_result *ret, char *err, size_t errlen);

#endif
