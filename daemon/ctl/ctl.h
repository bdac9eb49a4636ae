/* needlewatchctl: opening the shared context, option parsing, dispatch, and
 * small output helpers; above the database layer and the help texts.
 *
 * Every command is `int cmd(struct ctl *ctl, int argc, char **argv)` and returns
 * a sysexits(3) code (the context and ctl_fail() are ctl_context.h's). A
 * command parses its options first (usage errors need neither the config nor
 * the database), then calls ctl_open(). */
#ifndef NW_CTL_H
#define NW_CTL_H

#include "ctl_context.h"

#include <getopt.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>

/* Loads the config and connects with cfg.db_admin_conninfo. Returns 0, or an
 * exit code (EX_CONFIG, EX_UNAVAILABLE) after printing the reason itself. */
int ctl_open(struct ctl *ctl);
/* Disconnects and frees the config. Safe on a context that was never opened. */
void ctl_close(struct ctl *ctl);

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
