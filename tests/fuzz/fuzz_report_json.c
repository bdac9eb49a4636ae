/* libFuzzer target: the JSON report path — strict parse, then normalisation
 * of a report or of each report of a batch array, as POST /v1/reports does. */
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "issues.h"
#include "jsonstrict.h"
#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_setup();
	return 0;
}

static void one_report(const cJSON *doc, struct arena *a)
{
	struct normalise_ctx ctx = fuzz_ctx();
	struct issues errors, warnings;
	struct report r;

	issues_init(&errors, a);
	issues_init(&warnings, a);
	int rc = normalise_report(&ctx, doc, a, &r, &errors, &warnings);
	if (rc == 0 && errors.n)
		abort(); /* valid means no errors */
	if (rc < 0 && rc != -ENOMEM && errors.n == 0)
		abort(); /* refused means at least one reason */
	if (rc == 0)
		fuzz_check_report(&r);
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
