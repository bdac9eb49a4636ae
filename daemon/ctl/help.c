/* The full usage and the per-command help texts. One table, so `help X` and
 * `X --help` say the same thing; `export` keeps its long text in
 * export_args.c and is reached by running `export --help`. */
#include "help.h"
#include "config.h"
#include "ctl_context.h"

#include <string.h>

struct help {
	const char *cmd;
	const char *text;
};

/* clang-format off */
static const struct help HELP[] = {
	{"migrate",
	 "usage: " CTL_PROGRAM " [-c FILE] migrate [--schema-dir DIR]\n"
	 "\n"
	 "Applies the schema's new NNN_*.sql files in order, each once and in its own\n"
	 "transaction, recording each file's SHA-256. A file that changed since it was\n"
	 "applied stops the run before anything is applied (exit 65).\n"
	 "\n"
	 "  --schema-dir DIR   the schema files (default: the installed schema; without\n"
	 "                     one, migrate stops: it never uses the working directory)\n"},
	{"premises",
	 "usage: " CTL_PROGRAM " [-c FILE] premises add --name NAME --setting SETTING\n"
	 "                          --postcode DISTRICT [--code CODE]\n"
	 "       " CTL_PROGRAM " [-c FILE] premises list [--json]\n"
	 "\n"
	 "See '" CTL_PROGRAM " help premises add'.\n"},
	{"premises add",
	 "usage: " CTL_PROGRAM " [-c FILE] premises add --name NAME --setting SETTING\n"
	 "                          --postcode DISTRICT [--code CODE]\n"
	 "\n"
	 "Registers a premises; its id is printed alone on the last line.\n"
	 "\n"
	 "  --name NAME           the premises' name\n"
	 "  --setting SETTING     medical_clinic, salon, home, mobile or unknown\n"
	 "  --postcode DISTRICT   its postcode district (LS6, EC1A)\n"
	 "  --code CODE           the code other reporters use for it (default P000001...)\n"},
	{"premises list",
	 "usage: " CTL_PROGRAM " [-c FILE] premises list [--json]\n"
	 "\n"
	 "Lists premises and their active reporter tokens.\n"
	 "\n"
	 "  --json   a JSON array of objects (id, code, setting, region, name, reporters)\n"},
	{"token",
	 "usage: " CTL_PROGRAM " [-c FILE] token create --role reporter --premises ID [--name NAME]\n"
	 "       " CTL_PROGRAM " [-c FILE] token create --role regulator|admin --name NAME\n"
	 "       " CTL_PROGRAM " [-c FILE] token revoke TOKEN_ID\n"
	 "       " CTL_PROGRAM " [-c FILE] token list [--json]\n"
	 "\n"
	 "See '" CTL_PROGRAM " help token create'.\n"},
	{"token create",
	 "usage: " CTL_PROGRAM " [-c FILE] token create --role reporter --premises ID [--name NAME]\n"
	 "       " CTL_PROGRAM " [-c FILE] token create --role regulator|admin --name NAME\n"
	 "\n"
	 "Creates a token and prints it, once, on the last line (only its hash is kept).\n"
	 "\n"
	 "  --role ROLE          reporter, regulator or admin\n"
	 "  --premises ID        the reporter's premises (premises add printed it)\n"
	 "  --name NAME          who holds it (required for regulator and admin)\n"
	 "  --client-cert PEM    bind it to this client certificate: it then counts only\n"
	 "                       on a connection presenting that certificate\n"},
	{"token revoke",
	 "usage: " CTL_PROGRAM " [-c FILE] token revoke TOKEN_ID\n"
	 "\n"
	 "Revokes a token (its id from 'token list'); it is refused from the next request.\n"},
	{"token list",
	 "usage: " CTL_PROGRAM " [-c FILE] token list [--json]\n"
	 "\n"
	 "Lists tokens: id, role, premises, name, state. Never the tokens themselves.\n"
	 "\n"
	 "  --json   a JSON array of objects (id, role, premises, name, created_at,\n"
	 "           revoked_at)\n"},
	{"refresh",
	 "usage: " CTL_PROGRAM " [-c FILE] refresh [--full] [--no-wait] [--progress]\n"
	 "\n"
	 "Recomputes the summary tables for the weeks touched since the last refresh.\n"
	 "One refresh runs at a time (a daemon's or another needlewatchctl's): this one\n"
	 "waits for a running refresh to end (5 minutes at most), then runs.\n"
	 "\n"
	 "  --full       every week\n"
	 "  --no-wait    if another refresh is running, do nothing and exit 75\n"
	 "  --progress   the audit's \"k of N\" weeks on stderr even when it is not a\n"
	 "               terminal (on a terminal it is always shown)\n"},
	{"review",
	 "usage: " CTL_PROGRAM " [-c FILE] review list [--field FIELD] [--limit N] [--json]\n"
	 "\n"
	 "See '" CTL_PROGRAM " help review list'.\n"},
	{"review list",
	 "usage: " CTL_PROGRAM " [-c FILE] review list [--field FIELD] [--limit N] [--json]\n"
	 "\n"
	 "Lists the vocabulary terms reporters used that no code matched, most used first.\n"
	 "\n"
	 "  --field FIELD   only this field (procedure.device, complications.type, ...)\n"
	 "  --limit N       at most N terms\n"
	 "  --json          a JSON array of objects (field, term, reports, premises,\n"
	 "                  last_seen); [] when there is none\n"},
	{"review implausible",
	 "usage: " CTL_PROGRAM " [-c FILE] review implausible [--premises CODE] [--limit N]\n"
	 "       " CTL_PROGRAM " [-c FILE] review implausible --accept --premises CODE --week YYYY-Www\n"
	 "\n"
	 "Lists the premises-weeks the last refresh left out of the rates because their\n"
	 "cases cannot stand over their procedures: more cases than procedures, cases in a\n"
	 "week of 0 procedures, or a rate above needlewatch.plausibility_settings.\n"
	 "\n"
	 "  --premises CODE   only this premises\n"
	 "  --limit N         at most N premises-weeks\n"
	 "  --accept          the figures of --premises in --week were checked and stand:\n"
	 "                    counted again from the next refresh, while they stay the same\n"},
	{"renormalise",
	 "usage: " CTL_PROGRAM " [-c FILE] renormalise [--dry-run] [--batch-size N] [--limit N]\n"
	 "                          [--restart]\n"
	 "\n"
	 "Re-derives stored reports with the current vocabulary, in batches, resumable.\n"
	 "\n"
	 "  --dry-run        count what would change, change nothing\n"
	 "  --batch-size N   reports per transaction\n"
	 "  --limit N        stop after N reports\n"
	 "  --restart        start again from the first report\n"},
};
/* clang-format on */

static const char usage_text[] =
    "usage: " CTL_PROGRAM " [-c FILE] COMMAND [ARGS]\n"
    "\n"
    "Commands:\n"
    "  migrate [--schema-dir DIR]       apply the schema's new NNN_*.sql files, each once\n"
    "  premises add --name NAME --setting SETTING --postcode DISTRICT [--code CODE]\n"
    "                                   register a premises; prints its id on the last line\n"
    "  premises list                    list premises and their active reporter tokens\n"
    "  token create --role reporter --premises ID [--name NAME]\n"
    "  token create --role regulator|admin --name NAME\n"
    "                                   create a token; prints it, once, on the last line;\n"
    "                                   --client-cert PEM binds it to that client certificate\n"
    "  token revoke TOKEN_ID            revoke a token\n"
    "  token list                       list tokens (never the tokens themselves)\n"
    "  refresh [--full]                 recompute the summary tables for the weeks touched since\n"
    "                                   the last refresh (--full: every week)\n"
    "  review list [--field FIELD] [--limit N]\n"
    "                                   unknown vocabulary terms, most used first\n"
    "  review third-party [--premises CODE] [--limit N]\n"
    "                                   third-party reports per named premises and sender\n"
    "  review implausible [--premises CODE] [--limit N]\n"
    "                                   premises-weeks left out of the rates as implausible;\n"
    "                                   --accept --premises CODE --week YYYY-Www counts one again\n"
    "  renormalise [--dry-run] [--batch-size N] [--limit N] [--restart]\n"
    "                                   re-derive stored reports with the current vocabulary\n"
    "  export (--week YYYY-Www | --last-week | --catch-up) --out DIR [--deliver URL ...]\n"
    "                                   write a week's CSV, JSON and HTML; see 'export --help'\n"
    "  alerts run [--as-of YYYY-Www]    compute and store the signal alerts of that week, or of\n"
    "                                   every week changed since the last run\n"
    "  alerts backtest --from YYYY-Www --to YYYY-Www\n"
    "                                   replay the rules week by week; print what fires\n"
    "  alerts list [--state STATE]      stored alerts, newest first\n"
    "  alerts deliver [--url URL]       send new red (and, configured, amber) alerts to the\n"
    "                                   webhook, signed; retried by the next run\n"
    "  help [COMMAND [SUBCOMMAND]]      a command's options (also: COMMAND --help)\n"
    "\n"
    "Options:\n"
    "  -c, --config FILE   needlewatchd.conf to read (default " CONFIG_DEFAULT_PATH ")\n"
    "  -h, --help          show this help and exit\n"
    "  -V, --version       show the version and exit\n"
    "\n"
    "SETTING is one of medical_clinic, salon, home, mobile, unknown.\n"
    "The database is reached with db_admin_conninfo (the needlewatch_owner role).\n"
    "\n"
    "Exit status: 0 ok, 64 usage error, 65 data error, 66 schema files missing,\n"
    "69 database unavailable, 70 internal error, 74 output error, 78 configuration error.\n";

void ctl_print_usage(FILE *out)
{
	fputs(usage_text, out);
}

bool ctl_help_print(const char *cmd, FILE *out)
{
	for (size_t i = 0; cmd && i < sizeof(HELP) / sizeof(HELP[0]); i++) {
		if (strcmp(HELP[i].cmd, cmd) == 0) {
			fputs(HELP[i].text, out);
			fputs("\nGlobal option: -c, --config FILE (default " CONFIG_DEFAULT_PATH ").\n",
			      out);
			return true;
		}
	}
	return false;
}
