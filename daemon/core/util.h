/* The base layer: one helper per small job that every program needs (the
 * monotonic clock, hex encoding, reading a whole file, a doubling backoff),
 * so that no module writes its own. Pure: no libmicrohttpd, no libpq, no
 * logging; errors are returned, the caller says why. */
#ifndef NW_UTIL_H
#define NW_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

/* On a function whose result must be looked at (an allocation, an error
 * code that means the work was not done): the compiler refuses a call that
 * drops it, -Werror makes that a build failure. A deliberate ignore is
 * written `(void)f(...);` with a comment saying why. */
#define NW_MUSTCHECK __attribute__((warn_unused_result))

/* ---- time ---- */

/* Milliseconds on CLOCK_MONOTONIC: for deadlines and intervals, never for
 * dates (it does not jump when the wall clock is set). */
long long util_mono_ms(void);
/* The same with the fraction kept: for timings that are logged ("ms=3.1"). */
double util_mono_ms_f(void);
/* Microseconds on CLOCK_MONOTONIC. */
long long util_mono_us(void);
/* *ret = CLOCK_REALTIME now + ms: the absolute deadline that
 * pthread_cond_timedwait() takes. ms >= 0. */
void util_realtime_after_ms(struct timespec *ret, long ms);
/* Today's date on the wall clock, in UTC, as "YYYY-MM-DD" and a NUL: the
 * "today" a report's dates are checked against. out holds 11 bytes
 * (ISOWEEK_DATE_LEN). */
void util_today_utc(char out[11]);

/* The next wait of a doubling reconnect backoff: cur * 2, at most max_ms
 * (and never past it by overflowing). A success resets to the minimum,
 * which the caller owns. */
int util_backoff_next(int cur_ms, int max_ms);

/* ---- hex ---- */

/* Writes in[0..n) as 2n lower-case hex digits and a NUL into out, which
 * holds 2n + 1 bytes. */
void util_hex_encode(const void *in, size_t n, char *out);
/* The value of one hex digit (either case), or -1 for any other byte. */
int util_hex_value(unsigned char c);

/* ---- files ---- */

enum {
	UTIL_FILE_NOFOLLOW = 1 << 0, /* refuse a symbolic link (-ELOOP) */
	UTIL_FILE_REGULAR = 1 << 1,  /* refuse anything but a regular file (-EINVAL) */
};

/* Reads from fd until end of file or until cap bytes; the byte count, or a
 * negative errno. Retries EINTR. */
NW_MUSTCHECK ssize_t util_read_full(int fd, void *buf, size_t cap);

/* Reads the whole file at path, at most max bytes, into malloc'd memory
 * with a NUL after the last byte (the caller frees it). 0 with *ret_buf and
 * *ret_len set; or -errno from open/read, -EISDIR for a directory, -EFBIG
 * when longer than max, -ENOMEM. flags: UTIL_FILE_*. */
NW_MUSTCHECK int util_read_file(const char *path, size_t max, unsigned flags, char **ret_buf,
				size_t *ret_len);

#endif
