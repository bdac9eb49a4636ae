/* Tests for daemon/core/jsonstrict.c: every malformed fixture is refused, valid documents
 * parse to their values, and each refusal names the right offset and reason. */
#include <dirent.h>
#include <math.h>
#include <stdbool.h>

#include "helpers.h"

#include "jsonstrict.h"

/* Tests run from the repository root. */
#ifndef JSON_MALFORMED_DIR
#define JSON_MALFORMED_DIR "tests/fixtures/json-malformed"
#endif

/* The daemon's limits. */
static const struct json_limits limits = {.max_depth = 32, .max_string_bytes = 16384};

/* The example report of docs/report-format.md, with escapes and multibyte UTF-8 in the narrative; the same
 * document tests/fixtures/make-json-malformed.sh truncates and spoils. */
static const char report[] =
    "{\"client_ref\":\"GLOW-2026-00042\",\"version\":1,\"procedure\":{\"date\":\"2026-11-02\","
    "\"type\":\"microneedling\",\"setting\":\"beauty salon\",\"premises_code\":null,"
    "\"practitioner_role\":\"aesthetician\",\"device\":\"pen\",\"needle_depth\":\"1500 µm\","
    "\"areas\":[\"cheeks\",\"forehead\"],\"products\":[\"vitamin C serum\"],"
    "\"sterile_single_use_cartridge\":false,\"antiviral_prophylaxis\":false},"
    "\"patient\":{\"age_band\":\"25-34\",\"sex\":\"female\",\"fitzpatrick\":\"IV\","
    "\"history\":[\"rosacea\"],"
    "\"ref\":\"opaque-local-id\",\"postcode_district\":\"LS6\"},\"complications\":[{\"type\":"
    "\"cold sores\","
    "\"onset_days\":3,\"duration_days\":10.5,\"severity\":\"moderate\",\"serious\":false,"
    "\"outcome\":\"resolved\",\"treatment\":[\"oral antivirals\"]}],\"reporter_role\":"
    "\"treating_clinician\","
    "\"narrative\":\"Zoë said \\\"ça pique\\\" \\u00e9 \\uD83D\\uDE00 😀\\n-0.5e-3\"}";

/* Parses an exact-size heap copy of doc[0..len), so AddressSanitizer catches any read
 * past len; an empty document is passed as (NULL, 0). */
static cJSON *parse_n(const char *doc, size_t len, const struct json_limits *lim,
		      struct json_error *err)
{
	char *copy = NULL;
	cJSON *root;

	if (len) {
		copy = malloc(len);
		assert_non_null(copy);
		memcpy(copy, doc, len);
	}
	root = json_parse_strict(copy, len, lim, err);
	free(copy);
	return root;
}

static cJSON *accept_n(const char *doc, size_t len, const struct json_limits *lim, int line)
{
	struct json_error err = {0};
	cJSON *root = parse_n(doc, len, lim, &err);

	if (!root) {
		print_error("line %d: refused at %zu: %s\n", line, err.offset, err.message);
		fail();
	}
	return root;
}

static void refuse_n(const char *doc, size_t len, const struct json_limits *lim, size_t offset,
		     const char *message, int line)
{
	struct json_error err = {0};
	cJSON *root = parse_n(doc, len, lim, &err);

	if (root) {
		cJSON_Delete(root);
		print_error("line %d: accepted, expected \"%s\"\n", line, message);
		fail();
	}
	if (err.offset != offset || strcmp(err.message, message) != 0) {
		print_error("line %d: got %zu \"%s\", expected %zu \"%s\"\n", line, err.offset,
			    err.message, offset, message);
		fail();
	}
}

/* Literals only: sizeof counts embedded NULs, strlen would stop at them. */
#define ACCEPT(doc) accept_n((doc), sizeof(doc) - 1, &limits, __LINE__)
#define REFUSE(doc, offset, message)                                                               \
	refuse_n((doc), sizeof(doc) - 1, &limits, (offset), (message), __LINE__)

static void check_number(const char *doc, size_t len, double want, int line)
{
	cJSON *root = accept_n(doc, len, &limits, line);

	if (!cJSON_IsNumber(root) || root->valuedouble != want ||
	    signbit(root->valuedouble) != signbit(want)) {
		print_error("line %d: %s parsed to %.17g, expected %.17g\n", line, doc,
			    root->valuedouble, want);
		fail();
	}
	cJSON_Delete(root);
}

#define EXPECT_NUMBER(doc, want) check_number((doc), sizeof(doc) - 1, (want), __LINE__)

/* doc must parse to one string whose decoded bytes are want (want_len of them). */
static void check_string(const char *doc, size_t len, const char *want, size_t want_len, int line)
{
	cJSON *root = accept_n(doc, len, &limits, line);

	if (!cJSON_IsString(root) || strlen(root->valuestring) != want_len ||
	    memcmp(root->valuestring, want, want_len) != 0) {
		print_error("line %d: %s decoded wrongly\n", line, doc);
		fail();
	}
	cJSON_Delete(root);
}

#define EXPECT_STRING(doc, want)                                                                   \
	check_string((doc), sizeof(doc) - 1, (want), sizeof(want) - 1, __LINE__)

static void test_every_malformed_fixture_is_refused(void **state)
{
	DIR *dir = opendir(JSON_MALFORMED_DIR);
	struct dirent *de;
	size_t files = 0, wrong = 0;

	(void)state;
	if (!dir) {
		print_error("cannot open %s (tests run from the repository root)\n",
			    JSON_MALFORMED_DIR);
		fail();
	}
	while ((de = readdir(dir))) {
		char path[4096];
		struct json_error err = {.offset = SIZE_MAX};
		size_t len;
		char *doc;
		cJSON *root;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", JSON_MALFORMED_DIR, de->d_name);
		doc = th_read_file(path, &len);
		root = parse_n(doc, len, &limits, &err);
		free(doc);
		files++;
		if (root) {
			print_error("%s: accepted\n", de->d_name);
			cJSON_Delete(root);
			wrong++;
		} else if (err.message[0] == '\0' || err.offset > len) {
			print_error("%s: offset %zu of %zu, message \"%s\"\n", de->d_name,
				    err.offset, len, err.message);
			wrong++;
		}
	}
	closedir(dir);
	assert_int_equal(wrong, 0);
	assert_true(files >= 150);
}

static void test_every_proper_prefix_of_the_report_is_refused(void **state)
{
	size_t len = sizeof(report) - 1;
	cJSON *root;

	(void)state;
	for (size_t n = 0; n < len; n++) {
		struct json_error err = {0};

		root = parse_n(report, n, &limits, &err);
		if (root) {
			print_error("prefix of %zu bytes accepted\n", n);
			cJSON_Delete(root);
			fail();
		}
		assert_true(err.offset <= n);
	}
	root = ACCEPT(report);
	cJSON_Delete(root);
}

static void test_report_parses_to_its_values(void **state)
{
	cJSON *root = ACCEPT(report);
	const cJSON *proc = json_get(root, "procedure");
	const cJSON *comp = cJSON_GetArrayItem(json_get(root, "complications"), 0);

	(void)state;
	assert_string_equal(json_get(root, "client_ref")->valuestring, "GLOW-2026-00042");
	assert_true(json_get(root, "version")->valuedouble == 1.0);
	assert_true(cJSON_IsNull(json_get(proc, "premises_code")));
	assert_true(cJSON_IsFalse(json_get(proc, "antiviral_prophylaxis")));
	assert_string_equal(json_get(proc, "needle_depth")->valuestring, "1500 \xc2\xb5m");
	assert_int_equal(cJSON_GetArraySize(json_get(proc, "areas")), 2);
	assert_string_equal(cJSON_GetArrayItem(json_get(proc, "areas"), 1)->valuestring,
			    "forehead");
	assert_string_equal(json_get(json_get(root, "patient"), "ref")->valuestring,
			    "opaque-local-id");
	assert_true(json_get(comp, "duration_days")->valuedouble == 10.5);
	assert_string_equal(json_get(root, "narrative")->valuestring,
			    "Zo\xc3\xab said \"\xc3\xa7"
			    "a pique\" \xc3\xa9 \xf0\x9f\x98\x80 \xf0\x9f\x98\x80\n-0.5e-3");
	cJSON_Delete(root);
}

static void test_every_value_kind_parses(void **state)
{
	cJSON *root = ACCEPT("{\"s\":\"x\",\"n\":-1.5,\"t\":true,\"f\":false,\"z\":null,"
			     "\"a\":[1,\"two\",[],{}],\"o\":{\"k\":\"v\"},\"e\":\"\",\"\":0}");
	const cJSON *a = json_get(root, "a");

	(void)state;
	assert_string_equal(json_get(root, "s")->valuestring, "x");
	assert_true(json_get(root, "n")->valuedouble == -1.5);
	assert_true(cJSON_IsTrue(json_get(root, "t")));
	assert_true(cJSON_IsFalse(json_get(root, "f")));
	assert_true(cJSON_IsNull(json_get(root, "z")));
	assert_int_equal(cJSON_GetArraySize(a), 4);
	assert_true(cJSON_GetArrayItem(a, 0)->valuedouble == 1.0);
	assert_string_equal(cJSON_GetArrayItem(a, 1)->valuestring, "two");
	assert_true(cJSON_IsArray(cJSON_GetArrayItem(a, 2)));
	assert_int_equal(cJSON_GetArraySize(cJSON_GetArrayItem(a, 2)), 0);
	assert_true(cJSON_IsObject(cJSON_GetArrayItem(a, 3)));
	assert_null(cJSON_GetArrayItem(a, 3)->child);
	assert_string_equal(json_get(json_get(root, "o"), "k")->valuestring, "v");
	assert_string_equal(json_get(root, "e")->valuestring, "");
	assert_true(json_get(root, "")->valuedouble == 0.0);
	cJSON_Delete(root);
}

static void test_scalars_parse_at_top_level(void **state)
{
	cJSON *root;

	(void)state;
	root = ACCEPT("true");
	assert_true(cJSON_IsTrue(root));
	cJSON_Delete(root);
	root = ACCEPT("false");
	assert_true(cJSON_IsFalse(root));
	cJSON_Delete(root);
	root = ACCEPT("null");
	assert_true(cJSON_IsNull(root));
	cJSON_Delete(root);
	EXPECT_STRING("\"\"", "");
	EXPECT_STRING("\"plain\"", "plain");
	EXPECT_NUMBER("7", 7.0);
}

static void test_numbers_parse_to_their_values(void **state)
{
	(void)state;
	EXPECT_NUMBER("0", 0.0);
	EXPECT_NUMBER("-0", -0.0);
	EXPECT_NUMBER("-0.0", -0.0);
	EXPECT_NUMBER("0.5e-3", 0.0005);
	EXPECT_NUMBER("1E+2", 100.0);
	EXPECT_NUMBER("1e2", 100.0);
	EXPECT_NUMBER("1E-2", 0.01);
	EXPECT_NUMBER("1e+0", 1.0);
	EXPECT_NUMBER("-1.5", -1.5);
	EXPECT_NUMBER("10.25", 10.25);
	EXPECT_NUMBER("123456789", 123456789.0);
	EXPECT_NUMBER("9007199254740993", 9007199254740992.0); /* 2^53 + 1 rounds */
	EXPECT_NUMBER("0.000001", 1e-6);
	EXPECT_NUMBER("0e0", 0.0);
	EXPECT_NUMBER("0e99999999999999999999", 0.0);
	EXPECT_NUMBER("0.000e400", 0.0);
	EXPECT_NUMBER("1e-400", 0.0);
	EXPECT_NUMBER("-1e-99999999999999999999", -0.0);
}

static void test_numbers_up_to_1e300_are_accepted(void **state)
{
	char big[320];

	(void)state;
	EXPECT_NUMBER("1e300", 1e300);
	EXPECT_NUMBER("-1e300", -1e300);
	EXPECT_NUMBER("1.0e300", 1e300);
	EXPECT_NUMBER("1.000000000000000000000000e300", 1e300);
	EXPECT_NUMBER("10e299", 1e300);
	EXPECT_NUMBER("0.1e301", 1e300);
	EXPECT_NUMBER("0.00001e305", 1e300);
	EXPECT_NUMBER("9.999999e299", 9.999999e299);
	EXPECT_NUMBER("999e297", 9.99e299);
	EXPECT_NUMBER("-9.99999999999999999999e299", -9.99999999999999999999e299);
	EXPECT_NUMBER("-0.00100e303", -1e300);
	/* 1 followed by 300 zeros is exactly 1e300 */
	big[0] = '1';
	memset(big + 1, '0', 300);
	check_number(big, 301, 1e300, __LINE__);
}

static void test_numbers_above_1e300_are_refused(void **state)
{
	char big[320];

	(void)state;
	REFUSE("1e301", 0, "number magnitude exceeds 1e300");
	REFUSE("-1e301", 0, "number magnitude exceeds 1e300");
	REFUSE("1e400", 0, "number magnitude exceeds 1e300");
	REFUSE("1.0000000000000000000001e300", 0, "number magnitude exceeds 1e300");
	REFUSE("1e300000000000000000000000000", 0, "number magnitude exceeds 1e300");
	REFUSE("0.1e302", 0, "number magnitude exceeds 1e300");
	REFUSE("0.00001e306", 0, "number magnitude exceeds 1e300");
	REFUSE("2e308", 0, "number magnitude exceeds 1e300");
	REFUSE("2e300", 0, "number magnitude exceeds 1e300");
	REFUSE("1.5e300", 0, "number magnitude exceeds 1e300");
	REFUSE("0.2e301", 0, "number magnitude exceeds 1e300");
	REFUSE("-10.01e299", 0, "number magnitude exceeds 1e300");
	REFUSE("[1, -9e300]", 4, "number magnitude exceeds 1e300");
	/* 1 followed by 300 zeros and a 1 */
	big[0] = '1';
	memset(big + 1, '0', 299);
	big[300] = '1';
	refuse_n(big, 301, &limits, 0, "number magnitude exceeds 1e300", __LINE__);
	/* 1 followed by 301 zeros */
	big[300] = '0';
	big[301] = '0';
	refuse_n(big, 302, &limits, 0, "number magnitude exceeds 1e300", __LINE__);
}

static void test_number_grammar_errors_are_refused(void **state)
{
	(void)state;
	REFUSE("01", 1, "leading zero in number");
	REFUSE("-01", 2, "leading zero in number");
	REFUSE("00", 1, "leading zero in number");
	REFUSE("[0123]", 2, "leading zero in number");
	REFUSE("2.", 2, "digit expected after decimal point");
	REFUSE("2.e3", 2, "digit expected after decimal point");
	REFUSE("[-2.]", 4, "digit expected after decimal point");
	REFUSE(".5", 0, "unexpected character '.'");
	REFUSE("+1", 0, "unexpected character '+'");
	REFUSE("-", 1, "digit expected after '-'");
	REFUSE("-.5", 1, "digit expected after '-'");
	REFUSE("-Infinity", 1, "digit expected after '-'");
	REFUSE("1e", 2, "digit expected in exponent");
	REFUSE("1E+", 3, "digit expected in exponent");
	REFUSE("1.5e-x", 5, "digit expected in exponent");
	REFUSE("1.2.3", 3, "unexpected character after the value");
	REFUSE("0x10", 1, "unexpected character after the value");
	REFUSE("NaN", 0, "unexpected character 'N'");
	REFUSE("Infinity", 0, "unexpected character 'I'");
	REFUSE("[1,2 3]", 5, "expected ',' or ']'");
}

static void test_string_escapes_decode(void **state)
{
	(void)state;
	EXPECT_STRING("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\/\b\f\n\r\t");
	EXPECT_STRING("\"\\u0041\\u00e9\\u20AC\"", "A\xc3\xa9\xe2\x82\xac");
	EXPECT_STRING("\"\\u0001\\u001f\\u007F\"", "\x01\x1f\x7f");
	EXPECT_STRING("\"\\u0080\\u07ff\\u0800\\uFFFF\"",
		      "\xc2\x80\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf");
	EXPECT_STRING("\"\\uD7FF\\uE000\"", "\xed\x9f\xbf\xee\x80\x80");
	/* surrogate pairs: U+1D11E, U+1F600 in lower case, U+10000 and U+10FFFF */
	EXPECT_STRING("\"\\uD834\\uDD1E\"", "\xf0\x9d\x84\x9e");
	EXPECT_STRING("\"\\ud83d\\ude00\"", "\xf0\x9f\x98\x80");
	EXPECT_STRING("\"\\uD800\\uDC00\"", "\xf0\x90\x80\x80");
	EXPECT_STRING("\"\\uDBFF\\uDFFF\"", "\xf4\x8f\xbf\xbf");
	EXPECT_STRING("\"a\\uD83D\\uDE00b\\uD83D\\uDE00\"", "a\xf0\x9f\x98\x80"
							    "b\xf0\x9f\x98\x80");
}

static void test_raw_utf8_is_accepted_at_every_boundary(void **state)
{
	(void)state;
	/* U+0080, U+07FF, U+0800, U+D7FF, U+E000, U+FFFD, U+FFFF */
	EXPECT_STRING(
	    "\"\xc2\x80\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbd\xef\xbf\xbf\"",
	    "\xc2\x80\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbd\xef\xbf\xbf");
	/* 4-byte: U+10000, U+1F600, U+10FFFF */
	EXPECT_STRING("\"\xf0\x90\x80\x80\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf\"",
		      "\xf0\x90\x80\x80\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf");
	/* DEL is not a control character in RFC 8259 */
	EXPECT_STRING("\"\x7f\"", "\x7f");
	EXPECT_STRING("\"caf\xc3\xa9 \xe2\x82\xac 1\"", "caf\xc3\xa9 \xe2\x82\xac 1");
}

static void test_string_errors_are_refused(void **state)
{
	(void)state;
	REFUSE("\"\\x41\"", 1, "invalid escape sequence");
	REFUSE("[\"ab\\'\"]", 4, "invalid escape sequence");
	REFUSE("\"\\u12G4\"", 1, "invalid \\u escape");
	REFUSE("\"\\u00e\"", 1, "invalid \\u escape");
	REFUSE("\"\\u0000\"", 1, "\\u0000 not allowed");
	REFUSE("{\"a\\u0000\":1}", 3, "\\u0000 not allowed");
	REFUSE("\"x\\uD800\"", 2, "unpaired surrogate in \\u escape");
	REFUSE("\"\\uDC00\"", 1, "unpaired surrogate in \\u escape");
	REFUSE("\"\\uDE00\\uD83D\"", 1, "unpaired surrogate in \\u escape");
	REFUSE("\"\\uD83D\\uD83D\"", 1, "unpaired surrogate in \\u escape");
	REFUSE("\"\\uD83D\\u0041\"", 1, "unpaired surrogate in \\u escape");
	REFUSE("\"\\uD83D\\n\"", 1, "unpaired surrogate in \\u escape");
	REFUSE("\"\\uD83Dx\"", 1, "unpaired surrogate in \\u escape");
	REFUSE("\"\\uD83D\\uDEZZ\"", 7, "invalid \\u escape");
	REFUSE("\"\\uD83D", 7, "unterminated string");
	REFUSE("\"\\uD83D\\", 8, "unterminated string");
	REFUSE("\"\\uD83D\\uDE", 11, "unterminated string");
	REFUSE("\"\\u12", 5, "unterminated string");
	REFUSE("\"abc", 4, "unterminated string");
	REFUSE("\"abc\\", 5, "unterminated string");
	REFUSE("\"a\tb\"", 2, "unescaped control character in string");
	REFUSE("\"a\nb\"", 2, "unescaped control character in string");
	REFUSE("\"\x1f\"", 1, "unescaped control character in string");
	REFUSE("\"a\0b\"", 2, "unescaped control character in string");
	REFUSE("\"\xc0\xaf\"", 1, "invalid UTF-8");
	REFUSE("\"\xe0\x80\xaf\"", 1, "invalid UTF-8");
	REFUSE("\"\xf0\x8f\xbf\xbf\"", 1, "invalid UTF-8");
	REFUSE("\"ab\xed\xa0\x80\"", 3, "invalid UTF-8");
	REFUSE("\"\xed\xbf\xbf\"", 1, "invalid UTF-8");
	REFUSE("\"\xf4\x90\x80\x80\"", 1, "invalid UTF-8");
	REFUSE("\"\xf5\x80\x80\x80\"", 1, "invalid UTF-8");
	REFUSE("\"\xff\"", 1, "invalid UTF-8");
	REFUSE("\"\x80\"", 1, "invalid UTF-8");
	REFUSE("\"\xc3\"", 1, "invalid UTF-8");
	REFUSE("\"\xe2\x82\"", 1, "invalid UTF-8");
	REFUSE("\"\xf0\x9f\x98\"", 1, "invalid UTF-8");
	REFUSE("\"\xf0\x9f\x98", 1, "invalid UTF-8");
	REFUSE("\"\xe2\x28\xa1\"", 1, "invalid UTF-8");
	REFUSE("\"\xf0\x90\x8c\x28\"", 1, "invalid UTF-8");
	REFUSE("\"caf\xe9\"", 4, "invalid UTF-8");
	REFUSE("[\xc3\xa9]", 1, "unexpected byte 0xc3");
}

static void test_whitespace_is_space_tab_cr_lf_only(void **state)
{
	cJSON *root;

	(void)state;
	root = ACCEPT(" \t\r\n[ 1 ,\t2\r\n]\n");
	assert_int_equal(cJSON_GetArraySize(root), 2);
	cJSON_Delete(root);
	root = ACCEPT("\r\n{\t\"a\" :\n1 ,\r\"b\"\t: [ ] }\t \r\n");
	assert_true(json_get(root, "a")->valuedouble == 1.0);
	cJSON_Delete(root);
	REFUSE("\f[]", 0, "unexpected byte 0x0c");
	REFUSE("[1,\f2]", 3, "unexpected byte 0x0c");
	REFUSE("[]\f", 2, "unexpected character after the value");
	REFUSE("[\v1]", 1, "unexpected byte 0x0b");
	REFUSE("[\xc2\xa0\x31]", 1, "unexpected byte 0xc2"); /* no-break space */
	REFUSE("", 0, "empty document");
	REFUSE(" \t\r\n", 4, "empty document");
	REFUSE("\f", 0, "unexpected byte 0x0c");
}

static void test_empty_buffer_is_refused(void **state)
{
	struct json_error err = {0};
	char one = '[';

	(void)state;
	assert_null(json_parse_strict(NULL, 0, &limits, &err));
	assert_int_equal(err.offset, 0);
	assert_string_equal(err.message, "empty document");
	/* a non-NULL buffer of length 0: its byte is not part of the document */
	memset(&err, 0, sizeof(err));
	assert_null(json_parse_strict(&one, 0, &limits, &err));
	assert_string_equal(err.message, "empty document");
}

static void test_byte_order_mark_is_refused(void **state)
{
	(void)state;
	REFUSE("\xef\xbb\xbf{}", 0, "byte order mark not allowed");
	REFUSE("\xef\xbb\xbf", 0, "byte order mark not allowed");
	REFUSE("\xef\xbb", 0, "unexpected byte 0xef");
	REFUSE(" \xef\xbb\xbf{}", 1, "unexpected byte 0xef");
}

static void test_anything_after_the_value_is_refused(void **state)
{
	(void)state;
	REFUSE("[1] x", 4, "unexpected character after the value");
	REFUSE("{}{}", 2, "unexpected character after the value");
	REFUSE("1 2", 2, "unexpected character after the value");
	REFUSE("truex", 4, "unexpected character after the value");
	REFUSE("[]]", 2, "unexpected character after the value");
	REFUSE("\"a\" // c", 4, "unexpected character after the value");
	/* cJSON with require_null_terminated and a length past the NUL would stop here */
	REFUSE("[1]\0", 3, "unexpected character after the value");
	REFUSE("[1]\0garbage", 3, "unexpected character after the value");
	REFUSE("{\"a\":1}\0{\"b\":2}", 7, "unexpected character after the value");
}

static void test_nul_bytes_are_refused(void **state)
{
	(void)state;
	REFUSE("\0", 0, "unexpected byte 0x00");
	REFUSE("\0[]", 0, "unexpected byte 0x00");
	REFUSE("[1,\0 2]", 3, "unexpected byte 0x00");
	REFUSE("{\"a\0b\":1}", 3, "unescaped control character in string");
	REFUSE("[1\0]", 2, "expected ',' or ']'");
}

static void test_structure_errors_are_refused(void **state)
{
	(void)state;
	REFUSE("[", 1, "unexpected end of input");
	REFUSE("{", 1, "unexpected end of input");
	REFUSE("[1", 2, "unexpected end of input");
	REFUSE("{\"a\"", 4, "unexpected end of input");
	REFUSE("{\"a\":", 5, "unexpected end of input");
	REFUSE("{\"a\":1", 6, "unexpected end of input");
	REFUSE("[1,]", 3, "trailing comma");
	REFUSE("{\"a\":1 , }", 9, "trailing comma");
	REFUSE("[,1]", 1, "unexpected character ','");
	REFUSE("[1,,2]", 3, "unexpected character ','");
	REFUSE("{,}", 1, "expected a string key");
	REFUSE("{a:1}", 1, "expected a string key");
	REFUSE("{'a':1}", 1, "expected a string key");
	REFUSE("{\"a\":1,b:2}", 7, "expected a string key");
	REFUSE("{\"a\" 1}", 5, "expected ':' after key");
	REFUSE("{\"a\"}", 4, "expected ':' after key");
	REFUSE("{\"a\":1]", 6, "expected ',' or '}'");
	REFUSE("[1}", 2, "expected ',' or ']'");
	REFUSE("['a']", 1, "unexpected character '''");
	REFUSE("]", 0, "unexpected character ']'");
	REFUSE("tru", 0, "invalid literal");
	REFUSE("[nul]", 1, "invalid literal");
	REFUSE("True", 0, "unexpected character 'T'");
	REFUSE("/* c */ []", 0, "unexpected character '/'");
	REFUSE("\x01", 0, "unexpected byte 0x01");
}

/* n arrays around "1", or n objects {"a": ...} around it */
static char *nested(int n, bool objects, size_t *ret_len)
{
	const char *open = objects ? "{\"a\":" : "[", *close = objects ? "}" : "]";
	size_t lo = strlen(open), len = (size_t)n * (lo + 1) + 1;
	char *doc = malloc(len + 1), *p = doc;

	assert_non_null(doc);
	for (int i = 0; i < n; i++, p += lo)
		memcpy(p, open, lo);
	*p++ = '1';
	for (int i = 0; i < n; i++)
		*p++ = *close;
	*p = '\0';
	*ret_len = len;
	return doc;
}

static int depth_of(const cJSON *item)
{
	int deepest = 0;
	const cJSON *child;

	if (!cJSON_IsArray(item) && !cJSON_IsObject(item))
		return 0;
	for (child = item->child; child; child = child->next) {
		int d = depth_of(child);

		if (d > deepest)
			deepest = d;
	}
	return deepest + 1;
}

static void test_nesting_exactly_at_the_limit_is_accepted(void **state)
{
	size_t len;
	char *doc;
	cJSON *root;

	(void)state;
	for (int objects = 0; objects <= 1; objects++) {
		doc = nested(32, objects, &len);
		root = accept_n(doc, len, &limits, __LINE__);
		assert_int_equal(depth_of(root), 32);
		cJSON_Delete(root);
		free(doc);
	}
}

static void test_nesting_beyond_the_limit_is_refused(void **state)
{
	size_t len;
	char *doc;

	(void)state;
	doc = nested(33, false, &len);
	refuse_n(doc, len, &limits, 32, "nesting deeper than 32", __LINE__);
	free(doc);
	/* {"a": is 5 bytes: the 33rd brace is at 32 * 5 */
	doc = nested(33, true, &len);
	refuse_n(doc, len, &limits, 160, "nesting deeper than 32", __LINE__);
	free(doc);
	/* a stack bomb ends at the limit, not at the end of the stack */
	doc = nested(100000, false, &len);
	refuse_n(doc, len, &limits, 32, "nesting deeper than 32", __LINE__);
	free(doc);
}

static void test_depth_limit_is_capped_at_cjson_nesting_limit(void **state)
{
	const struct json_limits deep = {.max_depth = 5000, .max_string_bytes = 16};
	size_t len;
	char *doc;
	cJSON *root;

	(void)state;
	doc = nested(CJSON_NESTING_LIMIT, false, &len);
	root = accept_n(doc, len, &deep, __LINE__);
	assert_int_equal(depth_of(root), CJSON_NESTING_LIMIT);
	cJSON_Delete(root);
	free(doc);
	doc = nested(CJSON_NESTING_LIMIT + 1, false, &len);
	refuse_n(doc, len, &deep, CJSON_NESTING_LIMIT, "nesting deeper than 1000", __LINE__);
	free(doc);
}

static void test_zero_depth_allows_only_scalars(void **state)
{
	const struct json_limits flat = {.max_depth = 0, .max_string_bytes = 16};
	cJSON *root;

	(void)state;
	root = accept_n("\"x\"", 3, &flat, __LINE__);
	cJSON_Delete(root);
	refuse_n("[]", 2, &flat, 0, "nesting deeper than 0", __LINE__);
	refuse_n("{}", 2, &flat, 0, "nesting deeper than 0", __LINE__);
}

#define ACCEPT4(doc) accept_n((doc), sizeof(doc) - 1, &four, __LINE__)
#define REFUSE4(doc, offset)                                                                       \
	refuse_n((doc), sizeof(doc) - 1, &four, (offset), "string longer than 4 bytes", __LINE__)

static void test_string_limit_counts_decoded_bytes(void **state)
{
	const struct json_limits four = {.max_depth = 32, .max_string_bytes = 4};

	(void)state;
	cJSON_Delete(ACCEPT4("\"abcd\""));
	cJSON_Delete(ACCEPT4("\"\""));
	REFUSE4("\"abcde\"", 0);
	REFUSE4("[1, \"abcde\"]", 4);
	/* 12 escape bytes, 4 decoded */
	cJSON_Delete(ACCEPT4("\"\\u00e9\\u00e9\""));
	REFUSE4("\"\\u00e9\\u00e9a\"", 0);
	/* a surrogate pair is 12 escape bytes and one 4-byte character */
	cJSON_Delete(ACCEPT4("\"\\uD83D\\uDE00\""));
	REFUSE4("\"\\uD83D\\uDE00\\n\"", 0);
	cJSON_Delete(ACCEPT4("\"\\n\\t\\\"\\\\\""));
	REFUSE4("\"\\n\\t\\\"\\\\/\"", 0);
	cJSON_Delete(ACCEPT4("\"\xf0\x9f\x98\x80\""));
	REFUSE4("\"\xf0\x9f\x98\x80!\"", 0);
	cJSON_Delete(ACCEPT4("\"\xe2\x82\xac!\""));
	/* keys too */
	cJSON_Delete(ACCEPT4("{\"abcd\":\"abcd\"}"));
	REFUSE4("{\"abcde\":1}", 1);
	REFUSE4("{\"a\":\"abcde\"}", 5);
}

static void test_duplicate_keys_are_refused_at_the_repeat(void **state)
{
	(void)state;
	REFUSE("{\"a\":1,\"a\":2}", 7, "duplicate key \"a\"");
	REFUSE("{\"a\":1,\"a\":1}", 7, "duplicate key \"a\"");
	REFUSE("{\"\":1,\"\":2}", 6, "duplicate key \"\"");
	REFUSE("{\"a\":1,\"\\u0061\":2}", 7, "duplicate key \"a\"");
	REFUSE("{\"\xc3\xa9\":1, \"\\u00e9\":2}", 9, "duplicate key \"\xc3\xa9\"");
	REFUSE("{\"\\uD83D\\uDE00\":1,\"\xf0\x9f\x98\x80\":2}", 18,
	       "duplicate key \"\xf0\x9f\x98\x80\"");
	REFUSE("{\"a/b\":1,\"a\\/b\":2}", 9, "duplicate key \"a/b\"");
	REFUSE("[{\"a\":1},{\"b\":1,\"b\":2}]", 16, "duplicate key \"b\"");
	REFUSE("{\"a\":1,\"b\":2,\"a\":3,\"a\":4}", 13, "duplicate key \"a\"");
	/* the first repeat in document order, whichever object holds it */
	REFUSE("{\"x\":{\"y\":1,\"y\":2},\"x\":3}", 12, "duplicate key \"y\"");
	REFUSE("{\"b\":1,\"a\":1,\"b\":2,\"a\":2}", 13, "duplicate key \"b\"");
	REFUSE("{\"x\":[{\"k\":1}],\"x\":{\"k\":1,\"k\":2}}", 15, "duplicate key \"x\"");
	REFUSE("{\"version\":1,\"client_ref\":\"r\",\"version\":2}", 30,
	       "duplicate key \"version\"");
}

static void test_duplicate_keys_in_large_objects_are_refused(void **state)
{
	char doc[2048], *p = doc;
	size_t offset = 0;

	(void)state;
	/* 100 distinct keys k000..k099, then k057 again: the sorted path */
	*p++ = '{';
	for (int i = 0; i < 100; i++)
		p += sprintf(p, "\"k%03d\":%d,", i, i);
	offset = (size_t)(p - doc);
	p += sprintf(p, "\"k057\":0}");
	refuse_n(doc, (size_t)(p - doc), &limits, offset, "duplicate key \"k057\"", __LINE__);
	/* without the repeat it is accepted */
	p = doc + offset - 1;
	p += sprintf(p, "}");
	cJSON_Delete(accept_n(doc, (size_t)(p - doc), &limits, __LINE__));
}

static void test_duplicate_key_message_is_one_plain_line(void **state)
{
	char doc[512], *p = doc;
	char want[128];

	(void)state;
	REFUSE("{\"a\\\"\\n\":1,\"a\\\"\\n\":2}", 11, "duplicate key \"a??\"");
	/* a long key is cut to 80 bytes, not inside a UTF-8 character */
	p += sprintf(p, "{\"");
	for (int i = 0; i < 79; i++)
		*p++ = 'k';
	p += sprintf(p, "\xc3\xa9zzz\":1,\"");
	for (int i = 0; i < 79; i++)
		*p++ = 'k';
	p += sprintf(p, "\xc3\xa9zzz\":2}");
	snprintf(want, sizeof(want), "duplicate key \"%.79s...\"", doc + 2);
	refuse_n(doc, (size_t)(p - doc), &limits, 90, want, __LINE__);
}

static void test_distinct_keys_are_accepted(void **state)
{
	cJSON *root;

	(void)state;
	root = ACCEPT("{\"a\":1,\"A\":2,\"a \":3,\"\":4}");
	assert_true(json_get(root, "a")->valuedouble == 1.0);
	assert_true(json_get(root, "A")->valuedouble == 2.0);
	cJSON_Delete(root);
	/* the same key in different objects is no duplicate */
	root = ACCEPT("{\"a\":{\"a\":{\"a\":1}},\"b\":[{\"a\":1},{\"a\":2}]}");
	cJSON_Delete(root);
	/* keys that only share a prefix */
	root = ACCEPT(
	    "{\"ab\":1,\"a\":2,\"abc\":3,\"b\":4,\"ba\":5,\"c\":6,\"cb\":7,\"ca\":8,\"d\":9}");
	assert_int_equal(cJSON_GetArraySize(root), 9);
	cJSON_Delete(root);
}

static void test_json_get_is_case_sensitive_and_null_safe(void **state)
{
	cJSON *root = ACCEPT("{\"Version\":1,\"version\":2,\"list\":[{\"version\":3}]}");

	(void)state;
	assert_true(json_get(root, "version")->valuedouble == 2.0);
	assert_true(json_get(root, "Version")->valuedouble == 1.0);
	assert_null(json_get(root, "VERSION"));
	assert_null(json_get(root, "missing"));
	assert_null(json_get(root, NULL));
	assert_null(json_get(NULL, "version"));
	assert_null(json_get(NULL, NULL));
	assert_null(json_get(json_get(root, "list"), "version"));
	assert_null(json_get(json_get(root, "version"), "version"));
	cJSON_Delete(root);
}

static void test_error_is_written_only_on_failure(void **state)
{
	struct json_error err;
	cJSON *root;

	(void)state;
	memset(&err, 0x5a, sizeof(err));
	root = json_parse_strict("[1]", 3, &limits, &err);
	assert_non_null(root);
	for (size_t i = 0; i < sizeof(err); i++)
		assert_int_equal(((unsigned char *)&err)[i], 0x5a);
	cJSON_Delete(root);
	/* and ret_err may be NULL */
	assert_null(json_parse_strict("[1,]", 4, &limits, NULL));
	assert_null(json_parse_strict("{\"a\":1,\"a\":2}", 13, &limits, NULL));
	root = json_parse_strict("{}", 2, &limits, NULL);
	assert_non_null(root);
	cJSON_Delete(root);
}

/* json_scan_strict over an exact-size heap copy (AddressSanitizer catches reads past len). */
static int scan_n(const char *doc, const struct json_limits *lim, struct json_counts *counts,
		  struct json_error *err)
{
	size_t len = strlen(doc);
	char *copy = malloc(len ? len : 1);
	int r;

	assert_non_null(copy);
	memcpy(copy, doc, len);
	r = json_scan_strict(copy, len, lim, counts, err);
	free(copy);
	return r;
}

static void test_scan_counts_values_and_top_level_items(void **state)
{
	struct json_counts c;

	(void)state;
	/* The array, three items, and the nested array's two and object's one. */
	assert_int_equal(scan_n("[1, [2, 3], {\"a\": null}]", &limits, &c, NULL), 0);
	assert_int_equal(c.values, 7);
	assert_int_equal(c.items, 3);
	/* Keys are not values; a root object has no items. */
	assert_int_equal(scan_n("{\"a\": [true, false], \"b\": \"x\"}", &limits, &c, NULL), 0);
	assert_int_equal(c.values, 5);
	assert_int_equal(c.items, 0);
	assert_int_equal(scan_n("[]", &limits, &c, NULL), 0);
	assert_int_equal(c.values, 1);
	assert_int_equal(c.items, 0);
	assert_int_equal(scan_n("0", &limits, &c, NULL), 0);
	assert_int_equal(c.values, 1);
	/* The example report: 38 values, as Python's json module counts them. */
	assert_int_equal(scan_n(report, &limits, &c, NULL), 0);
	assert_int_equal(c.values, 38);
}

static void test_items_exactly_at_the_limit_are_accepted(void **state)
{
	const struct json_limits three = {.max_depth = 32, .max_string_bytes = 16, .max_items = 3};
	struct json_counts c;
	cJSON *root;

	(void)state;
	assert_int_equal(scan_n("[[1,2,3,4],{},0]", &three, &c, NULL), 0);
	assert_int_equal(c.items, 3);
	root = accept_n("[[1,2,3,4],{},0]", 16, &three, __LINE__);
	assert_int_equal(cJSON_GetArraySize(root), 3);
	cJSON_Delete(root);
	/* Nested arrays are not items: only the top level's elements are. */
	root = accept_n("{\"a\":[1,2,3,4,5]}", 17, &three, __LINE__);
	cJSON_Delete(root);
}

static void test_one_item_over_the_limit_is_refused_where_it_starts(void **state)
{
	const struct json_limits three = {.max_depth = 32, .max_string_bytes = 16, .max_items = 3};
	struct json_error err = {0};
	struct json_counts c;

	(void)state;
	assert_int_equal(scan_n("[0,0,0,0]", &three, &c, &err), -1);
	assert_int_equal(err.kind, JSON_FAULT_TOO_MANY_ITEMS);
	assert_int_equal(err.offset, 7);
	assert_string_equal(err.message, "more than 3 items in the top-level array");
	assert_int_equal(c.items, 3);
	assert_int_equal(c.values, 4);
	refuse_n("[0,0,0,0]", 9, &three, 7, "more than 3 items in the top-level array", __LINE__);
}

/* The scan stops at the limit: what follows it, even broken, is never read. */
static void test_count_limit_stops_the_scan_before_the_rest(void **state)
{
	const struct json_limits two = {.max_depth = 32, .max_string_bytes = 16, .max_items = 2};
	struct json_error err = {0};

	(void)state;
	assert_int_equal(scan_n("[1,2,3,this is not JSON", &two, NULL, &err), -1);
	assert_int_equal(err.kind, JSON_FAULT_TOO_MANY_ITEMS);
	/* A grammar error before the limit is a grammar error. */
	assert_int_equal(scan_n("[1,x,3,4]", &two, NULL, &err), -1);
	assert_int_equal(err.kind, JSON_FAULT_SYNTAX);
	assert_int_equal(err.offset, 3);
}

static void test_values_over_the_limit_are_refused(void **state)
{
	const struct json_limits six = {.max_depth = 32, .max_string_bytes = 16, .max_values = 6};
	struct json_error err = {0};
	struct json_counts c;
	cJSON *root;

	(void)state;
	/* Six: the array, the object, the inner array and its three numbers. */
	root = accept_n("[{\"a\":[1,2,3]}]", 15, &six, __LINE__);
	cJSON_Delete(root);
	assert_int_equal(scan_n("[{\"a\":[1,2,3,4]}]", &six, &c, &err), -1);
	assert_int_equal(err.kind, JSON_FAULT_TOO_MANY_VALUES);
	assert_string_equal(err.message, "more than 6 values");
	assert_int_equal(err.offset, 13);
	assert_int_equal(c.values, 6);
	assert_int_equal(c.items, 1);
	refuse_n("[{\"a\":[1,2,3,4]}]", 17, &six, 13, "more than 6 values", __LINE__);
}

/* The attack body of the issue, scaled: a megabyte of "0," is refused after
 * the limit's worth of it, and json_parse_strict builds no tree. */
static void test_a_long_array_of_zeros_is_refused_at_the_item_limit(void **state)
{
	const struct json_limits batch = {
	    .max_depth = 32, .max_string_bytes = 16384, .max_items = 1000, .max_values = 128000};
	size_t len = 1024 * 1024;
	char *doc = malloc(len);
	struct json_error err = {0};
	struct json_counts c;

	(void)state;
	assert_non_null(doc);
	doc[0] = '[';
	for (size_t i = 1; i < len - 1; i += 2) {
		doc[i] = '0';
		doc[i + 1] = ',';
	}
	doc[len - 2] = '0';
	doc[len - 1] = ']';
	assert_int_equal(json_scan_strict(doc, len, &batch, &c, &err), -1);
	assert_int_equal(err.kind, JSON_FAULT_TOO_MANY_ITEMS);
	assert_int_equal(err.offset, 1 + 2 * 1000);
	assert_int_equal(c.items, 1000);
	assert_null(json_parse_strict(doc, len, &batch, &err));
	assert_int_equal(err.kind, JSON_FAULT_TOO_MANY_ITEMS);
	free(doc);
}

static void test_zero_count_limits_mean_unlimited(void **state)
{
	struct json_counts c;

	(void)state;
	assert_int_equal(scan_n("[0,0,0,0,0,0,0,0,0,0]", &limits, &c, NULL), 0);
	assert_int_equal(c.items, 10);
	assert_int_equal(c.values, 11);
}

static void test_grammar_errors_are_kind_syntax(void **state)
{
	struct json_error err = {0};

	(void)state;
	assert_null(parse_n("[1,]", 4, &limits, &err));
	assert_int_equal(err.kind, JSON_FAULT_SYNTAX);
	assert_null(parse_n("{\"a\":1,\"a\":2}", 13, &limits, &err));
	assert_int_equal(err.kind, JSON_FAULT_SYNTAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_malformed_fixture_is_refused),
	    cmocka_unit_test(test_scan_counts_values_and_top_level_items),
	    cmocka_unit_test(test_items_exactly_at_the_limit_are_accepted),
	    cmocka_unit_test(test_one_item_over_the_limit_is_refused_where_it_starts),
	    cmocka_unit_test(test_count_limit_stops_the_scan_before_the_rest),
	    cmocka_unit_test(test_values_over_the_limit_are_refused),
	    cmocka_unit_test(test_a_long_array_of_zeros_is_refused_at_the_item_limit),
	    cmocka_unit_test(test_zero_count_limits_mean_unlimited),
	    cmocka_unit_test(test_grammar_errors_are_kind_syntax),
	    cmocka_unit_test(test_every_proper_prefix_of_the_report_is_refused),
	    cmocka_unit_test(test_report_parses_to_its_values),
	    cmocka_unit_test(test_every_value_kind_parses),
	    cmocka_unit_test(test_scalars_parse_at_top_level),
	    cmocka_unit_test(test_numbers_parse_to_their_values),
	    cmocka_unit_test(test_numbers_up_to_1e300_are_accepted),
	    cmocka_unit_test(test_numbers_above_1e300_are_refused),
	    cmocka_unit_test(test_number_grammar_errors_are_refused),
	    cmocka_unit_test(test_string_escapes_decode),
	    cmocka_unit_test(test_raw_utf8_is_accepted_at_every_boundary),
	    cmocka_unit_test(test_string_errors_are_refused),
	    cmocka_unit_test(test_whitespace_is_space_tab_cr_lf_only),
	    cmocka_unit_test(test_empty_buffer_is_refused),
	    cmocka_unit_test(test_byte_order_mark_is_refused),
	    cmocka_unit_test(test_anything_after_the_value_is_refused),
	    cmocka_unit_test(test_nul_bytes_are_refused),
	    cmocka_unit_test(test_structure_errors_are_refused),
	    cmocka_unit_test(test_nesting_exactly_at_the_limit_is_accepted),
	    cmocka_unit_test(test_nesting_beyond_the_limit_is_refused),
	    cmocka_unit_test(test_depth_limit_is_capped_at_cjson_nesting_limit),
	    cmocka_unit_test(test_zero_depth_allows_only_scalars),
	    cmocka_unit_test(test_string_limit_counts_decoded_bytes),
	    cmocka_unit_test(test_duplicate_keys_are_refused_at_the_repeat),
	    cmocka_unit_test(test_duplicate_keys_in_large_objects_are_refused),
	    cmocka_unit_test(test_duplicate_key_message_is_one_plain_line),
	    cmocka_unit_test(test_distinct_keys_are_accepted),
	    cmocka_unit_test(test_json_get_is_case_sensitive_and_null_safe),
	    cmocka_unit_test(test_error_is_written_only_on_failure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
