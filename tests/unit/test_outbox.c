/* Tests for daemon/upload/outbox.c: the spool's directories and lock, claims
 * and moves that never overwrite, the answer beside a failed file, and the
 * invariant that a process killed at any moment leaves every file in
 * exactly one of new/, cur/, sent/, failed/. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../daemon/upload/outbox.h"

static char base[64];
static char spool[96];
static const char *const boxes[] = {"new", "cur", "sent", "failed"};

static int make_dir(void **state)
{
	(void)state;
	snprintf(base, sizeof(base), "/tmp/test_outbox.XXXXXX");
	if (!mkdtemp(base))
		return -1;
	snprintf(spool, sizeof(spool), "%s/spool", base);
	return 0;
}

static int remove_dir(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	return system(cmd);
}

static const char *path_of(const char *box, const char *name)
{
	static char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/%s/%s", spool, box, name);
	return p;
}

static void put(const char *box, const char *name, const char *content)
{
	FILE *f = fopen(path_of(box, name), "w");
	assert_non_null(f);
	fputs(content, f);
	assert_int_equal(fclose(f), 0);
}

static bool exists(const char *box, const char *name)
{
	struct stat st;
	return lstat(path_of(box, name), &st) == 0;
}

static char *slurp(const char *box, const char *name)
{
	static char buf[4096];
	FILE *f = fopen(path_of(box, name), "r");
	assert_non_null(f);
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Entries of a box whose names do not start with '.'. */
static size_t count_in(const char *box)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/%s", spool, box);
	DIR *d = opendir(p);
	struct dirent *de;
	size_t n = 0;
	assert_non_null(d);
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

static struct outbox *open_spool(void)
{
	struct outbox *ob = NULL;
	char err[256];
	int r = outbox_open(spool, &ob, err, sizeof(err));
	if (r < 0)
		fail_msg("outbox_open: %s", err);
	return ob;
}

static void test_open_creates_the_maildir_layout(void **state)
{
	(void)state;
	struct outbox *ob = open_spool();
	const char *all[] = {"tmp", "new", "cur", "sent", "failed"};
	for (size_t i = 0; i < 5; i++) {
		struct stat st;
		char p[PATH_MAX];
		snprintf(p, sizeof(p), "%s/%s", spool, all[i]);
		assert_int_equal(stat(p, &st), 0);
		assert_true(S_ISDIR(st.st_mode));
	}
	outbox_free(ob);
	/* opening again finds it all in place */
	outbox_free(open_spool());
}

static void test_a_second_uploader_is_locked_out(void **state)
{
	(void)state;
	struct outbox *ob = open_spool(), *other = NULL;
	char err[256] = "";
	assert_int_equal(outbox_open(spool, &other, err, sizeof(err)), -EBUSY);
	assert_null(other);
	assert_non_null(strstr(err, "in use by another uploader"));
	outbox_free(ob);
	other = open_spool(); /* released with the first */
	outbox_free(other);
}

static void test_open_fails_with_a_reason_when_the_parent_is_missing(void **state)
{
	(void)state;
	struct outbox *ob = NULL;
	char err[256] = "", p[128];
	snprintf(p, sizeof(p), "%s/no/such/dir", base);
	assert_int_equal(outbox_open(p, &ob, err, sizeof(err)), -ENOENT);
	assert_null(ob);
	assert_non_null(strstr(err, "cannot open spool"));
}

static void test_claim_moves_new_files_to_cur_and_lists_them_sorted(void **state)
{
	(void)state;
	struct outbox *ob = open_spool();
	struct outbox_names names;
	size_t claimed = 0;
	put("new", "b.json", "{\"b\":1}");
	put("new", "a.csv", "a\n");
	put("new", "c.ndjson", "{}\n");
	assert_int_equal(outbox_claim(ob, &claimed, NULL, NULL), 0);
	assert_int_equal(claimed, 3);
	assert_int_equal(count_in("new"), 0);
	assert_int_equal(outbox_list(ob, &names), 0);
	assert_int_equal(names.n, 3);
	assert_string_equal(names.v[0], "a.csv");
	assert_string_equal(names.v[1], "b.json");
	assert_string_equal(names.v[2], "c.ndjson");
	assert_string_equal(slurp("cur", "b.json"), "{\"b\":1}");
	outbox_names_free(&names);
	assert_null(names.v);
	outbox_free(ob);
}

static void test_claim_ignores_dot_files_and_directories(void **state)
{
	(void)state;
	struct outbox *ob = open_spool();
	size_t claimed = 9;
	char p[PATH_MAX];
	put("new", ".partial.json", "{");
	snprintf(p, sizeof(p), "%s/new/subdir", spool);
	assert_int_equal(mkdir(p, 0700), 0);
	assert_int_equal(outbox_claim(ob, &claimed, NULL, NULL), 0);
	assert_int_equal(claimed, 0);
	assert_true(exists("new", ".partial.json"));
	assert_true(exists("new", "subdir"));
	outbox_free(ob);
}

static void test_sent_files_move_to_sent_intact(void **state)
{
	(void)state;
	struct outbox *ob = open_spool();
	size_t claimed;
	put("new", "r.json", "{\"client_ref\":\"A\"}");
	assert_int_equal(outbox_claim(ob, &claimed, NULL, NULL), 0);
	assert_int_equal(outbox_mark_sent(ob, "r.json"), 0);
	assert_int_equal(outbox_sync(ob), 0);
	assert_false(exists("cur", "r.json"));
	assert_string_equal(slurp("sent", "r.json"), "{\"client_ref\":\"A\"}");
	assert_int_equal(outbox_mark_sent(ob, "r.json"), -ENOENT);
	outbox_free(ob);
}

static void test_failed_files_keep_the_answer_beside_them(void **state)
{
	(void)state;
	struct outbox *ob = open_spool();
	size_t claimed;
	const char *answer = "{\"title\":\"invalid report\",\"status\":422}";
	put("new", "bad.json", "{}");
	assert_int_equal(outbox_claim(ob, &claimed, NULL, NULL), 0);
	assert_int_equal(outbox_mark_failed(ob, "bad.json", answer, strlen(answer)), 0);
	assert_false(exists("cur", "bad.json"));
	assert_string_equal(slurp("failed", "bad.json"), "{}");
	assert_string_equal(slurp("failed", "bad.json.problem.json"), answer);
	assert_false(exists("failed", ".problem.json.tmp"));
	outbox_free(ob);
}

static void test_failing_a_file_not_in_cur_writes_no_answer(void **state)
{
	(void)state;
	struct outbox *ob = open_spool();
	assert_int_equal(outbox_mark_failed(ob, "ghost.json", "{}", 2), -ENOENT);
	assert_int_equal(count_in("failed"), 0);
	outbox_free(ob);
}

static void test_moves_never_overwrite_and_keep_the_extension(void **state)
{
	(void)state;
	struct outbox *ob = open_spool();
	size_t claimed;
	put("sent", "w47.activity.json", "old");
	put("sent", "w47~1.activity.json", "older");
	put("new", "w47.activity.json", "new");
	assert_int_equal(outbox_claim(ob, &claimed, NULL, NULL), 0);
	assert_int_equal(outbox_mark_sent(ob, "w47.activity.json"), 0);
	assert_string_equal(slurp("sent", "w47.activity.json"), "old");
	assert_string_equal(slurp("sent", "w47~1.activity.json"), "older");
	assert_string_equal(slurp("sent", "w47~2.activity.json"), "new");
	outbox_free(ob);
}

static void test_a_name_still_pending_in_cur_is_claimed_under_a_variant(void **state)
{
	(void)state;
	struct outbox *ob = open_spool();
	size_t claimed;
	put("cur", "r.json", "first");
	put("new", "r.json", "second");
	assert_int_equal(outbox_claim(ob, &claimed, NULL, NULL), 0);
	assert_int_equal(claimed, 1);
	assert_string_equal(slurp("cur", "r.json"), "first");
	assert_string_equal(slurp("cur", "r~1.json"), "second");
	outbox_free(ob);
}

static void test_failed_variant_gets_its_own_answer(void **state)
{
	(void)state;
	struct outbox *ob = open_spool();
	size_t claimed;
	put("failed", "x.csv", "old");
	put("failed", "x.csv.problem.json", "old answer");
	put("new", "x.csv", "new");
	assert_int_equal(outbox_claim(ob, &claimed, NULL, NULL), 0);
	assert_int_equal(outbox_mark_failed(ob, "x.csv", "new answer", 10), 0);
	assert_string_equal(slurp("failed", "x.csv.problem.json"), "old answer");
	assert_string_equal(slurp("failed", "x~1.csv"), "new");
	assert_string_equal(slurp("failed", "x~1.csv.problem.json"), "new answer");
	outbox_free(ob);
}

static void test_an_orphaned_answer_is_removed_at_open(void **state)
{
	(void)state;
	/* a crash after the answer was written but before the file moved */
	struct outbox *ob = open_spool();
	put("failed", "y.json.problem.json", "stale");
	put("failed", ".problem.json.tmp", "half");
	put("failed", "kept.json", "{}");
	put("failed", "kept.json.problem.json", "its answer");
	/* a refused file whose own name ends in .problem.json stays */
	put("failed", "odd.problem.json", "{}");
	put("failed", "odd.problem.json.problem.json", "its answer");
	outbox_free(ob);
	ob = open_spool();
	assert_false(exists("failed", ".problem.json.tmp"));
	assert_false(exists("failed", "y.json.problem.json"));
	assert_true(exists("failed", "kept.json.problem.json"));
	assert_true(exists("failed", "odd.problem.json"));
	assert_true(exists("failed", "odd.problem.json.problem.json"));
	outbox_free(ob);
}

static void test_an_answer_left_by_a_crash_is_replaced(void **state)
{
	(void)state;
	struct outbox *ob = open_spool();
	size_t claimed;
	put("new", "y.json", "{}");
	assert_int_equal(outbox_claim(ob, &claimed, NULL, NULL), 0);
	assert_int_equal(outbox_mark_failed(ob, "y.json", "fresh", 5), 0);
	put("failed", "z.json.problem.json", "stale"); /* written, then the crash */
	put("cur", "z.json", "{}");
	assert_int_equal(outbox_mark_failed(ob, "z.json", "fresh", 5), 0);
	assert_string_equal(slurp("failed", "y.json.problem.json"), "fresh");
	assert_string_equal(slurp("failed", "z.json.problem.json"), "fresh");
	assert_int_equal(count_in("failed"), 4);
	outbox_free(ob);
}

static void test_long_names_are_shortened_to_leave_room_for_the_answer(void **state)
{
	(void)state;
	struct outbox *ob = open_spool();
	size_t claimed;
	char name[NAME_MAX + 1];
	memset(name, 'n', 250);
	strcpy(name + 250, ".json");
	put("new", name, "{}");
	assert_int_equal(outbox_claim(ob, &claimed, NULL, NULL), 0);
	struct outbox_names names;
	assert_int_equal(outbox_list(ob, &names), 0);
	assert_int_equal(names.n, 1);
	assert_int_equal(strlen(names.v[0]), NAME_MAX - strlen(".problem.json"));
	assert_non_null(strstr(names.v[0], ".json"));
	assert_int_equal(outbox_mark_failed(ob, names.v[0], "{}", 2), 0);
	assert_int_equal(count_in("failed"), 2);
	outbox_names_free(&names);
	outbox_free(ob);
}

static void test_pending_counts_new_and_cur(void **state)
{
	(void)state;
	struct outbox *ob = open_spool();
	size_t n = 99, claimed;
	assert_int_equal(outbox_count_pending(ob, &n), 0);
	assert_int_equal(n, 0);
	put("new", "a.json", "{}");
	put("new", "b.json", "{}");
	assert_int_equal(outbox_claim(ob, &claimed, NULL, NULL), 0);
	put("new", "c.json", "{}");
	assert_int_equal(outbox_mark_sent(ob, "a.json"), 0);
	assert_int_equal(outbox_count_pending(ob, &n), 0);
	assert_int_equal(n, 2); /* b in cur, c in new */
	outbox_free(ob);
}

static void test_restart_resumes_files_left_in_cur(void **state)
{
	(void)state;
	struct outbox *ob = open_spool();
	struct outbox_names names;
	size_t claimed;
	put("new", "a.json", "{}");
	put("new", "b.json", "{}");
	assert_int_equal(outbox_claim(ob, &claimed, NULL, NULL), 0);
	assert_int_equal(outbox_mark_sent(ob, "a.json"), 0);
	outbox_free(ob); /* "crash": b.json was being sent */
	ob = open_spool();
	assert_int_equal(outbox_claim(ob, &claimed, NULL, NULL), 0);
	assert_int_equal(claimed, 0);
	assert_int_equal(outbox_list(ob, &names), 0);
	assert_int_equal(names.n, 1);
	assert_string_equal(names.v[0], "b.json");
	outbox_names_free(&names);
	outbox_free(ob);
}

/* --- crash at any moment ------------------------------------------------ */

#define CRASH_FILES 300

static void crash_file_name(int i, char out[32])
{
	snprintf(out, 32, "f%03d.json", i);
}

/* The child: claim everything, then send (every 7th fails), as fast as it can. */
static void __attribute__((noreturn)) crash_child(void)
{
	struct outbox *ob = NULL;
	struct outbox_names names;
	char err[256];
	size_t claimed;

	if (outbox_open(spool, &ob, err, sizeof(err)) < 0 ||
	    outbox_claim(ob, &claimed, NULL, NULL) < 0 || outbox_list(ob, &names) < 0)
		_exit(2);
	for (size_t i = 0; i < names.n; i++) {
		int r = i % 7 == 3 ? outbox_mark_failed(ob, names.v[i], "{\"status\":422}", 14)
				   : outbox_mark_sent(ob, names.v[i]);
		if (r < 0 || (i % 16 == 0 && outbox_sync(ob) < 0))
			_exit(3);
	}
	_exit(outbox_sync(ob) < 0 ? 4 : 0);
}

static void check_exactly_one_place(void)
{
	char name[32], sidecar[64];
	for (int i = 0; i < CRASH_FILES; i++) {
		int places = 0;
		crash_file_name(i, name);
		for (size_t b = 0; b < 4; b++)
			places += exists(boxes[b], name);
		if (places != 1)
			fail_msg("%s is in %d places", name, places);
		snprintf(sidecar, sizeof(sidecar), "%s.problem.json", name);
		if (exists("failed", name) && !exists("failed", sidecar))
			fail_msg("failed/%s has no answer beside it", name);
	}
}

/* After the crash: a new uploader resumes and finishes every file. */
static void resume_and_finish(void)
{
	struct outbox *ob = open_spool();
	struct outbox_names names;
	size_t claimed;
	assert_int_equal(outbox_claim(ob, &claimed, NULL, NULL), 0);
	assert_int_equal(outbox_list(ob, &names), 0);
	for (size_t i = 0; i < names.n; i++)
		assert_int_equal(outbox_mark_sent(ob, names.v[i]), 0);
	assert_int_equal(outbox_sync(ob), 0);
	outbox_names_free(&names);
	outbox_free(ob);
	assert_int_equal(count_in("new") + count_in("cur"), 0);
	/* every answer belongs to a file: orphans were removed at open */
	assert_int_equal(count_in("sent") + count_in("failed") / 2, CRASH_FILES);
	assert_int_equal(count_in("failed") % 2, 0);
}

static void test_sigkill_at_any_moment_leaves_each_file_in_exactly_one_place(void **state)
{
	(void)state;
	const long delays_us[] = {0, 200, 1000, 3000, 10000, 30000, 80000, 200000};
	char name[32], cmd[160];
	int interrupted = 0;

	for (size_t round = 0; round < sizeof(delays_us) / sizeof(delays_us[0]); round++) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", spool);
		assert_int_equal(system(cmd), 0);
		outbox_free(open_spool());
		for (int i = 0; i < CRASH_FILES; i++) {
			crash_file_name(i, name);
			put("new", name, "{}");
		}
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0)
			crash_child();
		struct timespec ts = {.tv_sec = 0, .tv_nsec = delays_us[round] * 1000};
		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
		int status;
		assert_int_equal(waitpid(pid, &status, 0), pid);
		check_exactly_one_place();
		interrupted += count_in("new") + count_in("cur") > 0;
		resume_and_finish();
		check_exactly_one_place();
	}
	/* the early kills must have landed mid-run, or this proved nothing */
	assert_true(interrupted >= 2);
}

struct skips {
	int n;
	int error;
	char name[NAME_MAX + 1];
};

static void record_skip(const char *name, int error, void *ctx)
{
	struct skips *sk = ctx;
	sk->n++;
	sk->error = error;
	snprintf(sk->name, sizeof(sk->name), "%s", name);
}

/* Regression (issue 12, item 5): one file that cannot be moved used to end
 * the whole claim with an error, so the uploader exited 74 and never sent
 * the good file it had already moved. Reproducible as root: an extension
 * too long to leave room for the answer's suffix cannot be given any name
 * in cur/. */
static void test_a_file_that_cannot_move_is_skipped_and_the_others_claimed(void **state)
{
	(void)state;
	struct outbox *ob = open_spool();
	struct skips sk = {0};
	size_t claimed = 0;
	char name[NAME_MAX + 1] = "x.";
	memset(name + 2, 'e', 248);
	name[250] = '\0';
	put("new", "a.json", "{}");
	put("new", name, "{}");
	put("new", "z.json", "{}");
	assert_int_equal(outbox_claim(ob, &claimed, record_skip, &sk), 0);
	assert_int_equal(claimed, 2);
	assert_true(exists("cur", "a.json"));
	assert_true(exists("cur", "z.json"));
	assert_true(exists("new", name));
	assert_int_equal(sk.n, 1);
	assert_int_equal(sk.error, -ENAMETOOLONG);
	assert_string_equal(sk.name, name);
	outbox_free(ob);
}

/* The claim as the unprivileged user "nobody" (root reads anything): a
 * mode-000 file is still claimed, without its fsync, for the uploader to
 * refuse; the readable one beside it is claimed too. Returns a bit mask of
 * what went wrong (0: all right), as an exit status. */
static int claim_unreadable_as_nobody(void)
{
	struct outbox *ob = NULL;
	char err[256];
	size_t claimed = 0;
	struct skips sk = {0};
	int bad = 0;

	if (getuid() == 0 && (setgid(65534) < 0 || setuid(65534) < 0))
		return 64;
	if (outbox_open(spool, &ob, err, sizeof(err)) < 0)
		return 32;
	FILE *f = fopen(path_of("new", "good.json"), "w");
	FILE *g = fopen(path_of("new", "locked.json"), "w");
	if (!f || !g)
		return 16;
	fputs("{}", f);
	fputs("{}", g);
	fclose(f);
	fclose(g);
	if (chmod(path_of("new", "locked.json"), 0) < 0 ||
	    access(path_of("new", "locked.json"), R_OK) == 0)
		return 8; /* the case is not real: the file is still readable */
	bad |= outbox_claim(ob, &claimed, record_skip, &sk) != 0;
	bad |= (claimed != 2) << 1;
	bad |= (exists("cur", "good.json") && exists("cur", "locked.json") ? 0 : 1) << 2;
	outbox_free(ob);
	return bad;
}

static void test_an_unreadable_file_is_claimed_for_the_uploader_to_refuse(void **state)
{
	(void)state;
	int status = 0;
	if (getuid() == 0)
		assert_int_equal(chown(base, 65534, 65534), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(claim_unreadable_as_nobody());
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, make_dir, remove_dir)
	const struct CMUnitTest tests[] = {
	    T(test_open_creates_the_maildir_layout),
	    T(test_a_second_uploader_is_locked_out),
	    T(test_open_fails_with_a_reason_when_the_parent_is_missing),
	    T(test_claim_moves_new_files_to_cur_and_lists_them_sorted),
	    T(test_claim_ignores_dot_files_and_directories),
	    T(test_sent_files_move_to_sent_intact),
	    T(test_failed_files_keep_the_answer_beside_them),
	    T(test_failing_a_file_not_in_cur_writes_no_answer),
	    T(test_moves_never_overwrite_and_keep_the_extension),
	    T(test_a_name_still_pending_in_cur_is_claimed_under_a_variant),
	    T(test_failed_variant_gets_its_own_answer),
	    T(test_an_orphaned_answer_is_removed_at_open),
	    T(test_an_answer_left_by_a_crash_is_replaced),
	    T(test_long_names_are_shortened_to_leave_room_for_the_answer),
	    T(test_pending_counts_new_and_cur),
	    T(test_restart_resumes_files_left_in_cur),
	    T(test_sigkill_at_any_moment_leaves_each_file_in_exactly_one_place),
	    T(test_a_file_that_cannot_move_is_skipped_and_the_others_claimed),
	    T(test_an_unreadable_file_is_claimed_for_the_uploader_to_refuse),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
