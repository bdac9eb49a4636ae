/* Audit: rows in needlewatch.audit_log for what accounts do (docs/security.md,
 * issue 7): every regulator query, from the daemon; token creation and
 * revocation come from needlewatchctl. */
#ifndef NW_AUDIT_H
#define NW_AUDIT_H

#include <microhttpd.h>

struct server;
struct account;

/* Queues one row — actor "account:<id>", action (a short snake_case verb
 * such as "regulator_query"), detail (a JSON object text; NULL for {}) — to
 * the writer, which commits it with the next batch. Never waits for the
 * database, so a request thread may call it. Returns 0 when queued;
 * -EINVAL (detail is not a JSON object), -ENOMEM or -ESHUTDOWN otherwise.
 * A row the writer cannot commit is logged as audit_lost: the caller's
 * request is not failed for it. Never put a token or patient ref in detail. */
int audit_record(struct server *s, const struct account *acc, const char *action,
		 const char *detail_json);

/* action "regulator_query" for a request on route (its name in the route
 * table) by acc: detail is {"route": ..., "method": ..., "query": {the
 * query-string arguments}}, at most QUERY_ARGS_MAX arguments, each name and
 * value cut to QUERY_VALUE_MAX bytes of whole characters, bytes that are not
 * UTF-8 replaced by U+FFFD (the row is stored whatever the query held). Called by the route guard for every request a
 * regulator token makes, before the handler runs, so refused and failed
 * queries are recorded too. */
int audit_regulator_query(struct server *s, const struct account *acc, struct MHD_Connection *conn,
			  const char *route, const char *method);

#endif
