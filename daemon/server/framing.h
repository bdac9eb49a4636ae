/* Framing: what a request's head must say before anything else in it is
 * believed — one body length, a transfer coding we can read, a Host, no NUL
 * hidden in the target (RFC 9112 §3.2, §6.1, §6.3). A request that fails is
 * answered at once, before its body is read, on a connection that is then
 * closed: bytes after a head whose framing is in doubt might be a second,
 * smuggled request. */
#ifndef NW_FRAMING_H
#define NW_FRAMING_H

#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>

/* What framing_judge() needs to know of a request's head, gathered by
 * framing_scan() (or built by hand in tests). Counts are of field lines. */
struct framing_head {
	bool http11;                /* HTTP/1.1 (otherwise 1.0) */
	bool target_nul;            /* %00 in the path or the query */
	bool name_space;            /* whitespace inside a field name ("Host :") */
	unsigned host;
	unsigned content_length;
	unsigned transfer_encoding;
	bool te_chunked;            /* the Transfer-Encoding is exactly "chunked" */
	bool content_encoding;      /* a Content-Encoding other than identity */
	bool body;                  /* a body is announced: Transfer-Encoding, or a
				     * Content-Length other than 0 */
};

/* Why a head was refused: the status, the problem slug and title, a detail
 * a client author can act on, and the field to name in errors[]. */
struct framing_problem {
	unsigned status;
	const char *type;
	const char *title;
	const char *detail;
	const char *field;
	const char *message;
};

/* 0 when h's framing is sound; otherwise -EPROTO with *ret filled. Pure. */
int framing_judge(const struct framing_head *h, struct framing_problem *ret);

/* True when value (len bytes) is a list of codings naming exactly one:
 * want, compared case-insensitively, optional whitespace around it. Pure. */
bool framing_token_is(const char *value, size_t len, const char *want);

/* Fills *ret from conn's header fields and version; target_nul as given
 * (framing_uri_log() found it). Called on the access handler's first call. */
void framing_scan(struct MHD_Connection *conn, const char *version, bool target_nul,
		  struct framing_head *ret);

/* MHD_OPTION_URI_LOG_CALLBACK: sees the request target before MHD decodes
 * it (MHD cuts a decoded %00 short without saying so). Returns
 * FRAMING_TARGET_NUL, which MHD hands to the access handler as its request
 * context, when the target holds %00; NULL otherwise. */
void *framing_uri_log(void *cls, const char *uri, struct MHD_Connection *conn);

/* The marker framing_uri_log() returns; never dereferenced or freed. */
extern char framing_target_nul_mark;
#define FRAMING_TARGET_NUL ((void *)&framing_target_nul_mark)

#endif
