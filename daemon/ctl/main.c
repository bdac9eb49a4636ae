/* needlewatchctl: the operator's program. Global options, then one command. */
#include "alerts_cmd.h"
#include "ctl.h"
#include "export.h"
#include "help.h"
#include "help_cmd.h"
#include "migrate.h"
#include "premises.h"
#include "renormalise.h"
#include "review.h"
#include "refresh.h"
#include "token.h"

#include <string.h>

enum { OPT_VERSION = 0x100 };

/* Parses the options before the command word; the command's own options are
 * left to it ('+': stop at the first non-option). */
static int parse_global_options(struct ctl *ctl, int argc, char **argv, int *ret_optind)
{
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"version", no_argument, NULL, OPT_VERSION},
	    CTL_OPTION_HELP,
	    CTL_OPTION_END,
	};
	bool help = false, version = false;
	char bad[200] = "";
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:c:hV", opts, NULL)) != -1) {
		if (c == 'c')
			ctl->config_path = optarg;
		else if (c == 'h')
			help = true;
		else if (c == OPT_VERSION || c == 'V')
			version = true;
		else if (!bad[0])
			ctl_describe_bad_option(c, argv, bad, sizeof(bad));
	}
	if (help) {
		ctl_print_usage(stdout);
		return 0;
	}
	if (version) {
		printf("%s %s\n", CTL_PROGRAM, CTL_VERSION);
		return 0;
	}
	if (bad[0])
		return ctl_usage_error(NULL, "%s", bad);
	*ret_optind = optind;
	return CTL_CONTINUE;
}

int main(int argc, char **argv)
{
	static const struct ctl_command commands[] = {
	    {"migrate", migrate_run},
	    {"premises", premises_run},
	    {"token", token_run},
	    {"review", review_run},
	    {"renormalise", renormalise_run},
	    {"refresh", refresh_run},
	    {"export", export_run},
	    {"help", ctl_help_run},
	    {"alerts", alerts_cmd_run},
	    {NULL, NULL},
	};
	struct ctl ctl = {.config_path = CONFIG_DEFAULT_PATH};
	int first = 0;
	int rc = parse_global_options(&ctl, argc, argv, &first);
	if (rc == CTL_CONTINUE)
		rc = ctl_dispatch(&ctl, NULL, commands, argc - first, argv + first);
	ctl_close(&ctl);
	/* A full disk or a closed pipe must not pass for success: the output
	 * may be the id or token a script is waiting for. */
	if ((fflush(stdout) != 0 || ferror(stdout)) && rc == 0)
		rc = ctl_fail(EX_IOERR, "cannot write to standard output");
	return rc;
}
