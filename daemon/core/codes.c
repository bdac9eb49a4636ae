/* Closed code lists the database accepts; see codes.h for who owns which. */
#include "codes.h"

#include <stdio.h>
#include <string.h>

#define CODE_NAME(code, label) #code,
#define CODE_LABEL(code, label) {#code, label},

const char *const codes_settings[] = {CODES_SETTINGS(CODE_NAME) NULL};
const char *const codes_groups[] = {CODES_GROUPS(CODE_NAME) NULL};
const char *const codes_reporter_roles[] = {"practitioner", "treating_clinician", "patient",
					    "other", NULL};

/* Settings and groups share no code, so one table labels both. */
static const struct {
	const char *code, *label;
} labels[] = {
	/* clang-format off */
	CODES_SETTINGS(CODE_LABEL)
	{CODES_GROUP_ANY, "Any complication"},
	CODES_GROUPS(CODE_LABEL)
	/* clang-format on */
};

int codes_rank(const char *const *list, const char *s)
{
	for (int i = 0; s && list[i]; i++)
		if (strcmp(list[i], s) == 0)
			return i;
	return -1;
}

const char *codes_label(const char *code)
{
	for (size_t i = 0; code && i < sizeof(labels) / sizeof(labels[0]); i++)
		if (strcmp(labels[i].code, code) == 0)
			return labels[i].label;
	return NULL;
}

const char *codes_join(const char *const *list, char *buf, size_t buflen)
{
	size_t n = 0;

	if (!buf || !buflen)
		return buf;
	buf[0] = '\0';
	for (size_t i = 0; list[i] && n < buflen; i++) {
		int w = snprintf(buf + n, buflen - n, "%s%s", i ? ", " : "", list[i]);
		if (w < 0)
			break;
		n += (size_t)w;
	}
	return buf;
}
