/* The closed code lists as one JSON document (see codes_dump.h). */
#include "codes_dump.h"
#include "codes.h"

#include <cJSON.h>
#include <errno.h>
#include <stdlib.h>

/* list as a JSON array of strings, added to obj under key; NULL on OOM. */
static cJSON *add_list(cJSON *obj, const char *key, const char *const *list)
{
	cJSON *a = cJSON_AddArrayToObject(obj, key);

	for (size_t i = 0; a && list[i]; i++)
		if (!cJSON_AddItemToArray(a, cJSON_CreateString(list[i])))
			return NULL;
	return a;
}

/* One vocabulary field: codes in file order; complications with their group. */
static int add_field(cJSON *obj, const struct vocab *v, enum vocab_field f)
{
	cJSON *node = f == VOCAB_COMPLICATION ? cJSON_AddObjectToObject(obj, vocab_field_name(f))
					      : cJSON_AddArrayToObject(obj, vocab_field_name(f));

	for (size_t i = 0; node && i < vocab_code_count(v, f); i++) {
		const char *code = vocab_code_at(v, f, i);
		cJSON *ok =
		    f == VOCAB_COMPLICATION
			? cJSON_AddStringToObject(node, code, vocab_complication_group(v, code))
			: (cJSON_AddItemToArray(node, cJSON_CreateString(code)) ? node : NULL);
		if (!ok)
			return -ENOMEM;
	}
	return node ? 0 : -ENOMEM;
}

static cJSON *build(const struct vocab *v)
{
	cJSON *root = cJSON_CreateObject();
	cJSON *schema = cJSON_AddObjectToObject(root, "schema");
	cJSON *vocab = cJSON_AddObjectToObject(root, "vocabulary");

	if (!schema || !vocab || !add_list(schema, "setting", codes_settings) ||
	    !add_list(schema, "complication_group", codes_groups) ||
	    !add_list(schema, "reporter_role", codes_reporter_roles))
		goto fail;
	for (int f = 0; f < VOCAB_FIELD_COUNT; f++)
		if (add_field(vocab, v, (enum vocab_field)f) < 0)
			goto fail;
	return root;
fail:
	cJSON_Delete(root);
	return NULL;
}

int codes_dump(const struct vocab *v, FILE *out)
{
	cJSON *root = build(v);
	char *text = root ? cJSON_Print(root) : NULL;
	int rc = !text ? -ENOMEM : fprintf(out, "%s\n", text) < 0 ? -EIO : 0;

	free(text);
	cJSON_Delete(root);
	return rc;
}
