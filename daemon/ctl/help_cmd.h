/* needlewatchctl help: the command that prints the help texts (help.h). */
#ifndef NW_CTL_HELP_CMD_H
#define NW_CTL_HELP_CMD_H

struct ctl;

/* `needlewatchctl help [COMMAND [SUB]]`: the command's help, or the full
 * usage without a command. 0, or EX_USAGE for an unknown command. */
int ctl_help_run(struct ctl *ctl, int argc, char **argv);

#endif
