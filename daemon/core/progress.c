/* Progress of long jobs on stderr. */
#include "progress.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

/* Without a terminal, at most one line a second: a big spool must not
 * flood a log with one line per file. */
#define PLAIN_EVERY_MS 1000

static long long mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void progress_init(struct progress *p, const char *what, const char *unit, bool forced)
{
	*p = (struct progress){.what = what, .unit = unit, .last_done = -1};
	p->tty = isatty(STDERR_FILENO) == 1;
	p->on = forced || p->tty;
}

void progress_report(struct progress *p, long done, long total)
{
	if (!p || !p->on)
		return;
	done = done < 0 ? 0 : done > total ? total : done;
	if (done == p->last_done)
		return;
	long long now = mono_ms();
	bool last = done >= total;
	if (!p->tty && !last && p->last_done >= 0 && now - p->last_ms < PLAIN_EVERY_MS)
		return;
	p->last_done = done;
	p->last_ms = now;
	if (p->tty) {
		/* \033[K: clear what a longer earlier line left */
		fprintf(stderr, "\r%s: %ld of %ld%s%s\033[K", p->what, done, total,
			p->unit ? " " : "", p->unit ? p->unit : "");
		p->open_line = true;
	} else {
		fprintf(stderr, "%s: %ld of %ld%s%s\n", p->what, done, total, p->unit ? " " : "",
			p->unit ? p->unit : "");
	}
	fflush(stderr);
}

void progress_note(struct progress *p, const char *fmt, ...)
{
	va_list ap;
	if (!p || !p->on)
		return;
	progress_end(p);
	fprintf(stderr, "%s: ", p->what);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}

void progress_end(struct progress *p)
{
	if (!p || !p->open_line)
		return;
	fputc('\n', stderr);
	p->open_line = false;
}
