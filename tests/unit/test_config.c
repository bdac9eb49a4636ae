/* Tests for daemon/core/config.c: defaults, parsing, errors, dump, reload rules. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "log.h"

struct fixture {
	char dir[64];
	char path[128];
	char other[128]; /* a second file, for the dump round trip */
	struct config cfg;
	char err[512];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	strcpy(f->dir, "/tmp/nw-test-config-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/needlewatchd.conf", f->dir);
	snprintf(f->other, sizeof(f->other), "%s/dumped.conf", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	config_free(&f->cfg);
	unlink(f->path);
	unlink(f->other);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void write_file(const char *path, const char *text, size_t len)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	assert_int_equal(fwrite(text, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

/* Writes text as the config file and loads it into f->cfg. */
static int load(struct fixture *f, const char *text)
{
	config_free(&f->cfg);
	write_file(f->path, text, strlen(text));
	f->err[0] = '\0';
	return config_load(&f->cfg, f->path, f->err, sizeof(f->err));
}

static void assert_loads(struct fixture *f, const char *text)
{
	int r = load(f, text);

	if (r != 0)
		fail_msg("load failed: %d %s", r, f->err);
}

/* Asserts the load fails with -EINVAL and err is "PATH:LINE: reason". */
static void assert_fails(struct fixture *f, const char *text, unsigned line, const char *reason)
{
	char want[512];

	assert_int_equal(load(f, text), -EINVAL);
	snprintf(want, sizeof(want), "%s:%u: %s", f->path, line, reason);
	assert_string_equal(f->err, want);
}

/* The dump as one string, malloc'd. */
static char *dump(const struct config *cfg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	assert_non_null(out);
	config_dump(cfg, out);
	assert_int_equal(fclose(out), 0);
	return buf;
}

/* The dump line for key, without the newline, malloc'd. */
static char *dump_line(const struct config *cfg, const char *key)
{
	char *all = dump(cfg), *line = NULL;
	size_t klen = strlen(key);

	for (char *s = all; s && *s;) {
		char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);

		if (strncmp(s, key, klen) == 0 && s[klen] == ' ') {
			line = strndup(s, len);
			break;
		}
		s = nl ? nl + 1 : NULL;
	}
	free(all);
	assert_non_null(line);
	return line;
}

static void assert_dump_line(const struct config *cfg, const char *key, const char *want)
{
	char *line = dump_line(cfg, key);

	assert_string_equal(line, want);
	free(line);
}

/* --- defaults --- */

static void test_empty_file_gives_every_default(void **state)
{
	struct fixture *f = *state;
	const struct config *c = &f->cfg;

	assert_loads(f, "");
	assert_string_equal(c->listen_address, "127.0.0.1");
	assert_int_equal(c->listen_port, 8443);
	assert_string_equal(c->tls_priorities,
			    "SECURE128:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-CIPHER-ALL:+AES-256-GCM:+AES-128-GCM:+CHACHA20-POLY1305:-SHA1:%SERVER_PRECEDENCE");
	assert_int_equal(c->db_pool_size, 2);
	assert_int_equal(c->max_body_bytes, 4 * 1024 * 1024);
	assert_int_equal(c->ingest_memory_budget, 16 * 1024 * 1024);
	assert_int_equal(c->max_connections, 256);
	assert_int_equal(c->per_ip_connection_limit, 64);
	assert_int_equal(c->connection_timeout_s, 30);
	assert_int_equal(c->request_header_timeout_s, 10);
	assert_int_equal(c->rate_limit_per_token, 0);
	assert_int_equal(c->auth_failures_per_minute, 30);
	assert_int_equal(c->batch_max_reports, 256);
	assert_int_equal(c->batch_max_wait_ms, 1);
	assert_int_equal(c->max_batch_reports, 1000);
	assert_int_equal(c->summary_refresh_interval_s, 300);
	assert_int_equal(c->suppression_threshold, 5);
	assert_string_equal(c->vocabulary_file, "/etc/needlewatch/vocabulary.json");
	assert_string_equal(c->postcode_regions_file, "/etc/needlewatch/postcode-regions.tsv");
	assert_int_equal(c->log_level, LOG_INFO);
	assert_int_equal(c->log_format, LOG_FORMAT_TEXT);
	assert_false(c->metrics_allow_remote);
	assert_int_equal(c->http_threads, 2);
	assert_int_equal(c->session_idle_timeout_s, 8 * 3600);
	assert_int_equal(c->session_max_age_s, 12 * 3600);
	assert_non_null(strstr(c->web_dir, "/share/needlewatch/web"));
}

static void test_optional_keys_default_to_unset(void **state)
{
	struct fixture *f = *state;

	assert_loads(f, "");
	assert_null(f->cfg.tls_cert_file);
	assert_null(f->cfg.tls_key_file);
	assert_null(f->cfg.tls_client_ca_file);
	assert_null(f->cfg.pseudonym_key_file);
	assert_null(f->cfg.db_conninfo);
	assert_null(f->cfg.db_admin_conninfo);
}

static void test_comments_and_blank_lines_only_give_defaults(void **state)
{
	struct fixture *f = *state;

	assert_loads(f, "# a comment\n\n   \n\t# indented comment\n#listen_port = 1\n");
	assert_int_equal(f->cfg.listen_port, 8443);
}

static void test_unset_key_keeps_default_while_others_change(void **state)
{
	struct fixture *f = *state;

	assert_loads(f, "listen_port = 9000\n");
	assert_int_equal(f->cfg.listen_port, 9000);
	assert_string_equal(f->cfg.listen_address, "127.0.0.1");
	assert_int_equal(f->cfg.http_threads, 2);
}

/* --- strings, paths, quoting, comments --- */

static void test_every_string_and_path_key_is_stored(void **state)
{
	struct fixture *f = *state;
	const struct config *c = &f->cfg;

	assert_loads(f, "listen_address = 0.0.0.0\n"
			"tls_cert_file = /etc/nw/cert.pem\n"
			"tls_key_file = /etc/nw/key.pem\n"
			"tls_client_ca_file = /etc/nw/ca.pem\n"
			"tls_priorities = NORMAL\n"
			"db_conninfo = host=db dbname=nw\n"
			"db_admin_conninfo = host=db dbname=nw user=owner\n"
			"pseudonym_key_file = /etc/nw/pseudonym.key\n"
			"vocabulary_file = vocab.json\n"
			"postcode_regions_file = /srv/regions.tsv\n");
	assert_string_equal(c->listen_address, "0.0.0.0");
	assert_string_equal(c->tls_cert_file, "/etc/nw/cert.pem");
	assert_string_equal(c->tls_key_file, "/etc/nw/key.pem");
	assert_string_equal(c->tls_client_ca_file, "/etc/nw/ca.pem");
	assert_string_equal(c->tls_priorities, "NORMAL");
	assert_string_equal(c->db_conninfo, "host=db dbname=nw");
	assert_string_equal(c->db_admin_conninfo, "host=db dbname=nw user=owner");
	assert_string_equal(c->pseudonym_key_file, "/etc/nw/pseudonym.key");
	assert_string_equal(c->vocabulary_file, "vocab.json");
	assert_string_equal(c->postcode_regions_file, "/srv/regions.tsv");
}

static void test_whitespace_around_key_and_value_is_trimmed(void **state)
{
	struct fixture *f = *state;

	assert_loads(f, "   listen_address\t=\t  10.0.0.1  \t\n");
	assert_string_equal(f->cfg.listen_address, "10.0.0.1");
}

static void test_spaces_around_equals_are_optional(void **state)
{
	struct fixture *f = *state;

	assert_loads(f, "listen_port=9000\nlisten_address= ::1\n");
	assert_int_equal(f->cfg.listen_port, 9000);
	assert_string_equal(f->cfg.listen_address, "::1");
}

static void test_crlf_line_endings_are_accepted(void **state)
{
	struct fixture *f = *state;

	assert_loads(f, "listen_port = 9000\r\nlisten_address = ::1\r\n");
	assert_int_equal(f->cfg.listen_port, 9000);
	assert_string_equal(f->cfg.listen_address, "::1");
}

static void test_last_line_without_newline_is_read(void **state)
{
	struct fixture *f = *state;

	assert_loads(f, "listen_port = 9000");
	assert_int_equal(f->cfg.listen_port, 9000);
}

static void test_trailing_comment_after_whitespace_is_dropped(void **state)
{
	struct fixture *f = *state;

	assert_loads(f, "listen_address = 10.0.0.1 # the LAN side\nlisten_port = 9000\t# tab\n");
	assert_string_equal(f->cfg.listen_address, "10.0.0.1");
	assert_int_equal(f->cfg.listen_port, 9000);
}

static void test_hash_without_preceding_space_is_part_of_value(void **state)
{
	struct fixture *f = *state;

	assert_loads(f, "tls_priorities = NORMAL#x\ndb_conninfo = password=a#b\n");
	assert_string_equal(f->cfg.tls_priorities, "NORMAL#x");
	assert_string_equal(f->cfg.db_conninfo, "password=a#b");
}

static void test_quoted_value_keeps_hash_and_leading_spaces(void **state)
{
	struct fixture *f = *state;

	assert_loads(f, "db_conninfo = \"  password='a #b'\"  # a comment\n");
	assert_string_equal(f->cfg.db_conninfo, "  password='a #b'");
}

static void test_quoted_value_unescapes_quote_and_backslash(void **state)
{
	struct fixture *f = *state;

	assert_loads(f, "listen_address = \"a\\\"b\\\\c\\n\"\n");
	assert_string_equal(f->cfg.listen_address, "a\"b\\c\\n");
}

static void test_quoted_value_may_be_followed_by_comment_without_space(void **state)
{
	struct fixture *f = *state;

	assert_loads(f, "listen_address = \"x\"# note\n");
	assert_string_equal(f->cfg.listen_address, "x");
}

static void test_quoted_number_is_parsed_as_number(void **state)
{
	struct fixture *f = *state;

	assert_loads(f, "listen_port = \"9000\"\n");
	assert_int_equal(f->cfg.listen_port, 9000);
}

static void test_unterminated_quote_is_an_error(void **state)
{
	assert_fails(*state, "listen_address = \"abc\n", 1,
		     "unterminated quoted value for \"listen_address\"");
}

static void test_text_after_closing_quote_is_an_error(void **state)
{
	assert_fails(*state, "listen_address = \"abc\" def\n", 1,
		     "unexpected text after the quoted value of \"listen_address\"");
}

static void test_empty_optional_path_means_unset(void **state)
{
	struct fixture *f = *state;

	assert_loads(f, "tls_client_ca_file =\ndb_conninfo = \"\"\n");
	assert_null(f->cfg.tls_client_ca_file);
	assert_null(f->cfg.db_conninfo);
}

static void test_comment_only_value_of_optional_key_means_unset(void **state)
{
	struct fixture *f = *state;

	assert_loads(f, "tls_client_ca_file = # none\n");
	assert_null(f->cfg.tls_client_ca_file);
}

static void test_empty_value_of_defaulted_string_is_an_error(void **state)
{
	assert_fails(*state, "listen_address =\n", 1, "listen_address must not be empty");
	assert_fails(*state, "vocabulary_file = \"\"\n", 1, "vocabulary_file must not be empty");
	assert_fails(*state, "tls_priorities =   # none\n", 1, "tls_priorities must not be empty");
}

static void test_empty_value_of_number_is_an_error(void **state)
{
	assert_fails(*state, "listen_port =\n", 1, "listen_port must not be empty");
	assert_fails(*state, "max_body_bytes = \"\"\n", 1, "max_body_bytes must not be empty");
	assert_fails(*state, "metrics_allow_remote =\n", 1,
		     "metrics_allow_remote must not be empty");
	assert_fails(*state, "log_level =\n", 1, "log_level must not be empty");
}

/* --- line structure errors --- */

static void test_unknown_key_reports_file_and_line(void **state)
{
	assert_fails(*state, "# header\n\nlisten_port = 1\n\n# x\n\nlisten_prot = 8443\n", 7,
		     "unknown key \"listen_prot\"");
}

static void test_keys_are_case_sensitive(void **state)
{
	assert_fails(*state, "Listen_Port = 8443\n", 1, "unknown key \"Listen_Port\"");
}

static void test_duplicate_key_is_an_error(void **state)
{
	assert_fails(*state, "listen_port = 1\nhttp_threads = 2\nlisten_port = 2\n", 3,
		     "duplicate key \"listen_port\" (first set on line 1)");
}

static void test_duplicate_key_is_an_error_even_with_same_value(void **state)
{
	assert_fails(*state, "log_level = info\nlog_level = info\n", 2,
		     "duplicate key \"log_level\" (first set on line 1)");
}

static void test_missing_equals_is_an_error(void **state)
{
	assert_fails(*state, "listen_port 8443\n", 1, "missing '=' after \"listen_port\"");
	assert_fails(*state, "\n\ndb_conninfo host=db\n", 3, "missing '=' after \"db_conninfo\"");
}

static void test_missing_key_is_an_error(void **state)
{
	assert_fails(*state, "  = 8443\n", 1, "missing key before '='");
}

static void test_line_of_4096_bytes_is_accepted(void **state)
{
	struct fixture *f = *state;
	char line[4096 + 2];
	const char *prefix = "tls_priorities = ";
	size_t plen = strlen(prefix);

	memcpy(line, prefix, plen);
	memset(line + plen, 'A', 4096 - plen);
	memcpy(line + 4096, "\n", 2);
	assert_loads(f, line);
	assert_int_equal(strlen(f->cfg.tls_priorities), 4096 - plen);
}

static void test_line_longer_than_4096_bytes_is_an_error(void **state)
{
	char text[8 + 4097 + 2] = "# ok\n";
	size_t len = strlen(text);

	memset(text + len, '#', 4097);
	memcpy(text + len + 4097, "\n", 2);
	assert_fails(*state, text, 2, "line is longer than 4096 bytes");
}

static void test_nul_byte_is_an_error(void **state)
{
	struct fixture *f = *state;
	static const char text[] = "listen_port = 1\nlisten_address = a\0b\n";
	char want[256];

	write_file(f->path, text, sizeof(text) - 1);
	assert_int_equal(config_load(&f->cfg, f->path, f->err, sizeof(f->err)), -EINVAL);
	snprintf(want, sizeof(want), "%s:2: line contains a NUL byte", f->path);
	assert_string_equal(f->err, want);
}

static void test_missing_file_returns_enoent_with_reason(void **state)
{
	struct fixture *f = *state;
	char path[160], want[256];

	snprintf(path, sizeof(path), "%s/absent.conf", f->dir);
	assert_int_equal(config_load(&f->cfg, path, f->err, sizeof(f->err)), -ENOENT);
	snprintf(want, sizeof(want), "%s: cannot open: No such file or directory", path);
	assert_string_equal(f->err, want);
	assert_string_equal(f->cfg.listen_address, "127.0.0.1");
}

static void test_directory_returns_eisdir_with_reason(void **state)
{
	struct fixture *f = *state;
	char want[256];

	assert_int_equal(config_load(&f->cfg, f->dir, f->err, sizeof(f->err)), -EISDIR);
	snprintf(want, sizeof(want), "%s: cannot read: Is a directory", f->dir);
	assert_string_equal(f->err, want);
}

static void test_unreadable_file_returns_eacces(void **state)
{
	struct fixture *f = *state;

	if (geteuid() == 0)
		skip(); /* root reads anything */
	write_file(f->path, "", 0);
	assert_int_equal(chmod(f->path, 0), 0);
	assert_int_equal(config_load(&f->cfg, f->path, f->err, sizeof(f->err)), -EACCES);
	assert_non_null(strstr(f->err, ": cannot open: Permission denied"));
}

static void test_error_without_err_buffer_still_fails(void **state)
{
	struct fixture *f = *state;

	write_file(f->path, "bogus = 1\n", 10);
	assert_int_equal(config_load(&f->cfg, f->path, NULL, 0), -EINVAL);
}

static void test_err_is_truncated_to_its_buffer(void **state)
{
	struct fixture *f = *state;
	char small[8];

	write_file(f->path, "bogus = 1\n", 10);
	assert_int_equal(config_load(&f->cfg, f->path, small, sizeof(small)), -EINVAL);
	assert_int_equal(strlen(small), sizeof(small) - 1);
}

static void test_failed_load_leaves_config_freeable(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(load(f, "listen_address = 10.1.1.1\ndb_conninfo = x\nbad\n"), -EINVAL);
	assert_string_equal(f->cfg.listen_address, "10.1.1.1");
	config_free(&f->cfg);
	assert_null(f->cfg.listen_address);
	assert_null(f->cfg.db_conninfo);
}

/* --- integers --- */

struct int_key {
	const char *name;
	long long min, max;
	size_t offset;
};

static const struct int_key int_keys[] = {
    {"listen_port", 1, 65535, offsetof(struct config, listen_port)},
    {"db_pool_size", 1, 64, offsetof(struct config, db_pool_size)},
    {"max_connections", 1, 65536, offsetof(struct config, max_connections)},
    {"per_ip_connection_limit", 0, 65536, offsetof(struct config, per_ip_connection_limit)},
    {"connection_timeout_s", 1, 3600, offsetof(struct config, connection_timeout_s)},
    {"request_header_timeout_s", 1, 3600, offsetof(struct config, request_header_timeout_s)},
    {"rate_limit_per_token", 0, 1000000, offsetof(struct config, rate_limit_per_token)},
    {"auth_failures_per_minute", 0, 1000000, offsetof(struct config, auth_failures_per_minute)},
    {"batch_max_reports", 1, 10000, offsetof(struct config, batch_max_reports)},
    {"batch_max_wait_ms", 0, 10000, offsetof(struct config, batch_max_wait_ms)},
    {"max_batch_reports", 1, 100000, offsetof(struct config, max_batch_reports)},
    {"summary_refresh_interval_s", 0, 86400, offsetof(struct config, summary_refresh_interval_s)},
    {"suppression_threshold", 1, 100, offsetof(struct config, suppression_threshold)},
    {"http_threads", 1, 64, offsetof(struct config, http_threads)},
};

static int int_field(const struct config *c, const struct int_key *k)
{
	return *(const int *)((const char *)c + k->offset);
}

static void test_every_int_key_accepts_both_limits(void **state)
{
	struct fixture *f = *state;
	char text[128];

	for (size_t i = 0; i < sizeof(int_keys) / sizeof(int_keys[0]); i++) {
		const struct int_key *k = &int_keys[i];

		snprintf(text, sizeof(text), "%s = %lld\n", k->name, k->min);
		assert_loads(f, text);
		assert_int_equal(int_field(&f->cfg, k), k->min);
		snprintf(text, sizeof(text), "%s = %lld\n", k->name, k->max);
		assert_loads(f, text);
		assert_int_equal(int_field(&f->cfg, k), k->max);
	}
}

static void test_every_int_key_rejects_one_past_each_limit(void **state)
{
	struct fixture *f = *state;
	char text[128], reason[128];

	for (size_t i = 0; i < sizeof(int_keys) / sizeof(int_keys[0]); i++) {
		const struct int_key *k = &int_keys[i];

		snprintf(reason, sizeof(reason), "%s must be between %lld and %lld", k->name,
			 k->min, k->max);
		snprintf(text, sizeof(text), "%s = %lld\n", k->name, k->min - 1);
		assert_fails(f, text, 1, reason);
		snprintf(text, sizeof(text), "%s = %lld\n", k->name, k->max + 1);
		assert_fails(f, text, 1, reason);
	}
}

static void test_listen_port_range_message_names_the_limits(void **state)
{
	assert_fails(*state, "\n\nlisten_port = 0\n", 3, "listen_port must be between 1 and 65535");
}

static void test_int_rejects_trailing_garbage(void **state)
{
	assert_fails(*state, "listen_port = 80x\n", 1,
		     "listen_port must be an integer, not \"80x\"");
}

static void test_int_rejects_words_and_plus_sign(void **state)
{
	assert_fails(*state, "listen_port = eighty\n", 1,
		     "listen_port must be an integer, not \"eighty\"");
	assert_fails(*state, "listen_port = +80\n", 1,
		     "listen_port must be an integer, not \"+80\"");
	assert_fails(*state, "listen_port = 8 0\n", 1,
		     "listen_port must be an integer, not \"8 0\"");
	assert_fails(*state, "listen_port = 1.5\n", 1,
		     "listen_port must be an integer, not \"1.5\"");
}

static void test_int_overflow_is_a_range_error(void **state)
{
	assert_fails(*state, "listen_port = 99999999999999999999999\n", 1,
		     "listen_port must be between 1 and 65535");
	assert_fails(*state, "http_threads = 4294967298\n", 1,
		     "http_threads must be between 1 and 64");
}

static void test_negative_int_is_a_range_error(void **state)
{
	assert_fails(*state, "rate_limit_per_token = -1\n", 1,
		     "rate_limit_per_token must be between 0 and 1000000");
}

static void test_request_header_timeout_is_apart_from_idle_timeout(void **state)
{
	struct fixture *f = *state;

	assert_loads(f, "connection_timeout_s = 60\nrequest_header_timeout_s = 2\n");
	assert_int_equal(f->cfg.connection_timeout_s, 60);
	assert_int_equal(f->cfg.request_header_timeout_s, 2);
	assert_fails(f, "request_header_timeout_s = 0\n", 1,
		     "request_header_timeout_s must be between 1 and 3600");
}

static void test_ingest_memory_budget_zero_means_unlimited(void **state)
{
	struct fixture *f = *state;

	assert_loads(f, "ingest_memory_budget = 0\n");
	assert_int_equal(f->cfg.ingest_memory_budget, 0);
	assert_loads(f, "ingest_memory_budget = 64MiB\n");
	assert_int_equal(f->cfg.ingest_memory_budget, 64 * 1024 * 1024);
	assert_fails(f, "ingest_memory_budget = 2GiB\n", 1,
		     "ingest_memory_budget must be between 0 and 1GiB");
}

/* --- sizes --- */

static size_t load_size(struct fixture *f, const char *value)
{
	char text[128];

	snprintf(text, sizeof(text), "max_body_bytes = %s\n", value);
	assert_loads(f, text);
	return f->cfg.max_body_bytes;
}

static void test_size_accepts_plain_bytes(void **state)
{
	assert_int_equal(load_size(*state, "1048576"), 1048576);
	assert_int_equal(load_size(*state, "2000B"), 2000);
}

static void test_size_accepts_kibibyte_suffix(void **state)
{
	assert_int_equal(load_size(*state, "512k"), 512 * 1024);
	assert_int_equal(load_size(*state, "512K"), 512 * 1024);
	assert_int_equal(load_size(*state, "512kB"), 512 * 1024);
	assert_int_equal(load_size(*state, "512KiB"), 512 * 1024);
}

static void test_size_accepts_mebibyte_suffix(void **state)
{
	assert_int_equal(load_size(*state, "4M"), 4 * 1024 * 1024);
	assert_int_equal(load_size(*state, "4MiB"), 4 * 1024 * 1024);
	assert_int_equal(load_size(*state, "4MB"), 4 * 1024 * 1024);
	assert_int_equal(load_size(*state, "4mib"), 4 * 1024 * 1024);
}

static void test_size_accepts_gibibyte_suffix(void **state)
{
	assert_int_equal(load_size(*state, "1G"), 1024 * 1024 * 1024);
	assert_int_equal(load_size(*state, "1GiB"), 1024 * 1024 * 1024);
}

static void test_size_allows_space_before_suffix(void **state)
{
	assert_int_equal(load_size(*state, "2 MiB"), 2 * 1024 * 1024);
}

static void test_size_accepts_both_limits(void **state)
{
	assert_int_equal(load_size(*state, "1024"), 1024);
	assert_int_equal(load_size(*state, "1k"), 1024);
	assert_int_equal(load_size(*state, "1073741824"), 1073741824);
}

static void test_size_rejects_one_past_each_limit(void **state)
{
	const char *reason = "max_body_bytes must be between 1KiB and 1GiB";

	assert_fails(*state, "max_body_bytes = 1023\n", 1, reason);
	assert_fails(*state, "max_body_bytes = 1073741825\n", 1, reason);
	assert_fails(*state, "max_body_bytes = 2G\n", 1, reason);
	assert_fails(*state, "max_body_bytes = 0\n", 1, reason);
}

static void test_size_overflow_is_a_range_error(void **state)
{
	const char *reason = "max_body_bytes must be between 1KiB and 1GiB";

	assert_fails(*state, "max_body_bytes = 99999999999999999999999\n", 1, reason);
	assert_fails(*state, "max_body_bytes = 18014398509481984G\n", 1, reason);
}

static void test_size_rejects_unknown_suffix_and_words(void **state)
{
	assert_fails(*state, "max_body_bytes = 4X\n", 1,
		     "max_body_bytes must be a size such as 4MiB, 512k or 1048576, not \"4X\"");
	assert_fails(
	    *state, "max_body_bytes = 4 MiB extra\n", 1,
	    "max_body_bytes must be a size such as 4MiB, 512k or 1048576, not \"4 MiB extra\"");
	assert_fails(*state, "max_body_bytes = -1\n", 1,
		     "max_body_bytes must be a size such as 4MiB, 512k or 1048576, not \"-1\"");
	assert_fails(*state, "max_body_bytes = MiB\n", 1,
		     "max_body_bytes must be a size such as 4MiB, 512k or 1048576, not \"MiB\"");
	assert_fails(*state, "max_body_bytes = 1.5M\n", 1,
		     "max_body_bytes must be a size such as 4MiB, 512k or 1048576, not \"1.5M\"");
}

/* --- booleans and enums --- */

static void test_bool_accepts_every_spelling(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char *text;
		bool value;
	} cases[] = {
	    {"yes", true},  {"no", false}, {"true", true}, {"false", false}, {"on", true},
	    {"off", false}, {"1", true},   {"0", false},   {"YES", true},    {"Off", false},
	};
	char text[64];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "metrics_allow_remote = %s\n", cases[i].text);
		assert_loads(f, text);
		assert_int_equal(f->cfg.metrics_allow_remote, cases[i].value);
	}
}

static void test_bool_rejects_other_words(void **state)
{
	assert_fails(
	    *state, "metrics_allow_remote = maybe\n", 1,
	    "metrics_allow_remote must be yes or no (or true/false, on/off, 1/0), not \"maybe\"");
	assert_fails(
	    *state, "metrics_allow_remote = 2\n", 1,
	    "metrics_allow_remote must be yes or no (or true/false, on/off, 1/0), not \"2\"");
}

static void test_log_level_accepts_each_level(void **state)
{
	struct fixture *f = *state;

	assert_loads(f, "log_level = debug\n");
	assert_int_equal(f->cfg.log_level, LOG_DEBUG);
	assert_loads(f, "log_level = info\n");
	assert_int_equal(f->cfg.log_level, LOG_INFO);
	assert_loads(f, "log_level = warning\n");
	assert_int_equal(f->cfg.log_level, LOG_WARNING);
	assert_loads(f, "log_level = ERROR\n");
	assert_int_equal(f->cfg.log_level, LOG_ERROR);
}

static void test_log_level_rejects_unknown_level(void **state)
{
	assert_fails(*state, "log_level = verbose\n", 1,
		     "log_level must be one of debug, info, warning, error, not \"verbose\"");
}

static void test_log_format_accepts_text_and_json(void **state)
{
	struct fixture *f = *state;

	assert_loads(f, "log_format = json\n");
	assert_int_equal(f->cfg.log_format, LOG_FORMAT_JSON);
	assert_loads(f, "log_format = text\n");
	assert_int_equal(f->cfg.log_format, LOG_FORMAT_TEXT);
}

static void test_log_format_rejects_unknown_format(void **state)
{
	assert_fails(*state, "log_format = xml\n", 1,
		     "log_format must be one of text, json, not \"xml\"");
}

static void test_long_bad_value_is_cut_in_message(void **state)
{
	struct fixture *f = *state;
	char text[256], want[512];

	snprintf(text, sizeof(text), "log_format = %0100d\n", 7);
	assert_int_equal(load(f, text), -EINVAL);
	snprintf(want, sizeof(want), "%s:1: log_format must be one of text, json, not \"%064d\"",
		 f->path, 0);
	assert_string_equal(f->err, want);
}

/* --- db_admin_conninfo fallback --- */

static void test_admin_conninfo_defaults_to_a_copy_of_db_conninfo(void **state)
{
	struct fixture *f = *state;

	assert_loads(f, "db_conninfo = host=db user=app\n");
	assert_string_equal(f->cfg.db_admin_conninfo, "host=db user=app");
	assert_ptr_not_equal(f->cfg.db_admin_conninfo, f->cfg.db_conninfo);
}

static void test_admin_conninfo_set_explicitly_is_kept(void **state)
{
	struct fixture *f = *state;

	assert_loads(f, "db_admin_conninfo = user=owner\ndb_conninfo = user=app\n");
	assert_string_equal(f->cfg.db_admin_conninfo, "user=owner");
	assert_string_equal(f->cfg.db_conninfo, "user=app");
}

static void test_admin_conninfo_stays_unset_without_db_conninfo(void **state)
{
	struct fixture *f = *state;

	assert_loads(f, "listen_port = 9000\n");
	assert_null(f->cfg.db_admin_conninfo);
}

/* --- db_read_conninfo fallback --- */

static void test_read_conninfo_defaults_to_a_copy_of_db_conninfo(void **state)
{
	struct fixture *f = *state;

	assert_loads(f, "db_conninfo = host=a,b port=5432,5433 target_session_attrs=read-write\n");
	assert_string_equal(f->cfg.db_read_conninfo,
			    "host=a,b port=5432,5433 target_session_attrs=read-write");
	assert_ptr_not_equal(f->cfg.db_read_conninfo, f->cfg.db_conninfo);
}

static void test_read_conninfo_set_explicitly_is_kept(void **state)
{
	struct fixture *f = *state;

	assert_loads(f, "db_read_conninfo = host=b,a target_session_attrs=prefer-standby\n"
			"db_conninfo = host=a,b target_session_attrs=read-write\n");
	assert_string_equal(f->cfg.db_read_conninfo, "host=b,a target_session_attrs=prefer-standby");
	assert_string_equal(f->cfg.db_conninfo, "host=a,b target_session_attrs=read-write");
}

static void test_read_conninfo_is_masked_in_the_dump(void **state)
{
	struct fixture *f = *state;
	char buf[8192] = {0};

	assert_loads(f, "db_conninfo = user=app password=s3cret\n");
	FILE *out = fmemopen(buf, sizeof(buf) - 1, "w");
	assert_non_null(out);
	config_dump(&f->cfg, out);
	fclose(out);
	assert_non_null(strstr(buf, "db_read_conninfo"));
	assert_null(strstr(buf, "s3cret"));
}

/* --- config_require_daemon --- */

static const char *complete_daemon_config = "tls_cert_file = /c.pem\n"
					    "tls_key_file = /k.pem\n"
					    "pseudonym_key_file = /p.key\n"
					    "db_conninfo = dbname=nw\n";

static void test_require_daemon_accepts_complete_config(void **state)
{
	struct fixture *f = *state;

	assert_loads(f, complete_daemon_config);
	assert_int_equal(config_require_daemon(&f->cfg, f->path, f->err, sizeof(f->err)), 0);
}

static void assert_requires(struct fixture *f, const char *text, const char *key)
{
	char want[256];

	assert_loads(f, text);
	assert_int_equal(config_require_daemon(&f->cfg, f->path, f->err, sizeof(f->err)), -EINVAL);
	snprintf(want, sizeof(want), "%s: missing required key %s", f->path, key);
	assert_string_equal(f->err, want);
}

static void test_require_daemon_names_first_missing_key(void **state)
{
	assert_requires(*state, "", "tls_cert_file");
	assert_requires(*state, "tls_cert_file = /c\n", "tls_key_file");
	assert_requires(*state, "tls_cert_file = /c\ntls_key_file = /k\n", "db_conninfo");
	assert_requires(*state, "tls_cert_file = /c\ntls_key_file = /k\ndb_conninfo = x\n",
			"pseudonym_key_file");
}

static void test_require_daemon_treats_empty_value_as_missing(void **state)
{
	assert_requires(*state,
			"tls_cert_file = /c\ntls_key_file = /k\npseudonym_key_file = /p\n"
			"db_conninfo = \"\"\n",
			"db_conninfo");
}

static void test_require_daemon_does_not_need_client_ca(void **state)
{
	struct fixture *f = *state;

	assert_loads(f, complete_daemon_config);
	assert_null(f->cfg.tls_client_ca_file);
	assert_int_equal(config_require_daemon(&f->cfg, f->path, NULL, 0), 0);
}

/* --- config_dump --- */

static const char *default_dump =
    "listen_address = 127.0.0.1\n"
    "listen_port = 8443\n"
    "tls_cert_file = # unset\n"
    "tls_key_file = # unset\n"
    "tls_client_ca_file = # unset\n"
    "tls_priorities = SECURE128:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-CIPHER-ALL:+AES-256-GCM:+AES-128-GCM:+CHACHA20-POLY1305:-SHA1:%SERVER_PRECEDENCE\n"
    "db_conninfo = # unset\n"
    "db_admin_conninfo = # unset\n"
    "db_read_conninfo = # unset\n"
    "db_read_max_age_s = 60\n"
    "db_pool_size = 2\n"
    "max_body_bytes = 4MiB\n"
    "ingest_memory_budget = 16MiB\n"
    "max_connections = 256\n"
    "per_ip_connection_limit = 64\n"
    "connection_timeout_s = 30\n"
    "request_header_timeout_s = 10\n"
    "rate_limit_per_token = 0\n"
    "auth_failures_per_minute = 30\n"
    "batch_max_reports = 256\n"
    "batch_max_wait_ms = 1\n"
    "max_batch_reports = 1000\n"
    "summary_refresh_interval_s = 300\n"
    "suppression_threshold = 5\n"
    "pseudonym_key_file = # unset\n"
    "vocabulary_file = /etc/needlewatch/vocabulary.json\n"
    "postcode_regions_file = /etc/needlewatch/postcode-regions.tsv\n"
    "log_level = info\n"
    "log_format = text\n"
    "metrics_allow_remote = no\n"
    "http_threads = 2\n"
    "alerts_enabled = yes\n"
    "alerts_sentinel_types = infection_mycobacterial\n"
    "alerts_sentinel_window_weeks = 12\n"
    "alerts_sentinel_cluster_cases = 2\n"
    "alerts_cluster_window_weeks = 4\n"
    "alerts_cluster_baseline_weeks = 52\n"
    "alerts_cluster_min_baseline_weeks = 8\n"
    "alerts_cluster_min_cases = 3\n"
    "alerts_cluster_red_alpha = 0.05\n"
    "alerts_cluster_amber_alpha = 0.01\n"
    "alerts_exceedance_baseline_weeks = 52\n"
    "alerts_exceedance_min_baseline_weeks = 4\n"
    "alerts_exceedance_min_cases = 3\n"
    "alerts_exceedance_alpha = 0.005\n"
    "alerts_cusum_kappa = 0.6931471805599453\n"
    "alerts_cusum_h = 4\n"
    "alerts_cusum_min_baseline_weeks = 8\n"
    "alerts_funnel_weeks = 13\n"
    "alerts_funnel_min_cases = 3\n"
    "alerts_disproportion_weeks = 52\n"
    "alerts_evans_prr = 2\n"
    "alerts_evans_chi2 = 4\n"
    "alerts_evans_min_reports = 3\n"
    "alerts_farrington_min_history_weeks = 78\n"
    "alerts_farrington_years = 5\n"
    "alerts_farrington_half_window = 3\n"
    "alerts_farrington_periods = 10\n"
    "alerts_farrington_past_weeks_excluded = 26\n"
    "alerts_farrington_weights_threshold = 2.58\n"
    "alerts_farrington_trend_min_years = 3\n"
    "alerts_farrington_trend_p = 1\n"
    "alerts_farrington_alpha = 0.01\n"
    "alerts_farrington_min_cases = 5\n"
    "alerts_farrington_min_cases_weeks = 4\n"
    "alerts_recompute_max_weeks = 60\n"
    "alerts_webhook_url = # unset\n"
    "alerts_webhook_secret_file = # unset\n"
    "alerts_webhook_ca_file = # unset\n"
    "alerts_webhook_amber = no\n"
    "web_dir = " NW_WEB_DIR "\n"
    "session_idle_timeout_s = 28800\n"
    "session_max_age_s = 43200\n";

static void test_dump_lists_every_key_in_table_order(void **state)
{
	struct fixture *f = *state;
	char *text;

	assert_loads(f, "");
	text = dump(&f->cfg);
	assert_string_equal(text, default_dump);
	free(text);
}

static void test_alert_probability_must_be_positive_and_at_most_one(void **state)
{
	struct fixture *f = *state;

	assert_loads(f, "alerts_exceedance_alpha = 0.001\n");
	assert_true(f->cfg.alerts_exceedance_alpha == 0.001);
	assert_fails(f, "alerts_exceedance_alpha = 1.5\n", 1,
		     "alerts_exceedance_alpha must be a number greater than 0 and at most 1");
	assert_fails(f, "alerts_cusum_h = 4x\n", 1,
		     "alerts_cusum_h must be a number greater than 0 and at most 1000");
	assert_fails(f, "alerts_cluster_red_alpha = 0\n", 1,
		     "alerts_cluster_red_alpha must be a number greater than 0 and at most 1");
}

static void test_dump_reads_back_to_the_same_config(void **state)
{
	struct fixture *f = *state;
	struct config again = {0};
	char *first, *second;

	assert_loads(f, "listen_address = \" spaced # value\"\n"
			"tls_priorities = \"quote\\\"back\\\\slash\"\n"
			"tls_cert_file = /c.pem\n"
			"max_body_bytes = 2000\n"
			"log_level = debug\nlog_format = json\n"
			"metrics_allow_remote = on\n");
	first = dump(&f->cfg);
	write_file(f->other, first, strlen(first));
	assert_int_equal(config_load(&again, f->other, f->err, sizeof(f->err)), 0);
	second = dump(&again);
	assert_string_equal(first, second);
	assert_string_equal(again.listen_address, " spaced # value");
	assert_string_equal(again.tls_priorities, "quote\"back\\slash");
	free(first);
	free(second);
	config_free(&again);
}

static void test_dump_prints_sizes_in_whole_units_or_bytes(void **state)
{
	struct fixture *f = *state;

	assert_loads(f, "max_body_bytes = 1G\n");
	assert_dump_line(&f->cfg, "max_body_bytes", "max_body_bytes = 1GiB");
	assert_loads(f, "max_body_bytes = 1536k\n");
	assert_dump_line(&f->cfg, "max_body_bytes", "max_body_bytes = 1536KiB");
	assert_loads(f, "max_body_bytes = 1025\n");
	assert_dump_line(&f->cfg, "max_body_bytes", "max_body_bytes = 1025");
}

static void test_dump_masks_keyword_password(void **state)
{
	struct fixture *f = *state;

	assert_loads(f, "db_conninfo = host=db user=app password=s3cret dbname=nw\n");
	assert_dump_line(&f->cfg, "db_conninfo",
			 "db_conninfo = host=db user=app password=*** dbname=nw");
	assert_dump_line(&f->cfg, "db_admin_conninfo",
			 "db_admin_conninfo = host=db user=app password=*** dbname=nw");
}

static void test_dump_masks_quoted_password_with_spaces(void **state)
{
	struct fixture *f = *state;

	assert_loads(f, "db_conninfo = password = 'a b\\' c' host=db\n");
	assert_dump_line(&f->cfg, "db_conninfo", "db_conninfo = password=*** host=db");
}

static void test_dump_masks_sslpassword(void **state)
{
	struct fixture *f = *state;

	assert_loads(f, "db_admin_conninfo = sslpassword=k3y sslmode=verify-full\n");
	assert_dump_line(&f->cfg, "db_admin_conninfo",
			 "db_admin_conninfo = sslpassword=*** sslmode=verify-full");
}

static void test_dump_masks_uri_password(void **state)
{
	struct fixture *f = *state;

	assert_loads(
	    f, "db_conninfo = postgresql://app:s3cret@db:5432/nw?sslmode=require&password=x\n");
	assert_dump_line(
	    &f->cfg, "db_conninfo",
	    "db_conninfo = postgresql://app:***@db:5432/nw?sslmode=require&password=***");
}

static void test_dump_keeps_uri_without_password(void **state)
{
	struct fixture *f = *state;

	assert_loads(f, "db_conninfo = postgres://app@db/nw\n");
	assert_dump_line(&f->cfg, "db_conninfo", "db_conninfo = postgres://app@db/nw");
}

static void test_dump_hides_malformed_conninfo_whole(void **state)
{
	struct fixture *f = *state;

	assert_loads(f, "db_conninfo = host=db password='unterminated\n");
	assert_dump_line(&f->cfg, "db_conninfo", "db_conninfo = ***");
	assert_loads(f, "db_conninfo = s3cret\n");
	assert_dump_line(&f->cfg, "db_conninfo", "db_conninfo = ***");
}

static void test_dump_keeps_conninfo_without_password(void **state)
{
	struct fixture *f = *state;

	assert_loads(f, "db_conninfo = host=/run/postgresql dbname=nw\n");
	assert_dump_line(&f->cfg, "db_conninfo", "db_conninfo = host=/run/postgresql dbname=nw");
}

static void test_dump_never_prints_the_password(void **state)
{
	struct fixture *f = *state;
	char *text;

	assert_loads(f, "db_conninfo = \"password=hunter2 # host=x\"\n"
			"db_admin_conninfo = postgresql://o:hunter2@h/d\n");
	text = dump(&f->cfg);
	assert_null(strstr(text, "hunter2"));
	free(text);
}

/* --- reload rules --- */

static void test_needs_restart_for_start_up_settings(void **state)
{
	(void)state;
	assert_true(config_key_needs_restart("listen_address"));
	assert_true(config_key_needs_restart("listen_port"));
	assert_true(config_key_needs_restart("tls_priorities"));
	assert_true(config_key_needs_restart("db_conninfo"));
	assert_true(config_key_needs_restart("db_pool_size"));
	assert_true(config_key_needs_restart("db_read_conninfo"));
	assert_true(config_key_needs_restart("max_connections"));
	assert_true(config_key_needs_restart("http_threads"));
	assert_true(config_key_needs_restart("pseudonym_key_file"));
}

static void test_live_settings_do_not_need_restart(void **state)
{
	(void)state;
	assert_false(config_key_needs_restart("log_level"));
	assert_false(config_key_needs_restart("log_format"));
	assert_false(config_key_needs_restart("vocabulary_file"));
	assert_false(config_key_needs_restart("max_body_bytes"));
	assert_false(config_key_needs_restart("rate_limit_per_token"));
	assert_false(config_key_needs_restart("auth_failures_per_minute"));
	assert_false(config_key_needs_restart("tls_cert_file"));
	assert_false(config_key_needs_restart("suppression_threshold"));
	assert_false(config_key_needs_restart("request_header_timeout_s"));
}

static void test_unknown_key_does_not_need_restart(void **state)
{
	(void)state;
	assert_false(config_key_needs_restart("no_such_key"));
	assert_false(config_key_needs_restart(""));
	assert_false(config_key_needs_restart(NULL));
}

/* --- config_free --- */

static void test_free_twice_is_safe_and_clears_pointers(void **state)
{
	struct fixture *f = *state;

	assert_loads(f, complete_daemon_config);
	config_free(&f->cfg);
	assert_null(f->cfg.listen_address);
	assert_null(f->cfg.db_admin_conninfo);
	assert_null(f->cfg.vocabulary_file);
	config_free(&f->cfg);
}

static void test_free_accepts_null_and_zeroed_struct(void **state)
{
	struct config zero = {0};

	(void)state;
	config_free(NULL);
	config_free(&zero);
	assert_null(zero.listen_address);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_empty_file_gives_every_default),
	    T(test_optional_keys_default_to_unset),
	    T(test_comments_and_blank_lines_only_give_defaults),
	    T(test_unset_key_keeps_default_while_others_change),
	    T(test_every_string_and_path_key_is_stored),
	    T(test_whitespace_around_key_and_value_is_trimmed),
	    T(test_spaces_around_equals_are_optional),
	    T(test_crlf_line_endings_are_accepted),
	    T(test_last_line_without_newline_is_read),
	    T(test_trailing_comment_after_whitespace_is_dropped),
	    T(test_hash_without_preceding_space_is_part_of_value),
	    T(test_quoted_value_keeps_hash_and_leading_spaces),
	    T(test_quoted_value_unescapes_quote_and_backslash),
	    T(test_quoted_value_may_be_followed_by_comment_without_space),
	    T(test_quoted_number_is_parsed_as_number),
	    T(test_unterminated_quote_is_an_error),
	    T(test_text_after_closing_quote_is_an_error),
	    T(test_empty_optional_path_means_unset),
	    T(test_comment_only_value_of_optional_key_means_unset),
	    T(test_empty_value_of_defaulted_string_is_an_error),
	    T(test_empty_value_of_number_is_an_error),
	    T(test_unknown_key_reports_file_and_line),
	    T(test_keys_are_case_sensitive),
	    T(test_duplicate_key_is_an_error),
	    T(test_duplicate_key_is_an_error_even_with_same_value),
	    T(test_missing_equals_is_an_error),
	    T(test_missing_key_is_an_error),
	    T(test_line_of_4096_bytes_is_accepted),
	    T(test_line_longer_than_4096_bytes_is_an_error),
	    T(test_nul_byte_is_an_error),
	    T(test_missing_file_returns_enoent_with_reason),
	    T(test_directory_returns_eisdir_with_reason),
	    T(test_unreadable_file_returns_eacces),
	    T(test_error_without_err_buffer_still_fails),
	    T(test_err_is_truncated_to_its_buffer),
	    T(test_failed_load_leaves_config_freeable),
	    T(test_every_int_key_accepts_both_limits),
	    T(test_every_int_key_rejects_one_past_each_limit),
	    T(test_listen_port_range_message_names_the_limits),
	    T(test_int_rejects_trailing_garbage),
	    T(test_int_rejects_words_and_plus_sign),
	    T(test_int_overflow_is_a_range_error),
	    T(test_negative_int_is_a_range_error),
	    T(test_request_header_timeout_is_apart_from_idle_timeout),
	    T(test_ingest_memory_budget_zero_means_unlimited),
	    T(test_size_accepts_plain_bytes),
	    T(test_size_accepts_kibibyte_suffix),
	    T(test_size_accepts_mebibyte_suffix),
	    T(test_size_accepts_gibibyte_suffix),
	    T(test_size_allows_space_before_suffix),
	    T(test_size_accepts_both_limits),
	    T(test_size_rejects_one_past_each_limit),
	    T(test_size_overflow_is_a_range_error),
	    T(test_size_rejects_unknown_suffix_and_words),
	    T(test_bool_accepts_every_spelling),
	    T(test_bool_rejects_other_words),
	    T(test_log_level_accepts_each_level),
	    T(test_log_level_rejects_unknown_level),
	    T(test_log_format_accepts_text_and_json),
	    T(test_log_format_rejects_unknown_format),
	    T(test_long_bad_value_is_cut_in_message),
	    T(test_admin_conninfo_defaults_to_a_copy_of_db_conninfo),
	    T(test_admin_conninfo_set_explicitly_is_kept),
	    T(test_admin_conninfo_stays_unset_without_db_conninfo),
	    T(test_read_conninfo_defaults_to_a_copy_of_db_conninfo),
	    T(test_read_conninfo_set_explicitly_is_kept),
	    T(test_read_conninfo_is_masked_in_the_dump),
	    T(test_require_daemon_accepts_complete_config),
	    T(test_require_daemon_names_first_missing_key),
	    T(test_require_daemon_treats_empty_value_as_missing),
	    T(test_require_daemon_does_not_need_client_ca),
	    T(test_dump_lists_every_key_in_table_order),
	    T(test_dump_reads_back_to_the_same_config),
	    T(test_alert_probability_must_be_positive_and_at_most_one),
	    T(test_dump_prints_sizes_in_whole_units_or_bytes),
	    T(test_dump_masks_keyword_password),
	    T(test_dump_masks_quoted_password_with_spaces),
	    T(test_dump_masks_sslpassword),
	    T(test_dump_masks_uri_password),
	    T(test_dump_keeps_uri_without_password),
	    T(test_dump_hides_malformed_conninfo_whole),
	    T(test_dump_keeps_conninfo_without_password),
	    T(test_dump_never_prints_the_password),
	    T(test_needs_restart_for_start_up_settings),
	    T(test_live_settings_do_not_need_restart),
	    T(test_unknown_key_does_not_need_restart),
	    T(test_free_twice_is_safe_and_clears_pointers),
	    T(test_free_accepts_null_and_zeroed_struct),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
