/* Unit tests for daemon/core/csv_cell.c: cells as people type them. */
#include "helpers.h"

#include "csv_cell.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_trim_removes_padding_and_no_break_spaces(void **state)
{
	struct arena *a = arena_new();
	(void)state;
	assert_string_equal(csv_cell_trim(a, "  LS6\t"), "LS6");
	assert_string_equal(csv_cell_trim(a, "\xc2\xa0"
					     "cheeks"
					     "\xc2\xa0"),
			    "cheeks");
	assert_string_equal(csv_cell_trim(a, "\r\n"), "");
	assert_string_equal(csv_cell_trim(a, "caf\xc3\xa9 "), "caf\xc3\xa9");
	arena_free(a);
}

static void test_trim_returns_the_cell_when_nothing_trails(void **state)
{
	static const char cell[] = "  pen";
	struct arena *a = arena_new();
	(void)state;
	assert_ptr_equal(csv_cell_trim(a, cell), cell + 2);
	arena_free(a);
}

static void test_counts_take_days_units(void **state)
{
	static const struct {
		const char *cell;
		int rc;
		long n; /* when rc is 0 */
	} c[] = {
	    {"3", 0, 3},	 {"14 days", 0, 14},	       {"2D", 0, 2},
	    {"1 Day", 0, 1},	 {"about a week", -EINVAL, 0}, {"-3", -EINVAL, 0},
	    {"3.5", -EINVAL, 0}, {"3 weeks", -EINVAL, 0},      {"1234567890", -EINVAL, 0},
	    {"", -EINVAL, 0},
	};
	long n = -1;
	(void)state;
	for (size_t i = 0; i < N(c); i++) {
		th_assert_case_int(c[i].cell, csv_cell_count(c[i].cell, &n), c[i].rc);
		if (c[i].rc == 0)
			th_assert_case_int(c[i].cell, n, c[i].n);
	}
}

static void test_yes_no_in_the_ways_forms_write_it(void **state)
{
	static const struct {
		const char *cell;
		int want;
	} c[] = {
	    {"Yes", CSV_YES},
	    {"Y", CSV_YES},
	    {"TRUE", CSV_YES},
	    {"1", CSV_YES},
	    {"no", CSV_NO},
	    {"F", CSV_NO},
	    {"0", CSV_NO},
	    {"", CSV_UNKNOWN},
	    {"N/A", CSV_UNKNOWN},
	    {"Not known", CSV_UNKNOWN},
	    {"?", CSV_UNKNOWN},
	    {"maybe", CSV_NOT_YES_NO},
	    {"yes please", CSV_NOT_YES_NO},
	};
	(void)state;
	for (size_t i = 0; i < N(c); i++)
		th_assert_case_int(c[i].cell, csv_cell_yes_no(c[i].cell), c[i].want);
}

static void test_list_items_split_trim_and_skip_blanks(void **state)
{
	struct arena *a = arena_new();
	const char *s = " cheeks; forehead,,| chin \nneck;";
	const char *want[] = {"cheeks", "forehead", "chin", "neck"};
	const char *item;
	size_t n = 0;
	(void)state;
	while ((item = csv_cell_next_item(a, &s)))
		assert_string_equal(item, want[n++]);
	assert_int_equal(n, 4);
	s = " ; , ";
	assert_null(csv_cell_next_item(a, &s));
	arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_trim_removes_padding_and_no_break_spaces),
	    cmocka_unit_test(test_trim_returns_the_cell_when_nothing_trails),
	    cmocka_unit_test(test_counts_take_days_units),
	    cmocka_unit_test(test_yes_no_in_the_ways_forms_write_it),
	    cmocka_unit_test(test_list_items_split_trim_and_skip_blanks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
