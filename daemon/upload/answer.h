/* Answer: what the server's reply to one file means for that file.
 *
 *   2xx single report  -> SENT, or DUPLICATE when "status" is "duplicate"
 *   2xx batch          -> {"results":[{"index":0,"status":"accepted"|"duplicate"|
 *                         "rejected"|"conflict",...}], ...}: SENT when no item is
 *                         rejected or in conflict (DUPLICATE when every item is a
 *                         duplicate), otherwise REJECTED. The valid items of a
 *                         partly rejected batch are stored already; the file goes
 *                         to failed/ whole with the answer beside it, and after
 *                         the clinic fixes it, sending it again is safe: stored
 *                         items come back as duplicates (client_ref + version).
 *   408, 429, 5xx but 501/505 -> RETRY
 *   401, 403           -> STOP (the token, not the file, is wrong: EX_NOPERM)
 *   3xx, 404, 405      -> STOP (the URL is wrong, not the file: EX_CONFIG)
 *   any other status   -> REJECTED (400, 409, 413, 415, 422, 501 ...)
 *
 * No HTTP answer at all: see answer_judge_transport().
 * Pure: no I/O. Tested in tests/unit/test_answer.c. */
#ifndef NW_UPLOAD_ANSWER_H
#define NW_UPLOAD_ANSWER_H

#include "transport.h"

#include <stdbool.h>
#include <stddef.h>

enum verdict {
	VERDICT_SENT,	   /* stored: move to sent/ */
	VERDICT_DUPLICATE, /* already stored before: move to sent/ */
	VERDICT_REJECTED,  /* refused for good: move to failed/ with the answer */
	VERDICT_RETRY,	   /* transient: keep the file, try again after a wait */
	VERDICT_STOP,	   /* the run's set-up is wrong: keep every file, stop or wait */
};

struct answer {
	enum verdict verdict;
	int stop_code;	   /* sysexits code for VERDICT_STOP, else 0 */
	long long id;	   /* stored report id of a single report, or -1 */
	bool batch;	   /* the answer had per-item "results" */
	unsigned items;	   /* batch: number of results */
	unsigned accepted; /* batch: items per status ... */
	unsigned duplicate;
	unsigned rejected; /* "rejected", "conflict" and any unknown status */
	char reason[400];  /* one line for the log: why rejected, retried or stopped */
};

/* Judges the answer status / body[0..len) (body may be NULL when len is 0).
 * Always fills *ret. */
void answer_judge(long status, const char *body, size_t len, struct answer *ret);
/* Judges a transfer that got no HTTP answer (outcome is not ANSWERED):
 * TRANSIENT -> RETRY; TLS (certificate or name not verified) and FATAL (a
 * local set-up problem) -> STOP with EX_CONFIG. error is libcurl's reason. */
void answer_judge_transport(enum transport_outcome outcome, const char *error, struct answer *ret);

const char *verdict_name(enum verdict v);

#endif
