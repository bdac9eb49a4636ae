/* Progress of long jobs on stderr: "what: k of N unit".
 *
 * Shown when stderr is a terminal (rewritten in place on one line) or when
 * the user asked with --progress (then a plain line per change, at most one
 * a second and always the last, for logs and pipes). stdout is never
 * touched: it carries the command's result. Not thread-safe: one job, one
 * struct progress, on the thread that does the job. */
#ifndef NW_PROGRESS_H
#define NW_PROGRESS_H

#include <stdbool.h>

struct progress {
	const char *what; /* "refresh", "upload": names the job */
	const char *unit; /* "files", "weeks audited"; NULL: none */
	bool on;
	bool tty;
	bool open_line; /* a tty line written without its newline */
	long last_done;
	long long last_ms;
};

/* forced: --progress was given. what and unit (may be NULL) must outlive p. */
void progress_init(struct progress *p, const char *what, const char *unit, bool forced);
/* done of total steps so far. NULL p, or p off: nothing. */
void progress_report(struct progress *p, long done, long total);
/* A one-off line about the job ("attempt 2 of 5 failed: HTTP 503; next in 4 s"). */
void progress_note(struct progress *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Ends a terminal's in-place line. */
void progress_end(struct progress *p);

#endif
