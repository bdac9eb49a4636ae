/* Delivery of export files over HTTPS: libcurl easy handle, multipart form,
 * retries with capped exponential backoff. */
#include "progress.h"
#include "deliver.h"
#include "https_client.h"
#include "retry.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef NW_VERSION
#define NW_VERSION "0.1.0"
#endif

/* Of an answer we keep only enough to quote in an error message. */
#define ANSWER_KEEP 512

int deliver_global_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -EIO;
}

void deliver_global_cleanup(void)
{
	curl_global_cleanup();
}

int deliver_check_url(const char *url, char *err, size_t errlen)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *user = NULL, *password = NULL;
	int r = -EINVAL;

	if (!u) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK) {
		snprintf(err, errlen, "not an absolute URL");
		goto out;
	}
	if (strcmp(scheme, "https") != 0) {
		snprintf(err, errlen, "only https:// URLs are accepted");
		goto out;
	}
	if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PASSWORD, &password, 0) == CURLUE_OK) {
		snprintf(err, errlen,
			 "the URL must not hold a user name or password; "
			 "use --deliver-token-file");
		goto out;
	}
	r = 0;
out:
	curl_free(scheme);
	curl_free(user);
	curl_free(password);
	curl_url_cleanup(u);
	return r;
}

struct answer {
	char text[ANSWER_KEEP];
	size_t len;
};

static size_t on_answer(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct answer *a = userdata;
	size_t n = size * nmemb;
	size_t keep = n < sizeof(a->text) - 1 - a->len ? n : sizeof(a->text) - 1 - a->len;
	memcpy(a->text + a->len, ptr, keep);
	a->len += keep;
	a->text[a->len] = '\0';
	return n;
}

/* The manifest part: what the receiver can check the files against. */
static char *manifest(const char *week, const struct deliver_file *files, size_t n)
{
	cJSON *m = cJSON_CreateObject();
	cJSON *list = cJSON_AddArrayToObject(m, "files");
	char *text = NULL;
	if (!list || !cJSON_AddStringToObject(m, "week", week))
		goto out;
	for (size_t i = 0; i < n; i++) {
		cJSON *f = cJSON_CreateObject();
		cJSON_AddItemToArray(list, f);
		if (!f || !cJSON_AddStringToObject(f, "part", files[i].part) ||
		    !cJSON_AddStringToObject(f, "name", files[i].name) ||
		    !cJSON_AddStringToObject(f, "content_type", files[i].content_type) ||
		    !cJSON_AddNumberToObject(f, "bytes", (double)files[i].bytes) ||
		    !cJSON_AddStringToObject(f, "sha256", files[i].sha256))
			goto out;
	}
	text = cJSON_PrintUnformatted(m);
out:
	cJSON_Delete(m);
	return text;
}

static curl_mime *build_form(CURL *e, const char *week, const char *man,
			     const struct deliver_file *files, size_t n)
{
	curl_mime *form = curl_mime_init(e);
	curl_mimepart *p;
	int bad = !form;

	if (!bad) {
		p = curl_mime_addpart(form);
		bad |= !p || curl_mime_name(p, "week") != CURLE_OK ||
		       curl_mime_data(p, week, CURL_ZERO_TERMINATED) != CURLE_OK;
		p = curl_mime_addpart(form);
		bad |= !p || curl_mime_name(p, "manifest") != CURLE_OK ||
		       curl_mime_type(p, "application/json") != CURLE_OK ||
		       curl_mime_data(p, man, CURL_ZERO_TERMINATED) != CURLE_OK;
	}
	for (size_t i = 0; !bad && i < n; i++) {
		p = curl_mime_addpart(form);
		bad |= !p || curl_mime_name(p, files[i].part) != CURLE_OK ||
		       curl_mime_filedata(p, files[i].path) != CURLE_OK ||
		       curl_mime_filename(p, files[i].name) != CURLE_OK ||
		       curl_mime_type(p, files[i].content_type) != CURLE_OK;
	}
	if (bad) {
		curl_mime_free(form);
		return NULL;
	}
	return form;
}

/* The options of every attempt: the shared safe set, then this request's. */
static int setup(CURL *e, const struct deliver_config *c, struct curl_slist *headers,
		 curl_mime *form, struct answer *a, char *errbuf)
{
	const struct https_client_options o = {
	    .ca_file = c->ca_file,
	    .connect_timeout_ms = c->connect_timeout_ms,
	    .timeout_ms = c->timeout_ms,
	    .user_agent = "needlewatchctl/" NW_VERSION,
	};
	int bad = https_client_setup(e, &o) < 0;

	bad |= curl_easy_setopt(e, CURLOPT_URL, c->url) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_MIMEPOST, form) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_answer) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_WRITEDATA, a) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf) != CURLE_OK;
	return bad ? -EINVAL : 0;
}

static struct curl_slist *request_headers(const char *token)
{
	struct curl_slist *l = NULL, *n;
	char *auth = NULL;
	if (token && asprintf(&auth, "Authorization: Bearer %s", token) < 0)
		return NULL;
	/* No 100-continue round trip: the files are small. */
	const char *lines[] = {"Expect:", "Accept: application/json, text/plain", auth};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]) && lines[i]; i++) {
		n = curl_slist_append(l, lines[i]);
		if (!n) {
			https_client_headers_free(l);
			l = NULL;
			break;
		}
		l = n;
	}
	if (auth) {
		explicit_bzero(auth, strlen(auth));
		free(auth);
	}
	return l;
}

enum outcome { DELIVERED, TRANSIENT, ACCESS, REFUSED, LOCAL };

static enum outcome classify(CURLcode c)
{
	switch (c) {
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_READ_ERROR:
	case CURLE_OUT_OF_MEMORY:
	case CURLE_BAD_FUNCTION_ARGUMENT:
	case CURLE_NOT_BUILT_IN:
		return LOCAL;
	default:
		return TRANSIENT;
	}
}

/* The start of an answer body, fit for one line of a log or terminal. */
static void quote_answer(const struct answer *a, char *out, size_t outlen)
{
	size_t o = 0;
	for (size_t i = 0; i < a->len && o + 1 < outlen && o < 160; i++) {
		unsigned char ch = (unsigned char)a->text[i];
		out[o++] = ch < 0x20 || ch == 0x7f ? ' ' : (char)ch;
	}
	out[o] = '\0';
}

static enum outcome attempt(CURL *e, struct answer *a, char *errbuf, struct deliver_result *ret,
			    long *ret_retry_after)
{
	long status = 0;
	curl_off_t retry_after = 0;
	char body[200];

	a->len = 0;
	a->text[0] = '\0';
	errbuf[0] = '\0';
	*ret_retry_after = 0;
	CURLcode rc = curl_easy_perform(e);
	ret->attempts++;
	ret->http_status = 0;
	if (rc != CURLE_OK) {
		snprintf(ret->error, sizeof(ret->error), "%s",
			 errbuf[0] ? errbuf : curl_easy_strerror(rc));
		return classify(rc);
	}
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(e, CURLINFO_RETRY_AFTER, &retry_after);
	ret->http_status = status;
	if (status >= 200 && status < 300) {
		ret->error[0] = '\0';
		return DELIVERED;
	}
	quote_answer(a, body, sizeof(body));
	snprintf(ret->error, sizeof(ret->error), "HTTP %ld%s%s", status, body[0] ? ": " : "", body);
	*ret_retry_after = retry_after > 0 ? (long)retry_after : 0;
	if (retry_status_is_transient(status))
		return TRANSIENT;
	return status == 401 || status == 403 ? ACCESS : REFUSED;
}

static void sleep_ms(uint32_t ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int attempts_loop(CURL *e, const struct deliver_config *c, struct answer *a, char *errbuf,
			 struct deliver_result *ret)
{
	for (;;) {
		long retry_after;
		switch (attempt(e, a, errbuf, ret, &retry_after)) {
		case DELIVERED:
			return 0;
		case ACCESS:
			return -EACCES;
		case REFUSED:
			return -EPROTO;
		case LOCAL:
			return -EINVAL;
		case TRANSIENT:
			break;
		}
		if (ret->attempts >= c->max_attempts)
			return -EAGAIN;
		uint32_t wait = retry_backoff_ms(&c->backoff, ret->attempts, retry_after);
		progress_note(c->progress, "attempt %u of %u failed (%s); next in %.1f s",
			      ret->attempts, c->max_attempts,
			      ret->error[0] ? ret->error : "no answer", wait / 1000.0);
		sleep_ms(wait);
	}
}

int deliver_send(const struct deliver_config *c, const char *week, const struct deliver_file *files,
		 size_t n, struct deliver_result *ret)
{
	struct answer a = {.len = 0};
	char errbuf[CURL_ERROR_SIZE];
	struct curl_slist *headers = NULL;
	curl_mime *form = NULL;
	char *man = NULL;
	int r = -ENOMEM;

	memset(ret, 0, sizeof(*ret));
	CURL *e = curl_easy_init();
	if (!e || !(headers = request_headers(c->token)) || !(man = manifest(week, files, n)) ||
	    !(form = build_form(e, week, man, files, n))) {
		snprintf(ret->error, sizeof(ret->error), "out of memory");
		goto out;
	}
	if (setup(e, c, headers, form, &a, errbuf) < 0) {
		snprintf(ret->error, sizeof(ret->error),
			 "libcurl refused a required option (https only, TLS 1.2, verification "
			 "or timeouts)");
		r = -EINVAL;
		goto out;
	}
	r = attempts_loop(e, c, &a, errbuf, ret);
out:
	curl_mime_free(form);
	https_client_headers_free(headers);
	cJSON_free(man);
	curl_easy_cleanup(e);
	return r;
}
