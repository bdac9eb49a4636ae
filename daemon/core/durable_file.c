/* Durable files: temporary, fsync, rename into place, fsync of the directory. */
#include "durable_file.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Names tried before giving up with EEXIST: each is one of 2^36, so only a
 * directory full of leftovers ever gets there. */
#define TMP_TRIES 100

static int write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Six characters for a temporary's name. Not a secret: exclusive creation
 * is what keeps writers apart, the randomness only avoids retries. */
static void random_suffix(char out[7])
{
	static const char ALPHABET[] =
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_";
	uint64_t v = 0;

	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != (ssize_t)sizeof(v)) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		v = ((uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ULL) ^ ((uint64_t)getpid() << 32) ^
		    (uint64_t)ts.tv_sec;
	}
	for (int i = 0; i < 6; i++, v >>= 6)
		out[i] = ALPHABET[v & 63];
	out[6] = '\0';
}

/* mkostemp() in dirfd: a fresh ".NAME.XXXXXX", created exclusively. Returns
 * the fd (tmp holds the name) or -errno. */
static int create_unique(int dirfd, const char *name, char tmp[NAME_MAX + 1])
{
	char suffix[7];

	for (int i = 0; i < TMP_TRIES; i++) {
		random_suffix(suffix);
		if (snprintf(tmp, NAME_MAX + 1, ".%s.%s", name, suffix) > NAME_MAX)
			return -ENAMETOOLONG;
		int fd =
		    openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd >= 0)
			return fd;
		if (errno != EEXIST)
			return -errno;
	}
	return -EEXIST;
}

static int create_tmp(int dirfd, const char *name, const char *fixed, char fresh[NAME_MAX + 1])
{
	if (!fixed)
		return create_unique(dirfd, name, fresh);
	int fd = openat(dirfd, fixed, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	return fd < 0 ? -errno : fd;
}

int durable_file_write_at(int dirfd, const char *name, const void *data, size_t len,
			  const struct durable_file_options *o, const char **ret_step)
{
	char fresh[NAME_MAX + 1];
	const char *tmp, *step = "cannot create a temporary file";
	int r, fd;

	assert(dirfd >= 0 && name && o && (data || len == 0));
	tmp = o->tmp_name ? o->tmp_name : fresh;
	fd = r = create_tmp(dirfd, name, o->tmp_name, fresh);
	if (r < 0)
		goto out;
	/* Created 0600, so no one reads it early; then exactly the mode asked
	 * for, whatever the umask. */
	step = "cannot set the file mode";
	r = fchmod(fd, o->mode) < 0 ? -errno : 0;
	if (!r) {
		step = "cannot write";
		r = write_all(fd, data, len);
	}
	if (!r && fsync(fd) < 0) {
		step = "cannot fsync";
		r = -errno;
	}
	if (close(fd) < 0 && !r) { /* a delayed write error surfaces here */
		step = "cannot write";
		r = -errno;
	}
	if (!r && renameat(dirfd, tmp, dirfd, name) < 0) {
		step = "cannot rename the temporary file into place";
		r = -errno;
	}
	if (r) {
		unlinkat(dirfd, tmp, 0);
		goto out;
	}
	step = "cannot fsync the directory";
	r = fsync(dirfd) < 0 ? -errno : 0;
out:
	if (r && ret_step)
		*ret_step = step;
	return r;
}

int durable_file_write(const char *dir, const char *name, const void *data, size_t len,
		       const struct durable_file_options *o, const char **ret_step)
{
	int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r;

	if (dirfd < 0) {
		r = -errno;
		if (ret_step)
			*ret_step = "cannot open the directory";
		return r;
	}
	r = durable_file_write_at(dirfd, name, data, len, o, ret_step);
	close(dirfd);
	return r;
}
