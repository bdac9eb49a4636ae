/* Answer: the verdict on one file from the server's status and body. */
#include "answer.h"
#include "retry.h"

#include <cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

/* How many field errors a log line names before "...". */
#define REASON_MAX_ERRORS 3

const char *verdict_name(enum verdict v)
{
	switch (v) {
	case VERDICT_SENT:
		return "sent";
	case VERDICT_DUPLICATE:
		return "duplicate";
	case VERDICT_REJECTED:
		return "rejected";
	case VERDICT_RETRY:
		return "retry";
	case VERDICT_STOP:
		return "stop";
	}
	return "?";
}

/* Appends to a->reason, silently cut at its size (a log line, not data). */
__attribute__((format(printf, 2, 3))) static void reason_add(struct answer *a, const char *fmt, ...)
{
	size_t used = strlen(a->reason);
	va_list ap;

	if (used + 1 >= sizeof(a->reason))
		return;
	va_start(ap, fmt);
	vsnprintf(a->reason + used, sizeof(a->reason) - used, fmt, ap);
	va_end(ap);
}

static const char *string_member(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* "field: message; field: message; ..." from a problem's errors array. */
static void reason_add_errors(struct answer *a, const cJSON *errors)
{
	int shown = 0;
	const cJSON *e;

	cJSON_ArrayForEach(e, errors)
	{
		const char *field = string_member(e, "field"), *msg = string_member(e, "message");
		if (!msg)
			continue;
		if (shown == REASON_MAX_ERRORS) {
			reason_add(a, "; ...");
			return;
		}
		reason_add(a, "%s%s%s%s", shown ? "; " : ": ", field ? field : "",
			   field ? ": " : "", msg);
		shown++;
	}
}

/* The problem+json's title and detail, then its first field errors. */
static void reason_from_problem(struct answer *a, long status, const cJSON *doc)
{
	const char *title = string_member(doc, "title"), *detail = string_member(doc, "detail");

	reason_add(a, "HTTP %ld", status);
	if (title)
		reason_add(a, " %s", title);
	if (detail)
		reason_add(a, "%s%s", title ? ": " : " ", detail);
	reason_add_errors(a, cJSON_GetObjectItemCaseSensitive(doc, "errors"));
}

/* A rejected batch item's errors: its own "errors", or its "problem"'s. */
static void reason_add_item(struct answer *a, const cJSON *item, int index)
{
	const cJSON *problem = cJSON_GetObjectItemCaseSensitive(item, "problem");
	const cJSON *errors = cJSON_GetObjectItemCaseSensitive(item, "errors");
	const char *status = string_member(item, "status");
	const char *detail = string_member(item, "detail");

	if (!errors && cJSON_IsObject(problem)) {
		errors = cJSON_GetObjectItemCaseSensitive(problem, "errors");
		detail = detail ? detail : string_member(problem, "detail");
	}
	reason_add(a, "; item %d %s", index, status ? status : "without a status");
	if (detail)
		reason_add(a, ": %s", detail);
	reason_add_errors(a, errors);
}

static void judge_batch(struct answer *a, const cJSON *results)
{
	const cJSON *item;
	int shown = 0, i = 0;

	a->batch = true;
	cJSON_ArrayForEach(item, results)
	{
		const char *st = string_member(item, "status");
		const cJSON *index = cJSON_GetObjectItemCaseSensitive(item, "index");
		int idx = cJSON_IsNumber(index) ? index->valueint : i;
		a->items++;
		i++;
		if (st && strcmp(st, "accepted") == 0) {
			a->accepted++;
			continue;
		}
		if (st && strcmp(st, "duplicate") == 0) {
			a->duplicate++;
			continue;
		}
		/* rejected, conflict, or a status this uploader does not know:
		 * not known to be stored, so a person must look. */
		a->rejected++;
		if (shown++ < REASON_MAX_ERRORS)
			reason_add_item(a, item, idx);
	}
	if (a->rejected) {
		char head[64];
		snprintf(head, sizeof(head), "%u of %u items rejected", a->rejected, a->items);
		size_t hl = strlen(head), rl = strlen(a->reason);
		if (hl + rl + 1 > sizeof(a->reason))
			rl = sizeof(a->reason) - hl - 1;
		memmove(a->reason + hl, a->reason, rl);
		memcpy(a->reason, head, hl);
		a->reason[hl + rl] = '\0';
		a->verdict = VERDICT_REJECTED;
		return;
	}
	a->verdict = a->items && a->duplicate == a->items ? VERDICT_DUPLICATE : VERDICT_SENT;
}

static void judge_success(struct answer *a, const cJSON *doc)
{
	const cJSON *results = cJSON_GetObjectItemCaseSensitive(doc, "results");
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(doc, "id");
	const char *st = string_member(doc, "status");

	if (cJSON_IsArray(results)) {
		judge_batch(a, results);
		return;
	}
	if (cJSON_IsNumber(id))
		a->id = (long long)id->valuedouble;
	/* A 2xx means stored; only an explicit "duplicate" says "before". */
	a->verdict = st && strcmp(st, "duplicate") == 0 ? VERDICT_DUPLICATE : VERDICT_SENT;
}

static void judge_failure(struct answer *a, long status, const cJSON *doc)
{
	reason_from_problem(a, status, doc);
	if (retry_status_is_transient(status)) {
		a->verdict = VERDICT_RETRY;
	} else if (status == 401 || status == 403) {
		a->verdict = VERDICT_STOP;
		a->stop_code = EX_NOPERM;
	} else if ((status >= 300 && status < 400) || status == 404 || status == 405) {
		a->verdict = VERDICT_STOP;
		a->stop_code = EX_CONFIG;
		reason_add(a, " (is --url the server's base URL?)");
	} else {
		a->verdict = VERDICT_REJECTED;
	}
}

void answer_judge(long status, const char *body, size_t len, struct answer *ret)
{
	cJSON *doc = body && len ? cJSON_ParseWithLength(body, len) : NULL;

	memset(ret, 0, sizeof(*ret));
	ret->id = -1;
	if (status >= 200 && status < 300)
		judge_success(ret, doc);
	else
		judge_failure(ret, status, doc);
	cJSON_Delete(doc);
}

void answer_judge_transport(enum transport_outcome outcome, const char *error, struct answer *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->id = -1;
	switch (outcome) {
	case TRANSPORT_TLS:
		ret->verdict = VERDICT_STOP;
		ret->stop_code = EX_CONFIG;
		reason_add(ret, "TLS verification failed: %s (check --url and --ca-file)", error);
		return;
	case TRANSPORT_FATAL:
		ret->verdict = VERDICT_STOP;
		ret->stop_code = EX_CONFIG;
		reason_add(ret, "%s", error);
		return;
	default:
		/* TRANSIENT; ANSWERED never comes here (answer_judge() does) */
		ret->verdict = VERDICT_RETRY;
		reason_add(ret, "%s", error);
	}
}
