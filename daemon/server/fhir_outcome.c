/* FHIR outcome: whether a caller wants FHIR, and a problem+json object as an
 * OperationOutcome. Pure rendering: it queues nothing, so the responses
 * (respond.c) and the FHIR answers (fhir_answer.c) both build on it. */
#include "fhir_outcome.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Where an error's field is a report field, not a FHIR element, it is
 * given as a coding in this system (OperationOutcome.issue.details). */
#define REPORT_FIELD_SYSTEM "https://needlewatch.uk/fhir/report-field"
#define PROBLEM_SYSTEM "urn:needlewatch:problem"

static bool names_fhir(const char *v)
{
	return v &&
	       (strcasestr(v, "application/fhir+json") || strcasestr(v, "application/json+fhir"));
}

/* Accept decides when it names a type; otherwise (absent, or a wildcard
 * only) the body's Content-Type does, so a FHIR client that says nothing
 * gets FHIR while needlewatch-upload, which sends FHIR files with
 * Accept: application/json, keeps the API's own answers. */
bool fhir_outcome_wanted(struct MHD_Connection *c)
{
	const char *accept =
	    MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);

	if (names_fhir(accept))
		return true;
	if (accept && (strcasestr(accept, "application/json") ||
		       strcasestr(accept, "application/problem+json")))
		return false;
	return names_fhir(
	    MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE));
}

/* The issue-type code (http://hl7.org/fhir/issue-type) closest to status. */
static const char *issue_code(unsigned status)
{
	switch (status) {
	case 400:
		return "structure";
	case 401:
		return "login";
	case 403:
		return "forbidden";
	case 404:
		return "not-found";
	case 405:
		return "not-supported";
	case 409:
		return "conflict";
	case 413:
		return "too-costly";
	case 415:
		return "not-supported";
	case 422:
		return "invalid";
	case 429:
		return "throttled";
	case 503:
		return "transient";
	default:
		return status < 400 ? "informational" : "exception";
	}
}

static const char *str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* One issue. field: a FHIR path as the mapping writes it ("AdverseEvent.x",
 * "entry[3].resource.x": FHIRPath from the Bundle), a report field, or NULL. */
void fhir_outcome_add_issue(cJSON *issues, const char *severity, const char *code,
			    const char *field, const char *message)
{
	cJSON *i = cJSON_CreateObject();
	if (!i)
		return;
	cJSON_AddStringToObject(i, "severity", severity);
	cJSON_AddStringToObject(i, "code", code);
	if (message)
		cJSON_AddStringToObject(i, "diagnostics", message);
	if (field && *field) {
		bool in_bundle = strncmp(field, "entry[", 6) == 0;
		if (in_bundle || strncmp(field, "AdverseEvent", 12) == 0) {
			char path[160];
			snprintf(path, sizeof(path), "%s%s", in_bundle ? "Bundle." : "", field);
			cJSON *e = cJSON_AddArrayToObject(i, "expression");
			cJSON_AddItemToArray(e, cJSON_CreateString(path));
		} else {
			cJSON *d = cJSON_AddObjectToObject(i, "details");
			cJSON *cs = cJSON_AddArrayToObject(d, "coding");
			cJSON *cd = cJSON_CreateObject();
			cJSON_AddStringToObject(cd, "system", REPORT_FIELD_SYSTEM);
			cJSON_AddStringToObject(cd, "code", field);
			cJSON_AddItemToArray(cs, cd);
			cJSON_AddStringToObject(d, "text", field);
		}
	}
	cJSON_AddItemToArray(issues, i);
}

/* Each {"field", "message"} of list as an issue. */
void fhir_outcome_add_issues(cJSON *issues, const char *severity, const char *code,
			     const cJSON *list)
{
	const cJSON *e;
	cJSON_ArrayForEach(e, list)
	{
		fhir_outcome_add_issue(issues, severity, code, str(e, "field"), str(e, "message"));
	}
}

cJSON *fhir_outcome_new(cJSON **ret_issues)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "resourceType", "OperationOutcome");
	*ret_issues = cJSON_AddArrayToObject(o, "issue");
	return o;
}

cJSON *fhir_outcome_from_problem(const cJSON *problem)
{
	cJSON *issues, *o = fhir_outcome_new(&issues);
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(problem, "status");
	unsigned status = cJSON_IsNumber(st) ? (unsigned)st->valuedouble : 500;
	const char *type = str(problem, "type"), *title = str(problem, "title");
	const char *detail = str(problem, "detail");
	char text[512];

	if (!o || !issues) {
		cJSON_Delete(o);
		return NULL;
	}
	/* The first issue is the problem itself, its type kept as a coding so
	 * a client can branch on it as on problem+json's type. */
	snprintf(text, sizeof(text), "%s%s%s", title ? title : "", detail ? ": " : "",
		 detail ? detail : "");
	fhir_outcome_add_issue(issues, "error", issue_code(status), NULL, text);
	cJSON *first = cJSON_GetArrayItem(issues, 0);
	if (first && type) {
		const char *slug = strrchr(type, ':');
		cJSON *d = cJSON_AddObjectToObject(first, "details");
		cJSON *cs = cJSON_AddArrayToObject(d, "coding");
		cJSON *cd = cJSON_CreateObject();
		cJSON_AddStringToObject(cd, "system", PROBLEM_SYSTEM);
		cJSON_AddStringToObject(cd, "code", slug ? slug + 1 : type);
		cJSON_AddItemToArray(cs, cd);
		if (title)
			cJSON_AddStringToObject(d, "text", title);
	}
	fhir_outcome_add_issues(issues, "error", issue_code(status),
				cJSON_GetObjectItemCaseSensitive(problem, "errors"));
	return o;
}
