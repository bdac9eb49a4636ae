/* Unit tests for daemon/core/region.c, against the real config/postcode-regions.tsv. */
#include "helpers.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Royal Mail's 121 geographic postcode areas of the UK. */
static const char *const uk_areas[] = {
    "AB", "AL", "B",  "BA", "BB", "BD", "BH", "BL", "BN", "BR", "BS", "BT", "CA", "CB", "CF", "CH",
    "CM", "CO", "CR", "CT", "CV", "CW", "DA", "DD", "DE", "DG", "DH", "DL", "DN", "DT", "DY", "E",
    "EC", "EH", "EN", "EX", "FK", "FY", "G",  "GL", "GU", "HA", "HD", "HG", "HP", "HR", "HS", "HU",
    "HX", "IG", "IP", "IV", "KA", "KT", "KW", "KY", "L",  "LA", "LD", "LE", "LL", "LN", "LS", "LU",
    "M",  "ME", "MK", "ML", "N",  "NE", "NG", "NN", "NP", "NR", "NW", "OL", "OX", "PA", "PE", "PH",
    "PL", "PO", "PR", "RG", "RH", "RM", "S",  "SA", "SE", "SG", "SK", "SL", "SM", "SN", "SO", "SP",
    "SR", "SS", "ST", "SW", "SY", "TA", "TD", "TF", "TN", "TQ", "TR", "TS", "TW", "UB", "W",  "WA",
    "WC", "WD", "WF", "WN", "WR", "WS", "WV", "YO", "ZE",
};

/* ITL1 regions as ONS spells them. */
static const char *const itl1[] = {
    "North East",    "North West",    "Yorkshire and The Humber",
    "East Midlands", "West Midlands", "East of England",
    "London",	     "South East",    "South West",
    "Wales",	     "Scotland",      "Northern Ireland",
};

/* The shipped tables, with the regions as every test's state. */
static int group_setup(void **state)
{
	int rc = th_tables_setup(state);

	*state = shipped.regions;
	return rc;
}

/* The region of a district or postcode, through both calls as a caller makes them. */
static const char *region_of(const struct region_table *t, const char *district)
{
	char area[3];

	return region_lookup(t, region_area_of(district, area, sizeof(area)));
}

/* ---- the real table ---- */

static void test_file_lists_every_uk_area_once_plus_crown_dependencies(void **state)
{
	FILE *f = fopen(REGIONS_PATH, "r");
	char line[512];
	size_t data_lines = 0;

	(void)state;
	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (line[0] != '#' && line[0] != '\n')
			data_lines++;
	fclose(f);
	assert_int_equal(N(uk_areas), 121);
	/* 121 UK areas + GY, JE, IM; duplicates would fail the load. */
	assert_int_equal(data_lines, 124);
}

static void test_every_uk_area_has_an_itl1_region(void **state)
{
	for (size_t i = 0; i < N(uk_areas); i++) {
		const char *r = region_lookup(*state, uk_areas[i]);
		int ok = 0;
		for (size_t j = 0; r && j < N(itl1); j++)
			ok |= strcmp(r, itl1[j]) == 0;
		if (!ok)
			fail_msg("%s -> %s", uk_areas[i], r ? r : "NULL");
	}
}

static void test_every_itl1_region_appears(void **state)
{
	for (size_t j = 0; j < N(itl1); j++) {
		size_t hits = 0;
		for (size_t i = 0; i < N(uk_areas); i++) {
			const char *r = region_lookup(*state, uk_areas[i]);
			hits += r && strcmp(r, itl1[j]) == 0;
		}
		if (hits == 0)
			fail_msg("no area maps to %s", itl1[j]);
	}
}

static void test_crown_dependencies_have_their_own_bucket(void **state)
{
	assert_string_equal(region_lookup(*state, "GY"), "Crown Dependencies");
	assert_string_equal(region_lookup(*state, "JE"), "Crown Dependencies");
	assert_string_equal(region_lookup(*state, "IM"), "Crown Dependencies");
}

static void test_districts_map_to_their_regions(void **state)
{
	static const struct {
		const char *district, *region;
	} m[] = {
	    {"LS6", "Yorkshire and The Humber"},
	    {"EC1A", "London"},
	    {"CF10", "Wales"},
	    {"BT9", "Northern Ireland"},
	    {"EH1", "Scotland"},
	    {"E1W", "London"},
	    {"W1", "London"},
	    {"SW1A", "London"},
	    {"NE1", "North East"},
	    {"M1", "North West"},
	    {"NG7", "East Midlands"},
	    {"B15", "West Midlands"},
	    {"CB2", "East of England"},
	    {"OX1", "South East"},
	    {"BS8", "South West"},
	    {"G12", "Scotland"},
	    {"S10", "Yorkshire and The Humber"},
	    {"CH1", "North West"},
	    {"SY23", "West Midlands"}, /* Aberystwyth: Wales, but SY is mostly Shropshire */
	    {"TD15", "Scotland"},      /* Berwick: England, but TD is mostly the Borders */
	    {"JE2", "Crown Dependencies"},
	};
	for (size_t i = 0; i < N(m); i++) {
		const char *got = region_of(*state, m[i].district);
		if (!got || strcmp(got, m[i].region) != 0)
			fail_msg("%s -> %s, want %s", m[i].district, got ? got : "NULL",
				 m[i].region);
	}
}

static void test_lowercase_and_full_postcodes_map(void **state)
{
	assert_string_equal(region_of(*state, "ls6"), "Yorkshire and The Humber");
	assert_string_equal(region_of(*state, " Ls6 "), "Yorkshire and The Humber");
	assert_string_equal(region_of(*state, "LS6 2AB"), "Yorkshire and The Humber");
	assert_string_equal(region_of(*state, "ls6 2ab"), "Yorkshire and The Humber");
	assert_string_equal(region_of(*state, "LS62AB"), "Yorkshire and The Humber");
	assert_string_equal(region_of(*state, "ec1a 1bb"), "London");
	assert_string_equal(region_of(*state, "SW1A 1AA"), "London");
	assert_string_equal(region_of(*state, "cf10\t1aa"), "Wales");
	assert_string_equal(region_of(*state, "BT9 5"), "Northern Ireland");
}

static void test_unknown_or_malformed_area_looks_up_null(void **state)
{
	assert_null(region_lookup(*state, "QQ"));
	assert_null(region_lookup(*state, "XX"));
	assert_null(region_lookup(*state, "ls"));
	assert_null(region_lookup(*state, "LS6"));
	assert_null(region_lookup(*state, "LSX"));
	assert_null(region_lookup(*state, ""));
	assert_null(region_lookup(*state, "1"));
	assert_null(region_lookup(*state, NULL));
	assert_null(region_lookup(NULL, "LS"));
	assert_null(region_of(*state, "QQ1"));
}

/* ---- region_area_of ---- */

static void expect_area(const char *district, const char *want)
{
	char buf[3];
	const char *got = region_area_of(district, buf, sizeof(buf));

	if (!got || strcmp(got, want) != 0)
		fail_msg("\"%s\" -> %s, want %s", district, got ? got : "NULL", want);
	assert_ptr_equal(got, buf);
}

static void test_area_of_accepts_every_outward_shape(void **state)
{
	(void)state;
	expect_area("M1", "M");	   /* A9 */
	expect_area("B33", "B");   /* A99 */
	expect_area("W1A", "W");   /* A9A */
	expect_area("LS6", "LS");  /* AA9 */
	expect_area("DN55", "DN"); /* AA99 */
	expect_area("EC1A", "EC"); /* AA9A */
	expect_area("e1w", "E");
	expect_area("bt9", "BT");
	expect_area("  ls6\n", "LS");
}

static void test_area_of_takes_the_outward_part_of_a_postcode(void **state)
{
	(void)state;
	expect_area("LS6 2AB", "LS");
	expect_area("ls6   2ab", "LS");
	expect_area("M1 1AE", "M");
	expect_area("W1A 0AX", "W");
	expect_area("EC1A 1BB", "EC");
	expect_area("EC1A1BB", "EC");
	expect_area("M11AE", "M");
	expect_area("LS6 2", "LS");
}

static void test_area_of_rejects_malformed_districts(void **state)
{
	static const char
	    *const bad[] =
		{
		    "",		 "   ",	       "LS",	"L",	    "6",	 "6LS",
		    "LSS6",	 "LS-6",       "LS 6",	"LS6 2A",   "LS6 2AB X", "LS6 AB",
		    "LS6AB",	 "LS666",      "EC1AA", "LS6 22AB", "GIR 0AA",	 "BFPO 123",
		    "SW1A 1AAA", "L\303\2516", /* L, e acute, 6 */
		    "LS6\x01",	 "LS6 2AB2AB",
		};
	char buf[3];

	(void)state;
	for (size_t i = 0; i < N(bad); i++)
		if (region_area_of(bad[i], buf, sizeof(buf)))
			fail_msg("\"%s\" accepted as %s", bad[i], buf);
	assert_null(region_area_of(NULL, buf, sizeof(buf)));
	assert_null(region_area_of("LS6", NULL, 3));
	assert_null(region_area_of("LS6", buf, 2));
}

/* ---- loading errors ---- */

/* Loading text must fail with exactly "PATH: " followed by want. */
static void expect_load_error(const char *text, const char *want)
{
	struct th_tmpfile t;
	char err[256], full[256];

	th_write_tmp(&t, text);
	struct region_table *r = region_load(t.path, err, sizeof(err));
	unlink(t.path);
	region_free(r);
	assert_null(r);
	snprintf(full, sizeof(full), "%s: %s", t.path, want);
	assert_string_equal(err, full);
}

static void test_load_small_table_with_comments(void **state)
{
	struct th_tmpfile t;
	char err[256] = "stale";

	(void)state;
	th_write_tmp(&t, "# comment\n\nLS\tYorkshire and The Humber\n"
			 "CH\tNorth West\t# mostly England\r\n  \t\nW\tLondon");
	struct region_table *r = region_load(t.path, err, sizeof(err));
	unlink(t.path);
	assert_non_null(r);
	assert_string_equal(err, "");
	assert_string_equal(region_lookup(r, "LS"), "Yorkshire and The Humber");
	assert_string_equal(region_lookup(r, "CH"), "North West");
	assert_string_equal(region_lookup(r, "W"), "London");
	assert_null(region_lookup(r, "WA"));
	region_free(r);
	region_free(NULL);
}

static void test_load_rejects_bad_lines(void **state)
{
	(void)state;
	expect_load_error("LS Yorkshire and The Humber\n", "line 1: expected AREA<TAB>region");
	expect_load_error("# x\nls\tLondon\n", "line 2: bad postcode area \"ls\"");
	expect_load_error("LS6\tLondon\n", "line 1: bad postcode area \"LS6\"");
	expect_load_error("\tLondon\n", "line 1: expected AREA<TAB>region");
	expect_load_error("LS\tYorkshire and the Humber\n",
			  "line 1: unknown region \"Yorkshire and the Humber\"");
	expect_load_error("LS\t\n", "line 1: expected AREA<TAB>region");
	expect_load_error("LS\tLondon\nE\tLondon\nLS\tLondon\n", "line 3: area LS is listed twice");
	expect_load_error("# nothing\n\n", "no postcode areas");
	expect_load_error("", "no postcode areas");
}

static void test_load_rejects_missing_file(void **state)
{
	char err[128];

	(void)state;
	assert_null(region_load("/nonexistent/regions.tsv", err, sizeof(err)));
	assert_string_equal(err,
			    "/nonexistent/regions.tsv: cannot open: No such file or directory");
	assert_null(region_load(NULL, err, sizeof(err)));
	assert_null(region_load("/nonexistent/regions.tsv", NULL, 0));
}

int main(void)
{
	/* One group: the runner counts the last summary line of each binary. */
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_file_lists_every_uk_area_once_plus_crown_dependencies),
	    cmocka_unit_test(test_every_uk_area_has_an_itl1_region),
	    cmocka_unit_test(test_every_itl1_region_appears),
	    cmocka_unit_test(test_crown_dependencies_have_their_own_bucket),
	    cmocka_unit_test(test_districts_map_to_their_regions),
	    cmocka_unit_test(test_lowercase_and_full_postcodes_map),
	    cmocka_unit_test(test_unknown_or_malformed_area_looks_up_null),
	    cmocka_unit_test(test_area_of_accepts_every_outward_shape),
	    cmocka_unit_test(test_area_of_takes_the_outward_part_of_a_postcode),
	    cmocka_unit_test(test_area_of_rejects_malformed_districts),
	    cmocka_unit_test(test_load_small_table_with_comments),
	    cmocka_unit_test(test_load_rejects_bad_lines),
	    cmocka_unit_test(test_load_rejects_missing_file),
	};
	return cmocka_run_group_tests_name("region", tests, group_setup, th_tables_teardown);
}
