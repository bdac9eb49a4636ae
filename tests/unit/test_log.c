/* Tests for daemon/core/log.c: text and JSON lines, level filtering, quoting. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <cJSON.h>
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

/* stderr is pointed at a temporary file for each test and read back. */
struct capture {
	FILE *file;
	int saved_fd;
};

static int setup(void **state)
{
	struct capture *c = calloc(1, sizeof(*c));

	assert_non_null(c);
	log_setup(LOG_INFO, false);
	c->file = tmpfile();
	assert_non_null(c->file);
	fflush(stderr);
	c->saved_fd = dup(STDERR_FILENO);
	assert_true(c->saved_fd >= 0);
	assert_true(dup2(fileno(c->file), STDERR_FILENO) >= 0);
	*state = c;
	return 0;
}

static void restore_stderr(struct capture *c)
{
	if (c->saved_fd < 0)
		return;
	fflush(stderr);
	dup2(c->saved_fd, STDERR_FILENO);
	close(c->saved_fd);
	c->saved_fd = -1;
}

static int teardown(void **state)
{
	struct capture *c = *state;

	restore_stderr(c);
	fclose(c->file);
	free(c);
	log_setup(LOG_INFO, false);
	return 0;
}

/* Everything written to stderr so far, malloc'd; stderr stays captured. */
static char *captured(struct capture *c)
{
	long len;
	char *buf;

	fflush(stderr);
	assert_int_equal(fseek(c->file, 0, SEEK_END), 0);
	len = ftell(c->file);
	assert_true(len >= 0);
	buf = malloc((size_t)len + 1);
	assert_non_null(buf);
	rewind(c->file);
	assert_int_equal(fread(buf, 1, (size_t)len, c->file), (size_t)len);
	buf[len] = '\0';
	return buf;
}

/* True when s starts with an RFC 3339 UTC time with milliseconds. */
static bool is_timestamp(const char *s)
{
	static const char pattern[] = "dddd-dd-ddTdd:dd:dd.dddZ";

	for (size_t i = 0; i < sizeof(pattern) - 1; i++) {
		if (pattern[i] == 'd' ? !isdigit((unsigned char)s[i]) : s[i] != pattern[i])
			return false;
	}
	return true;
}

#define TS_LEN 24

/* The line after its "ts=... " prefix, which must be well-formed. */
static const char *after_text_ts(const char *line)
{
	assert_memory_equal(line, "ts=", 3);
	assert_true(is_timestamp(line + 3));
	assert_int_equal(line[3 + TS_LEN], ' ');
	return line + 3 + TS_LEN + 1;
}

/* The JSON line after its {"ts":"..." member, which must be well-formed. */
static const char *after_json_ts(const char *line)
{
	assert_memory_equal(line, "{\"ts\":\"", 7);
	assert_true(is_timestamp(line + 7));
	assert_int_equal(line[7 + TS_LEN], '"');
	return line + 7 + TS_LEN + 1;
}

static void assert_text(struct capture *c, const char *want)
{
	char *got = captured(c);

	assert_string_equal(after_text_ts(got), want);
	free(got);
}

static void assert_json(struct capture *c, const char *want)
{
	char *got = captured(c);

	assert_string_equal(after_json_ts(got), want);
	free(got);
}

static size_t count_lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* --- text format --- */

static void test_text_line_has_level_event_and_pairs(void **state)
{
	log_event(LOG_INFO, "report_accepted", "premises=%d batch=%d ms=%.1f", 17, 42, 3.1);
	assert_text(*state, "level=info event=report_accepted premises=17 batch=42 ms=3.1\n");
}

static void test_text_line_keeps_quoted_values_as_written(void **state)
{
	log_event(LOG_WARNING, "request_rejected", "status=%d reason=\"%s\"", 400, "bad depth");
	assert_text(*state,
		    "level=warning event=request_rejected status=400 reason=\"bad depth\"\n");
}

static void test_text_line_without_pairs_ends_after_event(void **state)
{
	log_event(LOG_ERROR, "db_lost", "%s", "");
	assert_text(*state, "level=error event=db_lost\n");
}

static void test_text_line_accepts_null_format(void **state)
{
	log_event(LOG_ERROR, "db_lost", NULL);
	assert_text(*state, "level=error event=db_lost\n");
}

static void test_text_timestamp_is_current_utc_time(void **state)
{
	time_t before = time(NULL), after;
	struct tm tm = {0};
	char *got;

	log_event(LOG_INFO, "tick", "n=1");
	after = time(NULL);
	got = captured(*state);
	assert_non_null(strptime(got + 3, "%Y-%m-%dT%H:%M:%S", &tm));
	assert_in_range(timegm(&tm), before, after);
	free(got);
}

static void test_text_raw_newline_in_value_stays_on_one_line(void **state)
{
	char *got;

	log_event(LOG_INFO, "odd", "name=%s next=1", "a\nb\tc\x01");
	got = captured(*state);
	assert_int_equal(count_lines(got), 1);
	assert_string_equal(after_text_ts(got),
			    "level=info event=odd name=a\\nb\\tc\\x01 next=1\n");
	free(got);
}

/* Issue 12, item 9: a file name or answer with U+202E (right-to-left
 * override) or a C1 control must not reorder or drive the terminal. */
static void test_text_bidi_and_c1_characters_are_escaped(void **state)
{
	char q[64];

	log_event(LOG_INFO, "odd", "file=\"%s\" raw=%s",
		  log_quote(q, sizeof(q), "a\xe2\x80\xaegpj.exe"),
		  "\xc2\x9b"
		  "2J\xe2\x81\xa6x\xc3\xa9");
	assert_text(
	    *state,
	    "level=info event=odd file=\"a\\u202egpj.exe\" raw=\\u009b2J\\u2066x\xc3\xa9\n");
}

static void test_json_bidi_characters_stay_escaped_as_text(void **state)
{
	log_setup(LOG_INFO, true);
	log_event(LOG_INFO, "e", "k=\"x\xe2\x80\xaey\"");
	assert_json(*state, ",\"level\":\"info\",\"event\":\"e\",\"k\":\"x\\\\u202ey\"}\n");
}

static void test_text_extra_spaces_between_pairs_collapse(void **state)
{
	log_event(LOG_INFO, "e", "  a=1   b=2  ");
	assert_text(*state, "level=info event=e a=1 b=2\n");
}

static void test_each_level_has_its_name(void **state)
{
	log_setup(LOG_DEBUG, false);
	log_event(LOG_DEBUG, "e", "n=1");
	log_event(LOG_INFO, "e", "n=2");
	log_event(LOG_WARNING, "e", "n=3");
	log_event(LOG_ERROR, "e", "n=4");

	char *got = captured(*state), *line = got;
	static const char *const want[] = {
	    "level=debug event=e n=1\n",
	    "level=info event=e n=2\n",
	    "level=warning event=e n=3\n",
	    "level=error event=e n=4\n",
	};
	for (size_t i = 0; i < 4; i++) {
		const char *rest = after_text_ts(line);

		assert_memory_equal(rest, want[i], strlen(want[i]));
		line = strchr(line, '\n') + 1;
	}
	assert_string_equal(line, "");
	free(got);
}

/* --- level filtering --- */

static void test_lines_below_minimum_level_are_dropped(void **state)
{
	char *got;

	log_setup(LOG_WARNING, false);
	log_event(LOG_DEBUG, "e", "n=1");
	log_event(LOG_INFO, "e", "n=2");
	log_event(LOG_WARNING, "e", "n=3");
	log_event(LOG_ERROR, "e", "n=4");
	got = captured(*state);
	assert_int_equal(count_lines(got), 2);
	assert_non_null(strstr(got, "level=warning event=e n=3\n"));
	assert_non_null(strstr(got, "level=error event=e n=4\n"));
	free(got);
}

static void test_default_minimum_level_drops_debug(void **state)
{
	char *got;

	log_event(LOG_DEBUG, "e", "n=1");
	got = captured(*state);
	assert_string_equal(got, "");
	free(got);
}

static void test_log_enabled_follows_setup(void **state)
{
	(void)state;
	log_setup(LOG_ERROR, false);
	assert_false(log_enabled(LOG_WARNING));
	assert_true(log_enabled(LOG_ERROR));
	log_setup(LOG_DEBUG, true);
	assert_true(log_enabled(LOG_DEBUG));
}

static void test_level_from_string_parses_each_name(void **state)
{
	(void)state;
	assert_int_equal(log_level_from_string("debug"), LOG_DEBUG);
	assert_int_equal(log_level_from_string("info"), LOG_INFO);
	assert_int_equal(log_level_from_string("warning"), LOG_WARNING);
	assert_int_equal(log_level_from_string("error"), LOG_ERROR);
	assert_int_equal(log_level_from_string("INFO"), LOG_INFO);
}

static void test_level_from_string_rejects_unknown(void **state)
{
	(void)state;
	assert_int_equal(log_level_from_string("warn"), -1);
	assert_int_equal(log_level_from_string(""), -1);
	assert_int_equal(log_level_from_string(NULL), -1);
}

/* --- JSON format --- */

static void test_json_line_keeps_numbers_as_numbers(void **state)
{
	log_setup(LOG_INFO, true);
	log_event(LOG_INFO, "report_accepted", "premises=%d batch=%d ms=%.1f delta=-2 e=1e3", 17,
		  42, 3.5);
	assert_json(*state, ",\"level\":\"info\",\"event\":\"report_accepted\",\"premises\":17,"
			    "\"batch\":42,\"ms\":3.5,\"delta\":-2,\"e\":1000}\n");
}

static void test_json_quoted_or_malformed_numbers_stay_strings(void **state)
{
	log_setup(LOG_INFO, true);
	log_event(LOG_INFO, "e", "a=\"17\" b=007 c=1.5mm d=1. f=- g=1234567890123456789");
	assert_json(*state, ",\"level\":\"info\",\"event\":\"e\",\"a\":\"17\",\"b\":\"007\","
			    "\"c\":\"1.5mm\",\"d\":\"1.\",\"f\":\"-\",\"g\":\"1234567890123456789\"}\n");
}

static void test_json_true_and_false_are_booleans(void **state)
{
	log_setup(LOG_INFO, true);
	log_event(LOG_INFO, "e", "a=true b=false c=\"true\" d=yes");
	assert_json(*state, ",\"level\":\"info\",\"event\":\"e\",\"a\":true,\"b\":false,"
			    "\"c\":\"true\",\"d\":\"yes\"}\n");
}

/* --- the journal --- */

/* JOURNAL_STREAM naming the file stderr is (the capture's temporary file). */
static void point_journal_stream_at_stderr(bool match)
{
	struct stat st;
	char v[64];
	assert_int_equal(fstat(STDERR_FILENO, &st), 0);
	snprintf(v, sizeof(v), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino + (match ? 0 : 1));
	setenv("JOURNAL_STREAM", v, 1);
}

static void test_journal_stream_prefixes_each_line_with_its_priority(void **state)
{
	point_journal_stream_at_stderr(true);
	log_setup(LOG_DEBUG, false);
	log_event(LOG_ERROR, "a", NULL);
	log_event(LOG_WARNING, "b", NULL);
	log_event(LOG_INFO, "c", NULL);
	log_event(LOG_DEBUG, "d", NULL);
	unsetenv("JOURNAL_STREAM");
	char *got = captured(*state);
	assert_non_null(strstr(got, "<3>ts="));
	assert_true(strncmp(got, "<3>ts=", 6) == 0);
	assert_non_null(strstr(got, "\n<4>ts="));
	assert_non_null(strstr(got, "\n<6>ts="));
	assert_non_null(strstr(got, "\n<7>ts="));
	assert_int_equal(count_lines(got), 4);
	free(got);
}

static void test_journal_prefix_in_json_format_too(void **state)
{
	point_journal_stream_at_stderr(true);
	log_setup(LOG_INFO, true);
	log_event(LOG_WARNING, "b", "n=1");
	unsetenv("JOURNAL_STREAM");
	char *got = captured(*state);
	assert_true(strncmp(got, "<4>{\"ts\":", 9) == 0);
	free(got);
}

static void test_journal_stream_of_another_file_adds_no_prefix(void **state)
{
	point_journal_stream_at_stderr(false);
	log_setup(LOG_INFO, false);
	log_event(LOG_WARNING, "b", NULL);
	unsetenv("JOURNAL_STREAM");
	char *got = captured(*state);
	assert_true(strncmp(got, "ts=", 3) == 0);
	free(got);
}

static void test_json_line_unquotes_quoted_values(void **state)
{
	log_setup(LOG_INFO, true);
	log_event(LOG_WARNING, "request_rejected", "k=v k2=\"quoted value\"");
	assert_json(*state, ",\"level\":\"warning\",\"event\":\"request_rejected\",\"k\":\"v\","
			    "\"k2\":\"quoted value\"}\n");
}

static void test_json_line_without_pairs_has_three_members(void **state)
{
	log_setup(LOG_INFO, true);
	log_event(LOG_ERROR, "db_lost", "%s", "");
	assert_json(*state, ",\"level\":\"error\",\"event\":\"db_lost\"}\n");
}

static void test_json_reescapes_log_quote_output(void **state)
{
	char q[64];

	log_setup(LOG_INFO, true);
	log_event(LOG_INFO, "e", "reason=\"%s\"", log_quote(q, sizeof(q), "say \"hi\"\\\n\x01"));
	assert_json(*state, ",\"level\":\"info\",\"event\":\"e\","
			    "\"reason\":\"say \\\"hi\\\"\\\\\\n\\u0001\"}\n");
}

static void test_json_bare_word_becomes_true(void **state)
{
	log_setup(LOG_INFO, true);
	log_event(LOG_INFO, "e", "dry_run n=1");
	assert_json(*state, ",\"level\":\"info\",\"event\":\"e\",\"dry_run\":true,\"n\":1}\n");
}

static void test_json_duplicate_key_keeps_last_value(void **state)
{
	log_setup(LOG_INFO, true);
	log_event(LOG_INFO, "e", "n=1 m=2 n=3");
	assert_json(*state, ",\"level\":\"info\",\"event\":\"e\",\"n\":3,\"m\":2}\n");
}

static void test_json_key_named_like_a_fixed_member_is_prefixed(void **state)
{
	log_setup(LOG_INFO, true);
	log_event(LOG_INFO, "e", "level=high event=x ts=1");
	assert_json(*state, ",\"level\":\"info\",\"event\":\"e\",\"_level\":\"high\","
			    "\"_event\":\"x\",\"_ts\":1}\n");
}

static void test_json_empty_value_is_empty_string(void **state)
{
	log_setup(LOG_INFO, true);
	log_event(LOG_INFO, "e", "a= b=\"\"");
	assert_json(*state, ",\"level\":\"info\",\"event\":\"e\",\"a\":\"\",\"b\":\"\"}\n");
}

static void test_json_invalid_utf8_is_escaped_as_text(void **state)
{
	char *got;
	cJSON *doc;

	log_setup(LOG_INFO, true);
	log_event(LOG_INFO, "e", "name=%s city=\"%s\"", "a\xff", "K\303\270benhavn");
	got = captured(*state);
	doc = cJSON_Parse(got);
	assert_non_null(doc);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(doc, "name")->valuestring, "a\\xff");
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(doc, "city")->valuestring,
			    "K\303\270benhavn");
	cJSON_Delete(doc);
	free(got);
}

static void test_json_lines_parse_as_json(void **state)
{
	char *got;
	cJSON *doc;

	log_setup(LOG_INFO, true);
	log_event(LOG_INFO, "e", "a=1 b=\"x y\" c=\"\\x7f\\x00\"");
	got = captured(*state);
	assert_int_equal(count_lines(got), 1);
	doc = cJSON_Parse(got);
	assert_non_null(doc);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(doc, "c")->valuestring, "\x7f\\x00");
	cJSON_Delete(doc);
	free(got);
}

/* --- long lines --- */

static void test_text_long_line_drops_last_pairs_and_says_so(void **state)
{
	char big[1500], *got;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	log_event(LOG_INFO, "e", "a=%s b=%s c=1", big, big);
	got = captured(*state);
	assert_int_equal(count_lines(got), 1);
	assert_true(strlen(got) <= 2048);
	assert_non_null(strstr(got, " a=xxx"));
	assert_null(strstr(got, " b="));
	assert_null(strstr(got, " c=1"));
	assert_string_equal(got + strlen(got) - 16, " truncated=true\n");
	free(got);
}

static void test_text_pairs_past_format_buffer_drop_the_partial_one(void **state)
{
	char big[3000], *got;

	memset(big, 'y', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	log_event(LOG_INFO, "e", "a=1 b=%s", big);
	got = captured(*state);
	assert_string_equal(after_text_ts(got), "level=info event=e a=1 truncated=true\n");
	free(got);
}

static void test_json_long_line_drops_last_pairs_and_says_so(void **state)
{
	char big[1500], *got;
	cJSON *doc;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	log_setup(LOG_INFO, true);
	log_event(LOG_INFO, "e", "a=%s b=%s c=1", big, big);
	got = captured(*state);
	assert_int_equal(count_lines(got), 1);
	assert_true(strlen(got) <= 2048);
	doc = cJSON_Parse(got);
	assert_non_null(doc);
	assert_non_null(cJSON_GetObjectItemCaseSensitive(doc, "a"));
	assert_null(cJSON_GetObjectItemCaseSensitive(doc, "b"));
	assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(doc, "truncated")));
	cJSON_Delete(doc);
	free(got);
}

static void test_json_escapes_that_grow_past_the_line_are_dropped(void **state)
{
	char big[1200], *got;
	cJSON *doc;

	/* Each control byte grows to six in JSON (\u0001): the object outgrows the line. */
	memset(big, '\x01', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	log_setup(LOG_INFO, true);
	log_event(LOG_INFO, "e", "n=1 a=%s", big);
	got = captured(*state);
	assert_true(strlen(got) <= 2048);
	doc = cJSON_Parse(got);
	assert_non_null(doc);
	assert_true(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(doc, "n")));
	assert_int_equal(cJSON_GetObjectItemCaseSensitive(doc, "n")->valueint, 1);
	assert_null(cJSON_GetObjectItemCaseSensitive(doc, "a"));
	cJSON_Delete(doc);
	free(got);
}

/* --- threads --- */

static void *log_many(void *arg)
{
	for (int i = 0; i < 200; i++)
		log_event(LOG_INFO, "thread_line", "thread=%d i=%d pad=%0200d", *(int *)arg, i, 0);
	return NULL;
}

static void test_lines_from_threads_do_not_interleave(void **state)
{
	pthread_t t[4];
	int ids[4] = {0, 1, 2, 3};
	char *got, *line;
	size_t n = 0;

	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, log_many, &ids[i]), 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	got = captured(*state);
	for (line = strtok(got, "\n"); line; line = strtok(NULL, "\n"), n++) {
		const char *rest = after_text_ts(line);
		int id, i;

		assert_int_equal(
		    sscanf(rest, "level=info event=thread_line thread=%d i=%d", &id, &i), 2);
		assert_string_equal(strstr(rest, " pad=") + 5 + 200, "");
	}
	assert_int_equal(n, 800);
	free(got);
}

/* --- log_quote --- */

static void test_quote_escapes_quotes_and_backslashes(void **state)
{
	char buf[64];

	(void)state;
	assert_string_equal(log_quote(buf, sizeof(buf), "a\"b\\c"), "a\\\"b\\\\c");
}

static void test_quote_escapes_control_characters(void **state)
{
	char buf[64];

	(void)state;
	assert_string_equal(log_quote(buf, sizeof(buf), "a\nb\tc\rd\001e\177"),
			    "a\\nb\\tc\\rd\\x01e\\x7f");
}

static void test_quote_keeps_valid_utf8(void **state)
{
	char buf[64];

	(void)state;
	assert_string_equal(
	    log_quote(buf, sizeof(buf), "Z\xc3\xbcrich \xe2\x82\xac \xf0\x9f\x92\x89"),
	    "Z\xc3\xbcrich \xe2\x82\xac \xf0\x9f\x92\x89");
}

static void test_quote_escapes_invalid_utf8_bytes(void **state)
{
	char buf[64];

	(void)state;
	/* A lone continuation byte, an overlong '/', a truncated sequence, a surrogate. */
	assert_string_equal(log_quote(buf, sizeof(buf), "\x80|\xc0\xaf|\xe2\x82|\xed\xa0\x80"),
			    "\\x80|\\xc0\\xaf|\\xe2\\x82|\\xed\\xa0\\x80");
}

static void test_quote_cuts_at_buffer_size(void **state)
{
	char buf[5];

	(void)state;
	assert_string_equal(log_quote(buf, sizeof(buf), "abcdefgh"), "abcd");
}

static void test_quote_never_cuts_an_escape_in_two(void **state)
{
	char buf[5];

	(void)state;
	assert_string_equal(log_quote(buf, sizeof(buf), "abc\"d"), "abc");
	assert_string_equal(log_quote(buf, sizeof(buf), "a\x01"), "a");
}

static void test_quote_never_cuts_a_utf8_sequence_in_two(void **state)
{
	char buf[4];

	(void)state;
	assert_string_equal(log_quote(buf, sizeof(buf), "a\xe2\x82\xac"), "a");
}

static void test_quote_of_null_is_empty(void **state)
{
	char buf[8] = "junk";

	(void)state;
	assert_string_equal(log_quote(buf, sizeof(buf), NULL), "");
}

static void test_quote_with_one_byte_buffer_is_empty(void **state)
{
	char buf[1] = {'x'};

	(void)state;
	assert_string_equal(log_quote(buf, sizeof(buf), "abc"), "");
}

static void test_quote_returns_its_buffer(void **state)
{
	char buf[8];

	(void)state;
	assert_ptr_equal(log_quote(buf, sizeof(buf), "x"), buf);
	assert_null(log_quote(NULL, 0, "x"));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_text_line_has_level_event_and_pairs),
	    T(test_text_line_keeps_quoted_values_as_written),
	    T(test_text_line_without_pairs_ends_after_event),
	    T(test_text_line_accepts_null_format),
	    T(test_text_timestamp_is_current_utc_time),
	    T(test_text_raw_newline_in_value_stays_on_one_line),
	    T(test_text_bidi_and_c1_characters_are_escaped),
	    T(test_json_bidi_characters_stay_escaped_as_text),
	    T(test_text_extra_spaces_between_pairs_collapse),
	    T(test_each_level_has_its_name),
	    T(test_lines_below_minimum_level_are_dropped),
	    T(test_default_minimum_level_drops_debug),
	    T(test_log_enabled_follows_setup),
	    T(test_level_from_string_parses_each_name),
	    T(test_level_from_string_rejects_unknown),
	    T(test_json_line_keeps_numbers_as_numbers),
	    T(test_json_quoted_or_malformed_numbers_stay_strings),
	    T(test_json_true_and_false_are_booleans),
	    T(test_journal_stream_prefixes_each_line_with_its_priority),
	    T(test_journal_prefix_in_json_format_too),
	    T(test_journal_stream_of_another_file_adds_no_prefix),
	    T(test_json_line_unquotes_quoted_values),
	    T(test_json_line_without_pairs_has_three_members),
	    T(test_json_reescapes_log_quote_output),
	    T(test_json_bare_word_becomes_true),
	    T(test_json_duplicate_key_keeps_last_value),
	    T(test_json_key_named_like_a_fixed_member_is_prefixed),
	    T(test_json_empty_value_is_empty_string),
	    T(test_json_invalid_utf8_is_escaped_as_text),
	    T(test_json_lines_parse_as_json),
	    T(test_text_long_line_drops_last_pairs_and_says_so),
	    T(test_text_pairs_past_format_buffer_drop_the_partial_one),
	    T(test_json_long_line_drops_last_pairs_and_says_so),
	    T(test_json_escapes_that_grow_past_the_line_are_dropped),
	    T(test_lines_from_threads_do_not_interleave),
	    T(test_quote_escapes_quotes_and_backslashes),
	    T(test_quote_escapes_control_characters),
	    T(test_quote_keeps_valid_utf8),
	    T(test_quote_escapes_invalid_utf8_bytes),
	    T(test_quote_cuts_at_buffer_size),
	    T(test_quote_never_cuts_an_escape_in_two),
	    T(test_quote_never_cuts_a_utf8_sequence_in_two),
	    T(test_quote_of_null_is_empty),
	    T(test_quote_with_one_byte_buffer_is_empty),
	    T(test_quote_returns_its_buffer),
	};

	return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
