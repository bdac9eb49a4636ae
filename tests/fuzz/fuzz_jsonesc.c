/* libFuzzer target: jsonesc — the JSON string writer the daemon's store
 * builds its jsonb parameters with. For any bytes: the measured length is
 * the written length, nothing is written past it, no raw control byte comes
 * out, and cJSON reads back exactly the input. For the input made valid
 * UTF-8 (what the store is given): the strict parser accepts the output
 * too, decoding to the same bytes. */
#include <cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jsonesc.h"
#include "jsonstrict.h"
#include "utf8.h"

/* Escapes s, checks the promises, returns the text (malloc'd) or aborts. */
static char *escape_checked(const char *s, size_t *ret_len)
{
	size_t n = jsonesc_len(s);
	char *out = malloc(n + 1); /* one canary byte past the promise */

	if (!out)
		abort();
	out[n] = '#';
	if ((size_t)(jsonesc_write(out, s) - out) != n || out[n] != '#')
		abort();
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)out[i] < 0x20)
			abort();
	*ret_len = n;
	return out;
}

static void roundtrip_cjson(const char *s)
{
	size_t n;
	char *out = escape_checked(s, &n);
	cJSON *j = cJSON_ParseWithLength(out, n);

	if (!cJSON_IsString(j) || strcmp(j->valuestring, s) != 0)
		abort();
	cJSON_Delete(j);
	free(out);
}

static void roundtrip_strict(const char *s)
{
	static const struct json_limits lim = {.max_depth = 4, .max_string_bytes = 1 << 20};
	struct json_error err;
	size_t n;
	char *out = escape_checked(s, &n);
	cJSON *j = json_parse_strict(out, n, &lim, &err);

	if (!cJSON_IsString(j) || strcmp(j->valuestring, s) != 0)
		abort();
	cJSON_Delete(j);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), *valid = malloc(3 * size + 1);

	if (!s || !valid)
		abort();
	memcpy(s, data, size);
	s[size] = '\0'; /* the store's strings end at their first NUL */
	roundtrip_cjson(s);
	utf8_sanitize(s, strlen(s), valid, 3 * size + 1);
	roundtrip_strict(valid);
	free(valid);
	free(s);
	return 0;
}
