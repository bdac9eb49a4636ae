/* systemd notification: thin wrappers over sd_notify(3), with one log line
 * when systemd cannot be told (a notification lost would leave the unit
 * "activating" until its start timeout). */
#include "sdnotify.h"
#include "util.h"
#include "log.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <time.h>

static void notify(const char *state)
{
	int r = sd_notify(0, state);
	if (r < 0)
		log_event(LOG_WARNING, "sd_notify_failed", "errno=%d", -r);
}

void sdnotify_ready(const char *status)
{
	char q[256], msg[300];
	snprintf(msg, sizeof(msg), "READY=1\nSTATUS=%s", log_quote(q, sizeof(q), status));
	notify(msg);
}

void sdnotify_reloading(void)
{
	char msg[80];
	/* MONOTONIC_USEC lets systemd tell this reload from an earlier one. */
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu",
		 (unsigned long long)util_mono_us());
	notify(msg);
}

void sdnotify_reloaded(bool ok, const char *why)
{
	char q[400], msg[480];
	if (ok)
		snprintf(msg, sizeof(msg), "READY=1\nSTATUS=serving; configuration reloaded");
	else
		snprintf(msg, sizeof(msg),
			 "READY=1\nSTATUS=reload failed, previous configuration kept: %s",
			 log_quote(q, sizeof(q), why));
	notify(msg);
}

void sdnotify_stopping(void)
{
	notify("STOPPING=1\nSTATUS=stopping: draining requests in flight");
}

int sdnotify_watchdog_interval_ms(void)
{
	uint64_t usec = 0;
	if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0)
		return -1;
	/* Half the timeout, as sd_watchdog_enabled(3) advises: one late wake-up
	 * must not cost the process. */
	uint64_t ms = usec / 2000;
	return ms == 0 ? 1 : ms > INT32_MAX ? INT32_MAX : (int)ms;
}

void sdnotify_watchdog(void)
{
	notify("WATCHDOG=1");
}
