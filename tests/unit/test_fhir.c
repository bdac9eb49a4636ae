/* Unit tests for daemon/core/fhir.c: FHIR R4 AdverseEvent (the specification's
 * own example, a hospital's Bundle, contained resources) into reports, then
 * through the real normalise_report(). */
#include "helpers.h"

#include "fhir.h"
#include "fhir_json.h"
#include "jsonstrict.h"
#include "normalise.h"
#include "report_csv.h"

#define FIXTURES "tests/fixtures/fhir/"

struct fx {
	struct arena *a;
	cJSON *doc;
	struct fhir_doc fd;
	int rc;
	char reason[200];
	struct issues errors, warnings;
	struct report r;
};

static cJSON *parse_file(const char *name)
{
	char path[256], *buf;
	size_t n;
	snprintf(path, sizeof(path), FIXTURES "%s", name);
	buf = th_read_file(path, &n);
	struct json_limits lim = {.max_depth = 32, .max_string_bytes = 65536};
	cJSON *doc = json_parse_strict(buf, n, &lim, NULL);
	free(buf);
	assert_non_null(doc);
	return doc;
}

static void map_doc(struct fx *f, cJSON *doc, const struct pseudonym_key *k, size_t max)
{
	struct fhir_ctx ctx = {.vocab = shipped.vocab, .key = k};
	memset(f, 0, sizeof(*f));
	f->a = arena_new();
	f->doc = doc;
	f->rc = fhir_map(&ctx, doc, max, f->a, &f->fd, f->reason, sizeof(f->reason));
}

static void map_file(struct fx *f, const char *name)
{
	map_doc(f, parse_file(name), &shipped.key, 1000);
}

static void map_text(struct fx *f, const char *text)
{
	map_doc(f, cJSON_Parse(text), &shipped.key, 1000);
}

static void done(struct fx *f)
{
	fhir_doc_free(&f->fd);
	cJSON_Delete(f->doc);
	arena_free(f->a);
}

/* Normalises item i into f->r; returns the number of errors. */
static size_t normalise_item(struct fx *f, size_t i)
{
	struct normalise_ctx ctx = th_normalise_ctx();
	issues_init(&f->errors, f->a);
	issues_init(&f->warnings, f->a);
	memset(&f->r, 0, sizeof(f->r));
	normalise_report(&ctx, f->fd.items[i].report, f->a, &f->r, &f->errors, &f->warnings);
	return f->errors.n;
}

static const cJSON *at(const cJSON *o, const char *path)
{
	char buf[128], *save = NULL;
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *k = strtok_r(buf, ".", &save); k && o; k = strtok_r(NULL, ".", &save))
		o = *k >= '0' && *k <= '9' ? cJSON_GetArrayItem(o, atoi(k))
					   : cJSON_GetObjectItemCaseSensitive(o, k);
	return o;
}

static const char *sat(const cJSON *o, const char *path)
{
	const cJSON *v = at(o, path);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A string member of a mapped report, by its path for sat(), and its value. */
struct member {
	const char *path;
	const char *want;
};

/* Each member of m has its value in r; a failure names the member. */
static void expect_members(const cJSON *r, const struct member *m, size_t n)
{
	for (size_t i = 0; i < n; i++)
		th_assert_case_string(m[i].path, sat(r, m[i].path), m[i].want);
}

static bool has_issue(const struct issues *l, const char *field, const char *needle)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].field, field) == 0 && strstr(l->v[i].message, needle))
			return true;
	return false;
}

/* ---- the specification's own example ---------------------------------------- */

static void test_spec_example_maps_each_element(void **state)
{
	static const struct member m[] = {
	    {"client_ref", "49476534"},
	    {"reporter_role", "treating_clinician"},
	    {"patient.ref", "example"},
	    /* no known coding: the concept's text goes on, to be flagged */
	    {"complications.0.type", "This was a mild rash on the left forearm"},
	    {"complications.0.severity", "Mild"},
	};
	struct fx f;
	(void)state;
	map_file(&f, "spec-adverseevent-example.json");
	assert_int_equal(f.rc, 0);
	assert_int_equal(f.fd.n, 1);
	assert_int_equal(f.fd.bundle, 0);
	const cJSON *r = f.fd.items[0].report;
	expect_members(r, m, sizeof(m) / sizeof(m[0]));
	assert_true(cJSON_IsFalse(at(r, "complications.0.serious")));
	/* a Medication is not a procedure: no date, so no onset either */
	assert_null(at(r, "procedure.date"));
	assert_null(at(r, "complications.0.onset_days"));
	/* which the mapping says, naming the element and both ways to add one */
	assert_int_equal(f.fd.items[0].errors.n, 1);
	done(&f);
}

static void test_spec_example_error_says_what_to_add(void **state)
{
	struct fx f;
	(void)state;
	map_file(&f, "spec-adverseevent-example.json");
	const struct issues *e = &f.fd.items[0].errors;
	assert_true(has_issue(e, "AdverseEvent.suspectEntity", "no Procedure linked"));
	assert_true(has_issue(e, "AdverseEvent.suspectEntity", "performedDateTime"));
	assert_true(has_issue(e, "AdverseEvent.suspectEntity",
			      "https://needlewatch.uk/fhir/StructureDefinition/procedure-date"));
	done(&f);
}

static void test_procedure_without_date_names_performed_date_time(void **state)
{
	struct fx f;
	(void)state;
	map_text(&f, "{\"resourceType\":\"AdverseEvent\",\"id\":\"x1\",\"actuality\":\"actual\","
		     "\"event\":{\"text\":\"infection\"},\"subject\":{\"reference\":\"Patient/p\"},"
		     "\"contained\":[{\"resourceType\":\"Procedure\",\"id\":\"pr\"}],"
		     "\"suspectEntity\":[{\"instance\":{\"reference\":\"#pr\"}}]}");
	assert_int_equal(f.rc, 0);
	assert_true(has_issue(&f.fd.items[0].errors, "AdverseEvent.suspectEntity",
			      "the suspect Procedure has no date: add performedDateTime"));
	done(&f);
}

static void test_spec_example_is_rejected_for_want_of_a_procedure_date(void **state)
{
	struct fx f;
	(void)state;
	map_file(&f, "spec-adverseevent-example.json");
	assert_int_equal(normalise_item(&f, 0), 1);
	assert_string_equal(f.errors.v[0].field, "procedure.date");
	/* the unknown event wording is kept and flagged, not refused */
	assert_true(has_issue(&f.warnings, "complications[0].type", "unknown complication type"));
	done(&f);
}

/* ---- a hospital's Bundle ------------------------------------------------------ */

static void test_bundle_maps_procedure_location_device_and_patient(void **state)
{
	static const struct member m[] = {
	    {"client_ref", "LD-2026-0117"},
	    {"procedure.date", "2026-11-02"},
	    {"procedure.setting", "beauty salon"},
	    {"procedure.practitioner_role", "beauty therapist"},
	    {"procedure.device", "microneedling pen"},
	    {"procedure.needle_depth", "1500 um"},
	    {"procedure.areas.1", "Forehead"},
	    {"procedure.products.0", "vitamin C serum"},
	    /* the NHS number is the first identifier of the subject's Patient */
	    {"patient.ref", "9434765919"},
	    {"patient.sex", "female"},
	    {"patient.postcode_district", "LS6"},
	    {"patient.fitzpatrick", "V"},
	    /* a known display wins over the free text */
	    {"complications.0.type", "Herpes labialis"},
	    {"complications.0.outcome", "Recovering"},
	    {"complications.0.treatment.0", "oral aciclovir"},
	};
	struct fx f;
	(void)state;
	map_file(&f, "bundle-salon-complications.json");
	assert_int_equal(f.rc, 0);
	assert_int_equal(f.fd.n, 2);
	assert_int_equal(f.fd.items[0].entry, 0);
	assert_int_equal(f.fd.items[1].entry, 1);
	const cJSON *r = f.fd.items[0].report;
	expect_members(r, m, sizeof(m) / sizeof(m[0]));
	assert_int_equal(at(r, "complications.0.onset_days")->valueint, 3);
	assert_int_equal(at(r, "complications.0.duration_days")->valueint, 12);
	done(&f);
}

static void test_bundle_items_normalise(void **state)
{
	struct fx f;
	(void)state;
	map_file(&f, "bundle-salon-complications.json");
	assert_int_equal(normalise_item(&f, 0), 0);
	assert_string_equal(f.r.procedure.setting.code, "salon");
	assert_string_equal(f.r.procedure.practitioner_role.code, "aesthetician");
	assert_string_equal(f.r.procedure.device.code, "pen");
	assert_true(f.r.procedure.needle_depth_mm > 1.49 && f.r.procedure.needle_depth_mm < 1.51);
	assert_string_equal(f.r.complications[0].type.code, "infection_viral_hsv");
	assert_string_equal(f.r.complications[0].severity.code, "moderate");
	assert_string_equal(f.r.complications[0].outcome.code, "resolving");
	assert_string_equal(f.r.patient.region, "Yorkshire and The Humber");
	assert_int_equal(f.r.patient.fitzpatrick, 5);
	/* an unknown coding is kept and flagged; FHIR's own outcome code maps */
	assert_int_equal(normalise_item(&f, 1), 0);
	assert_string_equal(f.r.complications[0].type.code, "other");
	assert_string_equal(f.r.complications[0].type.raw, "Koebner phenomenon");
	assert_true(f.r.complications[0].type.needs_review);
	assert_true(f.r.needs_review);
	assert_int_equal(f.r.complications[0].serious, TRI_TRUE);
	assert_string_equal(f.r.complications[0].outcome.code, "resolved_with_sequelae");
	assert_int_equal(f.r.complications[0].onset_days, 14);
	done(&f);
}

static void test_stored_bundle_holds_no_identifying_data(void **state)
{
	struct fx f;
	char pseudo[PSEUDONYM_HEX_LEN + 1], ref[100];
	(void)state;
	map_file(&f, "bundle-salon-complications.json");
	assert_int_equal(pseudonym_derive(&shipped.key, "9434765919", pseudo), 0);
	const cJSON *st = f.fd.items[0].stored;
	assert_non_null(st);
	char *text = cJSON_PrintUnformatted(st);
	assert_null(strstr(text, "9434765919"));
	assert_null(strstr(text, "Smith"));
	assert_null(strstr(text, "1990"));
	assert_null(strstr(text, "Headingley Lane"));
	assert_null(strstr(text, "2AB"));
	assert_null(strstr(text, "Patel")); /* the recorder was not followed */
	free(text);
	assert_string_equal(sat(st, "resourceType"), "Bundle");
	assert_string_equal(sat(st, "type"), "collection");
	snprintf(ref, sizeof(ref), "Patient/%s", pseudo);
	assert_string_equal(sat(st, "entry.0.resource.subject.reference"), ref);
	/* AE, Location, Patient, Procedure, Device: what the mapping used */
	assert_int_equal(cJSON_GetArraySize(at(st, "entry")), 5);
	for (int i = 0; i < 5; i++) {
		const cJSON *res = at(at(st, "entry"), "0");
		res = cJSON_GetArrayItem(at(st, "entry"), i);
		if (strcmp(sat(res, "resource.resourceType"), "Patient") == 0) {
			assert_string_equal(sat(res, "resource.id"), pseudo);
			assert_string_equal(sat(res, "resource.gender"), "female");
			assert_string_equal(sat(res, "resource.address.0.postalCode"), "LS6");
			assert_null(at(res, "fullUrl"));
		}
		/* the mapping reads no Procedure.subject: it is not kept */
		if (strcmp(sat(res, "resource.resourceType"), "Procedure") == 0)
			assert_null(at(res, "resource.subject"));
	}
	done(&f);
}

/* What the renormaliser does: map the stored document again, without the
 * key. The report is the same, except that the ref is now the pseudonym. */
static void test_stored_document_maps_back_to_the_same_report(void **state)
{
	struct fx f, g;
	char pseudo[PSEUDONYM_HEX_LEN + 1];
	(void)state;
	map_file(&f, "bundle-salon-complications.json");
	map_doc(&g, cJSON_Duplicate(f.fd.items[0].stored, 1), NULL, 1000);
	assert_int_equal(g.rc, 0);
	assert_int_equal(g.fd.n, 1);
	assert_null(g.fd.items[0].stored);
	assert_int_equal(pseudonym_derive(&shipped.key, "9434765919", pseudo), 0);
	cJSON *a = f.fd.items[0].report, *b = g.fd.items[0].report;
	assert_string_equal(sat(b, "patient.ref"), pseudo);
	cJSON_DeleteItemFromObject(cJSON_GetObjectItem(a, "patient"), "ref");
	cJSON_DeleteItemFromObject(cJSON_GetObjectItem(b, "patient"), "ref");
	if (!cJSON_Compare(a, b, 1)) {
		char *ta = cJSON_PrintUnformatted(a), *tb = cJSON_PrintUnformatted(b);
		print_error("first:  %s\nsecond: %s\n", ta, tb);
		free(ta);
		free(tb);
	}
	assert_true(cJSON_Compare(a, b, 1));
	done(&g);
	done(&f);
}

/* ---- a lone AdverseEvent with contained resources ------------------------------- */

static void test_contained_resources_and_extensions(void **state)
{
	struct fx f;
	(void)state;
	map_file(&f, "adverseevent-contained.json");
	assert_int_equal(f.rc, 0);
	const cJSON *r = f.fd.items[0].report;
	assert_int_equal(at(r, "version")->valueint, 2);
	assert_string_equal(sat(r, "reporter_role"), "practitioner");
	assert_string_equal(sat(r, "procedure.setting"), "salon");
	assert_string_equal(sat(r, "procedure.date"), "2026-10-01");
	assert_true(cJSON_IsTrue(at(r, "procedure.sterile_single_use_cartridge")));
	assert_string_equal(sat(r, "patient.ref"), "P-77");
	assert_string_equal(sat(r, "patient.sex"), "male");
	assert_int_equal(at(r, "complications.0.onset_days")->valueint, 2);
	assert_int_equal(normalise_item(&f, 0), 0);
	assert_string_equal(f.r.complications[0].type.code, "acne_flare");
	assert_string_equal(f.r.narrative, "Client used a home roller between sessions");
	const cJSON *st = f.fd.items[0].stored;
	char *text = cJSON_PrintUnformatted(st);
	assert_null(strstr(text, "Jones"));
	assert_null(strstr(text, "1985"));
	assert_null(strstr(text, "P-77"));
	free(text);
	assert_int_equal(strncmp(sat(st, "subject.reference"), "#", 1), 0);
	/* the Procedure as filtered, then the Patient as reduced */
	assert_string_equal(sat(st, "contained.0.id"), "proc");
	assert_null(at(st, "contained.0.subject"));
	assert_string_equal(sat(st, "contained.1.id"), sat(st, "subject.reference") + 1);
	assert_null(at(st, "contained.2"));
	done(&f);
}

/* ---- pseudonyms across formats ---------------------------------------------------- */

static void test_same_ref_in_csv_and_fhir_gives_the_same_pseudonym(void **state)
{
	static const char csv[] =
	    "client_ref,reporter_role,procedure_date,complication,patient_ref\n"
	    "C-9,practitioner,2026-10-01,PIH,P-77\n";
	struct fx f;
	struct report from_csv;
	struct report_csv rc;
	struct csv_error err;
	(void)state;
	map_file(&f, "adverseevent-contained.json");
	assert_int_equal(normalise_item(&f, 0), 0);
	assert_int_equal(report_csv_parse(csv, strlen(csv), 10, f.a, &rc, &err), 0);
	struct normalise_ctx ctx = th_normalise_ctx();
	assert_int_equal(
	    normalise_report(&ctx, rc.items[0].report, f.a, &from_csv, &f.errors, &f.warnings), 0);
	assert_true(f.r.patient.has_ref && from_csv.patient.has_ref);
	assert_string_equal(f.r.patient.pseudonym, from_csv.patient.pseudonym);
	report_csv_free(&rc);
	done(&f);
}

/* ---- refusals ------------------------------------------------------------------------ */

static void test_potential_event_and_missing_event_are_errors(void **state)
{
	struct fx f;
	(void)state;
	map_text(&f, "{\"resourceType\":\"AdverseEvent\",\"identifier\":{\"value\":\"X-1\"},"
		     "\"actuality\":\"potential\"}");
	assert_int_equal(f.rc, 0);
	assert_true(has_issue(&f.fd.items[0].errors, "AdverseEvent.actuality", "potential"));
	assert_true(has_issue(&f.fd.items[0].errors, "AdverseEvent.event", "is required"));
	done(&f);
	map_text(&f, "{\"resourceType\":\"AdverseEvent\",\"event\":{\"text\":\"PIH\"}}");
	assert_true(has_issue(&f.fd.items[0].errors, "AdverseEvent.identifier", "is required"));
	done(&f);
}

static void test_event_before_procedure_is_an_error(void **state)
{
	struct fx f;
	(void)state;
	map_text(&f, "{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":["
		     "{\"resource\":{\"resourceType\":\"Procedure\",\"id\":\"p\","
		     "\"performedDateTime\":\"2026-10-05\"}},"
		     "{\"resource\":{\"resourceType\":\"AdverseEvent\",\"id\":\"a\","
		     "\"event\":{\"text\":\"PIH\"},\"date\":\"2026-10-01\","
		     "\"suspectEntity\":[{\"instance\":{\"reference\":\"Procedure/p\"}}]}}]}");
	assert_int_equal(f.rc, 0);
	assert_int_equal(f.fd.items[0].entry, 1);
	assert_true(has_issue(&f.fd.items[0].errors, "entry[1].resource.date",
			      "before the procedure date"));
	done(&f);
}

static void test_other_documents_are_refused(void **state)
{
	struct fx f;
	(void)state;
	map_text(&f, "{\"resourceType\":\"Patient\",\"id\":\"x\"}");
	assert_int_equal(f.rc, -EINVAL);
	assert_non_null(strstr(f.reason, "Patient is not accepted"));
	done(&f);
	map_text(&f, "{\"resourceType\":\"Bundle\",\"entry\":[{\"resource\":{\"resourceType\":"
		     "\"Patient\"}}]}");
	assert_int_equal(f.rc, -EINVAL);
	assert_string_equal(f.reason, "the Bundle holds no AdverseEvent");
	done(&f);
	map_text(&f, "{\"id\":\"x\"}");
	assert_int_equal(f.rc, -EINVAL);
	done(&f);
	map_doc(&f, parse_file("bundle-salon-complications.json"), &shipped.key, 1);
	assert_int_equal(f.rc, -E2BIG);
	done(&f);
}

static void test_seriousness_spellings(void **state)
{
	static const char *const cases[][2] = {
	    {"Serious", "true"},      {"serious", "true"},	{"SID", "true"},
	    {"Non-serious", "false"}, {"non-serious", "false"}, {"not serious", "false"},
	};
	struct fx f;
	char text[400];
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(
		    text, sizeof(text),
		    "{\"resourceType\":\"AdverseEvent\",\"id\":\"s\",\"event\":{\"text\":\"PIH\"},"
		    "\"seriousness\":{\"coding\":[{\"code\":\"%s\"}]}}",
		    cases[i][0]);
		map_text(&f, text);
		const cJSON *v = at(f.fd.items[0].report, "complications.0.serious");
		assert_true(strcmp(cases[i][1], "true") == 0 ? cJSON_IsTrue(v) : cJSON_IsFalse(v));
		done(&f);
	}
	map_text(&f, "{\"resourceType\":\"AdverseEvent\",\"id\":\"s\",\"event\":{\"text\":\"PIH\"},"
		     "\"seriousness\":{\"text\":\"perhaps\"}}");
	assert_null(at(f.fd.items[0].report, "complications.0.serious"));
	assert_true(
	    has_issue(&f.fd.items[0].warnings, "AdverseEvent.seriousness", "not understood"));
	done(&f);
}

static void test_reference_forms_resolve(void **state)
{
	struct fx f;
	(void)state;
	/* an absolute URL and a urn:uuid fullUrl, with the subject's id as the ref */
	map_text(&f,
		 "{\"resourceType\":\"Bundle\",\"entry\":["
		 "{\"fullUrl\":\"urn:uuid:1\",\"resource\":{\"resourceType\":\"Procedure\","
		 "\"performedDateTime\":\"2026-10-05\"}},"
		 "{\"resource\":{\"resourceType\":\"AdverseEvent\",\"id\":\"a\","
		 "\"subject\":{\"reference\":\"https://h.example/fhir/Patient/abc/_history/3\"},"
		 "\"event\":{\"text\":\"PIH\"},"
		 "\"suspectEntity\":[{\"instance\":{\"reference\":\"urn:uuid:1\"}}]}}]}");
	assert_int_equal(f.rc, 0);
	assert_string_equal(sat(f.fd.items[0].report, "procedure.date"), "2026-10-05");
	assert_string_equal(sat(f.fd.items[0].report, "patient.ref"), "abc");
	done(&f);
}

/* Found while fuzzing the renormaliser's promise: a suspectEntity naming
 * another AdverseEvent must not pull it into this one's stored Bundle, which
 * would then map back to two reports. */
static void test_suspect_adverse_event_is_not_stored_with_it(void **state)
{
	struct fx f, g;
	(void)state;
	map_text(&f, "{\"resourceType\":\"Bundle\",\"entry\":["
		     "{\"fullUrl\":\"urn:uuid:a\",\"resource\":{\"resourceType\":\"AdverseEvent\","
		     "\"id\":\"a\",\"event\":{\"text\":\"PIH\"},"
		     "\"suspectEntity\":[{\"instance\":{\"reference\":\"urn:uuid:b\"}}]}},"
		     "{\"fullUrl\":\"urn:uuid:b\",\"resource\":{\"resourceType\":\"AdverseEvent\","
		     "\"id\":\"b\",\"event\":{\"text\":\"PIH\"}}}]}");
	assert_int_equal(f.rc, 0);
	assert_int_equal(f.fd.n, 2);
	assert_int_equal(cJSON_GetArraySize(at(f.fd.items[0].stored, "entry")), 1);
	map_doc(&g, cJSON_Duplicate(f.fd.items[0].stored, 1), NULL, 1000);
	assert_int_equal(g.fd.n, 1);
	done(&g);
	done(&f);
}

/* Found by fuzzing: a patient ref that happens to equal a structural
 * string ("AdverseEvent") must not be replaced there, or the stored
 * document is no longer an AdverseEvent. Only references and values are. */
static void test_pseudonym_replaces_values_not_names(void **state)
{
	struct fx f, g;
	char pseudo[PSEUDONYM_HEX_LEN + 1];
	(void)state;
	map_text(&f, "{\"resourceType\":\"AdverseEvent\",\"id\":\"AdverseEvent\","
		     "\"event\":{\"text\":\"PIH\"},"
		     "\"subject\":{\"identifier\":{\"value\":\"AdverseEvent\"}},"
		     "\"extension\":[{\"url\":\"" FHIR_EXTENSION_BASE
		     "x\",\"valueString\":\"AdverseEvent\"}]}");
	assert_int_equal(f.rc, 0);
	assert_int_equal(pseudonym_derive(&shipped.key, "AdverseEvent", pseudo), 0);
	const cJSON *st = f.fd.items[0].stored;
	assert_string_equal(sat(st, "resourceType"), "AdverseEvent");
	assert_string_equal(sat(st, "id"), "AdverseEvent"); /* the client_ref */
	assert_string_equal(sat(st, "extension.0.valueString"), pseudo);
	map_doc(&g, cJSON_Duplicate(st, 1), NULL, 1000);
	assert_int_equal(g.rc, 0);
	assert_string_equal(sat(g.fd.items[0].report, "client_ref"), "AdverseEvent");
	done(&g);
	done(&f);
}

/* The hostile-testing case: a display on the subject, a note and a contained
 * RelatedPerson are dropped; a Patient keeps gender and district only. */
static void test_stored_document_keeps_only_what_the_mapping_reads(void **state)
{
	struct fx f;
	(void)state;
	map_text(
	    &f,
	    "{\"resourceType\":\"AdverseEvent\",\"id\":\"AE-1\","
	    "\"text\":{\"status\":\"generated\",\"div\":\"<div>Jane Smith</div>\"},"
	    "\"contained\":[{\"resourceType\":\"Patient\",\"id\":\"p1\",\"gender\":\"female\","
	    "\"name\":[{\"family\":\"Smith\",\"given\":[\"Jane\"]}],\"birthDate\":\"1990-04-01\","
	    "\"telecom\":[{\"system\":\"phone\",\"value\":\"07700 900123\"}],"
	    "\"address\":[{\"line\":[\"1 Headingley Lane\"],\"postalCode\":\"LS6 2AB\"}]},"
	    "{\"resourceType\":\"RelatedPerson\",\"id\":\"rp\",\"patient\":{\"reference\":"
	    "\"#p1\"},\"name\":[{\"text\":\"John Smith\"}],\"telecom\":[{\"value\":\"07700 "
	    "900456\"}]}],"
	    "\"event\":{\"text\":\"PIH\"},"
	    "\"subject\":{\"reference\":\"#p1\",\"display\":\"Jane Smith\"},"
	    "\"recorder\":{\"reference\":\"#rp\",\"display\":\"John Smith\"},"
	    "\"note\":[{\"text\":\"Jane Smith rang from 07700 900123\"}],"
	    "\"location\":{\"display\":\"Glow, 3 High St\"},"
	    "\"suspectEntity\":[{\"instance\":{\"display\":\"Microneedling\"}}],"
	    "\"extension\":[{\"url\":\"https://x.example/mrn\",\"valueString\":\"MRN 12\"},"
	    "{\"url\":\"" FHIR_EXTENSION_BASE "procedure-date\",\"valueDate\":\"2026-11-02\"}]}");
	assert_int_equal(f.rc, 0);
	assert_int_equal(f.fd.items[0].errors.n, 0);
	const cJSON *st = f.fd.items[0].stored;
	char *text = cJSON_PrintUnformatted(st);
	static const char *const absent[] = {"Smith",	   "Jane",     "07700",		"1990",
					     "Headingley", "2AB",      "RelatedPerson", "note",
					     "div",	   "recorder", "MRN",		"High St"};
	for (size_t i = 0; i < sizeof(absent) / sizeof(absent[0]); i++)
		if (strstr(text, absent[i]))
			fail_msg("\"%s\" is stored: %s", absent[i], text);
	free(text);
	assert_string_equal(sat(st, "contained.0.resourceType"), "Patient");
	assert_string_equal(sat(st, "contained.0.gender"), "female");
	assert_string_equal(sat(st, "contained.0.address.0.postalCode"), "LS6");
	assert_null(at(st, "contained.1"));
	assert_null(at(st, "subject.display"));
	assert_non_null(at(st, "location"));
	assert_null(at(st, "location.display"));
	/* the procedure type was read from this display: kept, so it maps back */
	assert_string_equal(sat(st, "suspectEntity.0.instance.display"), "Microneedling");
	assert_string_equal(sat(st, "extension.0.valueDate"), "2026-11-02");
	assert_null(at(st, "extension.1"));
	done(&f);
}

/* Free text that is kept is scanned, and refused under the path it was sent at. */
static void test_kept_free_text_with_identifiers_is_an_error(void **state)
{
	struct fx f;
	(void)state;
	map_text(&f,
		 "{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":["
		 "{\"fullUrl\":\"urn:uuid:1\",\"resource\":{\"resourceType\":\"Procedure\",\"id\":"
		 "\"pr\",\"performedDateTime\":\"2026-11-02\","
		 "\"code\":{\"text\":\"microneedling for jo@example.com\"}}},"
		 "{\"resource\":{\"resourceType\":\"AdverseEvent\",\"id\":\"AE-2\","
		 "\"event\":{\"coding\":[{\"display\":\"cold sores\"}],"
		 "\"text\":\"HSV, NHS 943 476 5919\"},"
		 "\"suspectEntity\":[{\"instance\":{\"reference\":\"Procedure/pr\"}}]}}]}");
	assert_int_equal(f.rc, 0);
	const struct issues *e = &f.fd.items[0].errors;
	assert_int_equal(e->n, 2);
	assert_string_equal(e->v[0].field, "entry[1].resource.event.text");
	assert_string_equal(e->v[0].message, "contains what looks like an NHS number; identifying "
					     "data must not be sent");
	assert_string_equal(e->v[1].field, "entry[0].resource.code.text");
	assert_string_equal(e->v[1].message, "contains what looks like an e-mail address; "
					     "identifying data must not be sent");
	done(&f);
}

static void test_days_between(void **state)
{
	long d;
	(void)state;
	assert_int_equal(fhir_days_between("2026-03-01", "2026-02-28", &d), 0);
	assert_int_equal(d, 1);
	assert_int_equal(fhir_days_between("2024-03-01T00:00:00Z", "2024-02-28", &d), 0);
	assert_int_equal(d, 2);
	assert_int_equal(fhir_days_between("2027-01-01", "2026-01-01", &d), 0);
	assert_int_equal(d, 365);
	assert_int_equal(fhir_days_between("2026-02-29", "2026-01-01", &d), -EINVAL);
	assert_int_equal(fhir_days_between("2026-11", "2026-01-01", &d), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_spec_example_maps_each_element),
	    cmocka_unit_test(test_spec_example_is_rejected_for_want_of_a_procedure_date),
	    cmocka_unit_test(test_bundle_maps_procedure_location_device_and_patient),
	    cmocka_unit_test(test_bundle_items_normalise),
	    cmocka_unit_test(test_stored_bundle_holds_no_identifying_data),
	    cmocka_unit_test(test_stored_document_maps_back_to_the_same_report),
	    cmocka_unit_test(test_stored_document_keeps_only_what_the_mapping_reads),
	    cmocka_unit_test(test_kept_free_text_with_identifiers_is_an_error),
	    cmocka_unit_test(test_contained_resources_and_extensions),
	    cmocka_unit_test(test_same_ref_in_csv_and_fhir_gives_the_same_pseudonym),
	    cmocka_unit_test(test_potential_event_and_missing_event_are_errors),
	    cmocka_unit_test(test_event_before_procedure_is_an_error),
	    cmocka_unit_test(test_other_documents_are_refused),
	    cmocka_unit_test(test_seriousness_spellings),
	    cmocka_unit_test(test_reference_forms_resolve),
	    cmocka_unit_test(test_suspect_adverse_event_is_not_stored_with_it),
	    cmocka_unit_test(test_pseudonym_replaces_values_not_names),
	    cmocka_unit_test(test_days_between),
	    cmocka_unit_test(test_spec_example_error_says_what_to_add),
	    cmocka_unit_test(test_procedure_without_date_names_performed_date_time),
	};
	return cmocka_run_group_tests(tests, th_tables_setup, th_tables_teardown);
}
