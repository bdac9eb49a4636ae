/* needlewatchctl's failure messages: one line on stderr, neutralised for the
 * terminal. */
#include "ctl_context.h"
#include "termtext.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* A message on one line, its arguments (names, database errors, a user's
 * words) neutralised for the terminal like every other output (termtext.h). */
static void vprint_clean(FILE *out, const char *fmt, va_list ap)
{
	char *msg = NULL;

	if (vasprintf(&msg, fmt, ap) < 0) {
		fputs("(out of memory)", out);
		return;
	}
	termtext_fputs(msg, out, /* keep_newlines= */ false);
	free(msg);
}

int ctl_fail(int code, const char *fmt, ...)
{
	va_list ap;
	fputs(CTL_PROGRAM ": ", stderr);
	va_start(ap, fmt);
	vprint_clean(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

int ctl_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	if (cmd)
		fprintf(stderr, "%s: %s: ", CTL_PROGRAM, cmd);
	else
		fprintf(stderr, "%s: ", CTL_PROGRAM);
	va_start(ap, fmt);
	vprint_clean(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help'.\n", CTL_PROGRAM);
	return EX_USAGE;
}
