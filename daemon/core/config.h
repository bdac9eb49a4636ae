/* Configuration: needlewatchd.conf, shared by needlewatchd and needlewatchctl.
 *
 * One table (config.c) drives parsing, defaults, --dump-config and the
 * reload rules. Fields are written only by config_load(); everything else
 * reads them. Strings are owned by the struct and freed by config_free(). */
#ifndef NW_CONFIG_H
#define NW_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define CONFIG_DEFAULT_PATH "/etc/needlewatch/needlewatchd.conf"

enum log_format { LOG_FORMAT_TEXT, LOG_FORMAT_JSON };

struct config {
	char *listen_address;           /* "127.0.0.1" */
	int listen_port;                /* 8443 */
	char *tls_cert_file;            /* required by the daemon */
	char *tls_key_file;             /* required by the daemon */
	char *tls_client_ca_file;       /* optional, NULL when unset */
	char *tls_priorities;           /* GnuTLS priority string, TLS 1.2+ only */
	char *db_conninfo;              /* required: the daemon's (needlewatch_app) */
	char *db_admin_conninfo;        /* needlewatchctl's (needlewatch_owner); defaults to db_conninfo */
	char *db_read_conninfo;         /* reads that may lag (a standby); defaults to db_conninfo */
	int db_read_max_age_s;          /* read connections reopened past this age, 60; 0 = never */
	int db_pool_size;               /* writer connections, 2 */
	size_t max_body_bytes;          /* 4 MiB */
	size_t ingest_memory_budget;    /* 16 MiB: bodies being parsed and held to commit; 0 = unlimited */
	int max_connections;            /* 256 */
	int per_ip_connection_limit;    /* 64 */
	int connection_timeout_s;       /* 30 */
	int request_header_timeout_s;   /* 10: a request's header must be in by then */
	int rate_limit_per_token;       /* requests per minute, 0 = unlimited */
	int auth_failures_per_minute;   /* failed authentications per client address (IPv6: /64), 30; 0 = off */
	int batch_max_reports;          /* group commit size, 256 */
	int batch_max_wait_ms;          /* group commit wait, 1 */
	int max_batch_reports;          /* items per batch request, 1000 */
	int summary_refresh_interval_s; /* 300 */
	int suppression_threshold;      /* 5 */
	char *pseudonym_key_file;       /* required by the daemon */
	char *vocabulary_file;          /* /etc/needlewatch/vocabulary.json */
	char *postcode_regions_file;    /* /etc/needlewatch/postcode-regions.tsv */
	int log_level;                  /* enum log_level from log.h, LOG_INFO */
	enum log_format log_format;     /* text */
	bool metrics_allow_remote;      /* false: /metrics answers loopback only */
	int http_threads;               /* libmicrohttpd thread pool, 2 */
	/* Signals (alerts.h); defaults in config.c, meaning in docs/fragments/signals.md */
	bool alerts_enabled;
	char *alerts_sentinel_types;            /* comma-separated complication types */
	int alerts_sentinel_window_weeks;       /* 12 */
	int alerts_sentinel_cluster_cases;      /* 2 */
	int alerts_cluster_window_weeks;        /* 4 */
	int alerts_cluster_baseline_weeks;      /* 52 */
	int alerts_cluster_min_baseline_weeks;  /* 8 */
	int alerts_cluster_min_cases;           /* 3 */
	double alerts_cluster_red_alpha;        /* 0.05, divided by the premises tested */
	double alerts_cluster_amber_alpha;      /* 0.01 */
	int alerts_exceedance_baseline_weeks;   /* 52 */
	int alerts_exceedance_min_baseline_weeks; /* 4 */
	int alerts_exceedance_min_cases;        /* 3 */
	double alerts_exceedance_alpha;         /* 0.005 */
	double alerts_cusum_kappa;              /* ln 2 */
	double alerts_cusum_h;                  /* 4 */
	int alerts_cusum_min_baseline_weeks;    /* 8 */
	int alerts_funnel_weeks;                /* 13 */
	int alerts_funnel_min_cases;            /* 3 */
	int alerts_disproportion_weeks;         /* 52 */
	double alerts_evans_prr;                /* 2 */
	double alerts_evans_chi2;               /* 4 */
	int alerts_evans_min_reports;           /* 3 */
	int alerts_farrington_min_history_weeks;       /* 78: weeks with activity first; 0: rule 5 off */
	int alerts_farrington_years;                   /* 5: at most b years of reference */
	int alerts_farrington_half_window;             /* 3: w, reference weeks +- w */
	int alerts_farrington_periods;                 /* 10: noPeriods */
	int alerts_farrington_past_weeks_excluded;     /* 26: pastWeeksNotIncluded */
	double alerts_farrington_weights_threshold;    /* 2.58: Anscombe residual to down-weight */
	int alerts_farrington_trend_min_years;         /* 3: the trend needs b >= this */
	double alerts_farrington_trend_p;              /* 1: pThresholdTrend (trend whenever b allows) */
	double alerts_farrington_alpha;                /* 0.01: U is the 1 - alpha quantile */
	int alerts_farrington_min_cases;               /* 5: cases needed in the last weeks */
	int alerts_farrington_min_cases_weeks;         /* 4: ... that many weeks */
	int alerts_recompute_max_weeks;         /* 60 */
	char *alerts_webhook_url;               /* https://..., NULL: no webhook */
	char *alerts_webhook_secret_file;       /* the HMAC key, NULL: none */
	char *alerts_webhook_ca_file;           /* NULL: system CAs */
	bool alerts_webhook_amber;              /* announce amber alerts too */
	char *web_dir;                  /* the dashboard's static files, $(DATADIR)/web */
	int session_idle_timeout_s;     /* a dashboard session unused this long ends, 8 h */
	int session_max_age_s;          /* and any session ends this long after sign-in, 12 h */
};

/* Fills *cfg with defaults, then reads path. On failure returns -EINVAL (or
 * -errno for an unreadable file) and writes "path:line: reason" into err.
 * Unknown keys, duplicate keys and bad values are errors. *cfg is left
 * fully defaulted-and-freed-safe either way: always call config_free(). */
int config_load(struct config *cfg, const char *path, char *err, size_t errlen);

/* Checks the keys only the daemon needs (certificate, key, pseudonym key,
 * db_conninfo). Returns 0 or -EINVAL with "path: reason" in err. */
int config_require_daemon(const struct config *cfg, const char *path, char *err, size_t errlen);

/* True when key cannot change on SIGHUP (listen address, port, pool size...). */
bool config_key_needs_restart(const char *key);

/* Writes every key = value, secrets-bearing values (db conninfo passwords) masked. */
void config_dump(const struct config *cfg, FILE *out);

/* Frees the strings; the struct itself belongs to the caller. Accepts NULL. */
void config_free(struct config *cfg);

#endif
