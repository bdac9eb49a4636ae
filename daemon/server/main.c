/* needlewatchd: the HTTPS receiver. Runs in the foreground (systemd style),
 * logs to stderr, exits 0 after a clean SIGTERM/SIGINT. */
#include "config.h"
#include "dbpool.h"
#include "directory.h"
#include "http.h"
#include "liveconfig.h"
#include "log.h"
#include "metrics.h"
#include "pseudonym.h"
#include "ratelimit.h"
#include "routes.h"
#include "admission.h"
#include "refresher.h"
#include "sdnotify.h"
#include "server.h"
#include "codes_dump.h"
#include "sessions.h"
#include "snapshot.h"
#include "store.h"
#include "vocab.h"
#include "writer.h"

#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#ifndef NW_VERSION
#define NW_VERSION "0.1.0"
#endif
#define EX_OK 0
#define EX_USAGE 64
#define EX_SOFTWARE 70
#define EX_OSERR 71
#define EX_CONFIG 78
/* How long SIGTERM waits for requests in flight before stopping anyway. */
#define DRAIN_TIMEOUT_MS 15000
/* Accounts whose request rate is tracked at once (about 48 bytes each). */
#define RATELIMIT_KEYS 16384
/* Client addresses (IPv6: /64s) whose failed authentications are tracked at
 * once, about 36 bytes each. Only failures add one; an address leaves when
 * idle a minute. When all are in use a new address goes untracked (fail
 * open, see guard_auth in routes.c): filling the table takes this many
 * addresses failing within a minute, and such an attacker already gets
 * this many times the limit; failing closed instead would let them lock
 * every other client out. */
#define AUTH_FAILURE_KEYS 65536
/* Dashboard sessions held at once: far more regulators than sign in at a
 * time; when full, the one used least recently is signed out. */
#define SESSION_SLOTS 1024

struct options {
	const char *config_path;
	bool check_only;
	bool dump;
	bool dump_codes;
};

static void usage(FILE *out)
{
	fputs("usage: needlewatchd [-c FILE] [--check-config] [--dump-config] [--dump-codes]\n"
	      "                   [--list-routes]\n"
	      "  -c, --config FILE   configuration (default " CONFIG_DEFAULT_PATH ")\n"
	      "      --check-config  validate the configuration and exit (0, or 78)\n"
	      "      --dump-config   print the effective configuration, secrets masked\n"
	      "      --dump-codes    load the vocabulary, print every code list as JSON\n"
	      "      --list-routes   print every route served, \"METHOD /path\" a line, and exit\n"
	      "  -h, --help          this text\n"
	      "      --version       print the version\n",
	      out);
}

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'c'}, {"check-config", no_argument, NULL, 'k'},
		{"dump-config", no_argument, NULL, 'd'},  {"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},      {"dump-codes", no_argument, NULL, 'D'},
		{"list-routes", no_argument, NULL, 'L'},
		{NULL, 0, NULL, 0},
	};
	int ch;
	o->config_path = CONFIG_DEFAULT_PATH;
	while ((ch = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': o->config_path = optarg; break;
		case 'k': o->check_only = true; break;
		case 'd': o->dump = true; break;
		case 'D': o->dump_codes = true; break;
		case 'h': usage(stdout); exit(EX_OK);
		case 'V': puts("needlewatchd " NW_VERSION); exit(EX_OK);
		/* the route table itself, for docs/openapi.yaml's test */
		case 'L': routes_list(stdout); exit(EX_OK);
		default: usage(stderr); return -EINVAL;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return -EINVAL;
	}
	return 0;
}

/* SIGHUP, told to systemd as RELOADING=1 ... READY=1: a whole new snapshot
 * (configuration, tables, TLS files) or, when any part fails, the previous
 * one kept whole; the unit's status says the reload failed and why. */
static void reload_all(struct server *s)
{
	char err[512] = "";

	sdnotify_reloading();
	bool ok = liveconfig_reload(s->live, s->config_path, err, sizeof(err)) >= 0;
	if (ok) {
		const struct snapshot *snap = snapshot_get(s->live);
		admission_set_budget(s->admission, snap->cfg.ingest_memory_budget);
		metrics_note_tls_certificate(s->metrics, snap->cfg.tls_cert_file);
		snapshot_put(snap);
	}
	sdnotify_reloaded(ok, err);
}

static int signal_fd(void)
{
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	/* Blocked before any thread starts, so every thread inherits the mask and
	 * signals are only ever read here, in the main loop. */
	pthread_sigmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	return signalfd(-1, &mask, SFD_CLOEXEC);
}

/* The next signal, or 0 after timeout_ms (-1: none) without one. */
static int next_signal(int sfd, int timeout_ms)
{
	struct pollfd p = {.fd = sfd, .events = POLLIN};
	if (poll(&p, 1, timeout_ms) <= 0)
		return 0;
	struct signalfd_siginfo si;
	if (read(sfd, &si, sizeof(si)) != sizeof(si))
		return 0;
	return (int)si.ssi_signo;
}

/* Stop accepting, let requests in flight finish, drain the writer. */
static void drain(struct server *s, struct http *h, int sfd)
{
	sdnotify_stopping();
	atomic_store(&s->stopping, true);
	http_quiesce(h);
	for (int waited = 0; atomic_load(&s->active_requests) > 0 && waited < DRAIN_TIMEOUT_MS;
	     waited += 50) {
		int sig = next_signal(sfd, 50);
		if (sig == SIGTERM || sig == SIGINT) {
			log_event(LOG_WARNING, "shutdown_forced", "in_flight=%d",
				  atomic_load(&s->active_requests));
			_exit(1);
		}
	}
	/* Whatever still waits for room goes on now, to the writer or to a
	 * 503: no connection may stay suspended once MHD stops. */
	admission_open(s->admission);
	writer_stop(s->writer);
}

/* The main loop: signals, and the watchdog's keep-alives between them (a
 * loop stuck anywhere stops them, and systemd restarts the daemon). */
static void run(struct server *s, struct http *h, int sfd)
{
	int watchdog_ms = sdnotify_watchdog_interval_ms();
	for (;;) {
		int sig = next_signal(sfd, watchdog_ms);
		if (watchdog_ms > 0)
			sdnotify_watchdog();
		if (sig == SIGHUP) {
			reload_all(s);
			continue;
		}
		if (sig == SIGTERM || sig == SIGINT) {
			log_event(LOG_INFO, "shutdown", "signal=%s in_flight=%d",
				  sig == SIGTERM ? "TERM" : "INT", atomic_load(&s->active_requests));
			drain(s, h, sfd);
			return;
		}
	}
}

/* Every writer connection prepares the statements of every module that
 * writes through the writer. */
static int prepare_writer_connection(PGconn *conn)
{
	return store_prepare(conn);
}

/* Everything but the HTTP listener, from the restart-only keys of cfg. */
static int start_parts(struct server *s, const struct config *cfg)
{
	char err[512];
	if (pseudonym_key_load(&s->key, cfg->pseudonym_key_file, err, sizeof(err)) < 0) {
		fprintf(stderr, "needlewatchd: %s\n", err);
		return EX_CONFIG;
	}
	s->metrics = metrics_new();
	s->ratelimit = ratelimit_new(RATELIMIT_KEYS);
	s->auth_failures = ratelimit_new(AUTH_FAILURE_KEYS);
	s->admission = admission_new(cfg->ingest_memory_budget);
	s->sessions = session_store_new(SESSION_SLOTS);
	s->readers = dbpool_new(cfg->db_conninfo, cfg->http_threads + 1);
	s->replicas = strcmp(cfg->db_read_conninfo, cfg->db_conninfo) == 0
			  ? s->readers
			  : dbpool_new(cfg->db_read_conninfo, cfg->http_threads + 1);
	/* Only a separate read pool can sit on a host it fell back to. */
	if (s->replicas && s->replicas != s->readers)
		dbpool_set_max_age(s->replicas, cfg->db_read_max_age_s);
	/* Without it every request asks the database who its token is. */
	if (directory_cache_start(cfg->db_conninfo) < 0)
		log_event(LOG_WARNING, "token_cache", "state=off reason=\"out of memory or threads\"");
	s->writer = writer_new(cfg->db_conninfo, cfg->db_pool_size, cfg->batch_max_reports,
			       cfg->batch_max_wait_ms, prepare_writer_connection);
	if (!s->metrics || !s->ratelimit || !s->auth_failures || !s->admission || !s->readers ||
	    !s->replicas || !s->writer || !s->sessions)
		return EX_OSERR;
	return 0;
}

/* Starts the parts and the listener from cfg, the first snapshot's: what
 * it is used for here needs a restart to change. */
static int start_listening(struct server *s, const struct config *cfg, struct http **ret_h,
			   int *ret_sfd)
{
	char err[512], q[600];
	*ret_sfd = signal_fd(); /* before any thread starts */
	int rc = start_parts(s, cfg);
	if (rc)
		return rc;
	*ret_h = http_start(s, err, sizeof(err));
	if (!*ret_h || *ret_sfd < 0) {
		fprintf(stderr, "needlewatchd: %s\n", *ret_h ? "signalfd failed" : err);
		return EX_OSERR;
	}
	log_event(LOG_INFO, "listening", "address=%s port=%d threads=%d writers=%d",
		  log_quote(q, sizeof(q), cfg->listen_address), cfg->listen_port,
		  cfg->http_threads, cfg->db_pool_size);
	metrics_note_tls_certificate(s->metrics, cfg->tls_cert_file);
	snprintf(err, sizeof(err), "serving https on %s port %d", cfg->listen_address,
		 cfg->listen_port);
	sdnotify_ready(err);
	return 0;
}

/* Starts, serves until SIGTERM, stops. */
static int start(struct server *s)
{
	struct http *h = NULL;
	int sfd = -1;
	/* Held for start-up only, so that a reload can free it. */
	const struct snapshot *boot = snapshot_get(s->live);
	int rc = start_listening(s, &boot->cfg, &h, &sfd);
	snapshot_put(boot);
	if (rc)
		return rc;
	/* Its own connection and thread; a failure to start costs fresh
	 * summaries, not the service: `needlewatchctl refresh` still works. */
	struct refresher *refresher = refresher_start(s->live);
	if (!refresher)
		log_event(LOG_ERROR, "refresher_not_started", "reason=\"out of memory or threads\"");
	run(s, h, sfd);
	refresher_stop(refresher);
	http_stop(h);
	close(sfd);
	log_event(LOG_INFO, "stopped", "status=0");
	return EX_OK;
}

static void server_cleanup(struct server *s)
{
	if (s->writer) {
		writer_stop(s->writer);
		writer_free(s->writer);
	}
	directory_cache_stop();
	if (s->replicas != s->readers)
		dbpool_free(s->replicas);
	dbpool_free(s->readers);
	metrics_free(s->metrics);
	ratelimit_free(s->ratelimit);
	ratelimit_free(s->auth_failures);
	admission_free(s->admission);
	session_store_free(s->sessions);
	snapshot_slot_free(s->live);
	explicit_bzero(&s->key, sizeof(s->key));
}

/* --check-config and --dump-codes: the vocabulary is checked at load against
 * the schema's lists (vocab.h), so a bad one fails here, before a start. */
static int check_vocabulary(const struct config *cfg, FILE *dump)
{
	char err[512];
	struct vocab *v = vocab_load(cfg->vocabulary_file, err, sizeof(err));

	if (!v) {
		fprintf(stderr, "%s\n", err);
		return EX_CONFIG;
	}
	int rc = dump ? codes_dump(v, dump) : 0;
	vocab_free(v);
	return rc < 0 ? EX_OSERR : EX_OK;
}

int main(int argc, char **argv)
{
	struct options o = {0};
	struct config cfg = {0};
	struct server s = {0};
	char err[512];

	/* A fixed mmap threshold: glibc would otherwise raise it to the size
	 * of each large block freed (request bodies, arena blocks of a batch),
	 * after which such blocks come from the heaps of the request threads
	 * and stay there, fragmented, long after the batch is answered. */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	if (parse_options(argc, argv, &o) < 0)
		return EX_USAGE;
	if (config_load(&cfg, o.config_path, err, sizeof(err)) < 0 ||
	    config_require_daemon(&cfg, o.config_path, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		config_free(&cfg);
		return EX_CONFIG;
	}
	if (o.dump)
		config_dump(&cfg, stdout);
	if (o.check_only || o.dump || o.dump_codes) {
		int rc = o.check_only || o.dump_codes
			     ? check_vocabulary(&cfg, o.dump_codes ? stdout : NULL)
			     : EX_OK;
		config_free(&cfg);
		return rc;
	}
	log_setup((enum log_level)cfg.log_level, cfg.log_format == LOG_FORMAT_JSON);
	/* No core dumps and no ptrace by other users: memory holds the
	 * pseudonym key, the TLS key and, briefly, tokens and patient refs. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	/* The first snapshot: from here on the configuration lives in it alone. */
	struct snapshot *first = liveconfig_build(&cfg, err, sizeof(err));
	s.live = first ? snapshot_slot_new(first) : NULL;
	if (!s.live) {
		fprintf(stderr, "needlewatchd: %s\n", first ? "out of memory" : err);
		return EX_CONFIG;
	}
	s.config_path = o.config_path;
	int rc = start(&s);
	server_cleanup(&s);
	return rc;
}
