/* Tests for daemon/core/stored_report.c: where the procedure was done (with
 * a premises register faked by a callback), the warnings that decision adds
 * and their replay from a stored row, and the row itself, by column name. */
#include "helpers.h"

#include <cJSON.h>

#include "report.h"
#include "report_members.h"
#include "stored_report.h"

/* The example report of the report format, ' for " to keep it readable;
 * %s are the reporter role and the premises_code member (or nothing). */
static const char report_fmt[] =
    "{'client_ref': 'GLOW-2026-00042', 'version': 1,"
    " 'procedure': {'date': '2026-11-02', 'setting': 'beauty salon', %s"
    "  'practitioner_role': 'aesthetician', 'device': 'pen', 'needle_depth': '1.5 mm',"
    "  'areas': ['cheeks', 'forehead']},"
    " 'patient': {'age_band': '25-34', 'fitzpatrick': 'IV', 'ref': 'opaque-local-id'},"
    " 'complications': [{'type': 'cold sores', 'onset_days': 3, 'serious': false,"
    "  'treatment': ['oral antivirals']},"
    "  {'type': 'zebra \\'welts\\' \\\\ x'}],"
    " 'reporter_role': '%s'}";

/* The fake register: one premises, K7QM-R4XZK (id 12, a salon), unless
 * fail_with says otherwise; it records the code it was last asked for. */
struct fake_register {
	int calls;
	char asked[32];
	long long id;
	const char *setting;
	int fail_with;
};

static int fake_lookup(void *arg, const char *code, long long *ret_id, char *ret_setting,
		       size_t setting_len)
{
	struct fake_register *fr = arg;

	fr->calls++;
	snprintf(fr->asked, sizeof(fr->asked), "%s", code);
	if (fr->fail_with)
		return fr->fail_with;
	if (strcmp(code, "K7QM-R4XZK") != 0)
		return -ENOENT;
	*ret_id = fr->id;
	snprintf(ret_setting, setting_len, "%s", fr->setting);
	return 0;
}

struct fx {
	struct arena *a;
	struct issues errors, warnings;
	struct report r;
	struct fake_register reg;
	struct stored_origin origin;
};

static int group_setup(void **state)
{
	return th_tables_setup(state);
}

static int group_teardown(void **state)
{
	return th_tables_teardown(state);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->a = arena_new();
	assert_non_null(f->a);
	issues_init(&f->errors, f->a);
	issues_init(&f->warnings, f->a);
	f->reg = (struct fake_register){.id = 12, .setting = "salon"};
	f->origin = (struct stored_origin){.premises_id = 7,
					   .account_id = 70,
					   .premises_setting = "medical_clinic",
					   .format = "json"};
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	arena_free(f->a);
	free(f);
	return 0;
}

/* Normalises the example with this role and premises_code member ("" for
 * none) into f->r; the warnings list is emptied after. */
static void normalise_example(struct fx *f, const char *role, const char *code_member)
{
	char text[2048];
	struct normalise_ctx ctx = th_normalise_ctx();

	snprintf(text, sizeof(text), report_fmt, code_member, role);
	for (char *c = text; *c; c++)
		if (*c == '\'')
			*c = '"';
	cJSON *doc = cJSON_Parse(text);
	assert_non_null(doc);
	int rc = normalise_report(&ctx, doc, f->a, &f->r, &f->errors, &f->warnings);
	cJSON_Delete(doc);
	for (size_t i = 0; rc && i < f->errors.n; i++)
		print_error("  %s: %s\n", f->errors.v[i].field, f->errors.v[i].message);
	assert_int_equal(rc, 0);
	issues_init(&f->warnings, f->a);
}

static int place(struct fx *f, struct stored_place *ret)
{
	return stored_report_place(&f->r, &f->origin, fake_lookup, &f->reg, f->a, ret, &f->errors,
				   &f->warnings);
}

/* ---- the place ------------------------------------------------------------- */

static void test_practitioner_without_code_did_it_at_its_own_premises(void **state)
{
	struct fx *f = *state;
	struct stored_place p;

	normalise_example(f, "practitioner", "");
	assert_int_equal(place(f, &p), 0);
	assert_int_equal(f->reg.calls, 0);
	assert_int_equal(p.premises_id, 7);
	assert_string_equal(p.setting, "medical_clinic");
	assert_int_equal(f->warnings.n, 1);
	th_assert_issue(&f->warnings, "procedure.setting",
			"differs from the premises' registered setting medical_clinic");
}

static void test_named_code_is_looked_up_in_upper_case(void **state)
{
	struct fx *f = *state;
	struct stored_place p;

	normalise_example(f, "treating_clinician", "'premises_code': 'k7qm-r4xzk',");
	assert_int_equal(place(f, &p), 0);
	assert_string_equal(f->reg.asked, "K7QM-R4XZK");
	assert_int_equal(p.premises_id, 12);
	assert_string_equal(p.setting, "salon");
	assert_int_equal(f->warnings.n, 0);
	assert_int_equal(f->errors.n, 0);
}

static void test_unregistered_code_is_counted_as_an_unregistered_place(void **state)
{
	struct fx *f = *state;
	struct stored_place p;

	normalise_example(f, "patient", "'premises_code': 'OLD-CODE-1',");
	assert_int_equal(place(f, &p), 0);
	assert_string_equal(f->reg.asked, "OLD-CODE-1");
	assert_int_equal(p.premises_id, 0);
	assert_string_equal(p.setting, "salon");
	assert_int_equal(f->warnings.n, 1);
	th_assert_issue(&f->warnings, "procedure.premises_code",
			"no registered premises has this code");
}

static void test_mistyped_code_is_an_error(void **state)
{
	struct fx *f = *state;
	struct stored_place p;

	normalise_example(f, "patient", "'premises_code': 'K7QM-R4XZ0',");
	assert_int_equal(place(f, &p), -EINVAL);
	th_assert_issue(&f->errors, "procedure.premises_code", "is mistyped");
}

static void test_practitioner_may_not_name_another_premises(void **state)
{
	struct fx *f = *state;
	struct stored_place p;

	normalise_example(f, "practitioner", "'premises_code': 'K7QM-R4XZK',");
	assert_int_equal(place(f, &p), -EINVAL);
	th_assert_issue(&f->errors, "procedure.premises_code",
			"a practitioner may name only its own premises");
	f->reg.id = 7; /* its own: accepted, with its registered setting */
	issues_init(&f->errors, f->a);
	assert_int_equal(place(f, &p), 0);
	assert_int_equal(p.premises_id, 7);
	assert_string_equal(p.setting, "salon");
}

static void test_register_unavailable_is_eagain_without_issues(void **state)
{
	struct fx *f = *state;
	struct stored_place p;

	normalise_example(f, "patient", "'premises_code': 'K7QM-R4XZK',");
	f->reg.fail_with = -EAGAIN;
	assert_int_equal(place(f, &p), -EAGAIN);
	assert_int_equal(f->errors.n + f->warnings.n, 0);
}

static void test_unregistered_place_without_setting_is_unknown(void **state)
{
	struct fx *f = *state;
	struct stored_place p;

	normalise_example(f, "patient", "");
	f->r.procedure.setting.code[0] = '\0';
	assert_int_equal(place(f, &p), 0);
	assert_int_equal(p.premises_id, 0);
	assert_string_equal(p.setting, "unknown");
	th_assert_issue(&f->warnings, "procedure.setting", "missing for an unregistered place");
}

/* renormalise replays the decision from the row: same setting, same
 * warnings, in the same order, as the decision made on arrival. */
static void test_recorded_place_gives_the_same_setting_and_warnings(void **state)
{
	struct fx *f = *state;
	static const struct {
		const char *role, *code;
	} cases[] = {
	    {"practitioner", ""},
	    {"patient", "'premises_code': 'OLD-CODE-1',"},
	    {"treating_clinician", "'premises_code': 'K7QM-R4XZK',"},
	};

	f->reg.setting = "mobile";
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct stored_place decided, replayed;
		struct issues again;

		normalise_example(f, cases[i].role, cases[i].code);
		assert_int_equal(place(f, &decided), 0);
		issues_init(&again, f->a);
		assert_int_equal(
		    stored_report_place_recorded(&f->r, decided.premises_id,
						 decided.premises_id ? decided.setting : NULL,
						 &replayed, &again),
		    0);
		assert_int_equal(replayed.premises_id, decided.premises_id);
		assert_string_equal(replayed.setting, decided.setting);
		assert_string_equal(stored_report_warnings(f->a, &again),
				    stored_report_warnings(f->a, &f->warnings));
		assert_true(f->warnings.n > 0); /* each case warns about something */
	}
}

/* ---- the row ------------------------------------------------------------------ */

static void test_row_columns_are_filled_by_name(void **state)
{
	struct fx *f = *state;
	struct stored_place p = {.premises_id = 12, .setting = "salon"};
	struct stored_row row;
	char hash[65];

	normalise_example(f, "treating_clinician", "'premises_code': 'K7QM-R4XZK',");
	assert_int_equal(stored_report_row(&row, f->a, &f->r, &f->origin, &p, "{}", &f->warnings),
			 0);
	assert_string_equal(stored_column_names[SCOL_BODY_SHA256], "body_sha256");
	assert_string_equal(stored_column_names[SCOL_COMPLICATIONS], "complications");
	assert_string_equal(row.v[SCOL_PREMISES_ID], "7");
	assert_string_equal(row.v[SCOL_ACCOUNT_ID], "70");
	assert_string_equal(row.v[SCOL_CLIENT_REF], "GLOW-2026-00042");
	assert_string_equal(row.v[SCOL_VERSION], "1");
	assert_string_equal(row.v[SCOL_FORMAT], "json");
	assert_string_equal(row.v[SCOL_PROCEDURE_PREMISES_ID], "12");
	assert_string_equal(row.v[SCOL_PROCEDURE_PREMISES_CODE], "K7QM-R4XZK");
	assert_string_equal(row.v[SCOL_PROCEDURE_DATE], "2026-11-02");
	assert_string_equal(row.v[SCOL_SETTING], "salon");
	assert_string_equal(row.v[SCOL_SETTING_REPORTED], "salon");
	assert_string_equal(row.v[SCOL_NEEDLE_DEPTH_MM], "1.50");
	assert_string_equal(row.v[SCOL_AREAS], "[\"cheeks\",\"forehead\"]");
	assert_string_equal(row.v[SCOL_PRODUCTS], "[]");
	assert_string_equal(row.v[SCOL_FITZPATRICK], "4");
	assert_null(row.v[SCOL_SEX]);
	assert_string_equal(row.v[SCOL_REPORTER_ROLE], "treating_clinician");
	assert_string_equal(row.v[SCOL_NEEDS_REVIEW], "true"); /* the zebra term */
	assert_int_equal(strlen(row.v[SCOL_PATIENT_PSEUDONYM]), PSEUDONYM_HEX_LEN);
	assert_string_equal(row.v[SCOL_BODY], "{}");
	assert_int_equal(sha256_hex("{}", 2, hash), 0);
	assert_string_equal(row.v[SCOL_BODY_SHA256], hash);
	assert_string_equal(row.v[SCOL_WARNINGS], "[]");
}

static void test_normalised_carries_the_place(void **state)
{
	struct fx *f = *state;
	struct stored_place registered = {.premises_id = 12, .setting = "salon"};
	struct stored_place elsewhere = {.premises_id = 0, .setting = "home"};

	normalise_example(f, "patient", "");
	cJSON *j = cJSON_Parse(stored_report_normalised(f->a, &f->r, &registered));
	char *place_text = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(j, "procedure"), "place"));
	assert_string_equal(place_text,
			    "{\"premises_id\":12,\"registered\":true,\"setting\":\"salon\"}");
	free(place_text);
	cJSON_Delete(j);
	j = cJSON_Parse(stored_report_normalised(f->a, &f->r, &elsewhere));
	place_text = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(j, "procedure"), "place"));
	assert_string_equal(place_text,
			    "{\"premises_id\":null,\"registered\":false,\"setting\":\"home\"}");
	free(place_text);
	cJSON_Delete(j);
}

static void test_stored_warnings_leave_out_unstored_members(void **state)
{
	struct fx *f = *state;

	assert_int_equal(issues_add(&f->warnings, "source_system", "%s", REPORT_MEMBERS_UNKNOWN),
			 0);
	assert_int_equal(issues_add(&f->warnings, "procedure.setting", "missing \"quoted\""), 0);
	assert_string_equal(
	    stored_report_warnings(f->a, &f->warnings),
	    "[{\"field\":\"procedure.setting\",\"message\":\"missing \\\"quoted\\\"\"}]");
}

/* The hand-written serialiser's text is JSON whose values round-trip: the
 * quotes and backslash of the raw term are escaped, absent numbers null. */
static void test_complications_text_is_json_with_recordset_keys(void **state)
{
	struct fx *f = *state;

	normalise_example(f, "patient", "");
	cJSON *arr = cJSON_Parse(stored_report_complications(f->a, &f->r));
	assert_non_null(arr);
	assert_int_equal(cJSON_GetArraySize(arr), 2);
	cJSON *c0 = cJSON_GetArrayItem(arr, 0), *c1 = cJSON_GetArrayItem(arr, 1);
	assert_int_equal(cJSON_GetObjectItemCaseSensitive(c0, "idx")->valueint, 0);
	assert_int_equal(cJSON_GetObjectItemCaseSensitive(c0, "onset_days")->valueint, 3);
	assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(c0, "duration_days")));
	assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(c0, "serious")));
	assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(c0, "needs_review")));
	assert_string_equal(
	    cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(c0, "treatment"), 0)->valuestring,
	    "oral antivirals");
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(c1, "type")->valuestring, "other");
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(c1, "grp")->valuestring, "other");
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(c1, "type_raw")->valuestring,
			    "zebra \"welts\" \\ x");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c1, "needs_review")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(c1, "serious")));
	cJSON_Delete(arr);
}

/* renormalise's UPDATE is built from this: the 26 columns it has always
 * set, never the row's identity, body or pseudonym. */
static void test_rederived_columns_are_what_renormalise_updates(void **state)
{
	(void)state;
	int n = 0;
	for (int c = 0; c < STORED_NCOLUMNS; c++)
		n += stored_column_rederived((enum stored_column)c);
	assert_int_equal(n, 26);
	assert_true(stored_column_rederived(SCOL_PROCEDURE_TYPE));
	assert_true(stored_column_rederived(SCOL_REGION));
	assert_true(stored_column_rederived(SCOL_NORMALISED));
	assert_true(stored_column_rederived(SCOL_WARNINGS));
	assert_false(stored_column_rederived(SCOL_CLIENT_REF));
	assert_false(stored_column_rederived(SCOL_PATIENT_PSEUDONYM));
	assert_false(stored_column_rederived(SCOL_BODY));
	assert_false(stored_column_rederived(SCOL_BODY_SHA256));
	assert_false(stored_column_rederived(SCOL_COMPLICATIONS));
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_practitioner_without_code_did_it_at_its_own_premises),
	    T(test_named_code_is_looked_up_in_upper_case),
	    T(test_unregistered_code_is_counted_as_an_unregistered_place),
	    T(test_mistyped_code_is_an_error),
	    T(test_practitioner_may_not_name_another_premises),
	    T(test_register_unavailable_is_eagain_without_issues),
	    T(test_unregistered_place_without_setting_is_unknown),
	    T(test_recorded_place_gives_the_same_setting_and_warnings),
	    T(test_row_columns_are_filled_by_name),
	    T(test_normalised_carries_the_place),
	    T(test_stored_warnings_leave_out_unstored_members),
	    T(test_complications_text_is_json_with_recordset_keys),
	    T(test_rederived_columns_are_what_renormalise_updates),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
