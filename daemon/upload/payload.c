/* Payload: the endpoint and Content-Type of a file, and reading it. */
#include "payload.h"

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
	size_t got = 0;

	if (!buf)
		return -ENOMEM;
	while (got < size) {
		ssize_t n = read(fd, buf + got, size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = -errno;
			free(buf);
			return e;
		}
		if (n == 0)
			break; /* shrank while we read: send what is there */
		got += (size_t)n;
	}
	buf[got] = '\0';
	*ret_data = buf;
	*ret_len = got;
	return 0;
}

int payload_read(int dirfd, const char *name, char **ret_data, size_t *ret_len)
{
	struct stat st;
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	int r;

	if (fd < 0)
		return errno == ELOOP ? -EINVAL : -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		r = -EISDIR;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = -EINVAL;
		goto out;
	}
	if ((unsigned long long)st.st_size > PAYLOAD_MAX_BYTES) {
		r = -EFBIG;
		goto out;
	}
	r = read_all(fd, (size_t)st.st_size, ret_data, ret_len);
out:
	close(fd);
	return r;
}
