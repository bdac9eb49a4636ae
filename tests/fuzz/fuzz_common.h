/* Shared set-up of the libFuzzer targets: the shipped vocabulary and
 * regions, a fixed pseudonym key, and a fixed "today", loaded once by the
 * LLVMFuzzerInitialize defined here; and the checks every target makes of
 * a normalised report. Each target is one program that includes this once. */
#ifndef NW_FUZZ_COMMON_H
#define NW_FUZZ_COMMON_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "issues.h"
#include "jsonstrict.h"
#include "normalise.h"
#include "pseudonym.h"
#include "region.h"
#include "vocab.h"

#ifndef NW_ROOT
#define NW_ROOT "."
#endif

static struct vocab *fuzz_vocab;
static struct region_table *fuzz_regions;
static struct pseudonym_key fuzz_key;

/* Aborts when the shipped tables cannot be read: fuzzing without them would
 * exercise nothing of the mapping. */
static void fuzz_setup(void)
{
	char err[512];
	fuzz_vocab = vocab_load(NW_ROOT "/config/vocabulary.json", err, sizeof(err));
	if (!fuzz_vocab) {
		fprintf(stderr, "fuzz: %s\n", err);
		abort();
	}
	fuzz_regions = region_load(NW_ROOT "/config/postcode-regions.tsv", err, sizeof(err));
	if (!fuzz_regions) {
		fprintf(stderr, "fuzz: %s\n", err);
		abort();
	}
	memset(fuzz_key.bytes, 0x5a, 32);
	fuzz_key.len = 32;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_setup();
	return 0;
}

static struct normalise_ctx fuzz_ctx(void)
{
	struct normalise_ctx ctx = {.vocab = fuzz_vocab, .regions = fuzz_regions, .key = &fuzz_key};
	memcpy(ctx.today, "2026-11-27", 11);
	return ctx;
}

/* What is stored or served must print, and the printed text must be strict
 * JSON again within max_depth (no member lost its name, none doubled). */
static void fuzz_check_strict(const cJSON *j, int max_depth)
{
	struct json_limits lim = {.max_depth = max_depth, .max_string_bytes = 1 << 20};
	char *s = cJSON_PrintUnformatted(j);
	if (!s)
		abort();
	cJSON *back = json_parse_strict(s, strlen(s), &lim, NULL);
	if (!back)
		abort();
	cJSON_Delete(back);
	free(s);
}

/* What every normalised report must satisfy: its JSON prints, and the
 * printed text is strict JSON again (it is stored and served as such). */
static void fuzz_check_report(const struct report *r)
{
	cJSON *j = report_to_json(r);
	if (!j)
		abort();
	fuzz_check_strict(j, 32);
	cJSON_Delete(j);
}

/* Normalises doc as the daemon does, into errors (initialised here, on a),
 * and checks the report when it is valid; returns normalise_report's result. */
static int fuzz_normalise(const cJSON *doc, struct arena *a, struct issues *errors)
{
	struct normalise_ctx ctx = fuzz_ctx();
	struct issues warnings;
	struct report r;

	issues_init(errors, a);
	issues_init(&warnings, a);
	int rc = normalise_report(&ctx, doc, a, &r, errors, &warnings);
	if (rc == 0)
		fuzz_check_report(&r);
	return rc;
}

#endif
