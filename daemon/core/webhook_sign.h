/* Webhook signatures: HMAC-SHA256 of a request body under a shared secret. */
#ifndef NW_WEBHOOK_SIGN_H
#define NW_WEBHOOK_SIGN_H

#include <stddef.h>

/* "sha256=" and 64 hex digits, and the NUL. */
#define WEBHOOK_SIGNATURE_LEN (7 + 64 + 1)

/* Writes "sha256=<hex HMAC-SHA256(key, body)>" into out: the value of the
 * X-Needlewatch-Signature header, which a receiver recomputes over the raw body
 * with the same secret and compares in constant time. 0, or -EINVAL when the
 * key is empty or GnuTLS refuses. */
int webhook_sign(const void *key, size_t key_len, const void *body, size_t body_len,
		 char out[WEBHOOK_SIGNATURE_LEN]);

#endif
