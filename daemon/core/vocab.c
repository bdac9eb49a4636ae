/* Vocabulary: folds what people write and maps it to canonical codes.
 *
 * Each field is a sorted array of (folded term, code) pairs searched with
 * bsearch(). The vocabulary is a few thousand short strings, loaded once and
 * then only read by every request thread, so a flat sorted array is simpler
 * than a hash table, needs no locking and is as fast at this size.
 * Everything a vocabulary owns lives in one arena, freed in one call. */
#include "vocab.h"
#include "util.h"
#include "arena.h"
#include "codes.h"

#include <cJSON.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest folded term. Longer raw text is never a vocabulary term, which
 * lets lookups fold into a stack buffer. */
#define VOCAB_TERM_MAX 128
/* Longest code or group name; they are identifiers, not prose. */
#define VOCAB_CODE_MAX 64
/* The real file is a few tens of KiB: anything this large is a mistake. */
#define VOCAB_FILE_MAX (4 * 1024 * 1024)
/* medically_trained not (yet) given; distinct from -1, "unknown". */
#define TRAINED_UNSET (-2)

struct vocab_code {
	const char *name;
	const char *group; /* complication codes only */
	int trained;	   /* practitioner roles only: 1, 0 or -1 */
};

struct vocab_term {
	const char *folded;
	const struct vocab_code *code;
};

struct vocab_table {
	struct vocab_code *codes; /* sorted by name */
	const char **order;	  /* the same names in file order, for listings */
	size_t ncodes;
	struct vocab_term *terms; /* sorted by folded, each folded term once */
	size_t nterms;
};

struct vocab {
	struct arena *arena;
	struct vocab_table fields[VOCAB_FIELD_COUNT];
};

/* Section names in vocabulary.json, indexed by enum vocab_field. */
static const char *const field_names[] = {
    [VOCAB_SETTING] = "setting",
    [VOCAB_PRACTITIONER_ROLE] = "practitioner_role",
    [VOCAB_COMPLICATION] = "complication",
    [VOCAB_SEVERITY] = "severity",
    [VOCAB_OUTCOME] = "outcome",
    [VOCAB_DEVICE] = "device",
    [VOCAB_PROCEDURE_TYPE] = "procedure_type",
    [VOCAB_SEX] = "sex",
};
_Static_assert(sizeof(field_names) / sizeof(field_names[0]) == VOCAB_FIELD_COUNT,
	       "one section name per vocab_field");

/* State of one vocab_load() call: where errors go and what is being built. */
struct loader {
	const char *path;
	char *err;
	size_t errlen;
	struct vocab *v;
};

static int fail(const struct loader *ld, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Writes "path: message" into the caller's buffer; always returns -EINVAL so
 * callers can "return fail(...)". */
static int fail(const struct loader *ld, const char *fmt, ...)
{
	va_list ap;

	if (!ld->err || !ld->errlen)
		return -EINVAL;
	int n = snprintf(ld->err, ld->errlen, "%s: ", ld->path);
	if (n < 0 || (size_t)n >= ld->errlen)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(ld->err + n, ld->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* ---- folding ---- */

static int ascii_alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* UTF-8 punctuation that word processors and phones put in place of ASCII
 * (no-break space, hyphens and dashes, curly quotes, bullets, ellipsis) is
 * folded like ASCII punctuation, so "post‑inflammatory" pasted from a letter
 * still matches. Every other non-ASCII byte is kept as it is. Returns the
 * length of such a character at s, or 0. */
static size_t utf8_separator_len(const unsigned char *s)
{
	if (s[0] == 0xc2 && s[1] == 0xa0)
		return 2; /* U+00A0 */
	if (s[0] == 0xe2 && s[1] == 0x80 && s[2] >= 0x90 && s[2] <= 0xa7)
		return 3; /* U+2010 .. U+2027 */
	return 0;
}

const char *vocab_fold(const char *raw, char *buf, size_t buflen)
{
	if (!raw || !buf || buflen == 0)
		return NULL;
	const unsigned char *s = (const unsigned char *)raw;
	size_t n = 0;
	int gap = 0;

	while (*s) {
		size_t sep = utf8_separator_len(s);
		if (sep || (*s < 0x80 && !ascii_alnum(*s))) {
			gap = 1;
			s += sep ? sep : 1;
			continue;
		}
		/* Room for a possible space, this byte and the NUL. */
		if (n + (gap && n) + 1 >= buflen)
			return NULL;
		if (gap && n)
			buf[n++] = ' ';
		gap = 0;
		buf[n++] = (char)((*s >= 'A' && *s <= 'Z') ? *s + ('a' - 'A') : *s);
		s++;
	}
	buf[n] = '\0';
	return buf;
}

/* ---- searching ---- */

static int cmp_code(const void *a, const void *b)
{
	const struct vocab_code *x = a, *y = b;
	return strcmp(x->name, y->name);
}

static int cmp_name_code(const void *key, const void *elem)
{
	const struct vocab_code *c = elem;
	return strcmp(key, c->name);
}

/* Equal folded terms sort together, ordered by code, so conflicts are adjacent
 * and reported the same way on every run. */
static int cmp_term(const void *a, const void *b)
{
	const struct vocab_term *x = a, *y = b;
	int r = strcmp(x->folded, y->folded);
	return r ? r : strcmp(x->code->name, y->code->name);
}

static int cmp_folded_term(const void *key, const void *elem)
{
	const struct vocab_term *t = elem;
	return strcmp(key, t->folded);
}

static struct vocab_code *find_code(const struct vocab_table *t, const char *name)
{
	if (!t->codes || !name)
		return NULL;
	return bsearch(name, t->codes, t->ncodes, sizeof(*t->codes), cmp_name_code);
}

/* ---- loading ---- */

static const cJSON *get(const cJSON *obj, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(obj, key);
}

/* cJSON keeps duplicate keys and returns the first: a second "salon" list
 * would be silently ignored, so refuse any duplicate anywhere. */
static const char *duplicate_key(const cJSON *node)
{
	for (const cJSON *c = node->child; c; c = c->next) {
		if (cJSON_IsObject(node)) {
			for (const cJSON *d = c->next; d; d = d->next)
				if (strcmp(c->string, d->string) == 0)
					return c->string;
		}
		const char *dup = duplicate_key(c);
		if (dup)
			return dup;
	}
	return NULL;
}

/* Codes and group names are identifiers: [a-z][a-z0-9_]*. */
static int name_ok(const char *s)
{
	size_t len = strlen(s);

	return len > 0 && len <= VOCAB_CODE_MAX && s[0] >= 'a' && s[0] <= 'z' &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == len;
}

/* The whole file, NUL-terminated, in malloc'd memory owned by the caller. */
static char *read_text(const struct loader *ld, size_t *ret_len)
{
	char *text = NULL;
	int r = util_read_file(ld->path, VOCAB_FILE_MAX, 0, &text, ret_len);

	if (r == -EFBIG)
		fail(ld, "larger than %d bytes", VOCAB_FILE_MAX);
	else if (r == -ENOMEM)
		fail(ld, "out of memory");
	else if (r < 0)
		fail(ld, "cannot open: %s", strerror(-r));
	return r < 0 ? NULL : text;
}

static cJSON *parse_json(const struct loader *ld, const char *text, size_t len)
{
	if (strlen(text) != len) {
		fail(ld, "contains a NUL byte");
		return NULL;
	}
	/* With require_null_terminated the length must include the NUL. */
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts(text, len + 1, &end, 1);
	if (root)
		return root;
	unsigned line = 1;
	for (const char *p = text; end && p < end && *p; p++)
		line += *p == '\n';
	fail(ld, "line %u: not valid JSON", line);
	return NULL;
}

/* Fills t->codes from the keys of "codes", sorted by name. */
static int build_codes(const struct loader *ld, const char *field, struct vocab_table *t,
		       const cJSON *codes)
{
	size_t n = (size_t)cJSON_GetArraySize(codes);

	t->codes = arena_alloc(ld->v->arena, n * sizeof(*t->codes));
	t->order = arena_alloc(ld->v->arena, n * sizeof(*t->order));
	if (!t->codes || !t->order)
		return fail(ld, "out of memory");
	for (const cJSON *c = codes->child; c; c = c->next) {
		if (!name_ok(c->string))
			return fail(ld,
				    "%s: code \"%s\" must be lower case letters, digits and '_'",
				    field, c->string);
		if (!cJSON_IsArray(c))
			return fail(ld, "%s: code \"%s\" must be an array of terms", field,
				    c->string);
		struct vocab_code *code = &t->codes[t->ncodes];
		code->name = arena_strdup(ld->v->arena, c->string);
		code->trained = TRAINED_UNSET;
		if (!code->name)
			return fail(ld, "out of memory");
		t->order[t->ncodes++] = code->name;
	}
	qsort(t->codes, t->ncodes, sizeof(*t->codes), cmp_code);
	return 0;
}

static int add_term(const struct loader *ld, const char *field, struct vocab_table *t,
		    const struct vocab_code *code, const char *raw)
{
	char buf[VOCAB_TERM_MAX + 1];

	if (!vocab_fold(raw, buf, sizeof(buf)))
		return fail(ld, "%s: term \"%.40s...\" is longer than %d characters", field, raw,
			    VOCAB_TERM_MAX);
	if (!buf[0])
		return fail(ld, "%s: term \"%s\" of %s has no letters or digits", field, raw,
			    code->name);
	struct vocab_term *term = &t->terms[t->nterms++];
	term->folded = arena_strdup(ld->v->arena, buf);
	term->code = code;
	return term->folded ? 0 : fail(ld, "out of memory");
}

/* The term of code as written in the file, or NULL when only code's own name
 * folds to folded. */
static const char *listed_term(const cJSON *codes, const struct vocab_code *code,
			       const char *folded)
{
	char buf[VOCAB_TERM_MAX + 1];
	const cJSON *list = get(codes, code->name);

	for (const cJSON *c = list ? list->child : NULL; c; c = c->next)
		if (vocab_fold(c->valuestring, buf, sizeof(buf)) && strcmp(buf, folded) == 0)
			return c->valuestring;
	return NULL;
}

/* A conflicting term as written in the file, for the error message: people
 * search the file for what they wrote, not for its folded form. */
static const char *conflict_term(const cJSON *codes, const struct vocab_term *a,
				 const struct vocab_term *b)
{
	const char *raw = listed_term(codes, a->code, a->folded);

	if (!raw)
		raw = listed_term(codes, b->code, b->folded);
	return raw ? raw : a->folded;
}

/* Sorts the terms and drops repeats within one code ("PIH" under pih folds to
 * the code itself). A term under two codes is an error: which one would win
 * would depend on sort order. */
static int sort_terms(const struct loader *ld, const char *field, struct vocab_table *t,
		      const cJSON *codes)
{
	size_t n = 0;

	qsort(t->terms, t->nterms, sizeof(*t->terms), cmp_term);
	for (size_t i = 0; i < t->nterms; i++) {
		const struct vocab_term *prev = n ? &t->terms[n - 1] : NULL;
		const struct vocab_term *cur = &t->terms[i];
		if (prev && strcmp(prev->folded, cur->folded) == 0) {
			if (prev->code == cur->code)
				continue;
			return fail(ld, "%s: term \"%s\" maps to both %s and %s", field,
				    conflict_term(codes, prev, cur), prev->code->name,
				    cur->code->name);
		}
		t->terms[n++] = *cur;
	}
	t->nterms = n;
	return 0;
}

/* Every code maps to itself, then to each of its terms. */
static int build_terms(const struct loader *ld, const char *field, struct vocab_table *t,
		       const cJSON *codes)
{
	size_t n = 0;
	int rc;

	for (const cJSON *c = codes->child; c; c = c->next)
		n += 1 + (size_t)cJSON_GetArraySize(c);
	t->terms = arena_alloc(ld->v->arena, n * sizeof(*t->terms));
	if (!t->terms)
		return fail(ld, "out of memory");
	for (const cJSON *c = codes->child; c; c = c->next) {
		const struct vocab_code *code = find_code(t, c->string);
		rc = add_term(ld, field, t, code, code->name);
		for (const cJSON *s = c->child; s && rc == 0; s = s->next) {
			if (!cJSON_IsString(s))
				return fail(ld, "%s: terms of %s must be strings", field,
					    code->name);
			rc = add_term(ld, field, t, code, s->valuestring);
		}
		if (rc < 0)
			return rc;
	}
	return sort_terms(ld, field, t, codes);
}

/* "description" is for people reading the file; it must still be a string. */
static int description_ok(const cJSON *obj)
{
	const cJSON *d = get(obj, "description");

	return !d || cJSON_IsString(d);
}

/* Keys a section may hold; anything else is most likely a typo. */
static int section_key_ok(enum vocab_field f, const char *key)
{
	return strcmp(key, "codes") == 0 || strcmp(key, "description") == 0 ||
	       (f == VOCAB_COMPLICATION && strcmp(key, "groups") == 0) ||
	       (f == VOCAB_PRACTITIONER_ROLE && strcmp(key, "medically_trained") == 0);
}

static int load_field(const struct loader *ld, enum vocab_field f, const cJSON *section)
{
	const char *field = field_names[f];
	struct vocab_table *t = &ld->v->fields[f];

	if (!cJSON_IsObject(section))
		return fail(ld, "section \"%s\" is missing or not an object", field);
	for (const cJSON *c = section->child; c; c = c->next)
		if (!section_key_ok(f, c->string))
			return fail(ld, "%s: unknown key \"%s\"", field, c->string);
	if (!description_ok(section))
		return fail(ld, "%s: \"description\" must be a string", field);
	const cJSON *codes = get(section, "codes");
	if (!cJSON_IsObject(codes) || !codes->child)
		return fail(ld, "%s: \"codes\" must be a non-empty object", field);
	int rc = build_codes(ld, field, t, codes);
	if (rc < 0)
		return rc;
	return build_terms(ld, field, t, codes);
}

/* A group is a row of summary.complication_groups, which gives it its
 * meaning and a row in every rate table, or the expected-reaction group,
 * which no table counts. Any other name would be stored on complication
 * rows and then counted nowhere. */
static int group_known(const char *name)
{
	return strcmp(name, CODES_GROUP_EXPECTED) == 0 || codes_rank(codes_groups, name) >= 0;
}

static int load_group(const struct loader *ld, const cJSON *group)
{
	struct vocab_table *t = &ld->v->fields[VOCAB_COMPLICATION];
	char known[256];

	if (!name_ok(group->string))
		return fail(ld,
			    "complication: group \"%s\" must be lower case letters, "
			    "digits and '_'",
			    group->string);
	if (!cJSON_IsArray(group) || !group->child)
		return fail(ld, "complication: group \"%s\" must be a non-empty array of codes",
			    group->string);
	if (!group_known(group->string))
		return fail(
		    ld,
		    "complication: group \"%s\" has no meaning in the database "
		    "(summary.complication_groups has %s; \"%s\" is for expected reactions)",
		    group->string, codes_join(codes_groups, known, sizeof(known)),
		    CODES_GROUP_EXPECTED);
	const char *name = arena_strdup(ld->v->arena, group->string);
	if (!name)
		return fail(ld, "out of memory");
	for (const cJSON *c = group->child; c; c = c->next) {
		struct vocab_code *code = cJSON_IsString(c) ? find_code(t, c->valuestring) : NULL;
		if (!code)
			return fail(ld, "complication: group \"%s\" lists an unknown code", name);
		if (code->group)
			return fail(ld, "complication: code \"%s\" is in groups \"%s\" and \"%s\"",
				    code->name, code->group, name);
		code->group = name;
	}
	return 0;
}

/* Every complication code in exactly one group: rates are published by group,
 * so a code without one would vanish from every table. */
static int load_groups(const struct loader *ld, const cJSON *section)
{
	const struct vocab_table *t = &ld->v->fields[VOCAB_COMPLICATION];
	const cJSON *groups = get(section, "groups");

	if (!cJSON_IsObject(groups) || !groups->child)
		return fail(ld, "complication: \"groups\" must be a non-empty object");
	for (const cJSON *g = groups->child; g; g = g->next) {
		int rc = load_group(ld, g);
		if (rc < 0)
			return rc;
	}
	for (size_t i = 0; i < t->ncodes; i++)
		if (!t->codes[i].group)
			return fail(ld, "complication: code \"%s\" has no group", t->codes[i].name);
	return 0;
}

/* Every setting is one premises.setting's CHECK allows: reports are summed
 * per setting and compared with registered premises, so a setting the
 * schema does not list would be stored and then shown in no table. */
static int check_settings(const struct loader *ld)
{
	const struct vocab_table *t = &ld->v->fields[VOCAB_SETTING];
	char known[256];

	for (size_t i = 0; i < t->ncodes; i++)
		if (codes_rank(codes_settings, t->order[i]) < 0)
			return fail(ld,
				    "setting: code \"%s\" is not a setting the database accepts "
				    "(premises.setting allows %s)",
				    t->order[i], codes_join(codes_settings, known, sizeof(known)));
	return 0;
}

/* normalise.c gives short-lived redness the code CODES_TYPE_EXPECTED by
 * name, so that code must exist wherever that rule can fire and must be an
 * expected reaction, or the redness would be counted as a complication.
 * The count is bounded because summaries list a row per code. */
static int check_complications(const struct loader *ld)
{
	const struct vocab_table *t = &ld->v->fields[VOCAB_COMPLICATION];
	const struct vocab_code *c = find_code(t, CODES_TYPE_EXPECTED);

	if (t->ncodes > VOCAB_COMPLICATION_MAX)
		return fail(ld, "complication: %zu codes, at most %d", t->ncodes,
			    VOCAB_COMPLICATION_MAX);
	if (c && strcmp(c->group, CODES_GROUP_EXPECTED) != 0)
		return fail(ld, "complication: code \"%s\" must be in group \"%s\", not \"%s\"",
			    CODES_TYPE_EXPECTED, CODES_GROUP_EXPECTED, c->group);
	if (!c && find_code(t, CODES_TYPE_ERYTHEMA))
		return fail(ld,
			    "complication: code \"%s\" needs code \"%s\" (in group \"%s\") "
			    "for redness gone within 72 hours",
			    CODES_TYPE_ERYTHEMA, CODES_TYPE_EXPECTED, CODES_GROUP_EXPECTED);
	return 0;
}

/* medically_trained for every role code, so the derived flag is never guessed. */
static int load_trained(const struct loader *ld, const cJSON *section)
{
	const struct vocab_table *t = &ld->v->fields[VOCAB_PRACTITIONER_ROLE];
	const cJSON *trained = get(section, "medically_trained");

	if (!cJSON_IsObject(trained))
		return fail(ld, "practitioner_role: \"medically_trained\" must be an object");
	for (const cJSON *c = trained->child; c; c = c->next) {
		struct vocab_code *code = find_code(t, c->string);
		if (!code)
			return fail(ld,
				    "practitioner_role: medically_trained names unknown "
				    "role \"%s\"",
				    c->string);
		if (!cJSON_IsBool(c) && !cJSON_IsNull(c))
			return fail(ld,
				    "practitioner_role: medically_trained of \"%s\" must be "
				    "true, false or null",
				    c->string);
		code->trained = cJSON_IsTrue(c) ? 1 : cJSON_IsFalse(c) ? 0 : -1;
	}
	for (size_t i = 0; i < t->ncodes; i++)
		if (t->codes[i].trained == TRAINED_UNSET)
			return fail(ld, "practitioner_role: medically_trained of \"%s\" is missing",
				    t->codes[i].name);
	return 0;
}

static int root_key_ok(const char *key)
{
	if (strcmp(key, "version") == 0 || strcmp(key, "description") == 0)
		return 1;
	for (size_t f = 0; f < VOCAB_FIELD_COUNT; f++)
		if (strcmp(key, field_names[f]) == 0)
			return 1;
	return 0;
}

static int load_root(const struct loader *ld, const cJSON *root)
{
	if (!cJSON_IsObject(root))
		return fail(ld, "the top level must be an object");
	const char *dup = duplicate_key(root);
	if (dup)
		return fail(ld, "duplicate key \"%s\"", dup);
	for (const cJSON *c = root->child; c; c = c->next)
		if (!root_key_ok(c->string))
			return fail(ld, "unknown section \"%s\"", c->string);
	if (!description_ok(root))
		return fail(ld, "\"description\" must be a string");
	const cJSON *version = get(root, "version");
	if (!cJSON_IsNumber(version) || version->valuedouble != 1)
		return fail(ld, "\"version\" must be 1");
	for (size_t f = 0; f < VOCAB_FIELD_COUNT; f++) {
		int rc = load_field(ld, (enum vocab_field)f, get(root, field_names[f]));
		if (rc < 0)
			return rc;
	}
	int rc = load_groups(ld, get(root, field_names[VOCAB_COMPLICATION]));
	if (rc == 0)
		rc = check_complications(ld);
	if (rc == 0)
		rc = check_settings(ld);
	if (rc < 0)
		return rc;
	return load_trained(ld, get(root, field_names[VOCAB_PRACTITIONER_ROLE]));
}

struct vocab *vocab_load(const char *path, char *err, size_t errlen)
{
	struct loader ld = {.path = path ? path : "(null)", .err = err, .errlen = errlen};
	struct vocab *v = NULL;
	cJSON *root = NULL;
	char *text = NULL;
	size_t len = 0;

	if (err && errlen)
		err[0] = '\0';
	text = read_text(&ld, &len);
	if (!text)
		goto out;
	root = parse_json(&ld, text, len);
	if (!root)
		goto out;
	v = calloc(1, sizeof(*v));
	if (v)
		v->arena = arena_new();
	if (!v || !v->arena) {
		fail(&ld, "out of memory");
		goto fail;
	}
	ld.v = v;
	if (load_root(&ld, root) < 0)
		goto fail;
	goto out;
fail:
	vocab_free(v);
	v = NULL;
out:
	cJSON_Delete(root);
	free(text);
	return v;
}

void vocab_free(struct vocab *v)
{
	if (!v)
		return;
	arena_free(v->arena);
	free(v);
}

/* ---- queries ---- */

static const struct vocab_table *table_of(const struct vocab *v, enum vocab_field field)
{
	if (!v || (unsigned)field >= VOCAB_FIELD_COUNT)
		return NULL;
	return &v->fields[field];
}

const char *vocab_lookup(const struct vocab *v, enum vocab_field field, const char *raw)
{
	const struct vocab_table *t = table_of(v, field);
	char buf[VOCAB_TERM_MAX + 1];

	if (!t || !vocab_fold(raw, buf, sizeof(buf)) || !buf[0])
		return NULL;
	const struct vocab_term *term =
	    bsearch(buf, t->terms, t->nterms, sizeof(*t->terms), cmp_folded_term);
	return term ? term->code->name : NULL;
}

int vocab_is_code(const struct vocab *v, enum vocab_field field, const char *code)
{
	const struct vocab_table *t = table_of(v, field);

	return t && find_code(t, code) != NULL;
}

const char *vocab_complication_group(const struct vocab *v, const char *code)
{
	const struct vocab_table *t = table_of(v, VOCAB_COMPLICATION);
	const struct vocab_code *c = t ? find_code(t, code) : NULL;

	return c ? c->group : NULL;
}

int vocab_role_medically_trained(const struct vocab *v, const char *code)
{
	const struct vocab_table *t = table_of(v, VOCAB_PRACTITIONER_ROLE);
	const struct vocab_code *c = t ? find_code(t, code) : NULL;

	return c ? c->trained : -1;
}

size_t vocab_code_count(const struct vocab *v, enum vocab_field field)
{
	const struct vocab_table *t = table_of(v, field);

	return t ? t->ncodes : 0;
}

const char *vocab_code_at(const struct vocab *v, enum vocab_field field, size_t i)
{
	const struct vocab_table *t = table_of(v, field);

	return t && i < t->ncodes ? t->order[i] : NULL;
}

const char *vocab_field_name(enum vocab_field field)
{
	return (unsigned)field < VOCAB_FIELD_COUNT ? field_names[field] : NULL;
}
