/* Field issues: a list of (field, message) pairs kept in an arena. */
#include "issues.h"
#include "arena.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void issues_init(struct issues *list, struct arena *a)
{
	memset(list, 0, sizeof(*list));
	list->arena = a;
}

int issues_add(struct issues *list, const char *field, const char *fmt, ...)
{
	if (list->n == list->cap) {
		size_t cap = list->cap ? list->cap * 2 : 8;
		struct issue *v = arena_alloc(list->arena, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		if (list->n)
			memcpy(v, list->v, list->n * sizeof(*v));
		list->v = v;
		list->cap = cap;
	}
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	struct issue *it = &list->v[list->n];
	it->field = arena_strdup(list->arena, field ? field : "");
	it->message = arena_strdup(list->arena, msg);
	if (!it->field || !it->message)
		return -ENOMEM;
	list->n++;
	return 0;
}
