/* Tests for daemon/core/durable_file.c: the whole content and the exact
 * mode land under the target's name, no temporary is left behind, a failed
 * write leaves the old target as it was, and errno comes back unchanged. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "durable_file.h"
#include "helpers.h"

static char dir[64];

static int make_dir(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/test_durable_file.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

/* The directory is flat: files, links and at most one empty directory. */
static int remove_dir(void **state)
{
	DIR *d = opendir(dir);
	int r = 0;
	(void)state;
	if (!d)
		return -1;
	for (struct dirent *e; (e = readdir(d));) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (unlinkat(dirfd(d), e->d_name, 0) < 0 &&
		    unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR) < 0)
			r = -1;
	}
	closedir(d);
	return rmdir(dir) < 0 ? -1 : r;
}

static const char *path_of(const char *name)
{
	static char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return p;
}

static void put(const char *name, const char *content)
{
	th_write_file(path_of(name), content, strlen(content));
}

/* name's content equals want. */
static void assert_content(const char *name, const char *want)
{
	char *got = th_read_file(path_of(name), NULL);
	assert_string_equal(got, want);
	free(got);
}

static mode_t mode_of(const char *name)
{
	struct stat st;
	assert_int_equal(lstat(path_of(name), &st), 0);
	return st.st_mode & 07777;
}

/* Every entry but "." and "..": temporaries are dot names, so count them. */
static int entries(void)
{
	DIR *d = opendir(dir);
	int n = 0;
	assert_non_null(d);
	for (struct dirent *e; (e = readdir(d));)
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

static void test_writes_content_with_the_exact_mode_whatever_the_umask(void **state)
{
	const struct durable_file_options o = {.mode = 0644};
	const char *step = "untouched";
	(void)state;
	mode_t old = umask(077);
	int r = durable_file_write(dir, "a.csv", "x,y\r\n1,2\r\n", 10, &o, &step);
	umask(old);
	assert_int_equal(r, 0);
	assert_content("a.csv", "x,y\r\n1,2\r\n");
	assert_int_equal(mode_of("a.csv"), 0644);
	assert_string_equal(step, "untouched"); /* written only on failure */
	assert_int_equal(entries(), 1);
}

static void test_replaces_an_existing_file_and_leaves_no_temporary(void **state)
{
	const struct durable_file_options o = {.mode = 0600};
	(void)state;
	put("a.json", "{\"old\":true}");
	chmod(path_of("a.json"), 0666);
	assert_int_equal(durable_file_write(dir, "a.json", "{}", 2, &o, NULL), 0);
	assert_content("a.json", "{}");
	assert_int_equal(mode_of("a.json"), 0600);
	assert_int_equal(entries(), 1);
}

static void test_an_empty_file_is_written(void **state)
{
	const struct durable_file_options o = {.mode = 0640};
	(void)state;
	put("e", "something");
	assert_int_equal(durable_file_write(dir, "e", NULL, 0, &o, NULL), 0);
	assert_content("e", "");
	assert_int_equal(entries(), 1);
}

static void test_a_fixed_temporary_name_is_used_and_a_leftover_overwritten(void **state)
{
	const struct durable_file_options o = {.mode = 0640, .tmp_name = ".t.tmp"};
	(void)state;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(dfd >= 0);
	put(".t.tmp", "a leftover from a crash, longer than the new content");
	assert_int_equal(durable_file_write_at(dfd, "x.problem.json", "{\"a\":1}", 7, &o, NULL), 0);
	close(dfd);
	assert_content("x.problem.json", "{\"a\":1}");
	assert_int_equal(mode_of("x.problem.json"), 0640);
	assert_int_equal(entries(), 1); /* the leftover became the file */
}

static void test_a_failed_write_leaves_the_old_target_and_no_temporary(void **state)
{
	const struct durable_file_options o = {.mode = 0644};
	const char *step = NULL;
	char big[4096];
	struct rlimit old, small = {.rlim_cur = 16, .rlim_max = RLIM_INFINITY};
	(void)state;
	put("w.csv", "old content\n");
	memset(big, 'n', sizeof(big));
	/* A file size limit makes write(2) fail part way (EFBIG) after a
	 * partial write, as a full disk would. */
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	small.rlim_max = old.rlim_max;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	int r = durable_file_write(dir, "w.csv", big, sizeof(big), &o, &step);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_DFL);
	assert_int_equal(r, -EFBIG);
	assert_non_null(step);
	assert_string_equal(step, "cannot write");
	assert_content("w.csv", "old content\n");
	assert_int_equal(entries(), 1);
}

static void test_a_missing_directory_gives_enoent(void **state)
{
	const struct durable_file_options o = {.mode = 0644};
	const char *step = NULL;
	(void)state;
	assert_int_equal(durable_file_write(path_of("missing"), "f", "x", 1, &o, &step), -ENOENT);
	assert_non_null(step);
	assert_string_equal(step, "cannot open the directory");
	assert_int_equal(entries(), 0);
}

static void test_a_directory_in_the_way_fails_the_rename_and_is_kept(void **state)
{
	const struct durable_file_options o = {.mode = 0644};
	const char *step = NULL;
	struct stat st;
	(void)state;
	assert_int_equal(mkdir(path_of("d"), 0700), 0);
	assert_int_equal(durable_file_write(dir, "d", "x", 1, &o, &step), -EISDIR);
	assert_string_equal(step, "cannot rename the temporary file into place");
	assert_int_equal(lstat(path_of("d"), &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(entries(), 1);
}

/* A symlink planted at the fixed temporary's name is not followed: the
 * file it points at is not truncated or written. */
static void test_a_symlinked_temporary_is_refused(void **state)
{
	const struct durable_file_options o = {.mode = 0644, .tmp_name = ".t.tmp"};
	const char *step = NULL;
	(void)state;
	put("victim", "precious");
	assert_int_equal(symlink("victim", path_of(".t.tmp")), 0);
	assert_int_equal(durable_file_write(dir, "t", "evil", 4, &o, &step), -ELOOP);
	assert_string_equal(step, "cannot create a temporary file");
	assert_content("victim", "precious");
	assert_int_equal(entries(), 2); /* victim and the link; no "t" */
}

static void test_a_name_too_long_for_its_temporary_is_refused(void **state)
{
	const struct durable_file_options o = {.mode = 0644};
	char name[NAME_MAX + 1];
	(void)state;
	memset(name, 'n', NAME_MAX - 4);
	name[NAME_MAX - 4] = '\0';
	assert_int_equal(durable_file_write(dir, name, "x", 1, &o, NULL), -ENAMETOOLONG);
	assert_int_equal(entries(), 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, make_dir, remove_dir)
	const struct CMUnitTest tests[] = {
	    T(test_writes_content_with_the_exact_mode_whatever_the_umask),
	    T(test_replaces_an_existing_file_and_leaves_no_temporary),
	    T(test_an_empty_file_is_written),
	    T(test_a_fixed_temporary_name_is_used_and_a_leftover_overwritten),
	    T(test_a_failed_write_leaves_the_old_target_and_no_temporary),
	    T(test_a_missing_directory_gives_enoent),
	    T(test_a_directory_in_the_way_fails_the_rename_and_is_kept),
	    T(test_a_symlinked_temporary_is_refused),
	    T(test_a_name_too_long_for_its_temporary_is_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
