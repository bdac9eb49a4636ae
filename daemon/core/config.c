/* Configuration loader: one table of keys drives defaults, parsing, reload rules and the dump.
 *
 * Design (after pgbouncer's cf_* tables): every key is one row naming its
 * type, the field it fills (by offsetof), its default as the string a person
 * would write in the file, whether SIGHUP may change it and whether it holds
 * a secret. Defaults go through the very parser the file does, so a default
 * can never be a value the file would refuse. The table is const and the
 * loader keeps its state on the stack: nothing here is global and mutable. */
#include "config.h"

/* Where `make install` puts the dashboard (the Makefile passes DATADIR/web). */
#ifndef NW_WEB_DIR
#define NW_WEB_DIR "/usr/local/share/needlewatch/web"
#endif
#include "log.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Longest accepted line, newline excluded: generous for any conninfo or
 * priority string, and a bound on what a corrupt file can make us read. */
#define CONFIG_LINE_MAX 4096
/* How much of an offending key or value an error message repeats. */
#define CONFIG_ECHO_MAX 64

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define KIB ((long long)1024)
#define MIB (KIB * 1024)
#define GIB (MIB * 1024)

enum key_type {
	KEY_STRING,	/* free text, stored as written */
	KEY_PATH,	/* a file name; relative names are taken from the working directory */
	KEY_INT,	/* decimal, within [min, max] */
	KEY_SIZE,	/* bytes, k/M/G suffixes are powers of 1024, within [min, max] */
	KEY_BOOL,	/* yes/no, true/false, on/off, 1/0 */
	KEY_LOG_LEVEL,	/* an int holding enum log_level */
	KEY_LOG_FORMAT, /* enum log_format */
	KEY_DOUBLE,	/* a finite decimal number, greater than 0 and at most max */
};

struct enum_name {
	const char *name;
	int value;
};

struct key {
	const char *name;
	size_t offset;		       /* of the field in struct config */
	const char *def;	       /* NULL: unset by default, and an empty value unsets */
	long long min, max;	       /* KEY_INT and KEY_SIZE */
	const struct enum_name *names; /* KEY_BOOL and the enums, NULL-terminated */
	enum key_type type;	       /* how the value is parsed and stored */
	bool needs_restart;	       /* SIGHUP cannot apply a change */
	bool secret;		       /* a conninfo: its passwords are masked in the dump */
	bool daemon_required;	       /* config_require_daemon() insists on it */
};

/* The tables below read best as one row per entry. */
/* clang-format off */
static const struct enum_name bool_names[] = {
	{ "yes", 1 }, { "no", 0 }, { "true", 1 }, { "false", 0 },
	{ "on", 1 },  { "off", 0 }, { "1", 1 },   { "0", 0 },   { NULL, 0 },
};

static const struct enum_name log_level_names[] = {
	{ "debug", LOG_DEBUG }, { "info", LOG_INFO }, { "warning", LOG_WARNING },
	{ "error", LOG_ERROR }, { NULL, 0 },
};

static const struct enum_name log_format_names[] = {
	{ "text", LOG_FORMAT_TEXT },
	{ "json", LOG_FORMAT_JSON },
	{ NULL, 0 },
};

/* The offset of field f, refusing to compile unless f has type T: a row
 * pointing at a field of another type would read or write past it. */
#define FIELD(f, T)                                                                                \
	(offsetof(struct config, f) +                                                              \
	 0 * sizeof(char[_Generic(((struct config *)0)->f, T : 1, default : -1)]))

#define CF_RESTART true
#define CF_LIVE false

#define CF_STR(f, def, restart) { #f, FIELD(f, char *), def, 0, 0, NULL, KEY_STRING, restart, false, false }
#define CF_SECRET(f, def, restart, req) { #f, FIELD(f, char *), def, 0, 0, NULL, KEY_STRING, restart, true, req }
#define CF_PATH(f, def, restart, req) { #f, FIELD(f, char *), def, 0, 0, NULL, KEY_PATH, restart, false, req }
#define CF_INT(f, def, lo, hi, restart) { #f, FIELD(f, int), def, lo, hi, NULL, KEY_INT, restart, false, false }
#define CF_SIZE(f, def, lo, hi, restart) { #f, FIELD(f, size_t), def, lo, hi, NULL, KEY_SIZE, restart, false, false }
#define CF_BOOL(f, def, restart) { #f, FIELD(f, bool), def, 0, 0, bool_names, KEY_BOOL, restart, false, false }
#define CF_DOUBLE(f, def, hi, restart) { #f, FIELD(f, double), def, 0, hi, NULL, KEY_DOUBLE, restart, false, false }
#define CF_ENUM(f, T, type, names, def, restart) { #f, FIELD(f, T), def, 0, 0, names, type, restart, false, false }

/* In the order of struct config, which is also the order of the dump. A key
 * is CF_RESTART when its value is consumed once at start-up (sockets, thread
 * and connection pools, libmicrohttpd options). */
static const struct key config_keys[] = {
	CF_STR(listen_address, "127.0.0.1", CF_RESTART),
	CF_INT(listen_port, "8443", 1, 65535, CF_RESTART),
	/* The certificate and key are re-read on SIGHUP, so their names may change too. */
	CF_PATH(tls_cert_file, NULL, CF_LIVE, true),
	CF_PATH(tls_key_file, NULL, CF_LIVE, true),
	CF_PATH(tls_client_ca_file, NULL, CF_RESTART, false),
	CF_STR(tls_priorities, "SECURE128:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-CIPHER-ALL:+AES-256-GCM:+AES-128-GCM:+CHACHA20-POLY1305:-SHA1:%SERVER_PRECEDENCE", CF_RESTART),
	CF_SECRET(db_conninfo, NULL, CF_RESTART, true),
	/* Only needlewatchctl connects with it: nothing in the daemon to restart. */
	CF_SECRET(db_admin_conninfo, NULL, CF_LIVE, false),
	/* Reads that may lag the primary (summaries, a report by id, the
	 * export): a standby, e.g. with target_session_attrs=prefer-standby.
	 * Unset: db_conninfo. The read pool is opened once, at start-up. */
	CF_SECRET(db_read_conninfo, NULL, CF_RESTART, false),
	/* A read connection older than this is closed when next borrowed, so a
	 * pool that fell back to the primary during a failover returns to a
	 * standby (prefer-standby) within this long; 0 keeps connections. */
	CF_INT(db_read_max_age_s, "60", 0, 86400, CF_RESTART),
	CF_INT(db_pool_size, "2", 1, 64, CF_RESTART),
	CF_SIZE(max_body_bytes, "4MiB", KIB, GIB, CF_LIVE),
	CF_SIZE(ingest_memory_budget, "16MiB", 0, GIB, CF_LIVE),
	CF_INT(max_connections, "256", 1, 65536, CF_RESTART),
	CF_INT(per_ip_connection_limit, "64", 0, 65536, CF_RESTART),
	CF_INT(connection_timeout_s, "30", 1, 3600, CF_RESTART),
	/* Read by the sweeper at each pass (reqtimeout.c), not by libmicrohttpd. */
	CF_INT(request_header_timeout_s, "10", 1, 3600, CF_LIVE),
	CF_INT(rate_limit_per_token, "0", 0, 1000000, CF_LIVE),
	/* Read at each request needing authentication (routes.c), like the line above. */
	CF_INT(auth_failures_per_minute, "30", 0, 1000000, CF_LIVE),
	CF_INT(batch_max_reports, "256", 1, 10000, CF_RESTART),
	CF_INT(batch_max_wait_ms, "1", 0, 10000, CF_RESTART),
	CF_INT(max_batch_reports, "1000", 1, 100000, CF_LIVE),
	CF_INT(summary_refresh_interval_s, "300", 0, 86400, CF_LIVE),
	CF_INT(suppression_threshold, "5", 1, 100, CF_LIVE),
	/* A new key would give every patient a new pseudonym: never mid-run. */
	CF_PATH(pseudonym_key_file, NULL, CF_RESTART, true),
	CF_PATH(vocabulary_file, "/etc/needlewatch/vocabulary.json", CF_LIVE, false),
	CF_PATH(postcode_regions_file, "/etc/needlewatch/postcode-regions.tsv", CF_LIVE, false),
	/* log_level is an int in struct config so that config.h need not include log.h. */
	CF_ENUM(log_level, int, KEY_LOG_LEVEL, log_level_names, "info", CF_LIVE),
	CF_ENUM(log_format, enum log_format, KEY_LOG_FORMAT, log_format_names, "text", CF_LIVE),
	CF_BOOL(metrics_allow_remote, "no", CF_LIVE),
	CF_INT(http_threads, "2", 1, 64, CF_RESTART),
	/* Signals (alerts.c): read at each run, so every one is live. */
	CF_BOOL(alerts_enabled, "yes", CF_LIVE),
	/* The refresher copies it at start: strings cannot change under its thread. */
	CF_STR(alerts_sentinel_types, "infection_mycobacterial", CF_RESTART),
	CF_INT(alerts_sentinel_window_weeks, "12", 1, 104, CF_LIVE),
	CF_INT(alerts_sentinel_cluster_cases, "2", 2, 1000, CF_LIVE),
	CF_INT(alerts_cluster_window_weeks, "4", 1, 52, CF_LIVE),
	CF_INT(alerts_cluster_baseline_weeks, "52", 1, 520, CF_LIVE),
	CF_INT(alerts_cluster_min_baseline_weeks, "8", 1, 520, CF_LIVE),
	CF_INT(alerts_cluster_min_cases, "3", 1, 1000, CF_LIVE),
	CF_DOUBLE(alerts_cluster_red_alpha, "0.05", 1, CF_LIVE),
	CF_DOUBLE(alerts_cluster_amber_alpha, "0.01", 1, CF_LIVE),
	CF_INT(alerts_exceedance_baseline_weeks, "52", 1, 520, CF_LIVE),
	CF_INT(alerts_exceedance_min_baseline_weeks, "4", 1, 520, CF_LIVE),
	CF_INT(alerts_exceedance_min_cases, "3", 1, 1000, CF_LIVE),
	CF_DOUBLE(alerts_exceedance_alpha, "0.005", 1, CF_LIVE),
	CF_DOUBLE(alerts_cusum_kappa, "0.6931471805599453", 10, CF_LIVE),
	CF_DOUBLE(alerts_cusum_h, "4", 1000, CF_LIVE),
	CF_INT(alerts_cusum_min_baseline_weeks, "8", 1, 53, CF_LIVE),
	CF_INT(alerts_funnel_weeks, "13", 1, 104, CF_LIVE),
	CF_INT(alerts_funnel_min_cases, "3", 1, 1000, CF_LIVE),
	CF_INT(alerts_disproportion_weeks, "52", 1, 520, CF_LIVE),
	CF_DOUBLE(alerts_evans_prr, "2", 1000, CF_LIVE),
	CF_DOUBLE(alerts_evans_chi2, "4", 1000, CF_LIVE),
	CF_INT(alerts_evans_min_reports, "3", 1, 1000, CF_LIVE),
	/* Rule 5, Farrington flexible (farrington.h says what each is). */
	CF_INT(alerts_farrington_min_history_weeks, "78", 0, 520, CF_LIVE),
	CF_INT(alerts_farrington_years, "5", 1, 10, CF_LIVE),
	CF_INT(alerts_farrington_half_window, "3", 0, 10, CF_LIVE),
	CF_INT(alerts_farrington_periods, "10", 1, 20, CF_LIVE),
	CF_INT(alerts_farrington_past_weeks_excluded, "26", 0, 104, CF_LIVE),
	CF_DOUBLE(alerts_farrington_weights_threshold, "2.58", 100, CF_LIVE),
	CF_INT(alerts_farrington_trend_min_years, "3", 1, 10, CF_LIVE),
	CF_DOUBLE(alerts_farrington_trend_p, "1", 1, CF_LIVE),
	CF_DOUBLE(alerts_farrington_alpha, "0.01", 1, CF_LIVE),
	CF_INT(alerts_farrington_min_cases, "5", 0, 1000, CF_LIVE),
	CF_INT(alerts_farrington_min_cases_weeks, "4", 1, 52, CF_LIVE),
	CF_INT(alerts_recompute_max_weeks, "60", 1, 520, CF_LIVE),
	/* Read by `needlewatchctl alerts deliver` only. */
	CF_STR(alerts_webhook_url, NULL, CF_LIVE),
	CF_PATH(alerts_webhook_secret_file, NULL, CF_LIVE, false),
	CF_PATH(alerts_webhook_ca_file, NULL, CF_LIVE, false),
	CF_BOOL(alerts_webhook_amber, "no", CF_LIVE),
	/* The dashboard (dashboard.c, session.c): read at each request. */
	CF_PATH(web_dir, NW_WEB_DIR, CF_LIVE, false),
	CF_INT(session_idle_timeout_s, "28800", 60, 604800, CF_LIVE),
	CF_INT(session_max_age_s, "43200", 60, 2592000, CF_LIVE),
};
/* clang-format on */

/* Where an error is: the file and line being read (line 0 for defaults). */
struct parse {
	const char *path;
	unsigned line;
	char *err;
	size_t errlen;
};

static int parse_fail(const struct parse *ps, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int parse_fail(const struct parse *ps, int rc, const char *fmt, ...)
{
	char reason[512];
	va_list ap;

	if (!ps->err || !ps->errlen)
		return rc;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	snprintf(ps->err, ps->errlen, "%s:%u: %s", ps->path, ps->line, reason);
	return rc;
}

static void *key_field(const struct key *k, struct config *cfg)
{
	return (char *)cfg + k->offset;
}

static const void *key_cfield(const struct key *k, const struct config *cfg)
{
	return (const char *)cfg + k->offset;
}

static bool key_is_string(const struct key *k)
{
	return k->type == KEY_STRING || k->type == KEY_PATH;
}

static const struct key *key_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(config_keys); i++)
		if (strcmp(config_keys[i].name, name) == 0)
			return &config_keys[i];
	return NULL;
}

static const struct enum_name *enum_find(const struct enum_name *names, const char *s)
{
	for (; names->name; names++)
		if (strcasecmp(names->name, s) == 0)
			return names;
	return NULL;
}

static const char *enum_name_of(const struct enum_name *names, int value)
{
	for (; names->name; names++)
		if (names->value == value)
			return names->name;
	return NULL;
}

/* "4MiB" rather than "4194304" when the value is a whole number of units. */
static void size_format(char *buf, size_t len, unsigned long long v)
{
	static const struct {
		const char *unit;
		unsigned long long mult;
	} units[] = {{"GiB", GIB}, {"MiB", MIB}, {"KiB", KIB}};

	for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
		if (v && v % units[i].mult == 0) {
			snprintf(buf, len, "%llu%s", v / units[i].mult, units[i].unit);
			return;
		}
	}
	snprintf(buf, len, "%llu", v);
}

static int parse_double(const struct parse *ps, const struct key *k, const char *s, double *ret)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (*end || end == s || errno == ERANGE || !(v > 0.0) || v > (double)k->max)
		return parse_fail(ps, -EINVAL, "%s must be a number greater than 0 and at most %lld",
				  k->name, k->max);
	*ret = v;
	return 0;
}

static int parse_int(const struct parse *ps, const struct key *k, const char *s, int *ret)
{
	const char *digits = s[0] == '-' ? s + 1 : s;
	char *end;
	long long v;

	if (!isdigit((unsigned char)digits[0]))
		return parse_fail(ps, -EINVAL, "%s must be an integer, not \"%.*s\"", k->name,
				  CONFIG_ECHO_MAX, s);
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end)
		return parse_fail(ps, -EINVAL, "%s must be an integer, not \"%.*s\"", k->name,
				  CONFIG_ECHO_MAX, s);
	if (errno == ERANGE || v < k->min || v > k->max)
		return parse_fail(ps, -EINVAL, "%s must be between %lld and %lld", k->name, k->min,
				  k->max);
	*ret = (int)v;
	return 0;
}

/* Suffixes are powers of 1024 whatever their spelling, as in PostgreSQL:
 * nobody sizing a request body means 1000-byte kilobytes. */
static int size_multiplier(const char *suffix, unsigned long long *ret)
{
	static const struct {
		const char *suffix;
		unsigned long long mult;
	} suffixes[] = {
	    {"", 1},	 {"b", 1},     {"k", KIB}, {"kb", KIB}, {"kib", KIB}, {"m", MIB},
	    {"mb", MIB}, {"mib", MIB}, {"g", GIB}, {"gb", GIB}, {"gib", GIB},
	};

	while (*suffix == ' ' || *suffix == '\t')
		suffix++;
	for (size_t i = 0; i < ARRAY_SIZE(suffixes); i++) {
		if (strcasecmp(suffixes[i].suffix, suffix) == 0) {
			*ret = suffixes[i].mult;
			return 0;
		}
	}
	return -EINVAL;
}

static int parse_size(const struct parse *ps, const struct key *k, const char *s, size_t *ret)
{
	char lo[32], hi[32];
	unsigned long long v, mult;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (!isdigit((unsigned char)s[0]) || size_multiplier(end, &mult) < 0)
		return parse_fail(ps, -EINVAL,
				  "%s must be a size such as 4MiB, 512k or 1048576, not \"%.*s\"",
				  k->name, CONFIG_ECHO_MAX, s);
	if (errno == ERANGE || v > ULLONG_MAX / mult || v * mult < (unsigned long long)k->min ||
	    v * mult > (unsigned long long)k->max) {
		size_format(lo, sizeof(lo), (unsigned long long)k->min);
		size_format(hi, sizeof(hi), (unsigned long long)k->max);
		return parse_fail(ps, -EINVAL, "%s must be between %s and %s", k->name, lo, hi);
	}
	*ret = (size_t)(v * mult);
	return 0;
}

static int parse_enum(const struct parse *ps, const struct key *k, const char *s, int *ret)
{
	const struct enum_name *e = enum_find(k->names, s);
	char choices[128] = "";

	if (e) {
		*ret = e->value;
		return 0;
	}
	if (k->type == KEY_BOOL)
		return parse_fail(ps, -EINVAL,
				  "%s must be yes or no (or true/false, on/off, 1/0), not \"%.*s\"",
				  k->name, CONFIG_ECHO_MAX, s);
	for (e = k->names; e->name; e++) {
		size_t used = strlen(choices);
		snprintf(choices + used, sizeof(choices) - used, "%s%s", used ? ", " : "", e->name);
	}
	return parse_fail(ps, -EINVAL, "%s must be one of %s, not \"%.*s\"", k->name, choices,
			  CONFIG_ECHO_MAX, s);
}

static int key_set_string(const struct parse *ps, const struct key *k, struct config *cfg,
			  const char *value)
{
	char **field = key_field(k, cfg);
	char *copy = NULL;

	if (*value) {
		copy = strdup(value);
		if (!copy)
			return parse_fail(ps, -ENOMEM, "out of memory");
	}
	free(*field);
	*field = copy;
	return 0;
}

/* Parses value for k and stores it; the field is untouched on error. */
static int key_set(const struct parse *ps, const struct key *k, struct config *cfg,
		   const char *value)
{
	int r, v = 0;

	if (!*value && (k->def || !key_is_string(k)))
		return parse_fail(ps, -EINVAL, "%s must not be empty", k->name);
	switch (k->type) {
	case KEY_STRING:
	case KEY_PATH:
		return key_set_string(ps, k, cfg, value);
	case KEY_SIZE:
		return parse_size(ps, k, value, key_field(k, cfg));
	case KEY_INT:
		r = parse_int(ps, k, value, &v);
		if (r == 0)
			*(int *)key_field(k, cfg) = v;
		return r;
	case KEY_BOOL:
		r = parse_enum(ps, k, value, &v);
		if (r == 0)
			*(bool *)key_field(k, cfg) = v;
		return r;
	case KEY_DOUBLE:
		return parse_double(ps, k, value, key_field(k, cfg));
	case KEY_LOG_LEVEL:
		r = parse_enum(ps, k, value, &v);
		if (r == 0)
			*(int *)key_field(k, cfg) = v;
		return r;
	case KEY_LOG_FORMAT:
		r = parse_enum(ps, k, value, &v);
		if (r == 0)
			*(enum log_format *)key_field(k, cfg) = (enum log_format)v;
		return r;
	}
	return parse_fail(ps, -EINVAL, "%s has no parser", k->name);
}

static int config_set_defaults(struct config *cfg, const struct parse *ps)
{
	for (size_t i = 0; i < ARRAY_SIZE(config_keys); i++) {
		const struct key *k = &config_keys[i];
		int r;

		if (!k->def)
			continue;
		r = key_set(ps, k, cfg, k->def);
		if (r < 0)
			return r;
	}
	return 0;
}

static char *skip_space(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

static void trim_end(char *s)
{
	size_t n = strlen(s);

	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
}

/* Splits "key = rest" in place. Returns 1 for such a line, 0 for a blank or
 * comment line, a negative errno (err set) for anything else. */
static int line_split(const struct parse *ps, char *line, char **ret_key, char **ret_rest)
{
	char *s = skip_space(line), *key, *end;

	trim_end(s);
	if (!*s || *s == '#')
		return 0;
	if (*s == '=')
		return parse_fail(ps, -EINVAL, "missing key before '='");
	key = s;
	while (*s && *s != '=' && !isspace((unsigned char)*s))
		s++;
	end = s;
	s = skip_space(s);
	if (*s != '=') {
		*end = '\0';
		return parse_fail(ps, -EINVAL, "missing '=' after \"%.*s\"", CONFIG_ECHO_MAX, key);
	}
	*end = '\0';
	*ret_key = key;
	*ret_rest = s + 1;
	return 1;
}

/* The value after '=', in place. Unquoted, it ends at a '#' that follows
 * whitespace (so "a#b" keeps its '#'); quoted, only \" and \\ are escapes and
 * a comment may follow the closing quote. */
static int value_unquote(const struct parse *ps, const char *key, char *rest, char **ret)
{
	char *s = skip_space(rest), *src, *dst;

	if (*s != '"') {
		for (char *p = rest; *p; p++) {
			if (*p == '#' && p > rest && (p[-1] == ' ' || p[-1] == '\t')) {
				*p = '\0';
				break;
			}
		}
		trim_end(s);
		*ret = s;
		return 0;
	}
	for (src = dst = s + 1; *src && *src != '"'; *dst++ = *src++)
		if (src[0] == '\\' && (src[1] == '"' || src[1] == '\\'))
			src++;
	if (*src != '"')
		return parse_fail(ps, -EINVAL, "unterminated quoted value for \"%s\"", key);
	*dst = '\0';
	src = skip_space(src + 1);
	if (*src && *src != '#')
		return parse_fail(ps, -EINVAL, "unexpected text after the quoted value of \"%s\"",
				  key);
	*ret = s + 1;
	return 0;
}

static int config_apply_line(struct config *cfg, const struct parse *ps, char *line, unsigned *seen)
{
	const struct key *k;
	char *key = NULL, *rest = NULL, *value = NULL;
	size_t idx;
	int r;

	r = line_split(ps, line, &key, &rest);
	if (r <= 0)
		return r;
	k = key_find(key);
	if (!k)
		return parse_fail(ps, -EINVAL, "unknown key \"%.*s\"", CONFIG_ECHO_MAX, key);
	idx = (size_t)(k - config_keys);
	if (seen[idx])
		return parse_fail(ps, -EINVAL, "duplicate key \"%s\" (first set on line %u)",
				  k->name, seen[idx]);
	seen[idx] = ps->line;
	r = value_unquote(ps, k->name, rest, &value);
	if (r < 0)
		return r;
	return key_set(ps, k, cfg, value);
}

/* Reads one line into buf, newline dropped. Returns its length, -1 at end of
 * file, -E2BIG past CONFIG_LINE_MAX, -EILSEQ on a NUL byte, -EIO on a read
 * error (errno says which). getc() rather than getline() so that a file
 * without newlines cannot make us allocate without bound. */
static int read_line(FILE *f, char *buf)
{
	int c, n = 0;

	while ((c = getc(f)) != EOF && c != '\n') {
		if (c == '\0')
			return -EILSEQ;
		if (n == CONFIG_LINE_MAX)
			return -E2BIG;
		buf[n++] = (char)c;
	}
	buf[n] = '\0';
	if (c == EOF && ferror(f))
		return -EIO;
	if (c == EOF && n == 0)
		return -1;
	return n;
}

static int config_read(struct config *cfg, FILE *f, struct parse *ps)
{
	unsigned seen[ARRAY_SIZE(config_keys)] = {0};
	char line[CONFIG_LINE_MAX + 1];
	int n, r;

	for (;;) {
		errno = 0;
		n = read_line(f, line);
		if (n == -1)
			return 0;
		ps->line++;
		if (n == -E2BIG)
			return parse_fail(ps, -EINVAL, "line is longer than %d bytes",
					  CONFIG_LINE_MAX);
		if (n == -EILSEQ)
			return parse_fail(ps, -EINVAL, "line contains a NUL byte");
		if (n == -EIO) {
			r = errno ? -errno : -EIO;
			if (ps->err && ps->errlen)
				snprintf(ps->err, ps->errlen, "%s: cannot read: %s", ps->path,
					 strerror(-r));
			return r;
		}
		r = config_apply_line(cfg, ps, line, seen);
		if (r < 0)
			return r;
	}
}

/* needlewatchctl connects as the owner when told how, else as the daemon. */
static int config_fill_admin(struct config *cfg, const struct parse *ps)
{
	if (cfg->db_admin_conninfo || !cfg->db_conninfo)
		return 0;
	cfg->db_admin_conninfo = strdup(cfg->db_conninfo);
	if (!cfg->db_admin_conninfo)
		return parse_fail(ps, -ENOMEM, "out of memory");
	return 0;
}

/* Reads go to the primary unless told where a standby is. */
static int config_fill_read(struct config *cfg, const struct parse *ps)
{
	if (cfg->db_read_conninfo || !cfg->db_conninfo)
		return 0;
	cfg->db_read_conninfo = strdup(cfg->db_conninfo);
	if (!cfg->db_read_conninfo)
		return parse_fail(ps, -ENOMEM, "out of memory");
	return 0;
}

/* The previous contents of *cfg are overwritten, not freed. On failure *cfg
 * holds the defaults and whatever lines before the bad one set. */
int config_load(struct config *cfg, const char *path, char *err, size_t errlen)
{
	struct parse ps = {.path = path, .line = 0, .err = err, .errlen = errlen};
	FILE *f;
	int r;

	if (err && errlen)
		err[0] = '\0';
	memset(cfg, 0, sizeof(*cfg));
	r = config_set_defaults(cfg, &ps);
	if (r < 0)
		return r;
	f = fopen(path, "re");
	if (!f) {
		r = -errno;
		if (err && errlen)
			snprintf(err, errlen, "%s: cannot open: %s", path, strerror(-r));
		return r;
	}
	r = config_read(cfg, f, &ps);
	fclose(f);
	if (r < 0)
		return r;
	r = config_fill_admin(cfg, &ps);
	return r < 0 ? r : config_fill_read(cfg, &ps);
}

int config_require_daemon(const struct config *cfg, const char *path, char *err, size_t errlen)
{
	for (size_t i = 0; i < ARRAY_SIZE(config_keys); i++) {
		const struct key *k = &config_keys[i];

		if (!k->daemon_required || *(char *const *)key_cfield(k, cfg))
			continue;
		if (err && errlen)
			snprintf(err, errlen, "%s: missing required key %s",
				 path ? path : "(config)", k->name);
		return -EINVAL;
	}
	return 0;
}

bool config_key_needs_restart(const char *key)
{
	const struct key *k = key ? key_find(key) : NULL;

	/* Unknown keys never load, so there is nothing of theirs to restart for. */
	return k && k->needs_restart;
}

/* libpq takes "password", and "sslpassword" for an encrypted client key. */
static bool is_password_name(const char *name, size_t len)
{
	return len >= 8 && strncmp(name + len - 8, "password", 8) == 0;
}

/* Copies a keyword=value conninfo into dst with password values replaced by
 * "***". Returns false when s is not well-formed: the caller then hides it
 * whole rather than guess where a password might end. */
static bool mask_keywords(const char *s, char *dst)
{
	while (*s) {
		const char *kw = s, *val;
		size_t kwlen;

		if (isspace((unsigned char)*s)) {
			*dst++ = *s++;
			continue;
		}
		while (*s && *s != '=' && !isspace((unsigned char)*s))
			s++;
		kwlen = (size_t)(s - kw);
		while (isspace((unsigned char)*s))
			s++;
		if (*s++ != '=' || !kwlen)
			return false;
		while (isspace((unsigned char)*s))
			s++;
		val = s;
		if (*s == '\'') {
			for (s++; *s && *s != '\''; s++)
				if (*s == '\\' && s[1])
					s++;
			if (*s++ != '\'')
				return false;
		} else {
			for (; *s && !isspace((unsigned char)*s); s++)
				if (*s == '\\' && s[1])
					s++;
		}
		memcpy(dst, kw, kwlen);
		dst += kwlen;
		*dst++ = '=';
		if (is_password_name(kw, kwlen)) {
			memcpy(dst, "***", 3);
			dst += 3;
		} else {
			memcpy(dst, val, (size_t)(s - val));
			dst += s - val;
		}
	}
	*dst = '\0';
	return true;
}

static char *put_stars(char *dst)
{
	memcpy(dst, "***", 3);
	return dst + 3;
}

/* postgresql://user:PASSWORD@host/db?sslpassword=PASSWORD&... */
static void mask_uri(const char *s, char *dst)
{
	const char *auth = strstr(s, "://") + 3;
	size_t authlen = strcspn(auth, "/?#");
	const char *at = memchr(auth, '@', authlen);
	const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;

	if (colon) {
		memcpy(dst, s, (size_t)(colon + 1 - s));
		dst = put_stars(dst + (colon + 1 - s));
		s = at;
	}
	while (*s && *s != '?')
		*dst++ = *s++;
	while (*s) {
		const char *name, *eq;
		size_t len;

		*dst++ = *s++; /* the '?' or '&' */
		name = s;
		len = strcspn(name, "&");
		eq = memchr(name, '=', len);
		if (eq && is_password_name(name, (size_t)(eq - name))) {
			memcpy(dst, name, (size_t)(eq + 1 - name));
			dst = put_stars(dst + (eq + 1 - name));
		} else {
			memcpy(dst, name, len);
			dst += len;
		}
		s = name + len;
	}
	*dst = '\0';
}

/* A conninfo with its passwords masked, allocated; NULL on out of memory. */
static char *conninfo_mask(const char *s)
{
	/* The shortest pair, "k=", grows to "k=***": three times the input is room enough. */
	char *dst = malloc(strlen(s) * 3 + 4);

	if (!dst)
		return NULL;
	if (strncmp(s, "postgresql://", 13) == 0 || strncmp(s, "postgres://", 11) == 0)
		mask_uri(s, dst);
	else if (!mask_keywords(s, dst))
		strcpy(dst, "***");
	return dst;
}

/* Quotes a value only when the parser would otherwise misread it. */
static void dump_quoted(FILE *out, const char *name, const char *s)
{
	size_t n = strlen(s);
	bool quote = s[0] == '"' || isspace((unsigned char)s[0]) ||
		     isspace((unsigned char)s[n - 1]) || strchr(s, '#');

	if (!quote) {
		fprintf(out, "%s = %s\n", name, s);
		return;
	}
	fprintf(out, "%s = \"", name);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', out);
		fputc(*s, out);
	}
	fputs("\"\n", out);
}

static void dump_string(FILE *out, const struct key *k, const char *s)
{
	char *masked;

	if (!s) {
		/* Reads back as unset: the '#' after whitespace starts a comment. */
		fprintf(out, "%s = # unset\n", k->name);
		return;
	}
	if (!k->secret) {
		dump_quoted(out, k->name, s);
		return;
	}
	masked = conninfo_mask(s);
	dump_quoted(out, k->name, masked ? masked : "***");
	free(masked);
}

static void dump_enum(FILE *out, const struct key *k, int value)
{
	const char *name = enum_name_of(k->names, value);

	if (name)
		fprintf(out, "%s = %s\n", k->name, name);
	else
		fprintf(out, "%s = %d # not a valid %s\n", k->name, value, k->name);
}

void config_dump(const struct config *cfg, FILE *out)
{
	char buf[32];

	for (size_t i = 0; i < ARRAY_SIZE(config_keys); i++) {
		const struct key *k = &config_keys[i];
		const void *field = key_cfield(k, cfg);

		switch (k->type) {
		case KEY_STRING:
		case KEY_PATH:
			dump_string(out, k, *(char *const *)field);
			break;
		case KEY_INT:
			fprintf(out, "%s = %d\n", k->name, *(const int *)field);
			break;
		case KEY_SIZE:
			size_format(buf, sizeof(buf), *(const size_t *)field);
			fprintf(out, "%s = %s\n", k->name, buf);
			break;
		case KEY_BOOL:
			fprintf(out, "%s = %s\n", k->name, *(const bool *)field ? "yes" : "no");
			break;
		case KEY_LOG_LEVEL:
			dump_enum(out, k, *(const int *)field);
			break;
		case KEY_LOG_FORMAT:
			dump_enum(out, k, (int)*(const enum log_format *)field);
			break;
		case KEY_DOUBLE:
			fprintf(out, "%s = %.16g\n", k->name, *(const double *)field);
			break;
		}
	}
}

void config_free(struct config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(config_keys); i++) {
		char **field;

		if (!key_is_string(&config_keys[i]))
			continue;
		field = key_field(&config_keys[i], cfg);
		free(*field);
		*field = NULL;
	}
}
