/* Field issues: a list of (field, message) pairs kept in an arena. */
#include "issues.h"
#include "arena.h"

#include <cJSON.h>

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

cJSON *issues_json(const struct issues *list)
{
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; arr && list && i < list->n; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "field", list->v[i].field);
		cJSON_AddStringToObject(o, "message", list->v[i].message);
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}
