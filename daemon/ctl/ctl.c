/* needlewatchctl: opening the shared context, usage, and output helpers. */
#include "ctl.h"
#include "help.h"
#include "ctl_db.h"
#include "termtext.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
