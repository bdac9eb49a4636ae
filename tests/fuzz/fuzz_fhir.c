/* libFuzzer target: FHIR — strict parse, AdverseEvent/Bundle mapping,
 * normalisation, and the renormaliser's promise: each stored document maps
 * back, without the key, to exactly one report. */
#include "fhir.h"
#include "fuzz_common.h"

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
	struct fhir_doc fd;
	char reason[160];
	cJSON *doc = json_parse_strict((const char *)data, size, &lim, NULL);

	if (!doc)
		return 0;
	struct arena *a = arena_new();
	if (fhir_map(&fctx, doc, 1000, a, &fd, reason, sizeof(reason)) == 0) {
		for (size_t i = 0; i < fd.n; i++) {
			struct issues errors;
			if (!fd.items[i].report || !fd.items[i].stored)
				abort();
			fuzz_normalise(fd.items[i].report, a, &errors);
			remap_stored(fd.items[i].stored, fd.items[i].report, a);
			/* the stored body is strict JSON */
			fuzz_check_strict(fd.items[i].stored, 64);
		}
		fhir_doc_free(&fd);
	}
	arena_free(a);
	cJSON_Delete(doc);
	return 0;
}
