/* Transport: libcurl multi with one reusable easy handle per parallel slot.
 *
 * A slot is free, busy (added to the multi handle) or done (finished, its
 * result waiting for transport_take()). Finished transfers are collected
 * right after each curl_multi_perform(), so transport_poll() never sleeps
 * while a result is already waiting. */
#include "transport.h"
#include "https_client.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef NW_VERSION
#define NW_VERSION "0.1.0"
#endif

/* Far above any answer of ours (a 1,000-item batch answer is ~100 KiB):
 * beyond it the start is kept, for failed/, and the rest dropped. */
#define ANSWER_MAX_BYTES (4u * 1024 * 1024)

struct slot {
	CURL *easy;
	bool busy; /* added to the multi handle */
	bool done; /* finished; result not yet taken */
	CURLcode result;
	void *user;
	char *body; /* the request body, owned */
	struct curl_slist *headers;
	char *answer;
	size_t answer_len, answer_cap;
	char errbuf[CURL_ERROR_SIZE];
};

struct transport {
	struct transport_config cfg;
	CURLM *multi;
	struct slot slots[TRANSPORT_MAX_PARALLEL];
	unsigned busy;
	char *auth; /* "Authorization: Bearer <token>", wiped when replaced */
};

int transport_global_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -EIO;
}

void transport_global_cleanup(void)
{
	curl_global_cleanup();
}

static void wipe_free(char *s)
{
	if (!s)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

static size_t on_answer_data(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct slot *s = userdata;
	size_t n = size * nmemb, keep = n;

	if (s->answer_len + keep > ANSWER_MAX_BYTES)
		keep = ANSWER_MAX_BYTES - s->answer_len;
	if (!keep)
		return n;
	if (s->answer_len + keep + 1 > s->answer_cap) {
		size_t cap = s->answer_cap ? s->answer_cap : 4096;
		while (cap < s->answer_len + keep + 1)
			cap *= 2;
		char *p = realloc(s->answer, cap);
		if (!p)
			return 0; /* CURLE_WRITE_ERROR: a transient failure */
		s->answer = p;
		s->answer_cap = cap;
	}
	memcpy(s->answer + s->answer_len, ptr, keep);
	s->answer_len += keep;
	s->answer[s->answer_len] = '\0';
	return n;
}

/* The options every transfer of a slot shares: the shared safe set, then
 * this program's (kept-alive connections, POST, the answer's collection). */
static int slot_setup(struct slot *s, const struct transport_config *cfg)
{
	const struct https_client_options o = {
	    .ca_file = cfg->ca_file,
	    .cert_file = cfg->cert_file,
	    .key_file = cfg->key_file,
	    .connect_timeout_ms = cfg->connect_timeout_ms,
	    .timeout_ms = cfg->timeout_ms,
	    .user_agent = "needlewatch-upload/" NW_VERSION,
	};
	CURL *e = s->easy;
	int bad = https_client_setup(e, &o) < 0;

	bad |= curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_POST, 1L) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_answer_data) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_WRITEDATA, s) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_PRIVATE, s) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_ERRORBUFFER, s->errbuf) != CURLE_OK;
	return bad ? -EINVAL : 0;
}

struct transport *transport_new(const struct transport_config *cfg, char *err, size_t errlen)
{
	struct transport *t = calloc(1, sizeof(*t));

	if (!t) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	t->cfg = *cfg;
	if (t->cfg.parallel < 1 || t->cfg.parallel > TRANSPORT_MAX_PARALLEL)
		t->cfg.parallel = 1;
	t->multi = curl_multi_init();
	if (!t->multi) {
		snprintf(err, errlen, "curl_multi_init failed");
		goto fail;
	}
	curl_multi_setopt(t->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)t->cfg.parallel);
	curl_multi_setopt(t->multi, CURLMOPT_MAXCONNECTS, (long)t->cfg.parallel);
	for (unsigned i = 0; i < t->cfg.parallel; i++) {
		struct slot *s = &t->slots[i];
		s->easy = curl_easy_init();
		if (!s->easy || slot_setup(s, &t->cfg) < 0) {
			snprintf(err, errlen,
				 "libcurl refused a required option (TLS 1.2, "
				 "verification, timeouts or https-only)");
			goto fail;
		}
	}
	return t;
fail:
	transport_free(t);
	return NULL;
}

static void slot_release(struct transport *t, struct slot *s)
{
	if (s->busy) {
		curl_multi_remove_handle(t->multi, s->easy);
		s->busy = false;
		t->busy--;
	}
	https_client_headers_free(s->headers);
	s->headers = NULL;
	free(s->body);
	s->body = NULL;
	free(s->answer);
	s->answer = NULL;
	s->answer_len = s->answer_cap = 0;
	s->done = false;
	s->user = NULL;
}

void transport_free(struct transport *t)
{
	if (!t)
		return;
	for (unsigned i = 0; i < TRANSPORT_MAX_PARALLEL; i++) {
		if (!t->slots[i].easy)
			continue;
		slot_release(t, &t->slots[i]);
		curl_easy_cleanup(t->slots[i].easy);
	}
	if (t->multi)
		curl_multi_cleanup(t->multi);
	wipe_free(t->auth);
	free(t);
}

int transport_set_token(struct transport *t, const char *token)
{
	static const char prefix[] = "Authorization: Bearer ";
	size_t n = strlen(token);
	char *h = malloc(sizeof(prefix) + n);

	if (!h)
		return -ENOMEM;
	memcpy(h, prefix, sizeof(prefix) - 1);
	memcpy(h + sizeof(prefix) - 1, token, n + 1);
	wipe_free(t->auth);
	t->auth = h;
	return 0;
}

unsigned transport_in_flight(const struct transport *t)
{
	return t->busy;
}

bool transport_has_room(const struct transport *t)
{
	return t->busy < t->cfg.parallel;
}

static struct slot *slot_free(struct transport *t)
{
	for (unsigned i = 0; i < t->cfg.parallel; i++)
		if (!t->slots[i].busy && !t->slots[i].done)
			return &t->slots[i];
	return NULL;
}

static struct curl_slist *request_headers(const struct transport *t, const char *content_type)
{
	char ct[128];
	struct curl_slist *l = NULL, *n;

	snprintf(ct, sizeof(ct), "Content-Type: %s", content_type);
	const char *lines[] = {t->auth, ct, "Accept: application/json, application/problem+json",
			       /* no 100-continue round trip: the server reads bodies whole */
			       "Expect:"};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		n = curl_slist_append(l, lines[i]);
		if (!n) {
			https_client_headers_free(l);
			return NULL;
		}
		l = n;
	}
	return l;
}

int transport_start(struct transport *t, const char *path, const char *content_type, char *body,
		    size_t len, void *user)
{
	struct slot *s = slot_free(t);
	char *url = NULL;
	int r = -ENOMEM;

	if (!s || !t->auth) {
		free(body);
		return s ? -EINVAL : -EBUSY;
	}
	s->body = body;
	s->headers = request_headers(t, content_type);
	if (!s->headers || asprintf(&url, "%s%s", t->cfg.base_url, path) < 0)
		goto fail;
	s->errbuf[0] = '\0';
	r = -EIO;
	if (curl_easy_setopt(s->easy, CURLOPT_URL, url) != CURLE_OK ||
	    curl_easy_setopt(s->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len) != CURLE_OK ||
	    curl_easy_setopt(s->easy, CURLOPT_POSTFIELDS, body ? body : "") != CURLE_OK ||
	    curl_easy_setopt(s->easy, CURLOPT_HTTPHEADER, s->headers) != CURLE_OK ||
	    curl_multi_add_handle(t->multi, s->easy) != CURLM_OK)
		goto fail;
	free(url);
	s->user = user;
	s->busy = true;
	t->busy++;
	return 0;
fail:
	free(url);
	slot_release(t, s);
	return r;
}

/* Marks the transfers libcurl reports finished as done. */
static void collect_finished(struct transport *t)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(t->multi, &left))) {
		struct slot *s = NULL;
		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&s);
		if (!s)
			continue;
		s->result = m->data.result;
		s->done = true;
	}
}

static bool any_done(const struct transport *t)
{
	for (unsigned i = 0; i < t->cfg.parallel; i++)
		if (t->slots[i].done)
			return true;
	return false;
}

int transport_poll(struct transport *t, int extra_fd, int timeout_ms, bool *ret_extra_ready)
{
	struct curl_waitfd w = {.fd = extra_fd, .events = CURL_WAIT_POLLIN};
	int running, numfds;

	*ret_extra_ready = false;
	if (curl_multi_perform(t->multi, &running) != CURLM_OK)
		return -EIO;
	collect_finished(t);
	if (any_done(t))
		timeout_ms = 0;
	if (curl_multi_poll(t->multi, extra_fd >= 0 ? &w : NULL, extra_fd >= 0 ? 1 : 0, timeout_ms,
			    &numfds) != CURLM_OK)
		return -EIO;
	*ret_extra_ready = extra_fd >= 0 && (w.revents & CURL_WAIT_POLLIN);
	if (curl_multi_perform(t->multi, &running) != CURLM_OK)
		return -EIO;
	collect_finished(t);
	return 0;
}

static enum transport_outcome classify(CURLcode c)
{
	switch (c) {
	case CURLE_OK:
		return TRANSPORT_ANSWERED;
	case CURLE_PEER_FAILED_VERIFICATION:
		return TRANSPORT_TLS;
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_OUT_OF_MEMORY:
	case CURLE_BAD_FUNCTION_ARGUMENT:
	case CURLE_NOT_BUILT_IN:
		return TRANSPORT_FATAL;
	default:
		return TRANSPORT_TRANSIENT;
	}
}

static void fill_result(struct slot *s, struct transport_result *r)
{
	long status = 0;
	curl_off_t retry_after = 0;
	double seconds = 0;

	memset(r, 0, sizeof(*r));
	r->user = s->user;
	r->outcome = classify(s->result);
	curl_easy_getinfo(s->easy, CURLINFO_TOTAL_TIME, &seconds);
	r->seconds = seconds;
	if (r->outcome == TRANSPORT_ANSWERED) {
		curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &status);
		curl_easy_getinfo(s->easy, CURLINFO_RETRY_AFTER, &retry_after);
		r->status = status;
		r->retry_after_s = retry_after > 0 ? (long)retry_after : 0;
		r->body = s->answer;
		r->body_len = s->answer_len;
		s->answer = NULL; /* ownership passes to the result */
		if (status <= 0)
			r->outcome = TRANSPORT_TRANSIENT;
		return;
	}
	snprintf(r->error, sizeof(r->error), "%s",
		 s->errbuf[0] ? s->errbuf : curl_easy_strerror(s->result));
}

int transport_take(struct transport *t, struct transport_result *ret)
{
	for (unsigned i = 0; i < t->cfg.parallel; i++) {
		struct slot *s = &t->slots[i];
		if (!s->done)
			continue;
		fill_result(s, ret);
		slot_release(t, s);
		return 1;
	}
	return 0;
}

void transport_result_clear(struct transport_result *r)
{
	free(r->body);
	r->body = NULL;
	r->body_len = 0;
}

void transport_abort(struct transport *t, void (*fn)(void *user, void *ctx), void *ctx)
{
	for (unsigned i = 0; i < t->cfg.parallel; i++) {
		struct slot *s = &t->slots[i];
		if (!s->busy && !s->done)
			continue;
		if (fn)
			fn(s->user, ctx);
		slot_release(t, s);
	}
}
