/* failmalloc: an LD_PRELOAD allocator shim that makes a running program run
 * out of memory on demand, for the out-of-memory integration test
 * (tests/integration/test_oom.sh). Never linked into a program we ship.
 *
 * malloc, calloc and realloc go to the next definitions (dlsym RTLD_NEXT,
 * normally glibc's) unless the rule is on: while the file named by
 * FAILMALLOC_TRIGGER exists and holds a number N, every request for N bytes
 * or more returns NULL with errno ENOMEM. realloc leaves the old block as it
 * was, as the real one does, and never fails to shrink a block. Removing the
 * file switches the rule off again, so one process can be made to fail and
 * then to recover without a restart.
 *
 * Only requests of at least FAILMALLOC_FLOOR bytes (default 65536) look at
 * the file, so the small allocations that make up nearly all of a program's
 * traffic cost one comparison; N below the floor acts as the floor. Every
 * refusal is written to stderr as "failmalloc: refused SIZE bytes" (with
 * write(2): stdio may allocate), so a test can see that its rule was hit.
 *
 * Bootstrap: dlsym itself may call calloc (for its error buffer) before the
 * real one is known. Such requests are served from a small static buffer and
 * never freed; free() recognises those pointers and drops them. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_FLOOR 65536

static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static void (*real_free)(void *);

/* What dlsym allocates while the real functions are looked up: a few
 * hundred bytes at most, once. */
static _Alignas(max_align_t) char boot_buf[4096];
static size_t boot_used;
/* Not thread-local: TLS access may itself allocate. Resolution happens
 * while the program loads, before any thread is started. */
static bool resolving;

static const char *trigger_path;
static size_t floor_bytes = DEFAULT_FLOOR;

static bool in_boot(const void *p)
{
	return (const char *)p >= boot_buf && (const char *)p < boot_buf + sizeof(boot_buf);
}

static void *boot_alloc(size_t size)
{
	const size_t align = _Alignof(max_align_t);
	size_t n = (size + align - 1) / align * align;
	if (n > sizeof(boot_buf) - boot_used)
		return NULL;
	void *p = boot_buf + boot_used;
	boot_used += n;
	return p; /* static storage: already zero, as calloc must return */
}

static size_t parse_size(const char *s, size_t len, size_t fallback)
{
	size_t v = 0;
	bool any = false;
	for (size_t i = 0; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
		v = v * 10 + (size_t)(s[i] - '0');
		any = true;
	}
	return any ? v : fallback;
}

static void resolve(void)
{
	if (real_free || resolving)
		return;
	resolving = true;
	real_malloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "malloc");
	real_calloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "calloc");
	real_realloc = (void *(*)(void *, size_t))dlsym(RTLD_NEXT, "realloc");
	real_free = (void (*)(void *))dlsym(RTLD_NEXT, "free");
	resolving = false;
}

__attribute__((constructor)) static void failmalloc_init(void)
{
	const char *f = getenv("FAILMALLOC_FLOOR");
	trigger_path = getenv("FAILMALLOC_TRIGGER");
	if (f)
		floor_bytes = parse_size(f, strlen(f), DEFAULT_FLOOR);
	resolve();
}

/* The threshold in the trigger file, or 0 when the rule is off. open and
 * read allocate nothing, so this is safe inside malloc. */
static size_t trigger_threshold(void)
{
	char buf[32];
	if (!trigger_path)
		return 0;
	int fd = open(trigger_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof(buf));
	close(fd);
	size_t v = parse_size(buf, n > 0 ? (size_t)n : 0, floor_bytes);
	return v < floor_bytes ? floor_bytes : v;
}

static void note_refusal(size_t size)
{
	char line[64] = "failmalloc: refused ";
	char digits[24];
	size_t n = strlen(line), d = 0;
	do {
		digits[d++] = (char)('0' + size % 10);
		size /= 10;
	} while (size);
	while (d)
		line[n++] = digits[--d];
	memcpy(line + n, " bytes\n", 7);
	ssize_t w = write(STDERR_FILENO, line, n + 7);
	(void)w; /* a lost note changes nothing the test relies on */
}

/* True when a request for size bytes must fail now; sets errno. */
static bool refuse(size_t size)
{
	if (size < floor_bytes)
		return false;
	int saved = errno;
	size_t threshold = trigger_threshold();
	if (threshold == 0 || size < threshold) {
		errno = saved;
		return false;
	}
	note_refusal(size);
	errno = ENOMEM;
	return true;
}

void *malloc(size_t size)
{
	resolve();
	if (!real_malloc)
		return boot_alloc(size);
	return refuse(size) ? NULL : real_malloc(size);
}

void *calloc(size_t n, size_t size)
{
	resolve();
	if (!real_calloc)
		return size && n > SIZE_MAX / size ? NULL : boot_alloc(n * size);
	if (size && n > SIZE_MAX / size) {
		errno = ENOMEM;
		return NULL;
	}
	return refuse(n * size) ? NULL : real_calloc(n, size);
}

void *realloc(void *p, size_t size)
{
	resolve();
	if (in_boot(p)) {
		/* Out of the bootstrap buffer into the real heap. */
		size_t held = (size_t)(boot_buf + sizeof(boot_buf) - (char *)p);
		void *q = malloc(size);
		if (q)
			memcpy(q, p, held < size ? held : size);
		return q;
	}
	if (!real_realloc)
		return NULL;
	/* A block that shrinks or grows within its room needs no new memory:
	 * the real realloc does not fail there, so neither does this one. */
	if (p && size <= malloc_usable_size(p))
		return real_realloc(p, size);
	return refuse(size) ? NULL : real_realloc(p, size);
}

void free(void *p)
{
	if (!p || in_boot(p))
		return;
	resolve();
	if (real_free)
		real_free(p);
}
