/* Outbox: the spool's directories, its lock, and atomic moves between them.
 *
 * Every directory stays open for the outbox's lifetime, so moves are
 * renameat2() between directory fds (no path building, no race with a
 * renamed spool) and fsync() of a directory is one call on a kept fd. */
#include "outbox.h"
#include "durable_file.h"

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define SIDECAR ".problem.json"
/* Written in failed/ then renamed to NAME.problem.json; a dot name, so a
 * leftover from a crash is ignored and removed at the next open. */
#define SIDECAR_TMP ".problem.json.tmp"
/* NAME~1 ... NAME~9999 before a move gives up with EEXIST. */
#define MAX_VARIANTS 10000

enum box { BOX_NEW, BOX_CUR, BOX_SENT, BOX_FAILED, BOX_TMP, N_BOX };
static const char *const box_name[N_BOX] = {"new", "cur", "sent", "failed", "tmp"};
/* Destinations before sources: should a file system not make rename one
 * atomic step on disk, a crash between the two fsyncs leaves a second name
 * (sent again: a duplicate) rather than none. */
static const enum box sync_order[] = {BOX_SENT, BOX_FAILED, BOX_CUR, BOX_NEW};

struct outbox {
	int root;
	int lock;
	int dir[N_BOX];
	bool dirty[N_BOX];
};

static void outbox_close_fds(struct outbox *ob)
{
	for (int i = 0; i < N_BOX; i++)
		if (ob->dir[i] >= 0)
			close(ob->dir[i]);
	if (ob->lock >= 0)
		close(ob->lock); /* releases the flock */
	if (ob->root >= 0)
		close(ob->root);
}

void outbox_free(struct outbox *ob)
{
	if (!ob)
		return;
	outbox_close_fds(ob);
	free(ob);
}

/* Subdirectories must be real directories; the spool itself may be a
 * symlink an operator set up (follow = true). */
static int open_dir_at(int at, const char *name, bool follow, bool *ret_created)
{
	*ret_created = false;
	if (mkdirat(at, name, 0770) == 0)
		*ret_created = true;
	else if (errno != EEXIST)
		return -errno;
	int fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW));
	return fd < 0 ? -errno : fd;
}

static int take_lock(struct outbox *ob)
{
	ob->lock = openat(ob->root, ".lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0660);
	if (ob->lock < 0)
		return -errno;
	if (flock(ob->lock, LOCK_EX | LOCK_NB) < 0)
		return errno == EWOULDBLOCK ? -EBUSY : -errno;
	return 0;
}

static int scan(int dirfd, struct outbox_names *ret);
static bool exists_at(int dirfd, const char *name);
int outbox_sync(struct outbox *ob);

static bool ends_with_sidecar(const char *name, size_t len)
{
	size_t m = strlen(SIDECAR);
	return len > m && strcmp(name + len - m, SIDECAR) == 0;
}

/* A crash between writing failed/NAME.problem.json and moving NAME leaves
 * the answer alone (NAME is still in cur/ and will be judged again): remove
 * it. A failed file that is itself called X.problem.json has its own answer
 * X.problem.json.problem.json, which keeps it. Best effort: a leftover
 * answer misleads a reader but loses nothing. */
static void remove_orphan_answers(struct outbox *ob)
{
	int dir = ob->dir[BOX_FAILED];
	struct outbox_names names;
	char own[NAME_MAX + sizeof(SIDECAR)];

	if (scan(dir, &names) < 0)
		return;
	for (size_t i = 0; i < names.n; i++) {
		const char *n = names.v[i];
		size_t len = strlen(n);
		if (!ends_with_sidecar(n, len))
			continue;
		snprintf(own, sizeof(own), "%s%s", n, SIDECAR);
		char *file = strndup(n, len - strlen(SIDECAR));
		if (file && !exists_at(dir, file) && !exists_at(dir, own) &&
		    unlinkat(dir, n, 0) == 0)
			ob->dirty[BOX_FAILED] = true;
		free(file);
	}
	outbox_names_free(&names);
	outbox_sync(ob);
}

int outbox_open(const char *dir, struct outbox **ret, char *err, size_t errlen)
{
	struct outbox *ob = calloc(1, sizeof(*ob));
	bool created, any_created = false;
	int r;

	if (!ob)
		return -ENOMEM;
	ob->lock = -1;
	for (int i = 0; i < N_BOX; i++)
		ob->dir[i] = -1;
	ob->root = r = open_dir_at(AT_FDCWD, dir, /* follow= */ true, &created);
	if (r < 0) {
		snprintf(err, errlen, "cannot open spool %s: %s", dir, strerror(-r));
		goto fail;
	}
	r = take_lock(ob);
	if (r < 0) {
		snprintf(err, errlen,
			 r == -EBUSY ? "spool %s is in use by another uploader"
				     : "cannot lock spool %s: %s",
			 dir, strerror(-r));
		goto fail;
	}
	for (int i = 0; i < N_BOX; i++) {
		ob->dir[i] = r = open_dir_at(ob->root, box_name[i], /* follow= */ false, &created);
		if (r < 0) {
			snprintf(err, errlen, "cannot open %s/%s: %s", dir, box_name[i],
				 strerror(-r));
			goto fail;
		}
		any_created |= created;
	}
	if (any_created && fsync(ob->root) < 0) {
		r = -errno;
		snprintf(err, errlen, "cannot fsync spool %s: %s", dir, strerror(-r));
		goto fail;
	}
	unlinkat(ob->dir[BOX_FAILED], SIDECAR_TMP, 0);
	remove_orphan_answers(ob);
	*ret = ob;
	return 0;
fail:
	outbox_free(ob);
	return r;
}

int outbox_cur_fd(const struct outbox *ob)
{
	return ob->dir[BOX_CUR];
}

void outbox_names_free(struct outbox_names *names)
{
	for (size_t i = 0; i < names->n; i++)
		free(names->v[i]);
	free(names->v);
	names->v = NULL;
	names->n = 0;
}

static int names_add(struct outbox_names *names, size_t *cap, const char *name)
{
	if (names->n == *cap) {
		size_t c = *cap ? *cap * 2 : 64;
		char **v = realloc(names->v, c * sizeof(*v));
		if (!v)
			return -ENOMEM;
		names->v = v;
		*cap = c;
	}
	names->v[names->n] = strdup(name);
	if (!names->v[names->n])
		return -ENOMEM;
	names->n++;
	return 0;
}

static bool is_regular(int dirfd, const struct dirent *de)
{
	struct stat st;

	if (de->d_type == DT_REG)
		return true;
	if (de->d_type != DT_UNKNOWN)
		return false;
	return fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The regular, non-dot files of a directory, sorted. */
static int scan(int dirfd, struct outbox_names *ret)
{
	struct outbox_names names = {0};
	size_t cap = 0;
	struct dirent *de;
	int r = 0, fd = dup(dirfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;

	*ret = names; /* empty until the end: callers may free it on any return */
	if (!d) {
		r = errno ? -errno : -EIO;
		if (fd >= 0)
			close(fd);
		return r;
	}
	rewinddir(d); /* the dup shares its offset with the kept fd */
	while ((errno = 0, de = readdir(d))) {
		if (de->d_name[0] == '.' || !is_regular(dirfd, de))
			continue;
		r = names_add(&names, &cap, de->d_name);
		if (r < 0)
			break;
	}
	if (!r && errno)
		r = -errno;
	closedir(d);
	if (r < 0) {
		outbox_names_free(&names);
		return r;
	}
	if (names.n > 1) /* qsort(NULL, 0, ...) is undefined */
		qsort(names.v, names.n, sizeof(*names.v), cmp_names);
	*ret = names;
	return 0;
}

int outbox_list(struct outbox *ob, struct outbox_names *ret)
{
	return scan(ob->dir[BOX_CUR], ret);
}

/* The n-th variant of name: name itself for 0, else "~n" inserted before
 * its extensions (report.activity.json -> report~1.activity.json), so the
 * extension that decides the Content-Type survives. Shortened to leave
 * room for the sidecar's suffix within NAME_MAX. */
static int variant(const char *name, unsigned n, char out[NAME_MAX + 1])
{
	const char *dot = strchr(name + 1, '.');
	size_t len = strlen(name);
	size_t base = dot ? (size_t)(dot - name) : len, ext = len - base;
	char suffix[16] = "";

	if (n)
		snprintf(suffix, sizeof(suffix), "~%u", n);
	size_t room = NAME_MAX - strlen(SIDECAR) - strlen(suffix);
	if (ext >= room)
		return -ENAMETOOLONG;
	if (base > room - ext)
		base = room - ext;
	snprintf(out, NAME_MAX + 1, "%.*s%s%s", (int)base, name, suffix, name + len - ext);
	return 0;
}

static bool exists_at(int dirfd, const char *name)
{
	struct stat st;
	return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT;
}

/* The first variant of name that is free in dirfd. */
static int pick_free(int dirfd, const char *name, char out[NAME_MAX + 1])
{
	for (unsigned n = 0; n < MAX_VARIANTS; n++) {
		int r = variant(name, n, out);
		if (r < 0)
			return r;
		if (!exists_at(dirfd, out))
			return 0;
	}
	return -EEXIST;
}

static int rename_noreplace(int from, const char *name, int to, const char *newname)
{
	if (renameat2(from, name, to, newname, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -errno;
	/* A file system without RENAME_NOREPLACE: the lock makes this process
	 * the only mover, and pick_free() found the name free. */
	return renameat(from, name, to, newname) == 0 ? 0 : -errno;
}

/* from/name -> to/<free variant of name>. */
static int move(struct outbox *ob, enum box from, const char *name, enum box to)
{
	char target[NAME_MAX + 1];

	for (int tries = 0; tries < 3; tries++) {
		int r = pick_free(ob->dir[to], name, target);
		if (r < 0)
			return r;
		r = rename_noreplace(ob->dir[from], name, ob->dir[to], target);
		if (r == -EEXIST)
			continue; /* taken meanwhile (only by hand: we hold the lock) */
		if (r == 0)
			ob->dirty[from] = ob->dirty[to] = true;
		return r;
	}
	return -EEXIST;
}

/* Makes a file's content durable. A file we may not open at all is
 * reported as 1, not an error: the caller still claims it (see outbox.h). */
static int fsync_file_at(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return errno == EACCES || errno == EPERM ? 1 : -errno;
	int r = fsync(fd) < 0 ? -errno : 0;
	close(fd);
	return r;
}

int outbox_claim(struct outbox *ob, size_t *ret_claimed, outbox_skip_fn *skip, void *ctx)
{
	struct outbox_names names;
	size_t claimed = 0;
	int r = scan(ob->dir[BOX_NEW], &names);

	if (r < 0)
		return r;
	for (size_t i = 0; i < names.n; i++) {
		/* The producer may not have fsync()ed: make the content durable
		 * before any name of ours points at it. */
		r = fsync_file_at(ob->dir[BOX_NEW], names.v[i]);
		if (r >= 0)
			r = move(ob, BOX_NEW, names.v[i], BOX_CUR);
		if (r == -ENOENT)
			continue; /* taken back by its producer: not ours */
		if (r < 0) {
			/* This file's own fault (EIO on it, a name too long to
			 * move): it waits in new/, the others go on. */
			if (skip)
				skip(names.v[i], r, ctx);
			continue;
		}
		claimed++;
	}
	outbox_names_free(&names);
	r = outbox_sync(ob);
	if (r == 0)
		*ret_claimed = claimed;
	return r;
}

int outbox_mark_sent(struct outbox *ob, const char *name)
{
	return move(ob, BOX_CUR, name, BOX_SENT);
}

/* failed/<target>.problem.json, durable (file and directory) on return. A
 * fixed temporary name: the lock makes this process the only writer, and
 * outbox_open() removes a leftover; a per-write one would not leave room
 * within NAME_MAX for a sidecar of the longest name variant() makes. */
static int write_sidecar(struct outbox *ob, const char *target, const char *answer, size_t len)
{
	/* variant() left room for the suffix within NAME_MAX; the buffer is
	 * larger only so the compiler can see nothing is cut. */
	char sidecar[NAME_MAX + sizeof(SIDECAR)];
	const struct durable_file_options o = {.mode = 0640, .tmp_name = SIDECAR_TMP};

	snprintf(sidecar, sizeof(sidecar), "%s%s", target, SIDECAR);
	return durable_file_write_at(ob->dir[BOX_FAILED], sidecar, answer, len, &o, NULL);
}

int outbox_mark_failed(struct outbox *ob, const char *name, const char *answer, size_t len)
{
	char target[NAME_MAX + 1];
	struct stat st;
	int r;

	/* No reason without its file: check the file is still ours first. */
	if (fstatat(ob->dir[BOX_CUR], name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	r = pick_free(ob->dir[BOX_FAILED], name, target);
	if (r == 0)
		r = write_sidecar(ob, target, answer, len);
	if (r == 0)
		r = rename_noreplace(ob->dir[BOX_CUR], name, ob->dir[BOX_FAILED], target);
	if (r == 0)
		ob->dirty[BOX_CUR] = ob->dirty[BOX_FAILED] = true;
	return r;
}

int outbox_sync(struct outbox *ob)
{
	for (size_t i = 0; i < sizeof(sync_order) / sizeof(sync_order[0]); i++) {
		enum box b = sync_order[i];
		if (!ob->dirty[b])
			continue;
		if (fsync(ob->dir[b]) < 0)
			return -errno;
		ob->dirty[b] = false;
	}
	return 0;
}

int outbox_count_pending(struct outbox *ob, size_t *ret)
{
	struct outbox_names a, b;
	int r = scan(ob->dir[BOX_NEW], &a);

	if (r < 0)
		return r;
	r = scan(ob->dir[BOX_CUR], &b);
	if (r == 0) {
		*ret = a.n + b.n;
		outbox_names_free(&b);
	}
	outbox_names_free(&a);
	return r;
}
