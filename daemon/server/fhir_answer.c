/* FHIR answers: OperationOutcome, batch/transaction-response Bundles and
 * the CapabilityStatement, rendered from the API's own answers. */
#include "fhir_answer.h"
#include "fhir.h"
#include "fhir_outcome.h"
#include "request.h"
#include "respond.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#ifndef NW_VERSION
#define NW_VERSION "0.1.0"
#endif
#define FHIR_VERSION "4.0.1"
/* When this CapabilityStatement last changed (its required date). */
#define CAPABILITY_DATE "2026-12-08"

static const char *str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A request's FHIR answer: out of memory is answered 503 and counted, not
 * a dropped connection. */
static enum MHD_Result queue_fhir_rq(struct request *rq, unsigned status, const cJSON *res)
{
	enum MHD_Result ret;
	if (!res || respond_cjson(rq->conn, status, FHIR_MEDIA_TYPE, res, NULL, &ret) < 0)
		return respond_oom(rq, "fhir_answer");
	rq->status = status;
	return ret;
}

/* ---- Bundles -------------------------------------------------------------------- */

static const char *http_status_line(const char *state)
{
	if (strcmp(state, "accepted") == 0)
		return "201 Created";
	if (strcmp(state, "duplicate") == 0)
		return "200 OK";
	if (strcmp(state, "conflict") == 0)
		return "409 Conflict";
	return "422 Unprocessable Entity";
}

/* The response entry for one AdverseEvent's native result. */
static cJSON *entry_for_result(const cJSON *r)
{
	const char *state = str(r, "status");
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(r, "id");
	bool conflict = state && strcmp(state, "conflict") == 0;
	cJSON *entry = cJSON_CreateObject(), *issues;
	cJSON *resp = cJSON_AddObjectToObject(entry, "response");
	char loc[48];

	cJSON_AddStringToObject(resp, "status", http_status_line(state ? state : "rejected"));
	if (cJSON_IsNumber(id)) {
		snprintf(loc, sizeof(loc), "/v1/reports/%.0f", id->valuedouble);
		cJSON_AddStringToObject(resp, "location", loc);
	}
	cJSON *errors = cJSON_GetObjectItemCaseSensitive(r, "errors");
	cJSON *warnings = cJSON_GetObjectItemCaseSensitive(r, "warnings");
	if (!cJSON_GetArraySize(errors) && !cJSON_GetArraySize(warnings))
		return entry;
	cJSON *oo = fhir_outcome_new(&issues);
	fhir_outcome_add_issues(issues, "error", conflict ? "conflict" : "invalid", errors);
	fhir_outcome_add_issues(issues, "warning", "informational", warnings);
	cJSON_AddItemToObject(resp, "outcome", oo);
	return entry;
}

/* An entry that is not an AdverseEvent is not a report: it is read with
 * the AdverseEvent that refers to it and kept only inside that report. */
static cJSON *entry_for_other(void)
{
	cJSON *entry = cJSON_CreateObject(), *issues;
	cJSON *resp = cJSON_AddObjectToObject(entry, "response");
	cJSON_AddStringToObject(resp, "status", "200 OK");
	cJSON *oo = fhir_outcome_new(&issues);
	fhir_outcome_add_issue(
	    issues, "information", "informational", NULL,
	    "not an AdverseEvent: read with the AdverseEvent that refers to it, not stored "
	    "on its own");
	cJSON_AddItemToObject(resp, "outcome", oo);
	return entry;
}

/* 422: a transaction is all or nothing, and one of its entries was refused. */
static enum MHD_Result transaction_refused(struct request *rq, const cJSON *results)
{
	cJSON *issues, *oo = fhir_outcome_new(&issues);
	const cJSON *r;

	fhir_outcome_add_issue(
	    issues, "error", "invalid", NULL,
	    "transaction refused: an entry is invalid, so none was stored; correct the "
	    "entries below and send the transaction again");
	cJSON_ArrayForEach(r, results)
	{
		fhir_outcome_add_issues(issues, "error", "invalid",
					cJSON_GetObjectItemCaseSensitive(r, "errors"));
	}
	enum MHD_Result ret = queue_fhir_rq(rq, MHD_HTTP_UNPROCESSABLE_CONTENT, oo);
	cJSON_Delete(oo);
	return ret;
}

enum MHD_Result fhir_answer_bundle(struct request *rq, const cJSON *native, const char *bundle_type,
				   int n_entries)
{
	bool transaction = bundle_type && strcmp(bundle_type, "transaction") == 0;
	const cJSON *results = cJSON_GetObjectItemCaseSensitive(native, "results");
	const cJSON *rejected = cJSON_GetObjectItemCaseSensitive(native, "rejected");
	const cJSON *r;

	if (transaction && cJSON_IsNumber(rejected) && rejected->valuedouble > 0)
		return transaction_refused(rq, results);
	cJSON *b = cJSON_CreateObject();
	cJSON_AddStringToObject(b, "resourceType", "Bundle");
	cJSON_AddStringToObject(b, "type", transaction ? "transaction-response" : "batch-response");
	cJSON *entries = cJSON_AddArrayToObject(b, "entry");
	cJSON **slot = calloc(n_entries > 0 ? (size_t)n_entries : 1, sizeof(*slot));
	if (!b || !entries || !slot) {
		free(slot);
		cJSON_Delete(b);
		return respond_oom(rq, "fhir_answer");
	}
	cJSON_ArrayForEach(r, results)
	{
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(r, "entry");
		int i = cJSON_IsNumber(e) ? (int)e->valuedouble : -1;
		if (i >= 0 && i < n_entries && !slot[i])
			slot[i] = entry_for_result(r);
	}
	/* Entry order is the request's, as batch-response requires. */
	for (int i = 0; i < n_entries; i++)
		cJSON_AddItemToArray(entries, slot[i] ? slot[i] : entry_for_other());
	free(slot);
	enum MHD_Result ret = queue_fhir_rq(rq, MHD_HTTP_OK, b);
	cJSON_Delete(b);
	return ret;
}

/* ---- CapabilityStatement ---------------------------------------------------------- */

/* The extensions the mapping reads (docs/fhir/ holds their definitions). */
static const char *const EXTENSIONS[] = {
    "version",
    "reporter-role",
    "duration-days",
    "treatment",
    "procedure-date",
    "practitioner-role",
    "device",
    "setting",
    "premises-code",
    "needle-depth",
    "sterile-single-use-cartridge",
    "antiviral-prophylaxis",
    "sex",
    "postcode-district",
    "age-band",
    "fitzpatrick",
    "history",
    "narrative",
};

static cJSON *capability_resource(void)
{
	cJSON *res = cJSON_CreateObject();
	cJSON_AddStringToObject(res, "type", "AdverseEvent");
	cJSON *ia = cJSON_AddArrayToObject(res, "interaction");
	cJSON *create = cJSON_CreateObject();
	cJSON_AddStringToObject(create, "code", "create");
	cJSON_AddStringToObject(create, "documentation",
				"POST /v1/reports with Content-Type: application/fhir+json");
	cJSON_AddItemToArray(ia, create);
	cJSON *profiles = cJSON_AddArrayToObject(res, "supportedProfile");
	cJSON_AddItemToArray(
	    profiles, cJSON_CreateString("http://hl7.org/fhir/StructureDefinition/AdverseEvent"));
	char doc[2048];
	size_t used = (size_t)snprintf(doc, sizeof(doc),
				       "one AdverseEvent is one report with one complication; "
				       "extensions read (each " FHIR_EXTENSION_BASE "<name>):");
	for (size_t i = 0; i < sizeof(EXTENSIONS) / sizeof(EXTENSIONS[0]) && used < sizeof(doc);
	     i++)
		used += (size_t)snprintf(doc + used, sizeof(doc) - used, " %s", EXTENSIONS[i]);
	cJSON_AddStringToObject(res, "documentation", doc);
	return res;
}

static cJSON *capability_rest(void)
{
	cJSON *rest = cJSON_CreateObject();
	cJSON_AddStringToObject(rest, "mode", "server");
	cJSON_AddStringToObject(rest, "documentation",
				"AdverseEvents and Bundles of them are POSTed to /v1/reports; "
				"answers are OperationOutcome, or a batch-response/"
				"transaction-response Bundle for a Bundle");
	cJSON *sec = cJSON_AddObjectToObject(rest, "security");
	cJSON_AddStringToObject(sec, "description",
				"Authorization: Bearer <token> issued by the operator "
				"(needlewatchctl token create), or a client certificate bound "
				"to the account");
	cJSON *resources = cJSON_AddArrayToObject(rest, "resource");
	cJSON_AddItemToArray(resources, capability_resource());
	cJSON *ia = cJSON_AddArrayToObject(rest, "interaction");
	static const char *const whole[] = {"batch", "transaction"};
	for (size_t i = 0; i < 2; i++) {
		cJSON *x = cJSON_CreateObject();
		cJSON_AddStringToObject(x, "code", whole[i]);
		cJSON_AddItemToArray(ia, x);
	}
	return rest;
}

enum MHD_Result fhir_answer_metadata(struct request *rq)
{
	cJSON *cs = cJSON_CreateObject();
	cJSON_AddStringToObject(cs, "resourceType", "CapabilityStatement");
	cJSON_AddStringToObject(cs, "status", "active");
	cJSON_AddStringToObject(cs, "date", CAPABILITY_DATE);
	cJSON_AddStringToObject(cs, "kind", "instance");
	cJSON *sw = cJSON_AddObjectToObject(cs, "software");
	cJSON_AddStringToObject(sw, "name", "needlewatchd");
	cJSON_AddStringToObject(sw, "version", NW_VERSION);
	cJSON *impl = cJSON_AddObjectToObject(cs, "implementation");
	cJSON_AddStringToObject(impl, "description",
				"Needlewatch: microneedling complication reports");
	cJSON_AddStringToObject(cs, "fhirVersion", FHIR_VERSION);
	cJSON *fmt = cJSON_AddArrayToObject(cs, "format");
	cJSON_AddItemToArray(fmt, cJSON_CreateString(FHIR_MEDIA_TYPE));
	cJSON *rest = cJSON_AddArrayToObject(cs, "rest");
	cJSON_AddItemToArray(rest, capability_rest());
	enum MHD_Result ret = queue_fhir_rq(rq, MHD_HTTP_OK, cs);
	cJSON_Delete(cs);
	return ret;
}
