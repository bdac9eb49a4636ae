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

/* Loads and checks path: every complication code in exactly one group,
 * medically_trained for every role, no term under two codes of a field.
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

/* Whether a practitioner role code counts as medically trained: 1, 0, or -1
 * (unknown, including codes that are not roles). */
int vocab_role_medically_trained(const struct vocab *v, const char *code);

/* Folds raw text the way lookups do (lower case, punctuation to spaces,
 * runs of spaces collapsed, trimmed) into buf. Exposed for tests and review.
 * Returns buf, or NULL when raw or buf is NULL or the result does not fit. */
const char *vocab_fold(const char *raw, char *buf, size_t buflen);

#endif
