/* `needlewatch-upload status`: one GET /v1/premises/me, printed for a person.
 *
 * A single blocking transfer (libcurl easy interface) with the same safety
 * options as every other HTTPS client of ours (https_client.c); the token is
 * read from its file, sent once and wiped. Refused reports are not stored by
 * the server, so the only honest count of them is local: with --spool, the
 * files in DIR/failed/ (each beside its NAME.problem.json answer). */
#include "status.h"
#include "credential.h"
#include "https_client.h"

#include <assert.h>
#include <cJSON.h>
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#ifndef NW_VERSION
#define NW_VERSION "0.1.0"
#endif
#define PROGRAM "needlewatch-upload status"
#define ROUTE "/v1/premises/me"
/* An answer lists at most 100 reports of each kind: far below this. */
#define MAX_ANSWER_BYTES (4 * 1024 * 1024)
#define PROBLEM_SUFFIX ".problem.json"

struct status_options {
	const char *url, *token_file, *ca_file, *spool;
	bool json;
	long connect_timeout_ms, timeout_ms;
};

struct answer {
	char *data;
	size_t len;
	bool too_big;
};

static void usage(FILE *out)
{
	fputs("usage: needlewatch-upload status --url URL --token-file FILE [--ca-file FILE]\n"
	      "                                [--spool DIR] [--json]\n"
	      "\n"
	      "Asks the server what this premises has not sent or must still look at\n"
	      "(GET " ROUTE "): weeks of the last 13 without activity, reports awaiting\n"
	      "vocabulary review, cases due a follow-up, and the last upload received.\n"
	      "\n"
	      "  --spool DIR   also count the files the server refused (DIR/failed/)\n"
	      "  --json        print the server's answer as it came\n"
	      "  --connect-timeout SECONDS, --timeout SECONDS  (default 10 and 60)\n",
	      out);
}

static int parse_timeout(const char *s, long *ret_ms)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end || !(v >= 0.1 && v <= 3600))
		return -EINVAL;
	*ret_ms = (long)(v * 1000 + 0.5);
	return 0;
}

/* 0 to run, else the exit code (EX_OK after --help). */
static int parse_status_options(int argc, char **argv, struct status_options *o)
{
	enum { O_URL = 0x100, O_TOKEN, O_CA, O_SPOOL, O_JSON, O_CONNECT, O_TIMEOUT };
	static const struct option longopts[] = {
	    {"url", required_argument, NULL, O_URL},
	    {"token-file", required_argument, NULL, O_TOKEN},
	    {"ca-file", required_argument, NULL, O_CA},
	    {"spool", required_argument, NULL, O_SPOOL},
	    {"json", no_argument, NULL, O_JSON},
	    {"connect-timeout", required_argument, NULL, O_CONNECT},
	    {"timeout", required_argument, NULL, O_TIMEOUT},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c, bad = 0;

	while (!bad && (c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return EX_OK;
		}
		if (c == O_URL)
			o->url = optarg;
		else if (c == O_TOKEN)
			o->token_file = optarg;
		else if (c == O_CA)
			o->ca_file = optarg;
		else if (c == O_SPOOL)
			o->spool = optarg;
		else if (c == O_JSON)
			o->json = true;
		else if (c == O_CONNECT)
			bad = parse_timeout(optarg, &o->connect_timeout_ms) < 0;
		else if (c == O_TIMEOUT)
			bad = parse_timeout(optarg, &o->timeout_ms) < 0;
		else
			bad = 1;
	}
	if (!bad && optind == argc && o->url && o->token_file &&
	    strncasecmp(o->url, "https://", 8) == 0 && !strpbrk(o->url, " \t\r\n?#"))
		return 0;
	fputs(PROGRAM ": --url https://... and --token-file FILE are required, no other "
		      "argument\nTry 'needlewatch-upload status --help'.\n",
	      stderr);
	return EX_USAGE;
}

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct answer *a = userdata;
	size_t n = size * nmemb;

	if (a->len + n > MAX_ANSWER_BYTES) {
		a->too_big = true;
		return 0;
	}
	char *d = realloc(a->data, a->len + n + 1);
	if (!d)
		return 0;
	memcpy(d + a->len, ptr, n);
	a->data = d;
	a->len += n;
	a->data[a->len] = '\0';
	return n;
}

/* base URL (trailing slashes dropped) + ROUTE, malloc'd. */
static char *route_url(const char *base)
{
	size_t n;
	char *url;

	assert(base);
	n = strlen(base);

	while (n > 8 && base[n - 1] == '/')
		n--;
	return asprintf(&url, "%.*s%s", (int)n, base, ROUTE) < 0 ? NULL : url;
}

/* The GET itself. 0 with *ret_status set (a, filled), or an exit code with
 * the reason on stderr. */
static int fetch(const struct status_options *o, const char *token, struct answer *a,
		 long *ret_status)
{
	const struct https_client_options ho = {.ca_file = o->ca_file,
						.connect_timeout_ms = o->connect_timeout_ms,
						.timeout_ms = o->timeout_ms,
						.user_agent = "needlewatch-upload/" NW_VERSION};
	char errbuf[CURL_ERROR_SIZE] = "", *url = route_url(o->url), *auth = NULL;
	struct curl_slist *headers = NULL;
	CURL *e = curl_easy_init();
	int rc = EX_OSERR;

	if (!e || !url || asprintf(&auth, "Authorization: Bearer %s", token) < 0) {
		auth = NULL;
		goto out;
	}
	headers = curl_slist_append(NULL, auth);
	if (!headers || https_client_setup(e, &ho) < 0 ||
	    curl_easy_setopt(e, CURLOPT_URL, url) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_WRITEDATA, a) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf) != CURLE_OK) {
		rc = EX_SOFTWARE;
		goto out;
	}
	CURLcode cc = curl_easy_perform(e);
	if (cc != CURLE_OK) {
		fprintf(stderr, PROGRAM ": %s: %s\n", url,
			errbuf[0] ? errbuf : curl_easy_strerror(cc));
		rc = cc == CURLE_PEER_FAILED_VERIFICATION || cc == CURLE_SSL_CACERT_BADFILE ||
			     cc == CURLE_URL_MALFORMAT
			 ? EX_CONFIG
		     : a->too_big ? EX_PROTOCOL
				  : EX_TEMPFAIL;
		goto out;
	}
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, ret_status);
	rc = 0;
out:
	if (auth) {
		explicit_bzero(auth, strlen(auth));
		free(auth);
	}
	https_client_headers_free(headers);
	curl_easy_cleanup(e);
	free(url);
	return rc;
}

/* Files in spool/failed/ that carry the server's refusal beside them. */
static long count_failed(const char *spool)
{
	char path[4096];
	long n = 0;

	if (snprintf(path, sizeof(path), "%s/failed", spool) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	DIR *d = opendir(path);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	for (struct dirent *de; (de = readdir(d));) {
		size_t len = strlen(de->d_name), s = sizeof(PROBLEM_SUFFIX) - 1;
		n += len > s && strcmp(de->d_name + len - s, PROBLEM_SUFFIX) == 0;
	}
	closedir(d);
	return n;
}

/* The string member key of o, or otherwise when it is absent or not a string. */
static const char *str(const cJSON *o, const char *key, const char *otherwise)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : otherwise;
}

static double num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

static const cJSON *obj(const cJSON *o, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(o, key);
}

static void print_weeks(FILE *out, const cJSON *doc)
{
	const cJSON *checked = obj(doc, "weeks_checked");
	const cJSON *missing = obj(doc, "weeks_without_activity"), *w;

	fprintf(out, "weeks without activity (%s to %s): %d of %.0f\n", str(checked, "from", "?"),
		str(checked, "to", "?"), cJSON_GetArraySize(missing), num(checked, "count"));
	cJSON_ArrayForEach(w, missing)
	{
		if (cJSON_IsString(w))
			fprintf(out, "  %s\n", w->valuestring);
	}
}

static void print_review(FILE *out, const cJSON *doc)
{
	const cJSON *review = obj(doc, "awaiting_review"), *r, *w;

	fprintf(out, "reports awaiting vocabulary review: %.0f\n", num(review, "count"));
	cJSON_ArrayForEach(r, obj(review, "reports"))
	{
		fprintf(out, "  report %.0f (%s, version %.0f, received %s)\n", num(r, "id"),
			str(r, "client_ref", "?"), num(r, "version"), str(r, "received_at", "?"));
		cJSON_ArrayForEach(w, obj(r, "warnings"))
		{
			fprintf(out, "    %s: %s\n", str(w, "field", "?"), str(w, "message", "?"));
		}
	}
}

static void print_refused(FILE *out, const cJSON *doc, const char *spool, long failed)
{
	const cJSON *refused = obj(doc, "refused");

	if (cJSON_IsNumber(obj(refused, "count")))
		fprintf(out, "reports refused by the server: %.0f\n", num(refused, "count"));
	else
		fputs("reports refused by the server: not counted by the server (refused reports "
		      "are not stored)\n",
		      out);
	if (spool && failed >= 0)
		fprintf(out, "  files refused, in %s/failed/: %ld\n", spool, failed);
	else if (spool)
		fprintf(out, "  %s/failed/ could not be read: %s\n", spool, strerror((int)-failed));
}

static void print_follow_up(FILE *out, const cJSON *doc)
{
	const cJSON *due = obj(doc, "follow_up_due"), *r, *o;

	fprintf(out,
		"follow-up due (outcome ongoing or recovering more than %.0f days after the "
		"procedure): %.0f\n",
		num(due, "after_days"), num(due, "count"));
	cJSON_ArrayForEach(r, obj(due, "reports"))
	{
		fprintf(out,
			"  report %.0f (%s, version %.0f): procedure %s, %.0f days ago, outcome",
			num(r, "id"), str(r, "client_ref", "?"), num(r, "version"),
			str(r, "procedure_date", "?"), num(r, "days_since_procedure"));
		cJSON_ArrayForEach(o, obj(r, "outcomes"))
		{
			if (cJSON_IsString(o))
				fprintf(out, " %s", o->valuestring);
		}
		fputc('\n', out);
	}
}

static int print_status(FILE *out, const char *text, size_t len, const char *spool, long failed)
{
	cJSON *doc = cJSON_ParseWithLength(text, len);
	const cJSON *p = obj(doc, "premises");

	if (!cJSON_IsObject(p) || !cJSON_IsArray(obj(doc, "weeks_without_activity"))) {
		cJSON_Delete(doc);
		return -EBADMSG;
	}
	fprintf(out, "premises: %s (%s, %s)\nas of: %s (UTC)\n", str(p, "name", "?"),
		str(p, "code", "?"), str(p, "setting", "?"), str(doc, "as_of", "?"));
	print_weeks(out, doc);
	print_review(out, doc);
	print_refused(out, doc, spool, failed);
	print_follow_up(out, doc);
	fprintf(out, "last upload received: %s (report %s, activity %s)\n",
		str(doc, "last_upload_at", "never"), str(doc, "last_report_at", "never"),
		str(doc, "last_activity_at", "never"));
	cJSON_Delete(doc);
	return 0;
}

/* What an HTTP status other than 200 means for the exit code. */
static int refusal(long status, const struct answer *a)
{
	fprintf(stderr, PROGRAM ": the server answered %ld: %.300s\n", status,
		a->data ? a->data : "");
	if (status == 401 || status == 403)
		return EX_NOPERM;
	if (status == 404 || status == 405 || (status >= 300 && status < 400))
		return EX_CONFIG;
	return status == 429 || status >= 500 ? EX_TEMPFAIL : EX_PROTOCOL;
}

int status_main(int argc, char **argv)
{
	struct status_options o = {.connect_timeout_ms = 10000, .timeout_ms = 60000};
	struct answer a = {NULL, 0, false};
	char err[512], *token = NULL;
	long http = 0;
	int rc = parse_status_options(argc, argv, &o);

	if (rc)
		return rc;
	if (credential_read(o.token_file, &token, err, sizeof(err)) < 0) {
		fprintf(stderr, PROGRAM ": %s\n", err);
		return EX_CONFIG;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		credential_free(token);
		return EX_OSERR;
	}
	rc = fetch(&o, token, &a, &http);
	credential_free(token);
	if (rc == 0 && http != 200)
		rc = refusal(http, &a);
	else if (rc == 0 && o.json)
		fwrite(a.data ? a.data : "", 1, a.len, stdout);
	else if (rc == 0 && print_status(stdout, a.data ? a.data : "", a.len, o.spool,
					 o.spool ? count_failed(o.spool) : 0) < 0) {
		fputs(PROGRAM ": the server's answer is not a premises status\n", stderr);
		rc = EX_PROTOCOL;
	}
	free(a.data);
	curl_global_cleanup();
	return rc;
}
