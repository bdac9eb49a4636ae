/* The dashboard's static files. */
#include "dashboard.h"
#include "util.h"
#include "request.h"
#include "respond.h"
#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The largest file served: the dashboard's are a few tens of KiB; a bigger
 * one is a mistake in web_dir, not something to stream. */
#define DASHBOARD_MAX_FILE (2 * 1024 * 1024)
#define DASHBOARD_MAX_NAME 200

/* No inline script or style anywhere, so 'self' is the whole policy; the
 * page may not be framed (clickjacking) nor post a form elsewhere. */
#define DASHBOARD_CSP                                                                              \
	"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "          \
	"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "             \
	"frame-ancestors 'none'"

static const struct {
	const char *ext, *type;
} TYPES[] = {
    {".html", "text/html; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".json", "application/json"},
    {".txt", "text/plain; charset=utf-8"},
    {".ico", "image/x-icon"},
};

static const char *type_for(const char *name)
{
	const char *dot = strrchr(name, '.');
	for (size_t i = 0; dot && i < sizeof(TYPES) / sizeof(TYPES[0]); i++)
		if (strcmp(dot, TYPES[i].ext) == 0)
			return TYPES[i].type;
	return NULL;
}

static bool safe_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-' || c == '.';
}

bool dashboard_name_ok(const char *name, const char **ret_type)
{
	size_t n = strlen(name);
	if (n == 0 || n > DASHBOARD_MAX_NAME)
		return false;
	bool segment_start = true;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (c == '/') {
			if (segment_start)
				return false; /* leading or doubled slash */
			segment_start = true;
			continue;
		}
		if (!safe_char(c) || (segment_start && c == '.'))
			return false;
		segment_start = false;
	}
	if (segment_start)
		return false; /* trailing slash: a directory */
	*ret_type = type_for(name);
	return *ret_type != NULL;
}

static enum MHD_Result not_found(struct request *rq)
{
	return respond_problem(rq, MHD_HTTP_NOT_FOUND, "not-found", "no such resource",
			       "the dashboard has no such file", NULL, NULL);
}

static void add_page_headers(struct MHD_Response *r, const char *type)
{
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, "Content-Security-Policy", DASHBOARD_CSP);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "Cross-Origin-Opener-Policy", "same-origin");
	/* Revalidate each time: a new release's files are seen at once. */
	MHD_add_response_header(r, "Cache-Control", "no-cache");
}

/* Reads web_dir/name whole into a malloc'd buffer: 0, or a negative errno
 * (missing, a link, not a regular file, larger than DASHBOARD_MAX_FILE). */
static int read_file(const char *dir, const char *name, char **ret_buf, size_t *ret_len)
{
	char path[4096];
	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return -ENOENT;
	return util_read_file(path, DASHBOARD_MAX_FILE, UTIL_FILE_NOFOLLOW | UTIL_FILE_REGULAR,
			      ret_buf, ret_len);
}

static enum MHD_Result serve(struct request *rq, const char *name)
{
	const char *type;
	char *buf = NULL;
	size_t len = 0;

	if (!dashboard_name_ok(name, &type))
		return not_found(rq);
	if (read_file(rq->snap->cfg.web_dir, name, &buf, &len) < 0)
		return not_found(rq);
	struct MHD_Response *r = MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(buf);
		return respond_oom(rq, "dashboard_file");
	}
	add_page_headers(r, type);
	rq->status = MHD_HTTP_OK;
	enum MHD_Result ret = MHD_queue_response(rq->conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

enum MHD_Result dashboard_get_file(struct request *rq)
{
	return serve(rq, rq->route_arg ? rq->route_arg : "");
}

enum MHD_Result dashboard_get_index(struct request *rq)
{
	return serve(rq, "index.html");
}

enum MHD_Result dashboard_redirect(struct request *rq)
{
	struct respond_extra to = {.location = "/dashboard/"};
	rq->status = MHD_HTTP_PERMANENT_REDIRECT;
	return respond_request_text(rq, MHD_HTTP_PERMANENT_REDIRECT, "text/plain; charset=utf-8",
				    "see /dashboard/\n", 16, &to, "dashboard_redirect");
}
