/* needlewatchctl --json: query results as JSON arrays. */
#include "ctl_json.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* PostgreSQL's type OIDs (pg_type.dat): fixed since 7.x. */
#define OID_BOOL 16
#define OID_INT8 20
#define OID_INT2 21
#define OID_INT4 23
#define OID_FLOAT4 700
#define OID_FLOAT8 701
#define OID_NUMERIC 1700

static cJSON *value(const PGresult *res, int row, int col)
{
	if (PQgetisnull(res, row, col))
		return cJSON_CreateNull();
	const char *v = PQgetvalue(res, row, col);
	switch (PQftype(res, col)) {
	case OID_BOOL:
		return cJSON_CreateBool(strcmp(v, "t") == 0);
	case OID_INT2:
	case OID_INT4:
	case OID_INT8:
	case OID_FLOAT4:
	case OID_FLOAT8:
	case OID_NUMERIC:
		/* as PostgreSQL wrote it: ids past 2^53 stay exact */
		return cJSON_CreateRaw(v);
	default:
		return cJSON_CreateString(v);
	}
}

int ctl_print_json(const PGresult *res, const char *const *names, FILE *out)
{
	cJSON *arr = cJSON_CreateArray();
	int rows = PQntuples(res), cols = PQnfields(res);

	for (int r = 0; arr && r < rows; r++) {
		cJSON *o = cJSON_CreateObject();
		if (!o || !cJSON_AddItemToArray(arr, o))
			goto fail;
		for (int c = 0; c < cols; c++) {
			cJSON *v = value(res, r, c);
			if (!v || !cJSON_AddItemToObject(o, names[c], v)) {
				cJSON_Delete(v);
				goto fail;
			}
		}
	}
	char *text = arr ? cJSON_Print(arr) : NULL;
	cJSON_Delete(arr);
	if (!text)
		return -ENOMEM;
	fprintf(out, "%s\n", text);
	free(text);
	return 0;
fail:
	cJSON_Delete(arr);
	return -ENOMEM;
}
