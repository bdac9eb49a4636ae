/* needlewatchctl: opening the shared context, usage, and output helpers. */
#include "ctl.h"
#include "help.h"
#include "ctl_db.h"
#include "termtext.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* optind has already moved past the offending word; for an unknown short
 * option only optopt names it. */
void ctl_describe_bad_option(int c, char *const *argv, char *buf, size_t buflen)
{
	const char *word = optind > 0 ? argv[optind - 1] : "?";
	if (c == ':')
		snprintf(buf, buflen, "option '%s' needs a value", word);
	else if (optopt && strncmp(word, "--", 2) != 0)
		snprintf(buf, buflen, "unknown option '-%c'", optopt);
	else
		snprintf(buf, buflen, "unknown option '%s'", word);
}

int ctl_parse_options(const char *cmd, int argc, char **argv, const struct option *opts,
		      ctl_option_fn *fn, void *state, int *ret_optind)
{
	bool help = false;
	char bad[200] = "";
	int c;

	/* optind = 0 re-initialises GNU getopt completely: main() has already
	 * parsed the global options with it. opterr = 0 and the leading ':'
	 * let us word the errors, and stay silent when --help wins. */
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (c == 'h') {
			help = true;
		} else if (c == '?' || c == ':') {
			if (!bad[0]) /* the first mistake is the one to report */
				ctl_describe_bad_option(c, argv, bad, sizeof(bad));
		} else if (fn) {
			fn(state, c, optarg);
		}
	}
	if (help) {
		if (!ctl_help_print(cmd, stdout))
			ctl_print_usage(stdout);
		return 0;
	}
	if (bad[0])
		return ctl_usage_error(cmd, "%s", bad);
	*ret_optind = optind;
	return CTL_CONTINUE;
}

int ctl_dispatch(struct ctl *ctl, const char *group, const struct ctl_command *cmds, int argc,
		 char **argv)
{
	char words[200] = "";
	for (const struct ctl_command *c = cmds; c->name; c++) {
		size_t n = strlen(words);
		snprintf(words + n, sizeof(words) - n, "%s%s", n ? ", " : "", c->name);
	}
	if (argc < 1)
		return ctl_usage_error(group, "a command is needed: %s", words);
	if (strcmp(argv[0], "-h") == 0 || strcmp(argv[0], "--help") == 0) {
		if (!ctl_help_print(group, stdout))
			ctl_print_usage(stdout);
		return 0;
	}
	for (const struct ctl_command *c = cmds; c->name; c++)
		if (strcmp(argv[0], c->name) == 0)
			return c->run(ctl, argc, argv);
	return ctl_usage_error(group, "unknown command '%s' (expected %s)", argv[0], words);
}

int ctl_parse_id(const char *s, long long *ret_id)
{
	if (!s || !isdigit((unsigned char)s[0]))
		return -EINVAL;
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || *end || v <= 0)
		return -EINVAL;
	*ret_id = v;
	return 0;
}

static void set_actor(struct ctl *ctl)
{
	/* The OS account is who ran the command; audit_log keeps it because
	 * every operator shares the one database role. */
	const struct passwd *pw = getpwuid(getuid());
	if (pw && pw->pw_name)
		snprintf(ctl->actor, sizeof(ctl->actor), CTL_PROGRAM ":%s", pw->pw_name);
	else
		snprintf(ctl->actor, sizeof(ctl->actor), CTL_PROGRAM ":uid%u", (unsigned)getuid());
}

int ctl_open(struct ctl *ctl)
{
	char err[512];
	ctl->cfg_loaded = true; /* config_load leaves cfg safe to free either way */
	if (config_load(&ctl->cfg, ctl->config_path, err, sizeof(err)) < 0)
		return ctl_fail(EX_CONFIG, "%s", err);

	const char *conninfo = ctl->cfg.db_admin_conninfo;
	if (!conninfo)
		conninfo = ctl->cfg.db_conninfo;
	if (!conninfo)
		return ctl_fail(EX_CONFIG, "%s: db_admin_conninfo (or db_conninfo) is not set",
				ctl->config_path);
	set_actor(ctl);

	int rc = ctl_db_connect(ctl, conninfo);
	if (rc == EX_CONFIG)
		return ctl_fail(rc, "%s: db_admin_conninfo: %s", ctl->config_path, ctl->err);
	if (rc)
		return ctl_fail(rc, "cannot connect to the database: %s", ctl->err);
	return 0;
}

void ctl_close(struct ctl *ctl)
{
	if (ctl->db)
		PQfinish(ctl->db);
	ctl->db = NULL;
	if (ctl->cfg_loaded)
		config_free(&ctl->cfg);
	ctl->cfg_loaded = false;
}

int ctl_text_width(const char *s)
{
	int w = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			w++;
	return w;
}

bool ctl_valid_name(const char *s, int max_chars)
{
	int width = ctl_text_width(s);
	size_t n = strlen(s);
	uint32_t cp;

	if (width < 1 || width > max_chars)
		return false;
	for (size_t i = 0, len; i < n; i += len) {
		len = termtext_decode(s + i, n - i, &cp);
		if (!len || termtext_is_unsafe(cp))
			return false;
	}
	return true;
}

static void print_cell(const char *s, int pad, FILE *out)
{
	termtext_fputs(s, out, /* keep_newlines= */ false);
	for (; pad > 0; pad--)
		fputc(' ', out);
}

static const char *cell(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? "-" : PQgetvalue(res, row, col);
}

int ctl_print_table(const PGresult *res, const char *const *headers, FILE *out)
{
	int ncols = PQnfields(res), nrows = PQntuples(res);
	int *width = calloc((size_t)ncols, sizeof(*width));
	if (!width)
		return -ENOMEM;
	for (int c = 0; c < ncols; c++) {
		width[c] = ctl_text_width(headers[c]);
		for (int r = 0; r < nrows; r++) {
			int w = ctl_text_width(cell(res, r, c));
			if (w > width[c])
				width[c] = w;
		}
	}
	for (int r = -1; r < nrows; r++) {
		for (int c = 0; c < ncols; c++) {
			const char *s = r < 0 ? headers[c] : cell(res, r, c);
			bool last = c == ncols - 1;
			print_cell(s, last ? 0 : width[c] - ctl_text_width(s) + 2, out);
		}
		fputc('\n', out);
	}
	free(width);
	return 0;
}
