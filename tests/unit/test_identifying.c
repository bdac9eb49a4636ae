/* Tests for daemon/core/identifying.c: identifying member and column names,
 * and identifiers in free text, with the near-misses that must pass. */
#include "helpers.h"

#include "identifying.h"

struct name_case {
	const char *name;
	const char *what; /* NULL: not identifying */
};

static void check_names(const struct name_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *got = identifying_name(cases[i].name);
		if (!cases[i].what && got)
			fail_msg("\"%s\" was taken for %s", cases[i].name, got);
		if (cases[i].what && (!got || strcmp(got, cases[i].what) != 0))
			fail_msg("\"%s\": expected %s, got %s", cases[i].name, cases[i].what,
				 got ? got : "nothing");
	}
}

#define CHECK_NAMES(c) check_names(c, sizeof(c) / sizeof(c[0]))

static void test_names_match_whatever_their_case_and_spelling(void **state)
{
	(void)state;
	static const struct name_case cases[] = {
	    {"name", "a name"},
	    {"Name", "a name"},
	    {"NAME", "a name"},
	    {"Patient Name", "a name"},
	    {"patient_name", "a name"},
	    {"first_name", "a name"},
	    {"First Name", "a name"},
	    {"given name", "a name"},
	    {"familyName", "a name"},
	    {"Surname", "a name"},
	    {"forename", "a name"},
	    {"Full Name", "a name"},
	    {"client name", "a name"},
	    {"dob", "a date of birth"},
	    {"DOB", "a date of birth"},
	    {"D.O.B.", "a date of birth"},
	    {"date of birth", "a date of birth"},
	    {"DateOfBirth", "a date of birth"},
	    {"date-of-birth", "a date of birth"},
	    {"birth_date", "a date of birth"},
	    {"birthDate", "a date of birth"},
	    {"Patient DOB", "a date of birth"},
	    {"nhs_number", "an NHS, CHI or other national number"},
	    {"NHS_Number", "an NHS, CHI or other national number"},
	    {"nhs number", "an NHS, CHI or other national number"},
	    {"NHS No", "an NHS, CHI or other national number"},
	    {"NHS No.", "an NHS, CHI or other national number"},
	    {"CHI number", "an NHS, CHI or other national number"},
	    {"email", "an e-mail address"},
	    {"Email", "an e-mail address"},
	    {"e-mail", "an e-mail address"},
	    {"E-Mail Address", "an e-mail address"},
	    {"contact_email", "an e-mail address"},
	    {"phone", "a phone number"},
	    {"telephone", "a phone number"},
	    {"Tel", "a phone number"},
	    {"Tel.", "a phone number"},
	    {"mobile", "a phone number"},
	    {"Mobile Number", "a phone number"},
	    {"phone2", "a phone number"},
	    {"telecom", "a phone number"},
	    {"address", "an address"},
	    {"Address", "an address"},
	    {"Address Line 1", "an address"},
	    {"address_line_2", "an address"},
	    {"street", "an address"},
	    {"postcode", "a full postcode"},
	    {"Post Code", "a full postcode"},
	    {"Postcode", "a full postcode"},
	    {"postal_code", "a full postcode"},
	    {"zip", "a full postcode"},
	    {"Patient Postcode", "a full postcode"},
	};
	CHECK_NAMES(cases);
}

/* Every member and column the report format defines must pass. */
static void test_report_members_and_columns_are_not_identifying(void **state)
{
	(void)state;
	static const struct name_case cases[] = {
	    {"postcode_district", NULL},
	    {"Postcode District", NULL},
	    {"patient_postcode_district", NULL},
	    {"district", NULL},
	    {"client_ref", NULL},
	    {"version", NULL},
	    {"reporter_role", NULL},
	    {"procedure", NULL},
	    {"patient", NULL},
	    {"ref", NULL},
	    {"patient_ref", NULL},
	    {"Patient ID", NULL},
	    {"age_band", NULL},
	    {"sex", NULL},
	    {"fitzpatrick", NULL},
	    {"history", NULL},
	    {"date", NULL},
	    {"procedure_date", NULL},
	    {"type", NULL},
	    {"setting", NULL},
	    {"premises_code", NULL},
	    {"practitioner_role", NULL},
	    {"device", NULL},
	    {"needle_depth", NULL},
	    {"areas", NULL},
	    {"products", NULL},
	    {"complications", NULL},
	    {"onset_days", NULL},
	    {"severity", NULL},
	    {"outcome", NULL},
	    {"treatment", NULL},
	    {"narrative", NULL},
	    {"notes", NULL},
	    {"Booking No", NULL},
	    {"patient", NULL},
	    {"", NULL},
	    {"__", NULL},
	    {"nameless_flag", NULL},
	    {"telemetry", NULL},
	    {"addressed", NULL},
	};
	CHECK_NAMES(cases);
	assert_null(identifying_name(NULL));
}

static void test_nhs_check_digit(void **state)
{
	(void)state;
	assert_true(identifying_nhs_check("9434765919"));
	assert_true(identifying_nhs_check("4010232137"));
	assert_false(identifying_nhs_check("9434765918"));
	assert_false(identifying_nhs_check("1234567890")); /* check digit would be 10 */
	assert_false(identifying_nhs_check("2026110201"));
}

struct scan_case {
	const char *text;
	enum identifying_kind kind;
};

static void check_scans(const struct scan_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		enum identifying_kind got = identifying_scan(cases[i].text);
		if (got != cases[i].kind)
			fail_msg("\"%s\": expected %s, got %s", cases[i].text,
				 identifying_kind_text(cases[i].kind), identifying_kind_text(got));
	}
}

#define CHECK_SCANS(c) check_scans(c, sizeof(c) / sizeof(c[0]))

static void test_scan_finds_nhs_numbers(void **state)
{
	(void)state;
	static const struct scan_case cases[] = {
	    {"9434765919", IDENTIFYING_NHS_NUMBER},
	    {"NHS 943 476 5919, seen in clinic", IDENTIFYING_NHS_NUMBER},
	    {"nhs:943-476-5919.", IDENTIFYING_NHS_NUMBER},
	    {"(4010232137)", IDENTIFYING_NHS_NUMBER},
	    {"NHS9434765919", IDENTIFYING_NHS_NUMBER},
	};
	CHECK_SCANS(cases);
}

static void test_scan_passes_numbers_that_are_not_nhs_numbers(void **state)
{
	(void)state;
	static const struct scan_case cases[] = {
	    {"batch 9434765918", IDENTIFYING_NONE}, /* fails modulus 11 */
	    {"lot 1234567890", IDENTIFYING_NONE},   /* check digit 10 */
	    {"94347659190", IDENTIFYING_NONE},	    /* eleven digits */
	    {"19434765919", IDENTIFYING_NONE},	    /* part of a longer number */
	    {"943 476 59190", IDENTIFYING_NONE},    /* last group too long */
	    {"943 4765919", IDENTIFYING_NONE},	    /* half separated */
	    {"943-476 5919", IDENTIFYING_NONE},	    /* two separators */
	    {"94 34 76 59 19", IDENTIFYING_NONE},   /* not 3-3-4 */
	    {"0.9434765919", IDENTIFYING_NONE},	    /* a decimal */
	    {"procedure on 2026-11-02", IDENTIFYING_NONE},
	    {"seen 02/11/2026 and 2026-11-27", IDENTIFYING_NONE},
	    {"depth 1.5 mm then 1500 um, 0.15 cm", IDENTIFYING_NONE},
	    {"onset after 3 days, lasted 10", IDENTIFYING_NONE},
	};
	CHECK_SCANS(cases);
}

static void test_scan_finds_email_addresses(void **state)
{
	(void)state;
	static const struct scan_case cases[] = {
	    {"jane.doe@example.com", IDENTIFYING_EMAIL},
	    {"contact her at j_doe+skin@mail.example.co.uk please", IDENTIFYING_EMAIL},
	    {"(x@y.org)", IDENTIFYING_EMAIL},
	    {"an @ sign", IDENTIFYING_NONE},
	    {"user@localhost", IDENTIFYING_NONE},
	    {"@example.com", IDENTIFYING_NONE},
	    {"a@b.c", IDENTIFYING_NONE},
	    {"2 @ 3.5mm", IDENTIFYING_NONE},
	};
	CHECK_SCANS(cases);
}

static void test_scan_finds_uk_phone_numbers(void **state)
{
	(void)state;
	static const struct scan_case cases[] = {
	    {"07700 900123", IDENTIFYING_PHONE},	{"call 07700900123", IDENTIFYING_PHONE},
	    {"020 7946 0958", IDENTIFYING_PHONE},	{"0113 496 0000", IDENTIFYING_PHONE},
	    {"01632 960123", IDENTIFYING_PHONE},	{"(020) 7946 0958", IDENTIFYING_PHONE},
	    {"+44 7700 900123", IDENTIFYING_PHONE},	{"+447700900123", IDENTIFYING_PHONE},
	    {"+44 (0)20 7946 0958", IDENTIFYING_PHONE}, {"+44 20 7946 0958", IDENTIFYING_PHONE},
	    {"0044 7700 900123", IDENTIFYING_PHONE},	{"0161-496-0000", IDENTIFYING_PHONE},
	};
	CHECK_SCANS(cases);
}

static void test_scan_passes_numbers_that_are_not_phone_numbers(void **state)
{
	(void)state;
	static const struct scan_case cases[] = {
	    {"02 11 2026", IDENTIFYING_NONE},	   /* a date with spaces */
	    {"0.5 mm", IDENTIFYING_NONE},	   /* a depth */
	    {"07700 9001", IDENTIFYING_NONE},	   /* too short */
	    {"077009001234567", IDENTIFYING_NONE}, /* too long */
	    {"00 12 34", IDENTIFYING_NONE},
	    {"+33 1 23 45 67 89", IDENTIFYING_NONE}, /* not UK */
	    {"10 07700", IDENTIFYING_NONE},
	    {"onset 0 days, duration 14", IDENTIFYING_NONE},
	};
	CHECK_SCANS(cases);
}

static void test_scan_finds_full_postcodes_only(void **state)
{
	(void)state;
	static const struct scan_case cases[] = {
	    {"SW1A 1AA", IDENTIFYING_POSTCODE},
	    {"lives at LS6 2AB.", IDENTIFYING_POSTCODE},
	    {"ls62ab", IDENTIFYING_POSTCODE},
	    {"M1 1AE", IDENTIFYING_POSTCODE},
	    {"M11AE", IDENTIFYING_POSTCODE},
	    {"B33 8TH", IDENTIFYING_POSTCODE},
	    {"CR2 6XH", IDENTIFYING_POSTCODE},
	    {"DN55 1PT", IDENTIFYING_POSTCODE},
	    {"W1A 0AX", IDENTIFYING_POSTCODE},
	    {"EC1A 1BB", IDENTIFYING_POSTCODE},
	    {"SW1A", IDENTIFYING_NONE},	    /* a district */
	    {"from LS6", IDENTIFYING_NONE}, /* a district */
	    {"LS6 2", IDENTIFYING_NONE},    /* a sector */
	    {"LS6 2CB", IDENTIFYING_NONE},  /* C is never in an inward code */
	    {"QS6 2AB", IDENTIFYING_NONE},  /* Q never starts one */
	    {"XLS6 2AB", IDENTIFYING_NONE}, /* inside a longer word */
	    {"LS6 2ABX", IDENTIFYING_NONE},
	    {"type IV skin, 1.5mm", IDENTIFYING_NONE},
	    {"cold sores on day 3", IDENTIFYING_NONE},
	};
	CHECK_SCANS(cases);
}

static void test_scan_passes_ordinary_clinical_text(void **state)
{
	(void)state;
	static const struct scan_case cases[] = {
	    {"", IDENTIFYING_NONE},
	    {"Pustules on both cheeks 3 days after a 1.5 mm session; treated with oral "
	     "flucloxacillin 500 mg QDS for 7 days, resolved by 2026-11-20.",
	     IDENTIFYING_NONE},
	    {"Fitzpatrick IV, PIH at 6 weeks, batch A12345, lot 2026-07", IDENTIFYING_NONE},
	    {"vitamin C serum 20%", IDENTIFYING_NONE},
	    {"r\xc3\xb6thung \xe2\x80\x94 1500 \xc2\xb5m", IDENTIFYING_NONE},
	};
	CHECK_SCANS(cases);
	assert_int_equal(identifying_scan(NULL), IDENTIFYING_NONE);
}

static void test_scan_reports_the_first_kind_found(void **state)
{
	(void)state;
	assert_int_equal(identifying_scan("mail a@b.com or call 07700 900123"), IDENTIFYING_EMAIL);
	assert_int_equal(identifying_scan("call 07700 900123 or mail a@b.com"), IDENTIFYING_PHONE);
	assert_string_equal(identifying_kind_text(IDENTIFYING_NHS_NUMBER), "an NHS number");
	assert_string_equal(identifying_kind_text(IDENTIFYING_POSTCODE), "a full postcode");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_names_match_whatever_their_case_and_spelling),
	    cmocka_unit_test(test_report_members_and_columns_are_not_identifying),
	    cmocka_unit_test(test_nhs_check_digit),
	    cmocka_unit_test(test_scan_finds_nhs_numbers),
	    cmocka_unit_test(test_scan_passes_numbers_that_are_not_nhs_numbers),
	    cmocka_unit_test(test_scan_finds_email_addresses),
	    cmocka_unit_test(test_scan_finds_uk_phone_numbers),
	    cmocka_unit_test(test_scan_passes_numbers_that_are_not_phone_numbers),
	    cmocka_unit_test(test_scan_finds_full_postcodes_only),
	    cmocka_unit_test(test_scan_passes_ordinary_clinical_text),
	    cmocka_unit_test(test_scan_reports_the_first_kind_found),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
