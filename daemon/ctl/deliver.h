/* Delivery of a week's export files: one HTTPS POST (multipart/form-data)
 * with libcurl, retried on transient failures.
 *
 * The request carries the parts "week" (text), "manifest" (JSON: each
 * file's name, size, type and SHA-256, so the receiver can check what it
 * got) and one file part per file, named "csv", "json" and "html" with their
 * file names. Any 2xx answer is a delivery.
 *
 * Safety is not optional: https only, peer and host verification on (system
 * CAs or the CA file given), TLS 1.2 at least, redirects not followed, a
 * connect timeout and a total timeout on every attempt. The bearer token is
 * sent in a header and never printed (libcurl's verbose mode stays off). */
#ifndef NW_DELIVER_H
#define NW_DELIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct progress;
#include "retry.h"

struct deliver_config {
	const char *url;	     /* https://host[:port]/path */
	const char *ca_file;	     /* PEM bundle to verify the server; NULL: system CAs */
	const char *token;	     /* bearer token; NULL sends no Authorization */
	long connect_timeout_ms;     /* per attempt */
	long timeout_ms;	     /* per attempt, answer included */
	unsigned max_attempts;	     /* >= 1 */
	struct retry_policy backoff; /* the waits between attempts (client/retry.h) */
	struct progress *progress;   /* each failed attempt and its wait; NULL: silent */
};

struct deliver_file {
	const char *part;	  /* form field: "csv", "json", "html" */
	const char *path;	  /* where to read it */
	const char *name;	  /* the file name the receiver sees */
	const char *content_type; /* "text/csv; charset=utf-8" */
	const char *sha256;	  /* hex */
	size_t bytes;
};

struct deliver_result {
	unsigned attempts;
	long http_status; /* of the last answer; 0 when none came */
	char error[256];  /* why the last attempt failed; "" after a delivery */
};

/* Call once before deliver_send (curl_global_init). 0 or -EIO. */
int deliver_global_init(void);
void deliver_global_cleanup(void);

/* Checks that url is an absolute https URL without a user name or password
 * in it (credentials belong in the token file). 0, or -EINVAL with the
 * reason in err. */
int deliver_check_url(const char *url, char *err, size_t errlen);

/* POSTs files[0..n) for week, retrying transient failures up to
 * c->max_attempts. Returns 0 when delivered; -EAGAIN when every attempt
 * failed transiently (refused, timed out, or an answer
 * retry_status_is_transient() accepts); -EACCES on 401 or
 * 403; -EPROTO on another refusal (4xx, 501, 505, 3xx); -EINVAL for a local
 * set-up problem (bad URL, unreadable CA or file, TLS verification failed);
 * -ENOMEM. *ret says how it went either way. Prints nothing. */
int deliver_send(const struct deliver_config *c, const char *week, const struct deliver_file *files,
		 size_t n, struct deliver_result *ret);

#endif
