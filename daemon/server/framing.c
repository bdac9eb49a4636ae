/* Framing: the checks on a request's head that decide whether its body and
 * whatever follows it on the connection can be read unambiguously.
 *
 * libmicrohttpd 0.9.75 looks at the first Content-Length only, lets
 * Transfer-Encoding win over Content-Length silently, waits for the end of
 * the connection when the coding is not "chunked", keeps "Host :" as a field
 * called "Host " and cuts a decoded %00 short. A proxy in front may read
 * each of those differently, and the disagreement is a smuggled request
 * (RFC 9112 §11.2). So the whole head is judged here, on the access
 * handler's first call, and a doubtful one is refused with the connection
 * closed. */
#include "framing.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

char framing_target_nul_mark;

static bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

bool framing_token_is(const char *value, size_t len, const char *want)
{
	size_t n = strlen(want);
	while (len && is_ows(*value)) {
		value++;
		len--;
	}
	while (len && is_ows(value[len - 1]))
		len--;
	return len == n && strncasecmp(value, want, n) == 0;
}

/* Each check in the order a client author should fix them: the target,
 * then the head's shape, then how the body is framed. */
static const struct framing_problem PROBLEMS[] = {
    {400, "bad-request-target", "bad request target",
     "%00 (a NUL byte) is not allowed in the path or the query", "target", "contains %00"},
    {400, "bad-header", "malformed header field",
     "no whitespace is allowed between a header field name and its colon", "header",
     "field name contains whitespace"},
    {400, "missing-host", "missing Host header", "an HTTP/1.1 request must carry one Host header",
     "header.Host", "required once in HTTP/1.1"},
    {400, "ambiguous-framing", "ambiguous message framing",
     "send one Content-Length, or Transfer-Encoding: chunked alone", "header.Content-Length",
     "sent more than once"},
    {400, "ambiguous-framing", "ambiguous message framing",
     "send either Content-Length or Transfer-Encoding: chunked, not both",
     "header.Transfer-Encoding", "sent together with Content-Length"},
    {400, "ambiguous-framing", "ambiguous message framing",
     "HTTP/1.0 has no Transfer-Encoding: send Content-Length", "header.Transfer-Encoding",
     "not allowed in HTTP/1.0"},
    {501, "unsupported-transfer-encoding", "transfer coding not implemented",
     "the only transfer coding accepted is chunked, alone", "header.Transfer-Encoding",
     "only chunked is implemented"},
    {415, "unsupported-content-encoding", "content coding not supported",
     "send the body uncompressed: no Content-Encoding (or identity)", "header.Content-Encoding",
     "only identity is accepted"},
};

int framing_judge(const struct framing_head *h, struct framing_problem *ret)
{
	bool failed[] = {
	    h->target_nul,
	    h->name_space,
	    (h->http11 && h->host == 0) || h->host > 1,
	    h->content_length > 1,
	    h->content_length && h->transfer_encoding,
	    !h->http11 && h->transfer_encoding,
	    h->transfer_encoding > 1 || (h->transfer_encoding && !h->te_chunked),
	    h->content_encoding,
	};
	_Static_assert(sizeof(failed) / sizeof(failed[0]) == sizeof(PROBLEMS) / sizeof(PROBLEMS[0]),
		       "one problem per check");
	for (size_t i = 0; i < sizeof(failed) / sizeof(failed[0]); i++) {
		if (failed[i]) {
			*ret = PROBLEMS[i];
			return -EPROTO;
		}
	}
	return 0;
}

static bool name_is(const char *key, size_t key_size, const char *name)
{
	return key_size == strlen(name) && strncasecmp(key, name, key_size) == 0;
}

/* MHD_KeyValueIteratorN over every header field line, duplicates included. */
static enum MHD_Result scan_field(void *cls, enum MHD_ValueKind kind, const char *key,
				  size_t key_size, const char *value, size_t value_size)
{
	struct framing_head *h = cls;
	(void)kind;
	if (strcspn(key, " \t") < key_size)
		h->name_space = true;
	if (name_is(key, key_size, MHD_HTTP_HEADER_HOST))
		h->host++;
	else if (name_is(key, key_size, MHD_HTTP_HEADER_CONTENT_LENGTH)) {
		h->content_length++;
		h->body = h->body || !framing_token_is(value, value_size, "0");
	} else if (name_is(key, key_size, MHD_HTTP_HEADER_TRANSFER_ENCODING)) {
		h->transfer_encoding++;
		h->body = true;
		h->te_chunked = framing_token_is(value, value_size, "chunked");
	} else if (name_is(key, key_size, MHD_HTTP_HEADER_CONTENT_ENCODING)) {
		/* An empty list names no coding; identity is no coding either. */
		if (strspn(value, " \t") < value_size &&
		    !framing_token_is(value, value_size, "identity"))
			h->content_encoding = true;
	}
	return MHD_YES;
}

void framing_scan(struct MHD_Connection *conn, const char *version, bool target_nul,
		  struct framing_head *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->http11 = version && strcmp(version, MHD_HTTP_VERSION_1_1) == 0;
	ret->target_nul = target_nul;
	MHD_get_connection_values_n(conn, MHD_HEADER_KIND, scan_field, ret);
}

void *framing_uri_log(void *cls, const char *uri, struct MHD_Connection *conn)
{
	(void)cls;
	(void)conn;
	return uri && strstr(uri, "%00") ? FRAMING_TARGET_NUL : NULL;
}
