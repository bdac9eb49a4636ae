/* Logging: one line per event to stderr, key=value text or JSON.
 *
 * Callers pass an event name and a printf format producing key=value pairs;
 * a value containing spaces must be double-quoted by the format ("reason=\"%s\"",
 * use log_quote() for untrusted text). Never log a token, a patient ref or a body. */
#ifndef NW_LOG_H
#define NW_LOG_H

#include <stdbool.h>
#include <stddef.h>

enum log_level { LOG_DEBUG = 0, LOG_INFO = 1, LOG_WARNING = 2, LOG_ERROR = 3 };

/* Called once by main() (and on reload): minimum level and output format. */
void log_setup(enum log_level min_level, bool json);
/* Parses "debug", "info", "warning", "error"; -1 when unknown. */
int log_level_from_string(const char *s);
/* True when a line at this level would be written. */
bool log_enabled(enum log_level level);
/* Writes: "level=info event=NAME k=v ..." or {"level":"info","event":"NAME","k":"v"}. */
void log_event(enum log_level level, const char *event, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Copies s into buf as a safe log value: control characters, quotes and
 * backslashes escaped, cut at buflen-1. Returns buf. */
const char *log_quote(char *buf, size_t buflen, const char *s);

#endif
