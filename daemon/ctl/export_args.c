/* needlewatchctl export's command line. */
#include "export_args.h"
#include "credential.h"
#include "ctl.h"
#include "deliver.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_ATTEMPTS 5
/* Past this, a receiver that keeps failing is better left to the next run. */
#define MAX_ATTEMPTS 20

static const char usage_text[] =
    "usage: " CTL_PROGRAM " [-c FILE] export (--week YYYY-Www | --last-week | --catch-up)\n"
    "           --out DIR [--deliver URL [--deliver-token-file FILE] [--ca-file FILE]\n"
    "           [--deliver-attempts N]] [--as-of WHEN] [--no-refresh]\n"
    "\n"
    "Writes a week's published statistics (the summary.public_* figures, small\n"
    "counts suppressed) into DIR as needlewatch-YYYY-Www.csv, .json and .html, each\n"
    "atomically, and records the run with the files' SHA-256 in needlewatch.exports.\n"
    "Weeks are ISO weeks in Europe/London time; only complete weeks are exported.\n"
    "\n"
    "Which weeks:\n"
    "  --week YYYY-Www         that week (re-exporting rewrites the same content,\n"
    "                          apart from generated_at)\n"
    "  --last-week             the last complete week\n"
    "  --catch-up              every complete week since the first one exported\n"
    "                          that has no successful export (gaps before a later\n"
    "                          --week export included), and every week whose latest\n"
    "                          run failed, oldest first; the first time, from the\n"
    "                          first week with\n"
    "                          data (at most 52 weeks back), or the last complete week\n"
    "                          when there is no data yet\n"
    "\n"
    "Options:\n"
    "  --out DIR               directory to write the files into (must exist)\n"
    "  --deliver URL           then POST the files to URL (https only, multipart form)\n"
    "  --deliver-token-file FILE  send the token in FILE as 'Authorization: Bearer'\n"
    "  --ca-file FILE          PEM certificates to verify the receiver (default: system CAs)\n"
    "  --deliver-attempts N    attempts per week, retrying network failures, 408, 429\n"
    "                          and 5xx but 501 and 505, with backoff (default 5, at most 20)\n"
    "  --as-of WHEN            decide 'complete' and 'last week' as if it were WHEN:\n"
    "                          YYYY-MM-DD (a London date) or YYYY-MM-DDTHH:MM:SSZ\n"
    "  --no-refresh            do not refresh the summary tables first\n"
    "  --progress              say on stderr each failed delivery attempt and the wait\n"
    "                          before the next, even when stderr is not a terminal\n"
    "  -h, --help              show this help and exit\n"
    "\n"
    "Prints one line per week: week=... status=succeeded|failed delivery=...\n"
    "Stops at the first week that fails; a later --catch-up retries it.\n"
    "\n"
    "Exit status (sysexits): 0 every week exported (and delivered); 64 usage error;\n"
    "65 week not complete, or schema not migrated; 66 token or CA file unreadable;\n"
    "69 database unavailable, or delivery failed after every attempt; 70 internal\n"
    "error; 73 cannot create files in DIR; 74 write error; 75 another export is\n"
    "running; 76 the receiver refused the files; 77 the receiver refused the token;\n"
    "78 configuration error (config file, URL, TLS set-up).\n";

enum {
	OPT_WEEK = 0x100,
	OPT_LAST_WEEK,
	OPT_CATCH_UP,
	OPT_OUT,
	OPT_DELIVER,
	OPT_TOKEN_FILE,
	OPT_CA_FILE,
	OPT_ATTEMPTS,
	OPT_AS_OF,
	OPT_NO_REFRESH,
	OPT_PROGRESS,
};

static void store_option(void *state, int c, const char *arg)
{
	struct export_args *a = state;
	switch (c) {
	case OPT_WEEK:
		a->week = arg;
		break;
	case OPT_LAST_WEEK:
		a->last_week = true;
		break;
	case OPT_CATCH_UP:
		a->catch_up = true;
		break;
	case OPT_OUT:
		a->out_dir = arg;
		break;
	case OPT_DELIVER:
		a->deliver_url = arg;
		break;
	case OPT_TOKEN_FILE:
		a->token_file = arg;
		break;
	case OPT_CA_FILE:
		a->ca_file = arg;
		break;
	case OPT_ATTEMPTS:
		a->attempts_text = arg;
		break;
	case OPT_AS_OF:
		a->as_of = arg;
		break;
	case OPT_NO_REFRESH:
		a->no_refresh = true;
		break;
	case OPT_PROGRESS:
		a->progress = true;
		break;
	}
}

/* --as-of: a London date (taken at noon, safely inside that day) or a UTC
 * instant. 0 or -EINVAL. */
static int parse_as_of(const char *s, int64_t *ret)
{
	char date[ISOWEEK_DATE_LEN];
	long days;
	int h, m, sec, n = 0;
	if (strlen(s) < 10)
		return -EINVAL;
	memcpy(date, s, 10);
	date[10] = '\0';
	if (isoweek_parse_date(date, &days) < 0)
		return -EINVAL;
	if (s[10] == '\0') {
		*ret = (int64_t)days * 86400 + 12 * 3600;
		return 0;
	}
	if (sscanf(s + 10, "T%2d:%2d:%2dZ%n", &h, &m, &sec, &n) != 3 || s[10 + n] != '\0' ||
	    h > 23 || m > 59 || sec > 60 || h < 0 || m < 0 || sec < 0)
		return -EINVAL;
	*ret = (int64_t)days * 86400 + h * 3600 + m * 60 + sec;
	return 0;
}

static int check_delivery_args(struct export_args *a)
{
	char err[256];
	if (!a->deliver_url) {
		if (a->token_file || a->ca_file || a->attempts_text)
			return ctl_usage_error("export", "--deliver-token-file, --ca-file and "
							 "--deliver-attempts need --deliver URL");
		return 0;
	}
	if (deliver_check_url(a->deliver_url, err, sizeof(err)) < 0)
		return ctl_usage_error("export", "--deliver '%s': %s", a->deliver_url, err);
	if (a->attempts_text) {
		char *end;
		long n = strtol(a->attempts_text, &end, 10);
		if (*end || end == a->attempts_text || n < 1 || n > MAX_ATTEMPTS)
			return ctl_usage_error("export", "--deliver-attempts must be 1 to %d",
					       MAX_ATTEMPTS);
		a->attempts = (unsigned)n;
	}
	if (a->ca_file && access(a->ca_file, R_OK) < 0)
		return ctl_fail(EX_NOINPUT, "export: --ca-file %s: %s", a->ca_file,
				strerror(errno));
	return 0;
}

static int check_out_dir(const char *dir)
{
	struct stat st;
	if (stat(dir, &st) < 0)
		return ctl_fail(EX_CANTCREAT, "export: --out %s: %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return ctl_fail(EX_CANTCREAT, "export: --out %s is not a directory", dir);
	if (access(dir, W_OK | X_OK) < 0)
		return ctl_fail(EX_CANTCREAT, "export: --out %s: %s", dir, strerror(errno));
	return 0;
}

static int check_args(struct export_args *a)
{
	const char *reason = NULL;
	int modes = (a->week != NULL) + a->last_week + a->catch_up;
	if (modes != 1)
		return ctl_usage_error(
		    "export", "exactly one of --week, --last-week and --catch-up is needed");
	if (!a->out_dir)
		return ctl_usage_error("export", "--out DIR is needed");
	if (a->week && isoweek_parse(a->week, &a->single, &reason) < 0)
		return ctl_usage_error("export", "--week '%s': %s", a->week, reason);
	a->now = (int64_t)time(NULL);
	if (a->as_of && parse_as_of(a->as_of, &a->now) < 0)
		return ctl_usage_error(
		    "export", "--as-of '%s' is neither YYYY-MM-DD nor YYYY-MM-DDTHH:MM:SSZ",
		    a->as_of);
	int rc = check_delivery_args(a);
	return rc ? rc : check_out_dir(a->out_dir);
}

/* The token, read as needlewatch-upload reads its own (client/credential.h). */
static int read_token(struct export_args *a)
{
	char err[256];
	int r = credential_read(a->token_file, &a->token, err, sizeof(err));
	if (r == -EINVAL)
		return ctl_fail(EX_DATAERR, "export: --deliver-token-file: %s", err);
	if (r == -ENOMEM)
		return ctl_fail(EX_SOFTWARE, "export: out of memory");
	if (r < 0)
		return ctl_fail(EX_NOINPUT, "export: --deliver-token-file: %s", err);
	return 0;
}

/* --help is answered here rather than by ctl_parse_options(), which prints
 * the general usage: export has too many options to list there. */
static bool wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return true;
	return false;
}

int export_args_parse(int argc, char **argv, struct export_args *ret)
{
	static const struct option opts[] = {
	    {"week", required_argument, NULL, OPT_WEEK},
	    {"last-week", no_argument, NULL, OPT_LAST_WEEK},
	    {"catch-up", no_argument, NULL, OPT_CATCH_UP},
	    {"out", required_argument, NULL, OPT_OUT},
	    {"deliver", required_argument, NULL, OPT_DELIVER},
	    {"deliver-token-file", required_argument, NULL, OPT_TOKEN_FILE},
	    {"ca-file", required_argument, NULL, OPT_CA_FILE},
	    {"deliver-attempts", required_argument, NULL, OPT_ATTEMPTS},
	    {"as-of", required_argument, NULL, OPT_AS_OF},
	    {"no-refresh", no_argument, NULL, OPT_NO_REFRESH},
	    {"progress", no_argument, NULL, OPT_PROGRESS},
	    CTL_OPTION_HELP,
	    CTL_OPTION_END,
	};
	int first_arg = 0;

	*ret = (struct export_args){.attempts = DEFAULT_ATTEMPTS};
	if (wants_help(argc, argv)) {
		fputs(usage_text, stdout);
		return 0;
	}
	int rc = ctl_parse_options("export", argc, argv, opts, store_option, ret, &first_arg);
	if (rc != CTL_CONTINUE)
		return rc;
	if (first_arg < argc)
		return ctl_usage_error("export", "unexpected argument '%s'", argv[first_arg]);
	rc = check_args(ret);
	if (!rc && ret->token_file)
		rc = read_token(ret);
	return rc ? rc : CTL_CONTINUE;
}

void export_args_free(struct export_args *a)
{
	credential_free(a->token);
	a->token = NULL;
}
