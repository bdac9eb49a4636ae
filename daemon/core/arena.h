/* Arena: one allocation lifetime per request or per batch, freed in one call. */
#ifndef NW_ARENA_H
#define NW_ARENA_H

#include "util.h"

#include <stddef.h>

struct arena;

/* A new empty arena; NULL on out of memory. */
NW_MUSTCHECK struct arena *arena_new(void);
/* Frees every block the arena handed out, and the arena. Accepts NULL. */
void arena_free(struct arena *a);
/* Zeroed memory living until arena_free(); NULL on out of memory. */
NW_MUSTCHECK void *arena_alloc(struct arena *a, size_t size);
/* A NUL-terminated copy of s (NULL stays NULL). */
NW_MUSTCHECK char *arena_strdup(struct arena *a, const char *s);
/* A NUL-terminated copy of the first n bytes of s. */
NW_MUSTCHECK char *arena_strndup(struct arena *a, const char *s, size_t n);
/* printf into arena memory; NULL on out of memory. */
NW_MUSTCHECK char *arena_printf(struct arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
