/* needlewatchctl's per-command help: `needlewatchctl help COMMAND [SUB]`,
 * `COMMAND --help`, `COMMAND SUB --help`. */
#ifndef NW_CTL_HELP_H
#define NW_CTL_HELP_H

#include <stdbool.h>
#include <stdio.h>

struct ctl;

/* Prints the help of cmd ("migrate", "premises", "premises add", ...) to out;
 * false when cmd has no help of its own (the caller prints the full usage). */
bool ctl_help_print(const char *cmd, FILE *out);

/* `needlewatchctl help [COMMAND [SUB]]`: the command's help, or the full
 * usage without a command. 0, or EX_USAGE for an unknown command. */
int ctl_help_run(struct ctl *ctl, int argc, char **argv);

#endif
