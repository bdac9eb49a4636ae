/* FHIR JSON: readers of FHIR's JSON shapes (see fhir_json.h). */
#include "fhir_json.h"
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

static int digits(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static int parse_ymd(const char *s, int *y, int *mo, int *d)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (!s || strlen(s) < 10 || s[4] != '-' || s[7] != '-' || (s[10] && s[10] != 'T'))
		return -EINVAL;
	*y = digits(s, 4);
	*mo = digits(s + 5, 2);
	*d = digits(s + 8, 2);
	if (*y < 0 || *mo < 1 || *mo > 12 || *d < 1 || *d > mdays[*mo - 1])
		return -EINVAL;
	if (*mo == 2 && *d == 29 && !((*y % 4 == 0 && *y % 100 != 0) || *y % 400 == 0))
		return -EINVAL;
	return 0;
}

/* Days since 1970-01-01 (H. Hinnant's days_from_civil). */
static long days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int fhir_days_between(const char *from, const char *to, long *ret_days)
{
	int y1, m1, d1, y2, m2, d2;
	if (parse_ymd(from, &y1, &m1, &d1) < 0 || parse_ymd(to, &y2, &m2, &d2) < 0)
		return -EINVAL;
	*ret_days = days_from_civil(y1, m1, d1) - days_from_civil(y2, m2, d2);
	return 0;
}
