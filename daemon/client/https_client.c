/* HTTPS client set-up: libcurl's security-relevant options, each checked. */
#include "https_client.h"

#include <assert.h>
#include <errno.h>
#include <string.h>

int https_client_setup(CURL *e, const struct https_client_options *o)
{
	int bad = 0;

	assert(e && o && o->user_agent);
	/* libcurl reads 0 as "no timeout": refuse it rather than hang. */
	if (o->connect_timeout_ms <= 0 || o->timeout_ms <= 0)
		return -EINVAL;
	/* Timeouts without signals: SIGALRM would hit the whole process. */
	bad |= curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https") != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2) != CURLE_OK;
	if (o->ca_file)
		bad |= curl_easy_setopt(e, CURLOPT_CAINFO, o->ca_file) != CURLE_OK;
	if (!o->cert_file != !o->key_file)
		return -EINVAL;
	if (o->cert_file) {
		bad |= curl_easy_setopt(e, CURLOPT_SSLCERTTYPE, "PEM") != CURLE_OK;
		bad |= curl_easy_setopt(e, CURLOPT_SSLCERT, o->cert_file) != CURLE_OK;
		bad |= curl_easy_setopt(e, CURLOPT_SSLKEYTYPE, "PEM") != CURLE_OK;
		bad |= curl_easy_setopt(e, CURLOPT_SSLKEY, o->key_file) != CURLE_OK;
	}
	bad |= curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, o->timeout_ms) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_USERAGENT, o->user_agent) != CURLE_OK;
	return bad ? -EINVAL : 0;
}

void https_client_headers_free(struct curl_slist *list)
{
	for (struct curl_slist *p = list; p; p = p->next)
		explicit_bzero(p->data, strlen(p->data));
	curl_slist_free_all(list);
}
