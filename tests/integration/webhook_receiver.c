/* A webhook receiver for the alert delivery tests: an HTTPS server on 127.0.0.1 that
 * takes `needlewatchctl alerts deliver`'s POSTs and checks each signature itself.
 *
 *   webhook_receiver --port P --cert PEM --key PEM --secret-file F
 *                    [--fail-first N] [--lifetime SECONDS]
 *
 * The first N POSTs are answered 503 after the body was read. Every other POST is
 * checked: X-Needlewatch-Signature must equal "sha256=" HMAC-SHA256(secret, body),
 * computed here with GnuTLS independently of the sender's code; 200 when it does,
 * 401 when not. One line per request goes to stdout:
 * "request=3 status=200 delivery=7 signature=ok". It exits by itself after
 * --lifetime seconds (default 60), or on SIGTERM/SIGINT. */
#include <getopt.h>
#include <gnutls/crypto.h>
#include <microhttpd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "receiver.h"

#define BODY_MAX (1024 * 1024)
#define FILE_MAX (64 * 1024)

struct body {
	char *data;
	size_t len;
};

static int requests, fail_first;
static char secret[FILE_MAX];
static size_t secret_len;

static bool signature_ok(const char *header, const struct body *b)
{
	unsigned char mac[32];
	char want[7 + 64 + 1] = "sha256=";
	if (!header || gnutls_hmac_fast(GNUTLS_MAC_SHA256, secret, secret_len, b->data, b->len, mac))
		return false;
	for (int i = 0; i < 32; i++)
		snprintf(want + 7 + 2 * i, 3, "%02x", mac[i]);
	return strlen(header) == strlen(want) && gnutls_memcmp(header, want, strlen(want)) == 0;
}

static enum MHD_Result answer(struct MHD_Connection *c, unsigned status)
{
	struct MHD_Response *r =
	    MHD_create_response_from_buffer(2, (void *)"{}", MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result finish(struct MHD_Connection *c, struct body *b)
{
	const char *sig = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Needlewatch-Signature");
	const char *id = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Needlewatch-Delivery");
	int n = ++requests;
	bool ok = signature_ok(sig, b);
	unsigned status = n <= fail_first ? 503 : ok ? 200 : 401;
	printf("request=%d status=%u delivery=%s signature=%s\n", n, status, id ? id : "-",
	       ok ? "ok" : "bad");
	fflush(stdout);
	return answer(c, status);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *data,
				  size_t *size, void **state)
{
	struct body *b = *state;
	(void)cls;
	(void)url;
	(void)version;
	if (!b) {
		if (strcmp(method, "POST") != 0)
			return answer(c, 405);
		*state = b = calloc(1, sizeof(*b));
		return b ? MHD_YES : MHD_NO;
	}
	if (*size) {
		if (b->len + *size > BODY_MAX)
			return MHD_NO;
		char *d = realloc(b->data, b->len + *size + 1);
		if (!d)
			return MHD_NO;
		memcpy(d + b->len, data, *size);
		b->data = d;
		b->len += *size;
		*size = 0;
		return MHD_YES;
	}
	return finish(c, b);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **state,
			 enum MHD_RequestTerminationCode toe)
{
	struct body *b = *state;
	(void)cls;
	(void)c;
	(void)toe;
	if (b)
		free(b->data);
	free(b);
	*state = NULL;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"port", required_argument, NULL, 'p'},	   {"cert", required_argument, NULL, 'c'},
	    {"key", required_argument, NULL, 'k'},	   {"secret-file", required_argument, NULL, 's'},
	    {"fail-first", required_argument, NULL, 'f'}, {"lifetime", required_argument, NULL, 'l'},
	    {NULL, 0, NULL, 0},
	};
	const char *cert_path = NULL, *key_path = NULL, *secret_path = NULL;
	int port = 0, lifetime = 60, c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'p')
			port = atoi(optarg);
		else if (c == 'c')
			cert_path = optarg;
		else if (c == 'k')
			key_path = optarg;
		else if (c == 's')
			secret_path = optarg;
		else if (c == 'f')
			fail_first = atoi(optarg);
		else if (c == 'l')
			lifetime = atoi(optarg);
	}
	char *cert = cert_path ? receiver_read_file(cert_path, FILE_MAX, NULL) : NULL;
	char *key = key_path ? receiver_read_file(key_path, FILE_MAX, NULL) : NULL;
	char *sec = secret_path ? receiver_read_file(secret_path, FILE_MAX, &secret_len) : NULL;
	if (!port || !cert || !key || !sec) {
		fprintf(stderr, "usage: webhook_receiver --port P --cert PEM --key PEM --secret-file F "
				"[--fail-first N] [--lifetime S]\n");
		return 2;
	}
	memcpy(secret, sec, secret_len);
	if (secret_len && secret[secret_len - 1] == '\n')
		secret_len--;
	int rc = receiver_serve("webhook_receiver", port, cert, key, lifetime, on_request,
				on_completed);
	free(cert);
	free(key);
	free(sec);
	return rc;
}
