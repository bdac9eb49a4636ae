/* A regulator's inbox, for the export delivery tests: an HTTPS server on
 * 127.0.0.1 that takes the multipart POST `needlewatchctl export --deliver`
 * sends, checks every file against the manifest's SHA-256 and stores it.
 *
 *   export_receiver --port P --cert PEM --key PEM --dir DIR [--token-file F]
 *                   [--fail-first N] [--fail-status S] [--lifetime SECONDS]
 *
 * The first N POSTs are answered S (default 503) with Retry-After: 1, after
 * the body was read, to exercise the sender's retries. One line per request
 * goes to stdout: "request=3 status=201 week=2024-W10 files=3". It exits by
 * itself after --lifetime seconds (default 60), or on SIGTERM/SIGINT. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <gnutls/crypto.h>
#include <microhttpd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "receiver.h"

#define BODY_MAX (16u * 1024 * 1024)
#define MAX_PARTS 8
#define PEM_MAX (64 * 1024)

struct part {
	char name[32];
	char filename[128];
	char *data;
	size_t len, cap;
};

struct upload {
	struct MHD_PostProcessor *pp;
	struct part parts[MAX_PARTS];
	size_t n_parts;
	size_t total;
	bool too_big;
};

static struct {
	const char *dir;
	char token[512]; /* expected bearer token, "" for none */
	unsigned fail_first;
	unsigned fail_status;
	unsigned requests;
} opt = {.fail_status = 503};

static struct part *part_for(struct upload *u, const char *key, const char *filename)
{
	for (size_t i = 0; i < u->n_parts; i++)
		if (strcmp(u->parts[i].name, key) == 0)
			return &u->parts[i];
	if (u->n_parts == MAX_PARTS)
		return NULL;
	struct part *p = &u->parts[u->n_parts++];
	snprintf(p->name, sizeof(p->name), "%s", key);
	snprintf(p->filename, sizeof(p->filename), "%s", filename ? filename : "");
	return p;
}

static enum MHD_Result on_part(void *cls, enum MHD_ValueKind kind, const char *key,
			       const char *filename, const char *content_type,
			       const char *transfer_encoding, const char *data, uint64_t off,
			       size_t size)
{
	struct upload *u = cls;
	(void)kind, (void)content_type, (void)transfer_encoding, (void)off;
	struct part *p = part_for(u, key, filename);
	if (!p || u->total + size > BODY_MAX) {
		u->too_big = true;
		return MHD_NO;
	}
	if (p->len + size + 1 > p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 4096;
		while (cap < p->len + size + 1)
			cap *= 2;
		char *n = realloc(p->data, cap);
		if (!n)
			return MHD_NO;
		p->data = n;
		p->cap = cap;
	}
	memcpy(p->data + p->len, data, size);
	p->len += size;
	p->data[p->len] = '\0';
	u->total += size;
	return MHD_YES;
}

static enum MHD_Result respond(struct MHD_Connection *c, unsigned status, const char *text,
			       const char *week, size_t files)
{
	struct MHD_Response *r =
	    MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", "text/plain; charset=utf-8");
	if (status == 503 || status == 429)
		MHD_add_response_header(r, "Retry-After", "1");
	enum MHD_Result ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	printf("request=%u status=%u week=%s files=%zu\n", opt.requests, status, week ? week : "-",
	       files);
	fflush(stdout);
	return ret;
}

static void sha256_hex(const char *data, size_t len, char hex[65])
{
	unsigned char d[32];
	gnutls_hash_fast(GNUTLS_DIG_SHA256, data, len, d);
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
}

static struct part *find(struct upload *u, const char *name)
{
	for (size_t i = 0; i < u->n_parts; i++)
		if (strcmp(u->parts[i].name, name) == 0)
			return &u->parts[i];
	return NULL;
}

/* Checks each manifest entry against its part; stores the files. Returns
 * NULL when all is well, or why not. */
static const char *check_and_store(struct upload *u, size_t *ret_files)
{
	struct part *man = find(u, "manifest");
	cJSON *m = man && man->data ? cJSON_Parse(man->data) : NULL;
	cJSON *files = cJSON_GetObjectItemCaseSensitive(m, "files"), *f;
	const char *why = NULL;
	*ret_files = 0;
	if (!cJSON_IsArray(files) || cJSON_GetArraySize(files) != 3)
		why = "manifest missing or not listing three files";
	cJSON_ArrayForEach(f, files)
	{
		const char *part =
		    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, "part"));
		const char *name =
		    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, "name"));
		const char *sha =
		    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, "sha256"));
		struct part *p = part ? find(u, part) : NULL;
		char hex[65], path[4096];
		if (why || !p || !name || !sha || strchr(name, '/') || strcmp(p->filename, name)) {
			why = why ? why : "a file part is missing or misnamed";
			break;
		}
		sha256_hex(p->data ? p->data : "", p->len, hex);
		if (strcmp(hex, sha) != 0) {
			why = "a file does not match its SHA-256";
			break;
		}
		snprintf(path, sizeof(path), "%s/%s", opt.dir, name);
		FILE *out = fopen(path, "we");
		if (!out || fwrite(p->data ? p->data : "", 1, p->len, out) != p->len) {
			why = "cannot store a file";
			if (out)
				fclose(out);
			break;
		}
		fclose(out);
		(*ret_files)++;
	}
	cJSON_Delete(m);
	return why;
}

static bool authorised(struct MHD_Connection *c)
{
	char want[600];
	if (!opt.token[0])
		return true;
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	snprintf(want, sizeof(want), "Bearer %s", opt.token);
	return h && strcmp(h, want) == 0;
}

static enum MHD_Result finish(struct MHD_Connection *c, struct upload *u)
{
	struct part *w = find(u, "week");
	const char *week = w && w->data ? w->data : NULL;
	size_t files = 0;
	opt.requests++;
	if (u->too_big)
		return respond(c, 413, "too large\n", week, 0);
	if (!authorised(c))
		return respond(c, 401, "bad token\n", week, 0);
	if (opt.requests <= opt.fail_first)
		return respond(c, opt.fail_status, "try again later\n", week, 0);
	const char *why = check_and_store(u, &files);
	if (why)
		return respond(c, 422, why, week, files);
	return respond(c, 201, "stored\n", week, files);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *data,
				  size_t *size, void **state)
{
	struct upload *u = *state;
	(void)cls, (void)url, (void)version;
	if (strcmp(method, "POST") != 0)
		return respond(c, 405, "POST only\n", NULL, 0);
	if (!u) {
		u = calloc(1, sizeof(*u));
		if (!u)
			return MHD_NO;
		*state = u;
		u->pp = MHD_create_post_processor(c, 64 * 1024, on_part, u);
		if (!u->pp)
			return respond(c, 415, "multipart/form-data expected\n", NULL, 0);
		return MHD_YES;
	}
	if (*size) {
		if (u->pp && MHD_post_process(u->pp, data, *size) != MHD_YES)
			u->too_big = true;
		*size = 0;
		return MHD_YES;
	}
	return finish(c, u);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **state,
			 enum MHD_RequestTerminationCode toe)
{
	struct upload *u = *state;
	(void)cls, (void)c, (void)toe;
	if (!u)
		return;
	if (u->pp)
		MHD_destroy_post_processor(u->pp);
	for (size_t i = 0; i < u->n_parts; i++)
		free(u->parts[i].data);
	free(u);
	*state = NULL;
}

static void read_token(const char *path)
{
	FILE *f = fopen(path, "re");
	if (!f || !fgets(opt.token, sizeof(opt.token), f)) {
		fprintf(stderr, "export_receiver: cannot read %s\n", path);
		exit(2);
	}
	fclose(f);
	opt.token[strcspn(opt.token, "\r\n")] = '\0';
}

int main(int argc, char **argv)
{
	const char *cert_path = NULL, *key_path = NULL;
	int port = 0, lifetime = 60;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--port"))
			port = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--cert"))
			cert_path = argv[i + 1];
		else if (!strcmp(argv[i], "--key"))
			key_path = argv[i + 1];
		else if (!strcmp(argv[i], "--dir"))
			opt.dir = argv[i + 1];
		else if (!strcmp(argv[i], "--token-file"))
			read_token(argv[i + 1]);
		else if (!strcmp(argv[i], "--fail-first"))
			opt.fail_first = (unsigned)atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--fail-status"))
			opt.fail_status = (unsigned)atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--lifetime"))
			lifetime = atoi(argv[i + 1]);
	}
	char *cert = cert_path ? receiver_read_file(cert_path, PEM_MAX, NULL) : NULL;
	char *key = key_path ? receiver_read_file(key_path, PEM_MAX, NULL) : NULL;
	if (port <= 0 || port > 65535 || !cert || !key || !opt.dir || lifetime < 1 ||
	    lifetime > 600) {
		fprintf(stderr, "usage: export_receiver --port P --cert PEM --key PEM --dir DIR "
				"[--token-file F] [--fail-first N] [--fail-status S] "
				"[--lifetime 1..600]\n");
		return 2;
	}
	int rc =
	    receiver_serve("export_receiver", port, cert, key, lifetime, on_request, on_completed);
	free(cert);
	free(key);
	return rc;
}
