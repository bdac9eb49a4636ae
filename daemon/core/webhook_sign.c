/* Webhook signatures (webhook_sign.h): GnuTLS's one-shot HMAC. */
#include "webhook_sign.h"
#include "util.h"

#include <errno.h>
#include <gnutls/crypto.h>
#include <stdio.h>
#include <string.h>

int webhook_sign(const void *key, size_t key_len, const void *body, size_t body_len,
		 char out[WEBHOOK_SIGNATURE_LEN])
{
	unsigned char mac[32];
	if (!key_len || gnutls_hmac_fast(GNUTLS_MAC_SHA256, key, key_len, body, body_len, mac) < 0)
		return -EINVAL;
	memcpy(out, "sha256=", 7);
	util_hex_encode(mac, sizeof(mac), out + 7);
	return 0;
}
