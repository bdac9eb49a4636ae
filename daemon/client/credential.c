/* Credential: reading the token file. */
#include "credential.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void credential_free(char *token)
{
	if (!token)
		return;
	explicit_bzero(token, strlen(token));
	free(token);
}

static bool valid_token(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] > '~')
			return false;
	return n > 0;
}

int credential_read(const char *path, char **ret_token, char *err, size_t errlen)
{
	/* One byte more than allowed, to tell "too long" from "just fits". */
	char buf[CREDENTIAL_MAX_BYTES + 64];
	size_t n = 0;
	int r = 0, fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "cannot read token file %s: %s", path, strerror(-r));
		return r;
	}
	while (n < sizeof(buf)) {
		ssize_t got = read(fd, buf + n, sizeof(buf) - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			r = -errno;
			snprintf(err, errlen, "cannot read token file %s: %s", path, strerror(-r));
			goto out;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' ' ||
		     buf[n - 1] == '\t'))
		n--;
	if (n > CREDENTIAL_MAX_BYTES || !valid_token(buf, n)) {
		r = -EINVAL;
		snprintf(err, errlen,
			 "token file %s must hold one token (visible ASCII, no spaces, at most %d "
			 "bytes) and nothing else",
			 path, CREDENTIAL_MAX_BYTES);
		goto out;
	}
	*ret_token = strndup(buf, n);
	if (!*ret_token) {
		r = -ENOMEM;
		snprintf(err, errlen, "out of memory");
	}
out:
	explicit_bzero(buf, sizeof(buf));
	close(fd);
	return r;
}
