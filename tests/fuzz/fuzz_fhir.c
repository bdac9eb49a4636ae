/* libFuzzer target: FHIR — strict parse, AdverseEvent/Bundle mapping,
 * normalisation, and the renormaliser's promise: each stored document maps
 * back, without the key, to exactly one report. */
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "fhir.h"
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

/* The stored body is strict JSON (no member lost its name, none doubled). */
static void check_strict(const cJSON *stored)
{
	struct json_limits lim = {.max_depth = 64, .max_string_bytes = 1 << 20};
	char *s = cJSON_PrintUnformatted(stored);
	cJSON *back = s ? json_parse_strict(s, strlen(s), &lim, NULL) : NULL;
	if (!back)
		abort();
	cJSON_Delete(back);
	free(s);
}

/* The same report comes back: one of it, under the same client_ref. */
static void remap_stored(const cJSON *stored, const cJSON *report, struct arena *a)
{
	struct fhir_ctx ctx = {.vocab = fuzz_vocab, .key = NULL};
	struct fhir_doc fd;
	char reason[160];

	if (fhir_map(&ctx, stored, 1000, a, &fd, reason, sizeof(reason)) != 0 || fd.n != 1)
		abort();
	const cJSON *was = cJSON_GetObjectItemCaseSensitive(report, "client_ref");
	const cJSON *is = cJSON_GetObjectItemCaseSensitive(fd.items[0].report, "client_ref");
	if (!cJSON_Compare(was, is, 1) && (was || is))
		abort();
	fhir_doc_free(&fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_limits lim = {.max_depth = 32, .max_string_bytes = 64 * 1024};
	struct fhir_ctx fctx = {.vocab = fuzz_vocab, .key = &fuzz_key};
	struct normalise_ctx ctx = fuzz_ctx();
	struct fhir_doc fd;
	char reason[160];
	cJSON *doc = json_parse_strict((const char *)data, size, &lim, NULL);

	if (!doc)
		return 0;
	struct arena *a = arena_new();
	if (fhir_map(&fctx, doc, 1000, a, &fd, reason, sizeof(reason)) == 0) {
		for (size_t i = 0; i < fd.n; i++) {
			struct issues errors, warnings;
			struct report r;
			if (!fd.items[i].report || !fd.items[i].stored)
				abort();
			issues_init(&errors, a);
			issues_init(&warnings, a);
			if (normalise_report(&ctx, fd.items[i].report, a, &r, &errors, &warnings) ==
			    0)
				fuzz_check_report(&r);
			remap_stored(fd.items[i].stored, fd.items[i].report, a);
			check_strict(fd.items[i].stored);
		}
		fhir_doc_free(&fd);
	}
	arena_free(a);
	cJSON_Delete(doc);
	return 0;
}
