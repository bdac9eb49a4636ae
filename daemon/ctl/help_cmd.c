/* needlewatchctl help [COMMAND [SUB]]. */
#include "help_cmd.h"
#include "ctl.h"
#include "export.h"
#include "help.h"

#include <stdio.h>
#include <string.h>

int ctl_help_run(struct ctl *ctl, int argc, char **argv)
{
	char cmd[64];
	if (argc < 2) {
		ctl_print_usage(stdout);
		return 0;
	}
	/* export's text lives with its options: let it answer --help. */
	if (strcmp(argv[1], "export") == 0 && argc == 2) {
		char *export_argv[] = {argv[1], "--help", NULL};
		return export_run(ctl, 2, export_argv);
	}
	snprintf(cmd, sizeof(cmd), "%s%s%s", argv[1], argc > 2 ? " " : "", argc > 2 ? argv[2] : "");
	if (argc > 3 || !ctl_help_print(cmd, stdout))
		return ctl_usage_error("help", "no command '%s'", cmd);
	return 0;
}
