/* Arena allocator: a chain of blocks, bump allocation, one free for all. */
#include "arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 16 KiB covers a typical single report without a second block. Each new
 * block is twice the last, up to 1 MiB, as in PostgreSQL's AllocSet: a
 * 1,000-report batch takes a few dozen blocks, not hundreds, and blocks past
 * malloc's mmap threshold go back to the system when the arena is freed
 * instead of fragmenting the heap. An allocation of half a block or more
 * gets a block of its own, behind the current one, so the room left in the
 * current block is not abandoned. */
#define ARENA_FIRST_BLOCK (16 * 1024)
#define ARENA_MAX_BLOCK (1024 * 1024)

struct block {
	struct block *next;
	size_t used, size;
	max_align_t data[];
};

struct arena {
	struct block *head; /* the block being filled */
	size_t next_size;   /* of the next block */
};

struct arena *arena_new(void)
{
	struct arena *a = calloc(1, sizeof(struct arena));
	if (a)
		a->next_size = ARENA_FIRST_BLOCK;
	return a;
}

void arena_free(struct arena *a)
{
	if (!a)
		return;
	struct block *b = a->head;
	while (b) {
		struct block *next = b->next;
		free(b);
		b = next;
	}
	free(a);
}

static struct block *block_new(size_t size)
{
	struct block *b = malloc(sizeof(*b) + size);
	if (!b)
		return NULL;
	b->next = NULL;
	b->used = 0;
	b->size = size;
	return b;
}

/* A block for size bytes that the current one cannot hold. */
static struct block *arena_grow(struct arena *a, size_t size)
{
	struct block *b;

	if (size >= a->next_size / 2) {
		b = block_new(size);
		if (!b)
			return NULL;
		if (a->head) {
			b->next = a->head->next;
			a->head->next = b;
		} else {
			a->head = b;
		}
		return b;
	}
	b = block_new(a->next_size);
	if (!b)
		return NULL;
	if (a->next_size < ARENA_MAX_BLOCK)
		a->next_size *= 2;
	b->next = a->head;
	a->head = b;
	return b;
}

void *arena_alloc(struct arena *a, size_t size)
{
	const size_t align = _Alignof(max_align_t);
	if (size > SIZE_MAX - align - sizeof(struct block))
		return NULL;
	size = (size + align - 1) / align * align;
	if (size == 0)
		size = align;
	struct block *b = a->head;
	if (!b || b->size - b->used < size) {
		b = arena_grow(a, size);
		if (!b)
			return NULL;
	}
	void *p = (char *)b->data + b->used;
	b->used += size;
	memset(p, 0, size);
	return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);
	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
	if (!s)
		return NULL;
	return arena_strndup(a, s, strlen(s));
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	char *p = arena_alloc(a, (size_t)n + 1);
	if (!p)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}
