/* needlewatch-upload: sends a clinic's report and activity files to
 * needlewatchd, named on the command line or dropped into a spool folder.
 * Options here; the send loop is uploader.c, the spool outbox.c. */
#include "log.h"
#include "termtext.h"
#include "outbox.h"
#include "status.h"
#include "transport.h"
#include "uploader.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/signalfd.h>
#include <sysexits.h>
#include <unistd.h>

#ifndef NW_VERSION
#define NW_VERSION "0.1.0"
#endif
#define PROGRAM "needlewatch-upload"
/* The first retry waits about this long; each next one twice as long. */
#define RETRY_BASE_MS 500

struct options {
	const char *url, *token_file, *ca_file, *spool, *log_level, *log_format;
	const char *cert_file, *key_file;
	bool once, activity, progress;
	int64_t interval_ms, settle_ms, connect_timeout_ms, timeout_ms, max_delay_ms, retry_for_ms;
	long parallel;
	char **files;
	size_t n_files;
	char *base_url; /* url without trailing slashes (malloc'd) */
};

static void usage(FILE *out)
{
	fputs("usage: " PROGRAM " --url URL --token-file FILE [OPTION...] FILE...\n"
	      "       " PROGRAM " --url URL --token-file FILE [OPTION...] --spool DIR [--once]\n"
	      "       " PROGRAM " status --url URL --token-file FILE (see status --help)\n"
	      "\n"
	      "Sends complication reports and activity counts to a needlewatchd server.\n"
	      "\n"
	      "  --url URL              the server's base URL, https:// only\n"
	      "  --token-file FILE      the reporter token, alone in a file (never printed)\n"
	      "  --ca-file FILE         PEM CA bundle that signs the server's certificate\n"
	      "                         (default: the system's CAs; verification is always on)\n"
	      "  --cert FILE            client certificate (PEM) to present, for a token the\n"
	      "                         server bound to it; goes with --key\n"
	      "  --key FILE             its private key (PEM, not encrypted)\n"
	      "  --spool DIR            send the files dropped into DIR/new/, keep polling\n"
	      "  --once                 with --spool: send what is there, then exit\n"
	      "  --interval SECONDS     with --spool: time between looks at new/ (default 10)\n"
	      "  --settle SECONDS       with --spool: a file modified less than this long\n"
	      "                         ago may still be being written; it waits for a later\n"
	      "                         pass (default 5; 0 turns the wait off)\n"
	      "  --activity             every file is activity (POST /v1/activity)\n"
	      "  --parallel N           requests in flight at once, 1-32 (default 4)\n"
	      "  --connect-timeout SECONDS  to connect, TLS included (default 10)\n"
	      "  --timeout SECONDS      for a whole request, answer included (default 60)\n"
	      "  --max-delay SECONDS    longest wait before a retry, Retry-After included\n"
	      "                         (default 60)\n"
	      "  --retry-for SECONDS    FILE... or --once: give up after this long without\n"
	      "                         progress and leave the rest pending (default 300)\n"
	      "  --progress             \"k of N\" files on stderr even when it is not a\n"
	      "                         terminal (on a terminal it is always shown)\n"
	      "  --log-level LEVEL      debug, info, warning or error (default info)\n"
	      "  --log-format FORMAT    text or json (default text)\n"
	      "  -h, --help             this text\n"
	      "      --version          print the version\n"
	      "\n"
	      "Files: NAME.json (a report, an array of reports, or FHIR: a \"resourceType\"\n"
	      "member), NAME.ndjson and NAME.csv go to POST /v1/reports; NAME.activity.json\n"
	      "and NAME.activity.csv to POST /v1/activity.\n"
	      "Spool: write a file into DIR/tmp/, then rename it into DIR/new/. It moves to\n"
	      "DIR/cur/ while being sent, then to DIR/sent/ once stored (or found already\n"
	      "stored), or to DIR/failed/ with the server's answer in NAME.problem.json.\n"
	      "A file that changes while it is sent stays in DIR/cur/ and is sent again.\n"
	      "\n"
	      "Exit status (sysexits.h):\n"
	      "   0  every file was stored, or found already stored\n"
	      "  64  usage error\n"
	      "  65  some file was refused for good (see the log, and failed/)\n"
	      "  70  internal error\n"
	      "  71  system error (out of memory, signals)\n"
	      "  74  spool error: a directory, move or fsync failed\n"
	      "  75  files still pending: the server stayed unreachable for --retry-for,\n"
	      "      the run was interrupted, or another uploader holds the spool\n"
	      "  77  the server refused the token (401/403)\n"
	      "  78  configuration error: token or CA file unusable, wrong --url\n"
	      "      (3xx/404/405), or the server's certificate did not verify\n",
	      out);
}

/* "2", "0.5": seconds within [min_s, max_s], in milliseconds. */
static int parse_seconds(const char *s, double min_s, double max_s, int64_t *ret_ms)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < min_s || v > max_s)
		return -EINVAL;
	*ret_ms = (int64_t)(v * 1000 + 0.5);
	return 0;
}

enum {
	OPT_URL = 0x100,
	OPT_TOKEN_FILE,
	OPT_CA_FILE,
	OPT_SPOOL,
	OPT_ONCE,
	OPT_INTERVAL,
	OPT_SETTLE,
	OPT_ACTIVITY,
	OPT_PARALLEL,
	OPT_CONNECT_TIMEOUT,
	OPT_TIMEOUT,
	OPT_MAX_DELAY,
	OPT_RETRY_FOR,
	OPT_LOG_LEVEL,
	OPT_LOG_FORMAT,
	OPT_VERSION,
	OPT_CERT,
	OPT_KEY,
	OPT_PROGRESS,
};

/* Stores one option (called name, for the message); -EINVAL with a
 * message for a bad value. */
static int set_option(struct options *o, int c, const char *name, const char *arg)
{
	char *end;
	int r = 0;

	switch (c) {
	case OPT_URL:
		o->url = arg;
		break;
	case OPT_TOKEN_FILE:
		o->token_file = arg;
		break;
	case OPT_CA_FILE:
		o->ca_file = arg;
		break;
	case OPT_CERT:
		o->cert_file = arg;
		break;
	case OPT_KEY:
		o->key_file = arg;
		break;
	case OPT_PROGRESS:
		o->progress = true;
		break;
	case OPT_SPOOL:
		o->spool = arg;
		break;
	case OPT_ONCE:
		o->once = true;
		break;
	case OPT_ACTIVITY:
		o->activity = true;
		break;
	case OPT_LOG_LEVEL:
		o->log_level = arg;
		break;
	case OPT_LOG_FORMAT:
		o->log_format = arg;
		break;
	case OPT_INTERVAL:
		r = parse_seconds(arg, 0.01, 86400, &o->interval_ms);
		break;
	case OPT_SETTLE:
		r = parse_seconds(arg, 0, 3600, &o->settle_ms);
		break;
	case OPT_CONNECT_TIMEOUT:
		r = parse_seconds(arg, 0.1, 600, &o->connect_timeout_ms);
		break;
	case OPT_TIMEOUT:
		r = parse_seconds(arg, 0.1, 3600, &o->timeout_ms);
		break;
	case OPT_MAX_DELAY:
		r = parse_seconds(arg, 0.01, 86400, &o->max_delay_ms);
		break;
	case OPT_RETRY_FOR:
		r = parse_seconds(arg, 0, 7 * 86400, &o->retry_for_ms);
		break;
	case OPT_PARALLEL:
		errno = 0;
		o->parallel = strtol(arg, &end, 10);
		if (errno || end == arg || *end || o->parallel < 1 ||
		    o->parallel > TRANSPORT_MAX_PARALLEL)
			r = -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	if (r < 0) {
		char clean[128];
		fprintf(stderr, PROGRAM ": invalid value '%s' for --%s\n",
			termtext_clean(clean, sizeof(clean), arg, /* keep_newlines= */ false),
			name);
	}
	return r;
}

static int check_url(struct options *o)
{
	size_t n;

	if (!o->url || strncasecmp(o->url, "https://", 8) != 0 || !o->url[8]) {
		fputs(PROGRAM ": --url must be an https:// URL (TLS is not optional)\n", stderr);
		return -EINVAL;
	}
	if (strpbrk(o->url, " \t\r\n?#")) {
		fputs(PROGRAM
		      ": --url must be the server's base URL, without spaces, query or fragment\n",
		      stderr);
		return -EINVAL;
	}
	n = strlen(o->url);
	while (n > 8 && o->url[n - 1] == '/')
		n--;
	o->base_url = strndup(o->url, n);
	return o->base_url ? 0 : -ENOMEM;
}

/* Everything that can be wrong with the command line before anything runs. */
static int check_options(struct options *o)
{
	if (check_url(o) < 0)
		return -EINVAL;
	if (!o->token_file) {
		fputs(PROGRAM ": --token-file is required\n", stderr);
		return -EINVAL;
	}
	if (!o->spool == !o->n_files) {
		fputs(PROGRAM ": give either FILE... or --spool DIR\n", stderr);
		return -EINVAL;
	}
	if (!o->cert_file != !o->key_file) {
		fputs(PROGRAM ": --cert and --key go together\n", stderr);
		return -EINVAL;
	}
	if ((o->cert_file && access(o->cert_file, R_OK) < 0) ||
	    (o->key_file && access(o->key_file, R_OK) < 0)) {
		fprintf(stderr, PROGRAM ": cannot read --%s: %s\n",
			o->cert_file && access(o->cert_file, R_OK) < 0 ? "cert" : "key",
			strerror(errno));
		return -EINVAL;
	}
	if (o->once && !o->spool) {
		fputs(PROGRAM ": --once goes with --spool\n", stderr);
		return -EINVAL;
	}
	if (log_level_from_string(o->log_level) < 0 ||
	    (strcmp(o->log_format, "text") && strcmp(o->log_format, "json"))) {
		fputs(PROGRAM ": --log-level is debug|info|warning|error, --log-format text|json\n",
		      stderr);
		return -EINVAL;
	}
	return 0;
}

/* Returns 0 to run, or an exit code (EX_OK after --help/--version). */
static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
	    {"url", required_argument, NULL, OPT_URL},
	    {"token-file", required_argument, NULL, OPT_TOKEN_FILE},
	    {"ca-file", required_argument, NULL, OPT_CA_FILE},
	    {"cert", required_argument, NULL, OPT_CERT},
	    {"key", required_argument, NULL, OPT_KEY},
	    {"progress", no_argument, NULL, OPT_PROGRESS},
	    {"spool", required_argument, NULL, OPT_SPOOL},
	    {"once", no_argument, NULL, OPT_ONCE},
	    {"interval", required_argument, NULL, OPT_INTERVAL},
	    {"settle", required_argument, NULL, OPT_SETTLE},
	    {"activity", no_argument, NULL, OPT_ACTIVITY},
	    {"parallel", required_argument, NULL, OPT_PARALLEL},
	    {"connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT},
	    {"timeout", required_argument, NULL, OPT_TIMEOUT},
	    {"max-delay", required_argument, NULL, OPT_MAX_DELAY},
	    {"retry-for", required_argument, NULL, OPT_RETRY_FOR},
	    {"log-level", required_argument, NULL, OPT_LOG_LEVEL},
	    {"log-format", required_argument, NULL, OPT_LOG_FORMAT},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, OPT_VERSION},
	    {NULL, 0, NULL, 0},
	};
	int c, idx = 0;

	while ((c = getopt_long(argc, argv, "h", longopts, &idx)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return EX_OK;
		}
		if (c == OPT_VERSION) {
			puts(PROGRAM " " NW_VERSION);
			return EX_OK;
		}
		if (c == '?' || set_option(o, c, longopts[idx].name, optarg) < 0) {
			fputs("Try '" PROGRAM " --help'.\n", stderr);
			return EX_USAGE;
		}
	}
	o->files = argv + optind;
	o->n_files = (size_t)(argc - optind);
	if (check_options(o) < 0) {
		fputs("Try '" PROGRAM " --help'.\n", stderr);
		return EX_USAGE;
	}
	return -1;
}

/* SIGTERM, SIGINT, SIGHUP arrive on a descriptor the send loop polls;
 * SIGPIPE is ignored (a closed connection is an error code, not a death). */
static int signals_setup(void)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	int fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static int run(const struct options *o, struct transport *tx, int sigfd)
{
	struct uploader_config cfg = {
	    .policy = {.base_ms = RETRY_BASE_MS, .max_ms = (uint32_t)o->max_delay_ms},
	    .activity = o->activity,
	    .keep_trying = o->spool && !o->once,
	    .retry_for_ms = o->retry_for_ms,
	    .interval_ms = o->interval_ms,
	    .settle_ms = o->settle_ms,
	    .token_file = o->token_file,
	    .signal_fd = sigfd,
	    .progress = o->progress,
	};
	struct outbox *ob = NULL;
	char err[512], q[600];
	int rc;

	if (cfg.policy.base_ms > cfg.policy.max_ms)
		cfg.policy.base_ms = cfg.policy.max_ms;
	struct uploader *u = uploader_new(&cfg, tx);
	if (!u)
		return EX_OSERR;
	if (!o->spool) {
		rc = uploader_send_files(u, o->files, o->n_files);
		goto out;
	}
	int r = outbox_open(o->spool, &ob, err, sizeof(err));
	if (r < 0) {
		log_event(LOG_ERROR, "spool_unusable", "reason=\"%s\"",
			  log_quote(q, sizeof(q), err));
		rc = r == -EBUSY ? EX_TEMPFAIL : EX_IOERR;
		goto out;
	}
	rc = uploader_run_spool(u, ob);
out:
	outbox_free(ob);
	uploader_free(u);
	return rc;
}

int main(int argc, char **argv)
{
	struct options o = {
	    .interval_ms = 10000,
	    /* Long enough for a producer that writes a file in a few bursts,
	     * short beside the 10 s interval. */
	    .settle_ms = 5000,
	    .connect_timeout_ms = 10000,
	    .timeout_ms = 60000,
	    .max_delay_ms = 60000,
	    .retry_for_ms = 300000,
	    .parallel = 4,
	    .log_level = "info",
	    .log_format = "text",
	};
	char err[256];
	/* A subcommand has options of its own (status.c). */
	if (argc > 1 && strcmp(argv[1], "status") == 0)
		return status_main(argc - 1, argv + 1);
	int rc = parse_options(argc, argv, &o);

	if (rc >= 0) {
		free(o.base_url); /* set before a later check may refuse the line */
		return rc;
	}
	log_setup((enum log_level)log_level_from_string(o.log_level),
		  strcmp(o.log_format, "json") == 0);
	int sigfd = signals_setup();
	if (sigfd < 0 || transport_global_init() < 0) {
		log_event(LOG_ERROR, "startup_failed", "reason=\"signals or libcurl\"");
		free(o.base_url);
		return EX_OSERR;
	}
	struct transport_config tc = {
	    .base_url = o.base_url,
	    .ca_file = o.ca_file,
	    .cert_file = o.cert_file,
	    .key_file = o.key_file,
	    .connect_timeout_ms = (long)o.connect_timeout_ms,
	    .timeout_ms = (long)o.timeout_ms,
	    .parallel = (unsigned)o.parallel,
	};
	struct transport *tx = transport_new(&tc, err, sizeof(err));
	if (!tx) {
		log_event(LOG_ERROR, "startup_failed", "reason=\"%s\"", err);
		rc = EX_SOFTWARE;
	} else {
		rc = run(&o, tx, sigfd);
	}
	transport_free(tx);
	transport_global_cleanup();
	close(sigfd);
	free(o.base_url);
	return rc;
}
