/* Field issues: the per-field errors and warnings that problem+json reports. */
#ifndef NW_ISSUES_H
#define NW_ISSUES_H

#include "util.h"

#include <stddef.h>

struct arena;
struct cJSON;

/* One problem with one field. field is a path such as "complications[0].onset_days"
 * ("" for the document as a whole); message follows PostgreSQL's style: short,
 * factual, lower case, no trailing period. */
struct issue {
	const char *field;
	const char *message;
};

/* A growable list of issues, its memory owned by the arena given to issues_init(). */
struct issues {
	struct arena *arena;
	struct issue *v;
	size_t n, cap;
};

void issues_init(struct issues *list, struct arena *a);
/* Appends one issue; the strings are copied into the arena. Returns 0 or -ENOMEM. */
NW_MUSTCHECK int issues_add(struct issues *list, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The issues as a JSON array of {"field", "message"} (NULL list: empty).
 * Caller owns it; NULL on out of memory. */
struct cJSON *issues_json(const struct issues *list);

#endif
