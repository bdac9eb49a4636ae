/* The base layer (util.h): clock, hex, whole-file reads, backoff. */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

long long util_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

double util_mono_ms_f(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

long long util_mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void util_realtime_after_ms(struct timespec *ret, long ms)
{
	clock_gettime(CLOCK_REALTIME, ret);
	ret->tv_sec += ms / 1000;
	ret->tv_nsec += (ms % 1000) * 1000000L;
	if (ret->tv_nsec >= 1000000000L) {
		ret->tv_sec++;
		ret->tv_nsec -= 1000000000L;
	}
}

void util_today_utc(char out[11])
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

int util_backoff_next(int cur_ms, int max_ms)
{
	return cur_ms > max_ms / 2 ? max_ms : cur_ms * 2;
}

void util_hex_encode(const void *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *p = in;

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

int util_hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

ssize_t util_read_full(int fd, void *buf, size_t cap)
{
	size_t n = 0;

	while (n < cap) {
		ssize_t r = read(fd, (char *)buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		n += (size_t)r;
	}
	return (ssize_t)n;
}

/* Opens path as flags ask and checks what it is: the fd or a negative errno. */
static int open_checked(const char *path, unsigned flags)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY |
				(flags & UTIL_FILE_NOFOLLOW ? O_NOFOLLOW : 0));
	if (fd < 0)
		return -errno;
	int r = fstat(fd, &st) < 0				      ? -errno
		: S_ISDIR(st.st_mode)				      ? -EISDIR
		: (flags & UTIL_FILE_REGULAR) && !S_ISREG(st.st_mode) ? -EINVAL
								      : 0;
	if (r < 0) {
		close(fd);
		return r;
	}
	return fd;
}

int util_read_file(const char *path, size_t max, unsigned flags, char **ret_buf, size_t *ret_len)
{
	int fd = open_checked(path, flags);
	if (fd < 0)
		return fd;
	/* One byte more than allowed tells "too long" from "just fits"
	 * without trusting st_size (a file may grow while we read). */
	char *buf = malloc(max + 2);
	ssize_t n = buf ? util_read_full(fd, buf, max + 1) : -ENOMEM;
	close(fd);
	if (n >= 0 && (size_t)n > max)
		n = -EFBIG;
	if (n < 0) {
		free(buf);
		return (int)n;
	}
	buf[n] = '\0';
	*ret_buf = buf;
	*ret_len = (size_t)n;
	return 0;
}
