/* Arena: one allocation lifetime per request or per batch, freed in one call. */
#ifndef NW_ARENA_H
#define NW_ARENA_H

#include <stddef.h>

struct arena;

/* A new empty arena; NULL on out of memory. */
struct arena *arena_new(void);
/* Frees every block the arena handed out, and the arena. Accepts NULL. */
void arena_free(struct arena *a);
/* Zeroed memory living until arena_free(); NULL on out of memory. */
void *arena_alloc(struct arena *a, size_t size);
/* A NUL-terminated copy of s (NULL stays NULL). */
char *arena_strdup(struct arena *a, const char *s);
/* A NUL-terminated copy of the first n bytes of s. */
char *arena_strndup(struct arena *a, const char *s, size_t n);
/* printf into arena memory; NULL on out of memory. */
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
