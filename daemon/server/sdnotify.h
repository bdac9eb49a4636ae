/* systemd notification (sd_notify): readiness, reloads, stopping, watchdog.
 *
 * Every call is a no-op when NOTIFY_SOCKET is unset (not under systemd, or
 * not Type=notify), so the daemon behaves the same from a terminal. Main
 * thread only. */
#ifndef NW_SDNOTIFY_H
#define NW_SDNOTIFY_H

#include <stdbool.h>

/* READY=1 with a STATUS= line: the listener is up. */
void sdnotify_ready(const char *status);
/* RELOADING=1 with MONOTONIC_USEC=now: a SIGHUP reload begins. */
void sdnotify_reloading(void);
/* READY=1 after a reload; ok false sets STATUS= to say it failed and why. */
void sdnotify_reloaded(bool ok, const char *why);
/* STOPPING=1: the drain begins. */
void sdnotify_stopping(void);
/* Milliseconds between WATCHDOG=1 keep-alives (half of WatchdogSec=), or -1
 * when the unit has no watchdog. */
int sdnotify_watchdog_interval_ms(void);
/* WATCHDOG=1. */
void sdnotify_watchdog(void);

#endif
