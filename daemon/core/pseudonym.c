/* Patient pseudonyms (HMAC-SHA256 under the server key) and SHA-256 hex digests, on GnuTLS.
 *
 * The key file holds 32 to 64 raw bytes. 32 is SHA-256's output size, below
 * which the key would be the weak link; 64 is its block size, above which
 * HMAC would hash the key down anyway. One trailing "\n" or "\r\n" is taken
 * as the editor's and not part of the key; anything else, NUL bytes
 * included, is key material. The file's mode is not checked here: this module
 * does not log, so the config loader is the one to warn about a key that
 * group or other can read. */
#include "pseudonym.h"
#include "util.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>

#define KEY_MIN_BYTES 32
#define KEY_MAX_BYTES sizeof(((struct pseudonym_key *)0)->bytes)
#define SHA256_BYTES 32

__attribute__((format(printf, 3, 4))) static void set_err(char *err, size_t errlen, const char *fmt,
							  ...)
{
	va_list ap;

	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int pseudonym_key_load(struct pseudonym_key *key, const char *path, char *err, size_t errlen)
{
	/* The longest acceptable file is 64 key bytes and "\r\n"; one byte
	 * more tells a longer file from it without reading all of it. */
	unsigned char buf[KEY_MAX_BYTES + 3];
	ssize_t n;
	int fd, r;

	assert(key);
	assert(path);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		r = -errno;
		set_err(err, errlen, "%s: %s", path, strerror(-r));
		return r;
	}
	n = util_read_full(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0) {
		r = (int)n;
		set_err(err, errlen, "%s: %s", path, strerror(-r));
		goto out;
	}
	if (n >= 2 && buf[n - 2] == '\r' && buf[n - 1] == '\n')
		n -= 2;
	else if (n >= 1 && buf[n - 1] == '\n')
		n -= 1;
	if ((size_t)n < KEY_MIN_BYTES || (size_t)n > KEY_MAX_BYTES) {
		r = -EINVAL;
		set_err(err, errlen, "%s: key must be 32 to 64 bytes", path);
		goto out;
	}
	memset(key->bytes, 0, sizeof(key->bytes));
	memcpy(key->bytes, buf, (size_t)n);
	key->len = (size_t)n;
	r = 0;
out:
	explicit_bzero(buf, sizeof(buf));
	return r;
}

int pseudonym_derive(const struct pseudonym_key *key, const char *ref, char *out)
{
	unsigned char mac[SHA256_BYTES];

	assert(key);
	assert(ref);
	assert(out);
	/* A key that never went through pseudonym_key_load() (len 0) must not
	 * yield pseudonyms anyone could recompute. */
	if (key->len < KEY_MIN_BYTES || key->len > KEY_MAX_BYTES)
		return -EINVAL;
	if (gnutls_hmac_fast(GNUTLS_MAC_SHA256, key->bytes, key->len, ref, strlen(ref), mac) < 0)
		return -EIO;
	util_hex_encode(mac, sizeof(mac), out);
	return 0;
}

int sha256_hex(const void *data, size_t len, char *out)
{
	unsigned char digest[SHA256_BYTES];

	assert(data || len == 0);
	assert(out);
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, data ? data : "", len, digest) < 0)
		return -EIO;
	util_hex_encode(digest, sizeof(digest), out);
	return 0;
}
