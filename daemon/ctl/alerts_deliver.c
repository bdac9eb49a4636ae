/* needlewatchctl alerts deliver: announce new alerts to the webhook, from the outbox.
 *
 * Run by a timer (a systemd timer or cron, every minute). Each pending outbox row
 * (schema/012_alerts.sql) is taken in its own transaction with FOR UPDATE SKIP
 * LOCKED, so two runs never send the same row at once; the row is marked delivered
 * only after a 2xx answer, and a failure records the attempt and a back-off before
 * the next run may try again. Delivery is therefore at least once: the body and the
 * X-Needlewatch-Delivery header carry the row's id for the receiver to de-duplicate
 * on, and X-Needlewatch-Signature is "sha256=" HMAC-SHA256(secret, body)
 * (webhook_sign.h). The secret is read from alerts_webhook_secret_file and never
 * printed. */
#include "alerts_deliver.h"
#include "util.h"
#include "ctl_db.h"
#include "https_client.h"
#include "webhook_sign.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SECRET_MAX 4096
#define SECRET_MIN 16 /* bytes: a shorter HMAC key is guessable */
#define ATTEMPTS_PER_RUN 3
#define BACKOFF_BASE_MS 500
#define BACKOFF_MAX_S 3600 /* between runs, after repeated failures */

static const char *const SQL_NEXT =
    "SELECT o.id, json_build_object('delivery_id', o.id, 'event', 'alert_opened',"
    " 'alert', json_build_object('id', a.id, 'rule', a.rule, 'kind', a.kind, 'level', a.level,"
    "  'premises_code', p.code, 'setting', a.setting, 'exposure', a.exposure,"
    "  'complication_group', a.complication_group, 'complication_type', a.complication_type,"
    "  'first_week', summary.iso_week(a.first_week), 'last_week', summary.iso_week(a.last_week),"
    "  'observed', a.observed, 'expected', a.expected, 'p_value', a.p_value, 'score', a.score,"
    "  'threshold', a.threshold, 'created_at', a.created_at))::text, o.attempts"
    " FROM needlewatch.alert_outbox o JOIN needlewatch.alerts a ON a.id = o.alert_id"
    " LEFT JOIN needlewatch.premises p ON p.id = a.premises_id"
    " WHERE o.delivered_at IS NULL AND o.next_attempt_at <= now()"
    "   AND (o.level = 'red' OR $1::boolean) AND o.id > $2::bigint"
    " ORDER BY o.id LIMIT 1 FOR UPDATE OF o SKIP LOCKED";

static const char *const SQL_DONE =
    "UPDATE needlewatch.alert_outbox SET delivered_at = now(), attempts = attempts + $2,"
    " last_status = $3, last_error = NULL WHERE id = $1";

/* The next run may try again after 2^attempts seconds, at most an hour. */
static const char *const SQL_FAILED =
    "UPDATE needlewatch.alert_outbox SET attempts = attempts + $2, last_status = $3,"
    " last_error = $4, next_attempt_at = now() + least(power(2, attempts + $2), $5) * interval '1 "
    "s'"
    " WHERE id = $1";

struct webhook {
	const char *url, *ca_file;
	char secret[SECRET_MAX];
	size_t secret_len;
};

static void store_option(void *state, int c, const char *arg)
{
	if (c == 'u')
		*(const char **)state = arg;
}

/* The secret file, whole, less one trailing newline. */
static int read_secret(const char *path, struct webhook *w)
{
	char *buf = NULL;
	size_t len = 0;
	/* At most SECRET_MAX - 1 bytes, as the message below says. */
	int r = util_read_file(path, sizeof(w->secret) - 1, 0, &buf, &len);
	if (r < 0 && r != -EFBIG)
		return ctl_fail(EX_NOINPUT,
				"alerts deliver: cannot read alerts_webhook_secret_file %s", path);
	bool too_long = r == -EFBIG;
	w->secret_len = too_long ? 0 : len;
	if (buf) {
		memcpy(w->secret, buf, len);
		explicit_bzero(buf, len);
	}
	free(buf);
	if (w->secret_len && w->secret[w->secret_len - 1] == '\n')
		w->secret_len--;
	if (too_long || w->secret_len < SECRET_MIN)
		return ctl_fail(EX_CONFIG,
				"alerts deliver: the webhook secret must be %d to %d bytes",
				SECRET_MIN, SECRET_MAX - 1);
	return 0;
}

static size_t discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* One POST; returns the HTTP status, or 0 with the transport error in err. */
static long post_once(const struct webhook *w, const char *body, const char *id, char *err,
		      size_t errlen)
{
	char sig[WEBHOOK_SIGNATURE_LEN], h1[128], h2[128], errbuf[CURL_ERROR_SIZE] = "";
	struct https_client_options o = {.ca_file = w->ca_file,
					 .connect_timeout_ms = 10000,
					 .timeout_ms = 30000,
					 .user_agent = "needlewatchctl/" CTL_VERSION};
	struct curl_slist *hs = NULL;
	long status = 0;
	CURL *e = curl_easy_init();
	if (!e || webhook_sign(w->secret, w->secret_len, body, strlen(body), sig)) {
		snprintf(err, errlen, "cannot sign the request");
		goto out;
	}
	snprintf(h1, sizeof(h1), "X-Needlewatch-Signature: %s", sig);
	snprintf(h2, sizeof(h2), "X-Needlewatch-Delivery: %s", id);
	hs = curl_slist_append(hs, "Content-Type: application/json");
	hs = curl_slist_append(hs, h1);
	hs = curl_slist_append(hs, h2);
	if (!hs || https_client_setup(e, &o) || curl_easy_setopt(e, CURLOPT_URL, w->url) ||
	    curl_easy_setopt(e, CURLOPT_HTTPHEADER, hs) ||
	    curl_easy_setopt(e, CURLOPT_POSTFIELDS, body) ||
	    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard) ||
	    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf)) {
		snprintf(err, errlen, "libcurl refused a required option");
		goto out;
	}
	CURLcode rc = curl_easy_perform(e);
	if (rc != CURLE_OK)
		snprintf(err, errlen, "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
	else
		curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	if (rc == CURLE_OK && (status < 200 || status >= 300))
		snprintf(err, errlen, "HTTP %ld", status);
out:
	https_client_headers_free(hs);
	curl_easy_cleanup(e);
	return status;
}

/* Up to ATTEMPTS_PER_RUN attempts with doubling waits, retrying transport errors
 * and 408, 429, 5xx only. Sets *ret_attempts; returns the last status. */
static long post_with_retries(const struct webhook *w, const char *body, const char *id,
			      int *ret_attempts, char *err, size_t errlen)
{
	long status = 0;
	int n = 0;
	while (n < ATTEMPTS_PER_RUN) {
		err[0] = '\0';
		status = post_once(w, body, id, err, errlen);
		n++;
		bool transient = status == 0 || status == 408 || status == 429 || status >= 500;
		if ((status >= 200 && status < 300) || !transient || n == ATTEMPTS_PER_RUN)
			break;
		sleep_ms((long)BACKOFF_BASE_MS << (n - 1));
	}
	*ret_attempts = n;
	return status;
}

/* Takes the next pending row after *last_id, sends it, records the outcome.
 * Returns 1 when a row was handled, 0 when none is left, or an exit code. */
static int deliver_next(struct ctl *ctl, const struct webhook *w, bool amber, long long *last_id,
			int *delivered, int *failed)
{
	char after[24], attempts[16], status_s[24], cap[16], err[256];
	PGresult *res = NULL;
	snprintf(after, sizeof(after), "%lld", *last_id);
	const char *p[2] = {amber ? "true" : "false", after};
	int rc = ctl_db_begin(ctl);
	if (!rc)
		rc = ctl_db_exec(ctl, SQL_NEXT, 2, p, &res);
	if (rc)
		return ctl_fail(rc, "alerts deliver: %s", ctl->err);
	if (PQntuples(res) == 0) {
		PQclear(res);
		return ctl_db_commit(ctl) ? ctl_fail(EX_UNAVAILABLE, "alerts deliver: %s", ctl->err)
					  : 0;
	}
	int n = 0;
	const char *id = PQgetvalue(res, 0, 0);
	*last_id = strtoll(id, NULL, 10);
	long status = post_with_retries(w, PQgetvalue(res, 0, 1), id, &n, err, sizeof(err));
	bool ok = status >= 200 && status < 300;
	snprintf(attempts, sizeof(attempts), "%d", n);
	snprintf(status_s, sizeof(status_s), "%ld", status);
	snprintf(cap, sizeof(cap), "%d", BACKOFF_MAX_S);
	const char *q[5] = {id, attempts, status ? status_s : NULL, err, cap};
	rc = ctl_db_exec(ctl, ok ? SQL_DONE : SQL_FAILED, ok ? 3 : 5, q, NULL);
	printf("alerts deliver: delivery %s %s after %d attempt%s%s%s\n", id,
	       ok ? "delivered" : "failed", n, n == 1 ? "" : "s", ok ? "" : ": ", ok ? "" : err);
	PQclear(res);
	if (rc || (rc = ctl_db_commit(ctl)))
		return ctl_fail(rc, "alerts deliver: %s", ctl->err);
	*(ok ? delivered : failed) += 1;
	return 1;
}

int alerts_deliver(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"url", required_argument, NULL, 'u'},
	    CTL_OPTION_HELP,
	    CTL_OPTION_END,
	};
	const char *url = NULL;
	int first = 0, delivered = 0, failed = 0;
	long long last_id = 0;
	int rc = ctl_parse_options("alerts deliver", argc, argv, opts, store_option, &url, &first);
	if (rc != CTL_CONTINUE)
		return rc;
	if (first < argc)
		return ctl_usage_error("alerts deliver", "unexpected argument '%s'", argv[first]);
	if ((rc = ctl_open(ctl)))
		return rc;
	struct webhook *w = calloc(1, sizeof(*w));
	if (!w)
		return ctl_fail(EX_OSERR, "alerts deliver: out of memory");
	w->url = url ? url : ctl->cfg.alerts_webhook_url;
	w->ca_file = ctl->cfg.alerts_webhook_ca_file;
	if (!w->url || strncmp(w->url, "https://", 8) != 0)
		rc = ctl_fail(EX_CONFIG, "alerts deliver: alerts_webhook_url (or --url) must be an "
					 "https:// URL");
	else if (!ctl->cfg.alerts_webhook_secret_file)
		rc = ctl_fail(EX_CONFIG, "alerts deliver: alerts_webhook_secret_file is not set");
	else if (!(rc = read_secret(ctl->cfg.alerts_webhook_secret_file, w)) &&
		 curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		rc = ctl_fail(EX_SOFTWARE, "alerts deliver: libcurl did not initialise");
	while (!rc && (rc = deliver_next(ctl, w, ctl->cfg.alerts_webhook_amber, &last_id,
					 &delivered, &failed)) == 1)
		rc = 0;
	explicit_bzero(w, sizeof(*w));
	free(w);
	curl_global_cleanup();
	if (rc)
		return rc;
	printf("alerts deliver: %d delivered, %d failed\n", delivered, failed);
	return failed ? EX_TEMPFAIL : 0;
}
