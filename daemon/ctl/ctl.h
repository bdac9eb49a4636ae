/* needlewatchctl: the context every command shares, and its small helpers.
 *
 * Every command is `int cmd(struct ctl *ctl, int argc, char **argv)` and returns
 * a sysexits(3) code. A command parses its options first (usage errors need
 * neither the config nor the database), then calls ctl_open(). Errors are
 * printed once, by the command, with ctl_fail(); lower layers (ctl_db.c) only
 * leave their reason in ctl->err. */
#ifndef NW_CTL_H
#define NW_CTL_H

#include "config.h"

#include <getopt.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>
#include <sysexits.h>

#define CTL_PROGRAM "needlewatchctl"
#define CTL_VERSION "0.1.0"

struct ctl {
	const char *config_path; /* -c, or CONFIG_DEFAULT_PATH; not owned */
	struct config cfg;	 /* valid once ctl_open() succeeded */
	bool cfg_loaded;
	PGconn *db;	  /* the one connection, owner role */
	char actor[96];	  /* "needlewatchctl:<os user>" for audit_log */
	char sqlstate[6]; /* of the last failed statement, "" when none */
	char err[512];	  /* reason of the last ctl_db_* failure, one line */
};

/* Loads the config and connects with cfg.db_admin_conninfo. Returns 0, or an
 * exit code (EX_CONFIG, EX_UNAVAILABLE) after printing the reason itself. */
int ctl_open(struct ctl *ctl);
/* Disconnects and frees the config. Safe on a context that was never opened. */
void ctl_close(struct ctl *ctl);

/* Prints "needlewatchctl: <message>" to stderr and returns code, so a command
 * can `return ctl_fail(EX_DATAERR, "...")`. */
int ctl_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints the full usage text (to stdout for --help, stderr after an error). */
void ctl_print_usage(FILE *out);
/* Reports a usage error for cmd ("premises add", or NULL before a command
 * was named) and returns EX_USAGE. */
int ctl_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* What an option parser returns when the command should go on and run; any
 * other value is the exit code (0 after --help). */
#define CTL_CONTINUE (-1)

/* Every command's option table ends with these two entries. */
/* clang-format off */
#define CTL_OPTION_HELP {"help", no_argument, NULL, 'h'}
#define CTL_OPTION_END {NULL, 0, NULL, 0}
/* clang-format on */

/* Stores one parsed option (c is its getopt_long value, arg its optarg or
 * NULL) into the command's state. Values are checked after parsing, so that
 * --help anywhere still wins over a bad value. */
typedef void ctl_option_fn(void *state, int c, const char *arg);

/* getopt_long over a command's words (argv[0] is the command, e.g. "add").
 * --help or -h anywhere: usage to stdout, returns 0. An unknown option or a
 * missing value: usage error naming cmd, returns EX_USAGE. Otherwise each
 * option went to fn (NULL for a command without options), the positional
 * arguments are argv[*ret_optind..argc-1], and it returns CTL_CONTINUE. */
int ctl_parse_options(const char *cmd, int argc, char **argv, const struct option *opts,
		      ctl_option_fn *fn, void *state, int *ret_optind);

/* Describes the option getopt_long() just refused (it returned '?' or ':',
 * with opterr = 0 and a ':'-prefixed optstring) into buf. */
void ctl_describe_bad_option(int c, char *const *argv, char *buf, size_t buflen);

/* A command word and what runs it; a table of them ends with {NULL, NULL}. */
struct ctl_command {
	const char *name;
	int (*run)(struct ctl *ctl, int argc, char **argv); /* argv[0] is name */
};

/* Runs the command named by argv[0] from cmds. group is the word before it
 * ("token"), or NULL at the top level; it names the command in errors. A
 * missing or unknown word is a usage error; "-h" or "--help" prints usage. */
int ctl_dispatch(struct ctl *ctl, const char *group, const struct ctl_command *cmds, int argc,
		 char **argv);

/* Width of UTF-8 text in characters (every byte that is not a continuation byte). */
int ctl_text_width(const char *s);
/* True for a name an operator may give: 1 to max_chars characters of valid
 * UTF-8, none that termtext.h calls unsafe (controls, bidi overrides: names
 * end up in one-line tables and messages). */
bool ctl_valid_name(const char *s, int max_chars);

/* Parses a positive decimal id ("42"); 0 on success, -EINVAL otherwise. */
int ctl_parse_id(const char *s, long long *ret_id);

/* Prints res as a fixed-width table under headers (one per column), columns
 * padded to their widest cell in characters; NULL prints as "-" and what
 * termtext.h calls unsafe (controls, bidi overrides) as '?', so a stored name
 * or a reporter's term can neither forge table lines nor reorder them. Returns 0 or
 * -ENOMEM (nothing printed). */
int ctl_print_table(const PGresult *res, const char *const *headers, FILE *out);

#endif
