/* Tests for daemon/upload/payload.c: endpoint and Content-Type of a file from
 * its name and content, and reading files safely. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../daemon/upload/payload.h"

static char dir[64];

static int make_dir(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_payload.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static struct payload_kind classify(const char *name, const char *content, bool activity)
{
	struct payload_kind k = {0};
	assert_int_equal(payload_classify(name, content, strlen(content), activity, &k), 0);
	return k;
}

static void test_ndjson_is_sent_as_ndjson(void **state)
{
	(void)state;
	struct payload_kind k = classify("day.ndjson", "{}\n{}\n", false);
	assert_string_equal(k.content_type, "application/x-ndjson");
	assert_string_equal(k.path, "/v1/reports");
}

static void test_csv_is_sent_as_text_csv(void **state)
{
	(void)state;
	struct payload_kind k = classify("export.csv", "client_ref,version\nA,1\n", false);
	assert_string_equal(k.content_type, "text/csv");
	assert_string_equal(k.path, "/v1/reports");
}

static void test_json_report_and_array_are_json(void **state)
{
	(void)state;
	assert_string_equal(classify("r.json", "{\"client_ref\":\"A\"}", false).content_type,
			    "application/json");
	assert_string_equal(classify("b.json", "[{\"client_ref\":\"A\"}]", false).content_type,
			    "application/json");
}

static void test_json_with_resource_type_is_fhir(void **state)
{
	(void)state;
	struct payload_kind k =
	    classify("ae.json", "{\"resourceType\":\"AdverseEvent\",\"id\":\"x\"}", false);
	assert_string_equal(k.content_type, "application/fhir+json");
	assert_string_equal(k.path, "/v1/reports");
	assert_string_equal(classify("b.json", "{\"resourceType\":\"Bundle\"}", false).content_type,
			    "application/fhir+json");
}

static void test_resource_type_must_be_a_top_level_string(void **state)
{
	(void)state;
	assert_string_equal(classify("r.json", "{\"resourceType\":1}", false).content_type,
			    "application/json");
	assert_string_equal(
	    classify("r.json", "{\"a\":{\"resourceType\":\"X\"}}", false).content_type,
	    "application/json");
	assert_string_equal(classify("r.json", "[{\"resourceType\":\"X\"}]", false).content_type,
			    "application/json");
	/* case matters: FHIR's member is resourceType */
	assert_string_equal(classify("r.json", "{\"ResourceType\":\"X\"}", false).content_type,
			    "application/json");
}

static void test_broken_json_is_still_sent_for_the_server_to_judge(void **state)
{
	(void)state;
	assert_string_equal(classify("bad.json", "{\"client_ref\": ", false).content_type,
			    "application/json");
	assert_string_equal(classify("empty.json", "", false).content_type, "application/json");
}

static void test_extensions_are_case_insensitive(void **state)
{
	(void)state;
	assert_string_equal(classify("R.JSON", "{}", false).content_type, "application/json");
	assert_string_equal(classify("E.Csv", "a\n", false).content_type, "text/csv");
}

static void test_activity_names_go_to_activity(void **state)
{
	(void)state;
	struct payload_kind k =
	    classify("2026-W47.activity.json", "{\"period\":\"2026-W47\"}", false);
	assert_string_equal(k.path, "/v1/activity");
	assert_string_equal(k.content_type, "application/json");
	k = classify("week.activity.csv", "period\n", false);
	assert_string_equal(k.path, "/v1/activity");
	assert_string_equal(k.content_type, "text/csv");
	assert_string_equal(classify("activity.json", "{}", false).path, "/v1/reports");
}

static void test_activity_flag_sends_everything_to_activity(void **state)
{
	(void)state;
	assert_string_equal(classify("week47.json", "{}", true).path, "/v1/activity");
	assert_string_equal(classify("week47.csv", "a\n", true).path, "/v1/activity");
}

static void test_unknown_extensions_are_refused(void **state)
{
	(void)state;
	struct payload_kind k = {.path = "untouched"};
	const char *names[] = {"notes.txt", "report", "report.json.bak", ".json", "x.jsonl"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		assert_int_equal(payload_classify(names[i], "{}", 2, false, &k), -EINVAL);
	assert_string_equal(k.path, "untouched");
}

static void write_file(const char *name, const char *content)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(content, f);
	assert_int_equal(fclose(f), 0);
}

static int dirfd_of_dir(void)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	return fd;
}

static void test_read_returns_the_whole_file_nul_terminated(void **state)
{
	(void)state;
	char *data = NULL;
	size_t len = 0;
	int fd = dirfd_of_dir(), pfd = -1;
	struct payload_stamp stamp;
	write_file("a.json", "{\"client_ref\":\"A\"}\n");
	assert_int_equal(payload_read(fd, "a.json", &data, &len, &pfd, &stamp), 0);
	assert_int_equal(len, 19);
	assert_string_equal(data, "{\"client_ref\":\"A\"}\n");
	assert_int_equal(stamp.size, 19);
	assert_int_equal(payload_unchanged(pfd, &stamp), 0);
	close(pfd);
	free(data);
	write_file("empty.json", "");
	assert_int_equal(payload_read(fd, "empty.json", &data, &len, &pfd, &stamp), 0);
	assert_int_equal(len, 0);
	assert_string_equal(data, "");
	close(pfd);
	free(data);
	close(fd);
}

static void test_read_refuses_what_is_not_a_regular_file(void **state)
{
	(void)state;
	char *data = NULL, path[128], target[128];
	size_t len = 0;
	int fd = dirfd_of_dir(), pfd = -1;
	struct payload_stamp stamp;
	assert_int_equal(payload_read(fd, "missing.json", &data, &len, &pfd, &stamp), -ENOENT);
	snprintf(path, sizeof(path), "%s/sub.json", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(payload_read(fd, "sub.json", &data, &len, &pfd, &stamp), -EISDIR);
	write_file("real.json", "{}");
	snprintf(path, sizeof(path), "%s/link.json", dir);
	snprintf(target, sizeof(target), "%s/real.json", dir);
	assert_int_equal(symlink(target, path), 0);
	assert_int_equal(payload_read(fd, "link.json", &data, &len, &pfd, &stamp), -EINVAL);
	snprintf(path, sizeof(path), "%s/fifo.json", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(payload_read(fd, "fifo.json", &data, &len, &pfd, &stamp), -EINVAL);
	assert_null(data);
	close(fd);
}

static void test_read_refuses_files_over_the_limit(void **state)
{
	(void)state;
	char *data = NULL, path[128];
	size_t len = 0;
	int fd = dirfd_of_dir(), pfd = -1;
	struct payload_stamp stamp;
	snprintf(path, sizeof(path), "%s/huge.json", dir);
	int f = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(f >= 0);
	assert_int_equal(ftruncate(f, (off_t)PAYLOAD_MAX_BYTES + 1), 0); /* sparse */
	close(f);
	assert_int_equal(payload_read(fd, "huge.json", &data, &len, &pfd, &stamp), -EFBIG);
	assert_null(data);
	close(fd);
}

static void test_read_takes_a_path_with_at_fdcwd(void **state)
{
	(void)state;
	char *data = NULL, path[128];
	size_t len = 0;
	int pfd = -1;
	struct payload_stamp stamp;
	write_file("p.csv", "a,b\n");
	snprintf(path, sizeof(path), "%s/p.csv", dir);
	assert_int_equal(payload_read(AT_FDCWD, path, &data, &len, &pfd, &stamp), 0);
	assert_string_equal(data, "a,b\n");
	close(pfd);
	free(data);
}

/* The case of the issue: a producer appends rows after the file was read. */
static void test_a_file_appended_to_after_reading_is_changed(void **state)
{
	(void)state;
	char *data = NULL, path[128];
	size_t len = 0;
	int fd = dirfd_of_dir(), pfd = -1;
	struct payload_stamp stamp;
	write_file("grow.csv", "h\nrow1\n");
	assert_int_equal(payload_read(fd, "grow.csv", &data, &len, &pfd, &stamp), 0);
	snprintf(path, sizeof(path), "%s/grow.csv", dir);
	FILE *f = fopen(path, "a");
	assert_non_null(f);
	fputs("row2\n", f);
	fclose(f);
	assert_int_equal(payload_unchanged(pfd, &stamp), -EAGAIN);
	close(pfd);
	free(data);
	close(fd);
}

/* Same size, new content: mtime or ctime still moves. */
static void test_a_file_rewritten_in_place_is_changed(void **state)
{
	(void)state;
	char *data = NULL, path[128];
	size_t len = 0;
	int fd = dirfd_of_dir(), pfd = -1;
	struct payload_stamp stamp;
	write_file("same.json", "{\"a\":1}");
	assert_int_equal(payload_read(fd, "same.json", &data, &len, &pfd, &stamp), 0);
	snprintf(path, sizeof(path), "%s/same.json", dir);
	struct timespec later[2] = {{.tv_sec = 0, .tv_nsec = UTIME_OMIT},
				    {.tv_sec = stamp.mtime.tv_sec + 1, .tv_nsec = 0}};
	write_file("same.json", "{\"a\":2}");
	assert_int_equal(utimensat(AT_FDCWD, path, later, 0),
			 0); /* a coarse clock cannot hide it */
	assert_int_equal(payload_unchanged(pfd, &stamp), -EAGAIN);
	close(pfd);
	free(data);
	close(fd);
}

static void test_settle_wait_counts_from_the_last_modification(void **state)
{
	(void)state;
	struct payload_stamp st = {.mtime = {.tv_sec = 1000, .tv_nsec = 500000000}};
	struct timespec now = {.tv_sec = 1002, .tv_nsec = 0}; /* 1.5 s later */
	assert_int_equal(payload_settle_wait_ms(&st, &now, 5000), 3500);
	assert_int_equal(payload_settle_wait_ms(&st, &now, 1500), 0);
	assert_int_equal(payload_settle_wait_ms(&st, &now, 1501), 1);
	assert_int_equal(payload_settle_wait_ms(&st, &now, 0), 0);
	now = (struct timespec){.tv_sec = 999}; /* an mtime set into the future by hand */
	assert_int_equal(payload_settle_wait_ms(&st, &now, 5000), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ndjson_is_sent_as_ndjson),
	    cmocka_unit_test(test_csv_is_sent_as_text_csv),
	    cmocka_unit_test(test_json_report_and_array_are_json),
	    cmocka_unit_test(test_json_with_resource_type_is_fhir),
	    cmocka_unit_test(test_resource_type_must_be_a_top_level_string),
	    cmocka_unit_test(test_broken_json_is_still_sent_for_the_server_to_judge),
	    cmocka_unit_test(test_extensions_are_case_insensitive),
	    cmocka_unit_test(test_activity_names_go_to_activity),
	    cmocka_unit_test(test_activity_flag_sends_everything_to_activity),
	    cmocka_unit_test(test_unknown_extensions_are_refused),
	    cmocka_unit_test_setup_teardown(test_a_file_appended_to_after_reading_is_changed,
					    make_dir, remove_dir),
	    cmocka_unit_test_setup_teardown(test_a_file_rewritten_in_place_is_changed, make_dir,
					    remove_dir),
	    cmocka_unit_test(test_settle_wait_counts_from_the_last_modification),
	    cmocka_unit_test_setup_teardown(test_read_returns_the_whole_file_nul_terminated,
					    make_dir, remove_dir),
	    cmocka_unit_test_setup_teardown(test_read_refuses_what_is_not_a_regular_file, make_dir,
					    remove_dir),
	    cmocka_unit_test_setup_teardown(test_read_refuses_files_over_the_limit, make_dir,
					    remove_dir),
	    cmocka_unit_test_setup_teardown(test_read_takes_a_path_with_at_fdcwd, make_dir,
					    remove_dir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
