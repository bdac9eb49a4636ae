/* Vocabulary: maps what people write to canonical codes (config/vocabulary.json).
 *
 * Loaded at start and on SIGHUP; a loaded vocabulary is immutable, so
 * request threads may share it freely. Matching folds ASCII case, punctuation
 * and whitespace ("Beauty-Salon " == "beauty salon"); accented letters are
 * kept as written. */
#ifndef NW_VOCAB_H
#define NW_VOCAB_H

#include <stddef.h>

/* The vocabulary's fields; each is one section of vocabulary.json. */
enum vocab_field {
	VOCAB_SETTING,
	VOCAB_PRACTITIONER_ROLE,
	VOCAB_COMPLICATION,
	VOCAB_SEVERITY,
	VOCAB_OUTCOME,
	VOCAB_DEVICE,
	VOCAB_PROCEDURE_TYPE,
	VOCAB_SEX,
	VOCAB_FIELD_COUNT
};

struct vocab;

/* Most complication codes a vocabulary may have: a summary by
 * complication_type has a row per code. */
#define VOCAB_COMPLICATION_MAX 64

/* Loads and checks path: every complication code in exactly one group,
 * medically_trained for every role, no term under two codes of a field;
 * and against what the schema accepts (codes.h): every setting one that
 * premises.setting allows, every group a row of summary.complication_groups
 * or "expected", expected_reaction in "expected", at most
 * VOCAB_COMPLICATION_MAX complication codes. The message names the code.
 * NULL on failure with a reason in err ("path: ..."). The caller owns the
 * result and frees it with vocab_free(), which accepts NULL. */
struct vocab *vocab_load(const char *path, char *err, size_t errlen);
void vocab_free(struct vocab *v);

/* The canonical code for raw text in field, or NULL when the vocabulary does
 * not know it. A canonical code itself always maps to itself. The returned
 * string lives as long as v. */
const char *vocab_lookup(const struct vocab *v, enum vocab_field field, const char *raw);

/* True when code is one of field's canonical codes. */
int vocab_is_code(const struct vocab *v, enum vocab_field field, const char *code);

/* The group of a complication code ("infection", "pigmentation", ...), or NULL. */
const char *vocab_complication_group(const struct vocab *v, const char *code);

/* The number of canonical codes of field, and the i-th of them in the order
 * vocabulary.json lists them (NULL past the end; lives as long as v). */
size_t vocab_code_count(const struct vocab *v, enum vocab_field field);
const char *vocab_code_at(const struct vocab *v, enum vocab_field field, size_t i);

/* The section of field in vocabulary.json ("practitioner_role"), or NULL. */
const char *vocab_field_name(enum vocab_field field);

/* Whether a practitioner role code counts as medically trained: 1, 0, or -1
 * (unknown, including codes that are not roles). */
int vocab_role_medically_trained(const struct vocab *v, const char *code);

/* Folds raw text the way lookups do (lower case, punctuation to spaces,
 * runs of spaces collapsed, trimmed) into buf. Exposed for tests and review.
 * Returns buf, or NULL when raw or buf is NULL or the result does not fit. */
const char *vocab_fold(const char *raw, char *buf, size_t buflen);

#endif
