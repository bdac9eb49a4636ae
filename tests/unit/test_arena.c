/* Unit tests for daemon/core/arena.c: bump allocation in growing blocks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <stdint.h>
#include <string.h>

#include "arena.h"

#define ALIGN _Alignof(max_align_t)

static int setup(void **state)
{
	*state = arena_new();
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	arena_free(*state);
	return 0;
}

static void test_memory_is_zeroed_and_aligned(void **state)
{
	struct arena *a = *state;
	for (size_t size = 1; size < 300; size += 7) {
		unsigned char *p = arena_alloc(a, size);
		assert_non_null(p);
		assert_int_equal((uintptr_t)p % ALIGN, 0);
		for (size_t i = 0; i < size; i++)
			assert_int_equal(p[i], 0);
		memset(p, 0xab, size);
	}
}

static void test_zero_size_gives_distinct_pointers(void **state)
{
	struct arena *a = *state;
	char *p = arena_alloc(a, 0), *q = arena_alloc(a, 0);
	assert_non_null(p);
	assert_non_null(q);
	assert_ptr_not_equal(p, q);
}

static void test_small_allocations_are_contiguous_in_a_block(void **state)
{
	struct arena *a = *state;
	char *p = arena_alloc(a, 100);
	char *q = arena_alloc(a, 100);
	/* 100 rounded up to the alignment. */
	assert_ptr_equal(q, p + (100 + ALIGN - 1) / ALIGN * ALIGN);
}

static void test_large_allocation_keeps_the_current_block(void **state)
{
	struct arena *a = *state;
	char *p = arena_alloc(a, 100);
	char *big = arena_alloc(a, 64 * 1024); /* half a block or more: a block of its own */
	char *q = arena_alloc(a, 100);
	assert_non_null(big);
	memset(big, 1, 64 * 1024);
	/* The room after p was not abandoned for the large block. */
	assert_ptr_equal(q, p + (100 + ALIGN - 1) / ALIGN * ALIGN);
	assert_int_equal(q[0], 0);
}

static void test_large_allocation_first_is_usable(void **state)
{
	struct arena *a = *state;
	char *big = arena_alloc(a, 3 * 1024 * 1024);
	assert_non_null(big);
	big[3 * 1024 * 1024 - 1] = 'x';
	char *p = arena_alloc(a, 10);
	assert_non_null(p);
	assert_true(p < big || p >= big + 3 * 1024 * 1024);
}

/* A batch's worth: megabytes in small pieces, each still holding what was
 * written to it after all the others (blocks do not overlap). */
static void test_many_allocations_keep_their_contents(void **state)
{
	struct arena *a = *state;
	enum { N = 20000 };
	static unsigned char *p[N];
	for (size_t i = 0; i < N; i++) {
		size_t size = 1 + i % 700;
		p[i] = arena_alloc(a, size);
		assert_non_null(p[i]);
		memset(p[i], (int)(i & 0xff), size);
	}
	for (size_t i = 0; i < N; i++) {
		size_t size = 1 + i % 700;
		assert_int_equal(p[i][0], i & 0xff);
		assert_int_equal(p[i][size - 1], i & 0xff);
	}
}

static void test_impossible_size_fails_cleanly(void **state)
{
	struct arena *a = *state;
	assert_null(arena_alloc(a, SIZE_MAX));
	assert_null(arena_alloc(a, SIZE_MAX - 8));
	assert_non_null(arena_alloc(a, 16)); /* still usable */
}

static void test_string_copies(void **state)
{
	struct arena *a = *state;
	const char *s = "microneedling";
	char *d = arena_strdup(a, s);
	assert_string_equal(d, s);
	assert_ptr_not_equal(d, s);
	assert_null(arena_strdup(a, NULL));
	assert_string_equal(arena_strndup(a, s, 5), "micro");
	assert_string_equal(arena_strndup(a, "", 0), "");
}

static void test_printf(void **state)
{
	struct arena *a = *state;
	assert_string_equal(arena_printf(a, "%s=%d", "rate", 42), "rate=42");
	assert_string_equal(arena_printf(a, "%s", ""), "");
	char long_text[5000];
	memset(long_text, 'z', sizeof(long_text) - 1);
	long_text[sizeof(long_text) - 1] = '\0';
	char *p = arena_printf(a, "[%s]", long_text);
	assert_int_equal(strlen(p), sizeof(long_text) + 1);
	assert_int_equal(p[0], '[');
	assert_int_equal(p[sizeof(long_text)], ']');
}

static void test_free_accepts_null(void **state)
{
	(void)state;
	arena_free(NULL);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_memory_is_zeroed_and_aligned),
	    T(test_zero_size_gives_distinct_pointers),
	    T(test_small_allocations_are_contiguous_in_a_block),
	    T(test_large_allocation_keeps_the_current_block),
	    T(test_large_allocation_first_is_usable),
	    T(test_many_allocations_keep_their_contents),
	    T(test_impossible_size_fails_cleanly),
	    T(test_string_copies),
	    T(test_printf),
	    cmocka_unit_test(test_free_accepts_null),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
