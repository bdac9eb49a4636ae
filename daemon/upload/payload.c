/* Payload: the endpoint and Content-Type of a file, and reading it. */
#include "payload.h"
#include "util.h"

#include <cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n > m && strcasecmp(s + n - m, suffix) == 0;
}

/* A JSON object with a top-level "resourceType" member is FHIR. cJSON's
 * leniency does not matter here: it only picks the Content-Type, and the
 * server validates strictly whatever is sent. */
static bool looks_like_fhir(const char *data, size_t len)
{
	cJSON *doc = cJSON_ParseWithLength(data, len);
	bool fhir = cJSON_IsObject(doc) &&
		    cJSON_IsString(cJSON_GetObjectItemCaseSensitive(doc, "resourceType"));
	cJSON_Delete(doc);
	return fhir;
}

int payload_classify(const char *name, const char *data, size_t len, bool activity,
		     struct payload_kind *ret)
{
	struct payload_kind k;

	if (ends_with(name, ".ndjson"))
		k.content_type = "application/x-ndjson";
	else if (ends_with(name, ".csv"))
		k.content_type = "text/csv";
	else if (ends_with(name, ".json"))
		k.content_type =
		    looks_like_fhir(data, len) ? "application/fhir+json" : "application/json";
	else
		return -EINVAL;
	activity = activity || ends_with(name, ".activity.json") ||
		   ends_with(name, ".activity.csv") || ends_with(name, ".activity.ndjson");
	k.path = activity ? PAYLOAD_PATH_ACTIVITY : PAYLOAD_PATH_REPORTS;
	*ret = k;
	return 0;
}

static int read_all(int fd, size_t size, char **ret_data, size_t *ret_len)
{
	char *buf = malloc(size + 1);
	if (!buf)
		return -ENOMEM;
	/* A file that shrank while we read comes back short: the caller sees
	 * len < size. */
	ssize_t got = util_read_full(fd, buf, size);
	if (got < 0) {
		free(buf);
		return (int)got;
	}
	buf[got] = '\0';
	*ret_data = buf;
	*ret_len = (size_t)got;
	return 0;
}

static void stamp_of(const struct stat *st, struct payload_stamp *ret)
{
	*ret = (struct payload_stamp){
	    .dev = st->st_dev,
	    .ino = st->st_ino,
	    .size = st->st_size,
	    .mtime = st->st_mtim,
	    .ctime = st->st_ctim,
	};
}

static bool same_time(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

int payload_unchanged(int fd, const struct payload_stamp *stamp)
{
	struct stat st;
	struct payload_stamp now;

	if (fstat(fd, &st) < 0)
		return -errno;
	stamp_of(&st, &now);
	if (now.dev != stamp->dev || now.ino != stamp->ino || now.size != stamp->size ||
	    !same_time(&now.mtime, &stamp->mtime) || !same_time(&now.ctime, &stamp->ctime))
		return -EAGAIN;
	return 0;
}

int64_t payload_settle_wait_ms(const struct payload_stamp *stamp, const struct timespec *now,
			       int64_t settle_ms)
{
	int64_t age_ms = ((int64_t)now->tv_sec - (int64_t)stamp->mtime.tv_sec) * 1000 +
			 ((int64_t)now->tv_nsec - (int64_t)stamp->mtime.tv_nsec) / 1000000;

	if (age_ms < 0 || age_ms >= settle_ms)
		return 0;
	return settle_ms - age_ms;
}

/* Opens name and checks it is a regular file small enough to send. */
static int open_regular(int dirfd, const char *name, struct stat *st)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	int r;

	if (fd < 0)
		return errno == ELOOP ? -EINVAL : -errno;
	if (fstat(fd, st) < 0)
		r = -errno;
	else if (S_ISDIR(st->st_mode))
		r = -EISDIR;
	else if (!S_ISREG(st->st_mode))
		r = -EINVAL;
	else if ((unsigned long long)st->st_size > PAYLOAD_MAX_BYTES)
		r = -EFBIG;
	else
		return fd;
	close(fd);
	return r;
}

int payload_read(int dirfd, const char *name, char **ret_data, size_t *ret_len, int *ret_fd,
		 struct payload_stamp *ret_stamp)
{
	struct payload_stamp stamp;
	struct stat st;
	char *data = NULL;
	size_t len = 0;
	int r, fd = open_regular(dirfd, name, &st);

	if (fd < 0)
		return fd;
	stamp_of(&st, &stamp);
	r = read_all(fd, (size_t)st.st_size, &data, &len);
	/* Grown, shrunk or rewritten while we read: this is not a whole file. */
	if (r == 0 && (len != (size_t)st.st_size || payload_unchanged(fd, &stamp) < 0))
		r = -EAGAIN;
	if (r < 0) {
		free(data);
		close(fd);
		return r;
	}
	*ret_data = data;
	*ret_len = len;
	*ret_fd = fd;
	*ret_stamp = stamp;
	return 0;
}
