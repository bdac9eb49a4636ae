/* libFuzzer target: the JSON report path — strict parse, then normalisation
 * of a report or of each report of a batch array, as POST /v1/reports does. */
#include "fuzz_common.h"

static void one_report(const cJSON *doc, struct arena *a)
{
	struct issues errors;
	int rc = fuzz_normalise(doc, a, &errors);

	if (rc == 0 && errors.n)
		abort(); /* valid means no errors */
	if (rc < 0 && rc != -ENOMEM && errors.n == 0)
		abort(); /* refused means at least one reason */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_limits lim = {.max_depth = 32, .max_string_bytes = 64 * 1024};
	cJSON *doc = json_parse_strict((const char *)data, size, &lim, NULL);
	struct arena *a;
	const cJSON *el;

	if (!doc)
		return 0;
	a = arena_new();
	if (cJSON_IsArray(doc)) {
		cJSON_ArrayForEach(el, doc)
		{
			if (cJSON_IsObject(el))
				one_report(el, a);
		}
	} else if (cJSON_IsObject(doc)) {
		one_report(doc, a);
	}
	arena_free(a);
	cJSON_Delete(doc);
	return 0;
}
