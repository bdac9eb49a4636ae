/* Tests for daemon/core/report_members.c: the stored body keeps only what
 * the report format defines, at every level. */
#include "helpers.h"

#include <cJSON.h>

#include "report_members.h"

static void test_copy_keeps_defined_members_only_at_every_level(void **state)
{
	(void)state;
	cJSON *doc = cJSON_Parse(
	    "{\"client_ref\":\"A-1\",\"source_system\":\"BookMe\",\"narrative\":\"ok\","
	    "\"procedure\":{\"date\":\"2026-11-02\",\"colour\":\"blue\",\"areas\":[\"cheeks\"]},"
	    "\"patient\":{\"age_band\":\"25-34\",\"Name\":\"Jane Doe\",\"ref\":\"r1\","
	    "\"extra\":{\"phone\":\"07700 900123\"}},"
	    "\"complications\":[{\"type\":\"infection\",\"note\":\"see letter\"},"
	    "{\"type\":\"pih\",\"outcome\":\"resolved\"}]}");
	assert_non_null(doc);
	cJSON *copy = report_members_copy(doc);
	assert_non_null(copy);
	char *text = cJSON_PrintUnformatted(copy);
	assert_string_equal(text, "{\"client_ref\":\"A-1\",\"narrative\":\"ok\","
				  "\"procedure\":{\"date\":\"2026-11-02\",\"areas\":[\"cheeks\"]},"
				  "\"patient\":{\"age_band\":\"25-34\",\"ref\":\"r1\"},"
				  "\"complications\":[{\"type\":\"infection\"},"
				  "{\"type\":\"pih\",\"outcome\":\"resolved\"}]}");
	free(text);
	cJSON_Delete(copy);
	cJSON_Delete(doc);
}

static void test_known_is_per_section(void **state)
{
	(void)state;
	assert_true(report_member_known(SECTION_PATIENT, "postcode_district"));
	assert_false(report_member_known(SECTION_REPORT, "postcode_district"));
	assert_true(report_member_known(SECTION_COMPLICATION, "treatment"));
	assert_false(report_member_known(SECTION_PROCEDURE, "Date"));
	assert_false(report_member_known(SECTION_PATIENT, "name"));
	assert_false(report_member_known(SECTION_PATIENT, NULL));
	assert_null(report_members_copy(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_copy_keeps_defined_members_only_at_every_level),
	    cmocka_unit_test(test_known_is_per_section),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
