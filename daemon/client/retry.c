/* Retry policy: transient statuses and the backoff schedule. */
#include "retry.h"

bool retry_status_is_transient(long status)
{
	if (status == 408 || status == 429)
		return true;
	if (status == 501 || status == 505)
		return false;
	return status >= 500 && status <= 599;
}

/* base * 2^(failures-1), saturating at cap without overflowing. */
static uint64_t exponential_ms(uint32_t base, unsigned failures, uint32_t cap)
{
	uint64_t d = base;
	for (unsigned i = 1; i < failures && d < cap; i++)
		d *= 2;
	return d < cap ? d : cap;
}

/* d raised to the Retry-After floor, then capped at max_ms. */
static uint32_t floor_and_cap(const struct retry_policy *p, uint64_t d, long retry_after_s)
{
	if (retry_after_s > 0) {
		/* Saturate first: a hostile Retry-After must not overflow. */
		uint64_t floor_ms = (uint64_t)retry_after_s > UINT32_MAX / 1000u
					? UINT32_MAX
					: (uint64_t)retry_after_s * 1000u;
		if (d < floor_ms)
			d = floor_ms;
	}
	return (uint32_t)(d < p->max_ms ? d : p->max_ms);
}

uint32_t retry_delay_ms(const struct retry_policy *p, unsigned failures, long retry_after_s,
			uint32_t rnd)
{
	if (failures == 0)
		failures = 1;
	uint64_t d = exponential_ms(p->base_ms, failures, p->max_ms);
	/* Equal jitter: d/2 fixed, plus a random share of the other half. */
	uint64_t half = d / 2;
	d = (d - half) + (half ? rnd % (half + 1) : 0);
	return floor_and_cap(p, d, retry_after_s);
}

uint32_t retry_backoff_ms(const struct retry_policy *p, unsigned failures, long retry_after_s)
{
	if (failures == 0)
		failures = 1;
	return floor_and_cap(p, exponential_ms(p->base_ms, failures, p->max_ms), retry_after_s);
}
