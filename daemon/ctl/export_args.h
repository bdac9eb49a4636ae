/* needlewatchctl export's command line: its options, their checks (before
 * the config or the database are touched), the delivery token file and the
 * --help text with the exit codes. */
#ifndef NW_CTL_EXPORT_ARGS_H
#define NW_CTL_EXPORT_ARGS_H

#include <stdbool.h>
#include <stdint.h>

#include "isoweek.h"

struct export_args {
	const char *week; /* --week, as given; parsed into single */
	bool last_week;
	bool catch_up;
	const char *out_dir;
	const char *deliver_url; /* NULL: no delivery */
	const char *token_file;
	const char *ca_file;
	const char *attempts_text;
	const char *as_of;
	bool no_refresh;
	bool progress; /* --progress: delivery's failed attempts on stderr */
	/* derived */
	struct iso_week single;
	unsigned attempts; /* delivery attempts per week */
	int64_t now;	   /* --as-of, or the clock: decides which weeks are complete */
	char *token;	   /* the token file's token; export_args_free() wipes it */
};

/* Parses argv (argv[0] is "export") into *ret and checks it: one mode, an
 * existing writable --out, an https URL, readable files. Returns
 * CTL_CONTINUE when the export should run, or the exit code to end with
 * (0 after --help, whose text lists every code); the error is printed. */
int export_args_parse(int argc, char **argv, struct export_args *ret);

/* Wipes and frees the token. */
void export_args_free(struct export_args *a);

#endif
