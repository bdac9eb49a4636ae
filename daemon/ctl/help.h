/* needlewatchctl's help texts: the full usage, and each command's own help
 * (`needlewatchctl help COMMAND [SUB]`, `COMMAND --help`, `COMMAND SUB --help`).
 * Texts only: the `help` command that prints them is help_cmd.h's. */
#ifndef NW_CTL_HELP_H
#define NW_CTL_HELP_H

#include <stdbool.h>
#include <stdio.h>

/* Prints the help of cmd ("migrate", "premises", "premises add", ...) to out;
 * false when cmd has no help of its own (the caller prints the full usage). */
bool ctl_help_print(const char *cmd, FILE *out);

/* Prints the full usage text (to stdout for --help, stderr after an error). */
void ctl_print_usage(FILE *out);

#endif
