/* Patient pseudonyms: HMAC-SHA256 of patient.ref under the server key (GnuTLS). */
#ifndef NW_PSEUDONYM_H
#define NW_PSEUDONYM_H

#include <stddef.h>

#define PSEUDONYM_HEX_LEN 64

struct pseudonym_key {
	unsigned char bytes[64];
	size_t len;
};

/* Reads the key file (at least 32 bytes; a trailing newline is not part of the key).
 * Returns 0 or a negative errno with a reason in err. */
int pseudonym_key_load(struct pseudonym_key *key, const char *path, char *err, size_t errlen);
/* Writes the lower-case hex HMAC-SHA256 of ref into out (PSEUDONYM_HEX_LEN + 1 bytes). */
int pseudonym_derive(const struct pseudonym_key *key, const char *ref, char *out);
/* Lower-case hex SHA-256 of data into out (65 bytes). Used for token hashes and body hashes. */
int sha256_hex(const void *data, size_t len, char *out);

#endif
