/* Tests for daemon/core/normalise.c and report_json.c against the real
 * config/vocabulary.json and config/postcode-regions.tsv (run from the
 * repository root). Each test starts from the example report of docs/report-format.md and
 * changes only what it is about. */
#include <dirent.h>

#include "helpers.h"

#include "normalise.h"
#include "report.h"

#define FIXTURES_DIR "tests/fixtures/reports"
#define TODAY "2026-11-27"

/* The example report of docs/report-format.md, ' for " to keep it readable. */
static const char base_report[] =
    "{'client_ref': 'GLOW-2026-00042', 'version': 1,"
    " 'procedure': {'date': '2026-11-02', 'type': 'microneedling',"
    "  'setting': 'beauty salon', 'premises_code': null,"
    "  'practitioner_role': 'aesthetician', 'device': 'pen', 'needle_depth': '1.5 mm',"
    "  'areas': ['cheeks', 'forehead'], 'products': ['vitamin C serum'],"
    "  'sterile_single_use_cartridge': false, 'antiviral_prophylaxis': false},"
    " 'patient': {'age_band': '25-34', 'sex': 'female', 'fitzpatrick': 'IV',"
    "  'history': ['rosacea'], 'ref': 'opaque-local-id', 'postcode_district': 'LS6'},"
    " 'complications': [{'type': 'cold sores', 'onset_days': 3, 'duration_days': 10,"
    "  'severity': 'moderate', 'serious': false, 'outcome': 'resolved',"
    "  'treatment': ['oral antivirals']}],"
    " 'reporter_role': 'treating_clinician', 'narrative': 'free text'}";

struct fx {
	struct normalise_ctx ctx;
	struct arena *a;
	struct issues errors, warnings;
	struct report r;
	cJSON *doc;
};

/* ---- fixtures and helpers ---------------------------------------------- */

/* The shipped tables, with this file's own 42-byte key. */
static int group_setup(void **state)
{
	int rc = th_tables_setup(state);

	memcpy(shipped.key.bytes, "needlewatch-unit-test-key-0123456789abcdef", 42);
	shipped.key.len = 42;
	return rc;
}

static cJSON *parse_quoted(const char *text)
{
	char *s = strdup(text);

	assert_non_null(s);
	for (char *c = s; *c; c++)
		if (*c == '\'')
			*c = '"';
	cJSON *v = cJSON_Parse(s);
	free(s);
	assert_non_null(v);
	return v;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->ctx = th_normalise_ctx();
	f->a = arena_new();
	assert_non_null(f->a);
	issues_init(&f->errors, f->a);
	issues_init(&f->warnings, f->a);
	f->doc = parse_quoted(base_report);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	cJSON_Delete(f->doc);
	arena_free(f->a);
	free(f);
	return 0;
}

/* Puts item at path in f->doc (replacing what was there), or removes the
 * member when item is NULL. Segments are member names; "name[i]" is item i
 * of an array, i == its size appends. */
static void edit_item(struct fx *f, const char *path, cJSON *item)
{
	char buf[256], *save = NULL;
	cJSON *obj = f->doc;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *seg = strtok_r(buf, ".", &save); seg;) {
		char *next = strtok_r(NULL, ".", &save);
		char *bracket = strchr(seg, '[');
		int idx = bracket ? atoi(bracket + 1) : -1;
		if (bracket)
			*bracket = '\0';
		if (!next && idx < 0) {
			cJSON_DeleteItemFromObjectCaseSensitive(obj, seg);
			if (item)
				cJSON_AddItemToObject(obj, seg, item);
			return;
		}
		cJSON *child = cJSON_GetObjectItemCaseSensitive(obj, seg);
		assert_non_null(child);
		if (idx >= 0 && !next) {
			if (!item)
				cJSON_DeleteItemFromArray(child, idx);
			else if (idx == cJSON_GetArraySize(child))
				cJSON_AddItemToArray(child, item);
			else
				cJSON_ReplaceItemInArray(child, idx, item);
			return;
		}
		obj = idx >= 0 ? cJSON_GetArrayItem(child, idx) : child;
		assert_non_null(obj);
		seg = next;
	}
}

/* edit_item with JSON text (' for "); NULL removes the member. */
static void edit(struct fx *f, const char *path, const char *json)
{
	edit_item(f, path, json ? parse_quoted(json) : NULL);
}

static int run(struct fx *f)
{
	return normalise_report(&f->ctx, f->doc, f->a, &f->r, &f->errors, &f->warnings);
}

static void dump(const char *what, const struct issues *l)
{
	for (size_t i = 0; i < l->n; i++)
		print_message("%s: \"%s\": %s\n", what, l->v[i].field, l->v[i].message);
}

static int has_issue(const struct issues *l, const char *field, const char *message)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].field, field) == 0 &&
		    (!message || strcmp(l->v[i].message, message) == 0))
			return 1;
	return 0;
}

/* The message to print for an expected issue; NULL matches any message. */
static const char *or_any(const char *message)
{
	return message ? message : "(any message)";
}

#define assert_issue(f, list, field, message)                                                      \
	do {                                                                                       \
		if (!has_issue(&(f)->list, field, message)) {                                      \
			dump("errors", &(f)->errors);                                              \
			dump("warnings", &(f)->warnings);                                          \
			fail_msg("no " #list " \"%s\": %s", field, or_any(message));               \
		}                                                                                  \
	} while (0)

#define assert_error(f, field, message) assert_issue(f, errors, field, message)
#define assert_warning(f, field, message) assert_issue(f, warnings, field, message)

/* Valid, with the errors printed when it is not. */
#define assert_valid(f)                                                                            \
	do {                                                                                       \
		int rc_ = run(f);                                                                  \
		if (rc_ != 0)                                                                      \
			dump("errors", &(f)->errors);                                              \
		assert_int_equal(rc_, 0);                                                          \
	} while (0)

/* Invalid with exactly one error, at field with message. */
#define assert_only_error(f, field, message)                                                       \
	do {                                                                                       \
		assert_int_equal(run(f), -EINVAL);                                                 \
		assert_error(f, field, message);                                                   \
		if ((f)->errors.n != 1)                                                            \
			dump("errors", &(f)->errors);                                              \
		assert_int_equal((f)->errors.n, 1);                                                \
	} while (0)

/* Resets issues and report between runs within one test. */
static void reset(struct fx *f)
{
	issues_init(&f->errors, f->a);
	issues_init(&f->warnings, f->a);
	memset(&f->r, 0, sizeof(f->r));
}

struct mapping {
	const char *raw;
	const char *code;
};

/* ---- the example report ----------------------------------------------- */

static void test_design_example_is_valid_without_warnings(void **state)
{
	struct fx *f = *state;

	assert_valid(f);
	assert_int_equal(f->warnings.n, 0);
	assert_false(f->r.needs_review);
	assert_string_equal(f->r.client_ref, "GLOW-2026-00042");
	assert_int_equal(f->r.version, 1);
	assert_string_equal(f->r.reporter_role, "treating_clinician");
	assert_string_equal(f->r.procedure.date, "2026-11-02");
	assert_string_equal(f->r.procedure.type.code, "microneedling");
	assert_string_equal(f->r.procedure.setting.code, "salon");
	assert_string_equal(f->r.procedure.setting.raw, "beauty salon");
	assert_null(f->r.procedure.premises_code);
	assert_string_equal(f->r.procedure.practitioner_role.code, "aesthetician");
	assert_int_equal(f->r.procedure.medically_trained, TRI_FALSE);
	assert_true(f->r.procedure.needle_depth_mm == 1.5);
	assert_int_equal(f->r.procedure.areas.n, 2);
	assert_string_equal(f->r.procedure.areas.v[1], "forehead");
	assert_int_equal(f->r.procedure.sterile_single_use_cartridge, TRI_FALSE);
	assert_string_equal(f->r.patient.age_band, "25-34");
	assert_int_equal(f->r.patient.fitzpatrick, 4);
	assert_string_equal(f->r.patient.region, "Yorkshire and The Humber");
	assert_int_equal(f->r.n_complications, 1);
	assert_string_equal(f->r.complications[0].type.code, "infection_viral_hsv");
	assert_string_equal(f->r.complications[0].group, "infection");
	assert_int_equal(f->r.complications[0].onset_days, 3);
	assert_int_equal(f->r.complications[0].duration_days, 10);
	assert_int_equal(f->r.complications[0].serious, TRI_FALSE);
	assert_string_equal(f->r.narrative, "free text");
}

static void test_fixture_reports_are_valid(void **state)
{
	struct fx *f = *state;
	DIR *dir = opendir(FIXTURES_DIR);
	int seen = 0;

	assert_non_null(dir);
	for (struct dirent *e; (e = readdir(dir));) {
		char path[512], *text;
		size_t len = strlen(e->d_name), bytes;
		if (len < 5 || strcmp(e->d_name + len - 5, ".json") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", FIXTURES_DIR, e->d_name);
		text = th_read_file(path, &bytes);
		assert_true(bytes > 0);
		cJSON_Delete(f->doc);
		f->doc = cJSON_Parse(text);
		free(text);
		assert_non_null(f->doc);
		reset(f);
		print_message("fixture %s\n", e->d_name);
		assert_valid(f);
		assert_false(f->r.needs_review);
		seen++;
	}
	closedir(dir);
	assert_true(seen >= 3);
}

/* ---- the normalisation table of docs/report-format.md -------------------------------------- */

static void test_setting_terms_map_to_canonical_codes(void **state)
{
	static const struct mapping m[] = {
	    {"GP surgery", "medical_clinic"}, {"CQC registered clinic", "medical_clinic"},
	    {"beauty salon", "salon"},	      {"spa", "salon"},
	    {"DIY dermaroller", "home"},      {"at home", "home"},
	    {"Beauty-Salon ", "salon"},	      {"medical_clinic", "medical_clinic"},
	};
	struct fx *f = *state;
	char json[128];

	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		reset(f);
		snprintf(json, sizeof(json), "'%s'", m[i].raw);
		edit(f, "procedure.setting", json);
		assert_valid(f);
		assert_string_equal(f->r.procedure.setting.code, m[i].code);
		assert_string_equal(f->r.procedure.setting.raw, m[i].raw);
		assert_false(f->r.procedure.setting.needs_review);
	}
}

static void test_setting_absent_is_left_for_the_server_to_decide(void **state)
{
	struct fx *f = *state;

	edit(f, "procedure.setting", NULL);
	assert_valid(f);
	assert_string_equal(f->r.procedure.setting.code, "");
	assert_null(f->r.procedure.setting.raw);
	assert_int_equal(f->warnings.n, 0);
}

static void test_unknown_setting_is_kept_for_review_not_rejected(void **state)
{
	struct fx *f = *state;

	edit(f, "procedure.setting", "'pop-up tent at a festival'");
	assert_valid(f);
	assert_string_equal(f->r.procedure.setting.code, "unknown");
	assert_string_equal(f->r.procedure.setting.raw, "pop-up tent at a festival");
	assert_true(f->r.procedure.setting.needs_review);
	assert_true(f->r.needs_review);
	assert_warning(f, "procedure.setting", "unknown setting, stored as unknown for review");
}

static void test_practitioner_role_derives_medically_trained(void **state)
{
	static const struct {
		const char *raw, *code;
		enum tristate trained;
	} m[] = {
	    {"doctor", "doctor", TRI_TRUE},
	    {"aesthetic nurse", "nurse", TRI_TRUE},
	    {"NMP", NULL, TRI_TRUE},
	    {"beauty therapist", "aesthetician", TRI_FALSE},
	    {"self-administered", "self", TRI_FALSE},
	    {"unknown", "unknown", TRI_UNKNOWN},
	};
	struct fx *f = *state;
	char json[128];

	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		reset(f);
		snprintf(json, sizeof(json), "'%s'", m[i].raw);
		edit(f, "procedure.practitioner_role", json);
		assert_valid(f);
		if (m[i].code)
			assert_string_equal(f->r.procedure.practitioner_role.code, m[i].code);
		assert_false(f->r.procedure.practitioner_role.needs_review);
		assert_int_equal(f->r.procedure.medically_trained, m[i].trained);
	}
}

static void test_unknown_or_absent_role_has_unknown_training(void **state)
{
	struct fx *f = *state;

	edit(f, "procedure.practitioner_role", "'wizard'");
	assert_valid(f);
	assert_true(f->r.procedure.practitioner_role.needs_review);
	assert_string_equal(f->r.procedure.practitioner_role.code, "unknown");
	assert_int_equal(f->r.procedure.medically_trained, TRI_UNKNOWN);
	assert_warning(f, "procedure.practitioner_role",
		       "unknown practitioner role, stored as unknown for review");

	reset(f);
	edit(f, "procedure.practitioner_role", NULL);
	assert_valid(f);
	assert_string_equal(f->r.procedure.practitioner_role.code, "");
	assert_int_equal(f->r.procedure.medically_trained, TRI_UNKNOWN);
}

static void test_complication_terms_map_to_code_and_group(void **state)
{
	static const struct {
		const char *raw, *code, *group;
	} m[] = {
	    {"cold sores", "infection_viral_hsv", "infection"},
	    {"HSV reactivation", "infection_viral_hsv", "infection"},
	    {"PIH", "pih", "pigmentation"},
	    {"dark patches", "pih", "pigmentation"},
	    {"keloid", "scarring_keloid", "scarring"},
	    {"granulomatous reaction", "granuloma", "granulomatous_allergic"},
	    {"persistent redness", "prolonged_erythema", "inflammatory"},
	    {"breakout", "acne_flare", "inflammatory"},
	    {"tingling / numbness", "nerve_irritation", "neurological"},
	    {"expected_reaction", "expected_reaction", "expected"},
	};
	struct fx *f = *state;
	char json[128];

	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		reset(f);
		snprintf(json, sizeof(json), "'%s'", m[i].raw);
		edit(f, "complications[0].type", json);
		assert_valid(f);
		assert_string_equal(f->r.complications[0].type.code, m[i].code);
		assert_string_equal(f->r.complications[0].type.raw, m[i].raw);
		assert_string_equal(f->r.complications[0].group, m[i].group);
		assert_false(f->r.needs_review);
	}
}

static void test_unknown_complication_is_other_for_review_not_an_error(void **state)
{
	struct fx *f = *state;

	edit(f, "complications[0].type", "'purple spots shaped like stars'");
	assert_valid(f);
	assert_string_equal(f->r.complications[0].type.code, "other");
	assert_string_equal(f->r.complications[0].group, "other");
	assert_string_equal(f->r.complications[0].type.raw, "purple spots shaped like stars");
	assert_true(f->r.complications[0].type.needs_review);
	assert_true(f->r.needs_review);
	assert_int_equal(f->errors.n, 0);
	assert_warning(f, "complications[0].type",
		       "unknown complication type, stored as other for review");
}

static void test_redness_gone_within_72_hours_is_expected_reaction(void **state)
{
	struct fx *f = *state;

	edit(f, "complications[0].type", "'persistent redness'");
	edit(f, "complications[0].duration_days", "3");
	assert_valid(f);
	assert_string_equal(f->r.complications[0].type.code, "expected_reaction");
	assert_string_equal(f->r.complications[0].group, "expected");
	assert_string_equal(f->r.complications[0].type.raw, "persistent redness");
	assert_false(f->r.needs_review);
	assert_warning(f, "complications[0].type",
		       "redness resolving within 72 hours is an expected reaction");
}

static void test_redness_lasting_longer_stays_prolonged_erythema(void **state)
{
	struct fx *f = *state;

	edit(f, "complications[0].type", "'persistent redness'");
	edit(f, "complications[0].duration_days", "4");
	assert_valid(f);
	assert_string_equal(f->r.complications[0].type.code, "prolonged_erythema");

	reset(f);
	edit(f, "complications[0].duration_days", NULL);
	assert_valid(f);
	assert_string_equal(f->r.complications[0].type.code, "prolonged_erythema");
	assert_int_equal(f->warnings.n, 0);
}

static void test_fitzpatrick_accepts_roman_words_and_numbers(void **state)
{
	static const struct {
		const char *json;
		int type;
	} m[] = {
	    {"'IV'", 4},    {"'type 4'", 4},
	    {"'4'", 4},	    {"'Type IV'", 4},
	    {"'V'", 5},	    {"'Fitzpatrick 5'", 5},
	    {"'i'", 1},	    {"'skin type VI'", 6},
	    {"' iii '", 3}, {"'Fitzpatrick type II'", 2},
	    {"6", 6},	    {"1", 1},
	};
	struct fx *f = *state;

	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		reset(f);
		edit(f, "patient.fitzpatrick", m[i].json);
		assert_valid(f);
		assert_int_equal(f->r.patient.fitzpatrick, m[i].type);
	}
}

static void test_fitzpatrick_out_of_range_is_error(void **state)
{
	static const char *const bad[] = {"9", "0", "'VII'", "'type 9'", "'0'", "4.5"};
	struct fx *f = *state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		reset(f);
		edit(f, "patient.fitzpatrick", bad[i]);
		assert_only_error(f, "patient.fitzpatrick", "fitzpatrick type must be 1 to 6");
	}
}

static void test_fitzpatrick_unreadable_or_wrong_type_is_error(void **state)
{
	struct fx *f = *state;

	edit(f, "patient.fitzpatrick", "'pale'");
	assert_only_error(f, "patient.fitzpatrick",
			  "invalid fitzpatrick type, expected 1 to 6 or I to VI");
	reset(f);
	edit(f, "patient.fitzpatrick", "true");
	assert_only_error(f, "patient.fitzpatrick", "must be an integer or a string");
}

static void test_needle_depth_units_convert_to_mm(void **state)
{
	static const struct {
		const char *json;
		double mm;
	} m[] = {
	    {"'1.5mm'", 1.5},	      {"'1.5 mm'", 1.5},
	    {"'1500 µm'", 1.5},	      {"'1500 μm'", 1.5},
	    {"'1500um'", 1.5},	      {"'1500 microns'", 1.5},
	    {"'0.15cm'", 1.5},	      {"'1,5 mm'", 1.5},
	    {"'1.5'", 1.5},	      {"1.5", 1.5},
	    {"'0.5 MM'", 0.5},	      {"'250 micrometres'", 0.25},
	    {"'2 millimetres'", 2.0}, {"'.75mm'", 0.75},
	};
	struct fx *f = *state;

	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		reset(f);
		edit(f, "procedure.needle_depth", m[i].json);
		assert_valid(f);
		assert_true(f->r.procedure.needle_depth_mm == m[i].mm);
	}
}

static void test_needle_depth_limits_are_inclusive(void **state)
{
	static const char *const ok[] = {"0.1", "3.0", "3", "'100 µm'", "'3000um'", "'0.01 cm'"};
	struct fx *f = *state;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		reset(f);
		edit(f, "procedure.needle_depth", ok[i]);
		assert_valid(f);
	}
}

static void test_needle_depth_out_of_range_is_error(void **state)
{
	static const char *const bad[] = {"3.01",      "0.05",	 "1500", "'3.5 mm'",
					  "'5000 µm'", "'0 mm'", "-1",	 "'1,500 µm'"};
	struct fx *f = *state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		reset(f);
		edit(f, "procedure.needle_depth", bad[i]);
		assert_only_error(f, "procedure.needle_depth",
				  "needle depth must be between 0.1 and 3.0 mm");
	}
}

static void test_needle_depth_unreadable_is_error(void **state)
{
	struct fx *f = *state;

	edit(f, "procedure.needle_depth", "'1.5 inches'");
	assert_only_error(f, "procedure.needle_depth",
			  "unknown needle depth unit, expected mm, µm or cm");
	reset(f);
	edit(f, "procedure.needle_depth", "'deep'");
	assert_only_error(f, "procedure.needle_depth",
			  "invalid needle depth, expected e.g. \"1.5 mm\" or \"1500 µm\"");
	reset(f);
	edit(f, "procedure.needle_depth", "'0.5-1.5 mm'");
	assert_int_equal(run(f), -EINVAL);
	reset(f);
	edit(f, "procedure.needle_depth", "[1.5]");
	assert_only_error(f, "procedure.needle_depth", "must be a number or a string");
}

static void test_needle_depth_keeps_raw_text_only_for_strings(void **state)
{
	struct fx *f = *state;

	assert_valid(f);
	assert_string_equal(f->r.procedure.needle_depth_raw, "1.5 mm");
	reset(f);
	edit(f, "procedure.needle_depth", "2");
	assert_valid(f);
	assert_null(f->r.procedure.needle_depth_raw);
	reset(f);
	edit(f, "procedure.needle_depth", NULL);
	assert_valid(f);
	assert_true(f->r.procedure.needle_depth_mm < 0);
}

static void test_iso_and_uk_dates_become_iso(void **state)
{
	static const char *const forms[] = {"'2026-11-02'", "'02/11/2026'", "'2/11/2026'"};
	struct fx *f = *state;

	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		reset(f);
		edit(f, "procedure.date", forms[i]);
		assert_valid(f);
		assert_string_equal(f->r.procedure.date, "2026-11-02");
	}
}

static void test_dates_respect_the_calendar_and_leap_years(void **state)
{
	struct fx *f = *state;

	edit(f, "procedure.date", "'29/02/2024'");
	assert_valid(f);
	assert_string_equal(f->r.procedure.date, "2024-02-29");
	reset(f);
	edit(f, "procedure.date", "'2000-02-29'");
	assert_valid(f);
	reset(f);
	edit(f, "procedure.date", "'2025-02-29'");
	assert_only_error(f, "procedure.date", "not a calendar date");
	reset(f);
	edit(f, "procedure.date", "'31/04/2026'");
	assert_only_error(f, "procedure.date", "not a calendar date");
	reset(f);
	edit(f, "procedure.date", "'2026-13-01'");
	assert_only_error(f, "procedure.date", "not a calendar date");
}

static void test_future_date_is_error_and_today_is_not(void **state)
{
	struct fx *f = *state;

	edit(f, "procedure.date", "'2026-11-28'");
	assert_only_error(f, "procedure.date", "date must not be in the future");
	reset(f);
	edit(f, "procedure.date", "'28/11/2026'");
	assert_only_error(f, "procedure.date", "date must not be in the future");
	reset(f);
	edit(f, "procedure.date", "'2026-11-27'");
	assert_valid(f);
}

static void test_date_before_2000_is_error(void **state)
{
	struct fx *f = *state;

	edit(f, "procedure.date", "'1999-12-31'");
	assert_only_error(f, "procedure.date", "date must not be before 2000");
	reset(f);
	edit(f, "procedure.date", "'2000-01-01'");
	assert_valid(f);
}

static void test_malformed_dates_are_errors(void **state)
{
	static const char *const bad[] = {"'2026/11/02'", "'11-02-2026'",	    "'2026-11-2'",
					  "'yesterday'",  "'2026-11-02T10:00:00Z'", "'02/11/26'"};
	struct fx *f = *state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		reset(f);
		edit(f, "procedure.date", bad[i]);
		assert_only_error(f, "procedure.date",
				  "invalid date, expected YYYY-MM-DD or DD/MM/YYYY");
	}
}

/* The coded member of complications[0] at offset member, named field: each
 * term of m maps to its code without review; then other text is stored as
 * "unknown" for review, with warning. A failure in m names the term. */
static void expect_complication_terms(struct fx *f, const char *field, size_t member,
				      const struct mapping *m, size_t n, const char *other,
				      const char *warning)
{
	const struct coded *c;
	char path[64], json[128];
	int rc;

	snprintf(path, sizeof(path), "complications[0].%s", field);
	for (size_t i = 0; i < n; i++) {
		reset(f);
		snprintf(json, sizeof(json), "'%s'", m[i].raw);
		edit(f, path, json);
		if ((rc = run(f)) != 0)
			dump("errors", &f->errors);
		th_assert_case_int(m[i].raw, rc, 0);
		c = (const struct coded *)((const char *)&f->r.complications[0] + member);
		th_assert_case_string(m[i].raw, c->code, m[i].code);
		th_assert_case_int(m[i].raw, c->needs_review, false);
	}
	reset(f);
	edit(f, path, other);
	assert_valid(f);
	c = (const struct coded *)((const char *)&f->r.complications[0] + member);
	assert_string_equal(c->code, "unknown");
	assert_true(c->needs_review);
	assert_true(f->r.needs_review);
	assert_warning(f, path, warning);
}

static void test_severity_terms_map_and_unknown_is_reviewed(void **state)
{
	static const struct mapping m[] = {
	    {"grade 2", "moderate"},
	    {"Moderate", "moderate"},
	    {"mild", "mild"},
	    {"severe", "severe"},
	    {"life_threatening", "life_threatening"},
	};

	expect_complication_terms(*state, "severity", offsetof(struct complication, severity), m,
				  sizeof(m) / sizeof(m[0]), "'quite bad really'",
				  "unknown severity, stored as unknown for review");
}

static void test_outcome_terms_map_and_unknown_is_reviewed(void **state)
{
	static const struct mapping m[] = {
	    {"resolved", "resolved"},
	    {"recovered/resolved", "resolved"},
	    {"recovering/resolving", "resolving"},
	    {"not recovered/not resolved", "not_resolved"},
	    {"recovered/resolved with sequelae", "resolved_with_sequelae"},
	    {"fatal", "fatal"},
	    {"unknown", "unknown"},
	};

	expect_complication_terms(*state, "outcome", offsetof(struct complication, outcome), m,
				  sizeof(m) / sizeof(m[0]), "'went to the seaside'",
				  "unknown outcome, stored as unknown for review");
}

static void test_unknown_sex_device_and_procedure_type_are_reviewed(void **state)
{
	struct fx *f = *state;

	edit(f, "patient.sex", "'zebra'");
	edit(f, "procedure.device", "'kitchen fork'");
	edit(f, "procedure.type", "'tattoo removal by moonlight'");
	assert_valid(f);
	assert_true(f->r.patient.sex.needs_review);
	assert_true(f->r.procedure.device.needs_review);
	assert_true(f->r.procedure.type.needs_review);
	assert_true(f->r.needs_review);
	assert_warning(f, "patient.sex", NULL);
	assert_warning(f, "procedure.device", NULL);
	assert_warning(f, "procedure.type", NULL);
	assert_int_equal(f->warnings.n, 3);
}

static void test_procedure_type_defaults_to_microneedling(void **state)
{
	struct fx *f = *state;

	edit(f, "procedure.type", NULL);
	assert_valid(f);
	assert_string_equal(f->r.procedure.type.code, "microneedling");
	assert_null(f->r.procedure.type.raw);
}

static void test_postcode_district_maps_to_region(void **state)
{
	static const struct {
		const char *raw, *district, *area, *region;
	} m[] = {
	    {"LS6", "LS6", "LS", "Yorkshire and The Humber"},
	    {"ls6", "LS6", "LS", "Yorkshire and The Humber"},
	    {" M14 ", "M14", "M", "North West"},
	    {"EC1A", "EC1A", "EC", "London"},
	    {"CF10", "CF10", "CF", "Wales"},
	    {"EH1", "EH1", "EH", "Scotland"},
	    {"BT1", "BT1", "BT", "Northern Ireland"},
	};
	struct fx *f = *state;
	char json[64];

	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		reset(f);
		snprintf(json, sizeof(json), "'%s'", m[i].raw);
		edit(f, "patient.postcode_district", json);
		assert_valid(f);
		assert_string_equal(f->r.patient.postcode_district, m[i].district);
		assert_string_equal(f->r.patient.postcode_area, m[i].area);
		assert_string_equal(f->r.patient.region, m[i].region);
	}
}

static void test_unknown_postcode_area_is_warning_without_region(void **state)
{
	struct fx *f = *state;

	edit(f, "patient.postcode_district", "'QQ1'");
	assert_valid(f);
	assert_string_equal(f->r.patient.postcode_area, "QQ");
	assert_null(f->r.patient.region);
	assert_warning(f, "patient.postcode_district",
		       "unknown postcode area, region left unknown");
}

static void test_malformed_postcode_or_full_postcode_is_error(void **state)
{
	static const char *const bad[] = {"'123'", "'L'", "'LS'",
					  "'LS6LS6LS6LS6LS6LS6LS6LS6LS6LS6LS6LS6LS6LS6'"};
	static const char *const full[] = {"'LS6 2AB'", "'LS62AB'", "'ls6 2'"};
	struct fx *f = *state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		reset(f);
		edit(f, "patient.postcode_district", bad[i]);
		assert_only_error(
		    f, "patient.postcode_district",
		    "invalid postcode district, expected an outward code such as LS6");
	}
	for (size_t i = 0; i < sizeof(full) / sizeof(full[0]); i++) {
		reset(f);
		edit(f, "patient.postcode_district", full[i]);
		assert_only_error(f, "patient.postcode_district",
				  "must be the postcode district only, such as LS6");
	}
}

static void test_region_left_unknown_without_a_region_table(void **state)
{
	struct fx *f = *state;

	f->ctx.regions = NULL;
	assert_valid(f);
	assert_string_equal(f->r.patient.postcode_area, "LS");
	assert_null(f->r.patient.region);
	assert_int_equal(f->warnings.n, 0);
}

/* ---- validation errors ------------------------------------------------------ */

static void test_report_must_be_an_object(void **state)
{
	struct fx *f = *state;

	cJSON_Delete(f->doc);
	f->doc = parse_quoted("[1, 2]");
	assert_only_error(f, "", "report must be a JSON object");
}

static void test_each_missing_required_member_is_reported(void **state)
{
	struct fx *f = *state;

	edit(f, "client_ref", NULL);
	edit(f, "reporter_role", NULL);
	edit(f, "procedure", NULL);
	edit(f, "complications", NULL);
	assert_int_equal(run(f), -EINVAL);
	assert_error(f, "client_ref", "is required");
	assert_error(f, "reporter_role", "is required");
	assert_error(f, "procedure", "is required");
	assert_error(f, "complications", "is required");
	assert_int_equal(f->errors.n, 4);
}

static void test_procedure_date_and_complication_type_are_required(void **state)
{
	struct fx *f = *state;

	edit(f, "procedure.date", NULL);
	edit(f, "complications[0].type", "''");
	assert_int_equal(run(f), -EINVAL);
	assert_error(f, "procedure.date", "is required");
	assert_error(f, "complications[0].type", "is required");
	assert_int_equal(f->errors.n, 2);
}

static void test_client_ref_length_and_characters(void **state)
{
	struct fx *f = *state;
	char ref[80];

	memset(ref, 'A', 64);
	ref[64] = '\0';
	edit_item(f, "client_ref", cJSON_CreateString(ref));
	assert_valid(f);
	assert_string_equal(f->r.client_ref, ref);

	reset(f);
	strcat(ref, "B");
	edit_item(f, "client_ref", cJSON_CreateString(ref));
	assert_only_error(f, "client_ref", "must be 1 to 64 characters");

	reset(f);
	edit(f, "client_ref", "'GLOW 42'");
	assert_only_error(f, "client_ref", "may contain only letters, digits and - _ . / : #");

	reset(f);
	edit(f, "client_ref", "'clinic-a/2026:case#7_v.1'");
	assert_valid(f);

	reset(f);
	edit(f, "client_ref", "42");
	assert_only_error(f, "client_ref", "must be a string");
}

static void test_version_defaults_to_1_and_must_be_a_bounded_integer(void **state)
{
	struct fx *f = *state;

	edit(f, "version", NULL);
	assert_valid(f);
	assert_int_equal(f->r.version, 1);
	reset(f);
	edit(f, "version", "1000000");
	assert_valid(f);
	assert_int_equal(f->r.version, 1000000);
	reset(f);
	edit(f, "version", "0");
	assert_only_error(f, "version", "must be between 1 and 1000000");
	reset(f);
	edit(f, "version", "1e12");
	assert_only_error(f, "version", "must be between 1 and 1000000");
	reset(f);
	edit(f, "version", "2.5");
	assert_only_error(f, "version", "must be an integer");
	reset(f);
	edit(f, "version", "'2'");
	assert_only_error(f, "version", "must be an integer");
}

static void test_reporter_role_must_be_an_exact_listed_value(void **state)
{
	static const char *const ok[] = {"practitioner", "treating_clinician", "patient", "other"};
	struct fx *f = *state;
	char json[64];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		reset(f);
		snprintf(json, sizeof(json), "'%s'", ok[i]);
		edit(f, "reporter_role", json);
		assert_valid(f);
		assert_string_equal(f->r.reporter_role, ok[i]);
	}
	reset(f);
	edit(f, "reporter_role", "'Practitioner'");
	assert_only_error(f, "reporter_role",
			  "must be one of practitioner, treating_clinician, patient, other");
}

static void test_wrong_json_types_are_named_per_field(void **state)
{
	struct fx *f = *state;

	edit(f, "procedure.setting", "5");
	edit(f, "procedure.sterile_single_use_cartridge", "'yes'");
	edit(f, "procedure.areas", "'cheeks'");
	edit(f, "procedure.products[1]", "7");
	edit(f, "complications[0].onset_days", "'3'");
	edit(f, "complications[0].serious", "0");
	edit(f, "complications[0].treatment", "{}");
	edit(f, "patient.history", "true");
	edit(f, "narrative", "[]");
	assert_int_equal(run(f), -EINVAL);
	assert_error(f, "procedure.setting", "must be a string");
	assert_error(f, "procedure.sterile_single_use_cartridge", "must be a boolean");
	assert_error(f, "procedure.areas", "must be an array of strings");
	assert_error(f, "procedure.products[1]", "must be a string");
	assert_error(f, "complications[0].onset_days", "must be an integer");
	assert_error(f, "complications[0].serious", "must be a boolean");
	assert_error(f, "complications[0].treatment", "must be an array of strings");
	assert_error(f, "patient.history", "must be an array of strings");
	assert_error(f, "narrative", "must be a string");
	assert_int_equal(f->errors.n, 9);
}

static void test_sections_must_be_objects(void **state)
{
	struct fx *f = *state;

	edit(f, "procedure", "'yesterday at the salon'");
	edit(f, "patient", "[]");
	edit(f, "complications", "{'type': 'PIH'}");
	assert_int_equal(run(f), -EINVAL);
	assert_error(f, "procedure", "must be an object");
	assert_error(f, "patient", "must be an object");
	assert_error(f, "complications", "must be an array");
	assert_int_equal(f->errors.n, 3);
}

static void test_days_must_be_within_ten_years(void **state)
{
	struct fx *f = *state;

	edit(f, "complications[0].onset_days", "-1");
	edit(f, "complications[0].duration_days", "3651");
	assert_int_equal(run(f), -EINVAL);
	assert_error(f, "complications[0].onset_days", "must be between 0 and 3650");
	assert_error(f, "complications[0].duration_days", "must be between 0 and 3650");
	reset(f);
	edit(f, "complications[0].onset_days", "0");
	edit(f, "complications[0].duration_days", "3650");
	assert_valid(f);
	reset(f);
	edit(f, "complications[0].duration_days", "2.5");
	assert_only_error(f, "complications[0].duration_days", "must be an integer");
}

static void test_string_lists_are_bounded(void **state)
{
	struct fx *f = *state;
	cJSON *areas = cJSON_CreateArray();
	char long_item[202];

	for (int i = 0; i < 33; i++)
		cJSON_AddItemToArray(areas, cJSON_CreateString("cheeks"));
	edit_item(f, "procedure.areas", areas);
	memset(long_item, 'x', 201);
	long_item[201] = '\0';
	edit_item(f, "procedure.products[0]", cJSON_CreateString(long_item));
	assert_int_equal(run(f), -EINVAL);
	assert_error(f, "procedure.areas", "must have at most 32 items");
	assert_error(f, "procedure.products[0]", "must be at most 200 bytes");
	assert_int_equal(f->errors.n, 2);
}

static void test_complications_must_be_a_non_empty_array_of_at_most_50(void **state)
{
	struct fx *f = *state;
	cJSON *list = cJSON_CreateArray();

	edit(f, "complications", "[]");
	assert_only_error(f, "complications", "must have at least one complication");

	reset(f);
	for (int i = 0; i < 51; i++)
		cJSON_AddItemToArray(list, parse_quoted("{'type': 'PIH'}"));
	edit_item(f, "complications", list);
	assert_only_error(f, "complications", "must have at most 50 items");

	reset(f);
	cJSON_DeleteItemFromArray(cJSON_GetObjectItemCaseSensitive(f->doc, "complications"), 0);
	assert_valid(f);
	assert_int_equal(f->r.n_complications, 50);
}

static void test_each_complication_must_be_an_object(void **state)
{
	struct fx *f = *state;

	edit(f, "complications[1]", "'PIH'");
	edit(f, "complications[2]", "{'type': 'PIH', 'onset_days': 4000}");
	assert_int_equal(run(f), -EINVAL);
	assert_error(f, "complications[1]", "must be an object");
	assert_error(f, "complications[2].onset_days", "must be between 0 and 3650");
	assert_int_equal(f->errors.n, 2);
}

static void test_all_errors_are_collected_not_just_the_first(void **state)
{
	struct fx *f = *state;

	edit(f, "version", "-3");
	edit(f, "procedure.date", "'2031-01-01'");
	edit(f, "procedure.needle_depth", "'9 mm'");
	edit(f, "patient.fitzpatrick", "9");
	edit(f, "patient.age_band", "'30'");
	edit(f, "complications[0].duration_days", "'ten'");
	edit(f, "complications[1]", "{'onset_days': 2}");
	edit(f, "procedure.setting", "'glamping yurt'");
	assert_int_equal(run(f), -EINVAL);
	assert_error(f, "version", "must be between 1 and 1000000");
	assert_error(f, "procedure.date", "date must not be in the future");
	assert_error(f, "procedure.needle_depth", "needle depth must be between 0.1 and 3.0 mm");
	assert_error(f, "patient.fitzpatrick", "fitzpatrick type must be 1 to 6");
	assert_error(f, "patient.age_band",
		     "must be one of 0-17, 18-24, 25-34, 35-44, 45-54, 55-64, 65+");
	assert_error(f, "complications[0].duration_days", "must be an integer");
	assert_error(f, "complications[1].type", "is required");
	assert_int_equal(f->errors.n, 7);
	/* unknown vocabulary stays a warning even in a rejected report */
	assert_warning(f, "procedure.setting", NULL);
}

static void test_issues_already_in_the_lists_do_not_count(void **state)
{
	struct fx *f = *state;

	assert_int_equal(issues_add(&f->errors, "[0].x", "from an earlier item"), 0);
	assert_int_equal(run(f), 0);
	assert_int_equal(f->errors.n, 1);
}

static void test_unknown_members_are_warnings_not_errors(void **state)
{
	struct fx *f = *state;

	edit(f, "source_system", "'BookMe 3.1'");
	edit(f, "procedure.colour", "'blue'");
	edit(f, "patient.shoe_size", "9");
	edit(f, "complications[0].note", "'see letter'");
	assert_valid(f);
	static const char *const paths[] = {"source_system", "procedure.colour",
					    "patient.shoe_size", "complications[0].note"};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		assert_warning(f, paths[i], "unknown member, not stored");
	assert_int_equal(f->warnings.n, 4);
	assert_false(f->r.needs_review);
}

static void test_member_names_are_case_sensitive(void **state)
{
	struct fx *f = *state;

	edit(f, "Client_Ref", "'X-1'");
	edit(f, "client_ref", NULL);
	assert_int_equal(run(f), -EINVAL);
	assert_error(f, "client_ref", "is required");
	assert_warning(f, "Client_Ref", NULL);
}

static void test_identifying_patient_data_is_refused(void **state)
{
	static const char *const names[] = {"name",	  "dob",   "date_of_birth",
					    "nhs_number", "email", "phone"};
	struct fx *f = *state;
	char path[64];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "patient.%s", names[i]);
		edit(f, path, "'Jane Doe 1990-01-01'");
	}
	assert_int_equal(run(f), -EINVAL);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "patient.%s", names[i]);
		assert_error(f, path, NULL);
		assert_false(has_issue(&f->warnings, path, NULL));
	}
	assert_int_equal(f->errors.n, 6);
	for (size_t i = 0; i < f->errors.n; i++) {
		assert_null(strstr(f->errors.v[i].message, "Jane"));
		assert_non_null(
		    strstr(f->errors.v[i].message, "identifying data must not be sent"));
	}
}

/* The hostile-testing list: names as booking systems spell them, at every
 * depth, each an error naming its path and never a warning as well. */
static void test_identifying_names_are_refused_at_every_depth(void **state)
{
	static const struct {
		const char *path, *what;
	} cases[] = {
	    {"patient.Name", "a name"},
	    {"patient.NHS_Number", "an NHS, CHI or other national number"},
	    {"patient.DOB", "a date of birth"},
	    {"patient.Email", "an e-mail address"},
	    {"patient.nhs number", "an NHS, CHI or other national number"},
	    {"patient.date of birth", "a date of birth"},
	    {"patient.DateOfBirth", "a date of birth"},
	    {"patient.telephone", "a phone number"},
	    {"patient.Address", "an address"},
	    {"patient.postcode", "a full postcode"},
	    {"name", "a name"},
	    {"nhs_number", "an NHS, CHI or other national number"},
	    {"email", "an e-mail address"},
	    {"procedure.Client Name", "a name"},
	    {"complications[0].Patient Name", "a name"},
	};
	struct fx *f = *state;
	char msg[128];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		edit(f, cases[i].path, "'x'");
	edit(f, "booking", "{'contact': {'e-mail': 'x', 'rows': [{'Surname': 'x'}]}}");
	assert_int_equal(run(f), -EINVAL);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(msg, sizeof(msg), "identifying data must not be sent (%s)", cases[i].what);
		assert_error(f, cases[i].path, msg);
		if (has_issue(&f->warnings, cases[i].path, NULL))
			fail_msg("%s is also a warning", cases[i].path);
	}
	assert_error(f, "booking.contact.e-mail",
		     "identifying data must not be sent (an e-mail address)");
	assert_error(f, "booking.contact.rows[0].Surname",
		     "identifying data must not be sent (a name)");
	assert_int_equal(f->errors.n, sizeof(cases) / sizeof(cases[0]) + 2);
	assert_warning(f, "booking", "unknown member, not stored");
}

/* Free text is scanned; the error says what was found, never the text. */
static void test_free_text_holding_identifiers_is_refused(void **state)
{
	struct fx *f = *state;

	edit(f, "narrative", "'seen again, NHS 943 476 5919, doing well'");
	edit(f, "procedure.products[1]", "'serum from jo@example.com'");
	edit(f, "complications[0].treatment[0]", "'GP on 07700 900123'");
	edit(f, "patient.history[0]", "'lives LS6 2AB'");
	edit(f, "complications[0].type", "'rash, call +44 20 7946 0958'");
	assert_int_equal(run(f), -EINVAL);
	assert_error(f, "narrative",
		     "contains what looks like an NHS number; identifying data must not be sent");
	assert_error(f, "procedure.products[1]",
		     "contains what looks like an e-mail address; identifying data must not be "
		     "sent");
	assert_error(f, "complications[0].treatment[0]",
		     "contains what looks like a phone number; identifying data must not be sent");
	assert_error(f, "patient.history[0]",
		     "contains what looks like a full postcode; identifying data must not be sent");
	assert_error(f, "complications[0].type",
		     "contains what looks like a phone number; identifying data must not be sent");
	assert_int_equal(f->errors.n, 5);
	for (size_t i = 0; i < f->errors.n; i++) {
		assert_null(strstr(f->errors.v[i].message, "5919"));
		assert_null(strstr(f->errors.v[i].message, "example"));
		assert_null(strstr(f->errors.v[i].message, "900123"));
		assert_null(strstr(f->errors.v[i].message, "2AB"));
	}
}

static void test_free_text_near_misses_are_stored(void **state)
{
	struct fx *f = *state;

	edit(f, "narrative",
	     "'Procedure 02/11/2026 at 1.5 mm (1500 um), lot 9434765918, "
	     "patient from LS6; PIH by 2026-11-20, 3 days'");
	edit(f, "procedure.products[1]", "'batch 1234567890'");
	assert_valid(f);
	assert_int_equal(f->errors.n, 0);
}

static void test_age_bands_are_fixed_and_older_bands_fold_to_65_plus(void **state)
{
	static const struct mapping m[] = {
	    {"0-17", "0-17"}, {"18-24", "18-24"}, {"55-64", "55-64"},
	    {"65+", "65+"},   {"65-74", "65+"},	  {"75+", "65+"},
	};
	struct fx *f = *state;
	char json[64];

	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		reset(f);
		snprintf(json, sizeof(json), "'%s'", m[i].raw);
		edit(f, "patient.age_band", json);
		assert_valid(f);
		assert_string_equal(f->r.patient.age_band, m[i].code);
	}
	reset(f);
	edit(f, "patient.age_band", "'25 - 34'");
	assert_only_error(f, "patient.age_band",
			  "must be one of 0-17, 18-24, 25-34, 35-44, 45-54, 55-64, 65+");
}

static void test_narrative_and_premises_code_are_bounded(void **state)
{
	struct fx *f = *state;
	char *text = malloc(10002);

	assert_non_null(text);
	memset(text, 'n', 10001);
	text[10000] = '\0';
	edit_item(f, "narrative", cJSON_CreateString(text));
	assert_valid(f);
	assert_int_equal(strlen(f->r.narrative), 10000);

	reset(f);
	text[10000] = 'n';
	text[10001] = '\0';
	edit_item(f, "narrative", cJSON_CreateString(text));
	text[65] = '\0';
	edit_item(f, "procedure.premises_code", cJSON_CreateString(text));
	free(text);
	assert_int_equal(run(f), -EINVAL);
	assert_error(f, "narrative", "must be at most 10000 bytes");
	assert_error(f, "procedure.premises_code", "must be at most 64 bytes");
	assert_int_equal(f->errors.n, 2);
}

static void test_null_and_blank_strings_mean_not_given(void **state)
{
	struct fx *f = *state;

	edit(f, "procedure.setting", "'  '");
	edit(f, "procedure.premises_code", "''");
	edit(f, "procedure.needle_depth", "null");
	edit(f, "patient.ref", "' '");
	edit(f, "patient.fitzpatrick", "''");
	edit(f, "complications[0].severity", "null");
	edit(f, "narrative", "''");
	assert_valid(f);
	assert_string_equal(f->r.procedure.setting.code, "");
	assert_null(f->r.procedure.premises_code);
	assert_true(f->r.procedure.needle_depth_mm < 0);
	assert_false(f->r.patient.has_ref);
	assert_string_equal(f->r.patient.pseudonym, "");
	assert_int_equal(f->r.patient.fitzpatrick, 0);
	assert_string_equal(f->r.complications[0].severity.code, "");
	assert_null(f->r.narrative);
	assert_int_equal(f->warnings.n, 0);
}

static void test_yes_no_answers_are_tristate(void **state)
{
	struct fx *f = *state;

	edit(f, "procedure.sterile_single_use_cartridge", "true");
	edit(f, "procedure.antiviral_prophylaxis", "null");
	edit(f, "complications[0].serious", NULL);
	assert_valid(f);
	assert_int_equal(f->r.procedure.sterile_single_use_cartridge, TRI_TRUE);
	assert_int_equal(f->r.procedure.antiviral_prophylaxis, TRI_UNKNOWN);
	assert_int_equal(f->r.complications[0].serious, TRI_UNKNOWN);
}

static void test_patient_is_optional(void **state)
{
	struct fx *f = *state;

	edit(f, "patient", NULL);
	assert_valid(f);
	assert_null(f->r.patient.age_band);
	assert_false(f->r.patient.has_ref);
	assert_int_equal(f->r.patient.fitzpatrick, 0);
}

/* ---- pseudonyms -------------------------------------------------------------- */

static void test_patient_ref_becomes_hmac_pseudonym(void **state)
{
	struct fx *f = *state;
	char expect[PSEUDONYM_HEX_LEN + 1];

	assert_int_equal(pseudonym_derive(&shipped.key, "opaque-local-id", expect), 0);
	assert_valid(f);
	assert_true(f->r.patient.has_ref);
	assert_string_equal(f->r.patient.pseudonym, expect);
	assert_int_equal(strlen(f->r.patient.pseudonym), PSEUDONYM_HEX_LEN);
}

static void test_same_ref_links_and_other_ref_does_not(void **state)
{
	struct fx *f = *state;
	char first[PSEUDONYM_HEX_LEN + 1];

	assert_valid(f);
	memcpy(first, f->r.patient.pseudonym, sizeof(first));
	reset(f);
	assert_valid(f);
	assert_string_equal(f->r.patient.pseudonym, first);
	reset(f);
	edit(f, "patient.ref", "'opaque-local-id-2'");
	assert_valid(f);
	assert_string_not_equal(f->r.patient.pseudonym, first);
}

static void test_clear_patient_ref_appears_nowhere_in_the_output(void **state)
{
	static const char secret[] = "PT-SECRET-77310";
	struct fx *f = *state;
	char json[64];

	snprintf(json, sizeof(json), "'%s'", secret);
	edit(f, "patient.ref", json);
	assert_valid(f);
	cJSON *out = report_to_json(&f->r);
	assert_non_null(out);
	char *text = cJSON_PrintUnformatted(out);
	assert_non_null(text);
	assert_null(strstr(text, secret));
	assert_null(strstr(text, "SECRET"));
	assert_non_null(strstr(text, f->r.patient.pseudonym));
	for (size_t i = 0; i < f->warnings.n; i++)
		assert_null(strstr(f->warnings.v[i].message, secret));
	cJSON_free(text);
	cJSON_Delete(out);
}

static void test_patient_ref_is_bounded_and_needs_a_key(void **state)
{
	struct fx *f = *state;
	char ref[130];

	memset(ref, 'r', 129);
	ref[129] = '\0';
	edit_item(f, "patient.ref", cJSON_CreateString(ref));
	assert_only_error(f, "patient.ref", "must be at most 128 bytes");

	reset(f);
	f->ctx.key = NULL;
	edit(f, "patient.ref", "'abc'");
	assert_only_error(f, "patient.ref", "patient references are not accepted here");

	reset(f);
	edit(f, "patient.ref", NULL);
	assert_valid(f);
}

/* ---- report_to_json ------------------------------------------------------------ */

static const cJSON *at(const cJSON *obj, const char *path)
{
	char buf[128], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *seg = strtok_r(buf, ".", &save); seg && obj; seg = strtok_r(NULL, ".", &save)) {
		if (seg[0] >= '0' && seg[0] <= '9')
			obj = cJSON_GetArrayItem(obj, atoi(seg));
		else
			obj = cJSON_GetObjectItemCaseSensitive(obj, seg);
	}
	if (!obj)
		fail_msg("no member %s", path);
	return obj;
}

static void assert_json_string(const cJSON *obj, const char *path, const char *expect)
{
	const cJSON *v = at(obj, path);

	if (!cJSON_IsString(v))
		fail_msg("%s is not a string", path);
	assert_string_equal(v->valuestring, expect);
}

static void assert_json_number(const cJSON *obj, const char *path, double expect)
{
	const cJSON *v = at(obj, path);

	if (!cJSON_IsNumber(v) || v->valuedouble != expect)
		fail_msg("%s is not %g", path, expect);
}

static void assert_json_null(const cJSON *obj, const char *path)
{
	if (!cJSON_IsNull(at(obj, path)))
		fail_msg("%s is not null", path);
}

static void assert_json_bool(const cJSON *obj, const char *path, int expect)
{
	const cJSON *v = at(obj, path);

	if (!cJSON_IsBool(v) || cJSON_IsTrue(v) != expect)
		fail_msg("%s is not %s", path, expect ? "true" : "false");
}

static void test_json_carries_codes_raw_text_and_values(void **state)
{
	struct fx *f = *state;

	assert_valid(f);
	cJSON *j = report_to_json(&f->r);
	assert_non_null(j);
	assert_json_string(j, "client_ref", "GLOW-2026-00042");
	assert_json_number(j, "version", 1);
	assert_json_string(j, "reporter_role", "treating_clinician");
	assert_json_string(j, "procedure.date", "2026-11-02");
	assert_json_string(j, "procedure.type", "microneedling");
	assert_json_string(j, "procedure.setting", "salon");
	assert_json_string(j, "procedure.setting_raw", "beauty salon");
	assert_json_null(j, "procedure.premises_code");
	assert_json_string(j, "procedure.practitioner_role", "aesthetician");
	assert_json_bool(j, "procedure.medically_trained", 0);
	assert_json_number(j, "procedure.needle_depth_mm", 1.5);
	assert_json_string(j, "procedure.needle_depth_raw", "1.5 mm");
	assert_json_string(j, "procedure.areas.1", "forehead");
	assert_json_bool(j, "procedure.sterile_single_use_cartridge", 0);
	assert_json_string(j, "patient.age_band", "25-34");
	assert_json_number(j, "patient.fitzpatrick", 4);
	assert_json_string(j, "patient.fitzpatrick_raw", "IV");
	assert_json_string(j, "patient.history.0", "rosacea");
	assert_json_string(j, "patient.pseudonym", f->r.patient.pseudonym);
	assert_json_string(j, "patient.postcode_district", "LS6");
	assert_json_string(j, "patient.postcode_area", "LS");
	assert_json_string(j, "patient.region", "Yorkshire and The Humber");
	assert_json_string(j, "complications.0.type", "infection_viral_hsv");
	assert_json_string(j, "complications.0.type_raw", "cold sores");
	assert_json_string(j, "complications.0.group", "infection");
	assert_json_number(j, "complications.0.onset_days", 3);
	assert_json_number(j, "complications.0.duration_days", 10);
	assert_json_string(j, "complications.0.severity", "moderate");
	assert_json_bool(j, "complications.0.serious", 0);
	assert_json_string(j, "complications.0.outcome", "resolved");
	assert_json_string(j, "complications.0.treatment.0", "oral antivirals");
	assert_json_string(j, "narrative", "free text");
	assert_true(cJSON_IsArray(at(j, "needs_review")));
	assert_int_equal(cJSON_GetArraySize(at(j, "needs_review")), 0);
	assert_null(cJSON_GetObjectItemCaseSensitive(at(j, "patient"), "ref"));
	cJSON_Delete(j);
}

static void test_json_gives_null_for_everything_not_given(void **state)
{
	struct fx *f = *state;

	cJSON_Delete(f->doc);
	f->doc = parse_quoted("{'client_ref': 'M-1', 'reporter_role': 'patient',"
			      " 'procedure': {'date': '2026-10-01'},"
			      " 'complications': [{'type': 'PIH'}]}");
	assert_valid(f);
	cJSON *j = report_to_json(&f->r);
	assert_non_null(j);
	assert_json_number(j, "version", 1);
	assert_json_string(j, "procedure.type", "microneedling");
	assert_json_null(j, "procedure.type_raw");
	assert_json_null(j, "procedure.setting");
	assert_json_null(j, "procedure.setting_raw");
	assert_json_null(j, "procedure.practitioner_role");
	assert_json_null(j, "procedure.medically_trained");
	assert_json_null(j, "procedure.needle_depth_mm");
	assert_json_null(j, "procedure.antiviral_prophylaxis");
	assert_int_equal(cJSON_GetArraySize(at(j, "procedure.areas")), 0);
	assert_json_null(j, "patient.age_band");
	assert_json_null(j, "patient.sex");
	assert_json_null(j, "patient.fitzpatrick");
	assert_json_null(j, "patient.pseudonym");
	assert_json_null(j, "patient.region");
	assert_json_null(j, "complications.0.onset_days");
	assert_json_null(j, "complications.0.severity");
	assert_json_null(j, "complications.0.serious");
	assert_json_null(j, "narrative");
	cJSON_Delete(j);
}

static void test_json_lists_paths_needing_review(void **state)
{
	struct fx *f = *state;

	edit(f, "procedure.setting", "'glamping yurt'");
	edit(f, "complications[1]", "{'type': 'sparkly rash', 'outcome': 'who knows'}");
	assert_valid(f);
	assert_true(f->r.needs_review);
	cJSON *j = report_to_json(&f->r);
	assert_non_null(j);
	const cJSON *rev = at(j, "needs_review");
	assert_int_equal(cJSON_GetArraySize(rev), 3);
	assert_json_string(j, "needs_review.0", "procedure.setting");
	assert_json_string(j, "needs_review.1", "complications[1].type");
	assert_json_string(j, "needs_review.2", "complications[1].outcome");
	assert_json_string(j, "procedure.setting_raw", "glamping yurt");
	assert_json_string(j, "complications.1.type", "other");
	assert_json_string(j, "complications.1.type_raw", "sparkly rash");
	assert_json_string(j, "complications.1.group", "other");
	cJSON_Delete(j);
}

/* ---- value parsers, called directly ---------------------------------------------- */

static void test_value_parsers_write_output_only_on_success(void **state)
{
	char date[11] = "unchanged";
	const char *reason = NULL;
	double mm = -7;
	int type = -7;

	(void)state;
	assert_int_equal(normalise_date("2026-02-30", TODAY, date, &reason), -EINVAL);
	assert_string_equal(date, "unchanged");
	assert_string_equal(reason, "not a calendar date");
	assert_int_equal(normalise_date("1/1/2026", TODAY, date, &reason), 0);
	assert_string_equal(date, "2026-01-01");
	assert_int_equal(normalise_depth_mm("12 mm", &mm, &reason), -EINVAL);
	assert_true(mm == -7);
	assert_int_equal(normalise_depth_mm("750µm", &mm, &reason), 0);
	assert_true(mm == 0.75);
	assert_int_equal(normalise_fitzpatrick("VII", &type, &reason), -EINVAL);
	assert_int_equal(type, -7);
	assert_int_equal(normalise_fitzpatrick("FITZPATRICK: III", &type, &reason), 0);
	assert_int_equal(type, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	    T(test_design_example_is_valid_without_warnings),
	    T(test_fixture_reports_are_valid),
	    T(test_setting_terms_map_to_canonical_codes),
	    T(test_setting_absent_is_left_for_the_server_to_decide),
	    T(test_unknown_setting_is_kept_for_review_not_rejected),
	    T(test_practitioner_role_derives_medically_trained),
	    T(test_unknown_or_absent_role_has_unknown_training),
	    T(test_complication_terms_map_to_code_and_group),
	    T(test_unknown_complication_is_other_for_review_not_an_error),
	    T(test_redness_gone_within_72_hours_is_expected_reaction),
	    T(test_redness_lasting_longer_stays_prolonged_erythema),
	    T(test_fitzpatrick_accepts_roman_words_and_numbers),
	    T(test_fitzpatrick_out_of_range_is_error),
	    T(test_fitzpatrick_unreadable_or_wrong_type_is_error),
	    T(test_needle_depth_units_convert_to_mm),
	    T(test_needle_depth_limits_are_inclusive),
	    T(test_needle_depth_out_of_range_is_error),
	    T(test_needle_depth_unreadable_is_error),
	    T(test_needle_depth_keeps_raw_text_only_for_strings),
	    T(test_iso_and_uk_dates_become_iso),
	    T(test_dates_respect_the_calendar_and_leap_years),
	    T(test_future_date_is_error_and_today_is_not),
	    T(test_date_before_2000_is_error),
	    T(test_malformed_dates_are_errors),
	    T(test_severity_terms_map_and_unknown_is_reviewed),
	    T(test_outcome_terms_map_and_unknown_is_reviewed),
	    T(test_unknown_sex_device_and_procedure_type_are_reviewed),
	    T(test_procedure_type_defaults_to_microneedling),
	    T(test_postcode_district_maps_to_region),
	    T(test_unknown_postcode_area_is_warning_without_region),
	    T(test_malformed_postcode_or_full_postcode_is_error),
	    T(test_region_left_unknown_without_a_region_table),
	    T(test_report_must_be_an_object),
	    T(test_each_missing_required_member_is_reported),
	    T(test_procedure_date_and_complication_type_are_required),
	    T(test_client_ref_length_and_characters),
	    T(test_version_defaults_to_1_and_must_be_a_bounded_integer),
	    T(test_reporter_role_must_be_an_exact_listed_value),
	    T(test_wrong_json_types_are_named_per_field),
	    T(test_sections_must_be_objects),
	    T(test_days_must_be_within_ten_years),
	    T(test_string_lists_are_bounded),
	    T(test_complications_must_be_a_non_empty_array_of_at_most_50),
	    T(test_each_complication_must_be_an_object),
	    T(test_all_errors_are_collected_not_just_the_first),
	    T(test_issues_already_in_the_lists_do_not_count),
	    T(test_unknown_members_are_warnings_not_errors),
	    T(test_member_names_are_case_sensitive),
	    T(test_identifying_patient_data_is_refused),
	    T(test_identifying_names_are_refused_at_every_depth),
	    T(test_free_text_holding_identifiers_is_refused),
	    T(test_free_text_near_misses_are_stored),
	    T(test_age_bands_are_fixed_and_older_bands_fold_to_65_plus),
	    T(test_narrative_and_premises_code_are_bounded),
	    T(test_null_and_blank_strings_mean_not_given),
	    T(test_yes_no_answers_are_tristate),
	    T(test_patient_is_optional),
	    T(test_patient_ref_becomes_hmac_pseudonym),
	    T(test_same_ref_links_and_other_ref_does_not),
	    T(test_clear_patient_ref_appears_nowhere_in_the_output),
	    T(test_patient_ref_is_bounded_and_needs_a_key),
	    T(test_json_carries_codes_raw_text_and_values),
	    T(test_json_gives_null_for_everything_not_given),
	    T(test_json_lists_paths_needing_review),
	    T(test_value_parsers_write_output_only_on_success),
#undef T
	};

	return cmocka_run_group_tests(tests, group_setup, th_tables_teardown);
}
