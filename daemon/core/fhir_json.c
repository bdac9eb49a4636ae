/* FHIR JSON: readers of FHIR's JSON shapes (see fhir_json.h). */
#include "fhir_json.h"
#include "isoweek.h"
#include "jsonstrict.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

const char *fhir_str(const cJSON *o, const char *key)
{
	const cJSON *v = json_get(o, key);
	return cJSON_IsString(v) && v->valuestring[0] ? v->valuestring : NULL;
}

bool fhir_is_type(const cJSON *res, const char *type)
{
	const char *t = fhir_str(res, "resourceType");
	return t && strcmp(t, type) == 0;
}

const char *fhir_concept_text(const cJSON *cc)
{
	const char *t = fhir_str(cc, "text");
	const cJSON *c;
	if (t)
		return t;
	cJSON_ArrayForEach(c, json_get(cc, "coding"))
	{
		if ((t = fhir_str(c, "display")) || (t = fhir_str(c, "code")))
			return t;
	}
	return NULL;
}

bool fhir_ref_matches(const char *ref, const cJSON *entry)
{
	const char *full = fhir_str(entry, "fullUrl");
	const cJSON *res = json_get(entry, "resource");
	const char *type = fhir_str(res, "resourceType"), *id = fhir_str(res, "id");
	char tail[160];

	if (full && strcmp(full, ref) == 0)
		return true;
	if (!type || !id)
		return false;
	snprintf(tail, sizeof(tail), "%s/%s", type, id);
	size_t n = strlen(ref), t = strlen(tail);
	return n >= t && strcmp(ref + n - t, tail) == 0 && (n == t || ref[n - t - 1] == '/');
}

int fhir_seriousness(const char *code)
{
	static const char *const serious[] = {"serious", "sid",	  "sip", "sih",	 "sids",
					      "sibd",	 "mibse", "yes", "true", NULL};
	char buf[32];
	size_t n = 0;

	for (; code && *code && n < sizeof(buf) - 1; code++)
		if ((*code >= 'a' && *code <= 'z') || (*code >= 'A' && *code <= 'Z'))
			buf[n++] = (char)(*code | 0x20);
	buf[n] = '\0';
	if (strncmp(buf, "non", 3) == 0 || strncmp(buf, "not", 3) == 0 || strcmp(buf, "no") == 0 ||
	    strcmp(buf, "false") == 0)
		return 0;
	for (const char *const *p = serious; *p; p++)
		if (strcmp(buf, *p) == 0)
			return 1;
	return -1;
}

int fhir_outward_code(const char *postal, char *buf, size_t len)
{
	char compact[16];
	size_t n = 0;

	for (const char *p = postal; p && *p && n < sizeof(compact) - 1; p++)
		if (*p != ' ')
			compact[n++] = *p;
	if (n >= 5 && n <= 7)
		n -= 3; /* the inward code is always digit + two letters */
	else if (n < 2 || n > 4)
		return -EINVAL;
	if (n >= len)
		return -EINVAL;
	memcpy(buf, compact, n);
	buf[n] = '\0';
	return 0;
}

/* The calendar day of a FHIR date or dateTime ("YYYY-MM-DD", alone or
 * before its 'T'), in days since the epoch: isoweek's one date parser. */
static int day_of(const char *s, long *ret_days)
{
	char date[ISOWEEK_DATE_LEN];
	if (!s || strlen(s) < 10 || (s[10] && s[10] != 'T'))
		return -EINVAL;
	memcpy(date, s, 10);
	date[10] = '\0';
	return isoweek_parse_date(date, ret_days);
}

int fhir_days_between(const char *from, const char *to, long *ret_days)
{
	long a, b;
	if (day_of(from, &a) < 0 || day_of(to, &b) < 0)
		return -EINVAL;
	*ret_days = a - b;
	return 0;
}
