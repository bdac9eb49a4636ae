/* Unit tests for daemon/core/report_csv.c: spreadsheet rows into reports,
 * then through the real normalise_report() with the real vocabulary. */
#include "helpers.h"

#include "normalise.h"
#include "report_csv.h"

#define FIXTURES "tests/fixtures/csv/"

struct fx {
	struct arena *a;
	struct report_csv rc;
	struct csv_error err;
	int rc_parse;
	char *text;
};

static void parse_text(struct fx *f, const char *text, size_t max)
{
	memset(f, 0, sizeof(*f));
	f->a = arena_new();
	f->rc_parse = report_csv_parse(text, strlen(text), max, f->a, &f->rc, &f->err);
}

static void parse_file(struct fx *f, const char *name)
{
	size_t len;
	char path[256];
	snprintf(path, sizeof(path), FIXTURES "%s", name);
	char *text = th_read_file(path, &len);
	memset(f, 0, sizeof(*f));
	f->a = arena_new();
	f->text = text;
	f->rc_parse = report_csv_parse(text, len, 1000, f->a, &f->rc, &f->err);
}

static void done(struct fx *f)
{
	report_csv_free(&f->rc);
	arena_free(f->a);
	free(f->text);
}

static const char *str_at(const cJSON *doc, const char *a, const char *b)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, a);
	if (b)
		v = cJSON_GetObjectItemCaseSensitive(v, b);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Normalises item i; returns the number of errors. */
static size_t normalise_item(struct fx *f, size_t i, struct report *r)
{
	struct normalise_ctx ctx = th_normalise_ctx();
	struct issues errors, warnings;

	issues_init(&errors, f->a);
	issues_init(&warnings, f->a);
	normalise_report(&ctx, f->rc.items[i].report, f->a, r, &errors, &warnings);
	for (size_t k = 0; k < errors.n; k++)
		print_message("error %s: %s\n", errors.v[k].field, errors.v[k].message);
	return errors.n;
}

static void test_messy_export_groups_rows_into_reports(void **state)
{
	struct fx f;
	(void)state;
	parse_file(&f, "messy-salon-export.csv");
	assert_int_equal(f.rc_parse, 0);
	assert_int_equal(f.rc.n, 2);
	/* SAL-001's rows are lines 2 (two physical lines) and 5, around SAL-002's line 4. */
	assert_int_equal(f.rc.items[0].n_lines, 2);
	assert_int_equal(f.rc.items[0].lines[0], 2);
	assert_int_equal(f.rc.items[0].lines[1], 5);
	assert_int_equal(f.rc.items[1].lines[0], 4);
	assert_string_equal(str_at(f.rc.items[1].report, "client_ref", NULL), "SAL-002");
	assert_int_equal(
	    cJSON_GetArraySize(cJSON_GetObjectItem(f.rc.items[0].report, "complications")), 2);
	assert_int_equal(f.rc.items[0].errors.n, 0);
	assert_string_equal(f.rc.patient_ref_header, "Patient ID");
	done(&f);
}

static void test_messy_export_normalises_like_json(void **state)
{
	struct fx f;
	struct report r;
	(void)state;
	parse_file(&f, "messy-salon-export.csv");
	assert_int_equal(normalise_item(&f, 0, &r), 0);
	assert_string_equal(r.client_ref, "SAL-001");
	assert_string_equal(r.procedure.date, "2026-11-02");
	assert_string_equal(r.procedure.setting.code, "salon");
	assert_string_equal(r.procedure.practitioner_role.code, "aesthetician");
	assert_string_equal(r.procedure.device.code, "pen");
	assert_true(r.procedure.needle_depth_mm > 1.49 && r.procedure.needle_depth_mm < 1.51);
	assert_int_equal(r.procedure.areas.n, 2);
	assert_string_equal(r.procedure.areas.v[1], "Forehead");
	assert_int_equal(r.procedure.sterile_single_use_cartridge, TRI_TRUE);
	assert_string_equal(r.patient.sex.code, "female");
	assert_int_equal(r.patient.fitzpatrick, 4);
	assert_true(r.patient.has_ref);
	assert_string_equal(r.patient.postcode_district, "LS6");
	assert_int_equal(r.n_complications, 2);
	assert_string_equal(r.complications[0].type.code, "infection_viral_hsv");
	assert_int_equal(r.complications[0].onset_days, 3);
	assert_int_equal(r.complications[0].serious, TRI_FALSE);
	assert_string_equal(r.complications[1].type.code, "pih");
	assert_int_equal(r.complications[1].serious, TRI_UNKNOWN);
	assert_string_equal(r.complications[1].outcome.code, "not_resolved");
	assert_int_equal(r.complications[1].treatment.n, 2);
	assert_string_equal(r.narrative, "Client said \"it tingled\"\r\nthen blistered");
	/* The padded "  SAL-002 " is trimmed; a bare depth is millimetres. */
	assert_int_equal(normalise_item(&f, 1, &r), 0);
	assert_string_equal(r.client_ref, "SAL-002");
	assert_true(r.procedure.needle_depth_mm > 0.49 && r.procedure.needle_depth_mm < 0.51);
	assert_int_equal(r.patient.fitzpatrick, 3);
	done(&f);
}

static void test_unknown_column_is_a_line_one_warning_and_not_stored(void **state)
{
	struct fx f;
	(void)state;
	parse_file(&f, "messy-salon-export.csv");
	assert_int_equal(f.rc.warnings.n, 1);
	assert_string_equal(f.rc.warnings.v[0].field, "line 1");
	assert_string_equal(f.rc.warnings.v[0].message,
			    "unknown column \"Booking No\", not stored");
	cJSON *rows = report_csv_rows_json(&f.rc, &f.rc.items[0], NULL);
	const cJSON *row0 = cJSON_GetArrayItem(rows, 0);
	assert_int_equal(cJSON_GetArraySize(rows), 2);
	assert_null(cJSON_GetObjectItemCaseSensitive(row0, "Booking No"));
	assert_string_equal(str_at(row0, "Patient ID", NULL), "P-77");
	assert_string_equal(str_at(row0, "Treatment Areas", NULL), "Cheeks, Forehead");
	/* blank cells are left out of the stored rows */
	assert_null(cJSON_GetObjectItem(cJSON_GetArrayItem(rows, 1), "VERSION"));
	cJSON_Delete(rows);
	/* the patient ref cell is replaced when asked */
	rows = report_csv_rows_json(&f.rc, &f.rc.items[0], "0123abcd");
	assert_string_equal(str_at(cJSON_GetArrayItem(rows, 0), "Patient ID", NULL), "0123abcd");
	cJSON_Delete(rows);
	done(&f);
}

/* A booking system's export: every identifying column named, in one answer. */
static void test_identifying_columns_refuse_the_file(void **state)
{
	static const char *const headers[] = {
	    "client_ref,name,nhs_number,dob,phone,procedure_date,complication",
	    "Client Ref,Patient Name,NHS Number,Postcode,Procedure Date,Complication",
	    "client_ref,Email Address,Address Line 1,Date of Birth,Procedure Date,complication",
	};
	static const size_t refused[] = {4, 3, 3};
	char text[256];
	struct fx f;
	(void)state;

	for (size_t i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
		snprintf(text, sizeof(text), "%s\nX-1,a,b,c,d,2026-11-02,pih\n", headers[i]);
		parse_text(&f, text, 10);
		assert_int_equal(f.rc_parse, -EPERM);
		assert_int_equal(f.rc.refused.n, refused[i]);
		assert_int_equal(f.rc.n, 0);
		for (size_t k = 0; k < f.rc.refused.n; k++) {
			assert_string_equal(f.rc.refused.v[k].field, "line 1");
			assert_non_null(
			    strstr(f.rc.refused.v[k].message, "identifying data must not be sent"));
		}
		done(&f);
	}
	parse_text(&f,
		   "Client Ref,Patient Name,Postcode,postcode_district,complication\n"
		   "X-1,Jane,LS6 2AB,LS6,pih\n",
		   10);
	assert_int_equal(f.rc_parse, -EPERM);
	assert_int_equal(f.rc.refused.n, 2);
	assert_string_equal(f.rc.refused.v[0].message,
			    "column \"Patient Name\": identifying data must not be sent (a name); "
			    "remove the column");
	assert_string_equal(f.rc.refused.v[1].message,
			    "column \"Postcode\": identifying data must not be sent (a full "
			    "postcode); remove the column");
	done(&f);
}

/* Notes reach the report's narrative, which normalisation scans. */
static void test_free_text_cells_are_scanned_by_normalisation(void **state)
{
	struct fx f;
	struct report r;
	(void)state;

	parse_text(&f,
		   "client_ref,procedure_date,reporter_role,complication,notes\n"
		   "X-1,2026-11-02,practitioner,pih,call her on 07700 900123\n",
		   10);
	assert_int_equal(f.rc_parse, 0);
	assert_int_equal(normalise_item(&f, 0, &r), 1);
	done(&f);
}

static void test_row_problems_name_their_lines(void **state)
{
	struct fx f;
	(void)state;
	parse_file(&f, "problems.csv");
	assert_int_equal(f.rc_parse, 0);
	assert_int_equal(f.rc.n, 4);
	assert_int_equal(f.rc.items[0].errors.n, 0); /* OK-1 */
	assert_int_equal(f.rc.items[1].errors.n, 1); /* RAG-1 */
	assert_string_equal(f.rc.items[1].errors.v[0].field, "line 3");
	assert_string_equal(f.rc.items[1].errors.v[0].message, "5 fields, but the header has 7");
	assert_int_equal(f.rc.items[2].errors.n, 1); /* UTF-1 */
	assert_string_equal(f.rc.items[2].errors.v[0].field, "line 4");
	assert_non_null(strstr(f.rc.items[2].errors.v[0].message, "column 6 is not valid UTF-8"));
	assert_int_equal(f.rc.items[3].errors.n, 1); /* CON-1: the date differs */
	done(&f);
}

static void test_conflicting_report_cells_are_errors(void **state)
{
	struct fx f;
	(void)state;
	parse_text(&f,
		   "client_ref,procedure_date,setting,complication\n"
		   "C-1,2026-10-01,salon,PIH\n"
		   "C-1,2026-10-02,salon,keloid\n"
		   "C-1,,spa,scarring\n",
		   100);
	assert_int_equal(f.rc_parse, 0);
	assert_int_equal(f.rc.n, 1);
	assert_int_equal(f.rc.items[0].errors.n, 2);
	assert_string_equal(f.rc.items[0].errors.v[0].field, "line 3");
	assert_string_equal(f.rc.items[0].errors.v[0].message,
			    "procedure_date differs from line 2 of the same report");
	assert_string_equal(f.rc.items[0].errors.v[1].message,
			    "setting differs from line 2 of the same report");
	done(&f);
}

static void test_versions_are_separate_reports(void **state)
{
	struct fx f;
	(void)state;
	parse_text(&f, "client_ref,version,complication\nV-1,1,PIH\nV-1,2,PIH\nV-1,,keloid\n", 100);
	assert_int_equal(f.rc.n, 2);
	/* a blank version is version 1 */
	assert_int_equal(
	    cJSON_GetArraySize(cJSON_GetObjectItem(f.rc.items[0].report, "complications")), 2);
	assert_int_equal(cJSON_GetObjectItem(f.rc.items[1].report, "version")->valueint, 2);
	done(&f);
}

static void test_cells_become_numbers_booleans_and_lists(void **state)
{
	struct fx f;
	(void)state;
	parse_text(&f,
		   "client_ref,antiviral_prophylaxis,sterile_single_use_cartridge,products,"
		   "complication,onset_days,duration_days,serious\n"
		   "T-1,Y,maybe,\"a; b | c\",PIH,3d,about a week,N/A\n",
		   100);
	const cJSON *r = f.rc.items[0].report;
	const cJSON *p = cJSON_GetObjectItem(r, "procedure");
	const cJSON *c = cJSON_GetArrayItem(cJSON_GetObjectItem(r, "complications"), 0);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(p, "antiviral_prophylaxis")));
	/* what does not read as yes/no is left for normalise to refuse */
	assert_string_equal(cJSON_GetObjectItem(p, "sterile_single_use_cartridge")->valuestring,
			    "maybe");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(p, "products")), 3);
	assert_int_equal(cJSON_GetObjectItem(c, "onset_days")->valueint, 3);
	assert_string_equal(cJSON_GetObjectItem(c, "duration_days")->valuestring, "about a week");
	assert_null(cJSON_GetObjectItem(c, "serious"));
	done(&f);
}

static void test_blank_client_ref_is_a_report_of_its_own(void **state)
{
	struct fx f;
	struct report r;
	(void)state;
	parse_text(&f,
		   "client_ref,reporter_role,procedure_date,complication\n"
		   ",practitioner,2026-10-01,PIH\n,practitioner,2026-10-01,PIH\n",
		   100);
	assert_int_equal(f.rc.n, 2);
	assert_int_equal(normalise_item(&f, 0, &r), 1); /* client_ref is required */
	done(&f);
}

static void test_whole_file_problems_are_fatal(void **state)
{
	struct fx f;
	(void)state;
	parse_text(&f, "", 100);
	assert_int_equal(f.rc_parse, -EINVAL);
	done(&f);
	parse_text(&f, "setting,complication\nsalon,PIH\n", 100);
	assert_int_equal(f.rc_parse, -EINVAL);
	assert_string_equal(f.err.message, "no client_ref column; see config/report-template.csv");
	done(&f);
	parse_text(&f, "client_ref,Client Ref\nA,A\n", 100);
	assert_int_equal(f.rc_parse, -EINVAL);
	assert_string_equal(f.err.message, "two columns mean client_ref");
	done(&f);
	parse_text(&f, "client_ref\n", 100);
	assert_int_equal(f.rc_parse, -EINVAL);
	assert_string_equal(f.err.message, "no report rows after the header");
	done(&f);
	parse_text(&f, "client_ref,narrative\nA,\"open\nB,x\n", 100);
	assert_int_equal(f.rc_parse, -EINVAL);
	assert_int_equal(f.err.line, 2);
	assert_int_equal(f.rc.n, 0);
	done(&f);
}

static void test_too_many_rows_for_one_report_is_an_error(void **state)
{
	struct fx f;
	char *text = malloc(300 * 8 + 32), *p = text;
	(void)state;
	p += sprintf(p, "client_ref,complication\n");
	for (int i = 0; i < 250; i++)
		p += sprintf(p, "A,PIH\n");
	parse_text(&f, text, 10);
	assert_int_equal(f.rc_parse, 0);
	assert_int_equal(f.rc.n, 1);
	assert_int_equal(f.rc.items[0].errors.n, 1);
	assert_string_equal(f.rc.items[0].errors.v[0].field, "line 202");
	assert_string_equal(f.rc.items[0].errors.v[0].message, "more than 200 rows for one report");
	assert_int_equal(f.rc.items[0].n_rows, 200);
	done(&f);
	free(text);
}

static void test_more_reports_than_allowed_is_e2big(void **state)
{
	struct fx f;
	(void)state;
	parse_text(&f, "client_ref\nA\nB\nA\nC\n", 2);
	assert_int_equal(f.rc_parse, -E2BIG);
	done(&f);
	parse_text(&f, "client_ref\nA\nB\nA\nB\n", 2);
	assert_int_equal(f.rc_parse, 0);
	done(&f);
}

static void test_semicolon_export_is_read(void **state)
{
	struct fx f;
	struct report r;
	(void)state;
	parse_file(&f, "semicolon.csv");
	assert_int_equal(f.rc_parse, 0);
	assert_int_equal(normalise_item(&f, 0, &r), 0);
	assert_true(r.procedure.needle_depth_mm > 0.99 && r.procedure.needle_depth_mm < 1.01);
	assert_string_equal(r.complications[0].type.code, "pih");
	done(&f);
}

static void test_line_of_maps_complications_to_rows(void **state)
{
	struct fx f;
	(void)state;
	parse_file(&f, "messy-salon-export.csv");
	assert_int_equal(report_csv_line_of(&f.rc.items[0], "complications[1].onset_days"), 5);
	assert_int_equal(report_csv_line_of(&f.rc.items[0], "complications[0].type"), 2);
	assert_int_equal(report_csv_line_of(&f.rc.items[0], "procedure.date"), 2);
	assert_int_equal(report_csv_line_of(&f.rc.items[0], "complications[9].type"), 2);
	done(&f);
}

/* The shipped template is the documentation's example: every column known,
 * every example row a valid report. */
static void test_template_columns_are_all_known_and_valid(void **state)
{
	struct fx f;
	struct report r;
	size_t len;
	(void)state;
	char *text = th_read_file("config/report-template.csv", &len);
	memset(&f, 0, sizeof(f));
	f.a = arena_new();
	f.text = text;
	f.rc_parse = report_csv_parse(text, len, 1000, f.a, &f.rc, &f.err);
	assert_int_equal(f.rc_parse, 0);
	assert_int_equal(f.rc.warnings.n, 0);
	assert_int_equal(f.rc.n, 2);
	for (size_t i = 0; i < f.rc.n; i++)
		assert_int_equal(normalise_item(&f, i, &r), 0);
	assert_string_equal(f.rc.patient_ref_header, "patient_ref");
	done(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_messy_export_groups_rows_into_reports),
	    cmocka_unit_test(test_messy_export_normalises_like_json),
	    cmocka_unit_test(test_unknown_column_is_a_line_one_warning_and_not_stored),
	    cmocka_unit_test(test_identifying_columns_refuse_the_file),
	    cmocka_unit_test(test_free_text_cells_are_scanned_by_normalisation),
	    cmocka_unit_test(test_row_problems_name_their_lines),
	    cmocka_unit_test(test_conflicting_report_cells_are_errors),
	    cmocka_unit_test(test_versions_are_separate_reports),
	    cmocka_unit_test(test_cells_become_numbers_booleans_and_lists),
	    cmocka_unit_test(test_blank_client_ref_is_a_report_of_its_own),
	    cmocka_unit_test(test_whole_file_problems_are_fatal),
	    cmocka_unit_test(test_too_many_rows_for_one_report_is_an_error),
	    cmocka_unit_test(test_more_reports_than_allowed_is_e2big),
	    cmocka_unit_test(test_semicolon_export_is_read),
	    cmocka_unit_test(test_line_of_maps_complications_to_rows),
	    cmocka_unit_test(test_template_columns_are_all_known_and_valid),
	};
	return cmocka_run_group_tests(tests, th_tables_setup, th_tables_teardown);
}
