/* Tests for daemon/ctl/export_files.c: RFC 4180 fields, the CSV and JSON
 * renderings of a small export (figures copied exactly, suppressed kept,
 * keys that do not apply left out), determinism, SHA-256 and the atomic
 * write. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../daemon/ctl/export_files.h"

static const char *field(const char *s, bool guard)
{
	static struct export_buf b;
	export_buf_free(&b);
	export_csv_field(&b, s, guard);
	return b.len ? b.data : "";
}

static void test_csv_plain_fields_are_not_quoted(void **state)
{
	(void)state;
	assert_string_equal(field("salon", false), "salon");
	assert_string_equal(field("12.5", false), "12.5");
	assert_string_equal(field("", false), "");
	assert_string_equal(field(NULL, false), "");
}

static void test_csv_quotes_commas_quotes_and_line_breaks(void **state)
{
	(void)state;
	assert_string_equal(field("a,b", false), "\"a,b\"");
	assert_string_equal(field("say \"hi\"", false), "\"say \"\"hi\"\"\"");
	assert_string_equal(field("two\r\nlines", false), "\"two\r\nlines\"");
	assert_string_equal(field("line\n", false), "\"line\n\"");
	assert_string_equal(field(" padded", false), "\" padded\"");
}

static void test_csv_formula_guard_only_on_text(void **state)
{
	(void)state;
	assert_string_equal(field("=HYPERLINK(1)", true), "'=HYPERLINK(1)");
	assert_string_equal(field("@cmd", true), "'@cmd");
	assert_string_equal(field("+1", true), "'+1");
	assert_string_equal(field("-1", false), "-1");
	assert_string_equal(field("=a,b", true), "\"'=a,b\"");
	assert_string_equal(field("North West", true), "North West");
}

static void test_json_number_grammar(void **state)
{
	(void)state;
	const char *good[] = {"0",    "-0",	"12", "12.5", "1e-05", "4.754435140024256",
			      "1E+3", "-2.5e10"};
	const char *bad[] = {"",    "-",	"01",	      "1.", ".5", "1e",
			     "NaN", "Infinity", "suppressed", "1 ", "+1", "0x10"};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(export_json_number_ok(good[i]));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(export_json_number_ok(bad[i]));
	assert_false(export_json_number_ok(NULL));
}

/* A week with a clinic, a salon (suppressed), a Fitzpatrick cell of unknown
 * type and an unregistered count. */
static struct export_cell cells[4];
static struct export_doc doc;

static void sample_doc(void)
{
	memset(cells, 0, sizeof(cells));
	cells[0].table = EXPORT_BY_SETTING;
	cells[0].key[EXPORT_KEY_SETTING] = "medical_clinic";
	cells[0].key[EXPORT_KEY_GROUP] = "any";
	cells[0].fig[EXPORT_FIG_EVENTS] = "13";
	cells[0].fig[EXPORT_FIG_PROCEDURES] = "1600";
	cells[0].fig[EXPORT_FIG_RATE] = "8.125";
	cells[0].fig[EXPORT_FIG_CI_LOW] = "4.754435140024256";
	cells[0].fig[EXPORT_FIG_CI_HIGH] = "1e-05";
	cells[0].fig[EXPORT_FIG_CI_METHOD] = "wilson";
	cells[0].fig[EXPORT_FIG_PREMISES] = "2";
	cells[0].fig[EXPORT_FIG_EWA] = "0";
	cells[1] = cells[0];
	cells[1].key[EXPORT_KEY_SETTING] = "salon";
	cells[1].fig[EXPORT_FIG_EVENTS] = EXPORT_SUPPRESSED;
	cells[1].fig[EXPORT_FIG_RATE] = EXPORT_SUPPRESSED;
	cells[1].fig[EXPORT_FIG_PROCEDURES] = "800";
	cells[1].fig[EXPORT_FIG_PREMISES] = "3";
	cells[1].fig[EXPORT_FIG_EWA] = EXPORT_SUPPRESSED;
	cells[1].fig[EXPORT_FIG_RR_HALDANE] = "true";
	cells[2].table = EXPORT_BY_FITZPATRICK;
	cells[2].key[EXPORT_KEY_SETTING] = "salon";
	cells[2].key[EXPORT_KEY_GROUP] = "pigmentation";
	cells[2].fig[EXPORT_FIG_EVENTS] = "0";
	cells[3].table = EXPORT_UNREGISTERED;
	cells[3].key[EXPORT_KEY_SETTING] = "home";
	cells[3].key[EXPORT_KEY_GROUP] = "infection";
	cells[3].key[EXPORT_KEY_REGION] = "Yorkshire, \"Humber\"";
	cells[3].fig[EXPORT_FIG_EVENTS] = "7";
	memset(&doc, 0, sizeof(doc));
	isoweek_parse("2024-W10", &doc.week, NULL);
	strcpy(doc.week_text, "2024-W10");
	strcpy(doc.week_start, "2024-03-04");
	strcpy(doc.week_end, "2024-03-10");
	strcpy(doc.generated_at, "2024-03-11T06:00:00Z");
	doc.software_version = "9.9.9";
	doc.suppression_threshold = 5;
	doc.cells = cells;
	doc.n_cells = 4;
}

static void test_csv_rendering(void **state)
{
	(void)state;
	struct export_buf b = {0};
	sample_doc();
	export_render_csv(&doc, &b);
	assert_false(b.failed);
	/* A UTF-8 BOM; numbers rounded to 10 significant figures as the API
	 * rounds them; a suppressed figure empty with its group's flag true. */
	const char *want =
	    "\xEF\xBB\xBF"
	    "week,table,setting,complication_group,fitzpatrick,region,medically_trained,events,"
	    "procedures,rate_per_1000,ci95_low,ci95_high,ci_method,premises_reporting,"
	    "events_without_activity,rate_ratio,rr_ci95_low,rr_ci95_high,rr_haldane,rr_adjusted,"
	    "rr_adjusted_ci95_low,rr_adjusted_ci95_high,rr_adjusted_strata,premises_active,"
	    "premises_silent,premises_implausible,plausibility,events_suppressed,"
	    "events_without_activity_suppressed,rate_ratio_suppressed,rr_adjusted_suppressed\r\n"
	    "2024-W10,rates_week_setting,medical_clinic,any,,,,13,1600,8.125,4.75443514,"
	    "1e-05,wilson,2,0,,,,,,,,,,,,,false,false,false,false\r\n"
	    "2024-W10,rates_week_setting,salon,any,,,,,800,,4.75443514,"
	    "1e-05,wilson,3,,,,,true,,,,,,,,,true,true,false,false\r\n"
	    "2024-W10,rates_fitzpatrick,salon,pigmentation,unknown,,,0,,,,,,,,,,,,,,,,,,,,"
	    "false,false,false,false\r\n"
	    "2024-W10,unregistered_counts,home,infection,,\"Yorkshire, \"\"Humber\"\"\",,7,,,,,,,,"
	    ",,,,,,,,,,,,false,false,false,false\r\n";
	assert_string_equal(b.data, want);
	export_buf_free(&b);
}

static void test_json_rendering_keeps_figures_exact(void **state)
{
	(void)state;
	struct export_buf b = {0};
	sample_doc();
	export_render_json(&doc, &b);
	assert_false(b.failed);
	/* Numbers rounded as the API rounds them (numfmt.h), written as numbers. */
	assert_non_null(strstr(b.data, "\"ci95_low\":4.75443514,\"ci95_high\":1e-05"));
	cJSON *j = cJSON_Parse(b.data);
	assert_non_null(j);
	assert_string_equal(cJSON_GetObjectItem(j, "week")->valuestring, "2024-W10");
	assert_string_equal(cJSON_GetObjectItem(j, "generated_at")->valuestring,
			    "2024-03-11T06:00:00Z");
	assert_int_equal(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(j, "suppression"), "threshold")->valueint, 5);
	assert_string_equal(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(j, "software"), "version")->valuestring,
	    "9.9.9");
	cJSON *coverage = cJSON_GetObjectItem(j, "coverage");
	assert_int_equal(cJSON_GetObjectItem(coverage, "procedures")->valueint, 2400);
	assert_int_equal(cJSON_GetObjectItem(coverage, "premises_reporting")->valueint, 5);
	cJSON *list = cJSON_GetObjectItem(j, "cells");
	assert_int_equal(cJSON_GetArraySize(list), 4);
	cJSON *salon = cJSON_GetArrayItem(list, 1);
	/* suppressed: null, never a word in a numeric member, and flagged */
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(salon, "events")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(salon, "rate_per_1000")));
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(salon, "events_suppressed")));
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(salon, "events_without_activity_suppressed")));
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "cells"), 0),
						      "events_suppressed")));
	assert_int_equal(cJSON_GetObjectItem(j, "format_version")->valueint, 2);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(salon, "rr_haldane")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(salon, "rr_adjusted")));
	/* A key that does not apply is absent; an unknown one is null. */
	assert_null(cJSON_GetObjectItem(salon, "fitzpatrick"));
	cJSON *fitz = cJSON_GetArrayItem(list, 2);
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(fitz, "fitzpatrick")));
	cJSON *unreg = cJSON_GetArrayItem(list, 3);
	assert_string_equal(cJSON_GetObjectItem(unreg, "region")->valuestring,
			    "Yorkshire, \"Humber\"");
	assert_int_equal(cJSON_GetObjectItem(unreg, "events")->valueint, 7);
	cJSON_Delete(j);
	export_buf_free(&b);
}

static void test_rendering_is_deterministic(void **state)
{
	(void)state;
	struct export_buf a = {0}, b = {0};
	sample_doc();
	export_render_json(&doc, &a);
	export_render_json(&doc, &b);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.data, b.data, a.len);
	export_buf_free(&a);
	export_buf_free(&b);
}

static void test_empty_week_renders(void **state)
{
	(void)state;
	struct export_buf b = {0};
	sample_doc();
	doc.n_cells = 0;
	export_render_json(&doc, &b);
	cJSON *j = cJSON_Parse(b.data);
	assert_non_null(j);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "cells")), 0);
	cJSON_Delete(j);
	export_buf_free(&b);
}

static void test_buffer_printf_grows(void **state)
{
	(void)state;
	struct export_buf b = {0};
	char big[1000];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	for (int i = 0; i < 10; i++)
		export_buf_printf(&b, "%s%d", big, i);
	assert_false(b.failed);
	assert_int_equal(b.len, 10 * 1000);
	assert_int_equal(b.data[b.len - 1], '9');
	export_buf_free(&b);
	export_buf_free(NULL);
}

static void test_sha256_of_abc(void **state)
{
	(void)state;
	char hex[EXPORT_SHA256_HEX_LEN];
	assert_int_equal(export_sha256_hex("abc", 3, hex), 0);
	assert_string_equal(hex,
			    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	int n = 0;
	for (struct dirent *e; d && (e = readdir(d));)
		n += e->d_name[0] != '.' || (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."));
	if (d)
		closedir(d);
	return n;
}

static void test_atomic_write_replaces_and_leaves_no_temporary(void **state)
{
	(void)state;
	char dir[] = "/tmp/nw-export-test.XXXXXX", path[128], got[64], err[256];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/f.csv", dir);
	assert_int_equal(export_write_atomic(dir, "f.csv", "old\n", 4, err, sizeof(err)), 0);
	assert_int_equal(export_write_atomic(dir, "f.csv", "new,1\r\n", 7, err, sizeof(err)), 0);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t n = fread(got, 1, sizeof(got), f);
	fclose(f);
	assert_int_equal(n, 7);
	assert_memory_equal(got, "new,1\r\n", 7);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	assert_int_equal(count_entries(dir), 1);
	unlink(path);
	rmdir(dir);
}

static void test_atomic_write_reports_a_missing_directory(void **state)
{
	(void)state;
	char err[256];
	int r = export_write_atomic("/nonexistent-nw-dir", "f.csv", "x", 1, err, sizeof(err));
	assert_int_equal(r, -ENOENT);
	assert_non_null(strstr(err, "/nonexistent-nw-dir/f.csv"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_csv_plain_fields_are_not_quoted),
	    cmocka_unit_test(test_csv_quotes_commas_quotes_and_line_breaks),
	    cmocka_unit_test(test_csv_formula_guard_only_on_text),
	    cmocka_unit_test(test_json_number_grammar),
	    cmocka_unit_test(test_csv_rendering),
	    cmocka_unit_test(test_json_rendering_keeps_figures_exact),
	    cmocka_unit_test(test_rendering_is_deterministic),
	    cmocka_unit_test(test_empty_week_renders),
	    cmocka_unit_test(test_buffer_printf_grows),
	    cmocka_unit_test(test_sha256_of_abc),
	    cmocka_unit_test(test_atomic_write_replaces_and_leaves_no_temporary),
	    cmocka_unit_test(test_atomic_write_reports_a_missing_directory),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
