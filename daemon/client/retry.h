/* The HTTPS client's retry policy, one for every program that sends
 * (needlewatch-upload, needlewatchctl export --deliver): which failures are
 * worth another attempt, and how long to wait before it (capped exponential
 * backoff, optionally with jitter, Retry-After honoured).
 *
 * Pure functions: no clock, no random source of their own, so the policy is
 * unit-tested exactly (tests/unit/test_retry.c). */
#ifndef NW_CLIENT_RETRY_H
#define NW_CLIENT_RETRY_H

#include <stdbool.h>
#include <stdint.h>

struct retry_policy {
	uint32_t base_ms; /* the first wait before jitter, e.g. 500 */
	uint32_t max_ms;  /* no single wait is longer, Retry-After included */
};

/* True for an HTTP status that says "try again later": 408, 429 and every
 * 5xx except 501 (Not Implemented) and 505 (HTTP Version Not Supported),
 * which say the server does not do this at all. */
bool retry_status_is_transient(long status);

/* The wait before attempt number failures+1, after `failures` consecutive
 * failed attempts (failures >= 1). Exponential: base, 2*base, 4*base ...
 * capped at max_ms; "equal jitter" keeps the upper half of that fixed and
 * draws the lower half from rnd, so uploaders restarted together spread out
 * without any wait collapsing to zero. A Retry-After of retry_after_s seconds
 * (0 when absent) is a floor: the wait is never shorter than what the server
 * asked for, but it is still capped at max_ms so a server cannot stall the
 * uploader for a day. */
uint32_t retry_delay_ms(const struct retry_policy *p, unsigned failures, long retry_after_s,
			uint32_t rnd);

/* The same schedule without jitter: base, 2*base, 4*base ... capped at
 * max_ms, Retry-After a floor still capped at max_ms. For a one-shot sender
 * (an export delivery) that nobody restarts in step with others. */
uint32_t retry_backoff_ms(const struct retry_policy *p, unsigned failures, long retry_after_s);

#endif
