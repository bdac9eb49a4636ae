/* Shared set-up of the libFuzzer targets: the shipped vocabulary and
 * regions, a fixed pseudonym key, and a fixed "today", loaded once. */
#ifndef NW_FUZZ_COMMON_H
#define NW_FUZZ_COMMON_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static struct normalise_ctx fuzz_ctx(void)
{
	struct normalise_ctx ctx = {.vocab = fuzz_vocab, .regions = fuzz_regions, .key = &fuzz_key};
	memcpy(ctx.today, "2026-11-27", 11);
	return ctx;
}

/* What every normalised report must satisfy: its JSON prints, and the
 * printed text is strict JSON again (it is stored and served as such). */
static void fuzz_check_report(const struct report *r)
{
	struct json_limits lim = {.max_depth = 32, .max_string_bytes = 1 << 20};
	cJSON *j = report_to_json(r);
	if (!j)
		abort();
	char *s = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	if (!s)
		abort();
	cJSON *back = json_parse_strict(s, strlen(s), &lim, NULL);
	if (!back)
		abort();
	cJSON_Delete(back);
	free(s);
}

#endif
