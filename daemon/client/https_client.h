/* HTTPS client set-up: the libcurl options that make a transfer safe, in one
 * place for every program of ours that speaks HTTPS (needlewatchctl's export
 * delivery, needlewatch-upload's transport).
 *
 * Safety is not optional: https only (no other protocol, redirects not
 * followed), peer and host verification on (system CAs or the CA file
 * given), TLS 1.2 at least, and a connect timeout and a total timeout on
 * every transfer, so a dead server can never hang a caller. Each option is
 * checked: a libcurl that cannot honour one must not be used. Verbose mode,
 * which would print the Authorization header, is never enabled.
 *
 * Linked into needlewatchctl and needlewatch-upload only: needlewatchd does
 * not link libcurl. */
#ifndef NW_HTTPS_CLIENT_H
#define NW_HTTPS_CLIENT_H

#include <curl/curl.h>

struct https_client_options {
	const char *ca_file;	 /* PEM bundle to verify the server; NULL: system CAs */
	long connect_timeout_ms; /* > 0: to connect, TLS handshake included */
	long timeout_ms;	 /* > 0: the whole transfer, answer included */
	const char *user_agent;	 /* "program/version" */
	/* A client certificate and its key (PEM), for a server that bound the
	 * token to it (tls_client_ca_file); both or neither. */
	const char *cert_file;
	const char *key_file;
};

/* Sets the options above on e; the caller adds its own (URL, body, headers,
 * write callback). Returns 0, or -EINVAL when a timeout is not positive (0
 * is libcurl's "never") or libcurl refused an option: e must not be used
 * then. */
int https_client_setup(CURL *e, const struct https_client_options *o);

/* Frees a header list, wiping each line first: libcurl copied the
 * Authorization line, bearer token included, into it. Accepts NULL. */
void https_client_headers_free(struct curl_slist *list);

#endif
